"""When storage fails: a full disk or a database gone read-only answers 503
`storage_unavailable` (never a 500, nothing half-written), /healthz knows, and the app
does not start on a database it cannot write. Imports count as a change (retention)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.config import Settings
from app.persistence.store import Store
from app.web.app import create_app
from tests.conftest import bearer
from tests.servers import ROOT, free_port, python
from tests.web.support import ApiRoom


@contextlib.contextmanager
def every_connection(store: Store, pragma: str) -> Iterator[None]:
    """Every writer connection runs `pragma` (the pool is emptied so that all do)."""

    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(pragma)
        cursor.close()

    event.listen(store.writer, "connect", apply)
    store.writer.dispose()
    try:
        yield
    finally:
        event.remove(store.writer, "connect", apply)
        store.writer.dispose()


def full_disk(store: Store) -> contextlib.AbstractContextManager[None]:
    """SQLITE_FULL ("database or disk is full"), as on a full disk: no page may be added."""
    with store.reader.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    return every_connection(store, f"PRAGMA max_page_count = {pages}")


def read_only(store: Store) -> contextlib.AbstractContextManager[None]:
    """SQLITE_READONLY ("attempt to write a readonly database"), as on a read-only mount."""
    return every_connection(store, "PRAGMA query_only = 1")


def store_of(client: TestClient) -> Store:
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    return store


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert int(response.headers["retry-after"]) >= 1


def test_a_full_disk_answers_503_and_writes_nothing(client: TestClient) -> None:
    room = ApiRoom.create(client, {"p1": ("Priya", "health")})
    room.phase("grid-write")
    store = store_of(client)
    with full_disk(store):
        for _ in range(200):  # the last free pages fill up, then writes fail
            before = room.snapshot()
            response = room.post("p1", "/grid/mission/contributions", {"text": "x" * 280})
            if response.status_code != 201:
                break
        else:
            pytest.fail("the disk never filled")
        assert_unavailable(response)
        assert room.snapshot() == before  # nothing half-written, the room's copy unchanged
        assert room.seq() == before["seq"]
        health = client.get("/healthz")
        assert_unavailable(health)
        assert "full" in health.json()["error"]["message"]
        # Pages and reads keep working.
        assert room.get("p1").status_code == 200
    # Space again: the next write goes through, and the health check recovers with it.
    room.ok(room.post("p1", "/grid/mission/contributions", {"text": "Back"}), 201)
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_read_only_database_answers_503_on_every_kind_of_write(client: TestClient) -> None:
    room = ApiRoom.create(client, {"p1": ("Priya", "health")})
    with read_only(store_of(client)):
        seq = room.seq()
        for response in (
            client.post("/api/rooms", json={"title": "New room"}),
            room.post(None, "/join", {"name": "Sam", "perspective": "health"}),
            room.post("fac", "/phase", {"phase": "purpose-write"}),
            room.delete("fac", ""),
        ):
            assert_unavailable(response)
        assert room.seq() == seq
        assert_unavailable(client.get("/healthz"))
        form = client.post(
            "/join",
            data={"code": room.code, "name": "Sam", "perspective": "health"},
            follow_redirects=False,
        )
        assert form.status_code == 503
    room.phase("purpose-write")


def test_the_health_check_is_ok_when_storage_is(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_app_does_not_start_on_a_database_it_cannot_write(tmp_path: Path) -> None:
    database = tmp_path / "common-ground.db"
    store = Store(f"sqlite:///{database}")
    store.migrate()
    store.close()
    url = f"sqlite:///file:{database}?mode=ro&uri=true"  # opened read-only, as from a ro mount
    env = {**os.environ, "DATABASE_URL": url, "BROKER_URL": "memory://"}
    command = [python(), "-m", "app", "--host", "127.0.0.1", "--port", str(free_port())]
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=30)
    assert finished.returncode != 0
    output = finished.stdout.decode() + finished.stderr.decode()
    assert "readonly database" in output, output[-2000:]


def test_a_read_only_database_stops_the_start_in_process(settings: Settings) -> None:
    url = settings.database_url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    app = create_app(settings.model_copy(update={"database_url": url}))
    with pytest.raises(Exception, match="readonly"), TestClient(app):
        pass


# ----------------------------------------------------------------- retention (defect 10)
def test_an_imported_old_session_is_not_deleted_at_the_next_sweep(
    client: TestClient, settings: Settings
) -> None:
    room = ApiRoom.create(client, {"p1": ("Priya", "health")})
    archive = room.ok(room.get("fac", "/archive"))
    room.ok(room.delete("fac", ""), 204)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    stamp = long_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    archive["room"]["created_at"] = stamp
    for logged in archive["events"]:
        logged["at"] = stamp
    imported = client.post("/api/rooms/import", content=json.dumps(archive))
    assert imported.status_code == 201, imported.text
    service = client.app.state.service  # type: ignore[attr-defined]
    deleted = client.portal.call(  # type: ignore[union-attr]
        lambda: service.purge_idle(older_than=timedelta(days=settings.retention_days))
    )
    assert deleted == []
    code, token = imported.json()["code"], imported.json()["facilitator_token"]
    assert client.get(f"/api/rooms/{code}", headers=bearer(token)).status_code == 200
    # It goes RETENTION_DAYS after the import, like any room nobody touches.
    later = datetime.now(UTC) + timedelta(days=settings.retention_days + 1)
    gone = client.portal.call(  # type: ignore[union-attr]
        lambda: service.purge_idle(older_than=timedelta(days=settings.retention_days), now=later)
    )
    assert gone == [code]
