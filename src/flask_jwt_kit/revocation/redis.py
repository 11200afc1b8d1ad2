"""A revocation store in Redis, through redis-py.

For several servers sharing revocations. Every key lives as long as the
entry it holds is useful: its TTL is the entry's remaining life, and keys
of entries that never expire have none. A sorted set of keys by expiry
(``<prefix>expiries``) lets :meth:`RedisStore.purge_expired` honour any
``now`` it is given; writes trim it of entries Redis has already expired.

Layout, with ``h(x)`` the SHA-256 hex digest of ``x`` (see :mod:`._shared`)::

    <prefix>jti:<h(jti)>              "1"        revoked token
    <prefix>sid:<h(sid)>              "1"        revoked session
    <prefix>cutoff:<h(identity)>      cut-off    "log out everywhere"
    <prefix>refresh:<h(jti)>          first use  consumed refresh token
    <prefix>session:<h(sid)>          hash       session record
    <prefix>sessions:<h(identity)>    sorted set h(sid) by creation time
    <prefix>expiries                  sorted set key by expires_at

Writes that read before they write run as Lua scripts (:mod:`._redis_scripts`),
so they are atomic.

Redis Cluster
    A script or ``MGET`` may only touch keys of one hash slot. On a cluster
    (a :class:`redis.cluster.RedisCluster` client, or a
    ``redis+cluster://`` / ``rediss+cluster://`` URL) the prefix must hold a
    hash tag, ``{jwtkit}:`` by default, which puts every key of the store
    in one slot: revocation data is small, and a check stays one round
    trip. Transactions in cluster pipelines need redis-py 6.1 or later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..exceptions import RevocationStoreUnavailable
from ._redis_scripts import Scripts
from ._shared import (
    MissingDependency,
    consume_outcome,
    dump_session_data,
    is_live,
    load_session,
    lookup_key,
    newest_first,
    redact_url,
    remaining_ms,
)
from .base import ConsumeResult, SessionInfo

if TYPE_CHECKING:
    from redis import Redis
    from redis.cluster import RedisCluster

#: URL schemes naming a Redis Cluster, and the scheme redis-py knows them by.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}

#: The default key prefix; on a cluster, with a hash tag (see the module docstring).
_PREFIX = "jwtkit:"
_CLUSTER_PREFIX = "{jwtkit}:"

#: Longest TTL set, in milliseconds (about 285 000 years).
_MAX_TTL_MS = 2**53

#: Keys deleted per script call by :meth:`RedisStore.purge_expired`.
_PURGE_BATCH = 500


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _cluster_url(url: str) -> str | None:
    """The redis-py URL of a cluster URL; ``None`` for any other URL."""
    scheme, _, rest = url.partition("://")
    base = CLUSTER_SCHEMES.get(scheme.lower())
    return None if base is None else f"{base}://{rest}"


class UnusableURLOption(ValueError):
    """A query parameter of a Redis URL that redis-py takes but cannot use.

    redis-py hands the parameters of a URL to each connection it makes, the
    first of them at the first command: an unknown one, or one with a bad
    value, would fail every request. The message names the parameter, never
    its value (it may be a password).
    """


#: Parameters redis-py reads from a URL but cannot use from one: it makes a
#: list of the value's characters where it wants exception classes.
_NOT_FROM_URL = frozenset({"retry_on_error"})


def _check_url_options(url: str, on_cluster: bool) -> None:
    """Refuse the query parameters of *url* that redis-py would fail on later.

    Each parameter goes, alone, through what redis-py does with it at the
    first command: parsing, the connection pool (for a cluster, the pool of
    each node, which silently drops names it does not know) and the
    connection, made but not connected.

    :param url: a ``redis://``, ``rediss://`` or ``unix://`` URL.
    :param on_cluster: whether it names a Redis Cluster node.
    :raises UnusableURLOption: naming the first parameter that fails.
    :raises ValueError: when redis-py cannot parse *url*.
    """
    from redis import RedisError
    from redis.cluster import REDIS_ALLOWED_KEYS, cleanup_kwargs
    from redis.connection import ConnectionPool, parse_url

    # Not urlunsplit: it would write unix:/path for unix:///path.
    base = url.partition("?")[0]
    # The URL without its query first, so that a bad port is not blamed on a parameter.
    parse_url(base)  # type: ignore[no-untyped-call]
    where = "to redis-py on Redis Cluster" if on_cluster else "to redis-py"
    for name, values in parse_qs(urlsplit(url).query).items():
        alone = f"{base}?{urlencode({name: values[0]})}"
        refused = name in _NOT_FROM_URL or (on_cluster and name not in REDIS_ALLOWED_KEYS)
        try:
            if not refused:
                if on_cluster:
                    options = parse_url(alone)  # type: ignore[no-untyped-call]
                    pool = ConnectionPool(**cleanup_kwargs(**options))  # type: ignore[no-untyped-call]
                else:
                    pool = ConnectionPool.from_url(alone)
                pool.connection_class(**pool.connection_kwargs)
        except (TypeError, ValueError, RedisError):
            refused = True
        if refused:
            raise UnusableURLOption(
                f"query parameter {name!r} is unknown {where}, cannot be given in a URL, "
                "or has a bad value"
            )
    if on_cluster and parse_url(url).get("db", 0) != 0:  # type: ignore[no-untyped-call]
        raise UnusableURLOption("a Redis Cluster has only database 0")


def _has_hash_tag(prefix: str) -> bool:
    """Whether keys starting with *prefix* hash by a tag in it (Redis's rule)."""
    start = prefix.find("{")
    return start >= 0 and prefix.find("}", start + 1) > start + 1


def _key_prefix(prefix: str | None, on_cluster: bool) -> str:
    if prefix is None:
        return _CLUSTER_PREFIX if on_cluster else _PREFIX
    if on_cluster and not _has_hash_tag(prefix):
        raise ValueError(
            f"RedisStore prefix {prefix!r} has no hash tag: on Redis Cluster it must hold "
            "one, such as '{myapp}:', so that the keys used together share a slot"
        )
    return prefix


def _check_cluster_support(version: str) -> None:
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) < (6, 1):
        raise RuntimeError(
            f"RedisStore on Redis Cluster needs redis-py 6.1 or later, not {version}: "
            "pip install 'redis>=6.1'"
        )


class RedisStore:
    """Keeps revocations in Redis.

    Selected by ``JWT_REVOCATION_STORE = "redis://..."``, ``"rediss://..."``
    or ``"unix://..."``; on Redis Cluster by ``"redis+cluster://host:port"``
    or ``"rediss+cluster://host:port"`` (any node; the others are discovered).

    :param client: a redis URL, or a :class:`redis.Redis` or
        :class:`redis.cluster.RedisCluster` client to use as it is (the
        store then leaves it open on :meth:`close`).
    :param prefix: prepended to every key, so that several applications can
        share a database; ``"jwtkit:"`` by default, ``"{jwtkit}:"`` on a
        cluster, where it must hold a hash tag.
    :param timeout: socket and connect timeout in seconds, for a client made
        from a URL that does not set its own; with it, and a single
        immediate retry, an unreachable server fails fast.
    :param clock: the current time, for TTLs (``time.time`` by default).
    :raises RuntimeError: when the redis package is not installed, or too
        old for Redis Cluster.
    :raises ValueError: when a prefix for a cluster has no hash tag, the URL
        is malformed, or (``UnusableURLOption``, a subclass) a query
        parameter of the URL is one that redis-py does not know or cannot
        use, or has a bad value.

    .. versionadded:: 0.1
    .. versionchanged:: 0.1
        Redis Cluster.
    """

    def __init__(
        self,
        client: str | Redis | RedisCluster,
        *,
        prefix: str | None = None,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.cluster import RedisCluster
            from redis.retry import Retry
        except ImportError as exc:
            raise MissingDependency("redis", "redis") from exc
        self._clock = clock
        self._errors = (redis.RedisError, redis.exceptions.RedisClusterException, OSError)
        self._owns_client = isinstance(client, str)
        self._lock = threading.Lock()
        self._connect: Callable[[], Redis | RedisCluster]
        made: Redis | RedisCluster | None = None
        if isinstance(client, str):
            self._shown = repr(redact_url(client))
            options: dict[str, Any] = {
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                "retry": Retry(NoBackoff(), 1),
            }
            cluster_url = _cluster_url(client)
            on_cluster = cluster_url is not None
            _check_url_options(client if cluster_url is None else cluster_url, on_cluster)
            if cluster_url is None:
                made = redis.Redis.from_url(client, **options)
            else:
                # A cluster client reads the slot map when it is made: it is
                # made on first use, so that an app starts while Redis is down.
                # The URL was checked above all the same.
                self._connect = partial(RedisCluster.from_url, cluster_url, **options)
        else:
            self._shown = repr(client)
            on_cluster = isinstance(client, RedisCluster)
            made = client
        self._connected = None if made is None else (made, Scripts.register(made))
        if on_cluster:
            _check_cluster_support(redis.__version__)
        #: Prepended to every key.
        self.prefix = _key_prefix(prefix, on_cluster)
        self._expiries = f"{self.prefix}expiries"

    @property
    def client(self) -> Redis | RedisCluster:
        """The redis-py client (one for a cluster URL is made on first use).

        :raises RevocationStoreUnavailable: when it cannot be made.
        """
        with self._errors_wrapped():
            return self._connection()[0]

    def _connection(self) -> tuple[Redis | RedisCluster, Scripts]:
        """The client and the scripts registered with it (for a cluster URL, made now)."""
        with self._lock:
            if self._connected is None:
                client = self._connect()
                self._connected = (client, Scripts.register(client))
            return self._connected

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._shown}, prefix={self.prefix!r})"

    @contextmanager
    def _errors_wrapped(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            raise RevocationStoreUnavailable() from exc

    def _key(self, kind: str, value: str) -> str:
        return f"{self.prefix}{kind}:{lookup_key(value)}"

    def _ttl(self, expires_at: float | None) -> str:
        if expires_at is None:
            return ""
        return str(remaining_ms(expires_at, self._clock(), _MAX_TTL_MS))

    def _revoke(
        self,
        keys: Sequence[str],
        value: str,
        expires_at: float | None,
        keep_larger: bool = False,
    ) -> None:
        args = [
            value,
            self._ttl(expires_at),
            "" if expires_at is None else repr(expires_at),
            "1" if keep_larger else "0",
            repr(self._clock()),
        ]
        with self._errors_wrapped():
            self._connection()[1].revoke(keys=[keys[0], self._expiries, *keys[1:]], args=args)

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        """Revoke the token whose ``jti`` claim is *jti*.

        :param jti: the token id.
        :param expires_at: when the token expires (``None``: never).
        """
        self._revoke([self._key("jti", jti)], "1", expires_at)

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        """Revoke every token of *identity* issued before *cutoff*.

        :param identity: the identity, as a string.
        :param cutoff: tokens issued before this time are revoked.
        :param expires_at: when the last token issued before *cutoff* expires.
        """
        self._revoke([self._key("cutoff", identity)], repr(cutoff), expires_at, True)

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        """Revoke every token of the session *sid* and forget the session.

        :param sid: the session id.
        :param expires_at: when the session's last token expires.
        """
        self._revoke([self._key("sid", sid), self._key("session", sid)], "1", expires_at)

    def is_revoked(
        self,
        jti: str | None,
        identity: str | None,
        sid: str | None,
        issued_at: float | None,
    ) -> bool:
        """Whether a token with these claims is revoked, in one ``MGET``.

        :param jti: the ``jti`` claim, or ``None`` not to check it.
        :param identity: the identity, or ``None`` not to check it.
        :param sid: the ``sid`` claim, or ``None`` not to check it.
        :param issued_at: the ``iat`` claim; ``None`` counts as the epoch.
        """
        keys = [
            self._key(kind, value)
            for kind, value in (("jti", jti), ("sid", sid), ("cutoff", identity))
            if value is not None
        ]
        if not keys:
            return False
        with self._errors_wrapped():
            values: list[Any] = self._connection()[0].mget(keys)
        if identity is not None:
            # The cut-off is last: anything before it is a flag.
            *flags, cutoff = values
            if cutoff is not None and float(cutoff) > (issued_at or 0.0):
                return True
        else:
            flags = values
        return any(flag is not None for flag in flags)

    def purge_expired(self, now: float) -> int:
        """Delete entries whose ``expires_at`` is before *now*.

        :param now: the current time.
        :returns: how many entries were deleted (not those Redis expired itself).
        """
        total = 0
        with self._errors_wrapped():
            purge = self._connection()[1].purge
            while True:
                deleted, examined = purge(keys=[self._expiries], args=[repr(now), _PURGE_BATCH])
                total += int(deleted)
                if int(examined) < _PURGE_BATCH:
                    return total

    def save_session(self, info: SessionInfo) -> None:
        """Record a new session, or replace the one with the same ``sid``.

        :param info: the session.
        """
        keys = [self._key("session", info.sid), self._key("sessions", info.identity)]
        args = [
            dump_session_data(info),
            repr(info.created_at),
            repr(info.last_refreshed_at),
            "" if info.expires_at is None else repr(info.expires_at),
            self._ttl(info.expires_at),
            lookup_key(info.sid),
            repr(self._clock()),
        ]
        with self._errors_wrapped():
            self._connection()[1].save(keys=[*keys, self._expiries], args=args)

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        """Record that the session's refresh token was rotated.

        :param sid: the session id; an unknown one is ignored.
        :param last_refreshed_at: when the rotation happened.
        :param expires_at: when the new refresh token expires.
        """
        args = [
            repr(last_refreshed_at),
            "" if expires_at is None else repr(expires_at),
            self._ttl(expires_at),
        ]
        with self._errors_wrapped():
            touch = self._connection()[1].touch
            touch(keys=[self._key("session", sid), self._expiries], args=args)

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity*, newest first.

        Index entries whose session is gone are removed on the way.

        :param identity: the identity, as a string.
        :param now: the current time; sessions expired before it are left out.
        """
        index = self._key("sessions", identity)
        found: list[SessionInfo] = []
        with self._errors_wrapped():
            client = self._connection()[0]
            members: list[Any] = client.zrange(index, 0, -1)
            pipe = client.pipeline(transaction=False)
            for member in members:
                suffix = _text(member)
                pipe.hmget(f"{self.prefix}session:{suffix}", ["data", "created", "last", "exp"])
                pipe.exists(f"{self.prefix}sid:{suffix}")
            replies = pipe.execute()
            stale = []
            for member, (data, created, last, exp), revoked in zip(
                members, replies[::2], replies[1::2], strict=True
            ):
                if data is None:
                    stale.append(member)
                    continue
                expires_at = float(exp) if exp else None
                info = load_session(data, float(created), float(last), expires_at)
                if info.identity != identity:
                    stale.append(member)
                elif not revoked and is_live(expires_at, now):
                    found.append(info)
            if stale:
                client.zrem(index, *stale)
        return newest_first(found)

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        """Atomically mark the refresh token *jti* as used.

        ``SET NX`` and ``GET`` run in one ``MULTI`` block: the ``GET``
        answers what the winner of a race wrote.

        :param jti: the refresh token's ``jti``.
        :param now: the time of this use.
        :param grace: seconds after the first use during which reuse is tolerated.
        :param expires_at: when the refresh token expires.
        """
        key = self._key("refresh", jti)
        with self._errors_wrapped():
            pipe = self._connection()[0].pipeline(transaction=True)
            ttl = None if expires_at is None else int(self._ttl(expires_at))
            pipe.set(key, repr(now), nx=True, px=ttl)
            pipe.get(key)
            if expires_at is not None:
                pipe.zadd(self._expiries, {key: expires_at}, nx=True)
            replies = pipe.execute()
        if replies[0]:
            return ConsumeResult.CONSUMED
        return consume_outcome(float(replies[1]), now, grace)

    def close(self) -> None:
        """Close the client, if the store made it from a URL."""
        if self._owns_client and self._connected is not None:
            from redis.cluster import RedisCluster

            client = self._connected[0]
            if isinstance(client, RedisCluster):
                # Closing a cluster client leaves its nodes' connections open.
                client.disconnect_connection_pools()  # type: ignore[no-untyped-call]
            client.close()
