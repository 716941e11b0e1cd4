"""Fixtures that run a test on both engines: Whoosh, and a real search cluster.

A test asks for ``engine_client`` (or ``engine_app``, ``engine_index``,
``engine_setting``) and runs twice: on the Whoosh index of the seeds and
wire stories (``corpus_index``), and on the same documents ingested into a
2 x 2 cluster of searchd processes on loopback with ``--engine
sphinx:PATH``. The cluster is started once per session (about half a
second) and stopped by pid at the end. tests/conftest.py imports these, so
any test module can opt in; tests/cluster/test_engines.py runs a core set of
the web and API tests this way by pointing their ``client`` at it.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_app import create_app
from search_app.cluster import process
from search_app.cluster.config import init_cluster
from search_app.cluster.model import Cluster
from search_app.pipeline import IngestOptions, ingest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
WIRE = ROOT / "tests" / "data" / "wire.jsonl"
NODES = 5  # 2 x 2 mirrors + aggregator
PORTS_PER_NODE = 2
ENGINES = ("whoosh", "sphinx")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(count: int) -> int:
    """The first port of ``count`` consecutive free ports.

    Starts from a place derived from the pid, so parallel test runs on one
    machine look in different places first; every port is checked anyway.
    """
    start = 30_000 + (os.getpid() % 1000) * 20
    for base in range(start, 60_000, count + 2):
        if all(_free(p) for p in range(base, base + count)):
            return base
    for base in range(20_000, start, count + 2):
        if all(_free(p) for p in range(base, base + count)):
            return base
    raise RuntimeError("no block of free ports on 127.0.0.1")


def start_cluster(root: Path) -> Cluster:
    """A 2 x 2 cluster in ``root`` on free ports, started; stop it with process.stop."""
    created = init_cluster(root, 2, 2, base_port=free_port_block(NODES * PORTS_PER_NODE))
    process.start(created)
    return created


def sphinx_setting(cluster: Cluster) -> str:
    return f"sphinx:{cluster.root / 'cluster.json'}"


@pytest.fixture(scope="session")
def session_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for every read-only cross-engine test of the session."""
    created = start_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield created
    finally:
        process.stop(created)


@pytest.fixture(scope="session")
def cluster_corpus(
    tmp_path_factory: pytest.TempPathFactory, session_cluster: Cluster
) -> tuple[Path, str]:
    """The seeds and wire stories ingested into the session cluster: (index folder, engine)."""
    setting = sphinx_setting(session_cluster)
    root = tmp_path_factory.mktemp("cluster-index")
    report = ingest([str(SEEDS), str(WIRE)], root, IngestOptions(engine=setting, workers=1))
    assert report.ok and report.new == 7, report.as_dict()
    return root, setting


@pytest.fixture(scope="session", params=ENGINES)
def engine_index(request: pytest.FixtureRequest) -> tuple[Path, str]:
    """(index folder, SEARCH_APP_ENGINE value) holding the same 7 articles, on each engine."""
    if request.param == "whoosh":
        return request.getfixturevalue("corpus_index"), "whoosh"
    return request.getfixturevalue("cluster_corpus")  # type: ignore[no-any-return]


@pytest.fixture
def engine_setting(engine_index: tuple[Path, str]) -> str:
    return engine_index[1]


@pytest.fixture
def engine_app(engine_index: tuple[Path, str]):  # type: ignore[no-untyped-def]
    root, setting = engine_index
    return create_app({"INDEX": str(root), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})


@pytest.fixture
def engine_client(engine_app):  # type: ignore[no-untyped-def]
    return engine_app.test_client()


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest
