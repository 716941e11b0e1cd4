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


def openapi_spec() -> dict[str, Any]:
    """Everything a client needs: parameters, the result shape and the one error shape."""
    write_errors = {
        "401": _error("Missing or wrong bearer token"),
        "403": _error("Writes are off: no SEARCH_APP_TOKEN configured"),
        "429": _error("Rate limited; see Retry-After"),
        "503": _error("Index busy, gone, damaged, read-only or disk full (reason and fix given)"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Article Search API",
            "version": "1.0.0",
            "description": "Full-text search over news articles, grouped by article. "
            'Every error has the shape {"error": {"code", "message"}}.',
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search; results are articles with their best paragraphs",
                    "parameters": [
                        _q(
                            "q",
                            "Query (see /help for the syntax)",
                            {"type": "string", "maxLength": 500},
                            True,
                        ),
                        _q(
                            "page",
                            "Page number, from 1",
                            {"type": "integer", "minimum": 1, "maximum": 100},
                        ),
                        _q(
                            "per_page",
                            "Articles per page (capped at 100)",
                            {"type": "integer", "minimum": 1},
                        ),
                        _q("sort", "Order", {"enum": ["relevance", "newest", "oldest"]}),
                        _q(
                            "source",
                            "Only these sources (repeatable)",
                            {"type": "array", "items": {"type": "string"}},
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
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of results",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ResultPage"}
                                }
                            },
                        },
                        "400": _error("Bad query or parameter; the message says what to do"),
                        "429": _error("Rate limited; see Retry-After"),
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "summary": "One cleaned article, its removed blocks and provenance",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
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
                    "summary": "Autocomplete: index words starting with the last word typed",
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
            "/api/documents": {
                "post": {
                    "summary": "Add or update articles: a file upload, a URL, or HTML/text",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            },
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        k: {"type": "string"}
                                        for k in ("url", "html", "text", "title", "date", "id")
                                    },
                                }
                            },
                        }
                    },
                    "responses": {
                        "200": {"description": "Updated or unchanged", "content": _JSON},
                        "201": {"description": "New articles indexed", "content": _JSON},
                        "400": _error("Malformed body"),
                        "413": _error("Upload too large"),
                        "415": _error("Neither multipart nor JSON"),
                        "422": _error(
                            "Nothing indexed, or a bad, refused or unreachable URL (reason given)"
                        ),
                        **write_errors,
                    },
                }
            },
            "/api/documents/{id}": {
                "delete": {
                    "summary": "Remove one article",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"description": "Removed", "content": _JSON},
                        "404": _error("No such article"),
                        **write_errors,
                    },
                }
            },
            "/api/reindex": {
                "post": {
                    "summary": "Rebuild the index from the raw store in the background",
                    "security": [{"bearer": []}],
                    "responses": {
                        "202": {"description": "Started", "content": _JSON},
                        "409": _error("Already running"),
                        **write_errors,
                    },
                },
                "get": {
                    "summary": "Progress of the last re-index (ids and locations need the token)",
                    "responses": {"200": {"description": "Status", "content": _JSON}},
                },
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "ResultPage": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "total_articles": {"type": "integer"},
                        "total_paragraphs": {"type": "integer"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "pages": {"type": "integer"},
                        "took_ms": {"type": "number"},
                        "results": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ArticleResult"},
                        },
                        "facets": {"type": "object"},
                        "timeline": {"type": "object"},
                        "corrected_from": {"type": ["string", "null"]},
                        "suggestion": {"type": ["string", "null"]},
                        "parsed_query": {"type": "string"},
                        "terms": {"type": "array"},
                        "relaxed": {"type": "boolean"},
                    },
                },
                "ArticleResult": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "source": {"type": ["string", "null"]},
                        "url": {"type": ["string", "null"]},
                        "published": {"type": ["string", "null"], "format": "date-time"},
                        "score": {"type": "number"},
                        "partial": {"type": "boolean"},
                        "matching_paragraphs": {"type": "integer"},
                        "more": {"type": "integer"},
                        "paragraphs": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "position": {"type": "integer"},
                                    "highlight": {
                                        "type": "string",
                                        "description": "escaped text with <mark> only",
                                    },
                                    "text": {"type": "string"},
                                    "also_in": {"type": "array"},
                                    "duplicate_of": {"type": ["object", "null"]},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
