"""examples/refresh_tokens.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from flask_jwt_kit import decode_token
from tests.conftest import bearer
from tests.examples.conftest import body, credentials, example_app, login


@pytest.fixture
def app() -> Iterator[Flask]:
    yield example_app("refresh_tokens")


def test_login_gives_a_fresh_access_token_and_a_refresh_token(app: Flask) -> None:
    client = app.test_client()
    tokens = login(client)
    assert client.get("/orders", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post("/change-password", headers=bearer(tokens["access_token"])).json == {
        "msg": "Password changed"
    }
    # A refresh token does not open access views, and the other way round.
    assert client.get("/orders", headers=bearer(tokens["refresh_token"])).status_code == 422
    assert client.post("/refresh", headers=bearer(tokens["access_token"])).status_code == 422


def test_refreshed_tokens_are_not_fresh(app: Flask) -> None:
    client = app.test_client()
    refresh_token = login(client)["refresh_token"]
    access = body(client.post("/refresh", headers=bearer(refresh_token)))["access_token"]
    assert client.get("/orders", headers=bearer(access)).json == {"orders": [], "for": "alice"}
    response = client.post("/change-password", headers=bearer(access))
    assert response.status_code == 401
    assert response.json == {"msg": "Fresh token required"}


def test_fresh_login(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/fresh-login", json=credentials())
    token = body(response)["access_token"]
    with app.app_context():
        claims = decode_token(token)
    assert claims["fresh"] == pytest.approx(claims["iat"] + 600)
    assert client.post("/change-password", headers=bearer(token)).status_code == 200
    assert client.post("/fresh-login", json=credentials("alice", "no")).status_code == 401
    assert client.post("/login", json=credentials("alice", "no")).status_code == 401


def test_lifetimes(app: Flask) -> None:
    tokens = login(app.test_client())
    with app.app_context():
        access = decode_token(tokens["access_token"])
        refresh = decode_token(tokens["refresh_token"])
    assert access["exp"] - int(access["iat"]) == 15 * 60
    assert refresh["exp"] - int(refresh["iat"]) == 30 * 86400
