"""Scale-out fixtures: two real uvicorn workers sharing PostgreSQL and a dedicated Redis.

Per test module: a scratch PostgreSQL database (the persistence suite's helper),
a `redis-server` of our own on a free loopback port (never the shared one on
6379), and two uvicorn processes A and B pointed at both. Tests can restart
that Redis on the same port mid-test. Every process is started here and
stopped here, by its PID; the part of each log written during a test is
printed at its teardown, which pytest shows when the test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.persistence.store import Store
from tests.conftest import bearer, require
from tests.persistence.conftest import PG_URL, scratch_postgres
from tests.servers import ROOT, free_port, python

PG_DSN = "postgresql://postgres@127.0.0.1:5432/{name}"
# The machine may be busy (other suites run alongside): importing the app alone
# can take several seconds, so starting is allowed to be slow.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
REDIS_TIMEOUT = 10.0


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM this one process (by PID), then SIGKILL it if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _tail(path: Path, start: int = 0, limit: int = 20_000) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            text = handle.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:]


# ------------------------------------------------------------------- redis
@dataclass
class RedisServer:
    """A `redis-server` of this test module; `restart()` keeps the port."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert self.process is None, "redis already running"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + REDIS_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                pytest.fail(f"redis-server exited with {code}:\n{_tail(self.log_path)}")
            if self.ping():
                self.starts += 1
                return
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"redis-server did not answer PING within {REDIS_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, down_for: float = 0.0) -> None:
        """Kill it (by PID), stay down `down_for` seconds, start it again on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def arestart(self, down_for: float = 0.0) -> None:
        await asyncio.to_thread(self.restart, down_for)


# ----------------------------------------------------------------- workers
@dataclass
class Worker:
    """One uvicorn process serving `app.main:app` on a loopback port."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        assert self.process is None, f"worker {self.name} already running"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                python(),
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """True once /healthz answers 200; False if the process exits first."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return True
                time.sleep(0.1)
        pytest.fail(f"worker {self.name} did not answer /healthz within {timeout:.0f} s")

    def start(self) -> None:
        self.spawn()
        if not self.wait_ready():
            pytest.fail(f"worker {self.name} exited on start:\n{self.log()}")

    def wait_exit(self, timeout: float = START_TIMEOUT) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self, start: int = 0) -> str:
        return _tail(self.log_path, start)


def worker_env(database_url: str, broker_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        BROKER_URL=broker_url,
        WRITE_BURST="100000",  # the contribution rate limit must not interfere
        JOIN_BURST="100000",  # nor the join pace (all join from loopback)
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Cluster:
    """Two workers sharing one PostgreSQL database and one Redis."""

    database: str
    redis: RedisServer
    a: Worker
    b: Worker
    redis_starts: int = 0
    """`redis.starts` when the workers last started: fresh workers after a test stopped it."""

    @property
    def workers(self) -> tuple[Worker, Worker]:
        return (self.a, self.b)

    def db_seq(self, code: str) -> int:
        """The room's `seq` as committed in PostgreSQL (the ground truth)."""
        with psycopg.connect(PG_DSN.format(name=self.database), connect_timeout=3) as conn:
            row = conn.execute("SELECT seq FROM rooms WHERE code = %s", (code,)).fetchone()
        assert row is not None, f"room {code} is not in the database"
        return int(row[0])

    def start_workers(self) -> None:
        """Start A and B together (the database is migrated already), to save time."""
        self.redis_starts = self.redis.starts
        for worker in self.workers:
            worker.spawn()
        for worker in self.workers:
            if not worker.wait_ready():
                pytest.fail(f"worker {worker.name} exited on start:\n{worker.log()}")

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    def log_sizes(self) -> dict[Path, int]:
        paths = [self.redis.log_path, self.a.log_path, self.b.log_path]
        return {path: path.stat().st_size if path.exists() else 0 for path in paths}


@pytest.fixture(scope="module")
def scratch_database() -> Iterator[str]:
    """A migrated scratch PostgreSQL database for this module, dropped afterwards.

    Migrated here, once, before any worker starts: workers starting together
    on an empty database race each other's migrations (see test_two_workers).
    """
    with scratch_postgres() as name:
        store = Store(PG_URL.format(name=name))
        try:
            store.migrate()
        finally:
            store.close()
        yield name


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(port=free_port(), directory=tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def _cluster(
    scratch_database: str, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("workers")
    env = worker_env(PG_URL.format(name=scratch_database), redis_server.url)
    a = Worker("A", free_port(), env, logs / "worker-a.log")
    b = Worker("B", free_port(), env, logs / "worker-b.log")
    cluster = Cluster(scratch_database, redis_server, a, b)
    try:
        cluster.start_workers()
        yield cluster
    finally:
        cluster.stop_workers()


@pytest.fixture
def cluster(_cluster: Cluster) -> Iterator[Cluster]:
    """The module's cluster, with Redis running; its logs of this test shown on failure.

    After a test that stopped Redis, A and B are restarted too, so that what such a
    test did to them cannot leak into the next test.
    """
    if _cluster.redis.process is None:  # a failed test may have left it down
        _cluster.redis.start()
    if _cluster.redis.starts != _cluster.redis_starts:
        _cluster.stop_workers()
        _cluster.start_workers()
    for worker in _cluster.workers:
        assert worker.process is not None
        assert worker.process.poll() is None, f"worker {worker.name} died:\n{worker.log()}"
    sizes = _cluster.log_sizes()
    yield _cluster
    for path, start in sizes.items():
        print(f"--- {path.name} (this test) ---\n{_tail(path, start)}")


# ----------------------------------------------------------------- clients
@dataclass
class Member:
    label: str
    token: str
    participant_id: str | None = None


@dataclass
class Room:
    code: str
    facilitator: Member
    participants: list[Member]


async def create_room(
    http: httpx.AsyncClient, workers: tuple[Worker, Worker], *, participants: int
) -> Room:
    """A room created via A, `participants` joined alternately via A and B, in grid-write."""
    a = workers[0]
    response = await http.post(
        f"{a.base_url}/api/rooms", json={"title": "Scale-out", "setting": "Oakfield Primary"}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    code = created["code"]
    perspectives = ["education", "health", "social-care", "vcs-other"]
    members = []
    for index in range(participants):
        worker = workers[index % 2]
        response = await http.post(
            f"{worker.base_url}/api/rooms/{code}/join",
            json={"name": f"P{index}", "perspective": perspectives[index % len(perspectives)]},
        )
        assert response.status_code == 201, response.text
        joined = response.json()
        members.append(Member(f"P{index}", joined["token"], joined["participant_id"]))
    facilitator = Member("facilitator", created["facilitator_token"])
    response = await http.post(
        f"{a.base_url}/api/rooms/{code}/phase",
        json={"phase": "grid-write"},
        headers=bearer(facilitator.token),
    )
    assert response.status_code == 200, response.text
    return Room(code, facilitator, members)


async def contribute(
    http: httpx.AsyncClient, worker: Worker, code: str, member: Member, row: str, text: str
) -> None:
    response = await http.post(
        f"{worker.base_url}/api/rooms/{code}/grid/{row}/contributions",
        json={"id": str(uuid.uuid4()), "text": text},
        headers=bearer(member.token),
    )
    assert response.status_code == 201, f"{worker.name} {response.status_code}: {response.text}"


async def snapshot(http: httpx.AsyncClient, worker: Worker, code: str, token: str) -> Any:
    response = await http.get(f"{worker.base_url}/api/rooms/{code}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class EventClient:
    """A JSON event-stream client that records every message it receives."""

    label: str
    worker: Worker
    code: str
    token: str
    snapshot: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    closed: str | None = None
    _ws: ClientConnection | None = field(default=None, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def open(self) -> None:
        """Connect and read the first message (the snapshot), then keep reading."""
        self._ws = await connect(
            f"{self.worker.ws_url}/api/rooms/{self.code}/events",
            additional_headers=bearer(self.token),
            proxy=None,
            open_timeout=15,
            close_timeout=5,
        )
        first = json.loads(await asyncio.wait_for(self._ws.recv(), timeout=15))
        assert first["type"] == "snapshot", f"{self.label}: first message {first}"
        self.snapshot = first
        self._task = asyncio.create_task(self._read(), name=f"client:{self.label}")

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                self.messages.append(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            self.closed = f"code={self._ws.close_code} reason={self._ws.close_reason!r}"

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), timeout=5)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def start_seq(self) -> int:
        assert self.snapshot is not None
        return int(self.snapshot["seq"])

    @property
    def events(self) -> list[dict[str, Any]]:
        """Logged events (presence changes are not in the log and carry no seq)."""
        return [m for m in self.messages if m["type"] != "presence.changed"]

    @property
    def presence(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "presence.changed"]

    @property
    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.events]

    @property
    def last_seq(self) -> int:
        seqs = self.seqs
        return seqs[-1] if seqs else self.start_seq


async def wait_for(condition: Callable[[], bool], within: float, step: float = 0.05) -> bool:
    """Poll `condition` until it holds or `within` seconds pass (bounded)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(step)
    return condition()
