"""Exceptions of the cleaning package, kept apart so every module can raise them."""

from __future__ import annotations


class CleaningError(ValueError):
    """The input holds no article: empty, binary or undecodable, or HTML without text."""


class RulesError(ValueError):
    """A rules file is malformed; the message names the file and the bad rule."""
