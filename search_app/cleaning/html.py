"""HTML pages to article paragraphs.

The page is turned into text blocks (blocks.py), each remembering the
elements it sits in and whether a named rule marked one of them as
boilerplate. The article body is then the element whose blocks score best:
long, sentence-like, link-poor text counts for it and link lists, menus and
labels count against it, so the winner is the tightest element holding the
article, whatever the site calls it. Named body containers
(itemprop=articleBody, .entry-content, <article>) are preferred when they
hold most of that text.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..models import Removed
from . import tree
from .blocks import LINK_DENSITY_BAD, Block, Walker, data_row, linked_sentence, strip_raw
from .bounded import MAX_ELEMENTS, text_paragraphs, title_of, too_many_elements
from .dates import parse_date
from .metadata import PageMeta, read_meta
from .rules import Rules
from .tree import Element
from .urls import site_host

log = logging.getLogger(__name__)

_NEVER_TEXT = frozenset(("form", "nav"))  # categories no fallback reads as the article
# A short line with a year or a clock time and no sentence end: "Monday, 22
# January 2018 at 0:13", "Marcus Smith | 2019-11-20 17:27".
_DATELINE = re.compile(r"^(?=.{4,80}$)(?=.*(?:\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b))(?!.*[.!?]$)")
_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", ".)")
_LABEL_MAX_CHARS = 40
_DATELINE_REACH = 12  # blocks above the body searched for its date (a post header's lines)
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
class HtmlDoc:
    meta: PageMeta
    paragraphs: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    low_confidence: bool = False  # the paragraphs are a best guess, not a clear article body


def _marked_by_css(root: Element, rules: Rules) -> dict[int, tuple[Element, tuple[str, str]]]:
    """Elements matched by the selectors too complex for the per-element index.

    Each element is held beside its mark: an lxml proxy nobody holds may be
    freed, and its id() given to another.
    """
    marked: dict[int, tuple[Element, tuple[str, str]]] = {}
    for rule in rules.element_rules:
        if rule.selector is not None and rule.simple is None:
            for el in rule.selector(root):
                marked.setdefault(id(el), (el, (rule.category, rule.name)))
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
    return 0.0 if block.link_density > LINK_DENSITY_BAD else float(len(block.text))


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


def _best_element(
    blocks: list[Block], kept: list[int], score: dict[int, float], walker: Walker
) -> int | None:
    """The top-scoring element; a lone block climbs to the element holding its siblings."""
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
    if best is None or score.get(best, 0.0) <= 0:
        return None
    lone = sum(1 for i in kept if best in blocks[i].path) == 1
    parent = walker.parent(best)
    while lone and parent is not None and score.get(parent, 0.0) >= score[best]:
        best = parent
        parent = walker.parent(best)
    return best


def _choose_body(
    root: Element,
    blocks: list[Block],
    kept: list[int],
    rules: Rules,
    walker: Walker,
    weigh: Callable[[Block], float] | None = None,
) -> int | None:
    """The id of the element that best holds the article, or None for no prose at all."""
    score = _scores(blocks, kept, weigh)
    best = _best_element(blocks, kept, score, walker) if score else None
    if best is None:
        return None
    ancestors_of_best = set()
    for i in kept:
        if best in blocks[i].path:
            ancestors_of_best.update(blocks[i].path[: blocks[i].path.index(best)])
            break
    for rule in rules.body_hints:
        if rule.simple is not None and not rule.tags:
            candidates = [k for k in walker.body_marked.get(id(rule), ()) if k in score]
        elif rule.simple is not None:
            candidates = [
                k for k in score if k != id(walker.document) and rule.matches(walker.elements[k])
            ]
        elif rule.selector is not None:
            candidates = [id(el) for el in rule.selector(root) if id(el) in score]
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


def _region(walker: Walker, body: int) -> int:
    """The body's parent, unless that is the whole page."""
    parent = walker.parent(body)
    if (
        parent is None
        or parent not in walker.elements
        or walker.tag(parent) in ("body", "html", "[document]")
    ):
        return body
    return parent


def _removed(text: str, category: str, rule: str) -> Removed:
    if len(text) > _REMOVED_MAX_CHARS:
        text = text[: _REMOVED_MAX_CHARS - 1].rstrip() + "\u2026"
    return Removed(text, category, rule)


def _pick_body(
    root: Element, walker: Walker, rules: Rules
) -> tuple[int, dict[int, tuple[int, str, str] | None], bool] | None:
    """(body element, each block's removing mark, low confidence), or None for no prose.

    Never give up on a page with text: when no unmarked element holds prose,
    the class-word guesses are dropped first (a page builder calls every block
    a "widget", a layout column "sidebar"), then any plain text counts; such a
    pick is flagged low-confidence. Tags, roles and CSS rules always hold.
    Last, text under any guessed mark but a form or a menu counts (a page
    that is all <header> and <footer> still has its words read), and then
    text under a shipped role or CSS mark too (a page the parser nested
    inside its role=banner header): only forms and menus are never read.
    """
    blocks = walker.blocks
    marks = {f[0]: f[1] for b in blocks for f in b.flags}
    loose = {k for k, cat in marks.items() if cat not in _NEVER_TEXT and k not in walker.exact}
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
        body = _choose_body(root, blocks, kept, rules, walker, weigh)
        if body is not None:
            return body, flags, tier > 0
    return None


def _same_kind_siblings(
    walker: Walker, body: int, flags: dict[int, tuple[int, str, str] | None]
) -> set[int]:
    """The body and its siblings of the same tag and class that hold prose.

    A page builder splits one article's text into several blocks of the same
    component ("rich-text") around a form, a video or an ad: the best of them
    is the body, and its like-named siblings with prose are the article too.
    """
    if walker.tag(body) == "[document]":
        return {body}
    el = walker.elements[body]
    parent = el.getparent()
    cls = el.get("class")
    if parent is None or not cls or not cls.strip():
        return {body}
    same = {id(s) for s in parent if s is not el and s.tag == el.tag and s.get("class") == cls}
    if not same:
        return {body}
    score: dict[int, float] = defaultdict(float)
    for i, b in enumerate(walker.blocks):
        if flags[i] is None:
            for ident in b.path:
                if ident in same:
                    score[ident] += b.weight
    return {body} | {k for k, v in score.items() if v > 0}


_CARD_MAX_CHARS = 250  # a teaser's text besides its headline


def _teaser_cards(
    walker: Walker,
    bodies: set[int],
    flags: dict[int, tuple[int, str, str] | None],
    host: str | None,
) -> set[int]:
    """Elements inside the body that are a link to another page with a blurb.

    A related-story card is a headline that links away, a line of teaser text
    and a byline, wrapped together; a listicle's linked heading is followed by
    its section, which is not wrapped with it in a small element.
    """
    heads: dict[int, int] = defaultdict(int)
    linked_heads: dict[int, int] = defaultdict(int)
    text: dict[int, int] = defaultdict(int)
    byline: set[int] = set()
    for i, b in enumerate(walker.blocks):
        if flags[i] is not None or bodies.isdisjoint(b.path):
            continue
        start = max(b.path.index(k) for k in bodies if k in b.path) + 1
        for k in b.path[start:]:
            if b.kind == "h":
                heads[k] += 1
                if b.link_density > _LINK_DENSITY_DROP:
                    linked_heads[k] += 1
            else:
                text[k] += len(b.text)
                if b.link_density > _LINK_DENSITY_DROP or _DATELINE.search(b.text):
                    byline.add(k)
    return {
        k
        for k in linked_heads
        if heads[k] == 1
        and text[k] <= _CARD_MAX_CHARS
        and k in byline
        and _links_within_site(walker.elements[k], host)
    }


def _links_within_site(card: Element, host: str | None) -> bool:
    """Whether the card's headline links to another page of the same site."""
    heading = next(card.iter("h2", "h3", "h4", "h5", "h6"), None)
    if heading is None:
        return False
    # The link sits in the headline, or wraps it (a whole card is one link).
    link = next(heading.iter("a"), None)
    node = heading
    while link is None and node is not None and node is not card:
        node = node.getparent()
        if node is not None and node.tag == "a":
            link = node
    href = (link.get("href") or "").strip() if link is not None else ""
    if not href or href.startswith("#"):
        return False
    target = site_host(href)
    return not target or target == host or (bool(host) and target.endswith("." + host))


def _read_body(
    doc: HtmlDoc,
    walker: Walker,
    body: int,
    flags: dict[int, tuple[int, str, str] | None],
    host: str | None = None,
) -> None:
    """The body's paragraphs into doc, and what was dropped in and beside it."""
    # Marked elements beside the body (a comment thread after the article text)
    # are reported as removed too; the rest of the page is not the article's.
    region = _region(walker, body)
    bodies = _same_kind_siblings(walker, body, flags)
    cards = _teaser_cards(walker, bodies, flags, host)
    last_flag: int | None = None
    seen_prose = False
    kinds: list[str] = []
    for i, b in enumerate(walker.blocks):
        if region not in b.path:
            continue
        flag = flags[i]
        if flag is None and bodies.isdisjoint(b.path):
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
        if not cards.isdisjoint(b.path):
            doc.removed.append(_removed(b.text, "related", "teaser-card"))
        elif b.kind == "h1":
            doc.removed.append(_removed(b.text, "title", "h1-heading"))
        # A heading inside the body heads its section even when it links
        # somewhere (a listicle's product names, an FAQ's questions); a data
        # table's row keeps its linked names (companies, products).
        elif (
            b.link_density > _LINK_DENSITY_DROP
            and b.kind != "h"
            and not linked_sentence(b)
            and not data_row(b)
        ):
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
            kinds.append(b.kind)
    # A heading with nothing of the body after it heads a section that was
    # dropped or lies outside ("Comments", "Related", an author box's title).
    while len(kinds) > 1 and kinds[-1] == "h":
        kinds.pop()
        doc.removed.append(_removed(doc.paragraphs.pop(), "related", "trailing-heading"))


def parse_html(html: str, url: str | None, rules: Rules) -> HtmlDoc:
    """The page's metadata and the paragraphs of its article body, before text rules."""
    markup = strip_raw(html)
    if too_many_elements(markup):
        log.warning("page has over %d elements: read as plain text", MAX_ELEMENTS)
        return HtmlDoc(
            meta=PageMeta(title=title_of(markup)),
            paragraphs=text_paragraphs(markup),
            low_confidence=True,
        )
    root = tree.parse(markup)
    if root is None:
        return HtmlDoc(meta=PageMeta())
    doc = HtmlDoc(meta=read_meta(root, url))
    marked = _marked_by_css(root, rules)
    walker = Walker(rules, {ident: mark for ident, (_, mark) in marked.items()})
    # The page itself is a candidate too: paragraphs straight under <body> are
    # one article, not rivals of which only the longest wins.
    body_el = tree.first(root, "body")
    walker.start(body_el if body_el is not None else root)
    if walker.deep and tree.cut_short(root):
        log.warning("page nests deeper than the parser builds: read as plain text")
        doc.paragraphs, doc.low_confidence = text_paragraphs(markup), True
        return doc
    picked = _pick_body(root, walker, rules)
    if picked is not None:
        body, flags, doc.low_confidence = picked
        _read_body(doc, walker, body, flags, site_host(url))
        if doc.meta.published is None:
            doc.meta.published = _dateline_above(walker.blocks, body)
    return doc


def _dateline_above(blocks: list[Block], body: int) -> datetime | None:
    """The date of the nearest dateline in the few blocks just above the body.

    A post's header (title, date, reading time) often sits beside the body
    rather than in it; when the markup names no date, the date a reader sees
    there is the publication date. A photo's caption dates the photo.
    """
    start = next((i for i, b in enumerate(blocks) if body in b.path), 0)
    for b in reversed(blocks[max(0, start - _DATELINE_REACH) : start]):
        captioned = any(category == "caption" for _, category, _ in b.flags)
        if not captioned and _DATELINE.search(b.text) and (found := parse_date(b.text)):
            return found
    return None


def _leading_label(block: Block) -> bool:
    """A short line in no paragraph, heading or list element, with no sentence end."""
    return (
        block.kind == "div"
        and len(block.text) < _LABEL_MAX_CHARS
        and not block.text.endswith(_SENTENCE_ENDS)
    )
