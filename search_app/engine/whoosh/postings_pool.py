"""Whoosh's segment postings, kept per term in memory and written a block at a time.

Whoosh's PostingPool turns every posting into a tuple, sorts all of them,
spills sorted runs to temporary files past a memory limit and merges the runs
back with a heap; the field writer then takes the postings one call at a time.
In a parallel ingest that machinery was about a quarter of the sub-writers'
time. A segment is written by one process, whose documents arrive in docnum
order, so postings gathered per term are already in order: only the distinct
terms need sorting, and each term's list can fill Whoosh's posting blocks
directly. The files written are the same, byte for byte (a test compares).

Memory: a batch's postings stay in memory until the segment is written (about
70 bytes a posting; a 10,000-article batch is about 50 MB per sub-writer).
Ingest batches are bounded, but a merge of big segments (``ParagraphIndex.
optimize``) is not: past ``MAX_POSTINGS`` the pool hands everything to
Whoosh's own pool, which spills sorted runs to disk.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections.abc import Callable
from typing import Any

from whoosh.codec import whoosh3
from whoosh.util.numeric import length_to_byte

_Lists = tuple[array, array, list[bytes | None]]


class MemoryPool:
    """A stand-in for whoosh.writing.PostingPool for segments written in one go.

    It supports what a SegmentWriter that finalizes its own segment uses
    (add, iter_postings, cleanup, fieldnames). Whoosh's non-multisegment
    multiprocess writer, which passes pool run files between processes, would
    need run files it does not have: indexing only uses multisegment mode.
    """

    MAX_POSTINGS = 6_000_000  # about 500 MB

    def __init__(self, spill_to: Callable[[], Any]) -> None:
        """``spill_to`` makes the Whoosh pool that takes over past MAX_POSTINGS."""
        self.fieldnames: set[str] = set()
        self._terms: dict[tuple[str, bytes], _Lists] = {}
        self._count = 0
        self._spill_to = spill_to
        self.spilled: Any = None  # Whoosh's pool, once it has taken over

    def _spill(self) -> None:
        pool = self._spill_to()
        for (fieldname, btext), (docs, weights, values) in self._terms.items():
            for d, w, v in zip(docs, weights, values, strict=True):
                pool.add((fieldname, btext, d, w, v))
        self._terms.clear()
        self.spilled = pool

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's one-posting call (merges from other segments use it)."""
        fieldname, btext, docnum, weight, value = item
        if docnum >= 0:  # -1 marks a spelling-only word; our schema has none
            self.add_field(fieldname, docnum, ((btext, 1, weight, value),), 1.0, False)

    def add_field(
        self, fieldname: str, docnum: int, items: Any, boost: float, scorable: bool
    ) -> int:
        """One field's (term, frequency, weight, value) items for one document;
        returns the field length (summed frequencies) when the field is scorable."""
        self.fieldnames.add(fieldname)
        if self.spilled is None and self._count > self.MAX_POSTINGS:
            self._spill()
        length = 0
        if self.spilled is not None:
            for btext, freq, weight, value in items:
                if scorable:
                    length += freq
                self.spilled.add((fieldname, btext, docnum, weight * boost, value))
            return length
        terms = self._terms
        for btext, freq, weight, value in items:
            self._count += 1
            if scorable:
                length += freq
            key = (fieldname, btext)
            lists = terms.get(key)
            if lists is None:
                lists = terms[key] = (array("i"), array("d"), [])
            lists[0].append(docnum)
            lists[1].append(weight * boost)
            lists[2].append(value)
        return length

    def _sorted(self) -> list[tuple[tuple[str, bytes], _Lists]]:
        out = []
        for key in sorted(self._terms):
            docs, weights, values = self._terms[key]
            if any(a >= b for a, b in zip(docs, docs[1:], strict=False)):
                # Postings merged in from another reader can come out of order.
                order = sorted(range(len(docs)), key=docs.__getitem__)
                docs = array("i", (docs[i] for i in order))
                weights = array("d", (weights[i] for i in order))
                values = [values[i] for i in order]
            out.append((key, (docs, weights, values)))
        return out

    def iter_postings(self) -> Any:
        """Postings as Whoosh's pool gives them: sorted (field, term, docnum, weight, value)."""
        if self.spilled is not None:
            yield from self.spilled.iter_postings()
            return
        for (fieldname, btext), (docs, weights, values) in self._sorted():
            for d, w, v in zip(docs, weights, values, strict=True):
                yield fieldname, btext, d, w, v

    def write_to(self, fieldwriter: Any, schema: Any, lengths: Any) -> None:
        """Write every term's postings through ``fieldwriter`` (a W3FieldWriter
        whose codec makes NewsPostingsWriters).

        ``lengths(fieldname)`` gives the field's length per docnum (None for
        no column), as Whoosh's ``doc_field_length`` would one at a time.
        """
        last_field = None
        column: list[int | None] | None = None
        for (fieldname, btext), (docs, weights, values) in self._sorted():
            if fieldname != last_field:
                if last_field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                last_field = fieldname
                column = lengths(fieldname)
            fieldwriter.start_term(btext)
            fieldwriter._postwriter.fill_blocks(docs, weights, values, column)
            fieldwriter.finish_term()
        if last_field is not None:
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self._terms.clear()
        if self.spilled is not None:
            self.spilled.cleanup()


# Posting blocks whose pickle is shorter than this are written uncompressed.
COMPRESS_FROM = 512


class NewsPostingsWriter(whoosh3.W3PostingsWriter):
    """W3PostingsWriter that leaves short blocks uncompressed and fills a block at a time."""

    def fill_blocks(
        self,
        docs: array,
        weights: array,
        values: list[bytes | None],
        column: list[int | None] | None,
    ) -> None:
        """``add_posting`` for a whole list: the same blocks, a block at a time.

        A full block is written when the next posting arrives; the last one is
        left for finish_postings, as add_posting leaves it.
        """
        limit = self._blocklimit
        n = len(docs)
        for start in range(0, n, limit):
            end = min(start + limit, n)
            if start:
                self._write_block()
            ids = array("I", docs[start:end])
            self._ids = ids
            self._weights = array("f", weights[start:end])
            self._values = [v for v in values[start:end] if v]
            self._maxweight = max(0, max(weights[start:end]))
            if column is not None:
                lens = [column[d] for d in ids]
                lens = [x for x in lens if x]
                self._minlength = min(lens) if lens else None
                self._maxlength = max(lens) if lens else 0
            else:
                self._minlength = None
                self._maxlength = 0

    def _write_block(self, last: bool = False) -> None:
        """W3PostingsWriter._write_block, leaving short blocks uncompressed.

        Most terms of a segment have one or two postings, and zlib's setup (about
        15 µs a call) cost more than writing such a block, for a few bytes saved.
        Whoosh meant to skip compression under 20 bytes (its next line overwrote
        the choice). The block's header records the choice and readers follow it,
        so the format is unchanged.
        """
        if not self._blockcount:
            self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
        comp = self._compression if len(databytes) >= COMPRESS_FROM else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                comp,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        postfile = self._postfile
        blocklength = len(infobytes) + len(databytes)
        postfile.write_int(-blocklength if last else blocklength)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()
