"""The cluster reader's vocabulary: document counts and frequencies, and expansions.

Kept apart from search.py (the statements a search sends): prefixes,
wildcards and ranges expand from the vocabulary kept beside the raw store
(vocabulary.sqlite), stemmed as the index stems; document frequencies come
from CALL KEYWORDS on one live mirror of each shard.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from ...analysis import fold, stem
from ...query.tree import Fuzzy, Node, Prefix, TermRange, Wildcard
from ...vocabulary import VOCABULARY_FILE
from .compile import Unsatisfiable, compile_query, sphinx_word
from .errors import NodeUnavailable, QueryFailed, ShardUnavailable

log = logging.getLogger(__name__)

# The vocabulary words scanned for one prefix, most frequent first.
PREFIX_SCAN = 2_000
_WORDY = re.compile(r"\w+")


class Lexicon:
    """Mixed into SphinxReader, which provides _run, _options, index, cluster, _df, _doc_count."""

    _run: Any
    _options: Any
    index: Any
    cluster: Any
    _df: dict[str, int]
    _doc_count: int | None

    # -- vocabulary

    def doc_count(self) -> int:
        if self._doc_count is None:
            result = self._run(
                f"SELECT COUNT(*) FROM {self.cluster.index}" + self._options(1000, False)
            )
            self._doc_count = int(result.rows[0][0]) if result.rows else 0
        return self._doc_count

    def doc_frequency(self, field: str, term: str) -> int:
        """Paragraphs holding the term in any field (CALL KEYWORDS per shard, summed)."""
        if term not in self._df:
            self._keyword_stats([term])
        return self._df.get(term, 0)

    def _keyword_stats(self, terms: list[str]) -> None:
        """Fill the df cache for these terms: one CALL KEYWORDS per shard for all of them."""
        todo = [t for t in dict.fromkeys(terms) if t not in self._df and _WORDY.fullmatch(t)]
        for t in terms:
            self._df.setdefault(t, 0) if not _WORDY.fullmatch(t) else None
        if not todo:
            return
        counts = dict.fromkeys(todo, 0)
        for shard in self.cluster.shards:
            rows = None
            for mirror in shard.mirrors:
                try:
                    rows = self.index.pool.get(mirror).execute(
                        "CALL KEYWORDS(%s, %s, 1)",
                        [" ".join(sphinx_word(t) for t in todo), self.cluster.index],
                        meta=False,
                    )
                    break
                except (NodeUnavailable, QueryFailed) as exc:
                    log.info("CALL KEYWORDS on %s failed: %s", mirror.name, exc)
            if rows is None:
                raise ShardUnavailable(shard.number, "no mirror answered CALL KEYWORDS")
            # One row per word, in order: (qpos, tokenized, normalized, docs, hits).
            by_pos = [r for r in rows.rows if str(r[0]).isdigit()]
            for term, row in zip(todo, by_pos, strict=False):
                counts[term] += int(row[3])
        self._df.update(counts)

    def _vocabulary(self, sql: str, args: list[Any]) -> list[tuple[str, int]]:
        path = self.index.root / VOCABULARY_FILE
        if not path.exists():
            return []
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return [(str(t), int(df)) for t, df in conn.execute(sql, args)]
            finally:
                conn.close()
        except sqlite3.Error as exc:  # a damaged vocabulary costs expansion, never the search
            log.warning("vocabulary unreadable: %s", exc)
            return []

    def _stems(self, words: list[tuple[str, int]], keep: Any) -> Iterator[str]:
        seen: set[str] = set()
        found = []
        for word, _df in words:
            s = stem(fold(word))
            if s not in seen and keep(s):
                seen.add(s)
                found.append(s)
        self._keyword_stats(found)
        yield from found

    def matching_terms(self, node: Prefix | Wildcard | Fuzzy | TermRange) -> Iterator[str]:
        if node.field not in ("text", "title"):
            return iter(())  # source words: compiled as a prefix of the source's name
        if isinstance(node, Prefix):
            text = fold(node.text)
            words = self._vocabulary(
                "SELECT term, df FROM words WHERE term >= ? AND term < ? ORDER BY df DESC LIMIT ?",
                [text, text + "\U0010ffff", PREFIX_SCAN],
            )
            return self._stems(words, lambda s: s.startswith(text))
        if isinstance(node, Wildcard):
            pattern = fold(node.text)
            words = self._vocabulary(
                "SELECT term, df FROM words WHERE term GLOB ? ORDER BY df DESC LIMIT ?",
                [pattern, PREFIX_SCAN],
            )
            return self._stems(words, lambda s: True)
        if isinstance(node, TermRange):
            lo, hi = node.start or "", node.end or "\U0010ffff"
            words = self._vocabulary(
                "SELECT term, df FROM words WHERE term >= ? AND term <= ? ORDER BY df DESC LIMIT ?",
                [lo, hi, PREFIX_SCAN],
            )
            return self._stems(words, lambda s: lo <= s <= hi)
        return iter(())  # fuzzy words expand through the speller

    def terms_from(self, field: str, prefix: str) -> Iterator[str]:
        text = fold(prefix)
        words = self._vocabulary(
            "SELECT term, df FROM words WHERE term >= ? AND term < ? ORDER BY df DESC LIMIT ?",
            [text, text + "\U0010ffff", PREFIX_SCAN],
        )
        yield from sorted(self._stems(words, lambda s: s.startswith(text)))

    def sample_text(self, field: str, term: str) -> str | None:
        try:
            compiled = compile_query(_term(field, term))
        except (Unsatisfiable, ValueError):
            return None
        rows = self._run(
            f"SELECT body FROM {self.cluster.index} WHERE MATCH(%s) LIMIT 0, 1"
            + self._options(1000, False),
            [compiled.match],
        )
        return str(rows.rows[0][0]) if rows.rows else None


def _term(field: str, term: str) -> Node:
    from ...query.tree import Term

    return Term(field, term)
