"""Text-level rules, shared by plain text and HTML so both drop the same boilerplate.

HTML structure catches most page furniture, but captions, sign-up prompts and
comment headers also appear as bare paragraphs inside article bodies and in
plain-text dumps; one set of paragraph rules handles all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Removed
from .dedup import drop_repeats, normalise
from .rules import LineRule, Rules

_MIN_CAPTION_REPEAT = 20  # shorter paragraphs are too common to call a caption copy


@dataclass
class Filtered:
    paragraphs: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)


def first_match(text: str, rules: Rules, actions: tuple[str, ...]) -> LineRule | None:
    """The first line rule with one of ``actions`` that matches the paragraph."""
    for rule in rules.line_rules:
        if rule.action in actions and rule.matches(text):
            return rule
    return None


def apply_line_rules(paragraphs: list[str], rules: Rules) -> Filtered:
    """Drop boilerplate paragraphs, cut comment sections, keep contributor lines apart."""
    out = Filtered()
    for i, text in enumerate(paragraphs):
        rule = first_match(text, rules, ("drop", "cut", "contributors"))
        if rule is None:
            out.paragraphs.append(text)
        elif rule.action == "cut" and out.paragraphs:
            # A comment header: it and everything after it belong to the thread.
            out.removed.extend(Removed(t, rule.category, rule.name) for t in paragraphs[i:])
            break
        else:
            out.removed.append(Removed(text, rule.category, rule.name))
            if rule.action == "contributors":
                out.contributors.append(text)
    _drop_caption_repeats(out)
    _trim_last(out, rules)
    kept, repeats = drop_repeats(out.paragraphs)
    out.paragraphs = kept
    out.removed.extend(repeats)
    return out


def _drop_caption_repeats(out: Filtered) -> None:
    """A caption printed twice, once with its credit and once without, goes both times."""
    captions = [normalise(r.text) for r in out.removed if r.category == "caption"]
    if not captions:
        return
    kept = []
    for text in out.paragraphs:
        key = normalise(text)
        if len(key) >= _MIN_CAPTION_REPEAT and any(
            c.startswith(key) and len(key) * 2 >= len(c) for c in captions
        ):
            out.removed.append(Removed(text, "caption", "caption-repeat"))
        else:
            kept.append(text)
    out.paragraphs = kept


def _trim_last(out: Filtered, rules: Rules) -> None:
    """Cut a sign-off glued to the end of the last paragraph ("... said. Reuter")."""
    if not out.paragraphs:
        return
    last = out.paragraphs[-1]
    for rule in rules.line_rules:
        if rule.action != "trim" or len(last) > rule.max_chars:
            continue
        match = rule.pattern.search(last)
        if match and match.start() > 0:
            out.removed.append(Removed(match.group().strip(), rule.category, rule.name))
            out.paragraphs[-1] = last[: match.start()].rstrip()
            return
