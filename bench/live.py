"""Latency of misspelt, live (half-typed) and hostile searches over the HTTP API.

Run beside a server: ``python -m bench.live http://127.0.0.1:8765``. The typos
are generated from frequent corpus words (a letter dropped, doubled or swapped,
deterministically), the live queries are 3-7 letter prefixes of them; each is
asked once (the result cache would hide a repeat). Prints p50/p95 in ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

WORDS = (
    "government election minister parliament economy company president football "
    "business industry international television technology security european "
    "campaign players million officials conservative spokesman investment market "
    "director country announced manager chancellor customers software research "
    "australian championship commission financial"
).split()


def typo(word: str, i: int) -> str:
    k = 1 + i % (len(word) - 2)
    kind = i % 3
    if kind == 0:
        return word[:k] + word[k + 1 :]  # a letter left out
    if kind == 1:
        return word[:k] + word[k] + word[k:]  # a letter doubled
    return word[: k - 1] + word[k] + word[k - 1] + word[k + 1 :]  # two letters swapped


def timed(base: str, path: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(base + path, timeout=60) as r:
        data = json.load(r)
    return (time.perf_counter() - started) * 1000, data


def summary(name: str, ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[-1]
    return f"{name}: n={len(ms)} p50={statistics.median(ms):.0f} ms p95={p95:.0f} ms"


def main(base: str) -> None:
    misspelt, live, right = [], [], 0
    for i, word in enumerate(WORDS):
        q = typo(word, i)
        ms, data = timed(base, "/api/search?q=" + urllib.parse.quote(q))
        misspelt.append(ms)
        right += data.get("query", "").lower() == word
        for n in (3, 5, 7):
            if n < len(word):
                ms, _ = timed(base, f"/api/search?live=1&q={urllib.parse.quote(word[:n])}")
                live.append(ms)
    print(summary("misspelt", misspelt), f"corrected to the word: {right}/{len(WORDS)}")
    print(summary("live", live))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765")
