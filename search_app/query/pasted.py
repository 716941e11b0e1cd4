"""Reading a query as people paste it: when text is syntax and when it is just text.

Pure functions over the query string, used by ``prepare_query`` (prepare.py) before it
checks syntax. A search box gets typed queries ("asylum OR refuge -embassy")
and pasted ones: a paragraph of an article, an abstract, a question copied
from a forum. Pasted text is full of characters that are operators in the
query language (quotes, parentheses, dashes, colons, capitalised "AND"), and
reading them as syntax either refuses the query or searches for something
the user never meant. So a long text is read as words, and the work it
costs is bounded by keeping only its most telling words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# Past this many words a query is pasted text, not a query typed with intent.
# The longest typed queries in the test collections are 20 to 40 words of
# plain prose (MED) with no operators; 30 words of operators by hand is rare.
PLAIN_TEXT_WORDS = 30
# Syntax is read only within the old length limit; a longer query is text. This
# also keeps the parser's work (nesting, wildcards, fuzzy automata) where it was.
SYNTAX_MAX_CHARS = 500
# The most distinct words a pasted text searches for, the rarest (highest IDF)
# first: every word is a posting list to read and score, and past a few dozen
# the common ones add work and no ranking signal.
MAX_PLAIN_WORDS = 32

_WORD_RE = re.compile(r"\w+(?:\.?\w+)*")
# Field filters are syntax even in pasted text: "date:2011" means nothing else.
_FILTER_RE = re.compile(
    r"(?<![\w.:/])(?:date|source|author|title):(?:\[[^\]\n]{1,40}\]|[\w.\-]+)", re.I
)
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_CONTRACTION_ENDS = frozenset({"s", "t", "d", "m", "ll", "re", "ve"})
_JOINED_RE = re.compile(r"(['\u2019])(\w+)")


def is_pasted_text(text: str) -> bool:
    """Whether a query is long enough to be pasted text rather than query syntax."""
    if len(text) > SYNTAX_MAX_CHARS:
        return True
    return len(_WORD_RE.findall(text)) > PLAIN_TEXT_WORDS


def plain_words(text: str) -> tuple[list[str], list[str]]:
    """(words, field filters) of a pasted text, in order of appearance.

    Operators become plain words ("and", "or": stopwords), a possessive or
    contraction end ("'s", "n't") is no word, and joined words are split as
    the query parser splits them ("omega-3" is "omega" and "3").
    """
    filters = list(dict.fromkeys(m.group() for m in _FILTER_RE.finditer(text)))
    text = _FILTER_RE.sub(" ", text)
    # "De Gaulle's", "don't": the end after an apostrophe is no word of its own.
    text = _JOINED_RE.sub(
        lambda m: " " if m.group(2).lower() in _CONTRACTION_ENDS else " " + m.group(2), text
    )
    words = []
    for word in _WORD_RE.findall(text):
        for part in word.split("_") if "_" in word else (word,):
            if part:
                words.append(part.lower() if part in _OPERATORS else part)
    return words, filters


def top_words(words: list[str], weight: Callable[[str], float], limit: int) -> list[str]:
    """The ``limit`` distinct words of highest ``weight``, in the order they came.

    A word typed twice is one clause to the parser, so it is kept once
    (case aside). Ties keep the earlier word: the same choice on every run.
    """
    firsts: dict[str, str] = {}
    for w in words:
        firsts.setdefault(w.lower(), w)
    distinct = list(firsts.values())
    if len(distinct) <= limit:
        return distinct
    ranked = sorted(range(len(distinct)), key=lambda k: (-weight(distinct[k]), k))[:limit]
    return [distinct[k] for k in sorted(ranked)]


def idf_weight(df: int, n: int) -> float:
    """A word's weight for choosing among a pasted text's words: its BM25 IDF.

    A word no document holds gets 0: it can only empty the all-words pass,
    and a spelling slip in a pasted text must not push a real word out.
    """
    if df <= 0:
        return 0.0
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


_OPENING_WILDCARD_RE = re.compile(r"(?:(?<=[\s(])|^)[?*]+")


def opening_wildcards_as_spaces(text: str) -> str:
    """A ``?`` or ``*`` that opens a word is punctuation ("(the ?drag? effect)").

    No wildcard can open a word (it would expand to the whole lexicon), so
    such a mark is a pasted quotation mark or bullet. Replaced by spaces of
    the same length, so error positions still point at the typed text.
    """
    return _OPENING_WILDCARD_RE.sub(lambda m: " " * len(m.group()), text)
