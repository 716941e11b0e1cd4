"""The vocabulary file beside the index: counted by the real pipeline, kept exact."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.pipeline import clean_raw, ingest, reindex, remove_article
from search_app.store import RawStore
from search_app.vocabulary import (
    VOCABULARY_FILE,
    Rebuild,
    SpellerCache,
    Vocabulary,
    article_terms,
)

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _bbc(n: int) -> list[dict]:
    """``n`` BBC stories, every third of the slice: all five sections."""
    with gzip.open(DATA / "bbc-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh][::3][:n]


def _recount(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The vocabulary counted from scratch from what the raw store holds now."""
    store = RawStore(ParagraphIndex.open(root).store_path)
    counts: Counter[str] = Counter()
    try:
        for entry in store.entries():
            counts.update(article_terms(clean_raw(store.get(entry.article_id)).article))
    finally:
        store.close()
    words = {t: n for t, n in counts.items() if " " not in t}
    phrases = {t: n for t, n in counts.items() if " " in t}
    return words, phrases


def _held(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    with Vocabulary.in_index(root) as vocab:
        return vocab.words(), vocab.phrases(min_count=1)


@pytest.fixture(scope="module")
def bbc_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vocab")
    jsonl = _write_jsonl(folder / "bbc.jsonl", _bbc(60))
    root = folder / "index"
    report = ingest([str(SEEDS), str(jsonl)], root)
    assert report.ok and report.new == 63, report.as_dict()
    return root


@pytest.fixture
def index(tmp_path: Path, bbc_index: Path) -> Path:
    dest = tmp_path / "index"
    shutil.copytree(bbc_index, dest)
    return dest


def test_ingest_counts_surface_words_and_phrases_per_article(bbc_index):
    words, phrases = _held(bbc_index)
    assert (words, phrases) == _recount(bbc_index)
    assert words["government"] >= 5 and "govern" not in words  # surface words, no stems
    assert phrases["prime minister"] >= 3
    assert not any(w.isdigit() for w in words)


def test_replacing_and_removing_articles_subtracts_exactly(index, tmp_path):
    first = _bbc(60)[0]
    before = _held(index)[0]["government"]
    changed = dict(first, text=first["text"] + "\n\nA coffee goverment paragraph.")
    assert ingest([str(_write_jsonl(tmp_path / "a.jsonl", [changed]))], index).updated == 1
    words, _ = _held(index)
    assert words["goverment"] == 1
    assert (words, _held(index)[1]) == _recount(index)

    assert remove_article(index, first["id"])
    words, phrases = _held(index)
    assert "goverment" not in words
    assert (words, phrases) == _recount(index)
    assert words["government"] == before - ("government" in first["text"].lower())


def test_reindex_rebuilds_the_vocabulary_from_the_raw_store(index):
    (index / VOCABULARY_FILE).unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(index / VOCABULARY_FILE) + suffix).unlink(missing_ok=True)
    assert reindex(index).ok
    assert _held(index) == _recount(index)


def test_an_interrupted_flush_is_reconciled_on_the_next_write(index, tmp_path):
    # A crash after the store's commit and before the vocabulary's leaves the
    # pending marker set and the vocabulary behind: the next ingest catches up.
    first = _bbc(60)[0]
    with Vocabulary.in_index(index) as vocab:
        vocab.update(deletes=[first["id"]])
    ParagraphIndex.open(index).set_pending(True)
    extra = _bbc(61)[60:]
    assert ingest([str(_write_jsonl(tmp_path / "b.jsonl", extra))], index).new == 1
    assert _held(index) == _recount(index)
    assert first["id"] in Vocabulary.in_index(index).hashes()


def test_the_speller_cache_loads_the_vocabulary_and_follows_changes(index, tmp_path):
    cache = SpellerCache(index)
    speller = cache.get()
    assert speller is not None and speller.correct("goverment").suggestion == "government"
    assert cache.get() is speller  # no change, no rebuild
    added = {"id": "new-1", "title": "Myanmar", "text": "Myanmar junta and Myanmar people."}
    ingest([str(_write_jsonl(tmp_path / "c.jsonl", [added]))], index)
    fresh = cache.get(wait=True)
    assert fresh is not speller and fresh.complete("myanm") == ["myanmar"]


def test_an_index_without_a_vocabulary_has_no_speller(tmp_path):
    assert SpellerCache(tmp_path).get() is None


def test_a_rebuild_dropped_before_its_commit_leaves_the_vocabulary_as_it_was(index):
    before = _held(index)
    store = RawStore(ParagraphIndex.open(index).store_path)
    try:
        stored = clean_raw(store.get(_bbc(1)[0]["id"]))
    finally:
        store.close()
    with Vocabulary.in_index(index) as vocab:
        rebuilding = Rebuild(vocab)
        rebuilding.add(stored)
        assert vocab.words() == before[0]  # nothing visible until commit
    assert _held(index) == before
