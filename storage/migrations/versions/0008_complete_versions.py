"""Versions keep everything an article shows: `article_versions` gains `source`,
`title_original`, `original_script` and the pictures (`images`, a JSON array of url, caption
and caption_original), so that a correction of only a caption or a source line is kept too
(`article_history` shows them); versions kept before this revision have NULL there. Pages keep
when they were fetched (`pages.fetched_at`), so that a write of an older fetch leaves a page's
section and label alone as 0007 made it for articles. And `crawl_runs.articles_changed` counts
the articles a run found changed, apart from those it stored again unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from storage import fulltext

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_VERSION_COLUMNS = {
    "source": sa.Text(),
    "title_original": sa.Text(),
    "original_script": sa.String(length=16),
    "images": sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMNs on SQLite too: batch mode would copy the tables, and their triggers.
    op.execute(f"DROP VIEW {fulltext.HISTORY_VIEW}")
    for name, type_ in _VERSION_COLUMNS.items():
        op.add_column("article_versions", sa.Column(name, type_, nullable=True))
    op.add_column("pages", sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("crawl_runs", sa.Column("articles_changed", sa.Integer(), nullable=True))
    op.execute(fulltext.history_sql(dialect, fulltext.VERSIONED_0008))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"DROP VIEW {fulltext.HISTORY_VIEW}")
    dropped = [("crawl_runs", "articles_changed"), ("pages", "fetched_at")]
    dropped += [("article_versions", name) for name in _VERSION_COLUMNS]
    for table, column in dropped:
        if dialect == "sqlite":
            # SQLite (3.35+) drops a column in place (batch mode would copy the table).
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
    op.execute(fulltext.history_sql(dialect, fulltext.VERSIONED_0002, images=False))
