#!/usr/bin/env python3
"""Search latency on the Reuters corpus through SearchService, beside SQLite FTS5.

    python bench/search.py [--index DIR] [--corpus PATH] [--scale N] [--repeat N]

Runs a fixed mix of queries written for Reuters (a common term, a rare term,
two-word AND, phrases, prefixes, a field filter, a source filter, a date
filter) through SearchService.search, the call the web makes: grouping,
duplicate collapse, highlighting of the shown hits and facets over all matches
every time. The result-page cache is off for the timed runs (cache_size=0), so
every request is computed; the cached repeat time is reported separately.
"ours" keeps decoded posting lists between searches (the service's default,
SEARCH_APP_POSTINGS_CACHE_MB); "cold" is the same search with that cache off,
so every posting list is decoded from the index every time.
Prints median, p95 and p99 per kind; then SQLite FTS5 with bm25() and
snippet() (plus a per-year count of all matches, standing in for facets) on
the same queries in the same process, and the ratio of medians.

Without --index it builds one from the corpus first (--scale N replicates it
with distinct ids); bench/ingest.py --keep DIR builds one to reuse.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

# Run as a script, bench/ itself is first on sys.path, and bench/http.py would
# shadow the standard library's http package: put the project root there instead.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench.common import REUTERS, SOURCE, Fts5, build_index, percentiles, records  # noqa: E402
from search_app.config import Settings  # noqa: E402
from search_app.models import SearchRequest  # noqa: E402
from search_app.service import SearchService  # noqa: E402


def q(text: str, **kw: object) -> SearchRequest:
    return SearchRequest(text, **kw)  # type: ignore[arg-type]


# kind -> [(our request, FTS5 MATCH, FTS5 date from, FTS5 date to)]
QUERIES: dict[str, list[tuple[SearchRequest, str, str, str]]] = {
    "common": [
        (q("oil"), "oil", "", "\uffff"),
        (q("shares"), "shares", "", "\uffff"),
        (q("trade"), "trade", "", "\uffff"),
        (q("company"), "company", "", "\uffff"),
    ],
    "rare": [
        (q("cocoa"), "cocoa", "", "\uffff"),
        (q("Volcker"), "volcker", "", "\uffff"),
        (q("tin"), "tin", "", "\uffff"),
        (q("rubber"), "rubber", "", "\uffff"),
    ],
    "and": [
        (q("oil prices"), "oil AND prices", "", "\uffff"),
        (q("interest rates"), "interest AND rates", "", "\uffff"),
        (q("coffee quota"), "coffee AND quota", "", "\uffff"),
        (q("bank loans"), "bank AND loans", "", "\uffff"),
    ],
    "phrase": [
        (q('"interest rates"'), '"interest rates"', "", "\uffff"),
        (q('"crude oil"'), '"crude oil"', "", "\uffff"),
        (q('"trade deficit"'), '"trade deficit"', "", "\uffff"),
        (q('"stock split"'), '"stock split"', "", "\uffff"),
    ],
    "prefix": [
        (q("export*"), "export*", "", "\uffff"),
        (q("acqui*"), "acqui*", "", "\uffff"),
        (q("petro*"), "petro*", "", "\uffff"),
    ],
    "field": [
        (q("title:oil"), "title:oil", "", "\uffff"),
        (q("title:bank"), "title:bank", "", "\uffff"),
        (q("title:gold"), "title:gold", "", "\uffff"),
    ],
    "source": [
        (q("oil", sources=(SOURCE,)), "oil", "", "\uffff"),
        (q("wheat", sources=(SOURCE,)), "wheat", "", "\uffff"),
    ],
    "date": [
        (q("oil", date_from="1987-03", date_to="1987-03"), "oil", "1987-03", "1987-04"),
        (q("trade", date_from="1987-04", date_to="1987-04"), "trade", "1987-04", "1987-05"),
        (
            q("shares", date_from="1987-03-02", date_to="1987-03-06"),
            "shares",
            "1987-03-02",
            "1987-03-07",
        ),
    ],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, help="an index built by bench/ingest.py --keep")
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; corpus {args.corpus.name} x{args.scale}")
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = build_index(Path(tmp), args.corpus, args.scale)
        service = SearchService(index, Settings(index=index, cache_size=0))
        cold = SearchService(index, Settings(index=index, cache_size=0, postings_cache_mb=0))
        cached = SearchService(index, Settings(index=index, cache_size=256))
        # The source filter names the index's biggest source (a JSONL file's stem).
        top = max(service.search(q("oil")).facets["source"], key=lambda f: f.count).value
        QUERIES["source"] = [(replace(r, sources=(top,)), *rest) for r, *rest in QUERIES["source"]]
        segments = len(service._current().searcher.reader().leaf_readers())
        print(f"index {index}: {service.stats().paragraphs} paragraphs, {segments} segments")
        fts = Fts5()
        fts.index(records(args.corpus, args.scale))
        for req, match, lo, hi in (r for pairs in QUERIES.values() for r in pairs):
            service.search(req)  # warm up: first use of each term loads its postings
            cold.search(req)
            fts.search(match, 10, lo, hi)
        print(
            f"{'kind':<8} {'ours med':>9} {'p95':>7} {'p99':>7} {'cold med':>9} {'p95':>7} "
            f"{'cached':>7} {'fts5 med':>9} {'p95':>7} {'p99':>7} {'ratio':>6}   (ms)"
        )
        for kind, rows in QUERIES.items():
            ours: list[float] = []
            colds: list[float] = []
            theirs: list[float] = []
            hits: list[float] = []
            for _ in range(args.repeat):
                for req, match, lo, hi in rows:
                    t = time.perf_counter()
                    service.search(req)
                    ours.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    cold.search(req)
                    colds.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    fts.search(match, 10, lo, hi)
                    theirs.append((time.perf_counter() - t) * 1000)
            for req, _, _, _ in rows:
                cached.search(req)
                t = time.perf_counter()
                cached.search(req)
                hits.append((time.perf_counter() - t) * 1000)
            a, b, c = percentiles(ours), percentiles(theirs), percentiles(colds)
            print(
                f"{kind:<8} {a['median']:9.1f} {a['p95']:7.1f} {a['p99']:7.1f} "
                f"{c['median']:9.1f} {c['p95']:7.1f} "
                f"{percentiles(hits)['median']:7.3f} "
                f"{b['median']:9.2f} {b['p95']:7.2f} {b['p99']:7.2f} "
                f"{a['median'] / max(b['median'], 1e-6):5.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
