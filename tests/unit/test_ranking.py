"""Ranking: all the words first; partial matches follow, flagged, counted apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

DOCS = {
    "all-three": "Coastal flood defences failed as the storm surge reached the harbour town.",
    "all-three-b": "The storm surge and a flood closed the harbour road for a week.",
    "two-words": "A winter storm brought a flood warning to inland farms and villages.",
    "one-word": "Storm clouds gathered over the capital as parliament met to vote.",
    "none": "The central bank kept interest rates unchanged for the third month.",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("ranking")
    src = root / "docs.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for doc_id, text in DOCS.items():
            fh.write(json.dumps({"id": doc_id, "title": "", "text": text}) + "\n")
    index = root / "index"
    report = ingest([str(src)], index)
    assert report.new == len(DOCS), report.as_dict()
    return SearchService(index, Settings(index=Path(index), cache_size=0))


def ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.id for r in page.results]


def test_partial_matches_follow_the_articles_with_every_word_and_are_flagged(service):
    page = service.search(SearchRequest(q="storm flood harbour", per_page=10))
    assert set(ids(page)[:2]) == {"all-three", "all-three-b"}
    assert set(ids(page)[2:]) == {"two-words", "one-word"}
    assert page.relaxed
    assert [r.partial for r in page.results] == [False, False, True, True]


def test_no_partial_matches_when_every_word_fills_a_page(service):
    page = service.search(SearchRequest(q="storm flood harbour", per_page=2))
    assert set(ids(page)) == {"all-three", "all-three-b"}
    assert page.total_articles == 2
    assert not page.relaxed and not any(r.partial for r in page.results)
    # Counted all the same, and the next page holds them.
    assert page.partial_articles == 2 and page.pages == 2
    after = service.search(SearchRequest(q="storm flood harbour", per_page=2, page=2))
    assert set(ids(after)) == {"two-words", "one-word"}
    assert after.relaxed and all(r.partial for r in after.results)
    assert after.total_articles == 2 and after.partial_articles == 2


def test_stopwords_outside_phrases_do_not_make_a_match_partial(service):
    page = service.search(SearchRequest(q="the storm and the flood", per_page=1))
    assert not page.relaxed
    assert ids(page)[0] in {"all-three", "all-three-b", "two-words"}


def test_a_query_pasted_with_list_numbering_runs(service):
    page = service.search(SearchRequest(q="1) storm surge 2) harbour", per_page=10))
    assert ids(page)[0] in {"all-three", "all-three-b"}
    assert "none" not in ids(page)


def test_a_pasted_text_is_one_ranked_list_without_partial_labels(service):
    # Past 30 words a query is pasted text: the articles holding any of its words,
    # ranked, none of them "partial" (its source matches all but a few of them).
    pasted = (
        "Coastal flood defences failed as the storm surge reached the harbour town, "
        "and officials said repairs to the sea wall, the pumps and the roads along the "
        "front would take a year while families waited for news about compensation"
    )
    assert len(pasted.split()) > 30
    page = service.search(SearchRequest(q=pasted, per_page=10))
    assert ids(page)[0] == "all-three"
    assert page.partial_articles == 0 and not page.relaxed
    assert not any(r.partial for r in page.results)
    assert page.total_articles == len(page.results) == 4  # every article but "none"


@pytest.mark.parametrize(
    "decorated", ["storm 🌩️", "🌩️ storm", "storm ❤️", "storm 👍🏽", "storm\u200d⛈"]
)
def test_emoji_and_their_selectors_are_not_search_words(service, decorated):
    # A variation selector (U+FE0F) after an emoji used to become a word no
    # article holds: the query then found only partial matches.
    page = service.search(SearchRequest(q=decorated, per_page=10))
    plain = service.search(SearchRequest(q="storm", per_page=10))
    assert ids(page) == ids(plain) and page.total_articles == plain.total_articles
    assert not page.relaxed
