"""What the index stores for an article: one record (kind "a") and its paragraphs (kind "p").

Each paragraph is a document (so a hit points at the exact paragraph); the
article's record holds what belongs to the article as a whole (title,
summary, provenance, removed blocks) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from ...headline import title_is_derived
from ...models import Article, Provenance, Removed, StoredArticle


def article_doc(stored: StoredArticle) -> dict[str, Any]:
    art = stored.article
    data = {
        "title": art.title,
        "summary": art.summary,
        "source": art.source,
        "url": art.url,
        "contributors": art.contributors,
        "author": art.author,
        "low_confidence": art.low_confidence,
        "published": art.published.isoformat() if art.published else None,
        "removed": [_fields(r) for r in art.removed],
        "provenance": {
            **_fields(stored.provenance),
            "fetched_at": stored.provenance.fetched_at.isoformat(),
        },
        "paragraphs": len(art.paragraphs),
    }
    doc: dict[str, Any] = {
        "id": stored.id,
        "kind": "a",
        "article_id": stored.id,
        "key": stored.key,
        "content_hash": stored.provenance.content_hash,
        "source_key": _source_key(art),
        "data": json.dumps(data, ensure_ascii=False),
    }
    if art.published:
        doc["date"] = _naive_utc(art.published)
    return doc


def _fields(obj: Removed | Provenance) -> dict[str, Any]:
    """A flat dataclass as a dict: asdict() deep-copies every value, a third of
    the cluster client's ingest CPU for records whose fields are all plain."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _source_key(article: Article) -> str:
    return (article.source or "unknown").strip() or "unknown"


def _naive_utc(dt: datetime) -> datetime:
    """Whoosh's DATETIME wants naive datetimes: store UTC."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def paragraph_docs(stored: StoredArticle) -> Iterator[dict[str, Any]]:
    art = stored.article
    common: dict[str, Any] = {
        "kind": "p",
        "article_id": stored.id,
        "title": "" if title_is_derived(art) else art.title,
        "source": art.source or "",
        "author": art.author or "",
        "source_key": _source_key(art),
    }
    if art.published:
        common["date"] = _naive_utc(art.published)
    for position, text in enumerate(art.paragraphs):
        doc = dict(common)
        doc["position"] = position
        doc["text"] = text
        if position < len(stored.fingerprints):
            doc["fingerprint"] = stored.fingerprints[position]
        yield doc


def article_from_stored_fields(fields: dict[str, Any], paragraphs: list[str]) -> StoredArticle:
    """Rebuild a StoredArticle from the article document and its paragraphs."""
    data = json.loads(fields["data"])
    prov = data["provenance"]
    published = datetime.fromisoformat(data["published"]) if data.get("published") else None
    article = Article(
        title=data["title"],
        paragraphs=tuple(paragraphs),
        summary=data.get("summary"),
        published=published,
        source=data.get("source"),
        url=data.get("url"),
        contributors=data.get("contributors"),
        author=data.get("author"),
        low_confidence=bool(data.get("low_confidence")),
        removed=tuple(Removed(**r) for r in data.get("removed", [])),
    )
    provenance = Provenance(
        location=prov["location"],
        fetched_at=datetime.fromisoformat(prov["fetched_at"]),
        content_type=prov.get("content_type"),
        content_hash=prov["content_hash"],
        cleaner_version=prov["cleaner_version"],
    )
    return StoredArticle(
        id=fields["article_id"], key=fields["key"], article=article, provenance=provenance
    )


def read_article(searcher: Any, article_id: str) -> StoredArticle | None:
    """An article with its paragraphs in order, from an open Whoosh searcher."""
    fields = searcher.document(article_id=article_id, kind="a")
    if not fields:
        return None
    docs = list(searcher.documents(article_id=article_id, kind="p"))
    docs.sort(key=lambda d: d["position"])
    stored = article_from_stored_fields(fields, [d["text"] for d in docs])
    return StoredArticle(
        id=stored.id,
        key=stored.key,
        article=stored.article,
        provenance=stored.provenance,
        fingerprints=tuple(d.get("fingerprint", "") for d in docs),
    )
