"""A tiny query tree and its compiler to Sphinx's MATCH() syntax.

Stand-in for the shared query tree (search_app/query/) until the engine
interface lands: the node kinds are the ones that tree has (terms, phrases,
AND/OR/NOT, field limits, prefixes, exact words), so porting is a rename.
Words arrive already split by our own tokenizer; the compiler escapes every
character Sphinx's query syntax gives a meaning to, so user text can never
become an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS = ("title", "text")
_NON_WORD = re.compile(r"\W")


class MatchError(ValueError):
    """The tree can't be expressed as a Sphinx query (e.g. nothing but NOT)."""


@dataclass(frozen=True)
class Term:
    word: str
    field: str | None = None  # None: title and text
    prefix: bool = False  # asyl*
    exact: bool = False  # the word as written, not its stem (exact:)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None
    exact: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | Phrase | And | Or | Not


def escape(word: str) -> str:
    """The word with every non-word character made a space.

    Backslash escapes are not enough in Sphinx 2.2: an escaped `*` or `=`
    still makes a prefix or an exact form. Spaces are what those characters
    are when text is indexed (the charset_table only has letters, digits and
    '_'), so "u.s" is searched as the words it was indexed as.
    """
    return " ".join(_NON_WORD.sub(" ", word).split())


def _words(word: str, exact: bool, prefix: bool = False) -> list[str]:
    parts = escape(word).split()
    if not parts:
        raise MatchError(f"no letters or digits in {word!r}")
    if exact:
        parts = ["=" + p for p in parts]
    if prefix:
        parts[-1] += "*"
    return parts


def _field(field: str | None, body: str) -> str:
    if field is None:
        return body
    if field not in FIELDS:
        raise MatchError(f"unknown field {field!r}; the index has {', '.join(FIELDS)}")
    # A field limit lasts to the end of its group: the parentheses end it.
    return f"(@{field} {body})"


def _positive(node: Node) -> bool:
    """True when the node can match something on its own (not a bare NOT)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(i) for i in node.items)
    if isinstance(node, Or):
        return all(_positive(i) for i in node.items)
    return True


def compile_match(node: Node) -> str:
    """The MATCH() text for a tree; raises MatchError when Sphinx can't run it."""
    if not _positive(node):
        raise MatchError("a query needs at least one word that is not excluded")
    return _compile(node)


def _compile(node: Node) -> str:
    if isinstance(node, Term):
        parts = _words(node.word, node.exact, node.prefix)
        # "u.s" is two indexed words: both required, kept together under a NOT.
        return _field(node.field, " ".join(parts) if len(parts) == 1 else f"({' '.join(parts)})")
    if isinstance(node, Phrase):
        if not node.words:
            raise MatchError("empty phrase")
        inner = " ".join(p for w in node.words for p in _words(w, node.exact))
        return _field(node.field, f'"{inner}"')
    if isinstance(node, Not):
        inner = _compile(node.item)
        simple = isinstance(node.item, Term | Phrase) and node.item.field is None
        return "-" + (inner if simple else f"({inner})")
    if isinstance(node, And):
        if not node.items:
            raise MatchError("empty AND")
        return _group(" ".join(_compile(i) for i in node.items), len(node.items))
    if isinstance(node, Or):
        if not node.items:
            raise MatchError("empty OR")
        if not all(_positive(i) for i in node.items):
            raise MatchError("OR with an excluded word can't be run; exclude it outside the OR")
        return _group(" | ".join(_compile(i) for i in node.items), len(node.items))
    raise MatchError(f"not a query node: {node!r}")


def _group(text: str, count: int) -> str:
    return text if count == 1 else f"({text})"
