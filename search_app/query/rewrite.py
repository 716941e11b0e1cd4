"""The rewrite passes: from the parsed tree to the tree a search runs.

``PASSES`` is the one list, applied in order by ``rewrite``; each pass is a
plain function of a tree (and the context it needs), testable alone. After
them, ``plan`` derives what a search needs besides the query itself: the
required date limits, the partial-match (relaxed) query and the text-only
query that counts an article's own matching paragraphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
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

DateLimits = tuple[tuple[datetime | None, datetime | None], ...]


class Vocabulary(Protocol):
    """What the expansion pass asks the engine: the index terms a pattern stands for."""

    def matching_terms(self, node: Prefix | Wildcard | Fuzzy) -> Iterator[str]:
        """The node's matching index terms, in the engine's lexicon order."""
        ...

    def doc_frequency(self, field: str, term: str) -> int: ...


@dataclass(frozen=True)
class Context:
    vocabulary: Vocabulary
    max_expansion: int  # index terms kept per prefix, wildcard or fuzzy word


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
    """Replace prefix, wildcard and fuzzy words by their most frequent index terms.

    A prefix like ``a*`` stands for tens of thousands of terms; the most
    frequent ``max_expansion`` of them (from the first ``20 x`` that many
    the lexicon lists) bound the cost of the query.
    """
    limit = ctx.max_expansion

    def visit(node: Node) -> Node:
        if isinstance(node, Fuzzy) and node.prefixlength > len(node.text):
            # "0~/2": a kept prefix longer than the word.
            node = replace(node, prefixlength=len(node.text))
        if isinstance(node, Prefix | Wildcard | Fuzzy):
            found: list[tuple[int, str]] = []
            for text in ctx.vocabulary.matching_terms(node):
                found.append((ctx.vocabulary.doc_frequency(node.field, text), text))
                if len(found) >= limit * 20:
                    break
            found.sort(reverse=True)
            kept = tuple(Term(node.field, t, boost=node.boost) for _, t in found[:limit])
            if not kept:
                return Term(node.field, node.text, boost=node.boost)
            return Or(kept) if len(kept) > 1 else kept[0]
        return node.apply(visit)

    return visit(q)


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


def plan(q: Node) -> Plan:
    main, dates = split_dates(q)
    return Plan(shown=q, query=main, dates=dates, loose=relax(main), text_only=text_only(main))


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
    filters (date:, source:, title:) stay required: a user who narrowed to
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
    """A clause on date, source or title only, written as a field filter."""
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
