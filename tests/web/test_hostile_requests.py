"""Hostile requests answered by the app (issue 18, items 5 and 17): the rate limiter's
table under an address flood, the HTML routes' limit, and the re-index report's privacy.
"""

from __future__ import annotations

import time

from search_app import create_app
from search_app.web.security import RateLimiter
from tests.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_a_flood_of_new_addresses_never_frees_a_limited_client():
    limiter = RateLimiter(per_minute=5, max_clients=1_000)
    for _ in range(5):
        assert limiter.check("attacker") == 0.0
    assert limiter.check("attacker") > 0
    for n in range(10_000):
        assert limiter.check(f"10.0.{n // 256}.{n % 256}") == 0.0
        if n % 100 == 0:  # still hammering: always recent, never evicted
            assert limiter.check("attacker") > 0, n
    assert len(limiter._buckets) <= 1_000


def test_idle_clients_are_the_ones_evicted():
    limiter = RateLimiter(per_minute=1, max_clients=3)
    limiter.check("idle")
    for name in ("a", "b", "c"):
        limiter.check(name)
    assert limiter.check("idle") == 0.0  # evicted, so it starts again with a full bucket
    assert limiter.check("a") == 0.0 and limiter.check("a") > 0


def test_html_search_and_article_pages_are_rate_limited(corpus_index):
    client = create_app(
        {"INDEX": str(corpus_index), "TESTING": True, "RATE_LIMIT": 3}
    ).test_client()
    statuses = [client.get("/search?q=asylum").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/articles/anything")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "text/html" in limited.headers["Content-Type"]
    assert client.get("/healthz").status_code == 200  # monitors are not limited


def test_the_reindex_report_shows_counts_only_without_the_token(writable_index):
    app = create_app(
        {"INDEX": str(writable_index), "TESTING": True, "RATE_LIMIT": 0, "TOKEN": TOKEN}
    )
    client = app.test_client()
    assert client.post("/api/reindex", headers=AUTH).status_code == 202
    deadline = time.monotonic() + 60
    while client.get("/api/reindex").get_json()["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    public = client.get("/api/reindex").get_json()
    assert public["report"]["updated"] == 7
    assert "article_ids" not in public["report"] and isinstance(public["report"]["failed"], int)
    wrong = client.get("/api/reindex", headers={"Authorization": "Bearer nope"}).get_json()
    assert "article_ids" not in wrong["report"]
    full = client.get("/api/reindex", headers=AUTH).get_json()
    assert len(full["report"]["article_ids"]) == 7 and full["report"]["failed"] == []
