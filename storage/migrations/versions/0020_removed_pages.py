"""`pages.removed_at`: when the site stopped listing a page the archive holds (it took the page
out of the issue and numbered the later ones one less). The page's row stays, with its articles
and PDF text, under a number of its own below zero, so that the number goes to the page the site
now gives it and the issue's pages are those with `removed_at` NULL. The pages already there are
the issue's until a refresh (`-a refresh=1`) finds them gone; its downgrade drops the column and
the pages it marked removed keep their numbers below zero.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode adds a column with ALTER TABLE on SQLite: pages, which the views read and a
    # trigger watches, is not copied.
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place (batch mode would copy the table).
        op.execute("ALTER TABLE pages DROP COLUMN removed_at")
    else:
        op.drop_column("pages", "removed_at")
