"""Grouping suggestions over the API and on the control view: facilitator only, in the
sort phase; one-click merge (the existing merge, note by note), edit, dismiss."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.support import NAMES, ToolkitRoom, toolkit_room

NOTES = {
    "priya": ["Share <b>information</b> between agencies quickly", "Reduce exclusions from school"],
    "eleanor": ["Better information sharing between agencies", "Fewer exclusions from school"],
    "sol": ["Agencies sharing information early", "Celebrate what is working well"],
}


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    found = toolkit_room(client)
    found.phase("purpose-write")
    for who, texts in NOTES.items():
        for text in texts:
            found.note(who, text)
    found.phase("purpose-sort")
    return found


def groups(room: ToolkitRoom) -> list[dict[str, Any]]:
    body = room.ok(room.get("fac", "/notes/suggestions"))
    assert set(body) == {"groups", "themes"}
    found: list[dict[str, Any]] = body["groups"]
    return found


def texts_of(room: ToolkitRoom, note_ids: list[str]) -> set[str | None]:
    by_id = room.texts("fac")
    return {by_id[i] for i in note_ids}


def test_the_facilitator_gets_groups_of_notes_that_look_alike(room: ToolkitRoom) -> None:
    found = groups(room)
    assert sorted(len(g["note_ids"]) for g in found) == [2, 3]
    sets = [texts_of(room, g["note_ids"]) for g in found]
    assert {NOTES["priya"][1], NOTES["eleanor"][1]} in sets
    for group in found:
        assert 0 <= group["score"] <= 1
        assert isinstance(group["label"], str)
        assert group["label"]
    text = room.get("fac", "/notes/suggestions").text
    assert not any(name in text for name in NAMES.values())  # notes, never names


def test_merge_a_group_by_form_and_it_is_gone(room: ToolkitRoom) -> None:
    group = next(g for g in groups(room) if len(g["note_ids"]) == 3)
    note_ids = list(group["note_ids"])
    page = room.page("fac", "control")
    assert 'id="control-suggestions"' in page
    assert "&lt;b&gt;information&lt;/b&gt;" in page  # escaped
    # Edited: one note unticked; the first kept.
    data = {"note_ids": note_ids[:2], "into": note_ids[0]}
    response = room.form("fac", "/suggestions/merge", data)
    assert response.status_code == 200, response.text
    snapshot = {n["id"]: n for n in room.snapshot()["notes"]}
    assert snapshot[note_ids[1]]["merged_into"] == note_ids[0]
    assert snapshot[note_ids[2]]["merged_into"] is None
    assert all(note_ids[1] not in g["note_ids"] for g in groups(room))


def test_dismiss_by_api_and_by_form(room: ToolkitRoom) -> None:
    first, second = groups(room)
    body = room.ok(room.post("fac", "/notes/suggestions/dismiss", {"note_ids": first["note_ids"]}))
    assert body == {"dismissed": sorted(first["note_ids"])}
    assert [g["note_ids"] for g in groups(room)] == [second["note_ids"]]
    response = room.form("fac", "/suggestions/dismiss", {"note_ids": second["note_ids"]})
    assert response.status_code == 200, response.text
    assert groups(room) == []
    assert "No notes look alike just now." in room.page("fac", "control")


def test_refusals_in_the_contract_shape(room: ToolkitRoom) -> None:
    room.refused(403, "facilitator_only", lambda: room.get("sol", "/notes/suggestions"))
    room.refused(401, "unauthorized", lambda: room.get(None, "/notes/suggestions"))
    for bad in (None, [], ["x"], "x", [1, 2]):
        room.refused(
            422,
            "invalid_note_ids",
            lambda bad=bad: room.post("fac", "/notes/suggestions/dismiss", {"note_ids": bad}),
        )
    room.refused(
        422, "invalid_note_ids", lambda: room.form("fac", "/suggestions/merge", {"into": "x"})
    )
    room.phase("purpose-agree")
    room.refused(409, "wrong_phase", lambda: room.get("fac", "/notes/suggestions"))
