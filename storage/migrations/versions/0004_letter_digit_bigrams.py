"""The search index holds pairs of letters and digits only (storage/fulltext.py): queries ask
for nothing else, and the pairs holding punctuation or a space were a quarter of the index.
On PostgreSQL each article's lexemes name its block of ids as well (fulltext.block_term), so
that a search asks for recent articles first without visiting every match; and they are
stored out of line but uncompressed: pglz took an eighth of the server's time in writing
them, for little (two-character lexemes barely compress).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op

from storage import fulltext

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TERMS = f"ALTER TABLE {fulltext.SEARCH_TABLE} ALTER COLUMN terms SET STORAGE"


def upgrade() -> None:
    _rebuild(fulltext.search_terms, True, "EXTERNAL")


def downgrade() -> None:
    _rebuild(fulltext.all_pairs, False, "EXTENDED")


def _rebuild(terms, blocks: bool, storage: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"{_TERMS} {storage}")
    # Every article again (`archive upgrade` shows the progress).
    fulltext.rebuild(bind, progress=op.get_context().config.attributes.get("progress"), terms=terms, blocks=blocks)
