"""gzip, transparent for every source type, with the size cap applied to what comes out.

The cap counts decompressed bytes: a 1 MB gzip can hold gigabytes, and
reading it whole before checking would be the attack itself.
"""

from __future__ import annotations

import gzip
import io
import zlib

from .base import SourceError, human_bytes

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(content: bytes, name: str = "") -> bool:
    return content.startswith(GZIP_MAGIC) or name.lower().endswith(".gz")


def gunzip(content: bytes, location: str, max_bytes: int) -> bytes:
    """The decompressed bytes, or SourceError when unreadable or over ``max_bytes``."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as fh:
            out = fh.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(location, f"not a readable gzip file ({exc})") from None
    if len(out) > max_bytes:
        raise SourceError(
            location, f"over the size cap once decompressed (more than {human_bytes(max_bytes)})"
        )
    return out


def strip_gz(name: str) -> str:
    """``story.html.gz`` -> ``story.html``: the inner name says what the content is."""
    return name[:-3] if name.lower().endswith(".gz") else name
