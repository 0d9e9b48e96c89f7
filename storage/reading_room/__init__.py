"""The reading room: the archive as a read-only web site (`archive serve`), built on Datasette.

app.py configures Datasette (metadata.yaml: descriptions, facets, search, canned queries);
plugin.py adds /issue/<paper>/<date>, /article/<id> and /search; export.py makes the SQLite copy
of a PostgreSQL archive that Datasette can open (`archive export --format sqlite`).
"""
