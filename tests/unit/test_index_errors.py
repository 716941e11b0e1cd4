"""Index folders that can't be used give a message that names the fix."""

import json
import threading
import time

import pytest

from search_app.engine.whoosh.indexing import (
    IndexBusy,
    IndexNotFound,
    ParagraphIndex,
    SchemaMismatch,
)


def test_missing_index_says_how_to_create_one(tmp_path):
    with pytest.raises(IndexNotFound, match="search-app ingest"):
        ParagraphIndex.open(tmp_path / "nowhere")


def test_other_schema_version_says_to_reindex(tmp_path):
    ParagraphIndex.open(tmp_path, create=True)
    (tmp_path / "meta.json").write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(SchemaMismatch, match=r"schema version 0.*search-app reindex"):
        ParagraphIndex.open(tmp_path)


def test_second_writer_waits_then_says_busy(tmp_path):
    idx = ParagraphIndex.open(tmp_path, create=True)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with idx.exclusive():
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    started = time.monotonic()
    with pytest.raises(IndexBusy, match="another process is writing"):
        with ParagraphIndex.open(tmp_path).exclusive(timeout=0.5):
            pass
    assert time.monotonic() - started >= 0.5
    release.set()
    t.join()
    with ParagraphIndex.open(tmp_path).exclusive(timeout=0.5):
        pass  # free again once the first writer is done
