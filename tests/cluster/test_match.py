"""The tiny query tree's compiler to MATCH() text: escaping and what Sphinx can't run."""

from __future__ import annotations

import pytest

from search_app.engine.sphinx.match import (
    And,
    MatchError,
    Not,
    Or,
    Phrase,
    Term,
    compile_match,
    escape,
)


def test_syntax_characters_become_separators() -> None:
    assert escape("u.s") == "u s"
    assert escape('a"b|c-d@e*=f') == "a b c d e f"
    assert escape("café_1") == "café_1"


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (Term("asylum"), "asylum"),
        (Term("asyl", prefix=True), "asyl*"),
        (Term("seeking", exact=True), "=seeking"),
        (Term("myanmar", field="title"), "(@title myanmar)"),
        (Phrase(("seeking", "asylum")), '"seeking asylum"'),
        (Phrase(("seeking", "asylum"), exact=True), '"=seeking =asylum"'),
        (And((Term("a1"), Term("b2"))), "(a1 b2)"),
        (Or((Term("asylum"), Term("refuge"))), "(asylum | refuge)"),
        (And((Term("diplomat"), Not(Term("embassy")))), "(diplomat -embassy)"),
        (
            And((Or((Term("asylum"), Term("refuge"))), Term("diplomat"))),
            "((asylum | refuge) diplomat)",
        ),
        (And((Term("x1"), Not(Term("y", field="title")))), "(x1 -((@title y)))"),
        (Term("u.s"), "(u s)"),
        (Term("u.s", exact=True, prefix=True), "(=u =s*)"),
        (And((Term("a1"), Not(Term("u.s")))), "(a1 -(u s))"),
        (Phrase(("u.s", "army")), '"u s army"'),
        (Term('x"*'), "x"),
    ],
)
def test_compile(tree, text: str) -> None:  # type: ignore[no-untyped-def]
    assert compile_match(tree) == text


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (Not(Term("embassy")), "not excluded"),
        (And((Not(Term("a")), Not(Term("b")))), "not excluded"),
        (Or((Term("a"), Not(Term("b")))), "not excluded"),
        (Term("a", field="body"), "unknown field"),
        (Phrase(()), "empty phrase"),
        (Term("*?!"), "no letters or digits"),
    ],
)
def test_what_sphinx_cannot_run_is_a_clear_error(tree, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MatchError, match=message):
        compile_match(tree)


def test_a_stem_that_stems_again_is_sent_as_a_word_with_that_stem() -> None:
    from search_app.analysis import stem
    from search_app.engine.sphinx.compile import sphinx_word

    for word in ("release", "bilateral", "burmese", "easing", "represent", "asylum"):
        term = stem(word)
        sent = sphinx_word(term)
        assert stem(sent) == term  # what searchd makes of it is the index's term
    assert sphinx_word("asylum") == "asylum"  # idempotent stems go as they are
