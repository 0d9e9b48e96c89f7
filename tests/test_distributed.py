"""CRAWL_MODE=distributed: two crawler processes share one Redis queue and one PostgreSQL archive."""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from crawler.papers import PROFILES_ENV
from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from storage.models import Article
from tests.conftest import (
    PROJECT, _crawl_command, archive_command, base_url_arg, crawl_runs, postgres_database, run_crawl, sql_rows,
    start_crawl, stored_article_urls, wait_for,
)
from tests.sites import own_paper, sample_site

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ISSUES = [date(2023, 1, 3) + timedelta(weeks=n) for n in range(6)]  # six Tuesdays
ARTICLES_PER_ISSUE = 20


def worker_name(pid: int) -> str:
    """The roll's name of this machine's process ``pid``."""
    from crawler.distributed import worker_name

    return worker_name(pid)


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
        dates = (f"start={ISSUES[0]}", f"end={ISSUES[-1]}")
        # One root, written two ways: the job's root is compared as a root (as_site_root).
        roots = [f"{server.url}{PREFIX.lstrip('/')}", f"{server.url.upper()}{PREFIX.strip('/')}"]
        logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
        workers = [start_crawl(f"base_url={root}", *dates, archive=archive, settings=settings, log=log)
                   for root, log in zip(roots, logs)]
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
        assert re.search(rf"progress: this worker: pages \d+, articles \d+; job issues:gongyishibao:{job}: [1-9]\d* requests queued, 2 workers", output)
        # The summary's counts are this worker's, and say so: read alone, they were taken for the job's.
        summary = re.search(rf"summary: gongyishibao \S+ \(finished\): this worker's share only \(each worker of the job "
                            rf"counts its own\): pages (\d+), articles (\d+); pages (\d+) new, .*; "
                            rf"job issues:gongyishibao:{job}: \d+ requests queued, \d+ workers?$", output, re.M)
        assert summary, output[-3000:]
        assert summary[1] == summary[3]
        shares.append((int(summary[1]), int(summary[2])))
    assert [sum(share) for share in zip(*shares)] == [len(ISSUES) * 16, len(ISSUES) * ARTICLES_PER_ISSUE]
    for output in outputs:
        assert f"distributed crawl: job issues:gongyishibao:{job}" in output
        assert "scheduler/dequeued/redis" in output
        assert not re.search(r"\w*DeprecationWarning", output), re.search(r".*DeprecationWarning.*", output)[0]
    # The last worker out cleared the job's queue and fingerprints.
    assert not redis.Redis.from_url(redis_url).keys(f"issues:gongyishibao:{job}:*")


# Slow enough for two workers to share the queue; a dead link is gone on its second run.
DEAD_LINK_SETTINGS = {
    "ARCHIVE_FETCH_PDFS": "False", "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.04", "DISTRIBUTED_IDLE_SECONDS": "1",
    "ARCHIVE_GONE_AFTER_RUNS": "2", "ARCHIVE_GONE_AFTER_DAYS": "0",
}


def site_without_a_dead_article(tmp_path, issues) -> Path:
    """The sample site over ``issues`` without each issue's second article of page 6 (a 404)."""
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    for day in issues:
        (site / f"html/{day:%Y-%m}/{day:%d}/content_306512.htm").unlink()
    return site


def two_workers(args, archive: str, settings: dict, logs: Path, monkeypatch) -> tuple[list[int], list[str]]:
    """One job of two distributed workers to its end: their exit statuses and logs."""
    monkeypatch.setenv("CRAWL_JOB", f"test-{uuid.uuid4().hex[:8]}")
    return job_workers(args, archive, settings, logs, 2)


def job_workers(args, archive: str, settings: dict, logs: Path, count: int) -> tuple[list[int], list[str]]:
    """``count`` workers of the job the environment names, to its end: their exit statuses and logs."""
    files = [Path(f"{logs}-worker{n}.log") for n in range(1, count + 1)]
    workers = [start_crawl(*args, archive=archive, settings=settings, log=log) for log in files]
    return [w.wait(240) for w in workers], [log.read_text() for log in files]


def test_workers_count_a_dead_link_that_another_worker_asked_for_and_give_up_on_it_together(redis_url, request, tmp_path,
                                                                                              monkeypatch):
    # Each issue's second article of page 6 is missing. A request is tagged with the archive's
    # count of 404s by the worker whose page linked it, and may be fetched by the other: the
    # count travels with it through Redis.
    archive = postgres_database(request)
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    site = site_without_a_dead_article(tmp_path, ISSUES)
    settings = DEAD_LINK_SETTINGS
    codes = []
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[-1]}")
        for run in range(2):
            run_codes, outputs = two_workers(args, archive, settings, tmp_path / f"run{run}", monkeypatch)
            codes.append(sorted(run_codes))
        assert sum(output.count("WARNING: article link gone: HTTP 404 on 2 runs") for output in outputs) == len(ISSUES)
        before = len(server.requests)
        monkeypatch.setenv("CRAWL_MODE", "local")
        last = run_crawl(*args, archive=archive, settings=settings)
        asked = server.requests[before:]
    assert codes[0][-1] == 4 and set(codes[0]) <= {0, 4}, codes  # the worker that met a dead link failed
    assert codes[1] == [0, 0], [output[-3000:] for output in outputs]
    assert sql_rows(archive, "SELECT count(*), min(runs), max(runs), count(gone_since) FROM dead_links") == [(len(ISSUES), 2, 2, len(ISSUES))]
    assert sum(r.links_gone for r in crawl_runs(archive)[1:3]) == len(ISSUES)
    # Every issue is complete: a third run asks for none of them.
    assert last.returncode == 0, last.stderr[-3000:]
    assert [r.path for r in asked if r.path != "/robots.txt"] == []


def test_workers_count_a_date_without_an_issue_that_another_worker_asked_for_and_leave_it_out_together(
        redis_url, request, tmp_path, monkeypatch):
    # The site has no issue of the third Tuesday. The entry page's request is tagged with the
    # archive's count of 404s by the worker that queued it, and may be fetched by the other.
    archive = postgres_database(request)
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    none = ISSUES[2]
    site = sample_site(tmp_path / "site", [day for day in ISSUES if day != none], pdfs=False)
    codes = []
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[-1]}")
        for run in range(2):
            run_codes, outputs = two_workers(args, archive, DEAD_LINK_SETTINGS, tmp_path / f"run{run}", monkeypatch)
            codes.append(run_codes)
        before = len(server.requests)
        monkeypatch.setenv("CRAWL_MODE", "local")
        last = run_crawl(*args, archive=archive, settings=DEAD_LINK_SETTINGS)
        asked = server.requests[before:]
    assert codes == [[0, 0], [0, 0]], [output[-3000:] for output in outputs]
    assert sum(f"no issue of 公益时报 on {none}: HTTP 404 on 2 runs over 0 days" in output for output in outputs) == 1
    assert sql_rows(archive, "SELECT issue_date, runs, confirmed_since IS NOT NULL FROM absent_issues") == [(none, 2, True)]
    # Counted by the worker that fetched the date, not by each: a job's rows add up to its one date.
    counts = [r.dates_without_issue for r in crawl_runs(archive)]
    assert (sum(counts[3:5]), sum(counts[1:3]), counts[0]) == (1, 1, 0), counts
    # Every issue is complete, and the date without one is left out: a third run asks nothing.
    assert last.returncode == 0, last.stderr[-3000:]
    assert [r.path for r in asked if r.path != "/robots.txt"] == []


@contextmanager
def table_locked(archive: str, table: str):
    """Holds ``table`` of the PostgreSQL archive locked: whoever reads it waits till the end."""
    from sqlalchemy import create_engine, text

    engine = create_engine(archive)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def _wait_till_quiet(server, redis_server, queue: str, worker, log) -> None:
    """Till the job's queue is empty and the site has served nothing for a second."""
    served, since = -1, time.monotonic()

    def quiet() -> bool:
        nonlocal served, since
        if len(server.requests) != served:
            served, since = len(server.requests), time.monotonic()
        return not redis_server.exists(queue) and time.monotonic() - since >= 1

    wait_for("the job's queue empty and the site asked nothing for a second", quiet, worker, 60,
             said=lambda: log.read_text()[-3000:])


def test_a_worker_still_reading_the_archive_skips_and_counts_the_links_of_pages_it_took_from_the_queue(
        redis_url, request, tmp_path, monkeypatch):
    # A worker that joins a job takes pages another worker queued before its own read of the
    # archive has ended. Their links must wait for that read: the archive tells which pages
    # and articles it holds (not asked again) and how many runs a dead link has failed.
    import redis

    archive = postgres_database(request)
    issues = ISSUES[:3]
    site = site_without_a_dead_article(tmp_path, issues)
    dead = [f"{PREFIX}html/{day:%Y-%m}/{day:%d}/content_306512.htm" for day in issues]
    settings = DEAD_LINK_SETTINGS
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={issues[0]}", f"end={issues[-1]}")
        first_run = run_crawl(*args, archive=archive, settings=settings)  # each dead link fails its first run
        assert first_run.returncode == 4, first_run.stderr[-3000:]
        job = _distributed_job(monkeypatch, redis_url)
        redis_server = redis.Redis.from_url(redis_url)
        before = len(server.requests)
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        first = start_crawl(*args, archive=archive, settings=settings, log=logs[0])
        # Its first request follows its read of the archive; stopped there, it leaves the rest
        # of its start requests in the queue.
        wait_for("the first worker's first request", lambda: len(server.requests) != before, first,
                 said=lambda: logs[0].read_text()[-3000:])
        first.send_signal(signal.SIGSTOP)
        try:
            assert redis_server.zcard(f"issues:gongyishibao:{job}:requests") > 0
            with table_locked(archive, "dead_links"):  # the second worker's read of the archive waits
                second = start_crawl(*args, archive=archive, settings=settings, log=logs[1])
                wait_for("the second worker's read of the archive waiting on the lock",
                         lambda: sql_rows(archive, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s"
                                                   " ON s.pid = l.pid WHERE NOT l.granted"
                                                   " AND s.datname = current_database()") != [(0,)],
                         second, said=lambda: logs[1].read_text()[-3000:])
                _wait_till_quiet(server, redis_server, f"issues:gongyishibao:{job}:requests", second, logs[1])
        finally:
            first.send_signal(signal.SIGCONT)
        codes = [worker.wait(240) for worker in (first, second)]
        asked = [path for path, _ in server.requests[before:] if path != "/robots.txt"]
    outputs = [log.read_text() for log in logs]
    # Nothing the archive holds was asked again: of each issue only its entry page, the page
    # linking the dead article (the one page not complete), and the dead link.
    needed = [path.replace("content_306512", page) for path in dead for page in ("node_1", "node_6", "content_306512")]
    assert sorted(asked) == sorted(needed)
    # Each dead link failed its second run: given up on, by whichever worker fetched it.
    assert sum(output.count("WARNING: article link gone: HTTP 404 on 2 runs") for output in outputs) == len(issues)
    assert sql_rows(archive, "SELECT count(*), min(runs), max(runs), count(gone_since) FROM dead_links") == [(len(issues), 2, 2, len(issues))]
    assert codes == [0, 0], [output[-3000:] for output in outputs]


def test_distributed_mode_refuses_a_sqlite_archive(sqlite_url, monkeypatch):
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    result = run_crawl("date=2023-01-31", archive=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: CRAWL_MODE=distributed needs a PostgreSQL archive (ARCHIVE_URL=postgresql+psycopg://...)"
    # Refused before the archive was opened: no SQLite file of empty tables is left behind.
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


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


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_distributed_mode_takes_a_postgresql_url_written_without_a_driver(postgres_url, monkeypatch, scheme):
    # postgres:// (Heroku's form) was refused as no PostgreSQL archive, which it names.
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", "127.0.0.1:6379")  # refused next: the archive passed
    result = run_crawl("date=2023-01-31", archive=f"{scheme}://{postgres_url.split('://', 1)[1]}")
    assert (result.returncode, result.stderr.strip().split(":")[:2]) == (2, ["error", " bad REDIS_URL '127.0.0.1"])


def test_redis_url_with_a_database_that_is_no_number_is_one_line_hiding_its_password(postgres_url, monkeypatch):
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", "redis://:s3cret@127.0.0.1:6379/jobs")  # redis-py read it as database 0
    result = run_crawl("date=2023-01-31", archive=postgres_url)
    assert (result.returncode, result.stderr.strip()) == (2, (
        "error: bad REDIS_URL 'redis://:***@127.0.0.1:6379/jobs': its database 'jobs' is not a number (redis://host:6379/0)"
    ))


@pytest.mark.parametrize("password, told", [
    (None, "error: Redis at {url} asks for a password, which REDIS_URL does not give: "
           "write it in the URL (redis://:PASSWORD@host:6379/0, an @ in it as %40)"),
    ("wr0ngpw", "error: Redis at {url} refused the password REDIS_URL gives: "
                "invalid username-password pair or user is disabled."),
])
def test_a_redis_that_refuses_the_crawl_s_password_says_so_and_not_unreachable(postgres_url, monkeypatch, password, told):
    # Called unreachable, with Redis's words about its HELLO command, a Redis that answered
    # sent its operator looking for a network fault.
    with private_redis("--requirepass", "r1ghtpw") as url:
        if password:
            url = url.replace("redis://", f"redis://:{password}@")
        monkeypatch.setenv("CRAWL_MODE", "distributed")
        monkeypatch.setenv("REDIS_URL", url)
        result = run_crawl("date=2023-01-31", archive=postgres_url)
    shown = url.replace(f":{password}@", ":***@") if password else url
    assert (result.returncode, result.stderr.strip()) == (2, told.format(url=shown))


def test_a_redis_database_beyond_the_server_s_is_said_so(redis_url, postgres_url, monkeypatch):
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", f"{redis_url.rsplit('/', 1)[0]}/99")
    result = run_crawl("date=2023-01-31", archive=postgres_url)
    assert (result.returncode, result.stderr.strip()) == (2, (
        f"error: Redis at {redis_url.rsplit('/', 1)[0]}/99 has no database 99 (DB index is out of range): "
        "it has as many as its `databases` setting says, 16 unless set, numbered from 0"))


@pytest.mark.parametrize("params, told", [
    ('{"socket_timeout": "x"}', "its socket_timeout 'x' is not a number of seconds"),
    ('{"socket_connect_timeout": -1}', "its socket_connect_timeout -1 is not more than 0 seconds"),
    ("x", "it is not a JSON object of redis-py's parameters, e.g. {\"socket_timeout\": 30}"),
    ('{"sockettimeout": 5}', "redis-py refuses it: *got an unexpected keyword argument 'sockettimeout'"),
])
def test_a_bad_redis_params_is_one_line_naming_it(redis_url, postgres_url, monkeypatch, params, told):
    # A timeout written as text ended the crawl in redis-py's traceback as it asked Redis first.
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    result = run_crawl("date=2023-01-31", archive=postgres_url, settings={"REDIS_PARAMS": params})
    # redis-py's own words name the class that refused it (*): its name is redis-py's to change.
    said, _, own = f"error: bad setting REDIS_PARAMS={params!r}: {told}".partition("*")
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(said), result.stderr[-2000:]
    assert result.stderr.strip().endswith(own)


def test_an_unreachable_redis_is_named_without_its_password(postgres_url, monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", f"redis://:s3cret@127.0.0.1:{port}/0")
    result = run_crawl("date=2023-01-31", archive=postgres_url)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith(f"error: Redis unreachable at redis://:***@127.0.0.1:{port}/0: ")
    assert "s3cret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _assert_issues_complete(archive: str, issues: list[date]) -> None:
    """``issues`` archived complete, each article once."""
    assert len(stored_article_urls(archive)) == len(issues) * ARTICLES_PER_ISSUE
    opened = open_archive(archive)
    try:
        states = opened.issue_states("gongyishibao", issues[0], issues[-1])
        assert sorted(states) == issues and all(s.complete for s in states.values())
        with opened.session() as session:
            assert session.scalar(select(func.count(Article.id))) == len(issues) * ARTICLES_PER_ISSUE
    finally:
        opened.close()


def _wait_for_articles(worker, server, log: Path, n: int = 1) -> None:
    """Until ``server`` has served ``worker`` ``n`` articles: the worker is at work on its job."""
    wait_for(f"{n} articles served", lambda: _articles_served(server) >= n, worker, said=lambda: log.read_text()[-3000:])


def _articles_served(server) -> int:
    """The article pages ``server`` has served, to any worker."""
    return sum("/content_" in path for path, _ in server.requests)


def _kill_after_articles(worker, server, n: int) -> None:
    """SIGKILL ``worker`` once the site has served ``n`` articles: no chance to close the job."""
    wait_for(f"{n} articles served, to kill the worker then", lambda: _articles_served(server) >= n, worker)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(30) == -signal.SIGKILL


def _distributed_job(monkeypatch, redis_url: str) -> str:
    job = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CRAWL_JOB", job)
    return job


def _start_crawl_elsewhere(args, archive: str, settings: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """A crawl as a worker on another machine runs it: in a pid namespace of its own, where
    this machine cannot look its process id up; its output to ``log`` (else dropped)."""
    command, env = _crawl_command(args, archive, settings)
    with open(log, "w") if log else nullcontext(subprocess.DEVNULL) as out:
        return subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", *command],
                                cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _kill_the_idle_worker_elsewhere(args, archive: str, settings: dict[str, str], server, logs: list[Path]):
    """Two workers of one job, the first on another machine (logs[0]), the second here
    (logs[1]): the second is stopped at work, a request in hand, while the first drains the
    queue and waits, idle, for it; the first is killed then, and the second resumed. The
    second, still running."""
    idle = _start_crawl_elsewhere(args, archive, settings, log=logs[0])
    busy = start_crawl(*args, archive=archive, settings=settings, log=logs[1])
    try:
        _wait_for_articles(busy, server, logs[1], 10)
        busy.send_signal(signal.SIGSTOP)
        wait_for("the idle worker waited for the busy one",
                 lambda: "waiting for 1 other worker at work" in logs[0].read_text(), idle, 60)
        idle.send_signal(signal.SIGKILL)
        assert idle.wait(30) == -signal.SIGKILL
    finally:
        busy.send_signal(signal.SIGCONT)
    return busy


# One request at a time, a little apart, small batches: a worker is killed with requests taken
# from the queue and items buffered that never reach the archive.
KILLABLE = {
    "ARCHIVE_FETCH_PDFS": "False", "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.04",
    "DISTRIBUTED_IDLE_SECONDS": "1", "ARCHIVE_BATCH_SIZE": "10",
}
# A worker that stores nothing till it ends: the archive tells a worker started meanwhile nothing.
HOLDING = KILLABLE | {"ARCHIVE_BATCH_SIZE": "1000", "ARCHIVE_BATCH_SECONDS": "600"}


def test_a_job_whose_only_worker_was_killed_expires_and_completes_when_run_again(redis_url, request, tmp_path, monkeypatch):
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:3], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        _kill_after_articles(start_crawl(*args, archive=archive, settings=KILLABLE), server, 25)
        # The killed job's keys are left, but expire (docs/operations.md): none is kept forever.
        keys = server_redis.keys(f"issues:gongyishibao:{job}:*")
        assert {k.decode().rsplit(":", 1)[-1] for k in keys} >= {"requests", "dupefilter", "workers"}
        assert all(0 < server_redis.ttl(k) <= 7 * 24 * 3600 for k in keys), {k: server_redis.ttl(k) for k in keys}
        # Run again, it completes the job: what the killed worker had taken is fetched again.
        done = run_crawl(*args, archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "was left by workers that did not close it" in done.stderr
    _assert_issues_complete(archive, ISSUES[:3])
    assert not server_redis.keys(f"issues:gongyishibao:{job}:*")


def test_a_worker_killed_beside_another_does_not_keep_the_job_from_being_run_again(redis_url, request, tmp_path, monkeypatch):
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:3], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        log = tmp_path / "survivor.log"
        killed = start_crawl(*args, archive=archive, settings=KILLABLE)
        survivor = start_crawl(*args, archive=archive, settings=KILLABLE, log=log)
        _kill_after_articles(killed, server, 25)
        # What the killed worker had taken from the queue no worker fetched: the survivor does
        # not end as a run that did the job (it exited 0, its crawl_runs row 'finished').
        assert survivor.wait(240) == 4, log.read_text()[-3000:]
        # The survivor, the last live worker, cleared the job despite the dead one on its roll.
        assert not redis.Redis.from_url(redis_url).keys(f"issues:gongyishibao:{job}:*")
        assert f"workers taken for dead, {worker_name(killed.pid)}: process ended without leaving" in log.read_text()
        ended = (f"what 1 worker of job issues:gongyishibao:{job} had taken from its queue ({worker_name(killed.pid)}: "
                 f"process ended without leaving the job (killed, or it lost Redis)); run again")
        assert ended in log.read_text()
        run = next(run for run in crawl_runs(archive) if run.status != "running")  # the killed one's stays so
        assert run.status == "failed" and ended in run.message, (run.status, run.message)
        done = run_crawl(*args, archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:3])


def test_a_worker_killed_on_another_machine_is_waited_for_and_its_share_fetched_when_run_again(
        redis_url, request, tmp_path, monkeypatch):
    # A worker whose process id this machine cannot look up (another machine, a container: here
    # a pid namespace of its own) is told dead by its heartbeat alone, a minute after its last.
    # The survivor, done sooner, left the job to it as to a live worker: exit status 0, the job's
    # fingerprints kept, and the job run again at once fetched nothing of what it had taken
    # (exit status 0, articles missing).
    import redis

    from crawler.distributed import WORKER_TTL

    _named_in_its_own_pid_namespace()  # skips where a process cannot have one
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:3], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        elsewhere = _start_crawl_elsewhere(args, archive, KILLABLE)
        log = tmp_path / "survivor.log"
        survivor = start_crawl(*args, archive=archive, settings=KILLABLE, log=log)
        _kill_after_articles(elsewhere, server, 25)
        killed_at = time.monotonic()
        assert survivor.wait(WORKER_TTL + 120) == 4, log.read_text()[-3000:]
        assert time.monotonic() - killed_at < WORKER_TTL + 30  # taken for dead once its heartbeat lapsed
        assert re.search(rf"what 1 worker of job issues:gongyishibao:{job} had taken from its queue \(\S+: no heartbeat "
                         rf"for over {WORKER_TTL} s \(killed, cut off from Redis, its machine down, or paused\)\)",
                         log.read_text()), log.read_text()[-3000:]
        assert not redis.Redis.from_url(redis_url).keys(f"issues:gongyishibao:{job}:*")
        done = run_crawl(*args, archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:3])


def test_a_worker_killed_on_another_machine_while_it_waits_for_the_others_loses_nothing(
        redis_url, request, tmp_path, monkeypatch):
    # A worker whose queue ran dry waits, marked idle, for the others at work; what it fetched
    # was buffered for the archive (a batch is written once it is full or old, when an item
    # comes: none comes to an idle worker). Killed then on another machine, where only its
    # heartbeat tells, it was not waited for (idle) nor found dead (its heartbeat fresh): the
    # last worker out left the job to it and ended with exit status 0, its articles missing.
    _named_in_its_own_pid_namespace()  # skips where a process cannot have one
    archive = postgres_database(request)
    _distributed_job(monkeypatch, redis_url)
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    logs = [tmp_path / "idle.log", tmp_path / "busy.log"]
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={issues[0]}", f"end={issues[-1]}")
        busy = _kill_the_idle_worker_elsewhere(args, archive, HOLDING, server, logs)
        code = busy.wait(240)
    output = logs[1].read_text()
    assert code == 0, output[-3000:]
    _assert_issues_complete(archive, issues)  # what the killed one fetched was stored as it went idle

@pytest.mark.parametrize("root", ["same", "another"])
def test_a_job_run_again_right_after_its_idle_worker_was_killed_takes_it_over_once_its_heartbeat_lapses(
        root, redis_url, request, tmp_path, monkeypatch):
    # A worker waiting, idle, for the others at work, killed on another machine: the last one
    # out left the job to it, its heartbeat fresh. The job run again right after joined it,
    # the old fingerprints keeping it from asking again what the first run failed to fetch
    # (exit status 0, the article missing), or, from another root, was refused (exit status 2)
    # and told to crawl from the root of a job no worker was at.
    import redis

    from crawler.distributed import WORKER_TTL, beat_seconds

    _named_in_its_own_pid_namespace()  # skips where a process cannot have one
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    prefix = f"issues:gongyishibao:{job}"
    server_redis = redis.Redis.from_url(redis_url)
    settings = HOLDING | {"DISTRIBUTED_WORKER_TTL": "30"}
    site = sample_site(tmp_path / "site", ISSUES[:3], pdfs=False)
    issues = ISSUES[:2]
    failing = f"{PREFIX}html/{issues[1]:%Y-%m}/{issues[1]:%d}/content_306512.htm"  # fails its three tries, once
    logs = [tmp_path / "idle.log", tmp_path / "busy.log"]
    with SiteServer(site, prefix=PREFIX, faults={failing: [500] * 3}) as server:
        this = f"{server.url}{PREFIX.lstrip('/')}"
        args = (f"base_url={this}", f"start={issues[0]}", f"end={issues[-1]}")
        busy = _kill_the_idle_worker_elsewhere(args, archive, settings, server, logs)
        assert busy.wait(240) in (0, 4), logs[1].read_text()[-3000:]
        # The job left to the killed worker: its name on the roll, its heartbeat fresh.
        (left,) = server_redis.smembers(f"{prefix}:workers")
        assert server_redis.get(f"{prefix}:workers:{left.decode()}") == b"idle"
        assert server_redis.get(f"{prefix}:root") == this.encode()
        if root == "same":
            again = args  # to fetch what the first run could not
        else:  # the next issue, from another spelling of the site's root
            again = (f"base_url=http://localhost:{server.port}{PREFIX}", f"date={ISSUES[2]}")
        log, said_to = tmp_path / "again.log", tmp_path / "again.stderr"
        crawl = start_crawl(*again, archive=archive, settings=settings | {"LOG_FILE": str(log)}, log=said_to)
        try:
            # The wait alone is timed: with the crawl's start-up and its issue, on a busy machine,
            # the whole run took near a minute.
            wait_for("said it waits", lambda: "this worker waits for it to leave" in said_to.read_text(), crawl)
            told = time.monotonic()
            wait_for("started the job afresh", lambda: log.exists() and "starting it afresh" in log.read_text(), crawl)
            waited_for = time.monotonic() - told
            status = crawl.wait(240)
        finally:
            if crawl.poll() is None:
                crawl.kill()
    output, stderr = log.read_text(), said_to.read_text()
    assert status == 0, (stderr, output[-3000:])
    waited = re.findall(rf"^warning: distributed crawl: job {prefix}: its queue is empty and its worker "
                        rf"{re.escape(left.decode())} went idle without leaving it \(killed, or about to leave\): this "
                        rf"worker waits for it to leave, or for its heartbeat to lapse in (\d+) s at most, then starts "
                        rf"the job afresh$", stderr, re.M)
    assert len(waited) == 1 and 0 < int(waited[0]) <= 30, stderr
    # No longer than the heartbeat's lapse and the beat more it gives Redis to expire the key
    # (crawler.distributed), with a few seconds for the polls on both sides.
    assert waited_for < int(waited[0]) + beat_seconds(WORKER_TTL) + 5, (waited_for, stderr)
    assert re.search(rf"job {prefix} was left by workers that did not close it \({re.escape(left.decode())}: no heartbeat "
                     rf"for over 30 s .*\): starting it afresh", output), output[-3000:]
    if root == "same":
        _assert_issues_complete(archive, issues)
    else:
        assert _articles_by_root(archive, [again[0].removeprefix("base_url=")]) == {
            again[0].removeprefix("base_url="): ARTICLES_PER_ISSUE}
    assert not server_redis.keys(f"{prefix}:*")


class RedisLink:
    """A TCP relay to the test's Redis that can be cut: Redis going away mid-crawl (the
    shared server itself stays up). Once cut, connections are refused; once frozen, they are
    held open and nothing is answered (a Redis host gone, a network dropping its packets)."""

    def __init__(self, redis_url: str):
        target = urlsplit(redis_url)
        self.upstream = (target.hostname, target.port or 6379)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}{target.path}"
        self.sockets: list[socket.socket] = []
        self.frozen = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.frozen:
                self.sockets.append(client)
                continue
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.frozen:
                    sink.sendall(data)
        except OSError:
            pass
        for each in (source, sink):
            try:
                each.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone does not
        self.listener.close()
        for each in self.sockets:
            try:
                each.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            each.close()


def test_a_worker_that_loses_redis_as_it_leaves_its_job_is_recorded_as_one_that_lost_redis(redis_url, job_worker):
    # Redis lost as the worker leaves its job: it says so in its ERROR line and exits with
    # status 2, yet its crawl_runs row said 'finished' (its close reason), as a run that did.
    from crawler.extensions import CLOSE_REASON, WORKER_STOPPED

    link = RedisLink(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    worker, _ = job_worker(job, ROOTS[0], _elsewhere("leaving"), settings={"REDIS_URL": link.url})
    link.cut()
    worker.close("finished")
    assert worker.stats.get_value(WORKER_STOPPED).startswith(f"Redis unreachable at {link.url} (")
    assert worker.stats.get_value(CLOSE_REASON) == "redis_unreachable"  # its crawl_runs status
    import redis

    redis.Redis.from_url(redis_url).delete(*[f"issues:gongyishibao:{job}:{key}" for key in
                                             ("requests", "dupefilter", "root", "workers")])

def _job_through_a_link(request, monkeypatch, redis_url: str, tmp_path: Path):
    """A job of three issues whose worker reaches Redis through a RedisLink the test can cut or
    freeze: (archive, job, link, site, the worker's log)."""
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    link = RedisLink(redis_url)
    monkeypatch.setenv("REDIS_URL", link.url)
    return archive, job, link, sample_site(tmp_path / "site", ISSUES[:3], pdfs=False), tmp_path / "worker.log"


def test_a_worker_cut_off_from_redis_on_another_machine_is_not_reported_killed(redis_url, request, tmp_path,
                                                                                  monkeypatch):
    # A worker on another machine (here a pid namespace of its own) loses its connection to
    # Redis: it stores what it fetched and stops (exit status 2), without leaving the job. The
    # survivor takes it for dead once its heartbeat lapses and ends with exit status 4, right:
    # what it had taken from the queue, and the links of its last pages, no worker fetched. But
    # its line said "1 killed worker", and sent an operator looking for an OOM kill that never was.
    from crawler.distributed import WORKER_TTL

    _named_in_its_own_pid_namespace()  # skips where a process cannot have one
    archive, job, link, site, cut_log = _job_through_a_link(request, monkeypatch, redis_url, tmp_path)
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        elsewhere = _start_crawl_elsewhere(args, archive, KILLABLE, log=cut_log)
        monkeypatch.setenv("REDIS_URL", redis_url)
        log = tmp_path / "survivor.log"
        survivor = start_crawl(*args, archive=archive, settings=KILLABLE, log=log)
        try:
            _wait_for_articles(elsewhere, server, cut_log, 25)
            link.cut()
            assert elsewhere.wait(60) == 2, cut_log.read_text()[-3000:]
            assert survivor.wait(WORKER_TTL + 120) == 4, log.read_text()[-3000:]
        finally:
            for worker in (elsewhere, survivor):
                if worker.poll() is None:
                    worker.kill()
        output = log.read_text()
        name = re.search(rf"distributed crawl: job issues:gongyishibao:{job}, worker (\S+),", cut_log.read_text())[1]
        ended = (f"what 1 worker of job issues:gongyishibao:{job} had taken from its queue ({name}: no heartbeat for over "
                 f"{WORKER_TTL} s (killed, cut off from Redis, its machine down, or paused)); run again to fetch them")
        assert f"ERROR: not fetched: 公益时报 (gongyishibao) {ISSUES[0]}..{ISSUES[2]}: {ended}" in output, output[-3000:]
        assert "killed worker" not in output and "were killed" not in output
        run = next(run for run in crawl_runs(archive) if run.status == "failed")
        assert run.message.endswith(ended), run.message
        done = run_crawl(*args, archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:3])


def test_redis_lost_mid_crawl_ends_the_worker_with_one_line_and_status_2(redis_url, request, tmp_path, monkeypatch):
    archive, job, link, site, log = _job_through_a_link(request, monkeypatch, redis_url, tmp_path)
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        worker = start_crawl(*args, archive=archive, settings=KILLABLE, log=log)
        _wait_for_articles(worker, server, log, 10)
        link.cut()
        try:
            code = worker.wait(60)  # it used to hang, raising on every tick of the engine
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
    output = log.read_text()
    assert code == 2, output[-3000:]
    assert "Traceback" not in output
    line = f"Redis unreachable at {link.url} ("
    assert len(re.findall(rf"ERROR: {re.escape(line)}.*: the crawl of job issues:gongyishibao:{job} stopped; run it again once Redis is back", output)) == 1
    [run] = crawl_runs(archive)
    assert run.status == "redis_unreachable" and run.finished_at is not None
    assert run.message.startswith(line)
    assert run.articles_new >= 1  # what it had fetched is stored
    # The job it could not clear is left to expire; the test's Redis is spared the week.
    import redis

    server_redis = redis.Redis.from_url(redis_url)
    if left := server_redis.keys(f"issues:gongyishibao:{job}:*"):
        assert all(0 < server_redis.ttl(key) for key in left)
        server_redis.delete(*left)


def test_a_worker_that_lost_redis_asks_it_nothing_more_and_stops_without_waiting_for_it(redis_url, request,
                                                                                         tmp_path, monkeypatch):
    # A Redis that stops answering (its host gone, a network dropping packets) holds each
    # question up to twice REDIS_PARAMS' socket_timeout (a minute by default). Once the worker
    # knew Redis lost, each progress line and its summary asked Redis again for the job's
    # state, each holding the crawl as long: its stop came minutes after its ERROR line.
    archive, job, link, site, log = _job_through_a_link(request, monkeypatch, redis_url, tmp_path)
    timeout = 4
    settings = KILLABLE | {
        "REDIS_PARAMS": f'{{"socket_timeout": {timeout}, "socket_connect_timeout": {timeout}}}',
        "ARCHIVE_PROGRESS_INTERVAL": "0.5",
    }
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        worker = start_crawl(*args, archive=archive, settings=settings, log=log)
        try:
            _wait_for_articles(worker, server, log, 10)
            link.frozen = True
            code = worker.wait(120)
        finally:
            if worker.poll() is None:
                worker.kill()
            link.cut()
    output = log.read_text()
    assert code == 2, output[-3000:]
    assert "Traceback" not in output
    stamp = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
    lost = re.search(rf"{stamp} \[crawler.distributed\] ERROR: Redis unreachable at {re.escape(link.url)} ", output)
    closed = re.search(rf"{stamp} \[scrapy.core.engine\] INFO: Spider closed \(redis_unreachable\)", output)
    assert lost and closed, output[-3000:]
    waited = datetime.fromisoformat(closed[1]) - datetime.fromisoformat(lost[1])
    # It stores what it fetched and stops: no question to Redis, no timeout, in between.
    assert waited < timedelta(seconds=2 * timeout - 1), output[-3000:]
    assert re.search(rf"summary: .*: this worker's share only .*; job issues:gongyishibao:{job}: Redis unreachable \(", output)
    import redis

    server_redis = redis.Redis.from_url(redis_url)
    if left := server_redis.keys(f"issues:gongyishibao:{job}:*"):
        server_redis.delete(*left)


def test_a_worker_whose_job_s_queue_redis_lost_mid_crawl_does_not_end_as_done(redis_url, request, tmp_path,
                                                                             monkeypatch):
    # Redis restarted without its data while the worker crawled (too quickly for the worker to
    # find it unreachable), or the job's keys deleted by hand: the worker gets back on the
    # job's roll and finishes what it was fetching, but the requests queued went with the keys.
    # Its run ended 'finished', exit status 0, the archive short of most of the job.
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    prefix = f"issues:gongyishibao:{job}"
    server_redis = redis.Redis.from_url(redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:3], pdfs=False)
    log = tmp_path / "worker.log"
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={ISSUES[0]}", f"end={ISSUES[2]}")
        worker = start_crawl(*args, archive=archive, settings=KILLABLE, log=log)
        try:
            _wait_for_articles(worker, server, log, 10)
            assert server_redis.zcard(f"{prefix}:requests") > 0
            server_redis.delete(*server_redis.keys(f"{prefix}:*"))  # as Redis restarted without its data
            code = worker.wait(120)
        finally:
            if worker.poll() is None:
                worker.kill()
        output = log.read_text()
        assert code == 2, output[-3000:]
        assert "Traceback" not in output
        [run] = crawl_runs(archive)
        assert run.status == "redis_unreachable", output[-3000:]
        lost = f"distributed crawl: job {prefix}: its queue was lost in Redis while this worker crawled"
        assert lost in run.message
        # Its exit status 2 is said in the log as every other one is: without LOG_FILE, the
        # only place an operator reads why.
        assert len(re.findall(rf"ERROR: {re.escape(lost)} \(.*\): what it held was fetched by no worker; run the job "
                              rf"again$", output, re.M)) == 1, output[-3000:]
        # The next run of the job fetches the rest.
        done = run_crawl(*args, archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:3])
    assert not server_redis.keys(f"{prefix}:*")


def test_workers_of_one_crawl_job_given_different_dates_fetch_all_their_dates_between_them(redis_url, request, tmp_path,
                                                                                          monkeypatch):
    # docs/operations.md, "Several machines": one CRAWL_JOB, each worker its own dates.
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES, pdfs=False)
    spans = [(ISSUES[0], ISSUES[2]), (ISSUES[3], ISSUES[-1])]
    settings = DEAD_LINK_SETTINGS | {"DOWNLOAD_DELAY": "0.1"}
    with SiteServer(site, prefix=PREFIX) as server:
        logs = [tmp_path / f"worker{n}.log" for n in range(2)]
        workers = [start_crawl(base_url_arg(server), f"start={start}", f"end={end}", archive=archive, settings=settings,
                               log=log) for (start, end), log in zip(spans, logs)]
        codes = [worker.wait(240) for worker in workers]
        fetched = [path for path, status in server.requests if "/content_" in path]
    assert codes == [0, 0], [log.read_text()[-3000:] for log in logs]
    assert all(f"distributed crawl: job issues:gongyishibao:{job}, worker " in log.read_text() for log in logs)
    assert len(fetched) == len(set(fetched)) == len(ISSUES) * ARTICLES_PER_ISSUE
    _assert_issues_complete(archive, ISSUES)
    runs = sorted(crawl_runs(archive), key=lambda run: run.dates_asked)
    assert [run.dates_asked for run in runs] == [f"{start}..{end}" for start, end in spans]
    assert sum(run.articles_new for run in runs) == len(ISSUES) * ARTICLES_PER_ISSUE


@pytest.mark.parametrize("given_by", ["-s", "$CRAWL_JOB"])
@pytest.mark.parametrize("blanks", [" ", "\t{name} "])
def test_a_crawl_job_of_blanks_is_unset_and_blanks_around_a_name_are_passed_over(redis_url, request, tmp_path,
                                                                                 monkeypatch, given_by, blanks):
    # A cron line's CRAWL_JOB=" " (its $(...) printing nothing but a blank) made a job named " ",
    # shared by every paper's crawls of any dates that had it; " W07" and "W07" two jobs.
    name = f"test-{uuid.uuid4().hex[:8]}"
    given = blanks.format(name=name)
    archive = postgres_database(request)
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    monkeypatch.setenv("REDIS_URL", redis_url)
    settings = dict(KILLABLE)
    if given_by == "-s":
        settings["CRAWL_JOB"] = given
    else:
        monkeypatch.setenv("CRAWL_JOB", given)
    site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl(base_url_arg(server), f"date={ISSUES[0]}", archive=archive, settings=settings)
    assert done.returncode == 0, done.stderr[-3000:]
    job = given.strip() or ISSUES[0].isoformat()
    assert re.search(rf"distributed crawl: job issues:gongyishibao:{job}, worker ", done.stderr), done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:1])


def test_two_papers_under_one_crawl_job_keep_apart(redis_url, request, tmp_path, monkeypatch):
    """The weekly CRAWL_JOB of docs/operations.md on two papers' cron lines: each paper's pages
    and articles are stored as that paper's, never as the other's."""
    # A second Founder paper is one TOML file in a folder of the user's own ($ARCHIVE_PAPERS).
    papers = own_paper(tmp_path / "papers", "dierbao", name='"第二报"')
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:2], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as first_site, SiteServer(site, prefix=PREFIX) as second_site:
        roots = {"gongyishibao": f"{first_site.url}{PREFIX.lstrip('/')}", "dierbao": f"{second_site.url}{PREFIX.lstrip('/')}"}
        workers = []
        for paper, root in roots.items():
            args = (f"paper={paper}", f"base_url={root}", f"start={ISSUES[0]}", f"end={ISSUES[1]}")
            command, env = _crawl_command(args, archive, KILLABLE)
            with open(tmp_path / f"{paper}.log", "w") as log:
                workers.append(subprocess.Popen(
                    command, cwd=PROJECT, env=env | {PROFILES_ENV: str(papers)}, stdout=log, stderr=subprocess.STDOUT
                ))
        codes = [worker.wait(240) for worker in workers]
    assert codes == [0, 0], [(tmp_path / f"{paper}.log").read_text()[-3000:] for paper in roots]
    rows = sql_rows(
        archive,
        "SELECT papers.code, pages.url, count(articles.id) FROM pages JOIN issues ON issues.id = pages.issue_id"
        " JOIN papers ON papers.id = issues.paper_id LEFT JOIN articles ON articles.page_id = pages.id"
        " GROUP BY papers.code, pages.url",
    )
    misfiled = [(code, url) for code, url, _ in rows if not url.startswith(roots[code])]
    assert not misfiled, misfiled
    for paper in roots:
        assert sum(1 for code, _, _ in rows if code == paper) == 2 * 16
        assert sum(n for code, _, n in rows if code == paper) == 2 * ARTICLES_PER_ISSUE
    import redis

    assert not redis.Redis.from_url(redis_url).keys(f"issues:*{job}*")


def _articles_by_root(archive: str, roots: list[str]) -> dict[str, int]:
    """How many stored articles hang off each of ``roots``."""
    urls = stored_article_urls(archive)
    return {root: sum(url.startswith(root) for url in urls) for root in roots}


def test_a_worker_from_another_site_root_is_refused_by_the_job_before_it_fetches_anything(redis_url, request, tmp_path,
                                                                                          monkeypatch):
    # Two workers of one job, started with two roots of the same site (a mirror, http and
    # https, a new domain) while the archive holds nothing yet: both pass the archive's check.
    # Had the second joined, each issue would be fetched from both roots and every article
    # stored twice, under two addresses.
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with SiteServer(site, prefix=PREFIX) as first_site, SiteServer(site, prefix=PREFIX) as second_site:
        roots = [f"{first_site.url}{PREFIX.lstrip('/')}", f"{second_site.url}{PREFIX.lstrip('/')}"]
        dates = (f"start={issues[0]}", f"end={issues[-1]}")
        first = start_crawl(f"base_url={roots[0]}", *dates, archive=archive, settings=HOLDING, log=logs[0])
        _wait_for_articles(first, first_site, logs[0])
        first.send_signal(signal.SIGSTOP)  # the job stays open, its queue full
        try:
            # Logging to a file, as from cron: stderr (what cron mails) holds the one line.
            second = run_crawl(f"base_url={roots[1]}", *dates, archive=archive, settings=KILLABLE | {"LOG_FILE": str(logs[1])})
            # It left the job as it found it: the first worker alone on the roll, its queue,
            # fingerprints and root.
            prefix = f"issues:gongyishibao:{job}"
            assert server_redis.smembers(f"{prefix}:workers") == {worker_name(first.pid).encode()}
            assert server_redis.get(f"{prefix}:root") == roots[0].encode()
            assert server_redis.exists(f"{prefix}:requests", f"{prefix}:dupefilter") == 2
        finally:
            first.send_signal(signal.SIGCONT)
        codes = [first.wait(240), second.returncode]
        served_second = [path for path, _ in second_site.requests]
    outputs = [log.read_text() for log in logs]
    assert (codes, _articles_by_root(archive, roots)) == ([0, 2], {roots[0]: 2 * ARTICLES_PER_ISSUE, roots[1]: 0}), \
        [output[-3000:] for output in outputs]
    # Refused before it fetched anything, not even robots.txt, in one line naming both roots.
    assert served_second == []
    line = (f"distributed crawl: job issues:gongyishibao:{job} crawls from {roots[0]}, not from this worker's root "
            f"{roots[1]}: its issues would be fetched from both and their articles stored twice; start this worker "
            f"with -a base_url={roots[0]}")
    assert second.stderr == f"error: {line}\n"
    assert re.findall(r"ERROR: (.*)", outputs[1]) == [line], outputs[1][-3000:]
    assert "Traceback" not in outputs[1]
    assert sorted((r.status, r.articles_new, r.message) for r in crawl_runs(archive)) == [
        ("finished", 2 * ARTICLES_PER_ISSUE, ""), ("root_refused", 0, line),
    ]
    # The running job was not disturbed: its worker crawled it whole and, the last one out,
    # cleared it (its recorded root too).
    assert "Traceback" not in outputs[0]
    _assert_issues_complete(archive, issues)
    assert not server_redis.keys(f"issues:gongyishibao:{job}:*")


def test_the_issue_a_refused_distributed_crawl_is_told_to_crawl_alone_joins_no_job(redis_url, request, tmp_path,
                                                                                 monkeypatch):
    # A distributed crawl refused for an issue held from another root is told to crawl that
    # issue alone from its root first. Run with the refused crawl's settings, as its CRAWL_JOB
    # says, that crawl was a worker of the job, live from this crawl's root, which refused it.
    import redis

    from tests.test_roots import _crawls_advised, make_incomplete, served_root

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    prefix = f"issues:gongyishibao:{job}"
    server_redis = redis.Redis.from_url(redis_url)
    issues = ISSUES[:3]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        this, other = served_root(server, "127.0.0.1"), served_root(server, "localhost")
        held = run_crawl(f"base_url={other}", f"date={issues[1]}", archive=archive, settings=KILLABLE | {"CRAWL_MODE": "local"})
        assert held.returncode == 0, held.stderr[-3000:]
        make_incomplete(archive)
        log = tmp_path / "live.log"
        live = start_crawl(f"base_url={this}", f"date={issues[0]}", archive=archive, settings=HOLDING, log=log)
        _wait_for_articles(live, server, log, ARTICLES_PER_ISSUE + 1)  # the issue held's and one of its own
        live.send_signal(signal.SIGSTOP)  # the job stays open, from this root
        try:
            asked = [f"base_url={this}", f"start={issues[0]}", f"end={issues[-1]}"]
            refused = run_crawl(*asked, archive=archive, settings=KILLABLE)
            assert refused.returncode == 2, refused.stderr[-3000:]
            *alone, again = _crawls_advised(refused.stderr.strip(), asked)
            assert [args for args, _ in alone] == [["paper=gongyishibao", f"date={issues[1]}", f"base_url={other}"]], refused.stderr
            assert again == (asked, {}), refused.stderr
            for args, given in alone:
                done = run_crawl(*args, archive=archive, settings=KILLABLE | given)
                assert done.returncode == 0, (refused.stderr, args, given, done.stderr[-3000:])
            # The live job was not joined: its one worker on its roll, its root this crawl's.
            assert server_redis.smembers(f"{prefix}:workers") == {worker_name(live.pid).encode()}
            assert server_redis.get(f"{prefix}:root") == this.encode()
        finally:
            live.send_signal(signal.SIGCONT)
        done = run_crawl(*again[0], archive=archive, settings=KILLABLE)
        assert done.returncode == 0, done.stderr[-3000:]
        assert live.wait(240) == 0, log.read_text()[-3000:]
    _assert_issues_complete(archive, issues)
    assert not server_redis.keys(f"{prefix}:*")


def test_a_job_whose_workers_were_killed_is_started_afresh_from_another_root(redis_url, request, tmp_path, monkeypatch):
    # The job's root goes with the job: a worker that finds only killed workers on it starts
    # it afresh, from its own root (the archive's check of roots still stands: the killed
    # worker stored nothing here).
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    root_key = f"issues:gongyishibao:{job}:root"
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as first_site, SiteServer(site, prefix=PREFIX) as second_site:
        roots = [f"{first_site.url}{PREFIX.lstrip('/')}", f"{second_site.url}{PREFIX.lstrip('/')}"]
        dates = (f"start={issues[0]}", f"end={issues[-1]}")
        killed = start_crawl(f"base_url={roots[0]}", *dates, archive=archive, settings=HOLDING)
        wait_for("the worker opened the job", lambda: server_redis.exists(root_key), killed)
        assert server_redis.get(root_key).decode() == roots[0]
        assert 0 < server_redis.ttl(root_key) <= 7 * 24 * 3600  # it expires with the job's other keys
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(30) == -signal.SIGKILL
        assert stored_article_urls(archive) == set()
        done = run_crawl(f"base_url={roots[1]}", *dates, archive=archive, settings=KILLABLE)
    _assert_started_afresh(done, archive, issues, server_redis, f"issues:gongyishibao:{job}")
    assert _articles_by_root(archive, roots) == {roots[0]: 0, roots[1]: len(issues) * ARTICLES_PER_ISSUE}


@pytest.mark.parametrize("on_roll", [True, False], ids=["killed-on-the-roll", "killed-before-joining"])
def test_a_job_left_with_only_its_root_by_a_killed_worker_is_started_afresh_from_another_root(
        on_roll, redis_url, request, tmp_path, monkeypatch):
    # A worker killed right after it recorded the job's root, before it queued anything: no
    # queue nor fingerprints, only the root, and the roll with the dead worker on it, or (killed
    # before it joined) no roll. A worker from another root starts the job afresh.
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    prefix = f"issues:gongyishibao:{job}"
    if on_roll:
        gone = subprocess.Popen(["true"])
        gone.wait()  # a process id that no longer runs: the worker killed on this machine
        server_redis.sadd(f"{prefix}:workers", worker_name(gone.pid))
        server_redis.expire(f"{prefix}:workers", 3600)
    server_redis.set(f"{prefix}:root", "http://mirror.invalid/newdzb/", ex=3600)
    site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        root = f"{server.url}{PREFIX.lstrip('/')}"
        done = run_crawl(f"base_url={root}", f"date={ISSUES[0]}", archive=archive, settings=KILLABLE)
    _assert_started_afresh(done, archive, ISSUES[:1], server_redis, prefix)


def _assert_started_afresh(done, archive: str, issues, server_redis, prefix: str) -> None:
    """A run of a job only killed workers were left on: it started the job afresh, crawled it
    whole and, the last one out, cleared its keys (the recorded root too)."""
    assert done.returncode == 0, done.stderr[-3000:]
    assert "was left by workers that did not close it" in done.stderr
    _assert_issues_complete(archive, issues)
    assert not server_redis.keys(f"{prefix}:*")


def test_of_two_workers_started_at_once_from_two_roots_one_crawls_and_the_other_is_refused(redis_url, request, tmp_path,
                                                                                           monkeypatch):
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with SiteServer(site, prefix=PREFIX) as first_site, SiteServer(site, prefix=PREFIX) as second_site:
        roots = [f"{first_site.url}{PREFIX.lstrip('/')}", f"{second_site.url}{PREFIX.lstrip('/')}"]
        workers = [start_crawl(f"base_url={root}", f"start={issues[0]}", f"end={issues[-1]}", archive=archive,
                               settings=HOLDING, log=log) for root, log in zip(roots, logs)]
        codes = [worker.wait(240) for worker in workers]
    outputs = [log.read_text() for log in logs]
    # Whichever opened the job first crawled it; the other, refused, fetched nothing.
    assert sorted(codes) == [0, 2], [output[-3000:] for output in outputs]
    crawled, refused = (0, 1) if codes[0] == 0 else (1, 0)
    assert _articles_by_root(archive, roots) == {roots[crawled]: len(issues) * ARTICLES_PER_ISSUE, roots[refused]: 0}
    assert f"crawls from {roots[crawled]}, not from this worker's root {roots[refused]}" in outputs[refused]
    _assert_issues_complete(archive, issues)
    assert not redis.Redis.from_url(redis_url).keys(f"issues:gongyishibao:{job}:*")


# The job's bookkeeping a Redis command at a time: JobScheduler opened and closed in the test's
# process (no crawl), a step of another worker run between any two Redis commands of one.
ROOTS = ["http://first.invalid/newdzb/", "http://second.invalid/newdzb/"]


class _NoBeat:
    """The heartbeat's looping call, never run (no reactor here)."""
    running = False

    def start(self, interval, *args, **kwargs) -> None:
        self.running = True
        self.interval = interval

    def stop(self) -> None:
        self.running = False


def _step_before_command(server, n: int, step) -> list:
    """Runs ``step`` once, before ``server``'s ``n``-th Redis command from now (0: the first);
    the commands sent (fewer than ``n``: ``step`` has not run)."""
    sent = []
    send = server.execute_command

    def execute_command(*args, **kwargs):
        if len(sent) == n:
            step()
        sent.append(args[0])
        return send(*args, **kwargs)

    server.execute_command = execute_command
    return sent


@pytest.fixture
def job_worker(redis_url, monkeypatch):
    """Opens the JobScheduler of worker ``name`` (``host:pid``) crawling job ``job`` from
    ``root``, ``step`` run before its ``before``-th Redis command; it and the commands sent."""
    from scrapy.utils.test import get_crawler

    from crawler import distributed
    from crawler.spiders.issues import IssuesSpider

    naming = {}

    class NamedRoll(distributed.WorkerRoll):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.name = naming["name"]

    monkeypatch.setattr(distributed, "WorkerRoll", NamedRoll)
    monkeypatch.setattr(distributed, "create_looping_call", lambda beat: _NoBeat())

    def job_worker(job: str, root: str, name: str, step=None, before: int = 0, settings: dict | None = None):
        crawler = get_crawler(IssuesSpider, settings_dict={
            "REDIS_URL": redis_url, "CRAWL_JOB": job, "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        } | (settings or {}))
        spider = IssuesSpider.from_crawler(crawler, base_url=root, date=str(ISSUES[0]))
        scheduler = distributed.JobScheduler.from_crawler(crawler)
        sent = _step_before_command(scheduler.server, before, step) if step else []
        naming["name"] = name
        scheduler.open(spider)
        return scheduler, sent

    return job_worker


def _elsewhere(worker: str) -> str:
    """A worker of another machine: only its heartbeat tells whether it runs."""
    return f"elsewhere.invalid:{worker}"


def _named_in_its_own_pid_namespace(pid: int | None = None) -> str:
    """The roll's name a worker gets in a pid namespace of its own on this host (a container run
    with the host's network: it has the host's name), as process ``pid`` there (else pid 1)."""
    as_pid = "" if pid is None else f"""
open('/proc/sys/kernel/ns_last_pid', 'w').write('{pid - 1}')
child = os.fork()
if child:
    os.waitpid(child, 0)
    os._exit(0)
"""
    code = (f"import os\nfrom crawler.distributed import WorkerRoll\n{as_pid}\n"
            "class Redis:\n    def register_script(self, script): pass\n"
            "print(WorkerRoll(Redis(), 'job', 'root', 'queue', 'fingerprints').name)")
    try:
        done = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", code], cwd=PROJECT,
                              capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        done = None
    if done is None or done.returncode or not done.stdout.strip():
        pytest.skip(f"no pid namespace of its own for a process here: {done and done.stderr[-300:]}")
    name = done.stdout.strip()
    if pid is not None and not re.search(rf":{pid}\b", name):
        pytest.skip(f"process id {pid} not given in a pid namespace of its own: {name}")
    return name


def test_two_workers_in_two_containers_of_one_host_get_two_names():
    # Containers run with the host's network have the host's name, and each its own process
    # ids: both crawls pid 1. Named host:pid, they were one worker on the roll, and the first
    # to leave cleared the job under the other.
    assert _named_in_its_own_pid_namespace() != _named_in_its_own_pid_namespace()


def test_a_live_worker_in_another_container_of_this_host_is_not_taken_for_killed(redis_url, job_worker):
    # A worker in a container with the host's name and its own process ids, whose process id
    # runs nowhere here: looked up here, it was taken for killed as another worker joined, and
    # the job it was crawling started afresh under it (its queue and fingerprints deleted).
    import redis
    from scrapy import Request

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that runs nowhere here
    contained = _named_in_its_own_pid_namespace(gone.pid)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    server_redis = redis.Redis.from_url(redis_url)
    first, _ = job_worker(job, ROOTS[0], contained)
    try:
        assert first.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
        second, _ = job_worker(job, ROOTS[0], _elsewhere("second"))
        try:
            assert server_redis.smembers(f"{prefix}:workers") == {contained.encode(), _elsewhere("second").encode()}
            assert len(second.queue) == 1
        finally:
            second.close("finished")
    finally:
        first.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


def test_a_worker_joining_while_the_last_one_leaves_keeps_its_place_the_jobs_root_and_queue(redis_url, job_worker):
    # The job's last worker leaves as another joins it: whichever Redis command of the leave
    # the join comes before (or after the whole leave), the joiner stays on the roll, with the
    # job's root and the request it queued, and a worker from another root is refused. Had the
    # leave cleared the job under the joiner, that worker would be let in and each issue
    # fetched from both roots, its articles stored twice.
    import redis
    from scrapy import Request

    from crawler.distributed import ROOT_REFUSED

    server_redis = redis.Redis.from_url(redis_url)
    for n in itertools.count():
        job = f"test-{uuid.uuid4().hex[:8]}"
        prefix = f"issues:gongyishibao:{job}"
        leaver, _ = job_worker(job, ROOTS[0], _elsewhere("leaver"))
        joiner = []

        def join() -> None:
            joiner.append(job_worker(job, ROOTS[0], _elsewhere("joiner"))[0])
            assert joiner[0].refused is None
            assert joiner[0].enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))

        sent = _step_before_command(leaver.server, n, join)
        leaver.close("finished")
        last = not joiner
        if last:
            join()
        try:
            assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("joiner").encode()}, (n, sent)
            assert server_redis.get(f"{prefix}:root") == ROOTS[0].encode(), (n, sent)
            assert len(joiner[0].queue) == 1, (n, sent)
            other, _ = job_worker(job, ROOTS[1], _elsewhere("other"))
            assert other.refused is not None and f"crawls from {ROOTS[0]}, not from" in other.refused, (n, sent)
            other.close(ROOT_REFUSED)
        finally:
            joiner[0].close("finished")
        assert not server_redis.keys(f"{prefix}:*")
        if last:
            break


def test_a_worker_killed_at_any_step_of_opening_the_job_keeps_no_other_root_out(redis_url, job_worker):
    # A worker killed as it opens the job (on this machine: its process id no longer runs),
    # before any of its Redis commands, or after the last: a worker from another root finds
    # the job left by it, starts it afresh from its own root and, the last one out, clears it.
    import redis

    class Killed(Exception):
        pass

    def kill() -> None:
        raise Killed

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that no longer runs
    server_redis = redis.Redis.from_url(redis_url)
    for n in itertools.count():
        job = f"test-{uuid.uuid4().hex[:8]}"
        prefix = f"issues:gongyishibao:{job}"
        try:
            _, sent = job_worker(job, ROOTS[0], worker_name(gone.pid), step=kill, before=n)
            last = True  # it opened the job whole, then was killed
        except Killed:
            last = False
        other, _ = job_worker(job, ROOTS[1], _elsewhere("other"))
        try:
            assert other.refused is None, n
            assert server_redis.get(f"{prefix}:root") == ROOTS[1].encode(), n
            assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("other").encode()}, n
        finally:
            other.close("finished")
        assert not server_redis.keys(f"{prefix}:*"), n
        if last:
            break


# A worker paused longer than its heartbeat's life (SIGSTOP, a machine suspended, a frozen VM):
# another worker takes it for dead and off the roll, yet it goes on crawling once it resumes.
# The minute that passes is its heartbeat key deleted.
def _paused_past_its_heartbeat(server_redis, prefix: str, worker) -> None:
    assert server_redis.delete(f"{prefix}:workers:{worker.worker}") == 1
    worker.beaten_at = getattr(worker, "beaten_at", 0) - 75  # its clock ran on while it was paused


def _a_worker_paused_beside_another(redis_url, job_worker, queued_by: str = "paused"):
    """(Redis, job, prefix, paused, other): two workers of one root at a new job, one of them
    (``queued_by``) with a request queued, then the first paused past its heartbeat."""
    import redis
    from scrapy import Request

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    paused, _ = job_worker(job, ROOTS[0], _elsewhere("paused"))
    other, _ = job_worker(job, ROOTS[0], _elsewhere("other"))
    assert {"paused": paused, "other": other}[queued_by].enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
    _paused_past_its_heartbeat(server_redis, prefix, paused)
    return server_redis, job, prefix, paused, other


def _back(worker, noticed_by: str) -> None:
    """The paused worker resumes: its heartbeat's timer fires, or the engine uses the queue first."""
    from scrapy import Request

    if noticed_by == "heartbeat":
        worker.beat()
    else:
        worker.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_2.htm"))


def test_every_worker_leaving_a_job_one_of_whose_workers_was_killed_ends_as_not_done(redis_url, job_worker):
    # The worker that took the killed one off the roll left first: the job's last worker, which
    # ended the job, knew nothing of it and ended as a run that did the job (exit status 0).
    # A worker taken for dead while paused, back on the roll, fetches what it took: not counted.
    from crawler.extensions import SHARE_LOST

    server_redis, job, prefix, paused, other = _a_worker_paused_beside_another(redis_url, job_worker)
    killed, _ = job_worker(job, ROOTS[0], _elsewhere("killed"))
    assert killed.next_request().url == f"{ROOTS[0]}2023-01/03/node_1.htm"  # taken, never fetched
    assert server_redis.delete(f"{prefix}:workers:{killed.worker}") == 1  # killed: its heartbeat lapsed
    first, _ = job_worker(job, ROOTS[0], _elsewhere("first"))  # takes the killed one off
    assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere(w).encode() for w in ("other", "first")}
    paused.beat()  # back on the roll
    first.close("finished")
    other.close("finished")
    paused.close("finished")  # the last: it ends the job
    assert not server_redis.keys(f"{prefix}:*")
    lost = (f"what 1 worker of job {prefix} had taken from its queue ({killed.worker}: no heartbeat for over 60 s "
            f"(killed, cut off from Redis, its machine down, or paused))")
    assert [each.stats.get_value(SHARE_LOST) for each in (first, other, paused)] == [lost] * 3


def test_every_worker_leaving_a_job_one_of_whose_workers_the_archive_stopped_for_its_root_ends_as_not_done(
        redis_url, job_worker):
    # A worker stopped by the archive's check of roots (another crawl stored an issue it fetched
    # from another root: pipelines/store.py closes it with ROOT_REFUSED) dropped what it had
    # taken from the job's queue, and the job's other workers ended as runs that did the job
    # (exit status 0), the job cleared: nobody said its share was missing.
    import redis

    from scrapy import Request

    from crawler.extensions import ROOT_REFUSED, SHARE_LOST

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    other, _ = job_worker(job, ROOTS[0], _elsewhere("other"))
    stopped, _ = job_worker(job, ROOTS[0], _elsewhere("stopped"))
    assert stopped.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_2.htm"))
    assert stopped.next_request() is not None  # taken, never fetched
    stopped.close(ROOT_REFUSED)
    other.close("finished")  # the last: it ends the job
    assert not server_redis.keys(f"{prefix}:*")
    assert other.stats.get_value(SHARE_LOST) == (
        f"what 1 worker of job {prefix} had taken from its queue ({_elsewhere('stopped')}: stopped by the archive's "
        f"check of roots (an issue it fetched is held from another root))")
    assert stopped.stats.get_value(SHARE_LOST) is None  # its own line says why it stopped


def _a_worker_stopped_for_its_root(request, tmp_path, job_worker, day: date):
    """A job of two workers given ISSUES[0] from ROOTS[0], one of which the archive's check of
    roots stopped: another crawl stored the issue of ``day`` (incomplete) from another root,
    whose page the stopped worker had taken. The archive, the job, the other worker (open)
    and the other root."""
    from scrapy import Request

    from crawler.extensions import ROOT_REFUSED

    archive = postgres_database(request)
    site = site_without_a_dead_article(tmp_path, [day])  # stored incomplete from the other root
    with SiteServer(site, prefix=PREFIX) as server:
        other_root = f"{server.url}{PREFIX.lstrip('/')}"
        stored = run_crawl(f"base_url={other_root}", f"date={day}", archive=archive,
                           settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert stored.returncode == 4, stored.stderr[-3000:]
    job = f"test-{uuid.uuid4().hex[:8]}"
    settings = {"ARCHIVE_URL": archive}
    other, _ = job_worker(job, ROOTS[0], _elsewhere("other"), settings=settings)
    stopped, _ = job_worker(job, ROOTS[0], _elsewhere("stopped"), settings=settings)
    assert stopped.enqueue_request(Request(f"{ROOTS[0]}{day:%Y-%m/%d}/node_2.htm"))
    assert stopped.next_request() is not None  # taken, never fetched
    stopped.close(ROOT_REFUSED)
    return archive, job, other, other_root


def test_a_job_whose_worker_the_archive_stopped_for_its_root_says_what_running_it_again_needs(
        redis_url, request, tmp_path, job_worker):
    # A worker stopped by the archive's check of roots: another crawl stored an issue of the
    # job's dates from another root. The job's other workers ended with exit status 4 and
    # "run again to fetch them", yet the job run again as they said was refused at its start
    # (that issue held from the other root, incomplete), with another way out: archive
    # move-root, or the other root. Their line must say what the run again needs.
    from crawler.extensions import failure_message

    day = ISSUES[0]
    archive, job, other, other_root = _a_worker_stopped_for_its_root(request, tmp_path, job_worker, day)
    other.close("finished")
    other.spider.crawler.spider = other.spider  # as the engine sets it
    said = failure_message(other.spider.crawler)
    # The job run again, as its workers' line says, from the job's root.
    again = run_crawl(f"base_url={ROOTS[0]}", f"date={day}", archive=archive,
                      settings={"CRAWL_MODE": "distributed", "REDIS_URL": redis_url, "CRAWL_JOB": job})
    assert again.returncode == 2, again.stderr[-3000:]
    refusal = again.stderr.strip().removeprefix("error: ")
    assert refusal.startswith(f"the archive holds 1 issue of gongyishibao ({day}) fetched from {other_root}")
    assert said.endswith(f"; run again to fetch them, once the archive lets this job's root crawl them (as it stands, "
                         f"a run from {ROOTS[0]} is refused: {refusal})"), said


def test_the_run_again_a_worker_advises_for_another_worker_s_dates_is_checked_against_the_roots_of_those_dates(
        redis_url, request, tmp_path, job_worker):
    # A worker failed an issue of another worker's dates, which another crawl had stored
    # (incomplete) from another root, its fetcher stopped by the archive's check of roots. The
    # line advised a run of that date, and warned of no refusal: the archive's roots were
    # checked against the worker's own dates. Run as advised, it was refused.
    from crawler.extensions import FAILED_DATES, failure_message

    day = ISSUES[3]  # not the worker's own date (job_worker: ISSUES[0])
    archive, job, other, _ = _a_worker_stopped_for_its_root(request, tmp_path, job_worker, day)
    other.stats.set_value("pages/failed/http_500", 1)  # a page of that issue it fetched failed
    other.stats.set_value(FAILED_DATES, [day.isoformat()])
    other.close("finished")
    other.spider.crawler.spider = other.spider  # as the engine sets it
    said = failure_message(other.spider.crawler)
    advice = re.search(r"; run again with (.+?) to fetch them", said)
    assert advice, said
    [run] = _advised_runs(advice[1])
    again = run_crawl(*run, archive=archive,
                      settings={"CRAWL_MODE": "distributed", "REDIS_URL": redis_url, "CRAWL_JOB": job})
    assert again.returncode == 2, again.stderr[-3000:]
    refusal = again.stderr.strip().removeprefix("error: ")
    assert f"(as it stands, a run with {advice[1]} is refused: {refusal})" in said, said


def test_the_end_of_a_job_whose_workers_were_taken_for_dead_says_what_is_known_of_each(redis_url, job_worker, caplog):
    # Whether a worker taken off the roll was killed is not known: one whose heartbeat lapsed
    # may be cut off from Redis, its machine down, or paused; one whose process id no longer
    # runs here may have stopped for Redis lost (exit status 2) without leaving the job. The
    # lines called every one of them a killed worker.
    from crawler.extensions import SHARE_LOST

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that no longer runs here
    import redis

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    other, _ = job_worker(job, ROOTS[0], _elsewhere("other"))
    silent, _ = job_worker(job, ROOTS[0], _elsewhere("silent"))
    ended, _ = job_worker(job, ROOTS[0], worker_name(gone.pid))
    assert server_redis.delete(f"{prefix}:workers:{silent.worker}") == 1  # its heartbeat lapsed
    last, _ = job_worker(job, ROOTS[0], _elsewhere("last"))  # takes both off the roll
    last.close("finished")
    other.close("finished")
    assert not server_redis.keys(f"{prefix}:*")
    said = (f"{worker_name(gone.pid)}: process ended without leaving the job (killed, or it lost Redis); "
            f"{_elsewhere('silent')}: no heartbeat for over 60 s (killed, cut off from Redis, its machine down, or paused)")
    lost = f"what 2 workers of job {prefix} had taken from its queue ({said})"
    assert [each.stats.get_value(SHARE_LOST) for each in (last, other)] == [lost] * 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"distributed crawl: job {prefix}: workers taken for dead, {said}: what they were fetching is "
                        f"missing: run the job again once it ends"], warnings


def test_a_silent_worker_is_taken_for_dead_after_distributed_worker_ttl_and_the_lines_say_it(redis_url, job_worker):
    # How long a silent worker's heartbeat lasts had no setting: 60 s, whatever the job needed.
    import redis

    from crawler.extensions import SHARE_LOST

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    short = {"DISTRIBUTED_WORKER_TTL": "4"}
    other, _ = job_worker(job, ROOTS[0], _elsewhere("other"), settings=short)
    silent, _ = job_worker(job, ROOTS[0], _elsewhere("silent"), settings=short)
    assert 0 < server_redis.ttl(f"{prefix}:workers:{silent.worker}") <= 4
    assert silent.heartbeat.interval == 1  # three beats may be late before it lapses
    for _ in range(5):  # the silent one's heartbeat is never sent (no reactor here), the other's is
        other.beat()
        time.sleep(1)
    last, _ = job_worker(job, ROOTS[0], _elsewhere("last"), settings=short)  # takes the silent one off the roll
    last.close("finished")
    other.close("finished")
    assert not server_redis.keys(f"{prefix}:*")
    said = f"{_elsewhere('silent')}: no heartbeat for over 4 s (killed, cut off from Redis, its machine down, or paused)"
    assert [each.stats.get_value(SHARE_LOST) for each in (last, other)] == [
        f"what 1 worker of job {prefix} had taken from its queue ({said})"] * 2


@pytest.mark.parametrize("ttl, why", [("0.5", "is not a whole number"), ("0", "is less than 1"),
                                      ("100000000000000000", "is more than 604800")])
def test_distributed_worker_ttl_that_is_no_whole_number_of_seconds_is_one_line(postgres_url, monkeypatch, ttl, why):
    # One beyond Redis's greatest expiry ended each worker with a traceback as it joined the job.
    monkeypatch.setenv("CRAWL_MODE", "distributed")
    done = run_crawl("date=2023-01-31", archive=postgres_url, settings={"DISTRIBUTED_WORKER_TTL": ttl})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: setting DISTRIBUTED_WORKER_TTL={ttl!r} {why}"]


@contextmanager
def private_redis(*options: str):
    """A Redis server of the test's own with ``options`` (redis-server's command line), whose
    configuration the shared one's users are spared; its URL."""
    import redis

    if not shutil.which("redis-server"):
        pytest.skip("no redis-server here to start one with another configuration")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                               "no", *options], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"

    def answering() -> bool:
        try:
            redis.Redis.from_url(url).ping()
        except redis.AuthenticationError:  # up, and asking for the password its options set
            pass
        except redis.ConnectionError:
            return False
        return True

    try:
        wait_for(f"redis-server {' '.join(options)} answering", answering, server, 10)
        yield url
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.parametrize("config, warned", [
    (("--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"), "maxmemory-policy volatile-lru at maxmemory 67108864 bytes"),
    (("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lfu"), "maxmemory-policy allkeys-lfu at maxmemory 67108864 bytes"),
    (("--maxmemory", "64mb", "--maxmemory-policy", "noeviction"), None),
    # A managed Redis that refuses CONFIG: not told, and no reason to fail.
    (("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", ""), None),
])
def test_a_redis_that_may_evict_the_job_s_keys_is_said_in_one_warning(redis_url, request, tmp_path, monkeypatch,
                                                                        config, warned):
    # Every key of a job has a lease, so that a volatile-* policy evicts them as an allkeys-*
    # one does: a live worker's heartbeat evicted took it for dead, a queue evicted lost its
    # requests, and nothing said the Redis was set to do so.
    archive = postgres_database(request)
    with private_redis(*config) as url:
        monkeypatch.setenv("CRAWL_MODE", "distributed")
        monkeypatch.setenv("REDIS_URL", url)
        monkeypatch.setenv("CRAWL_JOB", f"test-{uuid.uuid4().hex[:8]}")
        site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
        with SiteServer(site, prefix=PREFIX) as server:
            done = run_crawl(base_url_arg(server), f"date={ISSUES[0]}", archive=archive,
                             settings={"ARCHIVE_FETCH_PDFS": "False", "DISTRIBUTED_IDLE_SECONDS": "0.5"})
    assert done.returncode == 0, done.stderr[-3000:]
    said = [line.split(": ", 1)[1] for line in done.stderr.splitlines() if "evicts keys" in line]
    assert said == ([f"distributed crawl: Redis at {url} evicts keys once it is full ({warned}): this job's may go, a "
                     f"worker's heartbeat (a live worker taken for dead) or its queue (requests no worker fetches); set "
                     f"maxmemory-policy noeviction"] if warned else [])
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(ARTICLES_PER_ISSUE,)]


@pytest.mark.parametrize("noticed_by", ["heartbeat", "queue"])
@pytest.mark.parametrize("meanwhile", ["others-at-it", "job-cleared"])
def test_a_worker_taken_for_dead_while_paused_rejoins_its_job_and_keeps_its_root(
        meanwhile, noticed_by, redis_url, job_worker, caplog):
    # Off the roll, the resumed worker would not keep the job from being cleared under it (its
    # root with it) by the last other worker to leave: a worker from another root would be let
    # in, and each issue fetched from both roots.
    from crawler.distributed import ROOT_REFUSED

    server_redis, job, prefix, paused, other = _a_worker_paused_beside_another(redis_url, job_worker)
    if meanwhile == "others-at-it":
        newcomer, _ = job_worker(job, ROOTS[0], _elsewhere("newcomer"))  # takes the paused one off
        assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere(w).encode() for w in ("other", "newcomer")}
        others = [other, newcomer]
    else:
        other.close("finished")  # the last one on the roll: it clears the job
        assert not server_redis.keys(f"{prefix}:*")
        others = []
    caplog.clear()
    _back(paused, noticed_by)
    try:
        assert getattr(paused, "root_lost", None) is None and not [r for r in caplog.records if r.levelname == "ERROR"]
        for each in others:
            each.close("finished")
        # Still on the roll, the resumed worker keeps the job, its root and what it queued.
        assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("paused").encode()}
        assert server_redis.get(f"{prefix}:root") == ROOTS[0].encode()
        assert len(paused.queue) == (1 if meanwhile == "others-at-it" else 0) + (noticed_by == "queue")
        stranger, _ = job_worker(job, ROOTS[1], _elsewhere("stranger"))
        assert stranger.refused is not None and f"crawls from {ROOTS[0]}, not from" in stranger.refused
        stranger.close(ROOT_REFUSED)
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "taken for dead" in r.getMessage()]
        assert len(warnings) == 1, warnings
        assert re.fullmatch(
            rf"distributed crawl: job {prefix}: this worker was taken for dead \(no heartbeat for (\d+) s: its process "
            rf"was paused or its machine suspended\) and is back on the job's roll"
            + (f"; the job had ended meanwhile .* it records its root {re.escape(ROOTS[0])} again .*"
               if meanwhile == "job-cleared" else ""),
            warnings[0],
        ), warnings[0]
        assert int(re.search(r"for (\d+) s", warnings[0])[1]) >= 75
    finally:
        paused.close("finished")
    assert not server_redis.keys(f"{prefix}:*")  # the last one out, it cleared the job


@pytest.mark.parametrize("noticed_by", ["heartbeat", "queue"])
@pytest.mark.parametrize("meanwhile", ["the-last-one-left", "the-others-were-killed", "the-newcomer-was-killed"])
def test_a_worker_back_from_a_pause_to_its_job_started_afresh_by_another_says_it_was_cleared(
        meanwhile, noticed_by, redis_url, job_worker, caplog):
    # While the worker was paused its job was cleared (its last other worker left, or the others
    # were killed too), and a newcomer of the same root started it afresh: the resumed worker
    # gets on the newcomer's roll, its queued requests and fingerprints gone. Its line said only
    # that it was back on the job's roll, as if the job it had left went on, where it says that
    # the job ended when it finds no one and records the root itself.
    from scrapy import Request

    server_redis, job, prefix, paused, other = _a_worker_paused_beside_another(redis_url, job_worker)
    workers = [paused]
    if meanwhile == "the-last-one-left":
        other.close("finished")  # it clears the job
        assert not server_redis.keys(f"{prefix}:*")
    else:
        assert server_redis.delete(f"{prefix}:workers:{other.worker}") == 1  # killed: its heartbeat lapsed
    caplog.clear()
    newcomer, _ = job_worker(job, ROOTS[0], _elsewhere("newcomer"))
    assert newcomer.refused is None and len(newcomer.queue) == 0  # started afresh
    if meanwhile == "the-newcomer-was-killed":
        # No live worker at the job the paused one is back to: it keeps the newcomer's queue.
        assert newcomer.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_3.htm"))
        assert server_redis.delete(f"{prefix}:workers:{newcomer.worker}") == 1
    else:
        workers.append(newcomer)
    caplog.clear()
    _back(paused, noticed_by)
    try:
        assert paused.root_lost is None and not [r for r in caplog.records if r.levelname == "ERROR"]
        assert server_redis.smembers(f"{prefix}:workers") == {each.roll.name.encode() for each in workers}
        assert server_redis.get(f"{prefix}:root") == ROOTS[0].encode()
        # Its own request went with the job; the newcomer's, and the one it queued back, are there.
        assert len(paused.queue) == (meanwhile == "the-newcomer-was-killed") + (noticed_by == "queue")
        lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        killed = [f"distributed crawl: job {prefix}: workers taken for dead, {newcomer.worker}: no heartbeat for over "
                  f"60 s (killed, cut off from Redis, its machine down, or paused): what they were fetching is missing: "
                  f"run the job again once it ends"] if meanwhile == "the-newcomer-was-killed" else []
        assert len(lines) == 1 + len(killed) and lines[1:] == killed, lines
        assert re.fullmatch(
            rf"distributed crawl: job {prefix}: this worker was taken for dead \(no heartbeat for \d+ s: its process "
            rf"was paused or its machine suspended\) and is back on the job's roll; the job had ended meanwhile \(its "
            rf"queue and fingerprints cleared\) and another worker started it afresh from {re.escape(ROOTS[0])}: this "
            rf"worker finishes what it was fetching, which may fetch again what other workers stored", lines[0]), lines[0]
    finally:
        for each in workers:
            each.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


@pytest.mark.parametrize("noticed_by", ["heartbeat", "queue"])
def test_a_worker_back_from_a_pause_to_find_its_job_crawled_from_another_root_stops_taking_requests(
        noticed_by, redis_url, job_worker, caplog):
    import redis
    from scrapy import Request
    from scrapy.exceptions import CloseSpider

    from crawler.distributed import ROOT_REFUSED, SharedQueueIdle
    from crawler.extensions import WORKER_STOPPED

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    paused, _ = job_worker(job, ROOTS[0], _elsewhere("paused"))
    assert paused.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
    _paused_past_its_heartbeat(server_redis, prefix, paused)
    # A worker from another root finds only a dead one on the job: it starts the job afresh.
    other, _ = job_worker(job, ROOTS[1], _elsewhere("other"))
    assert other.refused is None
    assert other.enqueue_request(Request(f"{ROOTS[1]}2023-01/03/node_1.htm"))
    caplog.clear()
    try:
        _back(paused, noticed_by)
        # It takes nothing from the other root's job, nor adds to it, and closes as refused.
        assert paused.next_request() is None
        assert not paused.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_3.htm"))
        assert not paused.has_pending_requests()
        line = (f"distributed crawl: job {prefix} took this worker for dead \\(no heartbeat for \\d+ s: its process was "
                f"paused or its machine suspended\\) and crawls from {re.escape(ROOTS[1])} now, not from this worker's root "
                f"{re.escape(ROOTS[0])}: this worker stopped taking requests, else its issues would be fetched from both "
                f"and their articles stored twice")
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and re.fullmatch(line, errors[0]), errors
        assert paused.stats.get_value(WORKER_STOPPED) == errors[0]
        idle = SharedQueueIdle(paused.spider.crawler, grace=60)
        paused.spider.crawler.engine = type("Engine", (), {"scheduler": paused})()
        with pytest.raises(CloseSpider) as closed:
            idle.spider_idle(paused.spider)
        assert closed.value.reason == ROOT_REFUSED
        paused.close(ROOT_REFUSED)
        # The other root's job is as it was: its worker alone on the roll, its root and queue.
        assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("other").encode()}
        assert server_redis.get(f"{prefix}:root") == ROOTS[1].encode()
        assert [request.url for request in iter(lambda: other.queue.pop(0), None)] == [f"{ROOTS[1]}2023-01/03/node_1.htm"]
    finally:
        other.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


@pytest.mark.parametrize("uses", ["takes", "queues"])
def test_a_worker_paused_right_after_its_check_of_the_roll_neither_takes_from_nor_adds_to_another_roots_job(
        uses, redis_url, job_worker, caplog, monkeypatch):
    # The pause lands after the worker's check of the roll (check_in_if_due: its heartbeat was
    # not overdue yet) and before it takes a request or queues one. Resumed, it must not take
    # the request of the job another root's worker started afresh meanwhile (it would fetch it
    # as a page of its own crawl, and the article go missing from that job), nor queue its own.
    import redis
    from scrapy import Request

    from crawler.distributed import ROOT_REFUSED

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    paused, _ = job_worker(job, ROOTS[0], _elsewhere("paused"))
    assert paused.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
    others = []
    checked = paused.check_in_if_due

    def checked_then_paused() -> None:
        checked()
        if not others:
            _paused_past_its_heartbeat(server_redis, prefix, paused)
            others.append(job_worker(job, ROOTS[1], _elsewhere("other"))[0])
            assert others[0].refused is None
            assert others[0].enqueue_request(Request(f"{ROOTS[1]}2023-01/03/node_1.htm"))

    monkeypatch.setattr(paused, "check_in_if_due", checked_then_paused)
    caplog.clear()
    own = Request(f"{ROOTS[0]}2023-01/03/node_3.htm")
    try:
        if uses == "takes":
            assert paused.next_request() is None
        else:
            assert not paused.enqueue_request(own)
        assert others, "the pause never came"
        assert paused.root_lost is not None and f"crawls from {ROOTS[1]} now" in paused.root_lost
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert errors == [paused.root_lost]
        assert paused.next_request() is None and not paused.enqueue_request(own)
        paused.close(ROOT_REFUSED)
        # The other root's job is as its worker left it: its request queued, none of the first root's
        # fingerprints, its worker alone on the roll.
        assert not server_redis.sismember(f"{prefix}:dupefilter", paused.df.request_fingerprint(own))
        assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("other").encode()}
        assert [request.url for request in iter(others[0].next_request, None)] == [f"{ROOTS[1]}2023-01/03/node_1.htm"]
    finally:
        for other in others:
            other.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


def test_a_worker_resumed_after_its_job_went_to_another_root_ends_refused_and_leaves_that_job_alone(
        redis_url, request, tmp_path, monkeypatch):
    # A real worker stopped (SIGSTOP) past its heartbeat's life, the rest of the minute being
    # its heartbeat key deleted; a worker from another root finds only a dead one on the job and starts it
    # afresh. Resumed, the first must not crawl that job: its queue holds the other root's
    # requests, and what it pushed would be fetched from its own root by the other.
    import redis

    from crawler.distributed import WORKER_BEAT, WORKER_TTL

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    prefix = f"issues:gongyishibao:{job}"
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    logs = [tmp_path / "paused.log", tmp_path / "other.log"]
    with SiteServer(site, prefix=PREFIX) as first_site, SiteServer(site, prefix=PREFIX) as second_site:
        roots = [f"{first_site.url}{PREFIX.lstrip('/')}", f"{second_site.url}{PREFIX.lstrip('/')}"]
        dates = (f"start={issues[0]}", f"end={issues[-1]}")
        paused = start_crawl(f"base_url={roots[0]}", *dates, archive=archive, settings=HOLDING, log=logs[0])
        other = None
        try:
            _wait_for_articles(paused, first_site, logs[0])
            paused.send_signal(signal.SIGSTOP)
            stopped_at = time.monotonic()
            heartbeat = f"{prefix}:workers:{worker_name(paused.pid)}"
            assert server_redis.delete(heartbeat) == 1  # a minute passed
            other = start_crawl(f"base_url={roots[1]}", *dates, archive=archive, settings=HOLDING, log=logs[1])
            _wait_for_articles(other, second_site, logs[1])
            other.send_signal(signal.SIGSTOP)  # still at the job, its heartbeat alive, as the first resumes
            # Stopped long enough that its heartbeat could have lapsed, as the worker tells when
            # it resumes (the rest of WORKER_TTL is its heartbeat key deleted).
            time.sleep(max(0.0, stopped_at + WORKER_TTL - WORKER_BEAT + 2 - time.monotonic()))
            assert server_redis.get(f"{prefix}:root") == roots[1].encode()
            other_heartbeat = f"{prefix}:workers:{worker_name(other.pid)}"
            server_redis.set(other_heartbeat, 1, ex=60)  # the other worker's beats, while it is stopped
            served_before = len(first_site.requests)
            paused.send_signal(signal.SIGCONT)

            def ended_with_the_other_beating() -> bool:
                server_redis.set(other_heartbeat, 1, ex=60)  # the other worker's beats, while it is stopped
                return paused.poll() is not None

            wait_for("the resumed worker ended", ended_with_the_other_beating, said=lambda: logs[0].read_text()[-3000:])
            served_after = [path for path, _ in first_site.requests[served_before:]]
            assert server_redis.smembers(f"{prefix}:workers") == {worker_name(other.pid).encode()}
            assert server_redis.get(f"{prefix}:root") == roots[1].encode()
        finally:
            for worker in (paused, other):
                if worker is not None and worker.poll() is None:
                    worker.send_signal(signal.SIGCONT)
        codes = [paused.wait(240), other.wait(240)]
    outputs = [log.read_text() for log in logs]
    # Both end refused: the resumed one by its job; the other worker by the archive, the issue
    # the resumed one stored first (as it closed) being held from the resumed one's root: it
    # stored its other issue, and nothing of that one, whose articles were stored twice, under
    # both roots, the other worker ending with exit status 0.
    assert codes == [2, 2], [output[-3000:] for output in outputs]
    line = (rf"distributed crawl: job {prefix} took this worker for dead \(no heartbeat for \d+ s: its process was paused "
            rf"or its machine suspended\) and crawls from {re.escape(roots[1])} now, not from this worker's root "
            rf"{re.escape(roots[0])}: this worker stopped taking requests, else its issues would be fetched from both "
            rf"and their articles stored twice")
    errors = re.findall(r"ERROR: (.*)", outputs[0])
    assert len(errors) == 1 and re.fullmatch(line, errors[0]), outputs[0][-3000:]
    assert "Traceback" not in outputs[0] and "Traceback" not in outputs[1]
    # Resumed, it finished at most what it was fetching (one request at a time) and took no more.
    assert len(served_after) <= 1, served_after
    runs = sorted(crawl_runs(archive), key=lambda run: run.id)
    assert [run.status for run in runs] == ["root_refused", "root_refused"]
    assert re.fullmatch(line, runs[0].message)
    # The issues the resumed worker stored a page or article of (as many as it had begun).
    first = [day for day, url in sql_rows(archive, "SELECT issue_date, url FROM issues ORDER BY issue_date")
             if url.startswith(roots[0])]
    refused = re.findall(r"ERROR: (.*)", outputs[1])
    held = f"1 issue of gongyishibao ({first[0]})" if len(first) == 1 else \
        f"{len(first)} issues of gongyishibao ({first[0]} to {first[-1]})"
    assert refused == [runs[1].message] and refused[0].startswith(
        f"the archive holds {held} fetched from {roots[0]}, not from this crawl's root {roots[1]}: "), outputs[1][-3000:]
    # The other root's worker crawled its job whole, each article once, and cleared it; the
    # archive holds each issue's articles from one root.
    stored = _articles_by_root(archive, roots)
    assert stored[roots[1]] == (len(issues) - len(first)) * ARTICLES_PER_ISSUE
    assert stored[roots[0]] == runs[0].articles_new > 0  # what the first had fetched is stored
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT a.title || i.issue_date) FROM articles a "
                             "JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id") == [(sum(stored.values()),) * 2]
    articles = [path for path, _ in second_site.requests if "/content_" in path]
    assert len(articles) == len(set(articles)) == len(issues) * ARTICLES_PER_ISSUE
    assert not server_redis.keys(f"{prefix}:*")


def test_a_worker_resumed_after_its_job_ended_meanwhile_rejoins_it_and_ends_it(redis_url, request, tmp_path, monkeypatch):
    # A real worker stopped (SIGSTOP) past its heartbeat's life (the rest of the minute: its
    # heartbeat key deleted); a worker of the same root finds only a dead one on the job,
    # starts it afresh, crawls it whole and clears it. Resumed, the first gets back on the
    # job's roll, its root recorded again, and ends it: no other root could be let in meanwhile.
    import redis

    from crawler.distributed import WORKER_BEAT, WORKER_TTL

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    server_redis = redis.Redis.from_url(redis_url)
    prefix = f"issues:gongyishibao:{job}"
    issues = ISSUES[:2]
    site = sample_site(tmp_path / "site", issues, pdfs=False)
    logs = [tmp_path / "paused.log", tmp_path / "other.log"]
    with SiteServer(site, prefix=PREFIX) as server:
        args = (base_url_arg(server), f"start={issues[0]}", f"end={issues[-1]}")
        paused = start_crawl(*args, archive=archive, settings=KILLABLE, log=logs[0])
        try:
            _wait_for_articles(paused, server, logs[0])
            paused.send_signal(signal.SIGSTOP)
            stopped_at = time.monotonic()
            assert server_redis.delete(f"{prefix}:workers:{worker_name(paused.pid)}") == 1
            other = start_crawl(*args, archive=archive, settings=KILLABLE, log=logs[1])
            assert other.wait(240) == 0, logs[1].read_text()[-3000:]
            assert not server_redis.keys(f"{prefix}:*")  # the job ended, cleared
            # Stopped long enough that its heartbeat could have lapsed (the rest of WORKER_TTL
            # is its heartbeat key deleted).
            time.sleep(max(0.0, stopped_at + WORKER_TTL - WORKER_BEAT + 2 - time.monotonic()))
        finally:
            paused.send_signal(signal.SIGCONT)
        code = paused.wait(240)
    output = logs[0].read_text()
    assert code == 0, output[-3000:]
    rejoined = re.findall(r"WARNING: (distributed crawl: .*taken for dead.*)", output)
    assert len(rejoined) == 1 and re.fullmatch(
        rf"distributed crawl: job {prefix}: this worker was taken for dead \(no heartbeat for \d+ s: its process was "
        rf"paused or its machine suspended\) and is back on the job's roll; the job had ended meanwhile \(its queue and "
        rf"fingerprints cleared\): it records its root {re.escape(args[0].split('=', 1)[1])} again and finishes what it "
        rf"was fetching, which may fetch again what other workers stored", rejoined[0]), rejoined
    assert "ERROR" not in output and "Traceback" not in output
    _assert_issues_complete(archive, issues)
    assert [run.status for run in crawl_runs(archive)] == ["finished", "finished"]
    assert not server_redis.keys(f"{prefix}:*")  # the last one out, it cleared the job again


def test_a_page_whose_article_another_worker_stored_first_counts_new_in_crawl_runs(redis_url, request, tmp_path,
                                                                                    monkeypatch):
    """Workers share a page's articles through the queue: one may store a page's article (and
    with it a bare row of the page) before the worker that fetched the page stores it. That page
    is stored new all the same, or the job's pages_new would not add up to the pages it stored."""
    archive = postgres_database(request)
    _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
    day = ISSUES[0]
    with SiteServer(site, prefix=PREFIX) as server:
        root = f"{server.url}{PREFIX.lstrip('/')}"
        issue = f"{root}html/{day:%Y-%m}/{day:%d}/"
        # What the other worker's batch wrote: page 7's first article, before page 7 itself.
        opened = open_archive(archive)
        try:
            opened.store_batch([], [{
                "paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": day.isoformat(),
                "issue_url": f"{issue}node_1.htm", "page_number": 7, "page_url": f"{issue}node_9.htm",
                "url": f"{issue}content_306509.htm", "title": "标题", "body": "正文", "body_original": "正文",
            }])
        finally:
            opened.close()
        done = run_crawl(f"base_url={root}", f"date={day}", archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:1])
    [run] = crawl_runs(archive)
    assert (run.pages_new, run.pages_updated) == (16, 0)
    assert re.search(r"summary: .*; pages 16 new, 0 updated, 0 failed;", done.stderr), done.stderr[-2000:]


def test_an_article_stored_before_its_page_is_filed_under_the_pages_section_even_if_the_page_never_comes(
        redis_url, request, tmp_path, monkeypatch):
    """An article another worker stores before the page it was linked from leaves a row of the
    page to hang on. That row held no heading ('' for page_label and section) till the page came,
    and for good if it never did (its worker was killed): the article was out of its section in
    article_view, `archive export --section` and `archive search --section`. The article carries
    the heading of the page it came from, and the row is written with it."""
    import json

    from crawler.settings import ITEM_PIPELINES

    archive = postgres_database(request)
    _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
    day = ISSUES[0]
    # Page 7 (node_9.htm) fetched, its articles queued and stored, its own item lost.
    lost = {"ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.LosingPipeline": 150}),
            "LOST_URL_SUFFIX": "node_9.htm"}
    with SiteServer(site, prefix=PREFIX) as server:
        root = f"{server.url}{PREFIX.lstrip('/')}"
        done = run_crawl(f"base_url={root}", f"date={day}", archive=archive, settings=KILLABLE | lost)
        assert "lost with its worker" in done.stderr, done.stderr[-3000:]
        [(label, section, section_original, expected)] = sql_rows(
            archive, "SELECT page_label, section, section_original, articles_expected FROM pages WHERE page_number = 7")
        assert expected is None  # the page's own item never came: this is the articles' row of it
        assert label and section and section_original, (label, section, section_original)
        filed = sql_rows(archive, "SELECT url, section FROM article_view WHERE page_number = 7 ORDER BY url")
        assert filed and {s for _, s in filed} == {section}
        exported = archive_command("export", "--section", section, archive=archive)
        assert exported.returncode == 0, exported.stderr
        assert {json.loads(line)["url"] for line in exported.stdout.splitlines()} >= {url for url, _ in filed}
        # Run again, the page is stored from its own fetch: new to that run, under the heading
        # its articles gave it.
        again = run_crawl(f"base_url={root}", f"date={day}", archive=archive, settings=KILLABLE)
    assert again.returncode == 0, again.stderr[-3000:]
    _assert_issues_complete(archive, ISSUES[:1])
    assert crawl_runs(archive)[0].pages_new == 1
    assert sql_rows(archive, "SELECT page_label, section, section_original FROM pages WHERE page_number = 7") == [
        (label, section, section_original)]


def _documented_key_deletion() -> str:
    """The shell lines docs/operations.md gives to delete a killed job's keys now."""
    text = (PROJECT / "docs" / "operations.md").read_text(encoding="utf-8")
    blocks = [block for block in re.findall(r"```sh\n(.*?)```", text, re.S) if "redis-cli" in block]
    assert len(blocks) == 1, blocks
    return re.sub(r"(?m)^ {2}", "", blocks[0])


def test_the_documented_deletion_of_a_killed_job_s_keys_leaves_every_other_job_alone(redis_url, job_worker):
    # A job whose processes were all killed, and a job whose name goes on from its name (the
    # same dates with -a refresh=1: its keys `<job>:refresh:*`) still crawling. The command the
    # docs gave, a scan of `<job>:*`, deleted the running job's queue, fingerprints and root too.
    import redis
    from scrapy import Request

    from crawler.distributed import WORKER_TTL

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    killed, _ = job_worker(job, ROOTS[0], _elsewhere("killed"))
    assert killed.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
    running, _ = job_worker(f"{job}:refresh", ROOTS[0], _elsewhere("running"))
    assert running.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
    try:
        others = {key: server_redis.dump(key) for key in server_redis.keys(f"{prefix}:refresh:*")}
        assert len(others) == 5  # its queue, fingerprints, root, roll and heartbeat
        lines = re.sub(r"(?m)^job=.*$", f"job={prefix}", _documented_key_deletion())
        done = subprocess.run(["sh", "-c", lines], env=os.environ | {"REDIS_URL": redis_url},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        # The running job is as it was.
        assert {key: server_redis.dump(key) for key in server_redis.keys(f"{prefix}:refresh:*")} == others
        # The killed one's keys are gone, but for its worker's heartbeat, which lapses by itself.
        left = [key for key in server_redis.keys(f"{prefix}:*") if not key.startswith(f"{prefix}:refresh:".encode())]
        assert left == [f"{prefix}:workers:{_elsewhere('killed')}".encode()]
        assert 0 < server_redis.ttl(left[0]) <= WORKER_TTL
    finally:
        running.close("finished")
        server_redis.delete(*server_redis.keys(f"{prefix}:*") or ["none"])


@pytest.mark.parametrize("meanwhile", ["nobody", "another-root"])
def test_a_worker_whose_job_s_keys_were_lost_while_it_beat_is_not_told_paused(meanwhile, redis_url, job_worker, caplog):
    # The job's keys gone under a worker that never missed a heartbeat (Redis restarted without
    # its data, the keys deleted by hand): it finds itself off the roll as a paused worker does
    # and gets back on it, or stops if another root's worker started the job meanwhile. Its
    # line said it was taken for dead, its process paused or its machine suspended, for a
    # heartbeat last sent seconds before: the operator looked for a pause that never was.
    import redis
    from scrapy import Request

    server_redis = redis.Redis.from_url(redis_url)
    job = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"issues:gongyishibao:{job}"
    worker, _ = job_worker(job, ROOTS[0], _elsewhere("worker"))
    others = []
    try:
        assert worker.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_1.htm"))
        server_redis.delete(*server_redis.keys(f"{prefix}:*"))
        if meanwhile == "another-root":
            others.append(job_worker(job, ROOTS[1], _elsewhere("other"))[0])
        caplog.clear()
        worker.beat()
        lines = [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
        # Back on a job its keys' loss ended, it also says, once, that the job's queue was lost.
        assert len(lines) == (2 if meanwhile == "nobody" else 1), lines
        assert "paused" not in lines[0] and "taken for dead" not in lines[0] and "took this worker for dead" not in lines[0]
        assert re.search(r"though it sent its heartbeat \d+ s ago \(the job's keys were deleted: Redis restarted "
                         r"without its data, or they were deleted by hand\)", lines[0]), lines[0]
        if meanwhile == "nobody":
            assert worker.root_lost is None
            assert server_redis.smembers(f"{prefix}:workers") == {_elsewhere("worker").encode()}
            assert server_redis.get(f"{prefix}:root") == ROOTS[0].encode()
            assert lines[1] == worker.queue_lost and "its queue was lost in Redis" in lines[1]
        else:
            assert worker.root_lost == lines[0]
            assert f"crawls from {ROOTS[1]} now, not from this worker's root {ROOTS[0]}" in lines[0]
    finally:
        for each in [*others, worker]:
            each.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


@pytest.mark.parametrize("noticed_by", ["heartbeat", "queue"])
def test_a_worker_that_rejoins_a_job_that_ended_leases_the_keys_it_makes_anew(noticed_by, redis_url, job_worker):
    # Back on the roll of a job cleared meanwhile, the worker queues afresh: the fingerprints
    # it made had no expiry until its next heartbeat, and a worker killed before that left them
    # in Redis for good, where a killed job's keys expire after JOB_TTL.
    from scrapy import Request

    from crawler.distributed import JOB_TTL

    server_redis, _, prefix, paused, other = _a_worker_paused_beside_another(redis_url, job_worker, queued_by="other")
    other.close("finished")  # the last one on the roll: it clears the job
    assert not server_redis.keys(f"{prefix}:*")
    try:
        _back(paused, noticed_by)
        assert paused.enqueue_request(Request(f"{ROOTS[0]}2023-01/03/node_3.htm"))
        keys = [key.decode() for key in server_redis.keys(f"{prefix}:*")]
        assert {f"{prefix}:requests", f"{prefix}:dupefilter", f"{prefix}:root", f"{prefix}:workers"} <= set(keys)
        # Killed now, it leaves nothing that does not expire.
        assert {key: 0 < server_redis.ttl(key) <= JOB_TTL for key in keys} == dict.fromkeys(keys, True)
    finally:
        paused.close("finished")
    assert not server_redis.keys(f"{prefix}:*")


def test_workers_of_a_latest_job_ask_again_the_incomplete_issues_of_its_window_once_between_them(
        redis_url, request, tmp_path, monkeypatch, paper_day):
    # A crawl of the newest issue asks again the issues of its look-back window the archive
    # holds incomplete: every worker of the job reads the archive as it starts and asks them,
    # the job's shared fingerprints keeping each request to one worker.
    from tests.test_incremental import MANIFEST, _assert_complete, _entry, _point_index, _two_recent_issues

    archive = postgres_database(request)
    older, newest, site = _two_recent_issues(tmp_path, paper_day)
    lost = PREFIX + MANIFEST["pages"][0]["articles"][1].replace("2023-01/31", f"{older:%Y-%m}/{older:%d}")
    settings = {"ARCHIVE_FETCH_PDFS": "False", "CONCURRENT_REQUESTS": "2", "DOWNLOAD_DELAY": "0.02",
                "DISTRIBUTED_IDLE_SECONDS": "1", "ARCHIVE_BATCH_SIZE": "5"}
    with SiteServer(site, prefix=PREFIX, faults={lost: [500] * 3}) as server:
        base = base_url_arg(server)
        assert run_crawl(base, f"date={older}", archive=archive, settings=settings).returncode == 4  # one article lost
        _point_index(site, newest)
        before = len(server.requests)
        _distributed_job(monkeypatch, redis_url)
        codes, outputs = job_workers([base], archive, settings, tmp_path / "job", 3)
        asked = [r.path for r in server.requests[before:] if not r.path.endswith(("robots.txt", "paperindex.htm"))]
    assert codes == [0, 0, 0], [output[-3000:] for output in outputs]
    older_entry = _entry(older)
    # The older issue: its entry page and its lost article, once each; the newest whole, each file once.
    assert sorted(path for path in asked if f"/{older:%Y-%m}/{older:%d}/" in path) == sorted([older_entry, lost])
    assert len(asked) == len(set(asked)) == 2 + 16 + ARTICLES_PER_ISSUE
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT url) FROM articles") == [(2 * ARTICLES_PER_ISSUE,) * 2]
    _assert_complete(archive, older, newest)


def test_workers_of_a_latest_job_whose_latest_page_refreshes_to_another_spelling_of_the_root_fetch_the_issue_once(
        redis_url, request, tmp_path, monkeypatch, paper_day):
    # The latest-issue page of the job's root (127.0.0.1) refreshes to the newest issue under
    # another name of the same host (localhost), and an earlier run failed to fetch that issue:
    # the job asks it again from its root, and the refresh named it from the other.
    from tests.test_incremental import _entry, _two_recent_issues

    archive = postgres_database(request)
    _, newest, site = _two_recent_issues(tmp_path, paper_day)
    settings = {"ARCHIVE_FETCH_PDFS": "False", "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.02",
                "DISTRIBUTED_IDLE_SECONDS": "1", "ARCHIVE_BATCH_SIZE": "5"}
    with SiteServer(site, prefix=PREFIX, faults={_entry(newest): [503] * 3}) as server:
        index = site / "paperindex.htm"
        html = index.read_text(encoding="utf-8")
        target = f"http://localhost:{server.port}{_entry(newest)}"
        index.write_text(html.replace(html.split("URL=")[1].split('"')[0], target), encoding="utf-8")
        base = base_url_arg(server)
        assert run_crawl(base, archive=archive, settings=settings).returncode == 4  # its entry page failed
        before = len(server.requests)
        _distributed_job(monkeypatch, redis_url)
        codes, outputs = job_workers([base], archive, settings, tmp_path / "job", 2)
        asked = [r.path for r in server.requests[before:] if not r.path.endswith(("robots.txt", "paperindex.htm"))]
    assert codes == [0, 0], [output[-3000:] for output in outputs]
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT url) FROM articles") == [(ARTICLES_PER_ISSUE,) * 2]
    assert len(asked) == len(set(asked)) == 16 + ARTICLES_PER_ISSUE, sorted(asked)


@pytest.mark.parametrize("mode", ["Distributed", " distributed ", "ＤＩＳＴＲＩＢＵＴＥＤ"])
def test_the_crawl_mode_is_read_in_any_capitals_or_widths_without_blanks(redis_url, request, tmp_path, monkeypatch, mode):
    """CRAWL_MODE read as a paper's code is: `CRAWL_MODE=Distributed` was refused as an unknown mode."""
    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    monkeypatch.setenv("CRAWL_MODE", mode)
    site = sample_site(tmp_path / "site", ISSUES[:1], pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl(f"base_url={server.url}{PREFIX.lstrip('/')}", f"date={ISSUES[0]}", archive=archive, settings=KILLABLE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"distributed crawl: job issues:gongyishibao:{job}, worker " in done.stderr
    _assert_issues_complete(archive, ISSUES[:1])


@pytest.mark.parametrize("mode", ["Distributed", " distributed "])
def test_a_crawl_mode_read_as_distributed_is_checked_as_distributed(sqlite_url, mode):
    result = run_crawl("date=2023-01-31", archive=sqlite_url, settings={"CRAWL_MODE": mode})
    assert (result.returncode, result.stderr.strip()) == (
        2, "error: CRAWL_MODE=distributed needs a PostgreSQL archive (ARCHIVE_URL=postgresql+psycopg://...)")


def test_an_unknown_crawl_mode_given_with_blanks_is_named_without_them(sqlite_url):
    result = run_crawl("date=2023-01-31", archive=sqlite_url, settings={"CRAWL_MODE": " Cluster "})
    assert (result.returncode, result.stderr.strip()) == (2, "error: unknown CRAWL_MODE 'Cluster' (known: local, distributed)")


@contextmanager
def _a_worker_fails_issues_of_another_s_dates(redis_url, request, tmp_path, monkeypatch, first: list[str],
                                              second: tuple[date, date], extra: list[date] = ()):
    """Two workers of one CRAWL_JOB over the sample site of ISSUES and ``extra`` (issues on days
    the profile schedules none on): the second, given the range ``second``, is held (SIGSTOP)
    once it has queued its dates, so the first, given the arguments ``first``, fetches them. The
    entry pages of the second's dates and of ``extra`` fail once. The archive, the dates the
    first failed, its failure line (a match: the dates, its own, the issues, the advice) and log,
    while the site is served (its faults spent)."""
    import redis

    archive = postgres_database(request)
    job = _distributed_job(monkeypatch, redis_url)
    site = sample_site(tmp_path / "site", sorted([*ISSUES, *extra]), pdfs=False)
    others = [day for day in ISSUES if second[0] <= day <= second[1]] + list(extra)
    faults = {f"{PREFIX}html/{day:%Y-%m}/{day:%d}/node_1.htm": [500] for day in others}
    settings = DEAD_LINK_SETTINGS | {"RETRY_TIMES": "0"}
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with SiteServer(site, prefix=PREFIX, faults=faults) as server:
        redis_server = redis.Redis.from_url(redis_url)
        held = start_crawl(base_url_arg(server), f"start={second[0]}", f"end={second[1]}", archive=archive,
                           settings=settings, log=logs[1])
        deadline = time.monotonic() + 120
        while not server.requests:
            assert held.poll() is None and time.monotonic() < deadline, logs[1].read_text()[-3000:]
            time.sleep(0.01)
        held.send_signal(signal.SIGSTOP)
        try:
            assert redis_server.zcard(f"issues:gongyishibao:{job}:requests") > 0
            worker = start_crawl(base_url_arg(server), *first, archive=archive, settings=settings, log=logs[0])
            _wait_till_quiet(server, redis_server, f"issues:gongyishibao:{job}:requests", worker, logs[0])
        finally:
            held.send_signal(signal.SIGCONT)
        codes = [each.wait(240) for each in (worker, held)]
        output = logs[0].read_text()
        failed = sorted(re.findall(r"ERROR: issue of 公益时报 on (\S+) not fetched \(HTTP 500\)", output))
        assert codes[0] == 4 and failed and set(failed) <= {day.isoformat() for day in others}, output[-3000:]
        line = re.search(r"ERROR: not fetched: 公益时报 \(gongyishibao\) (.+?) \(this worker was given (\S+)\): "
                         r"(\d+) issues?, .*; run again with (.+) to fetch them$", output, re.M)
        assert line, output[-3000:]
        yield archive, failed, line, output


def _advised_runs(advice: str) -> list[list[str]]:
    """The ``-a`` values of each run a failure line's "run again with …" names."""
    runs = [words.split() for words in advice.split(", and with ")]
    assert all(run[0::2] == ["-a"] * (len(run) // 2) for run in runs), advice
    return [run[1::2] for run in runs]


def _run_as_advised(archive: str, advice: str, failed: list[str]) -> None:
    """Runs what the advice names, each run ending with exit status 0: the issues of ``failed`` are then complete."""
    for run in _advised_runs(advice):
        again = run_crawl(*run, archive=archive, settings=DEAD_LINK_SETTINGS | {"RETRY_TIMES": "0"})
        assert again.returncode == 0, again.stderr[-3000:]
    opened = open_archive(archive)
    try:
        states = opened.issue_states("gongyishibao", date.fromisoformat(failed[0]), date.fromisoformat(failed[-1]))
    finally:
        opened.close()
    assert all(day in states and states[day].complete for day in map(date.fromisoformat, failed)), (advice, states)


def test_a_worker_that_fails_an_issue_of_another_worker_s_dates_names_that_issue_s_date_and_a_run_that_fetches_it(
        redis_url, request, tmp_path, monkeypatch):
    # docs/operations.md, "Several machines": workers of one CRAWL_JOB given different dates fetch
    # each other's issues. The first worker's failure line and summary named its own span as
    # where they failed, and "run again" asked its own dates.
    spans = [(ISSUES[0], ISSUES[2]), (ISSUES[3], ISSUES[-1])]
    with _a_worker_fails_issues_of_another_s_dates(redis_url, request, tmp_path, monkeypatch,
                                                   [f"start={spans[0][0]}", f"end={spans[0][1]}"], spans[1]) as failing:
        archive, failed, line, output = failing
        # The run the line names fetches them (the site serves them now).
        assert len(_advised_runs(line[4])) == 1, line[4]
        _run_as_advised(archive, line[4], failed)
    # The failure line names the issues' dates, not the worker's span, and a run that fetches them.
    assert line[1].split(", ") == failed and line[2] == f"{spans[0][0]}..{spans[0][1]}" and int(line[3]) == len(failed)
    assert f"not fetched: 公益时报 (gongyishibao) {spans[0][0]}..{spans[0][1]}:" not in output
    # Its crawl_runs row keeps the dates it was given, its message the line's.
    row = next(run for run in crawl_runs(archive) if run.dates_asked == f"{spans[0][0]}..{spans[0][1]}")
    assert row.status == "failed" and line[0].removeprefix("ERROR: ") in row.message, row.message
    # The summary says what failed is of those dates, not of the worker's own.
    assert re.search(rf"summary: gongyishibao {spans[0][0]}\.\.{spans[0][1]} \(finished\): .*; failed: issues of "
                     rf"{re.escape(', '.join(failed))} \(this worker was given {spans[0][0]}\.\.{spans[0][1]}\); job ",
                     output), output[-3000:]


def test_the_run_again_a_worker_advises_fetches_the_issue_it_failed_on_a_day_the_profile_schedules_none_on(
        redis_url, request, tmp_path, monkeypatch):
    # A paper prints an extra issue now and then: given alone (-a date=) it is asked whether the
    # profile schedules one that day or not, but a range asks the scheduled days alone. A worker
    # that failed it with issues of another worker's dates advised the range from the first
    # date to the last: run as advised, it left the extra issue out, with exit status 0.
    extra = ISSUES[3] - timedelta(days=1)  # a Monday; the paper comes out on Tuesdays
    with _a_worker_fails_issues_of_another_s_dates(redis_url, request, tmp_path, monkeypatch, [f"date={extra}"],
                                                   (ISSUES[3], ISSUES[-1]), [extra]) as (archive, failed, line, _):
        assert failed[0] == extra.isoformat() and len(failed) > 1 and line[2] == extra.isoformat(), line[0]
        _run_as_advised(archive, line[4], failed)
