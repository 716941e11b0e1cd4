"""Plain data passed between the layers.

Every layer (sources, cleaning, indexing, search, web) speaks in these frozen
dataclasses, so no layer leaks its library's types into another: the search
engine can be swapped without touching cleaning or the web front end.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RawDocument:
    """Bytes as read from a source, with where and when they came from.

    ``meta`` carries fields a structured source already knows (a JSON Lines
    record's ``title``/``date``/``url``); they win over what cleaning guesses.
    """

    content: bytes
    location: str  # absolute file path or URL the bytes were read from
    fetched_at: datetime  # timezone-aware
    content_type: str | None = None  # "text/html", "text/plain", ...
    charset: str | None = None  # declared by the transport (HTTP header), if any
    url: str | None = None  # the article's URL when known (final URL after redirects)
    key: str | None = None  # identity override (JSON Lines id); else derived from url/location
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Removed:
    """A block cleaning dropped, and why: shown to users under "show removed"."""

    text: str
    category: (
        str  # e.g. "comments", "caption", "newsletter", "share", "nav", "related", "contributors"
    )
    rule: str  # the name of the rule that matched


@dataclass(frozen=True)
class Article:
    """A cleaned article: what gets indexed, one document per paragraph."""

    title: str
    paragraphs: tuple[str, ...]
    summary: str | None = None
    published: datetime | None = None  # timezone-aware when set
    source: str | None = None  # publisher name, else the URL's domain
    url: str | None = None
    contributors: str | None = None
    removed: tuple[Removed, ...] = ()
    author: str | None = None  # the byline's people, "Jane Roe, John Doe"; None when unsigned
    low_confidence: bool = False  # no container looked like an article: best guess kept


@dataclass(frozen=True)
class Provenance:
    """Where an indexed article came from; shown on every hit."""

    location: str
    fetched_at: datetime
    content_type: str | None
    content_hash: str  # sha256 of the raw bytes
    cleaner_version: str


@dataclass(frozen=True)
class StoredArticle:
    """An article as the index holds it: the cleaned article plus identity."""

    id: str
    key: str  # canonical URL, normalised path, or JSON Lines id
    article: Article
    provenance: Provenance
    fingerprints: tuple[str, ...] = ()  # one per paragraph, same order


@dataclass(frozen=True)
class IndexStats:
    articles: int
    paragraphs: int
    sources: int
    index_bytes: int
    schema_version: int
    last_commit: datetime | None = None


SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class SearchRequest:
    """A search as the user asked for it; the web layer builds one from a request."""

    q: str
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    sources: tuple[str, ...] = ()
    date_from: str | None = None  # "2011", "2011-07" or "2011-07-13"
    date_to: str | None = None
    nocorrect: bool = False  # search the words as typed, even those in no document
    live: bool = False  # typed so far: the last word also matches as a prefix
    allow_partial: bool = False  # a cluster with a shard down: answer from the others


@dataclass(frozen=True)
class ArticleRef:
    id: str
    title: str
    position: int | None = None  # the shared paragraph's place in that article, from 0


@dataclass(frozen=True)
class Duplicate:
    """An article collapsed into a better-ranked result: all its paragraphs are there."""

    id: str
    title: str
    source: str | None
    url: str | None


@dataclass(frozen=True)
class ParagraphHit:
    position: int
    text: str  # the shown fragment as plain text
    highlight: str  # the same fragment as HTML: escaped text and <mark> elements only
    score: float
    also_in: tuple[ArticleRef, ...] = ()  # other articles with this paragraph word for word
    duplicate_of: ArticleRef | None = None  # shown already under that article above


@dataclass(frozen=True)
class ArticleResult:
    id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    score: float
    paragraphs: tuple[ParagraphHit, ...]
    matching_paragraphs: int  # all paragraphs of the article that match
    partial: bool = False  # matches some of the words only (the query was relaxed)
    duplicates: tuple[Duplicate, ...] = ()  # copies collapsed into this result

    @property
    def more(self) -> int:
        return max(0, self.matching_paragraphs - len(self.paragraphs))


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class TimelineBucket:
    label: str  # "2011" or "2011-07"
    date_from: str
    date_to: str
    count: int  # matching articles


@dataclass(frozen=True)
class TermInfo:
    """How one query word was understood: for "explain" and highlighting."""

    word: str
    stem: str
    field: str
    matched: tuple[str, ...]  # index terms it matched (several for prefix and fuzzy)
    # "word", "phrase", "exact" (verbatim, unstemmed), "fuzzy" (word~) or "prefix" (word*)
    kind: str = "word"
    expansions: tuple[str, ...] = ()  # the words as written that a fuzzy word matched


@dataclass(frozen=True)
class ResultPage:
    request: SearchRequest
    total_articles: int  # articles matching every word
    total_paragraphs: int  # paragraphs matching every word
    page: int
    per_page: int
    pages: int
    took_ms: float
    results: tuple[ArticleResult, ...]
    facets: dict[str, tuple[FacetValue, ...]]
    timeline: tuple[TimelineBucket, ...]
    timeline_unit: str  # "year" or "month"
    suggestion: str | None
    parsed_query: str
    terms: tuple[TermInfo, ...]
    relaxed: bool = False  # this page holds partial matches (not every word was found)
    timed_out: bool = False  # the search hit its time limit; results may be incomplete
    partial_shards: tuple[int, ...] = ()  # cluster shards missing (only with allow_partial)
    # Set when words in no document were corrected and the corrected query
    # searched instead: ``query`` is what was searched, ``corrected_from`` what was typed.
    query: str | None = None
    corrected_from: str | None = None
    partial_articles: int = 0  # articles matching some of the words, ranked after the others
    facets_partial: bool = False  # no article matches every word: facets count partial ones
    excluded_undated: int = 0  # articles a date filter left out for having no date


@dataclass(frozen=True)
class ArticleView:
    """An article page: the stored article plus where a query's terms hit it."""

    stored: StoredArticle
    highlights: tuple[str, ...]  # one HTML string per paragraph (escaped; <mark> on hits)
    hit_positions: tuple[int, ...]  # paragraphs that match the query
