"""Pages too big to parse into a tree: their visible text, read with regexes.

A parsed element costs bs4 about 1.7 kB and the walk a few microseconds, so a
9 MB upload of a million ``<b>x</b>`` took 40 s and 1.7 GB. Real article pages
hold a few thousand elements (at most 3,841 on the 286 benchmark pages, after
scripts and comments go), so past :data:`MAX_ELEMENTS` the page is hostile or
broken and is read in linear time instead: tags become paragraph breaks or
nothing, entities are decoded, and the article is marked low-confidence.
"""

from __future__ import annotations

import html
import re

MAX_ELEMENTS = 50_000  # 13 times the largest real page seen; parsing this many takes ~1 s

# Every pattern here stops at the next "<" so that no input makes it rescan:
# the whole path stays linear in the page size.
_START_TAG = re.compile(r"<[a-zA-Z]")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|h[1-6]|tr|td|th|section|article|blockquote|pre|table|ul|ol|dl|dd|dt|"
    r"header|footer|nav|aside|main|figure|figcaption|form|hr)\b[^<>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")
_BREAK = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")


def too_many_elements(markup: str, limit: int = MAX_ELEMENTS) -> bool:
    """Whether the markup opens more than ``limit`` elements (counted without a parse)."""
    count = 0
    for _ in _START_TAG.finditer(markup):
        count += 1
        if count > limit:
            return True
    return False


def _clean_text(fragment: str) -> str:
    return _WS.sub(" ", html.unescape(_TAG.sub("", fragment))).strip()


def title_of(markup: str) -> str | None:
    """The <title> text, found with two plain searches."""
    low = markup[:200_000].lower()
    start = low.find("<title")
    end = low.find("</title", start)
    if start < 0 or end < 0:
        return None
    opened = low.find(">", start, end)
    return _clean_text(markup[opened + 1 : end]) if opened >= 0 else None


def text_paragraphs(markup: str) -> list[str]:
    """The text of the page's body as paragraphs, split at block tags, without a tree."""
    start = markup.lower().find("<body")
    text = markup[start:] if start >= 0 else markup
    text = _BLOCK_TAG.sub("\n\n", text)
    paragraphs = (_clean_text(p) for p in _BREAK.split(text))
    return [p for p in paragraphs if p]
