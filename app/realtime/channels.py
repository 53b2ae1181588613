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
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from app.domain.events import Event, wire
from app.domain.registry import SCREEN, Part
from app.domain.room import Room
from app.realtime.connection import (
    CLOSE_GONE,
    CLOSE_REMOVED,
    STUCK_AFTER,
    Connection,
)
from app.realtime.hub import Hub
from app.realtime.messages import (
    Hello,
    Presence,
    Resync,
    Roster,
    decode,
    encode_hello,
    encode_presence,
    encode_roster,
)
from app.realtime.presence import HEARTBEAT, Attendance
from app.realtime.updates import SMALL_CATCH_UP, seq_marker, touched

log = logging.getLogger(__name__)


class Renderer(Protocol):
    """Turns room state into the HTML fragments a live page swaps in. `update` gets a
    cache shared by every connection for one change: rendered once per audience."""

    def initial(
        self, connection: Connection, room: Room, online: frozenset[str], cache: dict[str, str]
    ) -> str: ...

    def update(
        self,
        connection: Connection,
        room: Room,
        online: frozenset[str],
        parts: tuple[Part, ...],
        cache: dict[str, str],
    ) -> str: ...

    def follow(
        self, connection: Connection, room: Room, online: frozenset[str], cache: dict[str, str]
    ) -> str: ...  # what changed beyond the parts (suggestions): a message of its own


class RoomSource(Protocol):
    """Where a channel gets the room's state and any events it missed."""

    async def advance(self, code: str, seq: int) -> Room | None: ...

    async def events_between(self, code: str, after: int, until: int | None) -> list[Event]: ...

    def cached(self, code: str) -> Room | None:
        """The room if this worker holds it in memory (no I/O)."""
        ...


class RoomChannel:
    """The live side of one room on this worker."""

    def __init__(
        self,
        code: str,
        hub: Hub,
        source: RoomSource,
        renderer: Renderer,
        on_empty: Callable[[RoomChannel], Awaitable[None]],
        worker: str,
    ) -> None:
        self.code = code
        self.hub = hub
        self.source = source
        self.renderer = renderer
        self.on_empty = on_empty
        self.worker = worker
        self.connections: set[Connection] = set()
        self.attendance = Attendance()
        self.delivered = 0
        self.version = 0  # bumped whenever what a page shows may change (event, presence)
        self._initial: tuple[tuple[int, int], dict[str, str]] = ((-1, -1), {})
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._dropping: set[asyncio.Task[None]] = set()

    # -------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        room = await self.source.advance(self.code, 0)
        self.delivered = room.seq if room else 0
        self._tasks = [
            asyncio.create_task(self._run(), name=f"channel:{self.code}"),
            asyncio.create_task(self._heartbeat(), name=f"presence:{self.code}"),
        ]
        await self.ready.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for connection in list(self.connections):
            connection.close(1012, "server restarting")

    async def _run(self) -> None:
        async with self.hub.subscribe(self.code) as messages:
            self.ready.set()
            # Anything stored between reading the room and subscribing, and
            # who is connected to the other workers.
            await self._resync()
            await self.hub.publish(self.code, encode_hello(Hello(self.worker)))
            async for message in messages:
                try:
                    await self._handle(message)
                except Exception:  # a bad message must not kill the room's channel
                    log.exception("channel %s: could not deliver a message", self.code)

    async def _handle(self, message: str) -> None:
        item = decode(message)
        if isinstance(item, Resync):
            await self._resync()
            await self.hub.publish(self.code, encode_hello(Hello(self.worker)))
        elif isinstance(item, Hello):
            if item.worker != self.worker:
                await self._announce()
        elif isinstance(item, Roster | Presence):
            if item.worker != self.worker:
                self._remote_presence(item)
        else:
            await self._deliver_in_order(item)

    async def _resync(self) -> None:
        """Deliver whatever the log holds beyond what this channel delivered."""
        missed = await self.source.events_between(self.code, self.delivered, None)
        for event in missed:
            await self._deliver_in_order(event)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            await self._announce()
            self._expire()
            self._let_go_of_stuck(time.monotonic())

    def _let_go_of_stuck(self, now: float) -> None:
        """Sockets whose peer vanished with data on its way (no per-send timer needed)."""
        for connection in list(self.connections):
            since = connection.sending_since
            if since and now - since > STUCK_AFTER and connection.on_stuck is not None:
                connection.on_stuck()

    # --------------------------------------------------------------- presence
    @property
    def online(self) -> frozenset[str]:
        """Participants connected to this worker or, as last heard, to another."""
        return self.attendance.online

    async def _announce(self) -> None:
        roster = Roster(self.worker, frozenset(self.attendance.local))
        await self.hub.publish(self.code, encode_roster(roster))

    def _remote_presence(self, item: Roster | Presence) -> None:
        before = self.online
        self.attendance.heard(item)
        self._presence_changed(before)

    def _expire(self) -> None:
        before = self.online
        self.attendance.expire()
        self._presence_changed(before)

    def _presence_changed(self, before: frozenset[str]) -> None:
        after = self.online
        if before != after:
            self.version += 1
        for participant_id in before ^ after:
            self._deliver_presence(participant_id, participant_id in after)

    # ------------------------------------------------------------ connections
    async def attach(self, connection: Connection, since: int | None) -> None:
        """Register a socket and queue what it needs first: a snapshot or a replay.
        The socket's sender must already be running: the snapshot or replay is queued
        with back-pressure, however long. Live events that arrive meanwhile wait in
        `connection.pending`, sent after it, skipping any it already covered."""
        self.connections.add(connection)
        connection.on_too_slow = self._drop
        connection.pending = []
        try:
            room = await self.source.advance(self.code, self.delivered)
            if room is None:
                connection.close(CLOSE_GONE, "room deleted")
                return
            if connection.format == "html":
                await self._catch_up(connection, room, since)
            elif since is None:
                snapshot = room.snapshot(connection.viewer, self.online)
                await connection.put(
                    _dumps({"seq": room.seq, "type": "snapshot", "data": snapshot})
                )
                connection.last_seq = room.seq
            else:
                connection.last_seq = since
                for event in await self.source.events_between(self.code, since, None):
                    if event.seq > connection.last_seq:
                        connection.last_seq = event.seq
                        shown = wire(event, connection.viewer, names_visible=room.names_visible)
                        await connection.put(shown)
        finally:
            room = await self.source.advance(self.code, self.delivered)
            # No await from here on: nothing can overtake the pending events.
            pending, connection.pending = connection.pending or [], None
            if room is not None:
                for event in pending:
                    self._send(connection, room, event, {}, {}, touched(room, [event]))
        await self._presence_change(connection, +1)

    async def _catch_up(self, connection: Connection, room: Room, since: int | None) -> None:
        """A page's first render, or what it missed since `since`: the parts the
        missed events touched, unless the whole page is smaller (a page that missed
        nothing gets its seq alone: opening pages must not each render a page)."""
        missed: list[Event] | None = None
        for _ in range(3):  # the room may move on while the log is read
            if since is None or not 0 <= since <= room.seq:
                break
            missed = await self.source.events_between(self.code, since, None)
            if (missed[-1].seq if missed else since) == room.seq:
                break
            missed = None
        seq = room.seq  # no await from here on: the render and the marker agree
        html = None  # what changed, when it is known to be smaller than the page
        if missed is not None and SCREEN not in (parts := touched(room, missed)):
            html = self.renderer.update(connection, room, self.online, parts, {}) if parts else ""
            html += self.renderer.follow(connection, room, self.online, {})
        if html is None or len(html) > SMALL_CATCH_UP:  # else no page is smaller
            whole = self.renderer.initial(connection, room, self.online, self._initial_cache(seq))
            html = html if html is not None and len(html) < len(whole) else whole
        connection.last_seq = seq
        await connection.put(html + seq_marker(seq))

    def _initial_cache(self, seq: int) -> dict[str, str]:
        """Blocks rendered for sockets that connect while nothing changes: shared by them.
        Keyed by the room's seq too: the room may be ahead of what this channel has
        delivered (an event in flight), and a render must match its marker."""
        key = (self.version, seq)
        if self._initial[0] != key:
            self._initial = (key, {})
        return self._initial[1]

    def _drop(self, connection: Connection) -> None:
        task = asyncio.create_task(self.detach(connection))
        self._dropping.add(task)
        task.add_done_callback(self._dropping.discard)

    async def detach(self, connection: Connection) -> None:
        """Let go of a socket (once: a dropped socket's handler detaches it again)."""
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        await self._presence_change(connection, -1)
        if not self.connections:
            await self.on_empty(self)

    async def _presence_change(self, connection: Connection, delta: int) -> None:
        participant_id = connection.viewer.participant_id
        if participant_id is None or connection.close_code == CLOSE_REMOVED:
            return
        before = self.online
        if not self.attendance.count(participant_id, delta):
            return
        self._presence_changed(before)
        presence = Presence(self.worker, participant_id, participant_id in self.attendance.local)
        await self.hub.publish(self.code, encode_presence(presence))

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
        self.version += 1
        json_cache: dict[str, str] = {}
        html_cache: dict[str, str] = {}
        parts = touched(room, [event])
        removed = event.data.get("participant_id") if event.type == "participant.removed" else None
        for connection in list(self.connections):
            if connection.pending is not None:
                connection.pending.append(event)
                continue
            self._send(connection, room, event, json_cache, html_cache, parts)
            if removed is not None and connection.viewer.participant_id == removed:
                connection.close(CLOSE_REMOVED, "removed by the facilitator")
        if removed is not None:
            before = self.online
            self.attendance.forget(removed)
            self._presence_changed(before)

    def _send(
        self,
        connection: Connection,
        room: Room,
        event: Event,
        json_cache: dict[str, str],
        html_cache: dict[str, str],
        parts: tuple[Part, ...],
    ) -> None:
        if connection.format == "json":
            self._send_event(connection, event, json_cache)
            return
        if event.seq <= connection.last_seq:
            return
        # A whole screen shows the room as it is now, later events included: it stands
        # for them, and for whatever this socket had not yet been sent.
        whole = SCREEN in parts
        seq = room.seq if whole else event.seq
        connection.last_seq = seq
        html = self.renderer.update(connection, room, self.online, parts, html_cache)
        if after := self.renderer.follow(connection, room, self.online, html_cache):
            if html:  # (an update of its own follows, with the seq the page then shows)
                connection.offer(html_cache.setdefault(html, html), supersedes=whole)
            html, whole = after, False
        if html:  # one string per audience: the sockets that get the same bytes share it
            shared = html_cache.setdefault(message := html + seq_marker(seq), message)
            connection.offer(shared, supersedes=whole)

    def _send_event(self, connection: Connection, event: Event, cache: dict[str, str]) -> None:
        if event.seq <= connection.last_seq:
            return
        connection.last_seq, room = event.seq, self.source.cached(self.code)
        names_visible = room is not None and room.names_visible  # the room's options now
        key = event.view_key(connection.viewer, names_visible=names_visible)
        if key not in cache:
            cache[key] = wire(event, connection.viewer, names_visible=names_visible)
        connection.offer(cache[key])

    def _deliver_presence(self, participant_id: str, online: bool) -> None:
        """Tell local sockets someone came or went (presence is not in the log)."""
        message = _dumps(
            {
                "seq": None,
                "type": "presence.changed",
                "data": {"participant_id": participant_id, "online": online},
            }
        )
        room = self.source.cached(self.code)
        html_cache: dict[str, str] = {}
        parts = (Part("presence", participant_id),)
        for connection in list(self.connections):
            if connection.pending is not None:
                continue
            if connection.format == "json":
                connection.offer(message)
            elif room is not None:
                html = self.renderer.update(connection, room, self.online, parts, html_cache)
                if html:
                    connection.offer(html)


def _dumps(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class Channels:
    """All live room channels of this worker."""

    def __init__(self, hub: Hub, source: RoomSource, renderer: Renderer) -> None:
        self.worker = uuid.uuid4().hex[:12]
        """This process's name in presence messages."""
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
        channel = RoomChannel(
            code, self.hub, self.source, self.renderer, self._on_empty, self.worker
        )
        await channel.start()
        self._channels[code] = channel
        return channel

    async def _on_empty(self, channel: RoomChannel) -> None:
        if self._channels.get(channel.code) is channel and not channel.connections:
            del self._channels[channel.code]
            await channel.stop()

    def online(self, code: str) -> frozenset[str]:
        channel = self._channels.get(code)
        return channel.online if channel else frozenset()

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
