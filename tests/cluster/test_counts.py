"""Article counts on the cluster stay exact past searchd's grouping window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app import create_app
from search_app.cluster import process
from search_app.cluster.config import init_cluster
from search_app.pipeline import IngestOptions, ingest

from .engines import NODES, PORTS_PER_NODE, free_port_block, sphinx_setting

pytestmark = pytest.mark.cluster

# More articles than a pass reads (its window: 1,000 groups), each with two
# matching paragraphs: the count comes from searchd, not from the rows read.
# (A grouped total_found can overcount once an agent holds more groups than it
# keeps, 2.2.11 reported 4,004 articles for 1,891 at a window of 10, so past
# the window the reader counts with COUNT(DISTINCT).)
ARTICLES = 1_300


def test_a_word_in_more_articles_than_the_window_is_counted_exactly(tmp_path: Path) -> None:
    cluster = init_cluster(
        tmp_path / "cluster", 1, 1, base_port=free_port_block(NODES * PORTS_PER_NODE)
    )
    process.start(cluster)
    try:
        setting = sphinx_setting(cluster)
        jsonl = tmp_path / "harbours.jsonl"
        jsonl.write_text(
            "".join(
                json.dumps(
                    {"id": f"h{i}", "title": f"Note {i}", "text": f"Harbour {i}.\n\nA harbour."}
                )
                + "\n"
                for i in range(ARTICLES)
            )
        )
        index = tmp_path / "index"
        report = ingest([str(jsonl)], index, IngestOptions(engine=setting, workers=1))
        assert report.ok and report.new == ARTICLES, report.as_dict()
        app = create_app({"INDEX": str(index), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
        resp = app.test_client().get("/api/search", query_string={"q": "harbour note"})
    finally:
        process.stop(cluster)
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["total_articles"], body["total_paragraphs"]) == (ARTICLES, 2 * ARTICLES)
    assert len(body["results"]) == 10


@pytest.mark.parametrize("months_read", [2400, 2])
def test_paragraph_counts_come_with_the_timeline_and_stay_exact_past_its_window(
    cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, months_read: int
) -> None:
    # The all-words paragraphs are the timeline rows' COUNT(*) summed (no
    # statement of their own); when the timeline reads only part of the months
    # (2 here, 2,400 in use) they are counted apart, and stay exact either way.
    from search_app.engine.sphinx import facets, search

    monkeypatch.setattr(facets, "MONTHS", months_read)
    monkeypatch.setattr(search, "MONTHS", months_read)
    jsonl = tmp_path / "tides.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"t{i}",
                    "title": f"Note {i}",
                    "date": f"20{10 + i % 5}-0{1 + i % 4}-15" if i % 6 else None,
                    "text": "Tide tables.\n\nThe tide turned." if i % 3 else "Tide tables.",
                }
            )
            + "\n"
            for i in range(60)
        )
    )
    setting = sphinx_setting(cluster)
    index = tmp_path / "index"
    assert ingest([str(jsonl)], index, IngestOptions(engine=setting, workers=1)).new == 60
    app = create_app({"INDEX": str(index), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
    body = app.test_client().get("/api/search", query_string={"q": "tide"}).get_json()
    assert (body["total_articles"], body["total_paragraphs"]) == (60, 60 + 40)
    if months_read > 2:  # every month read: the timeline holds every article, undated too
        assert sum(b["count"] for b in body["timeline"]["buckets"]) == 60


@pytest.mark.parametrize("engine", ["whoosh", "sphinx"])
def test_a_date_limit_that_leaves_nothing_says_how_many_undated_articles_it_left_out(
    cluster, tmp_path: Path, engine: str
) -> None:
    # Five undated stories and one of 2011: "election" limited to 2005 finds
    # nothing, and the answer must say the five undated ones were left out, also
    # when the words then match only partly (no all-words article either).
    jsonl = tmp_path / "polls.jsonl"
    records = [
        {"id": f"u{i}", "title": f"Poll {i}", "text": "The election was close."} for i in range(5)
    ]
    records.append({"id": "d1", "title": "Dated", "date": "2011-05-02", "text": "An election."})
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    setting = sphinx_setting(cluster) if engine == "sphinx" else "whoosh"
    index = tmp_path / "index"
    assert ingest([str(jsonl)], index, IngestOptions(engine=setting, workers=1)).new == 6
    app = create_app({"INDEX": str(index), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
    client = app.test_client()
    for query, found, partial in [
        ({"q": "election", "from": "2005", "to": "2005"}, 0, 0),
        ({"q": "date:2005 election"}, 0, 0),
        ({"q": "election close", "from": "2005"}, 0, 1),
    ]:
        body = client.get("/api/search", query_string=query).get_json()
        counts = (body["total_articles"], body["partial_articles"], body["excluded_undated"])
        assert counts == (found, partial, 5), query
    page = client.get("/search", query_string={"q": "election", "from": "2005", "to": "2005"})
    assert "5 undated articles" in page.get_data(as_text=True)


@pytest.mark.parametrize("engine", ["whoosh", "sphinx"])
def test_an_article_page_opens_for_a_query_of_dates_alone(cluster, tmp_path: Path, engine: str):
    # On the cluster the page's matching paragraphs were asked with an empty
    # match in parentheses, "() (@article_words ...)", which searchd refuses.
    jsonl = tmp_path / "one.jsonl"
    jsonl.write_text(json.dumps({"id": "d1", "date": "2011-05-02", "text": "One.\n\nTwo."}) + "\n")
    setting = sphinx_setting(cluster) if engine == "sphinx" else "whoosh"
    assert ingest([str(jsonl)], tmp_path / "index", IngestOptions(engine=setting, workers=1)).ok
    app = create_app(
        {"INDEX": str(tmp_path / "index"), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0}
    )
    resp = app.test_client().get("/api/articles/d1", query_string={"q": "date:2011"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["hit_positions"] == []  # no words to mark, on either engine
