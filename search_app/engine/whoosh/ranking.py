"""From paragraph scores to ranked articles: grouping, filters, partial matches, order.

An article ranks by its best paragraph, with a little more for each further
matching paragraph (a soft maximum), plus the article scored as a whole
(engine/article_score.py: BM25 over its headline and all its paragraphs,
from the postings the search has read already). Sources and dates are checked per
article on the searcher's doc tables, not as query clauses: a filter on the
biggest source would otherwise read a posting list of nearly every
document, and a date range as a query is a union over every timestamp in it.
"""

from __future__ import annotations

import heapq
import re
import threading
import weakref
from array import array
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from whoosh.util.numeric import byte_to_length

from ...cache import BoundedCache
from .. import article_score
from ..article_score import ArticleStats, article_scores, combine, frequency_cost, soft_max
from .doctables import NO_ARTICLE, DocTables, deleted_docs
from .scoring import QueryScorer

LongDates = tuple[tuple[int | None, int | None], ...]  # (low, high) as date-column longs

# Partial matches whose article as a whole is scored (article_score), best
# paragraph scores first; the rest follow them ranked by paragraph alone. A
# constant, never the page size: page 2 at 10 a page must be ranks 11-20 at
# 100 a page, and the article BM25 costs words x candidates.
PARTIAL_RANKED = 1000


@dataclass
class Found:
    """The matching articles of one search, by article number (see doctables).

    Three tiers, each ranked on its own and shown in this order: the articles
    matching every word (``rank``), then the partial matches whose article
    score was computed (``partial_rank``), then the remaining partial matches
    (``partial_tail``), so no partial match ever comes before an all-words one.
    """

    rank: dict[int, float] = field(default_factory=dict)  # ranking score
    counts: dict[int, int] = field(default_factory=dict)  # matching paragraphs
    hits_of: dict[int, dict[int, float]] = field(default_factory=dict)  # the pass that found it
    partial: set[int] = field(default_factory=set)  # matching some of the words only
    partial_rank: dict[int, float] = field(default_factory=dict)
    partial_tail: dict[int, float] = field(default_factory=dict)
    paragraphs: int = 0  # paragraphs matching every word
    undated_excluded: int = 0  # all-words articles a date limit left out for having no date
    partial_undated_excluded: int = 0  # the same among the partial matches

    def tiers(self) -> tuple[dict[int, float], ...]:
        return (self.rank, self.partial_rank, self.partial_tail)

    def score(self, a: int) -> float:
        """A found article's score, whatever its tier."""
        for tier in self.tiers():
            if a in tier:
                return tier[a]
        raise KeyError(a)


def within(raw: int | None, dates: LongDates) -> bool:
    """Whether an article's date (a raw date-column long) passes every date limit."""
    if not dates:
        return True
    if not raw:
        return False
    return all((lo is None or raw >= lo) and (hi is None or raw <= hi) for lo, hi in dates)


def _candidates(
    scorer: QueryScorer,
    hits: dict[int, float],
    exact: list[re.Pattern[str]],
    sources: frozenset[str],
    dates: LongDates,
) -> tuple[dict[int, float], dict[int, int], int, dict[int, float]]:
    """Each article's best paragraph score and matching paragraphs, past the filters,
    how many articles the date limits left out for having no date, and the
    paragraph hits that hold the ``exact:`` phrases (the ones a result shows)."""
    tables = scorer.tables
    doc_article = tables.doc_article
    if exact:
        stored = scorer.searcher.stored_fields
        hits = {
            d: s
            for d, s in hits.items()
            if doc_article[d] >= 0 and all(p.search(stored(d).get("text", "")) for p in exact)
        }
    best, counts = _best_per_article(hits, doc_article)
    undated = 0
    if sources or dates:
        src, when = tables.article_sources, tables.article_dates
        kept = {a: s for a, s in best.items() if not sources or src[a] in sources}
        if dates:
            undated = sum(1 for a in kept if not when[a])
            kept = {a: s for a, s in kept.items() if within(when[a], dates)}
        best = kept
    return best, counts, undated, hits


def collect(
    scorer: QueryScorer,
    found: Found,
    hits: dict[int, float],
    words: Mapping[str, float],
    exact: list[re.Pattern[str]],
    sources: frozenset[str],
    dates: LongDates,
) -> None:
    """Add the articles whose paragraphs are in ``hits`` (every word) to ``found``, ranked.

    ``words`` are the index terms of the query that found them, with their
    weights, for the article score.
    """
    best, counts, undated, hits = _candidates(scorer, hits, exact, sources, dates)
    whole = _article_scores(scorer, words, best.keys())
    for a, s in best.items():
        found.rank[a] = combine(soft_max(s, counts[a]), whole.get(a, 0.0))
        found.counts[a] = counts[a]
        found.hits_of[a] = hits
    found.paragraphs = sum(counts[a] for a in best)
    found.undated_excluded = undated


def collect_partial(
    scorer: QueryScorer,
    found: Found,
    hits: dict[int, float],
    words: Mapping[str, float],
    exact: list[re.Pattern[str]],
    sources: frozenset[str],
    dates: LongDates,
    factor: float,
    rank: bool = True,
) -> None:
    """Add the articles matching only some of the words (``hits`` less ``found.rank``).

    Always counted; ranked only when ``rank`` (a page reaches past the
    all-words articles). The ranking never depends on how far the page
    reaches: the PARTIAL_RANKED articles with the best paragraph scores get
    the article score and rank first, the rest follow by paragraph score.
    Scores are scaled by ``factor`` (shown scores stay below comparable
    all-words ones).
    """
    best, counts, undated, hits = _candidates(scorer, hits, exact, sources, dates)
    for a in found.rank:
        best.pop(a, None)
    found.partial = set(best)
    found.partial_undated_excluded = max(0, undated - found.undated_excluded)
    if not rank:
        return
    soft = {a: soft_max(s, counts[a]) for a, s in best.items()}
    # Ties by article number: the same index gives the same order every time.
    head = heapq.nsmallest(PARTIAL_RANKED, soft, key=lambda a: (-soft[a], a))
    whole = _article_scores(scorer, words, set(head))
    for a in head:
        found.partial_rank[a] = combine(soft.pop(a), whole.get(a, 0.0)) * factor
    found.partial_tail.update((a, s * factor) for a, s in soft.items())
    for a in best:
        found.counts[a] = counts[a]
        found.hits_of[a] = hits


def _article_scores(
    scorer: QueryScorer, words: Mapping[str, float], candidates: set[int]
) -> dict[int, float]:
    """Article BM25 of the candidates, from the postings this search has read."""
    if not article_score.ARTICLE_WEIGHT:
        return {}
    tables = scorer.tables
    stats = article_stats(tables, [deleted_docs(leaf) for leaf in scorer.leaves])
    return article_scores(
        words, scorer.frequencies, tables.doc_article, stats, candidates, _frequency_cache(tables)
    )


# Article frequencies of the query words, per doc tables (one reader generation:
# the tables, the postings and the deletions change together), in dict entries
# (article_score.frequency_cost).
# About 100 bytes an entry: 20 MB at most a generation.
FREQUENCY_ENTRIES = 200_000
_FREQS: weakref.WeakKeyDictionary[DocTables, BoundedCache[str, dict[int, float]]] = (
    weakref.WeakKeyDictionary()
)
_FREQS_LOCK = threading.Lock()


def _frequency_cache(tables: DocTables) -> BoundedCache[str, dict[int, float]]:
    """The article-frequency cache of these tables, made on first use."""
    with _FREQS_LOCK:
        cache = _FREQS.get(tables)
        if cache is None:
            cache = _FREQS[tables] = BoundedCache(FREQUENCY_ENTRIES, cost=frequency_cost)
        return cache


_STATS: weakref.WeakKeyDictionary[DocTables, ArticleStats] = weakref.WeakKeyDictionary()
_LENGTH_OF_BYTE = [byte_to_length(n) for n in range(256)]


def article_stats(tables: DocTables, deleted: Sequence[Container[int]]) -> ArticleStats:
    """Article lengths for a searcher's doc tables, built once per tables (per commit).

    ``deleted`` holds each segment's deleted local document numbers: a
    replaced article's old paragraphs stay in the tables until a merge.
    One pass over every paragraph's length byte: about 0.3 s a million
    paragraphs, paid by the first search after a commit.
    """
    stats = _STATS.get(tables)
    if stats is not None:
        return stats
    n = len(tables.article_ids)
    lengths = array("d", bytes(8 * n))
    title_seen = bytearray(n)
    for offset, table, gone in zip(tables.offsets, tables.segments, deleted, strict=True):
        text = table.lengths.get("text", b"")
        title = table.lengths.get("title", b"")
        doc_article = tables.doc_article
        for local, byte in enumerate(text):
            a = doc_article[offset + local]
            if a < 0 or local in gone:
                continue
            lengths[a] += _LENGTH_OF_BYTE[byte]
            if not title_seen[a] and local < len(title):
                title_seen[a] = 1
                lengths[a] += _LENGTH_OF_BYTE[title[local]]
    live = sum(1 for x in lengths if x > 0) or 1
    stats = ArticleStats(lengths, (sum(lengths) / live) or 1.0, live)
    _STATS[tables] = stats
    return stats


def _best_per_article(
    hits: dict[int, float], doc_article: list[int]
) -> tuple[dict[int, float], dict[int, int]]:
    """Each article's best paragraph score and number of matching paragraphs, in one
    plain loop (measured faster than sorting or Counter here)."""
    best: dict[int, float] = {}
    counts: dict[int, int] = {}
    get = best.get
    for d, s in hits.items():
        a = doc_article[d]
        old = get(a)
        if old is None:
            best[a] = s
            counts[a] = 1
        else:
            counts[a] += 1
            if s > old:
                best[a] = s
    best.pop(NO_ARTICLE, None)
    return best, counts


def order(found: Found, tables: DocTables, sort: str, end: int) -> list[int]:
    """The first ``end`` articles in the requested order: all-words articles first,
    then partial matches (each ranked on its own)."""
    shown: list[int] = []
    if sort == "relevance":
        tiers = found.tiers()
    else:  # by date, partial matches form one tier: their scores only break ties
        tiers = (found.rank, {**found.partial_tail, **found.partial_rank})
    for tier in tiers:
        if len(shown) >= end:
            break
        shown += _order_tier(tier, tables, sort, end - len(shown))
    return shown


def _order_tier(rank: dict[int, float], tables: DocTables, sort: str, end: int) -> list[int]:
    """The first ``end`` articles of one tier."""
    if sort == "relevance":
        # Equal scores keep the order the articles were found in, which is
        # the same for the same index: stable from page to page.
        return [a for a, _ in heapq.nlargest(end, rank.items(), key=itemgetter(1))]
    when = tables.article_dates
    dated = [a for a in rank if when[a]]
    undated = [a for a in rank if not when[a]]
    if sort == "newest":
        dated = heapq.nsmallest(end, dated, key=lambda a: (-when[a], -rank[a]))
    else:
        dated = heapq.nsmallest(end, dated, key=lambda a: (when[a], -rank[a]))
    if len(dated) < end:
        dated += heapq.nsmallest(end - len(dated), undated, key=lambda a: -rank[a])
    return dated
