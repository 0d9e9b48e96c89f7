"""Full-text search over the archive, ranked, with a highlighted snippet, on both databases.

A query is one or more terms separated by spaces; an article matches when it contains every
term (as a substring of its title, subtitle or body; Latin letters ignore case).

SQLite: terms of three characters or more go through the FTS5 trigram index (``MATCH``),
ranked by bm25 with the title weighing most. Shorter terms (社工) have no trigram: they are
matched with ``LIKE`` on the articles table, never on the FTS table, where SQLite before 3.41
silently finds no CJK rows. PostgreSQL: ``ILIKE``, which the pg_trgm GIN indexes serve for
terms of three characters or more. Without bm25 (no trigram MATCH, or PostgreSQL), the rank
counts the terms' occurrences, a title occurrence worth ten in the body, a body's density
mattering more than its length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, text

from storage.db import Archive, ArchiveError
from storage.fulltext import FTS_TABLE, VIEW

DEFAULT_MARKERS = ("【", "】")
SNIPPET_CHARS = 80
# bm25 weights of title, subtitle, body (the FTS table's column order).
_WEIGHTS = (10.0, 5.0, 1.0)


@dataclass
class SearchHit:
    article_id: int
    paper_code: str
    issue_date: date
    page_number: int
    section: str
    title: str
    snippet: str
    rank: float  # higher is better; comparable within one result list


def terms(query: str) -> list[str]:
    """The query's distinct terms, in order."""
    return list(dict.fromkeys(query.split()))


def search(
    archive: Archive,
    query: str,
    *,
    paper: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    section: str | None = None,
    limit: int = 20,
    offset: int = 0,
    markers: tuple[str, str] = DEFAULT_MARKERS,
) -> list[SearchHit]:
    words = terms(query)
    if not words:
        raise ArchiveError("empty search: give at least one word")
    where, params = filters(paper=paper, since=since, until=until, section=section)
    params |= {"limit": limit, "offset": offset}
    if archive.dialect == "sqlite" and any(len(w) >= 3 for w in words):
        long = [w for w in words if len(w) >= 3]
        params["match"] = " ".join('"' + w.replace('"', '""') + '"' for w in long)
        where += _like_terms([w for w in words if len(w) < 3], params, "LIKE")
        weights = ", ".join(map(str, _WEIGHTS))
        sql = (
            f"SELECT v.article_id, -bm25({FTS_TABLE}, {weights}) AS rank FROM {FTS_TABLE} "
            f"JOIN {VIEW} v ON v.article_id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH :match{''.join(where)} ORDER BY rank DESC LIMIT :limit OFFSET :offset"
        )
    else:
        # ILIKE on PostgreSQL; SQLite's LIKE already ignores ASCII case.
        where += _like_terms(words, params, "ILIKE" if archive.dialect == "postgresql" else "LIKE")
        sql = (
            f"SELECT v.article_id, {_occurrence_rank(words, params)} AS rank FROM {VIEW} v "
            f"WHERE 1=1{''.join(where)} ORDER BY rank DESC, v.issue_date DESC LIMIT :limit OFFSET :offset"
        )
    with archive.engine.connect() as conn:
        ranked = conn.execute(text(sql), params).all()
        if not ranked:
            return []
        ids = {row[0]: row[1] for row in ranked}
        details = conn.execute(
            text(
                f"SELECT article_id, paper_code, issue_date, page_number, section, title, subtitle, body "
                f"FROM {VIEW} WHERE article_id IN ({', '.join(str(int(i)) for i in ids)})"
            ).columns(issue_date=Date)
        ).all()
    by_id = {row.article_id: row for row in details}
    return [
        SearchHit(
            article_id=row.article_id,
            paper_code=row.paper_code,
            issue_date=row.issue_date,
            page_number=row.page_number,
            section=row.section,
            title=row.title,
            snippet=snippet((row.body, row.subtitle, row.title), words, markers),
            rank=float(rank),
        )
        for row, rank in ((by_id[i], r) for i, r in ids.items())
    ]


VIEW_COLUMNS = {"paper": "v.paper_code", "since": "v.issue_date", "until": "v.issue_date", "section": "v.section"}
# The same filters in queries on the tables (papers pa, issues i).
TABLE_COLUMNS = {"paper": "pa.code", "since": "i.issue_date", "until": "i.issue_date"}
_OPERATORS = {"since": ">=", "until": "<="}


def filters(columns: dict[str, str] = VIEW_COLUMNS, **given: Any) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions (" AND …") and parameters for the filters given (None: not given):
    paper (code), since / until (issue dates), section; ``columns`` names their columns."""
    where, params = [], {}
    for name, value in given.items():
        if value is None:
            continue
        if name in ("since", "until"):
            value = _as_date(value, name)
        where.append(f" AND {columns[name]} {_OPERATORS.get(name, '=')} :{name}")
        params[name] = value
    return where, params


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArchiveError(f"invalid {name} date {value!r}: expected YYYY-MM-DD") from None


def _like_terms(words: list[str], params: dict[str, Any], like: str) -> list[str]:
    """One clause per term: the term in the title, subtitle or body."""
    clauses = []
    for n, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"like{n}"] = f"%{escaped}%"
        either = " OR ".join(f"v.{c} {like} :like{n} ESCAPE '\\'" for c in ("title", "subtitle", "body"))
        clauses.append(f" AND ({either})")
    return clauses


def _occurrence_rank(words: list[str], params: dict[str, Any]) -> str:
    def occurrences(column: str, n: int) -> str:
        return f"(length(v.{column}) - length(replace(lower(v.{column}), :term{n}, ''))) / (1.0 * length(:term{n}))"

    parts = []
    for n, word in enumerate(words):
        params[f"term{n}"] = word.lower()
        parts.append(
            f"{_WEIGHTS[0]} * {occurrences('title', n)} + {_WEIGHTS[1]} * {occurrences('subtitle', n)}"
            f" + 1000.0 * {occurrences('body', n)} / (length(v.body) + 1000)"
        )
    return " + ".join(f"({p})" for p in parts)


def snippet(fields: tuple[str, ...], words: list[str], markers: tuple[str, str] = DEFAULT_MARKERS,
            width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters around the first term found in the first field holding one,
    every term in it wrapped in ``markers``."""
    pattern = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))), re.IGNORECASE)
    for field in fields:
        field = (field or "").replace("\n", " ")
        found = pattern.search(field)
        if found:
            break
    else:
        field = (fields[0] or "").replace("\n", " ")
        found = None
    start = max(0, found.start() - width // 4) if found else 0
    end = min(len(field), start + width)
    start = max(0, min(start, end - width))
    opening, closing = markers
    window = pattern.sub(lambda m: f"{opening}{m.group()}{closing}", field[start:end])
    return ("…" if start > 0 else "") + window + ("…" if end < len(field) else "")
