"""``archive``: search, query, count, export, re-process and upgrade the archive from a shell.

Every subcommand is one :func:`command` registration: a function taking the parsed arguments
and returning an exit status, and a function adding its arguments to its parser. Problems the
user can fix (no archive, database unreachable, a write through ``archive sql``) are one line
on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storage.db import Archive, ArchiveError, open_archive

EXIT_ERROR = 2


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None):
    """Register ``run(args) -> exit status`` as the subcommand ``name``."""
    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, run, configure)
        return run
    return register


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def add_filters(parser: argparse.ArgumentParser, section: bool = True) -> None:
    parser.add_argument("--paper", help="paper code, e.g. gongyishibao")
    parser.add_argument("--since", type=iso_date, help="first issue date, YYYY-MM-DD")
    parser.add_argument("--until", type=iso_date, help="last issue date, YYYY-MM-DD")
    if section:
        parser.add_argument("--section", help="section (版名), whole, as printed or in Simplified, e.g. 社会工作")


def reading(args: argparse.Namespace) -> Archive:
    return open_archive(args.archive, create=False)


def progress_line(label: str) -> Callable[[int, int], None]:
    """Progress on stderr, redrawn in place on a terminal, every 1% otherwise."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        step = max(1, total // 100)
        if done == total or done % step == 0:
            end = "\r" if tty and done < total else "\n"
            print(f"{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


# --- search ------------------------------------------------------------------------------

def _search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="words to find (all of them), e.g. 社工 or 深化改革")
    add_filters(parser)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--offset", type=int, default=0)


@command("search", "ranked full-text search with snippets", _search_arguments)
def run_search(args: argparse.Namespace) -> int:
    from storage.search import ranked_among, search

    archive = reading(args)
    archive.check_writable()  # the search index needs the current schema
    try:
        hits = search(archive, args.query, paper=args.paper, since=args.since, until=args.until,
                      section=args.section, limit=args.limit, offset=args.offset)
    finally:
        archive.close()
    for hit in hits:
        print(f"{hit.issue_date} {hit.paper_code} 第{hit.page_number:02d}版 {hit.section}  {hit.title}  [#{hit.article_id}]")
        print(f"    {hit.snippet}")
    if not hits:
        print("no articles found", file=sys.stderr)
    elif hits[0].pool_full:
        print(f"more articles hold these words than are ranked: these are the best of the "
              f"{ranked_among(args.offset, args.limit)}; narrow the search "
              "(--paper, --section, --since, --until) to reach the others", file=sys.stderr)
    return 0


# --- sql ---------------------------------------------------------------------------------

def _sql_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="one SELECT statement; see docs/queries.md")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")


def _read_only(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
    else:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


@command("sql", "run a read-only SQL query, printed as a table, CSV or JSON", _sql_arguments)
def run_sql(args: argparse.Namespace) -> int:
    archive = reading(args)
    try:
        with archive.engine.connect() as conn:
            _read_only(conn)
            try:
                result = conn.exec_driver_sql(args.query)
                columns = list(result.keys()) if result.returns_rows else []
                rows = result.all() if result.returns_rows else []
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                if "readonly" in reason or "read-only" in reason or "query_only" in reason:
                    raise ArchiveError(f"archive sql is read-only: {reason}") from None
                raise ArchiveError(f"SQL error: {reason}") from None
            finally:
                conn.rollback()
    finally:
        archive.close()
    write_rows(columns, rows, args.format, sys.stdout)
    return 0


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, out) -> None:
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        json.dump([dict(zip(columns, row)) for row in rows], out, ensure_ascii=False, indent=1, default=str)
        out.write("\n")
    else:
        print_table(columns, [["" if v is None else str(v) for v in row] for row in rows], out)


def _width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def print_table(columns: Sequence[str], rows: list[list[str]], out) -> None:
    rows = [[cell.replace("\n", "⏎") for cell in row] for row in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in rows]) for i, c in enumerate(columns)]

    def line(cells):
        return " | ".join(cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths)).rstrip()

    print(line(columns), file=out)
    print("-+-".join("-" * w for w in widths), file=out)
    for row in rows:
        print(line(row), file=out)
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=out)


# --- stats -------------------------------------------------------------------------------

def _stats_arguments(parser: argparse.ArgumentParser) -> None:
    add_filters(parser, section=False)
    parser.add_argument("--runs", type=int, default=10, help="how many recent crawl runs to list")


@command("stats", "counts per paper and year, missing issues, crawl history", _stats_arguments)
def run_stats(args: argparse.Namespace) -> int:
    from storage.stats import archive_stats

    archive = reading(args)
    try:
        stats = archive_stats(archive, paper=args.paper, since=args.since, until=args.until, runs=args.runs)
    finally:
        archive.close()
    out = sys.stdout
    print("Articles per paper and year", file=out)
    print_table(["paper", "year", "issues", "pages", "articles"], [list(map(str, r)) for r in stats.counts], out)
    for gap in stats.gaps:
        print(f"\nMissing issues of {gap.paper} ({gap.schedule}) from {gap.start} to {gap.end}: "
              f"{len(gap.missing)} of {gap.scheduled} scheduled", file=out)
        for day in gap.missing:
            print(f"  {day.isoformat()} {day.strftime('%a')}", file=out)
    print("\nRecent crawl runs", file=out)
    print_table(["id", "paper", "dates", "started", "finished", "status", "pages new/upd/failed",
                 "articles new/upd/failed"], [list(map(str, r)) for r in stats.runs], out)
    return 0


# --- export ------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "article_id", "paper_code", "paper_name", "issue_date", "page_number", "page_label", "section", "url",
    "pretitle", "title", "subtitle", "byline", "source", "body", "body_original", "original_script",
)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("jsonl", "csv", "sqlite"), default="jsonl",
                        help="sqlite: a complete copy of the archive, search index included, for `archive serve`")
    parser.add_argument("--output", "-o", help="file to write (default: standard output; required for sqlite)")
    add_filters(parser)


@command("export", "stream articles out as JSON lines or CSV, or copy the archive into SQLite", _export_arguments)
def run_export(args: argparse.Namespace) -> int:
    from storage.export import export_rows

    if args.format == "sqlite":
        return run_export_sqlite(args)
    archive = reading(args)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        rows = export_rows(archive, EXPORT_COLUMNS, paper=args.paper, since=args.since, until=args.until,
                           section=args.section)
        if args.format == "csv":
            writer = csv.writer(out)
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(rows)
        else:
            for row in rows:
                out.write(json.dumps(dict(zip(EXPORT_COLUMNS, row)), ensure_ascii=False, default=str) + "\n")
    finally:
        archive.close()
        if args.output:
            out.close()
    return 0


# --- reprocess ---------------------------------------------------------------------------

def _reprocess_arguments(parser: argparse.ArgumentParser) -> None:
    add_filters(parser, section=False)


@command("reprocess", "re-run the pipelines over the stored raw pages (no network)", _reprocess_arguments)
def run_reprocess(args: argparse.Namespace) -> int:
    from storage.reprocess import reprocess

    archive = open_archive(args.archive, create=False, write=True)
    archive.check_writable()
    try:
        outcome = reprocess(
            archive, paper=args.paper, since=args.since, until=args.until,
            progress=progress_line("reprocessed"),
            error=lambda message: print(f"error: {message}", file=sys.stderr),
        )
    finally:
        archive.close()
    print(f"{outcome.done} documents reprocessed, {outcome.failed} failed", file=sys.stderr)
    return 1 if outcome.failed else 0


# --- upgrade -----------------------------------------------------------------------------

@command("upgrade", "bring the archive's schema up to this version of the code (migrations)")
def run_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    before, after = upgrade(args.archive, progress=progress_line("articles indexed for search"))
    print(f"archive schema: {before} -> {after}" if before != after else f"archive schema is current ({after})")
    return 0


def run_export_sqlite(args: argparse.Namespace) -> int:
    from storage.reading_room.export import export_sqlite

    if not args.output:
        raise ArchiveError("export --format sqlite needs --output FILE")
    if any(getattr(args, name) for name in ("paper", "since", "until", "section")):
        raise ArchiveError("export --format sqlite copies the whole archive: --paper/--since/--until/--section do not apply")
    archive = reading(args)
    shown: dict[str, Callable[[int, int], None]] = {}
    try:
        counts = export_sqlite(
            archive, args.output,
            progress=lambda table, done, total: shown.setdefault(table, progress_line(f"copied {table}"))(done, total),
        )
    finally:
        archive.close()
    print(f"{args.output}: {counts.get('articles', 0)} articles, {sum(counts.values())} rows in all", file=sys.stderr)
    return 0


# --- serve -------------------------------------------------------------------------------

def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8001, help="port to listen on (0: any free port; default 8001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


@command("serve", "browse, search and read a SQLite archive in a web browser (read-only)", _serve_arguments)
def run_serve(args: argparse.Namespace) -> int:
    from storage.reading_room.app import serve

    try:
        serve(args.archive, host=args.host, port=args.port, announce=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        pass
    return 0


# --- main --------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="archive", description="Search, query, count, export, re-process and upgrade the archive.")
    top.add_argument("--archive", metavar="URL", help="SQLAlchemy URL of the archive (default: $ARCHIVE_URL, "
                     "else sqlite:///archive.sqlite3)")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        sub = subparsers.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(sub)
        sub.set_defaults(run=cmd.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: database error: {reason}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # archive export | head
        return 0


if __name__ == "__main__":
    sys.exit(main())
