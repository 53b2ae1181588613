"""`--only replay`: a client replaying a room's whole log (`since=0`) to its last event, and
pages catching up after missing K updates in a busy room (`catch_up`)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.live import PERSPECTIVES, bearer, make_sort_room, move_notes
from bench.numbers import summary_ms
from bench.procs import app_server, sqlite_env
from tests.servers import ROOT


def build_log(url: str, events: int) -> tuple[str, str]:
    """A room whose log holds `events` events, written straight through the store."""
    from app.domain import grid
    from app.domain.room import Limits, Room
    from app.persistence.store import Store
    from app.tokens import hash_token, new_token
    from app.workshops import load_workshops

    workshop = load_workshops(ROOT / "workshops")["multi-agency-visioning"]
    store = Store(url)
    store.migrate()
    token = new_token()
    room = Room.create(
        code="RPLY23",
        title="Replay",
        setting="",
        workshop=workshop,
        created_at=datetime.now(UTC),
        limits=Limits(),
    )
    store.create_room(
        code=room.code,
        title=room.title,
        setting="",
        workshop=workshop.id,
        phase=room.phase,
        facilitator_token_hash=hash_token(token),
        created_at=room.created_at,
    )
    people = [str(uuid.uuid4()) for _ in range(8)]
    for i, pid in enumerate(people):
        drafts = room.decide_join(
            participant_id=pid, name=f"P{i}", perspective=PERSPECTIVES[i % 4], limits=Limits()
        )
        room.apply_all(
            store.append(
                room.code,
                expected_seq=room.seq,
                drafts=drafts,
                tokens={pid: hash_token(new_token())},
            ).events
        )
    room.apply_all(
        store.append(
            room.code, expected_seq=room.seq, drafts=room.decide_phase("grid-write")
        ).events
    )
    rows = [r.key for r in workshop.grid_rows]
    while room.seq < events:
        batch = []
        for i in range(min(100, events - room.seq)):
            batch += grid.decide_contribute(
                room,
                row=rows[(room.seq + i) % len(rows)],
                author_id=people[i % len(people)],
                contribution_id=str(uuid.uuid4()),
                text=f"Contribution number {room.seq + i}",
                max_length=280,
            )
        room.apply_all(store.append(room.code, expected_seq=room.seq, drafts=batch).events)
    store.close()
    return room.code, token


def replay(events: int, logs: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = sqlite_env(tmp)
        code, token = build_log(env["DATABASE_URL"], events)
        with app_server("app-replay", env, logs) as server:

            async def measure() -> dict[str, Any]:
                from websockets.asyncio.client import connect

                timings = []
                for attempt in range(4):  # the first warms the server's copy of the room
                    began = time.monotonic()
                    async with connect(
                        f"ws://127.0.0.1:{server.port}/api/rooms/{code}/events?since=0",
                        additional_headers=bearer(token),
                        max_size=None,
                        compression=None,
                    ) as ws:
                        last = 0
                        while last < events:
                            last = json.loads(await ws.recv())["seq"] or last
                    if attempt:
                        timings.append(time.monotonic() - began)
                return {"events": events, "to_last_event_ms": summary_ms(timings)}

            return asyncio.run(measure())


def catch_up(participants: int, missed: tuple[int, ...], logs: Path) -> dict[str, Any]:
    """Pages that were offline while K notes moved, in a room of `participants` × 3 notes,
    sorting: what each is sent when its socket comes back with `since` (what it missed,
    or the whole page where that is smaller), against opening without `since`."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_server("app-catch-up", sqlite_env(tmp), logs) as server,
    ):
        base = f"http://127.0.0.1:{server.port}"

        async def measure() -> dict[str, Any]:
            from websockets.asyncio.client import connect

            async with httpx.AsyncClient(base_url=base, timeout=60) as api:
                room = await make_sort_room(api, participants)
            fac = {"Cookie": f"cg_{room['code']}={room['facilitator']}"}
            phone = {"Cookie": f"cg_{room['code']}={room['tokens'][1]}"}
            screens = {"board": fac, "control": fac, "phone": phone}

            async def first(view: str, since: int | None) -> tuple[int, float]:
                query = f"view={view}" + ("" if since is None else f"&since={since}")
                url = f"ws://127.0.0.1:{server.port}/rooms/{room['code']}/live?{query}"
                began = time.monotonic()
                async with connect(
                    url, additional_headers=screens[view], max_size=None, compression=None
                ) as ws:
                    message = await ws.recv()
                return len(message.encode() if isinstance(message, str) else message), (
                    time.monotonic() - began
                ) * 1000

            figures: dict[str, Any] = {"participants": participants, "whole": {}, "missed": {}}
            for view in screens:
                size, ms = await first(view, None)
                figures["whole"][view] = {"bytes": size, "ms": round(ms, 1)}
            rings = {note: "inner" for note in room["notes"]}
            seq = room["seq"]
            async with httpx.AsyncClient(timeout=30) as api:
                for k in missed:
                    since = seq
                    _, seq = await move_notes(api, [base], room, rings, 50.0, k / 50.0, seq)
                    figures["missed"][str(k)] = {}
                    for view in screens:
                        size, ms = await first(view, since)
                        figures["missed"][str(k)][view] = {"bytes": size, "ms": round(ms, 1)}
            return figures

        return asyncio.run(measure())
