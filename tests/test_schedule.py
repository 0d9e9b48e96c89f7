"""A paper's schedule over the years: the weekdays it came out on before (schedule.earlier) and
the days it printed no issue (schedule.breaks). Read from a profile of one's own
($ARCHIVE_PAPERS); a backfill and a walk back over the served sample site ask only the days it
came out, and `archive stats` counts only those as missing, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from crawler.papers import PROFILES_ENV, Break, EarlierSchedule, Schedule, _load
from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from tests.conftest import SAMPLE_SITE, run_crawl, sql_rows
from tests.sites import sample_site
from tests.test_second_paper import archive_command

NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}
# 公益时报's sample site under another code: a paper weekly on Tuesdays until 2023-01-20, then
# on Tuesdays and Fridays, with no issue on 2023-01-27 nor from 2023-02-02 to 2023-02-08.
CHANGED = """code = "changed"
name = "改版报"
template = "founder"
root = "https://changed.example.cn/newdzb/"
entry = "html/{date:%Y-%m}/{date:%d}/node_1.htm"

[schedule]
weekdays = [2, 5]
breaks = [2023-01-27, { from = 2023-02-02, to = 2023-02-08 }]

[[schedule.earlier]]
until = 2023-01-20
weekdays = [2]
"""
TWICE_A_WEEK = Schedule((2, 5), (EarlierSchedule(date(2023, 1, 20), (2,)),),
                        (Break(date(2023, 1, 27), date(2023, 1, 27)), Break(date(2023, 2, 2), date(2023, 2, 8))))


def days(*isodates: str) -> list[date]:
    return [date.fromisoformat(d) for d in isodates]


# --- Schedule ---------------------------------------------------------------------------------


def test_the_profile_reads_as_the_schedule_it_states(tmp_path):
    profile = tmp_path / "changed.toml"
    profile.write_text(CHANGED, encoding="utf-8")
    assert _load(profile).schedule == TWICE_A_WEEK


def test_dates_follow_each_period_s_weekdays_and_leave_out_the_breaks():
    assert TWICE_A_WEEK.dates(date(2023, 1, 9), date(2023, 2, 12)) == days(
        "2023-01-10", "2023-01-17",  # Tuesdays only, until 2023-01-20
        "2023-01-24", "2023-01-31", "2023-02-10",  # then Tuesdays and Fridays but 01-27, 02-03, 02-07
    )
    assert TWICE_A_WEEK.break_dates(date(2023, 1, 9), date(2023, 2, 12)) == days("2023-01-27", "2023-02-03", "2023-02-07")
    assert [TWICE_A_WEEK.is_issue_day(d) for d in days("2023-01-20", "2023-01-24", "2023-02-07", "2023-02-14")] == [
        False, True, False, True]


def test_periods_change_on_the_day_after_until_and_several_chain_oldest_first():
    schedule = Schedule((2, 5), (EarlierSchedule(date(2005, 6, 30), (1, 2, 3, 4, 5, 6, 7)), EarlierSchedule(date(2012, 12, 31), (2,))))
    assert schedule.dates(date(2005, 6, 28), date(2005, 7, 8)) == days("2005-06-28", "2005-06-29", "2005-06-30", "2005-07-05")
    assert schedule.dates(date(2012, 12, 25), date(2013, 1, 8)) == days("2012-12-25", "2013-01-01", "2013-01-04", "2013-01-08")
    assert schedule.describe(date(2000, 1, 1), date(2020, 1, 1)) == (
        "every Mon, Tue, Wed, Thu, Fri, Sat, Sun until 2005-06-30; every Tue from 2005-07-01 until 2012-12-31;"
        " every Tue, Fri from 2013-01-01")
    # Only the schedules in force within the span are told.
    assert schedule.describe(date(2013, 1, 1), date(2020, 1, 1)) == "every Tue, Fri"
    assert schedule.describe(date(2012, 1, 1), date(2013, 6, 30)) == "every Tue until 2012-12-31; every Tue, Fri from 2013-01-01"


def test_the_days_back_leave_a_break_s_days_out_of_the_count():
    walk = list(TWICE_A_WEEK.days_back(date(2023, 2, 10), 4))
    # 02-09 counts; 02-02 to 02-08 are a break, passed over; then 02-01, 01-31, 01-30.
    assert walk == [(date(2023, 2, 9), 3), (date(2023, 2, 1), 2), (date(2023, 1, 31), 1), (date(2023, 1, 30), 0)]
    assert list(Schedule().days_back(date(2023, 2, 10), 2)) == [(date(2023, 2, 9), 1), (date(2023, 2, 8), 0)]


def test_a_schedule_without_periods_or_breaks_is_the_weekdays_it_was():
    assert Schedule((2,)).dates(date(2023, 1, 1), date(2023, 1, 31)) == days(
        "2023-01-03", "2023-01-10", "2023-01-17", "2023-01-24", "2023-01-31")
    assert Schedule((5, 2)).describe(date(2023, 1, 1), date(2023, 1, 31)) == "every Tue, Fri"
    assert Schedule().dates(date(2023, 1, 1), date(2023, 1, 3)) == days("2023-01-01", "2023-01-02", "2023-01-03")


def test_breaks_may_overlap_and_come_in_any_order():
    schedule = Schedule((1, 2, 3, 4, 5, 6, 7), breaks=(Break(date(2024, 2, 12), date(2024, 2, 16)), Break(date(2024, 2, 9), date(2024, 2, 13))))
    assert schedule.dates(date(2024, 2, 8), date(2024, 2, 17)) == days("2024-02-08", "2024-02-17")


# --- a crawl and archive stats ------------------------------------------------------------------


@pytest.fixture
def papers(tmp_path, monkeypatch):
    """A folder of profiles of one's own, named by $ARCHIVE_PAPERS for the crawl and for stats."""
    folder = tmp_path / "papers"
    folder.mkdir()
    monkeypatch.setenv(PROFILES_ENV, str(folder))
    return folder


def entry_dates(requests) -> list[tuple[str, int]]:
    """The issue entry pages the site was asked for, as (date, status), in the order asked."""
    found = [(re.search(r"html/(\d{4}-\d\d)/(\d\d)/node_1\.htm$", r.path), r.status) for r in requests]
    return [(f"{m[1]}-{m[2]}", status) for m, status in found if m]


def missing_and_breaks(out: str) -> dict[str, list[str]]:
    """archive stats' "Missing issues" and "Breaks" headings, each with the dates listed under it."""
    sections: dict[str, list[str]] = {}
    heading = None
    for line in out.splitlines():
        if line.startswith(("Missing issues", "Breaks")):
            heading = line
            sections[heading] = []
        elif heading and line.startswith("  "):
            sections[heading].append(line.strip())
        else:
            heading = None
    return sections


def test_a_backfill_asks_each_period_s_weekdays_but_no_break_and_stats_counts_no_false_gap(tmp_path, papers, archive_url):
    """Weekly until 2023-01-20, then twice a week, and three holidays: the paper's current
    schedule alone asked its Fridays before the change and its breaks, and stats counted them
    as missing issues. The site has issues on a Friday before the change and on a break day,
    which nobody asks for."""
    (papers / "changed.toml").write_text(CHANGED, encoding="utf-8")
    site = sample_site(tmp_path / "site", days("2023-01-13", "2023-01-17", "2023-01-24", "2023-01-31", "2023-02-03"), pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=changed", "start=2023-01-09", "end=2023-02-12", f"base_url={server.url}{PREFIX.lstrip('/')}",
                         archive=archive_url, settings=NO_PDFS)
        asked = entry_dates(server.requests)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(asked) == [("2023-01-10", 404), ("2023-01-17", 200), ("2023-01-24", 200), ("2023-01-31", 200), ("2023-02-10", 404)]

    # Between the first and last archived issue: nothing missing, the break on the way told apart.
    every = "every Tue until 2023-01-20; every Tue, Fri from 2023-01-21"
    stats = archive_command("stats", "--paper", "changed", archive=archive_url)
    assert stats.returncode == 0 and stats.stderr == "", stats.stderr
    assert missing_and_breaks(stats.stdout) == {
        f"Missing issues of changed ({every}) from 2023-01-17 to 2023-01-31: 0 of 3 scheduled": [],
        "Breaks of changed from 2023-01-17 to 2023-01-31: 1 of its publishing days without an issue by its profile"
        " (schedule.breaks), not counted as missing": ["2023-01-27 Fri"],
    }
    # The span asked for: the two days the site had no issue are missing (the 404 of this one
    # run noted), the breaks are not.
    stats = archive_command("stats", "--since", "2023-01-09", "--until", "2023-02-12", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    listed = missing_and_breaks(stats.stdout)
    heading = f"Missing issues of changed ({every}) from 2023-01-09 to 2023-02-12: 2 of 5 scheduled"
    assert [re.sub(r"  HTTP 404 on 1 run since [-0-9: ]+, still asked$", "", day) for day in listed[heading]] == [
        "2023-01-10 Tue", "2023-02-10 Fri"]
    assert all(day.endswith(", still asked") for day in listed[heading])
    listed[heading] = []
    assert listed == {
        heading: [],
        "Breaks of changed from 2023-01-09 to 2023-02-12: 3 of its publishing days without an issue by its profile"
        " (schedule.breaks), not counted as missing": ["2023-01-27 Fri", "2023-02-03 Fri", "2023-02-07 Tue"],
    }
    # Within one period, its weekdays alone.
    stats = archive_command("stats", "--paper", "changed", "--since", "2023-01-21", "--until", "2023-01-31", archive=archive_url)
    assert "Missing issues of changed (every Tue, Fri) from 2023-01-21 to 2023-01-31: 0 of 2 scheduled" in stats.stdout


def test_a_backfill_walking_back_skips_breaks_and_earlier_weekdays(tmp_path, papers, sqlite_url):
    (papers / "changed.toml").write_text(CHANGED, encoding="utf-8")
    site = sample_site(tmp_path / "site", days("2023-01-13", "2023-01-17", "2023-01-24"), pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=changed", "backfill=3w", "end=2023-02-03", f"base_url={server.url}{PREFIX.lstrip('/')}",
                         archive=sqlite_url, settings=NO_PDFS)
        asked = entry_dates(server.requests)
    assert done.returncode == 0, done.stderr[-3000:]
    # 2023-02-03 back to 2023-01-13: neither 01-27 nor 02-03 (breaks) nor 01-13 and 01-20 (Fridays before the change).
    assert sorted(asked) == [("2023-01-17", 200), ("2023-01-24", 200), ("2023-01-31", 404)]


@pytest.mark.parametrize("asked", [("start=2023-02-01", "end=2023-02-06"), ("backfill=5d", "end=2023-02-06")])
def test_a_range_without_a_publishing_day_asks_nothing(sqlite_url, asked):
    """A weekly paper's Wednesday to Monday: the range held no date to ask, and the crawl took
    it for no date given and fetched and stored the newest issue (the latest-issue page's),
    outside the range, with exit status 0."""
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(*asked, f"base_url={server.url}{PREFIX.lstrip('/')}", archive=sqlite_url,
                         settings=NO_PDFS | {"LOG_LEVEL": "INFO"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r for r in server.requests if r.path != "/robots.txt"] == []
    assert "[issues] INFO: no issue of 公益时报 is scheduled from 2023-02-01 to 2023-02-06 (every Tue): nothing to ask" in done.stderr
    assert "summary: gongyishibao 2023-02-01..2023-02-06 (finished): issues 0/0 (0 already complete)" in done.stderr
    assert sql_rows(sqlite_url, "SELECT issue_date FROM issues") == []
    assert [tuple(r) for r in sql_rows(sqlite_url, "SELECT dates_asked, status FROM crawl_runs")] == [
        ("2023-02-01..2023-02-06", "finished")]


def test_the_latest_issue_walk_back_skips_breaks_and_earlier_weekdays(tmp_path, papers, sqlite_url, paper_day):
    """No latest page: the spider walks back from today over the scheduled days only."""
    today = paper_day
    back = [today - timedelta(days=n) for n in range(10)]
    # Daily since back[4]; before it, only back[7]'s weekday; no issue from back[3] to today.
    (papers / "recent.toml").write_text(
        CHANGED.replace('"changed"', '"recent"').split("[schedule]")[0]
        + f"latest_lookback_days = 10\n[schedule]\nbreaks = [{{ from = {back[3]}, to = {today} }}]\n"
        f"[[schedule.earlier]]\nuntil = {back[5]}\nweekdays = [{back[7].isoweekday()}]\n",
        encoding="utf-8",
    )
    site = sample_site(tmp_path / "site", [back[n] for n in (1, 5, 6, 7)], pdfs=False)  # issues it does not ask, and back[7]
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=recent", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=sqlite_url, settings=NO_PDFS)
        asked = entry_dates(server.requests)
    assert done.returncode == 0, done.stderr[-3000:]
    assert asked == [(back[4].isoformat(), 404), (back[7].isoformat(), 200)]


def test_a_break_longer_than_the_lookback_does_not_hide_the_issue_before_it(tmp_path, papers, sqlite_url, paper_day):
    """latest_lookback_days counts the days the paper could have come out: a holiday listed in
    schedule.breaks, longer than the window, once ended the walk back with no issue found."""
    today = paper_day
    before = today - timedelta(days=9)
    (papers / "holiday.toml").write_text(
        CHANGED.replace('"changed"', '"holiday"').split("[schedule]")[0]
        + f"latest_lookback_days = 3\n[schedule]\nbreaks = [{{ from = {before + timedelta(days=1)}, to = {today} }}]\n",
        encoding="utf-8",
    )
    site = sample_site(tmp_path / "site", [before], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=holiday", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=sqlite_url, settings=NO_PDFS)
        asked = entry_dates(server.requests)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no issue of" not in done.stderr
    assert asked == [(before.isoformat(), 200)]
    stored = archive_command("sql", "SELECT issue_date FROM issues", archive=sqlite_url)
    assert before.isoformat() in stored.stdout


def test_stats_lists_no_break_day_the_archive_holds_an_issue_of(tmp_path, papers, archive_url):
    """A holiday in the profile on which the paper printed all the same (an issue crawled by its
    date): stats listed it under Breaks, a publishing day "without an issue", beside its counts."""
    (papers / "changed.toml").write_text(CHANGED, encoding="utf-8")
    site = sample_site(tmp_path / "site", days("2023-01-24", "2023-01-27", "2023-01-31"), pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        for day in ("2023-01-24", "2023-01-27", "2023-01-31"):
            done = run_crawl("paper=changed", f"date={day}", f"base_url={server.url}{PREFIX.lstrip('/')}",
                             archive=archive_url, settings=NO_PDFS)
            assert done.returncode == 0, done.stderr[-3000:]
    assert [str(d) for d, in sql_rows(archive_url, "SELECT issue_date FROM issues ORDER BY issue_date")] == [
        "2023-01-24", "2023-01-27", "2023-01-31"]

    stats = archive_command("stats", "--paper", "changed", "--since", "2023-01-21", "--until", "2023-02-05",
                            archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    assert re.search(r"^changed *\| 2023 *\| 3 *\|", stats.stdout, re.M), stats.stdout
    assert missing_and_breaks(stats.stdout) == {
        "Missing issues of changed (every Tue, Fri) from 2023-01-21 to 2023-02-05: 0 of 2 scheduled": [],
        # 2023-01-27 printed: a break day no more.
        "Breaks of changed from 2023-01-21 to 2023-02-05: 1 of its publishing days without an issue by its profile"
        " (schedule.breaks), not counted as missing": ["2023-02-03 Fri"],
    }
