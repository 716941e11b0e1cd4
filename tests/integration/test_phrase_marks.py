"""A phrase query marks the phrase where it stands, not its words elsewhere (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

TEXT = "Asylum rules changed last year. Many people are seeking asylum in the city."


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("marks")
    doc = {"id": "a", "title": "Rules", "text": TEXT, "date": "2020-01-01"}
    (root / "d.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    ingest([str(root / "d.jsonl")], root / "index")
    return SearchService(root / "index", Settings(index=Path(root / "index"), cache_size=0))


@pytest.mark.parametrize("q", ['"seeking asylum"', 'exact:"seeking asylum"'])
def test_the_phrase_is_marked_and_the_lone_word_is_not(service: SearchService, q: str) -> None:
    page = service.search(SearchRequest(q, nocorrect=True))
    (hit,) = page.results[0].paragraphs
    assert hit.highlight == (
        "Asylum rules changed last year. Many people are "
        "<mark>seeking</mark> <mark>asylum</mark> in the city."
    )
    view = service.article("a", q)
    assert view is not None and view.highlights[0] == hit.highlight and view.hit_positions == (0,)


def test_plain_words_are_marked_wherever_they_stand(service: SearchService) -> None:
    page = service.search(SearchRequest("seeking asylum", nocorrect=True))
    assert page.results[0].paragraphs[0].highlight.count("<mark>") == 3


def test_an_exact_phrase_shows_and_marks_only_the_words_as_written(tmp_path: Path) -> None:
    """``exact:"seeking asylum"`` is searched stemmed, then checked word for word: a
    paragraph that says "seek asylum" matches the stemmed phrase only, so it is neither
    shown as a matching paragraph nor marked, here or on the article page."""
    paragraphs = [
        "He plans to seek asylum in the United States.",
        "The council met on Tuesday.",
        "She is formally seeking asylum for her family.",
    ]
    doc = {"id": "b", "title": "Envoy", "text": "\n\n".join(paragraphs), "date": "2020-01-01"}
    (tmp_path / "d.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    ingest([str(tmp_path / "d.jsonl")], tmp_path / "index")
    service = SearchService(tmp_path / "index", Settings(index=tmp_path / "index", cache_size=0))
    q = 'exact:"seeking asylum"'
    (result,) = service.search(SearchRequest(q, nocorrect=True)).results
    assert result.matching_paragraphs == 1
    assert [p.highlight for p in result.paragraphs] == [
        "She is formally <mark>seeking</mark> <mark>asylum</mark> for her family."
    ]
    view = service.article("b", q)
    assert view is not None and view.hit_positions == (2,)
    assert [h.count("<mark>") for h in view.highlights] == [0, 0, 2]
    # The stemmed phrase still marks both forms.
    view = service.article("b", '"seeking asylum"')
    assert view is not None and [h.count("<mark>") for h in view.highlights] == [2, 0, 2]
