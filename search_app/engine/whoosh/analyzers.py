"""The Whoosh analyzers of the schema, built from analysis.py's parts.

Whoosh pickles the analyzer into the index schema: keep this module path and
the class names stable, or indexes will not open (a deliberate change bumps
``indexing.SCHEMA_VERSION`` and needs ``reindex``). Indexes written before this
package existed name ``search_app.analysis`` instead, which forwards here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from ...analysis import TOKEN_PATTERN, fold, plain_positions, stem, term_positions


class NltkTokenizer(Tokenizer):
    """Whoosh tokenizer over analysis.py's word pattern, with character offsets.

    The words are found with Python's ``re``, as analysis.py finds them for
    the index and the highlighter. NLTK's RegexpTokenizer (the name's origin,
    kept: schemas pickle it) compiles with the ``regex`` module, whose word class
    also takes combining marks: the query parser read the variation selector
    of "🗳️" (U+FE0F) as a word that no indexed paragraph holds.
    """

    def __init__(self, pattern: str = TOKEN_PATTERN) -> None:
        self.pattern = pattern
        self._regexp = re.compile(pattern)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NltkTokenizer) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __getstate__(self) -> dict[str, str]:
        return {"pattern": self.pattern}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.__init__(state["pattern"])  # type: ignore[misc]

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for m in self._regexp.finditer(value):
            start, end = m.span()
            t.text = value[start:end]
            t.boost = 1.0
            if keeporiginal:
                t.original = t.text
            t.stopped = False
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class FoldFilter(Filter):
    """Case and accent folding (one filter, cached, instead of two passes)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FoldFilter)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:  # type: ignore[override]
        for t in tokens:
            t.text = fold(t.text)
            yield t


class SnowballFilter(Filter):
    """NLTK's English Snowball stemmer as a Whoosh filter.

    ``is_morph`` tells Whoosh this filter changes words, so a field with
    ``spelling=True`` also keeps the unstemmed words for "did you mean".
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SnowballFilter)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:  # type: ignore[override]
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def news_analyzer():  # type: ignore[no-untyped-def]
    """The analyzer of the paragraph and title fields: tokenize, fold, stem.

    Stopwords stay in the index so phrase queries like "Secretary of State"
    match; the query side drops them from plain keyword queries instead.
    """
    return NltkTokenizer() | FoldFilter() | SnowballFilter()


def plain_analyzer():  # type: ignore[no-untyped-def]
    """Folded words, no stemming: source names and other labels."""
    return NltkTokenizer() | LowercaseFilter() | FoldFilter()


def fast_positions(analyzer: object) -> Callable[[str], dict[str, list[int]]] | None:
    """The shortcut that gives ``analyzer``'s terms and positions, if it is one of ours.

    The analyzer may come unpickled from an index's schema, so it is matched
    by its parts, not by identity.
    """
    items = getattr(analyzer, "items", None)
    if not items or len(items) != 3:
        return None
    tokenizer, first, second = items
    if type(tokenizer) is not NltkTokenizer or tokenizer.pattern != TOKEN_PATTERN:
        return None
    if type(first) is FoldFilter and type(second) is SnowballFilter:
        return term_positions
    if type(first) is LowercaseFilter and type(second) is FoldFilter:
        return plain_positions
    return None
