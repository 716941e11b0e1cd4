"""The cluster's EngineReader: the service's searches, article pages and vocabulary.

A search is a few SphinxQL statements through the aggregator, each checked
for failed agents (reader.ClusterReader: a warning naming an agent is a
retry, a shard with no live mirror is ShardUnavailable, a short answer that
stays short is IncompleteResults):

1. the all-words pass: articles (GROUP BY article, best paragraph's weight);
2. the partial-match pass: the loose query over articles the first pass did
   not find, flagged partial, scores times ``partial_factor``, ranked after
   every all-words article (in the requested order within each tier, so a
   page is the same whatever the page size). When the page does not reach
   past the all-words articles, the partial ones are only counted (one
   grouped statement: loose articles minus all-words ones);
3. the page's best paragraphs, the all-words paragraph count, the source and
   month facets (of the all-words set, or of the partial set when no article
   holds every word), and with a date limit the undated articles it left out.

Query text is parsed by the same parser as on Whoosh (its query parser used
as a library over the same schema, no Whoosh index), so both engines read a
query the same way; the tree is compiled to MATCH() by compile.py. Words for
prefixes, wildcards and ranges come from the vocabulary kept beside the raw
store (vocabulary.sqlite), stemmed as the index stems; document frequencies
from CALL KEYWORDS on one live mirror of each shard.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any

from ...analysis import fold
from ...cache import BoundedCache
from ...models import ArticleRef
from ...query.rewrite import DateLimits, term_weights
from ...query.tree import And, Node, Phrase
from ..article_score import ARTICLE_WEIGHT
from ..base import ArticleGroup, EngineReader, Hits, ParagraphMatch, SearchSpec
from .article_reads import FINGERPRINT_ARTICLES, ArticleReads
from .articles import RERANKED, ArticleScorer, Row
from .client import Result
from .compile import Compiled, Unsatisfiable, compile_query
from .engine import ClusterIndex, read_generation
from .errors import IncompleteResults, QueryFailed, ShardUnavailable, old_cluster
from .facets import MONTHS, Facets, collect_facets
from .lexicon import Lexicon
from .ranking import WEIGHT_SCALE, mean_length_sql, ranked_options
from .reader import AGENT_RETRIES, FACET_LIMIT, WARNING_RETRIES, ClusterReader
from .rows import epoch, fingerprint_word, source_key, within_articles

log = logging.getLogger(__name__)

COPIES_LIMIT = 2000  # rows read for the copies of a page's paragraphs
SORTS = {
    "relevance": "w DESC, article_key ASC",
    "newest": "published DESC, w DESC",
    "oldest": "oldest ASC, w DESC",
}
# An undated article's date when sorting oldest first: after every real one
# (newest first puts it last already, its published being 0).
UNDATED_LAST = 2**62
MAX_PARAGRAPH_ROWS = 10_000  # rows fetched to pick a page's best paragraphs
# Sphinx's sort window; a page past it can't be shown (max_page x max_per_page fits).
WINDOW = 10_000


@functools.lru_cache(maxsize=1)
def _parser() -> tuple[Any, Any]:
    """Whoosh's query parser over our schema: the query language, read as on Whoosh."""
    from ..whoosh.indexing import make_schema
    from ..whoosh.syntax import make_parser

    schema = make_schema()
    return make_parser(schema), schema


@dataclass
class _Pass:
    """One pass's articles, in rank order."""

    compiled: Compiled
    match: str
    rows: list[Row] = field(default_factory=list)
    total: int = 0
    partial: bool = False


class SphinxReader(ArticleReads, Lexicon, EngineReader):
    """Reads one cluster through its aggregator; shared by the service's requests in turn."""

    def __init__(self, index: ClusterIndex) -> None:
        self.index = index
        self.cluster = index.cluster
        self._base = ClusterReader(self.cluster, index.pool)
        self._generation = read_generation(index.root)
        self._df: dict[str, int] = {}
        self._doc_count: int | None = None
        self._mean: float | None = None
        self._partial_shards: set[int] = set()
        # fingerprint -> (article id, title, the paragraph's position) of every carrier
        self._copies: dict[str, tuple[tuple[str, str, int], ...]] = {}
        self._allow_partial = False
        self._memo_key: SearchSpec | None = None
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._fingerprints: BoundedCache[int, frozenset[str]] = BoundedCache(FINGERPRINT_ARTICLES)
        self._scorer = ArticleScorer(self._run, self.cluster.index, index.executor)

    # -- state

    def up_to_date(self) -> bool:
        return read_generation(self.index.root) == self._generation

    @property
    def generation(self) -> int:
        return self._generation

    def warm(self) -> None:  # the generation's statistics: row scans, ~50 ms at 1M
        self.doc_count()
        self._mean_length()
        self._scorer.stats()

    def close(self) -> None:
        """The pool belongs to the index and outlives readers."""

    # -- statements

    def _run(self, sql: str, args: list[Any] | None = None, meta: bool = False) -> Result:
        """One statement, complete or an exception; with allow_partial a dead shard is noted.

        ``meta``: read SHOW META too (a round trip), for the statements whose
        total_found is used; SHOW WARNINGS is read after every one.
        """
        base = self._base
        try:
            result = base._ask(sql, args or [], meta)
        except QueryFailed as exc:
            old = old_cluster(exc)
            if old is not None:
                raise old from exc
            raise
        for attempt in range(WARNING_RETRIES + 1):
            failures = base._failures(result)
            if not failures:
                return result
            try:
                base._diagnose(failures)
            except ShardUnavailable as exc:
                if not self._allow_partial:
                    raise
                self._partial_shards.add(exc.shard)
                return result
            if attempt == WARNING_RETRIES:
                break
            time.sleep(0.3)  # one aggregator ping: nodeads moves to the live mirror
            result = base._ask(sql, args or [], meta)
        raise IncompleteResults(base._failures(result))

    def _mean_length(self) -> float:
        """Mean paragraph length in words (headline + text), once per reader (generation)."""
        if self._mean is None:
            # On a cluster made before index_field_lengths: OldCluster (see _run).
            result = self._run(mean_length_sql(self.cluster.index) + self._options(1000, False))
            mean = float(result.rows[0][0]) if result.rows and result.rows[0][0] else 0.0
            self._mean = max(mean, 1.0)
        return self._mean

    def _options(self, window: int = 1000, ranked: bool = True) -> str:
        opts = [f"max_matches={max(window, 1)}", f"retry_count={AGENT_RETRIES}"]
        if ranked:
            opts[:0] = ranked_options(self._mean_length())
        else:
            # Counts, facets, copies: no weights read, so none computed (the
            # default ranker, proximity_bm25, would score every match).
            opts.insert(0, "ranker=none")
        return " OPTION " + ", ".join(opts)

    def _where_for(
        self, spec: SearchSpec, match: str, compiled: Compiled, extra: str = ""
    ) -> tuple[str, str, list[Any]]:
        """``_where`` of one of a search's statements: its match under the search's filters."""
        return self._where(
            match,
            spec.filters.sources,
            spec.filters.dates + compiled.dates,
            extra,
            compiled.date_any,
        )

    def _where(
        self,
        match: str,
        sources: frozenset[str],
        dates: DateLimits,
        extra: str = "",
        date_any: tuple[tuple[Any, ...], ...] = (),
    ) -> tuple[str, str, list[Any]]:
        """(select-list addition, WHERE clause, its arguments).

        Alternatives of dates ("date:2021 OR date:2011") are an expression in
        the select list, filtered on: SphinxQL's WHERE has no OR.
        """
        clauses: list[str] = []
        select = ""
        if date_any:
            groups = []
            for alternatives in date_any:
                ors = []
                for lo, hi in alternatives:
                    parts = ["year > 0"]
                    if lo is not None:
                        parts.append(f"published >= {epoch(lo)}")
                    if hi is not None:
                        parts.append(f"published <= {epoch(hi)}")
                    ors.append("(" + " AND ".join(parts) + ")")
                groups.append("(" + " OR ".join(ors) + ")")
            select = ", " + " AND ".join(groups) + " AS dates_ok"
            clauses.append("dates_ok = 1")
        args: list[Any] = []
        if match:
            clauses.append("MATCH(%s)")
            args.append(match)
        if sources:
            clauses.append(f"source_key IN ({','.join(str(source_key(s)) for s in sources)})")
        for lo, hi in dates:
            clauses.append("year > 0")  # an undated article is outside every period
            if lo is not None:
                clauses.append(f"published >= {epoch(lo)}")
            if hi is not None:
                clauses.append(f"published <= {epoch(hi)}")
        if extra:
            clauses.append(extra)
        return select, (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    # -- queries

    def parse(self, prepared_text: str) -> Node:
        from ..whoosh.syntax import parse_text

        parser, schema = _parser()
        return parse_text(parser, schema, prepared_text)

    def describe(self, q: Node) -> str:
        from ..whoosh.syntax import compile_tree

        return str(compile_tree(q))

    def _compiled(self, q: Node, exact: tuple[str, ...] = ()) -> Compiled:
        if exact:
            # Verbatim phrases: the words as written (index_exact_words), in the text.
            q = And((q, *(Phrase("exact", tuple(exact_words(p))) for p in exact)))
        return compile_query(q)

    def search(self, spec: SearchSpec) -> Hits:
        # The service asks again with a wider window while folding copies leaves
        # the page short: the passes, counts and facets don't change with the
        # window, so the last search's are kept (at this generation the same
        # search gets the same answer anyway).
        same = replace(spec, offset=0, limit=0, brief_before=0, deadline=math.inf)
        if same != self._memo_key:
            self._memo_key, self._memo, self._copies = same, {}, {}
        self._partial_shards = set()
        self._allow_partial = spec.allow_partial
        try:
            return self._search(spec)
        finally:
            if self._partial_shards:  # never keep an answer missing a shard
                self._memo_key, self._memo = None, {}

    def _search(self, spec: SearchSpec) -> Hits:
        end = spec.offset + spec.limit
        try:
            main = self._pass(spec, spec.query, spec.exact, exclude=())
        except Unsatisfiable:
            return Hits((), 0, 0)
        passes = [main]
        partial_total = 0
        if spec.loose is not None:
            try:
                if end > main.total:  # the page reaches past the all-words articles
                    # _pass read every all-words article (from 0 to the page's end).
                    full_keys = tuple(r[0] for r in main.rows)
                    loose = self._pass(spec, spec.loose, spec.exact, exclude=full_keys)
                    loose.partial = True
                    passes.append(loose)
                    partial_total = loose.total
                else:
                    found = self._articles(spec, spec.loose, spec.exact)
                    partial_total = max(0, found - main.total)
            except Unsatisfiable:
                pass
        # Every all-words article first, each tier in the requested order.
        shown = [(p, r) for p in passes for r in p.rows][spec.offset : end]
        facet_pass = main if main.total or len(passes) == 1 else passes[1]
        key = ("facets", main.compiled, facet_pass.compiled, main.total, facet_pass.total)
        kept = self._memo.get(key)
        facets = self._facets(spec, main, facet_pass) if kept is None else None  # sent now
        groups = self._groups(spec, shown, passes)
        if facets is not None:
            kept = self._memo[key] = facets()
        sources, months, undated, paragraphs = kept
        return Hits(
            groups=groups,
            total_articles=main.total,
            total_paragraphs=paragraphs,
            sources=sources,
            months=months,
            relaxed=any(p.partial for p, _ in shown),
            timed_out=False,
            partial_articles=partial_total,
            facets_partial=facet_pass is not main and partial_total > 0,
            undated=undated,
            excluded_undated=self._excluded_undated(spec, facet_pass),
            partial_shards=tuple(sorted(self._partial_shards)),
        )

    def _articles(self, spec: SearchSpec, q: Node, exact: tuple[str, ...]) -> int:
        """How many articles match ``q`` under the search's filters (one grouped count)."""
        key = ("articles", q, exact)
        if key not in self._memo:
            compiled = self._compiled(q, exact)
            sel, where, args = self._where_for(spec, compiled.match, compiled)
            self._memo[key] = self._distinct_articles(sel, where, args)
        return self._memo[key]  # type: ignore[no-any-return]

    def _distinct_articles(self, sel: str, where: str, args: list[Any]) -> int:
        """How many articles a statement's matches hold, exact (each lives on one shard)
        and in one statement (a grouped count needed this one too past its window: an
        OR of two common words at 1M, 80 + 87 ms)."""
        result = self._run(
            f"SELECT COUNT(DISTINCT article_key) AS c{sel} FROM {self.cluster.index}{where}"
            + self._options(1000, False),
            args,
        )
        return int(result.rows[0][0]) if result.rows else 0

    def _exact_total(self, found: int, window: int, sel: str, where: str, args: list[Any]) -> int:
        """A grouped statement's article count, exact: its total_found overcounts once an
        agent drops groups from its window (2.2.11, Reuters x10: 419,302 articles for
        "said" where there are 153,350), so past the window COUNT(DISTINCT) is asked."""
        return found if found < window else self._distinct_articles(sel, where, args)

    def _excluded_undated(self, spec: SearchSpec, p: _Pass) -> int:
        """Articles of ``p``'s set that a date limit left out for having no date."""
        if not spec.filters.dates or not p.match:  # a date inside an OR is a query clause
            return 0
        key = ("undated", p.match)  # the same for every widening of one search's window
        if key not in self._memo:
            sel, where, args = self._where(p.match, spec.filters.sources, (), "year = 0")
            self._memo[key] = self._distinct_articles(sel, where, args)
        return self._memo[key]  # type: ignore[no-any-return]

    def _pass(
        self, spec: SearchSpec, q: Node, exact: tuple[str, ...], exclude: tuple[int, ...]
    ) -> _Pass:
        """One pass's articles from the first to the page's end (or the window's)."""
        key = ("pass", q, exact, exclude)
        kept = self._memo.get(key)
        end = spec.offset + spec.limit
        if kept is not None and (end <= kept[0] or len(kept[1].rows) >= kept[1].total):
            return kept[1]  # type: ignore[no-any-return]
        out, read = self._read_pass(spec, q, exact, exclude)
        if read:  # read from the first article on
            self._memo[key] = (read, out)
        return out

    def _read_pass(
        self, spec: SearchSpec, q: Node, exact: tuple[str, ...], exclude: tuple[int, ...]
    ) -> tuple[_Pass, int]:
        """The pass, and how many of its first articles it holds (0 when paged in Sphinx)."""
        compiled = self._compiled(q, exact)
        extra = f"article_key NOT IN ({','.join(map(str, exclude))})" if exclude else ""
        sel, where, args = self._where_for(spec, compiled.match, compiled, extra)
        end = spec.offset + spec.limit
        # Ranked by relevance, the first RERANKED articles get the article score:
        # read them all, whatever the page.
        rerank = bool(compiled.match) and spec.sort == "relevance" and ARTICLE_WEIGHT > 0
        # A partial pass is merged with the first: it needs as many as the page reaches.
        limit = end if exclude or spec.loose is not None or rerank else None
        if rerank:
            limit = max(end, RERANKED)
        window = min(WINDOW, max(1000, limit or end))
        offset = 0 if limit is not None else spec.offset
        count = min(limit, WINDOW) if limit is not None else spec.limit
        result = self._run(
            f"SELECT article_key, article_id, WEIGHT() AS w, published, COUNT(*) AS n, meta, "
            f"IF(year > 0, published, {UNDATED_LAST}) AS oldest{sel} "
            f"FROM {self.cluster.index}{where} GROUP BY article_key "
            f"WITHIN GROUP ORDER BY w DESC ORDER BY {SORTS.get(spec.sort, SORTS['relevance'])} "
            f"LIMIT {offset}, {max(count, 1)}" + self._options(window, bool(compiled.match)),
            args,
            meta=True,
        )
        total = self._exact_total(result.total_found, window, sel, where, args)
        out = _Pass(compiled, compiled.match, total=total)
        scale = WEIGHT_SCALE if compiled.match else 1
        for key, aid, w, published, n, meta, oldest, *_dates_ok in result.rows:
            score = float(w) / scale
            row = (int(key), str(aid), score, int(published), int(n), str(meta), int(oldest))
            out.rows.append(row)
        if rerank:
            out.rows = self._scorer.rerank(out.rows, term_weights(q))
        if offset:  # paged in Sphinx: pad so that the page slices out at spec.offset
            out.rows[:0] = [(0, "", 0.0, 0, 0, "", 0)] * offset
            return out, 0
        return out, count

    def _groups(
        self,
        spec: SearchSpec,
        shown: list[tuple[_Pass, tuple[Any, ...]]],
        passes: list[_Pass],
    ) -> tuple[ArticleGroup, ...]:
        best: dict[int, list[ParagraphMatch]] = {}
        own: dict[int, int] = {}
        counting: list[Future[dict[int, int]]] = []
        for p in passes:
            keys = [r[0] for q, r in shown if q is p]
            if not keys:
                continue
            if spec.text_only is not None and not p.partial:  # beside the best paragraphs
                counting.append(self.index.executor.submit(self._own_counts, spec, keys))
            best.update(self._best_paragraphs(spec, p, keys))
        for job in counting:
            own.update(job.result())
        # The copies of every paragraph shown, for also_in, in one statement.
        self._look_up_copies([m.fingerprint for ms in best.values() for m in ms])
        groups = []
        for p, (key, aid, w, _published, n, meta, _oldest) in shown:
            data = json.loads(meta or "{}")
            groups.append(
                ArticleGroup(
                    article_id=aid,
                    score=w * (spec.partial_factor if p.partial else 1.0),
                    paragraphs=tuple(best.get(key, ())),
                    matching=own.get(key, 0) if spec.text_only is not None and not p.partial else n,
                    partial=p.partial,
                    fields={k: v for k, v in data.items() if k != "key"},
                )
            )
        return tuple(groups)

    def _best_paragraphs(
        self, spec: SearchSpec, p: _Pass, keys: list[int]
    ) -> dict[int, list[ParagraphMatch]]:
        extra = f"article_key IN ({','.join(map(str, keys))})"
        sel, where, args = self._where_for(spec, p.match, p.compiled, extra)
        rows = self._run(
            f"SELECT article_key, position, body, fingerprint, WEIGHT() AS w{sel} "
            f"FROM {self.cluster.index}{where} ORDER BY w DESC, position ASC "
            f"LIMIT 0, {MAX_PARAGRAPH_ROWS}" + self._options(MAX_PARAGRAPH_ROWS, bool(p.match)),
            args,
        )
        best: dict[int, list[ParagraphMatch]] = {}
        for key, position, body, fingerprint, w, *_dates_ok in rows.rows:
            chosen = best.setdefault(int(key), [])
            if len(chosen) < spec.paragraphs:
                chosen.append(
                    ParagraphMatch(
                        ref=(int(key), int(position)),
                        position=int(position),
                        score=float(w),
                        text=str(body),
                        fingerprint=str(fingerprint),
                    )
                )
        return best

    def _own_counts(self, spec: SearchSpec, keys: list[int]) -> dict[int, int]:
        """Paragraphs of each article with the words in their own text (not the headline's)."""
        assert spec.text_only is not None
        try:
            compiled = self._compiled(spec.text_only, spec.exact)
        except Unsatisfiable:
            return {}
        extra = f"article_key IN ({','.join(map(str, keys))})"
        # Through the articles' own words: the filter alone reads every match (16 -> 5 ms at 1M).
        own = within_articles(compiled.match, keys)
        sel, where, args = self._where_for(spec, own, compiled, extra)
        rows = self._run(
            f"SELECT article_key, COUNT(*) AS n{sel} FROM {self.cluster.index}{where} "
            f"GROUP BY article_key LIMIT 0, {len(keys)}" + self._options(1000, False),
            args,
        )
        return {int(r[0]): int(r[1]) for r in rows.rows}

    def _facets(self, spec: SearchSpec, main: _Pass, facet: _Pass) -> Callable[[], Facets]:
        """Sources and months of ``facet``'s articles, and the all-words paragraphs.

        ``facet`` is the all-words pass, or the partial one when no article holds
        every word (its statement excludes nothing then: there is nothing to
        exclude). The statements are independent: they are sent at once, each on
        its own connection, and the function returned waits for their answers.
        """
        jobs: list[tuple[str, Future[Result]]] = []
        index = self.cluster.index
        statements = []
        count = None
        if main.total:  # then ``facet`` is ``main``: its months' rows sum to the paragraphs
            sel, where, args = self._where_for(spec, main.match, main.compiled)
            count = (
                f"SELECT COUNT(*) AS n{sel} FROM {index}{where}" + self._options(1000, False),
                args,
            )
        if facet.total:
            sel, where, args = self._where_for(spec, facet.match, facet.compiled)
            statements += [
                (
                    "source",
                    f"SELECT source, COUNT(DISTINCT article_key) AS c{sel} FROM {index}{where} "
                    f"GROUP BY source_key ORDER BY c DESC LIMIT 0, {FACET_LIMIT * 10}"
                    + self._options(1000, False),
                    args,
                ),
                (
                    "month",
                    f"SELECT yearmonth, COUNT(DISTINCT article_key) AS c, COUNT(*) AS n{sel} "
                    f"FROM {index}{where} GROUP BY yearmonth ORDER BY yearmonth ASC "
                    f"LIMIT 0, {MONTHS}" + self._options(MONTHS, False),
                    args,
                ),
            ]
        for what, sql, a in statements:
            jobs.append((what, self.index.executor.submit(self._run, sql, a)))

        def collect() -> Facets:
            # Past MONTHS months the rows don't hold every paragraph: counted apart.
            return collect_facets(jobs, None if count is None else lambda: self._run(*count))

        return collect

    # -- articles

    def also_in(
        self, fingerprint: str, article_id: str, ref: Any, limit: int
    ) -> tuple[ArticleRef, ...]:
        """From the copies the search looked up for its page (one statement), else asked now."""
        if not fingerprint:
            return ()
        if fingerprint not in self._copies:
            self._look_up_copies([fingerprint])
        refs = []
        for aid, title, position in self._copies.get(fingerprint, ()):
            if aid != article_id:
                refs.append(ArticleRef(aid, title, position))
                if len(refs) >= limit:
                    break
        return tuple(refs)

    def _look_up_copies(self, fingerprints: list[str]) -> None:
        """Every article holding one of these paragraphs, through the fingerprint words."""
        wanted = sorted({f for f in fingerprints if f and f not in self._copies})
        if not wanted:
            return
        words = " | ".join("=" + fingerprint_word(f) for f in wanted)
        rows = self._run(
            f"SELECT fingerprint, article_key, article_id, meta, position FROM "
            f"{self.cluster.index} WHERE MATCH(%s) ORDER BY article_key ASC LIMIT 0, {COPIES_LIMIT}"
            + self._options(COPIES_LIMIT, False),
            [f"@fingerprint_words ({words})"],
        )
        found: dict[str, dict[str, tuple[str, int]]] = {f: {} for f in wanted}
        for fp, _key, aid, meta, position in rows.rows:
            if str(fp) in found:
                title = json.loads(meta or "{}").get("title", "")
                found[str(fp)].setdefault(str(aid), (title, int(position)))
        for fp, articles in found.items():
            self._copies[fp] = tuple((aid, t, pos) for aid, (t, pos) in articles.items())

    def counts(self) -> tuple[int, int, int]:
        """(articles, paragraphs, sources) the cluster holds."""
        index = self.cluster.index
        paragraphs = self._run(f"SELECT COUNT(*) FROM {index}" + self._options(1000, False))
        articles = self._run(
            f"SELECT COUNT(DISTINCT article_key) AS c FROM {index}" + self._options(1000, False)
        )
        sources = self._run(
            f"SELECT source_key FROM {index} GROUP BY source_key LIMIT 0, 1"
            + self._options(1000, False),
            meta=True,
        )

        def first(r: Result) -> int:
            return int(r.rows[0][0]) if r.rows else 0

        return first(articles), first(paragraphs), sources.total_found if sources.rows else 0


def exact_words(phrase: str) -> list[str]:
    """An exact: phrase as the words Sphinx indexed (compile.py marks each =word)."""
    return re.findall(r"\w+", fold(phrase))
