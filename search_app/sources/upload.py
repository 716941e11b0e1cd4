"""Documents that arrive in an HTTP request: uploaded files and JSON bodies -> RawDocument.

The web handler only hands over what the client sent; deciding what it is
(MIME type, gzip, JSON Lines, a URL to fetch) is source work, done here the
same way the command line does it for files.

An uploaded file's name is a label, never a path and never its identity: two
different files sent under one name are two articles. Without an ``id`` or a
URL, an upload is identified by its content hash (``meta["_identity"]``).
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..models import RawDocument
from .base import SourceError, SourceFailure, SourceOptions
from .compressed import gunzip, is_gzip, strip_gz
from .files import JSONL_SUFFIXES
from .jsonl import read_jsonl_stream
from .web import fetch_url

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_JSONL_TYPES = {"application/jsonl", "application/x-ndjson", "application/x-jsonlines"}
CONTENT_IDENTITY = {"_identity": "content"}


class RequestError(ValueError):
    """The request itself is malformed (a 400): a field of the wrong type, nothing to ingest."""


def safe_name(filename: str | None) -> str:
    """An upload's name for display only; it never becomes a path."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("_", base).strip("._")[:100] or "upload"


def documents_from_upload(
    filename: str | None,
    content: bytes,
    mimetype: str | None,
    options: SourceOptions,
) -> Iterator[RawDocument | SourceFailure]:
    """One uploaded file as documents: a page or text, or every record of a JSON Lines file."""
    name = safe_name(filename)
    location = f"upload:{name}"
    if is_gzip(content, name):
        try:
            content = gunzip(content, location, options.max_bytes)
        except SourceError as exc:
            yield SourceFailure(exc.location, exc.reason)
            return
        name, mimetype = strip_gz(name), None
    declared = mimetype if mimetype not in ("", None, "application/octet-stream") else None
    if name.lower().endswith(JSONL_SUFFIXES) or declared in _JSONL_TYPES:
        yield from read_jsonl_stream(io.BytesIO(content), location, options)
        return
    ctype = declared or mimetypes.guess_type(name)[0]
    yield RawDocument(
        content, location, datetime.now(UTC), content_type=ctype, meta=dict(CONTENT_IDENTITY)
    )


def _str_field(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"'{name}' must be a string.")
    return value


def document_from_json(data: Mapping[str, Any], options: SourceOptions) -> RawDocument:
    """A JSON body: ``url`` to fetch, or ``html``/``text`` with optional fields.

    Raises RequestError for a malformed body and SourceError when a URL can't
    be fetched (refused, unreachable, too slow, too big).
    """
    url, html, text = _str_field(data, "url"), _str_field(data, "html"), _str_field(data, "text")
    title, date, key = _str_field(data, "title"), _str_field(data, "date"), _str_field(data, "id")
    meta = {k: v for k, v in (("title", title), ("date", date)) if v}
    if html is None and text is None:
        if not url:
            raise RequestError("Give 'url', or 'html' or 'text' with the article.")
        raw = fetch_url(url, options)
        return replace(raw, meta={**raw.meta, **meta}, key=key or raw.key)
    body = html if html is not None else text
    assert body is not None
    content = body.encode("utf-8", errors="replace")
    # Where it came from, for provenance: the URL, else the client's id, else the content.
    location = url or f"api:{key or hashlib.sha256(content).hexdigest()[:16]}"
    return RawDocument(
        content,
        location,
        datetime.now(UTC),
        content_type="text/html" if html is not None else "text/plain",
        charset="utf-8",
        url=url,
        key=key,
        meta=meta,
    )
