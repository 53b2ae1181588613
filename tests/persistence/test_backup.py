"""Online backups of the SQLite default: taken under 20 concurrent writers, each backup
opens, passes integrity_check and replays whole; the newest K are kept; the app takes
one at shutdown; a backup restores in place of the database."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.domain import catalog  # noqa: F401  (every event type, for the replay)
from app.domain.events import Draft
from app.domain.room import Room
from app.persistence import backup
from app.persistence.store import Store
from app.web.app import create_app
from app.workshops import load_workshops
from tests.conftest import bearer, join, make_room
from tests.servers import ROOT, python
from tests.support import WORKSHOPS_DIR

WRITERS = 20
APPENDS = 40
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def writer(store: Store, code: str, stop: threading.Event, errors: list[BaseException]) -> None:
    """One room's facilitator, locking and unlocking as fast as the database lets them."""
    try:
        seq = 0
        for n in range(APPENDS):
            if stop.is_set():
                return
            drafts = [Draft("room.locked", {"locked": n % 2 == 0}, actor="facilitator")]
            stored = store.append(code, expected_seq=seq, drafts=drafts)
            seq = stored.events[-1].seq
    except BaseException as exc:
        errors.append(exc)


def replays_whole(url: str) -> int:
    """Every room of the database at `url` rebuilt from its log; the events replayed."""
    workshops = load_workshops(WORKSHOPS_DIR)
    store = Store(url)
    try:
        replayed = 0
        for code in store.codes():
            loaded = store.load(code)
            assert loaded is not None
            stored, events = loaded
            room = Room(
                code=stored.code,
                title=stored.title,
                setting=stored.setting,
                workshop=workshops[stored.workshop],
                created_at=stored.created_at,
                phase=workshops[stored.workshop].first_phase.id,
            )
            room.apply_all(events)
            assert room.seq == stored.seq  # the room's row and its log agree
            replayed += len(events)
        return replayed
    finally:
        store.close()


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_backups_under_20_concurrent_writers_open_check_and_replay(
    database_url: str, tmp_path: Path
) -> None:
    store = Store(database_url)
    codes = [f"BK{n:04d}" for n in range(WRITERS)]
    for code in codes:
        store.create_room(
            code=code,
            title="Backup",
            setting="",
            workshop="multi-agency-visioning",
            phase="lobby",
            facilitator_token_hash=code,
            created_at=T0,
        )
    stop, errors = threading.Event(), list[BaseException]()
    threads = [threading.Thread(target=writer, args=(store, code, stop, errors)) for code in codes]
    for thread in threads:
        thread.start()
    taken: list[Path] = []
    clock = iter(T0 + timedelta(minutes=n) for n in range(100))
    try:  # backups while the writers write (at most 30), then the writers finish
        while any(t.is_alive() for t in threads) and len(taken) < 30:
            taken.append(
                backup.take(database_url, tmp_path / "backups", keep=100, now=lambda: next(clock))
            )
    except BaseException:
        stop.set()
        raise
    finally:
        for thread in threads:
            thread.join(timeout=60)
        store.close()
    assert not errors, errors
    assert len(taken) >= 3
    totals = []
    for path in taken:
        assert integrity(path) == "ok"
        assert not Path(f"{path}-wal").exists()  # one self-contained file
        totals.append(replays_whole(f"sqlite:///{path}"))
    assert totals == sorted(totals)  # each a consistent moment, later ones hold more
    assert totals[0] < WRITERS * APPENDS  # the first was taken while they wrote
    assert replays_whole(database_url) == WRITERS * APPENDS


def test_only_the_newest_backups_are_kept(database_url: str, tmp_path: Path) -> None:
    moments = iter(T0 + timedelta(minutes=15 * n) for n in range(10))
    directory = tmp_path / "backups"
    for _ in range(6):
        backup.take(database_url, directory, keep=3, now=lambda: next(moments))
    names = [p.name for p in backup.listed(directory)]
    assert names == [
        "common-ground-20261124T101500000000Z.db",
        "common-ground-20261124T100000000000Z.db",
        "common-ground-20261124T094500000000Z.db",
    ]
    assert not list(directory.glob("*.partial"))


def test_the_app_backs_up_when_it_stops_and_a_backup_restores(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "backups"
    configured = settings.model_copy(update={"backup_dir": directory})
    with TestClient(create_app(configured)) as client:
        room = make_room(client)
        join(client, room["code"], "Priya")
    (taken,) = backup.listed(directory)
    assert integrity(taken) == "ok"
    with TestClient(create_app(configured)) as client:  # later, the room is deleted…
        client.delete(f"/api/rooms/{room['code']}", headers=bearer(room["facilitator_token"]))
    backup.restore(taken, database_url)  # …and the backup brings it back
    with TestClient(create_app(configured)) as client:
        snapshot = client.get(
            f"/api/rooms/{room['code']}", headers=bearer(room["facilitator_token"])
        )
        assert snapshot.status_code == 200
        assert [p["name"] for p in snapshot.json()["participants"]] == ["Priya"]


def test_the_command_line_takes_lists_and_refuses_to_restore_under_a_running_app(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, "BACKUP_DIR": str(tmp_path / "b"), "PATH": "/usr/bin:/bin"}
    command = [python(), "-m", "app.persistence.backup"]
    taken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert taken.returncode == 0, taken.stderr
    listed = subprocess.run(
        [*command, "--list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert listed.stdout.strip() == taken.stdout.strip()
    with TestClient(create_app(settings)):  # a server is using the database
        refused = subprocess.run(
            [*command, "--restore", taken.stdout.strip()],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode == 1
    assert "stop the app first" in refused.stderr
