"""Hostile pages: the cleaner's work stays bounded by the page's size, not its shape."""

from __future__ import annotations

import time

import pytest

from search_app.cleaning import CleaningError, clean
from search_app.cleaning.bounded import MAX_ELEMENTS, text_paragraphs, too_many_elements

PROSE = "The harbour reopened on Monday after a week of repairs, and the first ferries sailed."


def test_page_over_the_element_cap_is_read_as_text_without_a_tree() -> None:
    page = (
        "<html><head><title>Bold &amp; many</title></head><body><h2>Intro</h2>"
        f"<p>{'<b>x</b>' * (MAX_ELEMENTS + 10)}</p><div>{PROSE}</div></body></html>"
    )
    assert too_many_elements(page)
    art = clean(page)
    assert art.low_confidence
    assert art.paragraphs == ("Intro", "x" * (MAX_ELEMENTS + 10), PROSE)
    assert art.title == "Bold & many"


def test_page_under_the_element_cap_gets_the_full_cleaner() -> None:
    page = f"<html><body><nav><a href='/'>Home</a></nav><p>{PROSE}</p></body></html>"
    assert not too_many_elements(page)
    art = clean(page)
    assert art.paragraphs == (PROSE,)
    assert not art.low_confidence


@pytest.mark.parametrize("depth", [400, 8000])
def test_deep_nesting_keeps_its_text(depth: int) -> None:
    # libxml2 builds no tree past 2,048 levels and drops what lies deeper without
    # a word: such a page is read as text; shallower ones keep the full cleaner.
    page = "<html><body>" + "<div>" * depth + f"<p>{PROSE}</p>" + "</div>" * depth
    art = clean(page + "</body></html>")
    assert art.paragraphs == (PROSE,)
    assert art.low_confidence == (depth > 2048)


def test_a_million_bold_tags_stay_cheap() -> None:
    # Issue 18 item 7: 9 MB of "<b>x</b>" took 40 s and 1.7 GB through the tree.
    started = time.perf_counter()
    art = clean(b"<html><body><p>" + b"<b>x</b>" * 1_000_000 + b"</p></body></html>")
    assert art.paragraphs == ("x" * 1_000_000,)
    assert art.low_confidence
    assert time.perf_counter() - started < 20  # ~2 s here; the tree path took 40 s


@pytest.mark.parametrize("opener", ["<script>", "<!--", "<style>", "<svg>"])
def test_unclosed_raw_openers_do_not_rescan_the_page(opener: str) -> None:
    # A lazy "<script>.*?</script>" regex rescanned the rest of the page from
    # each unclosed opener: 160 kB of "<script>" took 16 s. Left open, the
    # element runs to the end of the page, as in a browser.
    started = time.perf_counter()
    with pytest.raises(CleaningError, match="no article text"):
        clean(f"<html><body>{opener * 20_000}<p>{PROSE}</p></body></html>")
    assert time.perf_counter() - started < 5


def test_unclosed_processing_instructions_end_at_the_next_tag() -> None:
    started = time.perf_counter()
    art = clean(f"<html><body>{'<?' * 20_000}<p>{PROSE}</p></body></html>")
    assert art.paragraphs == (PROSE,)
    assert time.perf_counter() - started < 5


def test_text_path_never_rescans() -> None:
    # Every pattern stops at the next "<": unclosed tags cost one pass.
    started = time.perf_counter()
    paragraphs = text_paragraphs("<body>" + "<p " * 300_000 + f"<p>{PROSE}")
    assert paragraphs[-1] == PROSE
    assert time.perf_counter() - started < 5
