"""Dates in the query language and in search filters: YYYY, YYYY-MM or YYYY-MM-DD.

One reader for the ``from``/``to`` filters and ``date:`` values, so a bad
date gets the same clear message everywhere (never a parser's exception).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime

from .errors import QueryError


def date_bound(value: str, end: bool) -> datetime:
    """The first (or with ``end``, the last) moment of the year, month or day written.

    Raises QueryError naming the value when it is not a date of the calendar
    (``2019-02-30``, ``2019-13``).
    """
    text = value.strip()
    digits = re.sub(r"[^0-9]", "", text)
    m = re.fullmatch(r"(\d{4})(\d{2})?(\d{2})?", digits)
    if not m:
        raise QueryError(f"{value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD.")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if year < 1 or (month is not None and not 1 <= month <= 12):
        raise QueryError(f"{value!r} is not a date: there is no month {month} in a year.")
    if month is not None and day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise QueryError(
                f"{value!r} is not a date: {calendar.month_name[month]} {year} has {last} days."
            )
    if not end:
        return datetime(year, month or 1, day or 1)
    month = month or 12
    day = day or calendar.monthrange(year, month)[1]
    return datetime(year, month, day, 23, 59, 59, 999999)


def date_range(
    date_from: str | None, date_to: str | None
) -> tuple[datetime | None, datetime | None]:
    """The limits of a from/to filter; a reversed range is an error that says so."""
    low = date_bound(date_from, end=False) if date_from else None
    high = date_bound(date_to, end=True) if date_to else None
    if low is not None and high is not None and low > high:
        raise QueryError(
            f"The date range is reversed: from {date_from} is after to {date_to}. "
            "Swap the two dates."
        )
    return low, high


# A date-shaped value after date: (alone, or either end of a [... TO ...] range).
_QUERY_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?(?![\w-])")
_DATE_CLAUSE = re.compile(r"date:\s*(\[[^\]]*\]?|\{[^}]*\}?|\S+)", re.IGNORECASE)


def check_query_dates(text: str) -> None:
    """Raise QueryError naming a ``date:`` value that is no calendar date (``date:2019-02-30``).

    The parser would reject it only deep inside, with a message about days
    and months; here the user sees which date is wrong.
    """
    for clause in _DATE_CLAUSE.finditer(text):
        for value in _QUERY_DATE.findall(clause.group(1)):
            try:
                date_bound(value, end=False)
            except QueryError as exc:
                raise QueryError(f"date:{exc.message}", clause.start()) from None
