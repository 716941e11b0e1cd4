"""JSON whose text can't close a <script> or open a tag if a client pastes it into HTML.

Article text is data and goes out as written, but ``<``, ``>``, ``&`` and the
quote are sent as ``\\u003c``-style escapes: the same string once decoded, and
inert in any page that embeds the raw response. Defence in depth; our own
pages never embed JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


class HtmlSafeJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        for char, escaped in _ESCAPES.items():
            text = text.replace(char, escaped)
        return text


class SearchAppFlask(Flask):
    """Flask with JSON that is inert inside HTML."""

    json_provider_class = HtmlSafeJSONProvider
