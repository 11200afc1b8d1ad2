"""examples/custom_claims.py and examples/protecting_views.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from flask_jwt_kit import create_access_token, decode_token
from tests.conftest import bearer
from tests.examples.conftest import body, example_app, login


@pytest.fixture
def claims_app() -> Iterator[Flask]:
    yield example_app("custom_claims")


@pytest.fixture
def views_app() -> Iterator[Flask]:
    yield example_app("protecting_views")


def test_custom_claims(claims_app: Flask) -> None:
    client = claims_app.test_client()
    token = login(client, "alice")["access_token"]
    answer = body(client.get("/claims", headers=bearer(token)))
    assert answer["identity"] == "alice"
    assert answer["roles"] == ["admin"]
    assert answer["tenant"] == "acme"
    with claims_app.app_context():
        claims = decode_token(token)
    # JWT_ACCESS_TOKEN_EXPIRES is 30 minutes.
    assert claims["exp"] - int(claims["iat"]) == 30 * 60


def test_the_loader_runs_for_every_token(claims_app: Flask) -> None:
    client = claims_app.test_client()
    token = login(client, "bob")["access_token"]
    answer = body(client.get("/claims", headers=bearer(token)))
    assert answer["roles"] == []


def test_short_lived_token(claims_app: Flask) -> None:
    client = claims_app.test_client()
    token = login(client)["access_token"]
    link = body(client.post("/report-link", headers=bearer(token)))["token"]
    with claims_app.app_context():
        claims = decode_token(link)
    assert claims["purpose"] == "report"
    assert claims["roles"] == ["admin"]
    assert "tenant" not in claims
    assert claims["exp"] - int(claims["iat"]) == 120


def test_bad_login(claims_app: Flask) -> None:
    client = claims_app.test_client()
    response = client.post("/login", json={"username": "alice", "password": "x"})
    assert response.status_code == 401


def test_required_view(views_app: Flask) -> None:
    client = views_app.test_client()
    token = login(client)["access_token"]
    assert client.get("/profile", headers=bearer(token)).json == {"username": "alice"}
    response = client.get("/profile")
    assert response.status_code == 401
    assert response.json == {
        "error": "authorization_required",
        "detail": "Missing Authorization Header",
    }
    assert client.post("/login", json={}).status_code == 401


def test_optional_view(views_app: Flask) -> None:
    client = views_app.test_client()
    assert client.get("/welcome").json == {"message": "Welcome, stranger"}
    token = login(client)["access_token"]
    assert client.get("/welcome", headers=bearer(token)).json == {"message": "Welcome back, alice"}
    response = client.get("/welcome", headers=bearer(token + "x"))
    assert response.status_code == 422
    assert body(response)["error"] == "invalid_token"


def test_async_view(views_app: Flask) -> None:
    client = views_app.test_client()
    token = login(client)["access_token"]
    assert client.get("/report", headers=bearer(token)).json == {"report": "ready", "for": "alice"}
    assert client.get("/report").status_code == 401


def test_protected_blueprint(views_app: Flask) -> None:
    client = views_app.test_client()
    assert client.get("/admin/stats").status_code == 401
    token = login(client)["access_token"]
    assert client.get("/admin/stats", headers=bearer(token)).json == {
        "users": 2,
        "asked_by": "alice",
    }


def test_expired_answer(views_app: Flask) -> None:
    with views_app.app_context():
        token = create_access_token("alice", expires_delta=-1)
    response = views_app.test_client().get("/profile", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"error": "token_expired", "detail": "Log in again"}
