"""One door for every search request: web pages, the JSON API and the CLI.

``build_request`` reads the raw parameters (strings, as a query string or
a command line gives them) and ``check_request`` checks a SearchRequest
against the settings; both raise RequestError naming the parameter, so a
bad page number or date reads the same everywhere and never reaches the
engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from .config import Settings
from .models import SORTS, SearchRequest
from .query.dates import date_range
from .query.errors import QueryError

MAX_SOURCES = 20
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class RequestError(QueryError):
    """A search parameter that can't be used; ``param`` names it."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _int(name: str, raw: str | int | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise RequestError(f"'{name}' must be a whole number, not {raw!r}.", name) from None


def query_text(settings: Settings, q: str | None, *, required: bool = True) -> str:
    """The ``q`` of any request (search, suggest, an article's highlights), checked.

    Missing is a RequestError on ``q`` when a query is required, else "".
    Too long is the same QueryError the query parser raises, so the message
    reads the same whichever door the text came in by.
    """
    if q is None or not q.strip():
        if required:
            raise RequestError("Add a query: ?q=words to search for.", "q")
        return ""
    limit = settings.max_query_length
    if len(q) > limit:
        raise QueryError(
            f"The query is {len(q)} characters long; the limit is {limit}. "
            "Shorten it to the words that matter."
        )
    return q


def build_request(
    settings: Settings,
    q: str | None,
    *,
    page: str | int | None = None,
    per_page: str | int | None = None,
    sort: str | None = None,
    sources: Iterable[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    require_q: bool = True,
) -> SearchRequest:
    """A checked SearchRequest from raw parameters."""
    req = SearchRequest(
        q=query_text(settings, q, required=require_q),
        page=_int("page", page, 1),
        per_page=_int("per_page", per_page, settings.per_page),
        sort=sort or "relevance",
        sources=tuple(s for s in sources if s.strip())[:MAX_SOURCES],
        date_from=(date_from or "").strip() or None,
        date_to=(date_to or "").strip() or None,
    )
    return check_request(req, settings)


def check_request(req: SearchRequest, settings: Settings) -> SearchRequest:
    """``req`` checked against the settings, with per_page capped and q trimmed."""
    if req.sort not in SORTS:
        raise RequestError(f"'sort' must be one of {', '.join(SORTS)}, not {req.sort!r}.", "sort")
    if req.per_page < 1:
        raise RequestError("'per_page' must be at least 1.", "per_page")
    if req.page < 1:
        raise RequestError("'page' must be at least 1: results start at page 1.", "page")
    if req.page > settings.max_page:
        raise RequestError(
            f"Results stop at page {settings.max_page}; narrow the query with more words or "
            "a filter instead.",
            "page",
        )
    for name, value in (("from", req.date_from), ("to", req.date_to)):
        if value and not _DATE.match(value):
            raise RequestError(
                f"'{name}' must be a year, year-month or date: 2011, 2011-07 or "
                f"2011-07-13, not {value!r}.",
                name,
            )
        if value:
            try:
                date_range(value, None)
            except QueryError as exc:
                raise RequestError(f"'{name}': {exc.message}", name) from None
    try:
        date_range(req.date_from, req.date_to)  # reversed?
    except QueryError as exc:
        raise RequestError(exc.message, "from") from None
    # per_page is capped, not refused: a client asking for 1000 gets the most we give.
    per_page = min(req.per_page, settings.max_per_page)
    return replace(req, per_page=per_page, q=req.q.strip())
