"""Read Whoosh's compound segments from the memory map without copying them.

Whoosh maps each compound segment file into memory and hands out each part
(postings, terms...) as a ``BufferFile`` over a memoryview of the map; but
``BufferFile`` then wraps the view in ``io.BytesIO``, which copies it. So
every open reader held a private copy of its postings and terms: about
100 MB of heap per searcher for 100,000 paragraphs, and 1.7 GB for a
million. The pages of a map are the page cache's, shared between processes
and reclaimable; the copies were not.

``NewsIndex`` (a FileIndex) opens its segments with ``MappedSegmentReader``,
whose compound storage hands out ``MappedFile``s: a buffered reader over the
view, so reading a block header copies a kilobyte, and random reads (``get``)
were never copied by Whoosh to begin with. The merge policies here read the
merged segments the same way. Nothing changes on disk, and stock Whoosh
classes stay as they are.

``merge_small`` and ``optimize`` follow Whoosh-Reloaded 2.7.5's
``writing.MERGE_SMALL`` and ``writing.OPTIMIZE`` (BSD licence), changed only
in the reader class they open.
"""

from __future__ import annotations

import io
from typing import Any

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage, StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.index import FileIndex
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.util import fib

_READ_AHEAD = 1024  # a posting block's header is a few dozen bytes


class _ViewReader(io.RawIOBase):
    """A seekable, read-only raw file over a buffer, that never copies the buffer whole."""

    def __init__(self, buf: Any) -> None:
        super().__init__()
        self._buf = memoryview(buf).cast("B") if not isinstance(buf, bytes) else buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        start = self._pos
        n = max(0, min(len(b), len(self._buf) - start))
        b[:n] = self._buf[start : start + n]
        self._pos = start + n
        return n

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence == io.SEEK_END:
            pos += len(self._buf)
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos


class MappedFile(BufferFile):
    """A BufferFile that reads its view in place instead of copying it into a BytesIO."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        # BufferFile.__init__ would build the BytesIO copy: set its fields here.
        self._buf = buf
        self._name = name
        self.file = io.BufferedReader(_ViewReader(buf), buffer_size=_READ_AHEAD)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


class MappedCompound(CompoundStorage):
    """A compound segment whose parts are MappedFiles when the file could be mapped."""

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.is_closed:
            raise StorageError("Storage was closed")
        if self._source is None:  # not mapped (no fileno, or too big): Whoosh's way
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


class _PerDocReader(W3PerDocReader):
    """W3PerDocReader that also remembers that a field has no column.

    Whoosh stats the column file again on every call for a field without a
    length column (ID fields), once per posting when a merge asks for field
    lengths. Segments never gain columns once written, so "none" is safe
    to remember: one stat per field.
    """

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        try:
            return self._readers[fieldname]
        except KeyError:
            reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            self._readers[fieldname] = reader
            return reader


class ReadingCodec(W3Codec):
    """Whoosh's W3 codec with the per-document reader above; reads what W3Codec wrote."""

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return _PerDocReader(storage, segment)


def _reading_codec(segment: Any) -> Any:
    codec = segment.codec()
    if type(codec) is W3Codec:
        return ReadingCodec(codec._blocklimit, codec._compression, codec._inlinelimit)
    return codec


class MappedSegmentReader(SegmentReader):
    """SegmentReader over a MappedCompound (same fields as SegmentReader.__init__ sets)."""

    def __init__(
        self, storage: Any, schema: Any, segment: Any, generation: int | None = None
    ) -> None:
        self.schema = schema
        self.is_closed = False
        self._segment = segment
        self._segid = segment.segment_id()
        self._gen = generation
        if segment.is_compound():
            # An overlay, as Whoosh does: a segment file may be added after the
            # segment was written.
            dbfile = storage.open_file(segment.make_filename(segment.COMPOUND_EXT))
            files = MappedCompound(dbfile, use_mmap=storage.supports_mmap)
            self._storage = OverlayStorage(files, storage)
        else:
            self._storage = storage
        self._codec = _reading_codec(segment)
        self._terms = self._codec.terms_reader(self._storage, segment)
        self._perdoc = self._codec.per_document_reader(self._storage, segment)


class NewsIndex(FileIndex):
    """A Whoosh FileIndex whose readers are MappedSegmentReaders."""

    @classmethod
    def _reader(
        cls, storage: Any, schema: Any, segments: list[Any], generation: int, reuse: Any = None
    ) -> Any:
        # FileIndex._reader with the reader class changed.
        if reuse:
            segments.extend(s for s in reuse.segments() if s not in segments)
        reusable: dict[Any, Any] = {}
        try:
            if not segments:
                return EmptyReader(schema)
            if reuse:
                readers = [r for r, _ in reuse.leaf_readers()]
                reusable = {r.segment(): r for r in readers if r.segment() is not None}

            def segreader(segment: Any) -> Any:
                if segment in reusable:
                    return reusable.pop(segment)
                return MappedSegmentReader(storage, schema, segment, generation=generation)

            if len(segments) == 1:
                return segreader(segments[0])
            return MultiReader([segreader(s) for s in segments], generation=generation)
        finally:
            for r in reusable.values():
                r.close()


def _merge(writer: Any, segments: list[Any]) -> None:
    for seg in segments:
        reader = MappedSegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's MERGE_SMALL policy (Fibonacci heuristic), reading from the map."""
    unchanged: list[Any] = []
    to_merge: list[Any] = []
    total_docs = 0
    found = False
    for i, seg in enumerate(sorted(segments, key=lambda s: s.doc_count_all())):
        count = seg.doc_count_all()
        if count > 0:
            total_docs += count
        if found:
            unchanged.append(seg)
        else:
            to_merge.append(seg)
            if i > 3 and total_docs < fib(i + 5):
                found = True
    if found and len(to_merge) > 1:
        _merge(writer, to_merge)
        return unchanged
    return segments


def optimize(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's OPTIMIZE policy (merge everything), reading from the map."""
    _merge(writer, segments)
    return []


def merge_segments(writer: Any, segments: list[Any]) -> None:
    """Add the segments' documents to ``writer`` (for custom merge policies)."""
    _merge(writer, segments)
