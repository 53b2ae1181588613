"""Phones for everyone: screen readers hear what changes, text at 200% still fits.

A phone at 390×844 follows a room through Task 1.1. Its live region (#announcer)
says how many statements appeared, moved or went, as the board changes; with the
text doubled (200% zoom, as Android's font-size setting does) no phase scrolls
sideways, in portrait and in landscape.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.conftest import ConsoleLog
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

PORTRAIT = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}
TEXT_200 = "html { font-size: 200% !important; }"
WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


async def test_phone_announces_changes_and_fits_at_200_percent(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        created = (await http.post("/api/rooms", json={"title": "Oakfield"})).json()
        code = created["code"]
        facilitator = {"Authorization": f"Bearer {created['facilitator_token']}"}
        people = []
        for name, perspective in (("Priya", "health"), ("Tom", "education")):
            joined = (
                await http.post(
                    f"/api/rooms/{code}/join", json={"name": name, "perspective": perspective}
                )
            ).json()
            people.append({"Authorization": f"Bearer {joined['token']}"})

        async def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
            response = await http.request(
                method, f"/api/rooms/{code}{path}", json=body, headers=headers
            )
            assert response.status_code in (200, 201, 204), (path, response.text)
            return response.json() if response.content else None

        contexts = {}
        pages = {}
        for label, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            ctx = await browser.new_context(  # CSP bypassed only to inject the 200% style
                viewport=viewport, is_mobile=True, has_touch=True, bypass_csp=True
            )
            token = people[0]["Authorization"].removeprefix("Bearer ")
            await ctx.add_cookies([{"name": f"cg_{code}", "value": token, "url": base}])
            page = await ctx.new_page()
            console_log.watch(page, label)
            await page.goto(f"{base}/rooms/{code}/phone")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "online")
            contexts[label], pages[label] = ctx, page
        phone = pages["portrait"]
        announcer = phone.locator("#announcer")
        await expect(announcer).to_have_attribute("aria-live", "polite")

        async def fits(phase: str) -> None:
            for label, page in pages.items():
                await page.add_style_tag(content=TEXT_200)
                scroll_width, client_width = await page.evaluate(WIDTHS)
                await shots(page, f"phone-200-{label}-{phase}", full_page=True)
                assert scroll_width <= client_width, (label, phase, scroll_width, client_width)
                await page.reload()
                await expect(page.locator("#connection")).to_have_attribute("data-state", "online")

        await fits("lobby")
        await call("POST", "/phase", facilitator, {"phase": "purpose-write"})
        await expect(phone.locator("#note-text")).to_be_visible()
        notes = []
        for headers, texts in zip(
            people,
            (["Every child safe", "Share information early"], ["One plan per family"]),
            strict=True,
        ):
            for text in texts:
                body = {"id": str(uuid.uuid4()), "text": text}
                notes.append(await call("POST", "/notes", headers, body))
        await fits("write")

        # The reveal: three statements arrive on the phone at once.
        await call("POST", "/phase", facilitator, {"phase": "purpose-sort"})
        await expect(announcer).to_have_text("3 new statements")
        await call("POST", f"/notes/{notes[2]['id']}/move", facilitator, {"ring": "outer"})
        await expect(announcer).to_have_text("1 statement moved")
        await call("POST", f"/notes/{notes[1]['id']}/merge", facilitator, {"into": notes[0]["id"]})
        await expect(announcer).to_have_text("1 statement merged or removed")
        await fits("sort")

        await call("POST", "/phase", facilitator, {"phase": "purpose-agree"})
        await call("PUT", "/statements/purpose", facilitator, {"text": "Every child safe " * 8})
        await fits("agree")
        for ctx in contexts.values():
            await ctx.close()
    assert console_log.errors == [], "\n".join(console_log.errors)
