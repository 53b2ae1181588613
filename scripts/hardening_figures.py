"""Re-measure the figures README's *Security and data* section quotes (issue 19).

Starts `python -m app` on a free loopback port with the default limits (a scratch
SQLite database), attacks it as the issue's attacker did — bounded in count and
time, loopback only — prints the figures and stops the server by its own PID:

    .venv/bin/python scripts/hardening_figures.py [--seconds 60]

About four minutes. The figures vary a little with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clients import StalledPeer  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, folder: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"
        self.log = (folder / f"server-{self.port}.log").open("wb")
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / f'db-{self.port}.db'}",
            "BROKER_URL": "memory://",
            "BACKUP_INTERVAL_MINUTES": "0",
            **env,
        }
        command = [PYTHON, "-m", "app", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and app)
            command, cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz", timeout=1, trust_env=False).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise SystemExit("the server did not start")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def client(base: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=base, trust_env=False, timeout=60, limits=limits)


# ----------------------------------------------------------------------- guessing
async def guessing(server: Server, seconds: float) -> dict[str, Any]:
    """Guesses answered from one address: 300 at once, then 100 guessers for `seconds`."""
    async with client(server.base) as api:
        real = (await api.post("/api/rooms", json={"title": "Real"})).json()["code"]

        async def by_code() -> int:
            code = f"ZZ{uuid.uuid4().hex[:4].upper()}"
            body = {"name": "X", "perspective": "health"}
            return (await api.post(f"/api/rooms/{code}/join", json=body)).status_code

        async def by_token() -> int:
            code = f"ZZ{uuid.uuid4().hex[:4].upper()}"
            headers = {"Authorization": "Bearer made-up"}
            return (await api.get(f"/api/rooms/{code}", headers=headers)).status_code

        burst = Counter(await asyncio.gather(*(by_code() for _ in range(300))))
        answered: Counter[int] = Counter()
        stop = time.monotonic() + seconds

        async def guesser(kind: Any) -> None:
            while time.monotonic() < stop:
                answered[await kind()] += 1

        started = time.monotonic()
        await asyncio.gather(*(guesser(by_code if n % 2 else by_token) for n in range(100)))
        elapsed = time.monotonic() - started
        # Joins to the real room still work (from the same address, meanwhile spent).
        joined = await api.post(
            f"/api/rooms/{real}/join", json={"name": "P", "perspective": "health"}
        )
    learned = answered[404]
    # The window spent the token-bearing budget's burst (20) and then the refills of
    # both budgets: an hour is both bursts plus an hour of refills at that rate.
    per_hour = 2 * 20 + max(0, learned - 20) / elapsed * 3600
    return {
        "at_once_300": dict(burst),
        "sustained_seconds": round(elapsed, 1),
        "sustained_answers": dict(answered),
        "learned_in_window": learned,
        "per_hour_estimate": round(per_hour),
        "real_join_during_attack": joined.status_code,
    }


# ------------------------------------------------------------------------- sockets
async def sockets_per_token(server: Server) -> dict[str, Any]:
    async with client(server.base) as api:
        room = (await api.post("/api/rooms", json={"title": "Sockets"})).json()
    url = f"{server.ws}/api/rooms/{room['code']}/events"
    headers = {"Authorization": f"Bearer {room['facilitator_token']}"}
    outcomes: Counter[str] = Counter()
    held = []
    for _ in range(300):
        try:
            held.append(await connect(url, additional_headers=headers, ping_interval=None))
            outcomes["open"] += 1
        except InvalidStatus as refused:
            outcomes[str(refused.response.status_code)] += 1
    for ws in held:
        await ws.close()
    return {"attempts": 300, "outcomes": dict(outcomes)}


async def stalled(server: Server) -> dict[str, Any]:
    """Ten sockets of one phone stop reading while a 300-person room changes."""
    async with client(server.base) as api:
        room = (await api.post("/api/rooms", json={"title": "Big"})).json()
        code, fac = room["code"], {"Authorization": f"Bearer {room['facilitator_token']}"}
        people = []
        for n in range(300):
            joined = await api.post(
                f"/api/rooms/{code}/join", json={"name": f"P{n}", "perspective": "health"}
            )
            people.append(joined.json()["token"])
        await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=fac)
        for token in people:
            await api.post(
                f"/api/rooms/{code}/notes",
                json={"text": "A statement of some length " * 5},
                headers={"Authorization": f"Bearer {token}"},
            )
        await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=fac)
        peers, refused = [], 0
        for _ in range(10):
            peer = StalledPeer(
                server.port, f"/rooms/{code}/live?view=phone", {"Cookie": f"cg_{code}={people[0]}"}
            )
            try:
                peer.open()
                peers.append(peer)
            except ConnectionError:
                peer.close()
                refused += 1
        await asyncio.sleep(1)
        before = server.rss_kib()
        notes = (await api.get(f"/api/rooms/{code}", headers=fac)).json()["notes"]
        for n in range(60):
            if n % 3 == 0:
                phase = "purpose-agree" if n % 2 else "purpose-sort"
                await api.post(f"/api/rooms/{code}/phase", json={"phase": phase}, headers=fac)
            else:
                note = notes[n % len(notes)]
                await api.post(
                    f"/api/rooms/{code}/notes/{note['id']}/move",
                    json={"ring": "outer" if n % 2 else "inner"},
                    headers=fac,
                )
        await asyncio.sleep(2)
        after = server.rss_kib()
        for peer in peers:
            peer.close()
    grown = after - before
    return {
        "admitted": len(peers),
        "refused": refused,
        "rss_growth_kib": grown,
        "per_stalled_socket_kib": round(grown / max(1, len(peers))),
    }


async def slowloris(server: Server) -> dict[str, Any]:
    """800 connections that never finish their headers."""
    held = []
    for n in range(800):
        with contextlib.suppress(OSError):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.setblocking(False)
            if n % 2:
                sock.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            held.append(sock)
    await asyncio.sleep(0.5)

    def open_count() -> int:
        alive = 0
        for sock in held:
            try:
                if sock.recv(1) != b"":
                    alive += 1
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        return alive

    soon = open_count()
    started = time.monotonic()
    # A bystander meanwhile, from another address (127.0.0.2: loopback too).
    other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=server.base, transport=other, timeout=30) as api:
        status = (await api.get("/healthz")).status_code
    same_address = "refused"
    with contextlib.suppress(httpx.TransportError):
        async with client(server.base) as api:
            same_address = str((await api.get("/healthz")).status_code)
    await asyncio.sleep(11)
    later = open_count()
    for sock in held:
        sock.close()
    return {
        "connections": len(held),
        "held_after_half_a_second": soon,
        "held_after_11_s": later,
        "bystander_status": status,
        "same_address_meanwhile": same_address,
        "bystander_seconds": round(time.monotonic() - started - 11, 2),
    }


async def replays(server: Server) -> dict[str, Any]:
    """50 replays of a 5,000-event log at once, and a bystander's requests meanwhile."""
    async with client(server.base) as api:
        created = (await api.post("/api/rooms", json={"title": "Long"})).json()
        fac = {"Authorization": f"Bearer {created['facilitator_token']}"}
        archive = (await api.get(f"/api/rooms/{created['code']}/archive", headers=fac)).json()
        await api.delete(f"/api/rooms/{created['code']}", headers=fac)
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        archive["events"] = [
            {
                "seq": n,
                "type": "room.locked",
                "at": at,
                "data": {"locked": n % 2 == 1},
                "actor": "facilitator",
                "private_to": None,
            }
            for n in range(1, 5001)
        ]
        archive["events"][-1]["data"]["locked"] = False
        code = (await api.post("/api/rooms/import", json=archive)).json()["code"]
        tokens = [
            (
                await api.post(
                    f"/api/rooms/{code}/join", json={"name": f"P{n}", "perspective": "health"}
                )
            ).json()["token"]
            for n in range(50)
        ]
        latencies: list[float] = []
        done = asyncio.Event()

        async def bystander() -> None:
            while not done.is_set():
                started = time.monotonic()
                await api.get("/api/workshops")
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.05)

        async def replay(token: str) -> float:
            started = time.monotonic()
            count = 0
            with contextlib.suppress(ConnectionClosed):
                async with connect(
                    f"{server.ws}/api/rooms/{code}/events?since=0",
                    additional_headers={"Authorization": f"Bearer {token}"},
                    max_size=None,
                    ping_interval=None,
                ) as ws:
                    while count < 5050:
                        await ws.recv()
                        count += 1
            return time.monotonic() - started

        watcher = asyncio.create_task(bystander())
        took = await asyncio.gather(*(replay(t) for t in tokens))
        done.set()
        await watcher
    return {
        "replays": len(took),
        "slowest_replay_s": round(max(took), 2),
        "bystander_max_s": round(max(latencies), 3),
        "bystander_requests": len(latencies),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="sustained guessing, s")
    parser.add_argument("--only", nargs="*", help="measure only these (names as printed)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, measure, env in (
            ("guessing", lambda s: guessing(s, args.seconds), {}),
            ("sockets_per_token", sockets_per_token, {}),
            ("stalled_sockets_one_token", stalled, {"JOIN_BURST": "100000"}),
            ("slowloris", slowloris, {}),
            ("replays", replays, {"MAX_BODY_BYTES": "4000000"}),
        ):
            if args.only and name not in args.only:
                continue
            server = Server(folder, **env)
            try:
                results[name] = await measure(server)
            finally:
                server.stop()
            print(name, json.dumps(results[name]), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
