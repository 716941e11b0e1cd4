"""The facet statements' answers, read into what Hits carries.

The statements themselves are built in search.py, beside the search's other
statements and their filters; this is the reading, one place for the rules
of what a row means (a blank source is "unknown", month 0 is "undated").
"""

from __future__ import annotations

from concurrent.futures import Future

from .client import Result

MONTHS = 2400  # timeline buckets read: two centuries of months (a bigger window costs every agent)

# (sources, months, undated articles, all-words paragraphs)
Facets = tuple[tuple[tuple[str, int], ...], tuple[tuple[tuple[int, int], int], ...], int, int]


def collect_facets(jobs: list[tuple[str, Future[Result]]]) -> Facets:
    """The facet statements' answers: sources, months, undated articles, paragraphs."""
    sources: dict[str, int] = {}
    months: dict[tuple[int, int], int] = {}
    undated = paragraphs = 0
    for what, job in jobs:
        result = job.result()
        if what == "count":
            paragraphs = int(result.rows[0][0]) if result.rows else 0
        elif what == "source":
            for name, c, *_dates_ok in result.rows:
                key = str(name).strip() or "unknown"
                sources[key] = sources.get(key, 0) + int(c)
        else:
            for ym, c, *_dates_ok in result.rows:
                if int(ym):
                    ymk = divmod(int(ym), 100)
                    months[ymk] = months.get(ymk, 0) + int(c)
                else:
                    undated += int(c)
    return tuple(sources.items()), tuple(months.items()), undated, paragraphs
