"""The OpenAPI 3.1 description served at /api/openapi.json, kept beside the API it describes."""

from __future__ import annotations

from typing import Any


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _q(
    name: str,
    description: str,
    schema: dict[str, Any],
    required: bool = False,
    explode: bool = False,
) -> dict[str, Any]:
    p: dict[str, Any] = {
        "name": name,
        "in": "query",
        "description": description,
        "required": required,
        "schema": schema,
    }
    if explode:
        p["explode"] = True
    return p


_DATE = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
_JSON = {"application/json": {"schema": {"type": "object"}}}


_NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def openapi_spec() -> dict[str, Any]:
    """Everything a client needs: parameters, the result shape and the one error shape."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Article Search API",
            "version": "1.0.0",
            "description": "Full-text search over news articles, grouped by article. "
            'Every error has the shape {"error": {"code", "message"}}.',
        },
        "paths": {"/api/search": _search_path(), **_read_paths(), **_write_paths()},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _object(
                    {
                        "error": _object(
                            {"code": {"type": "string"}, "message": {"type": "string"}},
                            ["code", "message"],
                        )
                    },
                    ["error"],
                ),
                "ResultPage": _result_page(),
                "ArticleResult": _article_result(),
                "Term": _term(),
            },
        },
    }


def _search_parameters() -> list[dict[str, Any]]:
    return [
        _q("q", "Query (see /help for the syntax)", {"type": "string", "maxLength": 500}, True),
        _q("page", "Page number, from 1", {"type": "integer", "minimum": 1, "maximum": 100}),
        _q("per_page", "Articles per page (capped at 100)", {"type": "integer", "minimum": 1}),
        _q("sort", "Order", {"enum": ["relevance", "newest", "oldest"]}),
        _q(
            "source",
            "Only these sources (repeatable)",
            _array({"type": "string"}),
            explode=True,
        ),
        _q("from", "Published on or after (YYYY, YYYY-MM or YYYY-MM-DD)", _DATE),
        _q("to", "Published on or before (YYYY, YYYY-MM or YYYY-MM-DD)", _DATE),
        _q(
            "nocorrect",
            "1: search the words as typed, without spelling correction",
            {"enum": ["1"]},
        ),
        _q(
            "live",
            "1: the last word is still being typed and also matches as a prefix",
            {"enum": ["1"]},
        ),
        _q(
            "allow_partial",
            "1: on a search cluster with a shard down, answer from the other "
            "shards (partial_shards names the missing ones) instead of a 503",
            {"enum": ["1"]},
        ),
    ]


def _search_path() -> dict[str, Any]:
    return {
        "get": {
            "summary": "Search; results are articles with their best paragraphs",
            "parameters": _search_parameters(),
            "responses": {
                "200": {
                    "description": "A page of results",
                    "content": {"application/json": {"schema": _ref("ResultPage")}},
                },
                "400": _error("Bad query or parameter; the message says what to do"),
                "429": _error("Rate limited; see Retry-After"),
            },
        }
    }


def _read_paths() -> dict[str, Any]:
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/articles/{id}": {
            "get": {
                "summary": "One cleaned article, its removed blocks and provenance",
                "parameters": [
                    path_id,
                    _q("q", "Mark this query's terms in the paragraphs", {"type": "string"}),
                ],
                "responses": {
                    "200": {"description": "The article", "content": _JSON},
                    "404": _error("No such article"),
                },
            }
        },
        "/api/suggest": {
            "get": {
                "summary": "Autocomplete: whole queries completing what has been typed",
                "parameters": [_q("q", "What has been typed", {"type": "string"}, True)],
                "responses": {"200": {"description": "Suggestions", "content": _JSON}},
            }
        },
        "/api/stats": {
            "get": {
                "summary": "Index counts and size",
                "responses": {"200": {"description": "Stats", "content": _JSON}},
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness and index health",
                "responses": {
                    "200": {"description": "OK", "content": _JSON},
                    "503": _error("Index unavailable"),
                },
            }
        },
    }


def _write_errors() -> dict[str, Any]:
    return {
        "401": _error("Missing or wrong bearer token"),
        "403": _error("Writes are off: no SEARCH_APP_TOKEN configured"),
        "429": _error("Rate limited; see Retry-After"),
        "503": _error("Index busy, gone, damaged, read-only or disk full (reason and fix given)"),
    }


def _documents_body() -> dict[str, Any]:
    fields = ("url", "html", "text", "title", "date", "id")
    return {
        "content": {
            "multipart/form-data": {
                "schema": _object({"file": {"type": "string", "format": "binary"}})
            },
            "application/json": {"schema": _object({k: {"type": "string"} for k in fields})},
        }
    }


def _write_paths() -> dict[str, Any]:
    bearer = [{"bearer": []}]
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/documents": {
            "post": {
                "summary": "Add or update articles: a file upload, a URL, or HTML/text",
                "security": bearer,
                "requestBody": _documents_body(),
                "responses": {
                    "200": {"description": "Updated or unchanged", "content": _JSON},
                    "201": {"description": "New articles indexed", "content": _JSON},
                    "400": _error("Malformed body"),
                    "413": _error("Upload too large"),
                    "415": _error("Neither multipart nor JSON"),
                    "422": _error(
                        "Nothing indexed, or a bad, refused or unreachable URL (reason given)"
                    ),
                    **_write_errors(),
                },
            }
        },
        "/api/documents/{id}": {
            "delete": {
                "summary": "Remove one article",
                "security": bearer,
                "parameters": [path_id],
                "responses": {
                    "200": {"description": "Removed", "content": _JSON},
                    "404": _error("No such article"),
                    **_write_errors(),
                },
            }
        },
        "/api/reindex": {
            "post": {
                "summary": "Rebuild the index from the raw store in the background",
                "security": bearer,
                "responses": {
                    "202": {"description": "Started", "content": _JSON},
                    "409": _error("Already running"),
                    **_write_errors(),
                },
            },
            "get": {
                "summary": "Progress of the last re-index (ids and locations need the token)",
                "responses": {"200": {"description": "Status", "content": _JSON}},
            },
        },
    }


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


def _result_page() -> dict[str, Any]:
    facet = _array(
        _object(
            {
                "value": {"type": "string"},
                "count": {"type": "integer"},
                "selected": {"type": "boolean"},
            }
        )
    )
    bucket = _object(
        {
            "label": {"type": "string", "description": "2011, 2011-07, or undated"},
            "from": _NULLABLE_STRING,
            "to": _NULLABLE_STRING,
            "count": {"type": "integer"},
        }
    )
    return _object(
        {
            "query": {"type": "string", "description": "the query searched"},
            "corrected_from": _NULLABLE_STRING,
            "total_articles": _count("articles matching every word"),
            "total_paragraphs": _count("paragraphs matching every word"),
            "partial_articles": _count(
                "articles matching only some of the words; they follow the others"
            ),
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "took_ms": {"type": "number"},
            "results": _array(_ref("ArticleResult")),
            "facets": _object(
                {"source": facet, "year": facet},
            ),
            "facets_partial": {
                "type": "boolean",
                "description": "no article matches every word: facets count partial matches",
            },
            "timeline": _object(
                {"unit": {"enum": ["year", "month"]}, "buckets": _array(bucket)},
            ),
            "excluded_undated": _count("articles a date filter left out for having no date"),
            "suggestion": _NULLABLE_STRING,
            "parsed_query": {"type": "string"},
            "terms": _array(_ref("Term")),
            "relaxed": {"type": "boolean", "description": "this page holds partial matches"},
            "timed_out": {"type": "boolean"},
            "partial_shards": {
                **_array({"type": "integer"}),
                "description": "cluster shards missing from this answer (allow_partial=1)",
            },
        }
    )


def _article_result() -> dict[str, Any]:
    ref = _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "position": {
                "type": ["integer", "null"],
                "description": "0-based: where that article holds the shared paragraph",
            },
        }
    )
    duplicate = _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "source": _NULLABLE_STRING,
            "url": _NULLABLE_STRING,
        }
    )
    paragraph = _object(
        {
            "position": {"type": "integer", "description": "0-based"},
            "highlight": {"type": "string", "description": "escaped text with <mark> only"},
            "text": {"type": "string"},
            "also_in": _array(ref),
            "duplicate_of": {"oneOf": [ref, {"type": "null"}]},
        }
    )
    return _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "source": _NULLABLE_STRING,
            "url": _NULLABLE_STRING,
            "published": {"type": ["string", "null"], "format": "date-time"},
            "score": {"type": "number"},
            "partial": {"type": "boolean"},
            "matching_paragraphs": {"type": "integer"},
            "more": {"type": "integer"},
            "duplicates": {
                **_array(duplicate),
                "description": "articles folded into this one: all their paragraphs are in it",
            },
            "paragraphs": _array(paragraph),
        }
    )


def _term() -> dict[str, Any]:
    words = _array({"type": "string"})
    return _object(
        {
            "word": {"type": "string"},
            "stem": {"type": "string"},
            "field": {"type": "string"},
            "matched": {**words, "description": "index terms the word matched"},
            "kind": {"enum": ["word", "phrase", "exact", "fuzzy", "prefix"]},
            "expansions": {**words, "description": "words as written a fuzzy word matched"},
        }
    )
