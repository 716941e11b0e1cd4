#!/usr/bin/env python3
"""HTTP throughput and latency of `search-app serve` (waitress) under concurrent clients.

    python bench/http.py [--index DIR [--engine E]]... [--corpus PATH] [--scale N]
                         [--clients 8] [--seconds 20] [--warm]

Starts the production server in its own process on 127.0.0.1 and runs
``--clients`` keep-alive clients for a bounded time over the query mix of
bench/search.py (pages 1-3, so not every request repeats). Two rounds: with
the result cache off (every request searches) and with the default cache.
Prints requests/s, p50/p95/p99 latency, errors (non-200 or failed requests)
and the server's peak resident memory. Without --index, the corpus is
ingested into a temporary index first. Several ``--index`` (each with its
``--engine``, in the same order; default whoosh), e.g. a Whoosh index and a
cluster's (``--engine sphinx:DIR/cluster.json``): each round runs on each
index in turn, so that machine load falls on both alike. ``--warm``: every
URL once before each round's clock (a running site's steady state: statistics
read, popular pages cached), so a round doesn't time the server's first
searches.

The clients run in this process and share the machine's cores with the
server: on 2 cores the figures are a floor for the server alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py, as the issue asks; run as a script its folder comes
# first on sys.path and would shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

from bench.common import REUTERS, build_index, percentiles  # noqa: E402
from bench.search import QUERIES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    index: Path, port: int, cache_size: int, engine: str = "whoosh"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SEARCH_APP_RATE_LIMIT": "0",
        "SEARCH_APP_CACHE_SIZE": str(cache_size),
        "SEARCH_APP_ENGINE": engine,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search_app.cli",
            "serve",
            "--index",
            str(index),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def memory_mb(pid: int) -> dict[str, float]:
    """Peak resident memory, and now: private (heap) and file-backed (the index's mmap) parts.

    Whoosh maps each compound segment file into memory; the pages a search
    touched count in RSS but are the page cache's, shared and reclaimable.
    """
    out = {"VmHWM": float("nan"), "RssAnon": float("nan"), "RssFile": float("nan")}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in out:
            out[key] = int(line.split()[1]) / 1024
    return out


def urls() -> list[str]:
    out = []
    for entries in QUERIES.values():
        for entry in entries:
            req = entry[0]  # a SearchRequest (or the query text)
            params: list[tuple[str, str]] = [("q", getattr(req, "q", req))]
            params += [("source", s) for s in getattr(req, "sources", ())]
            for name, attr in (("from", "date_from"), ("to", "date_to")):
                if getattr(req, attr, None):
                    params.append((name, getattr(req, attr)))
            for page in (1, 2, 3):
                out.append("/api/search?" + urllib.parse.urlencode([*params, ("page", page)]))
    return out


def warm(port: int) -> None:
    """Every URL once, one client, before the clock: a site's steady state, where the
    readers' statistics are built and (with the cache on) popular pages cached."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for url in urls():
        conn.request("GET", url)
        conn.getresponse().read()
    conn.close()


def run_round(port: int, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    all_urls = urls()

    def client(offset: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for url in itertools.islice(itertools.cycle(all_urls), offset, None):
            if time.monotonic() >= stop_at:
                break
            t = time.perf_counter()
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    p = percentiles(latencies)
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors, **p}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--index",
        type=Path,
        action="append",
        help="an existing index (else the corpus is ingested)",
    )
    ap.add_argument(
        "--engine", action="append", help="each --index's engine, in order (default whoosh)"
    )
    ap.add_argument("--corpus", type=Path, default=REUTERS)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument(
        "--warm", action="store_true", help="request every URL once before each round's clock"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        indexes = args.index
        if not indexes:
            t = time.monotonic()
            indexes = [build_index(Path(tmp), args.corpus, args.scale)]
            print(f"built index in {time.monotonic() - t:.0f} s", flush=True)
        engines = args.engine or []
        if len(engines) > len(indexes):
            raise SystemExit("one --engine per --index, in the same order")
        engines += ["whoosh"] * (len(indexes) - len(engines))
        targets = list(zip(indexes, engines, strict=True))
        print(f"cores: {os.cpu_count()}, clients: {args.clients}, {args.seconds:.0f} s per round")
        print(
            f"{'round':<10} {'engine':<8} {'req/s':>7} {'p50 ms':>7} {'p95':>7} {'p99':>7} "
            f"{'errors':>6} {'peak MB':>8} {'heap MB':>8} {'mmap MB':>8}"
        )
        for name, cache in (("no cache", 0), ("cache", 256)):
            for index, engine in targets:
                port = free_port()
                proc = start_server(index, port, cache, engine)
                try:
                    if args.warm:
                        warm(port)
                    r = run_round(port, args.clients, args.seconds)
                    mem = memory_mb(proc.pid)
                finally:
                    proc.terminate()
                    proc.wait(timeout=20)
                print(
                    f"{name:<10} {engine.split(':')[0]:<8} {r['rps']:7.1f} {r['median']:7.1f} "
                    f"{r['p95']:7.1f} "
                    f"{r['p99']:7.1f} {int(r['errors']):6d} {mem['VmHWM']:8.0f} "
                    f"{mem['RssAnon']:8.0f} {mem['RssFile']:8.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
