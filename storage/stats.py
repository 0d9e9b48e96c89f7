"""What the archive holds: counts per paper and year, issues missing against each paper's
publication schedule (less the dates the site has no issue for: absent_issues), issues archived
in part, the links the site does not serve (dead_links), and the crawl history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, inspect, literal_column, text

from crawler.dates import paper_today
from crawler.settings import ARCHIVE_HEARTBEAT_SECONDS as DEFAULT_HEARTBEAT_SECONDS
from storage.db import Archive, as_utc, latest_runs
from storage.models import utcnow
from storage.reprocess import REPROCESS
from storage.search import TABLE_COLUMNS, filters


# A run 'running' not seen (crawl_runs.seen_at) for this many of its heartbeats, and for at
# least KILLED_AFTER_AT_LEAST seconds, was killed (docs/operations.md, "The crawl history"); a run
# before revision 0016, whose interval is not known (heartbeat_seconds NULL), beat at the crawl's
# default ARCHIVE_HEARTBEAT_SECONDS.
KILLED_AFTER_HEARTBEATS = 5
# What holds a live run's heartbeat up does not shrink with its interval: a SQLite archive
# another writer holds (30 s of waiting per beat), a PostgreSQL server restarting, the clocks of
# the crawling machine (seen_at) and of the reader apart. Five heartbeats of a few seconds fit
# in those, and such a run showed as killed while it crawled. Five minutes: the default
# heartbeat's span, so the rule of a run at 60 s or more is as it was.
KILLED_AFTER_AT_LEAST = 5 * 60


@dataclass
class Gaps:
    paper: str
    schedule: str
    start: date
    end: date | None  # None: a span after today given no --until
    scheduled: int
    missing: list[date] = field(default_factory=list)
    # Dates of the schedule's weekdays that its breaks take out (holidays) and the archive holds no
    # issue of: neither scheduled nor missing.
    breaks: list[date] = field(default_factory=list)
    # Dates the site answered no issue for on enough runs that the crawler took them for dates
    # without an issue (absent_issues.confirmed_since): not missing, not archived.
    absent: list[AbsentDate] = field(default_factory=list)
    # Missing dates the site answered no issue for on fewer runs: the crawl still asks them.
    absent_so_far: dict[date, AbsentDate] = field(default_factory=dict)
    # The paper's first issue (its profile's first_issue), when the span is wholly before it.
    first_issue: date | None = None
    # Today in China, when the span is wholly after it: no date of it is due yet.
    after_today: date | None = None


@dataclass(frozen=True)
class Behind:
    """The scheduled dates of a paper after the newest date the archive knows of it, up to
    today: crawls failing for weeks left nothing missing within the gaps' span, which ends there."""

    paper: str
    newest: date  # the gaps' span's end: an archived issue, or a date taken for one without an issue
    today: date  # the paper's (crawler.dates.paper_today)
    due: list[date]


@dataclass(frozen=True)
class AbsentDate:
    """A row of absent_issues: a date the site answered no issue for, on ``runs`` runs."""

    day: date
    status: int  # 404 or 410; 200 (or a redirect's 302) for the site's error page or another date's issue
    reason: str  # storage.models.ABSENT_ISSUE_REASONS: which of those
    runs: int
    first_seen: str  # to the minute, UTC
    confirmed_since: str  # to the minute, or "" while still asked


@dataclass
class Stats:
    counts: list[tuple]  # (paper, year, issues, pages, articles)
    gaps: list[Gaps]
    runs: list[tuple]  # RUN_FIELDS: a count a run before its revision kept no record of None
    # Archived papers without a profile: no schedule, so no missing issues counted.
    unscheduled: list[str] = field(default_factory=list)
    # Archived papers whose profile has a mistake (code, file): neither are theirs counted.
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    # One line per profile that could not be used (crawler.papers.ProfileProblem.warning).
    warnings: list[str] = field(default_factory=list)
    # (paper, issue date, kind, status, reason or '' (before revision 0014), runs, first seen,
    # last seen, gone since or '', URL)
    dead_links: list[tuple] = field(default_factory=list)
    # Issues archived in part (a crawl interrupted, pages or articles not fetched):
    # (paper, issue date, pages complete, pages its page list names or None when it has none).
    incomplete: list[tuple] = field(default_factory=list)
    # The paper asked (--paper) when the archive holds no issue of it, whatever the span: its
    # empty tables alone left the user without an answer.
    no_issue_of: str | None = None
    # Papers whose first date the archive knows of is after --until, without --since: nothing
    # starts their span. (paper, that date)
    until_before_first: list[tuple[str, date]] = field(default_factory=list)
    # Without --paper, when the archive holds no issue of any paper: an empty table read as a
    # broken command to users who had just made the archive.
    holds_no_issue: bool = False
    # With holds_no_issue, the crawls of the runs listed that are running, (run id, paper): the
    # first crawl of an archive stores nothing for a while, and "start a crawl" misled then.
    crawls_running: list[tuple[int, str]] = field(default_factory=list)
    # Without a span: each paper's scheduled dates due after the newest it knows of (none: up to date,
    # which the text leaves unsaid and JSON gives as a count of 0).
    behind: list[Behind] = field(default_factory=list)
    # Every paper the archive holds a row of, and the paper asked (--paper), whatever the span.
    papers: list[str] = field(default_factory=list)
    # Each paper's first and last archived issue within the span.
    issue_dates: dict[str, tuple[date, date]] = field(default_factory=dict)
    # Profiled papers the archive knows no date of (no issue, no date without one), no --since
    # given: nothing starts their span, so no missing issue is counted, nor any behind.
    unstarted: list[str] = field(default_factory=list)
    # Papers the archive knows no date of, without a usable profile, not asked (--paper): the
    # text leaves them out with their empty counts; JSON lists every paper, and says why none of
    # theirs is counted. (paper, its profile's file when that has a mistake, else None)
    unsaid_unscheduled: list[tuple[str, str | None]] = field(default_factory=list)


# A crawl run's fields, in the order of Stats.runs and of `archive stats`' table.
RUN_FIELDS = ("id", "paper", "kind", "dates", "started", "finished", "status", "pages_new", "pages_updated",
              "pages_failed", "articles_new", "articles_updated", "articles_failed", "articles_changed", "links_gone",
              "dates_without_issue")
# A dead link's fields, in the order of Stats.dead_links and of `archive stats`' table.
DEAD_LINK_FIELDS = ("paper", "issue_date", "kind", "status", "reason", "runs", "first_seen", "last_seen", "gone_since",
                    "url")


def archive_stats(archive: Archive, *, paper: str | None = None, since: date | None = None,
                  until: date | None = None, runs: int = 10) -> Stats:
    from crawler.papers import InvalidProfile, load_profiles

    loaded = load_profiles()
    # Stats of one paper are mostly its missing issues, which its profile's schedule tells.
    if paper is not None and (problem := loaded.problem_of(paper)):
        raise InvalidProfile(problem.message)
    conditions, params = filters(TABLE_COLUMNS, paper=paper, since=since, until=until)
    where = "".join(conditions)
    with archive.engine.connect() as conn:
        # A page the site took out of its issue (numbered below zero) is no page of it; its articles stay counted.
        counts = conn.execute(text(f"""
            SELECT pa.code, i.issue_date, COUNT(DISTINCT CASE WHEN p.page_number > 0 THEN p.id END), COUNT(a.id)
            FROM papers pa JOIN issues i ON i.paper_id = pa.id
            LEFT JOIN pages p ON p.issue_id = i.id LEFT JOIN articles a ON a.page_id = p.id
            WHERE 1=1{where} GROUP BY pa.code, i.issue_date ORDER BY pa.code, i.issue_date
        """).columns(issue_date=Date), params).all()
        absent_issues = inspect(conn).has_table("absent_issues")  # revision 0013
        # Each paper's first and last date the archive knows of, whatever the span: an archived
        # issue, or a date taken for one without an issue (absent_issues.confirmed_since; one
        # still asked may yet serve its issue: today's, asked at dawn). The span's open ends,
        # and the papers to look for gaps in, even those with no issue within the span, or none
        # at all but dates without one.
        known = "SELECT paper_id, issue_date FROM issues" + (
            " UNION ALL SELECT paper_id, issue_date FROM absent_issues WHERE confirmed_since IS NOT NULL"
            if absent_issues else "")
        archived = conn.execute(text(
            "SELECT pa.code, MIN(d.issue_date) AS first_date, MAX(d.issue_date) AS last_date "
            f"FROM papers pa LEFT JOIN ({known}) d ON d.paper_id = pa.id"
            + (" WHERE pa.code = :paper" if paper else "") + " GROUP BY pa.code"
        ).columns(first_date=Date, last_date=Date), params).all()
        dead_links = inspect(conn).has_table("dead_links")  # and crawl_runs.links_gone: revision 0011
        # Named i, as issues are, for the span's filters.
        absent_rows = conn.execute(text(f"""
            SELECT pa.code, i.issue_date, i.status, i.reason, i.runs, i.first_seen, i.confirmed_since
            FROM absent_issues i JOIN papers pa ON pa.id = i.paper_id WHERE 1=1{where}
        """).columns(issue_date=Date), params).all() if absent_issues else []
        run_columns = {c["name"] for c in inspect(conn).get_columns("crawl_runs")}
        heartbeats = "seen_at" in run_columns  # 0015
        intervals = "heartbeat_seconds" in run_columns  # 0016
        kinds = "kind" in run_columns  # 0017
        without_issue = "dates_without_issue" in run_columns  # 0015, with seen_at
        changed = "articles_changed" in run_columns  # 0008
        # A reprocess of every paper (paper_code '*') re-read this paper's too.
        history = conn.execute(latest_runs([literal_column(name) for name in (
            "id", "paper_code", "dates_asked", "started_at", "finished_at", "status",
            "pages_new", "pages_updated", "pages_failed", "articles_new", "articles_updated", "articles_failed",
            "links_gone" if dead_links else "NULL", "seen_at" if heartbeats else "NULL",
            "heartbeat_seconds" if intervals else "NULL", "kind" if kinds else "NULL",
            "dates_without_issue" if without_issue else "NULL",
            "articles_changed" if changed else "NULL")], paper, runs)).all()
        reasons = dead_links and any(c["name"] == "reason" for c in inspect(conn).get_columns("dead_links"))  # 0014
        dead = conn.execute(text(f"""
            SELECT pa.code, i.issue_date, d.kind, d.status, {'d.reason' if reasons else 'NULL'}, d.runs, d.first_seen,
                   d.last_seen, d.gone_since, d.url
            FROM dead_links d JOIN issues i ON i.id = d.issue_id JOIN papers pa ON pa.id = i.paper_id
            WHERE 1=1{where} ORDER BY pa.code, i.issue_date, d.url
        """).columns(issue_date=Date), params).all() if dead_links else []
    absent: dict[str, dict[date, AbsentDate]] = {}
    for code, day, status, reason, runs_, first_seen, confirmed in absent_rows:
        absent.setdefault(code, {})[day] = AbsentDate(day, status, reason, runs_, _minute(first_seen), _minute(confirmed))
    per_year: dict[tuple[str, int], list[int]] = {}
    issues: dict[str, set[date]] = {}
    for code, day, pages, articles in counts:
        totals = per_year.setdefault((code, day.year), [0, 0, 0])
        totals[0] += 1
        totals[1] += pages
        totals[2] += articles
        issues.setdefault(code, set()).add(day)
    profiles = loaded.papers
    bounds = {code: (first, last) for code, first, last in archived}
    if paper in profiles and paper not in bounds:
        bounds[paper] = (None, None)  # a paper yet to be crawled: its whole schedule is missing
    gaps = []
    unscheduled = []
    unreadable = []
    until_before_first = []
    behind = []
    unstarted = []
    unsaid_unscheduled = []
    for code, (first, last) in sorted(bounds.items()):
        profile = profiles.get(code)
        if profile is None:
            problem = loaded.problem_of(code)
            if first is not None and problem:
                unreadable.append((code, problem.source))
            elif first is not None or code == paper:
                unscheduled.append(code)  # said, not left out: its profile may be in a folder not named
            else:
                unsaid_unscheduled.append((code, problem.source if problem else None))
            continue
        if since is None and until is None and last is not None:
            # After ``last``, the newest archived issue or date taken for one without an issue,
            # the archive holds neither: each scheduled date there is due.
            today = paper_today()
            due = profile.schedule.dates(max(last + timedelta(days=1), profile.first_issue), today)
            behind.append(Behind(code, last, today, due))
        span = _span(first, last, since, until)
        if span is None and since is not None and since > (today := paper_today()):
            # Said, as every other span is: no line read as a span left unchecked.
            gaps.append(Gaps(code, profile.schedule.describe(since, until or since), since, until, 0,
                             after_today=today))
            continue
        if span is None and since is None and first is not None and until is not None and until < first:
            until_before_first.append((code, first))
        if span is not None and span[0] < profile.first_issue:
            # No issue is missing before the paper's first: a --since before it (or an issue
            # the profile's first_issue comes after) counted every scheduled day since as one.
            if profile.first_issue > span[1]:  # said, where nothing of the paper was printed
                gaps.append(Gaps(code, profile.schedule.describe(*span), *span, 0, first_issue=profile.first_issue))
                continue
            span = (profile.first_issue, span[1])
        if span is None:
            if since is None and first is None:
                unstarted.append(code)
            continue
        scheduled = profile.schedule.dates(*span)
        days = issues.get(code, set())
        answered = {d: a for d, a in absent.get(code, {}).items() if span[0] <= d <= span[1] and d not in days}
        confirmed = {d for d, a in answered.items() if a.confirmed_since}
        missing = [d for d in scheduled if d not in days and d not in confirmed]
        # A break day the paper printed on all the same (crawled by its date) was listed as one "without an issue".
        breaks = [d for d in profile.schedule.break_dates(*span) if d not in days]
        gaps.append(Gaps(
            code, profile.schedule.describe(*span), *span,
            len(scheduled), missing, breaks,
            [answered[d] for d in sorted(confirmed)], {d: answered[d] for d in missing if d in answered},
        ))
    now = utcnow()
    runs_rows = [
        (r[0], r[1], *_kind_and_dates(r[15], r[2]), _minute(r[3]), _minute(r[4]), run_state(r[5], r[13], r[14], now),
         *r[6:12],
         r[17],  # articles changed (of those updated): NULL for runs before revision 0008
         r[12],  # links gone: NULL for runs before revision 0011
         r[16])  # dates without issue: NULL for runs before revision 0015
        for r in history
    ]
    dead_rows = [(r[0], r[1].isoformat(), r[2], r[3], r[4] or "", r[5], _minute(r[6]), _minute(r[7]), _minute(r[8]), r[9])
                 for r in dead]
    # The span's counts are empty: does the archive hold an issue (of the paper asked) at all?
    held = bool(counts)
    if not held:
        with archive.engine.connect() as conn:
            held = conn.execute(text("SELECT 1 FROM issues i JOIN papers pa ON pa.id = i.paper_id"
                                     + (" WHERE pa.code = :paper" if paper else "") + " LIMIT 1"), params).first() is not None
    no_issue_of = paper if paper is not None and not held else None
    holds_no_issue = paper is None and not held
    return Stats([(code, year, *t) for (code, year), t in sorted(per_year.items())], gaps, runs_rows, unscheduled,
                 unreadable, loaded.warnings(), dead_rows, _incomplete(archive, bounds, since, until), no_issue_of,
                 until_before_first, holds_no_issue,
                 [(r[0], r[1]) for r in runs_rows if holds_no_issue and r[2] == "crawl" and r[6] == "running"], behind,
                 sorted(bounds), {code: (min(days), max(days)) for code, days in issues.items()}, unstarted,
                 unsaid_unscheduled)


def stats_document(stats: Stats, *, paper: str | None, since: date | None, until: date | None) -> dict:
    """Every figure `archive stats` prints, as one object for scripts, its keys those docs/archive.md
    lists ("stats --format json"); dates are date objects, the minutes of times text, and what the
    archive keeps no record of (a count before its revision, a run not finished) None."""
    papers = {code: _paper_document(stats, code, spanned=since is not None or until is not None) for code in stats.papers}
    return {"paper": paper, "since": since, "until": until,
            "holds_issues": stats.no_issue_of is None and not stats.holds_no_issue, "papers": papers,
            "runs": [dict(zip(RUN_FIELDS, run), finished=run[RUN_FIELDS.index("finished")] or None) for run in stats.runs],
            "warnings": stats.warnings}


def _paper_document(stats: Stats, code: str, *, spanned: bool) -> dict:
    years = [{"year": year, "issues": issues, "pages": pages, "articles": articles}
             for paper, year, issues, pages, articles in stats.counts if paper == code]
    first, last = stats.issue_dates.get(code, (None, None))
    gap = next((gap for gap in stats.gaps if gap.paper == code), None)
    late = next((late for late in stats.behind if late.paper == code), None)
    # Why gaps or behind is null: a script told only null could not tell a paper without a
    # profile from one whose span nothing starts, which the text says apart.
    mistaken = [*stats.unreadable, *((paper, source) for paper, source in stats.unsaid_unscheduled if source)]
    unscheduled = [*stats.unscheduled, *(paper for paper, source in stats.unsaid_unscheduled if not source)]
    not_counted = (
        {"reason": "no_profile", "profile": None, "first_date": None} if code in unscheduled else
        next(({"reason": "profile_mistake", "profile": source, "first_date": None}
              for paper, source in mistaken if paper == code), None) or
        next(({"reason": "until_before_first", "profile": None, "first_date": day}
              for paper, day in stats.until_before_first if paper == code), None) or
        ({"reason": "no_known_date", "profile": None, "first_date": None} if code in stats.unstarted else None))
    behind_not_counted = (
        None if late is not None else
        {"reason": not_counted["reason"]} if not_counted and not_counted["reason"] in ("no_profile", "profile_mistake") else
        {"reason": "span"} if spanned else {"reason": "no_known_date"})
    return {
        **{key: sum(year[key] for year in years) for key in ("issues", "pages", "articles")},
        "first_issue_date": first, "last_issue_date": last, "years": years,
        "gaps": None if gap is None else {
            "from": gap.start, "to": gap.end, "schedule": gap.schedule, "scheduled": gap.scheduled,
            "missing": gap.missing,
            "still_asked": [_absent_document(gap.absent_so_far[day]) for day in gap.missing if day in gap.absent_so_far],
            "without_issue": [_absent_document(absent) for absent in gap.absent], "breaks": gap.breaks,
            "before_first_issue": gap.first_issue, "after_today": gap.after_today,
        },
        "gaps_not_counted": not_counted,
        "behind": None if late is None else {
            "newest": late.newest, "today": late.today, "count": len(late.due),
            "first_due": late.due[0] if late.due else None, "last_due": late.due[-1] if late.due else None,
        },
        "behind_not_counted": behind_not_counted,
        "incomplete_issues": [{"issue_date": day, "pages_complete": complete, "pages_expected": expected}
                              for paper, day, complete, expected in stats.incomplete if paper == code],
        "dead_links": [{key: value or None if key in ("reason", "gone_since") else value
                        for key, value in zip(DEAD_LINK_FIELDS[1:], link[1:])}
                       for link in stats.dead_links if link[0] == code],
    }


def _absent_document(absent: AbsentDate) -> dict:
    return {"date": absent.day, "status": absent.status, "reason": absent.reason, "runs": absent.runs,
            "first_seen": absent.first_seen, "confirmed_since": absent.confirmed_since or None}


def _incomplete(archive: Archive, bounds: dict[str, tuple], since: date | None, until: date | None) -> list[tuple]:
    """The issues a crawl would not skip, as the crawl tells them (Archive.issue_states), but
    for page PDFs: whether a crawl fetches them is its own setting, so a page holding every
    article it links counts as complete here. A missing issue is no incomplete one."""
    rows = []
    for code, (first, last) in sorted(bounds.items()):
        start, end = since or first, until or last
        if start is None or end is None or start > end:
            continue
        for day, state in sorted(archive.issue_states(code, start, end).items()):
            if not state.complete:
                rows.append((code, day, len(state.complete_pages), state.pages_expected))
    return rows


def _span(first: date | None, last: date | None, since: date | None, until: date | None) -> tuple[date, date] | None:
    """The dates to check a paper's issues in: the span given, its open ends the first and last
    date the archive knows of the paper (an archived issue or a date without one); None when
    nothing bounds its start (no such date up to ``until``).

    ``since`` after the last such date runs to today: every issue since is missing. No span
    runs past today (or the last such date): an issue yet to be published is not missing.
    Today is the paper's (crawler.dates.paper_today), as a crawl's range and walk back count
    it: the machine's, west of China, left out the issue out there that a crawl fetches, and
    east of it counted the next day's, not yet printed, as missing."""
    start = since or first
    today = paper_today()
    if until:
        end = min(until, max(today, last or today))
    elif last is not None and (since is None or last >= since):
        end = last
    else:
        end = today
    if start is None or start > end:
        return None
    return start, end


def _kind_and_dates(kind: str | None, dates_asked: str) -> tuple[str, str]:
    """A run's kind and the dates (and section) it was asked. An archive before revision 0017
    has no kind: its reprocess rows are those whose dates_asked begins with the word, as the
    upgrade reads them (migrations/versions/0017), so that stats shows them alike before and after."""
    if kind is not None:
        return kind, dates_asked
    if dates_asked == REPROCESS or dates_asked.startswith(REPROCESS + " "):
        return REPROCESS, dates_asked[len(REPROCESS) + 1:]
    return "crawl", dates_asked


def run_state(status: str, seen_at, heartbeat_seconds: float | None, now: datetime) -> str:
    """A run's status, and for one 'running' that has not been seen for KILLED_AFTER_HEARTBEATS
    of its heartbeats nor for KILLED_AFTER_AT_LEAST seconds, the documented rule's verdict
    (docs/operations.md, "The crawl history"): the row itself keeps 'running', as nothing can
    tell a killed run from one slow to beat for sure."""
    interval = DEFAULT_HEARTBEAT_SECONDS if heartbeat_seconds is None else heartbeat_seconds
    # In seconds, not a timedelta: a run crawling with a heartbeat of millions of days (a number
    # the crawl takes) overflowed timedelta, and `archive stats` ended in a traceback.
    if status == "running" and seen_at is not None and (now - as_utc(seen_at)).total_seconds() \
            > max(KILLED_AFTER_HEARTBEATS * interval, KILLED_AFTER_AT_LEAST):
        return f"killed (last seen {_minute(seen_at)})"
    return status


def _minute(value) -> str:
    return "" if value is None else str(value)[:16]
