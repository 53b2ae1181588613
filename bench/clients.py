"""Client processes for the benchmarks: many websockets, each recording when each seq arrives.

Runs in processes separate from the server. Times are time.monotonic(), which
on Linux is CLOCK_MONOTONIC and so comparable across processes (and network
namespaces). `python -m bench.clients DIR` runs the sockets in DIR/conns.json
from a process of its own (the venue scenario starts it inside a network
namespace with `ip netns exec`); see `watch_main`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SEQ = re.compile(rb'data-seq="(\d+)"')


@dataclass
class Conn:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "html"  # html: seq from data-seq; json: seq field


def _seq(kind: str, message: str | bytes) -> int | None:
    if kind == "json":
        value = json.loads(message).get("seq")
        return int(value) if isinstance(value, int) else None
    raw = message.encode() if isinstance(message, str) else message
    found = SEQ.findall(raw)
    return int(found[-1]) if found else None


async def _listen(
    conn: Conn, arrivals: list[tuple[int, float]], sizes: list[int], ready: asyncio.Event
) -> None:
    async with connect(
        conn.url,
        additional_headers=conn.headers,
        max_size=None,
        compression=None,
        open_timeout=60,
        ping_interval=None,
    ) as ws:
        first = True
        async for message in ws:
            now = time.monotonic()
            if first:
                first = False
                ready.set()
                continue
            seq = _seq(conn.kind, message)
            if seq is not None:
                arrivals.append((seq, now))
                sizes.append(len(message))


async def _fanout(conns: list[Conn], ready_flag: EventType, stop: EventType) -> dict[str, Any]:
    arrivals: list[list[tuple[int, float]]] = [[] for _ in conns]
    sizes: list[int] = []
    readies = [asyncio.Event() for _ in conns]
    tasks = []
    for index, conn in enumerate(conns):
        tasks.append(asyncio.create_task(_listen(conn, arrivals[index], sizes, readies[index])))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # do not SYN-flood our own server
    deadline = time.monotonic() + 120
    # Until every socket has its first message or has failed (a refused one is counted
    # out, not waited for), or the deadline.
    while not all(r.is_set() or t.done() for r, t in zip(readies, tasks, strict=True)):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    connected = sum(r.is_set() for r in readies)
    ready_flag.set()
    while not stop.is_set():  # noqa: ASYNC110 (a multiprocessing event: poll it)
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"arrivals": arrivals, "sizes": sizes, "connected": connected}


def fanout_process(conns: list[Conn], ready: EventType, stop: EventType, out: Any) -> None:
    """Connect every socket, say ready, record arrivals until told to stop."""
    out.put(asyncio.run(_fanout(conns, ready, stop)))


async def _join_one(
    client: httpx.AsyncClient,
    base: str,
    ws_base: str,
    code: str,
    name: str,
    perspective: str,
    start_at: float,
) -> tuple[bool, float, Any]:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    try:
        response = await client.post(
            f"{base}/api/rooms/{code}/join", json={"name": name, "perspective": perspective}
        )
        if response.status_code != 201:
            return False, time.monotonic() - began, None
        token = response.json()["token"]
        ws = await connect(
            f"{ws_base}/api/rooms/{code}/events",
            additional_headers={"Authorization": f"Bearer {token}"},
            max_size=None,
            compression=None,
            open_timeout=30,
            ping_interval=None,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 30))
        ok = first.get("type") == "snapshot"
        return ok, time.monotonic() - began, ws
    except Exception as exc:  # a failure is a result here, counted and reported
        print(f"join failed: {exc!r}", file=sys.stderr, flush=True)
        return False, time.monotonic() - began, None


async def _join_storm(base: str, code: str, people: list[tuple[str, str, float]]) -> dict[str, Any]:
    ws_base = base.replace("http://", "ws://")
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        t0 = time.monotonic()
        results = await asyncio.gather(
            *(_join_one(client, base, ws_base, code, n, p, t0 + offset) for n, p, offset in people)
        )
    sockets = [ws for _, _, ws in results if ws is not None]
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "ok": [latency for ok, latency, _ in results if ok],
        "failed": sum(1 for ok, _, _ in results if not ok),
    }


def join_process(base: str, code: str, people: list[tuple[str, str, float]], out: Any) -> None:
    out.put(asyncio.run(_join_storm(base, code, people)))


@dataclass
class Frame:
    """A server websocket frame (a text message with its continuations joined)."""

    opcode: int
    payload: bytes

    @property
    def close(self) -> tuple[int, str]:
        """A close frame's (code, reason)."""
        code: int = struct.unpack("!H", self.payload[:2])[0]
        return code, self.payload[2:].decode(errors="replace")


def parse_frames(data: bytes) -> list[Frame]:
    """The complete server frames (unmasked) in `data`."""
    frames: list[Frame] = []
    at = 0
    while at + 2 <= len(data):
        opcode, length, start = data[at] & 0x0F, data[at + 1] & 0x7F, at + 2
        if length == 126:
            (length,) = struct.unpack("!H", data[start : start + 2])
            start += 2
        elif length == 127:
            (length,) = struct.unpack("!Q", data[start : start + 8])
            start += 8
        if start + length > len(data):
            break
        payload = data[start : start + length]
        if opcode == 0 and frames:  # a continuation: part of the previous message
            frames[-1].payload += payload
        else:
            frames.append(Frame(opcode, payload))
        at = start + length
    return frames


class StalledPeer:
    """A websocket client that completes the handshake and then stops reading.

    A plain TCP socket (optionally with a small receive buffer): the upgrade is
    written by hand, the 101 read byte by byte, and nothing after it until
    `drain()`, so the server's sends back up into its kernel buffer, its
    transport buffer and then the socket's outbox. No pong is sent either: to
    the server it is a phone that vanished. Used by the benchmark and by
    tests/reliability/test_dead_peer.py.
    """

    def __init__(
        self, port: int, path: str, headers: dict[str, str], rcvbuf: int | None = 4096
    ) -> None:
        self.port, self.path, self.headers = port, path, headers
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect(), so the window is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)

    def open(self) -> float:
        """Upgrade; return the time the 101 was read (reading not one byte more)."""
        self.sock.settimeout(10.0)
        self.sock.connect(("127.0.0.1", self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in self.headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):  # byte by byte: leave every frame unread
            byte = self.sock.recv(1)
            if not byte:
                raise ConnectionError(f"closed during the handshake: {head!r}")
            head += byte
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        return time.monotonic()

    def drain(self, within: float = 20.0, quiet: float = 1.5) -> list[Frame]:
        """Read again: every frame the server had sent, until it goes quiet."""
        data = bytearray()
        deadline = time.monotonic() + within
        self.sock.settimeout(quiet)
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(1 << 20)
            except OSError:  # quiet (timeout) or reset
                break
            if not chunk:
                break
            data += chunk
        return parse_frames(bytes(data))

    def reply_close(self) -> None:
        """Echo a close frame (masked, as a client must), ending the closing handshake."""
        mask = os.urandom(4)
        payload = struct.pack("!H", 1000)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with contextlib.suppress(OSError):
            self.sock.sendall(bytes([0x88, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        self.sock.close()


async def _watch(conn: Conn, record: dict[str, Any], ready: asyncio.Event) -> None:
    """One socket: every message as [seq or None, time, bytes], and how it ended."""
    try:
        async with connect(
            conn.url,
            additional_headers=conn.headers,
            max_size=None,
            compression=None,
            open_timeout=120,
            close_timeout=1,
            ping_interval=None,
        ) as ws:
            try:
                async for message in ws:
                    now = time.monotonic()
                    size = len(message.encode() if isinstance(message, str) else message)
                    if not ready.is_set():
                        record["initial_bytes"] = size
                        record["initial_seq"] = _seq(conn.kind, message)
                        ready.set()
                        continue
                    record["arrivals"].append([_seq(conn.kind, message), now, size])
            except ConnectionClosed:
                pass
            record["closed"] = [ws.close_code, ws.close_reason, time.monotonic()]
    except (OSError, ConnectionClosed, TimeoutError) as error:  # counted, not raised
        record["closed"] = [None, repr(error), time.monotonic()]
    finally:
        ready.set()


async def _watch_all(folder: Path) -> None:
    conns = [Conn(**c) for c in json.loads((folder / "conns.json").read_text())]
    records: list[dict[str, Any]] = [
        {"url": c.url, "arrivals": [], "closed": None, "initial_bytes": 0} for c in conns
    ]
    readies = [asyncio.Event() for _ in conns]
    tasks = []
    for index, conn in enumerate(conns):
        tasks.append(asyncio.create_task(_watch(conn, records[index], readies[index])))
        if index % 20 == 19:
            await asyncio.sleep(0.05)
    deadline = time.monotonic() + 150
    while not all(r.is_set() for r in readies) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    (folder / "ready").write_text(str(sum(r["closed"] is None for r in records)))
    last = folder / "last"
    while not (folder / "stop").exists():
        if last.exists() and (until := last.read_text().strip()):
            seen = [
                max((a[0] or 0 for a in r["arrivals"]), default=0)
                for r in records
                if r["closed"] is None
            ]
            if all(s >= int(until) for s in seen):
                break
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    (folder / "out.tmp").write_text(json.dumps(records))
    (folder / "out.tmp").rename(folder / "out.json")


def watch_main() -> None:
    """`python -m bench.clients DIR`: connect DIR/conns.json, write DIR/ready (the number
    connected), record until DIR/stop exists or every open socket has seen the seq in
    DIR/last, then write DIR/out.json."""
    asyncio.run(_watch_all(Path(sys.argv[1])))


if __name__ == "__main__":
    watch_main()
