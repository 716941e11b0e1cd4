"""Searches over indexes shaped the way real use shapes them: parallel ingests that
split an article across segments, undated articles, nothing matching every word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app import create_app
from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import IngestOptions, ingest
from search_app.service import SearchService


def _jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def test_parallel_ingest_articles_are_whole_across_segments(tmp_path: Path) -> None:
    """Whoosh's multiprocess writer cuts batches by document count, so an article's
    record and its paragraphs can land in different segments: still one article,
    with its title, listed once."""
    docs = [
        {
            "id": f"b{i}",
            "title": f"Harbour report {i}",
            "date": "2021-03-01",
            "text": f"Ships waited in the harbour, report {i}.\n\nThe port reopened on day {i}.",
        }
        for i in range(400)
    ]
    index = tmp_path / "index"
    report = ingest([str(_jsonl(tmp_path / "b.jsonl", docs))], index, IngestOptions(workers=2))
    assert report.new == 400, report.as_dict()
    service = SearchService(index, Settings(index=index, cache_size=0))
    assert len(service._current().searcher.reader().leaf_readers()) >= 2
    first = service.search(SearchRequest("harbour", per_page=100))
    assert first.total_articles == 400
    seen: list[str] = []
    for page in range(1, first.pages + 1):
        for r in service.search(SearchRequest("harbour", per_page=100, page=page)).results:
            assert r.title == f"Harbour report {r.id[1:]}", r.id
            assert r.published is not None, r.id
            seen.append(r.id)
    assert sorted(seen) == sorted(d["id"] for d in docs)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("edges")
    docs = [
        {"id": "d1", "title": "Storm", "date": "2021-05-01", "text": "A storm hit the coast."},
        {"id": "d2", "title": "Storm", "date": "2020-05-01", "text": "A storm hit the hills."},
        {"id": "u1", "title": "Storm", "text": "A storm with no date on the page."},
        {
            "id": "weak",
            "title": "Weather",
            "date": "2019-01-01",
            "text": "Rain, then sun, then a storm late in the long afternoon of a long day.",
        },
        {
            "id": "strong",
            "title": "Storm storm",
            "date": "2019-01-01",
            "text": "Storm after storm: the storm season.",
        },
    ]
    index = root / "index"
    ingest([str(_jsonl(root / "s.jsonl", docs))], index)
    return SearchService(index, Settings(index=index, cache_size=0))


def test_undated_articles_sort_last_either_way(small: SearchService) -> None:
    newest = [r.id for r in small.search(SearchRequest("storm", sort="newest")).results]
    oldest = [r.id for r in small.search(SearchRequest("storm", sort="oldest")).results]
    assert newest[:2] == ["d1", "d2"] and newest[-1] == "u1"
    assert oldest[-1] == "u1" and oldest.index("d2") < oldest.index("d1")


def test_equal_dates_put_the_better_match_first(small: SearchService) -> None:
    for sort in ("newest", "oldest"):
        ids = [r.id for r in small.search(SearchRequest("storm", sort=sort)).results]
        assert ids.index("strong") < ids.index("weak"), sort


def test_a_date_limit_leaves_undated_articles_out(small: SearchService) -> None:
    page = small.search(SearchRequest("storm", date_from="2021"))
    assert [r.id for r in page.results] == ["d1"]
    assert page.excluded_undated == 1  # u1, said so
    assert small.search(SearchRequest("storm date:2021")).excluded_undated == 1
    assert small.search(SearchRequest("storm")).excluded_undated == 0  # no date limit


def test_undated_articles_have_a_facet_value_and_a_timeline_bucket(small: SearchService) -> None:
    page = small.search(SearchRequest("storm"))
    years = {f.value: f.count for f in page.facets["year"]}
    assert years == {"2021": 1, "2020": 1, "2019": 2, "undated": 1}
    assert (page.timeline[-1].label, page.timeline[-1].count) == ("undated", 1)
    assert page.timeline[-1].date_from == page.timeline[-1].date_to == ""
    assert sum(b.count for b in page.timeline) == page.total_articles == 5


def test_partial_matches_are_flagged_when_nothing_has_every_word(small: SearchService) -> None:
    page = small.search(SearchRequest("storm visitor"))
    assert page.total_articles == 0 and page.total_paragraphs == 0
    assert page.partial_articles == 5 and page.pages == 1
    assert page.facets_partial is True  # the facets count the partial matches, and say so
    assert sum(v.count for v in page.facets["source"]) == 5
    assert page.relaxed is True
    assert all(r.partial for r in page.results)


def test_the_last_page_offered_is_never_empty_when_copies_fold(tmp_path: Path) -> None:
    # 12 stories and 8 word-for-word copies: 20 articles match, 12 results show.
    # Once a page's ranks reach the end, the page count is the results shown
    # (3 pages of 5, not 4), and a page past it says so instead of "no match".
    stories = [
        {"id": f"{kind}{i}", "title": f"Story {i}", "text": f"Harbour story {i}, tides {i}."}
        for kind, count in (("s", 12), ("c", 8))
        for i in range(count)
    ]
    index = tmp_path / "index"
    assert ingest([str(_jsonl(tmp_path / "s.jsonl", stories))], index, IngestOptions()).new == 20
    service = SearchService(index, Settings(index=index, cache_size=0))
    try:
        shown = [service.search(SearchRequest("harbour", page=p, per_page=5)) for p in (1, 2, 3)]
        assert [len(s.results) for s in shown] == [5, 5, 2]
        assert shown[2].pages == 3 and shown[2].total_articles == 20
        assert sorted(r.id for s in shown for r in s.results) == sorted(f"s{i}" for i in range(12))
    finally:
        service.close()
    app = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0})
    html = app.test_client().get("/search?q=harbour&per_page=5&page=4").get_data(as_text=True)
    assert "Page 4 is past the last page of results." in html and "No articles match" not in html
    assert "page=3" in html


def test_slashed_numbers_are_one_phrase(tmp_path: Path) -> None:
    # "9/11" was 9 AND 11 anywhere: "Wales won 11-9 ... on 9 November" matched.
    docs = [
        {"id": "attacks", "title": "", "text": "Twenty years after the 9/11 attacks."},
        {"id": "rugby", "title": "", "text": "Wales won 11-9 on 9 November, and again on 11 May."},
        {"id": "shop", "title": "", "text": "The shop is open 24/7 now."},
    ]
    index = tmp_path / "index"
    ingest([str(_jsonl(tmp_path / "n.jsonl", docs))], index, IngestOptions())
    service = SearchService(index, Settings(index=index, cache_size=0))
    try:
        for q, expected in [
            ("9/11", ["attacks"]),
            ("9/11 attacks", ["attacks"]),
            ("24/7", ["shop"]),
        ]:
            page = service.search(SearchRequest(q, per_page=10, nocorrect=True))
            assert [r.id for r in page.results if not r.partial] == expected, q
    finally:
        service.close()
