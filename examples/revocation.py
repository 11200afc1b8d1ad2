"""Revocation: log out one token, or every token of a user ("log out everywhere")."""

import os
from typing import Any

from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt_identity,
    jwt_required,
    revoke_all_tokens,
    revoke_token,
)

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
# Every process of this machine shares the file; use redis:// or
# postgresql:// when the application runs on several machines.
app.config["JWT_REVOCATION_STORE"] = os.environ.get(
    "JWT_REVOCATION_STORE", "sqlite:///revocations.db"
)
jwt = JWTManager(app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {
        "access_token": create_access_token(identity=user.username),
        "refresh_token": create_refresh_token(identity=user.username),
    }, 200


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"username": get_jwt_identity()}


@app.delete("/logout")
@jwt_required()
def logout() -> dict[str, Any]:
    # The token of this request is refused from now on, until it would have expired.
    revoke_token()
    return {"msg": "Access token revoked"}


@app.delete("/logout/refresh")
@jwt_required(refresh=True)
def logout_refresh() -> dict[str, Any]:
    revoke_token()
    return {"msg": "Refresh token revoked"}


@app.post("/logout-everywhere")
@jwt_required()
def logout_everywhere() -> dict[str, Any]:
    # Every token issued to this user until now, on every device, is refused.
    revoke_all_tokens(get_jwt_identity())
    return {"msg": "Logged out everywhere"}
