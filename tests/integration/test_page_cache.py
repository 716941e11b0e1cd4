"""Repeated searches come from a cache that every index commit invalidates."""

from __future__ import annotations

import json
from pathlib import Path

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.request import check_request
from search_app.service import SearchService

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_repeat_is_cached_and_a_commit_invalidates_it(tmp_path: Path):
    index = tmp_path / "index"
    ingest([str(SEEDS)], index)
    service = SearchService(index, Settings(index=index))
    req = SearchRequest("asylum OR pelicans")
    first = service.search(req)
    generation = service.generation()
    assert service._cache.get((generation, check_request(req, service.settings))) is not None
    again = service.search(req)
    assert [r.id for r in again.results] == [r.id for r in first.results]

    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "pel", "title": "Pelicans", "text": "Pelicans in the harbour. " * 5})
        + "\n"
    )
    ingest([str(extra)], index)
    after = service.search(req)
    assert service.generation() > generation
    assert "pel" in [r.id for r in after.results]
    assert after.total_articles == first.total_articles + 1
