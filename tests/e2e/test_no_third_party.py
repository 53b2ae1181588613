"""The app makes no request to any third party: every request every page makes (documents,
scripts, styles, images, fonts, fetches, websockets), on every screen of a session and
its downloads, goes to the app's own origin. (The data protection pack relies on it:
docs/data-protection.md.)"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import bearer
from tests.e2e.conftest import ConsoleLog, expect_online, join_by_phone, open_desk
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e


class Recorder:
    """Every request of every page of the contexts it is given, and every websocket."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def watch(self, context: Any) -> None:
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("page", self._page)
        for page in context.pages:
            self._page(page)

    def _page(self, page: Any) -> None:
        page.on("websocket", lambda socket: self.urls.append(socket.url))

    def origins(self) -> set[str]:
        found = set()
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue  # never leaves the browser
            found.add(f"{parts.scheme}://{parts.netloc}")
        return found


async def test_every_request_of_a_whole_session_goes_to_the_app_only(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    base = live_server.base_url
    recorder = Recorder()
    desk = await open_desk(browser, base, console_log.watch)
    recorder.watch(desk.context)
    await desk.control.reload()
    await desk.board.reload()
    phones = []
    for name, perspective in (("Priya", "Health"), ("Tom", "Education")):
        phone = await join_by_phone(browser, base, desk.code, name, perspective, console_log.watch)
        recorder.watch(phone.context)
        await phone.reload()  # its context was recorded from here on: load it again
        phones.append(phone)
    async with httpx.AsyncClient(base_url=base, trust_env=False) as api:
        fac = bearer(desk.token)
        for phase in ("purpose-write", "purpose-sort", "grid-write", "document", "closed"):
            response = await api.post(
                f"/api/rooms/{desk.code}/phase", json={"phase": phase}, headers=fac
            )
            assert response.status_code == 200
            for page in (desk.control, desk.board, *phones):
                await page.reload()
                await expect_online(page)
    # The pages that are not the live screens: home, join, the document, the docs.
    extra = await desk.context.new_page()
    for path in ("/", "/join", f"/rooms/{desk.code}/facilitate", "/docs"):
        await extra.goto(f"{base}{path}")
        await extra.wait_for_load_state("networkidle")
    own = {base, base.replace("http://", "ws://")}
    assert recorder.urls, "nothing was recorded"
    assert recorder.origins() <= own, sorted(recorder.origins() - own)
    assert any(url.startswith("ws://") for url in recorder.urls)  # the live sockets too
    assert console_log.errors == []
