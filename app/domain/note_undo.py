"""The facilitator's undo for Post-its: un-merge, undo a move, restore a removed note,
and fix a typo in a note's text (attributed in the log, shown with the note).

Each is an event of its own (not a deletion from the log): the record keeps what was
done and what was undone, and who did it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Conflict
from app.domain.events import FACILITATOR, Draft, Event
from app.domain.notes import PROGRESS, RING_COUNTS, SORT_NOTES, Note, merged_into, note
from app.domain.registry import Part
from app.domain.text import clean_text

if TYPE_CHECKING:
    from app.domain.room import Room


def _on_board(room: Room, note_id: str) -> Note:
    target = note(room, note_id)
    if target.removed:
        raise Conflict("note_removed", "That note was removed.")
    if target.merged_into is not None:
        raise Conflict("note_merged", "That note was merged into another one.")
    return target


def decide_unmerge(room: Room, *, note_id: str) -> list[Draft]:
    """A note merged into another goes back on the board, in its own circle."""
    room.ensure_open()
    target = note(room, note_id)
    if target.removed:
        raise Conflict("note_removed", "That note was removed.")
    if target.merged_into is None:
        raise Conflict("note_not_merged", "That note is not merged into another one.")
    return [
        Draft("note.unmerged", {"id": note_id, "into": target.merged_into}, actor="facilitator")
    ]


def decide_undo_move(room: Room, *, note_id: str) -> list[Draft]:
    """The note's last move is undone: back to the circle and the place it came from."""
    room.ensure_open()
    if room.current_phase.kind != SORT_NOTES.name:
        raise Conflict(
            "wrong_phase", f"Moving notes is not possible in “{room.current_phase.title}”."
        )
    target = _on_board(room, note_id)
    if target.moved_from is None:
        raise Conflict("nothing_to_undo", "That note has not been moved since it was placed.")
    ring, place = target.moved_from
    data = {**target.full(), "ring": ring}
    return [Draft("note.move_undone", {"note": data, "place": place}, actor="facilitator")]


def decide_restore(room: Room, *, note_id: str) -> list[Draft]:
    """A note the facilitator removed comes back (a note its author deleted does not:
    that was theirs to take back)."""
    room.ensure_open()
    target = note(room, note_id)
    if not target.removed:
        raise Conflict("note_not_removed", "That note has not been removed.")
    if target.removed_by != "facilitator":
        raise Conflict("not_restorable", "Its author deleted that note: it stays deleted.")
    payload: dict[str, Any] = {"id": note_id}
    if target.moderated and not target.revealed:
        payload["moderated"] = True
    private = None if target.revealed else target.author_id
    return [Draft("note.restored", payload, actor="facilitator", private_to=private)]


def decide_correct(room: Room, *, note_id: str, text: object, max_length: int) -> list[Draft]:
    """The facilitator fixes a typo in a note they can read (revealed, or moderated)."""
    room.ensure_open()
    target = _on_board(room, note_id)
    if not target.reads(FACILITATOR):
        raise Conflict("note_hidden", "That note is private to its author until the reveal.")
    clean = clean_text(text, field="text", max_length=max_length)
    if clean == target.text:
        return []
    payload: dict[str, Any] = {"id": note_id, "text": clean, "was": target.text}
    if target.moderated and not target.revealed:
        payload["moderated"] = True
    private = None if target.revealed else target.author_id
    return [Draft("note.corrected", payload, actor="facilitator", private_to=private)]


def restorable(room: Room) -> list[Note]:
    """Notes the facilitator removed and can read: what restoring can bring back, in
    the order of their places (as a live page puts them: data-order)."""
    found = [
        n
        for n in room.notes.values()
        if n.removed and n.removed_by == "facilitator" and n.reads(FACILITATOR)
    ]
    return sorted(found, key=lambda n: n.place)


def _hide_text(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "text": None, "was": None}


def _note(event: Event) -> Part:
    note_id = event.data["note"]["id"] if "note" in event.data else event.data["id"]
    return Part("note", note_id, only=event.private_to)


@registry.event(
    "note.unmerged",
    touches=lambda room, event: (_note(event), Part("note", event.data["into"]), RING_COUNTS),
)
def _unmerged(room: Room, event: Event) -> None:
    room.notes[event.data["id"]].merged_into = None


@registry.event("note.move_undone", touches=lambda room, event: (_note(event), RING_COUNTS))
def _move_undone(room: Room, event: Event) -> None:
    target = room.notes[event.data["note"]["id"]]
    target.ring = event.data["note"]["ring"]
    target.place = int(event.data["place"])
    target.moved_from = None
    target.moved_by = "facilitator"


def _restored_parts(room: Room, event: Event) -> tuple[Part, ...]:
    back = room.notes.get(event.data["id"])
    into = (Part("note", back.merged_into),) if back is not None and back.merged_into else ()
    # A note restored brings back the notes merged into it (shown with it).
    held = tuple(Part("note", n.id) for n in merged_into(room, back.id)) if back else ()
    return (
        _note(event),
        *into,
        *held,
        PROGRESS,
        RING_COUNTS,
        Part("removed-note", event.data["id"]),
    )


@registry.event("note.restored", touches=_restored_parts)
def _restored(room: Room, event: Event) -> None:
    back = room.notes[event.data["id"]]
    back.removed, back.removed_by = False, None


@registry.event("note.corrected", touches=lambda room, event: (_note(event),), redact=_hide_text)
def _corrected(room: Room, event: Event) -> None:
    target = room.notes[event.data["id"]]
    target.text = event.data["text"]
    target.corrected = True
