"""Signatures bound to what was signed: each records the version of the document it was
given to; after an agreed statement changes, it stands apart as "signed an earlier
version" until its person signs again. Optional role and organisation; statements
agreed with nobody responding are marked; times read in the room's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain import document, events
from app.domain.errors import Invalid
from app.domain.events import Event
from app.domain.options import Options
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import (
    LOGS,
    agree,
    commit,
    create_room,
    draft,
    move_to,
    new_room,
    refused,
    respond,
    sign,
)


def signed_room(workshop: Workshop) -> Room:
    room = new_room(workshop, people=3)
    move_to(room, "purpose-agree")
    draft(room, "purpose", text="Every child safe.")
    respond(room, "purpose", "p1", "agree")
    agree(room, "purpose")
    move_to(room, "grid-agree")
    draft(room, "grid.one-year", text="A shared plan for every family.")
    agree(room, "grid.one-year")
    move_to(room, "document")
    for pid in ("p1", "p2", "p3"):
        sign(room, pid)
    return room


def rewrite_one_year(room: Room, text: str = "Half the meetings.") -> None:
    """The facilitator steps back, rewrites 'In one year' and marks it agreed with nobody
    responding, then returns to the document (the scenario of issue 16)."""
    move_to(room, "grid-agree")
    draft(room, "grid.one-year", text=text)
    agree(room, "grid.one-year")
    move_to(room, "document")


@pytest.fixture
def room(workshop: Workshop) -> Room:
    return signed_room(workshop)


def build(room: Room) -> document.Document:
    return document.build(room, today=room.created_at)


def test_each_signature_records_the_version_it_was_given_to(room: Room) -> None:
    doc = build(room)
    assert doc.version == document.current_version(room)
    assert len(doc.version) == 16
    assert [s.version for s in doc.signatories] == [doc.version] * 3
    assert all(s.current for s in doc.signatories)
    assert doc.current_signatories == doc.signatories
    assert doc.earlier_signatories == ()
    signed = [e for e in LOGS[id(room)] if e.type == "document.signed"]
    assert {e.data["version"] for e in signed} == {doc.version}


def test_a_changed_statement_sets_earlier_signatures_apart(room: Room) -> None:
    before = build(room).version
    rewrite_one_year(room)
    doc = build(room)
    assert doc.version != before
    assert doc.current_signatories == ()
    assert [s.name for s in doc.earlier_signatories] == ["Priya", "Eleanor", "Sol"]
    assert all(s.version == before and not s.current for s in doc.earlier_signatories)
    assert not document.signed_current(room, "p1")
    public = doc.public()
    assert public["version"] == doc.version
    assert [(s["version"], s["current"]) for s in public["signatories"]] == [(before, False)] * 3


def test_signing_again_signs_the_new_version(room: Room) -> None:
    rewrite_one_year(room)
    events_ = sign(room, "p2")
    assert len(events_) == 1
    doc = build(room)
    assert [s.name for s in doc.current_signatories] == ["Eleanor"]
    assert [s.name for s in doc.earlier_signatories] == ["Priya", "Sol"]
    assert len(room.signatures) == 3  # one signature per person: the latest
    assert document.signed_current(room, "p2")
    assert sign(room, "p2") == []  # the same version again changes nothing


def test_the_same_text_again_is_the_same_version(room: Room) -> None:
    version = build(room).version
    rewrite_one_year(room, text="A shared plan for every family.")
    assert build(room).version == version
    assert len(build(room).current_signatories) == 3


def test_a_draft_or_an_unchanged_statement_keeps_the_version(room: Room) -> None:
    """What was not agreed is in the version too: a draft becoming agreed changes it."""
    version = build(room).version
    move_to(room, "grid-agree")
    move_to(room, "document")
    assert build(room).version == version
    move_to(room, "grid-agree")
    draft(room, "grid.means", text="Sharing responsibility")
    move_to(room, "document")
    assert build(room).version != version


def test_agreed_without_responses_is_marked(room: Room) -> None:
    doc = build(room)
    entries = {e.target: e for s in doc.sections for e in s.entries}
    assert entries["purpose"].without_responses is False  # Priya agreed
    assert entries["grid.one-year"].without_responses is True
    assert [e.target for e in doc.unsent] == ["grid.one-year"]
    assert entries["grid.one-year"].public()["agreed_without_responses"] is True


def test_role_and_organisation_are_optional(workshop: Workshop) -> None:
    room = new_room(workshop, "document", people=2)
    drafts = document.decide_sign(room, "p1", role="  School nurse ", organisation="Oakfield NHS")
    assert drafts[0].data["role"] == "School nurse"
    assert drafts[0].data["organisation"] == "Oakfield NHS"
    commit(room, drafts)
    signature = build(room).signatories[0]
    assert (signature.role, signature.organisation) == ("School nurse", "Oakfield NHS")
    blank = document.decide_sign(room, "p2", role="", organisation="   ")
    assert "role" not in blank[0].data
    assert "organisation" not in blank[0].data
    refused(room, Invalid, "invalid_role", lambda: document.decide_sign(room, "p2", role="x" * 81))
    refused(
        room,
        Invalid,
        "invalid_organisation",
        lambda: document.decide_sign(room, "p2", organisation=3),
    )


def test_adding_a_role_later_signs_again(workshop: Workshop) -> None:
    room = new_room(workshop, "document", people=1)
    sign(room, "p1")
    assert document.decide_sign(room, "p1") == []
    again = document.decide_sign(room, "p1", role="Head teacher")
    assert again[0].data["role"] == "Head teacher"


def test_an_anonymous_rooms_signature_hides_name_role_and_organisation(workshop: Workshop) -> None:
    room = new_room(workshop, "document", people=2)
    room.options = Options(anonymous=True)
    event = commit(room, document.decide_sign(room, "p1", role="Nurse", organisation="NHS"))[0]
    assert event.private_to == "p1"
    other = events.redact(event.type, event.data)
    assert other["name"] is None
    assert other["role"] is None
    assert other["organisation"] is None
    assert event.data["role"] == "Nurse"  # the signer (and the facilitator) read it


def test_an_old_log_without_versions_replays_to_the_version_then(room: Room) -> None:
    """Logs written before signatures named a version: the version is the document's as
    it read when the event was applied."""
    version = build(room).version
    replayed = create_room(room.workshop)
    old = []
    for e in LOGS[id(room)]:
        data = {k: v for k, v in e.data.items() if k != "version"}
        old.append(Event(e.seq, e.type, e.at, data, e.actor, e.private_to))
    replayed.apply_all(old)
    assert [s.version for s in replayed.signatures.values()] == [version] * 3
    rewrite_one_year(room)


def test_times_read_in_the_rooms_zone() -> None:
    summer = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
    winter = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
    assert document.local_time(summer) == "1 July 2026, 14:05"  # British Summer Time
    assert document.local_time(winter) == "2 December 2026, 13:05"
    assert document.local_time(winter, ZoneInfo("Asia/Tokyo")) == "2 December 2026, 22:05"
    assert document.long_date(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == "1 December 2026"


def test_names_hidden_show_perspectives_in_signing_order(room: Room) -> None:
    room.signatures["p4"] = document.Signature("p4", "Hamid", "health", room.created_at, 99)
    hidden = document.build(room, today=room.created_at, hide_names=True)
    assert [s.name for s in hidden.signatories] == [
        "Health 1",
        "Education 1",
        "Social Care 1",
        "Health 2",
    ]
    assert hidden.names_hidden is True
    assert hidden.public()["names_hidden"] is True
