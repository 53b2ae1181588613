"""The joint document: merging what the room agreed, tracing it, and signing it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import document, notes
from app.domain.errors import Conflict, NotFound
from app.domain.events import FACILITATOR, Draft, Viewer
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.conftest import PHASES
from tests.domain.support import (
    CREATED,
    LOGS,
    TEXT,
    agree,
    commit,
    contribute,
    draft,
    join,
    move_to,
    new_room,
    respond,
    sign,
    state,
)

AGREEMENT = [
    "grid.means",
    "grid.outcomes",
    "grid.effective",
    "grid.barriers",
    "grid.overcome",
    "grid.one-year",
]
ROWS = ["means", "mission", "outcomes", "effective", "barriers", "overcome", "one-year"]
LABELS = ["Education", "Health", "Social Care", "VCS / Other"]

# Unicode (composed, as clean_text normalises to NFC) and markup: kept verbatim.
PURPOSE = 'Ünïcødé ✓ — <b>every</b> child & "family" 🙂\n# not a heading\n[link](http://x)'
OVERRIDE = "Raised again with Education next term <script>alert(1)</script>"
OBJECTION = "It leaves out early years"
GOALS = ["Share information early & safely", "One plan per family", "**Joint** training"]
MISSION = "Every child in Oakfield thrives because we work as one team."
MEANS_DRAFT = "Sharing responsibility for every child's wellbeing"
NOTE_TEXTS = {
    "n1": "Keep children safe",
    "n2": "Ready to learn",
    "n3": "Fewer meetings",
    "n4": "Children are safe at home and school",
    "n5": "Write it down later",
}


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Four participants, one per perspective, in the lobby."""
    return new_room(workshop, people=4)


def add_note(room: Room, author: str, note_id: str) -> None:
    commit(
        room,
        notes.decide_add(
            room, author_id=author, note_id=note_id, text=NOTE_TEXTS[note_id], max_length=TEXT
        ),
    )


def run_workshop(room: Room) -> Room:
    """Both tasks, as a room runs them, up to the `document` phase."""
    move_to(room, "purpose-write")
    add_note(room, "p1", "n1")
    add_note(room, "p2", "n2")
    add_note(room, "p3", "n3")
    add_note(room, "p4", "n4")
    move_to(room, "purpose-sort")  # reveals n1…n4
    commit(
        room,
        notes.decide_move(room, viewer=Viewer("participant", "p2"), note_id="n3", ring="outer"),
    )
    commit(room, notes.decide_merge(room, note_id="n4", into="n1"))
    move_to(room, "purpose-write")
    add_note(room, "p1", "n5")  # never revealed: stays private, out of the document

    move_to(room, "purpose-agree")
    draft(room, "purpose", text=PURPOSE)
    respond(room, "purpose", "p1", "agree")
    respond(room, "purpose", "p2", "object", OBJECTION)
    agree(room, "purpose", override_reason=OVERRIDE)
    draft(room, "goals", items=GOALS)
    agree(room, "goals")

    move_to(room, "grid-write")
    # Health writes first; the appendix still lists Education first (workshop order).
    contribute(room, "p1", "mission", "c1", "Healthy, safe and ready to learn")
    contribute(room, "p2", "mission", "c2", "Together we help every child achieve")
    contribute(room, "p1", "mission", "c3", "No child falls between services")
    contribute(room, "p4", "barriers", "c4", "Different IT systems & <consent> rules")

    move_to(room, "grid-agree")
    draft(room, "grid.mission", text=MISSION)
    agree(room, "grid.mission")
    draft(room, "grid.means", text=MEANS_DRAFT)  # a draft, never agreed
    move_to(room, "document")
    return room


@pytest.fixture
def full(workshop: Workshop) -> Room:
    return run_workshop(new_room(workshop, people=4))


def build(room: Room) -> document.Document:
    return document.build(room, today=room.created_at)


# ------------------------------------------------------------------ sections
def test_sections_follow_the_workshop_order(full: Room) -> None:
    doc = build(full)
    assert [s.id for s in doc.sections] == ["purpose", "goals", "mission", "agreement"]
    assert [s.heading for s in doc.sections] == [
        "Statement of purpose",
        "Common goals",
        "Mission statement",
        "Partnership agreement",
    ]
    assert doc.title == "Oakfield partnership"
    assert doc.setting == "Oakfield Primary"
    assert doc.document_title == "Joint statement of purpose and partnership agreement"
    assert doc.date == CREATED


def test_agreed_purpose_goals_and_mission(full: Room) -> None:
    purpose, goals, mission, _ = build(full).sections
    assert purpose.status == "agreed"
    assert [(e.target, e.status, e.text, e.items) for e in purpose.entries] == [
        ("purpose", "agreed", PURPOSE, None)
    ]
    assert goals.status == "agreed"
    assert [(e.target, e.status, e.text, e.items) for e in goals.entries] == [
        ("goals", "agreed", None, tuple(GOALS))
    ]
    assert mission.status == "agreed"
    assert [(e.target, e.status, e.text) for e in mission.entries] == [
        ("grid.mission", "agreed", MISSION)
    ]
    assert mission.entries[0].heading == "Mission statement"


def test_agreement_has_one_entry_per_source_drafts_and_missing_kept(full: Room) -> None:
    agreement = build(full).sections[3]
    assert agreement.intro == "The partners agree how they will work together."
    assert [e.target for e in agreement.entries] == AGREEMENT
    assert [e.status for e in agreement.entries] == ["draft"] + ["missing"] * 5
    means = agreement.entries[0]
    assert means.heading == "What partnership working means"
    assert means.text == MEANS_DRAFT
    assert all(e.text is None and e.items is None for e in agreement.entries[1:])
    assert [e.heading for e in agreement.entries[1:]] == [
        "Improving outcomes",
        "Making it effective",
        "Barriers",
        "Overcoming the barriers",
        "In one year",
    ]
    assert agreement.status == "draft"


def test_an_empty_room_keeps_every_section_as_missing(room: Room) -> None:
    doc = build(room)
    assert [s.id for s in doc.sections] == ["purpose", "goals", "mission", "agreement"]
    assert [s.status for s in doc.sections] == ["missing"] * 4
    assert [len(s.entries) for s in doc.sections] == [1, 1, 1, 6]
    assert all(e.status == "missing" for s in doc.sections for e in s.entries)
    assert doc.signatories == ()
    assert doc.overrides == ()
    assert doc.inner_notes == doc.outer_notes == ()
    assert [r.key for r in doc.rows] == ROWS
    assert all(texts == () for r in doc.rows for _, texts in r.contributions)


def test_a_draft_is_marked_draft_not_agreed(room: Room) -> None:
    move_to(room, "purpose-agree")
    draft(room, "purpose", text="Only a draft")
    purpose = build(room).sections[0]
    assert purpose.status == "draft"
    assert purpose.entries[0].status == "draft"
    assert purpose.entries[0].text == "Only a draft"
    # Redrafting an agreed statement makes it a draft again.
    agree(room, "purpose")
    assert build(room).sections[0].status == "agreed"
    draft(room, "purpose", text="Second thoughts")
    purpose = build(room).sections[0]
    assert (purpose.status, purpose.entries[0].text) == ("draft", "Second thoughts")


def test_section_status_is_agreed_only_when_every_entry_is(room: Room) -> None:
    move_to(room, "grid-agree")
    for target in AGREEMENT:
        draft(room, target, text=f"Text of {target}")
        agree(room, target)
    assert build(room).sections[3].status == "agreed"
    draft(room, "grid.barriers", text="Reopened")
    assert build(room).sections[3].status == "draft"


# ------------------------------------------------------------------ overrides
def test_override_is_on_the_entry_and_in_overrides(full: Room) -> None:
    doc = build(full)
    purpose = doc.sections[0].entries[0]
    assert purpose.override_reason == OVERRIDE
    assert [(e.target, e.override_reason) for e in doc.overrides] == [("purpose", OVERRIDE)]
    assert doc.overrides[0].heading == "Statement of purpose"
    # Agreed without an objection: no override recorded anywhere.
    assert doc.sections[1].entries[0].override_reason is None
    assert doc.sections[2].entries[0].override_reason is None


def test_an_override_on_a_grid_row_is_listed(room: Room) -> None:
    move_to(room, "grid-agree")
    draft(room, "grid.barriers", text="Caseloads")
    respond(room, "grid.barriers", "p3", "object", "Not in public")
    agree(room, "grid.barriers", override_reason="Wording reviewed next term")
    doc = build(room)
    barriers = next(e for e in doc.sections[3].entries if e.target == "grid.barriers")
    assert barriers.override_reason == "Wording reviewed next term"
    assert [e.target for e in doc.overrides] == ["grid.barriers"]
    assert doc.overrides[0].heading == "Barriers"
    assert doc.rows[ROWS.index("barriers")].statement.override_reason == (
        "Wording reviewed next term"
    )


def test_a_redrafted_statement_drops_its_override(full: Room) -> None:
    move_to(full, "purpose-agree")
    draft(full, "purpose", text="A fresh purpose")
    doc = build(full)
    assert doc.sections[0].entries[0].override_reason is None
    assert doc.overrides == ()


# ------------------------------------------------------------------ verbatim text
def test_unicode_and_markup_are_kept_verbatim(full: Room) -> None:
    doc = build(full)
    assert doc.sections[0].entries[0].text == PURPOSE
    assert doc.sections[1].entries[0].items == tuple(GOALS)
    assert doc.sections[0].entries[0].override_reason == OVERRIDE
    barriers = doc.rows[ROWS.index("barriers")]
    assert dict(barriers.contributions)["VCS / Other"] == (
        "Different IT systems & <consent> rules",
    )
    public = doc.public()
    assert public["sections"][0]["text"] == PURPOSE
    assert public["sections"][1]["items"] == GOALS


def test_unicode_names_are_kept(workshop: Workshop) -> None:
    room = new_room(workshop, people=4)
    join(room, "p5", name="Zoë Ødegård-Łukasz 李", perspective="health")
    move_to(room, "document")
    sign(room, "p5")
    assert [s.name for s in build(room).signatories] == ["Zoë Ødegård-Łukasz 李"]


# ------------------------------------------------------------------ appendix
def test_appendix_rows_carry_contributions_in_perspective_order(full: Room) -> None:
    doc = build(full)
    assert [r.key for r in doc.rows] == ROWS
    mission = doc.rows[1]
    assert mission.title == "Mission statement"
    assert mission.prompt.startswith("The mission statement for multi-agency partnership")
    assert [label for label, _ in mission.contributions] == LABELS
    assert mission.contributions == (
        ("Education", ("Together we help every child achieve",)),
        ("Health", ("Healthy, safe and ready to learn", "No child falls between services")),
        ("Social Care", ()),
        ("VCS / Other", ()),
    )
    assert (mission.statement.status, mission.statement.text) == ("agreed", MISSION)
    assert (doc.rows[0].statement.status, doc.rows[0].statement.text) == ("draft", MEANS_DRAFT)
    assert doc.rows[2].statement.status == "missing"
    for row in doc.rows:
        assert [label for label, _ in row.contributions] == LABELS


def test_inner_and_outer_notes_trace_merges(full: Room) -> None:
    doc = build(full)
    assert [(n.text, n.perspective_label, n.merged) for n in doc.inner_notes] == [
        ("Keep children safe", "Health", ("Children are safe at home and school",)),
        ("Ready to learn", "Education", ()),
    ]
    assert [(n.text, n.perspective_label, n.merged) for n in doc.outer_notes] == [
        ("Fewer meetings", "Social Care", ())
    ]
    every = [n.text for n in (*doc.inner_notes, *doc.outer_notes)]
    assert NOTE_TEXTS["n5"] not in every  # never revealed
    assert NOTE_TEXTS["n4"] not in every  # absorbed: only listed as merged


def test_a_merge_of_a_merge_traces_every_absorbed_text(full: Room) -> None:
    move_to(full, "purpose-sort")
    commit(full, notes.decide_merge(full, note_id="n1", into="n2"))
    doc = build(full)
    assert [(n.text, sorted(n.merged)) for n in doc.inner_notes] == [
        ("Ready to learn", sorted([NOTE_TEXTS["n1"], NOTE_TEXTS["n4"]])),
        ("Write it down later", []),  # revealed by going back to sorting
    ]


def test_removed_notes_are_left_out(full: Room) -> None:
    move_to(full, "purpose-sort")
    commit(full, notes.decide_remove(full, viewer=FACILITATOR, note_id="n3"))
    commit(full, notes.decide_remove(full, viewer=FACILITATOR, note_id="n4"))
    doc = build(full)
    assert doc.outer_notes == ()
    assert [(n.text, n.merged) for n in doc.inner_notes] == [
        ("Keep children safe", ()),
        ("Ready to learn", ()),
        ("Write it down later", ()),  # revealed by going back to sorting
    ]


# ------------------------------------------------------------------ signatories
def test_signatories_come_from_signed_events(full: Room) -> None:
    events = sign(full, "p3") + sign(full, "p1")
    assert [e.type for e in events] == ["document.signed"] * 2
    version = document.current_version(full)
    assert events[0].data == {
        "participant_id": "p3",
        "name": "Sol",
        "perspective": "social-care",
        "version": version,
    }
    assert events[0].actor == "p3"
    doc = build(full)
    assert [(s.name, s.perspective, s.perspective_label, s.signed_at) for s in doc.signatories] == [
        ("Sol", "social-care", "Social Care", events[0].at),
        ("Priya", "health", "Health", events[1].at),
    ]
    assert events[0].at == CREATED + timedelta(seconds=events[0].seq)


def test_a_removed_participant_stays_a_signatory(full: Room) -> None:
    sign(full, "p2")
    commit(full, full.decide_remove("p2"))
    assert "p2" not in full.participants
    doc = build(full)
    assert [(s.name, s.perspective, s.perspective_label) for s in doc.signatories] == [
        ("Eleanor", "education", "Education")
    ]


def test_the_document_replays_from_the_log(full: Room, workshop: Workshop) -> None:
    sign(full, "p1")
    sign(full, "p4")
    fresh = Room(
        code=full.code,
        title=full.title,
        setting=full.setting,
        workshop=workshop,
        created_at=CREATED,
        phase=workshop.first_phase.id,
    )
    fresh.apply_all(LOGS[id(full)])
    assert fresh.seq == full.seq
    assert build(fresh) == build(full)
    assert [s.name for s in build(fresh).signatories] == ["Priya", "Val"]


# ------------------------------------------------------------------ decide_sign
@pytest.mark.parametrize("phase", [p for p in PHASES if p not in ("document", "closed")])
def test_sign_only_in_the_document_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    with pytest.raises(Conflict) as caught:
        document.decide_sign(room, "p1")
    assert caught.value.code == "wrong_phase"


def test_sign_decides_a_draft_without_mutating(full: Room) -> None:
    before = state(full)
    drafts = document.decide_sign(full, "p1")
    assert state(full) == before
    assert drafts == [
        Draft(
            "document.signed",
            {
                "participant_id": "p1",
                "name": "Priya",
                "perspective": "health",
                "version": document.current_version(full),
            },
            actor="p1",
        )
    ]


def test_signing_twice_changes_nothing(full: Room) -> None:
    first = sign(full, "p1")
    assert len(first) == 1
    before = state(full)
    assert document.decide_sign(full, "p1") == []
    assert state(full) == before
    assert len(build(full).signatories) == 1


def test_sign_in_a_closed_room_is_a_conflict(full: Room) -> None:
    sign(full, "p1")
    move_to(full, "closed")
    for pid in ("p1", "p2"):  # signed or not
        with pytest.raises(Conflict) as caught:
            document.decide_sign(full, pid)
        assert caught.value.code == "room_closed"
    # The signatures made before closing are still there.
    assert [s.name for s in build(full).signatories] == ["Priya"]


def test_a_removed_or_unknown_participant_cannot_sign(full: Room) -> None:
    commit(full, full.decide_remove("p3"))
    for pid in ("p3", "ghost"):
        with pytest.raises(NotFound) as caught:
            document.decide_sign(full, pid)
        assert caught.value.code == "participant_not_found"


def test_a_reopened_room_keeps_signatures(full: Room) -> None:
    sign(full, "p1")
    move_to(full, "grid-agree")
    draft(full, "grid.means", text="A better draft")
    move_to(full, "document")
    doc = build(full)
    assert [s.name for s in doc.signatories] == ["Priya"]
    assert doc.sections[3].entries[0].text == "A better draft"


# ------------------------------------------------------------------ public()
def test_public_matches_the_contract(full: Room) -> None:
    sign(full, "p1")
    public = build(full).public()
    assert {"title", "setting", "date", "sections", "signatories"} <= set(public)
    assert public["title"] == "Oakfield partnership"
    assert public["setting"] == "Oakfield Primary"
    assert public["date"] == "2026-11-24"
    for section in public["sections"]:
        assert {"id", "heading"} <= set(section)
        assert ("text" in section) != ("items" in section), section
    by_id = {s["id"]: s for s in public["sections"]}
    assert list(by_id) == ["purpose", "goals", "mission", "agreement"]
    assert by_id["purpose"]["text"] == PURPOSE
    assert by_id["purpose"]["heading"] == "Statement of purpose"
    assert by_id["goals"]["items"] == GOALS
    assert by_id["mission"]["text"] == MISSION
    assert by_id["agreement"]["items"] == [f"What partnership working means: {MEANS_DRAFT}"]
    assert by_id["agreement"]["intro"] == "The partners agree how they will work together."
    assert [e["status"] for e in by_id["agreement"]["entries"]] == ["draft"] + ["missing"] * 5
    assert by_id["purpose"]["entries"][0]["override_reason"] == OVERRIDE
    assert [s["status"] for s in public["sections"]] == ["agreed", "agreed", "agreed", "draft"]

    signatory = public["signatories"][0]
    assert {"name", "perspective", "signed_at"} <= set(signatory)
    assert signatory["name"] == "Priya"
    assert signatory["perspective"] == "health"
    assert signatory["perspective_label"] == "Health"
    assert signatory["signed_at"] == (CREATED + timedelta(seconds=full.seq)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )

    appendix = public["appendix"]
    assert [r["row"] for r in appendix["grid"]] == ROWS
    assert list(appendix["grid"][1]["contributions"]) == LABELS
    assert appendix["inner_circle"][0] == {
        "text": "Keep children safe",
        "perspective": "Health",
        "merged": ["Children are safe at home and school"],
        "merged_notes": [
            {"text": "Children are safe at home and school", "perspective": "VCS / Other"}
        ],
    }
    assert [o["target"] for o in appendix["overrides"]] == ["purpose"]
    assert public["version"] == document.current_version(full)
    assert signatory["version"] == public["version"]
    assert signatory["current"] is True


def test_public_of_an_empty_room(room: Room) -> None:
    public = build(room).public()
    assert [(s["id"], s.get("text"), s.get("items")) for s in public["sections"]] == [
        ("purpose", None, None),
        ("goals", None, None),
        ("mission", None, None),
        ("agreement", None, []),
    ]
    assert public["signatories"] == []
