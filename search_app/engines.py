"""Which engine holds the paragraphs: the one place the engine setting is read.

``SEARCH_APP_ENGINE`` (or ``--engine``) is ``whoosh`` (the default: an index
in the index folder) or ``sphinx:PATH/cluster.json`` (a search cluster made by
`search-app cluster init`). Either way the index folder keeps the raw store
and the vocabulary; only where the paragraphs are searched changes. The
service and the pipeline ask this module for the index and never name an
engine themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

WHOOSH = "whoosh"
SPHINX_PREFIX = "sphinx:"


class EngineSettingError(ValueError):
    """The engine setting names no engine we have; the message says what is accepted."""


def parse_engine(value: str | None) -> tuple[str, str | None]:
    """("whoosh", None) or ("sphinx", path of cluster.json); raises EngineSettingError."""
    text = (value or WHOOSH).strip()
    if text.lower() == WHOOSH:
        return WHOOSH, None
    if text.lower().startswith(SPHINX_PREFIX):
        path = text[len(SPHINX_PREFIX) :].strip()
        if not path:
            raise EngineSettingError("the engine 'sphinx:' needs a cluster file: sphinx:PATH")
        if os.path.isdir(path):  # the cluster's folder: its cluster.json
            path = str(Path(path) / "cluster.json")
        return "sphinx", path
    raise EngineSettingError(
        f"unknown engine {text!r}: use 'whoosh' or 'sphinx:PATH/cluster.json' "
        "(SEARCH_APP_ENGINE or --engine)"
    )


def open_index(
    root: str | os.PathLike[str], engine: str | None = None, create: bool = False
) -> Any:
    """The index in ``root`` on the configured engine (ParagraphIndex or ClusterIndex).

    Raises IndexNotFound when there is none and ``create`` is false, as
    ParagraphIndex.open does, so callers handle both engines alike.
    """
    kind, cluster_file = parse_engine(engine)
    if kind == WHOOSH:
        from .engine.whoosh.indexing import ParagraphIndex

        return ParagraphIndex.open(root, create=create)
    from .engine.sphinx.engine import ClusterIndex

    assert cluster_file is not None
    return ClusterIndex.open(root, cluster_file, create=create)


def is_whoosh(engine: str | None) -> bool:
    return parse_engine(engine)[0] == WHOOSH
