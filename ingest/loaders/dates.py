"""Turn the dates documents state about themselves into ISO `YYYY-MM-DD`, or admit there is none.

Why hand-written: the date of an agreement answers questions like "when was it signed?", so a wrong
date is worse than none. `dateutil`-style fuzzy parsing happily turns "Article 5" or "2024" into a day,
and `htmldate` guesses from page text and URLs. Here we accept only unambiguous full dates (ISO, or a
day, an English month name and a year) and never fall back to the file's mtime or today.
"""

from __future__ import annotations

import datetime as dt
import re

# How far into the body a stated date still describes the document itself (dateline, "Signed on ...").
DATE_SEARCH_WINDOW = 400

MONTHS = {  # month name or abbreviation -> number; the service reads dates in questions with it
    name: number
    for number, names in enumerate(
        (
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
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

_WEEKDAY = re.compile(r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?|[a-z]+day", re.IGNORECASE)

_PATTERNS = (
    # 2024-05-23, 2024/05/23, and ISO timestamps (the time part is ignored).
    re.compile(r"(?<![\d/.-])(?P<year>\d{4})([-/])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?![\d/])"),
    # May 23, 2024 / May 23 2024 / Sept. 3rd, 2024
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    # 23 May 2024 / 23rd of May, 2024
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
)


def _to_iso(year: str, month: str, day: str) -> str | None:
    month_number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
    try:
        return dt.date(int(year), month_number, int(day)).isoformat()
    except ValueError:  # e.g. 2024-02-30
        return None


def _matches(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            iso = _to_iso(match["year"], match["month"], match["day"])
            if iso is not None:
                found.append((match.start(), iso))
    return sorted(found)


def parse_date(value: object) -> str | None:
    """ISO date for a metadata value (date/datetime object or string), or None if it is not a full date.

    A string must be essentially just the date (a trailing time or weekday is tolerated): metadata
    like "2024" or "spring 2024" is rejected rather than guessed.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    found = _matches(text[:64])
    if not found:
        return None
    position, iso = found[0]
    # Only a weekday ("Thursday, 23 May 2024") may precede the date in a metadata value.
    prefix = text[:position].strip(" ,")
    if prefix and not _WEEKDAY.fullmatch(prefix):
        return None
    return iso


def find_date_in_text(text: str) -> str | None:
    """The first explicit full date in the opening `DATE_SEARCH_WINDOW` characters of a body, if any.

    Used only when the file's metadata states no date: a dateline or "Done at X on 23 May 2024" near the
    top of an agreement is the signing date far more often than not.
    """
    found = _matches(text[:DATE_SEARCH_WINDOW])
    return found[0][1] if found else None
