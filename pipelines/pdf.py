"""Text of a page's PDF, reflowed into the paragraphs of the print.

Plain text extraction of a Founder e-paper page gives the columns as they are set: lines of a
dozen characters broken mid-word, blank lines at column breaks, headlines among the bodies. The
text alone cannot tell where a paragraph ends (a line ending in 。 often does not end one; a
paragraph can end flush with the column). The characters' positions can, the way a reader's
eye does. ``extract_paragraphs``:

1. takes every character with its box and font size from pdfminer, without its layout analysis;
2. groups characters into lines: one baseline, split where a gap is as wide as a column gutter
   (unless the gaps beside it are as wide: a line justification spread out);
   leaves out a page's running head and foot (its date, section, page number, editors): the
   row above or below all others, set apart by a white band, no larger than the body text,
   that names a date, a page or an editor;
3. puts the lines in reading order by recursive XY-cut: a region is cut at white bands across
   its whole width into blocks, read top to bottom, else at white bands down its whole height
   into columns, read left to right, and so again inside each part. What cannot be cut is a
   column, read top to bottom;
4. reflows the lines of all columns, in that order, into paragraphs. A paragraph starts at a
   line indented from its column's left edge (print indents two characters), after a line
   that stops short of the column's right edge (a punctuation mark may hang past it), and
   where the font size changes: a headline (set larger than the body) is a paragraph of its
   own, its lines joined. A column's first
   line that is not indented continues the paragraph of the previous column, also across pages;
   a caption set smaller than the body inside a paragraph (under a picture the text runs
   around) is a paragraph of its own after it, the body's next line going on with it;
5. joins the lines with nothing between them (a space only between two Latin/digit words; a
   Latin word hyphenated at a line's end is joined whole, see ``_BROKEN``) and removes, with
   ``normalize_text``, the spaces that typesetting leaves between Chinese and
   digits or punctuation ("2022 年" → "2022年"). A space between two Chinese characters inside
   a line is the paper's own (情暖新春 共护未来) and stays; at a line break it is lost.

A page is read the way most of its characters stand: a page turned by its /Rotate entry, or
set sideways or upside down on the sheet, reads as a reader who turns it does. Text standing
another way (a sideways page label) is skipped. Text the PDF sets vertically (竖排, in a font
of a vertical CMap) is read in columns, top to bottom, right to left, apart from the page's
horizontal text and after it: its indents and short columns end paragraphs as lines do.

Known limits: side-by-side articles whose headlines share a white band above their bodies are
read headlines first; a column whose only line is an indented one cannot show its indent;
vertical text set character by character in a horizontal font is not reassembled (nothing
tells it from a column one character wide), and a vertical headline is read after the page's
horizontal text, not beside its article; a compound broken at its own hyphen (well-/known)
loses the hyphen unless the page also sets it whole inside a line; an address (www…, …@…)
ending a line runs into Latin or digits opening the next one; a dated line set apart at
the very foot of a page (a notice's date under a blank line) is taken for the running foot.
"""
from __future__ import annotations

import asyncio
import io
import itertools
import logging
import math
import multiprocessing
import os
import re
import signal
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, NamedTuple

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

from crawler.items import PDFS_WITHOUT_TEXT, PagePdfItem
from crawler.pagepdf import PagePdf
from pipelines.normalize import normalize_text

logger = logging.getLogger(__name__)

# Bounded work: a page of a Founder e-paper is a one-page PDF of at most ~10,000 characters,
# and a whole issue has some 32 pages. Pages past MAX_PAGES are not read; interpretation stops
# at MAX_CHARS characters or MAX_DRAWINGS lines, shapes and pictures (the page being read then
# is dropped), so a huge or hostile PDF costs a few seconds, not the crawl: 200,000 lines took
# 8.5 s (~40 µs each, mostly pdfminer parsing them), and ARCHIVE_PDF_MAXSIZE lets through a
# PDF a hundred times that size. (Text set as outlines draws about a shape a letter: the bound
# is some twenty pages of it.)
MAX_PAGES = 32
MAX_CHARS = 300_000
MAX_DRAWINGS = 200_000


# What pages.pdf_text_status says of a page's PDF text: read whole, or why it is missing or
# incomplete. The archive says "no_pdf" where the site answers 404 or 410 for the PDF.
TEXT = "text"
PARTIAL = "partial"  # past MAX_PAGES, MAX_CHARS or MAX_DRAWINGS: the text of the pages before
UNMAPPED = "unmapped"  # characters in fonts that map them to no Unicode: left out, all or some
NO_TEXT = "no_text"  # pictures or drawings and no text (a scanned page, letters drawn as outlines)
BLANK = "blank"  # nothing drawn at all, or no page
ENCRYPTED = "encrypted"  # opens only with a password
UNREADABLE = "unreadable"  # pdfminer cannot parse it
CRASHED = "crashed"  # reading it killed its worker process

# Distances in ems: multiples of the font size of the text concerned.
GUTTER = 0.8  # a gap this wide inside a row separates two columns' lines (spaces are < 0.5)
BLOCK_BAND = 0.9  # blocks are further apart than lines (leading leaves at most ~0.7 between lines)
COLUMN_BAND = 0.5  # gutters are at least ~1 em; a narrower band is noise
INDENT = 1.0  # the first-line indent is 2 em
SHORT = 0.8  # a last line stops at least 1 em short, unless it ends in a half-width character
SPACE = 0.25  # a gap this much wider than the line's usual spacing is a space
HEADLINE = 1.2  # headlines are set at least this much larger than the body text
SAME_SIZE = 0.1  # relative difference of font sizes still taken for one size
HANG = 1.5  # a punctuation mark hangs at most one character past its column's edge

# A Latin word broken at a line's end with a hyphen (inter-/national) is joined again without
# it: a hyphen after at least two letters, not all capitals, before a line that goes on in
# lower case. A hyphen after a digit, a capital (COVID-19, non-EU), a single letter (e-paper,
# x-ray) or before a digit (2023-2024) is the word's own and stays, and so does any hyphen of
# a compound the page also sets whole inside a line (self-help). A soft hyphen (U+00AD), which
# some generators put in the text where they broke a word, always goes.
SOFT_HYPHEN = "\u00ad"
_BROKEN = re.compile(r"(?<![-\u2010A-Za-z])(?=[A-Za-z]{2})([A-Za-z]*[a-z][A-Za-z]*)[-\u2010]$")
_WORD_START = re.compile(r"[a-z][A-Za-z]*")
# A Latin/digit word ending a line, with the punctuation after it; one starting a line, with
# an opening bracket before it.
_LATIN_END = re.compile(r"([A-Za-z0-9])([,.;:!?)\]]*)$")
_LATIN_START = re.compile(r"([(\[]?)([A-Za-z0-9])")
_COMPOUND = re.compile(r"[A-Za-z]+[-\u2010][A-Za-z]+")
_PAGE_REFERENCE = re.compile(r"\d{1,3} ?版")  # a line holding nothing else: a teaser's 08 版
# A web or e-mail address is one word however a column breaks it (a long one does not fit a
# column's line, and print adds no hyphen where it breaks one): a line ending inside one and a
# next line going on with its characters meet without a space, and a hyphen there is the
# address's own (www.mca.gov. / cn, www.social- / work.org, service- / center@mca.gov.cn).
_ADDRESS_END = re.compile(r"(?:(?:https?|ftp)://|www\.|[\w.+-]+@)[\w./~%?#=&+:@-]*$", re.ASCII)
_ADDRESS_GOES_ON = re.compile(r"[\w/~%?#=&+.@-]", re.ASCII)
_MAIL_END = re.compile(r"[\w.+-]$", re.ASCII)
_MAIL_REST = re.compile(r"[\w.+-]*@[\w-]+\.[A-Za-z]", re.ASCII)


# What a running head or foot names: the date and weekday, the page (第07版, A07, a
# bare number), the editors.
_FURNITURE = re.compile(
    r"\d{4} ?年 ?\d{1,2} ?月 ?\d{1,2} ?日|星期[一二三四五六日天]|第 ?[A-Z]?\d{1,3} ?版|^ *[A-Z]?\d{1,3} *$"
    r"|(?:责任|美术|执行)?(?:编辑|责编|美编|校对|版式|组版)[:：]"
)


class _Char(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float  # from the top of the page, downwards
    bottom: float
    size: float


class _Line(NamedTuple):
    text: str
    x0: float  # ink: spaces are not counted, they may hang past the column's edge
    x1: float
    top: float
    bottom: float
    size: float


class _TooMuch(Exception):
    """The PDF draws more than its bounds allow: what is said in the warning."""


class _Collector(PDFPageAggregator):
    """Counts the characters and drawings as pdfminer draws them, to stop a huge PDF at
    MAX_CHARS or MAX_DRAWINGS. Drawings (lines, shapes, pictures) are counted only: that there
    are some tells a scan or a page of outlines from a blank one, and their shapes tell nothing."""

    def __init__(self, resources: PDFResourceManager) -> None:
        super().__init__(resources, laparams=None)
        self.chars = self.drawings = 0

    def paint_path(self, *args, **kwargs) -> None:
        self._draw()

    def render_image(self, *args, **kwargs) -> None:
        self._draw()

    def _draw(self) -> None:
        self.drawings += 1
        if self.drawings > MAX_DRAWINGS:
            raise _TooMuch(f"more than {MAX_DRAWINGS} lines, shapes and pictures")

    def render_char(self, matrix, font, *args, **kwargs):
        self.chars += 1
        if self.chars > MAX_CHARS:
            raise _TooMuch(f"more than {MAX_CHARS} characters")
        advance = super().render_char(matrix, font, *args, **kwargs)
        if font.is_vertical():  # a vertical CMap (…-V): the PDF sets this text in columns (竖排)
            self.cur_item._objs[-1].vertical = True
        return advance


class _Reading:
    """What reading a PDF met besides its text: how much of it was read, and what it draws."""

    def __init__(self) -> None:
        self.capped = False  # stopped at MAX_PAGES, MAX_CHARS or MAX_DRAWINGS
        self.drawn = 0  # characters
        self.unmapped = 0  # characters without a Unicode mapping
        self.graphics = 0  # pictures, lines and shapes

    def status(self, paragraphs: list[str]) -> str:
        if self.capped:
            return PARTIAL
        if self.unmapped:
            return UNMAPPED
        if paragraphs:
            return TEXT
        # Characters all left out (a page's running head alone, text set sideways) count as a drawing.
        return NO_TEXT if self.graphics or self.drawn else BLANK


def extract_paragraphs(pdf_bytes: bytes) -> list[str]:
    """The paragraphs of a newspaper page's PDF in reading order, headlines among them.

    Raises pdfminer's errors on a PDF it cannot parse; returns [] for a PDF without text.
    """
    return _extract(pdf_bytes, _Reading())


def _extract(pdf_bytes: bytes, reading: _Reading) -> list[str]:
    pages = list(_page_chars(pdf_bytes, reading))
    sizes = Counter(round(c.size, 1) for chars in pages for c in chars if c.text != " ")
    if not sizes:
        return []
    em = sizes.most_common(1)[0][0]  # the body text's size: most characters are body text
    columns = [column for chars in pages for column in _reading_order(_without_furniture(_lines(chars), em))]
    return _reflow(columns, em)


def _page_chars(pdf_bytes: bytes, reading: _Reading) -> Iterator[list[_Char]]:
    document = PDFDocument(PDFParser(io.BytesIO(pdf_bytes)))
    resources = PDFResourceManager()
    device = _Collector(resources)
    interpreter = PDFPageInterpreter(resources, device)
    # A font without a Unicode map leaves holes in the text, or all of it empty: said, not
    # stored in silence as if the page had no more text.
    try:
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number == MAX_PAGES:
                reading.capped = True
                logger.warning("PDF has more than %d pages: the rest is not extracted", MAX_PAGES)
                return
            try:
                interpreter.process_page(page)
            except _TooMuch as bound:
                reading.capped = True
                logger.warning("PDF has %s: the rest is not extracted", bound)
                return
            finally:
                reading.graphics = device.drawings
            everything = list(_walk(device.get_result()))
            reading.drawn += len(everything)
            reading.unmapped += sum(c.get_text().startswith("(cid:") for c in everything)
            chars = [(c, _turns(c)) for c in everything if _readable(c)]
            turns = Counter(turn for c, turn in chars if not c.get_text().isspace())
            if turns:
                most = turns.most_common(1)[0][0]
                kept = [(c, _char(c, most)) for c, turn in chars if turn == most]
                # Vertical text is read apart, after the page's horizontal text, turned so that
                # its columns, read right to left, are lines read top to bottom.
                for part in ([x for c, x in kept if not hasattr(c, "vertical")],
                             [_across(x) for c, x in kept if hasattr(c, "vertical")]):
                    if any(x.text != " " for x in part):
                        yield part
    finally:
        if reading.unmapped:
            logger.warning("%d of %d characters of the PDF have no Unicode mapping: left out of its text",
                           reading.unmapped, reading.drawn)


def _walk(container: LTContainer) -> Iterator[LTChar]:
    for thing in container:
        if isinstance(thing, LTChar):
            yield thing
        elif isinstance(thing, LTContainer):  # form XObjects: text drawn inside a figure
            yield from _walk(thing)


def _readable(c: LTChar) -> bool:
    # "(cid:N)" is a glyph that has no Unicode mapping in the PDF: nothing to read.
    text = c.get_text()
    return (text.isprintable() or text.isspace() or text == SOFT_HYPHEN) and not text.startswith("(cid:")


def _turns(c: LTChar) -> int:
    """Quarter turns, counterclockwise, of the character's baseline on the page as shown.

    Not pdfminer's ``upright``: it holds for a character upside down, whose page came out
    as its text backwards, last line first.
    """
    a, b = c.matrix[:2]
    return round(math.atan2(b, a) / (math.pi / 2)) % 4


def _char(c: LTChar, turn: int) -> _Char:
    """The character on the page turned back by ``turn`` quarter turns, its top measured downwards."""
    x0, y0, x1, y1 = c.bbox
    for _ in range(turn):
        x0, y0, x1, y1 = y0, -x1, y1, -x0  # a quarter turn clockwise
    # pdfminer's size is the box's height on the page, which a quarter turn made its width.
    size = c.width if turn % 2 else c.size
    text = " " if c.get_text().isspace() else c.get_text()  # U+3000, no-break space
    return _Char(text, x0, x1, -y1, -y0, size)


def _across(c: _Char) -> _Char:
    """A character of vertical text where it stands once its columns are turned into lines: a
    column's top is a line's left end, the rightmost column the top line."""
    return _Char(c.text, c.top, c.bottom, -c.x1, -c.x0, c.size)


def _lines(chars: list[_Char]) -> list[_Line]:
    """Characters in rows by their vertical middle, rows cut at gutters into lines."""
    rows: list[list[_Char]] = []
    middle = None
    for c in sorted(chars, key=lambda c: c.top + c.bottom):
        mid = (c.top + c.bottom) / 2
        if middle is None or mid - middle > 0.4 * c.size:
            rows.append([])
            middle = mid
        rows[-1].append(c)
    lines = []
    for row in rows:
        row.sort(key=lambda c: c.x0)
        gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(row)]
        run, ink = [], None  # ink: the run's last character that is not a space
        for index, c in enumerate(row):
            if ink and c.x0 - ink.x1 > GUTTER * max(c.size, ink.size) and not _letter_spaced(gaps, index - 1, c.size):
                lines.append(_line(run))
                run, ink = [], None
            # Some generators embolden a headline by drawing each glyph twice, a hair apart.
            elif run and c.text == run[-1].text and c.x0 - run[-1].x0 < 0.3 * (c.x1 - c.x0):
                continue
            run.append(c)
            if c.text != " " or ink is None:
                ink = c
        lines.append(_line(run))
    return [line for line in lines if line.text.strip()]


def _letter_spaced(gaps: list[float], index: int, size: float) -> bool:
    """Whether the gap ``gaps[index]`` of a row is one of a line's evenly widened gaps: a line
    that a long Latin word left short is justified by spacing its few characters out
    (咨 询 电 话 ：), each gap as wide as a gutter or wider, but a gutter between two columns
    is no wider than the gaps around it only by chance."""
    near = [gaps[i] for i in (index - 1, index + 1) if 0 <= i < len(gaps)]
    return any(abs(gap - gaps[index]) < 0.1 * size for gap in near)


def _line(chars: list[_Char]) -> _Line:
    gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(chars)]
    # Justification widens every gap of a line alike; a space stands out from the usual gap.
    wide = statistics.median(gaps) + SPACE * chars[0].size if gaps else 0.0
    text = chars[0].text + "".join(
        (" " if gap > wide else "") + c.text for gap, c in zip(gaps, chars[1:])
    )
    ink = [c for c in chars if c.text != " "] or chars
    size = Counter(round(c.size, 1) for c in ink).most_common(1)[0][0]
    return _Line(
        text=text,
        x0=ink[0].x0,
        x1=ink[-1].x1,
        top=min(c.top for c in chars),
        bottom=max(c.bottom for c in chars),
        size=size,
    )


def _without_furniture(lines: list[_Line], em: float) -> list[_Line]:
    """The page's lines less its running head and foot: the row above (below) all others, set
    apart by a block's white band, in body size or smaller, naming a date, a page or an editor.
    Read as text, it became a paragraph of its own, its parts run together (星期二社会工作07)."""
    for outer, inner in (("top", "bottom"), ("bottom", "top")):
        sign = 1 if outer == "top" else -1
        if not lines:
            break
        first = min(lines, key=lambda line: sign * getattr(line, outer))
        row = [line for line in lines if line.top < first.bottom and line.bottom > first.top]
        rest = [line for line in lines if line not in row]
        edge = max(sign * getattr(line, inner) for line in row)
        if (
            all(line.size <= (1 + SAME_SIZE) * em for line in row)
            and all(sign * getattr(line, outer) - edge >= BLOCK_BAND * em for line in rest)
            and any(_FURNITURE.search(line.text) for line in row)
        ):
            lines = rest
    return lines


def _reading_order(lines: list[_Line]) -> list[list[_Line]]:
    """Columns in reading order, each a list of lines top to bottom (recursive XY-cut)."""
    columns, regions = [], [lines] if lines else []
    while regions:
        region = regions.pop()
        parts = _cut(region, "top", "bottom", BLOCK_BAND) or _cut(region, "x0", "x1", COLUMN_BAND)
        if parts:
            regions += reversed(parts)  # a stack: the first part is read first
        else:
            columns.append(sorted(region, key=lambda line: (line.top, line.x0)))
    return columns


def _cut(lines: list[_Line], start: str, end: str, band: float) -> list[list[_Line]] | None:
    """The lines in parts separated by white bands at least ``band`` ems wide, or None.

    An em is the larger font size of the lines on either side: leading grows with the type,
    so the lines of a big headline stay together.
    """
    lines = sorted(lines, key=lambda line: getattr(line, start))
    parts, last = [[lines[0]]], lines[0]  # last: the line reaching furthest so far
    for line in lines[1:]:
        if getattr(line, start) - getattr(last, end) >= band * max(line.size, last.size):
            parts.append([])
        parts[-1].append(line)
        if getattr(line, end) > getattr(last, end):
            last = line
    return parts if len(parts) > 1 else None


def _reflow(columns: list[list[_Line]], em: float) -> list[str]:
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []  # the paragraph the line goes into
    previous, previous_short = None, False
    # A picture's caption, set smaller than the body, may stand inside a paragraph (the text
    # runs on below the picture, or in the next column): the body paragraph it interrupts,
    # which the body's next line, not indented, goes on with. The caption stays after it.
    interrupted: list[_Line] | None = None
    for column in columns:
        left = min(line.x0 for line in column)
        right = _right_edge(column)
        for index, line in enumerate(column):
            small = line.size < (1 - SAME_SIZE) * em
            if (interrupted and not small and abs(line.size - interrupted[-1].size) <= SAME_SIZE * line.size
                    and line.x0 - left < INDENT * line.size):
                current = interrupted
            else:
                if previous is None or abs(line.size - previous.size) > SAME_SIZE * previous.size:
                    new = True
                elif line.size >= HEADLINE * em:
                    # A headline set on several lines is one paragraph (centred: indents mean
                    # nothing); a headline in the next column is another article's.
                    new = index == 0
                else:
                    new = previous_short or line.x0 - left >= INDENT * line.size
                if new:
                    if small and interrupted is None and previous is not None and not previous_short \
                            and abs(previous.size - em) <= SAME_SIZE * em:
                        interrupted = current
                    current = []
                    paragraphs.append(current)
            if not small:
                interrupted = None
            current.append(line)
            # A page reference set apart at a teaser's end (导读: a headline, then 08 版 at the
            # block's edge) reads as a column of its own: it closes the teaser it ends.
            previous, previous_short = line, right - line.x1 >= SHORT * line.size or bool(_PAGE_REFERENCE.fullmatch(line.text.strip()))
    # A compound the page sets whole inside a line (self-help) keeps its hyphen at a line break too.
    compounds = {word.lower() for column in columns for line in column for word in _COMPOUND.findall(line.text)}
    return [text for text in (_join(lines, compounds) for lines in paragraphs) if text]


def _right_edge(column: list[_Line]) -> float:
    # Most lines of a column are justified flush to its edge; a punctuation mark may hang past
    # it, by half a character or (标点悬挂) a whole one, so the edge is the median end of the
    # lines near the furthest one, near enough to count the flush lines beside a hanging one:
    # the hanging line alone made every flush line of its column end short, each a paragraph.
    furthest = max(line.x1 for line in column)
    return statistics.median(line.x1 for line in column if furthest - line.x1 < HANG * line.size)


def _join(lines: list[_Line], compounds: frozenset[str] | set[str] = frozenset()) -> str:
    text = ""
    for line in lines:
        # Latin lines break between words, so two Latin/digit words meeting at a line break
        # need a space. Chinese needs none: a space some generators put at every line's end
        # would otherwise slip in between two Chinese characters, where normalize_text keeps it.
        line_text = line.text.strip()
        if text.endswith(SOFT_HYPHEN):  # a break the typesetter chose: the word goes on
            text = text[:-1]
        elif _address_goes_on(text, line_text):
            pass
        elif (broken := _BROKEN.search(text)) and (rest := _WORD_START.match(line_text)):
            if f"{broken[1]}-{rest[0]}".lower() not in compounds:
                text = text[:-1]
        elif _space_at_break(text, line_text) or (text and _PAGE_REFERENCE.fullmatch(line_text)):
            text += " "  # a page reference keeps its space after a headline (normalize_text)
        text += line_text
    return normalize_text(text.replace(SOFT_HYPHEN, ""))


def _address_goes_on(before: str, after: str) -> bool:
    """Whether a line break falls inside a web or e-mail address (see ``_ADDRESS_END``)."""
    if not _ADDRESS_GOES_ON.match(after):  # most breaks: Chinese text on the next line
        return False
    return bool(_ADDRESS_END.search(before, max(0, len(before) - 300))
                or _MAIL_END.search(before) and _MAIL_REST.match(after))


def _space_at_break(before: str, after: str) -> bool:
    """Whether a line break stands for a space: between two Latin/digit words, the first maybe
    closed by its punctuation (Work, / Builds; (China) / said), the second maybe opened by a
    bracket (UNICEF / (China)); not inside a number (2. / 5, 1, / 000, 10: / 30)."""
    end, start = _LATIN_END.search(before), _LATIN_START.match(after)
    if not (end and start):
        return False
    number = end[1].isdigit() and start[2].isdigit() and not start[1]
    return not end[2] or not (number and end[2] in (".", ",", ":"))


class _Warnings(logging.Handler):
    """Collects what extraction logs in a worker process, whose log goes nowhere near the crawl's."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class PdfText(NamedTuple):
    text: str  # the paragraphs, one per line
    status: str  # TEXT, or why the text is missing or incomplete (pages.pdf_text_status)
    warnings: list[str]


# What the log says of a PDF that gave no text, by its status (with the PDF's URL after it).
NO_TEXT_WARNINGS = {
    NO_TEXT: "PDF has no text layer, only pictures or drawings (a scanned page, or letters drawn as outlines): stored without text",
    BLANK: "PDF draws nothing (a blank page): stored without text",
    ENCRYPTED: "PDF opens only with a password: stored without text",
}


def page_pdf_text(body: bytes) -> PdfText:
    """A PDF's paragraphs, one per line, what they are (a status), and the warnings its
    extraction raised.

    The one function the pool's workers run (and ``archive reprocess`` through the pipeline):
    nothing raises out of it, so a bad PDF costs its own text only.
    """
    warnings = _Warnings()
    logger.addHandler(warnings)
    propagate, logger.propagate = logger.propagate, False
    reading = _Reading()
    try:
        paragraphs = _extract(body, reading)
        status = reading.status(paragraphs)
    except PDFEncryptionError:  # a password it was not given, or an encryption pdfminer lacks
        paragraphs, status = [], ENCRYPTED
    except Exception as error:  # pdfminer raises many kinds on broken files
        paragraphs, status = [], UNREADABLE
        warnings.messages.append(f"Unreadable PDF: {error!r}")
    finally:
        logger.removeHandler(warnings)
        logger.propagate = propagate
    if status in NO_TEXT_WARNINGS:
        warnings.messages.append(NO_TEXT_WARNINGS[status])
    return PdfText("\n".join(paragraphs), status, warnings.messages)


class PdfTextPipeline:
    """Fills a PagePdfItem's ``text`` with its PDF's paragraphs, one per line, and its
    ``text_status`` with what they are (read whole, or why missing or incomplete).

    Extraction costs tens of fetches' CPU per PDF, so it runs in a pool of ARCHIVE_PDF_WORKERS
    processes (0: in the calling thread) while the reactor goes on crawling. A PDF that cannot be
    read, that kills its worker, or that has no text leaves ``text`` empty with a warning (an
    error for a killed worker): the PDF itself is archived all the same, and re-processing the
    archive can retry it. The run counts the PDFs that gave no text (``PDFS_WITHOUT_TEXT``).
    """

    extract = staticmethod(page_pdf_text)  # what the workers run: a module-level function, sent by name

    def __init__(self, workers: int = 1, stats=None) -> None:
        self.workers = workers
        self.stats = stats
        self.pool: ProcessPoolExecutor | None = None  # started with the first PDF: most crawls of a day have none

    @classmethod
    def from_crawler(cls, crawler):
        try:
            stats = crawler.stats
        except RuntimeError:  # a crawler that does not crawl (archive reprocess) has none
            stats = None
        return cls(crawler.settings.getint("ARCHIVE_PDF_WORKERS", 1), stats)

    async def process_item(self, item, spider=None):
        if not isinstance(item, PagePdfItem) or item.raw is None:  # None: the site has no such PDF
            return item
        body = item.raw.body
        # The spider refuses such a response; a raw document stored before it did may be one.
        if PagePdf(body).not_found:
            logger.warning("Not a PDF (no %%PDF- header), text not extracted: %s", item.url)
            return item
        item.text, item.text_status, warnings = await self._extract(body, item.url)
        for message in warnings:
            logger.warning("%s: %s", message, item.url)
        if not item.text and self.stats is not None:
            self.stats.inc_value(f"{PDFS_WITHOUT_TEXT}{item.text_status}")
        return item

    async def _extract(self, body: bytes, url: str) -> PdfText:
        if self.workers <= 0:
            return self.extract(body)
        pool = self.pool = self.pool or _pool(self.workers)
        loop = asyncio.get_running_loop()
        try:
            return PdfText(*await _run_in(pool, loop, self.extract, body))
        except BrokenProcessPool:
            if self.pool is pool:
                self.pool = None  # the next PDF starts a new pool
        # A dying worker breaks every job of its pool: each one is retried alone, so that
        # only the PDF that kills a worker loses its text.
        alone = _pool(1)
        try:
            return PdfText(*await _run_in(alone, loop, self.extract, body))
        except BrokenProcessPool:
            logger.error("PDF text extraction killed its worker process, text not extracted: %s", url)
            return PdfText("", CRASHED, [])
        finally:
            alone.shutdown(wait=True)

    def close_spider(self, spider=None) -> None:
        # Waiting reaps the workers, so their CPU is counted in the crawl's own (wait4/rusage).
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


_STOPPING = {signal.SIGINT, signal.SIGTERM}


def _run_in(pool: ProcessPoolExecutor, loop: asyncio.AbstractEventLoop, fn, *args) -> asyncio.Future:
    """``fn(*args)`` in ``pool``, whose workers never see SIGINT nor SIGTERM.

    A terminal's Ctrl-C and systemctl stop signal every process of the crawl: a worker printed
    KeyboardInterrupt's traceback (or, starting, a fatal error) on the stderr that cron mails,
    and one reading a PDF broke the pool. The crawl alone stops on them, and shuts its pool down
    when it closes. A worker starts in ``submit``, in this thread, with this thread's signal mask:
    the two are blocked meanwhile (held for the crawl, not lost), and stay blocked in the worker,
    from its first instruction on."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        return loop.run_in_executor(pool, fn, *args)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the crawl has threads (archive writer, DNS) that a fork would copy mid-lock.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_end_with_parent, initargs=(os.getpid(),))


def _end_with_parent(parent: int) -> None:
    """In a worker: exit when the crawl that started it is gone. A crawl killed with SIGKILL
    never shuts its pool down, and the workers would wait for work forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
