"""Statements through the aggregator, checked for failed agents; and a first, low-level search.

search.SphinxReader (the engine the service uses) runs every statement
through ClusterReader's checks (_ask, _failures, _diagnose). The Search /
Found API below, over match.py's small tree, is the first reader, kept for
the low-level failover tests in tests/cluster/test_search.py.

Each search is a handful of SphinxQL statements, all through the aggregator's
distributed index: the article groups (GROUP BY article, best paragraph per
group), the page's best paragraphs, the paragraph count, and one statement
per facet (FACET can't share a statement with a WEIGHT() alias in Sphinx
2.2). Every answer's SHOW WARNINGS is read: a warning means some shard did not
answer, and a search never returns silently partial results. If every mirror
of a named shard is down the search raises ShardUnavailable naming it;
otherwise it is asked once more (the aggregator's pings will by then route
around a mirror that just died) and fails with IncompleteResults if it still
comes back short.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...cluster.config import HA_PING_INTERVAL_MS
from ...cluster.model import Cluster
from .client import Pool, Result, ping
from .errors import IncompleteResults, QueryFailed, ShardUnavailable
from .match import Node, compile_match
from .rows import article_key, epoch, source_key

log = logging.getLogger(__name__)

# Title words count twice a text word: a headline states what the article is about.
FIELD_WEIGHTS = {"title": 2, "text": 1}
# Retries per agent inside one query (SphinxQL OPTION, accepted by 2.2 and Manticore):
# a mirror that dies between the aggregator's pings costs a retry on its twin.
AGENT_RETRIES = 2
# Re-asks after a warning, one aggregator ping interval apart: measured, one
# or two suffice after a mirror is killed; five bound a search's extra wait.
WARNING_RETRIES = 5
MAX_PARAGRAPH_ROWS = 10_000  # rows fetched to pick the page's best paragraphs
FACET_LIMIT = 50
SORTS = {
    "relevance": "w DESC, published DESC",
    "newest": "published DESC, w DESC",
    "oldest": "published ASC, w DESC",
}


@dataclass(frozen=True)
class Search:
    """One search: the query tree plus filters, order and page."""

    query: Node
    sources: tuple[str, ...] = ()
    date_from: datetime | None = None  # inclusive
    date_to: datetime | None = None  # exclusive
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    paragraphs_per_article: int = 3
    facets: bool = True


@dataclass(frozen=True)
class ParagraphMatch:
    position: int
    score: float
    text: str


@dataclass(frozen=True)
class ArticleGroup:
    article_id: str
    score: float  # the best paragraph's weight
    matching_paragraphs: int
    paragraphs: tuple[ParagraphMatch, ...]  # best first
    source: str
    published: int | None  # Unix seconds


@dataclass(frozen=True)
class Found:
    total_articles: int
    total_paragraphs: int
    groups: tuple[ArticleGroup, ...]
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    timeline: tuple[tuple[int, int], ...] = ()  # (yyyymm, articles), oldest first


_REMOTE_ERROR = "remote query error"  # an agent answered, refusing the statement
_ADDRESS = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9.-]+):(\d+)")


class ClusterReader:
    """Searches one cluster through its aggregator; safe to share between threads."""

    def __init__(self, cluster: Cluster, pool: Pool | None = None) -> None:
        self.cluster = cluster
        self.pool = pool or Pool()
        self._own_pool = pool is None
        # The binary port each agent line names -> its shard, to read warnings.
        self._agents = {
            (m.host, m.binary_port): s.number for s in cluster.shards for m in s.mirrors
        }

    def close(self) -> None:
        if self._own_pool:
            self.pool.close()

    def _where(self, search: Search) -> tuple[str, list[Any]]:
        clauses = ["MATCH(%s)"]
        args: list[Any] = [compile_match(search.query)]
        if search.sources:
            keys = ",".join(str(source_key(s)) for s in search.sources)
            clauses.append(f"source_key IN ({keys})")
        if search.date_from is not None or search.date_to is not None:
            clauses.append("year > 0")  # undated articles are outside every period
        if search.date_from is not None:
            clauses.append(f"published >= {epoch(search.date_from)}")
        if search.date_to is not None:
            clauses.append(f"published < {epoch(search.date_to)}")
        return " AND ".join(clauses), args

    def _options(self, max_matches: int | None = None) -> str:
        weights = ", ".join(f"{k}={v}" for k, v in FIELD_WEIGHTS.items())
        opts = ["ranker=bm25", f"field_weights=({weights})", f"retry_count={AGENT_RETRIES}"]
        if max_matches:
            opts.append(f"max_matches={max_matches}")
        return " OPTION " + ", ".join(opts)

    def _ask(self, sql: str, args: list[Any], meta: bool | None = None) -> Result:
        """One statement; an error that only reports failed agents becomes warnings.

        When every agent it picked fails, the aggregator answers with an error
        instead of partial rows: that is the same situation, not a bad query.
        """
        conn = self.pool.get(self.cluster.aggregator)
        try:
            return conn.execute(sql, args, meta=meta)
        except QueryFailed as exc:
            parts = [w.strip() for w in exc.message.split(";") if w.strip()]
            if not any(self._agent_failed(w) for w in parts):
                raise
            return Result(warnings=parts)

    def _agent_failed(self, text: str) -> bool:
        """True for a message saying an agent didn't answer; False for one refusing our query.

        Every agent refuses a bad statement the same way ("remote query
        error"): that is our bug or bad input, not a shard being down.
        """
        if _REMOTE_ERROR in text:
            return False
        return "agent" in text or any(
            (h, int(p)) in self._agents for h, p in _ADDRESS.findall(text)
        )

    def _failures(self, result: Result) -> list[str]:
        """The warnings that say an agent (a shard's mirror) did not answer.

        Other warnings (about the query itself) don't make results partial:
        they are logged, not raised.
        """
        failures = [w for w in result.warnings if self._agent_failed(w)]
        for warning in result.warnings:
            if warning not in failures:
                log.info("aggregator warned: %s", warning)
        return failures

    def _run(self, sql: str, args: list[Any]) -> Result:
        result = self._ask(sql, args)
        for _ in range(WARNING_RETRIES):
            failures = self._failures(result)
            if not failures:
                return result
            self._diagnose(failures)  # raises if a whole shard is down
            # A mirror just died and the aggregator hasn't pinged it yet: within
            # a ping or two nodeads sends that shard's part to its twin.
            time.sleep(HA_PING_INTERVAL_MS / 1000)
            result = self._ask(sql, args)
        failures = self._failures(result)
        if failures:
            self._diagnose(failures)
            raise IncompleteResults(failures)
        return result

    def _diagnose(self, warnings: list[str]) -> None:
        """Raise ShardUnavailable for a shard a warning names whose mirrors are all down."""
        shards = set()
        for warning in warnings:
            for host, port in _ADDRESS.findall(warning):
                shard = self._agents.get((host, int(port)))
                if shard is not None:
                    shards.add(shard)
        if not shards:  # a warning that names no agent: check every shard
            shards = {s.number for s in self.cluster.shards}
        for number in sorted(shards):
            mirrors = self.cluster.shards[number].mirrors
            if not any(ping(m, timeout=0.5) for m in mirrors):
                raise ShardUnavailable(number, "; ".join(warnings))
        log.warning("aggregator warned, retrying: %s", "; ".join(warnings))

    def search(self, search: Search) -> Found:
        """Article groups for one page, with totals and (optionally) facets and timeline."""
        if search.sort not in SORTS:
            raise ValueError(f"unknown sort {search.sort!r}; use one of {', '.join(SORTS)}")
        if search.page < 1 or search.per_page < 1:
            raise ValueError("page and per_page start at 1")
        where, args = self._where(search)
        index = self.cluster.index
        offset = (search.page - 1) * search.per_page
        window = max(1000, offset + search.per_page)
        groups = self._run(
            f"SELECT article_id, source, published, WEIGHT() AS w, COUNT(*) AS n, year "
            f"FROM {index} WHERE {where} GROUP BY article_key "
            f"WITHIN GROUP ORDER BY w DESC ORDER BY {SORTS[search.sort]} "
            f"LIMIT {offset}, {search.per_page}" + self._options(window),
            args,
        )
        total_articles = groups.total_found
        count = self._run(
            f"SELECT COUNT(*) AS n FROM {index} WHERE {where}" + self._options(), args
        )
        total_paragraphs = int(count.rows[0][0]) if count.rows else 0
        best = self._best_paragraphs(search, where, args, groups)
        out = []
        for aid, source, published, weight, n, year in groups.rows:
            out.append(
                ArticleGroup(
                    article_id=str(aid),
                    score=float(weight),
                    matching_paragraphs=int(n),
                    paragraphs=tuple(best.get(str(aid), ())),
                    source=str(source),
                    published=int(published) if int(year) else None,  # 0: undated
                )
            )
        facets: dict[str, tuple[tuple[str, int], ...]] = {}
        timeline: tuple[tuple[int, int], ...] = ()
        if search.facets:
            facets["source"] = self._facet("source", where, args, by_count=True)
            facets["year"] = tuple(
                (v, c) for v, c in self._facet("year", where, args, by_count=False) if v != "0"
            )
            timeline = tuple(
                (int(v), c)
                for v, c in self._facet("yearmonth", where, args, by_count=False)
                if v != "0"
            )
        return Found(total_articles, total_paragraphs, tuple(out), facets, timeline)

    def _best_paragraphs(
        self, search: Search, where: str, args: list[Any], groups: Result
    ) -> dict[str, list[ParagraphMatch]]:
        if not groups.rows:
            return {}
        keys = ",".join(str(article_key(str(row[0]))) for row in groups.rows)
        limit = min(MAX_PARAGRAPH_ROWS, sum(int(row[4]) for row in groups.rows))
        rows = self._run(
            f"SELECT article_id, position, body, WEIGHT() AS w FROM {self.cluster.index} "
            f"WHERE {where} AND article_key IN ({keys}) ORDER BY w DESC, position ASC "
            f"LIMIT 0, {limit}" + self._options(max(limit, 1000)),
            args,
        )
        best: dict[str, list[ParagraphMatch]] = defaultdict(list)
        for aid, position, body, weight in rows.rows:
            chosen = best[str(aid)]
            if len(chosen) < search.paragraphs_per_article:
                chosen.append(ParagraphMatch(int(position), float(weight), str(body)))
        return best

    def _facet(
        self, attribute: str, where: str, args: list[Any], by_count: bool
    ) -> tuple[tuple[str, int], ...]:
        """Articles (not paragraphs) per value of an attribute, under the same filters."""
        order = f"c DESC, {attribute} ASC" if by_count else f"{attribute} ASC"
        limit = FACET_LIMIT if by_count else 10_000
        result = self._run(
            f"SELECT {attribute}, COUNT(DISTINCT article_key) AS c "
            f"FROM {self.cluster.index} WHERE {where} GROUP BY {attribute} "
            f"ORDER BY {order} LIMIT 0, {limit}" + self._options(max(limit, 1000)),
            args,
        )
        return tuple((str(v), int(c)) for v, c in result.rows)
