"""Generic main-text extraction (crawler/templates/generic.py) and the Founder fallback to it."""
from __future__ import annotations

import re
from html import escape

import pytest

from crawler.templates.founder import FounderArticle
from crawler.templates.generic import GenericArticle
from crawler.templates.registry import get_template
from pipelines.clean import clean_body
from tests.conftest import crawled_archive, sql_rows
from tests.fixtures.cleaning.build import GENERAL_TEXTS
from tests.sites import sample_site

TITLE, PARAGRAPHS = GENERAL_TEXTS[1]


def page(body: str, head: str = "<title>页面</title>") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def paragraphs(lines: list[str], tag: str = "p") -> str:
    return "".join(f"<{tag}>{escape(line)}</{tag}>" for line in lines)


def test_region_holds_every_paragraph_and_leaves_out_menus_and_footer():
    html = page(
        '<div class="nav-menu"><a href="/">首页</a><a href="/a/">政务公开</a></div>'
        f"<div class=main><h1>{TITLE}</h1><div class=text>{paragraphs(PARAGRAPHS)}</div></div>"
        "<div class=footer><p>主办单位：某某市民政局。地址：某某路1号。</p></div>"
    )
    article = GenericArticle(html, "http://x/a.htm")
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS
    assert clean_body(article.body_html).paragraphs == PARAGRAPHS
    assert "政务公开" not in article.body_html and "主办单位" not in article.body_html


def test_the_article_frame_comes_along_so_its_widgets_are_recorded():
    html = page(
        "<div class=wrap><div class=crumb>当前位置:<a href=/>首页</a> &gt; <a href=/x/>部门动态</a></div>"
        f"<h1>{TITLE}</h1><ul><li>听全文</li><li>分享到</li></ul>"
        f"<div class=text>{paragraphs(PARAGRAPHS)}</div><div>扫一扫在手机打开当前页</div></div>"
    )
    result = clean_body(GenericArticle(html, "http://x/a.htm").body_html)
    assert result.paragraphs == PARAGRAPHS  # the title heading is a field, not a paragraph
    assert {r.kind for r in result.removals} == {"boilerplate:breadcrumb", "boilerplate:tools", "boilerplate:share"}


def test_short_lines_beside_a_single_paragraph_are_kept():
    lines = ["■ 本报记者 皮磊", PARAGRAPHS[0], "关注民生"]
    article = GenericArticle(page(f"<div>{paragraphs(lines)}</div><div><a href=/>首页</a></div>"), "u")
    assert article.paragraphs == lines


def test_a_page_of_lines_without_sentences_still_gives_its_text():
    lines = ["浙江:杭州市拱墅区深化推进项目社工队伍建设 08版", "广西:南宁市未成年人司法社会工作服务中心揭牌 09版"]
    assert GenericArticle(page(f"<div>{paragraphs(lines)}</div>"), "u").paragraphs == lines


def test_notices_and_hidden_blocks_do_not_widen_the_region():
    html = page(
        f"<table><tr><td><div id=content>{paragraphs(PARAGRAPHS)}</div></td>"
        "<td>版权声明：本报刊发的所有作品，版权均属于本报社。未经书面授权，不得转载。</td>"
        '<td><div style="display:none">亚洲一区二区的精品站点，每日更新。</div></td></tr></table>'
    )
    assert GenericArticle(html, "u").paragraphs == PARAGRAPHS


@pytest.mark.parametrize("cell", [
    "<td>{}<br><br>版权所有 某某日报社</td>",
    "<td><font size=3>{}<br><br>本文版权所有，转载请注明出处。</font></td>",
])
def test_a_cell_of_lines_closing_with_the_sites_notice_is_the_text(cell):
    """The cell's text read as a notice whole: the page had no prose, and was stored without text."""
    html = page("<table><tr>" + cell.format("<br>".join(map(escape, PARAGRAPHS))) + "</tr></table>")
    assert GenericArticle(html, "u").paragraphs[:len(PARAGRAPHS)] == PARAGRAPHS


def test_a_footers_notice_with_a_sentence_beside_it_is_no_prose():
    html = page(f"<div>{paragraphs(PARAGRAPHS)}</div>"
                "<div class=bt>版权所有 某某日报社<br>未经书面许可，不得转载、摘编或建立镜像。</div>")
    assert GenericArticle(html, "u").paragraphs == PARAGRAPHS


def test_title_from_og_title_then_title_element():
    body = f"<div>{paragraphs(PARAGRAPHS)}</div>"
    assert GenericArticle(page(body, f'<meta property="og:title" content="{TITLE}">'), "u").title == TITLE
    assert GenericArticle(page(body, f"<title>{TITLE}</title>"), "u").title == TITLE


@pytest.mark.parametrize(("title", "page_names_itself"), [
    (f"{TITLE}_某某日报", ""),
    (f"{TITLE} - 公益时报", ""),
    (f"某某网-{TITLE}", ""),
    (f"{TITLE}|要闻|公益时报网", "<div class=nav><a href=/>首页</a><a href=/yw/>要闻</a></div>"),
    (f"{TITLE}_南方都市", "<img src=logo.gif alt=南方都市>"),
    (f"{TITLE}_南方都市", "<div class=bottom>南方都市 版权所有</div>"),
    (f"{TITLE} - 南方都市", '<b>南方都市</b><meta property="og:site_name" content="南方都市">'),
])
def test_the_sites_name_joined_to_the_title_element_is_no_part_of_the_title(title, page_names_itself):
    """A page without an <h1> was titled with the site's name glued on (标题_某某日报)."""
    html = page(f"{page_names_itself}<div>{paragraphs(PARAGRAPHS)}</div>", f"<title>{title}</title>")
    assert GenericArticle(html, "u").title == TITLE


def test_an_og_title_naming_the_site_gives_way_to_the_title_element():
    """A CMS that sets og:title once for the site stored every article under the site's name."""
    head = f'<meta property="og:title" content="某某日报"><title>{TITLE}_某某日报</title>'
    assert GenericArticle(page(f"<div>{paragraphs(PARAGRAPHS)}</div>", head), "u").title == TITLE


@pytest.mark.parametrize(("title", "around", "expected"), [
    ("2023-2025年社区服务规划_某某日报", "<div class=footer>Copyright 2003-2023</div>", "2023-2025年社区服务规划"),
    ("中-美社工交流活动举行", "", "中-美社工交流活动举行"),
    ("奋斗者——记社工李某", "<a href=/b.htm><img src=b.jpg alt=记社工李某的照片></a>", "奋斗者——记社工李某"),
    ("某某网-某某日报", "", "某某网-某某日报"),
    ("工业互联网-数字经济新引擎_某某日报", "", "工业互联网-数字经济新引擎"),
    ("青年社工-登上舞台", "", "青年社工-登上舞台"),
    ("喜报-某某社工站获评全国示范", "", "喜报-某某社工站获评全国示范"),
    ("某某集团发布2023年年报_某某日报", "", "某某集团发布2023年年报"),
])
def test_a_title_elements_own_dash_stays(title, around, expected):
    """Only a part named as the site's goes: a dash of the title's own, a year in the footer's
    © 2003-2023, a related item's alt text, a part that ends as a word of a title does (互联网,
    舞台, 喜报, 年报) and a <title> of site names alone split nothing off."""
    html = f"<html><head><title>{title}</title></head><body>{around}<div>{paragraphs(PARAGRAPHS)}</div></body></html>"
    assert GenericArticle(html, "u").title == expected


def test_the_part_of_the_title_element_the_page_shows_as_its_headline_is_the_title():
    """The headline shown over the text (a bold cell, no <h1>) says which part is the title."""
    html = page(f"<table><tr><td><font size=5><b>社工-志愿者联动机制建立</b></font></td></tr>"
                f"<tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>", "<title>南方都市-社工-志愿者联动机制建立</title>")
    assert GenericArticle(html, "u").title == "社工-志愿者联动机制建立"


HEADLINE = "某市召开社会工作会议"


@pytest.mark.parametrize(("title", "layout"), [
    ("某某日报", f"<table><tr><td class=title><b>{HEADLINE}</b></td></tr><tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>"),
    ("某某日报--新闻中心", f"<table><tr><td align=center><font size=5 color=red>{HEADLINE}</font></td></tr>"
                      f"<tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>"),
    ("", f'<table class=art><tr><td style="font-size:14px">全省社工工作会议召开</td></tr>'
         f'<tr><td style="font-size:22px;font-weight:bold">{HEADLINE}</td></tr><tr><td><div>{paragraphs(PARAGRAPHS)}</div></td></tr></table>'),
    ("某某日报", f"<table><tr><td><b>{HEADLINE}</b><br>{'<br>'.join(map(escape, PARAGRAPHS))}</td></tr></table>"),
])
def test_a_page_whose_title_element_names_the_site_only_is_titled_by_its_headline(title, layout):
    """A page without an <h1> whose <title> names the site only (or is empty) was stored under the
    site's name, and a headline set in the text's cell stayed its first line."""
    article = GenericArticle(page(layout, f"<title>{title}</title>"), "u")
    assert (article.title, article.paragraphs) == (HEADLINE, PARAGRAPHS)


def test_the_headline_is_the_line_nearest_over_the_text_not_a_layout_columns_heading():
    """A layout table's left column, before the text in the file, heads its list in bold too."""
    column = "<td><b>版面导航</b><br>" + "".join(f"<a href=node_{n}.htm>第0{n}版</a><br>" for n in range(1, 5)) + "</td>"
    html = page(f"<table><tr>{column}<td><b>{HEADLINE}</b><br>{'<br>'.join(map(escape, PARAGRAPHS))}</td></tr></table>",
                "<title>某某日报</title>")
    assert GenericArticle(html, "u").title == HEADLINE


def test_the_headline_over_a_text_cell_nested_in_a_table_of_its_own_is_found():
    """Old CMS pages nest the text's cell (beside its picture's) in a table of its own, under the
    headline's and the meta line's rows: the headline was looked for in the inner table only,
    and the page was stored under its <title>, the site's name."""
    html = page(f"<table><tr><td>当前位置：<a href=/>首页</a> &gt; <a href=/news/>新闻中心</a></td></tr>"
                f"<tr><td align=center><font size=5><b>{HEADLINE}</b></font></td></tr>"
                "<tr><td>来源：某某日报　作者：张三　发布时间：2023-01-31</td></tr>"
                f"<tr><td><table><tr><td><img src=pic.jpg><br>会议现场</td>{TEXT_CELL}</tr></table></td></tr></table>",
                "<title>某某日报--新闻中心</title>")
    assert GenericArticle(html, "u").title == HEADLINE


def test_a_label_over_the_article_is_no_headline():
    html = page(f"<table><tr><td><b>正文</b></td></tr><tr><td><b>{HEADLINE}</b></td></tr>"
                f"<tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>", "<title>某某日报</title>")
    assert GenericArticle(html, "u").title == HEADLINE


def test_the_headline_the_title_element_names_is_no_line_of_the_text():
    """The <h2> over the text the <title> names stayed the text's first line."""
    html = page(f"<div class=article><h2>{HEADLINE}</h2><div class=content>{paragraphs(PARAGRAPHS)}</div></div>",
                f"<title>{HEADLINE}_某某日报</title>")
    article = GenericArticle(html, "u")
    assert (article.title, article.paragraphs) == (HEADLINE, PARAGRAPHS)
    assert clean_body(article.body_html).paragraphs == PARAGRAPHS


def test_a_subheading_in_the_text_the_title_element_names_stays_in_the_text():
    lines = [PARAGRAPHS[0], "会议要求", *PARAGRAPHS[1:]]
    html = page(f"<div class=content><p>{escape(PARAGRAPHS[0])}</p><p><b>会议要求</b></p>{paragraphs(PARAGRAPHS[1:])}</div>",
                "<title>会议要求_某某日报</title>")
    article = GenericArticle(html, "u")
    assert (article.title, article.paragraphs) == ("会议要求", lines)


@pytest.mark.parametrize(("sheet", "heading"), [
    ("", '<span style="display:none">久久综合网</span>'),
    ("", '<font style="position:absolute;left:-9999px">久久综合网</font>'),
    ("", "<noscript><a href='http://www.zhanqun.example/'>久久综合网</a></noscript>"),
    (".k9 {display:none}", "<span class=k9>久久综合网</span>"),
    ("#t .k9 a {font-size:0}", "<b class=k9><a href='http://www.zhanqun.example/'>久久综合网</a></b>"),
])
@pytest.mark.parametrize("where", ["head", "body"])
def test_text_a_kit_hides_in_the_heading_is_no_part_of_the_title(sheet, heading, where):
    """The fallback read its <h1> whole: the title ran on into the keywords a kit hid in it
    (主标题久久综合网), which the cleaner cannot tell from it. Read as the Founder headings are;
    a Founder file whose template holds no title falls back to it."""
    style = f"<style>{sheet}</style>" if sheet else ""
    html = page(f"{style * (where == 'body')}<div><h1 id=t>{TITLE}{heading}</h1>{paragraphs(PARAGRAPHS)}</div>",
                f"<title>页面</title>{style * (where == 'head')}")
    article = GenericArticle(html, "http://x/a.htm")
    assert (article.title, article.paragraphs) == (TITLE, PARAGRAPHS)
    founder = FounderArticle(html, "http://x/content_1.htm")
    assert (founder.extraction, founder.title) == ("fallback", TITLE)


@pytest.mark.parametrize("style", ["position:absolute; left:-9999px", "text-indent:-9999px", "opacity:0", "font-size:0"])
def test_a_heading_css_moves_off_screen_is_no_title(style):
    """Only display:none and visibility:hidden counted: a kit's keywords in an <h1> moved off
    screen (or a site's logo so set) before the article's were its title."""
    html = page(f'<h1 style="{style}">久久综合网</h1><div><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div>')
    assert GenericArticle(html, "http://x/a.htm").title == TITLE


def test_a_fallback_byline_and_source_leave_out_what_the_text_hides():
    """Read from the fallback's paragraphs as written, a Founder file off its template stored
    the keywords a kit hid in its lead byline and source note, which the cleaner took out of the text."""
    hidden = '<span style="display:none">久久综合网</span><span class=k9>亚洲一区二区</span>'
    html = page(f"<style>.k9 {{display:none}}</style><div><h1>{TITLE}</h1><p>■ 本报记者 皮磊{hidden}</p>"
                f"{paragraphs(PARAGRAPHS)}<p>（据民政部官网{hidden}）</p></div>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert (article.extraction, article.byline, article.source) == ("fallback", "本报记者 皮磊", "据民政部官网")


def test_a_fallback_byline_after_a_paragraph_css_hides_is_its_lead_line():
    """The fallback's lead line was its first paragraph as written, a kit's hidden one: no byline."""
    html = page(f'<div><h1>{TITLE}</h1><p style="display:none">久久综合网</p><p>■ 本报记者 皮磊</p>{paragraphs(PARAGRAPHS)}</div>')
    article = FounderArticle(html, "http://x/content_1.htm")
    assert (article.extraction, article.byline) == ("fallback", "本报记者 皮磊")


@pytest.mark.parametrize("hidden", ['<style>.k9 {{display:none}}</style><p class=k9>{}</p>', '<noscript><p>{}</p></noscript>'],
                         ids=["style", "noscript"])
def test_a_fallback_byline_or_source_is_no_hidden_line(hidden):
    """A hidden line that reads as a byline (a source note) before the shown one (after it) was
    the fallback's byline (source), the file's HTML holding it as it is."""
    html = page(f"<div><h1>{TITLE}</h1>{hidden.format('本报记者 李四')}<p>■ 本报记者 皮磊</p>{paragraphs(PARAGRAPHS)}"
                f"<p>（据民政部官网）</p>{hidden.format('（据久久综合网）')}</div>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert (article.extraction, article.byline, article.source) == ("fallback", "本报记者 皮磊", "据民政部官网")


def test_a_style_sheet_inside_noscript_hides_no_title_nor_text():
    """A browser that runs scripts ignores a <style> inside a <noscript>: its rule hid the block
    of the title and the text, so the title was empty and the heading left in the text."""
    html = page(f"<noscript><style>.c {{display:none}}</style></noscript><div class=c><h1>{TITLE}</h1>"
                f"{paragraphs(PARAGRAPHS)}</div>")
    article = GenericArticle(html, "http://x/a.htm")
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS


def test_a_heading_whose_text_is_all_hidden_is_no_title():
    html = page(f"<style>.k9 {{display:none}}</style><h1><span class=k9>久久综合网</span></h1>"
                f"<div><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div>")
    assert GenericArticle(html, "http://x/a.htm").title == TITLE


def test_an_empty_page_gives_nothing():
    article = GenericArticle("<html><body><div><a href=/>首页</a></div></body></html>", "u")
    assert (article.body_html, article.paragraphs) == ("", [])


def test_founder_article_falls_back_when_its_body_selectors_find_nothing():
    drifted = page(f"<table class=wz><tr valign=top><td></td></tr></table><div id=newbody>{paragraphs(PARAGRAPHS)}</div>")
    article = FounderArticle(drifted, "http://x/content_1.htm")
    assert article.extraction == "fallback"
    assert article.paragraphs == PARAGRAPHS
    assert clean_body(article.body_html).paragraphs == PARAGRAPHS


def test_founder_article_with_an_empty_body_region_falls_back_too():
    html = page(f"<div id=ozoom><founder-content> </founder-content></div><div>{paragraphs(PARAGRAPHS)}</div>")
    assert FounderArticle(html, "http://x/content_1.htm").extraction == "fallback"


def test_founder_article_on_template_does_not():
    html = page(f"<div id=ozoom><founder-content>{paragraphs(PARAGRAPHS, 'P')}</founder-content></div>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert article.extraction == "template"
    assert article.paragraphs == PARAGRAPHS


def test_lines_broken_by_br_in_one_container_are_the_region():
    lines = [PARAGRAPHS[0], "关注民生", PARAGRAPHS[1]]
    html = page(f"<table><tr><td><a href=/>首页</a></td><td><div class=text>{'<br>'.join(map(escape, lines))}</div>"
                "</td></tr></table>")
    article = GenericArticle(html, "u")
    assert article.paragraphs == lines
    assert "首页" not in article.body_html  # the layout's other column


def test_a_wrapper_with_a_misleading_name_does_not_lose_the_text():
    html = page(f'<div class="page-foot-fixed"><div class=text>{paragraphs(PARAGRAPHS)}</div></div>')
    assert GenericArticle(html, "u").paragraphs == PARAGRAPHS


SPAM = "亚洲一区二区的精品站点，每日更新。久久综合网，天天更新，欢迎收藏本站。"


@pytest.mark.parametrize(("sheet", "block"), [
    (".k9 {display:none}", f"<div class=k9><p>{SPAM}</p></div>"),
    ("#w .k9 {position:absolute; left:-9999px}", f"<div class=k9><p>{SPAM}</p></div>"),
    ("", f'<div style="font-size:0"><p>{SPAM}</p></div>'),
    ("", f'<div style="position:absolute; left:-9999px"><p>{SPAM}</p></div>'),
    ("", f"<div hidden><p>{SPAM}</p></div>"),
    ("", f"<noscript><div><p>{SPAM}</p></div></noscript>"),
])
def test_a_block_css_hides_is_no_prose_of_the_article(sheet, block):
    """Only a style attribute's display:none or visibility:hidden counted: a kit's block in a
    layout table's other column, hidden by a <style> class (or off screen, font-size:0, a
    <noscript>), was prose, and the region widened to the whole table, the page's menu in it."""
    html = page(f"<table id=w><tr><td><a href=/>首页</a> <a href=/a/>政务公开</a></td>"
                f"<td><div class=text><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div></td><td>{block}</td></tr></table>",
                f"<title>页面</title><style>{sheet}</style>")
    article = GenericArticle(html, "http://x/a.htm")
    assert (article.title, article.paragraphs) == (TITLE, PARAGRAPHS)
    assert "政务公开" not in article.body_html and SPAM not in article.body_html


def test_lines_on_screen_are_chosen_over_a_longer_hidden_block_of_sentences():
    """Blocks of sentences were chosen before lines without one: a page of teasers lost them all
    to the kit's hidden block, the only prose taken."""
    lines = ["浙江:杭州市拱墅区深化推进项目社工队伍建设 08版", "广西:南宁市未成年人司法社会工作服务中心揭牌 09版"]
    html = page(f"<style>.k9 {{display:none}}</style><div>{paragraphs(lines)}</div>"
                f"<div class=k9><p>{SPAM * 3}</p></div>")
    article = GenericArticle(html, "u")
    assert article.paragraphs == lines
    assert SPAM not in article.body_html


@pytest.mark.parametrize("hiding", ["class=k9", 'style="display:none"'])
def test_an_article_css_hides_whole_is_still_its_text(hiding):
    """A site that hides its article and shows it by script: the fallback found no prose and
    stored no text (with a style attribute; by a <style> class once those were read). As the
    cleaner reads a region all hidden, its sentences are the text."""
    html = page(f"<style>.k9 {{display:none}}</style><h1>广东发布规划</h1><div {hiding}>{paragraphs(PARAGRAPHS)}</div>")
    article = GenericArticle(html, "u")
    assert (article.title, clean_body(article.body_html, article.body_sheet).paragraphs) == ("广东发布规划", PARAGRAPHS)


def test_a_hidden_menu_of_titles_is_no_text_of_a_page_without_prose():
    titles = ["民政部召开全国志愿服务和社会工作电视电话会议", "广西开展困境儿童关爱服务活动的有关情况介绍"]
    html = page(f'<div><a href=/>首页</a></div><div id=btdh style="display:none">{paragraphs(titles, "li")}</div>')
    assert GenericArticle(html, "u").paragraphs == []


@pytest.mark.parametrize("rule", [".logo {display:none}", "h1.logo {text-indent:-9999px}", "#top .logo {visibility:hidden}"])
def test_a_heading_a_style_rule_hides_whole_is_no_title(rule):
    """A <style> rule hiding a whole <h1> (a site's logo, a kit's keywords) was not read: its
    text was the title."""
    html = page(f"<div id=top><h1 class=logo>久久综合网</h1></div><div><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div>",
                f"<title>页面</title><style>{rule}</style>")
    assert GenericArticle(html, "http://x/a.htm").title == TITLE


@pytest.mark.parametrize("masthead", ["<div class=top><h1>某某日报</h1></div>", "<h1><a href=/>某某日报</a></h1>"])
def test_the_title_is_the_heading_over_the_text_not_the_sites_name_before_it(masthead):
    """The first <h1> was the title: a site that sets its name in an <h1> above its menu (某某日报)
    had it stored as every article's title, the real one left in the text as its first line."""
    html = page(f'{masthead}<div class=menu2><a href=/>首页</a> <a href=/a/>要闻</a></div>'
                f"<div class=article><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div><h1>相关新闻</h1>")
    article = GenericArticle(html, "http://x/a.htm")
    assert (article.title, clean_body(article.body_html).paragraphs) == (TITLE, PARAGRAPHS)


def test_an_h1_a_related_items_thumbnail_names_is_the_title():
    """A picture column lists the article itself, its thumbnail's alt text its title: no site's name."""
    html = page(f"<div class=pics><a href=/a/2.htm><img src=t.jpg alt={HEADLINE}></a></div>"
                f"<div><h1>{HEADLINE}</h1>{paragraphs(PARAGRAPHS)}</div>", f"<title>{HEADLINE}_某某日报</title>")
    assert GenericArticle(html, "u").title == HEADLINE


@pytest.mark.parametrize("logo", ["<img src=logo.gif alt=南方都市>", "<a href=/><img src=logo.gif alt=南方都市></a>",
                                  "<a href=../../index.html><img src=logo.gif alt=南方都市></a>"])
def test_an_h1_the_sites_logo_names_is_no_title(logo):
    html = page(f"<div class=top>{logo}<h1>南方都市</h1></div><table><tr><td class=biaoti>{HEADLINE}</td></tr>"
                f"<tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>", "<title>南方都市</title>")
    assert GenericArticle(html, "u").title == HEADLINE


@pytest.mark.parametrize("title", ["某某日报", f"{HEADLINE}_某某日报"])
def test_an_h1_naming_the_site_is_no_title(title):
    """An old page's header sets the site's name in its only <h1>: every article was stored so titled."""
    html = page(f"<div class=top><h1>某某日报</h1></div><table><tr><td class=biaoti>{HEADLINE}</td></tr>"
                f"<tr><td>{paragraphs(PARAGRAPHS)}</td></tr></table>", f"<title>{title}</title>")
    assert GenericArticle(html, "u").title == HEADLINE


def test_a_heading_after_the_text_is_the_title_where_none_stands_before_it():
    html = page(f"<div>{paragraphs(PARAGRAPHS)}</div><h1>{TITLE}</h1>")
    assert GenericArticle(html, "http://x/a.htm").title == TITLE


def test_of_two_headings_set_one_over_the_other_the_first_is_the_title():
    """A title over its subtitle, both <h1>: the one nearest the text was taken, the subtitle."""
    html = page(f"<h1>某某日报</h1><div><h1>{TITLE}</h1><h1>副题：推动社工站建设</h1>{paragraphs(PARAGRAPHS)}</div>")
    assert GenericArticle(html, "http://x/a.htm").title == TITLE


@pytest.mark.parametrize("article", ["article", "section", "main"])
def test_the_heading_in_an_articles_own_header_is_its_title(article):
    """An HTML5 page sets its article's title in the article's <header>: taken for the page's
    header, it was passed over (the <title>, with the site's name, stored) and left in the text."""
    html = page(f"<header><a href=/>首页</a> <a href=/a/>要闻</a></header><{article}><header><h1>{TITLE}</h1></header>"
                f"{paragraphs(PARAGRAPHS)}<footer><p>责任编辑：张三</p></footer></{article}>", "<title>要闻_某某网</title>")
    article = GenericArticle(html, "http://x/a.htm")
    assert (article.title, clean_body(article.body_html).paragraphs[: len(PARAGRAPHS)]) == (TITLE, PARAGRAPHS)
    assert "首页" not in article.body_html


@pytest.mark.parametrize("prolog", ['<?xml version="1.0" encoding="utf-8"?>\n', '<?xml version="1.0" encoding="gbk"?>'])
def test_an_xhtml_page_with_an_xml_declaration_is_read_as_html(prolog):
    """parsel reads a text that opens with an XML declaration as XML: the tags of an XHTML page
    (<html xmlns=…>) came namespaced, so the fallback found no <body>, no <h1>, no <title>, and
    the article was stored without title or text."""
    html = (f'{prolog}<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
            f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>页面</title></head>'
            f"<body><div><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}</div></body></html>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert (article.extraction, article.title, article.paragraphs) == ("fallback", TITLE, PARAGRAPHS)
    assert clean_body(article.body_html, article.body_sheet).paragraphs == PARAGRAPHS


@pytest.mark.parametrize("where", ["around the text", "in a paragraph"])
def test_a_page_nested_deeper_than_the_recursion_limit_is_read(where):
    """An old page's unclosed <font>s nest its text a thousand deep: reading a block's own text
    (in a paragraph), and what CSS hides around a block (around the text), raised RecursionError,
    and the article file failed the run on every try."""
    fonts = "<font>" * 1200
    body = (fonts + f"<h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}" if where == "around the text"
            else f"<div><h1>{TITLE}</h1><p>{fonts}{escape(PARAGRAPHS[0])}</p>{paragraphs(PARAGRAPHS[1:])}</div>")
    article = FounderArticle(page(body), "http://x/content_1.htm")
    assert (article.extraction, article.title, article.paragraphs) == ("fallback", TITLE, PARAGRAPHS)
    assert clean_body(article.body_html, article.body_sheet).paragraphs == PARAGRAPHS


def test_a_lead_byline_in_a_region_of_lines_without_paragraphs_is_read_after_the_title():
    """A layout cell of <br>-broken lines holding its <h1>: the fallback's paragraphs (which the
    lead byline is read from) opened with the title's line, so the byline was not found."""
    lines = ["■ 本报记者 皮磊", *PARAGRAPHS, "（据民政部官网）"]
    html = page(f"<table><tr><td><a href=/>首页</a></td><td><h1>广东发布规划</h1>{'<br>'.join(map(escape, lines))}</td>"
                "</tr></table>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert (article.extraction, article.title, article.byline, article.source) == ("fallback", "广东发布规划", "本报记者 皮磊", "据民政部官网")
    assert article.paragraphs == lines


# Pictures set in the text of a page off its template, as general article pages set them.
FIRST, REST = paragraphs(PARAGRAPHS[:1]), paragraphs(PARAGRAPHS[1:])
CENTRED = '<p style="text-align: center">{}</p>'


@pytest.mark.parametrize("picture", [
    "<p><img src=pic.jpg></p><p>图为会议现场。</p>",
    "<figure><img src=pic.jpg><figcaption>会议现场</figcaption></figure>",
    CENTRED.format("<img src=pic.jpg>") + CENTRED.format("会议现场"),
    "<table><tr><td><img src=pic.jpg></td></tr><tr><td>会议现场</td></tr></table>",
])
def test_a_fallback_pages_picture_is_an_image_with_its_caption_not_text(picture):
    """Only table#newspic was read: the picture was lost, its caption kept as a line of the text."""
    html = page(f"<div class=logo><img src=logo.png></div><div class=text>{FIRST}{picture}{REST}</div>")
    caption = "图为会议现场。" if "图为" in picture else "会议现场"
    read_with_its_picture(FounderArticle(html, "http://x/content_1.htm"), caption)


def read_with_its_picture(article, caption: str) -> None:
    """The fallback read the picture pic.jpg with ``caption``, and the text without it."""
    assert article.extraction == "fallback"
    assert [(i.url, i.caption) for i in article.images] == [("http://x/pic.jpg", caption)]
    assert article.paragraphs == PARAGRAPHS
    assert clean_body(article.body_html).paragraphs == PARAGRAPHS


@pytest.mark.parametrize("picture", [
    '<p><img src=pic.jpg style="display:none"></p>',
    "<style>.k1 {display:none}</style><p class=k1><img src=pic.jpg></p>",
    "<p><img src=share.png width=16 height=16></p>",
    "<p><img src=images/spacer.gif></p>",
    '<p><a href="http://ad.example/buy.htm"><img src=ad.jpg></a></p>',
])
def test_a_fallback_page_keeps_no_hidden_picture_icon_or_spacer(picture):
    html = page(f"<div class=text>{FIRST}{picture}<p><a href=big.jpg><img src=pic.jpg></a></p>{REST}</div>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert [i.url for i in article.images] == ["http://x/pic.jpg"]


def test_a_centred_line_after_a_picture_in_a_paragraph_not_centred_stays_text():
    """A subheading centred under a picture set as a paragraph is the article's text."""
    html = page(f"<div class=text>{FIRST}<p><img src=pic.jpg></p>{CENTRED.format('会议现场')}{REST}</div>")
    article = FounderArticle(html, "http://x/content_1.htm")
    assert [(i.url, i.caption) for i in article.images] == [("http://x/pic.jpg", "")]
    assert article.paragraphs == [PARAGRAPHS[0], "会议现场", *PARAGRAPHS[1:]]



# A CMS article page: the site's logo in its header, a banner or a heading's decoration laid
# over the content container, the article's own picture centred with its caption in the text.
HEADLINE_PICTURE = CENTRED.format("<img src=/uploads/2023/01/pic.jpg width=600 height=400>") + CENTRED.format("会议现场")


def cms_page(before_title: str = "", in_title: str = "", in_text: str = "") -> str:
    return page('<div class=header><a href="/"><img src="/images/logo.png" alt="某某网"></a></div>'
                '<div class=nav><a href="/">首页</a><a href="/news/">新闻</a></div>'
                f'<div class="main-content">{before_title}<h1>{in_title}{HEADLINE}</h1>'
                f'<div class=info>2023-01-31 来源：某某网</div>'
                f'<div class=article>{FIRST}{in_text}{HEADLINE_PICTURE}{REST}</div></div>'
                '<div class=footer>版权所有 某某网</div>')


@pytest.mark.parametrize(("before_title", "in_title", "in_text"), [
    # A site's banner in the content container over the title: by its place, its shape, its name.
    ('<img src="/uploads/2023/01/3.jpg">', "", ""),
    ('<div class=ad><img src="/uploads/2023/01/top_1.jpg" width="980" height="110"></div>', "", ""),
    ("", "", '<p><img src="/uploads/2023/01/3.jpg" width="960" height="90"></p>'),
    ("", "", '<p><img src="/uploads/2023/01/3.jpg" style="width: 960px; height: 90px"></p>'),
    ("", "", '<p><img src="/skin/default/banner2.jpg"></p>'),
    ("", "", '<p><img src="/images/site_logo.png"></p>'),
    ("", "", '<p><img src="/images/1.jpg" class="top-banner"></p>'),
    # A heading's decoration: an image in the heading, one laid under the text.
    ("", '<img src="/skin/default/title_icon.jpg">', ""),
    ('<img src="/skin/default/2.jpg" style="position:absolute; top:0; left:0; z-index:-1">', "", ""),
    ("", "", '<img src="/skin/default/2.jpg" style="position: absolute; z-index: -1">'),
    # A link to the site's home is the site's logo.
    ("", "", '<p><a href="http://x.cn/"><img src="/images/2.jpg"></a></p>'),
])
def test_a_banner_logo_or_headings_decoration_in_the_text_region_is_no_picture(before_title, in_title, in_text):
    """The fallback stored a site's banner or logo, or a heading's decoration, laid over the text
    region as one of the article's pictures."""
    article = FounderArticle(cms_page(before_title, in_title, in_text), "http://x.cn/a/2023/0131/1.html")
    assert (article.extraction, article.title) == ("fallback", HEADLINE)
    assert [(i.url, i.caption) for i in article.images] == [("http://x.cn/uploads/2023/01/pic.jpg", "会议现场")]
    assert article.paragraphs == PARAGRAPHS


@pytest.mark.parametrize("picture", [
    # A picture in a figure over the title (an HTML5 page's lead picture), a tall one, a wide
    # one of a picture's shape, one whose path holds "bg" or "logo" in a folder's name only.
    ("<figure><img src=/uploads/2023/01/lead.jpg width=980 height=400><figcaption>会场全景</figcaption></figure>", "", ""),
    ("", "", '<p style="text-align: center"><img src="/uploads/2023/01/2.jpg" width="300" height="600"></p><p>图为社工入户走访。</p>'),
    ("", "", '<p><img src="/uploads/2023/01/2.jpg" width="800" height="300"></p><p>图为社工入户走访。</p>'),
    ("", "", '<p><img src="/upload/logos-bg/2023/2.jpg"></p><p>图为社工入户走访。</p>'),
])
def test_a_real_picture_beside_the_decorations_rules_stays_with_its_caption(picture):
    article = FounderArticle(cms_page(*picture), "http://x.cn/a/2023/0131/1.html")
    found = [(i.url.rsplit("/", 1)[1], i.caption) for i in article.images]
    assert found[-1] == ("pic.jpg", "会议现场") and len(found) == 2
    assert found[0][1] in ("会场全景", "图为社工入户走访。")
    assert article.paragraphs == PARAGRAPHS


# Old CMS pages set a picture in a cell beside the text's cell, or in the row over or under it.
TEXT_CELL = f"<td valign=top>{paragraphs(PARAGRAPHS)}</td>"
LONG_CAPTION = "2022年春节前夕，汕尾市双百社工开展走访行动，为困难群众送去慰问品。"


@pytest.mark.parametrize("site_image", [
    '<p><img src="/uploads/column/head.jpg"></p>',
    '<table><tr><td><img src="/uploads/column/head.jpg"></td></tr><tr><td>社会工作</td></tr></table>',
])
def test_a_page_off_its_template_leaves_out_the_images_its_paper_s_profile_names_as_the_site_s(site_image):
    """The fallback reads the article's pictures for the same paper: the images the profile names
    as the site's own (site_images) are none there either; without the setting they are stored."""
    html = cms_page(in_text=site_image)
    url = "http://x.cn/a/2023/0131/1.html"
    kept = get_template("founder").article(html, url)
    assert kept.extraction == "fallback" and [i.url for i in kept.images][0] == "http://x.cn/uploads/column/head.jpg"
    named = get_template("founder", {}, ["/uploads/column/"]).article(html, url)
    assert [(i.url, i.caption) for i in named.images] == [("http://x.cn/uploads/2023/01/pic.jpg", "会议现场")]


def test_a_picture_beside_the_text_the_paper_s_profile_names_as_the_site_s_is_none():
    html = page(f"<table><tr><td><img src=/skin/column.jpg><br>会议现场</td>{TEXT_CELL}</tr></table>")
    assert [i.url for i in get_template("founder").article(html, "http://x/content_1.htm").images] == ["http://x/skin/column.jpg"]
    assert get_template("founder", {}, ["skin/column.jpg"]).article(html, "http://x/content_1.htm").images == []


@pytest.mark.parametrize(("layout", "caption"), [
    (f"<tr><td width=300><img src=pic.jpg width=300><br>会议现场</td>{TEXT_CELL}</tr>", "会议现场"),
    (f"<tr><td width=300><img src=pic.jpg width=300><br>{LONG_CAPTION}</td>{TEXT_CELL}</tr>", LONG_CAPTION),
    (f"<tr>{TEXT_CELL}<td><table><tr><td><img src=pic.jpg></td></tr><tr><td>会议现场</td></tr></table></td></tr>", "会议现场"),
    (f"<tr><td align=center><img src=pic.jpg><p>{LONG_CAPTION}</p></td></tr><tr>{TEXT_CELL}</tr>", LONG_CAPTION),
    (f"<tr>{TEXT_CELL}</tr><tr><td align=center><img src=pic.jpg><br>会议现场</td></tr>", "会议现场"),
    (f"<tr><td><img src=pic.jpg></td><td rowspan=2>{paragraphs(PARAGRAPHS)}</td></tr><tr><td>会议现场</td></tr>", "会议现场"),
])
def test_a_picture_in_a_cell_beside_the_text_is_an_image_with_its_caption(layout, caption):
    """The picture was lost (the region is the text's cell), and a caption written in sentences
    widened the region over the picture's cell and stayed a line of the text."""
    read_with_its_picture(FounderArticle(page(f"<table>{layout}</table>"), "http://x/content_1.htm"), caption)


@pytest.mark.parametrize("cell", [
    "<td><a href=/ad.htm><img src=ad.jpg></a><br>某某楼盘火热销售中</td>",
    "<td><a href=/b/2.htm><img src=r.jpg></a><br><a href=/b/2.htm>某区举办社工培训班</a></td>",
    "<td><img src=wx.jpg><br>扫一扫关注我们</td>",
    "<td><img src=images/logo.gif></td>",
    "<td><img src=share.png width=16 height=16></td>",
    '<td style="display:none"><img src=pic.jpg><br>会议现场</td>',
])
def test_an_advert_a_related_item_a_logo_or_a_qr_code_beside_the_text_is_no_picture(cell):
    article = FounderArticle(page(f"<table><tr>{TEXT_CELL}{cell}</tr></table>"), "http://x/content_1.htm")
    assert (article.images, article.paragraphs) == ([], PARAGRAPHS)


def test_a_picture_beside_the_text_in_the_pages_layout_table_is_no_picture_of_it():
    """A cell of the page's layout (its menus and columns in the same table) is the page's."""
    column = "".join(f"<a href=/n/{n}.htm>某某新闻标题第{n}条</a><br>" for n in range(30))
    html = page(f"<table><tr>{TEXT_CELL}<td><img src=x.jpg><br>图片新闻</td></tr><tr><td>{column}</td></tr></table>")
    assert FounderArticle(html, "http://x/content_1.htm").images == []


# An article of the sample off its template (its content region renamed), a picture set in its
# text after the first paragraph, its caption under it, a share icon after the text, and the
# site's banner strip over the text.
OFF_TEMPLATE = "content_306501.htm"
REGION_PICTURE = "../../../images/2023-01/31/01/res306501_01_attpic_brief.jpg"
REGION_BANNER = '<P><IMG src="../../../images/top_2023.jpg" width=960 height=90></P>'


def _off_template(name: str, html: str) -> str:
    if name != OFF_TEMPLATE:
        return html
    assert html.count("<div id=ozoom") == 1 and html.count("<!--</npm:article-content>-->") == 1
    opening = html.index("-->", html.index("<npm:article-content>")) + len("-->")
    first = html.index("</P>", opening) + len("</P>")
    html = (html[:opening] + REGION_BANNER + html[opening:first]
            + f'<P align=center><IMG src="{REGION_PICTURE}" width=400></P><P>圖為會議現場。</P>' + html[first:])
    return (html.replace("<div id=ozoom", "<div id=newbody")
            .replace("<!--</npm:article-content>-->", "<P><IMG src=share.png width=16 height=16></P><!--</npm:article-content>-->"))


@pytest.fixture(params=["sqlite", "postgresql"])
def off_template(request, tmp_path):
    """The sample with that article off its template, crawled into each database."""
    return crawled_archive(request, sample_site(tmp_path / "site", alter=_off_template, pdfs=False), tmp_path)


def test_a_crawled_page_off_its_template_stores_its_pictures_and_captions(off_template):
    """Through a real crawl: the picture in the text of a page the generic extractor read was not
    stored, and its caption was a paragraph of the body; the site's banner over the text was
    stored as a picture of it."""
    archive = off_template
    [(article, body, extraction)] = sql_rows(archive, "SELECT id, body, extraction FROM articles WHERE url LIKE :u",
                                             u=f"%/{OFF_TEMPLATE}")
    assert extraction == "fallback"
    assert "会议现场" not in body and len(body.split("\n")) == 4
    stored = sql_rows(archive, "SELECT url, caption, caption_original FROM images WHERE article_id = :a ORDER BY position",
                      a=article)
    assert [(url.rsplit("/", 1)[1], original) for url, _, original in stored] == [
        ("res306501_01_attpic_brief.jpg", "2022年春節前夕,汕尾市雙百社工開展走訪行動(圖片來源:廣東社工雙百工程官網)"),
        ("res306501_01_attpic_brief.jpg", "圖為會議現場。"),
    ]
    assert stored[1][1] == "图为会议现场。"


# The same article off its template with its picture set in a cell beside the text's.
_BESIDE_CAPTION = "2022年春節前夕，汕尾市雙百社工開展走訪行動。"


def _picture_beside(name: str, html: str) -> str:
    if name != OFF_TEMPLATE:
        return html
    table = re.search(r"<tr><td>\s*<table id=newspic.*?</table>", html, re.S)
    cell = f'<tr><td width=300 valign=top><IMG src="{REGION_PICTURE}" width=300><br>{_BESIDE_CAPTION}</td><td valign=top>'
    return (html[:table.start()] + cell + html[table.end():]).replace("<div id=ozoom", "<div id=newbody")


@pytest.fixture(params=["sqlite", "postgresql"])
def picture_beside(request, tmp_path):
    return crawled_archive(request, sample_site(tmp_path / "site", alter=_picture_beside, pdfs=False), tmp_path)


def test_a_crawled_page_with_its_picture_beside_the_text_stores_it_with_its_caption(picture_beside):
    """Through a real crawl: the picture in the cell beside the text was not stored, and its
    caption was the body's first paragraph."""
    archive = picture_beside
    [(article, body, extraction)] = sql_rows(archive, "SELECT id, body, extraction FROM articles WHERE url LIKE :u",
                                             u=f"%/{OFF_TEMPLATE}")
    assert extraction == "fallback"
    assert "汕尾" not in body and body.startswith("近日") and len(body.split("\n")) == 4
    stored = sql_rows(archive, "SELECT url, caption, caption_original FROM images WHERE article_id = :a", a=article)
    assert [(url.rsplit("/", 1)[1], caption, original) for url, caption, original in stored] == [
        ("res306501_01_attpic_brief.jpg", "2022年春节前夕，汕尾市双百社工开展走访行动。", _BESIDE_CAPTION)]


@pytest.mark.parametrize("hiding", ["", ' style="display:none"'])
def test_a_picture_table_in_a_fallback_region_leaves_its_text(hiding):
    """A table#newspic in the text of a page off its template was stored as a picture, and its
    caption kept as a line of the body too; one CSS hides stays for the cleaner, as in the template."""
    table = f"<table id=newspic{hiding}><tr><td><img src=a.jpg></td></tr><tr><td>会议现场</td></tr></table>"
    article = FounderArticle(page(f"<div class=text>{FIRST}{table}{REST}</div>"), "http://x/content_1.htm")
    assert [(i.url, i.caption) for i in article.images] == ([] if hiding else [("http://x/a.jpg", "会议现场")])
    cleaned = clean_body(article.body_html)
    assert cleaned.paragraphs == PARAGRAPHS
    assert [r.kind for r in cleaned.removals] == (["spam:hidden"] if hiding else [])


@pytest.mark.parametrize("opening, closing, source, byline", [
    ("", "2023-01-31 来源：某某日报", "来源：某某日报", ""),
    ("来源：某某日报　作者：张三　发布时间：2023-01-31　【打印】【关闭】", "", "来源：某某日报", "张三"),
    ("", "作者：张三 | 發布時間：2023-01-31 10:20 | 來源：某某日報", "來源：某某日報", "张三"),
    # Closing the text, an info line that opens with its 来源 is no source note of its own.
    ("", "来源：某某日报　作者：张三　发布时间：2023-01-31", "来源：某某日报", "张三"),
    # A sentence that mentions 来源 is no info line; a 作者 line alone opening the text is its byline,
    # closing it none (a line of the text's own).
    ("", "资金来源：财政拨款和社会捐赠各占一半。", "", ""),
    ("作者：张三", "", "", "张三"),
    ("", "作者：张三", "", ""),
])
def test_a_cms_info_lines_source_and_author_are_the_articles(opening, closing, source, byline):
    """A CMS page's info line (来源：…　作者：…　发布时间：…, which the cleaner takes out of the text)
    named the article's source and author, and neither was stored: source and byline stayed ""."""
    lines = [line for line in (opening, *PARAGRAPHS, closing) if line]
    parsed = FounderArticle(page(f"<div><h1>{TITLE}</h1>{paragraphs(lines)}</div>"), "http://x/content_1.htm")
    assert parsed.extraction == "fallback"
    assert (parsed.source, parsed.byline) == (source, byline)
