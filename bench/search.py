#!/usr/bin/env python3
"""Search latency on the Reuters corpus through SearchService, beside SQLite FTS5.

    python bench/search.py [--index DIR] [--corpus PATH] [--scale N] [--repeat N]

Runs a fixed mix of queries written for Reuters (common and rare terms,
two-word AND, phrases, prefix, a field filter, a date filter; facets are
always computed) through the same function the web uses, with grouping,
duplicate collapse and highlighting of the shown hits, and the result cache
off. Prints median, p95 and p99 per query kind; then SQLite FTS5 with bm25()
and snippet() on the same queries in the same process, and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REUTERS, Fts5, percentiles, records, write_jsonl  # noqa: E402
from search_app.config import Settings  # noqa: E402
from search_app.models import SearchRequest  # noqa: E402
from search_app.pipeline import IngestOptions, ingest  # noqa: E402
from search_app.search import SearchService  # noqa: E402

# kind -> [(our query, the FTS5 MATCH expression for the same intent)]
QUERIES: dict[str, list[tuple[str, str]]] = {
    "common": [("oil", "oil"), ("shares", "shares"), ("trade", "trade"), ("company", "company")],
    "rare": [("cocoa", "cocoa"), ("Volcker", "volcker"), ("tin", "tin"), ("rubber", "rubber")],
    "and": [
        ("oil prices", "oil AND prices"),
        ("interest rates", "interest AND rates"),
        ("coffee quota", "coffee AND quota"),
        ("bank loans", "bank AND loans"),
    ],
    "phrase": [
        ('"interest rates"', '"interest rates"'),
        ('"crude oil"', '"crude oil"'),
        ('"trade deficit"', '"trade deficit"'),
        ('"stock split"', '"stock split"'),
    ],
    "prefix": [("export*", "export*"), ("acqui*", "acqui*"), ("petro*", "petro*")],
    "field": [
        ("title:oil", "title:oil"),
        ("title:bank", "title:bank"),
        ("title:gold", "title:gold"),
    ],
    "date": [("oil date:1987-03", "oil"), ("trade date:1987-04", "trade")],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, help="an index built by bench/ingest.py --keep")
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            jsonl = Path(tmp) / "c.jsonl"
            write_jsonl(jsonl, args.corpus, args.scale)
            ingest([str(jsonl)], index, IngestOptions(batch_size=2000, batch_seconds=1e9))
        service = SearchService(index, Settings(index=index, cache_size=0))
        fts = Fts5()
        fts.index(records(args.corpus, args.scale))
        print(
            f"{'kind':<8} {'ours med':>9} {'p95':>7} {'p99':>7} "
            f"{'fts5 med':>9} {'p95':>7} {'ratio':>6}"
        )
        for kind, pairs in QUERIES.items():
            ours: list[float] = []
            theirs: list[float] = []
            for _ in range(args.repeat):
                for q, match in pairs:
                    t = time.perf_counter()
                    service.search(SearchRequest(q))
                    ours.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    fts.search(match)
                    theirs.append((time.perf_counter() - t) * 1000)
            a, b = percentiles(ours), percentiles(theirs)
            print(
                f"{kind:<8} {a['median']:9.1f} {a['p95']:7.1f} {a['p99']:7.1f} "
                f"{b['median']:9.2f} {b['p95']:7.2f} {a['median'] / max(b['median'], 1e-6):6.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
