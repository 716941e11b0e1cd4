"""Article-level BM25: every paragraph of an article counts, the headline once."""

from __future__ import annotations

from array import array

from search_app.engine.article_score import (
    ArticleStats,
    article_bm25,
    article_frequencies,
    combine,
    soft_max,
)

# Documents 0-2 are article 0's paragraphs, 3 is an article record, 4-5 article 1's.
DOC_ARTICLE = array("i", [0, 0, 0, -1, 1, 1])


def test_frequencies_sum_paragraphs_and_count_the_headline_once():
    text = [([0, 2], [2.0, 1.0]), ([4], [1.0])]
    title = [([0, 1, 2], [1.0, 1.0, 1.0])]  # every paragraph carries its headline
    assert article_frequencies(text, title, DOC_ARTICLE) == {0: 4.0, 1: 1.0}


def test_a_rare_word_outweighs_a_common_one_and_length_normalises():
    stats = ArticleStats(array("d", [100.0, 100.0, 400.0]), 200.0, 3)
    rare = {0: 1.0}
    common = {0: 1.0, 1: 1.0, 2: 1.0}
    scores = article_bm25([rare], stats, [0, 1])
    assert scores[0] > 0 and scores[1] == 0
    both = article_bm25([common], stats, [0, 1, 2])
    assert both[0] == both[1] > both[2]  # the longer article's word counts less
    assert article_bm25([rare], stats, [0])[0] > article_bm25([common], stats, [0])[0]


def test_frequencies_of_the_candidates_only_take_the_article_counts_given():
    # The cluster reads a word's frequency in the candidates only; how many
    # articles hold it comes apart (df). The same numbers give the same score.
    stats = ArticleStats({7: 100.0, 9: 400.0}, 200.0, 3)
    whole = article_bm25([{7: 1.0, 8: 2.0, 9: 1.0}], stats, [7, 9])
    candidates_only = article_bm25([{7: 1.0, 9: 1.0}], stats, [7, 9], df=[3])
    assert candidates_only == whole
    assert article_bm25([{7: 1.0, 9: 1.0}], stats, [7, 9], df=[2])[7] > whole[7]


def test_more_matching_paragraphs_lift_the_best_a_little():
    assert soft_max(2.0, 1) == 2.0
    assert 2.0 < soft_max(2.0, 4) < soft_max(2.0, 300) < 2.0 * 1.6


def test_combine_adds_the_weighted_article_score():
    assert combine(2.0, 3.0, weight=0.5) == 3.5
    assert combine(2.0, 3.0, weight=0.0) == 2.0


def test_an_article_about_a_word_beats_one_that_mentions_it_once(tmp_path, monkeypatch):
    import json

    from search_app.config import Settings
    from search_app.engine import article_score
    from search_app.models import SearchRequest
    from search_app.pipeline import ingest
    from search_app.service import SearchService

    filler = "Residents of the town said the council had warned them about it for many years."
    docs = {
        # One short paragraph with the word, in an article about something else.
        "mention": ["Dredging resumed.", filler, filler, filler],
        # The word in every paragraph: the article is about it (six paragraphs, as
        # a news story has).
        "about": [
            "Dredging of the channel stopped a week before the storm reached the town.",
            "Engineers blamed the dredging for the silt that blocked the harbour mouth.",
            "The council will review dredging contracts at its meeting next month.",
            "Fishermen asked for dredging to resume before the autumn season begins.",
            "Dredging costs have doubled since the port was deepened in 2010.",
            "A report on dredging methods is due to be published in the spring.",
        ],
    }
    # Articles without the word, so that it is rare among articles too.
    docs.update({f"other-{i}": [filler, "The storm passed to the north."] for i in range(8)})
    src = tmp_path / "d.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"id": k, "title": "", "text": "\n\n".join(v)}) for k, v in docs.items()
        ),
        encoding="utf-8",
    )
    ingest([str(src)], tmp_path / "ix")
    service = SearchService(tmp_path / "ix", Settings(index=tmp_path / "ix", cache_size=0))
    assert article_score.ARTICLE_WEIGHT > 0
    ranked = [r.id for r in service.search(SearchRequest(q="dredging")).results]
    assert ranked == ["about", "mention"]
    # By the best paragraph alone, the short mention would come first.
    monkeypatch.setattr(article_score, "ARTICLE_WEIGHT", 0.0)
    ranked = [r.id for r in service.search(SearchRequest(q="dredging")).results]
    assert ranked == ["mention", "about"]


def test_a_word_weighed_down_by_the_query_counts_less_at_article_level():
    """A prefix's rare completion carries a small boost; the article score hears it."""
    from search_app.query import term_weights
    from search_app.query.tree import And, Not, Phrase, Term

    stats = ArticleStats(array("d", [100.0, 100.0]), 100.0, 2)
    full = article_bm25([{0: 1.0}], stats, [0])[0]
    assert article_bm25([{0: 1.0}], stats, [0], weights=[0.25])[0] == full * 0.25
    tree = And(
        (
            Term("text", "elect", boost=1.0),
            Term("text", "electrolux", boost=0.1),
            Phrase("text", ("prime", "minist"), boost=3.0),
            Not(Term("text", "rain")),
        )
    )
    assert term_weights(tree) == {"elect": 1.0, "electrolux": 0.1, "prime": 1.0, "minist": 1.0}


def test_cached_frequencies_give_the_same_scores_without_reading_postings():
    from search_app.cache import BoundedCache
    from search_app.engine.article_score import article_scores, frequency_cost

    lists = {
        ("text", "common"): [([0, 4], [1.0, 2.0])],
        ("text", "rare"): [([1], [1.0])],
    }
    reads: list[tuple[str, str]] = []

    def postings(field: str, word: str):
        reads.append((field, word))
        return lists.get((field, word), [])

    stats = ArticleStats(array("d", [100.0, 50.0, 10.0]), 80.0, 3)
    cache: BoundedCache[str, dict[int, float]] = BoundedCache(100, cost=frequency_cost)
    first = article_scores(["common", "rare"], postings, DOC_ARTICLE, stats, [0, 1], cache)
    assert first == article_scores(["common", "rare"], postings, DOC_ARTICLE, stats, [0, 1])
    reads.clear()
    again = article_scores(["common", "rare"], postings, DOC_ARTICLE, stats, [0, 1], cache)
    assert again == first
    assert reads == []  # both words came from the cache
    assert cache.size == (2 + 1) + (1 + 1)


def test_a_commit_is_not_scored_with_the_last_generation_s_frequencies(tmp_path, monkeypatch):
    import json

    from search_app.config import Settings
    from search_app.models import SearchRequest
    from search_app.pipeline import ingest
    from search_app.service import SearchService

    def write(name: str, docs: dict[str, list[str]]):
        src = tmp_path / name
        src.write_text(
            "\n".join(
                json.dumps({"id": k, "title": "", "text": "\n\n".join(v)}) for k, v in docs.items()
            ),
            encoding="utf-8",
        )
        return src

    filler = "The storm passed to the north of the town."
    towns = ["Leith", "Dover", "Hull", "Wick"]
    first = {f"a{i}": [f"Dredging resumed at {t}. " * (i + 1), filler] for i, t in enumerate(towns)}
    first.update({f"o{i}": [filler] for i in range(6)})
    ingest([str(write("one.jsonl", first))], tmp_path / "ix")
    service = SearchService(tmp_path / "ix", Settings(index=tmp_path / "ix", cache_size=0))
    service.search(SearchRequest(q="dredging"))  # fills the article-frequency cache
    piers = ["north", "south", "east", "west", "old"]
    more = {
        f"b{i}": [f"Dredging dredging dredging of the {p} pier channel.", f"Pier {p} closed."]
        for i, p in enumerate(piers)
    }
    ingest([str(write("two.jsonl", more))], tmp_path / "ix")

    def scored(svc: SearchService) -> list[tuple[str, float]]:
        page = svc.search(SearchRequest(q="dredging", per_page=20))
        return [(r.id, round(r.score, 9)) for r in page.results]

    seen = scored(service)
    assert len(seen) == 9
    # The reference sums every word afresh: no cache at all.
    from search_app.cache import BoundedCache
    from search_app.engine.whoosh import ranking

    monkeypatch.setattr(ranking, "_frequency_cache", lambda _tables: BoundedCache(0))
    fresh = SearchService(tmp_path / "ix", Settings(index=tmp_path / "ix", cache_size=0))
    assert seen == scored(fresh)
