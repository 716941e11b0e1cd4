"""A tiny query tree and its compiler to Sphinx's MATCH() syntax.

Stand-in for the shared query tree (search_app/query/) until the engine
interface lands: the node kinds are the ones that tree has (terms, phrases,
AND/OR/NOT, field limits, prefixes, exact words), so porting is a rename.
Words arrive already split by our own tokenizer; the compiler escapes every
character Sphinx's query syntax gives a meaning to, so user text can never
become an operator.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("title", "text")


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
    """Backslash every character but letters, digits and '_': none can act as syntax."""
    return "".join(ch if ch.isalnum() or ch == "_" else "\\" + ch for ch in word)


def _word(word: str, exact: bool, prefix: bool = False) -> str:
    if not word:
        raise MatchError("empty word")
    return ("=" if exact else "") + escape(word) + ("*" if prefix else "")


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
        return _field(node.field, _word(node.word, node.exact, node.prefix))
    if isinstance(node, Phrase):
        if not node.words:
            raise MatchError("empty phrase")
        inner = " ".join(_word(w, node.exact) for w in node.words)
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
