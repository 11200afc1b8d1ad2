"""The Flask application both implementations are measured on.

The extension is imported by name, so one function builds the same app for
either; a process only ever imports one of them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

#: Implementation key -> importable module.
MODULES = {"kit": "flask_jwt_kit", "fje": "flask_jwt_extended"}

#: Implementation key -> what the report calls it.
LABELS = {"kit": "Flask-JWT-Kit", "fje": "Flask-JWT-Extended 4.7.4"}

#: The HS256 secret of every app: 64 bytes, strong enough for any HMAC algorithm.
SECRET = "benchmark-secret-" + "s" * 47

#: The identity of the repeated token.
IDENTITY = "alice"

#: The header carrying the token, as the views expect it.
HEADER = "Authorization"

#: The names of the access cookie and of the CSRF header (both libraries' defaults).
ACCESS_COOKIE = "access_token_cookie"
CSRF_HEADER = "X-CSRF-TOKEN"


def load(impl: str) -> ModuleType:
    """The extension module of *impl* (``"kit"`` or ``"fje"``).

    :raises KeyError: *impl* is not a known implementation.
    """
    return importlib.import_module(MODULES[impl])


def make_app(impl: str, **config: Any) -> tuple[Flask, ModuleType]:
    """A Flask app protected by *impl*, and the extension module.

    Views: ``/open`` (GET, POST; unprotected), ``/protected`` (GET; token in
    the ``Authorization`` header), ``/cookie`` (POST; token in the access
    cookie, with the CSRF header) and ``/login`` (POST; returns an access
    token for :data:`IDENTITY`). The protected views and ``/open`` answer
    the same JSON, so the only difference is the authentication.

    :param config: extra ``app.config`` values (e.g. ``JWT_REVOCATION_STORE``).
    """
    module = load(impl)
    app = Flask(f"benchmark_{impl}")
    app.config.update(
        JWT_SECRET_KEY=SECRET,
        JWT_ALGORITHM="HS256",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        **config,
    )
    module.JWTManager(app)
    required = module.jwt_required

    def unprotected() -> ResponseReturnValue:
        return jsonify(ok=True, user=IDENTITY)

    def protected() -> ResponseReturnValue:
        return jsonify(ok=True, user=module.get_jwt_identity())

    def login() -> ResponseReturnValue:
        return jsonify(access_token=module.create_access_token(IDENTITY))

    app.add_url_rule("/open", "open", unprotected, methods=["GET", "POST"])
    app.add_url_rule("/protected", "protected", required()(protected), methods=["GET"])
    app.add_url_rule(
        "/cookie", "cookie", required(locations=["cookies"])(protected), methods=["POST"]
    )
    app.add_url_rule("/login", "login", login, methods=["POST"])
    return app, module
