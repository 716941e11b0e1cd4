"""What can go wrong talking to the cluster, as exceptions a caller can act on.

Each names the shard or node at fault, so a 503 can say which shard is down
and an operator knows which mirror to restart or repair.
"""

from __future__ import annotations


class SphinxError(Exception):
    """Base class: anything the cluster engine raises on purpose."""


class NodeUnavailable(SphinxError):
    """One node did not answer (refused, timed out, or dropped the connection)."""

    def __init__(self, node: str, address: str, reason: str) -> None:
        super().__init__(f"search node {node} ({address}) is unavailable: {reason}")
        self.node = node
        self.address = address
        self.reason = reason


class ShardUnavailable(SphinxError):
    """No mirror of a shard answered: results would miss every article on it."""

    def __init__(self, shard: int, reason: str) -> None:
        super().__init__(f"shard {shard} is unavailable (no mirror answered): {reason}")
        self.shard = shard
        self.reason = reason


class IncompleteResults(SphinxError):
    """The aggregator answered but warned that part of the data is missing."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__("search results are incomplete: " + "; ".join(warnings))
        self.warnings = warnings


class QueryFailed(SphinxError):
    """searchd refused a statement (syntax, unknown index or column): a bug or bad input."""

    def __init__(self, node: str, sql: str, message: str) -> None:
        short = sql if len(sql) < 300 else sql[:297] + "..."
        super().__init__(f"{node} refused the statement: {message} [{short}]")
        self.node = node
        self.sql = sql
        self.message = message


# What the newest index layout added, for the message of a cluster made before it.
LAYOUT = "index_field_lengths, article_len and article_words"


class OldCluster(SphinxError):
    """The cluster's index lacks what this version writes or reads: an older version made it.

    Its rows can't be patched in place (a real-time index's schema is fixed
    when searchd creates it), so the way out is a new index from the raw store.
    """

    def __init__(self, node: str, message: str) -> None:
        super().__init__(
            f"{node}: {message}; the cluster's index was made before {LAYOUT}: "
            "run `search-app cluster init` again and `search-app reindex`"
        )


def old_cluster(exc: QueryFailed) -> OldCluster | None:
    """An OldCluster when searchd refused a statement for a column or field its index
    lacks (the index is older than this version's layout), else None."""
    # index_field_lengths missing: title_len names the field, not a number.
    signs = ("unknown column", "no field", "numeric operation applied to non-numeric")
    if any(sign in exc.message for sign in signs):
        return OldCluster(exc.node, exc.message)
    return None


class WriteIncomplete(SphinxError):
    """A write batch could not reach every mirror of a shard; retrying it makes it whole."""

    def __init__(self, shard: int, mirrors: list[str], reason: str) -> None:
        names = ", ".join(mirrors)
        super().__init__(
            f"write to shard {shard} failed on mirror(s) {names}: {reason}. "
            "Nothing in this batch is committed to the raw store; run the same ingest "
            "again when every mirror is up, or `search-app cluster repair` a mirror "
            "that was restarted empty."
        )
        self.shard = shard
        self.mirrors = mirrors
        self.reason = reason
