"""General signals kept in issue 16's third round, each pinned on a small written page.

Every rule here was checked on both benchmark folders (bench/RESULTS.md,
"Issue 16, third round"); the pages are written to show the signal, not copied.
"""

from __future__ import annotations

from search_app.cleaning import clean

PROSE = (
    "The harbour authority said on Tuesday that the new ferry terminal would open in "
    "spring, two years later than planned, after storms damaged the quay."
)


def test_component_prefix_cmp_is_not_a_consent_notice() -> None:
    # A content-management system prefixes every component class with "cmp-"
    # (cmp-title, cmp-text): section headings in such wrappers are the article's.
    page = (
        "<html><body><main>"
        f"<div class='rich-text'><p>{PROSE}</p></div>"
        "<div class='cmp-title'><h2>The history of the quay</h2></div>"
        f"<div class='rich-text'><p>{PROSE} It was built in 1890.</p></div>"
        "</main><div class='cookie-banner'><p>We use cookies to improve your experience. "
        "Accept all cookies or manage your settings.</p></div></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, "The history of the quay", f"{PROSE} It was built in 1890.")


def test_article_split_in_like_named_siblings_around_a_form_is_read_whole() -> None:
    # A page builder cuts one article into blocks of the same component around
    # a form; a sibling of another kind (a teaser box) stays out.
    intro = "Electrical contractors had a record year, and the largest firms grew fastest of all."
    page = (
        "<html><body><main>"
        f"<div class='rich-text'><p>{intro}</p><table><tr><td>MasTec</td><td>$2.4B</td></tr>"
        "<tr><td>Rosendin</td><td>$2.4B</td></tr></table></div>"
        "<div class='demo'><form><label>First name</label><input></form></div>"
        f"<div class='rich-text'><p>{PROSE}</p><p>{PROSE} Work resumes in May.</p>"
        f"<p>{PROSE} The city will pay half.</p></div>"
        "<div class='teaser'><p>Our free guide explains how contractors can win more bids, "
        "and it takes five minutes to read.</p></div>"
        "</main></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        intro,
        "MasTec · $2.4B",
        "Rosendin · $2.4B",
        PROSE,
        f"{PROSE} Work resumes in May.",
        f"{PROSE} The city will pay half.",
    )


def test_doubly_encoded_utf8_is_repaired_and_clean_text_left_alone() -> None:
    # UTF-8 read as Windows-1252 and saved as UTF-8 again: "What’s" became
    # "Whatâ€™s" and a search for "what's" missed the page.
    # "â€™" when read as Windows-1252, "â\x80\x99" when read as Latin-1.
    first = "What’s new is that the quay’s old cranes — all four of them — are being kept."
    second = "“We’re done with the delays,” the harbour master said at the opening on Friday."
    broken = (first.encode().decode("cp1252"), second.encode().decode("latin-1"))
    page = "<html><body><article><p>{}</p><p>{}</p><p>{}</p></article></body></html>"
    art = clean(page.format(PROSE, *broken).encode("utf-8"))
    assert art.paragraphs == (PROSE, first, second)
    # A German page with "ß”" (two bytes that also read as UTF-8) and no "â€" is not touched.
    german = "Der Fluss heißt „Groß”, sagte er – und das Wasser stieg."
    third = "Die Arbeiten am Kai dauern noch bis zum Frühjahr, teilte die Stadt am Montag mit."
    page = page.format(PROSE, german, third)
    assert clean(page.encode("utf-8")).paragraphs == (PROSE, german, third)


def test_a_second_rendering_of_the_whole_article_goes_short_lines_and_all() -> None:
    # Some page builders render the article once per screen size and show one:
    # the copy's headings and short lines go with its prose.
    section = [
        "What it costs",
        f"{PROSE} The budget is 40 million euros.",
        "Labour: 60%",
        "Materials: 30%",
        f"{PROSE} Steel prices rose again this year.",
        "Permits",
        f"{PROSE} The city granted them in May.",
        "Fees: 2%",
        "Other: 8%",
        "What comes next",
        f"{PROSE} The first ferries sail in April.",
    ]
    copy = "".join(f"<h3>{t}</h3>" if len(t) < 20 else f"<p>{t}</p>" for t in section)
    page = f"<html><body><article><div>{copy}</div><div>{copy}</div></article></body></html>"
    assert clean(page).paragraphs == tuple(section)


def test_a_reading_time_line_goes_with_what_sits_beside_it() -> None:
    # "Jun 08, 2023 • 11 Minute Read", "Bridgestone Team | 5 min read": a label,
    # never the article's text, wherever it sits in the body.
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p><p>Jun 08, 2023 \u2022 11 Minute Read</p><p>Harbour Team | 5 min read</p>"
        f"<p>{PROSE} Work resumes in May.</p><p>It took 5 minutes to read the whole report.</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        PROSE,
        f"{PROSE} Work resumes in May.",
        "It took 5 minutes to read the whole report.",
    )
    assert {r.text: r.rule for r in art.removed}["Harbour Team | 5 min read"] == "meta-reading-time"


def test_a_table_of_contents_label_goes_with_its_links() -> None:
    page = (
        "<html><body><article><h2>Table of Contents</h2>"
        "<ul><li><a href='#a'>The harbour</a></li><li><a href='#b'>The costs</a></li></ul>"
        f"<h2 id='a'>The harbour</h2><p>{PROSE}</p>"
        f"<h2 id='b'>The costs</h2><p>{PROSE} It will cost 40 million euros.</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (
        "The harbour",
        PROSE,
        "The costs",
        f"{PROSE} It will cost 40 million euros.",
    )
    assert ("Table of Contents", "nav-contents-label") in {(r.text, r.rule) for r in art.removed}


def test_doubly_encoded_utf8_written_as_entities_is_repaired() -> None:
    # The same fault, with the broken characters written as HTML entities.
    broken = "Google&acirc;&euro;&trade;s answers now appear in 16 percent of all searches."
    page = (
        f"<html><body><article><p>{PROSE}</p><p>{broken}</p>"
        "<p>Today&acirc;&euro;&trade;s search engines write answers &acirc;&euro;&rdquo; "
        "not lists of links.</p></article></body></html>"
    )
    assert clean(page).paragraphs == (
        PROSE,
        "Google’s answers now appear in 16 percent of all searches.",
        "Today’s search engines write answers — not lists of links.",
    )


def test_a_related_story_card_in_the_body_goes_and_a_product_pick_stays() -> None:
    # A card whose headline links to another page of the same site, with a
    # blurb and a byline, is recirculation; a listicle's pick links to a shop.
    card = (
        "<div class='card'><a href='https://www.example.net/news/ferry-prices'>"
        "<h5>Ferry prices rise for the third year</h5></a>"
        "<p>Operators blame fuel and the new quay fees.</p>"
        "<span>Jane Doe 2019-11-20 17:27</span></div>"
    )
    pick = (
        "<div class='pick'><h3><a href='https://shop.example.org/raincoat'>1. Harbour raincoat"
        "</a></h3><p>Light, warm and cheap enough to lose.</p><p>Jane Doe 2024-03-01</p></div>"
    )
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p>{card}<p>{PROSE} Work resumes in May.</p>{pick}"
        f"<p>{PROSE} The city will pay half.</p>"
        "</article></body></html>"
    )
    art = clean(page, url="https://www.example.net/news/ferry-terminal")
    assert art.paragraphs == (
        PROSE,
        f"{PROSE} Work resumes in May.",
        "1. Harbour raincoat",
        "Light, warm and cheap enough to lose.",
        "Jane Doe 2024-03-01",
        f"{PROSE} The city will pay half.",
    )
    assert ("Ferry prices rise for the third year", "teaser-card") in {
        (r.text, r.rule) for r in art.removed
    }


def test_line_rules_do_not_take_ordinary_words_for_chrome() -> None:
    # "Subscription" names a product's plan and "Next-generation" is a word:
    # neither is a call to subscribe or a "Next:" link.
    lines = [
        "Subscription required to unlock the camera's person detection.",
        "Next-generation ferries will use the new quay from 2027.",
    ]
    page = (
        "<html><body><article>"
        f"<p>{PROSE}</p><p>{lines[0]}</p><p>{lines[1]}</p>"
        "<p>Read more: Ferry fares rise again</p><p>Subscribers get the full report</p>"
        f"<p>{PROSE} The city will pay half.</p></article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, *lines, f"{PROSE} The city will pay half.")
    rules = {r.text: r.rule for r in art.removed}
    assert rules["Read more: Ferry fares rise again"] == "related-read-more"
    assert rules["Subscribers get the full report"] == "newsletter-subscribe"


def test_a_legal_disclaimer_goes_and_advice_in_the_text_stays() -> None:
    disclaimer = (
        "The content of this post is intended for general informational purposes only and "
        "is not meant to constitute legal, tax or investment advice."
    )
    advice = "Ask a lawyer before you sign: the harbour's lease terms changed in May."
    page = (
        f"<html><body><article><p>{PROSE}</p><p>{advice}</p><p>{disclaimer}</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, advice)
    assert (disclaimer, "footer-disclaimer") in {(r.text, r.rule) for r in art.removed}


def test_an_image_credit_and_a_syndication_footer_go() -> None:
    page = (
        f"<html><body><article><p>{PROSE}</p><p>{PROSE} The city will pay half.</p>"
        "<p>Featured image by Jane Doe, all other images via the harbour authority.</p>"
        "<p>The post Ferry terminal opens late appeared first on Harbour News.</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, f"{PROSE} The city will pay half.")
    assert [r.rule for r in art.removed] == ["caption-featured-image", "signoff-syndication"]


def test_review_and_update_lines_go() -> None:
    page = (
        "<html><body><article>"
        "<p>Reviewed by Jane Doe, MD, Editor in Chief, Harbour Health Watch</p>"
        f"<p>{PROSE}</p><p>{PROSE} The city will pay half.</p>"
        "<p>Page last updated: 11 March 2026</p>"
        "</article></body></html>"
    )
    art = clean(page)
    assert art.paragraphs == (PROSE, f"{PROSE} The city will pay half.")
    assert [r.rule for r in art.removed] == ["meta-reviewed-by", "meta-published"]
