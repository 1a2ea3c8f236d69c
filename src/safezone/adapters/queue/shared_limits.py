"""Rate-limit buckets shared by every worker process through Redis.

The same token bucket as the in-process limiter (`web.ratelimit.RateLimiter`), kept in one Redis
hash per bucket and client and updated by one Lua script, so the read, refill and take are one
atomic step whichever worker runs it, on Redis's own clock (workers on several machines need not
agree on the time). A bucket left alone expires once it would have refilled.

When Redis does not answer, the limit falls back to the process's own buckets for a second
before Redis is asked again: a request is never refused or failed because Redis is down, and a
flood is still limited per process.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("safezone.ratelimit")
PREFIX = "safezone:rate"
RETRY_REDIS_S = 1.0

# KEYS[1] the bucket; ARGV: tokens per second, burst. Returns the seconds to wait (0: go ahead),
# as a string (Redis would truncate a Lua number to an integer).
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'when')
local tokens = tonumber(held[1]) or burst
local when = tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - when) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'when', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class SharedRateLimiter:
    """One bucket kind ("public", "login", …) for every worker; `fallback` is the process's own."""

    def __init__(self, redis: aioredis.Redis, name: str, fallback) -> None:
        self.name = name
        self.fallback = fallback
        self._take = redis.register_script(TAKE)
        self._redis_again = 0.0

    async def acquire(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before the next one will."""
        if time.monotonic() >= self._redis_again:
            try:
                wait = await self._take(keys=[f"{PREFIX}:{self.name}:{client}"],
                                        args=[self.fallback.rate, self.fallback.burst])
                return float(wait)
            except (RedisError, OSError) as down:
                log.warning("shared rate limit unavailable, limiting per process: %s", down)
                self._redis_again = time.monotonic() + RETRY_REDIS_S
        return self.fallback.take(client)
