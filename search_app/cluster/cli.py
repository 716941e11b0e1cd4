"""`search-app cluster init|start|stop|status|repair`: run a search cluster.

Kept apart from search_app/cli.py, which only adds this subparser: the
cluster commands have their own arguments (a cluster folder, not an index).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..engine.sphinx.errors import SphinxError
from . import process
from .config import init_cluster
from .model import ClusterConfigError, load


def cmd_init(args: argparse.Namespace) -> int:
    cluster = init_cluster(
        args.dir, args.shards, args.replicas, args.host, args.base_port, force=args.force
    )
    print(
        f"wrote {len(cluster.nodes)} node configs and {cluster.root / 'cluster.json'}: "
        f"{len(cluster.shards)} shards x {len(cluster.shards[0].mirrors)} mirrors, "
        f"aggregator on {cluster.aggregator.address}"
    )
    return 0


def _print_status(nodes: list[process.NodeStatus], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"nodes": [n.as_dict() for n in nodes]}))
        return
    for n in nodes:
        where = "aggregator" if n.shard is None else f"shard {n.shard}"
        state = "healthy" if n.healthy else "DOWN"
        pid = n.pid if n.pid is not None else "-"
        print(f"{n.name:<16} {where:<10} port {n.port:<6} pid {pid!s:<8} {state}")


def cmd_start(args: argparse.Namespace) -> int:
    cluster = load(args.dir)
    nodes = process.start(cluster, args.node or None)
    healthy = all(n.healthy for n in nodes)
    if getattr(args, "repair", False):
        # After the status, so --json still prints one object first; the
        # repair's own lines follow it on stderr.
        _print_status(nodes, args.json)
        return max(0 if healthy else 1, _repair(cluster, args.index, args.node, sys.stderr))
    _print_status(nodes, args.json)
    return 0 if healthy else 1


def cmd_stop(args: argparse.Namespace) -> int:
    cluster = load(args.dir)
    stopped = process.stop(cluster, args.node or None)
    if args.json:
        print(json.dumps({"stopped": stopped}))
    else:
        print(f"stopped {len(stopped)} node(s)" + (": " + ", ".join(stopped) if stopped else ""))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    nodes = process.status(load(args.dir))
    _print_status(nodes, args.json)
    return 0 if all(n.healthy for n in nodes) else 1


def _store_articles(index_dir: str) -> tuple[dict[str, str], Any, Any]:
    """(article id -> sha256, loader, store) from the raw store in ``index_dir``."""
    from ..config import load_settings
    from ..pipeline import clean_raw, options_from_settings
    from ..store import RawStore

    path = os.path.join(index_dir, "raw.sqlite")
    if not os.path.exists(path):
        raise ClusterConfigError(f"no raw store at {path}; pass --index with the ingest's folder")
    store = RawStore(path)
    rules = options_from_settings(load_settings(), None).rules
    expected = {e.article_id: e.sha256 for e in store.entries()}

    def load_article(article_id: str) -> Any:
        from dataclasses import replace

        raw = store.get(article_id)
        if raw is None:
            return None
        try:
            return replace(clean_raw(raw, rules), id=article_id)
        except Exception:  # an article that no longer cleans must not stay searchable
            return None

    return expected, load_article, store


def _repair(cluster: Any, index: str, names: list[str] | None, out: TextIO) -> int:
    from ..engine.sphinx.repair import repair

    expected, load_article, store = _store_articles(index)
    try:
        reports = repair(cluster, expected, load_article, mirrors=names or None)
    finally:
        store.close()
    for r in reports:
        if not r.ok:
            print(f"{r.mirror}: NOT repaired: {r.error}", file=out)
        else:
            print(f"{r.mirror}: {len(r.written)} written, {len(r.deleted)} deleted", file=out)
    return 0 if all(r.ok for r in reports) else 1


def cmd_repair(args: argparse.Namespace) -> int:
    from ..engine.sphinx.repair import repair

    cluster = load(args.dir)
    if not args.json:
        return _repair(cluster, args.index, args.node, sys.stdout)
    expected, load_article, store = _store_articles(args.index)
    try:
        reports = repair(cluster, expected, load_article, mirrors=args.node or None)
    finally:
        store.close()
    mirrors = [
        {
            "name": r.mirror,
            "shard": r.shard,
            "ok": r.ok,
            "error": r.error,
            "held": r.held,
            "written": len(r.written),
            "deleted": len(r.deleted),
        }
        for r in reports
    ]
    print(json.dumps({"mirrors": mirrors}))
    return 0 if all(r.ok for r in reports) else 1


Handler = Callable[[argparse.Namespace], int]


def _guarded(func: Handler) -> Handler:
    """The handler, with configuration and cluster errors as one clear line and status 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (ClusterConfigError, process.ClusterProcessError, SphinxError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return run


def add_subparser(subparsers: Any) -> None:
    """Add `cluster` and its subcommands to the main parser's subparsers."""
    parser = subparsers.add_parser("cluster", help="run a sharded search cluster (searchd)")
    sub = parser.add_subparsers(dest="cluster_command", required=True)
    default_index = os.environ.get("SEARCH_APP_INDEX", "index")

    p = sub.add_parser("init", help="write cluster.json and one searchd config per node")
    p.add_argument("dir", help="cluster folder (configs, data, logs)")
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--replicas", type=int, default=1, help="mirrors per shard (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address every node listens on")
    p.add_argument(
        "--base-port",
        type=int,
        default=19306,
        help="aggregator's SphinxQL port; each node takes the next two (default 19306)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing cluster.json")
    p.set_defaults(func=_guarded(cmd_init))

    for name, func, text in (
        ("start", cmd_start, "start the nodes and wait until they answer"),
        ("stop", cmd_stop, "stop the nodes (SIGTERM, then SIGKILL)"),
        ("status", cmd_status, "each node's pid, port and health"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("dir")
        p.add_argument("--json", action="store_true")
        if name != "status":
            p.add_argument("--node", action="append", help="only this node (repeatable)")
        if name == "start":
            p.add_argument(
                "--repair",
                action="store_true",
                help="then bring every mirror in line with the raw store (see repair)",
            )
            p.add_argument(
                "--index", default=default_index, help=f"raw store's folder ({default_index})"
            )
        p.set_defaults(func=_guarded(func))

    p = sub.add_parser("repair", help="bring mirrors back in line with the raw store")
    p.add_argument("dir")
    p.add_argument(
        "--index", default=default_index, help=f"folder of the raw store (default {default_index})"
    )
    p.add_argument("--node", action="append", help="only this mirror (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guarded(cmd_repair))
