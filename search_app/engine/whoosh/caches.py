"""The scorer's two caches, both cache.BoundedCache underneath.

Decoded posting lists outlive searchers (segments never change once
written); word scores live with one searcher (its statistics fix them).
"""

from __future__ import annotations

from array import array
from typing import Any

from ...cache import BoundedCache

Scores = dict[int, float]
_Postings = tuple[Any, Any, Any]  # ids, weights, positions (None when not kept)


class WordScores:
    """Scores of single words (in a field, or text OR headline), for one searcher.

    A word's BM25 scores depend only on the searcher's segments and
    statistics, so while no commit lands, the next query with that word
    (a refinement, the next page) gets them without scoring a posting. Only
    long lists are kept (a rare word scores in microseconds). The service
    starts a new one with every new reader, so nothing outlives the commit
    that would change it.
    """

    MIN_DOCS = 256
    ENTRY_BYTES = 100  # a dict slot, its key int and its float, roughly

    def __init__(self, max_bytes: int) -> None:
        self.max_entries = max_bytes // self.ENTRY_BYTES
        self._cache: BoundedCache[Any, Scores] = BoundedCache(self.max_entries, cost=len)

    @property
    def entries(self) -> int:
        return self._cache.size

    def get(self, q: Any) -> Scores | None:
        return self._cache.get(q)

    def put(self, q: Any, scores: Scores) -> None:
        n = len(scores)
        if self.MIN_DOCS <= n <= self.max_entries // 4:
            self._cache.put(q, scores)


def _cost(entry: _Postings) -> int:
    n = len(entry[0])
    return 8 * n + (PostingsCache.VALUE_BYTES * n if entry[2] is not None else 0)


class PostingsCache:
    """Decoded posting lists of common words, kept between searches, least recently used out.

    Decoding is most of what a search for a common word costs: Whoosh stores
    each block of postings as a zlib-compressed pickle, about 1 µs a posting
    to read back. A decoded list is good for as long as its segment lives;
    lists are dropped with their segment and when the size bound is reached.
    Ids and weights are kept as compact arrays; positions (for phrases) only
    once a phrase has asked. Short lists are not kept: they decode quickly,
    and there are many.
    """

    MIN_POSTINGS = 64
    VALUE_BYTES = 64  # rough size of one posting's positions (Whoosh's bytes, or decoded)

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._cache: BoundedCache[tuple[str, tuple[str, bytes]], _Postings] = BoundedCache(
            max_bytes, cost=_cost
        )

    @property
    def size(self) -> int:
        return self._cache.size

    def entries(self) -> list[_Postings]:
        return self._cache.values()

    def get(self, segid: str, key: tuple[str, bytes], values: bool) -> _Postings | None:
        entry = self._cache.get((segid, key))
        if entry is None or (values and entry[2] is None):
            return None
        return entry

    def put(self, segid: str, key: tuple[str, bytes], postings: _Postings) -> None:
        ids, weights, values = postings
        if len(ids) < self.MIN_POSTINGS or self.max_bytes <= 0:
            return
        entry = (array("i", ids), array("f", weights), values)
        if _cost(entry) > self.max_bytes // 4:  # one word must not push out everything else
            entry = (entry[0], entry[1], None)
        self._cache.put((segid, key), entry)

    def keeps(self, postings: _Postings) -> bool:
        """Whether ``put`` would keep this list with its positions."""
        n = len(postings[0])
        return self.max_bytes > 0 and n >= self.MIN_POSTINGS and 72 * n <= self.max_bytes // 4

    def keep_only(self, live: set[str]) -> None:
        """Forget the lists of segments that merges have replaced."""
        self._cache.discard_if(lambda k: k[0] not in live)
