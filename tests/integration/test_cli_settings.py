"""The CLI reads the environment once, through load_settings, and --index outranks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.cli import main
from search_app.pipeline import ingest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_a_misspelt_variable_stops_the_cli_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("SEARCH_APP_PER_PAEG", "3")
    assert main(["stats", "--index", str(tmp_path)]) == 2
    assert "SEARCH_APP_PER_PAEG" in capsys.readouterr().err


def test_index_comes_from_the_environment_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = tmp_path / "index"
    ingest([str(SEEDS)], root)
    monkeypatch.setenv("SEARCH_APP_INDEX", str(root))
    monkeypatch.setenv("SEARCH_APP_PER_PAGE", "1")
    assert main(["search", "diplomat"]) == 0
    assert capsys.readouterr().out.count("id=") == 1  # the environment's page size
    assert main(["search", "diplomat", "--index", str(tmp_path / "typo")]) == 2
    assert "search-app ingest" in capsys.readouterr().err
