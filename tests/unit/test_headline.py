"""A headline repeated in the text stays a headline (indexed); a made-up title does not."""

from __future__ import annotations

import json
from pathlib import Path

from search_app.cleaning import clean
from search_app.config import Settings
from search_app.headline import drop_repeated_headline, first_line, is_derived
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService


def test_a_title_made_from_the_first_sentence_is_derived():
    article = clean("Storm clouds gathered over the harbour. Rain followed at dusk.\n\nMore.")
    assert article.title == "Storm clouds gathered over the harbour"
    assert is_derived(article.title, article.paragraphs[0])


def test_a_real_headline_that_opens_the_lede_is_not_derived():
    assert not is_derived("Storm", "Storm clouds gathered over the harbour. Rain followed.")
    # A one-sentence lede is its own derived title: not indexed twice.
    assert is_derived("Dredging resumed", "Dredging resumed.")
    assert not is_derived("", "Anything.")


def test_the_repeated_headline_line_leaves_the_text():
    article = clean("Storm hits the coast\nHeavy rain fell on the harbour town overnight.")
    article = type(article)(title="Storm hits the coast", paragraphs=article.paragraphs)
    out = drop_repeated_headline(article, first_line(b"\n Storm hits the coast\nHeavy rain"))
    assert out.paragraphs == ("Heavy rain fell on the harbour town overnight.",)
    assert [r.rule for r in out.removed] == ["title-repeat"]
    # A lede that merely starts with the headline's words keeps them.
    lede = type(article)(title="Storm hits", paragraphs=("Storm hits the coast of Maine.",))
    assert drop_repeated_headline(lede, "Storm hits the coast of Maine.") is lede


def test_a_headline_repeated_as_the_first_line_is_searchable_as_a_headline(tmp_path: Path):
    recs = [
        {"id": "repeat", "title": "Storm hits the coast",
         "text": "Storm hits the coast\nHeavy rain fell on the harbour town overnight."},
        {"id": "prefix", "title": "Storm",
         "text": "Storm clouds gathered over the harbour.\n\nMore rain fell."},
        {"id": "plain", "title": "",
         "text": "Coastal storm warnings were issued on Monday. Rain is expected."},
    ]  # fmt: skip
    src = tmp_path / "d.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    ingest([str(src)], tmp_path / "ix")
    service = SearchService(tmp_path / "ix", Settings(index=tmp_path / "ix", cache_size=0))
    found = {r.id for r in service.search(SearchRequest(q="title:storm")).results}
    assert found == {"repeat", "prefix"}  # the derived title of "plain" is not indexed
    assert [r.id for r in service.search(SearchRequest(q="title:coast")).results] == ["repeat"]
    view = service.article("repeat")
    assert view is not None
    assert view.stored.article.paragraphs == ("Heavy rain fell on the harbour town overnight.",)
