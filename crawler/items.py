"""Items that travel from the spider through the pipelines to storage.

Dataclasses (itemadapter understands them). Fields ending in ``_original`` hold text as
published; their plain twins hold the cleaned, Simplified, normalised text that the archive
serves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RawDocument:
    """A response as fetched, so archived rows can be re-processed without the network."""

    url: str
    status: int
    body: bytes
    content_type: str = ""
    fetched_at: datetime | None = None  # when the response arrived (UTC); None: when stored


@dataclass
class Removal:
    """A block the cleaner took out of an article, kept on record with the reason."""

    kind: str  # e.g. "spam:labelled-link-farm", "boilerplate:navigation"
    text: str


@dataclass
class ImageItem:
    url: str
    caption: str = ""
    caption_original: str = ""


@dataclass
class PageItem:
    """One 版 of one issue."""

    paper_code: str
    paper_name: str
    issue_date: str  # ISO YYYY-MM-DD
    issue_url: str
    page_number: int
    url: str
    page_label: str = ""  # as printed, e.g. 第07版：社会工作
    section: str = ""  # 版名, e.g. 社会工作
    section_original: str = ""
    pdf_url: str | None = None
    image_url: str | None = None
    articles_expected: int | None = None
    # The page's article links in its order (canonical URLs); some may be another page's.
    article_urls: list[str] | None = None
    pages_expected: int | None = None  # set on the issue's entry page: size of the page list
    # Set on the issue's entry page: the addresses its page list names, the issue's pages now.
    page_urls: list[str] | None = None
    raw: RawDocument | None = None
    # When the page was fetched (UTC): a write of an older fetch leaves a newer one alone.
    fetched_at: datetime | None = None


@dataclass
class ArticleItem:
    paper_code: str
    paper_name: str
    issue_date: str
    issue_url: str
    page_number: int
    page_url: str
    url: str  # canonical: content_N.htm without ?div=
    # The heading of the page the article was linked from (its PageItem's fields, as the page
    # object read them): the page's row is written with it when the article is stored first (a
    # distributed crawl's other worker stores the page later, or never if it was killed).
    page_label: str = ""
    section: str = ""
    section_original: str = ""
    article_id: str | None = None
    pretitle: str = ""
    title: str = ""
    subtitle: str = ""
    byline: str = ""
    source: str = ""
    # The content region as served, which the clean pipeline turns into paragraphs: the page
    # object's parsed element (parsed once, in the crawl), else its inner HTML.
    body_html: str = ""
    body_element: Any = None  # let go by the clean pipeline: no part of what is stored
    # What the file's <style> rules hide (hiding.StyleSheet), for the cleaner: a rule in <head>
    # hides text in the body as one in it does. Let go with body_element.
    body_sheet: Any = None
    paragraphs: list[str] = field(default_factory=list)
    body: str = ""
    body_original: str = ""
    title_original: str = ""
    # The 引题, 副题, author line and source line as published (Traditional, where the page is),
    # as title_original.
    pretitle_original: str = ""
    subtitle_original: str = ""
    byline_original: str = ""
    source_original: str = ""
    original_script: str = ""  # "traditional", "simplified", "mixed" or "" when unknown
    images: list[ImageItem] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    extraction: str = "template"  # "template" or "fallback"
    raw: RawDocument | None = None
    # When the text was fetched (UTC): a write of an older fetch leaves a newer one alone.
    fetched_at: datetime | None = None


# The stats under which a run counts the page PDFs it read no text from, by text_status
# (pipelines/pdf.py counts them, crawler/extensions.py reports them): here, where both the crawl
# and the PDF workers, which must start light, import from.
PDFS_WITHOUT_TEXT = "pdfs/without_text/"


@dataclass
class PagePdfItem:
    """A page's PDF as fetched; the PDF pipeline fills ``text`` with its reflowed paragraphs."""

    paper_code: str
    paper_name: str
    issue_date: str
    issue_url: str
    page_number: int
    page_url: str
    url: str  # the PDF's URL
    # The heading of its page, as an article's (ArticleItem.page_label).
    page_label: str = ""
    section: str = ""
    section_original: str = ""
    text: str = ""  # paragraphs joined by "\n", in Simplified script
    text_original: str = ""  # the same as the PDF has it (Traditional, where it is)
    # What the text is: read whole ("text"), or why it is missing or incomplete (pipelines/pdf.py).
    text_status: str = ""
    raw: RawDocument | None = None
    # The site answered 404 or 410: it has no such PDF (stored text is kept, an empty one
    # stored where there is none, so that the page counts as complete).
    gone: bool = False
    fetched_at: datetime | None = None  # when the PDF (or its 404) came; None: when stored


@dataclass
class DeadLinkItem:
    """A page or article link the site did not serve (dead_links): 404 or 410, its error page,
    another file, or the file cut short. One more run that was answered so, and whether the
    crawler now gives up on it (``gone``)."""

    paper_code: str
    paper_name: str
    issue_date: str
    issue_url: str
    kind: str  # "page" or "article"
    url: str
    status: int
    reason: str | None = None  # why it was not served (storage.models.DEAD_LINK_REASONS)
    gone: bool = False
    fetched_at: datetime | None = None  # when the answer came (UTC)
    # A link the archive holds (a refresh's): no dead link, its record (an older refresh's) is deleted.
    held: bool = False


@dataclass
class AbsentIssueItem:
    """A date whose issue entry page the site answered without an issue of that date: 404 or
    410, its error page, another date's issue (absent_issues): one more run that was answered so,
    and whether the crawler now takes the date for one without an issue (``confirmed``)."""

    paper_code: str
    paper_name: str
    issue_date: str
    url: str  # the entry page asked
    status: int  # 404 or 410; 200 for its error page or another date's issue; a redirect's (302)
    reason: str  # storage.models.ABSENT_ISSUE_REASONS
    confirmed: bool = False
    fetched_at: datetime | None = None  # when the answer came (UTC)
