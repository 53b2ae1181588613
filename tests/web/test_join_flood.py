"""A room cannot be filled from the projector's code: joins to one room from one address
are paced past a burst, and the facilitator can lock the room and remove everyone who
joined after a moment, in one step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient

from app.config import Settings
from app.ratelimit import RateLimiter
from app.web.app import create_app
from tests.conftest import bearer, join, make_room

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def paced(settings: Settings) -> Iterator[tuple[TestClient, Clock]]:
    """The app with the default join pace, on a clock the test moves."""
    with TestClient(create_app(settings)) as client:
        clock = Clock()
        service = client.app.state.service  # type: ignore[attr-defined]
        defaults = Settings(_env_file=None)  # the shipped pace, not the suite's
        service.joins = RateLimiter(
            burst=defaults.join_burst, per=defaults.join_interval_seconds, clock=clock
        )
        yield client, clock


def flood(client: TestClient, code: str, count: int, start: int = 0) -> Counter[int]:
    return Counter(
        client.post(
            f"/api/rooms/{code}/join", json={"name": f"Bot {n}", "perspective": "health"}
        ).status_code
        for n in range(start, start + count)
    )


def test_320_joins_at_once_from_one_address_are_paced(paced: tuple[TestClient, Clock]) -> None:
    client, clock = paced
    code = make_room(client)["code"]
    assert flood(client, code, 320) == {201: 60, 429: 260}
    refused = client.post(f"/api/rooms/{code}/join", json={"name": "Late", "perspective": "health"})
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) >= 1
    clock.now += 1.0
    assert flood(client, code, 10, start=400) == {201: 5, 429: 5}  # five a second
    # Another room on the same address is not slowed by this one.
    other = make_room(client)["code"]
    assert flood(client, other, 10) == {201: 10}


def test_a_school_joining_at_a_human_pace_all_gets_in(paced: tuple[TestClient, Clock]) -> None:
    """300 pupils behind one NAT address: the first 60 at once, then five a second."""
    client, clock = paced
    code = make_room(client)["code"]
    statuses: Counter[int] = Counter()
    for n in range(300):
        statuses += flood(client, code, 1, start=n)
        clock.now += 0.2
    assert statuses == {201: 300}


def test_refused_joins_do_not_spend_the_pace(paced: tuple[TestClient, Clock]) -> None:
    client, _ = paced
    code = make_room(client)["code"]
    for _ in range(100):  # invalid joins: refused by the rules, not counted
        client.post(f"/api/rooms/{code}/join", json={"name": " ", "perspective": "health"})
    assert flood(client, code, 60) == {201: 60}


def test_the_join_form_says_so_in_the_page(paced: tuple[TestClient, Clock]) -> None:
    client, _ = paced
    code = make_room(client)["code"]
    flood(client, code, 60)
    page = client.post("/join", data={"code": code, "name": "Priya", "perspective": "health"})
    assert page.status_code == 429
    assert "try again shortly" in page.text
    assert int(page.headers["retry-after"]) >= 1


def test_lock_and_remove_everyone_who_joined_after_a_moment(client: TestClient) -> None:
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    with time_machine.travel(T0, tick=False):
        people = [join(client, code, name) for name in ("Priya", "Tom", "Ana")]
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        bots = [join(client, code, f"Bot {n}") for n in range(40)]
    response = client.post(
        f"/api/rooms/{code}/participants/remove",
        json={"joined_after": (T0 + timedelta(minutes=5)).isoformat(), "lock": True},
        headers=bearer(fac),
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["removed"]) == sorted(b["participant_id"] for b in bots)
    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()
    assert snapshot["locked"] is True
    assert [p["name"] for p in snapshot["participants"]] == ["Priya", "Tom", "Ana"]
    assert client.get(f"/api/rooms/{code}", headers=bearer(bots[0]["token"])).status_code == 401
    assert client.get(f"/api/rooms/{code}", headers=bearer(people[0]["token"])).status_code == 200


@pytest.mark.parametrize("joined_after", ["yesterday", 12, None, ["2026-01-01"]])
def test_a_moment_that_is_not_a_time_is_refused(client: TestClient, joined_after: object) -> None:
    room = make_room(client)
    join(client, room["code"])
    response = client.post(
        f"/api/rooms/{room['code']}/participants/remove",
        json={"joined_after": joined_after},
        headers=bearer(room["facilitator_token"]),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_joined_after"
    state = client.get(f"/api/rooms/{room['code']}", headers=bearer(room["facilitator_token"]))
    assert len(state.json()["participants"]) == 1


def test_the_control_view_form_locks_and_removes_the_last_minutes(client: TestClient) -> None:
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    with time_machine.travel(T0, tick=False):
        join(client, code, "Priya")
    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        join(client, code, "Bot")
    client.cookies.set(f"cg_{code}", fac)
    assert 'id="remove-recent"' in client.get(f"/rooms/{code}/control").text
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        response = client.post(
            f"/rooms/{code}/participants/remove-recent",
            data={"minutes": "5", "lock": "true"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(fac)).json()
    assert [p["name"] for p in snapshot["participants"]] == ["Priya"]
    assert snapshot["locked"] is True
