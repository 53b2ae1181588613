"""Store fixtures that run every persistence test on SQLite and on a real PostgreSQL.

PostgreSQL tests get a scratch database of their own (`cg_test_<hex>`), dropped
at teardown; SQLite tests get a file in `tmp_path`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from app.persistence.store import Store
from tests.conftest import require

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A fresh database `cg_test_<hex>` on the local server, dropped (forcibly) afterwards."""
    name = f"cg_test_{secrets.token_hex(6)}"
    try:
        with _admin() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError:
        require(False, "PostgreSQL is not running on 127.0.0.1:5432")
    try:
        yield name
    finally:
        with _admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database on the parametrized engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with scratch_postgres() as name:
        yield PG_URL.format(name=name)


@pytest.fixture
def open_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Opens extra `Store`s on the test's database (e.g. one per worker); all closed after."""
    opened: list[Store] = []

    def _open() -> Store:
        store = Store(store_url)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    """A migrated store (closed, and its engines disposed, by `open_store`)."""
    store = open_store()
    store.migrate()
    return store
