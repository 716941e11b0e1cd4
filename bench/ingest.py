#!/usr/bin/env python3
"""Ingest throughput on the Reuters corpus, through the real pipeline, beside SQLite FTS5.

    python bench/ingest.py [--corpus PATH] [--scale N] [--keep DIR]

Prints articles/s, paragraphs/s, wall time, peak memory and index size for our
pipeline (clean, store, index), then the same paragraphs indexed by SQLite FTS5
in the same process, and the ratio. --scale 10 replicates the corpus ten times
with distinct ids (about a million paragraphs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REUTERS, Fts5, dir_bytes, peak_rss_mb, records, write_jsonl  # noqa: E402
from search_app.indexing import ParagraphIndex  # noqa: E402
from search_app.pipeline import IngestOptions, ingest  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument(
        "--keep", type=Path, help="build the index here and keep it (for bench/search.py)"
    )
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; corpus {args.corpus.name} x{args.scale}")
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "corpus.jsonl"
        n = write_jsonl(jsonl, args.corpus, args.scale)
        index = args.keep or Path(tmp) / "index"
        started = time.perf_counter()
        report = ingest([str(jsonl)], index, IngestOptions(batch_size=2000, batch_seconds=1e9))
        wall = time.perf_counter() - started
        stats = ParagraphIndex.open(index).stats()
        print(
            f"article-search  {n} records -> {stats.articles} articles, {stats.paragraphs} "
            f"paragraphs in {wall:.1f} s: {stats.articles / wall:.0f} articles/s, "
            f"{stats.paragraphs / wall:.0f} paragraphs/s; failed {len(report.failed)}; "
            f"peak RSS {peak_rss_mb():.0f} MB; index {dir_bytes(index) / 1e6:.0f} MB"
        )
        fts = Fts5(str(Path(tmp) / "fts.sqlite"))
        paragraphs, fts_s = fts.index(records(args.corpus, args.scale))
        print(
            f"sqlite-fts5     {paragraphs} paragraphs in {fts_s:.1f} s: "
            f"{paragraphs / fts_s:.0f} paragraphs/s; "
            f"size {Path(tmp, 'fts.sqlite').stat().st_size / 1e6:.0f} MB"
        )
        print(f"ratio: FTS5 is {(paragraphs / fts_s) / (stats.paragraphs / wall):.1f}x our rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
