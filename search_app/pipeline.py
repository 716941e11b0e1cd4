"""Source -> clean -> store -> index: the one path every ingest takes.

The CLI, the HTTP API and `reindex` all come through here, so an article is
identified, cleaned, stored and indexed the same way whichever door it came in.

Changes are written in batches. Each batch is one index commit followed by one
raw-store commit, under the folder's write lock; a marker file between the two
tells the next writer to reconcile the index with the store if a crash fell in
between. Searchers see a batch all at once or not at all.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from . import cleaning, vocabulary
from .clean_pool import CleaningPool, clean_or_fail
from .engine.whoosh.indexing import SchemaMismatch
from .engine.whoosh.writer import children_die_with_parent
from .engines import open_index
from .ingest_options import IngestOptions, options_from_settings
from .ingest_report import Failure, IngestReport, Progress
from .models import RawDocument, StoredArticle
from .rebuild import reconcile, reindex
from .sources import SourceFailure, read_sources
from .store import RawStore, StoreEntry
from .stored import clean_raw

log = logging.getLogger(__name__)

_UNCHANGED = object()  # Ingester.lookup: the store already has this very document
_MIN_PARALLEL_BATCH = 200  # articles: below this, forking Whoosh sub-writers costs more


class Ingester:
    """Batches cleaned articles and writes them; one per ingest run."""

    def __init__(self, root: str | Path, options: IngestOptions | None = None) -> None:
        self.options = options or IngestOptions()
        self.index = open_index(root, self.options.engine, create=True)
        self.store = RawStore(self.index.store_path)
        self.report = IngestReport()
        self._batch: dict[str, tuple[StoredArticle, RawDocument]] = {}
        self._deletes: set[str] = set()
        # Article id -> where this run first read it: a second record with the same
        # id is refused, so the first wins every time (last-wins made each re-ingest
        # swap the two and report an update).
        self._seen: dict[str, str] = {}
        self._last_flush = time.monotonic()
        self.batch_size = self.max_batch_size = self.options.batch_size
        self.batch_seconds = self.options.batch_seconds
        self.procs = 1  # Whoosh sub-writers for big batches (set by a parallel ingest)

    def close(self) -> None:
        self.store.close()

    def add(self, item: RawDocument | SourceFailure) -> None:
        """Take one source document (or a source's failure) into the current batch."""
        if isinstance(item, SourceFailure):
            self._fail(item.location, item.reason)
            return
        entry = self.lookup(item)
        if entry is _UNCHANGED:
            return
        self.accept(item, entry, clean_or_fail(item, self.options.rules))

    def lookup(self, raw: RawDocument) -> StoreEntry | None | object:
        """The store's entry for a document, or _UNCHANGED (counted) if cleaning can be skipped."""
        by_location = not raw.key and raw.meta.get("_identity") != "content"
        entry = self.store.find(key=raw.key, location=raw.location if by_location else None)
        if entry is not None and entry.same_as(raw, cleaning.CLEANER_VERSION):
            self._seen.setdefault(entry.article_id, raw.location)
            self.report.unchanged += 1
            return _UNCHANGED
        return entry

    def accept(
        self, raw: RawDocument, entry: StoreEntry | None | object, cleaned: StoredArticle | str
    ) -> None:
        """Batch a cleaned document (or record why it could not be cleaned)."""
        named = raw.key and raw.key != raw.url and "#" in raw.location  # a JSON Lines record
        if isinstance(cleaned, str):
            self._fail(raw.location, f"id {raw.key!r}: {cleaned}" if named else cleaned)
            return
        stored = cleaned
        first = self._seen.setdefault(stored.id, raw.location)
        if first != raw.location:
            if named:
                self._fail(
                    raw.location, f"id {raw.key!r} is used again; the record at {first} is kept"
                )
            else:
                log.warning("%s: the same article as %s, read first; skipped", raw.location, first)
            return
        if isinstance(entry, StoreEntry) and entry.article_id != stored.id:
            # Same source, new identity (it gained a canonical URL): drop the old one.
            self._deletes.add(entry.article_id)
        self._batch[stored.id] = (stored, raw)
        self._deletes.discard(stored.id)
        if (
            len(self._batch) >= self.batch_size
            or time.monotonic() - self._last_flush >= self.batch_seconds
        ):
            self.flush()

    def remove(self, article_id: str) -> None:
        self._batch.pop(article_id, None)
        self._deletes.add(article_id)

    def _fail(self, location: str, reason: str) -> None:
        if self.report.add_failure(Failure(location, reason)):
            log.warning("%s: %s", location, reason)

    def flush(self) -> None:
        """Write the batch: index commit, then store commit, under the write lock."""
        self._last_flush = time.monotonic()
        self.batch_size = min(self.batch_size * 2, self.max_batch_size)
        if not self._batch and not self._deletes:
            return
        batch, deletes = self._batch, self._deletes
        self._batch, self._deletes = {}, set()
        with self.index.exclusive(self.options.writer_timeout):
            if self.index.pending:
                reconcile(self.index, self.store, self.options)
            # Classify under the lock, so two concurrent ingests count honestly.
            puts: list[tuple[StoredArticle, RawDocument, bool]] = []
            for stored, raw in batch.values():
                entry = self.store.entry(stored.id)
                if entry is not None and entry.same_as(raw, cleaning.CLEANER_VERSION):
                    self.report.unchanged += 1
                    continue
                puts.append((stored, raw, entry is not None))
            deletes = {aid for aid in deletes if self.store.entry(aid) is not None}
            if not puts and not deletes:
                return
            self.index.set_pending(True)
            procs = self.procs if len(puts) >= _MIN_PARALLEL_BATCH else 1
            with self.index.writer(
                self.options.writer_timeout,
                procs=procs,
                whoosh_writing=self.options.whoosh_writing,
            ) as writer:
                for aid in deletes:
                    writer.delete_article(aid)
                for stored, _raw, _existed in puts:
                    writer.put_article(stored)
            with self.store.transaction():
                for aid in deletes:
                    self.store.delete(aid)
                for stored, raw, _existed in puts:
                    self.store.put(stored.id, stored.key, raw, cleaning.CLEANER_VERSION)
            vocabulary.record(self.index.root, [p[0] for p in puts], deletes)
            self.index.set_pending(False)
        for stored, _raw, existed in puts:
            if existed:
                self.report.updated += 1
            else:
                self.report.new += 1
            self.report.article_ids.append(stored.id)
        self.report.removed += len(deletes)

    def prune(self) -> None:
        """Forget articles whose source file is gone (URLs are never pruned)."""
        for entry in self.store.entries():
            location = entry.location
            if "://" in location:
                continue
            path = Path(location.split("#", 1)[0])
            if path.is_absolute() and not path.exists():
                log.info("pruning %s (%s is gone)", entry.article_id, path)
                self.remove(entry.article_id)


def ingest_documents(
    items: Iterable[RawDocument | SourceFailure],
    root: str | Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest already-read documents in this process (the HTTP API's uploads come this way)."""
    return _run(items, root, options or IngestOptions(), progress, parallel=False)


def ingest(
    specs: Iterable[str],
    root: str | Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read every source spec (file, folder, URL, feed, JSON Lines) and index it.

    A large ingest uses ``options.workers`` processes (see IngestOptions); a
    small one (under ``parallel_min_documents`` documents) stays in this one.
    This forks: call it from the command line or a script, not a web server.
    """
    options = options or IngestOptions()
    items = label_source(read_sources(specs, options.sources), options.source)
    return _run(items, root, options, progress, parallel=True)


def label_source(
    items: Iterable[RawDocument | SourceFailure], name: str | None
) -> Iterator[RawDocument | SourceFailure]:
    """Name the publisher of every document, as a JSON Lines ``source`` field would.

    The name goes into the raw document's meta, so the raw store keeps it and
    `reindex` rebuilds the same source.
    """
    name = (name or "").strip()
    for item in items:
        if name and isinstance(item, RawDocument):
            item = replace(item, meta={**item.meta, "source": name})
        yield item


def _run(
    items: Iterable[RawDocument | SourceFailure],
    root: str | Path,
    options: IngestOptions,
    progress: Progress | None,
    parallel: bool,
) -> IngestReport:
    started = time.monotonic()
    items = iter(items)
    head: list[RawDocument | SourceFailure] = []
    if parallel and options.workers > 1:
        # Look ahead: only a stream longer than the threshold is worth the processes.
        head = list(itertools.islice(items, options.parallel_min_documents))
        parallel = len(head) >= options.parallel_min_documents
    else:
        parallel = False
    pool = CleaningPool(options.workers, options.rules) if parallel else None
    ingester = Ingester(root, options)
    try:
        stream = itertools.chain(head, items)
        if pool is None:
            for seen, item in enumerate(stream, 1):
                ingester.add(item)
                if progress:
                    progress(seen, item.location)
        else:
            _run_parallel(ingester, pool, stream, progress)
        if ingester.options.prune:
            ingester.prune()
        ingester.flush()
    finally:
        ingester.close()
        if pool is not None:
            pool.close()
    ingester.report.seconds = time.monotonic() - started
    return ingester.report


def _run_parallel(
    ingester: Ingester,
    pool: CleaningPool,
    items: Iterable[RawDocument | SourceFailure],
    progress: Progress | None,
) -> None:
    """Clean in the pool, in order; write big batches with Whoosh sub-writers."""
    options = ingester.options
    # Start with small commits, so searches see the first articles soon, and
    # double up to parallel_batch_size: few, big segments for a bulk load.
    ingester.batch_size = min(max(options.batch_size, 2000), options.parallel_batch_size)
    ingester.max_batch_size = max(options.batch_size, options.parallel_batch_size)
    ingester.batch_seconds = max(options.batch_seconds, options.parallel_batch_seconds)
    ingester.procs = options.workers
    with children_die_with_parent():
        _feed_parallel(ingester, pool, items, progress)


def _feed_parallel(
    ingester: Ingester,
    pool: CleaningPool,
    items: Iterable[RawDocument | SourceFailure],
    progress: Progress | None,
) -> None:
    for seen, item in enumerate(items, 1):
        if isinstance(item, SourceFailure):
            ingester.add(item)
        else:
            entry = ingester.lookup(item)
            if entry is not _UNCHANGED:
                for raw, tag, cleaned in pool.put(item, entry):
                    ingester.accept(raw, tag, cleaned)  # type: ignore[arg-type]
        if progress:
            progress(seen, item.location)
    for raw, tag, cleaned in pool.drain():
        ingester.accept(raw, tag, cleaned)  # type: ignore[arg-type]


def remove_article(root: str | Path, article_id: str, options: IngestOptions | None = None) -> bool:
    """Remove one article from the index and the store; False when there is none."""
    ingester = Ingester(root, options)
    try:
        if ingester.store.entry(article_id) is None:
            return False
        ingester.remove(article_id)
        ingester.flush()
        return True
    finally:
        ingester.close()


__all__ = [
    "Failure",
    "IngestOptions",
    "IngestReport",
    "SchemaMismatch",
    "clean_raw",
    "ingest",
    "ingest_documents",
    "options_from_settings",
    "reconcile",
    "reindex",
    "remove_article",
]
