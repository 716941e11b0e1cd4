"""Title, date, publisher, author, canonical URL and standfirst from a page's markup.

Publishers state these for search engines and social sites (JSON-LD,
Open Graph, Dublin Core, itemprop), which is more reliable than guessing from
the visible layout; the layout (<h1>, <time>, <title>) is the fallback.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import tree
from .attribution import (
    host_labels,
    join_names,
    matches_site,
    organisation_author,
    parse_byline,
    site_name,
    tidy,
)
from .dates import parse_date
from .tree import Element

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "review",
}
# Meta names carrying the publication date, most specific first.
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "article.published",
    "original-publish-date",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "og:updated_time",
    "article:modified_time",
    "datemodified",
)
_AUTHOR_PROP = re.compile(r"(?:^|\s)author(?:\s|$)")
_BYLINE_CLASS = re.compile("byline", re.IGNORECASE)
# Colons are left alone: "Column: ..." and "Brexit: ..." are part of headlines.
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022-]\s+|\s+\|\s*|\s*\|\s+")


@dataclass
class PageMeta:
    title: str | None = None
    published: datetime | None = None
    source: str | None = None
    url: str | None = None
    summary: str | None = None
    article_body: str | None = None
    author: str | None = None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        if "&" in value:  # CMSs escape twice: "&amp;#8211;" arrives as "&#8211;"
            value = html.unescape(value)
        value = re.sub(r"\s+", " ", value).strip()
        return value or None
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@value"))
    return None


def _walk_ld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_ld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk_ld(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds}


_LD_TYPE = re.compile("ld\\+json", re.I)


def json_ld(root: Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph and lists flattened."""
    nodes: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if not _LD_TYPE.search(script.get("type") or ""):
            continue
        raw = tree.text(script)
        raw = raw.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # CMSs emit raw newlines and tabs inside strings
                data = json.loads(re.sub(r"[\x00-\x1f]+", " ", raw))
            except ValueError:
                log.debug("unparsable JSON-LD block skipped")
                continue
        nodes.extend(_walk_ld(data))
    return nodes


def _meta_tags(root: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = tag.get(attr)
            if isinstance(key, str) and key.strip():
                found.setdefault(key.strip().lower(), content.strip())
    return found


def _strip_site(title: str, site: str | None, from_title_tag: bool) -> str:
    """Drop the site name a title carries ("Headline | Site")."""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    site_key = re.sub(r"\W+", "", (site or "").lower())
    kept = [p for p in parts if re.sub(r"\W+", "", p.lower()) != site_key]
    if site_key and kept and len(kept) < len(parts):
        return title[title.index(kept[0]) : title.rindex(kept[-1]) + len(kept[-1])].strip()
    # A <title> ends with the site's name even when no metadata names the site.
    last = parts[-1]
    if from_title_tag and len(last) <= 30 and len(title) - len(last) > len(last):
        return title[: title.rindex(last)].rstrip(" |-\u2013\u2014\u00b7\u2022")
    return title


def _http_url(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        full = urljoin(base, value) if base else value
        return (
            full if urlsplit(full).scheme in ("http", "https") and urlsplit(full).hostname else None
        )
    except ValueError:  # "http://a.c[om/": a URL no client could follow
        return None


def _ld_publisher(node: dict[str, Any], nodes: list[dict[str, Any]]) -> str | None:
    pub = node.get("publisher")
    if isinstance(pub, list) and pub:
        pub = pub[0]
    if isinstance(pub, dict):
        name = _text(pub.get("name"))
        if name:
            return name
        ref = pub.get("@id")
        for other in nodes:
            if ref and other.get("@id") == ref:
                return _text(other.get("name"))
    return _text(pub) if isinstance(pub, str) else None


def _site(
    root: Element,
    meta: dict[str, str],
    nodes: list[dict[str, Any]],
    article: dict[str, Any] | None,
    url: str | None,
) -> str | None:
    """The publisher's name: the first stated site name that is a name, not a tagline."""
    title = _text(meta.get("og:title")) or (_text(article.get("headline")) if article else None)
    publishers = [_ld_publisher(article, nodes)] if article is not None else []
    publishers += [_ld_publisher(n, nodes) for n in nodes if n is not article]
    websites = [_text(n.get("name")) for n in nodes if "website" in _types(n)]
    for candidate in [
        _text(meta.get("og:site_name")),
        *publishers,
        *websites,
        _text(meta.get("application-name")),
    ]:
        name = site_name(candidate, url, title)
        if name:
            return name
    # A <title> often ends with the site's name: take the part that spells the host.
    labels = host_labels(url)
    title_tag = tree.first(root, "title")
    if labels and title_tag is not None:
        full = _text(tree.text(title_tag, " ")) or ""
        for part in reversed(_TITLE_SEPARATORS.split(full)[1:]):
            if matches_site(part, labels):
                return tidy(part)
    return None


def _ld_authors(value: Any, nodes: list[dict[str, Any]], source: str | None) -> list[str]:
    """Authors named in JSON-LD: strings, people, organisations, lists, @id references."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and not item.get("name") and item.get("@id"):
            item = next((n for n in nodes if n.get("@id") == item["@id"]), item)
        if isinstance(item, dict) and _types(item) & {"organization", "newsmediaorganization"}:
            names += organisation_author(_text(item.get("name")), source)
        else:
            name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
            names += parse_byline(name, source)
    return names


def _byline_elements(root: Element) -> list[Element | None]:
    """The first itemprop=author, the first rel=author link and the first .byline element."""
    by_prop = by_rel = by_class = None
    for el in tree.elements(root):
        if by_prop is None and _AUTHOR_PROP.search(el.get("itemprop") or ""):
            by_prop = el
        if by_rel is None and el.tag == "a" and "author" in (el.get("rel") or "").split():
            by_rel = el
        if by_class is None and _BYLINE_CLASS.search(" ".join(tree.classes(el))):
            by_class = el
        if by_prop is not None and by_rel is not None and by_class is not None:
            break
    return [by_prop, by_rel, by_class]


def _author(
    root: Element,
    meta: dict[str, str],
    nodes: list[dict[str, Any]],
    article: dict[str, Any] | None,
    source: str | None,
) -> str | None:
    """The article's authors, from the most deliberate statement the page makes.

    Structured data first (JSON-LD, author meta tags), then the visible byline:
    links with rel=author and itemprop=author, which related-article lists and
    comment threads also carry, so only the first such element counts.
    """
    if article is not None:
        names = _ld_authors(article.get("author"), nodes, source)
        if names:
            return join_names(names)
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator"):
        names = parse_byline(meta.get(key), source)
        if names:
            return join_names(names)
    # The visible byline costs a walk over the page: only when nothing else names one.
    for found in _byline_elements(root):
        if found is not None:
            inner = next(
                (d for d in found.iterdescendants(tree.ELEMENT) if d.get("itemprop") == "name"),
                None,
            )
            el = inner if inner is not None else found
            names = parse_byline(tree.text(el, " ", strip=True), source)
            if names:
                return join_names(names)
    return None


def _time_element(root: Element) -> datetime | None:
    """The first dated element that says it is the publication date, else the first <time>."""
    fallback = None
    for el in islice(root.iter("time", "abbr", "span", "meta"), 400):
        value = el.get("datetime") or (el.get("title") if el.tag == "abbr" else None)
        if el.get("itemprop") == "datePublished":
            value = value or el.get("content") or tree.text(el)
        elif not value:
            continue
        dt = parse_date(str(value))
        if dt is None:
            continue
        hints = " ".join([str(el.get("itemprop", "")), " ".join(tree.classes(el))])
        if el.get("pubdate") is not None or re.search("publish|posted|created", hints, re.I):
            return dt
        if fallback is None and el.tag == "time":
            fallback = dt
    return fallback


def read_meta(root: Element, url: str | None) -> PageMeta:
    """What the page says about itself; any field may be None."""
    meta = _meta_tags(root)
    nodes = json_ld(root)
    article = next((n for n in nodes if _types(n) & _ARTICLE_TYPES), None)
    page = PageMeta()
    page.source = _site(root, meta, nodes, article, url)
    # Titles are cut at the site's name as stated, tagline or not ("Headline | Tagline").
    stated_site = _text(meta.get("og:site_name"))
    if article is not None:
        stated_site = stated_site or _ld_publisher(article, nodes)
    stated_site = stated_site or _text(meta.get("application-name"))

    raw_title = None
    if article is not None:
        raw_title = _text(article.get("headline")) or _text(article.get("name"))
    raw_title = raw_title or _text(meta.get("og:title")) or _text(meta.get("twitter:title"))
    if not raw_title:
        h1 = tree.first(root, "h1")
        raw_title = _text(tree.text(h1, " ")) if h1 is not None else None
    from_title_tag = False
    title_tag = tree.first(root, "title")
    if not raw_title and title_tag is not None:
        raw_title = _text(tree.text(title_tag, " "))
        from_title_tag = True
    if raw_title:
        page.title = _strip_site(raw_title, stated_site, from_title_tag)

    for value in [article.get("datePublished") if article else None] + [
        meta.get(k) for k in _DATE_KEYS
    ]:
        page.published = parse_date(_text(value))
        if page.published:
            break
    if page.published is None:
        # Yoast and others put the date on the WebPage node, not the article.
        for node in nodes:
            page.published = parse_date(_text(node.get("datePublished")))
            if page.published:
                break
    if page.published is None:
        page.published = _time_element(root)
    if page.published is None and article is not None:
        page.published = parse_date(
            _text(article.get("dateCreated") or article.get("dateModified"))
        )

    canonical = next(
        (el for el in root.iter("link") if "canonical" in (el.get("rel") or "").split()), None
    )
    href = canonical.get("href") if canonical is not None else None
    page.url = _http_url(href if isinstance(href, str) else None, url) or _http_url(
        meta.get("og:url"), url
    )
    if page.url is None and article is not None:
        page.url = _http_url(_text(article.get("url")), url)
    page.author = _author(root, meta, nodes, article, page.source)

    summary = meta.get("og:description") or meta.get("description")
    summary = summary or meta.get("twitter:description")
    if not summary and article is not None:
        summary = article.get("description")
    page.summary = _text(summary)
    if article is not None:
        body = article.get("articleBody")
        page.article_body = body.strip() if isinstance(body, str) and body.strip() else None
    return page
