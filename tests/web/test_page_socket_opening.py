"""What a page's live socket is sent first, by what the page says it has seen.

A page that opens its socket at the seq it was rendered at has missed nothing: it
is sent its seq alone, whatever the size of the room (1,000 phones opening their
pages must not each cost a render of the whole page); a control view, its grouping
suggestions too (the socket learns what the panel shows: see app/web/suggested.py).
One that missed a few updates gets those parts; one with no `since` gets the page's
live blocks whole.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.realtime.updates import seq_marker
from app.web.deps import cookie_name
from tests.conftest import bearer, join, make_room
from tests.web.support import post_phase, receive_html

TEXT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")


class SortRoom:
    """A room in purpose-sort: `size` participants, 3 notes each."""

    def __init__(self, client: TestClient, size: int) -> None:
        created = make_room(client)
        self.client, self.code, self.fac = client, created["code"], created["facilitator_token"]
        self.tokens = [
            join(client, self.code, f"Person {i}", PERSPECTIVES[i % 4])["token"]
            for i in range(size)
        ]
        post_phase(client, self.code, self.fac, "purpose-write")
        for i, token in enumerate(self.tokens):
            for k in range(3):
                body = {"id": str(uuid.uuid4()), "text": TEXT.format(f"{i}.{k}")}
                response = client.post(
                    f"/api/rooms/{self.code}/notes", json=body, headers=bearer(token)
                )
                assert response.status_code == 201, response.text
        post_phase(client, self.code, self.fac, "purpose-sort")
        self.notes = [n["id"] for n in self.snapshot()["notes"]]

    def snapshot(self) -> dict[str, Any]:
        response = self.client.get(f"/api/rooms/{self.code}", headers=bearer(self.fac))
        snapshot: dict[str, Any] = response.json()
        return snapshot

    def seq(self) -> int:
        return int(self.snapshot()["seq"])

    def move(self, note: str, ring: str) -> None:
        response = self.client.post(
            f"/api/rooms/{self.code}/notes/{note}/move",
            json={"ring": ring},
            headers=bearer(self.fac),
        )
        assert response.status_code == 200, response.text

    def first_message(self, view: str, token: str, since: int | None) -> str:
        """The first thing the page's socket is sent."""
        query = f"view={view}" + ("" if since is None else f"&since={since}")
        self.client.cookies.clear()
        with self.client.websocket_connect(
            f"/rooms/{self.code}/live?{query}",
            headers={"cookie": f"{cookie_name(self.code)}={token}"},
        ) as socket:
            return receive_html(socket)


@pytest.fixture(params=(30, 300), ids=lambda size: f"{size}-participants")
def room(client: TestClient, request: pytest.FixtureRequest) -> SortRoom:
    return SortRoom(client, request.param)


def screens(room: SortRoom) -> list[tuple[str, str]]:
    return [("board", room.fac), ("control", room.fac), ("phone", room.tokens[1])]


def test_a_page_that_missed_nothing_is_sent_its_seq_alone(room: SortRoom) -> None:
    seq = room.seq()
    for view, token in screens(room):
        message = room.first_message(view, token, since=seq)
        if view == "control":
            panel, _, rest = message.partition("</section>")
            assert panel.startswith('<section class="suggestions" id="control-suggestions"')
            message = rest
        assert message == seq_marker(seq), f"{view}: {len(message)} bytes"


def test_a_page_that_missed_two_moves_is_sent_those_notes(room: SortRoom) -> None:
    seq = room.seq()
    room.move(room.notes[0], "outer")
    room.move(room.notes[1], "outer")
    for view, token in screens(room):
        message = room.first_message(view, token, since=seq)
        if view == "control":  # (its suggestions panel whole, as a first message's)
            head, _, panel = message.partition('<section class="suggestions" id="control-')
            assert panel, "no suggestions panel"
            message = head + panel.partition("</section>")[2]
        assert len(message.encode()) <= 2 * 2048, f"{view}: {len(message)} bytes"
        assert message.endswith(seq_marker(seq + 2))
        assert room.notes[0] in message, view
        assert room.notes[1] in message, view


def test_a_page_without_since_is_sent_its_live_blocks_whole(room: SortRoom) -> None:
    for view, token in screens(room):
        message = room.first_message(view, token, since=None)
        assert all(note in message for note in room.notes), view
        assert message.endswith(seq_marker(room.seq())), view
