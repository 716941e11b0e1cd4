"""Paragraph fingerprints, and repeats inside one article.

The fingerprint is what the index uses to collapse wire copy that several
articles share word for word, so it ignores what publishers change without
changing the words: Unicode forms, curly versus straight quotes and dashes,
spacing and case.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from ..models import Removed

# Typographic variants that CMSs substitute on their own; NFKC keeps them apart.
_PUNCT = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as apostrophe
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",
        "\u2212": "-",  # minus sign
        "\u00ad": None,  # soft hyphen: invisible
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)
_SPACE = re.compile(r"\s+")
_DASH = re.compile(r"\s*-+\s*")

FINGERPRINT_CHARS = 16  # 64 bits: no collision expected below billions of paragraphs


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """The comparison form of a paragraph: NFKC, straight quotes, one space, casefolded.

    Cached: dropping repeats and fingerprinting both ask for each paragraph.
    """
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    text = _SPACE.sub(" ", text).strip()
    # "a - b", "a -- b" and "a—b" are one dash whichever way it was typed.
    text = _DASH.sub("-", text)
    return text.casefold()


def fingerprint(paragraph: str) -> str:
    """A short stable hash of a paragraph, equal for word-for-word copies.

    Two paragraphs get the same fingerprint when they differ only in Unicode
    normal form, curly or straight quotes and dashes, whitespace, or case.
    """
    return hashlib.blake2b(normalise(paragraph).encode("utf-8"), digest_size=8).hexdigest()


# Short lines legitimately recur inside one article ("Eat every 2-3 hours" in each
# day of a meal plan, "Q:" in an interview); repeated prose is a layout artefact.
REPEAT_MIN_CHARS = 80


# A run of paragraphs in a row that all appeared before, at least COPY_RUN long
# and half as long as the text before it, is a second rendering of the article
# (one per screen size, of which one shows), not a recurring pattern: a meal
# plan's repeated days differ every few lines.
COPY_RUN = 10
COPY_SHARE = 0.5


def drop_repeats(paragraphs: list[str]) -> tuple[list[str], list[Removed]]:
    """Keep the first of prose paragraphs repeated inside one article (pull quotes, reflows).

    Short lines are dropped when repeated back to back, or when they sit in a
    second copy of the article: a long run of paragraphs that all appeared before.
    """
    keys = [normalise(text) for text in paragraphs]
    seen: set[str] = set()
    recurs: list[bool] = []
    for key in keys:
        recurs.append(key in seen)
        seen.add(key)
    in_copy = _in_long_runs(recurs)
    kept: list[str] = []
    removed: list[Removed] = []
    previous = None
    for i, text in enumerate(paragraphs):
        key = keys[i]
        if key == previous or in_copy[i] or (recurs[i] and len(key) >= REPEAT_MIN_CHARS):
            removed.append(Removed(text, "duplicate", "repeated-paragraph"))
        else:
            kept.append(text)
        previous = key
    return kept, removed


def _in_long_runs(recurs: list[bool]) -> list[bool]:
    """Which paragraphs sit in a run of recurring ones long enough to be a copy."""
    out = [False] * len(recurs)
    start = 0
    for i in range(len(recurs) + 1):
        if i == len(recurs) or not recurs[i]:
            if i - start >= max(COPY_RUN, COPY_SHARE * start):
                out[start:i] = [True] * (i - start)
            start = i + 1
    return out
