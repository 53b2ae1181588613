"""Grouping suggestions in a room: which notes take part, dismissals as room state."""

from __future__ import annotations

import pytest

from app.domain import notes, suggestions
from app.domain.errors import Conflict, Invalid
from app.domain.events import FACILITATOR
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import TEXT, commit, move_to, new_room, refused

ALIKE = [
    ("a1", "p1", "Share information between agencies quickly"),
    ("a2", "p2", "Better information sharing between agencies"),
    ("a3", "p3", "Agencies sharing information early"),
    ("b1", "p1", "Reduce exclusions from school"),
    ("b2", "p2", "Fewer exclusions from school"),
    ("c1", "p3", "Celebrate what is working well"),
]


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Three people's notes, revealed in the sort phase."""
    found = new_room(workshop, "purpose-write")
    for note_id, author, text in ALIKE:
        drafts = notes.decide_add(
            found, author_id=author, note_id=note_id, text=text, max_length=TEXT
        )
        commit(found, drafts)
    move_to(found, "purpose-sort")
    return found


def ids(room: Room) -> list[tuple[str, ...]]:
    return sorted(g.note_ids for g in suggestions.groups(room))


def test_alike_notes_are_grouped(room: Room) -> None:
    assert ids(room) == [("a1", "a2", "a3"), ("b1", "b2")]


def test_merged_removed_and_other_circle_notes_are_left_out(room: Room) -> None:
    commit(room, notes.decide_merge(room, note_id="a3", into="a1"))
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="b2"))
    assert ids(room) == [("a1", "a2")]
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="a2", ring="outer"))
    assert ids(room) == []


def test_a_dismissal_is_remembered(room: Room) -> None:
    (event,) = commit(room, suggestions.decide_dismiss(room, note_ids=["b2", "b1"]))
    assert event.data == {"note_ids": ["b1", "b2"]}
    assert frozenset({"b1", "b2"}) in room.apart
    assert ids(room) == [("a1", "a2", "a3")]
    assert suggestions.decide_dismiss(room, note_ids=["b1", "b2"]) == []


def test_part_of_a_group_dismissed_leaves_the_rest(room: Room) -> None:
    commit(room, suggestions.decide_dismiss(room, note_ids=["a1", "a3"]))
    groups = ids(room)
    assert ("a1", "a2", "a3") not in groups
    assert all({"a1", "a3"} - set(group) for group in groups)


@pytest.mark.parametrize("note_ids", [None, "a1", [], ["a1"], ["a1", 3], ["a1", "nope"]])
def test_a_dismissal_needs_two_notes_on_the_board(room: Room, note_ids: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_note_ids",
        lambda: suggestions.decide_dismiss(room, note_ids=note_ids),
    )


def test_suggestions_belong_to_the_sort_phase(room: Room) -> None:
    move_to(room, "purpose-agree")
    with pytest.raises(Conflict):
        suggestions.ensure_sorting(room)
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: suggestions.decide_dismiss(room, note_ids=["a1", "a2"]),
    )


def test_a_group_key_is_stable_and_short() -> None:
    assert suggestions.group_key(["b", "a"]) == suggestions.group_key(["a", "b"])
    assert len(suggestions.group_key([f"{i:036d}" for i in range(3)])) <= 12
