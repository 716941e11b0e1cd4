"""HTML pages to article paragraphs.

One walk over the parsed page turns it into text blocks, each remembering the
elements it sits in and whether a named rule (tag, role, class/id hint,
per-site CSS) marked one of them as boilerplate. The article body is then the
element whose blocks score best: long, sentence-like, link-poor text counts
for it and link lists, menus and labels count against it, so the winner is
the tightest element holding the article, whatever the site calls it. Named
body containers (itemprop=articleBody, .entry-content, <article>) are
preferred when they hold most of that text.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData

from ..models import Removed
from .bounded import MAX_ELEMENTS, text_paragraphs, title_of, too_many_elements
from .metadata import PageMeta, read_meta
from .rules import Rules, SelectorIndex

log = logging.getLogger(__name__)

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
_NEVER_TEXT = frozenset(("form", "nav"))  # categories no fallback reads as the article
_BR = "\ue000"  # a private-use character marks <br> until the block is split
_BR_SPLIT = re.compile(_BR + r"\s*(?:" + _BR + r"\s*)+")
_WS = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u00ad]+")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SENTENCE_PUNCT = re.compile(r"[.!?,;:\u2026\"\u201d\u3001\u3002\uff01\uff0c\uff1f\u300d]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

# A short line with a year or a clock time and no sentence end: "Monday, 22
# January 2018 at 0:13", "Marcus Smith | 2019-11-20 17:27".
_DATELINE = re.compile(r"^(?=.{4,80}$)(?=.*(?:\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b))(?!.*[.!?]$)")
_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", ".)")
_LINKED_SENTENCE_CHARS = 150
_LABEL_MAX_CHARS = 40

_MAX_DEPTH = 300  # deeper markup is broken; read it as text instead of recursing
_GOOD_MIN_CHARS = 50  # shorter blocks are labels, bylines, menu items
_LINK_DENSITY_BAD = 0.35  # above this a block is a list of links, not prose
_LINK_DENSITY_DROP = 0.5  # inside the body, drop blocks that are mostly link text
# A marked element holding this much of the page's prose, in at least
# _WRAPPER_BLOCKS blocks, is a wrapper that happens to carry a boilerplate-like
# class ("paywall", "has-sidebar", "modal-open"), not boilerplate. Comment
# threads can legitimately be longer than the article, so they need a majority.
_WRAPPER_SHARE = 0.25
_WRAPPER_SHARE_COMMENTS = 0.5
_WRAPPER_BLOCKS = 3
_BODY_HINT_SHARE = 0.6  # a named body container must hold this share of the best score
_BODY_HINT_SHARE_ENCLOSING = 0.25  # ... or this, for an exact body marker around the best
_REMOVED_MAX_CHARS = 2000  # removed text is shown to users, not indexed: keep it bounded


@dataclass
class Block:
    text: str
    kind: str
    links: int
    path: tuple[int, ...]  # id() of the enclosing elements, outermost first
    flags: tuple[tuple[int, str, str], ...]  # marked enclosing elements: (id, category, rule)

    @property
    def link_density(self) -> float:
        return self.links / len(self.text) if self.text else 0.0

    @property
    def weight(self) -> float:
        """How much this block argues that its enclosing element is the article."""
        # A Chinese or Japanese character carries about a short word's worth of text.
        size = len(self.text) + 2 * len(_CJK.findall(self.text))
        if self.link_density > _LINK_DENSITY_BAD:
            return 0.0 if _linked_sentence(self) else -float(size)
        if self.kind == "h1":
            return 0.0
        if self.kind == "td":
            # A data table (standings, prices) is content however short its cells.
            return float(size)
        if size >= _GOOD_MIN_CHARS and (size >= 100 or _SENTENCE_PUNCT.search(self.text)):
            return float(size)
        return -0.5 * size


@dataclass
class HtmlDoc:
    meta: PageMeta
    paragraphs: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    low_confidence: bool = False  # the paragraphs are a best guess, not a clear article body


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


class _Walker:
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
        self.elements: dict[int, Tag] = {}
        self.exact: set[int] = set()  # marked by a CSS selector: never a guess
        self.hinted: set[int] = set()  # marked by a class/id word only: a guess
        self.root: int | None = None  # the page element the walk started from
        self.path: list[int] = []
        self.flags: list[tuple[int, str, str]] = []
        self.buf: list[str] = []
        self.links = 0
        self.kind = "div"

    def mark(self, el: Tag) -> tuple[str, str] | None:
        found = self.marked.get(id(el))
        if not found:
            rule = self.by_css.match(el)
            found = (rule.category, rule.name) if rule else None
        if found:
            self.exact.add(id(el))
            return found
        found = self.by_tag.get(el.name)
        if found:
            if el.name == "figure" and el.find(_FIGURE_CONTENT) is not None:
                return None  # a table or an embedded post in a figure is the article's
            return found
        attrs = el.attrs
        values = list(attrs.get("class") or ())
        ident = attrs.get("id")
        if isinstance(ident, str):
            values.append(ident)
        for value in values:
            low = value.lower()
            hit = self.rules.hint(low)
            if hit:
                self.hinted.add(id(el))
                return hit
            for token in _TOKEN_SPLIT.split(_CAMEL.sub("-", value).lower()):
                if token and token != low:
                    hit = self.rules.hint(token)
                    if hit:
                        self.hinted.add(id(el))
                        return hit
        return None

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

    def walk(self, el: Tag, in_link: bool = False, depth: int = 0) -> None:
        for child in el.contents:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString or isinstance(child, CData):
                    self.buf.append(child)
                    if in_link:
                        self.links += len(child.strip())
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _SKIP and not _swallowed_page(child):
                continue
            style = child.attrs.get("style")
            if style and _HIDDEN_STYLE.search(style):
                continue  # a reader never sees it: not even a rival for the body
            if name == "br":
                self.buf.append(_BR)
                continue
            if name in ("td", "th") and self.buf:
                self.buf.append(" \u00b7 ")  # a table row is one paragraph, its cells apart
            flag = self.mark(child) if name not in ("body", "html") else None
            block = name in _BLOCK or flag is not None
            if block:
                self.flush()
            ident = id(child)
            self.elements[ident] = child
            for rule_id in self.body_index.matching(child):
                self.body_marked[rule_id].append(ident)
            self.path.append(ident)
            if flag:
                self.flags.append((ident, flag[0], flag[1]))
            kind = self.kind
            if block:
                self.kind = _KIND.get(name, "div")
            if depth < _MAX_DEPTH:
                self.walk(child, in_link or name == "a", depth + 1)
            else:
                self.buf.append(child.get_text(" "))
            if block:
                self.flush()
            self.kind = kind
            if flag:
                self.flags.pop()
            self.path.pop()


# Raw-text elements and comments go before parsing. "<?...>" (an XML
# declaration, a stylesheet instruction) is what HTML5 calls a bogus comment:
# nothing, up to the first ">". Dropping it reads an XHTML page's prolog as
# browsers do and keeps bs4 from taking a page that starts "<?xml" for an XML
# document (XMLParsedAsHTMLWarning); the declared encoding was already used
# when the bytes were decoded. An element left open runs to the end of the
# page, as in a browser.
_RAW_OPEN = re.compile(r"<(script|style|svg)\b([^<>]*)>|<!--|<\?", re.IGNORECASE)
_RAW_CLOSE = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "svg")
}


def _swallowed_page(el: Tag) -> bool:
    """A form control holding paragraphs: the parser nested the page in an unclosed one.

    libxml2 does not close a <button> or <label> where a browser would, so a
    menu button left open can hold the whole article that follows it.
    """
    return el.name in _CONTAINERS_BY_ACCIDENT and len(el.find_all("p", limit=3)) == 3


def _strip_raw(html: str) -> str:
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


def _marked_by_css(soup: BeautifulSoup, rules: Rules) -> dict[int, tuple[str, str]]:
    """Elements matched by the selectors too complex for the per-element index."""
    marked: dict[int, tuple[str, str]] = {}
    for rule in rules.element_rules:
        if rule.selector is not None and rule.simple is None:
            for el in rule.selector.select(soup):
                marked.setdefault(id(el), (rule.category, rule.name))
    return marked


def _effective_flags(
    blocks: list[Block], exact: set[int], ignore: set[int] | frozenset[int] = frozenset()
) -> dict[int, tuple[int, str, str] | None]:
    """Each block's marked ancestor, ignoring marks on page wrappers.

    A class such as "has-comments" or "with-ads" on a wrapper would otherwise
    drop the whole article; an element marked by tag or class hint that holds
    most of the page's prose, in several blocks, is such a wrapper. Elements
    marked by a CSS selector rule are dropped whatever they hold.
    """
    good: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    total = 0.0
    for b in blocks:
        w = b.weight
        if w > 0:
            total += w
            for ident, _, _ in b.flags:
                good[ident] += w
                count[ident] += 1
    category = {f[0]: f[1] for b in blocks for f in b.flags}
    wrappers = {
        ident
        for ident, g in good.items()
        if ident not in exact
        and count[ident] >= _WRAPPER_BLOCKS
        and g
        > (_WRAPPER_SHARE_COMMENTS if category[ident] == "comments" else _WRAPPER_SHARE) * total
    }
    result: dict[int, tuple[int, str, str] | None] = {}
    wrappers |= ignore
    for i, b in enumerate(blocks):
        live = [f for f in b.flags if f[0] not in wrappers]
        # Grouped by the outermost marked element ("the comment section"), named
        # by the innermost rule, which says most precisely what the text is.
        result[i] = (live[0][0], live[-1][1], live[-1][2]) if live else None
    return result


def _plain_weight(block: Block) -> float:
    """The last resort: any text that is not a list of links counts for its element."""
    return 0.0 if block.link_density > _LINK_DENSITY_BAD else float(len(block.text))


def _scores(
    blocks: list[Block], kept: list[int], weigh: Callable[[Block], float] | None = None
) -> dict[int, float]:
    score: dict[int, float] = defaultdict(float)
    for i in kept:
        b = blocks[i]
        w = weigh(b) if weigh else b.weight
        for ident in b.path:
            score[ident] += w
    return score


def _choose_body(
    soup: BeautifulSoup,
    blocks: list[Block],
    kept: list[int],
    rules: Rules,
    walker: _Walker,
    weigh: Callable[[Block], float] | None = None,
) -> int | None:
    """The id of the element that best holds the article, or None for no prose at all."""
    score = _scores(blocks, kept, weigh)
    if not score:
        return None
    depth = {}
    for i in kept:
        for d, ident in enumerate(blocks[i].path):
            depth[ident] = d
    # The page root only counts when the winner is a lone block: an article is
    # never one paragraph of several, so a lone block climbs to the element
    # holding its sibling paragraphs when that scores as well.
    root = walker.root
    best = max(
        (k for k in score if k != root), key=lambda k: (score[k], depth.get(k, 0)), default=root
    )
    if score.get(best, 0.0) <= 0:
        return None
    lone = sum(1 for i in kept if best in blocks[i].path) == 1
    parent = walker.elements[best].parent
    while lone and parent is not None and score.get(id(parent), 0.0) >= score[best]:
        best = id(parent)
        parent = walker.elements[best].parent
    ancestors_of_best = set()
    for i in kept:
        if best in blocks[i].path:
            ancestors_of_best.update(blocks[i].path[: blocks[i].path.index(best)])
            break
    for rule in rules.body_hints:
        if rule.simple is not None and not rule.tags:
            candidates = [k for k in walker.body_marked.get(id(rule), ()) if k in score]
        elif rule.simple is not None:
            candidates = [k for k in score if rule.matches(walker.elements[k])]
        elif rule.selector is not None:
            candidates = [id(el) for el in rule.selector.select(soup) if id(el) in score]
        else:
            continue
        # A "container" (<article>, <main>) enclosing the best element holds
        # more than the article; an exact body marker (itemprop=articleBody)
        # enclosing it means the best element was only part of the article.
        if rule.category == "body":
            share = {
                k: _BODY_HINT_SHARE_ENCLOSING if k in ancestors_of_best else _BODY_HINT_SHARE
                for k in candidates
            }
        else:
            candidates = [c for c in candidates if c not in ancestors_of_best]
            share = dict.fromkeys(candidates, _BODY_HINT_SHARE)
        if not candidates:
            continue
        top = max(candidates, key=lambda k: score[k])
        if score[top] >= share[top] * score[best]:
            log.debug("body container from rule %s", rule.name)
            return top
    return best


def _region(walker: _Walker, body: int) -> int:
    """The body's parent, unless that is the whole page."""
    parent = walker.elements[body].parent
    if (
        parent is None
        or parent.name in ("body", "html", "[document]")
        or id(parent) not in walker.elements
    ):
        return body
    return id(parent)


def _removed(text: str, category: str, rule: str) -> Removed:
    if len(text) > _REMOVED_MAX_CHARS:
        text = text[: _REMOVED_MAX_CHARS - 1].rstrip() + "\u2026"
    return Removed(text, category, rule)


def parse_html(html: str, url: str | None, rules: Rules) -> HtmlDoc:
    """The page's metadata and the paragraphs of its article body, before text rules."""
    markup = _strip_raw(html)
    if too_many_elements(markup):
        log.warning("page has over %d elements: read as plain text", MAX_ELEMENTS)
        return HtmlDoc(
            meta=PageMeta(title=title_of(markup)),
            paragraphs=text_paragraphs(markup),
            low_confidence=True,
        )
    soup = BeautifulSoup(markup, "lxml")
    meta = read_meta(soup, url)
    doc = HtmlDoc(meta=meta)
    walker = _Walker(rules, _marked_by_css(soup, rules))
    root = soup.body if soup.body is not None else soup
    # The page itself is a candidate too: paragraphs straight under <body> are
    # one article, not rivals of which only the longest wins.
    walker.elements[id(root)] = root
    walker.path.append(id(root))
    walker.root = id(root)
    walker.walk(root)
    walker.flush()
    blocks = walker.blocks
    # Never give up on a page with text: when no unmarked element holds prose,
    # the class-word guesses are dropped first (a page builder calls every block
    # a "widget", a layout column "sidebar"), then any plain text counts; such a
    # pick is flagged low-confidence. Tags, roles and CSS rules always hold.
    # Last, text under any guessed mark but a form or a menu counts (a page
    # that is all <header> and <footer> still has its words read).
    marks = {f[0]: f[1] for b in blocks for f in b.flags}
    loose = {k for k, cat in marks.items() if cat not in _NEVER_TEXT and k not in walker.exact}
    # And text under a shipped role or CSS mark too (a page the parser nested
    # inside its role=banner header): only forms and menus are never read.
    everything = {k for k, cat in marks.items() if cat not in _NEVER_TEXT}
    tiers: tuple[tuple[set[int], Callable[[Block], float] | None], ...] = (
        (set(), None),
        (walker.hinted, None),
        (walker.hinted, _plain_weight),
        (walker.hinted | loose, _plain_weight),
        (walker.hinted | loose | everything, _plain_weight),
    )
    for tier, (ignore, weigh) in enumerate(tiers):
        flags = _effective_flags(blocks, walker.exact, ignore)
        kept = [i for i in range(len(blocks)) if flags[i] is None]
        body = _choose_body(soup, blocks, kept, rules, walker, weigh)
        if body is not None:
            doc.low_confidence = tier > 0
            break
    else:
        return doc
    # Marked elements beside the body (a comment thread after the article text)
    # are reported as removed too; the rest of the page is not the article's.
    region = _region(walker, body)
    last_flag: int | None = None
    seen_prose = False
    for i, b in enumerate(blocks):
        if region not in b.path:
            continue
        flag = flags[i]
        if flag is None and body not in b.path:
            continue
        if flag is not None:
            # One entry per removed element, its blocks joined, as users read it.
            if flag[0] == last_flag and doc.removed:
                prev = doc.removed[-1]
                doc.removed[-1] = _removed(prev.text + "\n" + b.text, prev.category, prev.rule)
            else:
                doc.removed.append(_removed(b.text, flag[1], flag[2]))
            last_flag = flag[0]
            continue
        last_flag = None
        if b.kind == "h1":
            doc.removed.append(_removed(b.text, "title", "h1-heading"))
        elif b.link_density > _LINK_DENSITY_DROP and not _linked_sentence(b):
            doc.removed.append(_removed(b.text, "related", "link-density"))
        elif not seen_prose and b.kind != "h" and _DATELINE.search(b.text):
            # Date and byline lines above the first paragraph, in any language.
            doc.removed.append(_removed(b.text, "meta", "leading-dateline"))
        elif not seen_prose and _leading_label(b):
            # "Breaking News", "Text size", "4 min read": labels above the text.
            doc.removed.append(_removed(b.text, "meta", "leading-label"))
        else:
            seen_prose = seen_prose or b.weight > 0
            doc.paragraphs.append(b.text)
    return doc


def _leading_label(block: Block) -> bool:
    """A short line in no paragraph, heading or list element, with no sentence end."""
    return (
        block.kind == "div"
        and len(block.text) < _LABEL_MAX_CHARS
        and not block.text.endswith(_SENTENCE_ENDS)
    )


def _linked_sentence(block: Block) -> bool:
    """A long sentence that happens to be one link is prose; a link list is not."""
    return len(block.text) >= _LINKED_SENTENCE_CHARS and block.text.endswith(_SENTENCE_ENDS)
