"""The query syntax read by Whoosh's parser, into our query tree; and back.

``parse_text`` reads prepared query text (query/prepare.py) with Whoosh's
MultifieldParser over paragraph text and headline, words analysed as the
index analysed them, and converts the result into our tree (query/tree.py).
``compile_tree`` turns a tree into the Whoosh query the scorer runs; the two
are inverse (tests/unit/test_query_tree.py holds compile(convert(q)) == q).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from whoosh import qparser, query
from whoosh.util.times import datetime_to_long, long_to_datetime

from ...query import tree as t
from ...query.errors import QueryError

log = logging.getLogger(__name__)

# A headline match already scores as its own field; an extra boost measured
# worse on NFCorpus (bench/RESULTS.md), so the title counts once.
TITLE_BOOST = 1.0


def make_parser(schema: Any) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        ["text", "title"],
        schema,
        fieldboosts={"text": 1.0, "title": TITLE_BOOST},
        group=qparser.AndGroup,
    )
    parser.remove_plugin_class(qparser.SingleQuotePlugin)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


def parse_text(parser: qparser.QueryParser, schema: Any, text: str) -> t.Node:
    """Prepared query text as our tree; QueryError for what the parser could not read."""
    try:
        q = parser.parse(text)
    except Exception as exc:  # Whoosh's parser is lenient; anything left is our bug
        log.warning("query %r failed to parse: %s", text, exc)
        raise QueryError(f"The query could not be understood: {exc}") from None
    problems = list(_errors(q, text)) + list(_bad_dates(q, schema))
    if problems:
        raise QueryError(_friendly_error(problems[0]))
    return convert(q)


def _errors(q: query.Query, text: str = "") -> Iterable[str]:
    """The parser's error nodes; one right after ``date:`` is a date it could not read
    (``date:>2011`` fails deep in Whoosh with a message about int())."""
    if getattr(q, "error", None):
        start = getattr(q, "startchar", None)
        if isinstance(start, int) and text[max(0, start - 5) : start].lower() == "date:":
            yield f"{text[start : getattr(q, 'endchar', start)]!r} is not a parseable date"
        else:
            yield str(q.error)
    for child in q.children():
        yield from _errors(child, text)


def _bad_dates(q: query.Query, schema: Any) -> Iterable[str]:
    """Date terms Whoosh would only reject while searching ('date:"20"11-07')."""
    if isinstance(q, query.Term | query.Phrase) and q.fieldname == "date":
        words = q.words if isinstance(q, query.Phrase) else [q.text]
        for word in words:
            try:
                schema["date"].to_bytes(word)
            except Exception:
                yield f"{word!r} is not a parseable date"
    for child in q.children():
        yield from _bad_dates(child, schema)


def _friendly_error(raw: str) -> str:
    if "not a parseable date" in raw or "date" in raw.lower():
        return "That date is not understood; write date:2011, date:2011-07 or date:[2010 TO 2012]."
    return f"The query could not be understood: {raw}"


def _when(value: Any, dt: Any) -> Any:
    if dt is not None:
        return dt
    return long_to_datetime(value) if value is not None else None


def _long(dt: Any) -> int | None:
    return datetime_to_long(dt) if dt is not None else None


def convert(q: query.Query) -> t.Node:
    """A Whoosh query (as the parser makes them) as our tree."""
    kind = type(q)
    if kind is query.Term:
        return t.Term(q.fieldname, q.text, q.boost)
    if kind is query.Prefix:
        return t.Prefix(q.fieldname, q.text, q.boost)
    if kind is query.Wildcard:
        return t.Wildcard(q.fieldname, q.text, q.boost)
    if kind is query.FuzzyTerm:
        return t.Fuzzy(q.fieldname, q.text, q.boost, q.maxdist, q.prefixlength)
    if kind is query.Phrase:
        return t.Phrase(q.fieldname, tuple(q.words), q.slop, q.boost)
    if isinstance(q, query.NumericRange) and q.fieldname == "date":
        return t.DateRange(
            _when(q.start, getattr(q, "startdate", None)),
            _when(q.end, getattr(q, "enddate", None)),
            q.startexcl,
            q.endexcl,
            q.boost,
        )
    if kind is query.TermRange:
        return t.TermRange(q.fieldname, q.start, q.end, q.startexcl, q.endexcl, q.boost)
    if kind is query.Every:
        return t.Every(q.fieldname, q.boost)
    if kind is query.And:
        return t.And(tuple(convert(s) for s in q.subqueries), q.boost)
    if kind is query.Or and not getattr(q, "scale", None):
        return t.Or(tuple(convert(s) for s in q.subqueries), q.boost)
    if kind is query.Not:
        return t.Not(convert(q.query), q.boost)
    if kind is query.AndNot:
        return t.AndNot(convert(q.a), convert(q.b))
    if kind is query.AndMaybe:
        return t.AndMaybe(convert(q.a), convert(q.b))
    if kind is query.Require:
        return t.Require(convert(q.a), convert(q.b))
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        return t.Null()
    raise QueryError(f"The query could not be understood: {q!s} is not supported.")


def compile_tree(node: t.Node) -> query.Query:
    """Our tree as the Whoosh query the scorer and Whoosh's matchers run."""
    if isinstance(node, t.Term):
        return query.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, t.Prefix):
        return query.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, t.Wildcard):
        return query.Wildcard(node.field, node.text, boost=node.boost)
    if isinstance(node, t.Fuzzy):
        return query.FuzzyTerm(
            node.field, node.text, boost=node.boost, maxdist=node.maxdist,
            prefixlength=node.prefixlength,
        )  # fmt: skip
    if isinstance(node, t.Phrase):
        return query.Phrase(node.field, list(node.words), slop=node.slop, boost=node.boost)
    if isinstance(node, t.DateRange):
        # As the parser makes them: a NumericRange over the date column's longs.
        return query.NumericRange(
            node.field, _long(node.start), _long(node.end), startexcl=node.startexcl,
            endexcl=node.endexcl, boost=node.boost,
        )  # fmt: skip
    if isinstance(node, t.TermRange):
        return query.TermRange(
            node.field, node.start, node.end, startexcl=node.startexcl,
            endexcl=node.endexcl, boost=node.boost,
        )  # fmt: skip
    if isinstance(node, t.Every):
        return query.Every(node.field, boost=node.boost)
    if isinstance(node, t.And):
        return query.And([compile_tree(p) for p in node.parts], boost=node.boost)
    if isinstance(node, t.Or):
        return query.Or([compile_tree(p) for p in node.parts], boost=node.boost)
    if isinstance(node, t.Not):
        return query.Not(compile_tree(node.child), boost=node.boost)
    if isinstance(node, t.AndNot):
        return query.AndNot(compile_tree(node.a), compile_tree(node.b))
    if isinstance(node, t.AndMaybe):
        return query.AndMaybe(compile_tree(node.a), compile_tree(node.b))
    if isinstance(node, t.Require):
        return query.Require(compile_tree(node.a), compile_tree(node.b))
    if isinstance(node, t.Null):
        return query.NullQuery
    raise TypeError(f"no Whoosh query for {node!r}")
