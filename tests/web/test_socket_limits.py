"""What a socket may ask for: `since` is an ASCII whole number, and how many sockets
one token and one address may hold (in-process; the byte bounds are in
tests/reliability/test_stalled_sockets.py against a real server)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.config import Settings
from app.web.app import create_app
from tests.conftest import bearer, join, make_room
from tests.web.support import receive, receive_html

NOT_ASCII_DIGITS = ["²", "١٢", "٣", "¹⁰", "𝟘", "½", "1²"]
"""`str.isdigit` says yes to each of these, `int` refuses most: they were a 500."""


@pytest.mark.parametrize("since", NOT_ASCII_DIGITS)
def test_since_that_is_not_an_ascii_number_is_refused_with_422(
    client: TestClient, since: str
) -> None:
    room = make_room(client)
    url = f"/api/rooms/{room['code']}/events?since={since}"
    with pytest.raises(WebSocketDenialResponse) as refused:
        client.websocket_connect(url, headers=bearer(room["facilitator_token"])).__enter__()
    assert refused.value.status_code == 422
    assert refused.value.json()["error"]["code"] == "invalid_since"


@pytest.mark.parametrize("since", NOT_ASCII_DIGITS)
def test_a_page_with_an_odd_since_gets_its_whole_page(client: TestClient, since: str) -> None:
    room = make_room(client)
    phone = join(client, room["code"])
    client.cookies.set(f"cg_{room['code']}", phone["token"])
    with client.websocket_connect(f"/rooms/{room['code']}/live?view=phone&since={since}") as ws:
        assert 'id="phone-phase"' in receive_html(ws)


def test_a_plain_since_still_replays(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    join(client, code)
    with client.websocket_connect(f"/api/rooms/{code}/events?since=0", headers=bearer(token)) as ws:
        assert receive(ws)["seq"] == 1


def test_one_token_may_hold_eight_sockets(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    url = f"/api/rooms/{code}/events"
    with ExitStack() as stack:
        for _ in range(8):
            ws = stack.enter_context(client.websocket_connect(url, headers=bearer(token)))
            assert receive(ws)["type"] == "snapshot"
        with pytest.raises(WebSocketDenialResponse) as refused:
            client.websocket_connect(url, headers=bearer(token)).__enter__()
        assert refused.value.status_code == 429
        assert refused.value.json()["error"]["code"] == "too_many_sockets"
        # Another token is not affected.
        phone = join(client, code)
        with client.websocket_connect(url, headers=bearer(phone["token"])) as ws:
            assert receive(ws)["type"] == "snapshot"
    with client.websocket_connect(url, headers=bearer(token)) as ws:  # all closed: room again
        assert receive(ws)["type"] == "snapshot"


def test_one_address_may_hold_so_many_sockets(settings: Settings) -> None:
    capped = settings.model_copy(update={"max_sockets_per_address": 3})
    with TestClient(create_app(capped)) as client, ExitStack() as stack:
        room = make_room(client)
        tokens = [join(client, room["code"], f"P{n}")["token"] for n in range(4)]
        url = f"/api/rooms/{room['code']}/events"
        for token in tokens[:3]:
            ws = stack.enter_context(client.websocket_connect(url, headers=bearer(token)))
            assert receive(ws)["type"] == "snapshot"
        with pytest.raises(WebSocketDenialResponse) as refused:
            client.websocket_connect(url, headers=bearer(tokens[3])).__enter__()
        assert refused.value.status_code == 429
        assert "3 live connections" in refused.value.json()["error"]["message"]
