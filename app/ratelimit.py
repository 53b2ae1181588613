"""A token bucket per key: bursts are fine, floods get a 429 with Retry-After.

`RateLimiter` keeps its buckets in this process, bounded: buckets that have
refilled (they hold nothing) are dropped as it goes, and past `max_keys` the
least recently used go. `Budget` is the same bucket behind an async interface
that can reserve a token before an answer and give it back after; `budget()`
makes one in memory or, with a redis:// URL, shared by every worker.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from app.i18n import N_

MAX_KEYS = 100_000
"""Buckets one limiter keeps at most (an address flood cannot grow it without end)."""
PRUNE_EVERY = 256
"""Every this many uses, buckets that have refilled are dropped."""


class RateLimited(Exception):
    """Too many requests; `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


def address_key(address: str) -> str:
    """The key of a client address: IPv4 as it is, IPv6 by its /64 (what one household
    or one attacker gets; counting single IPv6 addresses would give each guess a fresh
    budget)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass
class RateLimiter:
    """`burst` actions at once, then one every `per` seconds, per key."""

    burst: int
    per: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = MAX_KEYS
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)
    _uses: int = 0

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) / self.per)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        self._uses += 1
        if self._uses % PRUNE_EVERY == 0 or len(self._buckets) > self.max_keys:
            self._forget(now)

    def _retry_after(self, tokens: float) -> int:
        return max(1, math.ceil((1 - tokens) * self.per))

    def hit(self, key: str, message: str = N_("Slow down a little, then try again.")) -> None:
        """Spend one token for `key`, or raise RateLimited."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1:
            self._store(key, tokens, now)
            raise RateLimited(self._retry_after(tokens), message)
        self._store(key, tokens - 1, now)

    def wait(self, key: str) -> int:
        """Seconds `key` must wait before its next action (0: go ahead). Spends nothing."""
        tokens = self._tokens(key, self.clock())
        return 0 if tokens >= 1 else self._retry_after(tokens)

    def spend(self, key: str) -> None:
        """Count one action for `key` (it may go below zero: waits grow with abuse)."""
        now = self.clock()
        self._store(key, max(self._tokens(key, now) - 1, -float(self.burst)), now)

    def take(self, key: str) -> int:
        """Reserve one token if there is one (0), else the seconds to wait: check and
        spend at once, so that concurrent requests cannot all pass one check."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1:
            return self._retry_after(tokens)
        self._store(key, tokens - 1, now)
        return 0

    def give(self, key: str) -> None:
        """Give back a token `take` reserved (the action turned out not to count)."""
        now = self.clock()
        self._store(key, min(float(self.burst), self._tokens(key, now) + 1), now)

    @property
    def size(self) -> int:
        """Buckets held now (`__len__` would make an empty limiter falsy)."""
        return len(self._buckets)

    def _forget(self, now: float) -> None:
        """Drop buckets that have refilled completely (they hold no information): the
        least recently used come first, so this stops at the first one still in use.
        Past `max_keys`, the least recently used go anyway."""
        full = self.burst * self.per
        while self._buckets:
            key, (_, last) = next(iter(self._buckets.items()))
            if now - last <= full and len(self._buckets) <= self.max_keys:
                break
            del self._buckets[key]


class Budget(Protocol):
    """A limit that may be reserved before an answer and given back after."""

    async def take(self, key: str) -> int:
        """Reserve one token (0), or the seconds to wait."""
        ...

    async def give(self, key: str) -> None:
        """Give a reserved token back."""
        ...

    async def close(self) -> None: ...


@dataclass
class MemoryBudget:
    """A Budget in this process (one worker)."""

    limiter: RateLimiter

    async def take(self, key: str) -> int:
        return self.limiter.take(key)

    async def give(self, key: str) -> None:
        self.limiter.give(key)

    async def close(self) -> None:
        return None


def budget(url: str, name: str, *, burst: int, per: float) -> Budget:
    """A budget in memory (`memory://`), or in Redis (`redis://…`: every worker shares it)."""
    if url.startswith(("redis://", "rediss://")):
        from app.shared_limits import RedisBudget

        shared: Budget = RedisBudget(url, name, burst=burst, per=per)
        return shared
    return MemoryBudget(RateLimiter(burst=burst, per=per))
