"""What the archive's migrations (versions/) share."""
from __future__ import annotations

from collections.abc import Callable


def rebuild_progress(revision: str, what: str) -> Callable[[int, int], None] | None:
    """The progress of migration ``revision``'s pass over every article (a search index
    rebuilt), told to whoever upgrades (storage.migrate.upgrade's ``progress``), named by the
    revision and ``what`` it does: an upgrade across several such migrations showed lines alike."""
    from alembic import op

    progress = op.get_context().config.attributes.get("progress")
    return progress(f"revision {revision} ({what})") if progress else None
