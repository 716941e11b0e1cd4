"""Completions from the engine's stemmed lexicon, before an index has a vocabulary.

spelling.Speller (over vocabulary.sqlite) does corrections and completions
once the vocabulary exists; an older index gets its vocabulary on reindex and
until then completes from here. The index holds stems ("diplomaci"), so each
is shown as people write it: the folded word from a paragraph that holds it
(a "surface"), remembered per service.
"""

from __future__ import annotations

from .analysis import fold, token_spans
from .engine.base import EngineReader
from .query.prepare import WORD_RE

MAX_SURFACES = 50_000  # words remembered before the memory is cleared


class Surfaces:
    """Index term -> the word as written ("" when none was found), per service."""

    def __init__(self) -> None:
        self._words: dict[str, str] = {}

    def get(self, reader: EngineReader, term: str) -> str | None:
        cached = self._words.get(term)
        if cached is not None:
            return cached or None
        word = ""
        text = reader.sample_text("text", term) or ""
        for start, end, t in token_spans(text):
            if t == term:
                word = fold(text[start:end])
                break
        if len(self._words) > MAX_SURFACES:
            self._words.clear()
        self._words[term] = word
        return word or None


def completions(reader: EngineReader, surfaces: Surfaces, prefix: str, limit: int = 8) -> list[str]:
    """Index words that start with the last word of ``prefix``, most common first."""
    words = prefix.strip().split()
    if not words:
        return []
    last = fold(words[-1])
    if len(last) < 2 or not WORD_RE.fullmatch(last):
        return []
    head = " ".join(words[:-1])
    # The lexicon holds stems; a stem may end before the typed prefix does
    # ("happi" for "happy"), so expand one letter short and check surfaces.
    stem_prefix = last[:-1] if len(last) > 3 else last
    candidates: list[tuple[int, str]] = []
    for i, term in enumerate(reader.terms_from("text", stem_prefix)):
        if i >= 2000:
            break
        candidates.append((reader.doc_frequency("text", term), term))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    out: list[str] = []
    for _, term in candidates:
        word = surfaces.get(reader, term)
        if word and word.startswith(last) and word not in out:
            out.append(word)
        if len(out) >= limit:
            break
    return [(head + " " + w).strip() for w in out]
