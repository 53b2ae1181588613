"""The facilitator's undo for Post-its: un-merge, undo a move, restore, fix a typo."""

from __future__ import annotations

from typing import Any

from app.domain import note_undo, notes
from app.domain.events import Viewer
from app.services.core import UseCases, require_facilitator


class Undo(UseCases):
    """Taking back what was done to a note (each undo is an event of its own)."""

    async def unmerge_note(self, code: str, viewer: Viewer, note_id: str) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code, lambda room: note_undo.decide_unmerge(room, note_id=note_id)
        )
        return notes.note(room, note_id).public(viewer)

    async def undo_move(self, code: str, viewer: Viewer, note_id: str) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code, lambda room: note_undo.decide_undo_move(room, note_id=note_id)
        )
        return notes.note(room, note_id).public(viewer)

    async def restore_note(self, code: str, viewer: Viewer, note_id: str) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code, lambda room: note_undo.decide_restore(room, note_id=note_id)
        )
        return notes.note(room, note_id).public(viewer)

    async def correct_note(
        self, code: str, viewer: Viewer, note_id: str, text: object
    ) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: note_undo.decide_correct(
                room, note_id=note_id, text=text, max_length=self.limits.text
            ),
        )
        return notes.note(room, note_id).public(viewer)
