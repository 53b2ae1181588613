"""`--only join`: a join storm, N phones joining one room over `seconds` from client processes:
into an empty lobby (the start of a session), and late, into a busy room (`room_size`
participants with 3 notes each, sorting)."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.clients import join_process
from bench.live import PERSPECTIVES, make_room
from bench.numbers import summary_ms
from bench.procs import app_server, sqlite_env


def join_storm(
    n: int, seconds: float, logs: Path, processes: int, room_size: int = 0
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_server(f"app-join-{room_size}", sqlite_env(tmp), logs) as server,
    ):
        base = f"http://127.0.0.1:{server.port}"
        if room_size:
            code = asyncio.run(make_room(base, room_size))["code"]
        else:
            code = httpx.post(f"{base}/api/rooms", json={"title": "Join storm"}).json()["code"]
        people = [(f"Phone {i}", PERSPECTIVES[i % 4], seconds * i / n) for i in range(n)]
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        workers = [
            ctx.Process(target=join_process, args=(base, code, people[i::processes], out))
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        results = [out.get(timeout=seconds + 90) for _ in workers]
        for worker in workers:
            worker.join(10)
        ok = [latency for r in results for latency in r["ok"]]
        return {
            "phones": n,
            "room_size": room_size,
            "seconds": seconds,
            "failures": sum(r["failed"] for r in results),
            "join_ms": summary_ms(ok),
        }
