"""An application written for Flask-JWT-Extended 4.x: only the import line changed."""

import os
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

# Was: from flask_jwt_extended import (...)
from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
)

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
jwt = JWTManager(app)

REVOKED: set[str] = set()


@jwt.token_in_blocklist_loader
def check_if_token_revoked(jwt_header: dict[str, Any], jwt_payload: dict[str, Any]) -> bool:
    return jwt_payload["jti"] in REVOKED


@jwt.additional_claims_loader
def add_claims(identity: str) -> dict[str, Any]:
    return {"is_admin": identity == "admin"}


@jwt.expired_token_loader
def expired(jwt_header: dict[str, Any], jwt_payload: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(code="token_expired", msg="Token has expired"), 401


@app.post("/login")
def login() -> ResponseReturnValue:
    data = request.get_json(silent=True)
    username = data.get("username") if isinstance(data, dict) else None
    if username != "admin":  # (a real application checks a password)
        return jsonify(msg="Bad username"), 401
    return jsonify(
        access_token=create_access_token(identity=username, fresh=True),
        refresh_token=create_refresh_token(identity=username),
    )


@app.post("/refresh")
@jwt_required(refresh=True)
def refresh() -> ResponseReturnValue:
    return jsonify(access_token=create_access_token(identity=get_jwt_identity()))


@app.get("/admin")
@jwt_required()
def admin() -> ResponseReturnValue:
    if not get_jwt()["is_admin"]:
        return jsonify(msg="Admins only"), 403
    return jsonify(msg="Welcome, admin")


@app.delete("/logout")
@jwt_required()
def logout() -> ResponseReturnValue:
    REVOKED.add(get_jwt()["jti"])
    return jsonify(msg="Access token revoked")
