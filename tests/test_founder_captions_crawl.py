"""Pictures of the Founder template set as some real sites set them, through a real crawl and
`archive reprocess`.

A caption row under one picture of table#newspic whose credit stands in a cell of its own; a
picture set in the content region itself (no paragraph around it) with its caption on its line;
pictures wrapped in <SPAN> and <FONT> as old editors set them, one with a caption on the line
under it and one with a plain line there; pictures in hand-edited layout tables: the caption in
the row under the picture, in the picture's own cell, in a TBODY of its own, under two pictures
stacked (naming both), and paragraphs of the text in the cell beside a picture.
Crawled by `scrapy crawl issues` over HTTP into SQLite and PostgreSQL; then the rows are put
back as the code before these fixes stored them, and `archive reprocess` (the real command) must
store what the crawl stores.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import archive_command, crawled_archive, sql_rows
from tests.test_founder_pictures_crawl import pictures
from tests.sites import sample_site

SPLIT = "content_306505.htm"
LOOSE = "content_306506.htm"
CAPTION_ROW = "<tr><td align=center class=font6>藍馬甲助老防騙公益大篷車來到江西省德安縣豐林鎮開展服務(圖片來源:界面新聞)</td></tr>"
SPLIT_ROW = (
    "<tr><td align=center class=font6>藍馬甲助老防騙公益大篷車來到江西省德安縣豐林鎮開展服務</td>"
    "<td align=right class=font6>本報記者 皮磊 攝</td></tr>"
)
LOOSE_CAPTIONED = '<IMG src="../../../images/2023-01/31/03/res306506_01_attpic_brief.jpg" border=0>圖為烏魯木齊市一處社工站<BR>\n'
LOOSE_ALONE = '<IMG src="../../../images/2023-01/31/03/res306506_02_attpic_brief.jpg" border=0><BR>社工站一角<BR>\n'
WRAPPED = "content_306510.htm"
TABLED = "content_306511.htm"
WRAPPED_CAPTIONED = (
    '<SPAN><FONT face=宋體 size=2><IMG src="../../../images/2023-01/31/05/res306510_01_attpic_brief.jpg" border=0></FONT></SPAN>'
    "<BR>\n<FONT size=2>靖西市社工入戶走訪留守兒童 本報記者 皮磊 攝</FONT><BR>\n"
)
WRAPPED_PLAIN = '<FONT size=2><IMG src="../../../images/2023-01/31/05/res306510_02_attpic_brief.jpg" border=0></FONT><BR>愛心家長<BR>\n'
TABLED_PICTURE = (
    '<TABLE width="100%" border=0 cellSpacing=0 cellPadding=0><TBODY>\n'
    '<TR><TD align=center><IMG src="../../../images/2023-01/31/06/res306511_01_attpic_brief.jpg" border=0></TD></TR>\n'
    "<TR><TD align=center><FONT size=2>玉泉鎮社工站義診現場</FONT></TD></TR></TBODY></TABLE>\n"
)
_TABLED_IMG = '<IMG src="../../../images/2023-01/31/06/res306511_0{}_attpic_brief.jpg" border=0>'
TABLED_MORE = (
    f'<TABLE width="100%"><TR><TD align=center>{_TABLED_IMG.format(2)}<BR><FONT size=2>圖爲義診現場 本報記者 皮磊 攝</FONT></TD></TR></TABLE>\n'
    f'<TABLE width="100%"><TBODY><TR><TD align=center>{_TABLED_IMG.format(3)}</TD></TR></TBODY>\n'
    "<TBODY><TR><TD align=center><FONT size=2>社工爲老人測量血壓</FONT></TD></TR></TBODY></TABLE>\n"
    f'<TABLE width="100%"><TR><TD align=center>{_TABLED_IMG.format(4)}</TD></TR><TR><TD align=center>{_TABLED_IMG.format(5)}</TD></TR>\n'
    "<TR><TD align=center><FONT size=2>上圖:義診現場;下圖:免費送藥</FONT></TD></TR></TABLE>\n"
    f"<TABLE><TR><TD>{_TABLED_IMG.format(6)}</TD><TD><P>　　義診當天,醫護人員還上門服務。</P><P>　　社工站將持續開展此類活動。</P></TD></TR></TABLE>\n"
)


def _after_paragraph(html: str, n: int, markup: str) -> str:
    """``html`` with ``markup`` set in the content region before its ``n``-th paragraph (from 0)."""
    content = html.index("<founder-content>")
    paragraphs = [content + m.start() for m in re.finditer("<P>", html[content:html.index("</founder-content>")])]
    return html[:paragraphs[n]] + markup + html[paragraphs[n]:]


def _alter(name: str, html: str) -> str:
    if name == WRAPPED:
        return _after_paragraph(_after_paragraph(html, 3, WRAPPED_PLAIN), 1, WRAPPED_CAPTIONED)
    if name == TABLED:
        return _after_paragraph(_after_paragraph(html, 2, TABLED_MORE), 1, TABLED_PICTURE)
    if name == SPLIT:
        assert html.count(CAPTION_ROW) == 1
        return html.replace(CAPTION_ROW, SPLIT_ROW).replace("<tr><td align=center><IMG", "<tr><td align=center colspan=2><IMG", 1)
    if name == LOOSE:
        content = html.index("<founder-content>")
        paragraphs = [content + m.start() for m in re.finditer("<P>", html[content:html.index("</founder-content>")])]
        second, last = paragraphs[1], paragraphs[-1]  # the last: the source note
        return html[:second] + LOOSE_CAPTIONED + html[second:last] + LOOSE_ALONE + html[last:]
    return html


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return sample_site(tmp_path_factory.mktemp("site") / "site", alter=_alter, pdfs=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, site, tmp_path_factory):
    return crawled_archive(request, site, tmp_path_factory.mktemp("archive"))


def body(url: str, file: str) -> str:
    (row,) = sql_rows(url, "SELECT body FROM articles WHERE url LIKE :file", file=f"%/{file}")
    return row[0]


def test_a_caption_set_over_two_cells_under_one_picture_keeps_them_apart(archive):
    [(_, caption, original)] = pictures(archive, SPLIT)
    assert original == "藍馬甲助老防騙公益大篷車來到江西省德安縣豐林鎮開展服務 本報記者 皮磊 攝"
    assert caption.endswith("服务 本报记者 皮磊 摄")


def test_a_picture_in_no_paragraph_is_stored_with_the_caption_on_its_line_out_of_the_text(archive):
    stored = pictures(archive, LOOSE)
    assert [caption for _, caption, _ in stored] == ["图为乌鲁木齐市一处社工站", ""]
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/newdzb/images/2023-01/31/03/res306506_0[12]_attpic_brief\.jpg", url)
               for url, _, _ in stored)
    lines = body(archive, LOOSE).split("\n")
    assert "乌鲁木齐市一处社工站" not in "".join(lines)
    # A line under a picture that is no clear caption stays, where it stood: before the last paragraph.
    assert lines[-2:] == ["社工站一角", "（据天山网）"] and len(lines) == 6


def test_a_wrapped_picture_takes_a_caption_on_its_line_and_a_plain_line_stays_in_the_text(archive):
    stored = pictures(archive, WRAPPED)
    assert [(url.rsplit("/", 1)[1], caption, original) for url, caption, original in stored] == [
        ("res306510_01_attpic_brief.jpg", "靖西市社工入户走访留守儿童 本报记者 皮磊 摄", "靖西市社工入戶走訪留守兒童 本報記者 皮磊 攝"),
        ("res306510_02_attpic_brief.jpg", "", ""),
    ]
    lines = body(archive, WRAPPED).split("\n")
    assert "留守儿童 本报记者" not in "".join(lines) and "留守儿童本报记者" not in "".join(lines)
    # The plain line stays where it stood, before the fourth paragraph.
    assert lines[3] == "爱心家长" and lines[4].startswith("为确保儿童安全过节") and lines[-1] == "（据广西壮族自治区民政厅）"


TABLED_CAPTIONS = [
    ("res306511_01_attpic_brief.jpg", "玉泉镇社工站义诊现场", "玉泉鎮社工站義診現場"),
    ("res306511_02_attpic_brief.jpg", "图为义诊现场 本报记者 皮磊 摄", "圖爲義診現場 本報記者 皮磊 攝"),
    ("res306511_03_attpic_brief.jpg", "社工为老人测量血压", "社工爲老人測量血壓"),
    ("res306511_04_attpic_brief.jpg", "上图：义诊现场；下图：免费送药", "上圖:義診現場;下圖:免費送藥"),
    ("res306511_05_attpic_brief.jpg", "", ""),
    ("res306511_06_attpic_brief.jpg", "", ""),
]


def test_pictures_in_layout_tables_take_their_captions_out_of_the_text_and_leave_the_text(archive):
    stored = pictures(archive, TABLED)
    assert [(url.rsplit("/", 1)[1], caption, original) for url, caption, original in stored] == TABLED_CAPTIONS
    lines = body(archive, TABLED).split("\n")
    assert not {caption for _, caption, _ in TABLED_CAPTIONS} & set(lines)
    assert "义诊现场" not in "".join(lines) and "测量血压" not in "".join(lines)
    # The paragraphs beside a picture stay, where they stood: between the second paragraph and the third.
    assert len(lines) == 5 and lines[2:4] == ["义诊当天，医护人员还上门服务。", "社工站将持续开展此类活动。"]


def _as_stored_before(url: str) -> None:
    """The rows as the extraction before these fixes stored them: the two cells' texts run
    together, and the caption on a picture's line left in the text (the picture without it)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = {file: conn.execute(text("SELECT id FROM articles WHERE url LIKE :f"), {"f": f"%/{file}"}).scalar_one()
               for file in (SPLIT, LOOSE)}
        conn.execute(text("UPDATE images SET caption = replace(caption, ' 本报', '本报'), "
                          "caption_original = replace(caption_original, ' 本報', '本報') WHERE article_id = :a"),
                     {"a": ids[SPLIT]})
        conn.execute(text("UPDATE images SET caption = '', caption_original = '' WHERE article_id = :b"), {"b": ids[LOOSE]})
        lines = conn.execute(text("SELECT body FROM articles WHERE id = :b"), {"b": ids[LOOSE]}).scalar_one().split("\n")
        conn.execute(text("UPDATE articles SET body = :body WHERE id = :b"),
                     {"body": "\n".join([lines[0], "图为乌鲁木齐市一处社工站", *lines[1:]]), "b": ids[LOOSE]})
        # A wrapped picture's caption, or a layout table's caption row, was a line of the text.
        for file, caption in ((WRAPPED, "靖西市社工入户走访留守儿童 本报记者 皮磊 摄"), (TABLED, "玉泉镇社工站义诊现场")):
            article = conn.execute(text("SELECT id FROM articles WHERE url LIKE :f"), {"f": f"%/{file}"}).scalar_one()
            conn.execute(text("UPDATE images SET caption = '', caption_original = '' WHERE article_id = :a"), {"a": article})
            lines = conn.execute(text("SELECT body FROM articles WHERE id = :a"), {"a": article}).scalar_one().split("\n")
            conn.execute(text("UPDATE articles SET body = :body WHERE id = :a"),
                         {"body": "\n".join([lines[0], caption, *lines[1:]]), "a": article})
        # A caption in its picture's cell, or in a TBODY of its own, was a line of the text too;
        # one under two stacked pictures was the lower one's.
        article = conn.execute(text("SELECT id FROM articles WHERE url LIKE :f"), {"f": f"%/{TABLED}"}).scalar_one()
        lines = conn.execute(text("SELECT body FROM articles WHERE id = :a"), {"a": article}).scalar_one().split("\n")
        conn.execute(text("UPDATE articles SET body = :body WHERE id = :a"),
                     {"body": "\n".join([*lines[:3], TABLED_CAPTIONS[1][1], TABLED_CAPTIONS[2][1], *lines[3:]]), "a": article})
        conn.execute(text("UPDATE images SET caption = :c, caption_original = :o WHERE article_id = :a AND url LIKE '%res306511_05%'"),
                     {"c": TABLED_CAPTIONS[3][1], "o": TABLED_CAPTIONS[3][2], "a": article})
    engine.dispose()


def test_reprocess_applies_the_fixes_to_articles_stored_before(archive):
    files = (SPLIT, LOOSE, WRAPPED, TABLED)
    crawled = {file: (pictures(archive, file), body(archive, file)) for file in files}
    _as_stored_before(archive)
    before = {file: (pictures(archive, file), body(archive, file)) for file in files}
    assert before[SPLIT][0][0][2].endswith("服務本報記者 皮磊 攝")
    assert "图为乌鲁木齐市一处社工站" in before[LOOSE][1]
    assert "玉泉镇社工站义诊现场" in before[TABLED][1] and not before[TABLED][0][0][1]
    assert "社工为老人测量血压" in before[TABLED][1] and [c for _, c, _ in before[TABLED][0]][3:5] == ["", TABLED_CAPTIONS[3][1]]
    done = archive_command("reprocess", archive=archive)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {file: (pictures(archive, file), body(archive, file)) for file in files} == crawled
    assert pictures(archive, SPLIT)[0][2].endswith("服務 本報記者 皮磊 攝")
    assert [caption for _, caption, _ in pictures(archive, LOOSE)] == ["图为乌鲁木齐市一处社工站", ""]
    assert "乌鲁木齐市一处社工站" not in body(archive, LOOSE)
    assert [caption for _, caption, _ in pictures(archive, WRAPPED)] == ["靖西市社工入户走访留守儿童 本报记者 皮磊 摄", ""]
    assert [(url.rsplit("/", 1)[1], caption, original) for url, caption, original in pictures(archive, TABLED)] == TABLED_CAPTIONS
    assert "玉泉镇社工站义诊现场" not in body(archive, TABLED) and "爱心家长" in body(archive, WRAPPED)
    assert "社工为老人测量血压" not in body(archive, TABLED) and "社工站将持续开展此类活动。" in body(archive, TABLED)
