"""http(s) URLs: bounded fetches (time, size, redirects), and an SSRF guard for the API.

Standard library only: urllib with redirects handled here, one hop at a time,
so every hop's address can be checked before it is contacted.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import Message
from urllib.parse import urljoin, urlsplit

from ..models import RawDocument
from .base import SourceError, SourceOptions, human_bytes

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def check_address(url: str, options: SourceOptions) -> None:
    """Refuse hosts that resolve to this machine's or its network's private addresses."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not options.block_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if host in options.allow_hosts or f"{host}:{port}" in options.allow_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise SourceError(url, f"host {host!r} not found ({exc.strerror})") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        kind = (
            "a cloud metadata address"
            if addr in METADATA_ADDRESSES
            else "a loopback address"
            if addr.is_loopback
            else "a link-local address"
            if addr.is_link_local
            else "a private address"
            if addr.is_private
            else "a multicast address"
            if addr.is_multicast
            else "a reserved address"
            if addr.is_reserved or addr.is_unspecified
            else None
        )
        if kind:
            raise SourceError(
                url,
                f"refused: {addr} is {kind}; add the host to SEARCH_APP_ALLOW_HOSTS to allow it",
            )


def fetch_url(url: str, options: SourceOptions | None = None) -> RawDocument:
    """GET a page or feed, following redirects to a limit; SourceError says why not."""
    options = options or SourceOptions()
    current = url
    for _hop in range(options.max_redirects + 1):
        if not is_url(current):
            raise SourceError(url, f"redirected to a non-http URL ({current})")
        check_address(current, options)
        req = urllib.request.Request(current, headers={"User-Agent": options.user_agent})
        try:
            resp = _opener.open(req, timeout=options.timeout)
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location")
            exc.close()  # an HTTPError holds the open connection
            if exc.code in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            raise SourceError(url, f"HTTP {exc.code} {exc.reason}") from None
        except TimeoutError:
            raise SourceError(url, f"timed out after {options.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise SourceError(url, f"timed out after {options.timeout:g} s") from None
            raise SourceError(url, f"could not connect ({reason})") from None
        except (OSError, ValueError) as exc:
            raise SourceError(url, f"could not fetch ({exc})") from None
        with resp:
            headers: Message = resp.headers
            content_type = (headers.get_content_type() or "").lower()
            if content_type not in PAGE_TYPES + FEED_TYPES:
                raise SourceError(url, f"not HTML or text (content type {content_type})")
            declared = headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > options.max_bytes:
                raise SourceError(
                    url,
                    f"over the size cap ({human_bytes(int(declared))} > "
                    f"{human_bytes(options.max_bytes)})",
                )
            try:
                content = resp.read(options.max_bytes + 1)
            except TimeoutError:
                raise SourceError(url, f"timed out after {options.timeout:g} s") from None
            if len(content) > options.max_bytes:
                raise SourceError(
                    url, f"over the size cap (more than {human_bytes(options.max_bytes)})"
                )
            return RawDocument(
                content=content,
                location=current,
                fetched_at=datetime.now(UTC),
                content_type=content_type,
                charset=headers.get_content_charset(),
                url=current,
                meta={"_feed": True}
                if content_type in FEED_TYPES and content_type != "text/plain"
                else {},
            )
    raise SourceError(url, f"too many redirects (more than {options.max_redirects})")
