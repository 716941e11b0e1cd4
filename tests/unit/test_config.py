"""Settings: one object, from the environment in one place; a misspelt key is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.config import load_settings


def test_environment_then_overrides() -> None:
    settings = load_settings(
        environ={"SEARCH_APP_INDEX": "/tmp/x", "SEARCH_APP_PER_PAGE": "7"},
        overrides={"PER_PAGE": 9},
    )
    assert settings.index == Path("/tmp/x") and settings.per_page == 9


def test_an_unknown_override_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="PER_PAGES"):
        load_settings(environ={}, overrides={"PER_PAGES": 9})


def test_a_malformed_variable_names_itself() -> None:
    with pytest.raises(ValueError, match="SEARCH_APP_PER_PAGE"):
        load_settings(environ={"SEARCH_APP_PER_PAGE": "ten"})


def test_an_unknown_variable_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="SEARCH_APP_TOKN"):
        load_settings(environ={"SEARCH_APP_TOKN": "secret"})


def test_the_searchd_path_is_not_taken_for_a_misspelt_setting() -> None:
    settings = load_settings(environ={"SEARCH_APP_SEARCHD": "/usr/bin/searchd"})
    assert settings == load_settings(environ={})
