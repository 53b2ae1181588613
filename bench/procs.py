"""The processes a benchmark starts (servers, redis-server), measured and stopped by PID.

The free port (and ROOT) come from tests/servers.py, shared with the tests' live servers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import ROOT, free_port

PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


@contextmanager
def started(
    name: str,
    args: list[str],
    env: dict[str, str],
    port: int,
    ready: Callable[[], bool],
    logs: Path,
    cwd: Path = ROOT,
) -> Iterator[Proc]:
    log = (logs / f"{name}.log").open("wb")
    popen = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=cwd
    )
    proc = Proc(name, popen, port)
    try:
        deadline = time.monotonic() + 30
        while not ready():
            if popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log.name}")
            time.sleep(0.1)
        yield proc
    finally:
        proc.stop()
        log.close()


def healthy(port: int, host: str = "127.0.0.1") -> Callable[[], bool]:
    def check() -> bool:
        try:
            url = f"http://{host}:{port}/healthz"
            return httpx.get(url, timeout=1, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def listening(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    return check


def app_server(name: str, env: dict[str, str], logs: Path) -> AbstractContextManager[Proc]:
    port = free_port()
    args = [PYTHON, "-m", "app", "--host", "127.0.0.1", "--port", str(port)]
    # Benchmark rooms are larger than the default 300 participants, and their phones all
    # join from loopback, faster than JOIN_BURST lets one address into one room.
    overrides = {
        "WRITE_BURST": "1000000",
        "MAX_PARTICIPANTS": "5000",
        "JOIN_BURST": "1000000",
        "REQUEST_BURST": "1000000",  # 3,000 notes written from one address
        "MAX_SOCKETS_PER_ADDRESS": "100000",  # 1,000 phones and the board, all from loopback
    }
    return started(name, args, {**overrides, **env}, port, healthy(port), logs)


def sqlite_env(tmp: str) -> dict[str, str]:
    """A scratch SQLite database in `tmp` and the in-process broker."""
    return {"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "BROKER_URL": "memory://"}


class CpuMeter:
    """The servers' CPU use, in percent of one core, from `start()` to `percent()`."""

    def __init__(self, servers: list[Proc]) -> None:
        self.servers = servers
        self.before = self.at = 0.0

    def start(self) -> None:
        self.before = sum(s.cpu_seconds() for s in self.servers)
        self.at = time.monotonic()

    def percent(self) -> int:
        wall = time.monotonic() - self.at
        used = sum(s.cpu_seconds() for s in self.servers) - self.before
        return round(100 * used / wall)
