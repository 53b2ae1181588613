"""uvicorn's websocket protocol, made to let go of a silent peer and to weigh less.

On a keepalive ping timeout uvicorn closes the transport gracefully: asyncio
then waits for the write buffer to flush before it reports the connection lost
— and a phone that vanished mid-update never reads it, so the app would keep
the phone "online" (and its outbox) until TCP gives up, minutes later. Here the
transport is aborted a moment after the timeout, so the app hears the
disconnect within ping interval + timeout (+ ABORT_AFTER).

A phone's socket lives for the whole session, so what it holds is memory per
phone: here its incoming events wait in a list (not an asyncio.Queue, which
keeps three deques and an Event), "writable" is one future at most (not an
asyncio.Event's deque of waiters), and the handshake's request and response
(their headers: about 4 KiB) are let go once the socket is accepted.
`python -m app` uses it (uvicorn's command line accepts only its built-in protocols).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

ABORT_AFTER = 2.0
"""Seconds a timed-out socket has to flush its close frame before it is cut."""


class Inbox:
    """The part of asyncio.Queue uvicorn uses for a socket's incoming events (a few at
    a time: connect, the odd receive, disconnect), in a list (a deque is 760 bytes)."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Flag:
    """The part of asyncio.Event uvicorn uses for "the transport can take more"."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        if self._set:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class Protocol(WebSocketsSansIOProtocol):
    """WebSocketsSansIOProtocol whose keepalive timeout ends the connection for sure,
    and whose idle socket holds as little as it can."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]  # the same calls, lighter
        self.writable = Flag()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Read only while accepting: the headers need not stay for the session.
            # (The parser's generator still refers to the request: empty it too.)
            for handshake in (vars(self).pop("request", None), vars(self).pop("response", None)):
                if handshake is not None:
                    handshake.headers.clear()

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.loop.call_later(ABORT_AFTER, self._abort)

    def _abort(self) -> None:
        if not self.disconnected:
            self.transport.abort()  # calls connection_lost: the app gets its disconnect
