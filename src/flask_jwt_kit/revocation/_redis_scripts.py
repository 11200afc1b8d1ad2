"""The Lua scripts of :class:`~flask_jwt_kit.revocation.redis.RedisStore`.

Writes that read before they write run as scripts, so that they are
atomic. Scripts touch only keys under the store's prefix; on Redis Cluster
its hash tag puts all of them in one slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from redis.commands.core import Script

LUA_HELPERS = """
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
REVOKE = """
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
SAVE_SESSION = (
    LUA_HELPERS
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
TOUCH_SESSION = (
    LUA_HELPERS
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
PURGE = """
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1],
                        'LIMIT', 0, tonumber(ARGV[2]))
local deleted = 0
for _, key in ipairs(keys) do
  deleted = deleted + redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], key)
end
return {deleted, #keys}
"""


class Scripts(NamedTuple):
    """The store's scripts, registered with one client."""

    revoke: Script
    save: Script
    touch: Script
    purge: Script

    @classmethod
    def register(cls, client: Any) -> Scripts:
        """Register every script with *client* (loaded into the server on first call)."""
        return cls(
            *(client.register_script(text) for text in (REVOKE, SAVE_SESSION, TOUCH_SESSION, PURGE))
        )
