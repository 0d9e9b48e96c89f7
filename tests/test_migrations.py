"""Schema versions: migrations build the models' schema, upgrade old archives in place, and the
code refuses to write to an archive older than itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from storage import fulltext, migrate
from storage.cli import main
from storage.db import ArchiveError, Unserved, as_utc, make_engine, open_archive
from storage.models import Base
from storage.search import search
from tests.conftest import (
    PROJECT, SAMPLE_SITE, archive_command, crawl_site, insert_crawl_run, postgres_role, run_crawl, sql_rows,
    wait_for,
)
from tests.test_storage import article, page

DAY = date(2023, 1, 31)


def differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, parents: name not in fulltext.NAMES and name != "alembic_version",
            "compare_type": True,
        })
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    return found


def old_archive(url: str, *, stamped: bool) -> None:
    """An archive at the first revision; unstamped, as archives made before migrations are."""
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), migrate.BASELINE)
        if not stamped:
            conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    archive = open_archive(url, check=False)
    archive.store_batch([page()], [article(1, title="旧档案里的文章", body="社工站建设稳步推进")])
    archive.close()


def test_a_new_archive_is_the_models_schema_at_the_head_revision(archive_url):
    archive = open_archive(archive_url)
    assert archive.revision == migrate.head()
    archive.close()
    assert differences(archive_url) == []


def test_a_role_that_may_not_create_extensions_can_make_a_new_archive(postgres_url, request):
    # A shared server's user given a schema, not the database: revision 0002's trigram index
    # needed pg_trgm, which such a role may not create, and 0003 drops that index anyway.
    _, url = postgres_role(postgres_url, request, "archivist", "GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    archive = open_archive(url)
    archive.store_batch([page()], [article(1, title="新档案", body="社工站建设稳步推进")])
    assert archive.revision == migrate.head()
    assert [h.title for h in search(archive, "社工站")] == ["新档案"]
    archive.close()
    admin = make_engine(postgres_url)
    with admin.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").scalar() == 0
    admin.dispose()


@pytest.mark.parametrize("stamped", [True, False], ids=["stamped", "before-migrations"])
def test_an_old_archive_is_refused_then_upgraded_in_place(archive_url, stamped, capsys):
    old_archive(archive_url, stamped=stamped)
    with pytest.raises(ArchiveError) as refused:
        open_archive(archive_url)
    assert str(refused.value).endswith(f"has schema 0001, older than this code's ({migrate.head()}): run `archive upgrade` first")
    for refused_command in (["reprocess"], ["search", "社工站"], ["export", "--format", "csv"]):
        assert main(["--archive", archive_url, *refused_command]) == 2
        err = capsys.readouterr().err
        assert "run `archive upgrade`" in err and err.count("\n") == 1, err
    assert main(["--archive", archive_url, "upgrade"]) == 0
    upgraded = capsys.readouterr()
    assert f"0001 -> {migrate.head()}" in upgraded.out
    assert upgraded.err.splitlines()[-1] == "revision 0023 (picture captions): articles indexed for search 1/1"
    archive = open_archive(archive_url)  # writable now
    assert [h.title for h in search(archive, "社工站")] == ["旧档案里的文章"]  # indexed by the upgrade
    assert [h.title for h in search(archive, "社工")] == ["旧档案里的文章"]
    archive.close()
    assert differences(archive_url) == []
    assert main(["--archive", archive_url, "upgrade"]) == 0
    assert "is current" in capsys.readouterr().out


def test_an_archive_made_before_migrations_with_its_search_index_is_upgraded_in_place(archive_url, capsys):
    # The code just before migrations made the trigram index and article_view beside the tables
    # (what 0002 makes, without article_history): its upgrade failed on the first, `error:
    # database error: table articles_fts already exists`, and the archive could not be upgraded.
    from storage.migrations import trigram

    old_archive(archive_url, stamped=False)
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        dialect = conn.dialect.name
        for statement in (trigram.sqlite_index() if dialect == "sqlite" else trigram.postgresql_index()):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(fulltext.view_sql(dialect, originals=False))
    engine.dispose()
    assert main(["--archive", archive_url, "upgrade"]) == 0, capsys.readouterr().err
    assert f"0001 -> {migrate.head()}" in capsys.readouterr().out
    archive = open_archive(archive_url)
    assert [h.title for h in search(archive, "社工站")] == ["旧档案里的文章"]
    archive.store_batch([page()], [article(2, title="新文章", body="社工站又一篇")])  # the old triggers gone with their index
    assert sorted(h.title for h in search(archive, "社工站")) == ["新文章", "旧档案里的文章"]
    archive.close()
    assert differences(archive_url) == []


def test_an_export_of_an_archive_older_than_its_view_writes_nothing_before_its_error(archive_url, tmp_path):
    # The CSV header went out on standard output before the one line of error.
    old_archive(archive_url, stamped=True)
    hint = f"(the archive has schema 0001, older than this code's ({migrate.head()}): run `archive upgrade`)"
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("csv", "jsonl"):
        for output in ((), ("-o", str(out / f"articles.{fmt}"))):
            done = archive_command("export", "--format", fmt, *output, archive=archive_url)
            assert (done.returncode, done.stdout) == (2, ""), done.stderr
            (line,) = done.stderr.splitlines()
            assert line.startswith("error: database error: ") and "article_view" in line and line.endswith(hint), line
    assert list(out.iterdir()) == []


def test_stats_reads_an_old_archive_as_it_reads_it_upgraded(archive_url):
    # stats reads what each revision has (as it reads dead_links only from 0011 on): an archive
    # older than page_articles (0010) is counted, its issue archived in part listed, as after
    # the upgrade, which fills page_articles from the articles stored.
    old_archive(archive_url, stamped=False)
    archive = open_archive(archive_url, check=False)
    archive.store_batch([page(8, articles_expected=2)], [article(2, number=8)])
    archive.close()
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        insert_crawl_run(conn)
    engine.dispose()
    old = archive_command("stats", archive=archive_url)
    assert (old.returncode, old.stderr) == (0, ""), old.stderr
    assert "gongyishibao | 2023 | 1      | 2     | 2" in old.stdout
    assert "gongyishibao | 2023-01-31 | no page list" in old.stdout  # page 8 holds 1 of its 2 articles
    assert archive_command("upgrade", archive=archive_url).returncode == 0
    upgraded = archive_command("stats", archive=archive_url)
    assert (upgraded.returncode, upgraded.stdout) == (0, old.stdout)


def test_upgrade_makes_no_archive_where_there_is_none(archive_url, tmp_path, capsys):
    if archive_url.startswith("sqlite"):
        for missing, why in ((f"sqlite:///{tmp_path / 'typo.sqlite3'}", "no such file"),
                             (f"sqlite:///{tmp_path / 'typo' / 'archive.sqlite3'}", f"no such folder {tmp_path / 'typo'}")):
            assert main(["--archive", missing, "upgrade"]) == 2
            assert capsys.readouterr() == ("", f"error: archive not found: {missing} (given by --archive): {why}\n")
            assert list(tmp_path.iterdir()) == []
        return
    assert main(["--archive", archive_url, "upgrade"]) == 2  # an empty database
    assert capsys.readouterr() == ("", f"error: archive not found: {archive_url} has no articles table\n")
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").scalar() == 0
    engine.dispose()


def test_two_upgrades_at_once_migrate_a_postgresql_archive_once(postgres_url):
    # Two admins (or two machines' cron lines) upgrading one shared archive at the same moment:
    # the second waits for the first and finds the archive current, where it ran the same
    # migrations again and failed half-way ("relation article_view already exists").
    old_archive(postgres_url, stamped=True)
    engine = make_engine(postgres_url)
    with engine.connect() as held, engine.connect() as watching:
        # Both upgrades read the archive's revision, then wait here: they start together.
        held.exec_driver_sql("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        upgrades = [
            subprocess.Popen([sys.executable, "-m", "storage.cli", "--archive", postgres_url, "upgrade"], cwd=PROJECT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]

        def both_waiting() -> bool:
            waiting = watching.exec_driver_sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid "
                "WHERE NOT l.granted AND s.datname = current_database()"
            ).scalar()
            watching.rollback()  # a new snapshot for the next look
            return waiting >= 2

        wait_for("the two upgrades both waited", both_waiting, seconds=60)
        held.rollback()
    engine.dispose()
    outcomes = [upgrade.communicate(timeout=120) + (upgrade.returncode,) for upgrade in upgrades]
    assert [status for _, _, status in outcomes] == [0, 0], outcomes
    assert sorted(out.strip().splitlines()[0] for out, _, _ in outcomes) == [
        f"archive schema is current ({migrate.head()})", f"archive schema: 0001 -> {migrate.head()}"]
    archive = open_archive(postgres_url)
    assert [h.title for h in search(archive, "社工站")] == ["旧档案里的文章"]
    archive.close()
    assert differences(postgres_url) == []


def test_an_upgrade_by_a_role_that_does_not_own_the_archive_says_whose_it_is(postgres_url, request, capsys):
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0008")
    engine.dispose()
    writer, as_writer = postgres_role(  # a crawl's role: it writes every table, it owns none
        postgres_url, request, "writer",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    )
    assert main(["--archive", as_writer, "upgrade"]) == 2
    owner = make_url(postgres_url).username
    assert capsys.readouterr().err == (
        f"error: archive {as_writer} belongs to role {owner}, not to {writer}: an upgrade changes the archive's tables "
        f"and makes new ones, which must be {owner}'s as the rest are; run archive upgrade as {owner}\n")
    assert main(["--archive", postgres_url, "upgrade"]) == 0


def test_an_upgrade_by_a_superuser_makes_the_new_tables_the_writing_role_s(postgres_url, request):
    # README's set-up: the crawl's role owns the tables it made, and a reader is granted those it
    # makes later by default privileges. An admin who upgraded as the server's superuser made the
    # new revisions' tables the superuser's: every crawl of the writing role after it was refused
    # ("lacks SELECT on dead_links and 9 more"), and the reader could not read them.
    role, as_writer = postgres_role(postgres_url, request, "archivist", "GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    reader, as_reader = postgres_role(postgres_url, request, "reader", "GRANT USAGE ON SCHEMA public TO {role}")
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT SELECT ON TABLES TO {reader}")
    engine.dispose()
    assert crawl_site(as_writer).done.returncode == 0
    engine = make_engine(as_writer)
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0010")
    engine.dispose()
    by_admin = archive_command("upgrade", archive=postgres_url)
    assert by_admin.returncode == 0, by_admin.stderr
    owners = sql_rows(postgres_url, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners == [(role,)]
    again = crawl_site(as_writer, "refresh=1").done
    assert again.returncode == 0, again.stderr[-3000:]
    stats = archive_command("stats", archive=as_reader)
    assert (stats.returncode, stats.stderr) == (0, ""), stats.stderr


def test_plain_sql_from_any_session_reaches_an_archive_in_a_schema_of_its_own(postgres_url, request, capsys):
    # A shared server's archive in its own schema, its writing role finding it through its
    # search_path; an admin in psql (search_path "$user", public) corrects and removes articles
    # by the schema's name. The trigger functions looked their queue up on the admin's
    # search_path: 'relation "article_search_pending" does not exist', nothing changed.

    # The role and its schema share a name.
    name, writer = postgres_role(
        postgres_url, request, "press",
        "CREATE SCHEMA {role}", "GRANT USAGE, CREATE ON SCHEMA {role} TO {role}",
        f"ALTER ROLE {{role}} IN DATABASE {make_url(postgres_url).database} SET search_path = {{role}}",
    )
    engine = make_engine(writer)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0008")
    engine.dispose()
    archive = open_archive(writer, check=False)
    archive.store_batch([page()], [article(1, title="旧标题", body="社工站建设稳步推进"), article(2, title="误收的文章")])
    archive.close()
    assert main(["--archive", writer, "upgrade"]) == 0  # 0009 gives the trigger functions the archive's schema
    capsys.readouterr()

    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        assert conn.exec_driver_sql("SHOW search_path").scalar() == '"$user", public'
        conn.exec_driver_sql(f"UPDATE {name}.articles SET title = '更正的标题' WHERE title = '旧标题'")
        conn.exec_driver_sql(f"DELETE FROM {name}.articles WHERE title = '误收的文章'")
    admin.dispose()
    assert main(["--archive", writer, "search", "社工站"]) == 0
    assert "更正的标题" in capsys.readouterr().out
    assert main(["--archive", writer, "sql", "SELECT title FROM articles", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["title", "更正的标题"]

    engine = make_engine(writer)
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0008")
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM pg_proc WHERE proname IN ('article_search_pending_queue', 'article_search_pending_queue_page', "
            "'article_search_pending_queue_issue') AND proconfig IS NOT NULL"
        ).scalar() == 0
    engine.dispose()


def _role_in_a_schema_of_its_own_beside_public_pg_trgm(postgres_url, request) -> tuple[str, str]:
    """(schema, URL) of a role whose search_path is a schema of its own, on a database whose
    public schema holds pg_trgm: the extension there, out of the role's reach by name."""
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION pg_trgm")
    admin.dispose()
    name, writer = postgres_role(
        postgres_url, request, "press",
        "CREATE SCHEMA {role}", "GRANT USAGE, CREATE ON SCHEMA {role} TO {role}",
        f"ALTER ROLE {{role}} IN DATABASE {make_url(postgres_url).database} SET search_path = {{role}}",
    )
    return name, writer


def test_an_archive_in_a_schema_of_its_own_is_made_where_public_holds_pg_trgm_already(postgres_url, request):
    # README's archive in a schema of its own, on a database whose public schema has pg_trgm
    # (a DBA's, another application's, an archive in public): CREATE EXTENSION IF NOT EXISTS
    # found it there, and revision 0002 built its trigram index with an operator class out of
    # the role's search_path: the first crawl stopped on 'operator class "gin_trgm_ops" does
    # not exist' (exit status 2), and no archive could be made in that schema.
    name, writer = _role_in_a_schema_of_its_own_beside_public_pg_trgm(postgres_url, request)
    done = crawl_site(writer, settings={"ARCHIVE_FETCH_PDFS": "False"}).done
    assert done.returncode == 0, done.stderr[-3000:]
    assert sql_rows(postgres_url, f"SELECT count(*) FROM {name}.articles") == [(20,)]
    found = archive_command("search", "社工站", archive=writer)
    assert found.returncode == 0 and "【社工站】" in found.stdout, found.stderr


@pytest.mark.parametrize("reach", ["no-create-extension", "pg_trgm-outside-search_path"])
def test_0003_downgrade_brings_no_trigram_index_back_where_0002_made_none(postgres_url, request, reach, capsys):
    # 0002 goes on without its trigram index where pg_trgm is out of the archive's reach;
    # 0003's downgrade made it all the same: 'permission denied to create extension
    # "pg_trgm"', or 'operator class "gin_trgm_ops" does not exist', and no way back past 0003.
    if reach == "no-create-extension":
        _, writer = postgres_role(postgres_url, request, "archivist", "GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    else:
        _, writer = _role_in_a_schema_of_its_own_beside_public_pg_trgm(postgres_url, request)
    archive = open_archive(writer)
    archive.store_batch([page()], [article(1, title="新档案", body="社工站建设稳步推进")])
    archive.close()
    engine = make_engine(writer)
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0002")
    with engine.connect() as conn:
        trigram_indexes = text("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE :trgm")
        assert conn.execute(trigram_indexes, {"trgm": "%gin_trgm_ops%"}).scalar() == 0
        assert conn.exec_driver_sql("SELECT title FROM article_view").scalars().all() == ["新档案"]
    engine.dispose()
    assert main(["--archive", writer, "upgrade"]) == 0
    capsys.readouterr()
    archive = open_archive(writer)
    assert [h.title for h in search(archive, "社工站")] == ["新档案"]
    archive.close()


def holding(conn, lexeme: str) -> int:
    """How many articles PostgreSQL's search index holds ``lexeme`` for."""
    sql = f"SELECT count(*) FROM {fulltext.SEARCH_TABLE} WHERE terms @@ CAST(:q AS tsquery)"
    return conn.execute(text(sql), {"q": f"'{lexeme}'"}).scalar()


def test_0004_keeps_letter_and_digit_pairs_and_adds_blocks_papers_years_and_its_downgrade_undoes_it(postgres_url):
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0003")
    archive = open_archive(postgres_url, check=False)
    archive.store_batch([page()], [article(1, title="旧的索引", body="社工站，建设稳步推进。")])
    archive.store_batch([page()], [article(2, title="另一篇", body="公益，慈善")])
    archive.close()
    with engine.begin() as conn:  # as 0003's code indexed them
        fulltext.rebuild(conn, compact=False, indexed=fulltext.INDEXED_0003)
    states = {}
    for step in ("0003", "0004", "0003"):
        with engine.begin() as conn:
            if step == "0004":
                command.upgrade(migrate.config(conn), "0004")
            elif states:
                command.downgrade(migrate.config(conn), "0003")
            lexemes = ("社工", "，建", "站，", "推进", "益，", "id0", "pa1", "y2023")
            states.setdefault(step, []).append([holding(conn, b) for b in lexemes])
            states[step][-1].append(conn.execute(text(
                f"SELECT attstorage FROM pg_attribute WHERE attrelid = '{fulltext.SEARCH_TABLE}'::regclass "
                "AND attname = 'terms'"
            )).scalar())
    engine.dispose()
    # From 0004 on: no pair holding punctuation; both articles' block (ids 0-4095), paper and
    # year; uncompressed.
    assert states == {"0003": [[1, 1, 1, 1, 1, 0, 0, 0, "x"]] * 2, "0004": [[1, 0, 0, 1, 0, 2, 2, 2, "e"]]}
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "head")
    archive = open_archive(postgres_url)
    assert [h.title for h in search(archive, "社工站")] == ["旧的索引"]
    assert [h.title for h in search(archive, "公益 慈善")] == ["另一篇"]
    archive.close()


def test_0005_indexes_sections_and_requeues_renamed_pages_and_moved_articles_and_its_downgrade_stops(postgres_url):
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0004")
    archive = open_archive(postgres_url, check=False)
    archive.store_batch([page(7), page(8, section="公益")], [article(1, 7, body="社工站"), article(2, 8, body="社工站")])
    archive.close()
    sections = [fulltext.section_term(name) for name in ("社会工作", "公益", "新版面")]
    with engine.begin() as conn:  # as 0004's code indexed them: no section
        conn.execute(text(f"UPDATE {fulltext.SEARCH_TABLE} SET terms = ts_delete(terms, CAST(:s AS text[]))"), {"s": sections})

    def state(conn):
        return [holding(conn, term) for term in sections] + [conn.execute(text(
            f"SELECT count(*) FROM {fulltext.PENDING_TABLE}")).scalar()]

    def rename_and_move(conn, section):
        conn.execute(text("UPDATE pages SET section = :s WHERE page_number = 7"), {"s": section})
        conn.execute(text("UPDATE articles SET page_id = (SELECT id FROM pages WHERE page_number = 7) "
                          "WHERE url LIKE '%content_2.htm'"))

    states = []
    with engine.begin() as conn:
        states.append(state(conn))
        rename_and_move(conn, "新版面")
        states.append(state(conn))  # nothing queued at 0004
        conn.execute(text("UPDATE articles SET page_id = (SELECT id FROM pages WHERE page_number = 8) "
                          "WHERE url LIKE '%content_2.htm'"))
        conn.execute(text("UPDATE pages SET section = '社会工作' WHERE page_number = 7"))
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0005")
        states.append(state(conn))  # every article indexed with its section
        rename_and_move(conn, "新版面")
        states.append(state(conn))  # both queued: the renamed page's article, the moved one
        fulltext.flush(conn, indexed=fulltext.INDEXED_0003)
        states.append(state(conn))
        index = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_article_search_terms'")).scalar()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0004")
        conn.execute(text("UPDATE pages SET section = '公益' WHERE page_number = 7"))
        conn.execute(text("UPDATE articles SET page_id = (SELECT id FROM pages WHERE page_number = 8) "
                          "WHERE url LIKE '%content_2.htm'"))
        states.append(state(conn))  # nothing queued again
    engine.dispose()
    assert states == [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 2], [0, 0, 2, 0], [0, 0, 2, 0]]
    assert index and "gin (terms)" in index



def test_0006_queues_renumbered_articles_and_redated_issues_and_its_downgrade_stops(archive_url):
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0005")
    archive = open_archive(archive_url, check=False)
    archive.store_batch([page(7)], [article(n, 7, body="社工站", images=[], removals=[]) for n in (1, 2)])
    archive.close()
    postgresql = engine.dialect.name == "postgresql"

    def edit(conn, article_id: int, new_id: int) -> list:
        """Renumber an article and redate the issue: what the triggers queue for them."""
        conn.execute(text(f"DELETE FROM {fulltext.PENDING_TABLE}"))
        conn.execute(text("UPDATE articles SET id = :new WHERE id = :old"), {"new": new_id, "old": article_id})
        conn.execute(text("UPDATE issues SET issue_date = issue_date + 1" if postgresql
                          else "UPDATE issues SET issue_date = date(issue_date, '+1 day')"))
        return conn.execute(text(f"SELECT article_id, indexed FROM {fulltext.PENDING_TABLE} ORDER BY 1")).all()

    queued = []
    with engine.begin() as conn:
        queued.append(edit(conn, 1, 11))
        command.upgrade(migrate.config(conn), "0006")
        queued.append(edit(conn, 2, 12))
        command.downgrade(migrate.config(conn), "0005")
        queued.append(edit(conn, 11, 21))
    engine.dispose()
    # Before, and after the downgrade: nothing (the text is the same), so the new id goes unindexed.
    assert queued[0] == [] and queued[2] == []
    # 0006: the new id too; on PostgreSQL, every article of the redated issue.
    assert queued[1] == ([(2, 1), (11, 1), (12, 0)] if postgresql else [(2, 1), (12, 0)])


def archive_at(url: str, revision: str, *batches: tuple[list, list]):
    """The engine of an archive at ``revision`` holding ``batches`` of (pages, articles)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), revision)
    archive = open_archive(url, check=False)
    for batch in batches:
        archive.store_batch(*batch)
    archive.close()
    return engine


def columns(conn, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def test_0007_adds_the_fetch_time_of_articles_and_its_downgrade_removes_it(archive_url):
    engine = archive_at(archive_url, "0006", ([page()], [article(1, body="社工站")]))
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0007")
        assert "fetched_at" in columns(conn, "articles")
        assert conn.execute(text("SELECT fetched_at FROM articles")).scalar() is None  # until its next write
    archive = open_archive(archive_url, check=False)
    archive.store_batch([], [article(1, body="社工站，更正")])
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT fetched_at FROM articles")).scalar() is not None
    assert [h.article_id for h in search(archive, "更正")] == [1]
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0006")
        assert "fetched_at" not in columns(conn, "articles")
        assert conn.execute(text("SELECT body FROM article_view")).scalar() == "社工站，更正"
    engine.dispose()


def test_0008_versions_keep_pictures_and_sources_pages_their_fetch_time_and_its_downgrade_undoes_it(archive_url):
    # A version as 0007 kept them.
    engine = archive_at(archive_url, "0007", ([page()], [article(1, body="社工站")]), ([], [article(1, body="社工站，更正")]))
    history = "SELECT body, source, images FROM article_history ORDER BY is_current, version_id"
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0008")
        assert {"source", "title_original", "original_script", "images"} <= columns(conn, "article_versions")
        assert "fetched_at" in columns(conn, "pages") and "articles_changed" in columns(conn, "crawl_runs")
        before = conn.execute(text(history)).all()
    # What the earlier version did not record is NULL, not a made-up empty value.
    assert [tuple(row[:2]) for row in before] == [("社工站", None), ("社工站，更正", "")]
    assert before[0].images is None
    archive = open_archive(archive_url, check=False)  # at 0008, whatever revisions follow it
    # A correction of a caption only is a version now.
    archive.store_batch([], [article(1, body="社工站，更正", images=[{"url": "http://x/1.jpg", "caption": "更正的说明"}])])
    archive.close()
    with engine.begin() as conn:
        after = conn.execute(text(history)).all()
        assert len(after) == 3
        command.downgrade(migrate.config(conn), "0007")
        assert "images" not in columns(conn, "article_versions") and "fetched_at" not in columns(conn, "pages")
        assert [r.body for r in conn.execute(text("SELECT body FROM article_history ORDER BY is_current, version_id"))] == [
            "社工站", "社工站，更正", "社工站，更正"]
    engine.dispose()
    images = [json.loads(r.images) if isinstance(r.images, str) else r.images for r in after[1:]]
    assert images == [[{"url": "http://x/1.jpg", "caption": "说明", "caption_original": ""}],
                      [{"url": "http://x/1.jpg", "caption": "更正的说明", "caption_original": ""}]]


def test_a_page_stored_before_0008_without_a_label_counts_as_updated_when_stored_again(archive_url):
    # A page stored before 0008 has no fetch time, as the bare row an article leaves for a page
    # not stored yet has none; a page the site prints no label for (its number from the file's
    # metadata) was taken for such a row, and the first crawl after the upgrade counted it in
    # pages_new, stored again. The bare row of page 8 (its article alone) is still new.
    unlabelled = page(7, page_label="", articles_expected=2)
    engine = archive_at(archive_url, "0007", ([unlabelled], [article(1), article(2, number=8)]))
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "head")
    engine.dispose()
    archive = open_archive(archive_url)
    counts = archive.store_batch([unlabelled, page(8, articles_expected=1)], [])
    archive.close()
    assert (counts["pages_new"], counts["pages_updated"]) == (1, 1)


def test_0010_keeps_each_pages_article_links_from_its_stored_articles_and_its_downgrade_drops_them(archive_url):
    engine = archive_at(archive_url, "0009", ([page(7, articles_expected=2), page(8, articles_expected=1)],
                                              [article(1), article(2), article(3, number=8)]))
    links = "SELECT p.page_number, pa.position, pa.url FROM page_articles pa JOIN pages p ON p.id = pa.page_id ORDER BY 1, 2"
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0010")
        assert [(n, position, url.rsplit("/", 1)[1]) for n, position, url in conn.execute(text(links))] == [
            (7, 0, "content_1.htm"), (7, 1, "content_2.htm"), (8, 0, "content_3.htm")]
    archive = open_archive(archive_url, check=False)  # at 0010, whatever revisions follow it
    assert archive.issue_states("gongyishibao", DAY, DAY)[DAY].complete_pages == {page(7)["url"], page(8)["url"]}
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0009")
        assert not inspect(conn).has_table("page_articles")
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 3
    engine.dispose()


def test_0011_counts_dead_links_and_gone_runs_and_its_downgrade_drops_them(archive_url):
    # Page 7 links two articles; the site answers 404 for the second.
    dead_url = article(2)["url"]
    engine = archive_at(archive_url, "0010", ([page(7, articles_expected=2, article_urls=[article(1)["url"], dead_url])],
                                              [article(1)]))
    archive = open_archive(archive_url, check=False)
    assert archive.issue_states("gongyishibao", DAY, DAY)[DAY].complete_pages == set()
    archive.close()
    runs = "SELECT id, status, articles_new, articles_failed, message FROM crawl_runs"
    with engine.begin() as conn:
        insert_crawl_run(conn, pages_new=1, articles_new=1, articles_changed=0, articles_failed=1, status="failed",
                         message="not fetched: …")
        before = conn.execute(text(runs)).all()
        command.upgrade(migrate.config(conn), "0011")
        assert conn.execute(text(runs)).all() == before  # SQLite's batch mode copied the table whole
        assert conn.execute(text("SELECT links_gone FROM crawl_runs")).scalar() is None  # a run before 0011
        assert conn.execute(text("SELECT count(*) FROM dead_links")).scalar() == 0
    archive = open_archive(archive_url, check=False)  # at 0011, whatever revisions follow it
    dead = {k: article(2)[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "url")} | {"kind": "article", "status": 404}
    archive.store_batch(dead=[dead])
    archive.store_batch(dead=[dead | {"status": 410, "gone": True}])
    archive.store_batch(dead=[dead])  # gone stays gone
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT kind, status, runs, gone_since IS NOT NULL, first_seen < last_seen FROM dead_links")).all() == [
            ("article", 404, 3, True, True)]
    state = archive.issue_states("gongyishibao", DAY, DAY)[DAY]
    assert (state.complete_pages, state.gone) == ({page(7)["url"]}, {dead_url})
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0010")
        assert not inspect(conn).has_table("dead_links")
        assert "links_gone" not in columns(conn, "crawl_runs")
        assert conn.execute(text(runs)).all() == before
    archive = open_archive(archive_url, check=False)  # at 0010 again: the article is missing
    assert archive.issue_states("gongyishibao", DAY, DAY)[DAY].complete_pages == set()
    archive.close()
    engine.dispose()


def _page_pdf(number: int, text: str, **fields) -> dict:
    base = page(number)
    return {k: base[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "page_number")} | {
        "page_url": base["url"], "url": f"http://x/{number}.pdf", "text": text} | fields


def test_0012_says_what_each_page_pdf_text_is_and_its_downgrade_drops_it(archive_url):
    # Page 7's PDF gave text, page 8's none (a scan), page 9's the site does not have (404).
    engine = archive_at(archive_url, "0011", ([page(7), page(8), page(9)], [],
                                              [_page_pdf(7, "第一段"), _page_pdf(8, ""), _page_pdf(9, "", gone=True)]))
    pdfs = "SELECT page_number, pdf_text, pdf_text_original, pdf_text_status FROM pages ORDER BY 1"
    runs = "SELECT id, status, links_gone, message FROM crawl_runs"
    with engine.begin() as conn:
        insert_crawl_run(conn, pages_new=3, articles_changed=0, links_gone=0)
        before = conn.execute(text(runs)).all()
        command.upgrade(migrate.config(conn), "0012")
        # A text read is "text"; why an empty one is empty is not known until its PDF is read again.
        assert conn.execute(text(pdfs)).all() == [(7, "第一段", None, "text"), (8, "", None, None), (9, "", None, None)]
        assert conn.execute(text(runs)).all() == before  # SQLite's batch mode copied the table whole
        assert conn.execute(text("SELECT pdfs_without_text FROM crawl_runs")).scalar() is None  # a run before 0012
    archive = open_archive(archive_url, check=False)  # at 0012, whatever revisions follow it
    archive.store_batch(pdfs=[_page_pdf(8, "", text_original="", text_status="no_text"),
                              _page_pdf(9, "", gone=True), _page_pdf(7, "", text_status="unreadable")])
    run = archive.start_run("gongyishibao", "2023-01-31")
    archive.finish_run(run, "finished", {"pdfs_without_text": 1})
    with archive.engine.connect() as conn:
        assert conn.execute(text(pdfs)).all() == [(7, "第一段", None, "text"), (8, "", "", "no_text"), (9, "", None, None)]
        assert conn.execute(text("SELECT pdfs_without_text FROM crawl_runs WHERE id = :id"), {"id": run}).scalar() == 1
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0011")
        assert not {"pdf_text_status", "pdf_text_original"} & columns(conn, "pages")
        assert "pdfs_without_text" not in columns(conn, "crawl_runs")
        assert conn.execute(text("SELECT page_number, pdf_text FROM pages ORDER BY 1")).all() == [(7, "第一段"), (8, ""), (9, "")]
        assert conn.execute(text(runs)).all()[0] == before[0]
    archive = open_archive(archive_url, check=False)  # at 0011 again: writes as 0011 did
    archive.store_batch(pdfs=[_page_pdf(8, "第三段", text_status="text")])
    archive.finish_run(run, "finished", {"pdfs_without_text": 1, "links_gone": 2})
    archive.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pdf_text FROM pages WHERE page_number = 8")).scalar() == "第三段"
        assert conn.execute(text("SELECT links_gone FROM crawl_runs WHERE id = :id"), {"id": run}).scalar() == 2
    engine.dispose()


def test_0013_counts_dates_without_an_issue_and_its_downgrade_drops_them(archive_url):
    from datetime import datetime, timedelta, timezone

    # Two issues archived, and a run of the range between them that found no issue on 2023-02-07.
    later = {"issue_date": "2023-02-14", "issue_url": "http://x/2023-02/14/node_1.htm"}
    engine = archive_at(archive_url, "0012", ([page(7), page(7) | later | {"url": "http://x/2023-02/14/node_7.htm"}],
                                              [article(1)]))
    runs = "SELECT id, status, links_gone, pdfs_without_text, message FROM crawl_runs"
    with engine.begin() as conn:
        insert_crawl_run(conn, pages_new=2, articles_changed=0, links_gone=0, pdfs_without_text=0)
        before = conn.execute(text(runs)).all(), conn.execute(text("SELECT count(*) FROM articles")).scalar()
        command.upgrade(migrate.config(conn), "0013")
        assert (conn.execute(text(runs)).all(), conn.execute(text("SELECT count(*) FROM articles")).scalar()) == before
        assert conn.execute(text("SELECT count(*) FROM absent_issues")).scalar() == 0  # no date recorded before 0013
    archive = open_archive(archive_url, check=False)  # at 0013, whatever revisions follow it
    first = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    none = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-02-07",
            "url": "http://x/2023-02/07/node_1.htm", "status": 404, "reason": "not_found"}
    archive.store_batch(absent=[none | {"fetched_at": first}])
    archive.store_batch(absent=[none | {"status": 200, "reason": "error_page", "confirmed": True, "fetched_at": first + timedelta(days=7)}])
    archive.store_batch(absent=[none | {"fetched_at": first + timedelta(days=8)}])  # confirmed stays confirmed
    day = date(2023, 2, 7)
    assert archive.absent_issues("gongyishibao", DAY, date(2023, 2, 14)) == {day: Unserved(3, first, True, none["url"], first + timedelta(days=8))}
    assert sorted(archive.issue_states("gongyishibao", DAY, date(2023, 2, 14))) == [DAY, date(2023, 2, 14)]  # no issue made
    # `archive reprocess` of a page fetched before the last 404 leaves the record; a later fetch ends it.
    dated = {"issue_date": "2023-02-07", "issue_url": none["url"], "url": "http://x/2023-02/07/node_7.htm"}
    archive.store_batch([page(7) | dated | {"fetched_at": first + timedelta(days=7)}])
    assert archive.absent_issues("gongyishibao", day, day)[day].runs == 3
    archive.store_batch([page(7) | dated | {"fetched_at": first + timedelta(days=9)}])
    assert archive.absent_issues("gongyishibao", day, day) == {}
    archive.store_batch(absent=[none | {"issue_date": "2023-02-21", "fetched_at": first}])
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0012")
        assert not inspect(conn).has_table("absent_issues")
        assert conn.execute(text(runs)).all() == before[0]
    archive = open_archive(archive_url, check=False)  # at 0012 again: dates without an issue go unrecorded
    archive.store_batch(absent=[none])
    assert archive.absent_issues("gongyishibao", day, day) == {}
    archive.close()
    engine.dispose()


def test_0014_says_why_a_dead_link_was_not_served_and_its_downgrade_drops_it(archive_url):
    # At 0013: the site answered 404 for article 2 and its error page for article 3.
    dead = [{k: article(n)[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url", "url")}
            | {"kind": "article", "status": status} for n, status in ((2, 404), (3, 200))]
    engine = archive_at(archive_url, "0013", ([page(7, articles_expected=3)], [article(1)]))
    archive = open_archive(archive_url, check=False)
    archive.store_batch(dead=dead)
    archive.close()
    links = "SELECT url, status, runs, reason FROM dead_links ORDER BY url"
    with engine.begin() as conn:
        before = conn.execute(text("SELECT url, status, runs FROM dead_links ORDER BY url")).all()
        command.upgrade(migrate.config(conn), "0014")
        # Why a link written before 0014 was not served is not known until its next answer.
        assert conn.execute(text(links)).all() == [(*row, None) for row in before]
    archive = open_archive(archive_url, check=False)  # at 0014, whatever revisions follow it
    archive.store_batch(dead=[dead[1] | {"reason": "error_page"}])
    with archive.engine.connect() as conn:
        assert [(row.runs, row.reason) for row in conn.execute(text(links))] == [(1, None), (2, "error_page")]
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0013")
        assert "reason" not in columns(conn, "dead_links")
        assert conn.execute(text("SELECT url, status, runs FROM dead_links ORDER BY url")).all() == [before[0], (*before[1][:2], 2)]
    archive = open_archive(archive_url, check=False)  # at 0013 again: writes as 0013 did
    archive.store_batch(dead=[dead[0] | {"reason": "not_found"}])
    archive.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT runs FROM dead_links ORDER BY url")).scalars().all() == [2, 2]
    engine.dispose()


def test_0015_sees_runs_alive_and_counts_their_dates_without_an_issue_and_its_downgrade_drops_them(archive_url):
    # At 0014: an archived issue, a run that ended and one killed (never ended).
    engine = archive_at(archive_url, "0014", ([page(7)], [article(1)]))
    runs = ("SELECT id, paper_code, dates_asked, started_at, finished_at, pages_new, articles_new, articles_failed, links_gone, "
            "pdfs_without_text, status, message FROM crawl_runs ORDER BY id")
    with engine.begin() as conn:
        insert_crawl_run(conn, finished_at="2023-02-01 08:05:00+00:00", pages_new=1, articles_new=1, articles_changed=0,
                         links_gone=0, pdfs_without_text=0)
        insert_crawl_run(conn, started_at="2023-02-08 08:00:00+00:00", articles_changed=0, links_gone=0, pdfs_without_text=0,
                         status="running")
        before = conn.execute(text(runs)).all()
        command.upgrade(migrate.config(conn), "0015")
        assert conn.execute(text(runs)).all() == before  # SQLite's batch mode copied the table whole
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 1
        # Last seen: when each ended, or, never ended, started; its dates without an issue were not counted.
        seen = conn.execute(text("SELECT seen_at, dates_without_issue FROM crawl_runs ORDER BY id")).all()
    assert [(as_utc(at).isoformat(), n) for at, n in seen] == [("2023-02-01T08:05:00+00:00", None),
                                                               ("2023-02-08T08:00:00+00:00", None)]
    archive = open_archive(archive_url, check=False)  # at 0015, whatever revisions follow it
    run = archive.start_run("gongyishibao", "2023-01-31..2023-02-07")
    none = {"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-02-07",
            "url": "http://x/2023-02/07/node_1.htm", "status": 404, "reason": "not_found"}
    archive.store_batch([page(8)], [article(2, number=8)], absent=[none], run=run)
    archive.heartbeat(run, {"articles_failed": 2, "articles_new": 99})  # a batch's count is the batch's to write
    row = "SELECT pages_new, articles_new, articles_failed, dates_without_issue, status FROM crawl_runs WHERE id = :id"
    with archive.engine.connect() as conn:
        assert conn.execute(text(row), {"id": run}).one() == (1, 1, 2, 1, "running")
    archive.finish_run(run, "finished", {"pages_new": 1, "articles_new": 1, "dates_without_issue": 1})
    archive.heartbeat(run, {"articles_failed": 5})  # too late: the run ended
    with archive.engine.connect() as conn:
        assert conn.execute(text(row), {"id": run}).one() == (1, 1, 0, 1, "finished")
        ended = conn.execute(text("SELECT finished_at, seen_at FROM crawl_runs WHERE id = :id"), {"id": run}).one()
    assert ended[0] == ended[1]
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0014")
        assert not {"seen_at", "dates_without_issue"} & columns(conn, "crawl_runs")
        assert conn.execute(text(runs)).all()[:2] == before
    archive = open_archive(archive_url, check=False)  # at 0014 again: writes as 0014 did
    run = archive.start_run("gongyishibao", "2023-02-14")
    archive.store_batch([page(9)], [], absent=[none], run=run)
    archive.heartbeat(run, {"articles_failed": 1})
    archive.finish_run(run, "finished", {"pages_new": 1, "dates_without_issue": 1})
    archive.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pages_new, articles_failed, status FROM crawl_runs WHERE id = :id"), {"id": run}).one() == (
            1, 0, "finished")
    engine.dispose()


def _stats_states(url: str) -> dict[str, str]:
    """The status `archive stats` shows for each run, by the dates it asked."""
    done = archive_command("stats", archive=url)
    assert done.returncode == 0, done.stderr
    rows = [[cell.strip() for cell in row.split(" | ")] for row in done.stdout.split("Recent crawl runs\n")[1].splitlines()]
    header = rows[0]
    return {row[header.index("dates")]: row[header.index("status")] for row in rows[2:-1]}


def test_0016_keeps_each_run_s_heartbeat_interval_for_the_killed_rule_and_its_downgrade_drops_it(archive_url):
    # At 0015: a run killed ten minutes ago (never ended) and one that ended.
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from storage.models import CrawlRun

    engine = archive_at(archive_url, "0015", ([page(7)], [article(1)]))
    ten_minutes_ago = datetime.now(timezone.utc) - timedelta(minutes=10)
    runs = "SELECT id, dates_asked, started_at, finished_at, seen_at, status FROM crawl_runs ORDER BY id"
    with engine.begin() as conn:
        insert_crawl_run(conn, dates_asked="2023-01-31", started_at=ten_minutes_ago, seen_at=ten_minutes_ago,
                         status="running", articles_changed=0, links_gone=0, pdfs_without_text=0, dates_without_issue=0)
        insert_crawl_run(conn, dates_asked="2023-01-24", finished_at="2023-02-01 08:05:00+00:00",
                         seen_at="2023-02-01 08:05:00+00:00", articles_changed=0, links_gone=0, pdfs_without_text=0,
                         dates_without_issue=0)
        before = conn.execute(text(runs)).all()
        command.upgrade(migrate.config(conn), "0016")
        assert conn.execute(text(runs)).all() == before  # SQLite's batch mode copied the table whole
        # Their heartbeat is not known: read as the default, 60 s.
        assert conn.execute(text("SELECT heartbeat_seconds FROM crawl_runs")).scalars().all() == [None, None]
    archive = open_archive(archive_url, check=False)  # at 0016, whatever revisions follow it
    # A run crawling with a ten-minute heartbeat, last seen ten minutes ago: alive (its next beat
    # is due); the rule at the default heartbeat took it for killed.
    slow = archive.start_run("gongyishibao", "2023-02-07", heartbeat_seconds=600)
    with archive.engine.begin() as conn:
        conn.execute(update(CrawlRun).where(CrawlRun.id == slow).values(seen_at=ten_minutes_ago))
        assert conn.execute(text("SELECT heartbeat_seconds FROM crawl_runs WHERE id = :id"), {"id": slow}).scalar() == 600
    archive.close()
    seen = str(as_utc(ten_minutes_ago).replace(tzinfo=None))[:16]
    assert _stats_states(archive_url) == {"2023-02-07": "running", "2023-01-31": f"killed (last seen {seen})",
                                          "2023-01-24": "finished"}
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0015")
        assert "heartbeat_seconds" not in columns(conn, "crawl_runs")
        assert conn.execute(text(runs)).all()[:2] == before
    # At 0015 again: every run at the default heartbeat, and a run starts as 0015's did.
    assert _stats_states(archive_url)["2023-02-07"] == f"killed (last seen {seen})"
    archive = open_archive(archive_url, check=False)
    run = archive.start_run("gongyishibao", "2023-02-14", heartbeat_seconds=600)
    archive.finish_run(run, "finished", {})
    archive.close()
    engine.dispose()


def _stats_runs(url: str) -> list[tuple[str, str, str, str]]:
    """The runs `archive stats` lists, newest first: (paper, kind, dates, status)."""
    done = archive_command("stats", archive=url)
    assert done.returncode == 0, done.stderr
    rows = [[cell.strip() for cell in row.split(" | ")] for row in done.stdout.split("Recent crawl runs\n")[1].splitlines()]
    header = rows[0]
    return [tuple(row[header.index(name)] for name in ("paper", "kind", "dates", "status")) for row in rows[2:-1]]


def test_0017_says_each_run_s_kind_where_reprocess_rows_began_their_dates_with_it_and_its_downgrade_puts_it_back(archive_url):
    # At 0016, `archive reprocess` told its rows apart by the word 'reprocess' at the start of
    # dates_asked (the crawls alone were `dates_asked NOT LIKE 'reprocess%'`): a crawl of a day,
    # one of the latest issue, and three reprocess rows as that code wrote them.
    engine = archive_at(archive_url, "0016", ([page(7)], [article(1)]))
    at_0016 = {"articles_changed": 0, "links_gone": 0, "pdfs_without_text": 0, "dates_without_issue": 0}
    asked = [("gongyishibao", "2023-01-31"), ("gongyishibao", "latest"), ("*", "reprocess"),
             ("*", "reprocess 2023-01-20.. section=公益資訊"), ("gongyishibao", "reprocess ..2023-01-31")]
    runs = "SELECT id, paper_code, started_at, finished_at, pages_new, articles_updated, status, seen_at FROM crawl_runs ORDER BY id"
    with engine.begin() as conn:
        for n, (paper, dates) in enumerate(asked):
            insert_crawl_run(conn, paper_code=paper, dates_asked=dates, started_at=f"2023-02-0{n + 1} 08:00:00+00:00",
                             articles_updated=n, **at_0016)
        before = conn.execute(text(runs)).all()
    listed = [("gongyishibao", "reprocess", "..2023-01-31", "finished"), ("*", "reprocess", "2023-01-20.. section=公益資訊", "finished"),
              ("*", "reprocess", "", "finished"), ("gongyishibao", "crawl", "latest", "finished"),
              ("gongyishibao", "crawl", "2023-01-31", "finished")]
    # Read at 0016 as it is read upgraded.
    assert _stats_runs(archive_url) == listed
    # Written to at 0016: refused in one line, until `archive upgrade`.
    refused = archive_command("reprocess", archive=archive_url)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.endswith(f"has schema 0016, older than this code's ({migrate.head()}): run `archive upgrade` first\n")
    assert refused.stderr.count("\n") == 1, refused.stderr
    upgraded = archive_command("upgrade", archive=archive_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"0016 -> {migrate.head()}" in upgraded.stdout
    kinds = "SELECT kind, dates_asked FROM crawl_runs ORDER BY id"
    with engine.connect() as conn:
        assert conn.execute(text(runs)).all() == before  # SQLite's batch mode copied the table whole
        assert conn.execute(text(kinds)).all() == [("crawl", "2023-01-31"), ("crawl", "latest"), ("reprocess", ""),
                                                   ("reprocess", "2023-01-20.. section=公益資訊"), ("reprocess", "..2023-01-31")]
    assert _stats_runs(archive_url) == listed
    # A reprocess writes its kind and its filters alone; a crawl's row, even a plain INSERT, is a crawl.
    done = archive_command("reprocess", "--since", "2023-01-31", archive=archive_url)
    assert done.returncode == 0, done.stderr
    with engine.begin() as conn:
        insert_crawl_run(conn, dates_asked="2023-02-07", started_at="2023-02-08 08:00:00+00:00", **at_0016)
        assert conn.execute(text(kinds)).all()[5:] == [("reprocess", "2023-01-31.."), ("crawl", "2023-02-07")]
    archive = open_archive(archive_url)
    assert [run.dates_asked for run in archive.crawl_runs(kind="reprocess")] == [
        "2023-01-31..", "..2023-01-31", "2023-01-20.. section=公益資訊", ""]
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0016")
        assert "kind" not in columns(conn, "crawl_runs")
        assert conn.execute(text(runs)).all()[:5] == before
        # The word back where 0016's code reads it.
        assert conn.execute(text("SELECT dates_asked FROM crawl_runs ORDER BY id")).scalars().all() == [
            *(dates for _, dates in asked), "reprocess 2023-01-31..", "2023-02-07"]
    assert _stats_runs(archive_url)[2:] == listed
    # At 0016 again (tests of upgrades write to it): a reprocess's row as 0016's code wrote it.
    archive = open_archive(archive_url, check=False)
    run = archive.start_run("*", "", kind="reprocess")
    archive.finish_run(run, "finished", {})
    archive.close()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT dates_asked FROM crawl_runs WHERE id = :id"), {"id": run}).scalar() == "reprocess"
        command.upgrade(migrate.config(conn), "0017")
        assert conn.execute(text(kinds)).all()[5:] == [("reprocess", "2023-01-31.."), ("crawl", "2023-02-07"), ("reprocess", "")]
    engine.dispose()


def test_0018_keeps_the_headings_and_byline_as_published_filled_by_reprocess_and_its_downgrade_drops_them(archive_url):
    # The sample issue (Traditional pages) as an archive at 0017 holds it: crawled, then taken
    # back to 0017, which had no column for the published 引题, 副题 and byline.
    done = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})[0]
    assert done.returncode == 0, done.stderr[-3000:]
    originals = "SELECT url, pretitle_original, subtitle_original, byline_original, source_original FROM articles ORDER BY url"
    published = sql_rows(archive_url, originals)
    assert {"本報記者 皮磊", "年內實現社會工作服務站(點)全覆蓋", "據廣東省民政廳"} <= {text for row in published for text in row[1:]}
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0017")
        assert not set(fulltext.ORIGINALS) & (columns(conn, "articles") | columns(conn, "article_versions"))
        assert conn.execute(text("SELECT count(*) FROM article_view")).scalar() == len(published)
    # An export of the archive not upgraded yet (by a role that may not) has the columns 0017 had.
    exported = archive_command("export", "--format", "csv", archive=archive_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[0].endswith(",body_original,original_script")
    upgraded = archive_command("upgrade", archive=archive_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"0017 -> {migrate.head()}" in upgraded.stdout
    # Empty until the raw pages are read again, as the upgrade says.
    assert "no 引题, 副题, byline or source as published (pretitle_original, subtitle_original, byline_original, " \
           "source_original) until `archive reprocess` reads them again" in upgraded.stdout
    assert {row[1:] for row in sql_rows(archive_url, originals)} == {("", "", "", "")}
    reprocessed = archive_command("reprocess", archive=archive_url)
    assert reprocessed.returncode == 0, reprocessed.stderr
    assert sql_rows(archive_url, originals) == published
    # Filling in what was not recorded is no change of what the articles showed.
    assert sql_rows(archive_url, "SELECT count(*) FROM article_versions") == [(0,)]
    assert "0 articles changed" in reprocessed.stderr, reprocessed.stderr
    shown = ("SELECT a.url, v.pretitle_original, v.subtitle_original, v.byline_original, v.source_original FROM {} v"
             " JOIN articles a ON a.id = v.article_id ORDER BY a.url")
    assert sql_rows(archive_url, shown.format("article_view")) == published
    assert sql_rows(archive_url, shown.format("article_history")) == published
    # The page's section as published (kept since revision 0001) is in the view from 0018 on.
    assert ("社會工作",) in sql_rows(archive_url, "SELECT DISTINCT section_original FROM article_view")
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0017")
        assert not set(fulltext.ORIGINALS) & (columns(conn, "articles") | columns(conn, "article_versions"))
        assert conn.execute(text("SELECT count(*) FROM article_history")).scalar() == len(published)
        assert not {"title_original", "section_original"} & columns(conn, "article_view")
        command.upgrade(migrate.config(conn), "head")
    engine.dispose()
    assert differences(archive_url) == []


def test_0018_keeps_what_a_reader_role_was_granted_on_the_views(postgres_url, request):
    # Views made again lose the privileges granted on them: a role that reads the archive
    # through article_view would be refused it after the upgrade.
    engine = archive_at(postgres_url, "0017", ([page()], [article(1)]))
    engine.dispose()
    role, reader = postgres_role(postgres_url, request, "reader", "GRANT USAGE ON SCHEMA public TO {role}",
                                 "GRANT SELECT ON article_view, article_history TO {role}")
    upgraded = archive_command("upgrade", archive=postgres_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert sql_rows(reader, "SELECT title, byline_original FROM article_view") == [("标题1", "")]
    assert sql_rows(reader, "SELECT count(*), count(byline_original) FROM article_history") == [(1, 1)]


def indexed_with(conn, bigram: str) -> int:
    """How many articles the search index holds ``bigram`` for, on either database."""
    if conn.dialect.name == "postgresql":
        return holding(conn, bigram)
    sql = f"SELECT count(*) FROM {fulltext.SEARCH_TABLE} WHERE {fulltext.SEARCH_TABLE} MATCH :q"
    return conn.execute(text(sql), {"q": f'"{bigram}"'}).scalar()


def test_0019_indexes_the_bigrams_across_a_space_between_chinese_characters_and_its_downgrade_takes_them_out(archive_url):
    # A title the paper printed with a space (五社联动 暖心), searched for as copied from a page
    # that sets none: an archive at 0018 holds no bigram across the space (动暖), and missed it.
    engine = archive_at(archive_url, "0018", ([page()], [article(1, title="五社联动 暖心行动", body="社工站建设")]))
    with engine.begin() as conn:  # as 0018's code indexed it
        fulltext.rebuild(conn, gaps=fulltext.GAPS_0003, indexed=fulltext.INDEXED_0003)
        assert indexed_with(conn, "动暖") == 0
    archive = open_archive(archive_url, check=False)
    assert search(archive, "五社联动暖心") == []
    archive.close()
    upgraded = archive_command("upgrade", archive=archive_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"archive schema: 0018 -> {migrate.head()}" in upgraded.stdout
    archive = open_archive(archive_url)
    assert [(h.title, h.snippet) for h in search(archive, "五社联动暖心")] == [("五社联动 暖心行动", "【五社联动 暖心】行动")]
    assert [h.title for h in search(archive, "社工站")] == ["五社联动 暖心行动"]
    # The article rewritten: SQLite takes it out of the index by the bigrams the code computes,
    # which are the ones the upgrade indexed it with.
    archive.store_batch([page()], [article(1, title="乡村振兴", body="教育扶贫")])
    assert search(archive, "五社联动暖心") == [] and search(archive, "社工站") == []
    archive.close()
    with engine.connect() as conn:
        assert indexed_with(conn, "动暖") == indexed_with(conn, "社工") == 0
    downgraded_without_the_bigram_across_a_gap(engine, archive_url, "0018", "UPDATE articles SET title = '五社联动 暖心行动'",
                                               across="动暖", beside="联动")


def downgraded_without_the_bigram_across_a_gap(engine, url: str, revision: str, rewrite: str, across: str, beside: str) -> None:
    """The article written again with plain SQL (``rewrite``) is indexed with the bigram
    ``across`` a gap between two Han characters; downgraded to ``revision``, the index is as
    that revision's code makes it, and takes articles out by: without it (``beside`` is no
    gap's); upgraded again, with it."""
    with engine.begin() as conn:
        conn.execute(text(rewrite))
        fulltext.flush(conn)
        assert indexed_with(conn, across) == 1
        command.downgrade(migrate.config(conn), revision)
        assert indexed_with(conn, across) == 0 and indexed_with(conn, beside) == 1
        command.upgrade(migrate.config(conn), "head")
        assert indexed_with(conn, across) == 1
    engine.dispose()
    assert differences(url) == []


def upgraded_to_find(url: str, revision: str, rebuild: str, *words: str) -> None:
    """``words`` find nothing in the archive at ``revision``; `archive upgrade` upgrades it,
    showing the progress of the migration that indexes every article again (``rebuild``: its
    revision and what it indexes)."""
    archive = open_archive(url, check=False)
    assert [search(archive, word) for word in words] == [[] for _ in words]
    archive.close()
    upgraded = archive_command("upgrade", archive=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"archive schema: {revision} -> {migrate.head()}" in upgraded.stdout
    assert f"revision {rebuild}: articles indexed for search 1/1" in upgraded.stderr


def found_anew(url: str, rewritten: dict, old: str, new: str) -> None:
    """The article stored again, ``rewritten``: found by the word ``new``, no longer by ``old``
    (SQLite takes the article out of the index by the texts the queue kept)."""
    archive = open_archive(url)
    archive.store_batch([page()], [rewritten])
    assert search(archive, old) == [] and [h.title for h in search(archive, new)] == [rewritten["title"]]
    archive.close()


QUEUED = f"SELECT count(*) FROM {fulltext.PENDING_TABLE}"


def queued_and_indexed(conn, sql: str) -> None:
    """``sql``, plain SQL changing the one article's searched texts: the triggers queue it, and
    a flush indexes it again."""
    conn.execute(text(sql))
    assert conn.execute(text(QUEUED)).scalar() == 1
    fulltext.flush(conn)


def test_0021_indexes_the_pretitle_and_byline_and_its_downgrade_takes_them_out(archive_url):
    # A word printed only in the 引题 (赣鄱), a reporter's name only in the byline: an archive
    # at 0020 indexed neither, and found nothing.
    written = article(1, title="乡村振兴", pretitle="赣鄱大地", byline="本报记者 王小明", body="社工站建设")
    engine = archive_at(archive_url, "0020", ([page()], [written]))
    upgraded_to_find(archive_url, "0020", "0021 (the 引题 and byline)", "赣鄱", "王小明")
    archive = open_archive(archive_url)
    assert [h.title for h in search(archive, "赣鄱")] == [h.title for h in search(archive, "王小明")] == ["乡村振兴"]
    archive.close()
    found_anew(archive_url, written | {"byline": "本报记者 李四"}, "王小明", "李四")  # another reporter
    with engine.begin() as conn:
        queued_and_indexed(conn, "UPDATE articles SET pretitle = '井冈山下'")
        assert indexed_with(conn, "井冈") == indexed_with(conn, "李四") == 1 and indexed_with(conn, "赣鄱") == 0
        # Downgraded, the index and its queue are as 0020's code makes and reads them.
        command.downgrade(migrate.config(conn), "0020")
        assert indexed_with(conn, "井冈") == indexed_with(conn, "李四") == 0 and indexed_with(conn, "社工") == 1
        assert not {"pretitle", "byline"} & columns(conn, fulltext.PENDING_TABLE)
        conn.execute(text("UPDATE articles SET byline = '本报记者 王五'"))
        assert conn.execute(text(QUEUED)).scalar() == 0
        command.upgrade(migrate.config(conn), "head")
        assert indexed_with(conn, "王五") == indexed_with(conn, "井冈") == 1
    engine.dispose()
    assert differences(archive_url) == []


def test_0022_indexes_the_bigrams_across_a_line_break_between_chinese_characters_and_its_downgrade_takes_them_out(archive_url):
    # A paragraph the paper broke mid-phrase with <br> (促进慈善⏎事业发展): an archive at 0021
    # holds no bigram across the break (善事), and a search for the phrase found nothing.
    written = article(1, title="慈善法实施", body="促进慈善\n事业发展。\n社工站建设")
    engine = archive_at(archive_url, "0021", ([page()], [written]))
    with engine.connect() as conn:  # as 0021's code indexed it
        assert indexed_with(conn, "善事") == 0 and indexed_with(conn, "慈善") == 1
    upgraded_to_find(archive_url, "0021", "0022 (bigrams across a line break)", "慈善事业发展")
    found = archive_command("search", "促进慈善事业", archive=archive_url)
    assert found.returncode == 0 and found.stderr == "", found.stderr
    assert found.stdout.splitlines()[1] == "    【促进慈善 事业】发展。 社工站建设"
    archive = open_archive(archive_url)
    # After 。 the break stays one: 展社 is no bigram of it.
    assert search(archive, "发展社工站") == [] and [h.title for h in search(archive, "社工站")] == ["慈善法实施"]
    # The article rewritten: SQLite takes it out of the index by the bigrams the code computes,
    # which are the ones the upgrade indexed it with.
    archive.store_batch([page()], [written | {"body": "乡村振兴"}])
    assert search(archive, "慈善事业") == [] and search(archive, "社工站") == []
    archive.close()
    with engine.connect() as conn:
        assert indexed_with(conn, "善事") == indexed_with(conn, "社工") == 0
    downgraded_without_the_bigram_across_a_gap(engine, archive_url, "0021", "UPDATE articles SET body = '促进慈善\n事业发展'",
                                               across="善事", beside="慈善")


def test_0023_indexes_the_picture_captions_and_its_downgrade_takes_them_out(archive_url):
    # A picture story: the place shown named only in a caption (乌鲁木齐): an archive at 0022
    # indexed no caption, and found nothing.
    pictured = [{"url": "http://x/1.jpg", "caption": "图为乌鲁木齐市一处社工站"}, {"url": "http://x/2.jpg", "caption": ""}]
    written = article(1, title="图片新闻", body="社工站建设", images=pictured)
    engine = archive_at(archive_url, "0022", ([page()], [written]))
    upgraded_to_find(archive_url, "0022", "0023 (picture captions)", "乌鲁木齐")
    archive = open_archive(archive_url)
    assert [(h.title, h.snippet) for h in search(archive, "乌鲁木齐")] == [("图片新闻", "图为【乌鲁木齐】市一处社工站")]
    archive.close()
    # Another caption, as a re-crawl stores it (the pictures replaced).
    found_anew(archive_url, written | {"images": [{"url": "http://x/1.jpg", "caption": "图为克拉玛依市一处社工站"}]},
               "乌鲁木齐", "克拉玛依")
    with engine.begin() as conn:
        queued_and_indexed(conn, "UPDATE images SET caption = '喀什古城' WHERE caption <> ''")
        assert indexed_with(conn, "喀什") == 1 and indexed_with(conn, "克拉") == 0
        conn.execute(text("INSERT INTO images (article_id, position, url, caption, caption_original) "
                          "SELECT id, 5, 'http://x/3.jpg', '吐鲁番葡萄沟', '' FROM articles"))
        queued_and_indexed(conn, "DELETE FROM images WHERE caption = '喀什古城'")
        assert indexed_with(conn, "吐鲁") == indexed_with(conn, "社工") == 1 and indexed_with(conn, "喀什") == 0
        # Downgraded, the index and its queue are as 0022's code makes and reads them.
        command.downgrade(migrate.config(conn), "0022")
        assert indexed_with(conn, "吐鲁") == 0 and indexed_with(conn, "社工") == 1
        assert "captions" not in columns(conn, fulltext.PENDING_TABLE)
        conn.execute(text("UPDATE images SET caption = '天山天池'"))
        assert conn.execute(text(QUEUED)).scalar() == 0
        command.upgrade(migrate.config(conn), "head")
        assert indexed_with(conn, "天山") == 1 and indexed_with(conn, "吐鲁") == 0
        # An article deleted takes its pictures with it, and its captions out of the index.
        conn.execute(text("DELETE FROM articles"))
        fulltext.flush(conn)
        assert indexed_with(conn, "天山") == indexed_with(conn, "社工") == 0
    engine.dispose()
    assert differences(archive_url) == []


def test_upgrade_names_the_migration_of_each_search_index_rebuild_it_shows(archive_url):
    # From 0018, four migrations index every article again: each showed its progress as
    # "articles indexed for search 1/1", and nothing told the user which rebuild was which.
    archive_at(archive_url, "0018", ([page()], [article(1, title="新档案", body="社工站建设")])).dispose()
    upgraded = archive_command("upgrade", archive=archive_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert [line for line in upgraded.stderr.splitlines() if line.endswith(" 1/1")] == [
        "revision 0019 (bigrams across a space): articles indexed for search 1/1",
        "revision 0021 (the 引题 and byline): articles indexed for search 1/1",
        "revision 0022 (bigrams across a line break): articles indexed for search 1/1",
        "revision 0023 (picture captions): articles indexed for search 1/1",
    ]


def test_0020_keeps_a_page_the_site_no_longer_lists_apart_and_its_downgrade_drops_the_mark(archive_url):
    # Pages 1 to 3 stored; then the issue's entry page lists pages 1 and 2 only.
    listed = [page(1, articles_expected=0, article_urls=[]), page(2, articles_expected=0, article_urls=[])]
    engine = archive_at(archive_url, "0019", ([*listed, page(3, articles_expected=1, article_urls=[article(1, 3)["url"]])],
                                              [article(1, 3, body="社工站建设")]))
    pages = "SELECT page_number, url FROM pages ORDER BY url"
    watched = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'pages'"
    with engine.begin() as conn:
        before = conn.execute(text(pages)).all()
        triggers = conn.execute(text(watched)).scalar() if conn.dialect.name == "sqlite" else None
        command.upgrade(migrate.config(conn), "0020")
        assert conn.execute(text("SELECT count(*) FROM pages WHERE removed_at IS NULL")).scalar() == 3  # the issue's until a refresh
        assert conn.execute(text(pages)).all() == before
        if triggers is not None:
            assert conn.execute(text(watched)).scalar() == triggers  # pages was altered in place, not copied
    archive = open_archive(archive_url, check=False)  # at 0020, whatever revisions follow it
    archive.store_batch([listed[0] | {"pages_expected": 2, "page_urls": [p["url"] for p in listed]}, listed[1]])
    removed = "SELECT page_label, page_number + id, removed_at IS NOT NULL FROM pages WHERE page_number < 0"
    with archive.engine.connect() as conn:
        assert conn.execute(text(removed)).all() == [("第03版：社会工作", 0, True)]
        assert conn.execute(text("SELECT count(*) FROM article_view WHERE page_number > 0")).scalar() == 0
    assert [h.title for h in search(archive, "社工站")] == ["标题1"]  # kept, with its article
    archive.close()
    with engine.begin() as conn:
        command.downgrade(migrate.config(conn), "0019")
        assert "removed_at" not in columns(conn, "pages")
        assert conn.execute(text("SELECT count(*) FROM pages WHERE page_number < 0")).scalar() == 1
        command.upgrade(migrate.config(conn), "head")
    engine.dispose()
    assert differences(archive_url) == []


def test_the_revision_read_while_another_crawl_makes_the_archive_is_none_or_the_head(tmp_path):
    # Two crawls started on a new SQLite archive: the one that found it empty read no version
    # table, the other then committed every table, and its next read found articles: "schema
    # 0001, older than this code's". The other's commit is let in before each statement in turn.
    from sqlalchemy import event

    def read(url, commit_before=None):
        engine, statements = make_engine(url), []

        def before(conn, cursor, statement, *_):
            if len(statements) == commit_before:
                open_archive(url).close()
            statements.append(statement)

        with engine.connect() as conn:
            event.listen(engine, "before_cursor_execute", before)
            found = migrate.revision(conn)
        engine.dispose()
        return found, len(statements)

    found, count = read(f"sqlite:///{tmp_path / 'count.sqlite3'}")
    assert found is None and count > 1
    for n in range(count):
        url = f"sqlite:///{tmp_path / f'{n}.sqlite3'}"
        assert read(url, commit_before=n)[0] in (None, migrate.head()), n


def test_the_crawl_refuses_an_old_archive_in_one_line(sqlite_url):
    old_archive(sqlite_url, stamped=False)
    result = run_crawl("date=2023-01-31", f"base_url=http://127.0.0.1:9/{SAMPLE_SITE.name}/", archive=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: archive {sqlite_url} has schema 0001, older than this code's ({migrate.head()}): run `archive upgrade` first"
    ]


def test_an_archive_newer_than_the_code_is_refused(sqlite_url):
    open_archive(sqlite_url).close()
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    with pytest.raises(ArchiveError, match="unknown to this code"):
        open_archive(sqlite_url)


BATCH_MIGRATION = '''
    from alembic import op
    import sqlalchemy as sa
    from storage.migrations.sqlite import keeping_views_and_triggers

    revision = "9001"
    down_revision = "{head}"
    branch_labels = None
    depends_on = None

    def upgrade():
        with keeping_views_and_triggers(), op.batch_alter_table("articles", recreate="always") as batch:
            batch.add_column(sa.Column("language", sa.String(8), nullable=True))
            batch.create_index("ix_articles_language", ["language"])
'''


def test_sqlite_batch_migration_of_articles_keeps_data_search_and_triggers(sqlite_url, tmp_path):
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1, title="迁移之前", body="乡村振兴的报道")])
    archive.close()
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "9001_language.py").write_text(textwrap.dedent(BATCH_MIGRATION.format(head=migrate.head())))
    engine = make_engine(sqlite_url)
    named = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    with engine.begin() as conn:
        before = conn.scalars(text(named)).all()
        cfg = migrate.config(conn)
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(map(str, (migrate.MIGRATIONS / "versions", versions))))
        command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(articles)")]
        triggers = conn.scalars(text(named)).all()
        conn.execute(text("UPDATE articles SET body = '教育扶贫的报道', language = 'zh'"))
    engine.dispose()
    assert "language" in columns and triggers == before and len(triggers) == 6  # 3 on articles, 3 on images
    archive = open_archive(sqlite_url, check=False)
    assert search(archive, "乡村振兴") == []
    assert [h.title for h in search(archive, "教育扶贫")] == ["迁移之前"]
    archive.close()


def test_the_documented_refusal_of_an_older_archive_is_the_line_the_code_writes(tmp_path):
    # docs/archive.md quoted the line as code at 0014 wrote it, "older than this code's (0014)",
    # long after the head had moved on: the line is this code's own, for an archive at the
    # revision it names.
    import re

    documented = re.findall(r"^error: archive (\S+) has schema (\d{4}), older than this code's .*$",
                            (PROJECT / "docs" / "archive.md").read_text(encoding="utf-8"), re.M)
    assert len(documented) == 1, documented
    url, revision = documented[0]
    line = re.search(rf"^error: archive {re.escape(url)} has schema {revision}.*$",
                     (PROJECT / "docs" / "archive.md").read_text(encoding="utf-8"), re.M)[0]
    assert revision != migrate.head()
    older = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(older)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), revision)
    engine.dispose()
    refused = archive_command("reprocess", archive=older)
    assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", line.replace(url, older, 1) + "\n")


def test_the_upgrade_lines_the_docs_quote_end_at_the_head():
    # docs/archive.md quoted `archive schema: 0017 -> 0022` once 0023 was the head: the refusals'
    # lines were checked against the code, the upgrade's line, prose, by nothing.
    import re

    quoted = {path.name: re.findall(r"archive schema: (\d{4}) -> (\d{4})", path.read_text(encoding="utf-8"))
              for path in [PROJECT / "README.md", *(PROJECT / "docs").glob("*.md")]}
    assert any(quoted.values())
    assert {name: [(before, after) for before, after in lines if after != migrate.head() or not migrate.known(before)]
            for name, lines in quoted.items() if lines} == {name: [] for name, lines in quoted.items() if lines}


def test_the_documented_new_revision_comes_after_the_head():
    # docs/archive.md gave --rev-id 0016 once 0016 existed: Alembic wrote the file, then stopped
    # with "Self-loop is detected in revisions (0016)".
    import re

    documented = re.findall(r"--rev-id (\d+)", (PROJECT / "docs" / "archive.md").read_text(encoding="utf-8"))
    assert documented == [f"{int(migrate.head()) + 1:04d}"]
