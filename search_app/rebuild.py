"""Make the index agree with the raw store: after a cut-off flush (`reconcile`)
or wholesale (`reindex`, after a rule or schema change or damage).

The raw store is the record of truth here; the sources are never read.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from . import cleaning, vocabulary
from .engine.whoosh import maintenance
from .engine.whoosh.indexing import IndexCorrupt, ParagraphIndex, SchemaMismatch, write_lock
from .engines import is_whoosh, open_index
from .ingest_options import IngestOptions
from .ingest_report import Failure, IngestReport, Progress
from .store import RawStore
from .stored import clean_raw, with_id

log = logging.getLogger(__name__)


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
                writer.put_article(with_id(stored, aid))
    vocabulary.sync(index.root, store, lambda raw: clean_raw(raw, options.rules))
    index.set_pending(False)
    return len(extra) + len(stale)


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
                    writer.put_article(with_id(stored, entry.article_id))
                    rebuilt.add(with_id(stored, entry.article_id))
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
