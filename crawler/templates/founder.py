"""Page objects for the Founder (方正) e-paper template: pure functions of one file's HTML.

A page (版) is a ``node_N.htm`` file, an article a ``content_N.htm`` file; both also carry the
issue's header, page list and title list. Every location is a field of FounderSelectors, so a
paper profile can move any of them. Text keeps the script and punctuation as published.
"""
from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cached_property, lru_cache
from html import escape, unescape
from importlib import resources
from typing import Callable, Iterator, NamedTuple, Sequence
from urllib.parse import urljoin, urlsplit, urlunsplit

from cssselect import SelectorError
from lxml import etree
from lxml.html import tostring
from parsel.csstranslator import HTMLTranslator
from w3lib.encoding import html_to_unicode

from crawler.pagenumbers import LABEL_CODE, number_of, page_number
from crawler.templates.generic import GenericArticle
from crawler.templates.hiding import StyleSheet, hidden, off_screen, shown, shown_line, style_sheet, style_texts
from crawler.templates.notfound import not_found
from crawler.templates.siteimages import NO_SITE_IMAGES, SiteImages
from crawler.templates.text import (
    BLOCKS, CELL_GAP, CELLS, HAN, INFO_AUTHOR, INFO_AUTHOR_LINE, INFO_FIELD_AND_DATE, INFO_LINE, INFO_SOURCE, block_lines, collapse as _collapse,
    drop_keeping_tail as _drop_keeping_tail, has_text, html_blanks, line as _line, parse, text as _text,
)

__all__ = [
    "FounderArticle", "FounderPage", "FounderSelectors", "ImageRef", "PageLink", "as_declared", "closing_byline", "closing_source", "decode_html",
]


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a fetched file: BOM, then the HTTP charset, then the <meta> charset, unless the
    bytes contradict the declared charset (see as_declared).

    w3lib reads GB2312 and GBK as GB18030, their superset: these sites declare gb2312 and use
    characters outside it (镕, 㑇).
    """
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_utf8_or_gb18030)
    return as_declared(body, encoding, text)


def as_declared(body: bytes, encoding: str, text: str) -> str:
    """``text``, ``body`` decoded as ``encoding``, or the body's other reading where the bytes
    prove the declared charset wrong, as a server's ``charset=utf-8`` over GBK files, or a
    template's gb2312 <meta> over files saved as UTF-8, do: the text would be mojibake, stored
    without a word of warning.

    Bytes read as UTF-8 with many replaced characters (GBK's Chinese is no UTF-8; a stray bad
    byte in a UTF-8 page is not many) are GB18030 if they decode as such; bytes read as GB18030
    that are valid UTF-8 and not ASCII are UTF-8 (Chinese text in GBK is next to never valid
    UTF-8). Cheap where the declaration is right: a search for U+FFFD in the text, or a UTF-8
    decoding that fails at the file's first Chinese character. A file declared in any other
    charset (Big5, Latin-1) is UTF-8 or GB18030 where only that reading is Chinese
    (_chinese_reading).
    """
    if encoding == "utf-8":
        if "\ufffd" not in text or text.count("\ufffd") * 100 < len(text) or body.startswith(codecs.BOM_UTF8):
            return text
        try:
            return _gb18030_2022(body.decode("gb18030"))
        except UnicodeDecodeError:
            return text
    if encoding == "gb18030":
        if body.isascii():
            return text
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return _gb18030_2022(text)
    if body.isascii():
        return text
    return _chinese_reading(body, text)


def _chinese_reading(body: bytes, text: str) -> str:
    """``text`` (``body`` read in another charset than UTF-8 or GB18030, as declared), or the
    body read as UTF-8 or GB18030 where that reads as Chinese and the declared charset's text
    does not: a server's default ``charset=iso-8859-1`` over GBK files, or a template's big5
    <meta> over GBK bytes, turned every article into Latin letters or strings of unrelated
    traditional characters, stored without a warning. A file that is right to say Big5 or
    Latin-1 reads as neither: Big5 bytes read as GBK are mostly kana and rare characters.
    """
    declared = _chinese_share(text)
    if declared >= _CHINESE:
        return text
    for encoding in ("utf-8", "gb18030"):
        try:
            other = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            other = _gb18030_2022(other)
        share = _chinese_share(other, at_least=_CHINESE_SAMPLE)
        if share >= _CHINESE and share - declared >= _CHINESE_LEAD:
            return other
    return text


# Of a Chinese paper's characters other than ASCII, nearly all (98 to 99 % in the fixtures,
# simplified or traditional) are common Chinese characters or full-width punctuation; GBK bytes
# read as Big5 give half of it or less, read as Latin-1 none, and Big5 bytes read as GBK a
# third. A reading is taken over the declared one only well above it, and over enough text.
_CHINESE, _CHINESE_LEAD, _CHINESE_SAMPLE, _CHINESE_READ = 0.9, 0.3, 16, 4000
_WIDE_PUNCTUATION = re.compile("[\u3000-\u303f\uff00-\uffef]")


@lru_cache(maxsize=1)
def _common_chinese() -> frozenset[str]:
    """The 3755 commonest simplified characters (GB2312's first level) and the 5401 commonest
    traditional ones (Big5's frequently used characters)."""
    found = set()
    for lead in range(0xB0, 0xD8):
        found.update(bytes((lead, trail)).decode("gb2312", "ignore") for trail in range(0xA1, 0xFF))
    for lead in range(0xA4, 0xC7):
        trails = range(0x40, 0x7F) if lead == 0xC6 else itertools.chain(range(0x40, 0x7F), range(0xA1, 0xFF))
        found.update(bytes((lead, trail)).decode("big5", "ignore") for trail in trails)
    found.discard("")
    return frozenset(found)


def _chinese_share(text: str, at_least: int = 1) -> float:
    """The share of ``text``'s characters other than ASCII and blanks that are common Chinese
    characters or full-width punctuation, of the first _CHINESE_READ of them (a file's header
    says as much as its article); 0 where there are fewer than ``at_least`` of them."""
    common = _common_chinese()
    counted = shown = 0
    for char in text:
        if char < "\x80" or char.isspace():
            continue
        counted += 1
        shown += char in common or bool(_WIDE_PUNCTUATION.match(char))
        if counted == _CHINESE_READ:
            break
    return shown / counted if counted >= at_least else 0.0


# Python's GB18030 codec follows GB 18030-2005, which still maps 24 characters to the
# private-use area: stored so, they show as blanks or tofu and no search finds them. GB
# 18030-2022 (and glibc's iconv) map them to their Unicode characters: ten vertical
# punctuation marks, eight CJK ideographs and six of Extension B.
_GB18030_2022 = str.maketrans({
    0xE78D: 0xFE10, 0xE78E: 0xFE12, 0xE78F: 0xFE11, 0xE790: 0xFE13, 0xE791: 0xFE14, 0xE792: 0xFE15,
    0xE793: 0xFE16, 0xE794: 0xFE17, 0xE795: 0xFE18, 0xE796: 0xFE19,
    0xE81E: 0x9FB4, 0xE826: 0x9FB5, 0xE82B: 0x9FB6, 0xE82C: 0x9FB7, 0xE832: 0x9FB8, 0xE843: 0x9FB9,
    0xE854: 0x9FBA, 0xE864: 0x9FBB,
    0xE816: 0x20087, 0xE817: 0x20089, 0xE818: 0x200CC, 0xE831: 0x215D7, 0xE83B: 0x2298F, 0xE855: 0x241FE,
})
_GB18030_2005_PUA = re.compile("[\ue78d-\ue796\ue816-\ue864]")


def _gb18030_2022(text: str) -> str:
    """GB18030-decoded ``text`` as GB 18030-2022 reads it (above)."""
    return text.translate(_GB18030_2022) if _GB18030_2005_PUA.search(text) else text


def _utf8_or_gb18030(body: bytes) -> str:
    # A page that declares nothing is UTF-8 or GBK here; w3lib's fallback (UTF-8) would garble GBK.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


_PDF_LINK = "//a[contains(translate(@href, 'PDF', 'pdf'), '.pdf')]"


@dataclass(frozen=True)
class FounderSelectors:
    """Where the template keeps each field: XPath if the value starts with "/" or "(", else CSS.

    Sites write the map name both as PagePicMap and pagepicmap, and XPath 1.0 has no
    lower-case(), hence the translate() calls.
    """

    page_links: str = "a#pageLink"
    title_links: str = "ul.ul02_l li a"
    hot_zones: str = "//map[translate(@name, 'PAGEICM', 'pageicm') = 'pagepicmap']//area"
    page_image: str = "//img[translate(@usemap, 'PAGEICM', 'pageicm') = '#pagepicmap']"
    # Candidates only: the first whose text reads 第NN版 is the label. Cells holding links are
    # the page list, not this page's label. A union of name tests, and the text (the string
    # value of a whole subtree) read last: a third of the time of //*[self::td or ...].
    page_label: str = "(//td | //div | //span | //p)[not(.//a or .//td or .//div)][contains(., '版')]"
    issue_date: str = "span.paperdate, p.rq"
    pdf_links: str = _PDF_LINK
    # 引题, 主标题, 副题, 作者 in this order; an empty row is still a row. valign's value in any
    # case, as a browser matches it (old layouts write <TR VALIGN=TOP>).
    title_rows: str = (
        "//table[@class][contains(concat(' ', normalize-space(@class), ' '), ' wz ')]"
        "//tr[@valign][translate(@valign, 'TOP', 'top') = 'top']"
    )
    # div.text_c's headings, or its headings in a <div> of their own (some papers wrap the
    # block, or each row, so); no deeper: the article's body may sit in div.text_c too (in
    # #ozoom or a <div> around it), subheadings and all.
    pretitle: str = "p#PreTitle, div.text_c > h3, div.text_c > div:not(#ozoom) > h3"
    title: str = "td.font01, h3#Title, div.text_c > h1, div.text_c > div:not(#ozoom) > h1"
    subtitle: str = "td.font02, p#SubTitle, div.text_c > h2, div.text_c > div:not(#ozoom) > h2"
    byline: str = "div.text_c > h4, div.text_c > div:not(#ozoom) > h4"
    body: str = "#ozoom founder-content"
    body_container: str = "#ozoom"
    pictures: str = "table#newspic tr"
    # Where an article file's own part begins: the first element of one of these simple
    # selectors (tag.class, .class, tag#id, #id), "" for nowhere. An article file opens with the
    # issue's header, page list and title list, four fifths of its markup; the article's fields
    # (ARTICLE_FIELDS) are read from the part that begins there, parsed alone, when that part
    # holds the body, and from the whole file otherwise. A profile that moves an article field
    # and not this reads the whole file.
    article_start: str = "table.wz, div.text_c, #PreTitle, #Title"

    @classmethod
    def with_overrides(cls, overrides: dict[str, str]) -> FounderSelectors:
        """Defaults with a paper profile's overrides; a bad name or selector fails here, not mid-crawl."""
        known = {f.name for f in fields(cls)}
        probe = parse("<html></html>")
        for name, query in overrides.items():
            if name not in known:
                raise ValueError(f"unknown Founder selector {name!r} (known: {', '.join(sorted(known))})")
            if name == "article_start" and isinstance(query, str):
                _openings(query)
                continue
            if not isinstance(query, str) or not query.strip():
                raise ValueError(f"Founder selector {name!r} must be a non-empty string")
            try:
                _select(probe, query)
            except (ValueError, SelectorError) as exc:
                raise ValueError(f"Founder selector {name!r} is invalid: {exc}") from None
        if "article_start" not in overrides and ARTICLE_FIELDS.intersection(overrides):
            overrides = {**overrides, "article_start": ""}
        return replace(cls(), **overrides)


# The fields an article file's own part holds (FounderSelectors.article_start).
ARTICLE_FIELDS = frozenset(("title_rows", "pretitle", "title", "subtitle", "byline", "body", "body_container", "pictures"))


_SIMPLE_SELECTOR = re.compile(r"([a-zA-Z][\w-]*)?(?:\.([\w-]+)|#([\w-]+))")


@lru_cache(maxsize=64)
def _openings(selectors: str) -> tuple[tuple[str, re.Pattern], ...]:
    """For each simple selector of ``selectors``: its class or id, and the opening tag of an
    element it selects, the tag beginning where the pattern is matched."""
    found = []
    for part in filter(None, (part.strip() for part in selectors.split(","))):
        simple = _SIMPLE_SELECTOR.fullmatch(part)
        if simple is None:
            raise ValueError(f"Founder article_start {part!r} is no tag.class, .class, tag#id or #id")
        tag, class_name, element_id = simple.groups()
        name = re.escape(tag) if tag else r"[a-z][^\s>/]*"
        value = r"""class\s*=\s*["']?(?:[^"'>]*\s)?""" if class_name else r"""id\s*=\s*["']?"""
        found.append((class_name or element_id, re.compile(
            rf"<{name}\s[^>]*?\b{value}{re.escape(class_name or element_id)}(?![\w-])", re.I
        )))
    return tuple(found)


def _opening(html: str, selectors: str) -> int | None:
    """Where the first element of ``selectors`` (simple ones) begins in ``html``, if anywhere.

    Each class or id is looked for as a plain string, then the tag around it is checked: a
    regular expression searched over the whole file costs a hundred times as much."""
    first = None
    for name, tag in _openings(selectors):
        # Only before the first start found so far: an element's tag ends before the next begins.
        at = html.find(name, 0, first)
        while at != -1:
            opening = html.rfind("<", 0, at)
            if (opening != -1 and html.find(">", opening, at) == -1 and tag.match(html, opening)
                    and not _in_script(html, opening) and not _in_comment(html, opening)):
                first = opening
                break
            at = html.find(name, at + 1, first)
    return first


# The last <script> or </script> tag up to where the match ends, its name in any capitals
# (<ScRiPt>): a pattern's greedy run backs off from the end of the text, the one way to search
# backwards (docs/performance.md: a few µs more than plain searches for three spellings, which missed the others).
_LAST_SCRIPT_TAG = re.compile(r"(?s:.*)<(/?)(?i:script)\b")


def _in_script(html: str, at: int) -> bool:
    """Whether ``at`` is in a <script>'s text: a tag a script writes (a print button's page)
    is a string of it, no element. Only the last script tag before ``at`` is looked at."""
    return (tag := _LAST_SCRIPT_TAG.match(html, 0, at)) is not None and not tag[1]


def _in_comment(html: str, at: int) -> bool:
    """Whether ``at`` is in an HTML comment (an old title block a site left commented out). A
    "<!--" in a script's string opens none."""
    start = html.rfind("<!--", 0, at)
    return start != -1 and html.find("-->", start, at) == -1 and not _in_script(html, start)


@dataclass(frozen=True)
class PageLink:
    url: str
    page_number: int | None
    label: str
    section: str


@dataclass(frozen=True)
class ImageRef:
    url: str
    caption: str


# 第07版, or in a lettered section 第A01版 (crawler.pagenumbers).
_LABEL = re.compile(LABEL_CODE.pattern + r"[：:\s]*(.*)")
_LABEL_COLON = re.compile(r"\s*([：:])\s*")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
# Case ignored in the names only: a pattern ignoring case throughout is searched for twice as slowly.
_ENPPROPERTY = re.compile(r"<!--\s*(?i:enpproperty)(.*?)(?i:/enpproperty)\s*-->", re.S)
_ENP_FIELD = re.compile(r"<([\w-]+)>(.*?)</\1>", re.S)
_ARTICLE_FILE = re.compile(r"content_(\d+(?:_\d+)?)\.html?$")
_NODE_FILE = re.compile(r"/node_\d+(\.\w+)$")
_WRITTEN_TITLE = re.compile(r"""view\(\s*(["'])((?:\\.|(?!\1).)*)\1\s*\)""", re.S)
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_JS_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
# A closing source note: a bracketed note that ends the line, standing alone or after the end of a
# sentence (……发展。（据民政部官网）), or a line of its own labelled 来源：, 本文来源: and the like.
# A bracket inside a sentence (……2.9万个（据民政部统计）) is no note, nor a 据 that begins a
# clause (据统计, 据了解: according to figures, to what was learnt), nor an unbracketed line
# beginning with 据 (a sentence), nor a picture credit (图片来源：…).
_BRACKETED_NOTE = re.compile(r"(?:^|(?<=[。！？；…!?;.”’」』]))\s*[(（【〔]\s*([^()（）【】〔〕]+?)\s*[)）】〕]\s*$")
_NOTE_CLOSERS = (")", "）", "】", "〕")  # the brackets _BRACKETED_NOTE's note closes with
_LABELLED_LINE = re.compile(r"([^。！？()（）【】〔〕]{3,48}?)[。.]?")
_SOURCE_LABEL = (
    r"(?:本文|文章|稿件|信息|新[闻聞])?(?:[来來]源|稿源)\s*[:：︰﹕]\s*\S"
    r"|(?:[转轉](?:[载載])?|摘(?:[编編])?|[选選])自\s*[:：︰﹕]?\s*\S"
)
_SOURCE_BY = (
    r"[据據](?!(?:不完全|初步|粗略|最新|有[关關]|相[关關])?(?:[统統][计計]|了解|瞭解|介[绍紹]|悉|[报報][道导導]|[调調]查"
    r"|[测測]算|估[计計算]|研究|分析|[预預][测測]|[称稱]|[说說]|查|[显顯]示|透露|反映|[记記][载載]|[观觀]察|推算|核[实實]|此))"
)
_SOURCE_NOTE, _SOURCE_LINE = re.compile(f"{_SOURCE_BY}|{_SOURCE_LABEL}"), re.compile(_SOURCE_LABEL)
# The marks papers set before a byline (■ 本报记者 皮磊, ◎ 本报记者 …): no part of the names.
_BYLINE_MARKS = "■□◆◇●○◎▲△★☆▶►"
_LEADING_MARKS = re.compile(rf"^[{_BYLINE_MARKS}\s]+")
# A name with a middle dot (a transliterated one, 阿不都·热合曼; ·, •, ・ or ‧ as papers print it)
# is one word of two to four parts of Chinese characters, each up to eight: a transliteration is
# longer than a Chinese name, so it is read whole wherever names are counted (a lead line, a
# closing byline).
_MIDDLE_DOTS = "·•・‧"
_DOTTED_NAME = rf"[{HAN}]{{1,8}}(?:[{_MIDDLE_DOTS}][{HAN}]{{1,8}}){{1,3}}"
# So is a word of Latin letters (记者 Johnson): no Chinese name, and no phrase of a heading's. It
# ends where a Chinese name may: at a blank, punctuation or a slash (文/Maximilian/图/李四).
_LATIN_NAME = r"[A-Za-z][A-Za-z'’.\-]{0,23}(?![^\s，。,；;：:、()（）/／])"
_LONG_NAME = rf"(?:{_DOTTED_NAME}|{_LATIN_NAME})"
# Names are parted by blanks, or by a slash, blanks beside it or not (本报记者 张三/李四, 文/张三 / 李四,
# stored without them: _stored_names): no word holds a slash, so a Latin or dotted name is parted
# from the next as a Chinese one is. The writer's credit is parted from the photographer's alike.
# A list's 、 or a comma parts names too (本报记者 张三、李四 and 本报记者 张三，李四 alike), stored as
# printed.
_NAMES_APART = r"(?:\s*[/／、，,]\s*|\s+)"
_ROLE_NAME = r"(?:记者|記者|通讯员|通訊員|实习生|實習生)"
_ROLE = rf"(?:本[报報刊台][^\s，。,；;：:、()（）]{{0,4}}?)?(?:特[约約])?{_ROLE_NAME}"
# A lead line such as "■ 本报记者 皮磊" (记者 皮磊, 实习生 张三, 本报 or not): short (thirty characters after the
# role, a dotted name counting as one), and no sentence punctuation but a comma between names
# (本报记者 张三，李四); or the same run in before the first paragraph's
# text, after an indent's gap (■本报记者 皮磊　　近日，……), where it is names of a few characters
# each (本报记者走访了儿童之家　　… is a sentence). A dotted name is taken whole (?>): a line that
# is no byline is not tried again with its characters counted one by one, as many ways as it has.
# The line alone ends before such a gap but where another role's names follow it
# (本报记者 张三　　通讯员 李四): else what follows is the text run in, though no comma or full stop
# may come within thirty characters (……, ！). Run in, such a gap before another role's names
# parts the roles, not the byline from the text (本报记者 张三　　通讯员 李四　　近日，……). A
# photographer's credit after the names (本报记者 张三/图/李四) is no part of the byline
# (_PICTURES_AFTER). Either way the names are people's (_personal_names): 本报记者 深入一线　　……
# is a heading's phrase run in.
_BYLINE = re.compile(
    rf"^[{_BYLINE_MARKS}\s]*((?:本[报報][^，。,；（(]{{0,4}}?)?{_ROLE_NAME}"
    rf"(?>{_DOTTED_NAME}|[，,](?=\s*[{HAN}])|(?!\u3000{{2,}}(?!{_ROLE})\S)[^，。,；]){{1,30}})$")
_LEAD_NAME_WORD = rf"(?:{_LONG_NAME}|[^\s，。,；/／]{{1,5}})"
_LEAD_NAMES = rf"{_LEAD_NAME_WORD}(?:{_NAMES_APART}{_LEAD_NAME_WORD}){{0,5}}?"
_RUN_IN_BYLINE = re.compile(
    rf"^[{_BYLINE_MARKS}\s]*((?:本[报報][^，。,；（(\s]{{0,4}}?)?{_ROLE_NAME}\s*{_LEAD_NAMES}"
    rf"(?:\u3000{{2,}}{_ROLE}\s*{_LEAD_NAMES}){{0,2}})"
    r"\u3000{2,}(?=\S)"
)
# A dateline that names the reporters in brackets: 本报讯（记者 皮磊）, 本报北京1月31日电（记者 皮磊）.
_DATELINE_BYLINE = re.compile(
    rf"^[{_BYLINE_MARKS}\s]*(?:本[报報]|新[华華]社|中新社)[^，。,；（(]{{0,16}}?[讯訊电電]\s*[(（]"
    r"([^()（）]*?(?:记者|記者|通讯员|通訊員|实习生|實習生)[^()（）]*?)\s*[)）]"
)
# A byline printed at the end of the text (its last lines, as a source note is read): a reporter's
# or correspondent's names in brackets closing the text or its last sentence (（本报记者 张三 整理）,
# （记者 张三 通讯员 李四）), or alone on the text's last line, or a 文/ line (文/本报记者 张三,
# 文/张三; 文/图 张三 credits the pictures too, and is the same names), a mark before any of them
# (■ 本报记者 张三) as before a lead line. Names of a few characters each, no sentence: a 据 note
# names no role, and a photo credit (…摄, 图/…) is no byline, nor part of one: 文/张三 图/李四 names
# the writer, 张三 (no word of the names begins with a credit's label, _CREDIT_LABEL). A slash may
# part the two credits, blanks around it or not (文/ 张三 / 图/ 李四, 文/张三/图/李四): no word holds
# one, so it is no part of the names. A name with a middle dot (_DOTTED_NAME) or in Latin letters
# is one word of the names. A middle dot after the role parts it from the names as a blank does
# (记者·张三, 通讯员 · 李四), and is stored as one (_stored_names).
_PICTURES_LABEL = r"(?:[图圖]片?|[摄攝]影?)\s*[/／:：]"
_CREDIT_LABEL = rf"(?:文\s*[/／:：]|{_PICTURES_LABEL})"
_NAME_WORD = rf"(?!{_CREDIT_LABEL})(?:{_LONG_NAME}|[^\s，。,；;：:、()（）/／]{{1,5}})"
_NAMES = rf"{_NAME_WORD}(?:{_NAMES_APART}{_NAME_WORD}){{0,7}}"
_ROLE_DOT = re.compile(rf"({_ROLE_NAME})\s*[{_MIDDLE_DOTS}]\s*")
# The photographer's credit after the writer's names (…张三 图/李四), or before their 文/.
_PICTURES_BY = rf"{_PICTURES_LABEL}\s*{_NAMES}"
_REPORTERS = re.compile(rf"({_ROLE}\s*{_NAMES})(?:{_NAMES_APART}{_PICTURES_BY})?")
# The names are judged (_personal_names), in brackets or not: run into the role (本报记者张三), only
# a name a surname opens is one, so 记者节快乐 closing the text is no byline.
_REPORTERS_ALONE = re.compile(rf"({_ROLE}\s*(?:[{_MIDDLE_DOTS}]\s*)?{_NAMES})(?:{_NAMES_APART}{_PICTURES_BY})?")
# The photographer's credit a lead line's names end with, cut from the byline.
_PICTURES_AFTER = re.compile(rf"{_NAMES_APART}{_PICTURES_BY}$")
_SLASH_BLANKS = re.compile(r"\s*([/／])\s*")
# The 图 of 文/图 is taken whole (?+): 文/图 alone names no one called 图. A middle dot after the
# label is a stray one, set as after a role (文/·张三 names 张三).
_WRITTEN_BY = re.compile(
    rf"(?:{_PICTURES_BY}{_NAMES_APART})?(?:文\s*[/／:：]\s*(?:[图圖]\s*[/／:：]?)?+|[图圖]\s*[/／]\s*文\s*[/／:：]?)"
    rf"\s*(?:[{_MIDDLE_DOTS}]\s*)?({_ROLE}\s*{_NAMES}|{_NAMES})(?:{_NAMES_APART}{_PICTURES_BY})?")
_WRITTEN_BY_MARKS = ("文", "图", "圖", "摄", "攝")
_PHOTO_CREDIT = re.compile(r"(?:[摄攝](?:影)?|供[图圖])$")

# A page lists each article twice (title list, hot zones) and every file of an issue lists its
# pages: URLs repeat, and joining them is a good part of reading a page. They are joined to the
# file's directory (see _FounderFile._directory), which an issue's files share.
_join = lru_cache(maxsize=4096)(urljoin)


def is_web_address(url: str | None) -> bool:
    """Whether ``url`` is an http:// or https:// address, its scheme read at its very start as
    a browser reads it: java<TAB>script: and a control character before javascript: are others."""
    return bool(url) and url[:8].lower().startswith(("http://", "https://"))


def _directory(url: str) -> str:
    """``url`` up to the last "/" of its path, without query or fragment: what a reference with a
    path of its own is resolved against (RFC 3986, 5.2.2-5.2.3; urljoin drops the last segment
    too), so that ``urljoin(_directory(url), href) == urljoin(url, href)`` for such a reference.
    (urlsplit caches its answers: telling whether a reference has a path costs a lookup.)"""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path[: parts.path.rfind("/") + 1], "", ""))


@lru_cache(maxsize=4096)
def _canonical_article_url(url: str) -> str | None:
    url = urlsplit(url)._replace(query="", fragment="").geturl()
    return url if _ARTICLE_FILE.search(url) else None


class _DocumentTranslator(HTMLTranslator):
    """CSS to XPath for queries over a whole document; ``#id tag`` read right to left.

    parsel reads ``#ozoom founder-content`` left to right: every element of the file is tested
    for the id, then the match's subtree is walked (~30 µs an article file). Read as a browser
    reads it, ``founder-content[ancestor::*[@id='ozoom']]``, only the founder-content
    elements look up (~8 µs). From a document's root element, where every element's ancestors
    are in the document, both name the same elements (XPath returns them in document order
    either way). Only a left step without an element name and a right step with one gain: the
    other way round (``table#newspic tr``), the name test on the left is the cheaper filter.
    Sibling combinators, and steps that count positions (``:scope``), keep parsel's translation.
    """

    def _right_to_left(self, axis: str, left, right):
        if left.path or right.path or left.element != "*" or right.element == "*":
            return None
        if "position()" in f"{left.condition} {right.condition}":
            return None
        return right.add_condition(f"{axis}::{left}")

    def xpath_descendant_combinator(self, left, right):
        return self._right_to_left("ancestor", left, right) or super().xpath_descendant_combinator(left, right)

    def xpath_child_combinator(self, left, right):
        return self._right_to_left("parent", left, right) or super().xpath_child_combinator(left, right)


_DOCUMENT_CSS = _DocumentTranslator()
_CSS = HTMLTranslator()


@lru_cache(maxsize=512)
def _compiled(xpath: str) -> etree.XPath:
    """An XPath compiled once: parsel's xpath() compiles its query for every call (a third of a
    simple query's time). Plain strings, as parsel's (no link back to their element)."""
    try:
        return etree.XPath(xpath, smart_strings=False)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {xpath}") from None


def _query(node: etree._Element, xpath: str) -> list:
    """What parsel's ``xpath()`` finds from ``node``, through the compiled query, unwrapped:
    elements, and strings for text and attributes (parsel would wrap each in a Selector)."""
    try:
        found = _compiled(xpath)(node)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {xpath}") from None
    return found if isinstance(found, list) else [found]  # else a number, string or boolean


def _select(document: etree._Element, query: str) -> list:
    """A selector's matches in a document; ``document`` must be its root element (see above)."""
    return _query(document, query if query.startswith(("/", "(")) else _DOCUMENT_CSS.css_to_xpath(query))


def _css(node: etree._Element, query: str) -> list:
    """parsel's ``css(query)`` from ``node`` (its translation, relative to ``node``), through the compiled query."""
    return _query(node, _CSS.css_to_xpath(query))


def _attribute(node, name: str) -> str | None:
    """An attribute of a match, as parsel's ``attrib.get(name)``: None where the match is no
    element (a text or an attribute that a paper's selector asked for)."""
    return node.get(name) if isinstance(node, etree._Element) else None


def _ancestors(node, tag: str) -> Iterator[etree._Element]:
    """The ancestors named ``tag`` of a match, nearest first; none for a text or an attribute."""
    return node.iterancestors(tag) if isinstance(node, etree._Element) else iter(())


def _first_attribute(found: list, name: str) -> str | None:
    """An attribute of the first match, as parsel's ``SelectorList.attrib.get(name)``."""
    return _attribute(found[0], name) if found else None


class _Label(NamedTuple):
    text: str
    page_number: int | None
    section: str


# Every file of an issue lists the same page labels: each is read once.
@lru_cache(maxsize=1024)
def _parse_label(text: str) -> _Label:
    """A page label such as 第07版：社會工作, which may wrap around the colon."""
    label = _LABEL_COLON.sub(r"\1", _collapse(text))
    match = _LABEL.match(label)
    if not match:
        return _Label(label, None, label)
    return _Label(label, number_of(match[1], match[2]), match[3].strip())


def _date(text: str, pattern: re.Pattern) -> date | None:
    match = pattern.search(text)
    try:
        return date(*map(int, match.groups())) if match else None
    except ValueError:
        return None


class _FounderFile:
    """What page and article files share: header, date line, page label and metadata comment."""

    def __init__(self, html: str, url: str, selectors: FounderSelectors | None = None):
        self.html = html
        self.url = url
        self.selectors = selectors or FounderSelectors()
        self._found: dict[str, list] = {}

    @cached_property
    def _root(self) -> etree._Element:
        return parse(self.html)

    def _document(self, field: str) -> etree._Element:
        """The tree a field is read from."""
        return self._root

    def _all(self, field: str) -> list:
        # Several fields read one list (the page list, the title list): each query runs once.
        if (found := self._found.get(field)) is None:
            found = self._found[field] = _select(self._document(field), getattr(self.selectors, field))
        return found

    @cached_property
    def _directory(self) -> str:
        return _directory(self.url)

    def _absolute(self, href: str | None) -> str | None:
        """The web address ``href`` names, or None: a javascript:, mailto: or data: link is no
        file of the paper's (also written java<TAB>script:, which URL parsing reads as
        javascript:); a request for one raised in the spider, and the rest of its page was lost."""
        href = (href or "").strip()
        if not href or href.startswith("#"):
            return None
        # A reference without a path of its own (?div=0) is resolved against the file's.
        url = _join(self._directory if urlsplit(href).path else self.url, href)
        return url if is_web_address(url) else None

    def _article_url(self, href: str | None) -> str | None:
        """Canonical article URL: ?div=-1 and ?div=0 name the same article, so the query goes."""
        url = self._absolute(href)
        return None if url is None else _canonical_article_url(url)

    @cached_property
    def metadata(self) -> dict[str, str]:
        """Fields of the <!--enpproperty ... /enpproperty--> comment(s); the first value wins.

        Inside a comment the parser reads no markup: the CMS's character references
        (&nbsp;, &quot;, &amp;) are read here, or a title from the comment kept "&nbsp;"."""
        found: dict[str, str] = {}
        for block in _ENPPROPERTY.findall(self.html):
            for name, value in _ENP_FIELD.findall(block):
                found.setdefault(name, unescape(value).strip())
        return found

    @cached_property
    def issue_date(self) -> date | None:
        """The date line's date, 2023年1月31日 or (some papers) 2023-01-31, else the metadata's.
        A date line read only in Chinese left a paper that writes it in figures and has no
        metadata comment with no date: another issue's file served in a page's place was stored."""
        for line in self._all("issue_date"):
            text = _text(line)
            if day := _date(text, _CN_DATE) or _date(text, _ISO_DATE):
                return day
        return _date(self.metadata.get("founder-date") or self.metadata.get("date", ""), _ISO_DATE)

    @cached_property
    def page_links(self) -> list[PageLink]:
        """Every page of the issue from the page list (every file of an issue
        has it), in order; the header menu may repeat it."""
        links: dict[str, PageLink] = {}
        for anchor in self._all("page_links"):
            url = self._absolute(_attribute(anchor, "href"))
            if url and url not in links:
                label = _parse_label(_text(anchor))
                links[url] = PageLink(url, label.page_number, label.text, label.section)
        return list(links.values())

    @cached_property
    def _label(self) -> _Label | None:
        """The label of the page this file belongs to, printed next to the page picture."""
        labels = (_parse_label(_text(candidate)) for candidate in self._all("page_label"))
        return next((label for label in labels if label.page_number is not None), None)


class FounderPage(_FounderFile):
    """A page (版) file, node_N.htm. N is a node id, not the page number: labels tell the number."""

    @cached_property
    def _own_label(self) -> _Label:
        """The printed label, else this page's entry in the page list."""
        if self._label:
            return self._label
        own = next((link for link in self.page_links if link.url == self.url), None)
        return _Label(own.label, own.page_number, own.section) if own else _Label("", None, "")

    @property
    def page_label(self) -> str:
        return self._own_label.text

    @property
    def section(self) -> str:
        return self._own_label.section

    @cached_property
    def page_number(self) -> int | None:
        if self._own_label.page_number is not None:
            return self._own_label.page_number
        return page_number(self.metadata.get("founder-pagenum", ""))

    @cached_property
    def pdf_url(self) -> str | None:
        """This page's row of the page list names its PDF unambiguously; else the first PDF link.

        The row's PDF link is one of pdf_links: a paper whose PDF links the default does not
        find (pdf.asp?p=02, no ".pdf") found none in the row, and every page had page 1's PDF."""
        links = self._all("pdf_links")
        for anchor in self._all("page_links"):
            if self._absolute(_attribute(anchor, "href")) == self.url:
                row = next(_ancestors(anchor, "tr"), None)
                in_row = (link for link in links if row is not None and row in _ancestors(link, "tr"))
                if href := _attribute(next(in_row, None), "href"):
                    return self._absolute(href)
        return self._absolute(_first_attribute(links, "href"))

    @cached_property
    def image_url(self) -> str | None:
        return self._absolute(_first_attribute(self._all("page_image"), "src"))

    @cached_property
    def article_links(self) -> list[str]:
        """Canonical article URLs: the title list first, then hot zones of articles it lacks."""
        anchors = [*self._all("title_links"), *self._all("hot_zones")]
        urls = (self._article_url(_attribute(anchor, "href")) for anchor in anchors)
        return list(dict.fromkeys(url for url in urls if url))

    @cached_property
    def truncated(self) -> str:
        """How the file shows it was cut short, else "": it ends before its </body> and </html>.
        Fetched while the site was writing it (HTTP 200, a Content-Length that matches), it
        lacked the rest of its title list and hot zones, and the page was stored as complete
        with fewer articles, the others never asked for. Either end will do (a paper's template
        may leave one out), in either case; looked for from the end, where they are (after
        them, only the metadata comment or a spam kit's links)."""
        if any(self.html.rfind(end) != -1 for end in _DOCUMENT_ENDS):
            return ""
        return "the file ends before its </body> and </html>"

    @cached_property
    def not_found(self) -> str:
        """The message of the site's error page served in this page's place with HTTP 200, else
        "": asked only of a file without page list, article links or page number."""
        if self.page_links or self.article_links or self.page_number is not None:
            return ""
        return not_found(self._root)

    @cached_property
    def titles(self) -> dict[str, str]:
        titles: dict[str, str] = {}
        anchors = self._all("title_links")
        # As a reader sees them, what CSS hides in a link left out (hiding.shown); the page's
        # <style> rules read only where a link holds elements (most hold their text alone).
        sheet = style_sheet(self._root) if any(isinstance(a, etree._Element) and len(a) for a in anchors) else None
        for anchor in anchors:
            url = self._article_url(_attribute(anchor, "href"))
            title = _text(shown(anchor, sheet)) or _written_title(anchor)
            if url and title:
                titles.setdefault(url, title)
        return titles


def _written_title(anchor: etree._Element) -> str:
    """The title some papers print with document.write(view("...")), so it is no text node; as
    the browser shows it: a JavaScript string (\\" and \\u escapes) of HTML (&amp;, &quot;, <br>).
    Read as written, the title stored kept the backslashes and the references."""
    match = _WRITTEN_TITLE.search(" ".join(_css(anchor, "script::text")))
    if not match:
        return ""
    written = _JS_ESCAPE.sub(lambda escape: _JS_ESCAPES.get(escape[1], escape[1]) if len(escape[1]) == 1
                             else chr(int(escape[1][1:], 16)), match[2])
    return _line(parse(f"<div>{written}</div>"))


# What only a whole page file holds, near its end.
_DOCUMENT_ENDS = ("</html", "</HTML", "</body", "</BODY", "</Html", "</Body")
# The comments around a Founder article's text (within founder-content).
_BODY_START, _BODY_END = "<!--<npm:article-content>-->", "<!--</npm:article-content>-->"
_TITLE_FIELDS = ("pretitle", "title", "subtitle", "byline")
_METADATA_FIELDS = {"pretitle": "introtitle", "title": "title", "subtitle": "subtitle", "byline": "author"}


def _take_out(region: etree._Element, found: list) -> None:
    """The elements of ``found`` inside ``region`` out of it, the text after each left in place."""
    for node in found:
        if isinstance(node, etree._Element) and region in node.iterancestors():
            _drop_keeping_tail(node)


def _texts(region: etree._Element, last: bool) -> Iterator[tuple[etree._Element, str]]:
    """The texts in ``region`` (an element's text, a child's tail) with the element that holds
    each, in the order of the file, or last first (``last``: a source note is read near the
    end). Without recursion (an old page nests its unclosed <font>s a thousand deep); a
    comment's text is none."""
    if not last:
        yield region, region.text or ""
    parents, child = [region], (region[-1] if last else region[0]) if len(region) else None
    while child is not None:
        element = isinstance(child.tag, str)
        if last:
            yield parents[-1], child.tail or ""
        elif element:
            yield child, child.text or ""
        if element and len(child):
            parents.append(child)
            child = child[-1] if last else child[0]
            continue
        while True:  # ``child`` read: its text (its tail), then its next sibling, else its parent
            if last and isinstance(child.tag, str):
                yield child, child.text or ""
            elif not last:
                yield parents[-1], child.tail or ""
            if (sibling := child.getprevious() if last else child.getnext()) is not None:
                child = sibling
                break
            child = parents.pop()
            if not parents:
                if last:
                    yield region, region.text or ""
                return


# The texts (an element's text, a child's tail) a byline or a source note is looked for in, from
# the region's first (its last): the lines around it hold a few each.
_NEAR_END = 16

# Lines a kit may set, hidden, before an article's lead byline (久久综合网 in a hidden <P>).
_HIDDEN_BEFORE_BYLINE = 3


def _lead_byline(line: str, people_only: bool = True) -> str:
    """The byline a lead line gives (■ 本报记者 皮磊, run in before the first paragraph's text,
    or a dateline's 本报讯（记者 皮磊）), or "". Its names are people's only (_personal_names), as a
    closing byline's are, a dateline's in brackets too: the brackets tell no name from a phrase."""
    if not line:
        return ""
    if lead := _BYLINE.match(line) or _RUN_IN_BYLINE.match(line):
        judged = people_only
    elif lead := _DATELINE_BYLINE.match(line):
        judged = people_only
    else:
        return ""
    names = _stored_names(_PICTURES_AFTER.sub("", lead[1]))
    return "" if judged and not _personal_names(names) else names


def _stored_names(names: str) -> str:
    """A byline's names as stored: blanks collapsed, none beside a slash between names, and a
    middle dot after a role a blank (记者·张三 is 记者 张三), as a reader names them."""
    return _ROLE_DOT.sub(r"\1 ", _SLASH_BLANKS.sub(r"\1", _collapse(names)))


def closing_source(lines: Sequence[str]) -> str:
    """The source note of an article's text (its lines, in order), without brackets, or "":
    looked for near its end (_near_end), since junk may follow it. A 来源 line alone
    (来源：中国社会报) is the note only where it closes the text, as the cleaner reads a source and a
    date (clean.closes_text): one a paragraph of the text follows is the text's own."""
    for at in _near_end(lines):
        if note := _bracketed_note(lines[at]):
            return note
        if (note := _labelled_note(lines[at])) and _closes(lines, at):
            return note
    return ""


def closing_byline(lines: Sequence[str]) -> str:
    """The byline printed at the end of an article's text (its lines, in order: see _REPORTERS),
    without brackets or 文/, as a lead line's is stored, or "": looked for where a source note is
    (_near_end), over which it may stand. Names alone on a line, without brackets, are the byline
    only where the line closes the text but for source notes, and only where they are people's
    (_personal_names): over a paragraph of the text, or as a phrase, they may be a heading of it.
    Bracketed ones are people's only too: （记者 深入一线） names no one. A mark before the line (■, as before a lead line) is no part of it."""
    for at in _near_end(lines):
        line = _LEADING_MARKS.sub("", lines[at]).rstrip()
        if (line.endswith(_NOTE_CLOSERS) and (note := _BRACKETED_NOTE.search(line))
                and (credit := _REPORTERS.fullmatch(note[1]))):
            if not _personal_names(names := _stored_names(credit[1])):
                continue
        elif line.startswith(_WRITTEN_BY_MARKS) and (credit := _WRITTEN_BY.fullmatch(line)):
            names = _stored_names(credit[1])
        elif (credit := _REPORTERS_ALONE.fullmatch(line)) and _closes(lines, at, over_notes=True):
            if not _personal_names(names := _stored_names(credit[1])):
                continue
        else:
            continue
        if not _PHOTO_CREDIT.search(names):
            return names
    return ""


def _listed_surnames() -> list[str]:
    """The 百家姓's surnames, each in both scripts (pipelines/data/surnames.txt says why that list)."""
    listed = (resources.files("pipelines") / "data" / "surnames.txt").read_text(encoding="utf-8")
    return [form for line in listed.splitlines() if not line.startswith("#") for form in line.split()]


_LISTED_SURNAMES = _listed_surnames()

# A Chinese name is two or three characters; four or more only with a compound surname (欧阳小明),
# or two surnames joined (林郑月娥, 陈方安生: two different ones of the hundred commonest; four characters, a
# longer phrase they open, 张罗社区活动, is none, but a phrase of four, 张罗社区, reads as one: nothing
# in the characters tells it from the name; but where the two are a word of their own, _SURNAME_WORDS,
# a word is what they open: 方向明确, 黄金时代). The compound surnames are the 百家姓's and a few it
# lacks (独孤, 太史; 万俟 as Traditional text prints it too).
_COMPOUND_SURNAMES = tuple([form for form in _LISTED_SURNAMES if len(form) == 2] + "独孤 獨孤 太史 萬俟".split())
_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾"
    "萧蕭田董袁潘蔡蒋蔣余叶葉苏蘇范于杜程魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪金石廖贾賈夏韦韋付方白邹鄒"
    "孟熊秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯")
# Words of two surnames, the commonest phrases of four open (方向明确, 黄金时代, 罗马假日, 任何一天):
# no married name joins them. A name such a pair opens is too rare to read every such phrase as one.
_SURNAME_WORDS = frozenset(
    "方向 方程 何方 任何 黄金 黃金 金黄 金黃 白金 金石 金钱 金錢 万马 萬馬 龙马 龍馬 罗马 羅馬 龙王 龍王"
    " 江苏 江蘇 孔孟 唐宋 毛孔 万方 萬方".split())
# Any surname opens a name run into its role or into 报道 (本报记者甄子丹): the hundred commonest
# (some the 百家姓 lacks: 付, 覃), those of the 百家姓, the list kept longest rather than one picked
# by hand, and 邝. Many of them open a word too (连线, 时评, 焦点): a column's heading after the
# role is refused as a heading (_COLUMN_HEADINGS), not by leaving its surname out.
_NAME_SURNAMES = _SURNAMES | frozenset(form for form in _LISTED_SURNAMES if len(form) == 1) | frozenset("邝鄺")
# The 百家姓's surnames beyond the commonest that are, after a subject, the words a sentence goes on
# with: adverbs, modal verbs, conjunctions, prepositions and time words (记者都来了, 记者从新疆, 记者和他,
# 记者能否, 记者时常). Run into the role, with no blank to mark where it ends, such a word is read as
# the sentence it is far oftener than as a rare surname; after a blank it opens a name (记者 和平安).
_PROSE_AFTER_SUBJECT = frozenset("都从從和能应應却卻常全尚终終经經连連时時相越边邊那后後别別") & _NAME_SURNAMES
# The headings of a column a role opens (记者手记, 本报记者 观察, 记者连线, 记者辛苦了), blank between
# them or not: the word after the role names no one where it opens with one, nor before 报道 (焦点报道).
_COLUMN_HEADINGS = tuple(
    "手记 手記 观察 觀察 调查 調查 述评 述評 札记 札記 随笔 隨筆 笔记 筆記 日记 日記 后记 後記 连线 連線 时评 時評"
    " 快评 快評 短评 短評 解读 解讀 关注 關注 纪实 紀實 焦点 焦點 辛苦 来信 來信 专访 專訪 追踪 追蹤 探访 探訪"
    " 暗访 暗訪 现场 現場 见闻 見聞".split())
_HAN_WORD = re.compile(f"[{HAN}]+")
_ROLE_WORD = re.compile(_ROLE)
_NAME_WORDS = re.compile(r"[\s、，,/／]+")
# A name run into its role with a middle dot: its first part two characters or more, as a
# transliteration's is (本报记者阿不都·热合曼); one character and a dot is a phrase's (记者节·快乐).
_NAME_AFTER_ROLE = re.compile(rf"[{HAN}]{{2,8}}(?:[{_MIDDLE_DOTS}][{HAN}]{{1,8}}){{1,3}}|{_LATIN_NAME}")
# The words a byline may end with (本报记者 张三 综合报道; where it was reported from: 北京报道,
# 发自北京): no name, yet no heading's phrase where a name stands before them (记者 深入报道 is one).
_REPORTED = ("报道", "報導", "報道")
_CREDIT_WORDS = re.compile(
    rf"(?:综合|綜合|联合|聯合|整理|采写|採寫)?(?:整理|采写|採寫)|[{HAN}]{{2,6}}(?:{'|'.join(_REPORTED)})"
    rf"|(?:发|發)自[{HAN}]{{2,6}}")


# The particles that close a sentence or mark a verb's aspect (来了, 去过, 好吗): no name ends with one.
_SENTENCE_PARTICLES = tuple("了过過吗嗎呢吧啊嘛")


def _surnamed(name: str) -> bool:
    """Whether ``name`` reads as a Chinese name by its surname: one opens two or three characters
    (a compound one, three or four), where a phrase (深入, 跟踪, 节快乐) opens with none, and a
    column's heading (连线, 焦点: _COLUMN_HEADINGS) is none though a surname opens it, nor is a
    role (通讯员, 实习生: 通 and 实 are surnames of the 百家姓), nor a clause a particle closes
    (都来了: _SENTENCE_PARTICLES)."""
    if name.startswith(_COLUMN_HEADINGS) or _ROLE_WORD.match(name) or name.endswith(_SENTENCE_PARTICLES):
        return False
    if name.startswith(_COMPOUND_SURNAMES):
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3 and name[0] in _NAME_SURNAMES


def _name_reporting(word: str) -> bool:
    """Whether a credit word is a name run into 报道 (张三报道, 欧阳小明报道, _surnamed), not a
    phrase (深入报道)."""
    return word.endswith(_REPORTED) and _surnamed(word[:-2])


def _name_after_role(word: str) -> bool:
    """Whether a word run into its role, no blank between them (本报记者张三, 记者王小明报道), is a
    name: a Chinese one by its surname, alone or run into 报道, or a transliterated or Latin one
    (_NAME_AFTER_ROLE). With no blank to mark where the role ends, a phrase run in (本报记者跟踪报道,
    记者节快乐, 记者手记) is none, however short."""
    if word[0] in _PROSE_AFTER_SUBJECT:
        return False
    return _surnamed(word) or _name_reporting(word) or bool(_NAME_AFTER_ROLE.fullmatch(word))


def _personal_names(names: str) -> bool:
    """Whether the words of ``names`` (roles and names: 记者 张三 通讯员李四) name people: a word
    of four Chinese characters or more, its role aside, only with a compound surname or two
    surnames joined (记者 深入一线 is a heading's phrase, no byline). A word of Latin letters or
    with a middle dot (a foreign name, 艾力·吾甫) is one as it stands. A credit word (北京报道,
    发自北京, _CREDIT_WORDS) closes the names, and names no one but a name run into 报道 (张三报道,
    _name_reporting): with no name before it (记者 深入报道, any two characters before 报道
    matching) the words are a heading's phrase too. A word run into its role is judged as a name
    alone (_name_after_role). A column's heading (记者 手记, 本报记者 观察: _COLUMN_HEADINGS) names
    no one, a blank after the role or not. Names a 、, a comma or a slash parts are words as blanks
    part them. A word of two or three Chinese characters is a name only where a surname opens it
    (_surnamed: 记者 微博 names no one), as one run into its role is; a surname alone is a name
    padded to three characters' width (王 磊, 欧阳 明), the word after it its given name."""
    named, given_name_next = False, False
    for word in _NAME_WORDS.split(names):
        if role := _ROLE_WORD.match(word):
            word = word[role.end():]
            if word and not _name_after_role(word):
                return False
            given_name_next = False
        if not word:
            continue
        if _CREDIT_WORDS.fullmatch(word):
            if not (named or _name_reporting(word)):
                return False
            named, given_name_next = True, False
            continue
        if word.startswith(_COLUMN_HEADINGS):
            return False
        if given_name_next and len(word) <= 2 and _HAN_WORD.fullmatch(word):
            named, given_name_next = True, False
            continue
        if (len(word) >= 4 and _HAN_WORD.fullmatch(word) and not word.startswith(_COMPOUND_SURNAMES)
                and not (len(word) == 4 and word[0] != word[1] and {word[0], word[1]} <= _SURNAMES
                         and word[:2] not in _SURNAME_WORDS)):
            return False
        given_name_next = word in _NAME_SURNAMES or word in _COMPOUND_SURNAMES
        if not given_name_next and len(word) <= 3 and _HAN_WORD.fullmatch(word) and not _surnamed(word):
            return False
        named = True
    return not given_name_next


def source_note(line: str) -> str:
    """The source note ``line`` ends with (without brackets), or is (来源：…), or "" (see _SOURCE_NOTE)."""
    return _bracketed_note(line) or _labelled_note(line)


def _bracketed_note(line: str) -> str:
    # A bracketed note ends the line but for blanks (\s, what rstrip strips): most lines end
    # otherwise, and skip the search, whose look-behind is tried at every character (~5 µs a line).
    if (line.rstrip().endswith(_NOTE_CLOSERS) and (note := _BRACKETED_NOTE.search(line))
            and _SOURCE_NOTE.match(note[1])):
        return note[1]
    return ""


def _labelled_note(line: str) -> str:
    # A CMS page's info line (来源：…｜作者：…｜发布时间：…) is no note: its 来源 field is (info_source).
    if (note := _LABELLED_LINE.fullmatch(line)) and _SOURCE_LINE.match(note[1]) and not INFO_LINE.fullmatch(_info_text(line)):
        return note[1]
    return ""


def _near_end(lines: Sequence[str]) -> range:
    """The indexes of the lines a source note closing the text is looked for in, last first:
    the run of the page's boilerplate under the text (clean.boilerplate_tail: 返回首页,
    【打印本页】, 分享到, however many) and the three lines over it, junk the page object cannot
    tell (a kit's titles, a related list) may stand among."""
    return range(len(lines) - 1, max(_cleaner().boilerplate_tail(lines) - 3, 0) - 1, -1)


@lru_cache(maxsize=None)
def _cleaner():
    """pipelines.clean, which imports this module: imported at first use, once (an import
    statement in a function costs some µs at each call, three times an article)."""
    import pipelines.clean

    return pipelines.clean


def _info_text(line: str) -> str:
    """``line`` as its info line is read: a table row's without its widget cells
    (来源：…｜作者：…｜返回首页), as the cleaner reads it (clean.without_widget_cells)."""
    if CELL_GAP not in line or INFO_LINE.fullmatch(line):
        return line
    return _cleaner().without_widget_cells(line)


def _article_source(lines: Sequence[str]) -> str:
    """An article's source note (closing_source), else its info line's 来源 (info_source)."""
    return closing_source(lines) or info_source(lines)


def info_source(lines: Sequence[str]) -> str:
    """The 来源 field (as the line sets it: 来源：某某日报) of a CMS page's info line in an
    article's text (its lines, in order), or "": the first line the cleaner takes out of the text
    as one (text.INFO_LINE; a table row's, without its widget cells), wherever it stands, so what
    goes out of the text is what names the source. A line of one field and a date names it only
    opening or closing the text: inside it, it is a credit the text keeps (_closes)."""
    return _info_field(lines, "源", INFO_SOURCE, whole=True)


def info_author(lines: Sequence[str]) -> str:
    """The 作者 field's value (张三) of a CMS page's info line in an article's text (see
    info_source), or of a 作者 line alone opening it (which the cleaner takes out), or ""."""
    if lines and "作者" in lines[0] and (alone := INFO_AUTHOR_LINE.fullmatch(lines[0])):
        return alone[2]
    return _info_field(lines, "作者", INFO_AUTHOR, whole=False)


def _info_field(lines: Sequence[str], mark: str, field: re.Pattern, whole: bool) -> str:
    for at, line in enumerate(lines):
        # Only a line that holds the label is matched: most articles have none.
        if (mark in line and (found := field.search(line := _info_text(line)))
                and INFO_LINE.fullmatch(line) and (at == 0 or not INFO_FIELD_AND_DATE.fullmatch(line) or _closes(lines, at))):
            return f"{found[1]}：{found[2]}" if whole else found[2]
    return ""


def _closes(lines: Sequence[str], at: int, over_notes: bool = False) -> bool:
    """Whether ``lines[at]`` near the end closes the text, as the cleaner reads a line there
    that is the page's only where it does (a source and a date, a 来源 line alone); with
    ``over_notes``, source notes under it (（据…）, 来源：…) count as the page's too."""
    later = lines[at + 1 :]
    return _cleaner().closes_text([line for line in later if not source_note(line)] if over_notes else later)


@dataclass
class _Picture:
    """A picture as read, with the element it stands at in the file (for order) and, for one
    in the content region, the elements that leave the text with it (the picture, its caption)."""

    anchor: etree._Element
    url: str
    caption: str
    taken: tuple = ()
    # Of ``taken``, the elements whose tail is the caption's text (a caption in no element of its own).
    emptied: tuple = ()


def _picture_table(row: etree._Element, selected: set) -> etree._Element | None:
    """The picture table ``row`` (a row of the pictures selector) is a row of: its nearest table
    in no other selected row (a picture table laid out inside another is the outer one's)."""
    for table in row.iterancestors("table"):
        if not any(ancestor in selected for ancestor in table.iterancestors()):
            return table
    return None


def _cells(row: etree._Element) -> list[tuple[int, etree._Element]]:
    """A picture table row's cells with the column each begins in (a colspan counts); an element
    that is no row (a paper's selector may pick other elements) is one cell."""
    if row.tag != "tr":
        return [(0, row)]
    cells, column = [], 0
    for cell in row:
        if cell.tag in ("td", "th"):
            cells.append((column, cell))
            span = (cell.get("colspan") or "1").strip()
            column += int(span) if span.isdigit() and int(span) > 0 else 1
    return cells or [(0, row)]


def _caption_of(parts) -> str:
    """A caption set over several cells (图为… in one, 本报记者 张三 摄 in the next), as one line:
    the parts apart by a space, as the cells stood, unless a blank or a full-width punctuation
    mark already parts them (图为会场。本报记者 …, 图为会场（本报记者 …）). After a Latin full
    stop or colon the space stays, as English is written (… at work. Photo: …)."""
    joined = ""
    for part in filter(None, parts):
        if joined and not (joined[-1].isspace() or part[0].isspace() or _wide_punctuation(joined[-1])
                           or _wide_punctuation(part[0])):
            joined += " "
        joined += part
    return joined


def _wide_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] == "P" and unicodedata.east_asian_width(char) in ("W", "F")


# A caption set under a picture in the content region, in a paragraph of its own, tells it is
# one: it opens as captions do (图为…, 图：…, 图1 …, 上图：…, （图…）) or ends with the
# photographer's credit (… 本报记者 皮磊 摄, …供图). A short centred line is not enough: papers
# centre their subheadings too.
_CAPTION_OPENING = re.compile(
    r"^[（(【]?\s*[上下左右中题題]?(?:图|圖)(?:片|片说明|片說明)?\s*(?:\d+|[一二三四五六七八九十]+|[①-⑳])?\s*(?:[为為：:．.、]|\s)"
)
_CAPTION_CREDIT = re.compile(r"(?:摄|攝|供图|供圖|摄影|攝影)\s*[）)】]?\s*$")
# Longer, it is a paragraph of the article.
_CAPTION_LIMIT = 120
# Where the template sets a picture: in a paragraph (or centred line) of its own.
_PICTURE_BLOCKS = frozenset(("p", "div", "center"))


def _loose_pictures(body: etree._Element, rows: list, absolute, sheet: StyleSheet | None,
                    skip: Callable[[etree._Element], bool] | None = None, centred: bool = False) -> list[_Picture]:
    """The pictures of the content region ``body`` outside the picture rows ``rows``, each
    with its caption where the template clearly set one under it: in the picture's own
    paragraph after a line break (<P align=center><IMG …><BR>图为…</P>), or as the next
    paragraph that reads as a caption (_CAPTION_OPENING, _CAPTION_CREDIT), or, for a picture in
    no paragraph (<FONT> and <SPAN> are none), as its line's text that reads so
    (_line_captioned), or, for a picture alone in a table's cell, as the cell under it
    (_cell_captioned), or, for one in a cell or a paragraph that holds text besides it, as its
    own line there that reads so. Anything else under a picture is the article's text, and stays.
    A caption is read as a reader sees it (hiding.shown_line, with the <style> rules ``sheet``):
    a kit's keywords hidden in it are no part of it, and leave the text with it. An <IMG> in a
    <FIGURE> has its <FIGCAPTION> for caption. ``skip`` tells other images that are no picture
    (a general page's icons); with ``centred``, a short line centred under a picture centred
    alone in its paragraph is its caption too (general pages set captions so; the Founder
    template centres its subheadings)."""
    in_rows = set(row for row in rows if isinstance(row, etree._Element))
    found: list[_Picture] = []
    for img in body.iter("img"):
        url = absolute(img.get("src"))
        if (url is None or (skip is not None and skip(img)) or _no_picture(img, body, sheet)
                or any(ancestor in in_rows for ancestor in img.iterancestors())):
            continue
        found.append(_figure(img, url, body, sheet) or _captioned(img, url, body, sheet, centred))
    return found


_IMAGE_SOURCE = re.compile(r"""<(?i:img)\b[^>]*?\b(?i:src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
# A folder of a day's or a year's files (images/2023-01/31/07/, 2023/): the paper's, not the template's.
_DATED_FOLDER = re.compile(r"\d{4}")


def _no_picture(img: etree._Element, body: etree._Element, sheet: StyleSheet | None) -> bool:
    """A spacer or a tracking pixel (a side of 0 or 1), or an image a spam kit hid in the text
    (by any rule the cleaner reads, hiding.hidden): no picture the paper printed (the cleaner
    takes out the hidden block with its text, and records it)."""
    if any((img.get(side) or "").strip() in ("0", "1", "0px", "1px") for side in ("width", "height")):
        return True
    for element in (img, *img.iterancestors()):
        if element is body:
            return False
        if hidden(element, sheet, text=False):
            return True
    return False


def _figure(img: etree._Element, url: str, body: etree._Element, sheet: StyleSheet | None) -> _Picture | None:
    """A picture alone in a <FIGURE> of the region, with its <FIGCAPTION>: the figure leaves the text."""
    for figure in img.iterancestors():
        if figure is body:
            return None
        if figure.tag == "figure":
            if sum(1 for _ in figure.iter("img")) > 1:
                return None
            caption = next(figure.iter("figcaption"), None)
            return _Picture(img, url, shown_line(caption, sheet) if caption is not None else "", (figure,))
    return None


def _centred(block: etree._Element) -> bool:
    """Whether a paragraph is set centred (align=center, text-align: center, or a <CENTER>)."""
    if block.tag == "center" or (block.get("align") or "").strip().lower() == "center":
        return True
    return bool(_CENTRED_STYLE.search(block.get("style") or ""))


_CENTRED_STYLE = re.compile(r"text-align\s*:\s*center", re.I)


def _captioned(img: etree._Element, url: str, body: etree._Element, sheet: StyleSheet | None,
               centred: bool = False) -> _Picture:
    if (in_cell := _cell_captioned(img, url, body, sheet)) is not None:
        return in_cell
    block = _picture_block(img, body)
    if block is None:
        # In no paragraph: its line is read in the content region, or in the table cell that
        # holds it (a hand-edited picture table's <TD><IMG …><BR>图为…</TD>).
        region = next(ancestor for ancestor in img.iterancestors() if ancestor is body or ancestor.tag in CELLS)
        return _line_captioned(img, url, region, sheet) or _Picture(img, url, "", (img,))
    if sum(1 for _ in block.iter("img")) > 1:
        # One of several pictures in a paragraph: which one a line under them names is not told.
        return _Picture(img, url, "", (img,))
    visible = shown(block, sheet)
    if _text_before(block, img) or (has_text(visible) and sum(1 for line in block_lines(visible) if line.strip()) > 1):
        if not _text_before(block, img) and (credited := _credited_lines(visible)):
            return _Picture(img, url, credited, (block,))
        # A paragraph that holds text besides the picture and one line: read as the region
        # is, its caption no more than its own line. Read whole, the article's text after the
        # caption (or before the picture) was taken for part of it.
        return _line_captioned(img, url, block, sheet) or _Picture(img, url, "", (img,))
    if has_text(visible):
        # A caption in the picture's own paragraph, under it (after a line break) or reading as one.
        caption = _line(visible)
        opening = "".join(visible.itertext()).lstrip(" \t\r\n")
        if (len(caption) <= _CAPTION_LIMIT and not opening.startswith("\u3000")
                and (_broken_after(block, img) or _reads_as_caption(caption))):
            return _Picture(img, url, caption, (block,))
        return _Picture(img, url, "", (img,))
    # The picture alone in its paragraph: the next paragraph, if it reads as a caption.
    following = block.getnext()
    if (block.tail or "").strip() or following is None or following.tag not in _PICTURE_BLOCKS:
        return _Picture(img, url, "", (block,))
    caption = shown_line(following, sheet)
    if (len(caption) <= _CAPTION_LIMIT
            and (_reads_as_caption(caption) or (centred and _centred(block) and _centred(following)))
            and next(following.iter("img", "table"), None) is None):
        return _Picture(img, url, caption, (block, following))
    return _Picture(img, url, "", (block,))


def _credited_lines(block: etree._Element) -> str:
    """The lines under a picture in its paragraph as one caption, where they end with the
    photographer's credit and are short, none indented (<P><IMG><BR>会议现场<BR>本报记者 皮磊 摄</P>):
    a caption set over two lines reads as one only by its last. Else ''. An indented line is
    the article's text (the editor began a paragraph), and so is a longer stretch."""
    lines = [line.strip(" \t\r\n") for line in block_lines(block) if line.strip()]
    caption = _caption_of(lines)  # apart as the lines stood: 会议现场 本报记者 皮磊 摄
    if (lines and len(caption) <= _CAPTION_LIMIT and _CAPTION_CREDIT.search(lines[-1])
            and not any(line.startswith(("\u3000", "\xa0")) for line in lines)):
        return caption
    return ""


# Inline elements old editors (Founder's, FrontPage) set around a picture alone, nested at
# will (<SPAN><FONT size=2><IMG …></FONT></SPAN>), or around a stretch of lines (an unclosed
# <FONT> around the whole text): no line of their own, so a picture in one stands on the line
# it would stand on without them. A link is the picture's only around it alone.
_WRAPPERS = frozenset(("font", "span"))
_PICTURE_HOLDERS = _WRAPPERS | {"a"}


def _line_captioned(img: etree._Element, url: str, body: etree._Element, sheet: StyleSheet | None) -> _Picture | None:
    """A picture set in ``body`` itself (the content region, a table cell, or a paragraph that
    holds text besides it), in no paragraph of its own (<IMG …>图为…<BR>, or with a <BR>
    between picture and caption), with the text of its line as its caption where that
    reads as one (_reads_as_caption: its own line is all that tells it from the text, and
    papers that lay their text out in <BR>-broken lines set paragraphs so too); or with the next
    paragraph as its caption, as for a picture alone in its paragraph. A link, <FONT> or <SPAN>
    around the picture alone goes with it, and a <FONT> or <SPAN> around more is no paragraph
    (_WRAPPERS): its line is read across the wrapper's ends. None for a picture in any other
    element of ``body``, and for one with anything before it on its line: that is inside
    the text."""
    holder = img
    while (parent := holder.getparent()) is not body and parent.tag in _PICTURE_HOLDERS \
            and len(parent) == 1 and not has_text(parent):
        holder = parent
    for ancestor in holder.iterancestors():
        if ancestor is body:
            break
        if ancestor.tag not in _WRAPPERS:
            return None
    # Nothing before it on its line: a line break, a block or the region's start, wrappers aside.
    node = holder
    while (previous := node.getprevious()) is None:
        node = node.getparent()
        if (node.text or "").strip():
            return None
        if node is body:
            break
    else:
        if (previous.tail or "").strip() or not _ends_line(previous):
            return None
    uncaptioned = _Picture(img, url, "", (holder,))
    taken, emptied, source = [holder], [holder], [holder.tail or ""]
    node, container = holder.getnext(), holder.getparent()

    def on_the_line(node, container):
        # Past a wrapper's end, its line runs on after it: the wrapper stays, its tail is the line's.
        while node is None and container is not body:
            emptied.append(container), source.append(container.tail or "")
            node, container = container.getnext(), container.getparent()
        return node, container

    node, container = on_the_line(node, container)
    if not "".join(source).strip() and node is not None and node.tag == "br":
        # Under the picture, after a line break.
        taken.append(node), emptied.append(node), source.append(node.tail or "")
        node, container = on_the_line(node.getnext(), container)
    while node is not None and node.tag != "br" and node.tag not in BLOCKS:
        if isinstance(node.tag, str) and next(node.iter("img", "br", "table", *BLOCKS), None) is not None:
            return uncaptioned  # another picture or a line break inside the line: no caption told apart
        said = "" if not isinstance(node.tag, str) or off_screen(node, sheet) else _text(shown(node, sheet))
        taken.append(node), emptied.append(node), source.append(said + (node.tail or ""))
        node, container = on_the_line(node.getnext(), container)
    caption = _collapse(html_blanks("".join(source)))
    if not caption:
        # The picture alone on its line: the next paragraph, if it reads as a caption.
        if node is None or node.tag not in _PICTURE_BLOCKS:
            return uncaptioned
        caption = shown_line(node, sheet)
        if (len(caption) <= _CAPTION_LIMIT and _reads_as_caption(caption)
                and next(node.iter("img", "table"), None) is None):
            return _Picture(img, url, caption, (*taken, node), tuple(emptied))
        return uncaptioned
    if (len(caption) > _CAPTION_LIMIT or "".join(source).lstrip(" \t\r\n").startswith("\u3000")
            or not _reads_as_caption(caption)):
        return uncaptioned
    if node is not None and node.tag == "br":
        taken.append(node)  # the line's end: the text after it begins the next line, as before
    return _Picture(img, url, caption, tuple(taken), tuple(emptied))


def _ends_line(element: etree._Element) -> bool:
    """Whether a line ends after ``element``: it is a <BR> or a block, or a wrapper whose last
    element ends one with no text after it (<FONT>　　正文……<BR></FONT>)."""
    while element.tag != "br" and element.tag not in BLOCKS:
        if element.tag not in _WRAPPERS or not len(element) or (element[-1].tail or "").strip():
            return False
        element = element[-1]
    return True


def _cell_captioned(img: etree._Element, url: str, body: etree._Element, sheet: StyleSheet | None) -> _Picture | None:
    """A picture alone in a cell of a table of the content region (other than the picture
    rows), with the cell under it as its caption where the table clearly sets one there (a
    hand-edited page's picture table: a picture row, then a caption row); or the cell beside
    it, in a row of those two cells alone, where that reads as a caption. The rows are the
    table's, whichever TBODY holds them; of pictures stacked a row each over one caption row,
    the caption is the lower one's, or the first's where it names several (_names_several).
    None for a picture in no cell, or in a cell with text or other pictures: its line in the
    cell is read then (_line_captioned)."""
    cell = None
    for ancestor in img.iterancestors():
        if ancestor is body or ancestor.tag in ("table", "tr"):
            break
        if ancestor.tag in CELLS:
            cell = ancestor
            break
    if cell is None or has_text(cell) or sum(1 for _ in cell.iter("img")) > 1:
        return None
    row = cell.getparent()
    if row is None or row.tag != "tr":
        return None
    cells = _cells(row)
    if has_text(row):
        # Beside it: only a row of the picture and one short line that reads as a caption.
        if len(cells) != 2 or cells[0][1] is not cell or (caption := _caption_cell(cells[1][1], sheet)) is None \
                or not _reads_as_caption(caption):
            return None
        return _Picture(img, url, caption, (img, cells[1][1]))
    # The rows of its table (its TBODYs' alike), spacer rows left out.
    rows = [own for own in _table_rows(row) if own is row or next(own.iter("img"), None) is not None or has_text(own)]
    at = rows.index(row)
    stacked_above = at > 0 and next(rows[at - 1].iter("img"), None) is not None and not has_text(rows[at - 1])
    under = next((own for own in rows[at + 1:] if next(own.iter("img"), None) is None), None)
    if under is None or any(has_text(own) for own in rows[at + 1 : rows.index(under)]):
        return None
    stacked_below = rows.index(under) > at + 1
    column = next(start for start, own in cells if own is cell)
    below = _cells(under)
    caption_cell = next((own for start, own in below if start == column), None)
    if caption_cell is None and len(below) == 1 and sum(1 for _, own in cells if next(own.iter("img"), None) is not None) == 1:
        caption_cell = below[0][1]  # one caption across the row, under its one picture
    if caption_cell is None or (caption := _caption_cell(caption_cell, sheet)) is None:
        return None
    # Under pictures stacked a row each, a caption naming several of them is the first's (as
    # one across pictures side by side); else the picture's it stands under, the others' none.
    if stacked_below and (stacked_above or not _names_several(caption)):
        return None
    if not stacked_below and stacked_above and _names_several(caption):
        return None
    if not (_reads_as_caption(caption) or _picture_rows(row, sheet)):
        return None
    return _Picture(img, url, caption, (img, caption_cell))


def _table_rows(row: etree._Element) -> list[etree._Element]:
    """The rows of ``row``'s table in order, whichever of its THEAD, TBODY and TFOOT holds
    them (a hand-edited table may set its picture row and its caption row in TBODYs of their
    own); not the rows of a table inside it."""
    table = row.getparent()
    if table.tag in ("tbody", "thead", "tfoot") and table.getparent() is not None and table.getparent().tag == "table":
        table = table.getparent()
    found = []
    for child in table:
        if child.tag == "tr":
            found.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            found.extend(own for own in child if own.tag == "tr")
    return found


# A picture named by its place or number (上图, 右圖, 图1, 圖二, 图①): a caption that names
# two of them describes two pictures.
_PICTURE_NAME = re.compile(r"[上下左右中](?:图|圖)|(?:图|圖)\s*(\d+|[一二三四五六七八九十]+|[①-⑳])")


def _names_several(caption: str) -> bool:
    return len({re.sub(r"\s", "", name.group()) for name in _PICTURE_NAME.finditer(caption)}) > 1


def _caption_cell(cell: etree._Element, sheet: StyleSheet | None) -> str | None:
    """The text of a cell that may be a caption, as a reader sees it (hiding.shown): one short
    line, not indented, no picture or table in it; else None."""
    if next(cell.iter("img", "table"), None) is not None:
        return None
    cell = shown(cell, sheet)
    caption = _line(cell)
    if not caption or len(caption) > _CAPTION_LIMIT or "".join(cell.itertext()).lstrip(" \t\r\n").startswith("\u3000"):
        return None
    if next(cell.iter("br", *BLOCKS), None) is None:
        return caption  # nothing in it breaks a line: laying it out is spared
    return caption if sum(1 for line in block_lines(cell) if line.strip()) == 1 else None


def _picture_rows(row: etree._Element, sheet: StyleSheet | None) -> bool:
    """Whether the rows of ``row``'s table are pictures and their captions alone: each a row of
    pictures without text, or a row of short caption cells under one. A table with a row of
    text elsewhere (a layout table around the article) tells nothing of the line under a picture."""
    after_pictures = False
    for own in _table_rows(row):
        if next(own.iter("img"), None) is None and not has_text(own):
            continue  # a spacer row
        if next(own.iter("table"), None) is not None:
            return False
        if next(own.iter("img"), None) is not None:
            if has_text(own):
                return False
            after_pictures = True
            continue
        if not after_pictures or any(_caption_cell(cell, sheet) is None for _, cell in _cells(own) if has_text(cell)):
            return False
        after_pictures = False
    return True


def _reads_as_caption(text: str) -> bool:
    return bool(text) and bool(_CAPTION_OPENING.match(text) or _CAPTION_CREDIT.search(text))


def _picture_block(img: etree._Element, body: etree._Element) -> etree._Element | None:
    """The paragraph (or centred line) inside ``body`` that holds ``img``; None where a table
    cell or the region itself holds it first."""
    for ancestor in img.iterancestors():
        if ancestor is body or ancestor.tag in ("td", "th", "table", "li"):
            return None
        if ancestor.tag in _PICTURE_BLOCKS:
            return ancestor
    return None


def _text_before(block: etree._Element, img: etree._Element) -> bool:
    """Whether ``block`` shows any text before ``img``."""
    around = set(img.iterancestors())
    for node in block.iter():
        if node is img:
            return False
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        if (node.text or "").strip() or (node not in around and (node.tail or "").strip()):
            return True
    return False


def _broken_after(block: etree._Element, img: etree._Element) -> bool:
    """Whether a line break (<br>, or a block) comes after ``img`` in ``block`` before any text."""
    after = False
    for event, node in etree.iterwalk(block, events=("start", "end")):
        if node is img:
            after = event == "end"
            if after and (img.tail or "").strip():
                return False
            continue
        if not after:
            continue
        if event == "start":
            if node.tag == "br" or node.tag in BLOCKS:
                return True
            if (node.text or "").strip():
                return False
        elif node is not block and (node.tail or "").strip():
            return False
    return False


class FounderArticle(_FounderFile):
    """An article file, content_N.htm (or content_N_M.htm)."""

    # The content region's pictures outside table#newspic, and where each element stood in the
    # file (read as _body finds the region, before they leave it).
    _loose_pictures: list[_Picture] = []
    _order: dict = {}
    # Where the article's own part begins in the file (_own_part): what is before it is not parsed.
    _part_start = 0

    def __init__(self, html: str, url: str, selectors: FounderSelectors | None = None,
                 site_images: SiteImages = NO_SITE_IMAGES):
        super().__init__(html, url, selectors)
        # The images its paper's profile names as the site's own: no pictures of the article.
        self.site_images = site_images

    def _document(self, field: str) -> etree._Element:
        return self._own_part[0] if field in ARTICLE_FIELDS else self._root

    @cached_property
    def _own_part(self) -> tuple[etree._Element, etree._Element | None]:
        """The tree the article's fields are read from, and its body where finding the tree
        found it. The article's own part of the file (FounderSelectors.article_start), parsed
        alone: a fifth of the whole file's parse. The whole file where no start is found or
        the part holds no body (a layout the selectors do not know)."""
        start = _opening(self.html, self.selectors.article_start)
        if start is not None:
            part = parse(self.html[start:])
            if (body := self._body_in(part)) is not None:
                self._part_start = start
                return part, body
        return self._root, None

    def _body_in(self, tree: etree._Element, empty: bool = False) -> etree._Element | None:
        """The first match of the first of the body selectors that has one, if it holds text
        (or, with ``empty``, whether it does or not)."""
        for field in ("body", "body_container"):
            if found := _select(tree, getattr(self.selectors, field)):
                return found[0] if empty or has_text(found[0]) else None
        return None

    @cached_property
    def _style_sheet(self) -> StyleSheet | None:
        """What the <style> rules of the file hide (hiding.style_sheet), for its headings, its
        captions and its body (body_sheet): those of the article's own part, and those before
        it, in the part not parsed (<head>, the header), found by a search of its text
        (hiding.style_texts). Read before the pictures leave the tree (_body)."""
        tree = self._own_part[0]
        return style_sheet(tree, style_texts(self.html, self._part_start))

    @property
    def body_sheet(self) -> StyleSheet | None:
        """What the file's <style> rules hide, for the cleaner to read the body by (the content
        region's own <style> elements are only some of them); None where none hides anything."""
        return self._fallback.body_sheet if self._fallback else self._style_sheet

    @cached_property
    def article_id(self) -> str | None:
        match = _ARTICLE_FILE.search(urlsplit(self.url).path)
        return match[1] if match else self.metadata.get("articleid") or None

    @cached_property
    def _title_rows(self) -> list:
        """The title block's rows, at most four, before the row that holds the body: a paper
        whose block has fewer rows (no 作者 row) has its body's row selected too, and its whole
        text (captions and all) became the byline."""
        rows = self._all("title_rows")[:4]
        # The row around the body (its nearest): one step up, where the template puts it.
        body_row = next(self._body.iterancestors("tr"), None) if self._body is not None else None
        if body_row is not None and body_row in rows:
            return rows[: rows.index(body_row)]
        return rows

    @cached_property
    def _title_block(self) -> dict[str, str]:
        """Each title field from the first source that has it: rows, then variant selectors."""
        sheet = self._style_sheet
        rows = [shown_line(row, sheet) for row in self._title_rows]
        block = {}
        for position, name in enumerate(_TITLE_FIELDS):
            from_row = rows[position] if position < len(rows) else ""
            block[name] = from_row or next((t for t in (shown_line(e, sheet) for e in self._all(name)) if t), "")
        return block

    def _shown(self, name: str) -> bool:
        """Whether the file shows the title field ``name``, empty or not: its row of the title
        block, or an element of its selector."""
        return _TITLE_FIELDS.index(name) < len(self._title_rows) or bool(self._all(name))

    def _title_field(self, name: str) -> str:
        """The title block's field, else the metadata comment's; but a 引题 or 副题 the page
        shows empty is none: the comment may keep one an editor cleared on the page, and it was
        stored as a heading no reader of the page saw. (A title and a byline the page lacks
        come from the comment all the same.)"""
        if (shown := self._title_block[name]) or (name in ("pretitle", "subtitle") and self._shown(name)):
            return shown
        return _collapse(self.metadata.get(_METADATA_FIELDS[name], ""))

    @property
    def pretitle(self) -> str:
        return self._title_field("pretitle")

    @property
    def title(self) -> str:
        return self._title_field("title") or (self._fallback.title if self._fallback else "")

    @property
    def subtitle(self) -> str:
        return self._title_field("subtitle")

    @cached_property
    def byline(self) -> str:
        """The title block's 作者, else a lead line such as ■ 本报记者 皮磊 (alone or run in before the
        first paragraph's text) or a dateline's 本报讯（记者 皮磊）, else the metadata author; without
        the mark before it (■, ◎ …), wherever it was read: the title block's row kept it; else the
        作者 field of a CMS page's info line opening or closing the text, or of a 作者 line alone
        opening it (info_author). Where none names one, the cleaning step takes a byline closing
        the cleaned text (closing_byline)."""
        if self._title_block["byline"]:
            return _LEADING_MARKS.sub("", self._title_block["byline"])
        # Only the lead line is judged: the paragraphs stored come from the cleaner.
        lines = self._fallback.paragraphs if self._fallback else self._lines
        first = next(iter(lines), "")
        lead = self._as_shown(_lead_byline(first), lambda shown: _lead_byline(next(iter(shown), "")), last=False)
        if not lead and (_lead_byline(first, people_only=False) or any(map(_lead_byline, lines[1:_HIDDEN_BEFORE_BYLINE + 1]))):
            # A line before it may be one CSS hides (a kit's keywords in a hidden <P>), or its
            # names hold hidden keywords that make them no person's (皮磊久久综合网): the lead
            # line is the first line shown. Looked for only where a line reads as a byline, so
            # a file with no such line pays no look through its region.
            lead = _lead_byline(next(iter(self._shown_lines()), ""))
        if lead:
            return lead
        # A CMS page's info line (来源：…　作者：张三　发布时间：…) names the author where no
        # metadata does.
        return _LEADING_MARKS.sub("", self._title_field("byline")) or self._as_shown(info_author(lines), info_author, last=False)

    @cached_property
    def _body(self) -> etree._Element | None:
        tree, body = self._own_part
        if body is None:
            body = self._body_in(tree)
        if body is None:
            # A picture story (pictures and captions, no text): the template's empty content
            # region is its body. Generic extraction would take a caption for the text.
            region = self._body_in(tree, empty=True)
            if region is not None and (self._table_pictures or next(region.iter("img"), None) is not None):
                body = region
        if body is not None:
            # Pictures some papers set inside the content region (below the text) are the
            # article's pictures, not its text: left in, each caption was a paragraph of the
            # body too, after the source note. Read before they go (images reads these rows).
            rows = self._picture_rows
            self._loose_pictures = _loose_pictures(body, rows, self._absolute, self._style_sheet, skip=self._site_image)
            if self._loose_pictures:
                # Where each picture stood, for images' order: the rows and pictures leave the tree.
                self._order = {element: n for n, element in enumerate(tree.iter())}
                for element in (element for picture in self._loose_pictures for element in picture.emptied):
                    element.tail = None
                _take_out(body, [element for picture in self._loose_pictures for element in picture.taken])
            _take_out(body, rows)
        return body

    def _site_image(self, img: etree._Element) -> bool:
        """Whether an image of the content region is the site's own (a strip or a banner the
        template sets in every article), no picture of the article: one its paper's profile
        names (site_images), or whose file is in a folder of the template's images
        (_template_folders)."""
        if (url := self._absolute(img.get("src"))) is None:
            return False
        return self.site_images.matches(url) or _directory(url) in self._template_folders

    @cached_property
    def _template_folders(self) -> frozenset[str]:
        """The folders the file's header (the part before the article's own, _own_part) takes its
        images from (the logo, the page list's PDF icons: tplimg/), but a dated one (the
        issue's images/2023-01/31/07/, where a page's picture and its articles' stand, or a
        year's): the site's own images. Empty where the whole file is the article's part."""
        folders = set()
        for found in _IMAGE_SOURCE.finditer(self.html, 0, self._part_start):
            if (url := self._absolute(found[1] or found[2] or found[3])) is not None:
                folder = _directory(url)
                if not _DATED_FOLDER.search(urlsplit(folder).path):
                    folders.add(folder)
        return frozenset(folders)

    @cached_property
    def _picture_rows(self) -> list:
        """The rows of the pictures selector a reader is shown: a row that CSS hides, or that
        stands in a picture table (or any block) CSS hides, is none (hiding.hidden, as of a
        picture, a font-size of 0 aside): a kit's hidden table#newspic was stored as the
        article's picture, its caption (图为广告。) with it. A hidden row inside the content
        region stays in the text, for the cleaner to take out and record. Its ancestors are
        asked only for files with picture rows (a few µs a file)."""
        rows = self._all("pictures")
        if not rows:
            return rows
        sheet, asked = self._style_sheet, {}

        def hides(element) -> bool:
            if element not in asked:
                parent = element.getparent()
                asked[element] = hidden(element, sheet, text=False) or (parent is not None and hides(parent))
            return asked[element]

        return [row for row in rows if not isinstance(row, etree._Element) or not hides(row)]

    @cached_property
    def _fallback(self) -> GenericArticle | None:
        """Generic extraction, for a page whose content region the selectors no longer find. The
        pictures set in its content region are the article's pictures, read as those set in the
        template's (_loose_pictures; a general page's icons and spacers are none), and leave its
        text with their captions: only table#newspic was read, and a page off its template
        stored none of its pictures, their captions kept as lines of its text."""
        if self._body is not None:
            return None
        fallback = GenericArticle(self.html, self.url, self.site_images)
        region = fallback.region
        # A picture set in a cell beside the text's (old CMS pages) is the article's, its caption
        # with it: it was lost. The cell is no part of the region, whose text stays as it is; it
        # holds a picture and its caption only (GenericArticle.beside), so a lone picture's
        # caption is the cell's text, whatever it reads, else the cell's under it.
        beside = []
        for block in fallback.beside:
            rows = _select(block.getroottree().getroot(), self.selectors.pictures)  # table#newspic: read by _table_pictures
            found = _loose_pictures(block, rows, self._absolute, fallback.body_sheet, skip=fallback.no_picture, centred=True)
            if len(found) == 1 and not found[0].caption:
                if not (caption := shown_line(block, fallback.body_sheet)) and (under := fallback.caption_under(block)) is not None:
                    caption = shown_line(under, fallback.body_sheet)  # set in the cell under the picture's
                found = [replace(found[0], caption=caption)]
            beside += found
        if region is not None and next(region.iter("img"), None) is not None:
            rows = _select(region.getroottree().getroot(), self.selectors.pictures)  # table#newspic: read by _table_pictures
            pictures = _loose_pictures(region, rows, self._absolute, fallback.body_sheet, skip=fallback.no_picture, centred=True)
            for element in (element for picture in pictures for element in picture.emptied):
                element.tail = None
            _take_out(region, [element for picture in pictures for element in picture.taken])
            self._loose_pictures = pictures
            # The picture rows in the region are images too (_table_pictures, the rows CSS shows):
            # left in, their captions were lines of the text as well.
            sheet = fallback.body_sheet
            _take_out(region, [row for row in rows if isinstance(row, etree._Element)
                               and not any(hidden(node, sheet, text=False) for node in (row, *row.iterancestors()))])
        if beside:
            self._loose_pictures = [*self._loose_pictures, *beside]
        return fallback

    @cached_property
    def truncated(self) -> str:
        """How the file shows it was cut short, else "": it ends inside the article's text, the
        Founder body's opening marker without its closing one, or before that text began (an
        empty file, its title block only), the closing marker, </body> and </html> all missing.
        A file fetched while the site was still writing it (its Content-Length that of the part
        written, so no transfer error) was stored as a shorter article, or as what generic
        extraction made of its title block, and never asked for again. The ends are looked for
        from the file's end, where they are; a paper without the markers pays a search of the
        whole file.
        """
        if self.html.rfind(_BODY_END) != -1:
            return ""
        if self.html.find(_BODY_START) != -1:
            return "the file ends inside the article's text"
        if not any(self.html.rfind(end) != -1 for end in _DOCUMENT_ENDS):
            return "the file ends before its text and its </body> and </html>"
        return ""

    @cached_property
    def not_found(self) -> str:
        """The message of the site's error page served in this article's place with HTTP 200,
        else "": asked only of a file where the selectors found no body."""
        return not_found(self._root) if self._body is None else ""

    @property
    def extraction(self) -> str:
        """'template' when the selectors found the body, 'fallback' when generic extraction did."""
        return self._fallback.extraction if self._fallback else "template"

    @property
    def body_element(self):
        """The content region as parsed (lxml), untouched (cleaning needs hidden styles and all)
        but for pictures set inside it, which are ``images``.

        None when generic extraction found the body: read ``body_html`` then.
        """
        return None if self._fallback else self._body

    @cached_property
    def body_html(self) -> str:
        """Inner HTML of the content region, as ``body_element`` holds it."""
        if self._fallback:
            return self._fallback.body_html
        root = self._body
        return escape(root.text or "", quote=False) + "".join(tostring(child, encoding="unicode") for child in root)

    @cached_property
    def paragraphs(self) -> list[str]:
        """Visible text per line of the content region, indentation stripped, no filtering: a
        line ends at <br> and at each block (<p>, <div>, ...), and text outside any <p> is a line
        too (crawler.templates.text.block_lines), as the cleaner lays the body out.
        """
        if self._fallback:
            return self._fallback.paragraphs
        return list(self._lines)

    @cached_property
    def _lines(self) -> list[str]:
        """The content region's lines (see paragraphs), read once for the byline, the source and the paragraphs."""
        return [line for line in map(str.strip, block_lines(self._body)) if line]

    def _as_shown(self, found: str, read: Callable[[list[str]], str], last: bool) -> str:
        """A field ``found`` in the content region's lines (the lead byline, the source note) as
        a reader sees it: ``read`` again from the lines without what CSS hides and <noscript>s
        (hiding.shown), as the cleaner leaves them out of the text. Read from the lines as
        written, such a field kept a kit's keywords hidden in it. A field the file's HTML holds
        as it is (most) has no markup inside it, nothing hidden: the region is looked through
        (a few µs) only for one it does not (a span in it, or an entity, a line break), or
        whose text is in a line CSS hides (a kit's hidden <p class=k>本报记者 李四</p> before the
        paper's byline was stored as it): the text's own element and those around it in the
        region are asked (a µs), from the region's first line for a byline, from its last for
        a source note (``last``). A page off its template is read as shown whatever it holds."""
        if not found or (not self._fallback and self.html.rfind(found) != -1 and self._on_screen(found, last)):
            return found
        return read(self._shown_lines())

    def _on_screen(self, found: str, last: bool) -> bool:
        """Whether the region's first text that holds ``found`` (its last, with ``last``) is in
        no element CSS hides nor a <noscript>; False where none of the texts nearest that end
        (_NEAR_END) holds it: a kit's farm of links after the source note is read as shown."""
        region, sheet = self._body, self._style_sheet
        texts = itertools.islice(_texts(region, last), _NEAR_END)
        element = next((holder for holder, text in texts if found in text), None)
        while element is not None and element is not region:
            if off_screen(element, sheet):
                return False
            element = element.getparent()
        return element is region

    def _shown_lines(self) -> list[str]:
        """The content region's lines (or the fallback's paragraphs) as a reader sees them:
        without what CSS hides and <noscript>s (hiding.shown)."""
        if self._fallback:
            return self._fallback.shown_paragraphs
        body = shown(self._body, self._style_sheet)
        return self._lines if body is self._body else [line for line in map(str.strip, block_lines(body)) if line]

    @cached_property
    def _table_pictures(self) -> list[_Picture]:
        """Pictures of table#newspic: an image row, then its caption row; or a caption set in
        the image's own cell, under it. A row may set pictures side by side, a cell each, with
        their captions in the cells of the next row: each caption cell is the picture's it
        stands under (read whole, the row kept its first picture, under both captions). A row
        that holds rows of its own (a picture table laid out inside another) is read in those:
        read whole too, its picture was stored twice, the first time without its caption. Under
        pictures stacked a row each, a caption row is the lower picture's, or, where it names
        several pictures (上图…下图…), the first's, as one across pictures side by side is."""
        rows = self._picture_rows
        selected = set(rows)
        sheet = self._style_sheet  # captions are read as headings are: what CSS hides is none of them
        found: list[_Picture] = []
        last: list[tuple[int, _Picture]] = []  # the pictures of the last picture row, by column
        # The pictures stacked a row each since the last row of text, none captioned in its cell.
        stack: list[_Picture] = []
        table = None
        for row in rows:
            if not isinstance(row, etree._Element) or any(inner in selected for inner in row.iterdescendants()):
                continue
            if (own := _picture_table(row, selected)) is not table:
                # Another picture table: a caption in it is none of the pictures before it.
                table, last, stack = own, [], []
            cells = _cells(row)
            pictures = []
            for column, cell in cells:
                urls = (self._absolute(img.get("src")) for img in cell.iter("img"))
                # An image the profile names as the site's is none: its row is one of a missing picture.
                for n, url in enumerate(url for url in urls if url and not self.site_images.matches(url)):
                    # Two pictures in one cell share its text: the first takes it.
                    pictures.append((column, _Picture(row, url, "" if n else shown_line(cell, sheet))))
            if pictures:
                found.extend(picture for _, picture in pictures)
                last = pictures
                single = len(pictures) == 1 and not pictures[0][1].caption
                stack = [*stack, pictures[0][1]] if single else []
                continue
            if next(row.iter("img"), None) is not None:
                # A picture row whose picture is missing (an <IMG> of no file): the caption under
                # it is that picture's, not the one above's.
                last, stack = [], []
                continue
            uncaptioned = [(column, picture) for column, picture in last if not picture.caption]
            if has_text(row):
                stack, under_stack = [], stack
            else:
                under_stack = []
            if len(last) == 1 and uncaptioned:
                # Read cell by cell: the row's text ran 图为… and 本报记者 张三 摄 together.
                caption = _caption_of(shown_line(cell, sheet) for _, cell in cells)
                if len(under_stack) > 1 and _names_several(caption):
                    # Under a stack of pictures and naming several: the first's, as one across
                    # pictures side by side; the picture it stands under takes no later row.
                    under_stack[0].caption, last = caption, []
                else:
                    uncaptioned[0][1].caption = caption
            elif uncaptioned:
                for column, cell in cells:
                    # Under the picture whose column it begins in (or the first): a caption
                    # spanning two pictures' columns is the first's.
                    under = [picture for start, picture in uncaptioned if start <= column] or [uncaptioned[0][1]]
                    if text := shown_line(cell, sheet):
                        under[-1].caption = _caption_of((under[-1].caption, text))
        return found

    @cached_property
    def images(self) -> list[ImageRef]:
        """The pictures of table#newspic, and those set in the content region outside it (a bare
        <IMG>, with the caption set under it where it is clearly one, _loose_pictures), or in
        the fallback's content region for a page off its template (_fallback), in the order the
        file shows them."""
        pictures = list(self._table_pictures)
        if self._fallback is not None and self._loose_pictures:
            # The region's pictures stand in the fallback's own parse of the file: ordered by line.
            pictures = sorted([*pictures, *self._loose_pictures], key=lambda picture: picture.anchor.sourceline or 0)
        elif self._body is not None and self._loose_pictures:
            order = self._order
            pictures = sorted([*pictures, *self._loose_pictures], key=lambda picture: order.get(picture.anchor, -1))
        return [ImageRef(picture.url, picture.caption) for picture in pictures]

    @cached_property
    def source(self) -> str:
        """The closing source note, without its brackets: （据…）, or a line such as 来源：…; looked
        for in the last three lines (junk may follow it), whether a <p> holds it or not; else the
        来源 field of a CMS page's info line opening or closing the text (来源：某某日报)."""
        lines = self._fallback.paragraphs if self._fallback else self._lines
        return self._as_shown(_article_source(lines), _article_source, last=True)

    def printed_on(self, page_url: str, page_number: int | None) -> PageLink | None:
        """The page this article is printed on, where its file names another than the page
        that linked it (``page_url``, ``page_number``), else None. A front page's title list and
        hot zones link articles of inner pages too (导读): the first page to link an article
        placed it, and a page-4 article was stored under the front page, in its section.

        The metadata comment's <nodeid> names the page's file (node_N.htm, named as the linking
        page's file is), looked up in the file's page list; where it names none there (or the
        comment has no node id), the file's own page label (第04版) names the page's number. An
        article whose file names no page of its page list stays where it was linked. The page
        list and label lie outside the article's own part: the whole file is parsed only where
        the node id names another page, or where it cannot tell.
        """
        node = self.metadata.get("nodeid", "").strip()
        if node.isdigit() and page_url:
            named = _NODE_FILE.search(urlsplit(page_url).path)
            url = self._absolute(f"node_{node}{named[1] if named else '.htm'}")
            if url == page_url:
                return None
            if (own := next((link for link in self.page_links if link.url == url), None)) is not None:
                return own if own.page_number is not None else None
        label = self._label
        if label is None or label.page_number == page_number:
            return None
        own = next((link for link in self.page_links if link.page_number == label.page_number), None)
        return None if own is None or own.url == page_url else own

    @cached_property
    def section(self) -> str:
        if nodename := _collapse(self.metadata.get("nodename", "")):
            return nodename
        return self._label.section if self._label else ""
