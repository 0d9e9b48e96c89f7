"""The search index holds the bigrams across a line break between two Han characters too
(storage/fulltext.py, closed_up, GAPS), as 0019 made it hold them across a space: papers break
a line mid-phrase with <br> (促进慈善<br>事业发展), which the cleaner cannot tell from a paragraph
marked with <br> alone, and a search for the phrase (慈善事业发展) asked for a bigram (善事)
that no article held, and found nothing. Beside punctuation or Latin text a line break stays a
break. Queries, the check of candidates and the snippet read text the same way
(storage/search.py). Every article is indexed again, on both databases.

Its downgrade indexes every article again as 0021 did: SQLite's index takes an article out by
its bigrams as the code computes them, which 0021's code computes without these.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
from alembic import op

from storage import fulltext
from storage.migrations import rebuild_progress

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(fulltext.GAPS)


def downgrade() -> None:
    _rebuild(fulltext.GAPS_0019)


def _rebuild(gaps: str) -> None:
    # `archive upgrade` shows the progress. Without the captions (0023).
    fulltext.rebuild(op.get_bind(), progress=rebuild_progress(revision, "bigrams across a line break"), gaps=gaps,
                     indexed=fulltext.INDEXED)
