"""The application factory for production: every setting from the environment.

Each server runs the same code and reads, for example::

    FLASK_JWT_SECRET_KEY=...                       # or FLASK_JWT_KEYS=/run/secrets/jwks.json
    FLASK_JWT_REVOCATION_STORE=redis://redis.internal:6379/0
    FLASK_JWT_COOKIE_SECURE=true

Serve it with ``gunicorn -w 4 'examples.deployment:create_app()'``.
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt_identity, jwt_required
from flask_jwt_kit.revocation import store_from_config

from ..users import login_from_request
from .monitoring import Metrics, TimedStore


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    # Safe defaults first; FLASK_JWT_* variables then override them
    # (their values are read as JSON when they parse: true, 3600, [...]).
    app.config.update(
        JWT_COOKIE_SECURE=True,
        JWT_COOKIE_SAMESITE="Lax",
        JWT_REJECT_WEAK_SECRETS=True,
        JWT_REVOCATION_STORE="sqlite:///revocations.db",
    )
    app.config.from_prefixed_env()
    app.config.update(config or {})

    # Time every store call: the store is on the path of every request.
    metrics = Metrics()
    store = store_from_config(app.config["JWT_REVOCATION_STORE"])
    if store is not None:
        app.config["JWT_REVOCATION_STORE"] = TimedStore(store, metrics)
    JWTManager(app)
    metrics.init_app(app)

    @app.post("/login")
    def login() -> tuple[dict[str, Any], int]:
        user = login_from_request()
        if user is None:
            return {"msg": "Bad username or password"}, 401
        return {"access_token": create_access_token(identity=user.username)}, 200

    @app.get("/me")
    @jwt_required()
    def me() -> dict[str, Any]:
        return {"username": get_jwt_identity()}

    return app
