"""PostgreSQL's search index names each article's section too (storage/fulltext.py,
pg_lexemes), so that a search narrowed to a section asks the index for that section's
articles only, as it does for a paper or years. A section belongs to the page, and a re-crawl
or `archive reprocess` can rename it: triggers queue the articles of a page whose section
changed, and an article moved to another page, to be indexed again. Every article is indexed
again. SQLite's index is unchanged (its filtered searches walk the index newest first).

Downgrade leaves the section lexemes in place: 0004's searches never ask for them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in fulltext.section_trigger_statements():
        op.execute(statement)
    # `archive upgrade` shows the progress. No bigram across a space yet (0019), nor of the 引题
    # and byline (0021).
    fulltext.rebuild(bind, progress=rebuild_progress(revision, "PostgreSQL's index of sections"), gaps=fulltext.GAPS_0003,
                     indexed=fulltext.INDEXED_0003)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in fulltext.drop_section_trigger_statements():
        op.execute(statement)
