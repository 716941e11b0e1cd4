"""The cluster's paragraph score: BM25 with length normalisation, as on Whoosh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_app import create_app
from search_app.cluster import process
from search_app.cluster.config import init_cluster
from search_app.cluster.model import Cluster
from search_app.engine.sphinx.errors import OldCluster
from search_app.pipeline import IngestOptions, ingest

from .engines import NODES, PORTS_PER_NODE, free_port_block, sphinx_setting

pytestmark = pytest.mark.cluster

FILLER = " ".join(f"filler{i}" for i in range(60))
ARTICLES = [
    # The word twice in a long paragraph, once in a short one: BM25 with
    # length normalisation puts the short one first (a score without it, the
    # long one, for its two occurrences).
    {"id": "long", "title": "Notes", "text": f"The glacier moved. {FILLER}. The glacier again."},
    {"id": "short", "title": "Notes", "text": "The glacier moved."},
    {"id": "other", "title": "Notes", "text": "Nothing of the kind here."},
]


def _ingest(root: Path, setting: str, articles: list[dict[str, str]] = ARTICLES) -> Path:
    jsonl = root / "articles.jsonl"
    jsonl.write_text("".join(json.dumps(a) + "\n" for a in articles))
    index = root / "index"
    report = ingest([str(jsonl)], index, IngestOptions(engine=setting, workers=1))
    assert report.ok and report.new == len(articles), report.as_dict()
    return index


def _search(index: Path, setting: str, q: str):  # type: ignore[no-untyped-def]
    app = create_app({"INDEX": str(index), "ENGINE": setting, "TESTING": True, "RATE_LIMIT": 0})
    return app.test_client().get("/api/search", query_string={"q": q})


def _cluster(root: Path, shards: int) -> Cluster:
    return init_cluster(root, shards, 1, base_port=free_port_block(NODES * PORTS_PER_NODE))


def _ranked(tmp_path: Path, engine: str, articles: list[dict[str, str]], q: str):  # type: ignore[no-untyped-def]
    """``q`` searched over ``articles`` on one engine. One shard: searchd's IDF is per
    shard, and these tests compare what a score does with lengths and counts alone."""
    single = _cluster(tmp_path / "cluster", 1)
    process.start(single)
    try:
        setting = sphinx_setting(single) if engine == "sphinx" else "whoosh"
        resp = _search(_ingest(tmp_path, setting, articles), setting, q)
    finally:
        process.stop(single)
    assert resp.status_code == 200
    return resp.get_json()["results"]


@pytest.mark.parametrize("engine", ["whoosh", "sphinx"])
def test_the_shorter_paragraph_with_the_word_ranks_first_on_both_engines(
    tmp_path: Path, engine: str
) -> None:
    results = _ranked(tmp_path, engine, ARTICLES, "glacier")
    assert [r["id"] for r in results] == ["short", "long"]


def _old_cluster(root: Path, line: str) -> Cluster:
    """A 2-shard cluster whose configs lack ``line``: made by an older version."""
    old = _cluster(root, 2)
    for shard in old.shards:
        for node in shard.mirrors:
            conf = old.config_path(node)
            conf.write_text(conf.read_text().replace(f"    {line}\n", ""))
    return old


def test_a_cluster_made_before_field_lengths_says_how_to_remake_it(tmp_path: Path) -> None:
    old = _old_cluster(tmp_path / "cluster", "index_field_lengths = 1")
    process.start(old)
    try:
        setting = sphinx_setting(old)
        resp = _search(_ingest(tmp_path, setting), setting, "glacier")
    finally:
        process.stop(old)
    assert resp.status_code == 503
    body = resp.get_json()
    assert "`search-app cluster init` again and `search-app reindex`" in json.dumps(body)


def _words(start: int, count: int) -> str:
    return " ".join(f"filler{i}" for i in range(start, start + count))


SPREAD = [
    # The word once, in the article's one short paragraph that holds it: the
    # best single paragraph. The rest of the article is about other things.
    {
        "id": "once",
        "title": "Notes",
        "text": "\n\n".join(
            [f"The glacier moved. {_words(0, 8)}."] + [_words(20 * i, 20) for i in range(5)]
        ),
    },
    # The word in each of four longer paragraphs: each a weaker paragraph than
    # "once"'s, but an article about glaciers.
    {
        "id": "spread",
        "title": "Notes",
        "text": "\n\n".join(f"Part {i}: the glacier moved. {_words(100, 15)}." for i in range(4)),
    },
    *(
        {"id": f"other{n}", "title": "Notes", "text": "\n\n".join(_words(0, 20) for _ in range(10))}
        for n in range(2)
    ),
]


@pytest.mark.parametrize("engine", ["whoosh", "sphinx"])
def test_an_article_holding_the_word_throughout_outranks_one_better_paragraph(
    tmp_path: Path, engine: str
) -> None:
    # The article score (engine/article_score.py; on the cluster
    # engine/sphinx/articles.py): ranked by best paragraph alone, "once" would
    # come first, as it did on the cluster before.
    results = _ranked(tmp_path, engine, SPREAD, "glacier")
    assert [(r["id"], r["matching_paragraphs"]) for r in results] == [("spread", 4), ("once", 1)]


def test_writing_to_a_cluster_made_before_article_lengths_says_how_to_remake_it(
    tmp_path: Path,
) -> None:
    old = _old_cluster(tmp_path / "cluster", "rt_attr_uint = article_len")
    process.start(old)
    try:
        with pytest.raises(OldCluster, match=r"`search-app cluster init` again and `search-app"):
            _ingest(tmp_path, sphinx_setting(old))
    finally:
        process.stop(old)
