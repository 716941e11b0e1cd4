"""Issue 14's page details in headless Chromium: keyboard, facets, layout, paragraph numbers,
"also in", the partial-match divider, live search and the readable explain line.

Each test reads the real page state (the focused element, what is visible,
bounding boxes at desktop and phone widths, checked boxes, the URL).
Screenshots go to $UI_SHOTS (default: the test's tmp folder) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from search_app.pipeline import ingest
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 800}
YEARS = 25  # more than the 20 values a facet lists before "Show N more"


def shot(page: Page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("UI_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == []


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


# ---- a corpus with many years and sources, and wire copy carried by three articles

PARA = (
    "The harbour master of {town} reported that the pier keepers had counted "
    "{n} ships passing the breakwater during the storm season of {year}."
)
WIRE_PARAS = [
    "Fishermen along the coast said the lighthouse beam failed twice during the night, "
    "leaving the trawler fleet to find the harbour entrance by radar alone.",
    "The coastguard said the lighthouse would be inspected by engineers from the national "
    "maritime authority before the winter gales return to the northern coast.",
    "Local councillors asked for the lighthouse to be kept staffed, arguing that automatic "
    "lamps had failed in three storms over the last decade on the same headland.",
]

TIMES_EXTRA = (
    "The Times adds that the headland road will also close for repairs next spring, after "
    "the council found cracks in the old sea wall beside the car park and the slipway."
)


def many_years_corpus(folder: Path) -> Path:
    lines = []
    for i in range(YEARS):
        year = 1990 + i
        town = f"Town{i:02d}"
        lines.append(
            {
                "id": f"harbour-{i:02d}",
                "url": f"https://news.site{i:02d}.example/harbour/{year}",
                "title": f"Harbour report from {town}, {year}",
                "date": f"{year}-06-15T10:00:00Z",
                "text": PARA.format(town=town, n=i + 3, year=year),
            }
        )
    # Two identical copies (one result, the other listed as a duplicate) and a longer
    # version with a paragraph of its own (a result of its own, sharing three).
    for i, name in enumerate(["coast-herald", "coast-gazette", "coast-times"]):
        extra = [TIMES_EXTRA] if name == "coast-times" else []
        lines.append(
            {
                "id": f"wire-copy-{i}",
                "url": f"https://www.{name}.example/lighthouse",
                "title": f"Lighthouse beam fails ({name})",
                "date": "2020-01-10T08:00:00Z",
                "text": "\n\n".join(WIRE_PARAS + extra),
            }
        )
    path = folder / "harbour.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


@pytest.fixture(scope="module")
def harbour_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("harbour")
    report = ingest([str(many_years_corpus(root))], root / "index")
    assert report.ok and report.new == YEARS + 3, report.as_dict()
    server = LiveServer(root / "index")
    yield server
    server.stop()


# ---- keyboard


def test_arrow_down_from_the_search_box_moves_into_the_results(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    page.locator("#q").focus()
    page.keyboard.press("ArrowDown")
    first = page.locator(".result-link").first
    expect(first).to_be_focused()
    expect(page.locator("li.result").first).to_have_class(re.compile(r"\bis-active\b"))
    page.keyboard.press("ArrowDown")
    expect(page.locator(".result-link").nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # from the first result, back to the box
    expect(page.locator("#q")).to_be_focused()


def test_arrow_down_after_typing_on_the_home_page(page: Page, live_server):
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially("junta", delay=20)
    expect(page.locator("li.result").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(".result-link").nth(1)
    expect(second).to_be_focused()
    href = second.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/"))
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=junta$"))
    expect(page.locator(f'.result-link[href="{href}"]')).to_be_focused()


def test_back_returns_focus_to_the_result_opened(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    links = page.locator(".result-link")
    assert links.count() >= 3
    page.locator("#q").focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(links.nth(2)).to_be_focused()
    href = links.nth(2).get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/"))
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=myanmar$"))
    expect(page.locator(".result-link").nth(2)).to_be_focused()
    assert page.evaluate("document.activeElement.getAttribute('href')") == href
    expect(page.locator("li.result").nth(2)).to_have_class(re.compile(r"\bis-active\b"))


def test_back_after_a_mouse_click_on_a_paragraph_link(page: Page, live_server):
    page.goto(live_server.url("/search?q=diplomat"))
    para = page.locator("li.result").nth(1).locator("a.para").first
    href = para.get_attribute("href")
    para.click()
    page.wait_for_url(re.compile(r"/articles/.+#p-\d+$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=diplomat$"))
    expect(page.locator("li.result").nth(1).locator(f'a.para[href="{href}"]')).to_be_focused()


# ---- facets


def test_several_sources_at_once_with_checkboxes(page: Page, live_server, tmp_path: Path):
    page.goto(live_server.url("/search?q=myanmar"))
    before = page.locator("li.result").count()
    page.locator('#facet-source input[value="bbc.co.uk"]').check()
    page.wait_for_url(re.compile(r"source=bbc\.co\.uk"))
    expect(page.locator('#facet-source input[value="bbc.co.uk"]')).to_be_checked()
    expect(page.locator('#facet-source input[value="bbc.co.uk"]')).to_be_focused()
    only_bbc = page.locator("li.result").count()
    assert 0 < only_bbc < before
    page.locator('#facet-source input[value="reuters.com"]').check()
    page.wait_for_url(re.compile(r"source=reuters\.com"))
    assert parse_qs(urlsplit(page.url).query)["source"] == ["bbc.co.uk", "reuters.com"]
    expect(page.locator('#facet-source input[value="bbc.co.uk"]')).to_be_checked()
    expect(page.locator('#facet-source input[value="reuters.com"]')).to_be_checked()
    sources = set(page.locator("li.result .source").all_inner_texts())
    assert sources == {"bbc.co.uk", "reuters.com"}
    assert page.locator("li.result").count() > only_bbc
    expect(page.locator(".facet-form .apply")).to_be_hidden()  # script applies at once
    shot(page, tmp_path, "facets-two-sources-desktop")
    page.locator('#facet-source input[value="bbc.co.uk"]').uncheck()
    page.wait_for_url(lambda url: "bbc.co.uk" not in url)
    assert parse_qs(urlsplit(page.url).query)["source"] == ["reuters.com"]


def test_source_checkboxes_work_without_javascript(no_js: Page, live_server):
    no_js.goto(live_server.url("/search?q=myanmar&sort=newest"))
    no_js.locator('#facet-source input[value="bbc.co.uk"]').check()
    no_js.locator('#facet-source input[value="reuters.com"]').check()
    apply = no_js.locator(".facet-form .apply")
    expect(apply).to_be_visible()
    apply.click()
    no_js.wait_for_url(re.compile(r"source="))
    query = parse_qs(urlsplit(no_js.url).query)
    assert query["source"] == ["bbc.co.uk", "reuters.com"]
    assert query["q"] == ["myanmar"] and query["sort"] == ["newest"]  # the search is kept
    expect(no_js.locator('#facet-source input[value="bbc.co.uk"]')).to_be_checked()
    expect(no_js.locator('#facet-source input[value="reuters.com"]')).to_be_checked()
    expect(no_js.locator('#facet-source input[value="unknown"]')).not_to_be_checked()
    assert set(no_js.locator("li.result .source").all_inner_texts()) == {
        "bbc.co.uk",
        "reuters.com",
    }


def test_show_more_past_twenty_facet_values(page: Page, harbour_server, tmp_path: Path):
    page.goto(harbour_server.url("/search?q=harbour"))
    years = page.locator("#facet-year li")
    expect(years).to_have_count(20)
    more = page.locator(".facets details.facet-more", has_text="more year")
    summary = more.locator("summary")
    expect(summary).to_have_text("Show 6 more years")  # 25 harbour years and 2020's wire copy
    hidden = more.locator("li")
    expect(hidden).to_have_count(6)
    expect(hidden.first).to_be_hidden()
    summary.click()
    expect(hidden.first).to_be_visible()
    shown = page.locator(".facets li a").all_inner_texts()
    assert len(shown) == 26
    shot(page, tmp_path, "facets-show-more-desktop")
    # The oldest year sits past the first 20; its link filters to it.
    hidden.filter(has_text="1990").locator("a").click()
    page.wait_for_url(re.compile(r"from=1990&to=1990"))
    expect(page.locator("li.result")).to_have_count(1)
    shot(page, tmp_path, "facets-year-1990")


def test_show_more_past_twenty_sources_and_tick_one_of_them(
    page: Page, harbour_server, tmp_path: Path
):
    """Issue 14: the source facet lists 20 and "Show N more" for the rest; the API had
    cut the list at 20, so a source past them could never be ticked."""
    page.goto(harbour_server.url("/search?q=harbour"))
    expect(page.locator("#facet-source li")).to_have_count(20)
    more = page.locator(".facets details.facet-more", has_text="more source")
    summary = more.locator("summary")
    expect(summary).to_have_text("Show 8 more sources")  # 25 towns' sites, 3 coast papers
    hidden = more.locator("input[type=checkbox]")
    expect(hidden).to_have_count(8)
    expect(hidden.first).to_be_hidden()
    summary.click()
    expect(hidden.first).to_be_visible()
    shot(page, tmp_path, "facets-show-more-sources")
    value = hidden.last.get_attribute("value")
    hidden.last.click()  # with scripts on, ticking a box applies it
    page.wait_for_url(re.compile(r"source="))
    expect(page.locator("li.result")).to_have_count(1)
    expect(page.locator("li.result .source").first).to_have_text(value or "")


def test_phone_facets_come_first_as_a_folded_panel(phone: Page, live_server, tmp_path: Path):
    phone.goto(live_server.url("/search?q=myanmar"))
    panel = phone.locator("details.facets-panel")
    expect(panel).not_to_have_attribute("open", re.compile(".*"))
    summary = panel.locator("summary")
    expect(summary).to_be_visible()
    expect(phone.locator('#facet-source input[value="bbc.co.uk"]')).to_be_hidden()
    first = phone.locator("li.result").first
    s_box, r_box = summary.bounding_box(), first.bounding_box()
    assert s_box and r_box
    assert s_box["y"] + s_box["height"] <= r_box["y"], (s_box, r_box)
    assert r_box["y"] < 800, f"the first result starts {r_box['y']} px down"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, tmp_path, "results-phone-folded")
    summary.click()
    box = phone.locator('#facet-source input[value="bbc.co.uk"]')
    expect(box).to_be_visible()
    shot(phone, tmp_path, "results-phone-filters-open")
    box.check()
    phone.wait_for_url(re.compile(r"source=bbc\.co\.uk"))
    # Back on the new page the panel stays open, on the box just ticked, to tick another.
    expect(phone.locator("details.facets-panel")).to_have_attribute("open", "")
    expect(phone.locator('#facet-source input[value="bbc.co.uk"]')).to_be_checked()
    expect(phone.locator("details.facets-panel summary")).to_contain_text("1 active")


def test_desktop_facets_are_a_sidebar_without_a_toggle(page: Page, no_js: Page, live_server):
    for pg in (page, no_js):  # the sidebar needs no script
        pg.goto(live_server.url("/search?q=myanmar"))
        expect(pg.locator("details.facets-panel summary")).to_be_hidden()
        box = pg.locator('#facet-source input[value="bbc.co.uk"]')
        expect(box).to_be_visible()
        f_box = pg.locator("aside.facets").bounding_box()
        r_box = pg.locator("li.result").first.bounding_box()
        assert f_box and r_box
        assert f_box["x"] + f_box["width"] <= r_box["x"]  # beside, to the left
        assert abs(f_box["y"] - r_box["y"]) < 120  # level with the list, not above it


# ---- the no-results page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_results_page_uses_the_page_width(browser: Browser, live_server, viewport, tmp_path):
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    pg.goto(live_server.url("/search?q=zebra"))
    empty = pg.locator(".empty")
    expect(empty).to_contain_text("No articles match")
    box = empty.bounding_box()
    main = pg.locator("main").bounding_box()
    assert box and main
    assert box["width"] >= main["width"] - 2 * 24, (box, main)  # main's padding aside
    if viewport is DESKTOP:
        assert box["width"] > 600
        assert box["height"] < 400, "the text wraps as if squeezed into a column"
    shot(pg, tmp_path, f"no-results-{'desktop' if viewport is DESKTOP else 'phone'}")
    context.close()


# ---- paragraph numbers, "also in", the divider


def test_paragraph_numbers_count_from_one(page: Page, live_server):
    page.goto(live_server.url("/search?q=diplomat"))
    labels = page.locator("li.result a.para").all_inner_texts()
    assert labels and all(re.fullmatch(r"¶[1-9]\d*", t) for t in labels), labels
    para = page.locator("li.result a.para").first
    n = int(para.inner_text()[1:])
    assert para.get_attribute("href").endswith(f"#p-{n}")
    api = page.request.get(live_server.url("/api/search?q=diplomat")).json()
    first = api["results"][0]["paragraphs"][0]["position"]
    assert first == n - 1  # the API stays 0-based: ¶1 is position 0
    para.click()
    page.wait_for_url(re.compile(rf"#p-{n}$"))
    target = page.locator(f"#p-{n}")
    expect(target.locator("a.anchor")).to_have_text(f"¶{n}")
    expect(target).to_be_in_viewport()
    assert page.locator(".body a.anchor").first.inner_text() == "¶1"


def test_also_in_is_listed_once_per_article(page: Page, harbour_server, tmp_path: Path):
    page.goto(harbour_server.url("/search?q=lighthouse"))
    titles = page.locator(".result-link").all_inner_texts()
    # Two identical copies are one result; the other is listed under it, once.
    copies = [t for t in titles if "herald" in t or "gazette" in t]
    assert len(copies) == 1, titles
    first = page.locator("li.result").first
    expect(first.locator(".result-link")).to_have_text(copies[0])
    expect(first.locator("p.hit:not(.dup)")).to_have_count(len(WIRE_PARAS))
    same = first.locator("p.duplicates a")
    expect(same).to_have_count(1)
    other = "gazette" if "herald" in copies[0] else "herald"
    expect(same).to_contain_text(other)
    # The longer version is a result of its own: "Also in" names it once, under the first.
    also = page.locator("li.result p.also")
    expect(also).to_have_count(1)
    links = also.locator("a").all_inner_texts()
    assert links == ["Lighthouse beam fails (coast-times)"], links
    assert links[0] in titles
    assert first.locator("p.also").count() == 1  # under the first copy, after its paragraphs
    last_hit = first.locator("p.hit").last.bounding_box()
    also_box = first.locator("p.also").bounding_box()
    assert last_hit and also_box and also_box["y"] > last_hit["y"]
    # The longer version says once that its paragraphs are the first copy's.
    times = page.locator("li.result", has_text="coast-times")
    dup = times.locator("p.dup")
    expect(dup).to_have_count(1)
    expect(dup.locator("a.para")).to_have_text(["¶1", "¶2", "¶3"])
    expect(dup).to_contain_text(copies[0])
    shot(page, tmp_path, "also-in-once")


def test_partial_matches_follow_a_divider(page: Page, live_server, tmp_path: Path):
    page.goto(live_server.url("/search?q=myanmar+embassy+washington"))
    divider = page.locator("#partial-divider")
    api = page.request.get(live_server.url("/api/search?q=myanmar+embassy+washington")).json()
    full = [r for r in api["results"] if not r["partial"]]
    partial = [r for r in api["results"] if r["partial"]]
    assert full and partial
    n_all, n_more = api["total_articles"], api["partial_articles"]
    expect(divider).to_have_text(
        f"{n_all} article{'s match' if n_all != 1 else ' matches'} all words; "
        f"{n_more} more match{'es' if n_more == 1 else ''} some of them."
    )
    y = divider.bounding_box()["y"]
    results = page.locator("li.result")
    for i in range(results.count()):
        r = results.nth(i)
        is_partial = "partial" in (r.get_attribute("class") or "")
        assert (r.bounding_box()["y"] > y) == is_partial
    expect(page.locator("ol.partial-list")).to_have_attribute("start", str(len(full) + 1))
    shot(page, tmp_path, "partial-divider-desktop")


def test_a_page_of_partial_matches_only_still_says_the_counts(page: Page, live_server):
    q = "myanmar+embassy+washington"
    api = page.request.get(live_server.url(f"/api/search?q={q}&per_page=1")).json()
    n_all, n_more = api["total_articles"], api["partial_articles"]
    assert n_all >= 1 and n_more >= 1 and api["pages"] == n_all + n_more
    page.goto(live_server.url(f"/search?q={q}&per_page=1&page={n_all + 1}"))
    expect(page.locator("li.result")).to_have_count(1)
    expect(page.locator("li.result.partial")).to_have_count(1)
    expect(page.locator("#partial-divider")).to_contain_text(f"{n_all} article")
    expect(page.locator("ol.partial-list")).to_have_attribute("start", str(n_all + 1))
    expect(page.locator("#result-count")).to_contain_text(f"{n_more} more match")
    # The same article as rank n_all + 1 of one long page.
    wide = page.request.get(live_server.url(f"/api/search?q={q}&per_page=100")).json()
    href = page.locator("li.result .result-link").get_attribute("href")
    assert wide["results"][n_all]["id"] in href


def test_undated_articles_are_counted_and_a_date_filter_says_it_left_them_out(
    page: Page, live_server, tmp_path: Path
):
    page.goto(live_server.url("/search?q=myanmar"))
    undated = page.locator("#facet-year .undated")
    expect(undated).to_have_text(re.compile(r"undated\s+2"))
    expect(undated.locator("a")).to_have_count(0)  # no period to keep: not a link
    expect(page.locator(".timeline rect.bar.undated")).to_have_count(1)
    page.goto(live_server.url("/search?q=myanmar&from=2021"))
    note = page.locator("#excluded-undated")
    expect(note).to_contain_text("2 undated articles are left out by the date filter")
    shot(page, tmp_path, "excluded-undated")
    note.locator("a").click()
    page.wait_for_url(re.compile(r"/search\?q=myanmar$"))
    expect(page.locator("#excluded-undated")).to_have_count(0)


def test_no_divider_when_every_result_has_every_word(page: Page, live_server):
    page.goto(live_server.url("/search?q=myanmar"))
    expect(page.locator("li.result").first).to_be_visible()
    expect(page.locator("#partial-divider")).to_have_count(0)


# ---- search as you type


def test_live_search_sends_live_1_but_keeps_it_out_of_the_url(page: Page, live_server):
    fragments: list[str] = []
    page.on("request", lambda r: fragments.append(r.url) if "fragment=1" in r.url else None)
    page.goto(live_server.url("/"))
    page.locator("#q").press_sequentially("diplomats", delay=20)
    expect(page.locator("li.result").first).to_be_visible()
    page.wait_for_url(re.compile(r"/search\?q=diplomats$"))
    assert fragments and all("live=1" in u for u in fragments), fragments
    assert "live" not in page.url
    assert page.evaluate("history.length") == 2  # replaced, not one entry per keystroke
    hrefs = page.locator("#results a[href]").evaluate_all("els => els.map(a => a.href)")
    assert hrefs and not [h for h in hrefs if "live=" in h]
    page.reload()
    assert "live" not in page.url


# ---- explain this query


def test_explain_shows_dates_as_dates(page: Page, live_server, tmp_path: Path):
    page.goto(live_server.url("/search?q=myanmar+date:2021&explain=1"))
    parsed = page.locator("details.explain code.parsed")
    expect(parsed).to_be_visible()
    expect(parsed).to_contain_text("date:2021")
    assert not re.search(r"\d{12,}", parsed.inner_text())
    page.goto(live_server.url("/search?q=myanmar+date:[2021-03-01+TO+2021-04-15]&explain=1"))
    expect(page.locator("code.parsed")).to_contain_text("date:[2021-03-01 TO 2021-04-15]")
    page.goto(live_server.url("/search?q=myanmar+date:[2020+TO]&explain=1"))
    expect(page.locator("code.parsed")).to_contain_text("date:[2020-01-01 TO])")
    page.goto(live_server.url("/search?q=myanmar+date:2021-04&explain=1"))
    expect(page.locator("code.parsed")).to_contain_text("date:2021-04)")
    shot(page, tmp_path, "explain-dates")


def test_explain_lists_what_a_fuzzy_word_matched(page: Page, live_server, tmp_path: Path):
    page.goto(live_server.url("/search?q=goverment~+diplom*&explain=1"))
    fuzzy = page.locator("details.explain tr.term-fuzzy")
    expect(fuzzy).to_contain_text("fuzzy~: close spellings")
    expect(fuzzy.locator(".expansions")).to_have_text("government")
    expect(page.locator("details.explain tr.term-prefix")).to_contain_text("diplomat")
    shot(page, tmp_path, "explain-fuzzy")


def test_a_long_unbroken_title_wraps_on_a_phone(phone: Page, tmp_path: Path):
    # A title with no spaces (a hash, a URL) made the results page 841 px wide
    # on a 390 px phone: titles, links and text now wrap anywhere if they must.
    long = "f9a" * 40
    src = tmp_path / "long.jsonl"
    src.write_text(
        json.dumps(
            {
                "id": "long-title",
                "url": f"https://example.com/{long}",
                "title": f"Harbour{long}",
                "text": f"The harbour {long} reopened after the storm.",
            }
        )
        + "\n"
    )
    assert ingest([str(src)], tmp_path / "index").new == 1
    server = LiveServer(tmp_path / "index")
    try:
        for path in ("/search?q=harbour", "/articles/long-title"):
            phone.goto(server.url(path))
            expect(phone.locator("main")).to_contain_text("reopened")
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    finally:
        server.stop()
