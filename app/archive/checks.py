"""An archive is input like any other: checked by the rules the domain's decisions apply.

An archive is someone's file, possibly edited by hand or by an attacker. Before a
room is recreated from one, its log must be what this app could have written:

1. each event's envelope: `seq` 1, 2, 3… (integers), a declared type, a timestamp,
   `data` an object, `actor` and `private_to` ids (or null);
2. every string anywhere in it storable and sendable text (no NUL, no lone
   surrogate, no noncharacter, not overlong);
3. the room it replays to: its title, setting, names and every text through
   `clean_text` with this server's limits (what the decisions would have stored:
   a value that cleaning would change is refused), perspectives, phases, rings and
   stances the workshop knows.

A refusal is 422 `invalid_archive` naming the field ("events[3].actor: …").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from app.domain import registry
from app.domain.consent import STANCES
from app.domain.errors import Invalid
from app.domain.events import Event
from app.domain.notes import RINGS
from app.domain.room import Limits, Room
from app.domain.text import UNSAFE, clean_text, has_surrogates
from app.domain.workshop import Workshop

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
"""Participant, note and contribution ids, "facilitator", statement targets."""
MAX_STRING = 4000
"""No string in an archived event is longer (the domain's own are far shorter)."""
MAX_DEPTH = 8


def refuse(where: str, reason: str) -> Invalid:
    return Invalid("invalid_archive", f"{where}: {reason}")


def timestamp(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise refuse(where, "a timestamp is missing")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as exc:
        raise refuse(where, f"bad timestamp {value[:40]!r}") from exc


def _plain(value: object, where: str, depth: int = 0) -> None:
    """Only JSON values, and only strings that are text."""
    if depth > MAX_DEPTH:
        raise refuse(where, "nested too deeply")
    if isinstance(value, str):
        if has_surrogates(value) or UNSAFE.search(value) or "\x00" in value:
            raise refuse(where, "contains characters that are not text")
        if len(value) > MAX_STRING:
            raise refuse(where, f"is {len(value)} characters long")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise refuse(where, "has a key that is not text")
            _plain(key, where, depth + 1)
            _plain(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _plain(item, f"{where}[{index}]", depth + 1)
    elif value is not None and not isinstance(value, bool | int | float):
        raise refuse(where, f"is not a JSON value ({type(value).__name__})")


def _id(value: object, where: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise refuse(where, "must be an id (letters, digits, - . _ :, at most 64)")
    return value


def _known(data: dict[str, Any], where: str, workshop: Workshop, limits: Limits) -> None:
    """The fields every event type shares a meaning for, checked wherever they appear
    (a phase id is a phase of the workshop, a text is clean text…): so an event that a
    later one overwrites is no less checked than the room it replays to."""
    phases = [p.id for p in workshop.phases]
    for key, value in data.items():
        at = f"{where}.{key}"
        if isinstance(value, dict):
            _known(value, at, workshop, limits)
        elif isinstance(value, list) and key != "items":
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _known(item, f"{at}[{index}]", workshop, limits)
        if key in ("phase", "previous"):
            _one_of(value, phases, at)
        elif key == "names_shown":
            if not isinstance(value, list):
                raise refuse(at, "must be a list of phases")
            for item in value:
                _one_of(item, phases, at)
        elif key == "ring":
            _one_of(value, RINGS, at)
        elif key == "perspective":
            _one_of(value, [p.id for p in workshop.perspectives], at)
        elif key == "stance":
            _one_of(value, STANCES, at)
        elif key in ("seconds", "remaining") and value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise refuse(at, "must be a whole number")
        elif key == "text" and where.endswith("statement"):  # the facilitator's draft
            _optional(value, at, limit=limits.statement)
        elif key in ("text", "reason", "override_reason"):
            _optional(value, at, limit=limits.text)
        elif key == "name" and value is not None:
            _text(value, at, limit=limits.name, line=True)


def events(raw_events: list[Any], workshop: Workshop, limits: Limits) -> list[Event]:
    """The archived log, envelope, strings and known fields checked (not yet replayed)."""
    found = []
    for index, raw in enumerate(raw_events):
        where = f"events[{index}]"
        if not isinstance(raw, dict):
            raise refuse(where, "must be an object")
        seq, kind, data = raw.get("seq"), raw.get("type"), raw.get("data")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq != index + 1:
            raise refuse(f"{where}.seq", f"must be {index + 1} (events are numbered 1, 2, 3…)")
        if not isinstance(kind, str):
            raise refuse(f"{where}.type", "must be an event type")
        try:
            registry.event_type(kind)
        except registry.UnknownName as exc:
            raise refuse(f"{where}.type", f"unknown event type {kind[:40]!r}") from exc
        if not isinstance(data, dict):
            raise refuse(f"{where}.data", "must be an object")
        _plain(data, f"{where}.data")
        _known(data, f"{where}.data", workshop, limits)
        found.append(
            Event(
                seq=seq,
                type=kind,
                at=timestamp(raw.get("at"), f"{where}.at"),
                data=data,
                actor=_id(raw.get("actor"), f"{where}.actor"),
                private_to=_id(raw.get("private_to"), f"{where}.private_to"),
            )
        )
    return found


def _text(
    value: object, where: str, *, limit: int, line: bool = False, empty: bool = False
) -> None:
    """`value` is what `clean_text` would have stored (cleaning it changes nothing)."""
    if empty and value == "":
        return
    try:
        cleaned = clean_text(value, field="text", max_length=limit, single_line=line)
    except Invalid as exc:
        raise refuse(where, exc.message) from exc
    if cleaned != value:
        raise refuse(where, "is not as this app stores text (untrimmed, or not normalised)")


def _optional(value: object, where: str, *, limit: int) -> None:
    if value is not None:
        _text(value, where, limit=limit)


def _one_of(value: object, allowed: Iterable[str], where: str) -> None:
    if value not in set(allowed):
        raise refuse(where, f"{str(value)[:40]!r} is not one of {', '.join(sorted(allowed))}")


def room(replayed: Room, limits: Limits) -> None:
    """The replayed room holds only what the domain's rules would have let in."""
    workshop = replayed.workshop
    perspectives = [p.id for p in workshop.perspectives]
    _text(replayed.title, "room.title", limit=limits.title, line=True)
    _text(replayed.setting, "room.setting", limit=limits.setting, line=True, empty=True)
    _one_of(replayed.phase, [p.id for p in workshop.phases], "the room's phase")
    for pid, person in replayed.participants.items():
        where = f"participant {pid}"
        _text(person.name, f"{where}: name", limit=limits.name, line=True)
        _one_of(person.perspective, perspectives, f"{where}: perspective")
    for note_id, note in replayed.notes.items():
        where = f"note {note_id}"
        _text(note.text, f"{where}: text", limit=limits.text)
        _one_of(note.perspective, perspectives, f"{where}: perspective")
        _one_of(note.ring, RINGS, f"{where}: ring")
        _id(note.author_id, f"{where}: author_id", optional=False)
    for row, items in replayed.contributions.items():
        _one_of(row, [r.key for r in workshop.grid_rows], "grid row")
        for item in items:
            _text(item.text, f"contribution {item.id}: text", limit=limits.text)
            _one_of(item.perspective, perspectives, f"contribution {item.id}: perspective")
    for target, statement in replayed.statements.items():
        where = f"statement {target}"
        _optional(statement.text, f"{where}: text", limit=limits.statement)
        if statement.items is not None:
            if not isinstance(statement.items, list):
                raise refuse(f"{where}: items", "must be a list")
            for index, goal in enumerate(statement.items):
                _text(goal, f"{where}: items[{index}]", limit=limits.statement)
        _optional(statement.override_reason, f"{where}: override_reason", limit=limits.text)
        for pid, response in statement.responses.items():
            _one_of(response.stance, STANCES, f"{where}: {pid}'s stance")
            _optional(response.reason, f"{where}: {pid}'s reason", limit=limits.text)
    for pid, signature in replayed.signatures.items():
        _text(signature.name, f"signature {pid}: name", limit=limits.name, line=True)
    timer = replayed.timer
    if timer is not None:
        _one_of(timer.phase, [p.id for p in workshop.phases], "timer: phase")
        for name, value in (("seconds", timer.seconds), ("remaining", timer.remaining)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise refuse(f"timer: {name}", "must be a whole number")
    if replayed.spotlight is not None and not isinstance(replayed.spotlight, str):
        raise refuse("spotlight", "must be a target")
    for (phase_id, item_id), answers in replayed.ratings.items():
        phase = workshop.phase(phase_id)
        options = [o.id for o in phase.options]
        _one_of(item_id, [i.id for i in phase.items], f"rating {phase_id}")
        for pid, option in answers.items():
            _one_of(option, options, f"rating {phase_id}.{item_id} by {pid}")
