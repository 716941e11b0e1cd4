"""Cleaning rules as named data, so a source's boilerplate is fixed without code.

The shipped rules live in ``rules.json`` beside this module; a user file of the
same shape adds rules, replaces shipped ones by name, or disables them. Every
rule is checked when loaded (like trafilatura's xpaths.py, whose rules are
combined by a helper that fails loudly): a bad regex, CSS selector, action or
key stops the load with a message naming the file and the rule, instead of a
rule that silently never matches.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector

from . import tree
from .errors import RulesError

log = logging.getLogger(__name__)

ACTIONS = ("drop", "cut", "contributors", "trim")
_TOP_KEYS = {
    "version",
    "description",
    "line_rules",
    "class_hints",
    "element_rules",
    "body_hints",
    "domains",
    "disable",
}
_DOMAIN_KEYS = {"line_rules", "element_rules", "class_hints", "body_hints"}
_DEFAULT_MAX_CHARS = 200  # boilerplate lines are short; a long paragraph is article text


@dataclass(frozen=True)
class LineRule:
    """A text pattern over one paragraph: shared by plain text and HTML."""

    name: str
    category: str
    action: str
    pattern: re.Pattern[str]
    max_chars: int

    def matches(self, text: str) -> bool:
        return len(text) <= self.max_chars and self.pattern.search(text) is not None


@dataclass(frozen=True)
class HintRule:
    """A pattern over the tokens of an element's class and id attributes."""

    name: str
    category: str
    pattern: re.Pattern[str]


_SIMPLE_PART = re.compile(
    r"""\.(?P<cls>[\w-]+)|\#(?P<id>[\w-]+)"""
    r"""|\[\s*(?P<attr>[\w:-]+)\s*(?:=\s*(?P<q>["']?)(?P<val>[^\]"']*)(?P=q)\s*)?\]"""
)
_SIMPLE_TAG = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*|\*)?")


@dataclass(frozen=True)
class Compound:
    """One selector without combinators: tag, classes, id and attribute tests."""

    tag: str | None
    classes: frozenset[str]
    ident: str | None
    attrs: tuple[tuple[str, str | None], ...]

    def matches(self, el: Any, classes: list[str]) -> bool:
        """Whether an lxml element, with these class names, matches."""
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.ident is not None and el.get("id") != self.ident:
            return False
        if self.classes and not self.classes.issubset(classes):
            return False
        for name, value in self.attrs:
            have = tree.attr(el, name)
            if have is None or (value is not None and have != value):
                return False
        return True


def _compile_simple(css: str) -> tuple[Compound, ...] | None:
    """The selector as compounds when it uses no combinators or pseudo-classes.

    Such selectors (nearly all cleaning rules) are tested per element in the
    one page walk; a compiled selector would walk the whole page again for each rule,
    which cost three quarters of the cleaning time.
    """
    compounds = []
    for alternative in css.split(","):
        text = alternative.strip()
        head = _SIMPLE_TAG.match(text)
        tag = head.group("tag") if head else None
        pos = head.end() if head else 0
        classes: set[str] = set()
        ident = None
        attrs: list[tuple[str, str | None]] = []
        while pos < len(text):
            part = _SIMPLE_PART.match(text, pos)
            if part is None:
                return None
            if part.group("cls"):
                classes.add(part.group("cls"))
            elif part.group("id"):
                ident = part.group("id")
            else:
                attrs.append((part.group("attr").lower(), part.group("val")))
            pos = part.end()
        if not text or (tag is None and not classes and ident is None and not attrs):
            return None
        tag = None if tag in (None, "*") else tag.lower()
        compounds.append(Compound(tag, frozenset(classes), ident, tuple(attrs)))
    return tuple(compounds)


@dataclass(frozen=True)
class ElementRule:
    """Elements to drop by tag name or CSS selector."""

    name: str
    category: str
    tags: frozenset[str] = frozenset()
    css: str | None = None
    selector: Any = None  # a compiled lxml CSSSelector when css is set
    simple: tuple[Compound, ...] | None = None  # the same selector, when it is simple

    def matches(self, el: Any) -> bool:
        """Whether one element matches (simple selectors and tag lists only)."""
        if el.tag in self.tags:
            return True
        classes = tree.classes(el)
        return self.simple is not None and any(c.matches(el, classes) for c in self.simple)


class SelectorIndex:
    """Simple-selector rules indexed by tag, class, id and attribute name.

    Looking an element up costs a few dict probes however many rules there are.
    """

    def __init__(self, rules: Iterable[ElementRule]) -> None:
        self.by_key: dict[tuple[str, str], list[tuple[int, Compound, ElementRule]]] = {}
        self.complex: list[ElementRule] = []
        for order, rule in enumerate(rules):
            if rule.css is not None and rule.simple is None:
                self.complex.append(rule)
            for compound in rule.simple or ():
                if compound.ident is not None:
                    key = ("id", compound.ident)
                elif compound.classes:
                    key = ("class", min(compound.classes))
                elif compound.attrs:
                    key = ("attr", compound.attrs[0][0])
                else:
                    key = ("tag", compound.tag or "*")
                self.by_key.setdefault(key, []).append((order, compound, rule))

    def _keys(self, el: Any, classes: list[str]) -> list[tuple[str, str]]:
        keys = [("tag", el.tag), ("tag", "*")]
        ident = el.get("id")
        if ident is not None:
            keys.append(("id", ident))
        keys.extend(("class", c) for c in classes)
        keys.extend(("attr", a) for a in el.attrib)
        return keys

    def match(self, el: Any, classes: list[str]) -> ElementRule | None:
        """The first rule (in rule order) whose simple selector matches the element."""
        if not self.by_key:
            return None
        best: tuple[int, ElementRule] | None = None
        for key in self._keys(el, classes):
            for order, compound, rule in self.by_key.get(key, ()):
                if (best is None or order < best[0]) and compound.matches(el, classes):
                    best = (order, rule)
        return best[1] if best else None

    def matching(self, el: Any, classes: list[str]) -> set[int]:
        """The id() of every rule whose simple selector matches the element."""
        if not self.by_key:
            return set()
        return {
            id(rule)
            for key in self._keys(el, classes)
            for _, compound, rule in self.by_key.get(key, ())
            if compound.matches(el, classes)
        }


@dataclass(frozen=True)
class DomainRules:
    line_rules: tuple[LineRule, ...] = ()
    element_rules: tuple[ElementRule, ...] = ()
    class_hints: tuple[HintRule, ...] = ()
    body_hints: tuple[ElementRule, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Every rule the cleaner applies; build with :func:`load_rules`."""

    line_rules: tuple[LineRule, ...]
    class_hints: tuple[HintRule, ...]
    element_rules: tuple[ElementRule, ...]
    body_hints: tuple[ElementRule, ...]
    domains: tuple[tuple[str, DomainRules], ...] = ()
    files: tuple[str, ...] = ()
    _hint_cache: dict[str, tuple[str, str] | None] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def for_url(self, url: str | None) -> Rules:
        """These rules plus the per-domain rules whose domain the URL's host is in."""
        if not url or not self.domains:
            return self
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:  # malformed (say, an unclosed "[" in the host): no domain rules
            return self
        extra = [d for name, d in self.domains if host == name or host.endswith("." + name)]
        if not extra:
            return self
        return Rules(
            line_rules=self.line_rules + tuple(r for d in extra for r in d.line_rules),
            class_hints=self.class_hints + tuple(r for d in extra for r in d.class_hints),
            element_rules=self.element_rules + tuple(r for d in extra for r in d.element_rules),
            body_hints=tuple(r for d in extra for r in d.body_hints) + self.body_hints,
            files=self.files,
        )

    def hint(self, token: str) -> tuple[str, str] | None:
        """(category, rule name) of the first class hint a class/id token matches."""
        try:
            return self._hint_cache[token]
        except KeyError:
            pass
        found = None
        for rule in self.class_hints:
            if rule.pattern.fullmatch(token):
                found = (rule.category, rule.name)
                break
        if len(self._hint_cache) < 50_000:  # class names are few; bound it anyway
            self._hint_cache[token] = found
        return found


def _fail(source: str, where: str, problem: str) -> RulesError:
    return RulesError(f"{source}: {where}: {problem}")


def _str(rule: Mapping[str, Any], key: str, source: str, where: str) -> str:
    value = rule.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, where, f"'{key}' must be a non-empty string")
    return value


def _check_keys(rule: Any, allowed: set[str], source: str, where: str) -> None:
    if not isinstance(rule, dict):
        raise _fail(source, where, "each rule must be a JSON object")
    unknown = set(rule) - allowed
    if unknown:
        raise _fail(source, where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _regex(pattern: str, source: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise _fail(source, where, f"bad regular expression {pattern!r}: {exc}") from None


def _line_rule(rule: Any, source: str, where: str) -> LineRule:
    _check_keys(rule, {"name", "category", "action", "pattern", "max_chars"}, source, where)
    name = _str(rule, "name", source, where)
    where = f"{where} {name!r}"
    action = rule.get("action", "drop")
    if action not in ACTIONS:
        raise _fail(source, where, f"action {action!r} is not one of {ACTIONS}")
    max_chars = rule.get("max_chars", _DEFAULT_MAX_CHARS)
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars <= 0:
        raise _fail(source, where, "'max_chars' must be a positive integer")
    return LineRule(
        name=name,
        category=_str(rule, "category", source, where),
        action=action,
        pattern=_regex(_str(rule, "pattern", source, where), source, where),
        max_chars=max_chars,
    )


def _hint_rule(rule: Any, source: str, where: str) -> HintRule:
    _check_keys(rule, {"name", "category", "pattern"}, source, where)
    name = _str(rule, "name", source, where)
    where = f"{where} {name!r}"
    return HintRule(
        name=name,
        category=_str(rule, "category", source, where),
        pattern=_regex(_str(rule, "pattern", source, where), source, where),
    )


BODY_KINDS = ("body", "container")  # exact article-body markers / elements that may hold more


def _element_rule(rule: Any, source: str, where: str, need_category: bool = True) -> ElementRule:
    _check_keys(rule, {"name", "category", "tags", "css"}, source, where)
    name = _str(rule, "name", source, where)
    where = f"{where} {name!r}"
    if need_category:
        category = _str(rule, "category", source, where)
    else:
        category = rule.get("category", "container")
        if category not in BODY_KINDS:
            raise _fail(source, where, f"a body hint's category must be one of {BODY_KINDS}")
    tags = rule.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise _fail(source, where, "'tags' must be a list of tag names")
    css = rule.get("css")
    if css is not None and (not isinstance(css, str) or not css.strip()):
        raise _fail(source, where, "'css' must be a non-empty string")
    if not tags and css is None:
        raise _fail(source, where, "needs 'tags' or 'css'")
    selector = None
    if css is not None:
        try:
            selector = CSSSelector(css, translator="html")
        except Exception as exc:  # cssselect raises SelectorSyntaxError, ExpressionError
            raise _fail(source, where, f"bad CSS selector {css!r}: {exc}") from None
    return ElementRule(
        name=name,
        category=category,
        tags=frozenset(t.lower() for t in tags),
        css=css,
        selector=selector,
        simple=_compile_simple(css) if css is not None else None,
    )


_BUILDERS = {
    "line_rules": _line_rule,
    "class_hints": _hint_rule,
    "element_rules": _element_rule,
    "body_hints": lambda r, s, w: _element_rule(r, s, w, need_category=False),
}


def _parse_list(data: Mapping[str, Any], key: str, source: str, prefix: str = "") -> list[Any]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise _fail(source, f"{prefix}{key}", "must be a list")
    built = [_BUILDERS[key](item, source, f"{prefix}{key}[{i}]") for i, item in enumerate(items)]
    seen: set[str] = set()
    for rule in built:
        if rule.name in seen:
            raise _fail(source, f"{prefix}{key} {rule.name!r}", "rule name used twice")
        seen.add(rule.name)
    return built


def _parse(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(source, "top level", "must be a JSON object")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(source, "top level", f"unknown key(s) {sorted(unknown)}")
    parsed: dict[str, Any] = {key: _parse_list(data, key, source) for key in _BUILDERS}
    domains = data.get("domains", {})
    if not isinstance(domains, dict):
        raise _fail(source, "domains", "must be an object of domain -> rules")
    parsed["domains"] = []
    for domain, block in domains.items():
        where = f"domains[{domain!r}]"
        if not isinstance(block, dict) or set(block) - _DOMAIN_KEYS:
            raise _fail(source, where, f"must be an object with keys among {sorted(_DOMAIN_KEYS)}")
        name = domain.lower().strip().removeprefix("www.")
        if not name or "/" in name:
            raise _fail(source, where, "must be a bare host name such as 'example.com'")
        lists = {key: tuple(_parse_list(block, key, source, f"{where}.")) for key in block}
        parsed["domains"].append((name, DomainRules(**lists)))
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise _fail(source, "disable", "must be a list of rule names")
    parsed["disable"] = disable
    return parsed


def _read(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise RulesError(f"{os.fspath(path)}: cannot read rules file: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{os.fspath(path)}: not valid JSON: {exc}") from None


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("rules.json").read_text(encoding="utf-8")
    return _parse(json.loads(text), "rules.json (shipped)")


def _merge(base: list[Any], extra: Iterable[Any]) -> list[Any]:
    """Extra rules replace same-named base rules in place; new ones are appended."""
    merged = list(base)
    index = {rule.name: i for i, rule in enumerate(merged)}
    for rule in extra:
        if rule.name in index:
            merged[index[rule.name]] = rule
        else:
            index[rule.name] = len(merged)
            merged.append(rule)
    return merged


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The shipped rules, parsed once per process."""
    return load_rules()


def load_rules(extra: str | os.PathLike[str] | None = None) -> Rules:
    """The shipped rules, plus the rules of a user file if one is given.

    :param extra: path of a JSON rules file with the shape of the shipped
        ``rules.json``. Its rules are added after the shipped ones; a rule with
        a shipped rule's name replaces it; ``"disable": [names]`` turns shipped
        rules off; ``"domains": {"example.com": {...}}`` adds rules for one
        site (and its subdomains) only.
    :raises RulesError: the file is unreadable, not JSON, or holds a bad rule;
        the message names the file and the rule.
    """
    base = _shipped()
    lists = {key: list(base[key]) for key in _BUILDERS}
    domains = list(base["domains"])
    files: tuple[str, ...] = ()
    if extra is not None:
        source = os.fspath(extra)
        user = _parse(_read(extra), source)
        known = {rule.name for key in _BUILDERS for rule in lists[key]}
        for name in user["disable"]:
            if name not in known:
                raise _fail(source, "disable", f"no shipped rule is named {name!r}")
        for key in _BUILDERS:
            kept = [rule for rule in lists[key] if rule.name not in user["disable"]]
            lists[key] = _merge(kept, user[key])
        domains += user["domains"]
        files = (source,)
        log.info("loaded cleaning rules from %s", source)
    return Rules(
        line_rules=tuple(lists["line_rules"]),
        class_hints=tuple(lists["class_hints"]),
        element_rules=tuple(lists["element_rules"]),
        body_hints=tuple(lists["body_hints"]),
        domains=tuple(domains),
        files=files,
    )
