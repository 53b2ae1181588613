"""How much of this worker one token or one address may hold through live sockets.

- **Sockets per token** (MAX_SOCKETS_PER_TOKEN) and **per client address**
  (MAX_SOCKETS_PER_ADDRESS, an IPv6 client by its /64): past either, a new
  handshake is refused (429 `too_many_sockets`), so no one can take the file
  descriptors everyone else needs.
- **Bytes queued per token** (TOKEN_OUTBOX_BYTES) across all its sockets: each
  socket's outbox is bounded (`app.realtime.connection`), and a token's sockets
  share one budget on top; when it overflows, the socket holding the most is
  closed 1013 (it reconnects and catches up from its last seq). Many stalled
  sockets on one token therefore hold at most this much, not N × the outbox.
- **Replays at once** (MAX_CONCURRENT_REPLAYS): sockets that attach with
  `since` read and send the log in turns, and one that does not take its
  replay within REPLAY_SECONDS is closed 1013 (a bystander's request is never
  stalled behind fifty replays of a long log).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.realtime.connection import CLOSE_TOO_SLOW, SEND_QUEUE, Connection, Mailbox

REPLAY_SECONDS = 15.0
"""A replay (or catch-up) the client has not taken within this is cut off (1013)."""


class TokenBudget:
    """The bytes queued for one token's sockets on this worker."""

    __slots__ = ("limit", "members", "total")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.members: set[SharedOutbox] = set()

    def grew(self, size: int) -> None:
        self.total += size
        while self.total > self.limit:
            # A backlog is two messages or more: one message always fits (a whole screen
            # replaces what was queued), as in each socket's own outbox.
            backlogged = [o.connection for o in self.members if o.backlog]
            candidates = [c for c in backlogged if c is not None and c.close_code is None]
            if not candidates:
                return
            connection = max(candidates, key=lambda c: c.outbox.bytes)
            connection.close(CLOSE_TOO_SLOW, "too slow: reconnect to catch up")
            if connection.on_too_slow is not None:
                connection.on_too_slow(connection)  # it leaves the room at once

    def shrank(self, size: int) -> None:
        self.total = max(0, self.total - size)


class SharedOutbox(Mailbox):
    """A socket's outbox whose bytes also count in its token's budget."""

    __slots__ = ("budget", "connection")

    def __init__(self, budget: TokenBudget) -> None:
        super().__init__(SEND_QUEUE)
        self.budget = budget
        self.connection: Connection | None = None
        budget.members.add(self)

    def push(self, item: str | None) -> None:
        super().push(item)
        if item:
            self.budget.grew(len(item))

    async def get(self) -> str | None:
        item = await super().get()
        if item:
            self.budget.shrank(len(item))
        return item

    def clear(self) -> None:
        held = self.bytes
        super().clear()
        self.budget.shrank(held)

    @property
    def backlog(self) -> bool:
        """More than one message waits: the socket is behind, not just busy."""
        return self.waiting > 1 and self.connection is not None

    def leave(self) -> None:
        self.budget.shrank(self.bytes)
        self.budget.members.discard(self)


class TooMany(Exception):
    """A handshake over a cap: the reason, for the refusal."""


@dataclass
class SocketGate:
    """This worker's count of live sockets per token and per address."""

    per_token: int
    per_address: int
    token_bytes: int
    replays: int
    _tokens: dict[str, int] = field(default_factory=dict)
    _addresses: dict[str, int] = field(default_factory=dict)
    _budgets: dict[str, TokenBudget] = field(default_factory=dict)
    _replaying: asyncio.Semaphore | None = None

    def admit(self, token: str, address: str) -> SharedOutbox:
        """Count a new socket in, and give it its outbox; TooMany over a cap."""
        if self._tokens.get(token, 0) >= self.per_token:
            raise TooMany(
                f"This sign-in already has {self.per_token} live connections open; "
                "close a tab or two."
            )
        if self._addresses.get(address, 0) >= self.per_address:
            raise TooMany(f"This network already has {self.per_address} live connections open.")
        self._tokens[token] = self._tokens.get(token, 0) + 1
        self._addresses[address] = self._addresses.get(address, 0) + 1
        budget = self._budgets.get(token)
        if budget is None:
            budget = self._budgets[token] = TokenBudget(self.token_bytes)
        return SharedOutbox(budget)

    def leave(self, token: str, address: str, outbox: SharedOutbox) -> None:
        outbox.leave()
        for counts, key in ((self._tokens, token), (self._addresses, address)):
            left = counts.get(key, 0) - 1
            if left > 0:
                counts[key] = left
            else:
                counts.pop(key, None)
        if token not in self._tokens:
            self._budgets.pop(token, None)

    def held(self, token: str) -> int:
        """Bytes queued now for `token`'s sockets (tests, measurements)."""
        budget = self._budgets.get(token)
        return budget.total if budget else 0

    @contextlib.asynccontextmanager
    async def replay(self, connection: Connection) -> AsyncIterator[None]:
        """A turn to replay the log to `connection`, cut off after REPLAY_SECONDS."""
        if self._replaying is None:
            self._replaying = asyncio.Semaphore(self.replays)
        async with self._replaying:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(
                REPLAY_SECONDS, connection.close, CLOSE_TOO_SLOW, "replay not taken: reconnect"
            )
            try:
                yield
            finally:
                timer.cancel()
