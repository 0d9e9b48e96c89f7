"""PostgreSQL's search index holds pairs of letters and digits only (queries ask for nothing
else, and GIN's cost goes by the entry: the pairs holding punctuation or a space were a
quarter of them), and each article's block of ids, so that a search asks for recent articles
first without visiting every match, and its paper and year, so that a filtered search asks
for those articles only (storage/fulltext.py, pg_lexemes). Its lexemes are stored
out of line but uncompressed: pglz took an eighth of the server's time in writing them, for
little (two-character lexemes barely compress). SQLite's index is unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(True, "EXTERNAL")


def downgrade() -> None:
    _rebuild(False, "EXTENDED")


def _rebuild(compact: bool, storage: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {fulltext.SEARCH_TABLE} ALTER COLUMN terms SET STORAGE {storage}")
    # Every article again (`archive upgrade` shows the progress), none across a space (0019),
    # without its 引题 and byline (0021).
    fulltext.rebuild(bind, progress=rebuild_progress(revision, "PostgreSQL's pairs, blocks, papers, years"),
                     compact=compact, gaps=fulltext.GAPS_0003, indexed=fulltext.INDEXED_0003)
