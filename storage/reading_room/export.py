"""`archive export --format sqlite`: a faithful SQLite copy of any archive, for `archive serve`.

Datasette reads SQLite only; a PostgreSQL archive is copied table by table as `archive copy`
copies one (storage/copying.py: every id kept, in batches, from one snapshot), into a file
beside the output that takes its name once whole.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from storage.copying import copy_tables
from storage.db import Archive, ArchiveError, open_archive, sqlite_url
from storage.export import check_in_the_way, claim_partial, rename_complete

def export_sqlite(
    source: Archive,
    output: str | Path,
    *,
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    renamed: Callable[[], None] = lambda: None,
) -> dict[str, int]:
    """Copy every table of ``source`` into a new SQLite archive at ``output``; rows per table.

    The copy is built beside it (``output.part``) and takes its name once complete: an export
    stopped half-way, even by SIGKILL, leaves no file that looks like a whole archive, and
    ``overwrite`` replaces an existing ``output`` only then, the copy taking its permissions.
    ``output`` is checked as every export's is (storage.cli.check_output): without
    ``overwrite``, an existing file is refused; a link to a file to come is written through.
    ``progress(table, rows copied, rows in all)`` is called after each batch; ``renamed()`` as
    the copy takes its name, no signal between them (rename_complete).
    """
    from storage.cli import check_output, written_through

    named = os.fspath(output)
    # One check for every format: a check of its own took a folder or an empty name for an
    # existing file, and a link into a missing folder for a write that failed.
    check_output(named, overwrite, stream=False)
    # The copy is built with this code's schema: the source must have it too.
    source.check_writable("archive export --format sqlite builds its copy with this code's schema")
    # Written through a link (which stays), its target replaced: renamed over the link, the copy
    # took the link's place and left the file it named as it was.
    output = Path(written_through(named))
    partial = output.with_name(output.name + ".part")
    # -journal: SQLite's rollback journal, while the copy's schema is made (before WAL mode); one
    # left by SIGKILL was neither checked nor removed (a folder of that name: "database unreachable").
    leftovers = [partial.with_name(partial.name + end) for end in ("", "-wal", "-shm", "-journal")]
    for leftover in leftovers:
        check_in_the_way(leftover, named)
    try:
        # Made empty first, with the permissions of the file it replaces (SQLite gives its journal
        # and write-ahead log the database file's): a private archive stays private. One of an
        # export killed before is removed with its logs; another export's, being written, is
        # refused. Held open (locked) until renamed; closed after SQLite's own descriptors, whose
        # locks a close of any descriptor of the file would drop.
        lock = claim_partial(partial, output, named, leftovers[1:])
    except OSError as exc:  # a folder missing (-o nosuch/copy.sqlite3): a traceback, where JSON lines said it
        raise ArchiveError(f"cannot write {named}: {exc.strerror or exc}") from None
    try:
        return _copied(source, partial, output, leftovers, progress, renamed)
    except (ArchiveError, SQLAlchemyError) as exc:
        # Said of the copy's file: "database unreachable: …copy.sqlite3.part" (as it was made)
        # or "database error" (part-way) read as a fault of the archive being read.
        if _disk_full(exc):
            raise ArchiveError(f"cannot write {named}: database or disk is full") from None
        raise
    finally:
        os.close(lock)


def _disk_full(error: BaseException | None) -> bool:
    """Whether ``error``, or one it was raised in handling (open_archive's "database
    unreachable"), is SQLite's SQLITE_FULL: only a write fails so, and only the copy is written."""
    while error is not None:
        if getattr(getattr(error, "orig", None), "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        error = error.__context__
    return False


def _copied(source: Archive, partial: Path, output: Path, leftovers: list[Path],
            progress: Callable[[str, int, int], None] | None, renamed: Callable[[], None]) -> dict[str, int]:
    target = None
    try:
        # Inside the try: a Ctrl-C while the copy's schema is made (half a second) left FILE.part.
        target = open_archive(sqlite_url(partial.resolve()), create=True)
        with target.engine.connect() as writing:
            # A commit per batch keeps SQLite's write-ahead log small.
            counts = copy_tables(source, writing, batch_done=writing.commit, progress=progress)
        target.close()  # the last connection closed: SQLite folds the write-ahead log into the file
        target = None
        _rollback_journal(partial)
    except BaseException:
        if target is not None:
            target.close()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    rename_complete(partial, output, then=renamed)
    return counts


def _rollback_journal(path: Path) -> None:
    """Leave the copy in SQLite's rollback-journal mode: made as every archive is, it was in WAL
    mode, which SQLite reads only by making its -wal and -shm files beside it, and a copy shared
    read-only (a folder its readers may not write) was refused by every reading command. The
    archive's writers switch it back to WAL when they open it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
