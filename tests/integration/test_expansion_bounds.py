"""Issue 18 item 2: fuzzy, prefix, range and phrase work is bounded whatever the query asks.

Each test looks at the query a search really runs (the rewritten tree), so it
fails while an expansion is left to the engine unbounded, and at a real search
with a generous time limit.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.query.rewrite import (
    MAX_EDIT_DISTANCE,
    MAX_EXPANDED_WORDS,
    MAX_SLOP,
    Context,
    bound_expansions,
    cap_work,
)
from search_app.query.tree import Fuzzy, Phrase, Prefix, Term, TermRange
from search_app.service import SearchService


@pytest.fixture(scope="module")
def service(corpus_index: Path) -> SearchService:
    return SearchService(corpus_index, Settings(index=corpus_index, cache_size=0, max_expansion=16))


def leaves(service: SearchService, q: str) -> list:
    return list(service.parse(q).tree.leaves())


def test_edit_distance_is_capped(service: SearchService) -> None:
    capped = cap_work(Fuzzy("text", "abcdefghijklmnopqrst", maxdist=9))
    assert isinstance(capped, Fuzzy) and capped.maxdist == MAX_EDIT_DISTANCE
    # Through the whole parse: no fuzzy node is left for the engine to expand.
    assert not any(isinstance(n, Fuzzy) for n in leaves(service, "asylumm~9"))
    # Without a speller, the engine's expansion of the capped word is bounded too.
    ctx = Context(vocabulary=service._current(), max_expansion=16)
    assert len(list(bound_expansions(Fuzzy("text", "asylum", maxdist=2), ctx).leaves())) <= 16


def test_phrase_slop_is_capped(service: SearchService) -> None:
    phrases = [n for n in leaves(service, '"seeking asylum"~100000') if isinstance(n, Phrase)]
    assert phrases and all(p.slop == MAX_SLOP for p in phrases)
    page = service.search(SearchRequest(q='"seeking asylum"~100000'))
    assert page.total_articles >= 1 and not page.timed_out


def test_term_range_expands_to_a_bounded_set_of_terms(service: SearchService) -> None:
    found = leaves(service, "text:[a TO z]")
    assert not any(isinstance(n, TermRange) for n in found)
    assert 1 <= len(found) <= 16 and all(isinstance(n, Term) for n in found)


def test_prefixes_keep_at_most_max_expansion_terms_each(service: SearchService) -> None:
    q = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvw")
    found = leaves(service, q)
    assert not any(isinstance(n, Prefix) for n in found)
    assert len(found) <= 23 * 16 * 2  # text and title per letter


def test_expansion_stops_at_the_deadline(service: SearchService) -> None:
    reader = service._current()
    expired = Context(vocabulary=reader, max_expansion=16, deadline=time.monotonic() - 1)
    out = bound_expansions(Prefix("text", "a"), expired)
    assert isinstance(out, Term) and out.text == "a"  # nothing expanded past the deadline
    alive = Context(vocabulary=reader, max_expansion=16, deadline=math.inf)
    assert len(list(bound_expansions(Prefix("text", "a"), alive).leaves())) > 1


@pytest.mark.parametrize(
    "q",
    [
        "abcdefghijklmnopqrst~9",
        " ".join(["abcdefghijklmnopqrst~9"] * 4),
        " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvw"),
        "text:[a TO z]",
        '"oil price"~100000',
    ],
)
def test_hostile_expansions_finish_quickly(service: SearchService, q: str) -> None:
    started = time.perf_counter()
    service.search(SearchRequest(q=q))
    assert time.perf_counter() - started < 2.0


def test_article_page_with_a_wide_fuzzy_query_is_quick(service: SearchService) -> None:
    first = service.search(SearchRequest(q="myanmar")).results[0].id
    started = time.perf_counter()
    view = service.article(first, "abcdefghijklmnopqrst~9 myanmar~9")
    assert view is not None and time.perf_counter() - started < 2.0


def test_many_prefixes_share_one_budget_of_terms(service: SearchService) -> None:
    q = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvw")
    texts = {t for f, t in service.parse(q).tree.terms() if f == "text"}
    assert len(texts) <= 16 * MAX_EXPANDED_WORDS
