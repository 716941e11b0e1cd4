"""One article's rows on the cluster: the article page, its fingerprints, its matching paragraphs.

Each lookup finds the article's rows through its ``article_words`` word
(rows.article_match), never through the ``article_key`` attribute alone:
without a full-text match searchd 2.2 scans every row (25 to 50 ms at a
million paragraphs), and folding copies asks for dozens of articles a page.
A mixin of SphinxReader (search.py), which supplies the statements.
"""

from __future__ import annotations

import json
from typing import Any

from ...models import StoredArticle
from ...query.rewrite import DateLimits
from ...query.tree import Node
from ..base import ArticleGroup
from ..whoosh.documents import article_from_stored_fields
from .compile import Unsatisfiable
from .rows import article_key, article_match

MAX_ARTICLE_ROWS = 100_000  # paragraphs of one article (article page)


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
            [article_match([article_id])],
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
            rows = self._run(
                f"SELECT fingerprint FROM {self.cluster.index} WHERE MATCH(%s) "
                f"AND article_key = {key} LIMIT 0, {MAX_ARTICLE_ROWS}"
                + self._options(MAX_ARTICLE_ROWS, False),
                [article_match([key])],
            )
            found = frozenset(str(r[0]) for r in rows.rows)
            self._fingerprints.put(key, found)
        return found

    def matching_positions(
        self, article_id: str, q: Node, dates: DateLimits, deadline: float
    ) -> tuple[int, ...]:
        try:
            compiled = self._compiled(q)
        except Unsatisfiable:
            return ()
        sel, where, args = self._where(
            f"({compiled.match}) ({article_match([article_id])})",
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
