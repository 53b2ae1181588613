"""The ground every use case stands on, and the facade the web layer reads.

A use case loads the room, applies a domain rule, stores the events and
publishes them: `_run`. Storage runs in a worker thread; the room's in-memory
copy is only changed on the event loop, under the room's lock, and only after
its events are committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import Forbidden
from app.domain.events import Event, Viewer
from app.domain.room import Limits, Room
from app.domain.workshop import Workshop
from app.persistence.store import Store
from app.ratelimit import RateLimiter
from app.realtime.channels import Channels, Renderer, RoomChannel
from app.realtime.hub import Hub, MemoryHub
from app.realtime.messages import encode_event
from app.rooms import Decide, Rooms


@dataclass(frozen=True, slots=True)
class CreatedRoom:
    code: str
    facilitator_token: str


@dataclass(frozen=True, slots=True)
class Joined:
    participant_id: str
    token: str


class UseCases:
    """What every use case stands on: the store, the rooms, the hub and the channels."""

    def __init__(
        self,
        *,
        store: Store,
        hub: Hub,
        workshops: dict[str, Workshop],
        limits: Limits,
        renderer: Renderer,
        writes: RateLimiter | None = None,
        joins: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.writes = writes or RateLimiter(burst=20, per=2.0)
        """Each participant's grid contributions: a burst, then one every `per` seconds."""
        self.joins = joins or RateLimiter(burst=60, per=0.2)
        """Joins to one room from one client address: a burst, then one every `per` s."""
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

    # ------------------------------------------------ what the web layer reads
    async def room(self, code: str) -> Room:
        """The room as the log has it now (NotFound if there is none)."""
        return await self.rooms.require(code)

    async def exists(self, code: str) -> bool:
        return await self.rooms.get(code) is not None

    async def events_after(self, code: str, seq: int) -> list[Event]:
        """The room's events after `seq`, from the log (what a form post just changed)."""
        return await self.rooms.events_between(code, seq, None)

    def online(self, code: str) -> frozenset[str]:
        """Who has a screen open in the room now (participant ids, the facilitator)."""
        return self.channels.online(code)

    async def channel(self, code: str) -> RoomChannel:
        """The room's live channel, which connections join."""
        return await self.channels.channel(code)

    async def stop(self) -> None:
        """Close every live channel (the app is shutting down)."""
        await self.channels.stop()


def require_participant(viewer: Viewer) -> str:
    if viewer.participant_id is None:
        raise Forbidden("participant_only", "Only participants can do that.")
    return viewer.participant_id


def require_facilitator(viewer: Viewer) -> None:
    if not viewer.is_facilitator:
        raise Forbidden("facilitator_only", "Only the facilitator can do that.")
