"""HTML pages: home, results, article, help. Server-rendered, so they work without JavaScript.

Each view reads the request through ``webadapter``, asks the search service,
and renders a template; no search logic lives here.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..models import ResultPage
from ..query import QueryError
from . import filters
from .errors import ApiError
from .service import get_service, settings
from .webadapter import search_request, search_url

bp = Blueprint("views", __name__)
bp.record_once(lambda state: filters.init_app(state.app))

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest", "oldest": "Oldest"}
# How each word was read, for "Explain this query" (TermInfo.kind).
TERM_KINDS = {
    "word": "word",
    "phrase": "in a phrase",
    "exact": "exact: as written",
    "fuzzy": "fuzzy~: close spellings",
    "prefix": "prefix*: word beginnings",
}


@bp.app_template_filter("safe_href")
def safe_href(url: str | None) -> str | None:
    """Only http(s) URLs become links: a stored ``javascript:`` URL must never be clickable."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@bp.app_template_filter("date")
def format_date(value: Any, with_time: bool = False) -> str:
    if not value:
        return ""
    return value.strftime("%-d %b %Y, %H:%M %Z" if with_time else "%-d %b %Y")


@bp.get("/")
def home() -> str:
    try:
        stats = get_service().stats()
    except Exception:  # the home page still shows the search box on a broken index
        stats = None
    return render_template("index.html", stats=stats, q="")


@bp.get("/help")
def help_page() -> str:
    return render_template("help.html", q="")


def _paging(page: ResultPage) -> list[int | None]:
    """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    last = min(page.pages, settings().max_page)
    shown = {1, last, *range(page.page - 2, page.page + 3)}
    out: list[int | None] = []
    prev = 0
    for n in sorted(p for p in shown if 1 <= p <= last):
        if n - prev > 1:
            out.append(None)
        out.append(n)
        prev = n
    return out


@bp.get("/search")
def search() -> Any:
    q = request.args.get("q", "")
    fragment = request.args.get("fragment") == "1"  # search-as-you-type asks for the list only
    if not q.strip() and not fragment:
        return redirect(url_for("views.home"))
    try:
        req = search_request(request.args, settings(), require_q=False)
    except ApiError as err:
        return _search_error(q, err.message, None, fragment)
    started = time.perf_counter()
    try:
        page = get_service().search(req) if req.q else None
    except QueryError as err:
        return _search_error(q, err.message, err.position, fragment)
    context = {
        "q": req.q,
        # A corrected search's links (pages, facets, sorts) refine what was searched.
        "req": page.request if page else req,
        "page": page,
        "paging": _paging(page) if page else [],
        "search_url": search_url,
        "sort_labels": SORT_LABELS,
        "term_kinds": TERM_KINDS,
        "explain": request.args.get("explain") == "1",
        "elapsed_ms": (time.perf_counter() - started) * 1000,
    }
    template = "_results.html" if fragment else "search.html"
    return render_template(template, **context)


def _search_error(q: str, message: str, position: int | None, fragment: bool) -> str:
    """The results page explaining what to fix. A 200: the page itself is fine, and a
    half-typed query in search-as-you-type must not fill the console with errors;
    the API answers such queries with a 400."""
    template = "_results.html" if fragment else "search.html"
    return render_template(
        template,
        q=q,
        req=None,
        page=None,
        error=message,
        position=position,
        search_url=search_url,
        sort_labels=SORT_LABELS,
        term_kinds=TERM_KINDS,
        explain=False,
        paging=[],
    )


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Any:
    q = request.args.get("q", "")
    view = get_service().article(article_id, q or None)
    if view is None:
        raise ApiError(404, f"No article with id {article_id!r}: it may have been removed.")
    n = len(view.stored.article.paragraphs)
    return render_template(
        "article.html",
        view=view,
        art=view.stored.article,
        prov=view.stored.provenance,
        q=q,
        hits=set(view.hit_positions),
        n=n,
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    return Response(status=204)
