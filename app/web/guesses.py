"""Room codes cannot be guessed: answers that tell whether a code is a room are rationed
per client address (UNKNOWN_CODE_BURST, then one every UNKNOWN_CODE_INTERVAL_SECONDS).

Two kinds of request ask about a room:

- **By code, without a token** (the join page and form, a board or phone page
  opened without a cookie…): each one *reserves* a token of the address's
  `lookups` budget before it runs, and gives it back once the room turns out to
  exist. So however many run at once, no more of them can learn "no such room"
  than the budget holds — and a whole school joining at once from one NAT address
  is never refused (its joins give back what they reserve; while the budget is
  reserved, further requests wait a moment for it rather than fail).
- **With a token** (a phone's cookie, an API client's Bearer): never refused up
  front, so nobody with a valid token for an existing room is ever locked out by
  someone else's guessing on the same address. Only if the answer is "no such
  room" or "not a valid token" is a token of the address's `tokens` budget spent;
  when there is none left, that answer becomes 429 — as it would for any
  code, existing or not, so a made-up token teaches nothing either.

Anything else — a note id that does not exist, a phone of a deleted room — counts
in neither. With BROKER_URL=redis://… both budgets are shared by every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import lookups
from app.domain.codes import normalize_code
from app.ratelimit import Budget
from app.web.deps import COOKIE_PREFIX, bearer_of
from app.web.edge import client_key, refuse

ROOM_PATHS = ("/rooms/", "/api/rooms/", "/join", "/j/")
HOLD_SECONDS = 2.0
"""How long a request by code waits for a reservation to come back before it is refused."""
ANSWERS = ("http.response.start", "websocket.accept", "websocket.http.response.start")
REFUSALS = ("websocket.close",)
MESSAGE = "Too many unknown room codes from this network; try again shortly."


def _cookie_names(headers: dict[bytes, bytes]) -> set[str]:
    raw = headers.get(b"cookie", b"").decode("latin-1")
    return {part.split("=", 1)[0].strip() for part in raw.split(";") if "=" in part}


def carries_token(scope: Scope) -> bool:
    """Whether the request presents a token: Bearer, or this room's cookie."""
    headers = dict(scope["headers"])
    if bearer_of(headers.get(b"authorization", b"").decode("latin-1")):
        return True
    parts = scope.get("path", "").strip("/").split("/")
    index = 2 if parts[:2] == ["api", "rooms"] else 1 if parts[:1] == ["rooms"] else -1
    if index < 0 or len(parts) <= index:
        return False
    return f"{COOKIE_PREFIX}{normalize_code(parts[index])}" in _cookie_names(headers)


class GuessGuard:
    def __init__(
        self, app: ASGIApp, *, lookups: Budget, tokens: Budget, hold: float = HOLD_SECONDS
    ) -> None:
        self.app = app
        self.lookups = lookups
        self.tokens = tokens
        self.hold = hold
        self._held: dict[str, int] = {}
        """Reservations of this worker not yet settled, per address."""
        self._returned: dict[str, asyncio.Event] = {}

    def around(self, app: ASGIApp) -> GuessGuard:
        """This guard (its budgets and this worker's reservations) in front of `app`."""
        other = copy.copy(self)
        other.app = app
        return other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not path.startswith(ROOM_PATHS):
            await self.app(scope, receive, send)
            return
        found = lookups.Findings()
        context = lookups.current.set(found)
        try:
            if carries_token(scope):
                await self._with_token(scope, receive, send, found)
            else:
                await self._by_code(scope, receive, send, found)
        finally:
            lookups.current.reset(context)

    # ----------------------------------------------------------- by code
    async def _reserve(self, key: str) -> int:
        """Take one of the address's tokens, waiting a moment while others are reserved
        (they come back when their rooms exist); 0, or the seconds to wait."""
        deadline = time.monotonic() + self.hold
        while True:
            wait = await self.lookups.take(key)
            left = deadline - time.monotonic()
            if not wait or not self._held.get(key) or left <= 0:
                return wait
            returned = self._returned.setdefault(key, asyncio.Event())
            # A give-back here, or at most a quarter second (another worker's).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(returned.wait(), min(left, 0.25))

    def _settle(self, key: str) -> None:
        count = self._held.get(key, 0) - 1
        if count > 0:
            self._held[key] = count
        else:
            self._held.pop(key, None)
        returned = self._returned.pop(key, None)
        if returned is not None:
            returned.set()

    async def _by_code(
        self, scope: Scope, receive: Receive, send: Send, found: lookups.Findings
    ) -> None:
        key = client_key(scope)
        wait = await self._reserve(key)
        if wait:
            await self._too_many(scope, send, wait)
            return
        self._held[key] = self._held.get(key, 0) + 1
        settled = False

        async def settle() -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            if not found.unknown_room:
                await self.lookups.give(key)  # a room that exists: it never counts
            self._settle(key)

        async def answered(message: Message) -> None:
            if message["type"] in ANSWERS or message["type"] in REFUSALS:
                await settle()
            await send(message)

        try:
            await self.app(scope, receive, answered)
        finally:
            await settle()

    # -------------------------------------------------------- with a token
    async def _with_token(
        self, scope: Scope, receive: Receive, send: Send, found: lookups.Findings
    ) -> None:
        key = client_key(scope)
        replaced = False

        async def answered(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the app's refusal, replaced by ours
            kind = message["type"]
            failed = found.unknown_room or found.bad_token
            if failed and (kind in ANSWERS or kind in REFUSALS):
                wait = await self.tokens.take(key)
                if wait:
                    replaced = True
                    await self._too_many(scope, send, wait)
                    return
            await send(message)

        await self.app(scope, receive, answered)

    # ------------------------------------------------------------- refusal
    @staticmethod
    async def _too_many(scope: Scope, send: Send, wait: int) -> None:
        headers = {"retry-after": str(wait)}
        if scope["type"] == "http":
            await refuse(send, 429, "too_many_requests", MESSAGE, headers)
        elif "websocket.http.response" in scope.get("extensions", {}):
            body = json.dumps({"error": {"code": "too_many_requests", "message": MESSAGE}})
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", str(wait).encode()),
                    ],
                }
            )
            await send({"type": "websocket.http.response.body", "body": body.encode()})
        else:
            await send({"type": "websocket.close", "code": 1013, "reason": "slow down"})
