"""The engine interface: what the search service needs from an index, and what it gets.

At the level a distributed engine also works at: a writer takes whole
articles, and a reader takes our own query tree (query/tree.py) with filters,
sort and a page, and returns ranked article groups with their matching
paragraphs, the counts, and the facet and timeline buckets. Highlighting,
duplicate collapse and result assembly (present.py) work on what it returns,
so every engine gets them for free.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import ArticleRef, IndexStats, StoredArticle
from ..query.rewrite import DateLimits
from ..query.tree import Fuzzy, Node, Prefix, TermRange, Wildcard


class Expired(Exception):
    """The search ran past its deadline (SEARCH_APP_SEARCH_TIMEOUT)."""


@dataclass(frozen=True)
class Filters:
    """Limits checked per article: sources (exact keys) and date limits (naive UTC)."""

    sources: frozenset[str] = frozenset()
    dates: DateLimits = ()


@dataclass(frozen=True)
class SearchSpec:
    """One search, as the service hands it to a reader."""

    query: Node  # every hit must match it (required date ranges taken out: see filters)
    filters: Filters = Filters()
    # Articles matching ``loose`` (some of the words) but not ``query`` are partial
    # matches: counted (Hits.partial_articles) and ranked after every all-words
    # article, in an order that does not depend on offset and limit; scores
    # times ``partial_factor``, flagged partial.
    loose: Node | None = None
    partial_factor: float = 0.7
    text_only: Node | None = None  # counts an article's paragraphs with the words in their text
    exact: tuple[str, ...] = ()  # verbatim phrases every hit's paragraph text must contain
    sort: str = "relevance"  # one of models.SORTS
    offset: int = 0
    limit: int = 10
    paragraphs: int = 3  # best matching paragraphs returned per article
    # Groups ranked before this (counted from the first result) may carry only their
    # best paragraph's fingerprint and ref, no text or fields: enough to fold copies
    # (present.collapse) above the page at a fraction of the reads.
    brief_before: int = 0
    deadline: float = math.inf  # time.monotonic() past which scoring stops (Expired)
    # A distributed engine with every mirror of a shard down: answer from the
    # other shards (Hits.partial_shards names the missing ones) instead of failing.
    allow_partial: bool = False


@dataclass(frozen=True)
class ParagraphMatch:
    ref: Any  # the engine's handle of the paragraph (for also_in)
    position: int
    score: float
    text: str
    fingerprint: str


@dataclass(frozen=True)
class ArticleGroup:
    article_id: str
    score: float
    paragraphs: tuple[ParagraphMatch, ...]  # best first
    matching: int  # paragraphs of the article that match
    partial: bool
    fields: Mapping[str, Any]  # title, source, url, published (ISO) as stored


@dataclass(frozen=True)
class Hits:
    """One page of a search, and the counts of the whole search.

    The fields after ``timed_out`` have defaults, so an engine that does not
    find partial matches or count undated articles still constructs one.
    """

    groups: tuple[ArticleGroup, ...]  # the requested page: all-words articles, then partial
    total_articles: int  # articles matching every word
    total_paragraphs: int  # paragraphs matching every word
    # Facets: articles per source key and per (year, month) of the all-words set,
    # or of the partial set when no article matches every word (facets_partial).
    sources: tuple[tuple[str, int], ...] = ()
    months: tuple[tuple[tuple[int, int], int], ...] = ()
    relaxed: bool = False  # the page holds partial matches
    timed_out: bool = False
    partial_articles: int = 0  # articles matching some of the words, not all
    facets_partial: bool = False  # sources/months/undated count the partial set
    undated: int = 0  # articles of the facet set without a date (not in months)
    excluded_undated: int = 0  # all-words articles a date limit left out for having no date
    partial_shards: tuple[int, ...] = ()  # shards missing from the answer (allow_partial)


class EngineReader(ABC):
    """A consistent view of the index: every commit before it was opened, none after."""

    @abstractmethod
    def up_to_date(self) -> bool: ...

    @property
    @abstractmethod
    def generation(self) -> int: ...

    @abstractmethod
    def warm(self) -> None:
        """Build what the first search would otherwise build (tables, statistics)."""

    @abstractmethod
    def parse(self, prepared_text: str) -> Node:
        """Prepared query text as our tree, words analysed as this index analyses them."""

    @abstractmethod
    def describe(self, q: Node) -> str:
        """The query as the engine runs it ("parsed as")."""

    @abstractmethod
    def search(self, spec: SearchSpec) -> Hits: ...

    @abstractmethod
    def also_in(
        self, fingerprint: str, article_id: str, ref: Any, limit: int
    ) -> tuple[ArticleRef, ...]:
        """Other articles holding this paragraph word for word (syndicated copies)."""

    @abstractmethod
    def article(self, article_id: str) -> StoredArticle | None: ...

    def read_fingerprints(self, article_ids: Sequence[str]) -> None:
        """Read ahead the fingerprints ``fingerprints`` will be asked for while folding copies.

        Nothing by default; an engine whose reads are round trips (the cluster's)
        reads them in a few statements instead of one an article.
        """
        return None

    def fingerprints(self, group: ArticleGroup) -> frozenset[str]:
        """The fingerprints of every paragraph of a found article (duplicate collapse).

        Reads the whole article by default; an engine with a cheaper path overrides it.
        """
        stored = self.article(group.article_id)
        return frozenset(stored.fingerprints) if stored else frozenset()

    @abstractmethod
    def matching_positions(
        self, article_id: str, q: Node, dates: DateLimits, deadline: float
    ) -> tuple[int, ...]:
        """Positions of the article's paragraphs that ``q`` matches (as a search scores it)."""

    # -- vocabulary (suggestions, spelling, expansion)

    @abstractmethod
    def doc_count(self) -> int:
        """Live documents, the N of the IDF that doc_frequency's counts go into."""

    @abstractmethod
    def doc_frequency(self, field: str, term: str) -> int: ...

    @abstractmethod
    def matching_terms(self, node: Prefix | Wildcard | Fuzzy | TermRange) -> Iterator[str]: ...

    @abstractmethod
    def terms_from(self, field: str, prefix: str) -> Iterator[str]:
        """Index terms starting with ``prefix``, in lexicon order."""

    @abstractmethod
    def sample_text(self, field: str, term: str) -> str | None:
        """The stored text of one paragraph holding ``term`` (to show a word as written)."""

    @abstractmethod
    def close(self) -> None: ...


class EngineWriter(ABC):
    """A batch of changes that becomes visible to readers all at once, on commit."""

    added: int
    deleted: int

    @abstractmethod
    def put_article(self, stored: StoredArticle) -> None:
        """Add or replace an article and all of its paragraphs."""

    @abstractmethod
    def delete_article(self, article_id: str) -> None: ...


class Engine(ABC):
    """An index folder: opened by readers, created only by ingest and reindex."""

    root: Path

    @classmethod
    @abstractmethod
    def open(cls, root: str | Path, create: bool = False) -> Engine:
        """Raises IndexNotFound (unless ``create``), SchemaMismatch or IndexCorrupt."""

    @classmethod
    @abstractmethod
    def create(cls, root: str | Path) -> Engine: ...

    @abstractmethod
    def reader(self, postings_cache_mb: int = 64) -> EngineReader: ...

    @abstractmethod
    def writer(
        self, timeout: float = 60.0, replace_all: bool = False, procs: int = 1
    ) -> AbstractContextManager[EngineWriter]:
        """Commits when the block ends without error; cancels on an exception."""

    @abstractmethod
    def stats(self) -> IndexStats: ...
