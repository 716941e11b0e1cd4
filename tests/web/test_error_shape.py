"""Every API error has one shape, {"error": {"code", "message"}}, and the right status."""

from __future__ import annotations

import pytest

from search_app import create_app


def assert_error(resp, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.data
    body = resp.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str)
    assert err["message"] and "Traceback" not in err["message"]
    if code:
        assert err["code"] == code
    return err


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ('/api/search?q="seeking asylum', "quote"),
        ("/api/search?q=(asylum", "parenthes"),
        ("/api/search?q=exact:seeking", "quoted phrase"),
        ("/api/search?q=colour:red", "field"),
    ],
)
def test_bad_queries_are_400_with_a_precise_message(client, url, fragment):
    err = assert_error(client.get(url), 400, "bad_query")
    assert fragment in err["message"].lower()


@pytest.mark.parametrize(
    "url",
    [
        "/api/search",
        "/api/search?q=",
        "/api/search?q=a&page=0",
        "/api/search?q=a&page=x",
        "/api/search?q=a&page=101",
        "/api/search?q=a&per_page=-1",
        "/api/search?q=a&sort=best",
        "/api/search?q=a&from=July",
        "/api/search?q=" + "a" * 20_001,
    ],
)
def test_bad_parameters_are_400(client, url):
    assert_error(client.get(url), 400)


def test_unknown_paths_and_articles_are_404(client):
    assert_error(client.get("/api/nothing"), 404, "not_found")
    assert_error(client.get("/api/articles/nope"), 404, "not_found")


def test_wrong_method_is_405(client):
    assert_error(client.post("/api/search?q=a"), 405)


def test_rate_limit_answers_429_with_retry_after(corpus_index):
    app = create_app({"INDEX": str(corpus_index), "RATE_LIMIT": 3})
    client = app.test_client()
    codes = [client.get("/api/search?q=asylum").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    resp = client.get("/api/stats")
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) >= 1
    assert client.get("/").status_code == 200  # pages are not rate limited


def test_an_index_of_another_schema_version_answers_503_with_the_fix(writable_index):
    meta = writable_index / "meta.json"
    meta.write_text('{"schema_version": 0}')
    client = create_app({"INDEX": str(writable_index)}).test_client()
    err = assert_error(client.get("/api/search?q=asylum"), 503, "index_unavailable")
    assert "reindex" in err["message"]
    assert_error(client.get("/healthz"), 503)
    page = client.get("/search?q=asylum")
    assert page.status_code == 503 and b"reindex" in page.data


def test_prefix_and_fuzzy_expansion_is_capped(corpus_index):
    wide = create_app({"INDEX": str(corpus_index), "RATE_LIMIT": 0}).test_client()
    narrow = create_app(
        {"INDEX": str(corpus_index), "RATE_LIMIT": 0, "MAX_EXPANSION": 3}
    ).test_client()
    for q in ("d*", "diplomatt~2"):
        many = wide.get(f"/api/search?q={q}").get_json()["terms"][0]["matched"]
        few = narrow.get(f"/api/search?q={q}").get_json()["terms"][0]["matched"]
        assert len(few) <= 3 < len(many) or len(many) <= 3, (q, many)
    assert len(wide.get("/api/search?q=d*").get_json()["terms"][0]["matched"]) > 3
