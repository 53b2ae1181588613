"""A token bucket per key: bursts are fine, floods get a 429 with Retry-After."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class RateLimited(Exception):
    """Too many requests; `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


@dataclass
class RateLimiter:
    """`burst` actions at once, then one every `per` seconds, per key."""

    burst: int
    per: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def hit(self, key: str, message: str = "Slow down a little, then try again.") -> None:
        """Spend one token for `key`, or raise RateLimited."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.per)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            raise RateLimited(max(1, math.ceil((1 - tokens) * self.per)), message)
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 50_000:
            self._forget(now)

    def wait(self, key: str) -> int:
        """Seconds `key` must wait before its next action (0: go ahead). Spends nothing."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.per)
        return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) * self.per))

    def spend(self, key: str) -> None:
        """Count one action for `key` (it may go below zero: waits grow with abuse)."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.per)
        self._buckets[key] = (max(tokens - 1, -float(self.burst)), now)

    def _forget(self, now: float) -> None:
        """Drop buckets that have refilled completely (they hold no information)."""
        full = self.burst * self.per
        for key in [k for k, (_, last) in self._buckets.items() if now - last > full]:
            del self._buckets[key]
