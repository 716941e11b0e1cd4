"""Our query tree: what a query means, independent of any engine.

The query language is parsed once into these frozen dataclasses; the rewrite
passes (rewrite.py) turn one tree into another, and each engine compiles the
final tree into its own query objects. Fields are the schema's names:
``text`` (paragraph text), ``title``, ``source``, ``author``, ``date``. Terms hold index
terms (folded, stemmed), as the engine's analyzer made them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class Node:
    """Base of every query node."""

    def children(self) -> tuple[Node, ...]:
        return ()

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return self

    def apply(self, fn: Callable[[Node], Node]) -> Node:
        """This node with ``fn`` applied to each child (a leaf stays itself)."""
        kids = self.children()
        if not kids:
            return self
        return self.with_children(tuple(fn(k) for k in kids))

    def leaves(self) -> Iterator[Node]:
        kids = self.children()
        if not kids:
            yield self
            return
        for k in kids:
            yield from k.leaves()

    def terms(self) -> Iterator[tuple[str, str]]:
        """(field, term) of every word and phrase word in the tree."""
        for leaf in self.leaves():
            if isinstance(leaf, Term):
                yield leaf.field, leaf.text
            elif isinstance(leaf, Phrase):
                for w in leaf.words:
                    yield leaf.field, w

    def fields(self) -> set[str]:
        """The fields the tree's leaves search."""
        return {f for leaf in self.leaves() if (f := getattr(leaf, "field", None))}


@dataclass(frozen=True)
class Null(Node):
    """Matches nothing (what is left when every word was dropped)."""


@dataclass(frozen=True)
class Term(Node):
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix(Node):
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard(Node):
    field: str
    text: str  # with * and ?
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy(Node):
    field: str
    text: str
    boost: float = 1.0
    maxdist: int = 1
    prefixlength: int = 1


@dataclass(frozen=True)
class Phrase(Node):
    field: str
    words: tuple[str, ...]
    slop: int = 1  # each word at most this many positions after the one before
    boost: float = 1.0


@dataclass(frozen=True)
class DateRange(Node):
    """Dates from ``start`` to ``end`` (naive UTC; None is open)."""

    start: datetime | None
    end: datetime | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0
    field: str = "date"


@dataclass(frozen=True)
class TermRange(Node):
    """Index terms between two words (``title:[a TO c]``)."""

    field: str
    start: str | None
    end: str | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0


@dataclass(frozen=True)
class Every(Node):
    """Every document (``*:*``)."""

    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class And(Node):
    parts: tuple[Node, ...]
    boost: float = 1.0

    def children(self) -> tuple[Node, ...]:
        return self.parts

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return replace(self, parts=children)


@dataclass(frozen=True)
class Or(Node):
    parts: tuple[Node, ...]
    boost: float = 1.0

    def children(self) -> tuple[Node, ...]:
        return self.parts

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return replace(self, parts=children)


@dataclass(frozen=True)
class Not(Node):
    child: Node
    boost: float = 1.0

    def children(self) -> tuple[Node, ...]:
        return (self.child,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return replace(self, child=children[0])


@dataclass(frozen=True)
class _Pair(Node):
    a: Node
    b: Node

    def children(self) -> tuple[Node, ...]:
        return (self.a, self.b)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return replace(self, a=children[0], b=children[1])


@dataclass(frozen=True)
class AndNot(_Pair):
    """Documents ``a`` matches and ``b`` does not."""


@dataclass(frozen=True)
class AndMaybe(_Pair):
    """Documents ``a`` matches; ``b`` adds to the score where it matches too."""


@dataclass(frozen=True)
class Require(_Pair):
    """Documents both match, scored by ``a`` alone."""
