"""The web layer: HTML pages and a JSON API, both thin over ``search.SearchService``.

``views`` renders pages, ``api`` answers JSON, ``errors`` maps every failure
to one shape in one place, ``security`` adds headers, the rate limit and the
token check, and ``webadapter`` turns a request into a SearchRequest so the
search module never sees Flask.
"""

from __future__ import annotations

from flask import Flask

from . import api, errors, security, service, views


def init_app(app: Flask) -> None:
    """Attach the search service, the blueprints, the error handlers and the headers."""
    service.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
