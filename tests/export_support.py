"""What the export tests share: a room that agreed some statements (hostile text
among them) and signed, and the texts it holds."""

from __future__ import annotations

from pathlib import Path

from app.domain import notes
from app.domain.events import FACILITATOR
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import (
    agree,
    commit,
    contribute,
    create_room,
    draft,
    join,
    move_to,
    respond,
    sign,
)

SHOTS_DIR = Path("/tmp/cg-shots")

# User text that tries to add structure to each format.
HOSTILE = "# heading\n- list\n**bold** [link](http://x) <script>alert(1)</script>"
HOSTILE_LINES = HOSTILE.splitlines()
GOALS = ["Share information early & safely", "1. <script>alert(2)</script>", "One plan per family"]
MISSION = "Every child in Oakfield thrives because we work as one team."
UNICODE = "Ünïcødé ✓ Zoë Łódź ½"  # all in DejaVu Sans
MEANS = "Sharing responsibility for every child's wellbeing"
OVERRIDE = "Raised again with Education next term"
SIGNER = "Zoë Ødegård"
SECTION_HEADINGS = [
    "1. Statement of purpose",
    "2. Common goals",
    "3. Mission statement",
    "4. Partnership agreement",
    "5. Signatories",
]
AGREEMENT_HEADINGS = [
    "What partnership working means",
    "Improving outcomes",
    "Making it effective",
    "Barriers",
    "Overcoming the barriers",
    "In one year",
]
LABELS = ["Education", "Health", "Social Care", "VCS / Other"]
ROW_TITLES = [
    "What partnership working means",
    "Mission statement",
    "Improving outcomes",
    "Making it effective",
    "Barriers",
    "Overcoming the barriers",
    "In one year",
]


def agreed_room(workshop: Workshop) -> Room:
    """Purpose (hostile text, agreed over an objection), goals, mission, a draft row."""
    room = create_room(workshop)
    join(room, "p1", name=SIGNER, perspective="health")
    join(room, "p2", name="Tom Ellis", perspective="education")
    join(room, "p3", name="Ana <b>Ruiz</b>", perspective="social-care")
    move_to(room, "purpose-write")
    commit(
        room,
        notes.decide_add(
            room, author_id="p1", note_id="n1", text="Keep <em>children</em> safe", max_length=280
        ),
    )
    commit(
        room,
        notes.decide_add(room, author_id="p2", note_id="n2", text="Fewer meetings", max_length=280),
    )
    move_to(room, "purpose-sort")
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="n2", ring="outer"))
    move_to(room, "purpose-agree")
    draft(room, "purpose", text=HOSTILE)
    respond(room, "purpose", "p2", "object", "Too long")
    agree(room, "purpose", override_reason=OVERRIDE)
    draft(room, "goals", items=[*GOALS, UNICODE])
    agree(room, "goals")
    move_to(room, "grid-write")
    contribute(room, "p2", "mission", "c1", "Together we help every child achieve")
    contribute(room, "p1", "mission", "c2", UNICODE)
    contribute(room, "p3", "barriers", "c3", "<script>alert(3)</script> caseloads")
    move_to(room, "grid-agree")
    draft(room, "grid.mission", text=MISSION)
    agree(room, "grid.mission")
    draft(room, "grid.means", text=MEANS)
    move_to(room, "document")
    sign(room, "p1")
    sign(room, "p3")
    return room
