"""A real search cluster on loopback: 2 shards x 2 mirrors + aggregator, searchd processes.

Each test that needs one gets a fresh cluster in its tmp folder on free
ports, started by the same code as `search-app cluster start` and stopped by
pid afterwards, whatever the test did to its nodes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from search_app.cluster import process
from search_app.cluster.config import init_cluster
from search_app.cluster.model import Cluster, Node
from search_app.engine.sphinx.client import Connection
from search_app.models import Article, Provenance, StoredArticle

from .engines import NODES, PORTS_PER_NODE, free_port_block  # noqa: E402


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A started 2 x 2 cluster; every node is stopped by its pid afterwards."""
    created = init_cluster(
        tmp_path / "cluster", 2, 2, base_port=free_port_block(NODES * PORTS_PER_NODE)
    )
    try:
        process.start(created)
        yield created
    finally:
        process.stop(created)


def kill9(cluster: Cluster, node: Node) -> int:
    pid = process.node_pid(cluster, node)
    assert pid is not None, f"{node.name} is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while process.node_pid(cluster, node) is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.node_pid(cluster, node) is None
    return pid


def rows_on(node: Node, index: str = "paragraphs") -> list[tuple[str, int, str]]:
    """(article_id, position, body) for every row one node holds, sorted."""
    conn = Connection(node)
    try:
        result = conn.execute(
            f"SELECT article_id, position, body FROM {index} LIMIT 0, 10000 "
            "OPTION max_matches=10000"
        )
    finally:
        conn.close()
    return sorted((str(a), int(p), str(b)) for a, p, b in result.rows)


def make_article(
    aid: str,
    paragraphs: list[str],
    title: str = "A headline",
    source: str = "wire",
    published: datetime | None = datetime(2011, 7, 13, tzinfo=UTC),
    content_hash: str | None = None,
) -> StoredArticle:
    return StoredArticle(
        id=aid,
        key=aid,
        article=Article(
            title=title, paragraphs=tuple(paragraphs), source=source, published=published
        ),
        provenance=Provenance(
            location=f"/test/{aid}",
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
            content_type="text/plain",
            content_hash=content_hash or f"hash-{aid}-{len(paragraphs)}",
            cleaner_version="test",
        ),
    )


ArticleFactory = Callable[..., StoredArticle]
