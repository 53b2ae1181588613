"""How a room treats names and notes: anonymity and moderation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Options:
    """How the room treats names and notes."""

    anonymous: bool = False
    """Names are hidden from the board and other participants (perspective shown)."""
    moderated: bool = False
    """The facilitator reads notes as they are written and may hold one back."""
    names_shown: tuple[str, ...] = ()
    """Phases in which an anonymous room shows names anyway (agreement, signing)."""
    hide_responses: bool = False
    """Responses to a statement are counted, not shown, until the facilitator reveals
    them (against group-think): the board shows how many have responded."""

    language: str = "en"
    """The room's language (its default document language): the one it was created in."""

    def names_visible(self, phase: str) -> bool:
        """Whether the board and other participants see names in `phase`."""
        return not self.anonymous or phase in self.names_shown

    def public(self) -> dict[str, Any]:
        return {
            "anonymous": self.anonymous,
            "moderated": self.moderated,
            "names_shown": list(self.names_shown),
            "hide_responses": self.hide_responses,
            "language": self.language,
        }
