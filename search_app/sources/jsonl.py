"""JSON Lines files of articles: one object a line (id, url, title, date, text or html)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from ..models import RawDocument
from .base import SourceFailure, SourceOptions

META_FIELDS = ("title", "date", "url", "source", "author", "dateline", "category")


def read_jsonl(path: str, options: SourceOptions) -> Iterator[RawDocument | SourceFailure]:
    """Stream the records; a bad line is a failure naming its number, and the file goes on."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        fh = opener(path, "rt", encoding="utf-8", errors="replace")
    except OSError as exc:
        yield SourceFailure(path, f"unreadable ({exc})")
        return
    fetched = datetime.now(UTC)
    with fh:
        line_no = 0
        while True:
            try:
                line = fh.readline()
            except (OSError, EOFError) as exc:
                yield SourceFailure(f"{path}#{line_no + 1}", f"unreadable ({exc})")
                return
            if not line:
                return
            line_no += 1
            if not line.strip():
                continue
            location = f"{path}#{line_no}"
            try:
                rec = json.loads(line)
            except ValueError as exc:
                yield SourceFailure(location, f"line {line_no} is not valid JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict):
                yield SourceFailure(location, f"line {line_no} is not a JSON object")
                continue
            html, text = rec.get("html"), rec.get("text")
            body, content_type = (
                (html, "text/html")
                if isinstance(html, str) and html.strip()
                else (
                    text,
                    "text/plain",
                )
            )
            if not isinstance(body, str) or not body.strip():
                yield SourceFailure(location, f"line {line_no} has no 'text' or 'html'")
                continue
            content = body.encode("utf-8")
            if len(content) > options.max_bytes:
                yield SourceFailure(location, f"line {line_no} is over the size cap")
                continue
            key = rec.get("id") if isinstance(rec.get("id"), str | int) else None
            url = rec.get("url") if isinstance(rec.get("url"), str) else None
            meta = {k: rec[k] for k in META_FIELDS if isinstance(rec.get(k), str | int | float)}
            yield RawDocument(
                content=content,
                location=location,
                fetched_at=fetched,
                content_type=content_type,
                charset="utf-8",
                url=url,
                key=str(key) if key is not None else url,
                meta=meta,
            )
