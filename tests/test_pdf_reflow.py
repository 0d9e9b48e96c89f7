"""PDF text reflow on real CJK PDFs, laid out like newspaper pages from the seed articles.

Ground truth: the articles of seeds 000 (民政部), 002 and 004, whose PDF text dumps are cut back
into paragraphs here (see ``_paragraphs``) and checked against the web edition (seed 001).
Expected output is each headline, then each paragraph, after ``normalize_text``: the one
space normalisation ``extract_paragraphs`` documents.
"""
from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import re
import time
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from pdfminer.layout import LAParams
from pdfminer.pdfpage import PDFPage
from reportlab.pdfgen import canvas

from crawler.items import ArticleItem, PagePdfItem, RawDocument
from crawler.pagepdf import PagePdf
from pipelines import pdf as pdf_module
from pipelines.normalize import normalize_text
from pipelines.pdf import PdfTextPipeline, extract_paragraphs, page_pdf_text
from crawler.sample.typeset import BODY, FONT, INDENT, _draw, blank_pdf, newspaper_pdf, scanned_pdf, width, wrap
from tests.chinese_script import to_simplified
from tests.conftest import wait_for
from tests.seeds import seed as seed_text

CLOSERS = ("。", "！", "？", "”", "）", ")")


def _seed(number: str) -> list[str]:
    return [line.strip() for line in seed_text(number).splitlines()]


def _slice(lines: list[str], first: str, last: str) -> list[str]:
    """The lines from the one starting with ``first`` to the next one containing ``last``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    return lines[start : end + 1]


def _paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs of a PDF text dump (blank lines between blocks of lines).

    A blank line is a paragraph break after a block that closes a sentence and a column break
    otherwise; a byline (■ 本报记者 …) stands alone.
    """
    paragraphs, open_end = [], False
    blocks = "\n".join(lines).split("\n\n")
    for block in filter(None, (b.replace("\n", "").strip() for b in blocks)):
        if open_end:
            paragraphs[-1] += block
        else:
            paragraphs.append(block)
        open_end = not block.endswith(CLOSERS) and not block.startswith("■")
    return paragraphs


def _seed_000() -> list[tuple[str, list[str]]]:
    lines = _seed("000")
    lede = _slice(lines, "日前", "重点任务。")
    body = _slice(lines, "会议指出", "（据民政部官网）")
    return [("民政部召开全国志愿服务和社会工作电视电话会议", _paragraphs(lede + [""] + body))]


def _seed_002() -> list[tuple[str, list[str]]]:
    titles = [
        "广东发布城乡社区服务体系建设“十四五”规划 年内实现社会工作服务站(点)全覆盖",
        "湖北省民政厅召开社会工作创新发展座谈会 深化“五社联动”机制建设",
        "江西开展 “蓝马甲行动”乡镇(街道)社工站老年人专项服务",
    ]
    lines = _seed("002")
    starts = [lines.index(title) for title in titles] + [len(lines)]
    return [(lines[a], _paragraphs(lines[a + 1 : b])) for a, b in zip(starts, starts[1:])]


def _seed_004() -> list[tuple[str, list[str]]]:
    lines = _seed("004")
    return [
        (
            "江西：在全省部署实施“五社联动 暖心关爱工程”",
            _paragraphs(_slice(lines, "为深入学习", "心关爱工程”。") + [""]
                        + _slice(lines, "《通知》提出", "（据江西省民政厅）")),
        ),
        (
            "甘肃天水：引导社会组织与乡镇街道社工站结对帮扶",
            _paragraphs(_slice(lines, "今年来", "（据《天水日报》）")),
        ),
        (
            "新疆：乡镇（街道）社工站建设取得积极进展",
            _paragraphs(_slice(lines, "记者从新疆", "（据天山网）")),
        ),
    ]


# seed, its articles, and the page layout: (columns, characters per line)
PAGES = {
    "000": (_seed_000(), dict(columns=4, chars_per_line=13)),
    "002": (_seed_002(), dict(columns=3, chars_per_line=18)),
    "004": (_seed_004(), dict(columns=5, chars_per_line=13)),
}


def _expected(articles: list[tuple[str, list[str]]]) -> list[str]:
    return [normalize_text(text) for title, paragraphs in articles for text in [title, *paragraphs]]


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {seed: newspaper_pdf(articles, **layout) for seed, (articles, layout) in PAGES.items()}


# --- the ground truth itself -------------------------------------------------------------

def test_ground_truth_matches_the_web_edition():
    """Seed 000's paragraphs as cut here are those of the web edition (seed 001) in Simplified."""
    web = _seed("001")
    start = next(i for i, line in enumerate(web) if line.startswith("日前"))
    end = next(i for i, line in enumerate(web) if line.endswith("(據民政部官網)"))

    def canonical(text: str) -> str:  # the web edition sets half-width punctuation
        text = text.translate(str.maketrans("，（）：；", ",():;")).replace("著力", "着力")
        return re.sub(r"\s", "", text)

    web_paragraphs = [canonical(to_simplified(line)) for line in web[start : end + 1] if line]
    (_, paragraphs), = _seed_000()
    assert [canonical(p) for p in paragraphs] == web_paragraphs


# --- reflow ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", PAGES)
def test_every_paragraph_comes_out_whole_and_in_order(pdfs, seed):
    articles, _ = PAGES[seed]
    assert extract_paragraphs(pdfs[seed]) == _expected(articles)


def test_paragraphs_that_end_flush_with_the_column():
    """Only the next line's indent shows where these end: no short line, often no full stop."""
    text = normalize_text(_seed_000()[0][1][2])  # 一是政策法规不断完善。如，推动出台国家标准《志愿…
    # With the two-character indent, 24 characters fill two 13-character lines, 11 one, 37 three.
    paragraphs = [text[:24], text[:11], text[:37], "（据民政部官网）"]
    article = [("民政部召开全国志愿服务和社会工作电视电话会议", paragraphs)]
    # Four lines a column: the third paragraph runs from column one into column two.
    assert extract_paragraphs(newspaper_pdf(article, columns=2)) == _expected(article)


def test_headlines_are_paragraphs_of_their_own(pdfs):
    paragraphs = extract_paragraphs(pdfs["002"])
    for title, _ in PAGES["002"][0]:
        assert normalize_text(title) in paragraphs
    # a space the paper sets between Chinese words stays; the one before a quote mark goes
    assert "广东发布城乡社区服务体系建设“十四五”规划 年内实现社会工作服务站(点)全覆盖" in paragraphs
    assert "江西开展“蓝马甲行动”乡镇(街道)社工站老年人专项服务" in paragraphs


def _teasers() -> list[tuple[str, str, str]]:
    """Seed 002's front-page teasers (导读): (place, headline, page reference)."""
    lines = [line for line in _seed("002")[: _seed("002").index(PAGES["002"][0][0][0])] if line]
    return [(place, *re.fullmatch(r"(.+) (\d+ 版)", teaser).groups()) for place, teaser in zip(lines[::2], lines[1::2])]


def test_a_teasers_page_reference_set_apart_stays_its_own_and_ends_the_teaser():
    """A teaser's page number set at the block's edge, apart from its headline, read as a
    column of its own: it was joined to the headline without its space (the number read as
    the headline's) and the next teaser's place ran on after it in the same paragraph."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    baseline, edge = 760, 72 + 26 * 12
    for place, headline, reference in _teasers():
        _draw(page, 72, baseline, place, 12)
        _draw(page, 72, baseline - 18, headline, 12)
        _draw(page, edge - width(reference, 12), baseline - 18, reference, 12)
        baseline -= 48
    page.save()
    assert extract_paragraphs(buffer.getvalue()) == [
        normalize_text(text) for place, headline, reference in _teasers() for text in (place, f"{headline} {reference}")]


@pytest.mark.parametrize("rows", [3, 7])  # the picture inside the column, or at the top of the next
def test_a_caption_standing_inside_a_paragraph_breaks_it_not(rows):
    """A picture and its caption (set smaller) inside a paragraph, the text running on below it
    or in the next column: the paragraph came out in two, cut mid-sentence, the caption between."""
    (_, paragraphs), *_ = _seed_002()
    first, second, caption = paragraphs[1], paragraphs[2], paragraphs[6]
    column_width, small = 13 * BODY, 8.0
    lines = wrap(first, BODY, column_width, INDENT)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    x, top = 72.0, 760.0
    y = top

    def body(text, indent, flush):
        nonlocal y
        _draw(page, x + indent, y, text, BODY, column_width - indent if flush else None)
        y -= 1.5 * BODY

    for index, text in enumerate(lines[:rows]):
        body(text, INDENT if index == 0 else 0.0, True)
    if rows == 7:  # the next column: the picture at its top
        x, y = x + column_width + 1.2 * BODY, top
    y -= 6 * BODY  # the picture
    caption_lines = wrap(caption, small, column_width)
    for index, text in enumerate(caption_lines):
        _draw(page, x, y, text, small, column_width if index < len(caption_lines) - 1 else None)
        y -= 1.4 * small
    y -= BODY
    for index, text in enumerate(lines[rows:]):
        body(text, 0.0, index < len(lines) - rows - 1)
    for index, text in enumerate(wrap(second, BODY, column_width, INDENT)[:2]):
        body(text, INDENT if index == 0 else 0.0, True)
    page.save()
    found = extract_paragraphs(buffer.getvalue())
    assert found[:2] == [normalize_text(first), normalize_text(caption)]
    assert normalize_text(second).startswith(found[2])


def test_a_headline_drawn_twice_for_bold_reads_once():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont(FONT, 18)
    for offset in (0, 0.3):  # fake bold: the same glyphs again, a hair to the right
        page.drawString(72 + offset, 700, "民政部召开电视电话会议")
    page.setFont(FONT, 10)
    page.drawString(92, 660, "会议指出，2022 年我国志愿服务工作取得一系列新进展。")
    page.save()
    assert extract_paragraphs(buffer.getvalue()) == [
        "民政部召开电视电话会议", "会议指出，2022年我国志愿服务工作取得一系列新进展。"
    ]


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_page_shown_turned_reads_as_a_reader_turning_it(rotate):
    """Its /Rotate entry turns the whole page: its text was dropped as sideways (90, 270), or
    read backwards, last line first (180)."""
    articles, layout = PAGES["004"]
    assert extract_paragraphs(newspaper_pdf(articles, **layout, rotate=rotate)) == _expected(articles)


@pytest.mark.parametrize("turn", [0, 180])
def test_text_standing_another_way_than_most_of_the_page_is_skipped(turn):
    """A page label set sideways in the margin of a page, or upright on a page set upside down."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont(FONT, 10)
    page.rotate(turn)
    x, y = (92, 660) if turn == 0 else (-500, -660)
    page.drawString(x, y, "会议指出，2022 年我国志愿服务工作取得一系列新进展。")
    page.drawString(x, y - 15, "一是政策法规不断完善。")
    page.rotate(90 - turn)
    page.drawString(300, -40, "第07版 社会工作")
    page.save()
    assert extract_paragraphs(buffer.getvalue()) == ["会议指出，2022年我国志愿服务工作取得一系列新进展。一是政策法规不断完善。"]


def _vertical_pdf(paragraphs: list[str], chars_per_column: int = 10) -> bytes:
    """Paragraphs set vertically (竖排) in a font of a vertical CMap: columns read top to bottom,
    right to left, a paragraph opening with a two-character indent."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    vertical = UnicodeCIDFont(FONT, isVertical=True)  # UniGB-UCS2-V
    vertical.name = vertical.fontName = f"{FONT}-V"
    pdfmetrics.registerFont(vertical)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    x = 500.0
    for paragraph in paragraphs:
        text = "\u3000\u3000" + paragraph
        for start in range(0, len(text), chars_per_column):
            page.setFont(vertical.name, BODY)
            page.drawString(x, 750, text[start:start + chars_per_column])
            x -= 1.5 * BODY
    page.setFont(FONT, BODY)
    page.drawString(72, 200, "本版另有横排的文字。")
    page.save()
    return buffer.getvalue()


def test_vertical_text_is_read_column_by_column_right_to_left():
    """Read by rows, the characters of neighbouring columns ran together (断会取二)."""
    paragraphs = ["会议指出，二〇二二年我国志愿服务工作取得一系列新进展，社会工作专业人才队伍不断壮大。",
                  "会议要求，要深入学习贯彻党的二十大精神。"]
    assert extract_paragraphs(_vertical_pdf(paragraphs)) == ["本版另有横排的文字。", *paragraphs]


@pytest.mark.parametrize("head, foot", [
    (("2023年1月31日 星期二", "社会工作", "07"), ("编辑：张三 美编：李四", "第07版")),
    (("A07", "公益时报"), ("2023年1月31日",)),
])
def test_running_heads_and_feet_are_not_text(head, foot):
    articles, layout = PAGES["004"]
    pdf = newspaper_pdf(articles, **layout, head=head, foot=foot)
    assert len(list(PDFPage.get_pages(io.BytesIO(pdf)))) > 1  # on every page
    assert extract_paragraphs(pdf) == _expected(articles)


def test_a_date_closing_the_last_article_of_a_page_is_text():
    """Only a row set apart by a block's white band is taken for a running foot."""
    article = [("关于开展志愿服务活动的通知", ["各区民政局：", "为做好寒假春节期间困境儿童关爱服务工作，请各区按要求做好有关工作，确保儿童温暖过冬。特此通知。", "2023年1月30日"])]
    assert extract_paragraphs(newspaper_pdf(article, columns=1, chars_per_line=20)) == _expected(article)


@pytest.mark.parametrize("columns", [2, 3])
def test_a_line_spread_out_by_justification_is_one_line(columns):
    """A long Latin word (an address) leaves the line before it a few characters, which
    justification spreads over the column, each gap wider than a gutter: one line still, not a
    column per character that breaks the page's reading order."""
    article = [("咨询服务信息", [
        "咨询电话：020-83123456，邮箱service@gongyishibao.com，工作时间为每周一至周五。",
        "会议强调，要把工作做实做细，把各项任务落到实处。",
    ])]
    pdf = newspaper_pdf(article, columns=columns, chars_per_line=13)
    assert extract_paragraphs(pdf) == _expected(article)


def test_spaces_around_digits_are_removed(pdfs):
    text = "\n".join(extract_paragraphs(pdfs["000"]))
    assert "总结2022年工作进展" in text and "达到78%" in text
    assert not re.search(r"\d [\u4e00-\u9fff]|[\u4e00-\u9fff] \d", text)


def test_latin_words_keep_their_space_across_a_line_break():
    words = "本届主题为 Social Work Builds Community Resilience Together Forever，由 UNICEF China 支持。"
    paragraphs = extract_paragraphs(newspaper_pdf([("测试", [words])], columns=2, chars_per_line=8))
    assert paragraphs == ["测试", normalize_text(words)]


def _column(paragraphs: list[list[str]], hang: int | None = None) -> bytes:
    """One column set line by line as given: each paragraph's first line indented two
    characters, every line but its last justified flush to the widest line; line ``hang``
    (counted over the column) hangs its last character past the edge (标点悬挂)."""
    edge = max(width(line, BODY) + (INDENT if i == 0 else 0) for lines in paragraphs for i, line in enumerate(lines))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    row = 0
    for lines in paragraphs:
        for i, line in enumerate(lines):
            indent = INDENT if i == 0 else 0.0
            flush = edge - indent + (BODY if row == hang else 0.0)
            _draw(page, 72 + indent, 700 - 1.5 * BODY * row, line, BODY, flush if i < len(lines) - 1 else None)
            row += 1
    page.save()
    return buffer.getvalue()


def test_a_latin_word_broken_at_a_line_end_is_joined_and_real_hyphens_stay():
    """inter-/national was stored "inter-national"; a hyphen of the word itself must stay."""
    broken = ["会议邀请来自十个国家的代表出 inter-", "national 论坛，讨论新冠疫情 COVID-", "19 之后的社会组织与志愿者们在 2023-",
              "2024 年的工作，推广电子报纸和电子 e-", "paper 的做法，交流社区互助小组 self-", "help 的经验，以及一些年轻的 Volun-",
              "teers 的经验。"]
    assert extract_paragraphs(_column([broken])) == [
        "会议邀请来自十个国家的代表出international论坛，讨论新冠疫情COVID-19之后的社会组织与志愿者们在2023-2024"
        "年的工作，推广电子报纸和电子e-paper的做法，交流社区互助小组selfhelp的经验，以及一些年轻的Volunteers的经验。"
    ]
    # A compound the page also sets whole inside a line keeps its hyphen at the break.
    whole = ["还介绍了 self-help 小组。"]
    assert extract_paragraphs(_column([broken, whole]))[0].endswith("交流社区互助小组self-help的经验，以及一些年轻的Volunteers的经验。")


def test_latin_words_keep_their_space_across_a_line_break_after_their_punctuation():
    """Work, / Builds ran together as "Work,Builds", UNICEF / (China) as "UNICEF(China)"."""
    lines = ["本届主题为社会工作与社区 Social Work,", "Builds Community: 由儿童基金会 UNICEF",
             "(China) 支持，参与的志愿者们都说 Yes!", "It works. 活动现场十分热烈，令人难忘。"]
    assert extract_paragraphs(_column([lines])) == [
        "本届主题为社会工作与社区Social Work, Builds Community:由儿童基金会UNICEF (China)支持，"
        "参与的志愿者们都说Yes! It works.活动现场十分热烈，令人难忘。"]
    # A number broken at its point, comma or colon stays one number.
    for before, after in (("2.", "5万"), ("1,", "000"), ("10:", "30")):
        assert not pdf_module._space_at_break(before, after)


def test_a_web_or_mail_address_broken_at_a_line_end_is_one_word():
    """A long address a column broke was stored with a space at the break ("www.mca.gov. cn/…",
    "foo@exa mple.com") or lost a hyphen of its own there: copied from the archive it led nowhere."""
    lines = ["详情请登录民政部网站 http://www.mca.", "gov.cn/article/xw/tzgg/2023-",
             "01/notice.shtml 查询，或发邮件至 service-", "center@mca.gov.cn 咨询，网址与 www.social-",
             "work.org.cn 上的说明相同。"]
    assert extract_paragraphs(_column([lines])) == [
        "详情请登录民政部网站http://www.mca.gov.cn/article/xw/tzgg/2023-01/notice.shtml查询，"
        "或发邮件至service-center@mca.gov.cn咨询，网址与www.social-work.org.cn上的说明相同。"]


def test_a_soft_hyphen_where_a_generator_broke_a_word_goes():
    """Some generators map the hyphen they break a word with to U+00AD, which reportlab cannot
    draw: the characters as pdfminer gives them. Left out as unprintable, the break read as a
    space between two words (inter national)."""

    class Drawn:  # pdfminer's LTChar, as _readable sees it
        def __init__(self, text: str) -> None:
            self.text = text

        def get_text(self) -> str:
            return self.text

    def line(text: str, top: float) -> pdf_module._Line:
        chars = [pdf_module._Char(c, 10 * i, 10 * i + 10, top, top + 10, 10) for i, c in enumerate(text)
                 if pdf_module._readable(Drawn(c))]
        return pdf_module._line(chars)

    assert pdf_module._join([line("本届主题为inter\u00ad", 0), line("national co\u00adoperation", 15)]) == (
        "本届主题为international cooperation")


def test_a_punctuation_mark_hanging_past_the_column_edge_breaks_no_paragraph():
    """With one line's comma hanging a character past the edge, every flush line of the column
    ended one character short of it: each was taken for a paragraph's last line."""
    paragraphs = [["会议指出，二〇二二年我国志", "愿服务工作取得一系列新进展，", "社会工作专业人才队伍不断壮", "大。"],
                  ["会议要求，要深入学习贯彻党", "的二十大精神。"]]
    assert extract_paragraphs(_column(paragraphs, hang=1)) == ["".join(lines) for lines in paragraphs]


def test_naive_text_rule_vs_positions(pdfs, capsys):
    """Not an assertion on the naive rule: a printed comparison of how many paragraphs it gets."""

    def naive(pdf: bytes) -> list[str]:
        # pdfminer's plain text, its line margin loosened to our leading so that it keeps each
        # column together, as in the seeds; a line that ends a sentence ends a paragraph.
        text = extract_text(io.BytesIO(pdf), laparams=LAParams(line_margin=0.8))
        paragraphs, current = [], ""
        for line in text.splitlines():
            current += line.strip()
            if current.endswith(("。", "！", "？", "”")):
                paragraphs.append(normalize_text(current))
                current = ""
        return paragraphs + [normalize_text(current)]

    total = found_naive = found_positions = 0
    for seed, (articles, _) in PAGES.items():
        expected = [normalize_text(p) for _, paragraphs in articles for p in paragraphs]
        total += len(expected)
        found_naive += len(set(expected) & set(naive(pdfs[seed])))
        found_positions += len(set(expected) & set(extract_paragraphs(pdfs[seed])))
    with capsys.disabled():
        print(f"\nparagraphs recovered exactly: text-only rule {found_naive}/{total}, "
              f"positions {found_positions}/{total}")
    assert found_positions == total


# --- robustness --------------------------------------------------------------------------

def _empty_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.rect(100, 100, 200, 200)  # a drawing, but no text
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_a_pdf_without_text_has_no_paragraphs():
    assert extract_paragraphs(_empty_pdf()) == []


NO_PAGE = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"


@pytest.mark.parametrize("pdf, status, warning", [
    (scanned_pdf, "no_text", "PDF has no text layer, only pictures or drawings (a scanned page, or letters drawn as outlines)"),
    (_empty_pdf, "no_text", "PDF has no text layer"),
    # A full-page advertisement: a picture under the running head, which is no text of the page.
    (lambda: newspaper_pdf([], head=("2023年1月31日 星期二", "广告", "08")), "no_text", "PDF has no text layer"),
    (blank_pdf, "blank", "PDF draws nothing (a blank page)"),
    (lambda: NO_PAGE, "blank", "PDF draws nothing (a blank page)"),
    (lambda: newspaper_pdf(PAGES["004"][0], password="secret"), "encrypted", "PDF opens only with a password"),
    (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "unreadable", "Unreadable PDF: PDFSyntaxError"),
], ids=["scanned", "drawing", "running-head-only", "blank", "no-page", "password", "broken"])
def test_a_pdf_without_text_says_what_it_is(pdf, status, warning):
    """A scan, a blank page, a locked or a broken PDF were all stored with an empty text, and
    the first two without a word in the log: nothing told them from each other, nor from a PDF
    the site does not have."""
    text, found, warnings = page_pdf_text(pdf())
    assert (text, found) == ("", status)
    assert len(warnings) == 1 and warnings[0].startswith(warning), warnings


def test_a_pdf_read_whole_or_cut_at_the_bounds_says_so(pdfs, monkeypatch, caplog):
    assert page_pdf_text(pdfs["004"]).status == "text"
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 1)
    text, status, warnings = page_pdf_text(pdfs["004"])
    assert text and status == "partial" and warnings == ["PDF has more than 1 pages: the rest is not extracted"]


def test_characters_without_a_unicode_mapping_are_said_to_be_left_out(caplog):
    """A CID font whose encoding and character collection map its codes to no Unicode: the
    page's text was stored empty, or with holes, and nothing said so."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.setFont(FONT, 10)
    page.drawString(92, 660, "会议指出，一是政策法规不断完善。")
    page.setFont("Helvetica", 10)
    page.drawString(92, 640, "UNICEF")
    page.save()
    pdf = buffer.getvalue()
    # Same lengths: the cross-reference table holds.
    unmapped = pdf.replace(b"/Encoding /UniGB-UCS2-H", b"/Encoding /Identity-H  ").replace(b"(GB1)", b"(XYZ)")
    assert unmapped != pdf and page_pdf_text(pdf) == ("会议指出，一是政策法规不断完善。UNICEF", "text", [])
    with caplog.at_level(logging.WARNING, logger="pipelines.pdf"):
        item = _through(PdfTextPipeline(), _item(unmapped))
    assert (item.text, item.text_status) == ("UNICEF", "unmapped")
    assert f"16 of 22 characters of the PDF have no Unicode mapping: left out of its text: {item.url}" in caplog.text


def test_work_is_capped(pdfs, monkeypatch, caplog):
    whole = extract_paragraphs(pdfs["004"])
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 1)
    first_page = extract_paragraphs(pdfs["004"])
    assert 0 < len(first_page) < len(whole) and whole[: len(first_page) - 1] == first_page[:-1]
    monkeypatch.setattr(pdf_module, "MAX_CHARS", 100)
    with caplog.at_level(logging.WARNING):
        assert extract_paragraphs(pdfs["004"]) == []
    assert "more than 100 characters" in caplog.text


def test_work_on_drawings_is_capped_too(monkeypatch):
    """A page of lines and shapes (a map, vector advertisements, letters drawn as outlines) was
    read whole, however many: 200,000 lines took 8.5 s of a worker, and 50 MiB may be 80 times that."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    for i in range(2000):
        page.line(10 + i % 500, 10, 11 + i % 500, 12 + i % 700)
    page.save()
    assert page_pdf_text(buffer.getvalue()).status == "no_text"
    monkeypatch.setattr(pdf_module, "MAX_DRAWINGS", 1000)
    assert page_pdf_text(buffer.getvalue()) == (
        "", "partial", ["PDF has more than 1000 lines, shapes and pictures: the rest is not extracted"])


# --- pipeline ----------------------------------------------------------------------------

def _item(body: bytes | None) -> PagePdfItem:
    url = "https://epaper.example.cn/gysb/20230131/7.pdf"
    return PagePdfItem(
        paper_code="gysb", paper_name="公益时报", issue_date="2023-01-31",
        issue_url="https://epaper.example.cn/gysb/20230131/", page_number=7,
        page_url="https://epaper.example.cn/gysb/20230131/node_7.htm", url=url,
        raw=None if body is None else RawDocument(url=url, status=200, body=body),
    )


def _through(pipeline: PdfTextPipeline, *items):
    """The items through the pipeline as Scrapy runs it: concurrently, then the spider closes."""
    async def run():
        return await asyncio.wait_for(asyncio.gather(*map(pipeline.process_item, items)), 120)

    try:
        done = asyncio.run(run())
    finally:
        pipeline.close_spider()
    return done[0] if len(done) == 1 else done


def test_pipeline_fills_the_text_of_a_page_pdf(pdfs):
    started = time.perf_counter()
    item = _through(PdfTextPipeline(workers=0), _item(pdfs["000"]))
    print(f"\npipeline on seed 000's page: {1000 * (time.perf_counter() - started):.0f} ms")
    assert item.text == "\n".join(_expected(PAGES["000"][0]))


def test_text_is_read_in_a_worker_process_while_the_loop_goes_on(pdfs):
    body = pdfs["004"]
    started = time.thread_time()
    assert page_pdf_text(body)[0]
    inline = time.thread_time() - started
    pipeline = PdfTextPipeline(workers=1)
    ticks = 0

    async def run():
        nonlocal ticks
        await pipeline.process_item(_item(_empty_pdf()))  # the worker is up
        started = time.thread_time()
        job = asyncio.ensure_future(pipeline.process_item(_item(body)))
        while not job.done():
            ticks += 1
            await asyncio.sleep(0.002)
        return await job, time.thread_time() - started

    try:
        item, spent = asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert pipeline.pool is None and not multiprocessing.active_children()  # shut down with the spider
    assert item.text == page_pdf_text(body)[0]
    print(f"\nextraction {1000 * inline:.0f} ms CPU inline; in the pool the loop spent {1000 * spent:.0f} ms and ticked {ticks}×")
    assert ticks >= 5 and spent < inline / 2


def _crash_on_marker(body: bytes) -> tuple[str, list[str]]:
    """PdfTextPipeline.extract for a PDF that kills its worker, as a pdfminer bug or the OOM killer would."""
    if b"KILL-THE-WORKER" in body:
        os._exit(1)
    return page_pdf_text(body)


def test_a_pdf_that_kills_its_worker_loses_its_text_alone(pdfs, caplog):
    pipeline = PdfTextPipeline(workers=2)
    pipeline.extract = _crash_on_marker
    good = [_item(pdfs["000"]) for _ in range(3)]
    killer = _item(pdfs["002"] + b"KILL-THE-WORKER")
    killer.url = killer.url.replace("7.pdf", "8.pdf")
    with caplog.at_level(logging.WARNING, logger="pipelines.pdf"):
        done = _through(pipeline, good[0], killer, *good[1:])
    assert done[1].text == ""
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == [
        f"PDF text extraction killed its worker process, text not extracted: {killer.url}"
    ]
    expected = "\n".join(_expected(PAGES["000"][0]))
    assert [item.text for item in done if item is not done[1]] == [expected] * 3
    # The pool is started again for the PDFs that follow.
    assert _through(pipeline, _item(pdfs["000"])).text == expected


def test_what_a_pdf_link_answered_instead_of_a_whole_pdf(pdfs):
    pdf = pdfs["000"]
    assert PagePdf(pdf).not_found == PagePdf(pdf).truncated == ""
    assert PagePdf(b"junk\r\n" + pdf + b"\0" * 500).not_found == ""  # as readers take it
    error = "<html><head><title>\n404 页面不存在 </title></head><body>…</body></html>"
    assert PagePdf(error.encode("gbk")).not_found == "not a PDF: 404 页面不存在"
    assert PagePdf(b"Service Unavailable").not_found == "not a PDF: Service Unavailable"
    assert PagePdf(b"").not_found == "not a PDF: an empty file"
    assert PagePdf(pdf[: len(pdf) - 100]).truncated == "the PDF ends before its %%EOF"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<html><body>404 Not Found</body></html>", "Not a PDF"),
        (b"", "Not a PDF"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "Unreadable PDF"),
    ],
)
def test_pipeline_warns_and_leaves_no_text_for_what_it_cannot_read(body, message, caplog):
    with caplog.at_level(logging.WARNING, logger="pipelines.pdf"):
        item = _through(PdfTextPipeline(), _item(body))
    assert item.text == ""
    assert message in caplog.text and _item(None).url in caplog.text


def test_a_pdf_the_site_does_not_have_is_stored_without_text_or_warning(caplog):
    # The spider's item for a PDF link that answered 404: nothing was fetched, nothing to read.
    with caplog.at_level(logging.WARNING, logger="pipelines.pdf"):
        item = _through(PdfTextPipeline(), _item(None))
    assert item.raw is None and item.text == "" and caplog.text == ""


def test_warnings_of_extraction_in_a_worker_reach_the_crawl_log(pdfs, caplog):
    with caplog.at_level(logging.WARNING, logger="pipelines.pdf"):
        _through(PdfTextPipeline(), _item(pdfs["004"][:len(pdfs["004"]) // 3]))
    assert "Unreadable PDF" in caplog.text


def test_pipeline_survives_a_truncated_pdf(pdfs, caplog):
    """A download cut short: whatever pdfminer makes of it, the crawl goes on."""
    body = pdfs["004"]
    items = _through(PdfTextPipeline(), *(_item(body[:size]) for size in (20, len(body) // 3, len(body) - 200)))
    assert all(isinstance(item.text, str) for item in items)


def test_pipeline_on_a_pdf_without_text():
    assert _through(PdfTextPipeline(), _item(_empty_pdf())).text == ""


def test_pipeline_passes_other_items_through():
    article = ArticleItem(
        paper_code="gysb", paper_name="公益时报", issue_date="2023-01-31", issue_url="u",
        page_number=7, page_url="p", url="a", body="正文",
    )
    assert _through(PdfTextPipeline(), article) is article
    assert article.body == "正文"


def test_pdf_workers_end_when_the_crawl_is_killed(tmp_path):
    # SIGKILL gives the crawl no chance to shut its pool down; its workers must not live on.
    import signal
    import subprocess
    import sys

    script = (
        "import os, sys, time\n"
        "from pipelines.pdf import _pool\n"
        "pool = _pool(1)\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(60)\n"
    )
    crawl = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    worker = int(crawl.stdout.readline())
    assert _alive(worker)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait(timeout=10)
    wait_for("the orphaned worker ended", lambda: not _alive(worker), seconds=15)


def _alive(pid: int) -> bool:
    """Running, not gone nor a zombie (a container's init may not reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
