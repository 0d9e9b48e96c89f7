"""Articles out of the archive as a stream: a million rows never sit in memory at once."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import text

from storage.db import Archive
from storage.fulltext import VIEW
from storage.search import checked_terms, filters, holds_every_word, word_forms

BATCH = 1000
# What a query's words are looked for in, as search looks.
_SEARCHED = ("title", "subtitle", "body")


def export_rows(
    archive: Archive,
    columns: Sequence[str],
    *,
    paper: str | None = None,
    since: date | None = None,
    until: date | None = None,
    section: str | None = None,
    query: str | None = None,
) -> Iterator[tuple]:
    """Rows of ``article_view`` (``columns``), oldest issue first, fetched ``BATCH`` at a time.

    ``query``: only the articles holding every word of it, as :func:`storage.search.search`
    finds them, all of them: not ranked, so not limited to the most recent matches. Each
    article of the other filters is read and checked, as an export reads them all anyway."""
    # Checked here, before a caller writes a line: an empty query is one line of error.
    lowered = word_forms(checked_terms(query)) if query is not None else None
    where, params = filters(paper=paper, since=since, until=until, section=section)
    read = [*columns, *(_SEARCHED if lowered else ())]
    sql = f"SELECT {', '.join(f'v.{c}' for c in read)} FROM {VIEW} v WHERE 1=1{''.join(where)} " \
          "ORDER BY v.issue_date, v.page_number, v.article_id"
    return _streamed(archive, sql, params, len(columns), lowered)


def _streamed(archive: Archive, sql: str, params: dict, width: int, lowered: list[list[str]] | None) -> Iterator[tuple]:
    """The rows of ``sql``, cut to their first ``width`` columns, those after them holding
    every word of ``lowered`` (when given)."""
    with archive.engine.connect() as conn:
        # A server-side cursor on PostgreSQL; SQLite's cursor already steps row by row.
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(text(sql), params)
        for row in result:
            if lowered is None:
                yield tuple(row)
            elif holds_every_word(lowered, [(f or "").lower() for f in row[width:]]):
                yield tuple(row[:width])
