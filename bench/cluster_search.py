#!/usr/bin/env python3
"""Search latency and ranking quality: a 2 x 2 search cluster against Whoosh, same run.

    python bench/cluster_search.py [--whoosh-index DIR] [--repeat 9] [--relevance]
                                   [--skip-latency] [--corpus PATH] [--scale N] [--keep DIR]

Latency: Reuters (x``--scale``) ingested through the real pipeline twice,
into a Whoosh index (or ``--whoosh-index`` from bench/ingest.py --keep) and
into a fresh 2-shard x 2-mirror cluster of local searchd processes
(``--engine sphinx:``); then bench/search.py's query mix runs through
SearchService.search on both, the page cache off, the two engines
alternating query by query so that machine load falls on both alike.
Prints median and p95 per kind and the ratio of medians, and each searchd
node's resident memory (``ps -o rss``) and data folder size after the ingest
and after the searches. ``--keep DIR``: build in DIR and leave the cluster
running, for bench/http.py (``--index DIR/cluster-index --engine
sphinx:DIR/cluster/cluster.json``); stop it with ``search-app cluster stop``.
``--cluster-only``: no Whoosh index, the cluster's figures alone.
``--keep DIR --reuse``: search the cluster and index an earlier ``--keep DIR``
built (no ingest), starting its nodes if they were stopped.

Relevance (``--relevance``): every collection in ../shared/relevance-dev,
as given and split into paragraphs of three sentences as bench/relevance.py
--split does, ingested into both engines; nDCG@10, Recall@100 and MAP@100
per engine.
Needs searchd (Debian: apt-get install sphinxsearch).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench.common import REUTERS, SOURCE, percentiles, write_jsonl  # noqa: E402
from bench.search import QUERIES, q  # noqa: E402
from search_app.cluster import process  # noqa: E402
from search_app.cluster.config import init_cluster  # noqa: E402
from search_app.cluster.model import load  # noqa: E402
from search_app.config import Settings  # noqa: E402
from search_app.pipeline import IngestOptions, ingest  # noqa: E402
from search_app.service import SearchService  # noqa: E402
from tests.cluster.engines import free_port_block  # noqa: E402


def start(tmp: Path, name: str):  # type: ignore[no-untyped-def]
    cluster = init_cluster(tmp / name, 2, 2, base_port=free_port_block(10))
    process.start(cluster)
    return cluster, f"sphinx:{cluster.root / 'cluster.json'}"


def node_sizes(cluster) -> None:  # type: ignore[no-untyped-def]
    """Each searchd node's resident memory and data folder, as an operator would read them."""
    for node in cluster.nodes:
        pid = cluster.pid_path(node).read_text().strip()
        rss = subprocess.run(["ps", "-o", "rss=", "-p", pid], capture_output=True, text=True)
        data = cluster.node_dir(node) / "data"
        size = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
        mb = int(rss.stdout.strip() or 0) / 1024
        print(f"  {node.name:<12} rss {mb:7.1f} MB  disk {size / 2**20:7.1f} MB")


def timed_ingest(jsonl: Path, index: Path, engine: str) -> float:
    started = time.perf_counter()
    report = ingest([str(jsonl)], index, IngestOptions(engine=engine, batch_size=5000))
    assert report.new > 0, report.as_dict()  # a few Reuters records have no text: skipped
    return time.perf_counter() - started


def reuse(tmp: Path):  # type: ignore[no-untyped-def]
    """The cluster a --keep run left in ``tmp``, started again if it was stopped."""
    cluster = load(str(tmp / "cluster" / "cluster.json"))
    process.start(cluster)  # the running nodes stay as they are
    return cluster, f"sphinx:{cluster.root / 'cluster.json'}"


def latency(args: argparse.Namespace, tmp: Path) -> None:
    jsonl = tmp / f"{SOURCE}.jsonl"
    if args.reuse:
        cluster, engine = reuse(tmp)
    else:
        write_jsonl(jsonl, args.corpus, args.scale)
        cluster, engine = start(tmp, "cluster")
    try:
        if not args.reuse:
            seconds = timed_ingest(jsonl, tmp / "cluster-index", engine)
            print(f"cluster ingest: {seconds:.0f} s")
        print("searchd nodes before the searches:")
        node_sizes(cluster)
        cluster_index = tmp / "cluster-index"
        services = {
            "cluster": SearchService(
                cluster_index, Settings(index=cluster_index, engine=engine, cache_size=0)
            )
        }
        if not args.cluster_only:
            whoosh_index = args.whoosh_index
            if whoosh_index is None:
                whoosh_index = tmp / "whoosh-index"
                print(f"whoosh ingest: {timed_ingest(jsonl, whoosh_index, 'whoosh'):.0f} s")
            settings = Settings(index=whoosh_index, cache_size=0)
            services = {"whoosh": SearchService(whoosh_index, settings), **services}
        for name, svc in services.items():
            print(f"{name}: {svc.stats().paragraphs} paragraphs")
        first = next(iter(services.values()))
        top = max(first.search(q("oil")).facets["source"], key=lambda f: f.count)
        queries = dict(QUERIES)
        queries["source"] = [(replace(r, sources=(top.value,)), *x) for r, *x in QUERIES["source"]]
        for rows in queries.values():  # warm up both
            for req, *_ in rows:
                for svc in services.values():
                    svc.search(req)
        print(
            f"{'kind':<8} {'whoosh med':>10} {'p95':>7} {'cluster med':>12} {'p95':>7} {'ratio':>6}"
        )
        for kind, rows in queries.items():
            times: dict[str, list[float]] = {n: [] for n in services}
            for _ in range(args.repeat):
                for req, *_ in rows:
                    for name, svc in services.items():
                        t = time.perf_counter()
                        svc.search(req)
                        times[name].append((time.perf_counter() - t) * 1000)
            c = percentiles(times["cluster"])
            c50, c95 = c["median"], c["p95"]
            if args.cluster_only:
                print(f"{kind:<8} {'':>10} {'':>7} {c50:12.1f} {c95:7.1f}")
                continue
            w = percentiles(times["whoosh"])
            w50, w95 = w["median"], w["p95"]
            print(f"{kind:<8} {w50:10.1f} {w95:7.1f} {c50:12.1f} {c95:7.1f} {c50 / w50:5.1f}x")
        print("searchd nodes after the searches:")
        node_sizes(cluster)
        for svc in services.values():
            svc.close()
    finally:
        if args.keep is None:
            process.stop(cluster)
        else:
            print(f"left running: search-app cluster stop {cluster.root}")


def relevance(tmp: Path, dirs: list[Path]) -> None:
    from bench.relevance import evaluate, load, search_ours, split_docs
    from bench.relevance import write_jsonl as write_docs

    print(f"{'collection':<16} {'engine':<8} {'nDCG@10':>8} {'R@100':>7} {'MAP@100':>8}")
    for coll in dirs:
        docs, queries, qrels = load(coll)
        queries = {k: t for k, t in queries.items() if k in qrels}
        for form, form_docs in ((coll.name, docs), (coll.name + "/split", split_docs(docs))):
            slug = form.replace("/", "-")
            jsonl = tmp / f"{slug}.jsonl"
            write_docs(form_docs, jsonl)
            cluster, engine = start(tmp, f"cluster-{slug}")
            try:
                for name, setting in (("whoosh", "whoosh"), ("cluster", engine)):
                    index = tmp / f"{slug}-{name}"
                    timed_ingest(jsonl, index, setting)
                    svc = SearchService(index, Settings(index=index, engine=setting, cache_size=0))
                    run, info = search_ours(svc, queries)
                    m = evaluate(run, qrels)
                    print(
                        f"{form:<16} {name:<8} {m['ndcg@10']:8.4f} "
                        f"{m['recall@100']:7.3f} {m['map@100']:8.3f}  "
                        f"errors={info['query_errors']} search_s={info['search_s']:.1f}",
                        flush=True,
                    )
                    svc.close()
            finally:
                process.stop(cluster)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--whoosh-index", type=Path, help="a Reuters index from bench/ingest.py --keep")
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--relevance", action="store_true", help="also nDCG on relevance-dev")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--keep", type=Path, help="build here and leave the cluster running")
    ap.add_argument(
        "--reuse", action="store_true", help="with --keep: search what an earlier --keep built"
    )
    ap.add_argument("--cluster-only", action="store_true", help="no Whoosh index (a big --scale)")
    ap.add_argument(
        "--collections", nargs="*", type=Path, help="BEIR folders (default: relevance-dev/*)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)  # per-record failures are expected, not news
    # SIGTERM runs the finally blocks: the searchd nodes this started are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_latency:
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
            latency(args, args.keep or Path(tmp))
        if args.relevance:
            from bench.relevance import DEFAULT_DIRS

            relevance(Path(tmp), args.collections or DEFAULT_DIRS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
