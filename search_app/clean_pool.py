"""Cleaning in worker processes for a large ingest, in order, surviving a crash."""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from . import cleaning
from .engine.whoosh.writer import children_die_with_parent
from .models import RawDocument, StoredArticle
from .stored import clean_raw

log = logging.getLogger(__name__)


def clean_or_fail(raw: RawDocument, rules: cleaning.Rules | None) -> StoredArticle | str:
    """The cleaned article, or the reason it failed: one bad document never stops a batch."""
    try:
        return clean_raw(raw, rules)
    except cleaning.CleaningError as exc:
        return str(exc)
    except Exception as exc:
        log.exception("cleaning %s failed", raw.location)
        return f"could not be cleaned ({exc.__class__.__name__}: {exc})"


_worker_rules: cleaning.Rules | None = None


def _init_clean_worker(rules: cleaning.Rules | None) -> None:
    global _worker_rules
    _worker_rules = rules


def _clean_chunk(raws: list[RawDocument]) -> list[StoredArticle | str]:
    """Run in a pool process: clean_raw is pure, so documents clean independently."""
    return [clean_or_fail(raw, _worker_rules) for raw in raws]


class CleaningPool:
    """Cleans documents in worker processes, in order, with bounded work in flight.

    Fork, so workers start instantly with the rules and caches already loaded;
    created before any lock is taken, so no worker inherits one. A worker that
    dies (a crash in a parser) breaks the pool: the pool is restarted and that
    chunk cleaned again one document at a time, so only the culprit fails.
    """

    CHUNK = 32  # documents per task: amortises pickling and queue round trips

    def __init__(self, workers: int, rules: cleaning.Rules | None) -> None:
        self.workers = workers
        self.rules = rules
        self._pool = self._start()
        self._inflight: deque[tuple[list[tuple[RawDocument, object]], Future]] = deque()
        self._chunk: list[tuple[RawDocument, object]] = []

    def _start(self) -> ProcessPoolExecutor:
        with children_die_with_parent():
            pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_clean_worker,
                initargs=(self.rules,),
            )
            # Start every worker now (fork starts them all on the first submit).
            pool.submit(_clean_chunk, []).result()
        return pool

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def put(self, raw: RawDocument, tag: object) -> Iterator[tuple[RawDocument, object, object]]:
        """Queue a document; yields (raw, tag, cleaned) of finished ones, in order."""
        self._chunk.append((raw, tag))
        if len(self._chunk) >= self.CHUNK:
            self._submit()
        while len(self._inflight) > 3 * self.workers:
            yield from self._collect()

    def drain(self) -> Iterator[tuple[RawDocument, object, object]]:
        if self._chunk:
            self._submit()
        while self._inflight:
            yield from self._collect()

    def _submit(self) -> None:
        chunk, self._chunk = self._chunk, []
        self._inflight.append((chunk, self._send(chunk)))

    def _send(self, chunk: list[tuple[RawDocument, object]]) -> Future:
        try:
            return self._pool.submit(_clean_chunk, [r for r, _ in chunk])
        except BrokenProcessPool as exc:  # broken by an earlier chunk: collected in turn
            future: Future = Future()
            future.set_exception(exc)
            return future

    def _collect(self) -> Iterator[tuple[RawDocument, object, object]]:
        chunk, future = self._inflight.popleft()
        try:
            results = future.result()
        except BrokenProcessPool:
            # Some document in flight killed a worker. Find it with nothing else
            # running, then send again the work the broken pool lost.
            self._restart()
            results = self._one_by_one(chunk)
            self._inflight = deque(
                (c, f if _succeeded(f) else self._send(c)) for c, f in self._inflight
            )
        for (raw, tag), cleaned in zip(chunk, results, strict=True):
            yield raw, tag, cleaned

    def _restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def _one_by_one(self, chunk: list[tuple[RawDocument, object]]) -> list[StoredArticle | str]:
        out: list[StoredArticle | str] = []
        for raw, _ in chunk:
            try:
                out.extend(self._pool.submit(_clean_chunk, [raw]).result())
            except BrokenProcessPool:
                log.error("cleaning %s crashed its worker process", raw.location)
                out.append("could not be cleaned (the cleaning process crashed)")
                self._restart()
        return out


def _succeeded(future: Future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
