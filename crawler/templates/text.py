"""Text of HTML elements as a reader sees it: what every template family's page objects share."""
from __future__ import annotations

import re
import threading

from lxml import etree

__all__ = [
    "BLOCKS", "CELLS", "CELL_GAP", "HAN", "HTML_SPACE", "INFO_AUTHOR", "INFO_AUTHOR_LINE", "INFO_FIELD_AND_DATE", "INFO_LINE", "INFO_SOURCE",
    "Layout", "SHARE_WIDGET", "SHARE_WORDS", "SOCIAL", "TOOLS", "WIDGET_GAP", "block_lines", "collapse", "drop_keeping_tail", "has_text",
    "html_blanks", "line", "lines", "parse", "source_blank", "text",
]

HTML_SPACE = re.compile(r"[ \t\r\n\f]+")

_local = threading.local()


def _parser() -> etree.HTMLParser:
    """lxml's HTML parser as parsel sets it up (recover, huge trees, UTF-8 input), without
    comments and processing instructions, one per thread (a parser is not thread-safe).

    lxml.etree's, not lxml.html's as parsel's: plain elements, whose Python proxies lxml makes
    several times faster, and the page objects need no HtmlElement method. Reused, where parsel
    makes a parser per document; no table of IDs (no selector calls XPath's id()). Together a
    quarter of the parse's time.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.HTMLParser(
            recover=True, encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
        )
    return parser


def parse(html: str) -> etree._Element:
    """A file's document, parsed once for every field and for the cleaner.

    Comments go at parse time, as the cleaner reads markup (the Founder body is wrapped in
    <!--<npm:article-content>--> markers): the body element is then the tree the cleaner would
    get from parsing the body's HTML again, and the item can carry the element itself.
    The input is prepared as parsel's ``create_root_node`` prepares it. The root element is
    queried as it is: a parsel Selector around it and each match costs ~1 µs a wrapper.
    """
    parser = _parser()
    body = html.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser)
    if root is None:
        root = etree.fromstring(b"<html/>", parser)
    return root


# Compiled once, returning plain strings: lxml's default "smart" strings each keep a link to
# their parent element.
_VISIBLE = ".//text()[not(ancestor::script or ancestor::style)]"
_VISIBLE_TEXT = etree.XPath(_VISIBLE, smart_strings=False)
_TEXT_AND_BREAKS = etree.XPath(f"{_VISIBLE} | .//br", smart_strings=False)


def collapse(value: str) -> str:
    return " ".join(value.split())


def text(element: etree._Element) -> str:
    """Text of an element as one line; script and style bodies are code, not text."""
    return _one_line("".join(_VISIBLE_TEXT(element)))


def _one_line(value: str) -> str:
    """Source text as one line: collapse() already reads runs of blanks as one space; only a
    line break may read as none (html_blanks)."""
    return collapse(html_blanks(value) if "\n" in value else value)


# Han characters (the CJK unified ideographs, their extensions and compatibility forms), as
# ranges for a character class; the pipelines read text by the same ranges.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Chinese text has no space between two Han characters, nor beside full-width punctuation.
_HAN = re.compile(f"[{HAN}]")
_WIDE = re.compile("[\u3000-\u303f\uff00-\uffef]")


def _spaced(before: str, after: str) -> bool:
    """Whether a line ending in ``before`` and one beginning with ``after`` join with a space."""
    if _WIDE.match(before) or _WIDE.match(after):
        return False
    return not (_HAN.match(before) and _HAN.match(after))


def html_blanks(value: str) -> str:
    """HTML source text with each run of HTML whitespace as a reader sees it: one space, or
    none where the source breaks a line of Chinese.

    A browser shows such a break as a space, which in Chinese splits a word, and search with
    it (社会工作 does not find "社会 工作"). A break joins as <br>-broken lines do (``line``):
    with no space between two Han characters or beside full-width punctuation, as CSS Text 3
    removes a segment break between two wide characters. U+3000 is not HTML whitespace: it is
    the text's own indentation.
    """
    if "\n" not in value:
        # Most lines hold no run to change (no blank but single spaces): four searches of the
        # string cost a fifth of the substitution's scan of it, character by character.
        if "  " in value or "\t" in value or "\r" in value or "\f" in value:
            return HTML_SPACE.sub(" ", value)
        return value
    return HTML_SPACE.sub(lambda match: source_blank(value, match), value)


def source_blank(value: str, match: re.Match) -> str:
    """What one run of HTML whitespace in ``value`` reads as (see ``html_blanks``)."""
    start, end = match.span()
    if "\n" in match[0] and 0 < start and end < len(value) and not _spaced(value[start - 1], value[end]):
        return ""
    return " "


def line(element: etree._Element) -> str:
    """Text of an element as one line where <br> breaks it (a headline set on two lines): the
    lines joined without a space between Chinese characters, as the print runs them on, and with
    one between other words. text() glued Latin words at the break ("Charity LawRevised").
    """
    nodes = _TEXT_AND_BREAKS(element)
    if all(isinstance(node, str) for node in nodes):  # most: no <br>, read as text() reads it
        return _one_line("".join(nodes))
    joined = ""
    for part in filter(None, map(collapse, _broken(nodes))):
        if joined and _spaced(joined[-1], part[0]):
            joined += " "
        joined += part
    return joined


def drop_keeping_tail(element: etree._Element) -> None:
    """Takes an element and what it holds out of its tree; the text after it stays."""
    parent, previous = element.getparent(), element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def has_text(element: etree._Element) -> bool:
    """Whether ``text(element)`` is not empty, without building it: its text nodes (script and
    style bodies left out) are looked at in document order until one holds more than blanks,
    most often the first. An XPath of its non-blank text nodes decoded every one of them,
    a whole article's text to answer for its content region (~10 µs an article)."""
    if element.tag in _CODE or next(element.iterancestors(_CODE), None) is not None:
        return False  # every text node in it is code
    walk = etree.iterwalk(element, events=("start", "end"))
    for event, node in walk:
        if event == "start":
            if node.tag in _CODE:
                walk.skip_subtree()  # its "end" still comes: its tail is text
            elif isinstance(node.tag, str) and (text := node.text) and text.strip():
                return True
        elif node is not element and (tail := node.tail) and tail.strip():
            return True
    return False


_CODE = ("script", "style")


def lines(element: etree._Element) -> list[str]:
    """Text of an element as a browser breaks it: at <br>, with runs of HTML whitespace as one space."""
    return _broken(_TEXT_AND_BREAKS(element))


# Elements a browser lays out as blocks of their own: a line of text ends where one begins and
# where it ends.
BLOCKS = frozenset(
    "p div li ul ol dl dt dd table tbody thead tfoot tr caption h1 h2 h3 h4 h5 h6 blockquote"
    " pre center section article header footer nav aside main figure figcaption address form hr".split()
)
# A table row is one line: its cells' texts are joined by CELL_GAP, so that a table of figures
# in an article reads row by row (地区｜社工站｜覆盖率), where a line per cell read as a column
# of loose words and numbers. A space would not do: normalisation takes it out beside Chinese.
# A row whose cells hold more than a line each (a layout table's paragraphs) is laid out in
# those lines (one_line_rows).
CELLS = frozenset(("td", "th"))
CELL_GAP = "\uff5c"
_NOT_SHOWN = frozenset(("script", "style"))


def block_lines(element: etree._Element) -> list[str]:
    """Text of an element in the lines a browser lays it out in (Layout): text outside any <p>
    (after the last one, in a <div>, a <font>, after a <br>) is a line of its own, and a table
    row's cells are one line, as the cleaner reads it (pipelines/clean.py). Runs of HTML
    whitespace as one space; lines of blanks are kept."""
    return _Lines(element).lines


def one_line_rows(element: etree._Element) -> frozenset:
    """The table rows in ``element`` that are one line each: those whose every cell holds at
    most one line of text, blocks and all. A table pasted from a word processor sets each cell
    in a <p>, which is no line of its own there; a layout table's cell that holds paragraphs
    (or another table) is laid out in their lines."""
    rows = []
    for row in element.iter("tr"):
        cells = [cell for cell in row if cell.tag in CELLS]
        if cells and all(_holds_one_line(cell) for cell in cells):
            rows.append(row)
    return frozenset(rows)


def _holds_one_line(cell: etree._Element) -> bool:
    if any(True for _ in cell.iter("table", "tr")):
        return False
    return sum(1 for line in _Lines(cell, frozenset()).lines if line.strip()) <= 1


class Layout:
    """Lays an element's contents out in lines as a browser shows them, for the page objects'
    lines (block_lines) and the cleaner's paragraphs (pipelines/clean.py) alike: a line ends at
    each <br> and where a block element (BLOCKS) begins or ends, and each table row of ``rows``
    (default one_line_rows) is one line, its cells' texts joined by CELL_GAP, blocks and <br>s
    inside it breaking none. The element's own tag and tail are not read: its contents are.

    A subclass says what a reader is not shown (``left_out``), follows the elements it reads
    (``opened``, ``closed``) and takes each line's source text (``line``). Walked without
    recursion: an editor's unclosed <font> on every line nests each line one deeper, and a spam
    kit's markup deeper than Python recurses.
    """

    def __init__(self, rows: frozenset | None = None):
        self._rows = rows
        self._pieces: list[str] = []
        self._length = 0  # of the line's text so far
        self._gap = False  # a cell began after text on its line: CELL_GAP goes before its first text
        self._in_row = 0  # inside a row that is one line

    def left_out(self, element: etree._Element, tag) -> bool:
        """Whether ``element`` and all it holds are not shown; called on each element read."""
        return tag in _NOT_SHOWN or not isinstance(tag, str)

    def opened(self, element: etree._Element, tag: str):
        """Called as the walk enters an element it reads; what it returns is handed to ``closed``."""
        return True

    def closed(self, element: etree._Element, tag: str, opened) -> None:
        """Called as the walk leaves an element it read, before the line it may end is ended."""

    def line(self, source: str) -> None:
        """One line's source text: its pieces joined, HTML's blanks as written."""
        raise NotImplementedError

    def read(self, root: etree._Element) -> None:
        rows = one_line_rows(root) if self._rows is None else self._rows
        opened: list = []  # per open element: what ``opened`` returned, None for one left out
        # Bound once: the walk calls them for every element and text. An element's text and
        # tail are read once each: lxml decodes them anew at every access (~1 µs a paragraph).
        add, end_line, left_out, on_open, on_close = self._add, self.end_line, self.left_out, self.opened, self.closed
        walk = etree.iterwalk(root, events=("start", "end"))
        for event, element in walk:
            if element is root:
                if event == "start" and (text := root.text):
                    add(text)
                continue
            tag = element.tag
            if event == "end":
                if (began := opened.pop()) is not None:
                    on_close(element, tag, began)
                    if element in rows:
                        self._in_row -= 1
                        end_line()
                    elif tag in BLOCKS and not self._in_row:
                        end_line()
                if tail := element.tail:
                    add(tail)
                continue
            if (hidden := left_out(element, tag)) or tag == "br":
                walk.skip_subtree()
                opened.append(None)
                if not hidden and not self._in_row:
                    end_line()
                continue
            if element in rows:
                end_line()
                self._in_row += 1
            elif tag in CELLS:
                self._gap = any(not piece.isspace() for piece in self._pieces)
            elif tag in BLOCKS and not self._in_row:
                end_line()
            opened.append(on_open(element, tag))
            if text := element.text:
                add(text)
        end_line()

    def _add(self, text: str) -> None:
        if self._gap and not text.isspace():
            self._gap = False
            self._pieces.append(CELL_GAP)
            self._length += len(CELL_GAP)
        self._pieces.append(text)
        self._length += len(text)

    def end_line(self) -> None:
        self._gap = False
        if self._pieces:
            source = "".join(self._pieces)
            self._pieces, self._length = [], 0
            self.line(source)


class _Lines(Layout):
    """block_lines: every line, script and style bodies left out."""

    def __init__(self, element: etree._Element, rows: frozenset | None = None):
        super().__init__(rows)
        self.lines: list[str] = []
        self.read(element)

    def line(self, source: str) -> None:
        self.lines.append(html_blanks(source))


def _broken(nodes: list) -> list[str]:
    """Text nodes and <br> elements as lines, runs of HTML whitespace as one space. A <br> is
    a NUL while the blanks are read: parse() leaves none in the text."""
    return html_blanks("".join(n if isinstance(n, str) else "\x00" for n in nodes)).split("\x00")


# --- a CMS page's info line ---------------------------------------------------------------
# The line a CMS sets over or under an article: labelled fields (来源：…, 作者：…, 发布时间：…,
# 点击：…), a date, the site's tools and share widget, in any order:
# 来源：某某日报　作者：张三　发布时间：2023-01-31　【打印】【关闭】. One grammar for the cleaner, which
# takes the line out of the text (boilerplate:meta), and the page objects, which read its 来源 and
# 作者 as the article's source and byline: a line one of them read and the other did not lost its
# fields or kept them twice.

# What parts the words of a site's widget line (首页 | 版面导航) and an info line's fields.
WIDGET_GAP = r"[\s|｜/·•・>＞»›→:：,，、\[\]【】()（）-]"
# A site's tools: 听全文, 打印, 关闭, 收藏, 字体：大 中 小.
TOOLS = (
    "[听聽]全文", "打印(?:本[页頁]|此[页頁]|本文)?", "[关關][闭閉](?:窗口|本[页頁])?", "收藏(?:本[页頁])?",
    "字[号號体體]\\s*[:：]?\\s*[大中小](?:\\s*[大中小]){1,2}")
SOCIAL = ("微信", "微博", "新浪微博", "[腾騰][讯訊]微博", "QQ空[间間]", "QQ好友", "QQ", "朋友圈", "豆瓣", "人人[网網]")
_SHARE_TO = "分享[到至]?"
_COPY_LINK = "[复複]制[链鏈]接"
# The words of a share widget, for a line that sets them among a site's tools (【打印】 分享到 微信).
SHARE_WORDS = "|".join((_SHARE_TO, _COPY_LINK, *SOCIAL))
# A share widget: 分享到：微信 微博.
SHARE_WIDGET = rf"{_SHARE_TO}(?:{WIDGET_GAP}|{'|'.join(SOCIAL)}|{_COPY_LINK})*"
# A label's colon. A row of cells (CELL_GAP between them) may set the label in one cell and its
# value in the next: 来源：｜某某日报.
_COLON = rf"\s*[:：︰﹕][\s{CELL_GAP}]*"
# A field's value: no sentence punctuation (资金来源：财政拨款和社会捐赠各占一半。 holds a clause,
# no value), a time after a blank (发布时间：2023-01-31 10:30).
_VALUE = r"[^\s:：︰﹕|｜【】\[\]()（）。！？!?，,；;、“”]{1,30}+(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE = r"\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_SOURCE_NAME = r"(?:本文|文章|稿件|信息|新[闻聞])?[来來]源|稿源"
# Labels only an info line sets: one of them makes a line of fields an info line. 作者, 编辑, 日期,
# 时间 and 字数 head lines of an article's own too (作者：张三 摄影：李四, 时间：3月5日 地点：市民中心).
_NAME = (
    rf"(?:{_SOURCE_NAME}|(?:[发發][布佈]|[发發]表|更新|上[传傳])(?:[时時][间間]|日期)"
    r"|[点點][击擊](?:[数數]|量|率|次[数數])?|[浏瀏][览覽](?:[数數]|量|次[数數])?|[阅閱][读讀](?:[数數]|量|次[数數])"
    rf"|[责責]任[编編][辑輯]|[责責][编編]){_COLON}"
)
_LABEL = rf"{_NAME}{_VALUE}"
_FIELD = (
    rf"{_LABEL}|(?:作者|[编編][辑輯]|日期|[时時][间間]|字[数數]){_COLON}{_VALUE}|{_DATE}|{'|'.join(TOOLS)}|{SHARE_WIDGET}"
)


def _info_line(fields: str) -> re.Pattern:
    return re.compile(rf"{WIDGET_GAP}*(?:{fields}){WIDGET_GAP}*")


# Two fields or more, one of them a label only an info line sets. Fields are atomic: a line of
# dates that fails would be tried every way it can be split.
INFO_LINE = _info_line(rf"(?:(?>{_LABEL})|(?>{_FIELD})(?=.*?{_NAME}))(?:{WIDGET_GAP}*+(?>{_FIELD}))+")
# One labelled field and a date: 来源：国家统计局 2023-01-31 credits a chart or a table inside the
# text as a CMS heads a page with 2023-01-31 来源：某某日报, so it is an info line only where it
# opens or closes the text.
INFO_FIELD_AND_DATE = _info_line(rf"(?>{_LABEL}){WIDGET_GAP}*+(?>{_DATE})|(?>{_DATE}){WIDGET_GAP}*+(?>{_LABEL})")
# The 来源 and 作者 fields of an info line: the label and the value (a 来源 inside a word,
# 资金来源, is none).
INFO_SOURCE = re.compile(rf"(?:^|(?<={WIDGET_GAP}))({_SOURCE_NAME}){_COLON}({_VALUE})")
INFO_AUTHOR = re.compile(rf"(?:^|(?<={WIDGET_GAP}))(作者){_COLON}({_VALUE})")
# A 作者 field alone on its line: opening the text, the page's byline; elsewhere the text's own.
INFO_AUTHOR_LINE = _info_line(rf"(作者){_COLON}({_VALUE})")
