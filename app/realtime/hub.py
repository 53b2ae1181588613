"""The hub: publish a message to a room, subscribe to a room's messages.

A broker is chosen by URL: `memory://` (one process) or `redis://…` (several
workers). Messages are opaque strings; the hub keeps no history — a
subscriber that misses one fills the gap from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class Hub(Protocol):
    """What the app needs from a broker."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, room: str, message: str) -> None: ...

    def subscribe(self, room: str) -> AbstractAsyncContextManager[AsyncIterator[str]]: ...


class MemoryHub:
    """In-process hub: one asyncio queue per subscriber."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._subscribers.clear()

    async def publish(self, room: str, message: str) -> None:
        for queue in self._subscribers.get(room, ()):
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self, room: str) -> AsyncIterator[AsyncIterator[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers.setdefault(room, set()).add(queue)
        try:
            yield _drain(queue)
        finally:
            subscribers = self._subscribers.get(room)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[room]


async def _drain(queue: asyncio.Queue[str]) -> AsyncIterator[str]:
    while True:
        yield await queue.get()


def make_hub(url: str) -> Hub:
    """The hub for a BROKER_URL."""
    if url.startswith("memory://"):
        return MemoryHub()
    if url.startswith(("redis://", "rediss://")):
        from app.realtime.redis_hub import RedisHub

        hub: Hub = RedisHub(url)
        return hub
    raise ValueError(f"BROKER_URL must start with memory:// or redis://, not {url!r}")
