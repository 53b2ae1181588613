"""Cross-site requests: websockets and cookie posts from another origin are refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.web.app import create_app
from tests.conftest import bearer, join, make_room

EVIL = "http://evil.example"
OWN = "http://testserver"


def phase_of(client: TestClient, code: str, token: str) -> str:
    phase: str = client.get(f"/api/rooms/{code}", headers=bearer(token)).json()["phase"]
    return phase


def test_live_socket_from_another_site_is_refused(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    phone = join(client, code)
    client.cookies.set(f"cg_{code}", phone["token"])
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(f"/rooms/{code}/live?view=phone", headers={"Origin": EVIL}) as ws,
    ):
        ws.receive_text()
    with client.websocket_connect(f"/rooms/{code}/live?view=phone", headers={"Origin": OWN}) as ws:
        assert 'id="phone-phase"' in ws.receive_text()


def test_event_socket_from_another_site_is_refused_even_with_a_token(client: TestClient) -> None:
    room = make_room(client)
    headers = {**bearer(room["facilitator_token"]), "Origin": EVIL}
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(f"/api/rooms/{room['code']}/events", headers=headers) as ws,
    ):
        ws.receive_json()


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Referer": f"{EVIL}/page"}, {"Origin": "null"}],
    ids=["origin", "referer", "null-origin"],
)
def test_cookie_form_post_from_another_site_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.cookies.set(f"cg_{code}", token)
    response = client.post(
        f"/rooms/{code}/phase",
        data={"phase": "purpose-write"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "foreign_origin"
    assert phase_of(client, code, token) == "lobby"


def test_same_origin_cookie_post_works(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.cookies.set(f"cg_{code}", token)
    response = client.post(
        f"/rooms/{code}/phase",
        data={"phase": "purpose-write"},
        headers={"Origin": OWN},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert phase_of(client, code, token) == "purpose-write"


def test_api_clients_with_a_token_are_not_affected(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    response = client.post(
        f"/api/rooms/{code}/phase",
        json={"phase": "purpose-write"},
        headers={**bearer(token), "Origin": EVIL},
    )
    assert response.status_code == 200


def test_allowed_origins_are_accepted(settings: Settings) -> None:
    partner = "https://partner.example"
    app = create_app(settings.model_copy(update={"allowed_origins": [partner]}))
    with TestClient(app) as client:
        room = make_room(client)
        code, token = room["code"], room["facilitator_token"]
        client.cookies.set(f"cg_{code}", token)
        response = client.post(
            f"/rooms/{code}/phase",
            data={"phase": "purpose-write"},
            headers={"Origin": partner},
            follow_redirects=False,
        )
        assert response.status_code == 303


def test_bodies_over_the_limit_are_refused_with_413(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    phone = join(client, code)
    big = "x" * 70_000
    response = client.post(
        f"/api/rooms/{code}/notes", json={"text": big}, headers=bearer(phone["token"])
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_streamed_bodies_over_the_limit_are_refused_with_413(client: TestClient) -> None:
    room = make_room(client)
    phone = join(client, room["code"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server has to count
        for _ in range(80):
            yield b"x" * 1000

    response = client.post(
        f"/api/rooms/{room['code']}/notes",
        content=chunks(),
        headers={**bearer(phone["token"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


# -------------------------------------------------------------- guessing codes
def test_guessing_room_codes_is_slowed_down_per_address(settings: Settings) -> None:
    strict = settings.model_copy(
        update={"unknown_code_burst": 5, "unknown_code_interval_seconds": 60}
    )
    with TestClient(create_app(strict)) as client:
        statuses = [
            client.post(
                "/api/rooms/ZZZZZ2/join", json={"name": "X", "perspective": "health"}
            ).status_code
            for _ in range(7)
        ]
        assert statuses[:5] == [404] * 5
        assert statuses[5:] == [429, 429]
        refused = client.get("/join?code=ZZZZZ3")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "too_many_requests"
        # Other pages are not affected.
        assert client.get("/healthz").status_code == 200


def test_a_whole_school_behind_one_address_still_joins(settings: Settings) -> None:
    """300 phones from one NAT address join a real room: successes never count against
    the guessing limit. (Joins are paced per address and room past JOIN_BURST: at the
    default pace, tests/web/test_join_flood.py.)"""
    strict = settings.model_copy(update={"unknown_code_burst": 3})
    with TestClient(create_app(strict)) as client:
        room = make_room(client)
        for i in range(300):
            response = client.post(
                f"/api/rooms/{room['code']}/join",
                json={"name": f"Pupil {i}", "perspective": "education"},
            )
            assert response.status_code == 201, (i, response.text)
        # A couple of typos along the way are fine too (the friendly page, as a 404).
        typo = client.get("/join?code=ZZZZZ4")
        assert typo.status_code == 404
        assert "could not find a room" in typo.text


# --------------------------------------------------------------------- floods
def test_a_flood_of_requests_from_one_address_is_refused(settings: Settings) -> None:
    strict = settings.model_copy(update={"request_burst": 10, "requests_per_second": 0.1})
    with TestClient(create_app(strict)) as client:
        statuses = [client.get("/api/workshops").status_code for _ in range(12)]
        assert statuses[:10] == [200] * 10
        assert statuses[10:] == [429, 429]
        refused = client.get("/api/workshops")
        assert refused.json()["error"]["code"] == "too_many_requests"
        assert int(refused.headers["retry-after"]) >= 1
        # Static files and the health check are not counted.
        assert client.get("/healthz").status_code == 200
        assert client.get("/static/app.css").status_code == 200


def test_a_socket_that_floods_the_server_is_closed(client: TestClient) -> None:
    room = make_room(client)
    with client.websocket_connect(
        f"/api/rooms/{room['code']}/events", headers=bearer(room["facilitator_token"])
    ) as ws:
        assert ws.receive_json()["type"] == "snapshot"
        for _ in range(40):
            ws.send_text("hello")
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(ws)
        assert closed.value.code == 1008


def drain(ws: Any) -> None:
    """Read until the server closes the socket (bounded: 100 messages at most)."""
    for _ in range(100):
        ws.receive_json()
