"""HTML pages in the shapes of real news sites: what is kept, what is dropped, metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from search_app.cleaning import CleaningError, clean

PAGES = Path(__file__).resolve().parents[1] / "data" / "html"


@dataclass
class Expect:
    paragraphs: list[str]
    title: str
    dropped: dict[str, str] = field(default_factory=dict)  # text -> category
    published: datetime | None = None
    source: str | None = "example.net"
    url: str | None = "https://example.net/article"
    contributors: str | None = None
    summary: str | None = None


CAFE = [
    "The café on Rue de la Paix has served the same crème brûlée since 1921, and its owner "
    "says she has no plans to change the recipe – or the prices – any time soon.",
    "“People come here because nothing changes,” said Amélie Durand, 64, who took over from "
    "her father in 1989. “That’s the whole point.”",
    "The dessert costs €4.50, about the same as a coffee in most of the city’s tourist spots, "
    "and regulars say it is worth every cent.",
]

CASES = {
    "comments.html": Expect(
        title="City council approves new bike lanes",
        published=datetime(2021, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=-5))),
        source="The Riverside Ledger",
        url="https://ledger.example.com/news/2021/03/05/bike-lanes",
        paragraphs=[
            "The city council voted 7-2 on Thursday to build protected bike lanes along Main "
            "Street, ending a debate that has run for more than three years.",
            "Supporters packed the chamber, many wearing cycling helmets, and cheered when the "
            "final vote was read. Opponents warned that the lanes would cost the street a third "
            "of its parking spaces.",
            '"This is about safety, plain and simple," said council member Rosa Alvarez, who '
            'sponsored the measure. "Four people were hit on this street last year."',
            "Construction is expected to begin in the spring and to take about six months, "
            "according to the city's transportation department.",
        ],
        dropped={
            "By Dana Whitfield": "meta",
            "3 Comments\nbikefan77\nFinally! I have been waiting for this for years, and I will "
            "ride to work every day once it is done.\nMainStreetShop\nWhere exactly are my "
            "customers supposed to park now? Nobody on the council asked the shop owners.\njk\n"
            "Good news for the kids who cycle to the high school, the junction by the bridge is "
            "dangerous.\nLeave a Reply\nYour email address will not be published.": "comments",
        },
    ),
    "figures.html": Expect(
        title="Flooding forces thousands from their homes",
        published=datetime(2020, 2, 17, tzinfo=UTC),
        contributors="Additional reporting by Tom Baker; Editing by Sue Lee",
        paragraphs=[
            "Rivers burst their banks after a week of heavy rain.",
            "Thousands of people were forced to leave their homes on Sunday after rivers across "
            "the region burst their banks following a week of heavy rain.",
            "Emergency services said more than 400 properties had been flooded, and that rescue "
            "teams in boats had helped dozens of residents from upstairs windows.",
            "The Environment Agency issued more than 60 flood warnings, meaning flooding is "
            "expected, and said river levels would stay high for several days.",
            "Forecasters expect more rain later in the week, although not on the scale of the "
            "downpours that caused the damage.",
        ],
        dropped={
            "Residents wade through floodwater in the town centre on Sunday. "
            "Photo: Jane Roe/Getty Images": "caption",
            "A rescue boat on the High Street.": "caption",
            "Residents wade through floodwater in the town centre on Sunday. "
            "(Photo credit: Jane Roe/Getty Images)": "caption",
            "REUTERS/John Smith": "caption",
            "Additional reporting by Tom Baker; Editing by Sue Lee": "contributors",
        },
    ),
    "newsletter_share.html": Expect(
        title="Chip maker posts record profit",
        published=datetime(2019, 11, 18, 9, tzinfo=UTC),
        source="Tech Business Wire",
        paragraphs=[
            "The world's largest contract chip maker reported a record quarterly profit on "
            "Monday, as demand for smartphone processors and data-centre chips rose faster than "
            "expected.",
            "Net income rose 14 percent from a year earlier, beating analysts' forecasts, and the "
            "company raised its investment plans for next year by a fifth.",
            "Shares rose 3 percent in early trading. The company said the shortage of advanced "
            "chips would last at least until the middle of next year.",
            "Chief executive Lin Wei told analysts that the company would build two more "
            "factories, one of them abroad, to meet demand from its largest customers.",
        ],
        dropped={
            "Facebook Twitter Email": "share",
            "Get our daily briefing\nSign up for our newsletter to get the top business stories "
            "delivered to your inbox every morning.": "newsletter",
            "November 18, 2019": "meta",
            "Advertisement": "ad",
            "Subscribe to our newsletter": "newsletter",
            "Share this article": "share",
            "Share on Facebook\nShare on Twitter": "share",
        },
    ),
    "related_cookie.html": Expect(
        title="Museum returns looted bronzes",
        paragraphs=[
            "A national museum handed back 21 bronze sculptures on Tuesday that were taken by "
            "soldiers more than a century ago, the largest return of its kind.",
            "The handover took place at a ceremony attended by the culture ministers of both "
            "countries and by descendants of the royal family from whose palace the works were "
            "taken.",
            'The museum\'s director said the decision had been "long overdue" and that the '
            "institution would help to build a new gallery to display the works.",
            "The bronzes date from the 16th to the 19th century.",
            "Most were sold at auction in London in 1898.",
            "Historians welcomed the return but said thousands of objects remained in "
            "collections around the world.",
        ],
        dropped={
            "Museum returns looted bronzes": "title",
            "Read more: Other museums face calls to return treasures": "related",
            "Related stories\nAncient manuscript found in monastery library after decades in "
            "storage\nGallery opens new wing dedicated to contemporary African art and design\n"
            "Auction house withdraws disputed sculpture after protest from scholars": "related",
        },
    ),
    "jsonld.html": Expect(
        title="Central bank holds rates steady",
        published=datetime(2019, 11, 19, 16, 5, tzinfo=timezone(timedelta(hours=1))),
        source="Example Financial News",
        url="https://example.net/markets/central-bank-holds-rates",  # relative canonical
        paragraphs=[
            "The central bank left its main interest rate unchanged on Tuesday, saying inflation "
            "was close to its target and the economy was growing at a moderate pace.",
            "All nine members of the rate-setting committee voted to keep the rate at 1.5 "
            "percent, in line with the expectations of economists polled before the meeting.",
            "The bank said it would keep watching wage growth closely, and that it was ready to "
            "act if the trade disputes weighing on exporters got worse.",
        ],
    ),
    "cp1252_meta.html": Expect(title="A century of crème brûlée", paragraphs=CAFE),
    "cp1252_no_meta.html": Expect(title="A century of crème brûlée", paragraphs=CAFE),
    "latin1_label_cp1252_bytes.html": Expect(title="A century of crème brûlée", paragraphs=CAFE),
    "utf8_no_meta.html": Expect(title="A century of crème brûlée", paragraphs=CAFE),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_page(name: str) -> None:
    expect = CASES[name]
    art = clean((PAGES / name).read_bytes(), url="https://example.net/article")
    assert list(art.paragraphs) == expect.paragraphs
    assert art.title == expect.title
    assert art.published == expect.published
    if expect.published is not None:
        assert art.published.tzinfo is not None
    assert art.source == expect.source
    assert art.url == expect.url
    assert art.contributors == expect.contributors
    removed = {r.text: r.category for r in art.removed}
    for text, category in expect.dropped.items():
        assert removed.get(text) == category, text
        assert text not in art.paragraphs


def test_page_with_no_article_text_raises() -> None:
    with pytest.raises(CleaningError, match="no article text"):
        clean((PAGES / "no_article.html").read_bytes(), url="https://example.net/login")


def test_same_page_as_str_and_bytes_agree() -> None:
    raw = (PAGES / "comments.html").read_bytes()
    assert clean(raw) == clean(raw.decode("utf-8"))


def test_br_separated_text_and_list_items_become_paragraphs() -> None:
    html = (
        "<html><body><div class='story'>"
        "<h1>Council budget</h1>"
        "<div>The council passed its budget on Monday after a long night of debate."
        "<br><br>Spending on roads rises by a tenth, and libraries keep their hours."
        "<br>Parks lose a little.</div>"
        "<ul><li>Roads: up 10 percent.</li><li>Libraries: no change.</li></ul>"
        "<h2>What happens next</h2>"
        "<p>The budget takes effect in April, when the new financial year begins.</p>"
        "</div></body></html>"
    )
    art = clean(html)
    assert art.paragraphs == (
        "The council passed its budget on Monday after a long night of debate.",
        "Spending on roads rises by a tenth, and libraries keep their hours. Parks lose a little.",
        "Roads: up 10 percent.",
        "Libraries: no change.",
        "What happens next",
        "The budget takes effect in April, when the new financial year begins.",
    )
    assert art.title == "Council budget"


def test_json_ld_headline_wins_over_title_tag_and_site_suffix_is_cut() -> None:
    html = (
        "<html><head><title>Storm closes schools | Daily Example</title>"
        "<meta property='og:site_name' content='Daily Example'></head><body><article>"
        "<p>Schools across the county closed on Friday as the storm brought down trees and "
        "power lines, officials said.</p></article></body></html>"
    )
    art = clean(html, url="https://www.daily.example/story")
    assert art.title == "Storm closes schools"
    assert art.source == "Daily Example"
    art = clean(html.replace("<meta property='og:site_name' content='Daily Example'>", ""))
    assert art.title == "Storm closes schools"
    assert art.source is None


PROSE = "The harbour reopened on Monday after a week of repairs, and the first ferries sailed."


@pytest.mark.parametrize(
    "prolog",
    [
        "<?xml",  # the fuzz find: an unclosed declaration straight into the doctype
        '<?xml version="1.0" encoding="utf-8"?>\n',
        ' \n<?xml version="1.0"?><?xml-stylesheet href="a.xsl"?>',
    ],
)
def test_xml_declaration_before_html_is_read_as_html(prolog: str) -> None:
    # bs4 warns (an error under pytest) when markup starting "<?xml" has no
    # <html> tag; HTML5 reads "<?...>" as a bogus comment, and so do we.
    page = f"{prolog}<!DOCTYPE html><body><p>{PROSE}</p></body>"
    assert clean(page).paragraphs == (PROSE,)
    assert clean(page.encode("utf-8")).paragraphs == (PROSE,)


def test_page_whose_every_block_has_a_boilerplate_class_word_is_kept_low_confidence() -> None:
    # A page builder calls every block a "widget"; the class words are guesses.
    paragraphs = [f"{PROSE} Section {n} of the guide explains the next step." for n in range(3)]
    body = "".join(f'<div class="builder-widget"><p>{p}</p></div>' for p in paragraphs)
    page = f"<html><body><nav><a href='/'>Home</a></nav>{body}</body></html>"
    art = clean(page)
    assert art.paragraphs == tuple(paragraphs)
    assert art.low_confidence


def test_short_note_is_kept_low_confidence() -> None:
    art = clean("<html><body><nav><a href='/'>Home</a></nav><p>Closed today.</p></body></html>")
    assert art.paragraphs == ("Closed today.",)
    assert art.low_confidence


def test_clear_article_is_not_low_confidence() -> None:
    assert not clean((PAGES / "comments.html").read_bytes()).low_confidence


def test_clean_explain_shows_low_confidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from search_app.cli import main

    page = tmp_path / "note.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav><p>Closed today.</p></body></html>")
    assert main(["clean", str(page), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "[0] Closed today." in out
    assert "low confidence: no part of the page looked like an article" in out


def test_text_hidden_from_readers_is_neither_kept_nor_a_rival_for_the_body() -> None:
    copy = " ".join([PROSE] * 6)  # a hidden microdata copy, longer than the article
    page = (
        "<html><body>"
        f'<div itemscope style="display: none"><span itemprop="articleBody">{copy}</span></div>'
        f"<div><p>{PROSE}</p><p>{PROSE} Again.</p>"
        f'<p style="VISIBILITY:hidden">Loading the next story.</p>'
        f"<template><p>{copy}</p></template><noscript><p>{copy}</p></noscript>"
        f'<p hidden>{copy}</p><p aria-hidden="true">{copy}</p></div>'
        "</body></html>"
    )
    assert clean(page).paragraphs == (PROSE, f"{PROSE} Again.")


def test_article_that_is_mostly_a_data_table_keeps_its_rows() -> None:
    # Short cells used to count against their container, so the comment
    # notice beside a standings table won the page.
    rows = "".join(
        f"<tr><td>{i}</td><td>Team {chr(65 + i)}</td><td>{30 - i}</td></tr>" for i in range(20)
    )
    page = (
        "<html><body><div><div><h1>League table after round 20</h1><p>Standings after Sunday.</p>"
        f"<table><tr><th>Pos</th><th>Team</th><th>Pts</th></tr>{rows}</table></div>"
        "<div><p>Comments on this story are now closed. Please read our community rules "
        "before posting next time.</p></div></div></body></html>"
    )
    paragraphs = clean(page).paragraphs
    assert paragraphs[:3] == ("Standings after Sunday.", "Pos · Team · Pts", "0 · Team A · 30")
    assert "19 · Team T · 11" in paragraphs


def test_table_or_embedded_post_in_a_figure_is_kept_and_a_photo_caption_is_not() -> None:
    page = (
        f"<html><body><article><p>{PROSE}</p>"
        "<figure><img src='a.jpg'><figcaption>The harbour at dawn. Photo: J. Roe</figcaption>"
        "</figure><figure><table><tr><th>Plan</th><th>Price</th></tr>"
        "<tr><td>Basic</td><td>$5/month</td></tr></table></figure>"
        "<figure><blockquote><p>The ferries are back, and so are we.</p>- Harbour office"
        f"</blockquote></figure><p>{PROSE} Again.</p></article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        PROSE,
        "Plan · Price",
        "Basic · $5/month",
        "The ferries are back, and so are we.",
        "- Harbour office",
        f"{PROSE} Again.",
    )
    assert "The harbour at dawn. Photo: J. Roe" in {r.text for r in art.removed}


def test_article_the_parser_nested_in_an_unclosed_menu_button_is_read() -> None:
    # libxml2 leaves a <button> open where a browser closes it, so the whole
    # page after a menu button ends up inside it and inside the banner header.
    article = "".join(f"<p>{PROSE} Part {n}.</p>" for n in range(3))
    page = (
        '<html><body><header role="banner"><button class="menu"><div>Menu</div>'
        f"<main><article>{article}</article></main></header></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == tuple(f"{PROSE} Part {n}." for n in range(3))
    assert art.low_confidence


def test_short_labels_above_the_first_paragraph_are_dropped() -> None:
    page = (
        "<html><body><article><div>Breaking News</div><div><span>Text size</span></div>"
        f"<h2>The harbour</h2><p>{PROSE}</p><div>Read on</div><p>{PROSE} Again.</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == ("The harbour", PROSE, "Read on", f"{PROSE} Again.")
    removed = {r.text: r.rule for r in art.removed}
    assert removed["Breaking News"] == removed["Text size"] == "leading-label"


def test_a_linked_heading_in_the_body_is_kept_and_a_list_of_headline_links_is_not() -> None:
    # Issue 16: headings inside the chosen body are its own (a listicle names each
    # product with a link); lists of headlines are not, wherever they sit.
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p><p>{PROSE} Cameras on the quay filmed it.</p>"
        "<h2><a href='/cam'>1. Canon EOS R6 Mark II</a></h2>"
        "<p>Its autofocus tracked every ferry across the harbour, even at dusk, in our tests.</p>"
        "<ul><li><a href='/a'>Another story from the newsroom</a></li>"
        "<li><a href='/b'>Yet another story from the newsroom</a></li></ul>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        PROSE,
        f"{PROSE} Cameras on the quay filmed it.",
        "1. Canon EOS R6 Mark II",
        "Its autofocus tracked every ferry across the harbour, even at dusk, in our tests.",
    )
    assert ("related", "link-density") in {(r.category, r.rule) for r in art.removed}


def test_a_heading_with_nothing_of_the_body_after_it_goes() -> None:
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p><h2>What the council said</h2><p>{PROSE} The council agreed.</p>"
        "<h3>Comments</h3><div class='comments'><p>First! This is my comment here.</p></div>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, "What the council said", f"{PROSE} The council agreed.")
    assert ("Comments", "related", "trailing-heading") in {
        (r.text, r.category, r.rule) for r in art.removed
    }


def test_the_author_box_after_the_article_goes_from_its_heading_on() -> None:
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p><p>{PROSE} The council agreed.</p>"
        "<h4>About the Author</h4><p>Jane Doe is the harbour correspondent. She has covered "
        "ports and shipping for twenty years, from Rotterdam to Singapore.</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, f"{PROSE} The council agreed.")
    assert [(r.category, r.rule) for r in art.removed][:2] == [
        ("meta", "author-box-heading"),
        ("meta", "author-box-heading"),
    ]


def _boxes_removed_as(*boxes: tuple[str, str]) -> list[str]:
    """The rules that took these (class, text) boxes, one set inside and the rest after
    an article of two paragraphs, which must come out whole."""
    div = [f"<div class='{cls}'><p>{text}</p></div>" for cls, text in boxes]
    page = (
        f"<html><body><article><p>{PROSE}</p>{div[0]}<p>{PROSE} Again.</p>"
        f"{''.join(div[1:])}</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, f"{PROSE} Again.")
    return [r.rule for r in art.removed]


def test_a_call_to_action_box_inside_the_article_goes() -> None:
    # "CTA" is the web's common word for these boxes, as "promo" is: a box
    # selling the publisher's product between the article's paragraphs.
    rules = _boxes_removed_as(
        (
            "story-banner-cta",
            "Get your teams on the same page with our app. "
            "Start your free trial today, no credit card required.",
        ),
        ("miniCta", "Book a free demo today and see how our scheduling software helps you."),
        (
            "StyledCTANote-sc-h1",
            "Thanks for reading. Check out our offerings for compute, storage and networking.",
        ),
    )
    assert rules == ["hint-ad"] * 3


def test_a_data_row_with_a_linked_name_is_kept_and_a_row_of_links_is_not() -> None:
    rows = "".join(
        f"<tr><td><a href='/c{n}'>Harbour Works Company {n}</a></td><td>${n}.5B</td></tr>"
        for n in range(1, 4)
    )
    links = (
        "<tr><td><a href='/a'>Hire a ferry captain</a></td>"
        "<td><a href='/b'>Hire a pilot</a></td></tr>"
    )
    page = (
        f"<html><body><article><p>{PROSE}</p><table>{rows}{links}</table>"
        f"<p>{PROSE} Again.</p><p>{PROSE} Once more.</p></article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        PROSE,
        "Harbour Works Company 1 · $1.5B",
        "Harbour Works Company 2 · $2.5B",
        "Harbour Works Company 3 · $3.5B",
        f"{PROSE} Again.",
        f"{PROSE} Once more.",
    )
    assert ("Hire a ferry captain · Hire a pilot", "link-density") in {
        (r.text, r.rule) for r in art.removed
    }


def test_a_hint_inside_a_compound_class_name_marks_the_element() -> None:
    # "author-bio" is a hint; "blog-post-author-bio" and "articleAuthorBioBox"
    # carry it as two neighbouring words of a longer name; "author-details" is
    # one of the author-box class words.
    rules = _boxes_removed_as(
        (
            "blog-post-author-bio",
            "Jane Doe is the harbour correspondent and has covered ports for twenty years.",
        ),
        ("articleAuthorBioBox", "John Roe edits the shipping pages and writes about ferries."),
        ("post_author-details", "Ann Poe reports on the port from the quay every morning."),
    )
    assert rules == ["hint-meta"] * 3


def test_the_date_in_a_post_header_beside_the_body_is_the_publication_date() -> None:
    body = "".join(f"<p>{PROSE} Part {n}.</p>" for n in range(3))
    page = (
        "<html><body><div class='post'><div class='post-header'><h1>Ferries are back</h1>"
        "<div class='info'><div>August 29, 2025</div><div>5 min read</div></div></div>"
        "<figure><img src='a.jpg'><figcaption>The quay on March 3, 2024</figcaption></figure>"
        f"<div class='post-body'>{body}</div></div></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == tuple(f"{PROSE} Part {n}." for n in range(3))
    assert art.published == datetime(2025, 8, 29, tzinfo=UTC)


def test_a_photo_caption_above_the_body_does_not_date_the_article() -> None:
    body = "".join(f"<p>{PROSE} Part {n}.</p>" for n in range(3))
    page = (
        "<html><body><div class='post'><h1>Ferries are back</h1>"
        "<div class='caption'>The quay on March 3, 2024 (AP)</div>"
        f"<div class='post-body'>{body}</div></div></body></html>"
    )
    assert clean(page).published is None
