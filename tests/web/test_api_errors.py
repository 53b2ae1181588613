"""Every refusal of the JSON API leaves in the contract's error shape, and writes nothing.

Body `{"error": {"code": "<machine_code>", "message": "<for a person>"}}`;
422 invalid input · 401 missing/invalid token · 403 wrong role · 404 unknown
room/object · 409 conflict (shared/api.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from tests.conftest import bearer, join, make_room

FORGED = "x" * 43
UNKNOWN_CODE = "ZZZZZZ"


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    """The response is a refusal in the contract's shape (and never a 500)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str), body
    assert body["error"]["code"], body
    assert isinstance(body["error"]["message"], str), body
    assert body["error"]["message"].strip(), body
    if code is not None:
        assert body["error"]["code"] == code, body


@dataclass
class Room:
    """A room with a facilitator and one participant, and a way to see its state."""

    client: TestClient
    code: str
    facilitator: str
    participant: str
    participant_id: str

    def state(self) -> tuple[int, int, str, bool]:
        """(seq, participant count, phase, locked), as the facilitator sees them."""
        response = self.client.get(f"/api/rooms/{self.code}", headers=bearer(self.facilitator))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body["seq"], len(body["participants"]), body["phase"], body["locked"]


@pytest.fixture
def room(client: TestClient) -> Room:
    created = make_room(client)
    joined = join(client, created["code"], name="Priya", perspective="health")
    return Room(
        client,
        created["code"],
        created["facilitator_token"],
        joined["token"],
        joined["participant_id"],
    )


def room_count(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            count: int = connection.execute(text("SELECT COUNT(*) FROM rooms")).scalar_one()
            return count
    finally:
        engine.dispose()


# ------------------------------------------------------------- creating rooms
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": ""}, "invalid_title"),
        ({"title": "   "}, "invalid_title"),
        ({"title": "\n\t  \n"}, "invalid_title"),
        ({"title": "\x00\x07"}, "invalid_title"),
        ({"title": "x" * 121}, "invalid_title"),
        ({"title": "  " + "x" * 121 + "  "}, "invalid_title"),
        ({"title": "Fine", "workshop": "no-such-workshop"}, "invalid_workshop"),
        ({"title": "Fine", "workshop": ""}, "invalid_workshop"),
        ({"title": "Fine", "setting": "s" * 121}, "invalid_setting"),
        ({}, None),
        ({"setting": "Oakfield"}, None),
        ({"title": None}, None),
        ({"title": 123}, None),
        ({"title": ["Oakfield"]}, None),
        ({"title": {"text": "Oakfield"}}, None),
        ({"title": True}, None),
        ({"title": "Fine", "workshop": 5}, None),
        ({"title": "Fine", "workshop": None}, None),
        ({"title": "Fine", "setting": 5}, None),
        ({"title": "Fine", "setting": ["a"]}, None),
    ],
    ids=[
        "empty",
        "spaces",
        "newlines",
        "control-chars",
        "121-chars",
        "121-chars-padded",
        "unknown-workshop",
        "empty-workshop",
        "121-char-setting",
        "missing-title",
        "only-setting",
        "null-title",
        "int-title",
        "list-title",
        "object-title",
        "bool-title",
        "int-workshop",
        "null-workshop",
        "int-setting",
        "list-setting",
    ],
)
def test_create_room_refuses_bad_input(
    client: TestClient, settings: Settings, body: dict[str, Any], code: str | None
) -> None:
    response = client.post("/api/rooms", json=body)
    assert_error(response, 422, code)
    assert room_count(settings) == 0


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'"Oakfield"', b"null", b"42"],
    ids=["empty", "malformed", "array", "string", "null", "number"],
)
def test_create_room_refuses_non_object_json(
    client: TestClient, settings: Settings, content: bytes
) -> None:
    response = client.post(
        "/api/rooms", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422)
    assert room_count(settings) == 0


def test_title_limits_are_inclusive(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"title": "x" * 120})
    assert response.status_code == 201, response.text
    response = client.post("/api/rooms", json={"title": "x"})
    assert response.status_code == 201, response.text


# -------------------------------------------------------------------- joining
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "", "perspective": "health"}, "invalid_name"),
        ({"name": "    ", "perspective": "health"}, "invalid_name"),
        ({"name": "n" * 61, "perspective": "health"}, "invalid_name"),
        ({"name": "Sam", "perspective": "police"}, "invalid_perspective"),
        ({"name": "Sam", "perspective": ""}, "invalid_perspective"),
        ({"name": "Sam", "perspective": "Health"}, "invalid_perspective"),
        ({"perspective": "health"}, None),
        ({"name": "Sam"}, None),
        ({}, None),
        ({"name": None, "perspective": "health"}, None),
        ({"name": 7, "perspective": "health"}, None),
        ({"name": ["Sam"], "perspective": "health"}, None),
        ({"name": "Sam", "perspective": 1}, None),
        ({"name": "Sam", "perspective": None}, None),
        ({"name": "Sam", "perspective": ["health"]}, None),
    ],
    ids=[
        "empty-name",
        "spaces-name",
        "61-char-name",
        "unknown-perspective",
        "empty-perspective",
        "wrong-case-perspective",
        "missing-name",
        "missing-perspective",
        "empty-body",
        "null-name",
        "int-name",
        "list-name",
        "int-perspective",
        "null-perspective",
        "list-perspective",
    ],
)
def test_join_refuses_bad_input(room: Room, body: dict[str, Any], code: str | None) -> None:
    before = room.state()
    response = room.client.post(f"/api/rooms/{room.code}/join", json=body)
    assert_error(response, 422, code)
    assert room.state() == before


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b"null"])
def test_join_refuses_non_object_json(room: Room, content: bytes) -> None:
    before = room.state()
    response = room.client.post(
        f"/api/rooms/{room.code}/join",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 422)
    assert room.state() == before


def test_name_limit_is_inclusive(room: Room) -> None:
    joined = join(room.client, room.code, name="n" * 60)
    assert joined["participant_id"]


def test_joining_a_locked_room_is_409_and_writes_nothing(room: Room) -> None:
    locked = room.client.post(
        f"/api/rooms/{room.code}/lock", json={"locked": True}, headers=bearer(room.facilitator)
    )
    assert locked.status_code == 200
    before = room.state()
    response = room.client.post(
        f"/api/rooms/{room.code}/join", json={"name": "Late", "perspective": "health"}
    )
    assert_error(response, 409, "room_locked")
    assert room.state() == before


# --------------------------------------------------------------------- phases
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phase": "no-such-phase"}, "invalid_phase"),
        ({"phase": ""}, "invalid_phase"),
        ({"phase": "LOBBY"}, "invalid_phase"),
        ({"phase": "Welcome"}, "invalid_phase"),
        ({}, None),
        ({"phase": None}, None),
        ({"phase": 2}, None),
        ({"phase": ["purpose-write"]}, None),
    ],
    ids=["unknown", "empty", "upper-case", "title", "missing", "null", "int", "list"],
)
def test_phase_refuses_bad_input(room: Room, body: dict[str, Any], code: str | None) -> None:
    before = room.state()
    response = room.client.post(
        f"/api/rooms/{room.code}/phase", json=body, headers=bearer(room.facilitator)
    )
    assert_error(response, 422, code)
    assert room.state() == before


@pytest.mark.parametrize(
    "body",
    [{}, {"locked": None}, {"locked": "maybe"}, {"locked": [True]}, {"locked": {"a": 1}}],
    ids=["missing", "null", "string", "list", "object"],
)
def test_lock_refuses_bad_input(room: Room, body: dict[str, Any]) -> None:
    before = room.state()
    response = room.client.post(
        f"/api/rooms/{room.code}/lock", json=body, headers=bearer(room.facilitator)
    )
    assert_error(response, 422)
    assert room.state() == before


@pytest.mark.parametrize("path", ["phase", "lock"])
def test_facilitator_writes_refuse_malformed_json(room: Room, path: str) -> None:
    before = room.state()
    response = room.client.post(
        f"/api/rooms/{room.code}/{path}",
        content=b"{oops",
        headers={**bearer(room.facilitator), "Content-Type": "application/json"},
    )
    assert_error(response, 422)
    assert room.state() == before


# -------------------------------------------------------------- unknown rooms
@pytest.mark.parametrize("code", [UNKNOWN_CODE, "zzzzzz", "nope", "A" * 200, "ÄÖÜ"])
def test_unknown_room_is_404(client: TestClient, code: str) -> None:
    real = make_room(client)
    assert_error(
        client.get(f"/api/rooms/{code}", headers=bearer(real["facilitator_token"])),
        404,
        "room_not_found",
    )
    assert_error(client.get(f"/api/rooms/{code}"), 404, "room_not_found")
    assert_error(
        client.post(f"/api/rooms/{code}/join", json={"name": "Sam", "perspective": "health"}),
        404,
        "room_not_found",
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "phase", {"phase": "purpose-write"}),
        ("POST", "lock", {"locked": True}),
        ("GET", "archive", None),
        ("DELETE", "", None),
        ("DELETE", "participants/00000000-0000-4000-8000-000000000000", None),
    ],
)
def test_facilitator_actions_on_unknown_room_are_404(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    token = make_room(client)["facilitator_token"]
    url = f"/api/rooms/{UNKNOWN_CODE}/{path}".rstrip("/")
    response = client.request(method, url, json=body, headers=bearer(token))
    assert_error(response, 404, "room_not_found")


def test_unknown_api_path_and_method_use_the_error_shape(room: Room) -> None:
    assert_error(room.client.get("/api/nothing-here"), 404)
    assert_error(
        room.client.put(f"/api/rooms/{room.code}/phase", json={"phase": "lobby"}),
        405,
    )


# ----------------------------------------------------------------------- auth
FACILITATOR_ACTIONS = [
    ("POST", "phase", {"phase": "purpose-write"}),
    ("POST", "lock", {"locked": True}),
    ("GET", "archive", None),
    ("DELETE", "", None),
    ("DELETE", "participants/{pid}", None),
]
ACTION_IDS = ["phase", "lock", "archive", "delete-room", "remove-participant"]


def _url(room: Room, path: str) -> str:
    return f"/api/rooms/{room.code}/{path.format(pid=room.participant_id)}".rstrip("/")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": f"Basic {FORGED}"},
        {"Authorization": f"Bearer {FORGED}"},
        {"Authorization": "Bearer " + "A" * 5000},
    ],
    ids=["none", "empty", "scheme-only", "blank", "basic", "forged", "huge"],
)
def test_snapshot_needs_a_valid_token(room: Room, headers: dict[str, str]) -> None:
    response = room.client.get(f"/api/rooms/{room.code}", headers=headers)
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), FACILITATOR_ACTIONS, ids=ACTION_IDS)
@pytest.mark.parametrize("token", [None, FORGED], ids=["no-token", "forged-token"])
def test_facilitator_actions_need_a_valid_token(
    room: Room, method: str, path: str, body: dict[str, Any] | None, token: str | None
) -> None:
    before = room.state()
    headers = bearer(token) if token else {}
    response = room.client.request(method, _url(room, path), json=body, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert room.state() == before


@pytest.mark.parametrize(("method", "path", "body"), FACILITATOR_ACTIONS, ids=ACTION_IDS)
def test_participants_may_not_do_facilitator_actions(
    room: Room, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = room.state()
    response = room.client.request(
        method, _url(room, path), json=body, headers=bearer(room.participant)
    )
    assert_error(response, 403, "facilitator_only")
    assert room.state() == before
    # The participant is still in, with a working token.
    mine = room.client.get(f"/api/rooms/{room.code}", headers=bearer(room.participant))
    assert mine.status_code == 200
    assert mine.json()["you"]["participant_id"] == room.participant_id


def test_a_participant_cannot_remove_themself(room: Room) -> None:
    before = room.state()
    response = room.client.delete(
        f"/api/rooms/{room.code}/participants/{room.participant_id}",
        headers=bearer(room.participant),
    )
    assert_error(response, 403, "facilitator_only")
    assert room.state() == before


def test_tokens_of_room_a_are_refused_in_room_b(client: TestClient, room: Room) -> None:
    other = make_room(client, title="Room B")
    other_participant = join(client, other["code"], name="Bea", perspective="education")
    b_code, b_token = other["code"], other["facilitator_token"]

    def b_state() -> tuple[int, int, str, bool]:
        body = client.get(f"/api/rooms/{b_code}", headers=bearer(b_token)).json()
        return body["seq"], len(body["participants"]), body["phase"], body["locked"]

    before = b_state()
    for token in (room.facilitator, room.participant):
        assert_error(client.get(f"/api/rooms/{b_code}", headers=bearer(token)), 401)
        for method, path, body in FACILITATOR_ACTIONS:
            url = f"/api/rooms/{b_code}/{path.format(pid=other_participant['participant_id'])}"
            response = client.request(method, url.rstrip("/"), json=body, headers=bearer(token))
            assert_error(response, 401, "unauthorized")
    assert b_state() == before
    assert room.state()[1] == 1


def test_facilitator_of_room_b_cannot_remove_a_participant_of_room_a(
    client: TestClient, room: Room
) -> None:
    other = make_room(client, title="Room B")
    before = room.state()
    response = client.delete(
        f"/api/rooms/{other['code']}/participants/{room.participant_id}",
        headers=bearer(other["facilitator_token"]),
    )
    assert_error(response, 404, "participant_not_found")
    assert room.state() == before
    assert (
        client.get(f"/api/rooms/{room.code}", headers=bearer(room.participant)).status_code == 200
    )


def test_removing_twice_is_404(room: Room) -> None:
    url = f"/api/rooms/{room.code}/participants/{room.participant_id}"
    assert room.client.delete(url, headers=bearer(room.facilitator)).status_code == 204
    before = room.state()
    assert_error(room.client.delete(url, headers=bearer(room.facilitator)), 404)
    assert room.state() == before


def test_removed_participant_is_refused_everywhere(room: Room) -> None:
    url = f"/api/rooms/{room.code}/participants/{room.participant_id}"
    assert room.client.delete(url, headers=bearer(room.facilitator)).status_code == 204
    before = room.state()
    assert_error(room.client.get(f"/api/rooms/{room.code}", headers=bearer(room.participant)), 401)
    assert_error(
        room.client.post(
            f"/api/rooms/{room.code}/phase",
            json={"phase": "closed"},
            headers=bearer(room.participant),
        ),
        401,
    )
    assert room.state() == before


def test_passcode_does_not_grant_access_to_rooms(room: Room) -> None:
    response = room.client.get(
        f"/api/rooms/{room.code}", headers={"X-Facilitator-Passcode": "anything"}
    )
    assert_error(response, 401)
