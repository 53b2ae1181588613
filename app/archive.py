"""Room archives: the full record of a room (state and event log) as JSON.

`python -m app.archive import FILE` recreates a room from an archive on this
install (same code if it is free) and prints its new facilitator link;
`python -m app.archive export CODE [FILE]` writes one. The API has the same
under GET /api/rooms/{code}/archive and POST /api/rooms/import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.domain.codes import looks_like_code, new_code
from app.domain.errors import Conflict, DomainError, Invalid
from app.domain.events import FACILITATOR, Event, iso
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.persistence.store import CodeTaken, Store
from app.tokens import hash_token, new_token

FORMAT = "common-ground-archive"
VERSION = 1


def export(room: Room, events: list[Event]) -> dict[str, Any]:
    """The archive of a room: what it is, its state, and every event in its log."""
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
        "events": [
            {
                "seq": e.seq,
                "type": e.type,
                "at": iso(e.at),
                "data": e.data,
                "actor": e.actor,
                "private_to": e.private_to,
            }
            for e in events
        ],
    }


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise Invalid("invalid_archive", "A timestamp in the archive is missing.")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as exc:
        raise Invalid("invalid_archive", f"Bad timestamp in the archive: {value!r}.") from exc


def read(data: object, workshops: dict[str, Workshop]) -> tuple[Room, list[Event]]:
    """Check an archive and rebuild its room; refuses anything that does not replay cleanly."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("invalid_archive", "This is not a Common Ground room archive.")
    if data.get("version") != VERSION:
        raise Invalid(
            "invalid_archive", f"Archive version {data.get('version')!r} is not supported."
        )
    meta, raw_events = data.get("room"), data.get("events")
    if not isinstance(meta, dict) or not isinstance(raw_events, list):
        raise Invalid("invalid_archive", "The archive has no room or no events.")
    workshop = workshops.get(str(meta.get("workshop")))
    if workshop is None:
        raise Invalid(
            "invalid_archive", f"Unknown workshop {meta.get('workshop')!r} on this server."
        )
    try:
        room = Room(
            code=str(meta.get("code", "")),
            title=str(meta["title"]),
            setting=str(meta.get("setting") or ""),
            workshop=workshop,
            created_at=_parse_time(meta.get("created_at")),
            phase=workshop.first_phase.id,
        )
        events = [
            Event(
                seq=int(raw["seq"]),
                type=str(raw["type"]),
                at=_parse_time(raw["at"]),
                data=dict(raw["data"]),
                actor=raw.get("actor"),
                private_to=raw.get("private_to"),
            )
            for raw in raw_events
        ]
        room.apply_all(events)
    except Invalid:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Invalid(
            "invalid_archive", f"The archive's event log does not replay: {exc}."
        ) from exc
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


def main(argv: list[str] | None = None) -> int:
    from app.config import Settings
    from app.services import Rooms
    from app.workshops import load_workshops

    parser = argparse.ArgumentParser(prog="python -m app.archive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="recreate a room from an archive file")
    imp.add_argument("file", type=Path)
    exp = sub.add_parser("export", help="write a room's archive")
    exp.add_argument("code")
    exp.add_argument("file", type=Path, nargs="?")
    move = sub.add_parser(
        "migrate", help="copy every room (tokens kept) from DATABASE_URL to another database"
    )
    move.add_argument(
        "--to", required=True, help="target SQLAlchemy URL, e.g. postgresql+psycopg://…"
    )
    args = parser.parse_args(argv)

    settings = Settings()
    workshops = load_workshops(settings.workshops_dir)
    store = Store(settings.database_url)
    store.migrate()
    try:
        return _command(args, settings, workshops, store, Rooms)
    except (DomainError, OSError, ValueError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    finally:
        store.close()


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


def _command(args: Any, settings: Any, workshops: Any, store: Store, rooms: Any) -> int:
    if args.command == "migrate":
        target = Store(args.to)
        try:
            copied, skipped = migrate(store, target)
        finally:
            target.close()
        print(f"Copied {copied} room(s); {skipped} already there and left alone.")
        return 0
    if args.command == "import":
        room, events = read(json.loads(args.file.read_text(encoding="utf-8")), workshops)
        code, token = restore(store, room, events)
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        print(f"Imported room {code} ({len(events)} events).")
        print(f"Facilitator token: {token}")
        print(f"Sign in with it at {base}/rooms/{code}/facilitate")
        return 0
    found = asyncio.run(rooms(store, workshops).get(args.code.upper()))
    if found is None:
        print(f"error: no room {args.code}", file=sys.stderr)
        return 1
    text = json.dumps(
        export(found, store.events_between(found.code, 0)), ensure_ascii=False, indent=1
    )
    if args.file:
        args.file.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
