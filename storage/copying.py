"""An archive copied table by table into a new one: `archive copy --to URL` (into PostgreSQL, an
archive that outgrew SQLite) and `archive export --format sqlite` (storage/reading_room/export.py).

Both copy every table of the models in batches (an archive never sits in memory whole) from one
snapshot of the source (a crawl may be writing it), keeping every id, so that /article/<id> and
SQL written against the source mean the same thing on the copy. The copy is made through storage/
like any new archive, so it has this code's schema, views and full-text index; the triggers queue
each article copied, and each batch of them brings the index up to date (into PostgreSQL, its
GIN index built once after the last).

Into PostgreSQL the copy is one transaction: a copy stopped part-way (Ctrl-C, SIGKILL, the
connection lost) leaves the target an archive without rows (its schema, made first, stays), and the same command run again
completes it, with nothing to clear by hand. A copy checks that the target holds no rows (an
archive's ids would collide with the copied ones), and again under a lock on its tables that
holds off a crawl or another copy into it until the copy commits. A target that holds what the
source holds, row for row (a copy stopped after its commit, before it said so), is said to, and left as it is.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, zip_longest

from sqlalchemy import Connection, RowMapping, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError

from storage import fulltext, models
from storage.db import Archive, ArchiveError, ForeignDatabase, as_utc, createdb_command, open_archive, safe_url
from storage.export import signals_held

BATCH = 2000

POSTGRESQL_URLS = ("a PostgreSQL URL such as postgresql+psycopg://archivist@localhost/archive or "
                   "postgresql+psycopg://archivist@db-host:5432/archive")

# What a copy does to each table of the target (for the check of a PostgreSQL role's privileges):
# its rows inserted, the table locked (EXCLUSIVE, which asks for UPDATE), the index written.
WRITES = {table.name: ("SELECT", "INSERT", "UPDATE") for table in models.Base.metadata.sorted_tables} | {
    fulltext.SEARCH_TABLE: ("SELECT", "INSERT", "UPDATE", "DELETE"),
    fulltext.PENDING_TABLE: ("SELECT", "INSERT", "DELETE"),
}

Progress = Callable[[str, int, int], None]


def copy_tables(source: Archive, writing: Connection, *, batch_done: Callable[[], None] = lambda: None,
                progress: Progress | None = None) -> dict[str, int]:
    """Every table of ``source`` inserted through ``writing``, parents first; rows per table.
    ``batch_done()`` after each batch is written (and its articles indexed); then
    ``progress(table, rows copied, rows in all)``."""
    counts: dict[str, int] = {}
    with _snapshot(source) as reading:
        for table in models.Base.metadata.sorted_tables:
            copied, total = 0, reading.execute(select(func.count()).select_from(table)).scalar_one()
            for batch in _batches(reading, table):
                try:
                    writing.execute(table.insert(), [dict(row) for row in batch])
                except DataError:
                    _refuse_nul(table, batch)
                    raise
                if table.name == "articles":
                    fulltext.flush(writing)
                batch_done()
                copied += len(batch)
                if progress:
                    progress(table.name, copied, total)
            counts[table.name] = copied
        # The pictures, copied after their articles, queued those with a caption again (their
        # triggers): indexed once more, or the copy's queue held them.
        fulltext.flush(writing)
        batch_done()
    return counts


@contextmanager
def _snapshot(archive: Archive) -> Iterator[Connection]:
    """A connection reading every table of ``archive`` at one moment: a crawl writing meanwhile
    cannot leave an article in the copy whose page is not (the copy then stopped on its foreign key)."""
    with archive.engine.connect() as reading:
        if archive.dialect == "postgresql":
            reading = reading.execution_options(isolation_level="REPEATABLE READ")
        else:
            # Python's sqlite3 begins no transaction for a SELECT: each table was read at
            # its own moment. A crawl's archive is in WAL mode, whose readers hold no writer off.
            reading.exec_driver_sql("BEGIN")
        yield reading


def _batches(reading: Connection, table: Table) -> Iterator[Sequence[RowMapping]]:
    """The rows of ``table`` in id order, BATCH at a time: an archive never sits in memory whole."""
    rows = reading.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*table.primary_key.columns))
    return rows.mappings().partitions()


def _first_difference(source: Archive, target: Connection) -> str | None:
    """The first table whose rows in ``target`` are not those of ``source``, None if every one's
    are: read in id order on both sides, stopping at the first row that differs."""
    with _snapshot(source) as reading:
        for table in models.Base.metadata.sorted_tables:
            pairs = zip_longest(chain.from_iterable(_batches(reading, table)),
                                chain.from_iterable(_batches(target, table)))
            if any(row is None or held is None or _as_copied(row) != _as_copied(held) for row, held in pairs):
                return table.name
    return None


def _as_copied(row: RowMapping) -> dict:
    """A row's values as PostgreSQL holds them once copied: SQLite's timestamps (UTC, without their
    zone) in UTC with it. Both drivers hand blobs back as bytes, compared as they are."""
    return {column: as_utc(value) if isinstance(value, datetime) else value for column, value in row.items()}


@dataclass(frozen=True)
class Copied:
    counts: dict[str, int]  # rows per table
    # The target held them already (a copy stopped after its commit, run again): nothing written.
    before: bool = False


def copy_archive(source: Archive, url: str, *, progress: Progress | None = None,
                 committed: Callable[[], None] = lambda: None) -> Copied:
    """Copy ``source`` into a new PostgreSQL archive at ``url`` (made there if the database is
    empty; a database holding a whole copy of it left as it is; refused if it holds other rows).
    ``committed()`` as the copy commits."""
    try:
        named = make_url(url)
        backend = named.get_backend_name()
    except ArgumentError:
        # open_archive's examples are SQLite's, which a copy does not make.
        raise ArchiveError(f"invalid URL {safe_url(url)!r} (given by --to): expected {POSTGRESQL_URLS}") from None
    except ValueError:  # open_archive says what is wrong with it
        named, backend = None, None
    if backend == "sqlite":
        raise ArchiveError(f"--to {safe_url(url)} is a SQLite archive: archive copy copies into PostgreSQL "
                           "(a SQLite copy is made by archive export --format sqlite --output FILE)")
    if backend not in (None, "postgresql", "postgres"):  # postgres://, as libpq and hosting services write it
        # open_archive's "use sqlite or postgresql" offered SQLite, which a copy does not make.
        raise ArchiveError(f"unsupported database {backend!r} in archive URL {safe_url(url)} (given by --to): "
                           f"archive copy takes {POSTGRESQL_URLS}")
    # libpq would connect to the database named as the role, on most servers none, or `postgres`,
    # the server's own: a copy made there goes unnoticed.
    if named is not None and not named.database and not named.query.get("dbname"):
        raise ArchiveError(f"--to {safe_url(url)} names no database: name the one to copy into "
                           f"({safe_url(url).rstrip('/')}/DBNAME)")
    # The copy is built with this code's schema: the source must have it too.
    source.check_writable()
    try:
        target = open_archive(url, create=True, check=False, origin="--to")
    except ForeignDatabase as foreign:
        createdb = createdb_command(*foreign.server, "archive")
        raise ArchiveError(f"{foreign.held}: name an empty database to copy into ({createdb} makes one)") from None
    try:
        if (database := _server_schema(source)) is not None and database == _server_schema(target):
            raise ArchiveError(f"--to {safe_url(url)} is the archive itself: name another database")
        # Before the schema's check: an archive of an older schema that holds rows would be sent
        # to `archive upgrade`, and refused after it.
        with target.engine.connect() as conn:
            held = _held(conn)
            if held and target.revision == source.revision:
                if (differs := _first_difference(source, conn)) is None:
                    return Copied(_counts(conn), before=True)
                _refuse_rows(conn, url, differs=differs)
            _refuse_rows(conn, url)
        target.check_writable()
        target.check_write_privileges(WRITES)
        with target.engine.connect() as writing:
            tables = [table.name for table in models.Base.metadata.sorted_tables]
            writing.exec_driver_sql(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
            # Again under the lock: a crawl or another copy that wrote since the check above.
            _refuse_rows(writing, url)
            with fulltext.index_built_after(writing):
                counts = copy_tables(source, writing, progress=progress)
            _continue_sequences(writing)
            # A Ctrl-C as it commits would say "interrupted" of a copy that is whole.
            with signals_held():
                writing.commit()
                committed()
    finally:
        target.close()
    return Copied(counts)


def _server_schema(archive: Archive) -> tuple | None:
    """What tells one PostgreSQL archive from another, whatever the URL that names it (a host by
    name or by address, another role): its server's start, database and schema."""
    if archive.dialect != "postgresql":
        return None
    with archive.engine.connect() as conn:
        return tuple(conn.exec_driver_sql(
            "SELECT pg_postmaster_start_time(), current_database(), current_schema()").one())


def _counts(conn: Connection) -> dict[str, int]:
    """Each table's rows, of the tables there are."""
    present = set(inspect(conn).get_table_names())
    return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in models.Base.metadata.sorted_tables if table.name in present}


def _held(conn: Connection) -> list[str]:
    """The tables of the archive ``conn`` reads that hold rows."""
    present = set(inspect(conn).get_table_names())
    return [table.name for table in models.Base.metadata.sorted_tables if table.name in present
            and conn.execute(select(select(table).limit(1).exists())).scalar()]


def _refuse_nul(table: Table, batch: Sequence[Mapping]) -> None:
    """One line naming the row and column of ``batch`` whose text holds a NUL, if one does:
    PostgreSQL's text cannot, and its driver's words name neither."""
    for row in batch:
        for column, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                raise ArchiveError(
                    f"{table.name} row {row['id']} holds a NUL character in its {column}, which PostgreSQL's text "
                    f"cannot hold: take it out of the archive (in sqlite3: {_nul_removed(table.name, column, row['id'])}) "
                    "and copy again; nothing was copied")


def _nul_removed(table: str, column: str, row: int) -> str:
    """The statement that takes every NUL out of one text of a SQLite archive: replace() cannot
    (given a pattern starting with NUL it changes nothing), and text functions stop at a NUL, so
    the text is cut as bytes, one NUL at a time."""
    return (f"UPDATE {table} SET {column} = (WITH RECURSIVE cut(b) AS (SELECT CAST({column} AS BLOB) UNION ALL SELECT "
            "CAST(substr(b, 1, instr(b, x'00') - 1) || substr(b, instr(b, x'00') + 1) AS BLOB) FROM cut WHERE "
            f"instr(b, x'00')) SELECT CAST(b AS TEXT) FROM cut WHERE NOT instr(b, x'00')) WHERE id = {row}")


def _refuse_rows(conn: Connection, url: str, *, differs: str | None = None) -> None:
    """One line naming the tables of the archive at ``url`` that hold rows, if any does, and the
    first whose rows are not the source's (``differs``), when they were compared."""
    if held := _held(conn):
        unlike = f"; its {differs} differ from the archive's" if differs else ""
        raise ArchiveError(f"--to {safe_url(url)} already holds an archive (rows in {', '.join(held)}{unlike}): "
                           "archive copy copies into an empty database; nothing in it was changed")


def _continue_sequences(conn: Connection) -> None:
    """Each id column's sequence set after the ids copied, which were written as they are: the
    sequences stood at 1, and the next crawl's first row collided with the copied row 1."""
    for table in models.Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            # NULL (and setval a no-op) for a column without a sequence.
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column.name}), 0) + 1, false) "
                f"FROM {table.name}"), {"table": table.name, "column": column.name})
