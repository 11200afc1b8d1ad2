"""The demo's API, served twice by one blueprint factory.

``/api`` takes tokens in the ``Authorization`` header and returns them in
JSON (for scripts and other programs); ``/web/api`` keeps them in HttpOnly
cookies with the CSRF double submit (for the browser pages).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from flask import Blueprint, Response, jsonify, request

from flask_jwt_kit import (
    TokenPair,
    create_token_pair,
    current_user,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    list_sessions,
    revoke_all_tokens,
    revoke_session,
    revoke_token,
    rotate_tokens,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

from .users import users_of

#: Shortest password ``change-password`` accepts.
MIN_PASSWORD_LENGTH = 8


def sign_in(username: str, password: str, client: str) -> TokenPair | None:
    """A new session's token pair for these credentials, or ``None`` when they are wrong.

    The access token is fresh: it may change the password.
    """
    user = users_of().authenticate(username, password)
    if user is None:
        return None
    metadata = {
        "client": client,
        "user_agent": request.user_agent.string[:160],
        "address": request.remote_addr or "",
    }
    return create_token_pair(user.username, fresh=True, metadata=metadata)


def api_blueprint(name: str, url_prefix: str, location: Literal["headers", "cookies"]) -> Blueprint:
    """The API, reading tokens from *location* only."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    in_cookies = location == "cookies"
    locations = [location]

    def tokens_response(pair: TokenPair) -> Response:
        if not in_cookies:
            return jsonify(
                access_token=pair.access_token,
                refresh_token=pair.refresh_token,
                token_type="Bearer",
            )
        response = jsonify(msg="Signed in")
        set_access_cookies(response, pair.access_token)
        set_refresh_cookies(response, pair.refresh_token)
        return response

    def ended_response(message: str, **extra: Any) -> Response:
        response = jsonify(msg=message, **extra)
        if in_cookies:
            unset_jwt_cookies(response)
        return response

    @bp.post("/login")
    def login() -> Any:
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) for key in ("username", "password")
        ):
            return jsonify(msg='Send JSON: {"username": "...", "password": "..."}'), 400
        pair = sign_in(data["username"], data["password"], client=name)
        if pair is None:
            return jsonify(msg="Bad username or password"), 401
        return tokens_response(pair)

    @bp.post("/refresh")
    @jwt_required(refresh=True, locations=locations)
    def refresh() -> Any:
        return tokens_response(rotate_tokens())

    @bp.post("/logout")
    @jwt_required(locations=locations)
    def logout() -> Any:
        sid = get_jwt().get("sid")
        if isinstance(sid, str):
            revoke_session(sid)
        else:
            # A token made outside a session (e.g. by `flask jwt create-token`).
            revoke_token()
        return ended_response("Logged out")

    @bp.post("/logout-all")
    @jwt_required(locations=locations)
    def logout_all() -> Any:
        revoke_all_tokens(get_jwt_identity())
        return ended_response("Logged out everywhere")

    @bp.get("/me")
    @jwt_required(locations=locations)
    def me() -> Any:
        claims = get_jwt()
        return jsonify(
            identity=get_jwt_identity(),
            is_admin=current_user.is_admin,
            sid=claims.get("sid"),
            fresh=claims.get("fresh"),
            scope=claims.get("scope", ""),
            access_expires_at=claims.get("exp"),
            server_time=time.time(),
        )

    @bp.get("/admin")
    @jwt_required(locations=locations, scopes=["admin"])
    def admin() -> Any:
        return jsonify(msg="Welcome to the admin area", users=users_of().usernames())

    @bp.post("/change-password")
    @jwt_required(locations=locations, fresh=True)
    def change_password() -> Any:
        data = request.get_json(silent=True)
        new = data.get("new_password") if isinstance(data, dict) else None
        if not isinstance(new, str) or len(new) < MIN_PASSWORD_LENGTH:
            return jsonify(
                msg=f'Send JSON {{"new_password": "..."}}, at least {MIN_PASSWORD_LENGTH} '
                "characters"
            ), 400
        identity = get_jwt_identity()
        users_of().set_password(identity, new)
        current = get_jwt().get("sid")
        others = [s.sid for s in list_sessions(identity) if s.sid != current]
        for sid in others:
            revoke_session(sid)
        return jsonify(msg=f"Password changed; {len(others)} other session(s) signed out")

    @bp.get("/sessions")
    @jwt_required(locations=locations)
    def sessions() -> Any:
        current = get_jwt().get("sid")
        return jsonify(
            sessions=[
                {
                    "sid": info.sid,
                    "created_at": info.created_at,
                    "last_refreshed_at": info.last_refreshed_at,
                    "expires_at": info.expires_at,
                    "metadata": dict(info.metadata),
                    "current": info.sid == current,
                }
                for info in list_sessions(get_jwt_identity())
            ]
        )

    @bp.post("/sessions/<sid>/revoke")
    @jwt_required(locations=locations)
    def revoke(sid: str) -> Any:
        if all(info.sid != sid for info in list_sessions(get_jwt_identity())):
            return jsonify(msg="No such session"), 404
        revoke_session(sid)
        if sid == get_jwt().get("sid"):
            return ended_response("This session was revoked", current=True)
        return jsonify(msg="Session revoked", current=False)

    return bp
