"""Papers that print their pages in lettered sections (第A01版 … 第B08版), each restarting at 1.

Such a page used to have no page number: it raised the drift alarm and was not stored. The
real `scrapy crawl issues` over HTTP into SQLite and PostgreSQL, then `archive search` and the
reading room, which print the code back as the page printed it."""
from __future__ import annotations

import re

import pytest
from datasette.utils.testing import TestClient as DatasetteClient

from crawler.pagenumbers import page_code, page_number, page_shown
from crawler.templates import FounderPage
from storage.cli import main
from storage.reading_room.app import make_datasette
from tests.conftest import SAMPLE_SITE, crawl_site, sql_rows
from tests.sites import sample_site

_PRINTED = re.compile(r"第(\d\d)版")
_PAGENUM = re.compile(r"<founder-pagenum>(\d+)</founder-pagenum>")


def _lettered(number: int) -> str:
    """The sample's 16 pages as two sections of eight: 1-8 are A01-A08, 9-16 are B01-B08."""
    return f"{'AB'[(number - 1) // 8]}{(number - 1) % 8 + 1:02d}"


def lettered_sections(name: str, html: str) -> str:
    """An ``alter`` for sample_site: every label and the metadata's page number lettered."""
    html = _PRINTED.sub(lambda m: f"第{_lettered(int(m[1]))}版", html)
    return _PAGENUM.sub(lambda m: f"<founder-pagenum>{_lettered(int(m[1]))}</founder-pagenum>", html)


EXPECTED = [1001 + n for n in range(8)] + [2001 + n for n in range(8)]


@pytest.mark.parametrize(("code", "number"), [
    ("07", 7), ("7", 7), ("A01", 1001), ("A1", 1001), ("b12", 2012), ("Ａ０３", 1003), ("Z99", 26099),
    ("0", None), ("A0", None), ("1000", None), ("AA01", None), ("", None), ("第A01版", None),
])
def test_a_printed_page_code_has_one_number(code, number):
    assert page_number(code) == number


@pytest.mark.parametrize("number", [1, 9, 99, 999, 1001, 1012, 2001, 26099])
def test_a_page_number_prints_back_as_its_code(number):
    assert page_number(page_code(number)) == number


@pytest.mark.parametrize(("number", "label", "shown"), [
    (7, "第07版：社会", "第07版"), (1003, "第A03版：要闻", "第A03版"),
    # A page the site took out of its issue: numbered minus its id, shown by the number it printed.
    (-12, "第03版：社会", "第03版（已撤下）"), (-13, "第 b 2 版：副刊", "第B02版（已撤下）"),
    (-14, "", "已撤下的版面"), (-15, None, "已撤下的版面"), (-16, "社会", "已撤下的版面"),
])
def test_a_page_is_shown_by_its_code_and_a_removed_one_by_the_code_its_label_printed(number, label, shown):
    assert page_shown(number, label) == shown


def test_a_lettered_page_is_read_from_its_label_its_list_and_its_metadata():
    html = lettered_sections("node_2.htm", (SAMPLE_SITE / "html/2023-01/31/node_2.htm").read_text(encoding="utf-8"))
    page = FounderPage(html, "http://paper.example/html/2023-01/31/node_2.htm")
    assert (page.page_number, page.page_label, page.section) == (1003, "第A03版：新聞", "新聞")
    assert [link.page_number for link in page.page_links] == EXPECTED
    # No label and no entry in the page list: the metadata's code (A03) places the page.
    unlabelled = re.sub(r"第A03版：(<STRONG>)?", "", html)
    assert FounderPage(unlabelled, page.url).page_number == 1003
    assert FounderPage(unlabelled, "http://paper.example/html/2023-01/31/node_99.htm").page_number == 1003


def test_a_lettered_paper_is_crawled_stored_and_printed_as_printed(tmp_path, archive_url, capsys):
    site = sample_site(tmp_path / "site", alter=lettered_sections, pdfs=False)
    done, _ = crawl_site(archive_url, site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sql_rows(archive_url, "SELECT page_number, page_label, section FROM pages ORDER BY page_number")
    assert [row.page_number for row in pages] == EXPECTED
    assert (pages[0].page_label, pages[0].section) == ("第A01版：头版", "头版")
    assert (pages[14].page_label, pages[14].section) == ("第B07版：益言堂", "益言堂")
    assert sql_rows(archive_url, "SELECT count(*) FROM articles")[0][0] == 20
    # Page 7 of the sample (社會工作) is A07 here.
    assert main(["--archive", archive_url, "search", "社会工作", "--section", "社会工作", "--limit", "1"]) == 0
    assert " 第A07版 社会工作 " in capsys.readouterr().out


def test_the_reading_room_prints_a_lettered_page_as_printed(tmp_path):
    path = tmp_path / "archive.sqlite3"
    site = sample_site(tmp_path / "site", alter=lettered_sections, pdfs=False)
    done, _ = crawl_site(f"sqlite:///{path}", site=site, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    html = DatasetteClient(make_datasette(path)).get("/issue/gongyishibao/2023-01-31").text
    headings = re.findall(r'id="page-(\d+)">\s*<h2>第(\w+)版', html)
    assert headings == [(str(number), page_code(number)) for number in EXPECTED]
    assert headings[8] == ("2001", "B01")
