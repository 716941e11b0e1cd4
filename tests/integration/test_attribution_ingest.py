"""Sources and authors through ingest, the raw store, reindex and the article API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search_app import create_app
from search_app.cli import main
from search_app.models import SearchRequest
from search_app.pipeline import IngestOptions, ingest, reindex
from search_app.service import SearchService

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _sources(index: Path, q: str = "diplomat") -> dict[str, str | None]:
    page = SearchService(index).search(SearchRequest(q, per_page=50))
    return {r.title: r.source for r in page.results}


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def test_seeds_name_their_publishers_from_boilerplate(tmp_path: Path, seeds_copy: Path):
    index = tmp_path / "index"
    assert ingest([str(seeds_copy)], index).new == 3
    sources = sorted(_sources(index).values(), key=str)
    assert sources == ["CNN", None, "The Jerusalem Post"]


def test_ingest_source_labels_a_batch_and_survives_reindex(tmp_path: Path, seeds_copy: Path):
    index = tmp_path / "index"
    assert main(["ingest", "--index", str(index), "--source", " Seed  Wire ", str(seeds_copy)]) == 0
    assert set(_sources(index).values()) == {"Seed Wire"}
    reindex(index)
    assert set(_sources(index).values()) == {"Seed Wire"}
    page = SearchService(index).search(SearchRequest("source:seed diplomat"))
    assert page.total_articles == 3


def test_ingest_source_must_name_someone(tmp_path: Path, seeds_copy: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--index", str(tmp_path / "i"), "--source", "  ", str(seeds_copy)])
    assert exc.value.code == 2
    assert "--source" in capsys.readouterr().err


def test_json_lines_source_and_author_fields_win(tmp_path: Path):
    records = tmp_path / "collection.jsonl"
    story = "The central bank left its main interest rate unchanged on Tuesday, as expected."
    lines = [
        {
            "id": "r-1",
            "title": "Rates held",
            "source": "Reuters",
            "author": "Jo Bloggs",
            "text": story + "\n\nSubscribe to The Daily Courier Newsletter",
        },
        {"id": "r-2", "title": "Rates held again", "text": story + " Again."},
    ]
    records.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    index = tmp_path / "index"
    assert ingest([str(records)], index).new == 2
    service = SearchService(index)
    first = service.article("r-1")
    assert first is not None
    # The record's own field beats the boilerplate the cleaner found.
    assert (first.stored.article.source, first.stored.article.author) == ("Reuters", "Jo Bloggs")
    second = service.article("r-2")
    assert second is not None and second.stored.article.author is None
    # No field: unknown. The file's name ("collection") is no publisher (issue 14).
    assert second.stored.article.source is None


def test_article_api_returns_the_author(tmp_path: Path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Budget passes | Riverside Ledger</title>"
        '<meta property="og:site_name" content="Riverside Ledger">'
        '<meta name="author" content="Dana Whitfield"></head><body><article>'
        "<p>The council approved the budget on Monday after a debate that ran past midnight.</p>"
        "<p>Members said the plan would keep every library open seven days a week.</p>"
        "</article></body></html>"
    )
    index = tmp_path / "index"
    report = ingest([str(page)], index)
    assert report.new == 1
    client = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0}).test_client()
    data = client.get(f"/api/articles/{report.article_ids[0]}").get_json()
    assert (data["source"], data["author"]) == ("Riverside Ledger", "Dana Whitfield")
    reindex(index)
    data = client.get(f"/api/articles/{report.article_ids[0]}").get_json()
    assert data["author"] == "Dana Whitfield"
    html = client.get(f"/articles/{report.article_ids[0]}").get_data(as_text=True)
    meta = BeautifulSoup(html, "lxml").select_one("article .meta")
    assert meta is not None
    assert meta.select_one(".source").get_text() == "Riverside Ledger"
    assert meta.select_one(".author").get_text() == "By Dana Whitfield"


def test_relabelling_unchanged_documents_updates_them(tmp_path: Path, seeds_copy: Path):
    index = tmp_path / "index"
    assert ingest([str(seeds_copy)], index).new == 3
    assert main(["ingest", "--index", str(index), "--source", "Seed Wire", str(seeds_copy)]) == 0
    assert set(_sources(index).values()) == {"Seed Wire"}
    # The same label again changes nothing.
    again = ingest([str(seeds_copy)], index, IngestOptions(source="Seed Wire"))
    assert (again.unchanged, again.updated) == (3, 0)


def test_author_is_searchable_as_a_field_filter(tmp_path: Path):
    """`author:` finds an article by its byline; the text's own words are not the author."""
    records = [
        {
            "id": "a1",
            "title": "Rain in Leeds",
            "text": "Heavy rain fell on Leeds.",
            "author": "Jane Smith",
        },
        {
            "id": "a2",
            "title": "Rain in York",
            "text": "Heavy rain, Smith said.",
            "author": "Tom Jones",
        },
    ]
    source = tmp_path / "news.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index = tmp_path / "index"
    assert ingest([str(source)], index).new == 2
    service = SearchService(index)

    def ids(q: str) -> list[str]:
        return [r.id for r in service.search(SearchRequest(q)).results]

    assert ids("author:smith") == ["a1"]
    assert ids('author:"jane smith" rain') == ["a1"]
    assert ids("smith") == ["a2"]
    assert ids("rain -author:smith") == ["a2"]
    assert sorted(ids("author:jones OR author:smith")) == ["a1", "a2"]
    reindex(index)
    assert ids("author:smith") == ["a1"]


def test_a_best_guess_page_says_so_on_the_article_page_and_in_the_api(tmp_path: Path):
    """Issue 16: a page the cleaner kept only as a best guess carries low_confidence to the
    reader, through the index and a reindex; a clear article does not."""
    prose = "The harbour reopened on Monday after a week of repairs, and the first ferries sailed."
    guess = tmp_path / "bold.html"
    guess.write_text(f"<html><body><p>{'<b>x</b>' * 60_000}</p><div>{prose}</div></body></html>")
    clear = tmp_path / "clear.html"
    clear.write_text(f"<html><body><nav><a href='/'>Home</a></nav><p>{prose}</p></body></html>")
    index = tmp_path / "index"
    report = ingest([str(guess), str(clear)], index)
    assert report.new == 2
    client = create_app({"INDEX": str(index), "TESTING": True, "RATE_LIMIT": 0}).test_client()
    flags = {}
    for article_id in report.article_ids:
        data = client.get(f"/api/articles/{article_id}").get_json()
        flags[data["provenance"]["location"].rsplit("/", 1)[-1]] = data["low_confidence"]
        html = client.get(f"/articles/{article_id}").get_data(as_text=True)
        note = BeautifulSoup(html, "lxml").select_one("article .low-confidence")
        assert (note is not None) == data["low_confidence"]
    assert flags == {"bold.html": True, "clear.html": False}
    reindex(index)
    data = client.get(f"/api/articles/{report.article_ids[0]}").get_json()
    assert data["low_confidence"] is flags[data["provenance"]["location"].rsplit("/", 1)[-1]]
