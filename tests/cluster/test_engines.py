"""The core of the web and API tests, run on both engines: Whoosh and a real search cluster.

The tests below are the existing ones, imported unchanged; this module's
``client`` is the engine-parametrised one (tests/cluster/engines.py), so
each runs once on the Whoosh index and once on the same seven articles in a
2 x 2 cluster of searchd processes. Then checks that compare the engines
directly: the same articles for exact and boolean queries, and identical
highlight marks on the paragraphs both show.
"""

from __future__ import annotations

import pytest

from search_app import create_app

# The existing tests this module runs on both engines (pytest collects them here too).
from tests.web.test_api import (  # noqa: F401
    test_a_word_in_no_document_is_corrected_and_searched_at_once,
    test_an_unknown_word_is_not_replaced_by_a_stopword,
    test_article_endpoint_has_paragraphs_removed_and_provenance,
    test_date_queries_alone_and_combined,
    test_facets_and_timeline_have_counts,
    test_impossible_dates_are_a_400_naming_the_date,
    test_known_words_are_not_corrected,
    test_live_search_matches_the_last_word_as_a_prefix,
    test_nocorrect_searches_as_typed_and_offers_the_suggestion,
    test_pages_do_not_overlap,
    test_paragraph_counts_and_shown_hits_ignore_headline_only_matches,
    test_query_field_filters_and_fuzzy_and_prefix,
    test_search_returns_articles_with_highlighted_paragraphs,
    test_sort_oldest,
    test_source_and_date_filters_combine_with_the_query,
    test_stats_and_health,
    test_suggest_autocompletes_from_the_index_vocabulary,
    test_suggest_closes_an_open_phrase,
)
from tests.web.test_error_shape import (  # noqa: F401
    test_bad_parameters_are_400,
    test_bad_queries_are_400_with_a_precise_message,
    test_unknown_paths_and_articles_are_404,
)
from tests.web.test_pages import (  # noqa: F401
    test_article_page_has_anchors_hit_strip_removed_and_provenance,
    test_explain_shows_parsed_query_and_stems,
    test_highlights_contain_only_mark_elements,
    test_malformed_query_gets_a_precise_message_not_an_error_page,
    test_pagination_links_and_pages,
    test_phrase_query_lists_the_three_seed_articles_with_both_words_marked,
    test_results_link_to_the_matching_paragraph_anchor,
    test_shared_wire_paragraph_is_shown_once_with_also_in_links,
    test_sort_newest_orders_by_date,
    test_source_facet_narrows_the_results,
    test_timeline_bars_filter_to_their_period,
    test_unknown_article_is_a_404_page,
)

pytestmark = pytest.mark.cluster


@pytest.fixture
def client(engine_client):  # type: ignore[no-untyped-def]
    """The imported tests' client, on each engine in turn."""
    return engine_client


# ---------------------------------------------------------------- the engines side by side

SAME_ARTICLES = [
    '"seeking asylum"',
    'exact:"seeking asylum"',
    "asylum diplomat",
    "myanmar -embassy",
    "myanmar NOT (embassy OR coup)",
    "(asylum OR refuge) diplomat",
    "title:myanmar",
    "source:reuters",
    "date:2021 OR date:2011 myanmar",
    "myanmar date:[2021-04 TO 2021-05]",
    "asyl*",
    "asylm~",
    "U.S. asylum",
    "diplomat asylum zzzqqq",  # no article has every word: partial matches only
    "release",  # stems Snowball changes again ("releas" -> "relea"): compile.sphinx_word
    "burmese imposed",
]


@pytest.fixture(scope="module")
def both(corpus_index, cluster_corpus):  # type: ignore[no-untyped-def]
    whoosh = create_app({"INDEX": str(corpus_index), "TESTING": True, "RATE_LIMIT": 0})
    root, setting = cluster_corpus
    sphinx = create_app({"INDEX": str(root), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
    return whoosh.test_client(), sphinx.test_client()


@pytest.mark.parametrize("q", SAME_ARTICLES)
def test_both_engines_find_the_same_articles_and_counts(both, q: str) -> None:
    whoosh, sphinx = (
        c.get("/api/search", query_string={"q": q, "per_page": 100}).get_json() for c in both
    )
    assert whoosh["total_articles"] + whoosh["partial_articles"] > 0
    keys = ("total_articles", "total_paragraphs", "partial_articles", "facets_partial", "relaxed")
    for key in (*keys, "excluded_undated", "query"):
        assert whoosh[key] == sphinx[key], key
    if not any(c in q for c in "*~") and "source:" not in q:
        # Expansions list the terms each engine's lexicon has (README: engine differences).
        assert whoosh["parsed_query"] == sphinx["parsed_query"]
    assert {(r["id"], r["partial"]) for r in whoosh["results"]} == {
        (r["id"], r["partial"]) for r in sphinx["results"]
    }
    assert whoosh["facets"] == sphinx["facets"] and whoosh["timeline"] == sphinx["timeline"]


@pytest.mark.parametrize("q", ['"seeking asylum"', "myanmar diplomat", "asyl*", "defects"])
def test_highlight_marks_are_identical_on_both_engines(both, q: str) -> None:
    """Our highlighter on the stored paragraph text: the same marks, whichever engine found it."""
    pages = [c.get("/api/search", query_string={"q": q, "per_page": 100}).get_json() for c in both]
    shown = [
        {(r["id"], p["position"]): p["highlight"] for r in page["results"] for p in r["paragraphs"]}
        for page in pages
    ]
    common = set(shown[0]) & set(shown[1])
    assert common
    for key in common:
        assert shown[0][key] == shown[1][key]
    for page in pages:  # and the article page marks the same paragraphs
        first = page["results"][0]["id"]
    views = [c.get(f"/api/articles/{first}", query_string={"q": q}).get_json() for c in both]
    assert views[0]["hit_positions"] == views[1]["hit_positions"]
    assert [p["highlight"] for p in views[0]["paragraphs"]] == [
        p["highlight"] for p in views[1]["paragraphs"]
    ]


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("-asylum", "at least one word"),
        ("asylum OR date:2011", "date: range"),
    ],
)
def test_what_only_the_cluster_refuses_is_a_400_saying_why(both, q: str, fragment: str) -> None:
    """Listed in the README's engine differences: no pure-NOT query, no date inside an OR."""
    resp = both[1].get("/api/search", query_string={"q": q})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "bad_query" and fragment in error["message"]
    assert both[0].get("/api/search", query_string={"q": q}).status_code == 200


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_undated_articles_sort_last_either_way_on_both_engines(engine_client, sort: str) -> None:
    data = engine_client.get(f"/api/search?q=myanmar&sort={sort}&per_page=20").get_json()
    dates = [r["published"] for r in data["results"]]
    dated = [d for d in dates if d]
    assert None in dates and dates == dated + [None] * (len(dates) - len(dated))
    assert dated == sorted(dated, reverse=sort == "newest")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_cluster_pages_do_not_depend_on_the_page_size(both, sort: str) -> None:
    """Issue 14: page 2 at 2 a page is ranks 3-4 at 100 a page, across the partial divider."""
    sphinx = both[1]

    def ids(page: int, per_page: int) -> list[tuple[str, bool]]:
        data = sphinx.get(
            "/api/search",
            query_string={"q": "asylum diplomat", "sort": sort, "page": page, "per_page": per_page},
        ).get_json()
        return [(r["id"], r["partial"]) for r in data["results"]]

    everything = ids(1, 100)
    assert any(partial for _, partial in everything) and not everything[0][1]
    first_partial = next(i for i, (_, partial) in enumerate(everything) if partial)
    assert all(partial for _, partial in everything[first_partial:])  # after the divider
    for page in range(1, len(everything) // 2 + 1):
        assert ids(page, 2) == everything[2 * (page - 1) : 2 * page]
