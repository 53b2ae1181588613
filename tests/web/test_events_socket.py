"""The JSON event stream: WS /api/rooms/{code}/events (shared/api.md, "Events").

TestClient websockets are synchronous and `receive` blocks, so every read
here goes through `receive` (tests/web/support.py), which gives up after a few
seconds instead of hanging the run, and tests only wait for messages that must come.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.conftest import bearer, join, make_room
from tests.web.support import connect, events_url, post_phase, receive, receive_event

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def receive_until_closed(ws: WebSocketTestSession) -> tuple[list[dict[str, Any]], int]:
    """Every message until the server closes the socket, and the close code."""
    messages = []
    while True:
        try:
            messages.append(receive(ws))
        except WebSocketDisconnect as closed:
            return messages, closed.code


def assert_event_shape(event: dict[str, Any]) -> None:
    assert set(event) >= {"seq", "type", "at", "data"}, event
    assert isinstance(event["seq"], int)
    assert event["seq"] >= 1
    assert isinstance(event["type"], str)
    assert ISO_UTC.match(event["at"]), event["at"]
    assert isinstance(event["data"], dict)


def post_lock(client: TestClient, code: str, token: str, locked: bool) -> None:
    response = client.post(
        f"/api/rooms/{code}/lock", json={"locked": locked}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text


# ------------------------------------------------------------------- snapshot
def test_first_message_is_the_snapshot(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    with connect(client, code, token) as ws:
        first = receive(ws)
    assert first["type"] == "snapshot"
    assert first["seq"] == 1
    snapshot = first["data"]
    assert snapshot["code"] == code
    assert snapshot["seq"] == 1
    assert snapshot["phase"] == "lobby"
    assert snapshot["you"] == {"role": "facilitator", "participant_id": None}
    assert [p["id"] for p in snapshot["participants"]] == [priya["participant_id"]]


def test_participant_snapshot_is_filtered_for_them(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    priya = join(client, code)
    with connect(client, code, priya["token"]) as ws:
        first = receive(ws)
        assert first["type"] == "snapshot"
        assert first["data"]["you"] == {
            "role": "participant",
            "participant_id": priya["participant_id"],
        }
        # Their own socket makes them online; everyone hears it (seq null: not logged).
        presence = receive(ws)
    assert presence == {
        "seq": None,
        "type": "presence.changed",
        "data": {"participant_id": priya["participant_id"], "online": True},
    }


def test_lower_case_code_works_on_the_socket(client: TestClient) -> None:
    room = make_room(client)
    with connect(client, room["code"].lower(), room["facilitator_token"]) as ws:
        first = receive(ws)
    assert first["type"] == "snapshot"
    assert first["data"]["code"] == room["code"]


# --------------------------------------------------------------- live events
def test_facilitator_and_participant_receive_the_same_events_in_order(
    client: TestClient,
) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    with (
        connect(client, code, token) as facilitator,
        connect(client, code, priya["token"]) as phone,
    ):
        assert receive(facilitator)["seq"] == 1
        assert receive(phone)["seq"] == 1

        post_phase(client, code, token, "purpose-write")
        sam = join(client, code, name="Sam", perspective="education")
        post_lock(client, code, token, True)

        seen = {}
        for name, ws in (("facilitator", facilitator), ("participant", phone)):
            seen[name] = [receive_event(ws) for _ in range(3)]

    assert seen["facilitator"] == seen["participant"]
    events = seen["facilitator"]
    for event in events:
        assert_event_shape(event)
    assert [e["seq"] for e in events] == [2, 3, 4]
    assert [e["type"] for e in events] == ["phase.changed", "participant.joined", "room.locked"]
    assert events[0]["data"] == {"phase": "purpose-write", "previous": "lobby"}
    assert events[1]["data"]["participant"]["id"] == sam["participant_id"]
    assert events[1]["data"]["participant"]["name"] == "Sam"
    assert events[1]["data"]["participant"]["perspective"] == "education"
    assert events[2]["data"] == {"locked": True}


def test_refused_commands_send_no_events(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    with connect(client, code, token) as ws:
        assert receive(ws)["seq"] == 0
        refused = client.post(
            f"/api/rooms/{code}/phase", json={"phase": "nope"}, headers=bearer(token)
        )
        assert refused.status_code == 422
        post_phase(client, code, token, "lobby")  # no change: no event
        post_lock(client, code, token, True)
        event = receive_event(ws)
    # The next event is the lock, numbered 1: nothing was logged before it.
    assert (event["seq"], event["type"]) == (1, "room.locked")


# -------------------------------------------------------------------- replay
def _room_with_three_events(client: TestClient) -> tuple[str, str]:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    join(client, code)  # 1
    post_phase(client, code, token, "purpose-write")  # 2
    post_lock(client, code, token, True)  # 3
    return code, token


def test_since_replays_the_missed_events_then_continues_live(client: TestClient) -> None:
    code, token = _room_with_three_events(client)
    with connect(client, code, token, since=1) as ws:
        replayed = [receive(ws), receive(ws)]
        post_lock(client, code, token, False)  # 4, live
        live = receive(ws)
    for event in [*replayed, live]:
        assert_event_shape(event)
    assert [(e["seq"], e["type"]) for e in replayed] == [(2, "phase.changed"), (3, "room.locked")]
    assert (live["seq"], live["type"], live["data"]) == (4, "room.locked", {"locked": False})


def test_since_zero_replays_everything(client: TestClient) -> None:
    code, token = _room_with_three_events(client)
    with connect(client, code, token, since=0) as ws:
        replayed = [receive(ws) for _ in range(3)]
        post_phase(client, code, token, "purpose-sort")  # 4
        live = receive(ws)
    assert [e["type"] for e in replayed] == ["participant.joined", "phase.changed", "room.locked"]
    assert [e["seq"] for e in [*replayed, live]] == [1, 2, 3, 4]
    assert live["data"] == {"phase": "purpose-sort", "previous": "purpose-write"}


def test_since_now_replays_nothing(client: TestClient) -> None:
    code, token = _room_with_three_events(client)
    with connect(client, code, token, since=3) as ws:
        post_phase(client, code, token, "lobby")  # 4
        first = receive(ws)
    assert (first["seq"], first["type"]) == (4, "phase.changed")


def test_replay_matches_the_live_stream(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    with connect(client, code, token) as ws:
        assert receive(ws)["type"] == "snapshot"
        join(client, code)
        post_phase(client, code, token, "purpose-write")
        live = [receive_event(ws), receive_event(ws)]
    with connect(client, code, token, since=0) as ws:
        replayed = [receive(ws), receive(ws)]
    assert replayed == live


def test_participant_replay_after_reconnect(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)  # 1
    with connect(client, code, priya["token"]) as ws:
        last = receive(ws)["seq"]
    assert last == 1
    post_phase(client, code, token, "purpose-write")  # 2 (missed while away)
    with connect(client, code, priya["token"], since=last) as ws:
        missed = receive_event(ws)
        post_lock(client, code, token, True)  # 3
        live = receive_event(ws)
    assert [(e["seq"], e["type"]) for e in (missed, live)] == [
        (2, "phase.changed"),
        (3, "room.locked"),
    ]


# ------------------------------------------------------------------ presence
def test_presence_changes_have_null_seq_and_do_not_break_the_order(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)  # 1
    with connect(client, code, token) as facilitator:
        assert receive(facilitator)["seq"] == 1
        with connect(client, code, priya["token"]) as phone:
            assert receive(phone)["type"] == "snapshot"
            post_phase(client, code, token, "purpose-write")  # 2
            assert receive_event(phone)["seq"] == 2
        post_lock(client, code, token, True)  # 3, after the phone left
        messages: list[dict[str, Any]] = []
        while not messages or messages[-1]["seq"] != 3:
            messages.append(receive(facilitator))
    pid = priya["participant_id"]
    presence = [m for m in messages if m["type"] == "presence.changed"]
    logged = [m for m in messages if m["type"] != "presence.changed"]
    assert [(m["seq"], m["type"]) for m in logged] == [(2, "phase.changed"), (3, "room.locked")]
    assert presence == [
        {"seq": None, "type": "presence.changed", "data": {"participant_id": pid, "online": True}},
        {"seq": None, "type": "presence.changed", "data": {"participant_id": pid, "online": False}},
    ]
    # Online came before the phase change (the phone connected first).
    assert messages[0] == presence[0]


def test_presence_shows_in_the_snapshot(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    with connect(client, code, priya["token"]) as phone:
        assert receive(phone)["type"] == "snapshot"
        assert receive(phone)["type"] == "presence.changed"
        with connect(client, code, token) as facilitator:
            first = receive(facilitator)
        assert first["data"]["participants"][0]["online"] is True
        body = client.get(f"/api/rooms/{code}", headers=bearer(token)).json()
        assert body["participants"][0]["online"] is True


# ------------------------------------------------------------------- removal
def test_removed_participant_socket_is_closed(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    with (
        connect(client, code, token) as facilitator,
        connect(client, code, priya["token"]) as phone,
    ):
        assert receive(facilitator)["type"] == "snapshot"
        assert receive(phone)["type"] == "snapshot"
        response = client.delete(
            f"/api/rooms/{code}/participants/{priya['participant_id']}", headers=bearer(token)
        )
        assert response.status_code == 204
        messages, close_code = receive_until_closed(phone)
        removed = receive_event(facilitator)
    assert close_code == 4403
    logged = [m for m in messages if m["type"] != "presence.changed"]
    assert [(m["seq"], m["type"]) for m in logged] == [(2, "participant.removed")]
    assert logged[0]["data"] == {"participant_id": priya["participant_id"]}
    assert removed == logged[0]


def test_removed_participant_cannot_reconnect(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    client.delete(
        f"/api/rooms/{code}/participants/{priya['participant_id']}", headers=bearer(token)
    )
    with pytest.raises(WebSocketDenialResponse) as refused:
        connect(client, code, priya["token"]).__enter__()
    assert refused.value.status_code == 401
    assert refused.value.json()["error"]["code"] == "unauthorized"


def test_deleted_room_closes_its_sockets(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    priya = join(client, code)
    with connect(client, code, priya["token"]) as phone:
        assert receive(phone)["type"] == "snapshot"
        assert client.delete(f"/api/rooms/{code}", headers=bearer(token)).status_code == 204
        _, close_code = receive_until_closed(phone)
    assert close_code == 4404


# ------------------------------------------------------------------- refusals
def _refusal(client: TestClient, url: str, headers: dict[str, str]) -> WebSocketDenialResponse:
    with pytest.raises(WebSocketDenialResponse) as refused:
        client.websocket_connect(url, headers=headers).__enter__()
    body = refused.value.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return refused.value


def test_unknown_room_is_refused(client: TestClient) -> None:
    token = make_room(client)["facilitator_token"]
    refused = _refusal(client, events_url("ZZZZZZ"), bearer(token))
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "room_not_found"


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("x" * 43), {"Authorization": "Bearer"}],
    ids=["no-token", "forged", "empty"],
)
def test_bad_token_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    room = make_room(client)
    refused = _refusal(client, events_url(room["code"]), headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_token_of_another_room_is_refused(client: TestClient) -> None:
    first, second = make_room(client), make_room(client)
    participant = join(client, first["code"])
    for token in (first["facilitator_token"], participant["token"]):
        refused = _refusal(client, events_url(second["code"]), bearer(token))
        assert refused.status_code == 401


def test_negative_since_is_refused(client: TestClient) -> None:
    room = make_room(client)
    refused = _refusal(
        client, events_url(room["code"], since=-1), bearer(room["facilitator_token"])
    )
    assert refused.status_code == 422


@pytest.mark.parametrize("since", [2**63, 10**30], ids=["2**63", "10**30"])
def test_out_of_range_since_is_refused(client: TestClient, since: int) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    refused = _refusal(client, events_url(code, since=since), bearer(token))
    assert refused.status_code == 422
    with connect(client, code, token) as ws:
        assert receive(ws)["type"] == "snapshot"


def test_non_integer_since_is_refused(client: TestClient) -> None:
    room = make_room(client)
    url = f"/api/rooms/{room['code']}/events?since=abc"
    with pytest.raises(WebSocketDisconnect):
        client.websocket_connect(url, headers=bearer(room["facilitator_token"])).__enter__()


def test_a_refused_socket_does_not_stop_the_room(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    _refusal(client, events_url(code), bearer("x" * 43))
    with connect(client, code, token) as ws:
        assert receive(ws)["type"] == "snapshot"
        post_phase(client, code, token, "purpose-write")
        assert receive_event(ws)["type"] == "phase.changed"


# --------------------------------------------------------------- concurrency
def test_concurrent_joins_get_gap_free_seqs_delivered_in_order(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    count = 12
    with connect(client, code, token) as ws:
        assert receive(ws)["seq"] == 0
        with ThreadPoolExecutor(max_workers=6) as pool:
            joined = list(
                pool.map(
                    lambda i: join(client, code, name=f"Person {i}", perspective="education"),
                    range(count),
                )
            )
        events = [receive_event(ws) for _ in range(count)]
    assert [e["seq"] for e in events] == list(range(1, count + 1))
    assert {e["data"]["participant"]["id"] for e in events} == {j["participant_id"] for j in joined}
    archive = client.get(f"/api/rooms/{code}/archive", headers=bearer(token)).json()
    assert [e["seq"] for e in archive["events"]] == list(range(1, count + 1))
    assert archive["events"] == [
        {**e, "actor": a["actor"], "private_to": a["private_to"]}
        for e, a in zip(events, archive["events"], strict=True)
    ]
