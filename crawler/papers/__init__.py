"""Paper profiles: each paper is data (a TOML file beside this module), not code.

Adding another paper that uses a known template family means adding one TOML file.
"""
from __future__ import annotations

import difflib
import os
import re
import tomllib
import unicodedata
from importlib import resources
from dataclasses import dataclass, field
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse, urlsplit

from w3lib.url import safe_url_string

from crawler.dates import paper_today

if TYPE_CHECKING:
    from crawler.templates.registry import Template

# A date field of an entry pattern: {date:%Y-%m} (or {date}, the ISO date).
_DATE_FIELD = re.compile(r"\{date(?::([^}]*))?\}")


class UnknownPaper(ValueError):
    pass


class InvalidProfile(ValueError):
    pass


_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The first issue assumed of a paper whose profile gives no first_issue: no date before it is
# asked. An e-paper site serving issues older than this says so in its profile.
DEFAULT_FIRST_ISSUE = date(1900, 1, 1)
# Any date: what two entry patterns make of it tells whether they are one.
_SAMPLE_DAY = date(2023, 1, 31)


@dataclass(frozen=True)
class EarlierSchedule:
    """The ISO weekdays a paper came out on up to ``until`` (inclusive), since the day after the
    ``until`` of the schedule before it (or ever, for the oldest)."""

    until: date
    weekdays: tuple[int, ...]


@dataclass(frozen=True)
class Break:
    """Days, ``first`` to ``last`` inclusive, on which no issue came out whatever the weekday
    (a Spring Festival break, 国庆)."""

    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Schedule:
    # The weekdays the paper comes out on now (since the day after the last earlier ``until``).
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    # The schedules it had before, oldest first: a paper goes from weekly to twice a week.
    earlier: tuple[EarlierSchedule, ...] = ()
    breaks: tuple[Break, ...] = ()

    def weekdays_on(self, day: date) -> tuple[int, ...]:
        """The weekdays of the schedule in force on ``day``."""
        return next((period.weekdays for period in self.earlier if day <= period.until), self.weekdays)

    def in_break(self, day: date) -> bool:
        return any(day in gap for gap in self.breaks)

    def is_issue_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays_on(day) and not self.in_break(day)

    def days_back(self, after: date, days: int) -> Iterator[tuple[date, int]]:
        """The ``days`` days before ``after``, newest first, each with how many of them are left
        after it. A break's days are passed over without counting: a Spring Festival break
        longer than the window must not hide the issue printed before it."""
        day = after
        while days > 0:
            day -= timedelta(days=1)
            if not self.in_break(day):
                days -= 1
                yield day, days

    def no_issue_on(self, day: date) -> str | None:
        """Why the schedule has no issue on ``day``, in words ("2023-01-30 is a Mon, a day …
        (every Tue)"); None on a publishing day."""
        if gap := next((gap for gap in self.breaks if day in gap), None):
            return f"{day} is in the paper's break from {gap.first} to {gap.last} (its profile's schedule.breaks)"
        if day.isoweekday() not in self.weekdays_on(day):
            return (f"{day} is a {_WEEKDAY_NAMES[day.isoweekday() - 1]}, a day the paper's profile schedules no issue on "
                    f"({self.describe(day, day)})")
        return None

    def dates(self, start: date, end: date) -> list[date]:
        """Scheduled dates from start to end inclusive, oldest first."""
        return [d for d in _days(start, end) if self.is_issue_day(d)]

    def break_dates(self, start: date, end: date) -> list[date]:
        """The dates from start to end that a break takes out of the weekdays then in force, oldest first."""
        return [d for d in _days(start, end) if d.isoweekday() in self.weekdays_on(d) and self.in_break(d)]

    def describe(self, start: date, end: date) -> str:
        """The schedules in force from start to end, in words: "every Tue", or
        "every Tue until 2012-12-31; every Tue, Fri from 2013-01-01"."""
        periods = []  # (first day or None, last day or None, weekdays)
        since = None
        for period in self.earlier:
            periods.append((since, period.until, period.weekdays))
            since = period.until + timedelta(days=1)
        periods.append((since, None, self.weekdays))
        shown = [p for p in periods if (p[0] is None or p[0] <= end) and (p[1] is None or p[1] >= start)]
        words = []
        for first, last, weekdays in shown:
            every = "every " + ", ".join(_WEEKDAY_NAMES[d - 1] for d in sorted(weekdays))
            if len(shown) > 1:
                every += (f" from {first}" if first and first > start else "") + (f" until {last}" if last and last < end else "")
            words.append(every)
        return "; ".join(words)


def _days(start: date, end: date):
    return (start + timedelta(n) for n in range((end - start).days + 1))


@dataclass(frozen=True)
class PaperProfile:
    code: str
    name: str
    template: str
    root: str
    entry: str
    schedule: Schedule = field(default_factory=Schedule)
    latest_lookback_days: int = 14
    # A page at the root that refreshes to the current issue (Founder sites: paperindex.htm).
    latest: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    # The date of its first issue, as its profile gives it (None: not given, DEFAULT_FIRST_ISSUE).
    first_issue_given: date | None = None
    # The site's own images (paths and patterns, crawler/templates/siteimages.py): no pictures of its articles.
    site_images: tuple[str, ...] = ()

    def page_objects(self) -> Template:
        """Its template family's page objects, bound to its selectors and its site's images;
        ValueError (one line) where the profile names them wrongly."""
        from crawler.templates.registry import get_template

        return get_template(self.template, self.selectors, self.site_images)

    @property
    def first_issue(self) -> date:
        """The earliest date an issue of the paper can have: no crawl asks one before it."""
        return self.first_issue_given or DEFAULT_FIRST_ISSUE

    def entry_url(self, day: date, root: str | None = None) -> str:
        base = root or self.root
        if not base.endswith("/"):
            base += "/"
        return base + self.entry.format(date=day)

    def entry_date(self, url: str) -> date | None:
        """The date whose entry page ``url`` is, under whatever root; None if it is no entry page."""
        parts = _DATE_FIELD.split(self.entry)  # literal, format, literal, format, …, literal
        literals, formats = parts[::2], [f or "%Y-%m-%d" for f in parts[1::2]]
        pattern = "(.+?)".join(re.escape(literal) for literal in literals)
        found = re.search(f"(?:^|/){pattern}$", url.split("#")[0].split("?")[0])
        if not found:
            return None
        try:
            day = datetime.strptime("\x1f".join(found.groups()), "\x1f".join(formats)).date()
        except ValueError:
            return None
        # Only a URL the pattern itself makes (html/2023-1/31/ is not html/2023-01/31/).
        return day if found[0].lstrip("/") == self.entry.format(date=day) else None

    def root_of(self, url: str, day: date) -> str:
        """The site root the entry page ``url`` of the issue of ``day`` hangs off; where the
        entry pattern does not end it (the site redirected it elsewhere), its scheme and host."""
        entry = self.entry.format(date=day)
        if url.endswith("/" + entry):
            return url[: -len(entry)]
        return host_root(url)

    def issue_folder(self, root: str | None = None) -> str:
        """The folder of an issue's entry page under ``root`` (default: the profile's), the date
        a placeholder: its pages and articles are the files beside it, so two papers with one
        cannot be told apart."""
        return self.entry_url(_SAMPLE_DAY, root).rpartition("/")[0]

    def latest_url(self, root: str | None = None) -> str | None:
        if not self.latest:
            return None
        base = root or self.root
        return (base if base.endswith("/") else base + "/") + self.latest


# The keys a profile may have: any other is a misspelling (schedul, latset) that would be
# ignored without a word, the paper crawled on another schedule or without its latest page.
_KEYS = ("code", "name", "template", "root", "entry", "first_issue", "schedule", "latest", "latest_lookback_days", "selectors",
         "site_images")
_SCHEDULE_KEYS = ("weekdays", "earlier", "breaks")
_EARLIER_KEYS = ("until", "weekdays")
_EARLIER_EXAMPLES = {"until": "until = 2012-12-31 (the last day it was in force)", "weekdays": "weekdays = [2] (its ISO weekdays)"}
_BREAK_KEYS = ("from", "to")
_PATH_EXAMPLES = {"entry": "html/{date:%Y-%m}/{date:%d}/node_1.htm", "latest": "paperindex.htm"}
_REQUIRED = ("code", "name", "template", "root", "entry")
# A paper's code: a space, ':' or '/' in it split a cron line's -a paper=, made a distributed
# job's Redis keys (issues:<code>:<job>) those of another paper's job, or a path of folders.
_CODE = re.compile(r"[^\W_][\w.-]*")
# Folders of more profiles than the bundled ones, os.pathsep between them: a paper of one's own
# (or a test's) without a copy of the project.
PROFILES_ENV = "ARCHIVE_PAPERS"


# UTF-8, with or without the byte order mark that Windows editors (Notepad) put first: TOML
# read it as a stray character, "Invalid statement (at line 1, column 1)".
_ENCODING = "utf-8-sig"


def _load(path: Path | resources.abc.Traversable) -> PaperProfile:
    """The profile in ``path``, checked whole: every mistake is an InvalidProfile whose message,
    one line, names the file (where the crawl would otherwise fail mid-run, or not at all)."""
    try:
        return _profile(tomllib.loads(path.read_text(encoding=_ENCODING)))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProfile(f"paper profile {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        # A profile saved in GBK (a Chinese Windows editor's "ANSI"): the codec's own words
        # ("'utf-8' codec can't decode byte 0xb1 in position 23") did not say what to do.
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InvalidProfile(f"paper profile {path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line {line}): "
                             "save it as UTF-8") from None
    except ValueError as exc:
        raise InvalidProfile(f"paper profile {path}: {exc}") from None
    except OSError as exc:  # a file the user may not read, a dangling link
        raise InvalidProfile(f"paper profile {path}: cannot read it: {exc.strerror or exc}") from None


# A profile's code line, read from a file TOML cannot parse (a half-written one).
_CODE_LINE = re.compile(r"""^[ \t]*code[ \t]*=[ \t]*(?:"([^"\n]+)"|'([^'\n]+)')""", re.M)


def _claimed_code(path: Path | resources.abc.Traversable) -> str:
    """The code a profile that cannot be used is meant for: its code line if one can be read,
    else its file's name (profiles are named CODE.toml)."""
    try:
        found = _CODE_LINE.search(path.read_text(encoding=_ENCODING, errors="replace"))
    except OSError:
        found = None
    return (found[1] or found[2]).strip() if found else path.name.removesuffix(".toml")


def _profile(data: dict) -> PaperProfile:
    _known_keys(data, _KEYS, "")
    missing = [k for k in _REQUIRED if not data.get(k)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    for key in (*_REQUIRED, "latest"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{key} must be a string, not {data[key]!r}")
    if not _CODE.fullmatch(data["code"]):
        raise ValueError(f"code {data['code']!r} must be letters, digits, '_', '-' or '.', beginning with a letter or "
                         "digit, e.g. shehuibao (it is written in -a paper=, in Redis keys as <code>:<job>, in file names)")
    root = as_site_root(data["root"])
    if root is None:
        raise ValueError(f"root {data['root']!r} is no http:// or https:// URL of a site")
    for key in ("entry", "latest"):
        # Joined to the root as written: "/html/…" asked newdzb//html/…, a 404 on most sites
        # (each date taken for one without an issue), addresses with "//" on the others.
        if data.get(key) and (data[key].startswith("/") or "://" in data[key]):
            raise ValueError(f"{key} {data[key]!r} must be a path under the root, no URL nor a leading '/', "
                             f"e.g. {_PATH_EXAMPLES[key]}")
    if "{date" not in data["entry"]:
        raise ValueError("entry must contain a {date:...} field")
    try:
        data["entry"].format(date=_SAMPLE_DAY)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"entry {data['entry']!r} is no pattern of {{date:...}} fields: {exc!r}") from None
    _check_directives(data["entry"])
    # A day, a month, a year apart: an entry without one of them (a "31" typed for {date:%d}) gave
    # those days one address, fetched once, its issue taken for the first date's, the others dropped.
    for other in (_SAMPLE_DAY - timedelta(days=1), _SAMPLE_DAY.replace(month=3), _SAMPLE_DAY.replace(year=2024)):
        if data["entry"].format(date=other) == data["entry"].format(date=_SAMPLE_DAY):
            raise ValueError(f"entry {data['entry']!r} makes one address of {_SAMPLE_DAY} and {other}: each day's issue "
                             f"has its own, its year, month and day in {{date:...}} fields, e.g. {_PATH_EXAMPLES['entry']}")
    first_issue = _date(data["first_issue"], "first_issue") if "first_issue" in data else None
    if first_issue and first_issue > (today := paper_today()):
        # Every crawl of the paper was refused as asking days before its first issue.
        raise ValueError(f"first_issue {first_issue} is in the future (today in China is {today}): "
                         "give the date of its first issue out")
    schedule = data.get("schedule", {})
    if not isinstance(schedule, dict):
        raise ValueError("schedule must be a table, e.g. schedule = { weekdays = [2] }")
    _known_keys(schedule, _SCHEDULE_KEYS, "schedule.")
    schedule = _schedule(schedule)
    lookback = data.get("latest_lookback_days", 14)
    if type(lookback) is not int or lookback < 1:
        raise ValueError(f"latest_lookback_days must be a whole number of days, 1 or more, not {lookback!r}")
    selectors = data.get("selectors", {})
    if not isinstance(selectors, dict):
        raise ValueError('selectors must be a table, e.g. [selectors] body = "div#ozoom"')
    site_images = data.get("site_images", [])
    if not isinstance(site_images, list):
        from crawler.templates.siteimages import EXAMPLE

        raise ValueError(f"site_images must be a list of paths and patterns, e.g. {EXAMPLE}, not {_toml(site_images)}")
    profile = PaperProfile(
        code=data["code"],
        name=data["name"],
        template=data["template"],
        root=root,
        entry=data["entry"],
        schedule=schedule,
        latest_lookback_days=lookback,
        latest=data.get("latest") or None,
        selectors=dict(selectors),
        first_issue_given=first_issue,
        site_images=tuple(site_images),
    )
    profile.page_objects()  # an unknown family, a bad selector or site image fails here
    return profile


# The directives strptime reads as strftime writes them: PaperProfile.entry_date reads an
# entry page's date back from its address. strftime writes any other (%Q, a '%' at the end) as
# it stands, or as the C library's extension makes it, which no address read back gives.
_DIRECTIVES = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_DIRECTIVE = re.compile(r"%(.?)", re.S)


def _check_directives(entry: str) -> None:
    for spec in filter(None, _DATE_FIELD.findall(entry)):
        for directive in _DIRECTIVE.findall(spec):
            if not directive:
                raise ValueError(f"entry {entry!r} ends {{date:{spec}}} with a '%' that no directive follows "
                                 "(a '%' of the address is written %%)")
            if directive not in _DIRECTIVES:
                raise ValueError(f"entry {entry!r} has %{directive}, which is no date directive the crawler reads back "
                                 "(%Y year, %m month, %d day, %b month name, …; a '%' of the address is written %%)")


def _schedule(table: dict) -> Schedule:
    """The schedule of a profile's [schedule] table; ValueError naming the key that is wrong."""
    earlier = table.get("earlier", [])
    if not isinstance(earlier, list) or not all(isinstance(period, dict) for period in earlier):
        raise ValueError("schedule.earlier must be a list of tables, e.g. [[schedule.earlier]] until = 2012-12-31, weekdays = [2]")
    periods = []
    for n, period in enumerate(earlier, 1):
        name = f"schedule.earlier[{n}]"
        _known_keys(period, _EARLIER_KEYS, name + ".")
        missing = [key for key in _EARLIER_KEYS if key not in period]
        if missing:
            raise ValueError(f"{name} needs {' and '.join(_EARLIER_EXAMPLES[key] for key in missing)}")
        until = _date(period["until"], name + ".until")
        if periods and until <= periods[-1].until:
            raise ValueError(f"{name}.until {until} is not after schedule.earlier[{n - 1}].until {periods[-1].until}:"
                             " list the earlier schedules oldest first, each until the day before the next began")
        periods.append(EarlierSchedule(until, _weekdays(period["weekdays"], name + ".weekdays")))
    breaks = table.get("breaks", [])
    if not isinstance(breaks, list):
        raise ValueError(f"schedule.breaks must be a list of dates and ranges, e.g. [2024-02-13, {{ from = 2024-02-06, to = 2024-02-20 }}], not {_toml(breaks)}")
    gaps = []
    for n, item in enumerate(breaks, 1):
        name = f"schedule.breaks[{n}]"
        if isinstance(item, dict):
            _known_keys(item, _BREAK_KEYS, name + ".")
            if any(key not in item for key in _BREAK_KEYS):
                raise ValueError(f"{name} needs from and to, e.g. {{ from = 2024-02-06, to = 2024-02-20 }}")
            first, last = _date(item["from"], name + ".from"), _date(item["to"], name + ".to")
            if last < first:
                raise ValueError(f"{name}: to {last} is before from {first}")
        else:
            first = last = _date(item, name)
        gaps.append(Break(first, last))
    return Schedule(_weekdays(table.get("weekdays", list(range(1, 8))), "schedule.weekdays"), tuple(periods), tuple(gaps))


def _weekdays(value, name: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or any(type(d) is not int or not 1 <= d <= 7 for d in value):
        raise ValueError(f"{name} must be a list of ISO weekdays 1..7 (1 = Monday), not {value!r}")
    if repeated := next((day for n, day in enumerate(value) if day in value[:n]), None):
        # Harmless to the crawl, a slip all the same (a 5 typed 2?): stats said "every Tue, Tue".
        raise ValueError(f"{name} names {_WEEKDAY_NAMES[repeated - 1]} ({repeated}) twice: {value!r}")
    return tuple(value)


def _date(value, name: str) -> date:
    # A TOML date (2024-02-13, no quotes); a date-time is no day, a string no date to TOML.
    if type(value) is not date:
        raise ValueError(f"{name} must be a TOML date such as 2024-02-13 (without quotes), not {_toml(value)}")
    return value


def _toml(value) -> str:
    """``value`` as the profile writes it."""
    if isinstance(value, datetime):
        return value.isoformat(sep="T")
    return value.isoformat() if isinstance(value, date) else repr(value)


def _known_keys(table: dict, known: tuple[str, ...], prefix: str) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        names = ", ".join(repr(prefix + key) for key in unknown)
        raise ValueError(f"unknown key{'s' if len(unknown) > 1 else ''} {names} (known: {', '.join(prefix + k for k in known)})")


def host_root(url: str) -> str:
    """The root of ``url``'s site, as far as the URL alone tells: its scheme and host."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}/"


# A host name's labels: letters, digits, '_' (some intranet hosts), '-' inside; a final "." is the root zone's.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?", re.IGNORECASE)


def root_mistake(url: str) -> str | None:
    """What makes ``url`` no site root that the URL itself shows, in words for a message, where
    a parser took it for one: roots pasted as a list (http://a/x/, and http://a/x/ http://b/x/
    were a path ending "x/,/" and "x/%20http:/b/x/"), a host that is no name, port 0. None when
    there is no such mistake (written_root may still find it none: no http://, a query)."""
    given = url.strip()  # a line's own end ($(cat root.txt)) is no part of it
    if "," in given:
        return "a comma in it, as in a list of roots: give one root"
    if any(character.isspace() for character in given):
        return "a space in it, as in a list of roots: give one root"
    if given.lower().count("://") > 1:
        return "two URLs run together: give one root"
    try:
        parts = urlsplit(given)
        host, port = parts.hostname, parts.port
    except ValueError:  # a bracket not closed, a port that is no number: written_root's to refuse
        return None
    if host and host.isascii() and ":" not in host and not _HOST_NAME.fullmatch(host):
        return f"its host {host!r} is no host name"
    if port == 0:
        return "port 0 is no port"
    return None


def bad_root(name: str, value: str, expected: str) -> str:
    """The one line refusing ``value``, given as ``name``, as a site root: its mistake, where
    root_mistake tells one, and the root ``expected``."""
    mistake = root_mistake(value)
    return f"bad {name} {value!r} ({f'{mistake}; ' if mistake else ''}expected {expected})"


def written_root(url: str) -> str | None:
    """``url`` as a site root written as the crawler writes a request's URL, ending in "/"; None
    if it can be none (not an http:// or https:// URL naming a host, or with a query or a
    fragment, which no address under it would start with, or a root_mistake).

    Scrapy writes a request's URL through w3lib's safe_url_string (the scheme and the host in
    lower case, the path percent-encoded), and so are the addresses the archive stores. This is
    a root as an earlier version of the crawler stored addresses under it, as the user gave it
    (http://host:80/./newdzb/): `archive move-root` moves them from it (its OLD_ROOT)."""
    if root_mistake(url):
        return None
    try:
        parsed = urlparse(url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname or "?" in url or "#" in url:
            return None
        parsed.port  # noqa: B018 - a port that is no number raises
        root = safe_url_string(url)
    except ValueError:  # http://[::1 (a bracket not closed), http://host:port/
        return None
    return root if root.endswith("/") else root + "/"


_DEFAULT_PORTS = {"http": 80, "https": 443}


def as_site_root(url: str) -> str | None:
    """``url`` as a site root (written_root), one way for each root: without its scheme's
    default port, its path's "." and ".." segments resolved (RFC 3986, as a link is resolved:
    urljoin) and its runs of "/" made one; None if it can be no root.

    A root written otherwise (HTTP://Example.COM/, http://host:80/, http://host/./newdzb/,
    http://host/newdzb//) named the same site as its plain form, but the crawl's requests and
    so the archive's addresses started with it as written: a later crawl from the plain form was
    refused as fetching issues "from another root", or, moved to it, every article stored twice.
    The path keeps its letter case: a site's paths are case-sensitive."""
    root = written_root(url)
    if root is None:
        return None
    parts = urlsplit(root)
    # Not Scrapy's strip_url, which does the same: importing Scrapy costs the archive command a second.
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port == _DEFAULT_PORTS[parts.scheme] else parts.netloc
    # The runs of "/" first: urljoin takes a path that begins with "//" for another host.
    return urljoin(f"{parts.scheme}://{netloc}/", re.sub("/{2,}", "/", parts.path))


def given_code(code: str) -> str:
    """A code as given, without the blanks around it (a code holds none; a section is read so
    too): as the messages about it name it."""
    return code.strip()


def code_as_known(code: str, known: Collection[str]) -> str:
    """The one code of ``known`` that ``code`` is in other capitals (Gongyishibao: gongyishibao)
    or widths (ｇｏｎｇｙｉｓｈｉｂａｏ, as an input method set for Chinese types it), else ``code``
    as given; either as given_code reads it. Two codes alike but for their capitals are both
    papers, neither taken."""
    code = given_code(code)
    if code in known:
        return code
    alike = {other for other in known if _folded(other) == _folded(code)}
    return alike.pop() if len(alike) == 1 else code


def taken_as(code: str, known: str) -> str | None:
    """``code`` as given (given_code), where it is the code ``known`` only as code_as_known
    reads it, in other capitals or widths, which deserves a line saying which code was taken;
    None where it is ``known`` but for the blanks around it, which are no part of a code."""
    code = given_code(code)
    return code if code != known else None


def _folded(code: str) -> str:
    """What two codes that are one paper's have alike: NFKC narrows full-width Latin letters and digits."""
    return unicodedata.normalize("NFKC", code).casefold()


def paper_named(name: str, names: dict[str, str | None]) -> str | None:
    """The code of the paper of ``names`` (their names by code) called ``name`` (公益时报), if any."""
    return next((code for code, paper in names.items() if paper == name), None)


@dataclass(frozen=True)
class PaperMeant:
    """The papers an unknown code may have been meant for (meant_paper): ``named`` says which
    one it is the name of, else ``codes`` are the codes closest to it."""

    codes: tuple[str, ...]
    named: str | None = None  # "公益时报 is gongyishibao"


def meant_paper(code: str, names: dict[str, str | None]) -> PaperMeant | None:
    """Which of the papers of ``names`` (their names by code) an unknown paper ``code`` may mean:
    the one it is the name of (公益时报, as researchers write it), else the codes closest to it
    (a letter missing, one too many), else None. A name in Traditional script (公益時報, as a
    Traditional text or input method writes it) is the paper whose name is its Simplified form."""
    from pipelines.script import converter

    code = given_code(code)
    if named := paper_named(code, names):
        return PaperMeant((named,), f"{code} is {named}")
    # OpenCC alone, not the user's correction rules: those are for article text, and one of
    # theirs that cannot be read would turn this refusal into another error.
    simplified = converter("t2s").convert(code)
    if simplified != code and (named := paper_named(simplified, names)):
        return PaperMeant((named,), f"{code} is {simplified} ({named}) in Traditional script")
    by_folded = {_folded(known): known for known in names}
    if close := difflib.get_close_matches(_folded(code), by_folded, n=3):
        return PaperMeant(tuple(by_folded[folded] for folded in close))
    return None


def unknown_paper_hint(code: str, names: dict[str, str | None]) -> str:
    """What ends the refusal of an unknown paper ``code`` on the command line (meant_paper): a
    code is asked for, as of a name in either script."""
    if (meant := meant_paper(code, names)) is None:
        return ""
    return f": {meant.named}, give its code" if meant.named else f": did you mean {' or '.join(meant.codes)}?"


@dataclass(frozen=True)
class ProfileProblem:
    """A profile (or a folder of them) that cannot be used, and the paper it was meant for."""

    message: str  # one line naming the file and the mistake
    source: str  # the file or folder
    code: str | None  # the code it claims (None: a folder, no paper in particular)

    def warning(self) -> str:
        if self.code is None:
            return f"{self.message}; skipped, the other papers go on"
        return f"{self.message}; skipped: paper {self.code!r} is refused until this is fixed, the other papers go on"


@dataclass(frozen=True)
class Profiles:
    """Every profile that could be read, by code, and every one that could not."""

    papers: dict[str, PaperProfile]
    problems: tuple[ProfileProblem, ...] = ()

    def problem_of(self, code: str) -> ProfileProblem | None:
        return next((p for p in self.problems if p.code == code), None)

    def get(self, code: str) -> PaperProfile:
        """The profile of ``code``, or of the one code it is in other capitals (its ``code`` then
        tells which the caller says it took); InvalidProfile when a profile claiming it cannot
        be used, UnknownPaper when none claims it."""
        code = code_as_known(code, [*self.papers, *(p.code for p in self.problems if p.code)])
        if problem := self.problem_of(code):
            raise InvalidProfile(problem.message)
        try:
            return self.papers[code]
        except KeyError:
            known = ", ".join(sorted(self.papers)) or "none"
            # Its profile may be one that could not be read and whose code could not be told.
            unread = f"; not read: {', '.join(p.source for p in self.problems)}" if self.problems else ""
            hint = unknown_paper_hint(code, {p.code: p.name for p in self.papers.values()})
            raise UnknownPaper(f"unknown paper {code!r} (known: {known}{unread}){hint}") from None

    def warnings(self) -> list[str]:
        """One line per profile that was skipped, for the commands that go on without it."""
        return [problem.warning() for problem in self.problems]


def _profile_files() -> tuple[list[Path | resources.abc.Traversable], list[ProfileProblem]]:
    """The bundled profiles, then those of the folders $ARCHIVE_PAPERS names, each folder's by
    name; and the folders named that cannot be read."""
    # Through importlib.resources: the profiles are found inside a zipped egg (scrapyd) too.
    folders: list = [resources.files(__name__)]
    problems = []
    for folder in filter(None, os.environ.get(PROFILES_ENV, "").split(os.pathsep)):
        if Path(folder).is_dir():
            # A folder named twice (a shell profile's `ARCHIVE_PAPERS=$ARCHIVE_PAPERS:/srv/papers`
            # run twice), or the bundled one: each of its profiles clashed with itself.
            if not any(isinstance(seen, Path) and seen.resolve() == Path(folder).resolve() for seen in folders):
                folders.append(Path(folder))
        elif Path(folder).is_file():
            # The profile itself named, not its folder: its paper was "unknown", the file
            # listed as "not read" without a reason. Refused as the paper of that profile.
            problems.append(ProfileProblem(
                f"{PROFILES_ENV}: {folder!r} is a file, not a folder: name the folder it is in, {str(Path(folder).parent)!r}",
                folder, _claimed_code(Path(folder)) if folder.endswith(".toml") else None))
        else:
            problems.append(ProfileProblem(f"{PROFILES_ENV}: no folder {folder!r}", folder, None))
    files = []
    for folder in folders:
        try:
            files += sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
        except OSError as exc:
            problems.append(ProfileProblem(f"{PROFILES_ENV}: cannot read folder {str(folder)!r}: {exc.strerror or exc}", str(folder), None))
    return files, problems


@cache
def load_profiles() -> Profiles:
    """Every profile, each checked whole. One that cannot be used is set aside with its reason,
    not raised: a half-written profile dropped into $ARCHIVE_PAPERS stopped the crawls of
    every other paper, since all are read to find one."""
    files, problems = _profile_files()
    profiles: dict[str, PaperProfile] = {}
    origin: dict[str, object] = {}
    # Each read whole, kept as a paper's issue folders even when its code or folder was refused.
    claimed: list[PaperProfile] = []
    for path in files:
        try:
            profile = _load(path)
        except InvalidProfile as exc:
            problems.append(ProfileProblem(str(exc), str(path), _claimed_code(path)))
            continue
        if profile.code in origin:
            # One code, two papers: the later file took the earlier's place without a word, and
            # its crawls stored the other paper's issues under the code. Which one is meant
            # cannot be told (a copy of a profile not yet given its own code, say): neither is used.
            problems.append(ProfileProblem(
                f"paper profile {path}: code {profile.code!r} is taken by {origin[profile.code]}", str(path), profile.code))
            profiles.pop(profile.code, None)
            continue
        if other := _issues_at(profile.issue_folder(), claimed):
            # Two codes, one site (a copy of a profile given its own code, its root not yet its
            # new site's): each crawl stored the other paper's issues under its code, and moved
            # the articles of the other's crawls to its own pages. Which is wrong cannot be told.
            other = other.code
            message = (f"paper profile {path}: its issues are at the addresses of paper {other!r} ({origin[other]}): root "
                       f"{profile.root!r} and entry {profile.entry!r} lead to the same issue folders; give each paper its own root")
            problems += [ProfileProblem(message, str(path), profile.code), ProfileProblem(message, str(path), other)]
            profiles.pop(other, None)
            continue
        profiles[profile.code] = profile
        origin[profile.code] = path
        claimed.append(profile)
    return Profiles(profiles, tuple(problems))


def _issues_at(folder: str, papers: Iterable[PaperProfile]) -> PaperProfile | None:
    """The paper of ``papers`` whose issue folder (PaperProfile.issue_folder) ``folder`` is."""
    return next((paper for paper in papers if paper.issue_folder() == folder), None)


def another_papers_site(profile: PaperProfile, root: str) -> PaperProfile | None:
    """The paper other than ``profile`` whose site ``root`` (a site root, as_site_root) is: whose
    issue folders ``profile``'s entry leads to from it, or whose root it is where it is not
    ``profile``'s own as well (two papers of one publisher may share a root, their entries apart).
    A crawl of ``profile`` from it would take that paper's issues for its own."""
    others = [paper for paper in all_papers().values() if paper.code != profile.code]
    if paper := _issues_at(profile.issue_folder(root), others):
        return paper
    return None if root == profile.root else next((paper for paper in others if paper.root == root), None)


def all_papers() -> dict[str, PaperProfile]:
    """The papers whose profiles can be used, by code."""
    return load_profiles().papers


def get_paper(code: str) -> PaperProfile:
    return load_profiles().get(code)
