"""Our query tree (query/tree.py) as a Sphinx MATCH() expression plus attribute filters.

The tree arrives parsed and rewritten by the same code as on Whoosh: words
are index terms (folded, stemmed), prefixes and fuzzy words already expanded
from the vocabulary. Every leaf is limited to its field (`@text`, `@title`,
`@source_words`), so an unfielded word, which the parser made "text OR
title", means the same here. Date ranges are attributes, not words: required
ones become filters; one inside an OR can't be expressed and is refused with
a clear message.

What MATCH() can't say the same way (listed in the README): per-word boosts
(SphinxQL has none that 2.2 and Manticore share), so an expansion's weights
are dropped; `AndMaybe` uses MAYBE, whose bonus is the ranker's, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ...analysis import stem
from ...query.errors import QueryError
from ...query.tree import (
    And,
    AndMaybe,
    AndNot,
    DateRange,
    Every,
    Fuzzy,
    Node,
    Not,
    Null,
    Or,
    Phrase,
    Prefix,
    Require,
    Term,
    TermRange,
    Wildcard,
)
from .match import escape

# Our field names -> the index's full-text fields.
FIELD_NAMES = {"text": "text", "title": "title", "source": "source_words"}

DateLimit = tuple[datetime | None, datetime | None]


# Endings that turn a stem back into a word with that stem (see sphinx_word).
_ENDINGS = ("e", "es", "ed", "ing", "s", "al", "ion", "y", "ent", "ate", "er", "ity", "ive")


@lru_cache(maxsize=100_000)
def sphinx_word(term: str) -> str:
    """A word Sphinx stems to ``term``: the term itself, unless stemming it again changes it.

    Our tree holds stems, and searchd stems every query word once more.
    Snowball is not idempotent for about 3.5% of BBC News stems ("release"
    -> "releas" -> "relea"), so sending the stem would miss every document:
    send a word whose stem it is ("releas" + "e"). Measured on BBC News: one
    of these endings restores all 656 such stems.
    """
    if stem(term) == term:
        return term
    for ending in _ENDINGS:
        if stem(term + ending) == term:
            return term + ending
    return term


class Unsatisfiable(Exception):
    """The tree matches nothing (Null): the search answers empty without asking."""


@dataclass(frozen=True)
class Compiled:
    match: str  # "" when the query has no words (dates only, or every document)
    dates: tuple[DateLimit, ...] = ()  # every one must hold
    # Alternatives: for each group, one of its limits must hold ("date:2021 OR date:2011").
    date_any: tuple[tuple[DateLimit, ...], ...] = ()


def _date_alternatives(node: Node) -> tuple[DateLimit, ...] | None:
    """The limits of an OR made of date ranges only, else None."""
    if isinstance(node, Or) and node.parts and all(isinstance(p, DateRange) for p in node.parts):
        return tuple((p.start, p.end) for p in node.parts if isinstance(p, DateRange))
    return None


def compile_query(node: Node) -> Compiled:
    """MATCH() text and the date limits for a tree; QueryError for what Sphinx can't run."""
    dates: list[DateLimit] = []
    anys: list[tuple[DateLimit, ...]] = []
    if isinstance(node, DateRange):
        return Compiled("", ((node.start, node.end),))
    if (alternatives := _date_alternatives(node)) is not None:
        return Compiled("", (), (alternatives,))
    if isinstance(node, And):
        kept = []
        for part in node.parts:
            if isinstance(part, DateRange):
                dates.append((part.start, part.end))
            elif (alternatives := _date_alternatives(part)) is not None:
                anys.append(alternatives)
            else:
                kept.append(part)
        node = And(tuple(kept)) if len(kept) > 1 else kept[0] if kept else Every()
    if isinstance(node, Every):
        return Compiled("", tuple(dates), tuple(anys))
    if not _positive(node):
        raise QueryError("A query needs at least one word that is not excluded.")
    return Compiled(_compile(node), tuple(dates), tuple(anys))


def _positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(p) for p in node.parts)
    if isinstance(node, Or):
        return all(_positive(p) for p in node.parts)
    if isinstance(node, AndNot | AndMaybe | Require):
        return _positive(node.a)
    return True


def _field(name: str | None) -> str:
    field = FIELD_NAMES.get(name or "text")
    if field is None:
        raise QueryError(f"The field {name!r} can't be searched on the cluster engine.")
    return field


def _words(text: str) -> str:
    words = escape(text)
    if not words:
        raise Unsatisfiable(text)
    return words


def _leaf(field: str | None, body: str) -> str:
    return f"(@{_field(field)} {body})"


def _compile(node: Node) -> str:
    if isinstance(node, Term):
        if node.field == "source":  # `source:reuters` finds "reuters.com": a prefix
            return _leaf(node.field, _words(node.text) + "*")
        words = " ".join(sphinx_word(w) for w in _words(node.text).split())
        return _leaf(node.field, words if " " not in words else f'"{words}"')
    if isinstance(node, Prefix):
        return _leaf(node.field, _words(node.text) + "*")
    if isinstance(node, Wildcard):
        # Only the part before the first wildcard is a prefix Sphinx 2.2 expands.
        head = node.text.replace("?", "*").split("*", 1)[0]
        return _leaf(node.field, _words(head) + "*")
    if isinstance(node, Fuzzy):  # left unexpanded only when no speller: the word itself
        return _leaf(node.field, _words(node.text))
    if isinstance(node, TermRange):
        return _leaf(node.field, _words(node.start or node.end or ""))
    if isinstance(node, Phrase) and node.field == "exact":
        # exact: words as written (index_exact_words keeps them beside the stems).
        exact = " ".join("=" + w for w in (escape(x) for x in node.words) if w)
        return f'(@text "{exact}")' if exact else ""
    if isinstance(node, Phrase):
        words = " ".join(sphinx_word(x) for w in node.words for x in escape(w).split())
        if not words:
            raise Unsatisfiable("empty phrase")
        count = len(words.split())
        if node.slop <= 1 or count < 2:
            return _leaf(node.field, f'"{words}"')
        # Each word within `slop` of the one before: a window of that many words.
        return _leaf(node.field, f'"{words}"~{count + node.slop - 1}')
    if isinstance(node, Null):
        raise Unsatisfiable("null")
    if isinstance(node, DateRange):
        raise QueryError(
            "On the cluster engine a date: range can't be one of several alternatives; "
            "put it beside the words (date:2011 asylum), not inside OR."
        )
    if isinstance(node, Every):
        raise QueryError("'*:*' can only stand alone on the cluster engine.")
    if isinstance(node, Not):
        return f"-({_compile(node.child)})"
    if isinstance(node, And):
        return _and(node.parts)
    if isinstance(node, Require):
        return _and((node.a, node.b))
    if isinstance(node, AndNot):
        return f"({_compile(node.a)} -({_compile(node.b)}))"
    if isinstance(node, AndMaybe):
        try:
            bonus = _compile(node.b)
        except Unsatisfiable:
            return _compile(node.a)
        return f"({_compile(node.a)} MAYBE {bonus})"
    if isinstance(node, Or):
        parts = []
        for p in node.parts:
            try:
                parts.append(_compile(p))
            except Unsatisfiable:
                continue
        if not parts:
            raise Unsatisfiable("empty OR")
        if not all(_positive(p) for p in node.parts):
            raise QueryError("OR with an excluded word can't be run; exclude it outside the OR.")
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    raise QueryError(f"The query could not be understood: {node!r} is not supported.")


def _and(parts: tuple[Node, ...]) -> str:
    compiled = [_compile(p) for p in parts]
    return compiled[0] if len(compiled) == 1 else "(" + " ".join(compiled) + ")"
