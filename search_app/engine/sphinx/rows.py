"""An article as paragraph rows of the cluster's real-time index, and where it lives.

The shard and the row ids come from stable hashes of the article id, so every
writer (ingest, reindex, repair) on every machine puts an article in the same
place without asking anyone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from ...analysis import word_count
from ...headline import title_is_derived
from ...models import StoredArticle
from ..whoosh.documents import article_doc  # the article record's JSON: one format, two engines

# Insert order; must match ATTRIBUTES/FIELDS in cluster/config.py.
COLUMNS = (
    "id",
    "title",
    "text",
    "article_id",
    "article_key",
    "position",
    "source",
    "source_key",
    "published",
    "year",
    "yearmonth",
    "content_hash",
    "body",
    "source_words",
    "fingerprint",
    "fingerprint_key",
    "meta",
    "record",
    "fingerprint_words",
    "article_len",
    "article_words",
)

_MAX63 = (1 << 63) - 1


def _hash63(value: str) -> int:
    """A positive 63-bit hash: fits SphinxQL's signed BIGINT and Manticore's document ids."""
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") & _MAX63) or 1


def article_key(article_id: str) -> int:
    return _hash63("a:" + article_id)


def source_key(source: str | None) -> int:
    """Hash of the source name as the source filter and facet know it ("unknown" when none)."""
    return _hash63("s:" + ((source or "unknown").strip() or "unknown"))


def fingerprint_key(fingerprint: str) -> int:
    """Hash of a paragraph's fingerprint: also_in filters on it (a bigint compares everywhere)."""
    return _hash63("f:" + fingerprint) if fingerprint else 0


def fingerprint_word(fingerprint: str) -> str:
    """The fingerprint as one indexed word (letters first, so it is never a number)."""
    return "fp" + fingerprint if fingerprint else ""


def article_word(key: int) -> str:
    """An article's key as one indexed word: finds its rows through the index."""
    return f"a{key}"


def article_match(keys: list[int]) -> str:
    """MATCH() text for the rows of these articles (by article_key)."""
    words = [article_word(k) for k in keys]
    return "@article_words " + (words[0] if len(words) == 1 else "(" + " | ".join(words) + ")")


def within_articles(match: str, keys: list[int]) -> str:
    """``match`` limited to these articles' rows through their article words; all their
    rows when ``match`` is empty (a query of dates alone)."""
    return f"({match}) {article_match(keys)}" if match else article_match(keys)


def row_id(article_id: str, position: int) -> int:
    return _hash63(f"p:{article_id}/{position}")


def shard_for(article_id: str, shards: int) -> int:
    """The shard that holds every paragraph of an article: stable across runs and machines."""
    return article_key(article_id) % shards


# SphinxQL string literals, quoted as PyMySQL quotes them but for NUL and SUB:
# PyMySQL escapes those as \\0 and \\Z, which SphinxQL reads as "0" and "Z", so
# they become spaces. One translate a value, done here and not by PyMySQL, so a
# row is quoted once for every mirror of its shard (ingest CPU, bench/RESULTS.md).
_QUOTE = [chr(c) for c in range(128)]  # a list, as PyMySQL's: translate is 4x a dict's speed
for _char, _escaped in {
    "\x00": " ",
    "\x1a": " ",
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "'": "\\'",
    '"': '\\"',
}.items():
    _QUOTE[ord(_char)] = _escaped


def sql_literal(value: str) -> str:
    """A string as SphinxQL reads it in VALUES (...) (numbers go in bare)."""
    return "'" + value.translate(_QUOTE) + "'"


def epoch(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def article_values(stored: StoredArticle) -> list[tuple[int, str]]:
    """(row id, VALUES tuple in COLUMNS order) for each paragraph.

    Quoting is most of the client's ingest CPU, so the columns an article's
    rows share are quoted once for all of them, and the tuple once for every
    mirror (bench/RESULTS.md, cluster ingest).
    """
    art = stored.article
    title = "" if title_is_derived(art) else art.title
    published = art.published
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(UTC)  # years and months as the Whoosh index counts them
    when = epoch(published) if published else 0
    year = published.year if published else 0
    yearmonth = year * 100 + published.month if published else 0
    key = article_key(stored.id)
    # What a result shows of its article, on every row (the group's best row
    # carries it); the whole record (removed blocks, provenance) on row 0 only.
    meta = json.dumps(
        {
            "title": art.title,
            "key": stored.key,
            "source": art.source,
            "url": art.url,
            "published": art.published.isoformat() if art.published else None,
        },
        ensure_ascii=False,
    )
    # The article's length as Whoosh's article score counts it (its headline once).
    length = word_count(title) + sum(word_count(p) for p in art.paragraphs)
    q = sql_literal
    source = q(art.source or "")
    # title; then article_id .. content_hash around the paragraph's position.
    head = q(title)
    article = f"{q(stored.id)}, {key}"
    dated = f"{source}, {source_key(art.source)}, {when}, {year}, {yearmonth}"
    content_hash = q(stored.provenance.content_hash)
    shared = q(meta)
    tail = f"{length}, {q(article_word(key))}"
    records = (q(article_doc(stored)["data"]), "''")
    prints = stored.fingerprints
    out = []
    for position, text in enumerate(art.paragraphs):
        rid = row_id(stored.id, position)
        body = q(text)
        fp = prints[position] if position < len(prints) else ""
        out.append(
            (
                rid,
                f"({rid}, {head}, {body}, {article}, {position}, {dated}, {content_hash}, "
                f"{body}, {source}, {q(fp)}, {fingerprint_key(fp)}, {shared}, "
                f"{records[position > 0]}, {q(fingerprint_word(fp))}, {tail})",
            )
        )
    return out
