"""The JSON API through Flask's test client: shapes, caps, facets, suggestions, articles."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup


def test_search_returns_articles_with_highlighted_paragraphs(client):
    data = client.get('/api/search?q="seeking asylum"').get_json()
    assert data["total_articles"] == 3
    assert data["total_paragraphs"] >= 3
    assert data["page"] == 1 and data["per_page"] == 10 and data["pages"] == 1
    assert isinstance(data["took_ms"], float)
    for result in data["results"]:
        assert {"id", "title", "source", "url", "published", "score", "paragraphs"} <= set(result)
        para = result["paragraphs"][0]
        assert {"position", "highlight", "text", "also_in"} <= set(para)
        marks = BeautifulSoup(para["highlight"], "lxml").find_all("mark")
        assert {m.get_text().lower() for m in marks} >= {"asylum"}
        assert "<" not in para["text"]
    assert "seek" in data["parsed_query"] and "asylum" in data["parsed_query"]
    assert data["terms"] and {"word", "stem", "matched"} <= set(data["terms"][0])


def test_facets_and_timeline_have_counts(client):
    data = client.get("/api/search?q=myanmar").get_json()
    sources = {f["value"]: f["count"] for f in data["facets"]["source"]}
    assert sources["bbc.co.uk"] == 2 and sources["reuters.com"] == 2
    years = {f["value"]: f["count"] for f in data["facets"]["year"]}
    assert years["2021"] == 4 and years["2011"] == 1
    assert data["timeline"]["unit"] == "year"
    buckets = data["timeline"]["buckets"]
    assert sum(b["count"] for b in buckets if b["from"]) == 5
    # Articles without a date are counted too: a last bucket and a facet value of their own.
    assert buckets[-1] == {"label": "undated", "from": None, "to": None, "count": 2}
    assert years["undated"] == 2
    assert sum(years.values()) == data["total_articles"] == 7


def test_source_and_date_filters_combine_with_the_query(client):
    data = client.get("/api/search?q=myanmar&source=bbc.co.uk").get_json()
    assert data["total_articles"] == 2
    assert {r["source"] for r in data["results"]} == {"bbc.co.uk"}
    data = client.get("/api/search?q=myanmar&from=2021-04&to=2021-05").get_json()
    assert sorted(r["published"][:7] for r in data["results"]) == ["2021-04", "2021-05"]


def test_sort_oldest(client):
    data = client.get("/api/search?q=myanmar&sort=oldest").get_json()
    dates = [r["published"] for r in data["results"] if r["published"]]
    assert dates == sorted(dates) and dates[0].startswith("2011")


def test_per_page_is_capped_at_100(client):
    data = client.get("/api/search?q=myanmar&per_page=5000").get_json()
    assert data["per_page"] == 100


def test_pages_do_not_overlap(client):
    one = client.get("/api/search?q=myanmar&per_page=2&page=1").get_json()
    two = client.get("/api/search?q=myanmar&per_page=2&page=2").get_json()
    assert one["pages"] >= 3
    assert {r["id"] for r in one["results"]}.isdisjoint(r["id"] for r in two["results"])


def test_query_field_filters_and_fuzzy_and_prefix(client):
    assert client.get("/api/search?q=title:embassy").get_json()["total_articles"] == 3
    assert client.get("/api/search?q=source:reuters").get_json()["total_articles"] == 2
    assert client.get("/api/search?q=asylm~").get_json()["total_articles"] == 3
    assert client.get("/api/search?q=asyl*").get_json()["total_articles"] == 3
    assert client.get("/api/search?q=date:2011 asylum").get_json()["total_articles"] == 1


def test_a_word_in_no_document_is_corrected_and_searched_at_once(client):
    data = client.get("/api/search?q=embasy").get_json()
    assert data["query"] == "embassy" and data["corrected_from"] == "embasy"
    assert data["total_articles"] >= 1 and data["suggestion"] is None
    # The user's case is kept.
    assert client.get("/api/search?q=Embasy").get_json()["query"] == "Embassy"


def test_nocorrect_searches_as_typed_and_offers_the_suggestion(client):
    data = client.get("/api/search?q=embasy&nocorrect=1").get_json()
    assert data["query"] == "embasy" and data["corrected_from"] is None
    assert data["total_articles"] == 0 and data["suggestion"] == "embassy"


def test_known_words_are_not_corrected(client):
    data = client.get("/api/search?q=asylum").get_json()
    assert data["query"] == "asylum" and data["corrected_from"] is None
    assert data["suggestion"] is None


def test_live_search_matches_the_last_word_as_a_prefix(client):
    assert client.get("/api/search?q=asyl").get_json()["total_articles"] == 0
    assert client.get("/api/search?q=asyl&live=1").get_json()["total_articles"] == 3
    # The word being typed is a prefix, not a misspelling to correct.
    typing = client.get("/api/search?q=myanm&live=1").get_json()
    assert typing["corrected_from"] is None and typing["total_articles"] >= 1
    # A space after the word: it is finished, and searched as typed.
    finished = client.get("/api/search?q=asyl+&live=1&nocorrect=1").get_json()
    assert finished["total_articles"] == 0


def test_suggest_closes_an_open_phrase(client):
    data = client.get('/api/suggest?q="seeking asy').get_json()
    assert data["suggestions"][0] == '"seeking asylum"'


def test_suggest_autocompletes_from_the_index_vocabulary(client):
    data = client.get("/api/suggest?q=diplo").get_json()
    assert data["suggestions"] and all(s.startswith("diplo") for s in data["suggestions"])
    assert client.get("/api/suggest?q=seeking asy").get_json()["suggestions"][0] == (
        "seeking asylum"
    )


def test_article_endpoint_has_paragraphs_removed_and_provenance(client):
    hit = client.get('/api/search?q="seeking asylum"').get_json()["results"][0]
    data = client.get(f"/api/articles/{hit['id']}?q=asylum").get_json()
    assert data["id"] == hit["id"] and data["title"] == hit["title"]
    assert [p["position"] for p in data["paragraphs"]] == list(range(len(data["paragraphs"])))
    assert data["hit_positions"] and all(
        "<mark>" in data["paragraphs"][i]["highlight"] for i in data["hit_positions"]
    )
    assert set(data["provenance"]) >= {"location", "fetched_at", "content_hash"}
    assert isinstance(data["removed"], list)


def test_stats_and_health(client):
    stats = client.get("/api/stats").get_json()
    assert stats["articles"] == 7 and stats["paragraphs"] > 40
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["generation"] >= 1


def test_openapi_describes_every_endpoint(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/search",
        "/api/articles/{id}",
        "/api/suggest",
        "/api/stats",
        "/healthz",
        "/api/documents",
        "/api/documents/{id}",
        "/api/reindex",
    ):
        assert path in spec["paths"], path
    assert "Error" in spec["components"]["schemas"]


def test_a_search_past_its_time_limit_answers_with_what_it_found(corpus_index):
    from search_app import create_app

    slow = create_app({"INDEX": str(corpus_index), "SEARCH_TIMEOUT": 1e-9, "RATE_LIMIT": 0})
    resp = slow.test_client().get("/api/search?q=myanmar")
    assert resp.status_code == 200
    assert resp.get_json()["timed_out"] is True
    normal = create_app({"INDEX": str(corpus_index), "RATE_LIMIT": 0})
    assert normal.test_client().get("/api/search?q=myanmar").get_json()["timed_out"] is False


@pytest.mark.parametrize(
    ("q", "articles"),
    [
        ("date:2011", 1),
        ("date:[2010 TO 2012]", 1),
        ("date:2021 OR date:2011", 5),
        ("myanmar date:2021", 4),
        ("date:[2021-04 TO 2021-05]", 2),
    ],
)
def test_date_queries_alone_and_combined(client, q, articles):
    assert client.get(f"/api/search?q={q}").get_json()["total_articles"] == articles


def test_an_unparseable_quoted_date_is_a_400(client):
    # Found by the fuzzer: Whoosh only rejected it while searching (a 500).
    resp = client.get('/api/search?q=DATE:"20"11-07')
    assert resp.status_code == 400 and "date" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("q", ["date:>2021-03", "myanmar date:<2021", "date:march"])
def test_an_unreadable_date_names_the_date_forms_we_read(client, q):
    resp = client.get("/api/search", query_string={"q": q})
    message = resp.get_json()["error"]["message"]
    assert resp.status_code == 400 and "date:2011-07" in message and "int()" not in message


def test_paragraph_counts_and_shown_hits_ignore_headline_only_matches(client):
    # "diplomat" is in this article's headline, so every one of its 22 paragraphs
    # matches through it; only those with the word in their own text count.
    data = client.get("/api/search?q=diplomat").get_json()
    result = next(r for r in data["results"] if r["title"].startswith("Second diplomat"))
    article = client.get(f"/api/articles/{result['id']}?q=diplomat").get_json()
    own = [p for p in article["paragraphs"] if "<mark>" in p["highlight"]]
    assert result["matching_paragraphs"] == len(own) < len(article["paragraphs"])
    assert all("<mark>" in p["highlight"] for p in result["paragraphs"])
    assert article["hit_positions"] == [p["position"] for p in own]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"q": "asylum", "from": "2019-02-30"}, "2019-02-30"),
        ({"q": "asylum", "to": "2019-13"}, "2019-13"),
        ({"q": "asylum", "from": "2019-12-32"}, "2019-12-32"),
        ({"q": "asylum date:2019-02-30"}, "2019-02-30"),
        ({"q": "asylum", "from": "2020", "to": "2019"}, "reversed"),
    ],
)
def test_impossible_dates_are_a_400_naming_the_date(client, params, named):
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code == 400
    assert named in resp.get_json()["error"]["message"]


def test_live_search_of_a_query_at_the_length_limit_is_no_error(client):
    q = ("asylum " * 72)[:493] + "asyl"  # 497 characters: completions would pass 500
    response = client.get("/api/search", query_string={"q": q, "live": "1"})
    assert response.status_code == 200, response.get_json()


def test_an_unknown_word_is_not_replaced_by_a_stopword(client):
    data = client.get("/api/search?q=asy").get_json()
    assert data["query"] == "asy" and data["corrected_from"] is None


def test_a_date_filter_says_how_many_undated_articles_it_left_out(client):
    data = client.get("/api/search?q=myanmar&from=2021").get_json()
    assert data["total_articles"] == 4
    assert data["excluded_undated"] == 2
    assert client.get("/api/search?q=myanmar").get_json()["excluded_undated"] == 0


def test_terms_say_their_kind_and_what_a_fuzzy_word_matched(client):
    data = client.get('/api/search?q="seeking+asylum"+goverment~').get_json()
    terms = {t["word"]: t for t in data["terms"]}
    assert terms["seeking"]["kind"] == "phrase" and terms["seeking"]["expansions"] == []
    assert terms["goverment"]["kind"] == "fuzzy"
    assert terms["goverment"]["expansions"] == ["government"]
    assert terms["goverment"]["matched"] == ["govern"]


def test_openapi_names_every_field_the_search_returns(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    data = client.get("/api/search?q=myanmar+goverment~&per_page=3").get_json()
    assert set(data) == set(schemas["ResultPage"]["properties"])
    result = data["results"][0]
    assert set(result) == set(schemas["ArticleResult"]["properties"])
    paragraph = schemas["ArticleResult"]["properties"]["paragraphs"]["items"]["properties"]
    assert set(result["paragraphs"][0]) == set(paragraph)
    assert set(data["terms"][0]) == set(schemas["Term"]["properties"])
