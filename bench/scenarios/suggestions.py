"""`--only suggestions`: grouping suggestions for 100 and 300 notes, in process.

The notes are the labelled set's 88 (tests/data/similar_notes.json) and, beyond them,
the same ideas as a bigger room writes them (each with one of a few endings, as people
add where or for whom). Timed: `suggest` (the groups the control view and the API give)
and `analyse` (the groups and, for a large circle, its themes), cold (no word stemmed yet:
the first look at a room's notes) and warm (the stems of the words already seen), as CPU
time of this process; the median and the best of several runs. Target: 300 notes <= 50 ms.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from tests.servers import ROOT

ENDINGS = ("", " for every family", " in our school", " this year", " across the area", " now")


def notes(count: int) -> list[tuple[str, str]]:
    data = json.loads((ROOT / "tests" / "data" / "similar_notes.json").read_text("utf-8"))
    base = [text for group in data["groups"] for text in group["notes"]] + data["singletons"]
    pick = random.Random(18)
    found = []
    for index in range(count):
        text = base[index % len(base)]
        if index >= len(base):
            text = text.rstrip(".") + pick.choice(ENDINGS[1:])
        found.append((f"n{index}", text))
    return found


def _time(run: Callable[[], object], before: Callable[[], None], repeats: int) -> dict[str, float]:
    taken = []
    for _ in range(repeats):
        before()
        started = time.process_time()
        run()
        taken.append((time.process_time() - started) * 1000)
    return {"median": round(statistics.median(taken), 1), "best": round(min(taken), 1)}


def suggestion_timing(sizes: tuple[int, ...] = (100, 300), repeats: int = 9) -> dict[str, Any]:
    from app.domain import similar

    def cold() -> None:
        similar.words.cache_clear()
        similar._stem.cache_clear()

    result: dict[str, Any] = {"stemmer": type(similar._STEMMER).__module__}
    for size in sizes:
        texts = notes(size)

        def suggest(texts: list[tuple[str, str]] = texts) -> object:
            return similar.suggest(texts)

        def analyse(texts: list[tuple[str, str]] = texts) -> object:
            return similar.analyse(texts)

        result[str(size)] = {
            "suggest_cold_ms": _time(suggest, cold, repeats),
            "suggest_warm_ms": _time(suggest, lambda: None, repeats),
            "analyse_cold_ms": _time(analyse, cold, repeats),
            "analyse_warm_ms": _time(analyse, lambda: None, repeats),
            "groups": len(similar.suggest(texts)),
            "themes": len(similar.themes(texts)),
        }
    return result


if __name__ == "__main__":
    print(json.dumps(suggestion_timing(), indent=1))
