"""The rewrite passes: from the parsed tree to the tree a search runs.

``PASSES`` is the one list, applied in order by ``rewrite``; each pass is a
plain function of a tree (and the context it needs), testable alone. After
them, ``plan`` derives what a search needs besides the query itself: the
required date limits, the partial-match (relaxed) query and the text-only
query that counts an article's own matching paragraphs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from ..analysis import STOPWORDS, fold, stem
from .errors import QueryError
from .prepare import CONTRACTION_ENDS
from .tree import (
    And,
    AndMaybe,
    DateRange,
    Fuzzy,
    Node,
    Not,
    Null,
    Or,
    Phrase,
    Prefix,
    Term,
    TermRange,
    Wildcard,
)

PROXIMITY_BOOST = 1.5  # bonus for query words near each other, for unquoted multi-word queries
PROXIMITY_SLOP = 4
# NLTK's list holds the ends of contractions ("s", "t", "d", "ll"...) because its
# tokenizer splits "don't"; prepare_query drops those after an apostrophe, so
# standing alone they are words: "vitamin D", "T cells".
STOP_STEMS = frozenset(stem(fold(w)) for w in STOPWORDS - CONTRACTION_ENDS)
# A date range only filters: scored (almost) zero, so it cannot outweigh the
# words in an OR, yet above zero, so a lone date query still matches.
QUIET_BOOST = 1e-6
# Caps on what one query word may ask for (issue 18): an edit distance past 2
# matches most of a lexicon and is no typo any more; a slop past 20 words is no
# longer a phrase but "both words in the paragraph", at the cost of comparing
# every pair of positions. Larger values are clamped, and the clamped query is
# what "parsed as" shows.
MAX_EDIT_DISTANCE = 2
MAX_SLOP = 20
# Lexicon terms looked at per expanded word, as a multiple of the terms kept.
SCAN_FACTOR = 20
# A query's expansions together keep at most this many words' worth of terms.
MAX_EXPANDED_WORDS = 4

DateLimits = tuple[tuple[datetime | None, datetime | None], ...]


class Vocabulary(Protocol):
    """What the expansion pass asks the engine: the index terms a pattern stands for."""

    def matching_terms(self, node: Prefix | Wildcard | Fuzzy | TermRange) -> Iterator[str]:
        """The node's matching index terms, in the engine's lexicon order."""
        ...

    def doc_frequency(self, field: str, term: str) -> int: ...


class FuzzyWords(Protocol):
    """Surface words within an edit distance (spelling.Speller): fuzzy on words, not stems."""

    def expand_fuzzy(self, word: str, max_distance: int = 1, limit: int = 50) -> list[str]: ...


@dataclass(frozen=True)
class Context:
    vocabulary: Vocabulary
    max_expansion: int  # index terms kept per prefix, wildcard or fuzzy word
    # time.monotonic() after which expansion keeps what it has found so far
    deadline: float = math.inf
    speller: FuzzyWords | None = None
    # stem -> the word as typed (folded), for fuzzy words: "gover" -> "goverment"
    typed: Mapping[str, str] = field(default_factory=dict)


def cap_work(q: Node, ctx: Context | None = None) -> Node:
    """Clamp edit distances to MAX_EDIT_DISTANCE and phrase slop to MAX_SLOP."""
    if isinstance(q, Fuzzy) and q.maxdist > MAX_EDIT_DISTANCE:
        return replace(q, maxdist=MAX_EDIT_DISTANCE)
    if isinstance(q, Phrase) and q.slop > MAX_SLOP:
        return replace(q, slop=MAX_SLOP)
    return q.apply(cap_work)


# ---------------------------------------------------------------- the passes


def source_prefixes(q: Node, ctx: Context | None = None) -> Node:
    """``source:reuters`` finds "reuters.com": a source word matches as a prefix."""
    if isinstance(q, Term) and q.field == "source":
        return Prefix("source", q.text, boost=q.boost)
    return q.apply(source_prefixes)


def quiet_dates(q: Node, ctx: Context | None = None) -> Node:
    """Date ranges scored (almost) zero: see QUIET_BOOST."""
    if isinstance(q, DateRange):
        return replace(q, boost=QUIET_BOOST)
    return q.apply(quiet_dates)


def bound_expansions(q: Node, ctx: Context) -> Node:
    """Replace prefix, wildcard, fuzzy and range words by their most frequent index terms.

    A prefix like ``a*`` or a range like ``[a TO z]`` stands for tens of
    thousands of terms; the most frequent ``max_expansion`` of them (from the
    first SCAN_FACTOR x that many the lexicon lists, and none after the
    deadline) bound the cost of the query. A fuzzy word of the text expands
    over surface words with the speller, then stems them: ``goverment~`` is
    government, not the neighbours of its stem "gover" (cover, rover).
    """
    # The terms of the whole query are bounded too: a query of many prefixes
    # (``a* OR b* ... w*``) shares MAX_EXPANDED_WORDS words' worth of terms.
    expandable = sum(1 for n in q.leaves() if isinstance(n, Prefix | Wildcard | Fuzzy | TermRange))
    limit = max(
        1, min(ctx.max_expansion, ctx.max_expansion * MAX_EXPANDED_WORDS // max(1, expandable))
    )

    def visit(node: Node) -> Node:
        if isinstance(node, Fuzzy) and node.prefixlength > len(node.text):
            # "0~/2": a kept prefix longer than the word.
            node = replace(node, prefixlength=len(node.text))
        if isinstance(node, Fuzzy) and ctx.speller is not None and node.field in ("text", "title"):
            return _fuzzy_words(node, ctx, limit)
        if isinstance(node, Prefix | Wildcard | Fuzzy | TermRange):
            found: list[tuple[int, str]] = []
            if time.monotonic() < ctx.deadline:
                for i, text in enumerate(ctx.vocabulary.matching_terms(node)):
                    found.append((ctx.vocabulary.doc_frequency(node.field, text), text))
                    if len(found) >= limit * SCAN_FACTOR or (
                        i % 64 == 63 and time.monotonic() >= ctx.deadline
                    ):
                        break
            found.sort(key=lambda f: (-f[0], f[1]))
            top = max(found[0][0], 1) if found else 1
            kept = tuple(
                Term(node.field, t, boost=node.boost * _share(node, df, top))
                for df, t in found[:limit]
            )
            if not kept:
                text = node.text if not isinstance(node, TermRange) else (node.start or "")
                return Term(node.field, text, boost=node.boost)
            return Or(kept) if len(kept) > 1 else kept[0]
        return node.apply(visit)

    return visit(q)


def _share(node: Node, df: int, top: int) -> float:
    """A prefix or wildcard expansion's weight: its frequency against the commonest one.

    Scored alone, a rare completion outranks a common one on its rarity
    (``elect*``: Electrolux before elections); weighted by frequency, the
    common completions rank as if typed and the rare ones follow.
    """
    if isinstance(node, Prefix | Wildcard):
        return df / top
    return 1.0


def _fuzzy_words(node: Fuzzy, ctx: Context, limit: int) -> Node:
    """A fuzzy word as the stems of the surface words within its edit distance."""
    assert ctx.speller is not None
    typed = ctx.typed.get(node.text, node.text)
    words = ctx.speller.expand_fuzzy(typed, node.maxdist, limit)
    stems: list[str] = []
    for w in words:
        st = stem(fold(w))
        if st not in stems and w[: node.prefixlength] == typed[: node.prefixlength]:
            stems.append(st)
    if not stems:  # nothing near it: the word as typed, which finds nothing or itself
        stems.append(node.text)
    kept = tuple(Term(node.field, s, boost=node.boost) for s in stems[:limit])
    return Or(kept) if len(kept) > 1 else kept[0]


def drop_stopwords(q: Node, ctx: Context | None = None) -> Node:
    """Drop stopwords from AND/OR groups of plain terms; phrases keep them."""
    if isinstance(q, Phrase):
        return q
    if isinstance(q, And | Or):
        kept = tuple(drop_stopwords(sub) for sub in q.parts if not _is_stop(sub))
        if not kept:
            return q  # a query of stopwords only: search them rather than nothing
        if len(kept) == 1:
            return kept[0]
        return replace(q, parts=kept)
    return q.apply(drop_stopwords)


def _is_stop(q: Node) -> bool:
    if isinstance(q, Term):
        return q.field in ("text", "title") and q.text in STOP_STEMS
    if isinstance(q, Or) and q.parts:
        return all(_is_stop(s) for s in q.parts)
    return False


def require_words(q: Node, ctx: Context | None = None) -> Node:
    """A query left with nothing to search is the user's to fix, with an example."""
    if isinstance(q, Null):
        raise QueryError("Type some words to search for, for example: asylum diplomat.")
    return q


def proximity(q: Node, ctx: Context | None = None) -> Node:
    """For plain multi-word queries, reward paragraphs where the words stand close."""
    if not isinstance(q, And):
        return q
    words: list[str] = []
    for sub in q.parts:
        texts = [t for f, t in sub.terms() if f == "text"]
        if not isinstance(sub, Or) or len(texts) != 1:
            return q
        words.append(texts[0])
    if len(words) < 2 or len(words) > 8:
        return q
    return AndMaybe(q, Phrase("text", tuple(words), slop=PROXIMITY_SLOP, boost=PROXIMITY_BOOST))


PASSES: list[tuple[str, Callable[..., Node]]] = [
    ("source prefixes", source_prefixes),
    ("quiet date ranges", quiet_dates),
    ("work caps", cap_work),
    ("expansion bounds", bound_expansions),
    ("stopwords", drop_stopwords),
    ("words required", require_words),
    ("proximity", proximity),
]


def rewrite(q: Node, ctx: Context) -> Node:
    """The parsed tree through every pass of PASSES, in order."""
    for _name, step in PASSES:
        q = step(q, ctx)
    return q


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """What a search runs, derived from the rewritten tree."""

    shown: Node  # the rewritten query (shown as "parsed as")
    query: Node  # without the required date ranges
    dates: DateLimits  # those ranges, checked per article on the date column
    loose: Node | None  # the partial-match query, when there is one
    text_only: Node | None  # counts an article's own matching paragraphs


def plan(q: Node, pasted: bool = False) -> Plan:
    """``pasted``: a long pasted text (pasted.is_pasted_text) is one ranked list of the
    articles holding any of its words. Nobody pasting a paragraph means "every one of
    these 32 words"; split in two, the article it came from was labelled a partial
    match below a "no article matches all your words" divider."""
    main, dates = split_dates(q)
    loose = relax(main)
    if pasted and loose is not None:
        return Plan(shown=q, query=loose, dates=dates, loose=None, text_only=text_only(loose))
    return Plan(shown=q, query=main, dates=dates, loose=loose, text_only=text_only(main))


def split_dates(q: Node) -> tuple[Node, DateLimits]:
    """Take the query's required date ranges out, as (low, high) limits for the date column.

    Only top-level ranges that every hit must satisfy move; a date range
    inside an OR stays a query clause, and a query that is nothing but a
    date range keeps it.
    """
    base, bonus = (q.a, q.b) if isinstance(q, AndMaybe) else (q, None)
    if not isinstance(base, And):
        return q, ()
    keep = tuple(sub for sub in base.parts if not isinstance(sub, DateRange))
    if not keep or len(keep) == len(base.parts):
        return q, ()
    dates = tuple((s.start, s.end) for s in base.parts if isinstance(s, DateRange))
    base = keep[0] if len(keep) == 1 else And(keep, boost=base.boost)
    return (AndMaybe(base, bonus) if bonus is not None else base), dates


def relax(q: Node) -> Node | None:
    """The query's required parts ORed, for partial matches, keeping the proximity bonus.

    None when the query has fewer than two positive parts to relax. Field
    filters (date:, source:, author:, title:) stay required: a user who narrowed to
    2011 wants partial matches from 2011. A NOT stays too: "heat transfer
    nozzles -dash" relaxes its positive words only.
    """
    base, bonus = (q.a, q.b) if isinstance(q, AndMaybe) else (q, None)
    if not isinstance(base, And) or len(base.parts) < 2:
        return None
    kept = tuple(s for s in base.parts if is_field_filter(s) or isinstance(s, Not))
    parts = tuple(s for s in base.parts if not (is_field_filter(s) or isinstance(s, Not)))
    if len(parts) < 2:
        return None
    loose: Node = Or(parts)
    if kept:
        loose = And((*kept, loose))
    return AndMaybe(loose, bonus) if bonus is not None else loose


def is_field_filter(q: Node) -> bool:
    """A clause on date, source, author or title only, written as a field filter."""
    names = q.fields()
    return bool(names) and "text" not in names


def text_only(q: Node) -> Node | None:
    """The query with each word matched in paragraph text only, not in the headline.

    Counts an article's matching paragraphs (not for partial matches, whose
    words vary). None when a query has no words in the text.
    """

    def strip(node: Node) -> Node:
        if isinstance(node, Or):
            texts = tuple(c for c in node.parts if c.fields() == {"text"})
            heads = [c for c in node.parts if c.fields() == {"title"}]
            if texts and heads and len(texts) + len(heads) == len(node.parts):
                return texts[0] if len(texts) == 1 else Or(texts)
        return node.apply(strip)

    base = q.a if isinstance(q, AndMaybe) else q
    out = strip(base)
    return out if "text" in out.fields() else None


def highlight_terms(q: Node) -> frozenset[str]:
    """The index terms to mark: every text/title term of the query outside NOT."""
    out: set[str] = set()

    def walk(node: Node) -> None:
        if isinstance(node, Not):
            return
        if isinstance(node, Term | Phrase):
            out.update(t for f, t in node.terms() if f in ("text", "title"))
            return
        for child in node.children():
            walk(child)

    walk(q)
    return frozenset(out)


def term_weights(q: Node) -> dict[str, float]:
    """The index terms the article score counts, with the weight the query gives each.

    The terms are highlight_terms'. A term's weight is its own boost (the
    largest where it occurs twice), so what the passage score is told about a
    word (``word^2``, a prefix's rare completion weighed down by its
    frequency) the article score hears too; a phrase's words weigh 1.
    """
    out: dict[str, float] = {}

    def walk(node: Node) -> None:
        if isinstance(node, Not):
            return
        if isinstance(node, Term | Phrase):
            w = node.boost if isinstance(node, Term) else 1.0
            for f, t in node.terms():
                if f in ("text", "title"):
                    out[t] = max(out.get(t, 0.0), w)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return out
