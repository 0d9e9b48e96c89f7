"""When each article's stored text was fetched (`articles.fetched_at`), so that a write of an
older fetch (a slower crawl of the same issue, `archive reprocess` of a raw page read before a
newer one was stored) leaves the newer text alone instead of overwriting it and recording it
as superseded. Articles stored before this revision have none until their next write.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite too: batch mode would copy the table, and its triggers with it.
    op.add_column("articles", sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place; a view naming the table is left as it is.
        op.execute("ALTER TABLE articles DROP COLUMN fetched_at")
    else:
        op.drop_column("articles", "fetched_at")
