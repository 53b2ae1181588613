"""Dot-voting on the inner circle's notes: a generic phase kind, `vote-notes`.

Each participant places `dots` dots (a phase setting, default 3; several on one
note only where `stacking` is on) on notes in the inner circle; a vote sets their
whole allocation at once (idempotent). Where the dots went is hidden until the
facilitator reveals them: before, everyone sees only how many have voted (the
voter sees their own dots); after, the notes in order of dots, by perspective.
The results are a document source (`votes.<phase>`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Conflict, Forbidden, Invalid
from app.domain.events import Draft, Event, Viewer
from app.domain.registry import DocumentSource, Part, PhaseKind

if TYPE_CHECKING:
    from app.domain.document import Entry
    from app.domain.room import Room
    from app.domain.workshop import Phase, Workshop

MAX_DOTS = 20


def _check(fields: Mapping[str, Any]) -> None:
    dots = fields.get("dots")
    if dots is not None and (isinstance(dots, bool) or not isinstance(dots, int)):
        raise ValueError("dots must be a whole number")
    if dots is not None and not 1 <= dots <= MAX_DOTS:
        raise ValueError(f"dots must be from 1 to {MAX_DOTS}")


VOTE_NOTES = registry.phase_kind(
    PhaseKind(
        "vote-notes",
        discusses_notes=True,
        personal_phone=True,
        fields=("dots", "stacking"),
        check=_check,
        needs=("notes",),
    )
)


@dataclass(frozen=True, slots=True)
class Tally:
    """One note's dots: in all, and by perspective (of the voters)."""

    note_id: str
    dots: int
    by_perspective: dict[str, int]
    order: int = 0
    """Its place in the ranking as a sort key (most dots first, then the circle's order):
    the same while its own dots are, whatever happens to the others' (the screens put a
    row in place by it, so that another note's change moves only that note's row)."""

    def public(self) -> dict[str, Any]:
        return {"note_id": self.note_id, "dots": self.dots, "by_perspective": self.by_perspective}


def vote_phases(workshop: Workshop) -> list[Phase]:
    return [p for p in workshop.phases if p.kind == VOTE_NOTES.name]


def allocation(room: Room, phase_id: str, participant_id: str) -> tuple[str, ...]:
    return room.votes.get(phase_id, {}).get(participant_id, ())


def voters(room: Room, phase_id: str) -> list[str]:
    """Who has placed dots in this phase (people still in the room)."""
    return [
        pid
        for pid, dots in room.votes.get(phase_id, {}).items()
        if dots and pid in room.participants
    ]


def tally(room: Room, phase_id: str) -> list[Tally]:
    """The notes that got dots, most first (then in the order of the circle)."""
    dots: Counter[str] = Counter()
    by: dict[str, Counter[str]] = {}
    perspectives = room.workshop.perspectives
    for pid in voters(room, phase_id):
        perspective = room.participants[pid].perspective
        for note_id in room.votes[phase_id][pid]:
            dots[note_id] += 1
            by.setdefault(note_id, Counter())[perspective] += 1
    order = {n: _order(dots[n], room.notes[n].place if n in room.notes else 0) for n in dots}
    return [
        Tally(n, dots[n], {p.id: by[n][p.id] for p in perspectives if by[n][p.id]}, order[n])
        for n in sorted(dots, key=lambda n: (order[n], n))
    ]


_PLACES = 10**10
"""Above any note's place (notes.PLACES × the room's seq)."""


def _order(dots: int, place: int) -> int:
    """The ranking's sort key: fewer dots later, then later in the circle (an integer a
    browser's Number holds exactly: dots up to 10⁵, places up to 10¹⁰)."""
    return (100_000 - dots) * _PLACES + min(place, _PLACES - 1)


def revealed(room: Room, phase_id: str) -> bool:
    return phase_id in room.votes_revealed


def public(room: Room, viewer: Viewer) -> dict[str, Any]:
    """Every vote phase as `viewer` may see it: counts, their own dots, the tally once
    revealed (where anyone's dots went is nobody else's business until then)."""
    found = {}
    for phase in vote_phases(room.workshop):
        shown = revealed(room, phase.id)
        mine = viewer.participant_id
        found[phase.id] = {
            "dots": phase.dots,
            "stacking": phase.stacking,
            "voters": len(voters(room, phase.id)),
            "revealed": shown,
            "mine": list(allocation(room, phase.id, mine)) if mine else None,
            "tally": [t.public() for t in tally(room, phase.id)] if shown else None,
        }
    return found


def _in_phase(room: Room) -> Phase:
    phase = room.current_phase
    if phase.kind != VOTE_NOTES.name:
        raise Conflict("wrong_phase", "Dots are placed in a voting phase.")
    return phase


def decide_vote(
    room: Room, *, participant_id: str, note_ids: object, entered_by: str | None = None
) -> list[Draft]:
    """Set a participant's whole allocation of dots (the same again changes nothing)."""
    room.ensure_open()
    phase = _in_phase(room)
    person = room.participant(participant_id)
    if entered_by is not None and not person.proxy:
        raise Forbidden("has_a_phone", "They place their own dots, on their phone.")
    if revealed(room, phase.id):
        raise Conflict("votes_revealed", "The dots have been revealed: voting has closed.")
    if not isinstance(note_ids, list) or not all(isinstance(i, str) for i in note_ids):
        raise Invalid("invalid_note_ids", "note_ids must be a list of note ids.")
    if len(note_ids) > phase.dots:
        raise Invalid("too_many_dots", "You have {dots} dots to place.", dots=phase.dots)
    if not phase.stacking and len(set(note_ids)) < len(note_ids):
        raise Invalid("no_stacking", "One dot per note in this vote.")
    for note_id in note_ids:
        found = room.notes.get(note_id)
        if found is None or not found.active or not found.revealed or found.ring != "inner":
            raise Invalid("not_in_inner_circle", "Dots go on notes in the inner circle.")
    chosen = sorted(note_ids)
    if tuple(chosen) == tuple(sorted(allocation(room, phase.id, participant_id))):
        return []
    data: dict[str, Any] = {"phase": phase.id, "participant_id": participant_id, "note_ids": chosen}
    if entered_by is not None:  # for someone without a phone: the facilitator knows
        data |= {"entered_by": entered_by, "facilitator_reads": True}
    return [Draft("votes.set", data, actor=entered_by or participant_id, private_to=participant_id)]


RESULTS_SHOWN = 10
"""The notes with most dots that the screens list after the reveal (the document's
appendix has them all)."""


def decide_reveal(room: Room) -> list[Draft]:
    """The facilitator shows where the dots went (voting closes): the reveal, then each of
    the top notes as an update of its own (each small, however long the notes)."""
    room.ensure_open()
    phase = _in_phase(room)
    if revealed(room, phase.id):
        return []
    shown = [
        Draft("votes.result_shown", {"phase": phase.id, "note_id": t.note_id}, actor="facilitator")
        for t in tally(room, phase.id)[:RESULTS_SHOWN]
    ]
    return [Draft("votes.revealed", {"phase": phase.id}, actor="facilitator"), *shown]


def top_notes(room: Room, phase_id: str, count: int = 5) -> list[Tally]:
    """The notes with most dots (material for the purpose and goals drafts)."""
    return [t for t in tally(room, phase_id) if t.dots][:count]


# ---------------------------------------------------------------- document
def _names(workshop: Workshop) -> Iterable[str]:
    return [f"votes.{p.id}" for p in vote_phases(workshop)]


def _entry(room: Room, source: str) -> Entry:
    from app.domain.document import Entry

    phase = room.workshop.phase(source.removeprefix("votes."))
    if not revealed(room, phase.id):
        said = "No dot-vote was held or revealed."
        return Entry(source, phase.title, "agreed", said, theirs=False)
    labels = {p.id: p.label for p in room.workshop.perspectives}
    lines = []
    for found in tally(room, phase.id):
        note = room.notes.get(found.note_id)
        if note is None or note.text is None:
            continue
        by = ", ".join(f"{labels.get(p, p)} {n}" for p, n in found.by_perspective.items())
        lines.append(f"{note.text} — {found.dots} ({by})")
    if not lines:
        return Entry(source, phase.title, "agreed", "No dots were placed.", theirs=False)
    # (each line a note's words with the app's count: mixed, so in the part's language)
    return Entry(source, phase.title, "agreed", None, tuple(lines), theirs=False)


registry.document_source(DocumentSource("votes", _names, _entry, appendix=True))


# ---------------------------------------------------------------- events
def _hide_dots(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "note_ids": None}


@registry.event(
    "votes.set",
    redact=_hide_dots,
    touches=lambda room, event: (
        Part("votes", event.data["phase"]),
        Part("my-votes", event.data["phase"], only=event.data["participant_id"]),
    ),
)
def _set(room: Room, event: Event) -> None:
    data = event.data
    room.votes.setdefault(data["phase"], {})[data["participant_id"]] = tuple(data["note_ids"])


@registry.also_touches("participant.removed")
def _dots_leave(room: Room, event: Event) -> Iterable[Part]:
    """A voter removed during a vote: their dots leave the count (and, once revealed, the
    ranking). (Their allocation stays in the record; `voters` counts people in the room.)"""
    phase, participant_id = room.current_phase, event.data["participant_id"]
    if phase.kind == VOTE_NOTES.name and room.votes.get(phase.id, {}).get(participant_id):
        yield Part("dots-gone", participant_id)


@registry.event(
    "votes.revealed", touches=lambda room, event: (Part("votes-revealed", event.data["phase"]),)
)
def _revealed(room: Room, event: Event) -> None:
    room.votes_revealed.add(event.data["phase"])


@registry.event(
    "votes.result_shown", touches=lambda room, event: (Part("vote-result", event.data["note_id"]),)
)
def _result_shown(room: Room, event: Event) -> None:
    """One of the top notes joins the revealed ranking on the screens. (The state changed
    with `votes.revealed`; this one says what is shown, one note an update.)"""
