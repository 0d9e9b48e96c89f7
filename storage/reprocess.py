"""Re-running the pipelines over the archived raw pages, without the network.

Each stored page, page PDF and article is re-read from its raw response with the paper's template page
objects, as the spider reads it, then goes through the crawl's own item pipelines (from the
project settings, minus the store) and back into the archive as the store writes its batches
(storage.retrying): a better cleaning rule reaches the whole archive, and changed text is kept
as a revision. Each run is recorded in crawl_runs, as a crawl is, of kind 'reprocess' (_Record).
Without its page PDFs (most of its time: --without-pdfs), each PDF's stored text as the PDF has
it goes through the pipelines instead of the PDF.
"""
from __future__ import annotations

import asyncio
import inspect
import signal
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from storage.db import ALL_PAPERS, Archive, ArchiveError, as_utc, database_words
from storage.retrying import store_batch
from storage.search import TABLE_COLUMNS, filters

STORE_PIPELINE = "pipelines.store.StorePipeline"
# A reprocess's crawl_runs row: its kind, and its paper_code when no --paper narrowed it
# (ALL_PAPERS, from storage.db, whose crawl_runs() and archive stats list it with each paper's).
REPROCESS = "reprocess"


@dataclass
class Outcome:
    done: int = 0
    failed: int = 0
    changed: int = 0  # articles whose text or pictures now read otherwise: a revision kept
    stale: int = 0  # articles, pages and PDFs a crawl stored from a newer fetch meanwhile: left as they are
    unread_articles: int = 0  # articles, and pages, of the issues with no raw document to read again
    unread_pages: int = 0
    # --without-pdfs: the page PDFs not read again (neither done nor failed), of them those whose
    # stored text as the PDF has it (pages.pdf_text_original) went through the pipelines again,
    # and those with none stored, left as they are.
    pdfs_kept: int = 0
    pdfs_converted: int = 0
    pdfs_without_original: int = 0
    run: int | None = None  # its crawl_runs.id
    issues: int = 0  # the issues its filters selected
    documents: int = 0  # the documents of those to read again
    stored: int = 0  # of those done, the ones in the batches written: of a run interrupted, what it wrote


def item_pipelines(pdf_workers: int | None = None) -> list:
    """The crawl's item pipelines in order, built as Scrapy builds them, without the store;
    the PDF text pipeline with ``pdf_workers`` processes if given (else ARCHIVE_PDF_WORKERS)."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.utils.misc import build_from_crawler, load_object

    from crawler.spiders.issues import IssuesSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if pdf_workers is not None:
        settings.set("ARCHIVE_PDF_WORKERS", pdf_workers, priority="cmdline")
    crawler = Crawler(IssuesSpider, settings)
    ordered = sorted(settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    return [build_from_crawler(load_object(path), crawler) for path, _ in ordered if path != STORE_PIPELINE]


# The documents of some issues, as the spider met them: pages, their PDFs, then articles.
_DOCUMENTS = """
SELECT pa.code AS paper_code, pa.name AS paper_name, i.issue_date, i.url AS issue_url,
       p.page_number, p.url AS page_url, {article} AS article_url, {title} AS title_original,
       {links} AS links_stored, {extraction} AS extraction_stored, r.url AS raw_url, r.status, {body} AS body_zlib,
       r.content_type, r.fetched_at, {pdf_original} AS pdf_text_original, {pdf_status} AS pdf_text_status
FROM raw_documents r
JOIN {join}
JOIN issues i ON i.id = p.issue_id
JOIN papers pa ON pa.id = i.paper_id
WHERE i.id IN :issues{pages}
ORDER BY i.issue_date, p.page_number, r.url
"""
# A page's and a PDF's rows have no article. (A LEFT JOIN on a false condition gave them that,
# but SQLite scanned every article for every page: a reprocess grew with the square of the archive.)
_NO_ARTICLE = {"article": "NULL", "title": "NULL", "extraction": "NULL"}
# A PDF's text as stored, for --without-pdfs, which does not read the PDF itself (body NULL).
_NO_PDF_TEXT = {"body": "r.body_zlib", "pdf_original": "NULL", "pdf_status": "NULL"}
# A page the site took out of its issue (numbered below zero, pages.removed_at) is not read again,
# nor its PDF: the raw document of its address may be another page's file since; its articles are.
_PAGES = _NO_ARTICLE | _NO_PDF_TEXT | {"links": "p.articles_expected", "join": "pages p ON p.url = r.url AND p.page_number > 0"}
_PDFS = _NO_ARTICLE | {"links": "NULL", "join": "pages p ON p.pdf_url = r.url AND p.page_number > 0", "body": "r.body_zlib",
                       "pdf_original": "p.pdf_text_original", "pdf_status": "p.pdf_text_status"}
_PDFS_UNREAD = _PDFS | {"body": "NULL"}
_ARTICLES = _NO_PDF_TEXT | {"article": "a.url", "title": "a.title_original", "links": "NULL", "extraction": "a.extraction",
                            "join": "articles a ON a.url = r.url JOIN pages p ON p.id = a.page_id"}
_KINDS = (_PAGES, _PDFS, _ARTICLES)
# {pages}: the condition on the pages to re-read (a section's), which the counts keep to too.
_ISSUES = """
SELECT i.id, pa.code, (SELECT count(*) FROM raw_documents r JOIN pages p ON r.url IN (p.url, p.pdf_url) AND p.page_number > 0
                       WHERE p.issue_id = i.id{pages})
     + (SELECT count(*) FROM raw_documents r JOIN articles a ON a.url = r.url JOIN pages p ON p.id = a.page_id
        WHERE p.issue_id = i.id{pages}),
     (SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id
      WHERE p.issue_id = i.id{pages} AND NOT EXISTS (SELECT 1 FROM raw_documents r WHERE r.url = a.url)),
     (SELECT count(*) FROM pages p WHERE p.issue_id = i.id{pages} AND NOT EXISTS (SELECT 1 FROM raw_documents r WHERE r.url = p.url)),
     (SELECT count(*) FROM raw_documents r JOIN pages p ON r.url = p.pdf_url AND p.page_number > 0 WHERE p.issue_id = i.id{pages})
FROM issues i JOIN papers pa ON pa.id = i.paper_id
WHERE 1=1{filters}{pages_held}
ORDER BY i.issue_date, i.id
"""
# Issues whose documents are read at a time: their raw responses, not the archive's, are in
# memory (a Founder issue is ~100 documents of a few KB compressed).
ISSUES_AT_A_TIME = 20


def _section_pages(section: str | None) -> tuple[str, dict]:
    """The SQL condition (" AND …") on a page ``p`` of ``section``, given as printed or as stored
    (matched as search matches it), and its parameters; none without a section: every page."""
    conditions, params = filters(TABLE_COLUMNS, section=section)
    return "".join(conditions), params


def _issues(archive: Archive, paper: str | None, since: date | None, until: date | None,
            section: str | None = None) -> list[tuple[int, str, int, int, int, int]]:
    """The issues to re-read (with a page of ``section``), in order, each with its paper's code,
    its number of documents, of its articles and pages that have none (written with plain SQL,
    their raw documents deleted to save room), and of its page PDFs (among its documents), of
    that section's pages only."""
    conditions, params = filters(TABLE_COLUMNS, paper=paper, since=since, until=until)
    pages, section_params = _section_pages(section)
    held = f" AND EXISTS (SELECT 1 FROM pages p WHERE p.issue_id = i.id{pages})" if pages else ""
    query = _ISSUES.format(filters="".join(conditions), pages=pages, pages_held=held)
    with archive.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(query), params | section_params)]


def _documents(archive: Archive, issues: list[int], section: str | None = None, without_pdfs: bool = False) -> list:
    pages, params = _section_pages(section)
    kinds = (_PAGES, _PDFS_UNREAD, _ARTICLES) if without_pdfs else _KINDS
    with archive.engine.connect() as conn:
        return [row for kind in kinds for row in conn.execute(
            text(_DOCUMENTS.format(**kind, pages=pages)).bindparams(bindparam("issues", expanding=True)),
            {"issues": issues} | params)]


def _chunks(issues: list[tuple[int, str, int, int, int, int]], size: int) -> Iterator[list[int]]:
    for start in range(0, len(issues), size):
        yield [issue for issue, *_ in issues[start:start + size]]


def _dropped_on_interrupt(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """The reprocess loop's exception handler. An interrupt (Ctrl-C, SIGTERM) that lands while
    asyncio makes a pipeline coroutine's task, inside its first scheduling, leaves a task that
    neither the loop's task list nor the caller holds: dropped as the loop closes, it printed
    "Task was destroyed but it is pending!" and "coroutine … was never awaited" under the
    command's one line. After an interrupt it goes quietly, its coroutine (never started) closed."""
    task = context.get("task")
    if getattr(loop, "interrupted", False) and task is not None and not task.done() \
            and context.get("message", "").startswith("Task was destroyed but it is pending"):
        task.get_coro().close()
        return
    loop.default_exception_handler(context)


def _close_unstarted(exc: BaseException) -> None:
    """The coroutines an interrupt left unstarted in the frames of its traceback, closed. One
    that lands as run_until_complete begins, its coroutine (asyncio.wait's, a pipeline's) not yet
    in a task, leaves it there: the frames live on with the traceback, and the interpreter's exit
    printed "coroutine … was never awaited" under the command's one line."""
    frames = exc.__traceback__
    while frames is not None:
        for value in frames.tb_frame.f_locals.values():
            if inspect.iscoroutine(value) and inspect.getcoroutinestate(value) == inspect.CORO_CREATED:
                value.close()
        frames = frames.tb_next


def reprocess(
    archive: Archive,
    *,
    paper: str | None = None,
    since: date | None = None,
    until: date | None = None,
    section: str | None = None,
    without_pdfs: bool = False,
    pdf_workers: int | None = None,
    batch_size: int = 400,  # as the crawl writes (ARCHIVE_BATCH_SIZE): a quarter less per item than 100
    issues_at_a_time: int = ISSUES_AT_A_TIME,
    progress: Callable[[int, int], None] = lambda done, total: None,
    error: Callable[[str], None] = lambda message: None,
    warn: Callable[[str], None] = lambda message: None,
    interrupted: Callable[[Outcome], None] = lambda outcome: None,
) -> Outcome:
    """``interrupted(outcome)`` hears, on Ctrl-C or SIGTERM, what the run had read and stored by then."""
    from crawler.papers import PROFILES_ENV, UnknownPaper, get_paper, load_profiles
    from crawler.templates import decode_html
    from pipelines.pdf import PdfTextPipeline
    from pipelines.store import record  # the items as the crawl's store pipeline passes them

    profiles = load_profiles()
    issues = _issues(archive, paper, since, until, section)
    # A paper whose documents are to be re-read and whose profile has a mistake (InvalidProfile)
    # or is not found ($ARCHIVE_PAPERS not set in this shell) is the command's one error, not
    # every document's; another's (one not yet crawled) mistake is a warning.
    for code in dict.fromkeys([paper] if paper else [code for _, code, documents, *_ in issues if documents]):
        try:
            profiles.get(code)
        except UnknownPaper as exc:
            raise ArchiveError(f"{exc}: its documents are re-read with its profile, not found (crawler/papers/, "
                               f"${PROFILES_ENV})") from None
    for line in profiles.warnings():
        warn(line)
    # --without-pdfs: the page PDFs are not among the documents read.
    total = sum(documents - (pdfs if without_pdfs else 0) for _, _, documents, _, _, pdfs in issues)
    pipelines = item_pipelines(pdf_workers)
    templates: dict[str, object] = {}
    outcome = Outcome(unread_articles=sum(issue[3] for issue in issues), unread_pages=sum(issue[4] for issue in issues),
                      issues=len(issues), documents=total)
    pages: list[dict] = []
    articles: list[dict] = []
    pdfs: list[dict] = []

    def flush() -> None:
        # As the crawl writes its batches: tried again after a passing failure, said in a line.
        counts = store_batch(archive, pages, articles, pdfs, run=history.run, retrying=warn, stored_anyway=warn)
        # Tallied before anything else runs: an interrupt after the batch's commit counts it.
        # What was read of it, as done counts (a PDF --without-pdfs keeps is not).
        outcome.stored = outcome.done
        outcome.changed += counts["articles_changed"]
        outcome.stale += sum(counts.get(kind, 0) for kind in ("articles_stale", "pages_stale", "pdfs_stale"))
        history.stored(counts)
        pages.clear()
        articles.clear()
        pdfs.clear()

    # Pipelines may be asynchronous, as Scrapy allows (the PDF text pipeline awaits its pool of
    # processes): items are driven through them on an event loop of their own. A page PDF's item
    # is a task of that loop, so that the pool's workers read as many at once as they are while
    # the loop goes on with the documents after it; no more are handed out (each holds its PDF).
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_dropped_on_interrupt)
    rows = (row for chunk in _chunks(issues, issues_at_a_time) for row in _documents(archive, chunk, section, without_pdfs))
    # ARCHIVE_PDF_WORKERS=0 reads a PDF in the task's own first step: one at a time.
    in_workers = max([1, *(pipeline.workers for pipeline in pipelines if isinstance(pipeline, PdfTextPipeline))])
    reading: dict[asyncio.Task, object] = {}  # the page PDFs' tasks, each with its row
    awaited = None
    history = None
    read = 0

    def kept(row, item, unread: bool) -> None:
        """A document's item out of the pipelines, into the batch."""
        if unread:
            if item is not None:
                pdfs.append(record(item))  # a text read before: stored whatever was (Archive._store_pdf_texts)
                outcome.pdfs_converted += 1
        elif _is_pdf(row):
            if not item.text:
                history.counts["pdfs_without_text"] += 1
            item.raw = None  # the archived PDF stays as it is; only its text is stored again
            # No text from a PDF a text was read from before (pdfminer fails on it now, its
            # bytes damaged since): the store keeps that text (Archive._store_pdf_texts).
            pdfs.append(record(item))
        else:
            (articles if row.article_url else pages).append(record(item))
        if not unread:
            outcome.done += 1

    def failed(row, exc: Exception) -> None:
        # Its line names the document's own URL (raw_url): a page's PDF, not its page.
        outcome.failed += 1
        history.failed(row)
        if isinstance(exc, (ArchiveError, NotRead)):
            error(f"{row.raw_url}: {exc}")
        else:  # a pipeline's or page object's fault on one document: the others go on
            error(f"{row.raw_url}: {type(exc).__name__}: {exc}: left as stored")

    def ended(unread: bool) -> None:
        """A document done with, stored or failed: the batch written once full, the run's heartbeat, progress."""
        nonlocal read
        if len(pages) + len(articles) + len(pdfs) >= batch_size:
            flush()
        history.beat()
        if not unread:
            read += 1
            progress(read, total)

    def collect(wait: bool) -> None:
        """The page PDFs read by now (after one at least, ``wait``), kept or failed."""
        if wait:
            loop.run_until_complete(asyncio.wait(list(reading), return_when=asyncio.FIRST_COMPLETED))
        for task in [task for task in reading if task.done()]:
            row = reading.pop(task)
            try:
                kept(row, task.result(), False)
            except Exception as exc:
                failed(row, exc)
            ended(False)

    try:
        history = _Record(archive, paper, since, until, section, warn, without_pdfs)
        outcome.run = history.run
        for row in rows:
            unread = without_pdfs and _is_pdf(row)
            to_read = None  # a page PDF's item, for the workers
            try:
                if unread:
                    outcome.pdfs_kept += 1
                    # Its text as the PDF has it, stored by the read before, goes through the
                    # script conversion again (new T2S_CORRECTIONS reach it). Without one (no text
                    # read, or a text stored before revision 0012, which kept only the Simplified
                    # one) there is nothing to convert from: the page keeps what it has.
                    item = _stored_pdf_item(row) if row.pdf_text_original else None
                    outcome.pdfs_without_original += item is None
                else:
                    if row.paper_code not in templates:
                        profile = get_paper(row.paper_code)
                        templates[row.paper_code] = profile.page_objects()
                    body = _raw_body(row)
                    if _is_pdf(row):
                        to_read = _pdf_item(row, body)
                    else:
                        item = _item(templates[row.paper_code], row, decode_html(body, row.content_type or ""))
                    body = None
                if to_read is None:
                    if item is not None:
                        awaited = _through(pipelines, item)
                        item = loop.run_until_complete(awaited)
                    kept(row, item, unread)
            except Exception as exc:
                failed(row, exc)
            if to_read is None:
                ended(unread)
                continue
            # Outside the document's try: a batch that cannot be written stops the run, as ever.
            while len(reading) >= in_workers:
                collect(wait=True)
            reading[loop.create_task(_through(pipelines, to_read))] = row
            to_read = None  # the task holds the PDF until it is read
            # Its first step hands the PDF to a worker; those read meanwhile are kept.
            loop.run_until_complete(asyncio.sleep(0))
            collect(wait=False)
        while reading:
            collect(wait=True)
        flush()
        history.finish("failed" if outcome.failed else "finished",
                      f"{outcome.failed} document{'' if outcome.failed == 1 else 's'} not read again: left as stored "
                      "(the command's error lines name them)" if outcome.failed else "")
    except BaseException as exc:
        loop.interrupted = True  # read by _dropped_on_interrupt
        _close_unstarted(exc)
        if history is not None and not history.finished:
            history.stopped(exc)
        if isinstance(exc, KeyboardInterrupt):
            interrupted(outcome)
        raise
    finally:
        # An interrupt (Ctrl-C, SIGTERM) may come while a pipeline's coroutine runs, or after it
        # was made and before it ran, or while page PDFs are in the workers: each is ended
        # here, without asyncio's warnings on stderr.
        if pending := asyncio.all_tasks(loop):
            for task in pending:
                task.cancel()
            _wound_down(loop, asyncio.gather(*pending, return_exceptions=True))
        for task in reading:  # one the interrupt ended in its step holds it: taken, not logged as never retrieved
            if task.done() and not task.cancelled():
                task.exception()
        if inspect.iscoroutine(awaited):
            awaited.close()
        # The PDF pool's workers are shut down (and reaped) however the run ends: an
        # interrupted run left them, and the semaphores of their queues, to the interpreter's exit.
        for pipeline in pipelines:
            if hasattr(pipeline, "close_spider") and inspect.isawaitable(closed := pipeline.close_spider()):
                _wound_down(loop, closed)
        loop.close()
    return outcome


def _wound_down(loop: asyncio.AbstractEventLoop, awaitable) -> None:
    """``awaitable`` run to its end on ``loop`` as an interrupted run winds down. An interrupt
    that lands in the loop's step just after the future run_until_complete waited on was done
    leaves that call's stop callback in the loop's queue: the next run_until_complete ran it
    first and failed with "Event loop stopped before Future completed", a traceback and exit
    status 1 where Ctrl-C ends the command in one line. Run again, it goes on past that stop."""
    future = asyncio.ensure_future(awaitable, loop=loop)
    while True:
        try:
            loop.run_until_complete(future)
            return
        except RuntimeError:
            if future.done():  # the awaitable's own error
                raise


async def _through(pipelines: list, item):
    """``item`` through the pipelines in order, awaiting those that are coroutines."""
    for pipeline in pipelines:
        item = pipeline.process_item(item)
        if inspect.isawaitable(item):
            item = await item
    return item


# A reprocess's dates_asked ends with it when its page PDFs were not read again.
WITHOUT_PDFS = "without-pdfs"


def dates_asked(since: date | None, until: date | None, section: str | None, without_pdfs: bool = False) -> str:
    """A reprocess's crawl_runs.dates_asked: its dates as a crawl writes them ("start..end", an
    end not given left empty), its section, as given, and ``without-pdfs`` (the page PDFs not
    read again); '' for none."""
    words = []
    if since or until:
        words.append(f"{since.isoformat() if since else ''}..{until.isoformat() if until else ''}")
    if section:
        words.append(f"section={section}")
    if without_pdfs:
        words.append(WITHOUT_PDFS)
    return " ".join(words)


class _Record:
    """A reprocess's own crawl_runs row, kept as a crawl keeps its (crawler/extensions.py:
    CrawlRunRecorder): 'running' from its start, each batch adding what it stored in the batch's
    transaction, a heartbeat (``seen_at``) at the crawl's default interval, so that one killed
    (SIGKILL) is told apart by the same rule; its end writes its status and what it counted
    besides. The archive then says when its text was read again, and with which filters: a
    revision (article_versions) made by new rules is dated by it."""

    def __init__(self, archive: Archive, paper: str | None, since: date | None, until: date | None,
                 section: str | None, warn: Callable[[str], None], without_pdfs: bool = False):
        from crawler.settings import ARCHIVE_HEARTBEAT_SECONDS
        from storage.db import RUN_COUNTS

        self.archive = archive
        self.warn = warn
        self.interval = ARCHIVE_HEARTBEAT_SECONDS
        self.counts = dict.fromkeys(RUN_COUNTS, 0)
        self.finished = False
        self.beat_failed = False
        self.run = archive.start_run(paper or ALL_PAPERS, dates_asked(since, until, section, without_pdfs), self.interval,
                                     kind=REPROCESS)
        self.beaten = time.monotonic()

    def stored(self, counts: dict[str, int]) -> None:
        """A batch stored: its counts are in the row (Archive.store_batch), and it saw the run alive."""
        self.beaten = time.monotonic()

    def failed(self, row) -> None:
        # A page's PDF is the page's, as in a crawl's pages_failed.
        self.counts["articles_failed" if row.article_url else "pages_failed"] += 1

    def beat(self) -> None:
        """A heartbeat, once ``interval`` passed without a batch: page PDFs read slowly (a
        batch is 400 documents) must not let the run pass for killed."""
        if time.monotonic() - self.beaten < self.interval:
            return
        self.beaten = time.monotonic()
        try:
            self.archive.heartbeat(self.run, self.counts)
        except SQLAlchemyError as exc:  # the batches say it if it lasts; said once until one gets through
            if not self.beat_failed:
                self.warn(f"reprocess record {self.run}: heartbeat not written: {database_words(exc)}")
            self.beat_failed = True
        else:
            self.beat_failed = False

    def finish(self, status: str, message: str = "") -> None:
        # What the batches stored stays as their own transactions added it to the row
        # (Archive.finish_run): an interrupt after a batch's commit and before its tally here
        # (stored) would have lost it.
        self.archive.finish_run(self.run, status, self.counts, message)
        self.finished = True

    def stopped(self, exc: BaseException) -> None:
        """The row of a run that an interrupt or an error ended: 'shutdown' with the line a
        crawl stopped so ends with, or 'failed' with the error; a database that does not take it
        leaves it 'running' (a killed run, by the rule), said in one line."""
        from crawler.extensions import interrupted_message

        if isinstance(exc, KeyboardInterrupt):
            # storage.cli raises it with the signal's number; Python's own handler, for SIGINT, without.
            signum = exc.args[0] if exc.args and isinstance(exc.args[0], int) else signal.SIGINT
            status, message = "shutdown", interrupted_message(signum)
        else:
            words = database_words(exc) if isinstance(exc, SQLAlchemyError) else str(exc) or type(exc).__name__
            status, message = "failed", f"stopped: {words}"
        try:
            self.finish(status, message)
        except SQLAlchemyError as error:
            self.warn(f"reprocess record {self.run} not closed: {database_words(error)}")


class NotRead(ValueError):
    """A raw document that cannot be read again, or that the crawl would not have stored (the
    site's error page served with HTTP 200, a file cut short): what it made stays as stored."""


def _raw_body(row) -> bytes:
    stored = row.body_zlib
    if not isinstance(stored, (bytes, bytearray, memoryview)):  # SQLite takes text in any column
        raise NotRead(f"raw document holds {type(stored).__name__}, not compressed bytes: left as stored")
    try:
        return zlib.decompress(stored)
    except zlib.error as exc:
        raise NotRead(f"raw document is not a zlib stream ({exc}): left as stored") from None


def _is_pdf(row) -> bool:
    return row.article_url is None and row.raw_url != row.page_url


def _context(row) -> dict:
    return {
        "paper_code": row.paper_code,
        "paper_name": row.paper_name,
        "issue_date": str(row.issue_date)[:10],
        "issue_url": row.issue_url,
        "page_number": row.page_number,
    }


def _readable(document, error_page: str = "error page with HTTP 200: {!r}") -> None:
    """Refuse, as the spider does (IssuesSpider._read), what is not the page, article or PDF
    asked for: stored by a crawl older than those checks, or damaged since."""
    if document.not_found:
        raise NotRead(f"{error_page.format(document.not_found)}: left as stored")
    if document.truncated:
        raise NotRead(f"truncated: {document.truncated}: left as stored")


def _still_read(document, row) -> None:
    """Refuse what the paper's template read when the document was stored and no longer reads:
    its profile's selectors changed since (for the site's new template, most often), and the
    older raw pages hold the old one. A crawl meeting such files raises its drift alarm; written
    here, they erased every page's article links and replaced every article's text with
    generic extraction's."""
    if row.article_url is None:
        if row.links_stored and not document.article_links:
            raise NotRead("the paper's template finds no article link in it now (it listed some when stored): left as stored")
    elif row.extraction_stored == "template" and document.extraction == "fallback":
        raise NotRead("the paper's template finds no text in it now (generic extraction would replace what it read "
                      "when stored): left as stored")


def _pdf_item(row, body: bytes):
    from crawler.items import PagePdfItem, RawDocument
    from crawler.pagepdf import PagePdf

    _readable(PagePdf(body, row.raw_url), error_page="{}")  # its words say it: 'not a PDF: …'
    raw = RawDocument(url=row.raw_url, status=row.status, body=body, content_type=row.content_type or "")
    return PagePdfItem(**_context(row), page_url=row.page_url, url=row.raw_url, raw=raw, fetched_at=as_utc(row.fetched_at))


def _stored_pdf_item(row):
    """A page PDF's item holding the text stored of it as the PDF has it, its PDF not read:
    the text pipeline passes an item without ``raw`` by, the script pipeline converts it again."""
    from crawler.items import PagePdfItem

    return PagePdfItem(**_context(row), page_url=row.page_url, url=row.raw_url, text=row.pdf_text_original,
                       text_status=row.pdf_text_status or "", fetched_at=as_utc(row.fetched_at))


def _item(template, row, html: str):
    from crawler.spiders.issues import article_item, page_item

    context = _context(row)
    # The raw page's fetch time: a newer fetch stored since this run read it is left alone.
    fetched_at = as_utc(row.fetched_at)
    if row.article_url is None:
        page = template.page(html, row.page_url)
        _readable(page)
        _still_read(page, row)
        return page_item(page, context, row.page_url, fetched_at=fetched_at)
    # As the spider falls back on the title the page lists, fall back on the one archived.
    article = template.article(html, row.article_url)
    _readable(article)
    _still_read(article, row)
    return article_item(article, context | {"page_url": row.page_url}, row.article_url, row.title_original or "",
                        fetched_at=fetched_at)
