"""The control view says who the room is waiting for (to write, respond, sign) and shows
what each agency wrote in the grid, not only counts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.support import NAMES, toolkit_room


def waiting_line(page: str, element: str) -> str:
    found = re.search(rf'<p class="waiting" id="{element}">(.*?)</p>', page, re.S)
    assert found, element
    return found.group(1)


def test_who_has_yet_to_write_respond_and_sign(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    for k in range(3):
        room.note("priya", f"Statement {k}")
    line = waiting_line(room.page("fac", "control"), "control-waiting-notes")
    assert "Still writing:" in line
    assert NAMES["eleanor"] in line
    assert NAMES["sol"] in line
    assert NAMES["priya"] not in line

    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Every child safe"}))
    room.ok(room.post("eleanor", "/statements/purpose/responses", {"stance": "agree"}))
    line = waiting_line(room.page("fac", "control"), "control-waiting-purpose")
    assert "Not yet responded:" in line
    assert NAMES["eleanor"] not in line
    assert NAMES["priya"] in line

    room.phase("document")
    room.ok(room.post("sol", "/document/sign"))
    line = waiting_line(room.page("fac", "control"), "control-waiting-signed")
    assert "Not yet signed this version:" in line
    assert NAMES["sol"] not in line
    assert NAMES["eleanor"] in line
    for who in ("priya", "eleanor"):
        room.ok(room.post(who, "/document/sign"))
    assert "Everyone has signed." in room.page("fac", "control")


def test_the_lists_name_nobody_on_other_screens(client: TestClient) -> None:
    room = toolkit_room(client, anonymous=True)
    room.phase("purpose-write")
    for screen, who in (("board", "fac"), ("phone", "priya")):
        page = room.page(who, screen)
        assert "control-waiting" not in page
        assert NAMES["eleanor"] not in page


def test_the_grid_phase_shows_what_each_agency_wrote(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("grid-write")
    text = "Share one plan per family <b>early</b>"
    room.ok(room.post("priya", "/grid/mission/contributions", {"text": text}), 201)
    page = room.page("fac", "control")
    cell = re.search(r'id="control-cell-mission-health"[^>]*>(.*?)</ul>', page, re.S)
    assert cell
    assert "Share one plan per family &lt;b&gt;early&lt;/b&gt;" in cell.group(1)


def test_a_merged_note_keeps_every_perspective_everywhere(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    kept = room.note("eleanor", "Early help for families")  # education
    merged = room.note("sol", "Help families early")  # social care
    room.phase("purpose-sort")
    room.ok(room.post("fac", f"/notes/{merged}/merge", {"into": kept}))
    for who, screen in (("fac", "board"), ("fac", "control"), ("priya", "phone")):
        page = room.page(who, screen)
        card = page[page.index(kept) : page.index(kept) + 3000]
        assert "chip--education" in card, screen
        assert "chip--social-care" in card, screen
    room.phase("document")
    appendix = room.ok(room.get("fac", "/document"))["appendix"]["inner_circle"]
    [note] = [n for n in appendix if n["text"] == "Early help for families"]
    assert note["merged_notes"] == [{"text": "Help families early", "perspective": "Social Care"}]
    markdown = room.get("fac", "/document.md").text
    assert "Help families early” — Social Care" in markdown
