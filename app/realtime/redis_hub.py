"""Redis pub/sub hub, for several workers sharing rooms (BROKER_URL=redis://…).

One pub/sub connection per worker carries every room this worker holds. If
the connection drops (Redis restarted, or it cut off a slow subscriber), the
hub reconnects with back-off, subscribes again, and hands every local
subscriber a RESYNC message: the room channel then fills any gap from the
database, so no client ever sees a hole in `seq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.realtime.messages import RESYNC

log = logging.getLogger(__name__)
PREFIX = "common-ground:room:"
CONTROL = "common-ground:control"


class RedisHub:
    """Publishes each room's messages on its own Redis channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._redis: redis.Redis = redis.from_url(url, decode_responses=True)
        self._queues: dict[str, set[asyncio.Queue[str]]] = {}
        self._pubsub: redis.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        await self._redis.ping()
        await self._connect()
        self._reader = asyncio.create_task(self._read(), name="redis-hub")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(CONTROL, *(PREFIX + room for room in self._queues))
        self._pubsub = pubsub
        self._connected.set()

    async def _read(self) -> None:
        delay = 0.2
        while True:
            try:
                if self._pubsub is None:  # the last reconnect failed
                    raise RedisConnectionError("not connected to Redis")
                message = await self._pubsub.get_message(timeout=5.0)
                delay = 0.2
                if message and message.get("type") == "message":
                    room = str(message["channel"]).removeprefix(PREFIX)
                    for queue in self._queues.get(room, ()):
                        queue.put_nowait(str(message["data"]))
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                self._connected.clear()
                log.warning("redis hub: connection lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                with contextlib.suppress(Exception):
                    if self._pubsub is not None:
                        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
                self._pubsub = None
                try:
                    await self._connect()
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    continue
                log.warning("redis hub: reconnected; rooms resync from the database")
                for queues in self._queues.values():
                    for queue in queues:
                        queue.put_nowait(RESYNC)

    async def publish(self, room: str, message: str) -> None:
        """Publish, retrying briefly while Redis is away (the event is already stored)."""
        for attempt in range(3):
            try:
                await self._redis.publish(PREFIX + room, message)
                return
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if attempt == 2:
                    # Subscribers resync from the database when their connection returns.
                    log.warning("redis hub: could not publish to %s: %s", room, exc)
                    return
                await asyncio.sleep(0.2 * (attempt + 1))

    @asynccontextmanager
    async def subscribe(self, room: str) -> AsyncIterator[AsyncIterator[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        first = room not in self._queues
        self._queues.setdefault(room, set()).add(queue)
        if first and self._pubsub is not None:
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                await self._pubsub.subscribe(PREFIX + room)
        try:
            yield _drain(queue)
        finally:
            queues = self._queues.get(room)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[room]
                    if self._pubsub is not None:
                        with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                            await self._pubsub.unsubscribe(PREFIX + room)


async def _drain(queue: asyncio.Queue[str]) -> AsyncIterator[str]:
    while True:
        yield await queue.get()
