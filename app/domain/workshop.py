"""A workshop definition: perspectives, phases, grid rows, document sections.

Definitions are data (TOML files under `workshops/`); `app.workshops` loads and
validates them into these frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import registry
from app.domain.errors import Invalid
from app.domain.registry import PhaseKind


@dataclass(frozen=True, slots=True)
class Perspective:
    """An agency's point of view: a column in the grid, a colour on the board."""

    id: str
    label: str
    short: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Option:
    """A choice on a rating scale ("Not yet", "Stage 3. Deciding together")."""

    id: str
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """Something each participant rates (a checklist line, or a scale's one question)."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Script:
    """The facilitator's notes for a phase: what to say, in order, and how long it takes."""

    say: tuple[str, ...] = ()
    minutes: int | None = None
    """Suggested length of the phase, in minutes (None: no suggestion)."""


@dataclass(frozen=True, slots=True)
class Phase:
    """One step of the session, with what the facilitator and participants are asked."""

    id: str
    kind: str
    title: str
    facilitator_prompt: str
    participant_prompt: str
    targets: tuple[str, ...] = ()
    board_prompt: str = ""
    items: tuple[Item, ...] = ()
    """What is rated in a rate-items or choose-scale phase."""
    options: tuple[Option, ...] = ()
    """The scale every item is rated on, in order."""
    script: Script | None = None
    """Notes for the facilitator (control view only), from the workshop file."""
    dots: int = 3
    """A vote-notes phase: dots each participant places."""
    stacking: bool = False
    """A vote-notes phase: several of one's dots may go on one note."""

    @property
    def traits(self) -> PhaseKind:
        """What this kind of phase is (declared once, in the registry)."""
        return registry.kind(self.kind)

    @property
    def rated(self) -> bool:
        return self.traits.rated

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def board_text(self) -> str:
        """What the projected board says: its own prompt, else the participants'."""
        return self.board_prompt or self.participant_prompt


@dataclass(frozen=True, slots=True)
class GridRow:
    """A prompt of Table 1.3 (a row of the grid)."""

    key: str
    prompt: str
    title: str


@dataclass(frozen=True, slots=True)
class DocumentSection:
    """A section of the joint document and the statements it is built from."""

    id: str
    heading: str
    sources: tuple[str, ...]
    intro: str = ""


@dataclass(frozen=True, slots=True)
class Workshop:
    """The whole definition of a workshop, as loaded from its file."""

    id: str
    title: str
    description: str
    perspectives: tuple[Perspective, ...]
    phases: tuple[Phase, ...]
    notes_per_participant: int
    notes_prompt: str
    grid_rows: tuple[GridRow, ...]
    grid_private: bool
    document_title: str
    document_sections: tuple[DocumentSection, ...]
    translations: tuple[tuple[str, Workshop], ...] = ()
    """The same workshop in other languages (language code, its texts translated),
    from the workshop file's translation files; English is the file itself."""

    def in_language(self, code: str) -> Workshop:
        """This workshop's texts in `code`, or as written when it has no translation."""
        return next((w for lang, w in self.translations if lang == code), self)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.translations)

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id, or `Invalid` naming the ones that exist."""
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        known = ", ".join(p.id for p in self.phases)
        raise Invalid(
            "invalid_phase",
            "Unknown phase '{phase}'. Phases: {known}.",
            phase=phase_id,
            known=known,
        )

    def perspective(self, perspective_id: str) -> Perspective:
        """The perspective with this id, or `Invalid` naming the ones that exist."""
        for perspective in self.perspectives:
            if perspective.id == perspective_id:
                return perspective
        known = ", ".join(p.id for p in self.perspectives)
        raise Invalid(
            "invalid_perspective",
            "Unknown perspective '{perspective}'. Choose one of: {known}.",
            perspective=perspective_id,
            known=known,
        )

    def phase_index(self, phase_id: str) -> int:
        """Position of a phase in the running order."""
        return [p.id for p in self.phases].index(phase_id)

    @property
    def first_phase(self) -> Phase:
        return self.phases[0]

    def has_kind(self, **traits: bool) -> bool:
        """Whether any phase has these traits (`has_kind(private_notes=True)`)."""
        return any(
            all(getattr(p.traits, name) == value for name, value in traits.items())
            for p in self.phases
        )
