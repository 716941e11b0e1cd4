"""Source -> clean -> store -> index: the one path every ingest takes.

The CLI, the HTTP API and `reindex` all come through here, so an article is
identified, cleaned, stored and indexed the same way whichever door it came in.

Changes are written in batches. Each batch is one index commit followed by one
raw-store commit, under the folder's write lock; a marker file between the two
tells the next writer to reconcile the index with the store if a crash fell in
between. Searchers see a batch all at once or not at all.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import cleaning, vocabulary
from .config import Settings
from .engine.whoosh import maintenance
from .engine.whoosh.indexing import IndexCorrupt, ParagraphIndex, SchemaMismatch, write_lock
from .engine.whoosh.writer import children_die_with_parent
from .engines import is_whoosh, open_index
from .headline import drop_repeated_headline, first_line
from .models import Article, Provenance, RawDocument, StoredArticle
from .records import check_article
from .sources import SourceFailure, SourceOptions, read_sources
from .store import RawStore, StoreEntry

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class IngestOptions:
    """How an ingest runs; one object instead of a long keyword list."""

    prune: bool = False
    batch_size: int = 500  # articles per commit: bounds memory and the loss on a crash
    batch_seconds: float = 5.0  # commit at least this often, so searches see progress
    writer_timeout: float = 60.0
    rules: cleaning.Rules | None = None
    sources: SourceOptions = field(default_factory=SourceOptions)
    source: str | None = None  # `ingest --source NAME`: the publisher of every document read
    # Processes for a large ingest from sources (the ingest command): cleaning
    # runs in a pool of this many, and big batches are indexed by as many
    # Whoosh sub-writers. 1 = everything in this process. The HTTP API and
    # small ingests always stay in one process.
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    parallel_min_documents: int = 300  # fewer than this: not worth starting processes
    # Articles per commit in a parallel ingest: each commit adds one segment per
    # worker, and bulk segments are not merged as they come, so batches are big.
    parallel_batch_size: int = 20_000
    parallel_batch_seconds: float = 120.0
    # Write with Whoosh's own writer and codec as shipped (slower): the baseline
    # tests/integration/test_postings_pool.py compares our writer's segments with.
    whoosh_writing: bool = False
    engine: str = "whoosh"  # Settings.engine: where the paragraphs go (engines.py)


def options_from_settings(
    settings: Settings,
    rules_path: str | None = None,
    *,
    prune: bool = False,
    from_client: bool = False,
) -> IngestOptions:
    """The IngestOptions the service's settings call for; the CLI and the HTTP API share it.

    ``from_client``: the documents come over HTTP, so URLs may not reach this
    machine's network (SSRF guard), a request waits at most 30 s for another
    writer, batches commit within a second, and nothing forks in the server.
    """
    path = rules_path or settings.rules or None
    return IngestOptions(
        prune=prune,
        writer_timeout=min(settings.writer_timeout, 30.0)
        if from_client
        else settings.writer_timeout,
        batch_seconds=1.0 if from_client else IngestOptions.batch_seconds,
        workers=1 if from_client else settings.ingest_workers or os.cpu_count() or 1,
        rules=cleaning.load_rules(path) if path else None,
        engine=settings.engine,
        sources=SourceOptions(
            max_bytes=settings.max_upload_bytes,
            timeout=settings.fetch_timeout,
            allow_hosts=settings.allow_hosts,
            block_private=from_client,
        ),
    )


@dataclass(frozen=True)
class Failure:
    location: str
    reason: str


MAX_FAILURES_KEPT = 100


@dataclass
class IngestReport:
    """What an ingest did; the CLI prints it and the API returns it."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[Failure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failed_more: int = 0  # failures past MAX_FAILURES_KEPT: counted, not kept

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failed_more

    @property
    def failed_count(self) -> int:
        return len(self.failed) + self.failed_more

    def add_failure(self, failure: Failure) -> bool:
        """Keep the first MAX_FAILURES_KEPT failures, count the rest; True when kept.

        A file of two million bad lines must not become two million report
        entries (memory, and a terminal of output).
        """
        if len(self.failed) < MAX_FAILURES_KEPT:
            self.failed.append(failure)
            return True
        self.failed_more += 1
        return False

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"location": f.location, "reason": f.reason} for f in self.failed],
            "failed_more": self.failed_more,
            "article_ids": self.article_ids,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, str], None]  # (documents seen so far, current location)


def article_id_for(key: str, literal: bool = False) -> str:
    """A URL-safe id: the key itself when it is a short safe token (a JSON Lines id)."""
    if literal and _SAFE_ID.match(key):
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def identity_key(raw: RawDocument, article: Article) -> tuple[str, bool]:
    """(key, literal): the explicit key, else the canonical URL, else the source path."""
    if raw.key:
        return raw.key, True
    if article.url:
        return article.url, False
    if raw.url:
        return raw.url, False
    if raw.meta.get("_identity") == "content":  # an upload: its name is only a label
        return f"sha256:{raw.sha256}", False
    return raw.location, False


def _parse_date(value: object) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _source_name(raw: RawDocument, article: Article) -> str | None:
    if isinstance(raw.meta.get("source"), str) and raw.meta["source"].strip():
        return raw.meta["source"].strip()
    if article.source:
        return article.source
    url = article.url or raw.url
    if url:
        return cleaning.url_host(url).removeprefix("www.") or None
    if "#" in raw.location:  # a JSON Lines record: the collection's file name
        stem = Path(raw.location.split("#", 1)[0]).name
        return re.sub(r"\.jsonl(\.gz)?$|\.json-lines$", "", stem) or None
    return None


def apply_meta(raw: RawDocument, article: Article) -> Article:
    """Fields a structured source states outright win over what cleaning guessed."""
    from dataclasses import replace

    meta = raw.meta
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    published = _parse_date(meta.get("date")) or article.published
    url = meta.get("url") if isinstance(meta.get("url"), str) else None
    author = meta.get("author") if isinstance(meta.get("author"), str) else None
    return replace(
        article,
        title=(title or "").strip() or article.title,
        published=published,
        url=url or article.url or raw.url,
        source=_source_name(raw, article),
        author=(author or "").strip() or article.author,
    )


def clean_raw(raw: RawDocument, rules: cleaning.Rules | None = None) -> StoredArticle:
    """Clean a raw document into what the index stores. Raises CleaningError."""
    article = cleaning.clean(
        raw.content,
        url=raw.url,
        content_type=raw.content_type,
        charset=raw.charset,
        rules=rules,
    )
    article = apply_meta(raw, article)
    if raw.meta.get("title") and raw.content_type == "text/plain":
        # A stated headline repeated as the text's first line is the headline.
        article = drop_repeated_headline(article, first_line(raw.content))
    check_article(article)  # a value the index can't hold fails this article alone
    if not article.paragraphs:
        raise cleaning.CleaningError("no article text found")
    key, literal = identity_key(raw, article)
    provenance = Provenance(
        location=raw.location,
        fetched_at=raw.fetched_at,
        content_type=raw.content_type,
        content_hash=raw.sha256,
        cleaner_version=cleaning.CLEANER_VERSION,
    )
    return StoredArticle(
        id=article_id_for(key, literal),
        key=key,
        article=article,
        provenance=provenance,
        fingerprints=tuple(cleaning.fingerprint(p) for p in article.paragraphs),
    )


_UNCHANGED = object()  # Ingester.lookup: the store already has this very document
_MIN_PARALLEL_BATCH = 200  # articles: below this, forking Whoosh sub-writers costs more


def _clean_or_fail(raw: RawDocument, rules: cleaning.Rules | None) -> StoredArticle | str:
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
    return [_clean_or_fail(raw, _worker_rules) for raw in raws]


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


class Ingester:
    """Batches cleaned articles and writes them; one per ingest run."""

    def __init__(self, root: str | Path, options: IngestOptions | None = None) -> None:
        self.options = options or IngestOptions()
        self.index = open_index(root, self.options.engine, create=True)
        self.store = RawStore(self.index.store_path)
        self.report = IngestReport()
        self._batch: dict[str, tuple[StoredArticle, RawDocument]] = {}
        self._deletes: set[str] = set()
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
        self.accept(item, entry, _clean_or_fail(item, self.options.rules))

    def lookup(self, raw: RawDocument) -> StoreEntry | None | object:
        """The store's entry for a document, or _UNCHANGED (counted) if cleaning can be skipped."""
        by_location = not raw.key and raw.meta.get("_identity") != "content"
        entry = self.store.find(key=raw.key, location=raw.location if by_location else None)
        if entry is not None and entry.same_as(raw, cleaning.CLEANER_VERSION):
            self.report.unchanged += 1
            return _UNCHANGED
        return entry

    def accept(
        self, raw: RawDocument, entry: StoreEntry | None | object, cleaned: StoredArticle | str
    ) -> None:
        """Batch a cleaned document (or record why it could not be cleaned)."""
        if isinstance(cleaned, str):
            named = raw.key and raw.key != raw.url and "#" in raw.location  # a JSON Lines record
            self._fail(raw.location, f"id {raw.key!r}: {cleaned}" if named else cleaned)
            return
        stored = cleaned
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


def reconcile(index: ParagraphIndex, store: RawStore, options: IngestOptions) -> int:
    """Make the index agree with the raw store after an interrupted flush.

    The store is the record of truth: articles the index has and the store
    lacks are dropped, articles whose content differs are indexed again from
    the stored bytes. Call with the write lock held. Returns the fixes made.
    """
    in_index = index.article_hashes()
    entries = {e.article_id: e for e in store.entries()}
    extra = [aid for aid in in_index if aid not in entries]
    stale = [aid for aid, e in entries.items() if in_index.get(aid) != e.sha256]
    if extra or stale:
        log.warning("reconciling index with raw store: %d extra, %d stale", len(extra), len(stale))
        with index.writer(options.writer_timeout) as writer:
            for aid in extra:
                writer.delete_article(aid)
            for aid in stale:
                raw = store.get(aid)
                if raw is None:
                    continue
                try:
                    stored = clean_raw(raw, options.rules)
                except Exception as exc:
                    log.warning("cannot re-clean %s: %s", aid, exc)
                    writer.delete_article(aid)
                    continue
                writer.put_article(_with_id(stored, aid))
    vocabulary.sync(index.root, store, lambda raw: clean_raw(raw, options.rules))
    index.set_pending(False)
    return len(extra) + len(stale)


def _with_id(stored: StoredArticle, article_id: str) -> StoredArticle:
    from dataclasses import replace

    return replace(stored, id=article_id)


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
    from dataclasses import replace

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


def _open_for_rebuild(root: Path) -> tuple[ParagraphIndex, bool]:
    """(index, replace_all): the index as it is, or a fresh one when it is really damaged.

    Call with the write lock held. Only a schema mismatch or a segment that
    can't be read starts the index over; a healthy one is replaced in one
    commit at the end, searches answering from it until then.
    """
    try:
        index = ParagraphIndex.open(root, create=True)
    except (SchemaMismatch, IndexCorrupt, *maintenance.READ_ERRORS) as exc:
        reason: str | None = str(exc)
    else:
        reason = maintenance.damage(index)
        if reason is None:
            maintenance.clean_orphans(index.ix)
            return index, True
    log.warning("rebuilding index from scratch: %s", reason)
    return ParagraphIndex.create(root), False


def reindex(
    root: str | Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Rebuild the whole index from the raw store, without touching the sources.

    Used after a cleaning-rule or analyzer change, a schema upgrade, or index
    damage. When the old index still opens, searches keep answering from it
    until the new one replaces it in a single commit.
    """
    options = options or IngestOptions()
    started = time.monotonic()
    root = Path(root)
    report = IngestReport()
    root.mkdir(parents=True, exist_ok=True)
    # The lock first: only its holder may decide the index is damaged and start
    # it over, so readers never see an empty index while another writer works.
    with write_lock(root, options.writer_timeout):
        index, replace_all = (
            _open_for_rebuild(root)
            if is_whoosh(options.engine)
            else (open_index(root, options.engine, create=True), True)
        )
        store = RawStore(index.store_path)
        rebuilt = vocabulary.Rebuild(index.root)  # committed with the index
        try:
            with index.writer(options.writer_timeout, replace_all=replace_all) as writer:
                for seen, entry in enumerate(store.entries(), 1):
                    raw = store.get(entry.article_id)
                    if raw is None:
                        continue
                    try:
                        stored = clean_raw(raw, options.rules)
                    except Exception as exc:
                        report.add_failure(Failure(entry.location, str(exc)))
                        continue
                    writer.put_article(_with_id(stored, entry.article_id))
                    rebuilt.add(_with_id(stored, entry.article_id))
                    report.updated += 1
                    report.article_ids.append(entry.article_id)
                    if progress:
                        progress(seen, entry.location)
            with store.transaction():
                for aid in report.article_ids:
                    raw = store.get(aid)
                    if raw is not None:
                        entry = store.entry(aid)
                        store.put(aid, entry.key if entry else aid, raw, cleaning.CLEANER_VERSION)
            rebuilt.commit()
            index.set_pending(False)
        finally:
            store.close()
    report.seconds = time.monotonic() - started
    return report


__all__ = [
    "Failure",
    "IngestOptions",
    "IngestReport",
    "SchemaMismatch",
    "ingest",
    "ingest_documents",
    "reindex",
    "remove_article",
]
