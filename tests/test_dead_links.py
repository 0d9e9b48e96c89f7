"""Links the site does not serve, run after run (docs/operations.md, "Dead links": 404 or 410,
its error page, another file, the file cut short): a daily
crawl fails (exit status 4) on such a page or article until it has been answered so on
ARCHIVE_GONE_AFTER_RUNS runs spanning ARCHIVE_GONE_AFTER_DAYS days; then it is gone, said
once, its page and issue complete, and no run asks it again but with refresh=1. The real
`scrapy crawl issues` over HTTP from a copy of the sample site lacking the files, into SQLite
and PostgreSQL."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, update

from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from storage.cli import main
from storage.models import DeadLink
from tests.conftest import archive_command, crawl_runs, run_crawl, sql_rows
from tests.sites import SAMPLE_DAY, sample_site
from tests.test_site_oddities import ERROR_PAGE

ISSUE_DIR = "html/2023-01/31/"
DEAD_ARTICLE = "content_306512.htm"  # the second article of page 8 (node_6.htm)
DEAD_PAGE = "node_13.htm"  # page 13, and its one article, content_306517.htm, with it
NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}
DEAD = "SELECT kind, url, status, reason, runs, gone_since IS NOT NULL FROM dead_links ORDER BY kind"


def _site(tmp_path):
    site = sample_site(tmp_path / "site", pdfs=False)
    for name in (DEAD_ARTICLE, DEAD_PAGE):
        (site / ISSUE_DIR / name).unlink()
    return site


def move_clock(archive: str, days: float, record=DeadLink) -> None:
    """Every answer recorded so far (of dead links, or another ``record`` of answers:
    AbsentIssue) is ``days`` older: as if the clock moved ``days`` on.

    The crawl reads the clock of the machine it runs on, in a process of its own: the
    archive's record of the past is what a test can move."""
    engine = create_engine(archive)
    with engine.begin() as conn:
        for id_, first_seen, last_seen in conn.execute(record.__table__.select().with_only_columns(
                record.id, record.first_seen, record.last_seen)):
            conn.execute(update(record).where(record.id == id_).values(
                first_seen=first_seen - timedelta(days=days), last_seen=last_seen - timedelta(days=days)))
    engine.dispose()


def _dead(archive: str) -> list[tuple]:
    return [(kind, url.rsplit("/", 1)[1], status, reason, runs, bool(gone))
            for kind, url, status, reason, runs, gone in sql_rows(archive, DEAD)]


def crawler(server: SiteServer, archive: str, settings: dict[str, str] = NO_PDFS,
            dates: tuple[str, ...] = (f"date={ISSUE_DATE}",), folder: str = ISSUE_DIR):
    """Crawls of ``dates`` (the sample issue's) from ``server`` (one server: the links keep their
    address, port and all), each giving its result and the files under ``folder`` (the sample
    issue's) it asked for."""
    def crawl(*args: str):
        before = len(server.requests)
        done = run_crawl(*dates, f"base_url={server.url}{PREFIX.lstrip('/')}", *args,
                         archive=archive, settings=settings)
        asked = [r.path.removeprefix(PREFIX + folder) for r in server.requests[before:]
                 if r.path.startswith(PREFIX + folder)]
        return done, asked
    return crawl


def test_links_the_site_answers_404_for_on_runs_over_a_week_are_gone_and_not_asked_again(tmp_path, archive_url, capsys):
    statuses = []
    with SiteServer(_site(tmp_path), prefix=PREFIX) as server:
        crawl = crawler(server, archive_url)
        for run in range(3):  # three runs within minutes: a week has not passed
            done, asked = crawl()
            statuses.append(done.returncode)
            assert DEAD_ARTICLE in asked and DEAD_PAGE in asked
            assert (f"broken article link (HTTP 404), skipped (HTTP 404 on {run + 1} of the 3 runs over 7 days after which "
                    "it is gone)") in done.stderr
            assert "not fetched: 公益时报 (gongyishibao) 2023-01-31: 1 page, 1 article (first: " in done.stderr
        assert _dead(archive_url) == [
            ("article", DEAD_ARTICLE, 404, "not_found", 3, False), ("page", DEAD_PAGE, 404, "not_found", 3, False)]

        move_clock(archive_url, 8)
        done, asked = crawl()
        statuses.append(done.returncode)
        assert DEAD_ARTICLE in asked and DEAD_PAGE in asked
        gone_lines = [line for line in done.stderr.splitlines() if "] WARNING: " in line and "link gone" in line]
        assert len(gone_lines) == 2, done.stderr[-3000:]
        assert any(re.search(rf"WARNING: article link gone: HTTP 404 on 4 runs over 8 days since \d{{4}}-\d\d-\d\d, "
                             rf"not asked again \(-a refresh=1 asks again\): http://127\.0\.0\.1:\d+{PREFIX}{ISSUE_DIR}{DEAD_ARTICLE}$",
                             line) for line in gone_lines), gone_lines
        assert any("WARNING: page link gone: HTTP 404 on 4 runs over 8 days" in line and DEAD_PAGE in line for line in gone_lines)
        assert "not fetched" not in done.stderr and "broken" not in done.stderr
        assert "2 links gone; 0 page PDFs without text; 0 template alarms" in done.stderr
        assert _dead(archive_url) == [
            ("article", DEAD_ARTICLE, 404, "not_found", 4, True), ("page", DEAD_PAGE, 404, "not_found", 4, True)]
        run = crawl_runs(archive_url)[0]
        assert (run.status, run.links_gone, run.articles_failed, run.pages_failed) == ("finished", 2, 0, 0)
        assert sorted(line.split(":")[0] for line in run.message.splitlines()) == ["article link gone", "page link gone"]
        assert main(["--archive", archive_url, "stats"]) == 0
        out = capsys.readouterr().out
        runs = out.split("Recent crawl runs\n")[1].splitlines()  # newest first
        header = [name.strip() for name in runs[0].split("|")]
        gone = header.index("links gone")
        assert [row.split("|")[gone].strip() for row in runs[2:6]] == ["2", "0", "0", "0"]
        listed = out.split("Dead links")[1].split("Recent crawl runs")[0].splitlines()
        assert listed[0] == " (the site answers 404, 410, its error page, another file or the file cut short): 2 gone, not asked again; 0 still asked, each a failure of the run"
        assert [row.split(" | ")[:6] for row in listed[3:5]] == [
            ["gongyishibao", "2023-01-31", "article", "404   ", "not_found", "4   "],
            ["gongyishibao", "2023-01-31", "page   ", "404   ", "not_found", "4   "]]

        # The issue is complete: the next run sends it no request at all.
        done, asked = crawl()
        statuses.append(done.returncode)
        assert asked == []
        assert "link gone:" not in done.stderr and "broken" not in done.stderr
        assert crawl_runs(archive_url)[0].links_gone == 0
    assert statuses == [4, 4, 4, 0, 0]
    assert sql_rows(archive_url, "SELECT count(*) FROM articles") == [(18,)]  # 20, less the dead one and the dead page's


def test_refresh_asks_a_gone_link_again_and_one_that_answers_is_stored_and_forgotten(tmp_path, archive_url):
    site = _site(tmp_path)
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = crawler(server, archive_url, NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "2", "ARCHIVE_GONE_AFTER_DAYS": "0"})
        assert [crawl()[0].returncode for _ in range(2)] == [4, 0]
        # refresh=1: asked again, still 404, still gone, no failure.
        done, asked = crawl("refresh=1")
        assert done.returncode == 0, done.stderr[-3000:]
        assert DEAD_ARTICLE in asked and DEAD_PAGE in asked
        assert "INFO: article link still gone (HTTP 404 on 3 runs since " in done.stderr
        assert _dead(archive_url) == [
            ("article", DEAD_ARTICLE, 404, "not_found", 3, True), ("page", DEAD_PAGE, 404, "not_found", 3, True)]
        # The site has the files again: a refresh stores them, and their records go.
        whole = sample_site(tmp_path / "whole", pdfs=False)
        for name in (DEAD_ARTICLE, DEAD_PAGE):
            (site / ISSUE_DIR / name).write_bytes((whole / ISSUE_DIR / name).read_bytes())
        done, asked = crawl("refresh=1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "INFO: article link answered again after 3 runs without its file since " in done.stderr
    assert _dead(archive_url) == []
    assert sql_rows(archive_url, "SELECT count(*) FROM articles") == [(20,)]


def test_a_link_that_answers_again_before_it_is_gone_is_forgotten(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", pdfs=False)
    article = site / ISSUE_DIR / DEAD_ARTICLE
    kept = article.read_bytes()
    article.unlink()
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = crawler(server, sqlite_url)
        failed, _ = crawl()
        assert failed.returncode == 4
        assert _dead(sqlite_url) == [("article", DEAD_ARTICLE, 404, "not_found", 1, False)]
        article.write_bytes(kept)  # the site wrote the file after it listed it
        done, asked = crawl()
        assert done.returncode == 0, done.stderr[-3000:]
        assert asked == ["node_1.htm", "node_6.htm", DEAD_ARTICLE]
        assert "INFO: article link answered again after 1 run without its file since " in done.stderr
        assert _dead(sqlite_url) == []
        # Missing again later, now that the archive holds it: it stays as stored, no failure
        # and no dead link (the earlier 404s are no part of anything).
        article.unlink()
        again, _ = crawl("refresh=1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "WARNING: article link held in the archive was not served (HTTP 404): it stays as stored: " in again.stderr
    assert _dead(sqlite_url) == []


def test_an_article_answered_by_the_sites_error_page_with_status_200_is_a_dead_link_too(tmp_path, archive_url):
    # The site's error page (页面不存在) served with HTTP 200 is its 404.
    site = sample_site(tmp_path / "site", alter=lambda name, html: ERROR_PAGE if name == DEAD_ARTICLE else html, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        crawl = crawler(server, archive_url, NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "2", "ARCHIVE_GONE_AFTER_DAYS": "0"})
        first, _ = crawl()
        gone, _ = crawl()
        last, asked = crawl()
    assert "broken article link (error page with HTTP 200: '页面不存在'), skipped (error page '页面不存在' on 1 of the 2 runs" in first.stderr
    assert (first.returncode, gone.returncode, last.returncode) == (4, 0, 0), gone.stderr[-3000:]
    assert "WARNING: article link gone: error page '页面不存在' on 2 runs over 0 days since " in gone.stderr
    assert _dead(archive_url) == [("article", DEAD_ARTICLE, 200, "error_page", 2, True)]
    assert asked == []
    # archive stats tells it from a file cut short, which the site answers with 200 too.
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    assert re.search(rf"\| article \| 200 +\| error_page \| 2 +\|.*/{DEAD_ARTICLE}$", stats.stdout, re.M), stats.stdout


GIVE_UP_AT_SECOND = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "2", "ARCHIVE_GONE_AFTER_DAYS": "0"}


def test_without_the_delta_middleware_every_run_asks_again_and_a_dead_link_is_gone_all_the_same(tmp_path, archive_url):
    """ARCHIVE_DELTA_ENABLED=False asks everything on every run, as refresh=1 does; the runs a
    link was dead on were not read, and it was a failure of every run, for good."""
    with SiteServer(_site(tmp_path), prefix=PREFIX) as server:
        crawl = crawler(server, archive_url, GIVE_UP_AT_SECOND | {"ARCHIVE_DELTA_ENABLED": "False"})
        first, gone, last = (crawl() for _ in range(3))
    assert [done.returncode for done, _ in (first, gone, last)] == [4, 0, 0], gone[0].stderr[-3000:]
    assert "WARNING: article link gone: HTTP 404 on 2 runs over 0 days since " in gone[0].stderr
    # Asked again, as everything is, and no failure.
    assert DEAD_ARTICLE in last[1] and "node_1.htm" in last[1]
    assert "INFO: article link still gone (HTTP 404 on 3 runs since " in last[0].stderr
    assert _dead(archive_url) == [
            ("article", DEAD_ARTICLE, 404, "not_found", 3, True), ("page", DEAD_PAGE, 404, "not_found", 3, True)]


NEWER = date(2023, 2, 7)  # the site's newest issue, a week after the sample's


@pytest.mark.parametrize("what, file, answer, status, reason, serve", [
    # A site that sends a missing file to its newest issue's.
    ("article", DEAD_ARTICLE, "another issue's file", 302, "other_issue", {"redirect": f"html/{NEWER:%Y-%m/%d}/{DEAD_ARTICLE}"}),
    # Or to its home page, which refreshes to the newest issue's first page: here the issue
    # crawled, whose first page the run had asked already (the redirect was dropped as a
    # duplicate request, and the page missed without a word, exit status 0, on every run).
    ("page", "node_9.htm", "redirect to another file", 302, "other_file", {"redirect": "paperindex.htm"}),
    # A file whose server sends fewer bytes than its Content-Length says, every time.
    ("article", DEAD_ARTICLE, "file cut short", 200, "truncated", {"cut_short": True}),
    # A file saved cut short: it ends before its </body> and </html>.
    ("page", "node_9.htm", "file cut short", 200, "truncated", {"cut_in_file": True}),
])
def test_a_link_the_site_answers_with_another_file_or_cut_short_is_dead_as_a_404_is(
        tmp_path, archive_url, what, file, answer, status, reason, serve):
    """Each failed every run, for good; now each is a dead link, gone as a 404 is."""
    cut = (lambda name, html: html[: html.index("</li>") + 5] if name == file else html) if serve.get("cut_in_file") else None
    site = sample_site(tmp_path / "site", days=[SAMPLE_DAY, NEWER], alter=cut, pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    with SiteServer(site, prefix=PREFIX, cut_short=[asked] if serve.get("cut_short") else ()) as server:
        if target := serve.get("redirect"):
            server._redirects[asked] = f"{server.url}{PREFIX.lstrip('/')}{target}"
        crawl = crawler(server, archive_url, GIVE_UP_AT_SECOND)
        (first, _), (gone, _), (last, left) = (crawl() for _ in range(3))
    assert (first.returncode, gone.returncode, last.returncode) == (4, 0, 0), (first.stderr + gone.stderr)[-4000:]
    assert "Traceback" not in first.stderr + gone.stderr
    assert [line for line in first.stderr.splitlines() if f"skipped ({answer} on 1 of the 2 runs over 0 days after which it is gone)"
            in line and asked in line], first.stderr[-3000:]
    assert f"not fetched: 公益时报 (gongyishibao) 2023-01-31: 1 {what} (first: http://" in first.stderr
    assert [line for line in gone.stderr.splitlines()
            if f"WARNING: {what} link gone: {answer} on 2 runs over 0 days since " in line and line.endswith(asked)]
    assert left == []  # the issue is complete
    assert [(run.status, run.links_gone) for run in crawl_runs(archive_url)] == [("finished", 0), ("finished", 1), ("failed", 0)]
    assert _dead(archive_url) == [(what, file, status, reason, 2, True)]
    stored = sql_rows(archive_url, "SELECT p.url FROM pages p JOIN issues i ON i.id = p.issue_id")
    assert all(f"/{ISSUE_DIR}" in url for url, in stored) and len(stored) == (15 if what == "page" else 16)
    assert sql_rows(archive_url, "SELECT count(*) FROM articles WHERE url LIKE :f", f=f"%/{file}") == [(0,)]
    assert sql_rows(archive_url, "SELECT count(*) FROM articles") == [(18 if what == "page" else 19,)]
