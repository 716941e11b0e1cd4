"""The in-memory postings pool writes the same segments as Whoosh's sorting pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app.engine.whoosh import postings_pool, writer
from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.pipeline import IngestOptions, ingest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _build(root: Path, memory_pool: bool) -> Path:
    """Ours (memory pool, short blocks uncompressed) or Whoosh's own writing, as shipped."""
    index = root / ("memory" if memory_pool else "whoosh")
    # One process, one commit per ingest: the same segments on every run.
    one_commit = IngestOptions(
        batch_size=100_000, batch_seconds=3600.0, workers=1, whoosh_writing=not memory_pool
    )
    ingest([str(ROOT / "seeds")], index, one_commit)
    wire = ROOT / "tests" / "data" / "wire.jsonl"
    ingest([str(wire)], index, one_commit)
    # A long posting list (more than one 128-posting block) and a replaced article.
    many = root / "many.jsonl"
    with many.open("w", encoding="utf-8") as fh:
        for i in range(300):
            doc = {"id": f"m{i}", "title": f"Harbour note {i}", "text": f"The harbour {i} opened."}
            fh.write(json.dumps(doc) + "\n")
        first = json.loads(wire.read_text(encoding="utf-8").splitlines()[0])
        first["text"] += "\n\nA harbour paragraph was added later."
        fh.write(json.dumps(first) + "\n")
    ingest([str(many)], index, one_commit)
    return index


def _contents(index: Path) -> list:  # type: ignore[type-arg]
    """Every segment's terms with their statistics and postings, in order."""
    out = []
    ix = ParagraphIndex.open(index)
    with ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            terms = []
            for fieldname, btext in leaf.all_terms():
                info = leaf.term_info(fieldname, btext)
                stats = (
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                    info.min_id(),
                    info.max_id(),
                )
                m = leaf.postings(fieldname, btext)
                postings = []
                while m.is_active():
                    postings.append((m.id(), m.weight(), m.value()))
                    m.next()
                terms.append((fieldname, btext, stats, postings))
            out.append((leaf.doc_count_all(), terms))
    return sorted(out, key=repr)  # segment order in the table of contents varies


def test_memory_pool_writes_what_whoosh_pool_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = _contents(_build(tmp_path, True))
    theirs = _contents(_build(tmp_path, False))
    assert len(ours) >= 2  # several segments
    assert any(len(p) > 128 for _, terms in ours for *_, p in terms)  # multi-block lists
    assert ours == theirs


def test_short_blocks_are_stored_uncompressed_long_ones_compressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _build(tmp_path, True)
    compressed = set()
    with ParagraphIndex.open(index).searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            for fieldname, btext in leaf.all_terms():
                m = leaf.postings(fieldname, btext)
                m = getattr(m, "child", m)
                if hasattr(m, "_compression"):
                    compressed.add(bool(m._compression))
    assert compressed == {True, False}


def test_a_pool_past_its_bound_hands_over_to_whoosh_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge of big segments (optimize) must not hold every posting in memory."""
    theirs = _contents(_build(tmp_path, False))
    spills: list[int] = []
    original = postings_pool.MemoryPool._spill

    def counted(self):  # type: ignore[no-untyped-def]
        spills.append(self._count)
        original(self)

    monkeypatch.setattr(postings_pool.MemoryPool, "MAX_POSTINGS", 500)
    monkeypatch.setattr(postings_pool.MemoryPool, "_spill", counted)
    index = _build(tmp_path / "bounded", True)
    assert spills  # the bound was reached, and Whoosh's pool took over
    assert _contents(index) == theirs
    ParagraphIndex.open(index).optimize()
    with ParagraphIndex.open(index).searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 1
    assert (
        ParagraphIndex.open(index).stats().paragraphs
        == ParagraphIndex.open(tmp_path / "whoosh").stats().paragraphs
    )


def test_each_articles_title_and_source_are_analysed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every paragraph repeats its article's title and source; the analysis is reused."""
    from search_app import analysis

    analysed: list[str] = []
    real = analysis.term_positions

    def counting(text: str) -> dict[str, list[int]]:
        analysed.append(text)
        return real(text)

    monkeypatch.setattr(writer, "fast_positions", lambda a: counting if a else None)
    src = tmp_path / "one.jsonl"
    paragraphs = "\n\n".join(f"Paragraph {i} of the harbour story." for i in range(5))
    doc = {"id": "h1", "title": "Harbour reopens", "text": paragraphs}
    src.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    ingest([str(src)], tmp_path / "index", IngestOptions(workers=1))
    assert analysed.count("Harbour reopens") == 1
    assert sum(1 for t in analysed if t.startswith("Paragraph")) == 5
