"""Paper profiles: each paper is data (a TOML file beside this module), not code.

Adding another paper that uses a known template family means adding one TOML file.
"""
from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

# A date field of an entry pattern: {date:%Y-%m} (or {date}, the ISO date).
_DATE_FIELD = re.compile(r"\{date(?::([^}]*))?\}")


class UnknownPaper(ValueError):
    pass


class InvalidProfile(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)

    def is_issue_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays

    def dates(self, start: date, end: date) -> list[date]:
        """Scheduled dates from start to end inclusive, oldest first."""
        days = (end - start).days
        return [d for d in (start + timedelta(n) for n in range(days + 1)) if self.is_issue_day(d)]


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

    def latest_url(self, root: str | None = None) -> str | None:
        if not self.latest:
            return None
        base = root or self.root
        return (base if base.endswith("/") else base + "/") + self.latest


# The keys a profile may have: any other is a misspelling (schedul, latset) that would be
# ignored without a word, the paper crawled on another schedule or without its latest page.
_KEYS = ("code", "name", "template", "root", "entry", "schedule", "latest", "latest_lookback_days", "selectors")
_SCHEDULE_KEYS = ("weekdays",)
_REQUIRED = ("code", "name", "template", "root", "entry")
# Folders of more profiles than the bundled ones, os.pathsep between them: a paper of one's own
# (or a test's) without a copy of the project.
PROFILES_ENV = "ARCHIVE_PAPERS"


def _load(path: Path | resources.abc.Traversable) -> PaperProfile:
    """The profile in ``path``, checked whole: every mistake is an InvalidProfile whose message,
    one line, names the file (where the crawl would otherwise fail mid-run, or not at all)."""
    try:
        return _profile(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProfile(f"paper profile {path}: {exc}") from None
    except ValueError as exc:
        raise InvalidProfile(f"paper profile {path}: {exc}") from None


def _profile(data: dict) -> PaperProfile:
    _known_keys(data, _KEYS, "")
    missing = [k for k in _REQUIRED if not data.get(k)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    for key in (*_REQUIRED, "latest"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{key} must be a string, not {data[key]!r}")
    if not is_site_root(data["root"]):
        raise ValueError(f"root {data['root']!r} is no http:// or https:// URL of a site")
    if "{date" not in data["entry"]:
        raise ValueError("entry must contain a {date:...} field")
    try:
        data["entry"].format(date=date(2023, 1, 31))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"entry {data['entry']!r} is no pattern of {{date:...}} fields: {exc!r}") from None
    schedule = data.get("schedule", {})
    if not isinstance(schedule, dict):
        raise ValueError("schedule must be a table, e.g. schedule = { weekdays = [2] }")
    _known_keys(schedule, _SCHEDULE_KEYS, "schedule.")
    weekdays = schedule.get("weekdays", list(range(1, 8)))
    if not isinstance(weekdays, list) or not weekdays or any(type(d) is not int or not 1 <= d <= 7 for d in weekdays):
        raise ValueError(f"schedule.weekdays must be a list of ISO weekdays 1..7 (1 = Monday), not {weekdays!r}")
    lookback = data.get("latest_lookback_days", 14)
    if type(lookback) is not int or lookback < 1:
        raise ValueError(f"latest_lookback_days must be a whole number of days, 1 or more, not {lookback!r}")
    selectors = data.get("selectors", {})
    if not isinstance(selectors, dict):
        raise ValueError('selectors must be a table, e.g. [selectors] body = "div#ozoom"')
    from crawler.templates.registry import get_template

    get_template(data["template"], selectors)  # an unknown family or a bad selector fails here
    return PaperProfile(
        code=data["code"],
        name=data["name"],
        template=data["template"],
        root=data["root"],
        entry=data["entry"],
        schedule=Schedule(tuple(weekdays)),
        latest_lookback_days=lookback,
        latest=data.get("latest") or None,
        selectors=dict(selectors),
    )


def _known_keys(table: dict, known: tuple[str, ...], prefix: str) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        names = ", ".join(repr(prefix + key) for key in unknown)
        raise ValueError(f"unknown key{'s' if len(unknown) > 1 else ''} {names} (known: {', '.join(prefix + k for k in known)})")


def is_site_root(url: str) -> bool:
    """Whether ``url`` can be a site root: an http:// or https:// URL naming a host."""
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _profile_files() -> list[Path | resources.abc.Traversable]:
    """The bundled profiles, then those of the folders $ARCHIVE_PAPERS names, each folder's by name."""
    # Through importlib.resources: the profiles are found inside a zipped egg (scrapyd) too.
    folders: list = [resources.files(__name__)]
    for folder in filter(None, os.environ.get(PROFILES_ENV, "").split(os.pathsep)):
        if not Path(folder).is_dir():
            raise InvalidProfile(f"{PROFILES_ENV}: no folder {folder!r}")
        folders.append(Path(folder))
    return [f for folder in folders for f in sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)]


@cache
def all_papers() -> dict[str, PaperProfile]:
    profiles: dict[str, PaperProfile] = {}
    files: dict[str, object] = {}
    for path in _profile_files():
        profile = _load(path)
        if profile.code in profiles:
            # One code, two papers: the later file took the earlier's place without a word,
            # and its crawls stored the other paper's issues under the code.
            raise InvalidProfile(f"paper profile {path}: code {profile.code!r} is taken by {files[profile.code]}")
        profiles[profile.code] = profile
        files[profile.code] = path
    return profiles


def get_paper(code: str) -> PaperProfile:
    try:
        return all_papers()[code]
    except KeyError:
        known = ", ".join(sorted(all_papers()))
        raise UnknownPaper(f"unknown paper {code!r} (known: {known})") from None
