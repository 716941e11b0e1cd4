"""From paragraph scores to ranked articles: grouping, filters, partial matches, order.

An article ranks by its best paragraph, with a little more for each further
matching paragraph (a soft maximum). Sources and dates are checked per
article on the searcher's doc tables, not as query clauses: a filter on the
biggest source would otherwise read a posting list of nearly every
document, and a date range as a query is a union over every timestamp in it.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field
from operator import itemgetter

from .doctables import NO_ARTICLE, DocTables
from .scoring import QueryScorer

LongDates = tuple[tuple[int | None, int | None], ...]  # (low, high) as date-column longs

# 1 + 0.1 ln(n) for an article with n matching paragraphs, n < 256
_SOFT_MAX = [1.0, 1.0, *(1.0 + 0.1 * math.log(n) for n in range(2, 256))]


@dataclass
class Found:
    """The matching articles of one search, by article number (see doctables)."""

    rank: dict[int, float] = field(default_factory=dict)  # ranking score
    counts: dict[int, int] = field(default_factory=dict)  # matching paragraphs
    hits_of: dict[int, dict[int, float]] = field(default_factory=dict)  # the pass that found it
    partial: set[int] = field(default_factory=set)  # found by the partial-match pass
    paragraphs: int = 0


def within(raw: int | None, dates: LongDates) -> bool:
    """Whether an article's date (a raw date-column long) passes every date limit."""
    if not dates:
        return True
    if not raw:
        return False
    return all((lo is None or raw >= lo) and (hi is None or raw <= hi) for lo, hi in dates)


def collect(
    scorer: QueryScorer,
    found: Found,
    hits: dict[int, float],
    exact: list[re.Pattern[str]],
    sources: frozenset[str],
    dates: LongDates,
    factor: float = 1.0,
    partial: bool = False,
) -> None:
    """Add the articles whose paragraphs are in ``hits`` to ``found``, ranked.

    The partial-match pass adds only articles not found yet, scaled by
    ``factor`` and flagged partial.
    """
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
    if sources or dates:
        src, when = tables.article_sources, tables.article_dates
        best = {
            a: s
            for a, s in best.items()
            if (not sources or src[a] in sources) and within(when[a], dates)
        }
    rank = found.rank
    paragraphs = 0
    for a, s in best.items():
        n = counts[a]
        paragraphs += n
        if a in rank:
            continue
        # A soft maximum: the best paragraph decides, more matching paragraphs help a little.
        rank[a] = s * (_SOFT_MAX[n] if n < len(_SOFT_MAX) else 1.0 + 0.1 * math.log(n)) * factor
        found.counts[a] = n
        found.hits_of[a] = hits
        if partial:
            found.partial.add(a)
    found.paragraphs = max(found.paragraphs, paragraphs)


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
    """The first ``end`` articles in the requested order."""
    rank = found.rank
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
