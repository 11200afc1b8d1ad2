"""The contract every revocation store fulfils.

A store keeps four kinds of state, all keyed by strings:

* revoked token ids (``jti``),
* per-identity cut-offs ("log out everywhere": tokens of that identity
  issued before the cut-off are revoked),
* revoked sessions (``sid``) and the session records themselves,
* consumed refresh tokens (refresh-token rotation).

Identities reach the store as strings: the extension turns non-string
identities into canonical JSON first. Times are POSIX timestamps (floats).
Every entry carries ``expires_at``: the moment after which the entry is
useless because the token it concerns has expired; ``None`` means "keep
forever" (tokens without ``exp``).

Any failure to reach or use the back end must be raised as
:class:`~flask_jwt_kit.exceptions.RevocationStoreUnavailable`, never as the
driver's own exception: the extension turns it into a 503 answer (or lets
the request through when ``JWT_REVOCATION_FAIL_OPEN`` is set).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class SessionInfo:
    """One login session: the token pairs sharing a ``sid`` claim."""

    #: Session id (the ``sid`` claim).
    sid: str
    #: The identity, as a string (see the module docstring).
    identity: str
    #: When the session was created (POSIX timestamp).
    created_at: float
    #: When its refresh token was last rotated (equal to ``created_at`` at first).
    last_refreshed_at: float
    #: When the newest refresh token of the session expires; ``None``: never.
    expires_at: float | None
    #: Free-form data the application attached (user agent, IP, ...).
    metadata: Mapping[str, str] = field(default_factory=dict)


class ConsumeResult(enum.Enum):
    """Outcome of :meth:`RevocationStore.consume_refresh`."""

    #: First use: the refresh token is now consumed.
    CONSUMED = "consumed"
    #: Used again, within the grace period after its first use.
    WITHIN_GRACE = "within_grace"
    #: Used again after the grace period: the session must be revoked.
    REUSED = "reused"


@runtime_checkable
class RevocationStore(Protocol):
    """What the extension needs from a revocation back end.

    Implementations must be safe to call from several threads at once.
    """

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        """Revoke the token whose ``jti`` claim is *jti*."""

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        """Revoke every token of *identity* issued before *cutoff*.

        A later cut-off replaces an earlier one, an earlier one never
        replaces a later one. *expires_at* is when the last token issued
        before the cut-off expires (``None``: never).
        """

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        """Revoke every token whose ``sid`` claim is *sid*.

        The session no longer appears in :meth:`list_sessions`.
        """

    def is_revoked(
        self,
        jti: str | None,
        identity: str | None,
        sid: str | None,
        issued_at: float | None,
    ) -> bool:
        """Whether a token with these claims is revoked, in one round trip.

        True when *jti* is revoked, or *sid* is revoked, or *identity* has a
        cut-off later than *issued_at* (a token without ``iat`` is treated
        as issued at the epoch: any cut-off revokes it). ``None`` arguments
        are not checked.
        """
        ...

    def purge_expired(self, now: float) -> int:
        """Delete entries whose ``expires_at`` is before *now*; return how many."""
        ...

    def save_session(self, info: SessionInfo) -> None:
        """Record a new session, or replace the record with the same ``sid``."""

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        """Record that the session's refresh token was rotated."""

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity* (not revoked, not expired), newest first."""
        ...

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        """Atomically mark the refresh token *jti* as used.

        First use: record *now* as the time of use and return ``CONSUMED``.
        Later uses: ``WITHIN_GRACE`` when *now* is at most *grace* seconds
        after the first use, else ``REUSED``. Of several concurrent calls
        with the same *jti*, exactly one gets ``CONSUMED``.
        """
        ...

    def close(self) -> None:
        """Release connections. The store is not used afterwards."""
