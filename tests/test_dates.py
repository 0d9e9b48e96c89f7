"""The one parser of a date a user types (crawler/dates.py): each caller's own tests check it
through their real paths (tests/test_arguments.py, test_crawl.py, test_cli.py, test_search.py,
test_reading_room.py)."""
from datetime import date, datetime, timedelta

import pytest

from crawler.dates import BadDate, typed_date
from tests.conftest import day_with_time_left

NOT_A_DATE = "is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"


def test_a_date_written_yyyy_mm_dd_is_read():
    assert typed_date("2023-01-31") == date(2023, 1, 31)
    assert typed_date("2024-02-29") == date(2024, 2, 29)
    assert typed_date("0001-01-01") == date.min and typed_date("9999-12-31") == date.max


@pytest.mark.parametrize("value", [" 2023-01-31", "2023-01-31 ", "\t2023-01-31\n", "\u30002023-01-31"])
def test_spaces_around_a_date_are_left_out(value):
    # A value pasted with them (`--since " 2023-01-31"`, a reading room's address): each caller
    # stripped them or not, and the search's and the reading room's refused them.
    assert typed_date(value) == date(2023, 1, 31)


def test_a_date_with_spaces_around_it_is_named_without_them():
    with pytest.raises(BadDate) as raised:
        typed_date(" 2023-02-30 ")
    assert str(raised.value) == "'2023-02-30' is no day of the calendar"


@pytest.mark.parametrize("value", ["2023-02-30", "2023-13-45", "2023-00-10", "2023-04-31", "0000-01-01", "2023-02-29"])
def test_a_date_written_so_that_is_no_day_says_so(value):
    with pytest.raises(BadDate) as raised:
        typed_date(value)
    assert str(raised.value) == f"{value!r} is no day of the calendar"
    assert (raised.value.value, raised.value.reason) == (value, "is no day of the calendar")


@pytest.mark.parametrize("value", [
    # ISO 8601's other forms, which date.fromisoformat takes: the docs promise YYYY-MM-DD only.
    "20230131", "2023-W05-2", "2023W052", "2023-031",
    "31-01-2023", "2023/01/31", "2023-1-31", "yesterday", "", "2023-01-31..2023-02-28",
    "2023 -01-31", "2023-01-31 2023-02-01",
    # Digits of other scripts, which \d takes: Arabic-Indic (full-width ones are told apart, below).
    "٢٠٢٣-٠١-٣١", "２０２３/０１/３１",
])
def test_a_date_written_otherwise_says_how_dates_are_written(value):
    with pytest.raises(BadDate) as raised:
        typed_date(value)
    assert str(raised.value) == f"{value!r} {NOT_A_DATE}"


@pytest.mark.parametrize("value", ["２０２３-０１-３１", "２０２３－０１－３１", "2023-０１-31"])
def test_a_date_in_full_width_digits_is_refused_saying_so(value):
    # As an input method set for Chinese types it: "is not a date: dates are written
    # YYYY-MM-DD" named a rule it keeps, but for its digits.
    with pytest.raises(BadDate) as raised:
        typed_date(value)
    assert raised.value.reason == "is written in full-width digits: dates are written YYYY-MM-DD in ASCII digits, e.g. 2023-01-31"


@pytest.mark.parametrize(
    "clock, slept, day",
    [
        ("2026-12-06T23:58:30+08:00", [91.0], date(2026, 12, 7)),  # less than the margin left: waits past midnight
        ("2026-12-06T23:56:59+08:00", [], date(2026, 12, 6)),
        ("2026-12-06T00:00:00+08:00", [], date(2026, 12, 6)),
    ],
)
def test_a_test_reading_today_waits_past_chinas_midnight_when_it_is_minutes_away(clock, slept, day):
    """A test collected or begun before China's midnight and crawling after it expected the old day."""
    now = [datetime.fromisoformat(clock)]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += timedelta(seconds=seconds)

    assert day_with_time_left(lambda: now[0], sleep) == day
    assert waits == slept
