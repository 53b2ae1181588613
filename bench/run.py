"""`make bench`: measure Common Ground against the machine's physical limit.

Starts real servers (the app with uvicorn; a bare websockets broadcast server
as the baseline) and clients in separate processes, all on loopback, bounded
in count and time; stops everything it started. Writes bench/results/*.json
and the table in docs/benchmarks.md. `python -m bench.run --help` for options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench.report import table, write_docs
from bench.scenarios.bytes import live_bytes
from bench.scenarios.deflate import deflate
from bench.scenarios.fanout import fanout_app, fanout_baseline
from bench.scenarios.join import join_storm
from bench.scenarios.languages import language_costs
from bench.scenarios.pages import page_weight
from bench.scenarios.replay import catch_up, replay
from bench.scenarios.scaled import fanout_scaled, scaled_unavailable
from bench.scenarios.slow import slow_clients
from bench.scenarios.suggestions import suggestion_timing
from bench.scenarios.venue import BEFORE, venue, venue_unavailable
from tests.servers import ROOT

SCENARIOS = (
    *("pages", "fanout", "join", "replay", "slow", "scaled", "bytes", "deflate", "suggestions"),
    *("languages", "venue"),
)
DEFAULT = (
    *("pages", "fanout", "join", "replay", "slow", "scaled", "bytes", "deflate", "suggestions"),
    "languages",
)
"""`make bench`: every scenario but venue (root only; namespaces, tc and a git worktree)."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=12.0, help="fan-out duration")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--sizes", default="200,1000", help="fan-out N values")
    parser.add_argument(
        "--skip-scaled", action="store_true", help="skip PostgreSQL + Redis runs (1 and 2 workers)"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT),
        help=f"comma-separated scenarios, of {', '.join(SCENARIOS)} (default: all but venue); "
        "with only some, their figures replace those in bench/results/latest.json and the "
        "rest are kept",
    )
    parser.add_argument(
        "--bytes-sizes", default="30,100,300", help="bytes: participants in each room"
    )
    parser.add_argument(
        "--venue-before",
        default=BEFORE,
        help="venue: the commit measured as 'before' (a git worktree in /tmp/cg-before)",
    )
    parser.add_argument("--slow-phones", type=int, default=100, help="slow: well-behaved phones")
    parser.add_argument("--stalled", type=int, default=3, help="slow: phones that stop reading")
    parser.add_argument("--slow-rate", type=float, default=40.0, help="slow: moves per second")
    parser.add_argument(
        "--slow-seconds",
        default="6,24,6",
        help="slow: seconds without, with the stalled phones, and without again",
    )
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; choose from {SCENARIOS}")

    logs = ROOT / "bench" / "results" / "logs"
    if logs.exists():
        shutil.rmtree(logs)
    logs.mkdir(parents=True)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.release()}",
        "rate": args.rate,
        "seconds": args.seconds,
        "processes": args.processes,
    }
    started_at = time.monotonic()

    def step(name: str, fn: Callable[[], Any]) -> None:
        began = time.monotonic()
        print(f"· {name} …", flush=True)
        results[name] = fn()
        print(f"  {json.dumps(results[name])}  ({time.monotonic() - began:.0f} s)", flush=True)

    if "pages" in only:
        step("pages", lambda: page_weight(logs))
    for n in (int(v) for v in args.sizes.split(",")) if "fanout" in only else ():
        step(
            f"fanout_app_{n}",
            partial(fanout_app, n, args.rate, args.seconds, logs, args.processes),
        )
        size = results[f"fanout_app_{n}"]["message_bytes"]
        step(
            f"fanout_baseline_{n}",
            partial(fanout_baseline, n, args.rate, args.seconds, size, logs, args.processes),
        )
    if "join" in only:
        step("join_storm", lambda: join_storm(300, 10.0, logs, args.processes))
        step("join_storm_busy", lambda: join_storm(100, 10.0, logs, args.processes, 300))
    if "replay" in only:
        step("replay", lambda: replay(5000, logs))
        step("catch_up", lambda: catch_up(300, (10, 100), logs))
    if "slow" in only:
        before, during, after = (float(v) for v in args.slow_seconds.split(","))
        step(
            "slow_clients",
            lambda: slow_clients(
                args.slow_phones,
                args.stalled,
                args.slow_rate,
                (before, during, after),
                logs,
                args.processes,
            ),
        )
    skip_scaled = args.skip_scaled or "scaled" not in only
    missing = scaled_unavailable()
    if missing and not skip_scaled:
        print(f"· skipping PostgreSQL + Redis runs: {missing}", flush=True)
    if not skip_scaled and not missing:
        for workers in (1, 2):
            step(
                f"fanout_scaled_{workers}",
                partial(fanout_scaled, 200, args.rate, args.seconds, workers, logs, args.processes),
            )
    if "deflate" in only:
        step("deflate", lambda: deflate(logs))
    if "bytes" in only:
        sizes = tuple(int(v) for v in args.bytes_sizes.split(","))
        step("bytes", lambda: live_bytes(logs, sizes))
    if "suggestions" in only:
        step("suggestions", suggestion_timing)
    if "languages" in only:
        step("languages", language_costs)
    if "venue" in only:
        why = venue_unavailable()
        if why:
            print(f"· skipping venue: {why}", flush=True)
        else:
            step("venue", lambda: venue(logs, args.venue_before))
    elapsed = results["total_seconds"] = round(time.monotonic() - started_at)
    out = ROOT / "bench" / "results" / "latest.json"
    command = "make bench"
    if set(only) != set(DEFAULT):
        command = f"python -m bench.run --only {','.join(only)}"
        results = merged(out, results, command)
    else:
        results = kept(out, results, sorted(set(SCENARIOS) - set(DEFAULT)))
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print()
    print(table(results))
    print(f"\n{elapsed} s in all; raw figures in {out.relative_to(ROOT)}")
    if not args.no_docs:
        write_docs(results, "make bench" if "remeasured" in results else command)


HEADER = ("date", "machine", "rate", "seconds", "processes", "total_seconds", "remeasured")


def merged(out: Path, results: dict[str, Any], command: str) -> dict[str, Any]:
    """A partial run's figures over the last full run's (kept, and marked as re-measured)."""
    try:
        previous: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return results
    fresh = {key: value for key, value in results.items() if key not in HEADER}
    again = dict(previous.get("remeasured") or {})
    again.update({key: [command, results["date"]] for key in fresh})
    return {**previous, **fresh, "remeasured": again}


def kept(out: Path, results: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """A full run's figures, with the opt-in scenarios' figures of the last run kept."""
    try:
        previous: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return results
    again = previous.get("remeasured") or {}
    carried = {key: previous[key] for key in keys if key in previous and key not in results}
    if not carried:
        return results
    marks = {key: again[key] for key in carried if key in again}
    return {**results, **carried, **({"remeasured": marks} if marks else {})}


if __name__ == "__main__":
    main()
