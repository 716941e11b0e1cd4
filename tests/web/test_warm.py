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
        reader = service._reader
        assert reader is not None and reader._tables is not None
        assert len(reader._tables.article_ids) >= 7  # seeds + wire set
    assert app.test_client().get("/api/search?q=asylum").get_json()["total_articles"] >= 3


def test_a_server_on_a_missing_index_says_to_ingest_and_creates_nothing(tmp_path: Path) -> None:
    """Readers open, writers create: a wrong path is an error, not a new empty index."""
    missing = tmp_path / "nothing-yet"
    app = create_app({"INDEX": str(missing), "RATE_LIMIT": 0})
    thread = warm_in_background(app)
    thread.join(timeout=60)
    assert not thread.is_alive()
    client = app.test_client()
    resp = client.get("/api/search?q=asylum")
    assert resp.status_code == 503
    error = resp.get_json()["error"]
    assert error["code"] == "index_missing" and "search-app ingest" in error["message"]
    assert client.get("/healthz").status_code == 503
    assert client.get("/api/stats").status_code == 503
    assert not missing.exists()
