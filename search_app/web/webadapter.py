"""A request's query string becomes a SearchRequest here, and nowhere else.

Both the HTML views and the API call ``search_request``, so a shared link and
an API call with the same parameters ask for the same search. Bad parameters
raise ApiError(400) naming the parameter; the checks themselves are
``request.build_request``, shared with the CLI.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from ..config import Settings
from ..models import SearchRequest
from ..request import RequestError, build_request
from .errors import ApiError


def search_request(args: Any, settings: Settings, require_q: bool = True) -> SearchRequest:
    """Read q, page, per_page, sort, source (repeatable), from and to from ``args``."""
    q = args.get("q")
    # Live: the last word is still being typed unless a space follows it (q is trimmed later).
    live = args.get("live") == "1" and bool(q) and not q[-1:].isspace()
    try:
        req = build_request(
            settings,
            args.get("q"),
            page=args.get("page"),
            per_page=args.get("per_page"),
            sort=args.get("sort"),
            sources=args.getlist("source"),
            date_from=args.get("from"),
            date_to=args.get("to"),
            require_q=require_q,
        )
        allow_partial = args.get("allow_partial") == "1"
        return replace(
            req, nocorrect=args.get("nocorrect") == "1", live=live, allow_partial=allow_partial
        )
    except RequestError as err:
        code = "missing_query" if err.param == "q" else None
        raise ApiError(400, err.message, code) from None


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
