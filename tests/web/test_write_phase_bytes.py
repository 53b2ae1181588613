"""The writing phase costs what it changes on the control view too: a note written, a
late join, someone leaving — one person's line, their agency's count, the summary and
who is still writing, not everyone's progress (which grows with the room).

And what the live page ends up showing equals a fresh render of the same block.
"""

from __future__ import annotations

import re
import uuid
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.deps import cookie_name
from tests.conftest import bearer, join, make_room
from tests.web.support import Screen, post_phase

BUDGET = 2048
TEXT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")


class WritingRoom:
    """A room in purpose-write: `size` participants, most with two notes written."""

    def __init__(self, client: TestClient, size: int) -> None:
        created = make_room(client)
        self.client, self.code, self.fac = client, created["code"], created["facilitator_token"]
        self.people = [self.join(i) for i in range(size)]
        post_phase(client, self.code, self.fac, "purpose-write")
        for person in self.people[:-5]:
            for _ in range(2):
                self.write(person["token"])

    def join(self, index: int) -> dict[str, Any]:
        return join(self.client, self.code, f"Person {index}", PERSPECTIVES[index % 4])

    def write(self, token: str) -> None:
        body = {"id": str(uuid.uuid4()), "text": TEXT.format(uuid.uuid4().hex[:6])}
        response = self.client.post(
            f"/api/rooms/{self.code}/notes", json=body, headers=bearer(token)
        )
        assert response.status_code == 201, response.text

    def seq(self) -> int:
        response = self.client.get(f"/api/rooms/{self.code}", headers=bearer(self.fac))
        return int(response.json()["seq"])

    def control(self, stack: ExitStack) -> Screen:
        self.client.cookies.clear()
        socket = stack.enter_context(
            self.client.websocket_connect(
                f"/rooms/{self.code}/live?view=control",
                headers={"cookie": f"{cookie_name(self.code)}={self.fac}"},
            )
        )
        screen = Screen("control", socket)
        screen.until(self.seq())
        return screen

    def cost(self, screen: Screen, update: Any) -> str:
        """The control view's live messages for `update` (a callable)."""
        update()
        return "".join(screen.until(self.seq()))


@pytest.fixture(params=(30, 300), ids=lambda size: f"{size}-participants")
def room(client: TestClient, request: pytest.FixtureRequest) -> WritingRoom:
    return WritingRoom(client, request.param - 1)  # the last one joins during the test


def test_writing_updates_stay_within_budget_on_the_control_view(room: WritingRoom) -> None:
    with ExitStack() as stack:
        control = room.control(stack)
        last = room.people[-1]
        sent = {
            "a note written": room.cost(control, lambda: room.write(last["token"])),
            "a late join": room.cost(control, lambda: room.people.append(room.join(999))),
            "a second note": room.cost(control, lambda: room.write(last["token"])),
        }

        def leave() -> None:
            url = f"/api/rooms/{room.code}/participants/{room.people[-1]['participant_id']}"
            response = room.client.delete(url, headers=bearer(room.fac))
            assert response.status_code in (200, 204), response.text

        sent["someone removed"] = room.cost(control, leave)
    for name, html in sent.items():
        size = len(html.encode())
        assert 0 < size <= BUDGET, f"{name}: {size} bytes"
    assert f'id="control-written-{last["participant_id"]}"' in sent["a note written"]
    assert "Person 999 0/3" in sent["a late join"]
    assert 'data-in="control-written-people-' in sent["a late join"]
    assert "data-remove=" in sent["someone removed"]


def test_the_writing_block_is_keyed_as_the_live_updates_are(room: WritingRoom) -> None:
    """A fresh render has each person's line, each agency's count and list, by the ids
    the live updates use."""
    room.client.cookies.set(cookie_name(room.code), room.fac)
    page = room.client.get(f"/rooms/{room.code}/control").text
    lines = re.findall(r'id="control-written-([0-9a-f-]{36})"', page)
    assert len(lines) == len(room.people)
    for perspective in PERSPECTIVES:
        assert f'id="control-written-people-{perspective}"' in page
        assert f'id="control-written-count-{perspective}"' in page
    assert 'id="control-written"' in page
    assert 'id="control-waiting-notes"' in page
