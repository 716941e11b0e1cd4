"""JSON shapes of results and articles: the API returns them and the CLI prints them.

One function per shape, so `search-app search --json` and `GET /api/search`
can never drift apart.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .models import ArticleView, IndexStats, ResultPage


def page_as_dict(page: ResultPage) -> dict[str, Any]:
    """The search API's JSON structure; the CLI prints the same."""
    return {
        "query": page.query if page.query is not None else page.request.q,
        "corrected_from": page.corrected_from,
        "total_articles": page.total_articles,
        "total_paragraphs": page.total_paragraphs,
        "partial_articles": page.partial_articles,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "took_ms": round(page.took_ms, 2),
        "results": [
            {
                "id": r.id,
                "title": r.title,
                "source": r.source,
                "url": r.url,
                "published": r.published.isoformat() if r.published else None,
                "score": r.score,
                "partial": r.partial,
                "matching_paragraphs": r.matching_paragraphs,
                "more": r.more,
                "duplicates": [asdict(d) for d in r.duplicates],
                "paragraphs": [
                    {
                        "position": p.position,
                        "highlight": p.highlight,
                        "text": p.text,
                        "also_in": [asdict(a) for a in p.also_in],
                        "duplicate_of": asdict(p.duplicate_of) if p.duplicate_of else None,
                    }
                    for p in r.paragraphs
                ],
            }
            for r in page.results
        ],
        "facets": {name: [asdict(v) for v in values] for name, values in page.facets.items()},
        "timeline": {
            "unit": page.timeline_unit,
            "buckets": [
                {
                    "label": b.label,
                    "from": b.date_from or None,
                    "to": b.date_to or None,
                    "count": b.count,
                }
                for b in page.timeline
            ],
        },
        "facets_partial": page.facets_partial,
        "excluded_undated": page.excluded_undated,
        "suggestion": page.suggestion,
        "parsed_query": page.parsed_query,
        "terms": [asdict(t) for t in page.terms],
        "relaxed": page.relaxed,
        "timed_out": page.timed_out,
        "partial_shards": list(page.partial_shards),
    }


def article_as_dict(view: ArticleView) -> dict[str, Any]:
    """An article page's data: cleaned text, what was removed and why, and provenance."""
    stored = view.stored
    art = stored.article
    prov = stored.provenance
    hits = set(view.hit_positions)
    return {
        "id": stored.id,
        "key": stored.key,
        "title": art.title,
        "summary": art.summary,
        "published": art.published.isoformat() if art.published else None,
        "source": art.source,
        "url": art.url,
        "contributors": art.contributors,
        "author": art.author,
        "low_confidence": art.low_confidence,
        "paragraphs": [
            {"position": i, "text": text, "highlight": view.highlights[i], "hit": i in hits}
            for i, text in enumerate(art.paragraphs)
        ],
        "hit_positions": list(view.hit_positions),
        "removed": [asdict(r) for r in art.removed],
        "provenance": {
            "location": prov.location,
            "fetched_at": prov.fetched_at.isoformat(),
            "content_type": prov.content_type,
            "content_hash": prov.content_hash,
            "cleaner_version": prov.cleaner_version,
        },
    }


def stats_as_dict(stats: IndexStats) -> dict[str, Any]:
    data = asdict(stats)
    data["last_commit"] = stats.last_commit.isoformat() if stats.last_commit else None
    return data
