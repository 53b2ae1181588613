"""Task 1.1 Post-its in the domain: write privately, reveal, sort, merge, remove."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from app.domain import notes
from app.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Event, Viewer
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.conftest import PHASES
from tests.domain.support import P1, P2, P3, TEXT, commit, move_to, new_room, state


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Three participants (health, education, social care), writing their statements."""
    return new_room(workshop, "purpose-write")


def add(room: Room, author: str, note_id: str, text: str = "") -> list[Event]:
    drafts = notes.decide_add(
        room,
        author_id=author,
        note_id=note_id,
        text=text or f"Statement {note_id}",
        max_length=TEXT,
    )
    return commit(room, drafts)


def move(room: Room, viewer: Viewer, note_id: str, ring: str) -> list[Event]:
    return commit(room, notes.decide_move(room, viewer=viewer, note_id=note_id, ring=ring))


def merge(room: Room, note_id: str, into: str) -> list[Event]:
    return commit(room, notes.decide_merge(room, note_id=note_id, into=into))


def remove(room: Room, viewer: Viewer, note_id: str) -> list[Event]:
    return commit(room, notes.decide_remove(room, viewer=viewer, note_id=note_id))


def sorting(room: Room) -> Room:
    """p1 wrote a1, a2; p2 wrote b1; p3 wrote c1 — now revealed for sorting."""
    add(room, "p1", "a1")
    add(room, "p1", "a2")
    add(room, "p2", "b1")
    add(room, "p3", "c1")
    move_to(room, "purpose-sort")
    return room


def visible(room: Room, viewer: Viewer) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in room.snapshot(viewer)["notes"]}


# ------------------------------------------------------------------- writing
def test_add_decides_a_private_note_added(room: Room) -> None:
    drafts = notes.decide_add(
        room, author_id="p1", note_id="a1", text="  Keep children safe  ", max_length=TEXT
    )
    assert drafts == [
        Draft(
            "note.added",
            {
                "note": {
                    "id": "a1",
                    "text": "Keep children safe",
                    "ring": "inner",
                    "author_id": "p1",
                    "perspective": "health",
                    "merged_into": None,
                    "revealed": False,
                }
            },
            actor="p1",
            private_to="p1",
        )
    ]
    commit(room, drafts)
    note = room.notes["a1"]
    assert (note.text, note.author_id, note.perspective) == ("Keep children safe", "p1", "health")
    assert (note.ring, note.revealed, note.merged_into, note.removed) == (
        "inner",
        False,
        None,
        False,
    )


def test_three_notes_per_participant(room: Room) -> None:
    assert room.workshop.notes_per_participant == 3
    for note_id in ("a1", "a2", "a3"):
        add(room, "p1", note_id)
    with pytest.raises(Conflict) as caught:
        notes.decide_add(room, author_id="p1", note_id="a4", text="Fourth", max_length=TEXT)
    assert caught.value.code == "note_limit"
    assert "a4" not in room.notes
    # The limit is per participant: the others still have all three.
    add(room, "p2", "b1")
    assert room.notes["b1"].author_id == "p2"
    # Deleting one frees a place.
    remove(room, P1, "a2")
    add(room, "p1", "a4")
    assert [n.id for n in notes.notes_by(room, "p1")] == ["a1", "a3", "a4"]


def test_the_limit_comes_from_the_workshop(room: Room) -> None:
    room.workshop = dataclasses.replace(room.workshop, notes_per_participant=1)
    add(room, "p1", "a1")
    with pytest.raises(Conflict) as caught:
        notes.decide_add(room, author_id="p1", note_id="a2", text="Second", max_length=TEXT)
    assert caught.value.code == "note_limit"
    assert "1" in caught.value.message


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b", None, 7, "x" * (TEXT + 1)])
def test_add_refuses_bad_text(room: Room, text: object) -> None:
    with pytest.raises(Invalid) as caught:
        notes.decide_add(room, author_id="p1", note_id="a1", text=text, max_length=TEXT)
    assert caught.value.code == "invalid_text"


def test_add_text_limit_boundary(room: Room) -> None:
    add(room, "p1", "a1", "x" * TEXT)
    assert room.notes["a1"].text == "x" * TEXT


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("purpose-write", "closed")])
def test_add_outside_writing_is_wrong_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    with pytest.raises(Conflict) as caught:
        notes.decide_add(room, author_id="p1", note_id="a1", text="Late", max_length=TEXT)
    assert caught.value.code == "wrong_phase"


def test_add_in_a_closed_room_is_refused(room: Room) -> None:
    move_to(room, "closed")
    with pytest.raises(Conflict) as caught:
        notes.decide_add(room, author_id="p1", note_id="a1", text="Late", max_length=TEXT)
    assert caught.value.code == "room_closed"


def test_add_by_an_unknown_participant_is_not_found(room: Room) -> None:
    with pytest.raises(NotFound):
        notes.decide_add(room, author_id="ghost", note_id="g1", text="Boo", max_length=TEXT)


def test_add_is_idempotent_by_id(room: Room) -> None:
    add(room, "p1", "a1", "First version")
    again = notes.decide_add(room, author_id="p1", note_id="a1", text="Other", max_length=TEXT)
    assert again == []
    assert room.notes["a1"].text == "First version"
    # A retry that arrives after the phase moved on is still recognised, not refused.
    move_to(room, "purpose-sort")
    assert notes.decide_add(room, author_id="p1", note_id="a1", text="x", max_length=TEXT) == []
    # A retry does not count against the limit either.
    move_to(room, "purpose-write")
    add(room, "p1", "a2")
    add(room, "p1", "a3")
    assert notes.decide_add(room, author_id="p1", note_id="a3", text="x", max_length=TEXT) == []


def test_add_with_another_authors_id_is_a_conflict(room: Room) -> None:
    add(room, "p1", "a1", "Mine")
    with pytest.raises(Conflict) as caught:
        notes.decide_add(room, author_id="p2", note_id="a1", text="Theirs", max_length=TEXT)
    assert caught.value.code == "note_id_taken"
    assert room.notes["a1"].text == "Mine"
    assert room.notes["a1"].author_id == "p1"


# ------------------------------------------------------------------- privacy
def test_others_see_neither_text_nor_author_until_revealed(room: Room) -> None:
    add(room, "p1", "a1", "Priya's statement")
    add(room, "p2", "b1", "Eleanor's statement")

    mine = visible(room, P1)
    assert mine["a1"]["text"] == "Priya's statement"
    assert mine["a1"]["author_id"] == "p1"
    assert mine["b1"]["text"] is None
    assert mine["b1"]["author_id"] is None
    # What may be counted stays visible: the note exists, with its perspective.
    assert mine["b1"]["perspective"] == "education"
    assert mine["b1"]["ring"] == "inner"

    theirs = visible(room, P2)
    assert theirs["a1"]["text"] is None
    assert theirs["a1"]["author_id"] is None
    assert theirs["b1"]["text"] == "Eleanor's statement"

    # The facilitator (and the board) see counts, not text, while people write.
    facilitator = visible(room, FACILITATOR)
    assert {n["text"] for n in facilitator.values()} == {None}
    assert {n["author_id"] for n in facilitator.values()} == {None}
    assert len(facilitator) == 2

    move_to(room, "purpose-sort")
    for viewer in (P1, P2, P3, FACILITATOR):
        seen = visible(room, viewer)
        assert seen["a1"]["text"] == "Priya's statement"
        assert seen["a1"]["author_id"] == "p1"
        assert seen["b1"]["text"] == "Eleanor's statement"
        assert seen["b1"]["author_id"] == "p2"


def test_note_added_event_is_redacted_for_others(room: Room) -> None:
    (event,) = add(room, "p1", "a1", "Secret until sorting")
    assert (
        event.for_viewer(P1, names_visible=True)["data"]["note"]["text"] == "Secret until sorting"
    )
    assert event.for_viewer(P1, names_visible=True)["data"]["note"]["author_id"] == "p1"
    for viewer in (P2, FACILITATOR):
        shown = event.for_viewer(viewer, names_visible=True)["data"]["note"]
        assert shown["text"] is None
        assert shown["author_id"] is None
        assert shown["id"] == "a1"


# -------------------------------------------------------------------- reveal
def test_entering_sorting_reveals_every_note_into_the_inner_circle(room: Room) -> None:
    add(room, "p1", "a1", "One")
    add(room, "p2", "b1", "Two")
    add(room, "p3", "c1", "Gone")
    remove(room, P3, "c1")
    drafts = room.decide_phase("purpose-sort")
    assert [d.type for d in drafts] == ["phase.changed", "notes.revealed"]
    revealed = drafts[1]
    assert revealed.private_to is None
    assert revealed.data["notes"] == [
        {
            "id": "a1",
            "text": "One",
            "ring": "inner",
            "author_id": "p1",
            "perspective": "health",
            "merged_into": None,
            "revealed": True,
            "held": False,
        },
        {
            "id": "b1",
            "text": "Two",
            "ring": "inner",
            "author_id": "p2",
            "perspective": "education",
            "merged_into": None,
            "revealed": True,
            "held": False,
        },
    ]
    commit(room, drafts)
    assert room.phase == "purpose-sort"
    assert all(room.notes[i].revealed and room.notes[i].ring == "inner" for i in ("a1", "b1"))
    assert not room.notes["c1"].revealed


def test_sorting_with_no_notes_reveals_nothing(room: Room) -> None:
    drafts = room.decide_phase("purpose-sort")
    assert [d.type for d in drafts] == ["phase.changed"]


def test_back_to_writing_and_forward_reveals_only_the_new_notes(room: Room) -> None:
    sorting(room)
    move(room, P2, "a1", "outer")
    move_to(room, "purpose-write")
    # Earlier notes stay revealed (and where the group put them) while people write more.
    assert visible(room, P3)["a1"]["text"] == "Statement a1"
    assert room.notes["a1"].ring == "outer"
    add(room, "p2", "b2", "A late thought")
    assert visible(room, P1)["b2"]["text"] is None

    drafts = room.decide_phase("purpose-sort")
    assert [d.type for d in drafts] == ["phase.changed", "notes.revealed"]
    assert [n["id"] for n in drafts[1].data["notes"]] == ["b2"]
    commit(room, drafts)
    assert room.notes["a1"].ring == "outer"
    assert room.notes["b2"].ring == "inner"
    assert visible(room, P1)["b2"]["text"] == "A late thought"

    # Nothing new written: forward again reveals nothing.
    move_to(room, "purpose-write")
    assert [d.type for d in room.decide_phase("purpose-sort")] == ["phase.changed"]


def test_sorting_reached_from_a_later_phase_also_reveals(room: Room) -> None:
    add(room, "p1", "a1")
    move_to(room, "grid-write")
    drafts = room.decide_phase("purpose-sort")
    assert [d.type for d in drafts] == ["phase.changed", "notes.revealed"]


# ---------------------------------------------------------------------- edit
def test_author_edits_their_note_while_writing(room: Room) -> None:
    add(room, "p1", "a1", "Draft")
    drafts = notes.decide_edit(room, viewer=P1, note_id="a1", text=" Better ", max_length=TEXT)
    assert [d.type for d in drafts] == ["note.edited"]
    assert drafts[0].private_to == "p1"
    assert drafts[0].actor == "p1"
    commit(room, drafts)
    assert room.notes["a1"].text == "Better"
    assert notes.decide_edit(room, viewer=P1, note_id="a1", text="Better", max_length=TEXT) == []


@pytest.mark.parametrize("viewer", [P2, FACILITATOR], ids=["other", "facilitator"])
def test_only_the_author_edits(room: Room, viewer: Viewer) -> None:
    add(room, "p1", "a1", "Draft")
    with pytest.raises(Forbidden) as caught:
        notes.decide_edit(room, viewer=viewer, note_id="a1", text="Mine now", max_length=TEXT)
    assert caught.value.code == "not_yours"


def test_edit_only_while_writing(room: Room) -> None:
    add(room, "p1", "a1", "Draft")
    move_to(room, "purpose-sort")
    with pytest.raises(Conflict) as caught:
        notes.decide_edit(room, viewer=P1, note_id="a1", text="Too late", max_length=TEXT)
    assert caught.value.code == "wrong_phase"


def test_edit_refusals(room: Room) -> None:
    add(room, "p1", "a1", "Draft")
    with pytest.raises(Invalid) as invalid:
        notes.decide_edit(room, viewer=P1, note_id="a1", text="  ", max_length=TEXT)
    assert invalid.value.code == "invalid_text"
    with pytest.raises(NotFound) as missing:
        notes.decide_edit(room, viewer=P1, note_id="nope", text="x", max_length=TEXT)
    assert missing.value.code == "note_not_found"
    remove(room, P1, "a1")
    with pytest.raises(Conflict) as removed:
        notes.decide_edit(room, viewer=P1, note_id="a1", text="Back", max_length=TEXT)
    assert removed.value.code == "note_removed"


# -------------------------------------------------------------------- delete
def test_author_deletes_their_note_while_writing(room: Room) -> None:
    add(room, "p1", "a1")
    (event,) = remove(room, P1, "a1")
    assert (event.type, event.data, event.actor, event.private_to) == (
        "note.removed",
        {"id": "a1"},
        "p1",
        "p1",
    )
    assert room.notes["a1"].removed
    assert "a1" not in visible(room, P1)
    assert "a1" not in visible(room, FACILITATOR)
    # Deleting again changes nothing.
    assert notes.decide_remove(room, viewer=P1, note_id="a1") == []


def test_another_participant_may_not_delete(room: Room) -> None:
    add(room, "p1", "a1")
    with pytest.raises(Forbidden) as caught:
        notes.decide_remove(room, viewer=P2, note_id="a1")
    assert caught.value.code == "not_yours"
    move_to(room, "purpose-sort")
    with pytest.raises(Forbidden):
        notes.decide_remove(room, viewer=P2, note_id="a1")


def test_author_may_not_delete_after_writing(room: Room) -> None:
    add(room, "p1", "a1")
    move_to(room, "purpose-sort")
    with pytest.raises(Conflict) as caught:
        notes.decide_remove(room, viewer=P1, note_id="a1")
    assert caught.value.code == "wrong_phase"


@pytest.mark.parametrize("phase", ["purpose-write", "purpose-sort", "purpose-agree", "document"])
def test_facilitator_deletes_any_note_any_time(room: Room, phase: str) -> None:
    add(room, "p1", "a1")
    move_to(room, phase)
    (event,) = remove(room, FACILITATOR, "a1")
    assert event.type == "note.removed"
    assert event.actor == "facilitator"
    assert room.notes["a1"].removed


def test_a_revealed_notes_removal_is_public(room: Room) -> None:
    sorting(room)
    (event,) = remove(room, FACILITATOR, "a1")
    assert event.private_to is None


def test_delete_unknown_note_is_not_found(room: Room) -> None:
    with pytest.raises(NotFound):
        notes.decide_remove(room, viewer=FACILITATOR, note_id="nope")


# ---------------------------------------------------------------------- move
def test_anyone_moves_a_note_while_sorting(room: Room) -> None:
    sorting(room)
    (event,) = move(room, P2, "a1", "outer")
    assert event.type == "note.moved"
    assert event.actor == "p2"
    assert event.data["note"]["id"] == "a1"
    assert event.data["note"]["ring"] == "outer"
    assert event.data["note"]["moved_by"] == "p2"
    assert room.notes["a1"].ring == "outer"
    assert room.notes["a1"].moved_by == "p2"
    (back,) = move(room, FACILITATOR, "a1", "inner")
    assert back.actor == "facilitator"
    assert room.notes["a1"].ring == "inner"
    assert room.notes["a1"].moved_by == "facilitator"
    # The author and the text are unchanged by moving.
    assert (room.notes["a1"].author_id, room.notes["a1"].text) == ("p1", "Statement a1")


def test_moves_are_attributed_to_the_mover(room: Room) -> None:
    sorting(room)
    log = move(room, P3, "a1", "outer") + move(room, P1, "a1", "inner")
    log += move(room, P2, "b1", "outer")
    assert [(e.data["note"]["id"], e.actor) for e in log] == [
        ("a1", "p3"),
        ("a1", "p1"),
        ("b1", "p2"),
    ]
    assert room.notes["b1"].moved_by == "p2"


def test_move_to_the_same_ring_decides_nothing(room: Room) -> None:
    sorting(room)
    assert notes.decide_move(room, viewer=P1, note_id="a1", ring="inner") == []
    move(room, P1, "a1", "outer")
    assert notes.decide_move(room, viewer=P2, note_id="a1", ring="outer") == []


@pytest.mark.parametrize("ring", ["middle", "", "INNER", None, 1, ["outer"]])
def test_move_to_an_invalid_ring_is_invalid(room: Room, ring: object) -> None:
    sorting(room)
    with pytest.raises(Invalid) as caught:
        notes.decide_move(room, viewer=P1, note_id="a1", ring=ring)
    assert caught.value.code == "invalid_ring"


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("purpose-sort", "closed")])
def test_move_outside_sorting_is_wrong_phase(room: Room, phase: str) -> None:
    sorting(room)
    move_to(room, phase)
    with pytest.raises(Conflict) as caught:
        notes.decide_move(room, viewer=P1, note_id="a1", ring="outer")
    assert caught.value.code == "wrong_phase"


def test_move_in_a_closed_room_is_refused(room: Room) -> None:
    sorting(room)
    move_to(room, "closed")
    with pytest.raises(Conflict) as caught:
        notes.decide_move(room, viewer=P1, note_id="a1", ring="outer")
    assert caught.value.code == "room_closed"


def test_move_a_merged_or_removed_note_is_a_conflict(room: Room) -> None:
    sorting(room)
    merge(room, "a1", "b1")
    remove(room, FACILITATOR, "c1")
    with pytest.raises(Conflict) as merged:
        notes.decide_move(room, viewer=P1, note_id="a1", ring="outer")
    assert merged.value.code == "note_merged"
    with pytest.raises(Conflict) as removed:
        notes.decide_move(room, viewer=P1, note_id="c1", ring="outer")
    assert removed.value.code == "note_removed"


def test_move_unknown_note_is_not_found(room: Room) -> None:
    sorting(room)
    with pytest.raises(NotFound) as caught:
        notes.decide_move(room, viewer=P1, note_id="nope", ring="outer")
    assert caught.value.code == "note_not_found"


# --------------------------------------------------------------------- merge
def test_merge_keeps_the_absorbed_note_traceable(room: Room) -> None:
    sorting(room)
    (event,) = merge(room, "a1", "b1")
    assert event.type == "note.merged"
    assert event.actor == "facilitator"
    assert event.data["into"] == "b1"
    assert event.data["note"]["id"] == "a1"
    assert event.data["note"]["merged_into"] == "b1"
    assert room.notes["a1"].merged_into == "b1"
    assert not room.notes["a1"].active
    assert room.notes["a1"].text == "Statement a1"
    assert [n.id for n in notes.merged_into(room, "b1")] == ["a1"]
    # Still listed in the snapshot, pointing at the note it was merged into.
    assert visible(room, P3)["a1"]["merged_into"] == "b1"
    assert visible(room, P3)["a1"]["text"] == "Statement a1"


def test_merge_into_itself_is_invalid(room: Room) -> None:
    sorting(room)
    with pytest.raises(Invalid) as caught:
        notes.decide_merge(room, note_id="a1", into="a1")
    assert caught.value.code == "invalid_into"


@pytest.mark.parametrize("into", [None, 5, ["b1"]])
def test_merge_into_a_non_id_is_invalid(room: Room, into: object) -> None:
    sorting(room)
    with pytest.raises(Invalid) as caught:
        notes.decide_merge(room, note_id="a1", into=into)
    assert caught.value.code == "invalid_into"


def test_merge_chain_repoints_to_the_last_note(room: Room) -> None:
    sorting(room)
    merge(room, "a1", "b1")
    merge(room, "b1", "c1")
    assert room.notes["a1"].merged_into == "c1"
    assert room.notes["b1"].merged_into == "c1"
    assert {n.id for n in notes.merged_into(room, "c1")} == {"a1", "b1"}
    assert notes.merged_into(room, "b1") == []
    assert room.notes["c1"].active


def test_merge_only_active_revealed_notes(room: Room) -> None:
    sorting(room)
    merge(room, "a1", "b1")
    remove(room, FACILITATOR, "c1")
    for source, into, code in [
        ("a1", "a2", "note_merged"),
        ("a2", "a1", "note_merged"),
        ("c1", "a2", "note_removed"),
        ("a2", "c1", "note_removed"),
    ]:
        with pytest.raises(Conflict) as caught:
            notes.decide_merge(room, note_id=source, into=into)
        assert caught.value.code == code, (source, into)
    with pytest.raises(NotFound):
        notes.decide_merge(room, note_id="a2", into="nope")
    with pytest.raises(NotFound):
        notes.decide_merge(room, note_id="nope", into="a2")


def test_merge_of_unrevealed_notes_is_refused(room: Room) -> None:
    add(room, "p1", "a1")
    add(room, "p2", "b1")
    with pytest.raises(Conflict) as caught:
        notes.decide_merge(room, note_id="a1", into="b1")
    assert caught.value.code == "note_hidden"


# ------------------------------------------------------------------- purity
def _decisions() -> list[tuple[str, Callable[[Room], list[Draft]]]]:
    return [
        (
            "add",
            lambda r: notes.decide_add(r, author_id="p3", note_id="c9", text="x", max_length=TEXT),
        ),
        (
            "add-limit",
            lambda r: notes.decide_add(r, author_id="p1", note_id="a9", text="x", max_length=TEXT),
        ),
        (
            "add-again",
            lambda r: notes.decide_add(r, author_id="p1", note_id="a1", text="x", max_length=TEXT),
        ),
        (
            "edit",
            lambda r: notes.decide_edit(r, viewer=P1, note_id="a1", text="y", max_length=TEXT),
        ),
        (
            "edit-other",
            lambda r: notes.decide_edit(r, viewer=P2, note_id="a1", text="y", max_length=TEXT),
        ),
        ("remove", lambda r: notes.decide_remove(r, viewer=P1, note_id="a1")),
        ("remove-other", lambda r: notes.decide_remove(r, viewer=P2, note_id="a1")),
        ("remove-facilitator", lambda r: notes.decide_remove(r, viewer=FACILITATOR, note_id="a1")),
        ("move", lambda r: notes.decide_move(r, viewer=P2, note_id="a1", ring="outer")),
        ("move-bad", lambda r: notes.decide_move(r, viewer=P2, note_id="a1", ring="middle")),
        ("merge", lambda r: notes.decide_merge(r, note_id="a1", into="b1")),
        ("merge-self", lambda r: notes.decide_merge(r, note_id="a1", into="a1")),
        ("reveal", notes.reveal_drafts),
        ("phase", lambda r: r.decide_phase("purpose-sort")),
    ]


@pytest.mark.parametrize("phase", ["purpose-write", "purpose-sort"])
@pytest.mark.parametrize(("name", "decide"), _decisions(), ids=[n for n, _ in _decisions()])
def test_decisions_never_mutate_the_room(
    room: Room, phase: str, name: str, decide: Callable[[Room], list[Draft]]
) -> None:
    for note_id in ("a1", "a2", "a3"):
        add(room, "p1", note_id)
    add(room, "p2", "b1")
    move_to(room, phase)
    before = state(room)
    with contextlib.suppress(DomainError):
        decide(room)
    assert state(room) == before, name


def test_replaying_the_log_rebuilds_the_notes(room: Room, workshop: Workshop) -> None:
    head = new_room(workshop, "purpose-write")
    log: list[Event] = []
    log += add(room, "p1", "a1")
    log += add(room, "p1", "a2")
    log += add(room, "p2", "b1")
    log += add(room, "p3", "c1")
    log += commit(room, notes.decide_edit(room, viewer=P1, note_id="a2", text="E", max_length=TEXT))
    log += commit(room, room.decide_phase("purpose-sort"))
    log += move(room, P2, "a1", "outer")
    log += merge(room, "a2", "b1")
    log += merge(room, "b1", "c1")
    log += remove(room, FACILITATOR, "a1")
    head.apply_all(log)
    assert state(head) == state(room)
    assert room.notes["a2"].merged_into == "c1"
