"""Writes to the cluster: an article's paragraphs to every mirror of its shard.

A batch is collected in memory and written on commit, shard by shard and
mirror by mirror, each mirror's share in one transaction (the RT index makes
it visible all at once). Before anything is written, every mirror the batch
touches must answer; if one doesn't, or fails mid-batch, the commit raises
WriteIncomplete and the caller must not commit the raw store: re-running the
same batch is safe, because a put is delete-then-insert.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ...cluster.model import Cluster, Node
from ...models import StoredArticle
from .client import Connection, Pool
from .errors import NodeUnavailable, QueryFailed, WriteIncomplete, old_cluster
from .rows import COLUMNS, article_key, article_match, article_rows, shard_for

log = logging.getLogger(__name__)

# Rows per INSERT and bytes of text per INSERT: well under searchd's default
# max_packet_size (8 MB) while few enough statements to keep ingest fast.
INSERT_ROWS = 1000
INSERT_BYTES = 2_000_000
# Mirrors written at the same time by one commit.
MAX_PARALLEL = 8
# Ids or article keys per IN (...) list.
DELETE_KEYS = 500
# Rows per page when listing a mirror's rows for a batch's articles.
SELECT_PAGE = 10_000


@dataclass
class WriteReport:
    """What one commit did: articles put and deleted, rows inserted, per shard."""

    put: int = 0
    deleted: int = 0
    rows: int = 0
    shards: dict[int, int] = field(default_factory=dict)  # shard -> articles written


def _chunks(rows: list[tuple[Any, ...]]) -> Iterable[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    size = 0
    for row in rows:
        chunk.append(row)
        size += len(row[2]) + len(row[1]) + 200
        if len(chunk) >= INSERT_ROWS or size >= INSERT_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class ClusterWriter:
    """put_article / delete_article, then commit(); one writer per ingest.

    Deletes go to every shard (an article written under an older shard count
    is removed too); puts go to the article's shard only.
    """

    def __init__(self, cluster: Cluster, pool: Pool | None = None) -> None:
        self.cluster = cluster
        self.pool = pool or Pool()
        self._own_pool = pool is None
        self._pending: dict[str, StoredArticle | None] = {}
        mirrors = sum(len(s.mirrors) for s in cluster.shards)
        # Pool connections are per thread: each worker keeps its own to each node.
        self._executor = ThreadPoolExecutor(max_workers=max(1, min(mirrors, MAX_PARALLEL)))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._own_pool:
            self.pool.close()

    def __enter__(self) -> ClusterWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def put_article(self, stored: StoredArticle) -> None:
        """Add or replace an article with all of its paragraphs (on commit)."""
        self._pending[stored.id] = stored

    def delete_article(self, article_id: str) -> None:
        """Remove an article's paragraphs from every shard (on commit)."""
        self._pending[article_id] = None

    def discard(self) -> None:
        """Forget the pending batch (after a failed commit the caller chose not to retry)."""
        self._pending.clear()

    def commit(self) -> WriteReport:
        """Write the pending batch to every mirror it touches; raises WriteIncomplete.

        On failure the batch stays pending, so calling commit() again once the
        mirror is back retries exactly the same writes.
        """
        shards = len(self.cluster.shards)
        plan: dict[int, tuple[list[int], list[tuple[Any, ...]]]] = defaultdict(lambda: ([], []))
        report = WriteReport()
        for aid, stored in self._pending.items():
            if stored is None:
                for s in range(shards):
                    plan[s][0].append(article_key(aid))
                report.deleted += 1
                continue
            s = shard_for(aid, shards)
            plan[s][0].append(article_key(aid))
            plan[s][1].extend(article_rows(stored))
            report.put += 1
            report.shards[s] = report.shards.get(s, 0) + 1
        # Every mirror must answer before anything is written: a mirror found
        # down now costs nothing; one that dies mid-batch fails it below.
        for s in sorted(plan):
            down = self._unreachable(self.cluster.shards[s].mirrors)
            if down:
                raise WriteIncomplete(s, [n for n, _ in down], down[0][1])
        # Every mirror at once: the time is searchd's, not ours, and each
        # node indexes on its own core (2 x 2 mirrors, 2,000 Reuters articles:
        # 8.8 s one mirror after another, 4.0 s all at once, on a loaded machine).
        jobs = {
            (s, mirror): self._executor.submit(self._write, mirror, *plan[s])
            for s in sorted(plan)
            for mirror in self.cluster.shards[s].mirrors
        }
        failed: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for (s, mirror), job in jobs.items():
            try:
                job.result()
            except QueryFailed as exc:
                old = old_cluster(exc)
                if old is not None:  # no retry can help
                    raise old from exc
                failed[s].append((mirror.name, str(exc)))
            except NodeUnavailable as exc:
                failed[s].append((mirror.name, str(exc)))
        if failed:
            s = min(failed)
            raise WriteIncomplete(s, [n for n, _ in failed[s]], failed[s][0][1])
        report.rows = sum(len(plan[s][1]) for s in plan)
        self._pending.clear()
        return report

    def _write(self, mirror: Node, keys: list[int], rows: list[tuple[Any, ...]]) -> None:
        write_mirror(self.pool.get(mirror), self.cluster.index, keys, rows)

    def _unreachable(self, mirrors: Iterable[Node]) -> list[tuple[str, str]]:
        down = []
        for mirror in mirrors:
            try:
                self.pool.get(mirror).execute("SHOW STATUS LIKE 'uptime'", meta=False)
            except (NodeUnavailable, QueryFailed) as exc:
                down.append((mirror.name, str(exc)))
        return down


def existing_ids(conn: Connection, index: str, keys: list[int]) -> set[int]:
    """Row ids this mirror holds for these articles, paged by id (no max_matches cap)."""
    found: set[int] = set()
    for i in range(0, len(keys), DELETE_KEYS):
        part = ",".join(map(str, keys[i : i + DELETE_KEYS]))
        last = 0
        while True:
            result = conn.execute(
                f"SELECT id FROM {index} WHERE MATCH(%s) AND article_key IN ({part}) "
                f"AND id > {last} ORDER BY id ASC LIMIT 0, {SELECT_PAGE} "
                f"OPTION max_matches={SELECT_PAGE}, ranker=none",
                [article_match(keys[i : i + DELETE_KEYS])],
            )
            found.update(int(row[0]) for row in result.rows)
            if len(result.rows) < SELECT_PAGE:
                break
            last = int(result.rows[-1][0])
    return found


def write_mirror(
    conn: Connection, index: str, keys: list[int], rows: list[tuple[Any, ...]]
) -> None:
    """One transaction per mirror: readers see the old articles or the new, never a mix.

    REPLACE rewrites the rows whose ids stay (ids are per article and
    paragraph number); the rows that no longer exist are deleted by id.
    (A DELETE by article followed by INSERTs of the same ids does not work
    in one Sphinx 2.2 transaction: the delete is applied after them.)
    """
    stale = existing_ids(conn, index, keys) - {row[0] for row in rows}
    conn.execute("BEGIN", meta=False)
    try:
        ids = sorted(stale)
        for i in range(0, len(ids), DELETE_KEYS):
            part = ",".join(map(str, ids[i : i + DELETE_KEYS]))
            conn.execute(f"DELETE FROM {index} WHERE id IN ({part})", meta=False)
        columns = ", ".join(COLUMNS)
        one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        for chunk in _chunks(rows):
            sql = f"REPLACE INTO {index} ({columns}) VALUES " + ", ".join([one] * len(chunk))
            conn.execute(sql, [v for row in chunk for v in row], meta=False)
        conn.execute("COMMIT", meta=False)
    except QueryFailed:
        try:
            conn.execute("ROLLBACK", meta=False)
        except (NodeUnavailable, QueryFailed):
            pass
        raise
