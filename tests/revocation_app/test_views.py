"""Revocation through protected views, on every back end (issue 3)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import redis
from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    create_token_pair,
    decode_token,
    get_jti,
    revoke_all_tokens,
    revoke_session,
    revoke_token,
)
from flask_jwt_kit.revocation import SQLAlchemyStore, SQLiteStore
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.stores import RedisServer
from tests.revocation_app.conftest import (
    REVOKED,
    RevocationAppFactory,
    answer,
    get,
    store_of,
    token_for,
)
from tests.revocation_app.server import create_app


def manager_of(app: Flask) -> JWTManager:
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    return manager


def revoke(app: Flask, token: Any = None) -> None:
    with app.app_context():
        revoke_token(token)


def revoke_all(app: Flask, identity: Any) -> None:
    with app.app_context():
        revoke_all_tokens(identity)


# --------------------------------------------------------------------------- revoke_token


def test_revoke_token_string(revocation_app: RevocationAppFactory) -> None:
    app = revocation_app()
    client = app.test_client()
    token, other = token_for(app), token_for(app)
    assert get(client, token).status_code == 200
    revoke(app, token)
    assert answer(get(client, token)) == REVOKED
    assert get(client, other).status_code == 200


def test_revoke_token_claims(revocation_app: RevocationAppFactory) -> None:
    app = revocation_app()
    client = app.test_client()
    token, other = token_for(app), token_for(app)
    with app.app_context():
        claims = decode_token(token)
    revoke(app, claims)
    assert answer(get(client, token)) == REVOKED
    assert get(client, other).status_code == 200


def test_revoke_refresh_token(revocation_app: RevocationAppFactory) -> None:
    app = revocation_app()
    client = app.test_client()
    with app.app_context():
        refresh, access = create_refresh_token("alice"), create_access_token("alice")
    assert get(client, refresh, "/refresh").status_code == 200
    revoke(app, refresh)
    assert answer(get(client, refresh, "/refresh")) == REVOKED
    assert get(client, access).status_code == 200


def test_revoke_current_token(revocation_app: RevocationAppFactory) -> None:
    app = revocation_app()
    client = app.test_client()
    token, other = token_for(app), token_for(app)
    with app.app_context():
        jti = get_jti(token)
    assert answer(client.post("/revoke", headers=bearer(token))) == (200, {"revoked": jti})
    assert answer(get(client, token)) == REVOKED
    assert answer(client.post("/revoke", headers=bearer(token))) == REVOKED
    assert get(client, other).status_code == 200


def test_revoked_token_is_refused_in_every_location(
    revocation_app: RevocationAppFactory,
) -> None:
    app = revocation_app(JWT_TOKEN_LOCATION=["headers", "cookies", "query_string", "json"])
    live, revoked = token_for(app), token_for(app)
    revoke(app, revoked)

    def by_location(token: str) -> dict[str, Any]:
        client = app.test_client()
        answers = {
            "headers": answer(get(client, token)),
            "query_string": answer(client.get(f"/protected?jwt={token}")),
            "json": answer(client.post("/protected", json={"access_token": token})),
        }
        client.set_cookie("access_token_cookie", token)
        answers["cookies"] = answer(client.get("/protected"))
        return answers

    for location, (status, body) in by_location(live).items():
        assert (status, body["location"]) == (200, location)
    assert by_location(revoked) == dict.fromkeys(
        ["headers", "query_string", "json", "cookies"], REVOKED
    )


def test_skip_revocation_check(revocation_app: RevocationAppFactory) -> None:
    app = revocation_app()
    client = app.test_client()
    token = token_for(app)
    revoke(app, token)
    manager_of(app).token_in_blocklist_loader(lambda header, claims: True)
    assert answer(get(client, token)) == REVOKED
    assert answer(get(client, token, "/unchecked")) == (200, {"identity": "alice"})


def test_store_and_blocklist_loader_are_both_consulted(
    revocation_app: RevocationAppFactory,
) -> None:
    app = revocation_app()
    client = app.test_client()
    in_store, in_loader, clean = token_for(app), token_for(app), token_for(app)
    with app.app_context():
        blocked = {get_jti(in_loader)}
    seen: list[str] = []

    def loader(header: dict[str, Any], claims: dict[str, Any]) -> bool:
        seen.append(claims["jti"])
        return claims["jti"] in blocked

    manager_of(app).token_in_blocklist_loader(loader)
    revoke(app, in_store)
    assert answer(get(client, in_store)) == REVOKED
    assert answer(get(client, in_loader)) == REVOKED
    assert get(client, clean).status_code == 200
    with app.app_context():
        assert get_jti(in_loader) in seen
        assert get_jti(clean) in seen


def test_revoke_without_store_names_the_setting(make_app: AppFactory) -> None:
    app = make_app()
    token = token_for(app)
    with app.app_context():
        with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE"):
            revoke_token(token)
        with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE"):
            revoke_all_tokens("alice")
    with app.test_request_context(headers=bearer(token)):
        with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE"):
            revoke_token()


def test_revoking_a_token_without_jti_is_a_client_error(
    revocation_app: RevocationAppFactory,
) -> None:
    app = revocation_app()
    client = app.test_client()
    # Validly signed, no jti (as from an issuer that does not set one).
    token = jwt.encode({"sub": "alice"}, SECRET, algorithm="HS256")
    with app.app_context():
        assert decode_token(token)["jti"] is None
    assert answer(client.post("/revoke", headers=bearer(token))) == (
        422,
        {"msg": "Missing claim: jti"},
    )
    assert get(client, token).status_code == 200


# --------------------------------------------------------------------------- revoke_all_tokens


def test_revoke_all_tokens(revocation_app: RevocationAppFactory, clock: Clock) -> None:
    app = revocation_app()
    client = app.test_client()
    first, second, bob = token_for(app), token_for(app), token_for(app, "bob")
    clock.advance(60)
    assert client.post("/logout-everywhere", headers=bearer(second)).status_code == 200
    assert answer(get(client, first)) == REVOKED
    assert answer(get(client, second)) == REVOKED
    assert get(client, bob).status_code == 200
    clock.advance(1)
    assert get(client, token_for(app)).status_code == 200


def test_the_cutoff_is_the_start_of_the_next_second(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app()
    client = app.test_client()
    clock.now = 1_800_000_000.0
    before = token_for(app)
    clock.advance(0.3)
    revoke_all(app, "alice")
    # iat counts whole seconds: a token of the same second cannot be told
    # from one issued before the logout, so it is revoked with them.
    clock.advance(0.5)
    same_second = token_for(app)
    assert answer(get(client, before)) == REVOKED
    assert answer(get(client, same_second)) == REVOKED
    clock.now = 1_800_000_001.0
    assert get(client, token_for(app)).status_code == 200


def test_token_made_right_after_the_logout_works_on_the_real_clock(store_url: str) -> None:
    app = create_app(store_url)
    client = app.test_client()
    try:
        for _ in range(3):
            old = client.post("/login", json={"identity": "alice"}).get_json()["access_token"]
            assert client.post("/logout-everywhere", headers=bearer(old)).status_code == 200
            new = client.post("/login", json={"identity": "alice"}).get_json()["access_token"]
            assert answer(get(client, old)) == REVOKED
            assert get(client, new).status_code == 200
    finally:
        app.extensions["flask-jwt-kit.state"].close()


@pytest.mark.parametrize(
    ("identity", "same", "other"),
    [
        pytest.param(42, "42", 43, id="int"),
        pytest.param({"id": 1, "org": "x"}, {"org": "x", "id": 1}, {"id": 1}, id="dict"),
        pytest.param(["a", 1], ["a", 1], [1, "a"], id="list"),
        pytest.param(None, "null", "None", id="null"),
    ],
)
def test_revoke_all_tokens_of_non_string_identities(
    revocation_app: RevocationAppFactory, clock: Clock, identity: Any, same: Any, other: Any
) -> None:
    app = revocation_app(JWT_VERIFY_SUB=False)
    client = app.test_client()
    token, same_user = token_for(app, identity), token_for(app, same)
    other_user = token_for(app, other)
    clock.advance(1)
    revoke_all(app, identity)
    assert answer(get(client, token)) == REVOKED
    # Canonical JSON: equal values (dict order aside, 5 and "5" alike) are one user.
    assert answer(get(client, same_user)) == REVOKED
    assert get(client, other_user).status_code == 200
    clock.advance(1)
    assert get(client, token_for(app, identity)).status_code == 200


@dataclass
class User:
    id: int
    name: str


def test_revoke_all_tokens_of_a_user_object(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app()
    manager_of(app).user_identity_loader(lambda user: user.name)
    client = app.test_client()
    alice, bob = User(1, "alice"), User(2, "bob")
    alice_token, bob_token = token_for(app, alice), token_for(app, bob)
    clock.advance(1)
    revoke_all(app, alice)
    assert answer(get(client, alice_token)) == REVOKED
    assert get(client, bob_token).status_code == 200
    # The identity as it appears in tokens names the same user.
    revoke_all(app, "bob")
    assert answer(get(client, bob_token)) == REVOKED


# --------------------------------------------------------------------------- expiry


@pytest.mark.parametrize("leeway", [0, 60])
def test_redis_entry_lives_as_long_as_the_token(
    make_app: AppFactory, clock: Clock, redis_server: RedisServer, leeway: int
) -> None:
    redis_server.flush()
    # Redis counts TTLs on the real clock.
    clock.now = time.time()
    app = make_app(JWT_REVOCATION_STORE=redis_server.url, JWT_DECODE_LEEWAY=leeway)
    token = token_for(app, expires_delta=dt.timedelta(seconds=600))
    forever = token_for(app, expires_delta=False)
    revoke(app, token)
    revoke(app, forever)
    with redis.Redis.from_url(redis_server.url) as client:
        by_ttl = {key: client.pttl(key) for key in client.keys("jwtkit:jti:*")}
    assert len(by_ttl) == 2
    ttls = sorted(by_ttl.values())
    assert ttls[0] == -1  # the token without exp: kept for good
    # As long as the token is accepted: until exp, and the leeway after it.
    assert 598_000 + leeway * 1000 < ttls[1] <= 600_000 + leeway * 1000
    assert answer(get(app.test_client(), forever)) == REVOKED


def _rows(app: Flask) -> int:
    store = store_of(app)
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as conn:
            count: int = conn.execute("SELECT count(*) FROM jwtkit_revoked_tokens").fetchone()[0]
        return count
    assert isinstance(store, SQLAlchemyStore)
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM jwtkit_revoked_tokens")).scalar_one())


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_purge_removes_rows_of_expired_tokens(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app()
    client = app.test_client()
    token = token_for(app, expires_delta=dt.timedelta(seconds=600))
    forever = token_for(app, expires_delta=False)
    revoke(app, token)
    revoke(app, forever)
    assert _rows(app) == 2
    runner = app.test_cli_runner()
    clock.advance(599)
    assert runner.invoke(args=["jwt", "purge"]).output == "Purged 0 expired entries.\n"
    assert answer(get(client, token)) == REVOKED
    clock.advance(2)
    assert runner.invoke(args=["jwt", "purge"]).output == "Purged 1 expired entry.\n"
    assert _rows(app) == 1
    assert answer(get(client, token)) == (401, {"msg": "Token has expired"})
    # Tokens without exp stay revoked, however late the purge.
    clock.advance(100 * 365 * 86400)
    assert runner.invoke(args=["jwt", "purge"]).output == "Purged 0 expired entries.\n"
    assert answer(get(client, forever)) == REVOKED


def test_revoked_token_stays_revoked_through_the_decode_leeway(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app(JWT_DECODE_LEEWAY=60)
    client = app.test_client()
    token = token_for(app, expires_delta=dt.timedelta(seconds=600))
    revoke(app, token)
    # Past exp, within the leeway: the token would still be accepted.
    clock.advance(630)
    store_of(app).purge_expired(clock())
    assert answer(get(client, token)) == REVOKED
    clock.advance(31)
    assert store_of(app).purge_expired(clock()) >= 1
    assert answer(get(client, token)) == (401, {"msg": "Token has expired"})


def test_revoked_session_stays_revoked_through_the_decode_leeway(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app(
        JWT_DECODE_LEEWAY=60,
        JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(seconds=600),
        JWT_REFRESH_TOKEN_EXPIRES=dt.timedelta(seconds=600),
    )
    client = app.test_client()
    with app.app_context():
        pair = create_token_pair("alice")
        revoke_session(decode_token(pair.access_token)["sid"])
    clock.advance(630)
    store_of(app).purge_expired(clock())
    assert answer(get(client, pair.access_token)) == REVOKED
    assert answer(get(client, pair.refresh_token, "/refresh")) == REVOKED


def test_purge_keeps_what_may_still_be_presented(
    revocation_app: RevocationAppFactory, clock: Clock
) -> None:
    app = revocation_app()
    client = app.test_client()
    token = token_for(app, expires_delta=dt.timedelta(seconds=600))
    forever = token_for(app, expires_delta=False)
    revoke(app, token)
    revoke(app, forever)
    store = store_of(app)
    assert store.purge_expired(clock() + 599) == 0
    assert answer(get(client, token)) == REVOKED
    store.purge_expired(clock() + 100 * 365 * 86400)
    assert answer(get(client, forever)) == REVOKED
