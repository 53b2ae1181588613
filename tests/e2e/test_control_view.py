"""The facilitator's control view on a laptop: it keeps its place after every action
(Move, Back, Spotlight, Merge, Remove), its toolkit is always reachable in a side
panel at 1366x768, and going back more than one step asks first."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import LIVE, ConsoleLog, api_room, expect_online, room_cookie
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")


async def sorting_room(http: httpx.AsyncClient, people: int = 10) -> tuple[str, str]:
    """A room in the sort phase with `people` participants, three notes each."""
    cast = [(f"Person {i}", PERSPECTIVES[i % 4]) for i in range(people)]
    code, token, tokens = await api_room(http, cast, title="Laptop check")
    await http.post(
        f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(token)
    )
    for i, person in enumerate(tokens):
        for n in range(3):
            text = f"Statement {n + 1} of person {i}: shared plans, early help and trust"
            reply = await http.post(
                f"/api/rooms/{code}/notes", json={"text": text}, headers=bearer(person)
            )
            assert reply.status_code == 201, reply.text
    moved = await http.post(
        f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=bearer(token)
    )
    assert moved.status_code == 200, moved.text
    return code, token


async def control_page(browser: Any, base: str, code: str, token: str, watch: Any) -> Any:
    context = await browser.new_context(viewport=LAPTOP)
    await context.add_cookies([room_cookie(base, code, token)])
    page = await context.new_page()
    watch(page, "control")
    await page.goto(f"{base}/rooms/{code}/control")
    await expect_online(page)
    return page


async def open_menu(card: Any) -> Any:
    """A note's one menu, opened; returns the card."""
    menu = card.locator("details.note-menu")
    if await menu.count() and not await menu.evaluate("el => el.open"):
        await menu.locator("summary").click()
    return card


async def test_actions_keep_the_scroll_position(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as http:
        code, token = await sorting_room(http)
    page = await control_page(browser, base, code, token, console_log.watch)
    page.on("dialog", lambda dialog: dialog.accept())
    inner = page.locator("#control-ring-inner > li")
    outer = page.locator("#control-ring-outer > li")
    await expect(inner).to_have_count(30)

    async def still(card: Any, name: str, done: Any, prepare: Any = None) -> None:
        """Click the button `name` in a note's menu; the page must not move."""
        await open_menu(card)
        if prepare is not None:
            await prepare(card)
        button = card.get_by_role("button", name=name, exact=True)
        await button.scroll_into_view_if_needed()
        before = await page.evaluate("window.scrollY")
        assert before > 300
        await button.click()
        await done()
        await page.wait_for_timeout(400)  # both the form's answer and the live update
        # No jump (it was 2,000-3,500 px): at most the browser's scroll anchoring,
        # which keeps what is on screen still when a note above grows or shrinks.
        assert abs(await page.evaluate("window.scrollY") - before) <= 40, name

    def middle() -> Any:
        return inner.nth(15)

    spotlit = page.locator("#control-task details.note-menu[data-spot]")
    await still(middle(), "Move to outer →", lambda: expect(outer).to_have_count(1, timeout=LIVE))
    await still(middle(), "Spotlight", lambda: expect(spotlit).to_have_count(1, timeout=LIVE))
    await still(
        inner.filter(has=page.locator("details[data-spot]")),
        "Un-spotlight",
        lambda: expect(spotlit).to_have_count(0, timeout=LIVE),
    )

    async def choose(card: Any) -> None:
        menu = card.locator("select[name=into]")
        await menu.focus()  # the menu lists the other notes when it opens
        # Into a note further down the list: nothing above the page's view changes size.
        value = await menu.locator("option").last.get_attribute("value")
        await menu.select_option(value)

    await still(middle(), "Merge", lambda: expect(inner).to_have_count(28, timeout=LIVE), choose)
    await still(middle(), "Remove", lambda: expect(inner).to_have_count(27, timeout=LIVE))
    await still(
        outer.nth(0), "← Back to inner", lambda: expect(outer).to_have_count(0, timeout=LIVE)
    )
    # Un-merge, in the list of what was merged into a note: back in its circle, page still.
    merged = page.locator("#control-task details.postit__merged:not([hidden])").first
    await merged.locator("summary").click()
    button = merged.get_by_role("button", name="Un-merge", exact=True)
    await button.scroll_into_view_if_needed()
    before = await page.evaluate("window.scrollY")
    await button.click()
    await expect(inner).to_have_count(29, timeout=LIVE)
    await page.wait_for_timeout(400)
    assert abs(await page.evaluate("window.scrollY") - before) <= 40
    assert console_log.errors == []


async def test_a_big_step_back_asks_first(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as http:
        code, token, _ = await api_room(http, [("Ana", "health")], title="Steps")
        moved = await http.post(
            f"/api/rooms/{code}/phase", json={"phase": "document"}, headers=bearer(token)
        )
        assert moved.status_code == 200, moved.text
    page = await control_page(browser, base, code, token, console_log.watch)
    asked: list[str] = []
    answer = {"accept": False}
    seen = asyncio.Event()

    async def on_dialog(dialog: Any) -> None:
        asked.append(dialog.message)
        seen.set()
        await (dialog.accept() if answer["accept"] else dialog.dismiss())

    async def question() -> str:
        """The next dialog's question (it was answered as `answer` says)."""
        await asyncio.wait_for(seen.wait(), LIVE / 1000)
        seen.clear()
        return asked[-1]

    page.on("dialog", on_dialog)
    now = page.locator(".phase-now__title")
    await expect(now).to_have_text("The joint statement")

    # A stray P (previous phase) from the document: asked, declined, nothing moves.
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.keyboard.press("p")
    assert "Go back to step" in await question()
    # One click on step 3 of the stepper: asked, declined.
    await page.locator("#control-phases button[data-phase='purpose-sort']").click()
    assert "Go back to step 3, “Task 1.1 · Sort the statements”" in await question()
    await page.wait_for_timeout(500)
    await expect(now).to_have_text("The joint statement")
    # Confirmed: the room goes back.
    answer["accept"] = True
    await page.locator("#control-phases button[data-phase='purpose-sort']").click()
    await expect(now).to_have_text("Task 1.1 · Sort the statements", timeout=LIVE)
    # One step back from there does not ask.
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.keyboard.press("p")
    await expect(now).to_have_text("Task 1.1 · Write your statements", timeout=LIVE)
    assert len(asked) == 3
    assert console_log.errors == []


async def test_the_toolkit_is_always_in_reach_at_1366x768(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as http:
        code, token = await sorting_room(http, people=30)
    page = await control_page(browser, base, code, token, console_log.watch)
    await expect(page.locator("#control-ring-inner > li")).to_have_count(90)
    tools = [
        page.locator("#lock-toggle"),
        page.get_by_role("button", name="Start the timer"),
        page.locator("#toggle-anonymous"),
        page.locator("#toggle-moderated"),
    ]
    height = await page.evaluate("document.documentElement.scrollHeight")
    assert height > 2 * LAPTOP["height"]  # a long list of notes: the page scrolls
    for where in (0, height // 2, height):
        await page.evaluate(f"window.scrollTo(0, {where})")
        await page.wait_for_timeout(100)
        for tool in tools:
            box = await tool.bounding_box()
            assert box is not None
            assert box["y"] >= 0, (where, box)
            assert box["y"] + box["height"] <= LAPTOP["height"], (where, box)
            assert box["x"] + box["width"] <= LAPTOP["width"]
    await shots(page, "control-sort-1366-scrolled")
    # The side panel's tools work from down there: lock the room.
    await page.locator("#lock-toggle").click()
    await expect(page.locator("#lock-toggle")).to_have_text("Unlock the room", timeout=LIVE)
    assert await page.evaluate("window.scrollY") > LAPTOP["height"]
    assert console_log.errors == []


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def ring_at(board: dict[str, float], x: float, y: float) -> str | None:
    """Which of the board's ellipses (viewBox 2000 x 1000, as app.js) a point lies in."""
    ux = (x - board["x"]) / board["width"] * 2000
    uy = (y - board["y"]) / board["height"] * 1000

    def within(rx: float, ry: float) -> bool:
        return ((ux - 1000) / rx) ** 2 + ((uy - 500) / ry) ** 2 <= 1

    return "inner" if within(735, 352) else "outer" if within(985, 492) else None


async def test_a_note_dragged_between_the_circles_keeps_the_page_still(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as http:
        code, token = await sorting_room(http)
    page = await control_page(browser, base, code, token, console_log.watch)
    inner = page.locator("#control-ring-inner > .cnote")
    outer = page.locator("#control-ring-outer > .cnote")
    await expect(inner).to_have_count(30)
    board = page.locator("[data-sort-board]")
    await expect(board).to_have_attribute("data-view", "list")  # the list first
    await page.get_by_role("button", name="Circles", exact=True).click()
    await expect(board).to_have_attribute("data-view", "circles")
    await expect(page.get_by_role("button", name="Circles", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    # Scrolled down to the circles, the page must stay where it is through a drag.
    await page.evaluate(
        "window.scrollTo(0, document.querySelector('[data-sort-board]')"
        ".getBoundingClientRect().top + window.scrollY - 20)"
    )
    before = await page.evaluate("window.scrollY")
    assert before > 100
    area = await board.bounding_box()
    assert area is not None
    card = inner.nth(12)
    note_id = await card.get_attribute("id")
    box = await card.bounding_box()
    assert box is not None
    assert ring_at(area, *centre(box)) == "inner"  # laid out in the inner ellipse

    async def drag(start: tuple[float, float], end: tuple[float, float]) -> None:
        await page.mouse.move(*start)
        await page.mouse.down()
        await page.mouse.move(*end, steps=12)
        await page.mouse.up()

    # Into the outer circle (its band at the left, level with the centre).
    target = (area["x"] + 0.07 * area["width"], area["y"] + 0.5 * area["height"])
    assert ring_at(area, *target) == "outer"
    await drag(centre(box), target)
    await expect(page.locator(f"#control-ring-outer > #{note_id}")).to_have_count(1, timeout=LIVE)
    await page.wait_for_timeout(400)  # both the form's answer and the live update
    assert abs(await page.evaluate("window.scrollY") - before) <= 2
    moved = await page.locator(f"#{note_id}").bounding_box()
    assert moved is not None
    assert ring_at(area, *centre(moved)) == "outer"  # put in a cell of the outer circle
    await shots(page, "control-sort-circles-dragged")

    # Back to the middle of the circles: the inner circle.
    await drag(centre(moved), (area["x"] + area["width"] / 2, area["y"] + area["height"] / 2))
    await expect(outer).to_have_count(0, timeout=LIVE)
    await page.wait_for_timeout(400)
    assert abs(await page.evaluate("window.scrollY") - before) <= 2
    # Dropped outside both circles (a corner): nothing moves.
    card = inner.nth(3)
    box = await card.bounding_box()
    assert box is not None
    await drag(centre(box), (area["x"] + 4, area["y"] + area["height"] - 4))
    await page.wait_for_timeout(500)
    await expect(outer).to_have_count(0)
    assert await card.bounding_box() == box  # back in its cell
    # A click (no drag) opens a note over its neighbours, with its Actions.
    await card.click()
    await expect(card.locator("details.note-menu > summary")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(card.locator("details.note-menu > summary")).to_be_hidden()

    # The keyboard's way works here too (O on a focused note), and the choice is kept.
    await inner.nth(5).focus()
    await page.keyboard.press("o")
    await expect(outer).to_have_count(1, timeout=LIVE)
    await page.reload()
    await expect_online(page)
    await expect(board).to_have_attribute("data-view", "circles")
    await page.get_by_role("button", name="List", exact=True).click()
    await expect(board).to_have_attribute("data-view", "list")
    await page.reload()
    await expect_online(page)
    await expect(board).to_have_attribute("data-view", "list")
    style = await inner.first.get_attribute("style")
    assert not style  # the list lays itself out
    assert console_log.errors == []


async def test_a_note_dragged_by_touch_on_a_tablet(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    """The drag is pointer events: a finger on a touch screen moves a note too."""
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as http:
        code, token = await sorting_room(http, people=4)
    context = await browser.new_context(viewport={"width": 1180, "height": 820}, has_touch=True)
    await context.add_cookies([room_cookie(base, code, token)])
    await context.add_init_script("localStorage.setItem('cg.sortView', 'circles')")
    page = await context.new_page()
    console_log.watch(page, "control")
    await page.goto(f"{base}/rooms/{code}/control")
    await expect_online(page)
    board = page.locator("[data-sort-board]")
    await expect(board).to_have_attribute("data-view", "circles")  # as chosen before
    await board.scroll_into_view_if_needed()
    area = await board.bounding_box()
    card = page.locator("#control-ring-inner > .cnote").nth(2)
    box = await card.bounding_box()
    assert area is not None
    assert box is not None
    before = await page.evaluate("window.scrollY")
    cdp = await context.new_cdp_session(page)
    start = centre(box)
    end = (area["x"] + 0.07 * area["width"], area["y"] + 0.5 * area["height"])

    async def touch(kind: str, point: tuple[float, float] | None) -> None:
        points = [] if point is None else [{"x": point[0], "y": point[1]}]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    await touch("touchStart", start)
    for step in range(1, 13):
        t = step / 12
        await touch(
            "touchMove", (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        )
    await touch("touchEnd", None)
    await expect(page.locator("#control-ring-outer > .cnote")).to_have_count(1, timeout=LIVE)
    assert abs(await page.evaluate("window.scrollY") - before) <= 2  # the finger did not scroll
    assert console_log.errors == []
