"""Issue 14 spelling through the search service, on an index whose vocabulary holds a typo."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.models import SearchRequest
from search_app.pipeline import ingest
from search_app.service import SearchService


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("spelling")
    docs = [
        {"id": f"g{i}", "title": f"Budget {i}", "text": f"The government spent {i} million."}
        for i in range(25)
    ]
    docs += [
        {"id": "typo", "title": "Letters", "text": "A reader wrote that the goverment is slow."},
        {"id": "rover", "title": "Cars", "text": "MG Rover will cover the lover of old cars."},
        {"id": "blame", "title": "Fires", "text": "Officials blame the heat for the fires."},
    ]
    docs += [
        {"id": f"z{i}", "title": f"Fire {i}", "text": f"Fire crews fought blazing fire {i}."}
        for i in range(25)
    ]
    return _indexed(root, docs)


def _indexed(root: Path, docs: list[dict]) -> SearchService:
    """A service over ``docs`` ingested as JSON Lines into ``root``/index."""
    source = root / "docs.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index = root / "index"
    assert ingest([str(source)], index).ok
    return SearchService(index, Settings(index=index, cache_size=0))


def test_a_known_but_rare_spelling_is_searched_and_offered_a_suggestion(service):
    page = service.search(SearchRequest("goverment"))
    assert page.corrected_from is None and page.query == "goverment"
    assert [r.id for r in page.results] == ["typo"]
    assert page.suggestion == "government"


def test_a_word_its_stem_finds_is_searched_as_typed(service):
    """The word "blaming" is in no article's word, but "blame" is: the search finds it, so the
    query is not swapped for the frequent "blazing" (a different word)."""
    page = service.search(SearchRequest("blaming"))
    assert page.corrected_from is None and page.query == "blaming"
    assert [r.id for r in page.results] == ["blame"]


def test_the_suggestion_keeps_the_users_case(service):
    assert service.search(SearchRequest("Goverment")).suggestion == "Government"


def test_fuzzy_expands_surface_words_not_the_stem(service):
    page = service.search(SearchRequest("goverment~", per_page=50))
    ids = {r.id for r in page.results}
    assert "rover" not in ids  # the stem "gover" is one edit from cover, lover, rover
    assert {"typo", "g0", "g24"} <= ids


def test_words_that_exist_and_find_enough_get_no_suggestion(service):
    page = service.search(SearchRequest("government"))
    assert page.total_articles == 25 and page.suggestion is None and page.corrected_from is None


def test_the_speller_follows_the_index_after_an_ingest(tmp_path):
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "a", "title": "Rain", "text": "Rain fell."}) + "\n")
    index = tmp_path / "index"
    assert ingest([str(first)], index).ok
    service = SearchService(index, Settings(index=index, cache_size=0))
    assert service.search(SearchRequest("zanzibarr")).corrected_from is None
    more = tmp_path / "b.jsonl"
    more.write_text(
        "".join(
            json.dumps({"id": f"z{i}", "title": "Isles", "text": f"Zanzibar port {i}."}) + "\n"
            for i in range(3)
        )
    )
    assert ingest([str(more)], index).ok
    deadline = time.monotonic() + 20  # the speller is rebuilt in the background
    page = service.search(SearchRequest("zanzibarr"))
    while page.corrected_from is None and time.monotonic() < deadline:
        time.sleep(0.2)
        page = service.search(SearchRequest("zanzibarr"))
    assert page.corrected_from == "zanzibarr" and page.query == "zanzibar"
    assert page.total_articles == 3


def test_a_typo_whose_stem_only_a_rare_word_shares_is_corrected(tmp_path):
    """Issue 14's first example: "goverment" is in no article, but its stem "gover" is
    "governess"'s too. Searched as typed it found one obituary; it must be corrected."""
    docs = [
        {"id": f"g{i}", "title": f"Budget {i}", "text": f"The government spent {i} million."}
        for i in range(120)
    ]
    docs.append({"id": "obit", "title": "Obituary", "text": "She worked as a governess."})
    service = _indexed(tmp_path, docs)
    page = service.search(SearchRequest("goverment"))
    assert page.corrected_from == "goverment" and page.query == "government"
    assert page.total_articles == 120 and "obit" not in {r.id for r in page.results}


def test_a_typo_searched_by_its_stem_is_offered_the_correction(tmp_path):
    """ "officals" is in no article, but its stem "offic" is "office"'s: searched as typed
    (an inflection would be), it finds offices, so the right word is offered even
    though results are not thin."""
    docs = [
        {"id": f"o{i}", "title": f"Talks {i}", "text": f"Officials met for round {i}."}
        for i in range(30)
    ]
    docs += [
        {"id": f"f{i}", "title": f"Rent {i}", "text": f"The office rent rose {i} percent."}
        for i in range(5)
    ]
    service = _indexed(tmp_path, docs)
    page = service.search(SearchRequest("officals"))
    assert page.corrected_from is None and page.query == "officals"
    assert page.total_articles == 5 and page.suggestion == "officials"
    assert service.search(SearchRequest("office")).suggestion is None
