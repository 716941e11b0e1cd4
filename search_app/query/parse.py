"""Text to query tree, once: prepare, parse, rewrite, plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..analysis import fold, stem
from ..models import TermInfo
from .dates import check_query_dates
from .prepare import Prepared, prepare_query
from .rewrite import Context, Plan, plan, rewrite
from .tree import Node
from .weights import DocCounts, idf_weights

# The engine's reader of prepared query text: the syntax (fields, operators,
# phrases, wildcards, ranges) into our tree, words analysed as its index does.
Syntax = Callable[[str], Node]


@dataclass(frozen=True)
class Parsed:
    """A query as the search runs it, with what the user typed and how it was understood."""

    tree: Node  # after every rewrite pass
    prepared: Prepared
    terms: tuple[TermInfo, ...]
    plan: Plan


def parse(
    text: str,
    syntax: Syntax,
    ctx: Context,
    max_length: int = 20_000,
    counts: DocCounts | None = None,
) -> Parsed:
    """Raises QueryError for a query that can't be run, with what to do about it.

    ``counts`` weighs a long pasted text's words (idf_weights), so that its
    rarest words are the ones searched.
    """
    prep = prepare_query(text, max_length, idf_weights(counts) if counts is not None else None)
    check_query_dates(prep.text)
    # The typed form of each word, for passes that work on words, not stems (fuzzy).
    typed = {stem(fold(w)): fold(w) for _, w in prep.words}
    tree = rewrite(syntax(prep.text), replace(ctx, typed=typed))
    return Parsed(
        tree=tree, prepared=prep, terms=term_info(prep, tree), plan=plan(tree, pasted=prep.plain)
    )


def term_info(prep: Prepared, q: Node) -> tuple[TermInfo, ...]:
    """How each typed word was understood: its stem and the index terms it matched."""
    matched = {(f, t) for f, t in q.terms() if f in ("text", "title")}
    infos: list[TermInfo] = []
    seen: set[tuple[str, str]] = set()
    for fieldname, word in prep.words:
        st = stem(fold(word))
        if (fieldname, st) in seen:
            continue
        seen.add((fieldname, st))
        hits = sorted(
            t
            for f, t in matched
            if f == fieldname and (t == st or t.startswith(st[: max(3, len(st) - 2)]))
        )
        infos.append(TermInfo(word=word, stem=st, field=fieldname, matched=tuple(hits)))
    return tuple(infos)
