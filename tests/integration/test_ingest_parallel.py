"""The parallel ingest (cleaning pool, Whoosh sub-writers) keeps the serial one's guarantees."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search_app import clean_pool, pipeline
from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.pipeline import IngestOptions, ingest, ingest_documents
from search_app.sources import SourceOptions, read_sources
from search_app.store import RawStore

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Small thresholds so a few hundred documents take the parallel path with several commits.
PARALLEL = IngestOptions(
    workers=2, parallel_min_documents=50, parallel_batch_size=250, parallel_batch_seconds=1e9
)


def write_corpus(path: Path, n: int, tag: str = "") -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text = f"Story {i} about tin and cocoa{tag}.\n\nSecond paragraph {i} of the story."
            fh.write(json.dumps({"id": f"doc-{i}", "title": f"Story {i}", "text": text}) + "\n")
    return path


def agree(index: Path) -> tuple[int, int, int]:
    """(articles, paragraphs, stored): and the index and the store hold the same articles."""
    ix = ParagraphIndex.open(index)
    hashes = ix.article_hashes()
    store = RawStore(index / "raw.sqlite")
    try:
        entries = {e.article_id: e.sha256 for e in store.entries()}
    finally:
        store.close()
    assert hashes == entries
    stats = ix.stats()
    return stats.articles, stats.paragraphs, len(entries)


def test_parallel_ingest_counts_new_unchanged_updated(tmp_path: Path):
    corpus = write_corpus(tmp_path / "c.jsonl", 700)
    index = tmp_path / "index"
    report = ingest([str(corpus)], index, PARALLEL)
    assert (report.new, report.updated, report.unchanged, len(report.failed)) == (700, 0, 0, 0)
    assert agree(index) == (700, 1400, 700)
    assert len(list((index / "whoosh").glob("*.toc"))) >= 1

    report = ingest([str(corpus)], index, PARALLEL)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 700)

    write_corpus(corpus, 700, tag=" and rubber")
    report = ingest([str(corpus)], index, PARALLEL)
    assert (report.new, report.updated, report.unchanged) == (0, 700, 0)
    assert agree(index) == (700, 1400, 700)  # no duplicates after replacing every article


def test_parallel_and_serial_ingests_index_the_same(tmp_path: Path):
    corpus = write_corpus(tmp_path / "c.jsonl", 400)
    serial = ingest([str(corpus)], tmp_path / "serial", IngestOptions(workers=1))
    parallel = ingest([str(corpus)], tmp_path / "parallel", PARALLEL)
    assert sorted(serial.article_ids) == sorted(parallel.article_ids)
    a, b = ParagraphIndex.open(tmp_path / "serial"), ParagraphIndex.open(tmp_path / "parallel")
    assert a.article_hashes() == b.article_hashes()
    some = serial.article_ids[123]
    x, y = a.get_article(some), b.get_article(some)
    assert (x.article, x.fingerprints) == (y.article, y.fingerprints)


def test_small_ingests_and_uploads_stay_in_one_process(tmp_path: Path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a small ingest started a process pool")

    monkeypatch.setattr(pipeline, "CleaningPool", no_pool)
    corpus = write_corpus(tmp_path / "c.jsonl", 40)
    assert ingest([str(corpus)], tmp_path / "a", PARALLEL).new == 40
    docs = list(read_sources([str(write_corpus(tmp_path / "d.jsonl", 300))], SourceOptions()))
    assert ingest_documents(docs, tmp_path / "b", PARALLEL).new == 300  # the HTTP API's path


def test_a_bad_document_and_a_crashing_worker_fail_alone(tmp_path: Path, monkeypatch):
    real = clean_pool.clean_raw

    def flaky(raw, rules=None):
        if raw.key == "doc-13":
            raise RuntimeError("boom")
        if raw.key == "doc-77" and os.getpid() != parent:
            os._exit(3)  # a parser crash takes the whole worker process down
        return real(raw, rules)

    parent = os.getpid()
    monkeypatch.setattr(clean_pool, "clean_raw", flaky)  # where the workers call it
    corpus = write_corpus(tmp_path / "c.jsonl", 300)
    report = ingest([str(corpus)], tmp_path / "index", PARALLEL)
    failed = {f.location.rsplit("#", 1)[1]: f.reason for f in report.failed}
    assert set(failed) == {"14", "78"}, failed  # line numbers of doc-13 and doc-77
    assert "boom" in failed["14"] and "crashed" in failed["78"]
    assert report.new == 298
    assert agree(tmp_path / "index") == (298, 596, 298)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie has exited


def test_kill_during_a_parallel_commit_then_reconcile(tmp_path: Path):
    """SIGKILL while Whoosh sub-writers hold the write lock: no orphan keeps it."""
    corpus = write_corpus(tmp_path / "c.jsonl", 12000)
    index = tmp_path / "index"
    env = {**os.environ, "SEARCH_APP_INGEST_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "ingest.py", str(corpus), "--index", str(index)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    pending = index / "commit.pending"
    deadline = time.monotonic() + 120
    children: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        # Mid-commit with sub-writers running: the pending marker is down and
        # there are more children than the two cleaning workers.
        children = _children(proc.pid)
        if pending.exists() and len(children) > 2:
            break
        time.sleep(0.02)
    else:
        pytest.fail("never saw a parallel commit in progress")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    alive = [pid for pid in children if _running(pid)]
    assert not alive, f"children outlived the killed ingest: {alive}"
    assert pending.exists()
    started = time.monotonic()
    report = ingest([str(corpus)], index, IngestOptions(workers=2, writer_timeout=5))
    assert time.monotonic() - started < 120
    assert not report.failed
    assert not pending.exists()
    assert agree(index) == (12000, 24000, 12000)
