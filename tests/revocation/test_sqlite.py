"""What only the SQLite store does: one file shared by processes, WAL, locks."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import ConsumeResult, SessionInfo, SQLiteStore

T0 = 1_900_000_000.0


@contextmanager
def forking_allowed() -> Iterator[None]:
    """Let ``fork`` happen even if other fixtures run threads.

    Python 3.12+ warns then (warnings are errors here); the children below
    only touch SQLite through a store that reconnects after a fork.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r".*multi-threaded.*fork", DeprecationWarning)
        yield


def run_python(code: str) -> str:
    """Run *code* in a new interpreter; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_two_processes_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    store = SQLiteStore(path)
    assert store.is_revoked("from-child", None, None, None) is False
    store.revoke_identity("alice", T0, None)

    seen = run_python(
        "from flask_jwt_kit.revocation import SQLiteStore\n"
        f"store = SQLiteStore({str(path)!r})\n"
        f"print(store.is_revoked(None, 'alice', None, {T0 - 1}))\n"
        "store.revoke_jti('from-child', None)\n"
    )
    assert seen == "True"
    assert store.is_revoked("from-child", None, None, None) is True
    store.close()


def _consume(path: str, barrier: Any, results: Any) -> None:
    store = SQLiteStore(path)
    store.is_revoked("connect-first", None, None, None)
    barrier.wait()
    results.put(store.consume_refresh("raced", T0, 0, None).value)
    store.close()


def test_processes_racing_to_consume_one_refresh_token(tmp_path: Path) -> None:
    path = str(tmp_path / "race.db")
    SQLiteStore(path).close()
    # fork: separate processes without re-importing everything.
    context = multiprocessing.get_context("fork")
    workers = 4
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_consume, args=(path, barrier, results)) for _ in range(workers)
    ]
    with forking_allowed():
        for process in processes:
            process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    outcomes = Counter(results.get(timeout=5) for _ in range(workers))
    assert outcomes == {"consumed": 1, "within_grace": workers - 1}


def _revoke_in_forked_child(store: SQLiteStore) -> None:
    store.revoke_jti("from-fork", None)


def test_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "fork.db")
    store.revoke_jti("before-fork", None)
    child = multiprocessing.get_context("fork").Process(
        target=_revoke_in_forked_child, args=(store,)
    )
    with forking_allowed():
        child.start()
    child.join(30)
    assert child.exitcode == 0
    assert store.is_revoked("from-fork", None, None, None) is True
    assert store.is_revoked("before-fork", None, None, None) is True


def test_database_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    SQLiteStore(path).revoke_jti("j", None)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_locked_database_gives_up_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    store = SQLiteStore(path, timeout=0.2)
    store.revoke_jti("j", None)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(RevocationStoreUnavailable) as caught:
            store.revoke_jti("k", None)
        assert 0.1 < time.monotonic() - started < 2.0
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(RevocationStoreUnavailable):
            store.consume_refresh("r", T0, 0, None)
        # In WAL mode, readers never wait for the writer.
        assert store.is_revoked("j", None, None, None) is True
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.consume_refresh("r", T0, 0, None) is ConsumeResult.CONSUMED


def test_failed_transaction_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    store = SQLiteStore(path)
    store.revoke_jti("j", T0)
    with sqlite3.connect(path) as other:
        other.execute("DROP TABLE jwtkit_sessions")
    with pytest.raises(RevocationStoreUnavailable):
        store.revoke_session("s", T0)  # the session table is gone
    # The sid revocation written before the failure was rolled back, and
    # the connection is usable again.
    assert store.is_revoked(None, None, "s", None) is False
    with pytest.raises(RevocationStoreUnavailable):
        store.purge_expired(T0 + 1)
    assert store.is_revoked("j", None, None, None) is True


def test_unusable_path(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "missing-dir" / "x.db")
    with pytest.raises(RevocationStoreUnavailable):
        store.is_revoked("j", None, None, None)
    # The store tries again on the next call.
    (tmp_path / "missing-dir").mkdir()
    store.revoke_jti("j", None)
    assert store.is_revoked("j", None, None, None) is True


def test_in_memory_databases_are_private() -> None:
    one, two = SQLiteStore(":memory:"), SQLiteStore(":memory:")
    one.revoke_jti("j", None)
    one.save_session(SessionInfo("s", "alice", T0, T0, None))
    assert one.is_revoked("j", None, None, None) is True
    assert two.is_revoked("j", None, None, None) is False
    assert [s.sid for s in one.list_sessions("alice", T0)] == ["s"]


def test_repr_and_attributes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "x.db", timeout=1.5)
    assert repr(store) == f"SQLiteStore({str(tmp_path / 'x.db')!r})"
    assert (store.path, store.timeout) == (str(tmp_path / "x.db"), 1.5)
