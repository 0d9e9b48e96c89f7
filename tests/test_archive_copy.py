"""`archive copy --to URL`: a SQLite archive crawled over HTTP moved into PostgreSQL, as a user
moves it, compared table by table, searched, crawled into after; what it refuses; a copy stopped
part-way and run again."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from storage import models
from storage.db import open_archive
from tests.conftest import (PROJECT, archive_command, comparable, crawl_site, execute_sql, host_in_query, insert_crawl_run, postgres_role,
                            served_as, sql_rows)
from tests.sites import SAMPLE_DAY, sample_site

NEXT_ISSUE = SAMPLE_DAY + timedelta(days=7)  # the next Tuesday, 公益时报's day
GIN_INDEX = "SELECT indexname FROM pg_indexes WHERE tablename = 'article_search' AND indexdef LIKE '%USING gin%'"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The sample site with a second issue, which a crawl into the copy fetches."""
    return sample_site(tmp_path_factory.mktemp("copied") / "site", days=(SAMPLE_DAY, NEXT_ISSUE))


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory) -> str:
    """A SQLite archive holding a crawl of the site's first issue."""
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'archive.sqlite3'}"
    done, _ = crawl_site(url, site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    return url


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the archive at ``url``, by id."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(map(comparable, row))
                                 for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                    for table in models.Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def ids(rows: list[tuple]) -> set[int]:
    return {row[0] for row in rows}


def test_a_sqlite_archive_copied_into_postgresql_is_the_same_archive_and_the_crawls_go_on_there(postgres_url, crawled,
                                                                                                   site):
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    assert done.returncode == 0, done.stderr
    source = table_rows(crawled)
    assert all(source[name] for name in ("articles", "pages", "images", "raw_documents", "crawl_runs")), source.keys()
    copied = table_rows(postgres_url)
    for name, rows in source.items():
        assert copied[name] == rows, name
    assert done.stderr.splitlines()[-1] == (f"copied into {postgres_url}: {len(source['articles'])} articles, "
                                            f"{sum(map(len, source.values()))} rows in all")
    # The copy's index holds every article, none left queued, and finds what the source's finds.
    assert sql_rows(postgres_url, "SELECT count(*) FROM article_search_pending") == [(0,)]
    assert sql_rows(postgres_url, "SELECT count(*) FROM article_search") == [(len(source["articles"]),)]
    # Built once after the articles (benchmarks/copy_index.py), the search index is there.
    assert sql_rows(postgres_url, GIN_INDEX) == [("ix_article_search_terms",)]
    for words in ("社工", "公益 慈善"):
        found = archive_command("search", *words.split(), archive=crawled)
        assert found.returncode == 0 and found.stdout, found.stderr
        assert archive_command("search", *words.split(), archive=postgres_url).stdout == found.stdout, words

    # The next crawl stores into the copy after the copied ids, from the site root they came from.
    served_as(postgres_url, crawled)
    crawl, _ = crawl_site(postgres_url, site=site, date=NEXT_ISSUE.isoformat())
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    after = table_rows(postgres_url)
    assert len(after["articles"]) == 2 * len(source["articles"])
    for name in ("issues", "pages", "articles", "images", "raw_documents", "crawl_runs"):
        new = ids(after[name]) - ids(source[name])
        assert new and min(new) > max(ids(source[name])), name
    assert archive_command("search", "社工", "--since", NEXT_ISSUE.isoformat(), archive=postgres_url).stdout


def test_archive_copy_refuses_a_sqlite_target_and_an_unreachable_one_in_one_line(postgres_url, crawled, tmp_path):
    target = tmp_path / "bigger.sqlite3"
    done = archive_command("copy", "--to", f"sqlite:///{target}", archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: --to sqlite:///{target} is a SQLite archive: archive copy copies into PostgreSQL (a SQLite copy "
               "is made by archive export --format sqlite --output FILE)\n")
    assert not target.exists()
    nowhere = "postgresql+psycopg://archivist@127.0.0.1:1/archive"
    done = archive_command("copy", "--to", nowhere, archive=crawled)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith(f"error: database unreachable: {nowhere}: ") and done.stderr.count("\n") == 1
    # Without a database name, the server's maintenance database (postgres) would be written.
    named = make_url(postgres_url)
    serverwide = f"postgresql+psycopg://{named.username}@{named.host}:{named.port}"
    done = archive_command("copy", "--to", serverwide, archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: --to {serverwide} names no database: name the one to copy into ({serverwide}/DBNAME)\n")
    done = archive_command("copy", "--to", " ", archive=crawled)
    assert (done.returncode, done.stdout) == (2, "") and done.stderr.count("\n") == 1, done.stderr
    assert "empty URL" in done.stderr


def test_archive_copy_refuses_the_archive_itself_and_an_archive_holding_rows_touching_nothing(postgres_url, crawled):
    assert archive_command("copy", "--to", postgres_url, archive=crawled).returncode == 0
    # A run of its own since (a crawl started on the copy): it holds other rows than the source.
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        insert_crawl_run(conn)
    engine.dispose()
    before = table_rows(postgres_url)
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    held = ", ".join(name for name, rows in before.items() if rows)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: --to {postgres_url} already holds an archive (rows in {held}; its crawl_runs differ from the "
               "archive's): archive copy copies into an empty database; nothing in it was changed\n")
    assert table_rows(postgres_url) == before
    # The archive itself, named as written or another way (libpq's postgresql://, without the driver).
    for target in (postgres_url, postgres_url.replace("postgresql+psycopg://", "postgresql://")):
        done = archive_command("copy", "--to", target, archive=postgres_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", f"error: --to {target} is the archive itself: name another database\n"), target
    assert table_rows(postgres_url) == before


# The console script, sending itself the signal argv[1] names once the copy has written articles
# into the target: as their first batch (of 5) is indexed, in the middle of the copy's transaction
# (argv[2] "batch"), or as the copy commits ("commit").
_SIGNALLED = """
import os, sys
import storage.copying
from sqlalchemy.engine import Connection
from storage import fulltext
from storage.console import main

signum, after = int(sys.argv.pop(1)), sys.argv.pop(1)
storage.copying.BATCH = 5
owner, name = (fulltext, "flush") if after == "batch" else (Connection, "commit")
step = getattr(owner, name)


def stepped_then_signalled(conn, *args, **kwargs):
    done = step(conn, *args, **kwargs)
    if conn.dialect.name == "postgresql" and conn.exec_driver_sql("SELECT count(*) FROM articles").scalar():
        os.kill(os.getpid(), signum)
    return done


setattr(owner, name, stepped_then_signalled)
sys.exit(main())
"""


def signalled_copy(signum: int, after: str, source: str, target: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _SIGNALLED, str(int(signum)), after, "--archive", source,
                           "copy", "--to", target], cwd=PROJECT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl_c"])
def test_a_copy_stopped_part_way_leaves_a_target_that_the_same_command_completes(postgres_url, crawled, signum):
    stopped = signalled_copy(signum, "batch", crawled, postgres_url)
    assert "copied pages 16/16" in stopped.stderr and "copied articles" not in stopped.stderr, stopped.stderr
    if signum == signal.SIGKILL:
        assert stopped.returncode == -signal.SIGKILL, stopped.stderr
    else:
        assert (stopped.returncode, stopped.stderr.splitlines()[-1]) == (130, "interrupted"), stopped.stderr
    assert not any(table_rows(postgres_url).values())  # as empty as it was
    assert sql_rows(postgres_url, GIN_INDEX) == [("ix_article_search_terms",)]  # dropped in the transaction alone
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    assert done.returncode == 0, done.stderr
    assert table_rows(postgres_url) == table_rows(crawled)
    assert sql_rows(postgres_url, "SELECT count(*) FROM article_search") == [(len(table_rows(crawled)["articles"]),)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_a_signal_as_the_copy_commits_changes_nothing(postgres_url, crawled, signum):
    # The copy whole, yet said "interrupted" (exit status 130): run again, it was refused.
    done = signalled_copy(signum, "commit", crawled, postgres_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"copied into {postgres_url}: ")
    assert table_rows(postgres_url) == table_rows(crawled)


def test_a_copy_killed_after_its_commit_run_again_says_the_target_holds_it_changing_nothing(postgres_url, crawled):
    # Killed before its last line, the copy was whole; run again, it was refused ("already holds an archive").
    killed = signalled_copy(signal.SIGKILL, "commit", crawled, postgres_url)
    assert killed.returncode == -signal.SIGKILL and "copied into" not in killed.stderr, killed.stderr
    whole = table_rows(postgres_url)
    assert whole == table_rows(crawled)
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    articles, rows = len(whole["articles"]), sum(map(len, whole.values()))
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "", f"--to {postgres_url} already holds a complete copy of the archive ({articles} articles, {rows} rows "
               "in all): nothing in it was changed\n")
    assert table_rows(postgres_url) == whole
    # A part of it (a row taken out since) is not the archive: refused as any rows are.
    execute_sql(postgres_url, "DELETE FROM images WHERE id = (SELECT max(id) FROM images)")
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    assert (done.returncode, done.stdout) == (2, "") and " already holds an archive (rows in " in done.stderr, done.stderr


def edited_copy(url: str, tmp_path) -> str:
    """A copy of the SQLite archive at ``url`` to edit (the module's crawl is shared)."""
    edited = tmp_path / "edited.sqlite3"
    with sqlite3.connect(make_url(url).database) as original, sqlite3.connect(edited) as copy:
        original.backup(copy)
    original.close()
    copy.close()
    return str(edited)


def test_a_target_holding_other_rows_of_the_same_extent_is_refused_naming_the_table_that_differs(postgres_url, crawled,
                                                                                                 tmp_path):
    source = edited_copy(crawled, tmp_path)
    assert archive_command("copy", "--to", postgres_url, archive=f"sqlite:///{source}").returncode == 0
    # Same counts and highest ids on both sides, one title changed in the source since.
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE articles SET title = title || '（更正）' WHERE id = (SELECT min(id) FROM articles)")
    conn.close()
    before = table_rows(postgres_url)
    done = archive_command("copy", "--to", postgres_url, archive=f"sqlite:///{source}")
    held = ", ".join(name for name, rows in before.items() if rows)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: --to {postgres_url} already holds an archive (rows in {held}; its articles differ from the "
               "archive's): archive copy copies into an empty database; nothing in it was changed\n")
    assert table_rows(postgres_url) == before


def test_text_holding_a_nul_stops_the_copy_in_one_line_naming_its_row_and_copies_nothing(postgres_url, crawled, tmp_path):
    # PostgreSQL's text holds no NUL, which a SQLite archive edited by hand may: "database error".
    edited = edited_copy(crawled, tmp_path)
    with sqlite3.connect(edited) as conn:
        article = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
        conn.execute("UPDATE articles SET body = body || char(0) || '附' WHERE id = ?", (article,))
    conn.close()
    done = archive_command("copy", "--to", postgres_url, archive=f"sqlite:///{edited}")
    advised = ("UPDATE articles SET body = (WITH RECURSIVE cut(b) AS (SELECT CAST(body AS BLOB) UNION ALL SELECT "
               "CAST(substr(b, 1, instr(b, x'00') - 1) || substr(b, instr(b, x'00') + 1) AS BLOB) FROM cut WHERE "
               f"instr(b, x'00')) SELECT CAST(b AS TEXT) FROM cut WHERE NOT instr(b, x'00')) WHERE id = {article}")
    assert (done.returncode, done.stdout, done.stderr.splitlines()[-1]) == (
        2, "", f"error: articles row {article} holds a NUL character in its body, which PostgreSQL's text cannot "
               f"hold: take it out of the archive (in sqlite3: {advised}) and copy again; nothing was copied"), done.stderr
    assert not any(table_rows(postgres_url).values())
    # The statement advised, run as said, takes the NUL out (and nothing else): the copy goes through.
    ran = subprocess.run(["sqlite3", edited, advised], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    bodies = [sql_rows(url, f"SELECT body FROM articles WHERE id = {article}")[0][0]
              for url in (crawled, f"sqlite:///{edited}")]
    assert bodies[1] == bodies[0] + "附", bodies
    done = archive_command("copy", "--to", postgres_url, archive=f"sqlite:///{edited}")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("url", ["mysql://archivist@db-host/archive", "mysql+pymysql://archivist:secret@db-host/archive",
                                 "oracle://archivist@db-host/archive"])
def test_archive_copy_into_a_database_neither_sqlite_nor_postgresql_asks_for_a_postgresql_url(crawled, url):
    # It said "use sqlite or postgresql" (open_archive's words), though a copy makes no SQLite archive.
    done = archive_command("copy", "--to", url, archive=crawled)
    backend = make_url(url).get_backend_name()
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: unsupported database {backend!r} in archive URL {url.replace(':secret@', ':***@')} (given by --to): archive copy "
               "takes a PostgreSQL URL such as postgresql+psycopg://archivist@localhost/archive or "
               "postgresql+psycopg://archivist@db-host:5432/archive\n")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_archive_copy_takes_a_postgresql_url_as_libpq_and_hosting_services_write_it(postgres_url, crawled, scheme):
    # Their backend's name is "postgres", which is no other database.
    url = f"{scheme}://" + postgres_url.split("://", 1)[1]
    done = archive_command("copy", "--to", url, archive=crawled)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert table_rows(postgres_url) == table_rows(crawled)


def test_archive_copy_into_another_program_s_database_on_a_server_named_by_the_url_s_query_advises_createdb_there(
        postgres_url, crawled):
    # ?host=/var/run/postgresql (a Unix socket), no host in the URL's authority: the copy advised
    # createdb -h localhost -p 5432, a server the URL does not name.
    execute_sql(postgres_url, "CREATE TABLE accounts (id integer PRIMARY KEY)")
    url = host_in_query(postgres_url)
    host, port = make_url(url).query["host"], make_url(url).query["port"]
    done = archive_command("copy", "--to", url, archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive {url} (given by --to) holds no archive but another program's tables "
               f"(accounts): name an empty database to copy into (createdb -h {host} -p {port} -E UTF8 "
               "-T template0 archive makes one)\n")


def test_archive_copy_advises_a_postgresql_url_and_an_empty_database(postgres_url, crawled):
    done = archive_command("copy", "--to", "archive", archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "error: invalid URL 'archive' (given by --to): expected a PostgreSQL URL such as "
               "postgresql+psycopg://archivist@localhost/archive or postgresql+psycopg://archivist@db-host:5432/archive\n")
    execute_sql(postgres_url, "CREATE TABLE accounts (id integer PRIMARY KEY)")
    named = make_url(postgres_url)
    done = archive_command("copy", "--to", postgres_url, archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive {postgres_url} (given by --to) holds no archive but another program's tables "
               f"(accounts): name an empty database to copy into (createdb -h {named.host} -p {named.port} -E UTF8 "
               "-T template0 archive makes one)\n")
    assert sql_rows(postgres_url, "SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = current_schema()") == [("accounts",)]


def test_an_invalid_connection_option_is_said_so_not_unreachable(postgres_url, crawled):
    bogus = f"{postgres_url}?sslmode=bogus"
    told = ('error: the archive URL {} (given by {}) has an invalid connection option sslmode: '
            'invalid sslmode value: "bogus"\n')
    done = archive_command("stats", archive=bogus)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", told.format(bogus, "--archive"))
    done = archive_command("copy", "--to", bogus, archive=crawled)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", told.format(bogus, "--to"))
    # One libpq reads as a number: its words name the option.
    done = archive_command("stats", archive=f"{postgres_url}?keepalives=abc")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: the archive URL {postgres_url}?keepalives=abc (given by --archive) has an invalid connection "
               'option keepalives: invalid integer value "abc" for connection option "keepalives"\n')


def test_a_copy_into_tables_another_role_made_writes_the_search_index_it_may_not_drop(postgres_url, crawled, request):
    # The superuser made the archive's tables, the role that crawls was granted writing them: the
    # copy as that role may not drop the GIN index to build it once (only its owner may).
    open_archive(postgres_url).close()
    _, as_writer = postgres_role(postgres_url, request, "copier",
                                 "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                                 "GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    done = archive_command("copy", "--to", as_writer, archive=crawled)
    assert done.returncode == 0, done.stderr
    assert table_rows(postgres_url) == table_rows(crawled)
    assert sql_rows(postgres_url, GIN_INDEX) == [("ix_article_search_terms",)]
    assert archive_command("search", "社工", archive=as_writer).stdout == archive_command("search", "社工", archive=crawled).stdout
