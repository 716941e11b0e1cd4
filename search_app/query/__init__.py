"""The query language: text -> our query tree, its rewrites, QueryError. Imports no engine."""

from .errors import QueryError
from .parse import Parsed, Syntax, parse
from .prepare import Prepared, prepare_query
from .rewrite import PASSES, Context, Plan, Vocabulary, highlight_terms, term_weights

__all__ = [
    "PASSES",
    "Context",
    "Parsed",
    "Plan",
    "Prepared",
    "QueryError",
    "Syntax",
    "Vocabulary",
    "highlight_terms",
    "term_weights",
    "parse",
    "prepare_query",
]
