"""A socket's bounded outbox (app/realtime/channels.py): what a client that stops
reading is sent before it is closed with 1013.

The real-server version (kernel buffers, uvicorn) is in
tests/reliability/test_dead_peer.py; here the outbox alone, deterministically.
"""

from __future__ import annotations

from app.domain.events import Viewer
from app.realtime.channels import RoomChannel
from app.realtime.connection import (
    CLOSE_TOO_SLOW,
    OUTBOX_BYTES,
    SEND_QUEUE,
    STUCK_AFTER,
    Connection,
)
from app.realtime.hub import MemoryHub


def stalled_connection() -> Connection:
    """A phone's connection whose sender has stopped draining the outbox."""
    return Connection("ABCDEF", Viewer("participant", "p1"), "html")


async def drain(connection: Connection) -> list[str | None]:
    """What the sender would write, in order, once the client reads again."""
    out: list[str | None] = []
    while True:
        item = await connection.outbox.get()
        out.append(item)
        if item is None:
            return out


async def test_a_full_outbox_closes_the_socket_with_1013_and_stops_growing() -> None:
    connection = stalled_connection()
    for n in range(SEND_QUEUE):
        connection.offer(f"event {n}")
    assert connection.close_code is None
    connection.offer(f"event {SEND_QUEUE}")  # one more than the bound: too slow
    assert (connection.close_code, connection.close_reason) == (
        CLOSE_TOO_SLOW,
        "too slow: reconnect to catch up",
    )
    for n in range(SEND_QUEUE + 1, 3 * SEND_QUEUE):  # later events are not queued
        connection.offer(f"event {n}")
    sent = await drain(connection)
    assert sent[-1] is None  # then the close
    assert len(sent) <= SEND_QUEUE + 1
    assert f"event {SEND_QUEUE}" not in sent


async def test_a_first_message_larger_than_the_bound_does_not_crowd_out_updates() -> None:
    """A snapshot or whole page over OUTBOX_BYTES, not yet taken by the sender, and the
    small updates that follow it at once: the client is not too slow, it is joining.
    What waits behind the head is still bounded."""
    connection = stalled_connection()
    await connection.put("s" * (OUTBOX_BYTES + 100_000))  # a 300-person room's snapshot
    connection.offer("an update")
    assert connection.close_code is None
    for n in range(OUTBOX_BYTES // 1000):
        connection.offer(f"{n:04d}" + "u" * 996)
    assert connection.close_code is None
    connection.offer("u" * 2000)  # what waits behind the snapshot passes the bound
    assert connection.close_code == CLOSE_TOO_SLOW


async def test_a_slow_client_is_closed_at_once_with_no_gap() -> None:
    """Its backlog is dropped whole, so the close goes out next and the client, which
    resumes with since=<the last event it read>, misses nothing."""
    connection = stalled_connection()
    for n in range(SEND_QUEUE + 1):
        connection.offer(f"event {n}")
    assert await drain(connection) == [None]
    assert connection.close_code == CLOSE_TOO_SLOW


async def test_other_closes_go_out_after_everything_queued() -> None:
    connection = stalled_connection()
    for n in range(SEND_QUEUE):
        connection.offer(f"event {n}")
    connection.close(1012, "restarting")
    sent = await drain(connection)
    assert sent == [*(f"event {n}" for n in range(SEND_QUEUE)), None]


async def test_the_heartbeat_lets_go_of_a_socket_whose_send_never_finishes() -> None:
    """A peer that vanished with data on its way: its send hangs; the channel's heartbeat
    lets go of it after STUCK_AFTER seconds (without a timer per message)."""
    channel = RoomChannel("ABCDEF", MemoryHub(), None, None, None, "w1")  # type: ignore[arg-type]
    stuck, busy, idle = stalled_connection(), stalled_connection(), stalled_connection()
    released: list[Connection] = []
    for connection in (stuck, busy, idle):
        channel.connections.add(connection)
        connection.on_stuck = lambda c=connection: released.append(c)
    now = 1_000.0
    stuck.sending_since = now - STUCK_AFTER - 1
    busy.sending_since = now - 1  # sending, but not for long
    channel._let_go_of_stuck(now)
    assert released == [stuck]
