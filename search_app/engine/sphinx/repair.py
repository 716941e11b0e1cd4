"""Bring mirrors back in line with the raw store, the source of truth.

A mirror that was down during writes, or restarted empty, holds old or no
rows. Repair lists what each mirror holds (article id and content hash, from
the rows themselves) and compares it with what the store says the shard
should hold: articles missing or stale on a mirror are written to it again
(from the stored bytes, cleaned afresh), articles the store no longer has are
deleted. Only mirrors that differ are touched, and only for those articles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ...cluster.model import Cluster, Node
from ...models import StoredArticle
from .client import Connection, Pool
from .errors import NodeUnavailable, QueryFailed
from .rows import article_key, article_values, shard_for
from .writer import prepare, write_mirror

log = logging.getLogger(__name__)

GROUP_PAGE = 1000  # articles per page when listing a mirror's contents
REPAIR_BATCH = 200  # articles per repair transaction

Loader = Callable[[str], StoredArticle | None]  # article id -> cleaned article, None if gone


@dataclass
class MirrorRepair:
    """What repair found and did on one mirror."""

    mirror: str
    shard: int
    reachable: bool = True
    error: str | None = None
    held: int = 0  # articles the mirror held before
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reachable and self.error is None


def mirror_contents(conn: Connection, index: str) -> dict[str, str]:
    """article id -> content hash for every article a mirror holds, paged by article key."""
    out: dict[str, str] = {}
    last = 0
    while True:
        result = conn.execute(
            f"SELECT article_id, content_hash, article_key FROM {index} "
            f"WHERE article_key > {last} GROUP BY article_key ORDER BY article_key ASC "
            f"LIMIT 0, {GROUP_PAGE} OPTION max_matches={GROUP_PAGE}"
        )
        for aid, content_hash, _key in result.rows:
            out[str(aid)] = str(content_hash)
        if len(result.rows) < GROUP_PAGE:
            return out
        last = int(result.rows[-1][2])


def _repair_mirror(
    cluster: Cluster,
    pool: Pool,
    mirror: Node,
    expected: Mapping[str, str],
    load: Loader,
) -> MirrorRepair:
    assert mirror.shard is not None
    report = MirrorRepair(mirror.name, mirror.shard)
    conn = pool.get(mirror)
    try:
        held = mirror_contents(conn, cluster.index)
    except (NodeUnavailable, QueryFailed) as exc:
        report.reachable = False
        report.error = str(exc)
        return report
    report.held = len(held)
    stale = sorted(aid for aid, h in expected.items() if held.get(aid) != h)
    extra = sorted(aid for aid in held if aid not in expected)
    if not stale and not extra:
        return report
    # Only this mirror is written: the shard's other mirrors are already
    # right (and may be down). Batches bound the transaction's memory.
    for i in range(0, len(stale), REPAIR_BATCH):
        part = stale[i : i + REPAIR_BATCH]
        rows: list[tuple[int, str]] = []
        written = []
        for aid in part:
            stored = load(aid)
            if stored is None:  # the store can't produce it any more: not searchable either
                extra.append(aid)
                continue
            rows.extend(article_values(stored))
            written.append(aid)
        try:
            write_mirror(
                conn, cluster.index, prepare(cluster.index, [article_key(a) for a in written], rows)
            )
        except (NodeUnavailable, QueryFailed) as exc:
            report.error = str(exc)
            return report
        report.written.extend(written)
    for i in range(0, len(extra), REPAIR_BATCH):
        part = extra[i : i + REPAIR_BATCH]
        try:
            keys = [article_key(a) for a in part]
            write_mirror(conn, cluster.index, prepare(cluster.index, keys, []))
        except (NodeUnavailable, QueryFailed) as exc:
            report.error = str(exc)
            return report
        report.deleted.extend(part)
    log.info(
        "repaired %s: %d written, %d deleted", mirror.name, len(report.written), len(report.deleted)
    )
    return report


def repair(
    cluster: Cluster,
    expected: Mapping[str, str],
    load: Loader,
    pool: Pool | None = None,
    mirrors: list[str] | None = None,
) -> list[MirrorRepair]:
    """Make every mirror (or the named ones) hold exactly the articles in ``expected``.

    ``expected`` maps every article id the store has to its content hash (the
    raw document's sha256, as written on the rows); ``load`` cleans one
    article from the store. A mirror that doesn't answer is reported, not
    skipped silently: its report has ``reachable=False``.
    """
    own = pool is None
    pool = pool or Pool()
    shards = len(cluster.shards)
    per_shard: dict[int, dict[str, str]] = {s.number: {} for s in cluster.shards}
    for aid, content_hash in expected.items():
        per_shard[shard_for(aid, shards)][aid] = content_hash
    reports = []
    try:
        for shard in cluster.shards:
            for mirror in shard.mirrors:
                if mirrors is not None and mirror.name not in mirrors:
                    continue
                reports.append(_repair_mirror(cluster, pool, mirror, per_shard[shard.number], load))
    finally:
        if own:
            pool.close()
    return reports
