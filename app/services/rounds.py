"""Facilitation without group-think or phones (issue 18): responses and dots hidden until
the facilitator reveals them, grouping suggestions, and people the facilitator enters for."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain import consent, proxies, reveal, suggestions, votes
from app.domain.errors import Forbidden, Invalid
from app.domain.events import Viewer
from app.services.core import Joined, UseCases, require_facilitator, require_participant
from app.services.records import Records
from app.services.work import Work
from app.tokens import hash_token, new_token


class Rounds(Work, Records, UseCases):
    """Reveals, suggestions, dot-votes and people without a phone."""

    async def reveal_responses(self, code: str, viewer: Viewer, target: str) -> dict[str, Any]:
        """Show everyone the responses to `target` (a room that hides them until then)."""
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: reveal.decide_reveal(room, target=target))
        found = consent.statement(room, target)
        return found.public_for(viewer, hide_responses=room.options.hide_responses)

    # ------------------------------------------------------- grouping suggestions
    async def suggestions(self, code: str, viewer: Viewer) -> dict[str, Any]:
        """Notes that look alike (and themes of a large inner circle), for the facilitator."""
        require_facilitator(viewer)
        room = await self.room(code)
        suggestions.ensure_sorting(room)
        groups, themes = suggestions.analyse(room)
        return {
            "groups": [group.public() for group in groups],
            "themes": [theme.public() for theme in themes],
        }

    async def dismiss_suggestion(self, code: str, viewer: Viewer, note_ids: object) -> list[str]:
        """These notes are not alike: they are not suggested together again."""
        require_facilitator(viewer)
        await self._run(code, lambda room: suggestions.decide_dismiss(room, note_ids=note_ids))
        return sorted(set(note_ids)) if isinstance(note_ids, list) else []

    async def merge_group(
        self, code: str, viewer: Viewer, *, into: str, note_ids: list[str]
    ) -> dict[str, Any]:
        """Merge a suggested group (as the facilitator edited it) into one of its notes,
        one merge at a time: the same use case as merging two notes by hand."""
        require_facilitator(viewer)
        if into not in note_ids or len(set(note_ids)) < 2:
            raise Invalid("invalid_note_ids", "Tick two or more notes, and the one to keep.")
        kept: dict[str, Any] = {}
        for note_id in dict.fromkeys(note_ids):
            if note_id != into:
                kept = await self.merge_note(code, viewer, note_id, into)
        return kept

    # ------------------------------------------------------------- dot-voting
    async def vote(
        self, code: str, viewer: Viewer, note_ids: object, participant_id: object = None
    ) -> dict[str, Any]:
        """Set a participant's whole allocation of dots (the facilitator, for someone
        without a phone, names them)."""
        if viewer.is_facilitator:
            if not isinstance(participant_id, str) or not participant_id:
                raise Invalid("participant_id_needed", "Say whose dots these are.")
            voter, entered_by = participant_id, "facilitator"
        else:
            voter, entered_by = require_participant(viewer), None
            if participant_id not in (None, voter):
                raise Forbidden("not_yours", "You place your own dots only.")
        room, _ = await self._run(
            code,
            lambda room: votes.decide_vote(
                room, participant_id=voter, note_ids=note_ids, entered_by=entered_by
            ),
        )
        phase = room.current_phase.id
        return {
            "phase": phase,
            "participant_id": voter,
            "note_ids": list(votes.allocation(room, phase, voter)),
            "voters": len(votes.voters(room, phase)),
        }

    async def reveal_votes(self, code: str, viewer: Viewer) -> dict[str, Any]:
        require_facilitator(viewer)
        room, _ = await self._run(code, votes.decide_reveal)
        shown: dict[str, Any] = votes.public(room, viewer)[room.current_phase.id]
        return shown

    # ------------------------------------------------------- people without a phone
    async def add_proxy(
        self, code: str, viewer: Viewer, *, name: object, perspective: object
    ) -> Joined:
        """Add someone without a phone; the token is for the facilitator's entries for them
        (every change made with it is logged as entered by the facilitator)."""
        require_facilitator(viewer)
        participant_id = str(uuid.uuid4())
        token = new_token()
        await self._run(
            code,
            lambda room: proxies.decide_add(
                room,
                participant_id=participant_id,
                name=name,
                perspective=perspective,
                limits=self.limits,
            ),
            tokens={participant_id: hash_token(token)},
        )
        return Joined(participant_id, token)

    async def enter_for(
        self, code: str, viewer: Viewer, participant_id: str, action: str, fields: dict[str, str]
    ) -> None:
        """The facilitator enters, for someone without a phone, what they wrote or said on
        paper: the same use case as their phone's, under the same rules (and logged as the
        facilitator's entry for them, see `proxies.attribute`)."""
        require_facilitator(viewer)
        person = (await self.room(code)).participant(participant_id)
        if not person.proxy:
            raise Forbidden("has_a_phone", "They enter their own, on their phone.")
        them = Viewer("participant", participant_id)
        text = fields.get("text", "")
        if action == "note":
            await self.add_note(code, them, note_id=str(uuid.uuid4()), text=text)
        elif action == "contribution":
            row, new_id = fields.get("row", ""), str(uuid.uuid4())
            await self.contribute(code, them, row=row, contribution_id=new_id, text=text)
        elif action == "response":
            reason = fields.get("reason", "").strip() or None
            stance = fields.get("stance", "")
            await self.respond(code, them, fields.get("target", ""), stance=stance, reason=reason)
        elif action == "sign":
            await self.sign(code, them)
        else:
            raise Invalid("invalid_action", "action must be note, contribution, response or sign.")
