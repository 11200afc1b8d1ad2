"""Helpers the stores share, and the small things every store has."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import MemoryStore, SQLiteStore
from flask_jwt_kit.revocation._shared import redact_url, remaining_ms


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://user:s3cret@cache/0", "redis://user:***@cache/0"),
        (
            "postgresql://app:p%40ss@db/app?sslmode=require",
            "postgresql://app:***@db/app?sslmode=require",
        ),
        ("unix:///run/r.sock?db=1&password=s3cret", "unix:///run/r.sock?db=1&password=***"),
        ("rediss://cache?PassWord=s3cret", "rediss://cache?PassWord=***"),
        ("redis://user@cache/0", "redis://user@cache/0"),
        ("unix://", "unix://"),
        ("redis://cache:6379/0?db=1", "redis://cache:6379/0?db=1"),
        ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
        ("redis://:pa/ss?w#rd@cache/0", "redis://:***@cache/0"),
        ("postgresql://app:s3cret@db/app?application_name=a@b", "postgresql://app:***@b"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("not a url: s3cret@host", "not a url:***@host"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_remaining_ms() -> None:
    assert remaining_ms(100.0, 99.0, 10**9) == 1000
    assert remaining_ms(100.0, 99.9995, 10**9) == 1  # rounded up, never 0
    assert remaining_ms(100.0, 200.0, 10**9) == 1  # already past
    assert remaining_ms(1e300, 0.0, 10**9) == 10**9
    assert remaining_ms(float("inf"), 0.0, 10**9) == 10**9
    assert remaining_ms(float("nan"), 0.0, 10**9) == 10**9


def test_memory_store_repr_and_close() -> None:
    store = MemoryStore()
    assert repr(store) == "MemoryStore()"
    store.revoke_jti("j", None)
    store.close()
    assert store.is_revoked("j", None, None, None) is False


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not an SQLite database\n" * 100)
    with pytest.raises(RevocationStoreUnavailable):
        SQLiteStore(path).is_revoked("j", None, None, None)
