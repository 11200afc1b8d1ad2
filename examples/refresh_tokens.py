"""Refresh tokens and freshness: short access tokens, long refresh tokens, fresh logins."""

import datetime as dt
import os
from typing import Any

from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt_identity,
    jwt_required,
)

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
app.config["JWT_ACCESS_TOKEN_EXPIRES"] = dt.timedelta(minutes=15)
app.config["JWT_REFRESH_TOKEN_EXPIRES"] = dt.timedelta(days=30)
jwt = JWTManager(app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {
        # The password was just checked: this access token is fresh.
        "access_token": create_access_token(identity=user.username, fresh=True),
        "refresh_token": create_refresh_token(identity=user.username),
    }, 200


@app.post("/refresh")
@jwt_required(refresh=True)
def refresh() -> dict[str, Any]:
    # Only a refresh token opens this view; the new access token is not fresh.
    return {"access_token": create_access_token(identity=get_jwt_identity(), fresh=False)}


@app.post("/fresh-login")
def fresh_login() -> tuple[dict[str, Any], int]:
    # Asking for the password again gives a token that stays fresh for 10 minutes.
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    token = create_access_token(identity=user.username, fresh=dt.timedelta(minutes=10))
    return {"access_token": token}, 200


@app.get("/orders")
@jwt_required()
def orders() -> dict[str, Any]:
    return {"orders": [], "for": get_jwt_identity()}


@app.post("/change-password")
@jwt_required(fresh=True)
def change_password() -> dict[str, Any]:
    # A stolen or refreshed token cannot do this: it needs a recent password check.
    return {"msg": "Password changed"}
