"""Task 1.2 end to end: four phones fill Table 1.3 prompt by prompt, the board shows
the grid and its empty cells, the facilitator spotlights a row, then the room agrees
three rows' joint statements (one over an objection), all live."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import (
    BOARD,
    LIVE,
    ConsoleLog,
    assert_not_reloaded,
    exactly,
    expect_everyone_online,
    join_by_phone,
    mark_no_reload,
    open_desk,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

ROWS = ["means", "mission", "outcomes", "effective", "barriers", "overcome", "one-year"]
GRID_WRITE = "Task 1.2 · The visioning grid"
GRID_AGREE = "Task 1.2 · Agree the joint statements"

PEOPLE = [  # name, perspective label, perspective id
    ("Priya Shah", "Health", "health"),
    ("Tom Ellis", "Education", "education"),
    ("Ana Ruiz", "Social Care", "social-care"),
    ("Sam Okafor", "VCS / Other", "vcs-other"),
]
H_MEANS = "Health visitors and school nurses working alongside teachers every week"
H_MISSION = "Every child healthy, safe and ready to learn"
E_MISSION = "Together we help every child achieve"
E_BARRIERS = "Different IT systems & consent rules"
S_MEANS = "Early help offered through school, not referrals alone"
S_BARRIERS = "Caseloads and staff turnover"
V_OUTCOMES = "Mentoring and activities after school"
WRITTEN = [  # row, perspective id, text
    ("means", "health", H_MEANS),
    ("mission", "health", H_MISSION),
    ("mission", "education", E_MISSION),
    ("barriers", "education", E_BARRIERS),
    ("means", "social-care", S_MEANS),
    ("barriers", "social-care", S_BARRIERS),
    ("outcomes", "vcs-other", V_OUTCOMES),
]
MEANS_STATEMENT = "Agencies share responsibility for every child, with early help through school"
BARRIERS_STATEMENT = "Different systems, consent rules and caseloads"
RESERVATION = "Early help needs funding too"
OBJECTION = "Caseloads are not a barrier we can name publicly"
OVERRIDE = "Wording to be reviewed with Social Care next term"


# ------------------------------------------------------------- phone stepper
async def expect_on_step(phone: Any, row: str) -> None:
    """The phone shows prompt `row`: its label says so and the step fills the scroller."""
    index = ROWS.index(row)
    await expect(phone.locator("[data-step-label]")).to_have_text(f"{index + 1} / {len(ROWS)}")
    await phone.wait_for_function(
        """(id) => {
            const step = document.getElementById(id);
            const box = step && step.closest('[data-steps]');
            if (!step || !box) return false;
            return Math.abs(step.getBoundingClientRect().left
                            - box.getBoundingClientRect().left) < 2;
        }""",
        arg=f"grid-step-{row}",
        timeout=LIVE,
    )


async def step_to(phone: Any, row: str) -> None:
    """Tap Next (or Previous) until the phone shows prompt `row`."""
    label = phone.locator("[data-step-label]")
    current = int((await label.inner_text()).split(" / ")[0]) - 1
    target = ROWS.index(row)
    while current != target:
        direction = 1 if target > current else -1
        await phone.locator(f"[data-step='{direction}']").tap()
        current += direction
        await expect_on_step(phone, ROWS[current])


async def write(phone: Any, row: str, text: str) -> None:
    """Type a statement for `row` (the phone is on that prompt) and add it."""
    step = phone.locator(f"#grid-step-{row}")
    field = phone.locator(f"#grid-text-{row}")
    await expect(field).to_be_in_viewport()
    await field.fill(text)
    await step.locator("button[type=submit]").tap()
    await expect(step.locator(".postit__text", has_text=exactly(text))).to_have_count(
        1, timeout=LIVE
    )
    await expect(field).to_have_value("")
    await expect_on_step(phone, row)


async def respond(phone: Any, row: str, stance: str, reason: str | None = None) -> None:
    statement = phone.locator(f"#phone-statement-grid-{row}")
    await statement.locator(f"label.stance--{stance}").tap()
    if reason:
        await phone.locator(f"#reason-grid-{row}").fill(reason)
    await statement.locator("form.respond button[type=submit]").tap()
    await expect(statement.locator("legend strong")).to_have_text(
        {"agree": "Agree", "reservations": "Reservations", "object": "Object"}[stance],
        timeout=LIVE,
    )


async def font_px(locator: Any) -> float:
    size: float = await locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    return size


# ---------------------------------------------------------------------- test
async def test_task12_grid_write_spotlight_and_agree(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    dialogs: list[str] = []

    def watch(page: Any, label: str) -> None:
        console_log.watch(page, label, dialogs=dialogs)

    # 1. The facilitator creates the room; the board opens; four phones join.
    desk, control, board, code, _token = await open_desk(browser, base, watch)

    phones: list[Any] = []
    for name, label, _ in PEOPLE:
        phone = await join_by_phone(browser, base, code, name, label, watch)
        phones.append(phone)
    health, education, social_care, vcs = phones
    await expect_everyone_online(control, board, 4)
    await mark_no_reload(control, board, *phones)

    # 2. The facilitator jumps to the grid; every phone shows the first of seven prompts.
    await control.locator("#control-phases button[data-phase='grid-write']").click()
    for page in phones:
        await expect(page.locator("#phone-phase .phone__title")).to_have_text(
            GRID_WRITE, timeout=LIVE
        )
        await expect(page.locator("#phone-task .grid-step")).to_have_count(len(ROWS))
        await expect_on_step(page, "means")
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
        GRID_WRITE, timeout=LIVE
    )
    await expect(board.locator("#board-main .grid-table tbody tr")).to_have_count(len(ROWS))

    # 3. Phones fill different rows, stepping with Next; colleagues' statements arrive live.
    await write(health, "means", H_MEANS)
    await step_to(health, "mission")
    # Priya starts typing her mission statement but has not sent it yet…
    await health.locator("#grid-text-mission").fill(H_MISSION)

    await step_to(education, "mission")
    await write(education, "mission", E_MISSION)
    # …Tom's arrives on her phone: she stays on her prompt and keeps her text.
    mission_on_health = health.locator("#grid-step-mission .postit__text")
    await expect(mission_on_health.filter(has_text=exactly(E_MISSION))).to_have_count(
        1, timeout=LIVE
    )
    await expect_on_step(health, "mission")
    await expect(health.locator("#grid-text-mission")).to_have_value(H_MISSION)
    await health.locator("#grid-step-mission button[type=submit]").tap()
    await expect(mission_on_health.filter(has_text=exactly(H_MISSION))).to_have_count(
        1, timeout=LIVE
    )
    await expect(health.locator("#grid-text-mission")).to_have_value("")
    await expect_on_step(health, "mission")

    await step_to(education, "barriers")
    await write(education, "barriers", E_BARRIERS)
    await write(social_care, "means", S_MEANS)
    await step_to(social_care, "barriers")
    await write(social_care, "barriers", S_BARRIERS)
    await step_to(vcs, "outcomes")
    await write(vcs, "outcomes", V_OUTCOMES)

    # Every phone sees everyone's statements, each under its own agency.
    for page in phones:
        for row, perspective, text in WRITTEN:
            item = page.locator(f"#grid-step-{row} li.postit--{perspective}").filter(
                has=page.locator(".postit__text", has_text=exactly(text))
            )
            await expect(item).to_have_count(1, timeout=LIVE)
    # After all those live updates, each phone is still on the prompt it was on.
    for page, row in ((health, "mission"), (education, "barriers"), (vcs, "outcomes")):
        await expect_on_step(page, row)
    await expect_on_step(social_care, "barriers")
    await step_to(health, "means")  # and Previous works too
    await step_to(health, "mission")

    # 4. The board: each text in its row and its agency's column; the empty cells listed.
    for row, perspective, text in WRITTEN:
        cell = board.locator(f"#board-row-{row} td.column--{perspective}")
        await expect(cell.locator(".grid-cell__item", has_text=exactly(text))).to_have_count(
            1, timeout=LIVE
        )
    empty = board.locator("#board-row-mission td.column--vcs-other")
    await expect(empty).to_have_class(re.compile(r"\bgrid-cell--empty\b"))
    await expect(empty).to_contain_text("none yet")
    await expect(board.locator("#board-row-mission td.column--social-care")).to_have_class(
        re.compile(r"\bgrid-cell--empty\b")
    )
    await expect(board.locator("#board-row-means td.column--health")).not_to_have_class(
        re.compile(r"\bgrid-cell--empty\b")
    )
    coverage = board.locator("#board-main .coverage")
    await expect(coverage.locator("h2")).to_contain_text("Not written yet")
    await expect(coverage.locator("h2 .count")).to_have_text(str(4 * len(ROWS) - len(WRITTEN)))
    gaps = coverage.locator("li")
    await expect(gaps.filter(has_text=exactly("VCS / Other · Mission statement"))).to_have_count(1)
    await expect(
        gaps.filter(has_text=exactly("Education · What partnership working means"))
    ).to_have_count(1)
    await expect(gaps.filter(has_text=exactly("Health · Mission statement"))).to_have_count(0)
    # The whole grid fits the projected screen.
    table = await board.locator("#board-main .grid-table").bounding_box()
    assert table is not None
    assert table["x"] >= 0
    assert table["x"] + table["width"] <= BOARD["width"] + 1, table
    assert table["y"] + table["height"] <= BOARD["height"] + 1, table
    assert await font_px(board.locator("#board-row-means .grid-cell__item").first) >= 14

    # The control view's coverage table agrees.
    coverage_rows = control.locator("#control-task .coverage-table tbody tr")
    await expect(coverage_rows).to_have_count(len(ROWS), timeout=LIVE)
    mission_row = coverage_rows.filter(has=control.locator("th", has_text="Mission statement"))
    await expect(mission_row.locator("td")).to_have_text(["1", "1", "empty", "empty", "Spotlight"])

    await shots(board, "task12-board-overview")
    await shots(health, "task12-phone-grid")
    await shots(control, "task12-control-grid", full_page=True)

    # 5. Spotlight a row from the control view; the board shows it in large type.
    await mission_row.locator("form[action$='/spotlight'] button").click()
    spot = board.locator("#board-spotlight")
    await expect(spot).to_be_visible(timeout=LIVE)
    await expect(spot.locator(".spot__title")).to_have_text("Mission statement")
    await expect(board.locator("#board-main .grid-table")).to_have_count(0)
    for perspective, text in (("health", H_MISSION), ("education", E_MISSION)):
        await expect(spot.locator(f".spot__col.column--{perspective} .spot__item")).to_have_text(
            [text]
        )
    await expect(spot.locator(".spot__col.column--vcs-other .empty")).to_have_text(
        "No VCS / Other statement yet"
    )
    assert await font_px(spot.locator(".spot__title")) >= 40
    assert await font_px(spot.locator(".spot__item").first) >= 24
    await expect(mission_row).to_have_class(re.compile(r"\bcoverage-table__spot\b"), timeout=LIVE)
    await shots(board, "task12-board-spotlight")

    # …and back to the overview.
    back = mission_row.locator("form[action$='/spotlight'] button")
    await expect(back).to_have_text("Back to overview")
    await back.click()
    await expect(board.locator("#board-main .grid-table")).to_be_visible(timeout=LIVE)
    await expect(spot).to_have_count(0)

    # 6. Agreeing, row by row.
    await control.locator("#next-phase").click()
    await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
        GRID_AGREE, timeout=LIVE
    )
    for page in phones:
        await expect(page.locator("#phone-phase .phone__title")).to_have_text(
            GRID_AGREE, timeout=LIVE
        )
    await expect(board.locator("#board-main .coverage")).to_have_count(0)

    # The mission is composed from its contributions, one click each.
    mission_editor = control.locator("#control-statement-grid-mission")
    compose = mission_editor.locator(".compose-from li")
    await expect(compose).to_have_count(2, timeout=LIVE)
    for text, expected in ((H_MISSION, H_MISSION), (E_MISSION, f"{H_MISSION}\n{E_MISSION}")):
        card = compose.filter(has=control.locator(".postit__text", has_text=exactly(text)))
        await card.get_by_role("button", name="Add to draft").click()
        await expect(control.locator("#draft-grid-mission")).to_have_value(expected, timeout=LIVE)
    # The other two are typed.
    for row, text in (("means", MEANS_STATEMENT), ("barriers", BARRIERS_STATEMENT)):
        editor = control.locator(f"#control-statement-grid-{row}")
        await control.locator(f"#draft-grid-{row}").fill(text)
        await editor.locator("form[action$='/draft'] button[type=submit]").click()
        await expect(editor.locator(".badge")).to_contain_text("Draft", timeout=LIVE)
    drafts = {
        "mission": f"{H_MISSION}\n{E_MISSION}",
        "means": MEANS_STATEMENT,
        "barriers": BARRIERS_STATEMENT,
    }
    for row, text in drafts.items():
        overall = board.locator(f"#board-row-{row} .grid-cell--overall")
        await expect(overall.locator(".grid-cell__statement")).to_have_text(text, timeout=LIVE)
        await expect(overall.locator(".badge")).to_have_text("Draft")
        for page in phones:
            await expect(
                page.locator(f"#phone-statement-grid-{row} .statement__text")
            ).to_have_text(text, timeout=LIVE)

    # Phones respond: everyone agrees the mission; Tom has reservations on the meaning;
    # Ana objects to the barriers (with a reason).
    for page, (_, label, _) in zip(phones, PEOPLE, strict=True):
        await respond(page, "mission", "agree")
        if label == "Education":
            await respond(page, "means", "reservations", RESERVATION)
        else:
            await respond(page, "means", "agree")
        if label == "Social Care":
            await respond(page, "barriers", "object", OBJECTION)
        else:
            await respond(page, "barriers", "agree")

    # The board shows the responses by perspective for the spotlit row.
    barriers_editor = control.locator("#control-statement-grid-barriers")
    await barriers_editor.locator("form[action$='/spotlight'] button").click()
    await expect(spot.locator(".spot__title")).to_have_text("Barriers", timeout=LIVE)
    tally = spot.locator(".spot__tally-item")
    await expect(tally).to_have_count(4)
    expected_tally = {
        "Education": "✓1 ~0 ✕0",
        "Health": "✓1 ~0 ✕0",
        "Social Care": "✓0 ~0 ✕1",
        "VCS / Other": "✓1 ~0 ✕0",
    }
    for label, counts in expected_tally.items():
        await expect(tally.filter(has_text=label)).to_contain_text(counts, timeout=LIVE)
    await expect(spot.locator(".objection-line")).to_have_text(f"Social Care objects: {OBJECTION}")
    await expect(spot.locator(".spot__statement")).to_have_text(BARRIERS_STATEMENT)
    await shots(board, "task12-board-agree-spotlight")
    await shots(social_care, "task12-phone-agree", full_page=True)

    # The control view tallies them too (Education, Health, Social Care, VCS / Other).
    for row, agreeing in (("means", ["·", "1", "1", "1"]), ("barriers", ["1", "1", "·", "1"])):
        agree_cells = control.locator(f"#control-statement-grid-{row} td.tally__agree")
        await expect(agree_cells).to_have_text(agreeing, timeout=LIVE)
    means_reserved = control.locator("#control-statement-grid-means td.tally__reservations")
    await expect(means_reserved).to_have_text(["1", "·", "·", "·"])
    await expect(control.locator("#control-statement-grid-means .reservations li")).to_contain_text(
        RESERVATION
    )
    await expect(barriers_editor.locator(".objections li")).to_contain_text(OBJECTION)
    await shots(control, "task12-control-agree", full_page=True)

    # 7. The facilitator marks the rows agreed; the objection needs an override reason.
    for row in ("mission", "means"):
        editor = control.locator(f"#control-statement-grid-{row}")
        await expect(editor.locator(f"#override-grid-{row}")).to_have_count(0)
        await editor.locator(".agree-form").get_by_role("button", name="Mark agreed").click()
        await expect(editor.locator(".agreed-line")).to_have_text("Agreed.", timeout=LIVE)

    override = control.locator("#override-grid-barriers")
    await expect(override).to_have_attribute("required", "")
    agree_posts: list[str] = []
    control.on(
        "request",
        lambda r: agree_posts.append(r.url) if r.url.endswith("/grid.barriers/agree") else None,
    )
    await barriers_editor.locator(".agree-form").get_by_role("button", name="Mark agreed").click()
    assert await override.evaluate("el => el.validity.valueMissing")
    await expect(barriers_editor.locator(".agreed-line")).to_have_count(0)
    assert agree_posts == []  # the browser did not send it without a reason
    await override.fill(OVERRIDE)
    await barriers_editor.locator(".agree-form").get_by_role("button", name="Mark agreed").click()
    await expect(barriers_editor.locator(".agreed-line")).to_contain_text(OVERRIDE, timeout=LIVE)
    await expect(spot.locator(".override")).to_have_text(
        f"Agreed over an objection: {OVERRIDE}", timeout=LIVE
    )
    await expect(spot.locator(".spot__overall .badge")).to_have_text("Agreed")

    for page in phones:
        for row in drafts:
            statement = page.locator(f"#phone-statement-grid-{row}")
            await expect(statement.locator(".badge--agreed")).to_be_visible(timeout=LIVE)
            await expect(statement.locator("form.respond")).to_have_count(0)

    # Back to the whole grid: the three rows carry their agreed statements.
    await barriers_editor.locator("form[action$='/spotlight'] button").click()
    await expect(board.locator("#board-main .grid-table")).to_be_visible(timeout=LIVE)
    for row, text in drafts.items():
        overall = board.locator(f"#board-row-{row} .grid-cell--overall")
        await expect(overall).to_have_class(re.compile(r"\bgrid-cell--agreed\b"))
        await expect(overall.locator(".badge")).to_have_text("Agreed")
        await expect(overall.locator(".grid-cell__statement")).to_have_text(text)
    await expect(board.locator("#board-row-outcomes .grid-cell--overall")).to_contain_text("—")
    await shots(board, "task12-board-agreed")
    await shots(health, "task12-phone-agreed", full_page=True)

    # 8. Nothing reloaded, no dialog opened, no console or page errors, no server error.
    await assert_not_reloaded(control, board, *phones)
    for page in phones:
        await page.context.close()
    await desk.close()
    assert dialogs == [], "\n".join(dialogs)
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()
