"""The facilitator's undo over the JSON API and the control view's forms: un-merge, undo
a move, restore a removed note, fix a typo — only the facilitator, the contract's error
shape for bad input, and live updates within 2 KB per screen at 30 and 300 people."""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.deps import cookie_name
from tests.web.support import ApiRoom, Screen, ToolkitRoom, toolkit_room

BUDGET = 2048
MARKER = re.compile(r'id="live-seq" data-seq="(\d+)"')
PERSPECTIVES = ("education", "health", "social-care", "vcs-other")


def sorting(client: TestClient) -> tuple[ToolkitRoom, dict[str, str]]:
    """The toolkit's room sorting three notes: Priya's, Eleanor's, Sol's."""
    room = toolkit_room(client)
    room.phase("purpose-write")
    ids = {who: room.note(who, f"A statement by {who}") for who in ("priya", "eleanor", "sol")}
    room.phase("purpose-sort")
    return room, ids


def test_undo_a_move_and_unmerge(client: TestClient) -> None:
    room, ids = sorting(client)
    room.ok(room.post("eleanor", f"/notes/{ids['priya']}/move", {"ring": "outer"}))
    back = room.ok(room.post("fac", f"/notes/{ids['priya']}/undo-move"))
    assert back["ring"] == "inner"
    order = [n["id"] for n in room.snapshot()["notes"] if n["ring"] == "inner"]
    assert order == [ids["priya"], ids["eleanor"], ids["sol"]]
    room.refused(
        409, "nothing_to_undo", lambda: room.post("fac", f"/notes/{ids['priya']}/undo-move")
    )
    room.ok(room.post("fac", f"/notes/{ids['sol']}/merge", {"into": ids["eleanor"]}))
    unmerged = room.ok(room.post("fac", f"/notes/{ids['sol']}/unmerge"))
    assert unmerged["merged_into"] is None
    room.refused(409, "note_not_merged", lambda: room.post("fac", f"/notes/{ids['sol']}/unmerge"))


def test_restore_and_correct(client: TestClient) -> None:
    room, ids = sorting(client)
    assert room.delete("fac", f"/notes/{ids['sol']}").status_code == 204
    assert ids["sol"] not in room.texts("priya")
    restored = room.ok(room.post("fac", f"/notes/{ids['sol']}/restore"))
    assert restored["text"] == "A statement by sol"
    assert room.texts("priya")[ids["sol"]] == "A statement by sol"
    fixed = room.ok(
        room.post("fac", f"/notes/{ids['sol']}/correct", {"text": "A statement by Sol"})
    )
    assert fixed["text"] == "A statement by Sol"
    assert room.texts("sol")[ids["sol"]] == "A statement by Sol"
    # The author's phone shows that the facilitator fixed it.
    assert "fixed by the facilitator" in room.page("sol", "phone")
    archive = room.ok(room.get("fac", "/archive"))
    corrected = [e for e in archive["events"] if e["type"] == "note.corrected"]
    assert [(e["actor"], e["data"]["was"]) for e in corrected] == [
        ("facilitator", "A statement by sol")
    ]


def test_only_the_facilitator_undoes(client: TestClient) -> None:
    room, ids = sorting(client)
    note = ids["priya"]
    for path, body in (
        ("unmerge", None),
        ("undo-move", None),
        ("restore", None),
        ("correct", {"text": "Mine now"}),
    ):
        room.refused(
            403,
            "facilitator_only",
            lambda path=path, body=body: room.post("priya", f"/notes/{note}/{path}", body),
            who="priya",
        )
        room.refused(
            401,
            "unauthorized",
            lambda path=path, body=body: room.post(None, f"/notes/{note}/{path}", body),
            who="priya",
        )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "   "}, 422, "invalid_text"),
        ({"text": "x" * 281}, 422, "invalid_text"),
        ({"text": 7}, 422, "invalid_text"),
        ({}, 422, "invalid_text"),
    ],
)
def test_a_bad_fix_is_refused_in_the_contracts_shape(
    client: TestClient, body: dict[str, Any], status: int, code: str
) -> None:
    room, ids = sorting(client)
    room.refused(status, code, lambda: room.post("fac", f"/notes/{ids['priya']}/correct", body))


def test_unknown_notes_and_a_closed_room(client: TestClient) -> None:
    room, ids = sorting(client)
    room.refused(404, "note_not_found", lambda: room.post("fac", "/notes/nope/restore"))
    room.refused(409, "note_not_removed", lambda: room.post("fac", f"/notes/{ids['sol']}/restore"))
    room.phase("closed")
    room.refused(409, "room_closed", lambda: room.post("fac", f"/notes/{ids['sol']}/unmerge"))


def test_the_control_views_forms(client: TestClient) -> None:
    room, ids = sorting(client)
    note = ids["eleanor"]
    page = room.page("fac", "control")
    assert page.count('class="note-menu"') == 3  # one menu per note
    assert room.form("fac", f"/notes/{note}/move", {"ring": "outer"}).status_code == 200
    assert 'data-ring-to="inner" data-moved>' in room.page("fac", "control")  # "Undo the move"
    answer = room.form("fac", f"/notes/{note}/undo-move")
    assert answer.status_code == 200, answer.text
    assert f'id="control-note-{note}"' in answer.text  # the answer: the note, put back
    assert room.form("fac", f"/notes/{note}/delete").status_code == 200
    assert f'id="control-removed-{note}"' in room.page("fac", "control")
    assert room.form("fac", f"/notes/{note}/restore").status_code == 200
    assert room.form("fac", f"/notes/{note}/correct", {"text": "Fixed <b>"}).status_code == 200
    assert "Fixed &lt;b&gt;" in room.page("fac", "control")
    assert room.form("fac", f"/notes/{ids['sol']}/merge", {"into": note}).status_code == 200
    assert room.form("fac", f"/notes/{ids['sol']}/unmerge").status_code == 200
    refused = room.form("priya", f"/notes/{note}/restore")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "facilitator_only"
    assert room.form("fac", f"/notes/{note}/correct", {"text": " "}).json()["error"]["code"] == (
        "invalid_text"
    )


# ------------------------------------------------------------------ bytes per screen
def big_room(client: TestClient, size: int) -> tuple[ApiRoom, list[str]]:
    people = {f"p{i}": (f"Person {i}", PERSPECTIVES[i % 4]) for i in range(size)}
    room = ApiRoom.create(client, people)
    room.phase("purpose-write")
    ids = []
    for who in people:
        for k in range(3):
            text = f"Every child safe, healthy and learning, with families heard — {who}.{k}"
            ids.append(room.ok(room.post(who, "/notes", {"text": text}), 201)["id"])
    room.phase("purpose-sort")
    return room, ids


@pytest.mark.parametrize("size", [30, 300])
def test_each_undo_costs_what_it_changes(client: TestClient, size: int) -> None:
    room, ids = big_room(client, size)
    ticks = iter(range(601, 700))

    def tick() -> int:  # a change every screen shows: the end of what one update cost
        room.ok(room.post("fac", "/timer", {"action": "start", "seconds": next(ticks)}))
        return room.seq()

    updates = [
        ("move", "p1", lambda: room.post("p1", f"/notes/{ids[4]}/move", {"ring": "outer"})),
        ("undo-move", "", lambda: room.post("fac", f"/notes/{ids[4]}/undo-move")),
        ("merge", "", lambda: room.post("fac", f"/notes/{ids[5]}/merge", {"into": ids[6]})),
        ("unmerge", "", lambda: room.post("fac", f"/notes/{ids[5]}/unmerge")),
        ("remove", "", lambda: room.delete("fac", f"/notes/{ids[7]}")),
        ("restore", "", lambda: room.post("fac", f"/notes/{ids[7]}/restore")),
        ("correct", "", lambda: room.post("fac", f"/notes/{ids[8]}/correct", {"text": "Fixed"})),
    ]
    with ExitStack() as stack:
        screens = []
        for view, token in (
            ("board", room.fac),
            ("control", room.fac),
            ("phone", room.token("p2")),
        ):
            client.cookies.clear()
            socket = stack.enter_context(
                client.websocket_connect(
                    f"/rooms/{room.code}/live?view={view}",
                    headers={"cookie": f"{cookie_name(room.code)}={token}"},
                )
            )
            screens.append(Screen(view, socket))
        start = tick()  # (after the phone's own arrival online)
        for screen in screens:
            screen.until(start)
        for name, _, update in updates:
            assert update().status_code < 300
            done = tick()
            for screen in screens:
                messages = screen.until(done)
                cost = sum(len(m.encode()) for m in messages[:-1])
                assert 0 < cost <= BUDGET, (name, screen.name, cost, messages[:-1])
