"""Index housekeeping that must survive faults: damage detection, orphan files, sizes.

- ``damage``: whether an index is really damaged (schema mismatch, a segment
  that can't be read). ``reindex`` rebuilds from scratch only then, and only
  while holding the write lock; any other failure leaves the index alone.
- ``clean_orphans``: a killed or failed commit leaves segment files no table of
  contents names, and the writer's ``MAIN.tmp`` scratch folder. Whoosh only
  cleans segments after a commit that succeeds, and never the scratch folder,
  so they piled up (15 MB in an index of 0 articles). Called with the write
  lock held, when a writer opens: no other writer can have files in flight.
- ``index_bytes``: the size of what the index uses, counting neither orphans
  nor files that vanish during the walk (a concurrent commit merging
  segments away is not an error).

Whoosh-specific by nature (it reads Whoosh's table of contents); it sits
beside the Whoosh code and is called from one line at each use.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

from whoosh.index import TOC, EmptyIndexError

log = logging.getLogger(__name__)

# What a damaged segment or table of contents raises when read.
READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
    EmptyIndexError,
)


def _live_names(storage: Any, indexname: str) -> tuple[set[str], int] | None:
    """(live segment ids, generation) from the newest table of contents; None if unreadable."""
    try:
        toc = TOC.read(storage, indexname)
    except READ_ERRORS:
        return None
    return {seg.segment_id() for seg in toc.segments}, toc.generation


def _is_orphan(name: str, indexname: str, live: set[str], generation: int) -> bool:
    toc = TOC._pattern(indexname).match(name)
    if toc:
        return int(toc.group(1)) != generation
    if name.endswith(".tmp"):  # the writer's scratch storage (MAIN.tmp), or a random one
        return True
    seg = TOC._segment_pattern(indexname).match(name)
    return bool(seg) and seg.group(1) not in live


def orphans(ix: Any) -> list[Path]:
    """Files and folders in the Whoosh folder that no live generation uses."""
    folder = Path(ix.storage.folder)
    found = _live_names(ix.storage, ix.indexname)
    if found is None:
        return []  # can't tell what is live: touch nothing
    live, generation = found
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return [
        folder / name
        for name in names
        if not name.startswith(".") and _is_orphan(name, ix.indexname, live, generation)
    ]


def clean_orphans(ix: Any) -> int:
    """Delete what ``orphans`` finds; bytes freed. Call only with the write lock held."""
    freed = 0
    for path in orphans(ix):
        freed += _size(path)
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:  # read-only folder: the write that follows will say so
            log.debug("could not remove orphan %s: %s", path, exc)
            continue
    if freed:
        log.info("removed %d bytes of orphan index files in %s", freed, ix.storage.folder)
    return freed


def _size(path: Path) -> int:
    """Bytes under ``path``, files that vanish meanwhile counting as 0."""
    try:
        if not path.is_dir() or path.is_symlink():
            return path.lstat().st_size
    except OSError:
        return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def index_bytes(root: Path, ix: Any) -> int:
    """Bytes the index folder uses: everything but orphans, tolerant of vanishing files."""
    skip = set(orphans(ix))
    total = 0
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(top, d) not in skip]
        for name in files:
            path = Path(top, name)
            if path in skip:
                continue
            try:
                total += path.lstat().st_size
            except OSError:  # merged away since the listing
                continue
    return total


def damage(index: Any) -> str | None:
    """Why ``index`` (an open ParagraphIndex) can't be read, or None when every segment reads.

    Reads what a search reads (every segment's document table and the
    lexicon), not file sizes: only a real read failure counts.
    """
    from whoosh.query import Term

    try:
        with index.searcher() as s:
            sum(1 for _ in s.docs_for_query(Term("kind", "a")))
            for term in s.lexicon("source_key"):
                next(iter(s.docs_for_query(Term("source_key", term))), None)
    except READ_ERRORS as exc:
        return f"{exc.__class__.__name__}: {exc}"
    except Exception as exc:  # IndexCorrupt from the searcher
        from .indexing import IndexError_

        if isinstance(exc, IndexError_):
            return str(exc)
        raise
    return None
