"""Tokens from user objects and back: user_identity_loader, user_lookup_loader, current_user."""

import os
from typing import Any

from flask import Flask, render_template_string
from flask.typing import ResponseReturnValue

from flask_jwt_kit import JWTManager, create_access_token, current_user, jwt_required

from .users import User, find_user, login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
# add_context_processor: templates can use current_user too.
jwt = JWTManager(app, add_context_processor=True)


@jwt.user_identity_loader
def user_identity(user: User) -> str:
    # What goes into the "sub" claim: a string that never changes.
    return user.id


@jwt.user_lookup_loader
def load_user(header: dict[str, Any], claims: dict[str, Any]) -> User | None:
    # Runs once per protected request; None means the user is gone.
    return find_user(claims["sub"])


@jwt.user_lookup_error_loader
def user_gone(header: dict[str, Any], claims: dict[str, Any]) -> ResponseReturnValue:
    return {"msg": "This account no longer exists"}, 401


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    # The user object itself: user_identity_loader turns it into the claim.
    return {"access_token": create_access_token(identity=user)}, 200


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"id": current_user.id, "username": current_user.username, "roles": current_user.roles}


@app.get("/hello")
@jwt_required()
def hello() -> str:
    return render_template_string("Hello, {{ current_user.username }}!")
