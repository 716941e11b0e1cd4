"""JSON Lines files of articles: one object a line (id, url, title, date, text or html).

Hostile files are expected: a line is read with a bound (an over-long line is
skipped without ever being held whole), and every way a record can be bad
(not JSON, nested past the parser's depth, a number too long to convert, no
text) fails that record alone, naming its line and, when it has one, its id.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from ..cleaning.dates import stated_date
from ..models import RawDocument
from .base import SourceFailure, SourceOptions

META_FIELDS = ("title", "date", "url", "source", "author", "dateline", "category")

log = logging.getLogger(__name__)

_SKIP_CHUNK = 1 << 20  # an over-long line is skipped this much at a time


def line_limit(options: SourceOptions) -> int:
    """Bytes a line may take: the document cap, with room for JSON escaping and fields."""
    return 2 * options.max_bytes + 65_536


def read_jsonl(path: str, options: SourceOptions) -> Iterator[RawDocument | SourceFailure]:
    """Stream the records of a file (``.gz`` too); a bad line fails alone and the file goes on."""
    opener: Any = gzip.open if path.lower().endswith(".gz") else open
    try:
        fh = opener(path, "rb")
    except OSError as exc:
        yield SourceFailure(path, f"unreadable ({exc})")
        return
    with fh:
        yield from read_jsonl_stream(fh, path, options)


def read_json(
    content: bytes, location: str, options: SourceOptions
) -> Iterator[RawDocument | SourceFailure]:
    """A .json file: one article record, or a list of them, with a JSON Lines line's fields.

    Read as text, any JSON file in a folder (a data file, a config) became an
    "article" of its braces and quotes, titled like ``{ "0004": {``.
    """
    try:
        data = json.loads(content.decode("utf-8-sig", errors="replace"))
    except RecursionError:
        yield SourceFailure(location, "JSON nested too deeply to read")
        return
    except ValueError as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        yield SourceFailure(location, f"not valid JSON ({reason[:200]})")
        return
    records = data if isinstance(data, list) else [data]
    if not any(isinstance(r, dict) and ("text" in r or "html" in r) for r in records):
        yield SourceFailure(
            location,
            "a .json file must hold an article record (an object with 'text' or 'html') "
            "or a list of them; this one holds other data",
        )
        return
    fetched = datetime.now(UTC)
    for number, rec in enumerate(records, 1):  # numbered as a JSON Lines file's lines
        where = f"{location}#{number}"
        if isinstance(rec, dict):
            yield _record(rec, number, where, fetched, options)
        else:
            yield SourceFailure(where, f"line {number} is not a JSON object")


def _lines(fh: IO[bytes], limit: int, location: str) -> Iterator[tuple[int, bytes | None, str]]:
    """(line number, line or None when over the limit, read error) without unbounded reads."""
    line_no = 0
    while True:
        try:
            line = fh.readline(limit + 1)
            if not line:
                return
            line_no += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while True:  # drop the rest of the line, a chunk at a time
                    rest = fh.readline(_SKIP_CHUNK)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield line_no, None, ""
                continue
        except (OSError, EOFError, zlib.error) as exc:
            yield line_no + 1, None, f"unreadable ({exc})"
            return
        yield line_no, line, ""


def _record_id(rec: dict[str, Any]) -> str:
    value = rec.get("id")
    if isinstance(value, str | int) and not isinstance(value, bool):
        shown = str(value)
        return f" (id {shown[:80]!r})"
    return ""


def read_jsonl_stream(
    fh: IO[bytes], location: str, options: SourceOptions
) -> Iterator[RawDocument | SourceFailure]:
    """The records of an open binary stream; the CLI's files and the API's uploads share it."""
    fetched = datetime.now(UTC)
    limit = line_limit(options)
    records = 0
    for line_no, line, error in _lines(fh, limit, location):
        where = f"{location}#{line_no}"
        if error:
            yield SourceFailure(where, error)
            return
        if line is None:
            yield SourceFailure(where, f"line {line_no} is over the size cap ({limit:,} bytes)")
            continue
        if not line.strip():
            continue
        records += 1
        try:
            # utf-8-sig on the first line: a file saved with a byte-order mark is still JSON Lines.
            encoding = "utf-8-sig" if line_no == 1 else "utf-8"
            rec = json.loads(line.decode(encoding, errors="replace"))
        except RecursionError:
            yield SourceFailure(where, f"line {line_no} is nested too deeply to read")
            continue
        except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
            reason = getattr(exc, "msg", None) or str(exc)
            yield SourceFailure(where, f"line {line_no} is not valid JSON ({reason[:200]})")
            continue
        if not isinstance(rec, dict):
            yield SourceFailure(where, f"line {line_no} is not a JSON object")
            continue
        yield _record(rec, line_no, where, fetched, options)
    if not records:  # said, as for any other empty file, not a silent "0 new"
        yield SourceFailure(location, "empty file (no records)")


def _record(
    rec: dict[str, Any], line_no: int, where: str, fetched: datetime, options: SourceOptions
) -> RawDocument | SourceFailure:
    html, text = rec.get("html"), rec.get("text")
    if isinstance(html, str) and html.strip():
        body, content_type = html, "text/html"
    else:
        body, content_type = text, "text/plain"
    rid = _record_id(rec)
    if not isinstance(body, str) or not body.strip():
        return SourceFailure(where, f"line {line_no}{rid} has no 'text' or 'html'")
    content = body.encode("utf-8", errors="replace")
    if len(content) > options.max_bytes:
        return SourceFailure(where, f"line {line_no}{rid} is over the size cap")
    raw_id = rec.get("id")
    key = raw_id if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    url = rec.get("url") if isinstance(rec.get("url"), str) else None
    meta = {k: rec[k] for k in META_FIELDS if isinstance(rec.get(k), str | int | float)}
    stated = rec.get("date")
    if stated not in (None, "") and stated_date(stated) is None:
        # The record is still worth indexing; its date is the one thing lost, so say so.
        log.warning(
            "%s: line %d%s: the date %.80r is not one we read (ISO 8601, RFC 2822, "
            "'5 March 2019', a Unix time or a year); the record is indexed without it",
            where,
            line_no,
            rid,
            stated,
        )
    return RawDocument(
        content=content,
        location=where,
        fetched_at=fetched,
        content_type=content_type,
        charset="utf-8",
        url=url,
        key=str(key) if key is not None else url,
        meta=meta,
    )
