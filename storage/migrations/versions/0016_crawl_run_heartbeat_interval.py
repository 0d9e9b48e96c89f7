"""A run's heartbeat interval: `crawl_runs.heartbeat_seconds`.

A run 'running' not seen (`seen_at`) for five heartbeats was killed, and `archive stats` told it
at the default heartbeat (60 s): a run crawling with ARCHIVE_HEARTBEAT_SECONDS of 300 or more,
seen only every five minutes or less often, showed as killed between its heartbeats. A run now
writes its own interval when its row is made, and the rule waits five of that run's heartbeats.
The runs before this revision keep NULL, read as the default, 60 s (their heartbeat is not
known).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode on SQLite (env.py): crawl_runs has no trigger or view that a copy would lose.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("heartbeat_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("heartbeat_seconds")
