"""The application under test: an API with header tokens and cookie tokens."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, get_jwt, get_jwt_identity, jwt_required


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        JWT_SECRET_KEY="development only: replace me with 32+ random bytes",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
    )
    app.config.update(config or {})
    JWTManager(app)

    @app.get("/profile")
    @jwt_required()
    def profile() -> dict[str, Any]:
        return {"username": get_jwt_identity()}

    @app.post("/profile")
    @jwt_required(fresh=True)
    def update_profile() -> dict[str, Any]:
        return {"updated": get_jwt_identity()}

    @app.post("/token/refresh")
    @jwt_required(refresh=True)
    def refresh() -> dict[str, Any]:
        return {"refreshed": get_jwt_identity()}

    @app.get("/admin")
    @jwt_required(scopes="admin")
    def admin() -> dict[str, Any]:
        return {"scope": get_jwt()["scope"]}

    return app
