"""The record of a room: its joint document and its archive."""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from typing import Any

from anyio import to_thread

from app import archive
from app.domain import document, notes
from app.domain import record as tables
from app.domain.document import LONDON, Document
from app.domain.errors import Conflict, Forbidden, Invalid
from app.domain.events import FACILITATOR, Viewer
from app.domain.room import Room
from app.i18n.locales import TAGS
from app.realtime.connection import Connection
from app.services.core import CreatedRoom, UseCases, require_facilitator, require_participant
from app.workshop_translations import room_in_language


class Records(UseCases):
    """Reading the joint document, signing it, and archiving or restoring a room."""

    # ---------------------------------------------------------- document
    async def document(
        self, code: str, viewer: Viewer, *, zone: tzinfo = LONDON, language: str = "en"
    ) -> Document:
        """The merged joint document: the facilitator any time, participants once it is open.

        While names are hidden (an anonymous room), a participant's copy names no one:
        signatories appear as their perspective, as on the board."""
        room = await self.rooms.require(code)
        return self.document_of(room, viewer, zone=zone, language=language)

    def document_of(
        self, room: Room, viewer: Viewer, *, zone: tzinfo = LONDON, language: str = "en"
    ) -> Document:
        """`language`: the workshop's texts and the document's `lang` (its fixed wording
        is translated where it is rendered); people's words as they wrote them."""
        if not viewer.is_facilitator and not room.current_phase.traits.shows_document:
            raise Forbidden(
                "document_not_open", "The joint document opens when the facilitator gets there."
            )
        hide = not viewer.is_facilitator and not room.names_visible
        shown = room_in_language(room, language)
        merged = document.build(shown, today=room.created_at, zone=zone, hide_names=hide)
        return replace(merged, language=TAGS.get(language, language))

    async def data_tables(
        self, code: str, viewer: Viewer, *, zone: tzinfo = LONDON
    ) -> tables.Record:
        """The whole record as tables, on the document's access rule."""
        room = await self.rooms.require(code)
        self.document_of(room, viewer, zone=zone)  # who may read it: as the document
        return tables.build(room, viewer, zone=zone)

    async def sign(
        self, code: str, viewer: Viewer, *, role: object = None, organisation: object = None
    ) -> None:
        participant = require_participant(viewer)
        await self._run(
            code,
            lambda room: document.decide_sign(
                room, participant, role=role, organisation=organisation
            ),
        )

    async def archive(self, code: str, viewer: Viewer) -> dict[str, Any]:
        """The room's full record: its state and every event in its log."""
        require_facilitator(viewer)
        room = await self.rooms.require(code)
        if notes.private(room):
            # The archive holds every event: it would show the facilitator notes their
            # authors were told stay private until the reveal — in any phase (stepping
            # back to the lobby reveals nothing), unless written under moderation.
            raise Conflict(
                "notes_private",
                "Some notes are still private to their authors. Download the archive once "
                "they are revealed (an operator can back up any time with "
                "`python -m app.archive export`).",
            )
        events = await self.rooms.events_between(code, 0, room.seq)
        return archive.export(room, events)

    async def import_archive(self, data: object) -> CreatedRoom:
        """Recreate an archived room here (same code if free); a new facilitator token."""
        room, events = archive.read(data, self.workshops, self.limits)
        self._can_show(room)
        code, token = await to_thread.run_sync(archive.restore, self.store, room, events)
        return CreatedRoom(code, token)

    def _can_show(self, room: Room) -> None:
        """Every screen of an imported room renders: an archive that passes the checks
        but would still break its pages is refused here, not found out by a 500 later."""
        people = [Viewer("participant", pid) for pid in list(room.participants)[:1]]
        screens = [(FACILITATOR, "board"), (FACILITATOR, "control")] + [
            (viewer, "phone") for viewer in people
        ]
        try:
            for viewer, page in screens:
                room.snapshot(viewer)
                connection = Connection(room.code, viewer, "html", page=page)
                self.channels.renderer.initial(connection, room, frozenset(), {})
        except Exception as exc:  # anything at all: the room is not imported
            raise Invalid(
                "invalid_archive",
                "The archived room cannot be shown ({error}).",
                error=type(exc).__name__,
            ) from exc
