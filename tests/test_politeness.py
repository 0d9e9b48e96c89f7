"""Polite by default: robots.txt, AutoThrottle, retries with back-off, an honest User-Agent."""
from __future__ import annotations

import re
import sys

import pytest
from scrapy.utils.project import get_project_settings

from crawler.middlewares import RobotsFetchFailureLine, backoff_delay
from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from tests.conftest import SAMPLE_SITE, run_crawl, stored_article_urls

FAST = {"ARCHIVE_FETCH_PDFS": "False"}
ARTICLE = f"{PREFIX}html/2023-01/31/content_306502.htm"


def _article_urls(url: str) -> set[str]:
    return {u.split("/", 3)[3] for u in stored_article_urls(url)}


def test_defaults_are_polite(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert 1 <= settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert 1 <= settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 2
    assert settings.getint("RETRY_TIMES") >= 1 and settings.getfloat("RETRY_BACKOFF_BASE") > 0


def test_a_robots_txt_download_failure_is_one_line_and_other_errors_keep_their_traceback():
    import logging

    from scrapy import Request
    from scrapy.exceptions import DownloadTimeoutError

    def record(error: Exception) -> logging.LogRecord:
        try:
            raise error
        except Exception:
            return logging.LogRecord("scrapy.downloadermiddlewares.robotstxt", logging.ERROR, __file__, 1,
                                     "Error downloading %(request)s: %(f_exception)s",
                                     ({"request": Request("https://paper.example/a/b.htm"), "f_exception": error},),
                                     sys.exc_info())

    line = RobotsFetchFailureLine((DownloadTimeoutError,))
    timeout = record(DownloadTimeoutError("took longer than 60.0 seconds"))
    assert line.filter(timeout)
    assert (timeout.levelname, timeout.exc_info) == ("WARNING", None)
    assert timeout.getMessage() == ("robots.txt of https://paper.example not fetched (took longer than 60.0 seconds): "
                                    "its pages are fetched without its rules")
    bug = record(ValueError("a bug in a robots.txt parser"))
    assert line.filter(bug)
    assert bug.levelname == "ERROR" and bug.exc_info[0] is ValueError
    assert bug.getMessage().startswith("Error downloading <GET https://paper.example/a/b.htm>")


@pytest.mark.parametrize(
    "retry, retry_after, delay",
    [(1, None, 2.0), (2, None, 4.0), (3, None, 8.0), (8, None, 120.0), (1, b"30", 30.0), (1, b"600", 120.0),
     (3, b"Wed, 21 Oct 2015 07:28:00 GMT", 8.0)],
)
def test_backoff_doubles_up_to_the_cap_and_honours_retry_after(retry, retry_after, delay):
    assert backoff_delay(retry, base=2.0, cap=120.0, retry_after=retry_after) == delay


def test_retries_back_off_and_then_succeed(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, faults={ARTICLE: [503, 503]}) as server:
        result = run_crawl(
            f"base_url={server.url}{PREFIX.lstrip('/')}", "date=2023-01-31", archive=sqlite_url,
            settings=FAST | {"RETRY_BACKOFF_BASE": "0.1"},
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert [s for p, s in server.requests if p == ARTICLE] == [503, 503, 200]
    waits = re.findall(r"backing off ([\d.]+)s before retry (\d) of \S+content_306502\.htm", result.stderr)
    assert waits == [("0.1", "1"), ("0.2", "2")]
    assert ARTICLE.lstrip("/") in _article_urls(sqlite_url)


def test_robots_txt_is_obeyed_and_the_user_agent_names_a_contact(sqlite_url):
    robots = f"User-agent: charity-press-archive\nDisallow: {ARTICLE}\n"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX, robots_txt=robots) as server:
        result = run_crawl(
            f"base_url={server.url}{PREFIX.lstrip('/')}", "date=2023-01-31", archive=sqlite_url,
            settings=FAST | {"ARCHIVE_CONTACT": "mailto:keeper@example.org"},
        )
        assert result.returncode == 0, result.stderr[-2000:]
        paths = [p for p, _ in server.requests]
        assert paths[0] == "/robots.txt" and ARTICLE not in paths
        assert server.user_agents == {"charity-press-archive/0.1 (research archive; +mailto:keeper@example.org)"}
    stored = _article_urls(sqlite_url)
    assert len(stored) == 19 and ARTICLE.lstrip("/") not in stored
    assert "'robotstxt/forbidden': 1" in result.stderr
