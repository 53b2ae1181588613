"""The projected board fits the screen: nothing the room must read is off-screen or cut.

One server and one browser. For each shipped workshop, a room with 10 and one with
100 participants is filled over the JSON API phase by phase (notes, moves, drafted
statements and responses, the grid, ratings, signatures); at each phase the board is
loaded once and resized to 1280×720, 1366×768, 1920×1080 and 3840×2160. On every
page of every size, every text node the board renders must lie inside the viewport
and inside every ancestor that clips (overflow other than visible) — except what is
only for screen readers (visually hidden: the "Live" state) and units put away on other
pages; every paged unit
must be shown on some page. At 1280×720, in every phase, every line of a person's text
on screen (a Post-it, a listed note, a name, a statement, a goal, an objection's reason,
a grid contribution, a signer) is at least 24 px tall, and each phase that shows
people's words shows some.

Set BOARD_SHOTS=1 to save a PNG of every phase at every size to /tmp/cg-shots/board/.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.workshops import load_workshop
from tests.conftest import bearer
from tests.e2e.conftest import LIVE, ConsoleLog, room_cookie
from tests.servers import ROOT, LiveServer

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1366, 768), (1920, 1080), (3840, 2160)]
PEOPLE = (10, 100)
WRITERS = 28
"""In a room of 100, this many write in the grid and rate (the board shows the latest
three contributions of a cell, and counts); everyone writes notes, responds and signs."""
LEGIBLE = 24.0  # px: the shortest line of a person's text at 1280×720 (a slide's body text)
PERSON_TEXT = ", ".join(
    (
        ".pi__text, .note-page__text, .name, .mini-note__text, .board-statement__text",
        ".board-statement__items li, .objection__reason, .grid-cell__item, .grid-cell__statement",
        ".spot__item, .spot__statement, .objection-line, .spot-note__text, .vote-result__text",
        ".doc__text, .doc__items li, .override",
    )
)
"""The board's elements that hold what a person wrote or is called, in every phase."""
WORDLESS = ("write-notes", "rate-items", "choose-scale")
"""Phases whose board shows no one's words: notes kept private while written, ratings."""
SHOTS = Path("/tmp/cg-shots/board")
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
FIRST = ("Zoë", "Tomás", "Ana", "Siobhán", "Grace", "Omar", "Łucja", "Raj", "Maya", "Ben")
LAST = ("Shah", "Ellis-Fairweather", "Ruiz", "Okafor", "Byrne", "Khan", "Novák", "Patel")
WORDS = tuple(
    re.split(
        r"\s+",
        "children families early help school nurses share information safely trust listen"
        " together support wellbeing attendance learning safeguarding partnership local"
        " community health visitors social workers youth mentoring meals transport parents"
        " carers voice every child ready learn joint training referrals quickly named contact",
    )
)

CHECK_JS = """
([said, legible, every]) => {
 const check = () => {
  const W = innerWidth, H = innerHeight, T = 1.5;
  const skip = "script, style, template, title, desc, .visually-hidden, [hidden], [data-off]";
  const problems = [];
  const short = [];
  let said_lines = 0, lowest = Infinity;
  const who = (el) => el.id ? "#" + el.id
    : el.tagName.toLowerCase() + "." + [...el.classList].join(".");
  const clips = new Map();
  const clipOf = (a) => {
    if (clips.has(a)) return clips.get(a);
    const s = getComputedStyle(a);
    let box = null;
    if (s.overflowX !== "visible" || s.overflowY !== "visible") {
      const b = a.getBoundingClientRect();
      box = a instanceof SVGElement || !a.clientWidth
        ? { left: b.left, top: b.top, right: b.right, bottom: b.bottom }
        : { left: b.left + a.clientLeft, top: b.top + a.clientTop,
            right: b.left + a.clientLeft + a.clientWidth,
            bottom: b.top + a.clientTop + a.clientHeight };
    }
    clips.set(a, box);
    return box;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let count = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.data.trim();
    const el = n.parentElement;
    if (!text || !el) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0.5 && r.height > 0.5);
    if (!rects.length || el.closest(skip)) continue;
    if (getComputedStyle(el).visibility !== "visible") continue;
    count += 1;
    const mine = el.closest(said);
    for (const r of rects) {
      const what = JSON.stringify(text.slice(0, 40)) + " in " + who(el);
      const px = (v) => v.toFixed(0);
      const box = `[${px(r.left)},${px(r.top)} ${px(r.width)}x${px(r.height)}]`;
      if (r.left < -T || r.top < -T || r.right > W + T || r.bottom > H + T) {
        problems.push(`off-screen ${box}: ${what}`);
        break;
      }
      let clipped = null;
      for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
        const c = clipOf(a);
        const out = c && (r.left < c.left - T || r.top < c.top - T
          || r.right > c.right + T || r.bottom > c.bottom + T);
        if (out) {
          clipped = a; break;
        }
      }
      if (clipped) { problems.push(`clipped by ${who(clipped)} ${box}: ${what}`); break; }
      if (mine) {
        said_lines += 1;
        lowest = Math.min(lowest, r.height);
        if (r.height < legible) short.push(r.height);
      }
    }
  }
  return { problems, short, count, said: said_lines, lowest: said_lines ? lowest : 0 };
 };
 const board = window.cgBoard;
 const first = board.show(0);
 const pages = [];
 const seen = new Set(first.units);
 for (let n = 0; n < first.pages; n++) {
   const shown = n ? board.show(n) : first;
   shown.units.forEach((u) => seen.add(u));
   if (every || n === 0 || n === first.pages - 1 || n === Math.floor(first.pages / 2)) {
     pages.push({ number: n, ...check() });
   }
 }
 board.show(0);
 return { count: first.pages, pages, unseen: first.all.filter((u) => !seen.has(u)).length };
}
"""

PAGES_JS = """
(page) => window.cgBoard ? window.cgBoard.show(page) : { page: 0, pages: 1, units: [] }
"""


@dataclass
class Seeded:
    """A room filled over the API, driven phase by phase."""

    api: httpx.AsyncClient
    code: str
    token: str
    people: list[str] = field(default_factory=list)

    async def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        response = await self.api.request(
            method, f"/api/rooms/{self.code}{path}", json=body, headers=bearer(token or self.token)
        )
        assert response.status_code in (200, 201, 204), f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    async def each(self, calls: list[tuple[str, str, str | None, Any]], batch: int = 12) -> None:
        """Make `calls` (method, path, token, body), `batch` at a time."""
        for first in range(0, len(calls), batch):
            await asyncio.gather(*(self.call(*call) for call in calls[first : first + batch]))


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return (" ".join(words)).capitalize()[:279] + "."


async def seed(api: httpx.AsyncClient, workshop: str, people: int, rng: random.Random) -> Seeded:
    made = await api.post(
        "/api/rooms",
        json={
            "title": "Oakfield & Riverside partnership",
            "setting": "Oakfield Primary School",
            "workshop": workshop,
        },
    )
    assert made.status_code == 201, made.text
    room = Seeded(api, made.json()["code"], made.json()["facilitator_token"])

    async def join(n: int) -> str:
        body = {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
            "perspective": PERSPECTIVES[n % 4],
        }
        joined = await api.post(f"/api/rooms/{room.code}/join", json=body)
        assert joined.status_code == 201, joined.text
        return str(joined.json()["token"])

    for first in range(0, people, 12):
        room.people += await asyncio.gather(
            *(join(n) for n in range(first, min(people, first + 12)))
        )
    return room


async def enter(room: Seeded, phase: dict[str, Any], rng: random.Random) -> None:
    """Move the room into `phase` and do what its people do there."""
    await room.call("POST", "/phase", body={"phase": phase["id"]})
    kind = phase["kind"]
    people = room.people
    some = people[:WRITERS]  # enough to fill every cell and every count's digits
    calls: list[tuple[str, str, str | None, Any]] = []
    if kind == "write-notes":
        for t in people:
            calls += [("POST", "/notes", t, {"text": sentence(rng, 4, 30)}) for _ in range(3)]
    elif kind == "sort-notes":
        notes = (await room.call("GET", ""))["notes"]
        for n in rng.sample(notes, len(notes) // 5):
            calls.append(("POST", f"/notes/{n['id']}/move", None, {"ring": "outer"}))
    elif kind == "agree":
        for number, target in enumerate(phase["targets"]):
            if target == "goals":
                body: dict[str, Any] = {"items": [sentence(rng, 8, 16) for _ in range(6)]}
            else:
                body = {"text": sentence(rng, 25, 40)}
            await room.call("PUT", f"/statements/{target}", body=body)
            for t in people if number < 3 else some[:8]:
                stance = rng.choice(("agree", "agree", "reservations", "object"))
                answer = {"stance": stance}
                if stance == "object":
                    answer["reason"] = sentence(rng, 6, 14)
                calls.append(("POST", f"/statements/{target}/responses", t, answer))
    elif kind == "grid-write":
        for t in some:
            for row in phase["rows"]:
                text = sentence(rng, 8, 30)
                calls.append(("POST", f"/grid/{row['key']}/contributions", t, {"text": text}))
    elif kind in ("rate-items", "choose-scale"):
        options = [o["id"] for o in phase["options"]]
        for t in some:
            for item in phase["items"]:
                calls.append(("PUT", f"/ratings/{item['id']}", t, {"option": rng.choice(options)}))
    elif kind == "document":
        calls = [("POST", "/document/sign", t, {}) for t in people]
    await room.each(calls)


def phases_of(workshop: str) -> list[dict[str, Any]]:
    loaded = load_workshop(ROOT / "workshops" / f"{workshop}.toml")
    rows = [{"key": r.key} for r in loaded.grid_rows]
    return [
        {
            "id": p.id,
            "kind": p.kind,
            "targets": list(p.targets),
            "rows": rows,
            "options": [{"id": o.id} for o in p.options],
            "items": [{"id": i.id} for i in p.items],
        }
        for p in loaded.phases
    ]


async def settle(page: Any) -> None:
    await page.evaluate(
        "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


async def check_board(page: Any, label: str, kind: str, failures: list[str], shots: bool) -> None:
    """Every size, every page of the board as loaded now (in one call per size)."""
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await settle(page)
        # The board lays out alike at every size (in rem from the height): every page is
        # checked at the smallest, the first, middle and last at the others.
        every = (width, height) == SIZES[0]
        found = await page.evaluate(CHECK_JS, [PERSON_TEXT, LEGIBLE, every])
        said = 0
        for shown in found["pages"]:
            where = f"{label} {width}x{height} page {shown['number'] + 1}/{found['count']}"
            failures.extend(f"{where}: {p}" for p in shown["problems"][:8])
            if len(shown["problems"]) > 8:
                failures.append(f"{where}: … {len(shown['problems'])} problems in all")
            if every:
                said += shown["said"]
                print(
                    f"{where}: people's text {shown['said']} lines,"
                    f" shortest {shown['lowest']:.1f} px"
                )
            if every and shown["short"]:
                failures.append(
                    f"{where}: {len(shown['short'])} lines of people's text under"
                    f" {LEGIBLE:.0f} px (shortest {min(shown['short']):.1f} px)"
                )
        if every and kind not in WORDLESS and not said:
            failures.append(f"{label} {width}x{height}: no line of people's text on any page")
        if found["unseen"]:
            failures.append(f"{label} {width}x{height}: {found['unseen']} units on no page")
        if shots:
            await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
            for number in range(min(3, found["count"])):
                await page.evaluate(PAGES_JS, number)
                await settle(page)
                await page.screenshot(
                    path=str(SHOTS / f"{label}-{width}x{height}-p{number + 1}.png")
                )
            await page.evaluate(PAGES_JS, 0)


async def test_the_board_fits_every_phase_at_every_size(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    rng = random.Random(15)
    base = live_server.base_url
    shots = os.environ.get("BOARD_SHOTS") == "1"
    failures: list[str] = []
    started = time.monotonic()
    async with (
        asyncio.timeout(600 if shots else 300),
        httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as api,
    ):
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        page = await context.new_page()
        console_log.watch(page, "board")
        for workshop in ("multi-agency-visioning", "partnership-health-check"):
            for people in PEOPLE:
                room = await seed(api, workshop, people, rng)
                await context.add_cookies([room_cookie(base, room.code, room.token)])
                for phase in phases_of(workshop):
                    await page.goto("about:blank")  # the board is not sent the filling
                    began = time.monotonic()
                    await enter(room, phase, rng)
                    filled = time.monotonic()
                    await page.goto(f"{base}/rooms/{room.code}/board")
                    await page.locator("html[data-connection='online']").wait_for(timeout=LIVE)
                    label = f"{workshop[:7]}-{people}-{phase['id']}"
                    await check_board(page, label, phase["kind"], failures, shots)
                    print(
                        f"{label}: filled in {filled - began:.1f} s,"
                        f" checked in {time.monotonic() - filled:.1f} s"
                    )
        await context.close()
    print(f"board fit: {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:80])
    assert console_log.errors == [], "\n".join(console_log.errors)
