"""Searches from several threads while another process commits and merges.

Pins the Whoosh hazard: opening a reader while a commit deletes merged segment
files can raise FileNotFoundError. SearchService keeps searchers open, refreshes
them, and retries an open that loses the race; this test makes the race likely
(refresh on every call, a writer committing small batches that trigger merges).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime

import pytest

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.models import Article, Provenance, SearchRequest, StoredArticle
from search_app.service import SearchService

pytestmark = pytest.mark.slow


def make_article(n: int) -> StoredArticle:
    paras = tuple(
        f"Report {n} paragraph {k}: the diplomat sought asylum in city{n % 7}." for k in range(3)
    )
    return StoredArticle(
        id=f"art{n}",
        key=f"art{n}",
        article=Article(title=f"Story {n}", paragraphs=paras, source=f"src{n % 3}"),
        provenance=Provenance(
            "mem", datetime.now(UTC), "text/plain", hashlib.sha256(b"%d" % n).hexdigest(), "t"
        ),
        fingerprints=tuple(hashlib.sha1(p.encode()).hexdigest()[:16] for p in paras),
    )


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.integration.test_concurrent_commits import make_article
    from search_app.engine.whoosh.indexing import ParagraphIndex
    idx = ParagraphIndex.open({index!r})
    n = 1
    for batch in range({batches}):
        with idx.writer() as w:
            for _ in range(5):
                w.put_article(make_article(n))
                n += 1
    """
)


def test_threads_search_while_another_process_commits(tmp_path):
    index_dir = tmp_path / "index"
    idx = ParagraphIndex.open(index_dir, create=True)
    with idx.writer() as w:
        w.put_article(make_article(0))
    service = SearchService(index_dir)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def searcher_loop() -> None:
        last = 0
        while not stop.is_set():
            try:
                # The cache would hide reopen races; vary the page size to bypass it.
                page = service.search(SearchRequest("asylum", per_page=1 + len(counts) % 50))
                assert page.total_articles >= last, "a committed article disappeared"
                last = page.total_articles
                counts.append(last)
            except BaseException as exc:  # noqa: BLE001 - the test collects every failure
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher_loop) for _ in range(4)]
    for t in threads:
        t.start()
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    batches = 40
    proc = subprocess.run(
        [sys.executable, "-c", WRITER.format(root=root, index=str(index_dir), batches=batches)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert not errors, errors[:3]
    assert len(counts) > 20
    final = service.search(SearchRequest("asylum", per_page=7))
    assert final.total_articles == 1 + batches * 5
    assert idx.stats().articles == 1 + batches * 5


def test_fresh_services_open_during_commits(tmp_path):
    """Opening new searchers (a new worker, a restart) during commits also survives."""
    index_dir = tmp_path / "index"
    idx = ParagraphIndex.open(index_dir, create=True)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        n = 0
        for _ in range(40):
            with idx.writer() as w:
                for _ in range(3):
                    w.put_article(make_article(n))
                    n += 1
        done.set()

    def opener() -> None:
        while not done.is_set():
            try:
                svc = SearchService(index_dir)
                svc.search(SearchRequest("diplomat"))
                svc.close()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=opener) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert ParagraphIndex.open(index_dir).stats().articles == 120
