"""Limits shared by every worker: the token bucket of `app.ratelimit`, kept in Redis.

Each key is one hash (tokens, last) that a Lua script reads and changes at once,
so that reserving on one worker and giving back on another cannot race; a key
expires once its bucket would have refilled (Redis prunes idle addresses itself).
Time comes from the calling worker's wall clock (workers on several machines
share no monotonic clock); a skew of a second or two only shifts the refill.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import redis.asyncio as redis

PREFIX = "common-ground:limit:"

# KEYS[1] bucket; ARGV: burst, per, now, delta (-1 take, +1 give).
# Returns 0 when taken or given, else the milliseconds until a token is back.
SCRIPT = """
local burst = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local delta = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1]) or burst
local last = tonumber(state[2]) or now
if now > last then tokens = math.min(burst, tokens + (now - last) / per) end
if delta < 0 and tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'last', math.max(now, last))
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst * per * 1000) + 1000)
  return math.ceil((1 - tokens) * per * 1000)
end
tokens = math.min(burst, tokens + delta)
redis.call('HSET', KEYS[1], 'tokens', tokens, 'last', math.max(now, last))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * per * 1000) + 1000)
return 0
"""


class RedisBudget:
    """A `Budget` every worker shares (BROKER_URL=redis://…)."""

    def __init__(
        self,
        url: str,
        name: str,
        *,
        burst: int,
        per: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.burst = burst
        self.per = per
        self.clock = clock
        # A few connections, shared: a burst of requests waits for one rather than
        # opening hundreds (each call is one short script).
        pool = redis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=16, timeout=10
        )
        self._redis: redis.Redis = redis.Redis(connection_pool=pool)
        self._script = self._redis.register_script(SCRIPT)

    async def _run(self, key: str, delta: int) -> int:
        args: list[str | int | float] = [self.burst, self.per, f"{self.clock():.6f}", delta]
        waited = int(await self._script(keys=[f"{PREFIX}{self.name}:{key}"], args=args))
        return 0 if waited <= 0 else max(1, math.ceil(waited / 1000))

    async def take(self, key: str) -> int:
        return await self._run(key, -1)

    async def give(self, key: str) -> None:
        await self._run(key, +1)

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
