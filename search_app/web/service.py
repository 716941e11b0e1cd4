"""One SearchService per app, opened on first use and kept for the app's life.

Kept open because opening a Whoosh searcher per request is both slow and the
moment a concurrent merge can pull segment files away; the service replaces
its searcher when the index has a new commit.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from ..config import Settings
from ..service import SearchService

_KEY = "search_app.service"
log = logging.getLogger(__name__)
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = None


def settings() -> Settings:
    return current_app.config["SETTINGS"]  # type: ignore[no-any-return]


def get_service() -> SearchService:
    """The app's SearchService; raises IndexError_ (mapped to 503) if the index can't open."""
    service = current_app.extensions.get(_KEY)
    if service is None:
        with _lock:
            service = current_app.extensions.get(_KEY)
            if service is None:
                s = settings()
                service = SearchService(s.index, s)
                current_app.extensions[_KEY] = service
    return service  # type: ignore[no-any-return]


def warm_in_background(app: Flask) -> threading.Thread:
    """Open the searcher and build its tables before the first request needs them.

    On a large index that is seconds of work (see doctables); done at start,
    in a thread, so the server listens at once. A missing or damaged index is
    left for requests to report (503 with the fix).
    """

    def run() -> None:
        with app.app_context():
            try:
                get_service().warm()
            except Exception as exc:  # noqa: BLE001 - a request will say what is wrong
                log.info("warm-up skipped: %s", exc)

    thread = threading.Thread(target=run, name="search-warm-up", daemon=True)
    thread.start()
    return thread
