"""Variants of the Founder template real papers serve, through a real crawl into SQLite and
PostgreSQL: title blocks laid out otherwise (div.text_c with h3/h1/h2/h4; p#PreTitle, h3#Title,
p#SubTitle; rows written <TR VALIGN=TOP>), empty 引题/副题 with a metadata comment that still
has them, the date line as <p class="rq">, an article file named content_N_M.htm, and a page
skipped (13 missing between 12 and 14). The stored rows are compared with what a reader of the
page sees.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import archive_command, crawled_archive, sql_rows
from tests.sites import sample_site

TEXT_C = "content_306504.htm"  # 湖北…座谈会 (副题 深化“五社联动”机制建设), page 2
WRAPPED_TEXT_C = "content_306502.htm"  # 打造…兜底民生服务体系, 引题 广东发布…, page 1
PRETITLE_ID = "content_306508.htm"  # 甘肃天水…, page 6, no 引题 or 副题
EMPTY_ROWS = "content_306510.htm"  # 广西…, page 7, 副题 only
SPLIT = "content_306520_2.htm"  # content_306520.htm renamed, page 16
CAPITALS = "content_306514.htm"  # 广州市民政局…, page 10, 副题 坚持党建引领…
MISSING_PICTURE = "content_306505.htm"  # page 3, one picture of table#newspic
CAPTION_ROW = re.compile(r"(<tr><td align=center class=font6>)[^<]*(</td></tr>\s*</table>)")
WRITTEN = "content_306511.htm"  # page 8, whose title list is written by document.write(view("…"))
# Its title as page 8's title list writes it: a JavaScript string of HTML.
WRITTEN_TITLE = ('突出優勢,推行特色化幫扶', r'突出優勢&amp;推行\"特色化\"幫扶')
ROWS = re.compile(r"(?:\s*<tr valign=top><td[^>]*>(.*?)</td></tr>){4}", re.S)
DATE_LINE = '<span class="paperdate"><strong>2023年01月31日 星期二</strong></span>'
# What the metadata comment says and the page does not show: the CMS kept fields an editor
# cleared on the page.
STALE = {"introtitle": "旧引题不再刊出", "subtitle": "旧副题不再刊出"}


def _stale_metadata(html: str) -> str:
    for name, value in STALE.items():
        html = html.replace(f"<{name}></{name}>", f"<{name}>{value}</{name}>")
    return html


def _title_block(html: str, block) -> str:
    rows = [m for m in re.finditer(r"<tr valign=top><td[^>]*>(.*?)</td></tr>", html, re.S)][-4:]
    pretitle, title, subtitle, byline = (m[1] for m in rows)
    start, end = rows[0].start(), rows[-1].end()
    return html[:start] + f"<tr><td>{block(pretitle, title, subtitle, byline)}</td></tr>" + html[end:]


def _alter(name: str, html: str) -> str:
    html = html.replace(DATE_LINE, '<p class="rq">2023年1月31日　星期<font class=weekday>二</font></p>')
    # Page 13 is skipped: no row of the page list, no entry of the header menu, no 下一版 to it.
    html = re.sub(r"<tr[^>]*><td class=default>&nbsp;<a id=pageLink href=node_13\.htm>.*?</tr>\n?", "", html)
    html = re.sub(r"<li><a href=node_13\.htm>[^<]*</a></li>", "", html)
    html = html.replace("href=node_13.htm>下一版", "href=node_16.htm>下一版")
    html = html.replace("content_306520.htm", SPLIT)
    html = html.replace(f'view("{WRITTEN_TITLE[0]}")', f'view("{WRITTEN_TITLE[1]}")')
    if name == TEXT_C:
        html = _title_block(_stale_metadata(html), lambda p, t, s, b: f"<div class=text_c><h3>{p}</h3><h1>{t}</h1><h2>{s}</h2><h4>{b}</h4></div>")
    elif name == WRAPPED_TEXT_C:
        # div.text_c's headings set in a <div> of their own, and a metadata comment without them.
        html = re.sub(r"<(title|introtitle)>[^<]*</\1>", r"<\1></\1>", _stale_metadata(html))
        html = _title_block(html, lambda p, t, s, b: f"<div class=text_c><div class=tit><h3>{p}</h3><h1>{t}</h1><h2>{s}</h2></div><h4>{b}</h4></div>")
    elif name == PRETITLE_ID:
        html = _title_block(_stale_metadata(html), lambda p, t, s, b: f"<p id=PreTitle>{p}</p><h3 id=Title>{t}</h3><p id=SubTitle>{s}</p>")
    elif name == EMPTY_ROWS:
        html = _stale_metadata(html)
    elif name == WRITTEN:
        # The file shows no title, and its metadata comment has none: the title list names it.
        html = html.replace(f">{WRITTEN_TITLE[0]}</td>", "></td>").replace(f"<title>{WRITTEN_TITLE[0]}</title>", "<title></title>")
    elif name == MISSING_PICTURE:
        # Its picture without a caption, then a picture table whose picture is missing, under
        # which a caption stands.
        assert len(CAPTION_ROW.findall(html)) == 1
        html = CAPTION_ROW.sub(r"<tr><td>&nbsp;</td></tr>\2<table id=newspic><tr><td align=center><IMG src='' border=0></td></tr>"
                               r"\1图为助老服务现场。\2", html)
    elif name == CAPITALS:
        # And no metadata comment (as some papers have none) to stand in for the block.
        html = re.sub(r"<!--enpproperty.*?/enpproperty-->", "", html.replace("<tr valign=top>", "<TR VALIGN=TOP>"), flags=re.S)
    return html


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = sample_site(tmp_path_factory.mktemp("site") / "site", alter=_alter, pdfs=False)
    issue = root / "html" / "2023-01" / "31"
    (issue / "node_13.htm").unlink()
    (issue / "content_306517.htm").unlink()  # page 13's one article
    (issue / "content_306520.htm").rename(issue / SPLIT)
    return root


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, site, tmp_path_factory):
    return crawled_archive(request, site, tmp_path_factory.mktemp("archive"))


HEADINGS = """
SELECT a.pretitle, a.title, a.subtitle, a.byline, a.article_id, p.page_number, p.section
FROM articles a JOIN pages p ON p.id = a.page_id WHERE a.url LIKE :file
"""


def headings(url: str, file: str) -> tuple:
    (row,) = sql_rows(url, HEADINGS, file=f"%/{file}")
    return tuple(row)


def test_an_empty_pretitle_or_subtitle_on_the_page_is_stored_empty_whatever_the_metadata_says(archive):
    assert headings(archive, TEXT_C)[:3] == ("", "湖北省民政厅召开社会工作创新发展座谈会", "深化“五社联动”机制建设")
    assert headings(archive, PRETITLE_ID)[:3] == ("", "甘肃天水：引导社会组织与乡镇街道社工站结对帮扶", "")
    assert headings(archive, EMPTY_ROWS)[:3] == ("", "广西开展“情暖新春 共护未来”困境儿童关爱服务活动", "广西各地民政部门开展关爱、慰问活动")
    stored = {value for (value,) in sql_rows(archive, "SELECT pretitle || '|' || subtitle FROM articles")}
    assert not any(value in row for row in stored for value in STALE.values())


def test_variant_title_blocks_keep_their_fields_and_pages(archive):
    text_c, pretitle_id = headings(archive, TEXT_C), headings(archive, PRETITLE_ID)
    assert (text_c[3], text_c[5], pretitle_id[3], pretitle_id[5]) == ("", 2, "", 6)
    split = headings(archive, SPLIT)
    assert split[1:] == ("番禺区大力推动社区基金培育发展", "", "", "306520_2", 16, "寻找慈善传统")
    assert len(sql_rows(archive, "SELECT id FROM articles WHERE url LIKE '%content_306520%'")) == 1


def test_a_text_c_title_block_whose_headings_are_wrapped_in_a_div_keeps_them(archive):
    assert headings(archive, WRAPPED_TEXT_C)[:4] == (
        "广东发布城乡社区服务体系建设“十四五”规划", "打造具有广东特色的困难群众和特殊群体兜底民生服务体系", "", "")


def test_title_rows_written_in_capitals_are_the_title_block(archive):
    assert headings(archive, CAPITALS)[:3] == (
        "", "广州市民政局召开2022年全市民政系统慈善社工和志愿服务工作会议", "坚持党建引领 不断推动广州慈善社工和志愿服务出新出彩")


def test_a_title_written_by_script_in_the_title_list_is_stored_as_the_reader_sees_it(archive):
    assert headings(archive, WRITTEN)[1] == '突出优势&推行"特色化"帮扶'


def test_a_caption_under_a_missing_picture_is_not_stored_as_the_caption_of_the_picture_before(archive):
    stored = sql_rows(archive, "SELECT i.url, i.caption FROM images i JOIN articles a ON a.id = i.article_id "
                               "WHERE a.url LIKE :file ORDER BY i.position", file=f"%/{MISSING_PICTURE}")
    assert [(url.rsplit("/", 1)[1], caption) for url, caption in stored] == [("res306505_01_attpic_brief.jpg", "")]


def test_a_skipped_page_leaves_the_others_numbered_as_printed_and_the_issue_complete(archive):
    numbers = [n for (n,) in sql_rows(archive, "SELECT page_number FROM pages ORDER BY page_number")]
    assert numbers == [*range(1, 13), 14, 15, 16]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(19,)]
    assert [(str(day), expected) for day, expected in sql_rows(archive, "SELECT issue_date, pages_expected FROM issues")] == [
        ("2023-01-31", 15)]
    assert sql_rows(archive, "SELECT count(*) FROM dead_links") == [(0,)]


def test_reprocess_stores_what_the_crawl_stores_over_rows_stored_before_these_fixes(archive):
    files = (TEXT_C, PRETITLE_ID, EMPTY_ROWS, CAPITALS)
    crawled = {file: headings(archive, file) for file in files}
    # As stored before: the comment's stale 引题/副题 over empty ones; rows in capitals lost.
    engine = create_engine(archive)
    with engine.begin() as conn:
        for file in (TEXT_C, PRETITLE_ID, EMPTY_ROWS):
            conn.execute(text("UPDATE articles SET pretitle = :p WHERE url LIKE :f"), {"p": STALE["introtitle"], "f": f"%/{file}"})
        conn.execute(text("UPDATE articles SET subtitle = :s WHERE url LIKE :f"), {"s": STALE["subtitle"], "f": f"%/{PRETITLE_ID}"})
        conn.execute(text("UPDATE articles SET subtitle = '' WHERE url LIKE :f"), {"f": f"%/{CAPITALS}"})
    engine.dispose()
    assert {file: headings(archive, file) for file in files} != crawled
    done = archive_command("reprocess", archive=archive)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {file: headings(archive, file) for file in files} == crawled
