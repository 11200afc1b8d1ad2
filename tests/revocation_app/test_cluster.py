"""The Redis store on a real Redis Cluster of three primaries.

The store contract and odd-strings tests of ``tests/revocation`` run here
too, on a cluster store (this module's ``store`` fixture), then what only a
cluster brings: one slot, one round trip, a node that dies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from redis.cluster import RedisCluster

from flask_jwt_kit import revoke_all_tokens, revoke_token
from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import RedisStore, RevocationStore, SessionInfo, store_from_config
from flask_jwt_kit.revocation.redis import _check_cluster_support
from tests.conftest import AppFactory, Clock
from tests.revocation.test_contract import (  # noqa: F401 - collected here, on a cluster
    now,
    test_close_is_allowed_twice,
    test_consume_refresh,
    test_consume_refresh_race,
    test_equal_creation_times_are_ordered_by_sid,
    test_expired_session_is_not_listed,
    test_identity_cutoff,
    test_is_a_revocation_store,
    test_kinds_do_not_mix,
    test_later_cutoff_wins_and_earlier_never_replaces_it,
    test_nothing_to_check_is_not_revoked,
    test_purge_expired,
    test_revocation_keeps_the_later_expiry,
    test_revoke_jti,
    test_revoked_session,
    test_revoked_session_is_not_listed,
    test_revoking_twice_is_harmless,
    test_save_session_replaces,
    test_sessions_listed_newest_first,
    test_touch_session,
    test_touch_unknown_session_does_nothing,
)
from tests.revocation.test_odd_strings import (  # noqa: F401 - collected here, on a cluster
    test_any_text_round_trips,
    test_odd_strings_match_exactly,
)
from tests.revocation_app.conftest import (
    REVOKED,
    UNAVAILABLE,
    RedisClusterNodes,
    answer,
    get,
    store_of,
    token_for,
    wait_until,
)

FAIL_FAST = 1.0


@pytest.fixture
def store(redis_cluster: RedisClusterNodes) -> Iterator[RevocationStore]:
    """An empty store on the cluster, from its URL (replaces the every-back-end fixture)."""
    redis_cluster.flush()
    made = store_from_config(redis_cluster.url)
    assert isinstance(made, RedisStore)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def cluster_client(redis_cluster: RedisClusterNodes) -> Iterator[RedisCluster]:
    redis_cluster.flush()
    port = redis_cluster.ports[0][0]
    with RedisCluster(host="127.0.0.1", port=port, decode_responses=True) as client:
        yield client
        client.disconnect_connection_pools()


def keys_by_node(nodes: RedisClusterNodes) -> dict[int, list[str]]:
    """The keys each node holds, by index, for nodes holding any."""
    found = {}
    for index, (port, _) in enumerate(nodes.ports):
        with redis.Redis(host="127.0.0.1", port=port, decode_responses=True) as node:
            keys: list[str] = node.keys()
        if keys:
            found[index] = sorted(keys)
    return found


def test_every_key_is_in_one_slot(store: RevocationStore, redis_cluster: RedisClusterNodes) -> None:
    t = float(int(time.time()))
    store.revoke_jti("j", t + 60)
    store.revoke_identity("alice", t, None)
    store.revoke_session("s1", t + 60)
    store.save_session(SessionInfo("s2", "alice", t, t, t + 60, {"ip": "::1"}))
    store.touch_session("s2", t + 1, t + 120)
    store.consume_refresh("r", t, 0, t + 60)
    assert [s.sid for s in store.list_sessions("alice", t)] == ["s2"]
    (keys,) = keys_by_node(redis_cluster).values()
    assert len(keys) == 7  # jti, cutoff, sid, session, sessions, refresh, expiries
    # The hash tag: Redis hashes only what is between the braces.
    assert all(key.startswith("{jwtkit}:") for key in keys)


def test_prefix_must_hold_a_hash_tag(cluster_client: RedisCluster) -> None:
    for prefix in ("app:", "{}app:", "app{:"):
        with pytest.raises(ValueError, match="hash tag"):
            RedisStore(cluster_client, prefix=prefix)
    store = RedisStore(cluster_client, prefix="{app}:")
    store.revoke_jti("j", None)
    assert store.is_revoked("j", None, None, None) is True
    assert RedisStore(cluster_client).is_revoked("j", None, None, None) is False
    assert RedisStore(cluster_client).prefix == "{jwtkit}:"


def test_store_from_a_url_makes_its_client_on_first_use(
    redis_cluster: RedisClusterNodes,
) -> None:
    store = store_from_config(redis_cluster.url)
    assert isinstance(store, RedisStore)
    store.close()  # nothing made yet, nothing to close
    store = RedisStore(redis_cluster.url)
    assert isinstance(store.client, RedisCluster)
    store.close()
    down = RedisStore("redis+cluster://127.0.0.1:1")
    with pytest.raises(RevocationStoreUnavailable):
        _ = down.client


def test_old_redis_py_is_refused_for_a_cluster() -> None:
    with pytest.raises(RuntimeError, match=r"redis-py 6\.1 or later, not 5\.2\.1"):
        _check_cluster_support("5.2.1")
    _check_cluster_support("6.1.0")


def test_config_urls() -> None:
    for url in ("redis+cluster://h:7000", "rediss+cluster://u:s3cret@h:7000/0"):
        store = store_from_config(url)
        assert isinstance(store, RedisStore)
        assert store.prefix == "{jwtkit}:"
        assert "s3cret" not in repr(store)
    with pytest.raises(RuntimeError, match="malformed URL") as caught:
        store_from_config("redis+cluster://u:s3cret@h:notaport")
    assert "s3cret" not in str(caught.value)


def test_revocation_through_two_apps_on_the_cluster(
    make_app: AppFactory, redis_cluster: RedisClusterNodes, clock: Clock
) -> None:
    redis_cluster.flush()
    one = make_app(JWT_REVOCATION_STORE=redis_cluster.url)
    two = make_app(JWT_REVOCATION_STORE=redis_cluster.url)
    assert store_of(one) is not store_of(two)
    token, other, bob = token_for(one), token_for(one), token_for(one, "bob")
    with one.app_context():
        revoke_token(token)
    assert answer(get(two.test_client(), token)) == REVOKED
    assert get(two.test_client(), other).status_code == 200
    clock.advance(1)
    with two.app_context():
        revoke_all_tokens("alice")
    assert answer(get(one.test_client(), other)) == REVOKED
    assert get(one.test_client(), bob).status_code == 200


def test_one_command_per_verified_request(
    make_app: AppFactory, redis_cluster: RedisClusterNodes
) -> None:
    redis_cluster.flush()
    app = make_app(JWT_REVOCATION_STORE=redis_cluster.url)
    client = app.test_client()
    token = token_for(app)
    with app.app_context():
        pair_claims = {"sid": "a-session"}
        revoke_token(token_for(app))
    session_token = token_for(app, additional_claims=pair_claims)
    admins = [
        redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
        for port, _ in redis_cluster.ports
    ]

    def commands() -> int:
        # Each node counts its own; less the INFO that reads them.
        return sum(sum(s["calls"] for s in a.info("commandstats").values()) for a in admins)

    try:
        for request_token in (token, session_token, token):
            before = commands()
            assert get(client, request_token).status_code == 200
            assert commands() - before - len(admins) == 1
    finally:
        for admin in admins:
            admin.close()


def test_app_starts_while_the_cluster_is_down(make_app: AppFactory) -> None:
    # Nothing listens on port 1: the client is made, and fails, on first use.
    app = make_app(JWT_REVOCATION_STORE="redis+cluster://127.0.0.1:1")
    started = time.monotonic()
    assert answer(get(app.test_client(), token_for(app))) == UNAVAILABLE
    assert time.monotonic() - started < FAIL_FAST


def test_node_holding_the_slot_killed_and_restarted(
    make_app: AppFactory, redis_cluster: RedisClusterNodes
) -> None:
    redis_cluster.flush()
    app = make_app(JWT_REVOCATION_STORE=redis_cluster.url, TESTING=False)
    client = app.test_client()
    live, revoked = token_for(app), token_for(app)
    with app.app_context():
        revoke_token(revoked)
    (index,) = keys_by_node(redis_cluster)
    redis_cluster.stop(index)
    try:
        for token in (live, revoked):
            started = time.monotonic()
            assert answer(get(client, token)) == UNAVAILABLE
            assert time.monotonic() - started < FAIL_FAST
    finally:
        redis_cluster.start(index)
        redis_cluster.wait_healthy()
    # The node comes back with its append-only file: revocations hold.
    wait_until(lambda: get(client, live).status_code == 200, timeout=30)
    assert answer(get(client, revoked)) == REVOKED
