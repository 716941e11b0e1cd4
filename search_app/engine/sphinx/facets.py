"""The facet statements' answers, read into what Hits carries.

The statements themselves are built in search.py, beside the search's other
statements and their filters; this is the reading, one place for the rules
of what a row means (a blank source is "unknown", month 0 is "undated").
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from .client import Result

MONTHS = 2400  # timeline buckets read: two centuries of months (a bigger window costs every agent)

# (sources, months, undated articles, all-words paragraphs)
Facets = tuple[tuple[tuple[str, int], ...], tuple[tuple[tuple[int, int], int], ...], int, int]


def collect_facets(
    jobs: list[tuple[str, Future[Result]]], count: Callable[[], Result] | None
) -> Facets:
    """The facet statements' answers: sources, months, undated articles, paragraphs.

    The paragraphs are the month rows' COUNT(*) summed (one statement fewer,
    each reading every match: 27 to 52 ms at 1M), when ``count`` (the
    all-words paragraph count) is wanted; ``count`` is run only when the
    months reached MONTHS and so may not hold every paragraph.
    """
    sources: dict[str, int] = {}
    months: dict[tuple[int, int], int] = {}
    undated = paragraphs = 0
    month_rows = 0
    for what, job in jobs:
        result = job.result()
        if what == "source":
            for name, c, *_dates_ok in result.rows:
                key = str(name).strip() or "unknown"
                sources[key] = sources.get(key, 0) + int(c)
        else:
            month_rows = len(result.rows)
            for ym, c, n, *_dates_ok in result.rows:
                paragraphs += int(n)
                if int(ym):
                    ymk = divmod(int(ym), 100)
                    months[ymk] = months.get(ymk, 0) + int(c)
                else:
                    undated += int(c)
    if count is None:
        paragraphs = 0
    elif month_rows >= MONTHS:
        result = count()
        paragraphs = int(result.rows[0][0]) if result.rows else 0
    return tuple(sources.items()), tuple(months.items()), undated, paragraphs
