"""Task 1.2 (Table 1.3) over HTTP: contributions, grid statements, spotlight, 429s.

Every refusal is checked for its status and machine code, and for leaving the
room as it was (same seq: nothing was logged).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.config import Settings
from app.web.app import create_app
from tests.conftest import PHASES, bearer
from tests.support import WORKSHOP_FILE
from tests.web.support import ApiRoom

ROWS = ["means", "mission", "outcomes", "effective", "barriers", "overcome", "one-year"]
PEOPLE = {"priya": "health", "eleanor": "education", "sol": "social-care", "meera": "vcs-other"}
EVIL = "<b onmouseover=alert(1)>x</b>"
EVIL_ESCAPED = str(escape(EVIL))
OBJECTION = "It leaves out families"
OVERRIDE = "We will revisit the wording with families next term"
Response = Any  # what TestClient returns (an httpx-compatible response)


@dataclass
class Room(ApiRoom):
    """A room with four participants, one per perspective."""

    def contribute(self, who: str, row: str, text: str, **extra: Any) -> Response:
        return self.post(who, f"/grid/{row}/contributions", {"text": text, **extra})

    def cells(self, row: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.snapshot()["grid"][row]["contributions"]
        return items


def new_room(client: TestClient, phase: str = "grid-write") -> Room:
    room = Room.create(client, {who: (who.title(), p) for who, p in PEOPLE.items()})
    room.phase(phase)
    return room


@pytest.fixture
def room(client: TestClient) -> Room:
    """Four participants (one per perspective) in grid-write."""
    return new_room(client)


def refused(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "error": {"code": code, "message": response.json()["error"]["message"]}
    }
    assert response.json()["error"]["message"]


# ------------------------------------------------------------ contributions
def test_contribution_is_created_in_the_callers_column(room: Room) -> None:
    response = room.contribute("priya", "mission", "  Every child healthy and safe  ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "perspective", "author_id", "text"}
    assert uuid.UUID(body["id"])
    assert body["perspective"] == "health"
    assert body["author_id"] == room.pid("priya")
    assert body["text"] == "Every child healthy and safe"
    assert room.cells("mission") == [body]


@pytest.mark.parametrize("claimed", ["education", "social-care", "nope", 5, None])
def test_perspective_comes_from_the_caller_not_the_body(room: Room, claimed: Any) -> None:
    response = room.contribute("priya", "means", "Ours", perspective=claimed)
    assert response.status_code == 201, response.text
    assert response.json()["perspective"] == "health"
    assert [c["perspective"] for c in room.cells("means")] == ["health"]


def test_author_in_the_body_is_ignored(room: Room) -> None:
    body = {"text": "Mine", "author_id": room.pid("eleanor"), "row": "barriers"}
    response = room.post("priya", "/grid/means/contributions", body)
    assert response.status_code == 201, response.text
    assert response.json()["author_id"] == room.pid("priya")
    assert room.cells("barriers") == []
    assert len(room.cells("means")) == 1


def test_every_perspective_fills_its_own_column(room: Room) -> None:
    for name, perspective in PEOPLE.items():
        response = room.contribute(name, "one-year", f"{name} hopes")
        assert response.status_code == 201, response.text
        assert response.json()["perspective"] == perspective
    assert [(c["perspective"], c["text"]) for c in room.cells("one-year")] == [
        (p, f"{name} hopes") for name, p in PEOPLE.items()
    ]


def test_same_id_again_is_200_with_the_same_contribution(room: Room) -> None:
    client_id = str(uuid.uuid4())
    first = room.contribute("priya", "mission", "Once", id=client_id)
    assert first.status_code == 201, first.text
    assert first.json()["id"] == client_id
    seq = room.seq()
    again = room.contribute("priya", "mission", "Once", id=client_id)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert room.seq() == seq
    assert len(room.cells("mission")) == 1


def test_same_id_from_another_participant_is_a_conflict(room: Room) -> None:
    client_id = str(uuid.uuid4())
    assert room.contribute("priya", "mission", "Mine", id=client_id).status_code == 201
    seq = room.seq()
    refused(
        room.contribute("eleanor", "mission", "Mine", id=client_id), 409, "contribution_id_taken"
    )
    assert room.seq() == seq


def test_an_id_that_is_not_a_uuid_is_invalid(room: Room) -> None:
    refused(room.contribute("priya", "mission", "x", id="not-a-uuid"), 422, "invalid_request")


@pytest.mark.parametrize("row", ["nope", "MISSION", "grid.mission", "mission2"])
def test_unknown_row_is_404(room: Room, row: str) -> None:
    seq = room.seq()
    refused(room.contribute("priya", row, "x"), 404, "row_not_found")
    assert room.seq() == seq


@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("grid-write", "closed")])
def test_contribution_outside_grid_write_is_409(client: TestClient, phase: str) -> None:
    room = new_room(client, phase)
    seq = room.seq()
    refused(room.contribute("priya", "mission", "Too early or too late"), 409, "wrong_phase")
    assert room.seq() == seq


def test_contribution_in_a_closed_room_is_409(client: TestClient) -> None:
    room = new_room(client, "closed")
    refused(room.contribute("priya", "mission", "x"), 409, "room_closed")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n", "\u200b", "x" * 281, None, 12, ["list"]],
    ids=["empty", "spaces", "newlines", "zero-width", "281-chars", "null", "number", "list"],
)
def test_empty_or_too_long_text_is_422(room: Room, text: Any) -> None:
    seq = room.seq()
    refused(room.post("priya", "/grid/mission/contributions", {"text": text}), 422, "invalid_text")
    assert room.seq() == seq
    assert room.cells("mission") == []


def test_missing_text_is_422(room: Room) -> None:
    refused(room.post("priya", "/grid/mission/contributions", {}), 422, "invalid_text")


def test_exactly_280_characters_is_accepted(room: Room) -> None:
    response = room.contribute("priya", "mission", "y" * 280)
    assert response.status_code == 201, response.text
    assert response.json()["text"] == "y" * 280


def test_facilitator_cannot_contribute(room: Room) -> None:
    refused(room.contribute("fac", "mission", "From the front"), 403, "participant_only")
    assert room.cells("mission") == []


def test_contribution_needs_a_valid_token(room: Room) -> None:
    url = room.url("/grid/mission/contributions")
    refused(room.client.post(url, json={"text": "x"}), 401, "unauthorized")
    refused(
        room.client.post(url, json={"text": "x"}, headers=bearer("x" * 43)), 401, "unauthorized"
    )


def test_token_of_another_room_is_refused(client: TestClient, room: Room) -> None:
    other = new_room(client)
    response = client.post(
        room.url("/grid/mission/contributions"),
        json={"text": "x"},
        headers=bearer(other.token("priya")),
    )
    refused(response, 401, "unauthorized")


def test_contribution_to_an_unknown_room_is_404(room: Room) -> None:
    response = room.client.post(
        "/api/rooms/ZZZZZZ/grid/mission/contributions",
        json={"text": "x"},
        headers=bearer(room.token("priya")),
    )
    refused(response, 404, "room_not_found")


def test_removed_participant_can_no_longer_contribute(room: Room) -> None:
    response = room.client.delete(
        room.url(f"/participants/{room.pid('sol')}"), headers=bearer(room.fac)
    )
    assert response.status_code == 204
    refused(room.contribute("sol", "mission", "Still here?"), 401, "unauthorized")


def test_lower_case_code_works(room: Room) -> None:
    response = room.client.post(
        f"/api/rooms/{room.code.lower()}/grid/means/contributions",
        json={"text": "Lower"},
        headers=bearer(room.token("priya")),
    )
    assert response.status_code == 201, response.text


# ------------------------------------------------------------ rate limiting
@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    """An app allowing a burst of three grid statements, then one a minute."""
    tight = settings.model_copy(update={"write_burst": 3, "write_interval_seconds": 60})
    with TestClient(create_app(tight)) as test_client:
        yield test_client


def test_a_flood_gets_429_with_retry_after_and_others_are_unaffected(
    limited: TestClient,
) -> None:
    room = new_room(limited)
    for number in range(3):
        response = room.contribute("priya", "means", f"Statement {number}")
        assert response.status_code == 201, response.text
    seq = room.seq()
    flood = room.contribute("priya", "means", "One too many")
    refused(flood, 429, "too_many_requests")
    retry_after = int(flood.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert room.seq() == seq
    assert len(room.cells("means")) == 3

    # Another participant, even of the same room and row, still posts.
    other = room.contribute("eleanor", "means", "Education's view")
    assert other.status_code == 201, other.text
    for number in range(2):
        assert room.contribute("sol", "barriers", f"Sol {number}").status_code == 201
    # And the flooder is still held back.
    refused(room.contribute("priya", "mission", "Still too fast"), 429, "too_many_requests")
    assert [c["perspective"] for c in room.cells("means")] == ["health"] * 3 + ["education"]


def test_the_limit_is_per_room(limited: TestClient) -> None:
    first, second = new_room(limited), new_room(limited)
    for number in range(3):
        assert first.contribute("priya", "means", f"S{number}").status_code == 201
    refused(first.contribute("priya", "means", "S4"), 429, "too_many_requests")
    assert second.contribute("priya", "means", "Other room").status_code == 201


def test_the_limit_applies_to_the_phone_form_too(limited: TestClient) -> None:
    room = new_room(limited)
    limited.cookies.set(f"cg_{room.code}", room.token("priya"))
    headers = {"HX-Request": "true"}
    for number in range(3):
        response = limited.post(
            f"/rooms/{room.code}/grid/means/contributions",
            data={"text": f"Form {number}", "id": str(uuid.uuid4())},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    response = limited.post(
        f"/rooms/{room.code}/grid/means/contributions",
        data={"text": "Form flood", "id": str(uuid.uuid4())},
        headers=headers,
    )
    refused(response, 429, "too_many_requests")
    assert int(response.headers["Retry-After"]) >= 1
    assert len(room.cells("means")) == 3


# --------------------------------------------------------- grid statements
def test_grid_statement_draft_respond_and_agree_over_an_objection(client: TestClient) -> None:
    room = new_room(client, "grid-agree")
    target = "grid.mission"
    draft = room.put("fac", f"/statements/{target}", {"text": "  Together every child thrives  "})
    assert draft.status_code == 200, draft.text
    statement = draft.json()
    assert statement["target"] == target
    assert statement["text"] == "Together every child thrives"
    assert statement["items"] is None
    assert statement["status"] == "draft"
    assert statement["responses"] == []
    assert statement["override_reason"] is None

    for who, body in (
        ("priya", {"stance": "agree"}),
        ("eleanor", {"stance": "reservations", "reason": "A little vague"}),
        ("sol", {"stance": "object", "reason": OBJECTION}),
    ):
        response = room.post(who, f"/statements/{target}/responses", body)
        assert response.status_code == 200, response.text
    responses = {r["participant_id"]: r for r in response.json()["responses"]}
    assert responses[room.pid("priya")] == {
        "participant_id": room.pid("priya"),
        "stance": "agree",
        "reason": None,
    }
    assert responses[room.pid("eleanor")]["stance"] == "reservations"
    assert responses[room.pid("sol")]["reason"] == OBJECTION

    seq = room.seq()
    refused(room.post("fac", f"/statements/{target}/agree", {}), 409, "objection_stands")
    refused(
        room.post("fac", f"/statements/{target}/agree", {"override_reason": "   "}),
        409,
        "objection_stands",
    )
    assert room.seq() == seq
    agreed = room.post("fac", f"/statements/{target}/agree", {"override_reason": OVERRIDE})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["override_reason"] == OVERRIDE
    assert room.snapshot("priya")["statements"][target]["status"] == "agreed"
    refused(
        room.post("meera", f"/statements/{target}/responses", {"stance": "agree"}),
        409,
        "already_agreed",
    )


def test_grid_statement_without_objection_agrees_without_reason(client: TestClient) -> None:
    room = new_room(client, "grid-agree")
    assert (
        room.put("fac", "/statements/grid.one-year", {"text": "A shared review"}).status_code == 200
    )
    for who in PEOPLE:
        response = room.post(who, "/statements/grid.one-year/responses", {"stance": "agree"})
        assert response.status_code == 200, response.text
    agreed = room.post("fac", "/statements/grid.one-year/agree", {})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["override_reason"] is None


def test_object_needs_a_reason(client: TestClient) -> None:
    room = new_room(client, "grid-agree")
    room.put("fac", "/statements/grid.means", {"text": "Working together"})
    for body in ({"stance": "object"}, {"stance": "object", "reason": "  "}):
        refused(room.post("sol", "/statements/grid.means/responses", body), 422, "invalid_reason")
    refused(
        room.post("sol", "/statements/grid.means/responses", {"stance": "maybe"}),
        422,
        "invalid_stance",
    )


def test_grid_statement_refusals(client: TestClient) -> None:
    room = new_room(client, "grid-agree")
    refused(room.post("fac", "/statements/grid.barriers/agree", {}), 409, "no_draft")
    refused(
        room.post("priya", "/statements/grid.barriers/responses", {"stance": "agree"}),
        409,
        "no_draft",
    )
    refused(
        room.put("priya", "/statements/grid.barriers", {"text": "Mine"}), 403, "facilitator_only"
    )
    refused(room.put("fac", "/statements/grid.barriers", {"text": ""}), 422, "invalid_text")
    refused(room.put("fac", "/statements/grid.barriers", {"text": "z" * 2001}), 422, "invalid_text")
    room.put("fac", "/statements/grid.barriers", {"text": "Time"})
    refused(
        room.post("fac", "/statements/grid.barriers/responses", {"stance": "agree"}),
        403,
        "participant_only",
    )
    refused(room.post("priya", "/statements/grid.barriers/agree", {}), 403, "facilitator_only")


@pytest.mark.parametrize("target", ["grid.nope", "grid.", "mission", "grid.MISSION"])
def test_unknown_statement_target_is_404(client: TestClient, target: str) -> None:
    room = new_room(client, "grid-agree")
    seq = room.seq()
    refused(room.put("fac", f"/statements/{target}", {"text": "x"}), 404, "target_not_found")
    refused(
        room.post("priya", f"/statements/{target}/responses", {"stance": "agree"}),
        404,
        "target_not_found",
    )
    refused(room.post("fac", f"/statements/{target}/agree", {}), 404, "target_not_found")
    assert room.seq() == seq


def test_redrafting_clears_the_responses(client: TestClient) -> None:
    room = new_room(client, "grid-agree")
    room.put("fac", "/statements/grid.effective", {"text": "First"})
    room.post("sol", "/statements/grid.effective/responses", {"stance": "object", "reason": "No"})
    redraft = room.put("fac", "/statements/grid.effective", {"text": "Second"})
    assert redraft.status_code == 200
    assert redraft.json()["responses"] == []
    agreed = room.post("fac", "/statements/grid.effective/agree", {})
    assert agreed.status_code == 200, agreed.text


def test_compose_a_row_from_its_contributions(client: TestClient) -> None:
    """The control view's "Add to draft": each contribution appends a line."""
    room = new_room(client)
    first = room.contribute("priya", "mission", "Every child healthy").json()
    second = room.contribute("eleanor", "mission", "Every child learning").json()
    other_row = room.contribute("sol", "barriers", "Caseloads").json()
    room.phase("grid-agree")
    client.cookies.set(f"cg_{room.code}", room.fac)
    url = f"/rooms/{room.code}/statements/grid.mission/promote"
    headers = {"HX-Request": "true"}
    for item in (first, second):
        response = client.post(url, data={"note_id": item["id"]}, headers=headers)
        assert response.status_code == 200, response.text
    statement = room.snapshot()["statements"]["grid.mission"]
    assert statement["text"] == "Every child healthy\nEvery child learning"
    assert statement["status"] == "draft"
    # Any contribution can be added (the facilitator decides); an unknown id cannot.
    response = client.post(url, data={"note_id": other_row["id"]}, headers=headers)
    assert response.status_code == 200
    response = client.post(url, data={"note_id": str(uuid.uuid4())}, headers=headers)
    refused(response, 404, "contribution_not_found")
    # Participants cannot compose.
    client.cookies.set(f"cg_{room.code}", room.token("priya"))
    response = client.post(url, data={"note_id": first["id"]}, headers=headers)
    refused(response, 403, "facilitator_only")


# ---------------------------------------------------------------- spotlight
def test_spotlight_a_row_and_go_back(room: Room) -> None:
    response = room.post("fac", "/spotlight", {"target": "grid.mission"})
    assert response.status_code == 200, response.text
    assert response.json() == {"spotlight": "grid.mission"}
    seq = room.seq()
    again = room.post("fac", "/spotlight", {"target": "grid.mission"})
    assert again.json() == {"spotlight": "grid.mission"}
    assert room.seq() == seq  # no change, no event
    back = room.post("fac", "/spotlight", {"target": None})
    assert back.status_code == 200
    assert back.json() == {"spotlight": None}
    assert room.post("fac", "/spotlight", {}).json() == {"spotlight": None}
    purpose = room.post("fac", "/spotlight", {"target": "purpose"})
    assert purpose.json() == {"spotlight": "purpose"}


def test_participant_cannot_spotlight(room: Room) -> None:
    refused(room.post("priya", "/spotlight", {"target": "grid.mission"}), 403, "facilitator_only")


@pytest.mark.parametrize("target", ["grid.nope", "mission", "document", "GRID.MEANS"])
def test_invalid_spotlight_is_422(room: Room, target: str) -> None:
    seq = room.seq()
    refused(room.post("fac", "/spotlight", {"target": target}), 422, "invalid_spotlight")
    assert room.seq() == seq


def test_spotlight_body_must_be_text_or_null(room: Room) -> None:
    refused(room.post("fac", "/spotlight", {"target": 5}), 422, "invalid_request")


def test_snapshot_tells_what_is_spotlit(room: Room) -> None:
    room.post("fac", "/spotlight", {"target": "grid.barriers"})
    for who in ("fac", "priya"):
        assert room.snapshot(who).get("spotlight", "missing") == "grid.barriers"


# ---------------------------------------------------------------- snapshot
def test_snapshot_carries_grid_contributions_and_statements(room: Room) -> None:
    made = {
        name: room.contribute(name, row, f"{name} on {row}").json()
        for name, row in (("priya", "mission"), ("eleanor", "mission"), ("meera", "one-year"))
    }
    room.phase("grid-agree")
    room.put("fac", "/statements/grid.mission", {"text": "Joint mission"})
    room.post("sol", "/statements/grid.mission/responses", {"stance": "agree"})
    for who in ("fac", "priya", "sol"):
        snapshot = room.snapshot(who)
        assert list(snapshot["grid"]) == ROWS
        assert snapshot["grid"]["mission"]["contributions"] == [made["priya"], made["eleanor"]]
        assert snapshot["grid"]["one-year"]["contributions"] == [made["meera"]]
        assert snapshot["grid"]["barriers"] == {"contributions": []}
        statement = snapshot["statements"]["grid.mission"]
        assert statement["text"] == "Joint mission"
        assert statement["responses"] == [
            {"participant_id": room.pid("sol"), "stance": "agree", "reason": None}
        ]


def test_workshops_list_the_grid_rows(client: TestClient) -> None:
    workshops = {w["id"]: w for w in client.get("/api/workshops").json()}
    workshop = workshops["multi-agency-visioning"]
    assert [r["key"] for r in workshop["grid_rows"]] == ROWS
    assert all(r["prompt"] for r in workshop["grid_rows"])


# ----------------------------------------------------------------- escaping
def pages(client: TestClient, room: Room) -> dict[str, str]:
    result = {}
    for page, who in (("board", "fac"), ("control", "fac"), ("phone", "eleanor")):
        client.cookies.set(f"cg_{room.code}", room.token(who))
        response = client.get(f"/rooms/{room.code}/{page}")
        assert response.status_code == 200, (page, response.text)
        result[page] = response.text
    return result


def test_markup_in_a_contribution_is_escaped_everywhere(client: TestClient, room: Room) -> None:
    assert room.contribute("priya", "mission", EVIL).json()["text"] == EVIL

    written = pages(client, room)
    for page in ("board", "phone"):
        assert EVIL_ESCAPED in written[page], page
    for page, html in written.items():
        assert EVIL not in html, page
        assert "<b onmouseover" not in html, page

    room.post("fac", "/spotlight", {"target": "grid.mission"})
    board = pages(client, room)["board"]
    assert 'id="board-spotlight"' in board
    assert EVIL_ESCAPED in board
    assert EVIL not in board

    room.post("fac", "/spotlight", {"target": None})
    room.phase("grid-agree")
    room.put("fac", "/statements/grid.mission", {"text": EVIL})
    room.post("sol", "/statements/grid.mission/responses", {"stance": "object", "reason": EVIL})
    agreeing = pages(client, room)
    for page, html in agreeing.items():
        assert EVIL_ESCAPED in html, page
        assert EVIL not in html, page
        assert "<b onmouseover" not in html, page


# ------------------------------------------------------------- private grid
@pytest.fixture
def private_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The shipped workshop with `[grid] private = true`."""
    folder = tmp_path / "workshops"
    folder.mkdir()
    definition = WORKSHOP_FILE.read_text(encoding="utf-8")
    assert "[grid]\nprivate = false" in definition
    (folder / WORKSHOP_FILE.name).write_text(
        definition.replace("[grid]\nprivate = false", "[grid]\nprivate = true"), encoding="utf-8"
    )
    for translation in WORKSHOP_FILE.parent.glob(f"{WORKSHOP_FILE.stem}.*.toml"):
        shutil.copy(translation, folder / translation.name)  # the languages it declares
    with TestClient(create_app(settings.model_copy(update={"workshops_dir": folder}))) as c:
        yield c


def test_private_grid_hides_colleagues_text_in_the_api(private_client: TestClient) -> None:
    room = new_room(private_client)
    mine = room.contribute("priya", "mission", "Only Priya sees this")
    assert mine.status_code == 201, mine.text
    assert mine.json()["text"] == "Only Priya sees this"
    own = room.snapshot("priya")["grid"]["mission"]["contributions"]
    assert [c["text"] for c in own] == ["Only Priya sees this"]
    other = room.snapshot("eleanor")["grid"]["mission"]["contributions"]
    assert other == [
        {"id": mine.json()["id"], "perspective": "health", "author_id": None, "text": None}
    ]


def test_private_grid_hides_colleagues_text_on_their_phones(private_client: TestClient) -> None:
    room = new_room(private_client)
    assert room.contribute("priya", "mission", "Only Priya sees this").status_code == 201
    private_client.cookies.set(f"cg_{room.code}", room.token("priya"))
    assert "Only Priya sees this" in private_client.get(f"/rooms/{room.code}/phone").text
    private_client.cookies.set(f"cg_{room.code}", room.token("eleanor"))
    page = private_client.get(f"/rooms/{room.code}/phone")
    assert page.status_code == 200
    assert "Only Priya sees this" not in page.text
