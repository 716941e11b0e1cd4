"""Jinja filters that turn what a ResultPage carries into what a reader needs.

Kept out of the search core on purpose: they only reshape data the page
already holds (dates in the parsed query, "also in" links, the partial-match
divider), so the HTML can change without touching ranking code.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from ..models import FacetValue

# Whoosh stores a date as microseconds since 0001-01-01 (whoosh.util.times.datetime_to_long);
# the parsed query prints those numbers. 15 to 18 digits covers the years 1 to 9999.
_DATE_RANGE = re.compile(r"date:\[\s*(\d{15,18})?\s+TO\s*(\d{15,18})?\s*\]")
_EPOCH = datetime(1, 1, 1)
_DAY_END = (23, 59, 59)

# How many values a facet lists before the rest go behind "Show N more".
FACET_VISIBLE = 20


def _long_to_datetime(value: str) -> datetime | None:
    try:
        return _EPOCH + timedelta(microseconds=int(value))
    except (OverflowError, ValueError):
        return None


def _period(start: datetime | None, end: datetime | None) -> str:
    """``date:2011``, ``date:2011-07``, ``date:2011-07-13`` or a range, as a person types it."""
    if start and end and start.time() == datetime.min.time() and end.timetuple()[3:6] == _DAY_END:
        if start.date() == end.date():
            return f"date:{start:%Y-%m-%d}"
        last_day = calendar.monthrange(end.year, end.month)[1]
        whole_months = start.day == 1 and end.day == last_day
        if whole_months and (start.month, end.month) == (1, 12) and start.year == end.year:
            return f"date:{start:%Y}"
        if whole_months and (start.year, start.month) == (end.year, end.month):
            return f"date:{start:%Y-%m}"
    lo = f"{start:%Y-%m-%d}" if start else ""
    hi = f"{end:%Y-%m-%d}" if end else ""
    return f"date:[{lo} TO {hi}]".replace("[ TO", "[TO").replace("TO ]", "TO]")


def readable_query(parsed: str | None) -> str:
    """The parsed query with Whoosh's date numbers shown as dates (``date:2019``)."""
    if not parsed:
        return ""

    def repl(m: re.Match[str]) -> str:
        start = _long_to_datetime(m.group(1)) if m.group(1) else None
        end = _long_to_datetime(m.group(2)) if m.group(2) else None
        if (m.group(1) and start is None) or (m.group(2) and end is None):
            return m.group(0)
        return _period(start, end)

    return _BOOST.sub(lambda m: f"^{float(m.group(1)):.2g}", _DATE_RANGE.sub(repl, parsed))


# A prefix's rare completions carry weights such as ^0.17391304347826086: two
# figures tell a reader as much.
_BOOST = re.compile(r"\^(\d+\.\d{3,})")


def also_in(result: Any) -> list[Any]:
    """Every other article carrying one of ``result``'s shown paragraphs, each listed once."""
    seen: dict[str, Any] = {}
    for p in getattr(result, "paragraphs", ()):
        for ref in getattr(p, "also_in", ()) or ():
            if ref.id != getattr(result, "id", None):
                seen.setdefault(ref.id, ref)
    return list(seen.values())


def duplicate_groups(result: Any) -> list[tuple[Any, list[Any]]]:
    """``result``'s paragraphs already shown under another result, grouped by that result.

    One line per article they repeat ("¶1, ¶2, ¶3: the same paragraphs as in X"),
    not one line per paragraph: a full copy of an article would say it three times.
    """
    groups: dict[str, tuple[Any, list[Any]]] = {}
    for p in getattr(result, "paragraphs", ()):
        ref = getattr(p, "duplicate_of", None)
        if ref is not None:
            groups.setdefault(ref.id, (ref, []))[1].append(p)
    return list(groups.values())


def partial_split(page: Any) -> dict[str, Any]:
    """Where the divider goes and what it says: all-words results first, then partial ones.

    ``partial_articles`` (articles matching some of the words) comes from the
    search service when it has it; until then the counts are read from the page:
    partial matches only follow when every all-words article fits on page 1.
    """
    results = list(getattr(page, "results", ()))
    full = [r for r in results if not getattr(r, "partial", False)]
    partial = [r for r in results if getattr(r, "partial", False)]
    total = int(getattr(page, "total_articles", 0) or 0)
    more = getattr(page, "partial_articles", None)
    if more is not None:
        all_words: int | None = total
    elif getattr(page, "page", 1) == 1:
        all_words, more = len(full), max(total - len(full), 0)
    else:
        all_words = None  # page 2 onwards: the all-words count is not on this page
    return {"full": full, "partial": partial, "all_words": all_words, "more": more}


def facet_split(values: Any, visible: int = FACET_VISIBLE) -> tuple[list[Any], list[Any]]:
    """A facet's first ``visible`` values, and the rest for "Show N more"."""
    values = list(values or ())
    return values[:visible], values[visible:]


def source_facet(page: Any, req: Any) -> tuple[Any, ...]:
    """Source counts as if no source were ticked, so a second source can be ticked.

    The search service counts facets over the filtered results, where only the
    ticked sources are left; a second, source-free search (served from the page
    cache when the reader came from the unfiltered page) gives the others.
    When the service counts each facet without its own filter, this goes.
    """
    if not getattr(req, "sources", ()):
        return tuple(page.facets.get("source", ()))
    from ..query import QueryError
    from .service import get_service

    try:
        free = get_service().search(dataclasses.replace(req, sources=(), page=1))
    except QueryError:  # cannot happen for a query that just ran; keep the page's own facet
        return tuple(page.facets.get("source", ()))
    return tuple(
        FacetValue(f.value, f.count, f.value in req.sources) for f in free.facets.get("source", ())
    )


def init_app(app: Flask) -> None:
    """Register the filters (called once when the views blueprint is registered)."""
    app.add_template_filter(readable_query, "readable_query")
    app.add_template_filter(also_in, "also_in")
    app.add_template_filter(partial_split, "partial_split")
    app.add_template_filter(facet_split, "facet_split")
    app.add_template_filter(source_facet, "source_facet")
    app.add_template_filter(duplicate_groups, "duplicate_groups")
