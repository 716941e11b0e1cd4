"""Shared fixtures: a real index built from the seeds and saved articles, the app, a live server.

Everything is real: the index is built by the same pipeline as `search-app
ingest`, the app by the same factory as `search-app serve`, and the live
server is that command in its own process on a free 127.0.0.1 port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_app import create_app
from search_app.pipeline import ingest
from tests.cluster.engines import (  # noqa: F401 - fixtures: any test can run on both engines
    cluster_corpus,
    engine_app,
    engine_client,
    engine_index,
    engine_setting,
    session_cluster,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
# Four short wire stories from two publishers, so source facets and the timeline have
# something to split; none of them says "seeking asylum", which stays the seeds' phrase.
WIRE = DATA / "wire.jsonl"
TOKEN = "test-token-0123456789"


def build_index(root: Path) -> Path:
    report = ingest([str(SEEDS), str(WIRE)], root)
    assert report.ok and report.new == 7, report.as_dict()
    return root


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only index shared by the tests that only search."""
    return build_index(tmp_path_factory.mktemp("index"))


@pytest.fixture
def writable_index(tmp_path: Path, corpus_index: Path) -> Path:
    """A private copy for tests that add, remove or rebuild."""
    dest = tmp_path / "index"
    shutil.copytree(corpus_index, dest)
    return dest


@pytest.fixture
def app(corpus_index: Path):  # type: ignore[no-untyped-def]
    return create_app({"INDEX": str(corpus_index), "TESTING": True, "RATE_LIMIT": 0})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def write_app(writable_index: Path):  # type: ignore[no-untyped-def]
    return create_app(
        {"INDEX": str(writable_index), "TESTING": True, "RATE_LIMIT": 0, "TOKEN": TOKEN}
    )


@pytest.fixture
def write_client(write_app):  # type: ignore[no-untyped-def]
    return write_app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`search-app serve` in a subprocess; ``url(path)`` addresses it."""

    def __init__(self, index: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "SEARCH_APP_RATE_LIMIT": "0", **(env or {})}
        # A file, not a pipe: a chatty server must never block on a full pipe.
        self.log_path = index.parent / f"server-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "search_app.cli",
                "serve",
                "--index",
                str(index),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                out = self.log_path.read_text()
                raise RuntimeError(f"server did not start: {out}")
            time.sleep(0.1)

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def live_server(corpus_index: Path) -> Iterator[LiveServer]:
    server = LiveServer(corpus_index)
    yield server
    server.stop()


# ---- hostile content: markup and javascript: URLs in every field

HOSTILE = DATA / "hostile.jsonl"
HTML_PAGE = b"""<html><head><title>Pwned page &lt;script&gt;</title>
<meta property="og:url" content="javascript:alert('og')"></head><body><article>
<h1>Pwned page</h1>
<p>The pwned page paragraph one is long enough to be kept as article text by the cleaner.</p>
<script>alert('inline')</script>
<p onclick="alert('p')">The pwned page paragraph two <iframe src="javascript:alert(1)"></iframe>
also has enough words to be article text.</p>
</article></body></html>"""


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    page = root / "page.html"
    page.write_bytes(HTML_PAGE)
    report = ingest([str(HOSTILE), str(page)], root / "index")
    assert report.new == 3, report.as_dict()
    return root / "index"


@pytest.fixture(scope="module")
def hostile_server(hostile_index: Path):  # type: ignore[no-untyped-def]
    server = LiveServer(hostile_index)
    yield server
    server.stop()
