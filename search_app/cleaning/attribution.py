"""Who published an article and who wrote it, from the names a page states.

Publishers name themselves in many places that are not their name: an
``og:site_name`` holding a tagline ("Expert how-to for English Riders") or a
list of topics ("Autoracing | F1 | Indy"), a JSON-LD author that is the site
itself, a byline with a job title glued on. The checks here are general:
a name is short and title-cased, a tagline reads like a sentence, and the
site's own domain ("autoracing.com.br") tells which part of a compound is the
name. Plain text has no markup, so the boilerplate the cleaner removed is read
instead ("CNN welcomes a lively and courteous discussion"): only removed
blocks count, never the story, where "told CNN" names a channel, not the
publisher.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..models import Removed

# Words that stay lower case inside a proper name ("Center for Climate and
# Energy Solutions", "Body by Bikini", "Remember me de la Nuit").
_CONNECTORS = frozenset(
    "of and the for in on at by to from with a an de la le les du des der die das den "
    "van von da del di y e et und & 's".split()
)
# Separators between a site's name and its tagline or section ("Site | Tagline",
# "Site - Tagline", "Headline: Subtitle").
_PARTS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022/-]\s+|\s*\|\s*|:\s+")
_MARKS = re.compile("[\u2122\u00ae\u00a9\u2120]")  # ™ ® © ℠
_EDGE = " \t|-\u2013\u2014\u00b7\u2022:;,/"
_NAME_MAX_CHARS = 60  # longer than "Harvard T.H. Chan School of Public Health"
_NAME_MAX_WORDS = 8
# Host prefixes that say how a site is served, not whose it is.
_SERVING_PREFIXES = ("www.", "www2.", "m.", "mobile.", "amp.")
# Second-level labels that are part of a country's suffix ("bbc.co.uk", "abc.net.au").
_SUFFIX_LABELS = frozenset("co com org net gov ac edu ne or go gob mil nic ltd plc".split())


def fold(text: str) -> str:
    """Letters and digits only, accents and case folded: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if ch.isalnum())


def tidy(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    text = _MARKS.sub("", text)
    return re.sub(r"\s+", " ", text).strip(_EDGE)


def readable_host(url: str | None) -> str | None:
    """The URL's host as people write it: "https://www.bbc.co.uk/x" -> "bbc.co.uk"."""
    try:
        host = (urlsplit(url).hostname or "").lower() if url else ""
    except ValueError:  # "http://a.c[om/": no host anyone could name
        return None
    for prefix in _SERVING_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    return host or None


def host_labels(url: str | None) -> tuple[str, ...]:
    """The host's own labels, folded, without the public suffix: "detroit.cbslocal.com"
    -> ("detroit", "cbslocal")."""
    host = readable_host(url)
    if not host or re.fullmatch(r"[\d.]+|\[.*\]", host):
        return ()
    labels = host.split(".")[:-1]
    if len(labels) >= 2 and labels[-1] in _SUFFIX_LABELS:
        labels = labels[:-1]
    return tuple(f for f in (fold(label) for label in labels) if f)


def _acronym(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[^\W_]+", text.lower()) if w not in _CONNECTORS)


def matches_site(text: str, labels: Iterable[str]) -> bool:
    """Whether a name is the site's, judged by its host ("The White Coat Investor" on
    whitecoatinvestor.com, "NCSC" spelled out on ncsc.gov.uk, "Express.co.uk" on express)."""
    name = fold(text)
    if not name:
        return False
    for label in labels:
        if name in (label, "the" + label) or (len(label) >= 3 and _acronym(text) == label):
            return True
        short, long = sorted((name, label), key=len)
        if len(short) >= 4 and long.startswith(short) and len(short) * 2 >= len(long):
            return True
    return False


def _site_span(text: str, labels: tuple[str, ...]) -> str | None:
    """The run of words in ``text`` that spells the site's host label ("Aidoc" in
    "Aidoc Always-on AI" on aidoc.com)."""
    if not labels:
        return None
    words = text.split()
    for i in range(len(words)):
        for j in range(min(len(words), i + 6), i, -1):
            span = " ".join(words[i:j]).strip(_EDGE)
            folded = fold(span)
            if folded and any(folded in (label, "the" + label) for label in labels):
                return span
    return None


def name_like(text: str) -> bool:
    """Short and title-cased, as names are; a tagline or a headline reads as a sentence."""
    words = text.split()
    if not words or len(words) > _NAME_MAX_WORDS or len(text) > _NAME_MAX_CHARS:
        return False
    if text.count(",") >= 2 or text.endswith(("!", "?")):
        return False
    if text.endswith(".") and len(words[-1]) > 5 and words[-1].count(".") == 1:
        return False  # "We help you ride better.": a sentence ("Inc.", "Co.", "T.H." are not)
    for word in words:
        core = word.strip("\"'()[]{},;:.!?\u201c\u201d\u2018\u2019")
        if not core or core.lower() in _CONNECTORS or any(ch.isdigit() for ch in core):
            continue
        if "." in core or any(ch.isupper() for ch in core):
            continue  # "neptune.ai", "eBay", "Healthline"
        if any(ch.isalpha() and ch.lower() != ch.upper() for ch in core):
            return False  # a lower-case word that is no connector: a sentence
    return True


def site_name(candidate: str | None, url: str | None, title: str | None = None) -> str | None:
    """A publisher's name from a stated site name, or None when it is a tagline or a title.

    The site's host decides first: a candidate that spells it is the name
    whatever it looks like ("What is Smart Energy?"); in a compound ("Site |
    Tagline") the part that spells it is the name, and a compound with no such
    part is a headline or a tagline. Otherwise a candidate must look like a name.
    """
    if not candidate:
        return None
    text = tidy(candidate)
    if not text or len(text) > 300:
        return None
    labels = host_labels(url)
    parts = [p for p in (tidy(p) for p in _PARTS.split(text)) if p]
    if len(parts) == 1 and matches_site(text, labels):
        return text
    if title and fold(text) == fold(title):
        return None  # the headline, put where the site's name belongs
    if len(parts) > 1:
        for part in parts:
            if matches_site(part, labels):
                return part
        for part in parts:
            span = _site_span(part, labels)
            if span:
                return span
        return None
    if name_like(text):
        return text
    return _site_span(text, labels)


# --- Publishers named by removed boilerplate (plain text) -------------------------------

_WORD = r"[A-Z0-9][\w&.'\u2019-]*"
_NAME = r"(?P<name>(?:The |the )?" + _WORD + r"(?: (?:" + _WORD + r"|of|and|&|de|for)){0,5})"
# Each names the publisher in a block the cleaner removed. Case matters in the
# name (it must be capitalised) but not in the words around it.
_BOILERPLATE_PUBLISHER = (
    # "CNN welcomes a lively and courteous discussion as long as ..."
    re.compile(
        r"^"
        + _NAME
        + r" (?i:welcomes|encourages|invites) (?i:a |an |your )?"
        + r"(?i:lively|comments?|discussion|respectful|civil|open)"
    ),
    # "Subscribe to The Jerusalem Post Newsletter", "Sign up for the Guardian's newsletters"
    re.compile(
        r"(?i:subscribe|sign up|sign-up|signup|register)(?i: now)? (?i:to|for) (?:the )?"
        + _NAME
        + r"(?:'s|\u2019s)? (?i:(?:daily |weekly |morning |evening |free |e-?mail )?newsletters?)\b"
    ),
    # "Download the CNN app", "Get the BBC News app"
    re.compile(r"^(?i:download|get|install) (?i:the )" + _NAME + r" (?i:apps?)\b"),
    # "© 2021 The Jerusalem Post. All rights reserved."
    re.compile(
        r"^(?:\u00a9|\((?i:c)\)|(?i:copyright))(?: \u00a9)? ?(?:\d{4}(?: ?[-\u2013] ?\d{4})?,? )?"
        + _NAME
        + r"(?:,? (?i:inc|ltd|llc|plc)\.?)?(?:\.|,)? (?i:all rights reserved)"
    ),
)
# Words that name a newsletter or an app, not who publishes it.
_GENERIC = frozenset(
    "the our daily weekly morning evening breaking latest top best free news email e-mail "
    "newsletter newsletters app apps us this".split()
)


def _publisher_name(raw: str) -> str | None:
    name = re.sub(r"['\u2019]s$", "", raw.strip(" .,")).strip(" .,'\u2019")
    words = name.split()
    while words and words[-1].lower() in _CONNECTORS:
        words.pop()
    if not words or all(w.lower() in _GENERIC for w in words):
        return None
    return " ".join(words)


def publisher_from_removed(removed: Iterable[Removed]) -> str | None:
    """The publisher named by boilerplate the cleaner removed, if any names one.

    Only removed blocks are read: a story's own text ("told CNN", "reviewed by
    Reuters") names channels and agencies, not who published it; and contributor
    lines ("Reuters contributed to this report") name helpers.
    """
    for block in removed:
        if block.category in ("contributors", "caption", "title"):
            continue
        text = re.sub(r"\s+", " ", block.text).strip()
        for pattern in _BOILERPLATE_PUBLISHER:
            match = pattern.search(text)
            if match:
                name = _publisher_name(match.group("name"))
                if name:
                    return name
    return None


# --- Authors ---------------------------------------------------------------------------

_BYLINE_LEAD = re.compile(
    r"^\W*(?:(?:analysis|opinion|commentary|review|story|words|text|posted|written|reported|"
    r"published|compiled|interview)\s+)?by\s*:?\s+",
    re.IGNORECASE,
)
# Words that make a byline part a job or a date rather than a person; a name
# ends where one begins ("Michael Hiltzik Business Columnist"). Words that are
# also common surnames (Writer, Host, Anchor) are left out.
_ROLES = frozenset(
    "editor editors correspondent correspondents reporter reporters contributor contributors "
    "writers columnist director senior chief analyst producer updated "
    "published posted modified photographer editor-at-large admin administrator news wire "
    "services business political foreign health science sports technology tech economics "
    "contributing special associate managing executive deputy national investigative trending "
    "digital legal medical entertainment opinion is was has by written author authors view "
    "all posts more about profile follow read share our".split()
)
# A byline naming one of these is an organisation's, not a person's ("Editorial Team").
_TEAMS = frozenset("team staff desk editorial newsroom bureau agencies".split())
_MONTHS = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
    r"june|july|august|september|october|november|december)\.?$",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,5}|(?:[A-Z]\.){2,}[A-Z]?|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?)$")
_NAME_PARTICLES = frozenset("de la le du van von der den da del di bin al el ibn y".split())
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b)\s*")
_AUTHOR_CUT = re.compile(
    r"\s+(?:\||\u2014|\u2013|-|\u00b7|\u2022|/)\s+|\s+(?:on|at|updated|published)\s+", re.I
)
_AUTHOR_MAX_NAMES = 6
_BYLINE_MAX_CHARS = 400


def _person(part: str) -> str | None:
    """One person's name from a byline part, or None for a job title, credential or date."""
    words = part.split()
    if any(w.strip(".,").lower() in _TEAMS for w in words):
        return None
    kept: list[str] = []
    for i, word in enumerate(words):
        core = word.strip("\"'()[]{},;:\u201c\u201d")
        low = core.lower()
        following = words[i + 1] if i + 1 < len(words) else ""
        if (
            not core
            or low in _ROLES
            or (_MONTHS.match(core) and any(ch.isdigit() for ch in following))  # not "May"
            or any(ch.isdigit() for ch in core)
            or "@" in core
            or "/" in core
            or not any(ch.isalpha() for ch in core)
        ):
            break
        cased = [ch for ch in core if ch.lower() != ch.upper()]
        if cased and not any(ch.isupper() for ch in cased) and low not in _NAME_PARTICLES:
            break  # a lower-case word: a sentence, or a login such as "stephenlega"
        kept.append(core)
    # Trailing credentials ("Rachael Link MS", "Jeffrey A. Slotnick CPP") are not the name,
    # unless the whole name is set in capitals ("FEDERICA LUSIARDI").
    if not all(w.isupper() for w in kept):
        while len(kept) > 1 and _CREDENTIAL.match(kept[-1]):
            kept.pop()
    half = len(kept) // 2
    if half and kept[:half] == kept[half:]:
        kept = kept[:half]  # "Nicoletta Richardson Nicoletta Richardson": a name shown twice
    while kept and kept[-1].lower() in _NAME_PARTICLES:
        kept.pop()
    if not kept or len(kept) > 5 or (len(kept) == 1 and _CREDENTIAL.match(kept[0])):
        return None  # "CNN", "AP", "Sr.": an outlet or a title, not a person
    return " ".join(kept)


_COMPANY_ENDS = re.compile(r"(?:inc|ltd|llc|plc|gmbh|com|net|org|io|co|couk)$")


def same_name(a: str | None, b: str | None) -> bool:
    """ "Kong" and "Kong Inc.", "Buzzsprout" and "buzzsprout.com" name the same publisher."""
    if not a or not b:
        return False
    fa, fb = _COMPANY_ENDS.sub("", fold(a)), _COMPANY_ENDS.sub("", fold(b))
    return bool(fa) and fa in (fb, "the" + fb) or bool(fb) and fb == "the" + fa


def parse_byline(text: str | None, source: str | None = None) -> list[str]:
    """The people a byline or an author field names: "By Jane Roe and John Doe, CNN" ->
    ["Jane Roe", "John Doe"]. Job titles, credentials, dates and the publisher go."""
    if not text:
        return []
    # A byline is a line; a page that stuffs a whole text into its author tag gets its start.
    text = tidy(re.sub(r"\s+", " ", html.unescape(text[:_BYLINE_MAX_CHARS])))
    if re.match(r"^(?:https?:)?//|^www\.", text, re.I):
        return []  # article:author as a profile URL
    text = _BYLINE_LEAD.sub("", text)
    text = _AUTHOR_CUT.split(text, maxsplit=1)[0]
    if same_name(text, source):
        return []  # the site signing its own pages
    names: list[str] = []
    for part in _AUTHOR_SPLIT.split(text):
        person = _person(part.strip(_EDGE))
        if person is None:
            break  # a job title or a credential: what follows describes, it names no one
        if person not in names and not same_name(person, source):
            names.append(person)
    return names[:_AUTHOR_MAX_NAMES]


def organisation_author(name: str | None, source: str | None) -> list[str]:
    """An organisation named as author ("Center for Drug Evaluation and Research"),
    kept whole; none when it is the publisher itself."""
    text = tidy(name or "")
    if not text or not name_like(text) or same_name(text, source):
        return []
    return [text]


def join_names(names: Iterable[str]) -> str | None:
    unique: list[str] = []
    for name in names:
        if fold(name) not in {fold(n) for n in unique}:
            unique.append(name)
    return ", ".join(unique) or None


_BYLINE_REMOVED = re.compile(r"^\W*(?:[\w ]{0,20}\s)?by\s*:?\s+\S", re.IGNORECASE)


def author_from_removed(removed: Iterable[Removed], source: str | None = None) -> str | None:
    """The author of a "By NAME" line the cleaner removed (plain text and page bylines)."""
    for block in removed:
        if block.category != "meta":
            continue
        text = re.sub(r"\s+", " ", block.text).strip()
        if len(text) <= 160 and _BYLINE_REMOVED.match(text):
            names = parse_byline(text, source)
            if names:
                return join_names(names)
    return None


def publisher(
    stated: str | None, removed: Iterable[Removed], url: str | None, plain_text: bool
) -> str | None:
    """The article's source: the page's own site name, else boilerplate naming it, else
    the host.

    A page's host is firmer evidence than its boilerplate (a newsletter box may
    advertise a sister title), but plain text seldom has a URL, and its
    boilerplate is the only thing naming who published it.
    """
    if stated:
        return stated
    host = readable_host(url)
    if host and not plain_text:
        return host
    return publisher_from_removed(removed) or host
