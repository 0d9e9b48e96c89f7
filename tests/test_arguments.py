import os
import re
from datetime import date
from pathlib import Path

import pytest

from crawler.arguments import SpiderArgumentError, check_argument_names, plan_crawl
from crawler.papers import PROFILES_ENV, InvalidProfile, Schedule, _load, all_papers, get_paper, load_profiles, UnknownPaper


def test_single_date_uses_profile_root_and_entry_pattern():
    plan = plan_crawl(date="2023-01-31")
    assert plan.dates == (date(2023, 1, 31),)
    assert plan.entry_url(date(2023, 1, 31)) == "http://www.gongyishibao.com/newdzb/html/2023-01/31/node_1.htm"


def test_range_is_inclusive_and_asks_only_the_papers_publishing_days():
    # 公益时报 comes out on Tuesdays: a range asks for those, not for every day (no 404 storm).
    plan = plan_crawl(start="2023-01-24", end="2023-02-07")
    assert plan.dates == (date(2023, 1, 24), date(2023, 1, 31), date(2023, 2, 7))
    assert plan.asked == "2023-01-24..2023-02-07"


@pytest.mark.parametrize(
    "backfill, first",
    [
        ("2023-01-01", date(2023, 1, 1)),
        ("2y", date(2021, 3, 1)),
        ("1m", date(2023, 2, 1)),  # back a month from March 1st
        ("13m", date(2022, 2, 1)),
        ("3w", date(2023, 2, 8)),
        ("10d", date(2023, 2, 19)),
    ],
)
def test_backfill_walks_back_by_the_schedule_newest_first(backfill, first):
    plan = plan_crawl(backfill=backfill, today=date(2023, 3, 1))
    assert plan.dates == tuple(get_paper("gongyishibao").schedule.dates(first, date(2023, 3, 1)))[::-1]
    assert plan.dates[0] == date(2023, 2, 28) and all(d.isoweekday() == 2 for d in plan.dates)
    assert plan.asked == f"{first.isoformat()}..2023-03-01"


def test_backfill_month_span_ends_on_a_shorter_months_last_day():
    assert plan_crawl(backfill="1m", end="2023-03-31").asked == "2023-02-28..2023-03-31"


def test_backfill_counts_back_from_end():
    assert plan_crawl(backfill="4w", end="2023-01-31").dates == tuple(date(2023, 1, d) for d in (31, 24, 17, 10, 3))


def test_refresh_flag():
    assert plan_crawl(date="2023-01-31", refresh="1").refresh
    assert not plan_crawl(date="2023-01-31").refresh


@pytest.mark.parametrize("value, refresh", [
    ("1", True), ("yes", True), ("True", True), (" ON ", True), ("0", False), ("no", False), ("FALSE", False), ("off", False),
])
def test_refresh_takes_each_value_its_message_lists(value, refresh):
    assert plan_crawl(date="2023-01-31", refresh=value).refresh is refresh
    with pytest.raises(SpiderArgumentError) as exc:
        plan_crawl(date="2023-01-31", refresh="maybe")
    listed = str(exc.value).split("expected one of ")[1].split(", in any letter case")[0].split(", ")
    assert value.strip().lower() in listed


def test_a_range_from_before_the_first_issue_is_asked_from_it_and_keeps_the_range_given():
    plan = plan_crawl(start="2000-01-01", end="2001-06-30")
    assert plan.dates == (date(2001, 6, 5), date(2001, 6, 12), date(2001, 6, 19), date(2001, 6, 26))
    assert (plan.asked, plan.cut_from) == ("2000-01-01..2001-06-30", date(2001, 6, 1))
    # A backfill longer than the paper's life: all its issues, newest first, none before the first.
    plan = plan_crawl(backfill="30y", end="2023-01-31")
    assert plan.dates[-1] == date(2001, 6, 5) and plan.dates[0] == date(2023, 1, 31)
    assert (plan.asked, plan.cut_from) == ("1993-01-31..2023-01-31", date(2001, 6, 1))
    # From the first issue on, nothing is cut.
    assert plan_crawl(start="2001-06-01", end="2001-06-30").cut_from is None
    assert plan_crawl(date="2001-06-01").dates == (date(2001, 6, 1),)


def test_a_profile_without_first_issue_asks_no_date_before_1900(tmp_path, monkeypatch):
    text = (Path(__file__).parent / "fixtures" / "papers" / "shehuibao.toml").read_text(encoding="utf-8")
    assert "first_issue" not in text
    (tmp_path / "shehuibao.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(tmp_path))
    load_profiles.cache_clear()
    try:
        code = get_paper("shehuibao").code
        assert get_paper(code).first_issue == date(1900, 1, 1)
        with pytest.raises(SpiderArgumentError) as exc:
            plan_crawl(paper=code, start="1899-12-31", end="1900-01-31")
        assert str(exc.value) == (f"start 1899-12-31 is before 1900-01-01: no date so early is asked (a slip in its year?); "
                                  f"the first issue of {code} is taken for 1900-01-01 (its profile gives no first_issue)")
        with pytest.raises(SpiderArgumentError) as exc:
            plan_crawl(paper=code, date="1899-12-31")
        assert str(exc.value) == (f"date 1899-12-31 is before 1900-01-01, the first issue assumed of {code} "
                                  "(its profile gives no first_issue): no issue of it exists")
        assert plan_crawl(paper=code, backfill="200y", end="2023-01-31").cut_from == date(1900, 1, 1)
        assert plan_crawl(paper=code, start="1950-01-01", end="1950-01-31").cut_from is None
    finally:
        load_profiles.cache_clear()


@pytest.mark.parametrize("value", ["'2001-06-01'", "2001-06-01T00:00:00", "2001"])
def test_first_issue_must_be_a_toml_date(tmp_path, value):
    text = (Path(__file__).parent / "fixtures" / "papers" / "shehuibao.toml").read_text(encoding="utf-8")
    path = tmp_path / "paper.toml"
    path.write_text(f"first_issue = {value}\n" + text, encoding="utf-8")
    with pytest.raises(InvalidProfile) as exc:
        _load(path)
    assert "first_issue must be a TOML date such as 2024-02-13 (without quotes)" in str(exc.value)


def test_start_without_end_runs_to_today():
    plan = plan_crawl(start="2023-01-30", today=date(2023, 2, 8))
    assert plan.dates[-1] == date(2023, 2, 7)
    assert plan.asked == "2023-01-30..2023-02-08"


def test_a_range_ending_after_tomorrow_stops_at_tomorrow_and_keeps_the_end_given():
    # The Tuesdays after tomorrow answer 404: counted, they were taken for dates without an
    # issue before their issues came out.
    plan = plan_crawl(start="2023-01-24", end="2023-12-31", today=date(2023, 2, 6))
    assert plan.dates == (date(2023, 1, 24), date(2023, 1, 31), date(2023, 2, 7))
    assert (plan.asked, plan.cut_at) == ("2023-01-24..2023-12-31", date(2023, 2, 7))
    assert plan_crawl(start="2023-01-24", end="2023-02-07", today=date(2023, 2, 6)).cut_at is None


def test_a_backfill_counts_back_from_an_end_after_tomorrow_and_stops_at_tomorrow():
    plan = plan_crawl(backfill="4w", end="2023-02-20", today=date(2023, 2, 6))
    assert plan.dates == (date(2023, 2, 7), date(2023, 1, 31), date(2023, 1, 24))
    assert plan.asked == "2023-01-23..2023-02-20"


def test_no_date_means_latest():
    assert plan_crawl().latest


def test_a_range_without_a_publishing_day_is_no_latest_crawl():
    plan = plan_crawl(start="2023-02-01", end="2023-02-06")  # Wednesday to Monday; 公益时报 is out on Tuesdays
    assert (plan.dates, plan.latest, plan.asked) == ((), False, "2023-02-01..2023-02-06")
    assert not plan_crawl(backfill="5d", end="2023-02-06").latest


def test_base_url_replaces_root():
    plan = plan_crawl(date="2023-01-31", base_url="http://127.0.0.1:8000/newdzb")
    assert plan.entry_url(date(2023, 1, 31)) == "http://127.0.0.1:8000/newdzb/html/2023-01/31/node_1.htm"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # Said "(expected YYYY-MM-DD)" of a date written so: which of the two is wrong, now.
        ({"date": "2023-13-01"}, "bad date for date: '2023-13-01' is no day of the calendar"),
        ({"date": "yesterday"}, "bad date for date: 'yesterday' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"),
        # ISO 8601's other forms, which were taken (and the crawl record said 2023-01-31).
        ({"date": "20230131"}, "bad date for date: '20230131' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"),
        ({"start": "2023-W05-2", "end": "2023-02-28"}, "bad date for start: '2023-W05-2' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"),
        ({"start": "2023-01-01", "end": " 20230228 "}, "bad date for end: '20230228' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"),
        # A range as the crawl record writes it (dates_asked), given to date=: how to ask it.
        ({"date": "2023-01-01..2023-01-31"},
         "bad date for date: '2023-01-01..2023-01-31' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31 (a range is start=2023-01-01 end=2023-01-31)"),
        ({"date": "2023..2024"}, "bad date for date: '2023..2024' is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"),
        ({"start": "2023-02-01", "end": "2023-01-01"}, "end 2023-01-01 is before start 2023-02-01"),
        ({"end": "2023-01-01"}, "end= needs start= or backfill= as well"),
        # A backfill back to a date after end= (the user gave no start=).
        ({"backfill": "2023-03-01", "end": "2023-02-14"}, "end 2023-02-14 is before backfill 2023-03-01"),
        ({"date": "2023-01-31", "start": "2023-01-01"}, "give either date= or start=/end= or backfill=, not several"),
        ({"backfill": "ten years"}, "bad value for backfill: 'ten years' (expected a date YYYY-MM-DD or a span such as 10y, 6m, 8w, 30d)"),
        ({"backfill": "2023-02-30"}, "bad date for backfill: '2023-02-30' is no day of the calendar"),
        # Full-width digits, as a Chinese input method types them: neither a date nor a span
        # (the span's int() read them, and "１０y" walked back ten years where "２０２３-０１-０１" was
        # refused as a date), each told so as any date or number so typed is.
        ({"backfill": "１０y"}, "bad value for backfill: '１０y' is written in full-width digits: spans are written in ASCII "
                              "digits, e.g. 10y"),
        ({"backfill": "２０２３-０１-０１"}, "bad date for backfill: '２０２３-０１-０１' is written in full-width digits: dates are "
                                       "written YYYY-MM-DD in ASCII digits, e.g. 2023-01-31"),
        ({"backfill": "1y", "start": "2023-01-01"}, "give either start= or backfill=, not both"),
        # The message lists every value refresh= takes: it said "1 or 0" while yes, true and on passed.
        ({"date": "2023-01-31", "refresh": "maybe"},
         "bad value for refresh: 'maybe' (expected one of 1, yes, true, on, 0, no, false, off, in any letter case)"),
        ({"date": "2023-01-31", "refresh": ""}, "refresh= is empty: give it a value, or leave it out"),
        # A slip in the year (0203 for 2023) asked every Tuesday of eighteen centuries.
        ({"start": "0203-01-31"},
         "start 0203-01-31 is before 1900-01-01: no date so early is asked (a slip in its year?); "
         "the first issue of gongyishibao is 2001-06-01"),
        ({"backfill": "0203-01-31", "end": "2023-01-31"},
         "backfill 0203-01-31 is before 1900-01-01: no date so early is asked (a slip in its year?); "
         "the first issue of gongyishibao is 2001-06-01"),
        ({"date": "0203-01-31"}, "date 0203-01-31 is before the first issue of gongyishibao, 2001-06-01: no issue of it exists"),
        ({"date": "2001-05-29"}, "date 2001-05-29 is before the first issue of gongyishibao, 2001-06-01: no issue of it exists"),
        ({"start": "1999-01-01", "end": "2001-05-31"},
         "start 1999-01-01 to end 2001-05-31 are before the first issue of gongyishibao, 2001-06-01: no issue of them exists"),
        ({"backfill": "2y", "end": "2000-12-31"},
         "backfill=2y from end 2000-12-31 asks only days before the first issue of gongyishibao, 2001-06-01: "
         "no issue of them exists"),
        ({"paper": "nosuchpaper"}, "unknown paper 'nosuchpaper' (known: gongyishibao)"),
        ({"paper": "gongyishiba"}, "unknown paper 'gongyishiba' (known: gongyishibao): did you mean gongyishibao?"),
        # A paper's name, where its code is asked for.
        ({"paper": "公益时报"}, "unknown paper '公益时报' (known: gongyishibao): 公益时报 is gongyishibao, give its code"),
        ({"base_url": "ftp://x/"}, "bad base_url 'ftp://x/' (expected http://host/path/)"),
        ({"base_url": "http://x/a/,http://y/a/"},
         "bad base_url 'http://x/a/,http://y/a/' (a comma in it, as in a list of roots: give one root; "
         "expected http://host/path/)"),
        # Given empty (a cron line's $(…) that printed nothing): not taken for not given.
        ({"date": ""}, "date= is empty: give it a value, or leave it out"),
        ({"backfill": " "}, "backfill= is empty: give it a value, or leave it out"),
        ({"date": "2023-01-31", "base_url": ""}, "base_url= is empty: give it a value, or leave it out"),
        ({"date": "2023-01-31", "paper": ""}, "paper= is empty: give it a value, or leave it out"),
        # A date no issue of can be out yet (2099 for 2009); tomorrow may be today in China.
        ({"date": "2023-02-02", "today": date(2023, 1, 31)},
         "date 2023-02-02 is in the future: no issue of it is out yet (today in China is 2023-01-31)"),
        ({"start": "2023-03-01", "end": "2023-03-31", "today": date(2023, 1, 31)},
         "start 2023-03-01 is in the future: no issue of it is out yet (today in China is 2023-01-31)"),
        ({"backfill": "2w", "end": "2023-03-31", "today": date(2023, 1, 31)},
         "backfill=2w from end 2023-03-31 asks only days in the future: no issue of them is out yet (today in China is 2023-01-31)"),
        # Spans longer than the calendar ended the run with a traceback.
        ({"backfill": "3000y", "end": "2023-01-31"},
         "bad value for backfill: '3000y' reaches back before the year 1 from 2023-01-31"),
        ({"backfill": "1d", "end": "0001-01-01"}, "bad value for backfill: '1d' reaches back before the year 1 from 0001-01-01"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, message):
    with pytest.raises(SpiderArgumentError) as exc:
        plan_crawl(**kwargs)
    assert str(exc.value) == message


def test_spaces_around_a_date_are_left_out():
    # A cron line's `-a "date= $(date -I)"`; the date inside is read as strictly as any.
    plan = plan_crawl(start=" 2023-01-03 ", end="2023-01-17\n", today=date(2023, 1, 31))
    assert (plan.dates, plan.asked) == ((date(2023, 1, 3), date(2023, 1, 10), date(2023, 1, 17)), "2023-01-03..2023-01-17")
    assert plan_crawl(backfill=" 2023-01-10 ", end="2023-01-17").dates == (date(2023, 1, 17), date(2023, 1, 10))


def test_tomorrow_is_asked_as_a_paper_ahead_of_this_clock_may_have_printed_it():
    assert plan_crawl(date="2023-02-01", today=date(2023, 1, 31)).dates == (date(2023, 2, 1),)


KNOWN = ("date", "start", "end")


@pytest.mark.parametrize(
    "given, message",
    [
        (["dat"], "unknown spider argument 'dat' (known: date, start, end)"),
        (["date", "strat", "ned"], "unknown spider arguments 'strat', 'ned' (known: date, start, end)"),
    ],
)
def test_unknown_argument_names_are_refused(given, message):
    with pytest.raises(SpiderArgumentError) as exc:
        check_argument_names(given, KNOWN)
    assert str(exc.value) == message


def test_scrapyd_and_scrapy_arguments_pass():
    # scrapyd adds _job (and _version when asked for one); Scrapy's middlewares read user_agent
    # and http_user/http_pass/http_auth_domain from the spider.
    check_argument_names(["date", "_job", "_version", "user_agent", "http_user", "http_pass", "http_auth_domain"], KNOWN)


def test_profile_schedule_is_weekly_on_tuesdays():
    paper = get_paper("gongyishibao")
    assert paper.name == "公益时报"
    assert paper.schedule.dates(date(2023, 1, 1), date(2023, 1, 31)) == [date(2023, 1, d) for d in (3, 10, 17, 24, 31)]


@pytest.mark.parametrize(
    "url, day",
    [
        ("http://127.0.0.1:8000/newdzb/html/2023-01/31/node_1.htm", date(2023, 1, 31)),  # under any root
        ("https://www.gongyishibao.com/newdzb/html/2023-01/31/node_1.htm?v=2", date(2023, 1, 31)),
        ("http://x/newdzb/html/2023-01/31/node_2.htm", None),  # a page, not the entry page
        ("http://x/newdzb/html/2023-1/31/node_1.htm", None),  # not as the pattern writes dates
        ("http://x/newdzb/html/2023-02/30/node_1.htm", None),
        ("http://x/newdzb/xhtml/2023-01/31/node_1.htm", None),
    ],
)
def test_entry_date_reads_the_date_an_entry_url_is_for(url, day):
    assert get_paper("gongyishibao").entry_date(url) == day


def test_unknown_paper():
    with pytest.raises(UnknownPaper):
        get_paper("xyz")


GOOD_PROFILE = 'code = "x"\nname = "X"\ntemplate = "founder"\nroot = "https://x.cn/epaper/"\nentry = "html/{date:%Y-%m}/{date:%d}/node_2.htm"\n'


@pytest.mark.parametrize(
    "toml, message",
    [
        (GOOD_PROFILE.replace("{date:%Y-%m}/{date:%d}", "today"), "entry must contain a {date:...} field"),
        (GOOD_PROFILE.replace("{date:%Y-%m}", "{day:%Y-%m}"), "entry 'html/{day:%Y-%m}/{date:%d}/node_2.htm' is no pattern"),
        (GOOD_PROFILE.replace('"founder"', '"wordpress"'), "unknown template 'wordpress' (known: founder)"),
        ('code = "x"\nname = "X"\ntemplate = "founder"\n', "missing root, entry"),
        (GOOD_PROFILE.replace('"https://x.cn/epaper/"', '"x.cn/epaper/"'), "root 'x.cn/epaper/' is no http:// or https:// URL"),
        (GOOD_PROFILE.replace('name = "X"', "name = 7"), "name must be a string, not 7"),
        # A misspelt key was ignored: the paper crawled every day, or without its latest page.
        (GOOD_PROFILE + "schedul = { weekdays = [1, 3, 5] }\nlatset = 'index.htm'\n", "unknown keys 'schedul', 'latset' (known: code,"),
        (GOOD_PROFILE + "schedule = { weekday = [1] }\n", "unknown key 'schedule.weekday' (known: schedule.weekdays, schedule.earlier, schedule.breaks)"),
        (GOOD_PROFILE + "schedule = { weekdays = [0, 3] }\n", "schedule.weekdays must be a list of ISO weekdays 1..7"),
        (GOOD_PROFILE + 'schedule = { weekdays = "1,3,5" }\n', "schedule.weekdays must be a list of ISO weekdays 1..7 (1 = Monday), not '1,3,5'"),
        (GOOD_PROFILE + "schedule = { weekdays = [] }\n", "schedule.weekdays must be a list"),
        (GOOD_PROFILE + "schedule = [1, 3]\n", "schedule must be a table"),
        # Earlier schedules: each until a TOML date, oldest first, with weekdays of its own.
        (GOOD_PROFILE + "[schedule]\nearlier = { until = 2012-12-31, weekdays = [2] }\n", "schedule.earlier must be a list of tables, e.g. [[schedule.earlier]]"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = '2012-12-31'\nweekdays = [2]\n",
         "schedule.earlier[1].until must be a TOML date such as 2024-02-13 (without quotes), not '2012-12-31'"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31T08:00:00\nweekdays = [2]\n", "schedule.earlier[1].until must be a TOML date such as"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31\nweekdays = [2, 8]\n",
         "schedule.earlier[1].weekdays must be a list of ISO weekdays 1..7 (1 = Monday), not [2, 8]"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nweekdays = [2]\n", "schedule.earlier[1] needs until = 2012-12-31 (the last day it was in force)"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31\n", "schedule.earlier[1] needs weekdays = [2] (its ISO weekdays)"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nfrom = 2001-01-01\nuntil = 2012-12-31\nweekdays = [2]\n",
         "unknown key 'schedule.earlier[1].from' (known: schedule.earlier[1].until, schedule.earlier[1].weekdays)"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31\nweekdays = [2]\n[[schedule.earlier]]\nuntil = 2005-06-30\nweekdays = [1]\n",
         "schedule.earlier[2].until 2005-06-30 is not after schedule.earlier[1].until 2012-12-31: list the earlier schedules oldest first"),
        (GOOD_PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31\nweekdays = [2]\n[[schedule.earlier]]\nuntil = 2012-12-31\nweekdays = [1]\n",
         "schedule.earlier[2].until 2012-12-31 is not after schedule.earlier[1].until 2012-12-31"),
        # Breaks: TOML dates, or ranges of two.
        (GOOD_PROFILE + "schedule = { breaks = 2024-02-13 }\n", "schedule.breaks must be a list of dates and ranges, e.g. [2024-02-13, { from = 2024-02-06, to = 2024-02-20 }], not 2024-02-13"),
        (GOOD_PROFILE + "schedule = { breaks = [2024-02-13, '2024-10-01'] }\n", "schedule.breaks[2] must be a TOML date such as 2024-02-13 (without quotes), not '2024-10-01'"),
        (GOOD_PROFILE + "schedule = { breaks = [{ from = 2024-02-20, to = 2024-02-06 }] }\n", "schedule.breaks[1]: to 2024-02-06 is before from 2024-02-20"),
        (GOOD_PROFILE + "schedule = { breaks = [{ from = 2024-02-06 }] }\n", "schedule.breaks[1] needs from and to, e.g. { from = 2024-02-06, to = 2024-02-20 }"),
        (GOOD_PROFILE + "schedule = { breaks = [{ from = 2024-02-06, until = 2024-02-20 }] }\n",
         "unknown key 'schedule.breaks[1].until' (known: schedule.breaks[1].from, schedule.breaks[1].to)"),
        (GOOD_PROFILE + "latest_lookback_days = '14'\n", "latest_lookback_days must be a whole number of days"),
        (GOOD_PROFILE + "latest = 1\n", "latest must be a string"),
        (GOOD_PROFILE + 'selectors = "h1"\n', "selectors must be a table"),
        # A selector was checked only when its paper was crawled, mid-start, with a traceback.
        (GOOD_PROFILE + '[selectors]\ntitle = "h1[["\n', "Founder selector 'title' is invalid"),
        (GOOD_PROFILE + '[selectors]\ntitel = "h1"\n', "unknown Founder selector 'titel'"),
        ('code = "x\nname = "X"\n', "Illegal character"),
    ],
)
def test_a_bad_profile_is_one_message_naming_its_file(tmp_path, toml, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(toml, encoding="utf-8")
    with pytest.raises(InvalidProfile) as raised:
        _load(bad)
    assert str(raised.value).startswith(f"paper profile {bad}: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_good_profile_loads(tmp_path):
    good = tmp_path / "x.toml"
    good.write_text(GOOD_PROFILE + "latest_lookback_days = 9\nschedule = { weekdays = [1, 3, 5] }\n[selectors]\ntitle = 'h1'\n", encoding="utf-8")
    profile = _load(good)
    assert (profile.schedule.weekdays, profile.latest_lookback_days, profile.selectors) == ((1, 3, 5), 9, {"title": "h1"})
    assert profile.entry_url(date(2023, 1, 30)) == "https://x.cn/epaper/html/2023-01/30/node_2.htm"


@pytest.fixture
def papers_folder(tmp_path, monkeypatch):
    """A folder of profiles of one's own ($ARCHIVE_PAPERS), read afresh."""
    folder = tmp_path / "papers"
    folder.mkdir()
    monkeypatch.setenv(PROFILES_ENV, str(folder))
    load_profiles.cache_clear()
    yield folder
    load_profiles.cache_clear()


def test_profiles_of_one_s_own_folder_join_the_bundled_ones(papers_folder):
    (papers_folder / "x.toml").write_text(GOOD_PROFILE, encoding="utf-8")
    assert sorted(all_papers()) == ["gongyishibao", "x"]
    assert plan_crawl(paper="x", date="2023-01-30").entry_url(date(2023, 1, 30)) == "https://x.cn/epaper/html/2023-01/30/node_2.htm"


def test_two_profiles_with_one_code_are_refused(papers_folder):
    # The later file took the earlier's place without a word: its crawls were stored as the other paper's.
    (papers_folder / "x.toml").write_text(GOOD_PROFILE.replace('"x"', '"gongyishibao"', 1), encoding="utf-8")
    with pytest.raises(InvalidProfile, match=rf"^paper profile {papers_folder / 'x.toml'}: code 'gongyishibao' is taken by .*gongyishibao.toml$"):
        get_paper("gongyishibao")
    assert "gongyishibao" not in all_papers()  # neither is used


def test_a_bad_profile_is_a_bad_argument_of_its_own_paper_s_crawl_only(papers_folder):
    (papers_folder / "x.toml").write_text(GOOD_PROFILE + "schedul = {}\n", encoding="utf-8")
    with pytest.raises(SpiderArgumentError, match=r"paper profile .*x.toml: unknown key 'schedul'"):
        plan_crawl(paper="x", date="2023-01-31")
    assert plan_crawl(date="2023-01-31").paper.code == "gongyishibao"
    assert [line.split(": ", 1)[0] for line in load_profiles().warnings()] == [f"paper profile {papers_folder / 'x.toml'}"]


@pytest.mark.parametrize(
    "name, toml, claimed",
    [
        ("x.toml", 'code = "shehuibao"\nname = "X\n', "shehuibao"),  # TOML cannot parse it: its code line says
        ("x.toml", "code = 'shehuibao'\nschedul = 1\n", "shehuibao"),
        ("shehuibao.toml", 'name = "X"\ncode = \n', "shehuibao"),  # no code to be read: its file's name
    ],
)
def test_a_bad_profile_claims_the_code_it_was_meant_for(papers_folder, name, toml, claimed):
    (papers_folder / name).write_text(toml, encoding="utf-8")
    with pytest.raises(InvalidProfile, match=rf"^paper profile {papers_folder / name}: "):
        get_paper(claimed)


def test_a_missing_profiles_folder_is_a_warning_and_named_when_a_paper_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv(PROFILES_ENV, str(tmp_path / "nosuch"))
    load_profiles.cache_clear()
    try:
        assert get_paper("gongyishibao").code == "gongyishibao"
        assert load_profiles().warnings() == [f"ARCHIVE_PAPERS: no folder '{tmp_path / 'nosuch'}'; skipped, the other papers go on"]
        with pytest.raises(UnknownPaper, match=rf"^unknown paper 'y' \(known: gongyishibao; not read: {tmp_path / 'nosuch'}\)$"):
            get_paper("y")
    finally:
        load_profiles.cache_clear()


def test_a_profile_named_in_place_of_its_folder_refuses_its_paper_saying_to_name_the_folder(tmp_path, monkeypatch):
    """Its paper was "unknown", the file "not read", and why not was not said."""
    profile = tmp_path / "x.toml"
    profile.write_text('code = "x"\nname = "X"\ntemplate = "founder"\nroot = "http://x.cn/"\nentry = "{date}.htm"\n', encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(profile))
    load_profiles.cache_clear()
    try:
        message = f"ARCHIVE_PAPERS: '{profile}' is a file, not a folder: name the folder it is in, '{tmp_path}'"
        with pytest.raises(InvalidProfile, match=f"^{re.escape(message)}$"):
            get_paper("x")
        assert get_paper("gongyishibao").code == "gongyishibao"
        assert load_profiles().warnings() == [f"{message}; skipped: paper 'x' is refused until this is fixed, the other papers go on"]
    finally:
        load_profiles.cache_clear()


def test_a_folder_named_twice_is_read_once(tmp_path, monkeypatch):
    """Each of its profiles was refused: "code 'x' is taken by" the very same file."""
    (tmp_path / "x.toml").write_text('code = "x"\nname = "X"\ntemplate = "founder"\nroot = "http://x.cn/"\nentry = "{date}.htm"\n', encoding="utf-8")
    bundled = Path(__file__).parent.parent / "crawler" / "papers"
    monkeypatch.setenv(PROFILES_ENV, os.pathsep.join([str(tmp_path), f"{tmp_path}/", str(bundled)]))
    load_profiles.cache_clear()
    try:
        assert get_paper("x").name == "X" and get_paper("gongyishibao").code == "gongyishibao"
        assert load_profiles().warnings() == []
    finally:
        load_profiles.cache_clear()


def test_schedule_defaults_to_daily():
    assert Schedule().is_issue_day(date(2023, 1, 1))


def test_a_root_two_papers_of_one_site_share_is_the_base_url_of_either(papers_folder):
    """A publisher's site with a folder of its own for each paper under one root: either paper's
    crawl from that root (a copy of the site, say) asks its own issue folders, not the other's."""
    shared = GOOD_PROFILE.replace('"html/', '"x/html/')
    (papers_folder / "x.toml").write_text(shared, encoding="utf-8")
    (papers_folder / "y.toml").write_text(shared.replace('"x"', '"y"', 1).replace('"x/html/', '"y/html/'), encoding="utf-8")
    assert plan_crawl(paper="x", date="2023-01-30", base_url="https://x.cn/epaper/").root == "https://x.cn/epaper/"
    # A root from which a paper's entry leads to another's issue folders, though the root of neither.
    (papers_folder / "y.toml").write_text(GOOD_PROFILE.replace('"x"', '"y"', 1).replace("https://x.cn/epaper/", "https://y.cn/"),
                                          encoding="utf-8")
    load_profiles.cache_clear()
    with pytest.raises(SpiderArgumentError, match=r"^base_url 'https://x.cn/epaper/x' is the site of paper 'x' \(https://x.cn/epaper/\)"):
        plan_crawl(paper="y", date="2023-01-30", base_url="https://x.cn/epaper/x")
