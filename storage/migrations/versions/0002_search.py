"""Full-text search (SQLite FTS5 trigram + triggers, PostgreSQL pg_trgm GIN) and article_view.

The index made here was replaced by 0003's; its DDL is kept as it was (storage/migrations/
trigram.py), so that the migrations replay the archive's history whatever
storage/fulltext.py says today.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
from sqlalchemy.exc import DBAPIError

from storage import fulltext
from storage.migrations import trigram

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        index = trigram.sqlite_index()
    else:
        index = trigram.postgresql_index() if _pg_trgm(bind) else []
    # Builds the index over the articles already archived, too.
    for statement in index + fulltext.view_statements(dialect):
        op.execute(statement)


def _pg_trgm(bind) -> bool:
    """Whether the pg_trgm extension is (or could be made) there, within the archive's reach.
    A role without CREATE on the database, or a server without the extension, goes on without
    the trigram index: 0003 replaces it, and the archive is written to only at the newest
    revision."""
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


def downgrade() -> None:
    for statement in fulltext.drop_view_statements() + trigram.drop_index(op.get_bind().dialect.name):
        op.execute(statement)
