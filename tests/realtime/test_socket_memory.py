"""What an idle phone's live socket holds on the server, in bytes (issue 14: ≤ 30 KiB).

The app runs in this process under uvicorn, with the protocol `python -m app`
uses; the phones connect from a child process, so only the server's memory is
traced. Bytes are Python's allocations as tracemalloc counts them (zlib's and
the event loop's included), less what a warm-up of sockets already allocated.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import tracemalloc

import httpx
import uvicorn

from app.config import Settings
from app.web.app import create_app
from tests.servers import free_port

WARM = 10
PHONES = 60
BUDGET = 30 * 1024

CLIENT = """
import asyncio, json, sys
from websockets.asyncio.client import connect

async def main() -> None:
    urls, cookies = json.loads(sys.stdin.readline())
    sockets = []
    for batch in (urls[:{warm}], urls[{warm}:]):
        for url, cookie in zip(batch, cookies[len(sockets):]):
            ws = await connect(url, additional_headers={{"Cookie": cookie}},
                               compression=None, ping_interval=None, max_size=None)
            await ws.recv()
            sockets.append(ws)
        print("ready", flush=True)
        sys.stdin.readline()
    for ws in sockets:
        await ws.close()

asyncio.run(main())
"""


async def room_of(api: httpx.AsyncClient, people: int) -> tuple[str, list[str]]:
    """A room in its sort phase: `people` joined with 3 notes each."""
    created = (await api.post("/api/rooms", json={"title": "Memory"})).json()
    code, fac = created["code"], {"Authorization": f"Bearer {created['facilitator_token']}"}
    perspectives = ["education", "health", "social-care", "vcs-other"]
    tokens = []
    for i in range(people):
        body = {"name": f"Person {i}", "perspective": perspectives[i % 4]}
        tokens.append((await api.post(f"/api/rooms/{code}/join", json=body)).json()["token"])
    await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=fac)
    for i, token in enumerate(tokens):
        for k in range(3):
            note = {"text": f"Shared purpose statement {i}.{k} about our children"}
            await api.post(
                f"/api/rooms/{code}/notes", json=note, headers={"Authorization": f"Bearer {token}"}
            )
    await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=fac)
    return code, tokens


async def test_an_idle_phone_socket_holds_under_30_kib(settings: Settings) -> None:
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        http="app.web.protocols:HttpProtocol",
        ws="app.web.keepalive:Protocol",
        ws_per_message_deflate=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(60):
            while not server.started:  # noqa: ASYNC110  (uvicorn offers no event)
                await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
            code, tokens = await room_of(api, WARM + PHONES)
        url = f"ws://127.0.0.1:{port}/rooms/{code}/live?view=phone"
        phones = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CLIENT.format(warm=WARM),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert phones.stdin is not None
        assert phones.stdout is not None
        cookies = [f"cg_{code}={token}" for token in tokens]
        phones.stdin.write(json.dumps([[url] * len(tokens), cookies]).encode() + b"\n")
        async with asyncio.timeout(120):
            assert await phones.stdout.readline() == b"ready\n"  # the warm-up sockets
            await asyncio.sleep(0.5)
            gc.collect()
            tracemalloc.start(1)
            before = tracemalloc.take_snapshot()
            phones.stdin.write(b"go\n")
            assert await phones.stdout.readline() == b"ready\n"
            await asyncio.sleep(0.5)
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            phones.stdin.write(b"done\n")
            await phones.wait()
        held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        per_phone = held / PHONES
        print(f"\nan idle phone socket holds {per_phone / 1024:.1f} KiB on the server")
        assert per_phone <= BUDGET, f"{per_phone / 1024:.1f} KiB per phone"
    finally:
        server.should_exit = True
        await serving
