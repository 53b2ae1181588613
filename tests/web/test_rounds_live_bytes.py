"""Issue 18's live updates cost what they change: hidden responses and their reveal,
dot-votes and their reveal, a dismissed suggestion, and entries for people without a
phone, each within 2 KB per screen (board, control, a phone) at 30 and 300 people with
three notes each (the rule of tests/web/test_live_bytes.py, measured the same way)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import lxml.html  # type: ignore[import-untyped]  # (installed with python-docx)
import pytest
from fastapi.testclient import TestClient

from app.domain import votes
from app.web.deps import cookie_name
from tests.web.live_dom import apply, keyed
from tests.web.support import ApiRoom, Screen

BUDGET = 2048
MARKER = re.compile(r'id="live-seq" data-seq="(\d+)"')
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
TEXT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"


@dataclass
class Measured:
    room: ApiRoom
    screens: list[Screen]
    ticks: int = 0

    def tick(self) -> int:
        """A timer change every screen shows: the end of what one update cost."""
        self.ticks += 1
        self.room.ok(
            self.room.post("fac", "/timer", {"action": "start", "seconds": 600 + self.ticks})
        )
        return self.room.seq()

    def drain(self) -> None:
        seq = self.tick()
        for screen in self.screens:
            screen.until(seq)

    def within_budget(
        self, name: str, update: Callable[[], Any], reaches: str = "", *, each: bool = False
    ) -> None:
        """`update` costs each screen at most BUDGET (`each`: an update that is several,
        one event each, such as a reveal: every one of them at most BUDGET)."""
        update()
        done = self.tick()
        cost = {}
        for screen in self.screens:
            sizes = [len(m.encode()) for m in screen.until(done)[:-1]]
            cost[screen.name] = (max(sizes) if sizes else 0) if each else sum(sizes)
        over = {screen: size for screen, size in cost.items() if size > BUDGET}
        assert not over, f"{name}: {over} bytes (budget {BUDGET} per screen)"
        missed = [screen for screen in reaches.split() if not cost[screen]]
        assert not missed, f"{name}: nothing reached {missed}"


def filled(client: TestClient, size: int) -> ApiRoom:
    """`size` people with three notes each, in the sort phase."""
    people = {f"p{i}": (f"Person {i}", PERSPECTIVES[i % 4]) for i in range(size)}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    for index, who in enumerate(people):
        for k in range(3):
            body = {"id": str(uuid.uuid4()), "text": TEXT.format(f"{index}.{k}")}
            room.ok(room.post(who, "/notes", body), 201)
    room.phase("purpose-sort")
    return room


def screen(stack: ExitStack, room: ApiRoom, view: str, who: str) -> Screen:
    room.client.cookies.clear()
    socket = stack.enter_context(
        room.client.websocket_connect(
            f"/rooms/{room.code}/live?view={view}",
            headers={"cookie": f"{cookie_name(room.code)}={room.token(who)}"},
        )
    )
    found = Screen(view, socket)
    found.until(room.seq())
    return found


@pytest.mark.parametrize("size", [30, 300], ids=lambda size: f"{size}-participants")
def test_issue_18_updates_stay_within_two_kilobytes(client: TestClient, size: int) -> None:
    room = filled(client, size - 1)  # the last is someone without a phone, added below
    size -= 1  # people with a phone
    with ExitStack() as stack:
        live = Measured(
            room,
            [
                screen(stack, room, "board", "fac"),
                screen(stack, room, "control", "fac"),
                screen(stack, room, "phone", "p1"),
            ],
        )
        shown = [n["id"] for n in room.snapshot()["notes"]]
        pair = {"note_ids": shown[:2]}
        dismiss = lambda: room.ok(room.post("fac", "/notes/suggestions/dismiss", pair))  # noqa: E731
        live.within_budget("suggestion dismissed", dismiss, reaches="control")
        paper = {"name": "Dorcas Paperwright", "perspective": "vcs-other"}
        add = lambda: room.ok(room.post("fac", "/participants", paper), 201)  # noqa: E731
        live.within_budget("person without a phone added", add, reaches="control")
        proxy = next(p["id"] for p in room.snapshot()["participants"] if p.get("proxy"))
        room.phase("purpose-vote")
        live.drain()
        inner = [n["id"] for n in room.snapshot()["notes"] if n["ring"] == "inner"]
        for index in range(size):
            dots = {"note_ids": [inner[(index * 7 + k) % len(inner)] for k in range(3)]}
            send = lambda dots=dots, who=f"p{index}": room.put(who, "/votes", dots)  # noqa: E731
            if index == size - 3:
                live.drain()  # most of the room has voted
            if index < 3 or index >= size - 3:
                live.within_budget(f"dots {index}", send, reaches="board control phone")
            else:
                room.ok(send())
        live.drain()
        dots = {"note_ids": inner[:3], "participant_id": proxy}
        entered = lambda: room.ok(room.put("fac", "/votes", dots))  # noqa: E731
        live.within_budget("dots entered for them", entered, reaches="board control")
        room.ok(room.patch("fac", "/options", {"hide_responses": True}))
        room.phase("purpose-agree")
        room.ok(room.put("fac", "/statements/purpose", {"text": "Every child thrives."}))
        live.drain()
        for index in range(size):
            # One objection: a reveal sends the tally (~1.8 KB), then each objection's
            # reason (~500 B) as an update of its own.
            objects = index == 3
            stance = "object" if objects else ("agree", "reservations")[index % 2]
            body = {"stance": stance, "reason": "Families first, every child heard."}
            send = lambda body=body, who=f"p{index}": room.post(  # noqa: E731
                who, "/statements/purpose/responses", body
            )
            if index == size - 3:
                live.drain()  # most of the room has responded
            if index < 3 or index >= size - 3:
                live.within_budget(f"hidden response {index}", send, reaches="board control")
            else:
                room.ok(send())
        live.drain()
        reveal = lambda: room.ok(room.post("fac", "/statements/purpose/reveal"))  # noqa: E731
        live.within_budget("reveal of responses", reveal, reaches="board control", each=True)


@pytest.mark.parametrize("size", [30, 300], ids=lambda size: f"{size}-participants")
def test_a_reveal_with_many_objections_is_small_updates(client: TestClient, size: int) -> None:
    """A reveal is the tally, then each objection's reason as an update of its own: every
    update within 2 KB per screen, however many objected (here six, at the longest)."""
    room = filled(client, size)
    room.ok(room.patch("fac", "/options", {"hide_responses": True}))
    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Every child thrives."}))
    objectors = {f"p{i}" for i in range(0, size, size // 6)}
    reason = ("Families first, and every child heard, not only those with a phone. " * 5)[:280]
    for index in range(size):
        who = f"p{index}"
        stance = "object" if who in objectors else ("agree", "reservations")[index % 2]
        body = {"stance": stance, "reason": reason if stance != "agree" else None}
        room.ok(room.post(who, "/statements/purpose/responses", body))
    with ExitStack() as stack:
        screens = [
            screen(stack, room, "board", "fac"),
            screen(stack, room, "control", "fac"),
            screen(stack, room, "phone", "p1"),
        ]
        live = Measured(room, screens)
        before = room.seq()
        room.ok(room.post("fac", "/statements/purpose/reveal"))
        assert room.seq() == before + 1 + len(objectors)
        done = live.tick()
        for each in screens:
            messages = each.until(done)[:-1]
            sizes = [len(m.encode()) for m in messages]
            assert all(n <= BUDGET for n in sizes), f"{each.name}: {sizes}"
            if each.name == "board":
                assert len(messages) == 1 + len(objectors), sizes
                assert "board-tally-purpose" in messages[0]
                shown = "".join(messages[1:])
                for who in objectors:
                    assert f'id="board-objection-purpose-{room.pid(who)}"' in shown
    room.client.cookies.set(f"cg_{room.code}", room.fac)
    try:
        board = room.client.get(f"/rooms/{room.code}/board").text
    finally:
        room.client.cookies.clear()
    assert board.count('id="board-objection-purpose-') == len(objectors)  # as a fresh load


@pytest.mark.parametrize("size", [30, 300], ids=lambda size: f"{size}-participants")
def test_a_dot_vote_reveal_is_small_updates(client: TestClient, size: int) -> None:
    """The reveal of a dot-vote is no new screen: each page's vote panel, then each of the
    top notes as an update of its own (at most `RESULTS_SHOWN`), every one within 2 KB on
    each screen; the live pages end as a fresh load shows them."""
    people = {f"p{i}": (f"Person {i}", PERSPECTIVES[i % 4]) for i in range(size)}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    long = ("Every child and family heard, early, by every agency that meets them. " * 4)[:280]
    for index, who in enumerate(people):  # the longest notes, the most voted for
        for k in range(3):
            text = long if index < 20 else TEXT.format(f"{index}.{k}")
            room.ok(room.post(who, "/notes", {"id": str(uuid.uuid4()), "text": text}), 201)
    room.phase("purpose-sort")
    room.phase("purpose-vote")
    inner = [n["id"] for n in room.snapshot()["notes"] if n["ring"] == "inner"]
    for index in range(size):
        dots = {"note_ids": [inner[(index * 5 + k) % 40] for k in range(3)]}
        room.ok(room.put(f"p{index}", "/votes", dots))
    with ExitStack() as stack:
        screens = [
            screen(stack, room, "board", "fac"),
            screen(stack, room, "control", "fac"),
            screen(stack, room, "phone", "p1"),
        ]
        live = Measured(room, screens)
        live.drain()  # (the phone's presence)
        pages = {each.name: page(room, each.name) for each in screens}
        # A voter removed before the reveal: their dots leave the count on every screen.
        removed_by(live, pages, room.pid("p7"))
        before = room.seq()
        room.ok(room.post("fac", "/votes/reveal"))
        shown = room.seq() - before - 1
        assert 1 <= shown <= votes.RESULTS_SHOWN
        done = live.tick()
        for each in screens:
            messages = each.until(done)[:-1]
            sizes = [len(m.encode()) for m in messages]
            assert all(n <= BUDGET for n in sizes), f"{each.name}: {sizes}"
            assert len(messages) == 1 + shown, (each.name, sizes)
            assert f'id="{each.name}-vote"' in messages[0]
            joined = "".join(messages[1:])
            assert joined.count(f'data-in="{each.name}-vote-results"') == shown
            assert "hx-swap-oob" not in "".join(messages)  # no block repainted whole
            for message in messages:
                apply(pages[each.name], message)
            fresh = page(room, each.name)
            panel = f"{each.name}-vote"
            assert keyed(pages[each.name], panel) == keyed(fresh, panel), each.name
        # And after it: the ranking without their dots (p0's went on top notes).
        removed_by(live, pages, room.pid("p0"))


def removed_by(live: Measured, pages: dict[str, Any], participant_id: str) -> None:
    """Remove a voter (three dots): one update per screen, after which each live page's
    vote panel is a fresh load's. Before the reveal it is the count; after, also the rows
    of the notes they dotted and of as many that came in (a row each in the ranking, and
    on the control view in the top notes): bounded by their dots, not by the room."""
    live.room.ok(live.room.delete("fac", f"/participants/{participant_id}"), 204)
    done = live.tick()
    for each in live.screens:
        messages = each.until(done)[:-1]
        assert len(messages) == 1, (each.name, [len(m) for m in messages])
        rows = messages[0].count("<li ")
        assert rows <= (6 if each.name == "control" else 3), (each.name, rows)
        assert len(messages[0].encode()) <= 4 * BUDGET, (each.name, len(messages[0]))
        apply(pages[each.name], messages[0])
        panel = f"{each.name}-vote"
        assert keyed(pages[each.name], panel) == keyed(page(live.room, each.name), panel)


def page(room: ApiRoom, view: str) -> Any:
    """A screen of the room as its browser loads it (the board and control view as the
    facilitator, the phone as p1), as a DOM."""
    room.client.cookies.set(f"cg_{room.code}", room.token("p1" if view == "phone" else "fac"))
    try:
        response = room.client.get(f"/rooms/{room.code}/{view}")
    finally:
        room.client.cookies.clear()
    assert response.status_code == 200, response.text
    return lxml.html.document_fromstring(response.text)
