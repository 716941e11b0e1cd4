"""Checks an article must pass before it reaches the index, so a bad value fails it alone.

A date like ``0001-01-01T00:00:00+14:00`` parses, but its UTC instant lies
outside what ``datetime`` can hold: converting it for the index raised
OverflowError mid-commit, which failed the whole batch on every re-run.
Checked here, at the pipeline's boundary, it is one article's failure with
its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .cleaning.errors import CleaningError
from .models import Article

# Whoosh stores dates as microseconds since 0001-01-01, and 0 reads as "no
# date": keep a day's margin at both ends of datetime's range.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class RecordError(CleaningError):
    """An article value the index can't hold; fails that article like any cleaning failure."""


def check_article(article: Article) -> None:
    """Raise RecordError when the article has a value the index cannot store."""
    published = article.published
    if published is None:
        return
    try:
        instant = published.astimezone(UTC) if published.tzinfo else published.replace(tzinfo=UTC)
        in_range = EARLIEST <= instant <= LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise RecordError(
            f"date {published.isoformat()} is out of range "
            f"(it must fall between {EARLIEST.date()} and {LATEST.date()} in UTC)"
        )
