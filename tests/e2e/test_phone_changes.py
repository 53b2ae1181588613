"""Phones that say what changed (issue 15, point 5), in real Chromium against a real server.

- A new step scrolls the phone to the top and shows "New step: …" in a live region.
- A locking timer at 0:00 disables the writing fields, says why, and keeps what was typed
  (the page's clock is Playwright's, moved forward: no test waits for the wall clock).
- The connection pill says "Reconnecting…" within seconds of the network going (the
  browser offline, or a server that stopped answering the heartbeat), "Live" again after.
- A removed phone shows one message, nothing else.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.conftest import LIVE, PHONE, SMALL_PHONE, ConsoleLog, api_room, room_cookie
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

PEOPLE = [("Priya", "health"), ("Tom", "education"), ("Sol", "social-care"), ("Vic", "vcs-other")]
AGREE = "Task 1.1 · Agree purpose and goals"
HEARTBEAT = 15_000  # ms: the pill must turn within the heartbeat's 9 s (and a tick)


@dataclass
class Room:
    http: httpx.AsyncClient
    code: str
    fac: str
    tokens: list[str]

    async def call(self, method: str, path: str, body: Any = None, token: str = "") -> Any:
        response = await self.http.request(
            method,
            f"/api/rooms/{self.code}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token or self.fac}"},
        )
        assert response.status_code in (200, 201, 204), (path, response.text)
        return response.json() if response.content else None

    async def phase(self, phase: str) -> None:
        await self.call("POST", "/phase", {"phase": phase})


@pytest.fixture
async def room(live_server: LiveServer) -> AsyncIterator[Room]:
    async with httpx.AsyncClient(
        base_url=live_server.base_url, trust_env=False, timeout=30
    ) as http:
        code, fac, tokens = await api_room(http, PEOPLE, title="Oakfield partnership")
        yield Room(http, code, fac, tokens)


async def open_phone(
    browser: Any,
    base: str,
    room: Room,
    console_log: ConsoleLog,
    viewport: dict[str, int],
    *,
    clock: bool = False,
) -> tuple[Any, Any]:
    """Priya's phone (the first person), online; with `clock`, on Playwright's clock."""
    context = await browser.new_context(viewport=viewport, is_mobile=True, has_touch=True)
    await context.add_cookies([room_cookie(base, room.code, room.tokens[0])])
    page = await context.new_page()
    console_log.watch(page, f"phone {viewport['width']}")
    if clock:
        await page.clock.install()
    await page.goto(f"{base}/rooms/{room.code}/phone")
    await expect(page.locator("#connection")).to_have_attribute(
        "data-state", "online", timeout=LIVE
    )
    return context, page


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320x640", "390x844"])
async def test_a_new_step_scrolls_to_the_top_and_says_so(
    browser: Any,
    live_server: LiveServer,
    room: Room,
    console_log: ConsoleLog,
    shots: Any,
    viewport: dict[str, int],
) -> None:
    await room.phase("purpose-write")
    for token in room.tokens:
        for n in range(3):
            await room.call("POST", "/notes", {"text": f"A shared aim, number {n} " * 4}, token)
    await room.phase("purpose-sort")
    context, phone = await open_phone(browser, live_server.base_url, room, console_log, viewport)
    banner = phone.locator("#step-banner")
    await expect(banner).to_be_hidden()
    await phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert await phone.evaluate("window.scrollY") > 300, "the sort list should be long"

    await room.phase("purpose-agree")
    await expect(banner).to_have_text(f"New step: {AGREE}", timeout=LIVE)
    await expect(banner).to_be_visible()
    await expect(banner).to_have_attribute("aria-live", "assertive")
    await expect(banner).to_have_attribute("role", "status")
    await phone.wait_for_function("window.scrollY === 0", timeout=LIVE)
    await expect(phone.locator("#phone-phase .phone__title")).to_have_text(AGREE)
    await expect(phone.locator("#phone-phase .phone__title")).to_be_in_viewport()
    await shots(phone, f"phone-new-step-{viewport['width']}")

    # A stray update of the same step is not a new step: no banner, no jump.
    await phone.evaluate("document.getElementById('step-banner').textContent = ''")
    await phone.evaluate("window.scrollTo(0, 200)")
    before = await phone.evaluate("window.scrollY")
    await room.call("PUT", "/statements/purpose", {"text": "Every child known by one team."})
    await expect(phone.locator("#phone-task")).to_contain_text("Every child known", timeout=LIVE)
    assert await phone.evaluate("window.scrollY") == before
    assert await banner.text_content() == ""
    await context.close()
    assert console_log.errors == []


@pytest.mark.parametrize(
    ("phase", "field_id"),
    [("purpose-write", "note-text"), ("grid-write", "grid-text-means")],
    ids=["notes", "grid"],
)
async def test_writing_closes_at_time_up_and_keeps_what_was_typed(
    browser: Any,
    live_server: LiveServer,
    room: Room,
    console_log: ConsoleLog,
    shots: Any,
    phase: str,
    field_id: str,
) -> None:
    await room.phase(phase)
    await room.call("POST", "/timer", {"action": "start", "seconds": 300, "lock": True})
    context, phone = await open_phone(
        browser, live_server.base_url, room, console_log, SMALL_PHONE, clock=True
    )
    field = phone.locator(f"#{field_id}")
    add = phone.locator("#phone-task form .button--primary").first
    typed = "Half a thought about shared"
    await field.fill(typed)
    await expect(phone.locator(f"#{field_id}-count")).to_contain_text(f"{len(typed)} / 280")
    await expect(field).to_be_enabled()
    await expect(phone.locator("#writing-closed")).to_have_count(0)

    await phone.clock.fast_forward("05:01")  # the phone's clock passes 0:00
    await expect(phone.locator("#phone-phase .timer__label")).to_have_text("Time is up")
    await expect(field).to_be_disabled()
    await expect(add).to_be_disabled()
    await expect(field).to_have_value(typed)
    notice = phone.locator("#writing-closed")
    await expect(notice).to_have_text(
        "Time is up: the facilitator closed writing. What you typed is kept here."
    )
    await expect(notice).to_be_in_viewport()
    await expect(phone.locator("#phone-done button")).to_be_enabled()  # "I'm done" still works
    await shots(phone, f"phone-time-up-{phase}-320")

    # The facilitator gives a minute more (by the phone's clock, 5:01 has passed: the new
    # end is later than that only because the server adds to its own now).
    await room.call("POST", "/timer", {"action": "add"})
    await phone.clock.fast_forward("00:01")
    await expect(field).to_be_enabled(timeout=LIVE)
    await expect(add).to_be_enabled()
    await expect(field).to_have_value(typed)
    await expect(phone.locator("#writing-closed")).to_have_count(0)
    await context.close()
    assert console_log.errors == []


async def test_the_pill_says_offline_within_seconds(
    browser: Any, live_server: LiveServer, room: Room, console_log: ConsoleLog, shots: Any
) -> None:
    context, phone = await open_phone(browser, live_server.base_url, room, console_log, PHONE)
    pill = phone.locator("#connection")

    console_log.server_down = True  # while offline, the reconnects fail (logged by Chromium)
    await context.set_offline(True)
    await expect(pill).to_have_attribute("data-state", "offline", timeout=HEARTBEAT)
    await expect(pill).to_have_text("Reconnecting…")
    await shots(phone, "phone-offline-390")
    await context.set_offline(False)
    await expect(pill).to_have_attribute("data-state", "online", timeout=LIVE * 3)
    await expect(pill).to_have_text("Live")

    # A socket still open to a server that no longer answers (the process stopped, as a
    # laptop asleep or a router that dropped the route): the heartbeat notices.
    assert live_server.process is not None
    os.kill(live_server.process.pid, signal.SIGSTOP)
    try:
        await expect(pill).to_have_attribute("data-state", "offline", timeout=HEARTBEAT)
    finally:
        os.kill(live_server.process.pid, signal.SIGCONT)
    await expect(pill).to_have_attribute("data-state", "online", timeout=LIVE * 3)
    console_log.server_down = False
    await context.close()
    assert console_log.errors == []


async def test_a_removed_phone_shows_one_clear_message(
    browser: Any, live_server: LiveServer, room: Room, console_log: ConsoleLog, shots: Any
) -> None:
    context, phone = await open_phone(browser, live_server.base_url, room, console_log, SMALL_PHONE)
    await expect(phone.locator("#phone-phase")).to_contain_text("You're in")
    me = (await room.call("GET", "", token=room.tokens[0]))["you"]["participant_id"]
    await room.call("DELETE", f"/participants/{me}")

    ended = phone.locator("#phone-ended")
    await expect(ended).to_be_visible(timeout=LIVE)
    await expect(ended.locator("h1")).to_have_text("You were removed from this session")
    await expect(ended).to_have_attribute("role", "alert")
    await expect(phone.locator("#phone-phase")).to_be_hidden()
    await expect(phone.locator("#connection")).to_be_hidden()
    visible = await phone.evaluate("document.body.innerText")
    assert "You're in" not in visible
    assert visible.count("removed") == 1, visible
    await shots(phone, "phone-removed-320")
    await context.close()
    assert console_log.errors == []


async def test_ratings_close_at_time_up_too(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    async with httpx.AsyncClient(
        base_url=live_server.base_url, trust_env=False, timeout=30
    ) as http:
        code, fac, tokens = await api_room(
            http, PEOPLE[:1], title="Health check", workshop="partnership-health-check"
        )
        room = Room(http, code, fac, tokens)
        await room.phase("checklist")
        await room.call("POST", "/timer", {"action": "start", "seconds": 120, "lock": True})
        context, phone = await open_phone(
            browser, live_server.base_url, room, console_log, PHONE, clock=True
        )
        choices = phone.locator("#phone-task input[type=radio]")
        assert await choices.count() >= 30
        await expect(choices.first).to_be_enabled()
        await phone.clock.fast_forward("02:01")
        await expect(phone.locator("#writing-closed")).to_have_text(
            "Time is up: the facilitator closed answering. Your answers so far are saved."
        )
        for index in (0, 7, await choices.count() - 1):
            await expect(choices.nth(index)).to_be_disabled()
        await shots(phone, "phone-time-up-checklist-390")
        await context.close()
    assert console_log.errors == []
