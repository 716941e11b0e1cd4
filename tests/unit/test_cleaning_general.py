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
