"""One article's rows on the cluster: the article page, its fingerprints, its matching paragraphs.

Each lookup finds the article's rows through its ``article_words`` word
(rows.article_match), never through the ``article_key`` attribute alone:
without a full-text match searchd 2.2 scans every row (25 to 50 ms at a
million paragraphs), and folding copies asks for dozens of articles a page.
A mixin of SphinxReader (search.py), which supplies the statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...models import StoredArticle
from ...query.rewrite import DateLimits
from ...query.tree import Node
from ..base import ArticleGroup
from ..whoosh.documents import article_from_stored_fields
from .compile import Unsatisfiable
from .rows import article_key, article_match, within_articles

MAX_ARTICLE_ROWS = 100_000  # paragraphs of one article (article page)
FINGERPRINT_BATCH = 200  # articles whose fingerprints one statement reads
FINGERPRINT_ARTICLES = 20_000  # articles whose fingerprints a reader keeps (copies)


class ArticleReads:
    """Mixed into SphinxReader, which provides _run, _options, _where, _compiled, cluster and
    the _fingerprints cache."""

    _run: Any
    _options: Any
    _where: Any
    _compiled: Any
    cluster: Any
    _fingerprints: Any

    def article(self, article_id: str) -> StoredArticle | None:
        rows = self._run(
            f"SELECT position, body, fingerprint, record, meta FROM {self.cluster.index} "
            f"WHERE MATCH(%s) AND article_key = {article_key(article_id)} ORDER BY position ASC "
            f"LIMIT 0, {MAX_ARTICLE_ROWS}" + self._options(MAX_ARTICLE_ROWS, False),
            [article_match([article_key(article_id)])],
        )
        if not rows.rows or not str(rows.rows[0][3]):
            return None
        record, meta = str(rows.rows[0][3]), json.loads(str(rows.rows[0][4]) or "{}")
        fields = {"data": record, "article_id": article_id, "key": meta.get("key", article_id)}
        stored = article_from_stored_fields(fields, [str(r[1]) for r in rows.rows])
        return StoredArticle(
            id=stored.id,
            key=stored.key,
            article=stored.article,
            provenance=stored.provenance,
            fingerprints=tuple(str(r[2]) for r in rows.rows),
        )

    def fingerprints(self, group: ArticleGroup) -> frozenset[str]:
        """Every paragraph's fingerprint, through the article's word; kept for the
        reader's generation: folding copies asks again for the same articles each
        time the service widens its window."""
        key = article_key(group.article_id)
        found = self._fingerprints.get(key)
        if found is None:
            self.read_fingerprints([group.article_id])
            found = self._fingerprints.get(key) or frozenset()
        return found  # type: ignore[no-any-return]

    def read_fingerprints(self, article_ids: Sequence[str]) -> None:
        """Read these articles' fingerprints into the cache, FINGERPRINT_BATCH articles a
        statement, not one statement an article."""
        keys = (article_key(a) for a in article_ids)
        todo = [k for k in dict.fromkeys(keys) if self._fingerprints.get(k) is None]
        for i in range(0, len(todo), FINGERPRINT_BATCH):
            part = todo[i : i + FINGERPRINT_BATCH]
            rows = self._run(
                f"SELECT article_key, fingerprint FROM {self.cluster.index} WHERE MATCH(%s) "
                f"AND article_key IN ({','.join(map(str, part))}) LIMIT 0, {MAX_ARTICLE_ROWS}"
                + self._options(MAX_ARTICLE_ROWS, False),
                [article_match(part)],
            )
            found: dict[int, set[str]] = {k: set() for k in part}
            for key, fingerprint in rows.rows:
                found.setdefault(int(key), set()).add(str(fingerprint))
            for key, prints in found.items():
                self._fingerprints.put(key, frozenset(prints))

    def matching_positions(
        self, article_id: str, q: Node, dates: DateLimits, deadline: float
    ) -> tuple[int, ...]:
        try:
            compiled = self._compiled(q)
        except Unsatisfiable:
            return ()
        sel, where, args = self._where(
            within_articles(compiled.match, [article_key(article_id)]),
            frozenset(),
            tuple(dates) + compiled.dates,
            f"article_key = {article_key(article_id)}",
            compiled.date_any,
        )
        rows = self._run(
            f"SELECT position{sel} FROM {self.cluster.index}{where} ORDER BY position ASC "
            f"LIMIT 0, {MAX_ARTICLE_ROWS}" + self._options(MAX_ARTICLE_ROWS, False),
            args,
        )
        return tuple(int(r[0]) for r in rows.rows)
