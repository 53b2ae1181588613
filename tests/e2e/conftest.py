"""Browser tests: a real uvicorn server (subprocess) driven by Debian's Chromium.

The server is a separate process on a loopback port with its own SQLite file,
so it can be stopped and started again on the same port and database (what a
facilitator's laptop does when the server restarts mid-session).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import require
from tests.servers import LiveServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS_DIR = Path("/tmp/cg-shots")
LIVE = 10_000  # ms: a pushed update should land well within this
MARK = "window.__cgNoReload"
"""Set on a page, then checked: still there means the page was never reloaded."""
DESKTOP = {"width": 1440, "height": 900}
BOARD = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
Watch = Callable[[Any, str], None]
"""`watch(page, label)`: what a test does with each page it opens (ConsoleLog.watch)."""


@pytest.fixture
def live_server(tmp_path: Path, migrated_sqlite: Path) -> Iterator[LiveServer]:
    """A running server on a free loopback port; its base URL is `.base_url`."""
    database = tmp_path / "e2e.db"
    shutil.copy(migrated_sqlite, database)
    server = LiveServer(port=free_port(), database=database, log_path=tmp_path / "uvicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        # Shown by pytest only when the test failed: the server's side of the story.
        print(f"--- uvicorn log ({server.log_path}) ---\n{server.log(20_000)}")


@pytest.fixture
def chromium() -> Path:
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    """Debian's Chromium, launched through Playwright (no `playwright install`)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            await instance.close()


def _connection_failure(message: Any) -> bool:
    """What Chromium and htmx log when a websocket cannot connect (server down)."""
    if message.text.startswith("WebSocket connection to"):
        return True
    # htmx logs the `htmx:wsError` event (its detail is the socket's error Event).
    url = str(message.location.get("url", ""))
    return message.text == "[object Event]" and "/static/vendor/htmx-" in url


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors of every page it watches."""

    errors: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    # While True, failed websocket connections are expected (the server is down).
    server_down: bool = False

    def watch(self, page: Any, label: str, *, dialogs: list[str] | None = None) -> None:
        """Record the page's console errors; with `dialogs`, also every alert, confirm or
        prompt it opens (dismissed, so a confirmed action is cancelled)."""

        def on_console(message: Any) -> None:
            if message.type != "error":
                return
            text = f"[{label}] console.error: {message.text} ({message.location.get('url')})"
            if self.server_down and _connection_failure(message):
                self.tolerated.append(text)
            else:
                self.errors.append(text)

        def on_page_error(error: Any) -> None:
            self.errors.append(f"[{label}] pageerror: {error}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        if dialogs is not None:

            async def on_dialog(dialog: Any) -> None:
                dialogs.append(f"[{label}] {dialog.type}: {dialog.message}")
                await dialog.dismiss()

            page.on("dialog", on_dialog)


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def shots(tmp_path: Path) -> Any:
    """`await shots(page, "name")`: a PNG in tmp_path, copied to /tmp/cg-shots/.

    `full_page=True` captures the whole scrollable page, not just the viewport."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "shots"
    folder.mkdir()

    async def take(page: Any, name: str, *, full_page: bool = False) -> Path:
        path = folder / f"{name}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        shutil.copy(path, SHOTS_DIR / path.name)
        return path

    return take


async def create_room_from_home(
    page: Any,
    base: str,
    *,
    title: str = "Oakfield partnership",
    setting: str = "Oakfield Primary School",
    workshop: str | None = None,
) -> tuple[str, str]:
    """The facilitator's way in: the home page's form, then the control view.

    Returns the room code and the facilitator token (the cookie the browser got)."""
    await page.goto(f"{base}/")
    await page.get_by_label("Session title").fill(title)
    await page.get_by_label("Educational setting").fill(setting)
    if workshop is not None:
        await page.get_by_label("Workshop").select_option(label=workshop)
    await page.get_by_role("button", name="Create room").click()
    await page.wait_for_url(re.compile(r"/rooms/[A-Z0-9]+/control$"))
    code = (await page.locator(".control__code-value").inner_text()).strip()
    return code, token_of(await page.context.cookies(base), code)


class Desk(NamedTuple):
    """The facilitator's browser window: the control view, and the board in a second page."""

    context: Any
    control: Any
    board: Any
    code: str
    token: str


async def open_desk(browser: Any, base: str, watch: Watch, **options: Any) -> Desk:
    """A room made on the home page, its control view, then its board (BOARD-sized) in
    another page of the same window; `options` go to the window's browser context."""
    context = await browser.new_context(viewport=DESKTOP, **options)
    control = await context.new_page()
    watch(control, "control")
    code, token = await create_room_from_home(control, base)
    board = await context.new_page()
    await board.set_viewport_size(BOARD)
    watch(board, "board")
    await board.goto(f"{base}/rooms/{code}/board")
    return Desk(context, control, board, code, token)


async def join_by_phone(
    browser: Any,
    base: str,
    code: str,
    name: str,
    perspective: str,
    watch: Watch,
    *,
    viewport: dict[str, int] = PHONE,
    typed: str | None = None,
    **options: Any,
) -> Any:
    """A participant's way in, on a phone of their own (a mobile browser context with
    `options`): the join form, the code `typed` (by default in lower case), their name, a tap
    on their perspective (its label). Returns the phone view's page once it is online."""
    handset = await browser.new_context(
        viewport=viewport, is_mobile=True, has_touch=True, **options
    )
    phone = await handset.new_page()
    watch(phone, perspective)
    await phone.goto(f"{base}/join")
    await phone.locator("#code").fill(code.lower() if typed is None else typed)
    await phone.get_by_label("Your name").fill(name)
    await phone.locator("label.perspective-option").get_by_text(perspective, exact=True).tap()
    await phone.get_by_role("button", name="Join the session").tap()
    await phone.wait_for_url(f"{base}/rooms/{code}/phone")
    await expect_online(phone)
    return phone


async def expect_everyone_online(control: Any, board: Any, people: int) -> None:
    """The control view and the board are live, and the control view counts all `people`
    online."""
    for page in (control, board):
        await expect_online(page)
    await expect(control.locator("#control-participants .count")).to_have_text(
        f"{people}/{people} online", timeout=LIVE
    )


async def api_room(
    http: httpx.AsyncClient, people: Iterable[tuple[str, str]] = (), **room: Any
) -> tuple[str, str, list[str]]:
    """A room made over the JSON API (`room`: its fields), then `people` (name,
    perspective id) joined: (code, facilitator token, their tokens in order)."""
    created = await http.post("/api/rooms", json=room)
    assert created.status_code == 201, created.text
    code, token = created.json()["code"], created.json()["facilitator_token"]
    tokens = []
    for name, perspective in people:
        joined = await http.post(
            f"/api/rooms/{code}/join", json={"name": name, "perspective": perspective}
        )
        assert joined.status_code == 201, joined.text
        tokens.append(joined.json()["token"])
    return code, token, tokens


def token_of(cookies: list[Any], code: str) -> str:
    """The token a browser holds for room `code`, among its `cookies`."""
    return str(next(c["value"] for c in cookies if c["name"] == f"cg_{code}"))


def room_cookie(base: str, code: str, token: str) -> dict[str, str]:
    """The cookie that signs a browser into room `code` (for `context.add_cookies`)."""
    return {"name": f"cg_{code}", "value": token, "url": base}


async def mark_no_reload(*pages: Any) -> None:
    for page in pages:
        await page.evaluate(f"{MARK} = true")


async def assert_not_reloaded(*pages: Any) -> None:
    for page in pages:
        assert await page.evaluate(f"{MARK} === true"), f"{page.url} was reloaded"


async def expect_online(page: Any) -> None:
    """The page's live connection is up (the banner says so)."""
    await expect(page.locator('#connection[data-state="online"]')).to_be_visible(timeout=LIVE)


def exactly(text: str) -> re.Pattern[str]:
    return re.compile(f"^{re.escape(text)}$")
