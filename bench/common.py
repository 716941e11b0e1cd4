"""Shared helpers for the benchmarks: corpus replication, timing, SQLite FTS5 yardstick."""

from __future__ import annotations

import gzip
import json
import re
import resource
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl.gz"


SOURCE = "reuters21578"  # JSON Lines records are named after the file's stem


def records(path: Path, scale: int = 1) -> Iterator[dict]:
    """The corpus records, ``scale`` times over with distinct ids (×10 ≈ 1M paragraphs)."""
    opener = gzip.open if path.suffix == ".gz" else open
    for copy in range(scale):
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if copy:
                    rec["id"] = f"{rec['id']}-x{copy}"
                yield rec


def write_jsonl(path: Path, source: Path, scale: int = 1) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for rec in records(source, scale):
            fh.write(json.dumps(rec) + "\n")
            n += 1
    return n


def build_index(folder: Path, corpus: Path = REUTERS, scale: int = 1) -> Path:
    """Ingest the corpus (``scale`` copies) into ``folder``/index through the real pipeline.

    The JSON Lines file keeps the corpus's name, which becomes the articles'
    source: the benchmarks' source filter names it.
    """
    from search_app.pipeline import ingest

    jsonl = folder / f"{SOURCE}.jsonl"
    write_jsonl(jsonl, corpus, scale)
    index = folder / "index"
    ingest([str(jsonl)], index)
    return index


def paragraphs_of(rec: dict) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", rec.get("text") or "") if p.strip()]


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = int(fields[21]) * resource.getpagesize()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


class TreeMemory:
    """Samples the summed RSS of a process tree: the peak of all processes at once.

    getrusage's ru_maxrss (children included) gives only the largest single
    process; a parallel ingest's processes are alive together, so sum them.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        if not ordered:
            return float("nan")
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[k]

    return {
        "median": statistics.median(ordered) if ordered else float("nan"),
        "p95": pct(95),
        "p99": pct(99),
    }


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Fts5:
    """SQLite FTS5 (porter) over the same paragraphs: the yardstick in the same process."""

    def __init__(self, path: str = ":memory:") -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute(
            "CREATE VIRTUAL TABLE p USING fts5("
            "article UNINDEXED, date UNINDEXED, title, text, tokenize='porter')"
        )

    def index(self, recs: Iterator[dict]) -> tuple[int, float]:
        started = time.perf_counter()
        n = 0
        with self.conn:
            for rec in recs:
                date = rec.get("date") or ""
                rows = [(rec["id"], date, rec.get("title") or "", p) for p in paragraphs_of(rec)]
                self.conn.executemany("INSERT INTO p VALUES (?,?,?,?)", rows)
                n += len(rows)
        return n, time.perf_counter() - started

    def search(
        self, match: str, limit: int = 10, date_from: str = "", date_to: str = "\uffff"
    ) -> list[tuple]:
        """Top hits by bm25() with snippet(), and the per-year counts of all matches.

        The year counts stand in for our facets, so both sides count every match.
        """
        where = "p MATCH ? AND date >= ? AND date < ?"
        args = (match, date_from, date_to)
        hits = self.conn.execute(
            "SELECT article, snippet(p, 3, '<mark>', '</mark>', '…', 24) FROM p "
            f"WHERE {where} ORDER BY bm25(p, 0, 0, 2.0, 1.0) LIMIT ?",
            (*args, limit),
        ).fetchall()
        self.conn.execute(
            f"SELECT substr(date, 1, 4), count(*) FROM p WHERE {where} GROUP BY 1", args
        ).fetchall()
        return hits
