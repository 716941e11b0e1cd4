"""Every error, from any layer, mapped to an HTTP status and one JSON shape in one place.

API responses are ``{"error": {"code": "...", "message": "..."}}``; pages get
the same message in the error template. Nothing a client sends should reach
the generic handler: it exists so that a bug still answers in the same shape,
without a traceback, and is logged for us.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..cluster.model import ClusterConfigError
from ..engine.sphinx.errors import (
    IncompleteResults,
    NodeUnavailable,
    QueryFailed,
    ShardUnavailable,
    SphinxError,
)
from ..engine.whoosh.indexing import IndexBusy, IndexError_, IndexNotFound
from ..engine.whoosh.maintenance import EmptyIndexError  # the index folder vanished
from ..query import QueryError

log = logging.getLogger(__name__)

# HTTP status -> stable machine-readable code for clients.
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the web layer raises on purpose, with its status and a message for people."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.headers = headers or {}
        self.extra = extra


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(err: ApiError) -> Response | tuple[Any, int, dict[str, str]]:
    if wants_json():
        body: dict[str, Any] = {"code": err.code, "message": err.message}
        body.update(err.extra)
        resp = jsonify({"error": body})
        resp.status_code = err.status
        resp.headers.update(err.headers)
        return resp
    try:
        html = render_template("error.html", status=err.status, message=err.message, code=err.code)
    except Exception:  # a broken template must not turn an error page into a traceback
        log.exception("error page failed to render")
        headers = {**err.headers, "Content-Type": "text/plain; charset=utf-8"}
        return f"{err.status}: {err.message}\n", err.status, headers
    return html, err.status, err.headers


def _from_http(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    messages = {
        404: "Nothing here. Search from the home page, or check the address.",
        405: f"{request.method} is not allowed here.",
        413: "The upload is larger than this server accepts "
        "(SEARCH_APP_MAX_UPLOAD_BYTES sets the limit).",
    }
    message = messages.get(status) or (exc.description or exc.name)
    headers = {}
    allow = exc.get_response().headers.get("Allow") if status == 405 else None
    if allow:
        headers["Allow"] = allow
    return ApiError(status, message, headers=headers)


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def storage_fault(exc: BaseException, root: Path) -> ApiError | None:
    """The 503 for a fault of the index's storage (gone, damaged, read-only, full), or None.

    These are the machine's faults, not bugs and not the client's: the README
    promises 503 with the reason and the fix, never a 500.
    """
    if isinstance(exc, EmptyIndexError):
        return ApiError(
            503,
            f"The index in {root} is gone (its files were removed while the server ran); "
            f"ingest again with `search-app ingest SOURCE --index {root}` or restore the folder.",
            "index_unavailable",
        )
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "locked" in text:  # another process holds the raw store past sqlite's wait
            return ApiError(
                503,
                f"The index in {root} is busy with another writer; try again shortly.",
                "busy",
                headers={"Retry-After": "5"},
            )
        if "readonly" in text or "read-only" in text:
            code = errno.EROFS
        elif "full" in text or "disk i/o" in text:
            code = errno.ENOSPC
        elif "unable to open" in text:  # sqlite can't make its journal: often a read-only folder
            code = errno.ENOENT if os.access(root, os.W_OK) or not root.exists() else errno.EROFS
        else:
            return None
        exc = OSError(code, str(exc), str(root / "raw.sqlite"))
    if not isinstance(exc, OSError) or exc.errno is None:
        return None
    where = exc.filename or root
    if exc.errno in _FULL:
        return ApiError(
            503,
            f"The index in {root} could not be written: the disk is full ({exc.strerror}). "
            "Nothing was changed; free some space and try again.",
            "disk_full",
            headers={"Retry-After": "60"},
        )
    if exc.errno in _READ_ONLY:
        return ApiError(
            503,
            f"The index in {root} can't be written here ({exc.strerror}: {where}); searches "
            "still work, writes need a folder this server may write to.",
            "read_only",
        )
    if exc.errno == errno.ENOENT:
        return ApiError(
            503,
            f"A file of the index in {root} is missing ({where}); run "
            f"`search-app reindex --index {root}` to rebuild it from the raw store.",
            "index_unavailable",
        )
    return None


def cluster_fault(err: SphinxError) -> ApiError:
    """A search cluster's failure: 503 naming the shard or node, never silently partial."""
    retry = {"Retry-After": "5"}
    if isinstance(err, ShardUnavailable):
        log.error("shard %d unavailable: %s", err.shard, err.reason)
        return ApiError(
            503,
            f"Shard {err.shard} of the search cluster is unavailable (no mirror answers), so "
            "results would be incomplete. Restart a mirror of it (`search-app cluster start`, "
            "then `cluster repair`), or ask with allow_partial=1 for results from the rest.",
            "shard_unavailable",
            headers=retry,
            shard=err.shard,
        )
    if isinstance(err, IncompleteResults):
        log.error("incomplete cluster answer: %s", err)
        return ApiError(
            503,
            "The search cluster answered incompletely; try again shortly.",
            "incomplete_results",
            headers=retry,
        )
    if isinstance(err, NodeUnavailable):
        log.error("cluster node down: %s", err)
        message = f"{err} (`search-app cluster status` shows every node)."
        return ApiError(503, message, "cluster_unavailable", headers=retry)
    if isinstance(err, QueryFailed):
        log.warning("the cluster refused a query: %s", err)
        message = f"The search cluster could not run this query: {err.message}"
        return ApiError(400, message, "bad_query")
    log.error("cluster error: %s", err)
    return ApiError(503, str(err), "cluster_unavailable", headers=retry)


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):  # type: ignore[no-untyped-def]
        return error_response(err)

    @app.errorhandler(QueryError)
    def _query_error(err: QueryError):  # type: ignore[no-untyped-def]
        extra = {"position": err.position} if err.position is not None else {}
        return error_response(ApiError(400, err.message, "bad_query", **extra))

    @app.errorhandler(IndexBusy)
    def _busy(err: IndexBusy):  # type: ignore[no-untyped-def]
        return error_response(ApiError(503, str(err), "busy", headers={"Retry-After": "5"}))

    @app.errorhandler(IndexError_)
    def _index_error(err: IndexError_):  # type: ignore[no-untyped-def]
        log.error("index unavailable: %s", err)
        # Readers never create an index: a missing one says to run ingest.
        code = "index_missing" if isinstance(err, IndexNotFound) else "index_unavailable"
        return error_response(ApiError(503, str(err), code))

    @app.errorhandler(SphinxError)
    def _cluster_error(err: SphinxError):  # type: ignore[no-untyped-def]
        return error_response(cluster_fault(err))

    @app.errorhandler(ClusterConfigError)
    def _cluster_config(err: ClusterConfigError):  # type: ignore[no-untyped-def]
        log.error("cluster file unusable: %s", err)
        return error_response(ApiError(503, str(err), "index_unavailable"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(_from_http(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        fault = storage_fault(exc, current_app.config["SETTINGS"].index)
        if fault is not None:
            log.error("index storage fault on %s %s: %s", request.method, request.path, exc)
            return error_response(fault)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            ApiError(500, "Something went wrong on our side; it has been logged.")
        )
