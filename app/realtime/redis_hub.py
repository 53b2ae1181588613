"""Redis pub/sub hub, for several workers sharing rooms (BROKER_URL=redis://…)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis

PREFIX = "common-ground:room:"


class RedisHub:
    """Publishes each room's messages on its own Redis channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._redis: redis.Redis = redis.from_url(url, decode_responses=True)

    async def start(self) -> None:
        await self._redis.ping()

    async def stop(self) -> None:
        await self._redis.aclose()

    async def publish(self, room: str, message: str) -> None:
        await self._redis.publish(PREFIX + room, message)

    @asynccontextmanager
    async def subscribe(self, room: str) -> AsyncIterator[AsyncIterator[str]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(PREFIX + room)
        try:
            yield _messages(pubsub)
        finally:
            await pubsub.unsubscribe(PREFIX + room)
            await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _messages(pubsub: redis.client.PubSub) -> AsyncIterator[str]:
    async for message in pubsub.listen():
        if message.get("type") == "message":
            yield str(message["data"])
