"""What only the SQLAlchemy store does, on a real PostgreSQL server."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import ConsumeResult, SessionInfo
from flask_jwt_kit.revocation.sqlalchemy import SQLAlchemyStore
from tests.plugins.stores import PostgresServer

T0 = 1_900_000_000.0

TABLES = {
    "revoked_tokens",
    "revoked_sessions",
    "identity_cutoffs",
    "sessions",
    "consumed_refresh",
}


@pytest.fixture
def engine(postgres_server: PostgresServer) -> Iterator[sa.Engine]:
    postgres_server.reset()
    made = sa.create_engine(postgres_server.url)
    yield made
    made.dispose()


@pytest.fixture
def pg_store(engine: sa.Engine) -> SQLAlchemyStore:
    return SQLAlchemyStore(engine)


def count_statements(engine: sa.Engine) -> list[str]:
    """Statements run on *engine* from now on (until the engine is disposed)."""
    seen: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def record(*args: Any) -> None:
        seen.append(args[2])

    return seen


def logged_statements(log: Path, start: int) -> list[str]:
    """Statements the server logged after byte *start* of its log."""
    with log.open("rb") as f:
        f.seek(start)
        text = f.read().decode(errors="replace")
    return re.findall(r"LOG:  (?:statement|execute [^:]*): (.*)", text)


def test_is_revoked_is_one_statement_and_one_round_trip(
    pg_store: SQLAlchemyStore, engine: sa.Engine, postgres_server: PostgresServer
) -> None:
    pg_store.revoke_identity("alice", T0, None)
    pg_store.is_revoked("warm-up", None, None, None)
    statements = count_statements(engine)
    log_start = postgres_server.log.stat().st_size

    assert pg_store.is_revoked("j", "alice", "s", T0 - 1) is True
    assert pg_store.is_revoked("j", "alice", "s", T0) is False

    assert len(statements) == 2
    # The server saw just those two: no BEGIN, COMMIT or ROLLBACK around them.
    deadline = time.monotonic() + 5
    while len(logged := logged_statements(postgres_server.log, log_start)) < 2:
        assert time.monotonic() < deadline, logged
        time.sleep(0.01)
    assert len(logged) == 2 and all(s.startswith("SELECT") for s in logged), logged


def test_tables_are_created_on_first_use_with_the_prefix(engine: sa.Engine) -> None:
    store = SQLAlchemyStore(engine, table_prefix="custom_")
    assert {t.name for t in store.metadata.sorted_tables} == {f"custom_{t}" for t in TABLES}
    assert not set(sa.inspect(engine).get_table_names()) & {f"custom_{t}" for t in TABLES}
    store.revoke_jti("j", None)
    assert {f"custom_{t}" for t in TABLES} <= set(sa.inspect(engine).get_table_names())
    assert store.is_revoked("j", None, None, None) is True
    # A second store on the same tables finds them.
    assert SQLAlchemyStore(engine, table_prefix="custom_").is_revoked("j", None, None, None)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE " + ", ".join(f"custom_{t}" for t in TABLES)))


def test_stopped_server_fails_fast_then_recovers(
    pg_store: SQLAlchemyStore, postgres_server: PostgresServer, engine: sa.Engine
) -> None:
    pg_store.revoke_jti("before-stop", None)
    pg_store.save_session(SessionInfo("s", "alice", T0, T0, None))
    fresh = SQLAlchemyStore(engine, table_prefix="fresh_")  # first use while down
    postgres_server.stop("immediate")
    try:
        calls: list[Callable[[], object]] = [
            lambda: pg_store.is_revoked("before-stop", None, None, None),
            lambda: pg_store.revoke_jti("j", None),
            lambda: pg_store.revoke_identity("alice", T0, None),
            lambda: pg_store.revoke_session("s", None),
            lambda: pg_store.save_session(SessionInfo("s2", "alice", T0, T0, None)),
            lambda: pg_store.touch_session("s", T0, None),
            lambda: pg_store.list_sessions("alice", T0),
            lambda: pg_store.consume_refresh("r", T0, 0, None),
            lambda: pg_store.purge_expired(T0),
            lambda: fresh.is_revoked("j", None, None, None),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(RevocationStoreUnavailable) as caught:
                call()
            assert time.monotonic() - started < 2.0
            assert isinstance(caught.value.__cause__, sa.exc.SQLAlchemyError)
    finally:
        postgres_server.start()
    assert pg_store.is_revoked("before-stop", None, None, None) is True
    assert [s.sid for s in pg_store.list_sessions("alice", T0)] == ["s"]
    assert fresh.is_revoked("j", None, None, None) is False


def test_connection_dropped_by_a_restart_is_replaced(
    pg_store: SQLAlchemyStore, postgres_server: PostgresServer
) -> None:
    pg_store.revoke_jti("j", None)  # leaves a connection in the pool
    postgres_server.stop("fast")
    postgres_server.start()
    assert pg_store.is_revoked("j", None, None, None) is True


def test_pool_exhaustion_is_unavailable(postgres_server: PostgresServer) -> None:
    postgres_server.reset()
    engine = sa.create_engine(postgres_server.url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    store = SQLAlchemyStore(engine)
    store.is_revoked("j", None, None, None)
    with engine.connect():
        with pytest.raises(RevocationStoreUnavailable) as caught:
            store.is_revoked("j", None, None, None)
    assert isinstance(caught.value.__cause__, sa.exc.TimeoutError)
    engine.dispose()


def delete_before(
    engine: sa.Engine, postgres_server: PostgresServer, verb: str, table: str
) -> list[str]:
    """Delete every row of *table* (as a purge would) just before the next *verb* on it.

    Returns a list that records when that happened.
    """
    fired: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def purge_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not fired and statement.startswith(verb) and f"jwtkit_{table}" in statement:
            fired.append(statement)
            with psycopg.connect(postgres_server.conninfo, autocommit=True) as other:
                other.execute(f"DELETE FROM jwtkit_{table}")

    return fired


def test_upsert_retries_when_the_row_vanishes(
    pg_store: SQLAlchemyStore, engine: sa.Engine, postgres_server: PostgresServer
) -> None:
    pg_store.revoke_jti("j", T0)
    fired = delete_before(engine, postgres_server, "UPDATE", "revoked_tokens")
    pg_store.revoke_jti("j", T0 + 10)  # INSERT conflicts, the row goes, UPDATE finds nothing
    assert fired
    assert pg_store.is_revoked("j", None, None, None) is True
    assert pg_store.purge_expired(T0 + 5) == 0


def test_consume_retries_when_the_row_vanishes(
    pg_store: SQLAlchemyStore, engine: sa.Engine, postgres_server: PostgresServer
) -> None:
    assert pg_store.consume_refresh("r", T0, 0, T0 + 60) is ConsumeResult.CONSUMED
    fired = delete_before(engine, postgres_server, "SELECT", "consumed_refresh")
    assert pg_store.consume_refresh("r", T0 + 1, 0, T0 + 60) is ConsumeResult.CONSUMED
    assert fired
    assert pg_store.consume_refresh("r", T0 + 2, 0, T0 + 60) is ConsumeResult.REUSED


def test_close_disposes_only_an_engine_it_made(
    engine: sa.Engine, postgres_server: PostgresServer
) -> None:
    given = SQLAlchemyStore(engine)
    given.is_revoked("j", None, None, None)
    given.close()
    assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]

    made = SQLAlchemyStore(postgres_server.url)
    made.is_revoked("j", None, None, None)
    assert made.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    made.close()
    assert made.engine.pool.checkedin() == 0  # type: ignore[attr-defined]


def test_url_options(postgres_server: PostgresServer) -> None:
    store = SQLAlchemyStore(postgres_server.url.replace("+psycopg", ""))
    assert store.engine.url.drivername == "postgresql+psycopg"
    connect_params: list[dict[str, Any]] = []

    @sa.event.listens_for(store.engine, "do_connect")
    def seen(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        connect_params.append(cparams)

    store.is_revoked("j", None, None, None)
    assert connect_params[0]["connect_timeout"] == 5
    store.close()

    url = postgres_server.url.replace("postgresql+psycopg", "postgres") + "?connect_timeout=9"
    store = SQLAlchemyStore(url)
    assert store.engine.url.drivername == "postgresql+psycopg"
    assert store.engine.url.query["connect_timeout"] == "9"
    store.close()


def test_repr_hides_the_password() -> None:
    store = SQLAlchemyStore("postgresql+psycopg://user:s3cret@db.example/app", table_prefix="x_")
    assert "s3cret" not in repr(store)
    assert repr(store) == (
        "SQLAlchemyStore('postgresql+psycopg://user:***@db.example/app', table_prefix='x_')"
    )
    store.close()


def test_works_on_sqlite_through_sqlalchemy(tmp_path: Path) -> None:
    store = SQLAlchemyStore(f"sqlite+pysqlite:///{tmp_path / 'sa.db'}")
    store.revoke_jti("j", T0)
    store.revoke_jti("j", T0 + 10)
    store.revoke_identity("alice", T0, None)
    store.revoke_identity("alice", T0 + 5, T0)
    assert store.is_revoked("j", None, None, None) is True
    assert store.is_revoked(None, "alice", None, T0 + 4) is True
    assert store.consume_refresh("r", T0, 1, None) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r", T0 + 1, 1, None) is ConsumeResult.WITHIN_GRACE
    store.save_session(SessionInfo("s", "alice", T0, T0, T0 + 60))
    store.save_session(SessionInfo("s", "alice", T0, T0, T0 + 90))
    assert [s.expires_at for s in store.list_sessions("alice", T0)] == [T0 + 90]
    assert store.purge_expired(T0 + 100) == 2
    store.close()
