"""What a pasted text's words weigh: their IDF, from the engine's document counts.

A long pasted text is searched for its rarest words only (pasted.py); the
counts come through the engine interface (EngineReader.doc_frequency and
doc_count), so the query package imports no engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..analysis import fold, stem
from .pasted import idf_weight
from .rewrite import STOP_STEMS


class DocCounts(Protocol):
    """What choosing a pasted text's words asks the engine: paragraph frequencies."""

    def doc_frequency(self, field: str, term: str) -> int: ...

    def doc_count(self) -> int: ...


def idf_weights(counts: DocCounts) -> Callable[[str], float]:
    """A query word's IDF over paragraphs (from the larger of its text and headline
    frequencies, as scoring blends them), for choosing a pasted text's words;
    stopwords weigh least."""
    n = counts.doc_count() or 1

    def weight(word: str) -> float:
        st = stem(fold(word))
        if st in STOP_STEMS:
            return -1.0
        df = max(counts.doc_frequency("text", st), counts.doc_frequency("title", st))
        return idf_weight(df, n)

    return weight
