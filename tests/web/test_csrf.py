"""CSRF, beyond the plain cases of test_edge.py: only Bearer is exempt (and then no cookie
is read), `Origin: null` is foreign whatever the Referer says, `Sec-Fetch-Site` is
heeded, and forms that sign a browser in (join, facilitate, create) are checked too."""

from __future__ import annotations

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


def post_phase(client: TestClient, code: str, headers: dict[str, str], *, api: bool) -> int:
    if api:
        url, kwargs = f"/api/rooms/{code}/phase", {"json": {"phase": "purpose-write"}}
    else:
        url, kwargs = f"/rooms/{code}/phase", {"data": {"phase": "purpose-write"}}
    response = client.post(url, headers=headers, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
    return response.status_code


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic dXNlcjpwYXNz", "Origin": EVIL},
        {"Origin": "null", "Referer": f"{OWN}/rooms/x/control"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": OWN},
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN},
    ],
    ids=["basic-auth", "null-origin-own-referer", "fetch-cross-site", "same-site", "claims-own"],
)
@pytest.mark.parametrize("api", [False, True], ids=["form", "api"])
def test_a_cookie_write_from_another_site_is_refused(
    client: TestClient, headers: dict[str, str], api: bool
) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.cookies.set(f"cg_{code}", token)
    assert post_phase(client, code, headers, api=api) == 403
    client.cookies.clear()
    assert phase_of(client, code, token) == "lobby"


@pytest.mark.parametrize("scheme", ["Bearer ", "Bearer not-a-token", "bearer   "])
def test_a_bearer_request_never_rides_on_the_cookie(client: TestClient, scheme: str) -> None:
    """Exempt from the origin check, so the cookie must not count for it."""
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.cookies.set(f"cg_{code}", token)
    status = post_phase(client, code, {"Authorization": scheme, "Origin": EVIL}, api=True)
    client.cookies.clear()
    assert status == 401
    assert phase_of(client, code, token) == "lobby"


def test_same_origin_browsers_and_bearer_clients_still_work(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    client.cookies.set(f"cg_{code}", token)
    headers = {"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    assert post_phase(client, code, headers, api=False) == 303
    client.cookies.clear()
    moved = client.post(
        f"/api/rooms/{code}/phase",
        json={"phase": "lobby"},
        headers={**bearer(token), "Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert moved.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}],
    ids=["origin", "fetch-site", "null"],
)
def test_forms_that_sign_a_browser_in_are_checked_too(
    client: TestClient, headers: dict[str, str]
) -> None:
    """Login CSRF: another site must not sign your browser into a room as someone else."""
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    attempts = [
        ("/join", {"code": code, "name": "Planted", "perspective": "health"}),
        (f"/rooms/{code}/facilitate", {"key": fac}),
        ("/rooms", {"title": "Planted room", "workshop": "multi-agency-visioning"}),
    ]
    for path, form in attempts:
        response = client.post(path, data=form, headers=headers, follow_redirects=False)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "foreign_origin"
        assert "set-cookie" not in response.headers
    assert client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()["participants"] == []


def test_the_same_forms_from_this_site_work(client: TestClient) -> None:
    room = make_room(client)
    joined = client.post(
        "/join",
        data={"code": room["code"], "name": "Priya", "perspective": "health"},
        headers={"Origin": OWN, "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert joined.status_code == 303
    assert f"cg_{room['code']}" in joined.headers["set-cookie"]


def test_allowed_origins_pass_even_cross_site(settings: Settings) -> None:
    partner = "https://partner.example"
    app = create_app(settings.model_copy(update={"allowed_origins": [partner]}))
    with TestClient(app) as client:
        room = make_room(client)
        code = room["code"]
        join(client, code)
        client.cookies.set(f"cg_{code}", room["facilitator_token"])
        headers = {"Origin": partner, "Sec-Fetch-Site": "cross-site"}
        assert post_phase(client, code, headers, api=False) == 303


def test_a_cross_site_websocket_is_refused_by_sec_fetch_site(client: TestClient) -> None:
    room = make_room(client)
    phone = join(client, room["code"])
    client.cookies.set(f"cg_{room['code']}", phone["token"])
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            f"/rooms/{room['code']}/live?view=phone", headers={"Sec-Fetch-Site": "cross-site"}
        ) as ws,
    ):
        ws.receive_text()
