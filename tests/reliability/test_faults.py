"""Faults: kill -9 mid-ingest, a disk that fills up, damaged segment files.

Each test breaks a real index the way the world does and then checks the
guarantees in the README: the index still opens, it holds exactly what was
last committed, the raw store agrees with it, and the documented command
repairs the rest.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.pipeline import IngestOptions, ingest, reconcile
from search_app.store import RawStore

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def write_stories(path: Path, n: int, tag: str = "") -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text = (
                f"Story {i} {tag} about harbour cranes, shipping and the port authority.\n\n"
                f"Second paragraph {i} {tag} of the story, on dockworkers and their union."
            )
            fh.write(json.dumps({"id": f"doc-{i}", "title": f"Story {i}", "text": text}) + "\n")
    return path


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "search_app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def agreement(index: Path) -> tuple[set[str], set[str]]:
    idx = ParagraphIndex.open(index)
    store = RawStore(index / "raw.sqlite")
    try:
        return set(idx.article_hashes()), {e.article_id for e in store.entries()}
    finally:
        store.close()


def _committed(index: Path) -> bool:
    """Whether the index holds a committed article yet (read while an ingest writes)."""
    if not (index / "meta.json").exists():
        return False
    try:
        return ParagraphIndex.open(index).stats().articles > 0
    except Exception:  # noqa: BLE001 - half-created while we looked: not yet
        return False


def _check_after_kill(index: Path) -> bool:
    """The guarantees after a kill -9; whether any article had been committed."""
    if not (index / "meta.json").exists():
        return False  # killed before the index was created: nothing to check yet
    idx = ParagraphIndex.open(index)  # always opens
    stats = idx.stats()
    # Whole articles only: each story has two paragraphs.
    assert stats.paragraphs == 2 * stats.articles
    in_index, in_store = agreement(index)
    if idx.pending:
        # Killed between the index commit and the store commit: the next writer
        # reconciles before anything else, which is what this does.
        store = RawStore(index / "raw.sqlite")
        with idx.exclusive():
            reconcile(idx, store, IngestOptions())
        store.close()
        in_index, in_store = agreement(index)
    assert in_index == in_store
    return stats.articles > 0


def test_kill_9_at_ten_random_moments(tmp_path: Path):
    corpus = write_stories(tmp_path / "corpus.jsonl", 4000)
    index = tmp_path / "index"
    rng = random.Random(int(os.environ.get("KILL_SEED", "20261125")))
    seen_progress = False
    command = [sys.executable, "-m", "search_app.cli", "ingest", str(corpus), "--index", str(index)]
    for kill in range(11):
        if kill == 10 and seen_progress:
            break
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if kill < 10:
            time.sleep(rng.uniform(0.5, 8.0))
        else:
            # On a loaded machine no random moment may have come after a commit:
            # kill this one just after its first, so a commit is always tested.
            deadline = time.monotonic() + 120
            while not _committed(index) and time.monotonic() < deadline:
                time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        seen_progress = _check_after_kill(index) or seen_progress
    assert seen_progress
    report = ingest([str(corpus)], index)
    assert not report.failed
    stats = ParagraphIndex.open(index).stats()
    assert (stats.articles, stats.paragraphs) == (4000, 8000)
    in_index, in_store = agreement(index)
    assert in_index == in_store and len(in_store) == 4000


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG like a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_leaves_the_previous_index_intact(tmp_path: Path):
    index = tmp_path / "index"
    assert ingest([str(SEEDS)], index).new == 3
    before = ParagraphIndex.open(index).stats()
    corpus = write_stories(tmp_path / "big.jsonl", 3000)
    done = cli("ingest", str(corpus), "--index", str(index), preexec_fn=_limit_file_size(200_000))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error:" in done.stderr and "too large" in done.stderr.lower(), done.stderr
    after = ParagraphIndex.open(index).stats()
    assert (after.articles, after.paragraphs) == (before.articles, before.paragraphs)
    found = cli("search", '"seeking asylum"', "--index", str(index), "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total_articles"] == 3
    # With room again, the same ingest completes.
    assert not ingest([str(corpus)], index).failed
    in_index, in_store = agreement(index)
    assert in_index == in_store and len(in_index) == 3003


def test_a_damaged_segment_is_reported_and_reindex_repairs_it(tmp_path: Path):
    index = tmp_path / "index"
    assert ingest([str(SEEDS)], index).new == 3
    segments = sorted((index / "whoosh").glob("*.seg"))
    assert segments
    segments[0].write_bytes(b"\0" * 64)  # truncated and zeroed, as after a bad disk
    done = cli("search", "asylum", "--index", str(index))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "reindex" in done.stderr, done.stderr
    fixed = cli("reindex", "--index", str(index))
    assert fixed.returncode == 0, fixed.stderr + fixed.stdout
    found = cli("search", '"seeking asylum"', "--index", str(index), "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total_articles"] == 3


def test_a_missing_segment_is_reported_and_reindex_repairs_it(tmp_path: Path):
    index = tmp_path / "index"
    assert ingest([str(SEEDS)], index).new == 3
    for seg in (index / "whoosh").glob("*.seg"):
        seg.unlink()
    done = cli("stats", "--index", str(index))
    assert done.returncode == 1 and "reindex" in done.stderr and "Traceback" not in done.stderr
    assert cli("reindex", "--index", str(index)).returncode == 0
    stats = ParagraphIndex.open(index).stats()
    assert stats.articles == 3
