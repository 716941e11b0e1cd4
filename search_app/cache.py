"""One bounded, thread-safe, least-recently-used cache for the search path's caches.

Result pages, decoded posting lists and word scores all keep what was used
last and drop the oldest past a bound; they differ only in what an entry
costs (one page, or the bytes a list takes), so the cost is a function.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Entries up to a total ``cost`` of ``bound`` (each costs 1 unless ``cost`` says)."""

    def __init__(self, bound: int, cost: Callable[[V], int] | None = None) -> None:
        self.bound = bound
        self.size = 0
        self._cost = cost or (lambda _v: 1)
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        cost = self._cost(value)
        if self.bound <= 0 or cost > self.bound:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.size -= self._cost(old)
            self._data[key] = value
            self.size += cost
            while self.size > self.bound and self._data:
                _, gone = self._data.popitem(last=False)
                self.size -= self._cost(gone)

    def values(self) -> list[V]:
        with self._lock:
            return list(self._data.values())

    def discard_if(self, doomed: Callable[[K], bool]) -> None:
        """Drop every entry whose key ``doomed`` says is no longer valid."""
        with self._lock:
            for key in [k for k in self._data if doomed(k)]:
                self.size -= self._cost(self._data.pop(key))
