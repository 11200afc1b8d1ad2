"""examples/scopes.py and examples/signals.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from flask_jwt_kit import decode_token
from tests.conftest import bearer
from tests.examples.conftest import close, example_app, load_example, login


@pytest.fixture
def scopes_app() -> Iterator[Flask]:
    yield example_app("scopes")


def test_scopes_come_from_roles(scopes_app: Flask) -> None:
    token = login(scopes_app.test_client(), "alice")["access_token"]
    with scopes_app.app_context():
        assert decode_token(token)["scope"] == "orders:read orders:write users:admin"


def test_every_scope_is_needed(scopes_app: Flask) -> None:
    client = scopes_app.test_client()
    alice = bearer(login(client, "alice")["access_token"])
    bob = bearer(login(client, "bob")["access_token"])
    assert client.get("/orders", headers=bob).json == {"orders": [], "for": "bob"}
    response = client.post("/orders", headers=bob)
    assert response.status_code == 403
    assert response.json == {"msg": "Missing required scope: orders:write"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="orders:read orders:write"'
    )
    assert client.post("/orders", headers=alice).status_code == 201
    assert client.get("/admin/users", headers=alice).status_code == 200
    assert client.get("/admin/users", headers=bob).status_code == 403
    assert client.post("/login", json={}).status_code == 401


@pytest.fixture
def signals_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.delenv("JWT_REVOCATION_STORE", raising=False)
    module = load_example("signals")
    yield module
    close(module.app)


def test_audit_log_and_counters(signals_module: object, caplog: pytest.LogCaptureFixture) -> None:
    app: Flask = signals_module.app  # type: ignore[attr-defined]
    failures = signals_module.FAILURES  # type: ignore[attr-defined]
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="audit"):
        token = bearer(login(client)["access_token"])
        assert client.delete("/logout", headers=token).status_code == 200
    [issued, revoked] = [r.getMessage() for r in caplog.records if r.name == "audit"]
    assert issued.startswith("issued access token ") and issued.endswith(" to alice")
    assert revoked.startswith("revoked token ")
    assert client.get("/me", headers=token).status_code == 401
    assert client.get("/me").status_code == 401
    assert failures == {"RevokedTokenError": 1, "NoAuthorizationError": 1}
    assert client.post("/login", json={}).status_code == 401
    login_again = bearer(login(client)["access_token"])
    assert client.get("/me", headers=login_again).json == {"username": "alice"}
