#!/usr/bin/env python3
"""Index-write throughput: a 2-shard search cluster against Whoosh, same articles, same run.

    python bench/cluster_ingest.py [--corpus PATH] [--limit N] [--runs 3] [--replicas 1]
                                   [--batch 500]

Reuters records are read and cleaned once with the project's cleaner
(`pipeline.clean_raw`), so both sides index identical articles and the
cleaning cost (the same for every engine) is left out. Then, for each run:
Whoosh writes them into a fresh index in this process (one writer, one
commit per --batch articles: 500 is an ingest's default batch, 20000 what a
large ingest grows to), and the cluster writer puts them into a fresh 2-shard
cluster of local searchd processes (`--replicas` mirrors each; every mirror is
written), committing every --batch articles too.
Prints paragraphs/s and CPU per paragraph (this process and its children:
Whoosh's sub-writers, the searchd nodes) for both, and the ratio; medians
over --runs.
Needs searchd (Debian: apt-get install sphinxsearch).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench.common import REUTERS, SOURCE, write_jsonl  # noqa: E402


def clean_corpus(corpus: Path, limit: int | None, tmp: Path) -> list:
    from search_app.pipeline import clean_raw
    from search_app.sources import SourceFailure, SourceOptions, read_sources

    jsonl = tmp / f"{SOURCE}.jsonl"
    write_jsonl(jsonl, corpus)
    out = []
    for item in read_sources([str(jsonl)], SourceOptions()):
        if isinstance(item, SourceFailure):
            continue
        try:
            out.append(clean_raw(item))
        except Exception:  # noqa: BLE001 - records the cleaner rejects are skipped by ingest too
            continue
        if limit and len(out) >= limit:
            break
    return out


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (Whoosh sub-writers, searchd)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def whoosh_seconds(articles: list, folder: Path, batch: int, procs: int) -> tuple[float, float]:
    """(wall, CPU) for Whoosh; ``procs`` sub-writers as a large ingest uses (one per core)."""
    from search_app.engine.whoosh.indexing import ParagraphIndex

    index = ParagraphIndex.create(folder)
    started, cpu = time.perf_counter(), _cpu()
    for i in range(0, len(articles), batch):
        with index.writer(procs=procs if batch >= 200 else 1) as writer:
            for stored in articles[i : i + batch]:
                writer.put_article(stored)
    return time.perf_counter() - started, _cpu() - cpu


def _free_block(count: int) -> int:
    for base in range(41_000, 60_000, count + 2):
        ok = True
        for port in range(base, base + count):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def cluster_seconds(articles: list, folder: Path, replicas: int, batch: int) -> tuple[float, float]:
    """(wall, CPU): the CPU includes the searchd processes, reaped when they stop."""
    from search_app.cluster import process
    from search_app.cluster.config import init_cluster
    from search_app.engine.sphinx.writer import ClusterWriter

    cluster = init_cluster(folder, 2, replicas, base_port=_free_block(2 * (2 * replicas + 1)))
    process.start(cluster)
    cpu = _cpu()
    try:
        with ClusterWriter(cluster) as writer:
            started = time.perf_counter()
            for i in range(0, len(articles), batch):
                for stored in articles[i : i + batch]:
                    writer.put_article(stored)
                writer.commit()
            wall = time.perf_counter() - started
    finally:
        process.stop(cluster)
    # searchd's CPU counts once stop() has reaped it; that includes its start
    # and shutdown (well under a second each).
    return wall, _cpu() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--limit", type=int, help="only the first N articles")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--replicas", type=int, default=1, help="mirrors per shard (default 1)")
    ap.add_argument("--batch", type=int, default=500, help="articles per commit (default 500)")
    ap.add_argument(
        "--procs", type=int, default=os.cpu_count() or 1, help="Whoosh sub-writers (default: cores)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        articles = clean_corpus(args.corpus, args.limit, tmp)
        paragraphs = sum(len(a.article.paragraphs) for a in articles)
        print(
            f"cleaned {len(articles)} articles, {paragraphs} paragraphs "
            f"in {time.perf_counter() - started:.1f} s (not counted below)",
            flush=True,
        )
        whoosh, cluster = [], []
        for run in range(args.runs):
            w = whoosh_seconds(articles, tmp / f"whoosh-{run}", args.batch, args.procs)
            c = cluster_seconds(articles, tmp / f"cluster-{run}", args.replicas, args.batch)
            whoosh.append(w)
            cluster.append(c)
            print(
                f"run {run + 1}: whoosh {paragraphs / w[0]:.0f} paragraphs/s "
                f"({w[0]:.1f} s, CPU {w[1]:.1f} s), cluster 2x{args.replicas} "
                f"{paragraphs / c[0]:.0f} paragraphs/s ({c[0]:.1f} s, CPU {c[1]:.1f} s)",
                flush=True,
            )
        w = statistics.median(x[0] for x in whoosh)
        c = statistics.median(x[0] for x in cluster)
        wc = statistics.median(x[1] for x in whoosh)
        cc = statistics.median(x[1] for x in cluster)
        print(
            f"median of {args.runs}, {args.batch} articles per commit: "
            f"whoosh (procs={args.procs}) {paragraphs / w:.0f} paragraphs/s, "
            f"{wc / paragraphs * 1e6:.0f} us CPU a paragraph; "
            f"cluster (2 shards x {args.replicas}) {paragraphs / c:.0f} paragraphs/s, "
            f"{cc / paragraphs * 1e6:.0f} us CPU a paragraph: "
            f"the cluster writes {w / c:.2f}x Whoosh's rate"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
