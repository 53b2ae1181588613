"""Responses hidden until the facilitator reveals them: counted, not shown, meanwhile."""

from __future__ import annotations

import pytest

from app.domain import facilitation, reveal
from app.domain.errors import Conflict
from app.domain.events import FACILITATOR, Viewer, redact
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import P1, P2, agree, commit, draft, new_room, refused, respond


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Three participants agreeing the purpose, in a room that hides responses."""
    found = new_room(workshop, "purpose-agree")
    commit(found, facilitation.decide_options(found, hide_responses=True))
    draft(found, "purpose", "Every child safe, healthy and learning.")
    return found


def test_a_hidden_response_is_private_to_its_author_and_the_facilitator(room: Room) -> None:
    (event,) = respond(room, "purpose", "p1", "object", "Health is not named")
    assert event.private_to == "p1"
    assert event.data["facilitator_reads"] is True
    assert event.for_viewer(P2, names_visible=True)["data"]["stance"] is None
    assert event.for_viewer(P2, names_visible=True)["data"]["reason"] is None
    assert event.for_viewer(P1, names_visible=True)["data"]["stance"] == "object"
    assert event.for_viewer(FACILITATOR, names_visible=True)["data"]["reason"]
    assert redact("response.set", event.data)["participant_id"] == "p1"  # who, not what


def test_the_snapshot_counts_hidden_responses_and_shows_only_ones_own(room: Room) -> None:
    respond(room, "purpose", "p1", "agree")
    respond(room, "purpose", "p2", "object", "Too vague")
    theirs = room.snapshot(P1)["statements"]["purpose"]
    assert theirs["hidden"] is True
    assert theirs["responded"] == 2
    assert theirs["responses"] == [{"participant_id": "p1", "stance": "agree", "reason": None}]
    board = room.snapshot(Viewer("participant", "p3"))["statements"]["purpose"]
    assert board["responses"] == []
    facilitator = room.snapshot(FACILITATOR)["statements"]["purpose"]
    assert len(facilitator["responses"]) == 2


def test_reveal_shows_everyone_the_responses(room: Room) -> None:
    respond(room, "purpose", "p2", "object", "Too vague")
    (event, shown) = commit(room, reveal.decide_reveal(room, target="purpose"))
    assert event.type == "responses.revealed"
    assert event.data["responses"][0]["reason"] == "Too vague"
    assert shown.type == "objection.revealed"  # each objection then shown on its own
    assert shown.data == {"target": "purpose", "version": 1, "participant_id": "p2"}
    shown = room.snapshot(P1)["statements"]["purpose"]
    assert shown["hidden"] is False
    assert shown["responses"][0]["stance"] == "object"
    assert reveal.decide_reveal(room, target="purpose") == []  # once is enough
    (later,) = respond(room, "purpose", "p1", "agree")
    assert later.private_to is None  # after the reveal, responses come in the open


def test_editing_the_draft_hides_the_next_round_again(room: Room) -> None:
    respond(room, "purpose", "p1", "agree")
    commit(room, reveal.decide_reveal(room, target="purpose"))
    draft(room, "purpose", "Every child and family safe, healthy and learning.")
    assert room.statements["purpose"].hidden(True)
    (event,) = respond(room, "purpose", "p1", "agree")
    assert event.private_to == "p1"


def test_a_reveal_of_an_earlier_version_does_not_reveal_the_new_one(room: Room) -> None:
    drafts = reveal.decide_reveal(room, target="purpose")
    draft(room, "purpose", "A new text")
    commit(room, drafts)
    assert room.statements["purpose"].hidden(True)


def test_agreeing_shows_the_responses(room: Room) -> None:
    respond(room, "purpose", "p1", "agree")
    agree(room, "purpose")
    assert not room.statements["purpose"].hidden(True)
    assert room.snapshot(P2)["statements"]["purpose"]["responses"]


def test_reveal_needs_a_room_that_hides_responses(workshop: Workshop) -> None:
    room = new_room(workshop, "purpose-agree")
    draft(room, "purpose", "Text")
    refused(room, Conflict, "responses_shown", lambda: reveal.decide_reveal(room, target="purpose"))
    (event,) = respond(room, "purpose", "p1", "agree")
    assert event.private_to is None


def test_reveal_needs_a_draft(workshop: Workshop) -> None:
    room = new_room(workshop, "purpose-agree")
    commit(room, facilitation.decide_options(room, hide_responses=True))
    refused(room, Conflict, "no_draft", lambda: reveal.decide_reveal(room, target="goals"))


def test_hide_responses_is_a_room_option(room: Room) -> None:
    assert room.options.hide_responses
    assert room.snapshot(P1)["options"]["hide_responses"] is True
    commit(room, facilitation.decide_options(room, hide_responses=False))
    assert not room.statements["purpose"].hidden(room.options.hide_responses)
