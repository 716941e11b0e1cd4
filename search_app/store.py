"""The raw store: every source document as it was read, keyed by article id.

Keeping the bytes means `reindex` can rebuild the index after a cleaning-rule
or analyzer change, or after index damage, without touching the sources
again (a URL may be gone, a folder moved). SQLite gives atomic commits and
safe concurrent readers with no extra service to run.

The store is the record of truth: the pipeline commits the index first and
the store second, and `rebuild.reconcile` makes the index agree with the
store if a crash fell between the two.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .models import RawDocument

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    article_id      TEXT PRIMARY KEY,
    key             TEXT NOT NULL,
    location        TEXT NOT NULL,
    fetched_at      TEXT NOT NULL,
    content_type    TEXT,
    charset         TEXT,
    url             TEXT,
    meta            TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    cleaner_version TEXT NOT NULL,
    raw             BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_location ON documents(location);
CREATE INDEX IF NOT EXISTS documents_key ON documents(key);
"""


@dataclass(frozen=True)
class StoreEntry:
    """What the store knows about an article without loading its bytes."""

    article_id: str
    key: str
    location: str
    sha256: str
    cleaner_version: str
    meta: str = "{}"  # the stated fields as stored (JSON)

    def same_as(self, raw: RawDocument, cleaner_version: str) -> bool:
        """Re-cleaning ``raw`` would give what is stored: the same bytes, cleaner and stated
        fields (a JSON Lines title, an `ingest --source` label)."""
        return (
            self.sha256 == raw.sha256
            and self.cleaner_version == cleaner_version
            and json.loads(self.meta) == json.loads(_meta_json(raw.meta))
        )


def _meta_json(meta: dict[str, object]) -> str:
    return json.dumps(meta, ensure_ascii=False, default=str)


class RawStore:
    """SQLite-backed store; one connection per instance, guarded for threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch of
        # puts and the index commit can be ordered explicitly.
        self._conn = sqlite3.connect(
            str(self.path), timeout=60.0, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group puts and deletes; they become durable together when the block ends."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def put(self, article_id: str, key: str, raw: RawDocument, cleaner_version: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article_id,
                    key,
                    raw.location,
                    raw.fetched_at.isoformat(),
                    raw.content_type,
                    raw.charset,
                    raw.url,
                    _meta_json(raw.meta),
                    raw.sha256,
                    cleaner_version,
                    zlib.compress(raw.content, 6),
                ),
            )

    def delete(self, article_id: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM documents WHERE article_id = ?", (article_id,))

    def _entries(self, where: str, args: tuple[str, ...]) -> list[StoreEntry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT article_id, key, location, sha256, cleaner_version, meta FROM documents "
                + where,
                args,
            ).fetchall()
        return [StoreEntry(*row) for row in rows]

    def find(self, key: str | None = None, location: str | None = None) -> StoreEntry | None:
        """The entry for an identity key, else for a source location."""
        if key:
            found = self._entries("WHERE key = ?", (key,))
            if found:
                return found[0]
        if location:
            found = self._entries("WHERE location = ?", (location,))
            if found:
                return found[0]
        return None

    def entry(self, article_id: str) -> StoreEntry | None:
        found = self._entries("WHERE article_id = ?", (article_id,))
        return found[0] if found else None

    def entries(self) -> list[StoreEntry]:
        return self._entries("", ())

    def get(self, article_id: str) -> RawDocument | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT location, fetched_at, content_type, charset, url, meta, key, raw "
                "FROM documents WHERE article_id = ?",
                (article_id,),
            ).fetchone()
        if row is None:
            return None
        location, fetched_at, content_type, charset, url, meta, key, raw = row
        return RawDocument(
            content=zlib.decompress(raw),
            location=location,
            fetched_at=datetime.fromisoformat(fetched_at),
            content_type=content_type,
            charset=charset,
            url=url,
            key=key,
            meta=json.loads(meta),
        )

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
