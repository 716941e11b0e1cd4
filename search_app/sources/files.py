"""Files and folders: the bytes, what they are, and why a file can't be used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..models import RawDocument
from .base import SourceError, SourceFailure, SourceOptions, human_bytes
from .compressed import GZIP_MAGIC, gunzip, strip_gz

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = (
    ".jsonl",
    ".jsonl.gz",
    ".json-lines",
    ".json-lines.gz",
    ".ndjson",
    ".ndjson.gz",
)
FEED_SUFFIXES = {".rss", ".atom", ".xml"}

# Magic numbers of formats people drop into a folder of articles by mistake.
MAGIC = [
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "executable"),
    (b"RIFF", "RIFF media file"),
]


def sniff(head: bytes) -> str | None:
    """'html', 'text', 'feed' or None (binary) from the first bytes."""
    for magic, _ in MAGIC:
        if head.startswith(magic):
            return None
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    low = head[:2048].lstrip().lower()
    if low.startswith(b"\xef\xbb\xbf"):
        low = low[3:].lstrip()
    if low.startswith(b"<?xml") and (
        b"<rss" in head[:4096].lower() or b"<feed" in head[:4096].lower()
    ):
        return "feed"
    if low.startswith((b"<rss", b"<feed")):
        return "feed"
    if low.startswith((b"<!doctype html", b"<html")) or b"<body" in head[:4096].lower():
        return "html"
    return "text"


def describe_binary(head: bytes) -> str:
    for magic, name in MAGIC:
        if head.startswith(magic):
            return f"binary file (looks like {name})"
    return "binary file (has NUL bytes)"


def kind_of_path(doc: RawDocument | Path) -> str:
    name = str(doc.location if isinstance(doc, RawDocument) else doc).lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith((".json", ".json.gz")):
        return "json"
    if isinstance(doc, RawDocument) and doc.meta.get("_kind") == "feed":
        return "feed"
    return "document"


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def read_path(spec: str, options: SourceOptions) -> Iterator[RawDocument | SourceFailure]:
    """A file, or every file under a folder (hidden ones skipped), as raw documents."""
    path = Path(spec).expanduser()
    if not path.exists():
        yield SourceFailure(spec, "not found" if not path.is_symlink() else "broken symbolic link")
        return
    paths = _walk(path) if path.is_dir() else [path]
    for p in paths:
        yield read_file(p, options)


def read_file(path: Path, options: SourceOptions) -> RawDocument | SourceFailure:
    if path.is_symlink() and not path.exists():
        return SourceFailure(str(path.absolute()), "broken symbolic link")
    location = str(path.resolve())
    try:
        if not path.is_file():
            return SourceFailure(location, "not a regular file")
        size = path.stat().st_size
        if size > options.max_bytes and not location.lower().endswith(JSONL_SUFFIXES):
            return SourceFailure(
                location,
                f"over the size cap ({human_bytes(size)} > {human_bytes(options.max_bytes)})",
            )
        if location.lower().endswith(JSONL_SUFFIXES):
            # Streamed record by record by the JSON Lines reader; no size cap on the file.
            return RawDocument(
                content=b"",
                location=location,
                fetched_at=datetime.now(UTC),
                content_type="application/jsonl",
            )
        content = path.read_bytes()
    except PermissionError:
        return SourceFailure(location, "permission denied")
    except OSError as exc:
        return SourceFailure(location, f"unreadable ({exc.strerror or exc})")
    suffix = path.suffix.lower()
    if suffix == ".gz" and not content.startswith(GZIP_MAGIC):
        return SourceFailure(location, "named .gz but not gzip-compressed")
    if content.startswith(GZIP_MAGIC):  # story.html.gz: the page inside, under the same cap
        try:
            content = gunzip(content, location, options.max_bytes)
        except SourceError as exc:
            return SourceFailure(location, exc.reason)
        suffix = Path(strip_gz(path.name)).suffix.lower()
    if not content.strip():
        return SourceFailure(location, "empty file")
    kind = sniff(content[:8192])
    if kind is None:
        return SourceFailure(location, describe_binary(content[:16]))
    if kind == "feed" or (suffix in FEED_SUFFIXES and kind != "html"):
        if kind == "feed":
            return RawDocument(
                content=content,
                location=location,
                fetched_at=datetime.now(UTC),
                content_type="application/xml",
                meta={"_kind": "feed"},
            )
    content_type = "text/html" if kind == "html" or suffix in HTML_SUFFIXES else "text/plain"
    return RawDocument(
        content=content, location=location, fetched_at=datetime.now(UTC), content_type=content_type
    )
