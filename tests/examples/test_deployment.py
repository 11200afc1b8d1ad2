"""examples/deployment/: configuration from the environment, metrics, on every store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from examples.deployment import create_app
from examples.deployment.monitoring import TimedStore
from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import RevocationStore
from tests.conftest import SECRET, bearer
from tests.examples.conftest import close, login


@pytest.fixture
def app(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("FLASK_JWT_SECRET_KEY", SECRET)
    monkeypatch.setenv("FLASK_JWT_REVOCATION_STORE", store_url)
    monkeypatch.setenv("FLASK_JWT_ACCESS_TOKEN_EXPIRES", "600")
    app = create_app({"TESTING": True})
    yield app
    app.config["JWT_REVOCATION_STORE"].close()
    close(app)


def test_settings_come_from_the_environment(app: Flask, store_url: str) -> None:
    assert app.config["JWT_SECRET_KEY"] == SECRET
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == 600
    assert app.config["JWT_COOKIE_SECURE"] is True
    store = app.config["JWT_REVOCATION_STORE"]
    assert isinstance(store, TimedStore)
    assert isinstance(store, RevocationStore)


def test_metrics(app: Flask) -> None:
    client = app.test_client()
    token = bearer(login(client)["access_token"])
    assert client.get("/me", headers=token).json == {"username": "alice"}
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers=bearer("not.a.token")).status_code == 422
    assert client.post("/login", json={}).status_code == 401
    text = client.get("/metrics").text
    assert 'jwt_auth_failures_total{error="NoAuthorizationError"} 1' in text
    assert 'jwt_auth_failures_total{error="DecodeError"} 1' in text
    assert 'jwt_store_seconds_count{operation="is_revoked"} 1' in text


def test_a_store_outage_is_counted(app: Flask) -> None:
    timed: TimedStore = app.config["JWT_REVOCATION_STORE"]

    class Down:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object) -> None:
                raise RevocationStoreUnavailable()

            return fail

    real, timed.store = timed.store, Down()  # type: ignore[assignment]
    client = app.test_client()
    token = bearer(login(client)["access_token"])
    response = client.get("/me", headers=token)
    assert response.status_code == 503
    assert response.json == {"msg": "Token revocation status unavailable"}
    text = client.get("/metrics").text
    assert 'jwt_auth_failures_total{error="RevocationStoreUnavailable"} 1' in text
    assert 'jwt_store_errors_total{operation="is_revoked"} 1' in text
    timed.store = real


def test_every_store_operation_is_timed(app: Flask) -> None:
    runner = app.test_cli_runner()
    client = app.test_client()
    token = login(client)["access_token"]
    for args in (["revoke", token], ["revoke", "--identity", "bob"], ["revoke", "--session", "s"]):
        assert runner.invoke(args=["jwt", *args]).exit_code == 0
    assert runner.invoke(args=["jwt", "sessions", "alice"]).exit_code == 0
    assert runner.invoke(args=["jwt", "purge"]).exit_code == 0
    timed: TimedStore = app.config["JWT_REVOCATION_STORE"]
    assert repr(timed).startswith("TimedStore(")
    with app.app_context():
        from flask_jwt_kit.revocation import SessionInfo

        timed.save_session(SessionInfo("s2", "alice", 1.0, 1.0, None))
        timed.touch_session("s2", 2.0, None)
        timed.consume_refresh("j", 2.0, 0.0, None)
    text = client.get("/metrics").text
    for operation in (
        "revoke_jti",
        "revoke_identity",
        "revoke_session",
        "list_sessions",
        "purge_expired",
        "save_session",
        "touch_session",
        "consume_refresh",
    ):
        assert f'jwt_store_seconds_count{{operation="{operation}"}}' in text


def test_without_a_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_JWT_SECRET_KEY", SECRET)
    app = create_app({"JWT_REVOCATION_STORE": None})
    assert app.config["JWT_REVOCATION_STORE"] is None
    token = bearer(login(app.test_client())["access_token"])
    assert app.test_client().get("/me", headers=token).status_code == 200


def test_weak_secrets_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_JWT_SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS"):
        create_app({"JWT_REVOCATION_STORE": None})
