"""The trigram search index of revision 0002, frozen as that migration made it: 0002 creates
it, 0003 replaces it (and its downgrade brings it back), both only where pg_trgm is within
the archive's reach (postgresql_reachable).
"""
from sqlalchemy.exc import DBAPIError

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


def postgresql_reachable(bind) -> bool:
    """Whether the pg_trgm extension is (or could be made) there, within the archive's reach.
    A role without CREATE on the database, or a server without the extension, has no trigram
    index: 0002 goes on without it, and 0003's downgrade does not bring it back."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError:
        return False
    # Made before in a schema the archive's search_path lacks (public, for an archive in a
    # schema of its own), the extension is there but its operator class is out of reach.
    return bool(bind.exec_driver_sql(
        "SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' AND pg_opclass_is_visible(oid)"
    ).scalar())


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
