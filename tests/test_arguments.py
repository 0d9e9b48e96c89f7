from datetime import date

import pytest

from crawler.arguments import SpiderArgumentError, check_argument_names, plan_crawl
from crawler.papers import InvalidProfile, Schedule, _load, get_paper, UnknownPaper


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


def test_start_without_end_runs_to_today():
    plan = plan_crawl(start="2023-01-30", today=date(2023, 2, 8))
    assert plan.dates[-1] == date(2023, 2, 7)
    assert plan.asked == "2023-01-30..2023-02-08"


def test_no_date_means_latest():
    assert plan_crawl().latest


def test_base_url_replaces_root():
    plan = plan_crawl(date="2023-01-31", base_url="http://127.0.0.1:8000/newdzb")
    assert plan.entry_url(date(2023, 1, 31)) == "http://127.0.0.1:8000/newdzb/html/2023-01/31/node_1.htm"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"date": "2023-13-01"}, "bad date for date: '2023-13-01' (expected YYYY-MM-DD)"),
        ({"date": "yesterday"}, "bad date for date: 'yesterday' (expected YYYY-MM-DD)"),
        ({"start": "2023-02-01", "end": "2023-01-01"}, "end 2023-01-01 is before start 2023-02-01"),
        ({"end": "2023-01-01"}, "end= needs start= as well"),
        ({"date": "2023-01-31", "start": "2023-01-01"}, "give either date= or start=/end= or backfill=, not several"),
        ({"backfill": "ten years"}, "bad value for backfill: 'ten years' (expected a date YYYY-MM-DD or a span such as 10y, 6m, 8w, 30d)"),
        ({"backfill": "2023-02-30"}, "bad date for backfill: '2023-02-30' (expected YYYY-MM-DD)"),
        ({"backfill": "1y", "start": "2023-01-01"}, "give either start= or backfill=, not both"),
        ({"date": "2023-01-31", "refresh": "maybe"}, "bad value for refresh: 'maybe' (expected 1 or 0)"),
        ({"paper": "nosuchpaper"}, "unknown paper 'nosuchpaper' (known: gongyishibao)"),
        ({"base_url": "ftp://x/"}, "bad base_url 'ftp://x/' (expected http://host/path/)"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, message):
    with pytest.raises(SpiderArgumentError) as exc:
        plan_crawl(**kwargs)
    assert str(exc.value) == message


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


def test_profile_validation(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('code = "x"\nname = "X"\ntemplate = "founder"\nroot = "http://x/"\nentry = "node_1.htm"\n')
    with pytest.raises(InvalidProfile, match="entry must contain"):
        _load(bad)
    bad.write_text('code = "x"\nname = "X"\ntemplate = "wordpress"\nroot = "http://x/"\nentry = "{date:%Y}"\n')
    with pytest.raises(InvalidProfile, match="unknown template"):
        _load(bad)


def test_schedule_defaults_to_daily():
    assert Schedule().is_issue_day(date(2023, 1, 1))
