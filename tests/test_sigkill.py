"""SIGKILL the real crawl at several points, run it again: the archive ends complete and whole."""
from __future__ import annotations

import json
import signal
from datetime import date

import pytest
from sqlalchemy import func, select

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import as_utc, open_archive
from storage.models import Article, Image, Page, RawDocument
from tests.conftest import SAMPLE_SITE, postgres_database, run_crawl, start_crawl, stored_article_urls, wait_for

MANIFEST = json.loads((SAMPLE_SITE / "manifest.json").read_text(encoding="utf-8"))
DAY = date(2023, 1, 31)
# One request at a time, a little apart, small batches: the crawl lasts long enough to be
# killed at a chosen point, and a kill lands between (or during) batch writes.
SLOW = {"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS": "1", "ARCHIVE_BATCH_SIZE": "4"}


def _kill_when(process, ready, what: str) -> None:
    wait_for(f"reached {what}", ready, process, 120)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def _served_requests(server: SiteServer, n: int):
    return lambda: len(server.requests) >= n


def _stored_batches(url: str, n: int):
    # A batch holds ARCHIVE_BATCH_SIZE items; pages come first, so count pages and articles.
    def ready() -> bool:
        archive = open_archive(url)
        try:
            with archive.session() as session:
                items = session.scalar(select(func.count(Page.id)).where(Page.articles_expected.is_not(None)))
                items += session.scalar(select(func.count(Article.id)))
        finally:
            archive.close()
        return items >= n * 4

    return ready


def _check_whole(url: str) -> None:
    archive = open_archive(url)
    try:
        assert archive.issue_states("gongyishibao", DAY, DAY)[DAY].complete
        with archive.session() as session:
            articles = session.scalars(select(Article)).all()
            assert len(articles) == len({a.url for a in articles}) == len(MANIFEST["articles"])
            assert session.scalar(select(func.count(Page.id))) == len(MANIFEST["pages"])
            images = dict(session.execute(select(Image.article_id, func.count()).group_by(Image.article_id)).all())
            raw = set(session.scalars(select(RawDocument.url)))
            expected = {a["path"].rsplit("/", 1)[1]: len(a["captions"]) for a in MANIFEST["articles"]}
            for article in articles:
                # Whole: text, images and the raw response written together, never half of it.
                assert article.title and article.body and article.url in raw, article.url
                assert images.get(article.id, 0) == expected[article.url.rsplit("/", 1)[1]], article.url
    finally:
        archive.close()


KILL_POINTS = {
    "before any write": lambda server, url: _served_requests(server, 4),
    "after one batch": lambda server, url: _stored_batches(url, 1),
    "after four batches": lambda server, url: _stored_batches(url, 4),
    "late in the crawl": lambda server, url: _served_requests(server, 40),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_crawl_resumes_to_a_complete_archive(point, sqlite_url, tmp_path):
    _killed_then_resumed(point, sqlite_url, tmp_path)


def test_killed_crawl_resumes_on_postgresql(request, tmp_path):
    _killed_then_resumed("after four batches", postgres_database(request), tmp_path)


def _killed_then_resumed(point: str, url: str, tmp_path) -> None:
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        process = start_crawl(base, "date=2023-01-31", archive=url, settings=SLOW, log=tmp_path / "killed.log")
        _kill_when(process, KILL_POINTS[point](server, url), point)
        before_kill = stored_article_urls(url)
        served = len(server.requests)

        result = run_crawl(base, "date=2023-01-31", archive=url, settings={"ARCHIVE_BATCH_SIZE": "4"})
        assert result.returncode == 0, result.stderr[-3000:]
        again = {path for path, _ in server.requests[served:]}
    # What was stored before the kill is not fetched again.
    assert not {u.split("/", 3)[3] for u in before_kill} & {p.lstrip("/") for p in again}
    _check_whole(url)
    archive = open_archive(url)
    try:
        resumed, killed = archive.crawl_runs()
    finally:
        archive.close()
    assert (killed.status, killed.finished_at) == ("running", None)
    # The killed run's row counts what its batches stored, and when it was last seen alive.
    assert killed.articles_new == len(before_kill)
    assert as_utc(killed.started_at) <= as_utc(killed.seen_at) < as_utc(resumed.started_at)
    assert resumed.status == "finished"
    assert resumed.articles_new == len(MANIFEST["articles"]) - len(before_kill)


# The crawl, killed (SIGKILL) at a chosen point of the migrations that make a new archive: as the
# Nth table is created, or once the Nth migration is recorded. A kill at a moment is timing;
# these are the moments, every time.
_KILLED_WHILE_MIGRATING = """
import os, signal, sys
from alembic import op
from alembic.runtime import migration
kind, n = sys.argv[1].split(":")
count = [0]
def tick():
    count[0] += 1
    if count[0] == int(n):
        os.kill(os.getpid(), signal.SIGKILL)
if kind == "step":
    recorded = migration.HeadMaintainer.update_to_step
    def update_to_step(self, step):
        recorded(self, step)
        tick()
    migration.HeadMaintainer.update_to_step = update_to_step
else:
    create_table = op.create_table
    def creating(*args, **kwargs):
        tick()
        return create_table(*args, **kwargs)
    op.create_table = creating
from scrapy.cmdline import execute
execute(["scrapy", "crawl", "issues"] + sys.argv[2:])
"""


@pytest.mark.parametrize("point", ["table:4", "step:1", "step:5"])
def test_a_crawl_killed_while_it_makes_a_new_archive_completes_when_run_again(point, sqlite_url):
    # Python's sqlite3 commits each CREATE as it runs: the killed crawl left some tables (the
    # next run failed on "table crawl_runs already exists", and so did `archive upgrade`), or an
    # archive at the first revision, which the next run refused until `archive upgrade`.
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT

    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        args = ["-a", "date=2023-01-31", "-a", f"base_url={server.url}{PREFIX.lstrip('/')}", "-s", "ARCHIVE_FETCH_PDFS=False"]
        killed = subprocess.run([sys.executable, "-c", _KILLED_WHILE_MIGRATING, point, *args], cwd=PROJECT,
                                env=os.environ | {"ARCHIVE_URL": sqlite_url}, capture_output=True, text=True, timeout=240)
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
        assert server.requests == []  # killed before the crawl began

        done = run_crawl("date=2023-01-31", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=sqlite_url,
                         settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    _check_whole(sqlite_url)
