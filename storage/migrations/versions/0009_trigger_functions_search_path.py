"""PostgreSQL's trigger functions find the archive's tables in the archive's schema, whatever
the search_path of the session that writes: an archive in a schema of its own (reached through
its roles' search_path) refused an admin's plain SQL from psql, whose search_path lacks that
schema ('relation "article_search_pending" does not exist'). Nothing is indexed again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op

from storage import fulltext

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in fulltext.pinned_search_path_statements():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in fulltext.unpinned_search_path_statements():
            op.execute(statement)
