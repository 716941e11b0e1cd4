"""Article Search: full-text search over news articles.

``create_app`` is the Flask application factory (``flask --app search_app run``
finds it); everything else lives in the submodules. Flask is imported only
when an app is built, so the CLI, the cleaner and the benchmarks don't pay
for the web layer. Importing the package changes nothing in Whoosh.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .config import Settings, load_settings

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["Settings", "create_app", "load_settings"]

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app: settings from the environment, then ``test_config``.

    ``test_config`` keys are Settings field names in any case (``INDEX``,
    ``TOKEN``, ``RATE_LIMIT``...), so tests and ``search-app serve`` configure
    the app the same way the environment does. The index is opened lazily, on
    the first request that needs it: a server whose index is missing or from an
    older version still starts and answers every request with a clear message.
    """
    from .web import init_app
    from .web.jsonsafe import SearchAppFlask

    # TESTING is Flask's own flag, not a setting of ours.
    overrides = {k: v for k, v in (test_config or {}).items() if k.upper() != "TESTING"}
    settings = load_settings(overrides=overrides)
    app = SearchAppFlask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        TESTING=bool(test_config and test_config.get("TESTING")),
    )
    init_app(app)
    log.info("Article Search app created for index %s", settings.index)
    return app
