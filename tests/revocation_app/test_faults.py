"""A store that goes away: 503 (or what the app chose), never 500, never a revoked token let in."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, jsonify

from flask_jwt_kit import (
    JWTManager,
    create_token_pair,
    get_csrf_token,
    get_jti,
    get_jwt_identity,
    jwt_required,
    revoke_all_tokens,
    revoke_token,
    rotate_tokens,
)
from tests.conftest import AppFactory, bearer
from tests.plugins.stores import PostgresServer, RedisServer
from tests.revocation_app.conftest import (
    REVOKED,
    UNAVAILABLE,
    answer,
    get,
    store_of,
    token_for,
    wait_until,
)
from tests.revocation_app.server import add_revocation_views

#: Longest a request may take while the store is down.
FAIL_FAST = 1.0


@dataclass
class Outage:
    """A real server the test stops and starts again (same data directory)."""

    url: str
    stop: Callable[[], None]
    start: Callable[[], None]
    is_down: Callable[[], bool]


@pytest.fixture(params=["redis", "postgresql"])
def outage(request: pytest.FixtureRequest) -> Iterator[Outage]:
    """The Redis or the PostgreSQL server of the session, started again after the test."""
    if request.param == "redis":
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        redis_server.flush()
        with redis.Redis.from_url(redis_server.url) as client:
            # What a deployment that must keep revocations through a crash
            # sets: with the default (everysec), Redis may answer a write
            # before it reaches the append-only file when the disk is busy.
            # A restart brings the default back.
            client.config_set("appendfsync", "always")
        made = Outage(
            redis_server.url,
            redis_server.stop,
            redis_server.start,
            lambda: redis_server.process is None,
        )
    else:
        postgres_server: PostgresServer = request.getfixturevalue("postgres_server")
        postgres_server.reset()
        made = Outage(
            postgres_server.url,
            postgres_server.stop,
            postgres_server.start,
            lambda: not postgres_server.is_running(),
        )
    try:
        yield made
    finally:
        if made.is_down():
            made.start()


def fault_app(make_app: AppFactory, url: str, **config: Any) -> Flask:
    """An app that answers 500 for an unhandled error, as in production."""
    app = make_app(JWT_REVOCATION_STORE=url, TESTING=False, **config)
    add_revocation_views(app)
    return app


@dataclass
class Outcome:
    kind: str
    status: int
    body: Any
    seconds: float


class Traffic:
    """Threads requesting with a live and a revoked token until stopped."""

    def __init__(self, app: Flask, tokens: dict[str, str], threads: int = 2):
        self.app = app
        self.tokens = tokens
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        client = self.app.test_client()
        while not self._stop.is_set():
            for kind, token in self.tokens.items():
                started = time.monotonic()
                status, body = answer(get(client, token))
                self.outcomes.append(Outcome(kind, status, body, time.monotonic() - started))

    def count(self, status: int, since: int = 0) -> int:
        return sum(1 for outcome in self.outcomes[since:] if outcome.status == status)

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_store_killed_mid_run(make_app: AppFactory, outage: Outage) -> None:
    app = fault_app(make_app, outage.url)
    tokens = {"live": token_for(app), "revoked": token_for(app)}
    client = app.test_client()
    assert client.post("/revoke", headers=bearer(tokens["revoked"])).status_code == 200
    with Traffic(app, tokens) as traffic:
        wait_until(lambda: traffic.count(200) >= 20)
        outage.stop()
        wait_until(lambda: traffic.count(503) >= 20)
        restarted = len(traffic.outcomes)
        outage.start()
        wait_until(lambda: traffic.count(200, since=restarted) >= 20, timeout=30)
    accepted = (200, "alice")
    expected: dict[str, list[tuple[int, Any]]] = {
        "live": [accepted, UNAVAILABLE],
        "revoked": [REVOKED, UNAVAILABLE],
    }
    for outcome in traffic.outcomes:
        status, body = outcome.status, outcome.body
        assert ((status, body["identity"]) if status == 200 else (status, body)) in expected[
            outcome.kind
        ]
        assert outcome.seconds < FAIL_FAST
    # Revocations made before the crash hold after the restart.
    assert answer(get(client, tokens["revoked"])) == REVOKED
    assert get(client, tokens["live"]).status_code == 200


def test_answers_while_the_store_is_down(make_app: AppFactory, outage: Outage) -> None:
    default = fault_app(make_app, outage.url)
    keyed = fault_app(make_app, outage.url, JWT_ERROR_MESSAGE_KEY="error")
    fail_open = fault_app(make_app, outage.url, JWT_REVOCATION_FAIL_OPEN=True)
    custom = fault_app(make_app, outage.url)
    manager: JWTManager = custom.extensions["flask-jwt-kit"]

    @manager.revocation_unavailable_loader
    def unavailable(message: str) -> Any:
        return jsonify(detail=message, retry=True), 503, {"Retry-After": "5"}

    live, revoked = token_for(default), token_for(default)
    with default.app_context():
        revoke_token(revoked)
    blocked = token_for(fail_open)
    with fail_open.app_context():
        blocked_jti = get_jti(blocked)
    fail_open_manager: JWTManager = fail_open.extensions["flask-jwt-kit"]
    fail_open_manager.token_in_blocklist_loader(lambda header, claims: claims["jti"] == blocked_jti)

    outage.stop()
    answers: list[tuple[str, tuple[int, Any], float]] = []

    def request(name: str, app: Flask, token: str, path: str = "/protected") -> None:
        started = time.monotonic()
        client = app.test_client()
        if path == "/protected":
            response = get(client, token)
        else:
            response = client.post(path, headers=bearer(token))
        answers.append((name, answer(response), time.monotonic() - started))
        if name == "custom":
            assert response.headers["Retry-After"] == "5"

    request("default", default, live)
    request("default", default, revoked)
    request("keyed", keyed, live)
    request("custom", custom, live)
    request("revoke", default, live, "/revoke")
    request("logout", default, live, "/logout-everywhere")
    request("open", fail_open, live)
    request("open-revoke", fail_open, live, "/revoke")
    request("open-loader", fail_open, blocked)
    outage.start()
    request("after", default, revoked)
    request("after", default, live)

    message = "Token revocation status unavailable"
    assert [(name, result) for name, result, _ in answers] == [
        ("default", UNAVAILABLE),
        ("default", UNAVAILABLE),
        ("keyed", (503, {"error": message})),
        ("custom", (503, {"detail": message, "retry": True})),
        # Writing a revocation cannot fail open.
        ("revoke", UNAVAILABLE),
        ("logout", UNAVAILABLE),
        ("open", (200, answers[6][1][1])),
        ("open-revoke", UNAVAILABLE),
        # The blocklist loader is still consulted when the store fails open.
        ("open-loader", REVOKED),
        ("after", REVOKED),
        ("after", (200, answers[10][1][1])),
    ]
    assert answers[6][1][1]["identity"] == "alice"
    assert max(seconds for _, _, seconds in answers[:9]) < FAIL_FAST


def test_unreadable_sqlite_file(make_app: AppFactory, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'revocations.db'}"
    first = fault_app(make_app, url)
    live, revoked = token_for(first), token_for(first)
    with first.app_context():
        revoke_token(revoked)
    store_of(first).close()
    # Corrupt the database (and its write-ahead log) in place, keeping a copy.
    saved = tmp_path / "saved"
    saved.mkdir()
    files = [path for path in tmp_path.glob("revocations.db*") if path.is_file()]
    for path in files:
        shutil.copy(path, saved / path.name)
        path.write_bytes(b"not a database " * 512)
    app = fault_app(make_app, url)
    client = app.test_client()
    for token in (live, revoked):
        started = time.monotonic()
        assert answer(get(client, token)) == UNAVAILABLE
        assert time.monotonic() - started < FAIL_FAST
    assert answer(client.post("/revoke", headers=bearer(live))) == UNAVAILABLE
    for path in files:
        shutil.copy(saved / path.name, path)
    assert answer(get(client, revoked)) == REVOKED
    assert get(client, live).status_code == 200


def test_frozen_redis_answers_503_within_the_socket_timeout(
    make_app: AppFactory, redis_server: RedisServer
) -> None:
    """A server that accepts but never answers (a partition, a stalled host)."""
    redis_server.flush()
    timeout = 0.25
    url = f"{redis_server.url}?socket_timeout={timeout}&socket_connect_timeout={timeout}"
    app = fault_app(make_app, url)
    client = app.test_client()
    token = token_for(app)
    assert get(client, token).status_code == 200
    process = redis_server.process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert answer(get(client, token)) == UNAVAILABLE
        # One attempt and one retry, each cut short by the timeout.
        assert time.monotonic() - started < 2 * timeout + 0.5
    finally:
        process.send_signal(signal.SIGCONT)
    assert get(client, token).status_code == 200


def test_failing_open_never_issues_tokens(make_app: AppFactory, outage: Outage) -> None:
    """JWT_REVOCATION_FAIL_OPEN lets a token through; it does not make it a new one."""
    app = fault_app(
        make_app,
        outage.url,
        JWT_REVOCATION_FAIL_OPEN=True,
        JWT_TOKEN_LOCATION=["cookies"],
        JWT_IMPLICIT_REFRESH=dt.timedelta(minutes=5),
        JWT_ACCESS_TOKEN_EXPIRES=60,
    )

    @app.get("/cookie")
    @jwt_required()
    def cookie_view() -> Any:
        return {"identity": get_jwt_identity()}

    @app.post("/rotate")
    @jwt_required(refresh=True)
    def rotate() -> Any:
        return {"access_token": rotate_tokens().access_token}

    with app.app_context():
        revoked = create_token_pair("alice")
        revoke_all_tokens("alice")
    client = app.test_client()
    client.set_cookie("access_token_cookie", token_for(app, "bob"))
    assert "access_token_cookie=" in client.get("/cookie").headers.get("Set-Cookie", "")
    client.set_cookie("access_token_cookie", revoked.access_token)
    assert answer(client.get("/cookie")) == REVOKED

    outage.stop()
    response = client.get("/cookie")
    # Let through (the app chose to fail open), but no fresh cookie: the
    # token may have been revoked (it was) and the store cannot say.
    assert answer(response) == (200, {"identity": "alice"})
    assert response.headers.get("Set-Cookie") is None
    client.set_cookie("refresh_token_cookie", revoked.refresh_token)
    client.set_cookie("csrf_refresh_token", "unused")
    with app.app_context():
        csrf = get_csrf_token(revoked.refresh_token)
    assert answer(client.post("/rotate", headers={"X-CSRF-TOKEN": csrf})) == UNAVAILABLE
    outage.start()
    assert answer(client.get("/cookie")) == REVOKED
