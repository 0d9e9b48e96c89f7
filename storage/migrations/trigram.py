"""The trigram search index of revision 0002, frozen as that migration made it: 0002 creates
it, 0003 replaces it (and its downgrade brings it back).
"""

FTS_TABLE = "articles_fts"
INDEXED = ("title", "subtitle", "body")
TRIGRAM_INDEXES = tuple(f"ix_articles_{column}_trgm" for column in INDEXED)


def sqlite_index() -> list[str]:
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
        f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON articles WHEN {changed} "
        f"BEGIN {remove} {add} END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]


def postgresql_index() -> list[str]:
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
        f"CREATE INDEX {name} ON articles USING gin ({column} gin_trgm_ops)"
        for name, column in zip(TRIGRAM_INDEXES, INDEXED)
    ]


def drop_index(dialect: str) -> list[str]:
    if dialect == "sqlite":
        # The triggers belong to articles, not to the FTS table.
        statements = [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{event}" for event in ("insert", "delete", "update")]
        return statements + [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
    return [f"DROP INDEX IF EXISTS {name}" for name in TRIGRAM_INDEXES]
