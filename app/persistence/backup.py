"""Online backups of the embedded SQLite database, and restoring one.

A school running `make run` on a laptop has one SQLite file. While the app runs it
takes a copy every BACKUP_INTERVAL_MINUTES, and one more when it shuts down, with
SQLite's online backup API: a consistent snapshot taken while people keep writing
(WAL readers do not block writers), written to a temporary name, checked, then
renamed into place, so a backup file is always whole. The newest BACKUP_KEEP are
kept in BACKUP_DIR (by default `backups/` beside the database).

    python -m app.persistence.backup            # take one now
    python -m app.persistence.backup --list     # what there is
    python -m app.persistence.backup --restore FILE   # with the app stopped

PostgreSQL installs back up with their own tools (pg_dump); this is SQLite only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.persistence.engines import sqlite_file

PREFIX = "common-ground-"
SUFFIX = ".db"


class BackupError(Exception):
    """A backup could not be taken or restored (the reason says why)."""


def backups_dir(database_url: str, configured: Path | None) -> Path | None:
    """Where backups of this database go (None: not a SQLite file, nothing to back up)."""
    database = sqlite_file(database_url)
    if database is None:
        return None
    return configured if configured is not None else database.parent / "backups"


def _check(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{path} fails integrity_check: {result}")


def take(
    database_url: str,
    directory: Path,
    *,
    keep: int,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Path:
    """Copy the database into `directory` now; drop all but the newest `keep`."""
    database = sqlite_file(database_url)
    if database is None:
        raise BackupError("only a SQLite database is backed up this way")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            contextlib.closing(sqlite3.connect(database, timeout=10)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup of {database} failed: {exc}") from exc
    for old in listed(directory)[keep:]:
        old.unlink(missing_ok=True)
    return target


def listed(directory: Path) -> list[Path]:
    """The backups in `directory`, newest first."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def restore(backup: Path, database_url: str) -> Path:
    """Put `backup` in place of the database (the app must be stopped): checked first,
    copied beside the database, renamed over it; its -wal and -shm files removed."""
    database = sqlite_file(database_url)
    if database is None:
        raise BackupError("only a SQLite database is restored this way")
    _check(backup)
    staged = database.with_name(database.name + ".restoring")
    with (
        contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
        contextlib.closing(sqlite3.connect(staged)) as copy,
    ):
        source.backup(copy)
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(staged, database)
    return database


def main(argv: list[str] | None = None) -> int:
    from app import single
    from app.config import Settings

    parser = argparse.ArgumentParser(prog="python -m app.persistence.backup", description=__doc__)
    parser.add_argument("--list", action="store_true", help="list the backups, newest first")
    parser.add_argument("--restore", type=Path, help="restore this backup (app stopped)")
    args = parser.parse_args(argv)
    settings = Settings()
    directory = backups_dir(settings.database_url, settings.backup_dir)
    if directory is None:
        print("error: DATABASE_URL is not a SQLite file (use pg_dump)", file=sys.stderr)
        return 1
    try:
        if args.list:
            for path in listed(directory):
                print(path)
        elif args.restore:
            try:  # no server may be using the database meanwhile
                claim = single.claim(settings.database_url)
            except single.SecondProcess:
                print("error: stop the app first (it is using the database)", file=sys.stderr)
                return 1
            try:
                print(f"Restored {args.restore} to {restore(args.restore, settings.database_url)}")
            finally:
                claim.close()
        else:
            print(take(settings.database_url, directory, keep=settings.backup_keep))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
