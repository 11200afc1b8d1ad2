"""A revocation store in the memory of one process.

For tests and single-process development servers: entries vanish when the
process exits and are not shared between workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from ._shared import consume_outcome, is_live, later_expiry, newest_first
from .base import ConsumeResult, SessionInfo

_V = TypeVar("_V")


def _purge(table: dict[str, _V], expiry_of: Callable[[_V], float | None], now: float) -> int:
    """Delete the entries of *table* expired before *now*; return how many."""
    dead = [key for key, value in table.items() if not is_live(expiry_of(value), now)]
    for key in dead:
        del table[key]
    return len(dead)


class MemoryStore:
    """Keeps revocations in dictionaries guarded by one lock.

    Selected by ``JWT_REVOCATION_STORE = "memory://"``.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: jti -> expires_at
        self._jtis: dict[str, float | None] = {}
        #: sid -> expires_at
        self._sids: dict[str, float | None] = {}
        #: identity -> (cutoff, expires_at)
        self._cutoffs: dict[str, tuple[float, float | None]] = {}
        #: sid -> session
        self._sessions: dict[str, SessionInfo] = {}
        #: refresh jti -> (first use, expires_at)
        self._consumed: dict[str, tuple[float, float | None]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        """Revoke the token whose ``jti`` claim is *jti*.

        :param jti: the token id.
        :param expires_at: when the token expires (``None``: never).
        """
        with self._lock:
            self._jtis[jti] = later_expiry(self._jtis.get(jti, expires_at), expires_at)

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        """Revoke every token of *identity* issued before *cutoff*.

        :param identity: the identity, as a string.
        :param cutoff: tokens issued before this time are revoked.
        :param expires_at: when the last token issued before *cutoff* expires.
        """
        with self._lock:
            old_cutoff, old_expiry = self._cutoffs.get(identity, (cutoff, expires_at))
            self._cutoffs[identity] = (
                max(old_cutoff, cutoff),
                later_expiry(old_expiry, expires_at),
            )

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        """Revoke every token of the session *sid* and forget the session.

        :param sid: the session id.
        :param expires_at: when the session's last token expires.
        """
        with self._lock:
            self._sids[sid] = later_expiry(self._sids.get(sid, expires_at), expires_at)
            self._sessions.pop(sid, None)

    def is_revoked(
        self,
        jti: str | None,
        identity: str | None,
        sid: str | None,
        issued_at: float | None,
    ) -> bool:
        """Whether a token with these claims is revoked.

        :param jti: the ``jti`` claim, or ``None`` not to check it.
        :param identity: the identity, or ``None`` not to check it.
        :param sid: the ``sid`` claim, or ``None`` not to check it.
        :param issued_at: the ``iat`` claim; ``None`` counts as the epoch.
        """
        with self._lock:
            if jti is not None and jti in self._jtis:
                return True
            if sid is not None and sid in self._sids:
                return True
            if identity is not None and identity in self._cutoffs:
                return self._cutoffs[identity][0] > (issued_at or 0.0)
            return False

    def purge_expired(self, now: float) -> int:
        """Delete entries whose ``expires_at`` is before *now*.

        :param now: the current time.
        :returns: how many entries were deleted.
        """
        with self._lock:
            return (
                _purge(self._jtis, lambda expiry: expiry, now)
                + _purge(self._sids, lambda expiry: expiry, now)
                + _purge(self._cutoffs, lambda entry: entry[1], now)
                + _purge(self._sessions, lambda info: info.expires_at, now)
                + _purge(self._consumed, lambda entry: entry[1], now)
            )

    def save_session(self, info: SessionInfo) -> None:
        """Record a new session, or replace the one with the same ``sid``.

        :param info: the session.
        """
        with self._lock:
            self._sessions[info.sid] = replace(info, metadata=dict(info.metadata))

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        """Record that the session's refresh token was rotated.

        :param sid: the session id; an unknown one is ignored.
        :param last_refreshed_at: when the rotation happened.
        :param expires_at: when the new refresh token expires.
        """
        with self._lock:
            info = self._sessions.get(sid)
            if info is not None:
                self._sessions[sid] = replace(
                    info, last_refreshed_at=last_refreshed_at, expires_at=expires_at
                )

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity*, newest first.

        :param identity: the identity, as a string.
        :param now: the current time; sessions expired before it are left out.
        """
        with self._lock:
            found = [
                info
                for info in self._sessions.values()
                if info.identity == identity
                and info.sid not in self._sids
                and is_live(info.expires_at, now)
            ]
        return newest_first(found)

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        """Atomically mark the refresh token *jti* as used.

        :param jti: the refresh token's ``jti``.
        :param now: the time of this use.
        :param grace: seconds after the first use during which reuse is tolerated.
        :param expires_at: when the refresh token expires.
        """
        with self._lock:
            first = self._consumed.get(jti)
            if first is None:
                self._consumed[jti] = (now, expires_at)
                return ConsumeResult.CONSUMED
        return consume_outcome(first[0], now, grace)

    def close(self) -> None:
        """Forget every entry."""
        with self._lock:
            for table in (self._jtis, self._sids, self._cutoffs, self._sessions, self._consumed):
                table.clear()
