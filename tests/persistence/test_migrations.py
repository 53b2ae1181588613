"""Alembic migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from app.domain.events import Draft
from app.persistence.store import Store

HEAD = "0001"
TABLES = {"rooms", "participants", "events", "alembic_version"}


def table_names(store: Store) -> set[str]:
    with store.reader.connect() as connection:
        return set(inspect(connection).get_table_names())


def versions(store: Store) -> list[str]:
    with store.reader.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_migrate_from_empty_creates_the_schema_at_head(open_store: Callable[[], Store]) -> None:
    store = open_store()
    assert table_names(store) == set()

    store.migrate()

    assert table_names(store) == TABLES
    assert versions(store) == [HEAD]
    with store.reader.connect() as connection:
        inspector = inspect(connection)
        columns = {c["name"] for c in inspector.get_columns("events")}
        assert columns == {"room_id", "seq", "type", "at", "actor", "private_to", "data"}
        assert inspector.get_pk_constraint("events")["constrained_columns"] == ["room_id", "seq"]
        room_indexes = {i["name"]: i for i in inspector.get_indexes("rooms")}
        assert room_indexes["ix_rooms_code"]["unique"]
        participant_indexes = {i["name"]: i for i in inspector.get_indexes("participants")}
        assert participant_indexes["ix_participants_token_hash"]["unique"]
        for child in ("events", "participants"):
            (foreign_key,) = inspector.get_foreign_keys(child)
            assert foreign_key["referred_table"] == "rooms"
            assert foreign_key["options"].get("ondelete") == "CASCADE"


def test_migrate_twice_is_a_no_op(open_store: Callable[[], Store]) -> None:
    store = open_store()
    store.migrate()
    created = datetime(2026, 11, 24, 10, tzinfo=UTC)
    store.create_room(
        code="ABC123",
        title="Oakfield partnership",
        setting="",
        workshop="visioning",
        phase="welcome",
        facilitator_token_hash="f" * 64,
        created_at=created,
    )
    store.append("ABC123", expected_seq=0, drafts=[Draft("note.added", {"n": 1})])
    before = store.load("ABC123")

    store.migrate()
    # A second worker starting up on the same database migrates too.
    other = open_store()
    other.migrate()

    assert table_names(store) == TABLES
    assert versions(store) == [HEAD]
    assert store.load("ABC123") == before
    assert other.load("ABC123") == before


def test_sqlite_store_connections_use_wal(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        store.migrate()
        for engine in (store.writer, store.reader):
            with engine.connect() as connection:
                mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
                foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
                busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
            assert str(mode).lower() == "wal"
            assert foreign_keys == 1
            assert busy_timeout == 10000
    finally:
        store.close()
