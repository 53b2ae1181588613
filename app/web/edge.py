"""Checks at the edge, before any route: request size, and same-origin.

Same-origin: cross-site websockets, and cross-site posts riding on a cookie.

Browsers send `Origin` on websocket handshakes and on form posts. A handshake
or a cookie-authenticated write whose Origin is not this server (or one named
in ALLOWED_ORIGINS / PUBLIC_URL) is refused: a page on another site cannot
open a room's live channel with a phone's cookie, nor post a form as the
facilitator (CSRF). API clients with a Bearer token send no cookie and are not
affected; neither are requests without Origin or Referer (not a browser, so
no one's cookie is being borrowed).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.deps import COOKIE_PREFIX
from app.web.errors import RequestTooLarge

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Bodies over the limit are refused with 413 in the contract's shape.

    A declared Content-Length is checked before the app runs; a body sent
    without one is counted as it is read.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await _refuse(send, 413, "too_large", str(RequestTooLarge(self.limit)))
            return
        seen = 0
        over = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                over = True
                raise RequestTooLarge(self.limit)
            return message

        async def answer(message: Message) -> None:
            # However the app reports the interrupted read (FastAPI says 400),
            # the answer is 413 in the contract's shape.
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await _refuse(send, 413, "too_large", str(RequestTooLarge(self.limit)))

        await self.app(scope, counted, answer)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-case ('' if it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class OriginCheck:
    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = {origin_of(o) for o in allowed if origin_of(o)}

    def _own(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
        host = headers.get(b"host", b"").decode("latin-1")
        return f"{scheme}://{host}".lower()

    def _foreign(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        claimed = headers.get(b"origin", b"").decode("latin-1")
        if not claimed or claimed == "null":
            referer = headers.get(b"referer", b"").decode("latin-1")
            claimed = origin_of(referer) if referer else claimed
        if not claimed:
            return False
        if claimed == "null":
            return True
        origin = claimed.lower()
        return origin != self._own(scope, headers) and origin not in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["type"] == "websocket":
            if self._foreign(scope, headers):
                await send({"type": "websocket.close", "code": 4403, "reason": "foreign origin"})
                return
        elif scope["method"] in UNSAFE and b"authorization" not in headers:
            cookie = headers.get(b"cookie", b"").decode("latin-1")
            if COOKIE_PREFIX in cookie and self._foreign(scope, headers):
                await _refuse(
                    send,
                    403,
                    "foreign_origin",
                    "This request came from another site and was refused.",
                )
                return
        await self.app(scope, receive, send)
