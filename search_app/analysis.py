"""Text analysis shared by indexing, querying and highlighting, engine-neutral.

Indexing and highlighting must agree on what a "term" is, so both use the
functions here: ``index_term`` for one word, ``term_positions`` for a text.
The Whoosh analyzer built from the same parts lives with the engine
(``engine/whoosh/analyzers.py``); a test holds the two together.

NLTK supplies the algorithmic parts that need no downloaded data: the Snowball
stemmer and the Punkt sentence splitter (seeded with a shipped abbreviation
list, because an untrained Punkt splits after "Mr." and "Jan.").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

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


def word_count(text: str) -> int:
    """How many words the news analyzer reads in ``text``: a field's length for BM25."""
    return len(_TOKEN_RE.findall(text))


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


# Indexes made before the engine package existed pickled their analyzer as
# search_app.analysis.NltkTokenizer (and its filters); unpickling their schema
# looks the names up here, so they resolve to the engine's classes on demand
# (without importing Whoosh when nothing asks).
_PICKLED_NAMES = frozenset({"NltkTokenizer", "FoldFilter", "SnowballFilter"})


def __getattr__(name: str) -> Any:
    if name in _PICKLED_NAMES:
        from .engine.whoosh import analyzers

        return getattr(analyzers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
