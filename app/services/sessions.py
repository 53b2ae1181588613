"""The session: rooms, people, phases and the facilitator's tools."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from anyio import to_thread

from app import i18n, lookups
from app.domain import board, facilitation, spotlight
from app.domain.codes import looks_like_code, new_code, normalize_code
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import Viewer
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.i18n import N_
from app.i18n.pseudo import PSEUDO
from app.persistence.store import CodeTaken
from app.ratelimit import RateLimited
from app.services.core import (
    CreatedRoom,
    Joined,
    UseCases,
    require_facilitator,
    require_participant,
)
from app.tokens import hash_token, new_token


class Sessions(UseCases):
    """Creating, finding and deleting rooms; joining and leaving; steering the session."""

    # ---------------------------------------------------------------- rooms
    def workshop(self, workshop_id: object) -> Workshop:
        if not isinstance(workshop_id, str) or workshop_id not in self.workshops:
            known = ", ".join(self.workshops)
            raise Invalid(
                "invalid_workshop", "Unknown workshop. Choose one of: {known}.", known=known
            )
        return self.workshops[workshop_id]

    async def create_room(
        self,
        *,
        title: object,
        setting: object,
        workshop_id: object,
        anonymous: object = False,
        moderated: object = False,
        language: object = "en",
    ) -> CreatedRoom:
        """A new room; `anonymous`, `moderated` and `language` (the room's language: its
        documents' default) are its first options."""
        workshop = self.workshop(workshop_id)
        known = [c for c in i18n.available() if c not in PSEUDO]
        if language not in known:
            raise Invalid(
                "invalid_language", "language must be one of: {known}.", known=", ".join(known)
            )
        for name, value in (("anonymous", anonymous), ("moderated", moderated)):
            if not isinstance(value, bool):
                raise Invalid(f"invalid_{name}", "{name} must be true or false.", name=name)
        now = datetime.now(UTC)
        token = new_token()
        for _ in range(20):
            room = Room.create(
                code=new_code(),
                title=title,
                setting=setting,
                workshop=workshop,
                created_at=now,
                limits=self.limits,
            )
            insert = partial(
                self.store.create_room,
                code=room.code,
                title=room.title,
                setting=room.setting,
                workshop=workshop.id,
                phase=room.phase,
                facilitator_token_hash=hash_token(token),
                created_at=now,
            )
            try:
                await to_thread.run_sync(insert)
            except CodeTaken:
                continue
            self.rooms.remember(room)
            if anonymous or moderated or language != "en":
                await self._run(
                    room.code,
                    lambda room: facilitation.decide_options(
                        room, anonymous=anonymous, moderated=moderated, language=language
                    ),
                )
            return CreatedRoom(room.code, token)
        raise Conflict("no_code", "Could not find a free room code; please try again.")

    async def duplicate_room(
        self, code: str, viewer: Viewer, *, title: object = None, setting: object = None
    ) -> CreatedRoom:
        """A fresh room with this one's workshop, title, setting and options (for the next
        school): no participants, nothing written."""
        require_facilitator(viewer)
        original = await self.rooms.require(code)
        return await self.create_room(
            title=original.title if title is None else title,
            setting=original.setting if setting is None else setting,
            workshop_id=original.workshop.id,
            anonymous=original.options.anonymous,
            moderated=original.options.moderated,
            language=original.options.language,
        )

    async def viewer(self, code: str, token: str | None) -> Viewer | None:
        """Who holds `token` in room `code` (None for no or a refused token)."""
        if not token:
            return None
        found = await to_thread.run_sync(self.store.viewer_for_token, code, hash_token(token))
        if found is None:
            lookups.bad_token()
        return found

    async def was_removed(self, code: str, token: str | None) -> bool:
        """Whether `token` was held by someone the facilitator removed from room `code`."""
        if not token:
            return False
        return await to_thread.run_sync(self.store.token_removed, code, hash_token(token))

    async def find_room(self, raw_code: str) -> Room | None:
        code = normalize_code(raw_code)
        if not looks_like_code(code):
            return None
        return await self.rooms.fresh(code)

    async def snapshot(self, code: str, viewer: Viewer) -> dict[str, Any]:
        room = await self.rooms.require(code)
        return room.snapshot(viewer, self.channels.online(code))

    async def delete_room(self, code: str, viewer: Viewer) -> None:
        require_facilitator(viewer)
        async with self.rooms.lock(code):
            deleted = await to_thread.run_sync(self.store.delete_room, code)
            self.rooms.forget(code)
        if not deleted:
            raise NotFound("room_not_found", "There is no room with the code {code}.", code=code)
        self.channels.close_room(code)

    async def purge_idle(self, *, older_than: timedelta, now: datetime | None = None) -> list[str]:
        """Delete every room untouched for `older_than` (all its rows); their codes."""
        cutoff = (now or datetime.now(UTC)) - older_than
        codes = await to_thread.run_sync(self.store.idle_since, cutoff)
        for code in codes:
            async with self.rooms.lock(code):
                await to_thread.run_sync(self.store.delete_room, code)
                self.rooms.forget(code)
            self.channels.close_room(code)
        return codes

    # --------------------------------------------------------- participants
    async def join(
        self, code: str, *, name: object, perspective: object, source: str | None = None
    ) -> Joined:
        """Someone joins the room. Joins from one `source` (a client address) to one room
        are paced past a burst (JOIN_BURST, JOIN_INTERVAL_SECONDS): a room cannot be
        filled by a script reading the projector's code before its people get in."""
        paced = f"{code}:{source}" if source is not None else None
        if paced is not None:
            wait = self.joins.take(paced)
            if wait:
                raise RateLimited(
                    wait, N_("Many people have just joined from this network: try again shortly.")
                )
        participant_id = str(uuid.uuid4())
        token = new_token()
        try:
            await self._run(
                code,
                lambda room: room.decide_join(
                    participant_id=participant_id,
                    name=name,
                    perspective=perspective,
                    limits=self.limits,
                ),
                tokens={participant_id: hash_token(token)},
            )
        except BaseException:
            if paced is not None:
                self.joins.give(paced)  # only joins that got in count
            raise
        return Joined(participant_id, token)

    async def remove_participant(self, code: str, viewer: Viewer, participant_id: str) -> None:
        require_facilitator(viewer)
        await self._run(code, lambda room: room.decide_remove(participant_id))

    async def remove_joined_after(
        self, code: str, viewer: Viewer, joined_after: object, *, lock: object = False
    ) -> list[str]:
        """Remove everyone who joined after `joined_after` (optionally locking the room
        first); the ids of those removed."""
        require_facilitator(viewer)
        _, events = await self._run(
            code,
            lambda room: facilitation.decide_remove_joined_after(room, joined_after, lock=lock),
        )
        return [e.data["participant_id"] for e in events if e.type == "participant.removed"]

    # --------------------------------------------------------------- phases
    async def set_phase(
        self, code: str, viewer: Viewer, phase: object, *, confirmed: bool = True
    ) -> Room:
        """Move the room to `phase`; without `confirmed`, a big step back is refused."""
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: room.decide_phase(phase, confirmed=confirmed))
        return room

    async def set_spotlight(self, code: str, viewer: Viewer, target: object) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: spotlight.decide_spotlight(room, target))
        return room

    async def set_board(self, code: str, viewer: Viewer, **changes: object) -> Room:
        """Turn the board's page, list a circle, size the join panel (see domain.board)."""
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: board.decide_board(room, **changes))
        return room

    async def set_locked(self, code: str, viewer: Viewer, locked: bool) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: room.decide_lock(locked))
        return room

    # ------------------------------------------------------ facilitation
    async def set_timer(
        self, code: str, viewer: Viewer, action: object, *, seconds: object, lock: object
    ) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: facilitation.decide_timer(room, action, seconds=seconds, lock=lock),
        )
        return room

    async def set_done(self, code: str, viewer: Viewer, done: object) -> Room:
        participant = require_participant(viewer)
        room, _ = await self._run(
            code,
            lambda room: facilitation.decide_done(room, participant_id=participant, done=done),
        )
        return room

    async def set_options(
        self,
        code: str,
        viewer: Viewer,
        *,
        anonymous: object = None,
        moderated: object = None,
        names_shown: object = None,
        hide_responses: object = None,
    ) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: facilitation.decide_options(
                room,
                anonymous=anonymous,
                moderated=moderated,
                names_shown=names_shown,
                hide_responses=hide_responses,
            ),
        )
        return room
