"""Incremental crawls: complete issues are skipped, incomplete ones resumed, refresh=1 re-fetches."""
from __future__ import annotations

import json
import re
import signal
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from storage.models import Article, utcnow
from tests.conftest import SAMPLE_SITE, crawl_site, run_crawl, start_crawl, wait_for
from tests.sites import front_page_teaser, own_paper, sample_site
from tests.test_site_oddities import BUSY_PAGE

MANIFEST = json.loads((SAMPLE_SITE / "manifest.json").read_text(encoding="utf-8"))
DAY = date(2023, 1, 31)
ENTRY = PREFIX + MANIFEST["entry"]
ARTICLES = {PREFIX + a["path"] for a in MANIFEST["articles"]}
PAGE_7 = next(p for p in MANIFEST["pages"] if p["number"] == 7)
# Retries run out after RETRY_TIMES=2 (run_crawl's setting): three faults lose the document.
LOST = [500, 500, 500]


def _served(server: SiteServer, since: int) -> set[str]:
    return {r.path for r in server.requests[since:] if r.path != "/robots.txt"}


def _crawl(server: SiteServer, archive: str, *args: str, status: int = 0):
    result = run_crawl(f"base_url={server.url}{PREFIX.lstrip('/')}", "date=2023-01-31", *args, archive=archive)
    assert result.returncode == status, result.stderr[-3000:]
    return result


def _asks_nothing(server: SiteServer, archive: str):
    """Crawl again: no request reaches the site."""
    before = len(server.requests)
    result = _crawl(server, archive)
    assert server.requests[before:] == []
    return result


def _state(archive_url: str, pdfs: bool = False):
    archive = open_archive(archive_url)
    try:
        return archive.issue_states("gongyishibao", DAY, DAY, pdfs=pdfs).get(DAY)
    finally:
        archive.close()


def test_rerun_of_a_complete_issue_sends_no_request(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        _crawl(server, sqlite_url)
        assert ARTICLES <= _served(server, 0)
        assert _state(sqlite_url).complete
        result = _asks_nothing(server, sqlite_url)
    assert "'delta/issues_skipped': 1" in result.stderr


def test_incomplete_issue_fetches_only_what_is_missing(sqlite_url):
    lost_article = PREFIX + MANIFEST["pages"][0]["articles"][1]
    page_7 = PREFIX + PAGE_7["path"]
    faults = {lost_article: LOST, page_7: LOST}
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults=faults) as server:
        _crawl(server, sqlite_url, status=4)  # finished with failures: run it again
        state = _state(sqlite_url)
        assert not state.complete
        assert state.pages_expected == 16 and len(state.complete_pages) == 14  # page 1 lacks an article, page 7 is lost
        assert len(state.articles) == 20 - 1 - len(PAGE_7["articles"])

        before = len(server.requests)
        _crawl(server, sqlite_url)
        # The entry page (page 1) says what is missing; page 7 with its PDF and articles, and
        # the one lost article of page 1, are all that is fetched again.
        assert _served(server, before) == (
            {ENTRY, page_7, lost_article, PREFIX + PAGE_7["pdf"]} | {PREFIX + a for a in PAGE_7["articles"]}
        )
    assert _state(sqlite_url).complete
    archive = open_archive(sqlite_url)
    with archive.session() as session:
        assert session.scalar(select(func.count(Article.id))) == 20
    archive.close()



def test_the_summary_of_a_resumed_issue_counts_the_entry_page_once(sqlite_url):
    # The entry page, complete, is fetched again to read the page list: its own link in that
    # list was counted skipped, and the summary read "pages 2/1".
    page_7 = PREFIX + PAGE_7["path"]
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={page_7: LOST}) as server:
        _crawl(server, sqlite_url, status=4)
        assert not _state(sqlite_url).complete
        result = _crawl(server, sqlite_url)
    (summary,) = [line for line in result.stderr.splitlines() if "summary: gongyishibao 2023-01-31" in line]
    articles = len(PAGE_7["articles"])
    assert f"pages 2/2, articles {articles}/{articles}; pages 1 new, 1 updated, 0 failed" in summary, summary

def test_a_page_whose_pdf_was_not_stored_is_fetched_again_with_its_pdf(sqlite_url):
    # A crawl killed (or failing) between a page and its PDF: the PDF must not be lost for good.
    page_7, pdf_7 = PREFIX + PAGE_7["path"], PREFIX + PAGE_7["pdf"]
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={pdf_7: LOST}) as server:
        _crawl(server, sqlite_url, status=4)
        state = _state(sqlite_url, pdfs=True)
        assert not state.complete and len(state.complete_pages) == 15 and page_7 not in state.complete_pages
        before = len(server.requests)
        _crawl(server, sqlite_url)
        assert _served(server, before) == {ENTRY, page_7, pdf_7}
        assert _state(sqlite_url, pdfs=True).complete
        _asks_nothing(server, sqlite_url)
    archive = open_archive(sqlite_url)
    with archive.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pages WHERE pdf_text IS NULL").scalar() == 0
    archive.close()
    # A PDF the site does not have (404) is no reason to come back (the site at the same root).
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={pdf_7: [404] * 5}, port=server.port) as server:
        _crawl(server, sqlite_url, "refresh=1")
        assert _state(sqlite_url, pdfs=True).complete
        _asks_nothing(server, sqlite_url)
    # A crawl that does not fetch PDFs does not wait for them.
    archive = open_archive(sqlite_url)
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE pages SET pdf_text = NULL")
    assert archive.issue_states("gongyishibao", DAY, DAY)[DAY].complete
    assert not archive.issue_states("gongyishibao", DAY, DAY, pdfs=True)[DAY].complete
    archive.close()


def test_refresh_fetches_a_complete_issue_again(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        _crawl(server, sqlite_url)
        before = len(server.requests)
        _crawl(server, sqlite_url, "refresh=1")
        assert ARTICLES <= _served(server, before)


def test_issue_states_follow_what_is_stored(archive_url):
    archive = open_archive(archive_url)
    common = {"paper_code": "p", "paper_name": "P", "issue_date": "2023-01-31", "issue_url": "http://x/node_1.htm"}
    pages = [
        common | {"page_number": 1, "url": "http://x/node_1.htm", "articles_expected": 2, "pages_expected": 2},
        common | {"page_number": 2, "url": "http://x/node_2.htm", "articles_expected": 1},
    ]
    article = common | {"page_number": 1, "page_url": "http://x/node_1.htm", "title": "t", "body": "b"}
    try:
        archive.store_batch(pages, [article | {"url": "http://x/a1.htm"}])
        state = archive.issue_states("p", DAY, DAY)[DAY]
        assert (state.complete, state.complete_pages, state.articles) == (False, frozenset(), frozenset({"http://x/a1.htm"}))
        counts = archive.store_batch(
            [], [article | {"url": "http://x/a2.htm"}, article | {"page_number": 2, "page_url": "http://x/node_2.htm", "url": "http://x/b1.htm"}]
        )
        assert (counts["articles_new"], counts["articles_updated"]) == (2, 0)
        assert archive.issue_states("p", DAY, DAY)[DAY].complete
        assert archive.issue_states("p", date(2023, 2, 1), date(2023, 3, 1)) == {}
        assert archive.store_batch([pages[1]], [])["pages_updated"] == 1
    finally:
        archive.close()


def test_a_page_is_complete_when_every_article_it_links_is_stored_from_whichever_page(archive_url):
    archive = open_archive(archive_url)
    common = {"paper_code": "p", "paper_name": "P", "issue_date": "2023-01-31", "issue_url": "http://x/node_1.htm"}
    a1, a2, b1 = "http://x/a1.htm", "http://x/a2.htm", "http://x/b1.htm"
    pages = [  # the front page also links b1, an article of page 2
        common | {"page_number": 1, "url": "http://x/node_1.htm", "articles_expected": 3, "pages_expected": 2,
                  "article_urls": [b1, a1, a2]},
        common | {"page_number": 2, "url": "http://x/node_2.htm", "articles_expected": 1, "article_urls": [b1]},
    ]

    def stored(number: int, url: str) -> dict:
        return common | {"page_number": number, "page_url": pages[number - 1]["url"], "url": url, "title": "t", "body": "b"}

    try:
        archive.store_batch(pages, [stored(1, a1), stored(1, b1)])  # b1 fetched from the front page
        state = archive.issue_states("p", DAY, DAY)[DAY]
        assert state.complete_pages == {pages[1]["url"]}  # page 2's only link is stored
        archive.store_batch([], [stored(1, a2)])
        assert archive.issue_states("p", DAY, DAY)[DAY].complete
        # A page's list is replaced when the page is stored again: page 2 now links a3 too.
        archive.store_batch([pages[1] | {"articles_expected": 2, "article_urls": [b1, "http://x/a3.htm"]}], [])
        state = archive.issue_states("p", DAY, DAY)[DAY]
        assert state.complete_pages == {pages[0]["url"]}
        with archive.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT pa.url FROM page_articles pa JOIN pages p ON p.id = pa.page_id WHERE p.page_number = 2"
                " ORDER BY pa.position")).scalars().all() == [b1, "http://x/a3.htm"]
        # A page that links no article (a full-page advertisement) is complete with none.
        archive.store_batch([pages[1] | {"articles_expected": 0, "article_urls": []}], [])
        assert archive.issue_states("p", DAY, DAY)[DAY].complete
        with archive.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM page_articles")).scalar() == 3  # the front page's
    finally:
        archive.close()


def test_backfill_walks_the_schedule_and_skips_complete_issues(tmp_path, sqlite_url):
    tuesdays = [date(2023, 1, 17), date(2023, 1, 24), date(2023, 1, 31)]
    site = sample_site(tmp_path / "site", tuesdays, pdfs=False)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, "date=2023-01-24", archive=sqlite_url, settings=settings).returncode == 0
        before = len(server.requests)
        # Four weeks back from Feb 6th: Tuesdays Jan 10 (no issue there), 17, 24 (complete), 31.
        result = run_crawl(base, "backfill=4w", "end=2023-02-06", archive=sqlite_url, settings=settings)
        assert result.returncode == 0, result.stderr[-2000:]
        entries = [(p, s) for p, s in server.requests[before:] if p.endswith("/node_1.htm")]
    # Only the paper's publishing days are asked, each once, and the complete issue not at all.
    assert sorted(entries) == [
        (f"{PREFIX}html/2023-01/10/node_1.htm", 404),
        (f"{PREFIX}html/2023-01/17/node_1.htm", 200),
        (f"{PREFIX}html/2023-01/31/node_1.htm", 200),
    ]
    archive = open_archive(sqlite_url)
    try:
        states = archive.issue_states("gongyishibao", date(2023, 1, 1), date(2023, 2, 28))
        (run, _) = archive.crawl_runs()
    finally:
        archive.close()
    assert sorted(states) == tuesdays and all(s.complete for s in states.values())
    assert (run.dates_asked, run.articles_new) == ("2023-01-09..2023-02-06", 40)


def _plan_line(result) -> str:
    """The crawl's plan, as its log says it at the start."""
    (line,) = [line.split(" INFO: ", 1)[1] for line in result.stderr.splitlines() if " INFO: plan: " in line]
    return line


def test_a_crawl_says_its_dates_and_what_the_archive_holds_of_them_as_it_starts(tmp_path, archive_url):
    # A long range said nothing until its first progress line, a minute in. The line counts the
    # dates the paper's schedule gives (Tuesdays: Jan 10, 17, 24, 31) and what the archive holds
    # of them, and the crawl asks just the dates it says it asks.
    tuesdays = [date(2023, 1, 17), date(2023, 1, 24), date(2023, 1, 31)]
    site = sample_site(tmp_path / "site", tuesdays, pdfs=False)
    page_7 = PREFIX + PAGE_7["path"].replace("2023-01/31", "2023-01/17")
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={page_7: LOST}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"

        def crawl(*args: str, status: int = 0):
            before = len(server.requests)
            result = run_crawl(base, *args, archive=archive_url, settings=settings)
            assert result.returncode == status, result.stderr[-3000:]
            return _plan_line(result), sorted(p for p, _ in server.requests[before:] if p.endswith("/node_1.htm"))

        assert crawl("date=2023-01-24") == (
            "plan: 公益时报 (gongyishibao) 2023-01-24: 1 date; none held; 1 date to ask",
            [f"{PREFIX}html/2023-01/24/node_1.htm"])
        crawl("date=2023-01-17", status=4)  # page 7 lost: the issue is held incomplete
        assert crawl("start=2023-01-09", "end=2023-02-06") == (
            "plan: 公益时报 (gongyishibao) 2023-01-09 to 2023-02-06: 4 scheduled issue dates (every Tue); "
            "1 held complete, skipped; 1 held incomplete, only what it lacks asked; 3 dates to ask",
            [f"{PREFIX}html/2023-01/{day}/node_1.htm" for day in ("10", "17", "31")])
        assert crawl("backfill=2023-01-16", "end=2023-02-06", "refresh=1") == (
            "plan: 公益时报 (gongyishibao) 2023-01-16 to 2023-02-06: 3 scheduled issue dates (every Tue, newest first); "
            "3 held, asked again with refresh; 3 dates to ask",
            [f"{PREFIX}html/2023-01/{day}/node_1.htm" for day in ("17", "24", "31")])


def _crawl_latest(server: SiteServer, archive: str, *args: str, status: int = 0):
    """A crawl with no date: the newest issue the site's paperindex.htm leads to."""
    result = run_crawl(f"base_url={server.url}{PREFIX.lstrip('/')}", *args, archive=archive)
    assert result.returncode == status, result.stderr[-3000:]
    return result


def _summary(result) -> str:
    (line,) = [line for line in result.stderr.splitlines() if "summary: gongyishibao latest" in line]
    return line


def test_latest_skips_the_newest_issue_when_it_is_complete(sqlite_url):
    # What a daily cron line does: the newest issue (here 2023-01-31, older than the 14 days a
    # latest crawl reads ahead) is fetched once, then only looked up.
    index = PREFIX + "paperindex.htm"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        _crawl_latest(server, sqlite_url)
        assert ARTICLES <= _served(server, 0)
        assert _state(sqlite_url, pdfs=True).complete
        before = len(server.requests)
        again = _crawl_latest(server, sqlite_url)
        assert [r for r in server.requests[before:] if r.path != "/robots.txt"] == [(index, 200)]
        before = len(server.requests)
        refreshed = _crawl_latest(server, sqlite_url, "refresh=1")
        assert {index, ENTRY} | ARTICLES <= _served(server, before)
    assert "issues 1/1 (1 already complete), pages 0/0, articles 0/0; pages 0 new, 0 updated" in _summary(again)
    assert "articles 0 new, 0 updated" in _summary(again)
    assert "'delta/issues_skipped': 1" in again.stderr
    assert _plan_line(again) == ("plan: 公益时报 (gongyishibao): the newest issue (not fetched if the archive holds it complete), "
                                 "and those of the last 14 days the archive holds incomplete or lacks since its newest")
    assert _plan_line(refreshed) == "plan: 公益时报 (gongyishibao): the newest issue, fetched again if held (with refresh)"
    assert "(0 already complete)" in _summary(refreshed) and "articles 0 new, 20 updated" in _summary(refreshed)
    archive = open_archive(sqlite_url)
    try:
        assert [run.dates_asked for run in archive.crawl_runs()] == ["latest"] * 3
    finally:
        archive.close()


def test_latest_fetches_only_what_the_newest_issue_lacks(sqlite_url):
    lost_article = PREFIX + MANIFEST["pages"][0]["articles"][1]
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={lost_article: LOST}) as server:
        _crawl_latest(server, sqlite_url, status=4)  # finished with a failure: run it again
        assert not _state(sqlite_url).complete
        before = len(server.requests)
        _crawl_latest(server, sqlite_url)
        assert _served(server, before) == {PREFIX + "paperindex.htm", ENTRY, lost_article}
    assert _state(sqlite_url, pdfs=True).complete


def _point_index(site, day: date) -> None:
    """The site's paperindex.htm refreshes to the issue of ``day``: the paper's newest."""
    index = site / "paperindex.htm"
    html = index.read_text(encoding="utf-8")
    index.write_text(html.replace(html.split("URL=")[1].split('"')[0], f"html/{day:%Y-%m}/{day:%d}/node_1.htm"),
                     encoding="utf-8")


def _two_recent_issues(tmp_path, today):
    """The last Tuesday's issue and the one a week before it (so both within a crawl of the
    newest's look-back window), as a site of sample issues without PDFs."""
    newest = today - timedelta(days=(today.isoweekday() - 2) % 7)
    older = newest - timedelta(days=7)
    return older, newest, sample_site(tmp_path / "site", days=(older, newest), pdfs=False)


def _entry(day: date) -> str:
    """The path of the issue of ``day``'s entry page (its first page)."""
    return f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm"


def _assert_complete(url: str, *days: date, paper: str = "gongyishibao") -> None:
    """The archive holds the issues of ``days`` (oldest first) complete, and none between them."""
    archive = open_archive(url)
    try:
        states = archive.issue_states(paper, days[0], days[-1])
    finally:
        archive.close()
    assert sorted(states) == list(days) and all(state.complete for state in states.values())


def _crawl_asking_entries(server: SiteServer, *args: str, archive: str, settings: dict, status: int = 0):
    """A crawl's result, and the entry pages of the issues it asked (a page once per time asked)."""
    before = len(server.requests)
    result = run_crawl(*args, archive=archive, settings=settings)
    assert result.returncode == status, result.stderr[-3000:]
    return result, [r.path for r in server.requests[before:] if r.path.endswith("/node_1.htm")]


def _between(day: date, held: date, newest: date, said: str = "is asked: no run stored it") -> str:
    """What a crawl of the newest says of the issue of ``day``, between the newest it holds and the site's."""
    return (f"the issue of 公益时报 on {day}, scheduled between the newest the archive holds ({held}) and the site's "
            f"({newest}), {said}")


def _newer_issue_out_and_the_next_run_asks_again(site, newest: date, server, base: str, url: str, entry: str) -> None:
    """The site's newest issue is ``newest`` now; the next crawl of the newest asks ``entry``
    (an older issue's entry page) again and fetches both issues."""
    _point_index(site, newest)
    before = len(server.requests)
    again = run_crawl(base, archive=url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert again.returncode == 0, again.stderr[-3000:]
    assert entry in _served(server, before)
    assert "issues 2/2 (0 already complete)" in _summary(again)


def test_latest_asks_again_a_recent_issue_it_left_incomplete_once_a_newer_one_is_out(tmp_path, sqlite_url, paper_day):
    # A daily `scrapy crawl issues` (no date) whose issue lost an article: once the next issue
    # was out, the runs asked only that one and exited 0, the older issue left incomplete for
    # good though its run had said "run again to fetch them".
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    article = MANIFEST["pages"][0]["articles"][1]
    lost, lost_newest = (PREFIX + article.replace("2023-01/31", f"{day:%Y-%m}/{day:%d}") for day in (older, newest))
    entry, newest_entry = _entry(older), _entry(newest)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={lost: LOST + LOST, lost_newest: LOST}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, older)
        assert run_crawl(base, archive=sqlite_url, settings=settings).returncode == 4
        _point_index(site, newest)
        again = run_crawl(base, archive=sqlite_url, settings=settings)  # an article of each fails
        assert again.returncode == 4, again.stderr[-3000:]
        assert re.search(rf"ERROR: not fetched: 公益时报 \(gongyishibao\) {newest} \(latest\), {older} \(incomplete, "
                         r"asked again\): 2 articles \(first: http://[^ ]+: HTTP 500\); run again", again.stderr)
        assert "issues 2/2 (0 already complete)" in _summary(again)
        # Both incomplete now, the newest among the issues asked again: each asked once, the
        # newest named once.
        before = len(server.requests)
        done = run_crawl(base, archive=sqlite_url, settings=settings)
        assert done.returncode == 0, done.stderr[-3000:]
        asked = [r.path for r in server.requests[before:] if r.path != "/robots.txt"]
        assert sorted(asked) == sorted([PREFIX + "paperindex.htm", entry, lost, newest_entry, lost_newest])
        assert "issues 2/2 (0 already complete)" in _summary(done)
        before = len(server.requests)
        assert run_crawl(base, archive=sqlite_url, settings=settings).returncode == 0
        assert _served(server, before) == {PREFIX + "paperindex.htm"}  # both complete: nothing more
    _assert_complete(sqlite_url, older, newest)


def test_latest_walks_back_when_the_index_leads_to_a_missing_issue(sqlite_url, paper_day):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={ENTRY: [404]}) as server:
        result = _crawl_latest(server, sqlite_url)
        entries = [r for r in server.requests if r.path.endswith("/node_1.htm")]
    assert entries[0] == (ENTRY, 404) and len(entries) == 1 + sum(
        (paper_day - timedelta(days=n)).isoweekday() == 2 for n in range(14)
    )
    assert "no issue of 公益时报 found in the last 14 days" in result.stderr


def test_an_article_two_pages_link_is_fetched_once_and_both_pages_are_complete(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", alter=front_page_teaser, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        run = run_crawl(f"base_url={server.url}{PREFIX.lstrip('/')}", "date=2023-01-31", archive=sqlite_url,
                        settings={"ARCHIVE_FETCH_PDFS": "False"})
        assert run.returncode == 0, run.stderr[-3000:]
        assert [r.path for r in server.requests].count(f"{PREFIX}html/2023-01/31/content_306506.htm") == 1
        assert _state(sqlite_url).complete
        before = len(server.requests)
        run_crawl(f"base_url={server.url}{PREFIX.lstrip('/')}", "date=2023-01-31", archive=sqlite_url,
                  settings={"ARCHIVE_FETCH_PDFS": "False"})
        assert server.requests[before:] == []  # nothing to fetch again, the entry page included
    archive = open_archive(sqlite_url)
    with archive.engine.connect() as conn:
        # Both pages list it, the front page first; the article itself is stored once.
        linked = conn.exec_driver_sql(
            "SELECT p.page_number, pa.position FROM page_articles pa JOIN pages p ON p.id = pa.page_id"
            " WHERE pa.url LIKE '%content_306506.htm' ORDER BY p.page_number").all()
        assert linked == [(1, 0), (4, 0)]
        assert conn.exec_driver_sql("SELECT count(*) FROM articles WHERE url LIKE '%content_306506.htm'").scalar() == 1
        # Every page lists its links in its order.
        assert conn.exec_driver_sql("SELECT count(*) FROM page_articles").scalar() == 21
    archive.close()


def test_latest_asks_again_the_newest_issue_a_run_failed_to_fetch_once_a_newer_one_is_out(tmp_path, archive_url, paper_day):
    # The newest issue's entry page answered 503 on every retry: nothing of it was stored. Once
    # the next issue was out, the runs without a date asked only that one (they ask again the
    # issues the archive holds incomplete, and it held none of that date) and exited 0: the
    # issue was lost for good, though its run had said "run again to fetch them".
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    entry, newest_entry = _entry(older), _entry(newest)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={entry: [503] * 6}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, older)
        failed = run_crawl(base, archive=archive_url, settings=settings)
        assert failed.returncode == 4, failed.stderr[-3000:]
        assert f"not fetched: 公益时报 (gongyishibao) {older} (latest): 1 issue, 1 page" in failed.stderr
        _point_index(site, newest)
        # Asked again, and failed again: said so, and left to the next run once more.
        before = len(server.requests)
        again = run_crawl(base, archive=archive_url, settings=settings)
        assert again.returncode == 4, again.stderr[-3000:]
        assert {entry, newest_entry} <= _served(server, before)
        assert f"the issue of 公益时报 on {older}, which an earlier run failed to fetch (or was killed before it stored " \
               "it), is asked again" in again.stderr
        assert re.search(rf"ERROR: not fetched: 公益时报 \(gongyishibao\) {newest} \(latest\), {older} \(not stored, asked "
                         r"again\): 1 issue, 1 page \(first: http://[^ ]+: HTTP 503\); run again", again.stderr)
        assert "issues 1/2 (0 already complete, 1 failed)" in _summary(again)
        before = len(server.requests)
        done = run_crawl(base, archive=archive_url, settings=settings)
        assert done.returncode == 0, done.stderr[-3000:]
        assert entry in _served(server, before)
        assert "issues 2/2 (1 already complete)" in _summary(done)
        before = len(server.requests)
        assert run_crawl(base, archive=archive_url, settings=settings).returncode == 0
        assert _served(server, before) == {PREFIX + "paperindex.htm"}  # both complete: nothing more
    _assert_complete(archive_url, older, newest)


def test_latest_after_runs_that_did_not_happen_asks_the_issues_between_and_names_the_older_ones(tmp_path, archive_url, paper_day):
    # A weekly `scrapy crawl issues` (no date) whose runs did not happen for weeks (the machine
    # off, cron's flock held by a backfill): the next run asked the newest issue alone and exited
    # 0, the issues published meanwhile never asked by any run, and nothing said of them.
    newest = paper_day - timedelta(days=(paper_day.isoweekday() - 2) % 7)
    held, *between = (newest - timedelta(days=7 * weeks) for weeks in (4, 3, 2, 1))
    site = sample_site(tmp_path / "site", days=(held, *between, newest), pdfs=False)
    window = paper_day - timedelta(days=14)  # the lookback window's first day
    asked = [day for day in between if day >= window]
    older = [day for day in between if day < window]
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, held)
        assert run_crawl(base, archive=archive_url, settings=settings).returncode == 0
        _point_index(site, newest)
        done, entries = _crawl_asking_entries(server, base, archive=archive_url, settings=settings)
        assert set(entries) == {_entry(day) for day in (*asked, newest)}
        for day in asked:
            assert _between(day, held, newest) in done.stderr
        assert f"issues {len(asked) + 1}/{len(asked) + 1} (0 already complete)" in _summary(done)
        assert f"WARNING: the archive holds no issue of 公益时报 from {older[0]} to {older[-1]} ({len(older)} scheduled: " \
               f"every Tue), after its newest from this root, of {held}: a crawl of the newest asks the last 14 days alone; " \
               f"fetch them with -a start={older[0]} -a end={older[-1]}" in done.stderr
        # The range it gives fetches them; then every issue is held and a run asks the index alone.
        assert run_crawl(base, f"start={older[0]}", f"end={older[-1]}", archive=archive_url,
                         settings=settings).returncode == 0
        before = len(server.requests)
        again = run_crawl(base, archive=archive_url, settings=settings)
        assert again.returncode == 0 and "WARNING: the archive holds no issue" not in again.stderr
        assert _served(server, before) == {PREFIX + "paperindex.htm"}
    _assert_complete(archive_url, held, *between, newest)


# A weekly paper (公益时报's profile), whose walk back may ask days without an issue first, and a
# daily one, whose newest issue is the walk back's first day, asked before its window is known.
WEEKLY = ({}, "every Tue", 7, 14)
DAILY = ({"schedule": "{ weekdays = [1, 2, 3, 4, 5, 6, 7] }", "latest_lookback_days": "3"},
         "every Mon, Tue, Wed, Thu, Fri, Sat, Sun", 1, 3)


@pytest.mark.parametrize("schedule, words, apart, lookback", [WEEKLY, DAILY], ids=["weekly", "daily"])
def test_latest_walking_back_to_a_newest_issue_held_complete_asks_the_issues_between_as_with_a_latest_page(
        tmp_path, archive_url, paper_day, monkeypatch, schedule, words, apart, lookback):
    # A paper without a latest-issue page, its newest issue stored complete from another
    # address of its site (a dated crawl; a site that redirects to its new root stores them so):
    # the walk back found it held complete and asked nothing, the issues published since the
    # newest held from the crawl's root never asked nor named, where a latest page asks them.
    from crawler.papers import PROFILES_ENV

    monkeypatch.setenv(PROFILES_ENV, str(own_paper(tmp_path / "papers", "zhoubao", latest='""', **schedule)))
    newest = paper_day - timedelta(days=(paper_day.isoweekday() - 2) % 7 if apart == 7 else 0)
    held, *between = (newest - timedelta(days=apart * n) for n in range(6 if apart == 1 else 4, 0, -1))
    site = sample_site(tmp_path / "site", days=(held, *between, newest), pdfs=False)
    window = paper_day - timedelta(days=lookback)  # the lookback window's first day
    asked = [day for day in between if day >= window]
    older = [day for day in between if day < window]
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        elsewhere = f"base_url=http://localhost:{server.port}{PREFIX}"  # the same site under another name
        for root, day in ((base, held), (elsewhere, newest)):
            assert run_crawl("paper=zhoubao", root, f"date={day}", archive=archive_url, settings=settings).returncode == 0
        done, entries = _crawl_asking_entries(server, "paper=zhoubao", base, archive=archive_url, settings=settings)
    assert set(entries) == {_entry(day) for day in asked}
    for day in asked:
        assert _between(day, held, newest) in done.stderr
    assert f"WARNING: the archive holds no issue of 公益时报 from {older[0]} to {older[-1]} ({len(older)} scheduled: " \
           f"{words}), after its newest from this root, of {held}: a crawl of the newest asks the last {lookback} days " \
           f"alone; fetch them with -a start={older[0]} -a end={older[-1]}" in done.stderr
    _assert_complete(archive_url, held, *asked, newest, paper="zhoubao")


def _daily_paper_without_a_latest_page(tmp_path, monkeypatch, paper_day: date):
    """A daily paper without a latest-issue page, today's issue not out yet, its site serving the
    four issues before: the oldest (to be held), the two between, the newest (yesterday's)."""
    from crawler.papers import PROFILES_ENV

    monkeypatch.setenv(PROFILES_ENV, str(own_paper(tmp_path / "papers", "ribao", latest='""', latest_lookback_days="5",
                                                   schedule="{ weekdays = [1, 2, 3, 4, 5, 6, 7] }")))
    held, *between, newest = (paper_day - timedelta(days=n) for n in range(4, 0, -1))
    return held, between, newest, sample_site(tmp_path / "site", days=(held, *between, newest), pdfs=False)


@pytest.mark.parametrize("newest_fails", [True, False], ids=["its-entry-failing", "not-stored-asked-again"])
def test_latest_walking_back_to_a_newest_issue_not_fetched_asks_the_issues_between_as_with_a_latest_page(
        tmp_path, archive_url, paper_day, monkeypatch, newest_fails):
    # A daily paper without a latest-issue page, today's issue not out yet: the walk back takes
    # yesterday's for the newest. Its entry page failing on every retry, or it asked again as an
    # earlier run did not store it, the issues since the newest held from the crawl's root were
    # never asked nor named, where a latest page asks them before the newest is fetched.
    held, between, newest, site = _daily_paper_without_a_latest_page(tmp_path, monkeypatch, paper_day)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={_entry(newest): [503] * 3}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        if not newest_fails:  # an earlier run took it for the newest and failed, before the archive held any
            failed = run_crawl("paper=ribao", base, archive=archive_url, settings=settings)
            assert failed.returncode == 4, failed.stderr[-3000:]
        assert run_crawl("paper=ribao", base, f"date={held}", archive=archive_url, settings=settings).returncode == 0
        done, entries = _crawl_asking_entries(server, "paper=ribao", base, archive=archive_url, settings=settings,
                                              status=4 if newest_fails else 0)
    for day in between:
        assert entries.count(_entry(day)) == 1
        assert _between(day, held, newest) in done.stderr
    if newest_fails:
        assert entries.count(_entry(newest)) == 3  # its retries
        _assert_complete(archive_url, held, *between, paper="ribao")
    else:
        assert "which an earlier run failed to fetch (or was killed before it stored it), is asked again" in done.stderr
        _assert_complete(archive_url, held, *between, newest, paper="ribao")


@pytest.mark.parametrize("answer", ["redirected-off-the-site", "busy-page", "cut-short"])
def test_latest_walking_back_to_a_newest_issue_answered_but_not_read_asks_the_issues_between(
        tmp_path, archive_url, paper_day, monkeypatch, answer):
    # The walk back's newest day's entry page answered with status 200 but not read as the
    # paper's issue: redirected to another host, the site's busy page, or cut short. The issue
    # fails (the walk stops there, as at a 5xx), and the issues since the newest held from the
    # crawl's root were not asked, where a failed fetch of it has them asked.
    held, between, newest, site = _daily_paper_without_a_latest_page(tmp_path, monkeypatch, paper_day)
    entry_file = site / _entry(newest).removeprefix(PREFIX)
    if answer == "busy-page":
        entry_file.write_text(BUSY_PAGE, encoding="utf-8")
    elif answer == "cut-short":
        html = entry_file.read_text(encoding="utf-8")
        entry_file.write_text(html[: html.index("</li>") + len("</li>")], encoding="utf-8")
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX) as server:
        if answer == "redirected-off-the-site":  # the same files under another host name
            server._redirects[_entry(newest)] = f"http://localhost:{server.port}{_entry(held)}"
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl("paper=ribao", base, f"date={held}", archive=archive_url, settings=settings).returncode == 0
        done, entries = _crawl_asking_entries(server, "paper=ribao", base, archive=archive_url, settings=settings, status=4)
    assert f"ERROR: issue of 公益时报 on {newest} not fetched (" in done.stderr
    assert entries.count(_entry(newest)) == 1
    for day in between:
        assert entries.count(_entry(day)) == 1
        assert _between(day, held, newest) in done.stderr
    _assert_complete(archive_url, held, *between, paper="ribao")


def _latest_with_one_held_from_another_address(site, archive_url: str, held: date, elsewhere_day: date, named: date):
    """A crawl of the newest from the site's root, its latest-issue page naming the issue of
    ``named``, the archive holding that of ``held`` from the crawl's root and that of
    ``elsewhere_day`` from another address of the site (the same files under another host
    name): its result, and the entry pages it asked."""
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        elsewhere = f"base_url=http://localhost:{server.port}{PREFIX}"
        for root, day in ((base, held), (elsewhere, elsewhere_day)):
            assert run_crawl(root, f"date={day}", archive=archive_url, settings=settings).returncode == 0
        _point_index(site, named)
        return _crawl_asking_entries(server, base, archive=archive_url, settings=settings)


def test_latest_says_the_issues_between_held_complete_from_another_address_are_not_asked(tmp_path, archive_url, paper_day):
    # Of the issues between the newest held from the crawl's root and the site's newest, one
    # stored complete from another address of the site is not fetched (the archive holds it):
    # the run said it was "asked: no run stored it" all the same.
    newest = paper_day - timedelta(days=(paper_day.isoweekday() - 2) % 7)
    held, *between = (newest - timedelta(days=7 * weeks) for weeks in (3, 2, 1))
    site = sample_site(tmp_path / "site", days=(held, *between, newest), pdfs=False)
    window = paper_day - timedelta(days=14)
    asked = [day for day in between if day >= window]
    elsewhere_day = asked.pop()  # newest - 7, always in the window
    done, entries = _latest_with_one_held_from_another_address(site, archive_url, held, elsewhere_day, newest)
    assert set(entries) == {_entry(day) for day in (*asked, newest)}
    for day in asked:
        assert _between(day, held, newest) in done.stderr
    assert _between(elsewhere_day, held, newest, "is held complete from another address of the site: not asked") in done.stderr
    assert _between(elsewhere_day, held, newest, "is asked") not in done.stderr
    # Neither fetched nor counted, the summary read as if the run had not looked at it.
    issues = len(asked) + 2  # the newest, those asked, and the one held from another address
    assert f"issues {issues}/{issues} (1 already complete)" in _summary(done)
    assert "'delta/issues_skipped': 1," in done.stderr


def test_latest_counts_once_an_issue_held_complete_between_that_the_walk_back_takes_for_the_newest(
        tmp_path, archive_url, paper_day):
    # The latest-issue page leads to a date without an issue: the issue before it, held complete
    # from another address, is one of those between the newest held from the crawl's root and
    # the date the page names (not asked), and the one the walk back then takes for the newest
    # (not asked either): one issue, already complete once.
    missing = paper_day - timedelta(days=(paper_day.isoweekday() - 2) % 7)
    held, elsewhere_day = missing - timedelta(days=14), missing - timedelta(days=7)
    site = sample_site(tmp_path / "site", days=(held, elsewhere_day), pdfs=False)
    done, entries = _latest_with_one_held_from_another_address(site, archive_url, held, elsewhere_day, missing)
    assert entries == [_entry(missing)]
    assert _between(elsewhere_day, held, missing, "is held complete from another address of the site: not asked") in done.stderr
    assert "issues 1/1 (1 already complete)" in _summary(done)
    assert "'delta/issues_skipped': 1," in done.stderr


def test_latest_counts_a_date_it_asked_again_not_stored_and_answered_without_an_issue(tmp_path, sqlite_url, paper_day):
    # Asked again and answered 404 now: a date asked, counted in absent_issues as such (not an
    # issue "held incomplete ... it stays as stored"), and not asked by the next run.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    entry = _entry(older)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={entry: [503] * 3 + [404]}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, older)
        assert run_crawl(base, archive=sqlite_url, settings=settings).returncode == 4
        _point_index(site, newest)
        again = run_crawl(base, archive=sqlite_url, settings=settings)
        assert again.returncode == 0, again.stderr[-3000:]
        assert f"no issue of 公益时报 on {older} (404 at http://" in again.stderr
        assert "held incomplete" not in again.stderr
        assert "issues 1/2 (0 already complete, 1 without an issue)" in _summary(again)
        before = len(server.requests)
        assert run_crawl(base, archive=sqlite_url, settings=settings).returncode == 0
        assert _served(server, before) == {PREFIX + "paperindex.htm"}
    archive = open_archive(sqlite_url)
    try:
        assert list(archive.absent_issues("gongyishibao", older, older)) == [older]
    finally:
        archive.close()


def test_latest_asks_again_the_newest_issue_a_run_was_killed_before_it_stored(tmp_path, archive_url, paper_day):
    # A crawl of the newest issue killed (SIGKILL, a power cut) before its first batch left no
    # row of that issue: once the next issue was out, no run without a date asked it again.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    entry = _entry(older)
    # One request at a time, a little apart: killed with its pages fetched, its batch unwritten.
    slow = {"ARCHIVE_FETCH_PDFS": "False", "DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS": "1"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, older)
        crawl = start_crawl(base, archive=archive_url, settings=slow)
        try:
            wait_for("its pages were fetched", lambda: len(_served(server, 0)) >= 6, crawl, 120)
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait(30)
        archive = open_archive(archive_url)
        try:
            assert archive.issue_states("gongyishibao", older, newest) == {}  # killed before its first batch
            # Told killed once not seen for the rule's 5 minutes (docs/operations.md): until then
            # it is taken for crawling still, its issue being fetched, and not asked again.
            with archive.engine.begin() as conn:
                conn.execute(text("UPDATE crawl_runs SET seen_at = :then"), {"then": utcnow() - timedelta(minutes=6)})
        finally:
            archive.close()
        _newer_issue_out_and_the_next_run_asks_again(site, newest, server, base, archive_url, entry)
    _assert_complete(archive_url, older, newest)


def test_latest_asks_again_the_newest_issue_a_run_was_stopped_before_it_stored(tmp_path, sqlite_url, paper_day):
    # SIGTERM (systemctl stop) while the newest issue's entry page waited for its retry: the
    # stop leaves that retry to the next run, and the run's message said only that it was
    # interrupted. Once the next issue was out, no run without a date asked it again.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    entry = _entry(older)
    with SiteServer(site, prefix=PREFIX, faults={entry: [503]}) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        _point_index(site, older)
        log = tmp_path / "crawl.log"
        crawl = start_crawl(base, archive=sqlite_url, settings={"ARCHIVE_FETCH_PDFS": "False", "RETRY_BACKOFF_BASE": "60"},
                            log=log)
        try:
            # Into the back-off: half a second after the 503 was at times before it, on a busy machine.
            wait_for("backed off", lambda: f"backing off 60s before retry 1 of {server.url}{entry.lstrip('/')}" in log.read_text(),
                     crawl, 60)
            crawl.send_signal(signal.SIGTERM)
            assert crawl.wait(30) == 143
        finally:
            if crawl.poll() is None:
                crawl.kill()
        _newer_issue_out_and_the_next_run_asks_again(site, newest, server, base, sqlite_url, entry)
    _assert_complete(sqlite_url, older, newest)


def test_latest_summary_counts_an_incomplete_issue_asked_again_and_not_served_as_held(tmp_path, sqlite_url, paper_day):
    # Its summary read "issues 1/2 (0 already complete)", exit status 0, as if one of the two
    # issues asked were lost, while the archive keeps it as stored and the next run asks it again.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    _point_index(site, older)
    partly, _ = crawl_site(sqlite_url, date=None, site=site, settings=settings,
                           faults={f"{PREFIX}html/{older:%Y-%m}/{older:%d}/node_2.htm": [500] * 3})
    assert partly.returncode == 4, partly.stderr[-3000:]
    _point_index(site, newest)
    again, _ = crawl_site(sqlite_url, date=None, site=site, settings=settings, faults={_entry(older): [404]})
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"the issue of 公益时报 on {older}, held incomplete and asked again, was not served" in again.stderr
    assert "issues 1/2 (0 already complete, 1 held but not served, kept as stored)" in _summary(again)


def test_latest_asks_an_issue_it_asks_again_once_when_the_latest_page_names_it_under_another_spelling_of_the_root(
        tmp_path, sqlite_url, paper_day):
    # The latest-issue page refreshes to the newest issue under another name of the crawl's
    # host (localhost for 127.0.0.1), and an earlier run failed to fetch that issue: asked
    # again from the crawl's root and from the refresh's, it was fetched twice and every
    # article stored twice, under both addresses, exit status 0.
    _, newest, site = _two_recent_issues(tmp_path, paper_day)
    settings = {"ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(site, prefix=PREFIX, faults={_entry(newest): [503] * 3}) as server:
        _point_index(site, newest)
        index = site / "paperindex.htm"
        target = f"http://localhost:{server.port}{_entry(newest)}"
        index.write_text(index.read_text(encoding="utf-8").replace(_entry(newest).removeprefix(PREFIX), target, 1),
                         encoding="utf-8")
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, archive=sqlite_url, settings=settings).returncode == 4  # its entry page failed
        before = len(server.requests)
        done = run_crawl(base, archive=sqlite_url, settings=settings)
        asked = [r.path for r in server.requests[before:] if not r.path.endswith(("robots.txt", "paperindex.htm"))]
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(asked) == len(set(asked)) == 16 + 20, sorted(asked)
    archive = open_archive(sqlite_url)
    try:
        with archive.session() as session:
            assert session.scalar(select(func.count(Article.id))) == 20
    finally:
        archive.close()


def _fetched_since(url: str, since) -> set[str]:
    """The paths of the pages and articles the archive holds as fetched at ``since`` or later."""
    from storage.db import as_utc
    from storage.models import Page

    archive = open_archive(url)
    try:
        with archive.session() as session:
            rows = [*session.execute(select(Page.url, Page.fetched_at).where(Page.page_number > 0)),
                    *session.execute(select(Article.url, Article.fetched_at))]
    finally:
        archive.close()
    assert rows
    return {"/" + link.split("/", 3)[3] for link, at in rows if at is not None and as_utc(at) >= since}


def _pages_and_articles(day: date) -> dict[str, set[str]]:
    """The paths of the pages of the sample issue on ``day`` (sample_site), and of the articles each links."""
    on = lambda path: PREFIX + path.replace("2023-01/31", f"{day:%Y-%m/%d}")  # noqa: E731
    return {on(page["path"]): {on(article) for article in page["articles"]} for page in MANIFEST["pages"]}


def _refresh_stopped_part_way(server: SiteServer, base: str, dates: tuple[str, ...], archive_url: str, log,
                              signum: int = signal.SIGTERM, part: int = 45) -> tuple:
    """A refresh (-a refresh=1) of ``dates``, every issue of them held complete, stopped by
    ``signum`` part-way (SIGKILL: told killed, as if not seen for the rule's 5 minutes): its
    crawl_runs row, when it began (UTC), and the paths of the pages and articles it refreshed
    (stopped once ``part`` paths were served)."""

    before = len(server.requests)
    # One request at a time, a little apart: the refresh is still running when the signal comes.
    crawl = start_crawl(base, *dates, "refresh=1", archive=archive_url, log=log,
                        settings=REFRESHED | {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "1"})
    try:
        wait_for("the refresh was part-way", lambda: len(_served(server, before)) >= part, crawl, 120,
                 said=lambda: log.read_text(encoding="utf-8")[-3000:])
        crawl.send_signal(signum)
        assert crawl.wait(60) == (-signal.SIGKILL if signum == signal.SIGKILL else 128 + signum)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    if signum == signal.SIGKILL:
        archive = open_archive(archive_url)
        try:
            with archive.engine.begin() as conn:
                conn.execute(text("UPDATE crawl_runs SET seen_at = :then"), {"then": utcnow() - timedelta(minutes=6)})
        finally:
            archive.close()
    refresh, started, refreshed = _last_run(archive_url)
    assert refresh.status == ("running" if signum == signal.SIGKILL else "shutdown")
    assert 0 < len(refreshed) < len(_fetched_since(archive_url, datetime.min.replace(tzinfo=timezone.utc)))  # part-way
    return refresh, started, refreshed


def _last_run(archive_url: str) -> tuple:
    """The archive's last crawl_runs row, when it began (UTC), and the paths of the pages and articles fetched since."""
    from storage.db import as_utc

    archive = open_archive(archive_url)
    try:
        run = archive.crawl_runs()[0]
    finally:
        archive.close()
    started = as_utc(run.started_at)
    return run, started, _fetched_since(archive_url, started)


def _assert_refresh_finished(days, started, refreshed: set[str], asked: set[str], archive_url: str) -> None:
    """Every page and article of the issues of ``days`` is fetched since ``started`` now; of
    those ``refreshed`` before, none was ``asked`` again but an entry page, whose page list says
    what its issue lacks, and a page whose articles were not all refreshed, read again for their links."""
    pages = {page: articles for day in days for page, articles in _pages_and_articles(day).items()}
    assert len(_fetched_since(archive_url, started)) == len(pages) + sum(len(articles) for articles in pages.values())
    done = {page for page, articles in pages.items() if {page, *articles} <= refreshed}
    assert asked and not asked & ((refreshed - set(pages)) | done) - {_entry(day) for day in days}


def _resumed_line(result, refresh, started, days, refreshed: set[str], span: str) -> None:
    """The one line ``result`` says of the refresh it finishes."""
    (line,) = [line for line in result.stderr.splitlines() if "was not finished" in line]
    left = [day.isoformat() for day in days if not set(_pages_and_articles(day)) | {
        a for articles in _pages_and_articles(day).values() for a in articles} <= refreshed]
    assert line.endswith(f"INFO: the refresh of 公益时报 (gongyishibao) {span} that run {refresh.id} "
                         f"began at {started:%Y-%m-%d %H:%M:%S} UTC was not finished: its issues not refreshed yet "
                         f"({', '.join(left)}) are refreshed now"), line


REFRESHED = {"ARCHIVE_FETCH_PDFS": "False", "ARCHIVE_BATCH_SIZE": "4"}


@pytest.mark.parametrize("again", [(), ("refresh=1",)], ids=["scheduled-run", "refresh-run-again"])
def test_a_refresh_stopped_part_way_is_finished_by_the_next_run_of_its_dates(tmp_path, archive_url, again):
    # A range refreshed (-a refresh=1) and stopped by SIGTERM part-way: the next run of those
    # dates, without refresh, found the issues complete and asked nothing, so the issues the
    # refresh had not reached were never refreshed; run again with refresh=1, it fetched again
    # what it had refreshed already.
    days = (date(2023, 1, 17), date(2023, 1, 24), date(2023, 1, 31))
    site = sample_site(tmp_path / "site", days=days, pdfs=False)
    dates = ("start=2023-01-17", "end=2023-01-31")
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        first = run_crawl(base, *dates, archive=archive_url, settings=REFRESHED)
        assert first.returncode == 0, first.stderr[-3000:]
        refresh, started, refreshed = _refresh_stopped_part_way(server, base, dates, archive_url, tmp_path / "refresh.log")
        before = len(server.requests)
        resumed = run_crawl(base, *dates, *again, archive=archive_url, settings=REFRESHED)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _assert_refresh_finished(days, started, refreshed, _served(server, before), archive_url)
        _resumed_line(resumed, refresh, started, days, refreshed, "2023-01-17..2023-01-31")
        before = len(server.requests)
        assert run_crawl(base, *dates, archive=archive_url, settings=REFRESHED).returncode == 0
        assert _served(server, before) == set()  # finished: nothing more


def test_a_refresh_stopped_part_way_is_finished_by_the_next_crawl_of_the_newest(tmp_path, sqlite_url, paper_day):
    # The scheduled run is a crawl of the newest issue: it asks the issues of its window the
    # refresh left, as it asks those held incomplete, and the next one nothing more.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    days = (older, newest)
    dates = (f"start={older}", f"end={newest}")
    with SiteServer(site, prefix=PREFIX) as server:
        _point_index(site, newest)
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        first = run_crawl(base, *dates, archive=sqlite_url, settings=REFRESHED)
        assert first.returncode == 0, first.stderr[-3000:]
        refresh, started, refreshed = _refresh_stopped_part_way(server, base, dates, sqlite_url, tmp_path / "refresh.log")
        before = len(server.requests)
        resumed = run_crawl(base, archive=sqlite_url, settings=REFRESHED)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _assert_refresh_finished(days, started, refreshed, _served(server, before) - {PREFIX + "paperindex.htm"}, sqlite_url)
        _resumed_line(resumed, refresh, started, days, refreshed, f"{older}..{newest}")
        _assert_refreshed_again(server, base, dates, sqlite_url, refresh_finished=f"{older}, {newest}")


def _assert_refreshed_again(server: SiteServer, base: str, dates: tuple[str, ...], archive_url: str, refresh_finished: str):
    """The last run, a crawl of the newest that finished a refresh, says so in its message, and
    closed it: a refresh of ``dates`` fetches every page and article of them again."""
    assert _last_run(archive_url)[0].message == f"refresh finished: 公益时报 (gongyishibao) {refresh_finished}"
    before = len(server.requests)
    again = run_crawl(base, *dates, "refresh=1", archive=archive_url, settings=REFRESHED)
    assert again.returncode == 0, again.stderr[-3000:]
    days = [date.fromisoformat(day) for day in refresh_finished.split(", ")]
    assert {path for day in days for page, articles in _pages_and_articles(day).items() for path in (page, *articles)} <= \
        _served(server, before)
    assert "was not finished" not in again.stderr


def test_a_refresh_killed_part_way_is_finished_by_the_next_run_of_its_dates(tmp_path, sqlite_url):
    # Killed (SIGKILL, a power cut), the refresh's row keeps what it refreshes from its start.
    days = (date(2023, 1, 24), date(2023, 1, 31))
    site = sample_site(tmp_path / "site", days=days, pdfs=False)
    dates = ("start=2023-01-24", "end=2023-01-31")
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, *dates, archive=sqlite_url, settings=REFRESHED).returncode == 0
        refresh, started, refreshed = _refresh_stopped_part_way(server, base, dates, sqlite_url, tmp_path / "refresh.log",
                                                                signal.SIGKILL)
        assert refresh.message == "refreshing: 公益时报 (gongyishibao) 2023-01-24..2023-01-31"
        before = len(server.requests)
        resumed = run_crawl(base, *dates, archive=sqlite_url, settings=REFRESHED)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _assert_refresh_finished(days, started, refreshed, _served(server, before), sqlite_url)
        _resumed_line(resumed, refresh, started, days, refreshed, "2023-01-24..2023-01-31")


def test_a_refresh_that_failed_is_finished_by_the_next_run_of_its_dates(archive_url):
    # A refresh that ended 'failed' (an article the site answered 500 for on every retry) was
    # taken as done: the next run without refresh found the issue complete and asked nothing, so
    # the article was never refreshed.
    lost = PREFIX + PAGE_7["articles"][0]
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, "date=2023-01-31", archive=archive_url, settings=REFRESHED).returncode == 0
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={lost: LOST}, port=server.port) as server:
        failed = run_crawl(base, "date=2023-01-31", "refresh=1", archive=archive_url, settings=REFRESHED)
        assert failed.returncode == 4, failed.stderr[-3000:]
        refresh, started, refreshed = _last_run(archive_url)
        assert refresh.status == "failed" and lost not in refreshed
        before = len(server.requests)
        resumed = run_crawl(base, "date=2023-01-31", archive=archive_url, settings=REFRESHED)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert lost in _served(server, before)
        _assert_refresh_finished((DAY,), started, refreshed, _served(server, before), archive_url)
        _resumed_line(resumed, refresh, started, (DAY,), refreshed, "2023-01-31")
        before = len(server.requests)
        assert run_crawl(base, "date=2023-01-31", archive=archive_url, settings=REFRESHED).returncode == 0
        assert _served(server, before) == set()  # finished: nothing more


def _pdfs_fetched_since(url: str, since) -> set[str]:
    """The paths of the page PDFs the archive holds as fetched at ``since`` or later."""
    from storage.db import as_utc
    from storage.models import Page, RawDocument

    archive = open_archive(url)
    try:
        with archive.session() as session:
            rows = session.execute(select(RawDocument.url, RawDocument.fetched_at).where(
                RawDocument.url.in_(select(Page.pdf_url)))).all()
    finally:
        archive.close()
    return {"/" + link.split("/", 3)[3] for link, at in rows if as_utc(at) >= since}


def test_a_refresh_stopped_before_a_page_pdf_is_finished_with_that_pdf(tmp_path, archive_url):
    # The refresh fetched page 7 and its articles, and its PDF answered 500; the stop came while
    # the PDF's retry waited. The page counted refreshed, so its PDF was never asked again.
    page_7, pdf_7 = PREFIX + PAGE_7["path"], PREFIX + PAGE_7["pdf"]
    everything = {PREFIX + path for page in MANIFEST["pages"] for path in (page["path"], page["pdf"])} | ARTICLES
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, "date=2023-01-31", archive=archive_url).returncode == 0
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={pdf_7: [500]}, port=server.port) as server:
        log = tmp_path / "refresh.log"
        crawl = start_crawl(base, "date=2023-01-31", "refresh=1", archive=archive_url, log=log,
                            settings={"RETRY_BACKOFF_BASE": "600", "ARCHIVE_BATCH_SIZE": "4"})
        try:
            wait_for("all but page 7's PDF refreshed", lambda: (pdf_7, 500) in server.requests and everything - {pdf_7} <= {
                r.path for r in server.requests if r.status == 200}, crawl, 120, said=lambda: log.read_text(encoding="utf-8")[-3000:])
            crawl.send_signal(signal.SIGTERM)
            assert crawl.wait(60) == 128 + signal.SIGTERM
        finally:
            if crawl.poll() is None:
                crawl.kill()
        refresh, started, refreshed = _last_run(archive_url)
        pdfs = _pdfs_fetched_since(archive_url, started)
        assert refresh.status == "shutdown" and {page_7} | {PREFIX + a for a in PAGE_7["articles"]} <= refreshed
        assert pdf_7 not in pdfs and len(pdfs) == len(MANIFEST["pages"]) - 1
        before = len(server.requests)
        resumed = run_crawl(base, "date=2023-01-31", archive=archive_url)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        # The entry page says what the issue lacks: page 7 is read again for its PDF, the rest not.
        assert _served(server, before) == {ENTRY, page_7, pdf_7}
        assert _pdfs_fetched_since(archive_url, started) == pdfs | {pdf_7}
        _asks_nothing(server, archive_url)


def test_a_refresh_of_the_newest_stopped_is_finished_and_closed_by_the_next_crawl_of_the_newest(tmp_path, sqlite_url,
                                                                                                 paper_day):
    # A crawl of the newest issue finished the refresh of it left part-way, but did not close it:
    # a later refresh of that date took it for refreshed already and fetched nothing.
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    with SiteServer(site, prefix=PREFIX) as server:
        _point_index(site, newest)
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        assert run_crawl(base, f"start={older}", f"end={newest}", archive=sqlite_url, settings=REFRESHED).returncode == 0
        refresh, started, refreshed = _refresh_stopped_part_way(server, base, (f"date={newest}",), sqlite_url,
                                                                tmp_path / "refresh.log", part=20)
        before = len(server.requests)
        resumed = run_crawl(base, archive=sqlite_url, settings=REFRESHED)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _assert_refresh_finished((newest,), started, refreshed, _served(server, before) - {PREFIX + "paperindex.htm"},
                                 sqlite_url)
        _resumed_line(resumed, refresh, started, (newest,), refreshed, f"{newest}")
        _assert_refreshed_again(server, base, (f"date={newest}",), sqlite_url, refresh_finished=f"{newest}")
