"""The article score on the cluster: Whoosh's article BM25, from a few SphinxQL statements.

On Whoosh an article ranks by its best paragraph (with a little more for more
matching paragraphs) plus a BM25 of the article as a whole
(engine/article_score.py): a rare query word anywhere in the article counts.
searchd ranks paragraphs and groups them, but keeps no article-level
statistics and can't sort groups by an expression over their aggregates, so
without this the cluster ranked articles by their best paragraph alone
(0.014 to 0.070 nDCG@10 below Whoosh, bench/RESULTS.md).

The numbers the article BM25 needs, and where each comes from:

- a word's frequency in each candidate article: one grouped statement per
  word over the candidates (``article_key IN (...)``), ranked by
  ``sum(hit_count*user_weight)`` with the headline weighted ``TITLE_UNIT``, so
  a row's weight holds its text hits and its headline hits apart (a paragraph
  never holds a word 100,000 times). Every row carries its article's
  headline, so the headline counts once: ``MAX(WEIGHT()) // TITLE_UNIT``;
- an article's length: the ``article_len`` attribute every row carries,
  written by rows.py (words of the headline once and of every paragraph);
- a word's article frequency: ``COUNT(DISTINCT article_key)`` over its
  matches (exact: a grouped ``total_found`` overcounts once an agent holds
  more groups than max_matches), cached for the reader's generation;
- the number of articles and their mean length: paragraph 0's rows, once a
  generation.

The math is the engine-neutral article_score's, with Whoosh's constants, so
the two engines combine the same two scores the same way. Only the first
``RERANKED`` articles by passage score get it, as on Whoosh's partial
matches: a constant, never the page size, so page 2 at 10 a page is ranks
11-20 at 100 a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from ...cache import BoundedCache
from ..article_score import ArticleStats, article_bm25, combine, soft_max
from .client import Result
from .compile import sphinx_word
from .match import escape
from .ranking import FIELD_WEIGHTS
from .reader import AGENT_RETRIES

RERANKED = 1000
TITLE_UNIT = 100_000
_FREQUENCY_OPTIONS = (
    "ranker=expr('sum(hit_count*user_weight)'), field_weights=("
    + ", ".join(f"{f}={w}" for f, w in {**FIELD_WEIGHTS, "title": TITLE_UNIT}.items())
    + f"), retry_count={AGENT_RETRIES}"
)
DF_ENTRIES = 100_000  # words whose article frequency a reader remembers

# One article of a search pass: (key, id, score, published, matching paragraphs,
# meta, oldest-first date).
Row = tuple[int, str, float, int, int, str, int]
# (sql, args, meta) -> Result, every statement checked for failed agents.
Run = Callable[[str, list[Any], bool], Result]


class ArticleScorer:
    """Article scores for one reader (one generation of the cluster)."""

    def __init__(self, run: Run, index: str, executor: Executor) -> None:
        self._run = run
        self._index = index
        self._executor = executor
        self._stats: tuple[int, float] | None = None
        self._df: BoundedCache[str, int] = BoundedCache(DF_ENTRIES)

    def rerank(self, rows: list[Row], words: Mapping[str, float]) -> list[Row]:
        """The first RERANKED rows (best paragraph first) by their article's ranking score,
        the rest after them in the order searchd gave, each scored by its passage alone."""
        head = rows[:RERANKED]
        scores = self.scores([(r[0], r[2], r[4]) for r in head], words)
        head = [(r[0], r[1], scores[r[0]], *r[3:]) for r in head]
        head.sort(key=lambda r: (-r[2], r[0]))
        tail = [(r[0], r[1], soft_max(r[2], r[4]), *r[3:]) for r in rows[RERANKED:]]
        return head + tail

    def scores(
        self,
        candidates: Sequence[tuple[int, float, int]],
        words: Mapping[str, float],
    ) -> dict[int, float]:
        """Each candidate's ranking score from (article key, best paragraph score, matching
        paragraphs) and the query's index terms with their weights."""
        passage = {key: soft_max(best, n) for key, best, n in candidates}
        matchable = {w: weight for w, weight in words.items() if escape(w)}
        if not matchable or not passage:
            return passage
        articles, mean = self.stats()
        keys = sorted(passage)
        terms = sorted(matchable)
        df_jobs = {
            t: self._executor.submit(self._article_df, t) for t in terms if self._df.get(t) is None
        }
        tf_jobs = {t: self._executor.submit(self._frequencies, t, keys) for t in terms}
        lengths: dict[int, float] = {}
        freqs: list[dict[int, float]] = []
        dfs: list[int] = []
        for t in terms:
            tf, length = tf_jobs[t].result()
            lengths.update(length)
            freqs.append(tf)
            dfs.append(df_jobs[t].result() if t in df_jobs else self._article_df(t))
        scored = [k for k in keys if k in lengths]
        stats = ArticleStats(lengths, mean, articles)  # type: ignore[arg-type]
        whole = article_bm25(freqs, stats, scored, weights=[matchable[t] for t in terms], df=dfs)
        return {k: combine(p, whole.get(k, 0.0)) for k, p in passage.items()}

    def stats(self) -> tuple[int, float]:
        """(articles, mean article length in words), once per reader."""
        if self._stats is None:
            # On a cluster made before article_len: OldCluster (SphinxReader._run).
            result = self._run(
                f"SELECT COUNT(*) AS c, SUM(article_len) AS s FROM {self._index} "
                f"WHERE position = 0 OPTION ranker=none, retry_count={AGENT_RETRIES}",
                [],
                False,
            )
            count, total = (int(x or 0) for x in result.rows[0]) if result.rows else (0, 0)
            self._stats = (max(count, 1), max(total / count, 1.0) if count else 1.0)
        return self._stats

    def _article_df(self, term: str) -> int:
        """Articles holding ``term`` in headline or text, anywhere in the cluster."""
        df = self._df.get(term)
        if df is None:
            result = self._run(
                f"SELECT COUNT(DISTINCT article_key) AS c FROM {self._index} WHERE MATCH(%s) "
                f"OPTION ranker=none, retry_count={AGENT_RETRIES}",
                [_match(term)[0]],
                False,
            )
            df = int(result.rows[0][0] or 0) if result.rows else 0
            self._df.put(term, df)
        return df

    def _frequencies(self, term: str, keys: list[int]) -> tuple[dict[int, float], dict[int, float]]:
        """``term``'s frequency in each of the articles ``keys`` that hold it, and their
        lengths."""
        match, words = _match(term)
        result = self._run(
            f"SELECT article_key, SUM(WEIGHT()) AS t, MAX(WEIGHT()) AS m, COUNT(*) AS n, "
            f"MAX(article_len) AS l FROM {self._index} WHERE MATCH(%s) "
            f"AND article_key IN ({','.join(map(str, keys))}) GROUP BY article_key "
            f"LIMIT 0, {len(keys)} OPTION {_FREQUENCY_OPTIONS}, max_matches={len(keys)}",
            [match],
            False,
        )
        tf: dict[int, float] = {}
        lengths: dict[int, float] = {}
        for key, total, top, rows, length in result.rows:
            title = int(top) // TITLE_UNIT
            text = int(total) - title * TITLE_UNIT * int(rows)
            # A term that is several index words ("u.s") is a phrase: its hits count
            # each of them.
            tf[int(key)] = (text + title) / words
            lengths[int(key)] = float(length)
        return tf, lengths


def _match(term: str) -> tuple[str, int]:
    """MATCH() text for one index term in headline or text, and how many words it is."""
    words = [sphinx_word(w) for w in escape(term).split()]
    body = words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
    return f"@(title,text) {body}", len(words)
