"""The per-account message bucket shared by every process through Redis (when `server.redis_url` is set).

In one process the bucket lives in memory (server/buckets.py). With several processes an account with
sockets on two of them would get twice the rate, so the bucket moves to Redis: one Lua script refills
and takes atomically, keyed by the deployment's channel. Time is the injected clock's wall time (every
process shares it, unlike monotonic clocks). If Redis does not answer, the process falls back to its
own bucket: a limit that is briefly per process beats refusing every message.
"""

from __future__ import annotations

import logging

import redis.asyncio as aioredis

from server.buckets import Throttles

log = logging.getLogger("livehelp.limits")

_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) else now = ts end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


class RedisBuckets:
    def __init__(self, url: str, prefix: str, fallback: Throttles) -> None:
        self.client = aioredis.Redis.from_url(url)
        self.prefix = prefix
        self.fallback = fallback
        self._take = self.client.register_script(_TAKE)

    async def take(self, account_id: int, now: float, per_second: float, burst: int) -> float:
        """0 when allowed, else seconds until a token is back (the same answer as Throttles.take)."""
        try:
            wait = await self._take(keys=[f"{self.prefix}:msgbucket:{account_id}"], args=[per_second, burst, now])
            return float(wait)
        except (aioredis.RedisError, OSError):
            log.warning("Redis did not answer; this process limits messages on its own for now")
            return self.fallback.take(account_id, now, per_second, burst)

    async def close(self) -> None:
        await self.client.aclose()
