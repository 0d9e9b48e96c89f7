"""A batch whose COMMIT the client was told failed, on SQLite and PostgreSQL: the store pipeline
writes it again only when it did not commit, so its counts (the run's row in crawl_runs, the
crawl's stats, dead_links.runs and absent_issues.runs) are added once, its articles new ones,
whichever side of the commit the failure fell on. Unit tests of StorePipeline.store over a
real archive, and a real `scrapy crawl` whose first commits' acknowledgements are lost; and
`archive reprocess`, whose batches are tried again by the same code (storage/retrying.py)."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

import pipelines.store
import storage.retrying
from storage.cli import EXIT_ERROR, main
from storage.db import Archive, open_archive
from tests.conftest import crawl_runs, crawl_site, sql_rows, stored_article_urls
from tests.crawl_faults import at_first_batch, lose_commit_acknowledgements, refuse_commits
from tests.test_storage import article, page

AT = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
EARLIER = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
CONTEXT = {k: page()[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url")}
DEAD_URL = "http://x/html/2023-01/31/content_9.htm"
COUNTED = ("pages_new", "pages_updated", "articles_new", "articles_updated", "articles_changed", "dates_without_issue")


class Stats:
    """What the pipeline asks of Scrapy's stats collector."""

    def __init__(self, run: int | None) -> None:
        self.values: dict = {"archive/run_id": run}

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def set_value(self, key, value) -> None:
        self.values[key] = value

    def inc_value(self, key, count=1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def _dead(at: datetime) -> dict:
    return CONTEXT | {"kind": "article", "url": DEAD_URL, "status": 404, "fetched_at": at}


def _absent(at: datetime) -> dict:
    return {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-30",
            "url": "http://x/html/2023-01/30/node_1.htm", "status": 404, "reason": "status", "fetched_at": at}


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(storage.retrying, "RETRY_WAITS", (0.01,) * 5)


def _archive_with_a_run(url: str):
    """An archive holding article 2 (as a run before this one stored it) and one answer of 404
    for article 9; a run under way, and a store pipeline writing into it."""
    archive = open_archive(url)
    archive.store_batch([page(fetched_at=EARLIER)], [article(2, fetched_at=EARLIER, body="更正前")], dead=[_dead(EARLIER)])
    run = archive.start_run("gongyishibao", "2023-01-31")
    pipeline = pipelines.store.StorePipeline(url)
    pipeline.archive, pipeline.stats = archive, Stats(run)
    return archive, pipeline, run


def _write(pipeline: pipelines.store.StorePipeline) -> None:
    """One batch: page 7 again, article 1 new, article 2 corrected, article 9 still 404, a date
    without an issue; through flush, as the crawl writes it."""
    pipeline.pages = [page(fetched_at=AT)]
    pipeline.articles = [article(1, fetched_at=AT), article(2, fetched_at=AT, body="更正后")]
    pipeline.dead, pipeline.absent = [_dead(AT)], [_absent(AT)]
    asyncio.run(pipeline.flush())


def _assert_counted_once(url: str, pipeline, run: int) -> None:
    expected = {"pages_new": 0, "pages_updated": 1, "articles_new": 1, "articles_updated": 1, "articles_changed": 1,
                "dates_without_issue": 1}
    stats = pipeline.stats.values
    assert {k: stats.get(f"archive/{k}") for k in COUNTED} == expected
    assert (stats["archive/articles_stored"], stats["archive/article_versions"]) == (2, 1)
    assert not any(key.endswith("/failed/archive") for key in stats)
    (row,) = sql_rows(url, f"SELECT {', '.join(COUNTED)} FROM crawl_runs WHERE id = :run", run=run)
    assert dict(zip(COUNTED, row)) == expected
    assert sql_rows(url, "SELECT runs FROM dead_links") == [(2,)]  # the answer before and this one
    assert sql_rows(url, "SELECT runs FROM absent_issues") == [(1,)]
    assert sql_rows(url, "SELECT a.url, v.body FROM article_versions v JOIN articles a ON a.id = v.article_id") == [
        (article(2)["url"], "更正前")]
    one, two = article(1)["url"], article(2)["url"]
    assert sql_rows(url, "SELECT url, body FROM articles WHERE url IN (:one, :two) ORDER BY url", one=one, two=two) == [
        (one, "第一段\n第二段"), (two, "更正后")]


def test_a_batch_whose_commit_was_acknowledged_lost_is_not_written_nor_counted_again(archive_url, fast_retries, caplog):
    archive, pipeline, run = _archive_with_a_run(archive_url)
    try:
        lost = lose_commit_acknowledgements(archive)
        with caplog.at_level(logging.INFO, logger="pipelines.store"):
            _write(pipeline)
        assert lost == [1]
        _assert_counted_once(archive_url, pipeline, run)
        messages = [r.getMessage() for r in caplog.records]
        assert "archive write failed (server closed the connection unexpectedly): trying again in 0.01 s" in messages
        assert any("stored all the same" in m and "not written again" in m for m in messages), messages
    finally:
        archive.close()


def test_a_batch_whose_commit_failed_before_it_happened_is_written_again_and_counted_once(archive_url, fast_retries):
    archive, pipeline, run = _archive_with_a_run(archive_url)
    failed = refuse_commits(archive)
    try:
        _write(pipeline)
        assert failed == [1]
        _assert_counted_once(archive_url, pipeline, run)
    finally:
        archive.close()


def test_a_batch_is_asked_about_again_while_the_archive_cannot_say_whether_it_committed(archive_url, fast_retries,
                                                                                         monkeypatch, caplog):
    # The server still restarting when first asked, then a transaction it has not finished with.
    archive, pipeline, run = _archive_with_a_run(archive_url)
    asked = archive.batch_committed
    answers = [OperationalError("SELECT", {}, Exception("the database system is starting up")), None]

    def batch_committed(commit):
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return asked(commit)

    monkeypatch.setattr(archive, "batch_committed", batch_committed)
    try:
        lose_commit_acknowledgements(archive)
        with caplog.at_level(logging.WARNING, logger="pipelines.store"):
            _write(pipeline)
        assert not answers
        assert len([r for r in caplog.records if "trying again" in r.getMessage()]) == 3
        _assert_counted_once(archive_url, pipeline, run)
    finally:
        archive.close()


def test_a_batch_without_a_run_row_counts_once_in_the_crawls_stats(archive_url, fast_retries):
    archive, pipeline, run = _archive_with_a_run(archive_url)
    pipeline.stats = Stats(None)
    try:
        lose_commit_acknowledgements(archive)
        _write(pipeline)
        stats = pipeline.stats.values
        assert (stats["archive/articles_new"], stats["archive/articles_updated"], stats["archive/pages_updated"]) == (1, 1, 1)
        assert sql_rows(archive_url, "SELECT runs FROM dead_links") == [(2,)]
        assert sql_rows(archive_url, "SELECT runs FROM absent_issues") == [(1,)]
        assert sql_rows(archive_url, "SELECT articles_new FROM crawl_runs WHERE id = :run", run=run) == [(0,)]
    finally:
        archive.close()


def test_another_writers_batch_committed_meanwhile_does_not_confuse_the_check(postgres_url, fast_retries, monkeypatch):
    # A distributed job's other worker (a process, a run row and transactions of its own) stores
    # a batch between the lost acknowledgement and the question.
    archive, pipeline, run = _archive_with_a_run(postgres_url)
    other = open_archive(postgres_url)
    other_run = other.start_run("gongyishibao", "2023-01-31")
    asked = archive.batch_committed

    def batch_committed(commit):
        other.store_batch([page(8, fetched_at=AT)], [article(3, number=8, fetched_at=AT)], run=other_run)
        return asked(commit)

    monkeypatch.setattr(archive, "batch_committed", batch_committed)
    try:
        lose_commit_acknowledgements(archive)
        _write(pipeline)
        assert sql_rows(postgres_url, "SELECT pages_new, articles_new FROM crawl_runs WHERE id = :run", run=other_run) == [(1, 1)]
        _assert_counted_once(postgres_url, pipeline, run)
    finally:
        archive.close()
        other.close()


def test_a_crawl_whose_first_commits_acknowledgements_are_lost_counts_each_batch_once(archive_url):
    from crawler.settings import ITEM_PIPELINES

    settings = {
        "ARCHIVE_FETCH_PDFS": "False", "ARCHIVE_BATCH_SIZE": "8", "LOST_COMMIT_ACKS": "3",
        "ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.LosingCommitAcknowledgements": 50}),
    }
    result = crawl_site(archive_url, settings=settings).done
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    (pages,), = sql_rows(archive_url, "SELECT COUNT(*) FROM pages")
    articles = len(stored_article_urls(archive_url))
    assert articles == 20
    (run,) = crawl_runs(archive_url)
    assert (run.status, run.pages_new, run.pages_updated, run.articles_new, run.articles_updated, run.articles_changed) == (
        "finished", pages, 0, articles, 0, 0)
    assert re.search(rf"'archive/articles_new': {articles},", result.stderr)
    assert "'archive/articles_updated'" not in result.stderr or "'archive/articles_updated': 0," in result.stderr
    assert sql_rows(archive_url, "SELECT COUNT(*) FROM article_versions") == [(0,)]
    # Each of the three batches tried once more, and found stored.
    retried = re.findall(r"WARNING: archive write failed \(.+\): trying again in 1 s\n", result.stderr)
    assert len(retried) == 3, result.stderr[-3000:]
    assert len(re.findall(r"INFO: archive write: the batch was stored all the same .*not written again", result.stderr)) == 3


def test_a_crawl_whose_batch_committed_unbeknown_to_it_ends_with_a_row_of_what_was_stored(archive_url):
    # The first batch commits, its acknowledgement is lost, and the archive cannot say whether it
    # committed for as long as the store asks: the crawl counts it failed (its stats leave it
    # out), yet its pages and articles are stored and its transaction added them to the row.
    # The row's end wrote the stats' counts over the batches': a run that stored every article
    # said it stored 8 of its 16 pages.
    from crawler.settings import ITEM_PIPELINES

    settings = {
        "ARCHIVE_FETCH_PDFS": "False", "ARCHIVE_BATCH_SIZE": "8", "LOST_COMMIT_ACKS": "1", "UNANSWERED_COMMITS": "True",
        "ITEM_PIPELINES": json.dumps(ITEM_PIPELINES | {"tests.crawl_faults.LosingCommitAcknowledgements": 50}),
    }
    result = crawl_site(archive_url, settings=settings).done
    assert "Traceback" not in result.stderr
    assert len(re.findall(r"ERROR: archive write failed \(the database system is starting up\)", result.stderr)) == 1, \
        result.stderr[-3000:]
    (pages,), = sql_rows(archive_url, "SELECT COUNT(*) FROM pages")
    articles = len(stored_article_urls(archive_url))
    assert articles == 20
    stats_new = int(re.search(r"'archive/pages_new': (\d+),", result.stderr)[1])
    assert stats_new < pages  # the batch (of pages, the first items) the crawl took for failed
    (run,) = crawl_runs(archive_url)
    assert (run.status, run.pages_new, run.pages_updated, run.articles_new, run.articles_updated) == (
        "failed", pages, 0, articles, 0)


# --- archive reprocess: its batches tried again as the crawl's are ------------------------------

# A reprocess's row, and what the archive holds after it.
REPROCESS_ROWS = ("SELECT status, message, pages_new, pages_updated, pages_failed, articles_new, articles_updated, "
                  "articles_changed, articles_failed, dates_without_issue FROM crawl_runs WHERE kind = 'reprocess' ORDER BY id")
ARCHIVED = ("SELECT a.url, a.title, a.body, a.extraction, p.url, p.articles_expected, p.pdf_text_status "
            "FROM articles a JOIN pages p ON p.id = a.page_id ORDER BY a.url")
RETRY_LINE = "warning: archive write failed ({}): trying again in 0.01 s"
STORED_ANYWAY = ("warning: archive write: the batch was stored all the same (its commit went through before the "
                 "connection was lost): not written again")


@pytest.fixture
def crawled(archive_url) -> str:
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    return archive_url


def _reprocess(url: str, capsys) -> tuple[int, list[str]]:
    """`archive reprocess`: its status, and its lines but the progress lines."""
    status = main(["--archive", url, "reprocess"])
    return status, [line for line in capsys.readouterr().err.splitlines() if not line.startswith("reprocessed ")]


@pytest.mark.parametrize("fault, said", [
    (lambda archive: lose_commit_acknowledgements(archive), [RETRY_LINE.format("server closed the connection unexpectedly"),
                                                             STORED_ANYWAY]),
    (lambda archive: refuse_commits(archive), [RETRY_LINE.format("database is locked")]),
], ids=["commit-acknowledgement-lost", "database-locked"])
def test_reprocess_tries_a_batch_again_after_a_passing_failure_and_counts_it_once(crawled, fast_retries, monkeypatch,
                                                                                  capsys, fault, said):
    # A server restarting, a deadlock, SQLite's lock held beyond its wait: the command failed
    # partway, where a crawl tries the batch again.
    assert _reprocess(crawled, capsys)[0] == 0
    clean = sql_rows(crawled, ARCHIVED)
    (_, clean_said) = _reprocess(crawled, capsys)
    faults: list[list[int]] = []
    monkeypatch.setattr(Archive, "store_batch", at_first_batch(Archive.store_batch, lambda archive: faults.append(fault(archive))))
    status, lines = _reprocess(crawled, capsys)
    assert faults == [[1]]
    assert (status, lines) == (0, said + clean_said)
    assert sql_rows(crawled, ARCHIVED) == clean
    first, second, faulty = sql_rows(crawled, REPROCESS_ROWS)
    assert faulty == second and faulty[0] == "finished" and faulty[6] > 0  # counted once, as a clean reprocess counts


def test_reprocess_stops_at_a_permanent_database_error_in_one_line(crawled, fast_retries, monkeypatch, capsys):
    before = sql_rows(crawled, ARCHIVED)
    denied = "permission denied for table articles"
    monkeypatch.setattr(Archive, "store_batch", at_first_batch(
        Archive.store_batch, lambda archive: refuse_commits(archive, message=denied, error="ProgrammingError")))
    status, lines = _reprocess(crawled, capsys)
    assert (status, lines) == (EXIT_ERROR, [f"error: database error: {denied}"])
    assert sql_rows(crawled, ARCHIVED) == before
    ((row_status, message, *counts),) = sql_rows(crawled, REPROCESS_ROWS)
    assert (row_status, message) == ("failed", f"stopped: {denied}") and not any(counts)
