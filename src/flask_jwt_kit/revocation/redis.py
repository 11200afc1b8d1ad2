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

Writes that read before they write run as Lua scripts, so they are atomic.
Scripts touch keys derived from their arguments, so the store needs a
standalone Redis (or one that behaves like it), not Redis Cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..exceptions import RevocationStoreUnavailable
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
    from redis.commands.core import Script

#: Longest TTL set, in milliseconds (about 285 000 years).
_MAX_TTL_MS = 2**53

#: Keys deleted per script call by :meth:`RedisStore.purge_expired`.
_PURGE_BATCH = 500

_LUA_HELPERS = """
local function expire(key, index, ttl, expires_at)
  if ttl == '' then
    redis.call('PERSIST', key)
    redis.call('ZREM', index, key)
  else
    redis.call('PEXPIRE', key, ttl)
    redis.call('ZADD', index, expires_at, key)
  end
end
local function extend(key, old_pttl, ttl)
  if ttl == '' then
    redis.call('PERSIST', key)
  elseif old_pttl ~= -1 and old_pttl < tonumber(ttl) then
    redis.call('PEXPIRE', key, ttl)
  end
end
"""

# KEYS: entry, expiry index[, session record to delete]
# ARGV: value, ttl ms or '', expires_at or '', '1' to keep the larger value, now
_REVOKE = """
local value = ARGV[1]
if ARGV[4] == '1' then
  local current = redis.call('GET', KEYS[1])
  if current and tonumber(current) > tonumber(value) then value = current end
end
local pttl = redis.call('PTTL', KEYS[1])
if ARGV[2] == '' or pttl == -1 then
  redis.call('SET', KEYS[1], value)
  redis.call('ZREM', KEYS[2], KEYS[1])
elseif pttl >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], value, 'PX', pttl)
else
  redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
end
if KEYS[3] then redis.call('DEL', KEYS[3]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
"""

# KEYS: session record, identity's session index, expiry index
# ARGV: data, created_at, last_refreshed_at, expires_at or '', ttl ms or '', member, now
_SAVE_SESSION = (
    _LUA_HELPERS
    + """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'created', ARGV[2], 'last', ARGV[3],
           'exp', ARGV[4], 'idx', KEYS[2])
expire(KEYS[1], KEYS[3], ARGV[5], ARGV[4])
local pttl = redis.call('PTTL', KEYS[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[6])
extend(KEYS[2], pttl, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[7])
"""
)

# KEYS: session record, expiry index
# ARGV: last_refreshed_at, expires_at or '', ttl ms or ''
_TOUCH_SESSION = (
    _LUA_HELPERS
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last', ARGV[1], 'exp', ARGV[2])
expire(KEYS[1], KEYS[2], ARGV[3], ARGV[2])
local index = redis.call('HGET', KEYS[1], 'idx')
extend(index, redis.call('PTTL', index), ARGV[3])
return 1
"""
)

# KEYS: expiry index; ARGV: now, batch size -> {keys deleted, keys examined}
_PURGE = """
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1],
                        'LIMIT', 0, tonumber(ARGV[2]))
local deleted = 0
for _, key in ipairs(keys) do
  deleted = deleted + redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], key)
end
return {deleted, #keys}
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisStore:
    """Keeps revocations in Redis.

    Selected by ``JWT_REVOCATION_STORE = "redis://..."``, ``"rediss://..."``
    or ``"unix://..."``.

    :param client: a redis URL, or a :class:`redis.Redis` client to use as
        it is (the store then leaves it open on :meth:`close`).
    :param prefix: prepended to every key, so that several applications can
        share a database.
    :param timeout: socket and connect timeout in seconds, for a client made
        from a URL that does not set its own; with it, and a single
        immediate retry, an unreachable server fails fast.
    :param clock: the current time, for TTLs (``time.time`` by default).
    :raises RuntimeError: when the redis package is not installed.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        client: str | Redis,
        *,
        prefix: str = "jwtkit:",
        timeout: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:
            raise MissingDependency("redis", "redis") from exc
        #: Prepended to every key.
        self.prefix = prefix
        self._clock = clock
        self._errors = (redis.RedisError, OSError)
        self._owns_client = isinstance(client, str)
        if isinstance(client, str):
            self._shown = repr(redact_url(client))
            client = redis.Redis.from_url(
                client,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
            )
        else:
            self._shown = repr(client)
        #: The redis-py client.
        self.client: Redis = client
        self._expiries = f"{prefix}expiries"
        self._revoke_script: Script = client.register_script(_REVOKE)
        self._save_script: Script = client.register_script(_SAVE_SESSION)
        self._touch_script: Script = client.register_script(_TOUCH_SESSION)
        self._purge_script: Script = client.register_script(_PURGE)

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
            self._revoke_script(keys=[keys[0], self._expiries, *keys[1:]], args=args)

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
            values: list[Any] = self.client.mget(keys)
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
            while True:
                deleted, examined = self._purge_script(
                    keys=[self._expiries], args=[repr(now), _PURGE_BATCH]
                )
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
            self._save_script(keys=[*keys, self._expiries], args=args)

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
            self._touch_script(keys=[self._key("session", sid), self._expiries], args=args)

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        """Live sessions of *identity*, newest first.

        Index entries whose session is gone are removed on the way.

        :param identity: the identity, as a string.
        :param now: the current time; sessions expired before it are left out.
        """
        index = self._key("sessions", identity)
        found: list[SessionInfo] = []
        with self._errors_wrapped():
            members: list[Any] = self.client.zrange(index, 0, -1)
            pipe = self.client.pipeline(transaction=False)
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
                self.client.zrem(index, *stale)
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
            pipe = self.client.pipeline(transaction=True)
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
        if self._owns_client:
            self.client.close()
