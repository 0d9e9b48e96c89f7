"""Helpers for migrations on SQLite, which alters a table by copying it (Alembic batch mode).

Copying ``articles`` drops its triggers (the FTS index would fall out of sync), and SQLite
refuses to rename the copy into place while a view names the table. Wrap batch operations in
:func:`keeping_views_and_triggers`::

    with keeping_views_and_triggers(), op.batch_alter_table("articles", recreate="always") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
"""
from __future__ import annotations

from contextlib import contextmanager

from alembic import op


@contextmanager
def keeping_views_and_triggers():
    """Drop every view and trigger, and create them again as they were once the block is done."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    saved = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type = 'trigger', rowid"
    ).all()
    for kind, name, _ in reversed(saved):
        bind.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    yield
    for _, _, sql in saved:
        bind.exec_driver_sql(sql)
