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

from app.ratelimit import RateLimiter
from app.web.deps import COOKIE_PREFIX
from app.web.errors import RequestTooLarge

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def _refuse(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *extra],
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


ROOM_PATHS = ("/rooms/", "/api/rooms/", "/join", "/j/")


class GuessGuard:
    """Room codes cannot be guessed: requests about a room that turn out 404
    ("no such room") are counted per client address, and past a burst that
    address waits (429 with Retry-After) before it may ask about rooms again.

    Only failures count, so a whole school joining from one address (NAT) is
    never slowed; a few mistyped codes fit in the burst.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not path.startswith(ROOM_PATHS):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.limiter.wait(address)
        if wait:
            message = "Too many unknown room codes from this network; try again shortly."
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1013, "reason": "slow down"})
                return
            await _refuse(send, 429, "too_many_requests", message, {"retry-after": str(wait)})
            return

        async def counted(message: Message) -> None:
            starts = message["type"] in ("http.response.start", "websocket.http.response.start")
            if starts and message.get("status") == 404:
                self.limiter.spend(address)
            await send(message)

        await self.app(scope, receive, counted)


class RequestRate:
    """A flood of HTTP requests from one address gets 429 with Retry-After.

    Generous on purpose: a whole school behind one NAT address (300 phones,
    ~7 requests each to join) fits in the burst. Static files and the health
    check are not counted.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/static/") or path == "/healthz":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.limiter.wait(address)
        if wait:
            await _refuse(
                send,
                429,
                "too_many_requests",
                "Too many requests from this network; slow down.",
                {"retry-after": str(wait)},
            )
            return
        self.limiter.spend(address)
        await self.app(scope, receive, send)
