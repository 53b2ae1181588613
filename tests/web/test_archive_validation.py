"""An imported archive meets the rules every decision applies: hostile or hand-edited
archives are refused with 422 `invalid_archive` naming the field (never a 500, never a
room whose pages then fail), and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.web.support import ApiRoom

Archive = dict[str, Any]


def archived_room(client: TestClient) -> Archive:
    """A small session's archive (the room deleted, so that its code is free again)."""
    room = ApiRoom.create(client, {"p1": ("Priya", "health"), "p2": ("Tom", "education")})
    room.phase("purpose-write")
    room.ok(room.post("p1", "/notes", {"text": "Keep children safe"}), 201)
    room.phase("purpose-sort")
    room.ok(room.post("fac", "/timer", {"action": "start", "seconds": 300}))
    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Our purpose"}))
    archive: Archive = room.ok(room.get("fac", "/archive"))
    room.ok(room.delete("fac", ""), 204)
    return archive


def first(archive: Archive, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in archive["events"] if e["type"] == kind)
    return found


def set_note_text(archive: Archive, value: Any) -> None:
    first(archive, "note.added")["data"]["note"]["text"] = value
    first(archive, "notes.revealed")["data"]["notes"][0]["text"] = value


HOSTILE: dict[str, tuple[Callable[[Archive], Any], str]] = {
    "NUL in the title": (lambda a: a["room"].update(title="Oak\x00field"), "room.title"),
    "a 5,000-character title": (lambda a: a["room"].update(title="T" * 5000), "room.title"),
    "a title that is a number": (lambda a: a["room"].update(title=42), "room.title"),
    "an untrimmed title": (lambda a: a["room"].update(title="  Oakfield "), "room.title"),
    "a number as note text": (lambda a: set_note_text(a, 12345), "text"),
    "a list as note text": (lambda a: set_note_text(a, ["a", "b"]), "text"),
    "an empty note": (lambda a: set_note_text(a, "   "), "text"),
    "a 5,000-character note": (lambda a: set_note_text(a, "n" * 5000), "characters long"),
    "NUL in a name": (
        lambda a: first(a, "participant.joined")["data"]["participant"].update(name="P\x00"),
        "events[0].data.participant.name",
    ),
    "a lone surrogate in a name": (
        lambda a: first(a, "participant.joined")["data"]["participant"].update(name="\ud800"),
        "events[0].data.participant.name",
    ),
    "an unknown perspective": (
        lambda a: first(a, "participant.joined")["data"]["participant"].update(perspective="x"),
        "perspective",
    ),
    "an object as actor": (lambda a: a["events"][0].update(actor={"id": 1}), "events[0].actor"),
    "a number as actor": (lambda a: a["events"][0].update(actor=7), "events[0].actor"),
    "an overlong actor": (lambda a: a["events"][0].update(actor="a" * 500), "events[0].actor"),
    "markup as private_to": (
        lambda a: a["events"][0].update(private_to="<script>"),
        "events[0].private_to",
    ),
    "a seq that is true": (lambda a: a["events"][0].update(seq=True), "events[0].seq"),
    "a seq as text": (lambda a: a["events"][0].update(seq="1"), "events[0].seq"),
    "an unknown phase": (
        lambda a: first(a, "phase.changed")["data"].update(phase="nowhere"),
        "events[",
    ),
    "a timer counting text": (
        lambda a: first(a, "timer.changed")["data"]["timer"].update(seconds="300"),
        "timer.seconds",
    ),
    "an unknown ring": (
        lambda a: first(a, "notes.revealed")["data"]["notes"][0].update(ring="middle"),
        "ring",
    ),
    "data that is a list": (lambda a: a["events"][1].update(data=[1, 2]), "events[1].data"),
}


def post(client: TestClient, archive: Archive) -> Any:
    """As a hostile client sends it: surrogates escaped, any JSON value allowed."""
    return client.post(
        "/api/rooms/import",
        content=json.dumps(archive).encode(),
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize("damage", list(HOSTILE))
def test_a_hostile_archive_is_refused_naming_the_field(client: TestClient, damage: str) -> None:
    archive = archived_room(client)
    change, field = HOSTILE[damage]
    change(archive)
    response = post(client, archive)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_archive"
    assert field in error["message"], error["message"]
    # Nothing was written: there is no such room.
    assert client.get(f"/api/rooms/{archive['room']['code']}").status_code == 404


def test_an_intact_archive_still_imports_and_its_pages_work(client: TestClient) -> None:
    archive = archived_room(client)
    response = post(client, archive)
    assert response.status_code == 201, response.text
    code, token = response.json()["code"], response.json()["facilitator_token"]
    assert client.get(f"/api/rooms/{code}", headers=bearer(token)).status_code == 200
    client.cookies.set(f"cg_{code}", token)
    for page in ("board", "control"):
        assert client.get(f"/rooms/{code}/{page}").status_code == 200
