"""Full-text search (SQLite FTS5 trigram + triggers, PostgreSQL pg_trgm GIN) and article_view.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op

from storage import fulltext

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Builds the index over the articles already archived, too.
    for statement in fulltext.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in fulltext.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
