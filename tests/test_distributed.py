"""CRAWL_MODE=distributed: two crawler processes share one Redis queue and one PostgreSQL archive."""
from __future__ import annotations

import os
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from storage.models import Article
from tests.conftest import postgres_database, run_crawl, start_crawl
from tests.sites import sample_site

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ISSUES = [date(2023, 1, 3) + timedelta(weeks=n) for n in range(6)]  # six Tuesdays
ARTICLES_PER_ISSUE = 20


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("Redis not available: set TEST_REDIS_URL (.ci/services.sh starts one)")
    return REDIS_URL


def test_two_processes_split_the_work_and_store_each_article_once(redis_url, request, tmp_path, monkeypatch):
    import redis

    archive = postgres_database(request)
    job = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CRAWL_JOB", job)
    site = sample_site(tmp_path / "site", ISSUES, pdfs=False)
    # Slow enough per process that both are at work before either could finish alone.
    settings = {
        "ARCHIVE_FETCH_PDFS": "False", "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.04",
        "DISTRIBUTED_IDLE_SECONDS": "1", "ARCHIVE_BATCH_SIZE": "10", "ARCHIVE_PROGRESS_INTERVAL": "0.5",
    }
    with SiteServer(site, prefix=PREFIX) as server:
        args = (f"base_url={server.url}{PREFIX.lstrip('/')}", f"start={ISSUES[0]}", f"end={ISSUES[-1]}")
        logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
        workers = [start_crawl(*args, archive=archive, settings=settings, log=log) for log in logs]
        codes = [w.wait(240) for w in workers]
        served = server.requests
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], [(code, output[-3000:]) for code, output in zip(codes, outputs) if code]

    # Each article was fetched once, by one of the two, and stored once.
    articles = [path for path, status in served if "/content_" in path]
    assert len(articles) == len(set(articles)) == len(ISSUES) * ARTICLES_PER_ISSUE
    opened = open_archive(archive)
    try:
        with opened.session() as session:
            assert session.scalar(select(func.count(Article.id))) == len(ISSUES) * ARTICLES_PER_ISSUE
            assert session.scalar(select(func.count(func.distinct(Article.url)))) == len(ISSUES) * ARTICLES_PER_ISSUE
        states = opened.issue_states("gongyishibao", ISSUES[0], ISSUES[-1])
        runs = opened.crawl_runs()
    finally:
        opened.close()
    assert sorted(states) == ISSUES and all(s.complete for s in states.values())
    # The work was split: both workers stored articles, together all of them.
    assert [r.status for r in runs] == ["finished", "finished"]
    assert all(r.articles_new > 0 for r in runs)
    assert sum(r.articles_new for r in runs) == len(ISSUES) * ARTICLES_PER_ISSUE
    # Each worker's progress tells its own share and the job's queue; the shares add up.
    shares = []
    for output in outputs:
        assert re.search(rf"progress: this worker: pages \d+, articles \d+; job issues:{job}: [1-9]\d* requests queued, 2 workers", output)
        summary = re.search(rf"summary: .*: this worker: pages (\d+), articles (\d+); job issues:{job}: \d+ requests queued", output)
        shares.append((int(summary[1]), int(summary[2])))
    assert [sum(share) for share in zip(*shares)] == [len(ISSUES) * 16, len(ISSUES) * ARTICLES_PER_ISSUE]
    for output in outputs:
        assert f"distributed crawl: job issues:{job}" in output
        assert "scheduler/dequeued/redis" in output
        assert not re.search(r"\w*DeprecationWarning", output), re.search(r".*DeprecationWarning.*", output)[0]
    # The last worker out cleared the job's queue and fingerprints.
    assert not redis.Redis.from_url(redis_url).keys(f"issues:{job}:*")


def test_distributed_mode_refuses_a_sqlite_archive(sqlite_url, monkeypatch):
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    result = run_crawl("date=2023-01-31", archive=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: CRAWL_MODE=distributed needs a PostgreSQL archive (ARCHIVE_URL=postgresql+psycopg://...)"


def test_unknown_crawl_mode_is_one_line(sqlite_url):
    result = run_crawl("date=2023-01-31", archive=sqlite_url, settings={"CRAWL_MODE": "cluster"})
    assert (result.returncode, result.stderr.strip()) == (2, "error: unknown CRAWL_MODE 'cluster' (known: local, distributed)")


def test_redis_url_without_its_scheme_is_one_line(postgres_url, monkeypatch):
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", "127.0.0.1:6379")  # redis:// left out
    result = run_crawl("date=2023-01-31", archive=postgres_url)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == (
        "error: bad REDIS_URL '127.0.0.1:6379': Redis URL must specify one of the following schemes "
        "(redis://, rediss://, unix://)"
    )
