"""Use cases: load the room → apply a domain rule → store the events → publish.

The JSON API and the HTML pages call the same functions here. Storage runs in
a worker thread; the room's in-memory copy is only changed on the event loop,
under the room's lock, and only after its events are committed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from anyio import to_thread

from app import archive
from app.domain import consent, document, facilitation, grid, notes, ratings
from app.domain.codes import looks_like_code, new_code, normalize_code
from app.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.domain.events import Draft, Event, Viewer
from app.domain.room import Limits, Room
from app.domain.workshop import Workshop
from app.persistence.store import CodeTaken, Store
from app.ratelimit import RateLimiter
from app.realtime.channels import Channels, Renderer
from app.realtime.hub import Hub, MemoryHub
from app.realtime.messages import encode_event
from app.tokens import hash_token, new_token

Decide = Callable[[Room], list[Draft]]
ROOM_CACHE = 2000


@dataclass(frozen=True, slots=True)
class CreatedRoom:
    code: str
    facilitator_token: str


@dataclass(frozen=True, slots=True)
class Joined:
    participant_id: str
    token: str


class Rooms:
    """This worker's copies of rooms, kept in step with the event log."""

    def __init__(
        self, store: Store, workshops: dict[str, Workshop], *, shared: bool = False
    ) -> None:
        self.store = store
        self.workshops = workshops
        self.shared = shared
        """Other workers write to the same rooms: check the log before trusting a copy."""
        self._rooms: OrderedDict[str, Room] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, code: str) -> asyncio.Lock:
        return self._locks.setdefault(code, asyncio.Lock())

    async def get(self, code: str) -> Room | None:
        """The room, from memory or rebuilt from its log (None if unknown)."""
        room = self._rooms.get(code)
        if room is not None:
            self._rooms.move_to_end(code)
            return room
        loaded = await to_thread.run_sync(self.store.load, code)
        if loaded is None:
            return None
        stored, events = loaded
        room = self._rooms.get(code)  # another task may have loaded it meanwhile
        if room is not None:
            return room
        room = Room(
            code=stored.code,
            title=stored.title,
            setting=stored.setting,
            workshop=self.workshops[stored.workshop],
            created_at=stored.created_at,
            phase=self.workshops[stored.workshop].first_phase.id,
        )
        room.apply_all(events)
        self._remember(room)
        return room

    def cached(self, code: str) -> Room | None:
        return self._rooms.get(code)

    def _remember(self, room: Room) -> None:
        self._rooms[room.code] = room
        self._rooms.move_to_end(room.code)
        while len(self._rooms) > ROOM_CACHE:
            evicted, _ = self._rooms.popitem(last=False)
            lock = self._locks.get(evicted)
            if lock is not None and not lock.locked():
                del self._locks[evicted]

    def forget(self, code: str) -> None:
        self._rooms.pop(code, None)
        self._locks.pop(code, None)

    async def fresh(self, code: str) -> Room | None:
        """The room as the log has it now.

        One process (memory://) writes every event itself, so its copy is
        current. With several workers, another may have written since: one
        indexed read of the stored seq tells, and the copy catches up.
        """
        if not self.shared:
            return await self.get(code)
        stored = await to_thread.run_sync(self.store.seq, code)
        if stored is None:
            self.forget(code)
            return None
        return await self.advance(code, stored)

    async def require(self, code: str) -> Room:
        room = await self.fresh(code)
        if room is None:
            raise NotFound("room_not_found", f"There is no room with the code {code}.")
        return room

    async def advance(self, code: str, seq: int) -> Room | None:
        """The room, brought up to at least `seq` from the log if need be."""
        room = await self.get(code)
        if room is None or room.seq >= seq:
            return room
        async with self.lock(code):
            if room.seq < seq:
                missed = await to_thread.run_sync(self.store.events_between, code, room.seq, None)
                room.apply_all(e for e in missed if e.seq > room.seq)
        return room

    async def events_between(self, code: str, after: int, until: int | None) -> list[Event]:
        return await to_thread.run_sync(self.store.events_between, code, after, until)

    async def execute(
        self, code: str, decide: Decide, *, tokens: dict[str, str] | None = None
    ) -> tuple[Room, list[Event]]:
        """Decide against the latest state and store the events, retrying if overtaken."""
        room = await self.require(code)
        async with self.lock(code):
            while True:
                try:
                    drafts = decide(room)
                except DomainError:
                    if not self.shared:
                        raise
                    # Another worker may have written since `fresh`: decide on the latest.
                    missed = await to_thread.run_sync(
                        self.store.events_between, code, room.seq, None
                    )
                    if not missed:
                        raise
                    room.apply_all(missed)
                    continue
                if not drafts:
                    return room, []
                append = partial(
                    self.store.append, code, expected_seq=room.seq, drafts=drafts, tokens=tokens
                )
                result = await to_thread.run_sync(append)
                if result.stale:
                    room.apply_all(result.missed)
                    continue
                room.apply_all(result.events)
                return room, result.events


class Service:
    """Everything a facilitator or participant can do, for every interface."""

    def __init__(
        self,
        *,
        store: Store,
        hub: Hub,
        workshops: dict[str, Workshop],
        limits: Limits,
        renderer: Renderer,
        writes: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.writes = writes or RateLimiter(burst=20, per=2.0)
        """Each participant's grid contributions: a burst, then one every `per` seconds."""
        self.hub = hub
        self.workshops = workshops
        self.limits = limits
        self.rooms = Rooms(store, workshops, shared=not isinstance(hub, MemoryHub))
        self.channels = Channels(hub, self.rooms, renderer)

    async def _run(
        self, code: str, decide: Decide, *, tokens: dict[str, str] | None = None
    ) -> tuple[Room, list[Event]]:
        room, events = await self.rooms.execute(code, decide, tokens=tokens)
        for event in events:
            await self.hub.publish(code, encode_event(event))
        return room, events

    # ---------------------------------------------------------------- rooms
    def workshop(self, workshop_id: object) -> Workshop:
        if not isinstance(workshop_id, str) or workshop_id not in self.workshops:
            known = ", ".join(self.workshops)
            raise Invalid("invalid_workshop", f"Unknown workshop. Choose one of: {known}.")
        return self.workshops[workshop_id]

    async def create_room(
        self,
        *,
        title: object,
        setting: object,
        workshop_id: object,
        anonymous: object = False,
        moderated: object = False,
    ) -> CreatedRoom:
        """A new room; `anonymous` and `moderated` are its first options."""
        workshop = self.workshop(workshop_id)
        for name, value in (("anonymous", anonymous), ("moderated", moderated)):
            if not isinstance(value, bool):
                raise Invalid(f"invalid_{name}", f"{name} must be true or false.")
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
            self.rooms._remember(room)
            if anonymous or moderated:
                await self._run(
                    room.code,
                    lambda room: facilitation.decide_options(
                        room, anonymous=anonymous, moderated=moderated
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
        )

    async def viewer(self, code: str, token: str | None) -> Viewer | None:
        """Who holds `token` in room `code` (None for no or a refused token)."""
        if not token:
            return None
        return await to_thread.run_sync(self.store.viewer_for_token, code, hash_token(token))

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
            raise NotFound("room_not_found", f"There is no room with the code {code}.")
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
    async def join(self, code: str, *, name: object, perspective: object) -> Joined:
        participant_id = str(uuid.uuid4())
        token = new_token()
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
        return Joined(participant_id, token)

    async def remove_participant(self, code: str, viewer: Viewer, participant_id: str) -> None:
        require_facilitator(viewer)
        await self._run(code, lambda room: room.decide_remove(participant_id))

    # --------------------------------------------------------------- phases
    async def set_phase(self, code: str, viewer: Viewer, phase: object) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: room.decide_phase(phase))
        return room

    async def set_spotlight(self, code: str, viewer: Viewer, target: object) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(code, lambda room: room.decide_spotlight(target))
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
    ) -> Room:
        require_facilitator(viewer)
        room, _ = await self._run(
            code,
            lambda room: facilitation.decide_options(
                room, anonymous=anonymous, moderated=moderated, names_shown=names_shown
            ),
        )
        return room

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
            f"{code}:{author}", "You are adding statements very fast; wait a moment and try again."
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
                room, target=target, text=text, items=items, max_length=self.limits.text
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
                    room, target=target, text=composed, max_length=self.limits.text
                )
            text = notes.on_board(room, note_id).text
            if target == "goals":
                items = list(current.items or []) if current else []
                return consent.decide_draft(
                    room, target=target, items=[*items, text], max_length=self.limits.text
                )
            return consent.decide_draft(room, target=target, text=text, max_length=self.limits.text)

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
        return consent.statement(room, target).public()

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

    # ---------------------------------------------------------- document
    async def document(self, code: str, viewer: Viewer) -> document.Document:
        """The merged joint document: the facilitator any time, participants once it is open."""
        room = await self.rooms.require(code)
        if not viewer.is_facilitator and room.current_phase.kind not in ("document", "closed"):
            raise Forbidden(
                "document_not_open", "The joint document opens when the facilitator gets there."
            )
        return document.build(room, today=room.created_at)

    async def sign(self, code: str, viewer: Viewer) -> None:
        participant = require_participant(viewer)
        await self._run(code, lambda room: document.decide_sign(room, participant))

    async def archive(self, code: str, viewer: Viewer) -> dict[str, Any]:
        """The room's full record: its state and every event in its log."""
        require_facilitator(viewer)
        room = await self.rooms.require(code)
        writing = room.current_phase.kind == "write-notes"
        if writing and notes.unrevealed(room) and not room.options.moderated:
            # The archive holds every event: while people write, it would show the
            # facilitator notes their authors were told stay private until the reveal.
            raise Conflict(
                "notes_private",
                "People are writing private notes. Download the archive after this phase "
                "(an operator can back up any time with `python -m app.archive export`).",
            )
        events = await self.rooms.events_between(code, 0, room.seq)
        return archive.export(room, events)

    async def import_archive(self, data: object) -> CreatedRoom:
        """Recreate an archived room here (same code if free); a new facilitator token."""
        room, events = archive.read(data, self.workshops)
        code, token = await to_thread.run_sync(archive.restore, self.store, room, events)
        return CreatedRoom(code, token)


def require_participant(viewer: Viewer) -> str:
    if viewer.participant_id is None:
        raise Forbidden("participant_only", "Only participants can do that.")
    return viewer.participant_id


def require_facilitator(viewer: Viewer) -> None:
    if not viewer.is_facilitator:
        raise Forbidden("facilitator_only", "Only the facilitator can do that.")
