"""The reading room's Datasette plugin: citable pages for issues and articles, and a search page.

Datasette serves the tables, SQL editor, facets and JSON/CSV API; this plugin adds the pages a
reader cites. It does nothing in a Datasette that was not configured by
:func:`storage.reading_room.app.make_datasette` (no ``reading-room`` plugin config).
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import math
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import MINYEAR, date, datetime, timezone
from http import HTTPStatus
import urllib.parse
from urllib.parse import quote, unquote, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import Filters, InFilter
from datasette.handle_exception import handle_exception as datasette_error_page
from datasette.utils import tilde_decode
from datasette.utils.asgi import BadRequest, Base400, NotFound, Response
from datasette.version import __version__
from datasette.views.base import DatasetteError
from jinja2 import BaseLoader
from markupsafe import Markup, escape
from sqlalchemy import Date, event
from sqlalchemy.exc import DatabaseError

from crawler.dates import BadDate, half_width, in_full_width, number_in_full_width, typed_date
from crawler.pagenumbers import page_shown
from crawler.papers import meant_paper
from crawler.templates import is_web_address
from storage import models
from storage.fulltext import SEARCH_TABLE
from storage.db import SQLITE_LARGEST_INTEGER, Archive, ArchiveError, open_archive, sqlite_integer, sqlite_uri, sqlite_url
from storage.search import cut

PLUGIN = "reading-room"

ISSUE_SQL = """
select i.id, i.issue_date, i.url, i.pages_expected, p.id as paper_id, p.code as paper_code,
       p.name as paper_name
from issues i join papers p on p.id = i.paper_id
where p.code = :paper and i.issue_date = :date
"""
PAPER_SQL = "select id, code, name from papers where code = :paper"
PAPER_ISSUES_SQL = """
select i.issue_date, i.pages_expected, count(distinct case when pg.page_number > 0 then pg.id end) as pages,
       count(a.id) as articles
from issues i
left join pages pg on pg.issue_id = i.id
left join articles a on a.page_id = pg.id
where i.paper_id = :paper_id
group by i.id
order by i.issue_date desc
"""
NEIGHBOURS_SQL = """
select (select max(issue_date) from issues where paper_id = :paper_id and issue_date < :date) as previous,
       (select min(issue_date) from issues where paper_id = :paper_id and issue_date > :date) as next
"""
# A page the site took out of the issue (pages.removed_at, numbered below zero) is none of its pages.
PAGES_SQL = """
select id, page_number, page_label, section, section_original, url, pdf_url, image_url, articles_expected
from pages where issue_id = :issue_id and page_number > 0 order by page_number
"""
# Each page's articles in the page's own order (page_articles), an article two pages link on
# both; then any the page's stored list lacks (an article fetched from it before its list was
# kept), in the order they were stored.
ISSUE_ARTICLES_SQL = """
select * from (
  select l.page_id, l.position, a.id, a.pretitle, a.title, a.subtitle, a.byline, a.original_script,
         a.pretitle_original, a.title_original, a.subtitle_original, a.byline_original
  from page_articles l join pages pg on pg.id = l.page_id join articles a on a.url = l.url
  where pg.issue_id = :issue_id
  union all
  select a.page_id, null, a.id, a.pretitle, a.title, a.subtitle, a.byline, a.original_script,
         a.pretitle_original, a.title_original, a.subtitle_original, a.byline_original
  from articles a join pages pg on pg.id = a.page_id
  where pg.issue_id = :issue_id
    and not exists (select 1 from page_articles l where l.page_id = a.page_id and l.url = a.url)
) as listed
order by page_id, position is null, position, id
"""
ARTICLE_SQL = """
select a.id, a.url, a.pretitle, a.title, a.subtitle, a.byline, a.source, a.body, a.body_original,
       a.title_original, a.pretitle_original, a.subtitle_original, a.byline_original, a.source_original,
       a.original_script,
       pg.page_number, pg.page_label, pg.section, pg.section_original, pg.url as page_url, pg.pdf_url, pg.image_url,
       i.issue_date, p.code as paper_code, p.name as paper_name
from articles a
join pages pg on pg.id = a.page_id
join issues i on i.id = pg.issue_id
join papers p on p.id = i.paper_id
where a.id = :id
"""
IMAGES_SQL = "select url, caption, caption_original from images where article_id = :id order by position"
# An article's earlier texts, numbered from 1 in the order they were kept: a version is removed
# only with its article (the crawler's role may only add them) and an export keeps their ids, so
# a number names the same text on every copy for good.
VERSIONS_SQL = "select id, valid_from, valid_until from article_versions where article_id = :id order by id"
VERSION_SQL = "select * from article_versions where id = :id"

PAPERS_SQL = "select code, name from papers order by name"
SECTIONS_SQL = "select distinct section from pages where section != '' order by section"
HITS_PER_PAGE = 20
MAX_HITS_PER_PAGE = 100
# How much of a search the page repeats where it names it (its title, "Nothing found for …"): a
# pasted passage of thousands of characters is the reader's own, and the search box holds it.
ECHO_CHARS = 50
# A page the archive took longer than the time limit to make (a search, or a paper's list of
# issues on a large archive) is 503 Service Unavailable: the request was fine, the server could
# not answer it now. Retry-After tells a script when asking again may meet a less busy server
# (the limit counts the time the query took, which other queries running slow down).
RETRY_AFTER_SECONDS = 30

SCRIPT_NAMES = {"traditional": "繁体", "simplified": "简体", "mixed": "繁简混排"}
# The title block's texts an article keeps as published too (articles.<name>_original).
HEADINGS = ("pretitle", "title", "subtitle", "byline", "source")
# What the original view shows as published besides: its page's section (pages.section_original),
# all of the page's label (第07版：社會工作) that conversion changes.
PUBLISHED = (*HEADINGS, "section")


def _traditional(script: str):
    """Whether a text of an article of ``script`` (articles.original_script) is shown as published
    in Traditional: each of a Traditional article's; of a mixed one, or one too short to name
    its script (a picture story), each that reads as Traditional on its own."""
    if script == "traditional":
        return bool
    from pipelines.script import reads_traditional

    return lambda text: bool(text) and reads_traditional(text)


# The title block an issue page lists of each article.
ISSUE_HEADINGS = ("pretitle", "title", "subtitle", "byline")


def differs(row: dict, name: str) -> bool:
    """Whether ``row`` holds its ``name`` as published (``<name>_original``) otherwise than converted."""
    return bool(row[f"{name}_original"]) and row[f"{name}_original"] != row[name]


def shown_as(row: dict, names, traditional, show_original: bool) -> tuple[dict, dict]:
    """Each of ``names`` of ``row`` as a page shows it: as published in the original view (one
    stored before it was kept, empty, as it is), else Simplified; and its language where it is
    shown Traditional (``traditional``: _traditional of its script), for screen readers and fonts."""
    published = {name: row[f"{name}_original"] for name in names if show_original and row[f"{name}_original"]}
    shown = {name: published.get(name, row[name]) for name in names}
    return shown, {name: "zh-Hant" for name, text in published.items() if traditional(text)}


def reading(article: dict, images: list[dict], request, here: str) -> dict:
    """What an article's page at ``here`` shows of ``article``'s text and ``images`` (its current
    one, or an earlier version's): Simplified, or as published where ``request`` asks
    (?text=original) and it differs."""
    simplified, published = paragraphs(article["body"]), paragraphs(article["body_original"])
    # ?text=original shows the text as published (e.g. Traditional), when it differs: the
    # body's, or, of a picture story (no body), its title block's and captions'.
    has_original = (bool(published) and published != simplified) or any(
        original and original != shown
        for original, shown in [*((article[f"{name}_original"], article[name]) for name in HEADINGS),
                                *((image["caption_original"], image["caption"]) for image in images)]
    )
    show_original = has_original and request.args.get("text") == "original"
    # Each heading as shown: as published in the original view (one stored before it was
    # kept, empty, as it is), and its language there where it is Traditional (screen readers
    # and fonts choose by it), as the text's.
    shown = {name: article[f"{name}_original"] if show_original and article[f"{name}_original"] else article[name]
             for name in PUBLISHED}
    traditional = _traditional(article["original_script"])
    lang = {}
    if show_original:
        lang = {name: "zh-Hant" for name in PUBLISHED if traditional(article[f"{name}_original"])}
        lang["body"] = "zh-Hant" if traditional(article["body_original"]) else "zh-Hans"
    for image in images:
        # The caption in the script shown, else the one there is: a picture without one has none.
        as_published = show_original and image["caption_original"] or not image["caption"]
        image["shown"] = image["caption_original"] if as_published else image["caption"]
        image["lang"] = "zh-Hant" if as_published and traditional(image["caption_original"]) else None
    return {
        "article": article,
        "shown": shown,
        "lang": lang,
        "images": images,
        "paragraphs": published if show_original else simplified,
        "show_original": show_original,
        "view": "?text=original" if show_original else "",
        "has_original": has_original,
        "original_script": SCRIPT_NAMES.get(article["original_script"], "原文"),
        # The page's own address, which its switch between the two texts keeps.
        "here": here,
    }


def moment(value) -> str:
    """A time the archive holds (UTC: SQLite's text, PostgreSQL's datetime) as a page shows it,
    to the minute; one it cannot read, as stored."""
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return (at.astimezone(timezone.utc) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M UTC")


def paragraphs(text: str | None) -> list[str]:
    """A stored text's paragraphs: one per non-blank line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# Two Unicode noncharacters mark the matches in a snippet, which storage.search keeps out of the
# text it cuts snippets from: 【 】, its default, occur in the texts themselves, and so do
# private-use characters (a GBK site's own glyphs decode to U+E000 on).
MARKERS = ("\ufdd0", "\ufdd1")


def highlight(snippet: str) -> Markup:
    """A search snippet as HTML: the text escaped, the matches (between MARKERS) in <mark>."""
    html = str(escape(snippet))
    return Markup(html.replace(MARKERS[0], "<mark>").replace(MARKERS[1], "</mark>"))


def web_address(url: str | None) -> str | None:
    """``url`` if it is a web address (http or https), else None: what the pages may link to.

    Addresses in the archive come from the archived pages, which a site, or whoever broke into
    it, writes: `java<TAB>script:…` and `\\x01javascript:…` pass the crawler as addresses, and a
    browser, which drops tabs and leading control characters, runs them on the reading room's
    own origin. Only the scheme at the very start is trusted, as the browser would read it
    (the crawler now leaves such addresses out; an archive made before may hold them)."""
    return url if is_web_address(url) else None


def issue_path(datasette, paper: str, day=None) -> str:
    """The address of a paper's page, or of its issue of ``day``: the code percent-encoded, as
    a code is any text a profile gives (社会报, a/b), "~" too, which Datasette reads as an escape."""
    code = quote(paper, safe="").replace("~", "%7E")
    return datasette.urls.path(f"/issue/{code}" + (f"/{day}" if day else ""))


def address_part(request, name: str) -> str:
    """The part ``name`` of the address as it names it: percent-encoded (issue_path; any
    character may be, %31%35 is 15), or tilde-encoded where Datasette sent a percent-encoded
    address on so (it does, to one it found no page for). Datasette matches the routes on the
    address as sent: an article's id or an issue's date read so encoded was no number, no date."""
    # A "+" is itself: tilde_decode reads it as a query string's space (2023-01-31+ was named
    # '2023-01-31 ', a paper a+b was none).
    return unquote(tilde_decode(request.url_vars[name].replace("+", "~2B")))


def sent_on(request, path: str, query: str | None = None) -> Response:
    """A page's one address (``path``) for ``request``, which named it otherwise: 301, keeping
    the view asked for (?text=original), or with the ``query`` it meant."""
    query = request.query_string if query is None else query
    return Response.redirect(path + (f"?{query}" if query else ""), status=301)


class SentOn(Exception):
    """The answer to a request naming its page otherwise than its one address (sent_on's), found
    where the page cannot answer it itself (a Datasette hook, which handle_exception answers)."""

    def __init__(self, response: Response):
        super().__init__(response.headers["Location"])
        self.response = response


def paper_code(request) -> str:
    """The paper's code as the address names it (address_part)."""
    return address_part(request, "paper")


def parse_date(value: str, what: str) -> date:
    """``value`` as a date; one that is none (2023-13-45, 31-01-2023) is the request's fault,
    answered 400 naming it, ``what`` it is (an issue address's date, the search's From): the
    issue address's was a 404, which told a link checker or a script that the address might
    yet have an issue; the search's said how dates are written, not which one was not."""
    try:
        return typed_date(value)
    except BadDate as exc:
        raise BadRequest(f"{what[:1].upper()}{what[1:]} {echoed(value)!r} {exc.reason}.") from None


# How a year is written, told to a reader who wrote one otherwise; the four digits of the
# issues' dates (YYYY-MM-DD), which a canned query compares with the year given.
YEARS_WRITTEN = "years are written YYYY, e.g. 2023"


def parse_year(value: str, what: str) -> str:
    """``value``, if it is a year (its four digits, which the canned query compares as text),
    spaces around it left out as :func:`typed_date` leaves them out of a date (a year pasted
    so was refused where a date so pasted was taken), refused as :func:`parse_date` refuses a
    date: one of another length (20233, 2023-01) was compared with the issues' dates as text,
    and answered no row, or some."""
    named = f"{what[:1].upper()}{what[1:]} {echoed(value)!r}"
    year = value.strip()
    if not re.fullmatch(r"[0-9]{4}", year):
        raise BadRequest(f"{named} is not a year: {YEARS_WRITTEN}.")
    if int(year) < MINYEAR:
        raise BadRequest(f"{named} is no year of the calendar.")
    return year


def parse_count(value: str, what: str) -> str:
    """``value`` as a whole number (of days), spaces around it left out as they are of a year
    or a date, refused as :func:`parse_date` refuses a date: the query compared it with
    numbers, and answered no row for abc as for 7."""
    number = value.strip()
    if not (number.isascii() and number.isdigit()):
        named = f"{what[:1].upper()}{what[1:]} {echoed(value)!r}"
        raise BadRequest(f"{named} {number_in_full_width(number) or 'is not a whole number, e.g. 7'}.")
    return number


def article_number(value: str) -> int | None:
    """An article's id as the URL gives it (any whole number SQLite stores, written in digits
    0-9); None for what no article's id can be (not a number, or past what SQLite stores)."""
    return sqlite_integer(value)


# Datasette's column filters that compare as numbers (col__gt=5): it gives SQLite int() of a
# value whose characters are all digits (str.isdigit: ² and ２ too).
NUMERIC_FILTERS = ("gt", "gte", "lt", "lte")


def compared_number_problem(name: str, value: str) -> str | None:
    """Why a numeric filter's value Datasette would read as a number (NUMERIC_FILTERS) is none
    SQLite can compare: past its integers (the binding's OverflowError), or a digit int() does not
    read (²: ValueError), raised as Datasette builds or runs the query. Both were a 500 and a traceback."""
    if name.rpartition("__")[2] not in NUMERIC_FILTERS or not value.isdigit() or article_number(value) is not None:
        return None
    if value.isascii():
        return f"{name}: {echoed(value)} is past the whole numbers SQLite stores (up to {SQLITE_LARGEST_INTEGER})"
    return f"{name}: {echoed(value)} is no whole number: compared as one, it is written in digits 0-9"


# The characters HTML forbids in a page's text: C0 and C1 controls and DEL, but for the
# whitespace HTML reads as such (tab, line feed, form feed, carriage return). A browser shows a
# NUL as U+FFFD, another control as nothing or a box, and a tool reading the page as XML stops.
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def without_controls(value):
    """``value`` as a page writes it: a control character (CONTROL) in text is U+FFFD, as a
    browser shows a NUL; HTML made by the templates (Markup) stays HTML."""
    if isinstance(value, str) and CONTROL.search(value):
        cleaned = CONTROL.sub("\ufffd", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


# The search page's parameters: the words, then its filters in the form's order.
SEARCH_PARAMETERS = ("q", "paper", "section", "since", "until", "page", "size")
# The form labels the dates From and To, which an address typed by hand names them after.
SEARCH_DATE_LABELS = {"from": "since", "to": "until"}


# What a link picks up where it is shared rather than what its reader typed: campaign tags
# (utm_*), click ids, and WeChat's (from=singlemessage&isappinstalled=0, the way most links to
# these papers travel). A search shared so is answered as if they were not there; a table's or a
# view's page is sent on to its address without them (table_query_as_meant).
SHARING_PARAMETERS = frozenset({"fbclid", "gclid", "msclkid", "isappinstalled", "scene", "spm"})
WECHAT_FROM = frozenset({"singlemessage", "groupmessage", "timeline"})


def added_by_sharing(name: str, value: str | None) -> bool:
    name = name.strip().lower()
    return (name.startswith("utm_") or name in SHARING_PARAMETERS
            or (name == "from" and (value or "").strip().lower() in WECHAT_FROM))


def unknown_filters_problem(names: list[str]) -> str:
    """Why a search asked with parameters it does not take (``names``) is refused: each was left
    out without a word, and the page showed every hit, as if filtered by it."""
    import difflib

    filters = SEARCH_PARAMETERS[1:]
    said = f"The search takes no {', '.join(f'{name}=' for name in names)} (its filters: {', '.join(filters)})"
    for name in names:
        if (meant := SEARCH_DATE_LABELS.get(name.strip().lower())) is not None:
            return f"{said}: {name.strip().capitalize()} is {meant}=."
        if close := difflib.get_close_matches(name.strip().lower(), SEARCH_PARAMETERS, n=1):
            return f"{said}: did you mean {close[0]}=?"
    return f"{said}."


def form_problem(value: str, what: str) -> str | None:
    """Why a search form's ``value`` (the search, a paper, a section) is none the page can
    search for, named as `archive search` names it; None if it is text."""
    from storage.search import checked_text

    try:
        checked_text(value, what)  # NUL, and what no database holds: `archive search`'s own message
    except ArchiveError as exc:
        return str(exc)
    if found := CONTROL.search(value):
        return f"{what} holds U+{ord(found.group()):04X}, which is no character of text"
    return None


def echoed(text: str) -> str:
    """``text`` as a page repeats it: at most ECHO_CHARS characters, an ellipsis marking a cut."""
    return cut(text, ECHO_CHARS)


def whole_number(value: str | None, default: int, low: int, high: float) -> int | None:
    """A whole-number query parameter, at most ``high``; the default when absent or blank; None
    when it is no whole number of ``low`` or more (``page=abc``, ``page=0``, ``size=-5``), which
    the page refuses: it was answered as if absent, with the first page of hits, 200."""
    if value is None or not value.strip():
        return default
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    # Past what SQLite stores (thousands of digits, which int() refuses), as far past as any.
    number = article_number(value)
    number = SQLITE_LARGEST_INTEGER + 1 if number is None else number
    return None if number < low else int(min(high, number))


class _Deadline(threading.local):
    at = math.inf


_deadline = _Deadline()


def _interrupt_after_deadline(dbapi_connection, _record) -> None:
    # SQLite calls this every few thousand steps; a true result aborts the statement.
    dbapi_connection.set_progress_handler(lambda: time.monotonic() > _deadline.at, 10_000)


def open_read_only(path: str) -> Archive:
    """The archive file opened read-only through storage/, its queries cut off at a deadline."""
    archive = open_archive(sqlite_url(sqlite_uri(path), mode="ro", uri="true"), create=False)
    event.listen(archive.engine, "connect", _interrupt_after_deadline)
    archive.engine.dispose()  # the connection opening made has no progress handler
    return archive


def run_with_time_limit(limit_ms: int, function, *args, **kwargs):
    """Call ``function`` in this thread; queries of a read-only archive stop after ``limit_ms``."""
    _deadline.at = time.monotonic() + limit_ms / 1000
    try:
        return function(*args, **kwargs)
    finally:
        _deadline.at = math.inf


class ReadingRoom:
    """The views over one Datasette database holding an archive."""

    def __init__(self, datasette, database: str):
        self.datasette = datasette
        self.database = database
        self._archive: Archive | None = None
        self._archive_lock = threading.Lock()

    @property
    def db(self):
        return self.datasette.get_database(self.database)

    async def render(self, template: str, context: dict, request, status: int = 200) -> Response:
        html = await self.datasette.render_template(
            f"reading_room/{template}", {"database": self.database, "web_address": web_address} | context,
            request=request,
        )
        if status in LOGGED:
            log_refused(request, status, context.get("problem") or HTTPStatus(status).phrase)
        return Response.html(html, status=status, headers=retry_after(status))

    async def paper(self, request) -> Response:
        code = paper_code(request)
        if code.strip() != code:
            return sent_on(request, issue_path(self.datasette, code.strip()))
        found = (await self.db.execute(PAPER_SQL, {"paper": code})).first()
        if found is None:
            raise await self.no_paper(code)
        paper = dict(found)
        issues = [dict(r) for r in await self.db.execute(PAPER_ISSUES_SQL, {"paper_id": paper["id"]})]
        years: dict[str, list[dict]] = {}
        for issue in issues:
            years.setdefault(str(issue["issue_date"])[:4], []).append(issue)
        return await self.render("paper.html", {"paper": paper, "years": years, "issues": issues}, request)

    async def no_issue_named(self, request) -> Response:
        """/issue, an issue's address cut back by hand: Datasette took it for a database's name,
        "Database not found"."""
        papers = sorted(row["code"] for row in await self.listed(PAPERS_SQL))
        held = ", ".join(f"{code} ({issue_path(self.datasette, code)})" for code in papers) or "no paper yet"
        raise NotFound(f"An issue's address is /issue/<paper>/<YYYY-MM-DD>: the archive holds {held}.")

    async def no_article_named(self, request) -> Response:
        """/article, an article's address cut back by hand (see no_issue_named)."""
        raise NotFound("An article's address is /article/<id>, its number (articles.id): the search "
                       f"({self.datasette.urls.path('/search')}) finds articles by their words.")

    async def no_paper(self, code: str) -> NotFound:
        """The 404 of an address naming a paper the archive lacks: the codes it holds, and the
        paper meant, as the CLI tells it (crawler.papers.meant_paper), with its address."""
        papers = {row["code"]: row["name"] for row in await self.listed(PAPERS_SQL)}
        hint = meant_paper_hint(code, papers, lambda known: issue_path(self.datasette, known))
        return NotFound(f"No paper {code} in the archive (it holds {', '.join(sorted(papers)) or 'none yet'}).{hint}")

    async def issue(self, request) -> Response:
        paper = paper_code(request)
        named = address_part(request, "date")
        try:
            issue_date = parse_date(named, "issue date").isoformat()
        except BadRequest as refused:
            # 20230131 or 2023-W05-2 name the day too (ISO 8601), and a link may carry them. The
            # address alone takes them; the search's dates and a canned query's are written YYYY-MM-DD.
            try:
                issue_date = date.fromisoformat(named).isoformat()
            except ValueError:
                raise refused from None
        if issue_date != named or paper.strip() != paper:
            # An issue is cited by one address, to which such a link, or a date or paper pasted
            # with spaces around it, is sent on.
            return sent_on(request, issue_path(self.datasette, paper.strip(), issue_date))
        found = (await self.db.execute(ISSUE_SQL, {"paper": paper, "date": issue_date})).first()
        if found is None and (await self.db.execute(PAPER_SQL, {"paper": paper})).first() is None:
            # A code typed otherwise (GONGYISHIBAO) was "No issue of GONGYISHIBAO dated …", read as
            # the paper's missing date.
            raise await self.no_paper(paper)
        if found is None:
            raise NotFound(f"No issue of {paper} dated {issue_date} in the archive")
        issue = dict(found)
        neighbours = dict(
            (await self.db.execute(NEIGHBOURS_SQL, {"paper_id": issue["paper_id"], "date": issue_date})).first()
        )
        pages = [dict(r) | {"articles": []} for r in await self.db.execute(PAGES_SQL, {"issue_id": issue["id"]})]
        by_id = {page["id"]: page for page in pages}
        for row in await self.db.execute(ISSUE_ARTICLES_SQL, {"issue_id": issue["id"]}):
            # A page a crawl stored after the pages were read: shown at the next asking.
            if (page := by_id.get(row["page_id"])) is not None:
                page["articles"].append(dict(row))
        # Reached from an article read as published (?text=original), the issue keeps that view:
        # its sections and title blocks as published where the archive holds them, its links to
        # articles and issues in that view too.
        has_original = any(differs(page, "section") for page in pages) or any(
            differs(article, name) for page in pages for article in page["articles"] for name in ISSUE_HEADINGS)
        show_original = has_original and request.args.get("text") == "original"
        for page in pages:
            page["shown"], page["lang"] = shown_as(page, ("section",), _traditional(""), show_original)
            # Its label (第07版：社会工作) holds the section: as published where it does.
            label = page["page_label"] or ""
            page["shown"]["page_label"] = label.replace(page["section"], page["shown"]["section"]) if page["section"] else label
            for article in page["articles"]:
                article["shown"], article["lang"] = shown_as(
                    article, ISSUE_HEADINGS, _traditional(article["original_script"]), show_original)
        return await self.render(
            "issue.html",
            {"issue": issue, "pages": pages, "previous": neighbours["previous"], "next": neighbours["next"],
             "has_original": has_original, "show_original": show_original,
             "view": "?text=original" if show_original else ""},
            request,
        )

    async def found_article(self, request) -> tuple[dict, bool]:
        """The article the address names (ARTICLE_SQL), and whether the address names it as its
        one address does: 015 (leading zeros) or ' 15' is to be sent on to 15, as an issue's date is."""
        named = address_part(request, "id")
        # Pasted with spaces around it (/article/%2015), it was "No article 15 in the archive".
        article_id = article_number(named.strip())
        found = (await self.db.execute(ARTICLE_SQL, {"id": article_id})).first() if article_id is not None else None
        if found is None and article_id is None and (in_ascii := article_number(half_width(named.strip()))) is not None:
            # As an issue's date so written is told: it was "No article １５ in the archive".
            raise BadRequest(f"Article {named.strip()!r} "
                             f"{in_full_width('articles are numbered', self.datasette.urls.path(f'/article/{in_ascii}'))}.")
        if found is None:
            raise NotFound(f"No article {echoed(named)} in the archive: articles are numbered (articles.id)")
        return dict(found), str(article_id) == named

    async def article(self, request) -> Response:
        article, as_cited = await self.found_article(request)
        here = self.datasette.urls.path(f"/article/{article['id']}")
        if not as_cited:
            return sent_on(request, here)
        images = [dict(r) for r in await self.db.execute(IMAGES_SQL, {"id": article["id"]})]
        versions = [dict(row) | {"number": number, "replaced": moment(row["valid_until"])}
                    for number, row in enumerate(await self.db.execute(VERSIONS_SQL, {"id": article["id"]}), 1)]
        return await self.render("article.html", reading(article, images, request, here) | {"versions": versions}, request)

    async def version(self, request) -> Response:
        """An earlier text of an article (article_versions), as the article's page shows the
        current one: its title block, pictures and text as kept, with when it was served."""
        article, as_cited = await self.found_article(request)
        versions = list(await self.db.execute(VERSIONS_SQL, {"id": article["id"]}))
        named = address_part(request, "version")
        number = article_number(named)
        if number is None or not 1 <= number <= len(versions):
            held = f"its earlier versions are numbered 1 to {len(versions)}" if versions else "it has no earlier version"
            raise NotFound(f"No version {echoed(named)} of article {article['id']} in the archive: {held}")
        here = self.datasette.urls.path(f"/article/{article['id']}/version/{number}")
        if not as_cited or str(number) != named:
            return sent_on(request, here)
        kept = dict((await self.db.execute(VERSION_SQL, {"id": versions[number - 1]["id"]})).first())
        # The texts a version kept before revisions 0008 and 0018 added their columns are NULL:
        # not recorded, shown as none.
        text = {name: kept[name] or "" for name in (*HEADINGS, *(f"{h}_original" for h in HEADINGS),
                                                    "body", "body_original")}
        pictures = json.loads(kept["images"]) if isinstance(kept["images"], str) else kept["images"] or []
        images = [{"url": picture.get("url"), "caption": picture.get("caption") or "",
                   "caption_original": picture.get("caption_original") or ""} for picture in pictures]
        version = {"id": kept["id"], "number": number, "of": len(versions),
                   "first_seen": moment(kept["valid_from"]), "replaced": moment(kept["valid_until"])}
        context = reading(article | text | {"original_script": kept["original_script"] or ""}, images, request, here)
        return await self.render("article.html", context | {"version": version, "versions": []}, request)

    def archive(self) -> Archive:
        """The same file through storage/ (for storage.search), opened on first use. A file gone
        by then (moved away, its disk unmounted) is the server's state, not the request's fault:
        503, without storage's reason, which names the file on the server's disk."""
        with self._archive_lock:
            if self._archive is None:
                try:
                    self._archive = open_read_only(self.db.path)
                except ArchiveError:
                    raise ArchiveUnreadable(GONE) from None
            return self._archive

    async def damage(self, request, exception: Exception) -> str | None:
        """What of the archive SQLite cannot read, where ``exception`` comes of it: the file cut
        short, overwritten or no database (UNREADABLE), or a table of the archive's schema gone,
        or a view naming one that is (MISSING, once the archive is found to lack it: SQL typed
        in the browser names tables of its own). None where the exception is of something else.
        A table of the schema dropped, its own pages were Datasette's "Table not found", as for an
        address no page has, where every other page said the archive was damaged."""
        if isinstance(exception, ArchiveUnreadable):
            return exception.damage
        if isinstance(exception, NotFound):
            asked = tilde_decode(request.url_vars.get("table") or "")
            return await self.missing_part() if asked in models.Base.metadata.tables else None
        words = sqlite_words(exception)
        if words is None or words.startswith(UNREADABLE):
            return words
        if not words.startswith(MISSING) or "sql" in request.args:
            return None
        return await self.missing_part()

    async def missing_part(self) -> str | None:
        """A table of the archive's schema the archive lacks, or a view of it naming a table or
        column it lacks, in SQLite's words; None if it holds them all."""
        try:
            tables = await self.db.table_names()
            if lacking := [name for name in models.Base.metadata.tables if name not in tables]:
                return f"no such table: {', '.join(lacking)}"
            for view in await self.db.view_names():
                await self.db.execute(f"select * from [{view}] limit 0")
        except sqlite3.DatabaseError as exc:
            return str(exc)
        except QueryInterrupted:
            return None
        return None

    async def listed(self, sql: str) -> list:
        """The rows of a list a page shows beside what it was asked for (the search form's
        papers and sections, the menu's papers); empty where the archive takes longer than the
        time limit to read it: such a list cut off made the whole page the generic "took too
        long" 503, a search's hits (or why the search itself was cut off) lost."""
        try:
            return list(await self.db.execute(sql))
        except QueryInterrupted:
            return []

    async def holds_articles(self) -> bool:
        try:
            return bool((await self.db.execute("select exists (select 1 from articles)")).first()[0])
        except QueryInterrupted:
            return True

    async def search(self, request) -> Response:
        from storage.search import (
            MAX_OFFSET, MAX_QUERY_CHARS, as_written_note, open_quotation_note, ranked_among, ranked_span, search,
            section_names,
        )

        args = request.args
        form = {name: (args.get(name) or "").strip() for name in ("q", "paper", "section", "since", "until", "size")}
        page_number = whole_number(args.get("page"), 1, 1, math.inf)
        size = whole_number(form["size"], HITS_PER_PAGE, 1, MAX_HITS_PER_PAGE)
        problem, hits = None, []
        # A request the page cannot answer as asked (a date that is none, a page past the hits it
        # may skip, a query the search refuses) is the reader's to change: 400, with the form and
        # the reason, so that a script, a cache or a link checker does not take the message for a
        # page of results; a search cut off at the time limit is 503 (RETRY_AFTER_SECONDS).
        status = 200
        if unknown := [name for name in args if name not in SEARCH_PARAMETERS and not added_by_sharing(name, args.get(name))]:
            problem, status = unknown_filters_problem(unknown), 400
        try:
            since = parse_date(form["since"], "from") if form["since"] else None
            until = parse_date(form["until"], "to") if form["until"] else None
        except BadRequest as exc:
            problem, since, until, status = problem or str(exc), None, None, 400
        if (page_number is None or size is None) and not problem:
            name, written = ("page", args.get("page").strip()) if page_number is None else ("size", form["size"])
            if reason := number_in_full_width(written):
                # ２ as an input method set for Chinese types it: the rule alone showed nothing amiss.
                problem = f"{name} {echoed(written)!r} {reason}"
            else:
                problem = ("page is a whole number, 1 or more (page=2: the second page of hits)" if page_number is None
                           else f"size is a whole number of hits a page, 1 to {MAX_HITS_PER_PAGE}")
            status = 400
        page_number, size = page_number or 1, size or HITS_PER_PAGE  # for the form's links
        # As `archive search --offset`: a page further on would collect every match before it
        # (and one past what SQLite counts in 64 bits was a 500).
        # A control character typed or pasted into the form, or sent by a link (%00, %01): the
        # search page answered NUL 400 and any other "Nothing found" (200), as a search done.
        for name, what in (("q", "search"), ("paper", "paper"), ("section", "section")):
            if not problem and (problem := form_problem(form[name], what)):
                status = 400
        if (page_number - 1) * size > MAX_OFFSET and not problem:
            problem = f"The hits after the first {MAX_OFFSET:,} are not shown: narrow the search with a paper, section or dates."
            status = 400
        papers = {row["code"]: row["name"] for row in await self.listed(PAPERS_SQL)}
        no_paper = not papers  # before the form's own is added below
        sections = [row["section"] for row in await self.listed(SECTIONS_SQL)]
        if not problem and (problem := filter_problem(form, since, until, papers, sections)):
            status = 400
        if not problem and form["section"] and form["paper"] in papers:
            # A section of another paper's pages alone (each paper names its own) finds nothing
            # with this one, and the page said "Nothing found", 200: refused as `archive search` does.
            from storage.cli import check_section

            try:
                await asyncio.get_running_loop().run_in_executor(
                    self.datasette.executor, lambda: check_section(self.archive(), form["section"], form["paper"]))
            except ArchiveError as exc:
                problem, status = sentence(str(exc)), 400
        if form["q"] and not problem:

            def find():
                return search(
                    self.archive(), form["q"], paper=form["paper"] or None, section=form["section"] or None,
                    since=since, until=until, limit=size + 1, offset=(page_number - 1) * size, markers=MARKERS,
                )

            try:
                hits = await asyncio.get_running_loop().run_in_executor(
                    self.datasette.executor, lambda: run_with_time_limit(self.datasette.setting("sql_time_limit_ms"), find)
                )
            except DatabaseError as exc:
                if "interrupted" in str(exc.orig):
                    problem, status = "The search took too long; narrow it with a paper, section or dates.", 503
                elif (damage := await self.damage(request, exc)) is not None:
                    raise ArchiveUnreadable(damage) from None
                else:  # the archive's fault, not the request's (a disk error, say): the one line that says so
                    problem, status = f"The search failed: {exc.orig}", 500
            except (ArchiveError, ValueError) as exc:  # the query itself: empty of words, too long
                problem, status = str(exc), 400
        # The form shows the filters the hits were found with, so that searching again from it
        # keeps them: a section named otherwise than the list names it (社會工作, from a link)
        # is selected as the list names it, and a section or paper the list lacks is added.
        if form["section"]:
            given = section_names(form["section"])
            form["section"] = next((s for s in sections if s in given), form["section"])
            if form["section"] not in sections:
                sections.append(form["section"])
        if form["paper"] and form["paper"] not in papers:
            papers[form["paper"]] = form["paper"]
        # Filters without words: the search ranks articles by words, and the page showed the
        # form and nothing under it. The table lists every article the filters name.
        filtered = None
        if not form["q"] and not problem and any(form[name] for name in ("paper", "section", "since", "until")):
            table = {"paper_code": form["paper"], "section": form["section"],
                     "issue_date__gte": since and since.isoformat(), "issue_date__lte": until and until.isoformat()}
            filtered = self.datasette.urls.path(f"/{self.database}/article_view") + "?" + urlencode(
                {name: value for name, value in table.items() if value} | {"_sort": "issue_date"})

        def page_link(number: int) -> str:
            return self.datasette.urls.path("/search") + "?" + urlencode({k: v for k, v in form.items() if v} | {"page": number})

        matches = getattr(hits, "matches", None)
        return await self.render(
            "search.html",
            {
                "form": form,
                # The box holds the search to edit, as much of it as the search takes.
                "query": form["q"][:MAX_QUERY_CHARS],
                "echoed": echoed(form["q"]),
                "problem": problem,
                "filtered": filtered,
                "hits": hits[:size],
                "pool": ranked_among((page_number - 1) * size, size + 1),
                "papers": papers,
                "sections": sections,
                "page_number": page_number,
                "first_rank": (page_number - 1) * size + 1,
                "first_page": page_link(1),
                # Not from a page past the last (it names the last) nor of a search matching
                # nothing: the page before it held no hit either.
                "previous_page": page_link(page_number - 1) if page_number > 1 and (hits or matches is None) else None,
                "next_page": page_link(page_number + 1) if len(hits) > size else None,
                "highlight": highlight,
                "as_written": None if hits else as_written_note(form["q"]),
                # Nothing found in an archive holding no article yet (served before its first
                # crawl) is no answer about the words, nor about the filters it could not list.
                "empty_archive": not hits and no_paper and form["q"] and not problem and not await self.holds_articles(),
                "open_quotation": open_quotation_note(form["q"]),
                # How many match, where the search read them all (storage.search.Hits): a page
                # past the last names the last one, and of a search matching nothing it is not
                # "No more hits", which read as if earlier pages held some.
                "matches": matches,
                # Where more match than it ranked, the search counted as many as it ranked: every
                # match past them is known only by checking its text for the words (the index
                # names candidates), which for a common word is most of a large archive.
                "ranked": ranked_span((page_number - 1) * size, size + 1)[1],
                "last_page": math.ceil(matches / size) if matches else None,
                "last_page_link": page_link(math.ceil(matches / size)) if matches else None,
            },
            request,
            status,
        )


def meant_paper_hint(code: str, papers: dict[str, str | None], address: Callable[[str], str] | None = None) -> str:
    """The sentence ending the reading room's refusal of a paper ``code`` the archive lacks: the
    paper it names, or the codes closest to it, as the CLI tells them (crawler.papers.meant_paper);
    each code with its page's ``address`` (a 404 of an address), else to be chosen in the list (the
    search form, whose papers are one). Empty where no paper is meant."""
    if (meant := meant_paper(code, papers)) is None:
        return ""
    if meant.named:
        return f" {meant.named}: {address(meant.codes[0]) if address else 'choose it in the list.'}"
    if address:
        return f" Did you mean {' or '.join(f'{known} ({address(known)})' for known in meant.codes)}?"
    return f" Did you mean {' or '.join(meant.codes)}? Choose it in the list."


def filter_problem(form: dict, since: date | None, until: date | None, papers: dict[str, str],
                   sections: list[str]) -> str | None:
    """Why the search's filters can find nothing whatever the words, as `archive search` refuses
    them (storage.cli: check_span, check_paper, check_section): From after To, a paper or a
    section the archive does not hold (a link's typo, another archive's paper). The page
    answered "Nothing found", 200, which read as the words' answer. A list the archive took too
    long to read (empty) refuses nothing."""
    from storage.search import section_names

    if since and until and since > until:
        return f"From {since} is after To {until}: no date is within them."
    if form["paper"] and papers and form["paper"] not in papers:
        hint = meant_paper_hint(form["paper"], papers)
        return f"The archive holds no paper {form['paper']} (it holds {', '.join(sorted(papers))}).{hint}"
    if form["section"] and sections and not set(section_names(form["section"])) & set(sections):
        return f"No page of the archive has the section {form['section']}: choose one in the list."
    return None


# SQLite's words for a file it cannot open, as a connection opened after the file was taken
# away (moved, its disk unmounted) finds it.
GONE = "unable to open database file"
# Its words for a file it cannot read as a database: cut short, overwritten, or none; or gone.
UNREADABLE = ("database disk image is malformed", "file is not a database", "disk I/O error", GONE)
# Its words for a table or column a statement names that the database lacks: the archive's
# fault where the archive lacks one of its own (ReadingRoom.damage).
MISSING = ("no such table", "no such column")


def sqlite_words(exception: Exception) -> str | None:
    """SQLite's error that ``exception`` is, or passes on: its own, under SQLAlchemy's, or as
    Datasette's table and query pages put it (their DatasetteError's message)."""
    if isinstance(exception, DatasetteError):
        return None if exception.message_is_html else exception.message
    error = getattr(exception, "orig", exception)
    return str(error) if isinstance(error, sqlite3.DatabaseError) else None


class ArchiveUnreadable(DatasetteError):
    """A page of an archive SQLite cannot open or read (ReadingRoom.damage): the server's state,
    not the request's fault, 503. The page says so in one line, naming neither the file nor what
    is damaged; the log line (``logged``) says what is, in SQLite's words (``damage``)."""

    def __init__(self, damage: str):
        if damage.startswith(GONE):
            message = self.logged = "The archive could not be opened; try again later."
        else:
            message = "The archive cannot be read: it is damaged, or being replaced; try again later."
            self.logged = f"The archive cannot be read: {damage}"
        super().__init__(message, title="Archive unavailable", status=503)
        self.damage = damage


def retry_after(status: int) -> dict[str, str]:
    """The headers of a page answered with ``status``: when to ask again, for a 503."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}


# The search index's table of terms (storage/fulltext.py), keyed by (segment, term blob).
BLOB_KEYED_TABLE = f"{SEARCH_TABLE}_idx"


def room_for(datasette) -> ReadingRoom | None:
    """The reading room of ``datasette``, one for its life: its archive, opened through storage/
    on first use, is opened once, for the pages and for text_search's search_hits alike."""
    config = datasette.plugin_config(PLUGIN)
    if not config:
        return None
    room = getattr(datasette, "_reading_room", None)
    if room is None or room.database != config["database"]:
        room = datasette._reading_room = ReadingRoom(datasette, config["database"])
    return room


@hookimpl
def prepare_connection(conn, database, datasette):
    """``section_forms(name)``: a section's name as typed and as the archive stores it, a JSON
    array (storage.search.section_names), so that the canned queries take a name as the page
    printed it (社會工作), as `archive search --section` does. ``page_shown(page_number,
    page_label)``: the page as every page of the reading room names it (第A01版, 第03版（已撤下）),
    so that the canned queries show no page by a number no reader should see. ``text_forms(words)``:
    the forms the search page asks for of words as typed (storage.search.variants: in Simplified,
    normalised, in the other width), a JSON array, so that who_wrote_what and text_search find
    本報記者 and ２０２２ where the archive stores 本报记者 and 2022, as the search page does.
    ``closed_up(text)``: ``text`` without the blanks between two Han characters
    (storage.fulltext.closed_up), as the search reads it, so that who_wrote_what finds 王磊 in a
    byline printing a name padded to width (王 磊) and bylines counts the two as one.
    ``search_hits(words, limit)``: the search page's first ``limit`` hits for ``words``
    (storage.search.search over the index), a JSON array of [article id, snippet] best first,
    so that text_search reads the articles the index names rather than every one."""
    if datasette.plugin_config(PLUGIN) is None:
        return
    from storage.fulltext import closed_up
    from storage.search import section_names, variants

    conn.create_function(
        "section_forms", 1, lambda name: json.dumps(section_names(name or ""), ensure_ascii=False), deterministic=True
    )
    conn.create_function(
        "page_shown", 2, lambda number, label: None if number is None else page_shown(number, label), deterministic=True
    )
    conn.create_function(
        "text_forms", 1, lambda words: json.dumps(variants(words or ""), ensure_ascii=False), deterministic=True
    )
    conn.create_function("closed_up", 1, lambda text: None if text is None else closed_up(text), deterministic=True)
    room = room_for(datasette)
    conn.create_function("search_hits", 2, lambda words, limit: search_hits(room, words, limit))


def search_hits(room: ReadingRoom, words: str | None, limit: int) -> str:
    """The hits of text_search's SQL function ``search_hits``; none for no words (its query asks
    for them). Words the search refuses are refused before the query runs (parse_search)."""
    from storage.search import search

    if not (words or "").strip():
        return "[]"
    # The search reads the archive through its own connection, which Datasette's time limit
    # does not watch: it stops at the same limit itself, as the search page's does.
    hits = run_with_time_limit(room.datasette.setting("sql_time_limit_ms"),
                               lambda: search(room.archive(), words, limit=int(limit)))
    return json.dumps([[hit.article_id, hit.snippet] for hit in hits], ensure_ascii=False)


async def not_served(request) -> Response:
    raise NotFound("The reading room does not serve this page")


async def no_such_format(request) -> Response:
    raise NotFound(f"No format .{request.url_vars['format']}: the data is offered as .json and .csv")


def unoffered_format(datasette, database: str) -> str:
    """A regular expression for a page of ``database`` (the database's own, a table's, a view's,
    a query's, a row's) in a format Datasette has no renderer for: it served its HTML page, 200."""
    offered = "|".join(re.escape(name) for name in ("csv", "jsono", *datasette.renderers))
    return rf"^/(?P<database>{any_spelling(database)})(?:/[^/]+){{0,2}}\.(?!(?:{offered})$)(?P<format>\w+)$"


# Datasette's pages that tell about the server rather than the archive: /-/databases names the
# archive's file on the server's disk, /-/threads the server's running code by its files'
# paths; and its debug pages, for whoever writes plugins or sets permissions: URL patterns
# (/-/patterns), permission checks (/-/allow-debug, /-/permissions), a form to post messages
# (/-/messages), and the root user's login and logout (/-/auth-token, /-/logout), of a server
# `archive serve` starts with no root user. Nothing of the reading room needs them, and
# `archive serve --host` puts them on a network. (Routes of plugins are matched before
# Datasette's own.) Its styles (/-/static/) and the pages of what it serves (/-/metadata,
# /-/settings, /-/plugins, /-/versions, /-/actor) stay.
NOT_SERVED = r"^/-/(databases|threads|patterns|allow-debug|permissions|messages|auth-token|logout)(\.json)?$"


# How every page opens: Datasette's base template names neither the page's language nor its
# encoding. The language is the archive's, Chinese as stored (Simplified; what a page shows
# Traditional says so itself, lang="zh-Hant"): without it a browser set to Japanese drew the
# characters in their Japanese forms, and a screen reader read them in the reader's language.
# The encoding, in the page's first bytes, stays with a page saved to disk, which the HTTP
# header does not. No referrer: a page's pictures are fetched from the paper's own site, and its
# links lead there, each request naming the reading room (its address, a host name on a
# newsroom's network for one served with --host) to the site.
PAGE_OPENING = ("<html>\n<head>\n", '<html lang="zh-Hans">\n<head>\n    <meta charset="utf-8">\n'
                '    <meta name="referrer" content="no-referrer">\n')


class DeclaredPages(BaseLoader):
    """``loader``, its base.html opening as PAGE_OPENING says."""

    def __init__(self, loader: BaseLoader):
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        if template == "base.html":  # Datasette's, whose opening the tests check (pyproject pins its version)
            source = source.replace(*PAGE_OPENING, 1)
        return source, filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


@hookimpl
def prepare_jinja2_environment(env, datasette):
    if room_for(datasette) is not None:
        # Every value a page writes, Datasette's own pages' too: a search or section typed with
        # a control character, and a text the archive holds with one (lxml keeps them).
        env.finalize = without_controls
        env.loader = DeclaredPages(env.loader)
        # For the footer (_footer.html), which names it: Datasette's views pass it, the reading
        # room's pages and every error page (Datasette's handle_exception) did not.
        env.globals["datasette_version"] = __version__
    env.filters["page_shown"] = page_shown
    env.globals["issue_path"] = lambda paper, day=None: issue_path(datasette, paper, day)


@hookimpl
def register_routes(datasette):
    room = room_for(datasette)
    if room is None:
        return []
    return [
        (NOT_SERVED, not_served),
        (unoffered_format(datasette, room.database), no_such_format),
        (rf"^/{any_spelling('issue')}/(?P<paper>[^/]+)$", in_time(room.paper)),
        # A date of several parts (2023/01/31) is the issue's too, a date refused naming it: a
        # page of its own, it was a 404 whose reason was "404".
        (rf"^/{any_spelling('issue')}/(?P<paper>[^/]+)/(?P<date>.+)$", in_time(room.issue)),
        (rf"^/{any_spelling('article')}/(?P<id>[^/]+)$", in_time(room.article)),
        (rf"^/{any_spelling('article')}/(?P<id>[^/]+)/{any_spelling('version')}/(?P<version>[^/]+)$",
         in_time(room.version)),
        (rf"^/{any_spelling('issue')}$", in_time(room.no_issue_named)),
        (rf"^/{any_spelling('article')}$", in_time(room.no_article_named)),
        (rf"^/{any_spelling('search')}$", in_time(room.search)),
        (rf"^/(?P<database>{any_spelling(room.database)})/(?P<table>[^/]+?)/(?P<pks>[^/]+?)(\.(?P<format>\w+))?$",
         table_row(room.database)),
        (rf"^/(?P<database>{any_spelling(room.database)})(\.(?P<format>\w+))?$", typed_sql(room.database)),
        *((rf"^/(?P<database>{any_spelling(room.database)})/(?P<table>{any_spelling(name)})(\.(?P<format>\w+))?$",
           checked_query(room.database, name, {parse: canned.get(kind) or {} for kind, parse in CHECKED.items()}))
          for name, canned in (datasette.metadata("queries", database=room.database) or {}).items()),
        (rf"^/(?P<database>{any_spelling(room.database)})/(?P<table>[^/.]*%[^/.]*)\.(?P<format>\w+)$",
         table_page(room.database)),
    ]


# The SQLite errors of the queries a request ran (ArchiveDatabase.execute), while typed_sql
# answers it.
_FAILED_QUERIES: contextvars.ContextVar[list[sqlite3.DatabaseError] | None] = contextvars.ContextVar(
    "failed_queries", default=None)


def query_failed(error: sqlite3.DatabaseError) -> None:
    if (failed := _FAILED_QUERIES.get()) is not None:
        failed.append(error)


def typed_sql(database: str):
    """The database's page, where SQL typed in the browser runs (``sql=``). Datasette answers a
    query SQLite refused (a syntax error, a table no archive has) with its page and the error,
    400, raising nothing: the log, which has a line for every other 400, had none for it. One
    line here, SQLite's words; a write refused or a query stopped at the time limit is raised,
    and logged by handle_exception."""
    from datasette.views.database import DatabaseView

    async def answer(datasette, request, send):
        failed = []
        asking = _FAILED_QUERIES.set(failed)
        try:
            request.url_vars.update(database=database)
            response = await DatabaseView.as_view(datasette)(request, send)
        finally:
            _FAILED_QUERIES.reset(asking)
        if getattr(response, "status", None) == 400 and failed and request.args.get("sql"):
            log_refused(request, 400, str(failed[-1]))
        return response

    return answer


def any_spelling(name: str) -> str:
    """A regular expression for ``name`` in an address as sent, each character as it is,
    percent-encoded (%73) or tilde-encoded (~73): Datasette sends a percent-encoded address on
    to its tilde-encoded spelling, and reads that as the name, so a route for the name as it
    is left /archive/%73ection_over_year to Datasette, its parameters unchecked."""
    return "".join(
        f"(?:{re.escape(char)}|" + "".join(f"[%~](?i:{byte:02X})" for byte in char.encode()) + ")" for char in name
    )


def table_page(database: str):
    """A table's, a view's or a canned query's page in a format (.json, .csv), its name
    percent-encoded (/archive/%61rticles.json): Datasette found no page for it and sent it on
    to its tilde-encoded spelling, the format's dot encoded too (~61rticles~2Ejson), which named
    no table: 404, where the name without a format, or not encoded, is the page."""
    from datasette.utils import tilde_encode
    from datasette.views.table import TableView

    async def answer(datasette, request, send):
        name = address_part(request, "table")
        db = datasette.get_database(database)
        if (name not in await db.table_names() and name not in await db.view_names()
                and name not in (datasette.metadata("queries", database=database) or {})):
            raise NotFound("Table not found")
        request.url_vars.update(database=database, table=tilde_encode(name))
        return await TableView.as_view(datasette)(request, send)

    return answer


def table_row(database: str):
    """A row's page of a table or view of ``database`` (Datasette's), its table named however
    the address spells it (any_spelling); a table the archive lacks is 404, as its table page
    is. Datasette ran the row's query on whatever the address named, and answered a name
    percent-encoded (/archive/%61rticles/1), or none, with the SQL error, "no such table", 400."""
    from datasette.utils import tilde_encode
    from datasette.views.row import RowView

    async def answer(datasette, request, send):
        table = address_part(request, "table")
        db = datasette.get_database(database)
        if table not in await db.table_names() and table not in await db.view_names():
            raise NotFound("Table not found")
        # Datasette reads the name, and each of the row's key values (comma-separated), tilde-encoded.
        keys = ",".join(tilde_encode(unquote(tilde_decode(key))) for key in request.url_vars["pks"].split(","))
        request.url_vars.update(database=database, table=tilde_encode(table), pks=keys)
        return await RowView.as_view(datasette)(request, send)

    return answer


def sentence(line: str) -> str:
    """A message of `archive`'s (one line, lower-case, no stop) as a page's sentence."""
    return f"{line[:1].upper()}{line[1:]}."


def parse_text(value: str, what: str) -> str:
    """``value``, if it is text a query can look for, without the spaces pasted around it (as the
    search page leaves them out: a name pasted as '皮磊 ' found no byline); one holding a control
    character (%00) is refused as the search page refuses it: the query looked for it and
    answered no row, 200."""
    if problem := form_problem(value, what):
        raise BadRequest(sentence(problem))
    return value.strip()


def parse_search(value: str, what: str) -> str:
    """``value`` as :func:`parse_text` reads it, if the search takes it as words; one of marks
    alone (。，) or longer than the search takes is refused as the search page refuses it: the
    query found no match for it and answered no row, 200. Blank, the query's form asks for words."""
    from storage.search import checked_terms

    words = parse_text(value, what)
    if words:
        try:
            checked_terms(words)
        except ArchiveError as exc:
            raise BadRequest(sentence(str(exc))) from None
    return words


# A canned query's parameters of each kind its metadata names (name: what it is), and how each is
# read: into what the query is given (str() of it), or refused.
CHECKED = {"dates": parse_date, "years": parse_year, "counts": parse_count, "texts": parse_text,
           "searches": parse_search}


def checked_query(database: str, query: str, checked: dict):
    """The canned query ``query`` of ``database``, whose parameters ``checked`` (a parse
    function: {name: what it is}) are dates, years or counts, one that is none refused 400
    naming it, as the search's and an issue address's are: the query compared it with the
    issues' dates and answered no row, 200, as for a date without an issue. Blank, the query's
    form is asked for, as before; the query itself is Datasette's, asked by its names however
    the address spelt them (any_spelling). Every canned query is answered here, one that
    failed on a damaged archive with ArchiveUnreadable's 503."""
    from datasette.views.table import TableView

    async def answer(datasette, request, send):
        read = {}
        for parse, parameters in checked.items():
            for name, what in parameters.items():
                if (value := request.args.get(name)) and (as_read := str(parse(value, what))) != value:
                    read[name] = as_read
        if read:
            # The query is given each value as read (a date without the spaces pasted around
            # it): given as sent, it compared ' 2023-01-31' with the issues' dates, and found none.
            asked = urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
            request.scope["query_string"] = urllib.parse.urlencode(
                [(name, read.pop(name, value)) for name, value in asked]).encode("latin-1")
        request.url_vars.update(database=database, table=query)
        response = await TableView.as_view(datasette)(request, send)
        # Datasette answers a canned query that failed with its page and the error, 400, never
        # raising it: a query of a damaged archive blamed the reader so.
        if getattr(response, "status", None) == 400 and (damage := await room_for(datasette).missing_part()):
            raise ArchiveUnreadable(damage)
        return response

    return answer


def in_time(view):
    """``view``, a page the archive takes longer than the time limit to make answered 503 (with
    Retry-After, see handle_exception); Datasette answered it 500, the log a traceback."""

    async def answer(request):
        try:
            return await view(request)
        except QueryInterrupted:
            raise DatasetteError(
                "The archive took too long to make this page; try again later.", title="Took too long", status=503
            ) from None

    return answer


@hookimpl
def extra_template_vars(template, database, table, datasette):
    """The search index's own table, keyed by a blob, without a link to a next page: Datasette
    writes the blob into ``_next`` as Python prints it and cannot read it back, and the page it
    linked showed no row (a ``_next`` sent anyway is refused, table_parameter_problem)."""
    if room_for(datasette) is not None and table == BLOB_KEYED_TABLE:
        return {"next_url": None}
    return {}


@hookimpl
def filters_from_request(request, database, table, datasette):
    """A table page's parameters that Datasette puts into SQL unread, refused (400) before it runs
    any: a facet on a column the table lacks was an ERROR in the log and warnings of coroutines
    never awaited (the facets' other queries, left when the first failed), a facet that is not
    JSON (``_facet={…``) a 500; a view's ``_next`` (an offset) not a number, a 500 too."""
    if room_for(datasette) is None:
        return None

    async def check():
        if problem := await table_parameter_problem(datasette, request, database, table):
            raise DatasetteError(problem, status=400)
        if not request.scope.get(AS_MEANT) and (meant := table_query_as_meant(sent_query(request))) is not None:
            raise SentOn(sent_on(request, request.path, meant))

    return check


# Where the request's scope keeps the query string as the reader sent it: the one Datasette reads
# is added to (in_full_pages' _size=max, a CSV's _nofacet=1&_nocount=1), which an address the
# reader is sent on to does not repeat.
SENT_QUERY = "reading_room.sent_query"


# Set in the scope of a table page asked with its query as meant, to learn whether it answers it
# (refused_at_once): the page then answers it, rather than sending it on again.
AS_MEANT = "reading_room.as_meant"


def sent_query(request) -> str:
    return request.scope.get(SENT_QUERY, request.scope.get("query_string") or b"").decode("latin-1")


def table_query_as_meant(query_string: str) -> str | None:
    """A table page's query as its reader meant it, where the address says it otherwise (None
    where it does not): without what sharing added to the link (added_by_sharing), and each value
    a filter on a date column is given without the blanks a pasted one brings around it.
    Datasette read the one as filters on columns the table lacks, and compared the dates with
    their blanks, finding no row. Sent on to, the page is the one to cite."""
    asked = urllib.parse.parse_qsl(query_string, keep_blank_values=True)
    meant = [(name, filter_value_as_meant(name, value)) for name, value in asked if not added_by_sharing(name, value)]
    return urlencode(meant) if meant != asked else None


def filter_parts(name: str) -> tuple[str, str]:
    """A filter's column and operator, as Datasette reads them (datasette.filters.Filters.selections)."""
    return name.rsplit("__", 1) if "__" in name else (name, "exact")


def filter_value_as_meant(name: str, value: str) -> str:
    """A parameter's ``value``, of a filter on a date column, without the blanks around it (around
    each date of an __in list): a date holds none, so that compared or matched with them (a whole
    date, checked as one by filter_date_problem, or part of one: __contains, __like) it found no row."""
    column, lookup = filter_parts(name)
    if name.startswith("_") or column not in DATE_COLUMNS or lookup not in VALUE_LOOKUPS:
        return value
    if lookup not in ("in", "notin"):
        return value.strip()
    if not value.startswith("["):  # a,b: Datasette strips each itself
        return value
    try:
        days = json.loads(value)
    except ValueError:
        return value
    if not isinstance(days, list) or not any(isinstance(day, str) and day != day.strip() for day in days):
        return value
    return json.dumps([day.strip() if isinstance(day, str) else day for day in days], ensure_ascii=False)


def readable_number(digits: str) -> bool:
    """Whether int() reads ``digits`` (str.isdigit): not ², nor thousands of digits."""
    try:
        int(digits)
    except ValueError:
        return False
    return True


async def table_parameter_problem(datasette, request, database: str, table: str) -> str | None:
    db = datasette.get_database(database)
    columns = None
    for name, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True):
        if added_by_sharing(name, value):
            continue  # no filter: the page is sent on to its address without it (table_query_as_meant)
        if name == "_facet" or name.startswith("_facet_") and name[len("_facet_"):] in FACET_TYPES:
            # As Datasette reads a facet (datasette.facets.load_facet_configs).
            try:
                config = json.loads(value) if value.startswith("{") else {"simple": value}
            except ValueError:
                config = None
            column = (config.get("column") or config.get("simple")) if isinstance(config, dict) else None
            if not isinstance(column, str):
                return f'{name} is a column name, or a JSON object {{"column": …}}'
            columns = columns if columns is not None else await db.table_columns(table)
            if column not in columns:
                return f"{name}: {table} has no column {column}"
        elif (name == "_search" or name.startswith("_search_")) and not await searchable(datasette, request, database, table):
            # Datasette ignores a search of a table without a full-text index of its own, and
            # listed every row as if each matched.
            return f"{name}: {table} has no full-text index of its own; the search page, /search?q=…, searches the articles"
        elif name == "_facet_size" and value.isdigit() and not readable_number(value):
            # Datasette ignores a facet size that is not digits, and int()s one that is: ², or
            # thousands of digits, failed as the facets were counted (a 500, coroutines left unawaited).
            return "_facet_size is a whole number of values, written in digits 0-9, or max"
        elif not name.startswith("_"):
            column, lookup = filter_parts(name)
            columns = columns if columns is not None else await db.table_columns(table)
            if column not in columns and column != "rowid":
                # SQLite reads a double-quoted name it does not know as a string: the filter
                # compared its own name with the value, and listed no row as if none matched.
                return f"{name}: {table} has no column {column}"
            if lookup not in FILTER_LOOKUPS:  # Datasette leaves it out, and listed every row
                return f"{name}: no filter __{lookup} (its filters: {', '.join(f'__{key}' for key in FILTER_LOOKUPS)})"
            if column in DATE_COLUMNS and (problem := filter_date_problem(name, lookup, value)):
                return problem
        elif name == "_next" and table == BLOB_KEYED_TABLE:
            return (f"_next: {table} is keyed by a blob, which Datasette cannot take a next page from "
                    f"(it showed no row); read it with SQL, /{database}?sql=select … limit … offset …")
        elif name == "_next" and table in await db.view_names():
            # A view's page is an offset into it, which Datasette writes into the SQL as int(_next).
            if article_number(value) is None:
                return (f"_next: {echoed(value)} {reason}" if (reason := number_in_full_width(value))
                        else "_next of a view is a number of rows to skip")
    return None


async def searchable(datasette, request, database: str, table: str) -> bool:
    """Whether Datasette searches ``table`` for ``_search``: as it finds the full-text index
    (datasette.views.table: the address's _fts_table, the metadata's, or one SQLite made for it)."""
    return bool(request.args.get("_fts_table") or datasette.table_metadata(database, table).get("fts_table")
                or await datasette.get_database(database).fts_table(table))


# The operators of a table's filters (`issue_date__gte=`), as Datasette offers them in its table
# page's form: its public way to list them (the class keeps them in a private attribute).
FILTER_LOOKUPS = tuple(key for key, _display, _no_argument in Filters([]).lookups())
# Those given a value to compare or match (the others, isnull and the like, take none).
VALUE_LOOKUPS = tuple(key for key, _display, no_argument in Filters([]).lookups() if not no_argument)

# The columns holding a date (YYYY-MM-DD), by name: a view's (article_view.issue_date) is its table's.
DATE_COLUMNS = frozenset(column.name for table in models.Base.metadata.tables.values()
                         for column in table.columns if isinstance(column.type, Date))

# The filters comparing a column with a whole date (the others match text in it, or need no value).
DATE_FILTERS = ("exact", "not", "gt", "gte", "lt", "lte", "date", "in", "notin")


def filter_date_problem(name: str, lookup: str, value: str) -> str | None:
    """Why a filter ``name`` comparing a date column with ``value`` (each of an __in list) cannot
    be answered, as the search page says it of its dates: Datasette compared the text, and
    31-01-2023 or 2023-1-5 matched no row, or the wrong ones."""
    if lookup not in DATE_FILTERS:
        return None
    try:
        days = InFilter().split_value(value) if lookup in ("in", "notin") else [value]
    except ValueError:  # a JSON list that is none: Datasette's to answer
        return None
    for day in days if isinstance(days, list) else [days]:
        try:
            parse_date(str(day), f"the filter {name}")
        except BadRequest as exc:
            return str(exc)
    return None


# The facets Datasette knows (its column, array and date facets): a _facet_<other> it ignores.
FACET_TYPES = ("array", "date")


# Datasette 0.65 answers these addresses 500, as if the server had failed, where they ask a
# table for what it cannot do (a sort by a column it lacks, two sorts, a _through= that names no
# foreign key): 400, as it answers the others of the kind (_col=, _size=, _facet=).
PARAMETER_ERRORS = ("Cannot sort table by ", "Cannot use _sort and _sort_desc", "Invalid _through")


def parameter_error(request, exception: Exception) -> str | None:
    """What is wrong with the request's parameters, if that is what ``exception`` is about."""
    if isinstance(exception, DatasetteError) and exception.status == 500 and exception.message.startswith(PARAMETER_ERRORS):
        return exception.message
    if isinstance(exception, (ValueError, OverflowError)):  # a filter's number, read as Datasette reads it
        for name, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True):
            if problem := compared_number_problem(name, value):
                return problem
    if isinstance(exception, (ValueError, KeyError, TypeError)):  # Datasette reads these two unchecked
        try:
            int(request.args.get("_timelimit", "0"))
        except ValueError:
            return "_timelimit is a whole number of milliseconds"
        if "_through" in request.args:
            try:
                through = json.loads(request.args["_through"])
            except ValueError:
                through = None
            if not (isinstance(through, dict) and {"table", "column", "value"} <= through.keys()):
                return '_through is a JSON object: {"table": …, "column": …, "value": …}'
    return None


# The reading room's own handler takes the place of Datasette's default one (app.register_plugin
# blocks it): Datasette runs every handle_exception hook and answers with the first, so its own,
# run after this one, still printed a traceback for a parameter this one answered 400.
DATASETTE_ERROR_HANDLER = "datasette.handle_exception"


@hookimpl
def handle_exception(datasette, request, exception):
    """Datasette's error page, with the status that says whose the fault is (400 for a parameter
    Datasette cannot use, 503 and Retry-After for a page that took too long or of an archive
    SQLite cannot open or read) and, for each of these, one line in the log; any other failure of
    the server's own is Datasette's 500 and traceback."""
    room = room_for(datasette)
    if room is None:
        return datasette_error_page(datasette, request, exception)
    if isinstance(exception, SentOn):
        return exception.response

    async def page():
        error, reason = exception, None
        if (damage := await room.damage(request, exception)) is not None:
            # Each page of a damaged archive was a 500 and a traceback, or, of Datasette's
            # table pages, a 400 that blamed the reader.
            error = ArchiveUnreadable(damage)
            reason = error.logged
        elif (problem := parameter_error(request, exception)) is not None:
            error = DatasetteError(problem, status=400)
        status = getattr(error, "status", 500) if isinstance(error, (DatasetteError, Base400)) else 500
        if status in LOGGED:
            log_refused(request, status, reason or reason_of(error))
        response = await datasette_error_page(datasette, request, error)()
        response.headers.update(retry_after(response.status))
        return response

    return page


# How much of a request's address and of the reason the log line repeats: an address may be
# 512 KiB (app.MAX_REQUEST_HEAD), a reason may repeat a part of it.
LOG_CHARS = 300


# What the log says a line of: a request the server cannot answer as asked (400) and a page that
# took too long (503). Not a 404, which is an address no page has.
LOGGED = (400, 503)


def reason_of(exception: Exception) -> str:
    if isinstance(exception, DatasetteError):
        # An HTML message (Datasette's "SQL Interrupted" page) is told by its title.
        return (exception.title or re.sub(r"<[^>]*>", " ", exception.message)) if exception.message_is_html else exception.message
    return str(exception.args[0]) if exception.args else type(exception).__name__


def log_refused(request, status: int, reason: str) -> None:
    """One line on standard error for a request answered ``status`` (LOGGED): the status, the
    address as sent (percent-encoded) and the reason."""
    scope = request.scope
    target = scope.get("raw_path") or scope["path"].encode()
    if query := sent_query(request):
        target += b"?" + query.encode("latin-1")
    # One line whatever the reason holds: an address's %0A, the lines of an SQL statement.
    reason = " ".join(CONTROL.sub(" ", reason).split())
    line = f"{status} {request.method} {cut(target.decode('ascii', 'backslashreplace'), LOG_CHARS)}: {cut(reason, LOG_CHARS)}"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@hookimpl
def asgi_wrapper(datasette):
    """Answer anything but GET and HEAD with 405: the reading room has nothing to write."""
    if room_for(datasette) is None:
        return None

    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                response = Response.text(
                    "The reading room is read-only.", status=405, headers={"Allow": "GET, HEAD"}
                )
                await response.asgi_send(send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            scope = dict(scope, **{SENT_QUERY: scope.get("query_string") or b""})
            await refused_at_once(app, scope, receive, for_excel(scope, send))

        return read_only

    return wrap


async def refused_at_once(app, scope: dict, receive, send) -> None:
    """A table page's request, answered; one whose query is sent on as meant (table_query_as_meant:
    without what sharing added to the link) sent on only where the page answers the query meant,
    and otherwise refused at once with the page's own 400 naming what is wrong with it: it was
    sent on (301), and only there refused, the first answer saying nothing of the problem."""
    meant = table_query_as_meant(scope[SENT_QUERY].decode("latin-1"))
    held: list[dict] = []

    def sends_on_as_meant(message) -> bool:
        # Datasette writes its header names as given (Location), not lower-cased as ASGI has them.
        location = next((value for name, value in message.get("headers", ()) if name.lower() == b"location"), b"")
        return message["status"] == 301 and urllib.parse.urlsplit(location.decode("latin-1")).query == meant

    async def holding_the_sending_on(message):
        if held or (meant is not None and message["type"] == "http.response.start" and sends_on_as_meant(message)):
            held.append(message)
        else:
            await send(message)

    await app(in_full_pages(scope), receive, holding_the_sending_on)
    if not held:
        return
    refused = asyncio.get_running_loop().create_future()

    async def if_refused(message):
        if not refused.done():
            refused.set_result(message["status"] == 400)
        if refused.result():
            await send(message)

    as_meant = dict(scope, query_string=meant.encode("latin-1"), **{AS_MEANT: True})
    answering = asyncio.ensure_future(app(in_full_pages(as_meant), receive, if_refused))
    await asyncio.wait([answering, refused], return_when=asyncio.FIRST_COMPLETED)
    if refused.done() and refused.result():
        await answering
        return
    # Answered: the page at its address is the one to cite, its rows made again there.
    answering.cancel()
    await asyncio.gather(answering, return_exceptions=True)
    for message in held:
        await send(message)


# What a text file starting with it is written in: UTF-8.
UTF8_BOM = "\ufeff".encode()


def for_excel(scope: dict, send):
    """``send``, a CSV asked for as a file (``_dl``, the table page's "download file", read as
    Datasette reads it: any value) opening with UTF8_BOM: Excel reads a CSV without one in the
    machine's code page (GBK, Latin-1), the archive's Chinese as mojibake. Datasette 0.65 has no
    setting for it. A CSV read by a script (no ``_dl``) stays as Datasette writes it, a BOM
    being the first header's first character to a reader that does not expect one."""
    if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith(".csv"):
        return send
    args = urllib.parse.parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    if not args.get("_dl", [""])[0]:
        return send
    opening = {"pending": False}

    async def send_for_excel(message):
        if message["type"] == "http.response.start" and message["status"] == 200:
            opening["pending"] = True
            message = dict(message, headers=[
                (name, str(int(value) + len(UTF8_BOM)).encode() if name.lower() == b"content-length" else value)
                for name, value in message.get("headers", [])])
        elif message["type"] == "http.response.body" and opening["pending"]:
            opening["pending"] = False
            message = dict(message, body=UTF8_BOM + message.get("body", b""))
        await send(message)

    return send_for_excel


def in_full_pages(scope: dict) -> dict:
    """A CSV of every row (``_stream=on``, the table page's "stream all rows") asked for in pages
    of max_returned_rows (``_size=max``), unless the request names a size.

    Datasette means to read such a CSV at ``_size=max`` but reads every page at the default size,
    100 rows: ten times the queries, and for a view, paged by offset, each query reading and
    sorting every row before its page (article_view's CSV of 40,000 articles took 105 s, 12 s in
    full pages)."""
    if scope["type"] != "http" or not scope["path"].endswith(".csv"):
        return scope
    query = scope.get("query_string") or b""
    args = urllib.parse.parse_qs(query.decode("latin-1"))
    if not args.get("_stream", [""])[0] or "_size" in args:
        return scope
    return dict(scope, query_string=query + b"&_size=max")


@hookimpl
def menu_links(datasette):
    room = room_for(datasette)
    if room is None:
        return []

    async def links():
        papers = await room.listed(PAPERS_SQL)
        return [{"href": datasette.urls.path("/search"), "label": "Search the archive"}] + [
            {"href": issue_path(datasette, row["code"]), "label": f"{row['name']}: issues"}
            for row in papers
        ]

    return links


@hookimpl
def render_cell(row, value, column, table, datasette):
    """In article_view, link each article and issue to its reading-room page."""
    if room_for(datasette) is None or table != "article_view" or value is None:
        return None
    if column == "article_id":
        href = datasette.urls.path(f"/article/{int(value)}")
    elif column == "issue_date" and "paper_code" in row.keys():
        href = issue_path(datasette, row["paper_code"], value)
    else:
        return None
    return Markup('<a href="{}">{}</a>').format(href, value)
