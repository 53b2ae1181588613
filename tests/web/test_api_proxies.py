"""People without a phone: added by the facilitator, who enters for them; every such
entry is logged as the facilitator's, for that person; the document says so."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.support import ToolkitRoom, connect, receive_event, toolkit_room

NAME = "Dorcas Paperwright"


def add(room: ToolkitRoom, name: str = NAME, perspective: str = "vcs-other") -> dict[str, str]:
    body: dict[str, str] = room.ok(
        room.post("fac", "/participants", {"name": name, "perspective": perspective}), 201
    )
    assert set(body) == {"participant_id", "token"}
    room.people["dorcas"] = body
    return body


def test_the_facilitator_adds_someone_and_enters_their_note(client: TestClient) -> None:
    room = toolkit_room(client)
    added = add(room)
    person = next(p for p in room.snapshot()["participants"] if p["id"] == added["participant_id"])
    assert person["proxy"] is True
    assert person["name"] == NAME
    room.phase("purpose-write")
    with connect(room.client, room.code, room.fac, since=room.seq()) as ws:
        room.note("dorcas", "Families who have no phone are heard too")
        event = receive_event(ws)
    assert event["type"] == "note.added"
    assert event["data"]["entered_by"] == "facilitator"
    assert event["data"]["entered_for"] == added["participant_id"]
    room.phase("purpose-sort")
    archive = room.ok(room.get("fac", "/archive"))
    logged = [e for e in archive["events"] if e["type"] == "note.added"][-1]
    assert logged["actor"] == "facilitator"


def test_their_dots_and_signature_are_entered_and_shown(client: TestClient) -> None:
    room = toolkit_room(client)
    added = add(room)
    room.phase("purpose-write")
    note = room.note("priya", "One plan per family")
    room.phase("purpose-sort")
    room.phase("purpose-vote")
    body = {"note_ids": [note], "participant_id": added["participant_id"]}
    assert room.ok(room.put("fac", "/votes", body))["note_ids"] == [note]
    room.refused(
        403,
        "has_a_phone",
        lambda: room.put("fac", "/votes", {"note_ids": [note], "participant_id": room.pid("sol")}),
    )
    control = room.page("fac", "control")
    assert "Dots for people without a phone" in control
    room.phase("document")
    room.ok(room.post("dorcas", "/document/sign"))
    signer = room.ok(room.get("fac", "/document"))["signatories"][0]
    assert signer["on_paper"] is True
    markdown = room.get("fac", "/document.md").text
    assert "signed on paper, entered by the facilitator" in markdown


def test_names_stay_hidden_where_names_are(client: TestClient) -> None:
    room = toolkit_room(client, anonymous=True)
    add(room)
    assert NAME not in room.page("fac", "board")
    assert NAME not in str(room.snapshot("sol"))
    assert NAME in room.page("fac", "control")


def test_the_paper_sheet_is_a_pdf(client: TestClient) -> None:
    room = toolkit_room(client)
    added = add(room)
    response = room.get("fac", f"/participants/{added['participant_id']}/sheet.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    room.refused(404, "participant_not_found", lambda: room.get("fac", "/participants/x/sheet.pdf"))


def test_refusals_in_the_contract_shape(client: TestClient) -> None:
    room = toolkit_room(client)
    room.refused(
        403,
        "facilitator_only",
        lambda: room.post("sol", "/participants", {"name": "A", "perspective": "health"}),
    )
    room.refused(
        422,
        "invalid_perspective",
        lambda: room.post("fac", "/participants", {"name": "A", "perspective": "nope"}),
    )
    room.refused(
        422,
        "invalid_name",
        lambda: room.post("fac", "/participants", {"name": "  ", "perspective": "health"}),
    )


def test_added_by_form_from_the_control_view(client: TestClient) -> None:
    room = toolkit_room(client)
    response = room.form("fac", "/participants/add", {"name": NAME, "perspective": "health"})
    assert response.status_code == 200, response.text
    assert "Printable sheet (PDF)" in response.text


def test_the_facilitator_enters_their_note_line_response_and_signature(client: TestClient) -> None:
    room = toolkit_room(client)
    added = add(room)
    pid = added["participant_id"]
    enter = f"/participants/{pid}/enter"
    room.phase("purpose-write")
    assert "Enter for them (from their paper sheet)" in room.page("fac", "control")
    assert room.form("fac", enter, {"action": "note", "text": "Heard on paper"}).status_code == 200
    assert "Heard on paper" in room.texts("dorcas").values()  # private as anyone's, till the reveal
    room.phase("purpose-sort")
    room.phase("grid-write")
    line = {"action": "contribution", "row": "mission", "text": "Written on paper"}
    assert room.form("fac", enter, line).status_code == 200
    contributions = room.snapshot()["grid"]["mission"]["contributions"]
    assert [c["perspective"] for c in contributions] == ["vcs-other"]
    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Every child heard."}))
    said = {"action": "response", "target": "purpose", "stance": "object", "reason": "On paper"}
    assert room.form("fac", enter, said).status_code == 200
    responses = room.snapshot()["statements"]["purpose"]["responses"]
    assert responses == [{"participant_id": pid, "stance": "object", "reason": "On paper"}]
    room.phase("document")
    assert room.form("fac", enter, {"action": "sign"}).status_code == 200
    archive_events = [e for e in room.ok(room.get("fac", "/archive"))["events"]]
    mine = [e for e in archive_events if e["data"].get("entered_for") == pid]
    assert {e["type"] for e in mine} >= {
        "note.added",
        "contribution.added",
        "response.set",
        "document.signed",
    }
    assert all(e["actor"] == "facilitator" for e in mine)
    others = room.form("fac", f"/participants/{room.pid('sol')}/enter", {"action": "sign"})
    assert others.status_code == 403
