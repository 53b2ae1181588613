"""The joint document: what the group agreed, merged into the sections the
workshop definition names, with an appendix that traces every agreed line to
what fed it (the perspectives' contributions, the inner and outer circles).

Never drops a section silently: a statement that was only drafted is marked
as a draft, one never written is listed as not agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from app.domain import registry
from app.domain.consent import targets_of
from app.domain.errors import Conflict
from app.domain.events import Draft, Event, iso
from app.domain.registry import DocumentSource, Part, PhaseKind

if TYPE_CHECKING:
    from app.domain.room import Room
    from app.domain.workshop import Workshop

Status = Literal["agreed", "draft", "missing"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One statement in a section."""

    target: str
    heading: str
    status: Status
    text: str | None = None
    items: tuple[str, ...] | None = None
    override_reason: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "heading": self.heading,
            "status": self.status,
            "text": self.text,
            "items": list(self.items) if self.items is not None else None,
            "override_reason": self.override_reason,
        }


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    heading: str
    intro: str
    entries: tuple[Entry, ...]

    @property
    def status(self) -> Status:
        statuses = {e.status for e in self.entries}
        if statuses == {"agreed"}:
            return "agreed"
        return "missing" if statuses == {"missing"} else "draft"

    def public(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "heading": self.heading,
            "status": self.status,
            "entries": [e.public() for e in self.entries],
        }
        if len(self.entries) == 1:
            only = self.entries[0]
            if only.items is not None:
                data["items"] = list(only.items)
            else:
                data["text"] = only.text
        else:
            data["items"] = [f"{e.heading}: {e.text}" for e in self.entries if e.text]
        if self.intro:
            data["intro"] = self.intro
        return data


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    perspective: str
    perspective_label: str
    signed_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "perspective": self.perspective,
            "perspective_label": self.perspective_label,
            "signed_at": iso(self.signed_at),
        }


@dataclass(frozen=True, slots=True)
class TracedNote:
    text: str
    perspective_label: str
    merged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowTrace:
    """A grid row: each perspective's contributions and the agreed statement."""

    key: str
    title: str
    prompt: str
    contributions: tuple[tuple[str, tuple[str, ...]], ...]
    """(perspective label, texts) in the workshop's perspective order."""
    statement: Entry


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    setting: str
    document_title: str
    date: datetime
    sections: tuple[Section, ...]
    signatories: tuple[Signatory, ...]
    rows: tuple[RowTrace, ...]
    inner_notes: tuple[TracedNote, ...]
    outer_notes: tuple[TracedNote, ...]
    overrides: tuple[Entry, ...] = field(default=())
    has_notes: bool = True
    """The workshop has a Post-it task (its circles belong in the appendix)."""

    @property
    def has_appendix(self) -> bool:
        return bool(self.rows) or self.has_notes or bool(self.overrides)

    def public(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "setting": self.setting,
            "document_title": self.document_title,
            "date": self.date.date().isoformat(),
            "sections": [s.public() for s in self.sections],
            "signatories": [s.public() for s in self.signatories],
            "appendix": {
                "grid": [
                    {
                        "row": r.key,
                        "title": r.title,
                        "prompt": r.prompt,
                        "contributions": {label: list(texts) for label, texts in r.contributions},
                        "statement": r.statement.public(),
                    }
                    for r in self.rows
                ],
                "inner_circle": [_note(n) for n in self.inner_notes],
                "outer_circle": [_note(n) for n in self.outer_notes],
                "overrides": [e.public() for e in self.overrides],
            },
        }


def _note(note: TracedNote) -> dict[str, Any]:
    return {"text": note.text, "perspective": note.perspective_label, "merged": list(note.merged)}


# ---------------------------------------------------------------- the merge
def headings(room: Room) -> dict[str, str]:
    """A person's name for each statement target."""
    names = {"purpose": "Statement of purpose", "goals": "Common goals"}
    for row in room.workshop.grid_rows:
        names[f"grid.{row.key}"] = row.title
    return names


def entry(room: Room, target: str) -> Entry:
    heading = headings(room)[target]
    item = room.statements.get(target)
    if item is None or not item.has_content:
        return Entry(target, heading, "missing")
    return Entry(
        target,
        heading,
        "agreed" if item.status == "agreed" else "draft",
        item.text,
        tuple(item.items) if item.items is not None else None,
        item.override_reason if item.status == "agreed" else None,
    )


def statement_names(workshop: Workshop) -> list[str]:
    """The statement targets a document section may take its text from."""
    return targets_of(workshop)


def section_entry(room: Room, source: str) -> Entry:
    """The entry for one of a section's sources (a statement, a rating…)."""
    return registry.source_entry(room, source)


def build(room: Room, *, today: datetime) -> Document:
    """Merge what the room agreed into the workshop's document sections."""
    workshop = room.workshop
    labels = {p.id: p.label for p in workshop.perspectives}
    sections = tuple(
        Section(
            s.id, s.heading, s.intro, tuple(section_entry(room, source) for source in s.sources)
        )
        for s in workshop.document_sections
    )
    rows = tuple(
        RowTrace(
            row.key,
            row.title,
            row.prompt,
            tuple(
                (
                    p.label,
                    tuple(
                        c.text for c in room.contributions.get(row.key, []) if c.perspective == p.id
                    ),
                )
                for p in workshop.perspectives
            ),
            entry(room, f"grid.{row.key}"),
        )
        for row in workshop.grid_rows
    )
    absorbed: dict[str, list[str]] = {}
    for note in room.notes.values():
        if note.merged_into and not note.removed:
            absorbed.setdefault(note.merged_into, []).append(note.text)
    traced = {
        ring: tuple(
            TracedNote(
                n.text, labels.get(n.perspective, n.perspective), tuple(absorbed.get(n.id, ()))
            )
            for n in room.notes.values()
            if n.active and n.revealed and n.ring == ring
        )
        for ring in ("inner", "outer")
    }
    all_entries = [entry(room, target) for target in headings(room)]
    return Document(
        title=room.title,
        setting=room.setting,
        document_title=workshop.document_title,
        date=today,
        sections=sections,
        signatories=tuple(
            Signatory(s.name, s.perspective, labels.get(s.perspective, s.perspective), s.at)
            for s in room.signatures.values()
        ),
        rows=rows,
        inner_notes=traced["inner"],
        outer_notes=traced["outer"],
        overrides=tuple(e for e in all_entries if e.override_reason),
        has_notes=workshop.has_kind(private_notes=True),
    )


# ------------------------------------------------------------------ signing
@dataclass(frozen=True, slots=True)
class Signature:
    participant_id: str
    name: str
    perspective: str
    at: datetime
    order: int = 0
    """Its place in the order people signed."""


def decide_sign(room: Room, participant_id: str) -> list[Draft]:
    """A participant signs the joint document (once; signing again changes nothing)."""
    room.ensure_open()
    if not room.current_phase.traits.signing:
        raise Conflict("wrong_phase", "The document can be signed once the facilitator opens it.")
    person = room.participant(participant_id)
    if participant_id in room.signatures:
        return []
    data: dict[str, Any] = {
        "participant_id": participant_id,
        "name": person.name,
        "perspective": person.perspective,
    }
    if room.options.anonymous and room.phase not in room.options.names_shown:
        data["facilitator_reads"] = True
        return [Draft("document.signed", data, actor=participant_id, private_to=participant_id)]
    return [Draft("document.signed", data, actor=participant_id)]


def _hide_name(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "name": None}


registry.document_source(DocumentSource("statement", statement_names, entry))
DOCUMENT = registry.phase_kind(
    PhaseKind("document", shows_document=True, signing=True, personal_phone=True)
)


@registry.event(
    "document.signed",
    touches=lambda room, event: (
        Part("signatures"),
        Part("signed", event.data["participant_id"], only=event.data["participant_id"]),
    ),
    redact=_hide_name,
)
def _signed(room: Room, event: Event) -> None:
    data = event.data
    room.signatures[data["participant_id"]] = Signature(
        data["participant_id"], data["name"], data["perspective"], event.at, event.seq
    )
