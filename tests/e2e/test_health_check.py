"""The partnership health check end to end, in the browser: the facilitator creates the
room from the home page, four phones (one 320 px wide) join with different perspectives,
rate the checklist with one tap per answer (each change saved at once, one answer
changed), place the partnership on the ladder of participation, and sign the results;
the board shows every distribution by perspective live, and the document and its
Markdown and PDF exports carry the action list (items mostly rated "Not yet", ties
included) and the ladder counts."""

from __future__ import annotations

import asyncio
import re
import subprocess
import tomllib
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from markdown_it import MarkdownIt
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import (
    BOARD,
    DESKTOP,
    LIVE,
    MARK,
    PHONE,
    SMALL_PHONE,
    ConsoleLog,
    api_room,
    create_room_from_home,
    expect_everyone_online,
    expect_online,
    join_by_phone,
    mark_no_reload,
    room_cookie,
)
from tests.servers import LiveServer
from tests.support import HEALTH_CHECK

pytestmark = pytest.mark.e2e

WORKSHOP = tomllib.loads(HEALTH_CHECK.read_text())
PHASES = {p["id"]: p for p in WORKSHOP["phases"]}
CHECKLIST = PHASES["checklist"]
LADDER = PHASES["ladder"]
ITEMS = {i["id"]: i["text"] for i in CHECKLIST["items"]}  # in checklist order
OPTIONS = {o["id"]: o["label"] for o in CHECKLIST["options"]}  # In place, Partly, Not yet
STAGES = {o["id"]: o["label"] for o in LADDER["options"]}  # stage 1 … 5
PERSPECTIVES = {p["label"]: p for p in WORKSHOP["perspectives"]}

TITLE = "Oakfield health check"
SETTING = "Oakfield Primary School"
PEOPLE = [  # name, perspective, viewport, screenshot label
    ("Hana Okafor", "Health", PHONE, "phone"),
    ("Ed Lewis", "Education", PHONE, None),
    ("Sam Patel", "Social Care", SMALL_PHONE, "phone320"),
    ("Vic Moreau", "VCS / Other", PHONE, None),
]
# What each perspective taps in the checklist, in order. Social Care first says
# "In place" for realistic-expectations, then changes it to "Not yet".
ANSWERS: dict[str, list[tuple[str, str]]] = {
    "Health": [
        ("visioning-event", "not-yet"),
        ("aims-clear", "in-place"),
        ("contributions-clear", "not-yet"),
        ("targets", "in-place"),
        ("communication", "in-place"),
    ],
    "Education": [
        ("visioning-event", "not-yet"),
        ("aims-clear", "in-place"),
        ("contributions-clear", "partly"),  # a 1–1 tie with Health's "Not yet"
        ("targets", "in-place"),
        ("communication", "in-place"),
    ],
    "Social Care": [
        ("visioning-event", "in-place"),
        ("aims-clear", "not-yet"),
        ("realistic-expectations", "in-place"),
        ("communication", "in-place"),
    ],
    "VCS / Other": [
        ("visioning-event", "partly"),
        ("realistic-expectations", "not-yet"),
        ("targets", "not-yet"),
        ("communication", "in-place"),
    ],
}
CHANGED = ("Social Care", "realistic-expectations", "not-yet")
# The action list: most common answer "Not yet" (ties included), in checklist order.
ACTIONS = [ITEMS["visioning-event"], ITEMS["contributions-clear"], ITEMS["realistic-expectations"]]
NOT_ACTIONS = [text for text in ITEMS.values() if text not in ACTIONS]
LADDER_PICKS = {  # perspective → stage id
    "Health": "consultation",
    "Education": "consultation",
    "Social Care": "deciding-together",
    "VCS / Other": "information",
}

LOBBY = PHASES["lobby"]["title"]
CLOSED = PHASES["closed"]["title"]


def final_answers() -> dict[str, dict[str, str]]:
    """perspective → item → option, after the change."""
    result = {who: dict(taps) for who, taps in ANSWERS.items()}
    who, item, option = CHANGED
    result[who][item] = option
    return result


def tallies(answers: dict[str, dict[str, str]], item: str) -> dict[str, Counter[str]]:
    """option → Counter of perspective short letters (one person per perspective here)."""
    out: dict[str, Counter[str]] = {option: Counter() for option in OPTIONS}
    for who, chosen in answers.items():
        if item in chosen:
            out[chosen[item]][PERSPECTIVES[who]["short"]] += 1
    return out


def ladder_lines() -> list[str]:
    """The document's ladder entry: "Stage: n (Perspective n, …)" in stage order."""
    lines = []
    for stage, label in STAGES.items():
        who = [p for p in PERSPECTIVES if LADDER_PICKS.get(p) == stage]  # workshop order
        line = f"{label}: {len(who)}"
        if who:
            line += " (" + ", ".join(f"{p} 1" for p in who) + ")"
        lines.append(line)
    return lines


def checklist_lines() -> list[str]:
    answers = final_answers()
    lines = []
    for item, text in ITEMS.items():
        counts = {o: sum(c.values()) for o, c in tallies(answers, item).items()}
        lines.append(f"{text} — " + ", ".join(f"{OPTIONS[o]} {counts[o]}" for o in OPTIONS))
    return lines


def squeeze(text: str) -> str:
    """Without whitespace: a PDF line may wrap anywhere."""
    return re.sub(r"\s+", "", text)


async def expect_board_item(board: Any, item: str, answers: dict[str, dict[str, str]]) -> None:
    """The board's row for `item`: per option the count and a chip per perspective."""
    row = board.locator("#board-main table.ratings tbody tr").nth(list(ITEMS).index(item))
    await expect(row.locator("th.ratings__item")).to_contain_text(ITEMS[item], timeout=LIVE)
    counts = tallies(answers, item)
    total = sum(sum(c.values()) for c in counts.values())
    best = max(sum(c.values()) for c in counts.values())
    for index, option in enumerate(OPTIONS):
        cell = row.locator("td.ratings__cell").nth(index)
        by_letter = counts[option]
        await expect(cell.locator(".ratings__count")).to_have_text(
            str(sum(by_letter.values())), timeout=LIVE
        )
        chips = [f"{letter} {n}" for letter, n in sorted(by_letter.items(), key=chip_order)]
        await expect(cell.locator(".breakdown__chip")).to_have_text(chips, timeout=LIVE)
        leading = total > 0 and sum(by_letter.values()) == best
        if leading:
            await expect(cell).to_have_class(re.compile(r"\bratings__cell--leading\b"))
        else:
            await expect(cell).not_to_have_class(re.compile(r"\bratings__cell--leading\b"))


# Whether an element's box reaches past the edges of the board's document panel, i.e. is
# cut off on the projector. A line on another page of the board is not cut off (the board
# pages what does not fit; tests/e2e/test_board_fit.py checks every page).
CLIPPED = """el => {
  if (el.closest("[data-off]")) return false;
  const box = el.closest(".doc-board__doc").getBoundingClientRect();
  const r = el.getBoundingClientRect();
  return r.bottom > box.bottom + 1 || r.right > box.right + 1 || r.top < box.top - 1;
}"""


def chip_order(pair: tuple[str, int]) -> int:
    shorts = [p["short"] for p in WORKSHOP["perspectives"]]
    return shorts.index(pair[0])


async def test_health_check_rate_ladder_sign_export(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any, tmp_path: Path
) -> None:
    base = live_server.base_url
    dialogs: list[str] = []

    def watch(page: Any, label: str) -> None:
        console_log.watch(page, label, dialogs=dialogs)

    # 1. The facilitator creates the room from the home page, choosing the workshop.
    desk = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
    control = await desk.new_page()
    watch(control, "control")
    code, _token = await create_room_from_home(
        control, base, title=TITLE, setting=SETTING, workshop=WORKSHOP["title"]
    )
    await expect(control.locator(".stepper__button")).to_have_text(
        [f"{n}{p['title']}" for n, p in enumerate(WORKSHOP["phases"], start=1)]
    )

    # The projector is its own browser window (a page in the same window as the
    # control view would be a background tab, its frames throttled).
    projector = await browser.new_context(viewport=BOARD)
    await projector.add_cookies(await desk.cookies(base))  # the facilitator's cookie
    board = await projector.new_page()
    watch(board, "board")
    await board.goto(f"{base}/rooms/{code}/board")
    board_title = board.locator("#board-phase .board__phase-title")
    await expect(board_title).to_have_text(LOBBY)

    # 2. Four phones join with different perspectives (one is a 320 px phone).
    phones: dict[str, Any] = {}
    shot_phones: dict[str, Any] = {}
    for name, perspective, viewport, label in PEOPLE:
        phone = await join_by_phone(
            browser, base, code, name, perspective, watch, viewport=viewport
        )
        await expect(phone.locator("#phone-header .phone__me")).to_have_text(name)
        phones[perspective] = phone
        if label:
            shot_phones[label] = phone
    await expect_everyone_online(control, board, 4)
    await expect(board.locator("#board-main .board__people-title .count")).to_have_text(
        "4", timeout=LIVE
    )
    for name, perspective, _, _ in PEOPLE:
        column = board.locator(f"#board-main .column--{PERSPECTIVES[perspective]['id']}")
        await expect(column.locator(".name")).to_have_text([name])
    await mark_no_reload(control, board, *phones.values())

    async def snap(phase: str, *, full_control: bool = True) -> None:
        await shots(board, f"health-board-{phase}")
        for label, phone in shot_phones.items():
            await shots(phone, f"health-{label}-{phase}")
        await shots(control, f"health-control-{phase}", full_page=full_control)

    await snap("lobby")

    async def next_phase(phase_id: str) -> None:
        title = PHASES[phase_id]["title"]
        await control.locator("#next-phase").click()
        await expect(board_title).to_have_text(title, timeout=LIVE)
        await expect(control.locator("#control-phases .phase-now__title")).to_have_text(title)
        for phone in phones.values():
            await expect(phone.locator("#phone-phase .phone__title")).to_have_text(
                title, timeout=LIVE
            )

    # 3. The checklist: every phone lists the 15 items with three options each.
    await next_phase("checklist")
    for phone in phones.values():
        forms = phone.locator("#phone-task form.rate")
        await expect(forms).to_have_count(len(ITEMS), timeout=LIVE)
        await expect(forms.first.locator("label.choice")).to_have_text(list(OPTIONS.values()))
        await expect(phone.locator("#phone-task .rate__progress")).to_have_text(
            f"0 of {len(ITEMS)} answered"
        )
        await expect(phone.locator("#phone-task button[type=submit]:visible")).to_have_count(0)
    rows = board.locator("#board-main table.ratings tbody tr")
    await expect(rows).to_have_count(len(ITEMS))
    summary = board.locator("#board-main .ratings__summary")
    await expect(summary).to_have_text("0 of 4 have answered")
    await snap("checklist-empty")

    async def tap(perspective: str, item: str, option: str) -> None:
        phone = phones[perspective]
        form = phone.locator(f"#rate-{item}")
        await form.locator("label.choice", has_text=OPTIONS[option]).tap()
        radio = phone.locator(f"#rate-{item} input[value={option}]")
        await expect(radio).to_be_checked(timeout=LIVE)

    so_far: dict[str, dict[str, str]] = {who: {} for who in ANSWERS}
    for perspective, taps in ANSWERS.items():
        phone = phones[perspective]
        progress = phone.locator("#phone-task .rate__progress")
        for number, (item, option) in enumerate(taps, start=1):
            await tap(perspective, item, option)
            # Saved at once (no submit button): the server's count follows the tap.
            await expect(progress).to_have_text(f"{number} of {len(ITEMS)} answered", timeout=LIVE)
            so_far[perspective][item] = option
        raters = sum(1 for answers in so_far.values() if answers)
        verb = "has" if raters == 1 else "have"
        await expect(summary).to_have_text(f"{raters} of 4 {verb} answered", timeout=LIVE)
    for item in ("visioning-event", "realistic-expectations", "contributions-clear"):
        await expect_board_item(board, item, so_far)
    await shots(board, "health-board-checklist-before-change")

    # One answer changed: the board moves Social Care's chip from "In place" to "Not yet".
    who, item, option = CHANGED
    await phones[who].locator(f"#rate-{item}").scroll_into_view_if_needed()
    scroll_before = await phones[who].evaluate("window.scrollY")
    await tap(who, item, option)
    so_far[who][item] = option
    assert so_far == final_answers()
    await expect_board_item(board, item, so_far)
    await expect(phones[who].locator("#phone-task .rate__progress")).to_have_text(
        f"{len(ANSWERS[who])} of {len(ITEMS)} answered"
    )
    assert await phones[who].evaluate("window.scrollY") == scroll_before, "the phone jumped"
    for item in ITEMS:
        await expect_board_item(board, item, so_far)
    # A phone reloaded shows its own saved answers.
    reloaded = phones["Education"]
    await reloaded.reload()
    await expect_online(reloaded)
    for item, option in ANSWERS["Education"]:
        await expect(reloaded.locator(f"#rate-{item} input[value={option}]")).to_be_checked()
    await mark_no_reload(reloaded)
    # The control view shows the same distribution.
    control_rows = control.locator("#control-task table.ratings tbody tr")
    await expect(control_rows).to_have_count(len(ITEMS))
    await expect(control.locator("#control-task .ratings__summary")).to_have_text(
        "4 of 4 have answered"
    )
    await snap("checklist")
    await shots(phones["Social Care"], "health-phone320-checklist-full", full_page=True)

    # 4. The ladder: each phone picks a stage; the board's rungs follow live.
    await next_phase("ladder")
    rungs = board.locator("#board-main .ladder .ladder__rung")
    await expect(rungs).to_have_count(len(STAGES), timeout=LIVE)
    stage_labels = list(STAGES.values())
    await expect(rungs.locator(".ladder__label")).to_have_text(stage_labels[::-1])
    await snap("ladder-empty")
    picked: dict[str, str] = {}
    for perspective, stage in LADDER_PICKS.items():
        phone = phones[perspective]
        choices = phone.locator("#phone-task label.scale__choice")
        await expect(choices).to_have_count(len(STAGES))
        await expect(phone.locator("#phone-task .rate__question")).to_have_text(LADDER["question"])
        await choices.filter(has_text=STAGES[stage]).tap()
        await expect(phone.locator(f"#phone-task input[value={stage}]")).to_be_checked()
        picked[perspective] = stage
        for stage_id, label in STAGES.items():
            rung = rungs.filter(has=board.locator(".ladder__label", has_text=label))
            on_rung = [p for p in PERSPECTIVES if picked.get(p) == stage_id]
            await expect(rung.locator(".ladder__count > strong")).to_have_text(
                str(len(on_rung)), timeout=LIVE
            )
            await expect(rung.locator(".breakdown .chip")).to_have_count(len(on_rung))
            for p in on_rung:
                chip = rung.locator(f".breakdown .chip--{PERSPECTIVES[p]['id']}")
                await expect(chip).to_contain_text(p)
    leading = rungs.filter(has=board.locator(".ladder__label", has_text=STAGES["consultation"]))
    await expect(leading).to_have_class(re.compile(r"\bladder__rung--leading\b"))
    await expect(board.locator("#board-main .ladder__rung--leading")).to_have_count(1)
    await expect(board.locator("#board-main .ratings__summary")).to_have_text(
        "4 of 4 have answered"
    )
    await snap("ladder")
    await shots(phones["Social Care"], "health-phone320-ladder-full", full_page=True)

    # 5. The results: the action list and the ladder counts on every screen; phones sign.
    await next_phase("results")
    documents = {
        "board": board.locator("#board-main #document"),
        **{p: phone.locator("#phone-task #document") for p, phone in phones.items()},
    }
    for doc in documents.values():
        await expect(doc.locator(".doc__title")).to_have_text(TITLE, timeout=LIVE)
        await expect(doc.locator("#doc-actions .doc__items li")).to_have_text(ACTIONS)
        await expect(doc.locator("#doc-ladder .doc__items li")).to_have_text(ladder_lines())
        if doc is documents["board"]:  # the projector keeps to the short lists
            await expect(doc.locator("#doc-checklist .doc__note")).to_contain_text("15 items")
        else:
            await expect(doc.locator("#doc-checklist .doc__items li")).to_have_text(
                checklist_lines()
            )
    # The action list is in full view on the projector.
    for item in await board.locator("#board-main #doc-actions li").all():
        assert not await item.evaluate(CLIPPED), await item.inner_text()
    await snap("results")
    await shots(phones["Social Care"], "health-phone320-results-full", full_page=True)
    for phone in phones.values():
        await phone.locator("#sign-button").tap()
        await expect(phone.locator(".sign-card__done")).to_be_visible(timeout=LIVE)
    signed = board.locator(".doc-board__signed")
    await expect(signed.locator("h2")).to_have_text("Signed 4 of 4", timeout=LIVE)
    for name, _, _, _ in PEOPLE:
        await expect(signed.locator(".name", has_text=name)).to_have_text(f"✓ {name}")
    await expect(control.locator("#control-task")).to_contain_text(
        "4 of 4 participants have signed", timeout=LIVE
    )
    await snap("signed")

    # 6. Closed; the facilitator downloads the Markdown and the PDF from the control view.
    await next_phase("closed")
    for phone in phones.values():
        await expect(phone.locator("#phone-task #doc-actions .doc__items li")).to_have_text(
            ACTIONS, timeout=LIVE
        )
    await snap("closed")
    files: dict[str, bytes] = {}
    downloads = control.locator("#control-task .downloads").first  # (then: bilingual)
    for name, ext in (("Markdown", "md"), ("PDF", "pdf")):
        async with control.expect_download() as download_info:
            await downloads.get_by_role("link", name=name, exact=True).click()
        download = await download_info.value
        assert download.suggested_filename.endswith(f".{ext}"), download.suggested_filename
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        files[ext] = saved.read_bytes()

    # Markdown: the action list is section 1, numbered, with exactly the three items.
    markdown = files["md"].decode()
    actions_md = markdown.split("## 1. Action list", 1)[1].split("\n## 2.", 1)[0]
    html = MarkdownIt("commonmark").render(actions_md)
    items = [unescape(li) for li in re.findall(r"<li>(.*?)</li>", html)]
    assert items == ACTIONS, items
    ladder_md = markdown.split("\n## 2.", 1)[1].split("\n## 3.", 1)[0]
    ladder_html = MarkdownIt("commonmark").render(ladder_md)
    assert [unescape(li) for li in re.findall(r"<li>(.*?)</li>", ladder_html)] == ladder_lines()
    for name, _, _, _ in PEOPLE:
        assert name in markdown, name

    # PDF: the action list between its heading and the ladder's, then the ladder counts.
    assert files["pdf"].startswith(b"%PDF-")
    pdf_path = tmp_path / "health-check.pdf"
    pdf_path.write_bytes(files["pdf"])
    done = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf_path), "-"],
        capture_output=True,
        check=True,
    )
    pdf = squeeze(done.stdout.decode())
    actions_pdf = pdf.split(squeeze("1. Action list"), 1)[1].split(squeeze("2. Where we are"), 1)[0]
    for text in ACTIONS:
        assert squeeze(text) in actions_pdf, text
    for text in NOT_ACTIONS:
        assert squeeze(text) not in actions_pdf, text
    for line in ladder_lines():
        assert squeeze(line) in pdf, line

    # Nothing reloaded (but the phone reloaded on purpose), no dialog, no console error.
    for page in (control, board, *phones.values()):
        assert await page.evaluate(f"{MARK} === true"), f"{page.url} was reloaded"
    for phone in phones.values():
        await phone.context.close()
    await desk.close()
    await projector.close()
    assert dialogs == [], "\n".join(dialogs)
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()


async def test_board_results_show_the_ladder_counts(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    """The same answers as above, given over the API; the board in the results phase."""
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as api:
        joining = [(name, PERSPECTIVES[perspective]["id"]) for name, perspective, _, _ in PEOPLE]
        code, token, tokens = await api_room(
            api, joining, title=TITLE, setting=SETTING, workshop=WORKSHOP["id"]
        )
        facilitator = bearer(token)
        people = {
            perspective: bearer(joined)
            for (_, perspective, _, _), joined in zip(PEOPLE, tokens, strict=True)
        }

        async def phase(phase_id: str) -> None:
            response = await api.post(
                f"/api/rooms/{code}/phase", json={"phase": phase_id}, headers=facilitator
            )
            assert response.status_code == 200, response.text

        async def rate(perspective: str, phase_id: str, item: str, option: str) -> None:
            response = await api.put(
                f"/api/rooms/{code}/ratings/{item}",
                json={"phase": phase_id, "option": option},
                headers=people[perspective],
            )
            assert response.status_code == 200, response.text

        await phase("checklist")
        for perspective, chosen in final_answers().items():
            for item, option in chosen.items():
                await rate(perspective, "checklist", item, option)
        await phase("ladder")
        for perspective, stage in LADDER_PICKS.items():
            await rate(perspective, "ladder", "ladder", stage)  # its one item: the question
        await phase("results")

    projector = await browser.new_context(viewport=BOARD)
    await projector.add_cookies([room_cookie(base, code, token)])
    board = await projector.new_page()
    console_log.watch(board, "board")
    try:
        await board.goto(f"{base}/rooms/{code}/board")
        await expect_online(board)
        doc = board.locator("#board-main #document")
        await expect(doc.locator("#doc-ladder .doc__items li")).to_have_text(ladder_lines())
        cut = [
            await line.inner_text()
            for line in await doc.locator("#doc-actions li, #doc-ladder li").all()
            if await line.evaluate(CLIPPED)
        ]
        assert cut == [], f"cut off on the board: {cut}"
    finally:
        await projector.close()
    assert console_log.errors == [], "\n".join(console_log.errors)
