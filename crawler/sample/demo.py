"""Offline demo: serve the bundled sample e-paper on 127.0.0.1, crawl it, query the archive.

    python -m crawler.sample.demo [--archive sqlite:///archive.sqlite3]

Runs the real command a user runs (`scrapy crawl issues -a date=2023-01-31 -a base_url=...`)
against the local copy of the 2023-01-31 issue of 公益时报, then prints an SQL query's result.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import ArgumentError

from crawler.sample.server import SiteServer

SITE = Path(__file__).parent / "site"
PROJECT = Path(__file__).resolve().parents[2]
QUERY = """
SELECT i.issue_date, p.page_number, p.section, a.title, length(a.body) AS chars
FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id
ORDER BY i.issue_date, p.page_number, a.id
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=os.environ.get("ARCHIVE_URL", "sqlite:///archive.sqlite3"))
    args = parser.parse_args(argv)
    try:
        args.archive = _absolute_sqlite(args.archive)
    except ArgumentError:
        parser.error(f"invalid --archive {args.archive!r}: expected a SQLAlchemy URL such as sqlite:///archive.sqlite3")

    with SiteServer(SITE, prefix="/newdzb/") as server:
        base_url = server.url + "newdzb/"
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

    from storage.db import ArchiveError, open_archive

    try:
        archive = open_archive(args.archive, create=False)
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


def _absolute_sqlite(url: str) -> str:
    """The crawl runs in the project folder: a relative SQLite path must mean the user's folder."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return parsed.set(database=str(Path(parsed.database).resolve())).render_as_string(hide_password=False)
    return url


if __name__ == "__main__":
    sys.exit(main())
