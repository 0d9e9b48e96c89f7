"""The search index holds pairs of letters and digits only (storage/fulltext.py): queries ask
for nothing else, and the pairs holding punctuation or a space were a quarter of the index.
On PostgreSQL its lexemes are stored out of line but uncompressed: pglz took an eighth of the
server's time in writing them, for little (two-character lexemes barely compress).

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
    _rebuild(fulltext.search_terms, "EXTERNAL")


def downgrade() -> None:
    _rebuild(fulltext.all_pairs, "EXTENDED")


def _rebuild(terms, storage: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"{_TERMS} {storage}")
    # Every article again (`archive upgrade` shows the progress).
    fulltext.rebuild(bind, progress=op.get_context().config.attributes.get("progress"), terms=terms)
