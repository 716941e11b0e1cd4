"""Response headers, the API's per-client rate limit, and the write token.

The token is compared in constant time and never logged; with no token
configured, writes are off (403), so a fresh install can't be written to by
anyone who reaches its port.
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, request

from .errors import ApiError
from .service import settings

log = logging.getLogger(__name__)

# No inline script or style anywhere: the pages load /static files only, and
# the timeline and hit strip are SVG drawn with attributes, not style="".
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

F = TypeVar("F", bound=Callable[..., Any])


class RateLimiter:
    """A token bucket per client address: ``per_minute`` requests, refilled smoothly.

    At most ``max_clients`` buckets are kept, the least recently used evicted
    first: a flood of new addresses pushes out idle clients, never the one
    that is hammering (clearing the table, as before, gave every limited
    client a fresh bucket).
    """

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, client: str) -> float:
        """0 when the request may go ahead, else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            self._buckets.move_to_end(client)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0 if allowed else (1.0 - tokens) / self.rate


# Paths that run searches: the API and the HTML pages that search or render an
# article. Static files and /healthz stay unlimited (cheap, and monitors poll them).
LIMITED_PREFIXES = ("/api/", "/search", "/articles/")


def init_app(app: Flask) -> None:
    limit = app.config["SETTINGS"].rate_limit
    limiter = RateLimiter(limit) if limit > 0 else None

    @app.before_request
    def _rate_limit() -> None:
        if limiter is None or not request.path.startswith(LIMITED_PREFIXES):
            return
        wait = limiter.check(request.remote_addr or "unknown")
        if wait:
            retry = max(1, math.ceil(wait))
            raise ApiError(
                429,
                f"Too many requests; try again in {retry} s.",
                headers={"Retry-After": str(retry)},
            )

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        return resp


def token_is_valid() -> bool:
    """Whether the request carries the server's write token (constant-time compare)."""
    expected = settings().token
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), expected.encode("utf-8")
    )


def require_token(view: F) -> F:
    """Allow the view only with ``Authorization: Bearer <SEARCH_APP_TOKEN>``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not settings().token:
            raise ApiError(
                403,
                "Writes are turned off on this server. Set SEARCH_APP_TOKEN to a secret "
                "and send it as 'Authorization: Bearer <token>' to enable them.",
                "writes_disabled",
            )
        if not token_is_valid():
            log.warning(
                "rejected write to %s from %s: bad or missing token",
                request.path,
                request.remote_addr,
            )
            raise ApiError(
                401,
                "This endpoint needs 'Authorization: Bearer <token>' with the server's token.",
                headers={"WWW-Authenticate": 'Bearer realm="article-search"'},
            )
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
