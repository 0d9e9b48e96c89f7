"""Store pipeline: buffers items and writes them in batches without blocking the reactor.

Writes run in one worker thread (so batches stay in order and SQLite sees one writer); the
reactor only awaits the batch when the buffer is full, and the rest is flushed on close.

A batch the database refuses is tried again after a passing failure, as `archive reprocess`
tries its own (storage/retrying.py). One that still fails, or fails for good (a role that may
not write), is one ERROR line, and its items count as failed: the run ends with status 4, and
the next run fetches them again.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError

from crawler.arguments import root_refusal
from crawler.extensions import (ARCHIVE_REFUSED, CLOSE_REASON, FIRST_FAILURE, ROOT_REFUSED, RUN_ID, WORKER_STOPPED,
                                 items_unstored, note_failed_date)
from crawler.items import AbsentIssueItem, ArticleItem, DeadLinkItem, PageItem, PagePdfItem
from storage import retrying
from storage.db import BATCH_RUN_COUNTS, Archive, ArchiveError, archive_url, database_words, open_archive
from storage.roots import IssueClaims

logger = logging.getLogger(__name__)

_FIELDS = "__dataclass_fields__"  # what dataclasses.is_dataclass looks for on an instance's type


def record(item) -> dict:
    """``dataclasses.asdict`` of an item, for the items' shape: fields, nested dataclasses
    (the raw response) and lists of them (images, removals) become dicts, a level deep.

    asdict deep-copies every value through its generic recursion: ~28 µs an article item
    against ~5 µs here. Values are shared with the item, which nothing changes once stored.
    """
    row = dict(item.__dict__)
    for name, value in row.items():
        # Most values are strings, numbers or None: asked of their type, a C lookup, rather
        # than through is_dataclass (a Python call for each of an item's ~28 fields).
        if type(value) is list:
            if value and hasattr(type(value[0]), _FIELDS):
                row[name] = [dict(element.__dict__) for element in value]
        elif hasattr(type(value), _FIELDS):
            row[name] = dict(value.__dict__)
    return row


class StorePipeline:
    """Writes a batch when it holds ``batch_size`` items, or when an item arrives and the first
    has waited ``batch_seconds`` (a polite crawl fills a large batch slowly; what is buffered is
    lost if the process is killed, and is fetched again by the next run)."""

    def __init__(self, url: str, batch_size: int = 400, batch_seconds: float = 60.0, origin: str | None = None) -> None:
        self.url = url
        self.origin = origin  # where the URL comes from, as the crawl command's check names it
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.first_buffered = 0.0  # time.monotonic() of the buffer's first item
        self.archive: Archive | None = None
        self.pages: list[dict] = []
        self.articles: list[dict] = []
        self.pdfs: list[dict] = []
        self.dead: list[dict] = []
        self.absent: list[dict] = []
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self.stats = None
        self.crawler = None
        # The issues this crawl stores, against another crawl's of them from another root
        # (storage/roots.py): a crawl of the spider's plan only.
        self.claims: IssueClaims | None = None
        self.refused: str | None = None  # why the crawl stopped, once another crawl took an issue
        self.closing = None  # the close refuse_root asked for
        self.writing = 0  # batches being written
        self.idle_flush = None  # the write unstored asked for

    @classmethod
    def from_crawler(cls, crawler):
        # Here, not above: `archive reprocess` imports this module's record(), not Scrapy's commands.
        from crawler.commands.crawl import archive_url_origin

        pipeline = cls(
            archive_url(crawler.settings.get("ARCHIVE_URL")),
            crawler.settings.getint("ARCHIVE_BATCH_SIZE", 400),
            crawler.settings.getfloat("ARCHIVE_BATCH_SECONDS", 60.0),
            archive_url_origin(crawler.settings),
        )
        pipeline.stats = crawler.stats
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.unstored, signal=items_unstored)
        return pipeline

    async def open_spider(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self.archive = await loop.run_in_executor(
                self.executor, functools.partial(open_archive, self.url, origin=self.origin))
        except ArchiveError as exc:
            # The crawl command's check opened it a moment before (crawler/commands/crawl.py);
            # refused since (a permission taken away, the database dropped or down), Scrapy
            # failed to start with a traceback and exit status 1. The crawl is closed before
            # it asks anything, and the command ends as its check would have: one line, exit
            # status 2, its words the check's (where the URL comes from too).
            logger.error("%s", exc)
            if self.stats is not None:
                self.stats.set_value(ARCHIVE_REFUSED, str(exc))
            raise CloseSpider("archive_refused") from None
        if (plan := getattr(getattr(self.crawler, "spider", None), "plan", None)) is not None:
            self.claims = IssueClaims(plan.root, plan.paper.root_of)

    async def process_item(self, item):
        # The items are dataclasses: record() is some 5× cheaper than dataclasses.asdict, which
        # is 3× cheaper than ItemAdapter's.
        if isinstance(item, PageItem):
            self.pages.append(record(item))
        elif isinstance(item, ArticleItem):
            self.articles.append(record(item))
        elif isinstance(item, PagePdfItem):
            self.pdfs.append(record(item))
        elif isinstance(item, DeadLinkItem):
            self.dead.append(record(item))
        elif isinstance(item, AbsentIssueItem):
            self.absent.append(record(item))
        else:
            return item
        buffered = len(self.pages) + len(self.articles) + len(self.pdfs) + len(self.dead) + len(self.absent)
        now = time.monotonic()
        if buffered == 1:
            self.first_buffered = now
        if buffered >= self.batch_size or now - self.first_buffered >= self.batch_seconds:
            await self.flush()
        return item

    async def flush(self) -> None:
        pages, articles, pdfs, dead, absent = self.pages, self.articles, self.pdfs, self.dead, self.absent
        self.pages, self.articles, self.pdfs, self.dead, self.absent = [], [], [], [], []
        if not (pages or articles or pdfs or dead or absent):
            return
        loop = asyncio.get_running_loop()
        # The crawl record's row (crawler/extensions.py: CrawlRunRecorder), if the run has one,
        # counts what each batch stores as it commits.
        run = self.stats.get_value(RUN_ID) if self.stats else None
        self.writing += 1
        try:
            counts = await loop.run_in_executor(self.executor, self.store, pages, articles, pdfs, dead, absent, run)
        finally:
            self.writing -= 1
        if self.claims is not None and self.claims.refused and self.refused is None:
            self.refuse_root()
        if isinstance(counts, SQLAlchemyError):
            self.not_stored(counts, pages, articles, pdfs, dead, absent)
            return
        if self.stats:
            self.stats.inc_value("archive/pages_stored", counts["pages"])
            self.stats.inc_value("archive/articles_stored", counts["articles"])
            self.stats.inc_value("archive/pdfs_stored", counts["pdfs"])
            self.stats.inc_value("archive/article_versions", counts["versions"])
            for key in BATCH_RUN_COUNTS:
                self.stats.inc_value(f"archive/{key}", counts[key])
            for key in ("pages_stale", "articles_stale"):  # fetched before what was stored: left alone
                if counts.get(key):
                    self.stats.inc_value(f"archive/{key}", counts[key])

    def unstored(self) -> int:
        """The items this crawl holds not yet in the archive, buffered or being written; those
        buffered are written now. A distributed worker whose queue ran dry asks before it tells
        its job it is idle (crawler/distributed.py: SharedQueueIdle): no item comes to an idle
        worker to fill or age its batch, and one killed while idle on another machine is not
        waited for, nor found dead by the last worker out (its heartbeat fresh): its batch was
        lost, and the job ended as done."""
        buffered = len(self.pages) + len(self.articles) + len(self.pdfs) + len(self.dead) + len(self.absent)
        if buffered and self.archive is not None:
            self.idle_flush = deferred_from_coro(self.flush())
            self.idle_flush.addErrback(lambda failure: logger.error("archive write failed: %s", failure.getErrorMessage()))
        return buffered + self.writing

    def store(self, pages: list[dict], articles: list[dict], pdfs: list[dict], dead: list[dict] = (),
              absent: list[dict] = (), run: int | None = None) -> dict | SQLAlchemyError:
        """Write one batch (in the writer thread), counted in the crawl run ``run``, tried again
        after a passing failure (storage.retrying); the counts of what was written, or the
        database's last error."""
        try:
            return retrying.store_batch(self.archive, pages, articles, pdfs, dead, absent, run=run,
                                        retrying=logger.warning, stored_anyway=logger.info, claims=self.claims)
        except SQLAlchemyError as exc:
            return exc

    def refuse_root(self) -> None:
        """The archive holds an issue this crawl fetched from another root since the crawl's
        start, when the check of roots passed it: another crawl stored it first, or `archive
        move-root` moved it. Its items were left out of the archive (they would be stored twice,
        or the issue split between two roots). Said once, in one line; the crawl stops, as one refused at its
        start would have been (exit status 2, crawl_runs status ROOT_REFUSED)."""
        plan = self.crawler.spider.plan
        held = sorted((day, url) for (_, day), url in self.claims.refused.items())
        them = "it" if len(held) == 1 else "them"
        refusal = root_refusal(plan, held, self.crawler.settings, latest=False)
        self.refused = (f"{refusal}; the archive took {them} from that root while this "
                        f"crawl ran (another crawl stored {them}, or archive move-root moved {them}): this crawl stopped, "
                        f"none of what it fetched of {them} stored")
        logger.error(self.refused)
        self.stats.set_value(WORKER_STOPPED, self.refused)
        self.stats.set_value(CLOSE_REASON, ROOT_REFUSED)
        # Kept, so that the close is not collected half-way, and a failure of it logged.
        self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=ROOT_REFUSED))
        self.closing.addErrback(lambda failure: logger.error("the crawl could not be closed: %s", failure.getErrorMessage()))

    def not_stored(self, error: SQLAlchemyError, pages: list[dict], articles: list[dict], pdfs: list[dict],
                   dead: list[dict] = (), absent: list[dict] = ()) -> None:
        """A batch the database would not take: one line, and its items count as not fetched
        (a dead link too: its 404 went uncounted, and a link found gone is not recorded so). A
        date without an issue counts so too: its answer went uncounted, which the next run makes
        good, but a database that refuses the crawl's writes is the operator's to hear of (exit
        status 4, the failure line on stderr), as it is when the batch held an article."""
        dead_pages = [x for x in dead if x["kind"] == "page"]
        dead_articles = [x for x in dead if x["kind"] == "article"]
        unrecorded = f"; {len(absent)} date{'' if len(absent) == 1 else 's'} without an issue not recorded" if absent else ""
        logger.error("archive write failed (%s): %d pages, %d articles, %d page PDFs not stored%s; run again to fetch them",
                     database_words(error), len(pages) + len(dead_pages), len(articles) + len(dead_articles), len(pdfs),
                     unrecorded)
        if self.stats is None:
            return
        for what, items in (("pages", pages + dead_pages), ("articles", articles + dead_articles), ("pdfs", pdfs),
                            ("dates", absent)):
            if items:
                self.stats.inc_value(f"{what}/failed/archive", len(items))
            for item in items:
                note_failed_date(self.stats, item["issue_date"])
        if self.stats.get_value(FIRST_FAILURE) is None:
            first = (pages or articles or pdfs or list(dead) or list(absent))[0]["url"]
            self.stats.set_value(FIRST_FAILURE, f"{first}: not stored in the archive: {database_words(error)}")

    async def close_spider(self) -> None:
        try:
            if self.archive is not None:
                await self.flush()
        finally:
            if self.archive is not None:
                self.archive.close()
            self.executor.shutdown(wait=True)
