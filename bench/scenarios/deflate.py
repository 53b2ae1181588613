"""`--only deflate`: permessage-deflate off and on, with the small live updates.

For each setting, a server (WS_PER_MESSAGE_DEFLATE) and a room of N participants
with 3 notes each in the sort phase. First the facilitator moves M notes with no
socket connected (the baseline: the database, the HTTP answers); then K phones
and a board connect (offering permessage-deflate, as browsers do) and M more
moves are made. Per setting:

- bytes on the wire per phone per move: what the server wrote to its sockets
  (`wchar` in /proc/PID/io: every byte it handed the kernel) less the baseline,
  over K + 1 sockets and M moves (TCP/IP headers not counted);
- server CPU per move, less the baseline, and per socket;
- bytes per socket for a phase change (sort → agree → sort: two whole screens),
  measured the same way;
- memory per socket: the server's RSS after the sockets connected less before,
  over K + 1.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.live import bearer, make_sort_room
from bench.procs import Proc, app_server, sqlite_env

PARTICIPANTS = 300
PHONES = 100
MOVES = 60
RATE = 4.0
"""Moves a second: well within what the server keeps up with, so CPU is per move."""


def written(server: Proc) -> int:
    """Bytes the server process has handed to write(2) and friends so far."""
    for line in Path(f"/proc/{server.pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


async def moves(api: httpx.AsyncClient, room: dict[str, Any], start: int) -> None:
    """MOVES moves at RATE a second, each note out of the inner circle or back."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for i in range(start, start + MOVES):
        await asyncio.sleep(max(0.0, t0 + (i - start) / RATE - loop.time()))
        note = room["notes"][i % len(room["notes"])]
        ring = "outer" if (i // len(room["notes"])) % 2 == 0 else "inner"
        response = await api.post(
            f"/api/rooms/{room['code']}/notes/{note}/move",
            json={"ring": ring},
            headers=bearer(room["facilitator"]),
        )
        response.raise_for_status()
    await asyncio.sleep(2.0)  # the last updates reach every socket


async def phase_changes(api: httpx.AsyncClient, room: dict[str, Any]) -> None:
    """Agree, then back to sorting: every screen is repainted twice."""
    for phase in ("purpose-agree", "purpose-sort"):
        response = await api.post(
            f"/api/rooms/{room['code']}/phase",
            json={"phase": phase},
            headers=bearer(room["facilitator"]),
        )
        response.raise_for_status()
        await asyncio.sleep(3.0)


async def drain(ws: ClientConnection) -> None:
    async for _ in ws:
        pass


async def measure(server: Proc, deflate: bool) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        room = await make_sort_room(api, PARTICIPANTS)
        code = room["code"]
        wrote, cpu = written(server), server.cpu_seconds()
        await moves(api, room, 0)
        base_bytes, base_cpu = written(server) - wrote, server.cpu_seconds() - cpu
        wrote = written(server)
        await phase_changes(api, room)
        base_phase = written(server) - wrote

        ws_base = base.replace("http://", "ws://")
        views = [("board", room["facilitator"])] + [("phone", t) for t in room["tokens"][:PHONES]]
        rss_before = server.rss_kib()
        sockets = []
        for view, token in views:
            ws = await connect(
                f"{ws_base}/rooms/{code}/live?view={view}",
                additional_headers={"Cookie": f"cg_{code}={token}"},
                compression="deflate" if deflate else None,
                max_size=None,
                ping_interval=None,
                open_timeout=60,
            )
            await ws.recv()  # the screen, whole
            sockets.append(ws)
        readers = [asyncio.create_task(drain(ws)) for ws in sockets]
        await asyncio.sleep(2.0)
        rss_after = server.rss_kib()
        wrote, cpu = written(server), server.cpu_seconds()
        await moves(api, room, MOVES)
        live_bytes = written(server) - wrote - base_bytes
        live_cpu = server.cpu_seconds() - cpu - base_cpu
        wrote = written(server)
        await phase_changes(api, room)
        phase_bytes = written(server) - wrote - base_phase
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
    count = len(sockets)
    return {
        "deflate": deflate,
        "sockets": count,
        "bytes_per_socket_per_move": round(live_bytes / count / MOVES),
        "cpu_ms_per_move": round(live_cpu * 1000 / MOVES, 2),
        "cpu_us_per_socket_per_move": round(live_cpu * 1e6 / MOVES / count, 1),
        "bytes_per_socket_per_phase_change": round(phase_bytes / count / 2),
        "kib_per_socket": round((rss_after - rss_before) / count, 1),
    }


def deflate(logs: Path) -> dict[str, Any]:
    """Both settings, one server each, the same room and moves."""
    results = {}
    for on in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**sqlite_env(tmp), "WS_PER_MESSAGE_DEFLATE": "true" if on else "false"}
            with app_server(f"app-deflate-{'on' if on else 'off'}", env, logs) as server:
                results["on" if on else "off"] = asyncio.run(measure(server, on))
    return {"participants": PARTICIPANTS, "moves": MOVES, **results}


def deflate_section(results: dict[str, Any]) -> str:
    """The docs' section on permessage-deflate, from the figures (empty without them)."""
    d = results.get("deflate")
    if not d:
        return ""
    off, on = d["off"], d["on"]

    def row(name: str, key: str, unit: str) -> str:
        return f"| {name} | {off[key]:,} {unit} | {on[key]:,} {unit} |"

    return f"""
## permessage-deflate: off, by the numbers

`--only deflate`: {d["participants"]} participants with 3 notes each in the sort
phase, {off["sockets"]} sockets (the board and phones) offering permessage-deflate
as browsers do, {d["moves"]} note moves, then two phase changes; bytes are what the
server wrote to its sockets (TCP/IP headers aside), less the same moves with no
socket connected.

| per socket | off (default) | on (`WS_PER_MESSAGE_DEFLATE=true`) |
|---|---|---|
{row("bytes per note move", "bytes_per_socket_per_move", "B")}
{row("bytes per phase change (a whole screen)", "bytes_per_socket_per_phase_change", "B")}
{row("server CPU per move, all sockets", "cpu_ms_per_move", "ms")}
{row("server CPU per move, per socket", "cpu_us_per_socket_per_move", "µs")}
{row("memory (RSS) per socket", "kib_per_socket", "KiB")}

Compression with context takeover shrinks the keyed updates about elevenfold
(each is much like the one before) and whole screens about fourteenfold; it
costs each socket a zlib compressor and decompressor (uvicorn's: 12-bit
windows, memLevel 5), more than the whole of an idle socket without it (an idle
phone holds about 23 KiB: tests/realtime/test_socket_memory.py). **Off by
default**: the keyed updates are already ~1 KB, the venue scenario's 10 Mbit/s
carries 60 phones sorting at 2 moves a second with p99 50 ms, and a phone's
socket stays within 30 KiB. **Turn it on (`WS_PER_MESSAGE_DEFLATE=true`) for
large rooms on thin Wi-Fi**: there the phase changes' whole screens dominate
(300 phones × 270 KB is 81 MB, over a minute of a 10 Mbit/s hall; compressed,
about 6 MB), and the server pays in memory (~45 MB per 1,000 phones), which it
has, for air time, which the venue does not. CPU per move differs within the
noise of this shared machine. (RSS per socket here includes what sending each
socket its whole screen first left behind, as these sockets connect without
`since`; the difference between the columns is the compression's.)
"""
