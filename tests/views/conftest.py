"""Helpers for the request-path tests: making real and forged tokens, reading answers.

Forged tokens are signed with PyJWT and the test secret, so they pass the
signature check and reach the checks that come after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_jwt_kit import JWTManager, create_access_token, create_refresh_token
from tests.conftest import SECRET

#: The first location of the "Missing" messages, by location.
MISSING = {
    "headers": "Missing Authorization Header",
    "cookies": 'Missing cookie "access_token_cookie"',
    "query_string": "Missing 'jwt' query paramater",
    "json": "Invalid content-type. Must be application/json.",
}

#: The ``WWW-Authenticate`` value of a 401 about a token the client presented.
INVALID_TOKEN = 'Bearer error="invalid_token"'


def access_token(app: Flask, identity: Any = "alice", **kwargs: Any) -> str:
    """An access token made by the extension of *app*."""
    with app.app_context():
        return create_access_token(identity, **kwargs)


def refresh_token(app: Flask, identity: Any = "alice", **kwargs: Any) -> str:
    """A refresh token made by the extension of *app*."""
    with app.app_context():
        return create_refresh_token(identity, **kwargs)


def forge(
    now: float,
    *,
    drop: Iterable[str] = (),
    header: dict[str, Any] | None = None,
    key: str = SECRET,
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    """A token signed with *key*: access-token claims issued at *now*, then *claims*.

    :param drop: names of claims to leave out.
    """
    payload: dict[str, Any] = {
        "sub": "alice",
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + 900,
        "jti": "a-jti",
        "type": "access",
        "fresh": False,
    }
    payload.update(claims)
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, key, algorithm, header)


def manager_of(app: Flask) -> JWTManager:
    """The :class:`JWTManager` bound to *app*."""
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    return manager


def body(response: TestResponse) -> dict[str, Any]:
    """The JSON object *response* holds (fails the test when it holds anything else)."""
    data = response.get_json(silent=True)
    assert isinstance(data, dict), response.get_data(as_text=True)
    return data


def answer(response: TestResponse) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` of *response*."""
    return response.status_code, body(response)


def get(client: FlaskClient, path: str = "/protected", token: str | None = None) -> TestResponse:
    """GET *path*, with *token* as a bearer token when given."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.get(path, headers=headers)


@pytest.fixture
def manager(app: Flask) -> JWTManager:
    """The manager of the default ``app``."""
    return manager_of(app)


@pytest.fixture
def token(app: Flask) -> str:
    """A fresh-less access token for ``alice`` from the default ``app``."""
    return access_token(app)


__all__ = [
    "INVALID_TOKEN",
    "MISSING",
    "access_token",
    "answer",
    "body",
    "forge",
    "get",
    "manager_of",
    "refresh_token",
]
