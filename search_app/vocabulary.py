"""The index's vocabulary: surface words and two-word phrases with their article counts.

The speller (``spelling.py``) corrects to words people read, so it needs the
words as written (folded, never stemmed) and how many articles hold each. The
search engine's own term lists are stems ("gover"), and a future engine
(Sphinx) has none we can read, so the vocabulary is counted here from the
cleaned articles and kept in a small SQLite file beside the raw store: it
survives restarts and serves every engine.

Counts are per article (document frequency). Each article's own set of terms
is kept too, so replacing or removing an article subtracts exactly what it
added; ``rebuild`` starts again from the raw store's articles on reindex.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .analysis import STOPWORDS, TOKEN_PATTERN, fold
from .models import Article, RawDocument, StoredArticle
from .spelling import Speller
from .store import RawStore

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.sqlite"
MAX_TERM_LENGTH = 40  # longer tokens are URLs, hashes or glued text: no word to suggest
# Phrases seen in one article only are chance neighbours; they are counted (so
# a second article can make them count) but not loaded into a speller.
MIN_PHRASE_COUNT = 2

_WORD = re.compile(TOKEN_PATTERN)
# Where a two-word phrase cannot run across: sentence and clause punctuation
# ("... in parliament. Mr Blair" holds no phrase "parliament mr").
_BREAK = re.compile(r"[.!?;:,()\[\]\"“”‘’«»|/–—]+(?:\s|$)|[;:,()\[\]\"“”«»|–—]")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS words (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS phrases (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,  -- the raw document's hash, as the raw store has it
    terms      BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _is_word(word: str) -> bool:
    return len(word) <= MAX_TERM_LENGTH and not word.isdigit()


@lru_cache(maxsize=200_000)
def _phrase_word(word: str) -> bool:
    """A word that can be half of a phrase: a real word, not "the" or "s" or "2005"."""
    return 1 < len(word) <= MAX_TERM_LENGTH and word.isalpha() and word not in STOPWORDS


def article_terms(article: Article) -> frozenset[str]:
    """The surface words and two-word phrases of an article's title and paragraphs.

    Words are folded and kept whole (no stemming); numbers are left out. A
    phrase is two neighbouring words, neither a stopword, both alphabetic,
    within one sentence or clause: "prime minister", "world cup".
    """
    words: set[str] = set()
    phrases: set[str] = set()
    for text in (article.title, *article.paragraphs):
        if not text:
            continue
        for segment in _BREAK.split(text):
            tokens = list(map(fold, _WORD.findall(segment)))
            words.update(tokens)
            ok = list(map(_phrase_word, tokens))
            pairs = zip(tokens, tokens[1:], ok, ok[1:], strict=False)  # neighbours
            phrases.update([a + " " + b for a, b, x, y in pairs if x and y])
    return frozenset(w for w in words if _is_word(w)) | phrases


def _pack(terms: Iterable[str]) -> bytes:
    return zlib.compress("\n".join(sorted(terms)).encode("utf-8"), 6)


def _unpack(blob: bytes) -> list[str]:
    text = zlib.decompress(blob).decode("utf-8")
    return text.split("\n") if text else []


class Vocabulary:
    """The vocabulary's SQLite file in an index folder; one connection, thread-safe.

    Writers call ``update`` (or ``rebuild``) under the index's write lock;
    readers call ``speller`` / ``generation``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(self.path), timeout=60.0, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    @classmethod
    def in_index(cls, root: str | Path) -> Vocabulary:
        """The vocabulary of the index in folder ``root``."""
        return cls(Path(root) / VOCABULARY_FILE)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Vocabulary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            # A new generation tells readers to load a new speller.
            self._conn.execute(
                "INSERT INTO meta VALUES ('generation', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(time.time_ns()),),
            )
            self._conn.execute("COMMIT")

    # -- writing ---------------------------------------------------------------

    def update(self, puts: Iterable[StoredArticle] = (), deletes: Iterable[str] = ()) -> None:
        """Add or replace articles and remove others (by id), in one transaction.

        A replaced or removed article's old terms are subtracted exactly;
        removing an id the vocabulary does not hold is a no-op.
        """
        new = {s.id: (s.provenance.content_hash, article_terms(s.article)) for s in puts}
        with self._transaction() as conn:
            self._apply(conn, new, set(deletes))

    def _apply(
        self,
        conn: sqlite3.Connection,
        new: dict[str, tuple[str, frozenset[str]]],
        deletes: set[str],
    ) -> None:
        delta: Counter[str] = Counter()
        for aid in deletes | new.keys():
            row = conn.execute("SELECT terms FROM articles WHERE article_id = ?", (aid,)).fetchone()
            if row is not None:
                delta.subtract(_unpack(row[0]))
        conn.executemany(
            "DELETE FROM articles WHERE article_id = ?", [(aid,) for aid in deletes - new.keys()]
        )
        for aid, (sha256, terms) in new.items():
            delta.update(terms)
            conn.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?)", (aid, sha256, _pack(terms))
            )
        self._add_counts(conn, delta)

    def sync(self, store: RawStore, clean: Callable[[RawDocument], StoredArticle]) -> int:
        """Make the vocabulary agree with the raw store; returns the articles fixed.

        The pipeline calls this when a flush was cut off (its pending marker is
        set): articles the store lacks are dropped, and those it holds with
        other content, or that the vocabulary lacks, are cleaned again from
        their stored bytes. In step, it only compares ids and hashes.
        """
        held = self.hashes()
        entries = {e.article_id: e.sha256 for e in store.entries()}
        extra = set(held) - set(entries)
        stale = [aid for aid, sha in entries.items() if held.get(aid) != sha]
        puts: list[StoredArticle] = []
        for aid in stale:
            raw = store.get(aid)
            if raw is None:
                continue
            try:
                puts.append(replace(clean(raw), id=aid))
            except Exception as exc:
                log.warning("vocabulary: cannot re-clean %s: %s", aid, exc)
                extra.add(aid)
        if extra or puts:
            log.warning("vocabulary: %d articles dropped, %d recounted", len(extra), len(puts))
            self.update(puts, extra)
        return len(extra) + len(puts)

    @staticmethod
    def _add_counts(conn: sqlite3.Connection, delta: Counter[str]) -> None:
        for table in ("words", "phrases"):
            phrases = table == "phrases"
            rows = [(term, n) for term, n in delta.items() if n and ((" " in term) == phrases)]
            conn.executemany(
                f"INSERT INTO {table} VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                rows,
            )
            # Only a term that lost articles can have dropped to zero: no table scan.
            conn.executemany(
                f"DELETE FROM {table} WHERE term = ? AND df <= 0",
                [(term,) for term, n in rows if n < 0],
            )

    def rebuild(self, articles: Iterable[StoredArticle]) -> int:
        """Replace the whole vocabulary with these articles' (reindex); returns how many."""
        rebuilding = Rebuild(self)
        for stored in articles:
            rebuilding.add(stored)
        return rebuilding.commit()

    # -- reading ---------------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever the vocabulary does: compare to know when to reload."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return row[0] if row else ""

    def hashes(self) -> dict[str, str]:
        """Article id -> raw document hash of every article counted."""
        with self._lock:
            return dict(self._conn.execute("SELECT article_id, sha256 FROM articles"))

    def words(self) -> dict[str, int]:
        """Every surface word with the number of articles that hold it."""
        with self._lock:
            return dict(self._conn.execute("SELECT term, df FROM words"))

    def phrases(self, min_count: int = MIN_PHRASE_COUNT) -> dict[str, int]:
        """Two-word phrases in at least ``min_count`` articles."""
        with self._lock:
            return dict(
                self._conn.execute("SELECT term, df FROM phrases WHERE df >= ?", (min_count,))
            )

    def snapshot(self) -> tuple[str, dict[str, int], dict[str, int]]:
        """(generation, words, phrases) read in one transaction, so they agree."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                return self.generation(), self.words(), self.phrases()
            finally:
                self._conn.execute("COMMIT")

    def speller(self) -> Speller:
        """A speller over the current vocabulary (about a second for 70k words)."""
        _, words, phrases = self.snapshot()
        return Speller.from_counts(words, phrases)


class SpellerCache:
    """The speller of one index folder, rebuilt when its vocabulary changes.

    ``get`` answers at once with the speller it has (building the first one
    in the caller's thread) and, when the vocabulary has a new generation,
    builds the next one in a background thread: a search never waits a second
    for a rebuild after an ingest batch. Call it on searcher refresh.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._speller: Speller | None = None
        self._generation: str | None = None
        self._building = False

    def get(self, wait: bool = False) -> Speller | None:
        """The current speller; None when the index has no vocabulary file yet.

        ``wait``: build a newer speller in this thread instead of in the background.
        """
        if not (self.root / VOCABULARY_FILE).exists():
            return self._speller
        with Vocabulary.in_index(self.root) as vocab:
            generation = vocab.generation()
        with self._lock:
            current = self._speller
            stale = generation != self._generation
            if not stale or self._building:
                return current
            self._building = True
        if current is None or wait:
            self._build()
            return self._speller
        threading.Thread(target=self._build, name="speller-build", daemon=True).start()
        return current

    def _build(self) -> None:
        try:
            with Vocabulary.in_index(self.root) as vocab:
                generation, words, phrases = vocab.snapshot()
            speller = Speller.from_counts(words, phrases)
            with self._lock:
                self._speller, self._generation = speller, generation
        except Exception:
            log.exception("cannot build the speller for %s", self.root)
        finally:
            with self._lock:
                self._building = False


# -- the pipeline's three calls, each under the index folder's write lock ------


def record(root: str | Path, puts: Iterable[StoredArticle], deletes: Iterable[str]) -> None:
    """Count a flushed batch: called right after the raw store's commit.

    Not atomic with it (two SQLite files): the pipeline clears its pending
    marker only after this returns, so a crash in between leaves the marker
    set, and the next writer's reconcile calls ``sync``.
    """
    with Vocabulary.in_index(root) as vocab:
        vocab.update(puts, deletes)


def sync(root: str | Path, store: RawStore, clean: Callable[[RawDocument], StoredArticle]) -> int:
    """Reconcile the vocabulary of ``root`` with its raw store (see Vocabulary.sync)."""
    with Vocabulary.in_index(root) as vocab:
        return vocab.sync(store, clean)


class Rebuild:
    """A reindex's vocabulary, counted article by article as the index is written.

    Each article's terms go to a temporary table (SQLite's temp store, on
    disk past its cache), and only the counts stay in memory, so a reindex
    of a million paragraphs holds no list of articles; ``commit`` replaces
    the vocabulary in one transaction. Dropped without a commit (the reindex
    failed), it leaves the vocabulary as it was.
    """

    def __init__(self, target: str | Path | Vocabulary) -> None:
        self._vocab = target if isinstance(target, Vocabulary) else Vocabulary.in_index(target)
        self._own = not isinstance(target, Vocabulary)
        self._counts: Counter[str] = Counter()
        self._n = 0
        with self._vocab._lock:
            conn = self._vocab._conn
            conn.execute("DROP TABLE IF EXISTS temp.rebuild")
            conn.execute("CREATE TEMP TABLE rebuild (article_id TEXT, sha256 TEXT, terms BLOB)")

    def add(self, stored: StoredArticle) -> None:
        terms = article_terms(stored.article)
        self._counts.update(terms)
        self._n += 1
        with self._vocab._lock:
            self._vocab._conn.execute(
                "INSERT INTO temp.rebuild VALUES (?, ?, ?)",
                (stored.id, stored.provenance.content_hash, _pack(terms)),
            )

    def commit(self) -> int:
        """Make the counted articles the whole vocabulary; returns how many."""
        try:
            with self._vocab._transaction() as conn:
                for table in ("words", "phrases", "articles"):
                    conn.execute(f"DELETE FROM main.{table}")
                conn.execute("INSERT OR REPLACE INTO main.articles SELECT * FROM temp.rebuild")
                self._vocab._add_counts(conn, self._counts)
            with self._vocab._lock:
                self._vocab._conn.execute("DROP TABLE temp.rebuild")
        finally:
            if self._own:
                self._vocab.close()
        return self._n


def rebuild(root: str | Path, articles: Iterable[StoredArticle]) -> int:
    """Count the vocabulary of ``root`` again from these articles (reindex)."""
    with Vocabulary.in_index(root) as vocab:
        return vocab.rebuild(articles)


__all__ = [
    "VOCABULARY_FILE",
    "Rebuild",
    "SpellerCache",
    "Vocabulary",
    "article_terms",
    "rebuild",
    "record",
    "sync",
]
