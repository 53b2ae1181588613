"""The board's legend: each perspective's notes in the inner and the outer circle, on
the page and in the live update of a move. (Counted once per render in Python —
`ring_counts`, app/web/views.py — not by a template filter over every note for each
perspective, which was most of a change's cost at 300 participants:
bench/scenarios/languages.py.)"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.domain.events import FACILITATOR
from app.domain.registry import Part
from app.realtime.connection import Connection
from app.web.renderer import HtmlRenderer
from tests.web.support import ApiRoom

COUNT = re.compile(r'id="legend-count-([a-z-]+)">(\d+) in · (\d+) out<')


def _counts(html: str) -> dict[str, tuple[int, int]]:
    return {p: (int(i), int(o)) for p, i, o in COUNT.findall(html)}


def _note(room: ApiRoom, who: str, text: str) -> str:
    return str(room.ok(room.post(who, "/notes", {"text": text}), 201)["id"])


def test_the_legend_counts_each_perspectives_notes_in_each_circle(client: TestClient):
    people = {"ann": ("Ann", "education"), "bea": ("Bea", "health"), "cai": ("Cai", "health")}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    ann = [_note(room, "ann", f"Ann {n}") for n in range(3)]
    bea = _note(room, "bea", "Bea 1")
    cai = _note(room, "cai", "Cai 1")
    room.phase("purpose-sort")
    for note in (ann[0], ann[1], bea):
        room.ok(room.post("fac", f"/notes/{note}/move", {"ring": "inner"}))
    room.ok(room.post("fac", f"/notes/{cai}/move", {"ring": "outer"}))
    room.ok(room.post("fac", f"/notes/{ann[2]}/move", {"ring": "outer"}))
    client.cookies.set(f"cg_{room.code}", room.fac)
    counts = _counts(client.get(f"/rooms/{room.code}/board").text)
    client.cookies.clear()
    assert counts == {
        "education": (2, 1),
        "health": (1, 1),
        "social-care": (0, 0),
        "vcs-other": (0, 0),
    }

    service = client.app.state.service  # type: ignore[attr-defined]
    renderer = HtmlRenderer(client.app.state.templates)  # type: ignore[attr-defined]
    room.ok(room.post("fac", f"/notes/{cai}/move", {"ring": "inner"}))
    state = client.portal.call(service.room, room.code)  # type: ignore[union-attr]
    board = Connection(room.code, FACILITATOR, "html", page="board", lang="en")
    update = renderer.update(board, state, frozenset(), (Part("note", cai), Part("rings")), {})
    assert _counts(update)["health"] == (2, 0)
    assert _counts(update)["education"] == (2, 1)
