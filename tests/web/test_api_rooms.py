"""The JSON API's happy paths (shared/api.md, contract v1): rooms, joining, phases, lock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from app.config import Settings
from app.domain.codes import ALPHABET
from app.web.app import create_app
from tests.conftest import PHASES, bearer, join, make_room

PERSPECTIVES = ["education", "health", "social-care", "vcs-other"]


def snapshot(client: TestClient, code: str, token: str) -> dict[str, Any]:
    response = client.get(f"/api/rooms/{code}", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def count_rows(database_url: str, room_id: int | None = None) -> dict[str, int]:
    """Rows per table, read through a fresh connection (not the app's)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            counts = {}
            for table, column in (
                ("rooms", "id"),
                ("participants", "room_id"),
                ("events", "room_id"),
            ):
                query = f"SELECT COUNT(*) FROM {table}"  # fixed table names
                if room_id is None:
                    counts[table] = connection.execute(text(query)).scalar_one()
                else:
                    counts[table] = connection.execute(
                        text(f"{query} WHERE {column} = :room_id"), {"room_id": room_id}
                    ).scalar_one()
            return counts
    finally:
        engine.dispose()


def room_id(database_url: str, code: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found: int = connection.execute(
                text("SELECT id FROM rooms WHERE code = :code"), {"code": code}
            ).scalar_one()
            return found
    finally:
        engine.dispose()


# ------------------------------------------------------------------ workshops
def test_workshops_lists_the_visioning_workshop(client: TestClient) -> None:
    response = client.get("/api/workshops")
    assert response.status_code == 200
    workshops = response.json()
    assert isinstance(workshops, list)
    by_id = {w["id"]: w for w in workshops}
    assert "multi-agency-visioning" in by_id
    workshop = by_id["multi-agency-visioning"]
    assert isinstance(workshop["title"], str)
    assert workshop["title"]
    assert [p["id"] for p in workshop["phases"]] == PHASES
    assert all(isinstance(p["title"], str) and p["title"] for p in workshop["phases"])
    assert [p["id"] for p in workshop["perspectives"]] == PERSPECTIVES
    assert all(isinstance(p["label"], str) and p["label"] for p in workshop["perspectives"])
    rows = workshop["grid_rows"]
    assert len(rows) == 7
    assert len({r["key"] for r in rows}) == 7
    assert all(isinstance(r["prompt"], str) and r["prompt"] for r in rows)
    assert "mission" in {r["key"] for r in rows}


# ---------------------------------------------------------------------- rooms
def test_create_room_returns_code_token_and_urls(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"title": "Oakfield partnership"})
    assert response.status_code == 201, response.text
    body = response.json()
    code = body["code"]
    assert len(code) == 6
    assert all(ch in ALPHABET for ch in code)
    assert isinstance(body["facilitator_token"], str)
    assert len(body["facilitator_token"]) >= 22  # ≥ 128 bits, base64url or hex
    assert body["join_url"].endswith(f"/j/{code}")
    assert body["board_url"].endswith(f"/rooms/{code}/board")
    assert body["facilitator_url"].endswith(f"/rooms/{code}/control")
    for key in ("join_url", "board_url", "facilitator_url"):
        assert body[key].startswith("http://testserver/")


def test_each_room_gets_its_own_code_and_token(client: TestClient) -> None:
    first, second = make_room(client), make_room(client)
    assert first["code"] != second["code"]
    assert first["facilitator_token"] != second["facilitator_token"]


def test_public_url_setting_is_used_in_links(settings: Settings) -> None:
    custom = settings.model_copy(update={"public_url": "http://192.168.1.20:8000/"})
    with TestClient(create_app(custom)) as client:
        body = make_room(client)
    assert body["join_url"] == f"http://192.168.1.20:8000/j/{body['code']}"


def test_facilitator_snapshot_has_the_contract_shape(client: TestClient) -> None:
    room = make_room(client, title="  Oakfield   partnership ")
    body = snapshot(client, room["code"], room["facilitator_token"])
    assert body["code"] == room["code"]
    assert body["title"] == "Oakfield partnership"  # trimmed, runs of spaces folded
    assert body["setting"] == "Oakfield Primary"
    assert body["workshop"] == "multi-agency-visioning"
    assert body["phase"] == "lobby"
    assert body["seq"] == 0
    assert body["you"] == {"role": "facilitator", "participant_id": None}
    assert body["participants"] == []
    assert body["notes"] == []
    assert isinstance(body["grid"], dict)
    assert body["statements"] == {}


def test_join_then_participant_snapshot_and_listing(client: TestClient) -> None:
    room = make_room(client)
    code, facilitator = room["code"], room["facilitator_token"]
    response = client.post(
        f"/api/rooms/{code}/join", json={"name": " Priya  Shah ", "perspective": "health"}
    )
    assert response.status_code == 201, response.text
    joined = response.json()
    assert set(joined) >= {"participant_id", "token"}
    assert joined["token"] != facilitator

    mine = snapshot(client, code, joined["token"])
    assert mine["you"] == {"role": "participant", "participant_id": joined["participant_id"]}
    assert mine["seq"] == 1
    assert mine["phase"] == "lobby"

    theirs = snapshot(client, code, facilitator)
    assert theirs["seq"] == 1
    assert theirs["participants"] == [
        {
            "id": joined["participant_id"],
            "name": "Priya Shah",
            "perspective": "health",
            "online": False,
        }
    ]
    assert mine["participants"] == theirs["participants"]


def test_several_participants_each_in_their_perspective(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    ids = {
        perspective: join(client, code, name=f"Person {i}", perspective=perspective)[
            "participant_id"
        ]
        for i, perspective in enumerate(PERSPECTIVES)
    }
    body = snapshot(client, code, room["facilitator_token"])
    assert body["seq"] == len(PERSPECTIVES)
    assert {p["id"]: p["perspective"] for p in body["participants"]} == {
        pid: perspective for perspective, pid in ids.items()
    }


# --------------------------------------------------------------------- phases
def test_phase_change_forwards_and_back(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]

    response = client.post(
        f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phase"] == "purpose-write"
    assert body["seq"] == 1
    assert body["you"]["role"] == "facilitator"
    assert body["code"] == code

    # Jump forwards over several phases, then back to the start.
    response = client.post(
        f"/api/rooms/{code}/phase", json={"phase": "grid-agree"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["phase"] == "grid-agree"
    assert response.json()["seq"] == 2

    response = client.post(
        f"/api/rooms/{code}/phase", json={"phase": "lobby"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["phase"] == "lobby"
    assert response.json()["seq"] == 3

    assert snapshot(client, code, token)["phase"] == "lobby"


def test_every_phase_can_be_reached_in_order(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    for seq, phase in enumerate(PHASES[1:], start=1):
        response = client.post(
            f"/api/rooms/{code}/phase", json={"phase": phase}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        assert (response.json()["phase"], response.json()["seq"]) == (phase, seq)


def test_setting_the_current_phase_again_writes_nothing(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    response = client.post(
        f"/api/rooms/{code}/phase", json={"phase": "lobby"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["seq"] == 0


def test_participants_see_the_phase_change(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    participant = join(client, code)
    client.post(
        f"/api/rooms/{code}/phase",
        json={"phase": "purpose-write"},
        headers=bearer(room["facilitator_token"]),
    )
    assert snapshot(client, code, participant["token"])["phase"] == "purpose-write"


# ----------------------------------------------------------------------- lock
def test_lock_refuses_new_joiners_and_unlock_admits_them(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    join(client, code, name="Early")

    response = client.post(f"/api/rooms/{code}/lock", json={"locked": True}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["locked"] is True
    assert snapshot(client, code, token)["locked"] is True

    refused = client.post(f"/api/rooms/{code}/join", json={"name": "Late", "perspective": "health"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "room_locked"
    assert refused.json()["error"]["message"]
    body = snapshot(client, code, token)
    assert [p["name"] for p in body["participants"]] == ["Early"]
    assert body["seq"] == 2  # join + lock; the refused join wrote nothing

    response = client.post(f"/api/rooms/{code}/lock", json={"locked": False}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["locked"] is False
    join(client, code, name="Late")
    assert [p["name"] for p in snapshot(client, code, token)["participants"]] == ["Early", "Late"]


def test_closed_room_refuses_joiners(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.post(f"/api/rooms/{code}/phase", json={"phase": "closed"}, headers=bearer(token))
    refused = client.post(f"/api/rooms/{code}/join", json={"name": "Late", "perspective": "health"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "room_closed"


# ------------------------------------------------------------ removing people
def test_removed_participant_token_is_refused_at_once(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    leaving = join(client, code, name="Leaving")
    staying = join(client, code, name="Staying", perspective="education")
    assert snapshot(client, code, leaving["token"])["you"]["participant_id"]

    response = client.delete(
        f"/api/rooms/{code}/participants/{leaving['participant_id']}", headers=bearer(token)
    )
    assert response.status_code == 204
    assert response.content == b""

    refused = client.get(f"/api/rooms/{code}", headers=bearer(leaving["token"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"

    body = snapshot(client, code, token)
    assert [p["id"] for p in body["participants"]] == [staying["participant_id"]]
    assert snapshot(client, code, staying["token"])["you"]["role"] == "participant"


def test_removing_an_unknown_participant_is_404(client: TestClient) -> None:
    room = make_room(client)
    response = client.delete(
        f"/api/rooms/{room['code']}/participants/00000000-0000-4000-8000-000000000000",
        headers=bearer(room["facilitator_token"]),
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "participant_not_found"


# ------------------------------------------------------------ deleting a room
def test_delete_room_removes_every_row(client: TestClient, settings: Settings) -> None:
    doomed = make_room(client, title="Doomed")
    kept = make_room(client, title="Kept")
    code, token = doomed["code"], doomed["facilitator_token"]
    join(client, code, name="A")
    join(client, code, name="B", perspective="education")
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(token))
    join(client, kept["code"], name="C")

    doomed_id = room_id(settings.database_url, code)
    kept_id = room_id(settings.database_url, kept["code"])
    assert count_rows(settings.database_url, doomed_id) == {
        "rooms": 1,
        "participants": 2,
        "events": 3,
    }

    response = client.delete(f"/api/rooms/{code}", headers=bearer(token))
    assert response.status_code == 204
    assert response.content == b""

    gone = client.get(f"/api/rooms/{code}", headers=bearer(token))
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "room_not_found"
    assert (
        client.post(
            f"/api/rooms/{code}/join", json={"name": "Z", "perspective": "health"}
        ).status_code
        == 404
    )

    assert count_rows(settings.database_url, doomed_id) == {
        "rooms": 0,
        "participants": 0,
        "events": 0,
    }
    # The other room is untouched.
    assert count_rows(settings.database_url, kept_id) == {
        "rooms": 1,
        "participants": 1,
        "events": 1,
    }
    assert count_rows(settings.database_url) == {"rooms": 1, "participants": 1, "events": 1}
    assert (
        snapshot(client, kept["code"], kept["facilitator_token"])["participants"][0]["name"] == "C"
    )


def test_delete_room_twice_is_404(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    assert client.delete(f"/api/rooms/{code}", headers=bearer(token)).status_code == 204
    again = client.delete(f"/api/rooms/{code}", headers=bearer(token))
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "room_not_found"


def test_deleted_room_is_gone_for_a_fresh_app(client: TestClient, settings: Settings) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    join(client, code)
    assert client.delete(f"/api/rooms/{code}", headers=bearer(token)).status_code == 204
    with TestClient(create_app(settings)) as fresh:
        assert fresh.get(f"/api/rooms/{code}", headers=bearer(token)).status_code == 404


# -------------------------------------------------------------------- archive
def test_archive_has_room_and_events_in_seq_order(client: TestClient) -> None:
    room = make_room(client, title="Archive me")
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code, name="Priya")
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(token))
    client.post(f"/api/rooms/{code}/lock", json={"locked": True}, headers=bearer(token))
    client.post(f"/api/rooms/{code}/phase", json={"phase": "lobby"}, headers=bearer(token))

    response = client.get(f"/api/rooms/{code}/archive", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert code in response.headers.get("content-disposition", "")
    body = response.json()
    assert body["room"]["code"] == code
    assert body["room"]["title"] == "Archive me"
    assert body["room"]["workshop"] == "multi-agency-visioning"
    events = body["events"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert [e["type"] for e in events] == [
        "participant.joined",
        "phase.changed",
        "room.locked",
        "phase.changed",
    ]
    assert events[0]["data"]["participant"]["id"] == priya["participant_id"]
    assert events[0]["data"]["participant"]["name"] == "Priya"
    assert events[1]["data"] == {"phase": "purpose-write", "previous": "lobby"}
    assert events[2]["data"] == {"locked": True}
    assert events[3]["data"] == {"phase": "lobby", "previous": "purpose-write"}
    for event in events:
        assert event["at"].endswith("Z")


# ------------------------------------------------------------- code handling
def test_codes_are_case_insensitive_in_paths(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    lower = code.lower()

    joined = client.post(
        f"/api/rooms/{lower}/join", json={"name": "Lower", "perspective": "education"}
    )
    assert joined.status_code == 201, joined.text
    body = snapshot(client, lower, token)
    assert body["code"] == code
    assert [p["name"] for p in body["participants"]] == ["Lower"]
    assert snapshot(client, lower, joined.json()["token"])["you"]["role"] == "participant"

    response = client.post(
        f"/api/rooms/{lower}/phase", json={"phase": "purpose-write"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["phase"] == "purpose-write"
    response = client.post(f"/api/rooms/{lower}/lock", json={"locked": True}, headers=bearer(token))
    assert response.status_code == 200
    assert client.get(f"/api/rooms/{lower}/archive", headers=bearer(token)).status_code == 200
    assert client.delete(f"/api/rooms/{lower}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/rooms/{code}", headers=bearer(token)).status_code == 404


# ------------------------------------------------------------------- passcode
@pytest.fixture
def passcode_client(settings: Settings) -> Iterator[TestClient]:
    guarded = settings.model_copy(update={"facilitator_passcode": SecretStr("s3cret")})
    with TestClient(create_app(guarded)) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Facilitator-Passcode": "wrong"}, {"X-Facilitator-Passcode": ""}],
    ids=["missing", "wrong", "empty"],
)
def test_passcode_is_required_when_set(
    passcode_client: TestClient, settings: Settings, headers: dict[str, str]
) -> None:
    response = passcode_client.post("/api/rooms", json={"title": "Guarded"}, headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "passcode_required"
    assert error["message"]
    assert count_rows(settings.database_url)["rooms"] == 0


def test_right_passcode_creates_the_room(passcode_client: TestClient) -> None:
    response = passcode_client.post(
        "/api/rooms", json={"title": "Guarded"}, headers={"X-Facilitator-Passcode": "s3cret"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert snapshot(passcode_client, body["code"], body["facilitator_token"])["title"] == "Guarded"


def test_non_ascii_passcode_header_is_refused_not_a_500(settings: Settings) -> None:
    guarded = settings.model_copy(update={"facilitator_passcode": SecretStr("s3cret")})
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        response = client.post(
            "/api/rooms",
            json={"title": "Guarded"},
            headers={b"X-Facilitator-Passcode": "café".encode()},
        )
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "passcode_required"


def test_non_ascii_passcode_setting_works(settings: Settings) -> None:
    guarded = settings.model_copy(update={"facilitator_passcode": SecretStr("pässwort")})
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        wrong = client.post(
            "/api/rooms", json={"title": "Guarded"}, headers={"X-Facilitator-Passcode": "wrong"}
        )
        assert wrong.status_code == 401, wrong.text
        # What curl sends for -H "X-Facilitator-Passcode: pässwort": the UTF-8 bytes.
        right = client.post(
            "/api/rooms",
            json={"title": "Guarded"},
            headers={b"X-Facilitator-Passcode": "pässwort".encode()},
        )
        assert right.status_code == 201, right.text


def test_without_passcode_setting_no_header_is_needed(client: TestClient) -> None:
    response = client.post(
        "/api/rooms", json={"title": "Open"}, headers={"X-Facilitator-Passcode": "anything"}
    )
    assert response.status_code == 201


def test_blank_passcode_setting_means_no_passcode(settings: Settings) -> None:
    blank = Settings(
        _env_file=None,
        database_url=settings.database_url,
        broker_url="memory://",
        facilitator_passcode=SecretStr("   "),
    )
    assert blank.facilitator_passcode is None
    with TestClient(create_app(blank)) as client:
        assert client.post("/api/rooms", json={"title": "Open"}).status_code == 201


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_tokens_are_stored_hashed(client: TestClient, settings: Settings) -> None:
    room = make_room(client)
    participant = join(client, room["code"])
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            stored = [
                *connection.execute(text("SELECT facilitator_token_hash FROM rooms")).scalars(),
                *connection.execute(text("SELECT token_hash FROM participants")).scalars(),
            ]
    finally:
        engine.dispose()
    assert len(stored) == 2
    for raw in (room["facilitator_token"], participant["token"]):
        assert raw not in stored
        assert all(raw not in value for value in stored)
