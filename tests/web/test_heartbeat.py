"""The pages' heartbeat over their live channel: "ping" is answered "pong", after what was
already queued for that socket; the JSON event stream (the contract) is left as it was."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.web.support import ToolkitRoom, connect, receive, receive_html


@pytest.mark.parametrize("view", ["phone", "board", "control"])
def test_a_ping_on_a_live_page_is_answered_pong(client: TestClient, view: str) -> None:
    room = ToolkitRoom.create(client, {"priya": ("Priya", "health")})
    who = "priya" if view == "phone" else "fac"
    url = f"/rooms/{room.code}/live?view={view}"
    with client.websocket_connect(url, headers=bearer(room.token(who))) as ws:
        first = receive_html(ws)  # the page's live blocks
        assert first != "pong"
        for _ in range(3):
            ws.send_text("ping")
            assert receive_html(ws) == "pong"


def test_the_json_event_stream_sends_no_pong(client: TestClient) -> None:
    room = ToolkitRoom.create(client, {"priya": ("Priya", "health")})
    with connect(client, room.code, room.fac) as ws:
        assert receive(ws)["type"] == "snapshot"
        ws.send_text("ping")
        room.phase("purpose-write")
        message = receive(ws)
        while message["type"] == "presence.changed":
            message = receive(ws)
        assert message["type"] == "phase.changed"
