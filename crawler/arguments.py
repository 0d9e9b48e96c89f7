"""Spider arguments: parsed and validated before anything is fetched.

A bad argument is a :class:`SpiderArgumentError` whose message is the one line the user sees.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from crawler.papers import PaperProfile, UnknownPaper, get_paper

DEFAULT_PAPER = "gongyishibao"


class SpiderArgumentError(ValueError):
    pass


@dataclass(frozen=True)
class CrawlPlan:
    paper: PaperProfile
    root: str  # the site root the entry pattern hangs off (the profile's, or base_url)
    dates: tuple[date, ...]  # empty: the most recent issue

    @property
    def latest(self) -> bool:
        return not self.dates

    def entry_url(self, day: date) -> str:
        return self.paper.entry_url(day, self.root)

    def latest_url(self) -> str | None:
        return self.paper.latest_url(self.root)


def _parse_date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SpiderArgumentError(f"bad date for {name}: {value!r} (expected YYYY-MM-DD)") from None


def _flag(name: str, value: str | bool | None) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise SpiderArgumentError(f"bad value for {name}: {value!r} (expected 1 or 0)")


def plan_crawl(
    date: str | None = None,
    start: str | None = None,
    end: str | None = None,
    paper: str | None = None,
    base_url: str | None = None,
    today: date | None = None,
) -> CrawlPlan:
    try:
        profile = get_paper(paper or DEFAULT_PAPER)
    except UnknownPaper as exc:
        raise SpiderArgumentError(str(exc)) from None

    if date and (start or end):
        raise SpiderArgumentError("give either date= or start=/end=, not both")
    if date:
        dates: tuple = (_parse_date("date", date),)
    elif start or end:
        if not start:
            raise SpiderArgumentError("end= needs start= as well")
        first = _parse_date("start", start)
        last = _parse_date("end", end) if end else (today or _today())
        if last < first:
            raise SpiderArgumentError(f"end {last.isoformat()} is before start {first.isoformat()}")
        dates = tuple(first.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1))
    else:
        dates = ()

    root = profile.root
    if base_url:
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SpiderArgumentError(f"bad base_url {base_url!r} (expected http://host/path/)")
        root = base_url if base_url.endswith("/") else base_url + "/"
    return CrawlPlan(paper=profile, root=root, dates=dates)


def _today() -> date:
    return date.today()
