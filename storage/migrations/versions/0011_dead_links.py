"""Links the site answers 404 or 410 for (`dead_links`), and `crawl_runs.links_gone`.

A page or article link of an issue that the site answered 404 for left its page incomplete,
so every later run fetched it again and ended with status 4, for good: a scheduled crawl
mailed its keeper every day about a link the site itself had broken. Each such answer is now
counted, per link; one answered so on several runs spanning some days is gone (`gone_since`),
counts as archived, and is asked again only when the user asks. Nothing is recorded for the
links that failed before this revision: they start counting at their next 404.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("gone_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    op.create_index(op.f("ix_dead_links_issue_id"), "dead_links", ["issue_id"], unique=False)
    # Batch mode on SQLite (env.py): crawl_runs has no trigger or view that a copy would lose.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("links_gone", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("links_gone")
    op.drop_index(op.f("ix_dead_links_issue_id"), table_name="dead_links")
    op.drop_table("dead_links")
