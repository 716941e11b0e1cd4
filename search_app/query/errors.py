"""The one error a query can raise."""

from __future__ import annotations


class QueryError(ValueError):
    """A query that can't be run; the message says what is wrong and what to do."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
