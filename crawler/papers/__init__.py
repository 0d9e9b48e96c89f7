"""Paper profiles: each paper is data (a TOML file beside this module), not code.

Adding another paper that uses a known template family means adding one TOML file.
"""
from __future__ import annotations

import re
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

TEMPLATES = {"founder"}


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


def _load(path: Path | resources.abc.Traversable) -> PaperProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProfile(f"paper profile {path.name}: {exc}") from None
    missing = [k for k in ("code", "name", "template", "root", "entry") if not data.get(k)]
    if missing:
        raise InvalidProfile(f"paper profile {path.name}: missing {', '.join(missing)}")
    if data["template"] not in TEMPLATES:
        raise InvalidProfile(f"paper profile {path.name}: unknown template {data['template']!r}")
    if "{date" not in data["entry"]:
        raise InvalidProfile(f"paper profile {path.name}: entry must contain a {{date:...}} field")
    weekdays = tuple(data.get("schedule", {}).get("weekdays", range(1, 8)))
    if not weekdays or any(not 1 <= d <= 7 for d in weekdays):
        raise InvalidProfile(f"paper profile {path.name}: schedule.weekdays must be 1..7")
    return PaperProfile(
        code=data["code"],
        name=data["name"],
        template=data["template"],
        root=data["root"],
        entry=data["entry"],
        schedule=Schedule(weekdays),
        latest_lookback_days=int(data.get("latest_lookback_days", 14)),
        latest=data.get("latest") or None,
        selectors=dict(data.get("selectors", {})),
    )


@cache
def all_papers() -> dict[str, PaperProfile]:
    profiles = {}
    # Through importlib.resources: the profiles are found inside a zipped egg (scrapyd) too.
    for path in sorted((f for f in resources.files(__name__).iterdir() if f.name.endswith(".toml")), key=lambda f: f.name):
        profile = _load(path)
        profiles[profile.code] = profile
    return profiles


def get_paper(code: str) -> PaperProfile:
    try:
        return all_papers()[code]
    except KeyError:
        known = ", ".join(sorted(all_papers()))
        raise UnknownPaper(f"unknown paper {code!r} (known: {known})") from None
