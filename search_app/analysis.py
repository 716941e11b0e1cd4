"""Text analysis shared by indexing, querying and highlighting.

Indexing and highlighting must agree on what a "term" is, so both call the one
analyzer defined here. Whoosh pickles the analyzer into the index schema: keep
this module path and the class names stable, or old indexes will not open
(a deliberate change bumps ``indexing.SCHEMA_VERSION`` and needs ``reindex``).

NLTK supplies the algorithmic parts that need no downloaded data: the Snowball
stemmer and the Punkt sentence splitter (seeded with a shipped abbreviation
list, because an untrained Punkt splits after "Mr." and "Jan.").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from nltk.tokenize.regexp import RegexpTokenizer
from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

# Words with inner periods ("U.S", "e.g") and apostrophes kept apart ("Win's" ->
# "win", "s"): the same shape Whoosh's default tokenizer uses, so query text
# and indexed text split the same way.
TOKEN_PATTERN = r"\w+(?:\.?\w+)*"

_stemmer = SnowballStemmer("english")


def _read_list(name: str) -> frozenset[str]:
    text = resources.files("search_app.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


STOPWORDS: frozenset[str] = _read_list("stopwords-en.txt")
ABBREVIATIONS: frozenset[str] = _read_list("abbreviations-en.txt")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of a folded word; cached because news reuses a small vocabulary.

    Snowball costs about 5 µs a word, a cache hit about 0.3 µs.
    """
    if "." in word:  # "u.s", "e.g": abbreviations are not inflected words
        return word
    return _stemmer.stem(word)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower case without accents, so "Café" and "cafe" meet."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class NltkTokenizer(Tokenizer):
    """Whoosh tokenizer over NLTK's RegexpTokenizer, with character offsets for highlighting."""

    def __init__(self, pattern: str = TOKEN_PATTERN) -> None:
        self.pattern = pattern
        self._tokenizer = RegexpTokenizer(pattern)

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
        for start, end in self._tokenizer.span_tokenize(value):
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


@lru_cache(maxsize=200_000)
def index_term(word: str) -> str:
    """The news analyzer's term for one word: one cache lookup instead of two."""
    return stem(fold(word))


def term_positions(text: str) -> dict[str, list[int]]:
    """Each term of ``text`` with its word positions, as the news analyzer makes them.

    Indexing needs only this, and Whoosh's analyzer chain spends most of its
    time building a Token and passing it through three generators for every
    word. Same terms, same positions; a test holds the two together.
    """
    out: dict[str, list[int]] = {}
    for pos, word in enumerate(_TOKEN_RE.findall(text)):
        term = index_term(word)
        poses = out.get(term)
        if poses is None:
            out[term] = [pos]
        else:
            poses.append(pos)
    return out


def plain_positions(text: str) -> dict[str, list[int]]:
    """``term_positions`` for the plain analyzer (folded, unstemmed)."""
    out: dict[str, list[int]] = {}
    for pos, word in enumerate(_TOKEN_RE.findall(text)):
        out.setdefault(fold(word), []).append(pos)
    return out


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


def analyze(text: str) -> list[str]:
    """The index terms of a text, as the news analyzer makes them."""
    return [index_term(w) for w in _TOKEN_RE.findall(text)]


def token_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, term) for each word of ``text``: what highlighting marks."""
    for m in _TOKEN_RE.finditer(text):
        yield m.start(), m.end(), index_term(m.group())


_TOKEN_RE = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (Punkt, with shipped abbreviations)."""
    return list(_sentence_tokenizer().span_tokenize(text))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[start:end] for start, end in sentence_spans(text)]
