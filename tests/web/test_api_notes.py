"""Task 1.1 over the JSON API: notes, sorting, merging, statements and agreeing.

Every refusal is checked for its status and code, and for leaving the room as
it was (same snapshot, same seq: nothing was logged).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.conftest import PHASES
from tests.web.support import ApiRoom

EVIL = "<script>alert('x')</script><b>bold</b> & \"quoted\""
EVIL_ESCAPED = str(escape(EVIL))


@dataclass
class Room(ApiRoom):
    """A room with three participants; `fac` and each participant's id and token."""

    def note(self, who: str, text: str = "", note_id: str | None = None) -> dict[str, Any]:
        note_id = note_id or str(uuid.uuid4())
        response = self.post(who, "/notes", {"id": note_id, "text": text or f"Note {note_id}"})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def notes(self, who: str = "fac") -> dict[str, dict[str, Any]]:
        return {n["id"]: n for n in self.snapshot(who)["notes"]}

    def refused(
        self, status: int, code: str | None, send: Callable[[], httpx.Response]
    ) -> dict[str, Any]:
        """`send` is refused with `status` (and error `code`), and changes nothing."""
        before = self.snapshot()
        response = send()
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message"}, body
        assert body["error"]["message"]
        if code is not None:
            assert body["error"]["code"] == code, body
        after = self.snapshot()
        assert after["seq"] == before["seq"]
        assert after == before
        return body


@pytest.fixture
def room(client: TestClient) -> Room:
    people = {
        "priya": ("Priya", "health"),
        "eleanor": ("Eleanor", "education"),
        "sol": ("Sol", "social-care"),
    }
    return Room.create(client, people)


def sorting(room: Room) -> dict[str, str]:
    """Each participant writes one note; then the notes are revealed. Returns author → id."""
    room.phase("purpose-write")
    ids = {who: room.note(who, f"{who.title()}'s statement")["id"] for who in room.people}
    room.phase("purpose-sort")
    return ids


# ------------------------------------------------------------------ add notes
def test_post_a_note_201_then_the_same_id_200(room: Room) -> None:
    room.phase("purpose-write")
    note_id = str(uuid.uuid4())
    first = room.post("priya", "/notes", {"id": note_id, "text": "  Keep children safe  "})
    assert first.status_code == 201, first.text
    note = first.json()
    assert note["id"] == note_id
    assert note["text"] == "Keep children safe"
    assert note["ring"] == "inner"
    assert note["author_id"] == room.pid("priya")
    assert note["perspective"] == "health"
    assert note["merged_into"] is None
    seq = room.snapshot()["seq"]

    again = room.post("priya", "/notes", {"id": note_id, "text": "Something else entirely"})
    assert again.status_code == 200, again.text
    assert again.json() == note
    assert room.snapshot()["seq"] == seq
    assert len(room.snapshot("priya")["notes"]) == 1


def test_post_a_note_without_an_id_gets_one(room: Room) -> None:
    room.phase("purpose-write")
    response = room.post("priya", "/notes", {"text": "No id"})
    assert response.status_code == 201
    assert uuid.UUID(response.json()["id"])


def test_the_fourth_note_is_409(room: Room) -> None:
    room.phase("purpose-write")
    for i in range(3):
        room.note("priya", f"Statement {i}")
    room.refused(409, "note_limit", lambda: room.post("priya", "/notes", {"text": "Fourth"}))
    # Still possible for the others.
    room.note("eleanor")


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": " \n\t "},
        {"text": "x" * 281},
        {},
        {"text": None},
        {"text": 5},
        {"text": ["a"]},
        {"id": "not-a-uuid", "text": "Fine"},
    ],
    ids=["empty", "spaces", "whitespace", "281", "missing", "null", "number", "list", "bad-id"],
)
def test_bad_note_input_is_422(room: Room, body: dict[str, Any]) -> None:
    room.phase("purpose-write")
    room.refused(422, None, lambda: room.post("priya", "/notes", body))


def test_note_of_280_characters_is_accepted(room: Room) -> None:
    room.phase("purpose-write")
    assert room.note("priya", "x" * 280)["text"] == "x" * 280


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("purpose-write", "closed")])
def test_note_outside_writing_is_409(room: Room, phase: str) -> None:
    room.phase(phase)
    room.refused(409, "wrong_phase", lambda: room.post("priya", "/notes", {"text": "Late"}))


def test_note_in_a_closed_room_is_409(room: Room) -> None:
    room.phase("closed")
    room.refused(409, "room_closed", lambda: room.post("priya", "/notes", {"text": "Late"}))


def test_facilitator_may_not_post_a_note(room: Room) -> None:
    room.phase("purpose-write")
    room.refused(403, None, lambda: room.post("fac", "/notes", {"text": "From the front"}))


def test_another_participant_reusing_a_note_id_is_409(room: Room) -> None:
    room.phase("purpose-write")
    note = room.note("priya", "Mine")
    room.refused(
        409,
        "note_id_taken",
        lambda: room.post("eleanor", "/notes", {"id": note["id"], "text": "Theirs"}),
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/notes"),
        ("post", "/notes/x/move"),
        ("post", "/notes/x/merge"),
        ("delete", "/notes/x"),
        ("patch", "/notes/x"),
        ("put", "/statements/purpose"),
        ("post", "/statements/purpose/responses"),
        ("post", "/statements/purpose/agree"),
    ],
)
def test_task_endpoints_need_a_token(room: Room, method: str, path: str) -> None:
    room.refused(
        401,
        "unauthorized",
        lambda: room.client.request(method, room.url(path), json={"text": "x"}),
    )


# -------------------------------------------------------------------- privacy
def test_snapshot_hides_others_notes_while_writing(room: Room) -> None:
    room.phase("purpose-write")
    mine = room.note("priya", "Priya's private statement")
    theirs = room.note("eleanor", "Eleanor's private statement")

    seen_by_priya = room.notes("priya")
    assert seen_by_priya[mine["id"]]["text"] == "Priya's private statement"
    assert seen_by_priya[mine["id"]]["author_id"] == room.pid("priya")
    assert seen_by_priya[theirs["id"]]["text"] is None
    assert seen_by_priya[theirs["id"]]["author_id"] is None
    assert seen_by_priya[theirs["id"]]["perspective"] == "education"

    seen_by_sol = room.notes("sol")
    assert {n["text"] for n in seen_by_sol.values()} == {None}
    assert {n["author_id"] for n in seen_by_sol.values()} == {None}
    assert len(seen_by_sol) == 2

    facilitator = room.snapshot()
    assert "Priya's private statement" not in str(facilitator)
    assert len(facilitator["notes"]) == 2

    room.phase("purpose-sort")
    for who in ("priya", "eleanor", "sol", "fac"):
        seen = room.notes(who)
        assert seen[mine["id"]]["text"] == "Priya's private statement"
        assert seen[theirs["id"]]["author_id"] == room.pid("eleanor")
        assert {n["ring"] for n in seen.values()} == {"inner"}


# ----------------------------------------------------------------------- move
def test_move_in_sorting(room: Room) -> None:
    ids = sorting(room)
    response = room.post("eleanor", f"/notes/{ids['priya']}/move", {"ring": "outer"})
    assert response.status_code == 200, response.text
    note = response.json()
    assert (note["id"], note["ring"], note["text"]) == (ids["priya"], "outer", "Priya's statement")
    assert room.notes("sol")[ids["priya"]]["ring"] == "outer"

    back = room.post("fac", f"/notes/{ids['priya']}/move", {"ring": "inner"})
    assert back.status_code == 200
    assert back.json()["ring"] == "inner"

    # Moving to where it already is: 200, nothing logged.
    seq = room.snapshot()["seq"]
    same = room.post("sol", f"/notes/{ids['priya']}/move", {"ring": "inner"})
    assert same.status_code == 200
    assert same.json()["ring"] == "inner"
    assert room.snapshot()["seq"] == seq


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("purpose-sort", "closed")])
def test_move_outside_sorting_is_409(room: Room, phase: str) -> None:
    ids = sorting(room)
    room.phase(phase)
    room.refused(
        409,
        "wrong_phase",
        lambda: room.post("sol", f"/notes/{ids['priya']}/move", {"ring": "outer"}),
    )


def test_move_in_a_closed_room_is_409(room: Room) -> None:
    ids = sorting(room)
    room.phase("closed")
    room.refused(
        409,
        "room_closed",
        lambda: room.post("sol", f"/notes/{ids['priya']}/move", {"ring": "outer"}),
    )


def test_move_of_merged_or_removed_notes_is_409(room: Room) -> None:
    ids = sorting(room)
    merged = room.post("fac", f"/notes/{ids['priya']}/merge", {"into": ids["eleanor"]})
    assert merged.status_code == 200
    assert room.delete("fac", f"/notes/{ids['sol']}").status_code == 204
    room.refused(
        409,
        "note_merged",
        lambda: room.post("sol", f"/notes/{ids['priya']}/move", {"ring": "outer"}),
    )
    room.refused(
        409,
        "note_removed",
        lambda: room.post("priya", f"/notes/{ids['sol']}/move", {"ring": "outer"}),
    )


@pytest.mark.parametrize("body", [{"ring": "middle"}, {"ring": None}, {}, {"ring": 1}])
def test_move_to_an_invalid_ring_is_422(room: Room, body: dict[str, Any]) -> None:
    ids = sorting(room)
    room.refused(422, None, lambda: room.post("sol", f"/notes/{ids['priya']}/move", body))


def test_move_of_an_unknown_note_is_404(room: Room) -> None:
    sorting(room)
    room.refused(
        404,
        "note_not_found",
        lambda: room.post("sol", f"/notes/{uuid.uuid4()}/move", {"ring": "outer"}),
    )


# ---------------------------------------------------------------------- merge
def test_facilitator_merges_and_the_merge_is_traceable(room: Room) -> None:
    ids = sorting(room)
    response = room.post("fac", f"/notes/{ids['priya']}/merge", {"into": ids["eleanor"]})
    assert response.status_code == 200, response.text
    note = response.json()
    assert note["id"] == ids["priya"]
    assert note["merged_into"] == ids["eleanor"]
    assert note["text"] == "Priya's statement"
    for who in ("fac", "sol"):
        seen = room.notes(who)
        assert seen[ids["priya"]]["merged_into"] == ids["eleanor"]
        assert seen[ids["priya"]]["text"] == "Priya's statement"
        assert seen[ids["eleanor"]]["merged_into"] is None

    # A chain: merging the target on re-points what it had absorbed.
    chained = room.post("fac", f"/notes/{ids['eleanor']}/merge", {"into": ids["sol"]})
    assert chained.status_code == 200
    seen = room.notes()
    assert seen[ids["priya"]]["merged_into"] == ids["sol"]
    assert seen[ids["eleanor"]]["merged_into"] == ids["sol"]


def test_participants_may_not_merge(room: Room) -> None:
    ids = sorting(room)
    room.refused(
        403,
        "facilitator_only",
        lambda: room.post("priya", f"/notes/{ids['priya']}/merge", {"into": ids["eleanor"]}),
    )


def test_merge_refusals(room: Room) -> None:
    ids = sorting(room)
    room.refused(
        422,
        "invalid_into",
        lambda: room.post("fac", f"/notes/{ids['priya']}/merge", {"into": ids["priya"]}),
    )
    room.refused(422, "invalid_into", lambda: room.post("fac", f"/notes/{ids['priya']}/merge", {}))
    room.refused(
        404,
        "note_not_found",
        lambda: room.post("fac", f"/notes/{ids['priya']}/merge", {"into": str(uuid.uuid4())}),
    )
    assert room.post("fac", f"/notes/{ids['priya']}/merge", {"into": ids["sol"]}).status_code == 200
    room.refused(
        409,
        "note_merged",
        lambda: room.post("fac", f"/notes/{ids['priya']}/merge", {"into": ids["eleanor"]}),
    )


def test_merge_while_writing_is_refused(room: Room) -> None:
    room.phase("purpose-write")
    a, b = room.note("priya"), room.note("eleanor")
    room.refused(
        409, "note_hidden", lambda: room.post("fac", f"/notes/{a['id']}/merge", {"into": b["id"]})
    )


# --------------------------------------------------------------------- delete
def test_author_deletes_while_writing(room: Room) -> None:
    room.phase("purpose-write")
    note = room.note("priya")
    response = room.delete("priya", f"/notes/{note['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert note["id"] not in room.notes("priya")
    # A place was freed: three more can be written.
    for _ in range(3):
        room.note("priya")


def test_another_participant_may_not_delete(room: Room) -> None:
    room.phase("purpose-write")
    note = room.note("priya")
    room.refused(403, "not_yours", lambda: room.delete("eleanor", f"/notes/{note['id']}"))


def test_author_may_not_delete_once_sorting(room: Room) -> None:
    ids = sorting(room)
    room.refused(409, "wrong_phase", lambda: room.delete("priya", f"/notes/{ids['priya']}"))


@pytest.mark.parametrize("phase", ["purpose-write", "purpose-sort", "purpose-agree"])
def test_facilitator_deletes_any_time(room: Room, phase: str) -> None:
    room.phase("purpose-write")
    note = room.note("priya")
    room.phase(phase)
    response = room.delete("fac", f"/notes/{note['id']}")
    assert response.status_code == 204
    assert note["id"] not in room.notes()
    assert note["id"] not in room.notes("priya")


def test_delete_unknown_note_is_404(room: Room) -> None:
    room.refused(404, "note_not_found", lambda: room.delete("fac", f"/notes/{uuid.uuid4()}"))


# ----------------------------------------------------------------------- edit
def test_author_edits_while_writing(room: Room) -> None:
    room.phase("purpose-write")
    note = room.note("priya", "First try")
    response = room.patch("priya", f"/notes/{note['id']}", {"text": "  Second try "})
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Second try"
    assert response.json()["id"] == note["id"]
    assert room.notes("priya")[note["id"]]["text"] == "Second try"
    assert room.notes("eleanor")[note["id"]]["text"] is None


def test_edit_refusals(room: Room) -> None:
    room.phase("purpose-write")
    note = room.note("priya", "First try")
    path = f"/notes/{note['id']}"
    room.refused(403, "not_yours", lambda: room.patch("eleanor", path, {"text": "Hijack"}))
    room.refused(403, "not_yours", lambda: room.patch("fac", path, {"text": "Hijack"}))
    room.refused(422, "invalid_text", lambda: room.patch("priya", path, {"text": "  "}))
    room.refused(404, "note_not_found", lambda: room.patch("priya", "/notes/nope", {"text": "x"}))
    room.phase("purpose-sort")
    room.refused(409, "wrong_phase", lambda: room.patch("priya", path, {"text": "Later"}))


# ----------------------------------------------------------------- statements
def test_draft_respond_and_agree(room: Room) -> None:
    room.phase("purpose-agree")
    purpose = room.put("fac", "/statements/purpose", {"text": "  Every child thrives  "})
    assert purpose.status_code == 200, purpose.text
    assert purpose.json()["target"] == "purpose"
    assert purpose.json()["text"] == "Every child thrives"
    assert purpose.json()["status"] == "draft"
    assert purpose.json()["responses"] == []

    goals = room.put("fac", "/statements/goals", {"items": ["Share early", " One plan "]})
    assert goals.status_code == 200, goals.text
    assert goals.json()["items"] == ["Share early", "One plan"]

    agreed = room.post("priya", "/statements/purpose/responses", {"stance": "agree"})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["responses"] == [
        {"participant_id": room.pid("priya"), "stance": "agree", "reason": None}
    ]
    objection = room.post(
        "eleanor", "/statements/purpose/responses", {"stance": "object", "reason": "Too vague"}
    )
    assert objection.status_code == 200

    body = room.refused(
        409, "objection_stands", lambda: room.post("fac", "/statements/purpose/agree", {})
    )
    assert "objection" in body["error"]["message"]
    room.refused(
        409,
        "objection_stands",
        lambda: room.post("fac", "/statements/purpose/agree", {"override_reason": "  "}),
    )

    response = room.post(
        "fac", "/statements/purpose/agree", {"override_reason": "Revisit at the review"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "agreed"
    assert response.json()["override_reason"] == "Revisit at the review"
    for who in ("fac", "sol"):
        statement = room.snapshot(who)["statements"]["purpose"]
        assert statement["status"] == "agreed"
        assert statement["override_reason"] == "Revisit at the review"
        assert statement["text"] == "Every child thrives"
        assert {r["stance"] for r in statement["responses"]} == {"agree", "object"}

    # Goals had no objection: agreed without a reason.
    goals_agreed = room.post("fac", "/statements/goals/agree", {"override_reason": "Not needed"})
    assert goals_agreed.status_code == 200
    assert goals_agreed.json()["override_reason"] is None
    room.refused(
        409,
        "already_agreed",
        lambda: room.post("sol", "/statements/purpose/responses", {"stance": "agree"}),
    )


def test_redrafting_clears_responses(room: Room) -> None:
    room.phase("purpose-agree")
    room.put("fac", "/statements/purpose", {"text": "First"})
    room.post("priya", "/statements/purpose/responses", {"stance": "object", "reason": "No"})
    response = room.put("fac", "/statements/purpose", {"text": "Second"})
    assert response.status_code == 200
    assert response.json()["responses"] == []
    assert response.json()["version"] == 2
    # The objection went with the old draft.
    assert room.post("fac", "/statements/purpose/agree", {}).status_code == 200


def test_grid_rows_are_agreed_the_same_way(room: Room) -> None:
    room.phase("grid-agree")
    response = room.put("fac", "/statements/grid.mission", {"text": "Together for every child"})
    assert response.status_code == 200, response.text
    room.post("sol", "/statements/grid.mission/responses", {"stance": "object", "reason": "No"})
    room.refused(
        409, "objection_stands", lambda: room.post("fac", "/statements/grid.mission/agree", {})
    )
    agreed = room.post("fac", "/statements/grid.mission/agree", {"override_reason": "Noted"})
    assert agreed.status_code == 200
    assert room.snapshot()["statements"]["grid.mission"]["status"] == "agreed"


def test_purpose_text_is_kept_when_items_are_also_sent(room: Room) -> None:
    room.phase("purpose-agree")
    response = room.put("fac", "/statements/purpose", {"text": "Our purpose", "items": []})
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Our purpose"
    assert room.snapshot()["statements"]["purpose"]["text"] == "Our purpose"


def test_statement_refusals(room: Room) -> None:
    room.phase("purpose-agree")
    room.refused(
        409,
        "no_draft",
        lambda: room.post("priya", "/statements/purpose/responses", {"stance": "agree"}),
    )
    room.refused(409, "no_draft", lambda: room.post("fac", "/statements/purpose/agree", {}))
    room.refused(
        404, "target_not_found", lambda: room.put("fac", "/statements/nope", {"text": "x"})
    )
    room.refused(
        422, "invalid_items", lambda: room.put("fac", "/statements/goals", {"text": "Not a list"})
    )
    room.refused(422, "invalid_items", lambda: room.put("fac", "/statements/goals", {"items": []}))
    room.refused(
        422,
        "invalid_items",
        lambda: room.put("fac", "/statements/goals", {"items": [f"g{i}" for i in range(21)]}),
    )
    room.refused(422, "invalid_text", lambda: room.put("fac", "/statements/purpose", {"text": ""}))
    room.refused(
        422, "invalid_text", lambda: room.put("fac", "/statements/purpose", {"text": "x" * 2001})
    )
    room.refused(
        403, None, lambda: room.put("priya", "/statements/purpose", {"text": "My purpose"})
    )

    assert room.put("fac", "/statements/purpose", {"text": "Purpose"}).status_code == 200
    room.refused(403, None, lambda: room.post("priya", "/statements/purpose/agree", {}))
    room.refused(
        403,
        None,
        lambda: room.post("fac", "/statements/purpose/responses", {"stance": "agree"}),
    )
    room.refused(
        422,
        "invalid_stance",
        lambda: room.post("priya", "/statements/purpose/responses", {"stance": "maybe"}),
    )
    room.refused(
        422,
        "invalid_reason",
        lambda: room.post("priya", "/statements/purpose/responses", {"stance": "object"}),
    )
    room.refused(
        422,
        "invalid_reason",
        lambda: room.post(
            "priya", "/statements/purpose/responses", {"stance": "object", "reason": " "}
        ),
    )
    room.refused(
        422,
        "invalid_reason",
        lambda: room.post(
            "priya",
            "/statements/purpose/responses",
            {"stance": "reservations", "reason": "x" * 281},
        ),
    )
    room.phase("closed")
    room.refused(
        409, "room_closed", lambda: room.put("fac", "/statements/purpose", {"text": "Later"})
    )
    room.refused(
        409,
        "room_closed",
        lambda: room.post("priya", "/statements/purpose/responses", {"stance": "agree"}),
    )
    room.refused(409, "room_closed", lambda: room.post("fac", "/statements/purpose/agree", {}))


def test_a_removed_participants_objection_does_not_block(room: Room) -> None:
    room.phase("purpose-agree")
    room.put("fac", "/statements/purpose", {"text": "Purpose"})
    room.post("sol", "/statements/purpose/responses", {"stance": "object", "reason": "No"})
    assert room.delete("fac", f"/participants/{room.pid('sol')}").status_code == 204
    response = room.post("fac", "/statements/purpose/agree", {})
    assert response.status_code == 200, response.text
    assert response.json()["override_reason"] is None


# ------------------------------------------------------------------- escaping
def test_markup_in_notes_is_verbatim_in_json_and_escaped_in_html(room: Room) -> None:
    client = room.client
    room.phase("purpose-write")
    note = room.note("priya", EVIL)
    assert note["text"] == EVIL
    assert room.notes("priya")[note["id"]]["text"] == EVIL

    def page(who: str, screen: str) -> str:
        client.cookies.set(f"cg_{room.code}", room.token(who))
        response = client.get(f"/rooms/{room.code}/{screen}")
        assert response.status_code == 200, (who, screen)
        return response.text

    # While writing: the author's phone shows it (escaped); the board and control do not.
    phone = page("priya", "phone")
    assert EVIL_ESCAPED in phone
    assert "<script>alert" not in phone
    for who, screen in (("fac", "board"), ("fac", "control"), ("eleanor", "phone")):
        html = page(who, screen)
        assert EVIL_ESCAPED not in html, (who, screen)
        assert "alert(" not in html, (who, screen)

    room.phase("purpose-sort")
    assert room.notes("sol")[note["id"]]["text"] == EVIL
    for who, screen in (("fac", "board"), ("fac", "control"), ("eleanor", "phone")):
        html = page(who, screen)
        assert EVIL_ESCAPED in html, (who, screen)
        assert "<script>alert" not in html, (who, screen)
        assert "<b>bold</b>" not in html, (who, screen)

    room.phase("purpose-agree")
    response = room.put("fac", "/statements/purpose", {"text": EVIL})
    assert response.json()["text"] == EVIL
    room.post("sol", "/statements/purpose/responses", {"stance": "object", "reason": EVIL})
    statement = room.snapshot()["statements"]["purpose"]
    assert statement["responses"][0]["reason"] == EVIL
    for who, screen in (("fac", "board"), ("fac", "control"), ("eleanor", "phone")):
        html = page(who, screen)
        assert EVIL_ESCAPED in html, (who, screen)
        assert "<script>alert" not in html, (who, screen)
