"""Hostile articles and queries in headless Chromium: nothing executes, nothing is injected."""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

QUERIES = [
    "pwned",
    "<script>alert('q')</script>",
    '"><img src=x onerror=alert(1)>',
    "pwned <svg onload=alert(1)>",
    "title:<b>x</b>",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("q", QUERIES)
def test_nothing_executes_in_chromium(page, console, hostile_server, q):  # type: ignore[no-untyped-def]
    page.goto(hostile_server.url(f"/search?q={quote(q)}"))
    page.wait_for_load_state("load")
    for link in page.locator(".result-link").all()[:3]:
        page.goto(hostile_server.url(link.get_attribute("href")))
        page.locator("details.removed summary").click()
        page.go_back()
    page.goto(hostile_server.url("/"))
    page.locator("#q").press_sequentially(q[:30], delay=10)
    page.wait_for_timeout(500)  # let search-as-you-type and autocomplete answer
    injected = page.evaluate(
        "document.querySelectorAll('img, iframe, svg:not(.timeline svg):not(.hitstrip svg)"
        ", b, script:not([src])').length"
    )
    assert injected == 0
    assert console.dialogs == []
