"""What only the Redis store does: TTLs, one round trip, a server that dies."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import ConsumeResult, SessionInfo
from flask_jwt_kit.revocation.redis import RedisStore
from tests.plugins.stores import RedisServer

T0 = 1_900_000_000.0


def key(kind: str, value: str, prefix: str = "jwtkit:") -> str:
    """The documented key layout."""
    return f"{prefix}{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def session(sid: str, identity: str, expires_at: float | None) -> SessionInfo:
    return SessionInfo(sid, identity, T0, T0, expires_at, {"ip": "127.0.0.1"})


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    redis_server.flush()
    with redis.Redis.from_url(redis_server.url, decode_responses=True) as made:
        yield made


@pytest.fixture
def make_store(
    client: redis.Redis, redis_server: RedisServer
) -> Iterator[Callable[..., RedisStore]]:
    """``make_store(**kwargs)``: a store on the test server, clock at T0 by default."""
    made: list[RedisStore] = []

    def factory(**kwargs: Any) -> RedisStore:
        kwargs.setdefault("clock", lambda: T0)
        store = RedisStore(redis_server.url, **kwargs)
        made.append(store)
        return store

    yield factory
    for store in made:
        store.close()


def all_keys(client: redis.Redis) -> set[str]:
    return {name if isinstance(name, str) else name.decode() for name in client.keys()}


def seconds_left(client: redis.Redis, name: str) -> float:
    """The key's TTL in seconds; -1: none, -2: no such key."""
    pttl: int = client.pttl(name)
    return pttl / 1000 if pttl >= 0 else pttl


def test_every_key_lives_as_long_as_its_entry(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    store.revoke_jti("j", T0 + 100)
    store.revoke_session("s", T0 + 200)
    store.revoke_identity("alice", T0, T0 + 300)
    store.save_session(session("s2", "alice", T0 + 400))
    store.consume_refresh("r", T0, 0, T0 + 500)

    expected = {
        key("jti", "j"): 100,
        key("sid", "s"): 200,
        key("cutoff", "alice"): 300,
        key("session", "s2"): 400,
        key("sessions", "alice"): 400,
        key("refresh", "r"): 500,
    }
    for name, life in expected.items():
        assert life - 2 < seconds_left(client, name) <= life, name
    # Only the expiry index is left without a TTL.
    assert all_keys(client) == {*expected, "jwtkit:expiries"}
    assert seconds_left(client, "jwtkit:expiries") == -1


def test_entries_that_never_expire_have_no_ttl(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    store.revoke_jti("j", None)
    store.revoke_session("s", None)
    store.revoke_identity("alice", T0, None)
    store.save_session(session("s2", "alice", None))
    store.consume_refresh("r", T0, 0, None)
    names = all_keys(client)
    assert len(names) == 6
    for name in names:
        assert seconds_left(client, name) == -1, name


def test_ttl_is_extended_never_shortened(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    jti = key("jti", "j")
    store.revoke_jti("j", T0 + 1000)
    store.revoke_jti("j", T0 + 10)
    assert seconds_left(client, jti) > 990
    store.revoke_jti("j", None)
    store.revoke_jti("j", T0 + 10)
    assert seconds_left(client, jti) == -1

    index = key("sessions", "alice")
    store.save_session(session("a", "alice", T0 + 100))
    store.save_session(session("b", "alice", T0 + 1000))
    store.save_session(session("c", "alice", T0 + 10))
    assert seconds_left(client, index) > 990
    store.touch_session("c", T0 + 1, T0 + 5000)
    assert seconds_left(client, key("session", "c")) > 4990
    assert seconds_left(client, index) > 4990
    store.touch_session("c", T0 + 2, None)
    assert seconds_left(client, key("session", "c")) == -1
    assert seconds_left(client, index) == -1
    store.save_session(session("d", "alice", T0 + 10))
    assert seconds_left(client, index) == -1


def test_cutoff_keeps_the_larger_value(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    store.revoke_identity("alice", T0 + 0.25, T0 + 100)
    store.revoke_identity("alice", T0 - 100, T0 + 100)
    assert client.get(key("cutoff", "alice")) == repr(T0 + 0.25)


def test_expired_and_absurd_expiries(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    store.revoke_jti("past", T0 - 10)
    assert client.pttl(key("jti", "past")) in (-2, 0, 1)
    store.revoke_jti("far", 1e300)
    store.revoke_jti("infinite", float("inf"))
    for name in ("far", "infinite"):
        assert seconds_left(client, key("jti", name)) > 2**52 / 1000
        assert store.is_revoked(name, None, None, T0)
    assert store.purge_expired(1e301) == 1


def test_is_revoked_is_one_round_trip(redis_server: RedisServer) -> None:
    sent: list[bytes] = []

    class CountingConnection(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent.append(command if isinstance(command, bytes) else b"".join(command))
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    redis_server.flush()
    pool = redis.ConnectionPool(
        connection_class=CountingConnection, host="127.0.0.1", port=redis_server.port
    )
    with redis.Redis(connection_pool=pool) as client:
        store = RedisStore(client, clock=lambda: T0)
        store.revoke_identity("alice", T0, T0 + 100)
        store.is_revoked("warm-up", None, None, None)
        stats_before = client.info("commandstats")
        sent.clear()

        assert store.is_revoked("j", "alice", "s", T0 - 1) is True
        assert store.is_revoked("j", "alice", "s", T0 + 1) is False

        assert len(sent) == 2 and all(b"MGET" in packet for packet in sent)
        stats_after = client.info("commandstats")
        grown = {
            name
            for name, stats in stats_after.items()
            if stats["calls"] != stats_before.get(name, {}).get("calls", 0)
        }
        assert grown == {"cmdstat_mget", "cmdstat_info"}
        assert stats_after["cmdstat_mget"]["calls"] - stats_before["cmdstat_mget"]["calls"] == 2
        store.close()
        client.ping()  # a client the store was given stays open


def test_consume_refresh_is_one_round_trip(redis_server: RedisServer) -> None:
    sent: list[int] = []

    class CountingConnection(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent.append(1)
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    redis_server.flush()
    pool = redis.ConnectionPool(
        connection_class=CountingConnection, host="127.0.0.1", port=redis_server.port
    )
    with redis.Redis(connection_pool=pool) as client:
        store = RedisStore(client, clock=lambda: T0)
        store.is_revoked("warm-up", None, None, None)
        sent.clear()
        assert store.consume_refresh("r", T0, 0, T0 + 60) is ConsumeResult.CONSUMED
        assert store.consume_refresh("r", T0 + 1, 0, None) is ConsumeResult.REUSED
        assert len(sent) == 2


def test_prefix_separates_stores(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    one, two = make_store(prefix="one:"), make_store(prefix="two:")
    one.revoke_jti("j", T0 + 60)
    one.save_session(session("s", "alice", T0 + 60))
    assert one.is_revoked("j", None, None, T0)
    assert not two.is_revoked("j", None, None, T0)
    assert two.list_sessions("alice", T0) == []
    assert two.purge_expired(T0 + 120) == 0
    assert all(name.startswith("one:") for name in all_keys(client))
    assert one.purge_expired(T0 + 120) == 2


def test_purge_works_in_batches(make_store: Callable[..., RedisStore], client: redis.Redis) -> None:
    store = make_store()
    with client.pipeline(transaction=False) as pipe:
        for n in range(1234):
            pipe.set(f"jwtkit:jti:{n}", "1")
            pipe.zadd("jwtkit:expiries", {f"jwtkit:jti:{n}": T0 + n})
        pipe.execute()
    assert store.purge_expired(T0 + 1000) == 1000
    assert store.purge_expired(T0 + 2000) == 234
    assert client.zcard("jwtkit:expiries") == 0


def test_writes_trim_the_expiry_index(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    make_store().revoke_jti("old", T0 + 10)
    later = make_store(clock=lambda: T0 + 20)
    later.revoke_jti("new", T0 + 100)
    assert client.zrange("jwtkit:expiries", 0, -1) == [key("jti", "new")]
    later.save_session(session("s", "alice", T0 + 200))
    later.revoke_session("s", T0 + 200)
    assert later.purge_expired(T0 + 1000) == 2  # the jti and the sid; the session was deleted


def test_list_sessions_drops_stale_index_entries(
    make_store: Callable[..., RedisStore], client: redis.Redis
) -> None:
    store = make_store()
    store.save_session(session("gone", "alice", T0 + 60))
    store.save_session(session("moved", "alice", T0 + 60))
    store.save_session(session("kept", "alice", T0 + 60))
    client.delete(key("session", "gone"))  # as if Redis had expired it
    store.save_session(session("moved", "bob", T0 + 60))
    assert [s.sid for s in store.list_sessions("alice", T0)] == ["kept"]
    assert client.zcard(key("sessions", "alice")) == 1
    assert [s.sid for s in store.list_sessions("bob", T0)] == ["moved"]


def test_client_decoding_responses(client: redis.Redis) -> None:
    store = RedisStore(client, clock=lambda: T0)
    store.revoke_identity("alice", T0, T0 + 60)
    assert store.is_revoked(None, "alice", None, T0 - 1)
    store.save_session(session("s", "alice", T0 + 60))
    assert store.list_sessions("alice", T0) == [session("s", "alice", T0 + 60)]
    assert store.consume_refresh("r", T0, 5, None) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r", T0 + 1, 5, None) is ConsumeResult.WITHIN_GRACE


def test_repr_hides_passwords() -> None:
    for url in ("redis://user:s3cret@127.0.0.1:1/0", "unix:///tmp/r.sock?password=s3cret&db=1"):
        store = RedisStore(url)
        assert "s3cret" not in repr(store)
        assert "***" in repr(store)
    with redis.Redis(host="127.0.0.1", port=1, password="s3cret") as client:
        shown = repr(RedisStore(client, prefix="app:"))
    assert "s3cret" not in shown
    assert "prefix='app:'" in shown


def test_killed_server_fails_fast_and_keeps_revocations(
    make_store: Callable[..., RedisStore], redis_server: RedisServer
) -> None:
    store = make_store(clock=time.time)
    now = time.time()
    store.revoke_jti("before-crash", now + 600)
    store.save_session(session("s", "alice", now + 600))
    redis_server.stop(kill=True)
    try:
        calls: list[Callable[[], object]] = [
            lambda: store.is_revoked("before-crash", "alice", "s", now),
            lambda: store.revoke_jti("j", now + 60),
            lambda: store.revoke_identity("alice", now, now + 60),
            lambda: store.revoke_session("s", now + 60),
            lambda: store.save_session(session("s2", "alice", now + 60)),
            lambda: store.touch_session("s", now, now + 60),
            lambda: store.list_sessions("alice", now),
            lambda: store.consume_refresh("r", now, 0, now + 60),
            lambda: store.purge_expired(now),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(RevocationStoreUnavailable) as caught:
                call()
            assert time.monotonic() - started < 1.0
            assert caught.value.status_code == 503
            assert isinstance(caught.value.__cause__, redis.RedisError)
    finally:
        redis_server.start()
    # The append-only file kept what was written before the crash, and the
    # store reconnects by itself.
    assert store.is_revoked("before-crash", None, None, now) is True
    assert [s.sid for s in store.list_sessions("alice", now)] == ["s"]
    # Scripts are loaded again into the restarted server.
    store.revoke_jti("after-restart", now + 60)
    assert store.is_revoked("after-restart", None, None, now) is True


def test_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:
        # The kernel completes connections into the backlog; nobody reads them.
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        store = RedisStore(f"redis://127.0.0.1:{port}/0", timeout=0.2)
        started = time.monotonic()
        with pytest.raises(RevocationStoreUnavailable):
            store.is_revoked("j", None, None, None)
        assert time.monotonic() - started < 2.0
        store.close()
