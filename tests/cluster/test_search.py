"""Searches through the aggregator: groups, counts, facets, filters, and mirrors failing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from search_app.cluster import process
from search_app.cluster.model import Cluster
from search_app.engine.sphinx.errors import QueryFailed, ShardUnavailable
from search_app.engine.sphinx.match import And, Not, Or, Phrase, Term
from search_app.engine.sphinx.reader import ClusterReader, Found, Search
from search_app.engine.sphinx.rows import shard_for
from search_app.engine.sphinx.writer import ClusterWriter

from .conftest import kill9, make_article

pytestmark = pytest.mark.cluster

SOURCES = ("cnn", "bbc", "reuters")
COUNT = 24


def _load(cluster: Cluster) -> None:
    """24 articles: every one has 'asylum' in paragraph 0; even ones also in paragraph 2."""
    with ClusterWriter(cluster) as writer:
        for i in range(COUNT):
            paragraphs = [
                f"Diplomats seeking asylum, story {i}.",
                "The weather stayed fine all week.",
                "Asylum again, and again asylum." if i % 2 == 0 else "Nothing more here.",
            ]
            writer.put_article(
                make_article(
                    f"art-{i}",
                    paragraphs,
                    title="Embassy standoff" if i % 4 == 0 else "News of the day",
                    source=SOURCES[i % 3],
                    published=datetime(2010 + i % 3, 1 + i % 12, 5, tzinfo=UTC),
                )
            )
        writer.commit()


@pytest.fixture
def loaded(cluster: Cluster) -> Cluster:
    _load(cluster)
    return cluster


def _ids(found: Found) -> list[str]:
    return [g.article_id for g in found.groups]


def test_groups_counts_and_facets(loaded: Cluster) -> None:
    reader = ClusterReader(loaded)
    found = reader.search(Search(Term("asylum"), per_page=30))
    assert found.total_articles == COUNT
    assert found.total_paragraphs == COUNT + COUNT // 2
    assert sorted(_ids(found)) == sorted(f"art-{i}" for i in range(COUNT))
    for group in found.groups:
        i = int(group.article_id.split("-")[1])
        assert group.matching_paragraphs == (2 if i % 2 == 0 else 1)
        assert [p.position for p in group.paragraphs] == sorted(
            (p.position for p in group.paragraphs),
            key=lambda pos: -next(x.score for x in group.paragraphs if x.position == pos),
        )
        assert {p.position for p in group.paragraphs} <= {0, 2}
        assert group.paragraphs[0].score == group.score
        assert "sylum" in group.paragraphs[0].text  # the stored paragraph text comes back
        assert group.source == SOURCES[i % 3]
    # Facets count articles, not paragraphs.
    assert dict(found.facets["source"]) == {"cnn": 8, "bbc": 8, "reuters": 8}
    assert dict(found.facets["year"]) == {"2010": 8, "2011": 8, "2012": 8}
    assert sum(c for _, c in found.timeline) == COUNT
    assert [m for m, _ in found.timeline] == sorted(m for m, _ in found.timeline)


def test_paging_never_repeats_an_article(loaded: Cluster) -> None:
    reader = ClusterReader(loaded)
    pages = [_ids(reader.search(Search(Term("asylum"), page=p, per_page=10))) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [10, 10, 4]
    assert len({a for p in pages for a in p}) == COUNT


def test_query_kinds_filters_and_sorting(loaded: Cluster) -> None:
    reader = ClusterReader(loaded)

    def ids(query, **kwargs) -> set[str]:  # type: ignore[no-untyped-def]
        found = reader.search(Search(query, per_page=50, **kwargs))
        assert found.total_articles == len(found.groups)
        return set(_ids(found))

    every = {f"art-{i}" for i in range(COUNT)}
    even = {f"art-{i}" for i in range(0, COUNT, 2)}
    fourth = {f"art-{i}" for i in range(0, COUNT, 4)}
    assert ids(Term("seek")) == every  # stemmed: "seeking" matches
    assert ids(Term("seek", exact=True)) == set()
    assert ids(Term("seeking", exact=True)) == every
    assert ids(Phrase(("seek", "asylum"))) == every
    assert ids(Phrase(("asylum", "again"))) == even
    assert ids(Term("asyl", prefix=True)) == every
    assert ids(Term("embassy", field="title")) == fourth
    assert ids(Term("embassy", field="text")) == set()
    assert ids(And((Term("asylum"), Not(Term("again"))))) == every  # paragraph 0 has no "again"
    assert ids(And((Term("weather"), Not(Term("embassy", field="title"))))) == every - fourth
    assert ids(Or((Term("weather"), Term("nothing")))) == every
    assert ids(Term("asylum"), sources=("bbc",)) == {f"art-{i}" for i in range(1, COUNT, 3)}
    in_2011 = ids(
        Term("asylum"),
        date_from=datetime(2011, 1, 1, tzinfo=UTC),
        date_to=datetime(2012, 1, 1, tzinfo=UTC),
    )
    assert in_2011 == {f"art-{i}" for i in range(1, COUNT, 3)}
    # Query syntax inside a word is text (separators), never an operator or a syntax error.
    assert ids(Term('asylum"|(-)@/~=^$*')) == every
    assert ids(Term("asylum@embassy")) == fourth  # both words: "@" is no field limit
    assert ids(Phrase(("seek", "asylum*)"))) == every
    newest = reader.search(Search(Term("asylum"), per_page=50, sort="newest")).groups
    dates = [g.published for g in newest]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    with pytest.raises(ValueError, match="unknown sort"):
        reader.search(Search(Term("asylum"), sort="sideways"))


def _wait_complete(reader: ClusterReader, expected: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        found = reader.search(Search(Term("asylum"), per_page=5))
        if found.total_articles == expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found.total_articles == expected


def test_one_dead_mirror_per_shard_still_gives_complete_answers(loaded: Cluster) -> None:
    reader = ClusterReader(loaded)
    kill9(loaded, loaded.shards[0].mirrors[0])
    kill9(loaded, loaded.shards[1].mirrors[1])
    # Every answer, from the first after the kill, is complete or an error: never short.
    for _ in range(10):
        found = reader.search(Search(Term("asylum"), per_page=5))
        assert found.total_articles == COUNT
        assert found.total_paragraphs == COUNT + COUNT // 2
        assert dict(found.facets["source"]) == {"cnn": 8, "bbc": 8, "reuters": 8}


def test_a_shard_with_every_mirror_dead_is_named(loaded: Cluster) -> None:
    reader = ClusterReader(loaded)
    for mirror in loaded.shards[1].mirrors:
        kill9(loaded, mirror)
    with pytest.raises(ShardUnavailable) as caught:
        reader.search(Search(Term("asylum")))
    assert caught.value.shard == 1 and "shard 1" in str(caught.value)
    # Back up (the RT index comes back from its binlog): complete again.
    process.start(loaded, [m.name for m in loaded.shards[1].mirrors])
    on_shard_1 = sum(1 for i in range(COUNT) if shard_for(f"art-{i}", 2) == 1)
    assert on_shard_1 > 0
    _wait_complete(reader, COUNT)


def test_undated_articles_have_no_date_and_no_period(cluster: Cluster) -> None:
    with ClusterWriter(cluster) as writer:
        writer.put_article(make_article("undated", ["asylum undated"], published=None))
        writer.put_article(
            make_article("old", ["asylum old"], published=datetime(1960, 3, 1, tzinfo=UTC))
        )
        writer.commit()
    reader = ClusterReader(cluster)
    found = reader.search(Search(Term("asylum")))
    by_id = {g.article_id: g for g in found.groups}
    assert by_id["undated"].published is None
    assert by_id["old"].published == int(datetime(1960, 3, 1, tzinfo=UTC).timestamp())
    assert dict(found.facets["year"]) == {"1960": 1}
    assert found.timeline == ((196003, 1),)
    before_1970 = reader.search(Search(Term("asylum"), date_to=datetime(1970, 1, 1, tzinfo=UTC)))
    assert _ids(before_1970) == ["old"]


def test_a_statement_every_agent_refuses_is_an_error_not_a_dead_shard(cluster: Cluster) -> None:
    reader = ClusterReader(cluster)
    started = time.monotonic()
    with pytest.raises(QueryFailed, match="remote query error"):
        reader._run(  # a column the shards don't have: each agent refuses it
            f"SELECT nosuchcolumn FROM {cluster.index} WHERE MATCH('asylum') "
            "ORDER BY nosuchcolumn ASC",
            [],
        )
    assert time.monotonic() - started < 1.0  # refused at once, not retried as a dead shard
