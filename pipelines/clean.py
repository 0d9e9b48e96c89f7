"""Takes injected spam and leaked site boilerplate out of articles, and records what it took.

Hijacked mirrors of e-paper pages carry spam-kit output inside the article body: a link farm
labelled 主站蜘蛛池模板:, unlabelled link farms, blocks hidden by CSS, scripts, zero-width
characters. Article pages of other sites leak their widgets (breadcrumb, 分享到, 相关新闻…) into
the body. Every rule here is written so that a real paragraph survives: losing the paper's text
is worse than keeping a spam link, so a rule that cannot tell spam from text keeps the text. Each
removal is recorded as a Removal, so a wrong rule can be found in the archive.

Script conversion and punctuation are left to the pipelines that follow.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from crawler.items import ArticleItem, Removal
from crawler.templates.founder import closing_byline, closing_source, info_source
from crawler.templates.hiding import StyleSheet, hidden
from crawler.templates.text import (
    CELL_GAP, HAN, HTML_SPACE, INFO_AUTHOR_LINE, INFO_FIELD_AND_DATE, INFO_LINE, SHARE_WIDGET, SHARE_WORDS, TOOLS, WIDGET_GAP,
    Layout, html_blanks, source_blank,
)

__all__ = [
    "ZERO_WIDTH", "ZERO_WIDTH_RE", "CleanPipeline", "CleanResult",
    "boilerplate_tail", "clean_body", "clean_paragraphs", "clean_title", "closes_text", "without_widget_cells",
]

# Invisible characters that editors and CMSs leave in text and spam kits use to break up
# keywords: zero-width space, non-joiner, joiner, word joiner, BOM / zero-width no-break space;
# and the other format characters a browser shows as nothing in Chinese text: soft hyphen,
# left-to-right and right-to-left marks, the invisible operators (U+2061-U+2064) and the
# Mongolian vowel separator. Left in, each hid the word it sat in from search.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u2061\u2062\u2063\u2064\u180e"
ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")


class CleanResult(NamedTuple):
    paragraphs: list[str]
    removals: list[Removal]


class _Para(NamedTuple):
    text: str
    links: list[tuple[int, int]]  # spans of <a> texts in ``text``
    zero_width: str  # the zero-width characters taken out of it


# --- spam vocabulary ---------------------------------------------------------------------

# Link-farm titles are chains of porn, gambling and lottery words. Strong words are next to
# never in the news; weak ones are common there (综合, 亚洲, 五月…) and only count together.
_STRONG = re.compile(
    "久久|[一二][区區][二三][区區]|六合彩|葡京|太[阳陽]城|pk10|婷婷|色[欲慾]|色情|[噜嚕]{2}|狠狠|人成[网網]"
    "|成人[网網]|麻豆|无码|無碼|[内內]射|啪|蜜芽|伊人|偷拍|aⅴ|天天[干幹射爽操]|毛片|[后後]入|一本大?道"
    "|加勒比|中文字幕|百家[乐樂]|[时時]{2}彩|北京[赛賽][车車]|博彩|[娱娛][乐樂]城|威尼斯人",
    re.I,
)
_WEAK = re.compile(
    "[综綜]合|[亚亞]洲|精品|[国國][产產]|[欧歐]美|日[韩韓]|五月|激情|丁香|在[线線]|[视視][频頻]|影院|第一[页頁]"
    "|[图圖]片[区區]|成人|[涩澀]|免[费費]|高清|[观觀]看|[导導]航|[资資]源|[网網]站|[国國][内內]|三[区區]|福利|自拍|高潮"
)


def _score(text: str) -> int:
    return 2 * len(_STRONG.findall(text)) + len(_WEAK.findall(text))


def _farm(texts: list[str], indented: Callable[[int], bool] | None = None) -> tuple[int, int] | None:
    """The span (first, last index) of the link farm in a run of list items, or None.

    Several spam titles are required and they must be most of the span, so one odd title in a
    real list of links never counts. The span then takes in neighbouring titles that are half
    spam (亚洲图片综合区), never a title without two spam words, nor one that the paper's
    indentation parts from the span (``indented(i)``: between items i - 1 and i): a kit glues
    its farm before a paragraph's text, and a short line of the paper's with two weak words
    (中小学生免费观看) is as half spam as such a title.
    """
    scores = list(map(_score, texts))
    hits = [i for i, score in enumerate(scores) if score >= 3]
    if len(hits) < 3 or len(hits) < 0.6 * (hits[-1] - hits[0] + 1):
        return None
    first, last = hits[0], hits[-1]
    while first > 0 and scores[first - 1] >= 2 and not (indented and indented(first)):
        first -= 1
    while last < len(scores) - 1 and scores[last + 1] >= 2 and not (indented and indented(last + 1)):
        last += 1
    return first, last


def _spammy(text: str) -> bool:
    return _score(text) >= 3


# --- reading the HTML --------------------------------------------------------------------

# Comments go at parse time: the Founder body is wrapped in <!--<npm:article-content>--> markers.
# Huge trees, as the page objects parse (crawler.templates.text.parse): without, libxml2 stops
# nesting at 256 levels and drops the rest, and an editor's unclosed <font> on every line nests
# each line one deeper (an article of 700 such lines kept 253).
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
_KIT_ID = re.compile(r"body_jx_\d+|__overflow_a")


def _collapse(text: str) -> str:
    return html_blanks(ZERO_WIDTH_RE.sub("", text)).strip()


class _Reader(Layout):
    """Lays a fragment out in paragraphs as a browser shows it (crawler.templates.text.Layout,
    as the page objects lay text out), leaving out what it would not show and recording it, and
    keeping where each link's text lies. With ``hide_styled`` off, elements hidden by CSS count
    as visible (script, style and kit blocks stay out).
    """

    def __init__(self, root, hide_styled: bool = True, sheet: StyleSheet | None = None):
        super().__init__()
        self.paragraphs: list[_Para] = []
        self.removals: list[Removal] = []
        self._hide_styled = hide_styled
        # The file's <style> rules where the page object read them (they hold the fragment's),
        # else the fragment's, as the page objects read a heading's (hiding.hidden).
        self._sheet = sheet or StyleSheet(root) or None
        self._links: list[tuple[int, int]] = []
        # The region's contents; its own tag and style are the page's, not the article's.
        self.read(root)

    def line(self, raw: str) -> None:
        links, self._links = self._links, []
        if raw.isspace():  # the source's line breaks between blocks
            return
        # Zero-width characters go before anything is measured: kits put them inside keywords.
        zero_width = "".join(ZERO_WIDTH_RE.findall(raw))
        if zero_width:
            raw, links = _substituted(raw, links, ZERO_WIDTH_RE, lambda match: "")
        # The blanks are read over the whole paragraph: a line break of the source may end one
        # element's text and the next may begin the other's.
        if links:
            raw, links = _substituted(raw, links, HTML_SPACE, lambda match: source_blank(raw, match))
        else:
            raw = html_blanks(raw)
        text = raw.strip()  # with the U+3000 / no-break space indentation
        if not text:
            return
        if links:
            shift = raw.index(text)
            links = [(max(a - shift, 0), min(b - shift, len(text))) for a, b in links]
            links = [(a, b) for a, b in links if a < b]
        self.paragraphs.append(_Para(text, links, zero_width))

    def left_out(self, element, tag) -> bool:
        if not isinstance(tag, str):
            return True
        if (kind := self._removed(element, tag)) is None:
            return False
        text = _collapse("".join(element.itertext()))  # what it held (a script's source if nothing)
        if kind == "spam:script" and not text and element.get("src"):
            text = f"src={element.get('src')}"
        if kind and text:
            self.removals.append(Removal(kind, text))
        return True

    def _removed(self, element, tag: str) -> str | None:
        """The kind of removal an element is, "" for one left out silently, None to keep it."""
        if tag in ("script", "noscript"):
            return "spam:script"
        if tag == "style":
            return ""  # styling, not text
        if _KIT_ID.fullmatch(element.get("id") or ""):
            return "spam:hidden"
        if not self._hide_styled:
            return None
        return "spam:hidden" if hidden(element, self._sheet) else None

    def opened(self, element, tag: str):
        # Where a link's text begins: the line's length and the paragraphs before it.
        return (self._length, len(self.paragraphs)) if tag == "a" else True

    def closed(self, element, tag: str, opened) -> None:
        if tag == "a":
            start, paragraphs = opened
            if self._length > start and len(self.paragraphs) == paragraphs:
                self._links.append((start, self._length))


def _substituted(
    text: str, links: list[tuple[int, int]], pattern: re.Pattern, replace: Callable[[re.Match], str]
) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each match of ``pattern`` replaced, the link spans moved to match: a
    position inside a replaced match moves into its replacement, or to its end."""
    parts: list[str] = []
    edits: list[tuple[int, int, int, int]] = []  # match start and end, replacement start and length
    done = length = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        replacement = replace(match)
        parts += (text[done:start], replacement)
        length += start - done
        edits.append((start, end, length, len(replacement)))
        length += len(replacement)
        done = end
    parts.append(text[done:])

    def moved(position: int) -> int:
        index = bisect_left(edits, position, key=lambda edit: edit[0]) - 1  # the last edit starting before
        if index < 0:
            return position
        start, end, new_start, new_length = edits[index]
        if position < end:
            return new_start + min(position - start, new_length)
        return new_start + new_length + position - end

    return "".join(parts), [(moved(a), moved(b)) for a, b in links]


# --- link farms ---------------------------------------------------------------------------

# The label of one widespread kit, in either script, followed by any colon.
# Kits set blanks between its characters too (主站 蜘蛛池模板 :), as they set zero-width ones.
_LABEL = re.compile(r"主\s*站\s*蜘\s*蛛\s*池\s*模\s*[板闆]\s*[:：﹕︰]")
_PIPES = re.compile(r"[|｜丨]")
# What may stand between the links of a farm, for character classes: the hyphen escaped, as
# other characters follow it in some (unescaped before the sentence marks, it made a range of
# U+005F-U+3002, letters, dashes and quotes, that parted a clause between links into titles).
_GAP_CHARS = r"\s|｜丨,，、/·•_\-"
_GAP = re.compile(f"[{_GAP_CHARS}]*")
_CONTENT = re.compile(f"[^{_GAP_CHARS}]")
_SENTENCE_MARKS = "。！？!?；;…）)”」』】"  # what ends a sentence, or the note closing it
_SENTENCE_END = re.compile(rf".*[{_SENTENCE_MARKS}]")
_SHORT = 30  # longer than any link-farm title; shorter than most sentences


def _runs(para: _Para) -> list[list[tuple[int, int]]]:
    """Runs of list items in a paragraph, as text spans: links and the titles among them, or a
    |-joined chain."""
    if para.links:
        return _linked_runs(para)
    pipes = list(_PIPES.finditer(para.text))
    if len(pipes) < 2:
        return _blank_runs(para.text) or _comma_tail_run(para.text)
    starts = [0] + [pipe.end() for pipe in pipes]
    ends = [pipe.start() for pipe in pipes] + [len(para.text)]
    # The chain may follow real text: its first title starts after that text's last sentence.
    lead = _SENTENCE_END.match(para.text, 0, ends[0])
    starts[0] = lead.end() if lead else 0
    run = [(a, b) for a, b in zip(starts, ends)]
    if run[0][1] - run[0][0] > _SHORT:  # no title is that long: leave the text glued to it
        run = run[1:]
    # Nor is the last, or one that ends a sentence: a title glued to the text after it.
    if run and (run[-1][1] - run[-1][0] > _SHORT or _ENDS_SENTENCE.intersection(para.text[slice(*run[-1])])):
        run = run[:-1]
    if any(b - a > _SHORT for a, b in run):  # prose that happens to use |
        return []
    return [run]


# A piece of text outside the links: up to a separator, or a sentence's or clause's mark and
# the marks after it (such a piece is the end of a sentence, never a title).
_OUTSIDE_PIECE = re.compile(rf"[^{_GAP_CHARS}{_SENTENCE_MARKS}]+[{_SENTENCE_MARKS}]*|[{_SENTENCE_MARKS}]+")


def _linked_runs(para: _Para) -> list[list[tuple[int, int]]]:
    """Runs of list items in a paragraph with links: links, and the titles without links set
    among them (kits mix the two), parted by separators alone. The text between links is read
    piece by piece: a sentence's end, or a piece too long for a title, ends a run. Pieces
    without links before a run's first link count only from the paragraph's start or a
    sentence's end, and after its last link only up to the paragraph's end: elsewhere they may
    be the clauses of the sentence the run stands in."""
    runs: list[list[tuple[int, int]]] = []
    run: list[tuple[int, int]] = []
    linked = set(para.links)
    leading_ok = True  # the run began at the paragraph's start or after a sentence's end

    def close(trailing_ok: bool) -> None:
        items = run
        if not leading_ok:
            while items and items[0] not in linked:
                items = items[1:]
        if not trailing_ok:
            while items and items[-1] not in linked:
                items = items[:-1]
        if items:
            runs.append(items)

    done = 0
    for a, b in [*para.links, (len(para.text), len(para.text))]:
        for piece in _OUTSIDE_PIECE.finditer(para.text, done, a):
            if piece.end() - piece.start() > _SHORT or _ENDS_SENTENCE.intersection(piece[0]):
                close(trailing_ok=False)
                run, leading_ok = [], piece[0][-1] in _ENDS_SENTENCE
            else:
                run.append(piece.span())
        if a < b:
            run.append((a, b))
        done = b
    close(trailing_ok=True)
    return runs


# A run of three pieces or more parted by blanks, each short and no sentence nor clause: it
# begins after a blank, at the paragraph's start, or right after a sentence's last mark (a
# title glued to it: ……（据民政部官网）久久综合网 …). Found in one pass: prose costs no loop.
_MARKS = "。！？!?；;…）)”」』】，,"
_BLANK_RUN = re.compile(rf"(?:(?<=[\s{_MARKS}])|^)[^\s{_MARKS}]{{1,{_SHORT}}}(?:\s+[^\s{_MARKS}]{{1,{_SHORT}}}){{2,}}(?=\s|$)")
_PIECE = re.compile(r"\S+")
_HAN_CHAR = re.compile(f"[{HAN}]")


def _blank_runs(text: str) -> list[list[tuple[int, int]]]:
    """Runs of titles without links parted by blanks, as text spans: short pieces, none a
    sentence, in Chinese. Only runs with spam enough for three titles are split (_farm)."""
    if text.count(" ") + text.count("\xa0") + text.count("\u3000") < 2:
        return []
    return [
        [piece.span() for piece in _PIECE.finditer(text, *run.span())]
        for run in _BLANK_RUN.finditer(text)
        if _HAN_CHAR.search(run[0]) and _score(run[0]) >= 9
    ]


_COMMAS = re.compile(r"[，,、]")
_COMMA_PIECE = re.compile(r"[^，,、\s]+")
_ENDS_SENTENCE = frozenset(_SENTENCE_MARKS)


def _tail_start(text: str) -> int | None:
    """Where the text after a paragraph's last sentence begins (0 if it has none), for a
    paragraph that ends with no sentence's mark, as a list does; None for one that ends as
    prose does, which costs a look at its last character."""
    if text[-1] in _ENDS_SENTENCE:
        return None
    lead = _SENTENCE_END.match(text)
    return lead.end() if lead else 0


def _comma_tail_run(text: str) -> list[list[tuple[int, int]]]:
    """Titles without links joined by commas after a paragraph's last sentence (or making it
    up): a comma is prose's too, so only a paragraph that ends with no sentence's mark, as a
    list does, is looked at."""
    start = _tail_start(text)
    if start is None or len(_COMMAS.findall(text, start)) < 2:
        return []
    run = [piece.span() for piece in _COMMA_PIECE.finditer(text, start)]
    if len(run) < 3 or any(b - a > _SHORT for a, b in run) or _score(text[start:]) < 9:
        return []
    return [run]


_NO_TITLE_CHAR = re.compile(r"[\W_]")  # titles glued to one another: letters and digits only


def _glued_titles(text: str) -> tuple[int, int] | None:
    """The span of titles without links glued to one another, no separator between them, after
    a paragraph's last sentence (or making it up), as a list ends the paragraph. Without
    separators the titles cannot be counted: the text must be longer than one title, no
    clause, and made of spam words (two strong ones at least, spam enough for three titles,
    a point of _score for every three characters), as no heading or caption about spam is."""
    start = _tail_start(text)
    if start is None or len(text) - start <= _SHORT or _NO_TITLE_CHAR.search(text, start):
        return None
    tail = text[start:]
    score = _score(tail)
    if score >= 9 and score * 3 >= len(tail) and len(_STRONG.findall(tail)) >= 2:
        return start, len(text)
    return None


def _farms(para: _Para) -> list[tuple[int, int]]:
    """Text spans of the link farms in a paragraph, first to last spam title of each."""
    found = []
    for run in _runs(para):
        if span := _farm([para.text[a:b] for a, b in run], lambda i: _INDENT in para.text[run[i - 1][1] : run[i][0]]):
            first, last = span
            while first <= last and not _title_at_edge(para, run[first], end=False):
                first += 1
            while last >= first and not _title_at_edge(para, run[last], end=True):
                last -= 1
            if first <= last:
                found.append((run[first][0], run[last][1]))
    if found:
        return found
    span = _leading_spam_link(para) if para.links else _glued_titles(para.text)
    if span and not (_title_at_edge(para, span, end=False) and _title_at_edge(para, span, end=True)):
        return []
    return [span] if span else []


# How the paper opens a paragraph's text; no farm of the seeds or the fixtures parts titles so.
_INDENT = "\u3000\u3000"
_NOT_TITLE_EDGE = re.compile(r"[^0-9a-z]", re.I)  # kits' titles end in 97, 999, 40p, d: no text
_BAR_CHARS = "|｜丨"


def _title_at_edge(para: _Para, span: tuple[int, int], end: bool) -> bool:
    """Whether a farm's first (or last, ``end``) title ends where its span does on that side.

    A link, or a bar beside it, marks where it ends. Else the paper's text may be glued to it
    (a caption, a heading, a byline: 久久综合网|亚洲一区二区图为会议现场), and the title is
    taken only where it opens (ends) with a spam word, give or take one character and the
    digits and letters kits add: a paper's text is no one character. Blanks and commas are
    prose's too, and mark nothing."""
    if span in para.links:
        return True
    a, b = span
    if (para.text[b : b + 1] if end else para.text[a - 1 : a] if a else "") in tuple(_BAR_CHARS):
        return True
    piece = para.text[a:b]
    words = [m.span() for pattern in (_STRONG, _WEAK) for m in pattern.finditer(piece)]
    if not words:
        return False
    edge = piece[max(b for _, b in words) :] if end else piece[: min(a for a, _ in words)]
    return len(_NOT_TITLE_EDGE.findall(edge)) <= 1


def _leading_spam_link(para: _Para) -> tuple[int, int] | None:
    """The span of a spam title linked at a paragraph's start, before its text: kits set one
    there, glued to the paper's first sentence. One is enough where the link marks where it
    ends, a strong spam word is in it and the paper's sentence follows, no other link (one
    odd title in a list of links is no spam); a title without a link could end anywhere."""
    if len(para.links) > 1:
        return None
    a, b = para.links[0]
    if _CONTENT.search(para.text, 0, a) or not _SENTENCE_END.match(para.text, b):
        return None
    title = para.text[a:b]
    return (a, b) if _spammy(title) and _STRONG.search(title) else None


def _single_item(para: _Para) -> bool:
    """A paragraph that is one link, or one short line, as link farms put one title per line."""
    if para.links:
        a, b = para.links[0]
        return len(para.links) == 1 and not _CONTENT.search(para.text[:a] + para.text[b:])
    return len(para.text) <= _SHORT and not _PIPES.search(para.text) and not _SENTENCE_END.match(para.text)


def _labelled_farm_end(para: _Para, start: int) -> int:
    """Where the farm whose label ends at ``start`` ends: after the run of links that follows
    the label, when the paragraph's text goes on after them (the farm was set inside it);
    else at the paragraph's end, as the titles of a farm without links cannot be told apart
    from text."""
    run = [(a, b) for a, b in para.links if a >= start]
    if not run or not _GAP.fullmatch(para.text, start, run[0][0]):
        return len(para.text)
    end = run[0][1]
    for a, b in run[1:]:
        if not _GAP.fullmatch(para.text, end, a):
            break
        end = b
    end = _GAP.match(para.text, end).end()
    return end if _CONTENT.search(para.text, end) else len(para.text)


_TITLE_GAP = re.compile(r"[\s|｜丨]+")
_CLAUSE = re.compile(r"[。！？!?；;，,]")


def _outside_links(para: _Para) -> str:
    """The paragraph's text outside its links."""
    outside, last = [], 0
    for a, b in para.links:
        outside.append(para.text[last:a])
        last = b
    outside.append(para.text[last:])
    return "".join(outside)


def _list_like(para: _Para) -> bool:
    """All links and separators, |-joined pieces, or titles without links (one, or several
    parted by | or blanks, none a sentence): what follows a link-farm label. Kits split the
    farm over paragraphs of any number of titles, down to one."""
    if not _CONTENT.search(_outside_links(para)) or len(_PIPES.findall(para.text)) >= 2:
        return True
    pieces = _TITLE_GAP.split(para.text.strip())
    return not para.links and not _CLAUSE.search(para.text) and all(len(piece) <= _SHORT for piece in pieces)


# --- boilerplate --------------------------------------------------------------------------

_S = WIDGET_GAP  # what separates the words of a widget


def _widget(*words: str, lead: str = "") -> re.Pattern:
    """A line made only of these words and separators, at least one word, after ``lead``."""
    word = "|".join(words)
    return re.compile(rf"{_S}*{lead}{_S}*(?:(?:{word}){_S}*)+")


def _line(pattern: str) -> re.Pattern:
    return re.compile(rf"{_S}*(?:{pattern}){_S}*")


_DATE = r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期.)?)?"
_TOOL = "|".join(TOOLS)
# An editor's name line: 责任编辑：李四, （责编：李四 王五）.
_EDITOR_NAME = r"[^\s:：︰﹕()（）\[\]【】。！？!?，,；;、]{1,12}"
_BOILERPLATE: list[tuple[str, int, re.Pattern]] = [  # kind, longest line it applies to, pattern
    # A path: 当前位置：首页 > 政务联播 > …
    ("boilerplate:breadcrumb", 100, _line(
        r"(?:(?:[当當]前|您的|你的|所在)位置\s*[:：]?\s*(?:首[页頁]|[^。！？!?，,；;]*[>＞»›→])|首[页頁]\s*[>＞»›→])[^。！？!?，,；;]*")),
    ("boilerplate:navigation", 80, _widget(
        "首[页頁]", "[上下]一[期版篇]", "版面[导導]航", "[标標][题題][导導]航", "版面目[录錄]", "按日期查[阅閱]",
        "返回(?:版面|目[录錄]|首[页頁]|[顶頂]部)", "往期回[顾顧]", lead=_DATE)),
    ("boilerplate:navigation", 80, _line(r"(?:[上下]一篇\s*[:：][^。！？]*){1,2}")),
    # The heading of a site's (or a kit's) block of links: 友情链接：, left behind by the farm after it.
    ("boilerplate:navigation", 20, _line(r"友情[链鏈]接")),
    ("boilerplate:tools", 40, _widget(*TOOLS)),
    ("boilerplate:share", 60, _line(SHARE_WIDGET)),
    ("boilerplate:share", 30, _line(
        r"[扫掃]一[扫掃]\s*在?手[机機]上?打[开開](?:[当當]前[页頁]|本[页頁]|本文)?|(?:手[机機]|微信)[扫掃]一[扫掃]")),
    # Share by QR code: 用微信扫描二维码 分享至好友和朋友圈, 手机扫码阅读. A sentence about a QR
    # code says more, and 扫码 or 二维码 alone may be a heading.
    ("boilerplate:share", 30, _line(
        r"用?(?:微信|手[机機])?[扫掃](?:描|一[扫掃]|[码碼])?(?:二[维維][码碼])?\s*"
        r"(?:分享[至到](?:好友和朋友圈|朋友圈|好友|微信)|在?(?:手[机機]上?)?(?:打[开開]|[阅閱][读讀]|[浏瀏][览覽]))")),
    # A "follow us" line: 关注 · 广州政府网. Without the dot it may be a real heading (关注民生).
    ("boilerplate:share", 30, _line(r"[关關]注\s*[·•・]\s*\S{1,20}?(?:[网網]|微博|微信|公[众眾][号號]|客[户戶]端)")),
    # A CMS page's info line (crawler/templates/text.py): two fields or more, 来源：…　作者：…
    ("boilerplate:meta", 160, INFO_LINE),
    ("boilerplate:meta", 60, _line(rf"(?:[责責]任[编編][辑輯]|[责責][编編])\s*[:：︰﹕]?\s*{_EDITOR_NAME}(?:\s+{_EDITOR_NAME}){{0,3}}")),
    # A line of tools and share buttons together: 【字体：大 中 小】 分享到：微博 微信.
    ("boilerplate:tools", 80, _line(
        rf"(?:(?:{SHARE_WORDS}){_S}*)*(?:{_TOOL})(?:{_S}*(?:{_TOOL}|{SHARE_WORDS}))*")),
    ("boilerplate:copyright", 150, _line(r"版[权權][声聲]明\s*[:：].*|(?:(?i:copyright)|©|版[权權]所有\s*[:：©]).*")),
    ("boilerplate:copyright", 60, _line(r".*版[权權]所有")),
    # 版权所有 某某日报社 未经授权不得转载: the notice set apart by a blank (版权所有人… is a sentence).
    ("boilerplate:copyright", 150, _line(r"[^。！？!?，,；;]{0,20}?版[权權]所有(?:\s|©).*")),
    ("boilerplate:separator", 5, re.compile(r"[-|_·•\s]+")),
]
# A heading of the related-links widget. In print, 相关新闻 heads a related story that the body
# carries on with, so it goes only where nothing but its list of links follows it.
_RELATED = ("boilerplate:related", 20, _line(r"相[关關](?:附件|新[闻聞]|[链鏈]接|[阅閱][读讀]|文章)"))


# A list item's date beside its title: 2024-05-01, (2024.05.01), [05-01], 2024年5月1日 10:30.
_ITEM_DATE = (
    rf"{_S}*(?:\d{{4}}\s*[-./年]\s*)?\d{{1,2}}\s*[-./月]\s*\d{{1,2}}\s*日?(?:\s*\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?{_S}*"
)
_LINKED_ITEM_DATE = re.compile(_ITEM_DATE)
# A title without a link and its date after it, apart from it: a short line, no sentence.
_TITLE_WITH_DATE = re.compile(rf"[^。！？!?；;]{{2,40}}?[\s(（\[【|｜]{_ITEM_DATE}")


def _list_item(para: _Para) -> bool:
    """Whether a paragraph is an item of a list of links: links and separators, or links and
    their date, or a short title with its date after it (a related-links list sets them so)."""
    if para.links:
        outside = _outside_links(para)
        return not _CONTENT.search(outside) or bool(_LINKED_ITEM_DATE.fullmatch(outside))
    return bool(_TITLE_WITH_DATE.fullmatch(para.text))


def _boilerplate(text: str, rules=_BOILERPLATE) -> str | None:
    for kind, longest, pattern in rules:
        if len(text) <= longest and pattern.fullmatch(text):
            return kind
    return None


# --- cleaning ------------------------------------------------------------------------------

# A cell of a table row may be a widget on its own (日期｜来源｜打印｜分享到); a dash in a table of
# figures is an empty cell, no separator line.
_CELL_RULES = [rule for rule in _BOILERPLATE if rule[0] != "boilerplate:separator"]


def _field_and_date(kind: str | None, text: str) -> bool:
    """Whether ``text``, which ``kind`` says is boilerplate, is an info line of one field and a
    date, which a chart's or a table's credit inside the text reads as too."""
    return kind == "boilerplate:meta" and bool(INFO_FIELD_AND_DATE.fullmatch(text))


def closes_text(later: Sequence[str]) -> bool:
    """Whether a line that ``later`` (the lines after it, stripped) follow closes an article's
    text: none of them is the text's own, each is the page's boilerplate. Where it does, a line
    of one field and a date (INFO_FIELD_AND_DATE) is the page's info line, which goes and names
    the article's source, and a 来源 line alone the text's source note; elsewhere the one is a
    credit inside the text, the other a line of it. One rule for the cleaner and the page
    objects (founder.info_source, founder.closing_source), which read the lines as a page shows them."""
    return boilerplate_tail(later) == 0


def boilerplate_tail(lines: Sequence[str]) -> int:
    """Where the run of the page's boilerplate under an article's text (its lines, stripped)
    begins: len(lines) where the last line is the text's own. A table row is judged as the
    cleaner judges it, without its widget cells."""
    start = len(lines)
    while start and _page_boilerplate(lines[start - 1]):
        start -= 1
    return start


@lru_cache(maxsize=1024)
def _page_boilerplate(line: str) -> bool:
    """Whether a line is the page's boilerplate, a table row's widget cells and the cells left
    too. Remembered: the page object asks of an article's last lines for its source note, its
    info line's source and its author (some 2 µs a short line)."""
    if _boilerplate(line):
        return True
    return CELL_GAP in line and (not (rest := without_widget_cells(line)) or bool(_boilerplate(rest)))


def _removed_info_source(removals: Sequence[Removal]) -> str:
    """The 来源 field of the line of one field and a date the cleaner took out as the page's
    info line (it opens or closes the text, closes_text), or "". The cleaner knows a related
    list under the line by its links, which the page object's lines have not: read as text there,
    the list keeps the page object from naming the line's source (founder.info_source)."""
    for removal in removals:
        if _field_and_date(removal.kind, removal.text) and (source := info_source([removal.text])):
            return source
    return ""


def without_widget_cells(row: str, removals: list[Removal] | None = None) -> str:
    """A table row's line (cells joined by CELL_GAP) without the cells that are site widgets,
    each recorded in ``removals``: what the cleaner, and the page objects, read as the row's
    info line (来源：…｜作者：…｜返回首页 is 来源：…｜作者：…)."""
    kept = []
    for cell in row.split(CELL_GAP):
        if (kind := _boilerplate(cell.strip(), _CELL_RULES)) and not _field_and_date(kind, cell.strip()):
            if removals is not None:
                removals.append(Removal(kind, cell.strip()))
        else:
            kept.append(cell)
    return CELL_GAP.join(kept).strip()


def _describe_zero_width(chars: str) -> str:
    counts = ", ".join(f"U+{ord(c):04X}×{n}" for c, n in sorted(Counter(chars).items()))
    return f"{len(chars)} zero-width characters ({counts})"


def _one_title_per_line(paras: list[_Para]) -> set[int]:
    """Indexes of paragraphs that belong to a link farm laid out one title per line.

    Such titles are judged as a run, never one by one: a lone short line is a real heading.
    """
    found: set[int] = set()
    start = 0
    while start < len(paras):
        end = start
        while end < len(paras) and _single_item(paras[end]):
            end += 1
        if span := _farm([para.text for para in paras[start:end]]):
            found.update(range(start + span[0], start + span[1] + 1))
        start = end + 1
    return found


_TRAILING_GAP = re.compile(f"[{_GAP_CHARS}]*$")


def _cut(text: str, spans: list[tuple[int, int]], removals: list[Removal]) -> str:
    """``text`` without the link farms at ``spans`` and the separators that follow them, or
    precede them where they end the text (the separator after a title left with the text)."""
    if not spans:
        return text
    for a, b in reversed(spans):
        removals.append(Removal("spam:link-farm", text[a:b]))
        rest = text[_GAP.match(text, b).end() :]
        text = (text[:a].rstrip() if rest else _TRAILING_GAP.sub("", text[:a])) + rest
    return text.strip() if _CONTENT.search(text) else ""


def _clean(paras: list[_Para]) -> CleanResult:
    removals: list[Removal] = []
    kept: list[str] = []
    related: list[int] = []  # indexes in ``kept`` of related-links headings
    linked: set[int] = set()  # indexes in ``kept`` of list items: links (and a date) and nothing else
    zero_width = ""
    farmed = _one_title_per_line(paras)
    after_label = False
    closing: list[tuple[int, int]] = []  # info lines of a field and a date kept: their indexes in ``kept`` and ``removals``
    for index, para in enumerate(paras):
        text = para.text
        if label := _LABEL.search(text):
            end = _labelled_farm_end(para, label.end())
            removals.append(Removal("spam:labelled-link-farm", text[label.start() : end].rstrip()))
            text, after_label = (text[: label.start()].rstrip() + text[end:]).strip(), end == len(text)
        elif after_label and _list_like(para) and _score(text) >= 2:  # a list of real titles is no farm
            removals.append(Removal("spam:labelled-link-farm", text))
            continue
        elif index in farmed:
            removals.append(Removal("spam:link-farm", text))
            continue
        else:
            after_label = False
            text = _cut(text, _farms(para), removals)
        if not text:
            continue
        if not (kind := _boilerplate(text)) and CELL_GAP in text:
            if not (text := without_widget_cells(text, removals)):
                continue
            kind = _boilerplate(text)  # the cells left may together be an info line
        # Inside the text a field and a date is a credit; closing it (nothing kept after it), an info line.
        if credit := bool(kind and _field_and_date(kind, text) and kept):
            kind = None
        elif not kind and index == 0 and INFO_AUTHOR_LINE.fullmatch(text):
            kind = "boilerplate:meta"  # the page's byline, which the page object reads (founder.info_author)
        if kind:
            removals.append(Removal(kind, text))
            continue
        if _boilerplate(text, [_RELATED]):
            related.append(len(kept))
        if related and text == para.text and _list_item(para):  # only an item after a heading counts
            linked.add(len(kept))
        if credit:
            closing.append((len(kept), len(removals)))
        kept.append(text)
        zero_width += para.zero_width
    # The widget is its heading and the titles it links to: a story after it is the paper's.
    while related and linked.issuperset(range(related[-1] + 1, len(kept))):
        start = related.pop()
        removals += [Removal("boilerplate:related", text) for text in kept[start:]]
        del kept[start:]
    while closing and closes_text(kept[closing[-1][0] + 1 :]):
        _, removed_at = closing.pop()
        removals.insert(removed_at, Removal("boilerplate:meta", kept.pop()))
    if zero_width:
        removals.append(Removal("spam:zero-width", _describe_zero_width(zero_width)))
    return CleanResult(kept, removals)


def clean_body(body, sheet: StyleSheet | None = None) -> CleanResult:
    """The paragraphs of an article's content region, without spam and boilerplate.

    ``body``: the region's inner HTML, or its element as a page object parsed it (comments
    dropped at parse time: crawler.templates.text.parse), which is read without a second parse.
    ``sheet``: what the file's <style> rules hide (the page object's body_sheet), where some
    stand outside the region (in <head>); else the region's own are read.
    """
    if isinstance(body, str):
        if not body.strip():
            return CleanResult([], [])
        body = etree.fromstring(f"<div>{body}</div>", _PARSER).find("body")
    reader = _Reader(body, sheet=sheet)
    # When everything on the page is hidden by CSS, the site shows it by script: it is the text.
    if not reader.paragraphs and any(r.kind == "spam:hidden" for r in reader.removals):
        reader = _Reader(body, hide_styled=False, sheet=sheet)
    result = _clean(reader.paragraphs)
    return CleanResult(result.paragraphs, reader.removals + result.removals)


def clean_paragraphs(paragraphs: list[str]) -> CleanResult:
    """Like clean_body, for an article that only has its paragraphs as text (no markup rules)."""
    paras = []
    for paragraph in paragraphs:
        text = ZERO_WIDTH_RE.sub("", paragraph).strip()
        if text:
            paras.append(_Para(text, [], "".join(ZERO_WIDTH_RE.findall(paragraph))))
    return _clean(paras)


_TITLE_SEPARATOR = re.compile(r"\s*[_＿|｜]\s*")  # kits chain keywords with _ and with |


def _chained(part: str, in_chain: bool) -> bool:
    """Whether a _-joined part of a title is spam: one strong word will do next to other spam."""
    return _spammy(part) or (in_chain and bool(_STRONG.search(part)))


def clean_title(text: str) -> tuple[str, list[Removal]]:
    """A title (or subtitle, caption) without zero-width characters and _- or |-joined spam chains.

    SEO spam puts keyword chains before (and sometimes after) the real title, joined by _ or |; the
    title itself is never taken, even when it looks like spam.
    """
    removals = []
    if zero_width := "".join(ZERO_WIDTH_RE.findall(text)):
        removals.append(Removal("spam:zero-width", _describe_zero_width(zero_width)))
        text = ZERO_WIDTH_RE.sub("", text)
    separators = list(_TITLE_SEPARATOR.finditer(text))
    start, end = 0, len(text)
    for sep in separators:  # chain before the title
        if not _chained(text[start : sep.start()], start > 0):
            break
        start = sep.end()
    for sep in reversed(separators):  # chain after it
        if sep.end() <= start or not _chained(text[sep.end() : end], end < len(text)):
            break
        end = sep.start()
    if chain := " … ".join(part for part in (text[:start], text[end:]) if part):
        removals.append(Removal("spam:title-chain", chain))
    return text[start:end].strip(), removals


# --- pipeline ------------------------------------------------------------------------------

class CleanPipeline:
    """Turns an article's body_html into clean paragraphs and cleans its headings and captions."""

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        if item.body_element is not None:
            result = clean_body(item.body_element, item.body_sheet)
            item.body_element = None  # the tree stays with its page object, out of the store's copies
        elif item.body_html:
            result = clean_body(item.body_html, item.body_sheet)
        else:
            result = clean_paragraphs(item.paragraphs)
        item.body_sheet = None  # let go with the tree
        item.paragraphs = result.paragraphs
        item.removals.extend(result.removals)
        # Junk after the note (a link farm, one title a line, a related list) kept it out of
        # the page object's last lines, which may then have named an info line's 来源 instead:
        # the cleaned text ends with the article's own, and the note it closes with wins. A
        # related list under an info line of a source and a date kept the page object from
        # reading that line.
        item.source = closing_source(result.paragraphs) or item.source or _removed_info_source(result.removals)
        # A byline printed under the text: read from the cleaned text, as the reader sees it,
        # where no title block, lead line, metadata or info line named one.
        item.byline = item.byline or closing_byline(result.paragraphs)
        for name in ("pretitle", "title", "subtitle"):
            text, removals = clean_title(getattr(item, name))
            setattr(item, name, text)
            item.removals.extend(removals)
        for image in item.images:
            image.caption, removals = clean_title(image.caption)
            item.removals.extend(removals)
        return item
