"""A cluster never answers silently partial: real searchd processes killed by pid mid-service.

The service runs on a fresh 2 x 2 cluster (``--engine sphinx:PATH``) holding
the seeds and wire stories; nodes are killed with SIGKILL and the answers
checked through the JSON API and /healthz, as a client sees them.
"""

from __future__ import annotations

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
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 7
    health = {n["name"]: n["healthy"] for n in data["nodes"]}
    assert health.pop(cluster.shards[1].mirrors[1].name) is False
    assert all(health.values()) and len(health) == 4
