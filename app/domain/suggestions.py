"""Grouping suggestions in the sort phase: which notes look alike, and which the
facilitator said are not (a dismissal is room state, so it is not suggested again).

The text work is `similar`'s; this module says which notes take part (those on the
board: revealed, not merged, not removed, not held back), keeps the circles apart
(a note in the outer circle is not grouped with one in the inner), and declares the
one event. Suggestions name no one: they carry note ids, a label and a score.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import TYPE_CHECKING

from app.domain import registry, similar
from app.domain.errors import Conflict, Invalid
from app.domain.events import Draft, Event
from app.domain.notes import RINGS, in_ring
from app.domain.registry import Part

if TYPE_CHECKING:
    from app.domain.room import Room

MAX_GROUP = similar.LARGEST


def group_key(note_ids: Iterable[str]) -> str:
    """A stable, short key for a group of notes (its elements' ids on the control view)."""
    ids = sorted(note_ids)
    return f"{ids[0][:8]}-{len(ids)}" if ids else ""


def ensure_sorting(room: Room) -> None:
    if not room.current_phase.traits.shows_notes:
        raise Conflict("wrong_phase", "Suggestions are made while the notes are sorted.")


def analyse(room: Room) -> tuple[list[similar.Group], list[similar.Group]]:
    """Notes that look alike, circle by circle (each note in at most one group), and the
    broader themes of the inner circle once it is large."""
    found: list[similar.Group] = []
    themes: list[similar.Group] = []
    for ring in RINGS:
        texts = [(n.id, n.text or "") for n in in_ring(room, ring)]
        groups, ring_themes = similar.analyse(
            texts, apart=frozenset(room.apart), with_themes=ring == "inner"
        )
        found += groups
        themes += ring_themes
    return sorted(found, key=lambda g: (-g.score, g.note_ids)), themes


def groups(room: Room) -> list[similar.Group]:
    """Notes that look alike, circle by circle; each note in at most one group."""
    return analyse(room)[0]


def decide_dismiss(room: Room, *, note_ids: object) -> list[Draft]:
    """The facilitator says these notes are not alike: never suggest them together again."""
    room.ensure_open()
    ensure_sorting(room)
    if (
        not isinstance(note_ids, list)
        or not 2 <= len(note_ids) <= MAX_GROUP
        or not all(isinstance(i, str) for i in note_ids)
    ):
        raise Invalid("invalid_note_ids", "note_ids must list two or more notes.")
    ids = sorted(set(note_ids))
    for note_id in ids:
        found = room.notes.get(note_id)
        if found is None or not found.active or not found.revealed:
            raise Invalid("invalid_note_ids", "Only notes on the board can be dismissed.")
    pairs = {frozenset(pair) for pair in combinations(ids, 2)}
    if pairs <= room.apart:
        return []
    return [Draft("suggestion.dismissed", {"note_ids": ids}, actor="facilitator")]


@registry.event(
    "suggestion.dismissed",
    touches=lambda room, event: (Part("suggestion", group_key(event.data["note_ids"])),),
)
def _dismissed(room: Room, event: Event) -> None:
    room.apart.update(frozenset(pair) for pair in combinations(event.data["note_ids"], 2))
