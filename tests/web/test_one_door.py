"""Every door reads `q` through request.query_text: one check, one message."""

from __future__ import annotations

from pathlib import Path

from search_app.cli import main
from search_app.config import Settings

TOO_LONG = "asylum " * (Settings.max_query_length // 7 + 1)


def test_a_too_long_query_reads_the_same_on_search_suggest_article_and_cli(
    client, corpus_index: Path, capsys
) -> None:
    article_id = client.get("/api/search?q=asylum").get_json()["results"][0]["id"]
    bodies = [
        client.get("/api/search", query_string={"q": TOO_LONG}),
        client.get("/api/suggest", query_string={"q": TOO_LONG}),
        client.get(f"/api/articles/{article_id}", query_string={"q": TOO_LONG}),
    ]
    assert [r.status_code for r in bodies] == [400, 400, 400]
    errors = [r.get_json()["error"] for r in bodies]
    assert errors[0]["code"] == "bad_query"
    assert errors[1:] == [errors[0], errors[0]]
    assert f"the limit is {Settings.max_query_length}" in errors[0]["message"]
    assert main(["search", TOO_LONG, "--index", str(corpus_index)]) == 1
    assert capsys.readouterr().err.strip() == f"error: {errors[0]['message']}"


def test_suggest_and_article_still_take_no_query(client) -> None:
    assert client.get("/api/suggest").get_json() == {"query": "", "suggestions": []}
    article_id = client.get("/api/search?q=asylum").get_json()["results"][0]["id"]
    assert client.get(f"/api/articles/{article_id}").status_code == 200
