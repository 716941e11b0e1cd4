"""BM25F over paragraphs: the weighting every search scores with.

Whoosh's BM25F divides its averages by every document, and the index holds
one record per article (kind "a") with no text besides the paragraphs, so
its statistics are taken over paragraphs only here. The block-at-a-time
scorer (scoring.py) asks ``bm25_parameters`` instead of building a scorer.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

from whoosh import scoring

IDF = "rsj"  # Robertson-Sparck Jones, always positive (bench/RESULTS.md: Whoosh's form no better)
SHARED_IDF_FIELDS = ("text", "title")  # one IDF per word over these fields (see bm25_parameters)
BM25_K1 = 1.2  # term-frequency saturation; the usual default
BM25_B = 0.75  # length normalisation; the usual default


# Statistics per searcher (fixed for its life): paragraph count, average field
# lengths, document frequencies. Weak keys: they go with their searcher.
_SEARCHER_STATS: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _stats(searcher: Any) -> dict[Any, Any]:
    try:
        return _SEARCHER_STATS[searcher]
    except KeyError:
        return _SEARCHER_STATS.setdefault(searcher, {})


def news_weighting() -> NewsBM25F:
    return NewsBM25F(B=BM25_B, K1=BM25_K1)


class NewsBM25F(scoring.BM25F):
    """BM25F whose statistics count paragraphs only.

    The index also holds one document per article (kind "a") with no text;
    Whoosh's averages divide by every document, so they halved the average
    paragraph length and skewed length normalisation. IDF is the BM25
    (Robertson-Sparck Jones) form, always positive, over paragraphs, and one
    per word for text and title.
    """

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return _ParagraphBM25Scorer(searcher, fieldname, text, B, self.K1, qf=qf)

    def bm25_parameters(
        self, searcher: Any, fieldname: str, text: Any, df: int | None = None
    ) -> tuple[float, float, float, float]:
        """(idf, average length, B, K1) for a term, as the scorer uses them.

        scoring.QueryScorer calls this instead of building a scorer: Whoosh's
        scorer setup looks the term up in every segment, which for a prefix
        expanded to 60 words cost more than scoring them. ``df`` may be
        given when the caller has counted the postings already.
        """
        parent = searcher.get_parent()
        stats = _stats(parent)
        n = stats.get("n")
        if n is None:
            n = stats["n"] = parent.doc_frequency("kind", "p") or 1
        if fieldname in SHARED_IDF_FIELDS:
            # One IDF per word across headline and text, from the larger document
            # frequency (as Lucene's blended cross-field queries do): a word is as
            # common as it is, wherever it stands. Per field, a word rare in
            # headlines but common in text ("cancer", "study") got a headline
            # IDF well above its text IDF, so headline matches of common words
            # outweighed text matches of the rare words (bench/RESULTS.md).
            df = max(
                df if df is not None and f == fieldname else _doc_frequency(parent, f, text)
                for f in SHARED_IDF_FIELDS
            )
        elif df is None:
            df = parent.doc_frequency(fieldname, text)
        if IDF == "rsj":
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        else:  # Whoosh's own form
            idf = math.log(n / (df + 1)) + 1.0
        avgfl = stats.get(fieldname)
        if avgfl is None:
            avgfl = stats[fieldname] = (parent.field_length(fieldname) / n) or 1
        return idf, avgfl, self._field_B.get(fieldname, self.B), self.K1


def _doc_frequency(searcher: Any, fieldname: str, text: Any) -> int:
    """A term's document frequency, kept with the searcher (a lookup in every segment)."""
    stats = _stats(searcher)
    key = ("df", fieldname, text)
    df = stats.get(key)
    if df is None:
        df = stats[key] = searcher.doc_frequency(fieldname, text)
    return int(df)


class _ParagraphBM25Scorer(scoring.BM25FScorer):
    def __init__(
        self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, qf: int = 1
    ) -> None:
        weighting = NewsBM25F(B=B, K1=K1)
        self.idf, self.avgfl, self.B, self.K1 = weighting.bm25_parameters(searcher, fieldname, text)
        self.qf = qf
        self.setup(searcher, fieldname, text)
