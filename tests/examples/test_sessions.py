"""examples/sessions.py, on every store back end."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from flask_jwt_kit import create_access_token
from tests.conftest import bearer
from tests.examples.conftest import body, close, credentials, example_app, login


@pytest.fixture
def app(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("JWT_REVOCATION_STORE", store_url)
    app = example_app("sessions")
    yield app
    close(app)


def test_sessions_are_listed(app: Flask) -> None:
    client = app.test_client()
    tokens = {}
    for device in ("laptop", "phone"):
        response = client.post("/login", json=credentials(), headers={"User-Agent": device})
        tokens[device] = bearer(body(response)["access_token"])
    sessions = body(client.get("/sessions", headers=tokens["phone"]))["sessions"]
    assert [(s["device"], s["current"]) for s in sessions] == [("phone", True), ("laptop", False)]
    sessions = body(client.get("/sessions", headers=tokens["laptop"]))["sessions"]
    assert [(s["device"], s["current"]) for s in sessions] == [("phone", False), ("laptop", True)]


def test_rotation(app: Flask) -> None:
    client = app.test_client()
    tokens = login(client)
    new = body(client.post("/refresh", headers=bearer(tokens["refresh_token"])))
    assert new["refresh_token"] != tokens["refresh_token"]
    assert client.get("/sessions", headers=bearer(new["access_token"])).status_code == 200
    # Within the grace period, the old refresh token still works once more...
    again = client.post("/refresh", headers=bearer(tokens["refresh_token"]))
    assert again.status_code == 200
    # ... and the newest one, of course.
    assert client.post("/refresh", headers=bearer(new["refresh_token"])).status_code == 200


def test_reuse_revokes_the_session(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    app.config["JWT_REFRESH_REUSE_GRACE"] = 0
    client = app.test_client()
    tokens = login(client)
    new = body(client.post("/refresh", headers=bearer(tokens["refresh_token"])))
    with caplog.at_level(logging.WARNING, logger="examples.sessions"):
        response = client.post("/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json == {"msg": "Refresh token reuse detected"}
    assert "refresh token reused" in caplog.text
    # The thief's and the user's new tokens are dead too.
    assert client.get("/sessions", headers=bearer(new["access_token"])).status_code == 401
    assert client.post("/refresh", headers=bearer(new["refresh_token"])).status_code == 401


def test_end_another_session(app: Flask) -> None:
    client = app.test_client()
    lost_phone, laptop = login(client), login(client)
    sessions = body(client.get("/sessions", headers=bearer(laptop["access_token"])))["sessions"]
    phone_sid = next(s["id"] for s in sessions if not s["current"])
    response = client.delete(f"/sessions/{phone_sid}", headers=bearer(laptop["access_token"]))
    assert response.json == {"msg": "Session ended"}
    assert client.get("/sessions", headers=bearer(lost_phone["access_token"])).status_code == 401
    response = client.post("/refresh", headers=bearer(lost_phone["refresh_token"]))
    assert response.status_code == 401
    # Unknown sessions, or other users' sessions, are not found.
    bob = login(client, "bob")
    bob_sid = body(client.get("/sessions", headers=bearer(bob["access_token"])))["sessions"][0]
    response = client.delete(f"/sessions/{bob_sid['id']}", headers=bearer(laptop["access_token"]))
    assert response.status_code == 404


def test_ending_a_session_needs_a_fresh_token(app: Flask) -> None:
    client = app.test_client()
    tokens = login(client)
    refreshed = body(client.post("/refresh", headers=bearer(tokens["refresh_token"])))
    sid = body(client.get("/sessions", headers=bearer(tokens["access_token"])))["sessions"][0]
    response = client.delete(f"/sessions/{sid['id']}", headers=bearer(refreshed["access_token"]))
    assert response.status_code == 401
    assert response.json == {"msg": "Fresh token required"}


def test_logout_ends_the_session(app: Flask) -> None:
    client = app.test_client()
    tokens, other = login(client), login(client)
    assert client.delete("/logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.get("/sessions", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.post("/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert client.get("/sessions", headers=bearer(other["access_token"])).status_code == 200


def test_logout_of_a_token_without_a_session(app: Flask) -> None:
    with app.app_context():
        token = bearer(create_access_token("alice"))
    client = app.test_client()
    assert client.delete("/logout", headers=token).status_code == 200
    assert client.get("/sessions", headers=token).status_code == 401


def test_bad_login(app: Flask) -> None:
    assert app.test_client().post("/login", json={}).status_code == 401
