"""The cluster as an engine: an index folder (raw store, vocabulary) plus a cluster to search.

``ClusterIndex`` is what the pipeline and the service hold, in place of the
Whoosh index: the folder keeps the raw store (the source of truth), the
vocabulary, the write lock and the pending flag exactly as on Whoosh, and the
paragraphs live in the cluster named by ``cluster.json``. Every commit bumps
a generation file in the folder, so readers (and the service's result cache)
see that something changed without asking the cluster.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...cluster import process
from ...cluster.model import Cluster, load
from ...models import IndexStats, StoredArticle
from ..base import EngineWriter
from ..commit_flag import CommitFlag
from ..whoosh.indexing import (
    LOCK_FILE,
    STORE_FILE,
    IndexNotFound,
    write_lock,
)
from .client import Pool
from .repair import mirror_contents
from .writer import ClusterWriter

log = logging.getLogger(__name__)

GENERATION_FILE = "cluster.generation"
# Articles held in memory before a rebuild (reindex) writes them: a rebuild
# is not one transaction on a cluster anyway (see README: engine differences).
REBUILD_BATCH = 2000
# Version of the rows' layout (cluster/config.py): a cluster made by an older
# one is rebuilt with `cluster init` and `reindex`.
SCHEMA_VERSION = 1
# Statements of one search in flight at once: facets (3 per pass) beside the page's.
SEARCH_THREADS = 6

__all__ = ["ClusterIndex", "LOCK_FILE"]


class _Batch(EngineWriter):
    """put/delete into a ClusterWriter; the pipeline's EngineWriter."""

    def __init__(self, writer: ClusterWriter, flush_every: int = 0) -> None:
        self.writer = writer
        self.added = 0
        self.deleted = 0
        self.put_ids: set[str] = set()
        self._flush_every = flush_every

    def put_article(self, stored: StoredArticle) -> None:
        self.writer.put_article(stored)
        self.put_ids.add(stored.id)
        self.added += 1
        if self._flush_every and self.writer.pending >= self._flush_every:
            self.writer.commit()

    def delete_article(self, article_id: str) -> None:
        self.writer.delete_article(article_id)
        self.put_ids.discard(article_id)
        self.deleted += 1


class ClusterIndex(CommitFlag):
    """An index folder whose paragraphs live in a search cluster."""

    def __init__(self, root: Path, cluster: Cluster) -> None:
        self.root = root
        self.cluster = cluster
        self.pool = Pool()
        # A search's independent statements (facets, counts) run at once, each
        # worker on its own connections (the pool is per thread).
        self.executor = ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="sphinx")

    @classmethod
    def open(cls, root: str | os.PathLike[str], cluster_file: str, create: bool = False) -> Any:
        """Raises IndexNotFound when the folder holds no raw store (unless ``create``)."""
        root = Path(root)
        if not create and not (root / STORE_FILE).exists():
            raise IndexNotFound(
                f"no index in {root}; create one with "
                f"`search-app ingest SOURCE --index {root} --engine sphinx:{cluster_file}`"
            )
        root.mkdir(parents=True, exist_ok=True)
        return cls(root, load(cluster_file))

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    # -- writing (the pipeline's side of the Whoosh index's interface)

    @contextmanager
    def exclusive(self, timeout: float = 60.0) -> Iterator[None]:
        with write_lock(self.root, timeout):
            yield

    @contextmanager
    def writer(
        self,
        timeout: float = 60.0,
        replace_all: bool = False,
        procs: int = 1,
        whoosh_writing: bool = False,
    ) -> Iterator[_Batch]:
        """Writes the batch to every mirror it touches when the block ends without error.

        ``procs`` and ``whoosh_writing`` are Whoosh's and mean nothing here.
        ``replace_all`` (reindex) writes as it goes and finally deletes every
        article the batch did not put.
        """
        with ClusterWriter(self.cluster, self.pool) as writer:
            batch = _Batch(writer, REBUILD_BATCH if replace_all else 0)
            yield batch
            if replace_all:
                for aid in set(self.article_hashes()) - batch.put_ids:
                    writer.delete_article(aid)
            writer.commit()
        self._bump_generation()
        log.info("committed to the cluster: %d put, %d deleted", batch.added, batch.deleted)

    def _bump_generation(self) -> None:
        path = self.root / GENERATION_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(str(read_generation(self.root) + 1), encoding="utf-8")
        os.replace(tmp, path)

    def article_hashes(self) -> dict[str, str]:
        """article id -> content hash of every article the cluster holds."""
        return mirror_contents(self.pool.get(self.cluster.aggregator), self.cluster.index)

    # -- reading

    def reader(self, postings_cache_mb: int = 64) -> Any:
        from .search import SphinxReader

        return SphinxReader(self)

    def stats(self) -> IndexStats:
        reader = self.reader()
        try:
            articles, paragraphs, sources = reader.counts()
        finally:
            reader.close()
        path = self.root / GENERATION_FILE
        last = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) if path.exists() else None
        return IndexStats(
            articles=articles,
            paragraphs=paragraphs,
            sources=sources,
            index_bytes=self._bytes(),
            schema_version=SCHEMA_VERSION,
            last_commit=last,
        )

    def _bytes(self) -> int:
        """Bytes of the nodes' data folders, when they are on this machine."""
        total = 0
        for node in self.cluster.nodes:
            data = self.cluster.node_dir(node) / "data"
            if data.is_dir():
                total += sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
        return total

    def nodes(self) -> list[dict[str, Any]]:
        """Each node's name, role, shard, pid, port and health, as `cluster status --json`."""
        return [s.as_dict() for s in process.status(self.cluster)]

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.pool.close()


def read_generation(root: Path) -> int:
    try:
        return int((root / GENERATION_FILE).read_text(encoding="utf-8").strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0
