"""Load workshop definitions (TOML under `workshops/`) into domain objects.

Each file is validated at start-up; a malformed file stops the app with a
message naming the file, the field and the reason.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from app import workshop_translations
from app.domain import catalog, registry
from app.domain.consent import targets_of
from app.domain.workshop import (
    DocumentSection,
    GridRow,
    Item,
    Option,
    Perspective,
    Phase,
    Script,
    Workshop,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class WorkshopFileError(Exception):
    """A workshop file could not be loaded; the message says where and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerspectiveSpec(_Model):
    id: Slug
    label: Text
    short: Annotated[str, StringConstraints(min_length=1, max_length=2)]
    description: str = ""


class OptionSpec(_Model):
    """One choice on a phase's rating scale."""

    id: Slug
    label: Text
    description: str = ""


class ItemSpec(_Model):
    """One thing to rate in a rate-items phase."""

    id: Slug
    text: Text


class ScriptSpec(_Model):
    """The facilitator's script for a phase (shown in the control view only)."""

    say: list[Text] = Field(
        default=[],
        max_length=20,
        description="What to say or do, in order: one short paragraph per entry.",
    )
    minutes: int | None = Field(
        default=None, ge=1, le=240, description="Suggested length of the phase, in minutes."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.say and self.minutes is None:
            raise ValueError("a script needs `say` (what to say) or `minutes`")
        return self

    def to_domain(self) -> Script:
        return Script(tuple(self.say), self.minutes)


class PhaseSpec(_Model):
    """One step of the session; `kind` picks how phones, board and control behave."""

    id: Slug
    kind: str
    title: Text
    facilitator_prompt: Text
    participant_prompt: Text
    board_prompt: str = ""
    targets: list[str] = []
    items: list[ItemSpec] = Field(default=[], max_length=60)
    question: str = ""
    options: list[OptionSpec] = Field(default=[], max_length=10)
    script: ScriptSpec | None = None
    dots: int | None = Field(default=None, description="vote-notes: dots per participant (3).")
    stacking: bool | None = Field(
        default=None, description="vote-notes: several dots on one note (false)."
    )

    @model_validator(mode="after")
    def _kind_and_fields(self) -> Self:
        kind = registry.kind(self.kind)  # UnknownName is a ValueError: names the known kinds
        fields = self._fields()
        for name in kind.required:
            if not fields.get(name):
                raise ValueError(f"a {kind.name} phase needs {name}")
        if kind.check is not None:
            kind.check(fields)
        for name in PHASE_FIELDS:
            if fields.get(name) and name not in kind.fields:
                raise ValueError(f"'{name}' only belongs to {' or '.join(_owners(name))} phases")
        return self

    def _fields(self) -> dict[str, Any]:
        """The phase as plain data, for the kind's own checks and preparation."""
        return {
            "id": self.id,
            "kind": self.kind,
            "targets": list(self.targets),
            "items": [{"id": i.id, "text": i.text} for i in self.items],
            "question": self.question,
            "options": [o.model_dump() for o in self.options],
            "dots": self.dots,
            "stacking": self.stacking,
        }

    def to_domain(self) -> Phase:
        fields = self._fields()
        prepare = registry.kind(self.kind).prepare
        if prepare is not None:
            fields = prepare(fields)
        return Phase(
            self.id,
            self.kind,
            self.title,
            self.facilitator_prompt,
            self.participant_prompt,
            tuple(self.targets),
            self.board_prompt.strip(),
            tuple(Item(i["id"], i["text"]) for i in fields["items"]),
            tuple(Option(o["id"], o["label"], o["description"].strip()) for o in fields["options"]),
            self.script.to_domain() if self.script else None,
            3 if self.dots is None else self.dots,
            bool(self.stacking),
        )


PHASE_FIELDS = ("items", "question", "options", "targets", "dots", "stacking")
"""The fields of a phase that belong to some kinds only (see `PhaseKind.fields`)."""


def _owners(field: str) -> list[str]:
    """The kinds a field belongs to, with the kinds shown the same way (one family)."""
    partials = {k.partial for k in registry.kinds() if field in k.fields}
    return [k.name for k in registry.kinds() if k.partial in partials]


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
    notes: NotesSpec | None = None
    grid: GridSpec = GridSpec()
    document: DocumentSpec
    translations: list[Language] = Field(
        default=[],
        description="Languages this file is translated into: each has `<file>.<lang>.toml` "
        "beside it giving every text (docs/workshops.md, Translations).",
    )

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
        for phase in self.phases:
            for table in registry.kind(phase.kind).needs:
                present, what = TABLES[table]
                if not present(self):
                    raise ValueError(f"a {phase.kind} phase needs {what}")
        workshop = self.to_domain()
        targets = set(targets_of(workshop))
        for phase in self.phases:
            for target in phase.targets:
                if target not in targets:
                    raise ValueError(f"phases.{phase.id}.targets: unknown target '{target}'")
        sources = registry.source_names(workshop)
        for section in self.document.sections:
            for source in section.sources:
                if source not in sources:
                    raise ValueError(
                        f"document.sections.{section.id}.sources: unknown source '{source}' "
                        "(a statement target, ratings.<phase> or ratings.<phase>.<option>)"
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
            phases=tuple(p.to_domain() for p in self.phases),
            notes_per_participant=self.notes.per_participant if self.notes else 0,
            notes_prompt=self.notes.prompt if self.notes else "",
            grid_rows=tuple(GridRow(r.key, r.prompt, r.title) for r in self.grid.rows),
            grid_private=self.grid.private,
            document_title=self.document.title,
            document_sections=tuple(
                DocumentSection(s.id, s.heading, tuple(s.sources), s.intro)
                for s in self.document.sections
            ),
        )


TABLES: dict[str, tuple[Callable[[WorkshopSpec], bool], str]] = {
    "notes": (lambda spec: spec.notes is not None, "a [notes] table (per_participant, prompt)"),
    "grid": (lambda spec: bool(spec.grid.rows), "[[grid.rows]]"),
}
"""The workshop tables a phase kind may need (`PhaseKind.needs`), and how a file gives them."""

FEATURES = catalog.FEATURES
"""Imported for their declarations: every phase kind is known before a file is read."""

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
Loc = tuple[str | int, ...]


def locate(text: str, loc: Loc) -> int | None:
    """The line of `text` that a validation error's location (("phases", 3, "kind"))
    points at: the key's own line, else the header of the nearest enclosing table."""
    lines: dict[Loc, int] = {}
    context: Loc = ()
    latest: dict[tuple[str, ...], Loc] = {}  # array-of-tables name → path of its last entry
    counts: dict[Loc, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = tuple(part.strip().strip('"') for part in header.group(2).split("."))
            parent: Loc = latest.get(names[:-1], names[:-1]) if len(names) > 1 else ()
            if header.group(1) == "[[":
                key = (*parent, names[-1])
                counts[key] = counts.get(key, -1) + 1
                context = (*key, counts[key])
                latest[names] = context
            else:
                context = (*parent, names[-1])
            lines.setdefault(context, number)
            continue
        key_match = _KEY.match(line)
        if key_match:
            lines.setdefault((*context, key_match.group(1)), number)
    for length in range(len(loc), 0, -1):
        if loc[:length] in lines:
            return lines[loc[:length]]
    return None


def _line_quoting(text: str, message: str) -> int | None:
    """For a whole-file rule (an unknown target, a duplicate id): the first line holding
    the value the message quotes."""
    quoted = re.search(r"'([^']+)'", message)
    if quoted is None:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if f'"{quoted.group(1)}"' in line:
            return number
    return None


def load_workshop(path: Path) -> Workshop:
    """Parse and validate one workshop file; errors name the file, line, field and reason."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkshopFileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        spec = WorkshopSpec.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc: Loc = tuple(error["loc"])
            line = locate(text, loc) if loc else _line_quoting(text, error["msg"])
            where = f"line {line}, " if line else ""
            field = ".".join(str(part) for part in loc) or "(top level)"
            problems.append(f"{where}{field}: {error['msg'].removeprefix('Value error, ')}")
        raise WorkshopFileError(f"{path}: {'; '.join(problems)}") from exc
    try:
        return workshop_translations.load(path, spec.to_domain(), spec.translations)
    except ValueError as exc:
        raise WorkshopFileError(f"{path}: {exc}") from exc


def json_schema() -> str:
    """The workshop file format as JSON Schema (docs/workshop.schema.json is this)."""
    schema = WorkshopSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Common Ground workshop definition"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def load_workshops(directory: Path) -> dict[str, Workshop]:
    """Every `*.toml` in `directory`, by id; refuses an empty folder or a clash."""
    workshops: dict[str, Workshop] = {}
    for path in sorted(directory.glob("*.toml")):
        if "." in path.stem:  # `<id>.<lang>.toml`: a translation, read with its workshop
            continue
        workshop = load_workshop(path)
        if workshop.id in workshops:
            raise WorkshopFileError(f"{path}: id '{workshop.id}' is already used by another file")
        workshops[workshop.id] = workshop
    if not workshops:
        raise WorkshopFileError(f"{directory}: no workshop definitions (*.toml) found")
    return workshops
