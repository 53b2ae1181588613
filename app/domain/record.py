"""The whole record of a room as tables (for the workbook and the CSV files): notes,
grid contributions, statements, responses, ratings and signatories.

Who may read it is the document's rule (`Records.data_tables`); what it names follows
the room's anonymity: authors of notes never in an anonymous room, and names of
respondents and signatories only where the room shows names (or to the facilitator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from app.domain import document
from app.domain.events import Viewer
from app.domain.room import Room

YES, NO = "yes", "no"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    """File and sheet name: notes, grid, statements…"""
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[int, ...]
    """Column widths in characters (the workbook's)."""


@dataclass(frozen=True, slots=True)
class Record:
    title: str
    setting: str
    date: datetime
    tables: tuple[Table, ...]
    document: document.Document


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def build(room: Room, viewer: Viewer, *, zone: tzinfo) -> Record:
    """The room's tables as `viewer` may read them."""
    names = viewer.is_facilitator or room.names_visible
    authors = names and not room.options.anonymous
    workshop = room.workshop
    labels = {p.id: p.label for p in workshop.perspectives}
    people = room.participants

    def label(perspective: str) -> str:
        return labels.get(perspective, perspective)

    def name(pid: str) -> str:
        person = people.get(pid)
        return person.name if names and person is not None else ""

    texts = {n.id: n.text for n in room.notes.values()}
    note_rows = []
    for note in sorted(room.notes.values(), key=lambda n: (n.ring, n.place)):
        if note.removed or not (note.revealed or (note.held and viewer.is_facilitator)):
            continue
        note_rows.append(
            (
                note.text,
                label(note.perspective),
                "inner" if note.ring == "inner" else "outer",
                texts.get(note.merged_into, "") if note.merged_into else "",
                YES if note.held else NO,
                name(note.author_id) if authors else "",
            )
        )
    grid_rows = [
        (row.title, label(c.perspective), c.text)
        for row in workshop.grid_rows
        for c in room.contributions.get(row.key, [])
    ]
    headings = document.headings(room)
    statement_rows = []
    response_rows = []
    for target, item in room.statements.items():
        if not item.has_content:
            continue
        heading = headings.get(target, target)
        words = "\n".join(item.items) if item.items is not None else item.text or ""
        agreed = item.status == "agreed"
        statement_rows.append(
            (
                heading,
                words,
                item.status,
                item.override_reason or "",
                YES if agreed and not item.responses else NO,
            )
        )
        for pid, response in item.responses.items():
            person = people.get(pid)
            response_rows.append(
                (
                    heading,
                    label(person.perspective) if person else "",
                    response.stance,
                    response.reason or "",
                    name(pid),
                )
            )
    rating_rows = []
    for phase in workshop.phases:
        if not phase.rated:
            continue
        options = {o.id: o.label for o in phase.options}
        for rated in phase.items:
            for pid, option in room.ratings.get((phase.id, rated.id), {}).items():
                person = people.get(pid)
                if person is None:
                    continue
                rating_rows.append(
                    (
                        phase.title,
                        rated.text,
                        options.get(option, option),
                        label(person.perspective),
                    )
                )
    merged = document.build(room, today=room.created_at, zone=zone, hide_names=not names)
    signatory_rows = [
        (
            s.name,
            s.perspective_label,
            s.role or "",
            s.organisation or "",
            _local(s.signed_at, zone),
            s.version,
            YES if s.current else NO,
        )
        for s in merged.signatories
    ]
    zone_name = str(zone)
    tables = (
        Table(
            "notes",
            "Task 1.1 notes",
            ("Note", "Perspective", "Circle", "Merged into", "Held back", "Author"),
            tuple(note_rows),
            (60, 16, 8, 40, 10, 24),
        ),
        Table(
            "grid",
            "Table 1.3 contributions",
            ("Row", "Perspective", "Contribution"),
            tuple(grid_rows),
            (30, 16, 70),
        ),
        Table(
            "statements",
            "Statements",
            ("Statement", "Text", "Status", "Override reason", "Agreed without responses"),
            tuple(statement_rows),
            (30, 70, 10, 40, 12),
        ),
        Table(
            "responses",
            "Responses",
            ("Statement", "Perspective", "Stance", "Reason", "Name"),
            tuple(response_rows),
            (30, 16, 14, 50, 24),
        ),
        Table(
            "ratings",
            "Ratings",
            ("Phase", "Item", "Answer", "Perspective"),
            tuple(rating_rows),
            (28, 70, 16, 16),
        ),
        Table(
            "signatories",
            "Signatories",
            (
                "Name",
                "Perspective",
                "Role",
                "Organisation",
                f"Signed ({zone_name})",
                "Version",
                "Of this version",
            ),
            tuple(signatory_rows),
            (24, 16, 24, 28, 20, 18, 10),
        ),
    )
    return Record(room.title, room.setting, room.created_at, tables, merged)
