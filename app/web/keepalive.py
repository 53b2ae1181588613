"""uvicorn's websocket protocol, made to let go of a silent peer with unsent data.

On a keepalive ping timeout uvicorn closes the transport gracefully: asyncio
then waits for the write buffer to flush before it reports the connection lost
— and a phone that vanished mid-update never reads it, so the app would keep
the phone "online" (and its outbox) until TCP gives up, minutes later. Here the
transport is aborted a moment after the timeout, so the app hears the
disconnect within ping interval + timeout (+ ABORT_AFTER).
`python -m app` uses it (uvicorn's command line accepts only its built-in protocols).
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

ABORT_AFTER = 2.0
"""Seconds a timed-out socket has to flush its close frame before it is cut."""


class Protocol(WebSocketsSansIOProtocol):
    """WebSocketsSansIOProtocol whose keepalive timeout ends the connection for sure."""

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.loop.call_later(ABORT_AFTER, self._abort)

    def _abort(self) -> None:
        if not self.disconnected:
            self.transport.abort()  # calls connection_lost: the app gets its disconnect
