"""An issue the site changed after it was archived, crawled again (`-a refresh=1`): the real
`scrapy crawl issues` over HTTP on 127.0.0.1 into SQLite and PostgreSQL, the site's files
rewritten between the crawls as a paper's staff rewrite them."""
from __future__ import annotations

import re

import pytest

from tests.conftest import archive_command, crawl_site, database_url, sql_rows
from tests.sites import sample_site

ISSUE = "html/2023-01/31"
NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request, tmp_path) -> str:
    return database_url(request, tmp_path)


def rewrite(site, change) -> None:
    """Every HTML file of the issue through ``change(html)``."""
    for file in (site / ISSUE).glob("*.htm"):
        file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")


def crawl(site, archive: str, *args: str, settings: dict[str, str] | None = None) -> None:
    done, _ = crawl_site(archive, *args, site=site, settings=NO_PDFS | (settings or {}))
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_page_the_site_numbers_otherwise_is_one_page_under_its_new_number(tmp_path, archive):
    # The sample's 第15版 (file node_14.htm: two articles) numbered 第17版 after it was archived:
    # in the page lists, on the page and in its articles' files.
    site = sample_site(tmp_path / "site", pdfs=False)
    crawl(site, archive)
    linked = sql_rows(archive, "SELECT l.url FROM page_articles l JOIN pages p ON p.id = l.page_id "
                               "WHERE p.page_number = 15 ORDER BY l.position")
    rewrite(site, lambda html: html.replace("第15版", "第17版"))
    crawl(site, archive, "refresh=1")

    pages = sql_rows(archive, "SELECT page_number FROM pages ORDER BY page_number")
    assert [n for (n,) in pages] == [*range(1, 15), 16, 17]  # the issue has 16 pages, as before
    assert sql_rows(archive, "SELECT l.url FROM page_articles l JOIN pages p ON p.id = l.page_id "
                             "WHERE p.page_number = 17 ORDER BY l.position") == linked
    assert sql_rows(archive, "SELECT count(*) FROM page_articles GROUP BY url HAVING count(*) > 1") == []
    assert sql_rows(archive, "SELECT DISTINCT page_number, page_label FROM article_view "
                             "WHERE url IN (SELECT l.url FROM page_articles l JOIN pages p ON p.id = l.page_id "
                             "WHERE p.url LIKE '%node_14.htm')") == [(17, "第17版：益言堂")]


def test_an_archived_article_the_site_no_longer_serves_stays_as_stored_and_fails_no_run(tmp_path, archive):
    site = sample_site(tmp_path / "site", pdfs=False)
    crawl(site, archive)
    (site / ISSUE / "content_306501.htm").unlink()  # the site took the article down
    (site / ISSUE / "node_3.htm").unlink()  # and a page
    done, _ = crawl_site(archive, "refresh=1", site=site, settings=NO_PDFS)

    # Running again cannot bring back what the archive has: no failure, nothing to fetch.
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run again" not in done.stderr
    assert re.search(r"WARNING: article link held in the archive was not served \(HTTP 404\): it stays as stored: "
                     r"http://127\.0\.0\.1:\d+/\S+/content_306501\.htm$", done.stderr, re.M), done.stderr[-3000:]
    assert re.search(r"WARNING: page link held in the archive was not served \(HTTP 404\): it stays as stored: "
                     r"http://127\.0\.0\.1:\d+/\S+/node_3\.htm$", done.stderr, re.M)
    assert "0 links gone, 2 links held but not served, kept as stored;" in done.stderr
    assert sql_rows(archive, "SELECT count(*) FROM dead_links") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM pages WHERE url LIKE '%node_3.htm'") == [(1,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE url LIKE '%content_306501.htm'") == [(1,)]


def test_a_held_link_an_older_refresh_counted_dead_stays_as_stored_and_loses_its_record(tmp_path, archive):
    # A refresh before the held case counted an archived article and page the site took down
    # as dead links (the page's record already given up on): their records stayed.
    from sqlalchemy import create_engine, text

    site = sample_site(tmp_path / "site", pdfs=False)
    crawl(site, archive)
    (site / ISSUE / "content_306501.htm").unlink()
    (site / ISSUE / "node_3.htm").unlink()
    engine = create_engine(archive)
    with engine.begin() as conn:
        for url_end, kind, gone in (("%content_306501.htm", "article", None), ("%node_3.htm", "page", "2026-11-20")):
            table = "articles" if kind == "article" else "pages"
            issue = "(SELECT p.issue_id FROM articles a JOIN pages p ON p.id = a.page_id WHERE a.url LIKE :u)" \
                if kind == "article" else "(SELECT issue_id FROM pages WHERE url LIKE :u)"
            conn.execute(text(f"INSERT INTO dead_links (issue_id, kind, url, status, reason, first_seen, last_seen, runs, "
                              f"gone_since) SELECT {issue}, :kind, url, 404, 'not_found', :first, :last, :runs, :gone "
                              f"FROM {table} WHERE url LIKE :u"),
                         {"u": url_end, "kind": kind, "first": "2026-11-10 00:00:00+00:00",
                          "last": "2026-11-20 00:00:00+00:00", "runs": 3 if gone else 1,
                          "gone": gone and "2026-11-20 00:00:00+00:00"})
    engine.dispose()
    done, _ = crawl_site(archive, "refresh=1", site=site, settings=NO_PDFS)

    # Held whatever the record says: no failure, no run counted towards its being gone.
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run again" not in done.stderr and "still gone" not in done.stderr
    assert "0 links gone, 2 links held but not served, kept as stored;" in done.stderr, done.stderr[-3000:]
    assert sql_rows(archive, "SELECT count(*) FROM dead_links") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM pages WHERE url LIKE '%node_3.htm'") == [(1,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles WHERE url LIKE '%content_306501.htm'") == [(1,)]


def test_a_page_gone_before_it_was_stored_is_not_held_by_a_refresh(tmp_path, archive):
    # A gone page counts as complete (nothing to store): it is no page the archive holds.
    from sqlalchemy import create_engine, text

    site = sample_site(tmp_path / "site", pdfs=False)
    (site / ISSUE / "node_3.htm").unlink()
    crawl_site(archive, site=site, settings=NO_PDFS)
    engine = create_engine(archive)
    with engine.begin() as conn:
        conn.execute(text("UPDATE dead_links SET runs = 3, gone_since = last_seen"))
    engine.dispose()
    done, _ = crawl_site(archive, "refresh=1", site=site, settings=NO_PDFS)

    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"INFO: page link still gone \(HTTP 404 on 4 runs since \S+\): \S+/node_3\.htm$", done.stderr, re.M), \
        done.stderr[-3000:]
    assert "held in the archive" not in done.stderr
    assert sql_rows(archive, "SELECT kind, runs, gone_since IS NOT NULL FROM dead_links") == [("page", 4, True)]


def remove_page(site, number: int, addresses_follow_numbers: bool) -> dict[int, str]:
    """The site takes page ``number`` out of the issue and numbers the later ones one less, in
    its page lists, on the pages and in their articles' files. ``addresses_follow_numbers``: each
    later page is served at the file that held its new number (the last file answers 404), else
    at its own file (the removed page's answers 404). Returns the files the site now lists, by number."""
    folder = site / ISSUE
    files = {int(n): name for name, n in re.findall(r"id=pageLink href=(node_\d+\.htm)>第(\d+)版",
                                                    (folder / "node_1.htm").read_text(encoding="utf-8"))}
    gone = files[number]
    last = max(files)
    renamed = {files[n + 1]: files[n] for n in range(number, last)} if addresses_follow_numbers else {}
    node = {name[5:-4]: renamed[name][5:-4] for name in renamed}

    def change(html: str) -> str:
        html = re.sub(rf"<li><a href={gone}>[^<]*</a></li>", "", html)
        html = re.sub(rf"<tr[^>]*><td class=default>&nbsp;<a id=pageLink href={gone}>.*?</tr>\n?", "", html)
        html = re.sub(r"第(\d\d)版", lambda m: f"第{int(m[1]) - (int(m[1]) > number):02d}版", html)
        html = re.sub(r"node_(\d+)\.htm", lambda m: f"node_{node.get(m[1], m[1])}.htm", html)
        return re.sub(r"<nodeid>(\d+)</nodeid>", lambda m: f"<nodeid>{node.get(m[1], m[1])}</nodeid>", html)

    moved = {}
    for file in folder.glob("*.htm"):
        moved[renamed.get(file.name, file.name)] = change(file.read_text(encoding="utf-8"))
        file.unlink()
    for name, html in moved.items():
        if name != (files[last] if addresses_follow_numbers else gone):
            (folder / name).write_text(html, encoding="utf-8")
    return {n - (n > number): renamed.get(name, name) for n, name in files.items() if n != number}


def page_state(archive: str) -> list:
    """Every page row, its links and the articles stored on it: what a refresh may change."""
    return sql_rows(archive, "SELECT p.id, p.page_number, p.page_label, p.url, p.removed_at, "
                             "(SELECT count(*) FROM page_articles l WHERE l.page_id = p.id), "
                             "(SELECT count(*) FROM articles a WHERE a.page_id = p.id) FROM pages p ORDER BY p.id")


@pytest.mark.parametrize("addresses_follow_numbers", [False, True], ids=["addresses_kept", "addresses_renumbered"])
def test_a_page_the_site_removes_is_kept_apart_and_the_later_pages_take_their_new_numbers(tmp_path, archive,
                                                                                         addresses_follow_numbers):
    # The sample's 第03版 (node_2.htm) taken out after it was archived: 第04版 is now 第03版, and so on.
    site = sample_site(tmp_path / "site", pdfs=False)
    crawl(site, archive)
    links = """SELECT p.page_number, l.url FROM page_articles l JOIN pages p ON p.id = l.page_id
               WHERE p.removed_at IS NULL ORDER BY p.page_number, l.position"""
    before: dict[int, list[str]] = {}
    for number, url in sql_rows(archive, links.replace("WHERE p.removed_at IS NULL ", "")):
        before.setdefault(number, []).append(url)
    articles = sql_rows(archive, "SELECT url, title, body FROM articles ORDER BY url")
    listed = remove_page(site, 3, addresses_follow_numbers)
    # Where addresses move, a page at a time: its row is found whichever page comes first.
    one_by_one = {"ARCHIVE_BATCH_SIZE": "1"} if addresses_follow_numbers else {}
    crawl(site, archive, "refresh=1", settings=one_by_one)

    # One row per page the site now lists, under its number and address, with that page's articles.
    pages = sql_rows(archive, "SELECT page_number, url FROM pages WHERE removed_at IS NULL ORDER BY page_number")
    assert [(n, url.rsplit("/", 1)[1]) for n, url in pages] == sorted(listed.items())
    after: dict[int, list[str]] = {}
    for number, url in sql_rows(archive, links):
        after.setdefault(number, []).append(url)
    assert after == {n - (n > 3): urls for n, urls in before.items() if n != 3}
    assert sql_rows(archive, "SELECT l.url FROM page_articles l JOIN pages p ON p.id = l.page_id "
                             "WHERE p.removed_at IS NULL AND l.url NOT IN (SELECT a.url FROM articles a "
                             "WHERE a.page_id = p.id)") == []  # each article stored on the page that lists it
    # The removed page is kept with its articles, apart from the issue's numbers.
    assert sql_rows(archive, "SELECT page_label, page_number + id, (SELECT count(*) FROM articles a WHERE a.page_id = p.id) "
                             "FROM pages p WHERE removed_at IS NOT NULL") == [("第03版：新闻", 0, len(before[3]))]
    assert sql_rows(archive, "SELECT url, title, body FROM articles ORDER BY url") == articles
    assert sql_rows(archive, "SELECT count(*), count(DISTINCT url) FROM article_view WHERE page_number > 0") == \
        [(len(articles) - len(before[3]),) * 2]
    assert sql_rows(archive, "SELECT pages_expected FROM issues") == [(15,)]
    stats = archive_command("stats", archive=archive)  # 15 pages, every article archived
    assert re.search(rf"^gongyishibao *\| 2023 *\| 1 *\| 15 *\| {len(articles)} *$", stats.stdout, re.M), stats.stdout
    state = page_state(archive)

    crawl(site, archive, "refresh=1", settings=one_by_one)  # the site unchanged since: the archive is too
    assert page_state(archive) == state
    # Nor does reading the raw pages again: the removed page's address may serve another page now.
    reread = archive_command("reprocess", archive=archive)
    assert reread.returncode == 0, reread.stderr
    assert page_state(archive) == state


def without_articles(html: str) -> str:
    """A page's file listing no articles, as an advertisement page's."""
    html = re.sub(r'<ul class="ul02_l">.*?</ul>', '<ul class="ul02_l"></ul>', html, flags=re.S)
    return re.sub(r'<Area [^>]*href="content_\d+\.htm[^"]*">', "", html)


def advertisements(*files: str):
    """An ``alter`` for sample_site: the pages at ``files`` as advertisement pages."""
    return lambda name, html: without_articles(html) if name in files else html


advertisement = advertisements("node_16.htm")  # the sample's 第14版


def add_advertisement(site, number: int, name: str, pdf: str) -> None:
    """The site adds an advertisement page 第``number``版 after its last page, at file ``name``
    (its PDF at ``pdf``, under the issue's images folder), in its page lists and on the page."""
    folder = site / ISSUE
    label = f"第{number:02d}版：廣告"
    pdf_href = f"../../../images/2023-01/31/{pdf}"
    item = f"<li><a href={name}>{label}</a></li>"
    row = (f"<tr bgcolor=#ffffff><td class=default>&nbsp;<a id=pageLink href={name}>{label}</a></td><td align=middle "
           f"width=30><a href={pdf_href} target=_blank><img src=../../../tplimg/pdf.gif border=0></a></td></tr>\n")
    last = re.findall(r"id=pageLink href=(node_\d+\.htm)>", (folder / "node_1.htm").read_text(encoding="utf-8"))[-1]
    page = re.sub(r"第\d\d版：<STRONG>[^<]*</STRONG>", f"第{number:02d}版：<STRONG>廣告</STRONG>",
                  (folder / last).read_text(encoding="utf-8"))
    page = re.sub(r"(<TD class=px12 align=right>.*?<a href=)[^ >]*\.pdf", rf"\g<1>{pdf_href}", page, count=1)
    (folder / name).write_text(without_articles(page), encoding="utf-8")
    for file in folder.glob("*.htm"):
        html = file.read_text(encoding="utf-8")
        html = re.sub(r"(<UL class=ul01_l>.*?)(</UL>)", lambda m: m[1] + item + m[2], html, count=1, flags=re.S)
        html = re.sub(rf"(<tr[^>]*><td class=default>&nbsp;<a id=pageLink href={last}>.*?</tr>\n?)",
                      lambda m: m[1] + row, html, count=1)
        file.write_text(html, encoding="utf-8")


@pytest.mark.parametrize("batch", ["1", "2", "5", "100"])
@pytest.mark.parametrize("addresses_follow_numbers", [False, True], ids=["addresses_kept", "addresses_renumbered"])
def test_an_advertisement_page_keeps_its_row_when_a_page_before_it_is_removed(tmp_path, archive, addresses_follow_numbers,
                                                                               batch):
    # 第03版 taken out of an issue whose 第14版 lists no articles; whichever page a batch
    # holds first, the advertisement page (now 第13版) is the row it was.
    site = sample_site(tmp_path / "site", pdfs=False, alter=advertisement)
    crawl(site, archive)
    assert sql_rows(archive, "SELECT count(*) FROM page_articles l JOIN pages p ON p.id = l.page_id "
                             "WHERE p.url LIKE '%node_16.htm'") == [(0,)]
    ids = dict(sql_rows(archive, "SELECT page_number, id FROM pages"))
    articles = sql_rows(archive, "SELECT url, page_id FROM articles ORDER BY url")
    listed = remove_page(site, 3, addresses_follow_numbers)
    crawl(site, archive, "refresh=1", settings={"ARCHIVE_BATCH_SIZE": batch})

    pages = sql_rows(archive, "SELECT page_number, id, url FROM pages WHERE removed_at IS NULL ORDER BY page_number")
    assert [(n, i, url.rsplit("/", 1)[1]) for n, i, url in pages] == \
        [(n, ids[n + (n >= 3)], listed[n]) for n in sorted(listed)]
    assert sql_rows(archive, "SELECT id FROM pages WHERE removed_at IS NOT NULL") == [(ids[3],)]
    assert sql_rows(archive, "SELECT url, page_id FROM articles ORDER BY url") == articles  # each on the row it was
    stats = archive_command("stats", archive=archive)  # 15 pages, every article archived
    assert re.search(rf"^gongyishibao *\| 2023 *\| 1 *\| 15 *\| {len(articles)} *$", stats.stdout, re.M), stats.stdout


# Pages stored one a batch, the later pages of an issue first (the scheduler takes the pages
# an entry page lists last in, first out, one request at a time).
LATER_PAGES_FIRST = {"ARCHIVE_BATCH_SIZE": "1", "CONCURRENT_REQUESTS": "1"}


def test_a_page_added_at_a_moved_pages_old_address_takes_no_row_of_an_archived_page(tmp_path, archive):
    # 第03版 taken out, the later pages moved to the files of their new numbers, and an
    # advertisement page added as 第16版 at the file the moved 第16版 (now 第15版) had: the
    # added page is stored before the moved page.
    site = sample_site(tmp_path / "site", pdfs=False)
    crawl(site, archive)
    ids = dict(sql_rows(archive, "SELECT page_number, id FROM pages"))
    articles = sql_rows(archive, "SELECT url, page_id FROM articles ORDER BY url")
    links = sql_rows(archive, "SELECT page_id, position, url FROM page_articles ORDER BY page_id, position")
    listed = remove_page(site, 3, addresses_follow_numbers=True)
    add_advertisement(site, 16, "node_15.htm", "16/GYSB2023013116_ad.pdf")
    crawl(site, archive, "refresh=1", settings=LATER_PAGES_FIRST)

    pages = sql_rows(archive, "SELECT page_number, id, url, pdf_url FROM pages WHERE removed_at IS NULL ORDER BY page_number")
    assert [(n, url.rsplit("/", 1)[1]) for n, _, url, _ in pages] == sorted((listed | {16: "node_15.htm"}).items())
    # Each page the site moved is the row it was; the added page is a row of its own.
    assert [i for n, i, _, _ in pages[:15]] == [ids[n + (n >= 3)] for n in range(1, 16)]
    assert pages[15][1] not in ids.values() and pages[15][3].endswith("GYSB2023013116_ad.pdf")
    assert sql_rows(archive, "SELECT id FROM pages WHERE removed_at IS NOT NULL") == [(ids[3],)]
    assert sql_rows(archive, "SELECT url, page_id FROM articles ORDER BY url") == articles
    assert sql_rows(archive, "SELECT page_id, position, url FROM page_articles ORDER BY page_id, position") == links


def test_two_advertisement_pages_keep_their_rows_when_a_page_before_them_is_removed(tmp_path, archive):
    # 第13版 (node_13.htm) and 第14版 (node_16.htm) list no articles; 第03版 taken out and the
    # later pages moved to the files of their new numbers: the later advertisement page comes
    # first, to the number and file the earlier one had.
    site = sample_site(tmp_path / "site", pdfs=False, alter=advertisements("node_13.htm", "node_16.htm"))
    crawl(site, archive)
    ids = dict(sql_rows(archive, "SELECT page_number, id FROM pages"))
    pdfs = dict(sql_rows(archive, "SELECT id, pdf_url FROM pages"))
    listed = remove_page(site, 3, addresses_follow_numbers=True)
    crawl(site, archive, "refresh=1", settings=LATER_PAGES_FIRST)

    pages = sql_rows(archive, "SELECT page_number, id, url, pdf_url FROM pages WHERE removed_at IS NULL ORDER BY page_number")
    assert [(n, i, url.rsplit("/", 1)[1], pdf) for n, i, url, pdf in pages] == \
        [(n, ids[n + (n >= 3)], listed[n], pdfs[ids[n + (n >= 3)]]) for n in sorted(listed)]
    assert sql_rows(archive, "SELECT id FROM pages WHERE removed_at IS NOT NULL") == [(ids[3],)]


def test_an_advertisement_page_the_site_puts_in_place_of_another_takes_no_row_or_pdf_text_of_it(tmp_path, archive):
    # 第14版 (node_16.htm), an advertisement page, archived with its PDF's text; the site then
    # gives another advertisement page as 第14版 at another file, whose PDF it does not serve.
    site = sample_site(tmp_path / "site", alter=advertisement)
    crawl_site(archive, site=site)
    [(old, old_text)] = sql_rows(archive, "SELECT id, pdf_text FROM pages WHERE url LIKE '%/node_16.htm'")
    assert old_text
    before = sql_rows(archive, "SELECT id, page_number FROM pages WHERE id <> :old ORDER BY id", old=old)
    folder = site / ISSUE
    for file in folder.glob("*.htm"):
        html = file.read_text(encoding="utf-8").replace("node_16.htm", "node_17.htm")
        file.write_text(html.replace("14/GYSB2023013114.pdf", "14/GYSB2023013114_ad.pdf"), encoding="utf-8")
    (folder / "node_16.htm").rename(folder / "node_17.htm")
    done, _ = crawl_site(archive, "refresh=1", site=site)
    assert done.returncode == 0, done.stderr[-3000:]

    # The page taken out keeps its row, number below zero, and its PDF's text.
    assert sql_rows(archive, "SELECT page_number + id, pdf_text FROM pages WHERE removed_at IS NOT NULL") == [(0, old_text)]
    # The page put in its place is a row of its own, with no PDF text (its PDF not served).
    [(new, new_text)] = sql_rows(archive, "SELECT id, pdf_text FROM pages WHERE url LIKE '%/node_17.htm'")
    assert new != old and not new_text
    assert sql_rows(archive, "SELECT id, page_number FROM pages WHERE id NOT IN (:old, :new) ORDER BY id",
                    old=old, new=new) == before


def documented(url: str, sql: str) -> list[list[str]]:
    """The rows ``sql`` answers through `archive sql`, as a user runs it (CSV, header left out)."""
    import csv
    import io

    done = archive_command("sql", sql, "--format", "csv", archive=url)
    assert done.returncode == 0, done.stderr[-3000:]
    return list(csv.reader(io.StringIO(done.stdout)))[1:]


def test_the_sites_corrections_are_each_one_earlier_version_told_apart_by_the_documented_queries(tmp_path, archive):
    """The site corrects articles after they were archived, and refreshes fetch them: each
    correction keeps what the article showed before, once, and docs/queries.md's "Corrections"
    queries show each text told from the next, whatever was corrected: the text, twice and back to
    the first, the Traditional as published alone (the same Simplified), the title alone, a
    caption, a picture."""
    from tests.test_docs_queries import questions

    dialect = "sqlite" if archive.startswith("sqlite") else "postgresql"
    (versions_sql, history_sql, pictures_sql, each_picture_sql) = [
        variants[dialect] for heading, variants in questions() if heading.startswith("Corrections")]
    site = sample_site(tmp_path / "site", pdfs=False)
    text, pictured = site / ISSUE / "content_306502.htm", site / ISSUE / "content_306505.htm"

    def correct(file, before: str, after: str) -> None:
        html = file.read_text(encoding="utf-8")
        assert before in html, before
        file.write_text(html.replace(before, after), encoding="utf-8")

    title = "打造具有廣東特色的困難羣衆和特殊羣體兜底民生服務體系"
    crawl(site, archive)
    ids = dict(sql_rows(archive, "SELECT article_id, id FROM articles WHERE article_id IN ('306502', '306505')"))
    corrections = [
        (text, "(據廣東省民政廳)", "(據廣東省民政廳供稿)"),
        (None, "", ""),  # a refresh of what the site shows unchanged
        (text, "(據廣東省民政廳供稿)", "(據廣東省民政廳來稿)"),
        (text, "(據廣東省民政廳來稿)", "(據廣東省民政廳)"),  # back to the first text
        (text, "具體到組織實施", "具体到組織實施"),  # 具體 and 具体 are both 具体 in Simplified
        (text, title, title.replace("打造", "構建")),
        (pictured, "(圖片來源:界面新聞)", "(圖片來源:本報)"),
        (pictured, "res306505_01_attpic_brief.jpg", "res306505_02_attpic_brief.jpg"),
        (None, "", ""),
    ]
    for file, before, after in corrections:
        if file is not None:
            correct(file, before, after)
        crawl(site, archive, "refresh=1")
    assert [n for (n,) in sql_rows(archive, "SELECT articles_changed FROM crawl_runs ORDER BY id")][1:] == [
        1, 0, 1, 1, 1, 1, 1, 1, 0]
    assert sorted(row[:2] for row in documented(archive, versions_sql)) == sorted([[str(ids["306502"]), "5"], [str(ids["306505"]), "2"]])

    history = [row for row in documented(archive, history_sql) if row[0] == str(ids["306502"])]
    shown = [row[1:2] + row[4:] for row in history]  # all but the times
    assert [row[0] for row in shown] == ["0"] * 5 + ["1"]
    assert [row[2].rsplit("\n", 1)[1] for row in shown] == ["（据广东省民政厅）", "（据广东省民政厅供稿）", "（据广东省民政厅来稿）",
                                              "（据广东省民政厅）", "（据广东省民政厅）", "（据广东省民政厅）"]
    assert [row[1][:2] for row in shown] == ["打造"] * 5 + ["构建"]
    # Each text told from the next by what the query shows (the Traditional alone, by its original).
    assert all(earlier[1:] != later[1:] for earlier, later in zip(shown, shown[1:])), shown
    # Each served from the end of the one before.
    assert all(earlier[3] == later[2] for earlier, later in zip(history, history[1:])) and history[-1][3] == ""

    # The two corrections of pictures, newest first, a caption's and a picture's.
    corrected = sorted((row[3] for row in documented(archive, history_sql) if row[0] == str(ids["306505"]) and row[1] == "0"),
                       reverse=True)
    assert [row[:2] for row in documented(archive, pictures_sql)] == [[str(ids["306505"]), at] for at in corrected]
    pictures = [row for row in documented(archive, each_picture_sql) if row[0] == str(ids["306505"])]
    assert [(row[1], row[4].rsplit("/", 1)[1], row[5][-7:]) for row in pictures] == [
        ("0", "res306505_01_attpic_brief.jpg", "图片来源：界面新闻)"[-7:]),
        ("0", "res306505_01_attpic_brief.jpg", "(图片来源：本报)"[-7:]),
        ("1", "res306505_02_attpic_brief.jpg", "(图片来源：本报)"[-7:])]
