"""Triggers that queue what the search index must see again, beyond changed text and sections:
an article given another id (both databases: it was indexed under its old one only), and, on
PostgreSQL, whose lexemes name each article's paper and year, the articles of an issue given
another date or paper and of a page moved to another issue. Storage never makes these changes;
plain SQL may. Nothing is indexed again: an archive edited so before this revision is brought
up to date by `fulltext.rebuild` (docs/archive.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op

from storage import fulltext

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in fulltext.renumbered_and_redated_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in fulltext.drop_renumbered_and_redated_statements(op.get_bind().dialect.name):
        op.execute(statement)
