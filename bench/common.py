"""Shared helpers for the benchmarks: corpus replication, timing, SQLite FTS5 yardstick."""

from __future__ import annotations

import gzip
import json
import re
import resource
import sqlite3
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl.gz"


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


def paragraphs_of(rec: dict) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", rec.get("text") or "") if p.strip()]


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


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
            "CREATE VIRTUAL TABLE p USING fts5(article UNINDEXED, title, text, tokenize='porter')"
        )

    def index(self, recs: Iterator[dict]) -> tuple[int, float]:
        started = time.perf_counter()
        n = 0
        with self.conn:
            for rec in recs:
                rows = [(rec["id"], rec.get("title") or "", p) for p in paragraphs_of(rec)]
                self.conn.executemany("INSERT INTO p VALUES (?,?,?)", rows)
                n += len(rows)
        return n, time.perf_counter() - started

    def search(self, match: str, limit: int = 10) -> list[tuple]:
        return self.conn.execute(
            "SELECT article, snippet(p, 2, '<mark>', '</mark>', '…', 24) FROM p "
            "WHERE p MATCH ? ORDER BY bm25(p, 2.0, 1.0) LIMIT ?",
            (match, limit),
        ).fetchall()
