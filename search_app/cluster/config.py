"""searchd configs generated from cluster.json: one per shard mirror, one for the aggregator.

Every node of a shard gets the same real-time index definition, so any mirror
can answer for any other; the aggregator holds only a distributed index whose
agents are the shards, each with its mirrors. The text settings are chosen to
agree with our own analysis (analysis.py): Snowball English stems, case and
accents folded, prefixes expanded from the dictionary.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from ..analysis import fold
from .model import CLUSTER_FILE, Cluster, ClusterConfigError, Node, layout

# The columns of a paragraph row; writer.py inserts them in this order. Full-text
# fields are searched; attributes are filtered, grouped, sorted on and returned.
# source_words: the source's name as words, for `source:` (a prefix match, as on Whoosh).
# fingerprint_words: "fp" + the paragraph's fingerprint, so the copies of the
# paragraphs a page shows ("also in") are found through the index in one
# statement, not by scanning an attribute once per paragraph.
# article_words: "a" + the article's key, so one article's rows are found through
# the index (a filter on the article_key attribute alone is a scan of every row:
# 25 to 50 ms a lookup at a million paragraphs on 2.2.11, which has no
# secondary indexes).
FIELDS = ("title", "text", "source_words", "fingerprint_words", "article_words")
ATTRIBUTES = (
    ("rt_attr_string", "article_id"),
    ("rt_attr_bigint", "article_key"),  # 63-bit hash of article_id: groups and deletes
    ("rt_attr_uint", "position"),  # paragraph number in the article, from 0
    ("rt_attr_string", "source"),  # display name, for the source facet
    ("rt_attr_bigint", "source_key"),  # hash of the source name: the source filter
    ("rt_attr_bigint", "published"),  # Unix seconds, signed: dates before 1970 exist
    ("rt_attr_uint", "year"),  # 0 when undated
    ("rt_attr_uint", "yearmonth"),  # 201107; 0 when undated: the monthly timeline
    ("rt_attr_string", "content_hash"),  # sha256 of the raw document: repair finds stale rows
    ("rt_attr_string", "body"),  # the paragraph as stored, for our own highlighter
    ("rt_attr_string", "fingerprint"),  # the paragraph's fingerprint (cleaning.fingerprint)
    ("rt_attr_bigint", "fingerprint_key"),  # its hash: finds copies ("also in")
    ("rt_attr_string", "meta"),  # JSON: title, source, url, published (what a result shows)
    ("rt_attr_string", "record"),  # JSON: the article's whole record, on paragraph 0 only
    # Words in the whole article (headline once, every paragraph), on every row:
    # the article score's length normalisation (engine/sphinx/articles.py).
    ("rt_attr_uint", "article_len"),
)

# Milliseconds. An agent that doesn't accept a connection in 300 ms on a LAN is
# down; the query timeout bounds a search even when a mirror hangs.
AGENT_CONNECT_TIMEOUT_MS = 300
AGENT_QUERY_TIMEOUT_MS = 5000
# nodeads pings every mirror this often, so a dead one is skipped within a few
# pings of dying (measured: about 3 s) instead of on the next failed query.
HA_PING_INTERVAL_MS = 300
# Our query language expands `asyl*` to the 64 most common words; the same cap here.
EXPANSION_LIMIT = 64
# The index keeps this much in RAM before it writes a disk chunk.
RT_MEM_LIMIT = "128M"

# Sphinx's default table for UTF-8 (digits, Latin and Cyrillic letters, '_')...
_BASE_CHARSET = [
    "0..9",
    "A..Z->a..z",
    "_",
    "a..z",
    "U+410..U+42F->U+430..U+44F",
    "U+430..U+44F",
    "U+401->U+451",
    "U+451",
]


@lru_cache(maxsize=1)
def charset_table() -> str:
    """Sphinx's default letters plus accented Latin folded the way analysis.fold folds them.

    Without these entries searchd treats "é" as a separator ("café" would be
    indexed as "caf"); with them, "Café" and "cafe" meet on both engines.
    """
    entries = list(_BASE_CHARSET)
    for code in range(0xC0, 0x250):
        char = chr(code)
        if not char.isalpha() or unicodedata.category(char) not in ("Lu", "Ll", "Lt"):
            continue
        target = fold(char)
        if len(target) != 1:
            continue
        entries.append(f"U+{code:X}->U+{ord(target):X}")
    return ", ".join(entries)


def _searchd_section(node: Node, node_dir: Path, extra: list[str]) -> list[str]:
    return [
        "searchd",
        "{",
        f"    listen = {node.host}:{node.binary_port}",
        f"    listen = {node.host}:{node.port}:mysql41",
        f"    log = {node_dir / 'searchd.log'}",
        f"    query_log = {node_dir / 'query.log'}",
        f"    pid_file = {node_dir / 'searchd.pid'}",
        f"    binlog_path = {node_dir / 'data'}",
        # Sphinx 2.2 defaults to fork-per-query; Manticore only has threads and
        # ignores this line with a warning.
        "    workers = threads",
        f"    expansion_limit = {EXPANSION_LIMIT}",
        *extra,
        "}",
    ]


def shard_config(cluster: Cluster, node: Node) -> str:
    """searchd.conf for one mirror of a shard: the real-time paragraph index."""
    node_dir = cluster.node_dir(node)
    lines = [
        f"# Generated by `search-app cluster init` from {cluster.root / CLUSTER_FILE}.",
        f"# {node.name}: mirror of shard {node.shard}.",
        f"index {cluster.index}",
        "{",
        "    type = rt",
        f"    path = {node_dir / 'data' / cluster.index}",
        *(f"    rt_field = {f}" for f in FIELDS),
        *(f"    {kind} = {name}" for kind, name in ATTRIBUTES),
        # keywords: prefixes are expanded from the dictionary at query time, so
        # min_prefix_len costs no index space and `asyl*` works.
        "    dict = keywords",
        "    min_prefix_len = 2",
        "    index_field_lengths = 1",
        # Raw words beside the stems: `=seeking` matches only "seeking" (exact:).
        "    index_exact_words = 1",
        # Snowball English, the stemmer analysis.py uses; `stem_en` would be Porter.
        "    morphology = libstemmer_english",
        f"    charset_table = {charset_table()}",
        f"    rt_mem_limit = {RT_MEM_LIMIT}",
        "}",
        "",
    ]
    lines += _searchd_section(node, node_dir, [])
    return "\n".join(lines) + "\n"


def aggregator_config(cluster: Cluster) -> str:
    """searchd.conf for the aggregator: a distributed index over every shard's mirrors."""
    node = cluster.aggregator
    node_dir = cluster.node_dir(node)
    agents = [
        "    agent = "
        + "|".join(f"{m.host}:{m.binary_port}" for m in shard.mirrors)
        + f":{cluster.index}"
        for shard in cluster.shards
    ]
    lines = [
        f"# Generated by `search-app cluster init` from {cluster.root / CLUSTER_FILE}.",
        "# The aggregator: fans each query out to one mirror of every shard and merges.",
        f"index {cluster.index}",
        "{",
        "    type = distributed",
        *agents,
        # nodeads: never send a query to a mirror the pings found dead.
        "    ha_strategy = nodeads",
        f"    agent_connect_timeout = {AGENT_CONNECT_TIMEOUT_MS}",
        f"    agent_query_timeout = {AGENT_QUERY_TIMEOUT_MS}",
        "}",
        "",
    ]
    lines += _searchd_section(node, node_dir, [f"    ha_ping_interval = {HA_PING_INTERVAL_MS}"])
    return "\n".join(lines) + "\n"


def write_configs(cluster: Cluster) -> list[Path]:
    """Write every node's folder and searchd.conf, and cluster.json; returns the configs."""
    written = []
    for node in cluster.nodes:
        node_dir = cluster.node_dir(node)
        (node_dir / "data").mkdir(parents=True, exist_ok=True)
        if node.role == "aggregator":
            text = aggregator_config(cluster)
        else:
            text = shard_config(cluster, node)
        path = cluster.config_path(node)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    cluster.save()
    return written


def init_cluster(
    root: str | Path,
    shards: int,
    replicas: int,
    host: str = "127.0.0.1",
    base_port: int = 19306,
    force: bool = False,
) -> Cluster:
    """Lay out a new cluster in ``root`` and write its configs.

    Refuses an existing cluster.json unless ``force``, because re-running init
    over a running cluster with other ports would orphan its processes.
    """
    root = Path(root)
    if (root / CLUSTER_FILE).exists() and not force:
        raise ClusterConfigError(
            f"{root / CLUSTER_FILE} exists; stop that cluster and pass --force to replace it"
        )
    root.mkdir(parents=True, exist_ok=True)
    cluster = layout(root, shards, replicas, host, base_port)
    write_configs(cluster)
    return cluster
