"""Steps between phases: a big step back needs confirming; a spotlight ends with its phase."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict
from app.domain.events import FACILITATOR
from app.domain.spotlight import decide_spotlight
from app.domain.workshop import Workshop
from tests.domain.support import commit, move_to, new_room, refused


@pytest.mark.parametrize(
    ("here", "there", "big"),
    [
        ("grid-agree", "grid-write", False),  # one step back
        ("grid-agree", "purpose-agree", True),  # two
        ("document", "grid-agree", True),  # back from the document
        ("closed", "document", True),  # back from the closed session
        ("document", "purpose-sort", True),  # step 7 to 3
        ("lobby", "closed", False),  # forwards, however far
        ("purpose-write", "lobby", False),
    ],
)
def test_big_steps_back(workshop: Workshop, here: str, there: str, big: bool) -> None:
    room = new_room(workshop, here)
    assert room.big_step_back(there) is big
    if big:
        error = refused(
            room, Conflict, "confirm_needed", lambda: room.decide_phase(there, confirmed=False)
        )
        assert "confirm" in error.message
    else:
        commit(room, room.decide_phase(there, confirmed=False))
        assert room.phase == there


def test_a_confirmed_big_step_back_moves_the_room(workshop: Workshop) -> None:
    room = new_room(workshop, "document")
    commit(room, room.decide_phase("purpose-sort", confirmed=True))
    assert room.phase == "purpose-sort"
    # Without a word about it (the API's default), the move is made as before.
    move_to(room, "closed")
    commit(room, room.decide_phase("lobby"))
    assert room.phase == "lobby"


def test_the_spotlight_clears_when_the_phase_changes(workshop: Workshop) -> None:
    room = new_room(workshop, "grid-write")
    commit(room, decide_spotlight(room, "grid.mission"))
    assert room.spotlight == "grid.mission"
    move_to(room, "grid-agree")
    assert room.spotlight is None
    assert room.snapshot(FACILITATOR)["spotlight"] is None
    # Back again: still the overview, until the facilitator spotlights something.
    commit(room, decide_spotlight(room, "grid.means"))
    move_to(room, "grid-write")
    assert room.spotlight is None
