"""Opening a searcher reads the mapped segment in place: no private copy of the postings."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.pipeline import ingest


def test_opening_a_searcher_does_not_copy_the_index(tmp_path: Path) -> None:
    src = tmp_path / "many.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(600):
            text = f"Report {i}: ships, cranes and cargo in harbour number {i % 37}. " * 6
            fh.write(json.dumps({"id": f"r{i}", "title": f"Port {i}", "text": text}) + "\n")
    index = tmp_path / "index"
    ingest([str(src)], index)
    on_disk = sum(f.stat().st_size for f in (index / "whoosh").iterdir() if f.is_file())
    assert on_disk > 500_000

    ix = ParagraphIndex.open(index)
    tracemalloc.start()
    searcher = ix.searcher()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    try:
        assert peak < on_disk * 0.2, (peak, on_disk)  # a copy would be most of the file
        leaf = searcher.reader().leaf_readers()[0][0]
        assert not isinstance(leaf._terms._postfile.file, io.BytesIO)
        assert searcher.doc_count() > 600
    finally:
        searcher.close()
