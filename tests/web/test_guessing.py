"""Guessing room codes: only "no such room" (or "not a valid token") answers count, they
are reserved before the answer so that concurrency cannot outrun the limit, nobody with
a valid token is ever refused, and with Redis every worker shares the budget."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.config import Settings
from app.shared_limits import PREFIX, RedisBudget
from app.web.app import create_app
from tests.conftest import bearer, join, make_room, require
from tests.servers import LiveServer, free_port
from tests.web.support import receive

REDIS = "redis://127.0.0.1:6379/0"
GUESSES = 300


def strict(settings: Settings, burst: int = 5) -> Settings:
    """Few guesses, and none come back while the test runs."""
    return settings.model_copy(
        update={"unknown_code_burst": burst, "unknown_code_interval_seconds": 3600.0}
    )


def guess(n: int) -> str:
    return f"ZZZZ{'23456789'[n % 8]}{'ABCDEFGH'[n // 8 % 8]}"


# ------------------------------------------------------------------ concurrency (5)
@pytest.fixture
def server(tmp_path: Path, migrated_sqlite: Path) -> Iterator[LiveServer]:
    database = tmp_path / "guess.db"
    shutil.copy(migrated_sqlite, database)
    live = LiveServer(
        port=free_port(),
        database=database,
        log_path=tmp_path / "server.log",
        env={
            "UNKNOWN_CODE_BURST": "20",
            "UNKNOWN_CODE_INTERVAL_SECONDS": "3600",
            "JOIN_BURST": "1000",
        },
    )
    live.start()
    try:
        yield live
    finally:
        live.stop()


async def test_concurrent_guesses_cannot_outrun_the_limit(server: LiveServer) -> None:
    """300 guesses at once from one address: 20 answered (the burst), the rest 429."""
    limits = httpx.Limits(max_connections=GUESSES)
    async with httpx.AsyncClient(
        base_url=server.base_url, trust_env=False, timeout=30, limits=limits
    ) as api:
        codes = [f"ZZ{uuid.uuid4().hex[:4].upper()}" for _ in range(GUESSES)]
        answers = await asyncio.gather(
            *(
                api.post(f"/api/rooms/{c}/join", json={"name": "X", "perspective": "health"})
                for c in codes
            )
        )
    statuses = Counter(r.status_code for r in answers)
    assert statuses[404] <= 20, statuses
    assert statuses[404] + statuses[429] == GUESSES, statuses


async def test_a_school_joining_at_once_from_one_address_is_not_refused(
    server: LiveServer,
) -> None:
    """Reservations come back when the room exists: 100 joins at once all get in, with
    a budget of 20, and the budget is whole afterwards."""
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=30) as api:
        room = (await api.post("/api/rooms", json={"title": "Hall"})).json()
        joins = await asyncio.gather(
            *(
                api.post(
                    f"/api/rooms/{room['code']}/join",
                    json={"name": f"Pupil {i}", "perspective": "education"},
                )
                for i in range(100)
            )
        )
        assert Counter(r.status_code for r in joins) == {201: 100}
        # And the whole budget is left: 20 typos are answered as typos.
        typos = [
            await api.post(f"/api/rooms/ZZZZ{c}2/join", json={"name": "X", "perspective": "health"})
            for c in "23456789ABCDEFGHJKMN"
        ]
        assert {r.status_code for r in typos} == {404}


# ------------------------------------------------------------- what counts (6)
def test_unknown_notes_and_other_404s_do_not_count(settings: Settings) -> None:
    with TestClient(create_app(strict(settings))) as client:
        room = make_room(client)
        phone = join(client, room["code"])
        for _ in range(30):
            missing = client.post(
                f"/api/rooms/{room['code']}/notes/{uuid.uuid4()}/move",
                json={"ring": "outer"},
                headers=bearer(phone["token"]),
            )
            assert missing.status_code in (404, 409), missing.text
        # The address's budget is whole: new people join, a typo is still a plain 404.
        assert client.get("/join?code=ZZZZZ3").status_code == 404
        join(client, room["code"], "Sam", "education")


def test_a_valid_token_is_never_refused_however_much_guessing(settings: Settings) -> None:
    with TestClient(create_app(strict(settings))) as client:
        room = make_room(client)
        code, fac = room["code"], room["facilitator_token"]
        phone = join(client, code)
        for n in range(20):  # someone on the same address guesses, by code and by token
            client.post(f"/api/rooms/{guess(n)}/join", json={"name": "X", "perspective": "health"})
            client.get(f"/api/rooms/{guess(n)}", headers=bearer("made-up"))
        assert client.get(f"/join?code={code}").status_code == 429  # by code: refused
        # With a valid token: pages, snapshots, writes, websockets, as ever.
        assert client.get(f"/api/rooms/{code}", headers=bearer(phone["token"])).status_code == 200
        assert (
            client.post(
                f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(fac)
            ).status_code
            == 200
        )
        client.cookies.set(f"cg_{code}", phone["token"])
        assert client.get(f"/rooms/{code}/phone").status_code == 200
        with client.websocket_connect(f"/rooms/{code}/live?view=phone") as ws:
            assert 'id="phone-phase"' in ws.receive_text()
        client.cookies.clear()
        with client.websocket_connect(f"/api/rooms/{code}/events", headers=bearer(fac)) as ws:
            assert receive(ws)["type"] == "snapshot"


def test_made_up_tokens_teach_nothing_once_the_budget_is_spent(settings: Settings) -> None:
    with TestClient(create_app(strict(settings))) as client:
        real = make_room(client)["code"]
        answers = [
            client.get(f"/api/rooms/{guess(n)}", headers=bearer("made-up")).status_code
            for n in range(5)
        ]
        assert answers == [404] * 5
        # Spent: an existing room and an unknown one now answer alike.
        for code in (real, "ZZZZZ9"):
            refused = client.get(f"/api/rooms/{code}", headers=bearer("made-up"))
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"]["code"] == "too_many_requests"
            assert int(refused.headers["retry-after"]) >= 1


def test_phones_of_a_deleted_room_do_not_lock_out_new_joins(settings: Settings) -> None:
    with TestClient(create_app(strict(settings))) as client:
        gone = make_room(client)
        phones = [join(client, gone["code"], f"P{i}") for i in range(10)]
        client.delete(f"/api/rooms/{gone['code']}", headers=bearer(gone["facilitator_token"]))
        for phone in phones:  # each reconnects, more than once
            for _ in range(3):
                client.cookies.set(f"cg_{gone['code']}", phone["token"])
                client.get(f"/rooms/{gone['code']}/phone")
        client.cookies.clear()
        room = make_room(client)
        for i in range(5):
            join(client, room["code"], f"Newcomer {i}")
        assert client.get(f"/join?code={room['code']}").status_code == 200


def test_a_refused_websocket_says_429_not_403(settings: Settings) -> None:
    with TestClient(create_app(strict(settings, burst=1))) as client:
        client.get("/join?code=ZZZZZ3")  # the one guess
        with pytest.raises(WebSocketDenialResponse) as refused:
            client.websocket_connect("/api/rooms/ZZZZZ4/events").__enter__()
        assert refused.value.status_code == 429
        assert refused.value.json()["error"]["code"] == "too_many_requests"
        assert int(refused.value.headers["retry-after"]) >= 1


# -------------------------------------------------------------- shared (Redis)
def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS).ping())
    except redis.RedisError:
        return False


async def test_workers_share_one_budget_through_redis() -> None:
    require(redis_available(), "Redis is not running on 127.0.0.1:6379")
    name = f"test-{uuid.uuid4().hex}"
    now = [1000.0]
    a = RedisBudget(REDIS, name, burst=3, per=10.0, clock=lambda: now[0])
    b = RedisBudget(REDIS, name, burst=3, per=10.0, clock=lambda: now[0])
    try:
        assert [await a.take("10.0.0.1"), await b.take("10.0.0.1"), await a.take("10.0.0.1")] == [
            0,
            0,
            0,
        ]
        assert await b.take("10.0.0.1") == 10  # spent on the other worker
        assert await a.take("10.0.0.2") == 0  # another address is unaffected
        await a.give("10.0.0.1")  # a reservation given back on one worker…
        assert await b.take("10.0.0.1") == 0  # …is there for the other
        now[0] += 10.0
        assert await b.take("10.0.0.1") == 0  # and tokens come back with time
        # Idle buckets expire in Redis on their own (pruned, however many addresses).
        ttl = redis.Redis.from_url(REDIS).pttl(f"{PREFIX}{name}:10.0.0.1")
        assert 0 < ttl <= 31_000
    finally:
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(f"{PREFIX}{name}:*"):
            client.delete(key)
        await a.close()
        await b.close()


async def test_concurrent_takes_through_redis_cannot_overspend() -> None:
    require(redis_available(), "Redis is not running on 127.0.0.1:6379")
    name = f"test-{uuid.uuid4().hex}"
    budgets = [RedisBudget(REDIS, name, burst=20, per=3600.0) for _ in range(4)]
    try:
        taken = await asyncio.gather(*(budgets[i % 4].take("10.9.9.9") for i in range(300)))
        assert taken.count(0) == 20
    finally:
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(f"{PREFIX}{name}:*"):
            client.delete(key)
        for item in budgets:
            await item.close()
