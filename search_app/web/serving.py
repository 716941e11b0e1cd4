"""The production server: waitress, hardened against clients that hold connections or send junk.

Three things waitress leaves open by default, closed here:

- Slowloris. Waitress's idle timeout restarts on every byte, so a client
  sending a header line every few seconds holds its connection forever, and
  110 of them filled the 100-connection limit. Here a request's headers must
  be complete within ``channel_timeout`` seconds of its first byte (a header
  trickle is not activity), idle connections close after the same time, and
  the connection limit is higher (with poll(), not select()'s 1,024 sockets).
- Bodies before the token. Waitress reads the whole body (up to 1 GiB) before
  the app sees the request. Here a write without the right token is answered
  401 (403 with writes off) as soon as its headers are in, without reading
  the body, and any body is capped at the upload limit.
- Those refusals keep the API's JSON error shape.

A public deployment still belongs behind a reverse proxy with its own header
and body timeouts (see the README); this keeps a bare server usable.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

import waitress
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.utilities import Error, RequestEntityTooLarge

from ..config import Settings

# Room for multipart boundaries and form fields around an upload of the maximum size.
BODY_OVERHEAD = 64 * 1024
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITE_PATHS = ("/api/documents", "/api/reindex")


class JsonError(Error):
    """A waitress-level refusal in the API's error shape."""

    def __init__(self, code: int, reason: str, slug: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.slug, self.headers = code, reason, slug, headers

    def to_response(self, ident: str | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
        body = json.dumps({"error": {"code": self.slug, "message": self.body}}).encode()
        headers = [("Content-Type", "application/json"), *self.headers.items()]
        return f"{self.code} {self.reason}", headers, body


def _too_large(settings: Settings) -> JsonError:
    return JsonError(
        413,
        "Request Entity Too Large",
        "too_large",
        "The upload is larger than this server accepts "
        f"(SEARCH_APP_MAX_UPLOAD_BYTES = {settings.max_upload_bytes}).",
    )


def _refusal(settings: Settings, method: str, path: str, auth: str) -> JsonError | None:
    """The answer to a write without the right token, decided from the headers alone."""
    if method.upper() not in WRITE_METHODS or not path.startswith(WRITE_PATHS):
        return None
    if not settings.token:
        return JsonError(
            403,
            "Forbidden",
            "writes_disabled",
            "Writes are turned off on this server. Set SEARCH_APP_TOKEN to a secret "
            "and send it as 'Authorization: Bearer <token>' to enable them.",
        )
    scheme, _, given = auth.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), settings.token.encode("utf-8")
    ):
        return None
    return JsonError(
        401,
        "Unauthorized",
        "unauthorized",
        "This endpoint needs 'Authorization: Bearer <token>' with the server's token.",
        **{"WWW-Authenticate": 'Bearer realm="article-search"', "Connection": "close"},
    )


def _parser_for(settings: Settings) -> type[HTTPRequestParser]:
    class GuardedParser(HTTPRequestParser):
        _checked = False

        def received(self, data: bytes) -> int:
            consumed: int = super().received(data)
            if self.headers_finished and not self._checked:
                self._checked = True
                refusal = None
                if self.error is None or isinstance(self.error, RequestEntityTooLarge):
                    # The token first: a stranger learns nothing about the limits.
                    auth = self.headers.get("AUTHORIZATION", "")
                    refusal = _refusal(settings, self.command or "", self.path or "", auth)
                if refusal is None and isinstance(self.error, RequestEntityTooLarge):
                    refusal = _too_large(settings)
                if refusal is not None:  # answered now; the body is never read
                    self.error, self.completed = refusal, True
            elif isinstance(self.error, RequestEntityTooLarge):  # a chunked body past the cap
                self.error = _too_large(settings)
            return consumed

    return GuardedParser


def _channel_for(settings: Settings) -> type[HTTPChannel]:
    class GuardedChannel(HTTPChannel):
        parser_class = _parser_for(settings)
        _request_started: float | None = None

        def received(self, data: bytes) -> bool:
            result: bool = super().received(data)
            pending = self.request
            if pending is not None and not pending.headers_finished:
                # Headers still coming: time runs from the request's first byte,
                # so the server's channel_timeout sweep closes a trickle.
                if self._request_started is None:
                    self._request_started = time.time()
                self.last_activity = self._request_started
            else:
                self._request_started = None
            return result

    return GuardedChannel


def waitress_options(settings: Settings) -> dict[str, Any]:
    """The waitress adjustments the settings call for (tests read them too)."""
    return {
        "threads": settings.threads,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.channel_timeout,
        "cleanup_interval": max(1, min(30, settings.channel_timeout // 2)),
        "max_request_body_size": settings.max_upload_bytes + BODY_OVERHEAD,
        "asyncore_use_poll": True,  # select() can't watch more than 1,024 sockets
        "ident": "article-search",
    }


def serve(app: Any, host: str, port: int, settings: Settings) -> None:
    """Serve ``app`` until interrupted, with the hardened channel and the settings' limits."""
    server = waitress.create_server(app, host=host, port=port, **waitress_options(settings))
    assert isinstance(server, BaseWSGIServer)
    server.channel_class = _channel_for(settings)
    server.run()
