"""Dot-voting (the vote-notes kind): allocations, limits, dots hidden until the reveal."""

from __future__ import annotations

import dataclasses

import pytest

from app.domain import document, notes, votes
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import CREATED, P1, P2, TEXT, commit, move_to, new_room, refused

INNER = ["n1", "n2", "n3", "n4"]


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Four notes in the inner circle and one in the outer, in purpose-vote."""
    found = new_room(workshop, "purpose-write", people=4)
    for index, note_id in enumerate([*INNER, "out"]):
        author = f"p{index % 3 + 1}"
        text = f"Statement {note_id}"
        commit(
            found,
            notes.decide_add(found, author_id=author, note_id=note_id, text=text, max_length=TEXT),
        )
    move_to(found, "purpose-sort")
    commit(found, notes.decide_move(found, viewer=FACILITATOR, note_id="out", ring="outer"))
    move_to(found, "purpose-vote")
    return found


def vote(room: Room, pid: str, note_ids: object) -> list[object]:
    return list(commit(room, votes.decide_vote(room, participant_id=pid, note_ids=note_ids)))


def test_a_vote_is_the_whole_allocation(room: Room) -> None:
    vote(room, "p1", ["n1", "n2"])
    vote(room, "p1", ["n3"])
    assert votes.allocation(room, "purpose-vote", "p1") == ("n3",)
    assert votes.decide_vote(room, participant_id="p1", note_ids=["n3"]) == []
    vote(room, "p1", [])
    assert votes.voters(room, "purpose-vote") == []


def test_limits(room: Room) -> None:
    too_many = ["n1", "n2", "n3", "n4"]
    refused(room, Invalid, "too_many_dots", lambda: vote(room, "p1", too_many))
    refused(room, Invalid, "no_stacking", lambda: vote(room, "p1", ["n1", "n1"]))
    refused(room, Invalid, "not_in_inner_circle", lambda: vote(room, "p1", ["out"]))
    refused(room, Invalid, "not_in_inner_circle", lambda: vote(room, "p1", ["nope"]))
    refused(room, Invalid, "invalid_note_ids", lambda: vote(room, "p1", "n1"))
    refused(room, NotFound, "participant_not_found", lambda: vote(room, "ghost", ["n1"]))


def test_stacking_by_setting(room: Room) -> None:
    phase = dataclasses.replace(room.workshop.phase("purpose-vote"), stacking=True, dots=5)
    phases = tuple(phase if p.id == phase.id else p for p in room.workshop.phases)
    room.workshop = dataclasses.replace(room.workshop, phases=phases)
    vote(room, "p1", ["n1", "n1", "n1", "n2", "n2"])
    assert votes.tally(room, "purpose-vote")[0].dots == 3


def test_dots_are_hidden_until_revealed(room: Room) -> None:
    (event,) = vote(room, "p1", ["n1", "n2"])
    vote(room, "p2", ["n1"])
    assert event.private_to == "p1"  # type: ignore[attr-defined]
    assert event.for_viewer(P2, names_visible=True)["data"]["note_ids"] is None  # type: ignore[attr-defined]
    assert event.for_viewer(FACILITATOR, names_visible=True)["data"]["note_ids"] is None  # type: ignore[attr-defined]
    seen = room.snapshot(P2)["votes"]["purpose-vote"]
    assert seen["voters"] == 2
    assert seen["tally"] is None
    assert seen["mine"] == ["n1"]
    assert room.snapshot(FACILITATOR)["votes"]["purpose-vote"]["tally"] is None
    commit(room, votes.decide_reveal(room))
    shown = room.snapshot(P1)["votes"]["purpose-vote"]
    assert shown["tally"][0] == {
        "note_id": "n1",
        "dots": 2,
        "by_perspective": {"health": 1, "education": 1},
    }
    refused(room, Conflict, "votes_revealed", lambda: vote(room, "p1", []))
    assert votes.decide_reveal(room) == []


def test_votes_belong_to_a_vote_phase(room: Room) -> None:
    move_to(room, "purpose-agree")
    refused(room, Conflict, "wrong_phase", lambda: vote(room, "p1", ["n1"]))
    refused(room, Conflict, "wrong_phase", lambda: votes.decide_reveal(room))


def test_the_results_go_into_the_documents_appendix(room: Room) -> None:
    assert document.build(room, today=CREATED).results == ()
    vote(room, "p1", ["n2", "n1"])
    vote(room, "p3", ["n2"])
    commit(room, votes.decide_reveal(room))
    (result,) = document.build(room, today=CREATED).results
    assert result.items == (
        "Statement n2 — 2 (Health 1, Social Care 1)",
        "Statement n1 — 1 (Health 1)",
    )
    assert document.build(room, today=CREATED).public()["appendix"]["results"]


def test_the_workshop_setting(workshop: Workshop) -> None:
    phase = workshop.phase("purpose-vote")
    assert (phase.kind, phase.dots, phase.stacking) == ("vote-notes", 3, False)
    order = [p.id for p in workshop.phases]
    assert order.index("purpose-sort") + 1 == order.index("purpose-vote")
    assert order.index("purpose-vote") + 1 == order.index("purpose-agree")
