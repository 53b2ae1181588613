"""`--only scaled`: fan-out with PostgreSQL + Redis and 1 or 2 app workers, when both are here."""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.live import app_commander, app_conns, make_room, run_fanout
from bench.procs import CpuMeter, app_server, listening, started
from tests.servers import free_port

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_services(logs: Path) -> Iterator[tuple[str, str]]:
    """A scratch PostgreSQL database and a dedicated redis-server, both removed after."""
    import psycopg

    name = f"cg_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    args = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    try:
        with started("redis", args, {}, port, listening(port), logs):
            yield (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                f"redis://127.0.0.1:{port}/0",
            )
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fanout_scaled(
    n: int, rate: float, seconds: float, workers: int, logs: Path, processes: int
) -> dict[str, Any]:
    with scratch_services(logs) as (database, broker), ExitStack() as stack:
        env = {"DATABASE_URL": database, "BROKER_URL": broker}
        servers = [
            stack.enter_context(app_server(f"app-scaled-{workers}-{i}", env, logs))
            for i in range(workers)
        ]
        bases = [f"http://127.0.0.1:{s.port}" for s in servers]
        room = asyncio.run(make_room(bases[0], n))
        cpu = CpuMeter(servers)
        result = run_fanout(
            app_conns(bases, room, n),
            app_commander(bases, room, rate, seconds),
            processes,
            cpu.start,
        )
        result["server_cpu_percent"] = cpu.percent()
        result["workers"] = workers
        return result


def scaled_unavailable() -> str:
    """Why the PostgreSQL + Redis runs cannot happen here ('' when they can)."""
    if shutil.which("redis-server") is None:
        return "no redis-server on PATH"
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 5432)) != 0:
            return "no PostgreSQL on 127.0.0.1:5432"
    return ""
