"""Signatures over HTTP: bound to the version signed, set apart after a change, asked
for again on the phone, with an optional role and organisation; every new file of the
document downloadable on the document's access rule; times in TIME_ZONE."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.app import create_app
from tests.web.support import ToolkitRoom

PEOPLE = {"priya": ("Priya Shah", "health"), "tom": ("Tom Ellis", "education")}


def signed_room(client: TestClient) -> ToolkitRoom:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("grid-agree")
    room.ok(room.put("fac", "/statements/grid.one-year", {"text": "A shared plan."}))
    room.ok(room.post("fac", "/statements/grid.one-year/agree", {}))
    room.phase("document")
    for who in PEOPLE:
        room.ok(room.post(who, "/document/sign"))
    return room


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    return signed_room(client)


def rewrite(room: ToolkitRoom) -> None:
    room.phase("grid-agree")
    room.ok(room.put("fac", "/statements/grid.one-year", {"text": "Half the meetings."}))
    room.ok(room.post("fac", "/statements/grid.one-year/agree", {}))
    room.phase("document")


def test_the_document_names_its_version_and_each_signatures(room: ToolkitRoom) -> None:
    doc = room.ok(room.get("fac", "/document"))
    assert isinstance(doc["version"], str)
    assert len(doc["version"]) == 16
    assert [(s["name"], s["version"], s["current"]) for s in doc["signatories"]] == [
        ("Priya Shah", doc["version"], True),
        ("Tom Ellis", doc["version"], True),
    ]
    assert {"name", "perspective", "signed_at"} <= set(doc["signatories"][0])  # the contract


def test_after_a_change_signatures_stand_apart_and_phones_ask_again(room: ToolkitRoom) -> None:
    before = room.ok(room.get("fac", "/document"))["version"]
    rewrite(room)
    doc = room.ok(room.get("fac", "/document"))
    assert doc["version"] != before
    assert [(s["version"], s["current"]) for s in doc["signatories"]] == [(before, False)] * 2
    phone = room.page("priya", "phone")
    assert "The document changed after you signed." in phone
    assert "Sign this version" in phone
    control = room.page("fac", "control")
    assert "0 of 2 participants have signed this version. 2 signed an earlier version" in control
    markdown = room.get("fac", "/document.md").text
    assert "*No one has signed this version yet.*" in markdown
    assert "### Signed an earlier version" in markdown
    assert "- Priya Shah — Health, signed an earlier version (" in markdown
    board = room.page("fac", "board")
    assert "Priya Shah — signed an earlier version" in board

    room.ok(room.post("priya", "/document/sign"))
    doc = room.ok(room.get("fac", "/document"))
    assert [(s["name"], s["current"]) for s in doc["signatories"]] == [
        ("Tom Ellis", False),
        ("Priya Shah", True),
    ]
    assert "You signed at" in room.page("priya", "phone")
    assert "The document changed" in room.page("tom", "phone")


def test_a_signature_may_carry_a_role_and_organisation(client: TestClient) -> None:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("document")
    room.ok(room.post("priya", "/document/sign", {"role": "School nurse", "organisation": "NHS"}))
    response = room.form("tom", "/document/sign", {"role": "Head of Year 6", "organisation": ""})
    assert response.status_code in (200, 204), response.text
    signatories = room.ok(room.get("fac", "/document"))["signatories"]
    assert [(s["role"], s["organisation"]) for s in signatories] == [
        ("School nurse", "NHS"),
        ("Head of Year 6", None),
    ]
    assert "| Priya Shah | Health | School nurse, NHS |" in room.get("fac", "/document.md").text
    assert "as School nurse, NHS" in room.page("priya", "phone")
    too_long = room.post("priya", "/document/sign", {"role": "x" * 200})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "invalid_role"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/document.odt", "application/vnd.oasis.opendocument.text"),
        ("/data.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("/data.zip", "application/zip"),
        ("/board.svg", "image/svg+xml"),
        ("/board.png", "image/png"),
    ],
)
def test_the_new_files_download_on_the_documents_rule(
    client: TestClient, path: str, media_type: str
) -> None:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("grid-write")
    assert room.get("priya", path).status_code == 403  # not open to participants yet
    assert room.get(None, path).status_code == 401
    response = room.get("fac", path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    stem, extension = path.lstrip("/").split(".")
    kind = {"document": "joint-statement", "data": "record", "board": "board"}[stem]
    date = str(room.snapshot()["created_at"])[:10]
    name = f"oakfield-primary-{kind}-{date}.{extension}"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    room.phase("document")
    assert room.get("priya", path).status_code == 200
    body = response.content
    if extension == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book.sheetnames[0] == "notes"
    elif extension == "zip":
        assert zipfile.ZipFile(io.BytesIO(body)).namelist()[0] == "notes.csv"
    elif extension == "svg":
        assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg')
        assert "default-src 'none'" in response.headers["content-security-policy"]
    elif extension == "png":
        assert body.startswith(b"\x89PNG")


@pytest.mark.parametrize("path", ["/data.csv", "/board.jpg", "/data.xls", "/board.pdf"])
def test_unknown_formats_are_404(room: ToolkitRoom, path: str) -> None:
    response = room.get("fac", path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_format"


@pytest.fixture
def tokyo(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None, database_url=database_url, broker_url="memory://", time_zone="Asia/Tokyo"
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_times_are_in_the_time_zone_setting(tokyo: TestClient) -> None:
    room = signed_room(tokyo)
    signed_at = room.ok(room.get("fac", "/document"))["signatories"][0]["signed_at"]
    assert signed_at.endswith("Z")  # the JSON keeps UTC, as the contract has it
    hour = (int(signed_at[11:13]) + 9) % 24
    assert f", {hour:02d}:{signed_at[14:16]} |" in room.get("fac", "/document.md").text
    assert f"You signed at {hour:02d}:{signed_at[14:16]}" in room.page("priya", "phone")


def test_an_unknown_time_zone_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(_env_file=None, database_url=database_url, time_zone="Mars/Olympus")


def test_agreeing_without_responses_asks_the_facilitator_to_confirm(client: TestClient) -> None:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Every child safe."}))
    control = room.page("fac", "control")
    assert "No one has responded to this statement yet." in control
    assert 'name="without_responses" value="1" required' in control
    room.ok(room.post("priya", "/statements/purpose/responses", {"stance": "agree"}))
    assert 'name="without_responses"' not in room.page("fac", "control")
    room.ok(room.put("fac", "/statements/goals", {"items": ["One plan per family"]}))
    room.ok(room.post("fac", "/statements/goals/agree", {}))  # the API needs no confirmation
    doc = room.ok(room.get("fac", "/document"))
    goals = next(s for s in doc["sections"] if s["id"] == "goals")["entries"][0]
    assert goals["agreed_without_responses"] is True
    assert "*Agreed without responses.*" in room.get("fac", "/document.md").text
