"""The board's pages from the control view, and the lobby's words without a QR code.

With 100 people the sort phase lists its notes legibly on dozens of pages: the control
view's page picker shows page K straight away, and the board says "page K of N". Where
phones cannot reach the server (no PUBLIC_URL, opened on 127.0.0.1), the board shows a
warning instead of the QR code, and its lobby does not tell the room to scan one.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import LIVE, ConsoleLog, api_room, room_cookie
from tests.servers import LiveServer, free_port

pytestmark = pytest.mark.e2e

PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
SMALL_BOARD = {"width": 1280, "height": 720}
NOTE = "Every child at Oakfield known by name, with one named contact for each family ({})"


async def open_screen(
    browser: Any, base: str, code: str, token: str, view: str, **options: Any
) -> Any:
    context = await browser.new_context(viewport=SMALL_BOARD, **options)
    await context.add_cookies([room_cookie(base, code, token)])
    page = await context.new_page()
    await page.goto(f"{base}/rooms/{code}/{view}")
    await expect(page.locator("html[data-connection='online']")).to_have_count(1, timeout=LIVE)
    return page


async def test_the_control_view_shows_a_page_of_the_board_by_its_number(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    base = live_server.base_url
    async with (
        asyncio.timeout(120),
        httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as api,
    ):
        people = [(f"Person {n}", PERSPECTIVES[n % 4]) for n in range(40)]
        code, token, tokens = await api_room(api, people, title="Oakfield partnership")
        room = f"/api/rooms/{code}"
        await api.post(f"{room}/phase", json={"phase": "purpose-write"}, headers=bearer(token))
        for first in range(0, len(tokens), 10):
            await asyncio.gather(
                *(
                    api.post(
                        f"{room}/notes", json={"text": NOTE.format(f"{n}.{k}")}, headers=bearer(t)
                    )
                    for n, t in enumerate(tokens[first : first + 10], start=first)
                    for k in range(3)
                )
            )
        moved = await api.post(
            f"{room}/phase", json={"phase": "purpose-sort"}, headers=bearer(token)
        )
        assert moved.status_code == 200, moved.text

        board = await open_screen(browser, base, code, token, "board")
        console_log.watch(board, "board")
        control = await open_screen(browser, base, code, token, "control")
        console_log.watch(control, "control")
        pages = (await board.evaluate("() => window.cgBoard.show(0)"))["pages"]
        await board.evaluate("() => window.cgBoard.show(null)")  # the room's page again
        assert pages >= 6, f"120 notes on {pages} pages at 1280x720"

        picker = control.get_by_label("Go to page")
        await picker.fill("5")
        await control.locator("#control-board-go").get_by_role("button", name="Show").click()
        await expect(board.locator("[data-pager]")).to_have_text(
            f" · page 5 of {pages}", timeout=LIVE
        )
        await expect(control.get_by_label("Go to page")).to_have_value("5", timeout=LIVE)
        # The next page follows from there, with the key the control view listens to.
        await control.locator("body").press("PageDown")
        await expect(board.locator("[data-pager]")).to_have_text(
            f" · page 6 of {pages}", timeout=LIVE
        )
        await expect(control.get_by_label("Go to page")).to_have_value("6", timeout=LIVE)
    assert console_log.errors == [], "\n".join(console_log.errors)


@pytest.fixture
def server_without_public_url(tmp_path: Path, migrated_sqlite: Path) -> Iterator[LiveServer]:
    """A server as `make run` starts it on a fresh clone: on 127.0.0.1, PUBLIC_URL unset."""
    database = tmp_path / "lobby.db"
    shutil.copy(migrated_sqlite, database)
    server = LiveServer(
        port=free_port(),
        database=database,
        log_path=tmp_path / "uvicorn.log",
        env={"PUBLIC_URL": ""},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("locale", "shown", "scan"),
    [
        ("en-GB", "then type the room code shown here", "scan the QR code"),
        ("cy", "yna teipiwch y cod ystafell a ddangosir yma", "sganiwch y cod QR"),
    ],
)
async def test_without_a_qr_code_the_lobby_says_what_to_type(
    browser: Any,
    server_without_public_url: LiveServer,
    console_log: ConsoleLog,
    locale: str,
    shown: str,
    scan: str,
) -> None:
    base = server_without_public_url.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as api:
        code, token, _ = await api_room(api, [("Zoë Shah", "health")], title="Oakfield partnership")
    board = await open_screen(browser, base, code, token, "board", locale=locale)
    console_log.watch(board, "board")
    await expect(board.locator("#board-join-warning")).to_be_visible()
    await expect(board.locator(".board__qr")).to_have_count(0)
    prompt = board.locator(".board__prompt:visible")
    await expect(prompt).to_have_count(1)
    await expect(prompt).to_contain_text(shown)
    assert scan not in await board.locator("body").inner_text()
    assert console_log.errors == [], "\n".join(console_log.errors)
