"""Dates the site has no issue for (`absent_issues`).

A date whose entry page the site answered 404 for, or its error page, was recorded nowhere:
`archive stats` listed it as a missing issue for good, and every range or backfill over it
asked it again. Each such answer is now counted, per paper and date; a date answered so on
several runs spanning some days (as a dead link is given up on) has no issue
(`confirmed_since`): stats lists it apart from the missing, and no crawl asks it again but
with refresh=1. Nothing is recorded for the dates asked before this revision: they start
counting at their next 404.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absent_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("confirmed_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paper_id", "issue_date"),
    )


def downgrade() -> None:
    op.drop_table("absent_issues")
