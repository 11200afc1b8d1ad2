"""Protecting views: required and optional tokens, whole blueprints, error answers."""

import os
from typing import Any

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    get_jwt_identity,
    jwt_required,
    verify_jwt_in_request,
)

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
jwt = JWTManager(app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {"access_token": create_access_token(identity=user.username)}, 200


@app.get("/profile")
@jwt_required()
def profile() -> dict[str, Any]:
    return {"username": get_jwt_identity()}


@app.get("/welcome")
@jwt_required(optional=True)
def welcome() -> dict[str, Any]:
    # No token: the view runs and the identity is None. A bad token is still refused.
    username = get_jwt_identity()
    return {"message": f"Welcome back, {username}" if username else "Welcome, stranger"}


@app.get("/report")
@jwt_required()
async def report() -> dict[str, Any]:
    # Coroutine views are protected the same way (Flask's async support).
    return {"report": "ready", "for": get_jwt_identity()}


# Every view of this blueprint needs a token, with no decorator on each.
admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def require_token() -> None:
    verify_jwt_in_request()


@admin.get("/stats")
def stats() -> dict[str, Any]:
    return {"users": 2, "asked_by": get_jwt_identity()}


app.register_blueprint(admin)


# Error answers in the application's own format.
@jwt.unauthorized_loader
def missing_token(message: str) -> ResponseReturnValue:
    return jsonify(error="authorization_required", detail=message), 401


@jwt.invalid_token_loader
def bad_token(message: str) -> ResponseReturnValue:
    return jsonify(error="invalid_token", detail=message), 422


@jwt.expired_token_loader
def expired_token(header: dict[str, Any], claims: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(error="token_expired", detail="Log in again"), 401
