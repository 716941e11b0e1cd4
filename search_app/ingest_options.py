"""How an ingest runs, built from the service's Settings.

Its own module so the pipeline, `reindex` and the cluster can all take one
without importing each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import cleaning
from .config import Settings
from .sources import SourceOptions


@dataclass(frozen=True)
class IngestOptions:
    """How an ingest runs; one object instead of a long keyword list.

    The service builds it only from Settings (options_from_settings); the
    defaults here serve tests and scripts, and take Settings' where both have one.
    """

    prune: bool = False
    batch_size: int = 500  # articles per commit: bounds memory and the loss on a crash
    batch_seconds: float = 5.0  # commit at least this often, so searches see progress
    writer_timeout: float = Settings.writer_timeout
    rules: cleaning.Rules | None = None
    sources: SourceOptions = field(default_factory=SourceOptions)
    source: str | None = None  # `ingest --source NAME`: the publisher of every document read
    # Processes for a large ingest from sources (the ingest command): cleaning
    # runs in a pool of this many, and big batches are indexed by as many
    # Whoosh sub-writers. 1 = everything in this process. The HTTP API and
    # small ingests always stay in one process.
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    parallel_min_documents: int = 300  # fewer than this: not worth starting processes
    # Articles per commit in a parallel ingest: each commit adds one segment per
    # worker, and bulk segments are not merged as they come, so batches are big.
    parallel_batch_size: int = 20_000
    parallel_batch_seconds: float = 120.0
    # Write with Whoosh's own writer and codec as shipped (slower): the baseline
    # tests/integration/test_postings_pool.py compares our writer's segments with.
    whoosh_writing: bool = False
    engine: str = "whoosh"  # Settings.engine: where the paragraphs go (engines.py)


def options_from_settings(
    settings: Settings,
    rules_path: str | None = None,
    *,
    prune: bool = False,
    from_client: bool = False,
) -> IngestOptions:
    """The IngestOptions the service's settings call for; the CLI and the HTTP API share it.

    ``from_client``: the documents come over HTTP, so URLs may not reach this
    machine's network (SSRF guard), a request waits at most 30 s for another
    writer, batches commit within a second, and nothing forks in the server.
    """
    path = rules_path or settings.rules or None
    return IngestOptions(
        prune=prune,
        writer_timeout=min(settings.writer_timeout, 30.0)
        if from_client
        else settings.writer_timeout,
        batch_seconds=1.0 if from_client else IngestOptions.batch_seconds,
        workers=1 if from_client else settings.ingest_workers or os.cpu_count() or 1,
        rules=cleaning.load_rules(path) if path else None,
        engine=settings.engine,
        sources=SourceOptions(
            max_bytes=settings.max_upload_bytes,
            timeout=settings.fetch_timeout,
            allow_hosts=settings.allow_hosts,
            block_private=from_client,
        ),
    )
