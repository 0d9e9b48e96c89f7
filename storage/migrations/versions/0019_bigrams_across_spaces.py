"""The search index holds the bigrams across a space between two Han characters too
(storage/fulltext.py, closed_up): the pipelines keep a space a paper prints there (五社联动 暖心),
and a search for the words without it (五社联动暖心), copied from a PDF or a page that sets none,
asked for a bigram (动暖) that no article held, and found nothing. Queries are read the same
way (storage/search.py). Every article is indexed again, on both databases.

Its downgrade indexes every article again as 0018 did: SQLite's index takes an article out by
its bigrams as the code computes them, which 0018's code computes without these.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(fulltext.GAPS_0019)


def downgrade() -> None:
    _rebuild(fulltext.GAPS_0003)


def _rebuild(gaps: str) -> None:
    # `archive upgrade` shows the progress. Without the 引题 and byline (0021), nor across a
    # line break (0022).
    fulltext.rebuild(op.get_bind(), progress=rebuild_progress(revision, "bigrams across a space"),
                     gaps=gaps, indexed=fulltext.INDEXED_0003)
