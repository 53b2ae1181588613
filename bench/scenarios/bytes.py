"""`--only bytes`: what each screen receives per live update, in realistic rooms.

For each room size N: N participants with 3 notes each, in the sort phase; then
agree (the purpose drafted), the grid filled (a contribution per participant,
spread over the rows) and the document. One board, one control view and K
phones are connected to /rooms/{code}/live against a real uvicorn; for each
update type the facilitator or a participant makes M updates over the HTTP API,
one after another, then a timer change (which every screen shows) marks the
end. Each live message carries the seq of the event it reflects, so its bytes
belong to one update; presence (a phone connecting) has no seq and is counted
as the messages without one. Then a phone that was offline during 20 moves
reconnects with `since` and is compared with a whole render.

Bytes are websocket payload plus framing (2, 4 or 10 bytes a message; no
compression: the app serves without permessage-deflate); TCP/IP headers are
not counted. Totals extrapolate the phones to N (everyone's phone connected).
Server CPU is measured with the K phones connected, per update, less the
timer change that ends each batch.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.live import STATEMENT, bearer, make_sort_room
from bench.procs import Proc, app_server, sqlite_env

SIZES = (30, 100, 300)
PHONES = 20
REPEATS = 20
MISSED = 20
"""Moves a phone misses while offline before it reconnects with `since`."""
GRID_ROWS = ("means", "mission", "outcomes", "effective", "barriers", "overcome", "one-year")
SEQ = re.compile(r'id="live-seq" data-seq="(\d+)"')
TIMEOUT = 60.0


def framed(payload: int) -> int:
    """A server frame's size on the wire: the payload and its (unmasked) header."""
    return payload + (2 if payload < 126 else 4 if payload < 65536 else 10)


@dataclass
class Screen:
    """One live page's socket: every message it receives, as (seq or None, bytes)."""

    name: str
    ws: ClientConnection
    log: list[tuple[int | None, int]] = field(default_factory=list)
    seen: int = 0
    waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, name: str, url: str, cookie: str) -> Screen:
        ws = await connect(
            url,
            additional_headers={"Cookie": cookie},
            max_size=None,
            compression=None,
            open_timeout=TIMEOUT,
            ping_interval=None,
        )
        screen = cls(name, ws)
        first = asyncio.get_running_loop().create_future()
        screen.waiters.append((0, first))
        screen.task = asyncio.create_task(screen._read())
        await asyncio.wait_for(first, TIMEOUT)
        return screen

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                text = message if isinstance(message, str) else message.decode()
                found = SEQ.findall(text)
                seq = int(found[-1]) if found else None
                self.log.append((seq, framed(len(text.encode()))))
                if seq is not None:
                    self.seen = max(self.seen, seq)
                for waiter in [w for w in self.waiters if w[0] <= self.seen]:
                    self.waiters.remove(waiter)
                    if not waiter[1].done():
                        waiter[1].set_result(None)
        except Exception as error:  # a closed socket fails whoever waits on it
            for _, future in self.waiters:
                if not future.done():
                    future.set_exception(error)
            raise

    async def until(self, seq: int) -> None:
        if self.seen >= seq:
            return
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((seq, future))
        await asyncio.wait_for(future, TIMEOUT)

    @property
    def first_bytes(self) -> int:
        return self.log[0][1]

    async def close(self) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


@dataclass
class Bench:
    """A room, its screens and the API, with the batch that measures one update type."""

    server: Proc
    api: httpx.AsyncClient
    room: dict[str, Any]
    screens: list[Screen] = field(default_factory=list)
    timer_on: bool = False
    tick_cpu: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return str(self.room["code"])

    @property
    def fac(self) -> dict[str, str]:
        return bearer(self.room["facilitator"])

    def live_url(self, view: str, since: int | None = None) -> str:
        ws = str(self.api.base_url).rstrip("/").replace("http://", "ws://")
        tail = f"&since={since}" if since is not None else ""
        return f"{ws}/rooms/{self.code}/live?view={view}{tail}"

    def cookie(self, token: str) -> str:
        return f"cg_{self.code}={token}"

    async def call(self, method: str, path: str, token: str | None, body: Any = None) -> Any:
        headers = bearer(token) if token else {}
        response = await self.api.request(
            method, f"/api/rooms/{self.code}{path}", json=body, headers=headers
        )
        response.raise_for_status()
        return response.json() if response.content else None

    async def seq(self) -> int:
        return int((await self.call("GET", "", self.room["facilitator"]))["seq"])

    async def tick(self) -> None:
        """A timer change: every screen shows it, so it ends a batch."""
        action = "clear" if self.timer_on else "start"
        self.timer_on = not self.timer_on
        await self.call(
            "POST", "/timer", self.room["facilitator"], {"action": action, "seconds": 600}
        )

    async def settle(self) -> int:
        """Mark the end of what came before: a tick, seen by every screen."""
        await self.tick()
        seq = await self.seq()
        await asyncio.gather(*(s.until(seq) for s in self.screens))
        return seq

    async def phase(self, phase: str) -> None:
        await self.call("POST", "/phase", self.room["facilitator"], {"phase": phase})
        await self.settle()

    async def batch(self, name: str, update: Callable[[int], Awaitable[Any]]) -> None:
        """`update(0)` to warm up and count its events, then M more, measured."""
        repeats = REPEATS
        before = await self.seq()
        await update(0)
        base = await self.settle()
        events = base - 1 - before  # the tick is one event
        marks = [len(s.log) for s in self.screens]
        cpu = self.server.cpu_seconds()
        began = time.monotonic()
        for i in range(1, repeats + 1):
            await update(i)
        await self.tick()
        end = base + repeats * events + 1
        await asyncio.gather(*(s.until(end) for s in self.screens))
        used = self.server.cpu_seconds() - cpu
        wall = time.monotonic() - began
        if await self.seq() != end:
            raise RuntimeError(f"{name}: expected seq {end}, not {await self.seq()}")
        if name == "timer":
            events, repeats = 1, repeats + 1  # the end marker is one of them
            self.tick_cpu = used / repeats
        else:
            used = max(0.0, used - self.tick_cpu)
        per: dict[str, list[int]] = {"board": [], "control": [], "phone": []}
        for screen, mark in zip(self.screens, marks, strict=True):
            costs = [0] * repeats
            unmarked = []
            for seq, size in screen.log[mark:]:
                if seq is None:
                    unmarked.append(size)
                elif base < seq <= base + repeats * events:
                    costs[(seq - base - 1) // events] += size
            if name == "presence":  # presence carries no seq
                costs = (unmarked + [0] * repeats)[:repeats]
            per[screen.name] += costs
        n = len(self.room["tokens"])
        mean = {k: statistics.fmean(v) for k, v in per.items()}
        self.figures[name] = {
            "repeats": repeats,
            "events_per_update": events,
            **{
                k: {"p50": round(statistics.median(v)), "max": max(v), "mean": round(mean[k])}
                for k, v in per.items()
            },
            "wire_bytes_connected": round(mean["board"] + mean["control"] + PHONES * mean["phone"]),
            "wire_bytes_all_phones": round(mean["board"] + mean["control"] + n * mean["phone"]),
            "server_cpu_ms": round(1000 * used / repeats, 2),
            "wall_ms": round(1000 * wall / repeats, 1),
        }


async def measure(server: Proc, n: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}"
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as api:
        began = time.monotonic()
        room = await make_sort_room(api, n)
        bench = Bench(server, api, room)
        tokens, fac = room["tokens"], room["facilitator"]
        setup = time.monotonic() - began
        bench.screens = [
            await Screen.open("board", bench.live_url("board"), bench.cookie(fac)),
            await Screen.open("control", bench.live_url("control"), bench.cookie(fac)),
        ]
        for token in tokens[:PHONES]:
            bench.screens.append(
                await Screen.open("phone", bench.live_url("phone"), bench.cookie(token))
            )
        whole = {
            "board": bench.screens[0].first_bytes,
            "control": bench.screens[1].first_bytes,
            "phone": round(statistics.median(s.first_bytes for s in bench.screens[2:])),
        }
        # Moves go back and forth on a few notes; merges and removals use up others.
        pool, rings = room["notes"][:REPEATS], dict.fromkeys(room["notes"], "inner")
        notes = iter(room["notes"][REPEATS:])
        fresh = iter(tokens[PHONES:])
        late: list[str] = []  # joined during the join batch, not yet connected
        joined: list[str] = []  # every one of them

        await bench.batch("timer", lambda i: bench.tick())

        async def move(i: int) -> None:
            note = pool[i % len(pool)]
            rings[note] = "outer" if rings[note] == "inner" else "inner"
            await bench.call("POST", f"/notes/{note}/move", fac, {"ring": rings[note]})

        async def merge(i: int) -> None:
            into, note = next(notes), next(notes)
            await bench.call("POST", f"/notes/{note}/merge", fac, {"into": into})

        async def remove(i: int) -> None:
            await bench.call("DELETE", f"/notes/{next(notes)}", fac)

        async def join(i: int) -> None:
            body = {"name": f"Late {i}", "perspective": "health"}
            response = await api.post(f"/api/rooms/{bench.code}/join", json=body)
            response.raise_for_status()
            late.append(response.json()["token"])
            joined.append(late[-1])

        extra: list[Screen] = []

        async def presence(i: int) -> None:
            token = next(fresh, None) or late.pop()
            extra.append(await Screen.open("extra", bench.live_url("phone"), bench.cookie(token)))

        await bench.batch("move", move)
        await bench.batch("merge", merge)
        await bench.batch("remove", remove)
        await bench.batch("join", join)
        await bench.batch("presence", presence)
        for screen in extra:
            await screen.close()
        await asyncio.sleep(0.3)
        await bench.settle()

        # A phone offline during MISSED moves reconnects with since=; a new one loads whole.
        token = next(fresh, None) or late.pop()
        away = await Screen.open("away", bench.live_url("phone"), bench.cookie(token))
        last = away.seen
        await away.close()
        await asyncio.sleep(0.3)
        for i in range(MISSED):
            await move(i + 1)
        await bench.settle()
        back = await Screen.open("back", bench.live_url("phone", last), bench.cookie(token))
        anew = await Screen.open("anew", bench.live_url("phone"), bench.cookie(token))
        reconnect = {
            "missed_moves": MISSED,
            "since_bytes": back.first_bytes,
            "whole_bytes": anew.first_bytes,
        }
        await back.close()
        await anew.close()
        await asyncio.sleep(0.3)

        await bench.phase("purpose-agree")
        await bench.call("PUT", "/statements/purpose", fac, {"text": "Every child thrives."})
        await bench.settle()

        # The first REPEATS + 1 respond and sign measured; then everyone else but the
        # last REPEATS + 1 (not measured), who respond and sign measured: what grows
        # with the responses and signatures so far (the lists of names and reasons).
        first, rest = tokens[: REPEATS + 1], tokens[REPEATS + 1 :] + joined
        filler, last_ones = rest[: -(REPEATS + 1)], rest[-(REPEATS + 1) :]
        semaphore = asyncio.Semaphore(8)

        async def respond(token: str, i: int) -> None:
            async with semaphore:
                stance = ("agree", "reservations", "object")[i % 3]
                reason = "Families first." if stance == "object" else None
                body = {"stance": stance, "reason": reason}
                await bench.call("POST", "/statements/purpose/responses", token, body)

        await bench.batch("response", lambda i: respond(first[i], i))
        await asyncio.gather(*(respond(t, i) for i, t in enumerate(filler)))
        await bench.settle()
        await bench.batch("response_last", lambda i: respond(last_ones[i], i))

        await bench.phase("grid-write")

        async def contribute(i: int, token: str, row: str) -> None:
            async with semaphore:
                body = {"id": str(uuid.uuid4()), "text": STATEMENT.format(f"grid {i}")}
                await bench.call("POST", f"/grid/{row}/contributions", token, body)

        await asyncio.gather(
            *(contribute(i, t, GRID_ROWS[i % len(GRID_ROWS)]) for i, t in enumerate(tokens))
        )
        await bench.settle()
        await bench.batch(
            "contribution",
            lambda i: contribute(n + i, tokens[i], GRID_ROWS[(i + 1) % len(GRID_ROWS)]),
        )

        await bench.phase("document")

        async def sign(token: str) -> None:
            async with semaphore:
                await bench.call("POST", "/document/sign", token)

        await bench.batch("signature", lambda i: sign(first[i]))
        await asyncio.gather(*(sign(t) for t in filler))
        await bench.settle()
        await bench.batch("signature_last", lambda i: sign(last_ones[i]))
        for screen in bench.screens:
            await screen.close()
        return {
            "participants": n,
            "joined_late": len(joined),
            "notes": len(room["notes"]),
            "phones": PHONES,
            "setup_seconds": round(setup, 1),
            "whole": whole,
            "updates": bench.figures,
            "reconnect": reconnect,
        }


def live_bytes(logs: Path, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    env = {"REQUEST_BURST": "1000000"}
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_server("app-bytes", {**sqlite_env(tmp), **env}, logs) as server,
    ):
        return {
            "phones": PHONES,
            "repeats": REPEATS,
            "rooms": [asyncio.run(measure(server, n)) for n in sizes],
        }
