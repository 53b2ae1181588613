"""Task 1.1 Post-its: write (privately), reveal, move between circles, merge, remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from app.domain import registry
from app.domain.errors import Conflict, Forbidden, Invalid, NotFound
from app.domain.events import Draft, Event, Viewer
from app.domain.facilitation import ensure_time_left
from app.domain.registry import Part, PhaseKind
from app.domain.text import clean_text

if TYPE_CHECKING:
    from app.domain.room import Room

Ring = Literal["inner", "outer"]
RINGS: tuple[Ring, ...] = ("inner", "outer")


@dataclass(slots=True)
class Note:
    """One Post-it."""

    id: str
    text: str
    author_id: str
    perspective: str
    created_at: datetime
    ring: Ring = "inner"
    revealed: bool = False
    merged_into: str | None = None
    removed: bool = False
    moved_by: str | None = None
    held: bool = False
    """Held back by the facilitator (moderation): not revealed with the others."""
    moderated: bool = False
    """Written while the room was moderated: the facilitator reads it before the reveal.
    A note written before moderation was switched on stays private to its author."""
    place: int = 0
    """Its place in its circle: notes are shown in the order they entered it."""
    moved_from: tuple[Ring, int] | None = None
    """Where the last move took it from (ring, place): what undoing it restores."""
    removed_by: str | None = None
    """Who removed it ("facilitator", or its author): only the facilitator's can be undone."""
    corrected: bool = False
    """The facilitator fixed its text (shown with the note)."""
    slot: int = 0
    """Its spot in its circle on the board: the lowest free one when it entered, kept
    while others come and go (so a Post-it stays where it is when another moves)."""

    @property
    def active(self) -> bool:
        """On the board: not removed and not absorbed into another note."""
        return not self.removed and self.merged_into is None

    def reads(self, viewer: Viewer | None) -> bool:
        """Whether `viewer` reads this note (None: the full record)."""
        if viewer is None or self.revealed or viewer.participant_id == self.author_id:
            return True
        return viewer.is_facilitator and self.moderated

    def shown_to(self, viewer: Viewer) -> bool:
        """Whether the note is listed for `viewer` at all: a note held back is not, for
        anyone but its author and the facilitator (not even as "held", which would name
        a perspective and, in a one-person agency, its author)."""
        return not self.held or viewer.is_facilitator or viewer.participant_id == self.author_id

    def public(self, viewer: Viewer | None = None) -> dict[str, Any]:
        """The contract's note; text and author hidden from others until revealed."""
        hidden = not self.reads(viewer)
        return {
            "id": self.id,
            "text": None if hidden else self.text,
            "ring": self.ring,
            "author_id": None if hidden else self.author_id,
            "perspective": self.perspective,
            "merged_into": self.merged_into,
            "revealed": self.revealed,
            "held": self.held and (viewer is None or self.shown_to(viewer)),
        }

    def full(self) -> dict[str, Any]:
        return self.public(None)


def _require_kind(room: Room, kind: PhaseKind, what: str) -> None:
    room.ensure_open()
    if room.current_phase.kind != kind.name:
        raise Conflict(
            "wrong_phase", f"{what} is not possible in the phase “{room.current_phase.title}”."
        )


def note(room: Room, note_id: str) -> Note:
    found = room.notes.get(note_id)
    if found is None:
        raise NotFound("note_not_found", "There is no such note in this room.")
    return found


def on_board(room: Room, note_id: str) -> Note:
    """A note everyone can see: revealed, not removed, not merged away."""
    found = note(room, note_id)
    if found.removed:
        raise Conflict("note_removed", "That note was removed.")
    if found.merged_into is not None:
        raise Conflict("note_merged", "That note was merged into another one.")
    if not found.revealed:
        raise Conflict("note_hidden", "That note has not been revealed yet.")
    return found


def notes_by(room: Room, author_id: str) -> list[Note]:
    return [n for n in room.notes.values() if n.author_id == author_id and not n.removed]


def decide_add(
    room: Room, *, author_id: str, note_id: str, text: object, max_length: int
) -> list[Draft]:
    """A participant's new note (none if this client id was already stored: idempotent)."""
    existing = room.notes.get(note_id)
    if existing is not None:
        if existing.author_id != author_id:
            raise Conflict("note_id_taken", "That note id is already used.")
        return []
    _require_kind(room, WRITE_NOTES, "Writing notes")
    ensure_time_left(room)
    author = room.participant(author_id)
    clean = clean_text(text, field="text", max_length=max_length)
    limit = room.workshop.notes_per_participant
    if len(notes_by(room, author_id)) >= limit:
        raise Conflict(
            "note_limit",
            "You have written all {limit} of your statements. Edit or delete one to change it.",
            limit=limit,
        )
    data = {
        "id": note_id,
        "text": clean,
        "ring": "inner",
        "author_id": author_id,
        "perspective": author.perspective,
        "merged_into": None,
        "revealed": False,
    }
    payload: dict[str, Any] = {"note": data}
    if room.options.moderated:
        payload["moderated"] = True
    return [Draft("note.added", payload, actor=author_id, private_to=author_id)]


def decide_edit(
    room: Room, *, viewer: Viewer, note_id: str, text: object, max_length: int
) -> list[Draft]:
    """The author rewrites their note while the group is still writing."""
    target = note(room, note_id)
    if target.removed:
        raise Conflict("note_removed", "That note was removed.")
    if viewer.participant_id != target.author_id:
        raise Forbidden("not_yours", "Only the author can edit this note.")
    _require_kind(room, WRITE_NOTES, "Editing notes")
    ensure_time_left(room)
    clean = clean_text(text, field="text", max_length=max_length)
    if clean == target.text:
        return []
    payload: dict[str, Any] = {"note": {**target.full(), "text": clean}}
    if target.moderated and not target.revealed:
        payload["moderated"] = True
    return [
        Draft(
            "note.edited",
            payload,
            actor=target.author_id,
            private_to=None if target.revealed else target.author_id,
        )
    ]


def decide_remove(room: Room, *, viewer: Viewer, note_id: str) -> list[Draft]:
    """The facilitator removes any note; an author removes their own while writing."""
    room.ensure_open()
    target = note(room, note_id)
    if target.removed:
        return []
    if not viewer.is_facilitator:
        if viewer.participant_id != target.author_id:
            raise Forbidden("not_yours", "Only the facilitator or the author can delete this note.")
        if room.current_phase.kind != WRITE_NOTES.name:
            raise Conflict(
                "wrong_phase", "Notes can only be deleted by their author while writing."
            )
    actor = "facilitator" if viewer.is_facilitator else viewer.participant_id
    return [
        Draft(
            "note.removed",
            {"id": note_id},
            actor=actor,
            private_to=None if target.revealed else target.author_id,
        )
    ]


def decide_move(room: Room, *, viewer: Viewer, note_id: str, ring: object) -> list[Draft]:
    """Anyone in the room moves a note between the inner and the outer circle."""
    if ring not in RINGS:
        raise Invalid("invalid_ring", "ring must be “inner” or “outer”.")
    _require_kind(room, SORT_NOTES, "Moving notes")
    target = note(room, note_id)
    if target.removed:
        raise Conflict("note_removed", "That note was removed.")
    if target.merged_into is not None:
        raise Conflict("note_merged", "That note was merged into another one.")
    if not target.revealed:
        raise Conflict("note_hidden", "That note has not been revealed yet.")
    if target.ring == ring:
        return []
    actor = "facilitator" if viewer.is_facilitator else viewer.participant_id
    data = {**target.full(), "ring": ring, "moved_by": actor}
    return [Draft("note.moved", {"note": data}, actor=actor)]


def decide_merge(room: Room, *, note_id: str, into: object) -> list[Draft]:
    """The facilitator merges a duplicate into another note (its text stays traceable)."""
    room.ensure_open()
    if not isinstance(into, str):
        raise Invalid("invalid_into", "into must be a note id.")
    source, target = note(room, note_id), note(room, into)
    if source.id == target.id:
        raise Invalid("invalid_into", "A note cannot be merged into itself.")
    for item in (source, target):
        if not item.active:
            raise Conflict(
                "note_merged" if item.merged_into else "note_removed",
                "Only notes still on the board can be merged.",
            )
        if not item.revealed:
            raise Conflict("note_hidden", "Notes can be merged once they are revealed.")
    data = {**source.full(), "merged_into": target.id}
    # The notes merged into the source go with it (listed: a screen that lists them moves them).
    absorbed = [n.id for n in merged_into(room, source.id)]
    payload = {"note": data, "into": target.id, "absorbed": absorbed}
    return [Draft("note.merged", payload, actor="facilitator")]


def reveal_drafts(room: Room) -> list[Draft]:
    """On entering sorting: every unrevealed note goes into the inner circle, visible to all."""
    hidden = [n for n in room.notes.values() if not n.revealed and not n.removed and not n.held]
    if not hidden:
        return []
    notes = [
        {**n.full(), "text": n.text, "author_id": n.author_id, "revealed": True, "ring": "inner"}
        for n in hidden
    ]
    return [Draft("notes.revealed", {"notes": notes}, actor="facilitator")]


def decide_hold(room: Room, *, note_id: str, held: object) -> list[Draft]:
    """Moderation: the facilitator holds a note back from the reveal, or releases it.

    Releasing a held note after the reveal puts it in the inner circle at once.
    """
    room.ensure_open()
    if not isinstance(held, bool):
        raise Invalid("invalid_held", "held must be true or false.")
    if held and not room.options.moderated:  # releasing stays possible after moderation ends
        raise Conflict("not_moderated", "Turn on moderation to hold notes back.")
    target = note(room, note_id)
    if target.removed:
        raise Conflict("note_removed", "That note was removed.")
    if target.revealed:
        raise Conflict("note_revealed", "That note is already on the board.")
    if held and not target.moderated:
        raise Conflict(
            "not_moderated",
            "That note was written before moderation was switched on: it stays private to "
            "its author until the reveal.",
        )
    if target.held == held:
        return []
    drafts = [
        Draft(
            "note.held",
            {"id": note_id, "held": held},
            actor="facilitator",
            private_to=target.author_id,
        )
    ]
    if not held and revealed_already(room):
        data = {**target.full(), "revealed": True, "ring": "inner", "held": False}
        drafts.append(Draft("notes.revealed", {"notes": [data]}, actor="facilitator"))
    return drafts


def revealed_already(room: Room) -> bool:
    """Whether the session has reached the reveal (its first sorting phase) or gone past."""
    reveals = [i for i, p in enumerate(room.workshop.phases) if p.kind == SORT_NOTES.name]
    return bool(reveals) and room.workshop.phase_index(room.phase) >= reveals[0]


def unrevealed(room: Room) -> list[Note]:
    """Notes written under moderation but not yet on the board (what moderation shows
    the facilitator; notes written before it was switched on are not among them)."""
    return [n for n in room.notes.values() if not n.revealed and not n.removed and n.moderated]


def private(room: Room) -> list[Note]:
    """Notes still private to their authors: not revealed, and written while the room
    was not moderated. While there are any, nothing may show the facilitator the log."""
    return [n for n in room.notes.values() if not n.revealed and not n.removed and not n.moderated]


def in_ring(room: Room, ring: Ring) -> list[Note]:
    """The notes on the board in one circle, in the order they entered it."""
    found = [n for n in room.notes.values() if n.active and n.revealed and n.ring == ring]
    return sorted(found, key=lambda n: n.place)


def free_slot(room: Room, ring: Ring, taken: set[int] | None = None) -> int:
    """The lowest spot in `ring` no note on the board holds (nor any in `taken`)."""
    used = {n.slot for n in in_ring(room, ring)} | (taken or set())
    return next(slot for slot in range(len(used) + 1) if slot not in used)


def merged_into(room: Room, note_id: str) -> list[Note]:
    """Notes absorbed into `note_id` (the trace of a merge)."""
    return [n for n in room.notes.values() if n.merged_into == note_id and not n.removed]


# ------------------------------------------------------------ phase kinds
WRITE_NOTES = registry.phase_kind(
    PhaseKind(
        "write-notes", writing=True, private_notes=True, personal_phone=True, needs=("notes",)
    )
)
SORT_NOTES = registry.phase_kind(
    PhaseKind("sort-notes", shows_notes=True, discusses_notes=True, on_enter=reveal_drafts)
)


# ---------------------------------------------------------------- events
def _hide_note(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "note": {**data["note"], "text": None, "author_id": None}}


def _hide_hold(data: dict[str, Any]) -> dict[str, Any]:
    """Others learn that a seq passed, not which note was held back or released."""
    return {**data, "id": None, "held": None}


def _note_part(event: Event) -> Part:
    note_id = event.data["note"]["id"] if "note" in event.data else event.data["id"]
    return Part("note", note_id, only=event.private_to)


PLACES = 10_000
"""Room for the notes one event places (a reveal) between two events' places."""
PROGRESS = Part("notes-progress")
"""How many notes are written, per perspective and per person."""
RING_COUNTS = Part("rings")
"""How many notes are in each circle, per perspective."""


@registry.event(
    "note.added", touches=lambda room, event: (_note_part(event), PROGRESS), redact=_hide_note
)
def _added(room: Room, event: Event) -> None:
    data = event.data["note"]
    room.notes[data["id"]] = Note(
        id=data["id"],
        text=data["text"],
        author_id=data["author_id"],
        perspective=data["perspective"],
        created_at=event.at,
        place=PLACES * event.seq,
        moderated=bool(event.data.get("moderated")),
    )


@registry.event("note.edited", touches=lambda room, event: (_note_part(event),), redact=_hide_note)
def _edited(room: Room, event: Event) -> None:
    data = event.data["note"]
    room.notes[data["id"]].text = data["text"]


def _removed_parts(room: Room, event: Event) -> tuple[Part, ...]:
    """The note, and the note it was merged into (its count of merged notes)."""
    gone = room.notes.get(event.data["id"])
    into = (Part("note", gone.merged_into),) if gone is not None and gone.merged_into else ()
    return (_note_part(event), *into, PROGRESS, RING_COUNTS)


@registry.event("note.removed", touches=_removed_parts)
def _removed(room: Room, event: Event) -> None:
    gone = room.notes[event.data["id"]]
    gone.removed, gone.removed_by = True, event.actor


@registry.event("note.moved", touches=lambda room, event: (_note_part(event), RING_COUNTS))
def _moved(room: Room, event: Event) -> None:
    data = event.data["note"]
    target = room.notes[data["id"]]
    if target.ring != data["ring"]:
        target.slot = free_slot(room, data["ring"])
    target.moved_from = (target.ring, target.place)
    target.ring = data["ring"]
    target.moved_by = data.get("moved_by")
    target.place = PLACES * event.seq


@registry.event(
    "note.merged",
    touches=lambda room, event: (
        _note_part(event),
        Part("note", event.data["into"]),
        *([Part("merged-notes", event.data["note"]["id"])] if event.data.get("absorbed") else ()),
        RING_COUNTS,
    ),
)
def _merged(room: Room, event: Event) -> None:
    source_id, target_id = event.data["note"]["id"], event.data["into"]
    for item in room.notes.values():
        if item.id == source_id or item.merged_into == source_id:
            item.merged_into = target_id


@registry.event("note.held", touches=lambda room, event: (_note_part(event),), redact=_hide_hold)
def _held(room: Room, event: Event) -> None:
    room.notes[event.data["id"]].held = bool(event.data["held"])


@registry.event(
    "notes.revealed",
    touches=lambda room, event: (
        *(Part("note", n["id"]) for n in event.data["notes"]),
        RING_COUNTS,
    ),
)
def _revealed(room: Room, event: Event) -> None:
    taken: set[int] = set()
    for index, data in enumerate(event.data["notes"]):
        item = room.notes[data["id"]]
        item.slot = free_slot(room, "inner", taken)
        taken.add(item.slot)
        item.revealed = True
        item.ring = "inner"
        item.place = PLACES * event.seq + index
