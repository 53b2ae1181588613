"""The joint document's model: its sections and entries, who signed it, the appendix
that traces each agreed line to what fed it, and how dates and times read in it.

Built by `app.domain.document.build`; read by the writers in `app/export/`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from app.domain.events import iso

Status = Literal["agreed", "draft", "missing"]
LONDON = ZoneInfo("Europe/London")
"""The default time zone of the times people read (the setting TIME_ZONE)."""
LANGUAGE = "en-GB"
"""The document's language (its `lang`, the PDF's /Lang, Word's and ODT's)."""
MAX_ROLE = 80
"""A signatory's role or organisation, in characters."""


def long_date(moment: datetime, zone: tzinfo = LONDON) -> str:
    """The one date format of every document: '2 December 2026'."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%B %Y}"


def local_time(moment: datetime, zone: tzinfo = LONDON) -> str:
    """A time of day in the room's zone: '2 December 2026, 14:05'."""
    return f"{long_date(moment, zone)}, {moment.astimezone(zone):%H:%M}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One statement in a section."""

    target: str
    heading: str
    status: Status
    text: str | None = None
    items: tuple[str, ...] | None = None
    override_reason: str | None = None
    without_responses: bool = False
    """Marked agreed while nobody had responded (the document says so)."""
    theirs: bool = True
    """Its text and items are people's own words (a statement), which the documents do not
    label with the part's language; not the app's and workshop's wording (a rating's or a
    dot-vote's results)."""

    def public(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "heading": self.heading,
            "status": self.status,
            "text": self.text,
            "items": list(self.items) if self.items is not None else None,
            "override_reason": self.override_reason,
            "agreed_without_responses": self.without_responses,
        }

    def content(self) -> list[Any]:
        """What a signature vouches for: status, words, override."""
        items = list(self.items) if self.items is not None else None
        return [self.target, self.status, self.text, items, self.override_reason]


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


ON_PAPER = "signed on paper, entered by the facilitator"
"""How the document marks the signature of someone without a phone."""


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    perspective: str
    perspective_label: str
    signed_at: datetime
    version: str = ""
    """The version of the document they signed (`Document.version` then)."""
    current: bool = True
    """They signed the document as it reads now."""
    role: str | None = None
    organisation: str | None = None
    on_paper: bool = False
    """Someone without a phone: they signed on paper, the facilitator entered it."""

    @property
    def details(self) -> tuple[str, ...]:
        """What the document says under their name: role, organisation, how they signed."""
        paper = (ON_PAPER,) if self.on_paper else ()
        return tuple(x for x in (self.role, self.organisation) if x) + paper

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "perspective": self.perspective,
            "perspective_label": self.perspective_label,
            "signed_at": iso(self.signed_at),
            "version": self.version,
            "current": self.current,
            "role": self.role,
            "organisation": self.organisation,
            **({"on_paper": True} if self.on_paper else {}),
        }


@dataclass(frozen=True, slots=True)
class TracedNote:
    text: str
    perspective_label: str
    merged: tuple[str, ...] = ()
    """The texts of the notes merged into this one."""
    merged_from: tuple[tuple[str, str], ...] = ()
    """The same notes as (text, perspective label)."""
    perspective: str = ""
    """Its perspective's id (the picture's colour)."""


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
    version: str = ""
    """A hash of the agreed content: a signature is of one version."""
    zone: tzinfo = LONDON
    """The room's time zone: every time shown is local."""
    language: str = LANGUAGE
    names_hidden: bool = False
    """Anonymous: signatories appear as their perspective ('Health 2')."""
    unsent: tuple[Entry, ...] = field(default=())
    """Statements marked agreed with nobody responding."""
    perspectives: tuple[tuple[str, str], ...] = ()
    """The workshop's perspectives: (id, label), in order."""
    results: tuple[Entry, ...] = ()
    """The appendix's results of the session's phases (a dot-vote), with their lines."""

    @property
    def has_appendix(self) -> bool:
        return bool(self.rows) or self.has_notes or bool(self.overrides) or bool(self.results)

    @property
    def current_signatories(self) -> tuple[Signatory, ...]:
        """Who signed the document as it reads now: they stand under it."""
        return tuple(s for s in self.signatories if s.current)

    @property
    def earlier_signatories(self) -> tuple[Signatory, ...]:
        """Who signed an earlier version (and has not signed this one)."""
        return tuple(s for s in self.signatories if not s.current)

    @property
    def full_title(self) -> str:
        return f"{self.document_title} — {self.title}"

    @property
    def long_date(self) -> str:
        return long_date(self.date, self.zone)

    def local_time(self, moment: datetime) -> str:
        return local_time(moment, self.zone)

    @property
    def paper(self) -> Literal["A4", "Letter"]:
        """A4, but Letter where the language's convention is (US, Canada)."""
        return "Letter" if self.language in ("en-US", "en-CA", "es-US", "fr-CA") else "A4"

    def without_names(self) -> Document:
        """The document as the board and participants read it in an anonymous room:
        each signatory as their perspective and place ('Health 2'), nothing that names
        them (their role and organisation neither)."""
        counts: dict[str, int] = {}
        hidden = []
        for s in self.signatories:  # in the order they signed
            counts[s.perspective] = counts.get(s.perspective, 0) + 1
            alias = f"{s.perspective_label} {counts[s.perspective]}"
            hidden.append(dataclasses.replace(s, name=alias, role=None, organisation=None))
        ordered = tuple(hidden)
        return dataclasses.replace(self, signatories=ordered, names_hidden=True)

    def public(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "setting": self.setting,
            "document_title": self.document_title,
            "date": self.date.date().isoformat(),
            "version": self.version,
            "language": self.language,
            "names_hidden": self.names_hidden,
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
                # A session's phase results (a dot-vote), when it has any.
                **({"results": [e.public() for e in self.results]} if self.results else {}),
            },
        }


def _note(note: TracedNote) -> dict[str, Any]:
    return {
        "text": note.text,
        "perspective": note.perspective_label,
        "merged": list(note.merged),
        "merged_notes": [{"text": t, "perspective": p} for t, p in note.merged_from],
    }
