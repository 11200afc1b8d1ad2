"""A revocation store in any database SQLAlchemy 2 speaks (PostgreSQL first).

Tables (names start with *table_prefix*, ``jwtkit_`` by default) are
created on first use with ``metadata.create_all``; :attr:`SQLAlchemyStore.metadata`
lets Alembic users manage them instead. Keys are SHA-256 digests of the
strings they stand for (see :mod:`._shared`), so PostgreSQL's refusal of
NUL bytes in ``TEXT`` never matters and every key column is ``VARCHAR(64)``.

Every operation is a single statement run in autocommit mode: one round
trip, no ``BEGIN``/``COMMIT``. Atomicity comes from the database: an
``INSERT`` that hits the primary key of a row another transaction inserted
waits for that transaction and then fails, and the store reads the winner's
row; maxima are computed by ``UPDATE ... SET x = CASE ...`` on the locked row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..exceptions import RevocationStoreUnavailable
from ._shared import (
    MissingDependency,
    consume_outcome,
    dump_session_data,
    load_session,
    lookup_key,
    newest_first,
)
from .base import ConsumeResult, SessionInfo

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Executable, MetaData, Table

_T = TypeVar("_T")

#: Seconds a PostgreSQL connection attempt may take, unless the URL says.
_CONNECT_TIMEOUT = 5


class _Conflict(Exception):
    """An INSERT hit an existing primary key."""


class _Tables(NamedTuple):
    revoked_tokens: Table
    revoked_sessions: Table
    identity_cutoffs: Table
    sessions: Table
    consumed_refresh: Table


class _Revocation(NamedTuple):
    insert: Executable
    #: UPDATE keeping the later of the stored and the new expiry.
    keep_later: Executable
    #: UPDATE for a new expiry of "never".
    set_never: Executable


class _Statements(NamedTuple):
    is_revoked: Executable
    revoke_token: _Revocation
    revoke_session: _Revocation
    revoke_identity: _Revocation
    delete_session: Executable
    insert_session: Executable
    replace_session: Executable
    touch_session: Executable
    list_sessions: Executable
    consume: Executable
    first_use: Executable
    purges: tuple[Executable, ...]


def _define(prefix: str, metadata: MetaData) -> _Tables:
    import sqlalchemy as sa

    def key() -> sa.Column[str]:
        return sa.Column("key", sa.String(64), primary_key=True)

    def expires_at() -> sa.Column[float]:
        return sa.Column("expires_at", sa.Double(), nullable=True)

    def time(name: str) -> sa.Column[float]:
        return sa.Column(name, sa.Double(), nullable=False)

    return _Tables(
        sa.Table(f"{prefix}revoked_tokens", metadata, key(), expires_at()),
        sa.Table(f"{prefix}revoked_sessions", metadata, key(), expires_at()),
        sa.Table(f"{prefix}identity_cutoffs", metadata, key(), time("cutoff"), expires_at()),
        sa.Table(
            f"{prefix}sessions",
            metadata,
            key(),
            sa.Column("identity_key", sa.String(64), nullable=False, index=True),
            time("created_at"),
            time("last_refreshed_at"),
            expires_at(),
            sa.Column("data", sa.Text(), nullable=False),
        ),
        sa.Table(f"{prefix}consumed_refresh", metadata, key(), time("used_at"), expires_at()),
    )


def _prepare(t: _Tables) -> _Statements:
    """Build every statement once; they differ only in bound parameters."""
    import sqlalchemy as sa

    def key(name: str) -> sa.BindParameter[str]:
        return sa.bindparam(name, type_=sa.String(64))

    def time(name: str) -> sa.BindParameter[float]:
        return sa.bindparam(name, type_=sa.Double())

    k, exp, now, cut = key("p_key"), time("p_exp"), time("p_now"), time("p_cutoff")

    def revoke(table: Table, inserted: dict[str, Any], updated: dict[str, Any]) -> _Revocation:
        row = table.update().where(table.c.key == k)
        later = sa.case((table.c.expires_at < exp, exp), else_=table.c.expires_at)
        return _Revocation(
            table.insert().values(key=k, expires_at=exp, **inserted),
            row.values(expires_at=later, **updated),
            row.values(expires_at=None, **updated),
        )

    cutoffs = t.identity_cutoffs
    sessions = t.sessions
    session_row = {
        "identity_key": key("p_identity"),
        "created_at": time("p_created"),
        "last_refreshed_at": time("p_last"),
        "expires_at": exp,
        "data": sa.bindparam("p_data", type_=sa.Text()),
    }
    jti, sid, ident, iat = key("p_jti"), key("p_sid"), key("p_identity"), time("p_iat")
    return _Statements(
        is_revoked=sa.select(
            sa.or_(
                sa.exists().where(t.revoked_tokens.c.key == jti),
                sa.exists().where(t.revoked_sessions.c.key == sid),
                sa.exists().where(cutoffs.c.key == ident, cutoffs.c.cutoff > iat),
            )
        ),
        revoke_token=revoke(t.revoked_tokens, {}, {}),
        revoke_session=revoke(t.revoked_sessions, {}, {}),
        revoke_identity=revoke(
            cutoffs,
            {"cutoff": cut},
            {"cutoff": sa.case((cutoffs.c.cutoff < cut, cut), else_=cutoffs.c.cutoff)},
        ),
        delete_session=sessions.delete().where(sessions.c.key == k),
        insert_session=sessions.insert().values(key=k, **session_row),
        replace_session=sessions.update().where(sessions.c.key == k).values(**session_row),
        touch_session=sessions.update()
        .where(sessions.c.key == k)
        .values(last_refreshed_at=time("p_last"), expires_at=exp),
        list_sessions=sa.select(
            sessions.c.data,
            sessions.c.created_at,
            sessions.c.last_refreshed_at,
            sessions.c.expires_at,
        ).where(
            sessions.c.identity_key == ident,
            sa.or_(sessions.c.expires_at.is_(None), sessions.c.expires_at >= now),
            ~sa.exists().where(t.revoked_sessions.c.key == sessions.c.key),
        ),
        consume=t.consumed_refresh.insert().values(key=k, used_at=time("p_used"), expires_at=exp),
        first_use=sa.select(t.consumed_refresh.c.used_at).where(t.consumed_refresh.c.key == k),
        purges=tuple(table.delete().where(table.c.expires_at < now) for table in t),
    )


class SQLAlchemyStore:
    """Keeps revocations in a database through SQLAlchemy 2 Core.

    Selected by a SQLAlchemy ``Engine`` or any URL whose scheme no other
    store claims, e.g. ``"postgresql+psycopg://user@host/db"``.

    :param engine: an :class:`~sqlalchemy.engine.Engine`, used as it is (the
        store leaves it open on :meth:`close`), or a URL to make one from.
        A bare ``postgresql://`` URL is given the psycopg (3) driver that the
        ``postgresql`` extra installs, and PostgreSQL connection attempts
        time out after 5 seconds unless the URL sets ``connect_timeout``.
    :param table_prefix: the start of every table name.
    :raises RuntimeError: when SQLAlchemy is not installed.

    .. versionadded:: 0.1
    """

    def __init__(self, engine: str | Engine, *, table_prefix: str = "jwtkit_") -> None:
        try:
            import sqlalchemy as sa
        except ImportError as exc:
            raise MissingDependency("sqlalchemy", "sqlalchemy") from exc
        #: The start of every table name.
        self.table_prefix = table_prefix
        self._owns_engine = isinstance(engine, str)
        if isinstance(engine, str):
            url = sa.make_url(engine)
            if url.drivername in ("postgresql", "postgres"):
                url = url.set(drivername="postgresql+psycopg")
            connect_args: dict[str, Any] = {}
            if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
                connect_args["connect_timeout"] = _CONNECT_TIMEOUT
            engine = sa.create_engine(url, connect_args=connect_args)
        #: The engine the store runs its statements on.
        self.engine: Engine = engine
        #: The store's tables, for ``create_all`` or Alembic's autogenerate.
        self.metadata: MetaData = sa.MetaData()
        self._tables = _define(table_prefix, self.metadata)
        self._sql = _prepare(self._tables)
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._integrity_error = sa.exc.IntegrityError
        self._dbapi_error = sa.exc.DBAPIError
        self._sa_error = sa.exc.SQLAlchemyError
        self._created = False
        self._create_lock = threading.Lock()

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"{type(self).__name__}({url!r}, table_prefix={self.table_prefix!r})"

    def _ensure_tables(self) -> None:
        with self._create_lock:
            if self._created:
                return
            try:
                self.metadata.create_all(self.engine, checkfirst=True)
            except self._sa_error:
                # Another process may have created them between check and
                # create; a second pass sees them.
                try:
                    self.metadata.create_all(self.engine, checkfirst=True)
                except self._sa_error as exc:
                    raise RevocationStoreUnavailable() from exc
            self._created = True

    def _run(self, work: Callable[[Connection], _T]) -> _T:
        """Run *work* on an autocommit connection.

        A connection found dead (the server restarted) is replaced once.
        """
        if not self._created:
            self._ensure_tables()
        retried = False
        while True:
            try:
                with self._autocommit.connect() as conn:
                    return work(conn)
            except self._integrity_error as exc:
                raise _Conflict() from exc
            except self._dbapi_error as exc:
                if exc.connection_invalidated and not retried:
                    retried = True
                    continue
                raise RevocationStoreUnavailable() from exc
            except self._sa_error as exc:
                raise RevocationStoreUnavailable() from exc

    def _rowcount(self, statement: Executable, params: Mapping[str, Any]) -> int:
        return self._run(lambda conn: int(conn.execute(statement, params).rowcount))

    def _upsert(self, insert: Executable, update: Executable, params: Mapping[str, Any]) -> None:
        """INSERT the row; when it exists, apply the UPDATE instead.

        Loops only when the row is deleted between the two (by a purge).
        """
        while True:
            try:
                self._rowcount(insert, params)
                return
            except _Conflict:
                if self._rowcount(update, params):
                    return

    def _revoke(self, statements: _Revocation, params: Mapping[str, Any]) -> None:
        update = statements.set_never if params["p_exp"] is None else statements.keep_later
        self._upsert(statements.insert, update, params)

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        """Revoke the token whose ``jti`` claim is *jti*.

        :param jti: the token id.
        :param expires_at: when the token expires (``None``: never).
        """
        self._revoke(self._sql.revoke_token, {"p_key": lookup_key(jti), "p_exp": expires_at})

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        """Revoke every token of the session *sid* and forget the session.

        :param sid: the session id.
        :param expires_at: when the session's last token expires.
        """
        params = {"p_key": lookup_key(sid), "p_exp": expires_at}
        self._revoke(self._sql.revoke_session, params)
        self._rowcount(self._sql.delete_session, params)

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        """Revoke every token of *identity* issued before *cutoff*.

        :param identity: the identity, as a string.
        :param cutoff: tokens issued before this time are revoked.
        :param expires_at: when the last token issued before *cutoff* expires.
        """
        params = {"p_key": lookup_key(identity), "p_cutoff": cutoff, "p_exp": expires_at}
        self._revoke(self._sql.revoke_identity, params)

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
        params = {
            "p_jti": None if jti is None else lookup_key(jti),
            "p_sid": None if sid is None else lookup_key(sid),
            "p_identity": None if identity is None else lookup_key(identity),
            "p_iat": issued_at or 0.0,
        }
        return self._run(lambda conn: bool(conn.execute(self._sql.is_revoked, params).scalar()))

    def purge_expired(self, now: float) -> int:
        """Delete entries whose ``expires_at`` is before *now*.

        :param now: the current time.
        :returns: how many entries were deleted.
        """
        params = {"p_now": now}
        return sum(self._rowcount(purge, params) for purge in self._sql.purges)

    def save_session(self, info: SessionInfo) -> None:
        """Record a new session, or replace the one with the same ``sid``.

        :param info: the session.
        """
        params = {
            "p_key": lookup_key(info.sid),
            "p_identity": lookup_key(info.identity),
            "p_created": info.created_at,
            "p_last": info.last_refreshed_at,
            "p_exp": info.expires_at,
            "p_data": dump_session_data(info),
        }
        self._upsert(self._sql.insert_session, self._sql.replace_session, params)

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        """Record that the session's refresh token was rotated.

        :param sid: the session id; an unknown one is ignored.
        :param last_refreshed_at: when the rotation happened.
        :param expires_at: when the new refresh token expires.
        """
        params = {"p_key": lookup_key(sid), "p_last": last_refreshed_at, "p_exp": expires_at}
        self._rowcount(self._sql.touch_session, params)

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity*, newest first.

        :param identity: the identity, as a string.
        :param now: the current time; sessions expired before it are left out.
        """
        params = {"p_identity": lookup_key(identity), "p_now": now}
        rows = self._run(lambda conn: conn.execute(self._sql.list_sessions, params).all())
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
        params = {"p_key": lookup_key(jti), "p_used": now, "p_exp": expires_at}
        while True:
            try:
                self._rowcount(self._sql.consume, params)
                return ConsumeResult.CONSUMED
            except _Conflict:
                first = self._run(lambda conn: conn.execute(self._sql.first_use, params).scalar())
            # None: purged between the INSERT and the SELECT; try again.
            if first is not None:
                return consume_outcome(first, now, grace)

    def close(self) -> None:
        """Dispose of the engine, if the store made it from a URL."""
        if self._owns_engine:
            self.engine.dispose()
