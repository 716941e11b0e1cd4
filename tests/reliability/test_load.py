"""Under load: searches from 8 clients while ingests commit; two ingests at once.

A real server process on 127.0.0.1 and real ingest processes; the clients
are bounded loops. What is checked: no request fails; every article
committed before a search began is in its results; an article being
replaced is never shown as a mix of its old and new paragraphs; concurrent
writers lose and duplicate nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from search_app.engine.whoosh.indexing import ParagraphIndex
from search_app.store import RawStore
from tests.conftest import ROOT, TOKEN, LiveServer

pytestmark = pytest.mark.slow

CLIENTS = 8
MIN_SECONDS = 20.0


def stories(path: Path, n: int, version: str) -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text = (
                f"Story {i} edition {version}: the harbour cranes stood idle at the port.\n\n"
                f"Edition {version} adds that harbour pilots joined the dockworkers' strike."
            )
            fh.write(
                json.dumps({"id": f"story-{i}", "title": f"Harbour story {i}", "text": text}) + "\n"
            )
    return path


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"{}")


def committed(index: Path) -> int:
    """Articles surely committed: the raw store commits after the index does."""
    try:
        store = RawStore(index / "raw.sqlite")
    except Exception:
        return 0
    try:
        return sum(1 for e in store.entries() if e.article_id.startswith("story-"))
    finally:
        store.close()


def test_eight_clients_search_while_ingests_commit(tmp_path: Path, corpus_index: Path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    server = LiveServer(index)
    failures: list[str] = []
    mixed: list[str] = []
    stale: list[str] = []
    requests = 0
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        nonlocal requests
        while not stop.is_set():
            floor = committed(index)
            status, body = get_json(server.url("/api/search?q=harbour&per_page=50"))
            with lock:
                requests += 1
                if status != 200:
                    failures.append(f"{status}: {body}")
                    continue
                if body["total_articles"] < floor:
                    stale.append(f"{body['total_articles']} < {floor}")
                for result in body["results"]:
                    editions = {
                        m
                        for p in result["paragraphs"]
                        for m in re.findall(r"[Ee]dition (v\d)", p["text"])
                    }
                    if len(editions) > 1:
                        mixed.append(f"{result['id']}: {editions}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    try:
        for version in ("v1", "v2"):  # v2 replaces every article of v1
            corpus = stories(tmp_path / f"{version}.jsonl", 2500, version)
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "search_app.cli",
                    "ingest",
                    str(corpus),
                    "--index",
                    str(index),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, done.stdout + done.stderr
        while time.monotonic() - started < MIN_SECONDS:
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()
    assert failures == [] and requests > 50
    assert stale == []
    assert mixed == []
    stats = ParagraphIndex.open(index).stats()
    assert stats.articles == 7 + 2500


def test_cli_and_api_ingests_at_once_lose_and_duplicate_nothing(tmp_path: Path, corpus_index: Path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    base = ParagraphIndex.open(index).stats()
    server = LiveServer(index, env={"SEARCH_APP_TOKEN": TOKEN})
    corpus = stories(tmp_path / "cli.jsonl", 2000, "v1")
    try:
        cli = subprocess.Popen(
            [sys.executable, "-m", "search_app.cli", "ingest", str(corpus), "--index", str(index)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        codes = []
        for i in range(15):
            body = json.dumps(
                {
                    "id": f"api-{i}",
                    "title": f"Pelican note {i}",
                    "text": f"Pelicans were counted at the estuary, note {i}. " * 3,
                }
            )
            req = urllib.request.Request(
                server.url("/api/documents"),
                data=body.encode(),
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            )
            while True:
                try:
                    with urllib.request.urlopen(req, timeout=120) as resp:
                        codes.append(resp.status)
                        break
                except urllib.error.HTTPError as err:
                    with err:
                        payload = json.loads(err.read())
                    # The only acceptable refusal: busy, saying so, with a retry hint.
                    assert err.code == 503 and payload["error"]["code"] == "busy", payload
                    time.sleep(float(err.headers.get("Retry-After", "1")))
        out, _ = cli.communicate(timeout=600)
        assert cli.returncode == 0, out
        assert codes == [201] * 15
        status, body = get_json(server.url("/api/search?q=pelicans&per_page=50"))
        assert status == 200 and body["total_articles"] == 15
    finally:
        server.stop()
    stats = ParagraphIndex.open(index).stats()
    assert (stats.articles, stats.paragraphs) == (
        base.articles + 2000 + 15,
        base.paragraphs + 2 * 2000 + 15,
    )
    store = RawStore(index / "raw.sqlite")
    assert store.count() == stats.articles
    store.close()
