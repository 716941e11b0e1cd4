"""Configuration: defaults, overridden by environment variables prefixed SEARCH_APP_.

One place reads the environment so tests can pass a plain dict instead
(``create_app(test_config={...})``) and nothing else calls ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "SEARCH_APP_"
# Variables with the prefix that are not Settings: read where they are used.
OTHER_VARIABLES = frozenset({"SEARCH_APP_SEARCHD"})  # cluster/process.py: the searchd binary


@dataclass(frozen=True)
class Settings:
    """Every knob of the service, with a default that works out of the box."""

    index: Path = Path("index")
    # Where paragraphs are searched: "whoosh" (in the index folder) or
    # "sphinx:PATH/cluster.json" (a search cluster; engines.py).
    engine: str = "whoosh"
    host: str = "127.0.0.1"
    port: int = 5000
    threads: int = 8  # waitress worker threads: searches are I/O-light, 8 covers a newsroom
    token: str = ""  # bearer token for write endpoints; empty = writes are off
    rules: str = ""  # extra cleaning rules file (JSON)
    per_page: int = 10
    max_per_page: int = 100
    max_page: int = 100  # page-depth cap: deeper pages cost more than anyone reads
    max_query_length: int = 20_000  # pasted text; past 500 it is read as words (query_text)
    max_expansion: int = 64  # prefix/fuzzy terms kept per wildcard: bounds query cost
    search_timeout: float = 5.0  # seconds before a search returns what it has
    max_upload_bytes: int = 10 * 1024 * 1024
    fetch_timeout: float = 15.0
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    rate_limit: int = 120  # API requests per client per minute; 0 disables
    writer_timeout: float = 60.0  # seconds to wait for another writer's lock
    cache_size: int = 256  # result pages kept per process; cleared on every commit
    postings_cache_mb: int = 64  # decoded posting lists of common words kept between searches
    ingest_workers: int = 0  # processes for a large `ingest` command; 0 = one per CPU core
    # Hostile clients (issue 18): waitress's connection cap, and the seconds a
    # request's headers may take (and an idle connection may stay) before closing.
    connection_limit: int = 500
    channel_timeout: int = 10


def _coerce(value: str, current: Any) -> Any:
    if isinstance(current, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, Path):
        return Path(value)
    if isinstance(current, frozenset):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return value


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Defaults, then ``SEARCH_APP_*`` variables, then explicit overrides.

    A malformed or unknown variable fails at start-up with its name, rather
    than at the first request that happens to use it (or never).
    """
    environ = os.environ if environ is None else environ
    settings = Settings()
    known = {ENV_PREFIX + f.name.upper() for f in fields(Settings)} | OTHER_VARIABLES
    misspelt = sorted(k for k in environ if k.startswith(ENV_PREFIX) and k not in known)
    if misspelt:
        # SEARCH_APP_TOKN ignored would leave writes off with no word why.
        raise ValueError(
            f"unknown variable(s) {', '.join(misspelt)}; known: {', '.join(sorted(known))}"
        )
    changes: dict[str, Any] = {}
    for f in fields(Settings):
        name = ENV_PREFIX + f.name.upper()
        if name in environ:
            try:
                changes[f.name] = _coerce(environ[name], getattr(settings, f.name))
            except ValueError as exc:
                raise ValueError(f"{name}={environ[name]!r} is not valid: {exc}") from None
    settings = replace(settings, **changes)
    if overrides:
        names = {f.name for f in fields(Settings)}
        unknown = sorted(k for k in overrides if k.lower() not in names)
        if unknown:
            # A misspelt setting silently ignored is a setting silently wrong.
            raise ValueError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        clean = {}
        for key, value in overrides.items():
            key = key.lower()
            current = getattr(settings, key)
            clean[key] = _coerce(value, current) if isinstance(value, str) else value
        settings = replace(settings, **clean)
    if isinstance(settings.index, str):
        settings = replace(settings, index=Path(settings.index))
    return settings
