"""Task 1.2 (Table 1.3) in the domain: contributions, coverage, private grids, spotlight.

Every participant writes into their own perspective's column; the board can
spotlight one row (a statement target) and go back to the overview.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.domain import grid
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR, Event
from app.domain.room import Room
from app.domain.spotlight import decide_spotlight
from app.domain.workshop import Workshop
from tests.conftest import PHASES
from tests.domain.support import (
    GRID_ROWS,
    GRID_TARGETS,
    P1,
    P2,
    P3,
    TEXT,
    commit,
    move_to,
    new_room,
    state,
)

PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Priya (health), Eleanor (education) and Sol (social care), writing the grid."""
    return new_room(workshop, "grid-write")


DEFAULT = object()


def contribute(
    room: Room, author: str, contribution_id: str, row: str = "mission", text: object = DEFAULT
) -> list[Event]:
    drafts = grid.decide_contribute(
        room,
        row=row,
        author_id=author,
        contribution_id=contribution_id,
        text=f"Statement {contribution_id}" if text is DEFAULT else text,
        max_length=TEXT,
    )
    return commit(room, drafts)


def grid_of(snapshot: dict[str, Any], row: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = snapshot["grid"][row]["contributions"]
    return items


# --------------------------------------------------------------- contribute
def test_the_workshop_has_seven_rows_and_four_perspectives(workshop: Workshop) -> None:
    assert [r.key for r in workshop.grid_rows] == GRID_ROWS
    assert [p.id for p in workshop.perspectives] == PERSPECTIVES
    assert workshop.grid_private is False


def test_contribution_lands_in_the_authors_own_column(room: Room) -> None:
    events = contribute(room, "p1", "c1", row="mission", text="  Every child healthy  ")
    assert len(events) == 1
    event = events[0]
    assert event.type == "contribution.added"
    assert event.actor == "p1"
    assert event.private_to is None
    assert event.data == {
        "row": "mission",
        "contribution": {
            "id": "c1",
            "perspective": "health",
            "author_id": "p1",
            "text": "Every child healthy",
        },
    }
    item = room.contribution_ids["c1"]
    assert (item.row, item.perspective, item.author_id) == ("mission", "health", "p1")
    assert item.text == "Every child healthy"
    assert item.created_at == event.at
    assert room.contributions == {"mission": [item]}
    assert grid.contribution(room, "c1") is item


def test_each_participant_writes_in_their_own_perspective(room: Room) -> None:
    contribute(room, "p1", "c1")
    contribute(room, "p2", "c2")
    contribute(room, "p3", "c3", row="barriers")
    assert [c.perspective for c in room.contributions["mission"]] == ["health", "education"]
    assert [c.perspective for c in room.contributions["barriers"]] == ["social-care"]


def test_several_contributions_per_cell_keep_their_order(room: Room) -> None:
    for number in range(1, 4):
        contribute(room, "p1", f"c{number}", row="means")
    assert [c.id for c in room.contributions["means"]] == ["c1", "c2", "c3"]
    assert grid.coverage(room)["means"]["health"] == 3


@pytest.mark.parametrize("row", ["nope", "", "Mission", "grid.mission", "means "])
def test_unknown_row_is_not_found(room: Room, row: str) -> None:
    before = state(room)
    with pytest.raises(NotFound) as caught:
        grid.decide_contribute(
            room, row=row, author_id="p1", contribution_id="c1", text="x", max_length=TEXT
        )
    assert caught.value.code == "row_not_found"
    assert state(room) == before


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("grid-write", "closed")])
def test_contributing_outside_grid_write_is_a_conflict(workshop: Workshop, phase: str) -> None:
    room = new_room(workshop, phase)
    before = state(room)
    with pytest.raises(Conflict) as caught:
        contribute(room, "p1", "c1")
    assert caught.value.code == "wrong_phase"
    assert state(room) == before


def test_contributing_in_a_closed_room_is_refused(workshop: Workshop) -> None:
    room = new_room(workshop, "closed")
    with pytest.raises(Conflict) as caught:
        contribute(room, "p1", "c1")
    assert caught.value.code == "room_closed"


def test_an_unknown_author_is_not_found(room: Room) -> None:
    with pytest.raises(NotFound) as caught:
        contribute(room, "ghost", "c1")
    assert caught.value.code == "participant_not_found"
    assert room.contributions == {}


def test_same_id_from_the_same_author_is_idempotent(room: Room) -> None:
    contribute(room, "p1", "c1", text="First")
    before = state(room)
    drafts = grid.decide_contribute(
        room, row="mission", author_id="p1", contribution_id="c1", text="First", max_length=TEXT
    )
    assert drafts == []
    # A retry never duplicates, whatever it carries (even another row or text).
    drafts = grid.decide_contribute(
        room, row="barriers", author_id="p1", contribution_id="c1", text="Other", max_length=TEXT
    )
    assert drafts == []
    assert state(room) == before


def test_retry_after_the_phase_moved_on_is_still_idempotent(room: Room) -> None:
    contribute(room, "p1", "c1")
    move_to(room, "grid-agree")
    drafts = grid.decide_contribute(
        room, row="mission", author_id="p1", contribution_id="c1", text="x", max_length=TEXT
    )
    assert drafts == []


def test_same_id_from_another_author_is_a_conflict(room: Room) -> None:
    contribute(room, "p1", "c1")
    before = state(room)
    with pytest.raises(Conflict) as caught:
        contribute(room, "p2", "c1")
    assert caught.value.code == "contribution_id_taken"
    assert state(room) == before


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t ", "\u200b\u200b", None, 42, ["a"], "x" * (TEXT + 1)],
    ids=["empty", "spaces", "whitespace", "zero-width", "none", "number", "list", "too-long"],
)
def test_bad_text_is_invalid(room: Room, text: object) -> None:
    before = state(room)
    with pytest.raises(Invalid) as caught:
        contribute(room, "p1", "c1", text=text)
    assert caught.value.code == "invalid_text"
    assert state(room) == before


def test_text_of_exactly_the_limit_is_accepted(room: Room) -> None:
    contribute(room, "p1", "c1", text="x" * TEXT)
    assert room.contribution_ids["c1"].text == "x" * TEXT


def test_text_is_trimmed_before_it_is_measured(room: Room) -> None:
    contribute(room, "p1", "c1", text=f"   {'y' * TEXT}   ")
    assert room.contribution_ids["c1"].text == "y" * TEXT


def test_markup_is_kept_as_text(room: Room) -> None:
    evil = "<b onmouseover=alert(1)>x</b>"
    contribute(room, "p1", "c1", text=evil)
    assert room.contribution_ids["c1"].text == evil


def test_contribution_lookup_of_an_unknown_id(room: Room) -> None:
    with pytest.raises(NotFound) as caught:
        grid.contribution(room, "nope")
    assert caught.value.code == "contribution_not_found"


# ----------------------------------------------------------------- coverage
def test_coverage_of_an_empty_grid_is_all_zero(room: Room) -> None:
    counts = grid.coverage(room)
    assert list(counts) == GRID_ROWS
    for row in GRID_ROWS:
        assert counts[row] == dict.fromkeys(PERSPECTIVES, 0)


def test_coverage_counts_per_row_and_perspective(room: Room) -> None:
    contribute(room, "p1", "c1", row="mission")
    contribute(room, "p1", "c2", row="mission")
    contribute(room, "p2", "c3", row="mission")
    contribute(room, "p3", "c4", row="one-year")
    counts = grid.coverage(room)
    assert counts["mission"] == {"education": 1, "health": 2, "social-care": 0, "vcs-other": 0}
    assert counts["one-year"] == {"education": 0, "health": 0, "social-care": 1, "vcs-other": 0}
    assert sum(sum(c.values()) for c in counts.values()) == 4
    empty = [(row, p) for row, c in counts.items() for p, n in c.items() if n == 0]
    assert len(empty) == len(GRID_ROWS) * len(PERSPECTIVES) - 3


# ----------------------------------------------------------------- snapshot
def test_snapshot_shows_every_row_and_everyones_contributions(room: Room) -> None:
    contribute(room, "p1", "c1", text="Health says")
    contribute(room, "p2", "c2", text="Education says")
    for viewer in (FACILITATOR, P1, P2, P3):
        snapshot = room.snapshot(viewer)
        assert list(snapshot["grid"]) == GRID_ROWS
        assert grid_of(snapshot, "mission") == [
            {"id": "c1", "perspective": "health", "author_id": "p1", "text": "Health says"},
            {"id": "c2", "perspective": "education", "author_id": "p2", "text": "Education says"},
        ]
        assert all(grid_of(snapshot, row) == [] for row in GRID_ROWS if row != "mission")


# ------------------------------------------------------------- private grid
@pytest.fixture
def private_room(workshop: Workshop) -> Room:
    return new_room(dataclasses.replace(workshop, grid_private=True), "grid-write")


def test_private_grid_event_is_private_to_its_author(private_room: Room) -> None:
    (event,) = contribute(private_room, "p1", "c1", text="Only mine")
    assert event.private_to == "p1"
    assert event.for_viewer(P1, names_visible=True)["data"]["contribution"]["text"] == "Only mine"
    for viewer in (P2, P3, FACILITATOR):
        seen = event.for_viewer(viewer, names_visible=True)["data"]
        assert seen["row"] == "mission"
        assert seen["contribution"] == {
            "id": "c1",
            "perspective": "health",
            "author_id": None,
            "text": None,
        }
    # The stored event itself is untouched.
    assert event.data["contribution"]["text"] == "Only mine"


def test_private_grid_snapshot_hides_others_text(private_room: Room) -> None:
    contribute(private_room, "p1", "c1", text="Priya's")
    contribute(private_room, "p2", "c2", text="Eleanor's")
    mine = grid_of(private_room.snapshot(P1), "mission")
    assert mine == [
        {"id": "c1", "perspective": "health", "author_id": "p1", "text": "Priya's"},
        {"id": "c2", "perspective": "education", "author_id": None, "text": None},
    ]
    theirs = grid_of(private_room.snapshot(P3), "mission")
    assert [(c["perspective"], c["text"], c["author_id"]) for c in theirs] == [
        ("health", None, None),
        ("education", None, None),
    ]
    # Coverage still counts hidden contributions.
    assert grid.coverage(private_room)["mission"]["health"] == 1


def test_private_grid_facilitator_snapshot_hides_text(private_room: Room) -> None:
    # Contribution.public hides from any viewer who is not the author: the
    # facilitator too, like the event they receive.
    contribute(private_room, "p1", "c1", text="Priya's")
    (item,) = grid_of(private_room.snapshot(FACILITATOR), "mission")
    assert item["text"] is None
    assert item["author_id"] is None
    assert item["perspective"] == "health"


# ---------------------------------------------------------------- spotlight
@pytest.mark.parametrize("target", [*GRID_TARGETS, "purpose", "goals"])
def test_spotlight_a_statement_target(room: Room, target: str) -> None:
    events = commit(room, decide_spotlight(room, target))
    assert [(e.type, e.data, e.actor) for e in events] == [
        ("spotlight.changed", {"target": target}, "facilitator")
    ]
    assert room.spotlight == target


@pytest.mark.parametrize("back", [None, ""])
def test_spotlight_back_to_the_overview(room: Room, back: str | None) -> None:
    commit(room, decide_spotlight(room, "grid.mission"))
    events = commit(room, decide_spotlight(room, back))
    assert [(e.type, e.data) for e in events] == [("spotlight.changed", {"target": None})]
    assert room.spotlight is None


def test_spotlight_moves_from_row_to_row(room: Room) -> None:
    commit(room, decide_spotlight(room, "grid.mission"))
    events = commit(room, decide_spotlight(room, "grid.barriers"))
    assert events[0].data == {"target": "grid.barriers"}
    assert room.spotlight == "grid.barriers"


@pytest.mark.parametrize(
    "target",
    ["grid.nope", "mission", "grid.", "document", "GRID.MISSION", 5, ["grid.mission"], {}],
)
def test_invalid_spotlight_is_refused(room: Room, target: object) -> None:
    before = state(room)
    with pytest.raises(Invalid) as caught:
        decide_spotlight(room, target)
    assert caught.value.code == "invalid_spotlight"
    assert state(room) == before


def test_same_spotlight_again_decides_nothing(room: Room) -> None:
    assert decide_spotlight(room, None) == []  # already the overview
    commit(room, decide_spotlight(room, "grid.means"))
    assert decide_spotlight(room, "grid.means") == []


def test_spotlight_works_in_any_phase(workshop: Workshop) -> None:
    room = new_room(workshop, "grid-agree")
    commit(room, decide_spotlight(room, "grid.one-year"))
    assert room.spotlight == "grid.one-year"


def test_spotlight_survives_a_rebuild_from_the_log(room: Room, workshop: Workshop) -> None:
    log = commit(room, decide_spotlight(room, "grid.mission"))
    rebuilt = new_room(workshop, "grid-write")
    rebuilt.apply_all(log)
    assert rebuilt.spotlight == "grid.mission"


def test_spotlight_is_in_the_snapshot(room: Room) -> None:
    # A client that (re)connects must learn what the board is focused on.
    assert room.snapshot(FACILITATOR).get("spotlight", "missing") is None
    commit(room, decide_spotlight(room, "grid.mission"))
    for viewer in (FACILITATOR, P1):
        assert room.snapshot(viewer).get("spotlight", "missing") == "grid.mission"
