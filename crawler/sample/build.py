"""Generate the sample e-paper: the 2023-01-31 issue of 公益时报, as its Founder (方正) web edition.

    python -m crawler.sample.build [--out DIR]
    python -m crawler.sample.build --issues 50 --out DIR   # an archive of 50 issues, for benchmarks

The text is real: it comes from the seed documents in tests/fixtures/seeds. Page 07 (社會工作)
carries the two articles of that page: the 民政部 one exactly as the web edition shows it
(seed 001, spam block included) and the 廣西 one reflowed from the page's PDF text (seed 000).
The other pages hold articles made from the paragraphs of seeds 002, 003 and 004: seven
articles for fifteen pages, so the longer ones are cut in parts, each titled with a heading or
a phrase of its own text, continued parts carrying the first part's headline as 引题.
Everything is in Traditional script (OpenCC s2t) with the web edition's half-width
punctuation, as the real site serves it.

Each page links a real PDF of its print text, in Simplified script as printed: the articles
typeset in columns by ``crawler.sample.typeset`` (reportlab, STSong-Light). Page 07's PDF
holds the two articles of seed 000 as that page printed them; the other pages' PDFs hold the
seed text their web articles were made from.

The HTML follows the Founder template as real sites serve it, oddities included: node ids
that are not page numbers, ``id=pageLink`` on every row, ``?div=-1`` and ``?div=0`` links,
a title list written by ``document.write``, an article linked only from the page picture, and
spam-kit output inside one article's content and after another's.

``site/manifest.json`` says what a crawl must find. Paths are relative to the site root (the
paper's root URL). Per article: ``paragraphs`` counts the <P> of the content as published,
without the spam (a lead byline line and the closing source line are paragraphs too);
``byline`` and ``source`` are given the way a reader names them: ``本報記者 皮磊`` without
the ■, ``據民政部官網`` without the brackets.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from html import escape
from pathlib import Path

from crawler.sample import ISSUE_DATE, SITE
from crawler.sample.typeset import newspaper_pdf
from pipelines.script import converter

SEEDS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "seeds"
ISSUE = date.fromisoformat(ISSUE_DATE)
PAPER = "公益時報"
ROOT_URL = "http://www.gongyishibao.com/newdzb/"


def issue_dir(day: date) -> str:
    return f"html/{day:%Y-%m}/{day:%d}"


def image_dir(day: date) -> str:
    return f"images/{day:%Y-%m}/{day:%d}"


ISSUE_DIR = issue_dir(ISSUE)
UP = "../../../"  # from an issue folder back to the site root
# Page number -> node id. Real node ids follow the order pages were made, not their numbers:
# a crawler that computes node_N.htm from N fetches the wrong pages here.
NODES = {1: 1, 2: 3, 3: 2, 4: 5, 5: 4, 6: 8, 7: 9, 8: 6, 9: 7, 10: 12, 11: 10, 12: 11, 13: 13, 14: 16, 15: 14, 16: 15}
FIRST_ARTICLE_ID = 306501
SPAM_MARK = "主站蜘蛛池模板:"
# Columns of the page PDFs and characters per column line.
PDF_LAYOUT = {"columns": 4, "chars_per_line": 16}

# Placeholders for pictures: a JPEG's start and end markers, and the classic 1x1 transparent GIF for the template's icons.
JPEG = b"\xff\xd8\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
STYLE = """body { font-family: "PMingLiU", serif; font-size: 12px; }
.nav, .px12, .default { font-size: 12px; }
.mulu02 { background: #e6eef7; font-weight: bold; padding-left: 6px; }
ul.ul01_l, ul.ul02_l { list-style: none; margin: 0; padding: 4px; background: #fff; border: 1px solid #ccc; }
"""


# --- text from the seeds -----------------------------------------------------------------

# The pure-Python OpenCC always: the C++ package's newer dictionaries would give another site.
_S2T = converter("s2t", "pure")
_T2S = converter("t2s", "pure")
# The print text each web text was made from (see _web), for the page PDFs.
_PRINTED: dict[str, str] = {}
# The web edition sets these half-width: 日前,民政部… (據民政部官網).
_HALF_WIDTH = str.maketrans("，（）：；", ",():;")
_HAN = re.compile(r"[\u3400-\u9fff]")
# A block of PDF text that ends one of these closes its paragraph; otherwise the blank line
# after it is a column break inside the paragraph.
_CLOSERS = ("。", "！", "？", "”", "）", ")")


def _seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def _lines(number: str) -> list[str]:
    return [line.strip() for line in _seed(number).splitlines()]


def _line(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.startswith(start))


def _slice(lines: list[str], first: str, last: str) -> list[str]:
    """The lines from the one starting with ``first`` to the next one containing ``last``."""
    start = lines.index(_line(lines, first))
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    return lines[start : end + 1]


def _reflow(lines: list[str]) -> list[str]:
    """Paragraphs of PDF text: wrapped lines joined, column breaks inside paragraphs dropped."""
    paragraphs: list[str] = []
    open_end = False
    for block in filter(None, ("".join(b.split("\n")).strip() for b in "\n".join(lines).split("\n\n"))):
        if open_end:
            paragraphs[-1] += block
        else:
            paragraphs.append(block)
        # A byline (■ 本报记者 …) is a line of its own, closed or not.
        open_end = not block.endswith(_CLOSERS) and not block.startswith("■")
    return paragraphs


def _unspace(text: str) -> str:
    """Drop the spaces PDF extraction adds ("2022 年", "。 玉林"); keep those between words
    of a phrase such as “情暖新春 共护未来”, which the web edition keeps too."""

    def keep(match: re.Match) -> str:
        before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
        return " " if _HAN.match(before) and _HAN.match(after) else ""

    return re.sub(r"\s+", keep, text.strip())


def _web(simplified: str) -> str:
    """Simplified print text as the Traditional web edition publishes it."""
    web = _S2T.convert(_unspace(simplified)).translate(_HALF_WIDTH)
    _PRINTED[web] = simplified.strip()
    return web


def _printed(web: str) -> str:
    # Text written for the web edition only (a teaser list, a byline) has no print original:
    # plain OpenCC stands in for it.
    return _PRINTED.get(web) or _T2S.convert(web)


# --- the issue ---------------------------------------------------------------------------


@dataclass
class Article:
    title: str
    paragraphs: list[str]  # as published, without the indent
    pretitle: str = ""
    subtitle: str = ""
    author: str = ""  # the title block's 作者 row and the metadata's <author>
    captions: list[str] = field(default_factory=list)
    spam: str = ""  # "inside" the content as its last paragraph, or "after" its end
    listed: bool = True  # False: only a hot zone of the page picture links it
    hot_zone_div: str = "-1"
    printed: list[str] = field(default_factory=list)  # headline, then paragraphs, as printed
    id: int = 0
    page: Page | None = None

    @property
    def file(self) -> str:
        return f"content_{self.id}.htm"

    @property
    def byline(self) -> str:
        lead = re.match(r"■\s*(本報記者.*)", self.paragraphs[0])
        return self.author or (lead[1] if lead else "")

    @property
    def source(self) -> str:
        found = re.search(r"\((據[^()]+)\)$", self.paragraphs[-1])
        return found[1] if found else ""

    def print_version(self) -> tuple[str, list[str]]:
        """Headline and paragraphs (the subtitle first) as the page PDF sets them."""
        if self.printed:
            return self.printed[0], self.printed[1:]
        subtitle = [self.subtitle] if self.subtitle else []
        return _printed(self.title), [_printed(text) for text in subtitle + self.paragraphs]


@dataclass
class Page:
    number: int
    section: str
    articles: list[Article]
    written_titles: bool = False  # the title list is document.write(view("…")), no text
    day: date = ISSUE

    @property
    def node(self) -> int:
        return NODES[self.number]

    @property
    def file(self) -> str:
        return f"node_{self.node}.htm"

    @property
    def label(self) -> str:
        return f"第{self.number:02d}版：{self.section}"

    @property
    def code(self) -> str:
        return f"GYSB{self.day:%Y%m%d}{self.number:02d}"

    @property
    def pdf(self) -> str:
        return f"{image_dir(self.day)}/{self.number:02d}/{self.code}.pdf"

    def printed(self) -> list[str]:
        """The text of the page PDF: each article's headline, then its paragraphs."""
        return [text for article in self.articles for title, body in [article.print_version()] for text in [title, *body]]

    @property
    def picture(self) -> str:
        return f"{image_dir(self.day)}/{self.number:02d}/{self.code}_b.jpg"


def _page_07() -> tuple[list[tuple[int, str]], list[Article], str]:
    """Seed 001 (the web page: page list, the 民政部 article, spam) and seed 000 (the PDF)."""
    web = _seed("001")
    pages = [(int(n), section.strip()) for n, section in re.findall(r"^\s*第(\d\d)版:(.+)$", web, re.M)[:16]]
    head, spam = web.split(SPAM_MARK)
    spam = SPAM_MARK + spam.rstrip("\r\n")
    lines = [line.strip() for line in head.splitlines()]
    title_at = lines.index(_line(lines, "2023年01月31日")) + 1
    mca = Article(
        title=lines[title_at],
        subtitle=lines[title_at + 1],
        paragraphs=[line for line in lines[title_at + 2 :] if line],
        spam="inside",
        hot_zone_div="0",
    )

    pdf = _lines("000")
    lede, body = _slice(pdf, "日前", "重点任务。"), _slice(pdf, "会议指出", "（据民政部官网）")
    mca.printed = [_line(pdf, "民政部召开"), _line(pdf, "全国乡镇(街道)"), *_reflow(lede + [""] + body)]
    # The lead runs across all columns above the body. Its opening quotation mark is a stray
    # glyph of the PDF (it is never closed), so it goes.
    lead = _reflow(_slice(pdf, "“为做好", "健康平安。"))[0].lstrip("“")
    guangxi = Article(
        title=_line(lines, "廣西開展"),
        subtitle=_web(_line(pdf, "广西各地民政部门")),
        paragraphs=[_web(p) for p in [lead, *_reflow(_slice(pdf, "自治区民政厅负责同志带", "（据广西壮族自治区民政厅）"))]],
    )
    return pages, [mca, guangxi], spam


def _front_page_articles() -> dict[str, Article]:
    """Seed 002: the front page of a social-work paper, with teasers, pictures and a byline."""
    lines = _lines("002")

    def body(first: str, last: str) -> list[str]:
        return [_web(p) for p in _reflow(_slice(lines, first, last))]

    def title_and_subtitle(start: str) -> dict[str, str]:
        title, subtitle = _line(lines, start).split(" ", 1)
        return {"title": _web(title), "subtitle": _web(subtitle)}

    captions = [_web(line) for line in lines if "图片来源" in line]
    guangdong = body("近日,经广东省", "(据广东省民政厅)")
    # The byline is printed as is: its spaces are the paper's, not the PDF's.
    lanmajia = [_S2T.convert(_line(lines, "■")), *body("近日,江西省民政厅", "进一步落地。")]
    teasers = []
    for head in ("浙江:", "广西:", "全国优秀共青团员柯燕琼:"):
        line = lines[lines.index(head) + 1]
        text, page = re.fullmatch(r"(.+?)\s*(\d+) 版", line).groups()
        teasers.append(f"{_web(head + text)} {page}版")
    return {
        "guangdong": Article(**title_and_subtitle("广东发布"), paragraphs=guangdong[:4], captions=captions[:1]),
        "guangdong-2": Article(
            pretitle=_web(_line(lines, "广东发布").split(" ")[0]),
            title=_web("打造具有广东特色的困难群众和特殊群体兜底民生服务体系"),
            paragraphs=guangdong[4:],
        ),
        "teasers": Article(title="本期導讀", paragraphs=teasers, listed=False),
        "hubei": Article(**title_and_subtitle("湖北省民政厅"), paragraphs=body("近日,湖北省民政厅", "(据湖北省民政厅)")),
        "lanmajia": Article(title=_web(_line(lines, "江西开展")), paragraphs=lanmajia[:3], captions=captions[1:]),
        # The same reporter's story, continued: here the byline is in the title block.
        "lanmajia-2": Article(
            title=_web("浙江蚂蚁公益基金会启动“五社联动”乡镇(街道)社工站助力计划"),
            author=lanmajia[0].lstrip("■ "),
            paragraphs=lanmajia[3:],
        ),
    }


def _social_work_articles() -> dict[str, Article]:
    """Seed 004: a social-work page whose headlines the PDF text puts after the bodies."""
    lines = _lines("004")
    jiangxi_title = _web(lines[0] + lines[1])
    # The lead runs across the page under the headline; the PDF text puts it last.
    jiangxi_lead = _slice(lines, "为深入学习", "心关爱工程”。")
    jiangxi = [_web(p) for p in _reflow(jiangxi_lead + [""] + _slice(lines, "《通知》提出", "（据江西省民政厅）"))]
    tianshui_title = _web("".join(_slice(lines, "甘肃天水：", "社工站结对帮扶")))
    tianshui = [_web(p) for p in _reflow(_slice(lines, "今年来", "（据《天水日报》）"))]
    return {
        "xinjiang": Article(
            title=_web(_line(lines, "新疆：")),
            paragraphs=[_web(p) for p in _reflow(_slice(lines, "记者从新疆", "（据天山网）"))],
            spam="after",
        ),
        "jiangxi": Article(title=jiangxi_title, paragraphs=jiangxi[:5]),
        "jiangxi-2": Article(
            pretitle=jiangxi_title,
            title=_web("开展“邻里守望行动”“移风易俗行动”“温暖回家行动”“阳光助残行动”"),
            paragraphs=jiangxi[5:],
        ),
        "tianshui": Article(title=tianshui_title, paragraphs=tianshui[:3]),
        "tianshui-2": Article(pretitle=tianshui_title, title=_web("突出优势,推行特色化帮扶"), paragraphs=tianshui[3:6]),
        "tianshui-3": Article(pretitle=tianshui_title, title=_web("健全机制,推行常态化帮扶"), paragraphs=tianshui[6:]),
    }


def _guangzhou_articles() -> dict[str, Article]:
    """Seed 003: a civil-affairs bureau's report, one paragraph a line, cut at its headings."""
    lines = _lines("003")
    meeting = _web(_line(lines, "广州市民政局召开"))

    def part(title: str, *starts: str) -> Article:
        return Article(pretitle=meeting, title=_web(title), paragraphs=[_web(_line(lines, s)) for s in starts])

    return {
        "guangzhou": Article(
            title=meeting, subtitle=_web(_line(lines, "坚持党建引领")), paragraphs=[_web(_line(lines, "2月17日上午"))]
        ),
        "review": part(_line(lines, "回顾2021年"), "2021年以来"),
        "outlook": part(_line(lines, "展望2022年"), "(一)2022年", "在推进社会工作发展方面", "在民政志愿服务工作方面"),
        "exchange": part(_line(lines, "分享交流经验"), "会上,番禺区", "白云区民政局"),
        "remarks": part("不断开创慈善社工和志愿服务工作新局面", "市民政局党组成员"),
        "panyu": Article(title=_web("番禺区大力推动社区基金培育发展"), paragraphs=[_web(_line(lines, "番禺区大力推动"))]),
    }


def issue() -> tuple[list[Page], str]:
    """The 16 pages with their articles, ids assigned in page order, and the spam block."""
    sections, page_07, spam = _page_07()
    a = _front_page_articles() | _social_work_articles() | _guangzhou_articles()
    articles = {
        1: [a["guangdong"], a["guangdong-2"], a["teasers"]],
        2: [a["hubei"]],
        3: [a["lanmajia"]],
        4: [a["xinjiang"]],
        5: [a["jiangxi"]],
        6: [a["tianshui"]],
        7: page_07,
        8: [a["tianshui-2"], a["tianshui-3"]],
        9: [a["jiangxi-2"]],
        10: [a["guangzhou"]],
        11: [a["review"]],
        12: [a["outlook"]],
        13: [a["lanmajia-2"]],
        14: [a["exchange"]],
        15: [a["remarks"]],
        16: [a["panyu"]],
    }
    pages = [Page(n, section, articles[n], written_titles=n == 8) for n, section in sections]
    next_id = FIRST_ARTICLE_ID
    for page in pages:
        for article in page.articles:
            article.id, article.page = next_id, page
            next_id += 1
    return pages, spam


# --- HTML --------------------------------------------------------------------------------

_WEEKDAYS = "一二三四五六日"


def _date_line(day: date) -> str:
    return f"{day.year}年{day:%m}月{day:%d}日 星期{_WEEKDAYS[day.weekday()]}"


_HEAD = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML>
<HEAD>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<TITLE>{PAPER}</TITLE>
<LINK href="{UP}tplimg/style.css" type=text/css rel=stylesheet>
<SCRIPT language=Javascript>
function showMenu(id){{ document.getElementById(id).style.display = "block"; }}
function hideMenu(id){{ document.getElementById(id).style.display = "none"; }}
function view(s){{ return s; }}
function goPrePeriod(){{ location.href = "{UP}paperindex.htm"; }}
function goNextPeriod(){{ location.href = "{UP}paperindex.htm"; }}
</SCRIPT>
</HEAD>
<BODY leftMargin=0 topMargin=0>
"""

_DATE_PICKER = """<form name=CLD style="margin:0px"><select class=jumpmenu name=SY><script language=JavaScript>for(i=2008;i<2024;i++) document.write('<option>'+i+'</option>')</script></select><select class=jumpmenu name=SM><script language=JavaScript>for(i=1;i<13;i++) document.write('<option>'+i+'</option>')</script></select></form>"""

_COPYRIGHT = f"版權聲明：《{PAPER}》刊發的所有作品，版權均屬於公益時報社。未經書面授權，不得轉載、摘編。<br>公益時報社 版權所有"


def _x(text: str) -> str:
    return escape(text, quote=False)


def _header(pages: list[Page], page: Page) -> str:
    menu = "".join(f"<li><a href={p.file}>{_x(p.label)}</a></li>" for p in pages)
    titles = "".join(_title_item(page, article) for article in page.articles if article.listed)
    return f"""<TABLE width=1000 align=center border=0 cellPadding=0 cellSpacing=0>
  <TR><TD height=90 class=top_bg><IMG src="{UP}tplimg/logo.gif" border=0 alt="{PAPER}"></TD></TR>
  <TR><TD class=nav height=28>
    <A href="{UP}paperindex.htm">首頁</A> |
    <SPAN onmouseover="showMenu('bmdh')" onmouseout="hideMenu('bmdh')">版面導航
      <DIV id=bmdh style="display:none;position:absolute;z-index:10"><UL class=ul01_l>{menu}</UL></DIV>
    </SPAN> |
    <SPAN onmouseover="showMenu('btdh')" onmouseout="hideMenu('btdh')">標題導航
      <DIV id=btdh style="display:none;position:absolute;z-index:10">
        <ul class="ul02_l">{titles}</ul>
      </DIV>
    </SPAN>
  </TD></TR>
</TABLE>
"""


def _title_item(page: Page, article: Article) -> str:
    if page.written_titles:
        assert '"' not in article.title  # it goes into a JavaScript string literal
        text = f'<script>document.write(view("{_x(article.title)}"))</script>'
    else:
        text = _x(article.title)
    return f'<li>&middot;<a href={article.file}?div=-1><div style="display:inline" id=mp{article.id}>{text}</div></a></li>'


def _side(pages: list[Page]) -> str:
    """Date line, page list (版面目錄), date picker and copyright: the same on every file."""
    rows = "\n".join(
        f"<tr bgcolor={'#ffffff' if p.number % 2 else '#f0f5fa'}><td class=default>&nbsp;<a id=pageLink href={p.file}>{_x(p.label)}</a></td>"
        f"<td align=middle width=30><a href={UP}{p.pdf} target=_blank><img src={UP}tplimg/pdf.gif border=0></a></td></tr>"
        for p in pages
    )
    return f"""<span class="paperdate"><strong>{_date_line(pages[0].day)}</strong></span><span id=upqi style="display:none"><a href="javascript:goPrePeriod();">上一期</a> <a href="javascript:goNextPeriod();">下一期</a></span>
      <TABLE width="100%" border=0 cellPadding=0 cellSpacing=0 style="margin-top:10px">
        <TR><TD class=mulu02 height=26>版面目錄</TD></TR>
        <TR><TD valign=top><TABLE cellSpacing=0 cellPadding=2 width="100%" border=0><TBODY>
{rows}
        </TBODY></TABLE></TD></TR>
      </TABLE>
      <TABLE width="100%" border=0 cellPadding=0 cellSpacing=0 style="margin-top:10px">
        <TR><TD class=mulu02 height=26>按日期查閱</TD></TR>
        <TR><TD>{_DATE_PICKER}</TD></TR>
      </TABLE>
      <TABLE width="100%" border=0 cellPadding=0 cellSpacing=0 style="margin-top:10px">
        <TR><TD class=default height=60>{_COPYRIGHT}</TD></TR>
      </TABLE>"""


def _label_cell(page: Page) -> str:
    return f"<TD class=px12 width=220>第{page.number:02d}版：<STRONG>{_x(page.section)}</STRONG></TD>"


def page_html(pages: list[Page], page: Page) -> str:
    i = pages.index(page)
    links = ""
    if i > 0:
        links += f"<a class=preart href={pages[i - 1].file}>上一版</a>&nbsp;"
    if i + 1 < len(pages):
        links += f"<a class=preart id=ed_next href={pages[i + 1].file}>下一版</a>&nbsp;"
    band = 680 // len(page.articles)
    areas = "".join(
        f'<Area coords="10,{10 + k * band},458,{10 + k * band},458,{6 + (k + 1) * band},10,{6 + (k + 1) * band}" '
        f'shape="polygon" href="{a.file}?div={a.hot_zone_div}">'
        for k, a in enumerate(page.articles)
    )
    return f"""{_HEAD}{_header(pages, page)}<TABLE width=1000 align=center border=0 cellPadding=0 cellSpacing=0>
  <TR>
    <TD width=480 valign=top>
      <TABLE width="100%" border=0 cellPadding=0 cellSpacing=0>
        <TR>
          {_label_cell(page)}
          <TD class=px12 align=right>{links}<a href={UP}{page.pdf} target=_blank><IMG height=16 src="{UP}tplimg/pdf.gif" width=16 border=0></a></TD>
        </TR>
      </TABLE>
      <MAP NAME=PagePicMap>{areas}</MAP><IMG src={UP}{page.picture} border=0 width=468 height=700 USEMAP=#PagePicMap>
    </TD>
    <TD width=20></TD>
    <TD width=500 valign=top>
      {_side(pages)}
    </TD>
  </TR>
</TABLE>
</BODY>
</HTML>
<!--enpproperty <founder-date>{page.day} 23:59:59</founder-date><founder-pagenum>{page.number}</founder-pagenum><founder-papername>{PAPER}</founder-papername><founder-type>2</founder-type><founder-content>{PAPER}</founder-content> /enpproperty-->
"""


def _spam_html(spam: str) -> str:
    """The spam kit's paragraph: its text exactly as seed 001 shows it, each name a link."""
    names = spam[len(SPAM_MARK) :].split("|")
    linked = []
    for n, name in enumerate(names):
        core = name.strip()
        if core:
            lead, trail = name[: name.index(core)], name[name.index(core) + len(core) :]
            name = f'{lead}<a href="http://www.{n:02d}zhanqun.example/" target="_blank">{_x(core)}</a>{trail}'
        linked.append(name)
    return f"<P>{SPAM_MARK}{'|'.join(linked)}</P>"


def _pictures(article: Article) -> str:
    if not article.captions:
        return ""
    rows = "".join(
        f'\n            <tr><td align=center><IMG src="{UP}{_article_picture(article, k)}" border=0 width=400></td></tr>'
        f"\n            <tr><td align=center class=font6>{_x(caption)}</td></tr>"
        for k, caption in enumerate(article.captions)
    )
    return f"""<table id=newspic width=400 align=center border=0 cellspacing=0 cellpadding=0>{rows}
          </table>
          """


def _article_picture(article: Article, k: int) -> str:
    return f"{image_dir(article.page.day)}/{article.page.number:02d}/res{article.id}_{k + 1:02d}_attpic_brief.jpg"


def article_html(pages: list[Page], article: Article, spam: str) -> str:
    page = article.page
    paragraphs = [f"<P>　　{_x(p)}</P>" for p in article.paragraphs]
    if article.spam == "inside":
        paragraphs.append(_spam_html(spam))
    after = "\n" + _spam_html(spam) if article.spam == "after" else ""
    body = "\n".join(paragraphs)
    metadata = (
        f"<articleid>{article.id}</articleid><date>{page.day}</date><author>{_x(article.author)}</author>"
        f"<title>{_x(article.title)}</title><keyword></keyword><subtitle>{_x(article.subtitle)}</subtitle>"
        f"<introtitle>{_x(article.pretitle)}</introtitle><siteid>1</siteid><nodeid>{page.node}</nodeid>"
        f"<nodename>{_x(page.section)}</nodename><nodesearchname></nodesearchname>"
    )
    return f"""{_HEAD}{_header(pages, page)}<TABLE width=1000 align=center border=0 cellPadding=0 cellSpacing=0>
  <TR>
    <TD width=220 valign=top>
      {_side(pages)}
    </TD>
    <TD width=20></TD>
    <TD width=760 valign=top>
      <TABLE width="100%" border=0 cellPadding=0 cellSpacing=0>
        <TR>
          {_label_cell(page)}
          <TD class=px12 align=right><a class=preart href={page.file}>返回版面</a></TD>
        </TR>
      </TABLE>
      <TABLE class=mulu02 width="100%"><TR><TD height=26>新聞內容</TD></TR></TABLE>
      <table class=wz width="100%" border=0 cellspacing=0 cellpadding=0>
        <tr valign=top><td align=center height=22 style="font-size:14px">{_x(article.pretitle)}</td></tr>
        <tr valign=top><td align=center style="font-size:22px;font-weight:bold;line-height:32px">{_x(article.title)}</td></tr>
        <tr valign=top><td align=center style="font-size:16px;line-height:26px">{_x(article.subtitle)}</td></tr>
        <tr valign=top><td align=center height=22>{_x(article.author)}</td></tr>
        <tr><td>
          {_pictures(article)}<div id=ozoom style="font-size:16px;line-height:28px"><founder-content><!--<npm:article-content>-->
{body}
<!--</npm:article-content>--></founder-content></div>{after}
        </td></tr>
      </table>
    </TD>
  </TR>
</TABLE>
</BODY>
</HTML>
<!--enpproperty {metadata} /enpproperty-->
"""


def _paperindex(newest: date) -> str:
    return f"""<HTML>
<HEAD>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<META HTTP-EQUIV="REFRESH" CONTENT="0; URL={issue_dir(newest)}/node_1.htm">
<TITLE>{PAPER}</TITLE>
</HEAD>
<BODY></BODY>
</HTML>
"""


# --- the site ----------------------------------------------------------------------------


def manifest(pages: list[Page]) -> dict:
    return {
        "paper": PAPER,
        "issue_date": ISSUE_DATE,
        "root": ROOT_URL,
        "entry": f"{ISSUE_DIR}/node_1.htm",
        "pages": [
            {
                "number": p.number,
                "label": p.label,
                "section": p.section,
                "path": f"{ISSUE_DIR}/{p.file}",
                "node": p.node,
                "pdf": p.pdf,
                "picture": p.picture,
                "articles": [f"{ISSUE_DIR}/{a.file}" for a in p.articles],
                "titles_written_by_script": p.written_titles,
            }
            for p in pages
        ],
        "articles": [
            {
                "path": f"{ISSUE_DIR}/{a.file}",
                "id": str(a.id),
                "page": p.number,
                "pretitle": a.pretitle,
                "title": a.title,
                "subtitle": a.subtitle,
                "byline": a.byline,
                "source": a.source,
                "paragraphs": len(a.paragraphs),
                "captions": a.captions,
                "spam_injected": bool(a.spam),
                "spam_position": a.spam or None,
                "in_title_list": a.listed,
            }
            for p in pages
            for a in p.articles
        ],
    }


def _common_files(newest: date) -> dict[str, bytes]:
    """The files every issue shares: the paper's index (pointing at the newest issue) and icons."""
    return {
        "paperindex.htm": _paperindex(newest).encode(),
        "tplimg/style.css": STYLE.encode(),
        "tplimg/pdf.gif": GIF,
        "tplimg/logo.gif": GIF,
    }


@lru_cache(maxsize=256)
def _page_pdf(printed: tuple[tuple[str, tuple[str, ...]], ...]) -> bytes:
    # Typesetting is the slow part of a build, and an archive's issues repeat the same pages.
    return newspaper_pdf([(title, list(body)) for title, body in printed], **PDF_LAYOUT)


def _issue_files(pages: list[Page], spam: str) -> Iterator[tuple[str, bytes]]:
    """The files of one issue: page and article HTML, page PDFs and pictures."""
    folder = issue_dir(pages[0].day)
    for page in pages:
        yield f"{folder}/{page.file}", page_html(pages, page).encode()
        yield page.pdf, _page_pdf(tuple((title, tuple(body)) for title, body in (a.print_version() for a in page.articles)))
        yield page.picture, JPEG
        for article in page.articles:
            yield f"{folder}/{article.file}", article_html(pages, article, spam).encode()
            for k, _ in enumerate(article.captions):
                yield _article_picture(article, k), JPEG


def files() -> dict[str, bytes]:
    """Every file of the site by its path under the site root."""
    pages, spam = issue()
    site = _common_files(ISSUE) | dict(_issue_files(pages, spam))
    site["manifest.json"] = (json.dumps(manifest(pages), ensure_ascii=False, indent=2) + "\n").encode()
    return site


def _write(out: Path, site: Iterable[tuple[str, bytes]]) -> tuple[int, int]:
    """Write ``site`` into ``out``, replacing an earlier build there; (files, bytes) written."""
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").exists():
            raise FileExistsError(f"{out} is not empty and holds no sample site: not overwritten")
        shutil.rmtree(out)
    count = size = 0
    for path, content in site:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        count, size = count + 1, size + len(content)
    return count, size


def build(out: Path = SITE) -> dict[str, bytes]:
    """Write the site into ``out``, replacing an earlier build there."""
    site = files()
    _write(out, site.items())
    return site


# --- a whole archive, for benchmarks -----------------------------------------------------

ARCHIVE_START = date(2022, 1, 4)  # a Tuesday: the paper comes out weekly on Tuesdays
FIRST_ARCHIVE_ARTICLE_ID = 1_000_001


def archive_issues(count: int, articles_per_page: int = 5, first: date = ARCHIVE_START) -> Iterator[tuple[list[Page], str]]:
    """``count`` weekly issues from ``first``, 16 pages of ``articles_per_page`` articles each.

    The articles take the sample issue's texts in turn, spam included. One in three is served
    in Traditional script as the sample is; the others in Simplified (the sample's text through
    OpenCC t2s), so that script detection sees both and only a share needs converting.
    """
    sample, spam = issue()
    texts = [article for page in sample for article in page.articles]
    t2s = _T2S
    simplified = [
        replace(
            a,
            pretitle=t2s.convert(a.pretitle), title=t2s.convert(a.title), subtitle=t2s.convert(a.subtitle),
            author=t2s.convert(a.author), paragraphs=[t2s.convert(p) for p in a.paragraphs],
            captions=[t2s.convert(c) for c in a.captions],
        )
        for a in texts
    ]
    next_id = FIRST_ARCHIVE_ARTICLE_ID
    for n in range(count):
        day = first + timedelta(weeks=n)
        pages = []
        for old in sample:
            page = Page(old.number, old.section, [], written_titles=old.written_titles, day=day)
            for _ in range(articles_per_page):
                k = next_id - FIRST_ARCHIVE_ARTICLE_ID
                text = (texts if k % 3 == 0 else simplified)[k % len(texts)]
                page.articles.append(replace(text, id=next_id, page=page))
                next_id += 1
            pages.append(page)
        yield pages, spam


def build_archive(out: Path, issues: int, articles_per_page: int = 5) -> dict:
    """Write a site of ``issues`` weekly issues into ``out``; returns its manifest (what a crawl must find)."""
    made = {"issues": 0, "pages": 0, "articles": 0, "traditional_articles": 0, "spam_articles": 0}

    def site() -> Iterator[tuple[str, bytes]]:
        for pages, spam in archive_issues(issues, articles_per_page):
            made["issues"] += 1
            made["pages"] += len(pages)
            for article in (a for page in pages for a in page.articles):
                made["articles"] += 1
                made["traditional_articles"] += (article.id - FIRST_ARCHIVE_ARTICLE_ID) % 3 == 0
                made["spam_articles"] += bool(article.spam)
            yield from _issue_files(pages, spam)
        yield from _common_files(last).items()

    last = ARCHIVE_START + timedelta(weeks=issues - 1)
    files_written, size = _write(out, site())
    archive = {
        "paper": PAPER,
        "root": ROOT_URL,
        "first_issue": ARCHIVE_START.isoformat(),
        "last_issue": last.isoformat(),
        "entry": "html/{date:%Y-%m}/{date:%d}/node_1.htm",
        **made,
        "files": files_written + 1,
        "bytes": size,
    }
    (out / "manifest.json").write_text(json.dumps(archive, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help=f"output directory (default: {SITE}; required with --issues)")
    parser.add_argument("--issues", type=int, default=0, help="instead of the sample, an archive of N weekly issues (benchmarks)")
    parser.add_argument("--articles-per-page", type=int, default=5, help="articles on each page of --issues (default 5)")
    args = parser.parse_args(argv)
    if args.issues and args.out is None:
        parser.error("--issues needs --out: the bundled sample site is not replaced")
    if args.issues < 0 or args.articles_per_page < 1:
        parser.error("--issues must be positive and --articles-per-page at least 1")
    try:
        if args.issues:
            made = build_archive(args.out, args.issues, args.articles_per_page)
            count, size = made["files"], made["bytes"]
        else:
            site = build(args.out or SITE)
            count, size = len(site), sum(map(len, site.values()))
    except FileExistsError as error:
        parser.error(str(error))
    print(f"wrote {count} files, {size / 1024:.0f} KiB, to {args.out or SITE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
