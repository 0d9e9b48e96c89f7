"""What kind of run a crawl_runs row is: `crawl_runs.kind`, 'crawl' or 'reprocess'.

`archive reprocess` records its runs in crawl_runs; without a column to say so, its rows were
told apart by their text, `dates_asked` beginning with the word 'reprocess', and the crawls alone
were `dates_asked NOT LIKE 'reprocess%'`. The kind is a column now, and `dates_asked` holds only
what the run was asked (a reprocess's dates and section). The rows before this revision are
crawls, but for those the reprocess of the revision before wrote: 'reprocess', the word taken
out of their `dates_asked`; the downgrade puts it back.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# What 0016's reprocess wrote: 'reprocess', or 'reprocess ' and its filters. Compared exactly,
# not with LIKE, which SQLite reads without case and '_' as any character.
_PREFIXED = "(dates_asked = 'reprocess' OR substr(dates_asked, 1, 10) = 'reprocess ')"


def upgrade() -> None:
    # Batch mode on SQLite (env.py): crawl_runs has no trigger or view that a copy would lose.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="crawl"))
    op.execute(f"UPDATE crawl_runs SET kind = 'reprocess', dates_asked = substr(dates_asked, 11) WHERE {_PREFIXED}")


def downgrade() -> None:
    op.execute("UPDATE crawl_runs SET dates_asked = CASE WHEN dates_asked = '' THEN 'reprocess' "
               "ELSE 'reprocess ' || dates_asked END WHERE kind = 'reprocess'")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("kind")
