"""Schema versions of the archive (Alembic, migrations in storage/migrations/versions).

A new archive is built by running every migration; an existing one is upgraded in place by
``archive upgrade``. Code refuses to write to an archive whose schema is older than itself.
"""
from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")


class _QuietAlembicLines(logging.Filter):
    """Drops the two INFO lines Alembic logs at every look at the schema ("Context impl
    SQLiteImpl.", "Will assume non-transactional DDL."): a crawl opens the archive four times,
    and its log (a cron job's, for years) is for what happened; "Running upgrade …" stays."""

    SET_UP = frozenset({"Context impl %s.", "Will assume %s DDL."})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.SET_UP


QUIET_ALEMBIC_LINES = _QuietAlembicLines()
logging.getLogger("alembic.runtime.migration").addFilter(QUIET_ALEMBIC_LINES)
# Archives made before migrations existed hold this revision's tables (and maybe the search
# objects the code just before them made: _clear_premigration_search).
BASELINE = "0001"


@cache
def _script_location() -> str:
    """Alembic reads its scripts from a folder; inside a zipped egg (scrapyd) they are copied out
    once per process, and removed when it exits: scrapyd starts a process for every job."""
    if MIGRATIONS.is_dir():
        return str(MIGRATIONS)
    folder = Path(tempfile.mkdtemp(prefix="archive-migrations-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _copy_tree(resources.files("storage") / "migrations", folder)
    return str(folder)


def _copy_tree(source, target: Path) -> None:
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                (target / entry.name).mkdir()
                _copy_tree(entry, target / entry.name)
        elif entry.name.endswith((".py", ".mako", ".ini")):
            (target / entry.name).write_bytes(entry.read_bytes())


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", _script_location())
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def revision(connection: Connection) -> str | None:
    """The archive's schema revision; None for an empty database."""
    # Tables first: read outside a transaction (SQLite, before its writer lock), the version
    # read after them may see a commit they did not. Read the other way round, another crawl's
    # new archive committed in between was taken for one made before migrations (BASELINE).
    tables = _BASELINE_TABLES <= set(inspect(connection).get_table_names())
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None and tables:
        return BASELINE
    return current


# What an archive made before migrations holds for certain: another program's database may
# have a table named articles too, and upgrading it as an archive would alter that program's.
_BASELINE_TABLES = frozenset({"papers", "issues", "pages", "articles"})


# Tables no other program is likely to have: one of them beside a missing table of the
# baseline's marks an archive that lost a table, not another program's database (which may
# well have its own issues, pages or images).
_ARCHIVE_ONLY_TABLES = frozenset({"crawl_runs", "absent_issues", "dead_links", "page_articles", "raw_documents",
                                  "article_versions", "removals"})


def missing_tables(connection: Connection, rev: str | None) -> list[str]:
    """The tables of the baseline that an archive ``rev`` read from lacks, where the database is
    this project's archive (a revision this code knows, or a table only an archive has); none
    where it holds them all, or is another program's database or an empty one."""
    tables = set(inspect(connection).get_table_names())
    missing = sorted(_BASELINE_TABLES - tables)
    if not missing or tables & _ARCHIVE_ONLY_TABLES:
        return missing
    return missing if rev is not None and known(rev) else []


def foreign_tables(connection: Connection) -> list[str]:
    """The tables of a database that holds no archive, where the archive's would be made beside
    another program's, or another program's Alembic revision be taken for a newer archive's;
    none where it holds an archive's tables (or no table)."""
    tables = set(inspect(connection).get_table_names())
    return [] if _BASELINE_TABLES <= tables else sorted(tables)


def known(rev: str) -> bool:
    try:
        return ScriptDirectory.from_config(config()).get_revision(rev) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


# Given the migration's name (storage.migrations.rebuild_progress), what hears its progress through every article.
MigrationProgress = Callable[[str], Callable[[int, int], None]]


def upgrade_connection(connection: Connection, target: str = "head", progress: MigrationProgress | None = None) -> None:
    """``progress(migration)(done, total)`` hears from migrations that work through every article."""
    if MigrationContext.configure(connection).get_current_revision() is None and revision(connection) == BASELINE:
        _clear_premigration_search(connection)
        command.stamp(config(connection), BASELINE)
    cfg = config(connection)
    cfg.attributes["progress"] = progress
    command.upgrade(cfg, target)


def _clear_premigration_search(connection: Connection) -> None:
    """Drop the trigram index and article_view that the code just before migrations made beside
    the tables of an archive it created (revision 0002's, without article_history): 0002 makes
    them again over the articles there, where it stopped at them with "table articles_fts
    already exists" and the archive could not be upgraded. An archive without them is left as
    it is."""
    from storage import fulltext
    from storage.migrations import trigram

    for statement in fulltext.drop_view_statements() + trigram.drop_index(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _as_owner(connection: Connection, url: str) -> None:
    """On PostgreSQL, run the upgrade as the role that owns the archive's tables: the tables and
    functions its migrations make are then that role's, as the rest are. A superuser's upgrade
    (or a member's of the owning role) made them its own, and the archive's writing role could
    not write them: every later crawl was refused. Another role is refused in one line."""
    from storage.db import ArchiveError, safe_url

    if connection.dialect.name != "postgresql":
        return
    owner, user, member = connection.exec_driver_sql(
        "SELECT pg_get_userbyid(c.relowner), current_user, pg_has_role(c.relowner, 'MEMBER') "
        "FROM pg_class c WHERE c.oid = to_regclass('articles')"
    ).one()
    if owner == user:
        return
    if not member:
        raise ArchiveError(
            f"archive {safe_url(url)} belongs to role {owner}, not to {user}: an upgrade changes the archive's tables and "
            f"makes new ones, which must be {owner}'s as the rest are; run archive upgrade as {owner}"
        )
    connection.execute(text("SELECT set_config('role', :owner, true)"), {"owner": owner})  # SET LOCAL ROLE


def upgrade(url: str | None = None, progress: MigrationProgress | None = None,
            origin: str | None = None) -> tuple[str, str]:
    """Upgrade the archive at ``url`` (default $ARCHIVE_URL) to the code's schema: (before, after).

    There must be an archive there: a mistyped URL is an error, not a new, empty archive."""
    from storage.db import begin_sqlite_ddl, hold_schema_lock, open_archive

    archive = open_archive(url, create=False, check=False, write=True, origin=origin)
    try:
        with archive.engine.begin() as conn:
            # Two upgrades at once (two machines, two admins) would both run the migrations
            # the archive lacks, and the second fail half-way ("relation ... already exists"):
            # the second waits, then finds the archive current.
            hold_schema_lock(conn)
            begin_sqlite_ddl(conn)  # a killed upgrade leaves the archive as it was
            before = revision(conn)
            if before is not None and not known(before):
                # An archive of newer code: Alembic's "Can't locate revision" ended the command
                # in a traceback. Refused in one line, as every writer refuses it.
                archive.check_writable()
            if before != head():
                _as_owner(conn, archive.url)
            upgrade_connection(conn, progress=progress)
            after = revision(conn)
    finally:
        archive.close()
    return before, after
