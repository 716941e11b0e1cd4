"""Issue 14: a prefix's common completions rank as if typed, not behind rare ones."""

from __future__ import annotations

import json

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("prefix")
    docs = [
        {
            "id": f"e{i}",
            "title": f"Report {i}",
            "text": f"The elections in region {i} drew a crowd; the election count went on.",
        }
        for i in range(8)
    ]
    # Most articles are about something else, as in a news corpus.
    docs += [
        {"id": f"f{i}", "title": f"Weather {i}", "text": f"Rain fell on town {i} all day."}
        for i in range(30)
    ]
    docs.append(
        {"id": "rare", "title": "Appliances", "text": "Electrolux makes fridges; Electrolux grew."}
    )
    source = root / "docs.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index = root / "index"
    assert ingest([str(source)], index).ok
    return SearchService(index, Settings(index=index, cache_size=0))


def test_common_completions_of_a_prefix_rank_first(service: SearchService) -> None:
    page = service.search(SearchRequest("elect*", per_page=20))
    ids = [r.id for r in page.results]
    assert len(ids) == 9 and ids[-1] == "rare", ids


def test_a_typed_rare_word_still_finds_its_article(service: SearchService) -> None:
    assert [r.id for r in service.search(SearchRequest("electrolux")).results] == ["rare"]
