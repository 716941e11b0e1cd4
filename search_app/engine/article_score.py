"""Article-level BM25, and its combination with an article's best passage.

Paragraphs are what the index holds and what a result shows, but an article
is what a reader wants: a rare query word in the fourth paragraph is as much
evidence that the article is about it as one in the first. Scoring only the
best paragraph (with a small lift for more matching paragraphs) loses that
whenever the query's words are spread over the article. So each matching
article is also scored as a whole, with BM25 over its headline and all its
paragraphs and with article-length statistics, and the two scores are added
with a weight: the passage score keeps rewarding words that stand together
(its proximity bonus), the article score rewards the words the article
holds anywhere.

The term frequencies come from the paragraph postings the search has read
already: summing a word's per-paragraph frequencies over an article gives
its frequency in the article. Article lengths are the sums of their
paragraphs' lengths, which each engine keeps its own way (the Whoosh engine's
are in engine/whoosh/ranking.py: article_stats). Engine-neutral math: it
imports no engine.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..cache import BoundedCache

# Weight of the article score against the best passage's: 1.0 is best or level
# on five of the six relevance forms (TIME, MED, NFCorpus, whole and split into
# paragraphs); the figures are in bench/RESULTS.md ("Article scoring").
ARTICLE_WEIGHT = 1.0
ARTICLE_K1 = 1.2
ARTICLE_B = 0.75

# 1 + 0.1 ln(n) for an article with n matching paragraphs, n < 256
_SOFT_MAX = [1.0, 1.0, *(1.0 + 0.1 * math.log(n) for n in range(2, 256))]

# A word's postings: (global document numbers, term frequencies), per segment.
Postings = Iterable[tuple[Sequence[int], Sequence[float]]]


@dataclass(frozen=True)
class ArticleStats:
    """Per-article lengths (text of every paragraph, plus the headline once)."""

    lengths: array | dict[int, float]  # by article number (Whoosh) or key (cluster)
    average: float
    articles: int


def article_frequencies(
    text: Postings, title: Postings, doc_article: Sequence[int]
) -> dict[int, float]:
    """A word's frequency in each article: its paragraph frequencies summed, plus its
    frequency in the headline once (every paragraph carries the headline)."""
    tf: dict[int, float] = {}
    get = tf.get
    for ids, freqs in text:
        for d, f in zip(ids, freqs, strict=False):
            a = doc_article[d]
            tf[a] = get(a, 0.0) + f
    heads: dict[int, float] = {}
    for ids, freqs in title:
        for d, f in zip(ids, freqs, strict=False):
            heads[doc_article[d]] = f
    for a, f in heads.items():
        tf[a] = get(a, 0.0) + f
    tf.pop(-1, None)  # article records carry no text
    return tf


def article_bm25(
    frequencies: Iterable[dict[int, float]],
    stats: ArticleStats,
    candidates: Iterable[int],
    k1: float = ARTICLE_K1,
    b: float = ARTICLE_B,
    weights: Sequence[float] | None = None,
    df: Sequence[int] | None = None,
) -> dict[int, float]:
    """BM25 of each candidate article over the query's words (one frequency dict a word).

    ``weights``, one per word in the same order, scale each word's part (1 when
    not given). ``df``, one per word, is how many articles hold it, when the
    frequency dicts hold only the candidates (the cluster's); otherwise each
    dict's size is.
    """
    cands = list(candidates)
    out = dict.fromkeys(cands, 0.0)
    n = stats.articles
    lengths, avg = stats.lengths, stats.average
    norm = {a: k1 * (1 - b + b * lengths[a] / avg) for a in cands}
    for i, tf in enumerate(frequencies):
        held = df[i] if df is not None else len(tf)
        if not held or not tf:
            continue
        idf = math.log(1.0 + (n - held + 0.5) / (held + 0.5))
        c = idf * (k1 + 1) * (weights[i] if weights is not None else 1.0)
        for a in cands:
            f = tf.get(a)
            if f:
                out[a] += c * f / (f + norm[a])
    return out


def _frequencies(
    word: str,
    postings: Callable[[str, str], Postings],
    doc_article: Sequence[int],
    cache: BoundedCache[str, dict[int, float]] | None,
) -> dict[int, float]:
    """One word's article frequencies, from ``cache`` when it has them (never mutated).

    Give ``cache`` a cost of ``frequency_cost``: a word's dict costs its entries.
    """
    if cache is not None:
        tf = cache.get(word)
        if tf is not None:
            return tf
    tf = article_frequencies(postings("text", word), postings("title", word), doc_article)
    if cache is not None:
        # Rare words too: their sums are quick, but reading their title and text
        # postings again (the search may not have) is not.
        cache.put(word, tf)
    return tf


def frequency_cost(tf: dict[int, float]) -> int:
    """What a word's article frequencies cost in a cache: one a dict entry, one for the
    word (a word in no article must still count)."""
    return len(tf) + 1


def soft_max(best: float, n: int) -> float:
    """An article's passage score: its best paragraph decides; more matching paragraphs
    help a little."""
    return best * (_SOFT_MAX[n] if n < len(_SOFT_MAX) else 1.0 + 0.1 * math.log(n))


def combine(passage: float, article: float, weight: float | None = None) -> float:
    """An article's ranking score from its best passage's and its own."""
    return passage + (ARTICLE_WEIGHT if weight is None else weight) * article


def article_scores(
    words: Iterable[str] | Mapping[str, float],
    postings: Callable[[str, str], Postings],
    doc_article: Sequence[int],
    stats: ArticleStats,
    candidates: Iterable[int],
    cache: BoundedCache[str, dict[int, float]] | None = None,
) -> dict[int, float]:
    """Article BM25 of the candidates for the query's words (index terms, stemmed).

    A word counts in text and headline together, as it shares one IDF at
    paragraph level. Given a mapping, each word's part is scaled by its weight
    (query.term_weights).

    ``cache`` keeps each word's article frequencies between searches. It must
    live exactly as long as the postings and ``doc_article`` it was filled from
    (one reader generation): summing a common word's postings over every
    article is most of what the article score costs, and the sums only change
    with a commit.
    """
    weight = words if isinstance(words, Mapping) else dict.fromkeys(words, 1.0)
    order = sorted(weight)
    freqs = [_frequencies(w, postings, doc_article, cache) for w in order]
    return article_bm25(freqs, stats, candidates, weights=[weight[w] for w in order])
