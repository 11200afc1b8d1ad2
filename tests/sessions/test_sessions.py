"""Logging in with token pairs, listing and ending sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

import flask_jwt_kit
from flask_jwt_kit import (
    SessionInfo,
    TokenPair,
    create_token_pair,
    list_sessions,
    revoke_all_tokens,
    revoke_session,
    token_revoked,
)
from flask_jwt_kit.revocation import RevocationStore
from tests.conftest import AppFactory, Clock

from .conftest import (
    REVOKED,
    SessionAppFactory,
    add_session_views,
    answer,
    bearer,
    claims_of,
    forge,
    login,
    manager_of,
    pair_of,
    rotate,
    status_with,
)

DAY = 86400.0


def test_public_names() -> None:
    for name in (
        "SessionInfo",
        "TokenPair",
        "create_token_pair",
        "list_sessions",
        "revoke_session",
        "rotate_tokens",
    ):
        assert name in flask_jwt_kit.__all__
        assert hasattr(flask_jwt_kit, name)
    assert flask_jwt_kit.__all__ == sorted(flask_jwt_kit.__all__)
    assert flask_jwt_kit.SessionInfo is flask_jwt_kit.revocation.SessionInfo
    assert flask_jwt_kit.TokenPair._fields == ("access_token", "refresh_token")


def test_pair_shares_a_new_sid(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    with app.app_context():
        pair = create_token_pair("alice", fresh=True, additional_claims={"role": "admin"})
        other = create_token_pair("alice")
    assert isinstance(pair, TokenPair)
    access, refresh = claims_of(pair.access_token), claims_of(pair.refresh_token)
    assert access["sid"] == refresh["sid"] != claims_of(other.access_token)["sid"]
    assert (access["type"], access["fresh"], access["role"], access["sub"]) == (
        "access",
        True,
        "admin",
        "alice",
    )
    assert (refresh["type"], refresh["fresh"], refresh["role"]) == ("refresh", False, "admin")
    assert refresh["exp"] == int(clock.now + 30 * DAY)
    assert access["jti"] != refresh["jti"]


def test_login_records_the_session(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client, metadata={"agent": "curl/8", "ip": "192.0.2.1"})
    status, sessions = answer(client.get("/sessions", headers=bearer(pair.access_token)))
    assert status == 200
    assert sessions == [
        {
            "sid": claims_of(pair.access_token)["sid"],
            "created_at": clock.now,
            "last_refreshed_at": clock.now,
            "expires_at": claims_of(pair.refresh_token)["exp"],
            "metadata": {"agent": "curl/8", "ip": "192.0.2.1"},
        }
    ]
    assert status_with(client, pair.access_token) == 200
    assert status_with(client, pair.refresh_token) == 200


def test_sessions_newest_first_and_revocations(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()
    client = app.test_client()
    pairs = []
    for n in range(4):
        pairs.append(login(client, metadata={"device": f"d{n}"}))
        clock.advance(60)
    login(client, "bob")
    sids = [claims_of(p.access_token)["sid"] for p in pairs]
    with app.app_context():
        found = list_sessions("alice")
        assert [s.sid for s in found] == sids[::-1]
        assert [dict(s.metadata) for s in found] == [{"device": f"d{n}"} for n in (3, 2, 1, 0)]
        assert all(isinstance(s, SessionInfo) and s.identity == "alice" for s in found)
        revoke_session(sids[1])
    assert answer(client.post("/logout", headers=bearer(pairs[3].refresh_token))) == (
        200,
        {"done": True},
    )
    with app.app_context():
        assert [s.sid for s in list_sessions("alice")] == [sids[2], sids[0]]
        assert len(list_sessions("bob")) == 1
        assert list_sessions("carol") == []
    # Every token of an ended session is refused, the others still work.
    for pair in (pairs[1], pairs[3]):
        assert answer(client.get("/whoami", headers=bearer(pair.access_token))) == REVOKED
        assert answer(client.get("/whoami", headers=bearer(pair.refresh_token))) == REVOKED
        assert answer(rotate(client, pair.refresh_token)) == REVOKED
    for pair in (pairs[0], pairs[2]):
        assert status_with(client, pair.access_token) == 200
        assert status_with(client, pair.refresh_token) == 200


def test_expired_sessions_are_not_listed(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app(JWT_REFRESH_TOKEN_EXPIRES=dt.timedelta(hours=1))
    with app.app_context():
        create_token_pair("alice")
        clock.advance(1800)
        create_token_pair("alice")
        assert len(list_sessions("alice")) == 2
        clock.advance(1801)
        assert len(list_sessions("alice")) == 1


def test_sessions_without_expiry(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app(JWT_REFRESH_TOKEN_EXPIRES=False, JWT_ACCESS_TOKEN_EXPIRES=False)
    client = app.test_client()
    pair = login(client)
    assert "exp" not in claims_of(pair.refresh_token)
    with app.app_context():
        (session,) = list_sessions("alice")
        assert session.expires_at is None
    clock.advance(400 * DAY)
    new = rotate(client, pair.refresh_token)
    assert new.status_code == 200
    with app.app_context():
        (session,) = list_sessions("alice")
        assert (session.expires_at, session.last_refreshed_at) == (None, clock.now)
        revoke_session(session.sid)
        assert list_sessions("alice") == []
    assert answer(client.get("/whoami", headers=bearer(pair.access_token))) == REVOKED


def test_identity_goes_through_the_identity_loader(
    session_app: SessionAppFactory,
) -> None:
    class User:
        def __init__(self, id: int):
            self.id = id

    app = session_app()
    manager = manager_of(app)

    @manager.user_identity_loader
    def identify(user: Any) -> Any:
        return user.id if isinstance(user, User) else user

    with app.app_context():
        pair = create_token_pair(User(7))
        assert claims_of(pair.access_token)["sub"] == 7
        # The identity as in tokens, or the user object: the same sessions.
        assert [s.sid for s in list_sessions(7)] == [claims_of(pair.access_token)["sid"]]
        assert list_sessions(User(7)) == list_sessions(7)
        assert list_sessions(User(7))[0].identity == "7"


def test_logout_everywhere_ends_listed_sessions_too(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app(JWT_REFRESH_TOKEN_ROTATION=False)
    client = app.test_client()
    old = [login(client) for _ in range(3)]
    clock.advance(10)
    rotated = pair_of(rotate(client, old[2].refresh_token))
    clock.advance(10)
    with app.app_context():
        revoke_all_tokens("alice")
        assert list_sessions("alice") == []
    clock.advance(10)
    new = login(client)
    with app.app_context():
        assert [s.sid for s in list_sessions("alice")] == [claims_of(new.access_token)["sid"]]
    for pair in (*old, rotated):
        assert status_with(client, pair.access_token) == 401
        assert status_with(client, pair.refresh_token) == 401
    assert status_with(client, new.access_token) == 200
    clock.advance(10)
    newer = pair_of(rotate(client, new.refresh_token))
    clock.advance(10)
    login(client)
    with app.app_context():
        revoke_all_tokens("alice")
        assert list_sessions("alice") == []
        assert list_sessions("bob") == []
    assert status_with(client, newer.access_token) == 401


def test_revoke_session_sends_token_revoked(session_app: SessionAppFactory) -> None:
    app = session_app()
    received: list[dict[str, Any]] = []

    def receiver(sender: Flask, **kwargs: Any) -> None:
        assert sender is app
        received.append(kwargs)

    with app.app_context(), token_revoked.connected_to(receiver, app):
        revoke_session("some-sid")
    assert received == [{"kind": "session", "value": "some-sid"}]


@pytest.mark.parametrize(
    "sid",
    ["", "x" * 10_000, "nul\x00byte", "über 🔑", "a'; DROP TABLE sessions; --", "\udcff"],
    ids=["empty", "huge", "nul", "unicode", "sql", "surrogate"],
)
def test_odd_sids_are_revoked_exactly(
    session_app: SessionAppFactory, clock: Clock, sid: str
) -> None:
    app = session_app()
    client = app.test_client()
    now = int(clock.now)
    token = forge(sub="alice", iat=now, exp=now + 60, jti="j1", type="access", sid=sid)
    neighbour = forge(sub="alice", iat=now, exp=now + 60, jti="j2", type="access", sid=sid + "x")
    assert status_with(client, token) == 200
    with app.app_context():
        revoke_session(sid)
    assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED
    assert status_with(client, neighbour) == 200


@pytest.mark.parametrize(
    ("sid", "status", "message"),
    [
        (5, 422, "Invalid claim: 'sid' must be a string"),
        (None, 422, "Invalid claim: 'sid' must be a string"),
        (["a"], 422, "Invalid claim: 'sid' must be a string"),
        ({"a": 1}, 422, "Invalid claim: 'sid' must be a string"),
        ("x" * 20_000, 422, "Token is too large (over 16384 characters)"),
    ],
    ids=["int", "null", "list", "object", "too-large"],
)
def test_bad_sid_claims_are_refused(
    session_app: SessionAppFactory, clock: Clock, sid: Any, status: int, message: str
) -> None:
    app = session_app()
    client = app.test_client()
    now = int(clock.now)
    for kind in ("access", "refresh"):
        token = forge(sub="alice", iat=now, exp=now + 60, jti="j", type=kind, sid=sid)
        assert answer(client.get("/whoami", headers=bearer(token))) == (status, {"msg": message})
        if kind == "refresh":
            assert answer(rotate(client, token)) == (status, {"msg": message})


def test_create_token_pair_refuses_a_sid_claim(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError, match="'sid' claim"):
        create_token_pair("alice", additional_claims={"sid": "mine"})


@pytest.mark.parametrize("metadata", [{"n": 1}, {1: "n"}, ["a"], "text"])
def test_metadata_must_be_strings(app: Flask, metadata: Any) -> None:
    with app.app_context(), pytest.raises(TypeError, match="mapping of strings to strings"):
        create_token_pair("alice", metadata=metadata)


def test_without_a_store(make_app: AppFactory) -> None:
    app = make_app()
    add_session_views(app)
    client = app.test_client()
    pair = login(client)
    assert claims_of(pair.access_token)["sid"] == claims_of(pair.refresh_token)["sid"]
    assert status_with(client, pair.access_token) == 200
    with app.app_context():
        for call in (lambda: list_sessions("alice"), lambda: revoke_session("s")):
            with pytest.raises(RuntimeError, match="needs a revocation store: set JWT_REVOCATION"):
                call()
    # Rotation off and no store: rotating reissues a pair in the same session.
    new = rotate(client, pair.refresh_token)
    assert new.status_code == 200
    assert claims_of(new.get_json()["access_token"])["sid"] == claims_of(pair.access_token)["sid"]


def test_revoke_session_needs_a_string(make_app: AppFactory, store: RevocationStore) -> None:
    app = make_app(JWT_REVOCATION_STORE=store)
    with app.app_context(), pytest.raises(TypeError, match="sid must be a string, not int"):
        revoke_session(5)  # type: ignore[arg-type]


def test_rotation_needs_a_store(make_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="JWT_REFRESH_TOKEN_ROTATION needs JWT_REVOCATION"):
        make_app(JWT_REFRESH_TOKEN_ROTATION=True)
