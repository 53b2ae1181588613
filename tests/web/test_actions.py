"""The pages' form posts for Task 1.1 (app/web/actions.py), as a browser sends them.

Auth is the room cookie. With `HX-Request: true` a post answers with the
caller's page blocks, or a refusal in the contract's JSON error shape; without
it, it redirects back to the page (303).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.conftest import bearer
from tests.web.support import HX, ApiRoom


@dataclass
class Room(ApiRoom):
    """Form posts by cookie; API calls by token, with the cookie jar emptied first."""

    def form(
        self, who: str, path: str, data: dict[str, str] | None = None, *, htmx: bool = True
    ) -> httpx.Response:
        """Post a form as `who` (by cookie, as their browser would)."""
        self.client.cookies.set(f"cg_{self.code}", self.token(who))
        return self.client.post(
            f"/rooms/{self.code}{path}",
            data=data or {},
            headers=HX if htmx else {},
            follow_redirects=False,
        )

    def api(self, method: str, path: str, body: Any = None, who: str = "fac") -> httpx.Response:
        self.client.cookies.clear()
        return self.client.request(
            method, f"/api/rooms/{self.code}{path}", json=body, headers=bearer(self.token(who))
        )

    def snapshot(self, who: str = "fac") -> dict[str, Any]:
        response = self.api("GET", "", who=who)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def notes(self, who: str = "fac") -> dict[str, dict[str, Any]]:
        return {n["id"]: n for n in self.snapshot(who)["notes"]}

    def phase(self, phase: str) -> None:
        assert self.api("POST", "/phase", {"phase": phase}).status_code == 200

    def note(self, who: str, text: str) -> str:
        response = self.api("POST", "/notes", {"text": text}, who=who)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def refused(self, response: httpx.Response, status: int, code: str, seq: int) -> None:
        """A refusal in the contract's JSON shape, with nothing logged."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message"}
        assert body["error"]["code"] == code
        assert body["error"]["message"]
        assert self.snapshot()["seq"] == seq


@pytest.fixture
def room(client: TestClient) -> Room:
    return Room.create(client, {"priya": ("Priya", "health"), "eleanor": ("Eleanor", "education")})


def assert_changes(response: httpx.Response) -> None:
    """An htmx form post's answer: what it changed on the caller's page (keyed elements,
    as the live channel sends them), not the page."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" not in response.text


# ---------------------------------------------------------------------- notes
def test_htmx_note_post_returns_what_it_changed(room: Room) -> None:
    room.phase("purpose-write")
    note_id = str(uuid.uuid4())
    response = room.form("priya", "/notes", {"id": note_id, "text": "  Safe <and> sound  "})
    assert_changes(response)
    assert "Safe &lt;and&gt; sound" in response.text
    assert "1 of 3" in response.text
    note = room.notes("priya")[note_id]
    assert (note["text"], note["author_id"]) == ("Safe <and> sound", room.pid("priya"))
    seq = room.snapshot()["seq"]

    # A double submit (same hidden id) is the same note.
    again = room.form("priya", "/notes", {"id": note_id, "text": "Safe <and> sound"})
    assert_changes(again)
    assert room.snapshot()["seq"] == seq
    assert len(room.notes("priya")) == 1


def test_note_post_with_a_bad_id_gets_a_fresh_one(room: Room) -> None:
    room.phase("purpose-write")
    assert_changes(room.form("priya", "/notes", {"id": "nope", "text": "Fine"}))
    (note,) = room.notes("priya").values()
    assert uuid.UUID(note["id"])
    assert note["text"] == "Fine"


def test_refused_note_posts_answer_with_a_json_error(room: Room) -> None:
    room.phase("purpose-write")
    for i in range(3):
        assert_changes(room.form("priya", "/notes", {"id": str(uuid.uuid4()), "text": f"{i}"}))
    seq = room.snapshot()["seq"]
    fourth = room.form("priya", "/notes", {"id": str(uuid.uuid4()), "text": "Fourth"})
    room.refused(fourth, 409, "note_limit", seq)
    blank = room.form("eleanor", "/notes", {"id": str(uuid.uuid4()), "text": "   "})
    room.refused(blank, 422, "invalid_text", seq)
    too_long = room.form("eleanor", "/notes", {"id": str(uuid.uuid4()), "text": "x" * 281})
    room.refused(too_long, 422, "invalid_text", seq)
    facilitator = room.form("fac", "/notes", {"id": str(uuid.uuid4()), "text": "Mine"})
    room.refused(facilitator, 403, "participant_only", seq)


def test_note_post_outside_writing_is_409(room: Room) -> None:
    seq = room.snapshot()["seq"]
    response = room.form("priya", "/notes", {"id": str(uuid.uuid4()), "text": "Early"})
    room.refused(response, 409, "wrong_phase", seq)


def test_plain_posts_redirect_back_to_the_page(room: Room) -> None:
    room.phase("purpose-write")
    response = room.form("priya", "/notes", {"id": str(uuid.uuid4()), "text": "Plain"}, htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/rooms/{room.code}/phone"
    assert [n["text"] for n in room.notes("priya").values()] == ["Plain"]

    room.phase("purpose-agree")
    drafted = room.form("fac", "/statements/purpose/draft", {"text": "Plain purpose"}, htmx=False)
    assert drafted.status_code == 303
    assert drafted.headers["location"] == f"/rooms/{room.code}/control"
    assert room.snapshot()["statements"]["purpose"]["text"] == "Plain purpose"


def test_plain_refusals_show_an_error_page(room: Room) -> None:
    room.phase("purpose-agree")
    seq = room.snapshot()["seq"]
    response = room.form("priya", "/statements/purpose/draft", {"text": "Mine"}, htmx=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert room.snapshot()["seq"] == seq


def test_edit_and_delete_forms_while_writing(room: Room) -> None:
    room.phase("purpose-write")
    keep = room.note("priya", "Keep me")
    drop = room.note("priya", "Drop me")

    edited = room.form("priya", f"/notes/{keep}/edit", {"text": "Kept, and better"})
    assert_changes(edited)
    assert "Kept, and better" in edited.text
    assert room.notes("priya")[keep]["text"] == "Kept, and better"

    seq = room.snapshot()["seq"]
    other = room.form("eleanor", f"/notes/{keep}/edit", {"text": "Hijacked"})
    room.refused(other, 403, "not_yours", seq)
    not_theirs = room.form("eleanor", f"/notes/{drop}/delete")
    room.refused(not_theirs, 403, "not_yours", seq)

    deleted = room.form("priya", f"/notes/{drop}/delete")
    assert_changes(deleted)
    assert "Drop me" not in deleted.text
    assert drop not in room.notes("priya")


def test_sorting_forms(room: Room) -> None:
    room.phase("purpose-write")
    a = room.note("priya", "Alpha")
    b = room.note("eleanor", "Beta")
    c = room.note("eleanor", "Gamma")
    room.phase("purpose-sort")

    moved = room.form("eleanor", f"/notes/{a}/move", {"ring": "outer"})
    assert_changes(moved)
    assert room.notes()[a]["ring"] == "outer"
    back = room.form("fac", f"/notes/{a}/move", {"ring": "inner"})
    assert_changes(back)
    assert room.notes()[a]["ring"] == "inner"

    seq = room.snapshot()["seq"]
    room.refused(
        room.form("priya", f"/notes/{a}/move", {"ring": "sideways"}), 422, "invalid_ring", seq
    )
    room.refused(room.form("priya", f"/notes/{a}/merge", {"into": b}), 403, "facilitator_only", seq)
    room.refused(room.form("priya", f"/notes/{b}/delete"), 403, "not_yours", seq)

    merged = room.form("fac", f"/notes/{a}/merge", {"into": b})
    assert_changes(merged)
    assert "Merged with 1" in merged.text
    assert room.notes()[a]["merged_into"] == b
    seq = room.snapshot()["seq"]
    room.refused(
        room.form("eleanor", f"/notes/{a}/move", {"ring": "outer"}), 409, "note_merged", seq
    )

    removed = room.form("fac", f"/notes/{c}/delete")
    assert_changes(removed)
    assert c not in room.notes()
    assert f'<template data-remove="control-note-{c}">' in removed.text
    assert f'id="control-removed-{c}"' in removed.text  # among the notes Restore brings back


# ----------------------------------------------------------------- statements
def test_statement_forms(room: Room) -> None:
    room.phase("purpose-write")
    a = room.note("priya", "Every child safe")
    b = room.note("eleanor", "Share information early")
    c = room.note("eleanor", "One plan per family")
    room.phase("purpose-sort")
    room.phase("purpose-agree")

    promoted = room.form("fac", "/statements/purpose/promote", {"note_id": a})
    assert_changes(promoted)
    assert room.snapshot()["statements"]["purpose"]["text"] == "Every child safe"
    room.form("fac", "/statements/goals/promote", {"note_id": b})
    room.form("fac", "/statements/goals/promote", {"note_id": c})
    assert room.snapshot()["statements"]["goals"]["items"] == [
        "Share information early",
        "One plan per family",
    ]

    goals = room.form(
        "fac", "/statements/goals/draft", {"items": "Share early\n\n  One plan  \r\nReview yearly"}
    )
    assert_changes(goals)
    assert room.snapshot()["statements"]["goals"]["items"] == [
        "Share early",
        "One plan",
        "Review yearly",
    ]
    drafted = room.form("fac", "/statements/purpose/draft", {"text": "Every child safe and well"})
    assert_changes(drafted)
    purpose = room.snapshot()["statements"]["purpose"]
    assert (purpose["text"], purpose["version"]) == ("Every child safe and well", 2)

    seq = room.snapshot()["seq"]
    no_reason = room.form(
        "eleanor", "/statements/purpose/respond", {"stance": "object", "reason": " "}
    )
    room.refused(no_reason, 422, "invalid_reason", seq)
    objected = room.form(
        "eleanor", "/statements/purpose/respond", {"stance": "object", "reason": "Families too"}
    )
    assert_changes(objected)
    agreed = room.form("priya", "/statements/purpose/respond", {"stance": "agree", "reason": ""})
    assert_changes(agreed)
    responses = room.snapshot()["statements"]["purpose"]["responses"]
    assert {(r["participant_id"], r["stance"], r["reason"]) for r in responses} == {
        (room.pid("eleanor"), "object", "Families too"),
        (room.pid("priya"), "agree", None),
    }

    seq = room.snapshot()["seq"]
    blocked = room.form("fac", "/statements/purpose/agree", {"override_reason": "  "})
    room.refused(blocked, 409, "objection_stands", seq)
    done = room.form("fac", "/statements/purpose/agree", {"override_reason": "Add families later"})
    assert_changes(done)
    assert "Add families later" in done.text
    purpose = room.snapshot()["statements"]["purpose"]
    assert (purpose["status"], purpose["override_reason"]) == ("agreed", "Add families later")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/phase", {"phase": "closed"}),
        ("/notes/{a}/merge", {"into": "{b}"}),
        ("/statements/purpose/draft", {"text": "Mine"}),
        ("/statements/goals/draft", {"items": "Mine"}),
        ("/statements/purpose/promote", {"note_id": "{a}"}),
        ("/statements/purpose/agree", {"override_reason": "Because"}),
    ],
)
def test_participants_may_not_post_facilitator_forms(
    room: Room, path: str, data: dict[str, str]
) -> None:
    room.phase("purpose-write")
    ids = {"a": room.note("priya", "Alpha"), "b": room.note("eleanor", "Beta")}
    room.phase("purpose-sort")
    room.phase("purpose-agree")
    assert room.api("PUT", "/statements/purpose", {"text": "Draft"}).status_code == 200
    seq = room.snapshot()["seq"]
    response = room.form("priya", path.format(**ids), {k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "facilitator_only"
    assert room.snapshot()["seq"] == seq


def test_facilitator_may_not_respond_by_form(room: Room) -> None:
    room.phase("purpose-agree")
    room.api("PUT", "/statements/purpose", {"text": "Draft"})
    seq = room.snapshot()["seq"]
    response = room.form("fac", "/statements/purpose/respond", {"stance": "agree", "reason": ""})
    room.refused(response, 403, "participant_only", seq)


def test_form_posts_need_the_cookie_and_a_known_room(room: Room) -> None:
    room.phase("purpose-write")
    room.client.cookies.clear()
    response = room.client.post(f"/rooms/{room.code}/notes", data={"text": "Anonymous"}, headers=HX)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    unknown = room.client.post("/rooms/ZZZZZZ/notes", data={"text": "Lost"}, headers=HX)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "room_not_found"
    assert room.notes() == {}


def test_note_text_is_escaped_in_the_returned_blocks(room: Room) -> None:
    evil = "<script>alert(1)</script>"
    room.phase("purpose-write")
    response = room.form("priya", "/notes", {"id": str(uuid.uuid4()), "text": evil})
    assert_changes(response)
    assert str(escape(evil)) in response.text
    assert evil not in response.text


def test_promote_only_takes_notes_on_the_board(room: Room) -> None:
    """Promoting must not publish a note's text before it is revealed, or after removal."""
    room.phase("purpose-write")
    hidden = room.note("priya", "Private until sorting")
    removed = room.note("eleanor", "Taken down")
    seq = room.snapshot()["seq"]
    early = room.form("fac", "/statements/purpose/promote", {"note_id": hidden})
    room.refused(early, 409, "note_hidden", seq)
    early_goal = room.form("fac", "/statements/goals/promote", {"note_id": hidden})
    room.refused(early_goal, 409, "note_hidden", seq)
    assert "Private until sorting" not in str(room.snapshot("eleanor"))
    assert room.snapshot()["statements"] == {}

    room.phase("purpose-sort")
    assert room.api("DELETE", f"/notes/{removed}").status_code == 204
    room.phase("purpose-agree")
    seq = room.snapshot()["seq"]
    gone = room.form("fac", "/statements/purpose/promote", {"note_id": removed})
    room.refused(gone, 409, "note_removed", seq)
    unknown = room.form("fac", "/statements/purpose/promote", {"note_id": str(uuid.uuid4())})
    room.refused(unknown, 404, "note_not_found", seq)
    assert_changes(room.form("fac", "/statements/purpose/promote", {"note_id": hidden}))
    assert room.snapshot()["statements"]["purpose"]["text"] == "Private until sorting"
