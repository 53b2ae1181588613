"""The joint document end to end: the room reaches `document`, phones read and sign it,
the board counts signatures live, a statement is fixed after signing and the phones
follow, then the session closes and a phone downloads the PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import bearer
from tests.e2e.conftest import (
    LIVE,
    ConsoleLog,
    assert_not_reloaded,
    expect_everyone_online,
    join_by_phone,
    mark_no_reload,
    open_desk,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e

DOCUMENT = "The joint statement"
CLOSED = "Session closed"
GRID_AGREE = "Task 1.2 · Agree the joint statements"
PEOPLE = [  # name, perspective label, perspective id
    ("Priya Shah", "Health", "health"),
    ("Tom Ellis", "Education", "education"),
    ("Ana Ruiz", "Social Care", "social-care"),
]
PURPOSE = "Together we make sure every child in Oakfield is safe, healthy and ready to learn."
GOALS = ["Share information early and safely", "One plan per family", "Joint training each term"]
MISSION = "Every child in Oakfield thrives because we work as one team."
MISSION_FIXED = "Every child in Oakfield thrives because we work as one team — Ünïcødé ✓"
MEANS = "Sharing responsibility for every child's wellbeing"
CLOSED_MESSAGE = "The session has closed; the document can no longer be changed."


async def test_document_sign_fix_close_and_download(
    browser: Any, live_server: LiveServer, console_log: ConsoleLog, shots: Any, tmp_path: Path
) -> None:
    base = live_server.base_url
    dialogs: list[str] = []

    def watch(page: Any, label: str) -> None:
        console_log.watch(page, label, dialogs=dialogs)

    # 1. The facilitator creates the room; the board opens; three phones join.
    desk, control, board, code, token = await open_desk(browser, base, watch, accept_downloads=True)

    phones: list[Any] = []
    for name, label, _ in PEOPLE:
        phone = await join_by_phone(browser, base, code, name, label, watch, accept_downloads=True)
        phones.append(phone)
    priya, tom, ana = phones
    await expect_everyone_online(control, board, 3)
    await mark_no_reload(control, board, *phones)

    async with httpx.AsyncClient(
        base_url=f"{base}/api/rooms/{code}",
        headers=bearer(token),
        trust_env=False,
        timeout=30,
    ) as api:

        async def call(method: str, path: str, body: Any = None) -> Any:
            response = await api.request(method, path, json=body)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        # 2. The statements, drafted and agreed over the JSON API.
        await call("POST", "/phase", {"phase": "purpose-agree"})
        await call("PUT", "/statements/purpose", {"text": PURPOSE})
        await call("POST", "/statements/purpose/agree", {})
        await call("PUT", "/statements/goals", {"items": GOALS})
        await call("POST", "/statements/goals/agree", {})
        await call("POST", "/phase", {"phase": "grid-agree"})
        await call("PUT", "/statements/grid.mission", {"text": MISSION})
        await call("POST", "/statements/grid.mission/agree", {})
        await call("PUT", "/statements/grid.means", {"text": MEANS})  # left a draft
        for page in phones:
            await expect(page.locator("#phone-phase .phone__title")).to_have_text(
                GRID_AGREE, timeout=LIVE
            )

        # 3. The facilitator opens the document; every phone shows it and a sign button.
        await control.locator("#control-phases button[data-phase='document']").click()
        for page in phones:
            await expect(page.locator("#phone-phase .phone__title")).to_have_text(
                DOCUMENT, timeout=LIVE
            )
            doc = page.locator("#phone-task #document")
            await expect(doc.locator("#doc-purpose .doc__text")).to_have_text(PURPOSE)
            await expect(doc.locator("#doc-goals .doc__items li")).to_have_text(GOALS)
            await expect(doc.locator("#doc-mission .doc__text")).to_have_text(MISSION)
            await expect(doc.locator("#doc-agreement .doc__entry--draft")).to_contain_text(MEANS)
            await expect(page.locator("#sign-button")).to_have_text("Sign the document")
            await expect(page.locator("#sign-button")).to_be_visible()
        await expect(board.locator("#board-phase .board__phase-title")).to_have_text(
            DOCUMENT, timeout=LIVE
        )
        signed = board.locator(".doc-board__signed")
        await expect(signed.locator("h2")).to_have_text("Signed 0 of 3", timeout=LIVE)
        await expect(control.locator("#control-task")).to_contain_text(
            "0 of 3 participants have signed", timeout=LIVE
        )
        await shots(ana, "document-phone", full_page=True)
        await shots(board, "document-board-unsigned")

        # 4. Two phones sign; they say so, and the board counts them under their perspectives.
        for page in (priya, tom):
            await page.locator("#sign-button").tap()
            await expect(page.locator(".sign-card__done")).to_contain_text(
                re.compile(r"You signed at \d\d:\d\d"), timeout=LIVE
            )
            await expect(page.locator("#sign-button")).to_have_count(0)
        await expect(signed.locator("h2")).to_have_text("Signed 2 of 3", timeout=LIVE)
        await expect(signed.locator(".column--health .name")).to_have_text(["✓ Priya Shah"])
        await expect(signed.locator(".column--education .name")).to_have_text(["✓ Tom Ellis"])
        await expect(signed.locator(".column--social-care .name")).to_have_count(0)
        await expect(ana.locator("#sign-button")).to_be_visible()  # Ana has not signed
        await expect(control.locator("#control-task")).to_contain_text(
            "2 of 3 participants have signed", timeout=LIVE
        )
        document = await call("GET", "/document")
        assert [(s["name"], s["perspective"]) for s in document["signatories"]] == [
            ("Priya Shah", "health"),
            ("Tom Ellis", "education"),
        ]
        await shots(priya, "document-phone-signed")
        await shots(board, "document-board-signed")
        await shots(control, "document-control", full_page=True)

        # 5. Back to grid-agree to fix the mission; the document follows when it reopens.
        await call("POST", "/phase", {"phase": "grid-agree"})
        await expect(ana.locator("#phone-phase .phone__title")).to_have_text(
            GRID_AGREE, timeout=LIVE
        )
        await call("PUT", "/statements/grid.mission", {"text": MISSION_FIXED})
        await call("POST", "/statements/grid.mission/agree", {})
        await call("POST", "/phase", {"phase": "document"})
        for page in phones:
            await expect(page.locator("#phone-task #doc-mission .doc__text")).to_have_text(
                MISSION_FIXED, timeout=LIVE
            )
        # A signature is of the text it was given to: both are asked to sign again.
        for page in (priya, tom):
            await expect(page.locator(".sign-card__again")).to_contain_text(
                "The document changed after you signed.", timeout=LIVE
            )
            await expect(page.locator("#sign-button")).to_have_text("Sign this version")
        await expect(board.locator("#board-main #doc-mission .doc__text")).to_have_text(
            MISSION_FIXED, timeout=LIVE
        )
        await expect(signed.locator("h2")).to_have_text("Signed 0 of 3")
        await expect(signed.locator(".column--health .name")).to_contain_text(
            ["Priya Shah — signed an earlier version"]
        )
        await priya.locator("#sign-button").tap()
        await expect(priya.locator(".sign-card__done")).to_be_visible(timeout=LIVE)
        await expect(signed.locator("h2")).to_have_text("Signed 1 of 3", timeout=LIVE)
        await shots(tom, "document-phone-fixed")

        # 6. The session closes: no more signing, a closed message, the PDF still downloads.
        await control.locator("#control-phases button[data-phase='closed']").click()
        for page in phones:
            await expect(page.locator("#phone-phase .phone__title")).to_have_text(
                CLOSED, timeout=LIVE
            )
            await expect(page.locator(".sign-card")).to_contain_text(CLOSED_MESSAGE)
            await expect(page.locator("#sign-button")).to_have_count(0)
            await expect(page.locator("#phone-task #doc-mission .doc__text")).to_have_text(
                MISSION_FIXED
            )
        refused = await api.put("/statements/grid.mission", json={"text": "Too late"})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "room_closed"
        await shots(ana, "document-phone-closed")
        await shots(board, "document-board-closed")

        snapshot = (await api.get(f"{base}/api/rooms/{code}")).json()  # absolute: no slash
        assert [s["participant_id"] for s in snapshot["signatures"]] == [
            p["id"] for p in snapshot["participants"][:2]
        ]
        date = snapshot["created_at"][:10]
    expected = f"oakfield-primary-school-joint-statement-{date}.pdf"
    pdf_link = ana.locator("#phone-task .downloads").get_by_role("link", name="PDF", exact=True)
    await expect(pdf_link).to_be_visible()
    async with ana.expect_download() as download_info:
        await pdf_link.tap()
    download = await download_info.value
    assert download.suggested_filename == expected
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 10_000

    # 7. Nothing reloaded, no dialog, no console or page errors, no server error.
    await assert_not_reloaded(control, board, *phones)
    for page in phones:
        await page.context.close()
    await desk.close()
    assert dialogs == [], "\n".join(dialogs)
    assert console_log.errors == [], "\n".join(console_log.errors)
    assert "Traceback" not in live_server.log(1_000_000), live_server.log()
