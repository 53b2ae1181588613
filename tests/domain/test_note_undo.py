"""The facilitator's undo for Post-its in the domain: un-merge, undo a move, restore a
removed note, fix a typo (each an event of its own, attributed, private where the note is)."""

from __future__ import annotations

import pytest

from app.domain import facilitation, note_undo, notes
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Viewer, redact
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import LOGS, P1, P2, TEXT, commit, create_room, move_to, new_room, refused


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """p1 wrote a1, a2; p2 wrote b1; p3 wrote c1 — revealed for sorting."""
    room = new_room(workshop, "purpose-write")
    for author, note_id in (("p1", "a1"), ("p1", "a2"), ("p2", "b1"), ("p3", "c1")):
        drafts = notes.decide_add(
            room, author_id=author, note_id=note_id, text=f"Statement {note_id}", max_length=TEXT
        )
        commit(room, drafts)
    move_to(room, "purpose-sort")
    return room


def replayed(room: Room, workshop: Workshop) -> Room:
    """The room rebuilt from its log, as the store does after a restart."""
    again = create_room(workshop)
    again.apply_all(LOGS[id(room)])
    return again


def test_unmerge_puts_the_note_back_in_its_circle(room: Room, workshop: Workshop) -> None:
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="b1", ring="outer"))
    commit(room, notes.decide_merge(room, note_id="b1", into="a1"))
    assert [n.id for n in notes.merged_into(room, "a1")] == ["b1"]
    drafts = note_undo.decide_unmerge(room, note_id="b1")
    assert drafts == [Draft("note.unmerged", {"id": "b1", "into": "a1"}, actor="facilitator")]
    commit(room, drafts)
    assert room.notes["b1"].active
    assert [n.id for n in notes.in_ring(room, "outer")] == ["b1"]
    assert notes.merged_into(room, "a1") == []
    assert replayed(room, workshop).notes == room.notes
    refused(room, Conflict, "note_not_merged", lambda: note_undo.decide_unmerge(room, note_id="b1"))
    refused(room, NotFound, "note_not_found", lambda: note_undo.decide_unmerge(room, note_id="zz"))


def test_undo_a_move_restores_the_circle_and_the_place(room: Room, workshop: Workshop) -> None:
    before = [n.id for n in notes.in_ring(room, "inner")]
    assert before == ["a1", "a2", "b1", "c1"]
    refused(
        room, Conflict, "nothing_to_undo", lambda: note_undo.decide_undo_move(room, note_id="a2")
    )
    commit(room, notes.decide_move(room, viewer=P2, note_id="a2", ring="outer"))
    drafts = note_undo.decide_undo_move(room, note_id="a2")
    assert [d.type for d in drafts] == ["note.move_undone"]
    assert drafts[0].actor == "facilitator"
    assert drafts[0].data["note"]["ring"] == "inner"
    commit(room, drafts)
    assert [n.id for n in notes.in_ring(room, "inner")] == before  # its old place, not the end
    assert room.notes["a2"].moved_from is None
    assert replayed(room, workshop).notes == room.notes
    refused(
        room, Conflict, "nothing_to_undo", lambda: note_undo.decide_undo_move(room, note_id="a2")
    )
    commit(room, notes.decide_merge(room, note_id="b1", into="a1"))
    refused(room, Conflict, "note_merged", lambda: note_undo.decide_undo_move(room, note_id="b1"))
    commit(room, notes.decide_move(room, viewer=P1, note_id="c1", ring="outer"))
    move_to(room, "purpose-agree")
    refused(room, Conflict, "wrong_phase", lambda: note_undo.decide_undo_move(room, note_id="c1"))


def test_restore_a_note_the_facilitator_removed(room: Room, workshop: Workshop) -> None:
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="c1"))
    assert [n.id for n in notes.in_ring(room, "inner")] == ["a1", "a2", "b1"]
    drafts = note_undo.decide_restore(room, note_id="c1")
    assert drafts == [Draft("note.restored", {"id": "c1"}, actor="facilitator")]
    commit(room, drafts)
    assert [n.id for n in notes.in_ring(room, "inner")] == ["a1", "a2", "b1", "c1"]
    assert replayed(room, workshop).notes == room.notes
    refused(
        room, Conflict, "note_not_removed", lambda: note_undo.decide_restore(room, note_id="c1")
    )


def test_a_note_its_author_deleted_stays_deleted(workshop: Workshop) -> None:
    room = new_room(workshop, "purpose-write")
    commit(room, notes.decide_add(room, author_id="p1", note_id="a1", text="Mine", max_length=TEXT))
    commit(room, notes.decide_remove(room, viewer=P1, note_id="a1"))
    refused(room, Conflict, "not_restorable", lambda: note_undo.decide_restore(room, note_id="a1"))


def test_restoring_a_private_note_stays_private(workshop: Workshop) -> None:
    room = new_room(workshop, "purpose-write")
    commit(room, notes.decide_add(room, author_id="p1", note_id="a1", text="Mine", max_length=TEXT))
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="a1"))
    drafts = note_undo.decide_restore(room, note_id="a1")
    assert drafts[0].private_to == "p1"
    commit(room, drafts)
    assert room.notes["a1"].public(P2)["text"] is None
    assert room.notes["a1"].public(P1)["text"] == "Mine"


def test_fix_a_typo_attributed_and_shown(room: Room, workshop: Workshop) -> None:
    drafts = note_undo.decide_correct(
        room, note_id="a1", text="  Statement A1, spelt right ", max_length=TEXT
    )
    assert drafts == [
        Draft(
            "note.corrected",
            {"id": "a1", "text": "Statement A1, spelt right", "was": "Statement a1"},
            actor="facilitator",
        )
    ]
    [event] = commit(room, drafts)
    assert room.notes["a1"].text == "Statement A1, spelt right"
    assert room.notes["a1"].corrected
    assert room.notes["a1"].author_id == "p1"  # still the author's note
    assert event.actor == "facilitator"  # the log says who changed it
    assert replayed(room, workshop).notes == room.notes
    assert (
        note_undo.decide_correct(
            room, note_id="a1", text="Statement A1, spelt right", max_length=TEXT
        )
        == []
    )
    for bad, code in (
        ("   ", "invalid_text"),
        ("x" * (TEXT + 1), "invalid_text"),
        (7, "invalid_text"),
    ):
        refused(
            room,
            Invalid,
            code,
            lambda bad=bad: note_undo.decide_correct(room, note_id="a1", text=bad, max_length=TEXT),
        )
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="b1"))
    refused(
        room,
        Conflict,
        "note_removed",
        lambda: note_undo.decide_correct(room, note_id="b1", text="New", max_length=TEXT),
    )


def test_a_private_note_cannot_be_corrected_and_a_moderated_one_stays_private(
    workshop: Workshop,
) -> None:
    room = new_room(workshop, "purpose-write")
    commit(room, notes.decide_add(room, author_id="p1", note_id="a1", text="Mine", max_length=TEXT))
    refused(
        room,
        Conflict,
        "note_hidden",
        lambda: note_undo.decide_correct(room, note_id="a1", text="Yours", max_length=TEXT),
    )
    commit(room, facilitation.decide_options(room, moderated=True))
    commit(
        room, notes.decide_add(room, author_id="p2", note_id="b1", text="Teh note", max_length=TEXT)
    )
    [event] = commit(
        room, note_undo.decide_correct(room, note_id="b1", text="The note", max_length=TEXT)
    )
    assert event.private_to == "p2"
    others = event.for_viewer(Viewer("participant", "p3"), names_visible=True)
    assert others["data"] == {"id": "b1", "text": None, "was": None, "moderated": True}
    assert event.for_viewer(FACILITATOR, names_visible=True)["data"]["text"] == "The note"
    assert redact("note.corrected", event.data)["text"] is None


def test_undo_is_refused_once_the_session_has_closed(room: Room) -> None:
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="c1"))
    move_to(room, "closed")
    for decide in (
        lambda: note_undo.decide_restore(room, note_id="c1"),
        lambda: note_undo.decide_unmerge(room, note_id="a1"),
        lambda: note_undo.decide_correct(room, note_id="a1", text="New", max_length=TEXT),
    ):
        refused(room, Conflict, "room_closed", decide)
