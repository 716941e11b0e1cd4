"""A request's query string becomes a SearchRequest here, and nowhere else.

Both the HTML views and the API call ``search_request``, so a shared link and
an API call with the same parameters ask for the same search. Bad parameters
raise ApiError(400) naming the parameter; the search module never sees Flask.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from ..config import Settings
from ..models import SORTS, SearchRequest
from .errors import ApiError

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _int(args: Any, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{name}' must be a whole number, not {raw!r}.") from None
    if value < low:
        raise ApiError(400, f"'{name}' must be at least {low}.")
    return min(value, high) if high is not None else value


def _date(args: Any, name: str) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not _DATE.match(raw):
        raise ApiError(
            400,
            f"'{name}' must be a year, year-month or date: 2011, 2011-07 or "
            f"2011-07-13, not {raw!r}.",
        )
    return raw


def search_request(args: Any, settings: Settings, require_q: bool = True) -> SearchRequest:
    """Read q, page, per_page, sort, source (repeatable), from and to from ``args``."""
    q = args.get("q")
    if q is None or not q.strip():
        if require_q:
            raise ApiError(400, "Add a query: ?q=words to search for.", "missing_query")
        q = ""
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise ApiError(400, f"'sort' must be one of {', '.join(SORTS)}, not {sort!r}.")
    # per_page is capped, not refused: a client asking for 1000 gets the most we give.
    per_page = _int(args, "per_page", settings.per_page, 1, settings.max_per_page)
    page = _int(args, "page", 1, 1)
    if page > settings.max_page:
        raise ApiError(
            400,
            f"Results stop at page {settings.max_page}; narrow the query with more words or "
            "a filter instead.",
        )
    sources = tuple(s for s in args.getlist("source") if s.strip())
    return SearchRequest(
        q=q,
        page=page,
        per_page=per_page,
        sort=sort,
        sources=sources[:20],
        date_from=_date(args, "from"),
        date_to=_date(args, "to"),
    )


def search_url(req: SearchRequest, base: str = "/search", **changes: Any) -> str:
    """The shareable URL of ``req`` with ``changes`` applied (None removes a parameter)."""
    params: dict[str, Any] = {
        "q": req.q,
        "sort": req.sort if req.sort != "relevance" else None,
        "source": list(req.sources) or None,
        "from": req.date_from,
        "to": req.date_to,
        "per_page": req.per_page if req.per_page != Settings.per_page else None,
        "page": req.page if req.page != 1 else None,
    }
    params.update(changes)
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return f"{base}?{urlencode(pairs)}"
