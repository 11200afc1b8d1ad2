"""The demo application factory: configuration, keys, users and the extension.

Configuration comes from the environment, then from the ``config`` argument
(tests pass short lifetimes and a temporary instance directory):

``JWT_SECRET_KEY`` or ``DEMO_SECRET_KEY``
    the application secret; a random one is generated, with a warning, when
    neither is set (then HMAC tokens do not survive a restart).
``REDIS_URL``
    keep revocations and sessions in Redis instead of the SQLite file
    ``revocations.db`` of the instance directory.
``JWT_KEYS``
    a JWK Set (file path or JSON text) to sign with; by default an ES256
    key set generated on first start in ``jwks.json`` of the instance
    directory (mode 0600), whose public half ``/.well-known/jwks.json`` serves.
    ``JWT_KEYS=off`` signs with the secret (HS256) instead.
``DEMO_INSTANCE_PATH``
    where the databases and keys live (default: Flask's ``./instance``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context

from flask_jwt_kit import JWTManager, token_issued
from flask_jwt_kit.keys import add_key_to_file, generate_jwk

from .api import api_blueprint
from .users import USERS_KEY, User, UserStore
from .web import web_blueprint

#: Response header telling the page when a newly issued access token expires.
EXPIRES_HEADER = "X-Access-Expires"


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    instance_path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build the demo application.

    :param config: settings that win over the defaults and the environment.
    :param instance_path: the instance directory (default: ``DEMO_INSTANCE_PATH``,
        else Flask's ``instance`` directory).
    :param environ: the environment to read (default: ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    if instance_path is None:
        instance_path = environ.get("DEMO_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=None if instance_path is None else os.fspath(instance_path))
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)

    secret = environ.get("JWT_SECRET_KEY") or environ.get("DEMO_SECRET_KEY")
    if not secret:
        secret = secrets.token_urlsafe(64)
        print(
            "WARNING: neither JWT_SECRET_KEY nor DEMO_SECRET_KEY is set; using a random "
            "secret for this run only.",
            file=sys.stderr,
        )
    keys_setting = environ.get("JWT_KEYS") or str(instance / "jwks.json")
    app.config.update(
        SECRET_KEY=secret,
        JWT_SECRET_KEY=secret,
        JWT_KEYS=None if keys_setting == "off" else keys_setting,
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(minutes=5),
        JWT_REFRESH_TOKEN_EXPIRES=dt.timedelta(days=7),
        JWT_IMPLICIT_REFRESH=dt.timedelta(minutes=2),
        JWT_REFRESH_TOKEN_ROTATION=True,
        JWT_REVOCATION_STORE=environ.get("REDIS_URL") or f"sqlite:///{instance / 'revocations.db'}",
        JWT_JWKS_URL_RULE="/.well-known/jwks.json",
        # The refresh cookie goes only to the endpoint that uses it.
        JWT_REFRESH_COOKIE_PATH="/web/api/refresh",
        JWT_COOKIE_SAMESITE="Lax",
        # Plain HTTP on the loopback interface; behind HTTPS, set this to True.
        JWT_COOKIE_SECURE=False,
        DEMO_DATABASE=str(instance / "demo.db"),
        DEMO_PASSWORD_HASH_METHOD="scrypt",
    )
    app.config.update(config or {})
    if app.config["JWT_KEYS"] == str(instance / "jwks.json"):
        ensure_key_set(instance / "jwks.json")

    users = UserStore(app.config["DEMO_DATABASE"], app.config["DEMO_PASSWORD_HASH_METHOD"])
    app.extensions[USERS_KEY] = users
    # The extension's implicit refresh runs before every after_request
    # function, so this one sees an access token it re-issued on the way out.
    app.after_request(_expose_new_expiry)
    jwt = JWTManager(app)

    @jwt.user_lookup_loader
    def load_user(header: dict[str, Any], claims: dict[str, Any]) -> User | None:
        return users.get(claims["sub"])

    @jwt.additional_claims_loader
    def scopes(identity: Any) -> dict[str, Any]:
        # Read at every issue (login, rotation, implicit refresh), and always
        # set, so that a rotated token does not carry an old role over: a
        # role change applies from the next token on.
        user = users.get(identity)
        return {"scope": "admin" if user is not None and user.is_admin else ""}

    token_issued.connect(_remember_expiry, app)
    app.register_blueprint(api_blueprint("api", "/api", "headers"))
    app.register_blueprint(api_blueprint("web_api", "/web/api", "cookies"))
    app.register_blueprint(web_blueprint())
    return app


def ensure_key_set(path: Path) -> None:
    """Create the JWK Set file with one ES256 key, or make sure only its owner reads it."""
    if path.exists():
        path.chmod(0o600)
    else:
        add_key_to_file(path, generate_jwk("ES256"))


def _remember_expiry(sender: Flask, token_type: str, claims: dict[str, Any], **extra: Any) -> None:
    if token_type == "access" and has_request_context():
        g.demo_access_expires = claims.get("exp")


def _expose_new_expiry(response: Response) -> Response:
    expires = g.pop("demo_access_expires", None)
    if expires is not None:
        response.headers[EXPIRES_HEADER] = str(expires)
    return response
