"""The search UI in headless Chromium against `search-app serve` on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_typing_a_phrase_shows_three_articles_with_both_words_marked(
    page: Page, live_server, tmp_path: Path
):
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially('"seeking asylum"', delay=20)
    results = page.locator("li.result")
    expect(results).to_have_count(3)  # search as you type: no Enter pressed
    assert "/search?q=" in page.url
    for i in range(3):
        marks = [m.lower() for m in results.nth(i).locator("mark").all_inner_texts()]
        assert "asylum" in marks and any(m.startswith("seek") for m in marks), marks
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    assert (tmp_path / "results.png").stat().st_size > 10_000


def test_the_form_works_with_enter_too(page: Page, live_server):
    page.goto(live_server.url("/"))
    page.locator("#q").fill("junta")
    page.locator("#q").press("Enter")
    expect(page.locator("#result-count")).to_contain_text("article")
    assert page.locator("li.result").count() >= 2


def test_opening_a_result_lands_on_the_highlighted_paragraph(page: Page, live_server):
    page.goto(live_server.url("/search?q=defected"))
    link = page.locator(".result-link").first
    link.click()
    page.wait_for_url(re.compile(r"/articles/.+#p-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    target = page.locator(f"#{anchor}")
    expect(target).to_be_in_viewport()
    expect(target.locator("mark").first).to_be_visible()
    expect(page.locator(".hitstrip a").first).to_be_visible()


def test_ticking_a_source_facet_narrows_the_list(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    before = page.locator("li.result").count()
    page.locator("#facet-source label", has_text="bbc.co.uk").click()
    page.wait_for_url(re.compile(r"source=bbc\.co\.uk"))
    expect(page.locator('#facet-source input[value="bbc.co.uk"]')).to_be_checked()
    after = page.locator("li.result")
    assert 0 < after.count() < before
    for source in after.locator(".source").all_inner_texts():
        assert source == "bbc.co.uk"


def test_timeline_bar_filters_to_its_year(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    page.locator(".timeline a.bar-link").first.click()
    page.wait_for_url(re.compile(r"from=\d{4}"))
    assert page.locator("li.result").count() >= 1
    expect(page.locator(".filters .chip")).to_be_visible()


def test_misspelt_query_shows_results_for_the_correction(page: Page, live_server):
    page.goto(live_server.url("/search?q=embasy"))
    expect(page.locator("#corrected")).to_have_text(
        re.compile(r"Showing results for\s+embassy\.\s+Search instead for\s+embasy")
    )
    expect(page.locator("li.result").first).to_be_visible()
    page.locator("#search-instead").click()
    page.wait_for_url(re.compile(r"nocorrect=1"))
    expect(page.locator("#corrected")).to_have_count(0)
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_have_text("embassy")
    suggestion.click()
    expect(page.locator("li.result").first).to_be_visible()


def test_keyboard_slash_arrows_and_enter(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")
    links = page.locator(".result-link")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.nth(0)).to_be_focused()
    href = links.nth(0).get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/"))
    assert page.url.endswith(href)


def test_a_half_typed_word_already_finds_articles(page: Page, live_server):
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially("myanm", delay=30)
    expect(page.locator("li.result").first).to_be_visible()
    expect(page.locator("#corrected")).to_have_count(0)  # typing is not a misspelling


def test_autocomplete_offers_whole_queries(page: Page, live_server):
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially("seeking asy", delay=30)
    expect(page.locator("#suggestions option").first).to_have_attribute("value", "seeking asylum")


def test_autocomplete_offers_index_words(page: Page, live_server):
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially("diplo", delay=30)
    options = page.locator("#suggestions option")
    expect(options.first).to_have_attribute("value", re.compile("^diplo"))


def test_explain_toggle_and_show_removed_toggle(page: Page, live_server):
    page.goto(live_server.url("/search?q=defections"))
    page.locator("details.explain summary").click()
    expect(page.locator("details.explain table")).to_contain_text("defect")
    page.goto(live_server.url("/search?q=crackdown"))
    page.locator(".result-link").first.click()
    removed = page.locator("details.removed")
    expect(removed.locator("li").first).to_be_hidden()
    removed.locator("summary").click()
    expect(removed.locator("li").first).to_be_visible()


def test_phone_width_and_dark_mode(browser, live_server, tmp_path: Path):
    context = browser.new_context(viewport={"width": 390, "height": 800}, color_scheme="dark")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url("/search?q=myanmar"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(21, 23, 27)", bg  # the dark palette
    page.screenshot(path=str(tmp_path / "phone-dark.png"), full_page=True)
    context.close()
    assert errors == []
