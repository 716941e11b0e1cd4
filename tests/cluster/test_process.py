"""`search-app cluster init|start|stop|status`: configs on disk, real processes, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app import cli
from search_app.cluster import process
from search_app.cluster.model import ClusterConfigError, load

from .conftest import NODES, PORTS_PER_NODE, free_port_block, kill9

pytestmark = pytest.mark.cluster


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_init_writes_cluster_file_and_one_config_per_node(tmp_path: Path, capsys) -> None:
    root = tmp_path / "c"
    status, out, _ = run(
        capsys, "cluster", "init", str(root), "--shards", "2", "--replicas", "2",
        "--base-port", "40100",
    )  # fmt: skip
    assert status == 0 and "2 shards x 2 mirrors" in out
    data = json.loads((root / "cluster.json").read_text())
    assert data["aggregator"]["port"] == 40100
    assert [[m["port"] for m in s["mirrors"]] for s in data["shards"]] == [
        [40102, 40104],
        [40106, 40108],
    ]
    cluster = load(root)
    assert [n.name for n in cluster.nodes] == [
        "shard0-m0", "shard0-m1", "shard1-m0", "shard1-m1", "aggregator",
    ]  # fmt: skip
    shard_conf = cluster.config_path(cluster.shards[1].mirrors[0]).read_text()
    for line in (
        "type = rt",
        "rt_field = title",
        "rt_field = text",
        "rt_attr_string = article_id",
        "rt_attr_uint = position",
        "rt_attr_bigint = published",
        "rt_attr_string = body",
        "dict = keywords",
        "morphology = libstemmer_english",
        "listen = 127.0.0.1:40106:mysql41",
        "listen = 127.0.0.1:40107",
    ):
        assert line in shard_conf
    agg = cluster.config_path(cluster.aggregator).read_text()
    assert "type = distributed" in agg and "ha_strategy = nodeads" in agg
    assert "agent = 127.0.0.1:40103|127.0.0.1:40105:paragraphs" in agg
    assert "agent = 127.0.0.1:40107|127.0.0.1:40109:paragraphs" in agg


def test_init_refuses_to_overwrite_and_bad_sizes(tmp_path: Path, capsys) -> None:
    root = tmp_path / "c"
    assert run(capsys, "cluster", "init", str(root), "--shards", "1")[0] == 0
    status, _, err = run(capsys, "cluster", "init", str(root), "--shards", "3")
    assert status == 1 and "exists" in err and "--force" in err
    status, _, err = run(capsys, "cluster", "init", str(tmp_path / "d"), "--shards", "0")
    assert status == 1 and "at least one shard" in err
    status, _, err = run(capsys, "cluster", "status", str(tmp_path / "nowhere"))
    assert status == 1 and "no cluster file" in err


def test_bad_cluster_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cluster.json").write_text(
        json.dumps({"shards": [{"mirrors": [{"host": "h", "port": "x", "binary_port": 2}]}]})
    )
    with pytest.raises(ClusterConfigError, match=r"shards\[0\]\.mirrors\[0\]: port"):
        load(tmp_path)


def test_start_status_stop_by_pid(tmp_path: Path, capsys) -> None:
    root = tmp_path / "c"
    base = str(free_port_block(NODES * PORTS_PER_NODE))
    run(capsys, "cluster", "init", str(root), "--shards", "2", "--replicas", "2",
        "--base-port", base)  # fmt: skip
    try:
        status, out, _ = run(capsys, "cluster", "start", str(root), "--json")
        assert status == 0
        started = json.loads(out)
        status, out, _ = run(capsys, "cluster", "status", str(root), "--json")
        assert status == 0
        nodes = json.loads(out)["nodes"]
        assert list(json.loads(out)) == ["nodes"]
        assert [sorted(n) for n in nodes] == [
            ["healthy", "name", "pid", "port", "role", "shard"]
        ] * 5
        assert [(n["role"], n["shard"]) for n in nodes] == [
            ("shard", 0), ("shard", 0), ("shard", 1), ("shard", 1), ("aggregator", None),
        ]  # fmt: skip
        assert all(n["healthy"] and isinstance(n["pid"], int) for n in nodes)
        assert nodes == started["nodes"]
        pids = [n["pid"] for n in nodes]
        for pid in pids:
            assert b"searchd" in Path(f"/proc/{pid}/cmdline").read_bytes()
        # Starting again leaves the running nodes alone.
        run(capsys, "cluster", "start", str(root))
        cluster = load(root)
        assert [process.node_pid(cluster, n) for n in cluster.nodes] == pids
        # One node down: status says so and exits 1.
        kill9(cluster, cluster.shards[1].mirrors[0])
        status, out, _ = run(capsys, "cluster", "status", str(root), "--json")
        down = json.loads(out)["nodes"][2]
        assert status == 1 and down["pid"] is None and down["healthy"] is False
        # ...and start brings back just that one.
        run(capsys, "cluster", "start", str(root), "--node", "shard1-m0")
        assert all(n.healthy for n in process.status(cluster))
    finally:
        status, out, _ = run(capsys, "cluster", "stop", str(root), "--json")
    assert status == 0 and len(json.loads(out)["stopped"]) == 5
    for pid in pids:
        assert (
            not Path(f"/proc/{pid}").exists()
            or b"searchd" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
    status, out, _ = run(capsys, "cluster", "status", str(root), "--json")
    assert status == 1
    assert all(n["pid"] is None and not n["healthy"] for n in json.loads(out)["nodes"])


def test_a_node_that_cannot_start_is_named(tmp_path: Path, capsys) -> None:
    root = tmp_path / "c"
    base = free_port_block(NODES * PORTS_PER_NODE)
    run(capsys, "cluster", "init", str(root), "--shards", "1", "--base-port", str(base))
    cluster = load(root)
    conf = cluster.config_path(cluster.shards[0].mirrors[0])
    conf.write_text(conf.read_text().replace("type = rt", "type = nonsense"))
    try:
        status, _, err = run(capsys, "cluster", "start", str(root))
        assert status == 1 and "shard0-m0" in err
    finally:
        process.stop(cluster)
