"""The exit status of `scrapy crawl issues` tells how the run went (docs/operations.md, "Exit status"):
0 finished, 1 Scrapy could not start it, 2 bad input, 3 drift alarm (tests/test_monitoring.py), 4 finished but something could
not be fetched, 130/143 interrupted; cron mails one `error:` line even when the log goes to a file.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.dates import paper_today
from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from tests.conftest import (POSTGRES_URL, PROJECT, SAMPLE_SITE, _crawl_command, archive_command, base_url_arg, crawl_runs,
                            crawl_site, refused_connection_words, run_crawl, sql_rows, start_crawl, stored_article_urls, wait_for, without_write_permission)
from tests.sites import sample_site

MANIFEST = json.loads((SAMPLE_SITE / "manifest.json").read_text(encoding="utf-8"))
ENTRY = PREFIX + MANIFEST["entry"]
FAST = {"ARCHIVE_FETCH_PDFS": "False"}


def _to_file(tmp_path: Path) -> dict[str, str]:
    # The log in a file, as the cron line of docs/operations.md has it: stderr holds what cron mails.
    return {"LOG_FILE": str(tmp_path / "crawl.log"), "LOG_LEVEL": "INFO"}


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- 4: the run finished, but something could not be fetched ------------------------------


def test_a_site_that_cannot_be_reached_fails_the_run(tmp_path, sqlite_url):
    # Nothing listens there: the issue's entry page (its page list) cannot be fetched at all.
    base = f"base_url=http://127.0.0.1:{_unused_port()}{PREFIX}"
    done = run_crawl("date=2023-02-07", base, archive=sqlite_url, settings={"RETRY_TIMES": "0"} | _to_file(tmp_path))
    assert done.returncode == 4, done.stderr[-2000:]
    (line,) = done.stderr.splitlines()
    assert re.fullmatch(
        r"error: not fetched: 公益时报 \(gongyishibao\) 2023-02-07: 1 issue, 1 page "
        rf"\(first: http://127\.0\.0\.1:\d+{PREFIX}html/2023-02/07/node_1\.htm: Connection was refused.*\); "
        r"run again to fetch them",
        line,
    ), line
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert line.removeprefix("error: ") in log
    assert re.search(r"\[issues\] ERROR: issue of 公益时报 on 2023-02-07 not fetched \(Connection was refused", log)
    assert ("summary: gongyishibao 2023-02-07 (finished): issues 0/1 (0 already complete, 1 failed), pages 0/0, "
            "articles 0/0; pages 0 new, 0 updated, 1 failed; articles 0 new") in log
    # The failure is handled: no "Error downloading" traceback of the issue's page, and the
    # robots.txt the site did not answer is one line too.
    assert "[scrapy.core.scraper] ERROR" not in log
    assert "Traceback" not in log
    assert re.search(r"\[scrapy\.downloadermiddlewares\.robotstxt\] WARNING: robots\.txt of http://127\.0\.0\.1:\d+ "
                     r"not fetched \(Connection was refused.*\): its pages are fetched without its rules\n", log), log
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.pages_failed, run.articles_failed) == ("failed", 1, 0)
    assert run.message == line.removeprefix("error: ")


def test_an_entry_page_answering_http_errors_fails_the_run_until_it_is_fetched(sqlite_url):
    # run_crawl retries twice: three 500s lose the entry page.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={ENTRY: [500, 500, 500]}) as server:
        failed = run_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=FAST)
        again = run_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert failed.returncode == 4, failed.stderr[-2000:]
    assert re.search(rf"ERROR: issue of 公益时报 on 2023-01-31 not fetched \(HTTP 500\): \S+{ENTRY}", failed.stderr)
    assert "issues 0/1 (0 already complete, 1 failed), pages 0/0, articles 0/0; pages 0 new, 0 updated, 1 failed" in failed.stderr
    assert "Ignoring response" not in failed.stderr
    assert again.returncode == 0, again.stderr[-2000:]
    latest, first = crawl_runs(sqlite_url)
    assert (first.status, first.pages_failed, first.pages_new) == ("failed", 1, 0)
    assert "1 issue, 1 page (first: " in first.message and f"{ENTRY}: HTTP 500)" in first.message
    assert (latest.status, latest.pages_failed, latest.pages_new, latest.articles_new) == ("finished", 0, 16, 20)


def test_a_latest_issue_page_that_fails_while_the_issue_is_fetched_logs_no_error(tmp_path, sqlite_url, paper_day):
    # The site's paperindex.htm answered 503 on every retry; the crawl walked back, found the
    # issue and stored it all, exit status 0. Its log held Scrapy's "ERROR: Gave up retrying"
    # for that page, and the walk back's line gave Scrapy's "(Ignoring non-200 response)" for
    # why: a journal or log watched for errors (`journalctl -p err`) reported a run that failed
    # nothing. (The archive plays no part: SQLite alone.)
    tuesday = paper_day - timedelta(days=(paper_day.isoweekday() - 2) % 7)
    site = sample_site(tmp_path / "site", days=(tuesday,), pdfs=False)
    with SiteServer(site, prefix=PREFIX, faults={f"{PREFIX}paperindex.htm": [503] * 3}) as server:
        done = run_crawl(base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "issues 1/1 (0 already complete), pages 16/16, articles 20/20" in done.stderr
    assert " ERROR: " not in done.stderr, [line for line in done.stderr.splitlines() if " ERROR: " in line]
    assert re.search(rf"WARNING: http://[^ ]+{PREFIX}paperindex.htm not fetched \(HTTP 503\): walking back over "
                     r"scheduled days", done.stderr)


def test_a_robots_txt_answering_server_errors_after_its_retries_is_one_warning_and_no_error(sqlite_url):
    # robots.txt answered 503 on every retry: the issue was fetched whole, exit status 0, yet the
    # log held Scrapy's "ERROR: Gave up retrying" for robots.txt and not the one line a robots.txt
    # lost to a network error gives. (The archive plays no part: SQLite alone.)
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={"/robots.txt": [503] * 3}) as server:
        done = run_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=FAST)
        robots_answers = [r.status for r in server.requests if r.path == "/robots.txt"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert robots_answers == [503] * 3
    assert " ERROR: " not in done.stderr, [line for line in done.stderr.splitlines() if " ERROR: " in line]
    warnings = re.findall(r"WARNING: robots\.txt of .*", done.stderr)
    assert len(warnings) == 1, warnings
    assert re.fullmatch(r"WARNING: robots\.txt of http://127\.0\.0\.1:\d+ not fetched \(HTTP 503\): "
                        r"its pages are fetched without its rules", warnings[0]), warnings
    # Counted as an answer the site gave, not under Scrapy's robotstxt/exception_count/<class …>,
    # which reads as a crawler's fault.
    robots_stats = dict(re.findall(r"""["'](robotstxt/.+?)["']: (\d+)""", done.stderr))
    assert robots_stats == {"robotstxt/request_count": "1", "robotstxt/response_count": "1",
                            "robotstxt/response_status_count/503": "1", "robotstxt/not_served": "1"}, robots_stats


def test_latest_counts_an_entry_page_it_cannot_fetch_and_walks_back_no_further(sqlite_url, paper_day):
    # No index page leads to the newest issue: the spider walks back over the paper's publishing
    # days (Tuesdays). The newest one's entry page fails: which issue is the newest is unknown.
    today = paper_day
    tuesday = next(today - timedelta(days=n) for n in range(7) if (today - timedelta(days=n)).isoweekday() == 2)
    entry = f"{PREFIX}html/{tuesday:%Y-%m}/{tuesday:%d}/node_1.htm"
    faults = {f"{PREFIX}paperindex.htm": [404], entry: [503, 503, 503]}
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults=faults) as server:
        done = run_crawl(base_url_arg(server), archive=sqlite_url, settings=FAST)
        asked = [r.path for r in server.requests if r.path.endswith("node_1.htm")]
    assert done.returncode == 4, done.stderr[-2000:]
    assert asked == [entry] * 3
    assert f"ERROR: issue of 公益时报 on {tuesday.isoformat()} not fetched (HTTP 503)" in done.stderr
    (run,) = crawl_runs(sqlite_url)
    assert (run.dates_asked, run.status, run.pages_failed) == ("latest", "failed", 1)
    # The date tried, to run again with date=, not 'latest' (which may be another date by then).
    assert run.message.startswith(f"not fetched: 公益时报 (gongyishibao) {tuesday.isoformat()} (latest): 1 issue, 1 page (first: ")


def test_a_failure_of_the_latest_issue_names_its_date(tmp_path, sqlite_url):
    # The latest-issue page leads to 2023-01-31, one of whose pages cannot be fetched.
    page = f"{PREFIX}html/2023-01/31/node_3.htm"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={page: [500, 500, 500]}) as server:
        done = run_crawl(base_url_arg(server), archive=sqlite_url, settings=FAST | _to_file(tmp_path))
    assert done.returncode == 4
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: not fetched: 公益时报 (gongyishibao) 2023-01-31 (latest): 1 page (first: "), line
    (run,) = crawl_runs(sqlite_url)
    assert (run.dates_asked, run.message) == ("latest", line.removeprefix("error: "))


def test_a_date_without_an_issue_is_no_failure(tmp_path, sqlite_url):
    # The paper did not publish that day: the site answers 404, and that is an answer.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl("date=2023-02-07", base_url_arg(server), archive=sqlite_url, settings=FAST | _to_file(tmp_path))
    assert (done.returncode, done.stderr) == (0, "")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "INFO: no issue of 公益时报 on 2023-02-07 (404 at" in log and "ERROR" not in log
    assert "issues 0/1 (0 already complete, 1 without an issue), pages 0/0, articles 0/0; pages 0 new, 0 updated, 0 failed" in log
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.pages_failed, run.articles_failed, run.message) == ("finished", 0, 0, "")


def test_the_summary_of_a_range_counts_the_dates_without_an_issue(sqlite_url):
    # Four Tuesdays, one issue: "issues 1/4" alone reads as three lost.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl("start=2023-01-24", "end=2023-02-14", base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "issues 1/4 (0 already complete, 3 without an issue), pages 16/16, articles 20/20;" in done.stderr


def test_an_article_robots_txt_forbids_is_no_failure(sqlite_url):
    article = PREFIX + MANIFEST["articles"][1]["path"]
    robots = f"User-agent: charity-press-archive\nDisallow: {article}\n"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, robots_txt=robots) as server:
        done = run_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(rf"WARNING: article not fetched \(Forbidden by robots\.txt\): \S+{article}", done.stderr)
    assert "articles 19/20; pages 16 new, 0 updated, 0 failed; articles 19 new, 0 updated (0 changed), 0 failed" in done.stderr
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.articles_failed) == ("finished", 0)


# --- 2: a setting of the project that is not what it must be --------------------------------


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("ARCHIVE_BATCH_SIZE", "abc", "setting ARCHIVE_BATCH_SIZE='abc' is not a whole number"),
        ("ARCHIVE_BATCH_SIZE", "0", "setting ARCHIVE_BATCH_SIZE='0' is less than 1"),
        ("ARCHIVE_BATCH_SECONDS", "soon", "setting ARCHIVE_BATCH_SECONDS='soon' is not a number"),
        ("ARCHIVE_PDF_WORKERS", "1.5", "setting ARCHIVE_PDF_WORKERS='1.5' is not a whole number"),
        ("ARCHIVE_FETCH_PDFS", "maybe", "setting ARCHIVE_FETCH_PDFS='maybe' is not a yes or no (True/False, 1/0)"),
        ("ARCHIVE_DRIFT_MAX_SHARE", "nan", "setting ARCHIVE_DRIFT_MAX_SHARE='nan' is not a finite number"),
        # A share of the articles: above 1 the drift alarm never went off, and the crawl ran on.
        ("ARCHIVE_DRIFT_MAX_SHARE", "1.5", "setting ARCHIVE_DRIFT_MAX_SHARE='1.5' is more than 1"),
        ("ARCHIVE_PROGRESS_INTERVAL", "1m", "setting ARCHIVE_PROGRESS_INTERVAL='1m' is not a number"),
        ("ARCHIVE_HEARTBEAT_SECONDS", "0", "setting ARCHIVE_HEARTBEAT_SECONDS='0' is less than 0.1"),
        # The run's row records it: the documented PostgreSQL query on crawl_runs then failed
        # with "interval out of range" (SQLite's answered no date, and the run was never killed).
        ("ARCHIVE_HEARTBEAT_SECONDS", "1e300", "setting ARCHIVE_HEARTBEAT_SECONDS='1e300' is more than 3600"),
        ("ARCHIVE_HEARTBEAT_SECONDS", "3601", "setting ARCHIVE_HEARTBEAT_SECONDS='3601' is more than 3600"),
        ("RETRY_BACKOFF_BASE", "-1", "setting RETRY_BACKOFF_BASE='-1' is less than 0"),
        ("GC_YOUNG_THRESHOLD", "lots", "setting GC_YOUNG_THRESHOLD='lots' is not a whole number"),
        ("ARCHIVE_GONE_AFTER_RUNS", "0", "setting ARCHIVE_GONE_AFTER_RUNS='0' is less than 1"),
        ("ARCHIVE_GONE_AFTER_RUNS", "3 runs", "setting ARCHIVE_GONE_AFTER_RUNS='3 runs' is not a whole number"),
        ("ARCHIVE_GONE_AFTER_DAYS", "-1", "setting ARCHIVE_GONE_AFTER_DAYS='-1' is less than 0"),
        ("ARCHIVE_GONE_AFTER_DAYS", "a week", "setting ARCHIVE_GONE_AFTER_DAYS='a week' is not a whole number"),
        # Scrapy's own, that docs/operations.md tells to override: a traceback and exit status 1.
        ("DOWNLOAD_DELAY", "half a second", "setting DOWNLOAD_DELAY='half a second' is not a number"),
        ("RETRY_TIMES", "three", "setting RETRY_TIMES='three' is not a whole number"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "2.5", "setting CONCURRENT_REQUESTS_PER_DOMAIN='2.5' is not a whole number"),
        ("ROBOTSTXT_OBEY", "yes please", "setting ROBOTSTXT_OBEY='yes please' is not a yes or no (True/False, 1/0)"),
        # 0 passed for "less than 0 is wrong", and Scrapy left AutoThrottle out with a warning:
        # the crawl ran unthrottled with exit status 0.
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "0", "setting AUTOTHROTTLE_TARGET_CONCURRENCY='0' is not more than 0"),
        ("RETRY_HTTP_CODES", "500,50x", "setting RETRY_HTTP_CODES='500,50x' is not a list of HTTP statuses (500,502,503)"),
        ("LOG_LEVEL", "info", "setting LOG_LEVEL='info' is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL, in capitals)"),
        # A misspelt name: Scrapy takes any, and the run went on with the default, exit status 0.
        ("ARCHIVE_BATCH_SIZ", "10", "unknown setting ARCHIVE_BATCH_SIZ (given by -s): did you mean ARCHIVE_BATCH_SIZE?"),
        ("ARCHIVE_BATCH", "10", "unknown setting ARCHIVE_BATCH (given by -s): did you mean ARCHIVE_BATCH_SIZE?"),
        ("DOWNLAOD_DELAY", "2", "unknown setting DOWNLAOD_DELAY (given by -s): did you mean DOWNLOAD_DELAY?"),
        ("ARCHIVE_FOO", "1", "unknown setting ARCHIVE_FOO (given by -s): the project's settings are those of crawler/settings.py"),
        ("ARCHIVE_PAPERS", "/srv/papers",
         "ARCHIVE_PAPERS is an environment variable, not a setting: ARCHIVE_PAPERS=FOLDER scrapy crawl issues …"),
    ],
)
def test_a_bad_setting_ends_the_run_with_one_line(sqlite_url, name, value, message):
    # A root on this machine where nothing listens: a value the check let through would crawl
    # it, not the paper's own site on the internet.
    done = run_crawl("date=2023-01-31", f"base_url=http://127.0.0.1:9{PREFIX}", archive=sqlite_url, settings={name: value})
    assert (done.returncode, done.stderr) == (2, f"error: {message}\n")
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_a_setting_near_no_known_name_is_left_to_the_component_that_reads_it(sqlite_url):
    # scrapy-redis's, an add-on's, a test's fault pipeline's: Scrapy passes them on, and so does the check.
    done = crawl_site(sqlite_url, settings={"REDIS_PARAMS": "{}", "SCHEDULER_PERSIST": "True", "T2S_CORRECTIONS": ""}).done
    assert done.returncode == 0, done.stderr[-3000:]


def test_an_archive_url_whose_port_is_no_number_is_one_line_hiding_its_password(capsys):
    from storage.cli import main

    url = "postgresql+psycopg://archivist:secret@db-host:543x/archive"
    message = ("error: invalid archive URL 'postgresql+psycopg://archivist:***@db-host:543x/archive' (given by {}): "
               "its port is not a number\n")
    done = run_crawl("date=2023-01-31", archive=url)
    assert (done.returncode, done.stderr) == (2, message.format("$ARCHIVE_URL"))
    assert main(["--archive", url, "stats"]) == 2
    assert capsys.readouterr() == ("", message.format("--archive"))


@pytest.mark.parametrize("url, paths", [
    ("sqlite://tmp/archive.sqlite3", ("sqlite:///tmp/archive.sqlite3", "sqlite:////tmp/archive.sqlite3")),
    ("sqlite://archive.sqlite3?mode=ro", ("sqlite:///archive.sqlite3?mode=ro", "sqlite:////archive.sqlite3?mode=ro")),
])
def test_a_sqlite_url_with_two_slashes_is_one_line_saying_how_many_it_takes(url, paths):
    # Two slashes make the path's first part a host, which SQLite has none of: the line was
    # "archive error: …: Invalid SQLite URL: …", SQLAlchemy's, not saying what was wrong; with
    # no path after the host (sqlite://archive.sqlite3) the same.
    message = (f"error: invalid archive URL {url!r} (given by {{}}): a SQLite URL has no host: a path from this "
               f"directory takes three slashes ({paths[0]}), an absolute path four ({paths[1]})\n")
    done = run_crawl("date=2023-01-31", f"base_url=http://127.0.0.1:9{PREFIX}", archive=url)
    assert (done.returncode, done.stderr) == (2, message.format("$ARCHIVE_URL"))
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message.format("--archive"))


def test_an_archive_in_a_folder_that_does_not_exist_is_one_line_naming_the_folder():
    # SQLite's own words were "unable to open database file", whichever part was wrong. The
    # crawl runs in the project's folder, so a relative path is taken from there.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl("date=2023-01-31", base_url_arg(server), archive="sqlite:///no-such-folder/archive.sqlite3")
    assert server.requests == []
    assert (done.returncode, done.stderr) == (
        2, f"error: cannot make archive sqlite:///no-such-folder/archive.sqlite3 (given by $ARCHIVE_URL): "
           f"no such folder {PROJECT / 'no-such-folder'} "
           "(three slashes: a path from this directory; an absolute path takes four)\n")
    assert not (PROJECT / "no-such-folder").exists()


@pytest.mark.parametrize("arg", ["date=", "backfill="])
def test_an_argument_given_empty_is_refused_not_taken_for_not_given(sqlite_url, arg):
    # `-a date=$(…)` in a cron line whose command printed nothing crawled the newest issue
    # (an empty base_url, the paper's own site: tests/test_arguments.py, no crawl to the internet).
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(arg, base_url_arg(server), archive=sqlite_url)
    assert server.requests == []
    assert (done.returncode, done.stderr) == (2, f"error: {arg} is empty: give it a value, or leave it out\n")


@pytest.mark.parametrize(
    "args, message",
    [
        # Two issues meant: Scrapy kept the last and crawled it alone, without a word.
        (("date=2023-01-24", "date=2023-01-31"),
         "date= given twice, '2023-01-24' and '2023-01-31': give it once (a range: start= and end=)"),
        (("start=2023-01-01", "end=2023-01-31", "end=2023-02-28"),
         "end= given twice, '2023-01-31' and '2023-02-28': give it once"),
        # Scrapy's usage line and its own error line.
        (("date",), "spider argument 'date' has no value: write -a NAME=VALUE"),
        # A span longer than the calendar: a traceback, exit status 1.
        (("backfill=99999y",), "bad value for backfill: '99999y' reaches back before the year 1 from TODAY"),
        (("backfill=99999999999d",),
         "bad value for backfill: '99999999999d' reaches back before the year 1 from TODAY"),
        (("backfill=8w", "end=2999-01-01"),
         "backfill=8w from end 2999-01-01 asks only days in the future: no issue of them is out yet (today in China is TODAY)"),
    ],
)
def test_an_argument_given_twice_or_out_of_the_calendar_is_one_line(sqlite_url, args, message):
    # The day is the crawl's own: read on both sides of it, for a run that crosses midnight.
    before = paper_today()
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(*args, base_url_arg(server), archive=sqlite_url)
    assert server.requests == []
    said = {(2, f"error: {message.replace('TODAY', str(day))}\n") for day in (before, paper_today())}
    assert (done.returncode, done.stderr) in said


def test_one_argument_given_twice_alike_is_taken_once(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", f"date={ISSUE_DATE}", base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = crawl_runs(sqlite_url)
    assert (run.dates_asked, run.articles_new) == (ISSUE_DATE, len(MANIFEST["articles"]))


def test_a_range_ending_after_tomorrow_asks_no_day_after_tomorrow(tmp_path, sqlite_url, paper_day):
    # A range that runs on into the coming weeks (a cron line's end= at the year's end): the
    # site answers 404 for the Tuesdays not out yet, which were counted as dates without an
    # issue and, answered so on three weekly runs, taken for such before they came out.
    start, end = paper_day - timedelta(days=13), paper_day + timedelta(days=60)
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"start={start}", f"end={end}", base_url_arg(server), archive=sqlite_url, settings=FAST | _to_file(tmp_path))
    tomorrow = paper_day + timedelta(days=1)
    asked = [date.fromisoformat(r.path.split("/html/")[1][:10].replace("/", "-")) for r in server.requests
             if r.path.endswith("node_1.htm")]
    assert (done.returncode, done.stderr) == (0, "")
    tuesdays = [start + timedelta(days=n) for n in range((tomorrow - start).days + 1)
                if (start + timedelta(days=n)).isoweekday() == 2]
    assert sorted(asked) == tuesdays
    from storage.db import open_archive
    archive = open_archive(sqlite_url)
    try:
        from sqlalchemy import text
        with archive.engine.connect() as conn:
            held = [date.fromisoformat(str(day)[:10]) for (day,) in conn.execute(text("SELECT issue_date FROM absent_issues"))]
    finally:
        archive.close()
    assert sorted(held) == sorted(asked)
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "not asked: no issue of them is out yet" in log and f"up to end {end}" in log
    (run,) = crawl_runs(sqlite_url)
    assert run.dates_asked == f"{start}..{end}"  # as given


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_archive_in_memory_is_refused_before_anything_is_fetched(url):
    # The crawl fetched and stored the whole issue into a database each connection has its own
    # of, gone when the process ended: exit status 0 (and a traceback), nothing archived.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl("date=2023-01-31", base_url_arg(server), archive=url)
    assert server.requests == []
    assert (done.returncode, done.stderr) == (
        2, f"error: an archive in memory ({url}) starts empty and is gone when the command ends: name a file, such as sqlite:///archive.sqlite3\n")


def _crawled_then_refused(path, url: str, refused: str) -> str:
    """The sample issue crawled into the SQLite archive at ``path``; a refresh of it crawled
    into ``url`` (that archive read-only) refused in the line ``refused`` before anything is
    fetched. The crawl's site root."""
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        assert run_crawl("date=2023-01-31", base_url_arg(server), archive=f"sqlite:///{path}", settings=FAST).returncode == 0
        asked = len(server.requests)
        done = run_crawl("date=2023-01-31", "refresh=1", base_url_arg(server), archive=url, settings=FAST)
        assert (done.returncode, done.stderr) == (2, refused)
        assert server.requests[asked:] == []
        return base_url_arg(server).removeprefix("base_url=")


@pytest.mark.parametrize("name", ["x.db?mode=ro&uri=true", "档案 甲.db?mode=ro&uri=true"])
def test_an_archive_url_is_shown_as_written(tmp_path, name):
    # SQLAlchemy's rendering of the URL, once shown, wrote file: as file%3A and a path's Chinese
    # as %E6%A1%A3…: not the URL the user gave, nor one to copy back into a command.
    from tests.conftest import archive_command

    url = f"sqlite:///file:{tmp_path}/{name}"
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: archive not found: {url} (given by --archive): no such file\n")
    crawled = run_crawl("date=2023-01-31", f"base_url=http://127.0.0.1:9{PREFIX}", archive=url)
    assert crawled.returncode == 2 and len(crawled.stderr.splitlines()) == 1, crawled.stderr
    assert f" {url}" in crawled.stderr and "%" not in crawled.stderr


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://archivist:s3cr%40t@db-host/archive?options=-csearch_path%3Dpress",
     "postgresql+psycopg://archivist:***@db-host/archive?options=-csearch_path%3Dpress"),
    ("postgresql://archivist:pa:ss@db-host:5432/archive", "postgresql://archivist:***@db-host:5432/archive"),
    ("postgresql://archivist@db-host:5432/archive", "postgresql://archivist@db-host:5432/archive"),
    ("redis://:secret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("sqlite:///file:/srv/x%20y.db?mode=ro&uri=true", "sqlite:///file:/srv/x%20y.db?mode=ro&uri=true"),
])
def test_a_url_is_shown_as_written_with_its_password_hidden(url, shown):
    from storage.db import safe_url

    assert safe_url(url) == shown


@pytest.mark.parametrize("query", ["?mode=ro", "?mode=ro&uri=true"])
def test_a_read_only_archive_url_is_refused_by_writers_and_read_by_readers(tmp_path, query):
    # ?mode=ro without uri=true: SQLAlchemy warned and dropped it, and the crawl and reprocess
    # wrote to the archive. With uri=true: the crawl fetched the whole issue, stored nothing
    # (exit status 4), and reprocess read every document before it failed.
    from tests.conftest import archive_command, sql_rows
    from storage.db import sqlite_uri

    path = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{sqlite_uri(path) if 'uri=' in query else path}{query}"
    refused = f"error: archive {url} is read-only (mode=ro) and this command writes to it: give its URL without mode=ro\n"
    root = _crawled_then_refused(path, url, refused)
    for args in (["reprocess"], ["upgrade"], ["move-root", "gongyishibao", root, "http://localhost/newdzb/"]):
        done = archive_command(*args, archive=url)
        assert (done.returncode, done.stderr) == (2, refused), args
    assert len(crawl_runs(f"sqlite:///{path}")) == 1
    assert sql_rows(f"sqlite:///{path}", "SELECT count(*) FROM article_versions")[0][0] == 0
    # Readers read it, without a warning, as SQLite opens it: read-only.
    for args in (["stats"], ["search", "社区服务"], ["export", "--format", "jsonl"],
                 ["move-root", "--dry-run", "gongyishibao", root, "http://localhost/newdzb/"]):
        done = archive_command(*args, archive=url)
        assert (done.returncode, done.stderr.count("Warning")) == (0, 0), (args, done.stderr)
    assert "2023-01-31 gongyishibao" in archive_command("search", "社区服务", archive=url).stdout


@pytest.mark.parametrize("query", ["?immutable=true", "?immutable=Yes"])
def test_an_archive_url_immutable_by_a_word_is_refused_by_writers(tmp_path, query):
    # SQLite reads immutable=true (yes, on, any number but 0) as immutable=1, read-only: the
    # crawl fetched the whole issue and stored nothing (exit status 4), where immutable=1 was refused.
    from tests.conftest import archive_command

    path = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{path}{query}"
    refused = (f"error: archive {url} is read-only ({query[1:]}) and this command writes to it: "
               f"give its URL without {query[1:]}\n")
    _crawled_then_refused(path, url, refused)
    done = archive_command("upgrade", archive=url)
    assert (done.returncode, done.stderr) == (2, refused)


# --- 130, 143: interrupted -----------------------------------------------------------------


def _interrupted_crawl(tmp_path: Path, sqlite_url: str, settings: dict, signum: int, status: int) -> Path:
    """A crawl of the sample site sent ``signum`` once, a few requests in, ending with ``status``:
    the file its stderr went to."""
    out = tmp_path / "stderr.txt"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        crawl = start_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=settings, log=out)
        wait_for("four requests came", lambda: len(server.requests) >= 4, crawl, 60,
                 said=lambda: out.read_text(encoding="utf-8"))
        crawl.send_signal(signum)  # once: Scrapy stops gracefully and writes what it has
        assert crawl.wait(60) == status
    return out


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_exits_with_the_signal(tmp_path, sqlite_url, signum, status):
    # One request at a time, a little apart: the crawl is still running when the signal comes.
    slow = FAST | {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "1"} | _to_file(tmp_path)
    out = _interrupted_crawl(tmp_path, sqlite_url, slow, signum, status)
    name = signal.Signals(signum).name
    assert out.read_text(encoding="utf-8") == (
        f"error: interrupted by {name}: the run stopped before it was done; run it again\n"
    )
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert f"Received {name}, shutting down gracefully" in log
    # The log ends with the line as well: the ERROR lines stderr repeats are the log's.
    assert log.rstrip().splitlines()[-1].endswith(
        f" ERROR: interrupted by {name}: the run stopped before it was done; run it again")
    (run,) = crawl_runs(sqlite_url)
    assert run.status == "shutdown" and run.finished_at is not None
    assert run.message == f"interrupted by {name}: the run stopped before it was done; run it again"


def test_an_interrupted_run_logging_to_stderr_ends_with_the_interruption(tmp_path, sqlite_url):
    """Without LOG_FILE (a terminal, systemd's journal) the log is stderr: the run's last line
    tells it was interrupted, as its crawl_runs.message does, and tells it once."""
    slow = FAST | {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "1", "LOG_LEVEL": "INFO"}
    out = _interrupted_crawl(tmp_path, sqlite_url, slow, signal.SIGTERM, 143)
    lines = out.read_text(encoding="utf-8").rstrip().splitlines()
    line = "interrupted by SIGTERM: the run stopped before it was done; run it again"
    assert lines[-1].endswith(f" ERROR: {line}"), lines[-5:]
    assert sum(line in each for each in lines) == 1


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_second_signal_forces_the_stop_and_the_run_is_recorded_interrupted(tmp_path, sqlite_url, signum, status):
    """Ctrl-C twice (or SIGTERM twice) while the graceful stop waits for a download: Scrapy
    stops without closing the spider, and the run's row stayed 'running' for good (taken for
    a killed run)."""
    out = tmp_path / "stderr.txt"
    log = tmp_path / "crawl.log"
    with socket.create_server(("127.0.0.1", 0)) as silent:  # a site that takes requests and never answers
        base = f"base_url=http://127.0.0.1:{silent.getsockname()[1]}{PREFIX}"
        crawl = start_crawl("date=2023-01-31", base, archive=sqlite_url, settings=FAST | _to_file(tmp_path), log=out)
        silent.settimeout(60)
        connection, _ = silent.accept()  # a download under way, which the graceful stop waits for
        crawl.send_signal(signum)
        wait_for("the crawl began its graceful stop", lambda: "shutting down gracefully" in log.read_text(encoding="utf-8"),
                 crawl, 60, said=lambda: out.read_text(encoding="utf-8"))
        crawl.send_signal(signum)
        assert crawl.wait(30) == status  # not the download's 60 s: forced
        connection.close()
    name = signal.Signals(signum).name
    line = f"interrupted by {name}: the run stopped before it was done; run it again"
    assert out.read_text(encoding="utf-8") == f"error: {line}\n"
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.message) == ("shutdown", line) and run.finished_at is not None


def _signalled_while_the_last_batch_is_written(tmp_path: Path, url: str, signals: list[int]) -> int:
    """A crawl of the sample issue whose one batch (every item: ARCHIVE_BATCH_SIZE holds them
    all) is written as the spider closes and takes 3 s to commit, sent ``signals`` a few tenths
    of a second apart once that write has begun: its exit status."""
    from crawler.settings import ITEM_PIPELINES

    marker = tmp_path / "writing"
    settings = FAST | _to_file(tmp_path) | {
        "ARCHIVE_BATCH_SIZE": "1000", "SLOW_WRITE_SECONDS": "3", "SLOW_WRITE_MARKER": str(marker),
        "ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.SlowBatchWrites": 50}),
    }
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        crawl = start_crawl("date=2023-01-31", base_url_arg(server), archive=url, settings=settings, log=tmp_path / "stderr.txt")
        wait_for("the last batch's write began, or the crawl ended", lambda: marker.exists() or crawl.poll() is not None,
                 seconds=60)
        assert marker.exists(), (tmp_path / "crawl.log").read_text(encoding="utf-8")[-3000:]  # the crawl ended first
        for signum in signals:
            time.sleep(0.3)
            crawl.send_signal(signum)
        return crawl.wait(60)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_finished_run_writes_its_last_batch_lets_it_close(tmp_path, archive_url, signum):
    """Ctrl-C or SIGTERM after the last page came, while the closing run wrote its last batch:
    Scrapy's graceful stop found the crawl no longer running and stopped the reactor at once,
    in the middle of the close. The batch was written, but the run's row stayed 'running' for
    good (taken for a killed run) and no summary was logged."""
    assert _signalled_while_the_last_batch_is_written(tmp_path, archive_url, [signum]) == 0
    (run,) = crawl_runs(archive_url)
    assert (run.status, run.message, run.pages_new, run.articles_new) == ("finished", "", 16, 20)
    assert run.finished_at is not None
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "summary: gongyishibao 2023-01-31 (finished): issues 1/1 (0 already complete), pages 16/16, articles 20/20" in log
    assert (tmp_path / "stderr.txt").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_second_signal_while_a_batch_is_written_leaves_the_run_counting_it(tmp_path, archive_url, signum, status):
    """The forced stop closed the run's row while the writer thread still wrote the batch, which
    then committed (the process waits for that thread as it exits) without adding its counts to
    a row no longer running: the row said 0 pages, 0 articles new of a run that stored them."""
    assert _signalled_while_the_last_batch_is_written(tmp_path, archive_url, [signum, signum]) == status
    (run,) = crawl_runs(archive_url)
    (pages,), = sql_rows(archive_url, "SELECT COUNT(*) FROM pages")
    articles = len(stored_article_urls(archive_url))
    assert (run.status, run.pages_new, run.articles_new) == ("shutdown", pages, articles)
    assert run.message == f"interrupted by {signal.Signals(signum).name}: the run stopped before it was done; run it again"


def test_a_signal_while_a_run_closed_early_waits_for_a_download_lets_it_close(tmp_path, sqlite_url):
    """Scrapy's CLOSESPIDER_TIMEOUT (a -s setting) closes the spider while a download is under
    way, and the close waits for it before the pipelines write their last batch: nothing public
    and nothing of the project's marks that wait (spider_closed comes after the batch), only
    the engine's own state (crawler/commands/crawl.py: spider_closing). A Ctrl-C or SIGTERM
    then, taken for one while the crawl runs, stopped the reactor once the wait ended, in the
    middle of the close: the run's row stayed 'running' for good and no summary was logged."""
    from crawler.settings import ITEM_PIPELINES

    log = tmp_path / "crawl.log"
    settings = FAST | _to_file(tmp_path) | {
        "CLOSESPIDER_TIMEOUT": "2", "DOWNLOAD_TIMEOUT": "4", "RETRY_ENABLED": "False",
        "ARCHIVE_BATCH_SIZE": "1000", "SLOW_WRITE_SECONDS": "3", "SLOW_WRITE_MARKER": str(tmp_path / "writing"),
        "ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.SlowBatchWrites": 50}),
    }
    with socket.create_server(("127.0.0.1", 0)) as silent:  # takes requests and never answers
        hung = {PREFIX + MANIFEST["articles"][-1]["path"]: f"http://127.0.0.1:{silent.getsockname()[1]}/hung.htm"}
        with SiteServer(SAMPLE_SITE, prefix=PREFIX, redirects=hung) as server:
            crawl = start_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=settings,
                                log=tmp_path / "stderr.txt")
            wait_for("the spider closed for its timeout",
                     lambda: log.exists() and "Closing spider (closespider_timeout)" in log.read_text(encoding="utf-8"),
                     crawl, 60, said=lambda: (tmp_path / "stderr.txt").read_text(encoding="utf-8"))
            assert not (tmp_path / "writing").exists()  # the close waits for the hung download
            crawl.send_signal(signal.SIGTERM)
            status = crawl.wait(60)
    text = log.read_text(encoding="utf-8")
    assert "the run was closing when the signal came" in text
    assert "summary: gongyishibao 2023-01-31 (closespider_timeout)" in text, text[-3000:]
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.finished_at is not None, status) == ("closespider_timeout", True, 4)
    assert run.articles_new == len(MANIFEST["articles"]) - 1


def test_a_stop_does_not_wait_out_a_retry_s_back_off(tmp_path, sqlite_url):
    """SIGTERM while the entry page's retry waits its back-off (a minute here; up to
    RETRY_BACKOFF_MAX, 120 s, or a Retry-After): the stop waited it out, so systemd's
    TimeoutStopSec=120 (docs/operations.md) sent SIGKILL first, losing the batch not yet
    written and leaving the run 'running'."""
    out = tmp_path / "stderr.txt"
    settings = FAST | {"RETRY_BACKOFF_BASE": "60"} | _to_file(tmp_path)
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={ENTRY: [503]}) as server:
        crawl = start_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=settings, log=out)
        # Into the back-off: half a second after the 503 was at times before it, on a busy machine.
        log = tmp_path / "crawl.log"
        wait_for("backed off", lambda: log.exists() and "backing off 60s before retry 1 of" in log.read_text(encoding="utf-8"),
                 crawl, 60)
        stopped = time.monotonic()
        crawl.send_signal(signal.SIGTERM)
        try:
            status = crawl.wait(40)  # well short of the back-off's 60 s, long for a busy machine's stop
        except subprocess.TimeoutExpired:
            crawl.kill()
            crawl.wait()
            pytest.fail("the stop waited for the back-off")
    assert status == 143 and time.monotonic() - stopped < 40, out.read_text(encoding="utf-8")
    assert server.requests.count((ENTRY, 503)) == 1 and (ENTRY, 200) not in server.requests  # not retried after the stop
    (run,) = crawl_runs(sqlite_url)
    assert (run.status, run.message) == ("shutdown", "interrupted by SIGTERM: the run stopped before it was done; run it again")


def test_a_log_file_in_a_missing_folder_is_one_line(tmp_path, sqlite_url):
    # The cron line of docs/operations.md logs to /var/log/charity-press/, which must exist.
    log = tmp_path / "no-such-folder" / "crawl.log"
    result = run_crawl("date=2023-01-31", archive=sqlite_url, settings={"LOG_FILE": str(log)})
    assert (result.returncode, result.stderr.strip()) == (
        2, f"error: cannot write LOG_FILE {str(log)!r}: No such file or directory"
    )


def _archive_broken_after_the_check(tmp_path: Path, archive: str, break_it, wrap=lambda command: command):
    """Run the crawl with its LOG_FILE a FIFO whose buffer is full: the command's check before the
    crawl (which opens the log, then the archive) passes, then Scrapy's first log line holds the
    process until ``break_it()`` has made the archive refuse it (a permission taken away, the
    database dropped), as may happen between the check and the crawl's own opening of it. The
    exit status, stderr and the log's text."""
    log = tmp_path / "crawl.log"
    os.mkfifo(log)
    held = os.open(log, os.O_RDWR | os.O_NONBLOCK)  # the log's reader, its buffer filled
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(held, b"\n" * 4096)
    command, env = _crawl_command(("date=2023-01-31",), archive, FAST | {"LOG_FILE": str(log), "LOG_LEVEL": "INFO"})
    crawl = subprocess.Popen(wrap(command), cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    text = b""
    try:
        # Its output only once it has ended: until then reading it waits for that end.
        wait_for("the crawl blocked writing its log", lambda: "pipe_write" in _proc_read(Path(f"/proc/{crawl.pid}/wchan")),
                 crawl, 120, said=lambda: crawl.poll() is not None and crawl.communicate())
        break_it()

        def log_read() -> None:  # what the log holds now: the FIFO has a writer, ours, so it never ends
            nonlocal text
            with contextlib.suppress(BlockingIOError):
                while chunk := os.read(held, 65536):
                    text += chunk

        wait_for("the crawl ended, its log read meanwhile", lambda: log_read() or crawl.poll() is not None,
                 said=lambda: text.decode("utf-8", errors="replace")[-3000:])
        log_read()
    finally:
        if crawl.poll() is None:
            crawl.kill()
        _, stderr = crawl.communicate(timeout=60)
        os.close(held)
    return crawl.returncode, stderr, text.decode("utf-8", errors="replace").strip("\n")


def test_an_archive_made_unwritable_after_the_check_is_one_line_and_exit_status_2(tmp_path):
    # The folder's permissions changed between the command's check and the crawl's opening of
    # the archive (the store pipeline's): Scrapy failed to start, a traceback and exit status 1.
    # The line says what the command's own check says of such an archive, the variable that
    # gave it included (the pipeline's line lacked its "(given by $ARCHIVE_URL)").
    folder = tmp_path / "archive"
    folder.mkdir()
    archive = f"sqlite:///{folder / 'archive.sqlite3'}"
    open_archive(archive).close()  # as the check leaves it, before the folder's permission goes
    folder.chmod(0o555)
    command, env = _crawl_command(("date=2023-01-31",), archive, FAST)
    checked = subprocess.run(without_write_permission(command), cwd=PROJECT, env=env, capture_output=True, text=True,
                             timeout=120)
    folder.chmod(0o755)
    assert (checked.returncode, checked.stderr) == (
        2, f"error: cannot write archive {archive} (given by $ARCHIVE_URL): the folder {folder} is not writable "
           "(SQLite writes its journal beside the file)\n"
    )
    status, stderr, log = _archive_broken_after_the_check(
        tmp_path, archive, lambda: folder.chmod(0o555), wrap=without_write_permission)
    folder.chmod(0o755)
    assert (status, stderr) == (2, checked.stderr), log[-3000:]
    assert f"ERROR: {stderr.removeprefix('error: ').strip()}" in log and "Traceback" not in log, log[-3000:]
    assert crawl_runs(archive) == []


def test_an_archive_database_dropped_after_the_check_is_one_line_and_exit_status_2(tmp_path, postgres_url):
    def drop() -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{make_url(postgres_url).database}" WITH (FORCE)')
        admin.dispose()

    status, stderr, log = _archive_broken_after_the_check(tmp_path, postgres_url, drop)
    # The server answered: said so, not "database unreachable" (test_crawl.py).
    told = f"error: {refused_connection_words(postgres_url, 'database')} (given by $ARCHIVE_URL)\n"
    assert (status, stderr) == (2, told), log[-3000:]
    assert "Traceback" not in log, log[-3000:]


# --- 1: Scrapy could not start the crawl ---------------------------------------------------


def test_a_crawl_scrapy_cannot_start_says_so_on_stderr_when_the_log_goes_to_a_file(tmp_path, sqlite_url):
    # A component that does not load ends the run before the spider opens: exit status 1, and
    # with the log in a file, as in the cron line, stderr (what cron mails) held nothing.
    settings = _to_file(tmp_path) | {"DOWNLOADER": "no_such_module.Downloader"}
    done = run_crawl("date=2023-01-31", archive=sqlite_url, settings=settings)
    log = tmp_path / "crawl.log"
    assert (done.returncode, done.stderr) == (1, f"error: Scrapy could not start the crawl: its traceback is in {log}\n")
    assert "No module named 'no_such_module'" in log.read_text(encoding="utf-8")
    assert crawl_runs(sqlite_url) == []


def test_a_cron_run_skipped_for_the_lock_has_a_status_of_its_own(tmp_path):
    # The cron line's `flock -n` exited 1 when the last run still held the lock: the status the
    # table gives Scrapy failing to start, so a skipped run read as a broken one. Its flock part,
    # run as written against a lock held here, exits with a status the table says is a skip.
    operations = (PROJECT / "docs" / "operations.md").read_text(encoding="utf-8")
    (cron_flock,) = re.findall(r"&& (flock [^/]*)/run/lock/charity-press\.lock ", operations)
    statuses = dict(re.findall(r"^\| (\d+) \| (.*) \|$", operations, re.M))
    lock = tmp_path / "charity-press.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        skipped = subprocess.run([*cron_flock.split(), str(lock), "true"], capture_output=True, text=True, timeout=30)
    assert (skipped.stdout, skipped.stderr) == ("", "")
    assert statuses.get(str(skipped.returncode), "").startswith("skipped: another run holds the lock"), (
        skipped.returncode, statuses.get(str(skipped.returncode)))


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in (int(n) for path in Path(f"/proc/{todo.pop()}/task").glob("*/children")
                      for n in _proc_read(path).split()):
            found.append(child)
            todo.append(child)
    return found


def _proc_read(path: Path) -> str:
    """A /proc file's text, '' for a process (or thread) gone meanwhile: a process of the crawl's
    tree may end between the reading of the tree and the reading of its files."""
    try:
        return path.read_bytes().decode(errors="replace")
    except (ProcessLookupError, FileNotFoundError):
        return ""


def _a_pdf_worker_up(pid: int) -> bool:
    """Whether ``pid`` is a page-PDF worker that is up: its initializer's watch of the crawl
    runs (a second thread)."""
    try:
        return "spawn_main" in _proc_read(Path(f"/proc/{pid}/cmdline")) and len(list(Path(f"/proc/{pid}/task").iterdir())) > 1
    except FileNotFoundError:
        return False


def test_ctrl_c_in_a_terminal_is_one_line_though_it_reaches_the_pdf_workers_too(tmp_path, sqlite_url):
    # A terminal's Ctrl-C (and systemctl stop, KillMode=control-group) signals every process of
    # the crawl, the page-PDF workers too: an idle worker printed KeyboardInterrupt's traceback.
    slow = {"DOWNLOAD_DELAY": "0.2", "CONCURRENT_REQUESTS": "1"} | _to_file(tmp_path)
    out = tmp_path / "stderr.txt"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        crawl = start_crawl("date=2023-01-31", base_url_arg(server), archive=sqlite_url, settings=slow, log=out)
        wait_for("a page-PDF worker was up", lambda: any(_a_pdf_worker_up(pid) for pid in _descendants(crawl.pid)),
                 crawl, 60, said=lambda: out.read_text(encoding="utf-8"))
        for pid in [crawl.pid, *_descendants(crawl.pid)]:
            with contextlib.suppress(ProcessLookupError):  # gone since the tree was read
                os.kill(pid, signal.SIGINT)
        assert crawl.wait(60) == 130
    assert out.read_text(encoding="utf-8") == (
        "error: interrupted by SIGINT: the run stopped before it was done; run it again\n"
    )


# --- 130: interrupted before the crawl started ----------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_a_stop_while_the_archive_server_does_not_answer_is_the_interruption_line(tmp_path, signum):
    """Ctrl-C (or systemctl stop's SIGTERM) before Scrapy takes the signals over, while the crawl
    waits for its archive (a PostgreSQL server slow to answer): the one line an interrupted run
    ends with and status 130 (143), not Python's traceback, nor, for SIGTERM, a silent death."""
    from tests.conftest import _crawl_command

    with socket.socket() as silent:
        # A server that takes the connection and never answers: the crawl waits on it.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        archive = f"postgresql+psycopg://archivist@127.0.0.1:{silent.getsockname()[1]}/archive"
        command, env = _crawl_command(["date=2023-01-31"], archive, _to_file(tmp_path))
        crawl = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            connection, _ = silent.accept()
            with connection:
                crawl.send_signal(signum)
                out, err = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    assert crawl.returncode == 128 + signum, err
    name = signal.Signals(signum).name
    assert err.splitlines() == [f"error: interrupted by {name}: the run stopped before it was done; run it again"], err


def _signalled_once(command: list[str], env: dict[str, str], marker: Path, signum: int) -> tuple[int, str]:
    """The exit status and stderr of the crawl ``command`` sent ``signum`` once it created ``marker``."""
    crawl = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"{marker.name} made", marker.exists, crawl, 60)
        crawl.send_signal(signum)
        err = crawl.communicate(timeout=60)[1]
        return crawl.returncode, err
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()


def _interruption_line(signum: int) -> str:
    return f"interrupted by {signal.Signals(signum).name}: the run stopped before it was done; run it again"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_a_stop_while_the_crawl_command_is_imported_is_the_interruption_line(tmp_path, sqlite_url, signum):
    """Ctrl-C (or SIGTERM) while Scrapy imports the project's crawl command, before it reads the
    command line (a cold start on a loaded machine): the one line of an interrupted run and
    130 (143), not KeyboardInterrupt's traceback nor a silent death, and no archive made."""
    from tests.crawl_faults import slow_start_up

    marker = tmp_path / "importing"
    command, env = _crawl_command(["date=2023-01-31"], sqlite_url, _to_file(tmp_path))
    status, err = _signalled_once(command, env | slow_start_up(tmp_path, "crawler.commands.crawl", 30, marker), marker, signum)
    assert (status, err.splitlines()) == (128 + signum, [f"error: {_interruption_line(signum)}"]), err
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_a_stop_before_the_engine_runs_is_the_interruption_line_and_closes_the_run(tmp_path, archive_url, signum):
    """Ctrl-C (or SIGTERM) once Scrapy took the signals over, while the spider opens (its run's
    row started, the engine not running yet): Scrapy stopped without closing the spider, and
    the run exited 0 without a word, its row left 'running'. It is stopped as later: one
    line, 130 (143), its row 'shutdown' with the line."""
    from crawler.settings import EXTENSIONS

    marker = tmp_path / "opening"
    slow = _to_file(tmp_path) | FAST | {"EXTENSIONS": json.dumps(EXTENSIONS | {"tests.crawl_faults.SlowSpiderOpened": 900}),
                                        "SLOW_OPEN_SECONDS": "30", "SLOW_OPEN_MARKER": str(marker)}
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        status, err = _signalled_once(*_crawl_command(["date=2023-01-31", base_url_arg(server)], archive_url, slow), marker, signum)
        assert not server.requests
    line = _interruption_line(signum)
    assert (status, err.splitlines()) == (128 + signum, [f"error: {line}"]), err
    assert [(run.status, run.message) for run in crawl_runs(archive_url)] == [("shutdown", line)]
