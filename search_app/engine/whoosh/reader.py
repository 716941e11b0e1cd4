"""The Whoosh engine's reader: one searcher, its doc tables, and a search over them.

Implements engine.base.EngineReader. A search scores the compiled query a
posting list at a time (scoring.py), groups the paragraph hits by article
and ranks them (ranking.py), then reads the stored fields of only the
paragraphs a page shows.
"""

from __future__ import annotations

import heapq
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh import query
from whoosh.util.times import datetime_to_long

from ...models import ArticleRef, StoredArticle
from ...query import term_weights
from ...query.prepare import exact_pattern
from ...query.rewrite import DateLimits
from ...query.tree import AndMaybe, Fuzzy, Node, Prefix, TermRange, Wildcard
from ..base import (
    ArticleGroup,
    EngineReader,
    Expired,
    Hits,
    ParagraphMatch,
    SearchSpec,
)
from . import syntax
from .caches import PostingsCache, WordScores
from .doctables import NO_ARTICLE, DocTables, SegmentCache
from .documents import read_article
from .ranking import Found, LongDates, collect, collect_partial, order, within
from .scoring import QueryScorer


def long_dates(dates: DateLimits) -> LongDates:
    """Date limits as the date column's longs."""
    return tuple(
        (
            datetime_to_long(lo) if lo is not None else None,
            datetime_to_long(hi) if hi is not None else None,
        )
        for lo, hi in dates
    )


class WhooshReader(EngineReader):
    """A reader over one Whoosh searcher. Not for two threads at once (the service
    takes turns): Whoosh's posting readers keep a file position."""

    def __init__(
        self,
        searcher: Any,
        parser: Any,
        segment_tables: SegmentCache,
        postings: PostingsCache,
        word_scores: WordScores | None,
    ) -> None:
        self.searcher = searcher
        self.schema = searcher.schema
        self._parser = parser
        self._segment_tables = segment_tables
        self._postings = postings
        self._word_scores = word_scores
        self._tables: DocTables | None = None

    # -- state

    def up_to_date(self) -> bool:
        return bool(self.searcher.up_to_date())

    @property
    def generation(self) -> int:
        return int(self.searcher.reader().generation() or 0)

    def warm(self) -> None:
        self.tables()

    def tables(self) -> DocTables:
        """The searcher's per-document tables, built when first needed."""
        if self._tables is None:
            self._tables = DocTables(self.searcher, self._segment_tables)
            self._segment_tables.keep_only(self.searcher)
            self._postings.keep_only({s for s in self._tables.segment_ids if s})
        return self._tables

    def scorer(self, deadline: float) -> QueryScorer:
        """A scorer sharing the reader's decoded postings and word scores."""
        return QueryScorer(
            self.searcher,
            self.tables(),
            deadline,
            cache=self._postings,
            word_scores=self._word_scores,
        )

    def close(self) -> None:
        self.searcher.close()

    # -- queries

    def parse(self, prepared_text: str) -> Node:
        return syntax.parse_text(self._parser, self.schema, prepared_text)

    def describe(self, q: Node) -> str:
        return str(syntax.compile_tree(q))

    def search(self, spec: SearchSpec) -> Hits:
        tables = self.tables()
        scorer = self.scorer(spec.deadline)
        sources = spec.filters.sources
        dates = long_dates(spec.filters.dates)
        exact = [exact_pattern(p) for p in spec.exact]
        found = Found()
        expired = False
        end = spec.offset + spec.limit
        try:
            hits = scorer.scores(syntax.compile_tree(spec.query))
            collect(scorer, found, hits, term_weights(spec.query), exact, sources, dates)
            if spec.loose is not None:
                # Partial matches are always counted, and ranked only when the page
                # reaches past the all-words articles (they never come before one).
                words, factor = term_weights(spec.loose), spec.partial_factor
                reach = end > len(found.rank)
                # Counted only: the proximity bonus changes scores, never the set.
                counted = spec.loose
                while not reach and isinstance(counted, AndMaybe):
                    counted = counted.a
                loose = scorer.scores(syntax.compile_tree(counted))
                collect_partial(
                    scorer, found, loose, words, exact, sources, dates, factor, rank=reach
                )
        except Expired:
            # Past the deadline: answer with the passes that finished (none, if
            # the all-words pass itself ran out of time).
            expired = True
        shown = order(found, tables, spec.sort, end)[spec.offset :]
        text_q = spec.text_only if found.rank else None
        try:
            own = scorer.scores(syntax.compile_tree(text_q)) if text_q and shown else None
        except Expired:
            expired, own = True, None
        # Facets count the all-words articles; the partial ones only when no article has
        # every word (Hits.facets_partial says so).
        counted = found.rank.keys() if found.rank else found.partial
        months = Counter(map(tables.article_months.__getitem__, counted))
        undated = months.pop(0, 0)
        return Hits(
            groups=tuple(
                self._group(found, a, found.score(a), own, spec.paragraphs)
                if spec.offset + i >= spec.brief_before
                else self._brief(found, a, found.score(a))
                for i, a in enumerate(shown)
            ),
            total_articles=len(found.rank),
            total_paragraphs=found.paragraphs,
            sources=tuple(Counter(map(tables.article_sources.__getitem__, counted)).items()),
            months=tuple((divmod(ym, 100), c) for ym, c in months.items()),
            relaxed=any(a in found.partial for a in shown),
            timed_out=expired,
            partial_articles=len(found.partial),
            facets_partial=not found.rank and bool(found.partial),
            undated=undated,
            # With no all-words article, every article a date limit left out for
            # matching words undated is the answer's explanation (every BBC story is
            # undated: "election" from 2005 found nothing and said nothing).
            excluded_undated=(
                found.undated_excluded
                if found.rank
                else found.undated_excluded + found.partial_undated_excluded
            ),
        )

    def _brief(self, found: Found, a: int, score: float) -> ArticleGroup:
        """A group ranked before the page: its best paragraph's fingerprint, no text."""
        hits = found.hits_of[a]
        members = [d for d in self.tables().members(a) if d in hits]
        best = max(members, key=lambda d: (hits[d], -d))
        fingerprint = self.searcher.reader().stored_fields(best).get("fingerprint", "")
        return ArticleGroup(
            article_id=self.tables().article_ids[a],
            score=score,
            paragraphs=(ParagraphMatch(best, -1, hits[best], "", fingerprint),),
            matching=found.counts[a],
            partial=a in found.partial,
            fields={},
        )

    def _group(
        self, found: Found, a: int, score: float, own: dict[int, float] | None, shown: int
    ) -> ArticleGroup:
        tables = self.tables()
        hits = found.hits_of[a]
        members = [d for d in tables.members(a) if d in hits]
        top = heapq.nlargest(shown, members, key=lambda d: (hits[d], -d))
        stored = self.searcher.reader().stored_fields
        paragraphs = []
        for docnum in top:
            fields = stored(docnum)
            paragraphs.append(
                ParagraphMatch(
                    ref=docnum,
                    position=fields["position"],
                    score=hits[docnum],
                    text=fields.get("text", ""),
                    fingerprint=fields.get("fingerprint", ""),
                )
            )
        partial = a in found.partial
        if own is None or partial:
            matching = found.counts[a]
        else:
            matching = sum(1 for d in members if d in own)
        return ArticleGroup(
            article_id=tables.article_ids[a],
            score=score,
            paragraphs=tuple(paragraphs),
            matching=matching,
            partial=partial,
            fields=self._article_data(a),
        )

    def _article_data(self, number: int) -> dict[str, Any]:
        """An article's stored metadata (title, source, url, date...), from its record."""
        docnum = self.tables().record(number)
        if docnum is None:
            return {}
        fields = self.searcher.reader().stored_fields(docnum)
        return dict(json.loads(fields.get("data") or "{}"))

    def also_in(
        self, fingerprint: str, article_id: str, ref: Any, limit: int
    ) -> tuple[ArticleRef, ...]:
        """Other articles with this paragraph word for word.

        The fingerprint is not indexed as a term (a unique term per paragraph
        was a tenth of ingest time); the tables' sorted fingerprint hashes
        find the candidates, and their stored fingerprint confirms them.
        """
        tables = self.tables()
        refs: list[ArticleRef] = []
        seen = {article_id}
        reader = self.searcher.reader()
        for other_doc in tables.fingerprint_docs(fingerprint, besides=ref):
            number = tables.doc_article[other_doc]
            if number == NO_ARTICLE or tables.article_ids[number] in seen:
                continue
            if reader.is_deleted(other_doc):
                continue
            fields = reader.stored_fields(other_doc)
            if fields.get("fingerprint") != fingerprint:
                continue
            other = tables.article_ids[number]
            seen.add(other)
            title = self._article_data(number).get("title", "")
            refs.append(ArticleRef(other, title, fields.get("position")))
            if len(refs) >= limit:
                break
        return tuple(refs)

    def article(self, article_id: str) -> StoredArticle | None:
        return read_article(self.searcher, article_id)

    def fingerprints(self, group: ArticleGroup) -> frozenset[str]:
        """From the article's paragraphs in the doc tables: reading the article by id
        intersects the posting list of every paragraph (~0.2 s on Reuters)."""
        if not group.paragraphs:
            return super().fingerprints(group)
        tables = self.tables()
        number = tables.doc_article[group.paragraphs[0].ref]
        if number == NO_ARTICLE:
            return frozenset()
        reader = self.searcher.reader()
        return frozenset(
            reader.stored_fields(d).get("fingerprint", "")
            for d in tables.members(number)
            if not reader.is_deleted(d)
        )

    def matching_positions(
        self, article_id: str, q: Node, dates: DateLimits, deadline: float
    ) -> tuple[int, ...]:
        """Scored as a search scores it: dates are columns Whoosh's own matchers can't see."""
        tables = self.tables()
        try:
            scores = self.scorer(deadline).scores(syntax.compile_tree(q))
        except Expired:
            return ()
        first = self.searcher.document_number(article_id=article_id, kind="p")
        if first is None:
            return ()
        number = tables.doc_article[first]
        if number == NO_ARTICLE or not within(
            tables.article_dates[number] or None, long_dates(dates)
        ):
            return ()
        stored = self.searcher.reader().stored_fields
        return tuple(sorted(stored(d)["position"] for d in tables.members(number) if d in scores))

    # -- vocabulary

    def doc_count(self) -> int:
        return int(self.searcher.reader().doc_count())

    def doc_frequency(self, field: str, term: str) -> int:
        return int(self.searcher.reader().doc_frequency(field, term))

    def matching_terms(self, node: Prefix | Wildcard | Fuzzy | TermRange) -> Iterator[str]:
        q = syntax.compile_tree(node)
        for btext in q._btexts(self.searcher.reader()):
            yield btext.decode("utf-8") if isinstance(btext, bytes) else btext

    def terms_from(self, field: str, prefix: str) -> Iterator[str]:
        for btext in self.searcher.reader().expand_prefix(field, prefix):
            yield btext.decode("utf-8") if isinstance(btext, bytes) else btext

    def sample_text(self, field: str, term: str) -> str | None:
        for hit in self.searcher.search(query.Term(field, term), limit=1):
            return str(hit.get("text", ""))
        return None


def deadline_after(timeout: float) -> float:
    """When a search started now must stop scoring; 0 or less: never."""
    return time.monotonic() + timeout if timeout > 0 else float("inf")
