"""`--only slow`: N phones in one room while notes move, before, with and after
`stalled` more phones that stop reading (see slow_clients)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.clients import SEQ, Frame, StalledPeer
from bench.live import app_conns, bearer, collect_fanout, fanout_figures, make_room, move_notes
from bench.procs import app_server, sqlite_env

WARM_UP = 2.0
"""Seconds of moves before the slow-clients scenario measures anything."""


def slow_clients(
    n: int,
    stalled: int,
    rate: float,
    phases: tuple[float, float, float],
    logs: Path,
    processes: int,
) -> dict[str, Any]:
    """N phones in one room while notes move at `rate`, in three phases: as they are;
    with `stalled` more phones that stop reading after the handshake; as they are
    again, once the stalled phones have been read out and closed.

    The others' latency is compared between the first and third phases (without)
    and the second (with); the stalled phones' streams show how each was closed.
    """
    before, during, after = phases
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **sqlite_env(tmp),
            "REQUEST_BURST": "1000000",
            # The keepalive ping (20 s + 20 s) would also end a stalled socket; keep it
            # out of this measurement of the outbox (tests/reliability/test_dead_peer.py
            # covers the ping).
            "WS_PING_INTERVAL_SECONDS": "300",
        }
        with app_server("app-slow", env, logs) as server:
            base = f"http://127.0.0.1:{server.port}"
            room = asyncio.run(make_room(base, n + stalled))
            code = room["code"]
            stalled_tokens = room["tokens"][n : n + stalled]
            peers = [
                StalledPeer(
                    server.port, f"/rooms/{code}/live?view=phone", {"Cookie": f"cg_{code}={t}"}
                )
                for t in stalled_tokens
            ]
            marks: dict[str, Any] = {}

            def mark(name: str) -> None:
                marks[name] = (server.cpu_seconds(), time.monotonic(), server.rss_kib())

            def read_out() -> list[list[Frame]]:
                with ThreadPoolExecutor(max_workers=max(1, stalled)) as pool:
                    drained = list(pool.map(lambda peer: peer.drain(quiet=0.7), peers))
                for peer in peers:
                    peer.close()
                return drained

            def command() -> list[tuple[int, float]]:
                async def go() -> list[tuple[int, float]]:
                    rings = {note: "inner" for note in room["notes"]}
                    async with httpx.AsyncClient(base_url=base, timeout=30) as api:

                        async def online(tokens: list[str]) -> int:
                            ids = [
                                (await api.get(f"/api/rooms/{code}", headers=bearer(t))).json()[
                                    "you"
                                ]["participant_id"]
                                for t in tokens
                            ]
                            auth = bearer(room["facilitator"])
                            snapshot = (await api.get(f"/api/rooms/{code}", headers=auth)).json()
                            shown: dict[str, bool] = {
                                p["id"]: p["online"] for p in snapshot["participants"]
                            }
                            return sum(shown[i] for i in ids)

                        async def moves(seconds: float) -> list[tuple[int, float]]:
                            sent, marks["seq"] = await move_notes(
                                api, [base], room, rings, rate, seconds, marks["seq"]
                            )
                            return sent

                        marks["seq"] = room["seq"]
                        # Warm up (not measured): the first seconds after 100 sockets
                        # connect are slower whatever else happens.
                        await moves(WARM_UP)
                        mark("a")
                        sent_a = marks["sent_a"] = await moves(before)
                        mark("b")
                        marks["stall_seq"] = marks["seq"]
                        marks["opened"] = [peer.open() for peer in peers]
                        sent_b = marks["sent_b"] = await moves(during)
                        mark("c")
                        marks["stalled_online"] = await online(stalled_tokens)
                        marks["drained"] = await asyncio.to_thread(read_out)
                        await asyncio.sleep(0.5)
                        marks["stalled_online_after_read"] = await online(stalled_tokens)
                        mark("d")
                        sent_c = marks["sent_c"] = await moves(after)
                        mark("e")
                    return sent_a + sent_b + sent_c

                return asyncio.run(go())

            try:
                sent, results = collect_fanout(
                    app_conns([base], room, n), command, processes, lambda: None
                )
            finally:
                for peer in peers:
                    peer.close()
            sent_at = dict(sent)
            drops = [
                stalled_drop(frames, marks["stall_seq"], opened, sent_at)
                for frames, opened in zip(marks["drained"], marks["opened"], strict=True)
            ]
            first_drop = min((d["dropped_at_seq"] for d in drops if d["dropped_at_seq"]), default=0)

            def phase(events: list[tuple[int, float]], *spans: tuple[str, str]) -> dict[str, Any]:
                used = sum(marks[b][0] - marks[a][0] for a, b in spans)
                wall = sum(marks[b][1] - marks[a][1] for a, b in spans)
                figures = fanout_figures(n + 2, events, results)
                return figures | {"server_cpu_percent": round(100 * used / wall)}

            return {
                "phones": n,
                "stalled": stalled,
                "rate": rate,
                "seconds": [before, during, after],
                "without": phase(marks["sent_a"] + marks["sent_c"], ("a", "b"), ("d", "e")),
                "with": phase(marks["sent_b"], ("b", "c")),
                "before": phase(marks["sent_a"], ("a", "b")),
                "after": phase(marks["sent_c"], ("d", "e")),
                "with_until_first_drop": fanout_figures(
                    n + 2, [(q, t) for q, t in marks["sent_b"] if q < first_drop], results
                ),
                "stalled_clients": drops,
                "stalled_online_before_read": marks["stalled_online"],
                "stalled_online_after_read": marks["stalled_online_after_read"],
                "rss_kib": {"before": marks["b"][2], "with": marks["c"][2], "after": marks["e"][2]},
            }


def stalled_drop(
    frames: list[Frame], stall_seq: int, opened: float, sent_at: dict[int, float]
) -> dict[str, Any]:
    """What a stalled phone was sent before its close, and when the server gave up on it."""
    texts = [f.payload for f in frames if f.opcode == 0x1]
    closes = [f.close for f in frames if f.opcode == 0x8]
    seqs = [int(SEQ.findall(t)[-1]) for t in texts if SEQ.search(t)]
    code, reason = closes[-1] if closes else (None, "")
    last = max(seqs, default=stall_seq)
    # The event after the last one it was sent found the outbox full.
    dropped = last + 1 if code == 1013 and last + 1 in sent_at else None
    return {
        "close_code": code,
        "close_reason": reason,
        "messages_sent_before_close": len(texts),
        "bytes_sent_before_close": sum(len(t) for t in texts),
        "last_seq_sent": last,
        "dropped_at_seq": dropped,
        "dropped_after_events": dropped - stall_seq if dropped else None,
        "dropped_after_seconds": round(sent_at[dropped] - opened, 1) if dropped else None,
        "missing_before_close": sorted(set(range(min(seqs, default=last), last + 1)) - set(seqs)),
    }
