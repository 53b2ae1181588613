"""The event store, on SQLite and on PostgreSQL: rooms, the gap-free log, projections, auth."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from app.domain.events import Draft, Event, Viewer
from app.persistence.store import CodeTaken, Store, StoredRoom
from tests.persistence.conftest import PG_ADMIN_URL, PG_URL, scratch_postgres

CREATED = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC)
FACILITATOR_HASH = "f" * 64


def new_room(store: Store, code: str = "ABC123", **extra: Any) -> StoredRoom:
    values: dict[str, Any] = {
        "code": code,
        "title": "Oakfield partnership",
        "setting": "Oakfield Primary",
        "workshop": "visioning",
        "phase": "welcome",
        "facilitator_token_hash": FACILITATOR_HASH,
        "created_at": CREATED,
        **extra,
    }
    store.create_room(**values)
    room = store.room(code)
    assert room is not None
    return room


def note(n: int) -> Draft:
    return Draft("note.added", {"n": n}, actor="facilitator")


def joined(participant_id: str, name: str = "Priya") -> Draft:
    participant = {"id": participant_id, "name": name, "perspective": "health"}
    return Draft("participant.joined", {"participant": participant}, actor=participant_id)


def count(store: Store, table: str, room_id: int) -> int:
    column = "id" if table == "rooms" else "room_id"
    with store.reader.connect() as connection:
        result = connection.execute(
            text(f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": room_id}
        ).scalar_one()
        return int(result)


def room_row(store: Store, code: str) -> dict[str, Any]:
    with store.reader.connect() as connection:
        row = connection.execute(
            text("SELECT seq, phase, locked FROM rooms WHERE code = :code"), {"code": code}
        ).one()
        return {"seq": row.seq, "phase": row.phase, "locked": bool(row.locked)}


def is_utc(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


# ----------------------------------------------------------------------- rooms
def test_create_room_then_room_and_load(store: Store) -> None:
    created = new_room(store, title="Ünïcødé <b>&</b> 🚸", setting="")

    assert created.code == "ABC123"
    assert created.title == "Ünïcødé <b>&</b> 🚸"
    assert created.setting == ""
    assert created.workshop == "visioning"
    assert created.seq == 0
    assert created.created_at == CREATED
    assert is_utc(created.created_at)

    loaded = store.load("ABC123")
    assert loaded is not None
    room, events = loaded
    assert room == created
    assert events == []
    assert room_row(store, "ABC123") == {"seq": 0, "phase": "welcome", "locked": False}


def test_unknown_room_reads_as_none(store: Store) -> None:
    assert store.room("NOPE00") is None
    assert store.load("NOPE00") is None
    assert store.events_between("NOPE00", 0) == []
    assert store.delete_room("NOPE00") is False
    with pytest.raises(LookupError):
        store.append("NOPE00", expected_seq=0, drafts=[note(1)])


def test_duplicate_code_is_code_taken_and_leaves_the_first_room(store: Store) -> None:
    first = new_room(store)
    with pytest.raises(CodeTaken):
        store.create_room(
            code="ABC123",
            title="Someone else",
            setting="",
            workshop="visioning",
            phase="welcome",
            facilitator_token_hash="e" * 64,
            created_at=CREATED,
        )
    assert store.room("ABC123") == first
    assert store.viewer_for_token("ABC123", FACILITATOR_HASH) == Viewer("facilitator")
    assert store.viewer_for_token("ABC123", "e" * 64) is None


# ---------------------------------------------------------------------- append
def test_append_numbers_events_after_expected_seq_without_gaps(store: Store) -> None:
    new_room(store)

    first = store.append("ABC123", expected_seq=0, drafts=[note(1), note(2), note(3)])
    assert not first.stale
    assert [e.seq for e in first.events] == [1, 2, 3]
    second = store.append("ABC123", expected_seq=3, drafts=[note(4), note(5)])
    assert [e.seq for e in second.events] == [4, 5]

    room = store.room("ABC123")
    assert room is not None
    assert room.seq == 5
    loaded = store.load("ABC123")
    assert loaded is not None
    events = loaded[1]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.data["n"] for e in events] == [1, 2, 3, 4, 5]
    assert all(e.type == "note.added" and e.actor == "facilitator" for e in events)
    assert events == first.events + second.events


def test_append_nothing_changes_nothing(store: Store) -> None:
    new_room(store)
    result = store.append("ABC123", expected_seq=0, drafts=[])
    assert result.events == []
    assert not result.stale
    assert room_row(store, "ABC123")["seq"] == 0


def test_append_keeps_private_to_and_actor(store: Store) -> None:
    new_room(store)
    draft = Draft("note.added", {"note": {"text": "mine"}}, actor="p-1", private_to="p-1")
    store.append("ABC123", expected_seq=0, drafts=[draft, Draft("marker", {})])
    loaded = store.load("ABC123")
    assert loaded is not None
    stored, marker = loaded[1]
    assert (stored.actor, stored.private_to) == ("p-1", "p-1")
    assert (marker.actor, marker.private_to, marker.data) == (None, None, {})


def test_append_projects_phase_and_lock_onto_the_room_row(store: Store) -> None:
    new_room(store)
    store.append(
        "ABC123",
        expected_seq=0,
        drafts=[
            Draft("phase.changed", {"phase": "ideas", "previous": "welcome"}),
            Draft("room.locked", {"locked": True}),
        ],
    )
    assert room_row(store, "ABC123") == {"seq": 2, "phase": "ideas", "locked": True}

    store.append(
        "ABC123",
        expected_seq=2,
        drafts=[
            Draft("phase.changed", {"phase": "grid", "previous": "ideas"}),
            Draft("phase.changed", {"phase": "vision", "previous": "grid"}),
            Draft("room.locked", {"locked": False}),
        ],
    )
    assert room_row(store, "ABC123") == {"seq": 5, "phase": "vision", "locked": False}


def test_stale_append_writes_nothing_and_returns_the_missed_events(store: Store) -> None:
    new_room(store)
    store.append("ABC123", expected_seq=0, drafts=[note(1), note(2)])
    store.append("ABC123", expected_seq=2, drafts=[Draft("room.locked", {"locked": True})])
    before = store.load("ABC123")
    assert before is not None

    participant_id = str(uuid.uuid4())
    result = store.append(
        "ABC123",
        expected_seq=1,
        drafts=[joined(participant_id), Draft("phase.changed", {"phase": "x", "previous": ""})],
        tokens={participant_id: "a" * 64},
    )

    assert result.stale
    assert result.events == []
    assert [e.seq for e in result.missed] == [2, 3]
    assert result.missed == before[1][1:]
    assert store.load("ABC123") == before
    assert room_row(store, "ABC123") == {"seq": 3, "phase": "welcome", "locked": True}
    assert count(store, "participants", before[0].id) == 0
    assert store.viewer_for_token("ABC123", "a" * 64) is None


def test_a_failed_append_is_rolled_back_whole(store: Store) -> None:
    new_room(store)
    participant_id = str(uuid.uuid4())
    with pytest.raises(KeyError):
        # No token for the joining participant: the projection fails mid-write.
        store.append(
            "ABC123",
            expected_seq=0,
            drafts=[
                Draft("phase.changed", {"phase": "ideas", "previous": ""}),
                joined(participant_id),
            ],
            tokens={},
        )
    room = store.room("ABC123")
    assert room is not None
    assert room.seq == 0
    assert store.events_between("ABC123", 0) == []
    assert room_row(store, "ABC123") == {"seq": 0, "phase": "welcome", "locked": False}
    assert count(store, "participants", room.id) == 0


# ------------------------------------------------------------------------ auth
def test_joined_participant_row_and_viewer_for_token(store: Store) -> None:
    room = new_room(store)
    priya, sam = str(uuid.uuid4()), str(uuid.uuid4())
    result = store.append(
        "ABC123",
        expected_seq=0,
        drafts=[joined(priya, "Priya"), joined(sam, "Sam Ünïcødé")],
        tokens={priya: "1" * 64, sam: "2" * 64},
    )
    assert [e.seq for e in result.events] == [1, 2]

    with store.reader.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, room_id, name, perspective, token_hash, joined_at, removed_at"
                " FROM participants ORDER BY name"
            )
        ).all()
    assert [(r.id, r.room_id, r.name, r.perspective, r.token_hash) for r in rows] == [
        (priya, room.id, "Priya", "health", "1" * 64),
        (sam, room.id, "Sam Ünïcødé", "health", "2" * 64),
    ]
    assert all(r.removed_at is None and r.joined_at is not None for r in rows)

    assert store.viewer_for_token("ABC123", "1" * 64) == Viewer("participant", priya)
    assert store.viewer_for_token("ABC123", "2" * 64) == Viewer("participant", sam)
    assert store.viewer_for_token("ABC123", FACILITATOR_HASH) == Viewer("facilitator")
    assert store.viewer_for_token("ABC123", "0" * 64) is None
    assert store.viewer_for_token("NOPE00", "1" * 64) is None
    assert store.viewer_for_token("NOPE00", FACILITATOR_HASH) is None


def test_removed_participant_token_no_longer_admits(store: Store) -> None:
    new_room(store)
    priya, sam = str(uuid.uuid4()), str(uuid.uuid4())
    store.append(
        "ABC123",
        expected_seq=0,
        drafts=[joined(priya), joined(sam, "Sam")],
        tokens={priya: "1" * 64, sam: "2" * 64},
    )
    store.append(
        "ABC123",
        expected_seq=2,
        drafts=[Draft("participant.removed", {"participant_id": priya}, actor="facilitator")],
    )

    assert store.viewer_for_token("ABC123", "1" * 64) is None
    assert store.viewer_for_token("ABC123", "2" * 64) == Viewer("participant", sam)
    with store.reader.connect() as connection:
        removed_at = connection.execute(
            text("SELECT removed_at FROM participants WHERE id = :id"), {"id": priya}
        ).scalar_one()
    assert removed_at is not None


def test_a_token_only_admits_to_its_own_room(store: Store) -> None:
    new_room(store, "ROOM01")
    new_room(store, "ROOM02", facilitator_token_hash="d" * 64)
    priya = str(uuid.uuid4())
    store.append("ROOM01", expected_seq=0, drafts=[joined(priya)], tokens={priya: "1" * 64})

    assert store.viewer_for_token("ROOM01", "1" * 64) == Viewer("participant", priya)
    assert store.viewer_for_token("ROOM02", "1" * 64) is None
    assert store.viewer_for_token("ROOM02", FACILITATOR_HASH) is None
    assert store.viewer_for_token("ROOM02", "d" * 64) == Viewer("facilitator")


# ---------------------------------------------------------------------- reads
def test_events_between_bounds(store: Store) -> None:
    new_room(store, "ROOM01")
    new_room(store, "ROOM02")
    store.append("ROOM01", expected_seq=0, drafts=[note(n) for n in range(1, 8)])
    store.append("ROOM02", expected_seq=0, drafts=[note(100), note(200)])

    def seqs(after: int, until: int | None = None) -> list[int]:
        return [e.seq for e in store.events_between("ROOM01", after, until)]

    assert seqs(0) == [1, 2, 3, 4, 5, 6, 7]
    assert seqs(0, None) == [1, 2, 3, 4, 5, 6, 7]
    assert seqs(2) == [3, 4, 5, 6, 7]
    assert seqs(2, 5) == [3, 4, 5]
    assert seqs(4, 5) == [5]
    assert seqs(5, 5) == []
    assert seqs(6, 100) == [7]
    assert seqs(7) == []
    assert seqs(50) == []
    assert [e.data["n"] for e in store.events_between("ROOM01", 2, 4)] == [3, 4]
    assert [e.data["n"] for e in store.events_between("ROOM02", 0)] == [100, 200]


def test_json_data_round_trips_exactly(store: Store) -> None:
    new_room(store)
    data = {
        "text": "Ünïcødé <b>&</b> 🚸",
        "quotes": 'it\'s "quoted" \\ back\\slash',
        "script": "</script><script>alert(1)</script>",
        "lines": "one\ntwo\tthree\r\n",
        "rtl": "שלום مرحبا",
        "zwj": "👩‍👩‍👧",
        "nested": {"list": [1, 2.5, None, True, False, "", {"ü": ["ß"]}]},
        "big": 2**53,
        "empty": {},
    }
    appended = store.append("ABC123", expected_seq=0, drafts=[Draft("note.added", data)])
    assert appended.events[0].data == data

    loaded = store.load("ABC123")
    assert loaded is not None
    for event in (*store.events_between("ABC123", 0), *loaded[1]):
        assert event.data == data
        assert event.data["text"] == "Ünïcødé <b>&</b> 🚸"


def test_timestamps_come_back_timezone_aware_utc(store: Store) -> None:
    new_room(store)
    before = datetime.now(UTC)
    appended = store.append("ABC123", expected_seq=0, drafts=[note(1)])
    after = datetime.now(UTC)

    room = store.room("ABC123")
    loaded = store.load("ABC123")
    assert room is not None
    assert loaded is not None
    stored: list[Event] = [*loaded[1], *store.events_between("ABC123", 0)]
    assert is_utc(room.created_at)
    assert is_utc(loaded[0].created_at)
    assert room.created_at == CREATED
    assert appended.events[0].at.tzinfo is not None
    for event in stored:
        assert is_utc(event.at)
        assert event.at == appended.events[0].at
        assert before <= event.at <= after


def test_a_non_utc_created_at_keeps_its_instant(store: Store) -> None:
    """The store is handed aware datetimes; whatever their zone, the instant must survive."""
    kolkata = datetime(2026, 11, 24, 15, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    room = new_room(store, created_at=kolkata)
    assert is_utc(room.created_at)
    assert room.created_at == kolkata
    assert room.created_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_timestamps_are_utc_whatever_the_server_time_zone() -> None:
    """PostgreSQL hands timestamptz back in the session's TimeZone, which need not be UTC."""
    with scratch_postgres() as name:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("ALTER DATABASE {} SET timezone TO 'America/New_York'").format(
                    sql.Identifier(name)
                )
            )
        store = Store(PG_URL.format(name=name))
        try:
            store.migrate()
            with store.reader.connect() as connection:
                zone = connection.execute(text("SHOW timezone")).scalar_one()
            assert zone == "America/New_York"
            new_room(store)
            store.append("ABC123", expected_seq=0, drafts=[note(1)])
            loaded = store.load("ABC123")
            assert loaded is not None
            room, events = loaded
            assert room.created_at == CREATED
            assert is_utc(room.created_at), room.created_at
            for event in (*events, *store.events_between("ABC123", 0)):
                assert is_utc(event.at), event.at
        finally:
            store.close()


# --------------------------------------------------------------------- delete
def test_delete_room_removes_every_row_and_leaves_other_rooms(store: Store) -> None:
    doomed = new_room(store, "ROOM01")
    kept = new_room(store, "ROOM02", facilitator_token_hash="d" * 64)
    for code, hash_prefix in (("ROOM01", "1"), ("ROOM02", "2")):
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        store.append(
            code,
            expected_seq=0,
            drafts=[joined(a), joined(b, "Sam"), note(3), note(4)],
            tokens={a: hash_prefix * 64, b: hash_prefix * 63 + "x"},
        )
    for table, expected in (("rooms", 1), ("participants", 2), ("events", 4)):
        assert count(store, table, doomed.id) == expected
        assert count(store, table, kept.id) == expected

    assert store.delete_room("ROOM01") is True

    for table in ("rooms", "participants", "events"):
        assert count(store, table, doomed.id) == 0, table
    assert (
        count(store, "rooms", kept.id),
        count(store, "participants", kept.id),
        count(store, "events", kept.id),
    ) == (1, 2, 4)
    assert store.room("ROOM01") is None
    assert store.load("ROOM01") is None
    assert store.events_between("ROOM01", 0) == []
    assert store.viewer_for_token("ROOM01", FACILITATOR_HASH) is None
    assert store.viewer_for_token("ROOM02", "d" * 64) == Viewer("facilitator")
    assert store.viewer_for_token("ROOM02", "2" * 64) is not None
    loaded = store.load("ROOM02")
    assert loaded is not None
    assert [e.seq for e in loaded[1]] == [1, 2, 3, 4]
    assert store.delete_room("ROOM01") is False

    # The code is free again, and a new room under it starts from an empty log.
    reborn = new_room(store, "ROOM01")
    assert reborn.seq == 0
    assert store.events_between("ROOM01", 0) == []


# ----------------------------------------------------------------------- race
WORKERS = 2
THREADS = 6
APPENDS_PER_THREAD = 50
DRAFTS_PER_APPEND = 2


def test_concurrent_writers_keep_the_log_gap_free(
    store: Store, open_store: Callable[[], Store]
) -> None:
    """Several processes' worth of writers race on one room with the optimistic protocol."""
    new_room(store)
    workers = [store, *(open_store() for _ in range(WORKERS - 1))]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    successes: list[list[int]] = [[] for _ in range(THREADS)]
    retries = [0] * THREADS

    def writer(index: int) -> None:
        worker = workers[index % len(workers)]
        try:
            barrier.wait(timeout=30)
            # Each writer keeps its own view of the room, as the service does.
            if index % 2:
                current = worker.room("ABC123")
                assert current is not None
                seen = current.seq
            else:
                loaded = worker.load("ABC123")
                assert loaded is not None
                seen = loaded[0].seq
            for n in range(APPENDS_PER_THREAD):
                drafts = [
                    Draft("note.added", {"writer": index, "n": n, "part": part})
                    for part in range(DRAFTS_PER_APPEND)
                ]
                while True:
                    result = worker.append("ABC123", expected_seq=seen, drafts=drafts)
                    if not result.stale:
                        break
                    retries[index] += 1
                    missed = [e.seq for e in result.missed]
                    assert missed == list(range(seen + 1, seen + 1 + len(missed))), missed
                    seen = missed[-1]
                stored = [e.seq for e in result.events]
                assert stored == list(range(seen + 1, seen + 1 + DRAFTS_PER_APPEND)), stored
                seen = stored[-1]
                successes[index].extend(stored)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    total = THREADS * APPENDS_PER_THREAD * DRAFTS_PER_APPEND
    successful_appends = sum(len(seqs) for seqs in successes) // DRAFTS_PER_APPEND
    assert successful_appends == THREADS * APPENDS_PER_THREAD
    assert total == successful_appends * DRAFTS_PER_APPEND
    claimed = sorted(seq for seqs in successes for seq in seqs)
    assert claimed == list(range(1, total + 1))

    for reader in workers:
        loaded = reader.load("ABC123")
        assert loaded is not None
        room, events = loaded
        assert [e.seq for e in events] == list(range(1, total + 1))
        assert room.seq == total
    assert room_row(store, "ABC123")["seq"] == total

    # Every append landed whole and in order: each writer's drafts are contiguous.
    by_seq = {e.seq: e.data for e in events}
    for index, seqs in enumerate(successes):
        assert len(seqs) == APPENDS_PER_THREAD * DRAFTS_PER_APPEND
        for n in range(APPENDS_PER_THREAD):
            pair = seqs[n * DRAFTS_PER_APPEND : (n + 1) * DRAFTS_PER_APPEND]
            assert [by_seq[s] for s in pair] == [
                {"writer": index, "n": n, "part": part} for part in range(DRAFTS_PER_APPEND)
            ]
    # Make sure the writers really raced rather than taking turns.
    assert sum(retries) > 0
