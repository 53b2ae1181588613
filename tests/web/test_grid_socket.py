"""Task 1.2 live: contributions and spotlight on the JSON event stream and the HTML channel.

Every read goes through the `receive` helpers, which give up after a few
seconds instead of hanging the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape
from starlette.testclient import WebSocketTestSession

from tests.conftest import bearer, join, make_room
from tests.web.support import board_main, connect, post_phase, receive, receive_event, receive_html

HEALTH_TEXT = "Health visitors in school every week"
EDUCATION_TEXT = "Teachers & nurses plan together <weekly>"


def receive_html_until(
    ws: WebSocketTestSession, matches: Callable[[str], bool], limit: int = 8
) -> str:
    """The first pushed fragment `matches` accepts (presence re-renders may come first)."""
    seen = []
    for _ in range(limit):
        fragment = receive_html(ws)
        if matches(fragment):
            return fragment
        seen.append(fragment[:200])
    raise AssertionError(f"no matching fragment among {len(seen)}: {seen}")


def setup(client: TestClient) -> tuple[str, str, dict[str, dict[str, Any]]]:
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    people = {
        "priya": join(client, code, "Priya", "health"),
        "eleanor": join(client, code, "Eleanor", "education"),
    }
    return code, fac, people


def contribute(client: TestClient, code: str, token: str, row: str, text: str) -> dict[str, Any]:
    response = client.post(
        f"/api/rooms/{code}/grid/{row}/contributions", json={"text": text}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def spotlight(client: TestClient, code: str, fac: str, target: str | None) -> None:
    response = client.post(
        f"/api/rooms/{code}/spotlight", json={"target": target}, headers=bearer(fac)
    )
    assert response.status_code == 200, response.text


# --------------------------------------------------------------- JSON stream
def test_contributions_reach_every_member_in_seq_order(client: TestClient) -> None:
    code, fac, people = setup(client)
    tokens = {"fac": fac, "priya": people["priya"]["token"], "eleanor": people["eleanor"]["token"]}
    with ExitStack() as stack:
        sockets = {who: stack.enter_context(connect(client, code, t)) for who, t in tokens.items()}
        for ws in sockets.values():
            first = receive(ws)
            assert first["type"] == "snapshot"
            assert first["seq"] == 2
        post_phase(client, code, fac, "grid-write")  # 3
        made = [
            contribute(client, code, tokens["priya"], "mission", HEALTH_TEXT),  # 4
            contribute(client, code, tokens["eleanor"], "mission", EDUCATION_TEXT),  # 5
            contribute(client, code, tokens["priya"], "one-year", "A termly review"),  # 6
        ]
        seen = {who: [receive_event(ws) for _ in range(4)] for who, ws in sockets.items()}

    assert seen["fac"] == seen["priya"] == seen["eleanor"]
    events = seen["fac"]
    assert [e["seq"] for e in events] == [3, 4, 5, 6]
    assert events[0]["type"] == "phase.changed"
    added = events[1:]
    assert [e["type"] for e in added] == ["contribution.added"] * 3
    assert [(e["data"]["row"], e["data"]["contribution"]["perspective"]) for e in added] == [
        ("mission", "health"),
        ("mission", "education"),
        ("one-year", "health"),
    ]
    assert [e["data"]["contribution"] for e in added] == made
    assert added[1]["data"]["contribution"]["text"] == EDUCATION_TEXT
    assert added[0]["data"]["contribution"]["author_id"] == people["priya"]["participant_id"]


def test_concurrent_contributions_have_gap_free_seqs(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")  # 3
    jobs = [
        (people[who]["token"], row, f"{who} on {row}")
        for who in ("priya", "eleanor")
        for row in ("means", "mission", "outcomes", "effective", "barriers")
    ]
    with connect(client, code, fac) as ws:
        assert receive(ws)["seq"] == 3
        with ThreadPoolExecutor(max_workers=6) as pool:
            made = list(pool.map(lambda job: contribute(client, code, *job), jobs))
        events = [receive_event(ws) for _ in jobs]
    assert [e["seq"] for e in events] == list(range(4, 4 + len(jobs)))
    assert {e["data"]["contribution"]["id"] for e in events} == {m["id"] for m in made}
    for event in events:
        contribution = event["data"]["contribution"]
        who = contribution["text"].split(" on ")[0]
        assert contribution["perspective"] == {"priya": "health", "eleanor": "education"}[who]
        assert event["data"]["row"] == contribution["text"].split(" on ")[1]
    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()
    assert snapshot["seq"] == 3 + len(jobs)
    assert sum(len(r["contributions"]) for r in snapshot["grid"].values()) == len(jobs)


def test_spotlight_changes_reach_everyone(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")  # 3
    with (
        connect(client, code, fac) as facilitator,
        connect(client, code, people["priya"]["token"]) as phone,
    ):
        assert receive(facilitator)["seq"] == 3
        assert receive(phone)["seq"] == 3
        spotlight(client, code, fac, "grid.mission")  # 4
        spotlight(client, code, fac, "grid.mission")  # unchanged: no event
        spotlight(client, code, fac, None)  # 5
        for ws in (facilitator, phone):
            events = [receive_event(ws), receive_event(ws)]
            assert [(e["seq"], e["type"], e["data"]) for e in events] == [
                (4, "spotlight.changed", {"target": "grid.mission"}),
                (5, "spotlight.changed", {"target": None}),
            ]


def test_replay_includes_contributions_and_spotlight(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")  # 3
    contribute(client, code, people["priya"]["token"], "means", "Shared care")  # 4
    spotlight(client, code, fac, "grid.means")  # 5
    with connect(client, code, people["eleanor"]["token"], since=3) as ws:
        replayed = [receive_event(ws), receive_event(ws)]
    assert [(e["seq"], e["type"]) for e in replayed] == [
        (4, "contribution.added"),
        (5, "spotlight.changed"),
    ]
    assert replayed[0]["data"]["contribution"]["text"] == "Shared care"


# -------------------------------------------------------------- HTML channel


def test_board_channel_pushes_contributions_and_the_spotlight(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")
    client.cookies.set(f"cg_{code}", fac)
    with client.websocket_connect(f"/rooms/{code}/live?view=board") as ws:
        first = receive_html(ws)
        assert board_main(first)
        assert 'id="board-row-mission"' in first
        assert "Not written yet" in first

        contribute(client, code, people["eleanor"]["token"], "mission", EDUCATION_TEXT)
        update = receive_html_until(ws, lambda f: "Teachers" in f)
        assert not board_main(update)  # the cell that changed, not the whole board
        assert str(escape(EDUCATION_TEXT)) in update
        assert EDUCATION_TEXT not in update  # markup is escaped
        cell = re.search(
            r'<td id="board-cell-mission-education" class="grid-cell column--education[^"]*">'
            r"(.*?)</td>",
            update,
            re.S,
        )
        assert cell is not None
        assert str(escape(EDUCATION_TEXT)) in cell.group(1)

        spotlight(client, code, fac, "grid.mission")
        spot = receive_html_until(ws, lambda f: 'id="board-spotlight"' in f)
        assert board_main(spot)
        assert "board__main--spotlight" in spot
        assert "Mission statement" in spot
        assert str(escape(EDUCATION_TEXT)) in spot
        assert "grid-table" not in spot

        spotlight(client, code, fac, None)
        overview = receive_html_until(ws, lambda f: board_main(f) and "grid-table" in f)
        assert 'id="board-spotlight"' not in overview


def test_board_spotlight_follows_new_contributions(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")
    spotlight(client, code, fac, "grid.barriers")
    client.cookies.set(f"cg_{code}", fac)
    with client.websocket_connect(f"/rooms/{code}/live?view=board") as ws:
        first = receive_html(ws)
        assert 'id="board-spotlight"' in first
        assert "No Health statement yet" in first
        contribute(client, code, people["priya"]["token"], "barriers", "Different IT systems")
        update = receive_html_until(ws, lambda f: "Different IT systems" in f)
        assert 'id="board-spotlight"' in update


def test_phone_channel_shows_colleagues_statements_as_they_arrive(client: TestClient) -> None:
    code, fac, people = setup(client)
    post_phase(client, code, fac, "grid-write")
    client.cookies.set(f"cg_{code}", people["priya"]["token"])
    with client.websocket_connect(f"/rooms/{code}/live?view=phone") as ws:
        first = receive_html(ws)
        assert 'id="grid-text-mission"' in first
        contribute(client, code, people["eleanor"]["token"], "mission", "From education")
        update = receive_html_until(ws, lambda f: "From education" in f)
        assert 'data-in="phone-row-list-mission"' in update  # one item, in its prompt's list
        assert 'id="phone-task"' not in update


def test_control_channel_marks_the_spotlit_row(client: TestClient) -> None:
    code, fac, _ = setup(client)
    post_phase(client, code, fac, "grid-write")
    client.cookies.set(f"cg_{code}", fac)
    with client.websocket_connect(f"/rooms/{code}/live?view=control") as ws:
        first = receive_html(ws)
        assert "coverage-table__spot" not in first
        spotlight(client, code, fac, "grid.outcomes")
        update = receive_html_until(ws, lambda f: "coverage-table__spot" in f)
        assert 'id="control-task"' in update
        assert "Back to overview" in update
