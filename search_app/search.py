"""Searching: query language, ranking, grouping by article, collapsing, highlighting.

No Flask here: the CLI, the HTML views and the JSON API all call
``SearchService``, so a query means the same thing everywhere.

Flow of a search: check and rewrite the query text (precise errors for
unbalanced quotes or parentheses, unknown fields), parse it with Whoosh over
paragraph text and article title, bound prefix/fuzzy expansion, drop stopwords
from plain keyword parts, run it, group paragraph hits by article, collapse
paragraphs that several articles share word for word, highlight only the
paragraphs shown, and count facets and the timeline from all matches.
"""

from __future__ import annotations

import copy
import functools
import heapq
import html
import logging
import math
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from whoosh import qparser, query, scoring
from whoosh.util.times import adatetime, datetime_to_long

from .analysis import STOPWORDS, fold, sentence_spans, stem, token_spans
from .config import Settings
from .engine.whoosh.doctables import NO_ARTICLE, DocTables, SegmentCache
from .engine.whoosh.indexing import ParagraphIndex, read_article
from .engine.whoosh.scoring import Expired, PostingsCache, QueryScorer, WordScores
from .models import (
    SORTS,
    ArticleRef,
    ArticleResult,
    ArticleView,
    FacetValue,
    IndexStats,
    ParagraphHit,
    ResultPage,
    SearchRequest,
    TermInfo,
    TimelineBucket,
)

log = logging.getLogger(__name__)

FIELDS = {"title": "title", "source": "source", "date": "date", "text": "text"}
# A headline match already scores as its own field; an extra boost measured
# worse on NFCorpus (2.0: 0.316, 1.0: 0.324 nDCG@10), so the title counts once.
TITLE_BOOST = 1.0
PROXIMITY_BOOST = 1.5  # bonus for query words near each other, for unquoted multi-word queries
PROXIMITY_SLOP = 4
IDF = "rsj"  # Robertson-Sparck Jones; Whoosh's log(N/(df+1))+1 measured no better
SHARED_IDF_FIELDS = ("text", "title")  # one IDF per word over these fields (see the weighting)
BM25_K1 = 1.2  # term-frequency saturation; the usual default
BM25_B = 0.75  # length normalisation; the usual default
# Score factor for partial matches (articles without a paragraph holding every
# word). Grading by the share of words held measured worse: tiers 3/4 x0.7,
# 1/2 x0.5, any x0.3 took TIME from 0.758 to 0.705 nDCG@10 (MED, NFCorpus -0.004);
# a single factor of 0.5 to 1.0 measured the same within 0.003 everywhere.
PARTIAL_FACTOR = 0.7
MAX_SHOWN_PARAGRAPHS = 3
FRAGMENT_CHARS = 320  # a paragraph longer than this is cut to its matching sentences
MIN_COLLAPSE_CHARS = 40  # shorter paragraphs ("He said.") are too common to mean syndication
MAX_ALSO_IN = 10
_CONTRACTION_ENDS = frozenset({"s", "t", "d", "m", "ll", "re", "ve"})  # after ' or ’
# NLTK's list holds the ends of contractions ("s", "t", "d", "ll"...) because its
# tokenizer splits "don't"; prepare_query drops those after an apostrophe, so
# standing alone they are words: "vitamin D", "T cells".
STOP_STEMS = frozenset(stem(fold(w)) for w in STOPWORDS - _CONTRACTION_ENDS)


_Dates = tuple[tuple[int | None, int | None], ...]  # (low, high) date limits, as index longs


class QueryError(ValueError):
    """A query that can't be run; the message says what is wrong and what to do."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# ---------------------------------------------------------------- query text


@dataclass
class _Prepared:
    text: str  # rewritten for Whoosh
    exact: list[str] = field(default_factory=list)  # verbatim phrases to post-filter
    words: list[tuple[str, str]] = field(default_factory=list)  # (field, word) typed


_FIELD_RE = re.compile(r"(?<![\w.:/])([A-Za-z_]+):")
_WORD_RE = re.compile(r"\w+(?:\.?\w+)*")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_JOINERS = "-'\u2019"  # hyphen, apostrophe, right single quote


def prepare_query(text: str, max_length: int = 500) -> _Prepared:
    """Check the query text and rewrite our extensions into Whoosh syntax.

    Raises QueryError naming the character at fault: Whoosh itself is lenient
    and would quietly search for something else than the user meant.
    """
    if len(text) > max_length:
        raise QueryError(
            f"The query is {len(text)} characters long; the limit is {max_length}. "
            "Shorten it to the words that matter."
        )
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\x00", " ")
    if len(text.split()) >= 5 and not any(c.islower() for c in text):
        # A long query in capitals is caps lock, not a query full of operators:
        # "EFFORTS OF THE U.S. AND FRANCE" should search the word "and".
        text = text.lower()
    out: list[str] = []
    prep = _Prepared(text="")
    parens: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(
                    f'The quote at character {i + 1} is never closed. Add a closing " '
                    "after the phrase, or remove the quote.",
                    i,
                )
            phrase = text[i + 1 : end]
            if not _WORD_RE.search(phrase):
                raise QueryError(f"The phrase at character {i + 1} has no words in it.", i)
            out.append(text[i : end + 1])
            for w in _WORD_RE.findall(phrase):
                prep.words.append(("text", w))
            i = end + 1
            continue
        if ch == "(":
            parens.append(i)
        elif ch == ")":
            if not parens and _list_marker(text, i, prep, out):
                # "1) bile duct atresia 2) giant cell": pasted list numbering is
                # punctuation, not syntax, and the numbers are not search words.
                out.append(" ")
                i += 1
                continue
            if not parens:
                raise QueryError(
                    f"The closing parenthesis at character {i + 1} has no opening one. "
                    "Remove it or add a ( before it.",
                    i,
                )
            parens.pop()
        at_token_start = i == 0 or text[i - 1].isspace() or text[i - 1] == "("
        if ch == "-" and at_token_start and i + 1 < n and not text[i + 1].isspace():
            out.append("NOT ")
            i += 1
            continue
        if ch == "?" and (i + 1 == n or text[i + 1].isspace() or text[i + 1] == ")"):
            # A question mark that ends a word ends a question; it is not a wildcard.
            out.append(" ")
            i += 1
            continue
        if ch in "*?" and at_token_start:
            raise QueryError(
                f"The wildcard at character {i + 1} starts a word; put at least one "
                "letter before it (asyl*).",
                i,
            )
        m = _FIELD_RE.match(text, i) if at_token_start else None
        if m:
            name = m.group(1).lower()
            after = m.end()
            if name == "exact":
                if after >= n or text[after] != '"':
                    raise QueryError(
                        f"exact: at character {i + 1} needs a quoted phrase: "
                        'exact:"seeking asylum".',
                        i,
                    )
                end = text.find('"', after + 1)
                if end < 0:
                    raise QueryError(
                        f'The quote at character {after + 1} is never closed. Add a closing ".',
                        after,
                    )
                phrase = text[after + 1 : end]
                prep.exact.append(phrase)
                out.append(text[after : end + 1])
                for w in _WORD_RE.findall(phrase):
                    prep.words.append(("text", w))
                i = end + 1
                continue
            if after >= n or text[after].isspace():
                # "Vitamin D: a review": a colon before a space is punctuation.
                out.append(m.group(1) + " ")
                if m.group(1) not in _OPERATORS:
                    prep.words.append(("text", m.group(1)))
                i = after
                continue
            if name not in FIELDS:
                raise QueryError(
                    f"Unknown field {m.group(1)!r} at character {i + 1}. Fields are title:, "
                    'source:, date: and exact:. To search for the text itself, put it in quotes: "'
                    + m.group(0)
                    + '".',
                    i,
                )
            out.append(name + ":")
            value = _WORD_RE.match(text, after)
            if value and name in ("title", "text"):
                prep.words.append((name, value.group()))
            i = after
            continue
        if at_token_start:
            m2 = _WORD_RE.match(text, i)
            if m2:
                word = m2.group()
                if word not in _OPERATORS:
                    prep.words.append(("text", word))
                out.append(word)
                i = m2.end()
                # "omega-3", "four-power", "De Gaulle's", "What’s": the parts of a
                # joined word are words of the query, as if typed apart (Whoosh made
                # them one clause that needed every part in the same field), and a
                # possessive or contraction ending ("'s", "n't") is no word at all.
                parts = [word]
                while i + 1 < n and text[i] in _JOINERS:
                    m3 = _WORD_RE.match(text, i + 1)
                    if not m3:
                        break
                    part = m3.group()
                    if not (text[i] != "-" and part.lower() in _CONTRACTION_ENDS):
                        part = part.lower() if part in _OPERATORS else part
                        parts.append(part)
                        prep.words.append(("text", part))
                    i = m3.end()
                out.extend(" " + p for p in parts[1:])
                continue
        out.append(ch)
        i += 1
    if parens:
        pos = parens[-1]
        raise QueryError(
            f"The parenthesis at character {pos + 1} is never closed. Add a ) or remove it.",
            pos,
        )
    prep.text = "".join(out)
    if not _WORD_RE.search(prep.text) or not [
        w for w in _WORD_RE.findall(prep.text) if w not in _OPERATORS
    ]:
        raise QueryError("Type some words to search for, for example: asylum diplomat.")
    return prep


_LIST_MARKER_RE = re.compile(r"\d{1,2}|[A-Za-z]|[ivx]{2,4}")


def _list_marker(text: str, i: int, prep: _Prepared, out: list[str]) -> bool:
    """Whether the ``)`` at ``i`` ends a list marker ("1)", "b)", "iv)"); drops the marker.

    Only a whole word right before the parenthesis counts, and only when it
    was taken as a search word on its own: "asylum)" is still an error.
    """
    start = i
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:i]
    if not _LIST_MARKER_RE.fullmatch(word) or not out or out[-1] != word:
        return False
    if not prep.words or prep.words[-1] != ("text", word):
        return False
    out.pop()
    prep.words.pop()
    return True


def _make_parser(schema: Any) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        ["text", "title"],
        schema,
        fieldboosts={"text": 1.0, "title": TITLE_BOOST},
        group=qparser.AndGroup,
    )
    parser.remove_plugin_class(qparser.SingleQuotePlugin)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


def _date_bounds(value: str, end: bool) -> datetime:
    digits = re.sub(r"[^0-9]", "", value)
    if not re.fullmatch(r"\d{4}(\d{2}(\d{2})?)?", digits):
        raise ValueError(value)
    year = int(digits[:4])
    month = int(digits[4:6]) if len(digits) >= 6 else None
    day = int(digits[6:8]) if len(digits) >= 8 else None
    at = adatetime(year, month, day)
    dt = at.ceil() if end else at.floor()
    return dt


def _errors(q: query.Query, text: str = "") -> Iterable[str]:
    """The parser's error nodes; one right after ``date:`` is a date it could not read
    (``date:>2011`` fails deep in Whoosh with a message about int())."""
    if getattr(q, "error", None):
        start = getattr(q, "startchar", None)
        if isinstance(start, int) and text[max(0, start - 5) : start].lower() == "date:":
            yield f"{text[start : getattr(q, 'endchar', start)]!r} is not a parseable date"
        else:
            yield str(q.error)
    for child in q.children():
        yield from _errors(child, text)


def _bad_dates(q: query.Query, schema: Any) -> Iterable[str]:
    """Date terms Whoosh would only reject while searching ('date:"20"11-07')."""
    if isinstance(q, query.Term | query.Phrase) and q.fieldname == "date":
        words = q.words if isinstance(q, query.Phrase) else [q.text]
        for word in words:
            try:
                schema["date"].to_bytes(word)
            except Exception:
                yield f"{word!r} is not a parseable date"
    for child in q.children():
        yield from _bad_dates(child, schema)


# ---------------------------------------------------------------- highlighting


def highlight(
    text: str, stems: frozenset[str], fragment_chars: int = FRAGMENT_CHARS
) -> tuple[str, str]:
    """(html, plain) of a paragraph with every matched term marked.

    The text is escaped piece by piece and only <mark> is added, so nothing
    from an article can become markup. A long paragraph is cut to the
    sentences that hold hits, with an ellipsis where text was left out.
    """
    spans = [(s, e) for s, e, term in token_spans(text) if term in stems]
    pieces = [(0, len(text))]
    if len(text) > fragment_chars:
        sentences = sentence_spans(text) or [(0, len(text))]
        chosen: list[tuple[int, int]] = []
        budget = fragment_chars
        hit_sentences = [
            (s, e) for s, e in sentences if any(s <= hs < e for hs, _ in spans)
        ] or sentences[:1]
        for s, e in hit_sentences:
            if chosen and budget - (e - s) < 0:
                break
            chosen.append((s, e))
            budget -= e - s
        pieces = chosen
    html_parts: list[str] = []
    plain_parts: list[str] = []
    prev_end = 0
    for k, (s, e) in enumerate(pieces):
        if s > prev_end or (k == 0 and s > 0):
            html_parts.append("… ")
            plain_parts.append("… ")
        frag_html: list[str] = []
        cursor = s
        for hs, he in spans:
            if hs < s or he > e:
                continue
            frag_html.append(html.escape(text[cursor:hs]))
            frag_html.append("<mark>" + html.escape(text[hs:he]) + "</mark>")
            cursor = he
        frag_html.append(html.escape(text[cursor:e]))
        html_parts.append("".join(frag_html).strip())
        plain_parts.append(text[s:e].strip())
        prev_end = e
        if k < len(pieces) - 1:
            html_parts.append(" ")
            plain_parts.append(" ")
    if prev_end < len(text.rstrip()):
        html_parts.append(" …")
        plain_parts.append(" …")
    return "".join(html_parts), "".join(plain_parts)


# ---------------------------------------------------------------- the service


class NewsBM25F(scoring.BM25F):
    """BM25F whose statistics count paragraphs only.

    The index also holds one document per article (kind "a") with no text;
    Whoosh's averages divide by every document, so they halved the average
    paragraph length and skewed length normalisation. IDF is the BM25
    (Robertson-Sparck Jones) form, always positive, over paragraphs, and one
    per word for text and title.
    """

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return _ParagraphBM25Scorer(searcher, fieldname, text, B, self.K1, qf=qf)

    def bm25_parameters(
        self, searcher: Any, fieldname: str, text: Any, df: int | None = None
    ) -> tuple[float, float, float, float]:
        """(idf, average length, B, K1) for a term, as the scorer uses them.

        scoring.QueryScorer calls this instead of building a scorer: Whoosh's
        scorer setup looks the term up in every segment, which for a prefix
        expanded to 60 words cost more than scoring them. ``df`` may be
        given when the caller has counted the postings already.
        """
        parent = searcher.get_parent()
        stats = parent.__dict__.setdefault("_news_stats", {})  # per searcher: fixed
        n = stats.get("n")
        if n is None:
            n = stats["n"] = parent.doc_frequency("kind", "p") or 1
        if fieldname in SHARED_IDF_FIELDS:
            # One IDF per word across headline and text, from the larger document
            # frequency (as Lucene's blended cross-field queries do): a word is as
            # common as it is, wherever it stands. Per field, a word rare in
            # headlines but common in text ("cancer", "study") got a headline
            # IDF well above its text IDF, so headline matches of common words
            # outweighed text matches of the rare words. (+0.003 nDCG@10 on
            # NFCorpus; the other collections have no titles.)
            df = max(
                df if df is not None and f == fieldname else _doc_frequency(parent, f, text)
                for f in SHARED_IDF_FIELDS
            )
        elif df is None:
            df = parent.doc_frequency(fieldname, text)
        if IDF == "rsj":
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        else:  # Whoosh's own form
            idf = math.log(n / (df + 1)) + 1.0
        avgfl = stats.get(fieldname)
        if avgfl is None:
            avgfl = stats[fieldname] = (parent.field_length(fieldname) / n) or 1
        return idf, avgfl, self._field_B.get(fieldname, self.B), self.K1


def _doc_frequency(searcher: Any, fieldname: str, text: Any) -> int:
    """A term's document frequency, kept with the searcher (a lookup in every segment)."""
    stats = searcher.__dict__.setdefault("_news_stats", {})
    key = ("df", fieldname, text)
    df = stats.get(key)
    if df is None:
        df = stats[key] = searcher.doc_frequency(fieldname, text)
    return int(df)


class _ParagraphBM25Scorer(scoring.BM25FScorer):
    def __init__(
        self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, qf: int = 1
    ) -> None:
        weighting = NewsBM25F(B=B, K1=K1)
        self.idf, self.avgfl, self.B, self.K1 = weighting.bm25_parameters(searcher, fieldname, text)
        self.qf = qf
        self.setup(searcher, fieldname, text)


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


@dataclass
class _Found:
    """The matching articles of one search, by article number (see doctables)."""

    rank: dict[int, float] = field(default_factory=dict)  # ranking score
    counts: dict[int, int] = field(default_factory=dict)  # matching paragraphs
    hits_of: dict[int, dict[int, float]] = field(default_factory=dict)  # the pass that found it
    partial: set[int] = field(default_factory=set)  # found by the partial-match pass
    paragraphs: int = 0


# 1 + 0.1 ln(n) for an article with n matching paragraphs, n < 256
_SOFT_MAX = [1.0, 1.0, *(1.0 + 0.1 * math.log(n) for n in range(2, 256))]


def _within(raw: int | None, dates: _Dates) -> bool:
    """Whether an article's date (a raw date-column long) passes every date limit."""
    if not dates:
        return True
    if not raw:
        return False
    return all((lo is None or raw >= lo) and (hi is None or raw <= hi) for lo, hi in dates)


_F = TypeVar("_F", bound=Callable[..., Any])


def _serialized(method: _F) -> _F:
    """Run the method holding the service's lock: one search at a time on the shared searcher."""

    @functools.wraps(method)
    def wrapper(self: SearchService, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SearchService:
    """Searches one index folder; safe to share between threads.

    One Whoosh searcher is kept open and replaced when the index has a new
    commit (checked before each search), instead of opening one per request:
    opening is the moment a concurrent merge can pull segment files away, and
    the open is retried when that happens.

    Searches take turns on that searcher (a lock): searching is pure Python
    under the GIL, so threads searching at once were never faster than taking
    turns; Whoosh's posting readers keep a file position, so they must not be
    shared by two searches at once; and the searcher's tables (doctables) and
    decoded posting lists are built once and shared by every request.
    """

    def __init__(self, root: str | Path, settings: Settings | None = None) -> None:
        self.root = Path(root)
        self.settings = settings or Settings(index=self.root)
        self.index = ParagraphIndex.open(self.root, create=True)
        self._lock = threading.RLock()  # searches take turns on the one searcher
        self._current: Any = None  # that searcher, replaced when a commit lands
        self._doc_tables: DocTables | None = None  # of the current searcher
        self._segment_tables = SegmentCache()  # outlive searchers: segments don't change
        self._postings = PostingsCache(self.settings.postings_cache_mb * 2**20)  # likewise
        self._word_scores: WordScores | None = None  # of the current searcher
        self._cache = _LRU(self.settings.cache_size)
        self._surfaces: dict[str, str] = {}
        self._parser = _make_parser(self.index.schema)

    # -- searchers

    def _searcher(self) -> Any:
        """The current searcher, after checking for a new commit (~8 us, one listing):
        every article committed before a search began is in it."""
        s = self._current
        if s is not None and s.up_to_date():
            return s
        # A whole new searcher rather than Searcher.refresh(): refresh shares
        # segment readers with the old searcher and closes some of them, so a
        # failed (retried) refresh could leave neither usable.
        new = self.index.searcher(weighting=NewsBM25F(B=BM25_B, K1=BM25_K1))
        if s is not None:
            s.close()
        self._current, self._doc_tables = new, None
        # Half the postings budget again for word scores (0 turns both off).
        budget = self.settings.postings_cache_mb * 2**19
        self._word_scores = WordScores(budget) if budget > 0 else None
        return new

    def _tables(self, searcher: Any) -> DocTables:
        """The current searcher's per-document tables, built when first needed."""
        if self._doc_tables is None:
            self._doc_tables = DocTables(searcher, self._segment_tables)
            self._segment_tables.keep_only(searcher)
            self._postings.keep_only({s for s in self._doc_tables.segment_ids if s})
        return self._doc_tables

    @_serialized
    def warm(self) -> None:
        """Open the searcher and build its tables now, rather than in the first search."""
        self._tables(self._searcher())

    @_serialized
    def generation(self) -> int:
        return int(self._searcher().reader().generation() or 0)

    @_serialized
    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        self._current, self._doc_tables = None, None

    # -- public API

    def stats(self) -> IndexStats:
        return self.index.stats()

    @_serialized
    def search(self, req: SearchRequest) -> ResultPage:
        """Run a search. Raises QueryError for a query that can't be run."""
        started = time.perf_counter()
        req = self._normalise(req)
        searcher = self._searcher()
        key = (searcher.reader().generation(), req)
        cached = self._cache.get(key)
        if cached is not None:
            return _with_took(cached, started)
        page = self._search(searcher, req, started)
        if not page.timed_out:  # an incomplete page must not be served again as if whole
            self._cache.put(key, page)
        return page

    def _normalise(self, req: SearchRequest) -> SearchRequest:
        from dataclasses import replace

        if req.sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {req.sort!r}.")
        per_page = max(1, min(req.per_page, self.settings.max_per_page))
        if req.page < 1:
            raise QueryError("page starts at 1.")
        if req.page > self.settings.max_page:
            raise QueryError(
                f"Results stop at page {self.settings.max_page}; narrow the query with more "
                "words or a filter instead."
            )
        return replace(req, per_page=per_page, q=req.q.strip())

    @_serialized
    def parse(
        self, text: str, searcher: Any = None
    ) -> tuple[query.Query, _Prepared, list[TermInfo]]:
        """The Whoosh query for ``text``, what was typed, and how each word was understood."""
        searcher = searcher or self._searcher()
        prep = prepare_query(text, self.settings.max_query_length)
        try:
            q = self._parser.parse(prep.text)
        except Exception as exc:  # Whoosh's parser is lenient; anything left is our bug
            log.warning("query %r failed to parse: %s", text, exc)
            raise QueryError(f"The query could not be understood: {exc}") from None
        problems = list(_errors(q, prep.text)) + list(_bad_dates(q, self.index.schema))
        if problems:
            raise QueryError(_friendly_error(problems[0]))
        q = _filter_ranges(_source_prefixes(q))
        q = self._bound_expansions(q, searcher.reader())
        q = _drop_stopwords(q)
        if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
            raise QueryError("Type some words to search for, for example: asylum diplomat.")
        q = self._add_proximity(q)
        terms = self._term_info(prep, q)
        return q, prep, terms

    def _bound_expansions(self, q: query.Query, reader: Any) -> query.Query:
        """Replace prefix, wildcard and fuzzy terms by their most frequent expansions."""
        limit = self.settings.max_expansion

        def visit(node: query.Query) -> query.Query:
            if isinstance(node, query.FuzzyTerm) and node.prefixlength > len(node.text):
                # "0~/2": a kept prefix longer than the word; Whoosh's automaton
                # indexes past the end of the word.
                node = copy.copy(node)
                node.prefixlength = len(node.text)
            if isinstance(node, query.Prefix | query.Wildcard | query.FuzzyTerm):
                terms = []
                for btext in node._btexts(reader):
                    text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                    terms.append((reader.doc_frequency(node.fieldname, text), text))
                    if len(terms) >= limit * 20:
                        break
                terms.sort(reverse=True)
                kept = [query.Term(node.fieldname, t, boost=node.boost) for _, t in terms[:limit]]
                if not kept:
                    return query.Term(node.fieldname, node.text, boost=node.boost)
                return query.Or(kept, boost=1.0) if len(kept) > 1 else kept[0]
            return node.apply(visit)

        return visit(q)

    def _add_proximity(self, q: query.Query) -> query.Query:
        """For plain multi-word queries, reward paragraphs where the words stand close."""
        if not isinstance(q, query.And):
            return q
        words: list[str] = []
        for sub in q.subqueries:
            texts = [t for f, t in sub.iter_all_terms() if f == "text"]
            if not isinstance(sub, query.Or) or len(texts) != 1:
                return q
            words.append(texts[0])
        if len(words) < 2 or len(words) > 8:
            return q
        near = query.Phrase("text", words, slop=PROXIMITY_SLOP, boost=PROXIMITY_BOOST)
        return query.AndMaybe(q, near)

    def _term_info(self, prep: _Prepared, q: query.Query) -> list[TermInfo]:
        matched = {(f, t) for f, t in q.iter_all_terms() if f in ("text", "title")}
        infos: list[TermInfo] = []
        seen: set[tuple[str, str]] = set()
        for fieldname, word in prep.words:
            st = stem(fold(word))
            if (fieldname, st) in seen:
                continue
            seen.add((fieldname, st))
            hits = sorted(
                t
                for f, t in matched
                if f == fieldname and (t == st or t.startswith(st[: max(3, len(st) - 2)]))
            )
            infos.append(TermInfo(word=word, stem=st, field=fieldname, matched=tuple(hits)))
        return infos

    def _filter(self, req: SearchRequest) -> tuple[frozenset[str], _Dates]:
        """The request's sources, and its date limits as (low, high) longs.

        Both are checked per article on the searcher's tables, not as query
        clauses: a filter on the biggest source would otherwise read a posting
        list of nearly every document, and a date range as a query is a union
        over every distinct timestamp in it.
        """
        sources = frozenset(req.sources)
        if not (req.date_from or req.date_to):
            return sources, ()
        try:
            start = _date_bounds(req.date_from, end=False) if req.date_from else None
            end = _date_bounds(req.date_to, end=True) if req.date_to else None
        except ValueError as exc:
            raise QueryError(
                f"{exc.args[0]!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD."
            ) from None
        low = datetime_to_long(start) if start else None
        high = datetime_to_long(end) if end else None
        return sources, ((low, high),)

    def _deadline(self) -> float:
        """When a search started now must stop scoring (SEARCH_APP_SEARCH_TIMEOUT)."""
        timeout = self.settings.search_timeout
        return time.monotonic() + timeout if timeout > 0 else math.inf

    def _scorer(self, searcher: Any, tables: DocTables, deadline: float) -> QueryScorer:
        """A scorer sharing the service's decoded postings and word scores."""
        return QueryScorer(
            searcher, tables, deadline, cache=self._postings, word_scores=self._word_scores
        )

    def _search(self, searcher: Any, req: SearchRequest, started: float) -> ResultPage:
        deadline = self._deadline()
        shown_q, prep, terms = self.parse(req.q, searcher)
        sources, req_dates = self._filter(req)
        q, q_dates = _split_dates(shown_q)
        tables = self._tables(searcher)
        scorer = self._scorer(searcher, tables, deadline)
        found = _Found()
        expired = False
        try:
            self._collect(scorer, found, q, prep, sources, req_dates + q_dates, partial=False)
            loose = _relax(q) if len(found.rank) < req.per_page else None
            if loose is not None:
                # Fewer than a page for all the words: follow with partial matches,
                # scaled down so that articles with every word stay ahead of equals.
                self._collect(
                    scorer, found, loose.query, prep, sources, req_dates + q_dates, partial=True
                )
        except Expired:
            # Past SEARCH_APP_SEARCH_TIMEOUT: answer with the passes that finished
            # (none, if the all-words pass itself ran out of time).
            expired = True
        total = len(found.rank)
        start = (req.page - 1) * req.per_page
        shown = self._order(found, tables, req.sort, start + req.per_page)[start:]
        text_q = None if found.partial else _text_only(q)
        try:
            own = scorer.scores(text_q) if text_q is not None and shown else None
        except Expired:
            expired, own = True, None
        results = self._results(searcher, tables, found, shown, highlight_terms(q), own)
        facets, timeline, unit = self._facets(found, tables, req)
        suggestion = None
        if total < 3:
            suggestion = self._did_you_mean(searcher, req.q)
        return ResultPage(
            request=req,
            total_articles=total,
            total_paragraphs=found.paragraphs,
            page=req.page,
            per_page=req.per_page,
            pages=max(1, math.ceil(total / req.per_page)),
            took_ms=(time.perf_counter() - started) * 1000,
            results=tuple(results),
            facets=facets,
            timeline=timeline,
            timeline_unit=unit,
            suggestion=suggestion,
            parsed_query=str(shown_q),
            terms=tuple(terms),
            relaxed=bool(found.partial),
            timed_out=expired,
        )

    def _collect(
        self,
        scorer: QueryScorer,
        found: _Found,
        q: query.Query,
        prep: _Prepared,
        sources: frozenset[str],
        dates: _Dates,
        partial: bool,
    ) -> None:
        """Add the articles whose paragraphs match ``q`` to ``found``, ranked.

        The partial-match pass adds only articles not found yet, scaled by
        PARTIAL_FACTOR and flagged partial.
        """
        tables = scorer.tables
        hits = scorer.scores(q)
        doc_article = tables.doc_article
        if prep.exact:
            patterns = [_exact_pattern(p) for p in prep.exact]
            stored = scorer.searcher.stored_fields
            hits = {
                d: s
                for d, s in hits.items()
                if doc_article[d] >= 0
                and all(p.search(stored(d).get("text", "")) for p in patterns)
            }
        # Each article's best paragraph and number of matching paragraphs, in
        # one plain loop (measured faster than sorting or Counter here).
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
        if sources or dates:
            src, when = tables.article_sources, tables.article_dates
            best = {
                a: s
                for a, s in best.items()
                if (not sources or src[a] in sources) and _within(when[a], dates)
            }
        rank = found.rank
        factor = PARTIAL_FACTOR if partial else 1.0
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

    def _order(self, found: _Found, tables: DocTables, sort: str, end: int) -> list[int]:
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

    def _results(
        self,
        searcher: Any,
        tables: DocTables,
        found: _Found,
        shown: list[int],
        stems: frozenset[str],
        own: dict[int, float] | None,
    ) -> list[ArticleResult]:

        out: list[ArticleResult] = []
        first_seen: dict[str, ArticleRef] = {}
        reader = searcher.reader()
        for a in shown:
            aid = tables.article_ids[a]
            hits = found.hits_of[a]
            members = [d for d in tables.members(a) if d in hits]
            top = heapq.nlargest(MAX_SHOWN_PARAGRAPHS, members, key=lambda d: (hits[d], -d))
            data = self._article_data(searcher, tables, a)
            ref = ArticleRef(aid, data.get("title", ""))
            paragraphs: list[ParagraphHit] = []
            for docnum in top:
                score = hits[docnum]
                fields = reader.stored_fields(docnum)
                text = fields.get("text", "")
                fp = fields.get("fingerprint", "")
                collapsible = fp and len(text) >= MIN_COLLAPSE_CHARS
                if collapsible and fp in first_seen:
                    hl, plain = highlight(text, stems)
                    paragraphs.append(
                        ParagraphHit(fields["position"], plain, hl, score, (), first_seen[fp])
                    )
                    continue
                also: tuple[ArticleRef, ...] = ()
                if collapsible:
                    first_seen[fp] = ref
                    also = self._also_in(searcher, tables, fp, aid, docnum)
                hl, plain = highlight(text, stems)
                paragraphs.append(ParagraphHit(fields["position"], plain, hl, score, also))
            # A paragraph can match through its article's headline alone; show it
            # only when no paragraph has the words in its own text, and count the
            # paragraphs with the words in their own text.
            marked = [p for p in paragraphs if "<mark>" in p.highlight]
            paragraphs = marked or paragraphs[:1]
            matching = found.counts[a] if own is None else sum(1 for d in members if d in own)
            matching = max(matching, len(paragraphs))
            published = datetime.fromisoformat(data["published"]) if data.get("published") else None
            out.append(
                ArticleResult(
                    id=aid,
                    title=data.get("title", ""),
                    source=data.get("source"),
                    url=data.get("url"),
                    published=published,
                    score=round(found.rank[a], 4),
                    paragraphs=tuple(paragraphs),
                    matching_paragraphs=matching,
                    partial=a in found.partial,
                )
            )
        return out

    def _also_in(
        self, searcher: Any, tables: DocTables, fp: str, aid: str, docnum: int
    ) -> tuple[ArticleRef, ...]:
        """Other articles with this paragraph word for word (syndicated copies).

        The fingerprint is not indexed as a term (a unique term per paragraph
        was a tenth of ingest time); the tables' sorted fingerprint hashes
        find the candidates, and their stored fingerprint confirms them.
        """
        refs: list[ArticleRef] = []
        seen = {aid}
        reader = searcher.reader()
        for other_doc in tables.fingerprint_docs(fp, besides=docnum):
            number = tables.doc_article[other_doc]
            if number == NO_ARTICLE or tables.article_ids[number] in seen:
                continue
            if reader.is_deleted(other_doc):
                continue
            if reader.stored_fields(other_doc).get("fingerprint") != fp:
                continue
            other = tables.article_ids[number]
            seen.add(other)
            refs.append(
                ArticleRef(other, self._article_data(searcher, tables, number).get("title", ""))
            )
            if len(refs) >= MAX_ALSO_IN:
                return tuple(refs)
        return tuple(refs)

    def _article_data(self, searcher: Any, tables: DocTables, number: int) -> dict[str, Any]:
        """An article's stored metadata (title, source, url, date...), from its record."""
        import json

        docnum = tables.record(number)
        if docnum is None:
            return {}
        fields = searcher.reader().stored_fields(docnum)
        return json.loads(fields.get("data") or "{}")

    def _facets(
        self, found: _Found, tables: DocTables, req: SearchRequest
    ) -> tuple[dict[str, tuple[FacetValue, ...]], tuple[TimelineBucket, ...], str]:
        sources = Counter(map(tables.article_sources.__getitem__, found.rank))
        by_month = Counter(map(tables.article_months.__getitem__, found.rank))
        by_month.pop(0, None)  # undated
        months: dict[tuple[int, int], int] = {divmod(ym, 100): c for ym, c in by_month.items()}
        years: Counter[int] = Counter()
        for (y, _m), c in months.items():
            years[y] += c
        src_values = tuple(
            FacetValue(s, c, s in req.sources)
            for s, c in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        )
        year_values = tuple(
            FacetValue(str(y), c, req.date_from == str(y) and req.date_to == str(y))
            for y, c in sorted(years.items(), reverse=True)
        )
        unit = "year"
        buckets: list[TimelineBucket] = []
        if years:
            lo, hi = min(years), max(years)
            if hi - lo <= 2:
                unit = "month"
                first, last = min(months), max(months)
                y, m = first
                while (y, m) <= last:
                    label = f"{y:04d}-{m:02d}"
                    buckets.append(TimelineBucket(label, label, label, months.get((y, m), 0)))
                    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            else:
                for y in range(lo, hi + 1):
                    buckets.append(TimelineBucket(str(y), str(y), str(y), years.get(y, 0)))
        return {"source": src_values, "year": year_values}, tuple(buckets), unit

    def _did_you_mean(self, searcher: Any, text: str) -> str | None:
        """The query with unknown words replaced by the closest indexed words."""
        reader = searcher.reader()
        corrector = reader.corrector("text")  # over stems: no extra spelling postings
        changed = False

        def fix(m: re.Match[str]) -> str:
            nonlocal changed
            word = m.group()
            if word in _OPERATORS or len(word) < 3 or not word.isalpha():
                return word
            st = stem(fold(word))
            if reader.doc_frequency("text", st) or reader.doc_frequency("title", st):
                return word
            for option in corrector.suggest(st, limit=3, maxdist=2):
                surface = self._surface(searcher, option)
                if surface:
                    changed = True
                    return surface
            return word

        fixed = re.sub(r"(?<![:\w])\w+(?![:\w])", fix, text)
        return fixed if changed and fixed != text else None

    @_serialized
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Index words that start with ``prefix``, most common first (autocomplete)."""
        words = prefix.strip().split()
        if not words:
            return []
        last = fold(words[-1])
        if len(last) < 2 or not _WORD_RE.fullmatch(last):
            return []
        head = " ".join(words[:-1])
        searcher = self._searcher()
        reader = searcher.reader()
        # The lexicon holds stems; a stem may end before the typed prefix does
        # ("happi" for "happy"), so expand one letter short and check surfaces.
        stem_prefix = last[:-1] if len(last) > 3 else last
        candidates: list[tuple[int, str]] = []
        for i, btext in enumerate(reader.expand_prefix("text", stem_prefix)):
            if i >= 2000:
                break
            term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            candidates.append((reader.doc_frequency("text", term), term))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        out: list[str] = []
        for _, term in candidates:
            word = self._surface(searcher, term)
            if word and word.startswith(last) and word not in out:
                out.append(word)
            if len(out) >= limit:
                break
        return [(head + " " + w).strip() for w in out]

    def _surface(self, searcher: Any, term: str) -> str | None:
        """A word as people write it (folded) for an index stem: "diplomacy" for "diplomaci"."""
        cached = self._surfaces.get(term)
        if cached is not None:
            return cached or None
        word = ""
        for hit in searcher.search(query.Term("text", term), limit=1):
            for start, end, t in token_spans(hit.get("text", "")):
                if t == term:
                    word = fold(hit["text"][start:end])
                    break
        if len(self._surfaces) > 50_000:
            self._surfaces.clear()
        self._surfaces[term] = word
        return word or None

    @_serialized
    def article(self, article_id: str, q: str | None = None) -> ArticleView | None:
        """An article for its page, with the query's terms marked in every paragraph."""
        searcher = self._searcher()
        stored = read_article(searcher, article_id)
        if stored is None:
            return None
        stems: frozenset[str] = frozenset()
        hit_positions: tuple[int, ...] = ()
        if q and q.strip():
            try:
                wq, prep, terms = self.parse(q, searcher)
            except QueryError:
                wq = None
            if wq is not None:
                stems = highlight_terms(wq)
                hit_positions = self._hit_positions(searcher, wq, article_id)
        highlights = tuple(
            highlight(p, stems, fragment_chars=10**9)[0] if stems else html.escape(p)
            for p in stored.article.paragraphs
        )
        # Hits through the headline alone mark nothing in the paragraph: not a hit here.
        hit_positions = tuple(i for i in hit_positions if "<mark>" in highlights[i])
        return ArticleView(stored=stored, highlights=highlights, hit_positions=hit_positions)

    def _hit_positions(self, searcher: Any, wq: query.Query, article_id: str) -> tuple[int, ...]:
        """The positions of the article's paragraphs that the query matches, scored as a
        search scores them (dates are columns that Whoosh's own matchers can't see)."""
        tables = self._tables(searcher)
        q, dates = _split_dates(wq)
        try:
            scores = self._scorer(searcher, tables, self._deadline()).scores(q)
        except Expired:
            return ()
        first = searcher.document_number(article_id=article_id, kind="p")
        if first is None:
            return ()
        number = tables.doc_article[first]
        if number == NO_ARTICLE or not _within(tables.article_dates[number] or None, dates):
            return ()
        reader = searcher.reader()
        return tuple(
            sorted(
                reader.stored_fields(d)["position"] for d in tables.members(number) if d in scores
            )
        )


# ---------------------------------------------------------------- helpers


def highlight_terms(q: query.Query) -> frozenset[str]:
    """The index terms to mark: every text/title term of the query outside NOT."""
    out: set[str] = set()

    def walk(node: query.Query) -> None:
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.Term | query.Phrase):
            out.update(t for f, t in node.iter_all_terms() if f in ("text", "title"))
            return
        for child in node.children():
            walk(child)

    walk(q)
    return frozenset(out)


def _exact_pattern(phrase: str) -> re.Pattern[str]:
    words = _WORD_RE.findall(phrase)
    body = r"\W+".join(re.escape(w) for w in words)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)


def _drop_stopwords(q: query.Query) -> query.Query:
    """Drop stopwords from AND/OR groups of plain terms; phrases keep them."""
    if isinstance(q, query.Phrase):
        return q
    if isinstance(q, query.And | query.Or):
        kept = []
        for sub in q.subqueries:
            if _is_stop(sub):
                continue
            kept.append(_drop_stopwords(sub))
        if not kept:
            return q  # a query of stopwords only: search them rather than nothing
        if len(kept) == 1:
            return kept[0]
        return q.__class__(kept, boost=q.boost)
    return q.apply(_drop_stopwords) if q.children() else q


def _is_stop(q: query.Query) -> bool:
    if isinstance(q, query.Term):
        return q.fieldname in ("text", "title") and q.text in STOP_STEMS
    if isinstance(q, query.Or) and q.subqueries:
        return all(_is_stop(s) for s in q.subqueries)
    return False


@dataclass
class _Loose:
    query: query.Query  # the required parts ORed (with the proximity bonus, if any)
    parts: list[query.Query]


def _relax(q: query.Query) -> _Loose | None:
    """The query's required parts ORed, for partial matches.

    Keeps the proximity bonus. None when the query has nothing to relax (one
    part, or a NOT whose meaning an OR would lose).
    """
    base, bonus = (q.a, q.b) if isinstance(q, query.AndMaybe) else (q, None)
    if not isinstance(base, query.And) or len(base.subqueries) < 2:
        return None
    if any(isinstance(s, query.Not) for s in base.subqueries):
        return None
    # Field filters (date:, source:, title:) stay required: a user who narrowed to
    # 2011 wants partial matches from 2011, not from any year.
    filters = [s for s in base.subqueries if _is_field_filter(s)]
    parts = [s for s in base.subqueries if not _is_field_filter(s)]
    if len(parts) < 2:
        return None
    loose: query.Query = query.Or(parts)
    if filters:
        loose = query.And([*filters, loose])
    return _Loose(query.AndMaybe(loose, bonus) if bonus is not None else loose, parts)


def _is_field_filter(q: query.Query) -> bool:
    """A clause on date, source or title only, written as a field filter."""
    names = _fields(q)
    return bool(names) and "text" not in names


def _text_only(q: query.Query) -> query.Query | None:
    """The query with each word matched in paragraph text only, not in the headline.

    Used to count an article's matching paragraphs (not for partial matches,
    whose words vary). None when a query has no words in the text.
    """

    def strip(node: query.Query) -> query.Query:
        if isinstance(node, query.Or):
            texts = [c for c in node.subqueries if _fields(c) == {"text"}]
            heads = [c for c in node.subqueries if _fields(c) == {"title"}]
            if texts and heads and len(texts) + len(heads) == len(node.subqueries):
                return texts[0] if len(texts) == 1 else query.Or(texts)
        return node.apply(strip) if node.children() else node

    base = q.a if isinstance(q, query.AndMaybe) else q
    out = strip(base)
    return out if "text" in _fields(out) else None


def _fields(q: query.Query) -> set[str]:
    names = {getattr(leaf, "fieldname", None) for leaf in q.leaves()} or {
        getattr(q, "fieldname", None)
    }
    return {n for n in names if n}


def _split_dates(q: query.Query) -> tuple[query.Query, _Dates]:
    """Take the query's required date ranges out, as (low, high) longs for the date column.

    Only top-level ranges that every hit must satisfy move; a date range
    inside an OR stays a (lazy) query clause, and a query that is nothing but
    a date range keeps it.
    """

    def is_date(sub: query.Query) -> bool:
        return isinstance(sub, query.NumericRange) and sub.fieldname == "date"

    base, bonus = (q.a, q.b) if isinstance(q, query.AndMaybe) else (q, None)
    if not isinstance(base, query.And):
        return q, ()
    keep = [sub for sub in base.subqueries if not is_date(sub)]
    if not keep or len(keep) == len(base.subqueries):
        return q, ()
    dates = tuple((sub.start, sub.end) for sub in base.subqueries if is_date(sub))
    base = keep[0] if len(keep) == 1 else query.And(keep, boost=base.boost)
    return (query.AndMaybe(base, bonus) if bonus is not None else base), dates


def _filter_ranges(q: query.Query) -> query.Query:
    """Date ranges scored (almost) zero: a range only filters, and must not outweigh
    the words in an OR. Above zero, so a lone date query still matches."""
    if isinstance(q, query.NumericRange):
        quiet = copy.copy(q)
        quiet.boost = 1e-6
        return quiet
    return q.apply(_filter_ranges) if q.children() else q


def _source_prefixes(q: query.Query) -> query.Query:
    """``source:reuters`` finds "reuters.com": a source word matches as a prefix."""
    if isinstance(q, query.Term) and q.fieldname == "source":
        return query.Prefix("source", q.text, boost=q.boost)
    return q.apply(_source_prefixes) if q.children() else q


def _friendly_error(raw: str) -> str:
    if "not a parseable date" in raw or "date" in raw.lower():
        return "That date is not understood; write date:2011, date:2011-07 or date:[2010 TO 2012]."
    return f"The query could not be understood: {raw}"


def _with_took(page: ResultPage, started: float) -> ResultPage:
    from dataclasses import replace

    return replace(page, took_ms=(time.perf_counter() - started) * 1000)


def now_utc() -> datetime:
    return datetime.now(UTC)
