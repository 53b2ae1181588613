"""`--only venue` (root only): 60 phones and the board on a venue's 10 Mbit/s Wi-Fi,
with this tree's server and with the one before the live-update change.

A network namespace and a veth pair stand in for the Wi-Fi: the server side
(10.77.X.1/30) stays in the root namespace and its egress is shaped with
`tc … tbf rate 10mbit burst 32kbit latency 400ms` (what the server sends the
phones; netem is not in this kernel, so there is no added delay or loss); the
phones' side (10.77.X.2/30) is in the namespace, where one client process
(`python -m bench.clients`, run with `ip netns exec`) holds the 60 phones'
and the board's live sockets. uvicorn binds to the server side's address; the
facilitator moves notes over the HTTP API from the root namespace (unshaped).

Latency is from each move's API response to each phone receiving the message
with its data-seq. The same client side measures the server of this tree
("after") and of a git worktree of `BEFORE` ("before", the commit before the
live-update change). The namespace, the veth and the worktree are removed on
the way out, also on failure; names left by an earlier run that was killed
(`cgvenue<pid>`, `cgv<pid>s`) are removed first when that pid is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.live import bearer, make_sort_room
from bench.numbers import summary_ms
from bench.procs import PYTHON, CpuMeter, healthy, sqlite_env, started
from tests.servers import ROOT, free_port

T = TypeVar("T")

BEFORE = "4732794"
"""The commit before the live-update change (whole blocks per update)."""
WORKTREE = Path("/tmp/cg-before")
PARTICIPANTS = 60
RATE = 2.0
SECONDS = 30.0
DRAIN = 30.0
"""Seconds after the last move for the phones to receive what is still on its way."""
SHAPE = ("rate", "10mbit", "burst", "32kbit", "latency", "400ms")
NS = re.compile(r"^cgvenue(\d+)$")
LINK = re.compile(r"^cgv(\d+)[sp]$")


def venue_unavailable() -> str:
    """Why the venue scenario cannot run here ('' when it can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth and tc)"
    for tool in ("ip", "tc", "git"):
        if shutil.which(tool) is None:
            return f"no `{tool}` on PATH"
    return ""


def run(*args: str, check: bool = True, cwd: Path = ROOT) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=cwd)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def alive(pid: int) -> bool:
    return pid != os.getpid() and Path(f"/proc/{pid}").exists()


def remove_stale() -> list[str]:
    """Namespaces and links an earlier run of this scenario left (its process is gone)."""
    removed = []
    for line in run("ip", "netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        found = NS.match(name)
        if found and not alive(int(found.group(1))):
            run("ip", "netns", "del", name, check=False)
            removed.append(name)
    for line in run("ip", "-o", "link", "show", check=False).splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        found = LINK.match(name)
        if found and not alive(int(found.group(1))):
            run("ip", "link", "del", name, check=False)
            removed.append(name)
    return removed


@dataclass
class Net:
    namespace: str
    server_link: str
    server_ip: str
    phone_ip: str

    def qdisc(self) -> dict[str, Any]:
        """The shaper's counters: bytes and packets sent, drops, overlimits, backlog."""
        stats: list[dict[str, Any]] = json.loads(
            run("tc", "-s", "-j", "qdisc", "show", "dev", self.server_link)
        )
        found = next(s for s in stats if s.get("kind") == "tbf")
        return {k: found.get(k, 0) for k in ("bytes", "packets", "drops", "overlimits")}


def free_subnet() -> int:
    used = run("ip", "-4", "-o", "addr", "show", check=False)
    for offset in range(250):
        x = (os.getpid() + offset) % 250 + 1
        if f"10.77.{x}." not in used:
            return x
    raise RuntimeError("no free 10.77.X.0/30 subnet")


@contextmanager
def venue_net() -> Iterator[Net]:
    """A namespace and a shaped veth pair, removed on the way out whatever happens."""
    stale = remove_stale()
    if stale:
        print(f"  removed stale {', '.join(stale)}", flush=True)
    pid = os.getpid()
    x = free_subnet()
    net = Net(f"cgvenue{pid}", f"cgv{pid}s", f"10.77.{x}.1", f"10.77.{x}.2")
    phone_link = f"cgv{pid}p"
    inside = ("ip", "netns", "exec", net.namespace)
    try:
        run("ip", "netns", "add", net.namespace)
        run("ip", "link", "add", net.server_link, "type", "veth", "peer", "name", phone_link)
        run("ip", "link", "set", phone_link, "netns", net.namespace)
        run("ip", "addr", "add", f"{net.server_ip}/30", "dev", net.server_link)
        run("ip", "link", "set", net.server_link, "up")
        run(*inside, "ip", "addr", "add", f"{net.phone_ip}/30", "dev", phone_link)
        run(*inside, "ip", "link", "set", phone_link, "up")
        run(*inside, "ip", "link", "set", "lo", "up")
        run("tc", "qdisc", "add", "dev", net.server_link, "root", "tbf", *SHAPE)
        yield net
    finally:
        run("ip", "link", "del", net.server_link, check=False)
        run("ip", "netns", "del", net.namespace, check=False)


@contextmanager
def worktree(commit: str) -> Iterator[Path]:
    """A git worktree of `commit` at /tmp/cg-before, removed on the way out."""
    run("git", "-C", str(ROOT), "worktree", "prune")
    if WORKTREE.exists():
        listed = run("git", "-C", str(ROOT), "worktree", "list", "--porcelain")
        if f"worktree {WORKTREE}" not in listed.splitlines():
            raise RuntimeError(f"{WORKTREE} exists and is not a worktree of this repository")
        run("git", "-C", str(ROOT), "worktree", "remove", "--force", str(WORKTREE))
    run("git", "-C", str(ROOT), "worktree", "add", "--detach", str(WORKTREE), commit)
    try:
        yield WORKTREE
    finally:
        run("git", "-C", str(ROOT), "worktree", "remove", "--force", str(WORKTREE), check=False)


def measure(net: Net, source: Path, label: str, logs: Path) -> dict[str, Any]:
    """One run: the server from `source` (a checkout), the clients in the namespace."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **sqlite_env(tmp),
            "PYTHONPATH": str(source),
            "WRITE_BURST": "1000000",
            "REQUEST_BURST": "1000000",
            "MAX_PARTICIPANTS": "5000",
        }
        where = run(
            *("env", f"PYTHONPATH={source}", PYTHON, "-c", "import app; print(app.__file__)"),
            cwd=source,
        )
        if not where.startswith(str(source)):
            raise RuntimeError(f"{label}: the server would import {where.strip()}")
        port = free_port()
        args = [PYTHON, "-m", "app", "--host", net.server_ip, "--port", str(port)]
        ready = healthy(port, net.server_ip)
        with started(f"app-venue-{label}", args, env, port, ready, logs, cwd=source) as server:
            base = f"http://{net.server_ip}:{port}"
            result = session(net, base, Path(tmp), server, logs, label)
            result["commit"] = git_head(source) if source != ROOT else "this tree"
            return result


def git_head(source: Path) -> str:
    return run("git", "-C", str(source), "rev-parse", "--short", "HEAD").strip()


def session(net: Net, base: str, tmp: Path, server: Any, logs: Path, label: str) -> dict[str, Any]:
    room = asyncio.run(with_api(base, lambda api: make_sort_room(api, PARTICIPANTS)))
    code, fac = room["code"], room["facilitator"]
    ws = base.replace("http://", "ws://")
    conns = [
        {"url": f"{ws}/rooms/{code}/live?view=board", "headers": {"Cookie": f"cg_{code}={fac}"}}
    ] + [
        {"url": f"{ws}/rooms/{code}/live?view=phone", "headers": {"Cookie": f"cg_{code}={t}"}}
        for t in room["tokens"]
    ]
    folder = tmp / "clients"
    folder.mkdir()
    (folder / "conns.json").write_text(json.dumps(conns))
    before = net.qdisc()
    log = (logs / f"clients-venue-{label}.log").open("wb")
    clients = subprocess.Popen(
        ["ip", "netns", "exec", net.namespace, PYTHON, "-m", "bench.clients", str(folder)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        began = time.monotonic()
        while not (folder / "ready").exists():
            if clients.poll() is not None or time.monotonic() - began > 180:
                raise RuntimeError(f"venue clients did not connect; see {log.name}")
            time.sleep(0.1)
        connected = int((folder / "ready").read_text())
        connect_seconds = time.monotonic() - began
        connected_qdisc = net.qdisc()
        time.sleep(1.0)
        cpu = CpuMeter([server])
        cpu.start()
        sent = asyncio.run(with_api(base, lambda api: moves(api, room)))
        cpu_percent = cpu.percent()
        (folder / "last").write_text(str(max(seq for seq, _, _ in sent)))
        ended = time.monotonic()
        while not (folder / "out.json").exists():
            if time.monotonic() - ended > DRAIN:
                (folder / "stop").write_text("")
            if clients.poll() is not None and not (folder / "out.json").exists():
                raise RuntimeError(f"venue clients ended without results; see {log.name}")
            time.sleep(0.1)
        drained = time.monotonic() - ended
    finally:
        (folder / "stop").write_text("")
        with contextlib.suppress(subprocess.TimeoutExpired):
            clients.wait(30)
        if clients.poll() is None:
            clients.kill()
            clients.wait(5)
        log.close()
    records = json.loads((folder / "out.json").read_text())
    after = net.qdisc()
    return figures(
        records,
        sent,
        ended,
        {
            "participants": PARTICIPANTS,
            "phones": len(conns) - 1,
            "connected": connected,
            "connect_seconds": round(connect_seconds, 1),
            "server_cpu_percent": cpu_percent,
            "drain_seconds": round(drained, 1),
            "initial_wire_bytes": connected_qdisc["bytes"] - before["bytes"],
            "wire": {k: after[k] - connected_qdisc[k] for k in after},
        },
    )


async def with_api(base: str, work: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async with httpx.AsyncClient(base_url=base, timeout=60, trust_env=False) as api:
        return await work(api)


async def moves(api: httpx.AsyncClient, room: dict[str, Any]) -> list[tuple[int, float, float]]:
    """RATE moves a second for SECONDS: (seq, sent at, response at) of each."""
    auth = bearer(room["facilitator"])
    rings = dict.fromkeys(room["notes"], "inner")
    sent: list[tuple[int, float, float]] = []
    seq = room["seq"]
    t0 = time.monotonic()
    for i in range(int(RATE * SECONDS)):
        await asyncio.sleep(max(0.0, t0 + i / RATE - time.monotonic()))
        note = room["notes"][i % len(room["notes"])]
        rings[note] = "outer" if rings[note] == "inner" else "inner"
        at = time.monotonic()
        response = await api.post(
            f"/api/rooms/{room['code']}/notes/{note}/move", json={"ring": rings[note]}, headers=auth
        )
        response.raise_for_status()
        seq += 1
        sent.append((seq, at, time.monotonic()))
    return sent


def figures(
    records: list[dict[str, Any]],
    sent: list[tuple[int, float, float]],
    ended: float,
    base: dict[str, Any],
) -> dict[str, Any]:
    answered = {seq: at for seq, _, at in sent}
    first, last = min(answered), max(answered)
    phones, board = records[1:], records[0]
    latencies: list[float] = []
    missing = 0
    dropped: list[dict[str, Any]] = []
    payload = 0
    for record in phones:
        got = {a[0]: a[1] for a in record["arrivals"] if a[0] in answered}
        latencies += [got[seq] - at for seq, at in answered.items() if seq in got]
        missing += len(answered) - len(got)
        payload += sum(a[2] for a in record["arrivals"] if a[0] is None or first <= a[0] <= last)
        if record["closed"] is not None:
            code, reason, at = record["closed"]
            dropped.append(
                {
                    "code": code,
                    "reason": reason,
                    "after_first_move_s": round(at - min(answered.values()), 1),
                }
            )
    board_got = {a[0]: a[1] for a in board["arrivals"] if a[0] in answered}
    sizes = [a[2] for r in phones for a in r["arrivals"] if a[0] in answered]
    return {
        **base,
        "moves": len(sent),
        "rate": RATE,
        "seconds": SECONDS,
        "latency_ms": summary_ms(latencies),
        "delivered": len(latencies),
        "expected": len(answered) * len(phones),
        "missing": missing,
        "dropped": len(dropped),
        "drops": dropped,
        "board_latency_ms": summary_ms(
            [board_got[s] - at for s, at in answered.items() if s in board_got]
        ),
        "phone_initial_bytes": round(statistics.median(r["initial_bytes"] for r in phones)),
        "message_bytes": round(statistics.median(sizes)) if sizes else 0,
        "phone_bytes_received": payload,
        "response_ms": summary_ms([at - s for _, s, at in sent]),
        "last_arrival_after_end_s": round(
            max((a[1] for r in records for a in r["arrivals"]), default=ended) - ended, 1
        ),
    }


def venue(logs: Path, before: str = BEFORE) -> dict[str, Any]:
    with venue_net() as net:
        after_figures = measure(net, ROOT, "after", logs)
        with worktree(before) as tree:
            before_figures = measure(net, tree, "before", logs)
    return {
        "participants": PARTICIPANTS,
        "shape": " ".join(SHAPE),
        "drain_seconds": DRAIN,
        "before": before_figures,
        "after": after_figures,
    }
