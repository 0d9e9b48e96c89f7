"""Search index of bigrams (storage/fulltext.py) instead of trigrams: two-character queries
are served by the index, and writing costs a fraction of the trigram index's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress
from storage.migrations import trigram

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for statement in trigram.drop_index(bind.dialect.name) + fulltext.index_statements(bind.dialect.name):
        op.execute(statement)
    # Indexes the articles already archived (`archive upgrade` shows the progress), with the
    # lexemes 0003 made (0004 makes PostgreSQL's anew) and its bigrams, none across a space
    # (0019 adds them), of its columns (0021 adds the 引题 and byline).
    fulltext.flush(bind, progress=rebuild_progress(revision, "search index of bigrams"), compact=False,
                   gaps=fulltext.GAPS_0003, indexed=fulltext.INDEXED_0003)


def downgrade() -> None:
    bind = op.get_bind()
    statements = fulltext.drop_index_statements(bind.dialect.name)
    if bind.dialect.name == "sqlite":
        statements += trigram.sqlite_index()
    elif trigram.postgresql_reachable(bind):
        # As 0002 made it: an archive out of pg_trgm's reach had no trigram index to go back to.
        statements += trigram.postgresql_index()
    for statement in statements:
        op.execute(statement)
