"""``flask jwt revoke``, ``sessions`` and ``purge``."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from flask_jwt_kit import (
    create_access_token,
    create_token_pair,
    decode_token,
    get_jti,
    revoke_token,
)
from flask_jwt_kit.revocation import MemoryStore
from tests.cli.conftest import UNREACHABLE_STORE, Run, runner_for
from tests.conftest import AppFactory, Clock, bearer
from tests.plugins.stores import free_port

NO_STORE = "needs a revocation store: set JWT_REVOCATION_STORE"


def token_for(app: Flask, identity: str = "alice") -> str:
    with app.app_context():
        return create_access_token(identity)


def status(app: Flask, token: str) -> int:
    return app.test_client().get("/protected", headers=bearer(token)).status_code


def test_revoke_token(store_app: Flask, run: Run) -> None:
    token, other = token_for(store_app), token_for(store_app)
    result = run("revoke", token)
    assert (result.exit_code, result.output) == (0, "Revoked the token.\n")
    assert status(store_app, token) == 401
    assert status(store_app, other) == 200


def test_revoke_invalid_token(run: Run) -> None:
    result = run("revoke", "abc")
    assert (result.exit_code, result.output) == (1, "Error: Not enough segments\n")


def test_revoke_by_jti(store_app: Flask, run: Run) -> None:
    token = token_for(store_app)
    with store_app.app_context():
        jti = get_jti(token)
    assert jti is not None
    result = run("revoke", "--jti", jti)
    assert (result.exit_code, result.output) == (0, f"Revoked the token with jti {jti!r}.\n")
    assert status(store_app, token) == 401


def test_revoke_empty_jti(run: Run) -> None:
    result = run("revoke", "--jti", "")
    assert result.exit_code == 1
    assert result.output == "Error: Missing claim: jti\n"


def test_revoke_identity(store_app: Flask, run: Run, clock: Clock) -> None:
    alice, bob = token_for(store_app), token_for(store_app, "bob")
    result = run("revoke", "--identity", "alice")
    assert result.exit_code == 0
    assert result.output == "Revoked every token of 'alice' issued until now.\n"
    assert status(store_app, alice) == 401
    assert status(store_app, bob) == 200
    clock.advance(1)
    assert status(store_app, token_for(store_app)) == 200


def test_revoke_session(store_app: Flask, run: Run) -> None:
    with store_app.app_context():
        first, second = create_token_pair("alice"), create_token_pair("alice")
        sid = decode_token(first.access_token)["sid"]
    result = run("revoke", "--session", sid)
    assert (result.exit_code, result.output) == (0, f"Revoked session {sid!r}.\n")
    assert status(store_app, first.access_token) == 401
    assert status(store_app, second.access_token) == 200


@pytest.mark.parametrize(
    "args",
    [(), ("tok", "--jti", "j"), ("--identity", "a", "--session", "s")],
    ids=["none", "token-and-jti", "identity-and-session"],
)
def test_revoke_needs_exactly_one_target(run: Run, args: tuple[str, ...]) -> None:
    result = run("revoke", *args)
    assert result.exit_code == 2
    assert "give exactly one of TOKEN, --jti, --identity or --session" in result.output


@pytest.mark.parametrize(
    "args", [("revoke", "--identity", "alice"), ("sessions", "alice"), ("purge",)]
)
def test_store_commands_need_a_store(make_app: AppFactory, args: tuple[str, ...]) -> None:
    result = runner_for(make_app())(*args)
    assert result.exit_code == 1
    assert NO_STORE in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("revoke", "--identity", "alice"),
        ("revoke", "--jti", "j"),
        ("sessions", "alice"),
        ("purge",),
    ],
)
def test_store_unreachable(make_app: AppFactory, args: tuple[str, ...]) -> None:
    result = runner_for(make_app(JWT_REVOCATION_STORE=UNREACHABLE_STORE))(*args)
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Token revocation status unavailable "
        "(JWT_REVOCATION_STORE: RedisStore('redis://127.0.0.1:1/0'"
    )
    assert "ConnectionError: " in result.output


def test_sessions_none(run: Run) -> None:
    result = run("sessions", "alice")
    assert (result.exit_code, result.output) == (0, "No live sessions for 'alice'.\n")


def test_sessions_listed_newest_first(store_app: Flask, run: Run, clock: Clock) -> None:
    with store_app.app_context():
        create_token_pair("alice")
        clock.advance(120)
        create_token_pair("alice", metadata={"client": "browser", "ip": "127.0.0.1"})
        create_token_pair("bob")
    clock.advance(60)
    result = run("sessions", "alice")
    assert result.exit_code == 0
    blocks = result.output.split("\n")
    newest, oldest = blocks[0:5], blocks[5:9]
    assert newest[1:] == [
        "  created:        2027-01-15 08:02:00 UTC (1m ago)",
        "  last refreshed: 2027-01-15 08:02:00 UTC (1m ago)",
        "  expires:        2027-02-14 08:02:00 UTC (in 29d 23h)",
        '  metadata:       {"client": "browser", "ip": "127.0.0.1"}',
    ]
    assert oldest[1] == "  created:        2027-01-15 08:00:00 UTC (3m ago)"
    assert not any(line.startswith("  metadata") for line in oldest)
    assert blocks[9:] == [""]


def test_sessions_that_never_expire(make_app: AppFactory) -> None:
    app = make_app(JWT_REVOCATION_STORE="memory://", JWT_REFRESH_TOKEN_EXPIRES=False)
    with app.app_context():
        create_token_pair("alice")
    result = runner_for(app)("sessions", "alice")
    assert "  expires:        never\n" in result.output


def test_purge(store_app: Flask, run: Run, clock: Clock) -> None:
    assert run("purge").output == "Purged 0 expired entries.\n"
    with store_app.app_context():
        revoke_token(create_access_token("alice"))
    assert run("purge").output == "Purged 0 expired entries.\n"
    clock.advance(15 * 60 + 1)
    result = run("purge")
    assert (result.exit_code, result.output) == (0, "Purged 1 expired entry.\n")


class ReportingStore(MemoryStore):
    """A store of the application's own that reports each purge somewhere."""

    def __init__(self, report: Callable[[], object]):
        super().__init__()
        self.report = report

    def purge_expired(self, now: float) -> int:
        self.report()
        return super().purge_expired(now)


def test_os_errors_of_a_store_object_are_a_message(make_app: AppFactory, tmp_path: Path) -> None:
    log = tmp_path / "missing" / "purges.log"
    app = make_app(JWT_REVOCATION_STORE=ReportingStore(lambda: log.open("a").close()))
    result = runner_for(app)("purge")
    assert (result.exit_code, result.output) == (
        1,
        f"Error: No such file or directory: {str(log)!r}\n",
    )
    assert isinstance(result.exception, SystemExit)


def test_os_errors_without_a_file_are_a_message(make_app: AppFactory) -> None:
    address = ("127.0.0.1", free_port())
    app = make_app(JWT_REVOCATION_STORE=ReportingStore(lambda: socket.create_connection(address)))
    result = runner_for(app)("purge")
    assert (result.exit_code, result.output) == (1, "Error: Connection refused\n")
