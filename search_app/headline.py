"""Whether an article's title is a real headline, and a headline repeated in its text.

A headline is indexed (and matches count as their own field); a title made
up from the first sentence, for pages without one, is not, or the first
sentence's words would count twice. Telling the two apart by "the first
paragraph starts with the title" took real headlines for made-up ones: a
source that repeats its headline as the text's first line (common in JSON
exports and plain-text wires), or a one-word headline that happens to
open the lede ("Storm" over "Storm clouds gathered ...").
"""

from __future__ import annotations

from dataclasses import replace

from .cleaning import derive_title
from .cleaning.dedup import normalise
from .models import Article, Removed


def title_is_derived(article: Article) -> bool:
    """True when the title was made up from the first paragraph (no headline).

    Such a title is for display; indexing it would count the first sentence's
    words twice, and boosted. Every engine indexes titles by this one rule.
    """
    return bool(article.paragraphs) and is_derived(article.title, article.paragraphs[0])


def is_derived(title: str, first_paragraph: str) -> bool:
    """True when ``title`` is exactly what cleaning derives from the first paragraph
    (its first sentence, cut to one line).

    A one-sentence lede gives a title equal to itself: still derived, or the
    lede would count twice. A stated headline repeated as the first line is
    taken out of the text before this is asked (drop_repeated_headline).
    """
    if not title or not first_paragraph:
        return False
    return derive_title(first_paragraph) == title


def first_line(content: bytes | str) -> str:
    """The first non-blank line of a plain-text document."""
    if isinstance(content, bytes):
        content = content[:4096].decode("utf-8", "replace")
    for line in content[:4096].splitlines():
        if line.strip():
            return line.strip()
    return ""


def drop_repeated_headline(article: Article, line: str) -> Article:
    """The article without its headline at the start of its text, when the text's
    first line (``line``) is the headline: it is the headline, not the lede.

    Cleaning joins single-newline lines into paragraphs, so the repeated line
    may open the first paragraph rather than be one.
    """
    title = article.title
    if not title or not article.paragraphs or normalise(line) != normalise(title):
        return article
    first, rest = article.paragraphs[0], article.paragraphs[1:]
    if normalise(first) == normalise(title):
        if not rest:
            return article  # the headline is all the text there is
        paragraphs = rest
    elif first.startswith(line) and first[len(line) : len(line) + 1].isspace():
        paragraphs = (first[len(line) :].strip(), *rest)
    else:
        return article
    removed = (*article.removed, Removed(line, "title", "title-repeat"))
    return replace(article, paragraphs=paragraphs, removed=removed)
