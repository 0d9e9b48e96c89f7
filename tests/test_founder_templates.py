"""Founder template page objects, on saved pages of 公益时报 (tests/fixtures/founder)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from crawler.templates import FounderArticle, FounderPage, FounderSelectors, ImageRef, PageLink, decode_html
from crawler.templates.founder import closing_byline
from crawler.templates.registry import get_template
from crawler.templates.siteimages import SiteImages
from tests.chinese_script import in_script

FIXTURES = Path(__file__).parent / "fixtures" / "founder"
SEED = Path(__file__).parent / "fixtures" / "seeds" / "001_a49345ccf857f3cd.txt"
ISSUE = "http://www.gongyishibao.com/newdzb/html/2023-01/31/"
ISSUE_GBK = "http://www.gongyishibao.com/newdzb/html/2023-02/07/"
# A kit's keywords hidden three ways (the style sheet's rule is .k9 {display:none}).
_HIDDEN_SPAM = {
    "style": '<span style="display:none">久久综合网</span>',
    "style sheet": "<span class=k9>久久综合网 亚洲一区二区</span>",
    "noscript": "<noscript><a href='http://www.zhanqun.example/'>久久综合网</a></noscript>",
}
IMAGES = "http://www.gongyishibao.com/newdzb/images/"


def load(name: str) -> str:
    return decode_html((FIXTURES / name).read_bytes())


def page(name: str, url: str) -> FounderPage:
    return FounderPage(load(name), url)


def article(name: str, url: str) -> FounderArticle:
    return FounderArticle(load(name), url)


# --- decoding -------------------------------------------------------------------------------


def test_gb2312_declared_page_is_read_as_gb18030():
    body = (FIXTURES / "node_page_skips_gbk.htm").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # 镕 and 㑇 are outside GB2312
    for content_type in (None, "text/html"):  # no charset in the HTTP header: the <meta> decides
        text = decode_html(body, content_type)
        assert "镕铸公益力量：社会组织年度盘点" in text
        assert "走进㑇山村的儿童之家" in text


def test_gbk_declared_article_is_read_as_gb18030():
    assert "走進㑇山村的兒童之家" in load("content_variant.htm")


def test_http_charset_wins_over_meta():
    body = '<meta http-equiv=Content-Type content="text/html; charset=gb2312"><p>社會工作</p>'.encode()
    assert "<p>社會工作</p>" in decode_html(body, "text/html; charset=utf-8")


def test_undeclared_page_is_utf8_or_gb18030():
    gbk = (FIXTURES / "node_page_skips_gbk.htm").read_bytes().replace(b"charset=gb2312", b"")
    assert "镕铸公益力量" in decode_html(gbk)
    utf8 = (FIXTURES / "node_page.htm").read_bytes().replace(b"charset=utf-8", b"")
    assert "尋找慈善傳統" in decode_html(utf8)


@pytest.mark.parametrize("declared", [b"<meta charset=gb2312>", b"<meta charset=gbk>", b"<meta charset=utf-8>", b""])
def test_gbk_characters_gb18030_2005_leaves_in_the_private_use_area_are_read_as_unicode(declared):
    """GB 18030-2022's reading (glibc's iconv agrees): vertical punctuation, 龴, 𠂇 and 𤇾, which
    Python's codec reads as U+E78D, U+E81E, U+E816 and U+E855. A file declared UTF-8 is read
    as GBK when its bytes say so, and then the same way."""
    body = declared + "<p>社会".encode("gbk") + b"\xa6\xd9\xa6\xdb\xfe\x59\xfe\x51\xfe\x91" + "工作</p>".encode("gbk") * 3
    assert "社会\ufe10\ufe11\u9fb4\U00020087\U000241fe工作" in decode_html(body)


def _responses():
    """Responses as Scrapy's downloader makes them, each with the text decode_html reads."""
    from scrapy.http import HtmlResponse

    gbk = (FIXTURES / "node_page_skips_gbk.htm").read_bytes()
    utf8 = (FIXTURES / "node_page.htm").read_bytes()
    bodies = [
        (gbk, "text/html"),  # <meta> gb2312
        (gbk.replace(b"charset=gb2312", b""), "text/html"),  # undeclared GBK
        (utf8, "text/html"),  # <meta> utf-8
        (utf8.replace(b"charset=utf-8", b""), "text/html"),  # undeclared UTF-8
        (utf8, "text/html; charset=gb2312"),  # the HTTP header wins: GB18030 over UTF-8 bytes
        ("<p>café crème</p>".encode("cp1252"), "text/html"),  # Scrapy guesses by charset-normalizer
        (b"<p>\x81\x8d\xfe</p>", "text/html"),  # neither UTF-8 nor GB18030 in full
        ("<meta charset=big5><p>社會工作</p>".encode("big5"), "text/html"),
        ("<p>社會</p>".encode("gbk") + b"\xfe\x59\xa6\xd9", "text/html; charset=gbk"),  # GB 18030-2022's reading
        (gbk.replace(b"charset=gb2312", b"charset=big5"), "text/html"),  # GBK under a wrong <meta>
        (gbk, "text/html; charset=ISO-8859-1"),  # GBK under a server's default charset
    ]
    return [(HtmlResponse("http://example.org/a.htm", body=body, headers={"Content-Type": ct}), body, ct) for body, ct in bodies]


@pytest.mark.parametrize(("meta", "content_type"), [
    (b"charset=big5", "text/html"),
    (b"charset=iso-8859-1", "text/html"),
    (b"charset=windows-1252", "text/html"),
    (b"charset=gb2312", "text/html; charset=ISO-8859-1"),  # a server's default over the template's <meta>
    (b"charset=gb2312", "text/html; charset=big5"),
])
def test_gbk_files_under_a_wrong_charset_that_is_no_gb_or_utf8_one_are_read_as_gbk(meta, content_type):
    body = (FIXTURES / "node_page_skips_gbk.htm").read_bytes().replace(b"charset=gb2312", meta)
    text = decode_html(body, content_type)
    assert "镕铸公益力量：社会组织年度盘点" in text and "走进㑇山村的儿童之家" in text
    assert "\ufffd" not in text


def test_utf8_files_under_a_big5_or_latin1_charset_are_read_as_utf8():
    utf8 = (FIXTURES / "node_page.htm").read_bytes()
    for meta in (b"charset=big5", b"charset=iso-8859-1"):
        assert "尋找慈善傳統" in decode_html(utf8.replace(b"charset=utf-8", meta), "text/html")


def test_files_that_are_what_their_big5_or_latin1_charset_says_stay_so():
    traditional = (FIXTURES / "node_page.htm").read_text(encoding="utf-8").replace("charset=utf-8", "charset=big5")
    assert decode_html(traditional.encode("big5"), "text/html") == traditional
    latin = "<meta http-equiv=Content-Type content='text/html; charset=iso-8859-1'><p>Café crème à Zürich, 1 250 €.</p>"
    assert decode_html(latin.encode("cp1252"), "text/html") == latin
    # Too little text to judge: as declared.
    assert decode_html(b"<meta charset=big5><p>" + "社会".encode("gbk") + b"</p>") == "<meta charset=big5><p>" + "社会".encode("gbk").decode("big5") + "</p>"


def test_spider_reads_a_response_as_decode_html_does():
    from crawler.spiders.issues import _html

    reused = 0
    for response, body, content_type in _responses():
        assert _html(response) == decode_html(body, content_type), (body[:60], content_type)
        reused += _html(response) is response.text
    assert reused >= 4  # Scrapy's decoding is reused where it is the templates' own


def test_scrapy_decodes_some_undeclared_responses_otherwise():
    """What makes the spider check the encoding before it reuses response.text."""
    differ = [response.encoding for response, body, ct in _responses() if response.text != decode_html(body, ct)]
    assert differ, "Scrapy now decodes as the templates do: the check in crawler/spiders/issues.py _html may go"


_BASES = [
    ISSUE + "node_1.htm", ISSUE + "content_1001410.htm?div=-1", ISSUE + "node_2.htm;p?q=1#f", "http://x",
    "http://x/", "http://x/a", "https://x:81/a/b/c/", "file:///srv/site/html/node_3.htm",
]
_HREFS = [
    "node_2.htm", "./node_2.htm", "../../02/07/node_1.htm", "../../../images/a.jpg", "/newdzb/node_1.htm",
    "//other.example/x.htm", "http://y/z.htm", "http:node_4.htm", "http:", "https:", "?div=0", "?", "node_2.htm?div=-1",
    "a/b/../c.htm", ".", "..", "./", "mailto:a@b.c", " node_5.htm ", "node_6.htm#top", "http://x?y", "a;p",
]


def test_links_are_joined_as_urljoin_joins_them():
    """Links are joined to the file's directory, which an issue's files share (fewer joins to
    cache), except those without a path of their own, which need the file's path or query."""
    from urllib.parse import urljoin

    for base in _BASES:
        page = FounderPage("<html></html>", base)
        for href in _HREFS:
            joined = urljoin(base, href.strip())
            assert page._absolute(href) == (joined if joined.startswith(("http://", "https://")) else None), (base, href)
    assert page._absolute("#top") is None and page._absolute("javascript:void(0)") is None
    # Only web addresses: what a browser or URL parsing reads as another scheme is no file.
    for other in ("java\tscript:alert(1)//.pdf", "JavaScript:x", "\x01javascript:x", "mailto:a@b.cn", "data:,x",
                  "ftp://x/a.pdf", "vbscript:x"):
        assert page._absolute(other) is None, other
    assert page._absolute("HTTPS://www.example.cn/a.pdf") == "HTTPS://www.example.cn/a.pdf"


# --- a page file (UTF-8, Traditional script) --------------------------------------------------

SECTIONS = "頭版 新聞 新聞 新聞 新聞 新聞 社會工作 新聞 新聞 公益資訊 公益資訊 公益資訊 新聞 新聞 益言堂 尋找慈善傳統".split()


@pytest.fixture(scope="module")
def node_page() -> FounderPage:
    return page("node_page.htm", ISSUE + "node_7.htm")


def test_page_header_fields(node_page):
    assert node_page.issue_date == date(2023, 1, 31)
    assert node_page.page_number == 7
    assert node_page.page_label == "第07版：社會工作"
    assert node_page.section == "社會工作"
    assert node_page.pdf_url == IMAGES + "2023-01/31/07/GYSB2023013107.pdf"
    assert node_page.image_url == IMAGES + "2023-01/31/07/GYSB2023013107_b.jpg"
    assert node_page.metadata["founder-pagenum"] == "7"


def test_page_list_is_every_page_once_in_order(node_page):
    # The header menu and the 版面目錄 both list the 16 pages, with the same invalid id.
    assert node_page.page_links == [
        PageLink(f"{ISSUE}node_{n}.htm", n, f"第{n:02d}版：{section}", section) for n, section in enumerate(SECTIONS, 1)
    ]


def test_article_links_are_canonical_title_list_first(node_page):
    assert node_page.article_links == [
        ISSUE + "content_21853.htm",
        ISSUE + "content_21854.htm",  # the map's ?div=0 link to it adds nothing
        ISSUE + "content_21855.htm",  # only in the map
    ]
    assert node_page.titles == {
        ISSUE + "content_21853.htm": "民政部召開全國志愿服務和社會工作電視電話會議",
        ISSUE + "content_21854.htm": "廣西開展“情暖新春 共護未來”困境兒童關愛服務活動",
    }


def test_pdf_of_a_page_comes_from_its_own_row_of_the_page_list():
    # Read as if it were page 03, the first PDF link on the file (page 07's) is not its PDF.
    assert page("node_page.htm", ISSUE + "node_3.htm").pdf_url == IMAGES + "2023-01/31/03/GYSB2023013103.pdf"


PDF_ROWS = """<html><body><table>
<tr><td><a id=pageLink href=node_1.htm>第1版：要闻</a></td><td><a class=pdf href=../../../pdf.asp?p=01>PDF</a></td></tr>
<tr><td><a id=pageLink href=node_2.htm>第2版：评论</a></td><td><a class=pdf href=../../../pdf.asp?p=02>PDF</a></td></tr>
</table></body></html>"""


def test_the_pdf_of_a_page_s_own_row_is_one_of_the_profile_s_pdf_links():
    # Looked for in the row as a ".pdf" link whatever the profile said: page 1's PDF for every page.
    selectors = FounderSelectors.with_overrides({"pdf_links": "a.pdf"})
    url = "http://x.cn/epaper/html/2023-01/31/node_2.htm"
    assert FounderPage(PDF_ROWS, url, selectors).pdf_url == "http://x.cn/epaper/pdf.asp?p=02"


@pytest.mark.parametrize("line", ["2023年2月1日 星期三", "2023年02月01日", "2023-02-01 星期三", "2023-2-1", "2023/02/01", "2023.02.01"])
def test_a_date_line_in_chinese_or_in_figures_dates_the_file(line):
    # Read in Chinese only, a paper writing it in figures, without a metadata comment, had no date.
    selectors = FounderSelectors.with_overrides({"issue_date": "div.riqi"})
    html = f"<html><body><div class=riqi>{line}</div><td>第1版：要闻</td></body></html>"
    assert FounderPage(html, ISSUE + "node_1.htm", selectors).issue_date == date(2023, 2, 1)


# --- a page file (GB2312 declared, skipped page, node ids that are not page numbers) ----------


@pytest.fixture(scope="module")
def gbk_page() -> FounderPage:
    return page("node_page_skips_gbk.htm", ISSUE_GBK + "node_5.htm")


def test_gbk_page_header_fields(gbk_page):
    assert gbk_page.issue_date == date(2023, 2, 7)  # from the second p.rq, the first is no date
    assert gbk_page.page_number == 8
    assert gbk_page.page_label == "第08版 社会组织"
    assert gbk_page.section == "社会组织"
    assert gbk_page.pdf_url == IMAGES + "2023-02/07/08/GYSB2023020708.pdf"
    assert gbk_page.image_url == IMAGES + "2023-02/07/08/GYSB2023020708_b.jpg"


def test_skipped_page_and_node_ids_that_differ_from_page_numbers(gbk_page):
    links = gbk_page.page_links
    assert [link.page_number for link in links] == [1, 2, 3, 4, 5, 6, 8, 9]
    assert [link.url for link in links] == [f"{ISSUE_GBK}node_{n}.htm" for n in (1, 3, 4, 2, 6, 7, 5, 8)]
    assert links[6] == PageLink(ISSUE_GBK + "node_5.htm", 8, "第08版：社会组织", "社会组织")


def test_titles_written_by_script_and_split_articles(gbk_page):
    assert gbk_page.article_links == [
        ISSUE_GBK + "content_21902.htm",
        ISSUE_GBK + "content_21903.htm",
        ISSUE_GBK + "content_21904_2.htm",
    ]
    assert gbk_page.titles == {
        ISSUE_GBK + "content_21902.htm": "镕铸公益力量：社会组织年度盘点",
        ISSUE_GBK + "content_21903.htm": "走进㑇山村的儿童之家",
    }


@pytest.mark.parametrize(("script", "title"), [
    # document.write writes HTML: its character references are characters; the string's
    # escapes are JavaScript's.
    ('document.write(view("公益&amp;慈善：&quot;五社聯動&quot;"))', '公益&慈善："五社聯動"'),
    ('document.write(view("他說\\"好\\"\\u3000再見"))', '他說"好" 再見'),
    ("document.write(view('社工\\'站\\''));", "社工'站'"),
    ('document.write(view("民政部召開<br>電視電話會議"))', "民政部召開電視電話會議"),
])
def test_a_title_written_by_script_is_read_as_the_browser_shows_it(script, title):
    html = f'<html><body><ul class="ul02_l"><li><a href=content_5.htm?div=-1><div id=mp5><script>{script}</script></div></a></li></ul></body></html>'
    assert FounderPage(html, ISSUE_GBK + "node_5.htm").titles == {ISSUE_GBK + "content_5.htm": title}


@pytest.mark.parametrize("spam", _HIDDEN_SPAM.values(), ids=_HIDDEN_SPAM.keys())
def test_a_title_in_the_page_s_title_list_leaves_out_what_it_hides(spam):
    """The title list's link is the title of an article whose file has none: read whole, it
    kept the keywords a kit hid in it (主標題久久综合网)."""
    html = (f"<html><body><style>.k9 {{display:none}}</style><ul class=ul02_l><li><a href=content_5.htm>主標題{spam}</a></li>"
            "<li><a href=content_6.htm>副刊</a></li></ul></body></html>")
    assert FounderPage(html, ISSUE + "node_5.htm").titles == {ISSUE + "content_5.htm": "主標題", ISSUE + "content_6.htm": "副刊"}


def test_page_falls_back_to_the_metadata_comment():
    html = (
        "<html><body><p>公益时报</p></body></html>"
        "<!--enpproperty <founder-date>2023-02-07 23:59:59</founder-date><founder-pagenum>8</founder-pagenum> /enpproperty-->"
    )
    bare = FounderPage(html, ISSUE_GBK + "node_5.htm")
    assert (bare.issue_date, bare.page_number, bare.page_label, bare.section) == (date(2023, 2, 7), 8, "", "")
    assert (bare.page_links, bare.article_links, bare.titles, bare.pdf_url, bare.image_url) == ([], [], {}, None, None)


# --- an article file (UTF-8, table.wz, founder-content) ----------------------------------------


@pytest.fixture(scope="module")
def main_article() -> FounderArticle:
    return article("content_article.htm", ISSUE + "content_21853.htm")


def seed_paragraphs() -> list[str]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines[lines.index("全國鄉鎮(街道)社工站覆蓋率達78%") + 1 :] if line]


def test_article_title_block(main_article):
    assert main_article.article_id == "21853"
    assert main_article.pretitle == ""
    assert main_article.title == "民政部召開全國志愿服務和社會工作電視電話會議"
    assert main_article.subtitle == "全國鄉鎮(街道)社工站覆蓋率達78%"
    assert main_article.byline == ""
    assert main_article.issue_date == date(2023, 1, 31)
    assert main_article.section == "社會工作"


def test_article_paragraphs_keep_everything_including_spam(main_article):
    expected = seed_paragraphs()
    paragraphs = main_article.paragraphs
    assert len(paragraphs) == len(expected) == 15
    assert paragraphs[:-1] == expected[:-1]
    assert paragraphs[0].startswith("日前,民政部慈善事業促進和社會工作司召開")
    assert paragraphs[-2].endswith("實現社會工作高質量發展。(據民政部官網)")
    # The seed's spam line, its items links separated by "|" in the page.
    assert paragraphs[-1].startswith("主站蜘蛛池模板: 亚洲人成网站999久久久综合| 久久综合亚洲色一区二区三区|")
    assert [item.strip() for item in paragraphs[-1].split("|")] == [item.strip() for item in expected[-1].split("|")]


def test_article_body_html_is_the_raw_content_region(main_article):
    body = main_article.body_html
    # Comments (the <!--<npm:article-content>--> markers) go at parse time, as the cleaner needs.
    assert body.lstrip().startswith("<p>\u3000\u3000日前,民政部") and "<!--" not in body
    assert main_article.body_element.tag == "founder-content"
    assert "<founder-content>" not in body
    assert "<p>\u3000\u3000日前,民政部" in body
    assert '<a href="http://www.00zhanqun.example/" target="_blank">亚洲人成网站999久久久综合</a>' in body


def test_article_source_picture_and_metadata(main_article):
    assert main_article.source == "據民政部官網"  # found although the spam paragraph follows it
    assert main_article.images == [ImageRef(IMAGES + "2023-01/31/07/res01_attpic_brief.jpg", "全國志愿服務和社會工作電視電話會議現場。")]
    assert main_article.metadata == {
        "articleid": "21853",
        "date": "2023-01-31",
        "author": "",
        "title": "民政部召開全國志愿服務和社會工作電視電話會議",
        "keyword": "",
        "subtitle": "全國鄉鎮(街道)社工站覆蓋率達78%",
        "introtitle": "",
        "siteid": "1",
        "nodeid": "7",
        "nodename": "社會工作",
        "nodesearchname": "",
    }


def test_an_article_linked_by_another_page_names_the_page_it_is_printed_on(main_article):
    """A front page's 导读 links articles of inner pages: the article file's <nodeid> (its
    page's node_N.htm) says where it is printed, and its page list that page's number."""
    assert main_article.printed_on(ISSUE + "node_7.htm", 7) is None  # linked by its own page
    assert main_article.printed_on(ISSUE + "node_1.htm", 1) == PageLink(ISSUE + "node_7.htm", 7, "第07版：社會工作", "社會工作")


def test_a_node_id_is_read_as_the_file_name_the_linking_page_has():
    # A paper whose page files are node_N.html: node 7 is node_7.html, no second parse needed to tell.
    html = load("content_article.htm").replace(".htm>", ".html>")
    parsed = FounderArticle(html, ISSUE + "content_21853.html")
    assert parsed.printed_on(ISSUE + "node_7.html", 7) is None
    assert parsed.printed_on(ISSUE + "node_1.html", 1) == PageLink(ISSUE + "node_7.html", 7, "第07版：社會工作", "社會工作")


def test_a_node_id_that_names_no_page_of_the_list_leaves_it_to_the_label():
    # Page files named otherwise than by node id: the label names page 7.
    html = re.sub(r"node_(\d+)\.htm", r"page_\1.htm", load("content_article.htm"))
    parsed = FounderArticle(html, ISSUE + "content_21853.htm")
    assert parsed.printed_on(ISSUE + "page_7.htm", 7) is None
    assert parsed.printed_on(ISSUE + "page_1.htm", 1) == PageLink(ISSUE + "page_7.htm", 7, "第07版：社會工作", "社會工作")


def _without_metadata(html: str) -> str:
    return re.sub(r"<!--enpproperty.*?/enpproperty-->", "", html, flags=re.S)


def test_without_a_node_id_the_article_s_own_page_label_names_its_page():
    bare = FounderArticle(_without_metadata(load("content_article.htm")), ISSUE + "content_21853.htm")
    assert bare.metadata == {}
    assert bare.printed_on(ISSUE + "node_7.htm", 7) is None
    assert bare.printed_on(ISSUE + "node_1.htm", 1) == PageLink(ISSUE + "node_7.htm", 7, "第07版：社會工作", "社會工作")


@pytest.mark.parametrize("edit", [
    # A node of no page of the list, and a label of none either.
    lambda html: html.replace("<nodeid>7</nodeid>", "<nodeid>99</nodeid>").replace("第07版：<STRONG>", "第17版：<STRONG>"),
    lambda html: _without_metadata(html).replace("第07版：<STRONG>", "<STRONG>"),  # no label, no node id
])
def test_an_article_whose_file_names_no_page_of_its_issue_stays_where_it_was_linked(edit):
    odd = FounderArticle(edit(load("content_article.htm")), ISSUE + "content_21853.htm")
    assert odd.printed_on(ISSUE + "node_1.htm", 1) is None


# --- an article file (GBK, p#PreTitle variant, byline paragraph, two pictures) ---------------


@pytest.fixture(scope="module")
def variant_article() -> FounderArticle:
    return article("content_variant.htm", ISSUE_GBK + "content_21903.htm")


def test_variant_title_block_and_byline_paragraph(variant_article):
    assert variant_article.article_id == "21903"
    assert variant_article.pretitle == "鄉村兒童關愛服務調查"
    assert variant_article.title == "走進㑇山村的兒童之家"
    assert variant_article.subtitle == "社工駐村三年 留守兒童有了“第二個家”"
    assert variant_article.byline == "本報記者 皮磊"
    assert variant_article.issue_date == date(2023, 2, 7)
    assert variant_article.section == "社會組織"  # no nodename: the page label of the header


def test_variant_body_without_founder_content(variant_article):
    assert variant_article.paragraphs == [
        "■ 本報記者 皮磊",  # left in place: the byline is a copy
        "清晨七點，兒童之家的門準時打開，社工把當天的活動安排寫在門口的小黑板上。",
        "三年前，這裡還是一間閒置的倉庫。如今，書架、繪本角和作業桌把屋子擠得滿滿當當。",
        "“孩子們放學後有地方去了。”一位家長說。",
    ]
    assert variant_article.body_html.strip().startswith("<p>■ 本報記者 皮磊</p>")
    assert variant_article.source == ""


def test_variant_pictures_with_captions(variant_article):
    assert variant_article.images == [
        ImageRef(IMAGES + "2023-02/07/08/res02_attpic_brief.jpg", "兒童之家的繪本角。"),
        ImageRef(IMAGES + "2023-02/07/08/res03_attpic_brief.jpg", "社工朱鎔（右）帶孩子們做手工。"),
    ]


# --- other variants of the template ------------------------------------------------------------


def article_with(block: str, body: str = "<P>　　正文。</P>") -> FounderArticle:
    return FounderArticle(f"<html><body>{block}<div id=ozoom>{body}</div></body></html>", ISSUE + "content_1.htm")


@pytest.mark.parametrize("pictures", [
    # A picture table laid out inside another: its rows are rows of table#newspic too.
    "<table id=newspic><tr><td><table><tr><td><img src=p1.jpg></td></tr><tr><td>圖為活動現場。</td></tr></table></td></tr></table>",
    # The caption under the picture in its own cell.
    "<table id=newspic><tr><td align=center><img src=p1.jpg><br>圖為活動現場。</td></tr></table>",
    # The usual rows, for comparison.
    "<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>圖為活動現場。</td></tr></table>",
])
def test_each_picture_is_stored_once_with_its_caption(pictures):
    parsed = article_with(pictures, "<P>　　正文。</P>")
    assert parsed.images == [ImageRef(ISSUE + "p1.jpg", "圖為活動現場。")]
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize("spam", _HIDDEN_SPAM.values(), ids=_HIDDEN_SPAM.keys())
@pytest.mark.parametrize(("pictures", "body", "caption"), [
    # table#newspic: the caption row (over two cells too), the caption in the picture's own cell.
    ("<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>圖為活動現場。{}</td></tr></table>", "", "圖為活動現場。"),
    ("<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>{}圖為活動現場</td><td>本報記者 皮磊 攝</td></tr></table>", "",
     "圖為活動現場 本報記者 皮磊 攝"),
    ("<table id=newspic><tr><td><img src=p1.jpg><br>圖為活動現場。{}</td></tr></table>", "", "圖為活動現場。"),
    ("<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>{}</td></tr></table>", "", ""),
    # A bare <IMG> in the content region: under it in its paragraph, the next paragraph, its
    # line, the cell under it, the lines under it that end with the credit.
    ("", "<P align=center><IMG src=p1.jpg><BR>圖為活動現場。{}</P>", "圖為活動現場。"),
    ("", "<P align=center><IMG src=p1.jpg></P><P>圖為活動現場。{}</P>", "圖為活動現場。"),
    ("", "<IMG src=p1.jpg>圖為活動現場。{}<BR>", "圖為活動現場。"),
    ("", "<TABLE><TR><TD><IMG src=p1.jpg></TD></TR><TR><TD>圖為活動現場。{}</TD></TR></TABLE>", "圖為活動現場。"),
    ("", "<TABLE><TR><TD><IMG src=p1.jpg></TD><TD>圖為活動現場。{}</TD></TR></TABLE>", "圖為活動現場。"),
    ("", "<P><IMG src=p1.jpg><BR>活動現場{}<BR>本報記者 皮磊 攝</P>", "活動現場 本報記者 皮磊 攝"),
])
def test_text_a_kit_hides_in_a_caption_is_no_part_of_it(pictures, body, caption, spam):
    """Hijacked copies hide keywords in a caption as in a heading: read whole, the stored
    caption ran on into them (圖為活動現場。久久综合网), which the cleaner cannot tell apart.
    Captions are read as the headings are; what is hidden leaves the text with its caption."""
    sheet = "<style>.k9 {display:none}</style>"
    parsed = article_with(sheet + pictures.format(spam), body.format(spam) + "<P>　　正文。</P>")
    assert parsed.images == [ImageRef(ISSUE + "p1.jpg", caption)]
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize(("header", "stored"), [
    # The header's logo is in the template's folder: the same folder's image in the text is the site's.
    ('<IMG src="../../../tplimg/logo.gif">', ["../../../images/2023-01/31/07/res01_attpic_brief.jpg"]),
    # No image in the header: nothing tells the site's image from a picture, and both stay.
    ("", ["../../../tplimg/wz_line.jpg", "../../../images/2023-01/31/07/res01_attpic_brief.jpg"]),
    # The header shows the page's picture, from the issue's dated folder, the pictures' own: it tells nothing.
    ('<IMG src="../../../images/2023-01/31/07/GYSB2023013107_s.jpg">',
     ["../../../tplimg/wz_line.jpg", "../../../images/2023-01/31/07/res01_attpic_brief.jpg"]),
])
def test_an_image_of_the_template_s_folder_in_the_text_is_the_site_s(header, stored):
    """A site sets its own image (a strip, a banner) in every article's content region: it was
    stored as a picture of each. The folder its header's images come from (tplimg/) is the
    template's; the paper's pictures are in the issue's dated folders."""
    parsed = FounderArticle(
        f"<html><body><table><tr><td>{header}</td></tr></table><table class=wz><tr><td>標題</td></tr></table>"
        '<div id=ozoom><P align=center><IMG src="../../../tplimg/wz_line.jpg"></P><P>　　正文。</P>'
        '<P align=center><IMG src="../../../images/2023-01/31/07/res01_attpic_brief.jpg"></P><P>圖為活動現場。</P></div>'
        "</body></html>", ISSUE + "content_1.htm")
    assert [image.url for image in parsed.images] == [
        "http://www.gongyishibao.com/newdzb/" + url.removeprefix("../../../") for url in stored]
    assert parsed.images[-1].caption == "圖為活動現場。"
    assert parsed.paragraphs == ["正文。"]


# A site's own images in undated folders its header takes none from (a column's heading drawn
# as a picture, a rule line), set in every article: only the paper's profile names them
# (site_images); an undated folder holds the paper's pictures too (images/photos/).
SITE_IMAGES_ARTICLE = (
    '<html><body><table><tr><td><IMG src="../../../tplimg/logo.gif"></td></tr></table>'
    "<table class=wz><tr><td>標題</td></tr></table>"
    '<table id=newspic><tr><td><IMG src="/tplimg/line.jpg"></td></tr></table>'
    '<div id=ozoom><P align=center><IMG src="../../../images/column_head.jpg"></P><P><IMG src="/tplimg/line.jpg"></P>'
    '<P>　　正文。</P><P align=center><IMG src="../../../images/photos/visit.jpg"></P><P>圖為社工入戶走訪。</P></div>'
    "</body></html>"
)
HOST = "http://www.gongyishibao.com"


@pytest.mark.parametrize(("site_images", "stored"), [
    # Without the setting, as ever: the header's folder is tplimg/ under newdzb/, not these.
    ((), ["/tplimg/line.jpg", "/newdzb/images/column_head.jpg", "/tplimg/line.jpg", "/newdzb/images/photos/visit.jpg"]),
    (("images/column_*.jpg", "/tplimg/"), ["/newdzb/images/photos/visit.jpg"]),
    # A whole path from the host's root, a file's name from any folder, in other capitals.
    (("/newdzb/images/column_head.jpg", "tplimg/line.jpg"), ["/newdzb/images/photos/visit.jpg"]),
    (("IMAGES/Column_*.JPG", "/TPLIMG/"), ["/newdzb/images/photos/visit.jpg"]),
    # Only what it names: a '*' stays within a folder (images/photos/ is not images/).
    (("images/*.jpg",), ["/tplimg/line.jpg", "/tplimg/line.jpg", "/newdzb/images/photos/visit.jpg"]),
])
def test_the_images_a_paper_s_profile_names_as_the_site_s_are_no_pictures_of_its_articles(site_images, stored):
    """A site's heading or rule line set in every article's text, from a folder its header takes
    no image from, was stored as a picture of every article: nothing in one file tells it from a
    picture the paper keeps in an undated folder. The profile's site_images names it."""
    parsed = get_template("founder", {}, site_images).article(SITE_IMAGES_ARTICLE, ISSUE + "content_1.htm")
    assert [image.url.removeprefix(HOST) for image in parsed.images] == stored
    assert parsed.images[-1].caption == "圖為社工入戶走訪。"
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize(("entry", "named", "not_named"), [
    # A folder: every image under it, from the host's root; without "/", from any folder.
    ("/tplimg/", "http://x.cn/tplimg/a/line.jpg", "http://x.cn/newdzb/tplimg/line.jpg"),
    ("tplimg/", "http://x.cn/newdzb/tplimg/line.jpg", "http://x.cn/newdzb/mytplimg/line.jpg"),
    # A pattern is of the whole path, its '*' within one folder; the query is no part of it.
    ("images/column_*.jpg", "http://x.cn/images/column_head.jpg?v=2", "http://x.cn/images/column_head.jpg.png"),
    # Written as characters or as percent-escapes, the address either way.
    ("images/栏目头.jpg", "http://x.cn/images/%E6%A0%8F%E7%9B%AE%E5%A4%B4.jpg", "http://x.cn/images/栏目.jpg"),
    ("images/%E6%A0%8F%E7%9B%AE%E5%A4%B4.jpg", "http://x.cn/a/images/栏目头.jpg", "http://x.cn/images2/栏目头.jpg"),
    # An escaped '?' or '*', as copied from an address, is that character, its escape in any
    # capitals; a bare one stays a wildcard, and matches an escaped one in the address.
    ("/tplimg/what%3F.gif", "http://x.cn/tplimg/what%3F.gif", "http://x.cn/tplimg/whatX.gif"),
    ("/tplimg/what%3F.gif", "http://x.cn/tplimg/what%3f.gif", "http://x.cn/tplimg/what%2A.gif"),
    ("/tplimg/what%3f.gif", "http://x.cn/tplimg/what%3F.gif", "http://x.cn/tplimg/what.gif"),
    ("images/column_%2A.jpg", "http://x.cn/images/column_%2a.jpg", "http://x.cn/images/column_head.jpg"),
    ("images/column_%2a*.jpg", "http://x.cn/images/column_%2Ahead.jpg", "http://x.cn/images/column_head.jpg"),
    ("/tplimg/what?.gif", "http://x.cn/tplimg/what%3F.gif", "http://x.cn/tplimg/what.gif"),
    ("/tplimg/what?.gif", "http://x.cn/tplimg/whatX.gif", "http://x.cn/tplimg/whatXY.gif"),
    # Without a bare wildcard an entry is a path: a folder's prefix, however its name is escaped.
    ("/tpl%2Aimg/", "http://x.cn/tpl%2Aimg/a/line.jpg", "http://x.cn/tplXimg/line.jpg"),
    ("/%3F", "http://x.cn/%3F/line.jpg", "http://x.cn/x/line.jpg"),
    # An escaped '/' is that character of a name, no folder's end, in the entry and in the address.
    ("/tplimg/a%2Fb.gif", "http://x.cn/tplimg/a%2fb.gif", "http://x.cn/tplimg/a/b.gif"),
    ("/tplimg/a/", "http://x.cn/tplimg/a/b.gif", "http://x.cn/tplimg/a%2Fb.gif"),
    ("images/column_*.jpg", "http://x.cn/images/column_a%2Fb.jpg", "http://x.cn/images/column_a/b.jpg"),
    ("images/column_a%2F*.jpg", "http://x.cn/images/column_a%2Fb.jpg", "http://x.cn/images/column_a/b.jpg"),
    # A '%' the address escapes (%252F) is a '%' of the name, no escaped '/'.
    ("/tplimg/a%2Fb.gif", "http://x.cn/tplimg/a%2Fb.gif", "http://x.cn/tplimg/a%252Fb.gif"),
    ("/tplimg/a%252Fb.gif", "http://x.cn/tplimg/a%252Fb.gif", "http://x.cn/tplimg/a%2Fb.gif"),
])
def test_a_site_images_entry_names_the_paths_of_image_addresses(entry, named, not_named):
    site_images = SiteImages([entry])
    assert site_images.matches(named) and not site_images.matches(not_named)


def test_a_line_under_an_image_the_profile_names_is_read_as_under_the_header_s_own():
    """Named or told by the header's folder, the site's image is no picture, and the line set
    under it stays in the text alike."""
    article = ('<html><body><table><tr><td><IMG src="../../../tplimg/logo.gif"></td></tr></table>'
               "<table class=wz><tr><td>標題</td></tr></table><div id=ozoom>"
               '<P align=center><IMG src="{}"><BR>社會工作</P><P>　　正文。</P></div></body></html>')
    named = get_template("founder", {}, ["images/column_*.jpg"]).article(
        article.format("../../../images/column_head.jpg"), ISSUE + "content_1.htm")
    header_s = FounderArticle(article.format("../../../tplimg/column_head.jpg"), ISSUE + "content_1.htm")
    assert named.images == header_s.images == []
    assert named.paragraphs == header_s.paragraphs == ["社會工作", "正文。"]


def test_pictures_without_captions_keep_none_and_take_none_from_each_other():
    parsed = article_with(
        "<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td><img src=p2.jpg></td></tr><tr><td>第二張。</td></tr></table>"
        "<table id=newspic><tr><td><img src=p3.jpg></td></tr><tr><td>&nbsp;</td></tr></table>"
    )
    assert parsed.images == [ImageRef(ISSUE + "p1.jpg", ""), ImageRef(ISSUE + "p2.jpg", "第二張。"), ImageRef(ISSUE + "p3.jpg", "")]


@pytest.mark.parametrize("pictures", [
    # A picture row whose picture is missing (an <IMG> without a file), then its caption.
    "<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>&nbsp;</td></tr>"
    "<tr><td><img src=''></td></tr><tr><td>圖為活動現場。</td></tr></table>",
    "<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td><img></td></tr><tr><td>圖為活動現場。</td></tr></table>",
    # Another picture table, its picture missing: its caption row is no caption of the first's picture.
    "<table id=newspic><tr><td><img src=p1.jpg></td></tr></table>"
    "<table id=newspic><tr><td></td></tr><tr><td>圖為活動現場。</td></tr></table>",
])
def test_a_caption_under_a_missing_picture_is_no_caption_of_the_picture_before(pictures):
    parsed = article_with(pictures)
    assert parsed.images == [ImageRef(ISSUE + "p1.jpg", "")]
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize(("rows", "captions"), [
    # A caption naming both pictures of a stack: the first's, as one across two side by side.
    ("<tr><td><img src=p1.jpg></td></tr><tr><td height=4></td></tr><tr><td><img src=p2.jpg></td></tr>"
     "<tr><td>上圖：會議現場；下圖：社工入戶走訪。</td></tr>", ["上圖：會議現場；下圖：社工入戶走訪。", ""]),
    ("<tr><td><img src=p1.jpg></td></tr><tr><td><img src=p2.jpg></td></tr><tr><td>圖1為會議現場，圖2為社工入戶走訪。</td></tr>",
     ["圖1為會議現場，圖2為社工入戶走訪。", ""]),
    # A caption of one picture: the one it stands under.
    ("<tr><td><img src=p1.jpg></td></tr><tr><td><img src=p2.jpg></td></tr><tr><td>圖為社工入戶走訪。</td></tr>",
     ["", "圖為社工入戶走訪。"]),
    # A caption row between them: the stack is two captioned pictures, each its own.
    ("<tr><td><img src=p1.jpg></td></tr><tr><td>圖為會議現場。</td></tr><tr><td><img src=p2.jpg></td></tr>"
     "<tr><td>上圖：會議現場；下圖：社工入戶走訪。</td></tr>", ["圖為會議現場。", "上圖：會議現場；下圖：社工入戶走訪。"]),
])
def test_one_caption_under_stacked_pictures_of_table_newspic(rows, captions):
    parsed = article_with(f"<table id=newspic>{rows}</table>")
    assert parsed.images == [ImageRef(ISSUE + f"p{n}.jpg", caption) for n, caption in enumerate(captions, 1)]
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize("row", ["<TR VALIGN=TOP>", '<tr valign="Top">', "<TR vAlign=top>"])
def test_title_rows_are_found_whatever_the_case_of_valign(row):
    """An old table layout written in capitals (<TR VALIGN=TOP>): valign's value is no matter
    of case to a browser, whose CSS finds the rows; read as written, the title block was lost."""
    block = "<table class=wz>" + "".join(f"{row}<td>{cell}</td></tr>" for cell in ("引題", "主標題", "副題", "記者 皮磊")) + "</table>"
    parsed = article_with(block)
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("引題", "主標題", "副題", "記者 皮磊")


def test_text_c_title_block():
    parsed = article_with("<div class=text_c><h3>引題</h3><h1>主標題</h1><h2>副題</h2><h4>記者 皮磊</h4></div>")
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("引題", "主標題", "副題", "記者 皮磊")


@pytest.mark.parametrize("block", [
    "<div class=text_c><div class=tit><h3>引題</h3><h1>主標題</h1><h2>副題</h2><h4>記者 皮磊</h4></div></div>",
    "<div class=text_c><div><h3>引題</h3></div><div><h1>主標題</h1></div><div><h2>副題</h2></div><div><h4>記者 皮磊</h4></div></div>",
])
def test_text_c_title_block_whose_rows_are_wrapped_in_a_div(block):
    """Some papers set div.text_c's headings in a <div>: read as the block's children only, the
    title and subtitle were lost (the title taken from the metadata comment, or none)."""
    metadata = "<!--enpproperty <title>舊標題</title><introtitle>舊引題</introtitle><subtitle>舊副題</subtitle> /enpproperty-->"
    parsed = article_with(block + metadata)
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("引題", "主標題", "副題", "記者 皮磊")
    # A body set in div.text_c keeps its subheadings: none is read as a 副题.
    inside = block.replace("副題", "").replace("</div></div>", "</div><div id=ozoom><h2>一、小標題</h2><P>　　正文。</P></div></div>")
    parsed = FounderArticle(f"<html><body>{inside}</body></html>", ISSUE + "content_1.htm")
    assert (parsed.title, parsed.subtitle, parsed.paragraphs) == ("主標題", "", ["一、小標題", "正文。"])


@pytest.mark.parametrize("spam", [
    '<span style="display:none">久久综合网 亚洲一区二区</span>',
    '<font style="font-size:0px">久久综合网</font>',
    '<span style="position:absolute;left:-9999px">久久综合网</span>',
    "<span hidden>久久综合网</span>",
])
def test_text_a_kit_hides_in_a_heading_is_no_part_of_it(spam):
    """Hijacked copies hide keywords in the title block as in the body: read with them, the
    stored title ran on into the spam (主標題久久综合网), which the cleaner cannot tell apart."""
    rows = ["", f"主標題{spam}", f"{spam}副題", "記者 皮磊"]
    block = "<table class=wz>" + "".join(f"<tr valign=top><td>{cell}</td></tr>" for cell in rows) + "</table>"
    parsed = article_with(block)
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("", "主標題", "副題", "記者 皮磊")
    variant = article_with(f"<div class=text_c><h1>{spam}主標題<b style='font-size:0'><i style='font-size:18px'>續</i></b></h1></div>")
    assert variant.title == "主標題續"  # a size its child sets again is on screen


@pytest.mark.parametrize("sheet", ["", "<style>.k {display:none}</style>"], ids=["no style sheet", "a style sheet"])
def test_a_noscript_in_a_heading_is_no_part_of_it(sheet):
    """A browser that runs scripts shows nothing of a <noscript>, and the cleaner takes one out
    of the body as spam:script; in a heading its links (a kit's keywords) were stored in the
    title and 副题."""
    spam = "<noscript><a href='http://www.zhanqun.example/'>久久综合网</a> 亚洲一区二区</noscript>"
    rows = ["", f"{sheet}主標題{spam}", f"{spam}副題<span class=k>藏</span>", "記者 皮磊"]
    block = "<table class=wz>" + "".join(f"<tr valign=top><td>{cell}</td></tr>" for cell in rows) + "</table>"
    parsed = article_with(block)
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("", "主標題", "副題" + "藏" * (not sheet), "記者 皮磊")
    assert article_with(f"<div class=text_c>{sheet}<h1>主標題{spam}</h1></div>").title == "主標題"


@pytest.mark.parametrize(("sheet", "spam"), [
    (".k9 {display:none}", "<span class=k9>久久综合网 亚洲一区二区</span>"),
    ("span#k8 {position:absolute; left:-9999px}", "<span id=k8>久久综合网</span>"),
    (".wz .k7 a {display:none}", "<b class=k7><a href='http://www.zhanqun.example/'>久久综合网</a></b>"),  # an ancestor outside the row
    ("DIV.k6 > font, .other {font-size:0}", "<div class=k6><font>久久综合网</font></div>"),
])
@pytest.mark.parametrize("where", ["title block", "content region"])
def test_what_a_style_sheet_hides_in_a_heading_is_no_part_of_it(sheet, spam, where):
    """A kit's keywords hidden in a title row by a <style> rule, as the cleaner finds them in the
    body (a class, an id, a descendant selector): read with them, the title and 副题 ran on into
    the spam, and an empty 引题 row was spam alone."""
    style = f"<style>{sheet}</style>"
    rows = [style * (where == "title block") + spam, f"主標題{spam}", f"{spam}副題", "記者 皮磊"]
    block = "<table class=wz>" + "".join(f"<tr valign=top><td>{cell}</td></tr>" for cell in rows) + "</table>"
    parsed = article_with(block, style * (where == "content region") + "<P>　　正文。</P>")
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("", "主標題", "副題", "記者 皮磊")
    assert parsed.paragraphs == ["正文。"]


@pytest.mark.parametrize("sheet", [
    ".k9 a:hover {display:none}",  # a state: the link is on screen
    ".k9 {font-size:0} .k9 span {font-size:22px}",  # a size set again
    "@media print { .k9 {display:none} }",  # for print only
    "p.k9 {display:none}",  # another tag's class
])
def test_a_heading_keeps_what_a_style_sheet_does_not_hide(sheet):
    """The rules the body's cleaner does not read (tests/test_clean.py) keep a heading's text
    too; the sheet's other rule hides the keywords after it."""
    title = f"<style>{sheet} .x {{display:none}}</style><b class=k9><span>主標題</span></b>續<span class=x>久久综合网</span>"
    parsed = article_with(f"<table class=wz><tr valign=top><td></td></tr><tr valign=top><td>{title}</td></tr></table>")
    assert parsed.title == "主標題續"


def test_font01_font02_title_block():
    parsed = article_with("<table><tr><td class=font01>主標題</td></tr><tr><td class=font02>副題</td></tr></table>")
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("", "主標題", "副題", "")


@pytest.mark.parametrize(
    ("lead", "byline"),
    [
        ("■ 本报记者 皮磊", "本报记者 皮磊"),
        ("◎ 本报记者 皮磊", "本报记者 皮磊"),  # other papers' marks: ◎ □ ◆ ● ▲ ★ …
        ("◆本報記者 皮磊　　清晨七點，兒童之家的門準時打開。", "本報記者 皮磊"),
        ("本報特約記者 王五　通訊員 趙六", "本報特約記者 王五 通訊員 趙六"),
        ("　　本报记者从民政部获悉，全国社工站建设持续推进。", ""),  # a sentence, not a byline
        # Inside the first paragraph: run in before its text, or a dateline's reporters.
        ("■本報記者 皮磊　　清晨七點，兒童之家的門準時打開。", "本報記者 皮磊"),
        ("　　本報訊（記者 皮磊 通訊員 趙六）近日，兒童之家的門準時打開。", "記者 皮磊 通訊員 趙六"),
        ("　　本報北京1月31日電　（記者 皮磊）民政部日前召開會議。", "記者 皮磊"),
        ("　　本報訊　近日，記者（皮磊）走訪了兒童之家。", ""),
        ("　　本報記者走訪了兒童之家　　孩子們放學後有地方去了。", ""),  # a sentence before the gap
    ],
)
def test_byline_from_a_lead_paragraph(lead, byline):
    parsed = article_with("", f"<P>{lead}</P><P>　　正文。</P>")
    assert parsed.byline == byline
    assert len(parsed.paragraphs) == 2


@pytest.mark.parametrize(
    ("lead", "byline"),
    [
        ("■ 本报记者 阿不都·热合曼", "本报记者 阿不都·热合曼"),
        ("本报记者 买买提明·阿不都热合曼 通讯员 李四", "本报记者 买买提明·阿不都热合曼 通讯员 李四"),
        # More names than the line's thirty characters hold, each dotted name one of them.
        ("本报记者 买买提明·阿不都热合曼 艾力·吾甫尔 通讯员 阿依古丽·买买提", "本报记者 买买提明·阿不都热合曼 艾力·吾甫尔 通讯员 阿依古丽·买买提"),
        # Run in before the first paragraph's text, every mark papers print the dot with.
        ("■本报记者 阿不都·热合曼　　清晨七点，儿童之家的门准时打开。", "本报记者 阿不都·热合曼"),
        ("本报记者 买买提明•阿不都热合曼 通讯员 李四　　清晨七点，儿童之家的门准时打开。", "本报记者 买买提明•阿不都热合曼 通讯员 李四"),
        ("本报记者 阿不都・热合曼 艾力‧吾甫尔　　清晨七点，儿童之家的门准时打开。", "本报记者 阿不都・热合曼 艾力‧吾甫尔"),
        ("　　本报讯（记者 买买提明·阿不都热合曼）近日，儿童之家的门准时打开。", "记者 买买提明·阿不都热合曼"),
        # A name in Latin letters is one word too, however long (up to 24 letters).
        ("本报记者 Johnson　　清晨七点，儿童之家的门准时打开。", "本报记者 Johnson"),
        ("本报记者 Christopher Hansen 通讯员 李四　　清晨七点，儿童之家的门准时打开。", "本报记者 Christopher Hansen 通讯员 李四"),
        # Directly before a slash, as a Chinese name (本报记者 张三/李四) is.
        ("本报记者 Johnson/李四　　清晨七点，儿童之家的门准时打开。", "本报记者 Johnson/李四"),
        ("本报记者 张三/李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三/李四"),
        # A photographer's credit after the names is no part of the byline, alone on its line or
        # run in; and the text after the indent's gap none, punctuated or not.
        ("本报记者 张三/图/李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三"),
        ("本报记者 张三 图/李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三"),
        ("本报记者 张三 / 图/李四　　清晨七点儿童之家的门准时打开……", "本报记者 张三"),
        ("■ 本报记者 张三/图/李四", "本报记者 张三"),
        ("本报记者 张三　　张罗社区活动的人越来越多了！", "本报记者 张三"),
        ("本报记者 阿不都·热合曼　　张罗社区活动的人越来越多了！", "本报记者 阿不都·热合曼"),
        ("本报记者 张三　　通讯员 李四", "本报记者 张三 通讯员 李四"),  # a gap before another role's names
        # Run in too: each role's names before the text, parted by such gaps.
        ("本报记者 张三　　通讯员 李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三 通讯员 李四"),
        ("本报记者 张三　　通讯员 李四　　实习生 王五　　清晨七点，儿童之家的门准时打开。", "本报记者 张三 通讯员 李四 实习生 王五"),
        ("本报记者 张三　　记者从民政部获悉，全国社工站建设持续推进。", "本报记者 张三"),
        # A slash with blanks beside it parts names as one without does, stored without them.
        ("本报记者 张三 / 李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三/李四"),
        ("■ 本报记者 张三 ／ 李四", "本报记者 张三／李四"),
        # A name of four characters whole; a middle dot after the role parts it from the names as a blank.
        ("本报记者 陈方安生　　清晨七点，儿童之家的门准时打开。", "本报记者 陈方安生"),
        ("本报记者·张三　　清晨七点，儿童之家的门准时打开。", "本报记者 张三"),
        ("本报记者 ·张三 通讯员·李四", "本报记者 张三 通讯员 李四"),
        ("　　本报讯（记者·张三）近日，儿童之家的门准时打开。", "记者 张三"),
        # A heading with a middle dot, no role before it, is no byline.
        ("走基层·看变化", ""),
        ("■ 走基层·看变化", ""),
        ("走基层·看变化　　清晨七点，儿童之家的门准时打开。", ""),
    ],
)
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_lead_line_reads_a_dotted_or_latin_name_whole(lead, byline, script):
    """A lead line run in before the text read a name of at most five characters: 本报记者
    阿不都·热合曼 there was no byline; alone on its line, thirty characters held too few such names."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == convert(byline)


@pytest.mark.parametrize(
    ("lead", "byline"),
    [
        # The role run into the name, as papers commonly print it, 本报 before it or not.
        ("记者张三 北京报道", "记者张三 北京报道"),
        ("本报记者张三", "本报记者张三"),
        ("■ 本报记者皮磊", "本报记者皮磊"),
        ("通讯员李四 王五", "通讯员李四 王五"),
        ("记者 张三 通讯员 李四", "记者 张三 通讯员 李四"),
        ("本报记者张三 通讯员李四　　清晨七点，儿童之家的门准时打开。", "本报记者张三 通讯员李四"),
        ("记者张三　　清晨七点，儿童之家的门准时打开。", "记者张三"),
        ("本报记者阿不都·热合曼", "本报记者阿不都·热合曼"),
        ("本报记者Johnson", "本报记者Johnson"),
        # Names parted by a comma as by 、, alone on the line or run in.
        ("本报记者 张三、李四", "本报记者 张三、李四"),
        ("本报记者 张三，李四", "本报记者 张三，李四"),
        ("本报记者 张三，李四　　清晨七点，儿童之家的门准时打开。", "本报记者 张三，李四"),
        ("本报记者张三、李四　　清晨七点，儿童之家的门准时打开。", "本报记者张三、李四"),
        # Run into the role, a phrase is no name; nor is one among names a comma parts.
        ("本报记者跟踪报道", ""),
        ("记者 深入报道", ""),
        ("本报记者走访", ""),
        ("记者手记", ""),
        ("记者从新疆维吾尔自治区", ""),  # seed 004's sentence, as a hard-wrapped line
        ("本报记者走访　　清晨七点，儿童之家的门准时打开。", ""),
        ("本报记者 张三，深入一线", ""),
        ("本报记者从民政部获悉，全国社工站建设持续推进", ""),
        # A surname of the 百家姓 beyond the commonest (甄, 祁, 焦) or a compound one of it
        # (宗政), run into the role: alone over the text, run in before it, or before 报道.
        ("本报记者甄子丹", "本报记者甄子丹"),
        ("■ 记者祁小明", "记者祁小明"),
        ("本报记者甄子丹　　清晨七点，儿童之家的门准时打开。", "本报记者甄子丹"),
        ("本报记者焦小明报道", "本报记者焦小明报道"),
        ("本报记者宗政小明 通讯员李四", "本报记者宗政小明 通讯员李四"),
        # An intern's credit first, 本报 before it or not, the name run in or apart.
        ("实习生 张三 记者 李四", "实习生 张三 记者 李四"),
        ("本报实习生张三", "本报实习生张三"),
        ("■ 实习生 甄子丹", "实习生 甄子丹"),
        ("实习生 张三　　记者 李四　　清晨七点，儿童之家的门准时打开。", "实习生 张三 记者 李四"),
        ("本报实习生张三　　清晨七点，儿童之家的门准时打开。", "本报实习生张三"),
        # Still no byline: a phrase run into the role, an intern's too.
        ("记者节快乐", ""),
        ("实习生走访　　清晨七点，儿童之家的门准时打开。", ""),
        ("本报实习生从民政部获悉，全国社工站建设持续推进", ""),
    ],
)
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_lead_line_with_the_role_run_into_the_names_or_names_parted_by_commas(lead, byline, script):
    """记者张三 北京报道 (no 本报, the role run into the name) and 本报记者 张三，李四 (names a comma
    parts) were no byline, while 本报记者 张三、李四 was one; 本报记者走访 was one. A name run into its
    role whose surname was not among the hundred commonest and a few more (本报记者甄子丹) was no
    byline, nor was a lead line whose first role is an intern's (实习生 张三 记者 李四, 本报实习生张三)."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == convert(byline)


@pytest.mark.parametrize("lead", [
    "记者 手记", "■ 记者 手记", "本报记者 观察", "记者 调查", "记者 述评", "记者·观察", "实习生 手记",
    "记者 手记　　清晨七点，儿童之家的门准时打开。", "本报记者 调查　　清晨七点，儿童之家的门准时打开。",
    # A heading a surname opens (连, 时, 焦, 辛), run into the role or apart.
    "记者连线", "记者 时评", "本报记者焦点报道", "记者辛苦了",
    # A second role run into the first, no name after it (通, 实 open surnames of the 百家姓).
    "本报记者通讯员", "记者实习生",
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_column_heading_after_the_role_is_no_byline(lead, script):
    """记者 手记 (a column's heading, 手记 no name) was stored as the byline, a blank between the
    role and the heading: 记者手记, 记者观察, 记者调查, 记者述评 head a column. The line stays in the text."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == ""
    assert parsed.paragraphs[0] == convert(lead).strip()


@pytest.mark.parametrize("surname", "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 南宫 西门 独孤 澹台"
                                    " 公冶 申屠 轩辕".split())
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_closing_name_of_four_characters_is_a_name_with_a_compound_surname(surname, script):
    """记者 深入一线 closing the text was stored as a byline: four characters are a name only
    with a compound surname (or two surnames joined), in either script."""
    convert = in_script(script)
    text = [convert("项目覆盖全省。")]
    assert closing_byline(text + [convert(f"记者 {surname}小明")]) == convert(f"记者 {surname}小明")
    assert closing_byline(text + [convert(f"■ 本报记者 {surname}小明 通讯员 张三")]) == convert(f"本报记者 {surname}小明 通讯员 张三")
    assert closing_byline(text + [convert("记者 深入一线")]) == ""


@pytest.mark.parametrize("lead", [
    "本报记者 张三 北京报道", "本报记者 张三 通讯员 李四 发自北京", "本报记者 张三 北京报道　　清晨七点，儿童之家的门准时打开。",
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_lead_line_closing_with_where_it_was_reported_from_is_the_byline(lead, script):
    """北京报道, 发自北京 after the names are no person's names, nor a heading's phrase: the line is
    the byline as it was before a lead line's names had to be people's."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == convert(lead.split("　　")[0])


@pytest.mark.parametrize("lead", [
    # Prose run into the role: a word that goes on a sentence about the reporter (都, 和, 能, 从)
    # opens it, though each is a surname of the 百家姓.
    "记者都来了", "本报记者都来了", "记者都来了　　清晨七点，儿童之家的门准时打开。", "记者和他", "记者能否",
    "记者从新疆", "本报记者从民政　　清晨七点，儿童之家的门准时打开。",
    # A word after a blank that no surname opens (微博, 微信): a heading's, no name.
    "记者 微博", "■ 本报记者 微信", "本报记者 微博　　清晨七点，儿童之家的门准时打开。", "本报记者 张三 微博",
    # Bracketed names are judged as names without brackets are.
    "　　本报讯（记者 深入一线）近日，儿童之家的门准时打开。", "　　本报讯（记者 微博）近日，儿童之家的门准时打开。",
    "　　本报北京1月31日电（记者都来了）民政部日前召开会议。",
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_prose_or_a_word_no_surname_opens_after_the_role_is_no_byline(lead, script):
    """With the whole 百家姓, 记者都来了 was stored as a byline (都 a surname), and a word after a
    blank (记者 微博) or in a dateline's brackets (本报讯（记者 深入一线）) was taken unchecked."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == ""


@pytest.mark.parametrize(("lead", "byline"), [
    # A two-character name padded to three characters' width, the surname alone (王 磊, 欧阳 明).
    ("本报记者 王 磊", "本报记者 王 磊"), ("■ 记者 欧阳 明 通讯员 皮磊", "记者 欧阳 明 通讯员 皮磊"),
    # After a blank, a rare surname of the 百家姓 opens a name, that one too (和, 都).
    ("本报记者 甄子丹、和平安", "本报记者 甄子丹、和平安"), ("记者 都小明", "记者 都小明"),
    ("　　本报讯（记者 皮磊 通讯员 甄子丹）近日，儿童之家的门准时打开。", "记者 皮磊 通讯员 甄子丹"),
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_name_a_blank_parts_from_the_role_is_read_by_its_surname(lead, byline, script):
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == convert(byline)


@pytest.mark.parametrize("lead", [
    "本报记者 深入一线　　清晨七点，儿童之家的门准时打开。", "■ 本报记者 深入一线", "本报记者 走进社区",
    "本报记者 张三　　通讯员 深入一线　　清晨七点，儿童之家的门准时打开。",
    # Two surnames open these phrases (方向, 黄金), which are words of their own: no name.
    "本报记者 方向明确　　清晨七点，儿童之家的门准时打开。", "■ 本报记者 黄金时代",
])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_lead_line_whose_words_after_the_role_are_a_phrase_is_no_byline(lead, script):
    """本报记者 深入一线 over the text was stored as the byline, its phrase the names: a lead line's
    names are people's as a closing byline's are. The line stays in the text."""
    convert = in_script(script)
    parsed = article_with("", f"<P>{convert(lead)}</P><P>　　正文。</P>")
    assert parsed.byline == ""
    assert parsed.paragraphs[0] == convert(lead).strip()


@pytest.mark.parametrize("spam", _HIDDEN_SPAM.values(), ids=_HIDDEN_SPAM.keys())
def test_a_byline_and_a_source_read_from_the_text_leave_out_what_it_hides(spam):
    """The lead byline and the closing source note were read from the content region's lines
    as written: the cleaner took the keywords a kit hid in them out of the text, but the
    byline (本報記者 皮磊久久综合网) and the source kept them."""
    sheet = "<style>.k9 {display:none}</style>"
    parsed = article_with(sheet, f"<P>■ 本報記者 皮磊{spam}</P><P>　　正文。</P><P>　　（據民政部官網{spam}）</P>")
    assert (parsed.byline, parsed.source) == ("本報記者 皮磊", "據民政部官網")
    dateline = article_with(sheet, f"<P>　　本報訊（記者 皮磊{spam}）正文。</P><P>　　來源：民政部官網{spam}</P>")
    assert (dateline.byline, dateline.source) == ("記者 皮磊", "來源：民政部官網")


@pytest.mark.parametrize(("sheet", "hidden"), [
    ("", '<P style="display:none">久久综合网</P>'),
    ("<style>.k9 {display:none}</style>", "<P class=k9>久久综合网</P><noscript><P>亚洲一区二区</P></noscript>"),
])
def test_a_byline_after_lines_css_hides_is_the_lead_line(sheet, hidden):
    """A kit's keywords in a hidden paragraph before the lead byline were taken for its lead
    line: no byline was found, though the reader sees the byline first. A line shown before
    it (a lead paragraph of the paper's) still means there is none."""
    assert article_with(sheet, f"{hidden}<P>■ 本报记者 皮磊</P><P>　　正文。</P>").byline == "本报记者 皮磊"
    assert article_with(sheet, f"{hidden}<P>导语。</P><P>■ 本报记者 皮磊</P><P>　　正文。</P>").byline == ""


@pytest.mark.parametrize(("sheet", "hidden"), [
    ("<style>.k9 {display:none}</style>", "<P class=k9>{}</P>"),
    ("", '<P style="display:none">{}</P>'),
    ("", "<noscript><P>{}</P></noscript>"),
])
def test_a_hidden_line_is_neither_the_byline_nor_the_source(sheet, hidden):
    """A line CSS hides that reads as a byline (or a source note) was stored as the article's,
    in place of the one the reader is shown, as the file's HTML holds it as it is."""
    lead = article_with(sheet, hidden.format("本报记者 李四") + "<P>本报记者 张三</P><P>　　正文。</P>")
    assert lead.byline == "本报记者 张三"
    closing = article_with(sheet, "<P>　　正文。</P><P>（据民政部官网）</P>" + hidden.format("（据久久综合网）"))
    assert closing.source == "据民政部官网"


@pytest.mark.parametrize("row", ["■ 本报记者 皮磊", "◎本报记者　皮磊", "本报记者 皮磊"])
@pytest.mark.parametrize("where", ["title block", "metadata"])
def test_a_byline_is_stored_without_the_mark_before_it_wherever_it_is_read(row, where):
    """The body's lead line lost its ■; the title block's 作者 row and the metadata's author kept it."""
    rows = ["", "主標題", "", row if where == "title block" else ""]
    block = "<table class=wz>" + "".join(f"<tr valign=top><td>{cell}</td></tr>" for cell in rows) + "</table>"
    metadata = f"<!--enpproperty <author>{row}</author> /enpproperty-->" if where == "metadata" else ""
    assert article_with(block + metadata).byline == "本报记者 皮磊"


def test_title_fields_fall_back_to_the_metadata_comment():
    html = (
        "<html><body><div id=ozoom><P>　　正文。</P></div></body></html>"
        "<!--enpproperty <articleid>21904</articleid><date>2023-02-07</date><author>皮磊</author>"
        "<title>主標題</title><subtitle>副題</subtitle><introtitle>引題</introtitle> /enpproperty-->"
    )
    parsed = FounderArticle(html, ISSUE_GBK + "article.html")
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == ("引題", "主標題", "副題", "皮磊")
    assert parsed.article_id == "21904"
    assert parsed.issue_date == date(2023, 2, 7)
    assert parsed.section == ""
    # The comment's name in any case.
    shouting = FounderArticle(html.replace("enpproperty", "ENPProperty"), ISSUE_GBK + "article.html")
    assert (shouting.title, shouting.article_id) == ("主標題", "21904")


@pytest.mark.parametrize("block", [
    "<table class=wz><tr valign=top><td></td></tr><tr valign=top><td>主標題</td></tr>"
    "<tr valign=top><td></td></tr><tr valign=top><td></td></tr></table>",
    "<div class=text_c><h3></h3><h1>主標題</h1><h2></h2><h4></h4></div>",
    "<p id=PreTitle></p><h3 id=Title>主標題</h3><p id=SubTitle></p>",
    "<table><tr><td class=font01>主標題</td></tr><tr><td class=font02></td></tr></table>",
])
def test_a_pretitle_or_subtitle_the_title_block_shows_empty_is_none_whatever_the_metadata_says(block):
    metadata = "<!--enpproperty <title>主標題</title><introtitle>舊引題</introtitle><subtitle>舊副題</subtitle> /enpproperty-->"
    parsed = article_with(block + metadata)
    pretitle = "" if "font01" not in block else "舊引題"  # a layout with no 引題 element: the comment's
    assert (parsed.pretitle, parsed.title, parsed.subtitle) == (pretitle, "主標題", "")


def test_the_metadata_comment_s_character_references_are_read():
    html = (
        "<html><body><div id=ozoom><P>　　正文。</P></div></body></html><!--enpproperty <articleid>21904</articleid>"
        "<title>“五社聯動”&nbsp;見成效&amp;新進展</title><introtitle>&lt;民政動態&gt;</introtitle>"
        "<author>皮磊&#12288;趙六</author><nodename>社會&nbsp;工作</nodename> /enpproperty-->"
    )
    parsed = FounderArticle(html, ISSUE_GBK + "content_21904.htm")
    assert (parsed.title, parsed.pretitle, parsed.byline, parsed.section) == (
        "“五社聯動” 見成效&新進展", "<民政動態>", "皮磊 趙六", "社會 工作")


def test_lines_split_at_br_when_there_are_no_paragraphs():
    html = "<div id=ozoom><founder-content>\n　　第一段，\n 接著寫。<BR>　　第二段。<br><br>&nbsp;　　（据新华社）\n</founder-content></div>"
    parsed = FounderArticle(html, ISSUE_GBK + "content_21904_2.htm")
    assert parsed.paragraphs == ["第一段，接著寫。", "第二段。", "（据新华社）"]
    assert parsed.source == "据新华社"
    assert parsed.article_id == "21904_2"


# The main fixture's last paragraph ends with its source note; real sites also set the note
# outside any <P>, after the last one and before whatever a spam kit appended.
_NOTED = "實現社會工作高質量發展。(據民政部官網)</P>"


def with_closing(after_last_paragraph: str, note_in_paragraph: str = "") -> FounderArticle:
    """The main fixture with its source note moved out of the last paragraph, to after it."""
    html = load("content_article.htm")
    assert html.count(_NOTED) == 1
    html = html.replace(_NOTED, f"實現社會工作高質量發展。{note_in_paragraph}</P>{after_last_paragraph}")
    return FounderArticle(html, ISSUE + "content_21853.htm")


@pytest.mark.parametrize(
    ("after", "line", "source"),
    [
        ("\n　　(據民政部官網)\n", "(據民政部官網)", "據民政部官網"),  # bare text after the last </P>
        ("<div align=right>（據《中國社會報》）</div>", "（據《中國社會報》）", "據《中國社會報》"),
        ("<br>（据《中国社会报》）<br>", "（据《中国社会报》）", "据《中国社会报》"),
        ("\n<font color=#666666>(據新華社)</font>\n", "(據新華社)", "據新華社"),
        ("<span class=ly>　　來源：新華社</span>", "來源：新華社", "來源：新華社"),
        ("<br>\n本文来源: 人民网", "本文来源: 人民网", "本文来源: 人民网"),
        ("<P align=right><font>稿件來源：公益時報</font></P>", "稿件來源：公益時報", "稿件來源：公益時報"),
        ("<div>【來源：民政部官網】</div>", "【來源：民政部官網】", "來源：民政部官網"),
    ],
)
def test_a_source_note_outside_the_paragraphs_is_the_source(after, line, source):
    from crawler.spiders.issues import article_item
    from pipelines.clean import CleanPipeline, clean_body

    parsed = with_closing(after)
    # A 来源 line alone is the note where it closes the text: to the page object the kit's farm
    # after it is a line of the text; the cleaned text, which ends with the note, has it.
    assert parsed.source == (source if line.endswith(("）", ")", "】")) else "")
    context = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31", "issue_url": ISSUE,
               "page_number": 7, "page_url": ISSUE + "node_7.htm"}
    assert CleanPipeline().process_item(article_item(parsed, context, parsed.url, "")).source == source
    paragraphs = main_paragraphs()
    # A line of the body (the cleaner's paragraphs and the page object's), the last paragraph whole.
    assert parsed.paragraphs == [*paragraphs[:-2], paragraphs[-2].removesuffix("(據民政部官網)"), line, paragraphs[-1]]
    cleaned = clean_body(parsed.body_element).paragraphs
    assert cleaned[-2:] == [paragraphs[-2].removesuffix("(據民政部官網)"), line]


def test_a_link_farm_a_title_a_line_after_the_note_hides_it_from_no_stored_source():
    """More lines of junk after the note than the page object looks back over: the cleaned
    text, which ends with the article's own lines, has it."""
    from crawler.spiders.issues import article_item
    from pipelines.clean import CleanPipeline

    titles = ["亚洲人成网站999久久久综合", "久久综合亚洲色一区二区三区", "亚洲综合网站色欲色欲", "天天干天天射综合网", "国产成人综合久久综合"]
    farm = "".join(f'<P><a href="http://www.{n}.example/">{title}</a></P>' for n, title in enumerate(titles))
    parsed = with_closing(f"<div>（據新華社）</div>{farm}")
    assert parsed.source == ""  # its last three lines are the farm's
    context = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-01-31", "issue_url": ISSUE,
               "page_number": 7, "page_url": ISSUE + "node_7.htm"}
    item = CleanPipeline().process_item(article_item(parsed, context, parsed.url, ""))
    assert item.paragraphs[-1] == "（據新華社）" and item.source == "據新華社"


@pytest.mark.parametrize(
    ("after", "note"),
    [
        ("\n　　據了解,目前全國已有18個省出臺志愿服務法規\n", ""),  # a sentence beginning with 據
        ("<div>　　據介紹,今年來全國新增社工站5000個</div>", ""),
        ("", "(據統計)"),  # 據 as 'according to the figures', bracketed after the sentence
        ("", "(據不完全統計)"),
    ],
)
def test_a_last_paragraph_that_merely_holds_ju_is_no_source(after, note):
    parsed = with_closing(after, note)
    assert parsed.source == ""
    assert parsed.paragraphs[-2].startswith(("據", "（據", "會議提出")) and parsed.paragraphs[-2].endswith(("法規", "5000個", "統計)", "統計）"))


def test_a_bracket_inside_a_sentence_is_no_source_note():
    parsed = article_with("", "<P>　　社工站建設取得積極進展。</P><P>　　全國已建成社工站2.9萬個(據民政部統計)</P>")
    assert parsed.source == ""
    assert article_with("", "<P>　　全國已建成社工站2.9萬個。(據民政部)</P>").source == "據民政部"


def _pictures_inside(html: str, more: int = 0, into: str = _NOTED) -> str:
    """``html`` (the main fixture) with its picture table, and ``more`` pictures, set inside
    the content region after ``into``, as some papers set pictures below the text."""
    start = html.index("<table id=newspic")
    end = html.index("</table>", start) + len("</table>")
    table = html[start:end]
    extra = "".join(f"<tr><td><IMG src=../../../images/2023-01/31/07/res0{n}_attpic_brief.jpg></td></tr>"
                    f"<tr><td class=font6>圖{n}：社工入戶走訪。</td></tr>" for n in range(2, 2 + more))
    table = table.replace("</table>", f"{extra}</table>")
    return (html[:start] + html[end:]).replace(into, f"{into}\n{table}\n")


def test_pictures_set_inside_the_content_region_are_pictures_not_text():
    from pipelines.clean import clean_body

    parsed = FounderArticle(_pictures_inside(load("content_article.htm"), more=2), ISSUE + "content_21853.htm")
    captions = ["全國志愿服務和社會工作電視電話會議現場。", "圖2：社工入戶走訪。", "圖3：社工入戶走訪。"]
    assert [image.caption for image in parsed.images] == captions
    assert parsed.images[2].url == IMAGES + "2023-01/31/07/res03_attpic_brief.jpg"
    # No caption in the text: the source note stays among its last lines.
    assert parsed.paragraphs == main_paragraphs()
    assert parsed.source == "據民政部官網"
    cleaned = clean_body(parsed.body_element).paragraphs
    assert cleaned == main_paragraphs()[:-1] and not set(captions) & {*cleaned, *parsed.body_html.split(">")}


def test_a_picture_story_with_its_pictures_inside_the_content_region_has_no_text():
    html = load("content_article.htm")
    start, end = html.index("<!--<npm:article-content>-->"), html.index("<!--</npm:article-content>-->")
    story = _pictures_inside(html[:start] + "<!--<npm:article-content>--><P>&nbsp;</P>" + html[end:], more=1,
                             into="<!--<npm:article-content>-->")
    parsed = FounderArticle(story, ISSUE + "content_21853.htm")
    assert (parsed.extraction, parsed.paragraphs, parsed.source) == ("template", [], "")
    assert [image.caption for image in parsed.images] == ["全國志愿服務和社會工作電視電話會議現場。", "圖2：社工入戶走訪。"]


_RES = "../../../images/2023-01/31/07/res0{}_attpic_brief.jpg"


def _with_picture_table(rows: str) -> FounderArticle:
    """The main fixture with its picture table's rows replaced by ``rows``."""
    html = load("content_article.htm")
    start = html.index(">", html.index("<table id=newspic")) + 1
    return FounderArticle(html[:start] + rows + html[html.index("</table>", start):], ISSUE + "content_21853.htm")


@pytest.mark.parametrize(("rows", "captions"), [
    # Side by side, a cell each, the captions in the next row's cells.
    (f'<tr><td align=center><IMG src="{_RES.format(1)}" width=290></td><td align=center><IMG src="{_RES.format(2)}" width=290></td></tr>'
     '<tr><td align=center class=font6>圖1：會議現場。</td><td align=center class=font6>圖2：社工入戶走訪。</td></tr>',
     ["圖1：會議現場。", "圖2：社工入戶走訪。"]),
    # Each caption in its picture's own cell, under it.
    (f'<tr><td align=center><IMG src="{_RES.format(1)}"><BR>圖1：會議現場。</td><td align=center><IMG src="{_RES.format(2)}"><BR>圖2：社工入戶走訪。</td></tr>',
     ["圖1：會議現場。", "圖2：社工入戶走訪。"]),
    # A gap cell between them, and under it none: each caption under its own picture's column.
    (f'<tr><td><IMG src="{_RES.format(1)}"></td><td width=10>&nbsp;</td><td><IMG src="{_RES.format(2)}"></td></tr>'
     '<tr><td class=font6>圖1：會議現場。</td><td></td><td class=font6>圖2：社工入戶走訪。</td></tr>',
     ["圖1：會議現場。", "圖2：社工入戶走訪。"]),
    # One caption across both (colspan): the first picture's, not repeated on the second.
    (f'<tr><td><IMG src="{_RES.format(1)}"></td><td><IMG src="{_RES.format(2)}"></td></tr>'
     '<tr><td colspan=2 class=font6>左圖：會議現場；右圖：社工入戶走訪。</td></tr>',
     ["左圖：會議現場；右圖：社工入戶走訪。", ""]),
])
def test_two_pictures_in_one_row_are_both_stored_each_with_its_caption(rows, captions):
    parsed = _with_picture_table(rows)
    assert parsed.images == [ImageRef(IMAGES + f"2023-01/31/07/res0{n}_attpic_brief.jpg", caption)
                             for n, caption in enumerate(captions, 1)]
    assert parsed.paragraphs == main_paragraphs()


@pytest.mark.parametrize(("cells", "caption"), [
    # The template's caption row, its credit in a cell of its own: apart as the cells stood.
    ('<td align=center class=font6>圖為會議現場</td><td align=right class=font6>本報記者 皮磊 攝</td>', "圖為會議現場 本報記者 皮磊 攝"),
    # A mark or a blank at the joint parts them already.
    ('<td class=font6>圖為會議現場。</td><td class=font6>本報記者 皮磊 攝</td>', "圖為會議現場。本報記者 皮磊 攝"),
    ('<td class=font6>圖為會議現場</td><td class=font6>（本報記者 皮磊 攝）</td>', "圖為會議現場（本報記者 皮磊 攝）"),
    ('<td class=font6>圖為會議現場&nbsp;</td><td class=font6>本報記者 皮磊 攝</td>', "圖為會議現場 本報記者 皮磊 攝"),
    ('<td class=font6>Volunteers at work.</td><td></td><td class=font6>Photo: Pi Lei</td>', "Volunteers at work. Photo: Pi Lei"),
])
def test_a_caption_split_over_cells_under_one_picture_keeps_them_apart(cells, caption):
    from pipelines.normalize import normalize_text

    parsed = _with_picture_table(f'<tr><td align=center colspan=3><IMG src="{_RES.format(1)}" width=400></td></tr><tr>{cells}</tr>')
    assert parsed.images == [ImageRef(IMAGES + "2023-01/31/07/res01_attpic_brief.jpg", caption)]
    assert parsed.paragraphs == main_paragraphs()
    # Stored as read: normalisation keeps a space between two Han characters.
    assert normalize_text(caption) == caption


def test_a_row_of_two_pictures_then_a_row_of_one_keep_their_captions_apart():
    parsed = _with_picture_table(
        f'<tr><td><IMG src="{_RES.format(1)}"></td><td><IMG src="{_RES.format(2)}"></td></tr>'
        '<tr><td>圖1。</td><td>圖2。</td></tr>'
        f'<tr><td colspan=2><IMG src="{_RES.format(3)}"></td></tr><tr><td colspan=2>圖3。</td></tr>'
    )
    assert [(image.url[-22:], image.caption) for image in parsed.images] == [
        ("res01_attpic_brief.jpg", "圖1。"), ("res02_attpic_brief.jpg", "圖2。"), ("res03_attpic_brief.jpg", "圖3。")]


_FIRST = "<P>　　會議指出,2022年我國志愿服務工作取得一系列新進展。</P>"


def _bare_picture(before_second_paragraph: str) -> FounderArticle:
    """The main fixture with markup set in its content region before the second paragraph."""
    html = load("content_article.htm")
    assert html.count(_FIRST) == 1
    return FounderArticle(html.replace(_FIRST, before_second_paragraph + "\n" + _FIRST), ISSUE + "content_21853.htm")


@pytest.mark.parametrize(("markup", "caption"), [
    # The picture in a paragraph of its own, the caption in the next, as the template sets them.
    (f'<P align=center><IMG src="{_RES.format(3)}" border=0></P>\n<P align=center>圖為會議現場。</P>', "圖為會議現場。"),
    (f'<P align=center><IMG src="{_RES.format(3)}" border=0></P>\n<P>　　圖：社工入戶走訪。</P>', "圖：社工入戶走訪。"),
    (f'<CENTER><IMG src="{_RES.format(3)}"></CENTER><P align=center>社工入戶走訪。 本報記者 皮磊 攝</P>', "社工入戶走訪。 本報記者 皮磊 攝"),
    # Under the picture in its own paragraph, after a line break.
    (f'<P align=center><IMG src="{_RES.format(3)}" border=0><BR>會議現場</P>', "會議現場"),
    (f'<DIV align=center><A href="{_RES.format(3)}" target=_blank><IMG src="{_RES.format(3)}"></A><BR><FONT size=2>會議現場</FONT></DIV>', "會議現場"),
    # Alone: the paragraph after it is the article's.
    (f'<P align=center><IMG src="{_RES.format(3)}" border=0></P>', ""),
    # Set in the content region itself, in no paragraph: its caption on its line, up to a <BR>.
    (f'<IMG src="{_RES.format(3)}" border=0>圖為會議現場。<BR>', "圖為會議現場。"),
    (f'<IMG src="{_RES.format(3)}" border=0><BR>社工入戶走訪 本報記者 皮磊 攝<BR>', "社工入戶走訪 本報記者 皮磊 攝"),
    (f'<A href="{_RES.format(3)}" target=_blank><IMG src="{_RES.format(3)}"></A><BR><FONT size=2>圖：社工入戶走訪。</FONT><BR>',
     "圖：社工入戶走訪。"),
    # Or the next paragraph, where it reads as a caption.
    (f'<IMG src="{_RES.format(3)}" border=0>\n<P align=center>圖為會議現場。</P>', "圖為會議現場。"),
    # Wrapped in <FONT> or <SPAN> (or both, nested), as old editors set it: the same rules.
    (f'<FONT size=2><IMG src="{_RES.format(3)}" border=0></FONT>圖為會議現場。<BR>', "圖為會議現場。"),
    (f'<SPAN><FONT face=宋體 size=3><IMG src="{_RES.format(3)}" border=0></FONT></SPAN><BR>社工入戶走訪 本報記者 皮磊 攝<BR>',
     "社工入戶走訪 本報記者 皮磊 攝"),
    (f'<FONT size=2><A href="{_RES.format(3)}"><IMG src="{_RES.format(3)}"></A></FONT><BR>圖：社工入戶走訪。<BR>', "圖：社工入戶走訪。"),
    (f'<FONT size=2><IMG src="{_RES.format(3)}" border=0><BR>圖：社工入戶走訪。</FONT><BR>', "圖：社工入戶走訪。"),
    (f'<SPAN><FONT size=2><IMG src="{_RES.format(3)}"><BR></FONT>圖為會議現場。</SPAN><BR>', "圖為會議現場。"),
    (f'<FONT><IMG src="{_RES.format(3)}"></FONT>\n<P align=center>圖為會議現場。</P>', "圖為會議現場。"),
    (f'<SPAN><IMG src="{_RES.format(3)}"><BR></SPAN>\n<P align=center>圖為會議現場。</P>', "圖為會議現場。"),
    (f'<P align=center><FONT size=2><IMG src="{_RES.format(3)}"></FONT><BR>會議現場</P>', "會議現場"),
])
def test_a_bare_picture_in_the_content_region_is_stored_with_its_caption_out_of_the_text(markup, caption):
    from pipelines.clean import clean_body

    parsed = _bare_picture(markup)
    assert parsed.images == [
        ImageRef(IMAGES + "2023-01/31/07/res01_attpic_brief.jpg", "全國志愿服務和社會工作電視電話會議現場。"),
        ImageRef(IMAGES + "2023-01/31/07/res03_attpic_brief.jpg", caption),
    ]
    assert parsed.paragraphs == main_paragraphs()
    assert clean_body(parsed.body_element).paragraphs == main_paragraphs()[:-1]


@pytest.mark.parametrize("markup", [
    # A centred subheading under a picture is the article's, as is an ordinary paragraph.
    f'<P align=center><IMG src="{_RES.format(3)}"></P><P align=center><B>一、政策法規不斷完善</B></P>',
    f'<P align=center><IMG src="{_RES.format(3)}"></P><P>　　截至目前,全國已建成社工站2.9萬個。</P>',
    # A picture inside a paragraph's text: the paragraph is text, before and after it.
    f'<P>　　截至目前,<IMG src="{_RES.format(3)}">全國已建成社工站2.9萬個。</P>',
    f'<P><IMG src="{_RES.format(3)}" align=left>　　截至目前,全國已建成社工站2.9萬個。</P>',
    # Two pictures in one paragraph: which one a line under them names is not told.
    f'<P align=center><IMG src="{_RES.format(3)}"><IMG src="{_RES.format(4)}"><BR>會議現場</P>',
    # Text that only its line sets apart: papers that break their text with <BR> set paragraphs so.
    f'<IMG src="{_RES.format(3)}" border=0><BR>會議現場<BR>',
    f'<IMG src="{_RES.format(3)}" border=0><BR>　　圖為之外,全國已建成社工站2.9萬個。<BR>',
    f'<IMG src="{_RES.format(3)}">圖為會議現場,{"全國已建成社工站2.9萬個," * 12}<BR>',
    # Text before the picture on its line: the picture is inside the text.
    f'截至目前,<IMG src="{_RES.format(3)}">圖為會議現場。<BR>',
    # Two pictures on one line.
    f'<IMG src="{_RES.format(3)}"><IMG src="{_RES.format(4)}">圖為會議現場。<BR>',
    # The same, the picture wrapped in <FONT> or <SPAN>.
    f'<FONT size=2><IMG src="{_RES.format(3)}" border=0></FONT><BR>會議現場<BR>',
    f'<SPAN><FONT size=2><IMG src="{_RES.format(3)}"></FONT></SPAN><BR>　　圖為之外,全國已建成社工站2.9萬個。<BR>',
    f'<FONT><IMG src="{_RES.format(3)}"></FONT>圖為會議現場,{"全國已建成社工站2.9萬個," * 12}<BR>',
    f'截至目前,<FONT size=2><IMG src="{_RES.format(3)}"></FONT>圖為會議現場。<BR>',
    f'<FONT size=3>截至目前,<IMG src="{_RES.format(3)}">圖為會議現場。</FONT><BR>',
    f'<FONT size=3>截至目前,</FONT><FONT size=2><IMG src="{_RES.format(3)}"></FONT>圖為會議現場。<BR>',
    f'<FONT><IMG src="{_RES.format(3)}"><IMG src="{_RES.format(4)}"></FONT>圖為會議現場。<BR>',
    f'<FONT><IMG src="{_RES.format(3)}"></FONT><FONT><IMG src="{_RES.format(4)}"></FONT>圖為會議現場。<BR>',
    f'<FONT size=2><IMG src="{_RES.format(3)}"></FONT><BR><P align=center><B>一、政策法規不斷完善</B></P>',
    # A picture set in a run of bold text is inside that text.
    f'<B><IMG src="{_RES.format(3)}">圖為會議現場。</B><BR>',
])
def test_text_under_a_bare_picture_that_is_no_clear_caption_stays_in_the_text(markup):
    parsed = _bare_picture(markup)
    pictures = parsed.images[1:]
    assert pictures and all(image.caption == "" for image in pictures)
    assert all(image.url.startswith(IMAGES + "2023-01/31/07/res0") for image in pictures)
    text = FounderArticle(f"<div id=ozoom>{markup}</div>", ISSUE + "content_1.htm").paragraphs
    assert text and parsed.paragraphs == [*main_paragraphs()[:1], *text, *main_paragraphs()[1:]]


_TEXT = "　　截至目前,全國已建成社工站2.9萬個。"


@pytest.mark.parametrize(("markup", "caption", "kept"), [
    # A paragraph of the picture, its caption and more text: the caption is its line alone.
    (f'<P><FONT size=2>{{}}</FONT>圖為會議現場。<BR>{_TEXT}</P>', "圖為會議現場。", [_TEXT]),
    (f'<P>{{}}圖為會議現場。<BR>{_TEXT}</P>', "圖為會議現場。", [_TEXT]),
    (f'<P><FONT>{{}}<BR>社工入戶走訪 本報記者 皮磊 攝<BR>{_TEXT}</FONT></P>', "社工入戶走訪 本報記者 皮磊 攝", [_TEXT]),
    (f'<P align=center>{{}}<BR>會議現場<BR>{_TEXT}</P>', "", ["會議現場", _TEXT]),
    ('<P><SPAN><FONT size=2>{}</FONT></SPAN><BR>會議現場<BR>截至目前,全國已建成社工站2.9萬個。</P>', "",
     ["會議現場", "截至目前,全國已建成社工站2.9萬個。"]),
    # Short lines under the picture ending with the photographer's credit: one caption, as
    # the lines stood; an indented line among them, or a longer stretch, is the article's text.
    ('<P>{}<BR>會議現場<BR>本報記者 皮磊 攝</P>', "會議現場 本報記者 皮磊 攝", []),
    ('<P><FONT size=2>{}</FONT>圖為會議現場。<BR>本報記者 皮磊 攝</P>', "圖為會議現場。本報記者 皮磊 攝", []),
    (f'<P>{{}}<BR>會議現場<BR>{_TEXT}<BR>本報記者 皮磊 攝</P>', "", ["會議現場", _TEXT, "本報記者 皮磊 攝"]),
    (f'<P>{{}}<BR>{"會議現場" * 30}<BR>本報記者 皮磊 攝</P>', "", ["會議現場" * 30, "本報記者 皮磊 攝"]),
    # Text before the picture in its paragraph: on a line of its own, the picture's line is read alone.
    (f'<P>{_TEXT}<BR><FONT size=2>{{}}</FONT><BR>圖為會議現場。</P>', "圖為會議現場。", [_TEXT]),
    (f'<P>{_TEXT}<BR><FONT size=2>{{}}</FONT>圖為會議現場。<BR>　　社工站建設取得積極進展。</P>', "圖為會議現場。",
     [_TEXT, "社工站建設取得積極進展。"]),
    (f'<P>{_TEXT}<BR><FONT size=2>{{}}</FONT><BR>會議現場</P>', "", [_TEXT, "會議現場"]),
    # On the text's line, the picture is inside the text.
    (f'<P>{_TEXT}<FONT size=2>{{}}</FONT>圖為會議現場。</P>', "", [_TEXT + "圖為會議現場。"]),
    (f'<P><FONT size=2>截至目前,{{}}</FONT>圖為會議現場。<BR>{_TEXT}</P>', "", ["截至目前,圖為會議現場。", _TEXT]),
    # The picture and its caption alone in the paragraph, for comparison.
    ('<P><FONT size=2>{}</FONT>圖為會議現場。</P>', "圖為會議現場。", []),
])
def test_a_picture_in_a_paragraph_of_text_takes_only_a_caption_on_its_own_line(markup, caption, kept):
    from pipelines.clean import clean_body

    parsed = _bare_picture(markup.format(_PIC.format(_RES.format(3))))
    assert parsed.images[1:] == [ImageRef(IMAGES + "2023-01/31/07/res03_attpic_brief.jpg", caption)]
    kept = [line.strip() for line in kept]
    assert parsed.paragraphs == [*main_paragraphs()[:1], *kept, *main_paragraphs()[1:]]
    assert clean_body(parsed.body_element).paragraphs == [*main_paragraphs()[:1], *kept, *main_paragraphs()[1:-1]]


_WHOLE_TEXT_IN_FONT = (
    "<FONT size=3><P>　　會議指出,2022年我國志愿服務工作取得一系列新進展。</P>\n<FONT color=#000000>　　截至目前,全國已建成社工站2.9萬個。<BR></FONT>"
    "<SPAN><IMG src=\"{}\" border=0></SPAN>{}<BR>\n<P>　　社工站建設取得積極進展。</P>"
)


@pytest.mark.parametrize(("line", "caption"), [
    ("圖為會議現場。", "圖為會議現場。"),
    ("<FONT size=2>社工入戶走訪 本報記者 皮磊 攝</FONT>", "社工入戶走訪 本報記者 皮磊 攝"),
    ("會議現場", ""),
])
def test_a_wrapped_picture_inside_a_font_around_the_whole_text_takes_only_a_caption_on_its_line(line, caption):
    """An editor's unclosed <FONT> around every line is no paragraph: the picture's line after
    a line the <FONT> ends is read as any other."""
    parsed = FounderArticle(f"<div id=ozoom>{_WHOLE_TEXT_IN_FONT.format(_RES.format(3), line)}</div>", ISSUE + "content_1.htm")
    assert parsed.images == [ImageRef(IMAGES + "2023-01/31/07/res03_attpic_brief.jpg", caption)]
    kept = [] if caption else [_text_of(line)]
    assert parsed.paragraphs == ["會議指出,2022年我國志愿服務工作取得一系列新進展。", "截至目前,全國已建成社工站2.9萬個。", *kept,
                                 "社工站建設取得積極進展。"]


def _text_of(markup: str) -> str:
    return FounderArticle(f"<div id=ozoom>{markup}</div>", ISSUE + "content_1.htm").paragraphs[0]


_PIC = '<IMG src="{}" border=0>'


@pytest.mark.parametrize(("markup", "captions"), [
    # A hand-edited picture table: the picture in one row, its caption in the next.
    ('<TABLE width="100%" border=0><TR><TD align=center>{0}</TD></TR><TR><TD align=center><FONT size=2>社工入戶走訪</FONT></TD></TR></TABLE>',
     ["社工入戶走訪"]),
    ('<TABLE><TBODY><TR><TD><P align=center>{0}</P></TD></TR>\n<TR><TD height=5></TD></TR><TR><TD class=font6>會議現場 本報記者 皮磊 攝</TD></TR></TBODY></TABLE>',
     ["會議現場 本報記者 皮磊 攝"]),
    # Side by side, each caption under its picture; then a row of one, its caption across.
    ('<TABLE><TR><TD>{0}</TD><TD>{1}</TD></TR><TR><TD>會議現場</TD><TD>社工入戶走訪</TD></TR>'
     '<TR><TD colspan=2>{2}</TD></TR><TR><TD colspan=2>社工站一角</TD></TR></TABLE>',
     ["會議現場", "社工入戶走訪", "社工站一角"]),
    # One caption under two pictures: the first's.
    ('<TABLE><TR><TD>{0}</TD><TD>{1}</TD></TR><TR><TD colspan=2>左圖：會議現場；右圖：社工入戶走訪。</TD></TR></TABLE>',
     ["左圖：會議現場；右圖：社工入戶走訪。", ""]),
    # A table that also holds text: only a line under the picture that reads as a caption.
    ('<TABLE><TR><TD>{0}</TD></TR><TR><TD>圖為會議現場。</TD></TR><TR><TD>一、政策法規不斷完善</TD></TR></TABLE>', ["圖為會議現場。"]),
    # The caption in the cell beside the picture, where it reads as one.
    ('<TABLE><TR><TD>{0}</TD><TD><FONT size=2>圖為會議現場。</FONT></TD></TR></TABLE>', ["圖為會議現場。"]),
    # In the picture's own cell, under it, where it reads as one (side by side: each its own).
    ('<TABLE><TR><TD align=center>{0}<BR>圖為會議現場。</TD></TR></TABLE>', ["圖為會議現場。"]),
    ('<TABLE><TR><TD>{0}<BR>圖為會議現場。</TD><TD><FONT size=2><A href="#">{1}</A></FONT><BR><FONT size=2>社工入戶走訪 本報記者 皮磊 攝</FONT></TD></TR>'
     '<TR><TD colspan=2>一、政策法規不斷完善</TD></TR></TABLE>', ["圖為會議現場。", "社工入戶走訪 本報記者 皮磊 攝"]),
    ('<TABLE><TR><TD>{0}圖為會議現場。<P>一、政策法規不斷完善</P></TD></TR></TABLE>', ["圖為會議現場。"]),
    # The picture's row and its caption's in TBODYs of their own.
    ('<TABLE><TBODY><TR><TD>{0}</TD></TR></TBODY><TBODY><TR><TD><FONT size=2>社工入戶走訪</FONT></TD></TR></TBODY></TABLE>',
     ["社工入戶走訪"]),
    ('<TABLE><TBODY><TR><TD>{0}</TD></TR></TBODY>\n<TBODY><TR><TD>圖為會議現場。</TD></TR><TR><TD>一、政策法規不斷完善</TD></TR></TBODY></TABLE>',
     ["圖為會議現場。"]),
    # Stacked over one caption: the first's where it names both, else the one it stands under.
    ('<TABLE><TR><TD>{0}</TD></TR><TR><TD>{1}</TD></TR><TR><TD>上圖：會議現場；下圖：社工入戶走訪。</TD></TR></TABLE>',
     ["上圖：會議現場；下圖：社工入戶走訪。", ""]),
    ('<TABLE><TBODY><TR><TD>{0}</TD></TR></TBODY><TBODY><TR><TD>{1}</TD></TR><TR><TD>上圖：會議現場；下圖：社工入戶走訪。</TD></TR></TBODY>'
     '<TR><TD>一、政策法規不斷完善</TD></TR></TABLE>', ["上圖：會議現場；下圖：社工入戶走訪。", ""]),
    ('<TABLE><TR><TD>{0}</TD></TR><TR><TD>{1}</TD></TR><TR><TD>社工入戶走訪</TD></TR></TABLE>', ["", "社工入戶走訪"]),
])
def test_a_bare_picture_in_a_layout_table_takes_the_caption_cell_under_it(markup, captions):
    from pipelines.clean import clean_body

    parsed = _bare_picture(markup.format(*(_PIC.format(_RES.format(n)) for n in (3, 4, 5))))
    assert parsed.images[1:] == [ImageRef(IMAGES + f"2023-01/31/07/res0{n}_attpic_brief.jpg", caption)
                                 for n, caption in zip((3, 4, 5), captions)]
    kept = [line for line in parsed.paragraphs if line not in main_paragraphs()]
    assert kept == (["一、政策法規不斷完善"] if "政策法規" in markup else [])
    assert [line for line in clean_body(parsed.body_element).paragraphs if line not in main_paragraphs()] == kept


def test_wrapped_and_table_pictures_in_a_gbk_file_without_founder_content_take_their_captions():
    """The GBK variant (body in div#ozoom alone, its picture table outside it), with a wrapped
    picture and hand-edited picture tables set in its text (the caption in the row under the
    picture, in its own cell, in a TBODY of its own), as bytes off the wire."""
    raw = (FIXTURES / "content_variant.htm").read_bytes()
    second = "<P>　　三年前，".encode("gbk")
    assert raw.count(second) == 1
    markup = (
        '<SPAN><FONT size=2><IMG src="../../../images/2023-02/07/08/res04_attpic_brief.jpg" border=0></FONT></SPAN><BR>'
        "圖為孩子們在兒童之家讀繪本<BR>\n"
        '<TABLE cellSpacing=0 cellPadding=2 width="90%" align=center border=0><TR><TD align=center>'
        '<A href="../../../images/2023-02/07/08/res05_attpic_brief.jpg" target=_blank>'
        '<IMG src="../../../images/2023-02/07/08/res05_attpic_brief.jpg" border=0></A></TD></TR>\n'
        "<TR><TD align=center><FONT color=#666666 size=2>兒童之家的作業桌</FONT></TD></TR></TABLE>\n"
        '<TABLE width="90%" align=center><TR><TD align=center><IMG src="../../../images/2023-02/07/08/res06_attpic_brief.jpg"><BR>'
        "<FONT size=2>圖為社工陪孩子寫作業</FONT></TD></TR></TABLE>\n"
        '<TABLE width="90%" align=center><TBODY><TR><TD><IMG src="../../../images/2023-02/07/08/res07_attpic_brief.jpg"></TD></TR></TBODY>\n'
        "<TBODY><TR><TD><FONT size=2>兒童之家的書架</FONT></TD></TR></TBODY></TABLE>\n"
    ).encode("gbk")
    parsed = FounderArticle(decode_html(raw.replace(second, markup + second)), ISSUE_GBK + "content_21903.htm")
    plain = article("content_variant.htm", ISSUE_GBK + "content_21903.htm")
    assert parsed.images == [*plain.images, ImageRef(IMAGES + "2023-02/07/08/res04_attpic_brief.jpg", "圖為孩子們在兒童之家讀繪本"),
                             ImageRef(IMAGES + "2023-02/07/08/res05_attpic_brief.jpg", "兒童之家的作業桌"),
                             ImageRef(IMAGES + "2023-02/07/08/res06_attpic_brief.jpg", "圖為社工陪孩子寫作業"),
                             ImageRef(IMAGES + "2023-02/07/08/res07_attpic_brief.jpg", "兒童之家的書架")]
    assert parsed.paragraphs == plain.paragraphs


@pytest.mark.parametrize("markup", [
    # A layout table around text: the row under the picture is the article's.
    '<TABLE><TR><TD>{0}</TD></TR><TR><TD><P>　　截至目前,全國已建成社工站2.9萬個。</P><P>　　社工站建設取得積極進展。</P></TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}</TD></TR><TR><TD>一、政策法規不斷完善</TD></TR><TR><TD>　　截至目前,全國已建成社工站2.9萬個。</TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}</TD></TR><TR><TD>　　截至目前,全國已建成社工站2.9萬個。</TD></TR></TABLE>',
    f'<TABLE><TR><TD>{{0}}</TD></TR><TR><TD>{"全國已建成社工站2.9萬個," * 12}</TD></TR></TABLE>',
    # Beside the picture: text, or a line that does not read as a caption.
    '<TABLE><TR><TD>{0}</TD><TD>　　截至目前,全國已建成社工站2.9萬個。</TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}</TD><TD>會議現場</TD></TR></TABLE>',
    # The picture in a cell with text, or with another picture: no caption cell told apart.
    '<TABLE><TR><TD>{0}截至目前,全國已建成社工站2.9萬個。</TD></TR><TR><TD>會議現場</TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}{1}</TD></TR><TR><TD>會議現場</TD></TR></TABLE>',
    # A picture row, then a row of a picture and text: no row of captions.
    '<TABLE><TR><TD>{0}</TD></TR><TR><TD>{1}</TD><TD>會議現場</TD></TR></TABLE>',
    # Paragraphs of the article beside the picture, or under it in its own cell.
    '<TABLE><TR><TD>{0}</TD><TD><P>　　截至目前,全國已建成社工站2.9萬個。</P><P>　　社工站建設取得積極進展。</P></TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}<BR>會議現場</TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}<BR>　　圖為之外,全國已建成社工站2.9萬個。</TD></TR></TABLE>',
    '<TABLE><TR><TD>{0}<P>　　截至目前,全國已建成社工站2.9萬個。</P><P>　　社工站建設取得積極進展。</P></TD></TR></TABLE>',
    f'<TABLE><TR><TD>{{0}}<BR>圖為會議現場,{"全國已建成社工站2.9萬個," * 12}</TD></TR></TABLE>',
    '<TABLE><TR><TD>截至目前,全國已建成社工站2.9萬個。{0}圖為會議現場。</TD></TR></TABLE>',
    # Across TBODYs as within one: a subheading and text under the picture stay.
    '<TABLE><TBODY><TR><TD>{0}</TD></TR></TBODY><TBODY><TR><TD>一、政策法規不斷完善</TD></TR><TR><TD>　　截至目前,全國已建成社工站2.9萬個。</TD></TR></TBODY></TABLE>',
])
def test_text_in_a_layout_table_that_is_no_clear_caption_stays_in_the_text(markup):
    markup = markup.format(*(_PIC.format(_RES.format(n)) for n in (3, 4)))
    parsed = _bare_picture(markup)
    pictures = parsed.images[1:]
    assert len(pictures) == markup.count("<IMG") and all(image.caption == "" for image in pictures)
    text = FounderArticle(f"<div id=ozoom>{markup}</div>", ISSUE + "content_1.htm").paragraphs
    assert text and parsed.paragraphs == [*main_paragraphs()[:1], *text, *main_paragraphs()[1:]]


@pytest.mark.parametrize("where", ["<head>", "header"])
def test_a_style_sheet_before_the_title_block_hides_in_headings_captions_and_body(where):
    """The article file is parsed from its title block on: a <style> in <head>, or in the page's
    header before the title block, hid nothing, though a browser applies it to the whole page."""
    from pipelines.clean import clean_body

    sheet = "<STYLE type=text/css>.k9 {display:none} td.font6 {font-size:12px}</STYLE>"
    block = ("<table class=wz><tr valign=top><td></td></tr><tr valign=top><td>主標題<span class=k9>久久综合网</span></td></tr>"
             "<tr valign=top><td></td></tr><tr valign=top><td></td></tr></table>"
             "<table id=newspic><tr><td><img src=p1.jpg></td></tr><tr><td>圖為活動現場。<span class=k9>久久综合网</span></td></tr></table>")
    body = "<div id=ozoom><P>　　正文。</P><P class=k9>亚洲一区二区</P></div>"
    head, header = (f"<head>{sheet}</head>", "") if where == "<head>" else ("", f"<table><tr><td>{sheet}版面导航</td></tr></table>")
    parsed = FounderArticle(f"<html>{head}<body>{header}{block}{body}</body></html>", ISSUE + "content_1.htm")
    assert parsed.title == "主標題"
    assert parsed.images == [ImageRef(ISSUE + "p1.jpg", "圖為活動現場。")]
    result = clean_body(parsed.body_element, parsed.body_sheet)
    assert result.paragraphs == ["正文。"] and [r.kind for r in result.removals] == ["spam:hidden"]


def _article_under_a_sheet(sheet: str, where: str, body: str = "<P>　　正文。</P>") -> FounderArticle:
    """An article whose title row hides its last word in class k9 (主標題<span class=k9>二</span>),
    with ``sheet`` (a <style> and what is around it) in its ``where``: "<head>" or the content
    region (before ``body``)."""
    head = f"<head>{sheet}</head>" if where == "<head>" else ""
    region = f"<div id=ozoom>{'' if head else sheet}{body}</div>"
    return FounderArticle(
        "<html>" + head + "<body><table class=wz><tr valign=top><td></td></tr><tr valign=top><td>主標題<span class=k9>二</span>"
        "</td></tr><tr valign=top><td></td></tr><tr valign=top><td></td></tr></table>" + region + "</body></html>",
        ISSUE + "content_1.htm")


@pytest.mark.parametrize("head, title", [
    ("<head><!-- <style>.k9{display:none}</style> --></head>", "主標題二"),
    ("<head><!-- old sheet --><!-- <STYLE>.k9{display:none}</STYLE> --></head>", "主標題二"),
    ("<head><!-- a comment --><style>.k9{display:none}</style></head>", "主標題"),
    ("<head><!--><style>.k9{display:none}</style><!-- --></head>", "主標題"),
])
def test_a_style_sheet_in_a_comment_before_the_title_block_hides_nothing(head, title):
    """A <style> inside an HTML comment in <head> is no style sheet to a browser: its rules hid
    a title's words all the same. A sheet after a comment (even "<!-->", closed at once) hides."""
    assert _article_under_a_sheet(head.removeprefix("<head>").removesuffix("</head>"), "<head>").title == title


@pytest.mark.parametrize("where", ["<head>", "content region"])
def test_a_style_sheet_wrapped_in_comment_marks_hides_by_its_first_rule_too(where):
    """Old pages wrap a sheet's rules in "<!--" and "-->", which CSS passes over: the first rule
    was read with "<!--" in its selector, which selected nothing, and hid nothing."""
    from pipelines.clean import clean_body

    sheet = "<style type=text/css><!--\n.k9 {display:none}\n.k8 {display:none}\n--></style>"
    parsed = _article_under_a_sheet(sheet, where, "<P>　　正文。</P><P class=k9>亚洲一区二区</P>")
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == ["正文。"]
    if where == "<head>":
        assert parsed.title == "主標題"


def test_a_site_s_style_sheet_in_head_undoes_no_kit_s_hiding_in_the_body():
    """A rule that hides by font-size counts only where no rule of the sheets sets one back: read
    with the kit's, a site's own sheet in <head> (which sets font sizes everywhere) undid it."""
    from pipelines.clean import clean_body

    head = "<head><style>.font6 {font-size:12px} a:hover {color:red} #upqi {display:none}</style></head>"
    body = "<div id=ozoom><P>　　正文。</P><style>.k9 {font-size:0}</style><P class=k9>亚洲一区二区</P></div>"
    parsed = FounderArticle(f"<html>{head}<body><table class=wz><tr><td>主標題</td></tr></table>{body}</body></html>",
                            ISSUE + "content_1.htm")
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == ["正文。"]


@pytest.mark.parametrize(("sheet", "title"), [
    ("<noscript><style>.k9{display:none}</style></noscript>", "主標題二"),
    ("<NOSCRIPT><link rel=stylesheet href=a.css><STYLE>.k9{display:none}</STYLE></NOSCRIPT>", "主標題二"),
    ("<noscript><!-- old sheet --><style>.k9{display:none}</style></noscript>", "主標題二"),
    ("<noscript><p>请启用脚本</p></noscript><style>.k9{display:none}</style>", "主標題"),
])
@pytest.mark.parametrize("where", ["<head>", "content region"])
def test_a_style_sheet_inside_noscript_hides_nothing(sheet, title, where):
    """A browser that runs scripts ignores a <style> inside a <noscript>: its rules hid a title's
    words and the text's lines all the same (a sheet after a <noscript> hides)."""
    from pipelines.clean import clean_body

    parsed = _article_under_a_sheet(sheet, where, "<P>　　正文。</P><P class=k9>亚洲一区二区</P>")
    assert parsed.title == title
    shown = ["正文。", "亚洲一区二区"] if title == "主標題二" else ["正文。"]
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == shown


@pytest.mark.parametrize("where", ["<head>", "content region"])
def test_a_style_sheet_for_print_hides_nothing_on_screen(where):
    """A <style media=print> (a site's own hides its navigation and tools so on paper) was read
    as a screen's: what it hid was left out of the title and the text."""
    from pipelines.clean import clean_body

    sheet = "<style media='print'>.k9 {display:none}</style>"
    parsed = _article_under_a_sheet(sheet, where, "<P>　　正文。</P><P class=k9>　　正文二。</P>")
    assert parsed.title == "主標題二"
    assert clean_body(parsed.body_element, parsed.body_sheet).paragraphs == ["正文。", "正文二。"]
    screen = parsed.html.replace("'print'", '"screen"')
    assert FounderArticle(screen, ISSUE + "content_1.htm").title == "主標題"


def test_a_style_sheet_in_head_hides_in_the_body_of_a_page_off_its_template():
    from pipelines.clean import clean_body
    from tests.test_generic_extraction import PARAGRAPHS, TITLE, page, paragraphs

    html = page(f"<div><h1>{TITLE}</h1>{paragraphs(PARAGRAPHS)}<p class=k9>亚洲一区二区</p></div>",
                head="<title>页面</title><style>.k9 {display:none}</style>")
    parsed = FounderArticle(html, ISSUE + "content_1.htm")
    assert parsed.extraction == "fallback"
    assert [r.kind for r in clean_body(parsed.body_html, parsed.body_sheet).removals] == ["spam:hidden"]


_HIDDEN_PICTURE_TABLE = "<table id=newspic{}><tr><td><img src=p1.jpg></td></tr><tr><td>圖為廣告。</td></tr></table>"


@pytest.mark.parametrize("table", [
    "<style>.k{display:none}</style>" + _HIDDEN_PICTURE_TABLE.format(" class=k"),
    _HIDDEN_PICTURE_TABLE.format(' style="display:none"'),
    '<div style="position:absolute;left:-9999px">' + _HIDDEN_PICTURE_TABLE.format("") + "</div>",
])
def test_a_table_of_pictures_css_hides_is_no_picture(table):
    """A kit's table#newspic hidden whole (its style, a <style> class, a block around it) was
    stored as the article's picture with its caption: only the content region's bare pictures
    were asked whether CSS hides them. Inside the content region, its caption is recorded."""
    from pipelines.clean import clean_body

    assert article_with(table).images == []
    inside = article_with("", "<P>　　正文。</P>" + table)
    assert inside.images == []
    result = clean_body(inside.body_element)
    assert result.paragraphs == ["正文。"] and [r.kind for r in result.removals] == ["spam:hidden"]


@pytest.mark.parametrize("markup", [
    '<P><IMG src="../../../tplimg/spacer.gif" width=1 height=1></P>',
    '<div style="display:none"><P align=center><IMG src="http://spam.example/ad.jpg"></P><P>圖為廣告。</P></div>',
])
def test_a_spacer_or_a_hidden_image_in_the_content_region_is_no_picture(markup, main_article):
    assert _bare_picture(markup).images == main_article.images


@pytest.mark.parametrize("markup", [
    '<div style="position:absolute;left:-9999px"><P align=center><IMG src="http://spam.example/ad.jpg"></P><P>圖為廣告。</P></div>',
    '<div style="opacity:0"><IMG src="http://spam.example/ad.jpg"><BR>圖為廣告。<BR></div>',
    '<style>.k9 {display:none}</style><div class=k9><P align=center><IMG src="http://spam.example/ad.jpg"></P><P>圖為廣告。</P></div>',
])
def test_an_image_in_a_block_any_css_hides_is_no_picture_and_its_caption_is_recorded(markup, main_article):
    """A kit's picture hidden off screen, transparent or by a <style> class was stored as the
    article's picture with its caption, the caption taken out of the text before the cleaner
    could record the hidden block (spam:hidden): only display:none and visibility:hidden counted."""
    from pipelines.clean import clean_body

    parsed = _bare_picture(markup)
    assert parsed.images == main_article.images
    removed = clean_body(parsed.body_element).removals
    assert [r.kind for r in removed if "圖為廣告" in r.text] == ["spam:hidden"]



def test_an_image_in_a_block_of_no_font_size_is_a_picture():
    """font-size:0 hides text, not pictures: set on a row of pictures, it removes the gaps between them."""
    parsed = _bare_picture(f'<P align=center style="font-size:0">{_PIC.format(_RES.format(3))}</P><P align=center>圖為會議現場。</P>')
    assert parsed.images[1:] == [ImageRef(IMAGES + "2023-01/31/07/res03_attpic_brief.jpg", "圖為會議現場。")]


def test_bare_pictures_and_picture_tables_in_the_content_region_keep_the_file_s_order():
    html = _pictures_inside(load("content_article.htm"), more=1)  # the picture table after the text
    html = html.replace(_FIRST, f'<P align=center><IMG src="{_RES.format(5)}"></P><P align=center>圖為社工站。</P>' + _FIRST)
    parsed = FounderArticle(html, ISSUE + "content_21853.htm")
    assert [(image.url[-22:], image.caption) for image in parsed.images] == [
        ("res05_attpic_brief.jpg", "圖為社工站。"),
        ("res01_attpic_brief.jpg", "全國志愿服務和社會工作電視電話會議現場。"),
        ("res02_attpic_brief.jpg", "圖2：社工入戶走訪。"),
    ]
    assert parsed.paragraphs == main_paragraphs()


def test_a_picture_story_of_bare_pictures_is_read_by_the_template():
    html = load("content_article.htm")
    start, end = html.index("<!--<npm:article-content>-->"), html.index("<!--</npm:article-content>-->")
    table = html.index("<table id=newspic")
    html = html[:table] + html[html.index("</table>", table) + 8 : start] + (
        f'<!--<npm:article-content>--><P align=center><IMG src="{_RES.format(3)}"></P><P align=center>圖為會議現場。</P>'
    ) + html[end:]
    parsed = FounderArticle(html, ISSUE + "content_21853.htm")
    assert (parsed.extraction, parsed.paragraphs) == ("template", [])
    assert parsed.images == [ImageRef(IMAGES + "2023-01/31/07/res03_attpic_brief.jpg", "圖為會議現場。")]


_FIGURES = """<table border=1 cellpadding=2>
<tr><th>地區</th><th>社工站（個）</th><th>覆蓋率</th></tr>
<tr><td>廣東</td><td>1600</td><td>100%</td></tr>
<tr><td>新疆</td><td>\n1056\n</td><td><font color=red>97%</font></td></tr>
<tr><td>&nbsp;</td><td>合計</td><td>2656</td></tr>
</table>"""
_ROWS = ["地區｜社工站（個）｜覆蓋率", "廣東｜1600｜100%", "新疆｜1056｜97%", "合計｜2656"]
# The same table pasted from a word processor: a paragraph in every cell.
_WORD_FIGURES = re.sub(r"<(t[dh])>(.*?)</t[dh]>", r'<\1 width=80><p align=center><span style="font-family:宋体">\2</span></p></\1>',
                       _FIGURES, flags=re.S)


@pytest.mark.parametrize("table", [
    _FIGURES,
    f"<table width=100%><tr><td align=center>{_FIGURES}</td></tr></table>",  # nested in a layout table
    f"<div align=center><font size=2>{_FIGURES}</font></div>",
    _WORD_FIGURES,
    f"<table><tr><td>{_WORD_FIGURES}</td></tr></table>",
])
def test_a_table_of_figures_in_the_text_keeps_its_rows(table):
    from pipelines.clean import clean_body

    html = load("content_article.htm")
    after = "全國已建成鄉鎮(街道)社工站2.9萬個,"
    paragraph_end = html.index("</P>", html.index(after)) + len("</P>")
    parsed = FounderArticle(html[:paragraph_end] + table + html[paragraph_end:], ISSUE + "content_21853.htm")
    paragraphs = main_paragraphs()
    at = next(n for n, line in enumerate(paragraphs) if after in line) + 1
    assert parsed.paragraphs == paragraphs[:at] + _ROWS + paragraphs[at:]
    assert clean_body(parsed.body_element).paragraphs == paragraphs[:at] + _ROWS + paragraphs[at:-1]


def test_a_layout_table_s_cells_are_laid_out_in_their_paragraphs():
    parsed = article_with("", "<table><tr><td><P>　　第一段。</P><P>　　第二段。</P></td><td><P>　　旁欄。</P></td></tr></table>"
                              "<P>　　第三段。(據新華社)</P>")
    assert parsed.paragraphs == ["第一段。", "第二段。", "旁欄。", "第三段。(據新華社)"]
    assert parsed.source == "據新華社"


def test_a_body_of_blanks_and_script_is_no_body():
    """Only blanks (U+3000, no-break spaces) and code in the content region: generic extraction."""
    blank = "<div id=ozoom><founder-content><p>\u3000\u3000&nbsp;</p><script>var x = 1;</script></founder-content></div>"
    assert FounderArticle(blank, ISSUE_GBK + "content_1.htm").extraction == "fallback"
    assert FounderArticle(blank.replace("&nbsp;", "正文"), ISSUE_GBK + "content_1.htm").extraction == "template"


# --- an article's own part -----------------------------------------------------------------------

SAMPLE_ARTICLES = sorted((Path(__file__).parents[1] / "crawler" / "sample" / "site" / "html").glob("*/*/content_*.htm"))
WHOLE_FILE = FounderSelectors.with_overrides({"article_start": ""})
ARTICLE_READS = ("article_id", "pretitle", "title", "subtitle", "byline", "source", "images", "extraction",
                 "paragraphs", "body_html", "section", "issue_date")


def reads(parsed: FounderArticle) -> dict:
    from lxml.etree import tostring

    found = {name: getattr(parsed, name) for name in ARTICLE_READS}
    element = parsed.body_element
    found["body_element"] = None if element is None else tostring(element, encoding="unicode", with_tail=False)
    return found


@pytest.mark.parametrize("path", [FIXTURES / "content_article.htm", FIXTURES / "content_variant.htm", *SAMPLE_ARTICLES],
                         ids=lambda path: path.name)
def test_an_article_read_from_its_own_part_reads_as_the_whole_file(path):
    html, url = decode_html(path.read_bytes()), ISSUE + path.name
    own, whole = FounderArticle(html, url), FounderArticle(html, url, WHOLE_FILE)
    assert reads(own) == reads(whole)
    assert reads(own)["title"] and reads(own)["paragraphs"]
    # The fields the spider reads came from the part after the title block: the file's
    # header, page list and title list were never parsed.
    fresh = FounderArticle(html, url)
    [fresh.title, fresh.byline, fresh.source, fresh.images, fresh.body_element, fresh.extraction]
    assert "_root" not in vars(fresh)
    assert "_root" in vars(whole) and vars(whole)["_own_part"][0] is vars(whole)["_root"]


def test_a_part_without_the_body_gives_way_to_the_whole_file():
    html = load("content_article.htm")
    # A title block after the body (a layout the default start does not know): the part that
    # begins there holds no body, so the whole file is read.
    moved = html.replace("<table class=wz ", "<table class=notwz ").replace("</BODY>", "<div class=text_c><h1>页脚</h1></div></BODY>")
    assert "class=wz" not in moved and "<div class=text_c>" in moved
    parsed = FounderArticle(moved, ISSUE + "content_306582.htm")
    assert parsed.extraction == "template" and parsed.paragraphs == main_paragraphs()
    assert vars(parsed)["_own_part"][0] is vars(parsed)["_root"]
    # A body of blanks after the start: the whole file decides (here: no body either).
    blank = "<html><body><div class=text_c><h1>标题</h1></div><div id=ozoom><p>\u3000</p></div></body></html>"
    assert FounderArticle(blank, ISSUE + "content_1.htm").extraction == "fallback"


def main_paragraphs() -> list[str]:
    return FounderArticle(load("content_article.htm"), ISSUE + "content_306582.htm", WHOLE_FILE).paragraphs


@pytest.mark.parametrize(
    ("html", "start"),
    [
        ("<p>wz</p><TABLE width=1 CLASS='x wz'><tr><td>", 9),  # the class among others, any case of tag
        ("<div class=wzz></div><div id=Titles></div><h3 id=\"Title\">", 42),  # whole names only
        ("<title>Title</title><p data-x='Title'></p>", None),  # text and other attributes are not ids
        ("<SCRIPT>document.write('<table class=wz>')</SCRIPT><table class=wz>", 51),  # a script's string is no tag
        ("<script>var t = '<h3 id=Title>';", None),  # nor in a script left open
        ("<ScRiPt>document.write('<table class=wz>')</sCrIpT><table class=wz>", 51),  # in any capitals
        ("<sCRIPT type=text/javascript>var t = '<h3 id=Title>';", None),
        ("<!-- <table class=wz> --><table class=wz>", 25),  # a comment's text is no tag
        ("<!--<div class=text_c>", None),  # nor in a comment left open
        ("<!--[if IE]><p>x</p><![endif]--><h3 id=Title>", 32),  # a conditional comment is closed too
        ("<script>if (s.indexOf('<!--') < 0) {}</script><table class=wz>", 46),  # a script's string opens no comment
    ],
)
def test_the_own_part_begins_at_the_first_element_of_article_start(html, start):
    from crawler.templates.founder import _opening

    assert _opening(html, FounderSelectors().article_start) == start


# A print button's script before the title block that writes a page of its own: the tag it
# writes is a string of the script, no element of the file.
PRINT_SCRIPT = ("<script>function printPage() { var w = window.open(''); w.document.write('<div class=\"text_c\"><h3 id=Title>'"
                " + document.title + '</h3></div>'); }</script>")


# An old title block the site left in a comment above the real one: parsed from there, the
# comment's title was read as the article's.
OLD_TITLE_BLOCK = "<!-- <div class=text_c><h3 id=Title>旧标题</h3></div> -->"


@pytest.mark.parametrize("before", [PRINT_SCRIPT, PRINT_SCRIPT.replace("script>", "ScRiPt>"), OLD_TITLE_BLOCK],
                         ids=["script", "mixed-case-script", "comment"])
def test_a_tag_in_a_script_or_a_comment_before_the_title_block_is_not_where_the_own_part_begins(before):
    html = load("content_article.htm")
    assert html.count("</HEAD>") == 1
    hidden = html.replace("</HEAD>", before + "</HEAD>")
    from crawler.templates.founder import _opening

    assert _opening(hidden, FounderSelectors().article_start) == _opening(html, FounderSelectors().article_start) + len(before)
    url = ISSUE + "content_306582.htm"
    assert reads(FounderArticle(hidden, url)) == reads(FounderArticle(html, url))


def test_a_profile_that_moves_an_article_field_reads_whole_files_unless_it_says_where_they_begin():
    assert FounderSelectors.with_overrides({"body": "div#content"}).article_start == ""
    assert FounderSelectors.with_overrides({"page_links": "div.bmml a"}).article_start == FounderSelectors().article_start
    both = FounderSelectors.with_overrides({"body": "div#content", "article_start": "div.article"})
    assert both.article_start == "div.article"
    html = "<html><body><ul><li>目录</li></ul><div class=article><h1>标题</h1><div id=content><p>正文。</p></div></div></body></html>"
    parsed = FounderArticle(html, ISSUE + "content_1.htm", FounderSelectors.with_overrides(
        {"body": "div#content", "title": "div.article h1", "article_start": "div.article"}))
    assert (parsed.title, parsed.paragraphs) == ("标题", ["正文。"])
    assert "_root" not in vars(parsed)


# --- selectors ---------------------------------------------------------------------------------

OTHER_PAPER = """<html><body>
<div class=bmml><a href=node_1.htm>第01版：要闻</a><a href=node_2.htm>第02版：
评论</a></div>
<ul class=news><li><a href="content_9.htm?div=-1">一篇评论</a></li></ul>
</body></html>"""


def test_a_paper_profile_overrides_selectors_by_name():
    url = ISSUE + "node_2.htm"
    assert FounderPage(OTHER_PAPER, url).page_links == []
    selectors = FounderSelectors.with_overrides({"page_links": "div.bmml a", "title_links": "//ul[@class='news']//a"})
    assert selectors.hot_zones == FounderSelectors().hot_zones
    other = FounderPage(OTHER_PAPER, url, selectors)
    assert other.page_links == [
        PageLink(ISSUE + "node_1.htm", 1, "第01版：要闻", "要闻"),
        PageLink(ISSUE + "node_2.htm", 2, "第02版：评论", "评论"),
    ]
    # No label printed on this page: its own entry of the page list stands in.
    assert (other.page_number, other.page_label, other.section) == (2, "第02版：评论", "评论")
    assert other.titles == {ISSUE + "content_9.htm": "一篇评论"}


def test_no_overrides_are_the_defaults():
    assert FounderSelectors.with_overrides({}) == FounderSelectors()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"page_lnks": "a"}, "unknown Founder selector 'page_lnks'"),
        ({"body": "div#ozoom["}, "Founder selector 'body' is invalid"),
        ({"hot_zones": "//map[@name="}, "Founder selector 'hot_zones' is invalid"),
        ({"title": ""}, "Founder selector 'title' must be a non-empty string"),
        ({"article_start": "table.wz > tr"}, "Founder article_start 'table.wz > tr' is no tag.class"),
    ],
)
def test_bad_overrides_are_refused_by_name(overrides, message):
    with pytest.raises(ValueError, match=message):
        FounderSelectors.with_overrides(overrides)


# --- selectors over a whole document --------------------------------------------------------

_CSS = [
    *(query for name, query in vars(FounderSelectors()).items() if name != "article_start" and not query.startswith(("/", "("))),
    "div td", "table tr td a", "#ozoom p", ".wz td > a", "#ozoom > table td", "[valign] tr *", "div > p", "body > table td > a::attr(href)", "#ozoom p::text", "td span ~ a",
    "tr + tr td", "li:first-child a", "ul li:last-child > a", "div p:not(.x)", "* a", "table * td",
    "html > body", "html", "div a + a", ":root > body", "td:nth-child(2) a", "p:only-child",
]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.htm")))
def test_css_read_right_to_left_finds_what_parsel_finds(name):
    """The page objects' CSS (combinators read right to left, from the document root) selects
    the same elements, in the same order, as parsel's own translation."""
    from parsel import Selector

    from crawler.templates.founder import _select
    from crawler.templates.text import parse

    document = parse(load(name))
    selector = Selector(root=document, type="html")
    for query in _CSS:
        assert _select(document, query) == [node.root for node in selector.css(query)], query
    assert sum(len(_select(document, query)) for query in _CSS) > 50  # the queries do find things


# --- the site's error page, served with HTTP 200 ------------------------------------------------

ERROR_PAGES = [
    "<html><head><title>页面不存在</title></head><body><div class=error><h1>404</h1>"
    "<p>对不起，您访问的页面不存在或已被删除！</p><a href=/>返回首页</a></div></body></html>",
    "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr>"
    "<center>nginx</center></body></html>",
    "<html><head><title>公益時報</title></head><body><p>對不起，您訪問的網頁已被刪除。</p></body></html>",
]


@pytest.mark.parametrize("html", ERROR_PAGES)
def test_an_error_page_served_with_200_is_neither_article_nor_page(html):
    assert FounderArticle(html, ISSUE + "content_1.htm").not_found
    assert FounderPage(html, ISSUE + "node_2.htm").not_found


def test_pages_and_articles_are_no_error_pages(main_article, node_page, variant_article):
    assert (main_article.not_found, variant_article.not_found, node_page.not_found) == ("", "", "")
    # Off the template, a page that mentions 404 and 页面不存在 among enough text is an article.
    prose = "<p>　　据统计，全市已有404个社区建成儿童之家，志愿者说，页面不存在的问题已经解决。</p>" * 8
    parsed = FounderArticle(f"<html><head><title>公益时报</title></head><body><div>{prose}</div></body></html>", ISSUE + "content_1.htm")
    assert parsed.extraction == "fallback" and parsed.not_found == ""


def test_bytes_that_contradict_the_declared_charset_are_read_as_they_are():
    gbk = (FIXTURES / "node_page_skips_gbk.htm").read_bytes()  # <meta> gb2312
    utf8 = (FIXTURES / "node_page.htm").read_bytes()  # <meta> utf-8
    # GBK files under a server's charset=utf-8, or under a <meta> that says utf-8.
    assert "镕铸公益力量" in decode_html(gbk, "text/html; charset=utf-8")
    assert "镕铸公益力量" in decode_html(gbk.replace(b"charset=gb2312", b"charset=utf-8"), "text/html")
    # UTF-8 files under the template's gb2312 <meta>, or under a server's charset=gbk.
    assert "尋找慈善傳統" in decode_html(utf8.replace(b"charset=utf-8", b"charset=gb2312"), "text/html")
    assert "尋找慈善傳統" in decode_html(utf8, "text/html; charset=GBK")
    # A stray bad byte in a UTF-8 file is one replaced character, not a GBK file.
    stray = decode_html(utf8.replace("頭版".encode(), b"\xff", 1))
    assert "\ufffd" in stray and "尋找慈善傳統" in stray
    # The spider reads Scrapy's decoding, checked the same way.
    from scrapy.http import HtmlResponse

    from crawler.spiders.issues import _html

    for body, content_type in ((gbk, "text/html; charset=utf-8"), (utf8, "text/html; charset=gb2312")):
        response = HtmlResponse("http://example.org/a.htm", body=body, headers={"Content-Type": content_type})
        assert _html(response) == decode_html(body, content_type)


def test_a_picture_story_has_its_pictures_and_no_text():
    """Pictures with captions and an empty content region: no body, read by the template (generic
    extraction took a caption for the text, and the article for template drift)."""
    html = load("content_article.htm")
    start, end = html.index("<founder-content>"), html.index("</founder-content>")
    for empty in ("", "<!--<npm:article-content>--><P>&nbsp;</P><!--</npm:article-content>-->"):
        parsed = FounderArticle(html[: start + len("<founder-content>")] + empty + html[end:], ISSUE + "content_21853.htm")
        assert parsed.extraction == "template"
        assert (parsed.title, parsed.paragraphs, parsed.source, parsed.byline) == (
            "民政部召開全國志愿服務和社會工作電視電話會議", [], "", "")
        assert parsed.images == [ImageRef(IMAGES + "2023-01/31/07/res01_attpic_brief.jpg", "全國志愿服務和社會工作電視電話會議現場。")]
        assert parsed.body_element is not None and parsed.not_found == ""
    # Without pictures an empty region is still no body: the template may have moved it.
    bare = html[: start + len("<founder-content>")] + html[end:]
    bare = bare[: bare.index("<table id=newspic")] + bare[bare.index("</table>", bare.index("<table id=newspic")) + 8 :]
    assert FounderArticle(bare, ISSUE + "content_21853.htm").extraction == "fallback"


def test_a_file_that_ends_inside_the_article_text_is_truncated(main_article):
    html = load("content_article.htm")
    assert not main_article.truncated
    for cut in ("四是監管機制", "<!--</npm:article-content>-->"):
        assert FounderArticle(html[: html.index(cut)], ISSUE + "content_21853.htm").truncated, cut
    # Cut after the text: the article is whole. A paper without the markers is never cut short.
    assert not FounderArticle(html[: html.index("</BODY>")], ISSUE + "content_21853.htm").truncated
    assert not article_with("").truncated and not article_with("", "<P>　　正文").truncated


def test_a_title_block_without_a_byline_row_keeps_the_body_out_of_the_byline():
    """Three title rows: the next row selected is the body's, whose text is no byline."""
    html = load("content_article.htm")
    three = html.replace("<tr valign=top><td align=center height=22></td></tr>", "", 1)
    assert three.count("<tr valign=top>") == html.count("<tr valign=top>") - 1
    parsed = FounderArticle(three, ISSUE + "content_21853.htm")
    assert (parsed.pretitle, parsed.title, parsed.subtitle, parsed.byline) == (
        "", "民政部召開全國志愿服務和社會工作電視電話會議", "全國鄉鎮(街道)社工站覆蓋率達78%", "")
    assert parsed.paragraphs == main_paragraphs()


@pytest.mark.parametrize(
    ("cell", "title"),
    [
        ("民政部召開全國志愿服務<BR>\r\n和社會工作電視電話會議", "民政部召開全國志愿服務和社會工作電視電話會議"),
        ("　　社工站覆蓋率達78%，<br/>\n　　“五社聯動”見成效", "社工站覆蓋率達78%，“五社聯動”見成效"),
        ("<font color=red>Charity Law</font><br>Revised 2023", "Charity Law Revised 2023"),
        ("公益 Top 10<br>\n2023年度榜單", "公益 Top 10 2023年度榜單"),  # Latin and digits keep a space
        ("春風送暖 愛心同行", "春風送暖 愛心同行"),  # a space the paper set stays
        # The source's own line breaks, with or without a <br>: none in Chinese, a space in Latin.
        ("民政部召開全國志愿\r\n\t服務和<b>社會\n</b>工作電視電話會議", "民政部召開全國志愿服務和社會工作電視電話會議"),
        ("　　社工站覆蓋率達78%，\n“五社\n<br>聯動”見成效", "社工站覆蓋率達78%，“五社聯動”見成效"),
        ("Charity\nLaw<br>Revised\n2023", "Charity Law Revised 2023"),
    ],
)
def test_a_title_broken_by_br_reads_as_one_line(cell, title):
    html = load("content_article.htm").replace(">民政部召開全國志愿服務和社會工作電視電話會議</td>", f">{cell}</td>")
    html = html.replace(">全國志愿服務和社會工作電視電話會議現場。</td>", f">{cell}</td>")
    parsed = FounderArticle(html, ISSUE + "content_21853.htm")
    assert parsed.title == title
    assert parsed.images[0].caption == title
    variant = article_with(f"<div class=text_c><h1>{cell}</h1></div>")
    assert variant.title == title


@pytest.mark.parametrize("title", ["找不到回家的路", "公益時報第404期", "錯誤的決定"])
def test_an_article_off_its_template_whose_title_sounds_like_an_error_is_no_error_page(title):
    """Off the template, the <title> is often the article's own: it is read as an article
    (generic extraction, and the drift alarm), never skipped as the site's error page."""
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><div><p>　　社工說，孩子們放學後有地方去了。</p></div></body></html>"
    parsed = FounderArticle(html, ISSUE + "content_1.htm")
    assert parsed.extraction == "fallback" and parsed.not_found == ""


def test_a_page_file_that_ends_before_its_html_end_is_truncated(node_page, gbk_page):
    assert not node_page.truncated and not gbk_page.truncated
    html = load("node_page.htm")
    cut = FounderPage(html[: html.index("content_21854.htm")], ISSUE + "node_7.htm")
    assert cut.truncated and len(cut.article_links) == 1  # what it would have stored as the page's articles
    # Whatever follows </html> (the metadata comment, a spam kit's links) is no part of it.
    assert not FounderPage(html + "<a href=http://spam.example/>久久综合</a>" * 100, ISSUE + "node_7.htm").truncated
    # A template that leaves out either end is whole all the same.
    assert "</body>" in html.lower() and "</html>" in html.lower()
    for end in ("</html>", "</body>"):
        at = html.lower().index(end)
        assert not FounderPage(html[:at] + html[at + len(end):], ISSUE + "node_7.htm").truncated, end
