"""Refresh-token rotation: single use, reuse detection, grace period, concurrency."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
from flask import Flask, jsonify
from werkzeug.test import TestResponse

from flask_jwt_kit import (
    create_refresh_token,
    create_token_pair,
    jwt_required,
    list_sessions,
    refresh_token_reused,
    revoke_token,
    rotate_tokens,
    token_revoked,
)
from tests.conftest import AppFactory, Clock
from tests.plugins.stores import RedisServer

from .conftest import (
    REUSED,
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


def sid_of(token: str) -> str:
    sid: str = claims_of(token)["sid"]
    return sid


def test_rotation_issues_a_new_pair_in_the_same_session(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()
    client = app.test_client()
    first = login(client, claims={"role": "admin", "tenant": 3}, metadata={"agent": "a"})
    clock.advance(600)
    response = rotate(client, first.refresh_token)
    assert response.status_code == 200
    second = pair_of(response)
    new_access, new_refresh = claims_of(second.access_token), claims_of(second.refresh_token)
    assert new_access["sid"] == new_refresh["sid"] == sid_of(first.access_token)
    # Custom claims survive rotation; the new access token is not fresh.
    assert (new_access["role"], new_access["tenant"], new_access["fresh"]) == ("admin", 3, False)
    assert (new_refresh["role"], new_refresh["type"]) == ("admin", "refresh")
    assert new_access["iat"] == clock.now
    assert new_refresh["jti"] != claims_of(first.refresh_token)["jti"]
    assert new_refresh["exp"] == int(clock.now) + 30 * 86400
    with app.app_context():
        (session,) = list_sessions("alice")
    assert (session.created_at, session.last_refreshed_at) == (clock.now - 600, clock.now)
    assert session.expires_at == new_refresh["exp"]
    assert dict(session.metadata) == {"agent": "a"}
    # The old access token stays valid until it expires; the new pair works.
    for token in (first.access_token, second.access_token, second.refresh_token):
        assert status_with(client, token) == 200
    clock.advance(600)
    third = pair_of(rotate(client, second.refresh_token, metadata={"agent": "b"}))
    with app.app_context():
        (session,) = list_sessions("alice")
    assert (session.last_refreshed_at, dict(session.metadata)) == (clock.now, {"agent": "b"})
    assert session.created_at == clock.now - 1200
    assert sid_of(third.refresh_token) == sid_of(first.refresh_token)


def test_reuse_revokes_the_whole_session(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    other = login(client)
    stolen = login(client)
    clock.advance(60)
    victim = pair_of(rotate(client, stolen.refresh_token))
    clock.advance(60)
    # The thief presents the stolen refresh token: detected, whole session revoked.
    assert answer(rotate(client, stolen.refresh_token)) == REUSED
    for token in (*stolen, *victim):
        assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED
    assert answer(rotate(client, victim.refresh_token)) == REVOKED
    assert answer(rotate(client, stolen.refresh_token)) == REVOKED
    with app.app_context():
        assert [s.sid for s in list_sessions("alice")] == [sid_of(other.access_token)]
    # Another session of the same user is untouched.
    assert status_with(client, other.access_token) == 200
    assert rotate(client, other.refresh_token).status_code == 200


def test_reuse_by_the_victim_kills_the_thiefs_tokens(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()
    client = app.test_client()
    stolen = login(client)
    thief = pair_of(rotate(client, stolen.refresh_token))
    thief_next = pair_of(rotate(client, thief.refresh_token))
    clock.advance(1)
    assert answer(rotate(client, stolen.refresh_token)) == REUSED
    for token in (*thief, *thief_next):
        assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED


def test_reuse_sends_signals(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client, "bob")
    sid = sid_of(pair.refresh_token)
    assert rotate(client, pair.refresh_token).status_code == 200
    reused: list[tuple[Any, dict[str, Any]]] = []
    revoked: list[dict[str, Any]] = []

    def on_reuse(sender: Any, **kwargs: Any) -> None:
        reused.append((sender, kwargs))

    def on_revoke(sender: Any, **kwargs: Any) -> None:
        revoked.append(kwargs)

    with (
        refresh_token_reused.connected_to(on_reuse, app),
        token_revoked.connected_to(on_revoke, app),
    ):
        clock.advance(1)
        assert answer(rotate(client, pair.refresh_token)) == REUSED
        # Once the session is revoked, the token is simply revoked: no second alarm.
        assert answer(rotate(client, pair.refresh_token)) == REVOKED
    assert reused == [(app, {"identity": "bob", "sid": sid})]
    assert revoked == [{"kind": "session", "value": sid}]


def test_grace_period(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app(JWT_REFRESH_REUSE_GRACE=10)
    client = app.test_client()
    pair = login(client)
    first = pair_of(rotate(client, pair.refresh_token))
    clock.advance(10)
    # A retry within the grace period (a lost answer, two tabs) gets a pair too.
    retry = pair_of(rotate(client, pair.refresh_token))
    assert sid_of(retry.refresh_token) == sid_of(first.refresh_token) == sid_of(pair.access_token)
    assert status_with(client, first.access_token) == 200
    assert status_with(client, retry.access_token) == 200
    clock.advance(0.5)
    assert answer(rotate(client, pair.refresh_token)) == REUSED
    for token in (*first, *retry):
        assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED


def test_no_grace_by_default_even_at_the_same_instant(session_app: SessionAppFactory) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client)
    assert rotate(client, pair.refresh_token).status_code == 200
    assert answer(rotate(client, pair.refresh_token)) == REUSED


def test_concurrent_rotations_of_one_token(session_app: SessionAppFactory) -> None:
    app = session_app()
    pair = login(app.test_client())
    barrier = threading.Barrier(16)
    results: list[TestResponse] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = app.test_client()
        barrier.wait()
        response = rotate(client, pair.refresh_token)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [401] * 15, [r.get_json() for r in results]
    # Each loser either detected the reuse or found the session already revoked.
    refused = [answer(r) for r in results if r.status_code == 401]
    assert all(found in (REUSED, REVOKED) for found in refused)
    assert REUSED in refused
    # Reuse was detected, so the one pair that was issued is dead too.
    (winner,) = [pair_of(r) for r in results if r.status_code == 200]
    client = app.test_client()
    for token in (*pair, *winner):
        assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED


def test_every_refresh_view_consumes_under_rotation(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client)
    # /refresh does not call rotate_tokens(): the token is used up all the same.
    assert client.get("/refresh", headers=bearer(pair.refresh_token)).status_code == 200
    clock.advance(1)
    assert answer(client.get("/refresh", headers=bearer(pair.refresh_token))) == REUSED
    assert answer(client.get("/whoami", headers=bearer(pair.access_token))) == REVOKED


def test_verification_order_consumes_last(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client)
    manager = manager_of(app)
    allow = {"value": False}

    @manager.token_verification_loader
    def check(header: dict[str, Any], claims: dict[str, Any]) -> bool:
        return allow["value"]

    # Refused by a later check: the token is not consumed.
    assert rotate(client, pair.refresh_token).status_code == 400
    allow["value"] = True
    assert rotate(client, pair.refresh_token).status_code == 200


def test_skip_revocation_check_views_consume_only_when_rotating(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()

    @app.post("/peek")
    @jwt_required(refresh=True, skip_revocation_check=True)
    def peek() -> Any:
        return jsonify(ok=True)

    @app.post("/rotate-unchecked")
    @jwt_required(refresh=True, skip_revocation_check=True)
    def rotate_unchecked() -> Any:
        return jsonify(rotate_tokens()._asdict())

    client = app.test_client()
    pair = login(client)
    for _ in range(2):
        assert client.post("/peek", headers=bearer(pair.refresh_token)).status_code == 200
    response = client.post("/rotate-unchecked", headers=bearer(pair.refresh_token))
    assert response.status_code == 200
    clock.advance(1)
    assert answer(client.post("/rotate-unchecked", headers=bearer(pair.refresh_token))) == REUSED
    # Its session is revoked: even a view skipping the revocation check cannot rotate.
    new = pair_of(response)
    assert answer(client.post("/rotate-unchecked", headers=bearer(new.refresh_token))) == REVOKED
    # Nor can it rotate a refresh token revoked on its own.
    other = login(client)
    with app.app_context():
        revoke_token(other.refresh_token)
    assert client.post("/peek", headers=bearer(other.refresh_token)).status_code == 200
    assert answer(client.post("/rotate-unchecked", headers=bearer(other.refresh_token))) == REVOKED


def test_rotating_through_a_view_that_does_not_verify_the_type(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()

    @app.post("/anything-rotates")
    @jwt_required(verify_type=False)
    def anything() -> Any:
        return jsonify(rotate_tokens()._asdict())

    client = app.test_client()
    pair = login(client)
    # An access token is not a refresh token, whatever the view accepts.
    with pytest.raises(RuntimeError, match="needs a verified refresh token"):
        client.post("/anything-rotates", headers=bearer(pair.access_token))
    assert client.post("/anything-rotates", headers=bearer(pair.refresh_token)).status_code == 200
    clock.advance(1)
    assert answer(client.post("/anything-rotates", headers=bearer(pair.refresh_token))) == REUSED


def test_rotate_tokens_needs_a_verified_refresh_token(
    session_app: SessionAppFactory,
) -> None:
    app = session_app()
    with app.test_request_context(), pytest.raises(RuntimeError, match="refresh=True"):
        rotate_tokens()


def test_rotate_tokens_once_per_request(session_app: SessionAppFactory) -> None:
    app = session_app()
    seen: list[str] = []

    @app.post("/twice")
    @jwt_required(refresh=True)
    def twice() -> Any:
        rotate_tokens()
        with pytest.raises(RuntimeError, match="already called in this request"):
            rotate_tokens()
        seen.append("checked")
        return jsonify(ok=True)

    client = app.test_client()
    pair = login(client)
    assert client.post("/twice", headers=bearer(pair.refresh_token)).status_code == 200
    assert seen == ["checked"]


def test_unknown_sessions_cannot_rotate(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    now = int(clock.now)
    for sid in ("never-recorded", "", "x" * 10_000, "nul\x00"):
        token = forge(
            sub="alice", iat=now, exp=now + 60, jti=f"j-{sid[:5]}", type="refresh", sid=sid
        )
        assert answer(rotate(client, token)) == REVOKED
    # Another user's session is not one's own.
    bob = login(client, "bob")
    token = forge(
        sub="alice", iat=now, exp=now + 60, jti="j", type="refresh", sid=sid_of(bob.access_token)
    )
    assert answer(rotate(client, token)) == REVOKED
    assert rotate(client, bob.refresh_token).status_code == 200


def test_sidless_refresh_tokens_rotate_into_a_session(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app()
    client = app.test_client()
    with app.app_context():
        legacy = create_refresh_token("alice")
    pair = pair_of(rotate(client, legacy))
    sid = sid_of(pair.access_token)
    assert sid == sid_of(pair.refresh_token)
    with app.app_context():
        (session,) = list_sessions("alice")
    assert (session.sid, session.created_at) == (sid, clock.now)
    assert status_with(client, pair.access_token) == 200
    next_pair = pair_of(rotate(client, pair.refresh_token))
    assert sid_of(next_pair.access_token) == sid
    clock.advance(1)
    # Its reuse revokes the session it was rotated into.
    assert answer(rotate(client, legacy)) == REUSED
    for token in (*pair, *next_pair):
        assert answer(client.get("/whoami", headers=bearer(token))) == REVOKED


def test_rotation_needs_a_jti(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    now = int(clock.now)
    token = forge(sub="alice", iat=now, exp=now + 60, type="refresh")
    assert answer(rotate(client, token)) == (422, {"msg": "Missing claim: jti"})


def test_rotation_off_keeps_the_contract(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app(JWT_REFRESH_TOKEN_ROTATION=False)
    client = app.test_client()
    with app.app_context():
        legacy = create_refresh_token("alice")
    for _ in range(3):
        assert client.get("/refresh", headers=bearer(legacy)).status_code == 200
    pair = login(client)
    rotated = [pair_of(rotate(client, pair.refresh_token)) for _ in range(3)]
    assert {sid_of(p.refresh_token) for p in rotated} == {sid_of(pair.refresh_token)}
    for token in (*pair, *rotated[-1]):
        assert status_with(client, token) == 200
    # A sid-less token lands in one session however often it is rotated.
    first = pair_of(rotate(client, legacy))
    clock.advance(5)
    second = pair_of(rotate(client, legacy, metadata={"via": "legacy"}))
    assert sid_of(first.access_token) == sid_of(second.access_token)
    with app.app_context():
        sessions = {s.sid: s for s in list_sessions("alice")}
    legacy_session = sessions[sid_of(first.access_token)]
    assert (legacy_session.created_at, legacy_session.last_refreshed_at) == (
        clock.now - 5,
        clock.now,
    )
    assert dict(legacy_session.metadata) == {"via": "legacy"}
    # Ending a session still works without rotation.
    assert client.post("/logout", headers=bearer(pair.access_token)).status_code == 200
    assert answer(rotate(client, pair.refresh_token)) == REVOKED


def test_sidless_tokens_without_jti_rotate_without_a_store(
    make_app: AppFactory, clock: Clock
) -> None:
    app = make_app()
    add_session_views(app)
    client = app.test_client()
    now = int(clock.now)
    token = forge(sub="alice", iat=now, exp=now + 60, type="refresh")
    first, second = (pair_of(rotate(client, token)) for _ in range(2))
    assert sid_of(first.access_token) != sid_of(second.access_token)


def test_identity_loaders_get_the_user_back(session_app: SessionAppFactory, clock: Clock) -> None:
    class User:
        def __init__(self, name: str):
            self.name = name

    app = session_app()
    manager = manager_of(app)
    loaded: list[Any] = []

    @manager.user_identity_loader
    def identify(user: User) -> str:
        return user.name

    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> User:
        return User(claims["sub"])

    @manager.additional_claims_loader
    def add_claims(user: User) -> dict[str, Any]:
        loaded.append(user)
        return {"name_length": len(user.name)}

    with app.app_context():
        pair = create_token_pair(User("carol"))
    client = app.test_client()
    new = pair_of(rotate(client, pair.refresh_token))
    assert claims_of(new.access_token)["sub"] == "carol"
    assert claims_of(new.access_token)["name_length"] == 5
    assert all(isinstance(user, User) for user in loaded)


def test_loaders_override_carried_claims(session_app: SessionAppFactory) -> None:
    app = session_app()
    manager = manager_of(app)
    roles = {"value": ["reader"]}

    @manager.additional_claims_loader
    def add_claims(identity: Any) -> dict[str, Any]:
        return {"roles": roles["value"]}

    client = app.test_client()
    pair = login(client, claims={"tenant": "t1"})
    roles["value"] = ["reader", "writer"]
    new = pair_of(rotate(client, pair.refresh_token))
    claims = claims_of(new.access_token)
    assert (claims["roles"], claims["tenant"]) == (["reader", "writer"], "t1")


def test_expired_refresh_tokens_cannot_rotate(session_app: SessionAppFactory, clock: Clock) -> None:
    app = session_app()
    client = app.test_client()
    pair = login(client)
    clock.advance(30 * 86400)
    assert answer(rotate(client, pair.refresh_token)) == (401, {"msg": "Token has expired"})


def test_leeway_keeps_the_session_as_long_as_the_token(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app = session_app(JWT_DECODE_LEEWAY=60)
    client = app.test_client()
    pair = login(client)
    clock.advance(30 * 86400 + 30)
    assert rotate(client, pair.refresh_token).status_code == 200


def test_reuse_answer_uses_the_revoked_token_loader(
    session_app: SessionAppFactory, clock: Clock
) -> None:
    app: Flask = session_app()
    manager = manager_of(app)

    @manager.revoked_token_loader
    def revoked(header: dict[str, Any], claims: dict[str, Any]) -> Any:
        return jsonify(custom=claims["type"]), 401

    client = app.test_client()
    pair = login(client)
    rotate(client, pair.refresh_token)
    clock.advance(1)
    assert answer(rotate(client, pair.refresh_token)) == (401, {"custom": "refresh"})


def test_the_consumed_mark_lives_through_the_decode_leeway(
    make_app: AppFactory, clock: Clock, redis_server: RedisServer
) -> None:
    # A refresh token is accepted until exp + JWT_DECODE_LEEWAY; its "used"
    # mark must last that long, or a reuse just after exp goes unnoticed.
    redis_server.flush()
    clock.now = time.time()  # Redis counts TTLs on the real clock
    app = make_app(
        JWT_REVOCATION_STORE=redis_server.url,
        JWT_REFRESH_TOKEN_ROTATION=True,
        JWT_DECODE_LEEWAY=120,
        JWT_REFRESH_TOKEN_EXPIRES=300,
    )
    add_session_views(app)
    client = app.test_client()
    first = login(client)
    assert rotate(client, first.refresh_token).status_code == 200
    with redis.Redis.from_url(redis_server.url) as connection:
        (key,) = connection.keys("jwtkit:refresh:*")
        ttl = connection.pttl(key)
    assert 298_000 + 120_000 < ttl <= 300_000 + 120_000
