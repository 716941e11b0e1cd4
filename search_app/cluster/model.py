"""`cluster.json`: the shards, their mirrors and the aggregator.

One file names every node, so the configs, the process manager, the writer
(which mirrors hold an article) and the reader (which aggregator to ask, and
which shard a failed agent belongs to) all read the same truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLUSTER_FILE = "cluster.json"
FORMAT_VERSION = 1
# One name for the paragraph index on every node and for the aggregator's
# distributed index: the reader never needs to know which node it asks.
INDEX_NAME = "paragraphs"


class ClusterConfigError(ValueError):
    """cluster.json is missing or says something impossible; the message says what."""


@dataclass(frozen=True)
class Node:
    """One searchd process: SphinxQL port for clients, binary port for the aggregator's agents."""

    name: str
    host: str
    port: int  # SphinxQL (MySQL protocol)
    binary_port: int  # Sphinx API protocol: what `agent = host:port` lines use
    role: str  # "shard" or "aggregator"
    shard: int | None = None  # from 0; None for the aggregator

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "binary_port": self.binary_port,
        }


@dataclass(frozen=True)
class Shard:
    number: int
    mirrors: tuple[Node, ...]


@dataclass(frozen=True)
class Cluster:
    """A cluster file as loaded; ``root`` is the folder holding it and the node folders."""

    root: Path
    shards: tuple[Shard, ...]
    aggregator: Node
    index: str = INDEX_NAME

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Shard mirrors first, then the aggregator: the order nodes start in."""
        return tuple(m for s in self.shards for m in s.mirrors) + (self.aggregator,)

    def node_dir(self, node: Node) -> Path:
        return self.root / "nodes" / node.name

    def config_path(self, node: Node) -> Path:
        return self.node_dir(node) / "searchd.conf"

    def pid_path(self, node: Node) -> Path:
        """Where `cluster start` records the pid it started (searchd keeps its own searchd.pid)."""
        return self.node_dir(node) / "process.pid"

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ClusterConfigError(f"no node named {name!r} in {self.root / CLUSTER_FILE}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "index": self.index,
            "shards": [{"mirrors": [m.as_dict() for m in s.mirrors]} for s in self.shards],
            "aggregator": self.aggregator.as_dict(),
        }

    def save(self) -> Path:
        path = self.root / CLUSTER_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path


def _node(raw: Any, where: str, role: str, shard: int | None) -> Node:
    if not isinstance(raw, dict):
        raise ClusterConfigError(f"{where}: expected an object with host, port and binary_port")
    try:
        host, port, binary_port = raw["host"], raw["port"], raw["binary_port"]
    except KeyError as exc:
        raise ClusterConfigError(f"{where}: missing {exc.args[0]!r}") from None
    if not isinstance(host, str) or not host:
        raise ClusterConfigError(f"{where}: host must be a non-empty string")
    for key, value in (("port", port), ("binary_port", binary_port)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
            raise ClusterConfigError(f"{where}: {key} must be a port number, not {value!r}")
    name = raw.get("name") or (
        "aggregator" if shard is None else f"shard{shard}-{where.rsplit('[', 1)[-1].rstrip(']')}"
    )
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        raise ClusterConfigError(f"{where}: name must be letters, digits, '-' or '_'")
    return Node(name, host, port, binary_port, role, shard)


def parse(data: Any, root: Path) -> Cluster:
    """A Cluster from the decoded JSON; every mistake is a ClusterConfigError naming its place."""
    if not isinstance(data, dict):
        raise ClusterConfigError("cluster.json must hold a JSON object")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise ClusterConfigError(
            f"cluster.json version {data.get('version')!r} is not {FORMAT_VERSION}"
        )
    raw_shards = data.get("shards")
    if not isinstance(raw_shards, list) or not raw_shards:
        raise ClusterConfigError("cluster.json: 'shards' must be a non-empty list")
    shards = []
    for i, raw in enumerate(raw_shards):
        mirrors = raw.get("mirrors") if isinstance(raw, dict) else None
        if not isinstance(mirrors, list) or not mirrors:
            raise ClusterConfigError(f"shards[{i}]: 'mirrors' must be a non-empty list")
        shards.append(
            Shard(
                i,
                tuple(
                    _node(m, f"shards[{i}].mirrors[{j}]", "shard", i) for j, m in enumerate(mirrors)
                ),
            )
        )
    aggregator = _node(data.get("aggregator"), "aggregator", "aggregator", None)
    index = data.get("index", INDEX_NAME)
    if not isinstance(index, str) or not index.isidentifier():
        raise ClusterConfigError("cluster.json: 'index' must be a plain name")
    cluster = Cluster(root, tuple(shards), aggregator, index)
    names = [n.name for n in cluster.nodes]
    if len(set(names)) != len(names):
        raise ClusterConfigError("cluster.json: node names must be unique")
    endpoints = [(n.host, p) for n in cluster.nodes for p in (n.port, n.binary_port)]
    if len(set(endpoints)) != len(endpoints):
        raise ClusterConfigError("cluster.json: two nodes (or two ports of one) share a port")
    return cluster


def load(path: str | Path) -> Cluster:
    """Load a cluster from its folder or from the cluster.json path itself."""
    path = Path(path)
    file = path / CLUSTER_FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClusterConfigError(
            f"no cluster file at {file}; create one with `search-app cluster init`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ClusterConfigError(f"cannot read {file}: {exc}") from None
    return parse(data, file.parent.resolve())


def layout(
    root: Path, shards: int, replicas: int, host: str = "127.0.0.1", base_port: int = 19306
) -> Cluster:
    """A cluster of ``shards`` x ``replicas`` mirrors plus an aggregator on consecutive ports.

    Each node takes two ports (SphinxQL, then binary); the aggregator comes
    first, so its SphinxQL port is ``base_port`` whatever the cluster's size.
    """
    if shards < 1 or replicas < 1:
        raise ClusterConfigError("a cluster needs at least one shard and one replica")
    last = base_port + 2 * (shards * replicas + 1) - 1
    if base_port < 1 or last > 65535:
        raise ClusterConfigError(f"ports {base_port}..{last} do not fit below 65536")
    aggregator = Node("aggregator", host, base_port, base_port + 1, "aggregator", None)
    port = base_port + 2
    out = []
    for s in range(shards):
        mirrors = []
        for r in range(replicas):
            mirrors.append(Node(f"shard{s}-m{r}", host, port, port + 1, "shard", s))
            port += 2
        out.append(Shard(s, tuple(mirrors)))
    return Cluster(root.resolve(), tuple(out), aggregator)
