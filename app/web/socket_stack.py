"""The websockets' own short stack: the guessing guard, the origin check, their routes.

A phone's socket lives for the whole session, and every layer its handshake
passes through keeps a frame (and its closures) alive for as long: memory per
phone. The HTTP-only layers (security headers, request rate, body limit, gzip,
FastAPI's error and dependency middleware) have nothing to do for a websocket,
so sockets skip them. The live routes are plain Starlette routes (no FastAPI
dependencies), and refuse with the contract's shapes themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.edge import OriginCheck
from app.web.guesses import GuessGuard


class App(FastAPI):
    """FastAPI, with websockets sent down their own stack once `sockets_through` is set."""

    sockets: ASGIApp | None = None

    def sockets_through(
        self, guard: GuessGuard, allowed: tuple[str, ...], routes: Sequence[BaseRoute]
    ) -> None:
        """Websockets pass `guard` (the same one HTTP requests pass), then the origin
        check, then `routes`."""
        self.sockets = guard.around(OriginCheck(Router(routes=list(routes)), allowed=allowed))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.sockets is not None:
            scope["app"] = self  # what Starlette sets: websocket.app.state
            await self.sockets(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
