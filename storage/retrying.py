"""Writing a batch into the archive, tried again after a passing failure: the crawl's store
pipeline (pipelines/store.py) and `archive reprocess` (storage/reprocess.py) write so.

A batch the database refuses is written in one transaction or not at all, so it can be tried
again: after a passing failure (the connection lost to a server restarting, a deadlock) it is,
for about half a minute; after a failed COMMIT, only once the archive says the batch did not
commit (a connection lost as the server committed), so that no batch is counted twice.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from storage.db import Archive, BatchCommit, database_words

# Seconds to wait before each new attempt at a batch that failed for a passing reason: half a
# minute in all, what a database server takes to restart.
RETRY_WAITS = (1.0, 2.0, 4.0, 8.0, 16.0)


def passing(error: SQLAlchemyError) -> bool:
    """Whether a write that failed may succeed when tried again: the connection was lost (the
    server restarted or is starting), or the database gave up the transaction (a deadlock, a
    serialization failure, SQLite's "database is locked"), all OperationalErrors."""
    return isinstance(error, OperationalError) or isinstance(error, DBAPIError) and error.connection_invalidated


def _unsaid(message: str) -> None:
    pass


def store_batch(
    archive: Archive,
    *batch: Iterable[Mapping[str, Any]],
    run: int | None = None,
    retrying: Callable[[str], None] = _unsaid,
    stored_anyway: Callable[[str], None] = _unsaid,
    claims=None,
) -> dict[str, int]:
    """:meth:`Archive.store_batch` of ``batch`` (its pages, articles, pdfs, dead and absent, in
    that order), tried again after a passing failure; the counts of what was
    written, or raises the database's last error (``claims``: a crawl's, as Archive.store_batch
    takes them). ``retrying`` is told each new attempt and
    ``stored_anyway`` a batch found committed after all, in one line each.

    A COMMIT reported failed may have happened all the same (the connection lost after the
    server committed, before its answer came): the archive is asked whether it did before
    the batch is written again, and one that did is neither written nor counted twice."""
    doubt: BatchCommit | None = None  # an attempt whose COMMIT failed: it may have committed
    error: SQLAlchemyError | None = None
    for wait in (*RETRY_WAITS, None):
        try:
            if doubt is not None:
                committed = archive.batch_committed(doubt)
                if committed:
                    stored_anyway("archive write: the batch was stored all the same (its commit went through "
                                  "before the connection was lost): not written again")
                    return doubt.counts
                if committed is False:
                    doubt = None
            if doubt is None:
                attempt = BatchCommit()
                try:
                    return archive.store_batch(*batch, run=run, commit=attempt, claims=claims)
                finally:
                    if attempt.counts is not None:
                        doubt = attempt
        except SQLAlchemyError as exc:
            error = exc
            if not passing(error):
                raise
        # A passing failure, or a commit whose fate the server does not know yet.
        if wait is None:
            raise error
        retrying(f"archive write failed ({database_words(error)}): trying again in {wait:g} s")
        time.sleep(wait)
