"""Rating phases over HTTP: the partnership health check's checklist, ladder and results.

PUT /api/rooms/{code}/ratings/{item} and the phone's form post; every refusal
in the contract's error shape with nothing logged; distributions on the board;
the action list (items mostly rated "not yet", ties included) in the JSON
document and the Markdown and HTML exports.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.export import markdown
from app.workshops import load_workshop
from tests.conftest import bearer, join, make_room
from tests.support import HEALTH_CHECK
from tests.web.support import ToolkitRoom, toolkit_room

WORKSHOP = "partnership-health-check"
ITEMS = {i.id: i.text for i in load_workshop(HEALTH_CHECK).phase("checklist").items}
"""Checklist item id → text."""


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    """Four participants (two from health), rating the checklist."""
    room = toolkit_room(client, workshop=WORKSHOP)
    room.people["hamid"] = join(client, room.code, "Hamid Okonkwo", "health")
    room.phase("checklist")
    return room


def rate(
    room: ToolkitRoom, who: str, item: str, option: str | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = room.ok(room.put(who, f"/ratings/{item}", {"option": option, **extra}))
    return body


def rate_the_checklist(room: ToolkitRoom) -> None:
    """visioning-event mostly not yet; aims-clear a tie (in place / not yet); roles partly;
    targets in place."""
    for who, option in (("priya", "not-yet"), ("eleanor", "not-yet"), ("sol", "in-place")):
        rate(room, who, "visioning-event", option)
    for who, option in (("priya", "in-place"), ("eleanor", "not-yet")):
        rate(room, who, "aims-clear", option)
    for who, option in (("priya", "partly"), ("hamid", "partly"), ("sol", "not-yet")):
        rate(room, who, "roles", option)
    rate(room, "hamid", "targets", "in-place")


def rate_the_ladder(room: ToolkitRoom) -> None:
    room.phase("ladder")
    for who, option in (
        ("priya", "deciding-together"),
        ("hamid", "deciding-together"),
        ("sol", "deciding-together"),
        ("eleanor", "consultation"),
    ):
        rate(room, who, "ladder", option)


# =================================================================== rating
def test_rate_change_and_clear(room: ToolkitRoom) -> None:
    seq = room.seq()
    assert rate(room, "priya", "aims-clear", "partly") == {
        "phase": "checklist",
        "item": "aims-clear",
        "option": "partly",
    }
    snapshot = room.snapshot("eleanor")
    assert snapshot["seq"] == seq + 1
    assert snapshot["ratings"]["checklist"]["aims-clear"] == {room.pid("priya"): "partly"}
    assert snapshot["ratings"]["ladder"] == {"ladder": {}}

    # The same answer again logs nothing; a new one replaces it; null clears it.
    rate(room, "priya", "aims-clear", "partly")
    assert room.seq() == seq + 1
    assert rate(room, "priya", "aims-clear", "in-place")["option"] == "in-place"
    assert room.snapshot()["ratings"]["checklist"]["aims-clear"] == {room.pid("priya"): "in-place"}
    assert rate(room, "priya", "aims-clear", None)["option"] is None
    assert room.snapshot()["ratings"]["checklist"]["aims-clear"] == {}
    assert room.seq() == seq + 3
    assert rate(room, "priya", "aims-clear", None)["option"] is None  # nothing to clear
    assert room.seq() == seq + 3


def test_the_phase_may_be_named(room: ToolkitRoom) -> None:
    assert rate(room, "sol", "roles", "not-yet", phase="checklist")["option"] == "not-yet"
    room.refused(
        409,
        "wrong_phase",
        lambda: room.put("sol", "/ratings/roles", {"option": "partly", "phase": "ladder"}),
    )


def test_the_ladder_is_one_question(room: ToolkitRoom) -> None:
    room.phase("ladder")
    assert rate(room, "priya", "ladder", "acting-together") == {
        "phase": "ladder",
        "item": "ladder",
        "option": "acting-together",
    }
    assert room.snapshot()["ratings"]["ladder"] == {
        "ladder": {room.pid("priya"): "acting-together"}
    }
    room.refused(
        422, "invalid_option", lambda: room.put("priya", "/ratings/ladder", {"option": "partly"})
    )
    room.refused(
        422, "invalid_item", lambda: room.put("priya", "/ratings/roles", {"option": "supporting"})
    )


def test_rating_refusals(room: ToolkitRoom) -> None:
    for item in ("nope", "ladder", "ROLES"):
        room.refused(
            422,
            "invalid_item",
            lambda i=item: room.put("priya", f"/ratings/{i}", {"option": "partly"}),
        )
    for option in ("maybe", "information", "", 1, True, ["partly"], {"id": "partly"}):
        room.refused(
            422,
            "invalid_option",
            lambda o=option: room.put("priya", "/ratings/roles", {"option": o}),
        )
    room.refused(
        403, "participant_only", lambda: room.put("fac", "/ratings/roles", {"option": "partly"})
    )
    room.refused(
        401, "unauthorized", lambda: room.put(None, "/ratings/roles", {"option": "partly"})
    )
    for phase in ("lobby", "results"):
        room.phase(phase)
        room.refused(
            409, "wrong_phase", lambda: room.put("priya", "/ratings/roles", {"option": "partly"})
        )
    room.phase("closed")
    room.refused(
        409, "room_closed", lambda: room.put("priya", "/ratings/roles", {"option": "partly"})
    )


def test_rating_in_a_workshop_without_ratings_is_wrong_phase(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    room.refused(
        409, "wrong_phase", lambda: room.put("priya", "/ratings/roles", {"option": "partly"})
    )
    assert room.snapshot()["ratings"] == {}


def test_a_locking_timer_closes_rating_when_time_is_up(room: ToolkitRoom) -> None:
    rate(room, "priya", "roles", "partly")
    room.timer("start", seconds=1, lock=True)
    time.sleep(1.1)
    for option in ("not-yet", None):
        room.refused(
            409,
            "time_up",
            lambda o=option: room.put("priya", "/ratings/roles", {"option": o}),
        )
    room.timer("add")
    assert rate(room, "priya", "roles", "not-yet")["option"] == "not-yet"


def test_done_in_rating_phases(room: ToolkitRoom) -> None:
    assert room.ok(room.post("priya", "/done", {"done": True})) == {
        "phase": "checklist",
        "done": True,
    }
    room.phase("ladder")
    assert room.snapshot()["done"] == []
    assert room.ok(room.post("sol", "/done", {}))["phase"] == "ladder"


def test_removed_participants_ratings_are_left_out(room: ToolkitRoom) -> None:
    rate_the_checklist(room)
    removed = room.client.delete(
        room.url(f"/participants/{room.pid('sol')}"), headers=bearer(room.fac)
    )
    assert removed.status_code == 204
    ratings = room.snapshot()["ratings"]["checklist"]
    assert ratings["visioning-event"] == {
        room.pid("priya"): "not-yet",
        room.pid("eleanor"): "not-yet",
    }
    assert ratings["roles"] == {room.pid("priya"): "partly", room.pid("hamid"): "partly"}


# ============================================================ phone form post
def test_rating_form(room: ToolkitRoom) -> None:
    response = room.form(
        "priya", "/ratings/aims-clear", {"option": "not-yet", "phase": "checklist"}
    )
    assert response.status_code == 200, response.text
    assert 'id="rate-aims-clear"' in response.text  # what the post changed, keyed
    form = re.search(r'<form[^>]*id="rate-aims-clear".*?</form>', response.text, re.S)
    assert form is not None
    assert re.search(r'value="not-yet"\s+checked', form.group(0))
    assert "<strong>1 of 15</strong> answered" in response.text
    assert room.snapshot()["ratings"]["checklist"]["aims-clear"] == {room.pid("priya"): "not-yet"}

    cleared = room.form("priya", "/ratings/aims-clear", {"option": "", "phase": "checklist"})
    assert cleared.status_code == 200
    assert room.snapshot()["ratings"]["checklist"]["aims-clear"] == {}
    plain = room.form("priya", "/ratings/roles", {"option": "partly"}, htmx=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/rooms/{room.code}/phone"

    room.refused(
        422, "invalid_option", lambda: room.form("priya", "/ratings/roles", {"option": "maybe"})
    )
    room.refused(
        409,
        "wrong_phase",
        lambda: room.form("priya", "/ratings/roles", {"option": "partly", "phase": "ladder"}),
    )
    room.refused(
        403, "participant_only", lambda: room.form("fac", "/ratings/roles", {"option": "partly"})
    )
    room.refused(401, "unauthorized", lambda: room.form(None, "/ratings/roles", {"option": "x"}))


# ============================================================ distributions
def test_the_board_shows_distributions_by_perspective(room: ToolkitRoom) -> None:
    rate_the_checklist(room)
    board = room.page("fac", "board")
    assert "<strong>4 of 4</strong> have answered" in board
    row = re.search(
        rf'<th scope="row" class="ratings__item" title="{re.escape(str(escape(ITEMS["roles"])))}">'
        r".*?</tr>",
        board,
        re.S,
    )
    assert row is not None
    cells = re.findall(r'<td class="ratings__cell([^"]*)">(.*?)</td>', row.group(0), re.S)
    assert len(cells) == 3
    counts = [re.findall(r'ratings__count">(\d+)<', c) for _, c in cells]
    assert counts == [["0"], ["2"], ["1"]]
    assert [bool(cls.strip()) for cls, _ in cells] == [False, True, False]  # partly leads
    assert "H&nbsp;2" in cells[1][1]  # both health colleagues said partly
    assert "S&nbsp;1" in cells[2][1]
    # Never names: the board shows perspectives only.
    for name in ("Priya", "Eleanor", "Sol", "Hamid"):
        assert name not in board


def test_the_board_shows_the_ladder(room: ToolkitRoom) -> None:
    rate_the_ladder(room)
    board = room.page("fac", "board")
    leading = re.findall(r'<li class="ladder__rung ladder__rung--leading">(.*?)</li>', board, re.S)
    assert len(leading) == 1
    assert "Deciding together" in leading[0]
    assert "<strong>3</strong>" in leading[0]
    phone = room.page("priya", "phone")
    assert re.search(r'value="deciding-together"\s+checked', phone)


# ================================================================ the results
def test_the_results_document(room: ToolkitRoom) -> None:
    rate_the_checklist(room)
    rate_the_ladder(room)
    room.refused(
        403, "document_not_open", lambda: room.request("GET", "priya", "/document"), who="priya"
    )
    room.phase("results")
    doc = room.ok(room.request("GET", "priya", "/document"))
    sections = {s["id"]: s for s in doc["sections"]}
    assert list(sections) == ["actions", "ladder", "checklist"]
    # The action list: what the group mostly rated "not yet", ties included.
    assert sections["actions"]["items"] == [ITEMS["visioning-event"], ITEMS["aims-clear"]]
    assert sections["ladder"]["items"] == [
        "Information: 0",
        "Consultation: 1 (Education 1)",
        "Deciding together: 3 (Health 2, Social Care 1)",
        "Acting together: 0",
        "Supporting: 0",
    ]
    checklist = sections["checklist"]["items"]
    assert len(checklist) == 15
    assert checklist[6] == f"{ITEMS['roles']} — In place 0, Partly 2, Not yet 1"


def test_the_exports_list_the_not_yet_items(room: ToolkitRoom) -> None:
    rate_the_checklist(room)
    room.phase("results")
    md = room.request("GET", "eleanor", "/document.md")
    assert md.status_code == 200, md.text
    assert md.headers["content-type"].startswith("text/markdown")
    actions = md.text.split("## 1. Action list", 1)[1].split("## 2.", 1)[0]
    assert f"1. {markdown.escape(ITEMS['visioning-event'])}" in actions
    assert f"2. {markdown.escape(ITEMS['aims-clear'])}" in actions
    for other in ("roles", "targets", "diversity"):
        assert markdown.escape(ITEMS[other]) not in actions, other
    assert "Appendix" not in md.text

    html = room.request("GET", "eleanor", "/document.html")
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    start = page.index("Action list")
    actions_html = page[start : page.index("ladder of participation", start)]
    for listed in ("visioning-event", "aims-clear"):
        assert str(escape(ITEMS[listed])) in actions_html, listed
    assert str(escape(ITEMS["roles"])) not in actions_html


def test_an_empty_action_list_says_so(room: ToolkitRoom) -> None:
    rate(room, "priya", "roles", "in-place")
    room.phase("results")
    doc = room.ok(room.request("GET", "priya", "/document"))
    actions = doc["sections"][0]
    assert actions["text"] == "No item was rated “Not yet”."
    fresh = make_room(room.client, workshop=WORKSHOP)
    untouched = room.client.get(
        f"/api/rooms/{fresh['code']}/document", headers=bearer(fresh["facilitator_token"])
    ).json()
    assert [s["status"] for s in untouched["sections"]] == ["missing", "missing", "missing"]
