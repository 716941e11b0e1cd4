"""http(s) URLs: bounded fetches (one overall deadline, size, redirects) and an SSRF guard.

Standard library only (http.client), with redirects followed here one hop
at a time, so every hop is checked before it is contacted. Each hop's host is
resolved once; the guard checks those addresses and the connection goes to
one of them, so a second DNS answer (rebinding) can't slip past the check.

The time limit is for the whole fetch, every hop and every byte: a server
that dribbles a byte a second can't hold a worker past it, because a timer
shuts the socket down at the deadline, whatever read is under way.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from ..models import RawDocument
from .addresses import Resolver, refusal, system_resolver
from .base import SourceError, SourceOptions, human_bytes

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def split_url(url: str) -> tuple[SplitResult, str, int]:
    """(parts, host, port) of an http(s) URL; SourceError says what is wrong with a bad one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Port out of range", "Invalid IPv6 URL", a port of letters
        raise SourceError(url, f"not a valid URL ({exc})") from None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise SourceError(url, "not a valid URL (it needs http:// or https:// and a host)")
    if port == 0:
        raise SourceError(url, "not a valid URL (port 0)")
    return parts, host, port or (443 if parts.scheme.lower() == "https" else 80)


def _allowed(host: str, port: int, options: SourceOptions) -> bool:
    return host in options.allow_hosts or f"{host}:{port}" in options.allow_hosts


def resolve_checked(url: str, options: SourceOptions) -> list[str]:
    """The addresses to connect to for ``url``'s host, after the guard has passed each one."""
    _parts, host, port = split_url(url)
    resolver: Resolver = options.resolver or system_resolver
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise SourceError(url, f"host {host!r} not found ({detail})") from None
    if not addresses:
        raise SourceError(url, f"host {host!r} not found (no addresses)")
    if options.block_private and not _allowed(host, port, options):
        for text in addresses:
            addr = ipaddress.ip_address(text)
            why = refusal(addr)
            if why:
                raise SourceError(
                    url,
                    f"refused: {addr} is {why}; add the host to SEARCH_APP_ALLOW_HOSTS to allow it",
                )
    return addresses


def check_address(url: str, options: SourceOptions) -> None:
    """Raise SourceError when ``url`` may not be fetched (bad URL, unknown or refused host)."""
    resolve_checked(url, options)


class _Deadline:
    """The fetch's one time limit; ``arm`` makes a connection's socket close when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def arm(self, conn: http.client.HTTPConnection) -> threading.Timer:
        def expire() -> None:
            self.expired = True
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(max(0.0, self.remaining()), expire)
        timer.daemon = True
        timer.start()
        return timer

    def error(self, url: str) -> SourceError:
        return SourceError(url, f"timed out after {self.seconds:g} s")


def _pinned(conn: Any, addresses: list[str], port: int) -> None:
    """Make ``conn`` connect to the checked addresses, never to a fresh lookup of its host.

    The Host header and TLS certificate check still use the host name.
    """

    def connect(_address: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        error: OSError | None = None
        for addr in addresses:
            try:
                return socket.create_connection((addr, port), timeout, source_address)
            except OSError as exc:
                error = exc
        assert error is not None
        raise error

    conn._create_connection = connect


def _connection(parts: SplitResult, host: str, port: int, timeout: float) -> Any:
    if parts.scheme.lower() == "https":
        return http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, port, timeout=timeout)


def fetch_url(url: str, options: SourceOptions | None = None) -> RawDocument:
    """GET a page or feed, following redirects to a limit; SourceError says why not."""
    options = options or SourceOptions()
    deadline = _Deadline(options.timeout)
    current = url
    for _hop in range(options.max_redirects + 1):
        if not is_url(current):
            raise SourceError(url, f"redirected to a non-http URL ({current})")
        parts, host, port = split_url(current)
        addresses = resolve_checked(current, options)
        if deadline.remaining() <= 0:
            raise deadline.error(url)
        conn = _connection(parts, host, port, deadline.remaining())
        _pinned(conn, addresses, port)
        timer = deadline.arm(conn)
        try:
            result = _get(conn, parts, current, url, options, deadline)
        finally:
            timer.cancel()
            conn.close()
        if isinstance(result, RawDocument):
            return result
        current = urljoin(current, result)
    raise SourceError(url, f"too many redirects (more than {options.max_redirects})")


def _get(
    conn: Any,
    parts: SplitResult,
    current: str,
    url: str,
    options: SourceOptions,
    deadline: _Deadline,
) -> RawDocument | str:
    """One hop: the document, or the Location to go to next."""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(
            "GET",
            target,
            headers={"User-Agent": options.user_agent, "Accept-Encoding": "identity"},
        )
        resp = conn.getresponse()
        if resp.status in _REDIRECTS and resp.getheader("Location"):
            return str(resp.getheader("Location"))
        if not 200 <= resp.status < 300:
            raise SourceError(url, f"HTTP {resp.status} {resp.reason}")
        content_type = (resp.headers.get_content_type() or "").lower()
        if content_type not in PAGE_TYPES + FEED_TYPES:
            raise SourceError(url, f"not HTML or text (content type {content_type})")
        declared = resp.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > options.max_bytes:
            raise SourceError(
                url,
                f"over the size cap ({human_bytes(int(declared))} > "
                f"{human_bytes(options.max_bytes)})",
            )
        content = _read_bounded(resp, options.max_bytes, deadline)
        if deadline.expired:
            raise deadline.error(url)
        if len(content) > options.max_bytes:
            raise SourceError(
                url, f"over the size cap (more than {human_bytes(options.max_bytes)})"
            )
        return RawDocument(
            content=content,
            location=current,
            fetched_at=datetime.now(UTC),
            content_type=content_type,
            charset=resp.headers.get_content_charset(),
            url=current,
            meta={"_feed": True}
            if content_type in FEED_TYPES and content_type != "text/plain"
            else {},
        )
    except SourceError:
        raise
    except TimeoutError:
        raise deadline.error(url) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if deadline.expired:
            raise deadline.error(url) from None
        if isinstance(exc, OSError):  # refused, reset, TLS failures
            raise SourceError(url, f"could not connect ({exc})") from None
        raise SourceError(url, f"could not fetch ({exc.__class__.__name__}: {exc})") from None


def _read_bounded(resp: http.client.HTTPResponse, max_bytes: int, deadline: _Deadline) -> bytes:
    """At most ``max_bytes + 1`` bytes, a chunk at a time, stopping when the deadline passes."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes and not deadline.expired:
        chunk = resp.read1(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
