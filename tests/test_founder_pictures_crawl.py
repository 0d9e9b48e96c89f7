"""Pictures and headings of the Founder template, through a real crawl and `archive reprocess`.

The sample site with three articles set as real pages set them: two pictures side by side in
one row of table#newspic, a bare <IMG> (with and without a caption under it) in the content
region, and a 副题 / 引题 that repeats the title (from the title block's row, and from the
metadata comment). Crawled by `scrapy crawl issues` over HTTP into SQLite and PostgreSQL; then
the archive's rows are put back as the extraction before these fixes stored them, and `archive
reprocess` (the real command) must store what the crawl stores.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, text

from crawler.papers import PROFILES_ENV
from tests.conftest import archive_command, crawl_site, crawled_archive, sql_rows
from tests.sites import own_paper, sample_site

IMAGES = "images/2023-01/31/01/"
SIDE_BY_SIDE = "content_306501.htm"
BARE = "content_306504.htm"
SUBTITLE = "content_306502.htm"
PRETITLE = "content_306507.htm"
TWO_PICTURES = (
    '<tr><td align=center><IMG src="../../../images/2023-01/31/01/res306501_01_attpic_brief.jpg" border=0 width=200></td>'
    '<td align=center><IMG src="../../../images/2023-01/31/01/res306501_02_attpic_brief.jpg" border=0 width=200></td></tr>'
    "<tr><td align=center class=font6>汕尾市雙百社工開展走訪行動</td><td align=center class=font6>社工為長者送上春聯</td></tr>"
)
BARE_PICTURES = (
    '<P align=center><IMG src="../../../images/2023-01/31/02/res306504_01_attpic_brief.jpg" border=0></P>\n'
    "<P align=center>圖為座談會現場。</P>\n"
)
BARE_ALONE = '<P align=center><IMG src="../../../images/2023-01/31/02/res306504_02_attpic_brief.jpg" border=0></P>\n'
SUBTITLE_ROW = '<tr valign=top><td align=center style="font-size:16px;line-height:26px"></td></tr>'
PRETITLE_ROW = '<tr valign=top><td align=center height=22 style="font-size:14px"></td></tr>'
# The site's own image, in the folder of the header's logo, set in every article's content region.
SITE_IMAGE = '<P align=center><IMG src="../../../tplimg/wz_line.jpg" border=0></P>\n'
REGION = "<!--<npm:article-content>-->"


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html[html.index("<!--enpproperty"):])[1]


def _alter(name: str, html: str) -> str:
    if name.startswith("content_"):
        html = html.replace(REGION, REGION + "\n" + SITE_IMAGE, 1)
    if name == SIDE_BY_SIDE:
        start = html.index(">", html.index("<table id=newspic")) + 1
        return html[:start] + TWO_PICTURES + html[html.index("</table>", start):]
    if name == BARE:
        paragraphs = [m.start() for m in re.finditer("<P>", html[html.index("<founder-content>"):])]
        second = html.index("<founder-content>") + paragraphs[1]
        last = html.index("<founder-content>") + paragraphs[-1]
        return html[:second] + BARE_PICTURES + html[second:last] + BARE_ALONE + html[last:]
    if name == SUBTITLE:
        assert html.count(SUBTITLE_ROW) == 1
        return html.replace(SUBTITLE_ROW, SUBTITLE_ROW.replace("></td>", f">{_title(html)}</td>"))
    if name == PRETITLE:
        # The 引题 row repeats the title; the 副题 row is empty and the metadata's subtitle repeats it.
        assert html.count(PRETITLE_ROW) == 1
        html = html.replace(PRETITLE_ROW, PRETITLE_ROW.replace("></td>", f">{_title(html)}</td>"))
        return html.replace("<subtitle></subtitle>", f"<subtitle>{_title(html)}</subtitle>")
    return html


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return sample_site(tmp_path_factory.mktemp("site") / "site", alter=_alter, pdfs=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, site, tmp_path_factory):
    return crawled_archive(request, site, tmp_path_factory.mktemp("archive"))


PICTURES = """
SELECT i.url, i.caption, i.caption_original FROM images i JOIN articles a ON a.id = i.article_id
WHERE a.url LIKE :file ORDER BY i.position
"""
HEADINGS = "SELECT pretitle, title, subtitle, body FROM articles WHERE url LIKE :file"


def pictures(url: str, file: str) -> list:
    return [tuple(row) for row in sql_rows(url, PICTURES, file=f"%/{file}")]


def headings(url: str, file: str):
    (row,) = sql_rows(url, HEADINGS, file=f"%/{file}")
    return row


def test_two_pictures_side_by_side_are_stored_each_with_its_caption(archive):
    stored = pictures(archive, SIDE_BY_SIDE)
    assert [(re.sub(r"^http://127\.0\.0\.1:\d+/newdzb/", "", url), caption) for url, caption, _ in stored] == [
        (IMAGES + "res306501_01_attpic_brief.jpg", "汕尾市双百社工开展走访行动"),
        (IMAGES + "res306501_02_attpic_brief.jpg", "社工为长者送上春联"),
    ]
    assert [original for _, _, original in stored] == ["汕尾市雙百社工開展走訪行動", "社工為長者送上春聯"]
    assert "社工为长者送上春联" not in headings(archive, SIDE_BY_SIDE).body


def test_a_bare_picture_is_stored_and_its_caption_is_no_body_text(archive):
    stored = pictures(archive, BARE)
    assert [caption for _, caption, _ in stored] == ["图为座谈会现场。", ""]
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/newdzb/images/2023-01/31/02/res306504_0[12]_attpic_brief\.jpg", url)
               for url, _, _ in stored)
    body = headings(archive, BARE).body.split("\n")
    assert "座谈会现场" not in "".join(body)
    # The paragraphs around the pictures are all there, in order: the picture alone took none.
    assert body[0].startswith("近日，湖北省民政厅召开") and body[1].startswith("赵显富要求") and body[-1] == "（据湖北省民政厅）"
    assert len(body) == 5


def test_the_site_s_image_set_in_every_article_is_no_picture_of_any(archive):
    stored = sql_rows(archive, "SELECT a.url, i.url FROM images i JOIN articles a ON a.id = i.article_id")
    assert not [url for _, url in stored if "/tplimg/" in url]
    # The pictures the paper printed are all there: the sample's two, and this module's three.
    assert len({article for article, _ in stored}) == 3 and len(stored) == 5
    assert all(re.search(r"/newdzb/images/2023-01/31/\d\d/res\d+_0\d_attpic_brief\.jpg$", url) for _, url in stored)


def test_a_heading_that_repeats_the_title_is_stored_once(archive):
    subtitled = headings(archive, SUBTITLE)
    assert (subtitled.pretitle, subtitled.title, subtitled.subtitle) == (
        "广东发布城乡社区服务体系建设“十四五”规划", "打造具有广东特色的困难群众和特殊群体兜底民生服务体系", "")
    pretitled = headings(archive, PRETITLE)
    assert (pretitled.pretitle, pretitled.title, pretitled.subtitle) == ("", "江西：在全省部署实施“五社联动 暖心关爱工程”", "")


def _as_stored_before(url: str) -> None:
    """The rows as the extraction before these fixes stored them: the first of two pictures in
    a row with both captions, no bare picture and its caption in the text, the title repeated."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = {file: conn.execute(text("SELECT id FROM articles WHERE url LIKE :f"), {"f": f"%/{file}"}).scalar_one()
               for file in (SIDE_BY_SIDE, BARE, SUBTITLE, PRETITLE)}
        conn.execute(text("DELETE FROM images WHERE article_id IN (:a, :b) AND position > 0"),
                     {"a": ids[SIDE_BY_SIDE], "b": ids[BARE]})
        conn.execute(text("UPDATE images SET caption = caption || '社工为长者送上春联' WHERE article_id = :a"), {"a": ids[SIDE_BY_SIDE]})
        conn.execute(text("DELETE FROM images WHERE article_id = :b"), {"b": ids[BARE]})
        body = conn.execute(text("SELECT body FROM articles WHERE id = :b"), {"b": ids[BARE]}).scalar_one().split("\n")
        conn.execute(text("UPDATE articles SET body = :body WHERE id = :b"),
                     {"body": "\n".join([body[0], "图为座谈会现场。", *body[1:]]), "b": ids[BARE]})
        conn.execute(text("UPDATE articles SET subtitle = title WHERE id IN (:s, :p)"), {"s": ids[SUBTITLE], "p": ids[PRETITLE]})
        conn.execute(text("UPDATE articles SET pretitle = title WHERE id = :p"), {"p": ids[PRETITLE]})
    engine.dispose()


def test_reprocess_applies_the_fixes_to_articles_stored_before(archive):
    files = (SIDE_BY_SIDE, BARE, SUBTITLE, PRETITLE)
    crawled = {file: (pictures(archive, file), tuple(headings(archive, file))) for file in files}
    _as_stored_before(archive)
    assert {file: (pictures(archive, file), tuple(headings(archive, file))) for file in files} != crawled
    done = archive_command("reprocess", archive=archive)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {file: (pictures(archive, file), tuple(headings(archive, file))) for file in files} == crawled
    assert [caption for _, caption, _ in pictures(archive, SIDE_BY_SIDE)] == ["汕尾市双百社工开展走访行动", "社工为长者送上春联"]
    assert [caption for _, caption, _ in pictures(archive, BARE)] == ["图为座谈会现场。", ""]
    assert "座谈会现场" not in headings(archive, BARE).body
    assert [(row.pretitle, row.subtitle) for row in (headings(archive, SUBTITLE), headings(archive, PRETITLE))] == [
        ("广东发布城乡社区服务体系建设“十四五”规划", ""), ("", "")]
    # What they showed before is kept as their earlier version.
    kept = sql_rows(archive, "SELECT a.url, v.subtitle FROM article_versions v JOIN articles a ON a.id = v.article_id")
    assert {url.rsplit("/", 1)[1] for url, _ in kept} >= set(files)


# --- the site's own images a paper's profile names (site_images) --------------------------------

# Set in every article's text from folders the header takes no image from (a column's heading
# drawn as a picture; a rule line from the host's root), beside a picture the paper keeps in an
# undated folder: nothing in one file tells them apart, the profile's site_images does.
DECORATIONS = '<P align=center><IMG src="../../../images/column_head.jpg" border=0></P>\n<P><IMG src="/tplimg/line.jpg"></P>\n'
UNDATED = '<P align=center><IMG src="../../../images/photos/visit.jpg" border=0></P>\n<P>圖為社工入戶走訪。</P>\n'
NAMED = 'site_images = ["images/column_*.jpg", "/tplimg/"]\n'
SITE_S = ["/newdzb/images/column_head.jpg", "/tplimg/line.jpg"]  # their paths on the test's server
ALL_PICTURES = "SELECT a.url, i.url, i.caption FROM images i JOIN articles a ON a.id = i.article_id ORDER BY a.url, i.position"


def _decorated(name: str, html: str) -> str:
    if not name.startswith("content_"):
        return html
    return html.replace(REGION, REGION + "\n" + DECORATIONS + (UNDATED if name == BARE else ""), 1)


@pytest.fixture(scope="module")
def decorated_site(tmp_path_factory):
    return sample_site(tmp_path_factory.mktemp("decorated") / "site", alter=_decorated, pdfs=False)


def _path(url: str) -> str:
    """An address on the test's server, without its host and port."""
    return re.sub(r"^http://127\.0\.0\.1:\d+", "", url)


def _files(rows) -> list:
    """(article file, image path, caption) of ALL_PICTURES' rows."""
    return [(article.rsplit("/", 1)[1], _path(url), caption) for article, url, caption in rows]


# What the paper printed: the sample's two pictures and the one in an undated folder.
PRINTED = [
    ("content_306501.htm", "/newdzb/images/2023-01/31/01/res306501_01_attpic_brief.jpg"),
    (BARE, "/newdzb/images/photos/visit.jpg"),
    ("content_306505.htm", "/newdzb/images/2023-01/31/03/res306505_01_attpic_brief.jpg"),
]


def _printed_only(archive: str) -> None:
    stored = _files(sql_rows(archive, ALL_PICTURES))
    assert [(article, path) for article, path, _ in stored] == PRINTED
    assert stored[1][2] == "图为社工入户走访。"
    assert all("社工入户走访" not in body for (body,) in sql_rows(archive, "SELECT body FROM articles"))


def test_a_crawl_stores_none_of_the_images_the_paper_s_profile_names_as_the_site_s(decorated_site, archive_url, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.setenv(PROFILES_ENV, str(own_paper(tmp_path / "papers", "tupianbao", NAMED)))
    done, _ = crawl_site(archive_url, "paper=tupianbao", site=decorated_site)
    assert done.returncode == 0, done.stderr[-3000:]
    _printed_only(archive_url)


def test_reprocess_with_the_setting_takes_the_named_images_out_of_articles_stored_without_it(decorated_site, archive_url,
                                                                                             tmp_path, monkeypatch):
    papers = own_paper(tmp_path / "papers", "tupianbao")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    done, _ = crawl_site(archive_url, "paper=tupianbao", site=decorated_site)
    assert done.returncode == 0, done.stderr[-3000:]
    # Without the setting, as ever: both images stored as pictures of every article.
    articles = [url.rsplit("/", 1)[1] for (url,) in sql_rows(archive_url, "SELECT url FROM articles ORDER BY url")]
    stored = _files(sql_rows(archive_url, ALL_PICTURES))
    assert [(article, path) for article, path, _ in stored if path in SITE_S] == [
        (article, path) for article in articles for path in SITE_S]
    again = archive_command("reprocess", archive=archive_url)
    assert again.returncode == 0 and again.stderr.splitlines()[-1].endswith(" 0 articles changed (the earlier text kept in article_versions)")

    own_paper(papers, "tupianbao", NAMED)
    done = archive_command("reprocess", archive=archive_url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.splitlines()[-1].endswith(
        f" {len(articles)} articles changed (the earlier text kept in article_versions)"), done.stderr[-500:]
    _printed_only(archive_url)
    # Each article's earlier pictures are its version, the site's images among them.
    versions = sql_rows(archive_url, "SELECT a.url, v.images FROM article_versions v JOIN articles a ON a.id = v.article_id")
    kept = {url.rsplit("/", 1)[1]: [_path(image["url"]) for image in (json.loads(images) if isinstance(images, str) else images)]
            for url, images in versions}
    assert len(versions) == len(kept) == len(articles)
    assert {article: [path for path in paths if path not in SITE_S] for article, paths in kept.items()} == {
        article: [path for printed, path in PRINTED if printed == article] for article in articles}
    assert all([path for path in paths if path in SITE_S] == SITE_S for paths in kept.values())
    # With the same rules again, nothing changes.
    done = archive_command("reprocess", archive=archive_url)
    assert done.stderr.splitlines()[-1].endswith(" 0 articles changed (the earlier text kept in article_versions)")
    assert len(sql_rows(archive_url, "SELECT id FROM article_versions")) == len(articles)


# A template image named with an escaped "?" (what%3F.gif, its escape in either capitals), and a
# look-alike with another character there: the entry copied from the first's address names it alone.
ESCAPED_NAMES = "".join(f'<P align=center><IMG src="/tplimg/{name}" border=0></P>\n'
                        for name in ("what%3F.gif", "whatX.gif", "what%3f.gif"))


@pytest.fixture(scope="module")
def escaped_names_site(tmp_path_factory):
    def alter(name: str, html: str) -> str:
        return html.replace(REGION, REGION + "\n" + ESCAPED_NAMES, 1) if name == BARE else html

    return sample_site(tmp_path_factory.mktemp("escaped") / "site", alter=alter, pdfs=False)


def test_an_escaped_question_mark_in_a_site_images_entry_names_that_character_not_any(escaped_names_site, archive_url,
                                                                                       tmp_path, monkeypatch):
    papers = own_paper(tmp_path / "papers", "tupianbao", 'site_images = ["/tplimg/what%3F.gif"]\n')
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    done, _ = crawl_site(archive_url, "paper=tupianbao", site=escaped_names_site)
    assert done.returncode == 0, done.stderr[-3000:]
    stored = [(article, path) for article, path, _ in _files(sql_rows(archive_url, ALL_PICTURES))]
    assert [path for article, path in stored if article == BARE] == ["/tplimg/whatX.gif"]
    # The paper's own pictures, elsewhere, as ever.
    assert [row for row in stored if row[0] != BARE] == [row for row in PRINTED if row[0] != BARE]
