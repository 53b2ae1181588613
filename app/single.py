"""One process per database with the in-memory hub.

BROKER_URL=memory:// only reaches sockets held by the same process. A second
worker (uvicorn --workers, gunicorn, or a second server on the same database)
would split every room silently, so the second one refuses to start.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from app.persistence.engines import sqlite_file


class SecondProcess(RuntimeError):
    """Another process already serves this database with an in-memory hub."""


def lock_path(database_url: str) -> Path:
    database = sqlite_file(database_url)
    if database is not None:
        return database.with_name(database.name + ".memory-hub.lock")
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"common-ground-{digest}.memory-hub.lock"


_held: dict[Path, tuple[IO[str], int]] = {}


class Claim:
    """This process's hold on a database's lock; `close()` lets it go."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def close(self) -> None:
        handle, count = _held.pop(self.path)
        if count > 1:
            _held[self.path] = (handle, count - 1)
        else:
            handle.close()


def claim(database_url: str) -> Claim:
    """Hold an exclusive lock for this database (re-entrant within one process)."""
    path = lock_path(database_url)
    if path in _held:
        handle, count = _held[path]
        _held[path] = (handle, count + 1)
        return Claim(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SecondProcess(
            "BROKER_URL=memory:// serves one process only, and another process already "
            f"serves this database with it (lock: {path}). Several workers would each see "
            "only their own sockets and silently split every room. Run one worker, or set "
            "BROKER_URL=redis://… (and a PostgreSQL DATABASE_URL) to scale out."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _held[path] = (handle, 1)
    return Claim(path)
