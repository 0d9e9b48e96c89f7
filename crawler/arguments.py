"""Spider arguments: parsed and validated before anything is fetched.

A bad argument is a :class:`SpiderArgumentError` whose message is the one line the user sees.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from crawler.addons import crawl_mode
from crawler.dates import BadDate, half_width, in_full_width, paper_today, typed_date, written_as_date
from crawler.papers import (DEFAULT_FIRST_ISSUE, InvalidProfile, PaperProfile, UnknownPaper, another_papers_site, as_site_root,
                            bad_root, get_paper, taken_as)

DEFAULT_PAPER = "gongyishibao"


class SpiderArgumentError(ValueError):
    pass


@dataclass(frozen=True)
class CrawlPlan:
    paper: PaperProfile
    root: str  # the site root the entry pattern hangs off (the profile's, or base_url)
    dates: tuple[date, ...]  # in the order they are asked; empty with latest, or a range without a publishing day
    refresh: bool = False  # re-fetch everything, complete issues included
    asked: str = "latest"  # what the user asked, for the crawl record: a date, 'start..end'
    # No date given: the most recent issue. Not "no dates": a range or backfill in which the
    # paper publishes on no day (a weekly paper's Wednesday to Monday, a holiday break) asks
    # nothing, where it fetched and stored the newest issue, outside the range asked.
    latest: bool = False
    # paper= as given, where it named the paper's code in other capitals (Gongyishibao) or widths.
    paper_as_given: str | None = None
    # Tomorrow, when the end= given lies later: the range's last day asked (plan_crawl).
    cut_at: date | None = None
    # The paper's first issue, when the range given begins before it: the range's first day asked.
    cut_from: date | None = None

    def entry_url(self, day: date) -> str:
        return self.paper.entry_url(day, self.root)

    def latest_url(self) -> str | None:
        return self.paper.latest_url(self.root)

    def span(self) -> tuple[date, date] | None:
        """The first and last day a crawl of dates asks: the range given, cut to the paper's first
        issue and to tomorrow (cut_from, cut_at); None for the newest issue."""
        if self.latest:
            return None
        given = self.asked.split("..")
        return self.cut_from or date.fromisoformat(given[0]), self.cut_at or date.fromisoformat(given[-1])


# Spider attributes that Scrapy's own middlewares read and ``-a`` may set: UserAgentMiddleware's
# user_agent, HttpAuthMiddleware's http_user, http_pass and http_auth_domain.
SCRAPY_ARGUMENTS = ("user_agent", "http_user", "http_pass", "http_auth_domain")


def check_argument_names(given: Iterable[str], known: Sequence[str]) -> None:
    """A spider argument none of ``known`` is an error: misspelt (``dat=``), it would be ignored.

    Scrapy's (SCRAPY_ARGUMENTS) pass, and so does every name that begins with ``_``: scrapyd's
    own (``_job``, ``_version``) are spider arguments to the crawl it starts.
    """
    unknown = [n for n in given if n not in known and n not in SCRAPY_ARGUMENTS and not n.startswith("_")]
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise SpiderArgumentError(
            f"unknown spider argument{'s' if len(unknown) > 1 else ''} {names} (known: {', '.join(known)})"
        )


# The last segment of a URL's path that is a web page's file, not a folder.
_PAGE = re.compile(r"/([^/]+\.(?:s?html?|aspx?|php|jsp))$", re.IGNORECASE)


def _parse_date(name: str, value: str) -> date:
    try:
        return typed_date(value)
    except BadDate as exc:
        # The crawl record writes a range so (dates_asked), and date= may be given one copied from it.
        first, dots, last = exc.value.partition("..")
        ranged = name == "date" and dots and written_as_date(first) and written_as_date(last)
        hint = f" (a range is start={first} end={last})" if ranged else ""
        raise SpiderArgumentError(f"bad date for {name}: {exc}{hint}") from None


# A yes-or-no argument's words, in any letter case; the error names them all.
_YES = ("1", "yes", "true", "on")
_NO = ("0", "no", "false", "off")


def _flag(name: str, value: str | bool | None) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise SpiderArgumentError(
        f"bad value for {name}: {value!r} (expected one of {', '.join(_YES + _NO)}, in any letter case)"
    )


# ASCII digits, as in a date (crawler.dates): int() also reads full-width and other scripts' digits.
_SPAN = re.compile(r"([0-9]+)([ymwd])")
_SPAN_DAYS = {"w": 7, "d": 1}


def backfill_start(value: str, last: date) -> date:
    """The first date a ``backfill=`` walk reaches, counting back from ``last``.

    ``backfill`` is either a date (``2005-01-01``: back to that day) or a span back from the
    end: ``10y`` years, ``6m`` months, ``8w`` weeks, ``30d`` days.
    """
    span = _SPAN.fullmatch(written := value.strip().lower())
    if not span:
        # A date in full-width digits is refused as one (_parse_date says so, as of date=).
        if written_as_date(half_width(value)):
            return _parse_date("backfill", value)
        if _SPAN.fullmatch(in_ascii := half_width(written)):
            raise SpiderArgumentError(
                f"bad value for backfill: {value.strip()!r} {in_full_width('spans are written', in_ascii)}")
        raise SpiderArgumentError(
            f"bad value for backfill: {value!r} (expected a date YYYY-MM-DD or a span such as 10y, 6m, 8w, 30d)"
        )
    n, unit = int(span[1]), span[2]
    try:
        if unit in _SPAN_DAYS:
            return last - timedelta(days=n * _SPAN_DAYS[unit])
        months = last.year * 12 + last.month - 1 - (n * 12 if unit == "y" else n)
        year, month = divmod(months, 12)
        # The same day of the month, or the month's last day when it has fewer days.
        return date(year, month + 1, min(last.day, calendar.monthrange(year, month + 1)[1]))
    except (ValueError, OverflowError):
        # A span longer than the calendar (99999y) ended the run with a traceback.
        raise SpiderArgumentError(
            f"bad value for backfill: {value!r} reaches back before the year 1 from {last.isoformat()}"
        ) from None


def plan_crawl(
    date: str | None = None,
    start: str | None = None,
    end: str | None = None,
    paper: str | None = None,
    base_url: str | None = None,
    backfill: str | None = None,
    refresh: str | bool | None = None,
    today: date | None = None,
) -> CrawlPlan:
    given = {"date": date, "start": start, "end": end, "backfill": backfill, "paper": paper, "base_url": base_url,
             "refresh": refresh if isinstance(refresh, str) else None}
    if empty := [name for name, value in given.items() if value is not None and not value.strip()]:
        # Taken for not given, `-a date=` crawled the newest issue and an empty base_url the
        # profile's root, as a misspelt name did (check_argument_names): a cron line's
        # `-a date=$(…)` whose command printed nothing.
        raise SpiderArgumentError(f"{empty[0]}= is empty: give it a value, or leave it out")
    try:
        profile = get_paper(paper or DEFAULT_PAPER)
    except (UnknownPaper, InvalidProfile) as exc:  # no profile of it, or one of its with a mistake
        raise SpiderArgumentError(str(exc)) from None

    later = earlier = None
    if date and (start or end or backfill):
        raise SpiderArgumentError("give either date= or start=/end= or backfill=, not several")
    if backfill and start:
        raise SpiderArgumentError("give either start= or backfill=, not both")
    if date:
        day = _not_ahead("date", _parse_date("date", date), today)
        if day < profile.first_issue:
            raise SpiderArgumentError(f"date {day.isoformat()} is before {_first_issue(profile)}: no issue of it exists")
        dates: tuple = (day,)
        asked = day.isoformat()
    elif start or end or backfill:
        if not (start or backfill):
            raise SpiderArgumentError("end= needs start= or backfill= as well")
        now = today or _today()
        last = _parse_date("end", end) if end else now
        first = _not_ahead("start", _parse_date("start", start), today) if start else backfill_start(backfill, last)
        if last < first:
            # Only a backfill back to a date can be: it names the argument the user gave.
            raise SpiderArgumentError(f"end {last.isoformat()} is before {'start' if start else 'backfill'} {first.isoformat()}")
        # The days after tomorrow are not asked: their entry pages answer 404, which was counted
        # as a date without an issue, and a range that runs on into the coming weeks (a cron
        # line's end=2026-12-31) asked weekly had a Tuesday taken for one before it came out,
        # its issue then never asked. A backfill counts back from the end given all the same.
        horizon = now + timedelta(days=1)
        if last > horizon:
            if first > horizon:
                raise SpiderArgumentError(
                    f"backfill={backfill} from end {last.isoformat()} asks only days in the future: "
                    f"no issue of them is out yet (today in China is {now.isoformat()})"
                )
            later = last
            last = horizon
        given_date = "start" if start else "backfill" if written_as_date(backfill) else None
        if given_date and first < min(DEFAULT_FIRST_ISSUE, profile.first_issue):
            # A slip in the year (0203 for 2023) asked every scheduled day of eighteen centuries.
            raise SpiderArgumentError(
                f"{given_date} {first.isoformat()} is before {min(DEFAULT_FIRST_ISSUE, profile.first_issue).isoformat()}: "
                f"no date so early is asked (a slip in its year?); {_first_issue(profile, 'is')}"
            )
        if last < profile.first_issue:
            what = (f"start {first.isoformat()} to end {last.isoformat()} are" if start
                    else f"backfill={backfill} from end {last.isoformat()} asks only days")
            raise SpiderArgumentError(f"{what} before {_first_issue(profile)}: no issue of them exists")
        if first < profile.first_issue:
            # A backfill of 30y, or a range from before it: the paper's issues, all of them.
            earlier = first
            first = profile.first_issue
        # Only the days the paper comes out: a weekly paper is asked once a week, not 7 times.
        dates = tuple(profile.schedule.dates(first, last))
        if backfill:
            dates = dates[::-1]  # a backfill walks back from the newest issue
        asked = f"{(earlier or first).isoformat()}..{(later or last).isoformat()}"  # as given, for crawl_runs and the job's keys
    else:
        dates = ()
        asked = "latest"
    latest = not (date or start or end or backfill)

    root = profile.root
    if base_url:
        root = as_site_root(base_url)
        if root is None:
            raise SpiderArgumentError(bad_root("base_url", base_url, "http://host/path/"))
        if page := _PAGE.search(urlsplit(base_url.strip()).path):
            # Copied from the address bar, a page was taken for a folder: every date asked under
            # it answered 404 and was counted as a date without an issue.
            raise SpiderArgumentError(
                f"bad base_url {base_url!r} (it names a page, {page[1]}, not a folder: expected the folder "
                f"the paper's issues are under, as its root {profile.root})")
        if other := another_papers_site(profile, root):
            raise SpiderArgumentError(
                f"base_url {base_url!r} is the site of paper {other.code!r} ({other.root}): what a crawl of {profile.code!r} "
                f"fetched there would be stored as its issues; leave base_url out, or give a copy of the site of {profile.code}")
    return CrawlPlan(paper=profile, root=root, dates=dates, refresh=_flag("refresh", refresh), asked=asked, latest=latest,
                     cut_at=last if later else None, cut_from=first if earlier else None,
                     paper_as_given=taken_as(paper, profile.code) if paper else None)


def _first_issue(profile: PaperProfile, verb: str | None = None) -> str:
    """The paper's first issue in words, for a message: "the first issue of CODE, DATE", or with
    ``verb``, "the first issue of CODE is DATE"; said to be assumed where its profile gives none."""
    day = profile.first_issue.isoformat()
    if profile.first_issue_given:
        return f"the first issue of {profile.code} {verb} {day}" if verb else f"the first issue of {profile.code}, {day}"
    if verb:
        return f"the first issue of {profile.code} {verb} taken for {day} (its profile gives no first_issue)"
    return f"{day}, the first issue assumed of {profile.code} (its profile gives no first_issue)"


def asks_complete_issues(plan: CrawlPlan, settings=None) -> str | None:
    """Why a crawl of ``plan`` with the Scrapy ``settings`` fetches again the issues the archive
    holds complete (crawler.middlewares.ArchiveDeltaMiddleware skips none), in words: "with
    refresh" or "with ARCHIVE_DELTA_ENABLED=False"; None if it skips them."""
    if plan.refresh:
        return "with refresh"
    if settings is not None and not settings.getbool("ARCHIVE_DELTA_ENABLED", True):
        return "with ARCHIVE_DELTA_ENABLED=False"
    return None


def check_root(plan: CrawlPlan, elsewhere: Sequence[tuple[date, str]], settings=None) -> None:
    """Refuse a crawl whose issues the archive holds under another root: ``elsewhere``, the
    stored issues (date, entry URL) it could fetch again (storage/roots.py:
    issues_from_other_roots). An article is known by its URL, an issue by its date: their pages
    would merge and every article be stored a second time under the new addresses."""
    if elsewhere:
        raise SpiderArgumentError(root_refusal(plan, elsewhere, settings))


def root_refusal(plan: CrawlPlan, elsewhere: Sequence[tuple[date, str]], settings=None,
                 latest: bool | None = None) -> str:
    """Why a crawl from ``plan``'s root with the Scrapy ``settings`` may not store the issues
    ``elsewhere`` (date, entry URL, oldest first), held from another root, and the way out;
    ``latest`` (default: the plan's) says the newest issue's date is not known yet."""
    code = plan.paper.code
    held_at: dict[str, list[date]] = {}
    for day, url in elsewhere:
        held_at.setdefault(plan.paper.root_of(url, day), []).append(day)
    roots = sorted(held_at, key=lambda r: -len(held_at[r]))
    first, last = elsewhere[0][0], elsewhere[-1][0]
    span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
    issues = f"{len(elsewhere)} issue{'s' if len(elsewhere) > 1 else ''}"
    moves = " && ".join(f"archive move-root {code} {root} {plan.root}" for root in roots)
    # This root as an earlier version stored it (http://host:80/, /./, //): a crawl from it is a
    # crawl from this root, its requests written one way; only a move lets it in.
    spelt = [root for root in roots if as_site_root(root) == plan.root]
    held = roots[0] if len(roots) == 1 else " and ".join(f"{root} ({len(held_at[root])})" for root in roots)
    if spelt and len(roots) == 1:
        way_out = f"it is this root as an earlier version wrote it, the addresses as given: move them to it first: {moves}"
    elif spelt:
        way_out = f"{spelt[0]} is this root as an earlier version wrote it: move the archive's addresses first: {moves}"
    elif len(roots) == 1 and plan.dates and set(plan.dates) <= set(held_at[held]):
        # The same crawl from there asks only issues held from there: it is accepted.
        way_out = f"crawl from {held} (-a base_url={held}), or move the archive's addresses first: {moves}"
    elif again := asks_complete_issues(plan, settings):
        # Refreshed, or without the delta, an issue is asked again complete or not: crawled
        # alone from its root first, it refused this crawl again all the same.
        way_out = f"{again} they are asked again, complete or not: move the archive's addresses first: {moves}"
    else:
        # The same crawl from there would be refused the other way round for the other dates
        # the archive holds incomplete from this root; of the newest issue, it fetched the newest
        # and not the older ones held, which refused the next crawl from this root all the same:
        # fetch the held issues alone, from their root.
        them = "it" if len(elsewhere) == 1 else "them"
        # A distributed crawl's settings (CRAWL_JOB, $CRAWL_JOB, or the job named by the date)
        # would make each of these crawls a worker of a job: of the refused crawl's, still
        # crawling from this root, which refuses a worker from that root (a circle), or, ended,
        # which it would open from that root, refusing this crawl's workers in turn, its
        # fingerprints kept from requests it shares. One issue needs no shared queue: crawled
        # locally it touches no job, and the archive still takes each issue from one root.
        alone = " -s CRAWL_MODE=local" if settings is not None and crawl_mode(settings) == "distributed" else ""
        crawls = "; ".join(f"-a paper={code} -a date={day.isoformat()} -a base_url={root}{alone}"
                           for root in roots for day in held_at[root])
        way_out = (f"crawl {them} from {'its' if len(elsewhere) == 1 else 'their'} root first"
                   f"{'' if len(elsewhere) == 1 else ', one date at a time'} ({crawls}), then this crawl again, "
                   f"or move the archive's addresses first: {moves}")
    risk = ("the newest issue, known only once the site is asked, may be one of them and have its articles stored twice"
            if (plan.latest if latest is None else latest) else "their articles would be stored twice")
    return (f"the archive holds {issues} of {code} ({span}) fetched from {held}, not from this crawl's root "
            f"{plan.root}: {risk}; {way_out}")


def _today() -> date:
    # The paper's (crawler.dates): a range without an end, on a machine west of China, missed
    # the issue out there until the machine's clock reached its date.
    return paper_today()


def _not_ahead(name: str, day: date, today: date | None) -> date:
    """``day``, unless no issue of it can be out yet: a slip of the keyboard (2099 for 2009)
    crawled nothing and said nothing, with exit status 0. Tomorrow in China is asked too: on a
    machine east of China (Japan, New Zealand) it is the machine's today for hours each day."""
    now = today or _today()
    if day > now + timedelta(days=1):
        raise SpiderArgumentError(f"{name} {day.isoformat()} is in the future: no issue of it is out yet (today in China is {now.isoformat()})")
    return day
