"""Whitespace and punctuation normalisation (pipelines/normalize.py), checked against the print."""
from __future__ import annotations

import pytest

from crawler.items import ArticleItem, ImageItem, PageItem
from pipelines.clean import ZERO_WIDTH
from pipelines.normalize import NormalizePipeline, normalize_punctuation, normalize_text
from pipelines.script import ScriptPipeline, to_simplified
from tests.seeds import fold_print_brackets, print_article, web_article


# --- the seed pair -----------------------------------------------------------------------

def test_seed_pair_web_text_becomes_the_print_text():
    web_title, web_subtitle, web = web_article()
    print_title, print_subtitle, printed = print_article()
    assert len(web) == len(printed) == 14

    def plain(text: str) -> str:
        return normalize_punctuation(normalize_text(to_simplified(text)))

    assert plain(web_title) == normalize_text(print_title)
    assert plain(web_subtitle) == normalize_text(print_subtitle) == "全国乡镇(街道)社工站覆盖率达78%"
    got, want = [plain(p) for p in web], [normalize_text(p) for p in printed]
    assert got[:-1] == want[:-1]
    # Character for character, once the print's own inconsistency (see fold_print_brackets)
    # is folded: the last paragraph's closing source note is full width in both, as the rule
    # makes it, while its 乡镇(街道) is full width in the print only.
    assert got[-1].count("乡镇(街道)") == 1 and want[-1].count("乡镇（街道）") == 1
    assert got[-1] == fold_print_brackets(want[-1])
    assert got[-1].endswith("。（据民政部官网）")
    assert "\n".join(got) == fold_print_brackets("\n".join(want))


def test_reflow_of_seed_000_keeps_column_breaks_inside_paragraphs():
    _, _, printed = print_article()
    openers = ["日前", "会议指出", "一是", "二是", "三是", "四是", "会议要求"]
    openers += ["一是", "二是", "三是", "四是", "会议还介绍了", "会议要求", "会议提出"]
    assert [p[: len(o)] for p, o in zip(printed, openers)] == openers


# --- normalize_text ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, clean",
    [
        ("2022 年", "2022年"),
        ("达 78%", "达78%"),
        ("日前， 民政部", "日前，民政部"),
        ("全国已有 18 个省", "全国已有18个省"),
        ("超过 2.3 万家", "超过2.3万家"),
        ("超过 80%； 全国", "超过80%；全国"),
        ("乡镇 (街道) 社工站", "乡镇(街道)社工站"),
        ("“菜单式” 志愿服务", "“菜单式”志愿服务"),
        ("发展。 （据民政部官网）", "发展。（据民政部官网）"),
        ("使用 Python 语言", "使用Python语言"),
        # kept: spaces between Han characters are the paper's own (slogans, bylines) ...
        ("“情暖新春 共护未来”", "“情暖新春 共护未来”"),
        ("■ 本报记者 皮磊", "■ 本报记者 皮磊"),
        # ... and between Latin words and numbers
        ("PK 10", "PK 10"),
        ("Charity   Times\t2023", "Charity Times 2023"),
        ("iPhone 14 发布", "iPhone 14发布"),
        # kept: the space before a page reference ending a teaser's line (导读) ...
        ("社工队伍建设 08 版", "社工队伍建设 08版"),
        ("南宁市 社工服务中心揭牌 09版", "南宁市 社工服务中心揭牌 09版"),
        ("“五社联动” 10 版", "“五社联动” 10版"),
        # ... not inside a page label, nor before a reference inside a sentence
        ("第 07 版", "第07版"),
        ("详见 8 版。", "详见8版。"),
        ("第 3 版刊登的 2 篇文章", "第3版刊登的2篇文章"),
    ],
)
def test_spacing(raw, clean):
    assert normalize_text(raw) == clean


def test_indentation_and_stray_whitespace():
    assert normalize_text("\xa0\xa0\xa0\xa0日前,民政部召开 ") == "日前,民政部召开"
    assert normalize_text("\u3000\u3000会议指出\u3000\n") == "会议指出"
    assert normalize_text("情暖新春\u3000共护未来") == "情暖新春 共护未来"
    assert normalize_text(" \u3000 ") == ""


def test_zero_width_characters_are_removed():
    assert set(ZERO_WIDTH) >= {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
    assert normalize_text("\ufeff民政\u200b部\u200c召开\u200d会议\u2060") == "民政部召开会议"
    assert normalize_text("2022\u200b 年") == "2022年"


# --- normalize_punctuation ---------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, clean",
    [
        ("日前,民政部", "日前，民政部"),
        ("会议指出,2022年", "会议指出，2022年"),
        ("超过80%;全国", "超过80%；全国"),
        ("“菜单式”,志愿", "“菜单式”，志愿"),
        ("乡镇(街道),社工站", "乡镇(街道)，社工站"),
        ("他说:“好吗?好!”", "他说：“好吗？好！”"),
        ("时间:10:30", "时间：10:30"),
        ("发展。(据民政部官网)", "发展。（据民政部官网）"),
        ("(据广西壮族自治区民政厅)", "（据广西壮族自治区民政厅）"),
        ("(一)加强党建", "（一）加强党建"),
        ("第07版:社会工作", "第07版：社会工作"),
        ("写信到 info@example.org;谢谢", "写信到 info@example.org；谢谢"),
        ("见https://example.org/a?b=1,c=2,谢谢", "见https://example.org/a?b=1,c=2，谢谢"),
        # A character reference a site escaped twice shows as written; its ; was widened (&amp；).
        ("公益&amp;慈善,好", "公益&amp;慈善，好"),
        ("李&#x5B;三&#91;四", "李&#x5B;三&#91;四"),
        ("研发(R&D;部门)", "研发(R&D；部门)"),
    ],
)
def test_punctuation_in_chinese_becomes_full_width(raw, clean):
    assert normalize_punctuation(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "超过2.3万家",
        "超过52.9亿小时",
        "比分1:2落后",
        "上午10:30开会",
        "共1,000元",
        "全国乡镇(街道)社工站",  # inside a sentence brackets stay as published (seed 000)
        "https://example.org/a?b=1,c=(2);d=3!",
        "Hello, world! (see below) Really?",
        "PK 10: round 2",
        # An ! that ends a Latin word is the word's: a brand, an English exclamation.
        "Yahoo!中国宣布停止服务",
        "登录Yahoo!邮箱",
        "他喊了一声Yes!大家都笑了",
    ],
)
def test_punctuation_left_alone(text):
    assert normalize_punctuation(text) == text


# --- pipeline ----------------------------------------------------------------------------

def article(**fields) -> ArticleItem:
    base = dict(
        paper_code="gysb", paper_name="公益时报", issue_date="2023-01-31", issue_url="http://x/node_1.htm",
        page_number=7, page_url="http://x/node_7.htm", url="http://x/content_1.htm",
    )
    return ArticleItem(**(base | fields))


def test_pipelines_turn_the_web_article_into_the_print_article():
    title, subtitle, web = web_article()
    print_title, print_subtitle, printed = print_article()
    item = article(
        title=title, subtitle=subtitle, paragraphs=list(web) + ["\u3000\u200b"],
        source=" 據民政部官網 ", images=[ImageItem(url="http://x/1.jpg", caption="\xa0社工站(街道) 服務")],
    )
    item = NormalizePipeline().process_item(ScriptPipeline().process_item(item))
    assert item.original_script == "traditional"
    assert item.title == normalize_text(print_title)
    assert item.subtitle == normalize_text(print_subtitle)
    assert item.source == "据民政部官网"
    want = [normalize_text(p) for p in printed]
    want[-1] = fold_print_brackets(want[-1])
    assert item.paragraphs == want  # the empty paragraph is dropped
    assert item.body == "\n".join(want)
    # As published (Traditional, ASCII commas), less indentation and odd spaces.
    assert item.body_original == "\n".join(normalize_text(p) for p in web)
    assert item.body_original.startswith("日前,民政部慈善事業")
    assert item.title_original == title
    assert (item.images[0].caption, item.images[0].caption_original) == ("社工站(街道)服务", "社工站(街道)服務")


def test_normalize_pipeline_alone_uses_the_paragraphs_as_published():
    item = article(title=" 標題 ", paragraphs=["\xa0\xa0日前,民政部 召开 2023 年会议", "", "\u200b"])
    NormalizePipeline().process_item(item)
    assert item.paragraphs == ["日前，民政部 召开2023年会议"]
    assert item.body == "日前，民政部 召开2023年会议"
    assert item.body_original == "日前,民政部 召开2023年会议"
    assert item.title == "標題"


def test_page_item():
    page = PageItem(
        paper_code="gysb", paper_name="公益时报", issue_date="2023-01-31", issue_url="http://x/node_1.htm",
        page_number=7, url="http://x/node_7.htm", page_label=" 第07版:社會工作", section="社會工作\u200b",
    )
    page = NormalizePipeline().process_item(ScriptPipeline().process_item(page))
    assert (page.page_label, page.section, page.section_original) == ("第07版：社会工作", "社会工作", "社會工作")


def test_marks_between_han_take_the_shortcut_to_what_the_rules_give():
    """normalize_punctuation turns marks between two Han characters full width in one
    substitution before its rules run: on random mixtures of Han, Latin, digits, marks of both
    widths, brackets, quotes, spaces and addresses, the result is what the rules alone give."""
    import random

    from pipelines.normalize import _PROTECTED, _plain

    def rules_alone(text):
        out, last = [], 0
        for address in _PROTECTED.finditer(text):
            out += [_plain(text[last : address.start()]), address.group()]
            last = address.end()
        return "".join([*out, _plain(text[last:])])

    pieces = [*"中文社工站公益", *"abXY", *"0123", *",;:?!" * 3, *"()（）", " ", " ", *"“”‘’'\"", *"，。；！？：、…",
              "www.x.cn/a", "http://a.b/c?d=1", "a@b.cn", "%", "《", "》", "\u3000", "."]
    rnd = random.Random(7)
    changed = 0
    for _ in range(30000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 14)))
        assert normalize_punctuation(text) == rules_alone(text), text
        changed += normalize_punctuation(text) != text
    assert changed > 10000


@pytest.mark.parametrize(("pretitle", "subtitle"), [
    ("", "民政部召開全國志愿服務和社會工作電視電話會議"),
    ("民政部召開全國志愿服務和社會工作電視電話會議", ""),
    ("民政部召开全国志愿服务和社会工作电视电话会议", "民政部召開全國志愿服務和社會工作電視電話會議"),
    # Set on two lines where the title is one: the same heading.
    ("", "民政部召開全國志愿服務 和社會工作電視電話會議"),
])
def test_a_subtitle_or_pretitle_that_repeats_the_title_is_stored_empty(pretitle, subtitle):
    item = article(pretitle=pretitle, title="民政部召開全國志愿服務和社會工作電視電話會議", subtitle=subtitle,
                   paragraphs=["日前，民政部召開全國志愿服務和社會工作電視電話會議。"])
    item = NormalizePipeline().process_item(ScriptPipeline().process_item(item))
    assert (item.pretitle, item.title, item.subtitle) == ("", "民政部召开全国志愿服务和社会工作电视电话会议", "")
    # Nor is it kept as published: a heading the archive has not.
    assert (item.pretitle_original, item.subtitle_original) == ("", "")


@pytest.mark.parametrize(("pretitle", "subtitle"), [
    ("民政動態", "全國鄉鎮(街道)社工站覆蓋率達78%"),
    # Longer or shorter than the title is another heading, however close.
    ("", "民政部召開全國志愿服務和社會工作電視電話會議在京舉行"),
    ("民政部召開", "全國志愿服務和社會工作電視電話會議"),
])
def test_a_subtitle_or_pretitle_of_its_own_stays(pretitle, subtitle):
    item = NormalizePipeline().process_item(ScriptPipeline().process_item(
        article(pretitle=pretitle, title="民政部召開全國志愿服務和社會工作電視電話會議", subtitle=subtitle)))
    assert (item.pretitle, item.subtitle) == (to_simplified(pretitle), normalize_punctuation(to_simplified(subtitle)))
    assert (item.pretitle_original, item.subtitle_original) == (pretitle, subtitle)
