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
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.exc import ArgumentError

from crawler.sample import ISSUE_DATE, PORT, PREFIX
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
        archive = open_archive(args.archive, origin=origin)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        held = _held_port(archive)
    finally:
        archive.close()

    with _serve(args.port, held) as server:
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


def _held_port(archive) -> int | None:
    """The port of 127.0.0.1 the archive holds the sample issue from (an earlier demo's), or None."""
    from storage.models import Issue, Paper

    with archive.session() as session:
        url = session.scalar(select(Issue.url).join(Paper, Paper.id == Issue.paper_id).where(
            Paper.code == "gongyishibao", Issue.issue_date == date.fromisoformat(ISSUE_DATE)))
    parts = urlsplit(url or "")
    return parts.port if parts.hostname == "127.0.0.1" and parts.path.startswith(PREFIX) else None


def _serve(port: int, held: int | None) -> SiteServer:
    """The sample site on ``port``, or on a free port when that one is taken: the demo still runs,
    and the line printed tells how to serve the root its archive holds (``held``'s, the port an
    earlier run crawled from, whose issue this run's crawl skips as complete; else the new one)."""
    try:
        return SiteServer(SITE, prefix=PREFIX, port=port)
    except OSError as exc:
        server = SiteServer(SITE, prefix=PREFIX)
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        holds = f"; this archive holds its issue from 127.0.0.1:{held}:" if held else ";"
        print(f"demo: cannot listen on 127.0.0.1:{port} ({reason}): serving the sample on "
              f"127.0.0.1:{server.port} instead{holds} to crawl it by hand into this archive later, serve it "
              f"there: python -m crawler.sample.server --port {held or server.port}", file=sys.stderr, flush=True)
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
    from storage.cli import until_the_reader_leaves

    sys.exit(until_the_reader_leaves(main))
