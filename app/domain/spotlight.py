"""The spotlight: what the board focuses on while the room discusses it.

One Post-it ("note:<id>"), one statement target ("grid.mission", "purpose"),
or nothing (the overview).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain import consent, notes, registry
from app.domain.errors import Invalid
from app.domain.events import Draft, Event
from app.domain.registry import Part

if TYPE_CHECKING:
    from app.domain.room import Room

NOTE_PREFIX = "note:"
SPOTLIGHT = Part("spotlight")


def decide_spotlight(room: Room, target: object) -> list[Draft]:
    """Focus the board on one statement or note, or back to the overview."""
    room.ensure_open()
    if target in (None, ""):
        target = None
    elif isinstance(target, str) and target.startswith(NOTE_PREFIX):
        notes.on_board(room, target.removeprefix(NOTE_PREFIX))
    elif not isinstance(target, str) or target not in consent.targets(room):
        raise Invalid("invalid_spotlight", "Spotlight a note, a grid row or a statement.")
    if target == room.spotlight:
        return []
    return [Draft("spotlight.changed", {"target": target}, actor="facilitator")]


@registry.event("spotlight.changed", touches=lambda room, event: (SPOTLIGHT,))
def _spotlight(room: Room, event: Event) -> None:
    room.spotlight = event.data["target"]
