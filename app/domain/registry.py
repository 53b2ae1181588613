"""The registry: every event type, phase kind and document source, declared once.

Each feature module declares what it adds, beside the code that emits it:

    @registry.event("note.moved", touches=lambda room, event: (Part("note", ...),))
    def _moved(room: Room, event: Event) -> None: ...

    registry.phase_kind(PhaseKind("sort-notes", shows_notes=True, on_enter=reveal_drafts))

A feature whose parts another's event changes says so with `also_touches`.
Everything else reads these declarations instead of keeping its own lists:
`Room.apply`, `events.redact`, the workshop loader's checks, the phase-enter
step, the pages' partials, the live-update rules and the document's sources.
Declaring a name twice is an error at import; using an unknown one is an error
where it is used (never a silent no-op).

`app.domain.catalog` imports every feature module, so that the registry is
complete; the workshop loader imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from app.domain.document import Entry
    from app.domain.events import Draft, Event
    from app.domain.room import Room
    from app.domain.workshop import Workshop

Apply = Callable[["Room", "Event"], None]
Redact = Callable[[dict[str, Any]], dict[str, Any]]


class DuplicateDeclaration(Exception):
    """A name was declared twice (a programming error, raised at import)."""


class UnknownName(ValueError):
    """An event type, phase kind or document source that nothing declared."""


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of what the screens show, which an event changes.

    `name` is what it is ("note", "tally", "timer"…), `key` which one (a note id,
    a statement target), and `only` the participant whose phone alone shows it
    (their own answer, their private note): of the phones, only theirs changes,
    while the board and the control view may still show it in aggregate. The web
    layer maps parts to the elements of each screen.
    """

    name: str
    key: str = ""
    only: str | None = None


SCREEN = Part("screen")
"""Everything on every screen may change (a phase change, names shown or hidden)."""

Touches = Callable[["Room", "Event"], Iterable[Part]]


@dataclass(frozen=True, slots=True)
class EventType:
    """How one type of event changes the room, and who may read what."""

    name: str
    apply: Apply
    touches: Touches
    """The live-update rule: the parts of the screens this event changes."""
    redact: Redact | None = None
    """What the event shows people it is private from (None: nothing is private)."""
    names: bool = False
    """It carries people's names: who may read them is decided when it is read, by the
    room's options then (as the snapshot decides), not by those it was written under."""


@dataclass(frozen=True, slots=True)
class PhaseKind:
    """One kind of step in a session, with the traits the rest of the app reads."""

    name: str
    writing: bool = False
    """People work on their own: a timer may close it, phones show "I'm done"."""
    rated: bool = False
    """Each participant picks one option per item."""
    shows_notes: bool = False
    """The board shows the circles of revealed Post-its."""
    discusses_notes: bool = False
    """A Post-it may be spotlit on the board."""
    discusses_rows: bool = False
    """A grid row may be spotlit on the board."""
    shows_document: bool = False
    """Participants read (and may download) the joint document."""
    signing: bool = False
    """Participants sign the joint document."""
    read_only: bool = False
    """Every write is refused (the session has closed)."""
    private_notes: bool = False
    """Post-its are written here, private to their authors until revealed."""
    personal_phone: bool | Callable[[Workshop], bool] = False
    """Each phone shows something of its own (its notes, answers, responses);
    a function when that depends on the workshop (a private grid)."""
    on_enter: Callable[[Room], list[Draft]] | None = None
    """Events that follow entering a phase of this kind (the reveal of the notes)."""
    fields: tuple[str, ...] = ()
    """Workshop-file fields of a phase of this kind (items, options, question, targets)."""
    required: tuple[str, ...] = ()
    """Of those, the ones a file must give."""
    check: Callable[[Mapping[str, Any]], None] | None = None
    """Further rules on the phase's fields; raises ValueError with the reason."""
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """Turns the file's fields into the phase's (a scale's question becomes its item)."""
    needs: tuple[str, ...] = ()
    """Workshop tables a phase of this kind needs ("notes", "grid")."""
    template: str = ""
    """Partials that show it: `_board_<template>.html`, `_phone_…`, `_control_…`
    (the kind's own name unless it shares another's)."""

    @property
    def partial(self) -> str:
        return self.template or self.name

    def is_personal(self, workshop: Workshop) -> bool:
        """Whether phones show something of their own in a phase of this kind."""
        if callable(self.personal_phone):
            return self.personal_phone(workshop)
        return self.personal_phone


@dataclass(frozen=True, slots=True)
class DocumentSource:
    """Where a section of the joint document takes its text from."""

    name: str
    names: Callable[[Workshop], Iterable[str]]
    """Every source string of this kind a workshop offers ("purpose", "ratings.ladder")."""
    entry: Callable[[Room, str], Entry]
    """The section entry for one source string."""
    appendix: bool = False
    """Its entries (a phase's results) also go into the document's appendix."""


@dataclass(slots=True)
class Registry:
    """The declarations, by name."""

    events: dict[str, EventType] = field(default_factory=dict)
    kinds: dict[str, PhaseKind] = field(default_factory=dict)
    sources: dict[str, DocumentSource] = field(default_factory=dict)
    more_touches: dict[str, list[Touches]] = field(default_factory=dict)
    """What other features' events change of a feature's (see `also_touches`)."""


REGISTRY = Registry()
T = TypeVar("T")


def _declare(table: dict[str, T], name: str, item: T, what: str) -> T:
    if name in table:
        raise DuplicateDeclaration(f"{what} {name!r} is declared twice")
    table[name] = item
    return item


def event(
    name: str, *, touches: Touches, redact: Redact | None = None, names: bool = False
) -> Callable[[Apply], Apply]:
    """Declare an event type; decorates the function that applies it to a room."""

    def register(apply: Apply) -> Apply:
        declared = EventType(name, apply, touches, redact, names)
        _declare(REGISTRY.events, name, declared, "event type")
        return apply

    return register


def also_touches(name: str) -> Callable[[Touches], Touches]:
    """Declare, beside a feature's own parts, that another feature's event changes them
    too (a voter removed from the room takes their dots from the vote)."""

    def register(touches: Touches) -> Touches:
        REGISTRY.more_touches.setdefault(name, []).append(touches)
        return touches

    return register


def touched(room: Room, event: Event) -> Iterator[Part]:
    """Every part of the screens `event` changes: its type's rule, then the others'."""
    yield from event_type(event.type).touches(room, event)
    for more in REGISTRY.more_touches.get(event.type, ()):
        yield from more(room, event)


def phase_kind(kind: PhaseKind) -> PhaseKind:
    """Declare a phase kind."""
    return _declare(REGISTRY.kinds, kind.name, kind, "phase kind")


def document_source(source: DocumentSource) -> DocumentSource:
    """Declare a kind of document source."""
    return _declare(REGISTRY.sources, source.name, source, "document source")


def event_type(name: str) -> EventType:
    found = REGISTRY.events.get(name)
    if found is None:
        raise UnknownName(f"unknown event type {name!r}")
    return found


def kind(name: str) -> PhaseKind:
    found = REGISTRY.kinds.get(name)
    if found is None:
        known = ", ".join(REGISTRY.kinds)
        raise UnknownName(f"kind '{name}' is not one of {known}")
    return found


def kinds() -> tuple[PhaseKind, ...]:
    return tuple(REGISTRY.kinds.values())


def event_types() -> tuple[EventType, ...]:
    return tuple(REGISTRY.events.values())


def source_names(workshop: Workshop) -> set[str]:
    """Every document source a workshop offers."""
    return {name for source in REGISTRY.sources.values() for name in source.names(workshop)}


def appendix_entries(room: Room) -> list[Entry]:
    """The entries of every source the appendix shows (results of the room's phases)."""
    return [
        source.entry(room, name)
        for source in REGISTRY.sources.values()
        if source.appendix
        for name in source.names(room.workshop)
    ]


def source_entry(room: Room, name: str) -> Entry:
    """The document entry for one source string of the room's workshop."""
    for source in REGISTRY.sources.values():
        if name in source.names(room.workshop):
            return source.entry(room, name)
    raise UnknownName(f"unknown document source {name!r}")
