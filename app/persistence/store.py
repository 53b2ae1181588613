"""The event store: rooms, their gap-free event logs, and token look-ups.

All methods are synchronous (the service calls them in a worker thread). A
write is one transaction that locks the room's row, checks the caller saw the
latest `seq`, numbers and inserts the events, updates the projections on
`rooms`/`participants`, and commits. Nothing is half-written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, update
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.events import Draft, Event, Viewer
from app.persistence.engines import Health, StorageUnavailable, make_engines
from app.persistence.tables import EventRow, ParticipantRow, RoomRow, as_utc, utcnow

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


class CodeTaken(Exception):
    """A room with this code exists already (the caller draws another)."""


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """A room's row, as the service needs it to rebuild the aggregate."""

    id: int
    code: str
    title: str
    setting: str
    workshop: str
    seq: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Appended:
    """Result of `Store.append`: the stored events, or what the caller missed."""

    events: list[Event] = field(default_factory=list)
    missed: list[Event] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.missed)


def _to_event(row: Any) -> Event:
    return Event(
        seq=row.seq,
        type=row.type,
        at=as_utc(row.at),
        data=json.loads(row.data),
        actor=row.actor,
        private_to=row.private_to,
        raw=row.data,
    )


# Plain columns (no ORM objects): reading a long log is several times faster.
EVENT_COLUMNS = (
    col(EventRow.seq),
    col(EventRow.type),
    col(EventRow.at),
    col(EventRow.data),
    col(EventRow.actor),
    col(EventRow.private_to),
)


class Store:
    """Rooms and their event logs in one SQL database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.writer, self.reader = make_engines(url)
        self.is_sqlite = self.writer.dialect.name == "sqlite"
        self.health = Health(self.writer)

    def close(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision."""
        config = Config(str(ALEMBIC_INI))
        with self.writer.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Workers starting together: one migrates, the others wait, then see head.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(726853101)")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def check_writable(self) -> None:
        """Raise StorageUnavailable unless a real write goes through (at start-up)."""
        problem = self.health.probe()
        if problem is not None:
            raise StorageUnavailable(problem)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with (
            self.health.guard(writing=True),
            Session(self.writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with (
            self.health.guard(writing=False),
            Session(self.reader, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    # ------------------------------------------------------------------ rooms
    def create_room(
        self,
        *,
        code: str,
        title: str,
        setting: str,
        workshop: str,
        phase: str,
        facilitator_token_hash: str,
        created_at: datetime,
    ) -> None:
        created_at = created_at.astimezone(UTC)
        try:
            with self._write() as session:
                session.add(
                    RoomRow(
                        code=code,
                        title=title,
                        setting=setting,
                        workshop=workshop,
                        facilitator_token_hash=facilitator_token_hash,
                        phase=phase,
                        created_at=created_at,
                        updated_at=created_at,
                    )
                )
        except IntegrityError as exc:
            raise CodeTaken(code) from exc

    def import_room(
        self,
        *,
        code: str,
        title: str,
        setting: str,
        workshop: str,
        phase: str,
        locked: bool,
        facilitator_token_hash: str,
        created_at: datetime,
        events: Sequence[Event],
        participant_tokens: dict[str, str],
    ) -> None:
        """Recreate a room with its whole event log, in one transaction.

        An import counts as a change: retention counts from now, not from the last
        event of a session that may be older than RETENTION_DAYS."""
        created_at = created_at.astimezone(UTC)
        try:
            with self._write() as session:
                row = RoomRow(
                    code=code,
                    title=title,
                    setting=setting,
                    workshop=workshop,
                    facilitator_token_hash=facilitator_token_hash,
                    phase=phase,
                    seq=events[-1].seq if events else 0,
                    locked=locked,
                    created_at=created_at,
                    updated_at=utcnow(),
                )
                session.add(row)
                session.flush()
                assert row.id is not None
                for stored in events:
                    session.add(
                        EventRow(
                            room_id=row.id,
                            seq=stored.seq,
                            type=stored.type,
                            at=stored.at,
                            actor=stored.actor,
                            private_to=stored.private_to,
                            data=json.dumps(stored.data, ensure_ascii=False, separators=(",", ":")),
                        )
                    )
                    self._project(session, row.id, stored, participant_tokens, {})
        except IntegrityError as exc:
            raise CodeTaken(code) from exc

    def seq(self, code: str) -> int | None:
        """The room's latest seq (None if there is no such room): one indexed read."""
        with self._read() as session:
            found = session.exec(select(RoomRow.seq).where(RoomRow.code == code)).one_or_none()
            return None if found is None else int(found)

    def idle_since(self, cutoff: datetime) -> list[str]:
        """Codes of rooms with no change since `cutoff` (retention)."""
        with self._read() as session:
            query = select(RoomRow.code).where(col(RoomRow.updated_at) < cutoff.astimezone(UTC))
            return list(session.exec(query).all())

    def codes(self) -> list[str]:
        """Every room's code, oldest first."""
        with self._read() as session:
            return list(session.exec(select(RoomRow.code).order_by(col(RoomRow.id))).all())

    def copy_room(self, code: str, target: Store) -> bool:
        """Copy a room with its participants (token hashes kept) and log into `target`.

        False if `target` already has a room with this code (nothing is written).
        """
        with self._read() as session:
            room = session.exec(select(RoomRow).where(RoomRow.code == code)).one()
            room_data: dict[str, Any] = room.model_dump(exclude={"id"})
            people: list[dict[str, Any]] = [
                p.model_dump(exclude={"room_id"})
                for p in session.exec(
                    select(ParticipantRow).where(ParticipantRow.room_id == room.id)
                ).all()
            ]
            logged: list[dict[str, Any]] = [
                e.model_dump(exclude={"room_id"})
                for e in session.exec(select(EventRow).where(EventRow.room_id == room.id)).all()
            ]
        try:
            with target._write() as session:
                copy = RoomRow(**room_data)
                session.add(copy)
                session.flush()
                assert copy.id is not None
                for person in people:
                    session.add(ParticipantRow(room_id=copy.id, **person))
                for row in logged:
                    session.add(EventRow(room_id=copy.id, **row))
        except IntegrityError:
            return False
        return True

    def room(self, code: str) -> StoredRoom | None:
        with self._read() as session:
            row = session.exec(select(RoomRow).where(RoomRow.code == code)).one_or_none()
            return _stored(row) if row else None

    def load(self, code: str) -> tuple[StoredRoom, list[Event]] | None:
        """The room's row and its whole log, read in one transaction."""
        with self._read() as session:
            row = session.exec(select(RoomRow).where(RoomRow.code == code)).one_or_none()
            if row is None:
                return None
            events = session.execute(
                select_columns(*EVENT_COLUMNS)
                .where(col(EventRow.room_id) == row.id)
                .order_by(col(EventRow.seq))
            ).all()
            return _stored(row), [_to_event(e) for e in events]

    def events_between(self, code: str, after: int, until: int | None = None) -> list[Event]:
        """Events with after < seq ≤ until (or to the end), in order."""
        with self._read() as session:
            query = (
                select_columns(*EVENT_COLUMNS)
                .join(RoomRow, col(RoomRow.id) == col(EventRow.room_id))
                .where(col(RoomRow.code) == code, col(EventRow.seq) > after)
                .order_by(col(EventRow.seq))
            )
            if until is not None:
                query = query.where(col(EventRow.seq) <= until)
            return [_to_event(row) for row in session.execute(query).all()]

    def delete_room(self, code: str) -> bool:
        """Remove the room and every row that belongs to it."""
        with self._write() as session:
            row = session.exec(select(RoomRow).where(RoomRow.code == code)).one_or_none()
            if row is None:
                return False
            session.execute(delete(EventRow).where(col(EventRow.room_id) == row.id))
            session.execute(delete(ParticipantRow).where(col(ParticipantRow.room_id) == row.id))
            session.execute(delete(RoomRow).where(col(RoomRow.id) == row.id))
            return True

    # ------------------------------------------------------------------- auth
    def viewer_for_token(self, code: str, token_hash: str) -> Viewer | None:
        """Who holds this token in this room (None if no one, or removed)."""
        with self._read() as session:
            room = session.exec(
                select(RoomRow.id, RoomRow.facilitator_token_hash).where(RoomRow.code == code)
            ).one_or_none()
            if room is None:
                return None
            if room[1] == token_hash:
                return Viewer("facilitator")
            participant = session.exec(
                select(ParticipantRow.id).where(
                    ParticipantRow.token_hash == token_hash,
                    ParticipantRow.room_id == room[0],
                    col(ParticipantRow.removed_at).is_(None),
                )
            ).one_or_none()
            return Viewer("participant", participant) if participant else None

    def token_removed(self, code: str, token_hash: str) -> bool:
        """Whether this token was a participant's whom the facilitator removed."""
        with self._read() as session:
            found = session.exec(
                select(ParticipantRow.id)
                .join(RoomRow, col(RoomRow.id) == col(ParticipantRow.room_id))
                .where(
                    RoomRow.code == code,
                    ParticipantRow.token_hash == token_hash,
                    col(ParticipantRow.removed_at).is_not(None),
                )
            ).first()
            return found is not None

    # ----------------------------------------------------------------- append
    def append(
        self,
        code: str,
        *,
        expected_seq: int,
        drafts: Sequence[Draft],
        tokens: dict[str, str] | None = None,
    ) -> Appended:
        """Store `drafts` as the room's next events, if the log is still at `expected_seq`.

        If another writer got there first, nothing is written and the events
        the caller missed are returned so it can catch up and decide again.
        `tokens` maps a newly joined participant id to its token hash.
        """
        now = utcnow()
        with self._write() as session:
            query = select(RoomRow).where(RoomRow.code == code)
            if not self.is_sqlite:
                query = query.with_for_update()
            row = session.exec(query).one_or_none()
            if row is None:
                raise LookupError(code)
            assert row.id is not None
            if row.seq != expected_seq:
                missed = session.exec(
                    select(EventRow)
                    .where(EventRow.room_id == row.id, EventRow.seq > expected_seq)
                    .order_by(col(EventRow.seq))
                ).all()
                return Appended(missed=[_to_event(e) for e in missed])
            events = []
            changes: dict[str, Any] = {}
            for offset, draft in enumerate(drafts, start=1):
                stored = Event(
                    seq=expected_seq + offset,
                    type=draft.type,
                    at=now,
                    data=draft.data,
                    actor=draft.actor,
                    private_to=draft.private_to,
                    raw=json.dumps(draft.data, ensure_ascii=False, separators=(",", ":")),
                )
                session.add(
                    EventRow(
                        room_id=row.id,
                        seq=stored.seq,
                        type=stored.type,
                        at=now,
                        actor=stored.actor,
                        private_to=stored.private_to,
                        data=stored.raw or "{}",
                    )
                )
                events.append(stored)
                self._project(session, row.id, stored, tokens or {}, changes)
            if events:
                changes["seq"] = events[-1].seq
                changes["updated_at"] = now
                session.execute(update(RoomRow).where(col(RoomRow.id) == row.id).values(**changes))
            return Appended(events=events)

    @staticmethod
    def _project(
        session: Session,
        room_id: int,
        stored: Event,
        tokens: dict[str, str],
        changes: dict[str, Any],
    ) -> None:
        """Keep the look-up columns in step with the log."""
        if stored.type == "phase.changed":
            changes["phase"] = stored.data["phase"]
        elif stored.type == "room.locked":
            changes["locked"] = bool(stored.data["locked"])
        elif stored.type == "participant.joined":
            participant = stored.data["participant"]
            session.add(
                ParticipantRow(
                    id=participant["id"],
                    room_id=room_id,
                    name=participant["name"],
                    perspective=participant["perspective"],
                    token_hash=tokens[participant["id"]],
                    joined_at=stored.at,
                )
            )
        elif stored.type == "participant.removed":
            session.execute(
                update(ParticipantRow)
                .where(col(ParticipantRow.id) == stored.data["participant_id"])
                .values(removed_at=stored.at)
            )


def _stored(row: RoomRow) -> StoredRoom:
    assert row.id is not None
    return StoredRoom(
        id=row.id,
        code=row.code,
        title=row.title,
        setting=row.setting,
        workshop=row.workshop,
        seq=row.seq,
        created_at=as_utc(row.created_at),
    )
