"""Writes: one shard per article, every mirror of it; replace, delete, failures, repair."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search_app import cli
from search_app.cluster import process
from search_app.cluster.model import Cluster
from search_app.engine.sphinx import writer as writer_module
from search_app.engine.sphinx.errors import WriteIncomplete
from search_app.engine.sphinx.rows import shard_for
from search_app.engine.sphinx.writer import ClusterWriter
from search_app.pipeline import ingest

from .conftest import kill9, make_article, rows_on

pytestmark = pytest.mark.cluster

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _ids_by_shard(cluster: Cluster, count: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {0: [], 1: []}
    for i in range(count):
        out[shard_for(f"art-{i}", len(cluster.shards))].append(f"art-{i}")
    return out


def test_an_article_goes_to_one_shard_and_both_its_mirrors(cluster: Cluster) -> None:
    aid = "art-0"
    home = shard_for(aid, 2)
    with ClusterWriter(cluster) as writer:
        writer.put_article(make_article(aid, ["First 'quoted' \\ paragraph.", "Second."]))
        report = writer.commit()
    assert report.put == 1 and report.rows == 2 and report.shards == {home: 1}
    expected = [(aid, 0, "First 'quoted' \\ paragraph."), (aid, 1, "Second.")]
    for mirror in cluster.shards[home].mirrors:
        assert rows_on(mirror) == expected
    for mirror in cluster.shards[1 - home].mirrors:
        assert rows_on(mirror) == []


def test_every_character_is_quoted_and_read_back(cluster: Cluster) -> None:
    # Rows are quoted by our own sql_literal, not PyMySQL: quotes, backslashes
    # (one ending the text too), line breaks and non-ASCII read back as sent;
    # NUL and SUB, which SphinxQL can't take, become spaces.
    aid = "art-q"
    text = 'It\'s "quoted" \\n not a newline,\nbut this is;\r\ttab, é, 東京, 🙂 \x00 \x1a end\\'
    with ClusterWriter(cluster) as writer:
        writer.put_article(make_article(aid, [text, "Second."]))
        writer.commit()
    for mirror in cluster.shards[shard_for(aid, 2)].mirrors:
        assert rows_on(mirror) == [
            (aid, 0, text.replace("\x00", " ").replace("\x1a", " ")),
            (aid, 1, "Second."),
        ]


def test_a_batch_past_one_transaction_writes_every_article_once(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A big batch is split into transactions of whole articles (TXN_ROWS): each
    # article's rows land together, none twice, and a re-put replaces them.
    monkeypatch.setattr(writer_module, "TXN_ROWS", 3)
    by_shard = _ids_by_shard(cluster, 30)
    for _ in range(2):
        with ClusterWriter(cluster) as writer:
            for ids in by_shard.values():
                for aid in ids:
                    writer.put_article(make_article(aid, [f"{aid} one", f"{aid} two"]))
            report = writer.commit()
        assert report.put == 30 and report.rows == 60
    for number, ids in by_shard.items():
        for mirror in cluster.shards[number].mirrors:
            expected = sorted((a, p, f"{a} {w}") for a in ids for p, w in enumerate(["one", "two"]))
            assert sorted(rows_on(mirror)) == expected


def test_the_hash_spreads_articles_over_both_shards(cluster: Cluster) -> None:
    by_shard = _ids_by_shard(cluster, 40)
    assert len(by_shard[0]) > 5 and len(by_shard[1]) > 5
    with ClusterWriter(cluster) as writer:
        for ids in by_shard.values():
            for aid in ids:
                writer.put_article(make_article(aid, [f"text of {aid}"]))
        writer.commit()
    for number, ids in by_shard.items():
        for mirror in cluster.shards[number].mirrors:
            assert sorted(r[0] for r in rows_on(mirror)) == sorted(ids)


def test_replace_and_delete(cluster: Cluster) -> None:
    aid = "art-1"
    home = cluster.shards[shard_for(aid, 2)]
    with ClusterWriter(cluster) as writer:
        writer.put_article(make_article(aid, ["one", "two", "three"]))
        writer.put_article(make_article("art-2", ["other article"]))
        writer.commit()
        writer.put_article(make_article(aid, ["uno", "dos"]))
        writer.commit()
        for mirror in home.mirrors:
            assert [r for r in rows_on(mirror) if r[0] == aid] == [(aid, 0, "uno"), (aid, 1, "dos")]
        writer.delete_article(aid)
        assert writer.commit().deleted == 1
    for shard in cluster.shards:
        for mirror in shard.mirrors:
            assert all(r[0] != aid for r in rows_on(mirror))
    assert sum(len(rows_on(m)) for s in cluster.shards for m in s.mirrors) == 2  # art-2 x 2


def test_a_write_with_a_dead_mirror_fails_clearly_and_retry_makes_it_whole(
    cluster: Cluster,
) -> None:
    aid = "art-3"
    number = shard_for(aid, 2)
    dead = cluster.shards[number].mirrors[1]
    kill9(cluster, dead)
    writer = ClusterWriter(cluster)
    writer.put_article(make_article(aid, ["must reach both mirrors"]))
    with pytest.raises(WriteIncomplete) as caught:
        writer.commit()
    assert caught.value.shard == number and caught.value.mirrors == [dead.name]
    message = str(caught.value)
    assert f"shard {number}" in message and dead.name in message and "again" in message
    # Nothing was written to the live twin either: the index didn't run ahead.
    assert rows_on(cluster.shards[number].mirrors[0]) == []
    assert writer.pending == 1
    process.start(cluster, [dead.name])
    writer.commit()
    writer.close()
    for mirror in cluster.shards[number].mirrors:
        assert rows_on(mirror) == [(aid, 0, "must reach both mirrors")]


def _store_into_cluster(index_dir: Path, cluster: Cluster) -> dict[str, str]:
    """Everything in the raw store, written to the cluster the way an ingest would."""
    from search_app.cluster.cli import _store_articles

    expected, load_article, store = _store_articles(str(index_dir))
    try:
        with ClusterWriter(cluster) as writer:
            for aid in expected:
                writer.put_article(load_article(aid))
            writer.commit()
    finally:
        store.close()
    return expected


def test_repair_refills_a_mirror_restarted_empty(
    cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    assert ingest([str(SEEDS)], index_dir).ok
    expected = _store_into_cluster(index_dir, cluster)
    assert len(expected) == 3
    holding = [s for s in cluster.shards if rows_on(s.mirrors[0])]
    shard = holding[0]
    twin, emptied = shard.mirrors
    before = rows_on(twin)
    # The mirror loses its disk: stop it, wipe its data, start it empty.
    process.stop(cluster, [emptied.name])
    data = cluster.node_dir(emptied) / "data"
    shutil.rmtree(data)
    data.mkdir()
    process.start(cluster, [emptied.name])
    assert rows_on(emptied) == []
    # A stray article the store doesn't have, on the other mirror, goes too.
    with ClusterWriter(cluster) as writer:
        writer.put_article(make_article("stray", ["not in the store"]))
        writer.commit()
    status = cli.main(["cluster", "repair", str(cluster.root), "--index", str(index_dir), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    by_name = {m["name"]: m for m in out["mirrors"]}
    # Seed ids come from their paths, so which shard holds them varies by checkout;
    # "stray" is on the emptied mirror only when it hashes to the same shard.
    stray_here = shard_for("stray", len(cluster.shards)) == cluster.shards.index(shard)
    assert by_name[emptied.name]["written"] == len({r[0] for r in before})
    assert by_name[emptied.name]["held"] == (1 if stray_here else 0)
    assert all(m["ok"] for m in out["mirrors"])
    assert sum(m["deleted"] for m in out["mirrors"]) == 2  # "stray" on both its mirrors
    assert rows_on(emptied) == before == rows_on(twin)
    # A second repair finds nothing to do.
    assert (
        cli.main(["cluster", "repair", str(cluster.root), "--index", str(index_dir), "--json"]) == 0
    )
    again = json.loads(capsys.readouterr().out)
    assert all(m["written"] == 0 and m["deleted"] == 0 for m in again["mirrors"])


def test_repair_reports_a_mirror_it_cannot_reach(
    cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    assert ingest([str(SEEDS)], index_dir).ok
    dead = cluster.shards[0].mirrors[0]
    kill9(cluster, dead)
    status = cli.main(["cluster", "repair", str(cluster.root), "--index", str(index_dir)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{dead.name}: NOT repaired" in out and "unavailable" in out


def test_start_with_repair_refills_a_wiped_mirror(
    cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    assert ingest([str(SEEDS)], index_dir).ok
    _store_into_cluster(index_dir, cluster)
    shard = next(s for s in cluster.shards if rows_on(s.mirrors[0]))
    twin, wiped = shard.mirrors
    process.stop(cluster, [wiped.name])
    shutil.rmtree(cluster.node_dir(wiped) / "data")
    status = cli.main(
        ["cluster", "start", str(cluster.root), "--repair", "--index", str(index_dir), "--json"]
    )
    out, err = capsys.readouterr()
    assert status == 0
    assert all(n["healthy"] for n in json.loads(out)["nodes"])
    assert f"{wiped.name}: {len({r[0] for r in rows_on(twin)})} written" in err
    assert rows_on(wiped) == rows_on(twin)
