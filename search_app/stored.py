"""A raw document becomes what the index stores: cleaned, its stated fields
applied, and given a stable id.

Pure (no index, no store), so the cleaning pool's worker processes and
`reindex` run exactly what a plain ingest runs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from . import cleaning
from .cleaning.dates import stated_date
from .headline import drop_repeated_headline, first_line
from .models import Article, Provenance, RawDocument, StoredArticle
from .records import check_article

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def article_id_for(key: str, literal: bool = False) -> str:
    """A URL-safe id: the key itself when it is a short safe token (a JSON Lines id)."""
    if literal and _SAFE_ID.match(key):
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def identity_key(raw: RawDocument, article: Article) -> tuple[str, bool]:
    """(key, literal): the explicit key, else the canonical URL, else the source path."""
    if raw.key:
        return raw.key, True
    if article.url:
        return article.url, False
    if raw.url:
        return raw.url, False
    if raw.meta.get("_identity") == "content":  # an upload: its name is only a label
        return f"sha256:{raw.sha256}", False
    return raw.location, False


def _source_name(raw: RawDocument, article: Article) -> str | None:
    if isinstance(raw.meta.get("source"), str) and raw.meta["source"].strip():
        return raw.meta["source"].strip()
    if article.source:
        return article.source
    url = article.url or raw.url
    if url:
        return cleaning.site_host(url) or None
    # No file name stands in for a publisher ("bbc-news-2005", "upload:batch"):
    # the source is unknown, and `ingest --source NAME` labels a batch.
    return None


def apply_meta(raw: RawDocument, article: Article) -> Article:
    """Fields a structured source states outright win over what cleaning guessed."""
    meta = raw.meta
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    published = stated_date(meta.get("date")) or article.published
    url = meta.get("url") if isinstance(meta.get("url"), str) else None
    author = meta.get("author") if isinstance(meta.get("author"), str) else None
    return replace(
        article,
        title=(title or "").strip() or article.title,
        published=published,
        url=url or article.url or raw.url,
        source=_source_name(raw, article),
        author=(author or "").strip() or article.author,
    )


def clean_raw(raw: RawDocument, rules: cleaning.Rules | None = None) -> StoredArticle:
    """Clean a raw document into what the index stores. Raises CleaningError."""
    article = cleaning.clean(
        raw.content,
        url=raw.url,
        content_type=raw.content_type,
        charset=raw.charset,
        rules=rules,
    )
    article = apply_meta(raw, article)
    if raw.meta.get("title") and raw.content_type == "text/plain":
        # A stated headline repeated as the text's first line is the headline.
        article = drop_repeated_headline(article, first_line(raw.content))
    check_article(article)  # a value the index can't hold fails this article alone
    if not article.paragraphs:
        raise cleaning.CleaningError("no article text found")
    key, literal = identity_key(raw, article)
    provenance = Provenance(
        location=raw.location,
        fetched_at=raw.fetched_at,
        content_type=raw.content_type,
        content_hash=raw.sha256,
        cleaner_version=cleaning.CLEANER_VERSION,
    )
    return StoredArticle(
        id=article_id_for(key, literal),
        key=key,
        article=article,
        provenance=provenance,
        fingerprints=tuple(cleaning.fingerprint(p) for p in article.paragraphs),
    )


def with_id(stored: StoredArticle, article_id: str) -> StoredArticle:
    """The article under the id the store already knows it by."""
    return replace(stored, id=article_id)
