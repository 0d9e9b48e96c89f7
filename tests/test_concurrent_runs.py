"""Crawls that share one archive at the same time (docs/operations.md): a scheduled crawl over a
manual one. Real `scrapy crawl issues` processes over HTTP from copies of the sample site, into
SQLite and PostgreSQL; the overlap made certain by holding one crawl's batch until the other
has written (tests/crawl_faults.py: SlowBatchWrites)."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from tests.conftest import base_url_arg, run_crawl, sql_rows, start_crawl, wait_for
from tests.sites import SAMPLE_DAY, sample_site

DAYS = [SAMPLE_DAY + timedelta(days=7 * n) for n in range(3)]  # three Tuesdays: the weekly paper's issues
NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}


def _entry(day) -> str:
    return f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm"


def _held_back(tmp_path: Path, archive: str, server: SiteServer, *args: str):
    """Start a crawl of ``args`` whose one batch (ARCHIVE_BATCH_SIZE holds every item) waits, once
    fetched, until the returned function is called: what it fetched is written after whatever
    the archive took meanwhile. The function lets it write, and gives its exit status and log."""
    from crawler.settings import ITEM_PIPELINES

    writing, go = tmp_path / "writing", tmp_path / "go"
    log = tmp_path / "held.log"
    settings = NO_PDFS | {
        "ARCHIVE_BATCH_SIZE": "1000", "SLOW_WRITE_MARKER": str(writing), "SLOW_WRITE_UNTIL": str(go),
        "ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.SlowBatchWrites": 50}),
    }
    crawl = start_crawl(*args, base_url_arg(server), archive=archive, settings=settings, log=log)
    wait_for("the held batch write began", writing.exists, crawl, 120, said=lambda: log.read_text(encoding="utf-8")[-3000:])

    def release() -> tuple[int, str]:
        go.touch()
        return crawl.wait(120), log.read_text(encoding="utf-8")

    return release


def test_a_date_another_crawl_stored_after_this_one_found_no_issue_is_not_recorded_without_one(tmp_path, archive_url):
    """A scheduled crawl asked a date at dawn, before the issue was up (404), and was slow to
    write; a manual crawl asked it later and stored the issue. The first's answer, older than the
    stored issue, was recorded all the same: absent_issues held a date whose issue the archive
    holds complete, which no run asks again to clear (queries.md lists it among the dates without
    an issue), and its answer could be the one that took the date for one without an issue."""
    first = DAYS[0]
    site = sample_site(tmp_path / "site", DAYS, pdfs=False)
    with SiteServer(site, prefix=PREFIX, faults={_entry(first): [404]}) as server:
        release = _held_back(tmp_path, archive_url, server, f"start={first}", f"end={DAYS[-1]}")
        assert (_entry(first), 404) in server.requests
        manual = run_crawl(f"date={first}", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert manual.returncode == 0, manual.stderr[-3000:]
        status, log = release()
        assert status == 0, log[-3000:]
        assert f"no issue of 公益时报 on {first} (404 at" in log
    assert sql_rows(archive_url, "SELECT issue_date FROM absent_issues") == []
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(60, 60)]
    runs = sql_rows(archive_url, "SELECT dates_asked, status, dates_without_issue FROM crawl_runs ORDER BY id")
    # Each run counts what the site answered it: the first was answered no issue.
    assert runs == [(f"{first}..{DAYS[-1]}", "finished", 1), (str(first), "finished", 0)]


def test_a_link_another_crawl_stored_after_this_one_was_answered_404_is_no_dead_link(tmp_path, archive_url):
    """The same of an article: one crawl answered 404 for it, another, later, got it and stored
    it first. The older 404 was recorded, a dead link beside the article stored."""
    day = DAYS[0]
    article = f"{PREFIX}html/{day:%Y-%m}/{day:%d}/content_306512.htm"
    site = sample_site(tmp_path / "site", DAYS[:1], pdfs=False)
    with SiteServer(site, prefix=PREFIX, faults={article: [404]}) as server:
        release = _held_back(tmp_path, archive_url, server, f"date={day}")
        assert (article, 404) in server.requests
        manual = run_crawl(f"date={day}", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert manual.returncode == 0, manual.stderr[-3000:]
        status, log = release()
        assert status == 4, log[-3000:]  # a first 404 fails the article, for the next run to ask again
    assert sql_rows(archive_url, "SELECT url FROM dead_links") == []
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]



def test_a_crawl_of_the_newest_issue_takes_anothers_still_crawling_for_no_failed_run(tmp_path, archive_url, paper_day):
    """A cron line's crawl of the newest issue still fetching it (its row 'running', seen alive,
    naming the issue) when one by hand starts: the second took the first for a run that had
    failed to fetch the issue or was killed, said so, and asked the issue as one not stored."""
    from tests.test_incremental import _point_index, _two_recent_issues

    _older, newest, site = _two_recent_issues(tmp_path, paper_day)
    _point_index(site, newest)
    with SiteServer(site, prefix=PREFIX) as server:
        release = _held_back(tmp_path, archive_url, server)
        manual = run_crawl(base_url_arg(server), archive=archive_url, settings=NO_PDFS | {"LOG_LEVEL": "INFO"})
        assert manual.returncode == 0, manual.stderr[-3000:]
        assert "which an earlier run failed to fetch" not in manual.stderr
        assert "not stored, asked again" not in manual.stderr
        status, log = release()
        assert status == 0, log[-3000:]
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]
    assert sql_rows(archive_url, "SELECT status, message FROM crawl_runs ORDER BY id") == [("finished", "")] * 2


def test_a_page_another_crawl_found_removed_is_not_put_back_by_an_older_fetch_written_later(tmp_path, archive_url):
    """A refresh fetched an issue and was slow to write; meanwhile the site took its last page
    out, and another refresh stored the issue without it (the page kept apart, removed). The
    slow one's fetch of the page, older than the removal, gave the page back its number: the
    issue had 16 pages where the site lists 15. A page the site puts back is the issue's again.
    (A page and its articles in batches apart: tests/test_storage.py.)"""
    import shutil

    from tests.test_site_changes_crawl import ISSUE, remove_page

    day = DAYS[0]
    site = sample_site(tmp_path / "site", DAYS[:1], pdfs=False)
    kept = shutil.copytree(site / ISSUE, tmp_path / "issue as first served")
    current = "SELECT page_number FROM pages WHERE removed_at IS NULL ORDER BY page_number"
    with SiteServer(site, prefix=PREFIX) as server:
        first = run_crawl(f"date={day}", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert first.returncode == 0, first.stderr[-3000:]
        removed_articles = sql_rows(archive_url, "SELECT a.url FROM articles a JOIN pages p ON p.id = a.page_id "
                                                 "WHERE p.page_number = 16 ORDER BY a.url")
        assert removed_articles
        release = _held_back(tmp_path, archive_url, server, f"date={day}", "refresh=1")
        remove_page(site, 16, addresses_follow_numbers=False)
        newer = run_crawl(f"date={day}", "refresh=1", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert newer.returncode == 0, newer.stderr[-3000:]
        assert sql_rows(archive_url, current) == [(n,) for n in range(1, 16)]
        status, log = release()
        assert status == 0, log[-3000:]

        # The issue is the site's as last seen: 15 pages, the removed one kept apart with its articles.
        assert sql_rows(archive_url, current) == [(n,) for n in range(1, 16)]
        assert sql_rows(archive_url, "SELECT pages_expected FROM issues") == [(15,)]
        assert sql_rows(archive_url, "SELECT a.url FROM articles a JOIN pages p ON p.id = a.page_id "
                                     "WHERE p.removed_at IS NOT NULL ORDER BY a.url") == removed_articles

        # The site puts the page back: a refresh fetched after the removal gives it its number.
        shutil.rmtree(site / ISSUE)
        shutil.copytree(kept, site / ISSUE)
        again = run_crawl(f"date={day}", "refresh=1", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert again.returncode == 0, again.stderr[-3000:]
    assert sql_rows(archive_url, current) == [(n,) for n in range(1, 17)]
    assert sql_rows(archive_url, "SELECT count(*) FROM pages WHERE removed_at IS NOT NULL") == [(0,)]
    assert sql_rows(archive_url, "SELECT pages_expected FROM issues") == [(16,)]
    assert sql_rows(archive_url, "SELECT a.url FROM articles a JOIN pages p ON p.id = a.page_id "
                                 "WHERE p.page_number = 16 ORDER BY a.url") == removed_articles


def test_a_crawl_whose_fetch_another_crawl_stored_newer_says_so_in_its_summary(tmp_path, archive_url):
    """Two runs of one issue overlapping (a cron line and one by hand): the slower one fetched
    every page and article first and wrote them after the other stored its newer fetch, so it
    stored none of them. Its summary said `pages 16/16, articles 20/20` and 0 new, 0 updated,
    0 failed: 36 documents fetched and nowhere counted, as if lost."""
    day = DAYS[0]
    site = sample_site(tmp_path / "site", DAYS[:1], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        release = _held_back(tmp_path, archive_url, server, f"date={day}")
        newer = run_crawl(f"date={day}", base_url_arg(server), archive=archive_url, settings=NO_PDFS)
        assert newer.returncode == 0, newer.stderr[-3000:]
        status, log = release()
    assert status == 0, log[-3000:]
    (summary,) = [line for line in log.splitlines() if "summary: gongyishibao" in line]
    assert "pages 16/16, articles 20/20; pages 0 new, 0 updated, 0 failed, 16 left as stored from a newer fetch by " \
           "another crawl; articles 0 new, 0 updated (0 changed), 0 failed, 20 left as stored from a newer fetch by " \
           "another crawl;" in summary
    assert sql_rows(archive_url, "SELECT count(*) FROM articles") == [(20,)]
