"""Revocation the Flask-JWT-Extended way: your own blocklist behind token_in_blocklist_loader."""

import datetime as dt
import os
import threading
import time
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt, jwt_required

from .users import login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
app.config["JWT_ACCESS_TOKEN_EXPIRES"] = dt.timedelta(hours=1)
jwt = JWTManager(app)


class Blocklist:
    """Revoked token ids with their expiry: stand-in for a table or a Redis set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def add(self, jti: str, expires_at: float) -> None:
        with self._lock:
            self._expiry[jti] = expires_at

    def __contains__(self, jti: object) -> bool:
        with self._lock:
            # Entries of expired tokens are useless: forget them as we go.
            now = time.time()
            for old in [j for j, exp in self._expiry.items() if exp < now]:
                del self._expiry[old]
            return jti in self._expiry


BLOCKLIST = Blocklist()


@jwt.token_in_blocklist_loader
def is_revoked(header: dict[str, Any], claims: dict[str, Any]) -> bool:
    return claims["jti"] in BLOCKLIST


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {"access_token": create_access_token(identity=user.username)}, 200


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"jti": get_jwt()["jti"]}


@app.delete("/logout")
@jwt_required()
def logout() -> dict[str, Any]:
    claims = get_jwt()
    BLOCKLIST.add(claims["jti"], claims["exp"])
    return {"msg": "Access token revoked"}
