"""The Whoosh index: schema, open/create, the one writer, and statistics.

This is the only module that writes to Whoosh. Each paragraph is a document
(so a hit points at the exact paragraph), and each article has one extra
document (``kind="a"``) that stores what belongs to the article as a whole:
title, summary, provenance, removed blocks. Both kinds of an article are
replaced in one commit, so a reader never sees a mix of old and new.

Layout of an index folder::

    index/
      whoosh/      Whoosh segment files
      raw.sqlite   the raw store (store.py)
      meta.json    schema version
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pickle
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term

from ...models import IndexStats, StoredArticle
from ..base import Engine, EngineWriter
from ..commit_flag import CommitFlag
from . import maintenance, mapped
from .analyzers import news_analyzer, plain_analyzer
from .caches import PostingsCache, WordScores
from .doctables import SegmentCache
from .documents import article_doc, paragraph_docs, read_article
from .weighting import news_weighting
from .writer import (
    NewsSegmentWriter,
    SegmentsWriter,
    children_die_with_parent,
    held_lock_fds,
    held_whoosh_locks,
    install_fork_hooks,
)

log = logging.getLogger(__name__)

# Bump when the schema or the analyzer changes in a way old indexes can't serve;
# opening an index of another version asks the user to run `reindex`.
SCHEMA_VERSION = 3

WHOOSH_DIR = "whoosh"
META_FILE = "meta.json"
STORE_FILE = "raw.sqlite"
LOCK_FILE = "write.lock"

# A searcher opened while another process commits can lose a race with the
# merge that deletes segment files (FileNotFoundError). The next try reads the
# new table of contents and succeeds; five tries cover even a busy writer.
OPEN_RETRIES = 5


# Compound segments (one file each): with separate files Whoosh opens the
# column files lazily, after a concurrent merge may have deleted them (the
# concurrent-commit tests caught it). A compound file is opened once, and
# mapped.py reads it in place, so readers share it through the page cache.
COMPOUND = True


# Segments under this many documents (leftovers of small ingests) are merged by
# bulk commits. Not more: the parent merges while the sub-writers wait, which
# cost more ingest time than the fewer segments saved searches
# (bench/RESULTS.md).
SMALL_SEGMENT_DOCS = 5_000


def _merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy of bulk (multiprocess) commits: fold only small segments together.

    Whoosh's default policy merges in the parent process while the sub-writers
    wait; at a million paragraphs it merged ever-larger segments on one core
    and the ingest crawled. Big segments from bulk batches stay as they are
    (``ParagraphIndex.optimize`` merges them); leftovers of small ingests, and
    segments that are mostly deleted documents, are merged.
    """
    small = [
        s
        for s in segments
        if s.doc_count_all() < SMALL_SEGMENT_DOCS or s.deleted_count() * 2 > s.doc_count_all()
    ]
    if len(small) < 2:
        return segments
    mapped.merge_segments(writer, small)
    return [s for s in segments if s not in small]


class IndexError_(Exception):
    """Base of the index errors a user can act on; the message says what to do."""


class IndexNotFound(IndexError_):
    pass


class SchemaMismatch(IndexError_):
    pass


class IndexBusy(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


def _unindexed(field: Any) -> Any:
    """The field kept as a stored value and a column, without index terms.

    Every paragraph's fingerprint was a term of its own, and every date eight
    range-tier terms: together a fifth of ingest time, for lookups the doc
    tables answer from the columns (fingerprint hashes, article dates).
    """
    field.indexed = False
    return field


def make_schema() -> Schema:
    """One schema for both document kinds; a field a kind doesn't use stays empty."""
    return Schema(
        id=_unindexed(ID(stored=True)),
        kind=ID(stored=True),
        article_id=ID(stored=True, sortable=True),
        position=STORED(),
        # No spelling=True: its extra word postings halve indexing speed; "did you
        # mean" and autocomplete read the stemmed lexicon instead (search.py).
        text=TEXT(analyzer=news_analyzer(), stored=True, phrase=True),
        title=TEXT(analyzer=news_analyzer(), phrase=True),
        source=TEXT(analyzer=plain_analyzer(), phrase=True),
        author=TEXT(analyzer=plain_analyzer(), phrase=True),
        source_key=ID(stored=True, sortable=True),
        date=_unindexed(DATETIME(stored=True, sortable=True)),
        fingerprint=_unindexed(ID(stored=True, sortable=True)),
        content_hash=STORED(),
        key=STORED(),
        data=STORED(),
    )


def paragraph_doc_id(article_id: str, position: int) -> str:
    return f"{article_id}/p{position}"


def _read_meta(root: Path) -> dict[str, Any]:
    try:
        return json.loads((root / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"{root / META_FILE} is unreadable ({exc}); run `search-app reindex`"
        ) from exc


def _write_meta(root: Path) -> None:
    tmp = root / (META_FILE + ".tmp")
    tmp.write_text(json.dumps({"schema_version": SCHEMA_VERSION}), encoding="utf-8")
    os.replace(tmp, root / META_FILE)


def _whoosh_exists(root: Path) -> bool:
    wdir = root / WHOOSH_DIR
    return wdir.is_dir() and _retry_open(lambda: whoosh_index.exists_in(str(wdir)))


class IndexWriter(EngineWriter):
    """A batch of changes that becomes visible to searchers all at once, on commit."""

    def __init__(self, writer: writing.IndexWriter, replacing_all: bool = False) -> None:
        self._writer = writer
        self._replacing_all = replacing_all  # the commit drops every old segment anyway
        self.added = 0
        self.deleted = 0

    def put_article(self, stored: StoredArticle) -> None:
        """Add or replace an article and all of its paragraphs."""
        if not self._replacing_all:
            self._writer.delete_by_term("article_id", stored.id)
        self._writer.add_document(**article_doc(stored))
        for doc in paragraph_docs(stored):
            self._writer.add_document(**doc)
        self.added += 1

    def delete_article(self, article_id: str) -> None:
        self._writer.delete_by_term("article_id", article_id)
        self.deleted += 1


@contextmanager
def write_lock(root: Path, timeout: float = 60.0) -> Iterator[None]:
    """Hold the folder's write lock: one writing process at a time.

    An OS lock (flock) rather than Whoosh's own, because a flush covers the
    index commit *and* the raw-store commit; the kernel drops it when a
    process dies, so a killed ingest never leaves a stale lock behind. A
    function of the folder alone, so ``reindex`` can hold it before it knows
    whether the index there opens.
    """
    path = root / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another process is writing to the index in {root} and did "
                        f"not finish within {timeout:g} s; try again when it is done"
                    ) from None
                time.sleep(0.1)
        install_fork_hooks()
        held_lock_fds.add(fd)
        yield
    finally:
        held_lock_fds.discard(fd)
        os.close(fd)  # closing releases the flock


class ParagraphIndex(CommitFlag, Engine):
    """An index folder: the Whoosh index plus its schema version."""

    def __init__(self, root: Path, ix: whoosh_index.Index) -> None:
        self.root = root
        self.ix = ix
        # Decoded segment tables and posting lists outlive a reader: segments
        # never change once written.
        self._segment_tables = SegmentCache()
        self._postings: PostingsCache | None = None
        self._parser: Any = None
        # FileIndex.schema re-reads the newest table of contents on every access,
        # which a concurrent commit may be deleting; the schema never changes
        # for the life of an index, so read it once.
        self.schema = _retry_open(lambda: ix.schema)

    def searcher(self, **kwargs: Any) -> Any:
        """A new Whoosh searcher, retried if it loses the race with a merge.

        A segment file that is still missing after the retries, or that can't
        be read, is damage: IndexCorrupt says to run reindex.
        """
        try:
            return _retry_open(lambda: self.ix.searcher(**kwargs))
        except (
            OSError,
            EOFError,
            ValueError,
            KeyError,
            pickle.UnpicklingError,
            struct.error,
        ) as exc:
            raise IndexCorrupt(
                f"the index in {self.root} is damaged ({exc.__class__.__name__}: {exc}); "
                f"run `search-app reindex --index {self.root}` to rebuild it from the raw store"
            ) from exc

    def reader(self, postings_cache_mb: int = 64) -> Any:
        """A reader over a new searcher (every commit so far), sharing this index's caches."""
        from .reader import WhooshReader
        from .syntax import make_parser

        if self._postings is None:
            self._postings = PostingsCache(postings_cache_mb * 2**20)
        if self._parser is None:
            self._parser = make_parser(self.schema)
        # Half the postings budget again for word scores (0 turns both off).
        budget = postings_cache_mb * 2**19
        return WhooshReader(
            self.searcher(weighting=news_weighting()),
            self._parser,
            self._segment_tables,
            self._postings,
            WordScores(budget) if budget > 0 else None,
        )

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @classmethod
    def open(cls, root: str | os.PathLike[str], create: bool = False) -> ParagraphIndex:
        """Open the index in ``root``; with ``create`` make it if it isn't there.

        Raises IndexNotFound, SchemaMismatch or IndexCorrupt with a message
        that says which command fixes it.
        """
        root = Path(root)
        if not _whoosh_exists(root):
            if not create:
                raise IndexNotFound(
                    f"no index in {root}; create one with `search-app ingest SOURCE --index {root}`"
                )
            return cls.create(root)
        version = _read_meta(root).get("schema_version")
        if version != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the index in {root} has schema version {version}, this version of "
                f"Article Search needs {SCHEMA_VERSION}: run `search-app reindex --index {root}`"
            )
        try:
            ix = _retry_open(lambda: mapped.NewsIndex(FileStorage(str(root / WHOOSH_DIR))))
        except (OSError, EOFError, ValueError, KeyError) as exc:
            raise IndexCorrupt(
                f"the index in {root} cannot be opened ({exc.__class__.__name__}: {exc}); "
                f"run `search-app reindex --index {root}` to rebuild it from the raw store"
            ) from exc
        return cls(root, ix)

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> ParagraphIndex:
        """Make a new, empty index in ``root`` (an existing one there is replaced)."""
        root = Path(root)
        (root / WHOOSH_DIR).mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(root / WHOOSH_DIR))
        ix = mapped.NewsIndex.create(storage, make_schema())
        _write_meta(root)
        log.info("created index in %s", root)
        return cls(root, ix)

    @contextmanager
    def exclusive(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the folder's write lock (``write_lock``), and clear what failed commits left."""
        with write_lock(self.root, timeout):
            maintenance.clean_orphans(self.ix)
            yield

    @contextmanager
    def writer(
        self,
        timeout: float = 60.0,
        replace_all: bool = False,
        procs: int = 1,
        whoosh_writing: bool = False,
    ) -> Iterator[IndexWriter]:
        """The index's one writer; commits when the block ends without error.

        Waits up to ``timeout`` seconds for another writer (another process's
        ingest) to finish. With ``replace_all`` the commit swaps the whole
        index for what this batch added, atomically (used by reindex).

        ``procs`` > 1 forks that many Whoosh sub-writers, each writing its own
        segment (``multisegment``: on 2 cores the merged variant is no faster).
        Only for big batches from the ingest command, never inside a web
        request: forking a threaded server is unsafe.

        ``whoosh_writing`` writes with Whoosh's own SegmentWriter and codec, as
        shipped: the baseline the equivalence tests compare ours against.
        """
        if procs > 1:
            # The sub-writers fork lazily while documents are added: any of them
            # must die with this process rather than wait forever on its queue.
            with children_die_with_parent(), self._writer(timeout, replace_all, procs) as session:
                yield session
        else:
            with self._writer(timeout, replace_all, procs, whoosh_writing) as session:
                yield session

    def _open_writer(self, timeout: float, procs: int, whoosh_writing: bool) -> Any:
        options: dict[str, Any] = {"timeout": timeout, "delay": 0.25, "compound": COMPOUND}
        try:
            if whoosh_writing:
                return writing.SegmentWriter(self.ix, **options)
            if procs > 1:
                return SegmentsWriter(self.ix, procs=procs, batchsize=256, **options)
            return NewsSegmentWriter(self.ix, **options)
        except whoosh_index.LockError:
            raise IndexBusy(
                f"another process is writing to the index in {self.root} and did not finish "
                f"within {timeout:g} s; try again when it is done"
            ) from None

    @contextmanager
    def _writer(
        self, timeout: float, replace_all: bool, procs: int, whoosh_writing: bool = False
    ) -> Iterator[IndexWriter]:
        w = self._open_writer(timeout, procs, whoosh_writing)
        install_fork_hooks()
        if w.writelock is not None:
            held_whoosh_locks.append(w.writelock)
        session = IndexWriter(w, replacing_all=replace_all)
        if replace_all:
            mergetype = writing.CLEAR
        elif whoosh_writing:
            mergetype = writing.MERGE_SMALL
        else:
            mergetype = _merge_small_segments if procs > 1 else mapped.merge_small
        try:
            try:
                yield session
            except BaseException:
                if isinstance(w, SegmentsWriter):
                    w.stop()
                w.cancel()
                raise
            try:
                w.commit(mergetype=mergetype)
            except BaseException:
                if isinstance(w, SegmentsWriter):
                    w.stop()
                    if not w.is_closed:
                        w.cancel()
                raise
        finally:
            if w.writelock is not None and w.writelock in held_whoosh_locks:
                held_whoosh_locks.remove(w.writelock)
        log.info("committed: %d articles put, %d deleted", session.added, session.deleted)

    def article_hashes(self) -> dict[str, str]:
        """article id -> content hash of every article in the index."""
        out: dict[str, str] = {}
        with self.searcher() as s:
            for fields in s.documents(kind="a"):
                out[fields["article_id"]] = fields.get("content_hash", "")
        return out

    def get_article(self, article_id: str) -> StoredArticle | None:
        with self.searcher() as s:
            return read_article(s, article_id)

    def stats(self) -> IndexStats:
        with self.searcher() as s:
            # doc_frequency counts deleted documents until segments merge, so
            # count live ones: replaced articles must not count twice.
            articles = sum(1 for _ in s.docs_for_query(Term("kind", "a")))
            paragraphs = s.doc_count() - articles
            sources = sum(
                1
                for term in s.lexicon("source_key")
                if next(iter(s.docs_for_query(Term("source_key", term))), None) is not None
            )
        size = maintenance.index_bytes(self.root, self.ix)  # no orphans; files may vanish
        return IndexStats(
            articles=articles,
            paragraphs=paragraphs,
            sources=sources,
            index_bytes=size,
            schema_version=SCHEMA_VERSION,
            last_commit=datetime.fromtimestamp(self.ix.last_modified(), UTC),
        )

    def generation(self) -> int:
        return self.ix.latest_generation()

    def optimize(self) -> None:
        """Merge all segments into one: faster searches after a large ingest."""
        NewsSegmentWriter(self.ix, compound=COMPOUND).commit(mergetype=mapped.optimize)


def _retry_open(opener):  # type: ignore[no-untyped-def]
    """Run ``opener`` again when it loses the race with a concurrent merge."""
    for attempt in range(OPEN_RETRIES):
        try:
            return opener()
        except FileNotFoundError:
            if attempt == OPEN_RETRIES - 1:
                raise
            log.debug("segment vanished while opening; retrying (%d)", attempt + 1)
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")
