"""The database engines, and what the app does when storage fails.

A full disk, a read-only file or a database that went away is not a bug in a
request: every read or write that meets one raises `StorageUnavailable` (HTTP
503 `storage_unavailable`), its transaction rolled back, nothing half-written.
`Health` remembers the last failed write and probes with a real write, so that
`/healthz` and the start-up check know.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InternalError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from app.i18n import N_

FAILURE_REMEMBERED = 60.0
"""Seconds a failed write keeps the health check failing (even if a probe passes: a
full disk may still take the probe's one page)."""
PROBE_EVERY = 1.0
"""At most one write probe a second, however often /healthz is asked."""


class StorageUnavailable(Exception):
    """The database cannot be read or written now (disk full, read-only, unreachable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = N_(
            "The server cannot save anything right now (its storage is unavailable); "
            "nothing was changed. Please try again shortly."
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The driver must not open transactions itself: we emit BEGIN (IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another engine or an in-memory database)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):  # a URI filename (…?mode=ro&uri=true)
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def make_engines(url: str) -> tuple[Engine, Engine]:
    """A (writer, reader) pair. On SQLite writers take the lock up front."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        return engine, engine
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engines = []
    for begin in ("BEGIN IMMEDIATE", "BEGIN"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)

        def _begin(conn: Any, statement: str = begin) -> None:
            conn.exec_driver_sql(statement)

        event.listen(engine, "begin", _begin)
        engines.append(engine)
    return engines[0], engines[1]


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip() or type(exc.orig).__name__


class Health:
    """What the store knows of its storage: the last failed write, and a write probe."""

    def __init__(self, writer: Engine, clock: Any = time.monotonic) -> None:
        self.writer = writer
        self.clock = clock
        self.failed: tuple[float, str] | None = None
        """When the last write failed, and why (None: the last write went through)."""
        self._probed: tuple[float, str | None] = (float("-inf"), None)

    @contextmanager
    def guard(self, *, writing: bool) -> Iterator[None]:
        """Turn storage failures into StorageUnavailable (the transaction is rolled back)."""
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if exc.connection_invalidated or isinstance(exc.orig, OSError) or _storage(exc):
                reason = _reason(exc)
                if writing:
                    self.failed = (self.clock(), reason)
                raise StorageUnavailable(reason) from exc
            raise
        if writing:
            self.failed = None

    def probe(self) -> str | None:
        """Why the database cannot be written now (None: a real write went through)."""
        try:
            with self.writer.begin() as connection:
                if connection.dialect.name == "sqlite":
                    version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
                else:
                    read_only = connection.exec_driver_sql(
                        "SELECT current_setting('transaction_read_only')"
                    ).scalar()
                    if read_only == "on":
                        return "the database is read-only"
        except DBAPIError as exc:
            return _reason(exc)
        return None

    def problem(self) -> str | None:
        """Why the app cannot serve writes (None: it can). Probes at most once a second."""
        now = self.clock()
        if self.failed is not None and now - self.failed[0] < FAILURE_REMEMBERED:
            return self.failed[1]
        if now - self._probed[0] >= PROBE_EVERY:
            self._probed = (now, self.probe())
        return self._probed[1]


def _storage(exc: DBAPIError) -> bool:
    """An error of the storage itself, not of the statement (which would be a bug)."""
    return isinstance(exc, OperationalError | InternalError)
