"""Text fidelity end to end: a real `scrapy crawl issues` of the sample site into SQLite.

The sample site serves the 2023-01-31 issue as its web edition does (Traditional script,
half-width punctuation) and a real CJK PDF per page holding the print text (Simplified).
After the crawl, SQL alone must show the print: the 民政部 article's body is seed 000's text,
page 07's pdf_text has seed 000's paragraphs whole and in order, the published text and the
PDF itself are kept.
"""
from __future__ import annotations

import re
import subprocess
import sys
import zlib

import pytest
from sqlalchemy import create_engine, text

from crawler.sample import PREFIX, SITE, build
from crawler.sample.server import SiteServer
from crawler.sample.typeset import blank_pdf, newspaper_pdf, scanned_pdf
from pipelines.normalize import normalize_plain, normalize_text
from pipelines.pdf import extract_paragraphs
from tests.chinese_script import to_simplified, to_traditional
from tests.conftest import PROJECT, crawl_runs, crawl_site, run_crawl, sql_rows
from tests.seeds import fold_print_brackets, print_article, web_article
from tests.sites import sample_site

ISSUE_DIR = "html/2023-01/31"
PDF_07 = "images/2023-01/31/07/GYSB2023013107.pdf"
MCA_TITLE = "民政部召开全国志愿服务和社会工作电视电话会议"


def _crawl(archive: str, faults: dict[str, list[int]] | None = None, settings: dict[str, str] | None = None,
           status: int = 0):
    done, requests = crawl_site(archive, faults=faults, settings=settings)
    assert done.returncode == status, done.stderr[-3000:]
    return done, requests


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """One crawl for the module; page 07's PDF fails once (HTTP 503) and must be retried."""
    url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'archive.sqlite3'}"
    done, requests = _crawl(url, faults={PREFIX + PDF_07: [503]})
    engine = create_engine(url)
    yield engine, requests, done
    engine.dispose()


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def _all(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_page_pdf_is_retried_after_a_server_error(crawl):
    _, requests, _ = crawl
    assert [status for path, status in requests if path == PREFIX + PDF_07] == [503, 200]


def test_page_07_pdf_text_has_the_print_paragraphs_whole_and_in_order(crawl):
    engine, _, _ = crawl
    (pdf_text,) = _one(engine, "SELECT pdf_text FROM pages WHERE page_number = 7")
    paragraphs = pdf_text.split("\n")
    title, subtitle, printed = print_article()
    expected = [normalize_text(p) for p in [title, subtitle, *printed]]
    assert all(p in paragraphs for p in expected), [p[:20] for p in expected if p not in paragraphs]
    positions = [paragraphs.index(p) for p in expected]
    assert positions == sorted(positions)
    # No mid-word break: no paragraph of the page is a piece of a seed paragraph.
    pieces = [p for p in paragraphs if p not in expected and any(p in e for e in expected)]
    assert pieces == []


def test_every_page_has_its_pdf_text(crawl):
    engine, _, _ = crawl
    rows = _all(engine, "SELECT page_number, pdf_text FROM pages ORDER BY page_number")
    pages, _ = build.issue()
    # Its punctuation as an article's body (the PDF's own in pdf_text_original).
    printed = {page.number: "\n".join(map(normalize_plain, page.printed())) for page in pages}
    assert dict(rows) == printed
    # The PDFs are the print: Simplified text, full-width punctuation where print has it.
    (_, page_07), = [row for row in rows if row[0] == 7]
    assert "會議" not in page_07 and "会议指出，2022年我国志愿服务工作" in page_07


def test_pdf_text_has_the_punctuation_of_the_articles_and_keeps_the_pdfs_own_beside_it(archive_url):
    """Page 01's PDF sets its commas half width (近日,经广东省人民政府同意,), where its article's
    body is stored with the archive's full-width ones: pdf_text kept the PDF's, so a search of
    the pages' text for a phrase with its comma (LIKE '%同意，%') missed the page that prints it."""
    done, _ = crawl_site(archive_url)
    assert done.returncode == 0, done.stderr[-3000:]
    phrase, published = "近日，经广东省人民政府同意，", "近日,经广东省人民政府同意,"
    assert [n for (n,) in sql_rows(archive_url, "SELECT page_number FROM pages WHERE pdf_text LIKE :p", p=f"%{phrase}%")] == [1]
    assert sql_rows(archive_url, "SELECT count(*) FROM articles WHERE body LIKE :p", p=f"%{phrase}%") == [(1,)]
    rows = sql_rows(archive_url, "SELECT page_number, pdf_text, pdf_text_original FROM pages ORDER BY 1")
    between_han = re.compile(r"[\u4e00-\u9fff][,;:?!][\u4e00-\u9fff]")
    assert [n for n, pdf_text, _ in rows if between_han.search(pdf_text)] == []
    # As the PDF has it, in pdf_text_original; the rest (乡镇(街道), 2021-2023) as an article's.
    pages, _ = build.issue()
    printed = {page.number: [normalize_text(p) for p in page.printed()] for page in pages}
    assert {n: original for n, _, original in rows} == {n: "\n".join(lines) for n, lines in printed.items()}
    assert {n: pdf_text for n, pdf_text, _ in rows} == {n: "\n".join(map(normalize_plain, lines)) for n, lines in printed.items()}
    assert published in rows[0][2] and "乡镇(街道)社工站" in rows[2][1]

    # An archive crawled before: `archive reprocess --without-pdfs` puts its pdf_text right.
    engine = create_engine(archive_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE pages SET pdf_text = pdf_text_original"))
    engine.dispose()
    reprocess = subprocess.run([sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess", "--without-pdfs"],
                               cwd=PROJECT, capture_output=True, text=True, timeout=240)
    assert reprocess.returncode == 0, reprocess.stderr[-3000:]
    assert sql_rows(archive_url, "SELECT page_number, pdf_text, pdf_text_original FROM pages ORDER BY 1") == rows


def test_the_web_article_is_stored_as_printed(crawl):
    engine, _, _ = crawl
    row = _one(
        engine,
        "SELECT title, subtitle, body, body_original, title_original, original_script FROM articles"
        " WHERE title = :title",
        title=MCA_TITLE,
    )
    title, subtitle, printed = print_article()
    web_title, _, web = web_article()
    assert row.original_script == "traditional"
    assert row.title == normalize_text(title)
    assert row.subtitle == normalize_text(subtitle)
    # Character for character, the print's own bracket inconsistency folded.
    assert row.body == fold_print_brackets("\n".join(normalize_text(p) for p in printed))
    assert "着力提升" in row.body and "著" not in row.body
    # The published text is kept as published: Traditional, half-width punctuation.
    assert row.title_original == web_title
    assert row.body_original == "\n".join(normalize_text(p) for p in web)
    assert row.body_original.startswith("日前,民政部慈善事業")


def test_every_field_goes_through_conversion(crawl):
    engine, _, _ = crawl
    scripts = _all(engine, "SELECT DISTINCT original_script FROM articles")
    assert {s for (s,) in scripts} <= {"traditional", ""}
    (section, original, label), = _all(
        engine, "SELECT section, section_original, page_label FROM pages WHERE page_number = 7"
    )
    assert (section, original, label) == ("社会工作", "社會工作", "第07版：社会工作")
    # Titles, subtitles, pretitles, bylines and captions: nothing Traditional is left in them,
    # while the originals keep it.
    fields = _all(
        engine,
        "SELECT a.pretitle || a.title || a.subtitle || a.byline || a.source || a.body"
        " || coalesce(group_concat(i.caption, ''), ''), a.title_original"
        " FROM articles a LEFT JOIN images i ON i.article_id = a.id GROUP BY a.id",
    )
    traditional = set("會議報記團體務發國義們這為東廣開溝區歲據權傳")
    assert fields and all(not traditional & set(plain) for plain, _ in fields)
    assert any(traditional & set(original) for _, original in fields)
    captions = _all(engine, "SELECT caption, caption_original FROM images WHERE caption != ''")
    assert captions and all(c != o for c, o in captions)


def test_the_headings_and_byline_of_a_traditional_page_are_kept_as_published(tmp_path, archive_url):
    # A 引题, a 副题 and a byline served in Traditional: stored Simplified, and as published
    # beside them, as the title and body are.
    done, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    published = {row[0]: tuple(row[1:]) for row in sql_rows(
        archive_url,
        "SELECT url, pretitle, pretitle_original, subtitle, subtitle_original, byline, byline_original FROM articles"
        " WHERE url LIKE '%content_306502.htm' OR url LIKE '%content_306501.htm' OR url LIKE '%content_306517.htm'",
    )}
    by_file = {url.rsplit("/", 1)[1]: fields for url, fields in published.items()}
    assert by_file["content_306502.htm"][:2] == (
        "广东发布城乡社区服务体系建设“十四五”规划", "廣東發佈城鄉社區服務體系建設“十四五”規劃")
    assert by_file["content_306501.htm"][2:4] == ("年内实现社会工作服务站(点)全覆盖", "年內實現社會工作服務站(點)全覆蓋")
    assert by_file["content_306517.htm"][4:] == ("本报记者 皮磊", "本報記者 皮磊")


def test_the_source_line_of_a_traditional_page_is_kept_as_published(archive_url):
    # A source note served in Traditional (（據廣東省民政廳）): stored Simplified, and as
    # published beside it, as the headings and byline are.
    done, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    sources = sql_rows(archive_url, "SELECT source, source_original FROM articles WHERE source != '' ORDER BY url")
    assert ("据广东省民政厅", "據廣東省民政廳") in sources
    assert len(sources) == 7 and all(plain != original for plain, original in sources), sources
    assert sql_rows(archive_url, "SELECT count(*) FROM articles WHERE source = '' AND source_original != ''") == [(0,)]


# Written for this test (not a seed's sentence): zhù words (著有, 论著, 合著) and 着 beside them.
ZHU_ZHE_WEB = "張教授著有《社區治理論著選》,與同事合著的新書近日出版。隨著有關部門的支持,志愿者們配合著社工,背著物資走訪,彰顯著擔當。"
ZHU_ZHE_PRINT = "张教授著有《社区治理论著选》，与同事合著的新书近日出版。随着有关部门的支持，志愿者们配合着社工，背着物资走访，彰显着担当。"


def test_zhu_and_zhe_of_a_traditional_page_are_archived_as_the_print_writes_them(tmp_path):
    def with_paragraph(name: str, html: str) -> str:
        if name != "content_306512.htm":
            return html
        return html.replace("<!--</npm:article-content>-->", f"<P>　　{ZHU_ZHE_WEB}</P>\n<!--</npm:article-content>-->", 1)

    site = sample_site(tmp_path / "site", alter=with_paragraph, pdfs=False)
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    done, _ = crawl_site(url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    [(script, body, original)] = sql_rows(
        url, "SELECT original_script, body, body_original FROM articles WHERE body_original LIKE :p", p=f"%{ZHU_ZHE_WEB[:8]}%"
    )
    assert script == "traditional"
    assert body.splitlines()[-1] == ZHU_ZHE_PRINT
    assert original.splitlines()[-1] == ZHU_ZHE_WEB


def test_a_traditional_paragraph_in_a_simplified_article_is_archived_in_simplified(tmp_path, archive_url):
    """A page served in Simplified whose last paragraph was pasted from a Traditional page."""

    def simplified_with_one_traditional_paragraph(name: str, html: str) -> str:
        if name != "content_306512.htm":
            return html
        html = to_simplified(html)
        return html.replace("<!--</npm:article-content>-->", f"<P>　　{ZHU_ZHE_WEB}</P>\n<!--</npm:article-content>-->", 1)

    site = sample_site(tmp_path / "site", alter=simplified_with_one_traditional_paragraph, pdfs=False)
    done, _ = crawl_site(archive_url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    [(script, body, original)] = sql_rows(
        archive_url, "SELECT original_script, body, body_original FROM articles WHERE body_original LIKE :p",
        p=f"%{ZHU_ZHE_WEB[:8]}%",
    )
    assert script == "mixed"  # Simplified by its title and lead, with a Traditional paragraph
    assert body.splitlines()[-1] == ZHU_ZHE_PRINT
    assert original.splitlines()[-1] == ZHU_ZHE_WEB
    assert body.splitlines()[:-1] == [normalize_plain(p) for p in original.splitlines()[:-1]]  # not converted


def test_the_pdf_itself_is_kept_for_reprocessing(crawl):
    engine, _, _ = crawl
    row = _one(engine, "SELECT content_type, body_zlib FROM raw_documents WHERE url LIKE :url", url=f"%{PDF_07}")
    assert row.content_type == "application/pdf"
    pdf = zlib.decompress(row.body_zlib)
    assert pdf == (SITE / PDF_07).read_bytes()
    # Re-processing from the archive alone gives the stored text again.
    (pdf_text,) = _one(engine, "SELECT pdf_text FROM pages WHERE page_number = 7")
    assert "\n".join(extract_paragraphs(pdf)) == pdf_text
    (count,) = _one(engine, "SELECT count(*) FROM raw_documents WHERE url LIKE '%.pdf'")
    assert count == 16


def test_a_pdf_over_the_size_bound_is_skipped_and_the_crawl_goes_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    size_07 = (SITE / PDF_07).stat().st_size
    # Not fetched, and not stored: the run finishes with exit status 4, as for any fetch failure.
    done, _ = _crawl(url, settings={"ARCHIVE_PDF_MAXSIZE": str(size_07 - 1), "LOG_LEVEL": "INFO"}, status=4)
    engine = create_engine(url)
    try:
        (pdf_text,) = _one(engine, "SELECT pdf_text FROM pages WHERE page_number = 7")
        (articles,) = _one(engine, "SELECT count(*) FROM articles")
        (kept,) = _one(engine, "SELECT count(*) FROM raw_documents WHERE url LIKE :url", url=f"%{PDF_07}")
    finally:
        engine.dispose()
    assert pdf_text is None and kept == 0
    assert articles == 20
    assert "pdf not fetched" in done.stderr and "not fetched: 公益时报 (gongyishibao) 2023-01-31: 1 page PDF" in done.stderr


def _turned(pdf: bytes, page) -> bytes:
    """Its pages' /Rotate entry at 90 degrees: its text was dropped as sideways."""
    return pdf.replace(b"/Rotate 0 /Trans", b"/Rotate 90/Trans")  # same length: the xref holds


def _with_running_head_and_foot(pdf: bytes, page) -> bytes:
    """Its date, section and page number above the articles, its editors below: they were paragraphs."""
    return newspaper_pdf([article.print_version() for article in page.articles], **build.PDF_LAYOUT,
                         head=("2023年1月31日 星期二", "社会工作", "07"), foot=("编辑：张三 美编：李四", "第07版"))


@pytest.mark.parametrize("typeset", [_turned, _with_running_head_and_foot])
def test_a_page_pdf_set_as_some_papers_set_it_is_read_as_printed(tmp_path, typeset):
    site = sample_site(tmp_path / "site")
    pdf = site / PDF_07
    pages, _ = build.issue()
    (page_07,) = [page for page in pages if page.number == 7]
    typeset_07 = typeset(pdf.read_bytes(), page_07)
    assert typeset_07 != pdf.read_bytes()
    pdf.write_bytes(typeset_07)
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    done, _ = crawl_site(url, site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sql_rows(url, "SELECT pdf_text FROM pages WHERE page_number = 7") == [
        ("\n".join(map(normalize_text, page_07.printed())),)
    ]


@pytest.mark.parametrize(
    "answer, why",
    [
        (lambda pdf: "<html><head><title>页面不存在</title></head><body>404</body></html>".encode(),
         "broken pdf link (error page with HTTP 200: 'not a PDF: 页面不存在')"),
        (lambda pdf: pdf[: len(pdf) // 2], "pdf not fetched, skipped: {url} (truncated: the PDF ends before its %%EOF)"),
    ],
    ids=["error-page", "cut-short"],
)
def test_a_pdf_link_answered_with_status_200_but_no_whole_pdf_is_not_stored(tmp_path, answer, why):
    """The site's error page, or a PDF it is still uploading: not the page's PDF. Stored, it was
    the page's PDF without text (or with some of it), and no later run asked for it again."""
    site = sample_site(tmp_path / "site")
    pdf = site / PDF_07
    pdf.write_bytes(answer(pdf.read_bytes()))
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        runs = [run_crawl("date=2023-01-31", base, archive=url) for _ in range(2)]
        asked = [request.path for request in server.requests if request.path == PREFIX + PDF_07]
        pdf_url = f"{server.url}{PREFIX.lstrip('/')}{PDF_07}"
    for done in runs:
        assert done.returncode == 4, done.stderr[-3000:]  # as for a 404 or a network error
        assert [line for line in done.stderr.splitlines() if why.format(url=pdf_url) in line], done.stderr[-3000:]
    assert sql_rows(url, "SELECT pdf_text FROM pages WHERE page_number = 7") == [(None,)]
    assert sql_rows(url, "SELECT count(*) FROM raw_documents WHERE url LIKE :u", u=f"%{PDF_07}") == [(0,)]
    assert sql_rows(url, "SELECT count(*) FROM pages WHERE pdf_text != ''") == [(15,)]
    assert len(asked) == 2  # asked again by the next run


def _pdf_path(number: int) -> str:
    return PDF_07.replace("/07/", f"/{number:02d}/").replace("07.pdf", f"{number:02d}.pdf")


def test_page_pdfs_without_text_say_why_in_the_archive_the_log_and_the_run(tmp_path, archive_url):
    """A blank page, a scan, a PDF locked with a password and one the site does not have were
    all stored with an empty pdf_text, two of them without a word in the log: SQL could not tell
    them apart, nor from each other. A page set in Traditional script kept it in pdf_text."""
    site = sample_site(tmp_path / "site")
    pages, _ = build.issue()
    (page_08,) = [page for page in pages if page.number == 8]
    printed = [article.print_version() for article in page_08.articles]
    traditional = newspaper_pdf([(to_traditional(title), [to_traditional(p) for p in body]) for title, body in printed], **build.PDF_LAYOUT)
    (site / _pdf_path(4)).write_bytes(blank_pdf())
    (site / _pdf_path(5)).unlink()
    (site / _pdf_path(6)).write_bytes(newspaper_pdf([("标题", ["正文。"])], password="secret"))
    (site / _pdf_path(7)).write_bytes(scanned_pdf())
    (site / _pdf_path(8)).write_bytes(traditional)
    done, _ = crawl_site(archive_url, site=site)
    assert done.returncode == 0, done.stderr[-3000:]  # none of them is a failure to fetch again
    statuses = "SELECT page_number, pdf_text_status, pdf_text FROM pages WHERE page_number BETWEEN 3 AND 9 ORDER BY 1"
    crawled = sql_rows(archive_url, statuses)
    assert [(n, status, bool(text)) for n, status, text in crawled] == [
        (3, "text", True), (4, "blank", False), (5, "no_pdf", False), (6, "encrypted", False), (7, "no_text", False),
        (8, "text", True), (9, "text", True)]
    warnings = [line.split(" WARNING: ")[1] for line in done.stderr.splitlines() if "[pipelines.pdf] WARNING" in line]
    assert sorted(warnings) == sorted(f"{why}: stored without text: {url}" for why, url in [
        ("PDF draws nothing (a blank page)", _pdf_url(done, 4)),
        ("PDF opens only with a password", _pdf_url(done, 6)),
        ("PDF has no text layer, only pictures or drawings (a scanned page, or letters drawn as outlines)", _pdf_url(done, 7)),
    ])
    assert "0 links gone; 3 page PDFs without text (1 blank, 1 encrypted, 1 no_text); 0 template alarms" in done.stderr
    assert crawl_runs(archive_url)[0].pdfs_without_text == 3
    # Page 08 in Simplified, as its articles, the PDF's Traditional text kept beside it.
    [(text_08, original_08)] = sql_rows(archive_url, "SELECT pdf_text, pdf_text_original FROM pages WHERE page_number = 8")
    assert text_08 == "\n".join(map(normalize_plain, page_08.printed()))
    assert original_08 == "\n".join(extract_paragraphs(traditional)) != text_08
    # Re-read from the archive, each says the same; a page stored before its status was
    # recorded gets it.
    with_text = "SELECT page_number, pdf_text, pdf_text_original FROM pages ORDER BY 1"
    before = sql_rows(archive_url, with_text)
    engine = create_engine(archive_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE pages SET pdf_text_status = NULL WHERE page_number IN (4, 7, 8)"))
    engine.dispose()
    reprocess = subprocess.run([sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess"],
                               cwd=PROJECT, capture_output=True, text=True, timeout=240)
    assert reprocess.returncode == 0, reprocess.stderr[-3000:]
    assert "warning: PDF has no text layer" in reprocess.stderr
    assert sql_rows(archive_url, statuses) == crawled
    assert sql_rows(archive_url, with_text) == before


def _pdf_url(done, number: int) -> str:
    """The address the crawl fetched page ``number``'s PDF from (the site's port is the run's)."""
    return re.search(rf"http://127\.0\.0\.1:\d+{PREFIX}{_pdf_path(number)}", done.stderr)[0]


def test_reportlab_stays_out_of_the_runtime_path():
    """Only the sample site's generator and the tests typeset PDFs; a crawl never needs reportlab."""
    import subprocess
    import sys

    from tests.conftest import PROJECT

    modules = [
        "crawler.spiders.issues", "crawler.settings", "crawler.sample.server", "crawler.sample.demo",
        "pipelines.clean", "pipelines.script", "pipelines.normalize", "pipelines.pdf", "pipelines.store",
        "storage.db",
    ]
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint(sorted(m for m in sys.modules if m.startswith('reportlab')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
