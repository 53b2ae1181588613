"""What the projected board shows beyond the phase itself: which page of it, which
circle's notes it lists legibly, how large the join panel is, projector mode.

Room state the facilitator changes from the control view (or with keys), so every
board in the room follows live. One event type carries the whole new state, so
`apply` only copies it and a replay cannot drift. A page is counted in the phase
it was turned in; each board wraps it round its own number of pages (a 4K screen
may need fewer than a 720p one), so "next" always shows the next page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Invalid
from app.domain.events import Draft, Event
from app.domain.registry import Part

if TYPE_CHECKING:
    from app.domain.room import Room

JOIN = ("auto", "large", "small", "hidden")
"""The join panel: large in the lobby and small after it (auto), or always one of these."""
RINGS = ("inner", "outer")
MAX_PAGE = 999
BOARD_VIEW = Part("board-view")


@dataclass(frozen=True, slots=True)
class BoardView:
    """The board's presentation, as the facilitator set it."""

    page: int = 0
    phase: str = ""
    """The phase the page was turned in: in any other phase the board starts at page 1."""
    notes: str = "inner"
    """The circle whose notes the board lists legibly when they do not fit in the circles."""
    join: str = "auto"
    projector: bool = False

    def page_in(self, phase: str) -> int:
        return self.page if self.phase == phase else 0

    def join_in(self, lobby: bool) -> str:
        """The join panel's size in a phase: 'large', 'small' or 'hidden'."""
        if self.join != "auto":
            return self.join
        return "large" if lobby else "small"

    def public(self) -> dict[str, Any]:
        return asdict(self)


def decide_board(
    room: Room,
    *,
    page: object = None,
    turn: object = None,
    notes: object = None,
    join: object = None,
    projector: object = None,
) -> list[Draft]:
    """Turn the board's page (`turn` ±n, or `page` n counted from 0), list a circle's
    notes (`notes`), size the join panel (`join`), switch projector mode."""
    view = room.board
    current = view.page_in(room.phase)
    if page is not None:
        current = _whole(page, "page")
    if turn is not None:
        current += _whole(turn, "turn")
    if not -MAX_PAGE <= current <= MAX_PAGE:
        raise Invalid("invalid_page", f"The page must be between -{MAX_PAGE} and {MAX_PAGE}.")
    changed = replace(view, page=current, phase=room.phase)
    if notes is not None:
        if notes not in RINGS:
            raise Invalid("invalid_notes", "List the notes of the inner or the outer circle.")
        changed = replace(changed, notes=str(notes), page=0 if notes != view.notes else current)
    if join is not None:
        if join not in JOIN:
            raise Invalid("invalid_join", "The join panel is auto, large, small or hidden.")
        changed = replace(changed, join=str(join))
    if projector is not None:
        if not isinstance(projector, bool):
            raise Invalid("invalid_projector", "Projector mode is true or false.")
        changed = replace(changed, projector=projector)
    if changed == view:
        return []
    return [Draft("board.changed", {"board": changed.public()}, actor="facilitator")]


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"invalid_{name}", f"The {name} must be a whole number.")
    return value


@registry.event("board.changed", touches=lambda room, event: (BOARD_VIEW,))
def _changed(room: Room, event: Event) -> None:
    room.board = BoardView(**event.data["board"])
