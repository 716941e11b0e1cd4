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
