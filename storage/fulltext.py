"""The archive's SQL objects beyond the tables: the full-text index and ``article_view``.

SQLite: an FTS5 table with the ``trigram`` tokenizer (Chinese has no spaces to split words
on), external content (the text lives once, in ``articles``), kept in sync by triggers.
PostgreSQL: ``pg_trgm`` GIN indexes on the same columns, which serve ``LIKE``/``ILIKE``.
Both index substrings of three characters or more; shorter queries scan the base table.

The models (storage/models.py) describe the tables; these objects are created by the
migration that introduced them, and :data:`NAMES` lets schema comparisons leave them out.
"""
from __future__ import annotations

FTS_TABLE = "articles_fts"
VIEW = "article_view"
HISTORY_VIEW = "article_history"
# Columns the index covers, in the FTS table's order (bm25 weights follow it).
INDEXED = ("title", "subtitle", "body")

_FTS_SHADOW = tuple(f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config"))
_TRIGRAM_INDEXES = tuple(f"ix_articles_{column}_trgm" for column in INDEXED)
# Everything here that a reflection of the database shows: not part of the models.
NAMES = frozenset((FTS_TABLE, VIEW, HISTORY_VIEW, *_FTS_SHADOW, *_TRIGRAM_INDEXES))

_YEAR = {
    "sqlite": "CAST(strftime('%Y', i.issue_date) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM i.issue_date) AS INTEGER)",
}


def view_sql(dialect: str) -> str:
    return f"""CREATE VIEW {VIEW} AS
SELECT a.id AS article_id, pa.code AS paper_code, pa.name AS paper_name, i.issue_date,
       {_YEAR[dialect]} AS year, p.page_number, p.page_label, p.section, a.url,
       a.pretitle, a.title, a.subtitle, a.byline, a.source, a.body, a.body_original,
       a.original_script
FROM articles a
JOIN pages p ON p.id = a.page_id
JOIN issues i ON i.id = p.issue_id
JOIN papers pa ON pa.id = i.paper_id"""


# Every text an article has had: its earlier versions, then the current one (is_current = 1),
# each with the time span it was served.
HISTORY_SQL = f"""CREATE VIEW {HISTORY_VIEW} AS
SELECT v.article_id, v.id AS version_id, v.pretitle, v.title, v.subtitle, v.byline, v.body,
       v.body_original, v.valid_from, v.valid_until, 0 AS is_current
FROM article_versions v
UNION ALL
SELECT a.id, NULL, a.pretitle, a.title, a.subtitle, a.byline, a.body, a.body_original,
       COALESCE((SELECT MAX(v.valid_until) FROM article_versions v WHERE v.article_id = a.id), a.first_seen),
       NULL, 1
FROM articles a"""


def _sqlite_statements() -> list[str]:
    columns = ", ".join(INDEXED)
    new = ", ".join(f"new.{c}" for c in INDEXED)
    old = ", ".join(f"old.{c}" for c in INDEXED)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in INDEXED)
    remove = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    add = f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='articles', "
        "content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON articles BEGIN {add} END",
        f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON articles BEGIN {remove} END",
        # A re-crawl rewrites every column of an unchanged article: only a text change
        # costs re-indexing.
        f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON articles WHEN {changed} "
        f"BEGIN {remove} {add} END",
        # Index what the table already holds (an archive upgraded in place).
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]


def _postgresql_statements() -> list[str]:
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
        f"CREATE INDEX {name} ON articles USING gin ({column} gin_trgm_ops)"
        for name, column in zip(_TRIGRAM_INDEXES, INDEXED)
    ]


def create_statements(dialect: str) -> list[str]:
    """DDL creating the search index and the view on ``dialect`` ('sqlite' or 'postgresql')."""
    index = _sqlite_statements() if dialect == "sqlite" else _postgresql_statements()
    return index + [view_sql(dialect), HISTORY_SQL]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        # The triggers belong to articles, not to the FTS table.
        index = [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{event}" for event in ("insert", "delete", "update")]
        index.append(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        index = [f"DROP INDEX IF EXISTS {name}" for name in _TRIGRAM_INDEXES]
    return [f"DROP VIEW IF EXISTS {HISTORY_VIEW}", f"DROP VIEW IF EXISTS {VIEW}"] + index


def create(connection) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
