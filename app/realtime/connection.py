"""One live socket as a room channel sees it: who is looking, and a bounded outbox.

A slow phone never stalls a room: live updates are offered, and a socket whose
outbox is full is closed (it reconnects and catches up from where it was).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.domain.events import Event, Viewer

Format = Literal["json", "html"]
SEND_QUEUE = 4096
"""At most this many messages wait for one socket…"""
OUTBOX_BYTES = 256 * 1024
"""…and at most this much text: past either, a live update closes the socket (1013),
which reconnects and catches up from its last seq. A snapshot or catch-up waits."""
CLOSE_REMOVED = 4403
CLOSE_GONE = 4404
CLOSE_TOO_SLOW = 1013
STUCK_AFTER = 40.0
"""A send the peer has not taken within this (the keepalive's 20 s + 20 s) means it is
gone; the channel's heartbeat lets go of such sockets."""


class Mailbox:
    """A socket's bounded outbox: a deque (while anything waits) and at most one waiting sender.

    Lighter than asyncio.Queue (which keeps three deques and an Event per
    instance): with a thousand phones connected, that difference shows.
    """

    __slots__ = ("_items", "_limit", "_room", "_size", "_waiter", "bytes")

    def __init__(self, limit: int, size: int = OUTBOX_BYTES) -> None:
        self._items: deque[str | None] | None = None
        """None while empty: an idle socket holds no deque (760 bytes each)."""
        self._limit = limit
        self._size = size
        self.bytes = 0
        """Characters waiting (the text's length: what the socket will send, about)."""
        self._waiter: asyncio.Future[None] | None = None
        self._room: asyncio.Future[None] | None = None

    @property
    def waiting(self) -> int:
        """Messages queued."""
        return len(self._items) if self._items else 0

    def full(self, adding: int = 0) -> bool:
        """No room for `adding` more characters behind the message at the head.

        The head is the one the sender is sending next (a first message always fits):
        a snapshot or a whole page larger than the bound must not make the first small
        update behind it look like a client too slow to read."""
        if not self._items:
            return False
        head = self._items[0]
        behind = self.bytes - (len(head) if head else 0)
        return len(self._items) >= self._limit or behind + adding > self._size

    def push(self, item: str | None) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        if item:
            self.bytes += len(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> str | None:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        if item:
            self.bytes -= len(item)
        if self._room is not None and not self._room.done():
            self._room.set_result(None)
        return item

    async def wait_for_room(self) -> None:
        """Back-pressure for snapshots and replays: wait while the outbox is full."""
        while self.full():
            self._room = asyncio.get_running_loop().create_future()
            try:
                await self._room
            finally:
                self._room = None

    def clear(self) -> None:
        self._items = None
        self.bytes = 0
        if self._room is not None and not self._room.done():
            self._room.set_result(None)


@dataclass(eq=False, slots=True)
class Connection:
    """One websocket, with a bounded outbox so a slow phone never stalls a room."""

    code: str
    viewer: Viewer
    format: Format
    page: str = "phone"
    lang: str = "en"
    """The language its page is rendered in (a code of `app.i18n`)."""
    outbox: Mailbox = field(default_factory=lambda: Mailbox(SEND_QUEUE))
    close_code: int | None = None
    close_reason: str = ""
    last_seq: int = 0
    pending: list[Event] | None = field(default_factory=list)
    on_too_slow: Callable[[Connection], None] | None = None
    """Set by the channel: a socket closed for being too slow leaves the room at once,
    even while its sender is still stuck writing to it."""
    sending_since: float = 0.0
    """When the send in progress began (monotonic), 0 when none is."""
    on_stuck: Callable[[], None] | None = None
    """Set by the socket: let go of it (its send has not finished for STUCK_AFTER s)."""
    view: dict[str, Any] | None = None
    """What the renderer remembers of what this page shows, where that is not rendered
    from the room alone (the control view's grouping suggestions); None for most."""

    async def put(self, message: str) -> None:
        """Queue a message, waiting for room (a snapshot or replay is never dropped)."""
        await self.outbox.wait_for_room()
        if self.close_code is None:
            self.outbox.push(message)

    def offer(self, message: str, *, supersedes: bool = False) -> None:
        """Queue a message; a full outbox means the client is too slow: drop it.

        A message that `supersedes` what is queued (a whole screen) replaces it."""
        if self.close_code is not None:
            return
        if supersedes:
            self.outbox.clear()
        if self.outbox.full(len(message)):
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect to catch up")
            if self.on_too_slow is not None:
                self.on_too_slow(self)
            return
        self.outbox.push(message)

    def close(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket (after what is already queued)."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        if code == CLOSE_TOO_SLOW:
            # Nothing more for a client that stopped reading: it resumes from the last
            # event it did read (no gap), and its backlog is freed at once.
            self.outbox.clear()
        self.outbox.push(None)  # the close goes out after what is queued, even if full
