"""A benchmark room and its live sockets, shared by the fanout, slow and scaled scenarios.

The room is made over the HTTP API; its sockets connect from client processes
(bench/clients.py) while a commander moves notes; the figures are each event's
latency from its command to each socket, with gaps and duplicates.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.clients import Conn, fanout_process
from bench.numbers import summary_ms

PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_room(base: str, participants: int) -> dict[str, Any]:
    """A realistic room at `base` in purpose-sort: `participants` joined, 3 notes each."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        return await make_sort_room(api, participants)


def spread(conns: list[Conn], processes: int) -> list[list[Conn]]:
    return [conns[i::processes] for i in range(processes)]


def run_fanout(
    conns: list[Conn],
    commander: Callable[[], list[tuple[int, float]]],
    processes: int,
    on_ready: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Connect `conns` from client processes, run the commander, measure arrivals."""
    sent, results = collect_fanout(conns, commander, processes, on_ready)
    return fanout_figures(len(conns), sent, results)


def collect_fanout(
    conns: list[Conn],
    commander: Callable[[], list[tuple[int, float]]],
    processes: int,
    on_ready: Callable[[], None] | None = None,
) -> tuple[list[tuple[int, float]], list[dict[str, Any]]]:
    """Connect `conns` from client processes, run the commander; (what was sent, arrivals)."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    stop = ctx.Event()
    readies = []
    workers = []
    for chunk in spread(conns, processes):
        ready = ctx.Event()
        worker = ctx.Process(target=fanout_process, args=(chunk, ready, stop, out), daemon=True)
        worker.start()
        readies.append(ready)
        workers.append(worker)
    for ready in readies:
        ready.wait(150)
    time.sleep(1.0)
    if on_ready:
        on_ready()
    sent = commander()
    time.sleep(2.0)
    stop.set()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(10)
        if worker.is_alive():
            worker.kill()
    return sent, results


def fanout_figures(
    clients: int, sent: list[tuple[int, float]], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """Latency, gaps and duplicates of the events in `sent`, as the clients received them."""
    sends = dict(sent)
    latencies: list[float] = []
    gaps = duplicates = 0
    connected = sum(r["connected"] for r in results)
    for result in results:
        for arrivals in result["arrivals"]:
            seen = [seq for seq, _ in arrivals if seq in sends]
            duplicates += len(seen) - len(set(seen))
            gaps += len(set(sends) - set(seen))
            latencies += [at - sends[seq] for seq, at in arrivals if seq in sends]
    sizes = [s for r in results for s in r["sizes"]]
    return {
        "clients": clients,
        "connected": connected,
        "commands": len(sent),
        "latency_ms": summary_ms(latencies),
        "gaps": gaps,
        "duplicates": duplicates,
        "message_bytes": round(statistics.median(sizes)) if sizes else 0,
    }


def app_commander(
    bases: list[str], room: dict[str, Any], rate: float, seconds: float
) -> Callable[[], list[tuple[int, float]]]:
    """Move notes between the circles at `rate` per second, alternating the servers."""

    def command() -> list[tuple[int, float]]:
        async def go() -> list[tuple[int, float]]:
            rings = {note: "inner" for note in room["notes"]}
            async with httpx.AsyncClient(timeout=30) as api:
                sent, _ = await move_notes(api, bases, room, rings, rate, seconds, room["seq"])
            return sent

        return asyncio.run(go())

    return command


async def move_notes(
    api: httpx.AsyncClient,
    bases: list[str],
    room: dict[str, Any],
    rings: dict[str, str],
    rate: float,
    seconds: float,
    seq: int,
) -> tuple[list[tuple[int, float]], int]:
    """Move notes at `rate` per second for `seconds`: ((seq, sent at) of each, the last seq)."""
    sent: list[tuple[int, float]] = []
    auth = bearer(room["facilitator"])
    t0 = time.monotonic()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        note = room["notes"][i % len(room["notes"])]
        rings[note] = "outer" if rings[note] == "inner" else "inner"
        base = bases[i % len(bases)]
        sent_at = time.monotonic()
        response = await api.post(
            f"{base}/api/rooms/{room['code']}/notes/{note}/move",
            json={"ring": rings[note]},
            headers=auth,
        )
        if response.status_code == 200:
            seq += 1
            sent.append((seq, sent_at))
    return sent, seq


def app_conns(bases: list[str], room: dict[str, Any], phones: int) -> list[Conn]:
    """The phones' and the board's live sockets, as their pages open them: with `since`
    the seq the page was rendered at (the page came over HTTP; see the pages
    scenario), so the socket starts with what changed since, not the screen again.
    And one JSON event client (its snapshot first)."""
    code, since = room["code"], room["seq"]
    conns = []
    for i, token in enumerate(room["tokens"][:phones]):
        ws = bases[i % len(bases)].replace("http://", "ws://")
        url = f"{ws}/rooms/{code}/live?view=phone&since={since}"
        conns.append(Conn(url, {"Cookie": f"cg_{code}={token}"}))
    ws = bases[0].replace("http://", "ws://")
    fac_cookie = {"Cookie": f"cg_{code}={room['facilitator']}"}
    conns.append(Conn(f"{ws}/rooms/{code}/live?view=board&since={since}", fac_cookie))
    conns.append(Conn(f"{ws}/api/rooms/{code}/events", bearer(room["facilitator"]), kind="json"))
    return conns


STATEMENT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"
"""A note or grid statement of realistic length (as tests/web/test_live_bytes.py writes)."""


async def make_sort_room(
    api: httpx.AsyncClient, participants: int, notes_each: int = 3
) -> dict[str, Any]:
    """A room in purpose-sort: `participants` joined, `notes_each` notes each, all revealed.

    `api` is bound to the server (base_url). Every participant writes, as in a real
    workshop.
    """
    created = (
        await api.post("/api/rooms", json={"title": "Oakfield partnership", "setting": "Bench"})
    ).json()
    code, fac = created["code"], created["facilitator_token"]
    auth = bearer(fac)
    semaphore = asyncio.Semaphore(16)

    async def join(i: int) -> str:
        async with semaphore:
            response = await api.post(
                f"/api/rooms/{code}/join",
                json={"name": f"Person {i}", "perspective": PERSPECTIVES[i % 4]},
            )
            response.raise_for_status()
            token: str = response.json()["token"]
            return token

    async def write(i: int, token: str) -> None:
        for k in range(notes_each):
            async with semaphore:
                response = await api.post(
                    f"/api/rooms/{code}/notes",
                    json={"text": STATEMENT.format(f"{i}.{k}")},
                    headers=bearer(token),
                )
                response.raise_for_status()

    tokens = list(await asyncio.gather(*(join(i) for i in range(participants))))
    await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=auth)
    await asyncio.gather(*(write(i, t) for i, t in enumerate(tokens)))
    await api.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=auth)
    snapshot = (await api.get(f"/api/rooms/{code}", headers=auth)).json()
    return {
        "code": code,
        "facilitator": fac,
        "tokens": tokens,
        "notes": [n["id"] for n in snapshot["notes"] if n.get("revealed", True)],
        "seq": snapshot["seq"],
    }
