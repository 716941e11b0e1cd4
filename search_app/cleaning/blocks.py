"""A parsed page as text blocks, in one walk over its lxml tree.

Each block remembers the elements it sits in and whether a named rule (tag,
role, class/id hint, per-site CSS) marked one of them as boilerplate; the
body is chosen from these blocks (html.py) without going back to the tree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from . import tree
from .rules import Rules, SelectorIndex
from .tree import Element

# Elements that never hold article prose.
_SKIP = frozenset(
    "script style noscript template svg canvas iframe object embed video audio picture img "
    "input button select textarea option optgroup datalist map area head link meta source "
    "track math title base param applet frame frameset".split()
)
# Elements that start a new block of text.
_BLOCK = frozenset(
    "p div section article main header footer aside nav h1 h2 h3 h4 h5 h6 ul ol li dl dt dd "
    "table thead tbody tfoot tr caption blockquote pre figure figcaption form fieldset "
    "legend address hr center details summary dialog menu body html hgroup output".split()
)
_KIND = {
    "p": "p",
    "li": "li",
    "dt": "li",
    "dd": "li",
    "blockquote": "quote",
    "pre": "pre",
    "tr": "td",
    "h1": "h1",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
}
# Inline styles that hide an element from readers (a hidden microdata copy of
# the article, a collapsed menu); class-based hiding is left to the class hints.
_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)
_FIGURE_CONTENT = ("table", "blockquote")
_CONTAINERS_BY_ACCIDENT = frozenset(("button", "label"))
_BR = "\ue000"  # a private-use character marks <br> until the block is split
_BR_SPLIT = re.compile(_BR + r"\s*(?:" + _BR + r"\s*)+")
_WS = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u00ad]+")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SENTENCE_PUNCT = re.compile(r"[.!?,;:\u2026\"\u201d\u3001\u3002\uff01\uff0c\uff1f\u300d]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", ".)")
_LINKED_SENTENCE_CHARS = 150
_MAX_DEPTH = 300  # deeper markup is broken; read it as text instead of recursing
_GOOD_MIN_CHARS = 50  # shorter blocks are labels, bylines, menu items
LINK_DENSITY_BAD = 0.35  # above this a block is a list of links, not prose
# A table row keeping a fifth of its text outside links has data cells (prices,
# figures, dates) beside its linked names; a row of a table of links is links
# up to its cell separators.
DATA_ROW_LINK_DENSITY = 0.8


@dataclass
class Block:
    text: str
    kind: str
    links: int
    path: tuple[int, ...]  # id() of the enclosing elements, outermost first
    flags: tuple[tuple[int, str, str], ...]  # marked enclosing elements: (id, category, rule)

    @cached_property
    def link_density(self) -> float:
        return self.links / len(self.text) if self.text else 0.0

    @cached_property
    def weight(self) -> float:
        """How much this block argues that its enclosing element is the article."""
        # Read once per tier and per candidate element: computed once per block.
        # A Chinese or Japanese character carries about a short word's worth of text.
        size = len(self.text) + 2 * len(_CJK.findall(self.text))
        if self.link_density > LINK_DENSITY_BAD:
            return 0.0 if linked_sentence(self) else -float(size)
        if self.kind == "h1":
            return 0.0
        if self.kind == "td":
            # A data table (standings, prices) is content however short its cells.
            return float(size)
        if size >= _GOOD_MIN_CHARS and (size >= 100 or _SENTENCE_PUNCT.search(self.text)):
            return float(size)
        return -0.5 * size


def data_row(block: Block) -> bool:
    """A table row whose linked cells (a company, a product) sit beside plain data cells."""
    return block.kind == "td" and block.link_density <= DATA_ROW_LINK_DENSITY


def linked_sentence(block: Block) -> bool:
    """A long sentence that happens to be one link is prose; a link list is not."""
    return len(block.text) >= _LINKED_SENTENCE_CHARS and block.text.endswith(_SENTENCE_ENDS)


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


class Walker:
    """Turns a parsed page into blocks in one pass, marking rule-matched elements."""

    def __init__(self, rules: Rules, marked: dict[int, tuple[str, str]]) -> None:
        self.rules = rules
        self.marked = marked
        self.by_tag = {
            tag: (rule.category, rule.name) for rule in rules.element_rules for tag in rule.tags
        }
        self.by_css = SelectorIndex(rules.element_rules)
        # Body hints matched in the same walk: testing every scored element
        # against every hint afterwards cost 5% of the cleaning time.
        self.body_index = SelectorIndex(r for r in rules.body_hints if not r.tags)
        self.body_marked: dict[int, list[int]] = defaultdict(list)  # id(rule) -> elements
        self.blocks: list[Block] = []
        # Every walked element by id(): holding the lxml proxies keeps each id()
        # unique and stable for the whole cleaning of the page.
        self.elements: dict[int, Element] = {}
        self.exact: set[int] = set()  # marked by a CSS selector: never a guess
        self.hinted: set[int] = set()  # marked by a class/id word only: a guess
        self.root: int | None = None  # the page element the walk started from
        self.deep = False  # the walk met markup nested past _MAX_DEPTH
        self.document: object | None = None  # stands for the document when there is no <body>
        self.path: list[int] = []
        self.flags: list[tuple[int, str, str]] = []
        self.buf: list[str] = []
        self.links = 0
        self.kind = "div"
        self.class_hits: dict[str, tuple[str, str] | None] = {}

    def start(self, root: Element) -> None:
        """Walk the page from root: <body>, or the whole document when it has none."""
        if root.tag == "body":
            self.root = id(root)
            self.elements[self.root] = root
            self.path.append(self.root)
            self.walk(root)
        else:
            # The document itself is the root candidate, <html> one of its children.
            self.document = object()
            self.root = id(self.document)
            self.elements[self.root] = self.document
            self.path.append(self.root)
            self.child(root, False, 0, False)
        self.flush()

    def parent(self, ident: int) -> int | None:
        """id() of the element's parent; the document is <html>'s when it is the root."""
        if self.document is not None and ident == id(self.document):
            return None
        up = self.elements[ident].getparent()
        if up is None:
            return id(self.document) if self.document is not None else None
        return id(up)

    def tag(self, ident: int) -> str:
        """The element's tag name ("[document]" for the document root)."""
        if self.document is not None and ident == id(self.document):
            return "[document]"
        return str(self.elements[ident].tag)

    def mark(self, el: Element, name: str, classes: list[str]) -> tuple[str, str] | None:
        found = self.marked.get(id(el))
        if not found:
            rule = self.by_css.match(el, classes)
            found = (rule.category, rule.name) if rule else None
        if found:
            self.exact.add(id(el))
            return found
        found = self.by_tag.get(name)
        if found:
            if name == "figure" and next(el.iter(*_FIGURE_CONTENT), None) is not None:
                return None  # a table or an embedded post in a figure is the article's
            return found
        values = list(classes)
        ident = el.get("id")
        if ident is not None:
            values.append(ident)
        for value in values:
            hit = self.class_hint(value)
            if hit:
                self.hinted.add(id(el))
                return hit
        return None

    def class_hint(self, value: str) -> tuple[str, str] | None:
        """The hint a class or id value carries, whole or in its words (cached per page)."""
        try:
            return self.class_hits[value]
        except KeyError:
            pass
        low = value.lower()
        hit = self.rules.hint(low)
        if not hit:
            hit = next(filter(None, map(self.rules.hint, _hint_words(value, low))), None)
        self.class_hits[value] = hit
        return hit

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        links = self.links
        self.buf = []
        self.links = 0
        pieces = _BR_SPLIT.split(raw) if _BR in raw else [raw]
        texts = [_collapse(p.replace(_BR, " ")) for p in pieces]
        total = sum(len(t) for t in texts) or 1
        for text in texts:
            if text:
                self.blocks.append(
                    Block(
                        text=text,
                        kind=self.kind,
                        links=round(links * len(text) / total),
                        path=tuple(self.path),
                        flags=tuple(self.flags),
                    )
                )

    def text(self, value: str | None, in_link: bool) -> None:
        if value:
            self.buf.append(value)
            if in_link:
                self.links += len(value.strip())

    def walk(self, el: Element, in_link: bool = False, depth: int = 0, mute: bool = False) -> None:
        """The element's text and children; ``mute`` inside ruby annotations (no page text)."""
        if not mute:
            self.text(el.text, in_link)
        for child in el:
            if isinstance(child.tag, str):
                self.child(child, in_link, depth, mute)
            if not mute:
                self.text(child.tail, in_link)

    def child(self, child: Element, in_link: bool, depth: int, mute: bool) -> None:
        name = child.tag
        if name in _SKIP and not _swallowed_page(child):
            return
        style = child.get("style")
        if style and _HIDDEN_STYLE.search(style):
            return  # a reader never sees it: not even a rival for the body
        if name == "br":
            if not mute:
                self.buf.append(_BR)
            return
        if name in ("td", "th") and self.buf and not mute:
            self.buf.append(" \u00b7 ")  # a table row is one paragraph, its cells apart
        classes = tree.classes(child)
        flag = self.mark(child, name, classes) if name not in ("body", "html") else None
        block = name in _BLOCK or flag is not None
        if block:
            self.flush()
        ident = id(child)
        self.elements[ident] = child
        for rule_id in self.body_index.matching(child, classes):
            self.body_marked[rule_id].append(ident)
        self.path.append(ident)
        if flag:
            self.flags.append((ident, flag[0], flag[1]))
        kind = self.kind
        if block:
            self.kind = _KIND.get(name, "div")
        if depth < _MAX_DEPTH:
            self.walk(child, in_link or name == "a", depth + 1, mute or name in tree.NO_TEXT)
        else:
            self.deep = True
            if not mute:
                self.buf.append(tree.text(child, " "))
        if block:
            self.flush()
        self.kind = kind
        if flag:
            self.flags.pop()
        self.path.pop()


def _hint_words(value: str, low: str) -> list[str]:
    """The words of a class or id, then each two neighbours joined by "-".

    A compound name ("blog-post-author-bio", "entryMetaWrapper") carries a
    hint ("author-bio", "entry-meta") as two of its words, not one.
    """
    tokens = [t for t in _TOKEN_SPLIT.split(_CAMEL.sub("-", value).lower()) if t]
    pairs = [f"{a}-{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return [w for w in tokens + pairs if w != low]


def _swallowed_page(el: Element) -> bool:
    """A form control holding paragraphs: the parser nested the page in an unclosed one.

    libxml2 does not close a <button> or <label> where a browser would, so a
    menu button left open can hold the whole article that follows it.
    """
    return el.tag in _CONTAINERS_BY_ACCIDENT and len(list(islice(el.iter("p"), 3))) == 3


# Raw-text elements and comments go before parsing. "<?...>" (an XML
# declaration, a stylesheet instruction) is what HTML5 calls a bogus comment:
# nothing, up to the first ">". Dropping it reads an XHTML page's prolog as
# browsers do; the declared encoding was already used when the bytes were
# decoded. An element left open runs to the end of the page, as in a browser.
_RAW_OPEN = re.compile(r"<(script|style|svg)\b([^<>]*)>|<!--|<\?", re.IGNORECASE)
_RAW_CLOSE = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "svg")
}


def strip_raw(html: str) -> str:
    """Scripts, styles, svg and comments go before parsing: half the bytes of a news page.

    One forward scan, each opener searching once for its closer: a lazy
    "<script>.*?</script>" regex rescans the rest of the page from every
    unclosed opener, and 160 kB of "<script>" took 16 s.
    """
    out: list[str] = []
    pos = 0
    end_of_page = len(html)
    while (found := _RAW_OPEN.search(html, pos)) is not None:
        out.append(html[pos : found.start()])
        name = (found.group(1) or "").lower()
        if name:
            close = _RAW_CLOSE[name].search(html, found.end())
            end = close.end() if close else end_of_page
            if name == "script" and "ld+json" in found.group(2).lower():
                out.append(html[found.start() : end])  # JSON-LD metadata is read later
                pos = end
                continue
        elif found.group(0) == "<!--":
            close_at = html.find("-->", found.end())
            end = close_at + 3 if close_at >= 0 else end_of_page
        else:
            close_at = html.find(">", found.end())
            end = close_at + 1 if close_at >= 0 else end_of_page
        out.append(" ")
        pos = end
    out.append(html[pos:])
    return "".join(out)
