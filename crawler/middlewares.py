"""Middlewares of the archive crawler: skipping what the archive holds, retrying with back-off,
robots.txt rules.

The spider tags each request with what it fetches (``meta["archive"]``: the kind, the issue
date, and for a PDF its page); these components decide from that tag alone.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares import robotstxt
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.misc import load_object

from crawler.dates import paper_today
from storage.db import IssueState, Refreshed, Unserved, archive_url, open_archive

logger = logging.getLogger(__name__)

# 1 when the archive held an issue of the paper from the crawl's root as the crawl started, else 0.
ISSUES_FROM_ROOT = "delta/issues_from_root"
# Of the dates a crawl of dates asks, as the archive held them when it started: the issues held
# complete and incomplete, and the dates it skips as dates without an issue (the spider's plan line).
DATES_HELD_COMPLETE = "delta/dates_held_complete"
DATES_HELD_INCOMPLETE = "delta/dates_held_incomplete"
DATES_SKIPPED_ABSENT = "delta/dates_skipped_absent"
# The issues a crawl does not fetch, the archive holding them complete: each once, whichever way
# the crawl came to it (IssuesSpider.issue_held_complete); the summary's "already complete".
ISSUES_SKIPPED = "delta/issues_skipped"
# The dates (ISO, in order) of refreshes left unfinished that this crawl finishes, or finds
# refreshed whole since (ArchiveDeltaMiddleware.unfinished_refreshes): a crawl of the newest that
# ends done names them in its message (crawler/extensions.py: refresh_finished_message).
REFRESHES_RESUMED = "delta/refreshes_resumed"


class ArchiveDeltaMiddleware(BaseSpiderMiddleware):
    """Drops requests for what the archive already holds (the job scrapy-deltafetch once did).

    A complete issue costs no request at all; of an incomplete one, complete pages and stored
    articles are not fetched again, nor pages and articles gone (dead_links). ``-a refresh=1``
    turns this off for the run. The archive is read when the crawl starts, for the dates asked
    (for the newest issue: the lookback window), and once more for an issue date outside those
    that the crawl comes upon. The links of a page parsed before that read ends wait for it: a
    distributed worker takes pages other workers queued (crawler/distributed.py) while it still
    reads the archive, and their links, neither skipped nor tagged, would fetch again what the
    archive holds and count a dead link's answer as its first run's.

    A request for a dead link (one the site answered 404 or 410 for before, or otherwise not with
    its file: dead_links) is tagged with what the archive knows of it (``meta["archive"]["dead"]``:
    runs, first_seen, gone), refresh or not: the spider decides from it whether the link is gone
    now. ``ARCHIVE_DELTA_ENABLED=False`` asks everything on every run, as refresh does, and
    tags all the same: without the tags a dead link was a failure of every run, for good.

    A date whose entry page the site answered without its issue (404 or 410, its error page,
    another date's issue: absent_issues) is tagged alike (``meta["archive"]["absent"]``), and
    one taken for a date without an issue costs a range or a backfill no request, but with
    refresh. The newest issue's walk back over the last days asks them all the same: it looks
    for the newest date that has one. A date's record holds for the entry page that answered
    so only: the same date asked at another address (another ``base_url``) is asked and counted
    anew.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.skips = crawler.settings.getbool("ARCHIVE_DELTA_ENABLED", True)
        self.states: dict[date, IssueState] = {}
        self.absent: dict[date, Unserved] = {}  # the dates the site answered no issue for
        self.active = False  # the archive is read
        self.archive_read = asyncio.Event()  # and the read ended (or there is none to do)
        self.refresh = False  # and what it holds is asked again all the same
        self.read: tuple[date, date] = (date.max, date.min)  # the dates read when the crawl started
        self.read_days: set[date] = set()  # and those read since
        self.not_stored: list[date] = []  # see _not_stored
        self.newest_held: date | None = None  # the newest issue the archive holds from the crawl's root
        self.follow_ups: list[Request] = []  # see _held_complete
        self.resumed: dict[date, Refreshed] = {}  # see unfinished_refreshes
        self.refreshed: set[date] = set()  # and there

    async def process_start(self, start):
        spider = self.crawler.spider
        plan = getattr(spider, "plan", None)
        try:
            if plan is not None:
                self.active, self.refresh = True, plan.refresh or not self.skips
                self.states, self.absent = await asyncio.get_running_loop().run_in_executor(None, self._load, plan)
                if not self.refresh:
                    complete = sum(state.complete for state in self.states.values())
                    self.crawler.stats.set_value("delta/issues_complete_before", complete)
                if plan.dates:
                    self._count_held(plan)
        finally:  # a read that failed stops the crawl: nothing is left waiting for it
            self.archive_read.set()
        async for request in super().process_start(start):
            yield request
        if plan is not None and plan.latest and not self.refresh:
            gone = {day for day in self.absent if (absent := self._absent_at(day, plan.entry_url(day))) and absent.gone}
            complete = {day for day, state in self.states.items() if state.complete}
            for request in spider.incomplete_issue_requests(self._incomplete(plan), self.not_stored,
                                                            self.newest_held, self.read[0], gone, complete):
                if (request := self.get_processed_request(request, None)) is not None:
                    yield request

    def _incomplete(self, plan) -> list[date]:
        """The issues of a crawl of the newest's window that the archive holds incomplete, from
        the crawl's root (from another, their articles would be stored twice: storage/roots.py)."""
        from storage.roots import under_root

        return [day for day, state in self.states.items()
                if (not state.complete or day in self.resumed) and under_root(state.url, plan.root)]

    def _load(self, plan) -> tuple[dict[date, IssueState], dict[date, Unserved]]:
        if plan.latest:
            # The days the walk back to the newest issue may ask (see IssuesSpider._walk_back).
            last = paper_today()
            first = min((day for day, _ in plan.paper.schedule.days_back(last, plan.paper.latest_lookback_days)), default=last)
        elif plan.dates:
            first, last = min(plan.dates), max(plan.dates)
        else:  # a range without a publishing day asks nothing
            return {}, {}
        self.read = (first, last)
        states, absent = self._read(plan, first, last, root=True)
        if plan.latest:
            self.not_stored = self._not_stored(plan, first, states, absent)
        self.resumed = self.unfinished_refreshes(plan, first, last, states)
        for day, refreshed in self.resumed.items():  # its articles held, not served now, stay as stored
            states[day] = replace(states[day], articles=refreshed.held)
        return states, absent

    def unfinished_refreshes(self, plan, first: date, last: date, states: dict[date, IssueState]) -> dict[date, Refreshed]:
        """The issues from ``first`` to ``last`` that a refresh (-a refresh=1) stopped before it
        was done (a signal, a kill, or it ended failed: its run's message names what it refreshed,
        crawler/extensions.py: refreshing_message) did not refresh, and no run of their dates
        ended done since (of a crawl of the newest: those its message says it finished,
        refresh_finished_message): held complete, they cost a run without refresh no request, and
        the refresh was never done. This run refreshes them, but for the pages, their PDFs (a crawl
        that fetches them) and articles fetched since that refresh began; one line for each such
        refresh says so. Those it refreshed whole: ``self.refreshed``."""
        from crawler.extensions import REFRESHING, dates_words, refreshes_finished, refreshes_named
        from storage.roots import under_root

        archive = open_archive(archive_url(self.crawler.settings.get("ARCHIVE_URL")))
        try:
            runs = archive.runs_from_marked(plan.paper.code, REFRESHING)
            since: dict[date, tuple[int, datetime, str]] = {}  # each date, and the earliest such refresh of it
            for run_id, started, state, asked, message in runs:
                if state == "running":
                    continue  # still refreshing, or this run
                if state in ("finished", "alarm"):  # a run that ended done closes the refreshes of its dates
                    span, finished = _dates_span(asked), refreshes_finished(message)
                    since = {day: run for day, run in since.items()
                             if not (span and span[0] <= day <= span[1] or day in finished)}
                for refreshed_first, refreshed_last, words in refreshes_named(message):
                    for day, held in states.items():
                        if max(refreshed_first, first) <= day <= min(refreshed_last, last) and under_root(held.url, plan.root):
                            since.setdefault(day, (run_id, started, words))
            refreshed = archive.refreshed_since(plan.paper.code, {day: run[1] for day, run in since.items()},
                                                pdfs=self.crawler.settings.getbool("ARCHIVE_FETCH_PDFS")) if since else {}
        finally:
            archive.close()
        # Those it refreshed whole cost a refresh run again no request either.
        self.refreshed = {day for day in since if day in refreshed and refreshed[day].whole}
        left = {day: refreshed[day] for day in sorted(since) if day in refreshed and day not in self.refreshed}
        self.crawler.stats.set_value(REFRESHES_RESUMED, sorted(day.isoformat() for day in {*left, *self.refreshed}))
        for run_id, started, words in sorted({run for day, run in since.items() if day in left or self.refresh}):
            days = [day.isoformat() for day in left if since[day][0] == run_id]
            logger.info("the refresh of %s that run %d began at %s UTC was not finished: %s", words, run_id,
                        f"{started:%Y-%m-%d %H:%M:%S}",
                        f"its issues not refreshed yet ({dates_words(days)}) are refreshed now" if days
                        else "it refreshed every issue of it this run asks, none is fetched again")
        return left

    def _count_held(self, plan) -> None:
        """What the archive holds of the dates ``plan`` asks, read before the spider says its plan."""
        held = [self.states[day] for day in plan.dates if day in self.states]
        complete = sum(state.complete and state.issue_date not in self.resumed for state in held)
        stats = self.crawler.stats
        stats.set_value(DATES_HELD_COMPLETE, complete)
        stats.set_value(DATES_HELD_INCOMPLETE, len(held) - complete)
        stats.set_value(DATES_SKIPPED_ABSENT, sum(
            1 for day in plan.dates
            if (absent := self._absent_at(day, plan.entry_url(day))) is not None and self._skips_absent(absent, day)))

    def _absent_at(self, day: date, url: str) -> Unserved | None:
        """The archive's record of ``day`` answered without an issue at ``url``. A date's record is of the entry page
        that answered so: asked at another (the crawl's base_url put right), it is a new question, neither tagged nor skipped."""
        absent = self.absent.get(day)
        return absent if absent is not None and absent.url == url else None

    def _skips_absent(self, absent: Unserved, day: date) -> bool:
        # Not of a date whose issue the archive holds (a record an archive may have from
        # before the spider left such dates unrecorded): its issue is asked as held.
        return absent.gone and day not in self.states and not self.refresh and not self.crawler.spider.plan.latest

    def _not_stored(self, plan, first: date, states, absent) -> list[date]:
        """The issues of a crawl of the newest's window that an earlier such crawl took for the
        newest (or asked again) and did not store: its entry page failed (a 5xx on every retry),
        or it was killed before its first batch. The archive holds no row of them, so they are
        not incomplete to it, and once a newer issue was out no run asked them again: its run
        row names them (its failure line, or what a running run notes: crawler/extensions.py).
        Not those the site has answered without an issue since that run started."""
        from crawler.extensions import issues_named

        archive = open_archive(archive_url(self.crawler.settings.get("ARCHIVE_URL")))
        try:
            runs = archive.latest_run_messages(plan.paper.code, first)
        finally:
            archive.close()
        named: dict[date, datetime] = {}  # each date, and when the last run that names it started
        for started, message in runs:
            for day in issues_named(message):
                named[day] = max(started, named.get(day, started))
        return sorted(
            day for day, started in named.items()
            if first <= day <= paper_today() and day not in states
            and not ((answer := absent.get(day)) is not None and answer.last_seen is not None and answer.last_seen >= started)
        )

    def _read(self, plan, first: date, last: date, root: bool = False) -> tuple[dict[date, IssueState], dict[date, Unserved]]:
        """``root``: also count whether the archive holds an issue from the crawl's root
        (ISSUES_FROM_ROOT, for the warning of a run that every date answered without an issue)."""
        archive = open_archive(archive_url(self.crawler.settings.get("ARCHIVE_URL")))
        try:
            if root:
                from storage.roots import newest_issue_from

                self.newest_held = newest_issue_from(archive, plan.paper.code, plan.root)
                self.crawler.stats.set_value(ISSUES_FROM_ROOT, int(self.newest_held is not None))
            # A refresh asks the articles held again: it is told which (a 404 for one is no failure).
            return (archive.issue_states(plan.paper.code, first, last, pdfs=self.crawler.settings.getbool("ARCHIVE_FETCH_PDFS"),
                                         all_articles=self.refresh),
                    archive.absent_issues(plan.paper.code, first, last))
        finally:
            archive.close()

    async def process_spider_output_async(self, response, result):
        async for o in result:
            if isinstance(o, Request) and (tag := o.meta.get("archive")):
                # Awaited only when there is something to wait for: after the start, a request
                # of a date read costs no coroutine.
                if not self.archive_read.is_set():
                    await self.archive_read.wait()
                if self.active and not self._was_read(tag["issue_date"]):
                    await self._read_day(tag["issue_date"])
            if (o := self._get_processed(o, response)) is not None:
                yield o
            while self.follow_ups:
                if (request := self.get_processed_request(self.follow_ups.pop(0), response)) is not None:
                    yield request

    def _was_read(self, day: date) -> bool:
        first, last = self.read
        return first <= day <= last or day in self.read_days

    async def _read_day(self, day: date) -> None:
        """Reads the archive for an issue date learned during the crawl: the one the site's
        latest-issue page leads to, which may lie before the lookback window read at the start."""
        if self._was_read(day):
            return
        self.read_days.add(day)
        plan = self.crawler.spider.plan
        states, absent = await asyncio.get_running_loop().run_in_executor(None, self._read, plan, day, day)
        self.states |= states
        self.absent |= absent

    def get_processed_request(self, request: Request, response) -> Request | None:
        tag = request.meta.get("archive")
        if not self.active or not tag:
            return request
        kind = tag["kind"]
        state = self.states.get(tag["issue_date"])
        if kind == "issue" and (absent := self._absent_at(tag["issue_date"], request.url)) is not None:
            tag["absent"] = _tag(absent)
            if self._skips_absent(absent, tag["issue_date"]):
                self.crawler.stats.inc_value("delta/absent_issues_skipped")
                return None
        if state is None:
            return request
        if kind == "issue":
            # Its entry page answered without the issue is no date without one (the spider's parse_issue).
            tag["held"] = True
        dead = state.dead_links.get(request.url) if kind in ("page", "article") else None
        if dead is not None:
            tag["dead"] = _tag(dead)
        resumed = self.resumed.get(tag["issue_date"])
        if self.refresh and tag["issue_date"] in self.refreshed:
            skipped = True  # refreshed whole since the refresh left unfinished began
        elif resumed is not None and (kind == "page" and request.url in resumed.pages and request.url in state.complete_pages
                                      or kind == "article" and request.url in resumed.articles
                                      or kind == "pdf" and tag.get("page_url") in resumed.pdfs):
            skipped = True  # fetched since the refresh left unfinished began
        elif self.refresh or resumed is not None:
            if (kind == "article" and request.url in state.articles
                    or kind == "page" and request.url in state.complete_pages and request.url not in state.lost_pages):
                # Not served now, it stays as stored (the spider's _dead_link), whatever its dead
                # link record (an older refresh counted one so): that record goes.
                tag["held"] = True
            return request
        elif state.complete:
            skipped = True
        elif kind == "page":
            skipped = request.url in state.complete_pages
        elif kind == "article":
            skipped = request.url in state.articles or dead is not None and dead.gone
        elif kind == "pdf":
            skipped = tag.get("page_url") in state.pdf_pages
        else:
            skipped = False
        if skipped:
            if kind == "issue":
                self._held_complete(request)
            # The entry page's own link in its page list: that page was just fetched (and counted
            # done), as the one that tells what the issue lacks; it is no page left unasked.
            elif not (kind == "page" and response is not None and request.url == response.url):
                self.crawler.stats.inc_value(f"delta/{kind}s_skipped")
            return None
        return request

    def _held_complete(self, request: Request) -> None:
        """An issue's entry page not asked, the archive holding the issue complete: the spider
        counts it, and may ask others for it (the issues a crawl of the newest missed before the
        newest it walked back to: IssuesSpider.issue_held_complete), yielded after it."""
        self.follow_ups += self.crawler.spider.issue_held_complete(request)


def _dates_span(asked: str) -> tuple[date, date] | None:
    """The first and last date of a run's ``dates_asked`` ('2023-01-31', '2023-01-01..2023-01-31'); None for 'latest'."""
    try:
        first, _, last = asked.partition("..")
        return date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        return None


def _tag(record: Unserved) -> dict:
    """What a request carries of the archive's record of a link or date the site did not serve:
    plain values, which travel through Redis with it (crawler/distributed.py)."""
    return {"runs": record.runs, "first_seen": record.first_seen.isoformat(), "gone": record.gone}


def fetched_though_seen(request: Request, result):
    """``result`` of a redirect middleware; the redirect of an issue's entry page, a page or an
    article request is fetched even when its target was fetched before, so that the spider sees
    what the site sent instead of the file and counts it (a dead link, or a date without an
    issue: a site that sends such a date to its newest issue's entry page, asked already in the
    same range, left the date without a word or record). A site that sends a missing file to its home page,
    which refreshes to the newest issue's first page (asked already when that is the issue
    crawled), lost the page or article from the run: dropped as a duplicate request, it was no
    failure and no record, and its issue stayed incomplete run after run."""
    if isinstance(result, Request) and result is not request and (request.meta.get("archive") or {}).get("kind") in (
            "issue", "page", "article"):
        result.dont_filter = True
    return result


class SiteRedirectMiddleware(RedirectMiddleware):
    """Scrapy's HTTP redirects; an entry page's, a page's or an article's is fetched though seen (fetched_though_seen)."""

    def process_response(self, request, response):
        return fetched_though_seen(request, super().process_response(request, response))


class IndexMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, except for a request with ``meta["dont_follow_refresh"]``:
    its page is itself the answer (the spider reads from the refresh which issue is the newest,
    and fetches that issue's entry page only when the archive does not hold it complete). An
    entry page's, a page's or an article's is fetched though seen (fetched_though_seen)."""

    def process_response(self, request, response):
        if request.meta.get("dont_follow_refresh"):
            return response
        return fetched_though_seen(request, super().process_response(request, response))


def backoff_delay(retry: int, base: float, cap: float, retry_after: bytes | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, …): exponential, capped, and never
    shorter than a Retry-After (in seconds) the server asked for."""
    delay = min(cap, base * 2 ** (retry - 1))
    if retry_after:
        try:
            delay = max(delay, min(cap, float(retry_after.decode("latin-1").strip())))
        except ValueError:
            pass  # an HTTP date: the exponential delay stands
    return delay


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each one waited for: RETRY_BACKOFF_BASE × 2^(n-1) seconds, at most
    RETRY_BACKOFF_MAX, or longer when a 429/503 says Retry-After.

    The wait holds the request in the downloader, so a failing site is not hammered while the
    rest of the crawl keeps its place in the queue.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response.headers.get("Retry-After"))
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, retry_after: bytes | None) -> None:
        delay = backoff_delay(retry.meta.get("retry_times", 1), self.base, self.cap, retry_after)
        self.crawler.stats.inc_value("retry/backoff_seconds", delay)
        logger.info("backing off %.3gs before retry %d of %s", delay, retry.meta.get("retry_times", 1), retry.url)
        # A stop (Ctrl-C, SIGTERM: systemctl stop) waits for the requests in the downloader,
        # this one too: a back-off of up to RETRY_BACKOFF_MAX (a Retry-After: 120) held it that
        # long, past systemd's TimeoutStopSec=120, whose SIGKILL lost the batch not yet written
        # and left the run 'running'. The wait ends when the crawl stops; the retry is left to
        # the next run, as every request still queued is.
        loop = asyncio.get_running_loop()
        until = loop.time() + delay
        while self.crawler.crawling and (left := until - loop.time()) > 0:
            await asyncio.sleep(min(left, 0.25))


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """USER_AGENT with ``{contact}`` filled from ARCHIVE_CONTACT: site owners can reach the
    archive's keeper. Without a contact the crawl still runs, with a warning."""

    no_contact = False  # USER_AGENT asks for a contact, and ARCHIVE_CONTACT gives none

    @classmethod
    def from_crawler(cls, crawler):
        contact = crawler.settings.get("ARCHIVE_CONTACT") or ""
        agent = crawler.settings.get("USER_AGENT") or ""
        middleware = cls(agent.replace("{contact}", contact or "no contact given"))
        middleware.no_contact = "{contact}" in agent and not contact
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        super().spider_opened(spider)
        # Said once the spider is open, so that log_count/WARNING counts it (Scrapy counts log
        # lines from spider_opened on; this middleware is made before).
        if self.no_contact:
            logger.warning("no ARCHIVE_CONTACT set: site owners cannot tell whom to ask about this crawler")


# The meta of a request whose give-up after its retries the crawl says in a line of its own (a
# WARNING that says what follows from it), and that is no failure of the run: Scrapy's ERROR
# "Gave up retrying" put an error in the log of a run that failed nothing.
GIVE_UP_SAID_ELSEWHERE = {"give_up_log_level": "INFO"}
# robots.txt answered with an HTTP error the crawl retries, on every retry (RobotsTxtNotServed):
# an answer of the site's, not one of Scrapy's robotstxt/exception_count (a crawler's fault).
ROBOTS_TXT_NOT_SERVED = "robotstxt/not_served"


class RobotsTxtNotServed(Exception):
    """robots.txt answered an HTTP error the crawl retries (RETRY_HTTP_CODES) on every retry."""


def _is_robots_txt_request(request: Request) -> bool:
    # Scrapy's own request for robots.txt: the one that may not wait for robots.txt rules.
    return request.meta.get("dont_obey_robotstxt", False) and urlsplit(request.url).path == "/robots.txt"


class RobotsFetchFailureLine(logging.Filter):
    """Scrapy logs a robots.txt it could not download at ERROR with the download's whole
    traceback (some 60 lines for a refused connection), which cron mails on every run while a
    site is down. A download failure (one of RETRY_EXCEPTIONS, or RobotsTxtNotServed) becomes
    one WARNING line that says what follows from it; any other exception keeps its traceback."""

    def __init__(self, download_errors: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.download_errors = download_errors

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, self.download_errors) and isinstance(record.args, dict) and "request" in record.args:
            # The record names the request that waited for robots.txt, not robots.txt's own.
            url = urlsplit(record.args["request"].url)
            site = f"{url.scheme}://{url.netloc}"
            record.msg = "robots.txt of %(site)s not fetched (%(reason)s): its pages are fetched without its rules"
            record.args = {"site": site, "reason": str(error).strip() or type(error).__name__}
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class RobotsTxtRulesMiddleware(robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; a robots.txt that cannot be downloaded is one log line,
    whether the network failed or the site answered server errors until the retries ran out."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        errors = tuple(load_object(name) if isinstance(name, str) else name
                       for name in crawler.settings.getlist("RETRY_EXCEPTIONS"))
        self._failure_line = RobotsFetchFailureLine(errors + (RobotsTxtNotServed,))
        self._retried_statuses = frozenset(int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES"))
        robotstxt.logger.addFilter(self._failure_line)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    async def process_request(self, request: Request, spider=None) -> None:
        if _is_robots_txt_request(request):
            # Its give-up is said once, as the WARNING of RobotsFetchFailureLine.
            for key, value in GIVE_UP_SAID_ELSEWHERE.items():
                request.meta.setdefault(key, value)
        await super().process_request(request)

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        if response.status in self._retried_statuses:
            # An answer all the same, counted as Scrapy counts one (which it does as it reads it).
            self.crawler.stats.inc_value("robotstxt/response_count")
            self.crawler.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            # Scrapy would read the error page as rules; raised, it takes the network failure's way.
            raise RobotsTxtNotServed(f"HTTP {response.status}")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, RobotsTxtNotServed):
            self.crawler.stats.inc_value(ROBOTS_TXT_NOT_SERVED)
            # What Scrapy's does but for its count of the exception: no rules for this site.
            exc = IgnoreRequest(str(exc))
        super()._robots_error(exc, netloc)

    def _spider_closed(self) -> None:
        robotstxt.logger.removeFilter(self._failure_line)
