"""Reindex decides on damage only under the write lock, sizes tolerate vanishing files,
and what failed commits leave behind is cleaned up (issue 18, items 11 and 13).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from search_app.engine.whoosh.indexing import IndexBusy, ParagraphIndex, write_lock
from search_app.engine.whoosh.maintenance import damage, index_bytes
from search_app.pipeline import IngestOptions, ingest, reindex
from tests.conftest import SEEDS

TEXT = "Volunteers counted sixty pelicans in the harbour of Lisbon on Sunday morning. " * 3


def whoosh_files(index: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in (index / "whoosh").iterdir() if p.is_file()}


def test_a_damaged_index_is_not_recreated_while_another_process_holds_the_lock(
    writable_index: Path,
):
    meta = writable_index / "meta.json"
    meta.write_text(json.dumps({"schema_version": 0}))  # an older schema: real damage
    before = whoosh_files(writable_index)
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with write_lock(writable_index):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(5)
        with pytest.raises(IndexBusy):
            reindex(writable_index, IngestOptions(writer_timeout=0.5))
        # Nothing was started over behind the other writer's back.
        assert json.loads(meta.read_text())["schema_version"] == 0
        assert whoosh_files(writable_index) == before
    finally:
        release.set()
        thread.join()
    report = reindex(writable_index, IngestOptions())
    assert report.updated == 7 and ParagraphIndex.open(writable_index).stats().articles == 7


def test_real_damage_is_rebuilt_and_a_healthy_index_is_not(writable_index: Path):
    assert damage(ParagraphIndex.open(writable_index)) is None
    seg = next((writable_index / "whoosh").glob("*.seg"))
    seg.write_bytes(b"\0" * seg.stat().st_size)
    index = ParagraphIndex.open(writable_index)
    assert damage(index) is not None
    report = reindex(writable_index, IngestOptions())
    assert report.updated == 7 and not report.failed
    assert damage(ParagraphIndex.open(writable_index)) is None


def test_the_size_walk_tolerates_files_vanishing_under_it(writable_index: Path):
    index = ParagraphIndex.open(writable_index)
    stop = threading.Event()
    churn = writable_index / "churn"
    churn.mkdir()

    def vanish() -> None:
        n = 0
        while not stop.is_set() and n < 200_000:
            path = churn / f"f{n % 50}"
            path.write_bytes(b"x")
            path.unlink()
            n += 1

    thread = threading.Thread(target=vanish)
    thread.start()
    try:
        deadline = time.monotonic() + 2.0
        calls = 0
        while time.monotonic() < deadline:
            assert index_bytes(writable_index, index.ix) > 0
            calls += 1
        assert damage(index) is None and index.stats().articles == 7
    finally:
        stop.set()
        thread.join()
    assert calls > 10


def test_orphans_of_failed_commits_are_not_counted_and_go_at_the_next_write(tmp_path: Path):
    index = tmp_path / "index"
    assert ingest([str(SEEDS)], index).new == 3
    before = ParagraphIndex.open(index).stats().index_bytes
    whoosh = index / "whoosh"
    (whoosh / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"\1" * 1_000_000)  # a killed commit's
    (whoosh / "_MAIN_0.toc").write_bytes(b"\1" * 1000)  # a superseded table of contents
    scratch = whoosh / "MAIN.tmp"  # the writer's scratch folder of a killed reindex
    scratch.mkdir()
    (scratch / "spill.pst").write_bytes(b"\1" * 2_000_000)
    assert ParagraphIndex.open(index).stats().index_bytes == before
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "p.txt").write_text(TEXT)
    assert ingest([str(pages)], index).new == 1
    left = {p.name for p in whoosh.iterdir()}
    assert not {"MAIN_zzzzzzzzzzzzzzzz.seg", "_MAIN_0.toc", "MAIN.tmp"} & left
    assert ParagraphIndex.open(index).stats().articles == 4
