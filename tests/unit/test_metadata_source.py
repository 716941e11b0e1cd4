"""Which publisher an article names: stated site names, taglines, hosts, and boilerplate."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from search_app.cleaning import Rules, clean, load_rules
from search_app.cleaning.attribution import (
    host_labels,
    publisher_from_removed,
    readable_host,
    site_name,
)
from search_app.models import Removed

DATA = Path(__file__).resolve().parents[1] / "data"
PAGES = DATA / "pages"


def _page(name: str, url: str) -> str | None:
    raw = gzip.decompress((PAGES / name).read_bytes())
    return clean(raw, url=url, content_type="text/html").source


@pytest.mark.parametrize(
    ("name", "url", "source"),
    [
        (
            "nbcnews-reuters.html.gz",
            "https://www.nbcnews.com/news/world/house-hitler-was-born-n1086531",
            "NBC News",
        ),
        (
            "remember8090-compound-site-name.html.gz",
            "http://www.remember8090.it/remake-serie-animata/",
            "Remember 80/90",
        ),
        (
            "autoracing-topic-list-site-name.html.gz",
            "http://www.autoracing.com.br/calendario-stock-car-2018/",
            "Autoracing",
        ),
        # The tagline is no name, and nothing else on the page names the site: the host does.
        (
            "practicalhorseman-tagline-site-name.html.gz",
            "https://practicalhorsemanmag.com/news/4-things-to-do-in-october",
            "practicalhorsemanmag.com",
        ),
    ],
)
def test_real_pages_name_their_publisher_not_a_tagline(name, url, source):
    assert _page(name, url) == source


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("jsonld.html", "Example Financial News"),  # JSON-LD publisher by @id
        ("comments.html", "The Riverside Ledger"),
        ("newsletter_share.html", "Tech Business Wire"),
        ("cp1252_meta.html", "example.com"),  # no site name: the host, without "www."
        ("figures.html", "example.com"),
    ],
)
def test_saved_pages_sources(page, source):
    raw = (DATA / "html" / page).read_bytes()
    art = clean(raw, url="https://www.example.com/news/story", content_type="text/html")
    assert art.source == source


# Site names stated by real pages (the extraction-dev sets), with the host they came from.
@pytest.mark.parametrize(
    ("stated", "url", "name"),
    [
        ("BBC News", "https://www.bbc.com/news/world-europe-50473792", "BBC News"),
        (
            "Autoracing | F1 | Indy | MotoGP | StockCar | NASCAR",
            "http://autoracing.com.br/",
            "Autoracing",
        ),
        ("Expert how-to for English Riders", "https://practicalhorsemanmag.com/x", None),
        (
            "Tech Blog | Mobile App, eCommerce, Salesforce Insights",
            "https://emizentech.com/b",
            None,
        ),
        ("Healthcare AI | Aidoc Always-on AI", "https://www.aidoc.com/learn/", "Aidoc"),
        (
            "OSSystem Blog about IT news, technology and design",
            "https://os-system.com/",
            "OSSystem",
        ),
        (
            "National Cyber Security Centre - NCSC.GOV.UK",
            "https://www.ncsc.gov.uk/",
            "National Cyber Security Centre",
        ),
        (
            "How to Design a Website: a Complete Guide for 2026 | Clay",
            "https://clay.global/b",
            "Clay",
        ),
        (
            "The White Coat Investor - Investing & Personal Finance for Doctors",
            "https://www.whitecoatinvestor.com/",
            "The White Coat Investor",
        ),
        (
            "Townsquare Interactive | Charlotte, NC",
            "https://www.townsquareinteractive.com/",
            "Townsquare Interactive",
        ),
        (
            "Take The Magic Step\u00ae | to a Healthy Lifestyle",
            "https://www.takethemagicstep.com/",
            "Take The Magic Step",
        ),
        (
            "Meals From the Heart Cafe in New Orleans Vegan Restaurant |",
            "https://mealsfromtheheartcafe.com/",
            "Meals From the Heart Cafe",
        ),
        ("NoGood\u2122: Growth Marketing Agency", "https://nogood.io/blog/", "NoGood"),
        # Names that do not spell their host stand when they read as names.
        (
            "Harvard T.H. Chan School of Public Health",
            "https://hsph.harvard.edu/",
            "Harvard T.H. Chan School of Public Health",
        ),
        ("Atlas World Group, Inc.", "https://www.atlasvanlines.com/", "Atlas World Group, Inc."),
        ("Body by Bikini", "https://melissaneill.com/", "Body by Bikini"),
        (
            "3d23d65-ddc6-4ce5's Substack",
            "https://3d23d65ddc64ce5.substack.com/p",
            "3d23d65-ddc6-4ce5's Substack",
        ),
        # A name that spells its host stands even when it reads like a sentence.
        ("What is Smart Energy?", "https://whatissmartenergy.org/", "What is Smart Energy?"),
        ("Express.co.uk", "https://www.express.co.uk/news", "Express.co.uk"),
        # No host to check against: a tagline is still no name.
        ("Your daily dose of news about horses", None, None),
        ("", "https://example.com/", None),
    ],
)
def test_site_name_keeps_names_and_drops_taglines(stated, url, name):
    assert site_name(stated, url) == name


def test_a_site_name_that_is_the_headline_is_no_name():
    headline = "Diplomat resigns over crackdown"
    assert site_name(headline, "https://news.example.org/a", title=headline) is None


@pytest.mark.parametrize(
    ("url", "host", "labels"),
    [
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk", ("bbc",)),
        ("https://m.example.com/x", "example.com", ("example",)),
        ("https://detroit.cbslocal.com/2019", "detroit.cbslocal.com", ("detroit", "cbslocal")),
        ("http://autoracing.com.br/", "autoracing.com.br", ("autoracing",)),
        ("http://127.0.0.1:5000/a", "127.0.0.1", ()),
        ("http://a.c[om/", None, ()),
        (None, None, ()),
    ],
)
def test_hosts_as_people_write_them(url, host, labels):
    assert readable_host(url) == host
    assert host_labels(url) == labels


@pytest.mark.parametrize(
    ("text", "category", "name"),
    [
        ("CNN welcomes a lively and courteous discussion as long as you follow", "comments", "CNN"),
        ("Subscribe to The Jerusalem Post Newsletter", "newsletter", "The Jerusalem Post"),
        ("Sign up for the Guardian's daily newsletter", "newsletter", "Guardian"),
        ("\u00a9 2021 The Jerusalem Post. All rights reserved.", "footer", "The Jerusalem Post"),
        ("Download the BBC News app", "promo", "BBC News"),
        # Newsletters named for what they hold, not for who sends them.
        ("Sign up for The Morning Newsletter", "newsletter", None),
        ("Subscribe to our newsletter", "newsletter", None),
        # Helpers and photographers are not the publisher.
        ("Reuters contributed to this report.", "contributors", None),
        ("(photo credit: STRINGER/ REUTERS)", "caption", None),
    ],
)
def test_publisher_from_removed_boilerplate(text, category, name):
    assert publisher_from_removed([Removed(text, category, "rule")]) == name


_STORY = (
    "Envoy defects\n\n"
    "A senior diplomat has defected, a source told CNN on Wednesday.\n\n"
    "He said he feared for his family and would seek asylum in the United States.\n\n"
)


def test_a_story_naming_a_channel_does_not_name_its_publisher():
    art = clean(_STORY, content_type="text/plain")
    assert art.source is None  # "told CNN" is the story, not its publisher's boilerplate


def test_plain_text_boilerplate_names_the_publisher():
    art = clean(_STORY + "Subscribe to The Daily Courier Newsletter\n", content_type="text/plain")
    assert art.source == "The Daily Courier"
    assert "Subscribe to The Daily Courier Newsletter" not in art.paragraphs


def test_only_removed_boilerplate_counts(tmp_path: Path):
    """With the newsletter rules off the line is text, and text is no evidence."""
    rules_file = tmp_path / "rules.json"
    names = [r.name for r in load_rules(None).line_rules if r.category == "newsletter"]
    rules_file.write_text(json.dumps({"disable": names}))
    rules: Rules = load_rules(str(rules_file))
    art = clean(
        _STORY + "Subscribe to The Daily Courier Newsletter\n",
        content_type="text/plain",
        rules=rules,
    )
    assert "Subscribe to The Daily Courier Newsletter" in art.paragraphs
    assert art.source is None


def test_a_page_host_outranks_its_boilerplate():
    html = (
        "<html><body><article><p>" + "The council approved the budget on Monday. " * 5 + "</p>"
        "<p>" + "Members said the new plan would fund the libraries. " * 4 + "</p>"
        "<p>Sign up for the Weekend Reader newsletter</p></article></body></html>"
    )
    art = clean(html, url="https://www.localpaper.example/news/1", content_type="text/html")
    assert art.source == "localpaper.example"
    assert clean(html, content_type="text/html").source == "Weekend Reader"
