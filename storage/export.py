"""Articles out of the archive as a stream: a million rows never sit in memory at once."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import text

from storage.db import Archive
from storage.fulltext import VIEW
from storage.search import filters

BATCH = 1000


def export_rows(
    archive: Archive,
    columns: Sequence[str],
    *,
    paper: str | None = None,
    since: date | None = None,
    until: date | None = None,
    section: str | None = None,
) -> Iterator[tuple]:
    """Rows of ``article_view`` (``columns``), oldest issue first, fetched ``BATCH`` at a time."""
    where, params = filters(paper=paper, since=since, until=until, section=section)
    sql = f"SELECT {', '.join(f'v.{c}' for c in columns)} FROM {VIEW} v WHERE 1=1{''.join(where)} " \
          "ORDER BY v.issue_date, v.page_number, v.article_id"
    with archive.engine.connect() as conn:
        # A server-side cursor on PostgreSQL; SQLite's cursor already steps row by row.
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(text(sql), params)
        for row in result:
            yield tuple(row)
