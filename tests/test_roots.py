"""Site roots: a crawl of issues the archive holds from another root is refused before anything
is fetched, and `archive move-root` moves a paper's stored addresses to the new root."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from crawler.arguments import SpiderArgumentError, check_root, plan_crawl
from crawler.papers import as_site_root, get_paper
from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from storage.roots import ADDRESSES, issues_from_other_roots, site_root, under_root
from tests.conftest import (SAMPLE_SITE, archive_command, crawl_runs, postgres_role, run_crawl, sql_rows, start_crawl,
                            wait_for)
from tests.sites import SAMPLE_DAY, sample_site
from tests.test_migrations import old_archive
from tests.test_storage import article, page

NEXT_DAY = SAMPLE_DAY + timedelta(days=7)  # the paper's next Tuesday
# Every column that holds a site URL, and raw_documents'.
URL_COLUMNS = ("raw_documents.url", *(a.name for a in ADDRESSES))
STORED = ("issues", "pages", "articles", "page_articles", "images", "dead_links", "absent_issues", "raw_documents",
          "article_versions")


def served_root(server: SiteServer, host: str) -> str:
    """The sample site's root on ``server``, by the name ``host`` (127.0.0.1 or localhost)."""
    return f"http://{host}:{server.port}{PREFIX}"


def crawl(root: str, archive: str, *args: str, status: int = 0, settings: dict[str, str] | None = None):
    result = run_crawl(f"base_url={root}", *args, archive=archive, settings=settings)
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


def refusal(held: str, root: str, span: str = ISSUE_DATE, issues: str = "1 issue", latest: bool = False,
            alone: bool = False) -> str:
    risk = ("the newest issue, known only once the site is asked, may be one of them and have its articles stored twice"
            if latest else "their articles would be stored twice")
    # A crawl of the newest issue, or of a range, is told to fetch the issue held alone, from its root.
    way = (f"crawl it from its root first (-a paper=gongyishibao -a date={span} -a base_url={held}), then this crawl again"
           if latest or alone else f"crawl from {held} (-a base_url={held})")
    return (f"error: the archive holds {issues} of gongyishibao ({span}) fetched from {held}, not from this crawl's root "
            f"{root}: {risk}; {way}, or move the archive's addresses first: archive move-root gongyishibao {held} {root}")


# --- the real path: crawls over HTTP, the archive command -----------------------------------

def test_an_issue_stored_from_another_root_is_refused_until_its_addresses_move(archive_url, tmp_path):
    site = sample_site(tmp_path / "site", days=(SAMPLE_DAY, NEXT_DAY))
    with SiteServer(site, prefix=PREFIX) as server:
        first, mirror = served_root(server, "127.0.0.1"), served_root(server, "localhost")
        crawl(first, archive_url, f"date={ISSUE_DATE}")
        stored = counts(archive_url)
        # Complete, the issue is not fetched again from another root (the archive's delta), so
        # nothing can be stored twice and nothing is refused: a site that redirects to its new
        # root keeps its scheduled crawls.
        for args in ([f"date={ISSUE_DATE}"], ["start=2023-01-25", "end=2023-02-05"], []):
            done = crawl(mirror, archive_url, *args)
            assert "'delta/issues_skipped': 1" in done.stderr
        assert counts(archive_url) == stored

        # Left incomplete (a page not stored), it would be: every article stored twice.
        make_incomplete(archive_url)
        stored, runs, asked = counts(archive_url), len(crawl_runs(archive_url)), len(server.requests)
        for args, latest, alone in (([f"date={ISSUE_DATE}", "refresh=1"], False, False),
                                    (["start=2023-01-01", "end=2023-01-31"], False, True), ([], True, True)):
            refused = crawl(mirror, archive_url, *args, status=2)
            assert refused.stderr.splitlines() == [refusal(first, mirror, latest=latest, alone=alone)]
        assert server.requests[asked:] == []
        assert counts(archive_url) == stored and len(crawl_runs(archive_url)) == runs

        moved = archive_command("move-root", "gongyishibao", first, mirror, archive=archive_url)
        assert moved.returncode == 0, moved.stderr
        assert "articles.url            | 20" in moved.stdout
        assert moved.stderr.splitlines() == [f"{sum(map(int, _moved(moved.stdout)))} addresses of gongyishibao moved from {first} to {mirror}"]
        left = {name: [url for url in urls if under_root(url, first)] for name, urls in addresses(archive_url).items()}
        assert left == {name: [] for name in URL_COLUMNS}

        # From the new root the archive's pages and articles are known: the issue's entry page
        # alone is asked, and completes it; asked again, nothing is; refreshed, nothing is new.
        crawl(mirror, archive_url, f"date={ISSUE_DATE}")
        assert [r.path for r in server.requests[asked:] if not r.path.endswith("robots.txt")] == [
            f"{PREFIX}html/2023-01/31/node_1.htm"]
        again = crawl(mirror, archive_url, f"date={ISSUE_DATE}")
        assert "'delta/issues_skipped': 1" in again.stderr
        refreshed = crawl(mirror, archive_url, f"date={ISSUE_DATE}", "refresh=1")
        assert "articles 0 new, 20 updated" in refreshed.stderr
        assert counts(archive_url) == stored

        found = archive_command("search", "社区服务", archive=archive_url)
        assert found.returncode == 0 and f"{ISSUE_DATE} gongyishibao" in found.stdout, found.stderr
        stats = archive_command("stats", archive=archive_url)
        assert stats.returncode == 0 and "Incomplete issues" not in stats.stdout, stats.stderr

        # A date the archive holds no issue of duplicates nothing, from whichever root.
        crawl(first, archive_url, f"date={NEXT_DAY}")
    after = counts(archive_url)
    assert (after["issues"], after["articles"]) == (stored["issues"] + 1, stored["articles"] * 2)
    assert sql_rows(archive_url, "SELECT count(*) FROM issues WHERE url LIKE :old", old=first + "%")[0][0] == 1


def test_a_root_written_in_capitals_is_the_root_the_crawler_stores_addresses_under(sqlite_url):
    # Scrapy writes a request's scheme and host in lower case: so does the archive, whatever the
    # case a root is given in. Moved to HTTP://LOCALHOST/, the addresses no crawl writes.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = served_root(server, "127.0.0.1")
        mirror, shouted = served_root(server, "localhost"), f"HTTP://LOCALHOST:{server.port}{PREFIX}"
        crawl(first, sqlite_url, f"date={ISSUE_DATE}")
        make_incomplete(sqlite_url)
        stored = counts(sqlite_url)
        refused = crawl(shouted, sqlite_url, f"date={ISSUE_DATE}", status=2)
        assert refused.stderr.splitlines() == [refusal(first, mirror)]

        moved = archive_command("move-root", "gongyishibao", f"HTTP://127.0.0.1:{server.port}{PREFIX}", shouted, archive=sqlite_url)
        assert moved.returncode == 0, moved.stderr
        assert moved.stderr.splitlines()[-1].endswith(f"moved from {first} to {mirror}")
        crawl(shouted, sqlite_url, f"date={ISSUE_DATE}")
    assert counts(sqlite_url) == stored
    assert sql_rows(sqlite_url, "SELECT count(*) FROM articles WHERE url LIKE :new", new=mirror + "%")[0][0] == stored["articles"]


@pytest.mark.parametrize("spelling", ["http://127.0.0.1:{port}/./newdzb/", "http://127.0.0.1:{port}/newdzb//",
                                      "HTTP://127.0.0.1:{port}/x/../newdzb"])
def test_a_root_written_otherwise_is_the_root_written_one_way(sqlite_url, spelling):
    # As given, the root began every request: the site's /./newdzb/ and /newdzb// were asked (and
    # where a server took them for /newdzb/, stored), and a later crawl from the plain root was
    # refused as one from "another root", or stored every article twice.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        plain = served_root(server, "127.0.0.1")
        crawl(spelling.format(port=server.port), sqlite_url, f"date={ISSUE_DATE}")
        assert [r.path for r in server.requests if r.status != 200 and not r.path.endswith("robots.txt")] == []
        stored = counts(sqlite_url)
        assert stored["articles"] == 20
        crawl(plain, sqlite_url, f"date={ISSUE_DATE}", "refresh=1")
    assert counts(sqlite_url) == stored
    assert sql_rows(sqlite_url, "SELECT url FROM issues") == [(f"{plain}html/2023-01/31/node_1.htm",)]


def test_addresses_an_earlier_version_stored_under_a_root_written_otherwise_move_to_it(sqlite_url):
    # Stored as an earlier version stored them from -a base_url=http://host/newdzb// (a server
    # that takes // for /): under the plain root by their first characters, a crawl from it was
    # let through and stored every article a second time.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        plain = served_root(server, "127.0.0.1")
        written = plain + "/"
        crawl(plain, sqlite_url, f"date={ISSUE_DATE}")
        engine = create_engine(sqlite_url)
        with engine.begin() as conn:
            for name in URL_COLUMNS:
                table, column = name.split(".")
                conn.execute(text(f"UPDATE {table} SET {column} = replace({column}, :plain, :written)"),
                             {"plain": plain, "written": written})
        engine.dispose()
        stored = counts(sqlite_url)
        refused = crawl(plain, sqlite_url, f"date={ISSUE_DATE}", "refresh=1", status=2)
        assert refused.stderr.splitlines() == [
            f"error: the archive holds 1 issue of gongyishibao ({ISSUE_DATE}) fetched from {written}, not from this crawl's "
            f"root {plain}: their articles would be stored twice; it is this root as an earlier version wrote it, the "
            f"addresses as given: move them to it first: archive move-root gongyishibao {written} {plain}"]
        moved = archive_command("move-root", "gongyishibao", written, plain, archive=sqlite_url)
        assert moved.returncode == 0, moved.stderr
        assert moved.stderr.splitlines()[-1].endswith(f"moved from {written} to {plain}")
        crawl(written, sqlite_url, f"date={ISSUE_DATE}", "refresh=1")
    assert counts(sqlite_url) == stored
    assert all(url.startswith(plain) and "//" not in url.removeprefix("http://")
               for urls in addresses(sqlite_url).values() for url in urls)


def _moved(table: str) -> list[str]:
    """The counts column of move-root's table."""
    return [line.split("|")[1].strip() for line in table.splitlines() if "." in line.split("|")[0]]


def test_a_dry_run_counts_and_changes_nothing(archive_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = served_root(server, "127.0.0.1")
        # The week after has no issue: its entry page's address is kept in absent_issues.
        crawl(first, archive_url, f"start={ISSUE_DATE}", f"end={NEXT_DAY}")
    before = addresses(archive_url)
    new = "https://mirror.example/newdzb"  # without its slash: the same root
    dry = archive_command("move-root", "gongyishibao", first, new, "--dry-run", archive=archive_url)
    assert dry.returncode == 0, dry.stderr
    counted = dict(zip([name.strip() for name in _names(dry.stdout)], map(int, _moved(dry.stdout))))
    assert counted == {"raw_documents.url": 52, "issues.url": 1, "pages.url": 16, "pages.pdf_url": 16, "pages.image_url": 16,
                       "articles.url": 20, "page_articles.url": 20, "images.url": 2, "dead_links.url": 0,
                       "absent_issues.url": 1, "article_versions.images": 0}
    assert dry.stderr.splitlines() == [
        f"dry run: 144 addresses of gongyishibao would move from {first} to {new}/; nothing was changed"]
    assert addresses(archive_url) == before


def test_a_root_holding_no_address_of_the_paper_is_refused_naming_the_roots_it_is_under(archive_url):
    # A typo in the path (compared letter case and all, as the archive compares URLs) moved
    # nothing and said "0 addresses moved", exit status 0, as if the move were done.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first, host = served_root(server, "127.0.0.1"), f"http://127.0.0.1:{server.port}/"
        # The week after has no issue: a date without an issue, its entry page under the root too.
        crawl(first, archive_url, f"start={ISSUE_DATE}", f"end={NEXT_DAY}")
    before = addresses(archive_url)
    typo, mirror = first.replace("/newdzb/", "/NEWDZB/"), "https://mirror.example/newdzb/"
    for old, new, where in ((typo, mirror, f"under {typo}"), (host, first, f"under {host} outside {first}")):
        for dry in ((), ("--dry-run",)):
            refused = archive_command("move-root", "gongyishibao", old, new, *dry, archive=archive_url)
            assert (refused.returncode, refused.stdout, refused.stderr.splitlines()) == (2, "", [
                f"error: the archive holds no address of gongyishibao {where} (it holds gongyishibao under {first}); "
                "nothing was changed"])
    assert addresses(archive_url) == before

    moved = archive_command("move-root", "gongyishibao", first, mirror, archive=archive_url)
    assert moved.returncode == 0, moved.stderr
    again = archive_command("move-root", "gongyishibao", first, mirror, archive=archive_url)
    assert (again.returncode, again.stderr.splitlines()) == (2, [
        f"error: the archive holds no address of gongyishibao under {first} (it holds gongyishibao under {mirror}); "
        "nothing was changed"])


def test_a_root_inside_the_papers_root_is_refused_naming_the_root_it_is_held_under(archive_url):
    # Given the root's html/ (or a month's folder), a move took the pages and articles and left
    # the PDFs and pictures under the old root: the paper held under two roots, which later
    # crawls refused or stored twice.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        first = served_root(server, "127.0.0.1")
        crawl(first, archive_url, f"date={ISSUE_DATE}")
    before = addresses(archive_url)
    left = sum(1 for name, urls in before.items() if name != "raw_documents.url"
               for url in urls if under_root(url, first) and not under_root(url, first + "html/"))
    assert left > 0
    mirror = "https://mirror.example/newdzb/"
    for old, new, suggested in ((first + "html/", mirror + "html/", mirror), (first + "html/2023-01/", mirror, "NEW_ROOT")):
        for dry in ((), ("--dry-run",)):
            refused = archive_command("move-root", "gongyishibao", old, new, *dry, archive=archive_url)
            assert (refused.returncode, refused.stdout, refused.stderr.splitlines()) == (2, "", [
                f"error: cannot move gongyishibao from {old}: it lies inside {first}, the root the archive holds "
                f"gongyishibao under, and {left} of gongyishibao's addresses there are outside it: moved, the paper "
                f"would be stored under two roots; move the whole root: archive move-root gongyishibao {first} {suggested}; "
                "nothing was changed"])
    assert addresses(archive_url) == before

    moved = archive_command("move-root", "gongyishibao", first, mirror, archive=archive_url)
    assert moved.returncode == 0, moved.stderr
    assert [url for urls in addresses(archive_url).values() for url in urls if under_root(url, first)] == []


def test_a_root_inside_a_root_told_by_its_host_alone_moves_when_it_holds_all_the_papers_addresses_there(sqlite_url):
    # An entry page the site redirected elsewhere tells its host alone (PaperProfile.root_of): a
    # root inside it that holds every address of the paper on that host is a whole move.
    archive = open_archive(sqlite_url)
    page_a, article_a = _issue("2023-01-31", "https://r.example/epaper/")
    entry = "https://r.example/epaper/index.htm"
    archive.store_batch([page_a | {"issue_url": entry}], [article_a | {"issue_url": entry}])
    archive.close()
    assert sql_rows(sqlite_url, "SELECT url FROM issues") == [(entry,)]
    moved = archive_command("move-root", "gongyishibao", "https://r.example/epaper/", "https://s.example/epaper/",
                            archive=sqlite_url)
    assert moved.returncode == 0, moved.stderr
    assert sql_rows(sqlite_url, "SELECT url FROM issues") == [("https://s.example/epaper/index.htm",)]
    assert sql_rows(sqlite_url, "SELECT count(*) FROM articles WHERE url LIKE 'https://r.example/%'") == [(0,)]


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
    (["gongyishibao", "http://X/a/", "HTTP://x/a"], "error: OLD_ROOT and NEW_ROOT are both http://x/a/: nothing to move"),
    (["gongyishibao", "http://x/a/?p=1", "http://y/"], "error: bad OLD_ROOT 'http://x/a/?p=1' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y/#a"], "error: bad NEW_ROOT 'http://y/#a' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://[::1/", "http://y/"], "error: bad OLD_ROOT 'http://[::1/' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x:port/", "http://y/"], "error: bad OLD_ROOT 'http://x:port/' (expected http://host/path/ or https://host/path/)"),
    (["shehuibao", "http://x/", "http://y/"], "error: unknown paper 'shehuibao' (this archive holds: gongyishibao)"),
    # A list of roots pasted where one is asked: moved to, and stored as, http://y/a/,/ or
    # http://y/a/%20http:/z/a/.
    (["gongyishibao", "http://x/", "http://y/a/,"],
     "error: bad NEW_ROOT 'http://y/a/,' (a comma in it, as in a list of roots: give one root; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y/a/, http://z/a/"],
     "error: bad NEW_ROOT 'http://y/a/, http://z/a/' (a comma in it, as in a list of roots: give one root; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/a/ http://z/a/", "http://y/"],
     "error: bad OLD_ROOT 'http://x/a/ http://z/a/' (a space in it, as in a list of roots: give one root; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y/a/http://z/a/"],
     "error: bad NEW_ROOT 'http://y/a/http://z/a/' (two URLs run together: give one root; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y_-.com/"],
     "error: bad NEW_ROOT 'http://y_-.com/' (its host 'y_-.com' is no host name; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y..com/"],
     "error: bad NEW_ROOT 'http://y..com/' (its host 'y..com' is no host name; "
     "expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "http://y:0/"],
     "error: bad NEW_ROOT 'http://y:0/' (port 0 is no port; expected http://host/path/ or https://host/path/)"),
    # No scheme, or another than http and https: no site the crawl fetches.
    (["gongyishibao", "http://x/", "www.y.com/newdzb/"],
     "error: bad NEW_ROOT 'www.y.com/newdzb/' (expected http://host/path/ or https://host/path/)"),
    (["gongyishibao", "http://x/", "file:///srv/newdzb/"],
     "error: bad NEW_ROOT 'file:///srv/newdzb/' (expected http://host/path/ or https://host/path/)"),
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
    assert refused.stderr.startswith(f"error: role {reader} may not write to archive {as_reader}: it lacks UPDATE on papers and 9 more")
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


A, B, C = "http://a.example/newdzb/", "https://a.example/newdzb/", "http://c.example/newdzb/"


@pytest.fixture
def three_issues(sqlite_url):
    """Issues of 2023-01-31 and 2023-02-14 from A, 2023-02-07 from B."""
    archive = open_archive(sqlite_url)
    for day, root in (("2023-01-31", A), ("2023-02-07", B), ("2023-02-14", A)):
        archive.store_batch(*map(list, zip(_issue(day, root))))
    yield archive
    archive.close()


def _dates(found) -> list[str]:
    return [day.isoformat() for day, _ in found]


def test_issues_from_other_roots_of_the_dates_asked(three_issues):
    days = [date(2023, 1, 31), date(2023, 2, 7), date(2023, 2, 14)]
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", A, days[:1])) == []
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", A.rstrip("/"), days)) == ["2023-02-07"]
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", B, days)) == ["2023-01-31", "2023-02-14"]
    # A range asks the paper's scheduled days only; an issue between them is not asked.
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", B, days[::2])) == ["2023-01-31", "2023-02-14"]
    assert issues_from_other_roots(three_issues, "gongyishibao", C, []) == []
    assert issues_from_other_roots(three_issues, "another", C, days) == []


def test_issues_from_other_roots_of_a_latest_crawl_are_those_after_the_newest_from_its_root(three_issues):
    # A site's newest issue is no older than the newest it gave; a root that gave none may give any.
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", A, None)) == []
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", B, None)) == ["2023-02-14"]
    assert _dates(issues_from_other_roots(three_issues, "gongyishibao", C, None)) == ["2023-01-31", "2023-02-07", "2023-02-14"]


def test_a_root_is_a_whole_path_segment():
    assert site_root("http://h/newdzb") == "http://h/newdzb/" == site_root("http://h/newdzb/")
    assert under_root("http://h/newdzb/html/x.htm", "http://h/newdzb")
    assert not under_root("http://h/newdzb2/html/x.htm", "http://h/newdzb")
    assert not under_root("https://h/newdzb/html/x.htm", "http://h/newdzb/")
    # An earlier version's address from the root given as http://h/newdzb// is under that root alone.
    assert not under_root("http://h/newdzb//html/x.htm", "http://h/newdzb/")
    assert under_root("http://h/newdzb//html/x.htm", "http://h/newdzb//")


def test_a_root_is_written_as_the_crawler_writes_its_requests():
    assert as_site_root("HTTP://Example.COM/newdzb") == "http://example.com/newdzb/"
    assert as_site_root("http://例子.中国/报") == "http://xn--fsqu00a.xn--fiqs8s/%E6%8A%A5/"
    # One way for each root: no default port, "." and ".." resolved, a run of "/" one; the path's case kept.
    assert as_site_root("HTTP://Example.COM:80/./NewDzb//") == "http://example.com/NewDzb/"
    assert as_site_root("https://example.com:443/a/../newdzb") == "https://example.com/newdzb/"
    assert as_site_root("https://example.com:80/newdzb/") == "https://example.com:80/newdzb/"
    assert as_site_root("http://example.com//newdzb/") == "http://example.com/newdzb/"
    for bad in ("http://x/a/?p=1", "http://x/a/#top", "http://[::1/", "http://x:port/", "x/a/", "http:///a"):
        assert as_site_root(bad) is None, bad
    assert plan_crawl(date=ISSUE_DATE, base_url="HTTPS://WWW.Example.com/e").root == "https://www.example.com/e/"
    assert plan_crawl(date=ISSUE_DATE, base_url="http://www.example.com:80/./e//").root == "http://www.example.com/e/"
    with pytest.raises(SpiderArgumentError, match="bad base_url"):
        plan_crawl(date=ISSUE_DATE, base_url="http://x/a/?p=1")


def test_the_root_an_entry_page_hangs_off():
    paper = get_paper("gongyishibao")
    assert paper.root_of("http://h:8/newdzb/html/2023-01/31/node_1.htm", SAMPLE_DAY) == "http://h:8/newdzb/"
    # Redirected elsewhere: its host is all that can be told.
    assert paper.root_of("https://h/epaper/index.htm", SAMPLE_DAY) == "https://h/"


def test_the_refusal_names_the_issues_their_roots_and_the_way_out():
    plan = plan_crawl(date="2023-02-14", base_url=C.rstrip("/"))
    check_root(plan, [])
    with pytest.raises(SpiderArgumentError) as one:
        check_root(plan, [(date(2023, 1, 31), A + "html/2023-01/31/node_1.htm"), (date(2023, 2, 14), A + "html/2023-02/14/node_1.htm")])
    assert "error: " + str(one.value) == refusal(A, C, span="2023-01-31 to 2023-02-14", issues="2 issues")
    with pytest.raises(SpiderArgumentError) as several:
        check_root(plan, [(date(2023, 1, 31), A + "html/2023-01/31/node_1.htm"), (date(2023, 2, 7), B + "html/2023-02/07/node_1.htm"),
                          (date(2023, 2, 14), A + "html/2023-02/14/node_1.htm")])
    assert str(several.value) == (
        f"the archive holds 3 issues of gongyishibao (2023-01-31 to 2023-02-14) fetched from {A} (2) and {B} (1), not from "
        f"this crawl's root {C}: their articles would be stored twice; crawl them from their root first, one date at a "
        f"time (-a paper=gongyishibao -a date=2023-01-31 -a base_url={A}; -a paper=gongyishibao -a date=2023-02-14 "
        f"-a base_url={A}; -a paper=gongyishibao -a date=2023-02-07 -a base_url={B}), then this crawl again, or move the "
        f"archive's addresses first: archive move-root gongyishibao {A} {C} && archive move-root gongyishibao {B} {C}")
    # A range from one root whose other dates the archive may hold from this root: crawled from
    # that root as a whole, it would be refused for them; the issue held is crawled alone.
    ranged = plan_crawl(start="2023-01-31", end="2023-02-14", base_url=C)
    with pytest.raises(SpiderArgumentError) as one_of_a_range:
        check_root(ranged, [(date(2023, 2, 7), A + "html/2023-02/07/node_1.htm")])
    assert str(one_of_a_range.value).endswith(
        f"crawl it from its root first (-a paper=gongyishibao -a date=2023-02-07 -a base_url={A}), then this crawl "
        f"again, or move the archive's addresses first: archive move-root gongyishibao {A} {C}")
    # This root as an earlier version wrote it, and another: a crawl from the first is this
    # crawl, refused again; the moves let it in.
    spelt = "http://c.example:80/newdzb/"
    with pytest.raises(SpiderArgumentError) as with_a_spelling:
        check_root(ranged, [(date(2023, 1, 31), spelt + "html/2023-01/31/node_1.htm"), (date(2023, 2, 7), A + "html/2023-02/07/node_1.htm")])
    assert str(with_a_spelling.value).endswith(
        f"their articles would be stored twice; {spelt} is this root as an earlier version wrote it: move the "
        f"archive's addresses first: archive move-root gongyishibao {spelt} {C} && archive move-root gongyishibao {A} {C}")


def test_the_refusal_of_a_crawl_without_the_delta_or_a_distributed_one_advises_what_is_let_in():
    from scrapy.settings import Settings

    ranged = plan_crawl(start="2023-01-31", end="2023-02-14", base_url=C)
    held = [(date(2023, 2, 7), A + "html/2023-02/07/node_1.htm")]
    # Every issue asked again: the crawl again after the issue's alone from its root was refused again.
    with pytest.raises(SpiderArgumentError) as without_delta:
        check_root(ranged, held, Settings({"ARCHIVE_DELTA_ENABLED": "False"}))
    assert str(without_delta.value).endswith(
        f"their articles would be stored twice; with ARCHIVE_DELTA_ENABLED=False they are asked again, complete or not: "
        f"move the archive's addresses first: archive move-root gongyishibao {A} {C}")
    # A distributed crawl's settings made the issue's crawl a worker of its job (CRAWL_JOB).
    with pytest.raises(SpiderArgumentError) as distributed:
        check_root(ranged, held, Settings({"CRAWL_MODE": "distributed", "CRAWL_JOB": "2023-W07"}))
    assert str(distributed.value).endswith(
        f"crawl it from its root first (-a paper=gongyishibao -a date=2023-02-07 -a base_url={A} -s CRAWL_MODE=local), "
        f"then this crawl again, or move the archive's addresses first: archive move-root gongyishibao {A} {C}")


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


# --- two crawls at once -----------------------------------------------------------------------

class GatedSite(SiteServer):
    """The sample site, whose entry page is answered only once every crawl of ``gate`` asked its
    own: each crawl is past its start (the archive's check of roots) before either stores."""

    def __init__(self, gate, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = gate

    def _answer(self, path: str):
        if path.endswith("/node_1.htm"):
            try:
                self.gate.wait(timeout=60)
            except threading.BrokenBarrierError:  # a crawl that never asked: the test says why
                pass
        return super()._answer(path)


def test_two_crawls_of_one_issue_from_two_roots_at_once_store_it_once(archive_url, tmp_path):
    # Both pass the check of roots at their start, the archive holding nothing yet: every
    # article was stored twice, under each root's addresses, and both ended with status 0.
    gate = threading.Barrier(2)
    with GatedSite(gate, SAMPLE_SITE, prefix=PREFIX) as one, GatedSite(gate, SAMPLE_SITE, prefix=PREFIX) as other:
        roots = [served_root(one, "127.0.0.1"), served_root(other, "localhost")]
        crawls = [start_crawl(f"base_url={root}", f"date={ISSUE_DATE}", archive=archive_url, log=tmp_path / f"{n}.log")
                  for n, root in enumerate(roots)]
        statuses = [crawl.wait(timeout=240) for crawl in crawls]
    logs = [(tmp_path / f"{n}.log").read_text() for n in range(2)]
    assert sorted(statuses) == [0, 2], logs
    won, lost = (0, 1) if statuses[0] == 0 else (1, 0)
    assert "Traceback" not in logs[lost]
    refused = [line for line in logs[lost].splitlines() if "ERROR:" in line]
    assert len(refused) == 1 and refused[0].endswith(
        f"ERROR: the archive holds 1 issue of gongyishibao ({ISSUE_DATE}) fetched from "
        f"{roots[won]}, not from this crawl's root {roots[lost]}: their articles would be stored twice; crawl from "
        f"{roots[won]} (-a base_url={roots[won]}), or move the archive's addresses first: archive move-root "
        f"gongyishibao {roots[won]} {roots[lost]}; the archive took it from that root while this crawl ran (another crawl "
        f"stored it, or archive move-root moved it): this crawl stopped, none of what it fetched of it stored"), logs[lost]
    # Nothing lost, nothing twice: the issue whole, from the root of the crawl that stored it first.
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]
    for name, urls in addresses(archive_url).items():
        assert [url for url in urls if not under_root(url, roots[won])] == [], name
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0 and "Incomplete issues" not in stats.stdout, stats.stderr
    assert sorted(run.status for run in crawl_runs(archive_url)) == ["finished", "root_refused"]


def test_a_crawl_whose_site_redirects_its_entry_page_to_another_root_stores_the_issue_under_it(archive_url):
    # The issue is stored from the root the redirect leads to (a site's new port, a new domain),
    # not the crawl's: the crawl's own batches are no other crawl's, and none is refused as such.
    entry = f"html/{ISSUE_DATE[:7]}/{ISSUE_DATE[8:]}/node_1.htm"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server, SiteServer(SAMPLE_SITE, prefix=PREFIX) as old:
        new = served_root(server, "127.0.0.1")
        old._redirects[f"{PREFIX}{entry}"] = new + entry
        # Small batches: the issue's row is written by the first, which the others find.
        done = run_crawl(f"base_url={served_root(old, '127.0.0.1')}", f"date={ISSUE_DATE}", archive=archive_url,
                         settings={"ARCHIVE_BATCH_SIZE": "5"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]
    assert sql_rows(archive_url, "SELECT url FROM issues") == [(new + entry,)]


def test_a_crawl_whose_issue_is_moved_to_another_root_while_it_runs_stores_no_more_of_it_under_the_old(
        archive_url, tmp_path):
    # A move while a crawl of the paper ran: the crawl went on storing the issue's pages and
    # articles under the old root, the issue split between two roots, exit status 0.
    slow = {"DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS": "1", "ARCHIVE_BATCH_SIZE": "2", "ARCHIVE_FETCH_PDFS": "False"}
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        old, new = served_root(server, "127.0.0.1"), served_root(server, "localhost")
        running = start_crawl(f"base_url={old}", f"date={ISSUE_DATE}", archive=archive_url, settings=slow,
                              log=tmp_path / "crawl.log")
        wait_for("4 articles stored", lambda: _stored(archive_url) >= 4, running, 60,
                 said=lambda: (tmp_path / "crawl.log").read_text()[-3000:])
        moved = archive_command("move-root", "gongyishibao", old, new, archive=archive_url)
        assert moved.returncode == 0, moved.stderr
        status = running.wait(timeout=240)
        log = (tmp_path / "crawl.log").read_text()
        assert status == 2, log[-3000:]
        refused = [line for line in log.splitlines() if "ERROR:" in line]
        assert len(refused) == 1 and refused[0].endswith(
            f"ERROR: the archive holds 1 issue of gongyishibao ({ISSUE_DATE}) fetched from {new}, not from this crawl's "
            f"root {old}: their articles would be stored twice; crawl from {new} (-a base_url={new}), or move the "
            f"archive's addresses first: archive move-root gongyishibao {new} {old}; the archive took it from that root "
            f"while this crawl ran (another crawl stored it, or archive move-root moved it): this crawl stopped, none of "
            f"what it fetched of it stored"), log[-3000:]
        assert {name: [url for url in urls if under_root(url, old)] for name, urls in addresses(archive_url).items()} == {
            name: [] for name in URL_COLUMNS}
        done = run_crawl(f"base_url={new}", f"date={ISSUE_DATE}", archive=archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(20, 20)]


def _stored(archive: str) -> int:
    """The articles the archive holds, 0 before it has its tables."""
    try:
        return sql_rows(archive, "SELECT count(*) FROM articles")[0][0]
    except Exception:  # no table yet
        return 0


# --- the refusal's advice, followed as written ----------------------------------------------

def make_incomplete(archive: str) -> None:
    """Every issue the archive holds taken for incomplete (a page more expected than stored), as
    a crawl that lost a page leaves it: a crawl of its date from another root is refused for it."""
    engine = create_engine(archive)
    with engine.begin() as conn:
        conn.execute(text("UPDATE issues SET pages_expected = pages_expected + 1"))
    engine.dispose()


def _crawls_advised(refused: str, asked: list[str]) -> list[tuple[list[str], dict[str, str]]]:
    """The crawls the refusal's way out names, each as the arguments to run and the settings it
    gives (``-s``): a group "(-a date=D -a base_url=R; …)" is one crawl each, a group without a
    date the crawl asked again with those arguments, and "then this crawl again" the crawl
    asked, as it was."""
    crawls = []
    for group in re.findall(r"\((-a [^)]*)\)", refused):
        for command in group.split("; "):
            given, settings = {}, {}
            for option, arg in re.findall(r"(-[as]) (\S+)", command):
                name, value = arg.split("=", 1)
                (given if option == "-a" else settings)[name] = value
            named = [f"{name}={value}" for name, value in given.items()]
            if "date" in given:
                crawls.append((named, settings))
            else:
                crawls.append(([arg for arg in asked if arg.split("=", 1)[0] not in given] + named, settings))
    if "then this crawl again" in refused:
        crawls.append((asked, {}))
    return crawls


def follow_advice(refused: str, asked: list[str], archive: str, settings: dict[str, str] | None = None) -> None:
    """Runs the crawls the refusal advises, with the refused crawl's settings and those the
    advice gives, as a user following it to the letter would; a refusal that advises only the
    moves, the moves and then the crawl asked again."""
    assert refused.startswith("error: ") and "\n" not in refused, refused
    advised = _crawls_advised(refused, asked)
    for args, given in advised:
        done = run_crawl(*args, archive=archive, settings=(settings or {}) | given)
        assert done.returncode == 0, (refused, args, given, done.stderr[-3000:])
    if not advised:
        moves = re.findall(r"archive move-root (\S+) (\S+) (\S+)", refused)
        assert moves, refused
        for move in moves:
            moved = archive_command("move-root", *move, archive=archive)
            assert moved.returncode == 0, (refused, moved.stderr)
        done = run_crawl(*asked, archive=archive, settings=settings)
        assert done.returncode == 0, (refused, asked, done.stderr[-3000:])


# Every issue asked again on every run, as with refresh: an issue crawled complete from its
# root refuses the crawl from this root all the same.
NO_DELTA = {"ARCHIVE_DELTA_ENABLED": "False"}


@pytest.mark.parametrize("way, asking, settings", [("crawls", 0, None), ("move-root", 2, None), ("crawls", 0, NO_DELTA),
                                                    ("crawls", 2, NO_DELTA)],
                         ids=["crawls", "move-root", "crawls-without-delta", "crawls-from-a-third-root-without-delta"])
def test_a_range_refused_for_issues_held_from_other_roots_is_accepted_once_its_advice_is_followed(
        archive_url, tmp_path, way, asking, settings):
    # Issues 1 and 3 held incomplete from one root, 2 from another: the range from the first
    # was told to crawl from the second, which refused it the other way round; from a third
    # root, to move each with "archive move-root gongyishibao OLD_ROOT ...", a root to guess.
    days = [SAMPLE_DAY + timedelta(days=7 * n) for n in range(3)]
    site = sample_site(tmp_path / "site", days=days)
    span = [f"start={days[0]}", f"end={days[-1]}"]
    with SiteServer(site, prefix=PREFIX) as server, SiteServer(site, prefix=PREFIX) as mirror:
        roots = [served_root(server, "127.0.0.1"), served_root(server, "localhost"), served_root(mirror, "127.0.0.1")]
        for day, root in zip(days, roots[:2] + roots[:1]):
            crawl(root, archive_url, f"date={day}")
        make_incomplete(archive_url)
        asked = [f"base_url={roots[asking]}", *span]
        refused = crawl(roots[asking], archive_url, *span, status=2, settings=settings).stderr.strip()
        assert refused.startswith("error: ") and "\n" not in refused, refused
        if way == "crawls":
            follow_advice(refused, asked, archive_url, settings)
        else:
            moves = re.findall(r"archive move-root (\S+) (\S+) (\S+)", refused)
            assert moves, refused
            for move in moves:
                moved = archive_command("move-root", *move, archive=archive_url)
                assert moved.returncode == 0, (refused, moved.stderr)
            crawl(roots[asking], archive_url, *span)
    assert sql_rows(archive_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(60, 60)]
    assert sql_rows(archive_url, "SELECT count(*) FROM issues") == [(3,)]
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0 and "Incomplete issues" not in stats.stdout, stats.stdout


@pytest.mark.parametrize("settings", [None, NO_DELTA], ids=["delta", "without-delta"])
def test_a_crawl_of_the_newest_issue_refused_for_an_older_issue_held_from_another_root_is_accepted_once_its_advice_is_followed(
        sqlite_url, tmp_path, settings):
    # Told to crawl from the other root, the crawl of the newest issue from there fetched the
    # newest issue, not the older one held incomplete, which refused the next crawl from this
    # root all the same: a scheduled crawl could never get past it.
    earlier = SAMPLE_DAY - timedelta(days=7)
    site = sample_site(tmp_path / "site", days=(earlier, SAMPLE_DAY))  # its latest page leads to SAMPLE_DAY
    with SiteServer(site, prefix=PREFIX) as server:
        this, other = served_root(server, "127.0.0.1"), served_root(server, "localhost")
        crawl(other, sqlite_url, f"date={earlier}")
        if settings != NO_DELTA:  # without the delta, the issue held complete is asked again and refuses it as it is
            make_incomplete(sqlite_url)
        asked = [f"base_url={this}"]
        refused = crawl(this, sqlite_url, status=2, settings=settings).stderr.strip()
        follow_advice(refused, asked, sqlite_url, settings)
        crawl(this, sqlite_url, settings=settings)  # the scheduled crawl, the next day
    # Without the delta the way out is the move alone: the older issue then hangs off this root.
    moved = int(settings == NO_DELTA)
    assert sql_rows(sqlite_url, "SELECT issue_date, url LIKE :this FROM issues ORDER BY 1", this=this + "%") == [
        (earlier.isoformat(), moved), (SAMPLE_DAY.isoformat(), 1)]
    assert sql_rows(sqlite_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(40, 40)]
    stats = archive_command("stats", archive=sqlite_url)
    assert stats.returncode == 0 and "Incomplete issues" not in stats.stdout, stats.stdout


def test_a_refreshed_range_refused_for_an_issue_held_from_another_root_is_accepted_once_its_advice_is_followed(
        sqlite_url, tmp_path):
    # With refresh an issue is asked again complete or not: its crawl alone from its root,
    # then this crawl again, was refused again, and so was the same range from the other root.
    days = [SAMPLE_DAY + timedelta(days=7 * n) for n in range(3)]
    site = sample_site(tmp_path / "site", days=days)
    span = [f"start={days[0]}", f"end={days[-1]}", "refresh=1"]
    with SiteServer(site, prefix=PREFIX) as server:
        this, other = served_root(server, "127.0.0.1"), served_root(server, "localhost")
        for day, root in zip(days, (this, other, this)):
            crawl(root, sqlite_url, f"date={day}")
        asked = [f"base_url={this}", *span]
        refused = crawl(this, sqlite_url, *span, status=2).stderr.strip()
        follow_advice(refused, asked, sqlite_url)
    assert sql_rows(sqlite_url, "SELECT count(*), count(DISTINCT url) FROM articles") == [(60, 60)]
    assert sql_rows(sqlite_url, "SELECT count(*) FROM issues WHERE url LIKE :this", this=this + "%") == [(3,)]
