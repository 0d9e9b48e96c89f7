"""Each page's article links, in the page's order (`page_articles`): an article that two
pages link (a front page listing an article of page 8) is stored once, and the page it was
not fetched from was never complete, so every later run fetched that page and its issue's
entry page again. The links of pages stored before this revision are their stored articles,
in the order they were stored; `archive reprocess` reads each page's own list again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "position"),
    )
    op.create_index(op.f("ix_page_articles_url"), "page_articles", ["url"], unique=False)
    op.execute(
        "INSERT INTO page_articles (page_id, position, url)"
        " SELECT page_id, row_number() OVER (PARTITION BY page_id ORDER BY id) - 1, url FROM articles"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_page_articles_url"), table_name="page_articles")
    op.drop_table("page_articles")
