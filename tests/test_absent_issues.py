"""Dates the site has no issue for (docs/operations.md, "Dates without an issue"): an entry page
answered 404, or with the site's error page, is no failure, and is counted per date
(absent_issues) as a dead link is; answered so on ARCHIVE_GONE_AFTER_RUNS runs spanning
ARCHIVE_GONE_AFTER_DAYS days, the date is taken for one without an issue: `archive stats` lists
it apart from the missing issues and no range asks it again but with refresh=1. A date that
serves its issue after all is stored and its record deleted. The real `scrapy crawl issues`
over HTTP from a copy of the sample site, into SQLite and PostgreSQL, and the real `archive
stats`."""
from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta

import pytest
from crawler.papers import get_paper
from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.models import AbsentIssue
from tests.conftest import archive_command, crawl_runs, crawl_site, run_crawl, sql_rows
from tests.sites import SAMPLE_DAY, sample_site
from tests.test_dead_links import GIVE_UP_AT_SECOND, NO_PDFS, crawler, move_clock
from tests.test_site_oddities import ERROR_PAGE

NONE = date(2023, 2, 7)  # a Tuesday between two issues of the weekly paper: the site has no issue of it
DAYS = [SAMPLE_DAY, date(2023, 2, 14)]
RANGE = (f"start={SAMPLE_DAY}", "end=2023-02-14")
ENTRY = f"{NONE:%Y-%m/%d}/node_1.htm"
ABSENT = "SELECT issue_date, status, reason, runs, confirmed_since IS NOT NULL FROM absent_issues ORDER BY issue_date"


def _absent(archive: str) -> list[tuple]:
    return [(str(day), status, reason, runs, bool(confirmed)) for day, status, reason, runs, confirmed in sql_rows(archive, ABSENT)]


def _stats(archive: str) -> tuple[list[str], list[str]]:
    """The dates `archive stats` lists under "Missing issues of gongyishibao" (its heading first),
    and under "Without an issue" (none: no heading)."""
    done = archive_command("stats", archive=archive)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    sections = done.stdout.split("\n\n")
    listed = [[line for line in section.splitlines() if line] for section in sections]
    missing = next(lines for lines in listed if lines[0].startswith("Missing issues of gongyishibao"))
    without = next((lines for lines in listed if lines[0].startswith("Without an issue")), [])
    return missing, without


def _listed_runs(archive: str) -> list[dict[str, str]]:
    """The rows of `archive stats`' recent crawl runs, each by its column's heading."""
    done = archive_command("stats", archive=archive)
    assert done.returncode == 0, done.stderr
    head, _rule, *rows, _count = done.stdout.split("Recent crawl runs\n")[1].splitlines()
    names = [cell.strip() for cell in head.split(" | ")]
    return [dict(zip(names, (cell.strip() for cell in row.split(" | ")))) for row in rows]


def _crawl(server: SiteServer, archive: str, settings: dict[str, str] | None = None):
    """Crawls of the range from ``server``, each giving its result and the entry pages it asked."""
    crawl = crawler(server, archive, dates=RANGE, folder="html/", **({"settings": settings} if settings else {}))

    def entries(*args: str):
        done, asked = crawl(*args)
        return done, [path for path in asked if path.endswith("node_1.htm")]
    return entries


def _put_up_issue(site, tmp_path) -> None:
    """The site puts the issue of NONE up after all."""
    whole = sample_site(tmp_path / "whole", [NONE], pdfs=False)
    target = site / f"html/{NONE:%Y-%m/%d}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(whole / f"html/{NONE:%Y-%m/%d}", target)


def test_a_date_answered_404_on_runs_over_a_week_has_no_issue_is_not_missing_and_not_asked_again(tmp_path, archive_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = _crawl(server, archive_url)
        for run in range(3):  # three runs within minutes: a week has not passed
            done, asked = crawl()
            assert done.returncode == 0, done.stderr[-3000:]
            assert ENTRY in asked
            assert re.search(rf"INFO: no issue of 公益时报 on 2023-02-07 \(404 at http://127\.0\.0\.1:\d+{PREFIX}html/{ENTRY}; "
                             rf"HTTP 404 on {run + 1} of the 3 runs over 7 days after which the date is taken for one "
                             r"without an issue\)$", done.stderr, re.M), done.stderr[-3000:]
        assert _absent(archive_url) == [("2023-02-07", 404, "not_found", 3, False)]
        missing, without = _stats(archive_url)
        assert missing[0].endswith(": 1 of 3 scheduled") and without == []
        assert re.fullmatch(r"  2023-02-07 Tue  HTTP 404 on 3 runs since \d{4}-\d\d-\d\d \d\d:\d\d, still asked", missing[1])

        move_clock(archive_url, 8, AbsentIssue)
        done, asked = crawl()
        assert done.returncode == 0 and ENTRY in asked, done.stderr[-3000:]
        assert re.search(r"INFO: no issue of 公益时报 on 2023-02-07: HTTP 404 on 4 runs over 8 days since \d{4}-\d\d-\d\d, "
                         rf"taken for a date without an issue, not asked again \(-a refresh=1 asks again\): "
                         rf"http://127\.0\.0\.1:\d+{PREFIX}html/{ENTRY}$", done.stderr, re.M), done.stderr[-3000:]
        assert _absent(archive_url) == [("2023-02-07", 404, "not_found", 4, True)]
        missing, without = _stats(archive_url)
        assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-01-31 to 2023-02-14: 0 of 3 scheduled"]
        assert without[0] == ("Without an issue, gongyishibao from 2023-01-31 to 2023-02-14: 1 date the site answered "
                              "no issue for on enough runs (absent_issues), not counted as missing and not asked again "
                              "(-a refresh=1 asks)")
        assert re.fullmatch(r"  2023-02-07 Tue  HTTP 404 on 4 runs since \d{4}-\d\d-\d\d \d\d:\d\d", without[1]) and len(without) == 2

        assert "check the crawl's root" not in done.stderr  # the root serves the paper's issues
        # The range costs no request now: its issues are complete, the date without one is left out.
        done, asked = crawl()
        assert (done.returncode, asked) == (0, []), done.stderr[-3000:]
        assert "issues 2/3 (2 already complete, 1 without an issue)" in done.stderr
        assert re.search(r" INFO: plan: 公益时报 \(gongyishibao\) 2023-01-31 to 2023-02-14: 3 scheduled issue dates \(every Tue\); "
                         "2 held complete, skipped; 1 taken for date without an issue, skipped; no dates to ask$",
                         done.stderr, re.M), done.stderr[-3000:]

        # refresh=1 asks it again: still none, still no failure.
        done, asked = crawl("refresh=1")
        assert done.returncode == 0 and ENTRY in asked, done.stderr[-3000:]
        assert re.search(r"INFO: still no issue of 公益时报 on 2023-02-07 \(HTTP 404 on 5 runs since \d{4}-", done.stderr)
        assert _absent(archive_url) == [("2023-02-07", 404, "not_found", 5, True)]

        # The site puts the issue up after all: a refresh stores it, and its record goes.
        _put_up_issue(site, tmp_path)
        done, asked = crawl("refresh=1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"INFO: issue of 公益时报 on 2023-02-07 served after 5 runs without one since \d{4}-\d\d-\d\d, "
                     "taken for none till now: ", done.stderr)
    assert _absent(archive_url) == []
    assert sql_rows(archive_url, "SELECT count(*) FROM issues") == [(3,)]
    missing, without = _stats(archive_url)
    assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-01-31 to 2023-02-14: 0 of 3 scheduled"]
    assert without == []


def test_a_date_answered_404_once_that_then_serves_its_issue_is_stored_and_not_reported_absent(tmp_path, archive_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = _crawl(server, archive_url)
        first, _ = crawl()  # today's issue asked at dawn: not up yet
        assert _absent(archive_url) == [("2023-02-07", 404, "not_found", 1, False)]
        _put_up_issue(site, tmp_path)
        done, asked = crawl()
    assert (first.returncode, done.returncode) == (0, 0), done.stderr[-3000:]
    assert asked[0] == ENTRY and len(asked) == 1
    assert re.search(r"INFO: issue of 公益时报 on 2023-02-07 served after 1 run without one since \d{4}-\d\d-\d\d: http://",
                     done.stderr)
    assert _absent(archive_url) == []
    assert sql_rows(archive_url, "SELECT count(DISTINCT i.id), count(a.id) FROM issues i JOIN pages p ON p.issue_id = i.id "
                                 "JOIN articles a ON a.page_id = p.id") == [(3, 60)]
    missing, without = _stats(archive_url)
    assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-01-31 to 2023-02-14: 0 of 3 scheduled"]
    assert without == []
    # Each run's count of dates without an issue, as crawl_runs holds it: the first run's 1 (the
    # date not up yet), the second's 0 (it served the issue), the most recent run first.
    runs = crawl_runs(archive_url)
    assert [r.dates_without_issue for r in runs] == [0, 1]
    assert [(row["id"], row["dates without issue"]) for row in _listed_runs(archive_url)] == [
        (str(r.id), str(r.dates_without_issue)) for r in runs]


def test_a_date_answered_with_the_sites_error_page_and_status_200_has_no_issue_as_a_404_does(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    entry = site / "html" / ENTRY
    entry.parent.mkdir(parents=True)
    entry.write_text(ERROR_PAGE, encoding="utf-8")
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = _crawl(server, sqlite_url, GIVE_UP_AT_SECOND)
        (first, _), (confirmed, _), (last, asked) = (crawl() for _ in range(3))
    assert (first.returncode, confirmed.returncode, last.returncode) == (0, 0, 0), confirmed.stderr[-3000:]
    assert "error page '页面不存在' on 1 of the 2 runs over 0 days after which the date is taken" in first.stderr
    assert "INFO: no issue of 公益时报 on 2023-02-07: error page '页面不存在' on 2 runs over 0 days since " in confirmed.stderr
    assert asked == []
    assert _absent(sqlite_url) == [("2023-02-07", 200, "error_page", 2, True)]
    missing, without = _stats(sqlite_url)
    assert missing[0].endswith(": 0 of 3 scheduled")
    assert re.fullmatch(r"  2023-02-07 Tue  its error page \(HTTP 200\) on 2 runs since \S+ \S+", without[1])


@pytest.mark.parametrize("status, none", [(410, True), (404, True), (500, False), (503, False)])
def test_a_date_answered_410_has_no_issue_as_a_404_and_a_5xx_stays_a_failure(tmp_path, sqlite_url, status, none):
    """410 Gone was a failed issue (exit status 4) on every run, for good; a 5xx is the site's
    trouble, not a date without an issue: a failure, asked again."""
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX, faults={f"{PREFIX}html/{ENTRY}": [status] * 20}) as server:
        crawl = _crawl(server, sqlite_url, GIVE_UP_AT_SECOND)
        (first, _), (second, _), (last, asked) = (crawl() for _ in range(3))
    runs = (first, second, last)
    assert all("Traceback" not in done.stderr for done in runs)
    if none:
        assert [done.returncode for done in runs] == [0, 0, 0], first.stderr[-3000:]
        assert re.search(rf"INFO: no issue of 公益时报 on 2023-02-07 \({status} at http://\S+/{ENTRY}; HTTP {status} on 1 of "
                         "the 2 runs", first.stderr), first.stderr[-3000:]
        assert f"INFO: no issue of 公益时报 on 2023-02-07: HTTP {status} on 2 runs over 0 days since " in second.stderr
        assert asked == [] and _absent(sqlite_url) == [("2023-02-07", status, "not_found", 2, True)]
        missing, without = _stats(sqlite_url)
        assert missing[0].endswith(": 0 of 3 scheduled")
        assert re.fullmatch(rf"  2023-02-07 Tue  HTTP {status} on 2 runs since \S+ \S+", without[1])
    else:
        assert [done.returncode for done in runs] == [4, 4, 4]
        assert f"ERROR: issue of 公益时报 on 2023-02-07 not fetched (HTTP {status}): http://" in last.stderr
        assert set(asked) == {ENTRY} and _absent(sqlite_url) == []  # asked again (and retried)
        missing, without = _stats(sqlite_url)
        assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-01-31 to 2023-02-14: 1 of 3 scheduled",
                           "  2023-02-07 Tue"] and without == []


@pytest.mark.parametrize("redirect", [False, True])
def test_a_date_answered_with_another_dates_issue_has_no_issue_and_stores_nothing_under_it(tmp_path, sqlite_url, redirect):
    """A site that answers a date without an issue with its newest issue, in place or by a
    redirect to its entry page: the date was skipped with a warning and recorded nowhere, so it
    stayed missing and was asked on every run; the redirect, to an entry page the range asks
    itself, was dropped as a duplicate request without a word."""
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    newest = f"html/{DAYS[-1]:%Y-%m/%d}/node_1.htm"
    if not redirect:
        (site / "html" / ENTRY).parent.mkdir(parents=True)
        shutil.copy(site / newest, site / "html" / ENTRY)
    with SiteServer(site, prefix=PREFIX) as server:
        if redirect:
            server._redirects[f"{PREFIX}html/{ENTRY}"] = f"{server.url}{PREFIX.lstrip('/')}{newest}"
        crawl = _crawl(server, sqlite_url, GIVE_UP_AT_SECOND)
        (first, _), (second, _), (last, asked) = (crawl() for _ in range(3))
    assert [done.returncode for done in (first, second, last)] == [0, 0, 0], first.stderr[-3000:]
    by = rf" by a redirect to http://\S+/{newest}" if redirect else ""
    assert re.search(rf"INFO: no issue of 公益时报 on 2023-02-07 \(the issue of 2023-02-14{by} at http://\S+/{ENTRY}; "
                     "another date's issue on 1 of the 2 runs", first.stderr), first.stderr[-3000:]
    assert "INFO: no issue of 公益时报 on 2023-02-07: another date's issue on 2 runs over 0 days since " in second.stderr
    assert asked == [] and _absent(sqlite_url) == [("2023-02-07", 302 if redirect else 200, "other_issue", 2, True)]
    # The newest issue is stored once, under its own date, its pages and articles with it.
    assert sql_rows(sqlite_url, "SELECT i.issue_date, count(DISTINCT p.id), count(a.id) FROM issues i "
                                "JOIN pages p ON p.issue_id = i.id JOIN articles a ON a.page_id = p.id "
                                "GROUP BY i.issue_date ORDER BY i.issue_date") == [("2023-01-31", 16, 20), ("2023-02-14", 16, 20)]
    assert sql_rows(sqlite_url, "SELECT count(*) FROM pages WHERE url LIKE '%/2023-02/07/%'") == [(0,)]
    missing, without = _stats(sqlite_url)
    assert missing[0].endswith(": 0 of 3 scheduled")
    assert re.fullmatch(rf"  2023-02-07 Tue  another date's issue \(HTTP {302 if redirect else 200}\) "
                        r"on 2 runs since \S+ \S+", without[1])


def test_stats_spans_the_dates_without_an_issue_as_it_spans_the_archived_issues(archive_url):
    # The span ran over the archived issues only: a paper known only by dates without an issue
    # showed no section, and such dates after the last issue showed only with --since/--until.
    once = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    done, _ = crawl_site(archive_url, "start=2023-02-07", "end=2023-02-21", date=None, settings=once)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [row[4] for row in _absent(archive_url)] == [True, True, True]
    assert "no issue of 公益时报 on 2023-02-07: HTTP 404 on 1 run over 0 days since " in done.stderr  # not "1 runs"
    missing, without = _stats(archive_url)
    assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-02-07 to 2023-02-21: 0 of 3 scheduled"]
    assert without[0].startswith("Without an issue, gongyishibao from 2023-02-07 to 2023-02-21: 3 dates ")
    assert [line.split("  ")[1] for line in without[1:]] == ["2023-02-07 Tue", "2023-02-14 Tue", "2023-02-21 Tue"]

    # The issue before them: the span runs from it to the last date without one.
    done, _ = crawl_site(archive_url, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    missing, without = _stats(archive_url)
    assert missing == ["Missing issues of gongyishibao (every Tue) from 2023-01-31 to 2023-02-21: 0 of 4 scheduled"]
    assert without[0].startswith("Without an issue, gongyishibao from 2023-01-31 to 2023-02-21: 3 dates ") and len(without) == 4

    # A date answered without an issue on fewer runs, after them, may yet serve its issue: the
    # span does not run to it (given, it lists the date missing, still asked).
    done, _ = crawl_site(archive_url, date="2023-03-07", settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _stats(archive_url) == (missing, without)
    given = archive_command("stats", "--since", "2023-03-07", "--until", "2023-03-07", archive=archive_url)
    assert re.search(r"^  2023-03-07 Tue  HTTP 404 on 1 run since \S+ \S+, still asked$", given.stdout, re.M), given.stdout


def test_the_walk_back_to_the_newest_issue_asks_a_date_without_an_issue_and_records_nothing(sqlite_url, paper_day):
    # The last Tuesday is taken for a date without an issue at its first 404; then a crawl of the
    # newest issue, without the latest-issue page, walks back over it and the Tuesday before.
    today = paper_day
    tuesdays = [today - timedelta(days=n) for n in range(14) if (today - timedelta(days=n)).isoweekday() == 2]
    once = {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    dated, _ = crawl_site(sqlite_url, date=str(tuesdays[0]), settings=once)
    assert dated.returncode == 0, dated.stderr[-3000:]
    assert _absent(sqlite_url) == [(str(tuesdays[0]), 404, "not_found", 1, True)]
    done, requests = crawl_site(sqlite_url, date=None, faults={f"{PREFIX}paperindex.htm": [404]}, settings=once)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r.path for r in requests if r.path.endswith("node_1.htm")] == [
        f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm" for day in tuesdays]
    assert "no issue of 公益时报 found in the last 14 days" in done.stderr
    assert _absent(sqlite_url) == [(str(tuesdays[0]), 404, "not_found", 1, True)]
    # Nor counted: the dated run found its date without an issue, the walk back none.
    assert [(r.dates_asked, r.dates_without_issue) for r in crawl_runs(sqlite_url)] == [("latest", 0), (str(tuesdays[0]), 1)]


def test_the_walk_back_to_the_newest_issue_goes_past_a_date_that_serves_another_dates_issue(tmp_path, sqlite_url, paper_day):
    # The last Tuesday, not up yet, answered with the issue of the Tuesday before: the walk back
    # stopped at it ("skipped"), and the run fetched no issue at all.
    today = paper_day
    tuesdays = [today - timedelta(days=n) for n in range(14) if (today - timedelta(days=n)).isoweekday() == 2]
    site = sample_site(tmp_path / "site", [tuesdays[1]], pdfs=False)
    last = site / f"html/{tuesdays[0]:%Y-%m/%d}/node_1.htm"
    last.parent.mkdir(parents=True)
    shutil.copy(site / f"html/{tuesdays[1]:%Y-%m/%d}/node_1.htm", last)
    done, requests = crawl_site(sqlite_url, date=None, site=site, faults={f"{PREFIX}paperindex.htm": [404]})
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r.path for r in requests if r.path.endswith("node_1.htm")] == [
        f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm" for day in tuesdays]
    assert sql_rows(sqlite_url, "SELECT issue_date, url LIKE :entry FROM issues", entry=f"%/{tuesdays[1]:%Y-%m/%d}/node_1.htm") == [
        (str(tuesdays[1]), 1)]
    assert _absent(sqlite_url) == []  # the walk back records nothing
    assert [r.dates_without_issue for r in crawl_runs(sqlite_url)] == [0]


@pytest.mark.parametrize("day, why", [
    ("2023-01-30", "2023-01-30 is a Mon, a day the paper's profile schedules no issue on (every Tue)"),
    ("2023-01-24", "2023-01-24 is in the paper's break from 2023-01-21 to 2023-01-27 (its profile's schedule.breaks)"),
])
def test_a_date_given_that_the_profile_schedules_no_issue_on_is_named_as_such_when_it_has_none(tmp_path, monkeypatch, sqlite_url, day, why):
    # date= alone is asked scheduled or not; answered 404, the run's last line blamed the crawl's
    # root, with no word that the day is none of the paper's.
    from crawler.papers import PROFILES_ENV
    from tests.sites import own_paper

    papers = own_paper(tmp_path / "papers", "zhoubao", schedule='{ weekdays = [2], breaks = [{ from = 2023-01-21, to = 2023-01-27 }] }')
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=zhoubao", f"date={day}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=sqlite_url, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(rf"WARNING: 1 date answered without an issue at http://127\.0\.0\.1:\d+{PREFIX}, none served one, and the "
                     rf"archive holds no issue of zhoubao from there: {re.escape(why)}; if the paper printed one that day, check "
                     r"the crawl's root \(-a base_url=\)$", done.stderr, re.M), done.stderr[-3000:]


def test_dates_taken_for_none_at_a_mistyped_base_url_are_asked_again_from_the_right_one(tmp_path, archive_url):
    # A cron job with a mistyped base_url: every entry page answers 404, and after 3 runs over a
    # week every date of its range was taken for one without an issue. Once the address is put
    # right, the range was skipped whole and its issues never archived.
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        wrong = f"base_url={server.url}{PREFIX.lstrip('/')}wrong/"
        for _ in range(3):
            done = run_crawl(*RANGE, wrong, archive=archive_url, settings=NO_PDFS)
            assert done.returncode == 0, done.stderr[-3000:]
            assert re.search(rf"WARNING: 3 dates answered without an issue at http://127\.0\.0\.1:\d+{PREFIX}wrong/, none "
                             r"served one, and the archive holds no issue of gongyishibao from there: check the crawl's root "
                             r"\(-a base_url=\), unless the paper printed none on those days$", done.stderr, re.M), done.stderr[-3000:]
        move_clock(archive_url, 8, AbsentIssue)
        done = run_crawl(*RANGE, wrong, archive=archive_url, settings=NO_PDFS)
        assert done.returncode == 0, done.stderr[-3000:]
        assert [row[4] for row in _absent(archive_url)] == [True, True, True]

        done, asked = _crawl(server, archive_url)()  # the right address
    assert done.returncode == 0, done.stderr[-3000:]
    assert "check the crawl's root" not in done.stderr
    assert sorted(asked) == sorted(f"{day:%Y-%m/%d}/node_1.htm" for day in [SAMPLE_DAY, NONE, DAYS[1]])
    assert [str(day) for day, in sql_rows(archive_url, "SELECT issue_date FROM issues ORDER BY issue_date")] == [str(SAMPLE_DAY), str(DAYS[1])]
    assert _absent(archive_url) == [("2023-02-07", 404, "not_found", 1, False)]
    missing, without = _stats(archive_url)
    assert missing[0].endswith(": 1 of 3 scheduled") and without == []


def test_the_walk_back_goes_past_the_date_the_latest_issue_page_leads_to_when_it_has_no_issue(tmp_path, sqlite_url, paper_day):
    # The latest-issue page refreshes to the last Tuesday, not up yet (404): the walk back from
    # tomorrow asked that entry page again, the duplicate was dropped, and the run stopped there
    # with exit status 0 and no issue, the Tuesday before on the site.
    today = paper_day
    tuesdays = [today - timedelta(days=n) for n in range(14) if (today - timedelta(days=n)).isoweekday() == 2]
    site = sample_site(tmp_path / "site", [tuesdays[1]], pdfs=False)
    index = site / "paperindex.htm"
    index.write_text(index.read_text(encoding="utf-8").replace(f"{SAMPLE_DAY:%Y-%m/%d}", f"{tuesdays[0]:%Y-%m/%d}"),
                     encoding="utf-8")
    done, requests = crawl_site(sqlite_url, date=None, site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "the latest-issue page leads to a missing issue (404 at " in done.stderr
    assert [r.path for r in requests if r.path.endswith("node_1.htm")] == [
        f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm" for day in tuesdays]  # the last Tuesday asked once
    assert [str(day) for day, in sql_rows(sqlite_url, "SELECT issue_date FROM issues")] == [str(tuesdays[1])]
    assert _absent(sqlite_url) == []  # the newest issue's crawl records nothing
    assert [r.dates_without_issue for r in crawl_runs(sqlite_url)] == [0]  # nor counts anything


def test_an_archived_issue_whose_entry_page_answers_404_is_no_date_without_an_issue(tmp_path, archive_url):
    # An issue stored incomplete (a page failed), then asked again while its entry page answered
    # 404 (a site down for maintenance): the date was recorded, and taken, for one without an
    # issue though the archive holds its issue, the crawl said so, and no dated crawl asked the
    # issue again once the site served it, so it stayed incomplete.
    site = sample_site(tmp_path / "site", [SAMPLE_DAY], pdfs=False)
    entry = f"{PREFIX}html/{SAMPLE_DAY:%Y-%m/%d}/node_1.htm"
    page = f"{PREFIX}html/{SAMPLE_DAY:%Y-%m/%d}/node_2.htm"
    once = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    first, _ = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), faults={page: [500, 500, 500]}, settings=once)
    assert first.returncode == 4, first.stderr[-3000:]
    down, _ = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), faults={entry: [404]}, settings=once)
    assert down.returncode == 0, down.stderr[-3000:]
    assert re.search(rf"WARNING: the issue of 公益时报 on {SAMPLE_DAY}, held in the archive, was not served "
                     rf"\(404 at http://\S+{entry}\): it stays as stored\n", down.stderr), down.stderr[-3000:]
    assert "without an issue" not in down.stderr
    assert _absent(archive_url) == []
    assert crawl_runs(archive_url)[0].dates_without_issue == 0
    again, asked = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), settings=once)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [r.path for r in asked if r.path in (entry, page)] == [entry, page]
    assert sql_rows(archive_url, "SELECT count(*) FROM pages") == [(16,)]


def test_a_date_without_an_issue_a_pipeline_raised_on_is_a_failure_not_a_date_without_an_issue(tmp_path, sqlite_url):
    # Scrapy logs the traceback and the date's answer goes unrecorded: the failure line named it a
    # processing error, while the summary counted the date "without an issue", not failed.
    import json

    from crawler.settings import ITEM_PIPELINES

    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    pipelines = json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.RaisingOnAbsentPipeline": 150})
    done, _ = crawl_site(sqlite_url, site=site, date=str(NONE), settings=NO_PDFS | {"ITEM_PIPELINES": pipelines})
    assert done.returncode == 4, done.stderr[-3000:]
    assert "ValueError: a defect processing" in done.stderr
    assert re.search(rf"ERROR: not fetched: 公益时报 \(gongyishibao\) {NONE}: 1 date \(first: http://\S+{ENTRY}: "
                     "processing error: a defect processing ", done.stderr), done.stderr[-3000:]
    assert f"summary: gongyishibao {NONE} (finished): issues 0/1 (0 already complete, 1 failed), " in done.stderr
    assert _absent(sqlite_url) == []
    again, _ = crawl_site(sqlite_url, site=site, date=str(NONE), settings=NO_PDFS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _absent(sqlite_url) == [(str(NONE), 404, "not_found", 1, False)]


def test_the_summary_counts_an_archived_issue_whose_entry_page_answers_404_as_held_not_as_lost(tmp_path, archive_url):
    # The summary of such a run read "issues 0/1 (0 already complete)", exit status 0: to a
    # reader of the cron mail, the one issue asked was neither fetched nor had, and nothing said
    # the archive keeps it as stored.
    site = sample_site(tmp_path / "site", [SAMPLE_DAY], pdfs=False)
    entry = f"{PREFIX}html/{SAMPLE_DAY:%Y-%m/%d}/node_1.htm"
    page = f"{PREFIX}html/{SAMPLE_DAY:%Y-%m/%d}/node_2.htm"
    held = "issues 0/1 (0 already complete, 1 held but not served, kept as stored), pages 0/0, articles 0/0;"
    # Incomplete (a page failed), asked again.
    partly, _ = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), faults={page: [500, 500, 500]}, settings=NO_PDFS)
    assert partly.returncode == 4, partly.stderr[-3000:]
    down, _ = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), faults={entry: [404]}, settings=NO_PDFS)
    assert down.returncode == 0, down.stderr[-3000:]
    assert f"summary: gongyishibao {SAMPLE_DAY} (finished): {held}" in down.stderr, down.stderr[-3000:]
    # Complete, asked again with refresh=1.
    stored, _ = crawl_site(archive_url, site=site, date=str(SAMPLE_DAY), settings=NO_PDFS)
    assert stored.returncode == 0, stored.stderr[-3000:]
    refreshed, _ = crawl_site(archive_url, "refresh=1", site=site, date=str(SAMPLE_DAY), faults={entry: [404]},
                              settings=NO_PDFS)
    assert refreshed.returncode == 0, refreshed.stderr[-3000:]
    assert f"summary: gongyishibao {SAMPLE_DAY} (finished): {held}" in refreshed.stderr, refreshed.stderr[-3000:]


def _behind(archive: str, *args: str) -> list[str]:
    """The lines of `archive stats` saying how many scheduled issues are due after the newest archived."""
    done = archive_command("stats", *args, archive=archive)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("Behind")]


def test_stats_says_how_many_scheduled_issues_are_due_after_the_newest_archived_up_to_today(tmp_path, archive_url, paper_day):
    # Crawls failing for weeks: the gaps end at the newest archived issue, so stats showed
    # nothing missing, and the archive looked complete weeks behind.
    tuesdays = [paper_day - timedelta(days=n) for n in range(35) if (paper_day - timedelta(days=n)).isoweekday() == 2]
    newest, still_asked, no_issue, _, oldest = tuesdays
    site = sample_site(tmp_path / "site", [oldest, newest], pdfs=False)
    done, _ = crawl_site(archive_url, site=site, date=str(oldest), settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    due = tuesdays[-2::-1]
    assert _behind(archive_url) == _behind(archive_url, "--paper", "gongyishibao") == [
        f"Behind, gongyishibao: {len(due)} scheduled issues due since the newest archived, {oldest} "
        f"({due[0]} … {due[-1]}), to today in China, {paper_day}"]
    missing, _ = _stats(archive_url)
    assert missing == [f"Missing issues of gongyishibao (every Tue) from {oldest} to {oldest}: 0 of 1 scheduled"]
    # A span given is the span's: nothing said of the dates after it.
    assert _behind(archive_url, "--since", str(oldest), "--until", str(paper_day)) == []

    # A date taken for one without an issue ends the gaps' span, as an archived issue does: the
    # dates after it are due; one the site answered no issue for on fewer runs is still due.
    once = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    for day, settings in ((no_issue, once), (still_asked, NO_PDFS)):
        done, _ = crawl_site(archive_url, site=site, date=str(day), settings=settings)
        assert done.returncode == 0, done.stderr[-3000:]
    assert [row[:1] + row[-1:] for row in _absent(archive_url)] == [(str(no_issue), True), (str(still_asked), False)]
    assert _behind(archive_url) == [
        f"Behind, gongyishibao: 2 scheduled issues due since the newest archived, {no_issue} "
        f"({still_asked} … {newest}), to today in China, {paper_day}"]
    missing, _ = _stats(archive_url)
    assert missing == [f"Missing issues of gongyishibao (every Tue) from {oldest} to {no_issue}: 1 of 3 scheduled",
                       f"  {tuesdays[3]} Tue"]

    # Up to date: nothing said.
    done, _ = crawl_site(archive_url, site=site, date=str(newest), settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _behind(archive_url) == []


def _stats_json(archive: str, *args: str) -> dict:
    """`archive stats --format json`, as a script reads it."""
    done = archive_command("stats", "--format", "json", *args, archive=archive)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def _known_dates(archive: str) -> tuple[set[date], set[date]]:
    """The archived issues' dates, and those taken for dates without an issue, as the archive holds them."""
    issues = {date.fromisoformat(str(day)[:10]) for day, in sql_rows(archive, "SELECT issue_date FROM issues")}
    absent = {date.fromisoformat(str(day)[:10]) for day, in sql_rows(
        archive, "SELECT issue_date FROM absent_issues WHERE confirmed_since IS NOT NULL")}
    return issues, absent


def _held(archive: str, since: date | None = None, until: date | None = None) -> dict:
    """Issues, pages and articles of the span, counted in SQL, with the first and last issue's dates."""
    span = {"since": since or date.min, "until": until or date.max}
    within = "pa.code = 'gongyishibao' AND i.issue_date BETWEEN :since AND :until"
    issues, first, last = sql_rows(archive, f"SELECT count(*), min(i.issue_date), max(i.issue_date) FROM issues i "
                                            f"JOIN papers pa ON pa.id = i.paper_id WHERE {within}", **span)[0]
    pages, = sql_rows(archive, f"SELECT count(*) FROM pages p JOIN issues i ON i.id = p.issue_id JOIN papers pa "
                               f"ON pa.id = i.paper_id WHERE p.page_number > 0 AND {within}", **span)[0]
    articles, = sql_rows(archive, f"SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i "
                                  f"ON i.id = p.issue_id JOIN papers pa ON pa.id = i.paper_id WHERE {within}", **span)[0]
    return {"issues": issues, "pages": pages, "articles": articles,
            "first_issue_date": first and str(first)[:10], "last_issue_date": last and str(last)[:10]}


def _text_figures(out: str) -> dict:
    """What the text of `archive stats` says of gongyishibao: its counts per year, its missing
    issues' heading and dates, its dates without an issue, its Behind line."""
    sections = [[line for line in section.splitlines() if line] for section in out.split("\n\n")]
    counts = next((lines for lines in sections if lines[0] == "Articles per paper and year"), [])
    rows = [[cell.strip() for cell in line.split(" | ")] for line in counts if line.startswith("gongyishibao |")]
    missing = next((lines for lines in sections if lines[0].startswith("Missing issues of gongyishibao")), [])
    without = next((lines for lines in sections if lines[0].startswith("Without an issue")), [])
    return {"years": [{"year": int(year), "issues": int(issues), "pages": int(pages), "articles": int(articles)}
                      for _, year, issues, pages, articles in rows],
            "missing": missing[:1] + [line.split()[0] for line in missing[1:]],
            "without_issue": [line.split()[0] for line in without[1:]],
            "behind": [line for line in out.splitlines() if line.startswith("Behind")]}


def test_stats_as_json_gives_every_figure_of_its_text_as_the_archive_holds_it(tmp_path, archive_url, paper_day):
    # Scripts watching a scheduled crawl (is a paper behind, its gaps, the last runs' outcome)
    # parsed the text, whose lines are for people and change with them.
    tuesdays = [paper_day - timedelta(days=n) for n in range(35) if (paper_day - timedelta(days=n)).isoweekday() == 2]
    _, _, no_issue, still_asked, oldest = tuesdays
    site = sample_site(tmp_path / "site", [oldest], pdfs=False)
    (site / f"html/{oldest:%Y-%m/%d}/content_306512.htm").unlink()  # a dead link, still asked: the issue incomplete
    done, _ = crawl_site(archive_url, site=site, date=str(oldest), settings=NO_PDFS)
    assert done.returncode == 4, done.stderr[-3000:]
    once = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    for day, settings in ((still_asked, NO_PDFS), (no_issue, once)):
        done, _ = crawl_site(archive_url, site=site, date=str(day), settings=settings)
        assert done.returncode == 0, done.stderr[-3000:]

    text = archive_command("stats", archive=archive_url)
    assert text.returncode == 0, text.stderr
    figures = _text_figures(text.stdout)
    stats = _stats_json(archive_url)
    assert (stats["paper"], stats["since"], stats["until"], stats["holds_issues"]) == (None, None, None, True)
    assert list(stats["papers"]) == [code for code, in sql_rows(archive_url, "SELECT code FROM papers ORDER BY code")]
    paper = stats["papers"]["gongyishibao"]
    held = _held(archive_url)
    assert {key: paper[key] for key in held} == held
    assert paper["years"] == figures["years"]
    assert [sum(year[key] for year in paper["years"]) for key in ("issues", "pages", "articles")] == [
        held["issues"], held["pages"], held["articles"]]

    # The gaps: the profile's schedule between the first and last date the archive knows of.
    issues, absent = _known_dates(archive_url)
    schedule = get_paper("gongyishibao").schedule
    first, last = min(issues | absent), max(issues | absent)
    scheduled = schedule.dates(first, last)
    missing = [day for day in scheduled if day not in issues | absent]
    gaps = paper["gaps"]
    assert (gaps["from"], gaps["to"], gaps["scheduled"]) == (str(first), str(last), len(scheduled))
    assert gaps["missing"] == [str(day) for day in missing] == figures["missing"][1:]
    assert figures["missing"][0].endswith(f"({gaps['schedule']}) from {gaps['from']} to {gaps['to']}: "
                                          f"{len(gaps['missing'])} of {gaps['scheduled']} scheduled")
    asked = sql_rows(archive_url, "SELECT issue_date, status, reason, runs FROM absent_issues WHERE confirmed_since IS NULL")
    assert [(a["date"], a["status"], a["reason"], a["runs"]) for a in gaps["still_asked"]] == [
        (str(day)[:10], status, reason, runs) for day, status, reason, runs in asked] and asked
    assert {a["date"] for a in gaps["still_asked"]} <= set(gaps["missing"])
    assert [a["date"] for a in gaps["without_issue"]] == sorted(str(day) for day in absent) == figures["without_issue"]
    assert all(a["confirmed_since"] for a in gaps["without_issue"]) and gaps["breaks"] == []

    # Behind: the scheduled dates after the last known, up to today in China.
    due = schedule.dates(last + timedelta(days=1), paper_day)
    assert paper["behind"] == {"newest": str(last), "today": str(paper_day), "count": len(due),
                               "first_due": str(due[0]), "last_due": str(due[-1])}
    assert figures["behind"] == [f"Behind, gongyishibao: {len(due)} scheduled issue{'s' * (len(due) > 1)} due since the "
                                 f"newest archived, {last} ({due[0]}{f' … {due[-1]}' * (len(due) > 1)}), to today in "
                                 f"China, {paper_day}"]

    # The issue archived in part, and the dead link that left it so.
    dead = sql_rows(archive_url, "SELECT i.issue_date, d.kind, d.status, d.reason, d.runs, d.url, d.gone_since "
                                 "FROM dead_links d JOIN issues i ON i.id = d.issue_id ORDER BY d.url")
    assert [(link["issue_date"], link["kind"], link["status"], link["reason"], link["runs"], link["url"], link["gone_since"])
            for link in paper["dead_links"]] == [(str(day)[:10], *rest) for day, *rest in dead] and dead
    assert [issue["issue_date"] for issue in paper["incomplete_issues"]] == [str(oldest)]
    listed = text.stdout.split("Incomplete issues: ")[1].splitlines()[3]
    assert [cell.strip() for cell in listed.split("|")] == [
        "gongyishibao", str(oldest), f"{paper['incomplete_issues'][0]['pages_complete']} of "
                                     f"{paper['incomplete_issues'][0]['pages_expected']}"]

    # The runs, the latest first, as crawl_runs holds them.
    assert [(run["id"], run["paper"], run["kind"], run["status"], run["pages_new"], run["pages_failed"], run["articles_new"],
             run["articles_failed"], run["links_gone"], run["dates_without_issue"]) for run in stats["runs"]] == [
        (run.id, run.paper_code, run.kind, run.status, run.pages_new, run.pages_failed, run.articles_new,
         run.articles_failed, run.links_gone, run.dates_without_issue) for run in crawl_runs(archive_url)]
    assert [row.split(" | ")[0].strip() for row in text.stdout.split("Recent crawl runs\n")[1].splitlines()[2:-1]] == [
        str(run["id"]) for run in stats["runs"]]

    # A span given: its counts and its gaps, nothing behind.
    since, until = oldest, still_asked + timedelta(days=1)
    spanned = _stats_json(archive_url, "--since", str(since), "--until", str(until))
    text = archive_command("stats", "--since", str(since), "--until", str(until), archive=archive_url)
    assert (spanned["since"], spanned["until"]) == (str(since), str(until))
    paper = spanned["papers"]["gongyishibao"]
    held = _held(archive_url, since, until)
    assert {key: paper[key] for key in held} == held and paper["years"] == _text_figures(text.stdout)["years"]
    scheduled = schedule.dates(since, until)
    assert (paper["gaps"]["from"], paper["gaps"]["to"], paper["gaps"]["scheduled"]) == (str(since), str(until), len(scheduled))
    assert paper["gaps"]["missing"] == [str(day) for day in scheduled if day not in issues | absent] \
        == _text_figures(text.stdout)["missing"][1:]
    assert paper["behind"] is None and _text_figures(text.stdout)["behind"] == []
