"""The search index holds an article's 引题 and byline too (storage/fulltext.py, INDEXED): a
word printed only in the 引题, or a reporter's name, found nothing, though the ranking already
weighed a 引题 hit. The queue keeps their texts (on SQLite, what an article is taken out of the
index by), its triggers queue an article whose 引题 or byline changed, and every article is
indexed again, on both databases.

Its downgrade puts the triggers and queue back as 0020 had them and indexes every article again
without the two: SQLite's index takes an article out by the bigrams of the texts the queue keeps.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in fulltext.pending_columns_statements(add=True) + fulltext.indexed_columns_statements(dialect, fulltext.INDEXED):
        op.execute(statement)
    _rebuild(fulltext.INDEXED)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in fulltext.indexed_columns_statements(dialect, fulltext.INDEXED_0003) + fulltext.pending_columns_statements(add=False):
        op.execute(statement)
    _rebuild(fulltext.INDEXED_0003)


def _rebuild(indexed: tuple[str, ...]) -> None:
    # `archive upgrade` shows the progress. Not across a line break (0022).
    fulltext.rebuild(op.get_bind(), progress=rebuild_progress(revision, "the 引题 and byline"),
                     gaps=fulltext.GAPS_0019, indexed=indexed)
