"""Article text, titles, URLs and queries that carry markup never execute or inject."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from search_app import create_app


def only_marks(html: str) -> None:
    tags = {t.name for t in BeautifulSoup(html, "html.parser").find_all(True)}
    assert tags <= {"mark"}, tags


def test_api_returns_escaped_text(hostile_index: Path):
    client = create_app({"INDEX": str(hostile_index), "RATE_LIMIT": 0}).test_client()
    data = client.get("/api/search?q=pwned").get_json()
    assert data["total_articles"] == 3
    for result in data["results"]:
        for para in result["paragraphs"]:
            only_marks(para["highlight"])
    raw = client.get("/api/search?q=pwned").get_data(as_text=True)
    assert "<script" not in raw and "<img" not in raw
    article = client.get("/api/articles/xss-1?q=pwned").get_json()
    for para in article["paragraphs"]:
        only_marks(para["highlight"])


def test_pages_never_link_javascript_urls(hostile_index: Path):
    client = create_app({"INDEX": str(hostile_index), "RATE_LIMIT": 0}).test_client()
    for path in ("/search?q=pwned", "/articles/xss-1?q=pwned", "/articles/xss-2"):
        page = BeautifulSoup(client.get(path).data, "lxml")
        hrefs = [a.get("href", "") for a in page.find_all("a")]
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]
        assert [s.get("src") for s in page.find_all("script")] == ["/static/app.js"]
        assert not page.find_all(["img", "iframe", "b"])
        assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]
