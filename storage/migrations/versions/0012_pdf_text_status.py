"""What a page's PDF text is: `pages.pdf_text_status`, `pages.pdf_text_original`, and
`crawl_runs.pdfs_without_text`.

A page PDF that was a scan (pictures only), blank, locked with a password or unreadable was
stored with an empty text, as was one the site answered 404 for: nothing told them apart, nor
from a text page. `pdf_text_status` says which. A paper printed in Traditional script now
has its PDF's text in Simplified, as its articles, the text as the PDF has it kept in
`pdf_text_original`. The pages stored before keep an unknown status (NULL) and original
until their PDF is read again (`archive reprocess`), but for a text already read: `text`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PAGE_COLUMNS = {"pdf_text_original": sa.Text(), "pdf_text_status": sa.String(length=16)}


def upgrade() -> None:
    # Plain ADD COLUMNs on pages (batch mode would copy the table, which the views read).
    for name, type_ in _PAGE_COLUMNS.items():
        op.add_column("pages", sa.Column(name, type_, nullable=True))
    op.execute("UPDATE pages SET pdf_text_status = 'text' WHERE pdf_text <> ''")
    # Batch mode on SQLite (env.py): crawl_runs has no trigger or view that a copy would lose.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("pdfs_without_text", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("pdfs_without_text")
    for name in _PAGE_COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite (3.35+) drops a column in place (batch mode would copy the table).
            op.execute(f"ALTER TABLE pages DROP COLUMN {name}")
        else:
            op.drop_column("pages", name)
