"""The board's page, listed circle, join panel and projector mode: room state that every
board follows live, in small keyed updates.

A room of 30 and of 300 participants with 3 notes each, in the sort phase; a board and
a control view on /rooms/{code}/live. Each change the facilitator makes to the board
(over the JSON API or the control view's form) reaches both as one small element:
the board's marker (#board-view) and the control view's controls (#control-board),
each message within 2 KB.
"""

from __future__ import annotations

import re
import uuid
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.web.deps import cookie_name
from tests.conftest import bearer
from tests.web.support import HX, receive_html

BUDGET = 2048
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")
TEXT = "Every child in Oakfield safe, healthy and learning, with their family heard — {}"


def call(client: TestClient, code: str, token: str, path: str, body: Any = None) -> Any:
    response = client.post(f"/api/rooms/{code}{path}", json=body, headers=bearer(token))
    assert response.status_code < 300, response.text
    return response.json()


def sorting_room(client: TestClient, size: int) -> tuple[str, str]:
    """A room of `size` people with 3 notes each, in the sort phase: (code, token)."""
    created = client.post("/api/rooms", json={"title": "Oakfield partnership"}).json()
    code, fac = created["code"], created["facilitator_token"]
    people = []
    for index in range(size):
        joined = client.post(
            f"/api/rooms/{code}/join",
            json={"name": f"Person {index}", "perspective": PERSPECTIVES[index % 4]},
        )
        assert joined.status_code == 201, joined.text
        people.append(joined.json()["token"])
    call(client, code, fac, "/phase", {"phase": "purpose-write"})
    for index, token in enumerate(people):
        for k in range(3):
            body = {"id": str(uuid.uuid4()), "text": TEXT.format(f"{index}.{k}")}
            call(client, code, token, "/notes", body)
    call(client, code, fac, "/phase", {"phase": "purpose-sort"})
    return code, fac


def screen(stack: ExitStack, client: TestClient, code: str, token: str, view: str) -> Any:
    client.cookies.clear()
    socket: WebSocketTestSession = stack.enter_context(
        client.websocket_connect(
            f"/rooms/{code}/live?view={view}", headers={"cookie": f"{cookie_name(code)}={token}"}
        )
    )
    receive_html(socket)  # the whole page's blocks
    return socket


def next_with(socket: WebSocketTestSession, element: str) -> str:
    """The next message carrying `element` (an id), skipping presence updates."""
    for _ in range(10):
        message = receive_html(socket)
        if f'id="{element}"' in message:
            return message
    raise AssertionError(f"no update carried #{element}")


@pytest.mark.parametrize("size", [30, 300], ids=lambda n: f"{n}-participants")
def test_every_board_change_is_one_small_element_on_the_board_and_control(
    client: TestClient, size: int
) -> None:
    code, fac = sorting_room(client, size)
    with ExitStack() as stack:
        board = screen(stack, client, code, fac, "board")
        control = screen(stack, client, code, fac, "control")
        changes: list[dict[str, Any]] = [
            {"turn": 1},
            {"turn": -2},
            {"page": 3},
            {"notes": "outer"},
            {"join": "hidden"},
            {"projector": True},
        ]
        for change in changes:
            answer = call(client, code, fac, "/board", change)["board"]
            shown = next_with(board, "board-view")
            controls = next_with(control, "control-board")
            for where, message in (("board", shown), ("control", controls)):
                size = len(message.encode())
                assert size <= BUDGET, f"{change}: {size} bytes to the {where}"
            assert 'id="board-main"' not in shown
            assert 'id="board-phase"' not in shown
            found = re.search(r'<span id="board-view"[^>]*>', shown)
            assert found, shown
            marker = found.group(0)
            assert f'data-page="{answer["page"]}"' in marker
            assert f'data-notes="{answer["notes"]}"' in marker
        assert 'data-join="hidden"' in marker
        assert 'data-projector="on"' in marker
        assert 'id="toggle-projector"' in controls
        assert 'aria-pressed="true"' in controls


def test_the_control_view_form_turns_the_page(client: TestClient) -> None:
    code, fac = sorting_room(client, 2)
    before = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()["board"]["page"]
    client.cookies.set(cookie_name(code), fac)
    posted = client.post(f"/rooms/{code}/board", data={"turn": "1"}, headers=HX)
    assert posted.status_code < 300, posted.text
    after = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()["board"]
    assert after["page"] == before + 1
    assert after["phase"] == "purpose-sort"
    client.cookies.clear()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"turn": "one"}, "invalid_turn"),
        ({"page": 1.5}, "invalid_page"),
        ({"page": 5000}, "invalid_page"),
        ({"notes": "middle"}, "invalid_notes"),
        ({"join": "huge"}, "invalid_join"),
        ({"projector": "yes"}, "invalid_projector"),
    ],
)
def test_bad_board_changes_get_the_contract_error(client: TestClient, body: Any, code: str) -> None:
    room_code, fac = sorting_room(client, 1)
    response = client.post(f"/api/rooms/{room_code}/board", json=body, headers=bearer(fac))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_the_control_view_goes_straight_to_a_page(client: TestClient) -> None:
    """The page picker (`go`, counted from 1): with 100 people the sort phase lists its
    notes on dozens of pages, and the facilitator types the one to show."""
    code, fac = sorting_room(client, 2)
    client.cookies.set(cookie_name(code), fac)
    posted = client.post(f"/rooms/{code}/board", data={"go": "12"}, headers=HX)
    assert posted.status_code < 300, posted.text
    after = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()["board"]
    assert after["page"] == 11
    assert after["phase"] == "purpose-sort"
    control = client.get(f"/rooms/{code}/control").text
    picker = re.search(r'<input id="board-go-page"[^>]*>', control)
    assert picker, "the control view has no page picker"
    assert 'value="12"' in picker.group(0)
    assert 'name="go"' in picker.group(0)
    assert re.search(r'data-page="11"', client.get(f"/rooms/{code}/board").text)
    # The JSON API names the same page from 0.
    assert call(client, code, fac, "/board", {"page": 2})["board"]["page"] == 2
    client.cookies.clear()


@pytest.mark.parametrize("typed", ["0", "-3", "1001", "two", "1.5", " "])
def test_a_page_number_that_names_no_page_is_refused(client: TestClient, typed: str) -> None:
    code, fac = sorting_room(client, 1)
    client.cookies.set(cookie_name(code), fac)
    call(client, code, fac, "/board", {"page": 4})
    posted = client.post(f"/rooms/{code}/board", data={"go": typed}, headers=HX)
    assert posted.status_code == 422, posted.text
    assert posted.json()["error"]["code"] == "invalid_page"
    assert posted.json()["error"]["message"] == "Give a page number from 1 to 1000."
    assert client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()["board"]["page"] == 4
    client.cookies.clear()
