"""WCAG 2.2 AA with axe-core: no serious or critical violation on any screen.

A room with four participants and content in every phase is built over the JSON
API; the facilitator walks it through every phase while a phone (390×844), a
small phone (320×640), the board (1920×1080) and the control view follow live.
axe-core (vendored by scripts/vendor-js.sh into tests/e2e/vendor/, never served
by the app) is injected into each page; the app's Content-Security-Policy allows
no inline or foreign script, so the browser contexts bypass CSP for the tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import BOARD, LIVE, PHONE, SMALL_PHONE, ConsoleLog, api_room, room_cookie
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

AXE = "4.14.1"
AXE_JS = Path(__file__).parent / "vendor" / f"axe-core-{AXE}" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

WORKSHOP = "multi-agency-visioning"

PEOPLE = [  # name, perspective id
    ("Priya Shah", "education"),
    ("Tom Ellis", "health"),
    ("Ana Ruiz", "social-care"),
    ("Sam Okafor-Whitfield", "vcs-other"),
]
NOTES = {
    "education": ["Every child known by name", "One shared plan per family", "Joint training"],
    "health": ["Health checks in school", "Share concerns early and safely"],
    "social-care": ["Early help offered through school, not referrals alone"],
    "vcs-other": ["Mentoring after school", "Holiday activities"],
}
PURPOSE = "Together we make sure every child in Oakfield is safe, healthy and ready to learn."
GOALS = ["Share information early and safely", "One plan per family", "Joint training each term"]
CONTRIBUTIONS = [  # row, perspective id, text
    ("means", "education", "Teachers and nurses planning together every week"),
    ("means", "social-care", "Early help offered through school"),
    ("mission", "health", "Every child healthy, safe and ready to learn"),
    ("mission", "education", "Together we help every child achieve"),
    ("barriers", "vcs-other", "Different IT systems and consent rules"),
    ("outcomes", "vcs-other", "Mentoring and activities after school"),
]
MISSION = "Every child in Oakfield thrives because we work as one team."
MEANS = "Agencies share responsibility for every child, with early help through school"
OBJECTION = "Caseloads are not a barrier we can name publicly"

# How to read a violation back out of the page: rule, help, and every node.
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(' '), html: n.html, impact: n.impact, summary: n.failureSummary,
    })),
  }));
}"""
NO_HORIZONTAL_SCROLL = (
    "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
)


class Audit:
    """Runs axe on pages and keeps every blocking violation, to report them all at once."""

    def __init__(self, shots: Any) -> None:
        self.shots = shots
        self.failures: list[str] = []
        self.found: dict[tuple[str, str], int] = {}  # (rule, page) -> nodes, for the report
        self.runs = 0

    async def axe(self, page: Any, label: str, *, full_page: bool = False) -> None:
        if not await page.evaluate("typeof window.axe === 'object'"):
            await page.add_script_tag(path=str(AXE_JS))
        violations = await page.evaluate(AXE_RUN, WCAG_TAGS)
        self.runs += 1
        for violation in violations:
            if violation["impact"] not in BLOCKING:
                continue
            self.found[(violation["id"], label)] = len(violation["nodes"])
            lines = [
                f"[{label}] {violation['id']} ({violation['impact']}): {violation['help']}"
                f" — {violation['helpUrl']}"
            ]
            for node in violation["nodes"]:
                lines.append(f"    {node['target']}\n      {node['html'][:300]}")
                lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
            self.failures.append("\n".join(lines))
        await self.shots(page, f"a11y-{label}", full_page=full_page)

    async def no_horizontal_scroll(self, page: Any, label: str) -> None:
        scroll_width, client_width = await page.evaluate(NO_HORIZONTAL_SCROLL)
        if scroll_width > client_width:
            wide = await page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > limit + 0.5)
                .slice(0, 5).map((e) => e.outerHTML.slice(0, 160))""",
                client_width,
            )
            self.failures.append(
                f"[{label}] scrolls sideways at {client_width} px: scrollWidth {scroll_width}\n    "
                + "\n    ".join(wide)
            )

    def report(self) -> str:
        return f"{len(self.failures)} blocking problem(s):\n\n" + "\n\n".join(self.failures)


async def test_every_screen_meets_wcag_22_aa(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    started = time.monotonic()
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run scripts/vendor-js.sh"
    base = live_server.base_url
    audit = Audit(shots)

    async def context(viewport: dict[str, int], token: str | None = None, **extra: Any) -> Any:
        ctx = await browser.new_context(
            viewport=viewport, bypass_csp=True, reduced_motion="reduce", **extra
        )
        # Counts the live messages a page has applied, so an audit waits for the first.
        await ctx.add_init_script(
            "window.__cgMessages = 0; document.addEventListener("
            "'htmx:wsAfterMessage', () => { window.__cgMessages += 1; });"
        )
        if token is not None:
            await ctx.add_cookies([room_cookie(base, code, token)])
        return ctx

    def phone_context(viewport: dict[str, int], token: str | None = None) -> Any:
        return context(viewport, token, is_mobile=True, has_touch=True)

    async def open_page(ctx: Any, path: str, label: str) -> Any:
        page = await ctx.new_page()
        console_log.watch(page, label)
        await page.goto(f"{base}{path}")
        return page

    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        workshops = (await http.get("/api/workshops")).json()
        workshop = next(w for w in workshops if w["id"] == WORKSHOP)
        titles = {p["id"]: p["title"] for p in workshop["phases"]}

        # 1. Home and join, before any room exists: a phone, a small phone, a laptop.
        for viewport, size in ((PHONE, "390"), (SMALL_PHONE, "320"), (BOARD, "1920")):
            visitor = await (phone_context if size != "1920" else context)(viewport)
            for path, name in (("/", "home"), ("/join", "join")):
                page = await open_page(visitor, path, f"{name}-{size}")
                if size == "320":
                    await audit.no_horizontal_scroll(page, f"{name}-320")
                    await shots(page, f"a11y-{name}-320", full_page=True)
                else:
                    await audit.axe(page, f"{name}-{size}", full_page=size == "390")
            await visitor.close()

        # 2. A room and four participants, one per perspective, over the JSON API.
        code, facilitator_token, tokens = await api_room(
            http,
            PEOPLE,
            title="Oakfield partnership",
            setting="Oakfield Primary",
            workshop=WORKSHOP,
        )
        facilitator = bearer(facilitator_token)
        people = {
            perspective: bearer(joined)
            for (_, perspective), joined in zip(PEOPLE, tokens, strict=True)
        }

        def token(headers: dict[str, str]) -> str:
            return headers["Authorization"].removeprefix("Bearer ")

        async def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
            response = await http.request(
                method, f"/api/rooms/{code}{path}", json=body, headers=headers
            )
            assert response.status_code in (200, 201, 204), (path, response.text)
            return response.json() if response.content else None

        # The join page of a known room (its title shown), then the four live screens.
        visitor = await phone_context(PHONE)
        page = await visitor.new_page()  # not watched: Chromium logs the 404 below as an error
        await page.goto(f"{base}/join?code={code}")
        await audit.axe(page, "join-room")
        # A mistyped code: the form comes back (404) with the field marked invalid.
        await page.locator("#code").fill("ZZZZZZ")
        await page.locator("#name").fill("Priya Shah")
        await page.locator("label.perspective-option").first.tap()
        await page.get_by_role("button", name="Join the session").tap()
        await expect(page.locator("#code-error")).to_be_visible()
        await audit.axe(page, "join-error")
        await visitor.close()

        phone_ctx = await phone_context(PHONE, token(people["education"]))
        small_ctx = await phone_context(SMALL_PHONE, token(people["health"]))
        board_ctx = await context(BOARD, token(facilitator))
        control_ctx = await context(BOARD, token(facilitator))
        phone = await open_page(phone_ctx, f"/rooms/{code}/phone", "phone")
        small = await open_page(small_ctx, f"/rooms/{code}/phone", "phone-320")
        board = await open_page(board_ctx, f"/rooms/{code}/board", "board")
        control = await open_page(control_ctx, f"/rooms/{code}/control", "control")
        screens = {
            phone: "#phone-phase .phone__title",
            small: "#phone-phase .phone__title",
            board: "#board-phase .board__phase-title",
            control: "#control-phases .phase-now__title",
        }
        for page in screens:
            await expect(page.locator('#connection[data-state="online"]')).to_be_visible(
                timeout=LIVE
            )

        async def settled(*, reload: bool = False) -> None:
            """Every screen shows every event so far.

            A screen is sent only the events it shows (a phone is not told about others'
            private notes), so after content changes the screens are reloaded."""
            seq = (await call("GET", "", facilitator))["seq"]
            for page in screens:
                if reload:
                    await page.reload()
                    # The socket's first message (the whole screen again) has been swapped in.
                    await page.wait_for_function("window.__cgMessages > 0", timeout=LIVE)
                await expect(page.locator(f'#live-seq[data-seq="{seq}"]')).to_be_attached(
                    timeout=LIVE
                )
                await expect(page.locator('#connection[data-state="online"]')).to_be_visible(
                    timeout=LIVE
                )

        audited: list[str] = []

        async def audit_phase(phase: str) -> None:
            audited.append(phase)
            await settled(reload=True)
            for page, selector in screens.items():
                await expect(page.locator(selector)).to_have_text(titles[phase], timeout=LIVE)
            await audit.axe(phone, f"phone-{phase}", full_page=True)
            await audit.no_horizontal_scroll(small, f"phone-320-{phase}")
            await shots(small, f"a11y-phone-320-{phase}", full_page=True)
            await audit.axe(board, f"board-{phase}")
            await audit.axe(control, f"control-{phase}", full_page=True)

        async def to_phase(phase: str) -> None:
            """The facilitator moves on; every screen follows live."""
            await call("POST", "/phase", facilitator, {"phase": phase})
            await settled()
            for page, selector in screens.items():
                await expect(page.locator(selector)).to_have_text(titles[phase], timeout=LIVE)

        # 3. Every phase, with content: lobby …
        await audit_phase("lobby")

        # … Task 1.1: write (the phone has written two of three), sort, agree.
        await to_phase("purpose-write")
        note_ids: list[str] = []
        for perspective, texts in NOTES.items():
            for text in texts[:2] if perspective == "education" else texts:
                note = await call("POST", "/notes", people[perspective], {"text": text})
                note_ids.append(note["id"])
        await audit_phase("purpose-write")
        await to_phase("purpose-sort")
        await call("POST", f"/notes/{note_ids[-1]}/move", facilitator, {"ring": "outer"})
        await call("POST", f"/notes/{note_ids[2]}/move", facilitator, {"ring": "outer"})
        await audit_phase("purpose-sort")
        # … the optional dot-vote (two people have voted; results still hidden) …
        await to_phase("purpose-vote")
        inner = [n for n in note_ids if n not in (note_ids[-1], note_ids[2])]
        await call("PUT", "/votes", people["health"], {"note_ids": inner[:3]})
        await call("PUT", "/votes", people["education"], {"note_ids": inner[1:4]})
        await audit_phase("purpose-vote")
        await to_phase("purpose-agree")
        await call("PUT", "/statements/purpose", facilitator, {"text": PURPOSE})
        await call("PUT", "/statements/goals", facilitator, {"items": GOALS})
        await call("POST", "/statements/purpose/agree", facilitator, {})
        await call(
            "POST",
            "/statements/goals/responses",
            people["social-care"],
            {"stance": "object", "reason": OBJECTION},
        )
        await call(
            "POST", "/statements/goals/responses", people["health"], {"stance": "reservations"}
        )
        await audit_phase("purpose-agree")

        # … Task 1.2: the grid (some cells left empty), then agreeing its rows.
        await to_phase("grid-write")
        for row, perspective, text in CONTRIBUTIONS:
            await call("POST", f"/grid/{row}/contributions", people[perspective], {"text": text})
        await audit_phase("grid-write")
        # The smallest phone, once, where the screen is busiest.
        await audit.axe(small, "phone-320-grid-write", full_page=True)
        await to_phase("grid-agree")
        await call("PUT", "/statements/grid.mission", facilitator, {"text": MISSION})
        await call("POST", "/statements/grid.mission/agree", facilitator, {})
        await call("PUT", "/statements/grid.means", facilitator, {"text": MEANS})
        await call(
            "POST",
            "/statements/grid.means/responses",
            people["vcs-other"],
            {"stance": "object", "reason": OBJECTION},
        )
        await call(
            "POST", "/statements/grid.means/responses", people["health"], {"stance": "agree"}
        )
        await audit_phase("grid-agree")
        await call("POST", "/spotlight", facilitator, {"target": "grid.means"})
        await settled(reload=True)
        await expect(board.locator(".board__main--spotlight")).to_be_attached(timeout=LIVE)
        await audit.axe(board, "board-grid-agree-spotlight")
        await call("POST", "/spotlight", facilitator, {"target": None})

        # … the joint document (one signature), its web page, and closed.
        await to_phase("document")
        await call("POST", "/document/sign", people["health"])
        await audit_phase("document")
        await audit.axe(small, "phone-320-document", full_page=True)
        for ctx, label in ((phone_ctx, "document-page-390"), (control_ctx, "document-page-1920")):
            page = await ctx.new_page()
            console_log.watch(page, label)
            url = f"{base}/api/rooms/{code}/document.html"

            async def inline(route: Any) -> None:
                # Shown in the browser instead of downloaded (Content-Disposition dropped).
                response = await route.fetch()
                headers = {k: v for k, v in response.headers.items() if k != "content-disposition"}
                await route.fulfill(response=response, headers=headers)

            await page.route(url, inline)
            await page.goto(url)
            await audit.axe(page, label, full_page=True)
            await page.close()
        await to_phase("closed")
        await audit_phase("closed")

        for ctx in (phone_ctx, small_ctx, board_ctx, control_ctx):
            await ctx.close()

    # Every phase of the workshop was visited (a new phase needs its content above).
    assert audited == list(titles), (audited, list(titles))
    elapsed = time.monotonic() - started
    print(f"axe-core {AXE}: {audit.runs} audits in {elapsed:.1f} s")
    for (rule, label), count in sorted(audit.found.items()):
        print(f"  {rule} on {label}: {count} node(s)")
    assert not audit.failures, audit.report()
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()


async def test_the_health_check_and_the_toolkit_meet_wcag_22_aa(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    """The second workshop's rating phases, with the toolkit on screen: an anonymous,
    moderated room, a running timer, people who said they are done."""
    base = live_server.base_url
    audit = Audit(shots)
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        code, facilitator_token, tokens = await api_room(
            http,
            PEOPLE,
            title="Oakfield health check",
            workshop="partnership-health-check",
            anonymous=True,
            moderated=True,
        )
        facilitator = bearer(facilitator_token)
        people = [bearer(joined) for joined in tokens]

        async def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> None:
            response = await http.request(
                method, f"/api/rooms/{code}{path}", json=body, headers=headers
            )
            assert response.status_code in (200, 201, 204), (path, response.text)

        async def context(viewport: dict[str, int], token: str, **extra: Any) -> Any:
            ctx = await browser.new_context(
                viewport=viewport, bypass_csp=True, reduced_motion="reduce", **extra
            )
            await ctx.add_cookies([room_cookie(base, code, token)])
            return ctx

        phone_token = tokens[1]
        phone_ctx = await context(PHONE, phone_token, is_mobile=True, has_touch=True)
        small_ctx = await context(SMALL_PHONE, phone_token, is_mobile=True, has_touch=True)
        board_ctx = await context(BOARD, facilitator_token)
        control_ctx = await context(BOARD, facilitator_token)

        async def audit_phase(phase: str) -> None:
            for ctx, view, label in (
                (phone_ctx, "phone", f"hc-phone-{phase}"),
                (small_ctx, "phone", f"hc-phone-320-{phase}"),
                (board_ctx, "board", f"hc-board-{phase}"),
                (control_ctx, "control", f"hc-control-{phase}"),
            ):
                page = await ctx.new_page()
                console_log.watch(page, label)
                await page.goto(f"{base}/rooms/{code}/{view}")
                await expect(page.locator("#live-seq")).to_be_attached()
                if "320" in label:
                    await audit.no_horizontal_scroll(page, label)
                await audit.axe(page, label, full_page=view != "board")
                await page.close()

        await audit_phase("lobby")
        await call("POST", "/phase", facilitator, {"phase": "checklist"})
        await call("POST", "/timer", facilitator, {"action": "start", "seconds": 600, "lock": True})
        for index, headers in enumerate(people):
            for item, option in (("roles", "not-yet"), ("communication", "partly")):
                await call("PUT", f"/ratings/{item}", headers, {"option": option})
            if index % 2:
                await call("POST", "/done", headers, {"done": True})
        await audit_phase("checklist")
        await call("POST", "/phase", facilitator, {"phase": "ladder"})
        await call("POST", "/timer", facilitator, {"action": "start", "seconds": 90})
        await call("POST", "/timer", facilitator, {"action": "pause"})
        for headers, stage in zip(
            people,
            ("consultation", "deciding-together", "information", "consultation"),
            strict=True,
        ):
            await call("PUT", "/ratings/ladder", headers, {"option": stage})
        await audit_phase("ladder")
        await call("POST", "/phase", facilitator, {"phase": "results"})
        await call("POST", "/document/sign", people[0])
        await audit_phase("results")
        for ctx in (phone_ctx, small_ctx, board_ctx, control_ctx):
            await ctx.close()

    for (rule, label), count in sorted(audit.found.items()):
        print(f"  {rule} on {label}: {count} node(s)")
    assert not audit.failures, audit.report()
    assert console_log.errors == [], "\n".join(console_log.errors)
