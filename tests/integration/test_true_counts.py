"""Counts that tell the truth (issue 14): all-words counts, partial matches counted apart,
facets of the all-words set, and an order that does not depend on the page size."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search_app import create_app
from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

# Shaped like "Kyaw Win" over the BBC: two articles hold both words, many hold one.
KYAW = [
    ("both-1", "cnn", "2011-07-13", "Deputy chief of mission Kyaw Win said he had no choice."),
    ("both-2", "cnn", "2011-07-20", "Kyaw Win, the diplomat, asked for asylum in Washington."),
]
WIN_ONLY = [
    (f"win-{i:02d}", "bbc", f"2005-{1 + i % 12:02d}-10", f"Team {i} hope to win the cup {i}.")
    for i in range(30)
]
KYAW_ONLY = [("kyaw-1", "bbc", "2005-03-01", "Kyaw Thu was named minister.")]
# For the page-size test: 15 articles with both words and 40 with one, scores spread.
STORM = [
    (
        f"sh-{i:02d}",
        "wire",
        f"2019-{1 + i % 12:02d}-0{1 + i % 9}",
        " ".join(["storm"] * (1 + i % 4) + ["harbour"] + ["filler"] * (i % 7) + [f"n{i}x"]) + ".",
    )
    for i in range(15)
]
STORM += [
    (
        f"s-{i:02d}",
        "wire",
        f"2018-{1 + i % 12:02d}-1{i % 9}",
        " ".join([("storm" if i % 3 else "harbour")] * (1 + i % 5) + ["filler"] * (i % 6))
        + f" m{i}x.",
    )
    for i in range(40)
]


def _write(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, source, date, text in rows:
            record = {"id": doc_id, "title": f"Story {doc_id}", "text": text, "date": date}
            fh.write(json.dumps({**record, "source": source}) + "\n")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("counts")
    rows = KYAW + WIN_ONLY + KYAW_ONLY + STORM
    _write(root / "docs.jsonl", rows)
    report = ingest([str(root / "docs.jsonl")], root / "index")
    assert report.new == len(rows), report.as_dict()
    return root / "index"


@pytest.fixture(scope="module")
def service(index: Path) -> SearchService:
    return SearchService(index, Settings(index=index, cache_size=0))


def test_counts_are_of_the_articles_with_every_word(service: SearchService) -> None:
    page = service.search(SearchRequest("Kyaw Win", nocorrect=True))
    assert page.total_articles == 2
    assert page.total_paragraphs == 2
    assert page.partial_articles == len(WIN_ONLY) + len(KYAW_ONLY)
    assert {r.id for r in page.results[:2]} == {"both-1", "both-2"}
    assert [r.partial for r in page.results] == [False, False] + [True] * 8
    # 2 + 31 articles at 10 a page: the partial ones are pages too.
    assert page.pages == 4
    # Facets and the timeline count the two, not the 33.
    assert not page.facets_partial
    assert [(f.value, f.count) for f in page.facets["source"]] == [("cnn", 2)]
    assert [(f.value, f.count) for f in page.facets["year"]] == [("2011", 2)]
    assert sum(b.count for b in page.timeline) == 2


def test_partial_matches_rank_the_same_whatever_the_page_size(service: SearchService) -> None:
    for sort in ("relevance", "newest", "oldest"):
        wide = service.search(SearchRequest("storm harbour", per_page=100, sort=sort))
        assert wide.total_articles == 15 and wide.partial_articles == 40
        ranked = [r.id for r in wide.results]
        assert len(ranked) == 55 and ranked[:15] == [r.id for r in wide.results if not r.partial]
        for n in (1, 2, 3, 6):
            page = service.search(SearchRequest("storm harbour", per_page=10, page=n, sort=sort))
            assert [r.id for r in page.results] == ranked[(n - 1) * 10 : n * 10], (sort, n)
            assert page.total_articles == 15 and page.partial_articles == 40
        # Page 2 straddles the divider: five articles with both words, then five partial ones.
        two = service.search(SearchRequest("storm harbour", per_page=10, page=2, sort=sort))
        assert [r.partial for r in two.results] == [False] * 5 + [True] * 5


def test_facets_count_the_partial_set_only_when_nothing_has_every_word(
    service: SearchService,
) -> None:
    page = service.search(SearchRequest("Thu cup", nocorrect=True))
    assert page.total_articles == 0 and page.partial_articles == 31
    assert page.facets_partial
    assert [(f.value, f.count) for f in page.facets["source"]] == [("bbc", 31)]


def test_the_page_says_how_many_match_all_words_and_how_many_some(index: Path) -> None:
    app = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0})
    html = app.test_client().get("/search?q=Kyaw+Win&nocorrect=1").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    divider = soup.select_one("#partial-divider")
    assert divider is not None
    said = re.sub(r"\s+", " ", divider.get_text()).strip()
    assert said == "2 articles match all words; 31 more match some of them."
    # The two come before the divider, the partial ones after it.
    lists = soup.select("ol.result-list")
    assert len(lists[0].select("li.result")) == 2
    assert all("partial" in li["class"] for li in lists[1].select("li.result"))
    assert soup.select_one("#facets-partial") is None
    count = re.sub(r"\s+", " ", soup.select_one("#result-count").get_text())
    assert count.startswith("2 articles (2 matching paragraphs); 31 more match some of the words")

    html = app.test_client().get("/search?q=Thu+cup&nocorrect=1").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert "No article matches all your words" in soup.select_one("#facets-partial").get_text()
    caption = soup.select_one(".timeline figcaption").get_text()
    assert caption.startswith("Articles matching some of your words by month")


def test_the_api_carries_partial_articles(index: Path) -> None:
    app = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0})
    data = app.test_client().get("/api/search?q=Kyaw+Win&nocorrect=1").get_json()
    assert data["total_articles"] == 2 and data["total_paragraphs"] == 2
    assert data["partial_articles"] == 31 and data["facets_partial"] is False
    assert data["pages"] == 4


def test_the_cli_gives_the_same_counts_and_divider(index: Path, capsys) -> None:
    from search_app.cli import main

    assert main(["search", "Kyaw Win", "--index", str(index), "--nocorrect"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "2 articles, 2 paragraphs match all words; 31 more articles match some of them ("
    )
    divider = out.index("-- 31 articles match some of the words, not all --")
    assert sum("id=both-" in line for line in out[:divider]) == 2
    assert not any("id=both-" in line for line in out[divider:])


def test_the_cli_searches_as_typed_with_nocorrect(index: Path, capsys) -> None:
    from search_app.cli import main

    assert main(["search", "harbuor", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "Showing results for harbour. Search instead for harbuor" in out
    assert main(["search", "harbuor", "--index", str(index), "--nocorrect"]) == 0
    out = capsys.readouterr().out
    assert "Showing results for" not in out and out.startswith("0 articles, 0 paragraphs")
