"""The board's presentation (app/domain/board.py) and the notes' stable spots in the
circles (notes.free_slot): pure rules, replayed from their events."""

from __future__ import annotations

import pytest

from app.domain import board, notes
from app.domain.board import BoardView
from app.domain.errors import Invalid
from app.domain.events import FACILITATOR
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import TEXT, commit, move_to, new_room, refused


@pytest.fixture
def room(workshop: Workshop) -> Room:
    return new_room(workshop, "purpose-write")


def test_a_page_turn_counts_in_its_phase_and_a_new_phase_starts_at_page_one(room: Room) -> None:
    commit(room, board.decide_board(room, turn=1))
    commit(room, board.decide_board(room, turn=1))
    assert room.board.page_in("purpose-write") == 2
    commit(room, board.decide_board(room, turn=-3))
    assert room.board.page_in("purpose-write") == -1  # each board wraps it round
    move_to(room, "purpose-sort")
    assert room.board.page_in("purpose-sort") == 0
    commit(room, board.decide_board(room, turn=1))
    assert (room.board.page, room.board.phase) == (1, "purpose-sort")


def test_the_join_panel_is_large_in_the_lobby_and_small_after_unless_set(room: Room) -> None:
    assert BoardView().join_in(lobby=True) == "large"
    assert BoardView().join_in(lobby=False) == "small"
    commit(room, board.decide_board(room, join="hidden", projector=True, notes="outer"))
    assert room.board.join_in(lobby=True) == "hidden"
    assert room.board.projector
    assert room.board.notes == "outer"
    assert board.decide_board(room, join="hidden") == []  # nothing changed: no event


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"turn": "1"}, "invalid_turn"),
        ({"turn": True}, "invalid_turn"),
        ({"page": 1000}, "invalid_page"),
        ({"notes": "middle"}, "invalid_notes"),
        ({"join": 3}, "invalid_join"),
        ({"projector": "on"}, "invalid_projector"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    room: Room, changes: dict[str, object], code: str
) -> None:
    refused(room, Invalid, code, lambda: board.decide_board(room, **changes))


def test_a_note_keeps_its_spot_when_others_move(room: Room) -> None:
    for index in range(5):
        commit(
            room,
            notes.decide_add(
                room,
                author_id="p1" if index < 3 else "p2",
                note_id=f"n{index}",
                text=f"Statement {index}",
                max_length=TEXT,
            ),
        )
    move_to(room, "purpose-sort")
    slots = {n.id: n.slot for n in notes.in_ring(room, "inner")}
    assert sorted(slots.values()) == [0, 1, 2, 3, 4]
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="n1", ring="outer"))
    assert {n.id: n.slot for n in notes.in_ring(room, "inner")} == {
        k: v for k, v in slots.items() if k != "n1"
    }
    assert room.notes["n1"].slot == 0  # the outer circle's first spot
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="n3", ring="outer"))
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="n1", ring="inner"))
    assert room.notes["n1"].slot == slots["n1"]  # the lowest free spot: its old one
    assert room.notes["n3"].slot == 1
