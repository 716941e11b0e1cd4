"""RSS and Atom feeds (feedparser): each entry's own full text, else its link fetched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser

from ..models import RawDocument
from .base import SourceError, SourceFailure, SourceOptions

# An entry whose content has this much text is the article itself; shorter
# content is a teaser, and the linked page is fetched instead.
FULL_TEXT_CHARS = 500
_TAGS = re.compile(r"<[^>]+>")


def is_feed_bytes(content: bytes, content_type: str | None) -> bool:
    if content_type and any(t in content_type for t in ("rss", "atom")):
        return True
    head = content[:2048].lstrip().lower()
    return head.startswith(b"<rss") or (
        head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head)
    )


def _entry_date(entry: dict) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime(*parsed[:6], tzinfo=UTC).isoformat()
    return None


def read_feed(
    content: bytes, location: str, options: SourceOptions
) -> Iterator[RawDocument | SourceFailure]:
    from .web import fetch_url  # feeds fetch their links; web imports nothing from here

    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        yield SourceFailure(
            location, f"not a readable feed ({feed.get('bozo_exception', 'parse error')})"
        )
        return
    for n, entry in enumerate(feed.entries, 1):
        link = entry.get("link")
        meta = {"title": entry.get("title"), "date": _entry_date(entry), "url": link}
        meta = {k: v for k, v in meta.items() if v}
        bodies = [c.get("value", "") for c in entry.get("content", [])] + [entry.get("summary", "")]
        body = max(bodies, key=len) if bodies else ""
        if len(_TAGS.sub(" ", body).strip()) >= FULL_TEXT_CHARS:
            yield RawDocument(
                content=body.encode("utf-8"),
                location=f"{location}#entry-{n}",
                fetched_at=datetime.now(UTC),
                content_type="text/html",
                charset="utf-8",
                url=link,
                meta=meta,
            )
            continue
        if not link:
            yield SourceFailure(f"{location}#entry-{n}", "entry has no full text and no link")
            continue
        try:
            raw = fetch_url(link, options)
        except SourceError as exc:
            yield SourceFailure(exc.location, exc.reason)
            continue
        yield RawDocument(
            content=raw.content,
            location=raw.location,
            fetched_at=raw.fetched_at,
            content_type=raw.content_type,
            charset=raw.charset,
            url=raw.url,
            meta={**meta, **{"url": raw.url}},
        )
