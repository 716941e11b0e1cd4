"""Spelling corrections, fuzzy expansions and completions from the index's own words.

Everything here works on SURFACE words (folded as ``analysis.fold`` folds
them, never stemmed) with their document frequencies: a stem such as "gover"
is no word anyone meant, and its neighbours ("cover", "rover") are no
corrections. The vocabulary comes from ``vocabulary.py``; this module is pure
(no I/O, no search engine), so every engine can share it.

Candidates within an edit distance come from symspellpy, the Python port of
SymSpell's symmetric-delete index (MIT, no dependencies): a lookup costs well
under a millisecond on ~70k words, where generating every edit of the query
word and probing a dictionary costs tens. Every public call is bounded: few
words, a maximum word length, and a ``deadline`` checked between words, so a
hostile query of made-up words costs milliseconds.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from symspellpy import SymSpell, Verbosity

from .analysis import STOPWORDS, TOKEN_PATTERN, fold, stem

log = logging.getLogger(__name__)

# A word longer than this is no misspelling of a news word (the longest common
# ones are ~20 letters); it is skipped, which also bounds the cost of a lookup.
MAX_WORD_LENGTH = 24
# Shorter words have too many neighbours at distance 2 ("of" is one edit from
# "on", "off", "or", ...): 3-4 letters get one edit, 1-2 letters none.
MIN_WORD_LENGTH = 3
MAX_DISTANCE = 2
# Words looked at per query: a sentence pasted as a query is not spell-checked
# word by word past this, and 80 made-up words cost the same as 8.
MAX_QUERY_WORDS = 8
# symspellpy compares the first PREFIX_LENGTH letters of the deletes: 7 is its
# default and keeps the index to ~8 deletes' worth of memory per word.
PREFIX_LENGTH = 7
# Words seen in only one article are mostly names and typos (about half of a
# news vocabulary): they count as known words but are never offered as
# corrections, which halves the index's build time and memory.
MIN_CANDIDATE_COUNT = 2
# A word the index holds can still be a typo ("goverment" is in 8 of 21k news
# articles, "occured" in 4 against 102): offer a one-edit neighbour that many
# times more frequent. Known typos in BBC + Reuters sit 25-300x below the
# right word; real words near a commoner one ("labor", "blare") mostly below
# 20x or further away. A word in a single article may also be two edits from
# the right one ("basicly"), with a stricter ratio.
KNOWN_WORD_RATIO = 20
KNOWN_WORD_RATIO_2 = 50
# A word not in the vocabulary whose stem finds paragraphs is a real
# inflection far more often than a typo ("blaming" where articles say
# "blame"), so only a correction two orders of magnitude more frequent than
# the stem is forced: a typo whose stem collides with a rare word's
# ("goverment" and "governess" both stem to "gover"). The stem is counted in
# paragraphs and the correction in articles, so the rule errs towards keeping
# the word as typed.
STEM_FOUND_RATIO = 100
# A candidate this rare may be a typo the corpus repeats ("tommorrow").
TYPO_MAX_COUNT = 5
MAX_COMPLETIONS_SCANNED = 20_000
MAX_EXPANSIONS = 50

_WORD = re.compile(TOKEN_PATTERN)
# Parts of a query the speller must leave alone: quoted phrases (a final open
# quote runs to the end), and whitespace-separated chunks.
_QUERY_PART = re.compile(r'"[^"]*(?:"|$)|[^\s"]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})
_SYNTAX_CHARS = frozenset(":*?~^[]{}")


@dataclass(frozen=True)
class Correction:
    """A suggested replacement for one word.

    ``known`` tells whether the word as typed is in the vocabulary at all:
    an unknown word can be replaced at once ("Showing results for ..."), a
    known but rare one only offered ("Did you mean ...").
    """

    word: str  # as typed
    suggestion: str  # in the typed word's case
    distance: int
    count: int  # document frequency of the suggestion
    known: bool


@dataclass(frozen=True)
class QueryCorrection:
    """A query with its misspelt words replaced; ``changed`` lists what was replaced."""

    text: str
    changed: tuple[Correction, ...]

    def __iter__(self) -> Iterator[str | tuple[Correction, ...]]:
        """Unpacks as ``corrected_text, changed_words = speller.correct_query(text)``."""
        return iter((self.text, self.changed))


def keep_case(typed: str, word: str) -> str:
    """``word`` in the case the user typed: "Goverment" -> "Government"."""
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _allowed_distance(word: str, max_distance: int = MAX_DISTANCE) -> int:
    if len(word) < MIN_WORD_LENGTH:
        return 0
    if len(word) <= 4:
        return min(1, max_distance)
    return max_distance


def _worth_making(
    fix: Correction | None, word: str, found: Callable[[str], int] | None
) -> Correction | None:
    """The correction, unless it would search what the word finds already (see correct_query).

    A word whose stem is indexed is kept (the correction only offered) unless
    the correction is STEM_FOUND_RATIO times more frequent than that stem:
    "relaxation" (stem in many paragraphs) and "blaming" (stem "blame") stay,
    while "goverment", whose stem "gover" only one "governess" shares, is
    corrected to "government", in 481 BBC articles.
    """
    if fix is None or stem(fold(fix.suggestion)) == stem(fold(word)):
        return None
    if not fix.known and found is not None:
        own = found(word)
        if own and fix.count < STEM_FOUND_RATIO * own:
            return replace(fix, known=True)  # offered when results are thin, never forced
    return fix


def _correctable(word: str) -> bool:
    """A word worth a lookup: letters only (no numbers, codes or "u.s"), not too long."""
    return MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH and word.isalpha()


class Speller:
    """Corrections, fuzzy expansions and completions over one vocabulary.

    Build with ``from_counts``; the object is read-only afterwards, so one
    instance serves every thread of a server.
    """

    def __init__(
        self,
        words: Mapping[str, int],
        phrases: Mapping[str, int] | None = None,
        min_candidate_count: int = MIN_CANDIDATE_COUNT,
    ) -> None:
        self.words: dict[str, int] = {w: c for w, c in words.items() if c > 0}
        self.phrases: dict[str, int] = {p: c for p, c in (phrases or {}).items() if c > 0}
        self._symspell = SymSpell(
            max_dictionary_edit_distance=MAX_DISTANCE,
            prefix_length=PREFIX_LENGTH,
            count_threshold=1,
        )
        candidates = [
            (w, c)
            for w, c in self.words.items()
            if c >= min_candidate_count and len(w) <= MAX_WORD_LENGTH and w.isalpha()
        ]
        for word, count in candidates:
            self._symspell.create_dictionary_entry(word, count)
        # Sorted lists for prefix completion by bisection; every word completes
        # (a name seen once is still what someone may be typing), most frequent first.
        self._sorted_words = sorted(
            w for w in self.words if len(w) <= MAX_WORD_LENGTH and not w.isdigit()
        )
        self._sorted_phrases = sorted(self.phrases)
        self._completions: dict[tuple[str, int], tuple[str, ...]] = {}

    @classmethod
    def from_counts(
        cls, counts: Mapping[str, int], phrases: Mapping[str, int] | None = None
    ) -> Speller:
        """A speller over surface words (folded) and their document frequencies.

        ``phrases`` maps two-word phrases ("prime minister") to theirs, for
        ``suggest_queries``.
        """
        return cls(counts, phrases)

    def __len__(self) -> int:
        return len(self.words)

    def count(self, word: str) -> int:
        """Document frequency of a surface word (any case); 0 when unknown."""
        return self.words.get(fold(word), 0)

    # -- corrections -----------------------------------------------------------

    def _candidates(self, folded: str, max_distance: int) -> list[tuple[str, int, int]]:
        """(word, distance, count) within ``max_distance``, the word itself excluded."""
        if max_distance <= 0:
            return []
        found = self._symspell.lookup(folded, Verbosity.ALL, max_distance)
        return [(s.term, s.distance, s.count) for s in found if s.term != folded]

    def correct(self, word: str) -> Correction | None:
        """The best correction of one word, or None when it needs none or has none.

        An unknown word gets the most likely word within two edits (one for
        words of 3-4 letters): fewer edits first, then the more frequent, with
        a much more frequent word two edits away beating a rare one at one
        edit. A known word gets a correction only when a one-edit neighbour is
        KNOWN_WORD_RATIO times more frequent ("goverment" -> "government"), or,
        for a word in one article, a two-edit one KNOWN_WORD_RATIO_2 times.
        """
        found = self.suggestions(word, 1)
        return found[0] if found else None

    def suggestions(self, word: str, limit: int = 5) -> list[Correction]:
        """The ``correct`` candidates of one word, most likely first (at most ``limit``)."""
        folded = fold(word)
        if not _correctable(folded) or limit <= 0:
            return []
        own = self.words.get(folded, 0)
        if own:
            found = self._known_candidates(folded, own)
        else:
            found = self._candidates(folded, _allowed_distance(folded))
        ranked = heapq.nlargest(limit, found, key=lambda c: _score(folded, c))
        out: list[Correction] = []
        for term, distance, count in ranked:
            # A rare candidate may itself be a typo the corpus repeats
            # ("tommorow" is one edit from "tommorrow", in 5 articles, and two
            # from "tomorrow", in 409): the word it is a typo of comes first.
            if own == 0 and count <= TYPO_MAX_COUNT:
                better = self._known_candidates(term, count, max_distance=1)
                if better:
                    b_term, _, b_count = max(better, key=lambda c: _score(term, c))
                    _add(out, Correction(word, keep_case(word, b_term), distance, b_count, False))
            _add(out, Correction(word, keep_case(word, term), distance, count, own > 0))
        return out[:limit]

    def _known_candidates(
        self, folded: str, own: int, max_distance: int = MAX_DISTANCE
    ) -> list[tuple[str, int, int]]:
        """Corrections of a word the vocabulary holds: far more frequent neighbours only."""
        if folded in STOPWORDS or not _correctable(folded):
            return []
        reach = min(max_distance, _allowed_distance(folded), 2 if own == 1 else 1)
        return [
            c
            for c in self._candidates(folded, reach)
            if c[2] >= (KNOWN_WORD_RATIO if c[1] == 1 else KNOWN_WORD_RATIO_2) * own
        ]

    def correct_query(
        self,
        text: str,
        include_known: bool = False,
        deadline: float | None = None,
        max_words: int = MAX_QUERY_WORDS,
        found: Callable[[str], int] | None = None,
    ) -> QueryCorrection:
        """The query with its misspelt words corrected, and what changed.

        Quoted phrases, field prefixes (``title:``), operators (AND, OR, NOT),
        wildcard and fuzzy words (``asyl*``, ``word~``) and known words stay
        as typed; ``include_known`` also replaces known but rare words (for a
        "did you mean" offer rather than an automatic correction). At most
        ``max_words`` words are looked at, and none after ``deadline``
        (a ``time.monotonic()`` value).

        ``found`` tells how many paragraphs a word as typed finds in the index
        (its stem's document frequency): such a word is no misspelling even
        when the vocabulary lacks its surface form ("comprised" where articles
        say "comprise"), and correcting it would only swap a word that matches
        for one that may not ("relaxation" -> "reclamation"), unless the
        correction is far more frequent, as for a known word. A suggestion
        with the typed word's stem is never made: it finds the same articles.
        """
        out: list[str] = []
        changed: list[Correction] = []
        looked = 0
        pos = 0
        for part in _QUERY_PART.finditer(text):
            out.append(text[pos : part.start()])
            pos = part.end()
            chunk = part.group()
            if (
                chunk.startswith('"')
                or chunk in _OPERATORS
                or _SYNTAX_CHARS.intersection(chunk)
                or looked >= max_words
                or _past(deadline)
            ):
                out.append(chunk)
                continue
            pieces: list[str] = []
            last = 0
            for m in _WORD.finditer(chunk):
                pieces.append(chunk[last : m.start()])
                last = m.end()
                word = m.group()
                fix = None
                if looked < max_words and not _past(deadline):
                    looked += 1
                    fix = self.correct(word)
                    fix = _worth_making(fix, word, found)
                if fix is not None and (include_known or not fix.known):
                    changed.append(fix)
                    pieces.append(fix.suggestion)
                else:
                    pieces.append(word)
            pieces.append(chunk[last:])
            out.append("".join(pieces))
        out.append(text[pos:])
        return QueryCorrection("".join(out), tuple(changed))

    # -- fuzzy expansion -------------------------------------------------------

    def expand_fuzzy(
        self, word: str, max_distance: int = 1, limit: int = MAX_EXPANSIONS
    ) -> list[str]:
        """Surface words within ``max_distance`` edits of ``word``, most frequent first.

        The word itself leads when the vocabulary has it. The caller stems
        these: ``goverment~`` becomes government, govern... never "rover".
        """
        folded = fold(word)
        if not folded or len(folded) > MAX_WORD_LENGTH:
            return []
        max_distance = max(0, min(max_distance, MAX_DISTANCE))
        found = self._candidates(folded, max_distance) if folded.isalpha() else []
        found.sort(key=lambda c: (-c[2], c[1], c[0]))
        out = [folded] if folded in self.words else []
        out.extend(term for term, _, _ in found)
        return out[: max(0, limit)]

    # -- completion ------------------------------------------------------------

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        """Words starting with ``prefix`` (folded), most frequent first.

        For search-as-you-type: ``myanm`` -> ["myanmar"]. The scan is bounded
        (MAX_COMPLETIONS_SCANNED words), so a one-letter prefix stays cheap.
        """
        folded = fold(prefix)
        if not folded or len(folded) > MAX_WORD_LENGTH or limit <= 0:
            return []
        return list(self._complete(folded, limit))

    def _complete(self, folded: str, limit: int) -> tuple[str, ...]:
        # Cached per speller (not functools.lru_cache, whose class-wide cache
        # would keep every replaced speller alive): a live search asks for the
        # same short prefixes again and again.
        key = (folded, limit)
        best = self._completions.get(key)
        if best is None:
            words = _prefix_range(self._sorted_words, folded)
            best = tuple(heapq.nlargest(limit, words, key=lambda w: (self.words[w], -len(w))))
            if len(self._completions) >= 4096:
                self._completions.clear()
            self._completions[key] = best
        return best

    def _complete_phrases(self, first: str, prefix: str, limit: int) -> list[str]:
        """Phrases "first X" with X starting with ``prefix``, most frequent first."""
        found = _prefix_range(self._sorted_phrases, f"{first} {prefix}")
        return heapq.nlargest(limit, found, key=lambda p: self.phrases[p])

    def suggest_queries(
        self, text: str, limit: int = 8, deadline: float | None = None
    ) -> list[str]:
        """Whole query strings completing ``text``, most useful first (for /api/suggest).

        The last word, when not yet followed by a space, is completed: first
        as the second word of a known two-word phrase with the word before it
        ("prime min" -> "prime minister"), then as a word on its own, then as
        the first word of a phrase ("diplo" -> "diplomatic", "diplomat", ...,
        "diplomatic relations"). After a space, the next word of a frequent
        phrase is offered. Inside an open quote a suggestion closes the phrase.
        A last word with no completion gets its spelling correction.
        """
        if limit <= 0 or len(text) > 500:
            return []
        stripped = text.rstrip()
        if not stripped:
            return []
        in_quote = text.count('"') % 2 == 1
        trailing_space = text != stripped
        words = list(_WORD.finditer(stripped))
        if not words:
            return []
        last = words[-1]
        if last.end() != len(stripped):  # ends in punctuation or an operator: nothing to add
            return []
        head_text = stripped[: last.start()]
        if head_text and not head_text[-1].isspace() and head_text[-1] not in '"(+-':
            return []  # a field prefix (title:) or a joined word: leave it to the user
        typed = last.group()
        folded = fold(typed)
        if len(folded) > MAX_WORD_LENGTH:
            return []
        prev = fold(words[-2].group()) if len(words) > 1 else None
        # A word before the last one, in the same quote or chunk of plain words.
        if prev is not None and stripped[words[-2].end() : last.start()].strip():
            prev = None

        completions: list[str] = []  # surface forms of the last word (or phrases)
        if trailing_space:
            # The word is finished: offer the next word of a frequent phrase.
            nexts = self._complete_phrases(folded, "", limit)
            completions = [p.split(" ", 1)[1] for p in nexts]
            base = stripped + " "
            results = [base + w for w in completions]
            return _finish(results, in_quote, limit)
        seen: set[str] = set()
        if prev is not None:
            for phrase in self._complete_phrases(prev, folded, limit):
                word = phrase.split(" ", 1)[1]
                if word not in seen:
                    seen.add(word)
                    completions.append(word)
        if completions or _past(deadline):
            # The words before it and the word being typed make a known phrase: only
            # phrases, not the word's other completions beside them ("prime min" is
            # "prime minister", never "prime minutes", which no article says).
            return _finish([head_text + keep_case(typed, w) for w in completions], in_quote, limit)
        singles = self.complete(folded, limit)
        if not singles and not _past(deadline):
            # A typo in the word being typed; a shorter word is no completion
            # of it ("myanm" is not "many").
            fix = self.correct(typed)
            if fix is not None and len(fix.suggestion) >= len(typed):
                singles = [fold(fix.suggestion)]
        phrase_starts: list[str] = []
        for word in singles[:3] if prev is None else ():
            for phrase in self._complete_phrases(word, "", 2):
                if self.phrases[phrase] >= 2:
                    phrase_starts.append(phrase)
        ranked = sorted(
            [(self.words.get(w, 0), w) for w in singles]
            + [(self.phrases[p], p) for p in phrase_starts],
            key=lambda item: -item[0],
        )
        for _, word in ranked:
            if word not in seen:
                seen.add(word)
                completions.append(word)
        return _finish([head_text + keep_case(typed, w) for w in completions], in_quote, limit)


def _add(out: list[Correction], fix: Correction) -> None:
    if all(c.suggestion != fix.suggestion for c in out):
        out.append(fix)


def _finish(results: Iterable[str], in_quote: bool, limit: int) -> list[str]:
    out: list[str] = []
    for r in results:
        if in_quote:
            r += '"'
        if r not in out:
            out.append(r)
        if len(out) >= limit:
            break
    return out


def _prefix_range(sorted_items: list[str], prefix: str) -> list[str]:
    """The items starting with ``prefix``, at most MAX_COMPLETIONS_SCANNED of them."""
    lo = bisect.bisect_left(sorted_items, prefix)
    hi = bisect.bisect_left(sorted_items, prefix + "\U0010ffff", lo)
    return sorted_items[lo : min(hi, lo + MAX_COMPLETIONS_SCANNED)]


def _score(typed: str, candidate: tuple[str, int, int]) -> float:
    """How likely ``candidate`` is what was meant: a small noisy-channel model.

    log(frequency) is the prior; each edit costs about as much as a factor of
    e^5 (~150) in frequency, so a common word two edits away can beat a rare
    one at one edit, but not an equally common one. The rest are cheap,
    reliable signals from how people mistype: the first and last letters are
    seldom wrong, and a letter left out ("wich", "happend", "finaly") is more
    common than one put in or changed, so a candidate longer than the typed
    word costs nothing extra and a shorter one ("basic" for "basicly") costs
    the most.
    """
    term, distance, count = candidate
    score = math.log(count) - 5.0 * distance
    if term[:1] == typed[:1]:
        score += 2.0
    if term[-1:] == typed[-1:]:
        score += 1.0
    extra = len(term) - len(typed)
    if extra == 0:
        score -= 0.5
    elif extra < 0:
        score += 1.5 * extra  # for each letter the user would have had to add
    return score


__all__ = ["Correction", "QueryCorrection", "Speller", "keep_case"]
