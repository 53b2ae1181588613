"""The joint document over HTTP: reading it, its files, signing, a closed room, and
room archives (export → import on a fresh install → the same room), API and CLI."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.export.html import EXPORT_CSP
from app.persistence.store import Store
from app.web.app import create_app
from tests.conftest import PHASES, bearer, join
from tests.servers import ROOT
from tests.web.support import ApiRoom

PURPOSE = "Together we make sure every child in Oakfield is safe, healthy and ready to learn."
GOALS = ["Share information early and safely", "One plan per family", "Joint training each term"]
MISSION = "Every child in Oakfield thrives because we work as one team."
MEANS = "Sharing responsibility for every child's wellbeing"
OBJECTION = "It forgets the under-fives"
OVERRIDE = "Early years are named in the goals instead"
PEOPLE = {  # who: (name, perspective)
    "priya": ("Priya Shah", "health"),
    "tom": ("Tom Ellis", "education"),
    "ana": ("Ana Ruiz", "social-care"),
}
FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
}


@dataclass
class Room(ApiRoom):
    def document(self, who: str = "fac") -> dict[str, Any]:
        body: dict[str, Any] = self.ok(self.get(who, "/document"))
        return body

    def statement(self, target: str, *, agree: bool = True, **body: Any) -> None:
        self.ok(self.put("fac", f"/statements/{target}", body))
        if agree:
            self.ok(self.post("fac", f"/statements/{target}/agree", {}))

    def date(self) -> str:
        return str(self.snapshot()["created_at"])[:10]


def new_room(client: TestClient, phase: str = "document") -> Room:
    """Three participants; purpose, goals and mission agreed; the means row a draft."""
    room = Room.create(client, PEOPLE)
    room.phase("purpose-agree")
    room.statement("purpose", text=PURPOSE)
    room.statement("goals", items=GOALS)
    room.phase("grid-agree")
    room.statement("grid.mission", text=MISSION)
    room.statement("grid.means", text=MEANS, agree=False)
    room.phase(phase)
    return room


@pytest.fixture
def room(client: TestClient) -> Room:
    return new_room(client)


def error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


# ------------------------------------------------------------------ reading
def check_document(doc: dict[str, Any], room: Room) -> None:
    assert {"title", "setting", "date", "sections", "signatories"} <= set(doc)
    assert doc["title"] == "Oakfield partnership"
    assert doc["setting"] == "Oakfield Primary"
    assert doc["date"] == room.date()
    sections = {s["id"]: s for s in doc["sections"]}
    assert list(sections) == ["purpose", "goals", "mission", "agreement"]
    assert sections["purpose"]["heading"] == "Statement of purpose"
    assert sections["purpose"]["text"] == PURPOSE
    assert sections["goals"]["items"] == GOALS
    assert sections["mission"]["text"] == MISSION
    assert sections["agreement"]["items"] == [f"What partnership working means: {MEANS}"]
    assert isinstance(doc["signatories"], list)


@pytest.mark.parametrize("phase", PHASES)
def test_the_facilitator_reads_the_document_in_any_phase(client: TestClient, phase: str) -> None:
    room = new_room(client, phase)
    check_document(room.document(), room)


@pytest.mark.parametrize("phase", PHASES[: PHASES.index("document")])
def test_participants_wait_for_the_document_phase(client: TestClient, phase: str) -> None:
    room = new_room(client, phase)
    error(room.get("priya", "/document"), 403, "document_not_open")
    for extension in FORMATS:
        error(room.get("priya", f"/document.{extension}"), 403, "document_not_open")


@pytest.mark.parametrize("phase", ["document", "closed"])
def test_participants_read_the_document_once_open(client: TestClient, phase: str) -> None:
    room = new_room(client, phase)
    for who in PEOPLE:
        doc = room.document(who)
        check_document(doc, room)
        assert doc == room.document("fac")


def test_the_document_needs_a_member(room: Room, client: TestClient) -> None:
    error(client.get(room.url("/document")), 401, "unauthorized")
    error(client.get(room.url("/document.pdf")), 401, "unauthorized")
    error(client.get(room.url("/document"), headers=bearer("nope")), 401, "unauthorized")
    error(client.get("/api/rooms/ZZZZZZ/document", headers=bearer(room.fac)), 404, "room_not_found")


def test_a_lower_case_code_works(room: Room, client: TestClient) -> None:
    response = client.get(f"/api/rooms/{room.code.lower()}/document", headers=bearer(room.fac))
    assert response.status_code == 200, response.text


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("who", ["fac", "priya"])
@pytest.mark.parametrize("extension", list(FORMATS))
def test_each_format_downloads_with_a_meaningful_name(room: Room, who: str, extension: str) -> None:
    response = room.get(who, f"/document.{extension}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FORMATS[extension]
    name = f"oakfield-primary-joint-statement-{room.date()}.{extension}"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    body = response.content
    if extension == "md":
        assert MISSION in body.decode()  # a full stop is not escaped
        assert body.decode().startswith("# Joint statement")
    elif extension == "html":
        assert body.decode().startswith("<!doctype html>")
        assert MISSION in body.decode()
    elif extension == "docx":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert "word/document.xml" in archive.namelist()
            assert MISSION in archive.read("word/document.xml").decode()
    elif extension == "odt":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
            assert MISSION in archive.read("content.xml").decode()
    else:
        assert body.startswith(b"%PDF-")


def test_the_html_export_has_its_own_csp(room: Room) -> None:
    response = room.get("fac", "/document.html")
    policies = response.headers.get_list("content-security-policy")
    assert policies == [EXPORT_CSP]
    assert "default-src 'none'" in policies[0]
    assert "script-src" not in policies[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    # The app's pages keep the app's own policy.
    page = room.get("fac")
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("extension", ["txt", "exe", "PDF", "pdf.exe", "json", "xlsx", "svg"])
def test_unknown_format_is_404(room: Room, extension: str) -> None:
    error(room.get("fac", f"/document.{extension}"), 404, "unknown_format")


def test_a_hostile_setting_still_gives_a_safe_file_name(client: TestClient) -> None:
    response = client.post(
        "/api/rooms", json={"title": "Zoë's room", "setting": '../"; x=1\\ Ünïcødé ✓'}
    )
    created = response.json()
    response = client.get(
        f"/api/rooms/{created['code']}/document.md", headers=bearer(created["facilitator_token"])
    )
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="x-1-unic[a-z]*-joint-statement-\d{4}-\d\d-\d\d\.md"', disposition
    )
    assert disposition.count('"') == 2
    assert "/" not in disposition
    assert "\\" not in disposition


# ------------------------------------------------------------------ signing
def test_a_participant_signs(room: Room) -> None:
    seq = room.seq()
    snapshot = room.ok(room.post("priya", "/document/sign"))
    assert snapshot["you"] == {"role": "participant", "participant_id": room.pid("priya")}
    assert [s["participant_id"] for s in snapshot["signatures"]] == [room.pid("priya")]
    assert room.seq() == seq + 1
    doc = room.document()
    assert [(s["name"], s["perspective"]) for s in doc["signatories"]] == [("Priya Shah", "health")]
    assert doc["signatories"][0]["signed_at"] == snapshot["signatures"][0]["signed_at"]
    assert doc["signatories"][0]["signed_at"].endswith("Z")
    assert [s["participant_id"] for s in room.snapshot()["signatures"]] == [room.pid("priya")]


def test_signing_twice_keeps_one_signature(room: Room) -> None:
    room.ok(room.post("priya", "/document/sign"))
    seq = room.seq()
    first = room.document()["signatories"]
    room.ok(room.post("priya", "/document/sign"))
    assert room.seq() == seq
    assert room.document()["signatories"] == first
    assert len(room.snapshot()["signatures"]) == 1


def test_signatories_in_signing_order(room: Room) -> None:
    for who in ("ana", "priya", "tom"):
        room.ok(room.post(who, "/document/sign"))
    names = [s["name"] for s in room.document()["signatories"]]
    assert names == ["Ana Ruiz", "Priya Shah", "Tom Ellis"]


def test_the_facilitator_cannot_sign(room: Room) -> None:
    seq = room.seq()
    error(room.post("fac", "/document/sign"), 403, "participant_only")
    assert room.seq() == seq


def test_signing_needs_a_token(room: Room, client: TestClient) -> None:
    error(client.post(room.url("/document/sign")), 401, "unauthorized")


@pytest.mark.parametrize("phase", PHASES[: PHASES.index("document")])
def test_signing_outside_the_document_phase_is_409(client: TestClient, phase: str) -> None:
    room = new_room(client, phase)
    seq = room.seq()
    error(room.post("priya", "/document/sign"), 409, "wrong_phase")
    assert room.seq() == seq
    assert room.snapshot()["signatures"] == []


def test_a_removed_signatory_stays_on_the_document(room: Room) -> None:
    room.ok(room.post("tom", "/document/sign"))
    response = room.client.delete(
        room.url(f"/participants/{room.pid('tom')}"), headers=bearer(room.fac)
    )
    assert response.status_code == 204
    assert [s["name"] for s in room.document()["signatories"]] == ["Tom Ellis"]


# ------------------------------------------------------------------ closed
def test_a_closed_room_refuses_every_write(room: Room) -> None:
    room.phase("purpose-write")
    note = room.ok(room.post("priya", "/notes", {"id": str(uuid.uuid4()), "text": "Mine"}), 201)
    other = room.ok(room.post("tom", "/notes", {"id": str(uuid.uuid4()), "text": "Tom's"}), 201)
    room.phase("grid-agree")
    room.statement("grid.outcomes", text="Draft outcomes", agree=False)
    room.phase("document")
    room.ok(room.post("priya", "/document/sign"))
    room.phase("closed")
    seq = room.seq()
    before = room.snapshot()
    client = room.client

    priya = bearer(room.token("priya"))
    writes: list[tuple[str, httpx.Response]] = [
        ("join", client.post(room.url("/join"), json={"name": "Late", "perspective": "health"})),
        ("note", room.post("priya", "/notes", {"id": str(uuid.uuid4()), "text": "Late"})),
        ("edit", client.patch(room.url(f"/notes/{note['id']}"), json={"text": "x"}, headers=priya)),
        ("move", room.post("tom", f"/notes/{note['id']}/move", {"ring": "outer"})),
        ("merge", room.post("fac", f"/notes/{note['id']}/merge", {"into": other["id"]})),
        ("delete", client.delete(room.url(f"/notes/{note['id']}"), headers=bearer(room.fac))),
        ("contribution", room.post("ana", "/grid/mission/contributions", {"text": "Late"})),
        ("statement", room.put("fac", "/statements/grid.outcomes", {"text": "Changed"})),
        ("goals", room.put("fac", "/statements/goals", {"items": ["Changed"]})),
        ("response", room.post("tom", "/statements/grid.outcomes/responses", {"stance": "agree"})),
        ("agree", room.post("fac", "/statements/grid.outcomes/agree", {})),
        ("sign", room.post("tom", "/document/sign")),
        ("sign again", room.post("priya", "/document/sign")),
    ]  # fmt: skip
    for label, response in writes:
        assert response.status_code == 409, (label, response.text)
        assert response.json()["error"]["code"] == "room_closed", label
    assert room.seq() == seq
    assert room.snapshot() == before

    # Reading still works, for participants too.
    response = room.get("tom", "/document.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert [s["name"] for s in room.document("ana")["signatories"]] == ["Priya Shah"]


# ------------------------------------------------------------------ archive
def rich_room(client: TestClient) -> Room:
    """Every kind of event: notes (one still private to the others, written under
    moderation: the archive refuses notes nobody but their author may read), moves,
    merges, statements, responses, an override, grid contributions, signatures, a
    removal."""
    room = new_room(client, "lobby")
    room.people["val"] = join(client, room.code, "Val Øst", "vcs-other")
    room.phase("purpose-write")
    notes = {}
    for who, key, text in [
        ("priya", "a", "Keep children safe"),
        ("priya", "b", "Children safe at home & school"),
        ("tom", "c", "Ready to learn"),
        ("ana", "d", "Fewer meetings"),
    ]:
        notes[key] = room.ok(room.post(who, "/notes", {"id": str(uuid.uuid4()), "text": text}), 201)
    room.phase("purpose-sort")
    room.ok(room.post("tom", f"/notes/{notes['d']['id']}/move", {"ring": "outer"}))
    room.ok(room.post("fac", f"/notes/{notes['b']['id']}/merge", {"into": notes["a"]["id"]}))
    room.ok(room.patch("fac", "/options", {"moderated": True}))
    room.phase("purpose-write")
    private = {"id": str(uuid.uuid4()), "text": "Only Priya sees this"}
    room.ok(room.post("priya", "/notes", private), 201)
    room.phase("purpose-agree")
    room.statement("purpose", text=PURPOSE, agree=False)
    room.ok(room.post("tom", "/statements/purpose/responses", {"stance": "agree"}))
    room.ok(
        room.post("ana", "/statements/purpose/responses", {"stance": "object", "reason": OBJECTION})
    )
    room.ok(room.post("fac", "/statements/purpose/agree", {"override_reason": OVERRIDE}))
    room.phase("grid-write")
    for who, row, text in [
        ("priya", "mission", "Healthy, safe and ready to learn"),
        ("tom", "mission", "Together we help every child achieve"),
        ("ana", "barriers", "Caseloads <and> turnover"),
        ("val", "one-year", "A youth club in the school — Ünïcødé ✓"),
    ]:
        room.ok(room.post(who, f"/grid/{row}/contributions", {"text": text}), 201)
    room.phase("grid-agree")
    room.ok(
        room.post(
            "priya",
            "/statements/grid.means/responses",
            {"stance": "reservations", "reason": "Too vague"},
        )
    )
    room.phase("document")
    for who in ("priya", "tom", "val"):
        room.ok(room.post(who, "/document/sign"))
    response = client.delete(room.url(f"/participants/{room.pid('val')}"), headers=bearer(room.fac))
    assert response.status_code == 204
    return room


@pytest.fixture
def second(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """Another install: its own app and a fresh (empty) database."""
    fresh = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'second.db'}"})
    with TestClient(create_app(fresh)) as other:
        yield other


def fetch_archive(room: Room) -> dict[str, Any]:
    response = room.get("fac", "/archive")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="common-ground-{room.code}.json"'
    )
    body: dict[str, Any] = response.json()
    return body


def test_the_archive_holds_the_room_and_its_log(client: TestClient) -> None:
    room = rich_room(client)
    archive = fetch_archive(room)
    assert archive["format"] == "common-ground-archive"
    assert archive["version"] == 1
    assert archive["room"]["code"] == room.code
    assert archive["room"]["title"] == "Oakfield partnership"
    assert archive["room"]["workshop"] == "multi-agency-visioning"
    assert archive["snapshot"] == room.snapshot()
    seqs = [e["seq"] for e in archive["events"]]
    assert seqs == list(range(1, room.seq() + 1))
    types = {e["type"] for e in archive["events"]}
    assert {
        "participant.joined",
        "phase.changed",
        "note.added",
        "notes.revealed",
        "note.moved",
        "note.merged",
        "statement.updated",
        "response.set",
        "statement.agreed",
        "contribution.added",
        "document.signed",
        "participant.removed",
    } <= types
    assert "token" not in json.dumps(archive).lower()


def test_only_the_facilitator_archives(room: Room) -> None:
    error(room.get("priya", "/archive"), 403, "facilitator_only")


def test_archive_round_trip_to_a_fresh_install(client: TestClient, second: TestClient) -> None:
    room = rich_room(client)
    archive = fetch_archive(room)
    snapshot, doc = room.snapshot(), room.document()

    response = second.post("/api/rooms/import", json=archive)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["code"] == room.code
    assert created["facilitator_token"] != room.fac
    assert created["facilitator_url"].endswith(f"/rooms/{room.code}/control")
    copy_ = Room(second, created["code"], created["facilitator_token"], room.people)

    assert copy_.snapshot() == snapshot
    assert copy_.document() == doc
    for extension in ("md", "html"):
        assert (
            copy_.get("fac", f"/document.{extension}").text
            == room.get("fac", f"/document.{extension}").text
        )
    # Its archive has the same log.
    assert fetch_archive(copy_)["events"] == archive["events"]
    # Tokens are never carried over: the old ones mean nothing there.
    error(second.get(room.url(), headers=bearer(room.fac)), 401, "unauthorized")
    error(second.get(room.url(), headers=bearer(room.token("priya"))), 401, "unauthorized")

    # Importing again is refused, here and on the original install.
    error(second.post("/api/rooms/import", json=archive), 409, "room_exists")
    error(client.post("/api/rooms/import", json=archive), 409, "room_exists")
    assert copy_.snapshot() == snapshot
    assert room.snapshot() == snapshot


def _drop_event(archive: dict[str, Any]) -> None:
    del archive["events"][5]


def _swap_events(archive: dict[str, Any]) -> None:
    events = archive["events"]
    events[6], events[7] = events[7], events[6]


def _renumber(archive: dict[str, Any]) -> None:
    archive["events"][0]["seq"] = 0


def _bad_event_data(archive: dict[str, Any]) -> None:
    del archive["events"][0]["data"]["participant"]


def _unknown_note(archive: dict[str, Any]) -> None:
    moved = next(e for e in archive["events"] if e["type"] == "note.moved")
    moved["data"]["note"]["id"] = str(uuid.uuid4())


def _bad_time(archive: dict[str, Any]) -> None:
    archive["events"][3]["at"] = "yesterday"


BROKEN: dict[str, Any] = {
    "wrong format": lambda a: a.update(format="something-else"),
    "wrong version": lambda a: a.update(version=99),
    "no events": lambda a: a.pop("events"),
    "no room": lambda a: a.pop("room"),
    "unknown workshop": lambda a: a["room"].update(workshop="nope"),
    "missing event": _drop_event,
    "event out of order": _swap_events,
    "seq renumbered": _renumber,
    "event data missing": _bad_event_data,
    "unknown note": _unknown_note,
    "bad timestamp": _bad_time,
    "unknown event type": lambda a: a["events"][-1].update(type="note.painted"),
}


@pytest.mark.parametrize("damage", list(BROKEN))
def test_a_broken_archive_is_refused_and_nothing_written(
    client: TestClient, second: TestClient, settings: Settings, tmp_path: Path, damage: str
) -> None:
    room = rich_room(client)
    archive = copy.deepcopy(fetch_archive(room))
    BROKEN[damage](archive)
    error(second.post("/api/rooms/import", json=archive), 422, "invalid_archive")
    error(second.get(room.url(), headers=bearer(room.fac)), 404, "room_not_found")
    store = Store(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        assert store.room(room.code) is None
    finally:
        store.close()
    # The intact archive still imports afterwards.
    assert second.post("/api/rooms/import", json=fetch_archive(room)).status_code == 201


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'"text"', b"null", b"{}", b'{"format": "common-ground-archive"}']
)
def test_a_body_that_is_not_an_archive_is_422(second: TestClient, body: bytes) -> None:
    response = second.post(
        "/api/rooms/import", content=body, headers={"Content-Type": "application/json"}
    )
    error(response, 422, "invalid_archive")


# ------------------------------------------------------------------ CLI
def cli(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "BROKER_URL": "memory://"}
    env.pop("FACILITATOR_PASSCODE", None)
    return subprocess.run(
        [sys.executable, "-m", "app.archive", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_exports_and_imports(settings: Settings, tmp_path: Path) -> None:
    source = Path(settings.database_url.removeprefix("sqlite:///"))
    with TestClient(create_app(settings)) as client:
        room = rich_room(client)
        snapshot, doc = room.snapshot(), room.document()
        api_archive = fetch_archive(room)

    exported = tmp_path / "room.json"
    done = cli(source, "export", room.code.lower(), str(exported))
    assert done.returncode == 0, done.stderr
    archive = json.loads(exported.read_text(encoding="utf-8"))
    assert archive["format"] == "common-ground-archive"
    assert archive["events"] == api_archive["events"]
    assert archive["snapshot"] == api_archive["snapshot"]

    printed = cli(source, "export", room.code)
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["events"] == archive["events"]

    missing = cli(source, "export", "ZZZZZZ")
    assert missing.returncode == 1
    assert "ZZZZZZ" in missing.stderr

    target = tmp_path / "fresh" / "cli.db"
    target.parent.mkdir()
    done = cli(target, "import", str(exported))
    assert done.returncode == 0, done.stderr
    assert f"Imported room {room.code} ({len(archive['events'])} events)." in done.stdout
    found = re.search(r"(?:token|key): *(\S+)", done.stdout, re.IGNORECASE)
    assert found, done.stdout  # the new facilitator token, printed once
    token = found.group(1)
    assert f"/rooms/{room.code}/" in done.stdout

    again = cli(target, "import", str(exported))
    assert again.returncode != 0
    assert "already exists" in again.stderr

    imported = settings.model_copy(update={"database_url": f"sqlite:///{target}"})
    with TestClient(create_app(imported)) as other:
        copy_ = Room(other, room.code, token, room.people)
        assert copy_.snapshot() == snapshot
        assert copy_.document() == doc


def test_the_cli_refuses_a_broken_archive(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    target = tmp_path / "cli.db"
    done = cli(target, "import", str(broken))
    assert done.returncode != 0
    assert "not a Common Ground room archive" in done.stderr


def test_the_cli_reports_refusals_without_a_traceback(tmp_path: Path) -> None:
    """A person ran it: a bad file or a taken code gets one clear line, exit status 1."""
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    done = cli(tmp_path / "cli.db", "import", str(broken))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "not a Common Ground room archive" in done.stderr
