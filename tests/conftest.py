"""Shared fixtures: a fresh, migrated SQLite database and an in-process app per test.

Services this suite needs (PostgreSQL, Redis, Chromium) are used for real. When
one is missing the tests that need it skip with the reason — except with
CI=true, where a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.domain.workshop import Workshop
from app.persistence.store import Store
from app.web.app import create_app
from app.workshops import load_workshop
from tests.support import WORKSHOP_FILE

CI = os.environ.get("CI", "").lower() == "true"

# The phases of the shipped multi-agency-visioning workshop, in order (shared/api.md).
PHASES = [
    "lobby",
    "purpose-write",
    "purpose-sort",
    "purpose-vote",
    "purpose-agree",
    "grid-write",
    "grid-agree",
    "document",
    "closed",
]


def require(available: bool, reason: str) -> None:
    """Skip locally when a service is missing; fail under CI=true."""
    if available:
        return
    if CI:
        pytest.fail(f"{reason} — CI=true, so this may not skip")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def workshop() -> Workshop:
    """The shipped visioning workshop (a module may override this with another)."""
    return load_workshop(WORKSHOP_FILE)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.close()
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    target = tmp_path / "common-ground.db"
    shutil.copy(migrated_sqlite, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Tests join whole rooms from one address at once; the join pace (JOIN_BURST) has
    # its own tests, at its defaults (tests/web/test_join_flood.py).
    return Settings(
        _env_file=None, database_url=database_url, broker_url="memory://", join_burst=100_000
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_room(
    client: TestClient, title: str = "Oakfield partnership", **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/rooms", json={"title": title, "setting": "Oakfield Primary", **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def join(
    client: TestClient, code: str, name: str = "Priya", perspective: str = "health"
) -> dict[str, Any]:
    response = client.post(
        f"/api/rooms/{code}/join", json={"name": name, "perspective": perspective}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
