"""The control view's grouping suggestions are live (issue 18): when notes are moved,
merged, removed, restored, corrected or a group dismissed in the sort phase, the control
view receives the groups and rows that changed, as an update of its own right after the
change to the notes — each within 2 KB at 30 and 300 people — and, put in place as
app.js puts them, its panel is what a fresh load of the page shows.

The page is kept as a DOM (lxml) and each live message is applied to it with app.js's
rules (`applyLive`: remove `data-remove` ids, put each element in place by id, or into
`data-in` by `data-order`); the panel's keyed elements and their texts, and the order of
each list, are then compared with a fresh render's.
"""

from __future__ import annotations

import html
import json
import random
import re
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import lxml.html  # type: ignore[import-untyped]  # (installed with python-docx)
import pytest
from fastapi.testclient import TestClient
from lxml.html import HtmlElement

from tests.web.live_dom import apply, by_id, keyed
from tests.web.support import ApiRoom, Screen

BUDGET = 2048
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
DATA = Path(__file__).parents[1] / "data" / "similar_notes.json"
VOCABULARY = [
    "attendance",
    "breakfast",
    "budgets",
    "buses",
    "carers",
    "clinics",
    "counselling",
    "dentists",
    "diet",
    "digital",
    "exclusions",
    "football",
    "gardens",
    "homework",
    "housing",
    "interpreters",
    "libraries",
    "literacy",
    "meals",
    "mentoring",
    "music",
    "nurses",
    "parks",
    "phonics",
    "playgrounds",
    "poverty",
    "reading",
    "refugees",
    "respite",
    "sleep",
    "speech",
    "swimming",
    "tutoring",
    "uniforms",
    "vaccinations",
    "volunteers",
    "waiting",
    "welsh",
    "youth",
]


def filler(index: int) -> str:
    """A note of six words of the vocabulary, the same for the same index (notes that
    fill the room as a room's do: each its own, a few alike by chance)."""
    rng = random.Random(index)
    return "We need " + ", ".join(rng.sample(VOCABULARY, 6)) + "."


ALIKE = "A breakfast club before school for every pupil, run with parents — {}"
PANEL = "control-suggestions"


def labelled() -> list[str]:
    data = json.loads(DATA.read_text("utf-8"))
    texts = [text for group in data["groups"] for text in group["notes"]]
    return texts + list(data.get("singletons", []))


def panel(doc: HtmlElement) -> dict[str, Any]:
    return keyed(doc, PANEL)


# ------------------------------------------------------------------ the room
def sorting_room(client: TestClient, size: int) -> ApiRoom:
    """`size` people, three notes each: the labelled set's notes first, then filler."""
    people = {f"p{i}": (f"Person {i}", PERSPECTIVES[i % 4]) for i in range(size)}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    texts = labelled()
    for index in range(3 * size):
        text = texts[index] if index < len(texts) else filler(index)
        body = {"id": str(uuid.uuid4()), "text": text}
        room.ok(room.post(f"p{index % size}", "/notes", body), 201)
    room.phase("purpose-sort")
    return room


def control_page(room: ApiRoom) -> HtmlElement:
    room.client.cookies.set(f"cg_{room.code}", room.fac)
    try:
        response = room.client.get(f"/rooms/{room.code}/control")
    finally:
        room.client.cookies.clear()
    assert response.status_code == 200, response.text
    return lxml.html.document_fromstring(response.text)


def live_screen(stack: ExitStack, room: ApiRoom, view: str, who: str) -> Screen:
    room.client.cookies.clear()
    socket = stack.enter_context(
        room.client.websocket_connect(
            f"/rooms/{room.code}/live?view={view}",
            headers={"cookie": f"cg_{room.code}={room.token(who)}"},
        )
    )
    screen = Screen(view, socket)
    screen.until(room.seq())
    return screen


def groups(room: ApiRoom) -> list[list[str]]:
    found = room.ok(room.get("fac", "/notes/suggestions"))["groups"]
    return [g["note_ids"] for g in found]


class Watched:
    """A control view (its socket, and its page kept as a DOM) with a board and a phone
    watching: `step` makes a change and checks what each was sent for it."""

    def __init__(self, stack: ExitStack, room: ApiRoom) -> None:
        self.room = room
        self.control = live_screen(stack, room, "control", "fac")
        self.others = [
            live_screen(stack, room, "board", "fac"),
            live_screen(stack, room, "phone", "p1"),
        ]
        room.ok(room.post("fac", "/timer", {"action": "start", "seconds": 600}))
        for screen in (self.control, *self.others):  # (the phones' presence, then a marker)
            screen.until(room.seq())
        self.doc = control_page(room)  # what the control view shows, as its page loaded it
        self.ticks = iter(range(601, 10_000))
        self.measured: dict[str, int] = {}

    def step(self, name: str, call: Any) -> None:
        room = self.room
        call()
        # A timer change every screen shows: the end of what the step cost each.
        room.ok(room.post("fac", "/timer", {"action": "start", "seconds": next(self.ticks)}))
        seq = room.seq()
        messages = self.control.until(seq)
        for message in messages:
            apply(self.doc, message)
        messages = messages[:-1]
        # The change to the notes, then the suggestions' as an update of its own.
        sizes = [len(m.encode()) for m in messages]
        assert len(messages) <= 2, sizes
        self.measured[name] = sizes[-1] if len(messages) == 2 else 0
        assert all(size <= BUDGET for size in sizes), f"{name}: {sizes} bytes to the control"
        fresh = panel(control_page(room))
        assert panel(self.doc) == fresh, f"after {name}, the live panel is not a fresh one"
        for screen in self.others:  # the board and phones never see suggestions
            assert "suggestion" not in "".join(screen.until(seq))


@pytest.mark.parametrize("size", [30, 300], ids=lambda size: f"{size}-participants")
def test_the_suggestions_follow_the_notes_live(client: TestClient, size: int) -> None:
    room = sorting_room(client, size)
    with ExitStack() as stack:
        watched = Watched(stack, room)
        step = watched.step
        start = panel(watched.doc)
        assert len([i for i in start["texts"] if i.startswith("suggestion-")]) >= 5

        first = groups(room)[0]
        step(
            "move out",
            lambda: room.ok(room.post("fac", f"/notes/{first[0]}/move", {"ring": "outer"})),
        )
        step(
            "move back",
            lambda: room.ok(room.post("fac", f"/notes/{first[0]}/move", {"ring": "inner"})),
        )
        pair = groups(room)[1]
        step(
            "merge", lambda: room.ok(room.post("fac", f"/notes/{pair[1]}/merge", {"into": pair[0]}))
        )
        step("unmerge", lambda: room.ok(room.post("fac", f"/notes/{pair[1]}/unmerge")))
        one = groups(room)[2][0]
        step("remove", lambda: room.ok(room.delete("fac", f"/notes/{one}"), 204))
        step("restore", lambda: room.ok(room.post("fac", f"/notes/{one}/restore")))
        alike = groups(room)[0]
        dismiss = {"note_ids": alike}
        step("dismiss", lambda: room.ok(room.post("fac", "/notes/suggestions/dismiss", dismiss)))
        other = groups(room)[-1][0]
        fixed = {"text": "Families heard early, before problems escalate, by every agency"}
        step("correct", lambda: room.ok(room.post("fac", f"/notes/{other}/correct", fixed)))
        moved = [g[0] for g in groups(room)[:3]]
        for index, note_id in enumerate(moved):  # a cluster forms in the outer circle
            body = {"ring": "outer"}
            step(
                f"move {index}",
                lambda n=note_id, b=body: room.ok(room.post("fac", f"/notes/{n}/move", b)),
            )
        assert any(watched.measured.values())


def test_a_large_group_keeps_its_element_when_it_loses_its_first_note(
    client: TestClient,
) -> None:
    """30 notes alike but for a number, among 60 others: one large group. Its first note
    moved out, merged or removed, the control view is sent that row gone, not the group
    again."""
    people = {f"p{i}": (f"Person {i}", PERSPECTIVES[i % 4]) for i in range(30)}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    texts = [ALIKE.format(n) for n in range(30)] + labelled()[:60]
    for index, text in enumerate(texts):
        body = {"id": str(uuid.uuid4()), "text": text}
        room.ok(room.post(f"p{index % 30}", "/notes", body), 201)
    room.phase("purpose-sort")
    with ExitStack() as stack:
        watched = Watched(stack, room)

        def largest() -> list[str]:
            """The largest group's notes' ids, as its rows list them (the first first)."""
            cards = control_page(room).find_class("suggestion")
            card = max(cards, key=lambda card: len(card.find_class("suggestion__note")))
            return [str(i) for i in card.xpath(".//input[@name='note_ids']/@value")]

        assert len(largest()) >= 20
        head = largest()[0]
        watched.step(
            "move", lambda: room.ok(room.post("fac", f"/notes/{head}/move", {"ring": "outer"}))
        )
        head, into = largest()[:2]
        merge = {"into": into}
        watched.step("merge", lambda: room.ok(room.post("fac", f"/notes/{head}/merge", merge)))
        head = largest()[0]
        watched.step("remove", lambda: room.ok(room.delete("fac", f"/notes/{head}"), 204))
        assert all(0 < size <= 1024 for size in watched.measured.values()), watched.measured


def test_a_form_answer_leaves_the_suggestions_to_the_live_channel(client: TestClient) -> None:
    """The facilitator's own form post answers with the keyed note, not the panel (the
    page's live socket brings that, knowing what the page shows)."""
    room = sorting_room(client, 30)
    first = groups(room)[0]
    room.client.cookies.set(f"cg_{room.code}", room.fac)
    try:
        answer = room.client.post(
            f"/rooms/{room.code}/notes/{first[0]}/move",
            data={"ring": "outer"},
            headers={"HX-Request": "true"},
        )
    finally:
        room.client.cookies.clear()
    assert answer.status_code == 200
    assert answer.headers["X-Live"] == "keyed"
    assert not re.search(r'id="(suggestion|sg)-', answer.text)


def test_the_themes_are_listed_when_opened(client: TestClient) -> None:
    """The broader themes (they shift with every note) are not pushed: the control view
    lists them when the facilitator opens them; no one else may read them."""
    room = sorting_room(client, 30)
    page = control_page(room)
    themes = by_id(page, "suggestion-themes")
    assert themes is not None
    assert themes.get("hx-get") == "suggestions/themes"

    def get(who: str | None) -> Any:
        if who:
            room.client.cookies.set(f"cg_{room.code}", room.token(who))
        try:
            return room.client.get(f"/rooms/{room.code}/suggestions/themes")
        finally:
            room.client.cookies.clear()

    listed = get("fac")
    assert listed.status_code == 200
    expected = room.ok(room.get("fac", "/notes/suggestions"))["themes"]
    assert expected
    assert listed.text.count("<li>") == len(expected)
    shown = html.unescape(listed.text)
    assert all(theme["label"] in shown for theme in expected)
    assert get("p1").status_code == 403
    assert get(None).status_code == 403
