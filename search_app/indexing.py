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
import queue
import struct
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import formats, writing
from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer
from whoosh.codec import whoosh3
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query import Term
from whoosh.system import pack_uint
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length

from . import maintenance
from .analysis import fast_positions, news_analyzer, plain_analyzer
from .models import Article, IndexStats, Provenance, Removed, StoredArticle
from .postings_pool import MemoryPool, write_block

log = logging.getLogger(__name__)

# Bump when the schema or the analyzer changes in a way old indexes can't serve;
# opening an index of another version asks the user to run `reindex`.
SCHEMA_VERSION = 2

WHOOSH_DIR = "whoosh"
META_FILE = "meta.json"
STORE_FILE = "raw.sqlite"
LOCK_FILE = "write.lock"
PENDING_FILE = "commit.pending"

# A searcher opened while another process commits can lose a race with the
# merge that deletes segment files (FileNotFoundError). The next try reads the
# new table of contents and succeeds; five tries cover even a busy writer.
OPEN_RETRIES = 5


def _cached_reader(self, fieldname, column):  # type: ignore[no-untyped-def]
    """W3PerDocReader._cached_reader that also remembers a missing column.

    The original stats the column file again on every call for a field that
    has no length column (ID fields), and commit calls it once per posting:
    half of all commit time went to os.stat. Segments never gain columns once
    written, so remembering "none" is safe. Same behaviour, one stat per field.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader


class _PreloadedLengths:
    """Field lengths for a segment flush, each length column read once into a list.

    Writing a segment's postings asks for the field length of every posting's
    document; Whoosh reads each from the column file through StructFile (a
    seek and a struct unpack each time), about a fifth of commit time. Same
    values, read in one pass per field.
    """

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._columns: dict[str, list[int | None] | None] = {}

    def column(self, fieldname: str) -> list[int | None] | None:
        """The field's length per docnum (None where the length is zero); None: no column."""
        try:
            return self._columns[fieldname]
        except KeyError:
            reader = self._pdr._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            column = None
            if reader is not None:
                column = [byte_to_length(b) if b else None for b in reader]
            self._columns[fieldname] = column
            return column

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        column = self.column(fieldname)
        if column is None:
            return default
        return column[docnum]


def _no_lengths(fieldname: str) -> None:
    return None


def _flush_segment(self):  # type: ignore[no-untyped-def]
    """SegmentWriter._flush_segment with preloaded field lengths and, for our
    in-memory pool, postings written a term at a time (same output)."""
    self.perdocwriter.close()
    pdr = self.per_document_reader() if self.codec.length_stats else None
    lengths = _PreloadedLengths(pdr) if isinstance(pdr, whoosh3.W3PerDocReader) else pdr
    pool = self.pool
    if (
        isinstance(pool, MemoryPool)
        and pool.spilled is None
        and type(self.fieldwriter) is whoosh3.W3FieldWriter
        and (lengths is None or isinstance(lengths, _PreloadedLengths))
    ):
        columns = lengths.column if lengths is not None else _no_lengths
        pool.write_to(self.fieldwriter, self.schema, columns)
    else:
        self.fieldwriter.add_postings(self.schema, lengths, pool.iter_postings())
    self.fieldwriter.close()
    if pdr:
        pdr.close()


writing.SegmentWriter._flush_segment = _flush_segment
_original_add_document = writing.SegmentWriter.add_document


def _add_document(self, **fields):  # type: ignore[no-untyped-def]
    """SegmentWriter.add_document handing each field's terms to the memory pool at once.

    The same steps in the same order as Whoosh's, less a tuple and a call per
    posting; other pools, and fields that want spelling words or term vectors,
    go the original way.
    """
    pool = self.pool
    schema = self.schema
    if not isinstance(pool, MemoryPool) or "_boost" in fields:
        return _original_add_document(self, **fields)
    fieldnames = sorted(name for name in fields if not name.startswith("_"))
    for name in fieldnames:
        field = schema[name] if name in schema else None
        if field is None or field.vector or field.separate_spelling():
            return _original_add_document(self, **fields)
    self._check_state()
    perdocwriter = self.perdocwriter
    docnum = self.docnum
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, 1.0)
                length = pool.add_field(
                    fieldname, docnum, field.index(value), boost, field.scorable
                )
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


writing.SegmentWriter.add_document = _add_document

# Segment writers keep postings per term in memory (postings_pool); False
# brings back Whoosh's sorting pool (the tests compare the two).
MEMORY_POOL = True
_WhooshPostingPool = writing.PostingPool


def _posting_pool(tempstore, segment, limitmb=128, **kwargs):  # type: ignore[no-untyped-def]
    def whoosh_pool() -> Any:
        return _WhooshPostingPool(tempstore, segment, limitmb=limitmb, **kwargs)

    return MemoryPool(spill_to=whoosh_pool) if MEMORY_POOL else whoosh_pool()


writing.PostingPool = _posting_pool
_whoosh_write_block = whoosh3.W3PostingsWriter._write_block
whoosh3.W3PostingsWriter._write_block = write_block


_original_word_values = formats.Positions.word_values


def _word_values(self, value, analyzer, **kwargs):  # type: ignore[no-untyped-def]
    """Positions.word_values through our analyzers' shortcut (analysis.fast_positions).

    Same (term, frequency, weight, encoded positions) as Whoosh's token chain,
    which took a fifth of all ingest time. Anything else (another analyzer,
    extra options, a list of words) goes the original way.
    """
    fast = fast_positions(analyzer) if isinstance(value, str) and set(kwargs) <= {"mode"} else None
    if fast is None:
        return _original_word_values(self, value, analyzer, **kwargs)
    key = (fast, self.field_boost, value)
    last = _last_values.get(id(self))  # this field's last value
    if last is not None and last[0] == key:  # paragraphs repeat their article's title, source
        return iter(last[1])
    boost = self.field_boost
    out = []
    for term, poslist in fast(value).items():
        n = len(poslist)
        if n == 1:
            pos = poslist[0]
            encoded = _ONE_POSITION[pos] if pos < len(_ONE_POSITION) else _encode([pos])
        else:
            deltas = [poslist[0]]
            deltas.extend([b - a for a, b in zip(poslist, poslist[1:], strict=False)])
            encoded = _encode(deltas)
        out.append((term, n, float(n) * boost, encoded))
    if len(_last_values) > 64:  # formats of schemas no longer in use
        _last_values.clear()
    _last_values[id(self)] = (key, out)  # one slot per field, replaced whole: thread-safe
    return iter(out)


def _encode(deltas: list[int]) -> bytes:
    """Positions.encode for position deltas."""
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


# Most words occur once in a paragraph: their encoded position, made once.
_ONE_POSITION = [_encode([pos]) for pos in range(1024)]
_last_values: dict[int, tuple[Any, list[Any]]] = {}


_original_existence_values = formats.Existence.word_values


def _existence_values(self, value, analyzer, **kwargs):  # type: ignore[no-untyped-def]
    """Existence.word_values for an ID field: the value is the one term, without a Token."""
    if type(analyzer) is IDTokenizer and isinstance(value, str) and set(kwargs) <= {"mode"}:
        return iter(((value, 1, self.field_boost, b""),))
    return _original_existence_values(self, value, analyzer, **kwargs)


formats.Existence.word_values = _existence_values
formats.Positions.word_values = _word_values


# ------------------------------------------------------------ fork safety
#
# The parallel ingest forks (a cleaning pool, and Whoosh's multiprocess writer
# while the write lock is held). A forked child shares the parent's open file
# descriptions, so a child that outlived a killed parent would keep both flocks
# held and every later writer would wait for it. Children therefore close their
# copies of the lock descriptors at once (the parent's copy still holds the
# lock), and children forked for an ingest also die with their parent.

_held_lock_fds: set[int] = set()  # our folder lock, while held
_held_whoosh_locks: list[Any] = []  # Whoosh's own write lock, while a writer is open
_die_with_parent = False


def _after_fork_in_child() -> None:
    global _die_with_parent
    for fd in list(_held_lock_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_lock_fds.clear()
    for lock in _held_whoosh_locks:
        fd = getattr(lock, "fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
            lock.fd = None
            lock.locked = False
    _held_whoosh_locks.clear()
    if _die_with_parent:
        _set_parent_death_signal()
        if os.getppid() != _forking_pid:  # the parent died before the signal was armed
            os._exit(1)


def _set_parent_death_signal() -> None:
    """Linux: SIGKILL this process when its parent dies (no-op elsewhere)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


_forking_pid = 0


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


@contextmanager
def children_die_with_parent() -> Iterator[None]:
    """Processes forked inside this block are killed if this process dies."""
    global _die_with_parent
    previous, _die_with_parent = _die_with_parent, True
    try:
        yield
    finally:
        _die_with_parent = previous


# Compound segments (one file each). A reader of a compound segment copies its
# parts into memory, so each server thread's searcher holds a private copy of
# the index (bench/http.py: 2.4 GB for 8 threads on Reuters); separate files
# would be shared through the page cache (8 threads: 116 MB), but Whoosh opens
# their column files lazily, after a concurrent merge may have deleted them,
# which the concurrent-commit tests caught. Until searches survive that, keep
# compound segments.
COMPOUND = True


# Segments under this many documents (leftovers of small ingests) are merged by
# bulk commits. Not more: folding a bulk ingest's first batches together took
# 14% of its CPU time in the parent, for 8 segments instead of 5 on Reuters.
SMALL_SEGMENT_DOCS = 5_000


def _merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy of bulk (multiprocess) commits: fold only small segments together.

    Whoosh's default policy merges in the parent process while the sub-writers
    wait; at a million paragraphs it merged ever-larger segments on one core
    and the ingest crawled. Big segments from bulk batches stay as they are
    (``search-app optimize`` merges them when there is time); leftovers of small
    ingests, and segments that are mostly deleted documents, are merged.
    """
    from whoosh.reading import SegmentReader

    small = [
        s
        for s in segments
        if s.doc_count_all() < SMALL_SEGMENT_DOCS or s.deleted_count() * 2 > s.doc_count_all()
    ]
    if len(small) < 2:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


class _SubWriter(SubWriterTask):
    """A Whoosh sub-writer process that reports a failure in one line, not a traceback.

    The parent notices the exit code and raises a clear error; a traceback from
    a child on the user's terminal would only hide that message.
    """

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            logging.getLogger(__name__).error("index sub-writer failed: %s", exc)
            sys.stderr.flush()
            os._exit(1)


class _SegmentsWriter(MpWriter):
    """Whoosh's multiprocess writer (multisegment), refusing to commit a partial batch.

    Whoosh's own commit waits one second per sub-writer result and silently
    drops a sub-writer that died, which would lose its documents while the raw
    store still records them. Here a missing result cancels the commit.
    """

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        # Whoosh's own put() blocks for good once a sub-writer has died (say, on a
        # full disk) and stopped taking jobs from the bounded queue.
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put((filename, len(self.docbuffer)), timeout=1.0)
                break
            except queue.Full:
                continue
        self.docbuffer = []

    def _check_tasks(self) -> None:
        dead = [t for t in self.tasks if t.exitcode not in (None, 0)]
        if dead:
            raise OSError(
                f"an index sub-writer failed (exit code {dead[0].exitcode}); the disk may be "
                "full or the index folder not writable"
            )

    def _commit(self, mergetype, optimize, merge):  # type: ignore[no-untyped-def]
        if self.docbuffer:
            self._enqueue()
        for _task in self.tasks:
            self.jobqueue.put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=1.0))
            except queue.Empty:
                self._check_tasks()
        for task in self.tasks:
            task.join()
            self._check_tasks()
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()


def _stop_subwriters(writer: MpWriter) -> None:
    for task in writer.tasks:
        if task.is_alive():
            task.terminate()
        task.join()


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


def _article_doc(stored: StoredArticle) -> dict[str, Any]:
    art = stored.article
    data = {
        "title": art.title,
        "summary": art.summary,
        "source": art.source,
        "url": art.url,
        "contributors": art.contributors,
        "author": art.author,
        "published": art.published.isoformat() if art.published else None,
        "removed": [asdict(r) for r in art.removed],
        "provenance": {
            **asdict(stored.provenance),
            "fetched_at": stored.provenance.fetched_at.isoformat(),
        },
        "paragraphs": len(art.paragraphs),
    }
    doc: dict[str, Any] = {
        "id": stored.id,
        "kind": "a",
        "article_id": stored.id,
        "key": stored.key,
        "content_hash": stored.provenance.content_hash,
        "source_key": _source_key(art),
        "data": json.dumps(data, ensure_ascii=False),
    }
    if art.published:
        doc["date"] = _naive_utc(art.published)
    return doc


def _source_key(article: Article) -> str:
    return (article.source or "unknown").strip() or "unknown"


def _naive_utc(dt: datetime) -> datetime:
    """Whoosh's DATETIME wants naive datetimes: store UTC."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def _paragraph_docs(stored: StoredArticle) -> Iterator[dict[str, Any]]:
    art = stored.article
    common: dict[str, Any] = {
        "kind": "p",
        "article_id": stored.id,
        "title": "" if title_is_derived(art) else art.title,
        "source": art.source or "",
        "source_key": _source_key(art),
    }
    if art.published:
        common["date"] = _naive_utc(art.published)
    for position, text in enumerate(art.paragraphs):
        doc = dict(common)
        doc["position"] = position
        doc["text"] = text
        if position < len(stored.fingerprints):
            doc["fingerprint"] = stored.fingerprints[position]
        yield doc


def title_is_derived(article: Article) -> bool:
    """True when the title is just the start of the first paragraph (no headline).

    Such a title is for display; indexing it would count the first sentence's
    words twice, and boosted.
    """
    if not article.paragraphs or not article.title:
        return False
    head = article.title.rstrip("…. ").strip()
    return bool(head) and article.paragraphs[0].startswith(head)


def article_from_stored_fields(fields: dict[str, Any], paragraphs: list[str]) -> StoredArticle:
    """Rebuild a StoredArticle from the article document and its paragraphs."""
    data = json.loads(fields["data"])
    prov = data["provenance"]
    published = datetime.fromisoformat(data["published"]) if data.get("published") else None
    article = Article(
        title=data["title"],
        paragraphs=tuple(paragraphs),
        summary=data.get("summary"),
        published=published,
        source=data.get("source"),
        url=data.get("url"),
        contributors=data.get("contributors"),
        removed=tuple(Removed(**r) for r in data.get("removed", [])),
        author=data.get("author"),
    )
    provenance = Provenance(
        location=prov["location"],
        fetched_at=datetime.fromisoformat(prov["fetched_at"]),
        content_type=prov.get("content_type"),
        content_hash=prov["content_hash"],
        cleaner_version=prov["cleaner_version"],
    )
    return StoredArticle(
        id=fields["article_id"], key=fields["key"], article=article, provenance=provenance
    )


class IndexWriter:
    """A batch of changes that becomes visible to searchers all at once, on commit."""

    def __init__(self, writer: writing.IndexWriter, replacing_all: bool = False) -> None:
        self._writer = writer
        self._replacing_all = replacing_all  # the commit drops every old segment anyway
        self.added = 0
        self.deleted = 0

    def put(self, stored: StoredArticle) -> None:
        """Add or replace an article and all of its paragraphs."""
        if not self._replacing_all:
            self._writer.delete_by_term("article_id", stored.id)
        self._writer.add_document(**_article_doc(stored))
        for doc in _paragraph_docs(stored):
            self._writer.add_document(**doc)
        self.added += 1

    def delete(self, article_id: str) -> None:
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
        _held_lock_fds.add(fd)
        yield
    finally:
        _held_lock_fds.discard(fd)
        os.close(fd)  # closing releases the flock


class ParagraphIndex:
    """An index folder: the Whoosh index plus its schema version."""

    def __init__(self, root: Path, ix: whoosh_index.Index) -> None:
        self.root = root
        self.ix = ix
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
            ix = _retry_open(lambda: whoosh_index.open_dir(str(root / WHOOSH_DIR)))
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
        ix = storage.create_index(make_schema())
        _write_meta(root)
        log.info("created index in %s", root)
        return cls(root, ix)

    @contextmanager
    def exclusive(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the folder's write lock (``write_lock``), and clear what failed commits left."""
        with write_lock(self.root, timeout):
            maintenance.clean_orphans(self.ix)
            yield

    @property
    def pending(self) -> bool:
        """True when a flush was cut off between the index and the store commits."""
        return (self.root / PENDING_FILE).exists()

    def set_pending(self, value: bool) -> None:
        path = self.root / PENDING_FILE
        if value:
            with open(path, "w") as fh:
                fh.flush()
                os.fsync(fh.fileno())
        else:
            path.unlink(missing_ok=True)

    @contextmanager
    def writer(
        self, timeout: float = 60.0, replace_all: bool = False, procs: int = 1
    ) -> Iterator[IndexWriter]:
        """The index's one writer; commits when the block ends without error.

        Waits up to ``timeout`` seconds for another writer (another process's
        ingest) to finish. With ``replace_all`` the commit swaps the whole
        index for what this batch added, atomically (used by reindex).

        ``procs`` > 1 forks that many Whoosh sub-writers, each writing its own
        segment (``multisegment``: on 2 cores the merged variant is no faster).
        Only for big batches from the ingest command, never inside a web
        request: forking a threaded server is unsafe.
        """
        if procs > 1:
            # The sub-writers fork lazily while documents are added: any of them
            # must die with this process rather than wait forever on its queue.
            with children_die_with_parent(), self._writer(timeout, replace_all, procs) as session:
                yield session
        else:
            with self._writer(timeout, replace_all, procs) as session:
                yield session

    @contextmanager
    def _writer(self, timeout: float, replace_all: bool, procs: int) -> Iterator[IndexWriter]:
        try:
            if procs > 1:
                w = _SegmentsWriter(
                    self.ix,
                    procs=procs,
                    multisegment=True,
                    batchsize=256,
                    timeout=timeout,
                    delay=0.25,
                    compound=COMPOUND,
                )
            else:
                w = self.ix.writer(timeout=timeout, delay=0.25, compound=COMPOUND)
        except whoosh_index.LockError:
            raise IndexBusy(
                f"another process is writing to the index in {self.root} and did not finish "
                f"within {timeout:g} s; try again when it is done"
            ) from None
        if w.writelock is not None:
            _held_whoosh_locks.append(w.writelock)
        session = IndexWriter(w, replacing_all=replace_all)
        try:
            try:
                yield session
            except BaseException:
                if isinstance(w, MpWriter):
                    _stop_subwriters(w)
                w.cancel()
                raise
            mergetype = writing.CLEAR if replace_all else None
            if mergetype is None and procs > 1:
                mergetype = _merge_small_segments
            try:
                w.commit(mergetype=mergetype)
            except BaseException:
                if isinstance(w, MpWriter):
                    _stop_subwriters(w)
                    if not w.is_closed:
                        w.cancel()
                raise
        finally:
            if w.writelock is not None and w.writelock in _held_whoosh_locks:
                _held_whoosh_locks.remove(w.writelock)
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
        self.ix.writer(compound=COMPOUND).commit(optimize=True)


def read_article(searcher: Any, article_id: str) -> StoredArticle | None:
    """An article with its paragraphs in order, from an open Whoosh searcher."""
    fields = searcher.document(article_id=article_id, kind="a")
    if not fields:
        return None
    docs = list(searcher.documents(article_id=article_id, kind="p"))
    docs.sort(key=lambda d: d["position"])
    stored = article_from_stored_fields(fields, [d["text"] for d in docs])
    return StoredArticle(
        id=stored.id,
        key=stored.key,
        article=stored.article,
        provenance=stored.provenance,
        fingerprints=tuple(d.get("fingerprint", "") for d in docs),
    )


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
