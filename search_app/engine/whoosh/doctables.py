"""Per-document tables of a searcher: which article a paragraph belongs to, and its
article's source and date.

Grouping hits into articles and counting facets touch every matching
paragraph. Whoosh's column readers cost about 1 µs a lookup through a bisect
over segments; these tables are plain arrays indexed by document number, so
a lookup is one array read. Segments never change once written (only their
deletion lists do, and deleted documents never match), so each segment's
table is built once, when a searcher first sees the segment, and reused by
every later searcher while the segment lives.
"""

from __future__ import annotations

import bisect
import sys
import threading
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.columns import NumericColumn, TranslatingColumnReader, VarBytesColumn
from whoosh.util.times import long_to_datetime

NO_ARTICLE = -1  # an article record, not a paragraph


@dataclass(frozen=True)
class SegmentTable:
    """One segment's documents: local article number per document, and the articles."""

    doc_article: array  # local article number per docnum; NO_ARTICLE for article records
    ids: tuple[str, ...]
    sources: tuple[str, ...]
    dates: array  # the date column's raw long ("q"); 0 when undated
    months: array  # year * 100 + month of each article's date; 0 when undated
    member_docs: array  # every paragraph's local docnum, grouped by article, in order
    member_starts: array  # where each article's run starts in member_docs (and one past the end)
    records: array  # each article's record (kind "a") docnum; -1 when the segment has none
    fp_hashes: array  # hash() of every paragraph fingerprint, sorted: a quick "is it here?"
    fp_docs: array  # the docnum of each of those hashes, in the same order
    lengths: dict[str, bytes]  # field -> encoded length byte per docnum


def _month(raw: int | None) -> int:
    if not raw:
        return 0
    try:
        dt = long_to_datetime(raw)
    except (OverflowError, ValueError, TypeError):
        return 0
    return dt.year * 100 + dt.month if dt.year > 1 else 0


def _text_column(leaf: Any, name: str) -> list[str] | None:
    """An ID field's column as text (Whoosh's own translation costs a call per value)."""
    values = _column(leaf, name, translate=False)
    if values is None:
        return None
    return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]


def _column(leaf: Any, name: str, translate: bool = True) -> list[Any] | None:
    """A whole column of one segment as a list; None when the segment has none.

    Whoosh's column readers fetch one document per Python call (a few µs
    each, most of building a table); its two column kinds used here are read
    in one piece instead, with the plain reader as the fallback.
    """
    if not leaf.has_column(name):
        return None
    reader = leaf.column_reader(name, translate=translate)
    n = leaf.doc_count_all()
    raw, convert = reader, None
    if isinstance(reader, TranslatingColumnReader):
        raw, convert = reader._reader, reader._translate
    try:
        if isinstance(raw, VarBytesColumn.Reader):
            offsets, lengths = raw._offsets, raw._lengths
            end = offsets[-1] + lengths[-1] if len(offsets) else 0
            data = raw._dbfile.get(raw._basepos, end)
            values: list[Any] = [data[o : o + m] for o, m in zip(offsets, lengths, strict=True)]
        elif isinstance(raw, NumericColumn.Reader):
            body = raw._dbfile.get(raw._basepos, raw._fixedlen * raw._count)
            numbers = array(raw._typecode, bytes(body))
            if sys.byteorder == "little" and numbers.itemsize > 1:
                numbers.byteswap()  # stored big-endian ("!")
            values = numbers.tolist()
        else:
            return list(reader)
    except (AttributeError, TypeError, ValueError):  # another Whoosh version's internals
        return list(reader)
    if len(values) < n:
        values += [raw._default if hasattr(raw, "_default") else b""] * (n - len(values))
    return list(map(convert, values)) if convert is not None else values


def _segment_table(leaf: Any) -> SegmentTable:
    n = leaf.doc_count_all()
    art_col = _text_column(leaf, "article_id") or [""] * n
    src_col = _text_column(leaf, "source_key")
    date_col = _column(leaf, "date", translate=False)
    records = set(leaf.postings("kind", b"a").all_ids()) if ("kind", "a") in leaf else set()
    numbers: dict[str, int] = {}
    ids: list[str] = []
    sources: list[str] = []
    dates: list[int] = []
    members: list[list[int]] = []
    records_of: list[int] = []
    doc_article = array("i", bytes(4 * n))
    for docnum in range(n):
        aid = art_col[docnum]
        number = numbers.get(aid)
        if number is None:
            number = numbers[aid] = len(ids)
            ids.append(aid)
            sources.append(sys.intern(src_col[docnum]) if src_col is not None else "")
            raw = date_col[docnum] if date_col is not None else None
            # A missing date reads as the column's default (0, or the type's
            # maximum): only a real date counts.
            dates.append(raw if _month(raw) else 0)
            members.append([])
            records_of.append(-1)
        if docnum in records:
            doc_article[docnum] = NO_ARTICLE
            records_of[number] = docnum
        else:
            doc_article[docnum] = number
            members[number].append(docnum)
    lengths = {}
    perdoc = getattr(leaf, "_perdoc", None)  # an empty index's reader has none
    for fieldname in leaf.schema.scorable_names():
        col = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc else None
        lengths[fieldname] = _length_bytes(col, n)
    fps = _text_column(leaf, "fingerprint") or []
    by_hash = sorted((hash(fp), docnum) for docnum, fp in enumerate(fps) if fp)
    fp_hashes = array("q", (h for h, _ in by_hash))
    fp_docs = array("i", (d for _, d in by_hash))
    return SegmentTable(
        doc_article=doc_article,
        ids=tuple(ids),
        sources=tuple(sources),
        dates=array("q", dates),
        months=array("i", map(_month, dates)),
        member_docs=array("i", (d for m in members for d in m)),
        member_starts=array("i", accumulate((len(m) for m in members), initial=0)),
        records=array("i", records_of),
        fp_hashes=fp_hashes,
        fp_docs=fp_docs,
        lengths=lengths,
    )


def _length_bytes(col: Any, n: int) -> bytes:
    """A field's encoded length per document (one byte each), read in one piece."""
    if col is None:
        return bytes(n)
    try:
        body = bytes(col._dbfile.get(col._basepos, col._count)) if col._fixedlen == 1 else None
    except AttributeError:
        body = None
    if body is None:
        body = bytes(list(col))
    return body + bytes(n - len(body))


class DocTables:
    """The tables of one searcher, over all its segments, in global numbers.

    An article has one number however many segments hold its documents: a
    parallel ingest can put an article's record and its paragraphs in
    different segments, and a replaced article leaves its old, deleted
    edition in an older one. Its metadata comes from its live record.
    """

    def __init__(self, searcher: Any, cache: SegmentCache) -> None:
        self.offsets: list[int] = []
        self.segment_ids: list[str | None] = []
        self.segments: list[SegmentTable] = []
        numbers: dict[str, int] = {}
        ids: list[str] = []
        sources: list[str] = []
        dates = array("q")
        months = array("i")
        records = array("i")  # global docnum of each article's live record; -1 if none
        part_segment = array("i")  # the first segment holding each article, and its
        part_local = array("i")  # local article number there
        extra_parts: dict[int, list[tuple[int, int]]] = {}  # articles in several segments
        doc_article = array("i")
        for i, (leaf, offset) in enumerate(searcher.reader().leaf_readers()):
            table = cache.get(leaf)
            self.offsets.append(offset)
            self.segment_ids.append(_segment_id(leaf))
            self.segments.append(table)
            deleted = deleted_docs(leaf)
            to_global = [0] * len(table.ids)
            for a, aid in enumerate(table.ids):
                rec = table.records[a]
                live = rec >= 0 and rec not in deleted
                g = numbers.get(aid)
                if g is None:
                    g = numbers[aid] = len(ids)
                    ids.append(aid)
                    sources.append(table.sources[a])
                    dates.append(table.dates[a])
                    months.append(table.months[a])
                    records.append(offset + rec if live else -1)
                    part_segment.append(i)
                    part_local.append(a)
                else:
                    extra_parts.setdefault(g, []).append((i, a))
                    if live:
                        sources[g], dates[g] = table.sources[a], table.dates[a]
                        months[g], records[g] = table.months[a], offset + rec
                to_global[a] = g
            to_global.append(NO_ARTICLE)  # index -1: an article record stays NO_ARTICLE
            doc_article.extend(map(to_global.__getitem__, table.doc_article))
        self.doc_article = doc_article
        self.article_ids = ids
        self.article_sources = sources
        self.article_dates = dates
        self.article_months = months
        self._records = records
        self._part_segment = part_segment
        self._part_local = part_local
        self._extra_parts = extra_parts

    def record(self, article: int) -> int | None:
        """The docnum of an article's live record (kind "a"), which stores its metadata."""
        docnum = self._records[article]
        return docnum if docnum >= 0 else None

    def fingerprint_docs(self, fingerprint: str, besides: int) -> list[int]:
        """Documents other than ``besides`` whose fingerprint has the same hash, in
        global numbers (deleted ones included; a match still needs checking)."""
        h = hash(fingerprint)
        out = []
        for offset, table in zip(self.offsets, self.segments, strict=True):
            hashes = table.fp_hashes
            k = bisect.bisect_left(hashes, h)
            while k < len(hashes) and hashes[k] == h:
                docnum = offset + table.fp_docs[k]
                if docnum != besides:
                    out.append(docnum)
                k += 1
        return out

    def members(self, article: int) -> list[int]:
        """An article's paragraphs, as global document numbers (deleted ones included:
        they never match)."""
        parts = [(self._part_segment[article], self._part_local[article])]
        parts += self._extra_parts.get(article, ())
        out: list[int] = []
        for i, local in parts:
            offset = self.offsets[i]
            table = self.segments[i]
            start, end = table.member_starts[local], table.member_starts[local + 1]
            out.extend(offset + d for d in table.member_docs[start:end])
        return out


class SegmentCache:
    """Segment tables by segment id, dropped when their segment leaves the index."""

    def __init__(self) -> None:
        self._tables: dict[str, SegmentTable] = {}
        self._lock = threading.Lock()

    def get(self, leaf: Any) -> SegmentTable:
        key = _segment_id(leaf)
        if key is None:  # an empty index's reader: nothing worth keeping
            return _segment_table(leaf)
        with self._lock:
            table = self._tables.get(key)
        if table is None:
            table = _segment_table(leaf)
            with self._lock:
                self._tables[key] = table
        return table

    def keep_only(self, searcher: Any) -> None:
        live = {_segment_id(leaf) for leaf, _ in searcher.reader().leaf_readers()}
        with self._lock:
            for key in list(self._tables):
                if key not in live:
                    del self._tables[key]


def deleted_docs(leaf: Any) -> frozenset[int] | tuple[()]:
    """A segment's deleted docnums (Whoosh keeps them as a set on the reader)."""
    return getattr(leaf, "deleted_docs_set", frozenset()) if leaf.has_deletions() else ()


def _segment_id(leaf: Any) -> str | None:
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else None
