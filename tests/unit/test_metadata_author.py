"""Who wrote an article: structured data first, then the byline the cleaner removes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search_app.cleaning import clean
from search_app.cleaning.attribution import (
    author_from_removed,
    parse_byline,
    publisher_from_removed,
    site_name,
)
from search_app.models import Removed

DATA = Path(__file__).resolve().parents[1] / "data"
_BODY = (
    "<article><p>"
    + "The council approved the budget on Monday after a long debate. " * 4
    + "</p><p>"
    + "Members said the plan would keep the libraries open all week. " * 4
    + "</p></article>"
)


def _html(head: str, body: str = _BODY) -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("name", "url", "author"),
    [
        # JSON-LD names the wire agency as author: that is what the page says.
        ("nbcnews-reuters.html.gz", "https://www.nbcnews.com/news/world/n1086531", "Reuters"),
        # "Practical Horseman Editorial Staff" is a desk, not a person.
        (
            "practicalhorseman-tagline-site-name.html.gz",
            "https://practicalhorsemanmag.com/news/4-things-to-do-in-october",
            None,
        ),
    ],
)
def test_real_pages_authors(name, url, author):
    raw = gzip.decompress((DATA / "pages" / name).read_bytes())
    assert clean(raw, url=url, content_type="text/html").author == author


@pytest.mark.parametrize(
    ("page", "author"),
    [
        ("jsonld.html", "Marta Silva"),
        ("comments.html", "Dana Whitfield"),
        ("figures.html", None),
    ],
)
def test_saved_pages_authors(page, author):
    raw = (DATA / "html" / page).read_bytes()
    art = clean(raw, url="https://www.example.com/news/story", content_type="text/html")
    assert art.author == author


# Author fields and bylines as real pages (the extraction-dev sets) state them.
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Analysis by Chris Cillizza, CNN Editor-at-large", ["Chris Cillizza"]),
        ("By Umair Irfan Updated Nov 13, 2019, 10:28am EST", ["Umair Irfan"]),
        ("By Michael Hiltzik Business Columnist Nov. 19, 2019 5:53 PM", ["Michael Hiltzik"]),
        ("Rachael Link, MS, RD", ["Rachael Link"]),
        ("Jeffrey A. Slotnick CPP, PSP", ["Jeffrey A. Slotnick"]),
        ("Elle Penner M.P.H., R.D.", ["Elle Penner"]),
        ("Written by Rebecca Lake, CEPF\u00ae | Edited by Marie White", ["Rebecca Lake"]),
        (
            "Benjamin Johnson, Sr. Director of Operations, Atlas Van Lines - 10+ Years",
            ["Benjamin Johnson"],
        ),
        ("By Andy Sahadeo | Fox News", ["Andy Sahadeo"]),
        ("By Jane Roe and John Doe, CNN", ["Jane Roe", "John Doe"]),
        ("By Theresa May", ["Theresa May"]),
        ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        ("FEDERICA LUSIARDI", ["FEDERICA LUSIARDI"]),
        ("Nicoletta Richardson Nicoletta Richardson is Trending Editor", ["Nicoletta Richardson"]),
        # Not people: desks, logins, profile URLs, labels.
        ("Great Day Editorial Team", []),
        ("News Desk", []),
        ("stephenlega", []),
        ("https://www.facebook.com/bbcnews", []),
        ("By:", []),
        ("", []),
    ],
)
def test_parse_byline(text, names):
    assert parse_byline(text) == names


def test_the_publisher_is_not_its_own_author():
    assert parse_byline("Kong Inc.", source="Kong") == []
    assert parse_byline("buzzsprout.com", source="Buzzsprout") == []
    # A photographer whose studio carries her name still wrote the page.
    assert parse_byline("Hanna Hill", source="Hanna Hill Creative") == ["Hanna Hill"]


def test_json_ld_author_by_reference_and_organisation():
    head = (
        '<meta property="og:site_name" content="Riverside Ledger">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "Person", "@id": "#jo", "name": "Jo Bloggs"},'
        '{"@type": "NewsArticle", "headline": "Budget passes", "author": [{"@id": "#jo"},'
        '{"@type": "Organization", "name": "Center for Drug Evaluation and Research"},'
        '{"@type": "Organization", "name": "Riverside Ledger"}]}]}</script>'
    )
    art = clean(_html(head), url="https://ledger.example/a", content_type="text/html")
    assert art.author == "Jo Bloggs, Center for Drug Evaluation and Research"


def test_meta_author_wins_over_the_visible_byline():
    head = '<meta name="author" content="Sam Writer">'
    body = '<p class="byline">By Someone Else</p>' + _BODY
    art = clean(_html(head, body), url="https://x.example/a", content_type="text/html")
    assert art.author == "Sam Writer"


def test_visible_byline_when_the_markup_names_no_author():
    body = '<div class="byline">By Pat Example | March 3, 2021</div>' + _BODY
    art = clean(_html("", body), url="https://x.example/a", content_type="text/html")
    assert art.author == "Pat Example"
    assert all("Pat Example" not in p for p in art.paragraphs)


def test_plain_text_by_line_is_kept_as_author():
    story = (
        "Envoy defects\n\nBy Jane Roe and John Doe\n\n"
        "A senior diplomat has defected and wants to seek asylum in the United States.\n\n"
        "He said he feared for his family, a source told CNN.\n"
    )
    art = clean(story, content_type="text/plain")
    assert art.author == "Jane Roe, John Doe"
    assert ("By Jane Roe and John Doe", "meta") in {(r.text, r.category) for r in art.removed}
    assert all("Jane Roe" not in p for p in art.paragraphs)


def test_author_from_removed_reads_only_meta_blocks():
    assert author_from_removed([Removed("By Jane Roe", "meta", "meta-byline")]) == "Jane Roe"
    assert author_from_removed([Removed("Photo by Jane Roe", "caption", "x")]) is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.text(max_size=300), source=st.one_of(st.none(), st.text(max_size=40)))
def test_any_text_gives_names_or_nothing_never_an_error(text, source):
    names = parse_byline(text, source)
    assert len(names) <= 6
    for name in names:
        assert name and name == name.strip() and len(name) <= len(text)
    name = site_name(text, "https://www.example.com/a")
    assert name is None or (name and len(name) <= len(text))
    publisher = publisher_from_removed([Removed(text, "newsletter", "r")])
    assert publisher is None or publisher in text
