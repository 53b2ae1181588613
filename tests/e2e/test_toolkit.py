"""The facilitator's toolkit live in the browser (multi-agency visioning workshop): the
phase timer (start, pause, +1 minute, the keyboard shortcuts, a locking timer running
out), "I'm done", anonymity, moderation (hold back, release), the note spotlight, moving
a note with the keyboard, projector mode and "Duplicate this setup"."""

from __future__ import annotations

import asyncio
import re
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
    SMALL_PHONE,
    ConsoleLog,
    api_room,
    assert_not_reloaded,
    exactly,
    expect_everyone_online,
    expect_online,
    join_by_phone,
    mark_no_reload,
    room_cookie,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

TITLE = "Riverside partnership"
SETTING = "Riverside Academy"
WELCOME = "Welcome"
WRITE = "Task 1.1 · Write your statements"
SORT = "Task 1.1 · Sort the statements"
PEOPLE = [  # name, perspective, viewport, screenshot label
    ("Hana Okafor", "Health", PHONE, "phone"),
    ("Ed Lewis", "Education", PHONE, None),
    ("Sam Patel", "Social Care", SMALL_PHONE, "phone320"),
]
NAMES = [name for name, _, _, _ in PEOPLE]
NOTES = {  # perspective → the statements typed on that phone
    "Health": ["Every child is seen early by the right person", "One shared plan per family"],
    "Education": ["Held back: a note the facilitator moderates"],
    "Social Care": ["Families are listened to first"],
}
HELD = NOTES["Education"][0]
MOVED = NOTES["Health"][1]
SPOT = NOTES["Social Care"][0]
TIME_UP = "Time is up for this task: the facilitator closed writing."


def seconds(clock: str) -> int:
    minutes, secs = clock.strip().split(":")
    return int(minutes) * 60 + int(secs)


async def press(page: Any, key: str) -> None:
    """Press `key` with the focus on the page body (no field, no button)."""
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    assert await page.evaluate("document.activeElement === document.body")
    await page.keyboard.press(key)


async def test_facilitator_toolkit(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any
) -> None:
    base = live_server.base_url
    dialogs: list[str] = []

    def watch(page: Any, label: str) -> None:
        console_log.watch(page, label, dialogs=dialogs)

    api = httpx.AsyncClient(base_url=base, trust_env=False, timeout=10)
    try:
        # 1. A room made over the JSON API; the facilitator signs in with its token.
        code, token, _ = await api_room(
            api, title=TITLE, setting=SETTING, workshop="multi-agency-visioning"
        )
        auth = bearer(token)

        desk = await browser.new_context(viewport=DESKTOP)
        control = await desk.new_page()
        watch(control, "control")
        await control.goto(f"{base}/rooms/{code}/facilitate")
        await control.get_by_label("Facilitator token").fill(token)
        await control.get_by_role("button", name="Open the control view").click()
        await control.wait_for_url(f"{base}/rooms/{code}/control")
        await expect(control.locator(".control__code-value")).to_have_text(code)

        # The projector is its own browser window (a page in the same window as the
        # control view would be a background tab, its frames throttled).
        projector = await browser.new_context(viewport=BOARD)
        await projector.add_cookies(await desk.cookies(base))  # the facilitator's cookie
        board = await projector.new_page()
        watch(board, "board")
        await board.goto(f"{base}/rooms/{code}/board")

        phones: dict[str, Any] = {}
        shot_phones: dict[str, Any] = {}
        for name, perspective, viewport, label in PEOPLE:
            phone = await join_by_phone(
                browser, base, code, name, perspective, watch, viewport=viewport, typed=code
            )
            phones[perspective] = phone
            if label:
                shot_phones[label] = phone
        await expect_everyone_online(control, board, 3)
        await mark_no_reload(control, board, *phones.values())
        people = board.locator("#board-main .columns")
        for name in NAMES:
            await expect(people.locator(".name", has_text=name)).to_have_count(1, timeout=LIVE)

        # 2. Anonymity: the board lists "Health 1"-style labels and no name at all.
        await control.locator("#toggle-anonymous").click()
        await expect(control.locator("#toggle-anonymous")).to_have_text("Show names again")
        await expect(people.locator(".name--anonymous")).to_have_text(
            ["Education 1", "Health 1", "Social Care 1"], timeout=LIVE
        )
        html = await board.content()
        for name in NAMES:
            assert name not in html, f"{name} is on the anonymous board"
        for name in NAMES:  # the facilitator still sees who is who
            await expect(control.locator("#control-participants")).to_contain_text(name)
        await shots(board, "toolkit-board-anonymous")
        await control.locator("#toggle-names-here").click()
        await expect(control.locator("#toggle-names-here")).to_have_text("Hide names in this phase")
        for name in NAMES:
            await expect(people.locator(".name", has_text=name)).to_have_count(1, timeout=LIVE)
        await expect(people.locator(".name--anonymous")).to_have_count(0)
        await control.locator("#toggle-names-here").click()
        await expect(people.locator(".name--anonymous")).to_have_count(3, timeout=LIVE)
        await control.locator("#toggle-anonymous").click()
        await expect(control.locator("#toggle-anonymous")).to_have_text("Make the room anonymous")
        await expect(control.locator("#toggle-names-here")).to_have_count(0)
        for name in NAMES:
            await expect(people.locator(".name", has_text=name)).to_have_count(1, timeout=LIVE)

        # 3. Moderation on; the writing phase; a 1-minute timer that closes writing.
        await control.locator("#toggle-moderated").click()
        await expect(control.locator("#toggle-moderated")).to_have_text("Stop moderating")
        await control.locator("#next-phase").click()
        board_phase = board.locator("#board-phase")
        await expect(board_phase.locator(".board__phase-title")).to_have_text(WRITE, timeout=LIVE)
        for phone in phones.values():
            await expect(phone.locator("#phone-phase .phone__title")).to_have_text(
                WRITE, timeout=LIVE
            )
        await expect(control.locator("#control-task .moderate .hint").last).to_have_text(
            "No notes written yet."
        )
        timer_form = control.locator("form.tools__timer")
        await timer_form.get_by_label("Minutes").fill("1")
        await timer_form.get_by_label("Close writing when time is up").check()
        await timer_form.get_by_role("button", name="Start the timer").click()
        timers = {
            "board": board_phase.locator(".timer"),
            "control": control.locator("#control-status .timer"),
            **{p: phone.locator("#phone-phase .timer") for p, phone in phones.items()},
        }
        for where, timer in timers.items():
            await expect(timer.locator(".timer__label"), where).to_have_text(
                "Time left", timeout=LIVE
            )
            await expect(timer.locator(".timer__lock"), where).to_have_text(
                "writing closes at 0:00"
            )
        first = {w: await t.locator(".timer__clock").inner_text() for w, t in timers.items()}
        for where, clock in first.items():
            assert 55 <= seconds(clock) <= 60, (where, clock)
        await asyncio.sleep(2.2)  # the one deliberate wait: the clocks tick on their own
        for where, timer in timers.items():
            clock = await timer.locator(".timer__clock").inner_text()
            assert seconds(clock) < seconds(first[where]), (where, first[where], clock)
        await shots(board, "toolkit-board-timer")
        for label, phone in shot_phones.items():
            await shots(phone, f"toolkit-{label}-timer")

        # Pause, then +1 minute (buttons): every screen shows the same paused figure.
        tools = control.locator("#control-status .tools")
        await tools.get_by_role("button", name="Pause").click()
        for where, timer in timers.items():
            await expect(timer.locator(".timer__label"), where).to_have_text(
                "Timer paused", timeout=LIVE
            )
            await expect(timer).to_have_class(re.compile(r"\btimer--paused\b"))
        paused = seconds(await timers["board"].locator(".timer__clock").inner_text())
        for where, timer in timers.items():
            clock = await timer.locator(".timer__clock").inner_text()
            assert seconds(clock) == paused, (where, clock, paused)
        await tools.get_by_role("button", name="+1 minute").click()
        added = f"{(paused + 60) // 60}:{(paused + 60) % 60:02d}"
        for timer in timers.values():
            await expect(timer.locator(".timer__clock")).to_have_text(added, timeout=LIVE)
        await shots(control, "toolkit-control-timer-paused", full_page=True)

        # The keyboard, focus on the body: T resumes, T pauses, + adds a minute.
        await press(control, "t")
        await expect(timers["board"].locator(".timer__label")).to_have_text(
            "Time left", timeout=LIVE
        )
        await expect(tools.get_by_role("button", name="Pause")).to_be_visible()
        await press(control, "t")
        await expect(timers["board"].locator(".timer__label")).to_have_text(
            "Timer paused", timeout=LIVE
        )
        paused = seconds(await timers["board"].locator(".timer__clock").inner_text())
        await expect(tools.get_by_role("button", name="Resume")).to_be_visible()
        await press(control, "+")
        added = f"{(paused + 60) // 60}:{(paused + 60) % 60:02d}"
        for timer in timers.values():
            await expect(timer.locator(".timer__clock")).to_have_text(added, timeout=LIVE)
        # L locks and unlocks the room; a key typed in a field is just typing.
        await press(control, "l")
        await expect(control.locator("#lock-toggle")).to_have_text("Unlock the room", timeout=LIVE)
        await expect(control.locator("#control-status")).to_contain_text("Locked:")
        await press(control, "l")
        await expect(control.locator("#lock-toggle")).to_have_text("Lock the room", timeout=LIVE)
        await control.locator(".tools__more > summary").click()  # "More: … the next school"
        await control.locator("#duplicate-title").press("End")
        await control.locator("#duplicate-title").press("n")
        await expect(control.locator("#duplicate-title")).to_have_value(f"{TITLE}n")
        await control.locator("#duplicate-title").fill(TITLE)
        await expect(board_phase.locator(".board__phase-title")).to_have_text(WRITE)

        # 4. Phones write (moderated): the control view reads each note as it is written.
        moderation = control.locator("#control-task .moderate")
        for perspective, texts in NOTES.items():
            phone = phones[perspective]
            for number, text in enumerate(texts, start=1):
                await phone.locator("#note-text").fill(text)
                await phone.locator("#phone-task form .button--primary").tap()
                await expect(phone.locator("#phone-task .compose__counter strong")).to_have_text(
                    f"{number} of 3", timeout=LIVE
                )
        written = [text for texts in NOTES.values() for text in texts]
        for text in written:
            await expect(moderation.locator(".postit__text", has_text=exactly(text))).to_have_count(
                1, timeout=LIVE
            )
        await expect(moderation.locator("h3 .count")).to_have_text(
            f"{len(written)} not yet revealed"
        )
        held_card = moderation.locator("li.postit").filter(
            has=control.locator(".postit__text", has_text=exactly(HELD))
        )
        held_id = (await held_card.get_attribute("id") or "").removeprefix("moderate-")
        assert held_id, "no id on the moderated note"
        await held_card.get_by_role("button", name="Hold back").click()
        await expect(held_card).to_contain_text("held back", timeout=LIVE)
        await expect(held_card.get_by_role("button", name="Release")).to_be_visible()
        assert HELD not in await board.content()

        # 5. "I'm done": the board counts who is done, by perspective; a second tap undoes.
        done_strip = board.locator("#board-done")
        await expect(done_strip.locator(".done-strip__total")).to_have_text("0 of 3 done")

        async def done_counts(total: int, by: dict[str, int]) -> None:
            await expect(done_strip.locator(".done-strip__total")).to_have_text(
                f"{total} of 3 done", timeout=LIVE
            )
            for perspective in ("Education", "Health", "Social Care"):
                group = done_strip.locator("li").filter(has_text=perspective)
                await expect(group.locator(".done-strip__count")).to_have_text(
                    f"{by.get(perspective, 0)}/1"
                )
            await expect(control.locator("#control-task .done-line")).to_contain_text(
                f"{total} of 3 said they're done", timeout=LIVE
            )

        for perspective in ("Health", "Social Care"):
            button = phones[perspective].locator("#phone-done button")
            await expect(button).to_have_text("I'm done")
            await button.tap()
            await expect(button).to_have_text("✓ You said you're done · tap to undo", timeout=LIVE)
            await expect(button).to_have_attribute("aria-pressed", "true")
        await done_counts(2, {"Health": 1, "Social Care": 1})
        await expect(control.locator("#control-participants .person__done")).to_have_count(2)
        await shots(board, "toolkit-board-done")
        await shots(control, "toolkit-control-write", full_page=True)
        for label, phone in shot_phones.items():
            await shots(phone, f"toolkit-{label}-done", full_page=True)
        health_done = phones["Health"].locator("#phone-done button")
        await health_done.tap()
        await expect(health_done).to_have_text("I'm done", timeout=LIVE)
        await expect(health_done).to_have_attribute("aria-pressed", "false")
        await done_counts(1, {"Social Care": 1})

        # 6. A 2-second locking timer (API) runs out: a phone's next note is refused.
        response = await api.post(
            f"/api/rooms/{code}/timer",
            json={"action": "start", "seconds": 2, "lock": True},
            headers=auth,
        )
        assert response.status_code == 200, response.text
        for where, timer in timers.items():
            await expect(timer.locator(".timer__label"), where).to_have_text(
                "Time is up", timeout=LIVE
            )
            await expect(timer.locator(".timer__clock")).to_have_text("0:00")
            await expect(timer).to_have_class(re.compile(r"\btimer--up\b"))
        health = phones["Health"]
        # Writing is closed on the phone itself (issue 15): the field and Add are disabled,
        # the reason shown; a post that got through anyway is refused (the toast).
        await expect(health.locator("#note-text")).to_be_disabled(timeout=LIVE)
        await expect(health.locator("#phone-task form .button--primary")).to_be_disabled()
        await expect(health.locator("#writing-closed")).to_contain_text("Time is up")
        late = "One more thought after the bell"
        await health.evaluate(
            """text => { const f = document.getElementById('note-text'); f.disabled = false;
            f.value = text; f.form.querySelector('button').disabled = false;
            f.form.requestSubmit(); }""",
            late,
        )
        await expect(health.locator("#toast")).to_have_text(TIME_UP, timeout=LIVE)
        await expect(health.locator("#toast")).to_be_visible()
        await expect(health.locator("#note-text")).to_have_value(late)  # kept, not lost
        await expect(health.locator("#phone-task .compose__counter strong")).to_have_text("2 of 3")
        await shots(health, "toolkit-phone-time-up")
        await shots(board, "toolkit-board-time-up")

        # 7. N (keyboard) reveals the notes for sorting: the held note stays off the board.
        await press(control, "n")
        await expect(board_phase.locator(".board__phase-title")).to_have_text(SORT, timeout=LIVE)
        on_board = board.locator("#board-main foreignObject .pi")

        def board_note(text: str) -> Any:
            return on_board.filter(has=board.locator(".pi__text", has_text=exactly(text)))

        visible_notes = [text for text in written if text != HELD]
        await expect(on_board).to_have_count(len(visible_notes), timeout=LIVE)
        for text in visible_notes:
            await expect(board_note(text)).to_have_count(1)
        assert HELD not in await board.content()
        for perspective in ("Health", "Social Care"):
            assert HELD not in await phones[perspective].content(), perspective
        await expect(board_phase.locator(".timer")).to_have_count(0)  # a timer is per phase

        # Release. (The control view lists held notes only while people write, so after
        # the reveal the release goes through the API; see the report.)
        response = await api.post(
            f"/api/rooms/{code}/notes/{held_id}/hold", json={"held": False}, headers=auth
        )
        assert response.status_code == 200, response.text
        await expect(board_note(HELD)).to_have_count(1, timeout=LIVE)
        await expect(on_board).to_have_count(len(written))
        inner = control.locator('#control-task .dropzone[data-ring="inner"]')
        outer = control.locator('#control-task .dropzone[data-ring="outer"]')
        await expect(inner.locator("li.postit")).to_have_count(len(written), timeout=LIVE)

        def control_card(zone: Any, text: str) -> Any:
            return zone.locator("li.postit").filter(
                has=control.locator(".postit__text", has_text=exactly(text))
            )

        # 8. Spotlight a note: the board shows it large; S (keyboard) clears it.
        await control_card(inner, SPOT).locator("details.note-menu > summary").click()
        await control_card(inner, SPOT).get_by_role("button", name="Spotlight", exact=True).click()
        spotlight = board.locator("#board-spotlight-note")
        await expect(spotlight.locator(".spot-note__text")).to_have_text(SPOT, timeout=LIVE)
        await expect(board.locator("#board-main .circles")).to_have_count(0)
        await expect(
            control_card(inner, SPOT).locator("details.note-menu[data-spot]")
        ).to_be_attached(timeout=LIVE)
        await shots(board, "toolkit-board-spotlight")
        await expect(control.locator('[data-shortcut="s"]')).to_be_visible()
        await press(control, "s")
        await expect(spotlight).to_have_count(0, timeout=LIVE)
        await expect(board.locator("#board-main .circles")).to_have_count(1)
        # …and again, cleared with the control view's button this time.
        await control_card(inner, HELD).locator("details.note-menu > summary").click()
        await control_card(inner, HELD).get_by_role("button", name="Spotlight", exact=True).click()
        await expect(spotlight.locator(".spot-note__text")).to_have_text(HELD, timeout=LIVE)
        await control.get_by_role("button", name="Clear the spotlight on the board").click()
        await expect(spotlight).to_have_count(0, timeout=LIVE)

        # 9. Keyboard move: the focused note goes out with O and back with I; focus stays.
        card = control_card(inner, MOVED)
        card_id = await card.get_attribute("id")
        assert card_id
        moved_note = board.locator(f"#board-note-{card_id.removeprefix('control-note-')}")
        await expect(moved_note).not_to_have_class(re.compile(r"\bpi--out\b"))
        await card.focus()
        await control.keyboard.press("o")
        await expect(control_card(outer, MOVED)).to_have_count(1, timeout=LIVE)
        await expect(control_card(inner, MOVED)).to_have_count(0)
        await expect(moved_note).to_have_class(re.compile(r"\bpi--out\b"), timeout=LIVE)
        await shots(control, "toolkit-control-sort-moved", full_page=True)
        # (Focus is put back on the moved card, then lost when the websocket's copy of the
        # same update re-renders the list: see test_keyboard_move_keeps_focus below.)
        await control.locator(f"#{card_id}").focus()
        await control.keyboard.press("i")
        await expect(control_card(inner, MOVED)).to_have_count(1, timeout=LIVE)
        await expect(moved_note).not_to_have_class(re.compile(r"\bpi--out\b"), timeout=LIVE)

        # 10. Projector mode on the board: a toggle in the control view (no button on the
        # projected page), room state, so it holds after a reload.
        assert await board.locator("button").count() == 0, "a button on the projected board"
        toggle = control.locator("#toggle-projector")
        await expect(toggle).to_have_attribute("aria-pressed", "false")
        await toggle.click()
        projector_on = re.compile(r"\bprojector\b")
        await expect(board.locator("html")).to_have_class(projector_on, timeout=LIVE)
        await expect(control.locator("#toggle-projector")).to_have_attribute(
            "aria-pressed", "true", timeout=LIVE
        )
        await board.reload()
        await expect_online(board)
        await expect(board.locator("html")).to_have_class(re.compile(r"\bprojector\b"))
        await shots(board, "toolkit-board-projector")
        await control.locator("#toggle-projector").click()
        await expect(board.locator("html")).not_to_have_class(
            re.compile(r"\bprojector\b"), timeout=LIVE
        )
        await board.reload()
        await expect_online(board)
        await expect(board.locator("html")).not_to_have_class(re.compile(r"\bprojector\b"))
        await mark_no_reload(board)

        # 11. Duplicate this setup: a new room (new code, same title) opens in its control
        # view; the old room's control view still opens.
        await control.locator(".tools__more > summary").click()
        await control.locator("#duplicate-title").fill(TITLE)
        await control.get_by_role("button", name="Duplicate this setup").click()
        await control.wait_for_url(re.compile(r"/rooms/[A-Z0-9]+/control$"))
        new_code = (await control.locator(".control__code-value").inner_text()).strip()
        assert new_code != code
        assert control.url == f"{base}/rooms/{new_code}/control"
        await expect(control.locator(".control__top h1")).to_have_text(TITLE)
        await expect(control.locator(".control__setting")).to_have_text(SETTING)
        await expect(control.locator("#control-phases .phase-now__title")).to_have_text(WELCOME)
        await expect(control.locator("#control-participants .count")).to_have_text("0/0 online")
        await expect(control.locator("#toggle-moderated")).to_have_text("Stop moderating")
        await expect_online(control)
        await shots(control, "toolkit-control-duplicate", full_page=True)
        await control.goto(f"{base}/rooms/{code}/control")
        await expect(control.locator(".control__code-value")).to_have_text(code)
        await expect(control.locator("#control-phases .phase-now__title")).to_have_text(SORT)
        await expect(control.locator("#control-participants .count")).to_have_text(
            "3/3 online", timeout=LIVE
        )
        await expect_online(control)

        await assert_not_reloaded(board, *phones.values())
        for phone in phones.values():
            await phone.context.close()
        await desk.close()
        await projector.close()
    finally:
        await api.aclose()
    assert dialogs == [], "\n".join(dialogs)
    # The refused note is the one expected console error (Chromium's and htmx's line for it).
    refused = [e for e in console_log.errors if re.search(rf"409.*/rooms/{code}/notes\b", e)]
    assert len(refused) == 2, refused
    assert all(e.startswith("[Health] ") for e in refused), refused
    others = [e for e in console_log.errors if e not in refused]
    assert others == [], "\n".join(others)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()


# ------------------------------------------------------------- known bugs (reported)
async def sort_room(
    api: httpx.AsyncClient, notes: list[str], *, moderated: bool = False
) -> tuple[str, str, list[str]]:
    """A room in the sort phase, made over the API: (code, facilitator token, note ids).

    With `moderated`, the first note is held back before the reveal."""
    code, token, (hana,) = await api_room(
        api, [("Hana Okafor", "health")], title=TITLE, moderated=moderated
    )
    facilitator, participant = bearer(token), bearer(hana)
    phase = await api.post(
        f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=facilitator
    )
    assert phase.status_code == 200, phase.text
    ids = []
    for text in notes:
        response = await api.post(
            f"/api/rooms/{code}/notes", json={"text": text}, headers=participant
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    if moderated:
        response = await api.post(
            f"/api/rooms/{code}/notes/{ids[0]}/hold", json={"held": True}, headers=facilitator
        )
        assert response.status_code == 200, response.text
    phase = await api.post(
        f"/api/rooms/{code}/phase", json={"phase": "purpose-sort"}, headers=facilitator
    )
    assert phase.status_code == 200, phase.text
    return code, token, ids


async def open_control(browser: Any, base: str, code: str, token: str) -> Any:
    desk = await browser.new_context(viewport=DESKTOP)
    await desk.add_cookies([room_cookie(base, code, token)])
    control = await desk.new_page()
    await control.goto(f"{base}/rooms/{code}/control")
    await expect_online(control)
    return control


async def test_keyboard_move_keeps_focus(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    """O moves the focused note out; focus is still on it once every copy of the update
    has landed. The order is made deterministic: the websocket's copy is held back until
    the form post's answer has been swapped in (the usual order on a real network)."""
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as api:
        code, token, ids = await sort_room(api, NOTES["Health"])
    desk = await browser.new_context(viewport=DESKTOP)
    await desk.add_cookies([room_cookie(base, code, token)])
    held: list[str | bytes] = []
    holding = False
    sockets: list[Any] = []

    async def relay(socket: Any) -> None:
        sockets.append(socket)
        server = socket.connect_to_server()

        def to_page(message: str | bytes) -> None:
            if holding:
                held.append(message)
            else:
                socket.send(message)

        server.on_message(to_page)
        socket.on_message(server.send)

    await desk.route_web_socket(re.compile(r"/rooms/[A-Z0-9]+/live"), relay)
    control = await desk.new_page()
    console_log.watch(control, "control")
    try:
        await control.goto(f"{base}/rooms/{code}/control")
        await expect_online(control)
        card = control.locator(f"#control-note-{ids[0]}")
        outer = control.locator('.dropzone[data-ring="outer"]')
        seq = int(await control.locator("#live-seq").get_attribute("data-seq") or "0")
        await card.focus()
        holding = True
        await control.keyboard.press("o")
        await expect(outer.locator(f"#control-note-{ids[0]}")).to_have_count(1, timeout=LIVE)
        await expect(card).to_be_focused()  # after the form post's swap: fine
        holding = False
        for message in held:
            sockets[-1].send(message)
        await expect(control.locator("#live-seq")).to_have_attribute(
            "data-seq", str(seq + 1), timeout=LIVE
        )
        await expect(card).to_be_focused(timeout=2_000)  # after the websocket's: lost
    finally:
        await desk.close()
    assert console_log.errors == [], "\n".join(console_log.errors)


async def test_release_a_held_note_from_the_control_view_after_the_reveal(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog
) -> None:
    base = live_server.base_url
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as api:
        code, token, _ = await sort_room(api, [HELD, SPOT], moderated=True)
    control = await open_control(browser, base, code, token)
    console_log.watch(control, "control")
    inner = control.locator('#control-task .dropzone[data-ring="inner"]')
    await expect(inner.locator("li.postit")).to_have_count(1)
    try:
        release = control.locator("#control-task").get_by_role("button", name="Release")
        await expect(release).to_be_visible(timeout=2_000)
        await release.click()
        await expect(inner.locator(".postit__text", has_text=exactly(HELD))).to_have_count(
            1, timeout=LIVE
        )
    finally:
        await control.context.close()
        assert console_log.errors == [], "\n".join(console_log.errors)
