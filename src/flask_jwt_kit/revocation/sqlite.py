"""A revocation store in an SQLite file, with the standard library only.

The embedded default: every process of one machine that opens the same
file sees the same revocations. The database runs in WAL mode, so readers
never wait for a writer, and waits up to *timeout* seconds for a lock held
by another process. Writes that must be atomic across processes (consuming
a refresh token, the cut-off and expiry maxima) are single statements or
run inside ``BEGIN IMMEDIATE``.

Keys are SHA-256 digests of the strings they stand for (see
:mod:`._shared`). The table names are those of
:class:`~flask_jwt_kit.revocation.sqlalchemy.SQLAlchemyStore`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..exceptions import RevocationStoreUnavailable
from ._shared import consume_outcome, dump_session_data, load_session, lookup_key, newest_first
from .base import ConsumeResult, SessionInfo

#: Tables whose rows carry ``expires_at`` and are purged by it.
_TABLES = (
    "jwtkit_revoked_tokens",
    "jwtkit_revoked_sessions",
    "jwtkit_identity_cutoffs",
    "jwtkit_sessions",
    "jwtkit_consumed_refresh",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jwtkit_revoked_tokens (
    key TEXT PRIMARY KEY, expires_at REAL);
CREATE TABLE IF NOT EXISTS jwtkit_revoked_sessions (
    key TEXT PRIMARY KEY, expires_at REAL);
CREATE TABLE IF NOT EXISTS jwtkit_identity_cutoffs (
    key TEXT PRIMARY KEY, cutoff REAL NOT NULL, expires_at REAL);
CREATE TABLE IF NOT EXISTS jwtkit_sessions (
    key TEXT PRIMARY KEY, identity_key TEXT NOT NULL, created_at REAL NOT NULL,
    last_refreshed_at REAL NOT NULL, expires_at REAL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jwtkit_sessions_identity_key ON jwtkit_sessions (identity_key);
CREATE TABLE IF NOT EXISTS jwtkit_consumed_refresh (
    key TEXT PRIMARY KEY, used_at REAL NOT NULL, expires_at REAL);
"""

#: SQL for "the later of the stored and the new expiry, NULL being latest".
_LATER_EXPIRY = (
    "CASE WHEN expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL "
    "ELSE max(expires_at, excluded.expires_at) END"
)

_IS_REVOKED = """
SELECT EXISTS (SELECT 1 FROM jwtkit_revoked_tokens WHERE key = ?)
    OR EXISTS (SELECT 1 FROM jwtkit_revoked_sessions WHERE key = ?)
    OR EXISTS (SELECT 1 FROM jwtkit_identity_cutoffs WHERE key = ? AND cutoff > ?)
"""


def _key(value: str | None) -> str | None:
    return None if value is None else lookup_key(value)


class SQLiteStore:
    """Keeps revocations in an SQLite database file.

    Selected by ``JWT_REVOCATION_STORE = "sqlite:///path.db"`` (relative to
    the working directory) or ``"sqlite:////absolute/path.db"``.

    One connection per process is shared by its threads under a lock;
    SQLite runs statements in microseconds, so the lock costs less than a
    connection per thread would. After a ``fork`` the child opens its own
    connection. ``":memory:"`` gives a database private to this object.

    :param path: the database file; created with its tables when missing.
    :param timeout: seconds to wait for another process's lock before
        giving up with :class:`~flask_jwt_kit.exceptions.RevocationStoreUnavailable`.

    .. versionadded:: 0.1
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        #: The database file.
        self.path = os.fspath(path)
        #: Seconds to wait for a lock held by another process.
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        try:
            # ``timeout`` above is SQLite's busy_timeout: how long a statement
            # waits for another process's lock.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _cursor(self, immediate: bool = False) -> Iterator[sqlite3.Cursor]:
        """A cursor on this process's connection, under the lock.

        With *immediate*, the block runs in a ``BEGIN IMMEDIATE``
        transaction: it holds the database's write lock from the start, so
        what it reads cannot change before it writes.
        """
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():
                    # A connection inherited through fork must not be used.
                    self._conn = self._connect()
                    self._pid = os.getpid()
                conn = self._conn
                cursor = conn.cursor()
                try:
                    if not immediate:
                        yield cursor
                        return
                    cursor.execute("BEGIN IMMEDIATE")
                    try:
                        yield cursor
                        cursor.execute("COMMIT")
                    except BaseException:
                        conn.rollback()  # a no-op when SQLite already rolled back
                        raise
                finally:
                    cursor.close()
            except sqlite3.Error as exc:
                raise RevocationStoreUnavailable() from exc

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        """Revoke the token whose ``jti`` claim is *jti*.

        :param jti: the token id.
        :param expires_at: when the token expires (``None``: never).
        """
        with self._cursor() as cursor:
            self._upsert_revocation(cursor, "jwtkit_revoked_tokens", lookup_key(jti), expires_at)

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        """Revoke every token of the session *sid* and forget the session.

        :param sid: the session id.
        :param expires_at: when the session's last token expires.
        """
        key = lookup_key(sid)
        with self._cursor(immediate=True) as cursor:
            self._upsert_revocation(cursor, "jwtkit_revoked_sessions", key, expires_at)
            cursor.execute("DELETE FROM jwtkit_sessions WHERE key = ?", (key,))

    @staticmethod
    def _upsert_revocation(
        cursor: sqlite3.Cursor, table: str, key: str, expires_at: float | None
    ) -> None:
        cursor.execute(
            f"INSERT INTO {table} (key, expires_at) VALUES (?, ?) "
            f"ON CONFLICT (key) DO UPDATE SET expires_at = {_LATER_EXPIRY}",
            (key, expires_at),
        )

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        """Revoke every token of *identity* issued before *cutoff*.

        :param identity: the identity, as a string.
        :param cutoff: tokens issued before this time are revoked.
        :param expires_at: when the last token issued before *cutoff* expires.
        """
        with self._cursor() as cursor:
            cursor.execute(
                "INSERT INTO jwtkit_identity_cutoffs (key, cutoff, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET cutoff = max(cutoff, excluded.cutoff), "
                f"expires_at = {_LATER_EXPIRY}",
                (lookup_key(identity), cutoff, expires_at),
            )

    def is_revoked(
        self,
        jti: str | None,
        identity: str | None,
        sid: str | None,
        issued_at: float | None,
    ) -> bool:
        """Whether a token with these claims is revoked, in one statement.

        :param jti: the ``jti`` claim, or ``None`` not to check it.
        :param identity: the identity, or ``None`` not to check it.
        :param sid: the ``sid`` claim, or ``None`` not to check it.
        :param issued_at: the ``iat`` claim; ``None`` counts as the epoch.
        """
        if jti is None and identity is None and sid is None:
            return False
        # A NULL key matches nothing, so one statement serves every case.
        params = (_key(jti), _key(sid), _key(identity), issued_at or 0.0)
        with self._cursor() as cursor:
            row = cursor.execute(_IS_REVOKED, params).fetchone()
        return bool(row[0])

    def purge_expired(self, now: float) -> int:
        """Delete entries whose ``expires_at`` is before *now*.

        :param now: the current time.
        :returns: how many entries were deleted.
        """
        with self._cursor(immediate=True) as cursor:
            return sum(
                cursor.execute(f"DELETE FROM {table} WHERE expires_at < ?", (now,)).rowcount
                for table in _TABLES
            )

    def save_session(self, info: SessionInfo) -> None:
        """Record a new session, or replace the one with the same ``sid``.

        :param info: the session.
        """
        with self._cursor() as cursor:
            cursor.execute(
                "INSERT OR REPLACE INTO jwtkit_sessions (key, identity_key, created_at, "
                "last_refreshed_at, expires_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    lookup_key(info.sid),
                    lookup_key(info.identity),
                    info.created_at,
                    info.last_refreshed_at,
                    info.expires_at,
                    dump_session_data(info),
                ),
            )

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        """Record that the session's refresh token was rotated.

        :param sid: the session id; an unknown one is ignored.
        :param last_refreshed_at: when the rotation happened.
        :param expires_at: when the new refresh token expires.
        """
        with self._cursor() as cursor:
            cursor.execute(
                "UPDATE jwtkit_sessions SET last_refreshed_at = ?, expires_at = ? WHERE key = ?",
                (last_refreshed_at, expires_at, lookup_key(sid)),
            )

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity*, newest first.

        :param identity: the identity, as a string.
        :param now: the current time; sessions expired before it are left out.
        """
        with self._cursor() as cursor:
            rows = cursor.execute(
                "SELECT data, created_at, last_refreshed_at, expires_at FROM jwtkit_sessions s "
                "WHERE identity_key = ? AND (expires_at IS NULL OR expires_at >= ?) "
                "AND NOT EXISTS (SELECT 1 FROM jwtkit_revoked_sessions r WHERE r.key = s.key)",
                (lookup_key(identity), now),
            ).fetchall()
        return newest_first(load_session(*row) for row in rows)

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        """Atomically mark the refresh token *jti* as used.

        :param jti: the refresh token's ``jti``.
        :param now: the time of this use.
        :param grace: seconds after the first use during which reuse is tolerated.
        :param expires_at: when the refresh token expires.
        """
        key = lookup_key(jti)
        with self._cursor(immediate=True) as cursor:
            row = cursor.execute(
                "SELECT used_at FROM jwtkit_consumed_refresh WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO jwtkit_consumed_refresh (key, used_at, expires_at) "
                    "VALUES (?, ?, ?)",
                    (key, now, expires_at),
                )
                return ConsumeResult.CONSUMED
        return consume_outcome(row[0], now, grace)

    def close(self) -> None:
        """Close this process's connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
