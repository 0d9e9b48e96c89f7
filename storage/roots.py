"""Site roots in the archive: which stored issues came from another root than a crawl's, and
moving a paper's stored addresses from one root to another (``archive move-root``).

The archive knows an article, a raw document and a dead link by its URL, while an issue is
known by its paper and date and a page by its issue and number: an issue fetched again from
another root (a mirror, a local copy, the paper's new domain or https://) had its pages
merged and every article stored a second time. A crawl is refused instead (crawler/arguments.py:
check_root, run by the crawl command before anything is fetched), and the archive's
addresses can be moved to the new root first.

A URL is under a root when it starts with it, the root ending in "/" (``http://host/newdzb``
is ``http://host/newdzb/``), and goes on with no other "/" (``http://host/newdzb//html/``, an
earlier version's address from the root given as ``newdzb//``, is under that root, not the
plain one): compared as written, letter case and all, as the archive compares URLs. A root given
by a user is first written as the crawler writes its requests (crawler.papers.as_site_root: the
scheme and host in lower case, without the default port, "." segments resolved and runs of "/"
made one), as the stored URLs are; the old root of a move as an earlier version wrote it
(crawler.papers.written_root), to move such addresses to the root written one way.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Text, Update, and_, exists, func, literal, select, union, update

from storage.db import Archive, ArchiveError, _as_date
from storage.models import AbsentIssue, ArticleVersion, Article, DeadLink, Image, Issue, Page, PageArticle, Paper, RawDocument


def site_root(url: str) -> str:
    """``url`` as a root: ending in "/"."""
    return url if url.endswith("/") else url + "/"


def under_root(url: str, root: str) -> bool:
    root = site_root(root)
    return url.startswith(root) and not url.startswith("/", len(root))


def _under(column, root: str) -> ColumnElement[bool]:
    # substr, not LIKE: SQLite's LIKE ignores the letter case, and a root's "_" is a wildcard.
    return and_(func.substr(column, 1, len(root)) == root, func.substr(column, len(root) + 1, 1) != "/")


def newest_issue_from(archive: Archive, paper_code: str, root: str) -> date | None:
    """The date of the newest issue of ``paper_code`` the archive holds fetched from ``root``
    (None: none, the root not known to serve the paper's issues)."""
    paper = select(Paper.id).where(Paper.code == paper_code).scalar_subquery()
    with archive.session() as session:
        newest = session.scalar(select(func.max(Issue.issue_date)).where(Issue.paper_id == paper, _under(Issue.url, site_root(root))))
    return _as_date(newest) if newest is not None else None


def issues_from_other_roots(archive: Archive, paper_code: str, root: str,
                            dates: Collection[date] | None) -> list[tuple[date, str]]:
    """The stored issues of ``paper_code`` (date, URL, oldest first) that a crawl from ``root``
    could store again under other addresses: those of ``dates`` fetched from another root.

    ``dates`` None is a crawl of the newest issue, whose date is known only once the site is
    asked. A site's newest issue does not go back in time: from a root the archive holds
    issues of, it is no older than the newest of them, and only issues after that one count;
    from a root it holds none of, any issue could be the newest (a mirror or a local copy may
    lag behind), and every issue from another root counts.
    """
    root = site_root(root)
    paper = select(Paper.id).where(Paper.code == paper_code).scalar_subquery()
    query = select(Issue.issue_date, Issue.url).where(Issue.paper_id == paper, ~_under(Issue.url, root))
    newest = newest_issue_from(archive, paper_code, root) if dates is None else None
    with archive.session() as session:
        if dates is None:
            if newest is not None:
                query = query.where(Issue.issue_date > newest)
        elif dates:
            query = query.where(Issue.issue_date.between(min(dates), max(dates)))
        else:
            return []
        found = [(_as_date(day), url) for day, url in session.execute(query.order_by(Issue.issue_date))]
    if dates is not None:
        asked = set(dates)  # a range asks only the paper's scheduled days
        found = [(day, url) for day, url in found if day in asked]
    return found


class IssueClaims:
    """Which crawl an issue is stored by, as the archive decides it: the first batch that writes
    the issue's row, writers of one paper taking turns (Archive.store_batch). Two crawls from two
    roots started together both pass the check of roots at their start (crawler/arguments.py:
    check_root), the archive holding neither's issue yet; without this, each stored every article
    under its own root's addresses.

    A batch of this crawl's keeps the items of an issue held from the root they come from, from
    this crawl's root (an earlier crawl's, or this one's from another spelling: the latest page's
    refresh target), or under an entry URL this crawl wrote itself (a site that redirects its
    entry page to another root); the items of an issue held from another root are left out, and
    the issue noted in ``refused``. Read and written in the archive's writer thread only."""

    def __init__(self, root: str, root_of: Callable[[str, date], str]) -> None:
        self.root = site_root(root)
        self.root_of = root_of  # the root an issue's entry URL hangs off (PaperProfile.root_of)
        self.written: set[str] = set()  # the entry URLs this crawl's batches wrote
        self.refused: dict[tuple[str, date], str] = {}  # (paper, date): the entry URL held

    def accepts(self, day: date, held: str, incoming: str) -> bool:
        """Whether an item of the issue of ``day``, reached at the entry URL ``incoming``, may be
        stored with the issue the archive holds at ``held``."""
        return (held == incoming or held in self.written or under_root(held, self.root)
                or under_root(incoming, self.root_of(held, day)) or under_root(held, self.root_of(incoming, day)))


# --- move-root ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    """A column holding site URLs, and which of its rows are the paper's (``owned(paper)``)."""

    table: type
    column: str

    @property
    def name(self) -> str:
        return f"{self.table.__tablename__}.{self.column}"

    def owned(self, paper) -> ColumnElement[bool]:
        issues = select(Issue.id).where(Issue.paper_id == paper)
        pages = select(Page.id).where(Page.issue_id.in_(issues))
        owner = {
            Issue: Issue.paper_id == paper,
            AbsentIssue: AbsentIssue.paper_id == paper,
            Page: Page.issue_id.in_(issues),
            DeadLink: DeadLink.issue_id.in_(issues),
            Article: Article.page_id.in_(pages),
            PageArticle: PageArticle.page_id.in_(pages),
            Image: Image.article_id.in_(select(Article.id).where(Article.page_id.in_(pages))),
        }
        return owner[self.table]


# The site URLs of a paper's rows; articles, dead links and raw documents are unique by URL.
ADDRESSES = (
    Address(Issue, "url"),
    Address(Page, "url"), Address(Page, "pdf_url"), Address(Page, "image_url"),
    Address(Article, "url"),
    Address(PageArticle, "url"),
    Address(Image, "url"),
    Address(DeadLink, "url"),
    Address(AbsentIssue, "url"),
)
UNIQUE = (Article, DeadLink, RawDocument)
# What a move does to each table (for the check of a PostgreSQL role's privileges); the paper's
# row is locked (SELECT … FOR UPDATE, which asks for UPDATE).
WRITES = {table: ("SELECT", "UPDATE") for table in (
    "papers", "issues", "pages", "articles", "page_articles", "images", "dead_links", "absent_issues", "raw_documents",
    "article_versions",
)}
VERSIONS = "article_versions.images"


class RootCollision(ArchiveError):
    pass


class InsideHeldRoot(ArchiveError):
    """OLD_ROOT lies inside a root the archive holds the paper under (``http://host/newdzb/html/``
    for ``http://host/newdzb/``): moved, the addresses under it would leave the paper's others
    (its PDFs and pictures, other months) behind, the paper stored under two roots."""


class NothingUnderRoot(ArchiveError):
    """OLD_ROOT holds no address of the paper: a typo most likely (``/NEWDZB/`` for
    ``/newdzb/``, the path compared letter case and all), said rather than "0 addresses moved"."""


def roots_held(session, paper_code: str) -> list[str]:
    """The site roots the archive holds ``paper_code``'s issues and dates without an issue
    from, the most dates first: each told from its entry page as the crawl's refusal tells it
    (crawler.papers.PaperProfile.root_of), or, without a profile to read, its host's."""
    from crawler.papers import host_root, load_profiles

    profile = load_profiles().papers.get(paper_code)
    paper = select(Paper.id).where(Paper.code == paper_code).scalar_subquery()
    entries = select(Issue.url, Issue.issue_date).where(Issue.paper_id == paper).union_all(
        select(AbsentIssue.url, AbsentIssue.issue_date).where(AbsentIssue.paper_id == paper))
    dates: dict[str, int] = {}
    for url, day in session.execute(entries):
        root = profile.root_of(url, _as_date(day)) if profile else host_root(url)
        dates[root] = dates.get(root, 0) + 1
    return sorted(dates, key=lambda root: (-dates[root], root))


@dataclass(frozen=True)
class Move:
    """What moving one paper's addresses from ``old`` to ``new`` (both roots) changes."""

    paper_code: str
    old: str
    new: str

    def column_moved(self, table, column: str, paper) -> tuple[ColumnElement[bool], ColumnElement]:
        """Which rows of ``table.column`` move, and their new value."""
        col = getattr(table, column)
        moved = _under(col, self.old)
        if self.new.startswith(self.old):
            # http://host/ to http://host/newdzb/: what is at the new root already stays there.
            moved = and_(moved, ~_under(col, self.new))
        owner = self._raw_owned(paper) if table is RawDocument else Address(table, column).owned(paper)
        return and_(owner, moved), literal(self.new, Text) + func.substr(col, len(self.old) + 1)

    def _raw_owned(self, paper) -> ColumnElement[bool]:
        # raw_documents has no paper: a raw document is the paper's when one of the paper's
        # rows holds its URL (a page, its PDF, an article). Two papers may share a host, and
        # one's root may hold the other's ("http://host/" and "http://host/b/"), so a raw
        # document under the old root alone may be another paper's. One that no row names
        # any more (a page's earlier address) stays where it is: nothing reads it.
        named = union(*(select(getattr(a.table, a.column)).where(a.owned(paper)) for a in ADDRESSES))
        return RawDocument.url.in_(named)

    def statements(self, paper) -> Iterator[tuple[str, type, ColumnElement[bool], Update]]:
        """(name, table, rows moved, the UPDATE) for each column: raw documents first, which are
        told apart by the other rows' URLs as they are before the move."""
        for table, column in ((RawDocument, "url"), *((a.table, a.column) for a in ADDRESSES)):
            where, value = self.column_moved(table, column, paper)
            name = f"{table.__tablename__}.{column}"
            yield name, table, where, update(table).where(where).values({column: value}).execution_options(synchronize_session=False)

    def collisions(self, session, paper) -> dict[str, int]:
        """Rows of the unique URL columns whose new URL another row holds already."""
        found = {}
        for table in UNIQUE:
            where, value = self.column_moved(table, "url", paper)
            other = table.__table__.alias("holder")
            held = exists(select(1).select_from(other).where(other.c.url == value))
            if n := session.scalar(select(func.count()).select_from(table).where(where, held)):
                found[table.__tablename__] = n
        return found

    def _pictures(self, session, paper) -> list[tuple[int, list]]:
        """The article versions of the paper whose pictures (a JSON array) name an old URL,
        with their pictures moved."""
        owned = ArticleVersion.article_id.in_(select(Article.id).where(Address(Article, "url").owned(paper)))
        rows = []
        for version_id, pictures in session.execute(
            select(ArticleVersion.id, ArticleVersion.images).where(owned, ArticleVersion.images.is_not(None))
        ):
            moved = [self._picture(p) for p in pictures]
            if moved != pictures:
                rows.append((version_id, moved))
        return rows

    def _picture(self, picture):
        url = picture.get("url") if isinstance(picture, dict) else None
        if isinstance(url, str) and under_root(url, self.old) and not (self.new.startswith(self.old) and under_root(url, self.new)):
            return picture | {"url": self.new + url[len(self.old):]}
        return picture

    def _nothing_under_old(self, session) -> str:
        """What to say when nothing moves: no address of the paper is under the old root (or,
        the new root inside it, outside the new one), and the roots the archive holds the
        paper from, so that a slip in the root shows."""
        where = f"under {self.old}" + (f" outside {self.new}" if self.new.startswith(self.old) else "")
        held = roots_held(session, self.paper_code)
        holds = f"it holds {self.paper_code} under {', '.join(held)}" if held else f"it holds no issue of {self.paper_code}"
        return f"the archive holds no address of {self.paper_code} {where} ({holds}); nothing was changed"

    def _inside_held_root(self, session, paper) -> str | None:
        """Why the move would split the paper between two roots, if it would: OLD_ROOT is no root
        the archive holds the paper under but lies inside one, and some of the paper's addresses
        under that root are outside OLD_ROOT. Those alone tell a split: a root told from a
        redirected entry page is its host's only (PaperProfile.root_of), and a root inside it that
        holds all of the paper's addresses there is a whole move."""
        held = roots_held(session, self.paper_code)
        if self.old in held:
            return None
        for outer in held:
            if outer == self.old or not under_root(self.old, outer):
                continue
            left = 0
            for address in ADDRESSES:
                col = getattr(address.table, address.column)
                left += session.scalar(select(func.count()).select_from(address.table).where(
                    address.owned(paper), _under(col, outer), ~_under(col, self.old))) or 0
            if not left:
                continue
            inner = self.old[len(outer):]
            # OLD_ROOT and NEW_ROOT both ending in the same path below the root (html/): the move meant.
            new = self.new[: -len(inner)] if self.new.endswith("/" + inner) else "NEW_ROOT"
            which = (f"the root the archive holds {self.paper_code} under" if len(held) == 1
                     else f"one of the roots the archive holds {self.paper_code} under ({', '.join(held)})")
            return (f"cannot move {self.paper_code} from {self.old}: it lies inside {outer}, {which}, and {left} of "
                    f"{self.paper_code}'s addresses there {'is' if left == 1 else 'are'} outside it: moved, the paper would "
                    f"be stored under two roots; move the whole root: archive move-root {self.paper_code} {outer} {new}; "
                    "nothing was changed")
        return None

    def run(self, archive: Archive, dry_run: bool = False) -> dict[str, int]:
        """Move the addresses in one transaction (``dry_run``: count them, change nothing); the
        rows moved by column. Raises InsideHeldRoot, changing nothing, when OLD_ROOT lies inside a
        root the paper is held under and would leave some of its addresses there behind,
        RootCollision when a new URL is held, and NothingUnderRoot when no address of the paper
        is to move."""
        with archive.session() as session, session.begin():
            paper = session.scalar(select(Paper.id).where(Paper.code == self.paper_code))
            if paper is None:
                raise ArchiveError(f"unknown paper {self.paper_code!r}")
            if archive.dialect == "postgresql" and not dry_run:
                # The paper's row, as every batch a crawl writes takes it first: a crawl of the
                # paper that writes meanwhile waits for the move, or the move for its batch.
                session.execute(select(Paper.id).where(Paper.id == paper).with_for_update())
            if split := self._inside_held_root(session, paper):
                raise InsideHeldRoot(split)
            if clashes := self.collisions(session, paper):
                total = sum(clashes.values())
                where = ", ".join(f"{n} in {table}" for table, n in clashes.items())
                raise RootCollision(
                    f"cannot move {self.paper_code} from {self.old} to {self.new}: {total} of its URLs "
                    f"would take an address another row holds already ({where}); nothing was changed"
                )
            counts: dict[str, int] = {}
            for name, table, where, statement in self.statements(paper):
                if dry_run:
                    counts[name] = session.scalar(select(func.count()).select_from(table).where(where))
                else:
                    counts[name] = session.execute(statement).rowcount
            pictures = self._pictures(session, paper)
            counts[VERSIONS] = len(pictures)
            if not any(counts.values()):
                raise NothingUnderRoot(self._nothing_under_old(session))
            if pictures and not dry_run:
                for version_id, moved in pictures:
                    session.execute(update(ArticleVersion).where(ArticleVersion.id == version_id).values(images=moved))
        return counts
