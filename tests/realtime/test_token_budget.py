"""One token's sockets share one byte budget (app/web/socket_gate.py), on top of each
socket's own bound; and sockets of one audience share one message object
(app/realtime/channels.py), instead of a fresh string each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain.events import Event, Viewer
from app.domain.workshop import Workshop
from app.realtime.channels import RoomChannel
from app.realtime.connection import CLOSE_TOO_SLOW, OUTBOX_BYTES, Connection
from app.realtime.hub import MemoryHub
from app.web.socket_gate import SocketGate, TooMany
from tests.domain.support import new_room

KIB = 1024
UPDATE = "u" * (16 * KIB)
"""One live update of a big room (300 notes): 16 KiB of text."""


def gate(per_token: int = 20, per_address: int = 100, token_bytes: int = 512 * KIB) -> SocketGate:
    return SocketGate(
        per_token=per_token, per_address=per_address, token_bytes=token_bytes, replays=2
    )


def connect(door: SocketGate, token: str = "ROOM:p1", address: str = "10.0.0.1") -> Connection:
    connection = Connection("ROOM", Viewer("participant", "p1"), "html")
    outbox = door.admit(token, address)
    outbox.connection, connection.outbox = connection, outbox
    return connection


def test_stalled_sockets_of_one_token_hold_at_most_its_budget() -> None:
    """Ten sockets on one token stop reading: together they hold at most 512 KiB (+ one
    update), not 10 x 256 KiB; each overflow closes the one holding most, 1013."""
    door = gate()
    stalled = [connect(door) for _ in range(10)]
    for _ in range(40):
        for connection in stalled:
            connection.offer(UPDATE)
        assert door.held("ROOM:p1") <= 512 * KIB + len(UPDATE)
    closed = [c for c in stalled if c.close_code == CLOSE_TOO_SLOW]
    assert len(closed) >= 8
    assert all(c.outbox.bytes == 0 for c in closed)  # freed at once
    assert all(c.outbox.bytes <= OUTBOX_BYTES for c in stalled)


async def test_a_reading_socket_is_not_closed_for_its_stalled_siblings() -> None:
    door = gate(token_bytes=256 * KIB)
    stalled = [connect(door) for _ in range(3)]
    reading = connect(door)
    for _ in range(30):
        for connection in [*stalled, reading]:
            connection.offer(UPDATE)
        while reading.outbox.bytes:  # this phone reads everything it is sent
            await reading.outbox.get()
    assert reading.close_code is None
    assert {c.close_code for c in stalled} == {CLOSE_TOO_SLOW}


def test_other_tokens_are_not_charged() -> None:
    door = gate(token_bytes=256 * KIB)
    mine = [connect(door, "ROOM:p1") for _ in range(3)]
    theirs = connect(door, "ROOM:p2")
    for _ in range(20):
        for connection in mine:
            connection.offer(UPDATE)
    theirs.offer(UPDATE)
    assert door.held("ROOM:p2") == len(UPDATE)
    assert theirs.close_code is None


def test_caps_on_sockets_per_token_and_per_address() -> None:
    door = gate(per_token=3, per_address=5)
    held = [door.admit("ROOM:p1", "10.0.0.1") for _ in range(3)]
    with pytest.raises(TooMany, match="3 live connections"):
        door.admit("ROOM:p1", "10.0.0.2")
    door.admit("ROOM:p2", "10.0.0.1")
    door.admit("ROOM:p3", "10.0.0.1")
    with pytest.raises(TooMany, match="5 live connections"):
        door.admit("ROOM:p4", "10.0.0.1")
    door.leave("ROOM:p1", "10.0.0.1", held[0])
    door.admit("ROOM:p1", "10.0.0.1")  # one closed: room for another


class FreshStrings:
    """A renderer that, like the real one, joins a new string for every connection."""

    def initial(self, *args: Any) -> str:
        return "".join(["<div>", "all"])

    def update(self, connection: Connection, room: Any, online: Any, parts: Any, cache: Any) -> str:
        audience = connection.viewer.participant_id or "board"
        return "".join(["<p id='x'>", "same for everyone" if audience != "p9" else "p9's own"])

    def follow(self, *args: Any) -> str:
        return ""


class Source:
    def __init__(self, room: Any) -> None:
        self.room = room

    async def advance(self, code: str, seq: int) -> Any:
        return self.room

    async def events_between(self, code: str, after: int, until: int | None) -> list[Event]:
        return []

    def cached(self, code: str) -> Any:
        return self.room


async def nothing(_: RoomChannel) -> None:
    return None


def test_one_message_object_per_audience(workshop: Workshop) -> None:
    room = new_room(workshop)
    channel = RoomChannel("ROOM", MemoryHub(), Source(room), FreshStrings(), nothing, "w1")
    phones = [Connection("ROOM", Viewer("participant", f"p{n}"), "html") for n in range(10)]
    for connection in phones:
        connection.pending = None
        channel.connections.add(connection)
    event = Event(seq=room.seq + 1, type="room.locked", at=datetime.now(UTC), data={"locked": True})
    room.apply(event)
    channel._fan_out(room, event)
    queued = [c.outbox._items[0] for c in phones if c.outbox._items]
    assert len(queued) == len(phones)
    assert all(q is queued[0] for q in queued[:9])  # the same object, not ten copies
    assert queued[9] is not queued[0]  # p9's own audience
    assert "p9's own" in str(queued[9])


def test_one_big_message_per_socket_is_not_a_backlog() -> None:
    """The board and the control view (one token) each get a whole screen of a 300-person
    room at once: over the budget together, but neither is behind, so neither is closed."""
    door = gate(token_bytes=256 * KIB)
    board, control = connect(door, "ROOM:facilitator"), connect(door, "ROOM:facilitator")
    screen = "s" * (200 * KIB)
    board.offer(screen, supersedes=True)
    control.offer(screen, supersedes=True)
    assert (board.close_code, control.close_code) == (None, None)
    board.offer(screen, supersedes=True)  # a screen replaces the one queued
    assert board.close_code is None
    control.offer(UPDATE)  # now the control view is behind: it goes
    assert control.close_code == CLOSE_TOO_SLOW
    assert board.close_code is None
