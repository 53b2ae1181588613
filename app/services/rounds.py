"""Facilitation without group-think or phones (issue 18): responses and dots hidden until
the facilitator reveals them, grouping suggestions, and people the facilitator enters for."""

from __future__ import annotations

from typing import Any

from app.domain import consent, reveal
from app.domain.events import Viewer
from app.services.core import UseCases, require_facilitator


class Rounds(UseCases):
    """Reveals, suggestions, dot-votes and people without a phone."""

    async def reveal_responses(self, code: str, viewer: Viewer, target: str) -> dict[str, Any]:
        """Show everyone the responses to `target` (a room that hides them until then)."""
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: reveal.decide_reveal(room, target=target))
        found = consent.statement(room, target)
        return found.public_for(viewer, hide_responses=room.options.hide_responses)
