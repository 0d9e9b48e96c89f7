"""A run's heartbeat and its dates without an issue: `crawl_runs.seen_at`,
`crawl_runs.dates_without_issue`.

A run that was killed (SIGKILL, out of memory, a power cut) kept `status = 'running'` and every
count at 0 whatever its batches stored: nothing told it from a run still crawling. A run now
writes its counts as each batch commits and `seen_at` then and every ARCHIVE_HEARTBEAT_SECONDS:
a run 'running' whose `seen_at` no longer moves was killed. The runs before this revision get
the last moment known of them, their end (or, for a run that never ended, its start); their
`dates_without_issue`, never counted, stays NULL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode on SQLite (env.py): crawl_runs has no trigger or view that a copy would lose.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("dates_without_issue", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE crawl_runs SET seen_at = COALESCE(finished_at, started_at)")


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("seen_at")
        batch.drop_column("dates_without_issue")
