"""What the web tests share: a room as the API tests drive it (who is in it, and calls
made as one of them), the toolkit's room, and reading the live sockets.

TestClient websockets are synchronous and their `receive` blocks, so every read goes
through `receive_html` (or `receive`, `receive_event`), which gives up after TIMEOUT
seconds instead of hanging the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import anyio
import httpx2
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from tests.conftest import bearer, join, make_room

HX = {"HX-Request": "true"}
"""The header htmx sends: the server answers a form post with blocks, not a redirect."""
TIMEOUT = 5.0
"""Seconds a socket read waits for a message that must come."""


# ======================================================================= rooms
@dataclass
class ApiRoom:
    """A room: `fac` is the facilitator's token; `people` maps a name to what joining gave
    (participant_id, token). `who` is "fac", a name in `people`, or None (no token)."""

    client: TestClient
    code: str
    fac: str
    people: dict[str, dict[str, Any]]

    @classmethod
    def create(
        cls, client: TestClient, people: Mapping[str, tuple[str, str]] | None = None, **room: Any
    ) -> Self:
        """A room made over the API (`room`: more of its fields), then `people` (who →
        (name, perspective)) joined in order."""
        created = make_room(client, **room)
        code = created["code"]
        joined = {who: join(client, code, name, p) for who, (name, p) in (people or {}).items()}
        return cls(client, code, created["facilitator_token"], joined)

    def token(self, who: str) -> str:
        return self.fac if who == "fac" else str(self.people[who]["token"])

    def pid(self, who: str) -> str:
        return str(self.people[who]["participant_id"])

    def url(self, path: str = "") -> str:
        return f"/api/rooms/{self.code}{path}"

    def request(self, method: str, who: str | None, path: str, body: Any = None) -> httpx2.Response:
        headers = bearer(self.token(who)) if who else {}
        return self.client.request(method, self.url(path), json=body, headers=headers)

    def get(self, who: str | None, path: str = "") -> httpx2.Response:
        return self.request("GET", who, path)

    def post(self, who: str | None, path: str, body: Any = None) -> httpx2.Response:
        return self.request("POST", who, path, body)

    def put(self, who: str | None, path: str, body: Any) -> httpx2.Response:
        return self.request("PUT", who, path, body)

    def patch(self, who: str | None, path: str, body: Any) -> httpx2.Response:
        return self.request("PATCH", who, path, body)

    def delete(self, who: str | None, path: str) -> httpx2.Response:
        return self.request("DELETE", who, path)

    def ok(self, response: httpx2.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def snapshot(self, who: str = "fac") -> dict[str, Any]:
        body: dict[str, Any] = self.ok(self.get(who))
        return body

    def seq(self) -> int:
        return int(self.snapshot()["seq"])

    def phase(self, phase: str) -> None:
        assert self.ok(self.post("fac", "/phase", {"phase": phase}))["phase"] == phase


# ---------------------------------------------------------------- the toolkit's room
NAMES = {"priya": "Priya Zanzibar", "eleanor": "Eleanor Quillfeather", "sol": "Sol Vantablack"}
"""toolkit_room's three people (names no page shows by accident)."""
PERSPECTIVES = {"priya": "health", "eleanor": "education", "sol": "social-care"}


@dataclass
class ToolkitRoom(ApiRoom):
    """A room as the facilitator's toolkit and the rating phases drive it: the API, and
    the pages' forms posted as a browser would."""

    def form(
        self, who: str | None, path: str, data: dict[str, str] | None = None, *, htmx: bool = True
    ) -> httpx2.Response:
        """Post a page's form as `who` (by cookie, as their browser would)."""
        if who:
            self.client.cookies.set(f"cg_{self.code}", self.token(who))
        try:
            return self.client.post(
                f"/rooms/{self.code}{path}",
                data=data or {},
                headers=HX if htmx else {},
                follow_redirects=False,
            )
        finally:
            self.client.cookies.clear()

    def page(self, who: str, view: str) -> str:
        """A page of the room as `who`'s browser gets it (by cookie)."""
        self.client.cookies.set(f"cg_{self.code}", self.token(who))
        try:
            response = self.client.get(f"/rooms/{self.code}/{view}")
        finally:
            self.client.cookies.clear()
        assert response.status_code == 200, response.text
        return response.text

    def note(self, who: str, text: str) -> str:
        return str(self.ok(self.post(who, "/notes", {"text": text}), 201)["id"])

    def timer(self, action: str, **body: Any) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.ok(
            self.post("fac", "/timer", {"action": action, **body})
        )["timer"]
        return result

    def options(self, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(self.patch("fac", "/options", body))
        return result

    def names(self, who: str) -> dict[str, str | None]:
        return {p["id"]: p["name"] for p in self.snapshot(who)["participants"]}

    def texts(self, who: str) -> dict[str, str | None]:
        return {n["id"]: n["text"] for n in self.snapshot(who)["notes"]}

    def refused(
        self, status: int, code: str, send: Callable[..., httpx2.Response], *, who: str = "fac"
    ) -> dict[str, Any]:
        """`send()` is refused with `status` and error `code`, and changes nothing.

        (`send` is called without arguments; a loop binds its variable as a lambda default.)"""
        before = self.snapshot(who)
        response = send()
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body: dict[str, Any] = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message"}, body
        assert body["error"]["message"]
        assert body["error"]["code"] == code, body
        after = self.snapshot(who)
        assert after["seq"] == before["seq"]
        assert after == before
        return body


def toolkit_room(client: TestClient, **room: Any) -> ToolkitRoom:
    """Three participants (NAMES: health, education, social care) in the lobby."""
    people = {who: (NAMES[who], PERSPECTIVES[who]) for who in NAMES}
    return ToolkitRoom.create(client, people, **room)


# ===================================================================== sockets
def events_url(code: str, since: int | None = None) -> str:
    url = f"/api/rooms/{code}/events"
    return url if since is None else f"{url}?since={since}"


def connect(
    client: TestClient, code: str, token: str, since: int | None = None
) -> WebSocketTestSession:
    """The JSON event stream, as `token` (from `since`, if given)."""
    return client.websocket_connect(events_url(code, since), headers=bearer(token))


def receive_html(ws: WebSocketTestSession, timeout: float = TIMEOUT) -> str:
    """The next text message (an HTML live channel's fragment); WebSocketDisconnect if the
    server closed; fails after `timeout`."""

    async def next_message() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(next_message)
    ws._raise_on_close(message)
    text: str = message["text"]
    return text


def receive(ws: WebSocketTestSession, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next JSON message; WebSocketDisconnect if the server closed; fails after `timeout`."""
    body: dict[str, Any] = json.loads(receive_html(ws, timeout))
    return body


def receive_event(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next logged event (presence messages, which have seq null, are skipped)."""
    while True:
        message = receive(ws)
        if message["type"] == "presence.changed":
            assert message["seq"] is None
            continue
        return message


def board_main(fragment: str) -> bool:
    """Whether a live fragment carries the board's main block."""
    return 'id="board-main"' in fragment


def post_phase(client: TestClient, code: str, token: str, phase: str) -> None:
    response = client.post(f"/api/rooms/{code}/phase", json={"phase": phase}, headers=bearer(token))
    assert response.status_code == 200, response.text


LIVE_SEQ = re.compile(r'id="live-seq" data-seq="(\d+)"')
"""The marker a live message ends with: which event the page now shows."""


@dataclass
class Screen:
    """One live page's socket, read up to a given event (byte tests count its messages)."""

    name: str
    socket: WebSocketTestSession
    seen: int = 0

    def until(self, seq: int) -> list[str]:
        """The messages up to the one that shows event `seq`."""
        found = []
        while self.seen < seq:
            message = receive_html(self.socket)
            found.append(message)
            if marker := LIVE_SEQ.search(message):
                self.seen = int(marker.group(1))
        return found
