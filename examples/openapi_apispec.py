"""OpenAPI with apispec alone: describe each view, the plugin adds its security."""

import os
from typing import Any

from apispec import APISpec
from flask import Flask

from flask_jwt_kit import JWTManager, get_jwt_identity, jwt_required
from flask_jwt_kit.openapi import JWTSecurityPlugin

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
jwt = JWTManager(app)


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"username": get_jwt_identity()}


@app.post("/token/refresh")
@jwt_required(refresh=True)
def refresh() -> dict[str, Any]:
    return {"access_token": "..."}


@app.get("/health")
def health() -> dict[str, Any]:
    return {"ok": True}


def build_spec() -> dict[str, Any]:
    """The OpenAPI document of the views above."""
    spec = APISpec("Accounts", "1.0", "3.0.3", plugins=[JWTSecurityPlugin(app)])
    for path, endpoint, method in [
        ("/me", "me", "get"),
        ("/token/refresh", "refresh", "post"),
        ("/health", "health", "get"),
    ]:
        spec.path(
            path=path,
            operations={method: {"responses": {"200": {"description": "OK"}}}},
            # The plugin reads the view's jwt_required() arguments.
            view=app.view_functions[endpoint],
        )
    document: dict[str, Any] = spec.to_dict()
    return document


@app.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return build_spec()
