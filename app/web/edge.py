"""Checks at the edge, before any route: request size, same-origin, request floods.

Same-origin: cross-site websockets, and cross-site writes (CSRF, login CSRF).
Browsers send `Origin` (and `Sec-Fetch-Site`) on websocket handshakes and form
posts; one from another site (other than those in ALLOWED_ORIGINS / PUBLIC_URL)
is refused: a page on another site cannot open a room's live channel with a
phone's cookie, post a form as the facilitator, nor sign a browser into a room
as someone else. API clients with a Bearer token are not affected; neither are
requests without Origin, Referer or Sec-Fetch-Site (not a browser, so no one's
cookie is being borrowed). Guessing room codes: `app.web.guesses`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ratelimit import RateLimiter, address_key
from app.web.deps import bearer_of
from app.web.errors import RequestTooLarge

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def refuse(
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
            await refuse(
                send, 413, "too_large", RequestTooLarge(self.limit).said(HTTPConnection(scope))
            )
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
                await refuse(
                    send, 413, "too_large", RequestTooLarge(self.limit).said(HTTPConnection(scope))
                )

        await self.app(scope, counted, answer)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-case ('' if it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class OriginCheck:
    """Cross-site writes and websockets are refused (403 `foreign_origin` / close 4403).

    Every unsafe request is checked unless it authenticates with `Authorization:
    Bearer` (which a browser never adds by itself, and then no cookie is read for
    it: see `deps.presented_token`): with a cookie or without one, as a form that
    signs someone in (join, facilitate) is a write too (login CSRF). A request is
    cross-site when its `Sec-Fetch-Site` says so, its `Origin` is another site or
    `null` (whatever its Referer claims), or it has no Origin and its Referer is
    another site. Requests with none of these are not from a browser.
    """

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = {origin_of(o) for o in allowed if origin_of(o)}

    def _own(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
        host = headers.get(b"host", b"").decode("latin-1")
        return f"{scheme}://{host}".lower()

    def _foreign(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        claimed = headers.get(b"origin", b"").decode("latin-1").strip().lower()
        if claimed == "null":
            return True  # sandboxed frames, data: URLs, some redirects: never ours
        if not claimed:
            referer = headers.get(b"referer", b"").decode("latin-1")
            claimed = origin_of(referer) if referer else ""
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if claimed:
            if claimed in self.allowed:
                return False
            if claimed != self._own(scope, headers):
                return True
        # Our own origin (or none given): the browser's own word on it decides.
        return site in ("cross-site", "same-site")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["type"] == "websocket":
            if self._foreign(scope, headers):
                await send({"type": "websocket.close", "code": 4403, "reason": "foreign origin"})
                return
        elif scope["method"] in UNSAFE:
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            if bearer_of(authorization) is None and self._foreign(scope, headers):
                await refuse(
                    send,
                    403,
                    "foreign_origin",
                    "This request came from another site and was refused.",
                )
                return
        await self.app(scope, receive, send)


def client_key(scope: Scope) -> str:
    """Whom a limit counts: the client's address (an IPv6 client by its /64)."""
    client = scope.get("client")
    return address_key(client[0]) if client else "unknown"


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
        address = client_key(scope)
        wait = self.limiter.wait(address)
        if wait:
            await refuse(
                send,
                429,
                "too_many_requests",
                "Too many requests from this network; slow down.",
                {"retry-after": str(wait)},
            )
            return
        self.limiter.spend(address)
        await self.app(scope, receive, send)
