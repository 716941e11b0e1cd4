"""Host names of URLs, never raising: a page's links are whatever its author typed."""

from __future__ import annotations

from urllib.parse import urlsplit


def url_host(url: str) -> str:
    """The URL's host name, or "" for a URL Python can't parse ("http://a.c[om/")."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def site_host(url: str | None) -> str:
    """The host as people write a site's name: without "www." ("" when there is none)."""
    return url_host(url).removeprefix("www.") if url else ""
