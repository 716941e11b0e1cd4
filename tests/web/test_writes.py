"""Write endpoints: the token rules, uploads, URLs, HTML/text, delete and re-index."""

from __future__ import annotations

import io
import time

import pytest

from search_app import create_app
from tests.conftest import TOKEN
from tests.httpserver import LocalServer

AUTH = {"Authorization": f"Bearer {TOKEN}"}

STORY = (
    "<html><head><title>Harbour pelicans return to Lisbon</title>"
    '<meta property="og:site_name" content="Lisbon Daily">'
    '<meta property="article:published_time" content="2024-05-02T10:00:00Z"></head><body>'
    "<article><h1>Harbour pelicans return to Lisbon</h1>"
    "<p>Pelicans have returned to the harbour of Lisbon for the first time in forty years, "
    "ornithologists at the city's university said on Thursday.</p>"
    "<p>The birds were seen feeding near the old docks, where fishing boats unload at dawn, "
    "and volunteers counted more than sixty of them over the weekend.</p>"
    "</article><p>Sign up for our newsletter to get the latest news.</p></body></html>"
)


def found(client, q: str) -> int:  # type: ignore[no-untyped-def]
    return client.get(f"/api/search?q={q}").get_json()["total_articles"]


def test_writes_are_off_without_a_configured_token(client):
    resp = client.post("/api/documents", json={"text": "pelicans " * 40})
    assert resp.status_code == 403
    err = resp.get_json()["error"]
    assert err["code"] == "writes_disabled" and "SEARCH_APP_TOKEN" in err["message"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]
)
def test_missing_or_wrong_token_is_401_and_never_logged(write_client, headers, caplog):
    resp = write_client.post("/api/documents", json={"text": "pelicans " * 40}, headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert "WWW-Authenticate" in resp.headers
    assert "wrong" not in caplog.text and TOKEN not in caplog.text
    assert found(write_client, "pelicans") == 0


def test_posted_html_is_cleaned_indexed_and_found_at_once(write_client):
    resp = write_client.post(
        "/api/documents",
        json={"html": STORY, "url": "https://lisbon.example/pelicans"},
        headers=AUTH,
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["new"] == 1 and len(body["articles"]) == 1
    aid = body["articles"][0]["id"]
    data = write_client.get("/api/search?q=pelicans").get_json()
    assert [r["id"] for r in data["results"]] == [aid]
    assert data["results"][0]["title"] == "Harbour pelicans return to Lisbon"
    assert found(write_client, "newsletter") == 0  # the boilerplate was cleaned away
    again = write_client.post(
        "/api/documents",
        json={"html": STORY, "url": "https://lisbon.example/pelicans"},
        headers=AUTH,
    )
    assert again.status_code == 200 and again.get_json()["unchanged"] == 1
    assert found(write_client, "pelicans") == 1


def test_upload_of_a_file_with_a_hostile_name(write_client, writable_index):
    data = {"file": (io.BytesIO(STORY.encode()), "../../etc/passwd.html")}
    resp = write_client.post(
        "/api/documents", data=data, headers=AUTH, content_type="multipart/form-data"
    )
    assert resp.status_code == 201, resp.get_json()
    aid = resp.get_json()["articles"][0]["id"]
    article = write_client.get(f"/api/articles/{aid}").get_json()
    assert article["provenance"]["location"] in ("upload:passwd.html", "upload:etc_passwd.html")
    assert not (writable_index.parent / "etc").exists()


def test_plain_text_with_title_and_date(write_client):
    text = "Volunteers counted sixty pelicans in the harbour. " * 5
    resp = write_client.post(
        "/api/documents",
        json={"text": text, "title": "Pelican count", "date": "2024-05-03", "id": "pel-1"},
        headers=AUTH,
    )
    assert resp.status_code == 201
    article = write_client.get("/api/articles/pel-1").get_json()
    assert article["title"] == "Pelican count" and article["published"].startswith("2024-05-03")


def test_a_document_with_no_article_text_is_422_and_nothing_changes(write_client):
    before = write_client.get("/api/stats").get_json()["articles"]
    resp = write_client.post("/api/documents", json={"html": "<html></html>"}, headers=AUTH)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "not_indexed"
    assert write_client.get("/api/stats").get_json()["articles"] == before


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "plain words", "content_type": "text/plain"}, 415),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["a", "list"]}, 400),
        ({"json": {"title": "no body"}}, 400),
        ({"json": {"text": 42}}, 400),
    ],
)
def test_malformed_bodies_are_clear_errors(write_client, kwargs, status):
    resp = write_client.post("/api/documents", headers=AUTH, **kwargs)
    assert resp.status_code == status
    assert resp.get_json()["error"]["message"]


def test_upload_over_the_size_cap_is_413(writable_index):
    app = create_app({"INDEX": str(writable_index), "TOKEN": TOKEN, "MAX_UPLOAD_BYTES": 1000})
    resp = app.test_client().post("/api/documents", json={"text": "x" * 5000}, headers=AUTH)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large"


def test_url_ingest_refuses_loopback_unless_allowed(writable_index):
    routes = {"/story": (200, {"Content-Type": "text/html; charset=utf-8"}, STORY.encode())}
    with LocalServer(routes) as srv:
        closed = create_app({"INDEX": str(writable_index), "TOKEN": TOKEN}).test_client()
        resp = closed.post("/api/documents", json={"url": srv.url("/story")}, headers=AUTH)
        assert resp.status_code == 422
        assert "loopback" in resp.get_json()["error"]["message"]
        assert srv.hits == []  # refused before any connection
        opened = create_app(
            {"INDEX": str(writable_index), "TOKEN": TOKEN, "ALLOW_HOSTS": "127.0.0.1"}
        ).test_client()
        resp = opened.post("/api/documents", json={"url": srv.url("/story")}, headers=AUTH)
        assert resp.status_code == 201, resp.get_json()
        assert found(opened, "pelicans") == 1


def test_delete_removes_an_article(write_client):
    aid = write_client.get("/api/search?q=ambassador London").get_json()["results"][0]["id"]
    resp = write_client.delete(f"/api/documents/{aid}", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json() == {"removed": aid}
    assert write_client.get(f"/api/articles/{aid}").status_code == 404
    assert write_client.delete(f"/api/documents/{aid}", headers=AUTH).status_code == 404
    assert write_client.delete(f"/api/documents/{aid}").status_code == 401


def test_reindex_runs_in_the_background_and_keeps_every_article(write_client):
    before = write_client.get("/api/stats").get_json()
    resp = write_client.post("/api/reindex", headers=AUTH)
    assert resp.status_code == 202 and resp.get_json()["running"] in (True, False)
    deadline = time.monotonic() + 60
    status = write_client.get("/api/reindex").get_json()
    while status["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
        status = write_client.get("/api/reindex").get_json()
    assert status["error"] is None and status["report"]["updated"] == before["articles"]
    after = write_client.get("/api/stats").get_json()
    assert (after["articles"], after["paragraphs"]) == (before["articles"], before["paragraphs"])
    assert found(write_client, '"seeking asylum"') == 3
