"""The search index holds the captions of an article's pictures too (storage/fulltext.py,
SEARCHED): a picture story has no body, and the place or person a picture shows is often named
only under it, where a search found nothing. The queue keeps the captions an article is indexed
with (on SQLite, what it is taken out of the index by), triggers on ``images`` queue the article
of a picture inserted, deleted or given another caption, and every article is indexed again, on
both databases.

Its downgrade drops those triggers, puts the article triggers and the queue back as 0022 had
them, and indexes every article again without the captions: SQLite's index takes an article
out by the bigrams of the texts the queue keeps.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ADDED = (fulltext.CAPTIONS,)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (fulltext.pending_columns_statements(add=True, added=ADDED)
                      + fulltext.indexed_columns_statements(dialect, fulltext.SEARCHED)
                      + fulltext.caption_trigger_statements(dialect)):
        op.execute(statement)
    _rebuild(fulltext.SEARCHED)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (fulltext.drop_caption_trigger_statements(dialect)
                      + fulltext.indexed_columns_statements(dialect, fulltext.INDEXED)
                      + fulltext.pending_columns_statements(add=False, added=ADDED)):
        op.execute(statement)
    _rebuild(fulltext.INDEXED)


def _rebuild(indexed: tuple[str, ...]) -> None:
    # `archive upgrade` shows the progress.
    fulltext.rebuild(op.get_bind(), progress=rebuild_progress(revision, "picture captions"), indexed=indexed)
