"""Who may call what: every JSON endpoint of the contract × every kind of caller.

Callers of room A: nobody (no token), a participant or the facilitator of
another room B (valid tokens, but not for A), a participant of A, and A's
facilitator. Expected (shared/api.md): 401 without a token valid for A; 403 for
the wrong role; anything else for the right role may be 2xx or a domain refusal
(404/409/422) — never 401/403. Every refusal is in the contract's error shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from tests.conftest import bearer, join, make_room

A_TITLE = "Zephyrhollow consortium A-ONLY-TITLE"
A_SETTING = "Quillbrook Academy A-ONLY-SETTING"
A_NAME = "Ottoline A-ONLY-NAME"
A_NOTE = "Marigold A-ONLY-NOTE"
ROW = "mission"

# "other_room" is room B's participant; its case also tries B's facilitator token.
CALLERS = ["anonymous", "other_room", "participant", "facilitator"]
# Who may call an endpoint: any member, only the facilitator, only a participant,
# or only the note's author (editing a note is the author's alone).
MEMBER, FACILITATOR, PARTICIPANT, AUTHOR = "member", "facilitator", "participant", "author"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with {code}, {note}, {other_note}, {pid}
    who: str
    phase: str = "lobby"  # the phase room A is in when the call is made
    json: dict[str, Any] | None = None


ENDPOINTS = [
    Endpoint("get-room", "GET", "/api/rooms/{code}", MEMBER),
    Endpoint("phase", "POST", "/api/rooms/{code}/phase", FACILITATOR, json={"phase": "lobby"}),
    Endpoint("lock", "POST", "/api/rooms/{code}/lock", FACILITATOR, json={"locked": True}),
    Endpoint(
        "spotlight", "POST", "/api/rooms/{code}/spotlight", FACILITATOR, json={"target": None}
    ),
    Endpoint("board", "POST", "/api/rooms/{code}/board", FACILITATOR, json={"turn": 1}),
    Endpoint("remove-participant", "DELETE", "/api/rooms/{code}/participants/{pid}", FACILITATOR),
    Endpoint(
        "remove-joined-after",
        "POST",
        "/api/rooms/{code}/participants/remove",
        FACILITATOR,
        json={"joined_after": "2999-01-01T00:00:00Z"},
    ),
    Endpoint("archive", "GET", "/api/rooms/{code}/archive", FACILITATOR),
    Endpoint("delete-room", "DELETE", "/api/rooms/{code}", FACILITATOR),
    Endpoint(
        "add-note",
        "POST",
        "/api/rooms/{code}/notes",
        PARTICIPANT,
        phase="purpose-write",
        json={"text": "Another note"},
    ),
    Endpoint(
        "edit-note",
        "PATCH",
        "/api/rooms/{code}/notes/{note}",
        AUTHOR,
        phase="purpose-write",
        json={"text": "Rewritten"},
    ),
    Endpoint(
        "delete-note", "DELETE", "/api/rooms/{code}/notes/{note}", MEMBER, phase="purpose-write"
    ),
    Endpoint(
        "move-note",
        "POST",
        "/api/rooms/{code}/notes/{note}/move",
        MEMBER,
        phase="purpose-sort",
        json={"ring": "outer"},
    ),
    Endpoint(
        "merge-note",
        "POST",
        "/api/rooms/{code}/notes/{note}/merge",
        FACILITATOR,
        phase="purpose-sort",
        json={"into": "{other_note}"},
    ),
    Endpoint(
        "contribute",
        "POST",
        f"/api/rooms/{{code}}/grid/{ROW}/contributions",
        PARTICIPANT,
        phase="grid-write",
        json={"text": "A contribution"},
    ),
    Endpoint(
        "draft-statement",
        "PUT",
        "/api/rooms/{code}/statements/purpose",
        FACILITATOR,
        phase="purpose-agree",
        json={"text": "A second draft"},
    ),
    Endpoint(
        "respond",
        "POST",
        "/api/rooms/{code}/statements/purpose/responses",
        PARTICIPANT,
        phase="purpose-agree",
        json={"stance": "agree"},
    ),
    Endpoint(
        "agree",
        "POST",
        "/api/rooms/{code}/statements/purpose/agree",
        FACILITATOR,
        phase="purpose-agree",
        json={},
    ),
    Endpoint("document", "GET", "/api/rooms/{code}/document", MEMBER, phase="document"),
    Endpoint("document-md", "GET", "/api/rooms/{code}/document.md", MEMBER, phase="document"),
    Endpoint("document-html", "GET", "/api/rooms/{code}/document.html", MEMBER, phase="document"),
    Endpoint("sign", "POST", "/api/rooms/{code}/document/sign", PARTICIPANT, phase="document"),
    Endpoint("document-odt", "GET", "/api/rooms/{code}/document.odt", MEMBER, phase="document"),
    Endpoint("data-xlsx", "GET", "/api/rooms/{code}/data.xlsx", MEMBER, phase="document"),
    Endpoint("data-zip", "GET", "/api/rooms/{code}/data.zip", MEMBER, phase="document"),
    Endpoint("board-svg", "GET", "/api/rooms/{code}/board.svg", MEMBER, phase="document"),
    # The facilitator's toolkit and rating phases.
    Endpoint("duplicate", "POST", "/api/rooms/{code}/duplicate", FACILITATOR, json={}),
    Endpoint(
        "timer",
        "POST",
        "/api/rooms/{code}/timer",
        FACILITATOR,
        phase="purpose-write",
        json={"action": "start", "seconds": 300},
    ),
    Endpoint("done", "POST", "/api/rooms/{code}/done", PARTICIPANT, phase="purpose-write", json={}),
    Endpoint(
        "options", "PATCH", "/api/rooms/{code}/options", FACILITATOR, json={"anonymous": True}
    ),
    Endpoint(
        "hold-note",
        "POST",
        "/api/rooms/{code}/notes/{note}/hold",
        FACILITATOR,
        phase="purpose-write",
        json={"held": True},
    ),
    Endpoint(
        "rate",
        "PUT",
        "/api/rooms/{code}/ratings/roles",
        PARTICIPANT,
        json={"option": "not-yet"},
    ),
    # Issue 15: the facilitator's undo for notes.
    *(
        Endpoint(
            f"{name}-note",
            "POST",
            f"/api/rooms/{{code}}/notes/{{note}}/{name}",
            FACILITATOR,
            phase="purpose-sort",
            json=body,
        )
        for name, body in (
            ("unmerge", None),
            ("undo-move", None),
            ("restore", None),
            ("correct", {"text": "Fixed"}),
        )
    ),
    # Issue 18: reveals, suggestions, dot-votes, people without a phone.
    Endpoint(
        "reveal-responses",
        "POST",
        "/api/rooms/{code}/statements/purpose/reveal",
        FACILITATOR,
        phase="purpose-agree",
    ),
    Endpoint(
        "suggestions",
        "GET",
        "/api/rooms/{code}/notes/suggestions",
        FACILITATOR,
        phase="purpose-sort",
    ),
    Endpoint(
        "dismiss-suggestion",
        "POST",
        "/api/rooms/{code}/notes/suggestions/dismiss",
        FACILITATOR,
        phase="purpose-sort",
        json={"note_ids": ["{note}", "{other_note}"]},
    ),
    # A participant's own dots; the facilitator's (for someone without a phone) need a
    # participant_id: without one, 422.
    Endpoint(
        "votes",
        "PUT",
        "/api/rooms/{code}/votes",
        MEMBER,
        phase="purpose-vote",
        json={"note_ids": ["{note}"]},
    ),
    Endpoint(
        "reveal-votes", "POST", "/api/rooms/{code}/votes/reveal", FACILITATOR, phase="purpose-vote"
    ),
    Endpoint(
        "add-participant",
        "POST",
        "/api/rooms/{code}/participants",
        FACILITATOR,
        json={"name": "Dorcas", "perspective": "health"},
    ),
    Endpoint("proxy-sheet", "GET", "/api/rooms/{code}/participants/{pid}/sheet.pdf", FACILITATOR),
]


@dataclass
class World:
    """Room A (facilitator, one participant with two notes, a purpose draft) and room B."""

    code: str
    tokens: dict[str, str | None]
    participant_id: str
    note: str
    other_note: str


def assert_error_shape(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str), body
    assert body["error"]["code"].strip(), body
    assert isinstance(body["error"]["message"], str), body
    assert body["error"]["message"].strip(), body
    return body


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def build_world(client: TestClient, phase: str) -> World:
    a = make_room(client, title=A_TITLE, setting=A_SETTING)
    b = make_room(client, title="Room B")
    code, fac = a["code"], a["facilitator_token"]
    priya = join(client, code, name=A_NAME)
    other = join(client, b["code"], name="Bea")

    def post(path: str, body: dict[str, Any], method: str = "POST") -> Any:
        return _ok(
            client.request(method, f"/api/rooms/{code}{path}", json=body, headers=bearer(fac))
        )

    post("/phase", {"phase": "purpose-write"})
    notes = [
        _ok(
            client.post(
                f"/api/rooms/{code}/notes", json={"text": text}, headers=bearer(priya["token"])
            )
        )["id"]
        for text in (A_NOTE, "Second note")
    ]
    post("/statements/purpose", {"text": "Our shared purpose"}, method="PUT")
    if phase != "purpose-write":
        post("/phase", {"phase": phase})
    return World(
        code=code,
        tokens={
            "anonymous": None,
            "other_participant": other["token"],
            "other_facilitator": b["facilitator_token"],
            "participant": priya["token"],
            "facilitator": fac,
        },
        participant_id=priya["participant_id"],
        note=notes[0],
        other_note=notes[1],
    )


def expected_denial(endpoint: Endpoint, caller: str) -> int | None:
    """The status the caller must get, or None when the call must be allowed."""
    if caller in ("anonymous", "other_room"):
        return 401
    if endpoint.who == MEMBER:
        return None
    if caller == "facilitator":
        return None if endpoint.who == FACILITATOR else 403
    return 403 if endpoint.who == FACILITATOR else None


def _fill(value: Any, world: World) -> Any:
    if isinstance(value, str):
        return value.format(
            code=world.code, note=world.note, other_note=world.other_note, pid=world.participant_id
        )
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_authorization_matrix(client: TestClient, endpoint: Endpoint, caller: str) -> None:
    client.cookies.clear()
    world = build_world(client, endpoint.phase)
    if caller == "anonymous":
        attempts: list[dict[str, str]] = [{}]
    elif caller == "other_room":
        outsiders = [world.tokens["other_participant"], world.tokens["other_facilitator"]]
        attempts = [bearer(token) for token in outsiders if token]
    else:
        token = world.tokens[caller]
        assert token is not None
        attempts = [bearer(token)]
    denial = expected_denial(endpoint, caller)
    for headers in attempts:
        response = client.request(
            endpoint.method,
            _fill(endpoint.path, world),
            json=_fill(endpoint.json, world),
            headers=headers,
        )
        if denial is None:
            assert response.status_code not in (401, 403), response.text
            assert response.status_code < 300 or response.status_code in (409, 422), response.text
            if response.status_code >= 400:
                assert_error_shape(response)
            continue
        assert response.status_code == denial, response.text
        body = assert_error_shape(response)
        expected_code = {
            401: {"unauthorized"},
            403: {"facilitator_only", "participant_only", "not_yours"},
        }[denial]
        assert body["error"]["code"] in expected_code, body
    if denial is not None:
        # A refused call changed nothing: the room (and the participant) are still there.
        facilitator = world.tokens["facilitator"]
        assert facilitator is not None
        state = client.get(f"/api/rooms/{world.code}", headers=bearer(facilitator))
        assert state.status_code == 200, state.text
        assert any(p["id"] == world.participant_id for p in state.json()["participants"])


# ------------------------------------------------------------- cross-room leaks
@pytest.mark.parametrize("caller", ["other_participant", "other_facilitator"])
def test_other_rooms_token_sees_nothing_of_this_room(client: TestClient, caller: str) -> None:
    world = build_world(client, "purpose-sort")
    token = world.tokens[caller]
    assert token is not None
    for headers in (bearer(token), {"Cookie": f"cg_{world.code}={token}"}):
        response = client.get(f"/api/rooms/{world.code}", headers=headers)
        assert response.status_code == 401, response.text
        assert_error_shape(response)
        for secret in (A_TITLE, A_SETTING, A_NAME, A_NOTE, world.participant_id, world.note):
            assert secret not in response.text


def test_cookie_of_another_room_does_not_authenticate(client: TestClient) -> None:
    """A browser's cookie for room B (cg_B) is never read for room A."""
    a, b = make_room(client), make_room(client)
    response = client.get(
        f"/api/rooms/{a['code']}", headers={"Cookie": f"cg_{b['code']}={b['facilitator_token']}"}
    )
    assert response.status_code == 401, response.text
    assert_error_shape(response)
    own = client.get(
        f"/api/rooms/{a['code']}", headers={"Cookie": f"cg_{a['code']}={a['facilitator_token']}"}
    )
    assert own.status_code == 200, own.text


@pytest.mark.parametrize("caller", ["anonymous", "other_participant", "other_facilitator"])
def test_event_stream_refuses_non_members(client: TestClient, caller: str) -> None:
    world = build_world(client, "purpose-write")
    token = world.tokens[caller]
    header_sets = [{}] if token is None else [bearer(token), {"Cookie": f"cg_{world.code}={token}"}]
    for headers in header_sets:
        with pytest.raises(WebSocketDenialResponse) as refused:
            client.websocket_connect(f"/api/rooms/{world.code}/events", headers=headers).__enter__()
        assert refused.value.status_code == 401
        body = assert_error_shape(refused.value)
        assert body["error"]["code"] == "unauthorized"
        for secret in (A_TITLE, A_SETTING, A_NAME, A_NOTE):
            assert secret not in refused.value.text


@pytest.mark.parametrize("caller", ["participant", "facilitator"])
def test_event_stream_admits_members(client: TestClient, caller: str) -> None:
    world = build_world(client, "purpose-write")
    token = world.tokens[caller]
    assert token is not None
    with client.websocket_connect(
        f"/api/rooms/{world.code}/events", headers=bearer(token)
    ) as socket:
        first = socket.receive_json()
    assert first["type"] == "snapshot"
    assert first["data"]["code"] == world.code


def test_anyone_may_list_workshops_and_join(client: TestClient) -> None:
    assert client.get("/api/workshops").status_code == 200
    code = make_room(client)["code"]
    joined = client.post(f"/api/rooms/{code}/join", json={"name": "Ana", "perspective": "health"})
    assert joined.status_code == 201, joined.text


def test_the_matrix_names_every_room_endpoint(client: TestClient) -> None:
    """A new endpoint under /api/rooms/{code} cannot be left out of the matrix."""
    listed = {(e.method, e.path) for e in ENDPOINTS}
    listed.add(("POST", "/api/rooms/{code}/join"))  # anyone with the code: test_api_rooms
    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/rooms/{code}")
        for method in operations
    }
    assert len(routes) > 20
    concrete = {
        (m, p) for m, p in routes if not any(lm == m and _matches(lp, p) for lm, lp in listed)
    }
    assert concrete == set()


def _matches(listed: str, route: str) -> bool:
    """`…/grid/mission/contributions` stands for `…/grid/{row}/contributions`."""
    pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(route))
    return re.fullmatch(pattern, listed) is not None
