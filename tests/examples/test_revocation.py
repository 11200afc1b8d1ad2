"""examples/revocation.py and examples/blocklist_loader.py, on every store back end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import bearer
from tests.examples.conftest import body, close, example_app, load_example, login


@pytest.fixture
def app(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("JWT_REVOCATION_STORE", store_url)
    app = example_app("revocation")
    yield app
    close(app)


def test_the_default_store_is_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_REVOCATION_STORE", raising=False)
    app = example_app("revocation")
    assert app.config["JWT_REVOCATION_STORE"] == "sqlite:///revocations.db"
    close(app)  # never used: no file was created


def test_logout_revokes_the_token(app: Flask) -> None:
    client = app.test_client()
    tokens = login(client)
    access = bearer(tokens["access_token"])
    assert client.get("/me", headers=access).json == {"username": "alice"}
    assert client.delete("/logout", headers=access).json == {"msg": "Access token revoked"}
    response = client.get("/me", headers=access)
    assert response.status_code == 401
    assert response.json == {"msg": "Token has been revoked"}
    # The refresh token is another token: it is revoked on its own.
    refresh = bearer(tokens["refresh_token"])
    assert client.delete("/logout/refresh", headers=refresh).status_code == 200
    assert client.delete("/logout/refresh", headers=refresh).status_code == 401


def test_logout_everywhere(app: Flask) -> None:
    client = app.test_client()
    laptop, phone = login(client), login(client)
    other_user = login(client, "bob")
    response = client.post("/logout-everywhere", headers=bearer(phone["access_token"]))
    assert response.json == {"msg": "Logged out everywhere"}
    for tokens in (laptop, phone):
        assert client.get("/me", headers=bearer(tokens["access_token"])).status_code == 401
        response = client.delete("/logout/refresh", headers=bearer(tokens["refresh_token"]))
        assert response.status_code == 401
    assert client.get("/me", headers=bearer(other_user["access_token"])).status_code == 200
    # Logging in again works.
    again = login(client)
    assert client.get("/me", headers=bearer(again["access_token"])).status_code == 200


def test_bad_login(app: Flask) -> None:
    assert app.test_client().post("/login", json={}).status_code == 401


def test_blocklist_loader() -> None:
    app = example_app("blocklist_loader")
    client = app.test_client()
    token = bearer(login(client)["access_token"])
    other = bearer(login(client)["access_token"])
    jti = body(client.get("/me", headers=token))["jti"]
    assert client.delete("/logout", headers=token).json == {"msg": "Access token revoked"}
    assert client.get("/me", headers=token).json == {"msg": "Token has been revoked"}
    assert body(client.get("/me", headers=other))["jti"] != jti
    assert client.post("/login", json={}).status_code == 401


def test_blocklist_forgets_expired_entries() -> None:
    entries = load_example("blocklist_loader").Blocklist()
    entries.add("old", 0.0)
    entries.add("new", 4e9)
    assert "new" in entries
    assert "old" not in entries
