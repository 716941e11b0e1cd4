"""SearchService: a search request -> the engine -> a ResultPage.

No Flask here: the CLI, the HTML views and the JSON API all call the
service, so a query means the same thing everywhere.

Flow of a search: parse the text once into our query tree and rewrite it
(query/), hand the engine a SearchSpec (the words, the filters, the
partial-match query to fall back on, the page, a deadline), then present
what it returns: highlighted paragraphs, collapsed duplicates, facets and
the timeline (present.py). Spelling (spelling.Speller, over the index's
surface words, rebuilt in the background when the vocabulary changes) runs
outside the search lock: a query word in no document is corrected and the
corrected query searched at once; known words that find little get a
``suggestion``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from . import present
from .analysis import STOPWORDS, fold, stem
from .cache import BoundedCache
from .config import Settings
from .engine.base import EngineReader, Filters, Hits, SearchSpec
from .engine.whoosh.reader import deadline_after
from .engines import open_index
from .models import ArticleView, IndexStats, ResultPage, SearchRequest
from .query import Context, Parsed, QueryError, parse
from .query.dates import date_range
from .query.pasted import is_pasted_text
from .query.prepare import exact_pattern
from .request import check_request
from .spelling import Correction, Speller
from .suggest import Surfaces, completions
from .vocabulary import SpellerCache

log = logging.getLogger(__name__)

# Score factor for partial matches (articles without a paragraph holding every
# word): one factor, not graded by the share of words held, which measured
# worse (bench/RESULTS.md).
PARTIAL_FACTOR = 0.7
# Seconds between checks for a newer vocabulary (after an ingest).
SPELLER_CHECK = 1.0
# Fewer articles than this and a spelling suggestion is offered.
THIN_RESULTS = 3
# Spelling work per request, in seconds: past it the query is searched as typed.
SPELLING_BUDGET = 0.05
# Ranks read past the page, so that copies folded into a better-ranked result
# leave the page full (a few copies per page is the common case).
COLLAPSE_SLACK = 5
# Completions of the word being typed (live=1) searched with it.
LIVE_COMPLETIONS = 8
# The word being typed: a plain word at the end, after a space or at the start.
_LAST_WORD = re.compile(r"(?:^|(?<=\s))([^\W\d_]{2,24})$")

_F = TypeVar("_F", bound=Callable[..., Any])


def _serialized(method: _F) -> _F:
    """Run the method holding the service's lock: one search at a time on the shared reader."""

    @functools.wraps(method)
    def wrapper(self: SearchService, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SearchService:
    """Searches one index folder; safe to share between threads.

    One engine reader is kept open and replaced when the index has a new
    commit (checked before each search), instead of opening one per request:
    opening is the moment a concurrent merge can pull segment files away, and
    the open is retried when that happens.

    Searches take turns on that reader (a lock): searching is pure Python
    under the GIL, so threads searching at once were never faster than taking
    turns; Whoosh's posting readers keep a file position, so they must not be
    shared by two searches at once; and the reader's tables and decoded
    posting lists are built once and shared by every request.
    """

    def __init__(self, root: str | Path, settings: Settings | None = None) -> None:
        self.root = Path(root)
        self.settings = settings or Settings(index=self.root)
        # Readers open, writers create: a missing index is IndexNotFound here.
        self.index = open_index(self.root, self.settings.engine)
        self._lock = threading.RLock()
        self._reader: EngineReader | None = None
        self._cache: BoundedCache[Any, ResultPage] = BoundedCache(self.settings.cache_size)
        self._surfaces = Surfaces()
        self._spellers = SpellerCache(self.root)
        self._speller: tuple[Speller | None, float] = (None, 0.0)  # and when it was checked

    def speller(self) -> Speller | None:
        """The index's speller (None before its vocabulary exists); never under the search lock.

        The vocabulary's generation is read at most every SPELLER_CHECK seconds
        (it opens the SQLite file), not on every keystroke of a live search.
        """
        now = time.monotonic()
        speller, checked = self._speller
        if checked and now - checked < SPELLER_CHECK:
            return speller
        try:
            speller = self._spellers.get()
        except Exception:  # a damaged vocabulary file costs spelling, never the search
            log.warning("no speller for %s", self.root, exc_info=True)
            speller = None
        self._speller = (speller, now)
        return speller

    # -- readers

    def _current(self) -> EngineReader:
        """The current reader, after checking for a new commit (~8 us, one listing):
        every article committed before a search began is in it."""
        r = self._reader
        if r is not None and r.up_to_date():
            return r
        # A whole new reader rather than a refresh: a refresh shares segment
        # readers with the old one and closes some, so a failed (retried)
        # refresh could leave neither usable.
        new = self.index.reader(self.settings.postings_cache_mb)
        if r is not None:
            r.close()
        self._reader = new
        return new

    def warm(self) -> None:
        """Open the reader, build its tables and the speller now, not in the first search."""
        with self._lock:
            self._current().warm()
        self.speller()

    @_serialized
    def generation(self) -> int:
        return self._current().generation

    @_serialized
    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = None

    # -- public API

    def stats(self) -> IndexStats:
        return self.index.stats()

    def search(self, req: SearchRequest) -> ResultPage:
        """Run a search. Raises QueryError for a request or query that can't be run.

        Spelling runs between searches, not under the lock: with a word in no
        document the corrected query is searched instead (``corrected_from``
        says so) unless ``req.nocorrect``; a thin result gets a ``suggestion``.
        """
        started = time.perf_counter()
        req = check_request(req, self.settings)
        speller = self.speller()
        typed = req.q
        corrected_from = None
        fixes = None
        # A long pasted text is read as words: there are no typos to fix in it.
        if speller is not None and req.q and not is_pasted_text(req.q):
            # While typing (live), the last word is a prefix, not a misspelling.
            m = _LAST_WORD.search(req.q) if req.live else None
            head, tail = (req.q[: m.start()], req.q[m.start() :]) if m else (req.q, "")
            found = functools.lru_cache(maxsize=64)(self._finds_documents)
            fixes = speller.correct_query(
                head,
                include_known=True,
                deadline=time.monotonic() + SPELLING_BUDGET,
                found=found,
            )
            fixes = replace(fixes, text=fixes.text + tail)
            unknown = [c for c in fixes.changed if not c.known]
            # Never search (or offer) a stopword for a word typed: "asy" is not "as",
            # "ben" not "be"; the search drops stopwords, so it would search nothing.
            if any(_to_stopword(c) for c in fixes.changed):
                fixes = replace(fixes, text=typed)
            elif not req.nocorrect and unknown:
                auto = speller.correct_query(
                    head, deadline=time.monotonic() + SPELLING_BUDGET, found=found
                )
                fixed = auto.text + tail
                if fixed != req.q and len(fixed) <= self.settings.max_query_length:
                    corrected_from, req = req.q, replace(req, q=fixed)
        page = self._search_locked(req, speller, started)
        suggestion = None
        # Offered when results are thin, or when a word as typed is in no article
        # and was searched by its stem alone ("officals" finds "office").
        unseen = bool(
            speller and fixes and any(fold(c.word) not in speller.words for c in fixes.changed)
        )
        thin = page.total_articles < THIN_RESULTS
        if fixes is not None and (thin or unseen) and fixes.text != typed:
            if fixes.text != req.q:
                suggestion = fixes.text
        return replace(
            page,
            query=req.q,
            corrected_from=corrected_from,
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    @_serialized
    def _finds_documents(self, word: str) -> int:
        """How many paragraphs a word as typed matches: its index term's (stem's) frequency.

        Under the lock, as every read of the shared reader; two term lookups.
        """
        reader = self._current()
        term = stem(fold(word))
        return max(reader.doc_frequency("text", term), reader.doc_frequency("title", term))

    @_serialized
    def _search_locked(
        self, req: SearchRequest, speller: Speller | None, started: float
    ) -> ResultPage:
        reader = self._current()
        key = (reader.generation, req)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        page = self._search(reader, req, started, speller)
        if (
            not page.timed_out and not page.partial_shards
        ):  # an incomplete page must not be served again as if whole
            self._cache.put(key, page)
        return page

    @_serialized
    def parse(
        self,
        text: str,
        reader: EngineReader | None = None,
        deadline: float | None = None,
        speller: Speller | None = None,
    ) -> Parsed:
        """The query tree for ``text``, what was typed, and how each word was understood."""
        reader = reader or self._current()
        ctx = Context(
            vocabulary=reader,
            max_expansion=self.settings.max_expansion,
            deadline=deadline if deadline is not None else math.inf,
            speller=speller,
        )
        return parse(text, reader.parse, ctx, self.settings.max_query_length, reader)

    def _search(
        self,
        reader: EngineReader,
        req: SearchRequest,
        started: float,
        speller: Speller | None = None,
    ) -> ResultPage:
        deadline = deadline_after(self.settings.search_timeout)
        text = _live_text(req.q, speller) if req.live else req.q
        if len(text) > self.settings.max_query_length:  # completions must not make it too long
            text = req.q
        parsed = self.parse(text, reader, deadline, speller)
        plan = parsed.plan
        low, high = date_range(req.date_from, req.date_to)
        req_dates = ((low, high),) if (low or high) else ()
        spec = SearchSpec(
            query=plan.query,
            filters=Filters(frozenset(req.sources), req_dates + plan.dates),
            loose=plan.loose,
            partial_factor=PARTIAL_FACTOR,
            text_only=plan.text_only,
            exact=tuple(parsed.prepared.exact),
            sort=req.sort,
            paragraphs=present.MAX_SHOWN_PARAGRAPHS,
            deadline=deadline,
            allow_partial=req.allow_partial,
        )
        exact = parsed.prepared.exact
        searched = frozenset(parsed.tree.terms())
        hits, ranked, shown = _collapsed_page(
            reader, spec, (req.page - 1) * req.per_page, req.per_page
        )
        results = present.results(reader, ranked, present.query_marks(plan.query, exact))
        facets, timeline, unit = present.facets(hits, req)
        return ResultPage(
            request=req,
            total_articles=hits.total_articles,
            total_paragraphs=hits.total_paragraphs,
            page=req.page,
            per_page=req.per_page,
            # Partial matches are pages too: they follow the all-words articles. Copies
            # folded into another result take no place: once the ranks read reach the
            # end the pages are exact (the last page is never empty).
            pages=max(
                1,
                math.ceil(
                    (hits.total_articles + hits.partial_articles if shown is None else shown)
                    / req.per_page
                ),
            ),
            took_ms=(time.perf_counter() - started) * 1000,
            results=results,
            facets=facets,
            timeline=timeline,
            timeline_unit=unit,
            suggestion=None,
            parsed_query=present.describe_exact(reader.describe(parsed.tree), exact),
            terms=present.explain_terms(text, exact, parsed.terms, searched, speller),
            relaxed=any(r.partial for r in results),
            timed_out=hits.timed_out,
            partial_articles=hits.partial_articles,
            facets_partial=hits.facets_partial,
            excluded_undated=hits.excluded_undated,
            partial_shards=hits.partial_shards,
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Whole queries completing ``prefix``, most useful first (autocomplete).

        From the speller's words and two-word phrases ("prime min" -> "prime
        minister"); before the index has a vocabulary, from its stemmed lexicon.
        """
        speller = self.speller()
        if speller is not None:
            return speller.suggest_queries(
                prefix, limit, deadline=time.monotonic() + SPELLING_BUDGET
            )
        with self._lock:
            return completions(self._current(), self._surfaces, prefix, limit)

    def article(self, article_id: str, q: str | None = None) -> ArticleView | None:
        """An article for its page, with the query's terms marked in every paragraph."""
        speller = self.speller()
        with self._lock:
            return self._article(article_id, q, speller)

    def _article(
        self, article_id: str, q: str | None, speller: Speller | None
    ) -> ArticleView | None:
        reader = self._current()
        stored = reader.article(article_id)
        if stored is None:
            return None
        stems = present.Marks()
        positions: tuple[int, ...] = ()
        if q and q.strip():
            deadline = deadline_after(self.settings.search_timeout)
            try:
                parsed: Parsed | None = self.parse(q, reader, deadline, speller)
            except QueryError:
                parsed = None
            if parsed is not None:
                exact = parsed.prepared.exact
                stems = present.query_marks(parsed.tree, exact)
                positions = reader.matching_positions(
                    article_id, parsed.plan.query, parsed.plan.dates, deadline
                )
                # The engine matched the exact: phrases stemmed; keep the paragraphs
                # that hold them word for word, as the search does.
                texts = stored.article.paragraphs
                patterns = [exact_pattern(p) for p in exact]
                positions = tuple(
                    p
                    for p in positions
                    if p < len(texts) and all(pat.search(texts[p]) for pat in patterns)
                )
        return present.article_view(stored, stems, positions)


def _collapsed_page(
    reader: EngineReader, spec: SearchSpec, offset: int, limit: int
) -> tuple[Hits, list[present.Collapsed], int | None]:
    """The page's results, copies folded into the better-ranked article they repeat,
    and how many results there are after folding when the ranks read reached the
    end (else None: the pages are then counted before folding, an upper bound).

    Copies are folded over every rank up to the page, not within the page
    alone, so a result is on the same page whatever the page size; the ranks
    read grow until the page is full after folding (or the results end). The
    ranks above the page come brief (their best paragraph's fingerprint only).
    """
    want = offset + limit
    window = want + COLLAPSE_SLACK + want // 20
    while True:
        hits = reader.search(replace(spec, offset=0, limit=window, brief_before=offset))
        ranked = present.collapse(reader, hits.groups)
        ended = len(hits.groups) < window and not hits.timed_out
        if len(ranked) >= want or ended or hits.timed_out:
            return hits, ranked[offset:want], len(ranked) if ended else None
        # The copies folded so far predict the rest (a corpus holding each story
        # ten times needs ten ranks a result): grow in proportion, at most 8x a
        # step, and by the shortfall at least. Each step is a whole search on a
        # cluster.
        grown = window * want // max(len(ranked), 1) + COLLAPSE_SLACK
        window = max(window + want - len(ranked) + COLLAPSE_SLACK, min(grown, 8 * window))


def _to_stopword(c: Correction) -> bool:
    return fold(c.suggestion) in STOPWORDS and fold(c.word) not in STOPWORDS


def _live_text(q: str, speller: Speller | None) -> str:
    """``q`` with its last word, still being typed, ORed with its commonest completions.

    "myanm" searches (myanm OR myanmar): the completions are surface words
    (the speller's, bounded, most frequent first), analysed like typed words.
    Anything but a plain last word outside a quote is searched as typed.
    """
    m = _LAST_WORD.search(q)
    if speller is None or m is None or q.count('"') % 2 or q[: m.start()].rstrip().endswith(":"):
        return q
    word = m.group(1)
    options = [w for w in speller.complete(word, LIVE_COMPLETIONS) if w != word.lower()]
    if not options:
        return q
    return q[: m.start()] + "(" + " OR ".join([word, *options]) + ")"
