"""The work of the room: Post-its, the grid, statements and ratings."""

from __future__ import annotations

from typing import Any

from app.domain import consent, grid, notes, ratings
from app.domain.events import Draft, Viewer
from app.domain.room import Room
from app.i18n import N_
from app.services.core import UseCases, require_facilitator, require_participant


class Work(UseCases):
    """What participants write and rate, and what the facilitator makes of it."""

    async def hold_note(
        self, code: str, viewer: Viewer, note_id: str, held: object
    ) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code, lambda room: notes.decide_hold(room, note_id=note_id, held=held)
        )
        return {**notes.note(room, note_id).full(), "held": notes.note(room, note_id).held}

    async def rate(
        self, code: str, viewer: Viewer, *, item: object, option: object, phase: object = None
    ) -> dict[str, Any]:
        participant = require_participant(viewer)
        room, _ = await self._run(
            code,
            lambda room: ratings.decide_rate(
                room, participant_id=participant, item=item, option=option, phase=phase
            ),
        )
        current = room.current_phase
        return {
            "phase": current.id,
            "item": item,
            "option": room.ratings.get((current.id, str(item)), {}).get(participant),
        }

    # ---------------------------------------------------------- Task 1.1
    async def add_note(
        self, code: str, viewer: Viewer, *, note_id: str, text: object
    ) -> tuple[dict[str, Any], bool]:
        """A participant's note; `created` is False when the same client id was seen."""
        author = require_participant(viewer)
        room, events = await self._run(
            code,
            lambda room: notes.decide_add(
                room, author_id=author, note_id=note_id, text=text, max_length=self.limits.text
            ),
        )
        return notes.note(room, note_id).public(viewer), bool(events)

    async def edit_note(
        self, code: str, viewer: Viewer, note_id: str, text: object
    ) -> dict[str, Any]:
        room, _ = await self._run(
            code,
            lambda room: notes.decide_edit(
                room, viewer=viewer, note_id=note_id, text=text, max_length=self.limits.text
            ),
        )
        return notes.note(room, note_id).public(viewer)

    async def remove_note(self, code: str, viewer: Viewer, note_id: str) -> None:
        await self._run(
            code, lambda room: notes.decide_remove(room, viewer=viewer, note_id=note_id)
        )

    async def move_note(
        self, code: str, viewer: Viewer, note_id: str, ring: object
    ) -> dict[str, Any]:
        room, _ = await self._run(
            code, lambda room: notes.decide_move(room, viewer=viewer, note_id=note_id, ring=ring)
        )
        return notes.note(room, note_id).public(viewer)

    async def merge_note(
        self, code: str, viewer: Viewer, note_id: str, into: object
    ) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code, lambda room: notes.decide_merge(room, note_id=note_id, into=into)
        )
        return notes.note(room, note_id).public(viewer)

    # ---------------------------------------------------------- Task 1.2
    async def contribute(
        self, code: str, viewer: Viewer, *, row: str, contribution_id: str, text: object
    ) -> tuple[dict[str, Any], bool]:
        author = require_participant(viewer)
        self.writes.hit(
            f"{code}:{author}",
            N_("You are adding statements very fast; wait a moment and try again."),
        )
        room, events = await self._run(
            code,
            lambda room: grid.decide_contribute(
                room,
                row=row,
                author_id=author,
                contribution_id=contribution_id,
                text=text,
                max_length=self.limits.text,
            ),
        )
        item = room.contribution_ids[contribution_id]
        return item.public(viewer, room.workshop.grid_private), bool(events)

    # -------------------------------------------------------- statements
    async def draft_statement(
        self, code: str, viewer: Viewer, target: str, *, text: object = None, items: object = None
    ) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: consent.decide_draft(
                room, target=target, text=text, items=items, max_length=self.limits.statement
            ),
        )
        return consent.statement(room, target).public()

    async def promote_note(
        self, code: str, viewer: Viewer, target: str, note_id: str
    ) -> dict[str, Any]:
        """Put a note's (or a grid contribution's) text into a draft.

        The purpose takes the note's text; goals get it as one more item; a grid
        row's draft gets the contribution appended, so a row can be composed
        from its contributions one click at a time.
        """
        require_facilitator(viewer)

        def decide(room: Room) -> list[Draft]:
            current = room.statements.get(target)
            if target.startswith("grid."):
                text = grid.contribution(room, note_id).text
                before = current.text if current and current.text else ""
                composed = f"{before}\n{text}" if before else text
                return consent.decide_draft(
                    room, target=target, text=composed, max_length=self.limits.statement
                )
            text = notes.on_board(room, note_id).text
            if target == "goals":
                items = list(current.items or []) if current else []
                return consent.decide_draft(
                    room, target=target, items=[*items, text], max_length=self.limits.statement
                )
            return consent.decide_draft(
                room, target=target, text=text, max_length=self.limits.statement
            )

        room, _ = await self._run(code, decide)
        return consent.statement(room, target).public()

    async def respond(
        self, code: str, viewer: Viewer, target: str, *, stance: object, reason: object
    ) -> dict[str, Any]:
        participant = require_participant(viewer)
        room, _ = await self._run(
            code,
            lambda room: consent.decide_respond(
                room,
                target=target,
                participant_id=participant,
                stance=stance,
                reason=reason,
                max_length=self.limits.text,
            ),
        )
        found = consent.statement(room, target)
        return found.public_for(viewer, hide_responses=room.options.hide_responses)

    async def agree(
        self, code: str, viewer: Viewer, target: str, *, override_reason: object
    ) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: consent.decide_agree(
                room, target=target, override_reason=override_reason, max_length=self.limits.text
            ),
        )
        return consent.statement(room, target).public()
