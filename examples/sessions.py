"""Sessions: token pairs, single-use refresh tokens with reuse detection, "my devices"."""

import datetime as dt
import logging
import os
from typing import Any

from flask import Flask, request

from flask_jwt_kit import (
    JWTManager,
    create_token_pair,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    list_sessions,
    refresh_token_reused,
    revoke_session,
    revoke_token,
    rotate_tokens,
)

from .users import login_from_request

app = Flask(__name__)
app.config.update(
    JWT_SECRET_KEY=os.environ.get(
        "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
    ),
    # Sessions live in the revocation store: sqlite:// on one machine,
    # redis:// or postgresql:// on several.
    JWT_REVOCATION_STORE=os.environ.get("JWT_REVOCATION_STORE", "sqlite:///sessions.db"),
    JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(minutes=15),
    JWT_REFRESH_TOKEN_EXPIRES=dt.timedelta(days=14),
    # Each refresh token works once; a second use revokes the whole session.
    JWT_REFRESH_TOKEN_ROTATION=True,
    # ... unless it comes within 10 seconds of the first (two tabs refreshing at once).
    JWT_REFRESH_REUSE_GRACE=10,
)
jwt = JWTManager(app)
log = logging.getLogger(__name__)


def on_reuse(sender: Flask, identity: Any, sid: str) -> None:
    # Two parties held the same refresh token: one of them stole it.
    log.warning("refresh token reused: session %s of %s revoked", sid, identity)


refresh_token_reused.connect(on_reuse, app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    device = request.headers.get("User-Agent", "unknown")
    pair = create_token_pair(user.username, fresh=True, metadata={"device": device})
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}, 200


@app.post("/refresh")
@jwt_required(refresh=True)
def refresh() -> dict[str, Any]:
    # The refresh token of this request is now used up: the client must keep the new one.
    pair = rotate_tokens()
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


@app.get("/sessions")
@jwt_required()
def sessions() -> dict[str, Any]:
    current = get_jwt().get("sid")
    return {
        "sessions": [
            {
                "id": info.sid,
                "device": info.metadata.get("device"),
                "created_at": info.created_at,
                "current": info.sid == current,
            }
            for info in list_sessions(get_jwt_identity())
        ]
    }


@app.delete("/sessions/<sid>")
@jwt_required(fresh=True)
def end_session(sid: str) -> tuple[dict[str, Any], int]:
    # Only the user's own sessions: list_sessions() is the authority.
    if sid not in {info.sid for info in list_sessions(get_jwt_identity())}:
        return {"msg": "No such session"}, 404
    revoke_session(sid)
    return {"msg": "Session ended"}, 200


@app.delete("/logout")
@jwt_required()
def logout() -> dict[str, Any]:
    sid = get_jwt().get("sid")
    if sid is None:  # a token made outside a session (create_access_token)
        revoke_token()
    else:
        # Ends this session: its access token and its refresh token together.
        revoke_session(sid)
    return {"msg": "Logged out"}
