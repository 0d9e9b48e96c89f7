"""Spam and boilerplate removal (pipelines/clean.py), on bodies built from the seed documents."""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest

from crawler.items import ArticleItem, ImageItem, PageItem, Removal
from crawler.templates.text import HAN, block_lines
from pipelines.clean import ZERO_WIDTH, CleanPipeline, clean_body, clean_paragraphs, clean_title
from tests.chinese_script import in_script, to_traditional

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
FOUNDER = Path(__file__).parent / "fixtures" / "founder"
LABEL = "主站蜘蛛池模板"


def seed(name: str) -> list[str]:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def article_001() -> tuple[list[str], list[str]]:
    """The real paragraphs of the article of seed 001, and the titles of the link farm after it."""
    lines = seed("001")
    dateline = next(i for i, line in enumerate(lines) if "上一期下一期" in line)
    body = [line.strip() for line in lines[dateline + 3 :] if line.strip()]
    spam = next(i for i, line in enumerate(body) if line.startswith(LABEL))
    titles = [t.strip() for t in body[spam].split(":", 1)[1].split("|") if t.strip()]
    return body[:spam], titles


def paragraph(text: str) -> str:
    return f"<P>　　{escape(text)}</P>\n"


def founder_body(inner: str) -> str:
    """Inner HTML of a Founder article's content region, as FounderArticle.body_html gives it."""
    return (
        f"<founder-content><!--<npm:article-content>-->\n{inner}<!--</npm:article-content>--></founder-content>"
    )


def links(titles: list[str], separator: str = "| ") -> str:
    anchor = '<a href="http://www.{:02d}zhanqun.example/" target="_blank">{}</a>'
    return separator.join(anchor.format(n, escape(title)) for n, title in enumerate(titles))


def kinds(removals: list[Removal]) -> list[str]:
    return [r.kind for r in removals]


REAL, SPAM_TITLES = article_001()


# --- the labelled link farm of seed 001 --------------------------------------------------

LABELLED_FORMS = {
    "last paragraph": lambda: "".join(map(paragraph, REAL)) + f"<P>{LABEL}: {links(SPAM_TITLES)}|</P>",
    "merged into the last paragraph": lambda: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}{LABEL}: {links(SPAM_TITLES)}|</P>",
    "full-width colon, plain text joined by spaces": lambda: "".join(map(paragraph, REAL))
    + f"<P>{LABEL}：{' '.join(SPAM_TITLES)}</P>",
    "after a <br> in the last paragraph": lambda: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}<br>{LABEL}:{'|'.join(SPAM_TITLES)}</P>",
    "label alone, then one link per line": lambda: "".join(map(paragraph, REAL))
    + f"<P>{LABEL}:</P><div>{links(SPAM_TITLES, '<br>')}</div>",
    "outside any paragraph": lambda: "".join(map(paragraph, REAL)) + f"{LABEL}: {links(SPAM_TITLES)}",
}


@pytest.mark.parametrize("form", LABELLED_FORMS)
def test_labelled_link_farm_goes_and_every_real_paragraph_stays(form):
    result = clean_body(founder_body(LABELLED_FORMS[form]()))
    assert result.paragraphs == REAL
    text = "\n".join(result.paragraphs)
    assert "蜘蛛池" not in text
    assert not any(title in text for title in SPAM_TITLES)
    assert set(kinds(result.removals)) == {"spam:labelled-link-farm"}
    recorded = "".join(r.text for r in result.removals)
    assert recorded.startswith(LABEL)
    assert all(title in recorded for title in SPAM_TITLES)


MIDDLE = len(REAL) // 2
INLINE_LABELLED_FORMS = {
    "before a paragraph's text": lambda farm: f"<P>　　<span>{farm}</span>{escape(REAL[MIDDLE])}</P>",
    "inside a paragraph's text": lambda farm: f"<P>　　{escape(REAL[MIDDLE][:20])}{farm}{escape(REAL[MIDDLE][20:])}</P>",
}


@pytest.mark.parametrize("form", INLINE_LABELLED_FORMS)
def test_a_labelled_link_farm_set_inline_takes_none_of_the_paragraphs_text(form):
    # The farm is its label and the links after it: the paragraph's text after them is the
    # paper's (it was taken with the farm).
    farm = f"{LABEL}: {links(SPAM_TITLES[:6])}|"
    body = "".join(map(paragraph, REAL[:MIDDLE])) + INLINE_LABELLED_FORMS[form](farm) + "".join(map(paragraph, REAL[MIDDLE + 1 :]))
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:labelled-link-farm"]
    assert result.removals[0].text.startswith(LABEL) and result.removals[0].text.endswith(SPAM_TITLES[5] + "|")


def test_a_list_of_links_without_spam_after_a_labelled_farm_stays():
    # What follows the farm is taken with it only while it is spam: a list of the paper's own
    # titles after it is text.
    titles = ["民政部召开全国社会工作会议", "乡镇社工站建设稳步推进"]
    body = "".join(map(paragraph, REAL)) + f"<P>{LABEL}:</P><div>{links(SPAM_TITLES[:5], '<br>')}</div><p>{links(titles, ' | ')}</p>"
    result = clean_body(body)
    assert result.paragraphs == REAL + [" | ".join(titles)]
    assert kinds(result.removals) == ["spam:labelled-link-farm"] * 6


SPLIT_FARM_FORMS = {  # the titles after a label alone, over several paragraphs, as kits split them
    "three |-joined titles a paragraph, the last one alone": lambda titles: [
        "|".join(titles[i : i + 3]) for i in range(0, 12, 3)] + [titles[12]],
    "two |-joined titles a paragraph": lambda titles: ["|".join(titles[i : i + 2]) for i in range(0, 13, 2)],
    "three titles joined by blanks a paragraph": lambda titles: [" ".join(titles[i : i + 3]) for i in range(0, 13, 3)],
    "one title a paragraph, no links": lambda titles: titles[:13],
}


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("form", SPLIT_FARM_FORMS)
def test_a_labelled_farm_split_over_paragraphs_goes_whole(form, script):
    convert = in_script(script)
    pieces = SPLIT_FARM_FORMS[form]([convert(title) for title in SPAM_TITLES])
    own = convert("社会工作 志愿服务")  # a line of the paper's after the farm: no spam words, it stays
    body = "".join(map(paragraph, REAL)) + f"<p>{convert(LABEL)}：</p>" + "".join(f"<p>{escape(p)}</p>" for p in pieces)
    result = clean_body(founder_body(body + f"<p>{own}</p>"))
    assert result.paragraphs == REAL + [own]
    assert [r.text for r in result.removals] == [convert(LABEL) + "：", *pieces]
    assert set(kinds(result.removals)) == {"spam:labelled-link-farm"}


@pytest.mark.parametrize("label", ["主站 蜘蛛池模板 :", "主站&nbsp;蜘蛛池&nbsp;模板：", "主 站 蜘 蛛 池 模 闆 ："])
def test_a_label_with_blanks_between_its_characters_goes_with_its_farm(label):
    body = "".join(map(paragraph, REAL)) + f"<p>{label}{links(SPAM_TITLES)}</p>"
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:labelled-link-farm"]


def test_labelled_link_farm_in_traditional_script():
    label = to_traditional(LABEL + "：")
    body = "".join(map(paragraph, REAL)) + f"<p>{label}{links(SPAM_TITLES)}</p>"
    result = clean_body(body)
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:labelled-link-farm"]


def test_the_founder_fixture_through_the_template_and_the_pipeline():
    from crawler.templates.founder import FounderArticle

    html = (FOUNDER / "content_article.htm").read_text(encoding="utf-8")
    page = FounderArticle(html, "http://x/content_21853.htm")
    item = ArticleItem("gongyishibao", "公益时报", "2023-01-31", "", 7, "", page.url, body_html=page.body_html)
    CleanPipeline().process_item(item)
    assert item.paragraphs == REAL
    assert kinds(item.removals) == ["spam:labelled-link-farm"]
    assert item.removals[0].text.startswith(LABEL)


def test_the_crawl_item_carries_the_parsed_body_which_reads_as_its_html_would():
    from crawler.spiders.issues import article_item
    from crawler.templates.founder import FounderArticle

    html = (FOUNDER / "content_article.htm").read_text(encoding="utf-8")
    page = FounderArticle(html, "http://x/content_21853.htm")
    context = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31",
               "issue_url": "", "page_number": 7, "page_url": ""}
    item = article_item(page, context, page.url, "")
    assert item.body_element is page.body_element and not item.body_html and not item.paragraphs
    CleanPipeline().process_item(item)
    assert item.body_element is None  # let go: the store pipeline copies the item
    assert (item.paragraphs, item.removals) == clean_body(page.body_html)


@pytest.mark.parametrize(
    "inner",
    [
        "<p>甲 <!-- 注释 --> 乙。</p><p>丙<!--a--><!--b-->\n 丁。</p>",
        "<!--x-->　　<span style='display:none'>藏<!--y--> 起来</span> 正文<br><!--z--> 下一行。",
        "<style>.k{display:none}</style><div class='k'>隐藏</div><p>正文 <a href='#'>链接</a><!--c--> 尾。</p>",
        "<p>主站蜘蛛池模板: <a href='#'>久久综合</a><!--c-->| <a href='#'>亚洲精品</a></p>",
    ],
)
def test_an_element_parsed_without_comments_cleans_as_its_html_does(inner):
    from crawler.templates.text import parse

    region = parse(f"<html><body><div id='ozoom' style='display:none'>{inner}</div></body></html>").xpath("//*[@id='ozoom']")[0]
    assert clean_body(region) == clean_body(inner)


def test_labelled_link_farm_in_text_paragraphs():
    result = clean_paragraphs(REAL + [f"{LABEL}: " + "| ".join(SPAM_TITLES) + "|"])
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:labelled-link-farm"]


# --- hidden blocks ------------------------------------------------------------------------

HIDDEN_SPAM = "久久综合网 亚洲一区二区 精品国产在线"
HIDDEN_FORMS = {
    "display:none": f'<div style="display:none">{HIDDEN_SPAM}</div>',
    "display:none !important": f'<div style="DISPLAY: none !important">{HIDDEN_SPAM}</div>',
    "visibility:hidden": f'<span style="visibility:hidden">{HIDDEN_SPAM}</span>',
    "opacity:0": f'<div style="opacity:0">{HIDDEN_SPAM}</div>',
    "opacity:0.0": f'<div style="opacity: 0.0;">{HIDDEN_SPAM}</div>',
    "position:absolute left": f'<div style="position:absolute;left:-9999px;top:0">{HIDDEN_SPAM}</div>',
    "position:fixed top": f'<div style="position: fixed; top: -999px">{HIDDEN_SPAM}</div>',
    "font-size:0": f'<p style="font-size:0px">{HIDDEN_SPAM}</p>',
    "font-size:1px": f'<div style="font-size: 1px; line-height: 1px">{HIDDEN_SPAM}</div>',
    "text-indent": f'<p style="text-indent:-9999px">{HIDDEN_SPAM}</p>',
    "zero size, overflow hidden": f'<div style="width:0;height:0;overflow:hidden">{HIDDEN_SPAM}</div>',
    "one-pixel box, overflow hidden": f'<div style="width:1px;height:1px;overflow:hidden">{HIDDEN_SPAM}</div>',
    "one pixel tall, overflow hidden": f'<div style="height: 1px; overflow: hidden">{HIDDEN_SPAM}</div>',
    "max-height:0, overflow hidden": f'<div style="max-height:0;overflow:hidden">{HIDDEN_SPAM}</div>',
    "hidden attribute": f"<div hidden>{HIDDEN_SPAM}</div>",
    "kit block": f'<div id="body_jx_123456">{HIDDEN_SPAM}</div>',
    "overflow anchor": f"<a id='__overflow_a' href='http://spam.example/'>{HIDDEN_SPAM}</a>",
    "class hidden by a style sheet": f"<style>.x1 {{ display: none }}</style><div class='a x1'>{HIDDEN_SPAM}</div>",
    "id hidden by a style sheet": f"<style>#k9{{position:absolute;left:-3000px}}</style><b id=k9>{HIDDEN_SPAM}</b>",
    # Shrunk to nothing, or moved off screen by a margin, a transform, an indent in ems.
    "transform:scale(0)": f'<div style="transform:scale(0)">{HIDDEN_SPAM}</div>',
    "-webkit-transform:scaleY(0)": f'<div style="-webkit-transform: scaleY(0.0)">{HIDDEN_SPAM}</div>',
    "transform:translateX far": f'<div style="transform: translateX(-9999px)">{HIDDEN_SPAM}</div>',
    "margin-left": f'<div style="margin-left:-9999px">{HIDDEN_SPAM}</div>',
    "margin shorthand": f'<div style="margin: 0 0 0 -9999px">{HIDDEN_SPAM}</div>',
    "margin-top": f'<p style="margin-top: -10000px">{HIDDEN_SPAM}</p>',
    "text-indent in ems": f'<p style="text-indent:-99em">{HIDDEN_SPAM}</p>',
    "position:relative left": f'<span style="position:relative;left:-9999px">{HIDDEN_SPAM}</span>',
    "clip:rect(0 0 0 0)": f'<div style="position:absolute;clip:rect(0 0 0 0)">{HIDDEN_SPAM}</div>',
    "class scaled by a style sheet": f"<style>.s {{ transform: scale(0, 0) }}</style><div class=s>{HIDDEN_SPAM}</div>",
    "tag.class hidden by a style sheet": f"<style>/* kit */ DIV.x2 {{display:none}}</style><div class='x2'>{HIDDEN_SPAM}</div>",
    "tag#id hidden by a style sheet": f"<style>span#k8{{margin-left:-9999px}}</style><span id=k8>{HIDDEN_SPAM}</span>",
    # Kits hide what a block holds by a descendant selector, the block itself left on screen.
    "a class's descendants hidden by a style sheet": f"<style>.k7 span{{display:none}}</style><div class=k7><span>{HIDDEN_SPAM}</span></div>",
    "an id's links two levels down": f"<style>#w3 .l a {{position:absolute;left:-9999px}}</style>"
    f"<div id=w3><p class=l><a href='http://spam.example/'>{HIDDEN_SPAM}</a></p></div>",
    "a child selector": f"<style>DIV.k6 > p, .other{{visibility:hidden}}</style><div class=k6><p>{HIDDEN_SPAM}</p></div>",
    "a rule after an @charset": f'<style>@charset "utf-8"; .x3 {{display:none}}</style><div class=x3>{HIDDEN_SPAM}</div>',
    "font-size:0 by a style sheet": f"<style>.f0 {{font-size:0}}</style><div class=f0><span>{HIDDEN_SPAM}</span></div>",
}


@pytest.mark.parametrize("form", HIDDEN_FORMS)
def test_hidden_block_goes_and_is_recorded(form):
    middle = len(REAL) // 2
    before, after = "".join(map(paragraph, REAL[:middle])), "".join(map(paragraph, REAL[middle:]))
    body = before + HIDDEN_FORMS[form] + after
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert result.removals == [Removal("spam:hidden", HIDDEN_SPAM)]


@pytest.mark.parametrize(
    "block",
    [
        "<script>document.write('<a href=\"http://spam.example/\">x</a>')</script>",
        '<script src="http://spam.example/kit.js"></script>',
        f"<noscript>{HIDDEN_SPAM}</noscript>",
    ],
)
def test_scripts_go_and_are_recorded(block):
    body = paragraph(REAL[0]) + block + paragraph(REAL[1])
    result = clean_body(body)
    assert result.paragraphs == REAL[:2]
    assert kinds(result.removals) == ["spam:script"]
    assert result.removals[0].text


def test_hidden_block_inside_a_real_paragraph_keeps_the_text_around_it():
    first, second = REAL[1][:10], REAL[1][10:]
    body = f'<P>　　{first}<span style="display:none">{HIDDEN_SPAM}</span>{second}</P>'
    assert clean_body(body).paragraphs == [REAL[1]]


@pytest.mark.parametrize(
    "body",
    [
        # font-size:0 is also a layout trick: the children set their own size and are on screen.
        f'<div style="font-size:0"><span style="font-size:16px">{REAL[0]}</span></div>',
        f'<div style="font-size:1px"><p style="font-size:16px">{REAL[0]}</p></div>',
        f'<div style="visibility:hidden"><p style="visibility:visible">{REAL[0]}</p></div>',
        f'<div style="display:inline">{REAL[0]}</div>',
        f'<div style="position:absolute;left:10px">{REAL[0]}</div>',
        f'<div style="opacity:0.5">{REAL[0]}</div>',
        f'<div style="height:0.5em">{REAL[0]}</div>',
        f'<div style="height:1.5em;overflow:hidden">{REAL[0]}</div>',  # a line's height: on screen
        # Layout, not hiding: a hanging indent, a centred box, a transform that stays on screen.
        f'<p style="text-indent:-2em;margin-left:2em">{REAL[0]}</p>',
        f'<div style="margin:0 auto;width:600px">{REAL[0]}</div>',
        f'<div style="margin:-10px 0 0 -20px">{REAL[0]}</div>',
        f'<div style="transform:scale(1.2) translateX(-50%)">{REAL[0]}</div>',
        f'<div style="position:relative;left:-20px">{REAL[0]}</div>',
        f'<div style="position:absolute;clip:rect(0 600px 200px 0)">{REAL[0]}</div>',
        f"<style>p.k {{display:none}}</style><div class=k>{REAL[0]}</div>",  # a class hidden on <p> only
        # A descendant selector hides only what it names, under what it names.
        f"<style>.k a {{display:none}}</style><div class=k>{REAL[0]}</div>",  # the block's own text
        f"<style>.k p {{display:none}}</style><p class=k>{REAL[0]}</p>",  # the block itself
        f"<style>.x p {{display:none}}</style><div class=k><p>{REAL[0]}</p></div>",  # another block's
        f"<style>.k > p {{display:none}}</style><div class=k><div><p>{REAL[0]}</p></div></div>",  # no child
        f"<style>.k a:hover {{display:none}}</style><div class=k><a>{REAL[0]}</a></div>",  # a state, not the link
        f"<style>.k [title] {{display:none}}</style><div class=k><p title=t>{REAL[0]}</p></div>",  # not read
        f"<style>div p {{display:none}}</style><div><p>{REAL[0]}</p></div>",  # tags alone, as a rule for p alone
    ],
)
def test_styles_that_do_not_hide_keep_the_text(body):
    result = clean_body(body)
    assert result.paragraphs == [REAL[0]]
    assert result.removals == []


@pytest.mark.parametrize("sheet", [
    "@media print { .k { display:none } }",
    "@media (max-width:600px){.k{display:none}} .x{color:red}",
    "@supports (display:grid) { .k { display:none } }",
], ids=["print", "narrow screens", "supports"])
def test_a_rule_for_print_or_some_screens_only_keeps_the_text(sheet):
    # Its rules hold for print, some screens or some browsers only: the text was taken for hidden spam.
    result = clean_body(f"<style>{sheet}</style><p class=k>{REAL[0]}</p>" + paragraph(REAL[1]))
    assert result.paragraphs == REAL[:2]
    assert result.removals == []


@pytest.mark.parametrize("block", [
    f"<style>.w {{font-size:0}}</style><div class=w><span style='font-size:16px'>{REAL[0]}</span></div>",
    f"<style>#w {{visibility:hidden}}</style><div id=w><p style='visibility:visible'>{REAL[0]}</p></div>",
    f"<style>.w {{font-size:0}} .w span {{font-size:16px}}</style><div class=w><span>{REAL[0]}</span></div>",
    f"<style>.w {{visibility:hidden}} .w p {{visibility:visible}}</style><div class=w><p>{REAL[0]}</p></div>",
], ids=["font-size undone inline", "visibility undone inline", "font-size undone by a rule", "visibility undone by a rule"])
def test_a_style_sheets_font_size_0_or_visibility_its_text_undoes_keeps_the_text(block):
    # font-size:0 on a container is a layout trick, as in a style attribute: the paper's text
    # under it, set in its own size, went as hidden spam.
    result = clean_body(block + paragraph(REAL[1]))
    assert result.paragraphs == REAL[:2]
    assert result.removals == []


def test_a_body_hidden_entirely_is_shown_by_script_and_kept():
    body = '<div style="display:none">' + "".join(map(paragraph, REAL)) + "</div>"
    assert clean_body(body).paragraphs == REAL


# --- unlabelled link farms ---------------------------------------------------------------

GAMBLING = ["澳门葡京娱乐城官网", "北京赛车pk10计划", "六合彩开奖结果查询", "太阳城百家乐在线", "时时彩博彩平台"]


@pytest.mark.parametrize("titles", [SPAM_TITLES, GAMBLING], ids=["porn", "gambling"])
def test_unlabelled_link_farm_paragraph_goes(titles):
    body = "".join(map(paragraph, REAL)) + f"<p>{links(titles, ' | ')}</p>"
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert all(title in result.removals[0].text for title in titles)


def test_unlabelled_link_farm_one_link_per_line_goes():
    body = "".join(map(paragraph, REAL)) + "<div>" + links(SPAM_TITLES[:8], "<br>") + "</div>"
    result = clean_body(body)
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"] * 8


def test_short_real_lines_next_to_a_one_per_line_farm_stay():
    byline, caption = "■ 本报记者 皮磊", "图片来源：界面新闻"
    body = f"<p>{byline}</p><div>{links(SPAM_TITLES[:5], '<br>')}</div><p>{caption}</p>" + paragraph(REAL[0])
    result = clean_body(body)
    assert result.paragraphs == [byline, caption, REAL[0]]
    assert kinds(result.removals) == ["spam:link-farm"] * 5


@pytest.mark.parametrize("heading", ["友情链接：", "友情鏈接:", "【友情链接】"])
@pytest.mark.parametrize("where", ["before the links", "a paragraph of its own"])
def test_a_friend_links_heading_goes_with_the_farm_under_it(heading, where):
    farm = links(SPAM_TITLES[:6])
    block = f"<p>{heading}{farm}</p>" if where == "before the links" else f"<p>{heading}</p><p>{farm}</p>"
    result = clean_body(founder_body("".join(map(paragraph, REAL[:MIDDLE])) + block + "".join(map(paragraph, REAL[MIDDLE:]))))
    assert result.paragraphs == REAL
    assert sorted(kinds(result.removals)) == ["boilerplate:navigation", "spam:link-farm"]
    # In a sentence it is text.
    sentence = "两家机构互换友情链接，共享志愿服务信息。"
    assert clean_body(paragraph(sentence)).paragraphs == [sentence]


def test_unlabelled_links_merged_into_a_real_paragraph_are_cut():
    body = "".join(map(paragraph, REAL[:-1])) + f"<P>　　{escape(REAL[-1])}{links(SPAM_TITLES[:6])}|</P>"
    result = clean_body(body)
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]


def test_unlabelled_pipe_chain_merged_into_a_real_paragraph_is_cut():
    result = clean_paragraphs(REAL[:-1] + [REAL[-1] + "|".join(SPAM_TITLES[:6]) + "|"])
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert result.removals[0].text.startswith(SPAM_TITLES[0])


def mixed(titles: list[str], separator: str) -> str:
    """Titles with and without links in turn, as kits mix them: every other one linked."""
    return separator.join(links([title]) if n % 2 else escape(title) for n, title in enumerate(titles))


MIXED_FORMS = {  # linked and unlinked titles in one paragraph
    "a paragraph of their own, |-joined": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{mixed(titles, '|')}</p>",
    "a paragraph of their own, blank-parted": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{mixed(titles, ' ')}</p>",
    "links, then titles without": lambda titles: "".join(map(paragraph, REAL))
    + f"<p>{links(titles[:4])}| {' | '.join(titles[4:])}</p>",
    "glued to the last paragraph": lambda titles: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}{mixed(titles, ' ')}</P>",
    "between two paragraphs": lambda titles: "".join(map(paragraph, REAL[:MIDDLE]))
    + f"<p>{mixed(titles, ' | ')}</p>" + "".join(map(paragraph, REAL[MIDDLE:])),
}


@pytest.mark.parametrize("form", MIXED_FORMS)
def test_linked_and_unlinked_titles_mixed_in_one_paragraph_go(form):
    titles = SPAM_TITLES[:8]
    result = clean_body(founder_body(MIXED_FORMS[form](titles)))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert result.removals[0].text.startswith(titles[0]) and result.removals[0].text.endswith(titles[-1])


def test_text_without_links_next_to_a_farm_of_links_stays():
    # Text beside the links is a title only between two of them, or from a sentence's end (or
    # the paragraph's start) to the first: a clause after the last may be the sentence's own.
    farm = links(SPAM_TITLES[:5], " ")
    lines = [
        ("会议指出", f"<p>　　{farm} 会议指出，2022年我国志愿服务工作取得新进展。</p>",
         "会议指出，2022年我国志愿服务工作取得新进展。"),
        ("国产精品牌", f"<p>　　{farm} 国产精品牌在线展示，2022年销量稳步增长。</p>",
         "国产精品牌在线展示，2022年销量稳步增长。"),
        ("link before a clause", f"<p>　　据介绍 {links(['新华网'])}，会议指出，要持续推进社工站建设。</p>",
         "据介绍 新华网，会议指出，要持续推进社工站建设。"),
    ]
    for _, html, text in lines:
        result = clean_body(paragraph(REAL[0]) + html)
        assert result.paragraphs == [REAL[0], text]


@pytest.mark.parametrize("clause", [
    "民政部有关负责人在会上详细介绍了——乡镇街道社工站建设的最新进展和下一步工作安排",
    "居民可通过社区服务app预约上门服务项目并在线评价服务质量和社工站工作人员表现",
], ids=["dash", "lowercase letters"])
def test_a_clause_between_two_farms_of_links_stays(clause):
    # Longer than any title, it parts the two farms: a dash or a word in letters inside it
    # is no separator of titles (it was, and the clause went with one farm of both).
    farms = links(SPAM_TITLES[:3], " "), links(SPAM_TITLES[3:6], " ")
    result = clean_body(paragraph(REAL[0]) + f"<p>{farms[0]} {clause} {farms[1]}</p>")
    assert result.paragraphs == [REAL[0], clause]
    assert kinds(result.removals) == ["spam:link-farm"] * 2


BLANK_JOINED_FORMS = {  # titles without links, parted by blanks, as kits set them in plain text
    "a paragraph of their own": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{' '.join(titles)}</p>",
    "parted by no-break spaces": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{'&nbsp;&nbsp;'.join(titles)}</p>",
    "glued to the last paragraph": lambda titles: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}{' '.join(titles)}</P>",
    "after a blank at the end of the last paragraph": lambda titles: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])} {' '.join(titles)} </P>",
    "between two paragraphs, in a div": lambda titles: "".join(map(paragraph, REAL[:MIDDLE]))
    + f"<div>{'　'.join(titles)}</div>" + "".join(map(paragraph, REAL[MIDDLE:])),
}


COMMA_JOINED_FORMS = {  # titles without links joined by commas, after the paper's last sentence
    "a paragraph of their own, full-width commas": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{'，'.join(titles)}</p>",
    "ASCII commas, one after the last": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{','.join(titles)},</p>",
    "enumeration commas, glued to the last paragraph": lambda titles: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}{'、'.join(titles)}</P>",
}


@pytest.mark.parametrize("form", COMMA_JOINED_FORMS)
def test_unlabelled_titles_joined_by_commas_after_the_last_sentence_go(form):
    titles = SPAM_TITLES[:8]
    result = clean_body(founder_body(COMMA_JOINED_FORMS[form](titles)))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert result.removals[0].text.startswith(titles[0]) and result.removals[0].text.endswith(titles[-1])


def test_comma_parted_lines_of_the_paper_stay():
    lines = [
        "亚洲公益论坛，综合报道，国产精品家电下乡，五月在线培训",  # weak words, no titles of spam
        "一、加强党建引领，推进社工站建设，久久为功",
        "久久综合网，亚洲一区二区，精品国产在线。会议指出，要持续推进社工站建设。",  # ends as prose does
    ]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == lines
    assert result.removals == []


BEFORE_TEXT_FORMS = {  # a run of titles before a paragraph's text, its last title glued to it
    "|-joined": "|",
    "blank-parted": " ",
}


@pytest.mark.parametrize("text", [REAL[1], "会议强调，要抓好落实。"], ids=["long", "short"])
@pytest.mark.parametrize("form", BEFORE_TEXT_FORMS)
def test_titles_before_a_paragraphs_text_go_and_the_text_stays(form, text):
    # Where the last title ends and the paper's text begins nothing marks: that title stays
    # with the text (a sentence may begin with a spam word, 国内…), the titles before it go.
    titles = SPAM_TITLES[:6]
    body = paragraph(REAL[0]) + paragraph(BEFORE_TEXT_FORMS[form].join(titles) + text) + paragraph(REAL[2])
    result = clean_body(founder_body(body))
    assert result.paragraphs == [REAL[0], titles[-1] + text, REAL[2]]
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", BEFORE_TEXT_FORMS[form].join(titles[:-1]))]


@pytest.mark.parametrize("title", [SPAM_TITLES[0], GAMBLING[0], "亞洲人成網站999久久久綜合"], ids=["porn", "gambling", "traditional"])
@pytest.mark.parametrize("gap", ["", " "], ids=["glued", "after a blank"])
def test_a_spam_title_linked_at_a_paragraphs_start_goes_and_the_text_stays(title, gap):
    body = paragraph(REAL[0]) + f"<P>　　{links([title])}{gap}{escape(REAL[1])}</P>" + paragraph(REAL[2])
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL[:3]
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", title)]


def test_a_link_at_a_paragraphs_start_that_is_no_spam_title_stays():
    lines = [
        (f"{links(['新华网'])}北京1月31日电，民政部召开全国志愿服务和社会工作电视电话会议。", "新华网北京1月31日电，民政部召开全国志愿服务和社会工作电视电话会议。"),
        (f"{links(['久久为功'])}，推动社工站建设提质增效。", "久久为功，推动社工站建设提质增效。"),  # one strong word alone
        (f"{links(['亚洲综合开发网站'])}报道，会议在京举行。", "亚洲综合开发网站报道，会议在京举行。"),  # weak words only
        (f"{links(['久久综合网'])} 2023-01-24", "久久综合网 2023-01-24"),  # no sentence after it
        (f"{links(['久久综合网', '民政部'])}发布通知。", "久久综合网| 民政部发布通知。"),  # one odd title of a list
    ]
    result = clean_body("".join(f"<p>{html}</p>" for html, _ in lines))
    assert result.paragraphs == [text for _, text in lines]
    assert result.removals == []


GLUED_FORMS = {  # titles without links and with no separator at all, as some kits join them
    "a paragraph of their own": lambda titles: "".join(map(paragraph, REAL)) + f"<p>{''.join(titles)}</p>",
    "glued to the last paragraph's source note": lambda titles: "".join(map(paragraph, REAL[:-1]))
    + f"<P>　　{escape(REAL[-1])}{''.join(titles)}</P>",
    "between two paragraphs, in a div": lambda titles: "".join(map(paragraph, REAL[:MIDDLE]))
    + f"<div>{''.join(titles)}</div>" + "".join(map(paragraph, REAL[MIDDLE:])),
}


# Gambling titles open and end with words outside the lexicon (澳门…, …平台): glued to one
# another, nothing shows that no text of the paper is glued to the run's ends, and they stay.
@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("titles", [SPAM_TITLES[:8], SPAM_TITLES[:3]], ids=["porn", "three"])
@pytest.mark.parametrize("form", GLUED_FORMS)
def test_unlabelled_titles_with_no_separator_go(form, titles, script):
    convert = in_script(script)
    titles = [convert(title) for title in titles]
    result = clean_body(founder_body(GLUED_FORMS[form](titles)))
    assert result.paragraphs == REAL
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", "".join(titles))]


EDGE_TITLES = SPAM_TITLES[:4]  # the last, 天天干天天射综合网, ends with no spam word; the first opens with one
EDGE_TEXTS = ["图为会议现场", "社区服务", "■ 本报记者 皮磊"]  # a caption, a heading, a byline: no sentence's mark


@pytest.mark.parametrize("text", EDGE_TEXTS)
@pytest.mark.parametrize("separator", ["|", " ", "，", "、"], ids=["bar", "blank", "comma", "enumeration comma"])
@pytest.mark.parametrize("where", ["after the run", "before the run"])
def test_short_text_glued_to_a_runs_end_title_stays_with_it(where, separator, text):
    # Nothing marks where the title ends and the text begins: the run goes but that title,
    # which stays with the text (the text went with the run).
    titles = EDGE_TITLES if where == "after the run" else ["天天干天天射综合网", *EDGE_TITLES[:3]]
    line = separator.join(titles) + text if where == "after the run" else text + separator.join(titles)
    result = clean_body(paragraph(REAL[0]) + paragraph(line) + paragraph(REAL[1]))
    if where == "after the run":
        kept, removed = titles[-1] + text, separator.join(titles[:-1])
    else:
        kept, removed = text + titles[0], separator.join(titles[1:])
    assert result.paragraphs == [REAL[0], kept, REAL[1]]
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", removed)]


@pytest.mark.parametrize("text", EDGE_TEXTS)
@pytest.mark.parametrize("where", ["after the run", "before the run"])
def test_short_text_glued_to_a_title_without_a_link_among_links_stays_with_it(where, text):
    titles = EDGE_TITLES if where == "after the run" else ["天天干天天射综合网", *EDGE_TITLES[:3]]
    unlinked = titles[-1] if where == "after the run" else titles[0]
    farm = " | ".join(escape(title) if title == unlinked else links([title]) for title in titles)
    line = farm + escape(text) if where == "after the run" else escape(text) + farm
    result = clean_body(paragraph(REAL[0]) + f"<p>{line}</p>" + paragraph(REAL[1]))
    if where == "after the run":
        kept, removed = titles[-1] + text, " | ".join(titles[:-1])
    else:
        kept, removed = text + titles[0], " | ".join(titles[1:])
    assert result.paragraphs == [REAL[0], kept, REAL[1]]
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", removed)]


@pytest.mark.parametrize("text", EDGE_TEXTS[:2])
@pytest.mark.parametrize("where", ["after the run", "before the run"])
def test_short_text_glued_to_titles_with_no_separator_stays(where, text):
    # Titles glued to one another and to the text: nothing marks any end, all of it stays.
    line = "".join(SPAM_TITLES[:8]) + text if where == "after the run" else text + "".join(SPAM_TITLES[:8])
    result = clean_body(paragraph(REAL[0]) + paragraph(line))
    assert result.paragraphs == [REAL[0], line]
    assert result.removals == []


def test_lines_of_the_paper_with_spam_words_and_no_separator_stay():
    lines = [
        "揭秘北京赛车pk10六合彩时时彩等博彩网站背后的陷阱",  # a heading: one title's length
        "警方捣毁一个利用境外博彩网站组织六合彩和时时彩投注的犯罪团伙涉案资金高达三千余万元",  # few words, long
        "警方捣毁一个利用境外博彩网站组织六合彩时时彩和百家乐投注的犯罪团伙",  # spam enough, not dense
        "亚洲综合精品国产高清免费在线观看影院资源网站导航日韩欧美五月激情丁香",  # weak words only
        "国产精品在线视频平台久久为功推动国内高清影院建设",  # one strong word
        "图为警方查获的北京赛车pk10、六合彩、时时彩、百家乐赌博设备",  # a caption: enumerated, no list of titles
    ]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == lines
    assert result.removals == []


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("form", BLANK_JOINED_FORMS)
def test_unlabelled_titles_joined_by_blanks_go(form, script):
    convert = in_script(script)
    titles = [convert(title) for title in SPAM_TITLES[:8]]
    result = clean_body(founder_body(BLANK_JOINED_FORMS[form](titles)))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert result.removals[0].text.startswith(titles[0]) and result.removals[0].text.endswith(titles[-1])


def test_blank_parted_lines_of_the_paper_stay():
    lines = [
        "春风送暖 爱心同行 久久为功 善作善成",  # a slogan: 久久 alone is no spam title
        "亚洲 综合 精品 国产 高清 免费 在线 五月",  # weak words one by one are no titles of spam
        "图为 本报记者 皮磊 摄",
        REAL[0] + " 久久综合网 亚洲一区二区",  # two titles glued to text: no farm
    ]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == lines
    assert result.removals == []


@pytest.mark.parametrize("farm", [
    " ".join(SPAM_TITLES[:8]),  # titles without links, parted by blanks
    links(SPAM_TITLES[:8], " "),
], ids=["blank-parted titles", "links"])
@pytest.mark.parametrize("line", ["中小学生免费观看", "非遗展演在线观看"])
def test_a_farm_glued_before_the_papers_indented_line_leaves_the_line(farm, line):
    """A kit sets its farm before a paragraph's text, the paper's indentation between them: a
    short line after it whose two weak spam words (免费, 观看) made it half spam went with the
    farm, as a last title it took in (亚洲图片综合区); the indentation marks the paper's text."""
    result = clean_body(paragraph(REAL[0]) + f"<p>{farm}　　{line}</p>")
    assert result.paragraphs == [REAL[0], line]
    assert [(r.kind, r.text) for r in result.removals] == [("spam:link-farm", " ".join(SPAM_TITLES[:8]))]


def test_zero_width_characters_do_not_hide_spam_keywords():
    broken = ["\u200b".join(title) for title in SPAM_TITLES[:5]]
    result = clean_body(paragraph(REAL[0]) + f"<p>{links(broken)}</p>")
    assert result.paragraphs == [REAL[0]]
    assert kinds(result.removals) == ["spam:link-farm"]


# --- legitimate text that looks like spam or boilerplate ---------------------------------

def lines_of(name: str) -> list[str]:
    return [line.strip() for line in seed(name) if line.strip()]


@pytest.mark.parametrize("name", ["000", "002", "004"])
def test_print_text_of_the_seeds_is_kept_entirely(name):
    lines = lines_of(name)
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == lines
    assert result.removals == []
    assert clean_paragraphs(lines) == (lines, [])


LOOK_ALIKES = [
    # sentences with weak spam words: 综合, 亚洲, 国产, 精品, 五月, 在线
    "亚洲公益论坛上，各国代表综合介绍了本国社会工作的发展情况。",
    "社区综合服务设施覆盖率进一步提高，国产精品家电也走进了养老服务站。",
    "五月以来，在线培训覆盖了全省的社工站。",
    "（据广东省民政厅）",
    "■ 本报记者 皮磊",
    "图片来源：广东社工双百工程官网",
    "近日，湖北省民政厅召开社会工作创新发展座谈会。",
    "关注民生",
    "综合",
    "亚洲",
    "当前位置偏远的社工站也已开展服务。",
    "所在位置：越秀区→海珠区，步行约3公里",  # a notice's line, no breadcrumb: breadcrumbs hold no comma
    "志愿者把活动照片分享到朋友圈，相关新闻当天就登上了热搜。",
    "版权所有人同意后，作品将在公益展览中展出。",
    "上一期节目播出后，观众反响热烈。",
    "春风送暖 爱心同行",
]


def test_look_alikes_are_kept():
    result = clean_body("".join(map(paragraph, LOOK_ALIKES)))
    assert result.paragraphs == LOOK_ALIKES
    assert result.removals == []


def test_a_real_list_of_links_is_kept():
    titles = ["亚洲公益论坛在京举行", "社区综合服务设施覆盖率提升", "国产养老机器人进社区", "五月志愿服务月启动"]
    result = clean_body(paragraph(REAL[0]) + f"<p>{links(titles, ' | ')}</p>")
    assert result.paragraphs == [REAL[0], " | ".join(titles)]
    assert result.removals == []


def test_a_few_spam_words_in_a_list_are_not_enough():
    titles = ["久久综合网", "亚洲一区二区", "社区综合服务设施覆盖率提升", "民政部召开会议", "社工站建设", "志愿服务"]
    result = clean_body(f"<p>{links(titles, ' | ')}</p>")
    assert result.removals == []


def test_a_related_news_heading_followed_by_a_story_is_kept():
    lines = ["相关新闻", REAL[1], REAL[2]]
    assert clean_body("".join(map(paragraph, lines))).paragraphs == lines



@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_related_news_widget_goes_with_its_list_of_links(script):
    convert = in_script(script)
    titles = [convert(t) for t in ["广州市民政局召开全市民政工作会议", "市民政局开展慈善空间建设"]]
    heading, attachments = convert("相关新闻"), convert("相关附件")
    items = "".join(f'<li><a href="/content_{n}.htm">{escape(t)}</a></li>' for n, t in enumerate(titles))
    body = "".join(map(paragraph, REAL)) + f"<p>{attachments}</p><p>{heading}</p><ul>{items}</ul>"
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert [(r.kind, r.text) for r in result.removals] == [
        ("boilerplate:related", text) for text in [heading, *titles, attachments]]
    # A story after the heading and its links is the paper's: all of it stays.
    result = clean_body(founder_body(body + paragraph(REAL[1])))
    assert result.paragraphs == [*REAL, attachments, heading, *titles, REAL[1]]

RELATED_ITEMS = {  # a related-links list's item and its date, as sites set them
    "link, blank, date": lambda n, title: f'<li><a href="/content_{n}.htm">{escape(title)}</a> 2024-05-0{n + 1}</li>',
    "link, date in brackets": lambda n, title: f'<li><a href="/content_{n}.htm">{escape(title)}</a><span>(2024.05.0{n + 1})</span></li>',
    "date before the link": lambda n, title: f'<li><span>[05-0{n + 1}]</span> <a href="/content_{n}.htm">{escape(title)}</a></li>',
    "no link": lambda n, title: f"<li>{escape(title)}　2024年5月{n + 1}日</li>",
}


@pytest.mark.parametrize("heading", ["相关新闻", "相關閱讀"])
@pytest.mark.parametrize("item", RELATED_ITEMS)
def test_a_related_news_widget_goes_with_its_list_of_dated_titles(item, heading):
    titles = ["广州市民政局召开全市民政工作会议", "市民政局开展慈善空间建设"]
    items = "".join(RELATED_ITEMS[item](n, title) for n, title in enumerate(titles))
    body = "".join(map(paragraph, REAL)) + f"<p>{heading}</p><ul>{items}</ul>"
    result = clean_body(founder_body(body))
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["boilerplate:related"] * 3
    assert all(title in removal.text for title, removal in zip(titles, result.removals[1:]))
    # A story after the heading and its list is the paper's: all of it stays.
    result = clean_body(founder_body(body + paragraph(REAL[1])))
    assert result.paragraphs[: len(REAL)] == REAL and result.paragraphs[-1] == REAL[1]
    assert result.removals == []


@pytest.mark.parametrize("line", ["截至2024年5月1日", "会议于 2024年5月1日召开。", "全国社工站覆盖率 2024年"])
def test_a_related_news_heading_followed_by_a_line_of_a_story_with_a_date_is_kept(line):
    lines = ["相关新闻", line]
    assert clean_body("".join(map(paragraph, lines))).paragraphs == lines


# --- site boilerplate: seed 003 ----------------------------------------------------------

BOILERPLATE_003 = {
    "当前位置:首页 > 政务联播 > 部门动态 > 市民政局": "boilerplate:breadcrumb",
    "听全文": "boilerplate:tools",
    "分享到": "boilerplate:share",
    "-": "boilerplate:separator",
    "相关附件": "boilerplate:related",
    "相关新闻": "boilerplate:related",
    "扫一扫在手机打开当前页": "boilerplate:share",
    "关注 · 广州政府网": "boilerplate:share",
}


def page_003(convert=lambda text: text) -> tuple[str, list[str], list[str]]:
    """Seed 003 as HTML (bulleted lines as list items), its boilerplate lines and its other lines."""
    parts, boilerplate, kept = [], [], []
    for line in seed("003"):
        text = line.strip().removeprefix("• ")
        if not text:
            continue
        tag = "li" if line.strip().startswith("•") else "p"
        parts.append(f"<{tag}>{escape(convert(text))}</{tag}>")
        (boilerplate if text.replace("\xa0", " ") in BOILERPLATE_003 else kept).append(convert(text))
    return "".join(parts), boilerplate, kept


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_seed_003_boilerplate_goes_and_its_text_stays(script):
    convert = in_script(script)
    body, boilerplate, kept = page_003(convert)
    result = clean_body(body)
    assert result.paragraphs == kept
    assert sorted(r.text for r in result.removals) == sorted(boilerplate)
    expected = {convert(text): kind for text, kind in BOILERPLATE_003.items()}
    assert all(expected[r.text.replace("\xa0", " ")] == r.kind for r in result.removals)
    # the publication date and 来源 line are the page's, not widgets: kept
    assert "2022-02-22" in result.paragraphs


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_share_by_qr_code_lines_go_and_sentences_about_qr_codes_stay(script):
    convert = in_script(script)
    widgets = ["用微信扫描二维码 分享至好友和朋友圈", "扫描二维码分享到微信", "手机扫码阅读"]
    news = ["居民可用微信扫描二维码分享至朋友圈，为社区志愿者投票。", "扫码", "二维码", "微信扫码缴费已覆盖全市社区。"]
    lines = [convert(line) for line in [REAL[0], *widgets, *news]]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == [lines[0], *lines[4:]]
    assert [(r.kind, r.text) for r in result.removals] == [("boilerplate:share", line) for line in lines[1:4]]


def test_founder_page_boilerplate_in_a_body():
    lines = [
        "首頁 | 版面導航 | 標題導航",
        "2023年01月31日 星期二上一期下一期",
        "上一版",
        "下一版",
        "版面目錄",
        "按日期查閱",
        *REAL[:2],
        "版權聲明：《公益時報》刊發的所有作品，版權均屬於公益時報社。未經書面授權，不得轉載、摘編。",
        "公益時報社 版權所有",
    ]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == REAL[:2]
    assert kinds(result.removals) == ["boilerplate:navigation"] * 6 + ["boilerplate:copyright"] * 2


# --- zero-width characters ---------------------------------------------------------------

def test_zero_width_characters_are_removed_and_counted():
    dirty = ["\ufeff" + REAL[0], REAL[1][:5] + "\u200b\u200c" + REAL[1][5:] + "\u2060", "\u200d" + REAL[2]]
    result = clean_body("".join(map(paragraph, dirty)))
    assert result.paragraphs == REAL[:3]
    counts = "U+200B×1, U+200C×1, U+200D×1, U+2060×1, U+FEFF×1"
    assert result.removals == [Removal("spam:zero-width", f"5 zero-width characters ({counts})")]
    assert clean_paragraphs(dirty).paragraphs == REAL[:3]


def test_zero_width_is_the_set_the_issue_names_and_the_other_invisible_format_characters():
    assert set(ZERO_WIDTH) == set("\u200b\u200c\u200d\u2060\ufeff") | set("\u00ad\u200e\u200f\u2061\u2062\u2063\u2064\u180e")


def test_soft_hyphens_and_direction_marks_inside_a_word_go_too():
    # A kit splits a keyword with characters a browser does not show; left in, search missed it.
    word = REAL[1][:5]
    dirty = [REAL[0], word[:2] + "\u00ad" + word[2:3] + "\u200e\u200f" + word[3:] + REAL[1][5:] + "\u2062\u180e"]
    result = clean_body("".join(map(paragraph, dirty)))
    assert result.paragraphs == REAL[:2]
    counts = "U+00AD×1, U+180E×1, U+200E×1, U+200F×1, U+2062×1"
    assert result.removals == [Removal("spam:zero-width", f"5 zero-width characters ({counts})")]


# --- paragraph splitting -----------------------------------------------------------------

@pytest.mark.parametrize(
    "body",
    [
        "<P>　　甲。</P><p>&nbsp;&nbsp;乙。</p>\n<P>  丙。</P>",
        "　　甲。<br>　　乙。<BR/>丙。",
        "<div>甲。</div><div><span>乙。</span></div>丙。",
        "<p>甲。<br><br>乙。</p><table><tr><td>丙。</td></tr></table>",
    ],
)
def test_paragraphs_split_by_block_and_line_break_in_order(body):
    assert clean_body(body).paragraphs == ["甲。", "乙。", "丙。"]


def test_a_table_row_is_one_paragraph_its_cells_joined():
    figures = "<table><tr><th>地区</th><th>覆盖率</th></tr><tr><td>广东</td><td>\n 100% </td></tr></table>"
    assert clean_body(f"<p>甲。</p>{figures}").paragraphs == ["甲。", "地区｜覆盖率", "广东｜100%"]
    # A cell that holds paragraphs (a layout table) is laid out in them; an empty cell adds no bar.
    word = "<table><tr><td><p align=center><span>广东</span></p></td><td><p><b>1600</b></p></td></tr></table>"
    assert clean_body(word).paragraphs == ["广东｜1600"]  # a cell's one paragraph breaks no row
    layout = "<table><tr><td><p>甲。</p><p>乙。</p></td><td>&nbsp;</td><td><p>丙。</p></td></tr></table>"
    assert clean_body(layout).paragraphs == ["甲。", "乙。", "丙。"]


def test_a_row_of_widgets_loses_its_widget_cells_and_keeps_the_rest():
    dated = "<table><tr><td>2022-02-22</td><td>广州市民政局</td><td>【打印】【关闭】</td><td>分享到：微信 微博</td></tr></table>"
    result = clean_body(f"{dated}<p>甲。</p><table><tr><td>首页</td><td>上一篇</td></tr><tr><td>广东</td><td>-</td></tr></table>")
    assert result.paragraphs == ["2022-02-22｜广州市民政局", "甲。", "广东｜-"]
    assert [(r.kind, r.text) for r in result.removals] == [
        ("boilerplate:tools", "【打印】【关闭】"), ("boilerplate:share", "分享到：微信 微博"), ("boilerplate:navigation", "首页｜上一篇")]


# A CMS page's info line laid out as a table row, a field a cell, beside its widgets' cells or
# with each label in a cell before its value's.
# The row's removals, and the source and author the page object reads from it.
INFO_ROWS = {
    "<td>发布日期：2022-02-22</td><td>来源：广州市民政局</td><td>【打印】【关闭】</td><td>分享到：微信 微博</td>": (
        [("boilerplate:meta", "发布日期：2022-02-22｜来源：广州市民政局｜【打印】【关闭】｜分享到：微信 微博")],
        "来源：广州市民政局", ""),
    "<td>来源：某某日报</td><td>作者：张三</td><td>发布时间：2023-01-31 10:00</td><td>分享到：</td>": (
        [("boilerplate:meta", "来源：某某日报｜作者：张三｜发布时间：2023-01-31 10:00｜分享到：")], "来源：某某日报", "张三"),
    "<td>来源：</td><td>某某日报</td><td>作者：</td><td>张三</td><td>发布时间：</td><td>2023-01-31</td>": (
        [("boilerplate:meta", "来源：｜某某日报｜作者：｜张三｜发布时间：｜2023-01-31")], "来源：某某日报", "张三"),
    # A widget the info line's grammar does not know: the cells left are the info line.
    "<td>来源：某某日报</td><td>作者：张三</td><td>发布时间：2023-01-31</td><td>返回首页</td>": (
        [("boilerplate:navigation", "返回首页"), ("boilerplate:meta", "来源：某某日报｜作者：张三｜发布时间：2023-01-31")],
        "来源：某某日报", "张三"),
    "<td>来源：某某日报</td><td>作者：张三</td><td>【打印】</td><td>【关闭】</td><td>返回首页</td>": (
        [("boilerplate:tools", "【打印】"), ("boilerplate:tools", "【关闭】"), ("boilerplate:navigation", "返回首页"),
         ("boilerplate:meta", "来源：某某日报｜作者：张三")],
        "来源：某某日报", "张三"),
}


@pytest.mark.parametrize("row", INFO_ROWS)
def test_a_row_whose_cells_together_are_an_info_line_goes(row):
    """The same fields in one line went; laid out a cell each, the row stayed in the text."""
    from crawler.templates import FounderArticle

    removed, source, author = INFO_ROWS[row]
    result = clean_body(f"<p>{LEAD}</p><table><tr>{row}</tr></table><p>{REAL[0]}</p>")
    assert result.paragraphs == [LEAD, REAL[0]]
    assert [(r.kind, r.text) for r in result.removals] == removed
    # Over the text, the row names the article's source and author.
    body = f"<table><tr>{row}</tr></table>" + "".join(map(paragraph, [LEAD, *REAL[:3]]))
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    assert (article.source, article.byline) == (source, author)
    # Under it, too: the row with its widget cell was the source, 来源：某某日报｜作者：张三｜…｜返回首页.
    body = "".join(map(paragraph, [LEAD, *REAL[:3]])) + f"<table><tr>{row}</tr></table>"
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    assert (article.source, article.byline) == (source, author)


def test_a_row_of_a_date_and_a_source_goes_over_the_text_and_stays_in_a_table_inside_it():
    row = "<tr><td>2023-01-31</td><td>来源：国家统计局</td></tr>"
    figures = f"<table><tr><td>地区</td><td>社工站</td></tr>{row}</table>"
    assert clean_body(f"<table>{row}</table><p>{LEAD}</p>").paragraphs == [LEAD]
    assert clean_body(f"<p>{LEAD}</p>{figures}<p>{REAL[0]}</p>").paragraphs == [LEAD, "地区｜社工站", "2023-01-31｜来源：国家统计局", REAL[0]]


def test_an_unclosed_font_on_every_line_loses_no_line():
    """An editor's <font> left open on each line nests every line one deeper than the last."""
    from crawler.templates.text import parse

    body = "".join(f"<font size=3>　　第{n}行。<br>" for n in range(1200)) + "（据新华社）"
    lines = [f"第{n}行。" for n in range(1200)] + ["（据新华社）"]
    assert clean_body(body).paragraphs == lines  # 253 lines were kept
    region = parse(f"<html><body><div>{body}</div></body></html>").find(".//div")
    assert clean_body(region).paragraphs == lines  # RecursionError


def test_text_is_not_otherwise_changed():
    text = "会议指出,2022年我国志愿服务工作取得一系列新进展。\u3000“五社联动”"
    assert clean_body(f"<p>{text}</p>").paragraphs == [text]


def test_a_line_break_of_the_source_inside_chinese_text_is_no_space():
    wrapped = "<P>　　会议指出，2022年我国志愿\n  服务工作取得一系列<b>新\r\n</b>进展。\nCharity\nLaw 在“五社\n联动”中</P>"
    assert clean_body(wrapped).paragraphs == ["会议指出，2022年我国志愿服务工作取得一系列新进展。Charity Law 在“五社联动”中"]


def test_a_farm_whose_source_breaks_its_links_is_still_a_farm_and_only_the_farm_goes():
    broken = [f"{title[:2]}\n  {title[2:4]}\r\n{title[4:]}" for title in SPAM_TITLES[:6]]
    assert all(re.fullmatch(f"[{HAN}]{{5}}", title[:5]) for title in SPAM_TITLES[:6])  # breaks inside Chinese
    body = "".join(map(paragraph, REAL[:-1])) + f"<P>　　{escape(REAL[-1])}\n{links(broken)}|</P>"
    result = clean_body(body)
    assert result.paragraphs == REAL
    assert kinds(result.removals) == ["spam:link-farm"]
    assert result.removals[0].text.startswith(SPAM_TITLES[0])


def test_empty_bodies():
    assert clean_body("") == ([], [])
    assert clean_body("<!-- --><p>　　</p>") == ([], [])


# --- titles ------------------------------------------------------------------------------

def test_title_spam_chain_before_the_title_goes():
    title, removals = clean_title("久久综合网_亚洲一区二区_民政部召开全国志愿服务和社会工作电视电话会议")
    assert title == "民政部召开全国志愿服务和社会工作电视电话会议"
    assert removals == [Removal("spam:title-chain", "久久综合网_亚洲一区二区_")]


@pytest.mark.parametrize("bar", ["|", " | ", "｜"])
def test_title_spam_chain_joined_by_bars_goes(bar):
    title, removals = clean_title(bar.join(["久久综合网", "亚洲一区二区", "民政部召开全国志愿服务和社会工作电视电话会议", "国产精品综合在线视频"]))
    assert title == "民政部召开全国志愿服务和社会工作电视电话会议"
    assert kinds(removals) == ["spam:title-chain"]
    assert clean_title(f"公益时报{bar}民政部召开会议") == (f"公益时报{bar}民政部召开会议", [])


def test_title_spam_chain_after_the_title_and_zero_width_go():
    title, removals = clean_title("全国乡镇\u200b(街道)社工站覆盖率达78%_国产精品综合在线视频")
    assert title == "全国乡镇(街道)社工站覆盖率达78%"
    assert kinds(removals) == ["spam:zero-width", "spam:title-chain"]


@pytest.mark.parametrize(
    "title",
    ["全国乡镇(街道)社工站覆盖率达78%", "亚洲公益论坛_综合报道", "久久综合网", "公益时报_2023年第5期", ""],
)
def test_titles_that_are_not_chains_are_kept(title):
    assert clean_title(title) == (title, [])


# --- pipeline ----------------------------------------------------------------------------

def test_pipeline_cleans_an_article():
    item = ArticleItem(
        "gongyishibao", "公益时报", "2023-01-31", "", 7, "", "http://x/content_1.htm",
        pretitle="\u200b", title="久久综合网_亚洲一区二区_民政部召开会议", subtitle="全国\u200b覆盖率达78%",
        body_html="".join(map(paragraph, REAL)) + f"<p>{LABEL}: {links(SPAM_TITLES)}</p>",
        images=[ImageItem("http://x/a.jpg", caption="会议现场\ufeff")],
        removals=[Removal("earlier", "kept")],
    )
    assert CleanPipeline().process_item(item, spider=None) is item
    assert item.paragraphs == REAL
    assert (item.pretitle, item.title, item.subtitle) == ("", "民政部召开会议", "全国覆盖率达78%")
    assert item.images[0].caption == "会议现场"
    assert kinds(item.removals) == [
        "earlier",
        "spam:labelled-link-farm",
        "spam:zero-width",  # pretitle
        "spam:title-chain",
        "spam:zero-width",  # subtitle
        "spam:zero-width",  # caption
    ]


def test_pipeline_cleans_paragraphs_when_there_is_no_html():
    spam = f"{LABEL}: " + "|".join(SPAM_TITLES)
    item = ArticleItem("c", "n", "2023-01-31", "", 1, "", "u", paragraphs=REAL + [spam])
    CleanPipeline().process_item(item)
    assert item.paragraphs == REAL
    assert kinds(item.removals) == ["spam:labelled-link-farm"]


def test_pipeline_passes_other_items_through():
    page = PageItem("c", "n", "2023-01-31", "", 1, "u", section="分享到")
    assert CleanPipeline().process_item(page) is page
    assert page.section == "分享到"



def test_title_chain_takes_in_parts_with_one_strong_word_next_to_spam():
    title, removals = clean_title("精品国产在线观看_六合彩开奖_葡京娱乐城_民政部召开会议")
    assert title == "民政部召开会议"
    assert removals == [Removal("spam:title-chain", "精品国产在线观看_六合彩开奖_葡京娱乐城_")]
    # alone, one strong word is not enough to take a part of a title
    assert clean_title("六合彩开奖_民政部召开会议") == ("六合彩开奖_民政部召开会议", [])


SAMPLE_ARTICLES = sorted((Path(__file__).parents[1] / "crawler" / "sample" / "site" / "html").rglob("content_*.htm"))


def test_the_page_objects_lines_and_the_cleaners_paragraphs_are_one_layout():
    """Both read a content region through text.Layout: where the cleaner takes nothing out, its
    paragraphs are the page object's lines, table rows and lines outside a <p> included."""
    from crawler.templates.founder import FounderArticle

    compared = 0
    regions = [(path.name, FounderArticle(path.read_text(encoding="utf-8"), f"http://x/{path.name}").body_element) for path in SAMPLE_ARTICLES]
    inner = "<p>甲。</p>乙<br>丙<div>丁<font>戊</font></div><table><tr><td><p>广东</p></td><td>16</td></tr></table>尾"
    regions.append(("inline", parse_region(inner)))
    for name, region in regions:
        result = clean_body(region)
        if result.removals:
            continue
        lines = [line.strip() for line in block_lines(region) if line.strip()]
        assert result.paragraphs == lines, name
        compared += 1
    assert compared >= 10, compared
    assert clean_body(regions[-1][1]).paragraphs == ["甲。", "乙", "丙", "丁戊", "广东｜16", "尾"]


def parse_region(inner: str):
    from crawler.templates.text import parse

    return parse(f"<html><body><div id='ozoom'>{inner}</div></body></html>").xpath("//*[@id='ozoom']")[0]


@pytest.mark.parametrize("parts", [
    # The front page's part, which goes on on page 3; and page 3's, which takes it up.
    (["■ 本报记者 皮磊", "民政部召开会议，部署2023年重点任务。", "（下转第3版）"], "本报记者 皮磊", ""),
    (["（上接第1版）", "会议要求，持续推进社工站建设。", "（据民政部官网）"], "", "据民政部官网"),
])
def test_continuation_notes_stay_in_the_text_and_are_neither_byline_nor_source(parts):
    from crawler.templates import FounderArticle

    lines, byline, source = parts
    body = "".join(f"<P>\u3000\u3000{line}</P>" for line in lines)
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    result = clean_body(article.body_element)
    assert result.paragraphs == lines  # as the print and the web edition set them
    assert result.removals == []
    assert (article.byline, article.source) == (byline, source)


# --- a CMS page's info lines: source, author, date, tools, editor, copyright ------------------

LEAD = "近日，某市民政局召开全市社会工作会议，总结去年工作，部署今年任务。"
INFO_LINES = {
    "【字体：大 中 小】 分享到：微博 微信": "boilerplate:tools",
    "来源：某某日报\u3000作者：张三\u3000发布时间：2023-01-31\u3000【打印】【关闭】": "boilerplate:meta",
    "发布时间：2023-01-31 10:30:00 来源：某某日报 点击：123": "boilerplate:meta",
    "来源：某某日报 作者：张三 发布时间：2023-01-31 10:30 分享到：微信 微博": "boilerplate:meta",
    "（责任编辑：李四）": "boilerplate:meta",
    "责编：李四 王五": "boilerplate:meta",
    "版权所有 某某日报社 未经授权不得转载": "boilerplate:copyright",
}


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("line", INFO_LINES)
def test_a_cms_pages_info_line_goes(line, script):
    convert = in_script(script)
    lines = [convert(LEAD), convert(line), convert(REAL[0])]
    result = clean_body("".join(map(paragraph, lines)))
    assert result.paragraphs == [lines[0], lines[2]]
    assert [(r.kind, r.text) for r in result.removals] == [(INFO_LINES[line], lines[1])]


# A source and a date: a CMS page's info line where it opens or closes the text, a chart's or a
# table's credit inside it.
CREDITS = ["来源：国家统计局 2023-01-31", "2023-01-31 来源：国家统计局"]
FIGURES = "<table><tr><td>地区</td><td>社工站</td></tr><tr><td>广东</td><td>1600</td></tr></table>"


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("credit", CREDITS)
def test_a_credit_of_a_source_and_a_date_inside_the_text_stays(credit, script):
    """Taken for a CMS info line (a source and a date), a table's credit went out of the text."""
    convert = in_script(script)
    lead, credit, last = convert(LEAD), convert(credit), convert(REAL[0])
    result = clean_body(paragraph(lead) + FIGURES + paragraph(credit) + paragraph(last))
    assert result.paragraphs == [lead, "地区｜社工站", "广东｜1600", credit, last]
    assert result.removals == []


# What follows the text, and what of it goes.
UNDER_THE_TEXT = {
    "opening": ("", []),
    "closing": (paragraph("（责任编辑：李四）") + paragraph("版权所有 某某日报社 未经授权不得转载"),
                [("boilerplate:meta", "（责任编辑：李四）"), ("boilerplate:copyright", "版权所有 某某日报社 未经授权不得转载")]),
    "over a related list": ('<p>相关新闻</p><p><a href="http://x/1.htm">某市召开社会工作会议</a></p>',
                            [("boilerplate:related", "相关新闻"), ("boilerplate:related", "某市召开社会工作会议")]),
}


@pytest.mark.parametrize("line", ["2023-01-31 来源：某某日报", "来源：某某日报 2023-01-31", "來源：某某日報 2023年1月31日 10:30"])
@pytest.mark.parametrize("where", UNDER_THE_TEXT)
def test_a_source_and_a_date_opening_or_closing_the_text_is_its_info_line(line, where):
    """Over the text, or under it (before the page's widgets, which go too), a source and a date
    are the page's info line."""
    widgets, removed = UNDER_THE_TEXT[where]
    lines = [line, LEAD, REAL[0]] if where == "opening" else [LEAD, REAL[0], line]
    result = clean_body("".join(map(paragraph, lines)) + widgets)
    assert result.paragraphs == [LEAD, REAL[0]]
    assert [(r.kind, r.text) for r in result.removals] == [("boilerplate:meta", line), *removed]


# Lines of an article that name a source, an author, a date or a copyright: one field alone is
# the paper's own line (its source note, a byline), a sentence says more than a field.
ARTICLE_LINES = [
    "资金来源：财政拨款和社会捐赠各占一半。",
    "项目资金来源：市财政 2023年1月1日起执行。",
    "来源：市财政，2023年起执行。",
    "来源：中国社会报",
    "作者：张三",
    "作者：张三 摄影：李四",
    "2022-02-22",
    "时间：3月5日 地点：市民中心",
    "日期：2023-03-05 时间：9:00",
    "责任编辑要对稿件的真实性负责。",
    "该作品版权所有人为张三，未经授权不得转载。",
    "微信",
]


@pytest.mark.parametrize("line", ARTICLE_LINES)
def test_an_articles_line_naming_a_source_author_date_or_copyright_stays(line):
    lines = [LEAD, line, REAL[0]]
    assert clean_body("".join(map(paragraph, lines))).paragraphs == lines


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_lone_author_line_opening_the_text_goes_and_is_the_byline(script):
    """作者：张三 alone over the text is the page's byline: it stayed in the text and was stored as
    no byline. Inside the text or closing it, it is a line of the text's own."""
    from crawler.templates import FounderArticle

    convert = in_script(script)
    author, lead, rest = convert("作者：张三"), convert(LEAD), [convert(line) for line in REAL[:3]]
    opening = clean_body("".join(map(paragraph, [author, lead, *rest])))
    assert opening.paragraphs == [lead, *rest]
    assert [(r.kind, r.text) for r in opening.removals] == [("boilerplate:meta", author)]
    article = FounderArticle(f"<html><body><div id=ozoom>{''.join(map(paragraph, [author, lead, *rest]))}</div></body></html>",
                             "http://x.cn/html/2023-01/31/content_1.htm")
    assert article.byline == convert("张三")
    for lines in ([lead, author, *rest], [lead, *rest, author]):
        assert clean_body("".join(map(paragraph, lines))).paragraphs == lines


# Lines that hold a 来源 or 作者 label, whether the cleaner takes them out as an info line or not.
LABELLED_LINES = [
    *(line for line, kind in INFO_LINES.items() if kind == "boilerplate:meta" and ("源" in line or "作者" in line)),
    "来源：某某日报 / 作者：张三 / 发布时间：2023-01-31",
    *(line for line in ARTICLE_LINES if "源" in line or "作者" in line),
]


@pytest.mark.parametrize("at", [0, 1, 2, 5], ids=["opening", "after the lead", "after a paragraph", "closing"])
@pytest.mark.parametrize("line", LABELLED_LINES)
def test_the_page_object_reads_its_source_and_author_from_the_info_line_the_cleaner_takes_out(line, at):
    """The page object and the cleaner read one info-line grammar: the page object named 张三 the
    author of 作者：张三 摄影：李四, which the cleaner keeps as the paper's line, and read nothing
    of a line whose fields a / parts, which the cleaner takes out. Wherever the line stands: one
    in the middle of the text went out of it, and the page object read no source nor author of it."""
    from crawler.templates.founder import info_author, info_source

    text = [LEAD, *REAL[:4]]
    lines = [*text[:at], line, *text[at:]]
    taken = clean_body("".join(map(paragraph, lines))).paragraphs == text
    assert bool(info_source(lines) or info_author(lines)) == taken


@pytest.mark.parametrize("credit", CREDITS)
@pytest.mark.parametrize("after", [[REAL[0]], REAL[:2], []], ids=["a paragraph after it", "two after it", "closing"])
@pytest.mark.parametrize("where", UNDER_THE_TEXT)  # the page's widgets under it, or none
def test_a_source_and_a_date_is_the_articles_source_only_where_it_closes_the_text(credit, after, where):
    """A chart's credit one or two paragraphs before the end, kept in the text by the cleaner,
    was read by the page object as the article's source, as an info line closing the text; and
    one closing the text over a related list, which the cleaner took out, named none."""
    from crawler.templates import FounderArticle

    widgets, _ = UNDER_THE_TEXT[where]
    body = "".join(map(paragraph, [LEAD, credit, *after])) + widgets
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    kept = credit in clean_body(body).paragraphs
    assert kept == bool(after)
    # The page object's lines have no links: a related list under the line is text to it.
    assert article.source == ("" if kept or where == "over a related list" else "来源：国家统计局")
    item = ArticleItem("x", "某某日报", "2023-01-31", "", 1, "", article.url, body_html=body, source=article.source)
    CleanPipeline().process_item(item)
    assert item.source == ("" if kept else "来源：国家统计局")


SOURCE_LINE = "来源：中国社会报"


@pytest.mark.parametrize("after", [[REAL[0]], REAL[:2], []], ids=["a paragraph after it", "two after it", "closing"])
@pytest.mark.parametrize("where", ["closing", "over a related list"])  # the page's widgets under it, or a related list
def test_a_lone_source_line_is_the_articles_source_only_where_it_closes_the_text(after, where):
    """来源：某某 alone one or two paragraphs before the end was stored as the article's source:
    inside the text it is the text's own line, as a source and a date is a credit there."""
    from crawler.templates import FounderArticle

    widgets, _ = UNDER_THE_TEXT[where]
    body = "".join(map(paragraph, [LEAD, SOURCE_LINE, *after])) + widgets
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    assert clean_body(body).paragraphs == [LEAD, SOURCE_LINE, *after]  # a source note stays in the text, closing it or not
    # The page object's lines have no links: a related list under the line is text to it.
    assert article.source == ("" if after or where == "over a related list" else SOURCE_LINE)
    item = ArticleItem("x", "某某日报", "2023-01-31", "", 1, "", article.url, body_html=body, source=article.source)
    CleanPipeline().process_item(item)
    assert item.source == ("" if after else SOURCE_LINE)


# More of a page's widgets under the text than the three lines the page object looked through.
WIDGET_RUN = ["返回首页", "【打印本页】", "【关闭窗口】", "分享到：微信 微博", "版权所有 某某日报社 未经授权不得转载"]


@pytest.mark.parametrize("closing, source, author", [
    ("来源：某某日报\u3000作者：张三\u3000发布时间：2023-01-31", "来源：某某日报", "张三"),
    ("2023-01-31 来源：某某日报", "来源：某某日报", ""),
    (SOURCE_LINE, SOURCE_LINE, ""),
    ("（据民政部官网）", "据民政部官网", ""),
])
def test_a_line_closing_the_text_over_a_run_of_the_pages_widgets_names_its_source_and_author(closing, source, author):
    """Four widget lines under an info line put it out of the last three lines the page object read:
    the cleaner took the line out all the same, and no source nor author was stored."""
    from crawler.templates import FounderArticle

    body = "".join(map(paragraph, [LEAD, REAL[0], closing, *WIDGET_RUN]))
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    result = clean_body(article.body_element)
    assert result.paragraphs == [LEAD, REAL[0]] + ([] if author or "2023" in closing else [closing])
    assert [r.text for r in result.removals][-len(WIDGET_RUN):] == WIDGET_RUN
    assert (article.source, article.byline) == (source, author)


def test_a_closing_source_note_after_a_credit_inside_the_text_is_the_source():
    from crawler.templates import FounderArticle

    body = "".join(map(paragraph, [LEAD, CREDITS[0], REAL[0], "（据广东省民政厅）"]))
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    assert article.source == "据广东省民政厅"


def test_the_closing_source_note_is_still_recorded_under_a_cms_info_line():
    info = "来源：某某日报　作者：张三　发布时间：2023-01-31　【打印】【关闭】"
    body = "".join(map(paragraph, [info, LEAD, "来源：中国社会报", "（责任编辑：李四）", "版权所有 某某日报社 未经授权不得转载"]))
    item = ArticleItem("x", "某某日报", "2023-01-31", "", 1, "", "http://x/a.htm", body_html=body)
    CleanPipeline().process_item(item)
    assert item.paragraphs == [LEAD, "来源：中国社会报"]
    assert item.source == "来源：中国社会报"


@pytest.mark.parametrize("related", [2, 4], ids=["two items", "four items"])
def test_the_closing_source_note_over_an_info_line_and_a_related_list_is_the_source(related):
    """A related list of titles under the info line is text to the page object: with three
    lines or more of it the note was out of the lines the page object looks for one in, which
    named the info line's 来源 instead."""
    from crawler.templates import FounderArticle

    info = "来源：某某日报　作者：张三　发布时间：2023-01-31"
    titles = [f"某市召开第{n}次社会工作会议" for n in range(related)]
    body = "".join(map(paragraph, [LEAD, "（据中国社会报）", info, "相关新闻"])) + "".join(
        f'<p><a href="http://x/{n}.htm">{title}</a></p>' for n, title in enumerate(titles))
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    item = ArticleItem("x", "某某日报", "2023-01-31", "", 1, "", article.url, body_html=body, source=article.source,
                       byline=article.byline)
    CleanPipeline().process_item(item)
    assert item.paragraphs == [LEAD, "（据中国社会报）"]
    assert (item.source, item.byline) == ("据中国社会报", "张三")


def test_a_line_of_meta_fields_that_is_no_info_line_costs_no_backtracking():
    import time
    import timeit

    lines = ["2023-01-31 " * 14 + "。", "来源：某某日报 " + "2023-01-31 " * 10 + "作者：" + "x" * 30 + "。"]
    # As long, with nothing the info line's fields could be split at: what cleaning costs anyway.
    plain = ["二〇二三年一月三十一日 " * 13 + "。", "来源某某日报 " + "二〇二三年一月三十一日 " * 9 + "作者" + "x" * 30 + "。"]
    assert clean_body("".join(map(paragraph, lines))).paragraphs == [line.strip() for line in lines]

    def cost(text: list[str]) -> float:
        # CPU time, the least of many tries: a busy machine only adds to a try (a wall-clock
        # bound of 20 ms failed when the run was descheduled), and the machine's speed cancels out.
        html = "".join(map(paragraph, text))
        return min(timeit.repeat(lambda: clean_body(html), number=1, repeat=20, timer=time.process_time))

    # About 1; about 20 when the fields are not atomic (each date tried every way it splits).
    assert cost(lines) < 5 * cost(plain)


# --- a byline printed at the end of the text ------------------------------------------------

def seed_002_article() -> tuple[str, list[str]]:
    """The lead byline of seed 002's article under its title, and its paragraphs after it."""
    lines = [line.strip() for line in seed("002") if line.strip()]
    lead = next(at for at, line in enumerate(lines) if line.startswith("■"))
    return lines[lead], lines[lead + 1 : lead + 4]


def _closed_by(closing: list[str], script: str, lead: bool = False) -> ArticleItem:
    """Seed 002's article, its lead byline over it or not, closing with ``closing`` (in
    ``script``), through the page object and the clean pipeline as the crawl passes it."""
    from crawler.templates import FounderArticle

    convert = in_script(script)
    byline, text = seed_002_article()
    lines = [convert(line) for line in ([byline] if lead else []) + text + closing]
    body = "".join(f"<P>\u3000\u3000{line}</P>" for line in lines)
    article = FounderArticle(f"<html><body><div id=ozoom>{body}</div></body></html>", "http://x.cn/html/2023-01/31/content_1.htm")
    item = ArticleItem("x", "某某日报", "2023-01-31", "", 1, "", article.url, body_html=article.body_html,
                       source=article.source, byline=article.byline)
    CleanPipeline().process_item(item)
    assert item.paragraphs == lines  # printed text: the closing line stays in it
    return item


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("closing, byline", [
    (["（本报记者 皮磊 整理）"], "本报记者 皮磊 整理"),
    (["（记者 皮磊 通讯员 张三）"], "记者 皮磊 通讯员 张三"),
    (["文/本报记者 皮磊"], "本报记者 皮磊"),
    (["文／本报记者 皮磊"], "本报记者 皮磊"),
    # After the text's last sentence, on its line; over the closing source note.
    (["项目覆盖全省。（本报记者 皮磊）"], "本报记者 皮磊"),
    (["（本报记者 皮磊）", "（据广东省民政厅）"], "本报记者 皮磊"),
    # 文/图 (or 图/文) before the names credits the words and the pictures: the byline is the
    # names, as a 文/ line's (the 图 was stored as part of them).
    (["文/皮磊"], "皮磊"),
    (["文/图 皮磊"], "皮磊"),
    (["文/图：皮磊"], "皮磊"),
    (["文／图 本报记者 皮磊"], "本报记者 皮磊"),
    (["图/文 皮磊"], "皮磊"),
    # A reporter's names alone closing the text, without brackets, as the bracketed line reads.
    (["本报记者 皮磊"], "本报记者 皮磊"),
    (["记者 皮磊 张三"], "记者 皮磊 张三"),
    (["本报记者 皮磊 通讯员 张三"], "本报记者 皮磊 通讯员 张三"),
    (["本报记者 皮磊", "（据广东省民政厅）"], "本报记者 皮磊"),
    # Words by one, pictures by another: the byline is the writer's names, the photo credit none.
    (["文/皮磊 图/张三"], "皮磊"),
    (["文/本报记者 皮磊 图/本报记者 张三"], "本报记者 皮磊"),
    (["文/皮磊\u3000图/张三"], "皮磊"),
    (["文：皮磊 图：张三"], "皮磊"),
    (["图/张三 文/皮磊"], "皮磊"),
    (["本报记者 皮磊 图/张三"], "本报记者 皮磊"),
    (["（本报记者 皮磊 图/张三）"], "本报记者 皮磊"),
    # A mark before the line, as before a lead byline: read as the same line without it.
    (["■ 本报记者 皮磊"], "本报记者 皮磊"),
    (["□本报记者 皮磊"], "本报记者 皮磊"),
    (["● 记者 皮磊 张三"], "记者 皮磊 张三"),
    (["◆ 本报记者 皮磊", "（据广东省民政厅）"], "本报记者 皮磊"),
    (["▲ 本报记者 皮磊"], "本报记者 皮磊"),
    (["★ 本报记者 皮磊"], "本报记者 皮磊"),
    (["◎ 文/本报记者 皮磊"], "本报记者 皮磊"),
    (["■（本报记者 皮磊）"], "本报记者 皮磊"),
    # Four characters are a name with a compound surname or a joined double surname; Latin
    # letters and a middle dot are names as they were.
    (["记者 欧阳小明"], "记者 欧阳小明"),
    (["本报记者 司马相如 通讯员 诸葛小亮"], "本报记者 司马相如 通讯员 诸葛小亮"),
    (["记者 林郑月娥"], "记者 林郑月娥"),
    (["本报记者 皮磊 通讯员张三"], "本报记者 皮磊 通讯员张三"),
    (["记者 John Smith"], "记者 John Smith"),
    # A name in Latin letters is one word however long (up to 24 letters).
    (["记者 Johnson"], "记者 Johnson"),
    (["（本报记者 Christopher O'Neill）"], "本报记者 Christopher O'Neill"),
    (["文/Maximilian"], "Maximilian"),
    # Directly before a slash too, as a Chinese name is: the photographer's credit after it is no
    # part of the byline, and a slash between two writers' names parts them as a blank does.
    (["文/Maximilian/图/张三"], "Maximilian"),
    (["文/Maximilian／图／张三"], "Maximilian"),
    (["记者 Johnson/图/张三"], "记者 Johnson"),
    (["（本报记者 Christopher O'Neill/图/张三）"], "本报记者 Christopher O'Neill"),
    (["文/Maximilian/皮磊"], "Maximilian/皮磊"),
    (["文/皮磊/张三"], "皮磊/张三"),
    (["记者 张三/图/李四"], "记者 张三"),
    # 图片/ and 摄影/ label the photographer's credit as 图/ does.
    (["文/皮磊/图片/张三"], "皮磊"),
    (["文/皮磊/摄影/张三"], "皮磊"),
    (["文/皮磊 图片/张三"], "皮磊"),
    (["本报记者 皮磊 图片：张三"], "本报记者 皮磊"),
    (["图片/张三 文/皮磊"], "皮磊"),
    (["记者 艾力·吾甫"], "记者 艾力·吾甫"),
    # A name with a middle dot (·, •, ・, ‧ as papers print it) is one however long its parts.
    (["本报记者 阿不都·热合曼"], "本报记者 阿不都·热合曼"),
    (["记者 阿不都•热合曼 通讯员 买买提明·阿不都热合曼"], "记者 阿不都•热合曼 通讯员 买买提明·阿不都热合曼"),
    (["（本报记者 阿不都・热合曼）"], "本报记者 阿不都・热合曼"),
    (["文/阿不都‧热合曼"], "阿不都‧热合曼"),
    # Blanks around the slash that parts the writer's credit from the photographer's, or none.
    (["文/ 皮磊 / 图/ 张三"], "皮磊"),
    (["文 / 皮磊 / 图 / 张三"], "皮磊"),
    (["文/皮磊/图/张三"], "皮磊"),
    (["文/ 皮磊 /图/ 张三"], "皮磊"),
    (["图/ 张三 / 文/ 皮磊"], "皮磊"),
    (["本报记者 皮磊 / 图/张三"], "本报记者 皮磊"),
    (["本报记者 皮磊 综合报道"], "本报记者 皮磊 综合报道"),
    # Where it was reported from closes a byline as 综合报道 does.
    (["本报记者 皮磊 北京报道"], "本报记者 皮磊 北京报道"),
    (["记者 皮磊 发自北京"], "记者 皮磊 发自北京"),
    # After a 文/ label any names count: a pen name, a desk.
    (["文/本报评论员"], "本报评论员"),
    # A slash between names parts them with blanks beside it as without: stored without the blanks.
    (["文/皮磊 / 张三"], "皮磊/张三"),
    (["文 / 皮磊 ／ 张三 / 图 / 李四"], "皮磊／张三"),
    (["记者 皮磊 / 张三"], "记者 皮磊/张三"),
    (["（本报记者 皮磊 / 张三）"], "本报记者 皮磊/张三"),
    # Two surnames joined, not only the commonest: a name of four characters read whole.
    (["记者 陈方安生"], "记者 陈方安生"),
    (["本报记者 陈方安生 通讯员 张三"], "本报记者 陈方安生 通讯员 张三"),
    # A middle dot after the role parts it from the names as a blank does, and is stored as one.
    (["记者 ·皮磊"], "记者 皮磊"),
    (["记者·皮磊"], "记者 皮磊"),
    (["通讯员·张三"], "通讯员 张三"),
    (["本报记者 皮磊 通讯员·张三"], "本报记者 皮磊 通讯员 张三"),
    (["（记者·皮磊 通讯员 · 张三）"], "记者 皮磊 通讯员 张三"),
    # A stray middle dot after 文/ is no part of the names.
    (["文/·皮磊"], "皮磊"),
    (["文/ · 皮磊"], "皮磊"),
    (["文/图·皮磊"], "皮磊"),
    (["文/·阿不都·热合曼"], "阿不都·热合曼"),
    # The role run into the name, no blank between them, as papers commonly print it.
    (["记者张三 北京报道"], "记者张三 北京报道"),
    (["本报记者张三"], "本报记者张三"),
    (["本报记者皮磊"], "本报记者皮磊"),
    (["通讯员李四 王五"], "通讯员李四 王五"),
    (["本报记者张三 通讯员李四"], "本报记者张三 通讯员李四"),
    (["本报记者欧阳小明"], "本报记者欧阳小明"),
    (["本报记者王小明报道"], "本报记者王小明报道"),
    (["记者阿不都·热合曼"], "记者阿不都·热合曼"),
    # Names parted by 、 or by a comma, alike.
    (["本报记者 张三、李四"], "本报记者 张三、李四"),
    (["本报记者 张三，李四"], "本报记者 张三，李四"),
    (["本报记者张三、李四 通讯员王五"], "本报记者张三、李四 通讯员王五"),
    (["（记者 张三，李四）"], "记者 张三，李四"),
    (["（记者 张三、李四）"], "记者 张三、李四"),
    # Run into the role, a name whose surname is one of the 百家姓 beyond the commonest, or a
    # compound one of it; an intern's credit before a reporter's.
    (["本报记者甄子丹"], "本报记者甄子丹"),
    (["记者祁小明 北京报道"], "记者祁小明 北京报道"),
    (["本报记者焦小明报道"], "本报记者焦小明报道"),
    (["本报记者宗政小明"], "本报记者宗政小明"),
    (["实习生 张三 记者 李四"], "实习生 张三 记者 李四"),
    # A heading's word (现场) before 报道 after a name is where it was reported from, as 北京 is.
    (["本报记者 张三 现场报道"], "本报记者 张三 现场报道"),
    # In any brackets, names as without them.
    (["〔记者 李四〕"], "记者 李四"),
    (["【通讯员 王五】"], "通讯员 王五"),
    (["（本报记者 王 磊 整理）"], "本报记者 王 磊 整理"),
])
def test_a_byline_closing_the_text_is_the_byline(closing, byline, script):
    """Printed at the end of the text rather than under the title, it was stored as no byline."""
    convert = in_script(script)
    item = _closed_by(closing, script)
    assert item.byline == convert(byline)


@pytest.mark.parametrize("closing", [
    ["（据民政部官网）"], ["(据湖北省民政厅)"], ["（据《天水日报》）"],  # the seeds' closing source notes
    ["(图片来源:界面新闻)"], ["（本报记者 皮磊 摄）"], ["本报记者 皮磊 摄"], ["图/本报记者 皮磊"],  # photo credits
    ["记者从新疆维吾尔自治区民政厅获悉，今年以来，全疆社工站建设取得积极进展。"],  # seed 004: a sentence
    ["（下转第3版）"],
    ["图/皮磊"], ["图：皮磊"], ["记者 皮磊 摄"], ["本报记者 皮磊 供图"],  # photo credits, without brackets
    ["来源：中国社会报"], ["来源：本报记者 皮磊"],
    # Sentences that name a reporter, and a reporter's line a paragraph of the text follows.
    ["本报记者皮磊在现场看到，志愿者正在为老人分发物资。"], ["本报记者皮磊在现场看到志愿者正在为老人分发物资"], ["记者节快乐"],
    ["记者 皮磊 张三", "项目覆盖全省，惠及群众十万余人。"],
    # A mark before such a line reads as the line without it.
    ["■ 本报记者 皮磊", "项目覆盖全省，惠及群众十万余人。"], ["■ 本报记者 皮磊 摄"], ["■ 图/皮磊"],
    # A four-character phrase after a role, no compound surname: a heading, no name.
    ["记者 深入一线"], ["本报记者 走进社区"], ["■ 记者 深入一线"], ["记者 皮磊 深入一线"],
    # Two surnames opening a phrase longer than four characters: a name joins them only in four.
    ["记者 张罗社区活动"], ["本报记者 张罗年货忙"],
    # Nor in four where the two surnames are a word of their own (方向, 黄金, 罗马).
    ["记者 方向明确"], ["本报记者 黄金时代"], ["记者 罗马假日"], ["本报记者 皮磊 通讯员 任何一天"],
    # Nor after a middle dot that parts it from the role; a phrase alone, no role, names no one.
    ["记者·深入一线"], ["本报记者 · 走进社区"], ["张罗社区"], ["记者节·快乐"],
    # Run into the role, a word is a name only where a surname opens it: a phrase is none.
    ["本报记者跟踪报道"], ["记者深入报道"], ["记者手记"], ["本报记者走访"], ["记者调查"], ["本报记者走进社区"],
    # A phrase among names parted by 、 or a comma, as among names parted by blanks.
    ["本报记者 张三，深入一线"], ["本报记者 深入一线、走进社区"], ["记者 张三、方向明确"],
    # A column's heading after the role, a blank between them or not: no name.
    ["记者 手记"], ["本报记者 观察"], ["记者 调查"], ["记者 述评"], ["■ 记者 手记"], ["记者·观察"],
    # Nor where a surname opens it (连, 时, 焦, 辛, 纪 …): a heading, or a phrase before 报道.
    ["记者连线"], ["记者时评"], ["记者 解读"], ["记者关注"], ["记者后记"], ["本报记者焦点报道"], ["记者辛苦了"],
    ["本报记者 纪实报道"],
    # Nor a second role run into the first (通 and 实 open surnames too): no name follows.
    ["本报记者通讯员"], ["记者实习生"],
    # Prose run into the role, though a surname of the 百家姓 opens it (都, 和, 从); a word no
    # surname opens after a blank; either in brackets, as without.
    ["记者都来了"], ["记者和他"], ["记者从新疆"], ["记者 微博"], ["本报记者 张三 微信"],
    ["（记者 深入一线）"], ["〔记者 微博〕"], ["【通讯员 都来了】"], ["项目覆盖全省。（记者 微博）"],
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_source_note_a_photo_credit_or_a_sentence_closing_the_text_is_no_byline(closing, script):
    assert _closed_by(closing, script).byline == ""


def test_a_closing_byline_leaves_the_byline_under_the_title_as_it_is():
    assert _closed_by(["（本报记者 张三 整理）"], "simplified", lead=True).byline == "本报记者 皮磊"
