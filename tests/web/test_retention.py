"""Retention: rooms nobody has touched for RETENTION_DAYS go, with every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from tests.conftest import bearer, join, make_room


def counts(url: str, code: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        room_id = conn.execute(text("SELECT id FROM rooms WHERE code = :c"), {"c": code}).scalar()
        found = tuple(
            int(
                conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :r"),
                    {"r": room_id},
                ).scalar()
                or 0
            )
            for table, column in (
                ("rooms", "id"),
                ("participants", "room_id"),
                ("events", "room_id"),
            )
        )
    engine.dispose()
    return found  # type: ignore[return-value]


def test_idle_rooms_are_deleted_with_every_row(client: TestClient, settings: Settings) -> None:
    old = make_room(client, title="Old session")
    join(client, old["code"])
    fresh = make_room(client, title="Tomorrow's session")
    service = client.app.state.service  # type: ignore[attr-defined]
    later = datetime.now(UTC) + timedelta(days=31)

    # Seen from 31 days on, neither room has changed for 30 days: both go.
    deleted = client.portal.call(  # type: ignore[union-attr]
        lambda: service.purge_idle(older_than=timedelta(days=30), now=later)
    )
    assert sorted(deleted) == sorted([old["code"], fresh["code"]])
    assert (
        client.get(
            f"/api/rooms/{old['code']}", headers=bearer(old["facilitator_token"])
        ).status_code
        == 404
    )
    assert counts(settings.database_url, old["code"]) == (0, 0, 0)


def test_rooms_in_use_are_kept(client: TestClient, settings: Settings) -> None:
    room = make_room(client)
    service = client.app.state.service  # type: ignore[attr-defined]
    deleted = client.portal.call(  # type: ignore[union-attr]
        lambda: service.purge_idle(older_than=timedelta(days=30))
    )
    assert deleted == []
    response = client.get(f"/api/rooms/{room['code']}", headers=bearer(room["facilitator_token"]))
    assert response.status_code == 200


def test_a_change_keeps_a_room_alive(client: TestClient) -> None:
    room = make_room(client)
    code, token = room["code"], room["facilitator_token"]
    service = client.app.state.service  # type: ignore[attr-defined]
    in_20_days = datetime.now(UTC) + timedelta(days=20)
    # Nothing deleted 20 days on: within the 30-day retention.
    assert (
        client.portal.call(  # type: ignore[union-attr]
            lambda: service.purge_idle(older_than=timedelta(days=30), now=in_20_days)
        )
        == []
    )
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(token))
    assert client.get(f"/api/rooms/{code}", headers=bearer(token)).status_code == 200
