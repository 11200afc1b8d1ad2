"""The RevocationStore contract, run on every back end through ``store``."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from flask_jwt_kit.revocation import ConsumeResult, RevocationStore, SessionInfo

HOUR = 3600.0

Revoke = Callable[[RevocationStore, "float | None"], None]


@pytest.fixture
def now() -> float:
    # Real time: Redis turns expiries into TTLs counted from its own clock.
    return float(int(time.time()))


def session(
    sid: str,
    identity: str = "alice",
    created_at: float = 0.0,
    expires_at: float | None = None,
    **metadata: str,
) -> SessionInfo:
    return SessionInfo(
        sid=sid,
        identity=identity,
        created_at=created_at,
        last_refreshed_at=created_at,
        expires_at=expires_at,
        metadata=metadata,
    )


def test_is_a_revocation_store(store: RevocationStore) -> None:
    assert isinstance(store, RevocationStore)


def test_nothing_to_check_is_not_revoked(store: RevocationStore) -> None:
    assert store.is_revoked(None, None, None, None) is False


def test_revoke_jti(store: RevocationStore, now: float) -> None:
    assert store.is_revoked("j1", None, None, now) is False
    store.revoke_jti("j1", now + HOUR)
    store.revoke_jti("j-forever", None)
    assert store.is_revoked("j1", None, None, now) is True
    assert store.is_revoked("j-forever", None, None, None) is True
    assert store.is_revoked("j2", None, None, now) is False
    # The other claims of a token with a revoked jti change nothing.
    assert store.is_revoked("j1", "alice", "s1", now) is True


def test_revoking_twice_is_harmless(store: RevocationStore, now: float) -> None:
    store.revoke_jti("j1", now + HOUR)
    store.revoke_jti("j1", now + HOUR)
    assert store.is_revoked("j1", None, None, now) is True


def test_identity_cutoff(store: RevocationStore, now: float) -> None:
    store.revoke_identity("alice", now, now + HOUR)
    assert store.is_revoked(None, "alice", None, now - 10) is True
    # A token without iat counts as issued at the epoch.
    assert store.is_revoked(None, "alice", None, None) is True
    # Issued at or after the cut-off: not revoked.
    assert store.is_revoked(None, "alice", None, now) is False
    assert store.is_revoked(None, "alice", None, now + 1) is False
    assert store.is_revoked(None, "bob", None, now - 10) is False
    assert store.is_revoked("j", "alice", "s", now + 1) is False


def test_later_cutoff_wins_and_earlier_never_replaces_it(
    store: RevocationStore, now: float
) -> None:
    store.revoke_identity("alice", now, now + HOUR)
    store.revoke_identity("alice", now + 100, now + HOUR)
    assert store.is_revoked(None, "alice", None, now + 50) is True
    store.revoke_identity("alice", now + 10, now + HOUR)
    assert store.is_revoked(None, "alice", None, now + 50) is True
    assert store.is_revoked(None, "alice", None, now + 100) is False


def test_revoked_session(store: RevocationStore, now: float) -> None:
    store.revoke_session("s1", now + HOUR)
    assert store.is_revoked(None, None, "s1", now) is True
    assert store.is_revoked("j", "alice", "s1", now) is True
    assert store.is_revoked(None, None, "s2", now) is False


def test_kinds_do_not_mix(store: RevocationStore, now: float) -> None:
    store.revoke_jti("same", None)
    assert store.is_revoked(None, "same", "same", None) is False
    store.revoke_session("other", None)
    assert store.is_revoked("other", "other", None, None) is False
    store.revoke_identity("third", now, None)
    assert store.is_revoked("third", None, "third", None) is False


def test_sessions_listed_newest_first(store: RevocationStore, now: float) -> None:
    store.save_session(session("s1", created_at=now - 30, expires_at=now + HOUR, ua="curl"))
    store.save_session(session("s3", created_at=now - 10, expires_at=None))
    store.save_session(session("s2", created_at=now - 20, expires_at=now + HOUR))
    store.save_session(session("b1", identity="bob", created_at=now, expires_at=now + HOUR))
    listed = store.list_sessions("alice", now)
    assert [s.sid for s in listed] == ["s3", "s2", "s1"]
    assert listed[2] == session("s1", created_at=now - 30, expires_at=now + HOUR, ua="curl")
    assert [s.sid for s in store.list_sessions("bob", now)] == ["b1"]
    assert store.list_sessions("carol", now) == []


def test_equal_creation_times_are_ordered_by_sid(store: RevocationStore, now: float) -> None:
    for sid in ("b", "c", "a"):
        store.save_session(session(sid, created_at=now))
    assert [s.sid for s in store.list_sessions("alice", now)] == ["a", "b", "c"]


def test_save_session_replaces(store: RevocationStore, now: float) -> None:
    store.save_session(session("s1", created_at=now - 5, expires_at=now + 60, ip="10.0.0.1"))
    store.save_session(session("s1", created_at=now, expires_at=now + HOUR, ip="10.0.0.2"))
    assert store.list_sessions("alice", now) == [
        session("s1", created_at=now, expires_at=now + HOUR, ip="10.0.0.2")
    ]


def test_touch_session(store: RevocationStore, now: float) -> None:
    store.save_session(session("s1", created_at=now - 100, expires_at=now + 60))
    store.touch_session("s1", now, now + HOUR)
    [info] = store.list_sessions("alice", now)
    assert (info.created_at, info.last_refreshed_at, info.expires_at) == (
        now - 100,
        now,
        now + HOUR,
    )
    store.touch_session("s1", now + 1, None)
    [info] = store.list_sessions("alice", now + 10 * HOUR)
    assert (info.last_refreshed_at, info.expires_at) == (now + 1, None)


def test_touch_unknown_session_does_nothing(store: RevocationStore, now: float) -> None:
    store.touch_session("ghost", now, now + HOUR)
    assert store.list_sessions("alice", now) == []


def test_revoked_session_is_not_listed(store: RevocationStore, now: float) -> None:
    store.save_session(session("s1", created_at=now, expires_at=now + HOUR))
    store.save_session(session("s2", created_at=now, expires_at=now + HOUR))
    store.revoke_session("s1", now + HOUR)
    assert [s.sid for s in store.list_sessions("alice", now)] == ["s2"]
    assert store.is_revoked(None, "alice", "s1", now) is True
    assert store.is_revoked(None, "alice", "s2", now) is False
    # Saved again after its revocation, the session stays revoked and hidden.
    store.save_session(session("s1", created_at=now, expires_at=now + HOUR))
    assert [s.sid for s in store.list_sessions("alice", now)] == ["s2"]


def test_expired_session_is_not_listed(store: RevocationStore, now: float) -> None:
    store.save_session(session("old", created_at=now - 200, expires_at=now + 100))
    store.save_session(session("edge", created_at=now - 100, expires_at=now + 200))
    store.save_session(session("new", created_at=now, expires_at=now + HOUR))
    assert [s.sid for s in store.list_sessions("alice", now + 200)] == ["new", "edge"]


def test_consume_refresh(store: RevocationStore, now: float) -> None:
    exp = now + HOUR
    assert store.consume_refresh("r1", now, 10, exp) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r1", now + 5, 10, exp) is ConsumeResult.WITHIN_GRACE
    assert store.consume_refresh("r1", now + 10, 10, exp) is ConsumeResult.WITHIN_GRACE
    assert store.consume_refresh("r1", now + 11, 10, exp) is ConsumeResult.REUSED
    # Later uses are measured from the first one, not the last.
    assert store.consume_refresh("r1", now + 1, 10, exp) is ConsumeResult.WITHIN_GRACE
    assert store.consume_refresh("r2", now + 11, 10, exp) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r3", now, 0, None) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r3", now + 0.5, 0, None) is ConsumeResult.REUSED


def test_consume_refresh_race(store: RevocationStore, now: float) -> None:
    threads = 16
    barrier = threading.Barrier(threads)
    results: list[ConsumeResult] = []

    def use() -> None:
        barrier.wait()
        results.append(store.consume_refresh("raced", now, 0, now + HOUR))

    workers = [threading.Thread(target=use) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Same instant, grace 0: the losers are within grace, never consumers.
    assert Counter(results) == {
        ConsumeResult.CONSUMED: 1,
        ConsumeResult.WITHIN_GRACE: threads - 1,
    }


def test_purge_expired(store: RevocationStore, now: float) -> None:
    soon = now + 100
    store.revoke_jti("j-soon", soon)
    store.revoke_jti("j-never", None)
    store.revoke_session("s-soon", soon)
    store.revoke_session("s-never", None)
    store.revoke_identity("i-soon", now, soon)
    store.revoke_identity("i-never", now, None)
    store.save_session(session("live-soon", created_at=now, expires_at=soon))
    store.save_session(session("live-never", created_at=now, expires_at=None))
    store.consume_refresh("r-soon", now, 0, soon)
    store.consume_refresh("r-never", now, 0, None)

    assert store.purge_expired(now + 50) == 0
    assert store.purge_expired(soon) == 0  # expiring at `now` is not yet expired
    assert store.purge_expired(now + 150) == 5
    assert store.purge_expired(now + 150) == 0

    assert store.is_revoked("j-soon", None, None, now) is False
    assert store.is_revoked(None, None, "s-soon", now) is False
    assert store.is_revoked(None, "i-soon", None, now - 1) is False
    assert store.is_revoked("j-never", None, None, now) is True
    assert store.is_revoked(None, None, "s-never", now) is True
    assert store.is_revoked(None, "i-never", None, now - 1) is True
    assert [s.sid for s in store.list_sessions("alice", now)] == ["live-never"]
    assert store.consume_refresh("r-soon", now + 150, 0, None) is ConsumeResult.CONSUMED
    assert store.consume_refresh("r-never", now + 150, 0, None) is ConsumeResult.REUSED


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(lambda s, e: s.revoke_jti("k", e), id="jti"),
        pytest.param(lambda s, e: s.revoke_session("k", e), id="sid"),
        pytest.param(lambda s, e: s.revoke_identity("k", 1.0, e), id="identity"),
    ],
)
def test_revocation_keeps_the_later_expiry(
    store: RevocationStore, now: float, revoke: Revoke
) -> None:
    revoke(store, now + 1000)
    revoke(store, now + 10)
    assert store.purge_expired(now + 500) == 0
    assert store.is_revoked("k", "k", "k", 0.0)
    revoke(store, None)
    revoke(store, now + 10)
    assert store.purge_expired(now + 10 * HOUR) == 0
    assert store.is_revoked("k", "k", "k", 0.0)
    assert store.is_revoked("x", "x", "x", 0.0) is False


def test_close_is_allowed_twice(store: RevocationStore) -> None:
    store.close()
    store.close()
