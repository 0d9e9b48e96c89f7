"""Site roots: `archive move-root` moves a paper's stored addresses to another root."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text

from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from storage.roots import ADDRESSES, site_root, under_root
from tests.conftest import SAMPLE_SITE, archive_command, postgres_role, run_crawl, sql_rows
from tests.test_migrations import old_archive
from tests.test_storage import article, page

# Every column that holds a site URL, and raw_documents'.
URL_COLUMNS = ("raw_documents.url", *(a.name for a in ADDRESSES))
STORED = ("issues", "pages", "articles", "page_articles", "images", "dead_links", "raw_documents", "article_versions")


def served_root(server: SiteServer, host: str) -> str:
    """The sample site's root on ``server``, by the name ``host`` (127.0.0.1 or localhost)."""
    return f"http://{host}:{server.port}{PREFIX}"


def crawl(root: str, archive: str, *args: str, status: int = 0):
    result = run_crawl(f"base_url={root}", *args, archive=archive)
    assert result.returncode == status, result.stderr[-3000:]
    return result


def counts(archive: str) -> dict[str, int]:
    return {table: sql_rows(archive, f"SELECT count(*) FROM {table}")[0][0] for table in STORED}


def addresses(archive: str) -> dict[str, list[str]]:
    """Every URL of every column that holds one, sorted."""
    found = {}
    for name in URL_COLUMNS:
        table, column = name.split(".")
        found[name] = sorted(url for (url,) in sql_rows(archive, f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
    return found


# --- the real path: a crawl over HTTP, the archive command --------------------------------

def _moved(table: str) -> list[str]:
    """The counts column of move-root's table."""
    return [line.split("|")[1].strip() for line in table.splitlines() if "." in line.split("|")[0]]


def test_a_dry_run_counts_and_changes_nothing(archive_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = served_root(server, "127.0.0.1")
        crawl(first, archive_url, f"date={ISSUE_DATE}")
    before = addresses(archive_url)
    new = "https://mirror.example/newdzb"  # without its slash: the same root
    dry = archive_command("move-root", "gongyishibao", first, new, "--dry-run", archive=archive_url)
    assert dry.returncode == 0, dry.stderr
    counted = dict(zip([name.strip() for name in _names(dry.stdout)], map(int, _moved(dry.stdout))))
    assert counted == {"raw_documents.url": 52, "issues.url": 1, "pages.url": 16, "pages.pdf_url": 16, "pages.image_url": 16,
                       "articles.url": 20, "page_articles.url": 20, "images.url": 2, "dead_links.url": 0,
                       "article_versions.images": 0}
    assert dry.stderr.splitlines() == [
        f"dry run: 143 addresses of gongyishibao would move from {first} to {new}/; nothing was changed"]
    assert addresses(archive_url) == before


def _names(table: str) -> list[str]:
    return [line.split("|")[0] for line in table.splitlines() if "." in line.split("|")[0]]


def test_move_root_refuses_an_address_another_row_holds_and_changes_nothing(archive_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = served_root(server, "127.0.0.1")
        crawl(first, archive_url, f"date={ISSUE_DATE}")
    mirror = "http://mirror.example/newdzb/"
    # What a crawl from the mirror left before crawls were refused: an article and a raw page twice.
    engine = create_engine(archive_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO articles (page_id, url, title, body, pretitle, subtitle, byline, source, body_original, "
            "title_original, original_script, extraction, first_seen, updated_at) "
            "SELECT page_id, :new || substr(url, :n), title, body, pretitle, subtitle, byline, source, body_original, "
            "title_original, original_script, extraction, first_seen, updated_at FROM articles WHERE id = (SELECT min(id) FROM articles)"
        ), {"new": mirror, "n": len(first) + 1})
        conn.execute(text(
            "INSERT INTO raw_documents (url, status, content_type, body_zlib, fetched_at) "
            "SELECT :new || substr(url, :n), status, content_type, body_zlib, fetched_at FROM raw_documents "
            "WHERE id = (SELECT min(id) FROM raw_documents)"
        ), {"new": mirror, "n": len(first) + 1})
    engine.dispose()
    before = addresses(archive_url)
    for dry in ((), ("--dry-run",)):
        refused = archive_command("move-root", "gongyishibao", first, mirror, *dry, archive=archive_url)
        assert refused.returncode == 2
        assert refused.stderr.splitlines() == [
            f"error: cannot move gongyishibao from {first} to {mirror}: 2 of its URLs would take an address another row "
            "holds already (1 in articles, 1 in raw_documents); nothing was changed"]
        assert refused.stdout == ""
    assert addresses(archive_url) == before


@pytest.mark.parametrize("args, message", [
    (["gongyishibao", "ftp://x/", "http://y/"], "error: bad OLD_ROOT 'ftp://x/' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "y"], "error: bad NEW_ROOT 'y' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/a", "http://x/a/"], "error: OLD_ROOT and NEW_ROOT are both http://x/a/: nothing to move"),
    (["shehuibao", "http://x/", "http://y/"], "error: unknown paper 'shehuibao' (this archive holds: gongyishibao)"),
])
def test_bad_move_root_arguments_are_one_line(sqlite_url, args, message):
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1)])
    archive.close()
    result = archive_command("move-root", *args, archive=sqlite_url)
    assert (result.returncode, result.stderr.splitlines()) == (2, [message])


def test_move_root_refuses_an_archive_older_than_the_code(sqlite_url):
    from storage import migrate

    old_archive(sqlite_url, stamped=True)
    result = archive_command("move-root", "gongyishibao", "http://x/", "http://y/", archive=sqlite_url)
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"error: archive {sqlite_url} has schema 0001, older than this code's ({migrate.head()}): run `archive upgrade` first"])


def test_a_role_that_may_only_read_may_count_a_move_and_not_make_it(postgres_url, request):
    archive = open_archive(postgres_url)
    archive.store_batch([page()], [article(1)])
    archive.close()
    reader, as_reader = postgres_role(postgres_url, request, "reader", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    refused = archive_command("move-root", "gongyishibao", "http://x/", "http://y/", archive=as_reader)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"error: role {reader} may not write to archive {as_reader}: it lacks UPDATE on papers and 8 more")
    dry = archive_command("move-root", "gongyishibao", "http://x/", "http://y/", "--dry-run", archive=as_reader)
    assert dry.returncode == 0, dry.stderr


# --- units ---------------------------------------------------------------------------------

def _issue(day: str, root: str, paper: str = "gongyishibao") -> tuple[dict, dict]:
    """A page and an article of the issue of ``day`` fetched from ``root`` (the profile's entry pattern)."""
    d = date.fromisoformat(day)
    folder = f"{root}html/{d:%Y-%m}/{d:%d}/"
    context = {"paper_code": paper, "paper_name": paper, "issue_date": day, "issue_url": folder + "node_1.htm"}
    n = int(d.strftime("%m%d"))
    return (
        page(1, **context, url=folder + "node_1.htm", pdf_url=f"{root}images/{d:%Y-%m}/{d:%d}/01/p.pdf"),
        article(n, 1, **context, page_url=folder + "node_1.htm", url=f"{folder}content_{n}.htm",
                images=[{"url": f"{root}images/{n}.jpg", "caption": "说明"}],
                raw={"url": f"{folder}content_{n}.htm", "status": 200, "body": b"<html></html>", "content_type": "text/html"}),
    )


def test_a_root_is_a_whole_path_segment():
    assert site_root("http://h/newdzb") == "http://h/newdzb/" == site_root("http://h/newdzb/")
    assert under_root("http://h/newdzb/html/x.htm", "http://h/newdzb")
    assert not under_root("http://h/newdzb2/html/x.htm", "http://h/newdzb")
    assert not under_root("https://h/newdzb/html/x.htm", "http://h/newdzb/")


def test_a_move_takes_only_that_papers_rows_and_its_earlier_pictures(sqlite_url):
    archive = open_archive(sqlite_url)
    page_a, article_a = _issue("2023-01-31", "http://x.example/")
    archive.store_batch([page_a], [article_a])
    # The pictures changed: the earlier ones are kept in article_versions.
    archive.store_batch([], [article_a | {"images": [{"url": "http://x.example/images/new.jpg", "caption": "新"}]}])
    # Another paper on the same host, whose root lies under this one's.
    archive.store_batch(*map(list, zip(_issue("2023-01-31", "http://x.example/b/", paper="other"))))
    archive.close()
    others = sql_rows(sqlite_url, "SELECT a.url, r.url FROM articles a JOIN raw_documents r ON r.url = a.url WHERE a.url LIKE '%/b/%'")

    moved = archive_command("move-root", "gongyishibao", "http://x.example/", "https://x.example/", archive=sqlite_url)
    assert moved.returncode == 0, moved.stderr
    assert sql_rows(sqlite_url, "SELECT a.url, r.url FROM articles a JOIN raw_documents r ON r.url = a.url WHERE a.url LIKE '%/b/%'") == others
    mine = sql_rows(sqlite_url, "SELECT url FROM articles WHERE url NOT LIKE '%/b/%'")
    assert mine == [("https://x.example/html/2023-01/31/content_131.htm",)]
    (pictures,) = sql_rows(sqlite_url, "SELECT images FROM article_versions")[0]
    assert "https://x.example/images/131.jpg" in pictures and "http://x.example/" not in pictures
    assert sql_rows(sqlite_url, "SELECT url FROM images WHERE url NOT LIKE '%/b/%'") == [("https://x.example/images/new.jpg",)]
