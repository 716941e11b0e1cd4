"""Raw news pages (HTML or plain text) to clean articles: pure functions, no I/O.

Only the package's own rules file is read (once). Everything the cleaner drops
is returned in ``Article.removed`` with the category and the name of the rule
that dropped it, so users can see what was taken out and a wrong rule can be
found by name.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..models import Article, Removed
from . import attribution, mojibake
from .dates import parse_date
from .dedup import fingerprint, normalise
from .encoding import check_text, decode
from .errors import CleaningError, RulesError
from .filters import apply_line_rules
from .html import parse_html
from .rules import Rules, default_rules, load_rules
from .text import parse_text
from .urls import site_host, url_host

__all__ = [
    "CLEANER_VERSION",
    "CleaningError",
    "Rules",
    "RulesError",
    "clean",
    "fingerprint",
    "load_rules",
    "site_host",
    "url_host",
]

# Stored with every article as provenance; bump whenever output can change, so
# `reindex` knows which stored articles a new cleaner would clean differently.
CLEANER_VERSION = "1.2.0"

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w")
_TITLE_MAX_CHARS = 90  # a derived title must fit one result line
_HTML_SNIFF = re.compile(
    r"<(!doctype\s+html|html|head|body|p|div|article|main|section|span|br|meta|title|table|"
    r"h[1-6]|a\s+href|script|style)\b[^>]*>",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"^(.+?[a-z0-9\"')\u201d\u2019][.!?])(?=\s+[A-Z\"'\u201c\u2018(])")


def _is_html(content_type: str | None, text: str) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "text/plain":
        return False
    return _HTML_SNIFF.search(text[:8192]) is not None


def derive_title(paragraph: str) -> str:
    """A title from a story's first sentence, cut at a word boundary when long."""
    match = _FIRST_SENTENCE.match(paragraph)
    sentence = match.group(1) if match else paragraph
    if len(sentence) <= _TITLE_MAX_CHARS:
        return sentence.rstrip(".") or sentence
    cut = sentence[: _TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-\u2013\u2014")
    return cut + "\u2026"


def _check_content_type(content_type: str | None) -> None:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if not kind or kind.startswith("text/") or "html" in kind or "xml" in kind:
        return
    if kind in ("application/octet-stream", "binary/octet-stream"):
        return  # servers label anything so: look at the bytes instead
    raise CleaningError(f"unsupported content type {kind!r}: expected HTML or plain text")


@dataclass
class _Parsed:
    """What the HTML or text parser found, before the paragraph rules."""

    kind: str  # "HTML page" or "text", as error messages name it
    paragraphs: list[str]
    removed: list[Removed] = field(default_factory=list)
    title: str | None = None
    summary: str | None = None
    published: datetime | None = None
    source: str | None = None
    canonical: str | None = None
    author: str | None = None
    low_confidence: bool = False


def _as_text(raw: bytes | str, content_type: str | None, charset: str | None) -> str:
    """The document as text: bytes decoded by their declared or sniffed charset."""
    if isinstance(raw, bytes):
        if not raw.strip():
            raise CleaningError("empty document")
        head = raw[:8192].decode("latin-1")
        text = decode(raw, charset, html=_is_html(content_type, head))
    else:
        text = raw
        check_text(text)
    if not text.strip():
        raise CleaningError("empty document")
    # Before parsing too: collapsing white space would split "Â\u00a0" (a broken
    # no-break space) and "â\u00ad\u0090" (a broken star), which hold a space
    # and a soft hyphen.
    return mojibake.repair(text) if mojibake.broken([text]) else text


def _parse(text: str, url: str | None, content_type: str | None, rules: Rules) -> _Parsed:
    if not _is_html(content_type, text):
        story = parse_text(text)
        return _Parsed(
            "text", story.paragraphs, title=story.title, summary=story.summary,
            published=story.published,
        )  # fmt: skip
    page = parse_html(text, url, rules)
    meta = page.meta
    published = meta.published
    if published is None:  # no date in the markup: the visible dateline, if any
        datelines = (r.text for r in page.removed if r.rule == "leading-dateline")
        published = next(filter(None, map(parse_date, datelines)), None)
    return _Parsed(
        "HTML page", page.paragraphs, list(page.removed), meta.title, meta.summary, published,
        meta.source, meta.url, meta.author, page.low_confidence,
    )  # fmt: skip


def clean(
    raw: bytes | str,
    url: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
    rules: Rules | None = None,
) -> Article:
    """Clean one HTML page or plain-text story into an Article.

    :param raw: the document as fetched (bytes are decoded here) or as text.
    :param url: where it came from; gives the source domain and resolves a
        relative canonical link, and selects per-domain rules.
    :param content_type: "text/html", "text/plain", or None to sniff.
    :param charset: the charset the transport declared (HTTP header), if any.
    :param rules: rules from :func:`load_rules`; the shipped rules by default.
    :raises CleaningError: the input is empty, binary or undecodable, or holds
        no article text.
    """
    _check_content_type(content_type)
    active = (rules or default_rules()).for_url(url)
    parsed = _parse(_as_text(raw, content_type, charset), url, content_type, active)
    if mojibake.broken([*parsed.paragraphs, parsed.title or ""]):
        parsed.paragraphs = [mojibake.repair(p) for p in parsed.paragraphs]
        parsed.title = parsed.title and mojibake.repair(parsed.title)
        parsed.summary = parsed.summary and mojibake.repair(parsed.summary)
    removed = parsed.removed
    title, summary = parsed.title, parsed.summary

    filtered = apply_line_rules(parsed.paragraphs, active)
    removed.extend(filtered.removed)
    # Separators ("***", "—") and stray punctuation are not paragraphs.
    removed.extend(
        Removed(p, "separator", "no-words") for p in filtered.paragraphs if not _WORD.search(p)
    )
    paragraphs = [p for p in filtered.paragraphs if _WORD.search(p)]
    if title:
        key = normalise(title)
        repeats = [p for p in paragraphs if normalise(p) == key]
        for p in repeats:
            removed.append(Removed(p, "title", "title-repeat"))
        paragraphs = [p for p in paragraphs if normalise(p) != key]
    if not paragraphs:
        raise CleaningError(f"no article text found in this {parsed.kind}")
    html = parsed.kind == "HTML page"
    if summary and html:
        # og:description is usually the lede cut short: not a standfirst of its own.
        probe = normalise(summary.rstrip(".\u2026 "))[:60]
        if probe and probe in normalise(" ".join(paragraphs[:3])):
            summary = None

    return Article(
        title=title or derive_title(paragraphs[0]),
        paragraphs=tuple(paragraphs),
        summary=summary,
        published=parsed.published,
        source=attribution.publisher(parsed.source, removed, parsed.canonical or url, not html),
        url=parsed.canonical or url,
        contributors=" ".join(filtered.contributors) or None,
        removed=tuple(removed),
        author=parsed.author or attribution.author_from_removed(removed, parsed.source),
        low_confidence=parsed.low_confidence,
    )
