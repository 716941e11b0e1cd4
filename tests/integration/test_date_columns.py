"""Dates are columns, not index terms: every path that matches a date must use them."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    index = tmp_path_factory.mktemp("dates") / "index"
    ingest([str(ROOT / "seeds"), str(ROOT / "tests" / "data" / "wire.jsonl")], index)
    return SearchService(index, Settings(index=index, cache_size=0))


def _ids(service: SearchService, q: str) -> list[str]:
    return sorted(r.id for r in service.search(SearchRequest(q=q, per_page=50)).results)


def test_the_article_page_marks_hits_of_a_query_with_a_date(service: SearchService) -> None:
    """A result link carries the query; its page must find the same paragraphs."""
    assert _ids(service, "envoy date:2021-03") == ["wire-1"]
    plain = service.article("wire-1", q="envoy")
    assert plain is not None and plain.hit_positions == (1,)
    for q in ("envoy date:2021-03", "envoy date:2021", "envoy date:[2021-01 TO 2021-12]"):
        view = service.article("wire-1", q=q)
        assert view is not None and view.hit_positions == (1,), q
    outside = service.article("wire-1", q="envoy date:2019")
    assert outside is not None and outside.hit_positions == ()


def test_require_with_a_date_range(service: SearchService) -> None:
    assert _ids(service, "myanmar date:2021-04") == ["wire-2"]
    assert _ids(service, "myanmar REQUIRE date:2021-04") == ["wire-2"]
    assert _ids(service, "date:2021-04 REQUIRE myanmar") == ["wire-2"]
    assert len(_ids(service, "(myanmar OR embassy) REQUIRE date:2021")) >= 2
