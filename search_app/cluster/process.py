"""Run a cluster's nodes as local searchd processes: start, stop, status.

For development, tests and a single big host. Each node is `searchd --config
FILE --nodetach` in its own session; the pid we started is kept in the node's
folder and is the only handle we ever signal (SIGTERM, then SIGKILL), after
checking that the process at that pid is still our searchd with our config.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.sphinx.client import ping
from .model import Cluster, Node

log = logging.getLogger(__name__)

SEARCHD_ENV = "SEARCH_APP_SEARCHD"  # path to searchd when it isn't on PATH
START_TIMEOUT = 15.0  # seconds for every node to answer; measured 0.2-0.5 s each
STOP_TIMEOUT = 5.0  # seconds after SIGTERM before SIGKILL
_POLL = 0.05


class ClusterProcessError(RuntimeError):
    """A node would not start or stop; the message says which and why."""


@dataclass(frozen=True)
class NodeStatus:
    name: str
    role: str
    shard: int | None
    pid: int | None
    port: int
    healthy: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "shard": self.shard,
            "pid": self.pid,
            "port": self.port,
            "healthy": self.healthy,
        }


def searchd_path() -> str:
    """The searchd binary: $SEARCH_APP_SEARCHD, else the one on PATH."""
    found = os.environ.get(SEARCHD_ENV) or shutil.which("searchd")
    if not found:
        raise ClusterProcessError(
            "searchd is not installed: `apt-get install sphinxsearch` (Debian/Ubuntu), "
            f"or set {SEARCHD_ENV} to the binary"
        )
    return found


def _is_ours(pid: int, config: Path) -> bool:
    """True when ``pid`` is a live (not zombie) searchd started with ``config``.

    Reaps it first if it is our own dead child, so a killed node never looks alive.
    """
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by another command): /proc tells
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
        return False
    return str(config).encode() in cmdline


def node_pid(cluster: Cluster, node: Node) -> int | None:
    """The pid of the node's running searchd, or None (a stale pid file is ignored)."""
    try:
        pid = int(cluster.pid_path(node).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_ours(pid, cluster.config_path(node)) else None


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _select(cluster: Cluster, names: Iterable[str] | None) -> list[Node]:
    if names is None:
        return list(cluster.nodes)
    return [cluster.node(name) for name in names]


def start(
    cluster: Cluster, names: Iterable[str] | None = None, timeout: float = START_TIMEOUT
) -> list[NodeStatus]:
    """Start every node (or the named ones) not already running; wait until all answer.

    Nodes start together and are waited for together, so a cluster is ready
    in about one node's start time. A node that exits or doesn't answer in
    ``timeout`` seconds is a ClusterProcessError quoting its log.
    """
    binary = searchd_path()
    started: dict[str, subprocess.Popen[bytes]] = {}
    nodes = _select(cluster, names)
    for node in nodes:
        config = cluster.config_path(node)
        if not config.exists():
            raise ClusterProcessError(f"{config} is missing; run `search-app cluster init`")
        if node_pid(cluster, node) is not None:
            continue
        node_dir = cluster.node_dir(node)
        (node_dir / "data").mkdir(parents=True, exist_ok=True)
        with open(node_dir / "stdout.log", "ab") as out:
            proc = subprocess.Popen(
                [binary, "--config", str(config), "--nodetach"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=node_dir,
                start_new_session=True,  # a Ctrl-C in the starting shell doesn't reach it
            )
        cluster.pid_path(node).write_text(f"{proc.pid}\n")
        started[node.name] = proc
        log.info("started %s (pid %d)", node.name, proc.pid)
    deadline = time.monotonic() + timeout
    waiting = list(nodes)
    while waiting:
        for node in list(waiting):
            proc = started.get(node.name)
            if proc is not None and proc.poll() is not None:
                cluster.pid_path(node).unlink(missing_ok=True)
                tail = _log_tail(cluster.node_dir(node) / "stdout.log")
                raise ClusterProcessError(
                    f"{node.name} exited at start (status {proc.returncode}): {tail}"
                )
            if ping(node, timeout=0.5):
                waiting.remove(node)
        if waiting and time.monotonic() > deadline:
            names_left = ", ".join(n.name for n in waiting)
            raise ClusterProcessError(f"{names_left} did not answer within {timeout:.0f} s")
        if waiting:
            time.sleep(_POLL)
    return status(cluster, [n.name for n in nodes])


def stop(
    cluster: Cluster, names: Iterable[str] | None = None, timeout: float = STOP_TIMEOUT
) -> list[str]:
    """SIGTERM every running node (or the named ones), SIGKILL those still up after ``timeout``.

    The aggregator goes first, so it never routes a query to a half-stopped
    shard. Returns the names of the nodes that were stopped.
    """
    nodes = sorted(_select(cluster, names), key=lambda n: n.role != "aggregator")
    running = {}
    stopped = []
    for node in nodes:
        pid = node_pid(cluster, node)
        if pid is None:
            cluster.pid_path(node).unlink(missing_ok=True)
            continue
        os.kill(pid, signal.SIGTERM)
        running[node.name] = (node, pid)
        stopped.append(node.name)
    deadline = time.monotonic() + timeout
    while running and time.monotonic() < deadline:
        for name, (node, _pid) in list(running.items()):
            if node_pid(cluster, node) is None:
                del running[name]
                cluster.pid_path(node).unlink(missing_ok=True)
        if running:
            time.sleep(_POLL)
    for node, pid in running.values():
        log.warning("%s (pid %d) ignored SIGTERM for %.0f s: SIGKILL", node.name, pid, timeout)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        kill_deadline = time.monotonic() + timeout
        while node_pid(cluster, node) is not None and time.monotonic() < kill_deadline:
            time.sleep(_POLL)
        cluster.pid_path(node).unlink(missing_ok=True)
    return stopped


def status(cluster: Cluster, names: Iterable[str] | None = None) -> list[NodeStatus]:
    """Each node's pid (None when not running here) and whether it answers SphinxQL now."""
    out = []
    for node in _select(cluster, names):
        out.append(
            NodeStatus(
                name=node.name,
                role=node.role,
                shard=node.shard,
                pid=node_pid(cluster, node),
                port=node.port,
                healthy=ping(node, timeout=0.5),
            )
        )
    return out
