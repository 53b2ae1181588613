"""Issue 18 in one session, in Chromium: a person without a phone added from the control
view, grouping suggestions merged with one click, a dot-vote revealed, responses hidden
until their reveal; every screen live, axe-clean, and photographed (phone 390×844,
board 1920×1080, control view) for /work/notes/shots/votes/ (and /tmp/cg-shots/)."""

from __future__ import annotations

import shutil
from pathlib import Path
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
    api_room,
    expect_online,
    room_cookie,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

AXE_JS = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_RUN = """async () => (await axe.run(document, {runOnly: {type: 'tag',
  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']}))
  .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))"""
NOTES = {  # the alike notes of three agencies, as they write them
    "Priya Zanzibar": [
        "Share information between agencies quickly",
        "Reduce exclusions from school",
    ],
    "Eleanor Quillfeather": ["Better information sharing between agencies", "Fewer exclusions"],
    "Sol Vantablack": ["Agencies sharing information early", "Celebrate what is working well"],
}
PEOPLE = [("Priya Zanzibar", "health"), ("Eleanor Quillfeather", "education")]
PEOPLE += [("Sol Vantablack", "social-care")]
PAPER = "Dorcas Paperwright"
KEPT = Path("/work/notes/shots/votes")


async def look(page: Any, name: str, shots: Any, found: list[str]) -> None:
    """An axe run (serious and critical violations kept) and a screenshot of `page`."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(path=str(AXE_JS))
    found += [f"[{name}] {v}" for v in await page.evaluate(AXE_RUN)]
    keep(await shots(page, f"votes-{name}", full_page=True), name)


def keep(path: Path, name: str) -> None:
    """A copy for the session's notes, when they are on this machine."""
    if KEPT.parent.exists():
        KEPT.mkdir(exist_ok=True)
        shutil.copy(path, KEPT / f"{name}.png")


async def test_a_session_with_suggestions_votes_hidden_responses_and_paper(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    violations: list[str] = []
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as api:
        code, token, tokens = await api_room(api, PEOPLE, title="Oakfield partnership")
        fac = bearer(token)
        by_name = dict(zip([p[0] for p in PEOPLE], tokens, strict=True))

        async def call(method: str, path: str, body: Any = None, auth: Any = fac) -> Any:
            response = await api.request(
                method, f"/api/rooms/{code}{path}", json=body, headers=auth
            )
            assert response.status_code < 300, response.text
            return response.json() if response.content else None

        await call("PATCH", "/options", {"hide_responses": True})
        desk = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
        await desk.add_cookies([room_cookie(base, code, token)])
        control = await desk.new_page()
        console_log.watch(control, "control")
        await control.goto(f"{base}/rooms/{code}/control")
        projector = await browser.new_context(viewport=BOARD, bypass_csp=True)
        await projector.add_cookies([room_cookie(base, code, token)])
        board = await projector.new_page()
        console_log.watch(board, "board")
        await board.goto(f"{base}/rooms/{code}/board")
        handset = await browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
        )
        await handset.add_cookies([room_cookie(base, code, by_name["Sol Vantablack"])])
        phone = await handset.new_page()
        console_log.watch(phone, "phone")
        await phone.goto(f"{base}/rooms/{code}/phone")
        for page in (control, board, phone):
            await expect_online(page)

        # 4. Someone without a phone, added from the control view.
        await control.locator("#proxy-name").fill(PAPER)
        await control.locator("#proxy-perspective").select_option("vcs-other")
        await control.locator("#add-proxy").click()
        await expect(control.get_by_text("Printable sheet (PDF)")).to_be_visible(timeout=LIVE)
        snapshot = await call("GET", "")
        paper = next(p for p in snapshot["participants"] if p.get("proxy"))
        await look(control, "control-people-without-a-phone", shots, violations)

        # 2. Notes that look alike, merged with one click.
        await call("POST", "/phase", {"phase": "purpose-write"})
        for name, texts in NOTES.items():
            for text in texts:
                await call("POST", "/notes", {"text": text}, bearer(by_name[name]))
        await call("POST", "/phase", {"phase": "purpose-sort"})
        suggestions = control.locator("#control-suggestions .suggestion")
        await expect(suggestions.first).to_be_visible(timeout=LIVE)
        await look(control, "control-suggestions", shots, violations)
        before = await board.locator("[id^=board-note-]").count()
        merged = await suggestions.first.locator(".suggestion__note").count()
        groups = await suggestions.count()
        await suggestions.first.get_by_role("button", name="Merge the ticked notes").click()
        await expect(board.locator("[id^=board-note-]")).to_have_count(
            before - merged + 1, timeout=LIVE
        )
        await expect(suggestions).to_have_count(groups - 1, timeout=LIVE)  # the page again
        await look(board, "board-sorted", shots, violations)

        # 3. The dot-vote: hidden until revealed.
        await call("POST", "/phase", {"phase": "purpose-vote"})
        await expect(phone.locator(".vote-form")).to_be_visible(timeout=LIVE)
        await look(phone, "phone-vote", shots, violations)
        await phone.locator(".vote-note input[type=checkbox]").first.check()
        await phone.get_by_role("button", name="Place my dots").tap()
        await expect(board.locator("#board-voters")).to_contain_text("1", timeout=LIVE)
        await expect(phone.locator("#phone-my-dots")).to_have_text("You placed 1 dot.")
        await look(board, "board-vote-hidden", shots, violations)
        # Dots for them, in one form: choosing someone ticks what was entered for them.
        paper_dots = control.locator("#control-vote-for")
        boxes = paper_dots.locator("input[type=checkbox]")
        await boxes.first.check()
        await paper_dots.get_by_role("button", name="Enter their dots").click()
        await expect(board.locator("#board-voters")).to_contain_text("2", timeout=LIVE)
        await expect(control.locator(f"#vote-who-{paper['id']}")).to_contain_text("1 dot")
        late = await call("POST", "/participants", {"name": "Late Paper", "perspective": "health"})
        chooser = paper_dots.locator("#vote-who")
        await expect(chooser.locator("option")).to_have_count(2, timeout=LIVE)  # (live)
        await chooser.select_option(late["participant_id"])
        await expect(boxes.first).not_to_be_checked()
        await chooser.select_option(paper["id"])
        await expect(boxes.first).to_be_checked()
        await look(control, "control-vote", shots, violations)
        await control.locator("#reveal-votes").click()
        await expect(board.locator("#board-vote-results li").first).to_be_visible(timeout=LIVE)
        await look(board, "board-vote-revealed", shots, violations)
        await look(control, "control-vote-revealed", shots, violations)
        await look(phone, "phone-vote-revealed", shots, violations)

        # 1. Responses hidden until the facilitator reveals them.
        await call("POST", "/phase", {"phase": "purpose-agree"})
        await call("PUT", "/statements/purpose", {"text": "Every child safe and heard."})
        await expect(phone.locator("#phone-statement-purpose")).to_be_visible(timeout=LIVE)
        await phone.locator("label.stance--object").tap()
        await phone.locator("#reason-purpose").fill("Families are not named")
        await phone.get_by_role("button", name="Send response").tap()
        await expect(board.locator("#board-responded-purpose")).to_contain_text("1", timeout=LIVE)
        await expect(board.get_by_text("Families are not named")).to_have_count(0)
        await look(board, "board-responses-hidden", shots, violations)
        await look(phone, "phone-responded", shots, violations)
        await control.locator("#reveal-purpose").click()
        await expect(board.get_by_text("Families are not named")).to_be_visible(timeout=LIVE)
        await look(board, "board-responses-revealed", shots, violations)

        # The paper person's sheet, and their dots in the log as the facilitator's.
        sheet = await api.get(
            f"/api/rooms/{code}/participants/{paper['id']}/sheet.pdf", headers=fac
        )
        assert sheet.content.startswith(b"%PDF")
        archive = await call("GET", "/archive")
        entered = [
            e for e in archive["events"] if e["type"] == "votes.set" and e["actor"] == "facilitator"
        ]
        assert entered
        assert entered[0]["data"]["participant_id"] == paper["id"]
    assert not violations, "\n".join(violations)
    assert not console_log.errors, "\n".join(console_log.errors)
