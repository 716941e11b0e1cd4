"""Writes to the cluster: an article's paragraphs to every mirror of its shard.

A batch is collected in memory and written on commit to every mirror it
touches, in transactions of whole articles (a reader sees each article old or
new, never a mix of its paragraphs). Before anything is written, every mirror
the batch touches must answer; if one doesn't, or fails mid-batch, the commit
raises WriteIncomplete and the caller must not commit the raw store: re-running
the same batch is safe, because a put is delete-then-insert.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ...cluster.model import Cluster, Node
from ...models import StoredArticle
from .client import Connection, Pool
from .errors import NodeUnavailable, QueryFailed, WriteIncomplete, old_cluster
from .rows import COLUMNS, article_key, article_match, article_values, shard_for

log = logging.getLogger(__name__)

# Rows per INSERT and bytes of text per INSERT: well under searchd's default
# max_packet_size (8 MB) while few enough statements to keep ingest fast.
INSERT_ROWS = 1000
INSERT_BYTES = 2_000_000
# Rows per transaction on a mirror. searchd indexes a transaction as one RAM
# segment at COMMIT, and a big one costs far more than its share: Reuters into
# 2 shards x 1, 20,000-article batches in one transaction took 332 us of
# searchd CPU a paragraph, split into 500-article ones 108 us (bench/RESULTS.md).
# Articles are never split across transactions.
TXN_ROWS = 2000
# Transactions built ahead of the mirrors per mirror: rows for the next are
# made while searchd indexes the last, with the memory held bounded.
AHEAD = 2
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


@dataclass(frozen=True)
class Transaction:
    """One mirror transaction, quoted once and sent to every mirror of its shard."""

    keys: list[int]  # the articles it replaces or removes
    ids: frozenset[int]  # the row ids it writes
    inserts: list[str]  # REPLACE statements, at most INSERT_ROWS rows / INSERT_BYTES each


def prepare(index: str, keys: list[int], rows: list[tuple[int, str]]) -> Transaction:
    """REPLACE statements for (row id, VALUES tuple) rows, as article_values makes them."""
    head = f"REPLACE INTO {index} ({', '.join(COLUMNS)}) VALUES "
    inserts: list[str] = []
    chunk: list[str] = []
    size = 0
    for _, values in rows:
        chunk.append(values)
        size += len(values)
        if len(chunk) >= INSERT_ROWS or size >= INSERT_BYTES:
            inserts.append(head + ", ".join(chunk))
            chunk, size = [], 0
    if chunk:
        inserts.append(head + ", ".join(chunk))
    return Transaction(keys, frozenset(row[0] for row in rows), inserts)


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
        # Pool connections are per thread: each mirror's thread keeps its own.
        self._executors: dict[str, ThreadPoolExecutor] = {}

    def close(self) -> None:
        for ex in self._executors.values():
            ex.shutdown(wait=True)
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
        report = WriteReport()
        touched = sorted(
            set(range(len(self.cluster.shards)))
            if any(v is None for v in self._pending.values())
            else {shard_for(aid, len(self.cluster.shards)) for aid in self._pending}
        )
        # Every mirror must answer before anything is written: a mirror found
        # down now costs nothing; one that dies mid-batch fails it below.
        for s in touched:
            down = self._unreachable(self.cluster.shards[s].mirrors)
            if down:
                raise WriteIncomplete(s, [n for n, _ in down], down[0][1])
        # Every mirror at once, each through its own thread in order: the time
        # is searchd's, and the rows of the next transaction are built while
        # the nodes index the last one.
        jobs: deque[tuple[int, Node, Future[None]]] = deque()
        failed: dict[int, list[tuple[str, str]]] = defaultdict(list)
        mirrors = sum(len(self.cluster.shards[s].mirrors) for s in touched)
        for s, txn in self._transactions(report):
            for mirror in self.cluster.shards[s].mirrors:
                job = self._executor(mirror).submit(self._write, mirror, txn)
                jobs.append((s, mirror, job))
            while len(jobs) > AHEAD * mirrors:
                self._collect(*jobs.popleft(), failed)
        while jobs:
            self._collect(*jobs.popleft(), failed)
        if failed:
            s = min(failed)
            raise WriteIncomplete(s, [n for n, _ in failed[s]], failed[s][0][1])
        self._pending.clear()
        return report

    def _transactions(self, report: WriteReport) -> Iterator[tuple[int, Transaction]]:
        """(shard, transaction) of at most TXN_ROWS rows each, whole articles."""
        index = self.cluster.index
        shards = len(self.cluster.shards)
        plan: dict[int, tuple[list[int], list[tuple[int, str]]]] = defaultdict(lambda: ([], []))
        for aid, stored in self._pending.items():
            if stored is None:
                for s in range(shards):
                    plan[s][0].append(article_key(aid))
                report.deleted += 1
                continue
            s = shard_for(aid, shards)
            keys, rows = plan[s]
            keys.append(article_key(aid))
            rows.extend(article_values(stored))
            report.put += 1
            report.shards[s] = report.shards.get(s, 0) + 1
            if len(rows) >= TXN_ROWS:
                report.rows += len(rows)
                yield s, prepare(index, *plan.pop(s))
        for s in sorted(plan):
            report.rows += len(plan[s][1])
            yield s, prepare(index, *plan[s])

    def _collect(
        self, shard: int, mirror: Node, job: Future[None], failed: dict[int, list[tuple[str, str]]]
    ) -> None:
        try:
            job.result()
        except QueryFailed as exc:
            old = old_cluster(exc)
            if old is not None:  # no retry can help
                raise old from exc
            failed[shard].append((mirror.name, str(exc)))
        except NodeUnavailable as exc:
            failed[shard].append((mirror.name, str(exc)))

    def _executor(self, mirror: Node) -> ThreadPoolExecutor:
        """One thread per mirror: its transactions run in order on its own connection."""
        ex = self._executors.get(mirror.name)
        if ex is None:
            ex = self._executors[mirror.name] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"write-{mirror.name}"
            )
        return ex

    def _write(self, mirror: Node, txn: Transaction) -> None:
        write_mirror(self.pool.get(mirror), self.cluster.index, txn)

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


def write_mirror(conn: Connection, index: str, txn: Transaction) -> None:
    """One transaction on one mirror: readers see its articles old or new, never a mix.

    REPLACE rewrites the rows whose ids stay (ids are per article and
    paragraph number); the rows that no longer exist are deleted by id.
    (A DELETE by article followed by INSERTs of the same ids does not work
    in one Sphinx 2.2 transaction: the delete is applied after them.)
    """
    stale = existing_ids(conn, index, txn.keys) - txn.ids
    conn.execute("BEGIN", meta=False)
    try:
        ids = sorted(stale)
        for i in range(0, len(ids), DELETE_KEYS):
            part = ",".join(map(str, ids[i : i + DELETE_KEYS]))
            conn.execute(f"DELETE FROM {index} WHERE id IN ({part})", meta=False)
        for sql in txn.inserts:
            conn.execute(sql, meta=False)
        conn.execute("COMMIT", meta=False)
    except QueryFailed:
        try:
            conn.execute("ROLLBACK", meta=False)
        except (NodeUnavailable, QueryFailed):
            pass
        raise
