"""Scaling out: two uvicorn workers, one PostgreSQL database, one Redis (README "Scaling out").

The contract (shared/api.md): `seq` is per room, starts at 1 and has no gaps;
every member receives every seq, whichever worker holds their socket and
whichever worker took the write; presence is not in the log (`seq` null).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from app.config import PROJECT_ROOT
from app.workshops import load_workshops
from tests.persistence.conftest import PG_URL, scratch_postgres
from tests.scale.conftest import (
    PG_DSN,
    Cluster,
    EventClient,
    Room,
    Worker,
    contribute,
    create_room,
    snapshot,
    wait_for,
    worker_env,
)
from tests.servers import ROOT, free_port, python

PARTICIPANTS = 8
PER_WRITER = 15
CATCH_UP = 15.0  # seconds every client gets to reach the final seq
WRITE_TIMEOUT = 60.0


def rows() -> list[str]:
    workshop = load_workshops(PROJECT_ROOT / "workshops")["multi-agency-visioning"]
    return [row.key for row in workshop.grid_rows]


async def open_clients(cluster: Cluster, room: Room) -> list[EventClient]:
    """The facilitator and 3 participants on A; the facilitator and 3 others on B."""
    plan = [(cluster.a, room.facilitator), *((cluster.a, m) for m in room.participants[:3])]
    plan += [(cluster.b, room.facilitator), *((cluster.b, m) for m in room.participants[3:6])]
    clients = []
    for worker, member in plan:
        client = EventClient(f"{member.label}@{worker.name}", worker, room.code, member.token)
        clients.append(client)
        await client.open()
    return clients


async def close_all(clients: list[EventClient]) -> None:
    await asyncio.gather(*(client.close() for client in clients))


async def write_many(
    http: httpx.AsyncClient,
    cluster: Cluster,
    room: Room,
    *,
    per_writer: int,
    seed: int,
    progress: list[int],
) -> int:
    """Every participant writes `per_writer` contributions to random rows, concurrently,
    alternating between the workers; returns how many were written (all 201)."""
    rng = random.Random(seed)
    keys = rows()

    async def writer(index: int, plan: list[str]) -> None:
        member = room.participants[index]
        for number, row in enumerate(plan):
            worker = cluster.workers[(index + number) % 2]
            await contribute(http, worker, room.code, member, row, f"{member.label} #{number}")
            progress[0] += 1

    plans = [[rng.choice(keys) for _ in range(per_writer)] for _ in room.participants]
    async with asyncio.timeout(WRITE_TIMEOUT):
        await asyncio.gather(*(writer(i, plan) for i, plan in enumerate(plans)))
    return per_writer * len(room.participants)


def stream_problems(client: EventClient, written_from: int, final: int) -> list[str]:
    """What is wrong with one client's stream: it must be exactly S+1…final, where S is
    its snapshot's seq (at most `written_from`, the seq before the writers started)."""
    problems = []
    seqs = client.seqs
    start = client.start_seq
    if start > written_from:
        problems.append(f"snapshot seq {start} is ahead of the log ({written_from})")
    duplicates = sorted(seq for seq, n in Counter(seqs).items() if n > 1)
    if duplicates:
        problems.append(f"duplicates {duplicates[:10]}")
    backwards = [(x, y) for x, y in itertools.pairwise(seqs) if y <= x]
    if backwards:
        problems.append(f"not increasing at {backwards[:5]}")
    missing = sorted(set(range(start + 1, final + 1)) - set(seqs))
    if missing:
        problems.append(f"missing {len(missing)} seqs, first {missing[:10]}")
    extra = sorted(seq for seq in set(seqs) if not start < seq <= final)
    if extra:
        problems.append(f"seqs outside {start + 1}…{final}: {extra[:10]}")
    if not problems and seqs != list(range(start + 1, final + 1)):
        problems.append("stream differs from start+1…final")
    bad_presence = [m for m in client.presence if m["seq"] is not None]
    if bad_presence:
        problems.append(f"presence.changed with a seq: {bad_presence[:3]}")
    if client.closed is not None:
        problems.append(f"socket closed early: {client.closed}")
    return problems


async def assert_everyone_caught_up(clients: list[EventClient], start: int, final: int) -> None:
    await wait_for(lambda: all(c.last_seq >= final for c in clients), CATCH_UP)
    report = {
        client.label: problems
        for client in clients
        if (problems := stream_problems(client, start, final))
    }
    assert not report, f"streams up to {final} are wrong: {report}"


async def assert_same_snapshot(
    http: httpx.AsyncClient, cluster: Cluster, room: Room, final: int
) -> None:
    """A and B answer GET /api/rooms/{code} with the same state (presence may lag a bit)."""
    token = room.facilitator.token
    views: list[Any] = []

    async def fetch() -> None:
        views[:] = await asyncio.gather(
            *(snapshot(http, worker, room.code, token) for worker in cluster.workers)
        )

    for _ in range(50):  # up to ~5 s
        await fetch()
        if views[0] == views[1] and views[0]["seq"] == final:
            break
        await asyncio.sleep(0.1)
    from_a, from_b = views
    assert from_a["seq"] == from_b["seq"] == final
    assert from_a == from_b
    contributions = sum(len(row["contributions"]) for row in from_a["grid"].values())
    assert contributions == final - (PARTICIPANTS + 1)  # joins and one phase change


async def db_seq(cluster: Cluster, code: str) -> int:
    return await asyncio.to_thread(cluster.db_seq, code)


# ------------------------------------------------------------------- tests
@pytest.mark.postgres
@pytest.mark.redis
async def test_every_client_sees_every_event_in_order(cluster: Cluster) -> None:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        room = await create_room(http, cluster.workers, participants=PARTICIPANTS)
        clients = await open_clients(cluster, room)
        try:
            start = await db_seq(cluster, room.code)
            assert start == PARTICIPANTS + 1
            written = await write_many(
                http, cluster, room, per_writer=PER_WRITER, seed=1, progress=[0]
            )
            final = await db_seq(cluster, room.code)
            assert final == start + written  # one event per contribution, nothing lost
            await assert_everyone_caught_up(clients, start, final)
            await assert_same_snapshot(http, cluster, room, final)
        finally:
            await close_all(clients)


@pytest.mark.postgres
@pytest.mark.redis
async def test_presence_crosses_workers(cluster: Cluster) -> None:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        room = await create_room(http, cluster.workers, participants=2)
        member = room.participants[0]
        watcher = EventClient("facilitator@B", cluster.b, room.code, room.facilitator.token)
        await watcher.open()
        participant = EventClient(f"{member.label}@A", cluster.a, room.code, member.token)
        try:

            def seen(online: bool) -> bool:
                return any(
                    m["data"] == {"participant_id": member.participant_id, "online": online}
                    for m in watcher.presence
                )

            def online_via_b(view: Any) -> bool:
                (entry,) = [p for p in view["participants"] if p["id"] == member.participant_id]
                return bool(entry["online"])

            before = await snapshot(http, cluster.b, room.code, room.facilitator.token)
            assert not online_via_b(before)

            await participant.open()
            assert await wait_for(lambda: seen(True), 10.0), watcher.messages
            (arrived,) = [m for m in watcher.presence if m["data"]["online"]]
            assert arrived == {
                "seq": None,
                "type": "presence.changed",
                "data": {"participant_id": member.participant_id, "online": True},
            }
            view = await snapshot(http, cluster.b, room.code, room.facilitator.token)
            assert online_via_b(view)

            await participant.close()
            assert await wait_for(lambda: seen(False), 10.0), watcher.messages
            view = await snapshot(http, cluster.b, room.code, room.facilitator.token)
            assert not online_via_b(view)
            assert [m["data"]["online"] for m in watcher.presence] == [True, False]
            # Presence is not in the log: only logged events carry a seq.
            latest = await db_seq(cluster, room.code)
            assert stream_problems(watcher, latest, latest) == []
        finally:
            await close_all([participant, watcher])


@pytest.mark.postgres
@pytest.mark.redis
async def test_reads_via_the_other_worker_see_the_latest_write(cluster: Cluster) -> None:
    """No socket holds the room on B, so no message brings B's copy up to date: a read via
    B (a page reload behind a load balancer) must still show what was written via A."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        # P0 joins via A, P1 via B (B now holds the room at seq 2), phase via A (seq 3).
        room = await create_room(http, cluster.workers, participants=2)
        latest = await db_seq(cluster, room.code)
        view = await snapshot(http, cluster.b, room.code, room.facilitator.token)
        assert (view["seq"], view["phase"]) == (latest, "grid-write")
        assert [p["id"] for p in view["participants"]] == [
            m.participant_id for m in room.participants
        ]


@pytest.mark.postgres
@pytest.mark.redis
async def test_writes_via_the_other_worker_see_the_latest_write(cluster: Cluster) -> None:
    """A participant who joined via A writes via B once A moved the room on."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        # P0 via A, P1 via B (B holds the room at seq 2), P2 via A, phase via A (seq 4).
        room = await create_room(http, cluster.workers, participants=3)
        before = await db_seq(cluster, room.code)
        for member in (room.participants[2], room.participants[1]):
            await contribute(http, cluster.b, room.code, member, "mission", "via B")
        assert await db_seq(cluster, room.code) == before + 2


@pytest.mark.postgres
@pytest.mark.redis
async def test_redis_restart_leaves_no_gap(cluster: Cluster) -> None:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        room = await create_room(http, cluster.workers, participants=PARTICIPANTS)
        clients = await open_clients(cluster, room)
        try:
            start = await db_seq(cluster, room.code)
            total = PER_WRITER * PARTICIPANTS
            progress = [0]
            restarted_at: list[int] = []

            async def restart_mid_stream() -> None:
                await wait_for(lambda: progress[0] >= total // 3, WRITE_TIMEOUT)
                restarted_at.append(progress[0])
                # Down long enough that publishes fail and the workers notice.
                await cluster.redis.arestart(down_for=1.0)

            async with asyncio.timeout(WRITE_TIMEOUT):
                written, _ = await asyncio.gather(
                    write_many(
                        http, cluster, room, per_writer=PER_WRITER, seed=2, progress=progress
                    ),
                    restart_mid_stream(),
                )
            assert restarted_at, "Redis was not restarted"
            assert restarted_at[0] < total, "Redis was restarted after the writes"
            # A few more writes once Redis is back, through both workers.
            for number in range(4):
                worker = cluster.workers[number % 2]
                member = room.participants[number]
                await contribute(http, worker, room.code, member, "mission", f"after {number}")
            final = await db_seq(cluster, room.code)
            assert final == start + written + 4
            await assert_everyone_caught_up(clients, start, final)
            await assert_same_snapshot(http, cluster, room, final)
        finally:
            await close_all(clients)


@pytest.mark.postgres
@pytest.mark.redis
async def test_events_written_while_redis_is_down_reach_every_client(cluster: Cluster) -> None:
    """Nothing is written after Redis returns: no later event can reveal the gap, so the
    workers must resync from the database on their own (redis_hub.py's promise)."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        room = await create_room(http, cluster.workers, participants=PARTICIPANTS)
        clients = await open_clients(cluster, room)
        try:
            start = await db_seq(cluster, room.code)
            await cluster.redis.astop()
            try:
                writes = [
                    asyncio.create_task(
                        contribute(
                            http, cluster.workers[n % 2], room.code, member, "barriers", "down"
                        )
                    )
                    for n, member in enumerate(room.participants[:6])
                ]
                # Every write is committed before it tries to publish.
                await wait_for(lambda: cluster.db_seq(room.code) >= start + 6, 10.0)
                await asyncio.sleep(1.0)
            finally:
                await cluster.redis.astart()
            async with asyncio.timeout(WRITE_TIMEOUT):
                await asyncio.gather(*writes)
            final = await db_seq(cluster, room.code)
            assert final == start + 6
            await assert_everyone_caught_up(clients, start, final)
        finally:
            await close_all(clients)


# What each worker does as it starts (MIGRATE_ON_START), once all are ready to.
MIGRATE_AT_START = """
import pathlib, sys, time
from app.persistence.store import Store
store = Store(sys.argv[1])
folder, me = pathlib.Path(sys.argv[2]), sys.argv[3]
(folder / f"ready-{me}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists() and time.monotonic() < deadline:
    time.sleep(0.005)
try:
    store.migrate()
finally:
    store.close()
"""


@pytest.mark.postgres
def test_workers_starting_together_migrate_a_fresh_database(tmp_path: Path) -> None:
    """`uvicorn app.main:app --workers 3` on an empty PostgreSQL database: every worker
    process migrates as it starts, at the same moment; all of them must come up."""
    workers = 3
    with scratch_postgres() as name:
        url = PG_URL.format(name=name)
        processes = [
            subprocess.Popen(
                [python(), "-c", MIGRATE_AT_START, url, str(tmp_path), str(n)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for n in range(workers)
        ]
        try:
            deadline = time.monotonic() + 60
            while len(list(tmp_path.glob("ready-*"))) < workers and time.monotonic() < deadline:
                time.sleep(0.01)
            (tmp_path / "go").touch()
            results = [process.communicate(timeout=60) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate(timeout=10)
        failures = [
            f"exit {process.returncode}: {output.decode(errors='replace').strip()[-600:]}"
            for process, (output, _) in zip(processes, results, strict=True)
            if process.returncode != 0
        ]
        assert failures == [], "\n\n".join(failures)
        with psycopg.connect(PG_DSN.format(name=name), connect_timeout=3) as conn:
            versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(versions) == 1


def test_memory_broker_refuses_two_processes(tmp_path: Path, migrated_sqlite: Path) -> None:
    database = tmp_path / "solo.db"
    shutil.copy(migrated_sqlite, database)
    env = worker_env(f"sqlite:///{database}", "memory://")
    first = Worker("first", free_port(), env, tmp_path / "first.log")
    second = Worker("second", free_port(), env, tmp_path / "second.log")
    cli_env = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    cli = subprocess.Popen(
        [python(), "-m", "app", "--workers", "2", "--port", str(free_port())],
        cwd=ROOT,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        first.start()
        second.spawn()
        code = second.wait_exit()
        output = second.log()
        assert code != 0, output
        assert "memory://" in output, output
        assert "one process" in output, output
        health = httpx.get(f"{first.base_url}/healthz", trust_env=False, timeout=5)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}

        cli_output, _ = cli.communicate(timeout=60)
        text = cli_output.decode(errors="replace")
        assert cli.returncode == 2, text
        assert "--workers" in text, text
        assert "memory://" in text, text
        assert "redis://" in text, text
    finally:
        if cli.poll() is None:  # it started serving instead of refusing
            cli.terminate()
            try:
                cli.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                cli.kill()
                cli.communicate(timeout=10)
        second.stop()
        first.stop()
        print(f"--- first ---\n{first.log()}\n--- second ---\n{second.log()}")
