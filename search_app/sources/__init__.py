"""Reading sources: files, folders, URLs, RSS/Atom feeds, JSON Lines. All input I/O lives here.

Sources hand back raw bytes plus provenance (RawDocument) and never decode or
clean: cleaning is pure and decodes itself, using the transport's declared
charset when there is one. Bad input never raises out of ``read_sources``:
it becomes a SourceFailure with one clear line, and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import RawDocument
from .base import SourceError, SourceFailure, SourceOptions
from .feeds import is_feed_bytes, read_feed
from .files import kind_of_path, read_path
from .jsonl import read_json, read_jsonl
from .web import fetch_url, is_url

__all__ = [
    "SourceError",
    "SourceFailure",
    "SourceOptions",
    "fetch_url",
    "read_sources",
]


def _read_url(url: str, options: SourceOptions) -> Iterator[RawDocument | SourceFailure]:
    try:
        raw = fetch_url(url, options)
    except SourceError as exc:
        yield SourceFailure(exc.location, exc.reason)
        return
    if raw.meta.get("_feed") or is_feed_bytes(raw.content, raw.content_type):
        yield from read_feed(raw.content, raw.location, options)
    else:
        yield raw


def read_sources(
    specs: Iterable[str], options: SourceOptions | None = None
) -> Iterator[RawDocument | SourceFailure]:
    """Read each spec: a file, folder, http(s) URL, JSON Lines file or feed.

    Never raises for bad input: a source that can't be read is yielded as a
    SourceFailure and the rest go on.
    """
    options = options or SourceOptions()
    for spec in specs:
        if is_url(spec):
            yield from _read_url(spec, options)
            continue
        for item in read_path(spec, options):
            if isinstance(item, SourceFailure):
                yield item
                continue
            kind = kind_of_path(item)
            if kind == "jsonl":
                yield from read_jsonl(item.location, options)
            elif kind == "json":
                yield from read_json(item.content, item.location, options)
            elif kind == "feed":
                yield from read_feed(item.content, item.location, options)
            else:
                yield item
