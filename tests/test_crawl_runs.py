"""The crawl history as operators watch it (docs/operations.md, "The crawl history"): a run's
row counts what its batches stored as each commits, a heartbeat (`seen_at`) moves while it
crawls, items or none, and a run killed with SIGKILL keeps what it stored and a `seen_at` that
no longer moves; `dates_without_issue` counts the dates the run found without an issue, each
once, however often the site was asked for it. The
real `scrapy crawl issues` over HTTP from a copy of the sample site, into SQLite and PostgreSQL."""
from __future__ import annotations

import re
import signal
import time
from datetime import date, datetime, timedelta, timezone

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import as_utc, open_archive
from tests.conftest import archive_command, base_url_arg, crawl_runs, run_crawl, sql_rows, start_crawl, wait_for
from tests.sites import SAMPLE_DAY, sample_site
from tests.test_site_oddities import ERROR_PAGE

NONE = date(2023, 2, 7)  # a Tuesday between two issues of the weekly paper: the site has no issue of it
DAYS = [SAMPLE_DAY, date(2023, 2, 14)]
RANGE = (f"start={SAMPLE_DAY}", "end=2023-02-14")
NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}
HEARTBEAT = 0.3
# One request at a time, a little apart, small batches: the crawl lasts long enough to be killed
# between (or during) batch writes, with heartbeats in between.
SLOW = NO_PDFS | {"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS": "1", "ARCHIVE_BATCH_SIZE": "4",
                  "ARCHIVE_HEARTBEAT_SECONDS": str(HEARTBEAT)}


def _row(archive: str):
    """The one run's row as the archive holds it now, or None before the run wrote it."""
    rows = sql_rows(archive, "SELECT status, finished_at, seen_at, pages_new, pages_updated, articles_new, "
                             "dates_without_issue FROM crawl_runs")
    return rows[0] if rows else None


def _new_archive(archive: str) -> None:
    """Made before the crawl starts, so that the test may look at it at once."""
    open_archive(archive).close()


def _kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def test_a_run_counts_the_dates_it_found_without_an_issue_and_is_seen_to_its_end(tmp_path, archive_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    settings = NO_PDFS | {"ARCHIVE_GONE_AFTER_DAYS": "0"}  # taken for a date without an issue on the third run
    with SiteServer(site, prefix=PREFIX) as server:
        # The first stores both issues; the second and third ask 2023-02-07 alone (the others
        # are complete), the third taking it for a date without an issue: each found it so.
        for _ in range(3):
            done = run_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=settings)
            assert done.returncode == 0, done.stderr[-3000:]
        assert "taken for a date without an issue, not asked again" in done.stderr
        # No run of dates asks it any more: none found without an issue.
        done = run_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=settings)
        assert done.returncode == 0, done.stderr[-3000:]
    runs = crawl_runs(archive_url)[::-1]
    assert [(r.status, r.pages_new, r.articles_new, r.dates_without_issue) for r in runs] == [
        ("finished", 32, 40, 1), ("finished", 0, 0, 1), ("finished", 0, 0, 1), ("finished", 0, 0, 0)]
    for run in runs:
        assert as_utc(run.started_at) <= as_utc(run.seen_at) == as_utc(run.finished_at)
    # The summary line is as it was.
    assert ("summary: gongyishibao 2023-01-31..2023-02-14 (finished): issues 2/3 (2 already complete, 1 without an issue), "
            "pages 0/0, articles 0/0; pages 0 new, 0 updated, 0 failed; articles 0 new, 0 updated (0 changed), 0 failed; "
            "0 links gone; 0 page PDFs without text; 0 template alarms\n") in done.stderr


def _absent_runs(archive: str) -> dict[str, int]:
    return {str(day): runs for day, runs in sql_rows(archive, "SELECT issue_date, runs FROM absent_issues")}


def test_a_run_counts_each_date_it_asked_without_an_issue_once_however_the_site_answered(tmp_path, archive_url):
    """Each answer without an issue, once per date and run, whatever reached the date more than
    once: an entry page retried after a 5xx, another date's entry page fetched twice (its own,
    and the redirect of a date without an issue to it), a batch per item; and a date whose retry
    serves its issue counts nothing. The runs' counts add up to absent_issues.runs, and `archive
    stats` lists each date with the runs the crawls recorded."""
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    error_page = site / "html/2023-01/24/node_1.htm"
    error_page.parent.mkdir(parents=True)
    error_page.write_text(ERROR_PAGE, encoding="utf-8")
    entry = {day: f"{PREFIX}html/{day[:7]}/{day[8:]}/node_1.htm" for day in ("2023-01-24", "2023-02-07", "2023-02-14",
                                                                        "2023-02-21", "2023-02-28")}
    # 2023-02-07: a 503, then the 404 of a date without an issue; 2023-02-14: a 500, then its issue.
    faults = {entry["2023-02-07"]: [503], entry["2023-02-14"]: [500]}
    settings = NO_PDFS | {"ARCHIVE_BATCH_SIZE": "1"}  # a batch per item: no date merged with another's answer
    ranges = [("start=2023-01-24", "end=2023-02-28")] * 2 + [("backfill=2023-02-07", "end=2023-02-21")]
    absent = []
    with SiteServer(site, prefix=PREFIX, faults=faults) as server:
        server._redirects[entry["2023-02-21"]] = f"{server.url}{entry['2023-02-14'].lstrip('/')}"
        for dates in ranges:
            done = run_crawl(*dates, base_url_arg(server), archive=archive_url, settings=settings)
            assert done.returncode == 0, done.stderr[-3000:]
            absent.append(_absent_runs(archive_url))
        asked = [r for r in server.requests if r.path.endswith("node_1.htm")]
    # The first run: 2023-02-14's entry page three times (the 500, its retry, the redirect), 2023-02-07's twice.
    assert [r.status for r in asked if r.path == entry["2023-02-14"]][:3] == [500, 200, 200]
    assert [r.status for r in asked if r.path == entry["2023-02-07"]][:2] == [503, 404]
    assert absent[0] == {"2023-01-24": 1, "2023-02-07": 1, "2023-02-21": 1, "2023-02-28": 1}
    assert absent[1] == {"2023-01-24": 2, "2023-02-07": 2, "2023-02-21": 2, "2023-02-28": 2}
    assert absent[2] == {"2023-01-24": 2, "2023-02-07": 3, "2023-02-21": 3, "2023-02-28": 2}
    runs = crawl_runs(archive_url)[::-1]
    assert [(r.dates_asked, r.pages_new, r.dates_without_issue) for r in runs] == [
        ("2023-01-24..2023-02-28", 32, 4), ("2023-01-24..2023-02-28", 0, 4), ("2023-02-07..2023-02-21", 0, 2)]
    assert sum(r.dates_without_issue for r in runs) == sum(absent[-1].values())
    assert "issues 1/3 (1 already complete, 2 without an issue)" in done.stderr

    listed = archive_command("stats", "--since", "2023-01-24", "--until", "2023-02-28", archive=archive_url)
    assert listed.returncode == 0, listed.stderr
    gaps = re.findall(r"^  (\S+) Tue  (.+) on (\d+) runs since \S+ \S+, still asked$", listed.stdout, re.M)
    assert {day: int(n) for day, _, n in gaps} == absent[-1], listed.stdout
    assert [answer for _, answer, _ in gaps] == [
        "its error page (HTTP 200)", "HTTP 404", "another date's issue (HTTP 302)", "HTTP 404"]
    assert "Missing issues of gongyishibao (every Tue) from 2023-01-24 to 2023-02-28: 4 of 6 scheduled" in listed.stdout


def test_a_run_counts_no_day_before_the_papers_first_issue(tmp_path, archive_url):
    # The profile's first issue is 2001-06-01: the range's Tuesdays of May are not asked, nor counted.
    site = sample_site(tmp_path / "site", [SAMPLE_DAY], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("start=2001-05-01", "end=2001-06-12", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        asked = [r.path.removeprefix(f"{PREFIX}html/") for r in server.requests if r.path.endswith("node_1.htm")]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "the days from 2001-05-01 to 2001-05-31 are not asked" in done.stderr
    assert sorted(asked) == ["2001-06/05/node_1.htm", "2001-06/12/node_1.htm"]
    assert sorted(_absent_runs(archive_url).items()) == [("2001-06-05", 1), ("2001-06-12", 1)]
    assert [r.dates_without_issue for r in crawl_runs(archive_url)] == [2]


def test_a_date_given_alone_off_the_schedule_counts_and_is_listed_once_taken_for_one_without_an_issue(tmp_path, sqlite_url):
    # A Wednesday of the weekly paper, asked by date=: asked, answered 404, counted. `archive
    # stats` lists no unscheduled day missing; once taken for a date without an issue, it is
    # listed as one, with the run that found it so.
    site = sample_site(tmp_path / "site", [SAMPLE_DAY], pdfs=False)
    wednesday = "2023-02-08"
    listed = []
    with SiteServer(site, prefix=PREFIX) as server:
        for gone_after in ("3", "1"):
            settings = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": gone_after, "ARCHIVE_GONE_AFTER_DAYS": "0"}
            done = run_crawl(f"date={wednesday}", base_url_arg(server), archive=sqlite_url, settings=settings)
            assert done.returncode == 0, done.stderr[-3000:]
            stats = archive_command("stats", "--since", "2023-01-31", "--until", "2023-02-14", archive=sqlite_url)
            assert stats.returncode == 0, stats.stderr
            listed.append(re.findall(rf"^  {wednesday} Wed  .*$", stats.stdout, re.M))
    assert [r.dates_without_issue for r in crawl_runs(sqlite_url)] == [1, 1]
    assert _absent_runs(sqlite_url) == {wednesday: 2}
    assert listed[0] == []
    assert len(listed[1]) == 1 and re.fullmatch(rf"  {wednesday} Wed  HTTP 404 on 2 runs since \S+ \S+", listed[1][0]), listed
    assert re.search(r"^Without an issue, gongyishibao from 2023-01-31 to 2023-02-14: ", stats.stdout, re.M), stats.stdout


def test_a_run_killed_mid_crawl_keeps_the_counts_of_what_it_stored_and_its_last_heartbeat(tmp_path, archive_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    _new_archive(archive_url)
    with SiteServer(site, prefix=PREFIX) as server:
        process = start_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=SLOW, log=tmp_path / "killed.log")
        try:
            # Three batches of four items stored, and more to come.
            wait_for("stored three batches", lambda: (sql_rows(archive_url, "SELECT count(*) FROM articles")[0][0] >= 12),
                     process)
        finally:
            _kill(process)
    status, finished, seen, pages_new, pages_updated, articles_new, without = _row(archive_url)
    (articles, pages, absent, stored_last), = sql_rows(archive_url, """
        SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM pages WHERE articles_expected IS NOT NULL),
               (SELECT count(*) FROM absent_issues), (SELECT max(updated_at) FROM articles)""")
    assert (status, finished) == ("running", None)
    # What its batches committed, batch by batch: the row tells what the killed run stored.
    assert 12 <= articles_new == articles < 40
    assert pages_new + pages_updated == pages > 0
    assert without == absent
    assert as_utc(seen) >= as_utc(stored_last)
    # Killed: its heartbeat stopped, and archive stats tells it by the rule (docs/operations.md:
    # not seen for five of its heartbeats, and for five minutes at least; the row still 'running').
    time.sleep(5 * HEARTBEAT + 0.5)
    assert _row(archive_url)[2] == seen
    assert _stats_state(archive_url) == "running"  # five of its heartbeats missed, not five minutes
    seen = _move_seen_at(archive_url, timedelta(minutes=5))
    assert _stats_state(archive_url) == f"killed (last seen {seen})"
    assert _row(archive_url)[:2] == ("running", None)


def _move_seen_at(archive: str, back: timedelta) -> str:
    """The run's seen_at moved ``back`` (the minutes pass), as archive stats shows it."""
    from sqlalchemy import update

    from storage.models import CrawlRun

    (seen,), = sql_rows(archive, "SELECT seen_at FROM crawl_runs")
    opened = open_archive(archive)
    with opened.engine.begin() as conn:
        conn.execute(update(CrawlRun).values(seen_at=as_utc(seen) - back))
    opened.close()
    return str(sql_rows(archive, "SELECT seen_at FROM crawl_runs")[0][0])[:16]


def test_a_live_run_with_a_long_heartbeat_is_told_killed_only_after_five_of_its_own(tmp_path, archive_url):
    # archive stats waited five heartbeats at the default (5 minutes) whatever the run's own:
    # a run crawling with ARCHIVE_HEARTBEAT_SECONDS=600 showed as killed from five minutes after
    # each heartbeat to the next. The run writes its interval; the rule waits five of it.
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    slow = SLOW | {"DOWNLOAD_DELAY": "1", "ARCHIVE_BATCH_SIZE": "1000", "ARCHIVE_BATCH_SECONDS": "600",
                   "ARCHIVE_HEARTBEAT_SECONDS": "600"}
    _new_archive(archive_url)
    with SiteServer(site, prefix=PREFIX) as server:
        process = start_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=slow, log=tmp_path / "slow.log")
        try:
            wait_for("recorded the run", lambda: _row(archive_url), process, 60)
            assert sql_rows(archive_url, "SELECT heartbeat_seconds FROM crawl_runs") == [(600,)]
            _move_seen_at(archive_url, timedelta(minutes=6))  # its next heartbeat is four minutes away
            assert _stats_state(archive_url) == "running"
            seen = _move_seen_at(archive_url, timedelta(minutes=45))  # 51 minutes: five heartbeats missed
            assert _stats_state(archive_url) == f"killed (last seen {seen})"
            assert process.poll() is None  # the rule's verdict; the row keeps 'running'
            assert _row(archive_url)[:2] == ("running", None)
        finally:
            _kill(process)


def test_a_live_run_with_a_short_heartbeat_held_up_by_the_database_is_not_told_killed(tmp_path, archive_url):
    # A run beating every 0.3 s whose heartbeat waits on the database (another writer holds the
    # SQLite archive, or the run's row on PostgreSQL) for longer than five of its heartbeats
    # showed as killed in archive stats while it crawled. The rule waits 5 minutes at least.
    from sqlalchemy import create_engine, text

    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    slow = SLOW | {"DOWNLOAD_DELAY": "1", "ARCHIVE_BATCH_SIZE": "1000", "ARCHIVE_BATCH_SECONDS": "600"}
    _new_archive(archive_url)
    other = create_engine(archive_url)
    with SiteServer(site, prefix=PREFIX) as server:
        process = start_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=slow, log=tmp_path / "held.log")
        try:
            first = wait_for("recorded the run", lambda: _row(archive_url), process, 60)
            wait_for("saw the run beat", lambda: _row(archive_url)[2] != first[2], process, 10 * HEARTBEAT + 5)
            with other.begin() as conn:  # another writer, its transaction open
                conn.execute(text("UPDATE crawl_runs SET message = message"))
                # The heartbeats wait: seen_at stays where it is, and falls more than five
                # heartbeats behind (readers still read the archive: WAL, MVCC).
                held = _row(archive_url)[2]
                wait_for("five heartbeats went by unseen",
                         lambda: (datetime.now(timezone.utc) - as_utc(_row(archive_url)[2])).total_seconds() > 5 * HEARTBEAT + 1,
                         process, 30)
                assert _stats_state(archive_url) == "running"
                assert _row(archive_url)[2] == held and process.poll() is None
            # The lock let go, the run beats again: it was alive all along.
            wait_for("saw the run beat after the wait", lambda: _row(archive_url)[2] != held, process, 10 * HEARTBEAT + 35)
            assert _stats_state(archive_url) == "running"
        finally:
            _kill(process)
            other.dispose()


def test_the_killed_rule_waits_five_heartbeats_and_five_minutes_at_least():
    """archive stats' verdict on a run 'running', by how long ago it was last seen (the clock of
    the machine reading and of the one crawling apart, or the heartbeat held up, alike)."""
    from storage.stats import run_state

    seen = datetime(2023, 2, 1, 8, 0, tzinfo=timezone.utc)

    def state(heartbeat, ago):
        return run_state("running", seen, heartbeat, seen + ago)

    killed = "killed (last seen 2023-02-01 08:00)"
    # A short heartbeat: not seen for 30 s is 100 heartbeats, but well within what a database
    # may hold a live run's heartbeat up for; five minutes is the rule's floor.
    assert state(0.3, timedelta(seconds=30)) == state(1, timedelta(seconds=30)) == "running"
    assert state(1, timedelta(minutes=4, seconds=59)) == "running"
    assert state(1, timedelta(minutes=5, seconds=1)) == state(0.1, timedelta(hours=1)) == killed
    # The default (a run before revision 0016 too): five minutes, as before.
    for heartbeat in (60, None):
        assert state(heartbeat, timedelta(minutes=4, seconds=59)) == "running"
        assert state(heartbeat, timedelta(minutes=5, seconds=1)) == killed
    # A long heartbeat: five of its own.
    assert state(600, timedelta(minutes=40)) == "running"
    assert state(600, timedelta(minutes=50, seconds=1)) == killed
    # A run that ended is as it ended, however long ago.
    assert run_state("finished", seen, 1, seen + timedelta(days=1)) == "finished"


def test_archive_stats_shows_a_run_whose_heartbeat_is_too_long_for_a_timedelta():
    # The crawl takes any finite ARCHIVE_HEARTBEAT_SECONDS of 0.1 or more: five of 1e14 seconds
    # overflowed the rule's timedelta, and `archive stats` ended in a traceback while it ran.
    from storage.stats import run_state

    seen = datetime(2023, 2, 1, 8, 0, tzinfo=timezone.utc)
    assert run_state("running", seen, 1e14, seen + timedelta(days=365)) == "running"
    assert run_state("running", seen, 1e300, seen + timedelta(days=365)) == "running"


def _stats_state(archive: str) -> str:
    """The status `archive stats` shows for the archive's one run."""
    done = archive_command("stats", archive=archive)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.split("Recent crawl runs\n")[1].splitlines()
    header = [cell.strip() for cell in rows[0].split(" | ")]
    return [cell.strip() for cell in rows[2].split(" | ")][header.index("status")]


def test_a_run_that_stores_nothing_yet_is_seen_alive_until_it_is_killed(tmp_path, archive_url):
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    # Slow requests and a batch written only at the end: no batch commits while it crawls.
    slow = SLOW | {"DOWNLOAD_DELAY": "1", "ARCHIVE_BATCH_SIZE": "1000", "ARCHIVE_BATCH_SECONDS": "600"}
    _new_archive(archive_url)
    with SiteServer(site, prefix=PREFIX) as server:
        process = start_crawl(*RANGE, base_url_arg(server), archive=archive_url, settings=slow, log=tmp_path / "alive.log")
        try:
            first = wait_for("recorded the run", lambda: _row(archive_url), process, 60)
            later = wait_for("saw the run alive again", lambda: (row := _row(archive_url)) and row[2] != first[2] and row,
                             process, 10 * HEARTBEAT + 5)
            again = wait_for("saw the run alive once more", lambda: (row := _row(archive_url)) and row[2] != later[2] and row,
                             process, 10 * HEARTBEAT + 5)
            alive_at = datetime.now(timezone.utc)
        finally:
            _kill(process)
    assert [row[0] for row in (first, later, again)] == ["running"] * 3
    assert [(row[3], row[5]) for row in (first, later, again)] == [(0, 0)] * 3  # nothing stored: heartbeats alone
    assert as_utc(first[2]) < as_utc(later[2]) < as_utc(again[2])
    assert (alive_at - as_utc(again[2])).total_seconds() < 5 * HEARTBEAT  # alive: seen within five heartbeats
    dead = _row(archive_url)
    time.sleep(5 * HEARTBEAT + 0.5)
    assert _row(archive_url) == dead and (datetime.now(timezone.utc) - as_utc(dead[2])).total_seconds() > 5 * HEARTBEAT


def test_a_heartbeat_waiting_behind_a_batch_never_dates_the_run_before_what_the_batch_stored(archive_url):
    """A heartbeat (its own thread) that has to wait for the row while a batch holds it must not
    land an older seen_at than the batch's: the killed-run rule would then see the run as
    older than what it stored (found by a SIGKILL test, once in a few runs)."""
    import threading

    from sqlalchemy import event, update

    from storage.models import CrawlRun, utcnow

    archive = open_archive(archive_url)
    beating = open_archive(archive_url)
    asked_for_the_row = threading.Event()

    @event.listens_for(beating.engine, "before_cursor_execute")
    def asking(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE CRAWL_RUNS"):
            asked_for_the_row.set()

    try:
        run = archive.start_run("gongyishibao", "2023-01-31")
        with archive.session() as session, session.begin():
            # The batch holds the row (as store_batch does, last), then reads its clock.
            session.execute(update(CrawlRun).where(CrawlRun.id == run).values(pages_new=CrawlRun.pages_new + 1))
            heartbeat = threading.Thread(target=beating.heartbeat, args=(run, {"pages_failed": 1}))
            heartbeat.start()
            wait_for("the heartbeat asked for the row", asked_for_the_row.is_set, seconds=60)
            assert heartbeat.is_alive()  # waiting behind the batch
            stored = utcnow()
            session.execute(update(CrawlRun).where(CrawlRun.id == run).values(seen_at=stored))
        heartbeat.join(30)
        assert not heartbeat.is_alive()
        (seen, failed, pages), = sql_rows(archive_url, "SELECT seen_at, pages_failed, pages_new FROM crawl_runs")
        assert (failed, pages) == (1, 1)
        assert as_utc(seen) >= as_utc(stored)
    finally:
        archive.close()
        beating.close()


def test_a_batch_never_puts_back_the_seen_at_of_a_heartbeat_that_landed_while_it_wrote(postgres_url, monkeypatch):
    """A batch reads its clock early (once it holds the paper's row) and holds the run's row only
    at its end: a heartbeat (which takes no paper row) lands meanwhile on PostgreSQL, and the
    batch then wrote its older time over the heartbeat's, the run seen alive earlier than it
    was. (SQLite writes one transaction at a time: the heartbeat waits for the batch there.)"""
    import threading

    import storage.fulltext
    from tests.test_storage import article, page

    archive = open_archive(postgres_url)
    beating = open_archive(postgres_url)
    flush = storage.fulltext.flush

    def heartbeat_meanwhile(conn, **options):
        # Inside the batch's transaction, after its clock was read, before the run's row.
        beat = threading.Thread(target=beating.heartbeat, args=(run, {}))
        beat.start()
        beat.join(30)
        assert not beat.is_alive()  # it did not wait for the batch
        return flush(conn, **options)

    try:
        run = archive.start_run("gongyishibao", "2023-01-31")
        monkeypatch.setattr(storage.fulltext, "flush", heartbeat_meanwhile)
        archive.store_batch([page()], [article(1)], run=run)
        (seen, pages), = sql_rows(postgres_url, "SELECT seen_at, pages_new FROM crawl_runs")
        stored, = sql_rows(postgres_url, "SELECT MAX(updated_at) FROM issues")
        assert pages == 1
        assert as_utc(seen) > as_utc(stored[0])  # the heartbeat's, after the batch's clock
    finally:
        archive.close()
        beating.close()


def test_the_runs_are_listed_in_one_order_whatever_the_clocks_of_the_machines_they_ran_on(archive_url):
    # Three workers' runs, started one after another; the second's machine a minute behind.
    # archive stats listed them by started_at, the second last, and Archive.crawl_runs and the
    # reading room by id: two orders of the same runs.
    from sqlalchemy import update

    from storage.models import CrawlRun

    archive = open_archive(archive_url)
    try:
        started = [archive.start_run("gongyishibao", day) for day in ("2023-01-10", "2023-01-17", "2023-01-24")]
        at = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
        with archive.engine.begin() as conn:
            for run, minutes in zip(started, (0, -1, 1)):
                conn.execute(update(CrawlRun).where(CrawlRun.id == run).values(started_at=at + timedelta(minutes=minutes)))
        listed = [run.id for run in archive.crawl_runs()]
    finally:
        archive.close()
    assert listed == started[::-1]
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    table = stats.stdout[stats.stdout.index("Recent crawl runs"):]
    assert [int(run) for run in re.findall(r"^(\d+) +\| gongyishibao ", table, re.M)] == listed, table
    if archive_url.startswith("sqlite"):  # the reading room serves a SQLite archive
        from datasette.utils.testing import TestClient

        from storage.reading_room.app import make_datasette

        client = TestClient(make_datasette(archive_url.removeprefix("sqlite:///")))
        rows = client.get("/archive/crawl_runs.json?_shape=objects").json["rows"]
        assert [row["id"] for row in rows] == listed
