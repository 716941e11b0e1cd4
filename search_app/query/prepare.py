"""The query language's surface: check the text, and rewrite our extensions.

``prepare_query`` runs before any parser: it gives precise errors (an
unclosed quote, a stray parenthesis, an unknown field) where a lenient parser
would quietly search for something else, and rewrites what the parser does
not know (``-word``, ``exact:"..."``, list markers, joined words) into plain
syntax. It knows no engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import QueryError
from .pasted import (
    MAX_PLAIN_WORDS,
    is_pasted_text,
    opening_wildcards_as_spaces,
    plain_words,
    top_words,
)

FIELDS = {
    "title": "title",
    "source": "source",
    "author": "author",
    "date": "date",
    "text": "text",
}
CONTRACTION_ENDS = frozenset({"s", "t", "d", "m", "ll", "re", "ve"})  # after ' or ’


@dataclass
class Prepared:
    text: str  # rewritten into the syntax the parser knows
    exact: list[str] = field(default_factory=list)  # verbatim phrases to post-filter
    words: list[tuple[str, str]] = field(default_factory=list)  # (field, word) typed
    plain: bool = False  # a long pasted text, read as words (pasted.is_pasted_text)


_FIELD_RE = re.compile(r"(?<![\w.:/])([A-Za-z_]+):")
WORD_RE = re.compile(r"\w+(?:\.?\w+)*")
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_SLASHED_NUMBERS = re.compile(r"\d+(?:/\d+)+(?![\w/])")
_JOINERS = "-'\u2019"  # hyphen, apostrophe, right single quote


def prepare_query(
    text: str, max_length: int = 20_000, weight: Callable[[str], float] | None = None
) -> Prepared:
    """Check the query text and rewrite our extensions into Whoosh syntax.

    Raises QueryError naming the character at fault: Whoosh itself is lenient
    and would quietly search for something else than the user meant. A long
    pasted text is read as its words (and field filters) instead, keeping the
    MAX_PLAIN_WORDS of highest ``weight`` (the service passes IDF).
    """
    if len(text) > max_length:
        raise QueryError(
            f"The query is {len(text)} characters long; the limit is {max_length}. "
            "Shorten it to the words that matter."
        )
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\x00", " ")
    plain = is_pasted_text(text)
    if plain:
        words, filters = plain_words(text)
        words = top_words(words, weight or (lambda w: 0.0), MAX_PLAIN_WORDS)
        text = " ".join(filters + words)
    text = opening_wildcards_as_spaces(text)
    if len(text.split()) >= 5 and not any(c.islower() for c in text):
        # A long query in capitals is caps lock, not a query full of operators:
        # "EFFORTS OF THE U.S. AND FRANCE" should search the word "and".
        text = text.lower()
    prep = Prepared(text="", plain=plain)
    out: list[str] = []
    parens: list[int] = []
    i = 0
    while i < len(text):
        i = _step(text, i, prep, out, parens)
    if parens:
        pos = parens[-1]
        raise QueryError(
            f"The parenthesis at character {pos + 1} is never closed. Add a ) or remove it.",
            pos,
        )
    prep.text = "".join(out)
    if not WORD_RE.search(prep.text) or not [
        w for w in WORD_RE.findall(prep.text) if w not in OPERATORS
    ]:
        raise QueryError("Type some words to search for, for example: asylum diplomat.")
    return prep


def _step(text: str, i: int, prep: Prepared, out: list[str], parens: list[int]) -> int:
    """Rewrite what starts at ``i`` into ``out``; the index after it."""
    n = len(text)
    ch = text[i]
    if ch == '"':
        return _phrase(text, i, prep, out)
    if ch == "(":
        parens.append(i)
    elif ch == ")":
        if not parens and _list_marker(text, i, prep, out):
            # "1) bile duct atresia 2) giant cell": pasted list numbering is
            # punctuation, not syntax, and the numbers are not search words.
            out.append(" ")
            return i + 1
        if not parens:
            raise QueryError(
                f"The closing parenthesis at character {i + 1} has no opening one. "
                "Remove it or add a ( before it.",
                i,
            )
        parens.pop()
    at_token_start = i == 0 or text[i - 1].isspace() or text[i - 1] == "("
    if ch == "-" and at_token_start and i + 1 < n and not text[i + 1].isspace():
        out.append("NOT ")
        return i + 1
    if ch == "?" and (i + 1 == n or text[i + 1].isspace() or text[i + 1] == ")"):
        # A question mark that ends a word ends a question; it is not a wildcard.
        out.append(" ")
        return i + 1
    if at_token_start:
        m = _SLASHED_NUMBERS.match(text, i)
        if m:  # "9/11", "24/7": one thing said, read as the phrase "9 11", not 9 AND 11
            numbers = m.group().split("/")
            out.append('"' + " ".join(numbers) + '"')
            prep.words.extend(("text", n) for n in numbers)
            return m.end()
        m = _FIELD_RE.match(text, i)
        if m:
            return _field(text, i, m, prep, out)
        m = WORD_RE.match(text, i)
        if m:
            return _word(text, m, prep, out)
    out.append(ch)
    return i + 1


def _phrase(text: str, i: int, prep: Prepared, out: list[str]) -> int:
    end = text.find('"', i + 1)
    if end < 0:
        raise QueryError(
            f'The quote at character {i + 1} is never closed. Add a closing " '
            "after the phrase, or remove the quote.",
            i,
        )
    phrase = text[i + 1 : end]
    if not WORD_RE.search(phrase):
        raise QueryError(f"The phrase at character {i + 1} has no words in it.", i)
    out.append(text[i : end + 1])
    for w in WORD_RE.findall(phrase):
        prep.words.append(("text", w))
    return end + 1


def _field(text: str, i: int, m: re.Match[str], prep: Prepared, out: list[str]) -> int:
    """``name:`` at ``i``: a field, ``exact:``, or a colon that is only punctuation."""
    name = m.group(1).lower()
    after = m.end()
    if name == "exact":
        if after >= len(text) or text[after] != '"':
            raise QueryError(
                f'exact: at character {i + 1} needs a quoted phrase: exact:"seeking asylum".',
                i,
            )
        end = text.find('"', after + 1)
        if end < 0:
            raise QueryError(
                f'The quote at character {after + 1} is never closed. Add a closing ".',
                after,
            )
        phrase = text[after + 1 : end]
        prep.exact.append(phrase)
        out.append(text[after : end + 1])
        for w in WORD_RE.findall(phrase):
            prep.words.append(("text", w))
        return end + 1
    if after >= len(text) or text[after].isspace():
        # "Vitamin D: a review": a colon before a space is punctuation.
        out.append(m.group(1) + " ")
        if m.group(1) not in OPERATORS:
            prep.words.append(("text", m.group(1)))
        return after
    if name not in FIELDS:
        raise QueryError(
            f"Unknown field {m.group(1)!r} at character {i + 1}. Fields are title:, "
            'source:, author:, date: and exact:. To search for the text itself, put it in quotes: "'
            + m.group(0)
            + '".',
            i,
        )
    out.append(name + ":")
    if text[after] in "[{":  # a range, date:[2004 TO 2005]: its bounds are no search words
        end = min((k for k in (text.find("]", after), text.find("}", after)) if k > 0), default=-1)
        if end > 0:
            out.append(text[after : end + 1])
            return end + 1
    value = WORD_RE.match(text, after)
    if value and name in ("title", "text"):
        prep.words.append((name, value.group()))
    return after


def _word(text: str, m: re.Match[str], prep: Prepared, out: list[str]) -> int:
    """A word, with the parts joined to it.

    "omega-3", "four-power", "De Gaulle's", "What’s": the parts of a joined word
    are words of the query, as if typed apart (else the parser made them one
    clause that needed every part in the same field), and a possessive or
    contraction ending ("'s", "n't") is no word at all.
    """
    word = m.group()
    if word not in OPERATORS:
        prep.words.append(("text", word))
    out.append(word)
    i = m.end()
    parts = [word]
    while i + 1 < len(text) and text[i] in _JOINERS:
        m3 = WORD_RE.match(text, i + 1)
        if not m3:
            break
        part = m3.group()
        if not (text[i] != "-" and part.lower() in CONTRACTION_ENDS):
            part = part.lower() if part in OPERATORS else part
            parts.append(part)
            prep.words.append(("text", part))
        i = m3.end()
    out.extend(" " + p for p in parts[1:])
    return i


_LIST_MARKER_RE = re.compile(r"\d{1,2}|[A-Za-z]|[ivx]{2,4}")


def _list_marker(text: str, i: int, prep: Prepared, out: list[str]) -> bool:
    """Whether the ``)`` at ``i`` ends a list marker ("1)", "b)", "iv)"); drops the marker.

    Only a whole word right before the parenthesis counts, and only when it
    was taken as a search word on its own: "asylum)" is still an error.
    """
    start = i
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:i]
    if not _LIST_MARKER_RE.fullmatch(word) or not out or out[-1] != word:
        return False
    if not prep.words or prep.words[-1] != ("text", word):
        return False
    out.pop()
    prep.words.pop()
    return True


def exact_pattern(phrase: str) -> re.Pattern[str]:
    """The verbatim test of an ``exact:"..."`` phrase: its words in order, any punctuation
    between them, case ignored."""
    words = WORD_RE.findall(phrase)
    body = r"\W+".join(re.escape(w) for w in words)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)
