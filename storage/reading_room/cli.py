"""`archive serve`: the reading room's subcommand, added to the `archive` command's parser."""
from __future__ import annotations

import argparse


def add_serve_command(subcommands) -> argparse.ArgumentParser:
    serve = subcommands.add_parser(
        "serve",
        help="browse, search and read the archive in a web browser (read-only)",
        description="Serve a SQLite archive read-only on http://127.0.0.1:PORT/ with Datasette: "
        "tables, SQL, facets, /search, /issue/<paper>/<YYYY-MM-DD> and /article/<id>. "
        "For a PostgreSQL archive, `archive export --format sqlite` first.",
    )
    serve.add_argument("--port", type=int, default=8001, help="port to listen on (0: any free port; default 8001)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.set_defaults(handler=run_serve)
    return serve


def run_serve(args: argparse.Namespace, archive_url: str | None) -> int:
    from storage.reading_room.app import serve

    try:
        serve(archive_url, host=args.host, port=args.port, announce=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        pass
    return 0
