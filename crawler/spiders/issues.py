"""The ``issues`` spider: dates → issue entry page → pages (版) → articles.

It only navigates. Every field comes from the template's page objects; the pipelines do the
rest. Arguments: date=, start=/end=, backfill=, paper=, base_url=, refresh= (see
crawler/arguments.py); any other is refused, but for Scrapy's and scrapyd's. Each request
carries ``meta["archive"]`` (what it fetches, for which issue) so that crawler/middlewares.py
can skip what the archive already holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from operator import attrgetter
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest, ResponseDataLossError
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_meta_refresh

from crawler.arguments import CrawlPlan, asks_complete_issues, check_argument_names, plan_crawl
from crawler.dates import paper_today
from crawler.extensions import (ASKED_AGAIN, FIRST_FAILURE, HELD_BETWEEN, HELD_NOT_SERVED, ITEM_ERRORS, LATEST_ISSUE,
                                 LINKS_GONE, LINKS_HELD_NOT_SERVED, NO_PAGE_LIST, NOT_STORED, UNPLACED_PAGES, issues_taken,
                                 note_failed_date)
from crawler.items import AbsentIssueItem, ArticleItem, DeadLinkItem, ImageItem, PageItem, PagePdfItem, RawDocument
from crawler.middlewares import (DATES_HELD_COMPLETE, DATES_HELD_INCOMPLETE, DATES_SKIPPED_ABSENT,
                                 GIVE_UP_SAID_ELSEWHERE, ISSUES_SKIPPED)
from crawler.pagepdf import PagePdf
from crawler.papers import load_profiles
from crawler.templates import decode_html
from crawler.templates.founder import as_declared
from crawler.templates.notfound import busy


# Encodings in which Scrapy's text of a response is the templates' own: see _html.
_SAME_DECODING = frozenset({"utf-8", "gb18030"})


def _same_path(url: str, other: str) -> bool:
    """Whether two addresses name one file of a site, whatever the spelling of its host and scheme."""
    one, two = urlsplit(url), urlsplit(other)
    return (one.path, one.query) == (two.path, two.query)


def _html(response) -> str:
    """The response's text as the templates decode it (crawler/templates: decode_html): a BOM,
    else the HTTP charset, else the <meta> one (GB2312 read as GB18030), else UTF-8 if the body
    is valid UTF-8, else GB18030. Stored raw documents are decoded the same way.

    Scrapy has decoded every HTML response already (its meta-refresh middleware reads
    ``response.text``), declared charsets in the same order; only its guess for an undeclared
    one differs (ASCII, UTF-8, then charset-normalizer's guess). A response Scrapy read as UTF-8
    or GB18030 is declared so, or is valid UTF-8, or is not and was guessed GB18030: in each
    case decode_html gives the same text, and Scrapy's is reused (~10 µs a file), checked as
    decode_html checks its own against bytes that contradict the declared charset.
    """
    if (encoding := getattr(response, "encoding", None)) in _SAME_DECODING:
        return as_declared(response.body, encoding, response.text)
    return decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))


# Where a run counts an item a pipeline raised on: with the pages, articles or PDFs not fetched
# (crawl_runs, the summary line), the rest apart. A date's answer without an issue went
# unrecorded: failed, as one the archive refused (pipelines/store.py), where the summary
# counted it "without an issue".
_FAILED_ITEMS = {PageItem: "pages/failed/", ArticleItem: "articles/failed/", PagePdfItem: "pdfs/failed/",
                 AbsentIssueItem: "dates/failed/"}


def _raw(response) -> RawDocument:
    return RawDocument(
        url=response.url,
        status=response.status,
        body=response.body,
        content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
        fetched_at=datetime.now(timezone.utc),
    )


ARGUMENTS = ("date", "start", "end", "backfill", "paper", "base_url", "refresh")


def _site(url: str) -> str:
    """The host a URL names, as one site: a www. prefix and the letter case make no other."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _file_name(url: str) -> str:
    """The last part of a URL's path: node_9.htm, content_306512.htm."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


# The statuses that tell a file is not on the site: for an issue's entry page, a date without an
# issue (the paper printed none that day); for a page or article link, a dead link.
NOT_FOUND_STATUSES = (404, 410)


def _server_trouble(status: int) -> bool:
    """Whether an HTTP status says the server could not answer (5xx, 408, 429), not that the
    file is missing or refused: a failed fetch, not a broken link."""
    return status >= 500 or status in (408, 429)


def _answered_status(response) -> int:
    """The status the site first answered a request with: a redirect's (302), else the response's."""
    return next((reason for reason in response.meta.get("redirect_reasons", ()) if isinstance(reason, int)), response.status)


@dataclass(frozen=True)
class UnservedCount:
    """This run's answer without the file asked (a dead link's, or an issue date's without an
    issue) counted with those of the runs before. One answer may pass (the site lists a file
    before it writes it; today's issue is not up at dawn): the crawler gives up only after
    ARCHIVE_GONE_AFTER_RUNS runs spanning ARCHIVE_GONE_AFTER_DAYS days."""

    runs: int  # the runs answered so, this one included
    since: datetime  # the first of them (UTC)
    # Calendar days (UTC) from the first to this one: a daily run that starts a little earlier
    # than the first did a week ago counts a week all the same.
    days: int
    given_up_before: bool  # by an earlier run: asked again by refresh=1 (or with the delta middleware off)
    given_up_now: bool  # by this run

    @classmethod
    def of(cls, before: dict | None, settings, now: datetime) -> UnservedCount:
        """``before``: the delta middleware's tag of the request (``meta["archive"]["dead"]`` or
        ``["absent"]``: runs, first_seen, gone), None for a first such answer."""
        runs = before["runs"] + 1 if before else 1
        since = datetime.fromisoformat(before["first_seen"]) if before else now
        days = (now.date() - since.date()).days
        before_ = bool(before and before["gone"])
        now_ = (not before_ and runs >= settings.getint("ARCHIVE_GONE_AFTER_RUNS")
                and days >= settings.getint("ARCHIVE_GONE_AFTER_DAYS"))
        return cls(runs, since, days, before_, now_)

    @property
    def given_up(self) -> bool:
        return self.given_up_before or self.given_up_now

    def so_far(self, answer: str, settings, after: str) -> str:
        """How far it is from being given up on: "HTTP 404 on 1 of the 3 runs over 7 days after which ``after``"."""
        return (f"{answer} on {self.runs} of the {settings.getint('ARCHIVE_GONE_AFTER_RUNS')} runs "
                f"over {settings.getint('ARCHIVE_GONE_AFTER_DAYS')} days after which {after}")

    def span(self) -> str:
        return f"{self.runs} run{'' if self.runs == 1 else 's'} over {self.days} day{'' if self.days == 1 else 's'} since {self.since.date()}"


def _no_issue_answer(response, page, day: date) -> tuple[str, str, str] | None:
    """How the site answered the entry page of ``day`` without an issue of that day, as
    (what the log says of the answer, what it counts: UnservedCount.so_far's ``answer``, its
    reason: absent_issues.reason), or None when it served it. A 404 or 410 (``page`` None); its error page with status 200; or
    another date's issue, in place or by a redirect (a site that sends a date without an issue
    to its newest issue): never stored under this date, and counted as a 404 is, where it was
    skipped on every run and the date asked for good."""
    if page is None:
        return str(response.status), f"HTTP {response.status}", "not_found"
    if page.not_found:
        return f"error page {page.not_found!r}", f"error page {page.not_found!r}", "error_page"
    if page.issue_date and page.issue_date != day:
        redirected = f" by a redirect to {response.url}" if response.meta.get("redirect_urls") else ""
        return f"the issue of {page.issue_date.isoformat()}{redirected}", "another date's issue", "other_issue"
    return None


def _issue_day(message) -> date | None:
    """The issue date a request (or its response) is of, as the spider tagged it; None for none
    (a response tied to no request raises on its meta)."""
    try:
        meta = message.meta
    except AttributeError:
        return None
    return (meta.get("archive") or {}).get("issue_date")


def _redirect_loop(failure) -> bool:
    """A request the site redirected more times than REDIRECT_MAX_TIMES allows: Scrapy drops it
    as it drops what robots.txt forbids (IgnoreRequest), and a page, article or issue entry
    page so answered was missed by a run that said it fetched everything. A site that sends a
    file round in a loop is in trouble, as with a 5xx: a failure, asked again by the next run."""
    return bool(failure.check(IgnoreRequest)) and failure.getErrorMessage() == "max redirections reached"


def _asked_link(message) -> str:
    """The link a request (or the response to it) asked for, not where a redirect led: what the
    crawl's records and failure lines name."""
    return (message.meta.get("redirect_urls") or [message.url])[0]


def redirected_off_site(response) -> str | None:
    """Where a redirect took a request of the paper's site to another host, or None.

    A hijacked or expired site sends its visitors to a casino's page: stored, it became an
    article of the paper (title, body and URL of that page) that no later run asked again.
    """
    asked = response.meta.get("redirect_urls")
    if asked and _site(asked[0]) != _site(response.url):
        return response.url
    return None


def page_item(page, context: dict, url: str, **extra) -> PageItem:
    """The item of one page (版) read by the template's page object; ``context`` places it."""
    return PageItem(
        **context,
        url=url,
        page_label=page.page_label,
        section=page.section,
        pdf_url=page.pdf_url,
        image_url=page.image_url,
        articles_expected=len(page.article_links),
        article_urls=list(page.article_links),
        **extra,
    )


def article_item(article, context: dict, url: str, listed_title: str, **extra) -> ArticleItem:
    """The item of one article read by the template's page object (``context``: paper, issue, page).

    An article whose file says it is printed on another page than the one that linked it (a
    front page's 导读 links inner pages' articles) is placed on its own page, with that page's
    heading: the linking page keeps it among its links (page_articles)."""
    printed_on = getattr(article, "printed_on", None)
    if printed_on and (own := printed_on(context.get("page_url"), context.get("page_number"))):
        context = context | {"page_number": own.page_number, "page_url": own.url, "page_label": own.label, "section": own.section}
    # The cleaner reads the first the page object has: its parsed content region, that
    # region's HTML (generic extraction), else the paragraphs. Each is made only when needed.
    sheet = getattr(article, "body_sheet", None)
    if (element := article.body_element) is not None:
        body = {"body_element": element, "body_sheet": sheet}
    elif html := article.body_html:
        body = {"body_html": html, "body_sheet": sheet}
    else:
        body = {"paragraphs": list(article.paragraphs)}
    return ArticleItem(
        **context,
        url=url,
        article_id=article.article_id,
        pretitle=article.pretitle,
        title=article.title or listed_title,
        subtitle=article.subtitle,
        byline=article.byline,
        source=article.source,
        **body,
        images=[ImageItem(url=img.url, caption=img.caption) for img in article.images],
        extraction=article.extraction,
        **extra,
    )


class IssuesSpider(scrapy.Spider):
    name = "issues"

    def __init__(self, date=None, start=None, end=None, paper=None, base_url=None, backfill=None, refresh=None, **kwargs):
        check_argument_names(kwargs, ARGUMENTS)
        super().__init__(**kwargs)
        self.plan: CrawlPlan = plan_crawl(
            date=date, start=start, end=end, paper=paper, base_url=base_url, backfill=backfill, refresh=refresh
        )
        self.template = self.plan.paper.page_objects()
        self.asked_again: frozenset[date] = frozenset()  # see incomplete_issue_requests
        self.not_stored: frozenset[date] = frozenset()  # of those, the issues the archive holds nothing of
        self.newest_held: date | None = None  # see incomplete_issue_requests
        self.walked_back_to: date | None = None  # see _walked_back_to
        self.window: date | None = None
        self.gone: frozenset[date] = frozenset()
        self.held_complete: frozenset[date] = frozenset()  # see _missed_issue_requests
        self.counted_complete: set[date] = set()  # see _count_complete

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._read_error, signal=scrapy.signals.spider_error)
        crawler.signals.connect(spider._item_error, signal=scrapy.signals.item_error)
        return spider

    def _read_error(self, failure, response, spider) -> None:
        # Scrapy logs the traceback and counts it (spider_exceptions/…, a failure of the run:
        # crawler/extensions.py: fetch_failures); the end-of-run line names the response.
        self._first_failure(response.url, f"read error: {failure.getErrorMessage()}", _issue_day(response))

    def _item_error(self, item, response, spider, failure) -> None:
        # A pipeline raised on an item: Scrapy logs the traceback, and the item is not stored;
        # but it counts nothing, and such a run ended with status 0 and "0 failed". Its page is
        # not complete, so the next run reads it again (with the pipelines mended).
        failed = _FAILED_ITEMS.get(type(item), ITEM_ERRORS)
        self.crawler.stats.inc_value(f"{failed}processing-error")
        url = getattr(item, "url", None) or response.url
        self._first_failure(url, f"processing error: {failure.getErrorMessage()}",
                            getattr(item, "issue_date", None) or _issue_day(response))

    @classmethod
    def check_arguments(cls, **kwargs) -> CrawlPlan:
        """Validate arguments before a crawl starts (raises SpiderArgumentError); the plan."""
        check_argument_names(kwargs, ARGUMENTS)
        return plan_crawl(**{k: v for k, v in kwargs.items() if k in ARGUMENTS})

    @property
    def fetch_pdfs(self) -> bool:
        return self.settings.getbool("ARCHIVE_FETCH_PDFS")

    async def start(self):
        # Another paper's profile with a mistake does not stop this crawl; it is said in the
        # log, once per run (the check before the crawl says nothing: it has no log yet). Said
        # here, once the spider is open, it is counted in log_count/WARNING: Scrapy makes the
        # spider before its stats, and counts log lines from spider_opened on.
        for line in load_profiles().warnings():
            self.logger.warning(line)
        if self.plan.paper_as_given:
            self.logger.info("paper=%s taken as %s (%s): a paper's code is written as its profile writes it",
                             self.plan.paper_as_given, self.plan.paper.code, self.plan.paper.name)
        if self.plan.latest or self.plan.dates:  # a range without a publishing day says so below
            self.logger.info("plan: %s", self._plan_line())
        if self.plan.latest:
            if url := self.plan.latest_url():
                # Its refresh is read, not followed: it names the newest issue's entry page,
                # which is asked like a dated issue's (not at all when the archive holds it complete).
                # Failed after its retries, it is no failure: the walk back over the paper's days
                # finds the issue (latest_failed says so in a WARNING).
                yield scrapy.Request(
                    url, callback=self.parse_latest, errback=self.latest_failed,
                    meta={"handle_httpstatus_list": [404], "dont_follow_refresh": True} | GIVE_UP_SAID_ELSEWHERE,
                )
            else:
                for request in self._walk_back(paper_today() + timedelta(days=1)):
                    yield request
        else:
            if self.plan.cut_from:
                paper = self.plan.paper
                why = (f"the first issue of {paper.name} came out on {paper.first_issue} (first_issue in its profile)"
                       if paper.first_issue_given else
                       f"no issue of {paper.name} is asked before {paper.first_issue} (its profile gives no first_issue)")
                self.logger.info("the days from %s to %s are not asked: %s", self.plan.asked.split("..")[0],
                                 self.plan.cut_from - timedelta(days=1), why)
            if self.plan.cut_at:
                self.logger.info("the days after %s up to end %s are not asked: no issue of them is out yet",
                                 self.plan.cut_at, self.plan.asked.split("..")[-1])
            if not self.plan.dates:
                self._no_scheduled_day()
            for day in self.plan.dates:
                yield self._entry_request(day)

    def _entry_request(self, day: date, lookback: int = 0, url: str | None = None, index: bool = False,
                       asked: date | None = None, again: bool = False) -> scrapy.Request:
        """The entry page of the issue of ``day``; ``index``: the latest-issue page led to it;
        ``asked``: a day the walk back leaves out (_walk_back); ``again``: an incomplete issue
        a crawl of the newest asks again (incomplete_issue_requests)."""
        if self.plan.latest and not again:  # one date at a time, each after the one before had no issue
            self._take_for_newest(day)
        return scrapy.Request(
            url or self.plan.entry_url(day),
            callback=self.parse_issue,
            errback=self.issue_failed,
            cb_kwargs={"day": day, "lookback": lookback} | ({"index": True} if index else {})
            | ({"asked": asked} if asked else {}) | ({"again": True} if again else {}),
            # A missing issue is an answer, not an error: let the 404 (or 410) reach the callback.
            meta={"handle_httpstatus_list": list(NOT_FOUND_STATUSES), "archive": {"kind": "issue", "issue_date": day}},
        )

    def _walk_back(self, after: date, lookback: int | None = None, asked: date | None = None) -> list[scrapy.Request]:
        """The entry page of the last scheduled day before ``after``, within the lookback window
        (a listed break's days left out of it), but ``asked``: the day the latest-issue page led
        to, answered without an issue. Asked again, it was dropped as a duplicate request, and
        the walk ended there without a word or an issue. A day asked again ends the walk: the
        issues missed before it are asked instead (_missed_issue_requests)."""
        lookback = self.plan.paper.latest_lookback_days if lookback is None else lookback
        schedule = self.plan.paper.schedule
        for day, left in schedule.days_back(after, lookback):
            if day < self.plan.paper.first_issue:
                break  # a paper younger than the window: the days before its first issue had none
            if day in self.asked_again:  # the newest issue, asked already (and not twice)
                self._take_for_newest(day)
                return self._walked_back_to(day)
            if schedule.is_issue_day(day) and day != asked:
                return [self._entry_request(day, left, asked=asked)]
        self._no_recent_issue()
        return []

    def incomplete_issue_requests(self, days, not_stored=(), newest_held: date | None = None, window: date | None = None,
                                  gone: frozenset[date] = frozenset(),
                                  complete: frozenset[date] = frozenset()) -> list[scrapy.Request]:
        """A crawl of the newest issue asks again the issues of ``days``: those of its lookback
        window the archive holds incomplete from this root, and of ``not_stored``: those an
        earlier such crawl took for the newest (or asked again) and stored nothing of, its
        entry page failed or the run killed first (crawler/middlewares.py). Once a newer issue
        was out, a scheduled crawl of the newest never asked such an issue again, though its
        run had said to run again. ``newest_held``, ``window`` (its first day), ``gone`` (its
        dates taken for ones without an issue) and ``complete`` (its issues held complete, from
        whichever root) are for the issues between the newest the archive holds and the newest
        the site names, once it names it (_missed_issue_requests)."""
        self.newest_held, self.window, self.gone = newest_held, window, frozenset(gone)
        self.held_complete = frozenset(complete)
        self.not_stored = frozenset(not_stored)
        self.asked_again = frozenset(days) | self.not_stored
        if self.asked_again:
            self.crawler.stats.set_value(ASKED_AGAIN, sorted(day.isoformat() for day in self.asked_again))
        if self.not_stored:
            self.crawler.stats.set_value(NOT_STORED, sorted(day.isoformat() for day in self.not_stored))
            self.crawler.signals.send_catch_log(issues_taken)
        for day in sorted(self.not_stored):
            self.logger.info("the issue of %s on %s, which an earlier run failed to fetch (or was killed before it stored it), "
                             "is asked again", self.plan.paper.name, day.isoformat())
        requests = [self._entry_request(day, again=True) for day in sorted(self.asked_again, reverse=True)]
        if self.walked_back_to is not None:  # the walk back's first day, found before this
            requests += self._missed_issue_requests(self.walked_back_to)
        return requests

    def issue_held_complete(self, request: scrapy.Request) -> list[scrapy.Request]:
        """The delta middleware does not ask ``request``, an entry page of an issue the archive
        holds complete: counted so (_count_complete). One the walk back took for the newest
        leads to no response, where the issues missed since the newest the archive holds from
        this root are asked (parse_issue): they are asked here, as parse_latest asks them
        whatever the archive holds; for the walk back's first day, once
        incomplete_issue_requests knows the window."""
        self._count_complete(request.meta["archive"]["issue_date"])
        return self._walk_back_ended(**request.cb_kwargs)

    def _count_complete(self, day: date) -> bool:
        """The issue of ``day`` is not asked, the archive holding it complete: counted in the
        summary's "already complete" once, though a crawl of the newest may come to it twice (one
        held from another address between the newest held and a date the latest-issue page
        names without an issue, which the walk back then takes for the newest). Whether it was
        not counted before."""
        if day in self.counted_complete:
            return False
        self.counted_complete.add(day)
        self.crawler.stats.inc_value(ISSUES_SKIPPED)
        return True

    def _walk_back_ended(self, day: date, again: bool = False, index: bool = False, **_) -> list[scrapy.Request]:
        """The issues missed before ``day``, when its entry page is the walk back's, for the newest
        issue: neither asked again nor the one the latest-issue page led to (whose refresh had
        them asked: parse_latest). The walk ends there whether the issue is fetched, held
        complete, failed, or answered but not read as the paper's (parse_issue)."""
        return self._walked_back_to(day) if self.plan.latest and not again and not index else []

    def _walked_back_to(self, day: date) -> list[scrapy.Request]:
        """The walk back took ``day`` for the newest issue, whether it is fetched or not (held
        complete, failed, or asked again already): the issues missed before it are asked; once
        incomplete_issue_requests knows the window, for a day found before."""
        self.walked_back_to = day
        return self._missed_issue_requests(day) if self.window is not None else []

    def _missed_issue_requests(self, newest: date) -> list[scrapy.Request]:
        """The issues scheduled after the newest the archive holds from this root and before
        ``newest``, the site's, that no run asked: a scheduled run that did not happen (the
        machine off, cron's flock held by a longer crawl) left each for good, the next runs
        asking the newer issue alone and ending with status 0. Those of the lookback window are
        asked as an issue not stored is (and named so by a failure line, for the next run to
        ask), but those held complete (from another root: the delta middleware would skip them),
        which are said so; of older ones, one WARNING line gives the range that fetches them."""
        held = self.newest_held
        if held is None or self.window is None or newest <= held:
            return []  # an archive new to this root: the newest issue alone, as ever
        schedule, name = self.plan.paper.schedule, self.plan.paper.name
        older = schedule.dates(held + timedelta(days=1), min(self.window, newest) - timedelta(days=1))
        if older:
            self.logger.warning(
                "the archive holds no issue of %s from %s to %s (%d scheduled: %s), after its newest from this root, of %s: "
                "a crawl of the newest asks the last %d days alone; fetch them with -a start=%s -a end=%s",
                name, older[0], older[-1], len(older), self._schedule_words(older[0], older[-1]), held,
                self.plan.paper.latest_lookback_days, older[0], older[-1])
        between = [day for day in schedule.dates(max(held + timedelta(days=1), self.window), newest - timedelta(days=1))
                   if day not in self.asked_again and day not in self.gone]
        held_between = [day for day in between if day in self.held_complete and self._count_complete(day)]
        if held_between:
            self.crawler.stats.set_value(HELD_BETWEEN, sorted(
                {*(self.crawler.stats.get_value(HELD_BETWEEN) or ()), *(day.isoformat() for day in held_between)}))
        for day in held_between:
            self.logger.info("the issue of %s on %s, scheduled between the newest the archive holds (%s) and the site's "
                             "(%s), is held complete from another address of the site: not asked", name, day.isoformat(),
                             held, newest)
        missed = [day for day in between if day not in self.held_complete]
        if not missed:
            return []
        self.not_stored |= frozenset(missed)
        self.asked_again |= frozenset(missed)
        self.crawler.stats.set_value(ASKED_AGAIN, sorted(day.isoformat() for day in self.asked_again))
        self.crawler.stats.set_value(NOT_STORED, sorted(day.isoformat() for day in self.not_stored))
        self.crawler.signals.send_catch_log(issues_taken)
        for day in missed:
            self.logger.info("the issue of %s on %s, scheduled between the newest the archive holds (%s) and the site's "
                             "(%s), is asked: no run stored it", name, day.isoformat(), held, newest)
        return [self._entry_request(day, again=True) for day in reversed(missed)]

    def _take_for_newest(self, day: date) -> None:
        """A crawl of the newest issue takes ``day`` for it (so far): named by its failure line,
        and noted in its run's row, where a run killed before it stored the issue leaves it for
        the next run to ask."""
        self.crawler.stats.set_value(LATEST_ISSUE, day.isoformat())
        self.crawler.signals.send_catch_log(issues_taken)

    def _schedule_words(self, first: date, last: date) -> str:
        """The paper's schedule from ``first`` to ``last``, as its profile gives it: "every Tue, less its breaks"."""
        schedule = self.plan.paper.schedule
        return schedule.describe(first, last) + (", less its breaks" if schedule.breaks else "")

    def _no_scheduled_day(self) -> None:
        # A range or backfill the paper publishes on no day of (a weekly paper's Wednesday to
        # Monday, a holiday break): no failure, nothing asked (as a cron job's short backfill
        # during a break must not ask anything either).
        first, last = self.plan.span()
        self.logger.info("no issue of %s is scheduled from %s to %s (%s): nothing to ask", self.plan.paper.name,
                         first, last, self._schedule_words(first, last))

    def _plan_line(self) -> str:
        """What this crawl asks, said as it starts: a long range showed nothing until its first
        progress line. The archive's part is what ArchiveDeltaMiddleware read before the start
        (crawler/middlewares.py), so that the line says what the crawl skips, not a guess of it."""
        plan, stats = self.plan, self.crawler.stats
        paper = f"{plan.paper.name} ({plan.paper.code})"
        again = asks_complete_issues(plan, self.settings)
        if plan.latest:
            if again:
                return f"{paper}: the newest issue, fetched again if held ({again})"
            return (f"{paper}: the newest issue (not fetched if the archive holds it complete), and those of "
                    f"the last {plan.paper.latest_lookback_days} days the archive holds incomplete or lacks since its newest")
        first, last = plan.span()
        asked = len(plan.dates)
        if first == last and asked == 1:
            what = f"{first}: 1 date"
        else:
            what = (f"{first} to {last}: {asked} scheduled issue date{'' if asked == 1 else 's'} "
                    f"({self._schedule_words(first, last)}{', newest first' if plan.dates[0] > plan.dates[-1] else ''})")
        complete, incomplete = stats.get_value(DATES_HELD_COMPLETE, 0), stats.get_value(DATES_HELD_INCOMPLETE, 0)
        if again:
            held = [f"{complete + incomplete} held, asked again {again}" if complete + incomplete else "none held"]
            left = asked
        else:
            absent = stats.get_value(DATES_SKIPPED_ABSENT, 0)
            held = [words for count, words in (
                (complete, f"{complete} held complete, skipped"),
                (incomplete, f"{incomplete} held incomplete, only what {'it lacks' if incomplete == 1 else 'they lack'} asked"),
                (absent, f"{absent} taken for date{'' if absent == 1 else 's'} without an issue, skipped"),
            ) if count] or ["none held"]
            left = asked - complete - absent
        return f"{paper} {what}; {'; '.join(held)}; {left or 'no'} date{'' if left == 1 else 's'} to ask"

    def _no_recent_issue(self) -> None:
        self.logger.warning("no issue of %s found in the last %d days", self.plan.paper.name, self.plan.paper.latest_lookback_days)

    def parse_latest(self, response):
        """The page that leads to the current issue: a refresh to its entry page (read here, not
        followed, see start), or, where the refresh leads elsewhere, the page it led to."""
        if response.status == 200 and response.meta.get("dont_follow_refresh") and isinstance(response, HtmlResponse):
            _, target = get_meta_refresh(response, ignore_tags=self.settings.getlist("METAREFRESH_IGNORE_TAGS"))
            if target and (day := self.plan.paper.entry_date(target)) is not None:
                yield from self._missed_issue_requests(day)
                if day in self.asked_again and _same_path(target, self.plan.entry_url(day)):
                    # Asked already, from the crawl's root: the refresh may name it under another
                    # spelling of the root (another name of the host), asked too it was fetched
                    # twice. One at another path (the site moved its issues) is asked from there.
                    self._take_for_newest(day)
                else:
                    yield self._entry_request(day, url=target, index=True)
                return
            if target:
                yield scrapy.Request(
                    target, callback=self.parse_latest, errback=self.latest_failed,
                    meta={"handle_httpstatus_list": [404]} | GIVE_UP_SAID_ELSEWHERE,
                )
                return
        page = self.template.page(_html(response), response.url) if response.status == 200 else None
        day = page.issue_date if page else None
        if day is None:
            self.logger.info("%s does not lead to an issue: walking back over scheduled days", response.url)
            yield from self._walk_back(paper_today() + timedelta(days=1))
            return
        yield from self.parse_issue(response, day)

    def latest_failed(self, failure):
        self.logger.warning("%s not fetched (%s): walking back over scheduled days", failure.request.url,
                            self._failure_key(failure)[1])
        yield from self._walk_back(paper_today() + timedelta(days=1))

    def parse_issue(self, response, day: date, lookback: int = 0, index: bool = False, asked: date | None = None,
                    again: bool = False):
        name = self.plan.paper.name
        if elsewhere := redirected_off_site(response):
            self._not_read(response, "issue", "redirected", f"redirected off the site to {elsewhere}", day)
            yield from self._walk_back_ended(day, again, index)
            return
        page = self.template.page(_html(response), response.url) if response.status not in NOT_FOUND_STATUSES else None
        if page is not None and page.not_found and busy(page.not_found):
            # Says nothing of an issue that day: taken for a date without one, the issue was
            # missed by a run that ended with status 0.
            self._not_read(response, "issue", "busy", f"error page with HTTP 200: {page.not_found!r}", day)
            yield from self._walk_back_ended(day, again, index)
            return
        if no_issue := _no_issue_answer(response, page, day):
            why, answer, reason = no_issue
            if index:
                self.logger.info(
                    "the latest-issue page leads to a missing issue (%s at %s): walking back over scheduled days", why, response.url
                )
                yield from self._walk_back(paper_today() + timedelta(days=1), asked=day)
            elif lookback > 0:
                yield from self._walk_back(day, lookback, asked)
            elif again and day not in self.not_stored:
                # Served before (the archive holds part of it): no date without an issue.
                self.crawler.stats.inc_value(HELD_NOT_SERVED)
                self.logger.warning("the issue of %s on %s, held incomplete and asked again, was not served (%s at %s): "
                                    "it stays as stored", name, day.isoformat(), why, response.url)
            elif self.plan.latest and not again:
                self._no_recent_issue()
            elif (response.meta.get("archive") or {}).get("held"):
                # The archive holds its issue (crawler/middlewares.py): recorded as a date without
                # one, the date was taken for such, and the issue, incomplete, never asked again.
                self.crawler.stats.inc_value(HELD_NOT_SERVED)
                self.logger.warning("the issue of %s on %s, held in the archive, was not served (%s at %s): "
                                    "it stays as stored", name, day.isoformat(), why, response.url)
            else:  # a date asked (of those, one a crawl of the newest asks again, not stored before)
                self.crawler.stats.inc_value("issues/none")
                yield self._absent_issue(response, day, why, answer, reason)
            return
        if page.truncated:
            self._not_read(response, "issue", "truncated", f"truncated: {page.truncated}", day)
            yield from self._walk_back_ended(day, again, index)
            return
        self.crawler.stats.inc_value("issues/found")
        yield from self._walk_back_ended(day, again, index)
        if before := (response.meta.get("archive") or {}).get("absent"):
            # Its absent_issues row goes when its pages are stored (storage/db.py: store_batch).
            self.logger.info("issue of %s on %s served after %d run%s without one since %s%s: %s", name, day.isoformat(),
                             before["runs"], "" if before["runs"] == 1 else "s", before["first_seen"][:10],
                             ", taken for none till now" if before["gone"] else "", response.url)
        issue = {"day": day, "issue_url": response.url}
        if not page.page_links:
            # No page list, not even this page's own entry: the selectors miss it. Stored with
            # none expected, the issue would be complete with this one page; the drift alarm
            # reports it, and the issue stays incomplete, to be asked again.
            self.logger.warning("no page list on the entry page %s: the issue's other pages are not asked", response.url)
            self._drifted(NO_PAGE_LIST, day, response.url)
        yield from self._page(response, page, **issue, pages_expected=len(page.page_links) or None,
                              page_urls=[link.url for link in page.page_links] or None)
        for link in page.page_links:
            yield response.follow(
                link.url, callback=self.parse_page, errback=self.page_failed, cb_kwargs=issue,
                meta={"archive": {"kind": "page", "issue_date": day}},
            )

    def parse_page(self, response, day: date, issue_url: str):
        page = self._read(response, "page", self.template.page)
        if isinstance(page, DeadLinkItem):  # not the file: the site's error page, another file, a file cut short
            yield page
            return
        if page is None:
            return
        self._answered_again(response, "page")
        yield from self._page(response, page, day, issue_url)

    def _page(self, response, page, day: date, issue_url: str, pages_expected: int | None = None,
              page_urls: list[str] | None = None):
        number = page.page_number
        if number is None:
            number = next((link.page_number for link in page.page_links if link.url == response.url), None)
        if number is None:
            self.logger.warning("no page number on %s: page skipped", response.url)
            self._drifted(UNPLACED_PAGES, day, response.url)
            return
        paper = self.plan.paper
        context = {
            "paper_code": paper.code,
            "paper_name": paper.name,
            "issue_date": day.isoformat(),
            "issue_url": issue_url,
            "page_number": number,
        }
        articles = page.article_links
        raw = _raw(response)
        yield page_item(page, context, response.url, pages_expected=pages_expected, page_urls=page_urls, raw=raw,
                        fetched_at=raw.fetched_at)
        # What the page's PDF and articles need of it: where it is, and its heading, for the row
        # of the page they are stored with if they come to the archive before the page does.
        context |= {"page_url": response.url, "page_label": page.page_label, "section": page.section}
        if page.pdf_url and self.fetch_pdfs:
            yield scrapy.Request(
                page.pdf_url,
                callback=self.parse_pdf,
                errback=self.pdf_failed,
                cb_kwargs={"context": context},
                meta={
                    "download_maxsize": self.settings.getint("ARCHIVE_PDF_MAXSIZE"),
                    "archive": {"kind": "pdf", "issue_date": day, "page_url": response.url},
                },
            )
        titles = page.titles
        for url in articles:
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"context": context, "listed_title": titles.get(url, "")},
                meta={"archive": {"kind": "article", "issue_date": day}},
            )

    def parse_article(self, response, context: dict, listed_title: str):
        article = self._read(response, "article", self.template.article)
        if isinstance(article, DeadLinkItem):  # not the file: the site's error page, another file, a file cut short
            yield article
            return
        if article is None:
            return
        self._answered_again(response, "article")
        raw = _raw(response)
        yield article_item(article, context, response.url, listed_title, raw=raw, fetched_at=raw.fetched_at)

    def parse_pdf(self, response, context: dict):
        if self._read(response, "pdf", PagePdf, attrgetter("body")) is None:
            return
        raw = _raw(response)
        yield PagePdfItem(**context, url=response.url, raw=raw, fetched_at=raw.fetched_at)

    def issue_failed(self, failure):
        """The entry page (page list) of an issue could not be fetched: a failed issue, and a
        failed page. Only a 404 or 410 means the paper did not publish that day (parse_issue):
        a 5xx is the site's trouble, asked again by the next run."""
        request = failure.request
        if self._ignored(failure, "issue"):
            return
        self.crawler.stats.inc_value("issues/failed")
        key, why = self._failure_key(failure)
        self.crawler.stats.inc_value(f"pages/failed/{key}")
        url = _asked_link(request)
        self._first_failure(url, why, _issue_day(request))
        self.logger.error(
            "issue of %s on %s not fetched (%s): %s", self.plan.paper.name, request.cb_kwargs["day"].isoformat(), why, url
        )
        yield from self._walk_back_ended(**request.cb_kwargs)  # as a latest page's refresh would have them asked

    def page_failed(self, failure):
        yield from self._link_failed(failure, "page")

    def article_failed(self, failure):
        yield from self._link_failed(failure, "article")

    def _link_failed(self, failure, what: str):
        """A page or article not fetched; one the site answers 404 or 410 for, or always cuts
        short, is a dead link."""
        if failure.check(HttpError) and (status := failure.value.response.status) in NOT_FOUND_STATUSES:
            answer, reason = f"HTTP {status}", "not_found"
        elif failure.check(ResponseDataLossError):
            # Its headers came, then fewer bytes than they said.
            status, answer, reason = 200, "file cut short", "truncated"
        else:
            self._failed(failure, what)
            return
        if item := self._dead_link(failure.request, what, status, answer, reason, lambda note: self._failed(failure, what, note)):
            yield item

    def _dead_link(self, request, what: str, status: int, answer: str, reason: str, fail) -> DeadLinkItem | None:
        """A page or article link the site does not answer with its file (``answer``): 404 or
        410, its error page, another file (another issue's, its home page), or the file cut
        short; ``reason`` says which (storage.models.DEAD_LINK_REASONS). A failure of the run,
        ``fail(note)`` (the site may list a file before it writes it, or be writing it), until
        it has been answered so on ARCHIVE_GONE_AFTER_RUNS runs spanning ARCHIVE_GONE_AFTER_DAYS
        days (the delta middleware tags the request with the runs before,
        ``meta["archive"]["dead"]``); then it is gone, said once, and no run asks it again but
        with refresh=1. The item counts this run's answer in dead_links.

        A link the archive holds, asked again (refresh=1: the delta middleware tags it ``held``),
        is none: its stored copy stays, and as for an issue held and not served, that is no
        failure (a run again cannot bring it back) and no dead link. None, or if a refresh before
        this case counted it (``dead``), the item that deletes that record (``held``)."""
        url = _asked_link(request)
        tag = request.meta.get("archive") or {}
        now = datetime.now(timezone.utc)
        day = request.cb_kwargs["context"]["issue_date"] if what == "article" else request.cb_kwargs["day"].isoformat()
        issue_url = request.cb_kwargs["context"]["issue_url"] if what == "article" else request.cb_kwargs["issue_url"]
        if tag.get("held"):
            self.crawler.stats.inc_value(LINKS_HELD_NOT_SERVED)
            self.logger.warning("%s link held in the archive was not served (%s): it stays as stored: %s", what, answer, url)
            if not tag.get("dead"):
                return None
            return DeadLinkItem(paper_code=self.plan.paper.code, paper_name=self.plan.paper.name, issue_date=day,
                                issue_url=issue_url, kind=what, url=url, status=status, reason=reason, fetched_at=now, held=True)
        count = UnservedCount.of(tag.get("dead"), self.settings, now)
        if count.given_up_before:  # asked again by refresh=1: still gone
            self.crawler.stats.inc_value("links/still_gone")
            self.logger.info("%s link still gone (%s on %d runs since %s): %s", what, answer, count.runs, count.since.date(), url)
        elif count.given_up_now:
            note = f"{what} link gone: {answer} on {count.span()}, not asked again (-a refresh=1 asks again): {url}"
            self.crawler.stats.set_value(LINKS_GONE, [*(self.crawler.stats.get_value(LINKS_GONE) or []), note])
            self.logger.warning(note)
        else:
            fail(f" ({count.so_far(answer, self.settings, 'it is gone')})")
        return DeadLinkItem(
            paper_code=self.plan.paper.code, paper_name=self.plan.paper.name, issue_date=day, issue_url=issue_url,
            kind=what, url=url, status=status, reason=reason, gone=count.given_up, fetched_at=now,
        )

    def _absent_issue(self, response, day: date, why: str, answer: str, reason: str) -> AbsentIssueItem:
        """A date of the crawl's dates whose entry page the site answered without an issue of
        that day (_no_issue_answer: ``why``, ``answer``, ``reason``): the paper printed no issue that day,
        or has not put it up yet. No failure; counted as a dead link is (UnservedCount), the
        date is taken for one without an issue after ARCHIVE_GONE_AFTER_RUNS runs over
        ARCHIVE_GONE_AFTER_DAYS days: the delta middleware then leaves it out of the dates asked
        but with refresh=1, and `archive stats` no longer lists it missing. The item counts this
        run's answer in absent_issues, with the status the site first answered (a redirect's)."""
        url = _asked_link(response)
        name, asked = self.plan.paper.name, day.isoformat()
        now = datetime.now(timezone.utc)
        count = UnservedCount.of((response.meta.get("archive") or {}).get("absent"), self.settings, now)
        if count.given_up_before:  # asked again by refresh=1
            self.logger.info("still no issue of %s on %s (%s on %d runs since %s): %s", name, asked, answer, count.runs,
                             count.since.date(), url)
        elif count.given_up_now:
            self.crawler.stats.inc_value("issues/none_confirmed")
            self.logger.info("no issue of %s on %s: %s on %s, taken for a date without an issue, not asked again "
                             "(-a refresh=1 asks again): %s", name, asked, answer, count.span(), url)
        else:
            self.logger.info("no issue of %s on %s (%s at %s; %s)", name, asked, why, url,
                             count.so_far(answer, self.settings, "the date is taken for one without an issue"))
        return AbsentIssueItem(paper_code=self.plan.paper.code, paper_name=name, issue_date=asked, url=url,
                               status=_answered_status(response), reason=reason, confirmed=count.given_up, fetched_at=now)

    def pdf_failed(self, failure):
        self._failed(failure, "pdf")
        if failure.check(HttpError) and failure.value.response.status in NOT_FOUND_STATUSES:
            # The site has no such PDF: stored without text, so that its page counts as
            # complete and later runs do not ask for it again (a failure that may pass, a 5xx
            # or a network error, leaves the page to the next run).
            yield PagePdfItem(**failure.request.cb_kwargs["context"], url=failure.request.url, raw=None, gone=True,
                              fetched_at=datetime.now(timezone.utc))

    def _failed(self, failure, what: str, dead: str = "") -> None:
        """``dead``: for a dead link not yet gone, how far it is from being so."""
        request = failure.request
        if self._ignored(failure, what):
            return
        key, why = self._failure_key(failure)
        self.crawler.stats.inc_value(f"{what}s/failed/{key}")
        url = _asked_link(request)
        if what != "pdf" or key not in ("404", "410"):  # a PDF the site has not: stored as gone
            self._first_failure(url, why, _issue_day(request))
        if failure.check(HttpError) and not _server_trouble(failure.value.response.status):
            self.logger.warning("broken %s link (%s), skipped%s: %s", what, why, dead, url)
        else:
            self.logger.error("%s not fetched, skipped%s: %s (%s)", what, dead, url, why)

    def _answered_again(self, response, what: str) -> None:
        # Its dead_links row goes when it is stored (storage/db.py: store_batch).
        if before := (response.meta.get("archive") or {}).get("dead"):
            self.logger.info("%s link answered again after %d run%s without its file since %s%s: %s", what,
                             before["runs"], "" if before["runs"] == 1 else "s", before["first_seen"][:10], ", gone till now" if before["gone"] else "", response.url)

    def _drifted(self, stat: str, day: date, url: str) -> None:
        """Notes a file the template did not read as it should, for the drift alarm's report at
        the end of the run (exit 3): see crawler/extensions.py."""
        self.crawler.stats.set_value(stat, [*(self.crawler.stats.get_value(stat) or []), [day.isoformat(), url]])

    def _read(self, response, what: str, page_object, content=_html):
        """The page object of a page's, article's or PDF's response (made of ``content(response)``),
        or None for one that is not what was asked for though HTTP says 200 (counted and logged
        by _not_read); for a page or article not answered with its file (the site's error page,
        another file, the file cut short), the item of a dead link (_dead_link). A redirect off
        the site is no dead link: the site's host has changed hands, not one file."""
        if elsewhere := redirected_off_site(response):
            self._not_read(response, what, "redirected", f"redirected off the site to {elsewhere}")
            return None
        document = page_object(content(response), response.url)
        if document.not_found and busy(document.not_found):
            # A CDN's busy or security check page, like a 503, says nothing of the file: a
            # failed fetch, never counted towards the link's being gone.
            self._not_read(response, what, "busy", f"error page with HTTP 200: {document.not_found!r}")
            return None
        if document.not_found:
            not_this = ("error-page", f"error page with HTTP 200: {document.not_found!r}", f"error page {document.not_found!r}")
        elif what in ("page", "article") and (served := self._served_instead(response, what, document)):
            not_this = served
        elif document.truncated:
            not_this = ("truncated", f"truncated: {document.truncated}", "file cut short")
        else:
            return document
        key, why, answer = not_this
        if what in ("page", "article"):
            # The stats key names the reason: error-page, other-issue, other-file, truncated.
            return self._dead_link(response.request, what, _answered_status(response), answer, key.replace("-", "_"),
                                   lambda note: self._not_read(response, what, key, why, note=note))
        self._not_read(response, what, key, why)
        return None

    @staticmethod
    def _served_instead(response, what: str, document) -> tuple[str, str, str] | None:
        """What the site served in place of the page or article asked, as _read's (stats key,
        why, answer); None when it is the file. Another issue's file (a site that sends a
        missing file to its newest issue: stored, that issue's page took the place of this
        issue's page of the same number, with its articles), or, after a redirect, another file
        of the issue or the site (its home page, which refreshes to an issue's first page), or
        for a page, a file that is another page's by its own page list."""
        asked = response.request.cb_kwargs
        day = asked["day"].isoformat() if what == "page" else asked["context"]["issue_date"]
        redirected = response.meta.get("redirect_urls")
        # Only a redirected article may be another issue's: its date (outside the article's
        # own part of the file) costs the whole file's parse.
        if (what == "page" or redirected) and (other := document.issue_date) and other.isoformat() != day:
            return "other-issue", f"serves the issue of {other.isoformat()}", "another issue's file"
        if redirected and _file_name(redirected[0]) != _file_name(response.url):
            return "other-file", f"redirected to {response.url}", "redirect to another file"
        if what == "page" and (number := document.page_number) is not None:
            # Another page's file at this URL (an article of page 8 served for page 7's link),
            # read by its page list as that page: stored, it took the other page's place, and
            # this page and its articles were missed without a word.
            listed = next((link.page_number for link in document.page_links if link.url == response.url), None)
            if listed is not None and listed != number:
                return "other-file", f"serves page {number}'s file, not page {listed}'s", "another page's file"
        return None

    def _not_read(self, response, what: str, key: str, why: str, day: date | None = None, note: str = "") -> None:
        """A response that is not what was asked for, though HTTP says 200: the site's error
        page, a redirect off the site, to another issue or to another file (a broken link, as a
        404 is), or a file cut short (a failed fetch, as a network error is). Not stored,
        counted as not fetched, so that the run says so and a later run asks again; an issue's
        entry page so answered fails the issue, as an HTTP error does (issue_failed). ``note``:
        for a dead link not yet gone, how far it is from being so."""
        url = _asked_link(response)
        self._first_failure(url, why, _issue_day(response))
        if what == "issue":
            self.crawler.stats.inc_value("issues/failed")
            self.crawler.stats.inc_value(f"pages/failed/{key}")
            self.logger.error("issue of %s on %s not fetched (%s): %s", self.plan.paper.name, day.isoformat(), why, url)
            return
        self.crawler.stats.inc_value(f"{what}s/failed/{key}")
        if key in ("truncated", "busy"):
            self.logger.error("%s not fetched, skipped%s: %s (%s)", what, note, url, why)
        else:
            self.logger.warning("broken %s link (%s), skipped%s: %s", what, why, note, url)

    def _ignored(self, failure, what: str) -> bool:
        """A request the crawl itself dropped (robots.txt forbids it, or it left the site's
        domain) was never sent: not a failure, as asking again would change nothing."""
        if failure.check(HttpError) or not failure.check(IgnoreRequest) or _redirect_loop(failure):  # HttpError is an IgnoreRequest
            return False
        self.crawler.stats.inc_value(f"{what}s/ignored")
        self.logger.warning("%s not fetched (%s): %s", what, failure.getErrorMessage(), failure.request.url)
        return True

    @staticmethod
    def _failure_key(failure) -> tuple[str, str]:
        """The stats key of a failed request (its HTTP status, 'truncated' or 'network') and why it failed."""
        if failure.check(HttpError):
            status = failure.value.response.status
            return str(status), f"HTTP {status}"
        if failure.check(ResponseDataLossError):  # its message is empty
            return "truncated", "truncated: the site sent fewer bytes than its Content-Length"
        if _redirect_loop(failure):
            return "redirects", "redirected more times than REDIRECT_MAX_TIMES allows (a redirect loop)"
        return "network", failure.getErrorMessage()

    def _first_failure(self, url: str, why: str, day: date | str | None) -> None:
        # The example the end-of-run error line names (crawler/extensions.py: fetch_failures),
        # and the issue dates it names where they are not all the run's own (dates_failed_beyond).
        if day is not None:
            note_failed_date(self.crawler.stats, day)
        if self.crawler.stats.get_value(FIRST_FAILURE) is None:
            self.crawler.stats.set_value(FIRST_FAILURE, f"{url}: {why}")
