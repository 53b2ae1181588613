"""SQLModel tables.

The event log is the record of a room: its state is the fold of its events.
`rooms` keeps what must be looked up or locked without folding (code, token
hash, current seq and phase); `participants` keeps token hashes for auth.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class RoomRow(SQLModel, table=True):
    __tablename__ = "rooms"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    setting: str = Field(default="", sa_column=Column(Text, nullable=False))
    workshop: str = Field(max_length=40)
    facilitator_token_hash: str = Field(max_length=64, index=True)
    phase: str = Field(max_length=40)
    seq: int = Field(default=0)
    locked: bool = Field(default=False)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ParticipantRow(SQLModel, table=True):
    __tablename__ = "participants"

    id: str = Field(primary_key=True, max_length=36)
    room_id: int = Field(foreign_key="rooms.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_column=Column(Text, nullable=False))
    perspective: str = Field(max_length=40)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    joined_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    removed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class EventRow(SQLModel, table=True):
    __tablename__ = "events"

    room_id: int = Field(foreign_key="rooms.id", primary_key=True, ondelete="CASCADE")
    seq: int = Field(primary_key=True)
    type: str = Field(max_length=40)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str | None = Field(default=None, max_length=36)
    private_to: str | None = Field(default=None, max_length=36)
    data: str = Field(sa_column=Column(Text, nullable=False))
