"""Articles out of the archive as a stream: a million rows never sit in memory at once."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date

from sqlalchemy import text

from storage.db import Archive, ArchiveError
from storage.fulltext import VIEW, column_sql, images_json
from storage.search import checked_terms, filters, matched_texts, searched_columns, word_forms

BATCH = 1000


def claim_partial(partial: str | os.PathLike, replaced: str | os.PathLike, output: str | os.PathLike,
                  leftovers: Sequence[str | os.PathLike] = ()) -> int:
    """``partial`` made for this export alone (create_replacement), locked (flock) until the
    descriptor returned, and every copy of it, is closed: after the rename, so that no other
    export takes it for one stopped before. Two exports to one FILE shared FILE.part: the second
    removed the first's, or wrote into it, and the first renamed the second's half over FILE.
    One stopped before (by SIGKILL) left it unlocked: it is removed, and so are ``leftovers``
    (a SQLite copy's -wal, -shm and -journal). Another export writing it is refused in one line."""
    for _ in range(5):  # another export may claim it between the tries: each is told apart
        try:
            descriptor = create_replacement(partial, replaced, exclusive=True)
        except FileExistsError:
            _remove_unless_written(partial, output)
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Taken for a leftover and removed by another export before it was locked: not ours.
            if os.fstat(descriptor).st_nlink:
                for leftover in leftovers:  # no export holds them now
                    with suppress(FileNotFoundError):
                        os.unlink(leftover)
                return descriptor
        except BlockingIOError:
            pass
        os.close(descriptor)
    raise _written_by_another(partial, output)


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held off while the work's last step and the mark of it done
    (storage.cli.work_done) run: one that came between them ended the command "interrupted",
    exit status 130, its work complete all the same. One held off is handled after, the work
    done; one before, before the step (pthread_sigmask runs the handlers of those already come)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def rename_complete(partial: str | os.PathLike, target: str | os.PathLike,
                    then: Callable[[], None] = lambda: None) -> None:
    """The complete ``partial`` renamed to ``target``, and ``then`` (the command marking its work
    done), no signal between them (signals_held)."""
    with signals_held():
        os.replace(partial, target)
        then()


def _remove_unless_written(partial: str | os.PathLike, output: str | os.PathLike) -> None:
    """``partial`` removed if no export holds it (one stopped before left it); ArchiveError if one does."""
    try:
        descriptor = os.open(partial, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _written_by_another(partial, output) from None
        with suppress(FileNotFoundError):
            os.unlink(partial)
    finally:
        os.close(descriptor)


def _written_by_another(partial: str | os.PathLike, output: str | os.PathLike) -> ArchiveError:
    return ArchiveError(f"cannot write {output}: another export is writing it now ({partial}): "
                        "wait for it to end, or choose another --output")


def create_replacement(path: str | os.PathLike, replaced: str | os.PathLike, *, exclusive: bool = False) -> int:
    """``path`` created (or emptied) for writing, to be renamed over ``replaced`` once whole; its
    descriptor. It takes the permissions of the file it will replace, as an editor's save does:
    renamed over a file the user had made private (0600), an export built with the umask's
    default was readable by everyone. Its group too, where the user may give it that group;
    where not, its group has what others have, so that no one it did not reach before reads
    it. A new file (``replaced`` not there) gets the umask's default, as ``open`` gives it.
    ``exclusive``: FileExistsError if ``path`` is there, rather than emptying it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_CLOEXEC", 0)
    try:
        old = os.stat(replaced)
    except FileNotFoundError:
        old = None
    if old is None or not stat.S_ISREG(old.st_mode):
        return os.open(path, flags, 0o666)
    # Permission bits only: set-id bits mean nothing on data, and a chown clears them anyway.
    mode = stat.S_IMODE(old.st_mode) & 0o777
    descriptor = os.open(path, flags, mode)  # no wider than the old file, even before the chmod
    try:
        if os.fstat(descriptor).st_gid != old.st_gid:
            try:
                os.fchown(descriptor, -1, old.st_gid)
            except PermissionError:
                mode = mode & ~0o070 | (mode & 0o007) << 3
        # The umask took bits off at creation, and a leftover file kept its own mode.
        os.fchmod(descriptor, mode)
    except OSError:
        os.close(descriptor)
        raise
    return descriptor


def check_in_the_way(partial: str | os.PathLike, output: str | os.PathLike) -> None:
    """``partial``, a file an export writes before it takes ``output``'s name, refused in one
    line when it is the user's, not a file an export stopped before left there (which is
    removed): a folder was said as ``cannot write OUTPUT: Is a directory``, naming what was not in
    the way (a SQLite copy ended in a traceback), and a symbolic link had the file it names
    written over (a pipe, opened to write, held the export forever)."""
    try:
        mode = os.lstat(partial).st_mode
    except OSError:  # none there, or its folder missing or no folder: the write says so
        return
    if stat.S_ISREG(mode):
        return
    what = "a folder" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode) else "not a file"
    raise ArchiveError(f"cannot write {output}: {partial} is in the way ({what}; the export is written there first, "
                       "then renamed): move or remove it")


def export_rows(
    archive: Archive,
    columns: Sequence[str],
    *,
    paper: str | None = None,
    since: date | None = None,
    until: date | None = None,
    section: str | None = None,
    query: str | None = None,
    images: bool = False,
) -> Iterator[tuple]:
    """Rows of ``article_view`` (``columns``), oldest issue first, fetched ``BATCH`` at a time.

    ``images``: each row ends with the article's pictures, a list of {url, caption,
    caption_original} in their order (``[]`` for none).

    ``query``: only the articles holding every word of it, as :func:`storage.search.search`
    finds them, all of them: not ranked, so not limited to the most recent matches. Each
    article of the other filters is read and checked, as an export reads them all anyway.

    The query runs before this returns: its errors come before a caller writes a line."""
    # Checked here, before a caller writes a line: an empty query is one line of error.
    lowered = word_forms(checked_terms(query)) if query is not None else None
    where, params = filters(paper=paper, since=since, until=until, section=section)
    read = [f"v.{c}" for c in columns] + [column_sql(archive.dialect, c, "v", "article_id")
                                          for c in (searched_columns(lowered) if lowered else ())]
    if images:  # before the searched texts, which are cut off
        read.insert(len(columns), images_json(archive.dialect, "v.article_id"))
    sql = f"SELECT {', '.join(read)} FROM {VIEW} v WHERE 1=1{''.join(where)} " \
          "ORDER BY v.issue_date, v.page_number, v.article_id"
    # SQLite's JSON text of the pictures (the last value) as the list PostgreSQL's jsonb gives.
    pictures = json.loads if images and archive.dialect == "sqlite" else None
    held = matched_texts(lowered) if lowered is not None else None
    rows = _streamed(archive, sql, params, len(columns) + images, held, pictures)
    # What the archive lacks (the view, in an archive older than revision 0002) is then one line
    # of error before any output, where a CSV header went out before it.
    next(rows)
    return rows


def _streamed(archive: Archive, sql: str, params: dict, width: int,
              held: Callable[[Sequence[str | None]], list[str] | None] | None,
              pictures: Callable[[str], list] | None) -> Iterator[tuple]:
    """The rows of ``sql``, cut to their first ``width`` columns, those after them holding
    every word of a search (``held``, when given: storage.search.matched_texts), the last of them
    read by ``pictures`` (when given).
    It yields None first, once the query runs."""
    with archive.engine.connect() as conn:
        # A server-side cursor on PostgreSQL; SQLite's cursor already steps row by row.
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(text(sql), params)
        yield None
        for row in result:
            if held is not None and held(row[width:]) is None:
                continue
            row = tuple(row[:width])
            yield (*row[:-1], pictures(row[-1])) if pictures else row
