"""The decode cache: it speeds up verification and never changes an outcome.

Every test compares an app with the cache on against what a full decode
gives; the last one does so for random sequences of tokens, clock moves,
revocations, setting changes and key rotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    get_jwt_header,
    jwt_required,
)
from tests.conftest import SECRET, AppFactory, Clock, add_views, bearer
from tests.core.conftest import raw_token, state_of

OTHER_SECRET = "other-" + "o" * 58


def get(app: Flask, token: str, path: str = "/protected") -> tuple[int, Any]:
    response = app.test_client().get(path, headers=bearer(token))
    return response.status_code, response.json


def outcome(app: Flask, token: str, **kwargs: Any) -> tuple[str, Any]:
    """What decode_token says about *token*: its claims or its error."""
    with app.app_context():
        try:
            return "ok", decode_token(token, **kwargs)
        except Exception as error:  # the outcome is what is compared
            return type(error).__name__, str(error)


@pytest.fixture
def pair(make_app: AppFactory) -> tuple[Flask, Flask]:
    """The same app twice: with the decode cache, and without it."""
    return make_app(), make_app(JWT_DECODE_CACHE_SIZE=0)


def test_cached_and_uncached_apps_answer_the_same(pair: tuple[Flask, Flask], clock: Clock) -> None:
    cached, uncached = pair
    with cached.app_context():
        access = create_access_token("alice")
        refresh = create_refresh_token("alice")
        short = create_access_token("bob", expires_delta=30)
    tampered = access[:-3] + ("abc" if access[-3:] != "abc" else "xyz")
    tokens = [access, refresh, short, tampered, "garbage", raw_token({"iat": 0})]
    for _ in range(3):  # the first round fills the cache, the next ones hit it
        for token in tokens:
            for path in ("/protected", "/refresh", "/fresh", "/any"):
                assert get(cached, token, path) == get(uncached, token, path)
            assert outcome(cached, token) == outcome(uncached, token)
        clock.advance(20)
    assert len(state_of(cached).decode_cache) > 0
    assert len(state_of(uncached).decode_cache) == 0


def test_a_cached_token_still_expires_with_the_clock(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_access_token("alice", expires_delta=60)
    assert get(app, token)[0] == 200
    assert get(app, token)[0] == 200
    assert len(state_of(app).decode_cache) == 1
    clock.advance(60)
    assert get(app, token) == (401, {"msg": "Token has expired"})
    assert outcome(app, token) == ("ExpiredSignatureError", "Signature has expired")
    assert outcome(app, token, allow_expired=True)[0] == "ok"


def test_a_cached_token_not_yet_valid_stays_invalid_until_its_time(
    app: Flask, clock: Clock
) -> None:
    token = raw_token({"sub": "a", "nbf": int(clock.now) + 30})
    assert get(app, token) == (422, {"msg": "The token is not yet valid (nbf)"})
    assert get(app, token)[0] == 422
    clock.advance(30)
    assert get(app, token)[0] == 200


def test_revocation_applies_on_cache_hits(app: Flask) -> None:
    revoked: set[str] = set()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.token_in_blocklist_loader(lambda header, claims: claims["jti"] in revoked)
    with app.app_context():
        token = create_access_token("alice")
        jti = decode_token(token)["jti"]
    assert get(app, token)[0] == 200
    assert get(app, token)[0] == 200
    revoked.add(jti)
    assert get(app, token) == (401, {"msg": "Token has been revoked"})
    revoked.clear()
    assert get(app, token)[0] == 200


def test_the_csrf_value_is_checked_on_cache_hits(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice")
        csrf = decode_token(token)["csrf"]
    assert outcome(app, token, csrf_value=csrf)[0] == "ok"
    assert outcome(app, token, csrf_value="wrong") == (
        "CSRFError",
        "CSRF double submit tokens do not match",
    )


def test_changing_the_secret_invalidates(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice")
    assert get(app, token)[0] == 200
    app.config["JWT_SECRET_KEY"] = OTHER_SECRET
    assert get(app, token) == (422, {"msg": "Signature verification failed"})
    app.config["JWT_SECRET_KEY"] = SECRET
    assert get(app, token)[0] == 200


def test_a_verification_under_replaced_settings_does_not_fill_the_new_cache(app: Flask) -> None:
    # A request that read the settings before a secret rotation finishes
    # verifying after it: its verdict, right under the old secret, must not
    # be cached for the requests that hold the new settings.
    from flask_jwt_kit.tokens import verify

    state = state_of(app)
    with app.app_context():
        token = create_access_token("a")
    before = state.settings
    app.config["JWT_SECRET_KEY"] = OTHER_SECRET
    after = state.settings
    assert after is not before
    assert verify(state, before, token).claims["sub"] == "a"
    assert len(state.decode_cache) == 0
    with pytest.raises(jwt.InvalidSignatureError):
        verify(state, after, token)
    assert get(app, token)[0] == 422


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("JWT_DECODE_AUDIENCE", "api", (422, {"msg": 'Token is missing the "aud" claim'})),
        ("JWT_DECODE_ISSUER", "me", (422, {"msg": 'Token is missing the "iss" claim'})),
        ("JWT_IDENTITY_CLAIM", "uid", (422, {"msg": "Missing claim: uid"})),
        ("JWT_ALGORITHM", "HS512", (422, {"msg": "The specified alg value is not allowed"})),
        ("JWT_MAX_TOKEN_LENGTH", 20, (422, {"msg": "Token is too large (over 20 characters)"})),
        (
            "JWT_ACCESS_TOKEN_TYP",
            "at+jwt",
            (422, {"msg": "Invalid header: 'typ' must be 'at+jwt'"}),
        ),
    ],
)
def test_changing_a_decode_setting_invalidates(
    app: Flask, key: str, value: Any, expected: tuple[int, Any]
) -> None:
    with app.app_context():
        token = create_access_token("alice")
    assert get(app, token)[0] == 200
    app.config[key] = value
    assert get(app, token) == expected


def test_registering_a_key_loader_invalidates(app: Flask) -> None:
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    with app.app_context():
        token = create_access_token("alice")
    assert get(app, token)[0] == 200
    manager.decode_key_loader(lambda header, claims: OTHER_SECRET)
    assert get(app, token) == (422, {"msg": "Signature verification failed"})


def test_a_key_loader_is_asked_on_every_use(app: Flask) -> None:
    keys = {"alice": SECRET}
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.decode_key_loader(lambda header, claims: keys.get(claims["sub"], "-"))
    with app.app_context():
        token = create_access_token("alice")
    assert get(app, token)[0] == 200
    assert get(app, token)[0] == 200
    # The loader's answer may change at any time (a key was withdrawn).
    keys["alice"] = OTHER_SECRET
    assert get(app, token) == (422, {"msg": "Signature verification failed"})


@pytest.mark.parametrize("size", [1, 3])
def test_the_cache_is_bounded(make_app: AppFactory, size: int) -> None:
    app = make_app(JWT_DECODE_CACHE_SIZE=size)
    with app.app_context():
        tokens = [create_access_token(f"user{i}") for i in range(10)]
    for _ in range(2):
        for i, token in enumerate(tokens):
            status, body = get(app, token)
            assert status == 200 and body["identity"] == f"user{i}"
            assert len(state_of(app).decode_cache) <= size
    assert len(state_of(app).decode_cache) == size


def test_a_zero_size_cache_caches_nothing(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_CACHE_SIZE=0)
    with app.app_context():
        token = create_access_token("alice")
    assert get(app, token)[0] == 200
    assert get(app, token)[0] == 200
    assert len(state_of(app).decode_cache) == 0


def test_invalid_tokens_are_never_cached(app: Flask) -> None:
    for token in ("garbage", raw_token({"sub": "a"}, key=OTHER_SECRET), raw_token({"x": 1})):
        assert get(app, token)[0] == 422
    assert len(state_of(app).decode_cache) == 0


def test_editing_claims_in_a_view_does_not_poison_the_next_request(app: Flask) -> None:
    @app.get("/edit")
    @jwt_required()
    def edit() -> Any:
        claims, header = get_jwt(), get_jwt_header()
        seen = {"sub": claims["sub"], "roles": list(claims["roles"]), "alg": header["alg"]}
        claims["sub"] = "mallory"
        claims["roles"].append("admin")
        claims["org"]["id"] = 666
        claims.pop("exp")
        header["alg"] = "none"
        return jsonify(seen)

    with app.app_context():
        token = create_access_token(
            "alice", additional_claims={"roles": ["user"], "org": {"id": 1}}
        )
    expected = {"sub": "alice", "roles": ["user"], "alg": "HS256"}
    client = app.test_client()
    for _ in range(3):
        assert client.get("/edit", headers=bearer(token)).json == expected
    status, body = get(app, token)
    assert status == 200
    assert body["claims"]["roles"] == ["user"] and body["claims"]["org"] == {"id": 1}


def test_editing_claims_in_callbacks_does_not_poison_the_cache(app: Flask) -> None:
    manager: JWTManager = app.extensions["flask-jwt-kit"]

    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> str:
        user: str = claims["sub"]
        claims["sub"] = "mallory"
        claims["roles"].append("admin")
        return user

    with app.app_context():
        token = create_access_token("alice", additional_claims={"roles": ["user"]})
    for _ in range(3):
        status, body = get(app, token)
        assert status == 200
        assert body["claims"]["roles"] == ["user", "admin"]  # this request's own copy
    with app.app_context():
        assert decode_token(token)["roles"] == ["user"]
        assert decode_token(token)["sub"] == "alice"


def test_editing_what_decode_token_returned_does_not_poison_the_cache(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice", additional_claims={"roles": ["user"]})
        first = decode_token(token)
        first["roles"].append("admin")
        first["sub"] = "mallory"
        assert decode_token(token)["roles"] == ["user"]
    status, body = get(app, token)
    assert body["identity"] == "alice" and body["claims"]["roles"] == ["user"]


# --------------------------------------------------------------------------- property


SECRETS = (SECRET, OTHER_SECRET, "third-" + "t" * 58)


@dataclass
class World:
    """Two apps that differ only in their decode cache, sharing a clock and a blocklist."""

    clock: Clock
    cached: Flask
    uncached: Flask
    revoked: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)

    def apps(self) -> tuple[Flask, Flask]:
        return self.cached, self.uncached

    def configure(self, key: str, value: Any) -> None:
        for app in self.apps():
            app.config[key] = value


def make_world(cache_size: int) -> World:
    clock = Clock()
    world = World(clock, Flask("cached"), Flask("uncached"))
    for app, size in ((world.cached, cache_size), (world.uncached, 0)):
        app.config.update(TESTING=True, JWT_SECRET_KEY=SECRET, JWT_DECODE_CACHE_SIZE=size)
        manager = JWTManager(app, clock=clock)
        manager.token_in_blocklist_loader(lambda header, claims: claims.get("jti") in world.revoked)
        add_views(app)
    return world


PATHS = ("/protected", "/refresh", "/fresh", "/any")

OPERATIONS = st.one_of(
    st.tuples(
        st.just("issue"),
        st.sampled_from(["access", "refresh"]),
        st.sampled_from([None, 1, 30, 600, False]),
        st.booleans(),
    ),
    st.tuples(st.just("tamper"), st.integers(0, 20)),
    st.tuples(st.just("garbage"), st.text(alphabet="ab.-_=", max_size=12)),
    st.tuples(st.just("advance"), st.integers(0, 900)),
    st.tuples(st.just("revoke"), st.integers(0, 20)),
    st.tuples(st.just("secret"), st.integers(0, len(SECRETS) - 1)),
    st.tuples(st.just("algorithm"), st.sampled_from(["HS256", "HS512"])),
    st.tuples(st.just("leeway"), st.sampled_from([0, 5, 120])),
    st.tuples(st.just("audience"), st.sampled_from([None, "api"])),
    st.tuples(st.just("check"), st.integers(0, 20), st.sampled_from(PATHS)),
)


def flip_signature(token: str) -> str:
    head, _, signature = token.rpartition(".")
    if not signature:
        return token + "x"
    swapped = "A" if signature[-1] != "A" else "B"
    return f"{head}.{signature[:-1]}{swapped}"


def assert_same(world: World, token: str, path: str) -> None:
    assert get(world.cached, token, path) == get(world.uncached, token, path)
    assert outcome(world.cached, token) == outcome(world.uncached, token)


def run(world: World, operations: list[tuple[Any, ...]]) -> None:
    def pick(index: int) -> str:
        return world.tokens[index % len(world.tokens)]

    for operation in operations:
        kind = operation[0]
        if kind == "issue":
            _, token_type, expires, fresh = operation
            with world.cached.app_context():
                if token_type == "access":
                    token = create_access_token("alice", fresh=fresh, expires_delta=expires)
                else:
                    token = create_refresh_token("alice", expires_delta=expires)
            world.tokens.append(token)
        elif kind == "garbage":
            world.tokens.append(operation[1])
        elif kind == "advance":
            world.clock.advance(operation[1])
        elif kind == "secret":
            world.configure("JWT_SECRET_KEY", SECRETS[operation[1]])
        elif kind == "algorithm":
            world.configure("JWT_ALGORITHM", operation[1])
        elif kind == "leeway":
            world.configure("JWT_DECODE_LEEWAY", operation[1])
        elif kind == "audience":
            world.configure("JWT_DECODE_AUDIENCE", operation[1])
        elif not world.tokens:
            continue
        elif kind == "tamper":
            world.tokens.append(flip_signature(pick(operation[1])))
        elif kind == "revoke":
            try:
                claims = jwt.decode(pick(operation[1]), options={"verify_signature": False})
            except jwt.PyJWTError:
                continue
            world.revoked.add(str(claims.get("jti")))
        else:
            assert_same(world, pick(operation[1]), operation[2])
            continue
        # After every change, every token (which may sit in the cache) is compared.
        for token in world.tokens:
            assert_same(world, token, "/protected")
    for token in world.tokens:
        for path in PATHS:
            assert_same(world, token, path)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    cache_size=st.sampled_from([2, 10_000]),
    operations=st.lists(OPERATIONS, max_size=20),
)
def test_cached_and_uncached_outcomes_never_differ(
    cache_size: int, operations: list[tuple[Any, ...]]
) -> None:
    world = make_world(cache_size)
    try:
        run(world, operations)
    finally:
        for app in world.apps():
            state_of(app).close()


def test_the_property_runner_covers_every_operation() -> None:
    # A fixed sequence through the same runner, so a regression shows even
    # if the random search happens not to reach it.
    world = make_world(2)
    operations: list[tuple[Any, ...]] = [
        ("check", 0, "/protected"),
        ("tamper", 0),
        ("revoke", 0),
        ("issue", "access", None, True),
        ("issue", "refresh", 30, False),
        ("issue", "access", False, False),
        ("garbage", "a.b"),
        ("garbage", ""),
        ("tamper", 3),
        ("tamper", 4),
        ("check", 0, "/fresh"),
        ("check", 1, "/refresh"),
        ("revoke", 0),
        ("revoke", 3),
        ("check", 0, "/protected"),
        ("advance", 31),
        ("check", 1, "/refresh"),
        ("leeway", 120),
        ("check", 1, "/refresh"),
        ("secret", 1),
        ("check", 2, "/any"),
        ("issue", "access", 600, False),
        ("algorithm", "HS512"),
        ("check", 7, "/protected"),
        ("issue", "access", 600, False),
        ("audience", "api"),
        ("check", 8, "/protected"),
        ("audience", None),
        ("secret", 0),
    ]
    try:
        run(world, operations)
    finally:
        for app in world.apps():
            state_of(app).close()
