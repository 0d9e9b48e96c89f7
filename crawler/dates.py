"""A date a user types (a spider's ``-a date=``, ``archive --since``, the search's and the
reading room's): written YYYY-MM-DD, and a day of the calendar, or refused saying which of the
two it is not.

Standard library only, so that both the crawler and the archive (storage/, which imports
crawler's leaf modules as it does crawler.pagenumbers) can use it without a cycle.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

# How a date is written, told to whoever wrote one otherwise.
DATES_WRITTEN = "dates are written YYYY-MM-DD, e.g. 2023-01-31"

# ASCII digits only: date.fromisoformat also takes 20230131 and 2023-W05-2, which no doc
# promises and which were then echoed back, and stored, as if the date had been written so.
_WRITTEN = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Full-width digits and hyphen, as an input method set for Chinese types them: such a date is
# told so, where "is not a date: dates are written YYYY-MM-DD" named a rule it keeps.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９－", "0123456789-")


def in_full_width(rule: str, example: str) -> str:
    """Why a value in full-width digits is refused, following the value: one wording for dates,
    numbers and spans (``rule``: "dates are written YYYY-MM-DD"), ``example`` the value in ASCII."""
    return f"is written in full-width digits: {rule} in ASCII digits, e.g. {example}"


def half_width(value: str) -> str:
    """``value`` with the full-width digits and hyphen (minus) of an input method set for
    Chinese made ASCII: what a value written so would be in ASCII digits."""
    return value.translate(_HALF_WIDTH)


# A whole number in ASCII digits, as in a date: int() also reads full-width and other scripts' digits.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def number_in_full_width(value: str) -> str | None:
    """Why ``value``, a whole number in full-width digits, is refused (:func:`in_full_width`),
    as a date so written is: its rule, "a whole number", it keeps. None if it is not one."""
    in_ascii = half_width(value)
    if in_ascii != value and WHOLE_NUMBER.fullmatch(in_ascii):
        return in_full_width("numbers are written", in_ascii)
    return None


def written_as_date(value: str) -> bool:
    """Whether ``value`` is written as a date is (YYYY-MM-DD, spaces around it left out),
    whether or not it is a day."""
    return _WRITTEN.fullmatch(value.strip()) is not None


class BadDate(ValueError):
    """A typed date that is none. ``str()`` is the value quoted and why: ``'2023-02-30' is no day
    of the calendar``; a caller naming it otherwise (cut short, capitalised) has ``value`` and
    ``reason``."""

    def __init__(self, value: str, reason: str):
        super().__init__(f"{value!r} {reason}")
        self.value = value
        self.reason = reason


def typed_date(value: str) -> date:
    """``value`` as a date, written YYYY-MM-DD, spaces around it left out (a value pasted so);
    else :class:`BadDate`, of the value without them, telling a date written so that is no day
    of the calendar (2023-02-30, 2023-13-45) from one written otherwise (31-01-2023, 20230131)."""
    value = value.strip()
    match = _WRITTEN.fullmatch(value) or _WRITTEN.fullmatch(half_width(value))
    if not match:
        raise BadDate(value, f"is not a date: {DATES_WRITTEN}")
    try:
        day = date(*map(int, match.groups()))
    except ValueError:  # month 13, February 30th, year 0
        raise BadDate(value, "is no day of the calendar") from None
    if match.string != value:
        raise BadDate(value, in_full_width("dates are written YYYY-MM-DD", "2023-01-31"))
    return day


# Where the papers are printed: China, UTC+8 all year (no daylight saving time).
PAPER_TIMEZONE = timezone(timedelta(hours=8), "UTC+8")


def paper_today() -> date:
    """Today where the papers are printed: the day the crawl of the newest issue looks back
    from, and a range's default end (crawler/arguments.py). The machine's today is the day before there for hours each day on a machine west of China
    (in Europe or America): an issue out in China was not asked until the machine's clock
    reached its date."""
    return datetime.now(PAPER_TIMEZONE).date()
