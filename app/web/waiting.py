"""Who the control view is still waiting for: to write their notes, to respond to a
statement, to sign the document (the facilitator's lists; names are theirs to read)."""

from __future__ import annotations

from typing import Any

from app.domain import document, notes
from app.domain.room import Participant, Room

SHOWN = 12
"""Names listed before "and N more": a room of 300 costs no more than one of 30."""


def _listed(people: list[Participant]) -> dict[str, Any]:
    ordered = sorted(people, key=lambda p: p.seq)
    return {"names": [p.name for p in ordered[:SHOWN]], "more": max(0, len(ordered) - SHOWN)}


def to_write(room: Room) -> dict[str, Any]:
    limit = room.workshop.notes_per_participant
    return _listed(
        [p for p in room.participants.values() if len(notes.notes_by(room, p.id)) < limit]
    )


def to_respond(room: Room, target: str) -> dict[str, Any] | None:
    """Who has not responded to `target` (None while there is no draft to respond to)."""
    item = room.statements.get(target)
    if item is None or not item.has_content or item.status == "agreed":
        return None
    return _listed([p for p in room.participants.values() if p.id not in item.responses])


def to_sign(room: Room, version: str | None) -> dict[str, Any]:
    signed = {pid for pid, s in room.signatures.items() if s.version == version}
    return _listed([p for p in room.participants.values() if p.id not in signed])


class Waiting:
    """The lists, for the templates: `waiting.write()`, `.respond(target)`, `.sign()`."""

    def __init__(self, room: Room) -> None:
        self.room = room

    def write(self) -> dict[str, Any]:
        return to_write(self.room)

    def respond(self, target: str) -> dict[str, Any] | None:
        return to_respond(self.room, target)

    def sign(self) -> dict[str, Any]:
        return to_sign(self.room, document.current_version(self.room))
