"""Spam and widgets set into article files as hacked mirrors and other sites set them, through a
real crawl of the sample site into SQLite and PostgreSQL: the stored body is the paper's text,
whole, and what went is in `removals`."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from tests.chinese_script import to_traditional
from tests.conftest import archive_command, crawl_site, crawled_archive, sql_rows
from tests.sites import sample_site
from tests.test_clean import LABEL, SPAM_TITLES

END = "<!--</npm:article-content>-->"  # the end of a Founder article's content region
START = "<!--<npm:article-content>-->"
SPLIT_FARM = "content_306506.htm"  # a label alone, then its titles two to a paragraph
SPLIT_TITLES = [to_traditional(title) for title in SPAM_TITLES]
SPLIT_PIECES = ["|".join(SPLIT_TITLES[i : i + 2]) for i in range(0, len(SPLIT_TITLES), 2)]


# Titles without links parted by blanks, glued onto the last paragraph, its source note.
GLUED_FARM = "content_306504.htm"
GLUED_NOTE = "(據湖北省民政廳)</P>"
GLUED_TITLES = " ".join(SPLIT_TITLES[:8])
# Blocks hidden by a transform, a margin and a tag.class style rule.
HIDDEN = "content_306505.htm"
HIDDEN_TEXTS = ["久久综合网 亚洲一区二区 精品国产在线", "天天干天天射综合网", "国产成人综合久久综合"]
# Each after a paragraph of its own: three in a row would go as a farm of one title a line.
HIDDEN_BLOCKS = [
    f'<div style="transform: scale(0)">{HIDDEN_TEXTS[0]}</div>', f'<p style="margin-left:-9999px">{HIDDEN_TEXTS[1]}</p>',
    f"<style>div.k8 {{display:none}}</style><div class=k8>{HIDDEN_TEXTS[2]}</div>",
]
# Keywords hidden in its title rows by a class a <style> there hides: before the title, and as
# the whole of its empty 副题 row.
TITLE_SHEET = "<style>.t9 {display:none}</style>"
TITLE_SPAM = "<span class=t9>久久综合网 亚洲一区二区</span>"
# Links hidden by a descendant selector of a style sheet, the block around them left on screen,
# after the first paragraph (of the article that carries seed 001's labelled farm too).
DESCENDANT = "content_306509.htm"
DESCENDANT_TEXT = "婷婷五月综合激情"
DESCENDANT_BLOCK = (f"<style>#k9 a {{display:none}}</style>"
                    f"<div id=k9><a href='http://www.zhanqun.example/'>{DESCENDANT_TEXT}</a></div>")
# Keywords hidden in the caption of its picture (table#newspic) by a class a <style> hides.
CAPTIONED = "content_306501.htm"
CAPTION_END = "工程官網)</td>"
CAPTION_SPAM = "<style>.c7 {display:none}</style><span class=c7>久久综合网</span><noscript>亚洲一区二区</noscript>"
# Off its template (the template finds no body, no title): the generic extractor reads the page,
# its title from an <h1> in which a kit hid its keywords, below the paper's name in an <h1> of
# its own above the menu.
FALLBACK = "content_306503.htm"
FALLBACK_TITLE = "本期導讀"
MASTHEAD = "<BODY leftMargin=0 topMargin=0>"
# A kit's block of sentences a <style> class hides, at the end of that page of teaser lines.
FALLBACK_KIT = "亚洲一区二区的精品站点，每日更新。久久综合网，欢迎收藏本站。"
FALLBACK_END = "</BODY>"
# Keywords hidden in its closing source note.
NOTED = "content_306502.htm"
NOTE = "(據廣東省民政廳)</P>"
# Keywords hidden by a class a <style> in <head> hides (the part of the file not parsed): in
# the title row, in the text after its first paragraph, and a picture table of an advert.
HEAD_SHEETED = "content_306511.htm"
HEAD_SHEET = '<style type="text/css">.h6 {display:none}</style></HEAD>'
HEAD_SHEET_TEXT = "亚洲一区二区"
AD_TABLE = "<table id=newspic{}><tr><td><img src=ad.jpg></td></tr><tr><td>圖為廣告。</td></tr></table><div id=ozoom"
# A picture table of an advert hidden whole by its style, before the content region.
HIDDEN_TABLE = "content_306512.htm"
# Lines hidden around its text that read as a byline and a source note: one a <style> class
# hides before the byline shown, one in a <noscript> after the closing note.
HIDDEN_FIELDS = "content_306513.htm"
HIDDEN_FIELDS_NOTE = "(據江西省民政廳)</P>"
HIDDEN_FIELDS_LEAD = "<style>.k5 {display:none}</style><P class=k5>本报记者 李四</P><P>本报记者 张三</P>"
# A line of its text a class hides by a <style> inside a <noscript> in <head>, which a browser
# that runs scripts ignores: the line is shown.
NOSCRIPT_SHEETED = "content_306515.htm"
NOSCRIPT_SHEET = "<noscript><style>.n4 {display:none}</style></noscript></HEAD>"
NOSCRIPT_LINE = "本报讯 民政部日前召开会议。"
# A line of its text a class hides by a <style> in <head> set after a script whose string holds
# "<!--" (the "-->" of a later comment closed it): the sheet was read as commented out.
SCRIPTED = "content_306514.htm"
SCRIPTED_SHEET = '<script>var opening = "<!--";</script><style>.s3 {display:none}</style><!-- end of head --></HEAD>'
SCRIPTED_LINE = "亚洲一区二区 久久综合网"
# A line of its text a class of the site's linked style sheet hides (<link rel=stylesheet>): the
# sheet is not fetched (docs/cleaning.md), so the line is stored.
LINKED = "content_306516.htm"
LINKED_SHEET = ("tplimg/style.css", "tplimg/kit.css")
LINKED_LINE = "本站每日更新，欢迎收藏。"
# A related-reading widget whose items carry their dates.
RELATED = "content_306507.htm"
RELATED_LINES = ["相關閱讀", "民政部召開全國志願服務和社會工作電視電話會議 2023-01-24", "廣西開展困境兒童關愛服務活動 2023-01-17"]


def _related_widget(lines: list[str]) -> str:
    """A related list: its heading (``lines[0]``) over links to the titles, each with its date."""
    return f"<p>{lines[0]}</p><ul>" + "".join(
        f'<li><a href="http://www.example.org/{n}.htm">{line.split()[0]}</a> {line.split()[1]}</li>'
        for n, line in enumerate(lines[1:])) + "</ul>"


RELATED_WIDGET = _related_widget(RELATED_LINES)


# A CMS page's info line of a date and a source over the text, and a table of figures with its
# credit, a source and a date too, between it and the first paragraph.
CREDITED = "content_306519.htm"
CREDITED_INFO = "2023-01-31 來源：某某日報"
CREDITED_TABLE = "<table><tr><td>地區</td><td>社工站</td></tr><tr><td>廣東</td><td>1600</td></tr></table><P>來源：國家統計局 2023-01-31</P>"


# A CMS page's info line over the text laid out as a table row, a field a cell, its share
# widget in a cell of its own.
INFO_ROW = "content_306518.htm"
INFO_ROW_CELLS = ["來源：某某日報", "作者：張三", "發佈時間：2023-01-31 10:00", "分享到：微信 微博"]


# A 作者 line alone over the text of an article that names no byline, and such a line inside the
# text of one that does (its lead line), after its first paragraph.
AUTHOR_LINE = "作者：張三"
AUTHORED = "content_306520.htm"
AUTHOR_INSIDE = "content_306517.htm"


# Linked and unlinked titles in turn, a paragraph of their own after the first paragraph.
MIXED_FARM = "content_306508.htm"
MIXED_TITLES = SPAM_TITLES[8:16]
MIXED_BLOCK = "<P>" + " | ".join(
    f'<a href="http://www.{n:02d}zhanqun.example/">{title}</a>' if n % 2 else title for n, title in enumerate(MIXED_TITLES)) + "</P>"
# A spam title linked at the start of the second paragraph, glued to its text; titles glued to
# one another, no separator, after the closing source note.
LEAD_AND_GLUED = "content_306510.htm"
LEAD_TITLE = SPAM_TITLES[16]
LEAD_LINK = f'<a href="http://www.zhanqun.example/">{LEAD_TITLE}</a>'
GLUED_RUN = "".join(SPAM_TITLES[17:23])
RUN_NOTE = "(據廣西壯族自治區民政廳)</P>"


def _table_row(cells: list[str]) -> str:
    return "<table><tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr></table>"


def _spam(name: str, html: str) -> str:
    if name == MIXED_FARM:
        first = html.index("</P>", html.index("<npm:article-content>")) + len("</P>")
        return html[:first] + MIXED_BLOCK + html[first:]
    if name == LEAD_AND_GLUED:
        second = html.index("<P>　　", html.index("</P>", html.index("<npm:article-content>"))) + len("<P>　　")
        html = html[:second] + LEAD_LINK + html[second:]
        assert html.count(RUN_NOTE + "\n" + END) == 1
        return html.replace(RUN_NOTE, RUN_NOTE.replace("</P>", f"{GLUED_RUN}</P>"))
    if name == SPLIT_FARM:
        label = to_traditional(LABEL) + ":"
        return html.replace(END, f"<p>{label}</p>" + "".join(f"<p>{piece}</p>" for piece in SPLIT_PIECES) + END)
    if name == GLUED_FARM:
        assert html.count(GLUED_NOTE + "\n" + END) == 1
        return html.replace(GLUED_NOTE, GLUED_NOTE.replace("</P>", f"{GLUED_TITLES}</P>"))
    if name == HIDDEN:
        for row in ('line-height:32px">', 'line-height:26px">'):  # the title's row and the 副题's
            assert html.count(row) == 1
            html = html.replace(row, row + (TITLE_SHEET if "32px" in row else "") + TITLE_SPAM)
        start = html.index("<npm:article-content>")
        head, paragraphs = html[:start], html[start:].split("</P>")
        assert len(paragraphs) >= len(HIDDEN_BLOCKS) + 1
        return head + "".join(p + "</P>" + (HIDDEN_BLOCKS[n] if n < len(HIDDEN_BLOCKS) else "")
                              for n, p in enumerate(paragraphs[:-1])) + paragraphs[-1]
    if name == DESCENDANT:
        first = html.index("</P>", html.index("<npm:article-content>")) + len("</P>")
        return html[:first] + DESCENDANT_BLOCK + html[first:]
    if name == HEAD_SHEETED:
        for unique in ("</HEAD>", 'line-height:32px">', "<div id=ozoom"):
            assert html.count(unique) == 1
        first = html.index("</P>", html.index("<npm:article-content>")) + len("</P>")
        html = html[:first] + f"<P class=h6>{HEAD_SHEET_TEXT}</P>" + html[first:]
        return (html.replace("</HEAD>", HEAD_SHEET).replace('line-height:32px">', 'line-height:32px"><span class=h6>久久综合网</span>')
                .replace("<div id=ozoom", AD_TABLE.format(" class=h6")))
    if name == HIDDEN_TABLE:
        assert html.count("<div id=ozoom") == 1
        return html.replace("<div id=ozoom", AD_TABLE.format(' style="display:none"'))
    if name == HIDDEN_FIELDS:
        assert html.count(HIDDEN_FIELDS_NOTE) == 1 and html.count(START) == 1
        return (html.replace(START, START + HIDDEN_FIELDS_LEAD)
                .replace(HIDDEN_FIELDS_NOTE, HIDDEN_FIELDS_NOTE + "<noscript><P>(據久久综合网)</P></noscript>"))
    if name == NOSCRIPT_SHEETED:
        assert html.count("</HEAD>") == 1 and html.count(START) == 1
        return html.replace("</HEAD>", NOSCRIPT_SHEET).replace(START, f"{START}<P class=n4>{NOSCRIPT_LINE}</P>")
    if name == SCRIPTED:
        assert html.count("</HEAD>") == 1 and html.count(START) == 1
        return html.replace("</HEAD>", SCRIPTED_SHEET).replace(START, f"{START}<P class=s3>{SCRIPTED_LINE}</P>")
    if name == LINKED:
        assert html.count(LINKED_SHEET[0]) == 1 and html.count(START) == 1
        return html.replace(*LINKED_SHEET).replace(START, f"{START}<P class=l2>{LINKED_LINE}</P>")
    if name == CREDITED:
        assert html.count(START) == 1
        return html.replace(START, f"{START}<P>{CREDITED_INFO}</P>{CREDITED_TABLE}")
    if name == INFO_ROW:
        assert html.count(START) == 1
        return html.replace(START, START + _table_row(INFO_ROW_CELLS))
    if name == AUTHORED:
        assert html.count(START) == 1
        return html.replace(START, f"{START}<P>{AUTHOR_LINE}</P>")
    if name == AUTHOR_INSIDE:
        first = html.index("</P>", html.index("<npm:article-content>")) + len("</P>")
        return html[:first] + f"<P>{AUTHOR_LINE}</P>" + html[first:]
    if name == RELATED:
        return html.replace(END, RELATED_WIDGET + END)
    if name == NOTED:
        assert html.count(NOTE) == 1
        return html.replace(NOTE, NOTE.replace(")", '<span style="display:none">久久综合网</span>)'))
    if name == CAPTIONED:
        assert html.count(CAPTION_END) == 1
        return html.replace(CAPTION_END, CAPTION_END.replace("</td>", CAPTION_SPAM + "</td>"))
    if name == FALLBACK:
        for unique in (f">{FALLBACK_TITLE}</td>", f"<title>{FALLBACK_TITLE}</title>", "<div id=ozoom", MASTHEAD, FALLBACK_END):
            assert html.count(unique) == 1
        heading = f'<h1>{FALLBACK_TITLE}<span style="display:none">久久综合网</span><b class=t8>亚洲一区二区</b></h1>'
        return (html.replace(f">{FALLBACK_TITLE}</td>", "></td>").replace(f"<title>{FALLBACK_TITLE}</title>", "<title></title>")
                .replace(MASTHEAD, f"{MASTHEAD}<h1>公益時報</h1>")
                .replace(FALLBACK_END, f"<style>.k7 {{display:none}}</style><div class=k7><p>{FALLBACK_KIT}</p></div>{FALLBACK_END}")
                .replace("<div id=ozoom", f"<style>.t8 {{display:none}}</style>{heading}<div id=newbody"))
    return html


@pytest.fixture(scope="module")
def unspammed(tmp_path_factory):
    """The archive of the sample crawled as it is."""
    site = sample_site(tmp_path_factory.mktemp("site") / "site", pdfs=False)
    return crawled_archive(SimpleNamespace(param="sqlite"), site, tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def bodies(unspammed):
    """The stored body of each article file, crawled from the sample as it is."""
    return {re.sub(r".*/", "", u): body for u, body in sql_rows(unspammed, "SELECT url, body FROM articles")}


def spammed_site(target):
    """The sample with the spam of _spam set into its article files, and the site's style sheet
    that hides the line of LINKED."""
    site = sample_site(target, alter=_spam, pdfs=False)
    (site / LINKED_SHEET[1]).write_text(".l2 {display:none}\n", encoding="utf-8")
    return site


@pytest.fixture(params=["sqlite", "postgresql"])
def spammed(request, tmp_path):
    return crawled_archive(request, spammed_site(tmp_path / "site"), tmp_path)


def test_a_farm_split_over_paragraphs_after_its_label_is_not_stored(spammed, bodies):
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{SPLIT_FARM}")
    assert body == bodies[SPLIT_FARM]
    removed = sql_rows(spammed, "SELECT r.kind, r.text FROM removals r JOIN articles a ON a.id = r.article_id "
                                "WHERE a.url LIKE :u ORDER BY r.id", u=f"%/{SPLIT_FARM}")
    assert [text for _, text in removed][-len(SPLIT_PIECES):] == SPLIT_PIECES
    assert {kind for kind, _ in removed} == {"spam:labelled-link-farm"}


def removals(archive: str, name: str) -> list[tuple[str, str]]:
    return [tuple(row) for row in sql_rows(
        archive, "SELECT r.kind, r.text FROM removals r JOIN articles a ON a.id = r.article_id WHERE a.url LIKE :u ORDER BY r.id",
        u=f"%/{name}")]


def test_injected_spam_and_a_dated_related_list_are_not_stored_and_the_text_is_whole(spammed, bodies):
    stored = dict((re.sub(r".*/", "", url), (body, source)) for url, body, source in sql_rows(
        spammed, "SELECT url, body, source FROM articles WHERE url LIKE '%/content_30650_.htm'"))
    # Titles parted by blanks, glued onto the closing source note: the note stays, and is the source.
    assert stored[GLUED_FARM] == (bodies[GLUED_FARM], "据湖北省民政厅")
    assert removals(spammed, GLUED_FARM) == [("spam:link-farm", GLUED_TITLES)]
    assert stored[HIDDEN][0] == bodies[HIDDEN]
    assert removals(spammed, HIDDEN) == [("spam:hidden", text) for text in HIDDEN_TEXTS]
    assert stored[DESCENDANT][0] == bodies[DESCENDANT]
    assert [r for r in removals(spammed, DESCENDANT) if r[0] == "spam:hidden"] == [("spam:hidden", DESCENDANT_TEXT)]
    assert stored[RELATED][0] == bodies[RELATED]
    assert removals(spammed, RELATED) == [("boilerplate:related", line) for line in RELATED_LINES]


def test_keywords_a_style_sheet_hides_in_the_title_rows_are_not_stored(spammed, unspammed):
    """Read with them, the stored title began with the kit's keywords and its 副题 was nothing
    else; the cleaner cannot tell keywords glued to a title from it."""
    query = "SELECT pretitle, title, subtitle, byline FROM articles WHERE url LIKE :u"
    [stored] = sql_rows(spammed, query, u=f"%/{HIDDEN}")
    assert tuple(stored) == tuple(sql_rows(unspammed, query, u=f"%/{HIDDEN}")[0])
    assert stored[2] == ""


def test_mixed_titles_a_leading_spam_link_and_titles_without_separators_are_not_stored(spammed, bodies):
    stored = dict((re.sub(r".*/", "", url), (body, source)) for url, body, source in sql_rows(
        spammed, "SELECT url, body, source FROM articles WHERE url LIKE '%/content_3065__.htm'"))
    # Its first title, without a link at the paragraph's start, opens with words outside the
    # spam lexicon (天天做天天爱…): a caption glued before it could not be told from it, so it stays.
    first, rest = bodies[MIXED_FARM].split("\n", 1)
    assert stored[MIXED_FARM][0] == "\n".join([first, MIXED_TITLES[0], rest])
    assert removals(spammed, MIXED_FARM) == [("spam:link-farm", " | ".join(MIXED_TITLES[1:]))]
    # The source note the titles were glued to stays, and is the source.
    assert stored[LEAD_AND_GLUED] == (bodies[LEAD_AND_GLUED], "据广西壮族自治区民政厅")
    assert removals(spammed, LEAD_AND_GLUED) == [("spam:link-farm", LEAD_TITLE), ("spam:link-farm", GLUED_RUN)]


def test_keywords_hidden_in_a_caption_or_a_fallback_title_are_not_stored(spammed, unspammed):
    """Read whole, the picture's stored caption ran on into the kit's keywords, and so did the
    title the generic extractor read from a page off its template (本期导读久久综合网亚洲一区二区),
    and the paper's name in an <h1> above the page's menu was taken for that title (公益时报)."""
    query = ("SELECT i.caption, i.caption_original FROM images i JOIN articles a ON a.id = i.article_id "
             "WHERE a.url LIKE :u ORDER BY i.position")
    stored = [tuple(row) for row in sql_rows(spammed, query, u=f"%/{CAPTIONED}")]
    assert stored == [tuple(row) for row in sql_rows(unspammed, query, u=f"%/{CAPTIONED}")]
    assert stored and stored[0][0].endswith("工程官网)")
    query = "SELECT title, extraction FROM articles WHERE url LIKE :u"
    [(title, extraction)] = sql_rows(spammed, query, u=f"%/{FALLBACK}")
    assert (title, extraction) == ("本期导读", "fallback")


def test_a_fallback_page_of_lines_is_stored_whole_beside_a_kits_hidden_block(spammed, bodies):
    """Its hidden block of sentences was the only prose the generic extractor took over the lines
    (the <style> rule not read): the stored body was the kit's text, the teasers lost."""
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{FALLBACK}")
    assert body == bodies[FALLBACK]  # the kit's block outside the region, as spam outside a template's


def test_keywords_hidden_in_the_source_note_are_not_stored(spammed, unspammed):
    """The cleaner took them out of the text, but the source, read from the text as written, kept them."""
    query = "SELECT body, source FROM articles WHERE url LIKE :u"
    [stored] = sql_rows(spammed, query, u=f"%/{NOTED}")
    assert tuple(stored) == tuple(sql_rows(unspammed, query, u=f"%/{NOTED}")[0])
    assert stored[1] == "据广东省民政厅"
    assert removals(spammed, NOTED) == [("spam:hidden", "久久综合网")]


def test_what_a_style_sheet_in_head_hides_and_a_hidden_picture_table_are_not_stored(spammed, unspammed):
    """Only the <style> rules of the part of the file read counted: a rule in <head> hid nothing,
    so the kit's keywords were stored in the title and the text, and its picture table (hidden
    by that rule, or by its own style) as the article's picture, captioned 图为广告。"""
    query = "SELECT title, body, (SELECT count(*) FROM images i WHERE i.article_id = a.id) FROM articles a WHERE url LIKE :u"
    for name in (HEAD_SHEETED, HIDDEN_TABLE):
        [stored] = sql_rows(spammed, query, u=f"%/{name}")
        assert tuple(stored) == tuple(sql_rows(unspammed, query, u=f"%/{name}")[0])
        assert stored[2] == 0
    assert removals(spammed, HEAD_SHEETED) == [("spam:hidden", HEAD_SHEET_TEXT)]


def test_a_hidden_line_is_stored_as_neither_the_byline_nor_the_source(spammed):
    """A hidden line before the byline shown (after the source note shown) that reads as one was
    stored as the article's byline (source): the file's HTML holds it as it is."""
    query = "SELECT byline, source, body FROM articles WHERE url LIKE :u"
    [(byline, source, body)] = sql_rows(spammed, query, u=f"%/{HIDDEN_FIELDS}")
    assert (byline, source) == ("本报记者 张三", "据江西省民政厅")
    assert "李四" not in body and "久久综合网" not in body


def test_a_style_sheet_inside_noscript_hides_no_line_of_the_stored_text(spammed, bodies):
    """Its rule was applied: the line it named was left out of the stored text as spam:hidden."""
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{NOSCRIPT_SHEETED}")
    assert body == f"{NOSCRIPT_LINE}\n{bodies[NOSCRIPT_SHEETED]}"
    assert removals(spammed, NOSCRIPT_SHEETED) == []


def test_a_style_sheet_after_a_script_holding_a_comment_opening_hides_its_line(spammed, bodies):
    """The script's "<!--" was read as a comment's opening, which ran over the sheet to the later
    comment's "-->": the rule was not read, and the kit's line was stored."""
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{SCRIPTED}")
    assert body == bodies[SCRIPTED]
    assert removals(spammed, SCRIPTED) == [("spam:hidden", SCRIPTED_LINE)]


def test_a_linked_style_sheet_is_not_fetched_and_the_article_is_stored_whole(spammed, bodies):
    """What the site's linked sheet hides is stored (a known limit, docs/cleaning.md): no line of
    the article is lost, none is taken."""
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{LINKED}")
    assert body == f"{LINKED_LINE}\n{bodies[LINKED]}"
    assert removals(spammed, LINKED) == []


def test_a_crawl_asks_for_no_style_sheet(tmp_path):
    """Every article file links the site's style sheets: none is asked for, same site or not."""
    crawl = crawl_site(f"sqlite:///{tmp_path / 'archive.sqlite3'}", site=spammed_site(tmp_path / "site"))
    assert crawl.done.returncode == 0, crawl.done.stderr[-3000:]
    assert any(request.path.endswith(LINKED) for request in crawl.requests)
    assert not [request.path for request in crawl.requests if request.path.endswith(".css")]


def test_a_tables_credit_is_stored_in_the_text_and_a_cms_info_line_over_it_is_not(spammed, bodies):
    """A source and a date under a table inside the text (来源：国家统计局 2023-01-31) went out of
    the stored text as the page's info line; the same fields over the text are one."""
    [(body, source)] = sql_rows(spammed, "SELECT body, source FROM articles WHERE url LIKE :u", u=f"%/{CREDITED}")
    # Normalised: no blank beside Chinese.
    assert body == "\n".join(["地区｜社工站", "广东｜1600", "来源：国家统计局2023-01-31", bodies[CREDITED]])
    assert source == "来源：某某日报"
    assert removals(spammed, CREDITED) == [("boilerplate:meta", CREDITED_INFO)]


def test_an_info_line_laid_out_as_a_table_row_is_not_stored_in_the_text_and_names_source_and_author(spammed, bodies):
    """A cell a field, the row stayed in the stored text where the same fields in one line went."""
    [(body, source, byline)] = sql_rows(spammed, "SELECT body, source, byline FROM articles WHERE url LIKE :u", u=f"%/{INFO_ROW}")
    assert (body, source, byline) == (bodies[INFO_ROW], "来源：某某日报", "张三")
    assert removals(spammed, INFO_ROW) == [("boilerplate:meta", "｜".join(INFO_ROW_CELLS))]


def test_a_lone_author_line_over_the_text_is_stored_as_the_byline_and_not_in_the_text(spammed, bodies, unspammed):
    """作者：张三 alone over the text stayed in the stored text and the byline stayed empty; a 作者
    line inside the text is the text's own, and names no byline."""
    query = "SELECT body, byline FROM articles WHERE url LIKE :u"
    [(body, byline)] = sql_rows(spammed, query, u=f"%/{AUTHORED}")
    assert (body, byline) == (bodies[AUTHORED], "张三")
    assert removals(spammed, AUTHORED) == [("boilerplate:meta", AUTHOR_LINE)]
    [(body, byline)] = sql_rows(spammed, query, u=f"%/{AUTHOR_INSIDE}")
    first, rest = bodies[AUTHOR_INSIDE].split("\n", 1)
    assert (body, byline) == ("\n".join([first, "作者：张三", rest]), sql_rows(unspammed, query, u=f"%/{AUTHOR_INSIDE}")[0][1])
    assert removals(spammed, AUTHOR_INSIDE) == []


# A chart's credit, a source and a date, over the last paragraph of an article with no source
# note (INSIDE) and of one whose last paragraph is its note (BEFORE_NOTE); closing the text of
# one with no note (CLOSING), and of one with no note over a related list (OVER_RELATED). Its
# own crawl: the spammed sample's files are each another case's.
NEAR_THE_END_CREDIT = "來源：國家統計局 2023-01-31"
CREDIT_INSIDE, CREDIT_BEFORE_NOTE, CREDIT_CLOSING = "content_306517.htm", "content_306512.htm", "content_306516.htm"
CREDIT_OVER_RELATED = RELATED


def _credited_near_the_end(name: str, html: str) -> str:
    if name in (CREDIT_INSIDE, CREDIT_BEFORE_NOTE):
        last = html.rindex("<P>", 0, html.index(END))
        return html[:last] + f"<P>{NEAR_THE_END_CREDIT}</P>\n" + html[last:]
    if name == CREDIT_CLOSING:
        return html.replace(END, f"<P>{NEAR_THE_END_CREDIT}</P>\n{END}")
    if name == CREDIT_OVER_RELATED:
        return html.replace(END, f"<P>{NEAR_THE_END_CREDIT}</P>\n{RELATED_WIDGET}{END}")
    return html


@pytest.fixture(params=["sqlite", "postgresql"])
def credited_near_the_end(request, tmp_path):
    return crawled_archive(request, sample_site(tmp_path / "site", alter=_credited_near_the_end, pdfs=False), tmp_path)


def test_a_credit_over_the_last_paragraph_is_not_the_stored_source_and_one_closing_the_text_is(credited_near_the_end, unspammed):
    """A credit near the end of the text, kept in it, was stored as the article's source."""
    query = "SELECT body, source FROM articles WHERE url LIKE :u"
    credit = "来源：国家统计局2023-01-31"  # normalised: no blank beside Chinese
    for name in (CREDIT_INSIDE, CREDIT_BEFORE_NOTE):
        [(body, source)] = sql_rows(credited_near_the_end, query, u=f"%/{name}")
        [(plain, plain_source)] = sql_rows(unspammed, query, u=f"%/{name}")
        *text, last = plain.split("\n")
        assert (body, source) == ("\n".join([*text, credit, last]), plain_source)
        assert removals(credited_near_the_end, name) == []
    assert sql_rows(unspammed, query, u=f"%/{CREDIT_BEFORE_NOTE}")[0][1] == "据《天水日报》"
    [(body, source)] = sql_rows(credited_near_the_end, query, u=f"%/{CREDIT_CLOSING}")
    assert (body, source) == (sql_rows(unspammed, query, u=f"%/{CREDIT_CLOSING}")[0][0], "来源：国家统计局")
    assert removals(credited_near_the_end, CREDIT_CLOSING) == [("boilerplate:meta", NEAR_THE_END_CREDIT)]


def test_a_credit_closing_the_text_over_a_related_list_is_the_stored_source(credited_near_the_end, unspammed):
    """The cleaner took the line out as the page's info line, but the page object, whose lines
    have no links, read the related list under it as text, and no source was stored."""
    query = "SELECT body, source FROM articles WHERE url LIKE :u"
    [(plain, plain_source)] = sql_rows(unspammed, query, u=f"%/{CREDIT_OVER_RELATED}")
    assert plain_source == ""
    assert sql_rows(credited_near_the_end, query, u=f"%/{CREDIT_OVER_RELATED}") == [(plain, "来源：国家统计局")]
    assert removals(credited_near_the_end, CREDIT_OVER_RELATED) == [
        ("boilerplate:meta", NEAR_THE_END_CREDIT), *(("boilerplate:related", line) for line in RELATED_LINES)]


# Articles of their own, added to the sample (its files are each another case's): copies of
# TEMPLATE (no source note, no byline) under new ids, linked from its page's title list.
TEMPLATE = "content_306516.htm"
# A 来源 line alone over the last paragraph: the text's own line, no source.
SOURCE_INSIDE = "content_306521.htm"
SOURCE_INSIDE_LINE = "來源：中國社會報"
# An info line closing the text over more of the page's widgets than three lines.
INFO_OVER_WIDGETS = "content_306522.htm"
CLOSING_INFO = "來源：某某日報　作者：張三　發佈時間：2023-01-31"
WIDGET_LINES = ["返回首頁", "【打印本頁】", "【關閉窗口】", "分享到：微信 微博"]
# An info line laid out as a table row over the text, a 返回首頁 cell beside its fields.
INFO_ROW_HOME = "content_306523.htm"
INFO_ROW_HOME_CELLS = [*INFO_ROW_CELLS[:3], "返回首頁"]
# A line of its text a class hides by a <style> in <head> set after a script whose string holds
# "<!--", the file's every script tag written in mixed capitals.
MIXED_CASE_SCRIPTED = "content_306524.htm"
MIXED_CASE_SHEET = '<ScRiPt>var opening = "<!--";</ScRiPt><style>.s3 {display:none}</style><!-- end of head --></HEAD>'

# A CMS info line of three fields in the middle of the text, after its first paragraph.
INFO_INSIDE = "content_306525.htm"
# Such a line closing the text over a related list of four lines (its heading and three items).
INFO_OVER_LONG_RELATED = "content_306526.htm"
LONG_RELATED_LINES = [*RELATED_LINES, "湖南推進鄉鎮社工站建設 2023-01-10"]

# A CMS info line of a source and a date laid out as a table row, its print and share widgets in
# cells of their own, closing the text over a related list of titles without dates.
INFO_ROW_OVER_RELATED = "content_306528.htm"
INFO_ROW_OVER_RELATED_CELLS = ["來源：某某日報", "2023-01-31", "打印", "分享到"]
UNDATED_RELATED_LINES = [line.split()[0] for line in LONG_RELATED_LINES]
UNDATED_RELATED_WIDGET = f"<p>{UNDATED_RELATED_LINES[0]}</p><ul>" + "".join(
    f'<li><a href="http://www.example.org/{n}.htm">{line}</a></li>' for n, line in enumerate(UNDATED_RELATED_LINES[1:])) + "</ul>"
# The paper's closing source note, then a CMS info line that names another source, over such a list.
NOTE_OVER_INFO = "content_306529.htm"
CLOSING_NOTE = "（據中國社會報）"

# A byline printed at the end of the text rather than under the title: in brackets, a 文/ line, a
# 文/图 line, names alone, a name with a middle dot longer than five characters, a slash with blanks
# around it before the photographer's credit; and a photo credit alone or a phrase that two
# surnames open, no byline. Each the line as the file prints it, as the body stores it, and the
# byline stored.
CLOSING_BYLINES = {
    "content_306530.htm": ("（記者 張三 通訊員 李四）", "（记者 张三 通讯员 李四）", "记者 张三 通讯员 李四"),
    "content_306531.htm": ("文/本報記者 張三", "文/本报记者 张三", "本报记者 张三"),
    "content_306532.htm": ("文/圖 本報記者 張三", "文/图 本报记者 张三", "本报记者 张三"),
    "content_306533.htm": ("本報記者 張三 通訊員 李四", "本报记者 张三 通讯员 李四", "本报记者 张三 通讯员 李四"),
    "content_306534.htm": ("本報記者 張三 攝", "本报记者 张三 摄", ""),
    "content_306535.htm": ("文/本報記者 張三 圖/本報記者 李四", "文/本报记者 张三 图/本报记者 李四", "本报记者 张三"),
    "content_306536.htm": ("■ 本報記者 張三", "■ 本报记者 张三", "本报记者 张三"),
    "content_306537.htm": ("本報記者 走進社區", "本报记者 走进社区", ""),
    "content_306538.htm": ("本報記者 阿不都·熱合曼", "本报记者 阿不都·热合曼", "本报记者 阿不都·热合曼"),
    # The blanks beside the slashes go from the stored text (pipelines.normalize), not the byline's reading.
    "content_306539.htm": ("文/ 張三 / 圖/ 李四", "文/张三/图/李四", "张三"),
    "content_306540.htm": ("記者 張羅社區活動", "记者 张罗社区活动", ""),
    # A name in Latin letters directly before a slash, that of the photographer's credit or one
    # between two writers' names (the blank between Chinese and Latin goes: pipelines.normalize).
    "content_306550.htm": ("文/Maximilian/圖/李四", "文/Maximilian/图/李四", "Maximilian"),
    "content_306551.htm": ("記者 Johnson/圖/李四", "记者Johnson/图/李四", "记者Johnson"),
    "content_306552.htm": ("文/Maximilian/李四", "文/Maximilian/李四", "Maximilian/李四"),
    # A slash with blanks beside it between two writers' names, a name of four characters that
    # two surnames open, and a middle dot that parts the role from the name.
    "content_306553.htm": ("文/張三 / 李四", "文/张三/李四", "张三/李四"),
    "content_306554.htm": ("記者 陳方安生", "记者 陈方安生", "记者 陈方安生"),
    "content_306555.htm": ("通訊員·李四", "通讯员·李四", "通讯员 李四"),
    # A stray middle dot after 文/, and a phrase whose two surnames are a word of their own (方向).
    "content_306556.htm": ("文/·張三", "文/·张三", "张三"),
    "content_306557.htm": ("記者 方向明確", "记者 方向明确", ""),
    # A phrase ending in 报道 after the role, no one named; where it was reported from after a
    # name, the byline.
    "content_306558.htm": ("記者 深入報道", "记者 深入报道", ""),
    "content_306559.htm": ("本報記者 張三 北京報道", "本报记者 张三 北京报道", "本报记者 张三 北京报道"),
    # A name run into 报道: a surname opens it, as no phrase's first character.
    "content_306562.htm": ("本報記者 王小明報道", "本报记者 王小明报道", "本报记者 王小明报道"),
    # The role run into the name, no blank between them, as papers commonly print it; names
    # parted by 、 or by a comma alike. Run into the role, a phrase is no name (跟踪报道, 节快乐).
    "content_306564.htm": ("記者張三 北京報道", "记者张三 北京报道", "记者张三 北京报道"),
    "content_306565.htm": ("本報記者張三", "本报记者张三", "本报记者张三"),
    "content_306566.htm": ("通訊員李四 王五", "通讯员李四 王五", "通讯员李四 王五"),
    "content_306567.htm": ("本報記者 張三、李四", "本报记者 张三、李四", "本报记者 张三、李四"),
    "content_306568.htm": ("本報記者 張三，李四", "本报记者 张三，李四", "本报记者 张三，李四"),
    "content_306569.htm": ("本報記者跟蹤報道", "本报记者跟踪报道", ""),
    "content_306570.htm": ("記者節快樂", "记者节快乐", ""),
    # Run into the role, a name whose surname is beyond the commonest (甄, 祁, of the 百家姓); a
    # column's heading after the role, a blank between them or not, is no name (手记, 观察, 焦点).
    "content_306577.htm": ("本報記者甄子丹", "本报记者甄子丹", "本报记者甄子丹"),
    "content_306578.htm": ("記者祁小明 北京報道", "记者祁小明 北京报道", "记者祁小明 北京报道"),
    "content_306579.htm": ("記者 手記", "记者 手记", ""),
    "content_306580.htm": ("記者 觀察", "记者 观察", ""),
    "content_306581.htm": ("本報記者焦點報道", "本报记者焦点报道", ""),
    # Prose run into the role though a surname of the 百家姓 opens it (都); a word no surname opens
    # after a blank (微博); either in brackets, as without; a name in 〔〕 or 【】 as in （）.
    "content_306587.htm": ("記者都來了", "记者都来了", ""),
    "content_306588.htm": ("〔記者 微博〕", "〔记者 微博〕", ""),
    "content_306589.htm": ("（記者 深入一線）", "（记者 深入一线）", ""),
    "content_306590.htm": ("【通訊員 王五】", "【通讯员 王五】", "通讯员 王五"),
}

# A lead line under the title, alone over the text or run in before its first paragraph's text
# (a line ending in an indent's gap), that names someone with a middle dot longer than five
# characters; and a heading with a middle dot alone over the text, no byline. Each the line as the
# file prints it and the byline stored.
LEAD_BYLINES = {
    "content_306541.htm": ("■ 本報記者 阿不都·熱合曼", "本报记者 阿不都·热合曼"),
    "content_306542.htm": ("本報記者 買買提明·阿不都熱合曼 通訊員 李四　　", "本报记者 买买提明·阿不都热合曼 通讯员 李四"),
    "content_306543.htm": ("■本報記者 阿不都・熱合曼　　", "本报记者 阿不都・热合曼"),
    "content_306544.htm": ("走基層·看變化", ""),
    # A phrase after the role, run in, no names; two roles run in, each before an indent's gap.
    "content_306545.htm": ("本報記者 深入一線　　", ""),
    "content_306546.htm": ("本報記者 張三　　通訊員 李四　　", "本报记者 张三 通讯员 李四"),
    "content_306547.htm": ("本報記者 方向明確　　", ""),
    # A phrase ending in 报道 after the role, alone over the text and run in: no one named.
    "content_306560.htm": ("■ 本報記者 深入報道", ""),
    "content_306561.htm": ("本報記者 跟蹤報道　　", ""),
    "content_306563.htm": ("本報記者 張三報道　　", "本报记者 张三报道"),
    # The role run into the name, and no 本报 before it; names parted by a comma as by 、. Run
    # into the role, a phrase is no name (跟踪报道, 走访), alone over the text or run in.
    "content_306571.htm": ("記者張三 北京報道", "记者张三 北京报道"),
    "content_306572.htm": ("通訊員李四 王五　　", "通讯员李四 王五"),
    "content_306573.htm": ("本報記者 張三，李四　　", "本报记者 张三，李四"),
    "content_306574.htm": ("■ 本報記者 張三，李四", "本报记者 张三，李四"),
    "content_306575.htm": ("本報記者跟蹤報道", ""),
    "content_306576.htm": ("本報記者走訪　　", ""),
    # An intern's credit first, alone over the text or run in; a name run into the role whose
    # surname is beyond the commonest; a column's heading after the role, no byline.
    "content_306582.htm": ("實習生 張三 記者 李四", "实习生 张三 记者 李四"),
    "content_306583.htm": ("本報實習生張三　　", "本报实习生张三"),
    "content_306584.htm": ("本報記者甄子丹　　", "本报记者甄子丹"),
    "content_306585.htm": ("■ 記者 手記", ""),
    "content_306586.htm": ("本報記者 調查　　", ""),
    # Prose run into the role (都来了), a word no surname opens after a blank (微博), a dateline's
    # bracketed phrase: no names; a name padded to three characters' width (王 磊) is one.
    "content_306591.htm": ("本報記者都來了　　", ""),
    "content_306592.htm": ("■ 本報記者 微博", ""),
    "content_306593.htm": ("本報訊（記者 深入一線）", ""),
    "content_306594.htm": ("本報記者 王 磊　　", "本报记者 王 磊"),
}

# A print button's script in <head> that writes a title block as the sample's, its tags in
# mixed capitals.
MIXED_CASE_PRINT_SCRIPT = "content_306527.htm"
PRINT_TITLE_BLOCK = ("<ScRiPt>function printPage() { var w = window.open(''); w.document.write('<table class=wz><tr valign=top><td>'"
                     " + document.title + '</td></tr></table>'); }</sCrIpT>")


def _new_article(name: str, html: str) -> str:
    if name == SOURCE_INSIDE:
        last = html.rindex("<P>", 0, html.index(END))
        return html[:last] + f"<P>{SOURCE_INSIDE_LINE}</P>\n" + html[last:]
    if name == INFO_OVER_WIDGETS:
        return html.replace(END, "".join(f"<P>{line}</P>\n" for line in [CLOSING_INFO, *WIDGET_LINES]) + END)
    if name == INFO_ROW_HOME:
        return html.replace(START, START + _table_row(INFO_ROW_HOME_CELLS))
    if name == INFO_INSIDE:
        first = html.index("</P>", html.index(START)) + len("</P>")
        return html[:first] + f"<P>{CLOSING_INFO}</P>" + html[first:]
    if name == INFO_OVER_LONG_RELATED:
        return html.replace(END, f"<P>{CLOSING_INFO}</P>\n{_related_widget(LONG_RELATED_LINES)}{END}")
    if name == INFO_ROW_OVER_RELATED:
        return html.replace(END, f"{_table_row(INFO_ROW_OVER_RELATED_CELLS)}\n{UNDATED_RELATED_WIDGET}{END}")
    if name == NOTE_OVER_INFO:
        return html.replace(END, f"<P>{CLOSING_NOTE}</P>\n<P>{CLOSING_INFO}</P>\n{UNDATED_RELATED_WIDGET}{END}")
    if name in CLOSING_BYLINES:
        return html.replace(END, f"<P>{CLOSING_BYLINES[name][0]}</P>\n{END}")
    if name in LEAD_BYLINES:
        lead = LEAD_BYLINES[name][0]
        if lead.endswith("　　"):
            return html.replace(f"{START}\n<P>　　", f"{START}\n<P>{lead}", 1)
        return html.replace(START, f"{START}\n<P>{lead}</P>", 1)
    if name == MIXED_CASE_PRINT_SCRIPT:
        assert html.count("</HEAD>") == 1
        return html.replace("</HEAD>", PRINT_TITLE_BLOCK + "</HEAD>")
    if name == MIXED_CASE_SCRIPTED:
        assert html.count("</HEAD>") == 1
        html = re.sub("(?i)<(/?)script", r"<\1ScRiPt", html)
        return html.replace("</HEAD>", MIXED_CASE_SHEET).replace(START, f"{START}<P class=s3>{SCRIPTED_LINE}</P>")
    return html


def with_new_articles(site):
    """The sample ``site`` with _new_article's articles added to the page of TEMPLATE."""
    issue = next(site.glob("html/*/*/"))
    template, old_id = (issue / TEMPLATE).read_text(encoding="utf-8"), TEMPLATE[8:14]
    [node] = [path for path in issue.glob("node_*.htm") if f"{TEMPLATE}?div=-1" in path.read_text(encoding="utf-8")]
    listing = node.read_text(encoding="utf-8")
    for name in (SOURCE_INSIDE, INFO_OVER_WIDGETS, INFO_ROW_HOME, MIXED_CASE_SCRIPTED, INFO_INSIDE, INFO_OVER_LONG_RELATED,
                 MIXED_CASE_PRINT_SCRIPT, INFO_ROW_OVER_RELATED, NOTE_OVER_INFO, *CLOSING_BYLINES, *LEAD_BYLINES):
        new_id = name[8:14]
        (issue / name).write_text(_new_article(name, template.replace(old_id, new_id)), encoding="utf-8")
        item = f'<li>&middot;<a href={name}?div=-1><div style="display:inline" id=mp{new_id}>{new_id}</div></a></li>'
        listing = listing.replace('<ul class="ul02_l">', f'<ul class="ul02_l">{item}', 1)
    node.write_text(listing, encoding="utf-8")
    return site


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def new_articles(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("new")
    return crawled_archive(request, with_new_articles(sample_site(folder / "site", pdfs=False)), folder)


def test_a_lone_source_line_inside_the_text_is_stored_in_it_and_is_no_source(new_articles, unspammed):
    """来源：中国社会报 over the last paragraph was stored as the article's source."""
    query = "SELECT body, source FROM articles WHERE url LIKE :u"
    [(plain, plain_source)] = sql_rows(unspammed, query, u=f"%/{TEMPLATE}")
    *text, last = plain.split("\n")
    assert sql_rows(new_articles, query, u=f"%/{SOURCE_INSIDE}") == [("\n".join([*text, "来源：中国社会报", last]), plain_source)]
    assert plain_source == ""
    assert removals(new_articles, SOURCE_INSIDE) == []


def test_an_info_line_over_a_run_of_widgets_or_in_a_row_beside_a_home_link_is_the_stored_source_and_byline(new_articles, bodies):
    """Under more than three widget lines, or laid out in a row with a 返回首页 cell, the info
    line went out of the text and no source nor byline was stored."""
    query = "SELECT body, source, byline FROM articles WHERE url LIKE :u"
    for name in (INFO_OVER_WIDGETS, INFO_ROW_HOME):
        assert sql_rows(new_articles, query, u=f"%/{name}") == [(bodies[TEMPLATE], "来源：某某日报", "张三")], name
    assert removals(new_articles, INFO_OVER_WIDGETS) == [
        ("boilerplate:meta", CLOSING_INFO), ("boilerplate:navigation", WIDGET_LINES[0]), ("boilerplate:tools", WIDGET_LINES[1]),
        ("boilerplate:tools", WIDGET_LINES[2]), ("boilerplate:share", WIDGET_LINES[3])]
    assert removals(new_articles, INFO_ROW_HOME) == [
        ("boilerplate:navigation", INFO_ROW_HOME_CELLS[-1]), ("boilerplate:meta", "｜".join(INFO_ROW_HOME_CELLS[:-1]))]


def test_a_style_sheet_after_a_script_tag_in_mixed_capitals_hides_its_line(new_articles, bodies):
    """Only <script>, <SCRIPT> and <Script> were known to hold strings: the "<!--" of <ScRiPt>'s
    opened a comment over the sheet, and the kit's line was stored."""
    [(body,)] = sql_rows(new_articles, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{MIXED_CASE_SCRIPTED}")
    assert body == bodies[TEMPLATE]
    assert removals(new_articles, MIXED_CASE_SCRIPTED) == [("spam:hidden", SCRIPTED_LINE)]


def test_an_info_line_inside_the_text_or_over_a_long_related_list_is_the_stored_source_and_byline(new_articles, bodies):
    """The cleaner took such a line out wherever it stood, but the page object read one only
    opening the text or among its last lines: after a lead paragraph, or over a related list of
    four lines, its source and byline were lost with it."""
    query = "SELECT body, source, byline FROM articles WHERE url LIKE :u"
    for name in (INFO_INSIDE, INFO_OVER_LONG_RELATED):
        assert sql_rows(new_articles, query, u=f"%/{name}") == [(bodies[TEMPLATE], "来源：某某日报", "张三")], name
    assert removals(new_articles, INFO_INSIDE) == [("boilerplate:meta", CLOSING_INFO)]
    assert removals(new_articles, INFO_OVER_LONG_RELATED) == [
        ("boilerplate:meta", CLOSING_INFO), *(("boilerplate:related", line) for line in LONG_RELATED_LINES)]


def test_an_info_row_of_a_source_and_a_date_beside_widgets_over_a_related_list_is_the_stored_source(new_articles, bodies):
    """The cleaner took the row out whole as the page's info line; the page object, reading the
    related list under it as text, named no source from it, and the cleaning step read only a
    line that is a source and a date, not such a row with its widget cells: the source was lost."""
    query = "SELECT body, source FROM articles WHERE url LIKE :u"
    assert sql_rows(new_articles, query, u=f"%/{INFO_ROW_OVER_RELATED}") == [(bodies[TEMPLATE], "来源：某某日报")]
    assert removals(new_articles, INFO_ROW_OVER_RELATED) == [
        ("boilerplate:meta", "｜".join(INFO_ROW_OVER_RELATED_CELLS)), *(("boilerplate:related", line) for line in UNDATED_RELATED_LINES)]


def test_the_closing_note_over_an_info_line_and_a_related_list_is_the_stored_source(new_articles, bodies):
    """The related list under the info line, text to the page object, kept the paper's note out
    of the lines it looks for one in: the info line's 来源 was stored, the note the text closes with
    in the archive was not. The info line still names the byline."""
    query = "SELECT body, source, byline FROM articles WHERE url LIKE :u"
    assert sql_rows(new_articles, query, u=f"%/{NOTE_OVER_INFO}") == [(bodies[TEMPLATE] + "\n（据中国社会报）", "据中国社会报", "张三")]
    assert removals(new_articles, NOTE_OVER_INFO) == [
        ("boilerplate:meta", CLOSING_INFO), *(("boilerplate:related", line) for line in UNDATED_RELATED_LINES)]


def test_a_title_block_a_script_in_mixed_capitals_writes_is_not_stored(new_articles, unspammed):
    """Only <script>, <SCRIPT> and <Script> were known: the title block <ScRiPt>'s string writes
    was taken as the article's start, and the script's text was stored as its 引题."""
    query = "SELECT pretitle, title, subtitle, byline, source, body FROM articles WHERE url LIKE :u"
    [plain] = sql_rows(unspammed, query, u=f"%/{TEMPLATE}")
    assert sql_rows(new_articles, query, u=f"%/{MIXED_CASE_PRINT_SCRIPT}") == [plain]


def test_a_byline_closing_the_text_is_stored_as_the_byline_and_stays_in_the_text(new_articles, bodies, unspammed):
    """Printed at the end of the text rather than under the title, it was stored as no byline;
    after 文/图 its names were stored with the 图 (图 本报记者 张三), and names alone closing the
    text, without brackets, were no byline. A photo credit after the writer's names was stored
    with them, a line with a mark before it was no byline, and a phrase after 记者 was one; a
    name with a middle dot of more than five characters was none, the slash before 图/ with
    blanks around it was stored with the writer's names (张三/), and a name in Latin letters
    directly before a slash was no byline; nor were two writers' names with such a slash between
    them, a name of four characters that two surnames open but for the commonest, and a role a
    middle dot parts from the name. A stray middle dot after 文/ was stored with the names
    (·张三), a phrase two surnames open that are a word of their own (方向明确) as names, and any
    two to six characters before 报道 (深入报道) as where the names reported from. A role run into
    the name (记者张三 北京报道, 本报记者张三, 通讯员李四 王五) was no byline, nor were names a 、 or a
    comma parts. Run into the role, a name whose surname is not among the hundred commonest and
    a few more (本报记者甄子丹) was no byline, and a column's heading after the role, a blank
    between (记者 手记, 记者 观察), was one. With the whole 百家姓, prose run into the role (记者都来了)
    was one, as were a word no surname opens after a blank (记者 微博) and a phrase in brackets
    (（记者 深入一线）, 〔记者 微博〕), taken unchecked."""
    query = "SELECT body, source, byline FROM articles WHERE url LIKE :u"
    [(_, plain_source, plain_byline)] = sql_rows(unspammed, query, u=f"%/{TEMPLATE}")
    assert plain_byline == ""
    for name, (_, closing, byline) in CLOSING_BYLINES.items():
        assert sql_rows(new_articles, query, u=f"%/{name}") == [(f"{bodies[TEMPLATE]}\n{closing}", plain_source, byline)], name
        assert removals(new_articles, name) == []
    # Stored so before the fix: `archive reprocess` reads the stored files through the same pipelines.
    engine = create_engine(new_articles)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_30653_.htm' OR url LIKE '%/content_30655_.htm'"))
        conn.execute(text("UPDATE articles SET byline = '图 本报记者 张三' WHERE url LIKE '%/content_306532.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 张三 图/本报记者 李四' WHERE url LIKE '%/content_306535.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 走进社区' WHERE url LIKE '%/content_306537.htm'"))
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_306538.htm'"))
        conn.execute(text("UPDATE articles SET byline = '张三/' WHERE url LIKE '%/content_306539.htm'"))
        conn.execute(text("UPDATE articles SET byline = '·张三' WHERE url LIKE '%/content_306556.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 方向明确' WHERE url LIKE '%/content_306557.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 深入报道' WHERE url LIKE '%/content_306558.htm'"))
        for name in ("content_306564.htm", "content_306565.htm", "content_306566.htm", "content_306567.htm", "content_306568.htm"):
            conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE :u"), {"u": f"%/{name}"})
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_306577.htm' OR url LIKE '%/content_306578.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 手记' WHERE url LIKE '%/content_306579.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 观察' WHERE url LIKE '%/content_306580.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者都来了' WHERE url LIKE '%/content_306587.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 微博' WHERE url LIKE '%/content_306588.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 深入一线' WHERE url LIKE '%/content_306589.htm'"))
    engine.dispose()
    done = archive_command("reprocess", archive=new_articles)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [byline for _, _, byline in (sql_rows(new_articles, query, u=f"%/{name}")[0] for name in CLOSING_BYLINES)] == [
        byline for _, _, byline in CLOSING_BYLINES.values()]


def test_a_lead_line_naming_someone_with_a_middle_dot_is_stored_as_the_byline_whole(new_articles, bodies):
    """Run in before the first paragraph's text, a name with a middle dot longer than five
    characters left the article without a byline; a heading with such a dot is none. A phrase
    after the role (深入一线, 方向明确, 深入报道) was stored as the names, and of two roles run in, each
    before an indent's gap, only the first was stored. Without 本报 before the role (记者张三 北京报道,
    通讯员李四 王五), or with names a comma parts (本报记者 张三，李四), it was no byline; a phrase run
    into the role, short enough (本报记者走访), was one. A line whose first role is an intern's
    (实习生 张三 记者 李四, 本报实习生张三) was no byline, nor a name run into the role whose surname is
    not among the hundred commonest and a few more (本报记者甄子丹); a column's heading after the
    role, a blank between (记者 手记, 本报记者 调查), was one. With the whole 百家姓, prose run into the
    role (本报记者都来了) was one, as were a word no surname opens after a blank (本报记者 微博) and a
    phrase in a dateline's brackets (本报讯（记者 深入一线）). The line stays in the text."""
    query = "SELECT body, byline FROM articles WHERE url LIKE :u"
    for name, (_, byline) in LEAD_BYLINES.items():
        [(body, stored)] = sql_rows(new_articles, query, u=f"%/{name}")
        assert stored == byline, name
        assert body.endswith(bodies[TEMPLATE][bodies[TEMPLATE].index("\n"):]) and body != bodies[TEMPLATE], name
        assert removals(new_articles, name) == [], name
    # Stored so before the fix: `archive reprocess` reads the stored files through the same pipelines.
    engine = create_engine(new_articles)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_30654_.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 深入一线' WHERE url LIKE '%/content_306545.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 张三' WHERE url LIKE '%/content_306546.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 方向明确' WHERE url LIKE '%/content_306547.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 深入报道' WHERE url LIKE '%/content_306560.htm'"))
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_30657_.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者走访' WHERE url LIKE '%/content_306576.htm'"))
        conn.execute(text("UPDATE articles SET byline = '' WHERE url LIKE '%/content_30658_.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 手记' WHERE url LIKE '%/content_306585.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 调查' WHERE url LIKE '%/content_306586.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者都来了' WHERE url LIKE '%/content_306591.htm'"))
        conn.execute(text("UPDATE articles SET byline = '本报记者 微博' WHERE url LIKE '%/content_306592.htm'"))
        conn.execute(text("UPDATE articles SET byline = '记者 深入一线' WHERE url LIKE '%/content_306593.htm'"))
    engine.dispose()
    done = archive_command("reprocess", archive=new_articles)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [sql_rows(new_articles, query, u=f"%/{name}")[0][1] for name in LEAD_BYLINES] == [
        byline for _, byline in LEAD_BYLINES.values()]
