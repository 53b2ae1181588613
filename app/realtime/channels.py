"""Room channels: one per room per worker, fanning events out to local sockets.

A channel subscribes to its room on the hub, delivers events strictly in
`seq` order (filling any gap from the database), brings the worker's copy of
the room up to date before each delivery, and sends every connection the
bytes for its audience — rendered once per audience, not once per socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from app.domain.events import Event, Viewer
from app.domain.room import Room
from app.realtime.hub import Hub
from app.realtime.messages import Presence, decode, encode_presence

log = logging.getLogger(__name__)

Format = Literal["json", "html"]
SEND_QUEUE = 512
CLOSE_REMOVED = 4403
CLOSE_GONE = 4404
CLOSE_TOO_SLOW = 1013


class Renderer(Protocol):
    """Turns room state into the HTML fragments a live page swaps in.

    `update` gets a cache shared by every connection for one event, so each
    fragment is rendered once per audience, not once per socket.
    """

    def initial(self, connection: Connection, room: Room, online: set[str]) -> str: ...

    def update(
        self,
        connection: Connection,
        room: Room,
        online: set[str],
        event: Event | None,
        cache: dict[str, str],
    ) -> str: ...


class RoomSource(Protocol):
    """Where a channel gets the room's state and any events it missed."""

    async def advance(self, code: str, seq: int) -> Room | None: ...

    async def events_between(self, code: str, after: int, until: int | None) -> list[Event]: ...


@dataclass(eq=False)
class Connection:
    """One websocket, with a bounded queue so a slow phone never stalls a room."""

    code: str
    viewer: Viewer
    format: Format
    page: str = "phone"
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(SEND_QUEUE))
    close_code: int | None = None
    close_reason: str = ""
    last_seq: int = 0
    pending: list[Event] | None = field(default_factory=list)

    def offer(self, message: str) -> None:
        """Queue a message; a full queue means the client is too slow: drop it."""
        if self.close_code is not None:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect to catch up")

    def close(self, code: int, reason: str) -> None:
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)
        if self.queue.full():
            # Make room for the sentinel so the sender loop wakes up and closes.
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class RoomChannel:
    """The live side of one room on this worker."""

    def __init__(
        self,
        code: str,
        hub: Hub,
        source: RoomSource,
        renderer: Renderer,
        on_empty: Callable[[RoomChannel], Awaitable[None]],
    ) -> None:
        self.code = code
        self.hub = hub
        self.source = source
        self.renderer = renderer
        self.on_empty = on_empty
        self.connections: set[Connection] = set()
        self.online_counts: dict[str, int] = {}
        self.delivered = 0
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        room = await self.source.advance(self.code, 0)
        self.delivered = room.seq if room else 0
        self._task = asyncio.create_task(self._run(), name=f"channel:{self.code}")
        await self.ready.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for connection in list(self.connections):
            connection.close(1012, "server restarting")

    async def _run(self) -> None:
        async with self.hub.subscribe(self.code) as messages:
            self.ready.set()
            async for message in messages:
                try:
                    item = decode(message)
                    if isinstance(item, Presence):
                        await self._deliver_presence(item)
                    else:
                        await self._deliver_in_order(item)
                except Exception:  # a bad message must not kill the room's channel
                    log.exception("channel %s: could not deliver a message", self.code)

    @property
    def online(self) -> set[str]:
        return {pid for pid, count in self.online_counts.items() if count > 0}

    # ------------------------------------------------------------ connections
    async def attach(self, connection: Connection, since: int | None) -> None:
        """Register a socket and queue what it needs first: a snapshot or a replay.

        Live events that arrive meanwhile wait in `connection.pending`, and are
        sent after it, skipping any the snapshot or replay already covered.
        """
        self.connections.add(connection)
        connection.pending = []
        try:
            room = await self.source.advance(self.code, self.delivered)
            if room is None:
                connection.close(CLOSE_GONE, "room deleted")
                return
            if connection.format == "html":
                connection.offer(self.renderer.initial(connection, room, self.online))
                connection.last_seq = room.seq
            elif since is None:
                snapshot = room.snapshot(connection.viewer, self.online)
                connection.offer(_dumps({"seq": room.seq, "type": "snapshot", "data": snapshot}))
                connection.last_seq = room.seq
            else:
                connection.last_seq = since
                for event in await self.source.events_between(self.code, since, None):
                    self._send_event(connection, event, {})
        finally:
            room = await self.source.advance(self.code, self.delivered)
            # No await from here on: nothing can overtake the pending events.
            pending, connection.pending = connection.pending or [], None
            if room is not None:
                for event in pending:
                    self._send(connection, room, event, {}, {})
        await self._presence_change(connection, +1)

    async def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        await self._presence_change(connection, -1)
        if not self.connections:
            await self.on_empty(self)

    async def _presence_change(self, connection: Connection, delta: int) -> None:
        participant_id = connection.viewer.participant_id
        if participant_id is None or connection.close_code == CLOSE_REMOVED:
            return
        before = self.online_counts.get(participant_id, 0)
        after = max(0, before + delta)
        self.online_counts[participant_id] = after
        if after == 0:
            del self.online_counts[participant_id]
        if (before == 0) != (after == 0):
            await self.hub.publish(self.code, encode_presence(Presence(participant_id, after > 0)))

    # --------------------------------------------------------------- delivery
    async def _deliver_in_order(self, event: Event) -> None:
        if event.seq <= self.delivered:
            return
        events = [event]
        if event.seq > self.delivered + 1:
            missed = await self.source.events_between(self.code, self.delivered, event.seq - 1)
            events = [*missed, event]
        room = await self.source.advance(self.code, event.seq)
        if room is None:
            for connection in list(self.connections):
                connection.close(CLOSE_GONE, "room deleted")
            return
        for item in events:
            if item.seq != self.delivered + 1:
                continue
            self.delivered = item.seq
            self._fan_out(room, item)

    def _fan_out(self, room: Room, event: Event) -> None:
        json_cache: dict[str, str] = {}
        html_cache: dict[str, str] = {}
        removed = event.data.get("participant_id") if event.type == "participant.removed" else None
        for connection in list(self.connections):
            if connection.pending is not None:
                connection.pending.append(event)
                continue
            self._send(connection, room, event, json_cache, html_cache)
            if removed is not None and connection.viewer.participant_id == removed:
                connection.close(CLOSE_REMOVED, "removed by the facilitator")
        if removed is not None:
            self.online_counts.pop(removed, None)

    def _send(
        self,
        connection: Connection,
        room: Room,
        event: Event,
        json_cache: dict[str, str],
        html_cache: dict[str, str],
    ) -> None:
        if connection.format == "json":
            self._send_event(connection, event, json_cache)
            return
        if event.seq <= connection.last_seq:
            return
        connection.last_seq = event.seq
        html = self.renderer.update(connection, room, self.online, event, html_cache)
        if html:
            connection.offer(html)

    @staticmethod
    def _send_event(connection: Connection, event: Event, cache: dict[str, str]) -> None:
        if event.seq <= connection.last_seq:
            return
        connection.last_seq = event.seq
        key = event.view_key(connection.viewer)
        if key not in cache:
            cache[key] = _dumps(event.for_viewer(connection.viewer))
        connection.offer(cache[key])

    async def _deliver_presence(self, presence: Presence) -> None:
        message = _dumps(
            {
                "seq": None,
                "type": "presence.changed",
                "data": {"participant_id": presence.participant_id, "online": presence.online},
            }
        )
        room = await self.source.advance(self.code, self.delivered)
        html_cache: dict[str, str] = {}
        for connection in list(self.connections):
            if connection.pending is not None:
                continue
            if connection.format == "json":
                connection.offer(message)
            elif room is not None:
                html = self.renderer.update(connection, room, self.online, None, html_cache)
                if html:
                    connection.offer(html)


def _dumps(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class Channels:
    """All live room channels of this worker."""

    def __init__(self, hub: Hub, source: RoomSource, renderer: Renderer) -> None:
        self.hub = hub
        self.source = source
        self.renderer = renderer
        self._channels: dict[str, RoomChannel] = {}
        self._starting: dict[str, asyncio.Task[RoomChannel]] = {}

    async def channel(self, code: str) -> RoomChannel:
        """The room's channel, started on first use."""
        existing = self._channels.get(code)
        if existing is not None:
            return existing
        task = self._starting.get(code)
        if task is None:
            task = asyncio.create_task(self._start(code))
            self._starting[code] = task
        try:
            return await asyncio.shield(task)
        finally:
            self._starting.pop(code, None)

    async def _start(self, code: str) -> RoomChannel:
        channel = RoomChannel(code, self.hub, self.source, self.renderer, self._on_empty)
        await channel.start()
        self._channels[code] = channel
        return channel

    async def _on_empty(self, channel: RoomChannel) -> None:
        if self._channels.get(channel.code) is channel and not channel.connections:
            del self._channels[channel.code]
            await channel.stop()

    def online(self, code: str) -> set[str]:
        channel = self._channels.get(code)
        return channel.online if channel else set()

    def close_room(self, code: str) -> None:
        """Close every local socket of a deleted room."""
        channel = self._channels.get(code)
        if channel is not None:
            for connection in list(channel.connections):
                connection.close(CLOSE_GONE, "room deleted")

    async def stop(self) -> None:
        for channel in list(self._channels.values()):
            await channel.stop()
        self._channels.clear()
