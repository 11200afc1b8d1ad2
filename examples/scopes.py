"""Scopes: views that need specific permissions in the token's "scope" claim."""

import os
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt_identity, jwt_required

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
jwt = JWTManager(app)

#: What each role may do, as OAuth 2 scopes.
ROLE_SCOPES = {"admin": ["orders:read", "orders:write", "users:admin"]}
DEFAULT_SCOPES = ["orders:read"]


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    scopes = set(DEFAULT_SCOPES)
    for role in user.roles:
        scopes.update(ROLE_SCOPES.get(role, []))
    # A space-separated string, as OAuth 2 servers issue it (a list works too).
    claims = {"scope": " ".join(sorted(scopes))}
    return {"access_token": create_access_token(user.username, additional_claims=claims)}, 200


@app.get("/orders")
@jwt_required(scopes="orders:read")
def list_orders() -> dict[str, Any]:
    return {"orders": [], "for": get_jwt_identity()}


@app.post("/orders")
@jwt_required(scopes=["orders:read", "orders:write"])
def create_order() -> tuple[dict[str, Any], int]:
    # Every listed scope is needed; a missing one is a 403.
    return {"order": 1}, 201


@app.get("/admin/users")
@jwt_required(scopes="users:admin")
def admin_users() -> dict[str, Any]:
    return {"users": ["alice", "bob"]}
