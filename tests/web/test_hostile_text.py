"""Hostile text in every field: a lone surrogate is refused (422, never a 500, nothing
written); noncharacters (U+FFFF) are dropped, so every export of the room still works."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.web.support import ApiRoom

SURROGATE = "\ud800"
"""Valid JSON (`"\\ud800"`), not valid text: it cannot be stored or sent as UTF-8."""
IN_PATH = "%ED%A0%80"
"""The same code point in a URL: bytes that are not UTF-8."""


def send(
    client: TestClient, method: str, url: str, body: Any, token: str | None = None
) -> httpx2.Response:
    """`body` as JSON with surrogates escaped (as a hostile client sends them)."""
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    return client.request(method, url, content=json.dumps(body).encode(), headers=headers)


Call = tuple[str, str, str, str, dict[str, Any]]
"""(phase the room is in, who, method, path, body)."""


def calls(bad: str) -> list[Call]:
    return [
        ("lobby", "", "POST", "/join", {"name": bad, "perspective": "health"}),
        ("lobby", "", "POST", "/join", {"name": "Sam", "perspective": bad}),
        ("lobby", "fac", "POST", "/phase", {"phase": bad}),
        ("lobby", "fac", "POST", "/spotlight", {"target": bad}),
        ("lobby", "fac", "POST", "/timer", {"action": bad}),
        ("lobby", "fac", "POST", "/duplicate", {"title": bad}),
        ("lobby", "fac", "POST", "/duplicate", {"setting": bad}),
        ("purpose-write", "p1", "POST", "/notes", {"text": bad}),
        ("purpose-write", "p1", "POST", "/notes", {"text": f"ok {bad} ok"}),
        ("purpose-write", "p1", "POST", "/done", {"done": bad}),
        ("purpose-sort", "p1", "POST", "/notes/{note}/move", {"ring": bad}),
        ("purpose-sort", "fac", "POST", "/notes/{note}/merge", {"into": bad}),
        ("purpose-agree", "fac", "PUT", "/statements/purpose", {"text": bad}),
        ("purpose-agree", "fac", "PUT", "/statements/goals", {"items": ["Fine", bad]}),
        ("purpose-agree", "fac", "PUT", f"/statements/{IN_PATH}", {"text": "x"}),
        ("purpose-agree", "p1", "POST", "/statements/purpose/responses", {"stance": bad}),
        (
            "purpose-agree",
            "p1",
            "POST",
            "/statements/purpose/responses",
            {"stance": "object", "reason": bad},
        ),
        ("purpose-agree", "fac", "POST", "/statements/purpose/agree", {"override_reason": bad}),
        ("grid-write", "p1", "POST", "/grid/mission/contributions", {"text": bad}),
        ("grid-write", "p1", "POST", f"/grid/{IN_PATH}/contributions", {"text": "x"}),
    ]


def prepare(client: TestClient) -> tuple[ApiRoom, str]:
    room = ApiRoom.create(client, {"p1": ("Priya", "health"), "p2": ("Sol", "education")})
    room.phase("purpose-write")
    note = room.ok(room.post("p1", "/notes", {"text": "Shared purpose"}), 201)["id"]
    room.ok(room.post("p2", "/notes", {"text": "Children first"}), 201)
    return room, str(note)


@pytest.mark.parametrize("index", range(20))
def test_a_lone_surrogate_in_any_field_is_refused_with_422(client: TestClient, index: int) -> None:
    room, note = prepare(client)
    phase, who, method, path, body = calls(SURROGATE)[index]
    if phase != "purpose-write":
        room.phase(phase)
        if phase == "purpose-agree":
            room.ok(room.put("fac", "/statements/purpose", {"text": "Our purpose"}))
    before = room.snapshot()
    token = room.token(who) if who else None
    response = send(client, method, room.url(path.format(note=note)), body, token)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    assert set(response.json()["error"]) == {"code", "message"}
    after = room.snapshot()
    assert after["seq"] == before["seq"]


def test_a_lone_surrogate_in_a_new_room_is_refused(client: TestClient) -> None:
    for body in ({"title": SURROGATE}, {"title": "Fine", "setting": SURROGATE}):
        response = send(client, "POST", "/api/rooms", body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] in ("invalid_title", "invalid_setting")


def form(client: TestClient, url: str, body: str) -> httpx2.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(url, content=body.encode(), headers=headers, follow_redirects=False)


def test_bytes_that_are_not_utf8_in_a_form_never_give_a_500(client: TestClient) -> None:
    created = form(client, "/rooms", f"title={IN_PATH}&workshop=multi-agency-visioning")
    assert created.status_code in (303, 422), created.text
    room = ApiRoom.create(client)
    joined = form(client, "/join", f"code={room.code}&name=A{IN_PATH}&perspective=health")
    assert joined.status_code in (303, 422), joined.text
    for person in room.snapshot()["participants"]:
        person["name"].encode("utf-8")  # whatever was kept is text


def test_noncharacters_are_dropped_and_every_export_still_works(client: TestClient) -> None:
    """One U+FFFF used to break the room's Word export for good (lxml refuses it)."""
    created = client.post(
        "/api/rooms", json={"title": "Oak\uffff" + "field", "setting": "School \ufdd0one"}
    ).json()
    room = ApiRoom(client, created["code"], created["facilitator_token"], {})
    room.people["p1"] = room.ok(
        room.post(None, "/join", {"name": "Pri\U0010ffffya", "perspective": "health"}), 201
    )
    snapshot = room.snapshot()
    assert snapshot["title"] == "Oakfield"
    assert snapshot["setting"] == "School one"
    assert snapshot["participants"][0]["name"] == "Priya"
    room.phase("purpose-write")
    note = room.ok(room.post("p1", "/notes", {"text": "Every \uffffchild"}), 201)
    assert note["text"] == "Every child"
    room.phase("document")
    room.ok(room.post("p1", "/document/sign"))
    for extension in ("md", "html", "docx"):
        response = client.get(
            f"/api/rooms/{room.code}/document.{extension}", headers=bearer(room.fac)
        )
        assert response.status_code == 200, (extension, response.text)


def test_a_lone_surrogate_in_an_imported_archive_is_refused(client: TestClient) -> None:
    room = ApiRoom.create(client, {"p1": ("Priya", "health")})
    archive = room.ok(room.get("fac", "/archive"))
    room.ok(room.delete("fac", ""), 204)
    archive["events"][0]["data"]["participant"]["name"] = SURROGATE
    response = send(client, "POST", "/api/rooms/import", archive)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_archive"
