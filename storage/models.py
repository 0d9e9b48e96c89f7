"""The archive's schema: the public SQL interface users query.

Table and column names are stable; extend, never rename. Every timestamp is UTC.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    JSON,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The type of a JSON array of pictures (article_versions.images).
PICTURES = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    issues: Mapped[list[Issue]] = relationship(back_populates="paper")


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("paper_id", "issue_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    # SQLite stores a Date as ISO text 'YYYY-MM-DD'; PostgreSQL as DATE.
    issue_date: Mapped[date] = mapped_column(Date)
    url: Mapped[str] = mapped_column(Text)
    # How many pages the issue's page list (版面目录) names: the yardstick of completeness.
    pages_expected: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    paper: Mapped[Paper] = relationship(back_populates="issues")
    pages: Mapped[list[Page]] = relationship(back_populates="issue", order_by="Page.page_number")


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("issue_id", "page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    page_number: Mapped[int] = mapped_column(Integer)
    page_label: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(Text, default="")
    section_original: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text)
    pdf_url: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    # How many distinct articles the page links (title list and hot zones).
    articles_expected: Mapped[int | None] = mapped_column(Integer)
    # The page PDF's text, reflowed into paragraphs, Simplified (NULL until the PDF is processed),
    # and as the PDF has it (NULL: stored before revision 0012).
    pdf_text: Mapped[str | None] = mapped_column(Text)
    pdf_text_original: Mapped[str | None] = mapped_column(Text)
    # What pdf_text is: 'text' (read whole), or why it is missing or incomplete: 'partial',
    # 'unmapped', 'no_text', 'blank', 'encrypted', 'unreadable', 'crashed', 'no_pdf'
    # (pipelines/pdf.py). NULL until the PDF is processed, or when stored before revision 0012.
    pdf_text_status: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the page stored was fetched (NULL: stored before revision 0008): as for articles,
    # a write of an older fetch leaves the page's row alone.
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the site stopped listing the page (NULL: one of the issue's pages): it took the page
    # out of the issue. Its row, articles and PDF text stay, numbered below zero (minus its id),
    # its number now the page's the site gives it (revision 0020).
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    issue: Mapped[Issue] = relationship(back_populates="pages")
    articles: Mapped[list[Article]] = relationship(back_populates="page")


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[str | None] = mapped_column(String(64))
    pretitle: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    subtitle: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_original: Mapped[str] = mapped_column(Text, default="")
    title_original: Mapped[str] = mapped_column(Text, default="")
    # The 引题, 副题, author line and source line as published (revision 0018: empty for articles stored
    # before it until `archive reprocess` reads them again). The database's default, not
    # SQLAlchemy's: an insert that names no such column is one an archive before 0018 takes.
    pretitle_original: Mapped[str] = mapped_column(Text, server_default="")
    subtitle_original: Mapped[str] = mapped_column(Text, server_default="")
    byline_original: Mapped[str] = mapped_column(Text, server_default="")
    source_original: Mapped[str] = mapped_column(Text, server_default="")
    # 'traditional', 'simplified', 'mixed', or '' when too short to tell.
    original_script: Mapped[str] = mapped_column(String(16), default="")
    # 'template' when the paper's page objects found the fields, 'fallback' for generic extraction.
    extraction: Mapped[str] = mapped_column(String(16), default="template")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the stored text was fetched (NULL: stored before revision 0007): a write of an
    # older fetch (a slower crawl, `archive reprocess` of an older raw page) leaves it alone.
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    page: Mapped[Page] = relationship(back_populates="articles")
    images: Mapped[list[Image]] = relationship(back_populates="article", order_by="Image.position")
    removals: Mapped[list[Removal]] = relationship(back_populates="article")
    versions: Mapped[list[ArticleVersion]] = relationship(back_populates="article")


class PageArticle(Base):
    """An article link of a page's list (标题导航 and the page picture's zones), in its order.

    A front page that also lists an article of page 8 links it from both pages, while the
    article is stored once (``articles.page_id``: the page it was fetched from). Links are
    stored whether the article is or not: a page is complete when every one of them is.
    """

    __tablename__ = "page_articles"
    __table_args__ = (UniqueConstraint("page_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text, index=True)


# Why the site did not serve a dead link (dead_links.reason): it answered 404 or 410; its error
# page (页面不存在) with status 200; another issue's file (redirected or not); after a redirect,
# another file of the site (its home page); the file cut short (fewer bytes than its
# Content-Length, or a file that ends before its end).
DEAD_LINK_REASONS = ("not_found", "error_page", "other_issue", "other_file", "truncated")
# Why a date has no issue by the site's answer at its entry page (absent_issues.reason), named as
# a dead link's: 404 or 410; its error page; another date's issue, in place or by a redirect.
ABSENT_ISSUE_REASONS = ("not_found", "error_page", "other_issue")


class DeadLink(Base):
    """A page or article link of an issue that the site did not serve: it answered 404 or 410,
    its error page, another file (another issue's, its home page) or the file cut short.

    A first such answer may pass (the site lists an article before its file is written), so such a
    link stays a failure of the run, and is asked again, until it has been answered so on
    ARCHIVE_GONE_AFTER_RUNS runs over ARCHIVE_GONE_AFTER_DAYS days: it is then gone
    (``gone_since``), counts as archived for its page's and issue's completeness, and is not
    asked again but by ``-a refresh=1``. A link that answers again is stored and its row deleted.
    """

    __tablename__ = "dead_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    # 'article' or 'page'.
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text, unique=True)
    # The latest answer's status: 404 or 410; a redirect's (302) to another file; 200 for the
    # site's error page (页面不存在), its 404, another issue's file, or a file cut short.
    status: Mapped[int] = mapped_column(Integer)
    # What the latest answer was (DEAD_LINK_REASONS); NULL: written before revision 0014.
    reason: Mapped[str | None] = mapped_column(String(16))
    # The first and the latest run that was answered so, and how many runs were.
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    runs: Mapped[int] = mapped_column(Integer, default=1)
    # When the crawler gave up on it (NULL: still asked, and still a failure, on every run).
    gone_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AbsentIssue(Base):
    """A date of a paper whose issue entry page the site answered without an issue of that date
    (404 or 410, its error page, or another date's issue, in place or by a redirect): the paper
    may have printed no issue that day, or not put it up yet (today's, asked at dawn).

    Counted as a dead link is (DeadLink): asked again on each run until answered so on
    ARCHIVE_GONE_AFTER_RUNS runs over ARCHIVE_GONE_AFTER_DAYS days; then the date has no issue
    (``confirmed_since``): `archive stats` lists it apart from the missing issues, and no
    run of dates (date=, a range, a backfill) asks it again but with ``-a refresh=1``. A date that serves an issue
    after all has its issue stored and its row deleted. No row has an ``issues`` row of its
    own: the issue is not archived (the walk back to the newest issue records nothing).
    """

    __tablename__ = "absent_issues"
    __table_args__ = (UniqueConstraint("paper_id", "issue_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    issue_date: Mapped[date] = mapped_column(Date)
    # The entry page asked, and the latest answer's status: 404 or 410; 200 for the site's error
    # page or another date's issue (a redirect's status, 302, when it was redirected to either).
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    # What the latest answer was (ABSENT_ISSUE_REASONS).
    reason: Mapped[str] = mapped_column(String(16))
    # The first and the latest run that was answered so, and how many runs were.
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    runs: Mapped[int] = mapped_column(Integer, default=1)
    # When the crawler took the date for one without an issue (NULL: still asked on every run).
    confirmed_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Image(Base):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(Text)
    caption: Mapped[str] = mapped_column(Text, default="")
    caption_original: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="images")


class Removal(Base):
    """What the cleaner took out of an article and why: a wrong rule can be found with SQL."""

    __tablename__ = "removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="removals")


class ArticleVersion(Base):
    """An earlier text of an article, kept when a re-crawl finds the site changed it.

    The columns from ``source`` on were added by revision 0008: NULL in versions kept before
    it, which recorded the texts above them only; the originals of the 引题, 副题, author
    line and source line by revision 0018, NULL in versions kept before it.
    """

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    pretitle: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    subtitle: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_original: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str | None] = mapped_column(Text)
    title_original: Mapped[str | None] = mapped_column(Text)
    original_script: Mapped[str | None] = mapped_column(String(16))
    # The pictures as they were, in order: a JSON array of {"url", "caption", "caption_original"}
    # (PostgreSQL: jsonb, which compares, groups and prints alike whoever wrote it).
    images: Mapped[list | None] = mapped_column(PICTURES)
    pretitle_original: Mapped[str | None] = mapped_column(Text)
    subtitle_original: Mapped[str | None] = mapped_column(Text)
    byline_original: Mapped[str | None] = mapped_column(Text)
    source_original: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="versions")


class RawDocument(Base):
    """Responses as fetched (zlib-compressed), for re-processing without the network."""

    __tablename__ = "raw_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(Text, default="")
    body_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# What a crawl_runs row is: a crawl, or an `archive reprocess` (crawl_runs.kind).
CRAWL_RUN_KINDS = ("crawl", "reprocess")


class CrawlRun(Base):
    """One run of the crawler: what it was asked, what it did, how it ended."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_code: Mapped[str] = mapped_column(String(64))  # '*': an `archive reprocess` of every paper
    # 'latest', a date, or 'start..end'; an `archive reprocess`'s: its dates ('start..', '..end')
    # 'section=NAME' and 'without-pdfs', '' when none was given (storage/reprocess.py: dates_asked).
    dates_asked: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pages_new: Mapped[int] = mapped_column(Integer, default=0)
    pages_updated: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    # Articles stored again (a re-crawl), changed or not; of them, those whose text or pictures
    # changed, the site's correction or the pipelines' (an earlier version kept; NULL in runs
    # before revision 0008).
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_changed: Mapped[int | None] = mapped_column(Integer, default=0)
    articles_failed: Mapped[int] = mapped_column(Integer, default=0)
    # Links (pages, articles) this run found gone: dead_links.gone_since set (NULL in runs
    # before revision 0011).
    links_gone: Mapped[int | None] = mapped_column(Integer, default=0)
    # Page PDFs this run fetched and read no text from (pages.pdf_text_status says why; NULL in
    # runs before revision 0012).
    pdfs_without_text: Mapped[int | None] = mapped_column(Integer, default=0)
    # Dates this run asked whose entry page the site answered without an issue of the date, as
    # recorded in absent_issues (one more run counted for each, taken for a date without an
    # issue by this answer or not); the dates not asked, taken so by runs before, are not
    # (NULL in runs before revision 0015).
    # (No default: a run of an archive before it, in tests of upgrades, writes none.)
    dates_without_issue: Mapped[int | None] = mapped_column(Integer)
    # 'running' until the run ends; then 'finished', 'failed' (finished, but something could not
    # be fetched) or 'alarm' (template drift), or the Scrapy close reason ('shutdown').
    status: Mapped[str] = mapped_column(String(32), default="running")
    message: Mapped[str] = mapped_column(Text, default="")
    # When the run was last seen alive: its start, each batch it committed (the counts it
    # stored so far written with it, in the batch's transaction), every ARCHIVE_HEARTBEAT_SECONDS
    # while it crawls, items or none, and its end. A killed run ends no row: it stays 'running'
    # with a seen_at that no longer moves (runs before revision 0015: their end, or start).
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The run's ARCHIVE_HEARTBEAT_SECONDS, written when its row is made: a run 'running' not
    # seen for five of its own heartbeats, and for five minutes at least, was killed (NULL in
    # runs before revision 0016: read as the default, 60).
    heartbeat_seconds: Mapped[float | None] = mapped_column(Float)
    # CRAWL_RUN_KINDS: 'crawl', or 'reprocess' (`archive reprocess`), so that the crawl history is
    # queried by kind, not by a word in dates_asked (revision 0017). The server's default makes
    # any row that does not say a crawl's; no default of the model's, which would write the
    # column to an archive before it (in tests of upgrades): Archive.start_run writes it.
    kind: Mapped[str] = mapped_column(String(16), server_default="crawl")


Index("ix_issues_issue_date", Issue.issue_date)
