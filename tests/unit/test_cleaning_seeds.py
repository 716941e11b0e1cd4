"""The three seed stories, cleaned: figures pinned so a rule change that moves them shows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from search_app.cleaning import clean, fingerprint
from search_app.models import Article

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _seed(prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return clean(path.read_bytes(), content_type="text/plain")


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    return {prefix: _seed(prefix) for prefix in ("000", "001", "004")}


def test_000_has_no_headline_so_title_comes_from_first_sentence(seeds):
    art = seeds["000"]
    assert len(art.paragraphs) == 15
    assert art.title == (
        "The second-highest-ranking diplomat at the embassy of Myanmar in Washington has defected…"
    )
    assert len(art.title) <= 90
    # Deriving the title does not eat the first paragraph.
    assert art.paragraphs[0].startswith("The second-highest-ranking diplomat")
    assert art.paragraphs[-1].startswith('"Burma is the poorest country')
    assert art.published is None
    assert art.summary is None
    assert art.removed == ()
    # "obtained by CNN" is the story's text, not boilerplate: no evidence of the publisher.
    assert art.source is None
    assert art.author is None


def test_001_dateline_headline_and_comment_section(seeds):
    art = seeds["001"]
    assert art.title == "Second diplomat from Myanmar defects in less than two weeks"
    assert art.published == datetime(2011, 7, 13, 17, 58, tzinfo=ZoneInfo("America/New_York"))
    assert art.published.utcoffset().total_seconds() == -4 * 3600  # EDT in July
    assert len(art.paragraphs) == 22
    assert art.paragraphs[0].startswith("For the second time in 10 days")
    assert art.paragraphs[-1].startswith('"Burma is the poorest country')
    text = "\n".join(art.paragraphs)
    for gone in ("soundoff", "Post a comment", "CNN welcomes a lively"):
        assert gone not in text
    assert [(r.category, r.text[:24]) for r in art.removed] == [
        ("comments", "soundoff (One Response)"),
        ("comments", "Post a comment"),
        ("comments", "CNN welcomes a lively an"),
    ]
    # The comment policy the cleaner removed names the publisher; "told CNN" does not.
    assert art.source == "CNN"
    assert art.author is None  # the page shows no byline


def test_004_standfirst_captions_contributors_and_newsletter(seeds):
    art = seeds["004"]
    assert art.title == "Diplomat at Myanmar Embassy in TLV resigns following Junta's crackdown"
    assert art.summary == (
        "Kaung Htet noted that he has decided to join the Civil Disobedience Movement (CDM) "
        '"and stand in solidarity with the people of Myanmar."'
    )
    assert len(art.paragraphs) == 9
    assert art.paragraphs[0].startswith("Second Secretary at the Myanmar Embassy in Tel Aviv")
    assert art.paragraphs[-1].startswith("With tussles over diplomatic loyalties overseas")
    assert art.summary not in art.paragraphs
    assert art.contributors == "Idan Zonshine and Reuters contributed to this report."
    removed = {(r.text, r.category) for r in art.removed}
    caption = (
        "People flash a three-finger salute as they attend the funeral of victims shot dead "
        "during the anti-coup protest in Yangon, Myanmar, March 5, 2021."
    )
    assert removed == {
        (caption + " (photo credit: STRINGER/ REUTERS)", "caption"),
        (caption, "caption"),
        ("(photo credit: STRINGER/ REUTERS)", "caption"),
        ("Idan Zonshine and Reuters contributed to this report.", "contributors"),
        ("Stay updated with the latest news!", "newsletter"),
        ("Subscribe to The Jerusalem Post Newsletter", "newsletter"),
    }
    for text, _ in removed:
        assert text not in art.paragraphs
    # The newsletter box names the publisher; Reuters only contributed, so is not the source,
    # and a contributor line is no byline.
    assert art.source == "The Jerusalem Post"
    assert art.author is None


def test_000_and_001_share_wire_paragraphs_by_fingerprint(seeds):
    first = {fingerprint(p) for p in seeds["000"].paragraphs}
    second = {fingerprint(p) for p in seeds["001"].paragraphs}
    # Eleven paragraphs are word for word the same; three more differ in a word or two
    # ("Win wrote in the letter [that] he had ...") and must not collapse.
    assert len(first & second) == 11
    assert len(first) == 15 and len(second) == 22
