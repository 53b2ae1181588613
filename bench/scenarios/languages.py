"""`python -m bench.scenarios.languages`: what a second language costs a live update.

Every live fragment is rendered once per audience *and language*; a room where some
screens read Welsh renders each changed element twice (once per language), never
once per socket. In process (no sockets: the renderer alone, as the room channel
calls it for one change): a room of N participants with 3 notes each in the sort
phase, one board, one control view and K phones; a note moved, rendered for every
screen with one shared cache, as the channel does — first with every screen in
English, then with the phones half Welsh, half English and the board in Welsh.
Figures: milliseconds per change (median of M), renders done (cache misses) and
the bytes each screen gets.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.domain.events import FACILITATOR, Viewer
from app.domain.registry import Part
from app.realtime.connection import Connection
from app.web.app import create_app
from app.web.views import HtmlRenderer

PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]
SIZES = (30, 300)
PHONES = 40
REPEATS = 30


def _room(client: TestClient, participants: int) -> tuple[str, list[str]]:
    created = client.post("/api/rooms", json={"title": "Bench", "setting": "Bench"}).json()
    code, fac = created["code"], created["facilitator_token"]
    people = []
    for i in range(participants):
        joined = client.post(
            f"/api/rooms/{code}/join",
            json={"name": f"Person {i}", "perspective": PERSPECTIVES[i % 4]},
        ).json()
        people.append((joined["participant_id"], joined["token"]))
    auth = {"Authorization": f"Bearer {fac}"}
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=auth)
    for _, token in people:
        for n in range(3):
            client.post(
                f"/api/rooms/{code}/notes",
                json={"text": f"Statement {n} about a shared purpose"},
                headers={"Authorization": f"Bearer {token}"},
            )
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=auth)
    return code, [pid for pid, _ in people]


def _measure(renderer: HtmlRenderer, room: Any, screens: list[Connection]) -> dict[str, Any]:
    notes = list(room.notes)[:REPEATS]
    times, renders, sizes = [], [], []
    for note_id in notes:
        cache: dict[str, str] = {}
        parts = (Part("note", note_id), Part("rings"))
        started = time.perf_counter()
        sent = [renderer.update(c, room, frozenset(), parts, cache) for c in screens]
        times.append((time.perf_counter() - started) * 1000)
        renders.append(len(cache))
        sizes.append(max(len(s.encode()) for s in sent))
    return {
        "ms_per_change": round(statistics.median(times), 2),
        "renders_per_change": statistics.median(renders),
        "max_bytes_per_screen": max(sizes),
    }


def language_costs() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            join_burst=10_000,
            write_burst=10_000,
            request_burst=100_000,
            requests_per_second=100_000,
        )
        with TestClient(create_app(settings)) as client:
            service = client.app.state.service  # type: ignore[attr-defined]
            renderer = HtmlRenderer(client.app.state.templates)  # type: ignore[attr-defined]
            for size in SIZES:
                code, pids = _room(client, size)
                room = client.portal.call(service.room, code)  # type: ignore[union-attr]
                for label, phone_langs, board_lang in (
                    ("all English", ["en"], "en"),
                    ("phones cy/en, board cy", ["cy", "en"], "cy"),
                ):
                    screens = [
                        Connection(code, FACILITATOR, "html", page="board", lang=board_lang),
                        Connection(code, FACILITATOR, "html", page="control", lang="en"),
                    ] + [
                        Connection(
                            code,
                            Viewer("participant", pid),
                            "html",
                            page="phone",
                            lang=phone_langs[i % len(phone_langs)],
                        )
                        for i, pid in enumerate(pids[:PHONES])
                    ]
                    rows.append(
                        {
                            "participants": size,
                            "screens": label,
                            **_measure(renderer, room, screens),
                        }
                    )
    return rows


def main() -> None:
    rows = language_costs()
    print(
        "| participants | screens (board, control, 40 phones) | ms per change | renders"
        " | max bytes/screen |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['participants']} | {r['screens']} | {r['ms_per_change']} | "
            f"{r['renders_per_change']} | {r['max_bytes_per_screen']} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
