"""Anonymous rooms: while names are hidden, every copy of the document a participant
downloads (the JSON, each file, the data exports) shows perspectives only, as the
board does; the facilitator's copies keep the names (issue 19, defect 1)."""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.web.support import NAMES, PERSPECTIVES, ApiRoom

FILES = ["md", "html", "docx", "pdf", "odt"]
DATA = ["data.xlsx", "data.zip"]


def anonymous_room(client: TestClient) -> ApiRoom:
    people = {who: (NAMES[who], PERSPECTIVES[who]) for who in NAMES}
    room = ApiRoom.create(client, people, anonymous=True)
    room.phase("purpose-agree")
    room.ok(room.put("fac", "/statements/purpose", {"text": "Every child safe and ready."}))
    room.ok(room.post("fac", "/statements/purpose/agree", {}))
    room.phase("document")
    for who in NAMES:
        room.ok(room.post(who, "/document/sign", {"role": "Head of Year 6"}))
    return room


@pytest.fixture
def room(client: TestClient) -> ApiRoom:
    return anonymous_room(client)


def text_of(path: str, content: bytes) -> str:
    """Everything a file says, as text: zip members unpacked, the PDF's text layer."""
    if path.endswith(".pdf"):
        reader = pypdf.PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages) + str(reader.metadata)
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8")


def names_in(text: str) -> list[str]:
    words = {part for name in NAMES.values() for part in name.split()}
    return sorted(w for w in words if w in text)


@pytest.mark.parametrize("path", ["/document", *(f"/document.{ext}" for ext in FILES), *DATA])
def test_a_participants_copy_names_no_one(room: ApiRoom, path: str) -> None:
    for who in NAMES:
        response = room.get(who, f"/{path.lstrip('/')}")
        assert response.status_code == 200, response.text
        text = text_of(path, response.content)
        assert names_in(text) == [], (who, path)
        assert "Head of Year 6" not in text  # a role could name someone too
    if path in ("/document", "/document.md", "/document.html"):
        assert "Health 1" in text
        assert "Social Care 1" in text


def test_the_json_document_shows_perspectives(room: ApiRoom) -> None:
    doc = room.ok(room.get("priya", "/document"))
    assert doc["names_hidden"] is True
    assert [(s["name"], s["perspective"]) for s in doc["signatories"]] == [
        ("Health 1", "health"),
        ("Education 1", "education"),
        ("Social Care 1", "social-care"),
    ]
    assert all(s["role"] is None and s["organisation"] is None for s in doc["signatories"])


@pytest.mark.parametrize("path", ["/document", "/document.md", "/document.pdf", "data.xlsx"])
def test_the_facilitators_copy_keeps_the_names(room: ApiRoom, path: str) -> None:
    response = room.get("fac", f"/{path.lstrip('/')}")
    assert response.status_code == 200, response.text
    text = text_of(path, response.content)
    assert names_in(text) == sorted(w for n in NAMES.values() for w in n.split())


def test_names_shown_in_this_phase_reach_participants(room: ApiRoom) -> None:
    room.ok(room.patch("fac", "/options", {"names_shown": True}))
    doc = room.ok(room.get("sol", "/document"))
    assert doc["names_hidden"] is False
    assert [s["name"] for s in doc["signatories"]] == list(NAMES.values())
    assert NAMES["eleanor"] in room.get("sol", "/document.md").text
