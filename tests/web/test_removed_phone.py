"""A phone the facilitator removed, reloading its page, is told why: one clear message
(as its live page was told on the socket's close), not the join page or an error."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from tests.web.support import ToolkitRoom, toolkit_room

REMOVED = "You were removed from this room by the facilitator"


def _phone(room: ToolkitRoom, token: str) -> tuple[int, str, str]:
    room.client.cookies.set(f"cg_{room.code}", token)
    try:
        response = room.client.get(f"/rooms/{room.code}/phone", follow_redirects=False)
    finally:
        room.client.cookies.clear()
    return response.status_code, response.headers.get("location", ""), response.text


def test_a_removed_phone_reloading_is_told_it_was_removed(client: TestClient) -> None:
    room = toolkit_room(client)
    status, _, page = _phone(room, room.token("sol"))
    assert status == 200
    assert REMOVED not in page
    room.ok(room.delete("fac", f"/participants/{room.pid('sol')}"), 204)

    status, location, page = _phone(room, room.token("sol"))
    assert status == 403
    assert not location
    assert page.count(REMOVED) == 2  # the title and the heading: one message
    assert "ask the facilitator to let you join again" in page
    assert 'name="perspective"' not in page  # not the join form
    assert "Sol Vantablack" not in page

    # Someone else in the room, and a token no one ever held, are not told they were removed.
    assert _phone(room, room.token("priya"))[0] == 200
    status, location, page = _phone(room, "not-a-token-anyone-held")
    assert status == 303
    assert location == f"/join?code={room.code}"


def test_the_message_is_in_welsh_for_a_welsh_phone(client: TestClient) -> None:
    room = toolkit_room(client)
    room.ok(room.delete("fac", f"/participants/{room.pid('eleanor')}"), 204)
    room.client.cookies.set(f"cg_{room.code}", room.token("eleanor"))
    try:
        response = room.client.get(
            f"/rooms/{room.code}/phone", headers={"Accept-Language": "cy"}, follow_redirects=False
        )
    finally:
        room.client.cookies.clear()
    assert response.status_code == 403
    assert "Nid yw'r ffôn hwn yn cymryd rhan mwyach" in html.unescape(response.text)
    assert REMOVED not in response.text
