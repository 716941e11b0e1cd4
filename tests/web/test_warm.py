"""`search-app serve` builds the searcher's tables at start, not in the first request."""

from __future__ import annotations

from pathlib import Path

from search_app import create_app
from search_app.web.service import get_service, warm_in_background


def test_warm_up_builds_the_tables_before_any_request(corpus_index: Path) -> None:
    app = create_app({"INDEX": str(corpus_index), "RATE_LIMIT": 0})
    warm_in_background(app).join(timeout=60)
    with app.app_context():
        service = get_service()
        assert service._doc_tables is not None
        assert len(service._doc_tables.article_ids) >= 7  # seeds + wire set
    assert app.test_client().get("/api/search?q=asylum").get_json()["total_articles"] >= 3


def test_warm_up_of_a_new_empty_index(tmp_path: Path) -> None:
    app = create_app({"INDEX": str(tmp_path / "nothing-yet"), "RATE_LIMIT": 0})
    thread = warm_in_background(app)
    thread.join(timeout=60)
    assert not thread.is_alive()
    resp = app.test_client().get("/api/search?q=asylum")
    assert resp.status_code == 200
    assert resp.get_json()["total_articles"] == 0
