"""Duplicates (issue 14): an article whose paragraphs are all in a better-ranked result
collapses into it, listed under it as ``duplicates``; whatever the page size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search_app import create_app
from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

FOX = (
    "Alan Milburn said the Tories were telling lies about Labour's record before the "
    "election.\n\nTony Blair backed him, saying the Conservatives had no answers on the "
    "economy.\n\nThe party chairman spoke at a rally in the north of England on Monday."
)
EXTRA = "\n\nA new paragraph that only the longer version carries, about the local council."


def _docs() -> list[dict[str, str]]:
    docs = [
        {"id": "fox", "title": "Fox attacks Blair's Tory 'lies'", "text": FOX, "source": "bbc"},
        {"id": "fox-copy", "title": "Fox attacks Blair's Tory 'lies'", "text": FOX},
        {"id": "fox-longer", "title": "Fox and Blair", "text": FOX + EXTRA, "source": "wire"},
    ]
    for i in range(30):
        words = " ".join(["election"] * (1 + i % 5))
        text = f"Blair spoke about the {words} in town number {i}x, said report r{i}q."
        docs.append({"id": f"a{i:02d}", "title": f"Report {i}", "text": text, "source": "bbc"})
        if i % 4 == 0:
            copy = {"id": f"a{i:02d}-copy", "title": f"Copy of report {i}", "text": text}
            docs.append({**copy, "source": "wire", "url": f"https://wire.example/{i}"})
    return docs


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dups")
    docs = _docs()
    (root / "d.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    report = ingest([str(root / "d.jsonl")], root / "index")
    assert report.new == len(docs), report.as_dict()
    return root / "index"


@pytest.fixture(scope="module")
def service(index: Path) -> SearchService:
    return SearchService(index, Settings(index=index, cache_size=0))


def test_an_identical_article_is_one_result_with_its_copy_listed(service: SearchService) -> None:
    page = service.search(SearchRequest("Tory lies Milburn", nocorrect=True))
    assert [r.id for r in page.results] == ["fox", "fox-longer"]
    fox, longer = page.results
    assert [d.id for d in fox.duplicates] == ["fox-copy"]
    assert fox.duplicates[0].title == "Fox attacks Blair's Tory 'lies'"
    # The longer version adds a paragraph of its own: still a result, and not a duplicate.
    assert longer.duplicates == ()
    # The copy is listed once, as a duplicate, not again under "also in".
    also = {a.id for p in fox.paragraphs for a in p.also_in}
    assert "fox-copy" not in also and "fox-longer" in also


def test_copies_fold_whatever_the_page_size(service: SearchService) -> None:
    wide = service.search(SearchRequest("blair election", per_page=100))
    ranked = [r.id for r in wide.results]
    assert not any(i.endswith("-copy") for i in ranked)
    assert len([i for i in ranked if i.startswith("a")]) == 30
    folded = {r.id: [d.id for d in r.duplicates] for r in wide.results if r.duplicates}
    # Here the longer Fox story ranks first: both shorter copies are wholly in it.
    expected = {f"a{i:02d}": [f"a{i:02d}-copy"] for i in range(0, 30, 4)}
    assert folded == {**expected, "fox-longer": ["fox", "fox-copy"]}
    for n in (1, 2, 3):
        page = service.search(SearchRequest("blair election", per_page=10, page=n))
        assert [r.id for r in page.results] == ranked[(n - 1) * 10 : n * 10], n


def test_the_api_and_the_page_list_the_duplicates(index: Path) -> None:
    client = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0}).test_client()
    data = client.get("/api/search?q=a08+OR+r8q&nocorrect=1").get_json()
    assert [r["id"] for r in data["results"]] == ["a08"]
    assert data["results"][0]["duplicates"] == [
        {
            "id": "a08-copy",
            "title": "Copy of report 8",
            "source": "wire",
            "url": "https://wire.example/8",
        }
    ]
    soup = BeautifulSoup(client.get("/search?q=r8q&nocorrect=1").data, "html.parser")
    assert len(soup.select("li.result")) == 1
    line = soup.select_one("li.result .duplicates")
    assert line is not None and "The same article:" in line.get_text()
    assert len(line.select("a")) == 1


def test_the_cli_lists_the_duplicates_once(index: Path, capsys) -> None:
    from search_app.cli import main

    assert main(["search", "r8q", "--index", str(index), "--nocorrect"]) == 0
    out = capsys.readouterr().out
    assert out.count("id=") == 2  # the result and its one copy
    assert "  same article: Copy of report 8 [wire]  id=a08-copy" in out.splitlines()
