"""The JSON API: search, articles, suggestions, stats, health, and authenticated writes.

Reads are thin over SearchService and share their JSON shapes with the CLI
(``serialize``). Writes go through the same pipeline as ``search-app ingest``,
one small batch per request, so an upload is searchable as soon as its commit
lands (the service looks for a new commit before every search).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from ..engine.whoosh.indexing import IndexBusy
from ..models import RawDocument
from ..pipeline import (
    IngestOptions,
    IngestReport,
    ingest_documents,
    options_from_settings,
    reindex,
    remove_article,
)
from ..serialize import article_as_dict, page_as_dict, stats_as_dict
from ..sources import SourceError, fetch_url
from .errors import ApiError
from .openapi import openapi_spec
from .security import require_token
from .service import get_service, settings
from .webadapter import search_request

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@bp.get("/api/search")
def api_search() -> Any:
    req = search_request(request.args, settings())
    return jsonify(page_as_dict(get_service().search(req)))


@bp.get("/api/articles/<article_id>")
def api_article(article_id: str) -> Any:
    view = get_service().article(article_id, request.args.get("q") or None)
    if view is None:
        raise ApiError(404, f"No article with id {article_id!r}.")
    return jsonify(article_as_dict(view))


@bp.get("/api/suggest")
def api_suggest() -> Any:
    q = request.args.get("q", "")
    if len(q) > settings().max_query_length:
        raise ApiError(400, f"'q' is longer than {settings().max_query_length} characters.")
    return jsonify({"query": q, "suggestions": get_service().suggest(q)})


@bp.get("/api/stats")
def api_stats() -> Any:
    return jsonify(stats_as_dict(get_service().stats()))


@bp.get("/healthz")
def healthz() -> Any:
    service = get_service()  # raises IndexError_ -> 503 when the index can't be opened
    return jsonify({"status": "ok", "generation": service.generation()})


@bp.get("/api/openapi.json")
def api_openapi() -> Any:
    return jsonify(openapi_spec())


# ---------------------------------------------------------------- writes


def _options() -> IngestOptions:
    return options_from_settings(settings(), from_client=True)


def _safe_name(filename: str | None) -> str:
    """An upload's name for display and identity only; it never becomes a path."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("_", base).strip("._")[:100] or "upload"


def _str_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string.")
    return value


def _documents_from_request(options: IngestOptions) -> list[RawDocument]:
    now = datetime.now(UTC)
    if request.files:
        docs = []
        for upload in request.files.getlist("file") or list(request.files.values()):
            name = _safe_name(upload.filename)
            content = upload.read()
            ctype = (
                upload.mimetype
                if upload.mimetype not in ("", None, "application/octet-stream")
                else None
            )
            ctype = ctype or mimetypes.guess_type(name)[0]
            docs.append(RawDocument(content, f"upload:{name}", now, content_type=ctype))
        if not docs:
            raise ApiError(400, "Send the file in a multipart field named 'file'.")
        return docs
    if not request.is_json:
        raise ApiError(
            415,
            "Send a file as multipart/form-data (field 'file'), or JSON with 'url', "
            "or JSON with 'html' or 'text' (plus optional 'url', 'title', 'date', 'id').",
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body is not a JSON object.")
    url, html, text = _str_field(data, "url"), _str_field(data, "html"), _str_field(data, "text")
    title, date, key = _str_field(data, "title"), _str_field(data, "date"), _str_field(data, "id")
    meta = {k: v for k, v in (("title", title), ("date", date)) if v}
    if html is None and text is None:
        if not url:
            raise ApiError(400, "Give 'url', or 'html' or 'text' with the article.")
        try:
            raw = fetch_url(url, options.sources)
        except SourceError as exc:
            raise ApiError(422, f"Could not fetch {url}: {exc.reason}", "fetch_failed") from None
        return [replace(raw, meta={**raw.meta, **meta}, key=key or raw.key)]
    body = html if html is not None else text
    assert body is not None
    ctype = "text/html" if html is not None else "text/plain"
    content = body.encode("utf-8")
    # Where it came from, for provenance: the URL, else the client's id, else the content.
    location = url or f"api:{key or hashlib.sha256(content).hexdigest()[:16]}"
    return [
        RawDocument(
            content,
            location,
            now,
            content_type=ctype,
            charset="utf-8",
            url=url,
            key=key,
            meta=meta,
        )
    ]


@bp.post("/api/documents")
@require_token
def api_add_documents() -> Any:
    options = _options()
    docs = _documents_from_request(options)
    report = ingest_documents(docs, settings().index, options)
    body = report.as_dict()
    body["articles"] = [{"id": a, "href": f"/api/articles/{a}"} for a in report.article_ids]
    if report.failed and not report.article_ids and not report.unchanged:
        reasons = "; ".join(f"{f.location}: {f.reason}" for f in report.failed)
        raise ApiError(422, f"Nothing could be indexed: {reasons}", "not_indexed", report=body)
    status = 201 if report.new else 200
    return jsonify(body), status


@bp.delete("/api/documents/<article_id>")
@require_token
def api_remove_document(article_id: str) -> Any:
    if not remove_article(settings().index, article_id, _options()):
        raise ApiError(404, f"No article with id {article_id!r}.")
    return jsonify({"removed": article_id})


class _ReindexJob:
    """One background rebuild at a time; its last report is kept for GET /api/reindex."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.started: datetime | None = None
        self.report: IngestReport | None = None
        self.error: str | None = None

    def status(self) -> dict[str, Any]:
        return {
            "running": bool(self.thread and self.thread.is_alive()),
            "started": self.started.isoformat() if self.started else None,
            "report": self.report.as_dict() if self.report else None,
            "error": self.error,
        }


def _job() -> _ReindexJob:
    job = current_app.extensions.get("search_app.reindex")
    if job is None:
        job = current_app.extensions.setdefault("search_app.reindex", _ReindexJob())
    return job  # type: ignore[no-any-return]


@bp.post("/api/reindex")
@require_token
def api_reindex() -> Any:
    """Rebuild from the raw store in the background; searches keep answering from the old index."""
    job = _job()
    root, options = settings().index, _options()
    with job.lock:
        if job.thread and job.thread.is_alive():
            raise ApiError(409, "A re-index is already running; GET /api/reindex for progress.")

        def run() -> None:
            try:
                job.report, job.error = reindex(root, options), None
            except IndexBusy as exc:
                job.error = str(exc)
            except Exception as exc:  # reported through GET /api/reindex, never lost
                log.exception("re-index failed")
                job.error = f"{exc.__class__.__name__}: {exc}"

        job.started, job.report, job.error = datetime.now(UTC), None, None
        job.thread = threading.Thread(target=run, name="reindex", daemon=True)
        job.thread.start()
    return jsonify(job.status()), 202


@bp.get("/api/reindex")
def api_reindex_status() -> Any:
    return jsonify(_job().status())
