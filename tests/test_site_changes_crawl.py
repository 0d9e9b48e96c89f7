"""An issue the site changed after it was archived, crawled again (`-a refresh=1`): the real
`scrapy crawl issues` over HTTP on 127.0.0.1 into SQLite and PostgreSQL, the site's files
rewritten between the crawls as a paper's staff rewrite them."""
from __future__ import annotations

import re

import pytest

from tests.conftest import crawl_site, database_url, sql_rows
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


def crawl(site, archive: str, *args: str) -> None:
    done, _ = crawl_site(archive, *args, site=site, settings=NO_PDFS)
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
