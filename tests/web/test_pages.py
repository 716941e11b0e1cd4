"""HTML pages through Flask's test client, read with BeautifulSoup as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from search_app.web.filters import readable_query


def soup(resp) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(resp.data, "lxml")


def result_titles(page: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".result-link")]


def test_home_page_has_a_labelled_search_box_and_counts(client):
    resp = client.get("/")
    assert resp.status_code == 200
    page = soup(resp)
    box = page.select_one("input#q[name=q]")
    assert box is not None and page.select_one("label[for=q]") is not None
    assert "7 articles" in page.get_text()


def test_phrase_query_lists_the_three_seed_articles_with_both_words_marked(client):
    page = soup(client.get('/search?q="seeking asylum"'))
    assert len(page.select("li.result")) == 3
    assert "3 articles" in page.select_one(".count").get_text(" ", strip=True)
    for result in page.select("li.result"):
        marked = {m.get_text().lower() for m in result.select("mark")}
        assert any(w.startswith("seek") for w in marked) and "asylum" in marked, marked


def test_highlights_contain_only_mark_elements(client):
    page = soup(client.get("/search?q=diplomat"))
    hits = page.select("p.hit:not(.dup)")
    assert hits
    for hit in hits:
        tags = {t.name for t in hit.find_all(True)}
        assert tags <= {"a", "mark"}  # the paragraph-number link, then text and <mark>
        assert all(not t.attrs for t in hit.find_all("mark"))


def test_results_link_to_the_matching_paragraph_anchor(client):
    page = soup(client.get("/search?q=defected"))
    href = page.select_one(".result-link")["href"]
    parts = urlsplit(href)
    assert parts.path.startswith("/articles/")
    assert parts.fragment.startswith("p-")
    assert parse_qs(parts.query)["q"] == ["defected"]
    article = soup(client.get(href))
    target = article.select_one(f"#{parts.fragment}")
    assert target is not None and target.select("mark")


def test_shared_wire_paragraph_is_shown_once_with_also_in_links(client):
    page = soup(client.get('/search?q="Deputy Chief of Mission"'))
    also = page.select("p.also a")
    dups = page.select("p.dup")
    # The two CNN seeds carry this paragraph word for word: one shows it, the other refers.
    assert also or dups
    titles = result_titles(page)
    if also:
        assert also[0].get_text(strip=True) in titles
    # Each link opens the other article at the paragraph they share.
    for link in also:
        path, _, anchor = link["href"].partition("#")
        assert anchor.startswith("p-"), link["href"]
        shared = soup(client.get(path)).select_one(f"#{anchor}")
        assert shared is not None and "Deputy Chief of Mission" in shared.get_text(), anchor


def test_source_facet_narrows_the_results(client):
    page = soup(client.get("/search?q=myanmar"))
    before = len(page.select("li.result"))
    box = page.select_one('#facet-source input[type=checkbox][value="reuters.com"]')
    form = box.find_parent("form")
    assert form["method"] == "get" and form["action"] == "/search"
    fields = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    narrowed = soup(client.get("/search", query_string=[*fields, ("source", "reuters.com")]))
    after = narrowed.select("li.result")
    assert 0 < len(after) < before
    assert all("reuters.com" in r.select_one(".source").get_text() for r in after)
    assert narrowed.select_one('#facet-source input[value="reuters.com"]').has_attr("checked")


def test_timeline_bars_filter_to_their_period(client):
    page = soup(client.get("/search?q=myanmar"))
    bars = page.select(".timeline a.bar-link")
    assert len(bars) >= 2
    href = bars[0]["href"]
    query = parse_qs(urlsplit(href).query)
    assert query["from"] == query["to"]
    filtered = soup(client.get(href))
    assert 0 < len(filtered.select("li.result")) < len(page.select("li.result"))


def test_sort_newest_orders_by_date(client):
    page = soup(client.get("/search?q=myanmar&sort=newest"))
    dates = [t["datetime"] for t in page.select("li.result .meta time")]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 3
    assert page.select_one(".sort strong").get_text() == "Newest"


def test_pagination_links_and_pages(client):
    first = soup(client.get("/search?q=myanmar&per_page=2"))
    nxt = first.select_one('.pages a[rel="next"]')
    assert nxt is not None
    second = soup(client.get(nxt["href"]))
    assert set(result_titles(first)).isdisjoint(result_titles(second))
    assert second.select_one('.pages [aria-current="page"]').get_text() == "2"


def test_misspelt_query_is_corrected_with_a_way_back(client):
    page = soup(client.get("/search?q=diplomatt"))
    line = page.select_one("#corrected")
    assert line is not None
    text = " ".join(line.get_text().split())
    assert text == "Showing results for diplomat. Search instead for diplomatt"
    assert page.select("li.result")
    # The results' links carry the query searched, so the article page marks its words.
    assert "q=diplomat#" in page.select_one("a.result-link")["href"]
    instead = page.select_one("#search-instead")["href"]
    assert "nocorrect=1" in instead and "q=diplomatt" in instead
    typed = soup(client.get(instead))
    assert typed.select_one("#corrected") is None and not typed.select("li.result")
    suggestion = typed.select_one("#suggestion")
    assert suggestion is not None and suggestion.get_text() == "diplomat"


def test_empty_result_page_offers_help(client):
    page = soup(client.get("/search?q=zebra"))
    assert "No articles match" in page.get_text()
    assert page.select_one('.empty a[href="/help"]') is not None


def test_malformed_query_gets_a_precise_message_not_an_error_page(client):
    resp = client.get('/search?q="seeking asylum')
    assert resp.status_code == 200  # a page explaining the fix; the API says 400
    page = soup(resp)
    alert = page.select_one(".query-error")
    assert alert is not None and "quote" in alert.get_text().lower()
    assert page.select_one("input#q")["value"] == '"seeking asylum'


def test_explain_shows_parsed_query_and_stems(client):
    page = soup(client.get("/search?q=defections&explain=1"))
    explain = page.select_one("details.explain")
    assert explain.has_attr("open")
    assert "defect" in explain.select_one("table").get_text()


def test_article_page_has_anchors_hit_strip_removed_and_provenance(client):
    result = soup(client.get("/search?q=newsletter OR jpost OR diplomat"))
    hrefs = [a["href"] for a in result.select(".result-link")]
    pages = [soup(client.get(h)) for h in hrefs]
    page = next(p for p in pages if p.select("details.removed li"))
    paras = page.select(".body p.para")
    assert [p["id"] for p in paras] == [f"p-{i}" for i in range(1, len(paras) + 1)]
    assert page.select(".hitstrip a")
    removed = page.select_one("details.removed")
    assert not removed.has_attr("open")  # a toggle, closed until asked
    assert removed.select_one(".cat") and removed.select_one(".rule")
    prov = page.select_one(".provenance").get_text()
    assert "sha256:" in prov and "seeds" in prov


def test_help_page_documents_the_syntax(client):
    text = soup(client.get("/help")).get_text()
    for example in ('"seeking asylum"', "title:", "source:", "date:2011", "asyl*", "asylm~", "NOT"):
        assert example in text


def test_empty_query_goes_back_home(client):
    resp = client.get("/search?q=")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")


def test_unknown_article_is_a_404_page(client):
    resp = client.get("/articles/does-not-exist")
    assert resp.status_code == 404
    assert "No article" in soup(resp).get_text()


def test_fragment_mode_returns_only_the_results_list(client):
    resp = client.get("/search?q=asylum&fragment=1")
    assert resp.status_code == 200
    assert b"<html" not in resp.data and b'class="result' in resp.data


def test_every_page_sends_security_headers(client):
    for path in ("/", "/search?q=asylum", "/help", "/api/search?q=asylum", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/search?q=myanmar", "/help"):
        page = soup(client.get(path))
        assert all(s.get("src") for s in page.select("script"))
        assert not page.select("[style]") and not page.select("style")
        assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def test_a_date_filter_says_how_many_undated_articles_it_left_out(client):
    soup = BeautifulSoup(client.get("/search?q=myanmar&from=2021").data, "html.parser")
    note = soup.select_one("#excluded-undated")
    assert note is not None
    assert " ".join(note.get_text().split()) == (
        "2 undated articles are left out by the date filter: search all dates."
    )
    assert note.a["href"] == "/search?q=myanmar"
    # The undated year is counted, not a link: it has no period to keep.
    soup = BeautifulSoup(client.get("/search?q=myanmar").data, "html.parser")
    undated = soup.select_one("#facet-year .undated")
    assert " ".join(undated.get_text().split()) == "undated 2"
    assert undated.find("a") is None


def test_explain_says_how_each_word_was_read(client):
    page = BeautifulSoup(
        client.get('/search?q=exact:"seeking+asylum"+diplom*+goverment~&explain=1').data, "lxml"
    )
    parsed = page.select_one("#explain .parsed").get_text()
    assert parsed.endswith('AND exact:"seeking asylum"')  # the verbatim check, unstemmed
    rows = {
        tr.select("td")[0].get_text(): [" ".join(td.get_text().split()) for td in tr.select("td")]
        for tr in page.select("#explain tbody tr")
    }
    assert rows["seeking"][1:] == [
        "exact: as written",
        "text",
        "none: matched as written",
        "seeking (word for word)",
    ]
    assert rows["diplom"][1] == "prefix*: word beginnings"
    assert "diplomat" in rows["diplom"][4]
    word, kind, _field, _stem, matched = rows["goverment"]
    assert kind == "fuzzy~: close spellings"
    assert matched == "government → govern"  # the word as written, then the term searched


def test_explain_shows_a_prefixs_weights_in_two_figures():
    parsed = "(text:diplomat OR text:diploma^0.17391304347826086) AND title:asylum^2.0"
    assert readable_query(parsed) == "(text:diplomat OR text:diploma^0.17) AND title:asylum^2.0"
