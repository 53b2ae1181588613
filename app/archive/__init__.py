"""Room archives: the full record of a room (state and event log) as JSON.

The API reads and writes them under GET /api/rooms/{code}/archive and
POST /api/rooms/import; `python -m app.archive` (see `__main__`) does the same
from the command line, and copies a whole install to another database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.archive import checks
from app.domain import catalog  # noqa: F401  (an archive replays every kind of event)
from app.domain.codes import looks_like_code, new_code
from app.domain.errors import Conflict, Invalid
from app.domain.events import FACILITATOR, Event, iso
from app.domain.room import Limits, Room
from app.domain.workshop import Workshop
from app.persistence.store import CodeTaken, Store
from app.tokens import hash_token, new_token

FORMAT = "common-ground-archive"
VERSION = 1


WITHDRAWN = "(withdrawn by its author before the reveal)"
"""What an archive says of a note its author deleted while it was still private."""


def _withdrawn(room: Room) -> set[str]:
    """Notes deleted by their authors while private (never revealed, not moderated)."""
    return {n.id for n in room.notes.values() if n.removed and not n.revealed and not n.moderated}


def _logged(event: Event, withdrawn: set[str]) -> dict[str, Any]:
    data = event.data
    note = data.get("note")
    if isinstance(note, dict) and note.get("id") in withdrawn:
        data = {**data, "note": {**note, "text": WITHDRAWN}}
    return {
        "seq": event.seq,
        "type": event.type,
        "at": iso(event.at),
        "data": data,
        "actor": event.actor,
        "private_to": event.private_to,
    }


def export(room: Room, events: list[Event]) -> dict[str, Any]:
    """The archive of a room: what it is, its state, and every event in its log — but
    the text of a note its author deleted while it was private, which nobody read."""
    withdrawn = _withdrawn(room)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(datetime.now(UTC)),
        "room": {
            "code": room.code,
            "title": room.title,
            "setting": room.setting,
            "workshop": room.workshop.id,
            "created_at": iso(room.created_at),
        },
        "snapshot": room.snapshot(FACILITATOR),
        "events": [_logged(e, withdrawn) for e in events],
    }


def read(
    data: object, workshops: dict[str, Workshop], limits: Limits | None = None
) -> tuple[Room, list[Event]]:
    """Check an archive and rebuild its room; refuses anything that does not replay
    cleanly, or holds what the domain's rules would not have let in (`checks`)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("invalid_archive", "This is not a Common Ground room archive.")
    if data.get("version") != VERSION:
        version = str(data.get("version"))[:20]
        raise Invalid("invalid_archive", f"Archive version {version!r} is not supported.")
    meta, raw_events = data.get("room"), data.get("events")
    if not isinstance(meta, dict) or not isinstance(raw_events, list):
        raise Invalid("invalid_archive", "The archive has no room or no events.")
    workshop = workshops.get(str(meta.get("workshop")))
    if workshop is None:
        named = str(meta.get("workshop"))[:60]
        raise Invalid("invalid_archive", f"Unknown workshop {named!r} on this server.")
    for name in ("code", "title", "setting"):
        if not isinstance(meta.get(name, ""), str):
            raise checks.refuse(f"room.{name}", "must be text")
    room = Room(
        code=str(meta.get("code", ""))[:12],
        title=meta.get("title", ""),
        setting=meta.get("setting") or "",
        workshop=workshop,
        created_at=checks.timestamp(meta.get("created_at"), "room.created_at"),
        phase=workshop.first_phase.id,
    )
    limits = limits or Limits()
    events = checks.events(raw_events, workshop, limits)
    for event in events:
        try:
            room.apply(event)
        except Invalid as exc:
            raise checks.refuse(f"events[{event.seq - 1}]", exc.message) from exc
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise checks.refuse(
                f"events[{event.seq - 1}] ({event.type})", f"does not replay ({exc!r:.120})"
            ) from exc
    checks.room(room, limits)
    return room, events


def restore(store: Store, room: Room, events: list[Event]) -> tuple[str, str]:
    """Write an archived room to `store`: (code, new facilitator token).

    Keeps the archived code (a fresh one if the archive's is not a valid code).
    Participants get fresh, unknown tokens (tokens are never archived): they
    join again to take part. A room that is already here is refused.
    """
    token = new_token()
    tokens = {
        e.data["participant"]["id"]: hash_token(new_token())
        for e in events
        if e.type == "participant.joined"
    }
    code = room.code if looks_like_code(room.code) else new_code()
    try:
        store.import_room(
            code=code,
            title=room.title,
            setting=room.setting,
            workshop=room.workshop.id,
            phase=room.phase,
            locked=room.locked,
            facilitator_token_hash=hash_token(token),
            created_at=room.created_at,
            events=events,
            participant_tokens=tokens,
        )
    except CodeTaken as exc:
        raise Conflict(
            "room_exists", f"Room {code} (or its participants) already exists on this server."
        ) from exc
    return code, token


def migrate(source: Store, target: Store) -> tuple[int, int]:
    """Copy every room of `source` into `target`: (copied, skipped because present)."""
    target.migrate()
    copied = skipped = 0
    for code in source.codes():
        if source.copy_room(code, target):
            copied += 1
        else:
            skipped += 1
    return copied, skipped
