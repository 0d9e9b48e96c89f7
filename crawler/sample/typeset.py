"""Newspaper-like PDF pages, built with reportlab: the sample site's page PDFs and test PDFs.

The layout imitates a Founder e-paper page: each article is a block of a headline in a larger
font, centred over all columns, above its body set in narrow justified columns (the lines of
a block balanced over the columns, so paragraphs run from the bottom of one column to the top
of the next); paragraphs open with a two-character indent and have no space between them;
articles stack down the page and a page that fills up continues on the next. Text is set in
reportlab's built-in ``STSong-Light`` CID font, which needs no font file. Output is byte for
byte the same on every run (no dates, no random document id), so the committed site can be
checked against the generator.

Only the site generator and the tests use this module: reportlab is a test/build dependency,
never imported by the crawler or the pipelines.

Spaces in the text are typeset as space glyphs, as in "2022 年", so the PDF carries the same
spaces that extraction finds in real pages. A space at a line break stays at the end of the
line, hanging in the gutter. Latin words and numbers are not broken across lines, and a
closing mark never starts one (禁则), which leaves some justified lines loosely spaced.
"""
from __future__ import annotations

import io
import math
import re

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = 10.0  # body font size, pt: one character of a column line is this wide
PITCH = 1.5 * BODY  # body baseline to baseline
HEAD = 18.0
FURNITURE = 9.0  # a running head's or foot's size
HEAD_PITCH = 1.3 * HEAD
GUTTER = 1.2 * BODY
BLOCK_GAP = 2 * BODY  # white space under a headline and under an article
MARGIN = 36.0
PAGE_HEIGHT = 842.0
INDENT = 2 * BODY

# Latin words and numbers are never broken across lines (2022, 2.3, 60%, 2022-2024).
_TOKENS = re.compile(r"[A-Za-z0-9.%\-]+|.", re.S)
# Marks that may not begin a line: one that would start a line takes the previous token along.
# reportlab's UniGB-UCS2-H encoding has no code for the middle dot U+00B7 and silently drops
# it; U+30FB is the same Adobe-GB1 glyph, which readers (pdfminer) map back to U+00B7.
_DRAWN_AS = str.maketrans({"\u00b7": "\u30fb"})
_CLOSING = set("，。、；：？！）》」』”’,.;:?!)")


def width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, size: float, line_width: float, indent: float = 0.0) -> list[str]:
    """``text`` in lines of at most ``line_width`` points, the first ``indent`` narrower."""
    lines: list[str] = []
    current: list[str] = []
    used = indent
    for token in _TOKENS.findall(text):
        if token == " " and not current:
            continue
        w = width(token, size)
        # A space may hang past the edge; any other token that does not fit starts a line.
        if current and token != " " and used + w > line_width + 0.01:
            carry = []
            if token[0] in _CLOSING and len(current) > 1 and current[-1] != " ":
                carry = [current.pop()]
            lines.append("".join(current))
            current, used = carry, width("".join(carry), size)
        current.append(token)
        used += w
    if current:
        lines.append("".join(current))
    return lines


def _draw(pdf: canvas.Canvas, x: float, baseline: float, text: str, size: float, justify_to=None):
    line = pdf.beginText(x, baseline)
    line.setFont(FONT, size)
    ink = text.rstrip()
    if justify_to is not None and len(ink) > 1:
        # Justified, as in print: the spare width is shared between all characters.
        line.setCharSpace((justify_to - width(ink, size)) / (len(ink) - 1))
    line.textOut(text.translate(_DRAWN_AS))
    pdf.drawText(line)


def _baseline(slot_top: float, pitch: float, size: float) -> float:
    # STSong glyph boxes reach 0.27 em below the baseline: centre them in the line's slot.
    return slot_top - pitch + (pitch - size) / 2 + 0.27 * size


def newspaper_pdf(
    articles: list[tuple[str, list[str]]], columns: int = 4, chars_per_line: int = 13, rotate: int = 0,
    head: tuple[str, ...] = (), foot: tuple[str, ...] = (), password: str | None = None,
) -> bytes:
    """A PDF of ``articles`` (headline, paragraphs) laid out as newspaper pages, each shown
    turned by ``rotate`` degrees clockwise (the pages' /Rotate entry), with the parts of a
    running ``head`` and ``foot`` (date, section, page number…) spread across its margins,
    opening only with ``password`` if one is given."""
    col_width = chars_per_line * BODY
    block_width = columns * col_width + (columns - 1) * GUTTER
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(block_width + 2 * MARGIN, PAGE_HEIGHT), invariant=True, encrypt=password)
    pdf.setPageRotation(rotate)

    def furniture() -> float:
        for parts, baseline in ((head, PAGE_HEIGHT - MARGIN / 2), (foot, MARGIN / 2)):
            for index, part in enumerate(parts):
                share = index / (len(parts) - 1) if len(parts) > 1 else 0.0  # left, …, right
                _draw(pdf, MARGIN + share * (block_width - width(part, FURNITURE)), baseline, part, FURNITURE)
        return PAGE_HEIGHT - MARGIN

    def new_page() -> float:
        pdf.showPage()
        return furniture()

    top = furniture()  # top of the free space on the current page

    for title, paragraphs in articles:
        heads = wrap(title, HEAD, block_width)
        body = []  # (text, indent, justify): every line of a paragraph but its last is justified
        for paragraph in paragraphs:
            lines = wrap(paragraph, BODY, col_width, INDENT)
            for i, text in enumerate(lines):
                body.append((text, INDENT if i == 0 else 0.0, i < len(lines) - 1))
        if top - len(heads) * HEAD_PITCH - BLOCK_GAP - 3 * PITCH < MARGIN:
            top = new_page()
        for text in heads:
            x = MARGIN + (block_width - width(text.rstrip(), HEAD)) / 2
            _draw(pdf, x, _baseline(top, HEAD_PITCH, HEAD), text, HEAD)
            top -= HEAD_PITCH
        top -= BLOCK_GAP
        while body:
            rows = min(int((top - MARGIN) // PITCH), math.ceil(len(body) / columns))
            if rows < 1:
                top = new_page()
                continue
            for index, (text, indent, justify) in enumerate(body[: rows * columns]):
                column, row = divmod(index, rows)
                x = MARGIN + column * (col_width + GUTTER) + indent
                _draw(pdf, x, _baseline(top - row * PITCH, PITCH, BODY), text, BODY,
                      col_width - indent if justify else None)
            body = body[rows * columns :]
            top -= rows * PITCH
            if body:
                top = new_page()
        top -= BLOCK_GAP
    pdf.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page that is a picture only, as a scanner makes it: no text to extract."""
    from PIL import Image  # reportlab's own dependency
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.0, PAGE_HEIGHT), invariant=True)
    pdf.drawImage(ImageReader(Image.new("L", (60, 85), 200)), 0, 0, 595.0, PAGE_HEIGHT)
    pdf.save()
    return buffer.getvalue()


def blank_pdf() -> bytes:
    """A page with nothing on it."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.0, PAGE_HEIGHT), invariant=True)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
