"""Plain-text stories: datelines, headlines, paragraph layouts, shared boilerplate rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from search_app.cleaning import clean
from search_app.cleaning.dates import dateline, parse_date
from search_app.cleaning.text import split_block

TEXTS = Path(__file__).resolve().parents[1] / "data" / "text"


def test_wire_story_hard_wrapped_lines_are_joined_and_signoff_dropped() -> None:
    art = clean((TEXTS / "wire_wrapped.txt").read_bytes())
    assert art.title == "GRAIN SHIPPER CUTS FORECAST FOR WINTER WHEAT EXPORTS"
    assert art.paragraphs == (
        "KANSAS CITY, March 3 - A leading grain shipper cut its forecast for winter wheat "
        "exports on Tuesday, citing dry weather across the southern plains and weaker demand "
        "from buyers in North Africa.",
        "The company said shipments for the season would reach 21.5 mln tonnes, down from its "
        "earlier estimate of 23 mln, and warned that a further cut was possible if rain did not "
        "arrive within two weeks.",
        "Traders said the revision had been expected and that futures prices had already fallen "
        "in anticipation.",
    )
    assert [(r.text, r.category) for r in art.removed] == [("Reuter", "signoff")]


def test_signoff_glued_to_last_paragraph_is_trimmed() -> None:
    art = clean("Oil prices rose on Monday.\n\nTraders expect more gains this week. Reuter")
    assert art.paragraphs[-1] == "Traders expect more gains this week."
    assert [(r.text, r.category) for r in art.removed] == [("Reuter", "signoff")]


def test_boilerplate_lines_dropped_with_their_categories() -> None:
    art = clean((TEXTS / "boilerplate.txt").read_bytes(), content_type="text/plain")
    assert art.title == "Harbour reopens after storm damage"
    assert art.published == datetime(2019, 11, 18, 10, 30, tzinfo=UTC)
    assert art.paragraphs == (
        "Ships began using the harbour again on Monday, a week after a storm wrecked two of its "
        "three piers.",
        "Repairs to the third pier will take until the spring, the harbour authority said, and "
        "some ferry routes will stay suspended until then.",
        "Fishing boats, which had sheltered in a neighbouring port, were the first to return.",
    )
    assert art.contributors == "Reporting by Ann Lee; Editing by Mark Potter"
    assert [(r.category, r.rule) for r in art.removed] == [
        ("caption", "caption-credit-prefix"),
        ("ad", "ad-label"),
        ("share", "share-prompt"),
        ("contributors", "contributors-reporting-by"),
        ("related", "related-heading"),
        ("comments", "comments-prompt"),
        ("comments", "comments-prompt"),  # the reader comment after the prompt goes too
        ("duplicate", "repeated-paragraph"),
    ]
    assert art.removed[-2].text.startswith("Great news for the town")


def test_single_newline_paragraphs_and_stray_wraps() -> None:
    assert split_block(["First sentence here.", "Second paragraph.", "Third one."]) == [
        "First sentence here.",
        "Second paragraph.",
        "Third one.",
    ]
    # One line broken mid-sentence inside line-per-paragraph text is rejoined.
    assert split_block(["A story that was cut", "in the middle.", "Next paragraph."]) == [
        "A story that was cut in the middle.",
        "Next paragraph.",
    ]


def test_headline_needs_blank_line_after_it_and_no_final_period() -> None:
    art = clean("A plain first paragraph that ends with a period.\n\nAnother paragraph follows.")
    assert art.paragraphs[0] == "A plain first paragraph that ends with a period."
    assert art.title == "A plain first paragraph that ends with a period"


@pytest.mark.parametrize(
    ("lines", "expected", "used"),
    [
        (["July 13th, 2011", "05:58 PM ET"], datetime(2011, 7, 13, 17, 58), 2),
        (["Updated 9:05 a.m. EST, Mon January 4, 2021"], datetime(2021, 1, 4, 9, 5), 1),
        (["4 March 2020 14:00 GMT"], datetime(2020, 3, 4, 14, 0), 1),
        (["2020-03-04", "Headline"], datetime(2020, 3, 4), 1),
        (["The vote on July 4, 2011 was close."], None, 0),
    ],
)
def test_dateline(lines, expected, used) -> None:
    found, n = dateline(lines)
    assert n == used
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.tzinfo is not None
        assert found.replace(tzinfo=None) == expected


def test_parse_date_forms_and_zones() -> None:
    ny = ZoneInfo("America/New_York")
    assert parse_date("2019-11-18T10:00:00Z") == datetime(2019, 11, 18, 10, tzinfo=UTC)
    assert parse_date("2019-11-18T10:00:00+0000") == datetime(2019, 11, 18, 10, tzinfo=UTC)
    assert parse_date("Mon, 18 Nov 2019 10:00:00 GMT") == datetime(2019, 11, 18, 10, tzinfo=UTC)
    assert parse_date("Nov. 18, 2019 5:00 PM EST") == datetime(2019, 11, 18, 17, tzinfo=ny)
    assert parse_date("2019-11-18") == datetime(2019, 11, 18, tzinfo=UTC)
    assert parse_date("18/11/2019 at lunch") is None
    assert parse_date("not a date") is None
