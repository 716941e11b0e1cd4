"""Our Whoosh segment writers: memory postings pool, analyzer shortcut, lean blocks.

Whoosh's SegmentWriter is subclassed (never changed in place) and handed to
the index explicitly by ``indexing.ParagraphIndex``; sub-writer processes of a
parallel ingest run the same subclass. What differs from Whoosh's own writing,
each for speed, with the same bytes on disk (tests/integration/
test_postings_pool.py compares segment contents term by term):

- postings are kept per term in memory (postings_pool.MemoryPool) instead of
  Whoosh's sort-and-spill pool, and written a block at a time;
- our analyzers' terms and positions come from ``analysis.term_positions``
  instead of the token chain (a fifth of ingest time);
- the field lengths a segment flush needs are read once per field;
- short posting blocks are left uncompressed (NewsCodec).
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from whoosh.analysis import IDTokenizer
from whoosh.codec import whoosh3
from whoosh.fields import FieldType
from whoosh.formats import Existence, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .analyzers import fast_positions
from .mapped import NewsIndex
from .postings_pool import MemoryPool, NewsPostingsWriter

log = logging.getLogger(__name__)


class NewsCodec(whoosh3.W3Codec):
    """Whoosh's W3 codec writing through NewsPostingsWriter.

    A segment is pickled into the table of contents with its codec, so new
    segments record Whoosh's own W3Codec: the files are W3 files, and the index
    opens with stock Whoosh whatever becomes of this module.
    """

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return NewsPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def new_segment(self, storage: Any, indexname: str) -> Any:
        stock = whoosh3.W3Codec(self._blocklimit, self._compression, self._inlinelimit)
        return whoosh3.W3Segment(stock, indexname)


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
            lenfield = whoosh3._lenfield(fieldname)
            column = None
            if self._pdr.has_column(lenfield):
                reader = self._pdr.column_reader(lenfield, whoosh3.LENGTHS_COLUMN)
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


class _MemoryPoolWriting(SegmentWriter):
    """The memory pool in place of Whoosh's PostingPool, and its one-pass flush."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", NewsCodec())
        super().__init__(ix, **kwargs)
        stock = self.pool  # Whoosh's pool: takes over past MemoryPool.MAX_POSTINGS
        self.pool = MemoryPool(spill_to=lambda: stock)

    def reader(self, reuse: Any = None) -> Any:
        """The index as of this writer (deletions look documents up here), read in place:
        Whoosh's own would copy every segment into memory (see mapped.py)."""
        self._check_state()
        return NewsIndex._reader(
            self.storage, self.schema, self.segments, self.generation, reuse=reuse
        )

    def _flush_segment(self) -> None:
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


class NewsSegmentWriter(_MemoryPoolWriting):
    """A SegmentWriter handing each field's terms to the memory pool at once."""

    def add_document(self, **fields: Any) -> None:
        """The same steps in the same order as Whoosh's, less a tuple and a call per
        posting; fields that want spelling words or term vectors, and boosted
        documents, go Whoosh's way."""
        schema = self.schema
        if "_boost" in fields:
            return super().add_document(**fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        for name in fieldnames:
            field = schema[name] if name in schema else None
            if field is None or field.vector or field.separate_spelling():
                return super().add_document(**fields)
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
                    length = self.pool.add_field(
                        fieldname, docnum, index_terms(field, value), boost, field.scorable
                    )
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(
                    fieldname, field, customval if field.stored else None, length
                )
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, column, field.to_column_value(customval)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        return None


def index_terms(field: Any, value: Any) -> Any:
    """``field.index(value)``: (term, frequency, weight, encoded value) per term.

    Through our analyzers' shortcut where it applies; the same items as
    Whoosh's token chain (tests/unit/test_analysis.py compares them).
    """
    fmt = field.format
    if isinstance(value, str) and type(field).index is FieldType.index:
        if type(fmt) is Positions:
            fast = fast_positions(field.analyzer)
            if fast is not None:
                return _position_values(fmt, fast, value)
        elif type(fmt) is Existence and type(field.analyzer) is IDTokenizer:
            # An ID field: the value is the one term, without a Token.
            return ((value.encode("utf-8"), 1, fmt.field_boost, b""),)
    return field.index(value)


def _position_values(fmt: Any, fast: Any, value: str) -> list[Any]:
    key = (fast, fmt.field_boost, value)
    last = _last_values.get(id(fmt))  # this field's last value
    if last is not None and last[0] == key:  # paragraphs repeat their article's title, source
        return last[1]
    boost = fmt.field_boost
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
        out.append((term.encode("utf-8"), n, float(n) * boost, encoded))
    if len(_last_values) > 64:  # formats of schemas no longer in use
        _last_values.clear()
    _last_values[id(fmt)] = (key, out)  # one slot per field, replaced whole: thread-safe
    return out


def _encode(deltas: list[int]) -> bytes:
    """Positions.encode for position deltas."""
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


# Most words occur once in a paragraph: their encoded position, made once.
_ONE_POSITION = [_encode([pos]) for pos in range(1024)]
_last_values: dict[int, tuple[Any, list[Any]]] = {}


# ------------------------------------------------------------ fork safety
#
# The parallel ingest forks (a cleaning pool, and the multiprocess writer
# while the write lock is held). A forked child shares the parent's open file
# descriptions, so a child that outlived a killed parent would keep both flocks
# held and every later writer would wait for it. Children therefore close their
# copies of the lock descriptors at once (the parent's copy still holds the
# lock), and children forked for an ingest also die with their parent.

held_lock_fds: set[int] = set()  # our folder lock, while held
held_whoosh_locks: list[Any] = []  # Whoosh's own write lock, while a writer is open
_die_with_parent = False
_forking_pid = 0


def _after_fork_in_child() -> None:
    for fd in list(held_lock_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    held_lock_fds.clear()
    for lock in held_whoosh_locks:
        fd = getattr(lock, "fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
            lock.fd = None
            lock.locked = False
    held_whoosh_locks.clear()
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


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


_fork_hooks = False


def install_fork_hooks() -> None:
    """Register the fork handlers once, when the first writer opens (not at import)."""
    global _fork_hooks
    if not _fork_hooks:
        os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        _fork_hooks = True


@contextmanager
def children_die_with_parent() -> Iterator[None]:
    """Processes forked inside this block are killed if this process dies."""
    global _die_with_parent
    install_fork_hooks()
    previous, _die_with_parent = _die_with_parent, True
    try:
        yield
    finally:
        _die_with_parent = previous


# ------------------------------------------------------------ parallel writing


class _SubWriter(SubWriterTask):
    """A sub-writer process: our segment writer, one segment per process.

    ``run`` follows Whoosh-Reloaded 2.7.5's SubWriterTask.run (BSD licence) in
    multisegment mode, changed to write with NewsSegmentWriter and to report a
    failure in one line, not a traceback: the parent notices the exit code and
    raises a clear error, which a child's traceback would only hide.
    """

    def run(self) -> None:
        try:
            ix = self.storage.open_index(self.indexname)
            # _lk=False: the parent holds the index lock.
            writer = self.writer = NewsSegmentWriter(ix, _lk=False, **self.kwargs)
            while self.running:
                jobinfo = self.jobqueue.get()
                if jobinfo is None:
                    break
                self._process_file(*jobinfo)
            if not self.running:
                writer.cancel()
                return
            fieldnames = writer.pool.fieldnames
            segment = writer._finalize_segment()
            self.resultqueue.put((None, fieldnames, segment), timeout=5)
        except Exception as exc:
            logging.getLogger(__name__).error("index sub-writer failed: %s", exc)
            sys.stderr.flush()
            os._exit(1)


class SegmentsWriter(_MemoryPoolWriting, MpWriter):
    """Whoosh's multiprocess writer (multisegment), refusing to commit a partial batch.

    Whoosh's own commit waits one second per sub-writer result and silently
    drops a sub-writer that died, which would lose its documents while the raw
    store still records them. Here a missing result cancels the commit.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, multisegment=True, **kwargs)

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

    def stop(self) -> None:
        """Terminate the sub-writers (after a failure, before cancelling)."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()
