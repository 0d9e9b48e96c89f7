"""Why the site did not serve a dead link: `dead_links.reason`.

`dead_links.status` is 200 for the site's error page, for a file cut short and for another
issue's file served in its place: only the crawl's log told them apart. `reason` says which
('not_found', 'error_page', 'other_issue', 'other_file', 'truncated'). The rows written
before this revision keep an unknown reason (NULL) until their link's next answer.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (batch mode would copy the table for nothing).
    op.add_column("dead_links", sa.Column("reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place (batch mode would copy the table).
        op.execute("ALTER TABLE dead_links DROP COLUMN reason")
    else:
        op.drop_column("dead_links", "reason")
