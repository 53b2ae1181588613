"""Real server processes for the tests that need one (browser, reliability, logs).

Started on a free loopback port, stopped by their own PID only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0
"""Seconds a server has to start (seconds on a quiet machine; far more on a busy one)."""
STOP_TIMEOUT = 10.0
UVICORN = ("-m", "uvicorn", "app.main:app")
"""`uvicorn app.main:app`, as an operator runs it (reads UVICORN_* variables)."""
APP = ("-m", "app")
"""`python -m app`, as `make run` runs it."""


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """One server process; `stop()` and `start()` again keep the port and the database."""

    port: int
    database: Path
    log_path: Path
    command: tuple[str, ...] = UVICORN
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "BROKER_URL": "memory://",
            "JOIN_BURST": "100000",  # whole rooms join from loopback (paced: test_join_flood)
            # Phones in the tests are on this computer: the board's QR code of 127.0.0.1 works
            # (without PUBLIC_URL the board warns that phones cannot use it).
            "PUBLIC_URL": self.base_url,
            **self.env,
        }

    def start(self) -> None:
        assert self.process is None, "server already running"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [python(), *self.command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self._env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    self._reap()
                    pytest.fail(f"server exited with {code} on start:\n{self.log()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{self.log()}")

    def signal(self, signum: int) -> None:
        """Send `signum` to this server's own PID (and nothing else)."""
        assert self.process is not None
        assert self.process.poll() is None
        os.kill(self.process.pid, signum)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        self._reap()
        return code

    def stop(self) -> None:
        """SIGTERM this server's PID; SIGKILL it if it hangs."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        self._reap()

    def _reap(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # Async wrappers, so a test's event loop (and Playwright with it) keeps running.
    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def await_exit(self) -> int:
        return await asyncio.to_thread(self.wait_exit, STOP_TIMEOUT)

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return "(no log)"
