"""Publication dates as news pages write them, made timezone-aware.

News dates come as ISO 8601 in metadata, RFC 2822 in feeds, and prose at the
top of stories ("July 13th, 2011" / "05:58 PM ET"). A date without a zone is
taken as UTC so every stored date compares with every other one.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

# Abbreviations news sites print after times. The named zones give the right
# offset whether or not daylight saving applied that day (sites print "EST" in
# July); the fixed offset is the fallback when the tz database is missing.
_ZONES: dict[str, tuple[str, int]] = {
    "ET": ("America/New_York", -5 * 60),
    "EST": ("America/New_York", -5 * 60),
    "EDT": ("America/New_York", -4 * 60),
    "CT": ("America/Chicago", -6 * 60),
    "CST": ("America/Chicago", -6 * 60),
    "CDT": ("America/Chicago", -5 * 60),
    "MT": ("America/Denver", -7 * 60),
    "MST": ("America/Denver", -7 * 60),
    "MDT": ("America/Denver", -6 * 60),
    "PT": ("America/Los_Angeles", -8 * 60),
    "PST": ("America/Los_Angeles", -8 * 60),
    "PDT": ("America/Los_Angeles", -7 * 60),
    "AKST": ("America/Anchorage", -9 * 60),
    "HST": ("Pacific/Honolulu", -10 * 60),
    "GMT": ("UTC", 0),
    "UTC": ("UTC", 0),
    "UT": ("UTC", 0),
    "Z": ("UTC", 0),
    "BST": ("Europe/London", 60),
    "WET": ("Europe/Lisbon", 0),
    "WEST": ("Europe/Lisbon", 60),
    "CET": ("Europe/Paris", 60),
    "CEST": ("Europe/Paris", 120),
    "EET": ("Europe/Athens", 120),
    "EEST": ("Europe/Athens", 180),
    "MSK": ("Europe/Moscow", 180),
    "IST": ("Asia/Kolkata", 330),  # India in news; Irish summer time is written BST/IST rarely
    "PKT": ("Asia/Karachi", 300),
    "SGT": ("Asia/Singapore", 480),
    "HKT": ("Asia/Hong_Kong", 480),
    "JST": ("Asia/Tokyo", 540),
    "KST": ("Asia/Seoul", 540),
    "AEST": ("Australia/Sydney", 600),
    "AEDT": ("Australia/Sydney", 660),
    "NZST": ("Pacific/Auckland", 720),
    "NZDT": ("Pacific/Auckland", 780),
}

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAYNAME = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_ORD = r"(?:st|nd|rd|th)?"
_DATE_MDY = _DAYNAME + _MONTH + r"\s+(?P<day>\d{1,2})" + _ORD + r",?\s+(?P<year>(?:19|20)\d\d)"
_DATE_DMY = (
    _DAYNAME
    + r"(?P<day>\d{1,2})"
    + _ORD
    + r"\s+(?:of\s+)?"
    + _MONTH
    + r",?\s+(?P<year>(?:19|20)\d\d)"
)
_DATE_ISO = r"(?P<year>(?:19|20)\d\d)[-/.](?P<mnum>\d{1,2})[-/.](?P<day>\d{1,2})"
_TZ = r"(?P<tz>" + "|".join(sorted(_ZONES, key=len, reverse=True)) + r"|[+-]\d\d:?\d\d)"
_TIME = (
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d\d)(?::(?P<second>\d\d))?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*\(?(?:GMT|UTC)?" + _TZ + r"\)?)?"
)
_DATE_RES = [re.compile(p, re.IGNORECASE) for p in (_DATE_MDY, _DATE_DMY, _DATE_ISO)]
_TIME_RE = re.compile(r"(?<![\w:])" + _TIME + r"(?![\w:])", re.IGNORECASE)
# Words that may surround a date on a dateline ("Updated 5:58 PM ET, Wed July 13, 2011").
_FILLER = re.compile(
    r"^(?:(?:updated|published|posted|last|modified|first|on|at|date|time|am|pm|"
    r"gmt|utc)\b|[\s,;:|/.()\u2013\u2014-])*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=64)
def zone(abbr: str) -> tzinfo:
    """The tzinfo for a zone abbreviation or a "+05:30" offset."""
    abbr = abbr.upper()
    if abbr[0] in "+-":
        sign = -1 if abbr[0] == "-" else 1
        digits = abbr[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    name, minutes = _ZONES[abbr]
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # no tz database (bare Windows): a fixed offset will do
        log.warning("time zone %s not found; using a fixed offset for %s", name, abbr)
        return timezone(timedelta(minutes=minutes))


def aware(dt: datetime, tz: tzinfo = UTC) -> datetime:
    """The datetime itself if it has a zone, else the same wall time in ``tz``."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def _from_match(date: re.Match[str], time: re.Match[str] | None) -> datetime | None:
    parts = date.groupdict()
    month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS[parts["month"].lower()]
    hour = minute = second = 0
    tz: tzinfo = UTC
    if time is not None:
        hour = int(time["hour"])
        minute = int(time["minute"] or 0)
        second = int(time["second"] or 0)
        ampm = (time["ampm"] or "").lower()[:1]
        if ampm == "p" and hour < 12:
            hour += 12
        elif ampm == "a" and hour == 12:
            hour = 0
        if time["tz"]:
            tz = zone(time["tz"])
    try:
        return datetime(int(parts["year"]), month, int(parts["day"]), hour, minute, second, 0, tz)
    except ValueError:
        return None


def _time_match(text: str) -> re.Match[str] | None:
    """A time of day: needs minutes or am/pm, so a bare number is not taken for one."""
    for match in _TIME_RE.finditer(text):
        if (match["minute"] or match["ampm"]) and int(match["hour"]) < 24:
            return match
    return None


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime from ISO 8601, RFC 2822 or an English prose date."""
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > 200:
        return None
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    try:
        return aware(datetime.fromisoformat(iso.replace("Z", "+00:00")))
    except ValueError:
        pass
    if re.match(r"^\d{8,14}$", text):  # 20191118 or 20191118103000
        try:
            return aware(datetime.strptime(text[:14].ljust(14, "0"), "%Y%m%d%H%M%S"))
        except ValueError:
            return None
    try:
        return aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    for date_re in _DATE_RES:
        date = date_re.search(text)
        if date:
            rest = text[: date.start()] + " " + text[date.end() :]
            return _from_match(date, _time_match(rest))
    return None


# A number stated as a date is a Unix time, in milliseconds from this size on
# (1973 in milliseconds; in seconds it would be the year 5138), or a year.
_MILLISECONDS_FROM = 100_000_000_000
_NUMBER_DATE = re.compile(r"\d{4}|-?\d{9,13}")


def stated_date(value: object) -> datetime | None:
    """A date a structured source states (a JSON Lines record's "date").

    Exports from scrapers and feeds state dates in every form: ISO 8601, RFC
    2822 ("Tue, 05 Mar 2019 10:00:00 GMT"), prose, a Unix time in seconds or
    milliseconds, a bare year. Each is read here rather than only ISO, so a
    record's own date is not silently replaced by none.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_DATE.fullmatch(text):  # a year, or a Unix time
            value = int(text)
        else:
            return parse_date(text)
    if not isinstance(value, int | float) or value != value:  # NaN
        return None
    if 1000 <= value <= 9999 and value == int(value):
        return datetime(int(value), 1, 1, tzinfo=UTC)
    seconds = value / 1000 if abs(value) >= _MILLISECONDS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def dateline(lines: list[str]) -> tuple[datetime | None, int]:
    """The date in the leading date/time lines of a story, and how many lines it used.

    A line counts when it holds only a date, a time (with an optional zone) or
    both, plus filler words such as "Updated"; the first line that holds
    anything else ends the dateline.
    """
    date: re.Match[str] | None = None
    time: re.Match[str] | None = None
    used = 0
    for line in lines:
        text = line.strip()
        if not text or len(text) > 80:
            break
        found_date = next((m for r in _DATE_RES if (m := r.search(text))), None)
        rest = text if found_date is None else text[: found_date.start()] + text[found_date.end() :]
        found_time = _time_match(rest)
        if found_time is not None:
            rest = rest[: found_time.start()] + rest[found_time.end() :]
        if (found_date is None and found_time is None) or not _FILLER.match(rest):
            break
        date = date or found_date
        time = time or found_time
        used += 1
    if date is None:
        return None, 0
    return _from_match(date, time), used
