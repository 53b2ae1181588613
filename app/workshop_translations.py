"""A workshop file's translations: `<id>.<lang>.toml` beside `<id>.toml`.

The workshop file lists the languages it is translated into (`translations =
["cy"]`); each translation file gives every text of the workshop in that language,
keyed by where it is in the file (`title`, `perspectives.<id>.label`,
`phases.<id>.script`, `grid.rows.<key>.prompt`, …). A text the translation leaves
out, or a key that names nothing, stops start-up with the file and the key: a
language the file declares is complete. English (the workshop file) is the
fallback wherever a workshop has no translation at all.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.domain.room import Room
from app.domain.workshop import Phase, Workshop

Texts = dict[str, str | tuple[str, ...]]


def texts(workshop: Workshop) -> Texts:
    """Every text of `workshop` a person reads, by its key in a translation file."""
    found: Texts = {"title": workshop.title}
    if workshop.description:
        found["description"] = workshop.description
    if workshop.notes_prompt:
        found["notes.prompt"] = workshop.notes_prompt
    found["document.title"] = workshop.document_title
    for p in workshop.perspectives:
        found[f"perspectives.{p.id}.label"] = p.label
        found[f"perspectives.{p.id}.short"] = p.short
        if p.description:
            found[f"perspectives.{p.id}.description"] = p.description
    for phase in workshop.phases:
        found.update(_phase_texts(phase))
    for row in workshop.grid_rows:
        found[f"grid.rows.{row.key}.title"] = row.title
        found[f"grid.rows.{row.key}.prompt"] = row.prompt
    for section in workshop.document_sections:
        found[f"document.sections.{section.id}.heading"] = section.heading
        if section.intro:
            found[f"document.sections.{section.id}.intro"] = section.intro
    return found


def _phase_texts(phase: Phase) -> Iterator[tuple[str, str | tuple[str, ...]]]:
    at = f"phases.{phase.id}"
    yield f"{at}.title", phase.title
    yield f"{at}.facilitator_prompt", phase.facilitator_prompt
    yield f"{at}.participant_prompt", phase.participant_prompt
    if phase.board_prompt:
        yield f"{at}.board_prompt", phase.board_prompt
    if phase.script and phase.script.say:
        yield f"{at}.script", phase.script.say
    for item in phase.items:
        yield f"{at}.items.{item.id}", item.text
    for option in phase.options:
        yield f"{at}.options.{option.id}.label", option.label
        if option.description:
            yield f"{at}.options.{option.id}.description", option.description


def flatten(raw: dict[str, Any], prefix: str = "") -> Texts:
    """A translation file's tables as dotted keys (`[phases.lobby]` `title` →
    `phases.lobby.title`); a list of lines stays one text."""
    flat: Texts = {}
    for key, value in raw.items():
        where = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{where}."))
        elif isinstance(value, list):
            flat[where] = tuple(str(v) for v in value)
        else:
            flat[where] = str(value)
    return flat


def translated(workshop: Workshop, words: Texts) -> Workshop:
    """`workshop` with every text replaced by its translation in `words`."""

    def text(key: str) -> str:
        value = words[key]
        return value if isinstance(value, str) else " ".join(value)

    def lines(key: str) -> tuple[str, ...]:
        value = words[key]
        return value if isinstance(value, tuple) else (value,)

    def get(key: str, default: str) -> str:
        return text(key) if key in words else default

    def phase(p: Phase) -> Phase:
        at = f"phases.{p.id}"
        return replace(
            p,
            title=text(f"{at}.title"),
            facilitator_prompt=text(f"{at}.facilitator_prompt"),
            participant_prompt=text(f"{at}.participant_prompt"),
            board_prompt=get(f"{at}.board_prompt", p.board_prompt),
            script=replace(p.script, say=lines(f"{at}.script"))
            if p.script and p.script.say
            else p.script,
            items=tuple(replace(i, text=text(f"{at}.items.{i.id}")) for i in p.items),
            options=tuple(
                replace(
                    o,
                    label=text(f"{at}.options.{o.id}.label"),
                    description=get(f"{at}.options.{o.id}.description", o.description),
                )
                for o in p.options
            ),
        )

    return replace(
        workshop,
        title=text("title"),
        description=get("description", workshop.description),
        notes_prompt=get("notes.prompt", workshop.notes_prompt),
        document_title=text("document.title"),
        perspectives=tuple(
            replace(
                p,
                label=text(f"perspectives.{p.id}.label"),
                short=text(f"perspectives.{p.id}.short"),
                description=get(f"perspectives.{p.id}.description", p.description),
            )
            for p in workshop.perspectives
        ),
        phases=tuple(phase(p) for p in workshop.phases),
        grid_rows=tuple(
            replace(
                r, title=text(f"grid.rows.{r.key}.title"), prompt=text(f"grid.rows.{r.key}.prompt")
            )
            for r in workshop.grid_rows
        ),
        document_sections=tuple(
            replace(
                s,
                heading=text(f"document.sections.{s.id}.heading"),
                intro=get(f"document.sections.{s.id}.intro", s.intro),
            )
            for s in workshop.document_sections
        ),
        translations=(),
    )


def problems(workshop: Workshop, words: Texts) -> list[str]:
    """What a translation lacks or has too much of (empty: it is complete)."""
    wanted = texts(workshop)
    found = [f"missing translation: {key}" for key in wanted if not words.get(key)]
    found += [f"no such text: {key}" for key in words if key not in wanted]
    for key, value in words.items():
        english = wanted.get(key)
        if isinstance(english, tuple) and isinstance(value, tuple) and len(value) != len(english):
            found.append(f"{key}: {len(english)} lines in English, {len(value)} here")
    return found


def room_in_language(room: Room, code: str) -> Room:
    """`room` with its workshop's texts in `code` (the room itself when the workshop has
    no translation into it). People's words are theirs: never translated."""
    workshop = room.workshop.in_language(code)
    if workshop is room.workshop:
        return room
    shown = copy.copy(room)
    shown.workshop = workshop
    return shown


def path_for(workshop_file: Path, code: str) -> Path:
    return workshop_file.with_name(f"{workshop_file.stem}.{code}.toml")


def load(workshop_file: Path, workshop: Workshop, codes: list[str]) -> Workshop:
    """`workshop` with its declared translations (ValueError names what is wrong)."""
    languages = []
    for code in codes:
        path = path_for(workshop_file, code)
        if not path.exists():
            raise ValueError(f"translations: {code} is declared but {path.name} is missing")
        try:
            words = flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path.name}: not valid TOML: {exc}") from exc
        wrong = problems(workshop, words)
        if wrong:
            raise ValueError(f"{path.name}: " + "; ".join(wrong[:10]))
        languages.append((code, translated(workshop, words)))
    return replace(workshop, translations=tuple(languages))
