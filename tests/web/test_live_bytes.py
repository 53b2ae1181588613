"""Updates cost what they change: the bytes each screen receives per live update.

A realistic room (3 notes per participant, the grid filled) at 30 and 300
participants; for every update type, each screen's live message (board,
control view, one phone, as their browsers receive it on /rooms/{code}/live)
stays within 2 KB, at both sizes. Phase changes and first renders may send a
screen whole; they are drained, not counted.

Each update is followed by a timer change, which every screen shows: the
bytes a screen received before that marker are what the update cost it.
"""

from __future__ import annotations

import re
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.deps import cookie_name
from tests.web.support import Screen

BUDGET = 2048
SIZES = (30, 300)
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
MARKER = re.compile(r'id="live-seq" data-seq="(\d+)"')
TEXT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"


@dataclass
class LiveRoom:
    client: TestClient
    code: str
    fac: str
    people: list[dict[str, Any]] = field(default_factory=list)
    ticks: int = 0

    def api(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = self.client.request(
            method,
            f"/api/rooms/{self.code}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def seq(self) -> int:
        return int(self.api("GET", "", self.fac)["seq"])

    def join(self, index: int) -> dict[str, Any]:
        response = self.client.post(
            f"/api/rooms/{self.code}/join",
            json={"name": f"Person {index}", "perspective": PERSPECTIVES[index % 4]},
        )
        assert response.status_code == 201, response.text
        person: dict[str, Any] = response.json()
        self.people.append(person)
        return person

    def phase(self, phase: str) -> None:
        self.api("POST", "/phase", self.fac, {"phase": phase})

    def tick(self) -> int:
        """A change every screen shows (its timer): the end of what one update cost."""
        self.ticks += 1
        self.api("POST", "/timer", self.fac, {"action": "start", "seconds": 600 + self.ticks})
        return self.seq()

    def screen(self, stack: ExitStack, name: str, token: str) -> Screen:
        self.client.cookies.clear()
        socket = stack.enter_context(
            self.client.websocket_connect(
                f"/rooms/{self.code}/live?view={name.split(':')[0]}",
                headers={"cookie": f"{cookie_name(self.code)}={token}"},
            )
        )
        screen = Screen(name, socket)
        screen.until(self.seq())
        return screen


def filled_room(client: TestClient, size: int) -> LiveRoom:
    created = client.post("/api/rooms", json={"title": "Oakfield partnership"}).json()
    room = LiveRoom(client, created["code"], created["facilitator_token"])
    for index in range(size - 1):  # the last one joins during the test
        room.join(index)
    room.phase("purpose-write")
    for index, person in enumerate(room.people):
        for k in range(3):
            body = {"id": str(uuid.uuid4()), "text": TEXT.format(f"{index}.{k}")}
            room.api("POST", "/notes", person["token"], body)
    return room


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-participants")
def room(client: TestClient, request: pytest.FixtureRequest) -> LiveRoom:
    return filled_room(client, request.param)


def costs(room: LiveRoom, screens: list[Screen], update: Any) -> dict[str, int]:
    """Bytes each screen received for `update` (a callable), up to the next tick."""
    update()
    done = room.tick()
    cost = {}
    for screen in screens:
        messages = screen.until(done)
        cost[screen.name] = sum(len(m.encode()) for m in messages[:-1])
    return cost


def within_budget(name: str, cost: dict[str, int], *, reaches: str = "") -> None:
    """Every screen within budget, and the screens in `reaches` did get the update."""
    over = {screen: size for screen, size in cost.items() if size > BUDGET}
    assert not over, f"{name}: {over} bytes (budget {BUDGET} per screen)"
    missed = [screen for screen in reaches.split() if not cost[screen]]
    assert not missed, f"{name}: nothing reached {missed}"


def test_every_update_stays_within_two_kilobytes_per_screen(room: LiveRoom) -> None:
    ids: list[str] = []
    with ExitStack() as stack:
        screens = [
            room.screen(stack, "board", room.fac),
            room.screen(stack, "control", room.fac),
            room.screen(stack, "phone", room.people[1]["token"]),
        ]

        def drain() -> None:
            seq = room.tick()  # every screen shows it: none waits for an update it never gets
            for screen in screens:
                screen.until(seq)

        room.phase("purpose-sort")
        drain()
        notes = room.api("GET", "", room.fac)["notes"]
        ids = [n["id"] for n in notes if n["revealed"]]
        assert len(ids) == 3 * len(room.people)

        move = lambda: room.api("POST", f"/notes/{ids[0]}/move", room.fac, {"ring": "outer"})  # noqa: E731
        within_budget("note move", costs(room, screens, move), reaches="board control phone")
        back = lambda: room.api("POST", f"/notes/{ids[0]}/move", room.fac, {"ring": "inner"})  # noqa: E731
        within_budget("note move back", costs(room, screens, back))
        merge = lambda: room.api("POST", f"/notes/{ids[2]}/merge", room.fac, {"into": ids[1]})  # noqa: E731
        within_budget("merge", costs(room, screens, merge), reaches="board control phone")
        remove = lambda: room.api("DELETE", f"/notes/{ids[3]}", room.fac)  # noqa: E731
        within_budget("note removal", costs(room, screens, remove))
        join = lambda: room.join(len(room.people))  # noqa: E731
        within_budget("join", costs(room, screens, join), reaches="control")

        def presence() -> None:
            phone = room.screen(stack, "phone:second", room.people[2]["token"])
            phone.socket.close()

        within_budget("presence", costs(room, screens, presence), reaches="control")

        room.phase("purpose-agree")
        drain()
        room.api("PUT", "/statements/purpose", room.fac, {"text": "Every child thrives."})
        drain()

        def respond(person: dict[str, Any], stance: str) -> None:
            reason = "Families first, and every child heard." if stance != "agree" else None
            body = {"stance": stance, "reason": reason}
            room.api("POST", "/statements/purpose/responses", person["token"], body)

        stances = ("agree", "reservations", "object")
        for index, person in enumerate(room.people[:5]):
            stance = stances[index % 3]
            cost = costs(room, screens, lambda p=person, s=stance: respond(p, s))
            within_budget(f"response {index}", cost, reaches="board control")
        for index, person in enumerate(room.people[5:-3]):  # most of the room has answered
            respond(person, stances[index % 3])
        drain()
        for index, person in enumerate(room.people[-3:]):
            stance = stances[(index + 1) % 3]
            cost = costs(room, screens, lambda p=person, s=stance: respond(p, s))
            within_budget(f"late response {index}", cost, reaches="board control")

        room.phase("grid-write")
        drain()
        rows = ("mission", "barriers", "overcome")
        for index, person in enumerate(room.people):  # the grid filled: a statement each
            body = {"id": str(uuid.uuid4()), "text": TEXT.format(index)}
            room.api("POST", f"/grid/{rows[index % 3]}/contributions", person["token"], body)
        drain()
        for index in range(3):
            body = {"id": str(uuid.uuid4()), "text": TEXT.format(f"grid {index}")}
            token = room.people[index]["token"]
            contribute = lambda body=body, token=token: room.api(  # noqa: E731
                "POST", "/grid/mission/contributions", token, body
            )
            within_budget(
                f"contribution {index}",
                costs(room, screens, contribute),
                reaches="board control phone",
            )

        room.phase("document")
        drain()

        def sign(person: dict[str, Any]) -> None:
            room.api("POST", "/document/sign", person["token"])

        for index, person in enumerate(room.people[:3]):
            cost = costs(room, screens, lambda p=person: sign(p))
            within_budget(f"signature {index}", cost, reaches="board control")
        for person in room.people[3:-3]:  # most of the room has signed
            sign(person)
        drain()
        for index, person in enumerate(room.people[-3:]):
            cost = costs(room, screens, lambda p=person: sign(p))
            within_budget(f"late signature {index}", cost, reaches="board control")


def test_a_form_post_answers_with_what_it_changed(room: LiveRoom) -> None:
    """The tapper's own answer costs what the tap changed, too (htmx form posts)."""

    def post(token: str, path: str, data: dict[str, str]) -> Any:
        room.client.cookies.set(cookie_name(room.code), token)
        try:
            response = room.client.post(
                f"/rooms/{room.code}{path}", data=data, headers={"HX-Request": "true"}
            )
        finally:
            room.client.cookies.clear()
        assert response.status_code == 200, response.text
        return response

    room.phase("purpose-sort")
    ids = [n["id"] for n in room.api("GET", "", room.fac)["notes"] if n["revealed"]]
    moved = post(room.fac, f"/notes/{ids[0]}/move", {"ring": "outer"})
    assert moved.headers["X-Live"] == "keyed"
    assert ids[0] in moved.text
    assert len(moved.content) <= BUDGET, len(moved.content)
    merged = post(room.fac, f"/notes/{ids[2]}/merge", {"into": ids[1]})
    assert merged.headers["X-Live"] == "keyed"
    assert len(merged.content) <= BUDGET, len(merged.content)

    phase = post(room.fac, "/phase", {"phase": "purpose-agree"})
    assert "X-Live" not in phase.headers  # a new screen: whole blocks, swapped out of band
    assert 'hx-swap-oob="true"' in phase.text


@pytest.mark.parametrize("size", [300])
def test_a_merge_into_a_note_that_holds_many_stays_within_budget(
    client: TestClient, size: int
) -> None:
    room = filled_room(client, size)
    with ExitStack() as stack:
        screens = [
            room.screen(stack, "board", room.fac),
            room.screen(stack, "control", room.fac),
            room.screen(stack, "phone", room.people[1]["token"]),
        ]
        room.phase("purpose-sort")
        seq = room.tick()
        for screen in screens:
            screen.until(seq)
        ids = [n["id"] for n in room.api("GET", "", room.fac)["notes"] if n["revealed"]]
        into = ids[0]
        for k, other in enumerate(ids[1:9], start=1):
            merge = lambda o=other: room.api("POST", f"/notes/{o}/merge", room.fac, {"into": into})  # noqa: E731
            cost = costs(room, screens, merge)
            within_budget(f"merge {k} into one note", cost)
        # A cluster (a note holding eight) merged into another: the notes merged into it
        # move to the new host's list unchanged, in one directive (not one each, nor
        # their text again), so the update does not grow with what it holds.
        host = ids[18]
        for other in ids[10:18]:
            room.api("POST", f"/notes/{other}/merge", room.fac, {"into": host})
        seq = room.tick()
        for screen in screens:
            screen.until(seq)
        cluster = lambda: room.api("POST", f"/notes/{host}/merge", room.fac, {"into": ids[20]})  # noqa: E731
        cost = costs(room, screens, cluster)
        within_budget("a cluster of nine merged into another note", cost)
