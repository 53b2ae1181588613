"""Task 1.2 / Table 1.3: each participant writes into their own perspective's column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Conflict, NotFound
from app.domain.events import Draft, Event, Viewer
from app.domain.facilitation import ensure_time_left
from app.domain.registry import Part, PhaseKind
from app.domain.text import clean_text

if TYPE_CHECKING:
    from app.domain.room import Room


@dataclass(slots=True)
class Contribution:
    id: str
    row: str
    perspective: str
    author_id: str
    text: str
    created_at: datetime
    index: int = 0
    """Its place among the row's contributions (they are only ever added)."""

    def public(self, viewer: Viewer | None = None, private: bool = False) -> dict[str, Any]:
        hidden = private and viewer is not None and viewer.participant_id != self.author_id
        return {
            "id": self.id,
            "perspective": self.perspective,
            "author_id": None if hidden else self.author_id,
            "text": None if hidden else self.text,
        }


def check_row(room: Room, row: str) -> None:
    if row not in {r.key for r in room.workshop.grid_rows}:
        raise NotFound("row_not_found", "There is no grid row “{row}”.", row=row)


def decide_contribute(
    room: Room, *, row: str, author_id: str, contribution_id: str, text: object, max_length: int
) -> list[Draft]:
    """A statement in the author's own perspective column (idempotent by client id)."""
    check_row(room, row)
    existing = room.contribution_ids.get(contribution_id)
    if existing is not None:
        if existing.author_id != author_id:
            raise Conflict("contribution_id_taken", "That contribution id is already used.")
        return []
    room.ensure_open()
    if room.current_phase.kind != GRID_WRITE.name:
        raise Conflict(
            "wrong_phase",
            "Writing in the grid is not possible in the phase “{phase}”.",
            phase=room.current_phase.title,
        )
    ensure_time_left(room)
    author = room.participant(author_id)
    clean = clean_text(text, field="text", max_length=max_length)
    data = {
        "id": contribution_id,
        "perspective": author.perspective,
        "author_id": author_id,
        "text": clean,
    }
    private_to = author_id if room.workshop.grid_private else None
    return [
        Draft(
            "contribution.added",
            {"row": row, "contribution": data},
            actor=author_id,
            private_to=private_to,
        )
    ]


GRID_WRITE = registry.phase_kind(
    PhaseKind(
        "grid-write",
        writing=True,
        discusses_rows=True,
        personal_phone=lambda workshop: workshop.grid_private,
        needs=("grid",),
    )
)


def _cell_key(event: Event) -> str:
    """`row/perspective/contribution id`: the cell it lands in, and which it is."""
    data = event.data["contribution"]
    return f"{event.data['row']}/{data['perspective']}/{data['id']}"


def _hide_text(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "contribution": {**data["contribution"], "text": None, "author_id": None}}


@registry.event(
    "contribution.added",
    touches=lambda room, event: (
        Part("contribution", _cell_key(event), only=event.private_to),
        Part("coverage", event.data["row"]),
    ),
    redact=_hide_text,
)
def _added(room: Room, event: Event) -> None:
    data = event.data["contribution"]
    item = Contribution(
        id=data["id"],
        row=event.data["row"],
        perspective=data["perspective"],
        author_id=data["author_id"],
        text=data["text"],
        created_at=event.at,
        index=len(room.contributions.get(event.data["row"], ())),
    )
    room.contributions.setdefault(item.row, []).append(item)
    room.contribution_ids[item.id] = item


def contribution(room: Room, contribution_id: str) -> Contribution:
    found = room.contribution_ids.get(contribution_id)
    if found is None:
        raise NotFound("contribution_not_found", "There is no such contribution in this room.")
    return found


def coverage(room: Room) -> dict[str, dict[str, int]]:
    """Contributions per row and perspective (0 marks an empty cell)."""
    counts = {
        row.key: {p.id: 0 for p in room.workshop.perspectives} for row in room.workshop.grid_rows
    }
    for row, items in room.contributions.items():
        for item in items:
            counts[row][item.perspective] = counts[row].get(item.perspective, 0) + 1
    return counts
