"""Full-text search (SQLite FTS5 trigram + triggers, PostgreSQL pg_trgm GIN) and article_view.

The index made here was replaced by 0003's; its DDL is kept as it was (storage/migrations/
trigram.py), so that the migrations replay the archive's history whatever
storage/fulltext.py says today.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op

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
        # Without pg_trgm in reach the archive goes on without the trigram index: 0003
        # replaces it, and the archive is written to only at the newest revision.
        index = trigram.postgresql_index() if trigram.postgresql_reachable(bind) else []
    # Builds the index over the articles already archived, too.
    for statement in index + fulltext.view_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in fulltext.drop_view_statements() + trigram.drop_index(op.get_bind().dialect.name):
        op.execute(statement)
