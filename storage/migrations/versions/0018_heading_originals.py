"""The 引题, 副题, author line and source line as published: `articles.pretitle_original`,
`subtitle_original`, `byline_original` and `source_original`, beside the Simplified `pretitle`,
`subtitle`, `byline` and `source`, as `title_original` is beside `title`; `article_versions`
keeps them too, so that a correction of only one of them is a version. `article_view` shows
them, after the published title (`title_original`) and before the page's section as published
(`pages.section_original`, all of its label that conversion changes), and `article_history`
too, both at their end.

The articles already there have them empty until `archive reprocess` reads their raw pages
again; the versions already there have NULL (they did not record them).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from storage import fulltext

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # PostgreSQL adds columns at a view's end in place (CREATE OR REPLACE), keeping what was
    # granted on it (a reader role's SELECT); SQLite makes its views again.
    if dialect == "sqlite":
        op.execute(f"DROP VIEW {fulltext.HISTORY_VIEW}")
        op.execute(f"DROP VIEW {fulltext.VIEW}")
    # Plain ADD COLUMNs on SQLite too: batch mode would copy the tables, and their triggers.
    for name in fulltext.ORIGINALS:
        op.add_column("articles", sa.Column(name, sa.Text(), nullable=False, server_default=""))
        op.add_column("article_versions", sa.Column(name, sa.Text(), nullable=True))
    create = "CREATE OR REPLACE VIEW" if dialect == "postgresql" else "CREATE VIEW"
    for statement in (fulltext.view_sql(dialect), fulltext.history_sql(dialect)):
        op.execute(statement.replace("CREATE VIEW", create, 1))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    # A view loses no column in place, on either database: dropped, then made as 0017 had it.
    op.execute(f"DROP VIEW {fulltext.HISTORY_VIEW}")
    op.execute(f"DROP VIEW {fulltext.VIEW}")
    for table in ("article_versions", "articles"):
        for name in fulltext.ORIGINALS:
            if dialect == "sqlite":
                # SQLite (3.35+) drops a column in place (batch mode would copy the table).
                op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
            else:
                op.drop_column(table, name)
    op.execute(fulltext.view_sql(dialect, originals=False))
    op.execute(fulltext.history_sql(dialect, fulltext.VERSIONED_0008))
