"""Unattended runs report themselves: crawl_runs, the template drift alarm, progress and summary."""
from __future__ import annotations

import re

from sqlalchemy import text

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from tests.conftest import SAMPLE_SITE, crawl_runs, crawl_site, run_crawl
from tests.sites import sample_site

FAST = {"ARCHIVE_FETCH_PDFS": "False"}


def _run(server: SiteServer, archive: str, settings: dict | None = None, *args: str):
    return run_crawl(
        f"base_url={server.url}{PREFIX.lstrip('/')}", *(args or ("date=2023-01-31",)),
        archive=archive, settings=FAST | (settings or {}),
    )


def _crawl(root, archive: str, settings: dict | None = None, *args: str):
    return crawl_site(archive, *args, site=root, date=None if args else "2023-01-31", settings=FAST | (settings or {})).done


def test_each_run_is_recorded_with_its_counts(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = _run(server, sqlite_url)
        assert first.returncode == 0, first.stderr[-2000:]
        again = _run(server, sqlite_url, {}, "date=2023-01-31", "refresh=1")
        assert again.returncode == 0, again.stderr[-2000:]
    latest, earliest = crawl_runs(sqlite_url)
    assert (earliest.paper_code, earliest.dates_asked, earliest.status) == ("gongyishibao", "2023-01-31", "finished")
    assert (earliest.pages_new, earliest.pages_updated, earliest.articles_new, earliest.articles_updated) == (16, 0, 20, 0)
    assert (latest.pages_new, latest.pages_updated, latest.articles_new, latest.articles_updated) == (0, 16, 0, 20)
    assert earliest.started_at <= earliest.finished_at <= latest.started_at <= latest.finished_at
    assert re.search(r"summary: gongyishibao 2023-01-31 \(finished\): issues 1/1 \(0 already complete\), "
                     r"pages 16/16, articles 20/20; pages 16 new, 0 updated, 0 failed; articles 20 new", first.stderr)


def test_a_run_counts_apart_the_articles_the_site_changed(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", pdfs=False)
    corrected = site / "html/2023-01/31/content_306505.htm"
    with SiteServer(site, prefix=PREFIX) as server:
        assert _run(server, sqlite_url).returncode == 0
        # The site corrects one picture's caption, nothing else.
        html = corrected.read_text(encoding="utf-8")
        assert html.count("(圖片來源:界面新聞)") == 1
        corrected.write_text(html.replace("(圖片來源:界面新聞)", "(圖片來源:界面新聞網)"), encoding="utf-8")
        again = _run(server, sqlite_url, {}, "date=2023-01-31", "refresh=1")
    assert again.returncode == 0, again.stderr[-2000:]
    latest, earliest = crawl_runs(sqlite_url)
    assert (earliest.articles_new, earliest.articles_updated, earliest.articles_changed) == (20, 0, 0)
    assert (latest.articles_new, latest.articles_updated, latest.articles_changed) == (0, 20, 1)
    assert "articles 0 new, 20 updated (1 changed), 0 failed" in again.stderr
    archive = open_archive(sqlite_url)
    with archive.engine.connect() as conn:
        captions = conn.execute(text(
            "SELECT h.is_current, json_extract(h.images, '$[0].caption') FROM article_history h "
            "JOIN articles a ON a.id = h.article_id WHERE a.url LIKE '%content_306505.htm' ORDER BY h.is_current"
        )).all()
    archive.close()
    assert [tuple(c) for c in captions] == [
        (0, "蓝马甲助老防骗公益大篷车来到江西省德安县丰林镇开展服务(图片来源：界面新闻)"),
        (1, "蓝马甲助老防骗公益大篷车来到江西省德安县丰林镇开展服务(图片来源：界面新闻网)"),
    ]


def test_failures_are_counted_in_the_record(sqlite_url):
    lost = f"{PREFIX}html/2023-01/31/content_306503.htm"
    result = crawl_site(sqlite_url, faults={lost: [404]}, settings=FAST).done
    assert result.returncode == 4, result.stderr[-2000:]
    (run,) = crawl_runs(sqlite_url)
    assert (run.articles_new, run.articles_failed, run.pages_failed) == (19, 1, 0)
    # The run finished, but not everything came: exit status 4, and the record says so.
    assert run.status == "failed"
    assert re.fullmatch(rf"not fetched: 公益时报 \(gongyishibao\) 2023-01-31: 1 article "
                        rf"\(first: http://127\.0\.0\.1:\d+{lost}: HTTP 404\); run again to fetch them", run.message)


def test_progress_lines_come_at_the_set_interval(sqlite_url):
    # Slow the crawl (one request at a time, 40 ms apart) so that several intervals pass.
    settings = {"ARCHIVE_PROGRESS_INTERVAL": "0.3", "DOWNLOAD_DELAY": "0.04", "CONCURRENT_REQUESTS": "1"}
    result = _crawl(SAMPLE_SITE, sqlite_url, settings)
    assert result.returncode == 0
    lines = re.findall(r"progress: issues (\d+)/1 \(0 already complete\), pages (\d+)/(\d+), articles (\d+)/(\d+)", result.stderr)
    assert len(lines) >= 2
    done = [int(p) + int(a) for _, p, _, a, _ in lines]
    assert done == sorted(done) and done[0] < 36


def test_a_crawl_record_the_archive_cannot_start_is_one_error_line(sqlite_url, tmp_path):
    """Another process holds the SQLite archive's write lock past the 30 s a writer waits (a
    sqlite3 shell's transaction left open, as one to DELETE FROM absent_issues): the recorder
    raised a traceback, and the run went on unrecorded. With LOG_FILE set, its ERROR line went
    to the log alone: cron, which mails stderr, said nothing of it."""
    import sqlite3
    import threading

    assert _crawl(SAMPLE_SITE, sqlite_url, {"LOG_LEVEL": "INFO"}).returncode == 0  # complete: the next run fetches nothing
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(120)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        log = tmp_path / "crawl.log"
        done = _crawl(SAMPLE_SITE, sqlite_url, {"LOG_LEVEL": "INFO", "LOG_FILE": str(log)})
    finally:
        release.set()
        holder.join()
    logged = log.read_text()
    assert done.returncode == 0, done.stderr[-3000:] + logged[-3000:]
    assert "Traceback" not in done.stderr + logged
    assert "ERROR: crawl record not started (database is locked): this run is not in crawl_runs" in logged
    assert "summary: gongyishibao 2023-01-31 (finished): issues 1/1 (1 already complete)" in logged
    # Echoed on stderr as the crawl command echoes its alarms and failures.
    assert done.stderr.splitlines() == ["error: crawl record not started (database is locked): this run is not in crawl_runs"]
    assert len(crawl_runs(sqlite_url)) == 1


def test_progress_lines_off_leave_the_summary(sqlite_url):
    # ARCHIVE_PROGRESS_INTERVAL=0 turned the whole extension off: no summary line either.
    settings = {"ARCHIVE_PROGRESS_INTERVAL": "0", "DOWNLOAD_DELAY": "0.04", "CONCURRENT_REQUESTS": "1", "LOG_LEVEL": "INFO"}
    result = _crawl(SAMPLE_SITE, sqlite_url, settings)
    assert result.returncode == 0
    assert "progress:" not in result.stderr
    assert re.search(r"summary: gongyishibao 2023-01-31 \(finished\): issues 1/1 \(0 already complete\), pages 16/16", result.stderr)


def test_a_crawl_opens_no_remote_shell_and_writes_nothing_in_the_home_folder(tmp_path, sqlite_url, monkeypatch):
    # Scrapy 2.19 serves Python execution on a local port to any process that reads the token
    # it writes under the user's state folder; a service user's home may not even exist.
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    result = _crawl(SAMPLE_SITE, sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "remote_control" not in result.stderr and "Traceback" not in result.stderr
    assert not state.exists()


def test_the_crawl_log_holds_no_lines_of_the_schema_tools_own_set_up(sqlite_url):
    # Alembic's "Context impl SQLiteImpl." and "Will assume non-transactional DDL." came twice
    # for each opening of the archive: eight lines of every crawl's log that tell a user nothing.
    result = _crawl(SAMPLE_SITE, sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "summary: gongyishibao" in result.stderr
    assert "Context impl" not in result.stderr and "DDL" not in result.stderr


def test_the_schema_tools_lines_on_what_they_change_stay():
    import logging

    from storage.migrate import QUIET_ALEMBIC_LINES

    def shown(msg: str, *args) -> bool:
        return QUIET_ALEMBIC_LINES.filter(logging.LogRecord("alembic.runtime.migration", logging.INFO, __file__, 1, msg, args, None))

    assert not shown("Context impl %s.", "PostgresqlImpl") and not shown("Will assume %s DDL.", "transactional")
    assert shown("Running %s", "upgrade 0011 -> 0012, pages say what their PDF text is")


def _drop_article_bodies(name: str, html: str) -> str:
    # A redesign: the article text moves out of the container the template knows.
    if not name.startswith("content_"):
        return html
    return html.replace("id=ozoom", "id=story").replace("<founder-content>", "<div>").replace("</founder-content>", "</div>")


def _unlink_articles(name: str, html: str) -> str:
    # A redesign: pages link their articles under another file name the template does not know.
    return html.replace("content_", "story_") if name.startswith("node_") else html


def test_articles_without_body_raise_the_drift_alarm(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", alter=_drop_article_bodies, pdfs=False)
    result = _crawl(site, sqlite_url)
    assert result.returncode == 3, result.stderr[-3000:]
    alarm = re.search(r"ERROR: (template drift: .*)", result.stderr)
    assert alarm, result.stderr[-3000:]
    assert "公益时报 (gongyishibao) 2023-01-31: 20 of 20 articles incomplete" in alarm[1]
    # The template's body region is gone; generic extraction still saves the text, and says so.
    assert re.search(
        r"http://127\.0\.0\.1:\d+/newdzb/html/2023-01/31/node_\d+\.htm -> \S+content_\d+\.htm: "
        r"no template extraction \(fell back to generic\)",
        alarm[1],
    )
    (run,) = crawl_runs(sqlite_url)
    assert run.status == "alarm" and "20 of 20 articles incomplete" in run.message


def test_pages_without_article_links_raise_the_drift_alarm(tmp_path, sqlite_url):
    site = sample_site(tmp_path / "site", alter=_unlink_articles, pdfs=False)
    result = _crawl(site, sqlite_url)
    assert result.returncode == 3
    assert re.search(
        r"template drift: 公益时报 \(gongyishibao\) 2023-01-31: 16 pages but no article links, "
        r"e\.g\. at http://127\.0\.0\.1:\d+/newdzb/html/2023-01/31/node_1\.htm",
        result.stderr,
    )


def _unlabel_pages(name: str, html: str) -> str:
    # A redesign: pages lose the page list the template knows, their 第NN版 labels and the
    # metadata comment, so no page can be given its number.
    if not name.startswith("node_"):
        return html
    html = re.sub(r"<!--enpproperty.*?-->", "", html.replace("id=pageLink", "class=pagelist"), flags=re.S)
    return re.sub(r"第(\d+)版", r"Page \1", html)


def test_a_page_without_a_page_number_raises_the_drift_alarm(tmp_path, sqlite_url):
    """Such a page is stored nowhere and scrapes no item: the run was silent (a warning, exit 0)."""
    site = sample_site(tmp_path / "site", alter=_unlabel_pages, pdfs=False)
    result = _crawl(site, sqlite_url)
    assert result.returncode == 3, result.stderr[-3000:]
    assert re.search(
        r"ERROR: template drift: 公益时报 \(gongyishibao\) 2023-01-31: 1 page without a page number "
        r"\(no 第NN版 label, page list entry or founder-pagenum\), not stored, "
        r"e\.g\. at http://127\.0\.0\.1:\d+/newdzb/html/2023-01/31/node_1\.htm$",
        result.stderr, re.M,
    )
    (run,) = crawl_runs(sqlite_url)
    assert run.status == "alarm" and "1 page without a page number" in run.message


def test_the_alarm_reaches_stderr_when_the_log_goes_to_a_file(tmp_path, sqlite_url):
    # cron mails what a run prints on stderr: with the log in a file, the alarm must be there too.
    site = sample_site(tmp_path / "site", alter=_unlink_articles, pdfs=False)
    log = tmp_path / "crawl.log"
    result = _crawl(site, sqlite_url, {"LOG_FILE": str(log), "LOG_LEVEL": "INFO"})
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: template drift: 公益时报 (gongyishibao) 2023-01-31: 16 pages but no article links")
    assert line.removeprefix("error: ") in log.read_text(encoding="utf-8")


def test_one_article_without_body_stays_under_the_alarm_share(tmp_path, sqlite_url):
    def drop_one_body(name: str, html: str) -> str:
        return _drop_article_bodies(name, html) if name == "content_306501.htm" else html

    site = sample_site(tmp_path / "site", alter=drop_one_body, pdfs=False)
    result = _crawl(site, sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "template drift" not in result.stderr
    assert crawl_runs(sqlite_url)[0].status == "finished"


def _items(extractions: list[str]):
    from crawler.items import ArticleItem, PageItem

    common = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31", "issue_url": "http://x/node_1.htm"}
    yield PageItem(**common, page_number=1, url="http://x/node_1.htm", articles_expected=len(extractions), pages_expected=1)
    for n, extraction in enumerate(extractions):
        yield ArticleItem(
            **common, page_number=1, page_url="http://x/node_1.htm", url=f"http://x/content_{n}.htm",
            title="標題", body="正文", extraction=extraction,
        )


def _drift(extractions: list[str], share: float = 0.25) -> list[str]:
    from scrapy.utils.test import get_crawler

    from crawler.extensions import ALARM_STAT, TemplateDriftAlarm

    crawler = get_crawler(settings_dict={"ARCHIVE_DRIFT_MAX_SHARE": share})
    crawler.stats.open_spider()
    alarm = TemplateDriftAlarm.from_crawler(crawler)
    for item in _items(extractions):
        alarm.item_scraped(item, None, None)
    alarm.spider_closed(None, "finished")
    assert crawler.stats.get_value(ALARM_STAT, 0) == len(alarm.alarms)
    return alarm.alarms


def test_articles_extracted_by_fallback_count_towards_the_alarm():
    (alarm,) = _drift(["template", "fallback", "fallback", "template"])
    assert alarm.startswith("template drift: 公益时报 (gongyishibao) 2023-01-31: 2 of 4 articles incomplete (more than 25%)")
    assert "http://x/node_1.htm -> http://x/content_1.htm: no template extraction (fell back to generic)" in alarm


def test_the_alarm_share_is_a_setting():
    assert _drift(["template", "fallback", "template", "template"]) == []
    assert len(_drift(["template", "fallback", "template", "template"], share=0.2)) == 1


def test_the_extensions_share_one_receiver_of_scraped_items(caplog):
    """Scrapy runs each receiver of item_scraped as an asyncio task: the drift alarm and the
    progress count take one between them, and both still see every item."""
    from pydispatch.dispatcher import getAllReceivers, liveReceivers
    from scrapy import signals
    from scrapy.utils.test import get_crawler

    from crawler.extensions import CrawlProgress, TemplateDriftAlarm, on_item_scraped

    crawler = get_crawler(settings_dict={"EXTENSIONS": {}, "ITEM_PIPELINES": {}})

    def receivers():
        return list(liveReceivers(getAllReceivers(crawler.signals.sender, signals.item_scraped)))

    def broken(item, response, spider):
        raise RuntimeError("a listener that fails")

    before = len(receivers())
    on_item_scraped(crawler, broken)  # first: the extensions' listeners run after it all the same
    alarm, progress = TemplateDriftAlarm.from_crawler(crawler), CrawlProgress.from_crawler(crawler)
    assert len(receivers()) == before + 1
    for item in _items(["template", "fallback"]):  # a page and two articles
        crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)
    assert progress.pages_done == 1 and progress.articles_done == 2
    assert alarm.issues["2023-01-31"].articles == 2 and len(alarm.issues["2023-01-31"].bad) == 1
    logged = [r for r in caplog.records if r.exc_info and str(r.exc_info[1]) == "a listener that fails"]
    assert len(logged) == 3


def test_the_heap_extension_freezes_start_up_and_widens_the_young_generation():
    import gc

    from scrapy.settings import Settings

    from crawler.extensions import FreezeStartupHeap

    class Crawler:
        settings = Settings({"GC_YOUNG_THRESHOLD": 20000})

        class signals:
            @staticmethod
            def connect(receiver, signal):
                pass

    before = gc.get_threshold()
    try:
        FreezeStartupHeap.from_crawler(Crawler).spider_opened(None)
        assert gc.get_threshold() == (20000, *before[1:]) and gc.get_freeze_count() > 0
        gc.set_threshold(*before)
        FreezeStartupHeap(0).spider_opened(None)  # 0 keeps Python's threshold
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_scraped_item_lines_are_not_made_where_the_log_drops_them():
    import logging

    from scrapy import Spider
    from scrapy.settings import Settings

    from crawler.items import PageItem
    from crawler.logformatter import ArchiveLogFormatter

    item = PageItem("gongyishibao", "公益时报", "2023-01-31", "http://x/", 1, "http://x/node_1.htm")
    spider = Spider("issues")

    def formatter(**settings):
        crawler = type("Crawler", (), {"settings": Settings(settings)})
        return ArchiveLogFormatter.from_crawler(crawler)

    for settings in ({"LOG_LEVEL": "INFO"}, {"LOG_LEVEL": "warning"}, {"LOG_LEVEL": 20}):
        assert formatter(**settings).scraped(item, None, spider) is None, settings
    for settings in ({"LOG_LEVEL": "DEBUG"}, {"LOG_LEVEL": "10"}, {"LOG_LEVEL": "INFO", "LOG_ENABLED": False}, {}):
        line = formatter(**settings).scraped(item, None, spider)
        assert line["level"] == logging.DEBUG and line["args"]["item"] is item, settings
    # Every other line is Scrapy's.
    from scrapy.logformatter import LogFormatter

    assert all(getattr(ArchiveLogFormatter, name) is getattr(LogFormatter, name)
               for name in ("crawled", "dropped", "item_error", "spider_error", "download_error"))
