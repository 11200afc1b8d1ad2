"""The store fixtures themselves: what they yield, and what a missing server does."""

from __future__ import annotations

import pytest

from flask_jwt_kit.revocation import MemoryStore, SQLiteStore, store_from_config
from flask_jwt_kit.revocation.redis import RedisStore
from flask_jwt_kit.revocation.sqlalchemy import SQLAlchemyStore
from tests.plugins.stores import missing

KINDS = {
    "memory://": MemoryStore,
    "sqlite:": SQLiteStore,
    "redis://": RedisStore,
    "postgresql+psycopg://": SQLAlchemyStore,
}


def test_store_url_names_an_empty_back_end(store_url: str) -> None:
    [kind] = [kind for prefix, kind in KINDS.items() if store_url.startswith(prefix)]
    store = store_from_config(store_url)
    assert store is not None and isinstance(store, kind)
    assert store.purge_expired(float("inf")) == 0
    store.revoke_jti("j", 1.0)  # emptied again before the next test
    store.close()


def test_missing_server_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no server"):
        missing("no server")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        missing("no server")


def test_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no server .required when CI=true."):
        missing("no server")
