"""Languages in a real Chromium: every screen of both workshops in Welsh at 320×640,
390×844 and 1920×1080 (axe-core clean, nothing clipped, no sideways scroll), the phone
right to left, and a room where a Welsh phone, an English phone and an English board
each follow the session live in their own language.

Screenshots go to /work/notes/shots/i18n/ (and /tmp/cg-shots/) to be looked at.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import BOARD, LIVE, PHONE, SMALL_PHONE, ConsoleLog, api_room, room_cookie
from tests.e2e.test_accessibility import AXE_JS, AXE_RUN, BLOCKING, WCAG_TAGS
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

LOOK_AT = Path("/work/notes/shots/i18n")
PHASES = {
    "multi-agency-visioning": [
        "lobby",
        "purpose-write",
        "purpose-sort",
        "purpose-agree",
        "grid-write",
        "grid-agree",
        "document",
        "closed",
    ],
    "partnership-health-check": ["lobby", "checklist", "ladder", "results", "closed"],
}
CLIPPED = """() => [...document.querySelectorAll('body *')].filter((e) => {
  const style = getComputedStyle(e);
  if (style.display === 'none' || style.visibility === 'hidden' || !e.offsetParent) return false;
  // Visually hidden on purpose (for screen readers: 1 px, clipped away): not clipped text.
  if (style.clipPath !== 'none' || e.getBoundingClientRect().width <= 1) return false;
  const skip = '.visually-hidden, [aria-hidden="true"], svg, textarea, input, select';
  if (e.closest(skip)) return false;
  const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
  // The board's one-line rating items end in "…" by design, the whole text in their title.
  const title = (e.getAttribute('title') || '').trim();
  const shownWhole = title && title === e.textContent.trim().replace(/^[0-9]+ */, '');
  return clips && e.scrollWidth > e.clientWidth + 1 && e.textContent.trim() && !shownWhole;
}).slice(0, 5).map((e) => e.outerHTML.slice(0, 160))"""
WIDE = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('body *')].filter((e) => {
    if (!e.offsetParent || e.closest('.visually-hidden, [aria-hidden="true"], svg')) return false;
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    return own || ['INPUT', 'BUTTON', 'TEXTAREA', 'SELECT', 'IMG'].includes(e.tagName);
  }).map((e) => [e, [...e.getClientRects()].filter((r) => r.width && r.height)]);
  const hit = (ra, rb) => Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 2
    && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 2;
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ras] = boxes[i], [b, rbs] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    if (ras.some((ra) => rbs.some((rb) => hit(ra, rb)))) {
      found.push(a.outerHTML.slice(0, 90) + '  ×  ' + b.outerHTML.slice(0, 90));
    }
  }
  return found.slice(0, 5);
}"""


class Look:
    """axe, clipping and sideways scrolling on each page, and its screenshot kept."""

    def __init__(self, shots: Any) -> None:
        self.shots = shots
        self.failures: list[str] = []
        LOOK_AT.mkdir(parents=True, exist_ok=True)

    async def check(self, page: Any, label: str, *, axe: bool = True) -> None:
        if axe:
            if not await page.evaluate("typeof window.axe === 'object'"):
                await page.add_script_tag(path=str(AXE_JS))
            for v in await page.evaluate(AXE_RUN, WCAG_TAGS):
                if v["impact"] in BLOCKING:
                    nodes = "; ".join(n["target"] for n in v["nodes"][:3])
                    self.failures.append(f"[{label}] {v['id']}: {v['help']} ({nodes})")
        scroll, client = await page.evaluate(WIDE)
        if scroll > client:
            self.failures.append(f"[{label}] scrolls sideways: {scroll} > {client}")
        for clipped in await page.evaluate(CLIPPED):
            self.failures.append(f"[{label}] clipped: {clipped}")
        path = await self.shots(page, f"cy-{label}", full_page=True)
        shutil.copy(path, LOOK_AT / path.name)


async def _context(browser: Any, base: str, viewport: dict[str, int], lang: str, **extra: Any):
    ctx = await browser.new_context(
        viewport=viewport, bypass_csp=True, reduced_motion="reduce", **extra
    )
    await ctx.add_cookies([{"name": "lang", "value": lang, "url": base}])
    return ctx


@pytest.mark.parametrize("workshop", sorted(PHASES))
async def test_every_screen_in_welsh(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any, workshop: str
) -> None:
    base = live_server.base_url
    look = Look(shots)
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        code, fac, tokens = await api_room(
            http,
            [("Siân Prydderch", "education"), ("Rhodri ap Gwilym", "health")],
            title="Ysgol Gynradd Aberdaugleddau",
            setting="Sir Benfro",
            workshop=workshop,
        )
        screens = []
        for viewport, name, token, is_phone in (
            (SMALL_PHONE, "phone-320", tokens[0], True),
            (PHONE, "phone-390", tokens[1], True),
            (BOARD, "board-1920", fac, False),
            (BOARD, "control-1920", fac, False),
        ):
            extra = {"is_mobile": True, "has_touch": True} if is_phone else {}
            ctx = await _context(browser, base, viewport, "cy", **extra)
            await ctx.add_cookies([room_cookie(base, code, token)])
            page = await ctx.new_page()
            console_log.watch(page, name)
            view = "phone" if is_phone else name.split("-")[0]
            await page.goto(f"{base}/rooms/{code}/{view}")
            await expect(page.locator("html")).to_have_attribute("lang", "cy")
            screens.append((page, name))
        if workshop == "multi-agency-visioning":
            await http.post(
                f"/api/rooms/{code}/notes",
                json={"text": "Plant yn gyntaf"},
                headers=bearer(tokens[0]),
            )
        for phase in PHASES[workshop]:
            if phase != "lobby":
                moved = await http.post(
                    f"/api/rooms/{code}/phase",
                    json={"phase": phase, "confirmed": True},
                    headers=bearer(fac),
                )
                assert moved.status_code == 200, moved.text
            for page, name in screens:
                await page.wait_for_timeout(400)
                await look.check(
                    page, f"{workshop}-{phase}-{name}", axe=not name.startswith("phone-320")
                )
    assert console_log.errors == []
    assert look.failures == [], "\n".join(look.failures)


async def test_the_phone_right_to_left_overlaps_nothing(
    browser: Any, live_server: LiveServer, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        code, fac, tokens = await api_room(http, [("Siân", "education")], title="RTL")
        ctx = await _context(browser, base, PHONE, "ar-XB", is_mobile=True, has_touch=True)
        await ctx.add_cookies([room_cookie(base, code, tokens[0])])
        page = await ctx.new_page()
        for phase in ("lobby", "purpose-write"):
            if phase != "lobby":
                await http.post(
                    f"/api/rooms/{code}/phase", json={"phase": phase}, headers=bearer(fac)
                )
            await page.goto(f"{base}/rooms/{code}/phone")
            await expect(page.locator("html")).to_have_attribute("dir", "rtl")
            await page.wait_for_timeout(300)
            path = await shots(page, f"rtl-phone-{phase}", full_page=True)
            shutil.copy(path, LOOK_AT / path.name)
            assert await page.evaluate(OVERLAPS) == []
            scroll, client = await page.evaluate(WIDE)
            assert scroll <= client
            # Right to left: the page's text starts at the right edge.
            box = await page.locator(".phone__title").bounding_box()
            assert box is not None
            assert box["x"] + box["width"] > PHONE["width"] * 0.6


async def test_a_welsh_phone_an_english_phone_and_an_english_board_live(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        code, fac, tokens = await api_room(
            http, [("Siân", "education"), ("Tom", "health")], title="Cymysg / Mixed"
        )
        workshops = {w["id"]: w for w in (await http.get("/api/workshops")).json()}
        welsh = {
            w["id"]: w
            for w in (await http.get("/api/workshops", headers={"accept-language": "cy"})).json()
        }
        titles_en = {p["id"]: p["title"] for p in workshops["multi-agency-visioning"]["phases"]}
        titles_cy = {p["id"]: p["title"] for p in welsh["multi-agency-visioning"]["phases"]}
        pages = {}
        for name, lang, token, view, viewport in (
            ("cy-phone", "cy", tokens[0], "phone", PHONE),
            ("en-phone", "en", tokens[1], "phone", PHONE),
            ("en-board", "en", fac, "board", BOARD),
        ):
            ctx = await _context(browser, base, viewport, lang)
            await ctx.add_cookies([room_cookie(base, code, token)])
            page = await ctx.new_page()
            console_log.watch(page, name)
            await page.goto(f"{base}/rooms/{code}/{view}")
            pages[name] = (page, titles_cy if lang == "cy" else titles_en, view)
        for phase in PHASES["multi-agency-visioning"][1:]:
            moved = await http.post(
                f"/api/rooms/{code}/phase", json={"phase": phase}, headers=bearer(fac)
            )
            assert moved.status_code == 200, moved.text
            if phase == "purpose-write":
                await http.post(
                    f"/api/rooms/{code}/notes",
                    json={"text": "Plant yn gyntaf"},
                    headers=bearer(tokens[0]),
                )
            for page, titles, view in pages.values():
                title = page.locator(".phone__title" if view == "phone" else ".board__phase-title")
                await expect(title).to_have_text(titles[phase], timeout=LIVE)
        for name, (page, _, _) in pages.items():
            path = await shots(page, f"mixed-{name}-closed")
            shutil.copy(path, LOOK_AT / path.name)
        assert titles_cy["purpose-write"] != titles_en["purpose-write"]
    assert console_log.errors == []
