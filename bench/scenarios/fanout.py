"""`--only fanout`: N phones, the board and a JSON client while notes move at R a second,
against the baseline (bench/baseline.py) broadcasting as much to as many sockets."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import Conn
from bench.live import app_commander, app_conns, make_room, run_fanout
from bench.procs import PYTHON, CpuMeter, app_server, listening, sqlite_env, started
from tests.servers import free_port


def fanout_app(n: int, rate: float, seconds: float, logs: Path, processes: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_server(f"app-fanout-{n}", sqlite_env(tmp), logs) as server,
    ):
        base = f"http://127.0.0.1:{server.port}"
        room = asyncio.run(make_room(base, n))
        idle_rss = server.rss_kib()
        rss: dict[str, int] = {}
        cpu = CpuMeter([server])

        def measured() -> None:
            rss["connected"] = server.rss_kib()
            cpu.start()

        result = run_fanout(
            app_conns([base], room, n),
            app_commander([base], room, rate, seconds),
            processes,
            measured,
        )
        result["server_cpu_percent"] = cpu.percent()
        result["rss_idle_kib"] = idle_rss
        result["rss_connected_kib"] = rss["connected"]
        result["kib_per_participant"] = round((rss["connected"] - idle_rss) / n, 1)
        return result


def fanout_baseline(
    n: int, rate: float, seconds: float, size: int, logs: Path, processes: int
) -> dict[str, Any]:
    port = free_port()
    args = [PYTHON, "-m", "bench.baseline", str(port), str(size)]
    with started(f"baseline-{n}", args, {}, port, listening(port), logs) as server:
        conns = [Conn(f"ws://127.0.0.1:{port}/sub") for _ in range(n + 2)]

        def command() -> list[tuple[int, float]]:
            async def go() -> list[tuple[int, float]]:
                from websockets.asyncio.client import connect

                sent = []
                async with connect(f"ws://127.0.0.1:{port}/cmd", compression=None) as ws:
                    t0 = time.monotonic()
                    for i in range(int(rate * seconds)):
                        await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
                        sent.append((i + 1, time.monotonic()))
                        await ws.send("go")
                return sent

            return asyncio.run(go())

        cpu = CpuMeter([server])
        result = run_fanout(conns, command, processes, cpu.start)
        result["server_cpu_percent"] = cpu.percent()
        return result
