"""The rooms repository and unit of work: this worker's copies of rooms, kept in
step with the event log, and the one way to change one (decide against the
latest state, store the events, apply them; retry if another worker got there
first)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

from anyio import to_thread

from app import lookups
from app.domain import (
    catalog,  # noqa: F401  (every event type is declared before a replay)
    proxies,
)
from app.domain.errors import DomainError, NotFound
from app.domain.events import Draft, Event
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.persistence.store import Store

Decide = Callable[[Room], list[Draft]]
ROOM_CACHE = 2000


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
            lookups.unknown_room()
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
        self.remember(room)
        return room

    def cached(self, code: str) -> Room | None:
        return self._rooms.get(code)

    def remember(self, room: Room) -> None:
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
            lookups.unknown_room()
            return None
        return await self.advance(code, stored)

    async def require(self, code: str) -> Room:
        room = await self.fresh(code)
        if room is None:
            raise NotFound("room_not_found", "There is no room with the code {code}.", code=code)
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
                    drafts = proxies.attribute(room, decide(room))
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
