"""URL and feed fetching against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from search_app.models import RawDocument
from search_app.sources import SourceError, SourceFailure, SourceOptions, fetch_url, read_sources
from tests.httpserver import LocalServer, slow

PAGE = b"<html><head><title>T</title></head><body><p>Caf\xe9 story.</p></body></html>"
HTML = {"Content-Type": "text/html; charset=iso-8859-1"}


@pytest.fixture(scope="module")
def server():
    routes = {
        "/page": (200, HTML, PAGE),
        "/r1": (302, {"Location": "/r2"}, b""),
        "/r2": (301, {"Location": "/page"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
        "/big": (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 5000 + b"</p>"),
        "/slow": slow(2.0),
        "/gone": (404, {"Content-Type": "text/plain"}, b"no"),
    }
    with LocalServer(routes) as srv:
        srv.routes["/to-metadata"] = (302, {"Location": "http://169.254.169.254/latest"}, b"")
        yield srv


def test_page_is_fetched_with_charset_and_provenance(server):
    raw = fetch_url(server.url("/page"))
    assert raw.content == PAGE
    assert raw.charset == "iso-8859-1"
    assert raw.content_type == "text/html"
    assert raw.url == raw.location == server.url("/page")
    assert raw.fetched_at.tzinfo is not None


def test_redirects_are_followed_to_the_final_url(server):
    raw = fetch_url(server.url("/r1"))
    assert raw.url == server.url("/page") and raw.content == PAGE


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/loop", SourceOptions(max_redirects=3), "too many redirects (more than 3)"),
        ("/pdf", SourceOptions(), "not HTML or text (content type application/pdf)"),
        ("/big", SourceOptions(max_bytes=1000), "over the size cap"),
        ("/gone", SourceOptions(), "HTTP 404 Not Found"),
        ("/slow", SourceOptions(timeout=0.3), "timed out after 0.3 s"),
    ],
)
def test_bad_urls_fail_with_a_clear_reason(server, path, options, reason):
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch_url(server.url(path), options)
    assert info.value.reason.startswith(reason)
    assert time.monotonic() - started < 1.5


def test_private_addresses_are_refused_when_guarded_unless_allowed(server):
    guarded = SourceOptions(block_private=True)
    with pytest.raises(SourceError, match="127.0.0.1 is a loopback address"):
        fetch_url(server.url("/page"), guarded)
    allowed = SourceOptions(block_private=True, allow_hosts=frozenset({"127.0.0.1"}))
    assert fetch_url(server.url("/page"), allowed).content == PAGE


def test_every_redirect_hop_is_rechecked(server):
    allowed = SourceOptions(block_private=True, allow_hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(SourceError, match="169.254.169.254 is a cloud metadata address"):
        fetch_url(server.url("/to-metadata"), allowed)


def test_feed_url_with_link_only_entries_fetches_each_link(server):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
<item><title>One</title><link>{server.url("/page")}</link><description>Teaser.</description></item>
<item><title>Two</title><link>{server.url("/gone")}</link><description>Teaser.</description></item>
</channel></rss>""".encode()
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss)
    items = list(read_sources([server.url("/feed.xml")]))
    docs = [i for i in items if isinstance(i, RawDocument)]
    failures = [i for i in items if isinstance(i, SourceFailure)]
    assert [d.meta["title"] for d in docs] == ["One"]
    assert docs[0].content == PAGE
    assert [f.reason for f in failures] == ["HTTP 404 Not Found"]


def test_read_sources_reports_url_failures_and_goes_on(server):
    items = list(read_sources([server.url("/gone"), server.url("/page")]))
    assert isinstance(items[0], SourceFailure) and isinstance(items[1], RawDocument)
