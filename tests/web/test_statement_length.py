"""Statements the facilitator drafts take up to MAX_STATEMENT_LENGTH (2,000) characters;
notes and contributions keep their 280. One over is the contract's error, nothing
written; a 2,000-character statement reads whole in every document format."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
import zipfile
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import require
from tests.web.support import ApiRoom

PEOPLE = {"priya": ("Priya", "health"), "tom": ("Tom", "education")}
LINE = "Each agency names one lead who shares what they know with the others, every week. "


def prose(length: int) -> str:
    """Words (not one unbreakable token) of exactly `length` characters."""
    text = (LINE * (length // len(LINE) + 1))[:length]
    return text[:-1] + "." if text.endswith(" ") else text


def squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def room(client: TestClient) -> ApiRoom:
    room = ApiRoom.create(client, PEOPLE)
    room.phase("purpose-agree")
    return room


@pytest.mark.parametrize(
    ("target", "body"),
    [
        ("purpose", {"text": prose(2000)}),
        ("goals", {"items": ["Short goal", prose(2000)]}),
        ("grid.mission", {"text": prose(2000)}),
    ],
    ids=["purpose", "a-goal", "grid-row"],
)
def test_a_statement_of_2000_characters_is_accepted(
    room: ApiRoom, target: str, body: dict[str, Any]
) -> None:
    saved = room.ok(room.put("fac", f"/statements/{target}", body))
    assert saved["text"] == body.get("text")
    assert saved["items"] == body.get("items")


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("purpose", {"text": prose(2001)}, "invalid_text"),
        ("goals", {"items": ["Short goal", prose(2001)]}, "invalid_goal"),
        ("grid.mission", {"text": prose(2001)}, "invalid_text"),
    ],
    ids=["purpose", "a-goal", "grid-row"],
)
def test_2001_characters_is_the_contracts_error_and_nothing_is_written(
    room: ApiRoom, target: str, body: dict[str, Any], code: str
) -> None:
    room.ok(room.put("fac", f"/statements/{target}", {"text": "Before", "items": ["Before"]}))
    before = room.snapshot()
    response = room.put("fac", f"/statements/{target}", body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "2001 characters long; the limit is 2000" in error["message"]
    assert room.snapshot() == before


def test_notes_and_contributions_keep_280(room: ApiRoom) -> None:
    room.phase("purpose-write")
    assert room.post("priya", "/notes", {"text": prose(281)}).status_code == 422
    room.phase("grid-write")
    response = room.post("priya", "/grid/mission/contributions", {"text": prose(281)})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_text"


def test_a_row_composed_from_every_agencys_280_characters_fits(client: TestClient) -> None:
    """The issue's case: the fourth agency's contribution no longer breaks the row."""
    people = {
        who: (who.title(), p)
        for who, p in zip(
            ("eli", "hana", "sol", "vic"),
            ("education", "health", "social-care", "vcs-other"),
            strict=True,
        )
    }
    room = ApiRoom.create(client, people)
    room.phase("grid-write")
    ids = [
        room.ok(room.post(who, "/grid/means/contributions", {"text": prose(280)}), 201)["id"]
        for who in people
    ]
    room.phase("grid-agree")
    for contribution in ids:
        response = room.client.post(
            f"/rooms/{room.code}/statements/grid.means/promote",
            data={"note_id": contribution},
            headers={"Cookie": f"cg_{room.code}={room.fac}", "HX-Request": "true"},
        )
        assert response.status_code < 400, response.text
    text = room.snapshot()["statements"]["grid.means"]["text"]
    assert text.count(prose(280)) == 4


def test_the_archive_of_a_room_with_long_statements_imports(room: ApiRoom) -> None:
    room.ok(room.put("fac", "/statements/purpose", {"text": prose(2000)}))
    archive = room.ok(room.get("fac", "/archive"))
    room.ok(room.delete("fac", ""), 204)
    imported = room.client.post("/api/rooms/import", json=archive)
    assert imported.status_code == 201, imported.text


def test_a_2000_character_statement_reads_whole_in_every_document(room: ApiRoom) -> None:
    purpose, mission = prose(2000), prose(1999)
    room.ok(room.put("fac", "/statements/purpose", {"text": purpose}))
    room.ok(room.put("fac", "/statements/grid.mission", {"text": mission}))

    def fetch(extension: str) -> bytes:
        response = room.get("fac", f"/document.{extension}")
        assert response.status_code == 200, response.text
        return response.content

    assert purpose in fetch("md").decode()
    assert mission in fetch("md").decode()
    page = fetch("html").decode()
    assert purpose in page
    assert mission in page
    word = docx.Document(io.BytesIO(fetch("docx")))
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    word_text = "\n".join([p.text for p in word.paragraphs] + cells)
    assert purpose in word_text
    assert mission in word_text
    with zipfile.ZipFile(io.BytesIO(fetch("odt"))) as odt:
        content = odt.read("content.xml").decode()
    assert purpose in content
    assert mission in content
    require(shutil.which("pdftotext") is not None, "pdftotext is missing (poppler-utils)")
    pdf = subprocess.run(
        ["pdftotext", "-", "-"], input=fetch("pdf"), capture_output=True, check=True
    ).stdout.decode()
    assert squash(purpose) in squash(pdf)
    assert squash(mission) in squash(pdf)
