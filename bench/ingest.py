#!/usr/bin/env python3
"""Ingest throughput on the Reuters corpus, through the real pipeline, beside SQLite FTS5.

    python bench/ingest.py [--corpus PATH] [--scale N] [--workers 1,2] [--keep DIR]

For each worker count (default: 1, then every core) a fresh process ingests the
corpus end to end (read, clean, raw store, index) through ``pipeline.ingest``,
the same call as the ingest command, and reports articles/s, paragraphs/s,
wall and CPU time, peak memory and index size. Peak memory is given two ways:
getrusage's ru_maxrss (largest single process, children included) and the
summed RSS of the whole process tree sampled every 0.2 s (what the machine
needs). Then SQLite FTS5 indexes the same paragraphs in this process, and the
ratio. --scale 10 replicates the corpus ten times with distinct ids (about a
million paragraphs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, bench/ itself is first on sys.path, and bench/http.py would
# shadow the standard library's http package: put the project root there instead.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench.common import (  # noqa: E402
    REUTERS,
    Fts5,
    TreeMemory,
    cpu_seconds,
    dir_bytes,
    peak_rss_mb,
    records,
    write_jsonl,
)


def run_one(jsonl: Path, index: Path, workers: int) -> dict:
    """One ingest in this process (called in a fresh subprocess by main)."""
    from search_app.engine.whoosh.indexing import ParagraphIndex
    from search_app.pipeline import IngestOptions, ingest

    started = time.perf_counter()
    report = ingest([str(jsonl)], index, IngestOptions(workers=workers))
    wall = time.perf_counter() - started
    stats = ParagraphIndex.open(index).stats()
    return {
        "workers": workers,
        "articles": stats.articles,
        "paragraphs": stats.paragraphs,
        "failed": len(report.failed),
        "wall": wall,
        "cpu": cpu_seconds(),
        "rss_self_mb": peak_rss_mb(),
        "rss_child_mb": peak_rss_mb(children=True),
        "index_mb": dir_bytes(index) / 1e6,
        "segments": len(ParagraphIndex.open(index).ix._segments()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument(
        "--workers",
        default=f"1,{os.cpu_count() or 1}",
        help="comma-separated worker counts to measure (default: 1 and all cores)",
    )
    ap.add_argument("--keep", type=Path, help="keep the last index built here (bench/search.py)")
    ap.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 yardstick")
    ap.add_argument("--run-one", nargs=3, metavar=("JSONL", "INDEX", "WORKERS"), help="internal")
    args = ap.parse_args()
    if args.run_one:
        jsonl, index, workers = args.run_one
        print(json.dumps(run_one(Path(jsonl), Path(index), int(workers))))
        return 0

    counts = sorted({max(1, int(w)) for w in args.workers.split(",")})
    print(f"machine: {os.cpu_count()} cores; corpus {args.corpus.name} x{args.scale}")
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "reuters21578.jsonl"  # the source name of every article
        n = write_jsonl(jsonl, args.corpus, args.scale)
        ours = []
        for i, workers in enumerate(counts):
            last = i == len(counts) - 1
            index = args.keep if (last and args.keep) else Path(tmp) / f"index-{workers}"
            proc = subprocess.Popen(
                [sys.executable, __file__, "--run-one", str(jsonl), str(index), str(workers)],
                stdout=subprocess.PIPE,
                text=True,
            )
            with TreeMemory(proc.pid) as mem:
                out, _ = proc.communicate()
            if proc.returncode:
                print(f"workers={workers}: the ingest failed (exit {proc.returncode})")
                return 1
            r = json.loads(out.strip().splitlines()[-1])
            r["tree_mb"] = mem.peak / 1e6
            ours.append(r)
            print(
                f"article-search workers={workers}: {n} records -> {r['articles']} articles, "
                f"{r['paragraphs']} paragraphs in {r['wall']:.1f} s "
                f"({r['articles'] / r['wall']:.0f} articles/s, "
                f"{r['paragraphs'] / r['wall']:.0f} paragraphs/s); CPU {r['cpu']:.1f} s; "
                f"failed {r['failed']}; peak RSS {r['tree_mb']:.0f} MB all processes "
                f"(largest process {max(r['rss_self_mb'], r['rss_child_mb']):.0f} MB); "
                f"index {r['index_mb']:.0f} MB in {r['segments']} segments",
                flush=True,
            )
            if not (last and args.keep):
                shutil.rmtree(index, ignore_errors=True)
        if args.no_fts:
            return 0
        fts = Fts5(str(Path(tmp) / "fts.sqlite"))
        paragraphs, fts_s = fts.index(records(args.corpus, args.scale))
        fts_rate = paragraphs / fts_s
        print(
            f"sqlite-fts5: {paragraphs} paragraphs in {fts_s:.1f} s: {fts_rate:.0f} paragraphs/s; "
            f"size {Path(tmp, 'fts.sqlite').stat().st_size / 1e6:.0f} MB"
        )
        for r in ours:
            rate = r["paragraphs"] / r["wall"]
            print(f"ratio workers={r['workers']}: FTS5 is {fts_rate / rate:.1f}x our rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
