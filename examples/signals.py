"""Signals: an audit log and counters fed by what the extension does."""

import logging
import os
from collections import Counter
from typing import Any

from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    auth_failed,
    create_access_token,
    get_jwt_identity,
    jwt_required,
    revoke_token,
    token_issued,
    token_revoked,
)

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
app.config["JWT_REVOCATION_STORE"] = os.environ.get("JWT_REVOCATION_STORE", "memory://")
jwt = JWTManager(app)

audit = logging.getLogger("audit")
#: Refused requests by kind of error: export these to your metrics system.
FAILURES: Counter[str] = Counter()


def on_token_issued(sender: Flask, identity: Any, token_type: str, claims: dict[str, Any]) -> None:
    audit.info("issued %s token %s to %s", token_type, claims["jti"], identity)


def on_token_revoked(sender: Flask, kind: str, value: str) -> None:
    audit.info("revoked %s %s", kind, value)


def on_auth_failed(sender: Flask, reason: str, error: Exception) -> None:
    # "reason" is the message (never the token, but it may name a user).
    FAILURES[type(error).__name__] += 1


# Connected for this application only (the sender is the app).
token_issued.connect(on_token_issued, app)
token_revoked.connect(on_token_revoked, app)
auth_failed.connect(on_auth_failed, app)


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


@app.delete("/logout")
@jwt_required()
def logout() -> dict[str, Any]:
    revoke_token()
    return {"msg": "Logged out"}
