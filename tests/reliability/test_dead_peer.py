"""Reliability: dead and slow clients against a real `python -m app` server.

The peers under test are plain TCP sockets: they send the websocket upgrade by
hand, read the 101 response, and then never read again — no frames, no pong.

- A phone that goes silent is noticed by uvicorn's keepalive ping within
  WS_PING_INTERVAL_SECONDS + WS_PING_TIMEOUT_SECONDS (20 s + 20 s by default):
  the room shows it offline. A well-behaved client in the same room is not
  dropped.
- A phone that stops reading while events flow is closed with 1013 once its
  bounded outbox fills (connection.OUTBOX_BYTES of text, after whatever the kernel
  and the transport buffer hold); everyone else receives every event, in order.

Detection times are printed (`pytest -s`, or the captured output on failure).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.realtime.connection import CLOSE_TOO_SLOW, OUTBOX_BYTES
from bench.clients import StalledPeer
from tests.servers import APP, LiveServer, free_port

PING_SETTINGS = ("WS_PING_INTERVAL_SECONDS", "WS_PING_TIMEOUT_SECONDS")
PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]
SEQ = re.compile(rb'data-seq="(\d+)"')
SMALL_RCVBUF = 4096
"""The stalled peers' receive buffer (the kernel doubles it): their window closes at once."""
TRANSPORT_HIGH_WATER = 64 * 1024
"""asyncio's default write-buffer high-water mark: beyond it, uvicorn's send() waits."""
CLOSE_KEEPALIVE = 1011

ServerFactory = Callable[[dict[str, str]], Awaitable[LiveServer]]


@pytest.fixture
async def start_server(
    tmp_path: Path, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ServerFactory]:
    """Start `python -m app` with extra settings; the ping settings are the defaults unless set."""
    for name in PING_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    servers: list[LiveServer] = []

    async def start(env: dict[str, str]) -> LiveServer:
        n = len(servers)
        database = tmp_path / f"room-{n}.db"
        shutil.copy(migrated_sqlite, database)
        server = LiveServer(
            port=free_port(),
            database=database,
            log_path=tmp_path / f"server-{n}.log",
            command=APP,
            env={"WRITE_BURST": "100000", "REQUEST_BURST": "100000", **env},
        )
        servers.append(server)
        await server.astart()
        return server

    try:
        yield start
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)
            print(f"--- server log ({server.log_path}) ---\n{server.log(4000)}")


async def until(check: Callable[[], bool], what: str, within: float) -> None:
    """Poll `check` (bounded) until it holds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kernel_buffer_bytes() -> int:
    """At most what the kernel can hold for a peer that does not read: the server's
    send buffer (autotuned up to tcp_wmem's maximum) and our receive buffer."""
    try:
        wmem_max = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        wmem_max = 4 * 1024 * 1024
    return wmem_max + 2 * SMALL_RCVBUF


# ------------------------------------------------------------------ the room
@dataclass
class Room:
    code: str
    facilitator: str
    tokens: list[str]
    ids: list[str]
    notes: list[str] = field(default_factory=list)
    rings: dict[str, str] = field(default_factory=dict)


async def lobby_room(http: httpx.AsyncClient, names: list[str]) -> Room:
    created = await http.post("/api/rooms", json={"title": "Dead peers"})
    assert created.status_code == 201, created.text
    room = Room(created.json()["code"], created.json()["facilitator_token"], [], [])
    for n, name in enumerate(names):
        joined = await http.post(
            f"/api/rooms/{room.code}/join",
            json={"name": name, "perspective": PERSPECTIVES[n % len(PERSPECTIVES)]},
        )
        assert joined.status_code == 201, joined.text
        room.tokens.append(joined.json()["token"])
        room.ids.append(joined.json()["participant_id"])
    return room


async def sorting_room(http: httpx.AsyncClient, participants: int = 8) -> Room:
    """A room in purpose-sort with 24 long Post-its: every move re-sends a phone ~20 KB."""
    room = await lobby_room(http, [f"Phone {n}" for n in range(participants)])
    await set_phase(http, room, "purpose-write")
    for n in range(24):
        written = await http.post(
            f"/api/rooms/{room.code}/notes",
            json={"text": f"Statement {n}: " + "we share what we know about a child " * 7},
            headers=bearer(room.tokens[n % participants]),
        )
        assert written.status_code == 201, written.text
    await set_phase(http, room, "purpose-sort")
    snapshot = await http.get(f"/api/rooms/{room.code}", headers=bearer(room.facilitator))
    room.notes = [note["id"] for note in snapshot.json()["notes"]]
    room.rings = {note["id"]: note["ring"] for note in snapshot.json()["notes"]}
    return room


async def set_phase(http: httpx.AsyncClient, room: Room, phase: str) -> int:
    response = await http.post(
        f"/api/rooms/{room.code}/phase", json={"phase": phase}, headers=bearer(room.facilitator)
    )
    assert response.status_code == 200, response.text
    seq: int = response.json()["seq"]
    return seq


async def move(http: httpx.AsyncClient, room: Room, n: int) -> None:
    """Move the n-th note (cycling) to the other circle: one event, ~1 KB to a phone."""
    note = room.notes[n % len(room.notes)]
    room.rings[note] = "outer" if room.rings[note] == "inner" else "inner"
    response = await http.post(
        f"/api/rooms/{room.code}/notes/{note}/move",
        json={"ring": room.rings[note]},
        headers=bearer(room.facilitator),
    )
    assert response.status_code == 200, response.text


async def move_many(http: httpx.AsyncClient, room: Room, start: int, count: int) -> None:
    """`count` moves, four at a time (each note stays with one of the four writers)."""
    writers = 4
    assert len(room.notes) % writers == 0

    async def writer(w: int) -> None:
        for n in range(start + w, start + count, writers):
            await move(http, room, n)

    await asyncio.gather(*(writer(w) for w in range(writers)))


async def repaint(http: httpx.AsyncClient, room: Room, n: int) -> None:
    """One event that repaints every phone whole: anonymity turned on or off."""
    response = await http.patch(
        f"/api/rooms/{room.code}/options",
        json={"anonymous": n % 2 == 0},
        headers=bearer(room.facilitator),
    )
    assert response.status_code == 200, response.text


async def repaint_many(http: httpx.AsyncClient, room: Room, start: int, count: int) -> None:
    """`count` whole-screen repaints, one after the other: big messages, a backlog fast."""
    for n in range(start, start + count):
        await repaint(http, room, n)


async def snapshot(http: httpx.AsyncClient, room: Room) -> tuple[int, dict[str, bool]]:
    """The facilitator's view: the room's seq, and who is online."""
    response = await http.get(f"/api/rooms/{room.code}", headers=bearer(room.facilitator))
    assert response.status_code == 200, response.text
    body = response.json()
    return body["seq"], {p["id"]: p["online"] for p in body["participants"]}


# ------------------------------------------------------------------ the peers
@dataclass
class Listener:
    """A well-behaved client: reads everything as it comes (and so answers every ping)."""

    kind: str = "json"  # json: the API event stream; html: a page's live channel
    seqs: list[int] = field(default_factory=list)
    arrived: dict[int, float] = field(default_factory=dict)
    presence: list[tuple[float, str, bool]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    close_code: int | None = None
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else 0

    def went(self, participant_id: str, online: bool) -> float | None:
        """When presence.changed said `participant_id` came (True) or went (False)."""
        for at, pid, state in self.presence:
            if pid == participant_id and state == online:
                return at
        return None

    async def run(self, url: str, headers: dict[str, str]) -> None:
        async with connect(
            url, additional_headers=headers, max_size=None, open_timeout=10, ping_interval=None
        ) as ws:
            try:
                for _ in range(1_000_000):  # bounded
                    message = await ws.recv()
                    now = time.monotonic()
                    raw = message.encode() if isinstance(message, str) else message
                    self.opened.set()
                    if self.kind == "json":
                        item = json.loads(raw)
                        if item["type"] == "presence.changed":
                            data = item["data"]
                            self.presence.append((now, data["participant_id"], data["online"]))
                        elif item["type"] != "snapshot":
                            self.seqs.append(item["seq"])
                            self.arrived[item["seq"]] = now
                    else:
                        found = SEQ.findall(raw)
                        if found:
                            self.seqs.append(int(found[-1]))
                            self.sizes.append(len(raw))
            except ConnectionClosed:
                pass
            self.close_code = ws.close_code


async def stop(task: asyncio.Task[None]) -> None:
    if task.done():
        task.result()  # surface why a client ended early
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


# ------------------------------------------------------------------- dead peers
@pytest.mark.parametrize(
    ("env", "lower", "upper"),
    [
        pytest.param({}, 36.0, 45.0, id="defaults-20s+20s"),
        pytest.param(
            {"WS_PING_INTERVAL_SECONDS": "1", "WS_PING_TIMEOUT_SECONDS": "1"},
            1.8,
            5.0,
            id="settings-1s+1s",
        ),
    ],
)
async def test_silent_phone_is_dropped_by_the_keepalive_ping(
    start_server: ServerFactory, env: dict[str, str], lower: float, upper: float
) -> None:
    server = await start_server(env)
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=10.0) as http:
        room = await lobby_room(http, ["Silent", "Steady"])
        silent_id, steady_id = room.ids
        steady = Listener()
        steady_task = asyncio.create_task(
            steady.run(f"{server.ws_url}/api/rooms/{room.code}/events", bearer(room.tokens[1]))
        )
        await asyncio.wait_for(steady.opened.wait(), 10)

        # The silent phone opens its live channel as a phone's page does (room cookie).
        peer = StalledPeer(
            server.port,
            f"/rooms/{room.code}/live?view=phone",
            {"Cookie": f"cg_{room.code}={room.tokens[0]}"},
            rcvbuf=None,
        )
        try:
            opened_at = await asyncio.to_thread(peer.open)
            await until(lambda: steady.went(silent_id, True) is not None, "silent online", 10)
            _, online = await snapshot(http, room)
            assert online == {silent_id: True, steady_id: True}

            await until(
                lambda: steady.went(silent_id, False) is not None,
                "the silent phone to be noticed gone",
                within=upper + 5,
            )
            gone_at = steady.went(silent_id, False)
            assert gone_at is not None
            detected = gone_at - opened_at
            print(
                f"\nsilent phone noticed gone after {detected:.2f} s "
                f"(ping interval + timeout: {env.get(PING_SETTINGS[0], '20 (default)')} + "
                f"{env.get(PING_SETTINGS[1], '20 (default)')} s)"
            )

            # From the outside: the facilitator's snapshot agrees.
            _, online = await snapshot(http, room)
            assert online == {silent_id: False, steady_id: True}
            # The well-behaved client was never dropped and still gets every event.
            seq = await set_phase(http, room, "purpose-write")
            await until(lambda: steady.last == seq, f"the steady client at seq {seq}", 10)
            assert steady.close_code is None
            assert steady.went(steady_id, False) is None
            assert lower <= detected <= upper, detected
        finally:
            peer.close()
            await stop(steady_task)


# -------------------------------------------------------------------- slow peers
@dataclass
class Scene:
    """A sorting room with two well-behaved clients (the API stream and a phone) and
    one phone that has read nothing since its handshake."""

    room: Room
    steady: Listener
    steady_phone: Listener
    peer: StalledPeer
    opened_at: float
    """When the stalled phone's handshake completed: it reads nothing from then on."""
    first: int
    """The room's seq when the stalled phone connected (its initial render shows it)."""
    message_bytes: int
    """The size of one phone update."""


@asynccontextmanager
async def stalled_phone(server: LiveServer, http: httpx.AsyncClient) -> AsyncIterator[Scene]:
    room = await sorting_room(http)
    steady, steady_phone = Listener(), Listener(kind="html")
    tasks = [
        asyncio.create_task(
            steady.run(f"{server.ws_url}/api/rooms/{room.code}/events", bearer(room.tokens[1]))
        ),
        asyncio.create_task(
            steady_phone.run(
                f"{server.ws_url}/rooms/{room.code}/live?view=phone",
                {"Cookie": f"cg_{room.code}={room.tokens[2]}"},
            )
        ),
    ]
    peer = StalledPeer(
        server.port,
        f"/rooms/{room.code}/live?view=phone",
        {"Cookie": f"cg_{room.code}={room.tokens[0]}"},
        rcvbuf=SMALL_RCVBUF,
    )
    try:
        await asyncio.wait_for(steady.opened.wait(), 10)
        await asyncio.wait_for(steady_phone.opened.wait(), 10)
        opened_at = await asyncio.to_thread(peer.open)
        first, _ = await snapshot(http, room)
        await move(http, room, 0)
        await until(lambda: steady_phone.last == first + 1, "the first update", 10)
        yield Scene(room, steady, steady_phone, peer, opened_at, first, steady_phone.sizes[-1])
    finally:
        peer.close()
        for task in tasks:
            await stop(task)


async def test_phone_that_stops_reading_is_closed_with_1013_and_others_get_everything(
    start_server: ServerFactory,
) -> None:
    # Keep the keepalive ping out of this test: it is about the bounded outbox.
    server = await start_server({"WS_PING_INTERVAL_SECONDS": "600"})
    async with (
        httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=10.0) as http,
        stalled_phone(server, http) as scene,
    ):
        room, steady, steady_phone, first = (
            scene.room,
            scene.steady,
            scene.steady_phone,
            scene.first,
        )
        stalled_id = room.ids[0]
        # Enough moves to fill the kernel's buffers, the transport's, then the outbox
        # (moves: whole-screen repaints would replace what the outbox holds).
        size = scene.message_bytes
        needed = (kernel_buffer_bytes() + TRANSPORT_HIGH_WATER + OUTBOX_BYTES) // size + 100
        await move_many(http, room, 1, needed - 1)
        final, _ = await snapshot(http, room)
        assert final == first + needed
        await until(
            lambda: steady.last == final and steady_phone.last == final,
            f"the well-behaved clients at seq {final}",
            30,
        )
        writing = time.monotonic() - scene.opened_at

        # Now the stalled phone reads again: what it was sent, then the close.
        frames = await asyncio.to_thread(scene.peer.drain)
        texts = [f.payload for f in frames if f.opcode == 0x1]
        closes = [f.close for f in frames if f.opcode == 0x8]
        delivered = [int(SEQ.findall(t)[-1]) for t in texts if SEQ.search(t)]
        last = delivered[-1]
        missing = sorted(set(range(first, last + 1)) - set(delivered))
        print(
            f"\n{needed} moves of ~{size} bytes in {writing:.1f} s; the stalled phone "
            f"was sent seq {first}..{last} ({len(delivered)} messages, "
            f"{sum(map(len, texts))} bytes), then close {closes}; it was dropped at "
            f"seq {last + 1}, {steady.arrived[last + 1] - scene.opened_at:.1f} s after it "
            f"stopped reading; missing before the close: {missing}"
        )
        assert closes, "no close frame"
        assert closes[-1][0] == CLOSE_TOO_SLOW, closes
        assert frames[-1].opcode == 0x8, "nothing may follow the close frame"
        assert last < final, "the stalled phone was sent everything: not dropped"
        # Its backlog was dropped whole, so the close came straight after what it read:
        # resuming with since=<last> misses nothing (checked above: no gap before the close).

        # It leaves the room once the closing handshake ends.
        await asyncio.to_thread(scene.peer.reply_close)
        await until(lambda: steady.went(stalled_id, False) is not None, "it leaves", 15)

        # Everyone else: every event, in order, still connected, still online.
        assert steady.seqs == list(range(first + 1, final + 1))
        assert steady_phone.seqs == list(range(first, final + 1))
        assert steady.close_code is None
        assert steady_phone.close_code is None
        _, online = await snapshot(http, room)
        assert online[stalled_id] is False
        assert online[room.ids[1]] is True
        assert online[room.ids[2]] is True


async def test_silent_phone_with_a_backlog_is_dropped_by_the_keepalive_ping(
    start_server: ServerFactory,
) -> None:
    interval, timeout = 20.0, 2.0  # room for a busy machine to build the backlog
    server = await start_server(
        {PING_SETTINGS[0]: f"{interval:g}", PING_SETTINGS[1]: f"{timeout:g}"}
    )
    async with (
        httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=10.0) as http,
        stalled_phone(server, http) as scene,
    ):
        stalled_id = scene.room.ids[0]
        # More than the kernel can hold: the transport's buffer is not empty when the
        # ping times out. Whole-screen repaints (a move sends a phone ~1 KB) build it
        # fast; each supersedes what the outbox holds, so only the kernel and the
        # transport fill and no 1013 is involved.
        seen = scene.steady_phone.last
        await repaint(http, scene.room, 0)
        await until(lambda: scene.steady_phone.last > seen, "a repaint", 10)
        size = scene.steady_phone.sizes[-1]
        needed = (kernel_buffer_bytes() + 2 * TRANSPORT_HIGH_WATER) // size + 2
        await repaint_many(http, scene.room, 1, needed - 1)
        if time.monotonic() - scene.opened_at > interval:
            pytest.fail("the moves took longer than the ping interval: inconclusive")
        window = interval + timeout + 5
        await until(
            lambda: (
                time.monotonic() - scene.opened_at > window
                or scene.steady.went(stalled_id, False) is not None
            ),
            "the window to pass",
            window + 5,
        )
        gone_at = scene.steady.went(stalled_id, False)
        _, online = await snapshot(http, scene.room)
        # The ping did time out: its close frame (1011) waits behind the backlog.
        frames = await asyncio.to_thread(scene.peer.drain)
        closes = [f.close for f in frames if f.opcode == 0x8]
        print(
            f"\nbacklog of {needed} moves; {window:.0f} s after it stopped reading the "
            f"silent phone was {'online' if online[stalled_id] else 'offline'}; noticed gone "
            f"after {'—' if gone_at is None else f'{gone_at - scene.opened_at:.1f} s'}; "
            f"once read, its stream ended with {closes}"
        )
        # app.web.keepalive cuts the transport a moment after the ping timed out (a close
        # frame could never get past the backlog), so the app hears the peer is gone.
        assert closes in ([], [(CLOSE_KEEPALIVE, closes[0][1] if closes else "")])
        assert gone_at is not None, "still online after the ping timed out"
        assert gone_at - scene.opened_at <= window
