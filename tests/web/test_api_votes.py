"""Dot-voting over the API and on the pages: allocations, limits, hidden until reveal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.support import ToolkitRoom, connect, receive_event, toolkit_room

TEXTS = ["Share information early", "One plan per family", "Listen to <i>children</i>"]


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    """Three notes (Priya's) in the inner circle, one (Sol's) in the outer; in purpose-vote."""
    found = toolkit_room(client)
    found.phase("purpose-write")
    for text in TEXTS:
        found.note("priya", text)
    found.note("sol", "Out of scope")
    found.phase("purpose-sort")
    out = next(n["id"] for n in found.snapshot()["notes"] if n["text"] == "Out of scope")
    found.ok(found.post("fac", f"/notes/{out}/move", {"ring": "outer"}))
    found.phase("purpose-vote")
    return found


def ids(room: ToolkitRoom) -> dict[str, str]:
    return {n["text"]: n["id"] for n in room.snapshot()["notes"]}


def put(room: ToolkitRoom, who: str | None, note_ids: list[str], **extra: Any) -> Any:
    return room.put(who, "/votes", {"note_ids": note_ids, **extra})


def test_a_vote_sets_the_whole_allocation_and_again_changes_nothing(room: ToolkitRoom) -> None:
    notes = ids(room)
    body = room.ok(put(room, "sol", [notes[TEXTS[0]], notes[TEXTS[1]]]))
    assert body["voters"] == 1
    assert sorted(body["note_ids"]) == sorted([notes[TEXTS[0]], notes[TEXTS[1]]])
    seq = room.seq()
    room.ok(put(room, "sol", [notes[TEXTS[1]], notes[TEXTS[0]]]))
    assert room.seq() == seq  # idempotent
    room.ok(put(room, "sol", [notes[TEXTS[2]]]))
    assert room.snapshot("sol")["votes"]["purpose-vote"]["mine"] == [notes[TEXTS[2]]]


def test_dots_are_hidden_until_the_reveal(room: ToolkitRoom) -> None:
    notes = ids(room)
    room.ok(put(room, "sol", [notes[TEXTS[0]]]))
    room.ok(put(room, "eleanor", [notes[TEXTS[0]], notes[TEXTS[2]]]))
    for who in ("priya", "fac"):
        seen = room.snapshot(who)["votes"]["purpose-vote"]
        assert seen["voters"] == 2
        assert seen["tally"] is None
    board = room.page("fac", "board")
    assert "<strong>2</strong> of 3 have placed their dots" in board
    assert 'id="board-vote-results"' not in board
    with connect(room.client, room.code, room.token("priya"), since=room.seq()) as ws:
        room.ok(put(room, "sol", [notes[TEXTS[1]]]))
        event = receive_event(ws)
        assert event["type"] == "votes.set"
        assert event["data"]["note_ids"] is None
    shown = room.ok(room.post("fac", "/votes/reveal"))
    assert shown["revealed"] is True
    assert [t["dots"] for t in shown["tally"]] == [1, 1, 1]
    first = next(t for t in shown["tally"] if t["note_id"] == notes[TEXTS[2]])
    assert first["by_perspective"] == {"education": 1}
    board = room.page("fac", "board")
    assert 'id="board-vote-results"' in board
    assert "Listen to &lt;i&gt;children&lt;/i&gt;" in board
    control = room.page("fac", "control")
    assert "Material for the purpose and goals" in control
    room.refused(409, "votes_revealed", lambda: put(room, "sol", []))


def test_refusals_in_the_contract_shape(room: ToolkitRoom) -> None:
    notes = ids(room)
    inner = [notes[t] for t in TEXTS]
    room.refused(422, "too_many_dots", lambda: put(room, "sol", [*inner, inner[0]]))
    room.refused(422, "no_stacking", lambda: put(room, "sol", [inner[0], inner[0]]))
    room.refused(422, "not_in_inner_circle", lambda: put(room, "sol", [notes["Out of scope"]]))
    room.refused(422, "not_in_inner_circle", lambda: put(room, "sol", ["nope"]))
    room.refused(422, "invalid_note_ids", lambda: room.put("sol", "/votes", {"note_ids": "x"}))
    room.refused(403, "not_yours", lambda: put(room, "sol", [], participant_id=room.pid("priya")))
    room.refused(
        404, "participant_not_found", lambda: put(room, "fac", [inner[0]], participant_id="ghost")
    )
    room.refused(422, "participant_id_needed", lambda: put(room, "fac", [inner[0]]))
    room.refused(403, "facilitator_only", lambda: room.post("sol", "/votes/reveal"))
    room.refused(401, "unauthorized", lambda: put(room, None, []))
    room.phase("purpose-agree")
    room.refused(409, "wrong_phase", lambda: put(room, "sol", [inner[0]]))
    room.refused(409, "wrong_phase", lambda: room.post("fac", "/votes/reveal"))


def test_the_phone_form_places_dots(room: ToolkitRoom) -> None:
    notes = ids(room)
    phone = room.page("sol", "phone")
    assert 'class="vote-form"' in phone
    response = room.form("sol", "/votes", {"note_ids": [notes[TEXTS[0]], notes[TEXTS[1]]]})  # type: ignore[dict-item]
    assert response.status_code == 200, response.text
    assert "You placed 2 dots." in response.text
    assert len(room.snapshot("sol")["votes"]["purpose-vote"]["mine"]) == 2


def test_the_facilitator_may_skip_the_vote(room: ToolkitRoom) -> None:
    control = room.page("fac", "control")
    assert 'id="skip-vote"' in control
    room.phase("purpose-agree")
    assert room.snapshot()["phase"] == "purpose-agree"
