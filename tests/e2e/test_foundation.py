"""The foundation, end to end: create a room, open the board, join from a phone,
move through phases live, and survive a server restart without reloading."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import (
    BOARD,
    DESKTOP,
    LIVE,
    PHONE,
    ConsoleLog,
    assert_not_reloaded,
    mark_no_reload,
    token_of,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

RECONNECT = 30_000  # ms: htmx-ext-ws backs off with full jitter (1 s, 2 s, 4 s, 8 s …)

WELCOME = "Welcome"
WRITE = "Task 1.1 · Write your statements"
SORT = "Task 1.1 · Sort the statements"
AGREE = "Task 1.1 · Agree purpose and goals"


async def expect_online(page: Any, within_ms: int = LIVE) -> None:
    banner = page.locator('#connection[data-state="online"]')
    await expect(banner).to_be_visible(timeout=within_ms)
    await expect(banner).to_have_text("Live")


async def test_create_join_phases_and_reconnect(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url

    # a. The facilitator creates a room on the home page.
    desk = await browser.new_context(viewport=DESKTOP)
    control = await desk.new_page()
    console_log.watch(control, "control")
    await control.goto(f"{base}/")
    await expect(control.locator("h1")).to_contain_text("Agree a common purpose")
    await control.get_by_label("Session title").fill("Oakfield partnership")
    await control.get_by_label("Educational setting").fill("Oakfield Primary School")
    await shots(control, "foundation-home")
    await control.get_by_role("button", name="Create room").click()
    await control.wait_for_url(re.compile(r"/rooms/[A-Z0-9]+/control$"))
    code = (await control.locator(".control__code-value").inner_text()).strip()
    assert re.fullmatch(r"[A-Z2-9]{6}", code), code
    assert control.url == f"{base}/rooms/{code}/control"
    await expect(control.locator("h1")).to_have_text("Oakfield partnership")
    await expect(control.locator(".control__setting")).to_have_text("Oakfield Primary School")
    await expect_online(control)
    await mark_no_reload(control)

    # b. The board, in another page of the facilitator's browser.
    board = await desk.new_page()
    await board.set_viewport_size(BOARD)
    console_log.watch(board, "board")
    await board.goto(f"{base}/rooms/{code}/board")
    await expect(board.locator(".board__code")).to_have_text(code)
    code_size = await board.locator(".board__code").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert code_size >= 48, f"the room code is only {code_size}px on the board"
    await expect(board.locator(".board__qr svg")).to_be_visible()
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(WELCOME)
    await expect_online(board)
    await mark_no_reload(board)

    # c. A participant joins from a phone, typing the code in lower case.
    handset = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await handset.new_page()
    console_log.watch(phone, "phone")
    await phone.goto(f"{base}/join")
    await expect(phone.locator("h1")).to_have_text("Join a session")
    await phone.locator("#code").press_sequentially(code.lower())
    await phone.get_by_label("Your name").fill("Priya Shah")
    await phone.locator("label.perspective-option").get_by_text("Health", exact=True).click()
    await expect(phone.locator('input[name="perspective"][value="health"]')).to_be_checked()
    await shots(phone, "foundation-join")
    await phone.get_by_role("button", name="Join the session").click()
    await phone.wait_for_url(f"{base}/rooms/{code}/phone")
    await expect(phone.locator("#phone-phase .phone__title")).to_have_text(WELCOME)
    await expect(phone.locator("#phone-header .phone__me")).to_have_text("Priya Shah")
    await expect_online(phone)
    await mark_no_reload(phone)

    # d. The board and the control view list her, without reloading.
    health = board.locator("#board-main .column--health")
    await expect(health.locator(".name")).to_have_text(["Priya Shah"], timeout=LIVE)
    await expect(board.locator("#board-main .board__people-title")).to_contain_text(
        "1 person in the room"
    )
    people = control.locator("#control-participants")
    await expect(people.locator(".person__name")).to_have_text(["Priya Shah"], timeout=LIVE)
    await expect(people.locator(".count")).to_have_text("1/1 online", timeout=LIVE)
    await shots(board, "foundation-board-lobby")
    await shots(control, "foundation-control-lobby")
    await shots(phone, "foundation-phone-lobby")

    # e. Next phase from the control view; phone and board follow live. Then back.
    await expect(control.locator("#next-phase")).to_have_text(f"Next: {WRITE} →")
    await control.locator("#next-phase").click()
    await expect(phone.locator("#phone-phase .phone__title")).to_have_text(WRITE, timeout=LIVE)
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
        WRITE, timeout=LIVE
    )
    await expect(control.locator("#control-phases .phase-now__title")).to_have_text(
        WRITE, timeout=LIVE
    )
    await expect(control.locator("#next-phase")).to_have_text(f"Next: {SORT} →")
    await shots(phone, "foundation-phone-write")
    await shots(board, "foundation-board-write")
    await shots(control, "foundation-control-write")

    await control.locator(".phase-now__nav button", has_text="←").click()
    await expect(phone.locator("#phone-phase .phone__title")).to_have_text(WELCOME, timeout=LIVE)
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
        WELCOME, timeout=LIVE
    )
    await expect(control.locator("#control-phases .phase-now__title")).to_have_text(
        WELCOME, timeout=LIVE
    )

    # f. The server restarts (same port, same database); the pages reconnect.
    token = token_of(await desk.cookies(base), code)
    console_log.server_down = True
    await live_server.astop()
    for page in (phone, board, control):
        offline = page.locator('#connection[data-state="offline"]')
        await expect(offline).to_be_visible(timeout=LIVE)
        await expect(offline).to_have_text("Reconnecting…")
    await shots(phone, "foundation-phone-reconnecting")
    await live_server.astart()

    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as api:
        # Changed before the pages are back: they catch up when they reconnect.
        response = await api.post(
            f"/api/rooms/{code}/phase",
            json={"phase": "purpose-sort"},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        for page in (phone, board, control):
            await expect_online(page, within_ms=RECONNECT)
        console_log.server_down = False
        await expect(phone.locator("#phone-phase .phone__title")).to_have_text(SORT)
        await expect(board.locator("#board-phase .board__phase-title")).to_have_text(SORT)
        await expect(control.locator("#control-phases .phase-now__title")).to_have_text(SORT)

        # Changed after they are back: pushed live over the new sockets.
        response = await api.post(
            f"/api/rooms/{code}/phase",
            json={"phase": "purpose-agree"},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
    await expect(phone.locator("#phone-phase .phone__title")).to_have_text(AGREE, timeout=LIVE)
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
        AGREE, timeout=LIVE
    )
    await expect(people.locator(".person__name")).to_have_text(["Priya Shah"])
    await expect(people.locator(".count")).to_have_text("1/1 online", timeout=LIVE)
    await shots(phone, "foundation-phone-after-restart")
    await shots(board, "foundation-board-after-restart")

    for page in (phone, board, control):
        await assert_not_reloaded(page)

    await handset.close()
    await desk.close()
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()
