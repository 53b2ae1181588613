"""Responses hidden until the facilitator reveals them, over the API and on the pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.support import ToolkitRoom, connect, receive_event, toolkit_room

REASON = "Zanzibar-reason: social care is not named"


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    """Three people agreeing a purpose in a room that hides responses until reveal."""
    found = toolkit_room(client)
    found.options(hide_responses=True)
    found.phase("purpose-agree")
    found.ok(found.put("fac", "/statements/purpose", {"text": "Every child thrives."}))
    return found


def test_others_see_how_many_responded_not_what(room: ToolkitRoom) -> None:
    mine = room.ok(
        room.post("sol", "/statements/purpose/responses", {"stance": "object", "reason": REASON})
    )
    assert mine["hidden"] is True
    assert [r["stance"] for r in mine["responses"]] == ["object"]
    room.ok(room.post("priya", "/statements/purpose/responses", {"stance": "agree"}))
    seen = room.snapshot("eleanor")["statements"]["purpose"]
    assert seen["responded"] == 2
    assert seen["responses"] == []
    assert len(room.snapshot("fac")["statements"]["purpose"]["responses"]) == 2
    board = room.page("fac", "board")
    assert 'id="board-responded-purpose"' in board
    assert "<strong>2</strong> of 3 have responded" in board
    assert REASON not in board
    assert 'id="board-tally-purpose"' not in board
    assert REASON in room.page("fac", "control")  # the facilitator reads them
    assert 'id="reveal-purpose"' in room.page("fac", "control")


def test_reveal_puts_the_tally_and_objections_on_the_board(room: ToolkitRoom) -> None:
    room.ok(
        room.post("sol", "/statements/purpose/responses", {"stance": "object", "reason": REASON})
    )
    shown = room.ok(room.post("fac", "/statements/purpose/reveal"))
    assert shown["hidden"] is False
    assert shown["revealed"] is True
    assert room.snapshot("eleanor")["statements"]["purpose"]["responses"][0]["reason"] == REASON
    board = room.page("fac", "board")
    assert 'id="board-tally-purpose"' in board
    assert REASON in board
    assert 'id="reveal-purpose"' not in room.page("fac", "control")


def test_reveal_by_form_and_toggle_by_form(room: ToolkitRoom) -> None:
    response = room.form("fac", "/statements/purpose/reveal")
    assert response.status_code == 200, response.text
    assert room.snapshot()["statements"]["purpose"]["revealed"] is True
    room.form("fac", "/options", {"hide_responses": "false"})
    assert room.snapshot()["options"]["hide_responses"] is False


def test_reveal_refusals_are_in_the_contract_shape(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-agree")
    room.refused(409, "no_draft", lambda: room.post("fac", "/statements/purpose/reveal"))
    room.refused(404, "target_not_found", lambda: room.post("fac", "/statements/nope/reveal"))
    room.ok(room.put("fac", "/statements/purpose", {"text": "Text"}))
    room.refused(409, "responses_shown", lambda: room.post("fac", "/statements/purpose/reveal"))
    room.refused(403, "facilitator_only", lambda: room.post("sol", "/statements/purpose/reveal"))
    room.refused(401, "unauthorized", lambda: room.post(None, "/statements/purpose/reveal"))


def test_the_event_stream_hides_the_stance_from_others(room: ToolkitRoom) -> None:
    with connect(room.client, room.code, room.token("eleanor"), since=room.seq()) as ws:
        room.ok(
            room.post(
                "sol", "/statements/purpose/responses", {"stance": "object", "reason": REASON}
            )
        )
        event = receive_event(ws)
        assert event["type"] == "response.set"
        assert event["data"]["stance"] is None
        assert event["data"]["reason"] is None
        room.ok(room.post("fac", "/statements/purpose/reveal"))
        revealed = receive_event(ws)
        assert revealed["type"] == "responses.revealed"
        assert revealed["data"]["responses"][0]["reason"] == REASON
