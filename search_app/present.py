"""Presentation, engine-neutral: highlighting, result assembly, duplicate collapse,
facets and the timeline, the article view.

Everything here works on stored text and article ids as an engine returns
them (engine/base.py), so a second engine gets it for free.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .analysis import fold, sentence_spans, stem, token_spans
from .engine.base import ArticleGroup, EngineReader, Hits
from .models import (
    ArticleRef,
    ArticleResult,
    ArticleView,
    Duplicate,
    FacetValue,
    ParagraphHit,
    SearchRequest,
    StoredArticle,
    TermInfo,
    TimelineBucket,
)
from .query.prepare import exact_pattern
from .query.tree import Node, Not, Phrase, Term
from .spelling import Speller

MAX_SHOWN_PARAGRAPHS = 3
FRAGMENT_CHARS = 320  # a paragraph longer than this is cut to its matching sentences
MIN_COLLAPSE_CHARS = 40  # shorter paragraphs ("He said.") are too common to mean syndication
MAX_ALSO_IN = 10
MAX_EXPLAINED = 20  # surface words listed for one fuzzy word (the rest are in "matched")
_QUOTED = re.compile(r'"([^"]*)"')
# Sources listed in the facet, most articles first: the page shows 20 and
# "Show N more" for the rest, so a search across many outlets can still tick
# any of them; the cap bounds the JSON (about 60 bytes a value).
MAX_SOURCE_FACETS = 200
UNDATED = "undated"  # the year facet value and timeline label of articles without a date


@dataclass(frozen=True)
class Marks:
    """What to mark in a text: words marked wherever they stand, and phrases (stems,
    slop) marked only where the words stand together, as the phrase matched."""

    words: frozenset[str] = frozenset()
    phrases: tuple[tuple[tuple[str, ...], int], ...] = ()
    exact: tuple[str, ...] = ()  # ``exact:`` phrases, marked only as written

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.exact)


def query_marks(q: Node, exact: Sequence[str] = ()) -> Marks:
    """The marks of a query: its plain words, and its phrases (outside NOT).

    A word that is only part of a phrase (``"seeking asylum"``) is not marked
    alone elsewhere; the proximity bonus of a plain query is a phrase too, but
    its words are plain words of the query as well, so they are marked anyway.
    An ``exact:`` phrase is in the tree stemmed (it is searched so, then
    checked word for word): its stemmed form is not marked, only the words as
    written, so ``exact:"seeking asylum"`` never marks "seek asylum".
    """
    words: set[str] = set()
    phrases: list[tuple[tuple[str, ...], int]] = []
    stemmed = {tuple(t for _, _, t in token_spans(p)) for p in exact}

    def walk(node: Node) -> None:
        if isinstance(node, Not):
            return
        if isinstance(node, Term) and node.field in ("text", "title"):
            if (node.text,) not in stemmed:
                words.add(node.text)
        elif isinstance(node, Phrase) and node.field in ("text", "title"):
            if node.words not in stemmed and (node.words, node.slop) not in phrases:
                phrases.append((node.words, node.slop))
        for child in node.children():
            walk(child)

    walk(q)
    return Marks(frozenset(words), tuple(phrases), tuple(exact))


def _marked_spans(text: str, marks: Marks | frozenset[str]) -> list[tuple[int, int]]:
    """Character spans to mark: lone words anywhere, phrase words where the phrase is."""
    if not isinstance(marks, Marks):
        marks = Marks(marks)
    tokens = list(token_spans(text))
    marked = {i for i, (_, _, term) in enumerate(tokens) if term in marks.words}
    for words, slop in marks.phrases:
        for i, (_, _, term) in enumerate(tokens):
            if words and term == words[0]:
                run = _phrase_at(tokens, i, words, max(1, slop))
                marked.update(run)
    for phrase in marks.exact:
        for m in exact_pattern(phrase).finditer(text):
            marked.update(
                i for i, (s, e, _) in enumerate(tokens) if m.start() <= s and e <= m.end()
            )
    return [(tokens[i][0], tokens[i][1]) for i in sorted(marked)]


def _phrase_at(
    tokens: list[tuple[int, int, str]], start: int, words: tuple[str, ...], slop: int
) -> list[int]:
    """Token indexes of ``words`` from ``start``, each within ``slop`` of the one before."""
    run, pos = [start], start
    for w in words[1:]:
        nxt = next(
            (j for j in range(pos + 1, min(pos + slop, len(tokens) - 1) + 1) if tokens[j][2] == w),
            None,
        )
        if nxt is None:
            return []
        run.append(nxt)
        pos = nxt
    return run


def highlight(
    text: str, stems: Marks | frozenset[str], fragment_chars: int = FRAGMENT_CHARS
) -> tuple[str, str]:
    """(html, plain) of a paragraph with every matched term marked.

    The text is escaped piece by piece and only <mark> is added, so nothing
    from an article can become markup. A long paragraph is cut to the
    sentences that hold hits, with an ellipsis where text was left out.
    """
    spans = _marked_spans(text, stems)
    pieces = [(0, len(text))]
    if len(text) > fragment_chars:
        sentences = sentence_spans(text) or [(0, len(text))]
        chosen: list[tuple[int, int]] = []
        budget = fragment_chars
        hit_sentences = [
            (s, e) for s, e in sentences if any(s <= hs < e for hs, _ in spans)
        ] or sentences[:1]
        for s, e in hit_sentences:
            if chosen and budget - (e - s) < 0:
                break
            chosen.append((s, e))
            budget -= e - s
        pieces = chosen
    html_parts: list[str] = []
    plain_parts: list[str] = []
    prev_end = 0
    for k, (s, e) in enumerate(pieces):
        if s > prev_end or (k == 0 and s > 0):
            html_parts.append("… ")
            plain_parts.append("… ")
        frag_html: list[str] = []
        cursor = s
        for hs, he in spans:
            if hs < s or he > e:
                continue
            frag_html.append(html.escape(text[cursor:hs]))
            frag_html.append("<mark>" + html.escape(text[hs:he]) + "</mark>")
            cursor = he
        frag_html.append(html.escape(text[cursor:e]))
        html_parts.append("".join(frag_html).strip())
        plain_parts.append(text[s:e].strip())
        prev_end = e
        if k < len(pieces) - 1:
            html_parts.append(" ")
            plain_parts.append(" ")
    if prev_end < len(text.rstrip()):
        html_parts.append(" …")
        plain_parts.append(" …")
    return "".join(html_parts), "".join(plain_parts)


@dataclass
class Collapsed:
    """A ranked article and the copies of it ranked below, folded into it."""

    group: ArticleGroup
    duplicates: list[ArticleGroup] = field(default_factory=list)


def collapse(reader: EngineReader, groups: Sequence[ArticleGroup]) -> list[Collapsed]:
    """Fold every article whose paragraphs are all in a better-ranked article into it.

    Candidates cost nothing: an article whose best paragraph is the best
    paragraph of a better-ranked result (same fingerprint; only the best, so
    that groups above the page, which come brief, fold the same way). Only
    those are confirmed on the whole articles (every paragraph's
    fingerprint), so a copy that adds a paragraph of its own stays a result.
    """
    reader.read_fingerprints(_copy_candidates(groups))
    kept: list[Collapsed] = []
    owner: dict[str, int] = {}  # best paragraph's fingerprint -> index in kept
    prints: dict[str, frozenset[str]] = {}
    for group in groups:
        best = group.paragraphs[0].fingerprint if group.paragraphs else ""
        k = owner.get(best) if best else None
        if k is not None and _carried(reader, group, kept[k].group, prints):
            kept[k].duplicates.append(group)
            continue
        if best:
            owner.setdefault(best, len(kept))
        kept.append(Collapsed(group))
    return kept


def _copy_candidates(groups: Sequence[ArticleGroup]) -> list[str]:
    """The articles collapse may compare: each whose best paragraph is an earlier
    group's best, and that group's article."""
    first: dict[str, str] = {}
    out: list[str] = []
    for group in groups:
        best = group.paragraphs[0].fingerprint if group.paragraphs else ""
        if best in first:
            out += [first[best], group.article_id]
        elif best:
            first[best] = group.article_id
    return out


def _carried(
    reader: EngineReader,
    copy: ArticleGroup,
    first: ArticleGroup,
    prints: dict[str, frozenset[str]],
) -> bool:
    """Whether every paragraph of ``copy`` is in ``first`` word for word."""
    for group in (copy, first):
        if group.article_id not in prints:
            prints[group.article_id] = reader.fingerprints(group)
    mine = prints[copy.article_id]
    return bool(mine) and "" not in mine and mine <= prints[first.article_id]


def results(
    reader: EngineReader, ranked: Sequence[Collapsed], stems: Marks
) -> tuple[ArticleResult, ...]:
    """The page's articles with their highlighted paragraphs and collapsed copies.

    A paragraph that several articles share word for word (syndication) is
    shown in full once, under the first article; later ones point back to it,
    and the first lists the other articles that carry it (its collapsed
    copies aside: they are listed as ``duplicates``).
    """
    first_seen: dict[str, ArticleRef] = {}
    return tuple(_article(reader, item, stems, first_seen) for item in ranked)


def _duplicate(group: ArticleGroup) -> Duplicate:
    data = group.fields
    return Duplicate(group.article_id, data.get("title", ""), data.get("source"), data.get("url"))


def _article(
    reader: EngineReader,
    item: Collapsed,
    stems: Marks,
    first_seen: dict[str, ArticleRef],
) -> ArticleResult:
    group = item.group
    data = group.fields
    ref = ArticleRef(group.article_id, data.get("title", ""))
    copies = {d.article_id for d in item.duplicates}
    paragraphs: list[ParagraphHit] = []
    for p in group.paragraphs:
        hl, plain = highlight(p.text, stems)
        collapsible = p.fingerprint and len(p.text) >= MIN_COLLAPSE_CHARS
        if collapsible and p.fingerprint in first_seen:
            paragraphs.append(
                ParagraphHit(p.position, plain, hl, p.score, (), first_seen[p.fingerprint])
            )
            continue
        also: tuple[ArticleRef, ...] = ()
        if collapsible:
            first_seen[p.fingerprint] = ref
            found = reader.also_in(p.fingerprint, group.article_id, p.ref, MAX_ALSO_IN)
            also = tuple(a for a in found if a.id not in copies)
        paragraphs.append(ParagraphHit(p.position, plain, hl, p.score, also))
    # A paragraph can match through its article's headline alone; show it only
    # when no paragraph has the words in its own text.
    marked = [p for p in paragraphs if "<mark>" in p.highlight]
    paragraphs = marked or paragraphs[:1]
    published = datetime.fromisoformat(data["published"]) if data.get("published") else None
    return ArticleResult(
        id=group.article_id,
        title=data.get("title", ""),
        source=data.get("source"),
        url=data.get("url"),
        published=published,
        score=round(group.score, 4),
        paragraphs=tuple(paragraphs),
        matching_paragraphs=max(group.matching, len(paragraphs)),
        partial=group.partial,
        duplicates=tuple(_duplicate(d) for d in item.duplicates),
    )


def facets(
    hits: Hits, req: SearchRequest
) -> tuple[dict[str, tuple[FacetValue, ...]], tuple[TimelineBucket, ...], str]:
    """Source and year facets, and the timeline: by month when the years span three or
    fewer, else by year. Articles without a date get an "undated" year and a last
    timeline bucket of that name (no dates: it links nowhere), so they are counted."""
    months: dict[tuple[int, int], int] = dict(hits.months)
    years: dict[int, int] = {}
    for (y, _m), c in months.items():
        years[y] = years.get(y, 0) + c
    src_values = tuple(
        FacetValue(s, c, s in req.sources)
        for s, c in sorted(hits.sources, key=lambda kv: (-kv[1], kv[0]))[:MAX_SOURCE_FACETS]
    )
    year_values = tuple(
        FacetValue(str(y), c, req.date_from == str(y) and req.date_to == str(y))
        for y, c in sorted(years.items(), reverse=True)
    )
    unit = "year"
    buckets: list[TimelineBucket] = []
    if years:
        lo, hi = min(years), max(years)
        if hi - lo <= 2:
            unit = "month"
            y, m = min(months)
            last = max(months)
            while (y, m) <= last:
                label = f"{y:04d}-{m:02d}"
                buckets.append(TimelineBucket(label, label, label, months.get((y, m), 0)))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        else:
            for y in range(lo, hi + 1):
                buckets.append(TimelineBucket(str(y), str(y), str(y), years.get(y, 0)))
    if hits.undated:
        year_values += (FacetValue(UNDATED, hits.undated),)
        buckets.append(TimelineBucket(UNDATED, "", "", hits.undated))
    return {"source": src_values, "year": year_values}, tuple(buckets), unit


def article_view(
    stored: StoredArticle, stems: Marks, hit_positions: tuple[int, ...]
) -> ArticleView:
    """An article for its page, with the query's terms marked in every paragraph."""
    highlights = tuple(
        highlight(p, stems, fragment_chars=10**9)[0] if stems else html.escape(p)
        for p in stored.article.paragraphs
    )
    # Hits through the headline alone mark nothing in the paragraph: not a hit here.
    hit_positions = tuple(i for i in hit_positions if "<mark>" in highlights[i])
    return ArticleView(stored=stored, highlights=highlights, hit_positions=hit_positions)


def explain_terms(
    text: str,
    exact: Sequence[str],
    terms: Sequence[TermInfo],
    searched: frozenset[tuple[str, str]],
    speller: Speller | None,
) -> tuple[TermInfo, ...]:
    """Each word's kind for "explain": typed plain, in a phrase, verbatim (``exact:``),
    fuzzy (``word~``, with the words as written it matched) or a prefix (``word*``).

    Read from the query text, which the terms no longer show: ``exact:`` is a
    phrase plus a verbatim check, and a fuzzy word is the stems of its matches
    (``searched``: the (field, term) pairs of the query as run), listed here
    with the words as written that gave them.
    """
    verbatim = {fold(w) for phrase in exact for w in phrase.split()}
    quoted = {fold(w) for phrase in _QUOTED.findall(text) for w in phrase.split()}
    out: list[TermInfo] = []
    for t in terms:
        word = re.escape(t.word)
        fuzzy = re.search(rf"(?<![\w~]){word}~(\d)?", text, re.IGNORECASE)
        if fuzzy:
            dist = int(fuzzy.group(1) or 1)
            near = speller.expand_fuzzy(t.word, dist) if speller is not None else []
            words = [w for w in near if (t.field, stem(fold(w))) in searched]
            stems = tuple(dict.fromkeys(stem(fold(w)) for w in words))
            t = TermInfo(t.word, t.stem, t.field, stems or t.matched)
            out.append(_with(t, "fuzzy", tuple(words[:MAX_EXPLAINED])))
        elif re.search(rf"(?<!\w){word}[*?]", text, re.IGNORECASE):
            out.append(_with(t, "prefix"))
        elif fold(t.word) in verbatim:
            out.append(_with(t, "exact"))
        elif fold(t.word) in quoted:
            out.append(_with(t, "phrase"))
        else:
            out.append(t)
    return tuple(out)


def _with(t: TermInfo, kind: str, expansions: tuple[str, ...] = ()) -> TermInfo:
    return TermInfo(t.word, t.stem, t.field, t.matched, kind, expansions)


def describe_exact(parsed_query: str, exact: Sequence[str]) -> str:
    """The parsed query with its verbatim phrases, which the engine's text omits: an
    ``exact:`` phrase is searched stemmed, then checked word for word."""
    return parsed_query + "".join(f' AND exact:"{p}"' for p in exact)
