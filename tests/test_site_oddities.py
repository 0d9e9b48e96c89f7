"""Crawls of sites that send what real Founder sites send and the bundled sample does not:
error pages served with HTTP 200, bytes that contradict the declared charset, picture
stories, redirects off the site or to another issue, files cut short. The real `scrapy crawl
issues` over HTTP on 127.0.0.1 into a real SQLite archive, as in test_crawl.py."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from crawler.templates.text import HAN
from tests.conftest import SAMPLE_SITE, run_crawl, sql_rows
from tests.sites import SAMPLE_DAY, sample_site

ISSUE_DIR = "html/2023-01/31/"
NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}
# What IIS and CMS error handlers send for a missing file, with status 200.
ERROR_PAGE = (
    '<html><head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><title>页面不存在</title></head>'
    "<body><div class=error><h1>404</h1><p>对不起，您访问的页面不存在或已被删除！</p>"
    "<p>请检查您输入的网址是否正确。</p><a href=/>返回首页</a></div></body></html>"
)


@pytest.fixture
def archive(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


def crawl(site, archive: str, *args: str, date: str | None = ISSUE_DATE, runs: int = 1):
    """Crawl ``site`` ``runs`` times from one server; the results and the paths asked per run."""
    results = []
    with SiteServer(site, prefix=PREFIX) as server:
        for _ in range(runs):
            before = len(server.requests)
            dates = (f"date={date}",) if date else ()
            done = run_crawl(*dates, f"base_url={server.url}{PREFIX.lstrip('/')}", *args, archive=archive, settings=NO_PDFS)
            results.append((done, [r.path for r in server.requests[before:]]))
    return results


# --- error pages served with HTTP 200 -----------------------------------------------------------


def test_an_article_answered_by_an_error_page_is_a_broken_link_not_an_article(tmp_path, archive):
    gone = "content_306512.htm"
    site = sample_site(tmp_path / "site", alter=lambda name, html: ERROR_PAGE if name == gone else html, pdfs=False)
    (done, _), (again, asked) = crawl(site, archive, runs=2)
    assert done.returncode == 4, done.stderr[-2000:]  # as for a 404: finished, one article missing
    assert [line for line in done.stderr.splitlines()
            if "broken article link (error page with HTTP 200: '页面不存在')" in line and gone in line]
    assert "Traceback" not in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE url LIKE :u", u=f"%{gone}") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(19,)]
    assert f"{PREFIX}{ISSUE_DIR}{gone}" in asked  # asked again by the next run


def _error_entry(site, day: date) -> None:
    entry = site / "html" / f"{day:%Y-%m}" / f"{day:%d}" / "node_1.htm"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(ERROR_PAGE, encoding="utf-8")


def test_an_issue_answered_by_an_error_page_is_no_issue(tmp_path, archive):
    site = sample_site(tmp_path / "site", pdfs=False)
    _error_entry(site, SAMPLE_DAY + timedelta(days=7))
    [(done, _)] = crawl(site, archive, date="2023-02-07")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "no issue of 公益时报" in line]
    assert len(lines) == 1 and "INFO" in lines[0] and "2023-02-07" in lines[0] and "页面不存在" in lines[0]
    assert "WARNING: no page number" not in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM issues") == [(0,)]


def test_the_latest_issue_walks_back_past_an_error_page(tmp_path, archive, paper_day):
    today = paper_day
    tuesdays = [today - timedelta(days=n) for n in range(14) if (today - timedelta(days=n)).isoweekday() == 2]
    site = sample_site(tmp_path / "site", days=[tuesdays[1]], pdfs=False)
    (site / "paperindex.htm").unlink()
    _error_entry(site, tuesdays[0])  # the newest scheduled day: not out yet
    [(done, _)] = crawl(site, archive, date=None)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [str(day) for (day,) in sql_rows(archive, "SELECT issue_date FROM issues")] == [tuesdays[1].isoformat()]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


# --- bytes that contradict the declared charset ---------------------------------------------------


@pytest.mark.parametrize("files", ["GBK under a utf-8 <meta>", "UTF-8 under a gb2312 <meta>"])
def test_files_whose_bytes_contradict_their_declared_charset_are_read_as_they_are(tmp_path, archive, files):
    import json

    from crawler.sample import SITE

    site = sample_site(tmp_path / "site", pdfs=False)
    for file in (site / "html").rglob("*.htm"):
        html = file.read_text(encoding="utf-8")
        assert "charset=utf-8" in html
        if files.startswith("GBK"):
            file.write_bytes(html.encode("gb18030"))
        else:
            file.write_text(html.replace("charset=utf-8", "charset=gb2312"), encoding="utf-8")
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
    titles = {title for (title,) in sql_rows(archive, "SELECT title_original FROM articles")}
    assert titles == {article["title"] for article in manifest["articles"]}
    sections = {section for (section,) in sql_rows(archive, "SELECT section_original FROM pages")}
    assert sections == {page["section"] for page in manifest["pages"]}
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE body LIKE :r OR body = ''", r="%\ufffd%") == [(0,)]


def _gbk_site(tmp_path, charset: str):
    """The sample site's files in GBK under a <meta> that names ``charset``."""
    site = sample_site(tmp_path / "site", pdfs=False)
    for file in (site / "html").rglob("*.htm"):
        html = file.read_text(encoding="utf-8")
        assert "charset=utf-8" in html
        file.write_bytes(html.replace("charset=utf-8", f"charset={charset}").encode("gb18030"))
    return site


def _manifest() -> dict:
    from crawler.sample import SITE

    return json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


TEXTS = "SELECT url, title, title_original, body, body_original FROM articles"


@pytest.mark.parametrize("charset", ["big5", "iso-8859-1"])
def test_gbk_files_under_a_big5_or_latin1_meta_are_read_as_gbk(tmp_path, archive, charset):
    [(done, _)] = crawl(_gbk_site(tmp_path, charset), archive)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = _manifest()
    assert {row.title_original for row in sql_rows(archive, TEXTS)} == {article["title"] for article in manifest["articles"]}
    sections = {section for (section,) in sql_rows(archive, "SELECT section_original FROM pages")}
    assert sections == {page["section"] for page in manifest["pages"]}
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE body LIKE :r OR body = ''", r="%\ufffd%") == [(0,)]


def test_reprocess_reads_gbk_files_stored_under_a_wrong_charset_again(tmp_path, archive):
    """The raw files are kept as fetched: reprocess decodes them again, and the text the code
    before stored (the GBK bytes read as Big5) is replaced by the paper's."""
    from sqlalchemy import create_engine, text

    from tests.conftest import archive_command

    [(done, _)] = crawl(_gbk_site(tmp_path, "big5"), archive)
    assert done.returncode == 0, done.stderr[-2000:]
    crawled = sorted(sql_rows(archive, TEXTS))
    engine = create_engine(archive)
    with engine.begin() as conn:
        for url, *texts in crawled:
            garbled = [value.encode("gb18030").decode("big5hkscs", "replace") for value in texts]
            conn.execute(text("UPDATE articles SET title = :t, title_original = :to, body = :b, body_original = :bo "
                              "WHERE url = :u"), dict(zip(("t", "to", "b", "bo"), garbled), u=url))
    engine.dispose()
    assert sorted(sql_rows(archive, TEXTS)) != crawled
    done = archive_command("reprocess", archive=archive)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(sql_rows(archive, TEXTS)) == crawled
    assert {row.title_original for row in crawled} == {article["title"] for article in _manifest()["articles"]}


# --- picture stories ------------------------------------------------------------------------------


def _picture_story(name: str, html: str) -> str:
    """The two sample articles with pictures, their text taken out: pictures and captions only."""
    if name not in ("content_306501.htm", "content_306505.htm"):
        return html
    start, end = html.index("<founder-content>") + len("<founder-content>"), html.index("</founder-content>")
    return html[:start] + "<!--<npm:article-content>--><P>&nbsp;</P><!--</npm:article-content>-->" + html[end:]


def test_a_picture_story_is_stored_with_its_pictures_and_no_text(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_picture_story, pdfs=False)
    # An alarm share that two articles without text of twenty would pass.
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive,
                         settings=NO_PDFS | {"ARCHIVE_DRIFT_MAX_SHARE": "0.05"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "template drift" not in done.stderr
    stories = sql_rows(archive, """
        SELECT a.title, a.body, a.body_original, a.extraction, count(i.id), min(i.caption)
        FROM articles a JOIN images i ON i.article_id = a.id
        WHERE a.url LIKE '%content_306501.htm' OR a.url LIKE '%content_306505.htm'
        GROUP BY a.id ORDER BY a.url""")
    assert [(title[:2], body, original, extraction, n) for title, body, original, extraction, n, _ in stories] == [
        ("广东", "", "", "template", 1), ("江西", "", "", "template", 1)]
    assert all(caption for *_, caption in stories)
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE body != ''") == [(18,)]


# --- redirects off the site -----------------------------------------------------------------------

# What a hijacked or lapsed site sends its visitors to.
ELSEWHERE = (
    "<html><head><meta charset=utf-8><title>澳门威尼斯人娱乐城</title></head><body><h1>澳门威尼斯人娱乐城官网</h1>"
    f"<p>{'百家乐在线娱乐，注册即送彩金，欢迎光临本站。' * 5}</p></body></html>"
)


@pytest.mark.parametrize("file, what", [("content_306512.htm", "article"), ("node_1.htm", "issue")])
def test_a_file_redirected_off_the_site_is_not_read_as_the_papers(tmp_path, archive, file, what):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "index.htm").write_text(ELSEWHERE, encoding="utf-8")
    site = sample_site(tmp_path / "site", pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    with SiteServer(other) as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + "index.htm"  # another host name
        with SiteServer(site, prefix=PREFIX, redirects={asked: target}) as server:
            done = run_crawl(f"date={ISSUE_DATE}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive,
                             settings=NO_PDFS)
        assert any(request.path == "/index.htm" for request in elsewhere.requests)
    assert done.returncode == 4, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    why = f"(redirected off the site to {target})"
    if what == "article":
        assert [line for line in done.stderr.splitlines() if f"WARNING: broken article link {why}, skipped:" in line
                and line.endswith(asked)]
        assert sql_rows(archive, "SELECT count(*) FROM articles") == [(19,)]
    else:
        assert [line for line in done.stderr.splitlines() if f"ERROR: issue of 公益时报 on {ISSUE_DATE} not fetched {why}" in line]
        assert sql_rows(archive, "SELECT count(*) FROM issues") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE title LIKE '%娱乐%' OR url LIKE '%localhost%'") == [(0,)]


@pytest.mark.parametrize("file, what", [("content_306512.htm", "article"), ("node_9.htm", "page"), ("node_1.htm", "issue")])
def test_a_file_the_site_redirects_round_in_a_loop_fails_the_run_and_is_read_again(tmp_path, archive, file, what):
    """Scrapy drops a request redirected more than REDIRECT_MAX_TIMES times, as it drops what
    robots.txt forbids: the file was missed by a run that ended with status 0 and "0 failed"."""
    site = sample_site(tmp_path / "site", pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        server._redirects[asked] = f"{server.url}{asked.lstrip('/')}?from=cdn"  # the same file, again and again
        done = run_crawl(f"date={ISSUE_DATE}", base, archive=archive, settings=NO_PDFS)
        server._redirects.clear()
        before = len(server.requests)
        again = run_crawl(f"date={ISSUE_DATE}", base, archive=archive, settings=NO_PDFS)
        asked_again = [r.path for r in server.requests[before:]]
    assert done.returncode == 4, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    why = "(redirected more times than REDIRECT_MAX_TIMES allows (a redirect loop))"
    failed = f"ERROR: issue of 公益时报 on {ISSUE_DATE} not fetched {why}: " if what == "issue" else f"ERROR: {what} not fetched, skipped: "
    assert [line for line in done.stderr.splitlines() if failed in line and line.endswith(asked) or f"{asked} {why}" in line]
    assert sql_rows(archive, "SELECT status FROM crawl_runs ORDER BY id") == [("failed",), ("finished",)]
    assert again.returncode == 0, again.stderr[-2000:]
    assert asked in asked_again
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT url) FROM pages") == [(16, 16)]
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]


# --- a file cut short -------------------------------------------------------------------------------


def test_an_article_file_cut_short_is_not_stored_as_a_shorter_article(tmp_path, archive):
    """A file fetched while the site was writing it: HTTP 200 and a Content-Length, half the text."""
    cut = "content_306509.htm"

    def half(name: str, html: str) -> str:
        if name != cut:
            return html
        start, end = html.index("<!--<npm:article-content>-->"), html.index("<!--</npm:article-content>-->")
        return html[: (start + end) // 2]

    site = sample_site(tmp_path / "site", alter=half, pdfs=False)
    (done, _), (again, asked) = crawl(site, archive, runs=2)
    assert done.returncode == 4, done.stderr[-2000:]
    assert [line for line in done.stderr.splitlines() if "ERROR: article not fetched, skipped (file cut short on 1 of the 3 runs" in line
            and f"{cut} (truncated: the file ends inside the article's text)" in line]
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE url LIKE :u", u=f"%{cut}") == [(0,)]
    assert f"{PREFIX}{ISSUE_DIR}{cut}" in asked  # asked again by the next run


# --- redirects to another issue -------------------------------------------------------------------


@pytest.mark.parametrize("file, what", [("node_9.htm", "page"), ("content_306512.htm", "article")])
def test_a_file_redirected_to_another_issue_is_not_stored_as_this_issues(tmp_path, archive, file, what):
    """A site that sends requests for a missing file to its newest issue's."""
    newer = SAMPLE_DAY + timedelta(days=7)
    site = sample_site(tmp_path / "site", days=[SAMPLE_DAY, newer], pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    with SiteServer(site, prefix=PREFIX) as server:
        target = f"{server.url}{PREFIX.lstrip('/')}html/{newer:%Y-%m/%d}/{'node_1.htm' if what == 'page' else file}"
        server._redirects[asked] = target
        done = run_crawl(f"date={ISSUE_DATE}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive,
                         settings=NO_PDFS)
    assert done.returncode == 4, done.stderr[-2000:]
    assert [line for line in done.stderr.splitlines()
            if f"WARNING: broken {what} link (serves the issue of {newer.isoformat()}), skipped (another issue's file on 1 of" in line and line.endswith(asked)]
    pages = sql_rows(archive, "SELECT p.page_number, p.url FROM pages p JOIN issues i ON i.id = p.issue_id")
    assert all(f"/{ISSUE_DIR}" in url for _, url in pages)
    assert sorted(number for number, _ in pages) == [n for n in range(1, 17) if what == "article" or n != 7]
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE url NOT LIKE :d", d=f"%/{ISSUE_DIR}%") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20 - (2 if what == "page" else 1),)]


@pytest.mark.parametrize("file, what", [("node_6.htm", "page"), ("node_1.htm", "issue")])
def test_a_page_file_cut_short_is_not_stored_with_fewer_articles(tmp_path, archive, file, what):
    """Cut inside its title list: the page would have been complete with one of its two articles."""
    def half(name: str, html: str) -> str:
        return html[: html.index("</li>") + len("</li>")] if name == file else html

    site = sample_site(tmp_path / "site", alter=half, pdfs=False)
    (done, _), (again, asked) = crawl(site, archive, runs=2)
    assert done.returncode == 4, done.stderr[-2000:]
    why = "(truncated: the file ends before its </body> and </html>)"
    if what == "page":
        assert [line for line in done.stderr.splitlines() if "ERROR: page not fetched, skipped (file cut short on 1 of the 3 runs" in line and f"{file} {why}" in line]
        assert sql_rows(archive, "SELECT count(*) FROM pages WHERE url LIKE :u", u=f"%{file}") == [(0,)]
        assert sql_rows(archive, "SELECT count(*) FROM articles") == [(18,)]
    else:
        assert [line for line in done.stderr.splitlines() if f"ERROR: issue of 公益时报 on {ISSUE_DATE} not fetched {why}" in line]
        assert sql_rows(archive, "SELECT count(*) FROM issues") == [(0,)]
    assert f"{PREFIX}{ISSUE_DIR}{file}" in asked  # asked again by the next run


# --- files served wrong with status 200, then right ----------------------------------------------

# What a CDN or a WAF sends with status 200 to a crawler it throttles.
BUSY_PAGE = ('<html><head><meta charset="utf-8"><title>系统繁忙</title></head>'
             "<body><div><p>访问过于频繁，请稍后再试。</p></div></body></html>")


def test_an_issue_answered_by_a_busy_page_is_a_failed_issue_not_a_date_without_one(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=lambda name, html: BUSY_PAGE if name == "node_1.htm" else html, pdfs=False)
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 4, done.stderr[-2000:]
    assert f"ERROR: issue of 公益时报 on {ISSUE_DATE} not fetched (error page with HTTP 200: '系统繁忙')" in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM absent_issues") == [(0,)]


def _article_file(name: str, html: str) -> str:
    return (SAMPLE_SITE / ISSUE_DIR / "content_306512.htm").read_text(encoding="utf-8")


@pytest.mark.parametrize("file", ["content_306512.htm", "node_9.htm"])
def test_a_busy_page_for_a_page_or_article_is_a_failed_fetch_never_counted_towards_gone(tmp_path, archive_url, file):
    """Counted as a dead link, a file the CDN throttled on a few runs was given up for gone and
    never asked again."""
    site = sample_site(tmp_path / "site", alter=lambda name, html: BUSY_PAGE if name == file else html, pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    once = NO_PDFS | {"ARCHIVE_GONE_AFTER_RUNS": "1", "ARCHIVE_GONE_AFTER_DAYS": "0"}
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        runs = []
        for _ in range(2):
            before = len(server.requests)
            runs.append((run_crawl(f"date={ISSUE_DATE}", base, archive=archive_url, settings=once),
                         [r.path for r in server.requests[before:]]))
    what = "page" if file.startswith("node") else "article"
    for done, paths in runs:
        assert done.returncode == 4, done.stderr[-3000:]
        assert asked in paths
        assert [line for line in done.stderr.splitlines()
                if f"ERROR: {what} not fetched, skipped: " in line and asked in line and line.endswith("(error page with HTTP 200: '系统繁忙')")], done.stderr[-3000:]
        assert "0 links gone" in done.stderr and "link gone:" not in done.stderr and "Traceback" not in done.stderr
    assert sql_rows(archive_url, "SELECT count(*) FROM dead_links") == [(0,)]


def test_a_server_error_after_the_retries_is_a_failed_fetch_not_a_broken_link(tmp_path, archive):
    site = sample_site(tmp_path / "site", pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}content_306512.htm"
    with SiteServer(site, prefix=PREFIX, faults={asked: [503, 503, 503]}) as server:
        done = run_crawl(f"date={ISSUE_DATE}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 4, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines()
            if "ERROR: article not fetched, skipped: " in line and asked in line and line.endswith("(HTTP 503)")], done.stderr[-3000:]
    assert "broken article link" not in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM dead_links") == [(0,)]


@pytest.mark.parametrize("file, serve, answer", [
    ("content_306512.htm", lambda name, html: "", "file cut short"),
    # Cut before the article's text begins: its title block and no more.
    ("content_306512.htm", lambda name, html: html[: html.index("<!--<npm:article-content>-->") - 200], "file cut short"),
    # Page 7's link answered with an article of page 8: read as page 8, it took page 8's
    # place, and page 7 and its articles were missed without a word, exit status 0.
    ("node_9.htm", _article_file, "another page's file"),
])
def test_a_file_served_wrong_with_status_200_is_not_stored_and_the_next_run_stores_it(tmp_path, archive_url, file, serve, answer):
    site = sample_site(tmp_path / "site", alter=lambda name, html: serve(name, html) if name == file else html, pdfs=False)
    asked = f"{PREFIX}{ISSUE_DIR}{file}"
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        first = run_crawl(f"date={ISSUE_DATE}", base, archive=archive_url, settings=NO_PDFS)
        stored_first = sql_rows(archive_url, "SELECT count(*) FROM articles")[0][0]
        (site / ISSUE_DIR / file).write_bytes((SAMPLE_SITE / ISSUE_DIR / file).read_bytes())  # the site mended
        before = len(server.requests)
        again = run_crawl(f"date={ISSUE_DATE}", base, archive=archive_url, settings=NO_PDFS)
        asked_again = [r.path for r in server.requests[before:]]
    assert first.returncode == 4, first.stderr[-3000:]
    assert "Traceback" not in first.stderr + again.stderr
    assert [line for line in first.stderr.splitlines() if f"skipped ({answer} on 1 of the 3 runs" in line and asked in line], first.stderr[-3000:]
    assert stored_first == (18 if file.startswith("node") else 19)
    assert again.returncode == 0, again.stderr[-3000:]
    assert asked in asked_again
    pages = sql_rows(archive_url, "SELECT p.page_number, p.url FROM pages p")
    assert sorted(number for number, _ in pages) == list(range(1, 17))
    assert len({url for _, url in pages}) == 16
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]
    assert sql_rows(archive_url, "SELECT title FROM articles WHERE url LIKE :u", u="%content_306512.htm") == [("健全机制，推行常态化帮扶",)]
    assert sql_rows(archive_url, "SELECT count(*) FROM dead_links") == [(0,)]


# --- a source that wraps its lines inside Chinese text -----------------------------------------------

_SOURCE_TEXT = re.compile(r"(<!--.*?-->|<script.*?</script>|<style.*?</style>)|>([^<&]+)<", re.S | re.I)
_WRAPPABLE = re.compile(f"(?<=[{HAN}\u3000-\u303f\uff00-\uffef])(?=[{HAN}\u3000-\u303f\uff00-\uffef])")


def _wrapped(name: str, html: str) -> str:
    """The file as an editor that wraps its source every few characters saves it: a line
    break, and the next line's indentation, between every third pair of Chinese characters (not in comments,
    which carry the metadata, nor in code)."""
    def wrap(match: re.Match) -> str:
        if match[1]:
            return match[1]
        gaps = iter(range(10**6))
        text = _WRAPPABLE.sub(lambda _: "\r\n\t  " if next(gaps) % 3 == 2 else "", match[2])
        return f">{text}<"

    return _SOURCE_TEXT.sub(wrap, html)


def test_a_source_wrapped_inside_chinese_text_is_stored_as_the_unwrapped_one(tmp_path):
    wrapped, plain = f"sqlite:///{tmp_path / 'wrapped.sqlite3'}", f"sqlite:///{tmp_path / 'plain.sqlite3'}"
    assert _wrapped("x", "<p>民政部召開社會工作</p>") == "<p>民政部\r\n\t  召開社\r\n\t  會工作</p>"
    for site, archive in ((sample_site(tmp_path / "w", alter=_wrapped, pdfs=False), wrapped),
                          (sample_site(tmp_path / "p", pdfs=False), plain)):
        (done, _), = crawl(site, archive)
        assert done.returncode == 0, done.stderr[-2000:]
    fields = """SELECT substr(a.url, instr(a.url, '/html/')), pretitle, title, subtitle, byline, source, body, body_original, title_original,
                       group_concat(i.caption, '|'), p.page_label, p.section
                FROM articles a JOIN pages p ON p.id = a.page_id LEFT JOIN images i ON i.article_id = a.id
                GROUP BY a.id ORDER BY a.url"""
    rows = sql_rows(wrapped, fields)
    assert len(rows) == 20 and rows == sql_rows(plain, fields)
    # A word the source broke is found.
    assert sql_rows(wrapped, "SELECT count(*) FROM articles WHERE body LIKE '%社会工作%'") != [(0,)]


# --- links in other schemes; a response whose reading raises ----------------------------------------


def _pdf_link_in_another_scheme(name: str, html: str) -> str:
    """The entry page's PDF link as a hijacked page writes it: a browser reads it as javascript:."""
    if name != "node_1.htm":
        return html
    return html.replace("href=../../../images/2023-01/31/01/GYSB2023013101.pdf", "href='java&#9;script:alert(1)//.pdf'")


def test_a_link_in_another_scheme_is_no_file_and_its_page_is_read_through(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_pdf_link_in_another_scheme, pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive,
                         settings={"ARCHIVE_FETCH_PDFS": "True"})
    # The page was stored before: its PDF request raised, and its articles were never asked for.
    assert done.returncode == 0, done.stderr[-2000:]  # the other PDFs: 404 from this copy, a PDF the site lacks
    assert "Missing scheme" not in done.stderr and "Traceback" not in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]
    assert sql_rows(archive, "SELECT pdf_url FROM pages WHERE page_number = 1") == [(None,)]


def _pipelines_with(faulty: str) -> str:
    from crawler.settings import ITEM_PIPELINES

    return json.dumps(ITEM_PIPELINES | {faulty: 150})


# A defect in reading one file (a spider middleware that raises on the entry page's output) and
# in processing one article (a pipeline that raises on it). Scrapy logged the traceback of the
# second and dropped the article; the run said finished, 0 failed, and ended with status 0.
FAULTS = {
    "read": ({"SPIDER_MIDDLEWARES": '{"tests.crawl_faults.RaisingMiddleware": 50}'}, "node_1.htm",
             "RuntimeError: a defect reading", "1 read error", "read error: a defect reading", "articles 0 new"),
    "processing": ({"ITEM_PIPELINES": _pipelines_with("tests.crawl_faults.RaisingPipeline")}, "content_306507.htm",
                   "ValueError: a defect processing", "1 article", "processing error: a defect processing",
                   "articles 19 new, 0 updated (0 changed), 1 failed"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_file_whose_reading_or_processing_raises_fails_the_run_and_is_read_again(tmp_path, archive, fault):
    settings, file, traceback, counted, first, summary = FAULTS[fault]
    site = sample_site(tmp_path / "site", pdfs=False)
    with SiteServer(site, prefix=PREFIX) as server:
        base = f"base_url={server.url}{PREFIX.lstrip('/')}"
        done = run_crawl(f"date={ISSUE_DATE}", base, archive=archive, settings=NO_PDFS | settings | {"FAULTY_URL_SUFFIX": file})
        assert done.returncode == 4, done.stderr[-2000:]
        assert traceback in done.stderr  # Scrapy's traceback, in the log
        (failed,) = [line for line in done.stderr.splitlines() if "not fetched:" in line]
        assert counted in failed and f"{file}: {first}" in failed
        assert summary in done.stderr
        assert sql_rows(archive, "SELECT status FROM crawl_runs") == [("failed",)]
        assert sql_rows(archive, "SELECT count(*) FROM articles")[0][0] < 20
        before = len(server.requests)
        again = run_crawl(f"date={ISSUE_DATE}", base, archive=archive, settings=NO_PDFS)
        assert again.returncode == 0, again.stderr[-2000:]
        assert f"{PREFIX}{ISSUE_DIR}{file}" in [r.path for r in server.requests[before:]]
    assert sql_rows(archive, "SELECT count(*) FROM pages") == [(16,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


# --- source notes outside the paragraphs ------------------------------------------------------------

_FARM_LINES = "".join(f'<P><a href="http://www.{n}.example/">{title}</a></P>' for n, title in enumerate(
    ["亚洲人成网站999久久久综合", "久久综合亚洲色一区二区三区", "亚洲综合网站色欲色欲", "天天干天天射综合网", "国产成人综合久久综合"]))
# Each sample article's closing note as sites also set it: outside any <P>, after the last one.
_CLOSINGS = {
    "content_306502.htm": ("<P>　　(據廣東省民政廳)</P>", "\n　　(據廣東省民政廳)\n"),  # bare text
    "content_306504.htm": ("<P>　　(據湖北省民政廳)</P>", "<div align=right>(據湖北省民政廳)</div>"),
    "content_306506.htm": ("<P>　　(據天山網)</P>", "<br>\n(據天山網)"),
    # The note ends the last paragraph; the spam kit's paragraph follows it.
    "content_306509.htm": ("發展。(據民政部官網)</P>", "發展。</P><font color=#666666>(據民政部官網)</font>"),
    # A link farm set one title a line follows it: more lines than the page object looks back over.
    "content_306510.htm": ("<P>　　(據廣西壯族自治區民政廳)</P>", "<span>　　(據廣西壯族自治區民政廳)</span>" + _FARM_LINES),
    "content_306512.htm": ("<P>　　(據《天水日報》)</P>", "<P align=right><font>來源：天水日報</font></P>"),
    "content_306513.htm": ("<P>　　(據江西省民政廳)</P>", "本文來源: 江西省民政廳<br>"),
}
# Articles without a note whose last line holds 據 all the same.
_NO_NOTE = {
    "content_306507.htm": "(據統計)",  # after the last sentence, in its paragraph
    "content_306508.htm": "</P>\n　　據了解,全市已有404個社區建成兒童之家",  # a sentence outside the paragraphs
}


def _closings_outside_paragraphs(name: str, html: str) -> str:
    if name in _CLOSINGS:
        before, after = _CLOSINGS[name]
        assert html.count(before) == 1, name
        return html.replace(before, after)
    if name in _NO_NOTE:
        end = html.rindex("</P>", 0, html.index("<!--</npm:article-content>-->"))
        return html[:end] + _NO_NOTE[name] + html[end:]
    return html


def test_source_notes_outside_the_paragraphs_are_stored_as_the_source(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_closings_outside_paragraphs, pdfs=False)
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {url.rsplit("/", 1)[1]: (source, body) for url, source, body in sql_rows(archive, "SELECT url, source, body FROM articles")}
    assert {name: rows[name][0] for name in [*_CLOSINGS, *_NO_NOTE]} == {
        "content_306502.htm": "据广东省民政厅",
        "content_306504.htm": "据湖北省民政厅",
        "content_306506.htm": "据天山网",
        "content_306509.htm": "据民政部官网",
        "content_306510.htm": "据广西壮族自治区民政厅",
        "content_306512.htm": "来源：天水日报",
        "content_306513.htm": "本文来源：江西省民政厅",
        "content_306507.htm": "",
        "content_306508.htm": "",
    }
    # The body keeps the note as its last line (the spam after it gone), and its text before it.
    last = {name: body.split("\n")[-2:] for name, (_, body) in rows.items()}
    assert last["content_306502.htm"][1] == "（据广东省民政厅）" and last["content_306502.htm"][0].endswith("100%覆盖。")
    assert last["content_306509.htm"][1] == "（据民政部官网）" and last["content_306509.htm"][0].endswith("实现社会工作高质量发展。")
    assert last["content_306513.htm"][1] == "本文来源：江西省民政厅"
    assert last["content_306510.htm"][1] == "（据广西壮族自治区民政厅）"
    assert last["content_306507.htm"][1].endswith("。（据统计）")
    assert last["content_306508.htm"][1] == "据了解，全市已有404个社区建成儿童之家"


# --- pictures inside the content region; a table of figures in the text ---------------------------

_FIGURES = ("<table border=1><tr><th>地區</th><th>社工站(個)</th><th>覆蓋率</th></tr>"
            "<tr><td>廣東</td><td>1600</td><td>100%</td></tr><tr><td>新疆</td><td>1056</td><td>97%</td></tr></table>")


def _pictures_below_and_figures(name: str, html: str) -> str:
    """306501's picture set below its text, inside the content region; a table of figures
    before 306506's source note."""
    if name == "content_306501.htm":
        start = html.index("<table id=newspic")
        end = html.index("</table>", start) + len("</table>")
        table, html = html[start:end], html[:start] + html[end:]
        return html.replace("<!--</npm:article-content>-->", f"{table}\n<!--</npm:article-content>-->")
    if name == "content_306506.htm":
        return html.replace("<P>　　(據天山網)</P>", f"{_FIGURES}\n<P>　　(據天山網)</P>")
    return html


def test_pictures_below_the_text_and_a_table_of_figures_are_stored_as_such(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_pictures_below_and_figures, pdfs=False)
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    [(body, captions)] = sql_rows(archive, """
        SELECT a.body, group_concat(i.caption, '|') FROM articles a JOIN images i ON i.article_id = a.id
        WHERE a.url LIKE '%content_306501.htm' GROUP BY a.id""")
    assert captions.startswith("2022年春节前夕，汕尾市双百社工开展走访行动") and "|" not in captions
    assert "汕尾" not in body and body.endswith("城乡社区工作者队伍建设工程。")
    [(body, source)] = sql_rows(archive, "SELECT body, source FROM articles WHERE url LIKE '%content_306506.htm'")
    assert body.split("\n")[-4:] == ["地区｜社工站(个)｜覆盖率", "广东｜1600｜100%", "新疆｜1056｜97%", "（据天山网）"]
    assert source == "据天山网"


# --- an unclosed <font> on every line --------------------------------------------------------------

_LINES = 700


def _unclosed_fonts(name: str, html: str) -> str:
    """306514's text as an editor leaves it: each line opens a <font> that nothing closes."""
    if name != "content_306514.htm":
        return html
    start = html.index("<!--<npm:article-content>-->") + len("<!--<npm:article-content>-->")
    end = html.index("<!--</npm:article-content>-->")
    lines = "".join(f"<font size=3>　　第{n}行，社工站建設取得積極進展。<br>\n" for n in range(_LINES))
    return html[:start] + lines + "(據新華社)" + html[end:]


def test_an_article_whose_every_line_opens_a_font_is_stored_whole(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_unclosed_fonts, pdfs=False)
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    [(body, source)] = sql_rows(archive, "SELECT body, source FROM articles WHERE url LIKE '%content_306514.htm'")
    assert body.split("\n") == [f"第{n}行，社工站建设取得积极进展。" for n in range(_LINES)] + ["（据新华社）"]
    assert source == "据新华社"


# --- a front page whose title list links an article of another page (导读) ---------------------

_TEASED = "content_306506.htm"  # printed on page 4 (node_5.htm)


def _teaser(front: str, title_list: str):
    """An ``alter`` that lists, first on the front page ``front``, the page-4 article _TEASED,
    as a 导读 does (tests.sites.front_page_teaser, for either paper's markup)."""
    def alter(name: str, html: str) -> str:
        if name != front:
            return html
        teaser = f'<li>&middot;<a href={_TEASED}?div=-1><div style="display:inline" id=mp306506>導讀</div></a></li>'
        return html.replace(title_list, title_list + teaser, 1)
    return alter


@pytest.mark.parametrize("paper", ["gongyishibao", "shehuibao (no metadata comment)"])
def test_an_article_a_front_page_teases_is_stored_on_the_page_it_is_printed_on(tmp_path, archive, monkeypatch, paper):
    """The first page to link an article placed it: the page-4 article the front page's title
    list leads with was stored on page 1, in its section (头版); found by the front page or by
    search on 新闻, it was on the wrong page. Its file names its own page (the metadata's node
    id, or without metadata its page label): it is stored there, and the front page keeps it
    among its links."""
    from crawler.papers import PROFILES_ENV
    from tests.sites import SHEHUIBAO_PROFILES, shehuibao_site

    if paper == "gongyishibao":
        site = sample_site(tmp_path / "site", alter=_teaser("node_1.htm", '<ul class="ul02_l">'), pdfs=False)
        args, day = (), ISSUE_DATE
    else:
        monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
        site = shehuibao_site(tmp_path / "site", [date(2023, 1, 30)], alter=_teaser("node_2.htm", '<ul class="title-list">'))
        args, day = ("paper=shehuibao",), "2023-01-30"
    [(done, asked)] = crawl(site, archive, *args, date=day)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sum(path.endswith(_TEASED) for path in asked) == 1
    placed = sql_rows(archive, "SELECT p.page_number, p.section, p.page_label FROM articles a JOIN pages p ON p.id = a.page_id"
                               " WHERE a.url LIKE :u", u=f"%{_TEASED}")
    assert placed == [(4, "新闻", "第04版：新闻" if paper == "gongyishibao" else "第4版：新闻")]
    linked = sql_rows(archive, "SELECT p.page_number, pa.position FROM page_articles pa JOIN pages p ON p.id = pa.page_id"
                               " WHERE pa.url LIKE :u ORDER BY p.page_number", u=f"%{_TEASED}")
    assert linked == [(1, 0), (4, 0)]
    # The front page holds its own articles, and every article is on the page whose title it bears.
    assert sql_rows(archive, "SELECT p.page_number, count(a.id) FROM pages p LEFT JOIN articles a ON a.page_id = p.id"
                             " WHERE p.page_number IN (1, 4) GROUP BY 1 ORDER BY 1") == [(1, 3), (4, 1)]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


# --- bylines set after a mark -------------------------------------------------------------------


def _marked_bylines(name: str, html: str) -> str:
    """A ◎ before the 作者 row's byline of 306504, and before a lead line run in to 306510's text."""
    if name == "content_306504.htm":
        return html.replace("<tr valign=top><td align=center height=22></td></tr>",
                            "<tr valign=top><td align=center height=22>◎ 本報記者 皮磊</td></tr>", 1)
    if name == "content_306510.htm":
        return html.replace("<P>　　爲做好寒假", "<P>◎本報記者 王勇　　爲做好寒假", 1)
    return html


def test_a_byline_is_stored_without_the_mark_before_it(tmp_path, archive):
    site = sample_site(tmp_path / "site", alter=_marked_bylines, pdfs=False)
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = sql_rows(archive, "SELECT substr(url, -18), byline FROM articles WHERE url LIKE '%content_306504.htm'"
                             " OR url LIKE '%content_306510.htm' ORDER BY url")
    assert rows == [("content_306504.htm", "本报记者 皮磊"), ("content_306510.htm", "本报记者 王勇")]


# --- an XHTML page off the template -------------------------------------------------------------

_XHTML = "content_306513.htm"
_XHTML_TITLE = "某市召開社會工作會議"
_XHTML_TEXT = ["近日，某市民政局召開全市社會工作會議，總結去年工作，部署今年任務。",
               "會議指出，要進一步健全社會工作服務體系，推動鄉鎮（街道）社工站建設提質增效。"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_an_xhtml_article_file_with_an_xml_declaration_is_stored_with_its_title_and_text(tmp_path, archive_url, encoding):
    """parsel read a page opening with <?xml …?> as XML: off its template, the generic extractor
    found none of its namespaced tags, and the article was stored without title or text."""
    site = sample_site(tmp_path / "site", pdfs=False)
    paragraphs = "".join(f"<p>{line}</p>" for line in _XHTML_TEXT)
    [file] = (site / "html").rglob(_XHTML)
    file.write_bytes((f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
                      'Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
                      f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{_XHTML_TITLE}_某某日報</title></head>'
                      f"<body><div class=article><h1>{_XHTML_TITLE}</h1>{paragraphs}</div></body></html>").encode(encoding))
    [(done, _)] = crawl(site, archive_url)
    assert done.returncode == 0, done.stderr[-2000:]  # one file of 20 off its template is no drift alarm
    rows = sql_rows(archive_url, "SELECT extraction, title_original, body_original FROM articles WHERE url LIKE :u", u=f"%{_XHTML}")
    assert rows == [("fallback", _XHTML_TITLE, "\n".join(_XHTML_TEXT))]


# --- a page off the template titled by its <title> only -----------------------------------------

_HEADLINE = "廣東發佈城鄉社區服務體系建設“十四五”規劃"
_OLD_CMS = "content_306513.htm"
_OLD_CMS_TITLE = "某市召開社會工作會議"


_SITE_TITLED = "content_306502.htm"
_SITE_TITLED_HEADLINE = "打造具有廣東特色的困難羣衆和特殊羣體兜底民生服務體系"


def _titled_by_title_element(name: str, html: str) -> str:
    """306501 off its template (its title block and metadata title gone, the headline a bold
    cell), its <title> the headline and the paper's name; 306502 so, its <title> the paper's
    name only."""
    if name not in ("content_306501.htm", _SITE_TITLED):
        return html
    html = html.replace("<div id=ozoom", "<div id=newbody").replace("class=wz", "class=article")
    if name == _SITE_TITLED:  # its <TITLE> is the sample's: 公益時報
        return html.replace(f"<title>{_SITE_TITLED_HEADLINE}</title>", "<title></title>")
    html = html.replace(f"<title>{_HEADLINE}</title>", "<title></title>")
    return html.replace("<TITLE>公益時報</TITLE>", f"<TITLE>{_HEADLINE}_公益時報</TITLE>")


def test_a_page_titled_by_its_title_element_is_stored_without_the_sites_name(tmp_path, archive_url):
    """A page without an <h1> took its title from <title> with the site's name glued on (标题_某某日报),
    and every such article was stored so titled; one whose <title> names the site only was stored
    under the site's name."""
    site = sample_site(tmp_path / "site", alter=_titled_by_title_element, pdfs=False)
    [file] = (site / "html").rglob(_OLD_CMS)
    text = "".join(f"　　{line}<br>" for line in _XHTML_TEXT)
    file.write_bytes(('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
                      f"<title>公益時報 - {_OLD_CMS_TITLE}</title></head><body>"
                      "<table><tr><td><img src=/logo.gif alt=公益時報></td></tr></table>"
                      f"<table><tr><td><font size=3>{text}</font></td></tr></table></body></html>").encode("gbk"))
    [(done, _)] = crawl(site, archive_url)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = sql_rows(archive_url, "SELECT url, extraction, title_original FROM articles WHERE url LIKE '%content_306501.htm'"
                                 " OR url LIKE :u OR url LIKE :s ORDER BY url", u=f"%{_OLD_CMS}", s=f"%{_SITE_TITLED}")
    assert [(url.rsplit("/", 1)[1], *fields) for url, *fields in rows] == [
        ("content_306501.htm", "fallback", _HEADLINE), (_SITE_TITLED, "fallback", _SITE_TITLED_HEADLINE),
        (_OLD_CMS, "fallback", _OLD_CMS_TITLE)]


# --- an old CMS page's info line ----------------------------------------------------------------


def test_an_old_cms_pages_info_line_gives_the_stored_source_and_byline(tmp_path, archive):
    """A page off the template (read by the fallback) whose CMS sets its info line under the text
    (2023-01-31 来源：某某日报) or over it (来源：…　作者：张三　发布时间：…) was stored with source
    and byline "": the cleaner takes the line out of the text, and the names went with it."""
    site = sample_site(tmp_path / "site", pdfs=False)
    infos = {"content_306513.htm": ("", "2023-01-31 来源：某某日报"),
             "content_306512.htm": ("来源：某某日报　作者：张三　发布时间：2023-01-31　【打印】【关闭】", "")}
    for name, (opening, closing) in infos.items():
        [file] = (site / "html").rglob(name)
        text = "".join(f"<p>{line}</p>" for line in (opening, *_XHTML_TEXT, closing) if line)
        file.write_bytes(('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                          f"<title>{_OLD_CMS_TITLE}</title></head><body><h1>{_OLD_CMS_TITLE}</h1>"
                          f"<div>{text}</div></body></html>").encode())
    [(done, _)] = crawl(site, archive)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = sql_rows(archive, "SELECT url, extraction, source, byline, body_original FROM articles"
                    " WHERE url LIKE :a OR url LIKE :b ORDER BY url",
                    a="%content_306512.htm", b="%content_306513.htm")
    assert [(url.rsplit("/", 1)[1], *fields) for url, *fields in rows] == [
        ("content_306512.htm", "fallback", "来源：某某日报", "张三", "\n".join(_XHTML_TEXT)),
        ("content_306513.htm", "fallback", "来源：某某日报", "", "\n".join(_XHTML_TEXT))]
