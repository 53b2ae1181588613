"""uvicorn's HTTP protocol, made to let go of connections that never finish their headers.

uvicorn times out idle keep-alive connections, but not one that connects and sends
nothing, nor one that sends its headers a byte at a time (slowloris): 800 of
those held the server's file descriptors until nobody else could connect. Here:

- a request's headers must be complete within HEADER_TIMEOUT_SECONDS of the
  connection (or of the request's first byte, on a kept-alive connection), or the
  connection is closed;
- one client address may hold at most MAX_PENDING_CONNECTIONS_PER_ADDRESS
  connections whose headers are not complete; further ones are closed at once.

`python -m app` uses it (`http="app.web.protocols:HttpProtocol"`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import Settings
from app.ratelimit import address_key

_limits: tuple[float, int] | None = None
_pending: dict[str, int] = {}
"""Client address → its connections waiting for complete headers (this process)."""


def limits() -> tuple[float, int]:
    """(header timeout, pending connections per address), from the settings, once."""
    global _limits
    if _limits is None:
        settings = Settings()
        _limits = (settings.header_timeout_seconds, settings.max_pending_connections_per_address)
    return _limits


class HttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a deadline for request headers, and a cap per address on
    connections still sending them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_on: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _, cap = limits()
        address = address_key(self.client[0]) if self.client else "unknown"
        if _pending.get(address, 0) >= cap:
            transport.abort()
            return
        self._waiting_on = address
        _pending[address] = _pending.get(address, 0) + 1
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            timeout, _ = limits()
            self._deadline = self.loop.call_later(timeout, self._too_slow)

    def _done_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        address, self._waiting_on = self._waiting_on, None
        if address is not None:
            left = _pending.get(address, 0) - 1
            if left > 0:
                _pending[address] = left
            else:
                _pending.pop(address, None)

    def _too_slow(self) -> None:
        self._deadline = None
        self._done_waiting()
        if not self.transport.is_closing():
            self.transport.abort()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # the next request on a kept-alive connection

    def on_headers_complete(self) -> None:
        self._done_waiting()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._done_waiting()
        super().connection_lost(exc)
