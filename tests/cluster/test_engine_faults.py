"""A cluster never answers silently partial: real searchd processes killed by pid mid-service.

The service runs on a fresh 2 x 2 cluster (``--engine sphinx:PATH``) holding
the seeds and wire stories; nodes are killed with SIGKILL and the answers
checked through the JSON API and /healthz, as a client sees them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app import create_app
from search_app.cli import main
from search_app.cluster import process
from search_app.cluster.model import Cluster
from search_app.engine.sphinx.rows import shard_for
from search_app.pipeline import IngestOptions, ingest

from .conftest import kill9
from .engines import SEEDS, WIRE, sphinx_setting

pytestmark = pytest.mark.cluster

Q = '/api/search?q="seeking asylum"'
# The service caches pages per index generation (a page found complete stays
# complete): each search below asks for a page size not asked before.


@pytest.fixture
def served(cluster: Cluster, tmp_path: Path):  # type: ignore[no-untyped-def]
    setting = sphinx_setting(cluster)
    root = tmp_path / "index"
    report = ingest([str(SEEDS), str(WIRE)], root, IngestOptions(engine=setting, workers=1))
    assert report.new == 7
    app = create_app({"INDEX": str(root), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
    return app.test_client(), root


def _ids(data: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["id"] for r in data["results"]}


def test_one_dead_mirror_per_shard_still_gives_complete_answers(cluster: Cluster, served) -> None:
    client, _root = served
    before = client.get(Q).get_json()
    assert before["total_articles"] == 3
    for shard in cluster.shards:
        kill9(cluster, shard.mirrors[0])
    for n in range(5):  # the first search after the kill too; per_page: never a cached page
        data = client.get(Q + f"&per_page={5 + n}").get_json()
        assert data["total_articles"] == 3 and _ids(data) == _ids(before)
        assert data["partial_shards"] == []
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    down = {n["name"] for n in health["nodes"] if not n["healthy"]}
    assert down == {s.mirrors[0].name for s in cluster.shards}


def test_a_dead_shard_is_a_503_naming_it_or_flagged_results_when_asked(
    cluster: Cluster, served
) -> None:
    client, root = served
    before = client.get(Q).get_json()
    ids = _ids(before)
    # The shard that holds some, not all, of the phrase's articles.
    shard = shard_for(sorted(ids)[0], len(cluster.shards))
    for mirror in cluster.shards[shard].mirrors:
        kill9(cluster, mirror)

    resp = client.get(Q + "&per_page=11")  # not the cached page of the search above
    assert resp.status_code == 503
    error = resp.get_json()["error"]
    assert error["code"] == "shard_unavailable" and error["shard"] == shard
    assert f"Shard {shard}" in error["message"] and resp.headers["Retry-After"]

    resp = client.get(Q + "&allow_partial=1")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["partial_shards"] == [shard]
    kept = {i for i in ids if shard_for(i, len(cluster.shards)) != shard}
    assert _ids(data) == kept

    # Restarted empty and repaired from the raw store: complete again.
    names = [m.name for m in cluster.shards[shard].mirrors]
    for name in names:
        for path in (cluster.root / "nodes" / name / "data").iterdir():
            if path.is_file():
                path.unlink()
    process.start(cluster, names)
    assert main(["cluster", "repair", str(cluster.root), "--index", str(root)]) == 0
    after = client.get(Q + "&per_page=12").get_json()
    assert after["total_articles"] == 3 and _ids(after) == ids and after["partial_shards"] == []


def test_stats_report_every_node(cluster: Cluster, served, capsys) -> None:  # type: ignore[no-untyped-def]
    _client, root = served
    engine = sphinx_setting(cluster)
    assert main(["stats", "--index", str(root), "--engine", engine]) == 0
    out = capsys.readouterr().out
    assert out.startswith("7 articles")
    for node in cluster.nodes:
        assert f"{node.name} (" in out and "healthy" in out
    kill9(cluster, cluster.shards[1].mirrors[1])
    assert main(["stats", "--index", str(root), "--engine", engine, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 7
    health = {n["name"]: n["healthy"] for n in data["nodes"]}
    assert health.pop(cluster.shards[1].mirrors[1].name) is False
    assert all(health.values()) and len(health) == 4


def test_a_mirror_killed_while_8_clients_search_costs_no_answer(cluster: Cluster, served) -> None:
    """The served app, 8 clients, SIGKILL to one mirror of each shard mid-way: all complete."""
    import threading
    import time
    import urllib.error
    import urllib.request

    from tests.conftest import LiveServer

    _client, root = served
    server = LiveServer(root, env={"SEARCH_APP_ENGINE": sphinx_setting(cluster)})
    queries = ['"seeking asylum"', "myanmar", "diplomat", "embassy -coup", "asyl*"]
    try:
        expected = {}
        for q in queries:
            with urllib.request.urlopen(
                server.url("/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 50}))
            ) as resp:
                expected[q] = json.load(resp)["total_articles"]
        failures: list[str] = []
        answers = 0
        lock = threading.Lock()
        stop = time.monotonic() + 4.0

        def client(n: int) -> None:
            nonlocal answers
            i = 0
            while time.monotonic() < stop:
                q = queries[(n + i) % len(queries)]
                i += 1
                # per_page varies: never a page the service cached before the kill
                params = {"q": q, "per_page": 50 - (i % 40)}
                url = server.url("/api/search?" + urllib.parse.urlencode(params))
                try:
                    with urllib.request.urlopen(url, timeout=30) as resp:
                        data = json.load(resp)
                    ok = data["total_articles"] == expected[q] and not data["partial_shards"]
                    problem = None if ok else f"{q}: {data['total_articles']} != {expected[q]}"
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    problem = f"{q}: {exc}"
                with lock:
                    answers += 1
                    if problem:
                        failures.append(problem)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        for shard in cluster.shards:
            kill9(cluster, shard.mirrors[0])
        for t in threads:
            t.join()
        assert failures == [] and answers > 40
    finally:
        server.stop()


def test_an_ingest_killed_mid_way_completes_on_rerun_with_no_duplicates(
    cluster: Cluster, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from search_app.engine.sphinx.engine import read_generation
    from search_app.engines import open_index

    count = 3000
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for i in range(count):
            text = f"Story {i} about the harbour. " * 4 + f"\n\nSecond paragraph of story {i}."
            record = {"id": f"s{i}", "title": f"Story {i}", "date": "2020-01-02", "text": text}
            fh.write(json.dumps(record) + "\n")
    root = tmp_path / "index"
    env = {
        **os.environ,
        "SEARCH_APP_ENGINE": sphinx_setting(cluster),
        "SEARCH_APP_INGEST_WORKERS": "1",
    }
    cmd = [sys.executable, "-m", "search_app.cli", "ingest", str(source), "--index", str(root)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while read_generation(root) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    index = open_index(root, sphinx_setting(cluster))
    partway = index.stats()
    assert 0 < partway.articles < count

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    stats = index.stats()
    assert stats.articles == count and stats.paragraphs == 2 * count  # no duplicates
    assert len(index.article_hashes()) == count


def test_cli_search_remove_and_reindex_work_on_a_cluster(cluster: Cluster, served, capsys) -> None:  # type: ignore[no-untyped-def]
    """The raw store stays the source of truth: reindex rebuilds a wiped cluster."""
    _client, root = served
    engine = ["--index", str(root), "--engine", sphinx_setting(cluster)]
    assert main(["search", '"seeking asylum"', "--json", *engine]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["total_articles"] == 3
    gone = found["results"][0]["id"]
    assert main(["remove", gone, *engine]) == 0
    capsys.readouterr()
    assert main(["search", '"seeking asylum"', "--json", *engine]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["total_articles"] == 2 and gone not in {r["id"] for r in after["results"]}

    process.stop(cluster)  # every node restarted empty
    for node in cluster.nodes:
        for path in (cluster.root / "nodes" / node.name / "data").iterdir():
            if path.is_file():
                path.unlink()
    process.start(cluster)
    assert main(["stats", "--json", *engine]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 0
    assert main(["reindex", *engine]) == 0
    capsys.readouterr()
    assert main(["stats", "--json", *engine]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 6
    assert main(["search", '"seeking asylum"', "--json", *engine]) == 0
    assert json.loads(capsys.readouterr().out)["total_articles"] == 2
