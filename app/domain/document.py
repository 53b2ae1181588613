"""The joint document: what the group agreed, merged into the sections the
workshop definition names, with an appendix that traces every agreed line to
what fed it (the perspectives' contributions, the inner and outer circles).

Never drops a section silently: a statement that was only drafted is marked
as a draft, one never written is listed as not agreed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.consent import targets_of
from app.domain.document_model import (
    LANGUAGE,
    LONDON,
    MAX_ROLE,
    Document,
    Entry,
    RowTrace,
    Section,
    Signatory,
    Status,
    TracedNote,
    local_time,
    long_date,
)
from app.domain.errors import Conflict
from app.domain.events import Draft, Event
from app.domain.registry import DocumentSource, Part, PhaseKind
from app.domain.text import clean_text

if TYPE_CHECKING:
    from app.domain.room import Room
    from app.domain.workshop import Workshop

__all__ = [  # the model, read through this module by the writers and the web layer
    "LANGUAGE",
    "LONDON",
    "Document",
    "Entry",
    "RowTrace",
    "Section",
    "Signatory",
    "Signature",
    "Status",
    "TracedNote",
    "build",
    "decide_sign",
    "local_time",
    "long_date",
]


def N_(message: str) -> str:  # gettext's name for "translated where it is shown"
    """Mark fixed wording for the catalogue (the domain knows no language)."""
    return message


# ---------------------------------------------------------------- the merge
def headings(room: Room) -> dict[str, str]:
    """A person's name for each statement target."""
    names = {"purpose": N_("Statement of purpose"), "goals": N_("Common goals")}
    for row in room.workshop.grid_rows:
        names[f"grid.{row.key}"] = row.title
    return names


def entry(room: Room, target: str) -> Entry:
    heading = headings(room)[target]
    item = room.statements.get(target)
    if item is None or not item.has_content:
        return Entry(target, heading, "missing")
    agreed = item.status == "agreed"
    return Entry(
        target,
        heading,
        "agreed" if agreed else "draft",
        item.text,
        tuple(item.items) if item.items is not None else None,
        item.override_reason if agreed else None,
        without_responses=agreed and not item.responses,
    )


def statement_names(workshop: Workshop) -> list[str]:
    """The statement targets a document section may take its text from."""
    return targets_of(workshop)


def section_entry(room: Room, source: str) -> Entry:
    """The entry for one of a section's sources (a statement, a rating…)."""
    return registry.source_entry(room, source)


def sections_of(room: Room) -> tuple[Section, ...]:
    return tuple(
        Section(
            s.id, s.heading, s.intro, tuple(section_entry(room, source) for source in s.sources)
        )
        for s in room.workshop.document_sections
    )


def version_of(sections: tuple[Section, ...]) -> str:
    """The version of a document: a hash of what its sections say (statuses, words,
    override reasons), so that a signature can say which text it was given to."""
    content = [[s.id, [e.content() for e in s.entries]] for s in sections]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def current_version(room: Room) -> str:
    return version_of(sections_of(room))


def build(
    room: Room, *, today: datetime, zone: tzinfo = LONDON, hide_names: bool = False
) -> Document:
    """Merge what the room agreed into the workshop's document sections (`hide_names`:
    as an anonymous room's participants and board may read it)."""
    workshop = room.workshop
    labels = {p.id: p.label for p in workshop.perspectives}
    sections = sections_of(room)
    version = version_of(sections)
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
    absorbed: dict[str, list[tuple[str, str]]] = {}
    for note in room.notes.values():
        if note.merged_into and not note.removed:
            label = labels.get(note.perspective, note.perspective)
            absorbed.setdefault(note.merged_into, []).append((note.text, label))
    traced = {
        ring: tuple(
            TracedNote(
                n.text,
                labels.get(n.perspective, n.perspective),
                tuple(text for text, _ in absorbed.get(n.id, ())),
                tuple(absorbed.get(n.id, ())),
                n.perspective,
            )
            for n in sorted(room.notes.values(), key=lambda n: n.place)
            if n.active and n.revealed and n.ring == ring
        )
        for ring in ("inner", "outer")
    }
    all_entries = [entry(room, target) for target in headings(room)]
    merged = Document(
        title=room.title,
        setting=room.setting,
        document_title=workshop.document_title,
        date=today,
        sections=sections,
        signatories=tuple(
            Signatory(
                s.name,
                s.perspective,
                labels.get(s.perspective, s.perspective),
                s.at,
                s.version,
                s.version == version,
                s.role,
                s.organisation,
                _on_paper(room, s.participant_id),
            )
            for s in sorted(room.signatures.values(), key=lambda s: s.order)
        ),
        rows=rows,
        inner_notes=traced["inner"],
        outer_notes=traced["outer"],
        overrides=tuple(e for e in all_entries if e.override_reason),
        has_notes=workshop.has_kind(private_notes=True),
        version=version,
        zone=zone,
        unsent=tuple(e for e in all_entries if e.without_responses),
        perspectives=tuple((p.id, p.label) for p in workshop.perspectives),
        results=tuple(e for e in registry.appendix_entries(room) if e.items),
    )
    return merged.without_names() if hide_names else merged


def _on_paper(room: Room, participant_id: str) -> bool:
    person = room.participants.get(participant_id)
    return person is not None and person.proxy


# ------------------------------------------------------------------ signing
@dataclass(frozen=True, slots=True)
class Signature:
    participant_id: str
    name: str
    perspective: str
    at: datetime
    order: int = 0
    """Its place in the order people signed."""
    version: str = ""
    """The document's version they signed (see `version_of`)."""
    role: str | None = None
    organisation: str | None = None


def _optional_line(value: object, field_name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_text(value, field=field_name, max_length=MAX_ROLE, single_line=True)


def decide_sign(
    room: Room, participant_id: str, *, role: object = None, organisation: object = None
) -> list[Draft]:
    """A participant signs the joint document as it reads now (once per version: signing
    the same version again changes nothing; after a change, they sign again)."""
    room.ensure_open()
    if not room.current_phase.traits.signing:
        raise Conflict("wrong_phase", "The document can be signed once the facilitator opens it.")
    person = room.participant(participant_id)
    version = current_version(room)
    clean_role = _optional_line(role, "role")
    clean_organisation = _optional_line(organisation, "organisation")
    earlier = room.signatures.get(participant_id)
    if earlier is not None and earlier.version == version:
        same = (clean_role, clean_organisation) == (earlier.role, earlier.organisation)
        if same or (clean_role is None and clean_organisation is None):
            return []
    data: dict[str, Any] = {
        "participant_id": participant_id,
        "name": person.name,
        "perspective": person.perspective,
        "version": version,
    }
    if clean_role is not None:
        data["role"] = clean_role
    if clean_organisation is not None:
        data["organisation"] = clean_organisation
    if room.options.anonymous and room.phase not in room.options.names_shown:
        data["facilitator_reads"] = True
        return [Draft("document.signed", data, actor=participant_id, private_to=participant_id)]
    return [Draft("document.signed", data, actor=participant_id)]


def _hide_name(data: dict[str, Any]) -> dict[str, Any]:
    hidden = {**data, "name": None}
    for key in ("role", "organisation"):
        if key in hidden:
            hidden[key] = None
    return hidden


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
    names=True,
)
def _signed(room: Room, event: Event) -> None:
    data = event.data
    # Logs written before signatures named their version: the version is the
    # document's as it read when they signed, which is the room's state now.
    version = data.get("version") or current_version(room)
    room.signatures[data["participant_id"]] = Signature(
        data["participant_id"],
        data["name"],
        data["perspective"],
        event.at,
        event.seq,
        version,
        data.get("role"),
        data.get("organisation"),
    )


def signed_current(room: Room, participant_id: str) -> bool:
    """Whether this participant's signature is of the document as it reads now."""
    found = room.signatures.get(participant_id)
    return found is not None and found.version == current_version(room)
