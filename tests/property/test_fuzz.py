"""Mutational fuzzing of the query parser and the cleaner, deterministic in the normal run.

Each target mutates real inputs (typed queries, saved pages, the seeds) and
requires the same outcomes as the property tests: a query gives results or a
QueryError; a document gives an Article or a CleaningError.

``make test`` and CI replay fixed seeds for a fixed number of mutations over
the saved corpus (``tests/data/fuzz/``), so the suite fails only when the code
changes, never because a new random seed found something nobody touched.
Exploration with fresh seeds is ``make fuzz`` (``FUZZ_EXPLORE=1``, time-bounded
by ``FUZZ_SECONDS``): it writes what it finds under ``tests/data/fuzz/``, and
a person reviews the find and commits it, after which it is replayed by
``test_saved_crashes_stay_fixed`` forever.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from search_app.cleaning import CleaningError, clean
from search_app.models import SearchRequest
from search_app.query import QueryError
from search_app.service import SearchService

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "data"
CRASHES = DATA / "fuzz"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
EXPLORE = os.environ.get("FUZZ_EXPLORE", "") not in ("", "0")
SECONDS = float(os.environ.get("FUZZ_SECONDS", "20"))
FIXED_SEEDS = (1, 2, 3)  # the normal run: same mutations every time, on every machine

QUERY_SEEDS = [
    '"seeking asylum"',
    "asylum diplomat",
    "asylum OR refuge",
    "diplomat NOT embassy",
    "(asylum OR refuge) -embassy",
    "title:myanmar",
    "source:cnn",
    "date:2011-07",
    "date:[2010 TO 2012]",
    "asyl*",
    "asylm~",
    'exact:"seeking asylum"',
    "a AND (b OR c)",
    "date:2011 asylum",
    "title:(embassy OR junta)",
    "x^2",
    "http://cnn.com/a?b=c",
]
SYNTAX = list("\"'()[]{}*?~^:+-!&|\\/<>=;,.") + [
    "AND",
    "OR",
    "NOT",
    "TO",
    "date:",
    "title:",
    "exact:",
    "source:",
    " ",
    "\x00",
    "é",
    "\u202e",
]


def mutate(data: str, rng: random.Random, pool: list[str], alphabet: list[str]) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randint(0, len(data))
        if op == 0:
            data = data[:i] + rng.choice(alphabet) + data[i:]
        elif op == 1 and data:
            j = rng.randint(i, min(len(data), i + 8))
            data = data[:i] + data[j:]
        elif op == 2 and data:
            j = rng.randint(i, min(len(data), i + 20))
            data = data[:j] + data[i:j] + data[j:]
        elif op == 3:
            other = rng.choice(pool)
            k = rng.randint(0, len(other))
            data = data[:i] + other[k : k + 30] + data[i:]
        elif op == 4:
            data = data[:i] + chr(rng.randint(0, 0x2FFF)) + data[i:]
        else:
            data = data.upper() if rng.random() < 0.5 else data.lower()
    return data


def fuzz(
    name: str,
    check: Callable[[str], None],
    pool: list[str],
    alphabet: list[str],
    runs_per_seed: int,
) -> int:
    """Mutate and check. Fixed seeds and counts unless exploring (``make fuzz``)."""
    if EXPLORE:
        seed = int(os.environ.get("FUZZ_SEED", time.time_ns() % 2**32))
        deadline = time.monotonic() + SECONDS
        plan = [(seed, None)]
    else:
        plan = [(seed, runs_per_seed) for seed in FIXED_SEEDS]
    runs = 0
    for seed, count in plan:
        rng = random.Random(seed)
        done = 0
        while (done < count) if count is not None else (time.monotonic() < deadline):
            data = mutate(rng.choice(pool), rng, pool, alphabet)
            try:
                check(data)
            except Exception as exc:
                digest = hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:12]
                if not EXPLORE:  # the normal run never writes into the source tree
                    pytest.fail(f"{name} fuzz (seed {seed}, run {done}) broke: {exc!r}")
                CRASHES.mkdir(exist_ok=True)
                path = CRASHES / f"{name}-{digest}.txt"
                path.write_text(data, encoding="utf-8", errors="surrogatepass")
                pytest.fail(f"{name} fuzz (seed {seed}) broke on {path.name}: {exc!r}")
            done += 1
        runs += done
    return runs


@pytest.fixture(scope="module")
def service(corpus_index: Path) -> SearchService:
    return SearchService(corpus_index)


def check_query(service: SearchService) -> Callable[[str], None]:
    def check(q: str) -> None:
        try:
            page = service.search(SearchRequest(q))
        except QueryError as exc:
            assert exc.message
            return
        assert page.total_articles + page.partial_articles >= len(page.results)

    return check


def check_document(data: str) -> None:
    for kind in ("text/html", None):
        try:
            article = clean(data.encode("utf-8", "surrogatepass"), content_type=kind)
        except CleaningError as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        assert all(isinstance(p, str) and p.strip() for p in article.paragraphs)


def test_fuzz_query_parser(service):
    runs = fuzz("query", check_query(service), QUERY_SEEDS, SYNTAX, runs_per_seed=400)
    assert runs > 100


def test_fuzz_cleaner():
    pages = [p.read_text("utf-8", errors="replace") for p in sorted((DATA / "html").glob("*"))]
    pages += [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.glob("*"))]
    tags = [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<script>",
        "<!--",
        "-->",
        "<br>",
        "&amp;",
        "&#",
        "<article>",
        "<meta charset=",
        "\r\n",
        "<![CDATA[",
        "<?xml",
        "<table>",
        "\x00",
    ]
    runs = fuzz("document", check_document, pages, SYNTAX + tags, runs_per_seed=40)
    assert runs > 20


@pytest.mark.parametrize("path", sorted(CRASHES.glob("*.txt")), ids=lambda p: p.name)
def test_saved_crashes_stay_fixed(path: Path, service):
    data = path.read_text("utf-8", errors="surrogatepass")
    if path.name.startswith("query-"):
        check_query(service)(data)
    else:
        check_document(data)
