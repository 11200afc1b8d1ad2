"""Strings of every shape are stored and matched exactly, on every back end."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_jwt_kit.revocation import ConsumeResult, RevocationStore, SessionInfo

ODD = [
    pytest.param("it's", id="single-quote"),
    pytest.param('say "hi"', id="double-quote"),
    pytest.param("nul\x00byte", id="nul"),
    pytest.param("\x00", id="only-nul"),
    pytest.param("line\nbreak\r\n", id="newlines"),
    pytest.param("x" * 10240, id="10kB"),
    pytest.param("ünïcødé ✓ 日本語 🎉", id="non-ascii"),
    pytest.param("'; DROP TABLE jwtkit_revoked_tokens; --", id="sql"),
    pytest.param("%s ? :name $1 \\", id="placeholders"),
    pytest.param('{"sub": 1}', id="json"),
    pytest.param(" padded ", id="spaces"),
    pytest.param("", id="empty"),
    pytest.param("\ud800", id="lone-surrogate"),
]


def near_misses(value: str) -> list[str]:
    """Strings a sloppy store might confuse with *value*."""
    candidates = [value + " ", value + "\x00", value[:-1], value.upper(), value.strip()]
    return [c for c in dict.fromkeys(candidates) if c != value]


@pytest.mark.parametrize("odd", ODD)
def test_odd_strings_match_exactly(store: RevocationStore, odd: str) -> None:
    now = float(int(time.time()))
    exp = now + 3600
    misses = near_misses(odd)

    store.revoke_jti(odd, exp)
    store.revoke_session(odd, exp)
    store.revoke_identity(odd, now, exp)
    assert store.is_revoked(odd, None, None, now) is True
    assert store.is_revoked(None, None, odd, now) is True
    assert store.is_revoked(None, odd, None, now - 1) is True
    for miss in misses:
        assert store.is_revoked(miss, miss, miss, now - 1) is False, repr(miss)

    info = SessionInfo(
        sid="s-" + odd,
        identity=odd,
        created_at=now,
        last_refreshed_at=now,
        expires_at=exp,
        metadata={odd: odd, "user-agent": odd},
    )
    store.save_session(info)
    assert store.list_sessions(odd, now) == [info]
    for miss in misses:
        assert store.list_sessions(miss, now) == [], repr(miss)

    assert store.consume_refresh(odd, now, 0, exp) is ConsumeResult.CONSUMED
    for miss in misses:
        assert store.consume_refresh(miss, now, 0, exp) is ConsumeResult.CONSUMED, repr(miss)
    assert store.consume_refresh(odd, now + 1, 0, exp) is ConsumeResult.REUSED


@settings(
    max_examples=40,
    deadline=None,
    # One store serves every example: each draws strings unseen before.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(st.characters(exclude_categories=()), max_size=300))
def test_any_text_round_trips(store: RevocationStore, value: str) -> None:
    now = float(int(time.time()))
    key = f"{len(value)}:{value}:{time.monotonic_ns()}"  # unique per example
    store.revoke_jti(key, now + 60)
    assert store.is_revoked(key, None, None, None) is True
    assert store.is_revoked(key + "x", None, None, None) is False
    info = SessionInfo(key, key, now, now, now + 60, {value: value})
    store.save_session(info)
    assert store.list_sessions(key, now) == [info]
    assert store.consume_refresh(key, now, 0, now + 60) is ConsumeResult.CONSUMED
