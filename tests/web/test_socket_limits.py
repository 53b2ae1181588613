"""What a socket may ask for: `since` is an ASCII whole number, and how many sockets
one token and one address may hold (in-process; the byte bounds are in
tests/reliability/test_stalled_sockets.py against a real server)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

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
