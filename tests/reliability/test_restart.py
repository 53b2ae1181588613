"""Reliability: a real server process is stopped (SIGTERM) or killed (SIGKILL) mid-session.

Each test starts `python -m app` on a free loopback port with its own SQLite
file, stops it by its PID, and starts it again on the same port and database.
What must hold (shared/api.md): the event stream resumes with `since=N` and no
gap or duplicate; a write answered 2xx is never lost; writes are idempotent by
their client-chosen id, so retrying after a crash never duplicates anything.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import require
from tests.servers import APP, STOP_TIMEOUT, LiveServer, free_port

SERVICE_RESTART = 1012
GRID_ROWS = ["means", "mission", "outcomes", "effective", "barriers"]
PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]


@pytest.fixture
async def server(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[LiveServer]:
    require(hasattr(signal, "SIGKILL") and os.name == "posix", "needs POSIX signals")
    database = tmp_path / "x.db"
    shutil.copy(migrated_sqlite, database)
    instance = LiveServer(
        port=free_port(),
        database=database,
        log_path=tmp_path / "server.log",
        command=APP,
        env={"WRITE_BURST": "100000"},
    )
    await instance.astart()
    try:
        yield instance
    finally:
        await asyncio.to_thread(instance.stop)
        print(f"--- server log ({instance.log_path}) ---\n{instance.log(20_000)}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def until(check: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """Poll `check` (bounded) until it holds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Room:
    code: str
    facilitator: str
    participants: list[str]


async def setup_room(http: httpx.AsyncClient, participants: int) -> Room:
    response = await http.post("/api/rooms", json={"title": "Restart drill"})
    assert response.status_code == 201, response.text
    code, facilitator = response.json()["code"], response.json()["facilitator_token"]
    tokens = []
    for n in range(participants):
        joined = await http.post(
            f"/api/rooms/{code}/join",
            json={"name": f"P{n}", "perspective": PERSPECTIVES[n % len(PERSPECTIVES)]},
        )
        assert joined.status_code == 201, joined.text
        tokens.append(joined.json()["token"])
    phase = await http.post(
        f"/api/rooms/{code}/phase", json={"phase": "grid-write"}, headers=bearer(facilitator)
    )
    assert phase.status_code == 200, phase.text
    return Room(code, facilitator, tokens)


async def room_seq(http: httpx.AsyncClient, room: Room) -> int:
    response = await http.get(f"/api/rooms/{room.code}", headers=bearer(room.facilitator))
    assert response.status_code == 200, response.text
    seq: int = response.json()["seq"]
    return seq


async def contribute(
    http: httpx.AsyncClient, room: Room, token: str, row: str, item_id: str
) -> httpx.Response:
    return await http.post(
        f"/api/rooms/{room.code}/grid/{row}/contributions",
        json={"id": item_id, "text": f"contribution {item_id[:8]}"},
        headers=bearer(token),
    )


# --------------------------------------------------------------------- test 1
@dataclass
class EventClient:
    """One JSON event-stream client: every seq it received, in order, across sockets."""

    token: str
    seqs: list[int] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else 0

    async def run(self, url: str) -> None:
        """Read one socket until the server closes it; record the close code."""
        ws: ClientConnection
        async with connect(url, additional_headers=bearer(self.token), open_timeout=5) as ws:
            try:
                for _ in range(100_000):  # bounded
                    message = json.loads(await ws.recv())
                    assert message["type"] != "snapshot", "a since=N socket sent a snapshot"
                    if message["seq"] is not None:  # presence.changed is not in the log
                        self.seqs.append(message["seq"])
            except ConnectionClosed:
                pass
            self.close_codes.append(ws.close_code)


async def test_sigterm_closes_with_1012_and_clients_resume(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=5.0) as http:
        room = await setup_room(http, participants=3)
        clients = [EventClient(token) for token in room.participants]

        def stream(client: EventClient) -> str:
            return f"{server.ws_url}/api/rooms/{room.code}/events?since={client.last}"

        # First sockets: since=0 replays 1..S, then live events follow.
        tasks = [asyncio.create_task(c.run(stream(c))) for c in clients]
        for n, token in enumerate(room.participants * 2):
            ok = await contribute(http, room, token, GRID_ROWS[n % 5], str(uuid.uuid4()))
            assert ok.status_code == 201, ok.text
        before = await room_seq(http, room)
        await until(lambda: all(c.last == before for c in clients), f"clients at seq {before}")

        # SIGTERM: every socket is closed with 1012 Service Restart, the process exits.
        server.signal(signal.SIGTERM)
        async with asyncio.timeout(STOP_TIMEOUT):
            await asyncio.gather(*tasks)
        # A clean exit: uvicorn finishes its shutdown, then re-raises the signal it caught.
        assert await server.await_exit() in (0, -signal.SIGTERM), server.log()
        for client in clients:
            assert client.close_codes == [SERVICE_RESTART], client.close_codes

        # Same port, same database. Writes land before and after the clients return.
        await server.astart()
        assert await room_seq(http, room) == before
        ok = await contribute(http, room, room.participants[0], "mission", str(uuid.uuid4()))
        assert ok.status_code == 201, ok.text
        tasks = [asyncio.create_task(c.run(stream(c))) for c in clients]
        for n, token in enumerate(room.participants * 3):
            ok = await contribute(http, room, token, GRID_ROWS[n % 5], str(uuid.uuid4()))
            assert ok.status_code == 201, ok.text
        final = await room_seq(http, room)
        assert final == before + 1 + 3 * 3
        await until(lambda: all(c.last == final for c in clients), f"clients at seq {final}")

        for client in clients:
            assert client.seqs == list(range(1, final + 1)), client.seqs
            assert client.last == await room_seq(http, room)
        for task in tasks:
            if task.done():  # a socket that ended early: surface why
                task.result()
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --------------------------------------------------------------------- test 2
WRITERS = 30
PARTICIPANTS = 10
RUN_BEFORE_KILL = 1.5


@dataclass
class Writer:
    token: str
    row: str
    acked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Sent but not answered 2xx: the server died before (or while) answering."""
    first_ack: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at this writer's first acknowledged write (the writers may share one)."""

    async def run(self, base_url: str, room: Room, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=5.0) as http:
            for _ in range(10_000):  # bounded
                if stop.is_set():
                    return
                item_id = str(uuid.uuid4())
                try:
                    response = await contribute(http, room, self.token, self.row, item_id)
                except httpx.TransportError:
                    self.failed.append(item_id)
                    return  # the server is gone
                if response.status_code in (200, 201):
                    self.acked.append(item_id)
                    self.first_ack.set()
                else:
                    self.failed.append(item_id)


async def test_kill_9_loses_no_acknowledged_write(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=10.0) as http:
        room = await setup_room(http, participants=PARTICIPANTS)
        acked_once = asyncio.Event()
        writers = [
            Writer(
                room.participants[n % PARTICIPANTS],
                GRID_ROWS[n % len(GRID_ROWS)],
                first_ack=acked_once,
            )
            for n in range(WRITERS)
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(server.base_url, room, stop)) for w in writers]
        # Writes under way, some acknowledged (however busy the machine), then the kill.
        await asyncio.wait_for(acked_once.wait(), 60)
        await asyncio.sleep(RUN_BEFORE_KILL)
        server.signal(signal.SIGKILL)
        assert await server.await_exit() == -signal.SIGKILL
        async with asyncio.timeout(15):
            await asyncio.gather(*tasks)
        stop.set()
        acked = [i for w in writers for i in w.acked]
        failed = [i for w in writers for i in w.failed]
        assert acked, "no write was acknowledged before the kill"

        await server.astart()
        retried: dict[int, int] = {}
        for writer in writers:
            for item_id in writer.failed:  # the same id again: idempotent
                response = await contribute(http, room, writer.token, writer.row, item_id)
                assert response.status_code in (200, 201), response.text
                assert response.json()["id"] == item_id
                retried[response.status_code] = retried.get(response.status_code, 0) + 1

        snapshot = await http.get(f"/api/rooms/{room.code}", headers=bearer(room.facilitator))
        assert snapshot.status_code == 200, snapshot.text
        ids = [c["id"] for row in snapshot.json()["grid"].values() for c in row["contributions"]]
        assert len(ids) == len(set(ids)), "a contribution id appears twice"
        present = set(ids)
        lost = [i for i in acked if i not in present]
        assert not lost, f"{len(lost)} acknowledged writes lost"
        assert set(failed) <= present, "a retried write is missing"
        assert len(ids) == len(acked) + len(failed)

        archive = await http.get(
            f"/api/rooms/{room.code}/archive", headers=bearer(room.facilitator)
        )
        assert archive.status_code == 200, archive.text
        events = archive.json()["events"]
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(1, len(seqs) + 1)), "the event log has a gap or duplicate"
        assert seqs[-1] == snapshot.json()["seq"]
        added = [
            e["data"]["contribution"]["id"] for e in events if e["type"] == "contribution.added"
        ]
        assert sorted(added) == sorted(ids)

        print(
            f"\nkill -9: writers={WRITERS} acknowledged_before_kill={len(acked)} "
            f"unacknowledged={len(failed)} retried_200(already stored)={retried.get(200, 0)} "
            f"retried_201(newly stored)={retried.get(201, 0)} lost={len(lost)} "
            f"events={len(seqs)}"
        )
