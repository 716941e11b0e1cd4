"""The JSON API: search, articles, suggestions, stats, health, and authenticated writes.

Reads are thin over SearchService and share their JSON shapes with the CLI
(``serialize``). Writes go through the same pipeline as ``search-app ingest``,
one small batch per request, so an upload is searchable as soon as its commit
lands (the service looks for a new commit before every search).
"""

from __future__ import annotations

import logging
import threading
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
from ..request import query_text
from ..serialize import article_as_dict, page_as_dict, stats_as_dict
from ..sources import SourceError, SourceFailure
from ..sources.upload import RequestError, document_from_json, documents_from_upload
from .errors import ApiError
from .openapi import openapi_spec
from .security import require_token, token_is_valid
from .service import get_service, settings
from .webadapter import search_request

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def api_search() -> Any:
    req = search_request(request.args, settings())
    return jsonify(page_as_dict(get_service().search(req)))


@bp.get("/api/articles/<article_id>")
def api_article(article_id: str) -> Any:
    q = query_text(settings(), request.args.get("q"), required=False)  # only highlights
    view = get_service().article(article_id, q or None)
    if view is None:
        raise ApiError(404, f"No article with id {article_id!r}.")
    return jsonify(article_as_dict(view))


@bp.get("/api/suggest")
def api_suggest() -> Any:
    q = query_text(settings(), request.args.get("q"), required=False)
    return jsonify({"query": q, "suggestions": get_service().suggest(q)})


@bp.get("/api/stats")
def api_stats() -> Any:
    return jsonify(stats_as_dict(get_service().stats()))


@bp.get("/healthz")
def healthz() -> Any:
    service = get_service()  # raises IndexError_ -> 503 when the index can't be opened
    body = {"status": "ok", "generation": service.generation()}
    if hasattr(service.index, "nodes"):  # a cluster: each node, and degraded if one is down
        body["nodes"] = service.index.nodes()
        if not all(n["healthy"] for n in body["nodes"]):
            body["status"] = "degraded"
    return jsonify(body)


@bp.get("/api/openapi.json")
def api_openapi() -> Any:
    return jsonify(openapi_spec())


# ---------------------------------------------------------------- writes


def _options() -> IngestOptions:
    return options_from_settings(settings(), from_client=True)


def _documents_from_request(options: IngestOptions) -> list[RawDocument | SourceFailure]:
    """What the client sent, handed to the sources layer; this only maps its errors to HTTP."""
    try:
        if request.files:
            uploads = request.files.getlist("file") or list(request.files.values())
            docs: list[RawDocument | SourceFailure] = []
            for upload in uploads:
                docs.extend(
                    documents_from_upload(
                        upload.filename, upload.read(), upload.mimetype, options.sources
                    )
                )
            if not docs:
                raise RequestError("Send the file in a multipart field named 'file'.")
            return docs
        if not request.is_json:
            raise ApiError(
                415,
                "Send a file as multipart/form-data (field 'file'), or JSON with 'url', "
                "or JSON with 'html' or 'text' (plus optional 'url', 'title', 'date', 'id').",
            )
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # nested past the parser's depth: malformed, not our failure
            data = None
        if not isinstance(data, dict):
            raise RequestError("The body is not a JSON object.")
        return [document_from_json(data, options.sources)]
    except RequestError as exc:
        raise ApiError(400, str(exc)) from None
    except SourceError as exc:
        message = f"Could not fetch {exc.location}: {exc.reason}"
        raise ApiError(422, message, "fetch_failed") from None


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

    def status(self, full: bool = True) -> dict[str, Any]:
        """The job's state; without ``full`` (no token), counts only: ids and paths stay private."""
        report: dict[str, Any] | None = None
        if self.report is not None:
            report = self.report.as_dict()
            if not full:
                report = {
                    "new": self.report.new,
                    "updated": self.report.updated,
                    "unchanged": self.report.unchanged,
                    "removed": self.report.removed,
                    "failed": self.report.failed_count,
                    "seconds": report["seconds"],
                }
        return {
            "running": bool(self.thread and self.thread.is_alive()),
            "started": self.started.isoformat() if self.started else None,
            "report": report,
            "error": self.error if full else ("failed" if self.error else None),
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
    """Progress for anyone; the article ids and failure locations only with the token."""
    return jsonify(_job().status(full=token_is_valid()))
