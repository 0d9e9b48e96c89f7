"""Alembic environment of the archive: run by ``archive upgrade`` and by Archive on a new archive.

The connection comes from storage.migrate (config.attributes["connection"]); run from the
command line (``alembic -c storage/migrations/alembic.ini ...``), the archive is $ARCHIVE_URL.
"""
from alembic import context

from storage import fulltext
from storage.db import archive_url, make_engine
from storage.models import Base


def include_name(name, type_, parent_names) -> bool:
    # The search index and the view are made by migrations, not described by the models.
    return name not in fulltext.NAMES


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=include_name,
        # SQLite alters a table by copying it: see docs/archive.md, "Schema versions".
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with make_engine(archive_url(context.config.get_main_option("sqlalchemy.url"))).connect() as conn:
        run(conn)
