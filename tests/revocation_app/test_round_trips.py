"""One store round trip per verified request, whatever the token makes the store check."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import jwt
import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from flask_jwt_kit import JWTManager, create_token_pair, revoke_all_tokens, revoke_token
from flask_jwt_kit.revocation import RedisStore, SQLAlchemyStore, SQLiteStore
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.stores import PostgresServer, RedisServer
from tests.revocation_app.conftest import REVOKED, answer, get, store_of, token_for
from tests.revocation_app.server import add_revocation_views

#: ``round_trips(request)``: ``(round trips to the store, status)`` of a request.
RoundTrips = Callable[[Callable[[], int]], tuple[int, int]]


@contextmanager
def redis_round_trips(server: RedisServer) -> Iterator[RoundTrips]:
    """Commands the server ran, from its ``INFO commandstats`` (ours left out)."""
    with redis.Redis.from_url(server.url) as admin:

        def calls() -> dict[str, int]:
            stats: dict[str, dict[str, int]] = admin.info("commandstats")
            return {name: value["calls"] for name, value in stats.items()}

        def count(request: Callable[[], int]) -> tuple[int, int]:
            before = calls()
            status = request()
            after = calls()
            # Less the INFO that read *before*.
            return sum(after[name] - before.get(name, 0) for name in after) - 1, status

        yield count


@contextmanager
def sqlite_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    """Statements SQLite ran on connections opened from now on (its trace callback)."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    # The store connects on first use, after this: its connection is traced.
    monkeypatch.setattr(sqlite3, "connect", traced)

    def count(request: Callable[[], int]) -> tuple[int, int]:
        statements.clear()
        status = request()
        return len(statements), status

    yield count


@contextmanager
def postgres_round_trips(store: SQLAlchemyStore, server: PostgresServer) -> Iterator[RoundTrips]:
    """Statements the engine ran, checked against those the server logged."""
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    def logged(start: int) -> int:
        with server.log.open("rb") as log:
            log.seek(start)
            text = log.read().decode(errors="replace")
        return len(re.findall(r"LOG:  (?:statement|execute [^:]*): ", text))

    def count(request: Callable[[], int]) -> tuple[int, int]:
        executed.clear()
        start = server.log.stat().st_size
        status = request()
        # The server logs a statement before it answers: nothing to wait for.
        assert logged(start) == len(executed), executed
        return len(executed), status

    # Tables are created on first use: before counting starts.
    store.is_revoked("warm-up", None, None, None)
    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield count
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)


@pytest.fixture
def counted(
    request: pytest.FixtureRequest,
    make_app: AppFactory,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Flask, RoundTrips]]:
    """An app on the ``store_url`` back end, and a counter of its round trips."""
    app = make_app(JWT_REVOCATION_STORE=store_url)
    add_revocation_views(app)
    store = store_of(app)
    counter: AbstractContextManager[RoundTrips]
    if isinstance(store, SQLiteStore):
        counter = sqlite_round_trips(monkeypatch)
    elif isinstance(store, RedisStore):
        counter = redis_round_trips(request.getfixturevalue("redis_server"))
    else:
        assert isinstance(store, SQLAlchemyStore)
        counter = postgres_round_trips(store, request.getfixturevalue("postgres_server"))
    with counter as count:
        yield app, count


def no_jti_token(clock: Clock, identity: str) -> str:
    now = int(clock())
    claims = {"sub": identity, "iat": now, "exp": now + 900, "type": "access", "fresh": False}
    return jwt.encode(claims, SECRET, "HS256")


@pytest.mark.parametrize("store_url", ["sqlite", "redis", "postgresql"], indirect=True)
def test_one_round_trip_per_verified_request(
    counted: tuple[Flask, RoundTrips], clock: Clock
) -> None:
    app, round_trips = counted
    client = app.test_client()
    plain, revoked, bob_before = token_for(app), token_for(app), token_for(app, "bob")
    with app.app_context():
        pair = create_token_pair("alice")
        revoke_token(revoked)
        clock.advance(1)
        revoke_all_tokens("bob")
    clock.advance(1)
    bob_after = token_for(app, "bob")
    missing_jti = no_jti_token(clock, "alice")

    def call(token: str | None, path: str = "/protected") -> Callable[[], int]:
        headers = {} if token is None else bearer(token)
        return lambda: client.get(path, headers=headers).status_code

    cases: dict[str, tuple[Callable[[], int], int]] = {
        "jti, identity": (call(plain), 200),
        "again (decoded token cached)": (call(plain), 200),
        "jti, identity, sid": (call(pair.access_token), 200),
        "refresh token with sid": (call(pair.refresh_token, "/refresh"), 200),
        "identity only (no jti)": (call(missing_jti), 200),
        "revoked jti": (call(revoked), 401),
        "before the identity's cut-off": (call(bob_before), 401),
        "after the identity's cut-off": (call(bob_after), 200),
        "optional view with a token": (call(plain, "/optional"), 200),
    }
    measured = {name: round_trips(request) for name, (request, _) in cases.items()}
    assert measured == {name: (1, status) for name, (_, status) in cases.items()}

    # A blocklist loader as well changes nothing.
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.token_in_blocklist_loader(lambda header, claims: False)
    assert round_trips(call(plain)) == (1, 200)
    assert round_trips(call(revoked)) == (1, 401)
    assert answer(get(client, revoked)) == REVOKED

    # No verified token, or no check asked for: no round trip at all.
    assert round_trips(call(None, "/optional")) == (0, 200)
    assert round_trips(call(plain, "/unchecked")) == (0, 200)
    assert round_trips(call("not.a.token")) == (0, 422)
