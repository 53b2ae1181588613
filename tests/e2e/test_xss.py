"""User text is text: script, event-handler and markup payloads typed into every field
(room title and setting, names, Post-its, grid statements, drafts, reasons) are shown
literally and never run — on the join, facilitate and control pages, the board and the
phones (first loads and live updates), and in the Markdown, HTML, Word and PDF exports.

The app's Content-Security-Policy would stop an injected inline script anyway, so
`window.__xss` staying undefined proves little on its own: every page is also scanned
for elements and attributes a payload would have created, and the HTML export (which
carries no scripts) is opened in Chromium without any CSP."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from markdown_it import MarkdownIt
from markupsafe import escape
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import (
    BOARD,
    DESKTOP,
    LIVE,
    MARK,
    PHONE,
    ConsoleLog,
    create_room_from_home,
    expect_online,
    room_cookie,
    token_of,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

# ------------------------------------------------------------------ payloads
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SVG = '"><svg onload=alert(1)>'
BOLD = "<b>bold</b>"
TEMPLATE = "{{7*7}}"
JS_URL = "javascript:alert(1)"
ENTITY = "&lt;i&gt;"
END_TEXTAREA = "</textarea><img src=x onerror=alert(1)>"
END_TITLE = "</title><img src=x onerror=alert(1)>"
QUOTE = "' onmouseover='alert(1)"

TITLE = f"T {SCRIPT} {BOLD} {TEMPLATE} {END_TITLE}"  # ≤ 120
SETTING = f"S {IMG} {SVG} {ENTITY} {JS_URL}"  # ≤ 120
HEALTH = f"Hana {SCRIPT}"  # names ≤ 60; one per perspective
EDUCATION = f"Ed {IMG}"
SOCIAL = f"Sol {SVG} {BOLD} {TEMPLATE}"
VCS = f"Vic {ENTITY} {JS_URL} {QUOTE}"
NAMES = [HEALTH, EDUCATION, SOCIAL, VCS]

NOTE_1 = f"Note one {END_TEXTAREA} {SCRIPT}"  # Health, typed on the phone
NOTE_2 = f"Note two {IMG} {BOLD}"  # Health
NOTE_3 = f"Note three {SVG} {TEMPLATE} {ENTITY}"  # Education
NOTE_4 = f"Note four {JS_URL} {QUOTE} {END_TITLE}"  # Social Care
NOTE_5 = f"Note five {BOLD} {SCRIPT}"  # VCS: merged into NOTE_2
NOTE_6 = f"Note six {IMG}"  # VCS: moved to the outer circle
INNER = [NOTE_1, NOTE_2, NOTE_3, NOTE_4]
NOTES = [*INNER, NOTE_5, NOTE_6]

PURPOSE = f"Purpose {SCRIPT} {IMG} {END_TEXTAREA}"
GOALS = [f"Goal one {SVG} {BOLD}", f"Goal two {TEMPLATE} {ENTITY} {JS_URL}", f"Goal three {QUOTE}"]
OBJECTION = f"Objection {SCRIPT} {END_TEXTAREA}"  # Health, typed on the phone
RESERVATION = f"Reservation {IMG} {BOLD}"  # Social Care
OVERRIDE = f"Override {SVG} {TEMPLATE} {ENTITY}"  # typed in the control view

GRID_HEALTH = f"Grid means health {SCRIPT} {END_TEXTAREA}"  # typed on the phone
GRID_EDUCATION = f"Grid means education {IMG}"
GRID_SOCIAL = f"Grid mission social care {SVG} {BOLD}"
GRID_VCS = f"Grid mission vcs {TEMPLATE} {ENTITY} {JS_URL} {QUOTE}"
GRID = [GRID_HEALTH, GRID_EDUCATION, GRID_SOCIAL, GRID_VCS]
MISSION = f"Mission {IMG} {SCRIPT} {QUOTE}"
MEANS = f"Means {BOLD} {END_TITLE} {ENTITY}"  # left a draft
MISSION_OBJECTION = f"Mission objection {IMG} {JS_URL}"  # Education, typed on the phone
MISSION_OVERRIDE = f"Mission override {SCRIPT} {BOLD}"

# Everything the joint document (and so every export) carries.
IN_DOCUMENT = [
    TITLE,
    SETTING,
    *NAMES,
    PURPOSE,
    *GOALS,
    OVERRIDE,
    MISSION,
    MISSION_OVERRIDE,
    MEANS,
    *NOTES,
    *GRID,
]
# What a payload that was parsed as markup instead of text would leave behind.
# (The export's own <title> is fine; one ended early by a payload is not.)
RAW_MARKUP = ["<script", "<img", "<svg", "<b>", "<i>", "</textarea>", END_TITLE]

WELCOME = "Welcome"
WRITE = "Task 1.1 · Write your statements"
SORT = "Task 1.1 · Sort the statements"
AGREE = "Task 1.1 · Agree purpose and goals"
GRID_WRITE = "Task 1.2 · The visioning grid"
GRID_AGREE = "Task 1.2 · Agree the joint statements"
DOCUMENT = "The joint statement"
CLOSED = "Session closed"

# Run in each page: what a payload parsed as markup would have created.
SCAN = """() => {
  const found = [];
  if (window.__xss !== undefined) found.push("window.__xss = " + String(window.__xss));
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name.startsWith("hx-on")) {
        found.push("handler " + el.tagName + "[" + attr.name + "]");
      }
      if (/^\\s*javascript:/i.test(attr.value)
          && ["href", "src", "action", "formaction", "xlink:href"].includes(name)) {
        found.push("javascript: URL in " + el.tagName + "[" + attr.name + "]");
      }
    }
  }
  for (const script of document.querySelectorAll("script")) {
    if (!script.src) found.push("inline script: " + script.textContent.slice(0, 80));
  }
  for (const selector of ['img[src="x"]', "svg[onload]", "b", "i", "iframe", "object", "embed"]) {
    for (const el of document.querySelectorAll(selector)) {
      found.push(selector + ": " + el.outerHTML.slice(0, 80));
    }
  }
  return found;
}"""


async def shows(scope: Any, text: str, *, visible: bool = True) -> None:
    """`text` is in `scope` literally (exact case), and (unless folded away) visible."""
    await expect(scope).to_contain_text(text, timeout=LIVE)
    if visible:
        await expect(scope.get_by_text(text, exact=False).first).to_be_visible()


async def unfold(details: Any, text: str) -> None:
    """Open a folded <details> and see `text` in it; a live update may swap it back shut."""
    for _ in range(20):
        if not await details.evaluate("d => d.open"):
            await details.locator("summary").click()
        try:
            await expect(details.get_by_text(text, exact=False).first).to_be_visible(timeout=500)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{text!r} never showed in the unfolded details")


async def expect_signatories(doc: Any) -> None:
    """The document's signatories table lists every (payload) name, literally."""
    names = doc.locator("#doc-signatories tbody tr td:first-child")
    await expect(names).to_have_count(len(NAMES), timeout=LIVE)
    assert sorted(await names.all_text_contents()) == sorted(NAMES)


class Tags(HTMLParser):
    """Every start tag and attribute of an HTML text, and its text (entities decoded)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def squeeze(text: str) -> str:
    """Without any whitespace: a PDF line may wrap anywhere (overflow-wrap: anywhere)."""
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------------- test
async def test_user_text_is_shown_literally_and_never_runs(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any, tmp_path: Path
) -> None:
    base = live_server.base_url
    dialogs: list[str] = []
    pages: dict[str, Any] = {}

    def watch(page: Any, label: str) -> None:
        console_log.watch(page, label, dialogs=dialogs)

    async def clean(page: Any, label: str) -> None:
        found = await page.evaluate(SCAN)
        assert found == [], f"[{label}] {page.url}: {found}"
        assert dialogs == [], "\n".join(dialogs)

    async def sweep() -> None:
        """No dialog, no `window.__xss`, no injected element, on every open page."""
        for label, page in pages.items():
            await clean(page, label)

    async def phase_everywhere(title: str) -> None:
        await expect(pages["control"].locator(".phase-now__title")).to_have_text(
            title, timeout=LIVE
        )
        await expect(pages["board"].locator("#board-phase .board__phase-title")).to_have_text(
            title, timeout=LIVE
        )
        for label in ("health", "education"):
            await expect(pages[label].locator("#phone-phase .phone__title")).to_have_text(
                title, timeout=LIVE
            )

    async def go_to(phase: str, title: str) -> None:
        await pages["control"].locator(f"#control-phases button[data-phase='{phase}']").click()
        await phase_everywhere(title)

    # 1. The facilitator creates the room with the home form: payloads in title and setting.
    desk = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
    control = await desk.new_page()
    watch(control, "control")
    code, facilitator = await create_room_from_home(control, base, title=TITLE, setting=SETTING)
    await expect_online(control)
    pages["control"] = control
    top = control.locator(".control__top")
    await expect(top.locator("h1")).to_have_text(TITLE)
    await expect(top.locator(".control__setting")).to_have_text(SETTING)
    await expect(control).to_have_title(f"{TITLE} · control · Common Ground")
    await clean(control, "control")

    api = httpx.AsyncClient(base_url=f"{base}/api/rooms/{code}", trust_env=False, timeout=30)

    async def call(token: str, method: str, path: str, body: Any = None) -> Any:
        headers = bearer(token) if token else {}
        response = await api.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        return response.json()

    try:
        # 2. The projector signs in on the facilitate page (title shown there), opens the board.
        projector = await browser.new_context(viewport=BOARD)
        board = await projector.new_page()
        watch(board, "board")
        await board.goto(f"{base}/rooms/{code}/facilitate")
        await expect(board.locator("main h1")).to_have_text(f"Facilitate “{TITLE}”")
        await expect(board).to_have_title(f"Facilitate “{TITLE}” · Common Ground")
        await clean(board, "facilitate")
        await board.locator("#key").fill(facilitator)
        await board.get_by_role("button", name="Open the control view").click()
        await board.wait_for_url(f"{base}/rooms/{code}/control")
        await board.goto(f"{base}/rooms/{code}/board")
        await expect_online(board)
        pages["board"] = board
        head = board.locator(".board__title")
        await expect(head.locator("h1")).to_have_text(TITLE)
        await expect(head.locator(".board__setting")).to_have_text(SETTING)
        await expect(board).to_have_title(f"{TITLE} · board · Common Ground")

        # 3. Health joins with the phone's form; the join page shows title and setting.
        # A first try while the room is locked re-renders the form with the name kept.
        health_ctx = await browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True
        )
        health = await health_ctx.new_page()
        watch(health, "health")
        await health.goto(f"{base}/j/{code}")
        join = health.locator("main.join")
        await expect(join.locator("h1")).to_have_text(f"Join “{TITLE}”")
        await expect(join.locator(".lead")).to_have_text(SETTING)
        await health.get_by_label("Your name").fill(HEALTH)
        await health.locator("label.perspective-option").get_by_text("Health", exact=True).tap()
        await call(facilitator, "POST", "/lock", {"locked": True})
        # (Enter, not a tap: the title's long words make this page wider than the phone,
        # Chromium zooms it out and Playwright's taps then miss. Reported; not asserted.)
        await health.get_by_label("Your name").press("Enter")
        await expect(join.locator(".notice--error")).to_be_visible(timeout=LIVE)
        await expect(health.locator("#name")).to_have_value(HEALTH)
        await expect(join.locator("h1")).to_have_text(f"Join “{TITLE}”")
        await clean(health, "join refused")
        # (Chromium logs the 409 response of that form post as a console error.)
        console_log.errors = [e for e in console_log.errors if "status of 409" not in e]
        await call(facilitator, "POST", "/lock", {"locked": False})
        await health.get_by_label("Your name").press("Enter")
        await health.wait_for_url(f"{base}/rooms/{code}/phone")
        await expect_online(health)
        health_token = token_of(await health_ctx.cookies(base), code)
        pages["health"] = health

        # Education joins over the API; its phone carries the participant cookie.
        joined = await call("", "POST", "/join", {"name": EDUCATION, "perspective": "education"})
        education_token = joined["token"]
        education_ctx = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        await education_ctx.add_cookies([room_cookie(base, code, education_token)])
        education = await education_ctx.new_page()
        watch(education, "education")
        await education.goto(f"{base}/rooms/{code}/phone")
        await expect_online(education)
        pages["education"] = education

        # Social Care and VCS join over the API while every screen is open (live).
        joined = await call("", "POST", "/join", {"name": SOCIAL, "perspective": "social-care"})
        social_token = joined["token"]
        joined = await call("", "POST", "/join", {"name": VCS, "perspective": "vcs-other"})
        vcs_token = joined["token"]

        for page in pages.values():
            await page.evaluate(f"{MARK} = true")
        for label, name in (("health", HEALTH), ("education", EDUCATION)):
            phone_head = pages[label].locator("#phone-header")
            await expect(phone_head.locator(".phone__room")).to_have_text(TITLE)
            await expect(phone_head.locator(".phone__me")).to_have_text(name)
            await expect(pages[label]).to_have_title(f"{TITLE} · Common Ground")
        for name in NAMES:
            await expect(board.locator("#board-main .name", has_text=name)).to_have_text(
                name, timeout=LIVE
            )
            await expect(
                control.locator("#control-participants .person__name", has_text=name)
            ).to_have_text(name, timeout=LIVE)
        # The "Remove …?" confirmation carries the name in an attribute: still literal.
        confirms = control.locator("#control-participants form[hx-confirm]")
        await expect(confirms).to_have_count(4)
        assert sorted(
            [await confirms.nth(i).get_attribute("hx-confirm") for i in range(4)]
        ) == sorted(f"Remove {name} from the room?" for name in NAMES)
        await sweep()
        await shots(board, "xss-board-lobby")
        await shots(health, "xss-phone-lobby")
        await shots(control, "xss-control-lobby", full_page=True)

        # 4. Writing: Health types a note on the phone, the rest arrive over the API.
        await go_to("purpose-write", WRITE)
        await health.locator("#note-text").fill(NOTE_1)
        await health.locator("#phone-task form .button--primary").tap()
        await expect(health.locator(".my-notes textarea").first).to_have_value(NOTE_1, timeout=LIVE)
        ids: dict[str, str] = {}
        for token, text in (
            (health_token, NOTE_2),
            (education_token, NOTE_3),
            (social_token, NOTE_4),
            (vcs_token, NOTE_5),
            (vcs_token, NOTE_6),
        ):
            ids[text] = (await call(token, "POST", "/notes", {"text": text}))["id"]
        # A note in a textarea: "</textarea>" must not end it.
        await expect(health.locator(".my-notes textarea")).to_have_count(2, timeout=LIVE)
        await expect(health.locator(".my-notes textarea").nth(1)).to_have_value(NOTE_2)
        await expect(education.locator(".my-notes textarea")).to_have_count(1, timeout=LIVE)
        await expect(education.locator(".my-notes textarea")).to_have_value(NOTE_3)
        await expect(board.locator("#board-main .circles__big")).to_have_text("6", timeout=LIVE)
        progress = control.locator("#control-task .progress-list")
        for name in NAMES:
            await shows(progress, name)
        await sweep()
        await shots(health, "xss-phone-write", full_page=True)

        # 5. Sorting reveals every note; one is merged, one moved out, all live.
        await go_to("purpose-sort", SORT)
        await call(facilitator, "POST", f"/notes/{ids[NOTE_5]}/merge", {"into": ids[NOTE_2]})
        await call(education_token, "POST", f"/notes/{ids[NOTE_6]}/move", {"ring": "outer"})
        snapshot = await call(facilitator, "GET", f"{base}/api/rooms/{code}")
        ids[NOTE_1] = next(n["id"] for n in snapshot["notes"] if n["text"] == NOTE_1)
        board_notes = board.locator("#board-main foreignObject .pi")
        await expect(board_notes).to_have_count(5, timeout=LIVE)
        for text in [*INNER, NOTE_6]:
            await expect(board.locator(f"#board-note-{ids[text]} .pi__text")).to_have_text(text)
        await expect(board.locator(f"#board-note-{ids[NOTE_6]}")).to_have_class(
            re.compile(r"\bpi--out\b")
        )
        inner_zone = control.locator('.dropzone[data-ring="inner"]')
        outer_zone = control.locator('.dropzone[data-ring="outer"]')
        await expect(inner_zone.locator("li.postit")).to_have_count(4, timeout=LIVE)
        for text in INNER:
            await expect(
                control.locator(f"#control-note-{ids[text]} > .postit__text")
            ).to_have_text(text)
        await expect(outer_zone.locator(".postit__text")).to_have_text([NOTE_6])
        merged = control.locator(f"#control-note-{ids[NOTE_2]} details.postit__merged")
        await unfold(merged, NOTE_5)
        await shows(merged, NOTE_5)
        await control.locator(f"#control-note-{ids[NOTE_6]} details.note-menu > summary").click()
        menu = control.locator(f"#control-note-{ids[NOTE_6]} select[name=into]")
        await menu.focus()  # the menu lists the other notes (as text) when it opens
        options = menu.locator("option")
        assert "Note two <img src=x" in "\n".join(await options.all_text_contents())
        for label in ("health", "education"):
            task = pages[label].locator("#phone-task")
            await expect(task.locator(".ring-head--inner .count")).to_have_text("4", timeout=LIVE)
            for text in [*INNER, NOTE_6]:
                await expect(task.locator(f"#sort-{ids[text]} .postit__text")).to_have_text(text)
        await sweep()
        await shots(board, "xss-board-sort")
        await shots(education, "xss-phone-sort", full_page=True)
        await shots(control, "xss-control-sort", full_page=True)

        # 6. Agreeing: drafts over the API; Health objects on the phone; the facilitator
        # agrees over the objection with an override reason typed in the control view.
        await go_to("purpose-agree", AGREE)
        await call(facilitator, "PUT", "/statements/purpose", {"text": PURPOSE})
        await call(facilitator, "PUT", "/statements/goals", {"items": GOALS})
        board_purpose = board.locator("#board-statement-purpose")
        await expect(board_purpose.locator(".board-statement__text")).to_have_text(
            PURPOSE, timeout=LIVE
        )
        await expect(board.locator("#board-statement-goals li")).to_have_text(GOALS)
        await expect(board.locator("#board-main .mini-note")).to_have_count(4)
        for text in INNER:
            await shows(board.locator("#board-main .mini-notes"), text)
        await expect(control.locator("#draft-purpose")).to_have_value(PURPOSE, timeout=LIVE)
        await expect(control.locator("#draft-goals")).to_have_value("\n".join(GOALS))
        for text in INNER:
            await shows(control.locator("#control-task .promote"), text)
        for label in ("health", "education"):
            statement = pages[label].locator("#phone-statement-purpose")
            await expect(statement.locator(".statement__text")).to_have_text(PURPOSE, timeout=LIVE)
            await expect(pages[label].locator("#phone-statement-goals li")).to_have_text(
                GOALS, timeout=LIVE
            )

        mine = health.locator("#phone-statement-purpose")
        await mine.locator("label.stance--object").tap()
        await health.locator("#reason-purpose").fill(OBJECTION)
        await mine.locator("button[type=submit]").tap()
        await expect(mine.locator("legend strong")).to_have_text("Object", timeout=LIVE)
        await expect(health.locator("#reason-purpose")).to_have_value(OBJECTION)
        await call(
            social_token,
            "POST",
            "/statements/purpose/responses",
            {"stance": "reservations", "reason": RESERVATION},
        )
        await expect(board_purpose.locator(".objections li")).to_have_text(
            f"Health objects: {OBJECTION}", timeout=LIVE
        )
        editor = control.locator("#control-statement-purpose")
        await expect(editor.locator(".objections li")).to_have_text(
            f"{HEALTH} (Health) objects: {OBJECTION}", timeout=LIVE
        )
        await expect(editor.locator(".reservations li")).to_have_text(
            f"{SOCIAL} has reservations: {RESERVATION}", timeout=LIVE
        )
        await sweep()
        await shots(board, "xss-board-agree")
        await shots(health, "xss-phone-agree", full_page=True)
        await shots(control, "xss-control-agree", full_page=True)

        await editor.locator("#override-purpose").fill(OVERRIDE)
        await editor.locator(".agree-form").get_by_role("button", name="Mark agreed").click()
        await expect(board_purpose.locator(".override")).to_have_text(
            f"Agreed over an objection: {OVERRIDE}", timeout=LIVE
        )
        await expect(editor.locator(".agreed-line")).to_have_text(
            f"Agreed over an objection — reason recorded: “{OVERRIDE}”.", timeout=LIVE
        )
        await call(facilitator, "POST", "/statements/goals/agree", {})
        await expect(board.locator("#board-statement-goals .badge")).to_have_text(
            "Agreed", timeout=LIVE
        )
        for label in ("health", "education"):
            await expect(
                pages[label].locator("#phone-statement-purpose .badge--agreed")
            ).to_be_visible(timeout=LIVE)
        await sweep()

        # 7. The grid: Health types on the phone, the others over the API; spotlit row.
        await go_to("grid-write", GRID_WRITE)
        step = health.locator("#grid-step-means")
        await health.locator("#grid-text-means").fill(GRID_HEALTH)
        await step.locator("button[type=submit]").tap()
        await expect(step.locator(".postit__text").first).to_have_text(GRID_HEALTH, timeout=LIVE)
        await expect(health.locator("#grid-text-means")).to_have_value("")
        for token, row, text in (
            (education_token, "means", GRID_EDUCATION),
            (social_token, "mission", GRID_SOCIAL),
            (vcs_token, "mission", GRID_VCS),
        ):
            await call(token, "POST", f"/grid/{row}/contributions", {"text": text})
        for row, texts in (("means", [GRID_EDUCATION, GRID_HEALTH]), ("mission", GRID[2:])):
            cells = board.locator(f"#board-row-{row} .grid-cell__item")
            await expect(cells).to_have_count(2, timeout=LIVE)
            for text in texts:
                await expect(cells.filter(has_text=text)).to_have_text(text)
            for label in ("health", "education"):
                items = pages[label].locator(f"#grid-step-{row} .postit__text")
                await expect(items).to_have_count(2, timeout=LIVE)
                for text in texts:
                    await expect(items.filter(has_text=text)).to_have_text(text)
        await sweep()
        await shots(board, "xss-board-grid")
        await shots(health, "xss-phone-grid", full_page=True)

        # 8. Agreeing the grid: the mission row is spotlit on the board; Education objects.
        await go_to("grid-agree", GRID_AGREE)
        await call(facilitator, "PUT", "/statements/grid.mission", {"text": MISSION})
        await call(facilitator, "PUT", "/statements/grid.means", {"text": MEANS})
        await call(facilitator, "POST", "/spotlight", {"target": "grid.mission"})
        spot = board.locator("#board-spotlight")
        await expect(spot.locator(".spot__statement")).to_have_text(MISSION, timeout=LIVE)
        for text in GRID[2:]:
            await expect(spot.locator(".spot__item", has_text=text)).to_have_text(text)
        mission = control.locator("#control-statement-grid-mission")
        await expect(mission.locator("#draft-grid-mission")).to_have_value(MISSION, timeout=LIVE)
        for text in GRID[2:]:
            await shows(mission.locator(".compose-from"), text)
        await expect(control.locator("#draft-grid-means")).to_have_value(MEANS)
        for label in ("health", "education"):
            statement = pages[label].locator("#phone-statement-grid-mission")
            await expect(statement.locator(".statement__text")).to_have_text(MISSION, timeout=LIVE)
            for text in GRID[2:]:  # in the folded "What each agency wrote"
                await shows(statement.locator(".fed-by"), text, visible=False)
        theirs = education.locator("#phone-statement-grid-mission")
        await theirs.locator("label.stance--object").tap()
        await education.locator("#reason-grid-mission").fill(MISSION_OBJECTION)
        await theirs.locator("form.respond button[type=submit]").tap()
        await expect(theirs.locator("legend strong")).to_have_text("Object", timeout=LIVE)
        await expect(spot.locator(".objection-line")).to_have_text(
            f"Education objects: {MISSION_OBJECTION}", timeout=LIVE
        )
        await expect(mission.locator(".objections li")).to_have_text(
            f"{EDUCATION} (Education) objects: {MISSION_OBJECTION}", timeout=LIVE
        )
        fed_by = health.locator("#phone-statement-grid-mission .fed-by")
        await unfold(fed_by, GRID_SOCIAL)
        for text in GRID[2:]:
            await shows(fed_by, text)
        await sweep()
        await shots(board, "xss-board-spotlight")
        await shots(education, "xss-phone-grid-agree", full_page=True)
        await shots(control, "xss-control-grid-agree", full_page=True)

        await call(
            facilitator,
            "POST",
            "/statements/grid.mission/agree",
            {"override_reason": MISSION_OVERRIDE},
        )
        await expect(spot.locator(".override")).to_have_text(
            f"Agreed over an objection: {MISSION_OVERRIDE}", timeout=LIVE
        )
        await call(facilitator, "POST", "/spotlight", {"target": None})
        await expect(board.locator("#board-row-mission .grid-cell__statement")).to_have_text(
            MISSION, timeout=LIVE
        )
        await expect(board.locator("#board-row-means .grid-cell__statement")).to_have_text(MEANS)
        await sweep()

        # 9. The joint document on every screen; everyone signs (two on their phones).
        await go_to("document", DOCUMENT)
        for label in ("health", "education"):
            await pages[label].locator("#sign-button").tap()
            await expect(pages[label].locator(".sign-card__done")).to_be_visible(timeout=LIVE)
        for token in (social_token, vcs_token):
            await call(token, "POST", "/document/sign")
        signed = board.locator(".doc-board__signed")
        await expect(signed.locator("h2")).to_have_text("Signed 4 of 4", timeout=LIVE)
        for name in NAMES:
            await expect(signed.locator(".name", has_text=name)).to_have_text(f"✓ {name}")
        await expect(control.locator("#control-task")).to_contain_text(
            "4 of 4 participants have signed", timeout=LIVE
        )
        await unfold(control.locator("#control-task details:has(#document)"), TITLE)
        documents = {
            "board": board.locator("#board-main #document"),
            "health": health.locator("#phone-task #document"),
            "education": education.locator("#phone-task #document"),
            "control": control.locator("#control-task #document"),
        }

        async def page_to(name: str, section: str) -> None:
            """The board pages its document: turn to the page that holds `section`."""
            if name == "board":
                await board.evaluate("(s) => window.cgBoard.reveal(s)", f"#board-main {section}")

        for name, doc in documents.items():
            await expect(doc.locator(".doc__title")).to_have_text(TITLE, timeout=LIVE)
            await expect(doc.locator(".doc__setting")).to_have_text(SETTING)
            await expect(doc.locator("#doc-purpose .doc__text")).to_have_text(PURPOSE)
            await page_to(name, "#doc-purpose .doc__entry")
            await shows(doc.locator("#doc-purpose"), OVERRIDE)
            await expect(doc.locator("#doc-goals .doc__items li")).to_have_text(GOALS)
            await expect(doc.locator("#doc-mission .doc__text")).to_have_text(MISSION)
            await page_to(name, "#doc-mission .doc__entry")
            await shows(doc.locator("#doc-mission"), MISSION_OVERRIDE)
            await page_to(name, "#doc-agreement .doc__entry")
            await shows(doc.locator("#doc-agreement"), MEANS)
        # (A phone's copy lists others' signatures only at its next full render: a phone
        # re-renders its document on its own signature only, by design in views.py.)
        for label in ("board", "control"):
            await expect_signatories(documents[label])
        await sweep()
        await shots(board, "xss-board-document")
        await shots(health, "xss-phone-document", full_page=True)
        await shots(control, "xss-control-document", full_page=True)

        # 10. Closed: the screens still show the document literally.
        await go_to("closed", CLOSED)
        for doc in documents.values():
            await expect(doc.locator("#doc-mission .doc__text")).to_have_text(MISSION, timeout=LIVE)
            await expect_signatories(doc)
        await sweep()
        await shots(education, "xss-phone-closed", full_page=True)

        # 11. The exports, fetched with the facilitator's token…
        files: dict[str, bytes] = {}
        for ext in ("md", "html", "docx", "pdf"):
            response = await api.get(f"/document.{ext}", headers=bearer(facilitator))
            assert response.status_code == 200, (ext, response.text[:300])
            # The file name is a slug of the setting: no payload reaches the header.
            assert re.fullmatch(
                rf'attachment; filename="[a-z0-9-]+\.{ext}"',
                response.headers["content-disposition"],
            ), response.headers["content-disposition"]
            files[ext] = response.content
        # …and one downloaded from the control view's link, as a facilitator would.
        link = (  # the first row: the document in the room's language (then bilingual)
            control.locator("#control-task .downloads").first.get_by_role(
                "link", name="Web page (print)"
            )
        )
        async with control.expect_download() as download_info:
            await link.click()
        download = await download_info.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.read_bytes() == files["html"]
    finally:
        await api.aclose()

    # HTML: every user text escaped; nothing parsed as a tag or handler. The one image
    # is the app's own picture of the board (an SVG drawn by the server, as data):
    # its text is escaped too, and it is taken out before the checks below.
    html = files["html"].decode()
    board = re.search(
        r'<img class="doc__board" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>', html
    )
    assert board is not None
    picture = base64.b64decode(board.group(1)).decode()
    for raw in [SCRIPT, IMG, SVG, BOLD, END_TITLE]:
        assert raw not in picture, raw
    assert Tags(picture).handlers == []
    html = html.replace(board.group(0), "")
    for text in IN_DOCUMENT:
        assert str(escape(text)) in html, text
    for raw in [*RAW_MARKUP, SCRIPT, IMG, SVG, BOLD]:
        assert raw not in html, raw
    assert html.count("</title>") == 1
    parsed = Tags(html)
    assert parsed.tags.isdisjoint({"script", "img", "svg", "b", "i", "iframe", "object"})
    assert parsed.handlers == []
    # Opened in Chromium with no CSP at all: no dialog, nothing runs, every text shows.
    export = await desk.new_page()
    watch(export, "html export")
    await export.set_content(html)
    body = export.locator("body")
    for text in IN_DOCUMENT:
        await shows(body, text)
    await clean(export, "html export")
    await shots(export, "xss-export-html", full_page=True)

    # Word: the literal text, in paragraphs, tables, the footer and the properties.
    word = docx.Document(io.BytesIO(files["docx"]))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    parts += [p.text for p in word.sections[0].footer.paragraphs]
    parts.append(word.core_properties.title or "")
    parts.append(word.core_properties.subject or "")
    word_text = "\n".join(parts)
    for text in IN_DOCUMENT:
        assert text in word_text, text

    # PDF: the literal text (in content-stream order, so table cells are not interleaved;
    # lines may wrap anywhere), and no JavaScript.
    pdf_path = tmp_path / "document.pdf"
    pdf_path.write_bytes(files["pdf"])
    assert files["pdf"].startswith(b"%PDF-")
    assert b"/JavaScript" not in files["pdf"]
    assert b"/OpenAction" not in files["pdf"]
    done = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf_path), "-"],
        capture_output=True,
        check=True,
    )
    pdf_text = squeeze(done.stdout.decode())
    for text in IN_DOCUMENT:
        assert squeeze(text) in pdf_text, text

    # Markdown: every < and & is escaped (no tag, no entity can start), and no
    # line starts a quote with >; a renderer then shows it all as text (checked below).
    markdown = files["md"].decode()
    loose = r"(?<!\\)(?:<|&(?!amp;))"  # an & written as &amp; is text too
    assert re.search(loose, markdown) is None, re.findall(r".{20}" + loose, markdown)
    assert re.search(r"^\s*>", markdown, re.M) is None
    rendered = MarkdownIt("commonmark").render(markdown)  # raw HTML allowed, as on GitHub
    tags = Tags(rendered)
    allowed = {"h1", "h2", "h3", "p", "strong", "em", "ol", "ul", "li", "br"}
    allowed |= {"table", "thead", "tbody", "tr", "th", "td"}
    assert tags.tags <= allowed, tags.tags - allowed
    assert tags.handlers == []
    for text in IN_DOCUMENT:
        assert text in tags.text, text

    # Nothing reloaded, no dialog ever, no console or page errors, no server error.
    for label, page in pages.items():
        assert await page.evaluate(f"{MARK} === true"), f"{label} was reloaded"
    assert dialogs == [], "\n".join(dialogs)
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()
    for context in (desk, projector, health_ctx, education_ctx):
        await context.close()
