"""Load workshop definitions (TOML under `workshops/`) into domain objects.

Each file is validated at start-up; a malformed file stops the app with a
message naming the file, the field and the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from app.domain.workshop import (
    PHASE_KINDS,
    DocumentSection,
    GridRow,
    Perspective,
    Phase,
    Workshop,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]


class WorkshopFileError(Exception):
    """A workshop file could not be loaded; the message says where and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerspectiveSpec(_Model):
    id: Slug
    label: Text
    short: Annotated[str, StringConstraints(min_length=1, max_length=2)]
    description: str = ""


class PhaseSpec(_Model):
    id: Slug
    kind: str
    title: Text
    facilitator_prompt: Text
    participant_prompt: Text
    board_prompt: str = ""
    targets: list[str] = []

    @model_validator(mode="after")
    def _known_kind(self) -> Self:
        if self.kind not in PHASE_KINDS:
            raise ValueError(f"kind '{self.kind}' is not one of {', '.join(PHASE_KINDS)}")
        return self


class NotesSpec(_Model):
    per_participant: int = Field(ge=1, le=20)
    prompt: Text


class GridRowSpec(_Model):
    key: Slug
    title: Text
    prompt: Text


class GridSpec(_Model):
    private: bool = False
    rows: list[GridRowSpec] = []


class SectionSpec(_Model):
    id: Slug
    heading: Text
    intro: str = ""
    sources: list[str] = Field(min_length=1)


class DocumentSpec(_Model):
    title: Text
    sections: list[SectionSpec] = Field(min_length=1)


class WorkshopSpec(_Model):
    id: Slug
    title: Text
    description: str = ""
    perspectives: list[PerspectiveSpec] = Field(min_length=1)
    phases: list[PhaseSpec] = Field(min_length=1)
    notes: NotesSpec
    grid: GridSpec = GridSpec()
    document: DocumentSpec

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for name, ids in (
            ("perspectives", [p.id for p in self.perspectives]),
            ("phases", [p.id for p in self.phases]),
            ("grid.rows", [r.key for r in self.grid.rows]),
            ("document.sections", [s.id for s in self.document.sections]),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{name}: duplicate id {', '.join(duplicates)}")
        targets = {"purpose", "goals"} | {f"grid.{r.key}" for r in self.grid.rows}
        for phase in self.phases:
            for target in phase.targets:
                if target not in targets:
                    raise ValueError(f"phases.{phase.id}.targets: unknown target '{target}'")
        for section in self.document.sections:
            for source in section.sources:
                if source not in targets:
                    raise ValueError(
                        f"document.sections.{section.id}.sources: unknown source '{source}'"
                    )
        return self

    def to_domain(self) -> Workshop:
        return Workshop(
            id=self.id,
            title=self.title,
            description=self.description.strip(),
            perspectives=tuple(
                Perspective(p.id, p.label, p.short, p.description) for p in self.perspectives
            ),
            phases=tuple(
                Phase(
                    p.id,
                    p.kind,
                    p.title,
                    p.facilitator_prompt,
                    p.participant_prompt,
                    tuple(p.targets),
                    p.board_prompt.strip(),
                )
                for p in self.phases
            ),
            notes_per_participant=self.notes.per_participant,
            notes_prompt=self.notes.prompt,
            grid_rows=tuple(GridRow(r.key, r.prompt, r.title) for r in self.grid.rows),
            grid_private=self.grid.private,
            document_title=self.document.title,
            document_sections=tuple(
                DocumentSection(s.id, s.heading, tuple(s.sources), s.intro)
                for s in self.document.sections
            ),
        )


def load_workshop(path: Path) -> Workshop:
    """Parse and validate one workshop file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkshopFileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        spec = WorkshopSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise WorkshopFileError(f"{path}: {problems}") from exc
    return spec.to_domain()


def load_workshops(directory: Path) -> dict[str, Workshop]:
    """Every `*.toml` in `directory`, by id; refuses an empty folder or a clash."""
    workshops: dict[str, Workshop] = {}
    for path in sorted(directory.glob("*.toml")):
        workshop = load_workshop(path)
        if workshop.id in workshops:
            raise WorkshopFileError(f"{path}: id '{workshop.id}' is already used by another file")
        workshops[workshop.id] = workshop
    if not workshops:
        raise WorkshopFileError(f"{directory}: no workshop definitions (*.toml) found")
    return workshops
