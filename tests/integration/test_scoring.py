"""The block-at-a-time scorer gives Whoosh's own scores, and its caches never go stale."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.engine.whoosh.caches import PostingsCache
from search_app.engine.whoosh.doctables import DocTables, SegmentCache
from search_app.engine.whoosh.scoring import QueryScorer
from search_app.engine.whoosh.syntax import compile_tree
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

ROOT = Path(__file__).resolve().parents[2]

QUERIES = [
    "diplomat",
    "myanmar embassy",
    "asylum OR refugee",
    '"seeking asylum"',
    "dipl*",
    "diplomat~1",
    "title:myanmar",
    "source:bbc diplomat",
    "myanmar (junta OR military)",
    "seeking asylum",  # proximity bonus (two plain words)
    "asylum diplomats embassy",
    "NOT embassy",
    "diplomat OR NOT asylum",
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """Seeds and the wire set in separate commits, then one article replaced: several
    segments and deleted documents, as in real use."""
    root = tmp_path_factory.mktemp("scoring")
    index = root / "index"
    ingest([str(ROOT / "seeds")], index)
    wire = ROOT / "tests" / "data" / "wire.jsonl"
    ingest([str(wire)], index)
    first = json.loads(wire.read_text(encoding="utf-8").splitlines()[0])
    first["text"] += "\n\nThe diplomat was later granted asylum, the embassy said."
    update = root / "update.jsonl"
    update.write_text(json.dumps(first) + "\n", encoding="utf-8")
    report = ingest([str(update)], index)
    assert report.updated == 1, report.as_dict()
    return SearchService(index, Settings(index=index, cache_size=0))


def whoosh_scores(searcher, q) -> dict[int, float]:  # type: ignore[no-untyped-def]
    return {docnum: score for score, docnum in searcher.search(q, limit=None).top_n}


def parsed(service: SearchService, text: str):  # type: ignore[no-untyped-def]
    """The searcher, and the text's rewritten tree compiled to Whoosh's query."""
    reader = service._current()
    return reader.searcher, compile_tree(service.parse(text, reader).tree)


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whoosh_matchers(service: SearchService, text: str) -> None:
    searcher, q = parsed(service, text)
    ours = QueryScorer(searcher, DocTables(searcher, SegmentCache())).scores(q)
    theirs = whoosh_scores(searcher, q)
    assert set(ours) == set(theirs), text
    assert ours, f"{text!r} should match something in the test corpus"
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-6), (text, docnum)


def _dated(searcher, low: datetime, high: datetime) -> set[int]:  # type: ignore[no-untyped-def]
    """Live paragraphs whose stored date falls in [low, high]: what a date range means."""
    reader = searcher.reader()
    out = set()
    for docnum, fields in reader.iter_docs():
        date = fields.get("date")
        if fields.get("kind") == "p" and date is not None and low <= date <= high:
            out.add(docnum)
    return out


@pytest.mark.parametrize(
    ("text", "words", "low", "high", "either"),
    [
        (
            "embassy date:[2000 TO 2030]",
            "embassy",
            datetime(2000, 1, 1),
            datetime(2030, 12, 31, 23, 59, 59),
            False,
        ),
        (
            "asylum OR date:2011",
            "asylum",
            datetime(2011, 1, 1),
            datetime(2011, 12, 31, 23, 59, 59),
            True,
        ),
    ],
)
def test_date_ranges_are_read_from_the_date_column(
    service: SearchService, text: str, words: str, low: datetime, high: datetime, either: bool
) -> None:
    """Dates are columns, not terms: a range matches exactly the paragraphs dated in
    it, and adds the same constant to every hit's word score."""
    searcher, q = parsed(service, text)
    ours = QueryScorer(searcher, DocTables(searcher, SegmentCache())).scores(q)
    _, wq = parsed(service, words)
    theirs = whoosh_scores(searcher, wq)
    dated = _dated(searcher, low, high)
    assert dated and theirs
    expected = set(theirs) | dated if either else set(theirs) & dated
    assert expected and set(ours) == expected
    if either:
        assert dated - set(theirs), "the OR should add paragraphs found by date alone"
    both = set(theirs) & dated
    assert both
    assert len({round(ours[d] - theirs[d], 6) for d in both}) == 1


def test_not_matches_the_same_documents(service: SearchService) -> None:
    """Whoosh adds 1.0 to every hit of an AND NOT; the order and the hits are the same."""
    searcher, q = parsed(service, "diplomat NOT asylum")
    ours = QueryScorer(searcher, DocTables(searcher, SegmentCache())).scores(q)
    theirs = whoosh_scores(searcher, q)
    assert ours and set(ours) == set(theirs)
    assert {round(theirs[d] - ours[d], 6) for d in ours} == {1.0}


def test_the_index_has_several_segments_and_deletions(service: SearchService) -> None:
    reader = service._current().searcher.reader()
    assert len(reader.leaf_readers()) >= 2
    assert any(leaf.has_deletions() for leaf, _ in reader.leaf_readers())


def _write(path: Path, docs: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "title": f"Port {doc_id}", "text": text}) + "\n")


def _harbour(tmp_path: Path, n: int) -> tuple[dict[str, str], Path, Path, SearchService]:
    """``n`` articles with the word "harbour", ingested; the docs, source, index, service."""
    docs = {f"a{i}": f"Ships waited in the harbour, report number {i}." for i in range(n)}
    src = tmp_path / "port.jsonl"
    _write(src, docs)
    index = tmp_path / "index"
    ingest([str(src)], index)
    return docs, src, index, SearchService(index, Settings(index=index, cache_size=0))


def test_replaced_and_new_articles_are_seen_through_cached_postings(tmp_path: Path) -> None:
    """Decoded posting lists outlive searches; a later commit's deletions must still apply."""
    n = 120
    docs, src, index, service = _harbour(tmp_path, n)
    service.warm()
    postings = service.index._postings  # the engine's: outlives its readers
    postings.MIN_POSTINGS = 1  # keep even this corpus's short lists
    first = service.search(SearchRequest("harbour", per_page=100))
    assert first.total_articles == n
    assert postings.size > 0  # the list is held between searches

    docs["a0"] = "The ships left for open sea."  # a0 loses the word
    docs["b1"] = "A new berth opened in the harbour."
    _write(src, docs)
    ingest([str(src)], index)
    after = service.search(SearchRequest("harbour", per_page=100))
    assert after.total_articles == n  # a0 out, b1 in
    shown = {r.id for r in after.results}
    for page in range(2, after.pages + 1):
        shown |= {
            r.id for r in service.search(SearchRequest("harbour", per_page=100, page=page)).results
        }
    assert "a0" not in shown and "b1" in shown
    sea = service.search(SearchRequest('"open sea"'))
    assert [r.id for r in sea.results] == ["a0"]
    assert "harbour" not in sea.results[0].paragraphs[0].text


def test_postings_cache_stays_within_its_bound() -> None:
    cache = PostingsCache(max_bytes=20_000)
    ids = list(range(0, 2000, 2))  # 1,000 postings: 8,000 bytes of ids and weights
    for word in ("a", "b", "c", "d"):
        cache.put("seg1", ("text", word.encode()), (ids, [1.0] * len(ids), None))
    assert cache.size <= 20_000
    assert cache.get("seg1", ("text", b"a"), values=False) is None  # least recently used: out
    assert cache.get("seg1", ("text", b"d"), values=False) is not None
    assert cache.get("seg1", ("text", b"d"), values=True) is None  # positions never asked for
    cache.keep_only({"seg2"})  # seg1 merged away
    assert cache.size == 0 and cache.get("seg1", ("text", b"d"), values=False) is None


@pytest.mark.parametrize("text", ['"seeking asylum"', "seeking asylum", '"military coup"'])
def test_phrases_from_cached_decoded_positions_match_whoosh(
    service: SearchService, text: str
) -> None:
    """The cache keeps decoded positions once a phrase has asked: same answers after."""
    searcher, q = parsed(service, text)
    tables = DocTables(searcher, SegmentCache())
    cache = PostingsCache(max_bytes=2**24)
    cache.MIN_POSTINGS = 1  # keep even this corpus's short lists
    theirs = whoosh_scores(searcher, q)
    for _ in range(3):  # fill, then decoded positions, then again
        ours = QueryScorer(searcher, tables, cache=cache).scores(q)
        assert set(ours) == set(theirs) and ours, text
    assert any(isinstance(entry[2][0], tuple) for entry in cache.entries() if entry[2])


def test_word_scores_are_reused_until_a_commit_and_never_go_stale(tmp_path: Path) -> None:
    """A word's scores are kept for the searcher they came from; a commit starts afresh."""
    n = 60
    docs, src, index, service = _harbour(tmp_path, n)
    first = service.search(SearchRequest("harbour", per_page=100))
    words = service._current()._word_scores
    assert words is not None
    words.MIN_DOCS = 1  # keep even this corpus's short lists
    again = service.search(SearchRequest("harbour", per_page=100))
    assert words.entries > 0  # scored once, kept
    third = service.search(SearchRequest("harbour", per_page=100))
    assert [(r.id, r.score) for r in third.results] == [(r.id, r.score) for r in again.results]
    assert [(r.id, r.score) for r in first.results] == [(r.id, r.score) for r in again.results]

    docs["a0"] = "The ships left for open sea."
    docs["b1"] = "A new berth opened in the harbour, the harbour master said."
    _write(src, docs)
    ingest([str(src)], index)
    after = service.search(SearchRequest("harbour", per_page=100))
    assert service._current()._word_scores is not words  # a new searcher, new word scores
    ids = [r.id for r in after.results]
    assert "a0" not in ids and "b1" in ids and len(ids) == n
    fresh = SearchService(index, Settings(index=index, cache_size=0, postings_cache_mb=0))
    expected = fresh.search(SearchRequest("harbour", per_page=100))
    assert [(r.id, r.score) for r in after.results] == [(r.id, r.score) for r in expected.results]
