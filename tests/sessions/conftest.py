"""Helpers for the session tests: an app with login, rotation and logout views.

``session_app(**config)`` makes an app on the ``store`` fixture (every back
end) with refresh-token rotation on; pass ``JWT_REFRESH_TOKEN_ROTATION=False``
or ``JWT_REVOCATION_STORE=None`` to change that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from jwt.types import Options
from werkzeug.test import TestResponse

from flask_jwt_kit import (
    JWTManager,
    TokenPair,
    create_token_pair,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    list_sessions,
    revoke_session,
    rotate_tokens,
)
from flask_jwt_kit.revocation import RevocationStore
from tests.conftest import SECRET, AppFactory

SessionAppFactory = Callable[..., Flask]

#: The answer to a refresh token presented again after it was rotated.
REUSED = (401, {"msg": "Refresh token reuse detected"})
#: The answer to any token of a revoked session.
REVOKED = (401, {"msg": "Token has been revoked"})


def add_session_views(app: Flask) -> None:
    """``/login``, ``/rotate``, ``/logout``, ``/sessions`` and ``/whoami``."""

    @app.post("/login")
    def login() -> Any:
        data = request.get_json(silent=True) or {}
        pair = create_token_pair(
            data.get("username", "alice"),
            fresh=data.get("fresh", False),
            additional_claims=data.get("claims"),
            metadata=data.get("metadata"),
        )
        return jsonify(pair._asdict())

    @app.post("/rotate")
    @jwt_required(refresh=True)
    def rotate() -> Any:
        data = request.get_json(silent=True) or {}
        return jsonify(rotate_tokens(metadata=data.get("metadata"))._asdict())

    @app.post("/logout")
    @jwt_required(verify_type=False)
    def logout() -> Any:
        revoke_session(get_jwt()["sid"])
        return jsonify(done=True)

    @app.get("/sessions")
    @jwt_required()
    def sessions() -> Any:
        found = list_sessions(get_jwt_identity())
        return jsonify(
            [
                {
                    "sid": s.sid,
                    "created_at": s.created_at,
                    "last_refreshed_at": s.last_refreshed_at,
                    "expires_at": s.expires_at,
                    "metadata": dict(s.metadata),
                }
                for s in found
            ]
        )

    @app.get("/whoami")
    @jwt_required(verify_type=False)
    def whoami() -> Any:
        return jsonify(claims=get_jwt())


@pytest.fixture
def session_app(make_app: AppFactory, store: RevocationStore) -> SessionAppFactory:
    """``session_app(**config)``: an app with the session views on the ``store`` back end."""

    def factory(**config: Any) -> Flask:
        settings: dict[str, Any] = {
            "JWT_REVOCATION_STORE": store,
            "JWT_REFRESH_TOKEN_ROTATION": True,
        }
        settings.update(config)
        app = make_app(**settings)
        add_session_views(app)
        return app

    return factory


def login(client: FlaskClient, username: str = "alice", **data: Any) -> TokenPair:
    """Log in through ``/login``; *data* goes into the JSON body."""
    response = client.post("/login", json={"username": username, **data})
    assert response.status_code == 200, response.get_data(as_text=True)
    return pair_of(response)


def pair_of(response: TestResponse) -> TokenPair:
    """The token pair a ``/login`` or ``/rotate`` answer holds."""
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)
    return TokenPair(body["access_token"], body["refresh_token"])


def rotate(client: FlaskClient, refresh_token: str, **data: Any) -> TestResponse:
    """POST ``/rotate`` with *refresh_token*."""
    return client.post("/rotate", headers=bearer(refresh_token), json=data)


def manager_of(app: Flask) -> JWTManager:
    """The :class:`JWTManager` bound to *app*."""
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    return manager


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def answer(response: TestResponse) -> tuple[int, Any]:
    """``(status, JSON body)`` of *response*."""
    return response.status_code, response.get_json(silent=True)


def status_with(client: FlaskClient, token: str, path: str = "/whoami") -> int:
    """The status of GET *path* with *token* (any type)."""
    return client.get(path, headers=bearer(token)).status_code


def claims_of(token: str) -> dict[str, Any]:
    """The claims of *token*: its signature is checked, nothing else."""
    options: Options = {
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_sub": False,
    }
    claims: dict[str, Any] = jwt.decode(token, SECRET, ["HS256"], options=options)
    return claims


def forge(**claims: Any) -> str:
    """A token signed with the test secret holding exactly *claims*."""
    return jwt.encode(claims, SECRET, "HS256")
