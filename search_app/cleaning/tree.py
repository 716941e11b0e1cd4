"""The parsed page as lxml elements, and the few reads the cleaner makes of them.

bs4 built a Python object per element and per string, half of the cleaning
time; the cleaner now walks libxml2's tree through lxml directly. The page is
fed to the same libxml2 HTML parser bs4's "lxml" builder used, in the same
512-character chunks, so the tree, and so every cleaned page, is the same.
The helpers below keep bs4's reading of that tree where it differs from
lxml's: text inside ruby annotations (<rt>, <rp>), <template>, <script> and
<style> is no page text, and class-like attributes are lists of words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

_CHUNK = 512  # bs4's LXMLTreeBuilder.CHUNK_SIZE: the push parser sees the same pieces
# Text directly inside these is not the page's text (bs4's string containers).
NO_TEXT = frozenset(("rt", "rp", "template", "script", "style"))
# Attributes HTML defines as lists of words (bs4's cdata-list attributes).
_WORD_LISTS = frozenset(("class", "rel", "rev", "accesskey", "dropzone", "headers"))
_NOT_SPACE = re.compile(r"\S+")
_LIBXML_MAX_DEPTH = 2046  # elements at this depth under <html> are libxml2's last

Element = Any  # lxml.etree._Element: its stubs are not installed, and Any reads the same
ELEMENT = etree.Element  # as a tag filter, lxml's iterators then skip comments


def parse(markup: str) -> Element | None:
    """The page's root element (<html>), or None for markup with no elements."""
    # huge_tree lifts libxml2's depth cap of 255, which bs4's parser target never met:
    # deeper markup is cut at the walk's own limit instead, and read as text.
    parser = etree.HTMLParser(recover=True, huge_tree=True)
    for start in range(0, len(markup), _CHUNK):
        parser.feed(markup[start : start + _CHUNK])
    try:
        return parser.close()
    except etree.XMLSyntaxError:  # nothing to build a tree from
        return None


def cut_short(root: Element) -> bool:
    """Whether the page nests deeper than libxml2 builds trees (2,048 levels, even huge).

    libxml2 silently drops what lies deeper, so such a page is read as text.
    """
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        if depth >= _LIBXML_MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in el if len(child))
    return False


def classes(el: Element) -> list[str]:
    """The element's class names, as words."""
    value = el.get("class")
    return _NOT_SPACE.findall(value) if value else []


def attr(el: Element, name: str) -> str | None:
    """An attribute's value, word lists with their spacing normalised as bs4 did."""
    value = el.get(name)
    if value is not None and name in _WORD_LISTS:
        return " ".join(_NOT_SPACE.findall(value))
    return value


def elements(el: Element, *tags: str) -> Iterator[Element]:
    """Elements (no comments) at or under el in document order, optionally by tag name."""
    return el.iter(*tags) if tags else el.iter(ELEMENT)


def strings(el: Element) -> Iterator[str]:
    """The text under el in document order, as bs4's get_text read it.

    A loop, not recursion: a broken page nests thousands of elements deep.
    """
    if el.text:
        yield el.text
    # Entries: (children still to read, inside a no-text element), or a tail
    # string waiting for its element's subtree to end.
    stack: list[tuple[Iterator[Element], bool] | str] = [(iter(el), False)]
    while stack:
        top = stack[-1]
        if isinstance(top, str):
            stack.pop()
            yield top
            continue
        children, hidden = top
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        tail = None if hidden else child.tail
        if isinstance(child.tag, str):
            inner = hidden or child.tag in NO_TEXT
            if child.text and not inner:
                yield child.text
            if tail:
                stack.append(tail)
            stack.append((iter(child), inner))
        elif tail:
            yield tail


def text(el: Element, sep: str = "", strip: bool = False) -> str:
    """bs4's ``get_text(sep, strip=strip)``."""
    if strip:
        return sep.join(s.strip() for s in strings(el) if s.strip())
    return sep.join(strings(el))


def first(root: Element, tag: str) -> Element | None:
    """The first element with this tag name, in document order."""
    return next(root.iter(tag), None)
