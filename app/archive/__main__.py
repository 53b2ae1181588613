"""`python -m app.archive`: room archives and moves from the command line.

`import FILE` recreates a room from an archive on this install (same code if
it is free) and prints its new facilitator link; `export CODE [FILE]` writes
one; `migrate --to URL` copies every room (tokens kept) to another database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from app.archive import export, migrate, read, restore
from app.config import Settings
from app.domain.errors import DomainError
from app.domain.workshop import Workshop
from app.persistence.store import Store
from app.rooms import Rooms
from app.workshops import load_workshops


def main(argv: list[str] | None = None) -> int:
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
        return _command(args, settings, workshops, store)
    except (DomainError, OSError, ValueError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _command(
    args: argparse.Namespace, settings: Settings, workshops: dict[str, Workshop], store: Store
) -> int:
    if args.command == "migrate":
        target = Store(args.to)
        try:
            copied, skipped = migrate(store, target)
        finally:
            target.close()
        print(f"Copied {copied} room(s); {skipped} already there and left alone.")
        return 0
    if args.command == "import":
        archived = json.loads(args.file.read_text(encoding="utf-8"))
        room, events = read(archived, workshops, settings.limits)
        code, token = restore(store, room, events)
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        print(f"Imported room {code} ({len(events)} events).")
        print(f"Facilitator token: {token}")
        print(f"Sign in with it at {base}/rooms/{code}/facilitate")
        return 0
    found = asyncio.run(Rooms(store, workshops).get(args.code.upper()))
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
