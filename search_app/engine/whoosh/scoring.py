"""Scores a parsed query over a searcher a whole posting list at a time.

Whoosh's matchers step and score one document per Python call per query
term, through a column read for the field length: about 3 µs a matching
paragraph, so 20 to 30 ms for one common word over Reuters before any
grouping. Reading a term's posting blocks whole and scoring them in one
comprehension over a field-length table costs a fraction of that, and the
boolean structure becomes dict and set operations, which run in C.

The scores are Whoosh's own: the weighting supplies idf, average length, B
and K1, and boosts apply where Whoosh applies them (tests/integration/
test_scoring.py holds the two equal on many query shapes). Phrases check
positions with Whoosh's rule (words in order, each within ``slop`` of the
one before) only on documents that hold every word; ranges, prefixes and
patterns become the terms they stand for. Any other query kind falls back
to Whoosh's own matcher for that part of the tree.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import accumulate, repeat
from pickle import loads
from typing import Any

from whoosh import query
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from ..base import Expired
from .caches import PostingsCache, WordScores
from .doctables import DocTables, deleted_docs

Scores = dict[int, float]
# A term's postings in one segment: (segment number, ids, weights, raw values)
_Segment = tuple[int, Sequence[int], Sequence[float], Sequence[bytes] | None]
_Postings = tuple[Sequence[int], Sequence[float], Sequence[bytes] | None]


class QueryScorer:
    """Scores queries over one searcher; remembers each subquery's scores for one search.

    The memo lets a search re-ask for a part it has already scored (the
    query without its headline clauses, the partial-match OR of its words)
    at no cost. It lives only as long as one search; only decoded posting
    lists (a PostingsCache) outlive it.
    """

    def __init__(
        self,
        searcher: Any,
        tables: DocTables,
        deadline: float = float("inf"),
        clock: Callable[[], float] = time.monotonic,
        cache: PostingsCache | None = None,
        word_scores: WordScores | None = None,
    ) -> None:
        self.searcher = searcher
        self.cache = cache
        self.word_scores = word_scores
        self.tables = tables
        self.schema = searcher.schema
        self.leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        self.deadline = deadline
        self.clock = clock
        self._memo: dict[query.Query, Scores] = {}
        self._leaf_searchers: list[Any] | None = None
        self._norms: dict[tuple[float, float, float], list[float]] = {}
        self._raw_lengths: dict[tuple[str, bytes], list[int]] = {}
        self._postings_memo: dict[tuple[str, bytes], tuple[bytes, list[_Segment]] | None] = {}

    # -- public

    def scores(self, q: query.Query) -> Scores:
        """Every matching document's score. Treat the dict as read-only: it is shared."""
        try:
            return self._memo[q]
        except (KeyError, TypeError):
            pass
        if self.clock() > self.deadline:
            raise Expired
        shared = self.word_scores if self.word_scores is not None and _one_word(q) else None
        if shared is not None:
            out = shared.get(q)
            if out is not None:
                self._memo[q] = out
                return out
        out = self._score(q)
        if shared is not None:
            shared.put(q, out)
        try:
            self._memo[q] = out
        except TypeError:  # an unhashable query: just don't remember it
            pass
        return out

    def frequencies(self, fieldname: str, text: str) -> list[tuple[Sequence[int], Sequence[float]]]:
        """A word's postings as (global document numbers, term frequencies) per segment,
        from the lists this search has read already (article scores sum them)."""
        found = self._postings(fieldname, text)
        if found is None:
            return []
        out: list[tuple[Sequence[int], Sequence[float]]] = []
        for i, ids, weights, _values in found[1]:
            offset = self.tables.offsets[i]
            out.append(([offset + d for d in ids] if offset else ids, weights))
        return out

    def _check_deadline(self) -> None:
        if self.clock() > self.deadline:
            raise Expired

    # -- dispatch

    def _score(self, q: query.Query) -> Scores:
        kind = type(q)
        if kind is query.Term:
            return self._term(q)
        if kind is query.And:
            return self._and(q)
        if isinstance(q, query.Or) and not getattr(q, "scale", None):
            return self._or(q)
        if isinstance(q, query.AndMaybe):
            return self._and_maybe(q)
        if isinstance(q, query.AndNot):
            base = self.scores(q.a)
            gone = self.scores(q.b)
            return {d: s for d, s in base.items() if d not in gone}
        if isinstance(q, query.Not):
            return self._not(q)
        if isinstance(q, query.Require):  # the first part's scores where both match
            needed = self.scores(q.b)
            return {d: sc for d, sc in self.scores(q.a).items() if d in needed}
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if isinstance(q, query.MultiTerm | query.NumericRange):
            return self._multi(q)
        if isinstance(q, query.ConstantScoreQuery):
            return dict.fromkeys(self.scores(q.child), q.score)
        if q is query.NullQuery:
            return {}
        return self._whoosh(q)

    # -- leaves

    def _term(self, q: query.Term) -> Scores:
        found = self._postings(q.fieldname, q.text)
        if found is None:
            return {}
        btext, segments = found
        field = self.schema[q.fieldname]
        weighting = self.searcher.weighting
        params = None
        if field.scorable and hasattr(weighting, "bm25_parameters"):
            df = sum(self._raw_lengths[(q.fieldname, btext)])
            params = weighting.bm25_parameters(self.searcher, q.fieldname, btext, df=df)
        elif field.scorable:
            scorer = weighting.scorer(self.searcher, q.fieldname, btext)
            if isinstance(scorer, BM25FScorer):
                params = (scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
            elif not isinstance(scorer, WeightScorer):
                return self._whoosh(q)  # a scorer this module doesn't know
        out: Scores = {}
        boost = q.boost
        for i, ids, weights, _values in segments:
            offset = self.tables.offsets[i]
            lengths = self.tables.segments[i].lengths.get(q.fieldname)
            if params is not None and lengths is not None:
                idf, avgfl, b, k1 = params
                c = boost * idf * (k1 + 1)
                norm = self._norm(k1, b, avgfl)
                vals = [c * w / (w + norm[lengths[d]]) for d, w in zip(ids, weights, strict=False)]
            elif params is None:
                vals = [boost * w for w in weights]
            else:
                return self._whoosh(q)
            out.update(zip(map(offset.__add__, ids) if offset else ids, vals, strict=False))
        return out

    def _norm(self, k1: float, b: float, avgfl: float) -> list[float]:
        """BM25's length part, K1 * (1 - B + B * length / average), for each length byte."""
        key = (k1, b, avgfl)
        norm = self._norms.get(key)
        if norm is None:
            norm = [k1 * ((1 - b) + b * byte_to_length(n) / avgfl) for n in range(256)]
            self._norms[key] = norm
        return norm

    def _postings(
        self, fieldname: str, text: Any, values: bool = False
    ) -> tuple[bytes, list[_Segment]] | None:
        """A term's postings in every segment that has it, read once per search.

        ``values`` asks for the positions too (phrases); without it they may be
        missing (None) when the lists come from the cache.
        """
        if fieldname not in self.schema:
            return None
        field = self.schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            return None
        key = (fieldname, btext)
        found = self._postings_memo.get(key, False)
        if found is not False and (found is None or not values or _has_values(found[1])):
            if not (values and self.cache and any(_raw(seg[1:]) for seg in found[1])):
                return found
            # Read for scoring with Whoosh's encoded positions; the loop below
            # decodes the lists the cache keeps.
        found = None
        segments: list[_Segment] = []
        raw_lengths: list[int] = []
        for i, leaf in enumerate(self.leaves):
            if key not in leaf:
                continue
            segid = self.tables.segment_ids[i]
            cached = self.cache.get(segid, key, values) if self.cache and segid else None
            if cached is None:
                cached = _read_postings(leaf, fieldname, btext, self._check_deadline)
                if self.cache and segid:
                    self.cache.put(segid, key, cached)
            if values and self.cache and segid and self.cache.keeps(cached) and _raw(cached):
                # A phrase asked for positions of a list the cache keeps: decode
                # them all once, so later phrases skip a pickle load per posting.
                decode = _position_decoder(field.format)
                cached = (cached[0], cached[1], [tuple(decode(v)) for v in cached[2] or ()])
                self.cache.put(segid, key, cached)
            # Deletions come after a segment is written (an article replaced
            # or removed), so the lists are kept whole and filtered on use.
            deleted = deleted_docs(leaf)
            if deleted:
                # Whoosh's document frequency counts deleted postings, some of
                # which the list may lack (see _read_postings): ask the segment.
                raw_lengths.append(leaf.doc_frequency(fieldname, btext))
                cached = _without(cached, deleted)
            else:
                raw_lengths.append(len(cached[0]))
            segments.append((i, *cached))
        if segments:
            found = (btext, segments)
            self._raw_lengths[key] = raw_lengths
        self._postings_memo[key] = found
        return found

    def _multi(self, q: query.Query) -> Scores:
        """Ranges, prefixes and patterns: the union of the terms they stand for, as Whoosh does."""
        if isinstance(q, query.NumericRange):
            if q.fieldname == "date" and not self.schema["date"].indexed:
                return self._dated(q)
            return self.scores(q._compile_query(self.searcher.reader()))
        words = [w for w in q._btexts(self.searcher.reader()) if w]
        terms = [query.Term(q.field(), w) for w in words]
        if not terms:
            return {}
        if len(terms) == 1:
            return self.scores(terms[0])
        if q.constantscore:
            out: Scores = {}
            for t in terms:
                out.update(dict.fromkeys(self.scores(t), q.boost))
            return out
        return self.scores(query.Or(terms, boost=q.boost))

    def _dated(self, q: query.NumericRange) -> Scores:
        """A date range over the paragraphs' date column, through the doc tables.

        Dates are not indexed as terms (eight range-tier terms per paragraph
        were a sixth of ingest time); an article's paragraphs share its date,
        so the range is checked once per article. Undated articles never match.
        """
        low, high = q.start, q.end
        out: Scores = {}
        boost = q.boost
        for i, table in enumerate(self.tables.segments):
            leaf = self.leaves[i]
            deleted = deleted_docs(leaf)
            offset = self.tables.offsets[i]
            starts, docs = table.member_starts, table.member_docs
            for a, raw in enumerate(table.dates):
                if not raw:
                    continue
                if low is not None and (raw < low or (q.startexcl and raw == low)):
                    continue
                if high is not None and (raw > high or (q.endexcl and raw == high)):
                    continue
                out.update(
                    (offset + d, boost) for d in docs[starts[a] : starts[a + 1]] if d not in deleted
                )
            self._check_deadline()
        return out

    def _phrase(self, q: query.Phrase, allowed: Scores | None = None) -> Scores:
        """The words' summed scores where their positions make the phrase.

        Whoosh scores a phrase as the intersection of its words and keeps the
        documents where the words stand in order, each at most ``slop``
        positions after the one before. ``allowed`` limits the position checks
        (a proximity bonus only matters for documents the query matched).
        """
        words = [query.Term(q.fieldname, w) for w in q.words]
        if not words:
            return {}
        both = self.scores(query.And(words)) if len(words) > 1 else self.scores(words[0])
        if allowed is not None:
            both = {d: s for d, s in both.items() if d in allowed}
        if not both:
            return {}
        if len(words) == 1:
            found: Any = both
        else:
            found = self._in_order(q.fieldname, q.words, q.slop, both)
        boost = q.boost
        return {d: both[d] * boost for d in found}

    def _in_order(
        self, fieldname: str, words: list[Any], slop: int, candidates: Scores
    ) -> set[int]:
        """Candidates whose words stand in order within ``slop`` (Whoosh's SpanNear2 rule)."""
        decode = _position_decoder(self.schema[fieldname].format)
        per_word: list[dict[int, Any]] = []
        for word in words:
            found = self._postings(fieldname, word, values=True)
            if found is None:
                return set()
            values: dict[int, Any] = {}
            for i, ids, _weights, vals in found[1]:
                offset = self.tables.offsets[i]
                keys = map(offset.__add__, ids) if offset else ids
                values.update(zip(keys, vals, strict=False))  # C speed; most are needed
            per_word.append(values)

        def positions(value: Any) -> Any:  # decoded already when the cache keeps the list
            return value if type(value) is tuple else decode(value)

        out: set[int] = set()
        for n, d in enumerate(candidates):
            ends = set(positions(per_word[0][d]))
            for values in per_word[1:]:
                if slop == 1:
                    ends = {p for p in positions(values[d]) if p - 1 in ends}
                else:
                    ends = {
                        p for p in positions(values[d]) if not ends.isdisjoint(range(p - slop, p))
                    }
                if not ends:
                    break
            else:
                out.add(d)
            if not n & 1023 and self.clock() > self.deadline:
                raise Expired
        return out

    # -- compounds

    def _and(self, q: query.And) -> Scores:
        subs = q.subqueries
        if not subs:
            return {}
        positive = [s for s in subs if not isinstance(s, query.Not)]
        negative = [s.query for s in subs if isinstance(s, query.Not)]
        if not positive:  # nothing but NOTs: every document the NOTs leave, as Whoosh scores it
            positive, negative = subs, []
        parts = sorted((self.scores(s) for s in positive), key=len)
        out = parts[0]
        for part in parts[1:]:
            # The key intersection runs in C; only the survivors are summed in Python.
            out = {d: out[d] + part[d] for d in out.keys() & part.keys()}
            if not out:
                return {}
        for neg in negative:
            gone = self.scores(neg)
            out = {d: s for d, s in out.items() if d not in gone}
        if len(subs) > 1 and q.boost != 1.0:
            out = {d: s * q.boost for d, s in out.items()}
        return out

    def _or(self, q: query.Or) -> Scores:
        subs = q.subqueries
        if not subs:
            return {}
        parts = sorted((self.scores(s) for s in subs), key=len, reverse=True)
        out = dict(parts[0])
        for part in parts[1:]:
            get = out.get
            out.update((d, get(d, 0.0) + s) for d, s in part.items())
        if len(subs) > 1 and q.boost != 1.0:
            out = {d: s * q.boost for d, s in out.items()}
        return out

    def _not(self, q: query.Not) -> Scores:
        """Every live document the child does not match, scored 1.0 as Whoosh's
        InverseMatcher does (article records included; the search skips them)."""
        gone = self.scores(q.query)
        out: Scores = {}
        for i, leaf in enumerate(self.leaves):
            offset = self.tables.offsets[i]
            deleted = deleted_docs(leaf)
            out.update(
                (d, 1.0)
                for d in range(offset, offset + leaf.doc_count_all())
                if d not in gone and d - offset not in deleted
            )
            self._check_deadline()
        return out

    def _and_maybe(self, q: query.AndMaybe) -> Scores:
        base = self.scores(q.a)
        if not base:
            return {}
        if isinstance(q.b, query.Phrase):
            bonus = self._phrase(q.b, allowed=base)
        else:
            bonus = self.scores(q.b)
        if not bonus:
            return base
        out = dict(base)
        for d, s in bonus.items():
            if d in out:
                out[d] += s
        return out

    # -- anything else

    def _leaf_searcher(self, i: int) -> Any:
        """Segment ``i``'s sub-searcher, as Whoosh's own collectors use them."""
        if self._leaf_searchers is None:
            self._leaf_searchers = [s for s, _ in self.searcher.leaf_searchers()]
        return self._leaf_searchers[i]

    def _whoosh(self, q: query.Query) -> Scores:
        """Whoosh's own matcher for a query kind this module does not score itself."""
        out: Scores = {}
        for i, offset in enumerate(self.tables.offsets):
            m = q.matcher(self._leaf_searcher(i))
            n = 0
            while m.is_active():
                out[offset + m.id()] = m.score()
                m.next()
                n += 1
                if not n & 1023 and self.clock() > self.deadline:
                    raise Expired
        return out


def _without(postings: _Postings, deleted: frozenset[int]) -> _Postings:
    """The postings of documents not deleted."""
    ids, weights, values = postings
    keep = [n for n, d in enumerate(ids) if d not in deleted]
    if len(keep) == len(ids):
        return postings
    return (
        [ids[n] for n in keep],
        [weights[n] for n in keep],
        [values[n] for n in keep] if values is not None else None,
    )


def _raw(postings: _Postings) -> bool:
    """Whether a list's positions are still Whoosh's encoded bytes."""
    values = postings[2]
    return bool(values) and isinstance(values[0], bytes)


def _has_values(segments: list[_Segment]) -> bool:
    return all(seg[3] is not None for seg in segments)


def _one_word(q: query.Query) -> bool:
    """A word in one field, or one word across fields (text OR headline)."""
    kind = type(q)
    if kind is query.Term:
        return True
    return (
        kind is query.Or
        and not getattr(q, "scale", None)
        and all(type(sub) is query.Term for sub in q.subqueries)
    )


def _position_decoder(fmt: Any) -> Callable[[bytes], Any]:
    """Whoosh's Positions.decode_positions, without its per-call Python loop.

    A value is a 4-byte count and a pickled list of position deltas (Whoosh
    may strip the pickle's final STOP byte).
    """
    if type(fmt) is not Positions:
        return fmt.decode_positions

    def decode(value: bytes) -> Any:
        body = value[4:] if value.endswith(b".") else value[4:] + b"."
        return accumulate(loads(body))

    return decode


def _read_postings(
    leaf: Any, fieldname: str, btext: bytes, check: Callable[[], None] | None = None
) -> tuple[list[int], list[float], list[bytes]]:
    """A term's document numbers, weights and raw values (positions) in one segment.

    Reads Whoosh's W3 posting blocks whole (the ids, weights and values of a
    block come out of one unpickled tuple); any other matcher is stepped
    through a posting at a time. Deleted documents are left in (but for a
    leading run the deletion filter had already skipped): deletions change
    after a segment is written, so callers filter them on use. ``check`` is
    called every 256 blocks (the search deadline: a stopword's list at a
    million paragraphs takes a second to read).
    """
    m = leaf.postings(fieldname, btext)
    if isinstance(m, FilterMatcher):  # deletions: left to the caller
        # The filter has already stepped its child past leading deleted
        # postings; whole blocks of them may be missing from the list, which
        # is harmless, as a deleted document stays deleted.
        m = m.child
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    if all(hasattr(m, a) for a in ("_read_data", "_byteids", "_fixedsize", "_next_block")):
        # Whoosh's W3LeafMatcher: each block is one pickled (ids, weights, values)
        # tuple; ids are delta-coded unless they are terms of a vector.
        fixed = m._fixedsize
        blocks = 0
        while m.is_active():
            blocks += 1
            if check is not None and not blocks & 255:
                check()
            m._read_data()
            raw_ids, raw_weights, raw_values = m._data[:3]
            n = m._blocklength
            ids.extend(raw_ids if m._byteids else accumulate(raw_ids))
            if raw_weights is None:
                weights.extend(repeat(1.0, n))
            elif isinstance(raw_weights, float):
                weights.extend(repeat(raw_weights, n))
            else:
                weights.extend(raw_weights)
            if fixed is None or fixed < 0:
                values.extend(raw_values)
            elif fixed == 0:
                values.extend(repeat(None, n))
            else:
                values.extend(raw_values[i : i + fixed] for i in range(0, len(raw_values), fixed))
            m._next_block()
    else:  # pragma: no cover - another codec
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            values.append(m.value())
            m.next()
    return ids, weights, values
