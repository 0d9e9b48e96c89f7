"""Offline demo: serve the bundled sample e-paper on 127.0.0.1, crawl it, query the archive.

    python -m crawler.sample.demo [--archive sqlite:///archive.sqlite3] [--port 8000]

Runs the real command a user runs (`scrapy crawl issues -a date=2023-01-31 -a base_url=...`)
against the local copy of the 2023-01-31 issue of 公益时报, then prints an SQL query's result.
The site is served on `python -m crawler.sample.server`'s port, so that a crawl by hand of that
server goes on in the same archive; when the port is taken it is served on a free one, and one
line on stderr names the server command that serves that root again.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import ArgumentError

from crawler.sample import PORT, PREFIX
from crawler.sample.server import SiteServer

SITE = Path(__file__).parent / "site"
PROJECT = Path(__file__).resolve().parents[2]
QUERY = """
SELECT i.issue_date, p.page_number, p.section, a.title, length(a.body) AS chars
FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id
ORDER BY i.issue_date, p.page_number, a.id
"""


def main(argv: list[str] | None = None) -> int:
    from storage.cli import OneLineParser, archive_url_option, number_between

    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=archive_url_option, help="SQLAlchemy URL of the archive (default: $ARCHIVE_URL, else sqlite:///archive.sqlite3)")
    parser.add_argument("--port", type=number_between(0, 65535), default=PORT,
                        help=f"port on 127.0.0.1 to serve the sample on (default {PORT}, the sample server's)")
    args = parser.parse_args(argv)
    from storage.db import ArchiveError, archive_origin, archive_url, open_archive

    # Where the archive comes from, for the lines on it: the crawl is handed it through
    # ARCHIVE_URL, so its own lines would name $ARCHIVE_URL for a --archive the user typed.
    origin = archive_origin(args.archive, "--archive")
    try:
        args.archive = _absolute_sqlite(archive_url(args.archive))
    except ArgumentError:
        parser.error(f"invalid --archive {args.archive!r}: expected a SQLAlchemy URL such as sqlite:///archive.sqlite3")
    try:  # made (or checked) before the site is served: an archive it cannot use is one line
        open_archive(args.archive, origin=origin).close()
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    with _serve(args.port) as server:
        base_url = server.url + PREFIX.lstrip("/")
        command = [
            sys.executable, "-m", "scrapy", "crawl", "issues",
            "-a", "date=2023-01-31", "-a", f"base_url={base_url}",
            # A local server needs no politeness delays.
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
        ]
        print("$", " ".join(command[2:]), flush=True)
        env = os.environ | {"ARCHIVE_URL": args.archive}
        done = subprocess.run(command, cwd=PROJECT, env=env)
        if done.returncode:
            return done.returncode

    try:
        archive = open_archive(args.archive, create=False, origin=origin)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\n{args.archive}:{QUERY}")
    with archive.engine.connect() as conn:
        rows = conn.execute(text(QUERY)).all()
    for row in rows:
        print(" | ".join(str(v) for v in row))
    print(f"({len(rows)} articles)")
    archive.close()
    return 0


def _serve(port: int) -> SiteServer:
    """The sample site on ``port``, or on a free port when that one is taken: the demo still runs,
    and the line printed tells how to serve the root its archive now holds."""
    try:
        return SiteServer(SITE, prefix=PREFIX, port=port)
    except OSError as exc:
        server = SiteServer(SITE, prefix=PREFIX)
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        print(f"demo: cannot listen on 127.0.0.1:{port} ({reason}): serving the sample on "
              f"127.0.0.1:{server.port} instead; to crawl it by hand into this archive later, serve it "
              f"there: python -m crawler.sample.server --port {server.port}", file=sys.stderr, flush=True)
        return server


def _absolute_sqlite(url: str) -> str:
    """The crawl runs in the project folder: a relative SQLite path must mean the user's folder."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    # A URL with a host (sqlite://tmp/a.sqlite3) is left as typed, for the line that refuses it.
    if parsed.get_backend_name() == "sqlite" and not parsed.host and parsed.database and parsed.database != ":memory:":
        return parsed.set(database=str(Path(parsed.database).resolve())).render_as_string(hide_password=False)
    return url


if __name__ == "__main__":
    sys.exit(main())
