"""Plain-text stories: dateline, headline, standfirst, then paragraphs.

Text dumps of news pages separate paragraphs by blank lines, by single
newlines, or (wire copy) hard-wrap lines inside blank-line separated
paragraphs. The layout of each block decides which: lines that end sentences
are paragraphs; lines that run on are joined.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from .dates import dateline
from .dedup import normalise

_HEADLINE_MAX_CHARS = 160  # longer than any headline style guide allows
_HEADLINE_MAX_WORDS = 25
_TERMINAL = re.compile(r"[.!?:;\u2026][\"'\u201d\u2019)\]]*$|[\"\u201d]$")
_HEADLINE_BAD_END = re.compile(r"[.,;:]$")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INDENT = re.compile(r"^(?: {2,}|\t)\S")
_WRAP_SHARE = 0.5  # a block is hard-wrapped when most of its lines stop mid-sentence


@dataclass
class TextDoc:
    title: str | None = None
    summary: str | None = None
    published: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)


def clean_line(line: str) -> str:
    """One line with spacing normalised: tabs, no-break and odd spaces become one space."""
    return _SPACES.sub(" ", line).strip()


# Unicode's Cc category, all of it, but for newline and tab: one regex pass, where a
# category lookup per character cost a tenth of cleaning time.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalise_text(text: str) -> str:
    """Newlines unified, control characters gone, NFC so accents compare equal."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").lstrip("\ufeff")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def blocks_of(text: str) -> list[list[str]]:
    """Runs of non-blank lines, each line cleaned.

    A line indented deeper than the block's first line starts a paragraph
    (wire copy marks paragraphs so): it is kept with a leading tab, which
    :func:`split_block` reads and removes.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = clean_line(raw)
        if line:
            indented = _INDENT.match(raw) is not None
            current.append("\t" + line if indented and current else line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _ends_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line))


def _join(a: str, b: str) -> str:
    if a.endswith("-") and not a.endswith(" -") and b[:1].islower():
        return a + b  # a word hyphenated at the wrap: keep the hyphen, drop the break
    return a + " " + b


def split_block(lines: list[str]) -> list[str]:
    """Paragraphs of one blank-line separated block.

    A block whose lines mostly stop mid-sentence is hard-wrapped: its lines are
    joined, except after a line that ends a sentence well short of the wrap
    width (the end of a paragraph). Otherwise each line is a paragraph, except
    a line that stops mid-sentence before one starting in lower case.
    """
    starts = [line.startswith("\t") for line in lines]
    lines = [line.lstrip("\t") for line in lines]
    if len(lines) == 1:
        return lines
    breaks = lines[:-1]
    open_share = sum(not _ends_sentence(line) for line in breaks) / len(breaks)
    paragraphs = [lines[0]]
    if open_share >= _WRAP_SHARE:
        width = max(len(line) for line in lines)
        indented = any(starts) and not all(starts[1:])
        for i, (prev, line) in enumerate(zip(lines, lines[1:], strict=False), start=1):
            if (indented and starts[i]) or (_ends_sentence(prev) and len(prev) < 0.75 * width):
                paragraphs.append(line)
            else:
                paragraphs[-1] = _join(paragraphs[-1], line)
    else:
        for prev, line in zip(lines, lines[1:], strict=False):
            if not _ends_sentence(prev) and line[:1].islower():
                paragraphs[-1] = _join(paragraphs[-1], line)
            else:
                paragraphs.append(line)
    return paragraphs


def _is_headline(block: list[str]) -> bool:
    if len(block) != 1:
        return False
    line = block[0]
    return (
        len(line) <= _HEADLINE_MAX_CHARS
        and len(line.split()) <= _HEADLINE_MAX_WORDS
        and not _HEADLINE_BAD_END.search(line)
        and any(ch.isalpha() for ch in line)
    )


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", normalise(text))
    return {tuple(words[i : i + 3]) for i in range(max(0, len(words) - 2))}


def _repeats_later(standfirst: str, later: list[list[str]]) -> bool:
    """The standfirst restates a paragraph of the body (news summaries often do)."""
    mine = _shingles(standfirst)
    if len(mine) < 4:
        return False
    return any(len(mine & _shingles(line)) >= 0.6 * len(mine) for block in later for line in block)


def parse_text(text: str) -> TextDoc:
    """Split a plain-text story into its parts; boilerplate rules are applied later."""
    doc = TextDoc()
    blocks = blocks_of(normalise_text(text))
    if blocks:
        published, used = dateline(blocks[0])
        if used:
            doc.published = published
            blocks[0] = blocks[0][used:]
            if not blocks[0]:
                blocks.pop(0)
    # A headline is a lone short line with a blank line after it and more text to follow.
    if len(blocks) >= 2 and _is_headline(blocks[0]):
        doc.title = blocks.pop(0)[0]
        # A standfirst is a lone line between headline and body when the body is
        # laid out differently (single-newline paragraphs) or restates it.
        if (
            len(blocks) >= 2
            and len(blocks[0]) == 1
            and (
                len(split_block(blocks[1])) == len(blocks[1]) > 1
                or _repeats_later(blocks[0][0], blocks[1:])
            )
        ):
            doc.summary = blocks.pop(0)[0]
    for block in blocks:
        doc.paragraphs.extend(split_block(block))
    return doc
