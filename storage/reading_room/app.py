"""Datasette configured as the archive's reading room, and the server behind `archive serve`."""
from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted
from datasette.plugins import pm
from sqlalchemy.engine import make_url

from storage.db import ArchiveError, archive_url, open_archive, sqlite_uri
from storage.reading_room import plugin

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
METADATA = HERE / "metadata.yaml"
# The archive is mounted under one name whatever its file is called, so that
# /archive/articles/7 means the same thing on every reading room.
DATABASE = "archive"
SETTINGS = {
    # SQL typed in the browser is cut off after this long (the reading room's own pages too).
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    # The archive file itself is not handed out; the data is, as JSON and CSV.
    "allow_download": False,
}


# The longest request line (and headers) the server reads before the reading room sees the
# request; h11, uvicorn's HTTP parser, answers a longer one with its own bare 400 ("Invalid HTTP
# request received."), and its default, 16 KiB, is a search of some 1,800 Chinese characters
# (9 bytes each, percent-encoded), where `archive search` takes 10,000 (MAX_QUERY_CHARS). With
# room for a pasted text of 50,000 characters and more, the search page itself says how long a
# search may be. Each connection may hold this much while its request is incomplete.
MAX_REQUEST_HEAD = 512 * 1024


def metadata() -> dict:
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data.setdefault("plugins", {})[plugin.PLUGIN] = {"database": DATABASE}
    return data


def register_plugin() -> None:
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN)


class ArchiveDatabase(Database):
    """The archive as Datasette mounts it: opened read-only, counting only the tables a reader may open.

    Datasette counts the rows of every table for its home and database pages, and a table it
    cannot count costs the home page all its counts and the log an ERROR. The search index is
    such a table: contentless and without a docsize table, it has no rows SQLite can scan. The
    metadata closes it to everyone (``allow: false``); what nobody may open is not counted.
    """

    def connect(self, write: bool = False) -> sqlite3.Connection:
        # Datasette's own opens f"file:{path}?mode=ro" with the path as it is, which SQLite
        # reads as a URI: a # or ? in the path opened another file, created empty and
        # writable. Read-only whatever is asked: the reading room writes nothing.
        conn = sqlite3.connect(f"{sqlite_uri(self.path)}?mode=ro", uri=True, check_same_thread=False)
        conn.set_authorizer(_without_file_names)
        self._all_file_connections.append(conn)
        return conn

    async def table_counts(self, limit: int = 10) -> dict[str, int | None]:
        closed = closed_tables(self.ds.metadata(database=self.name))
        return {table: await self._count(table, limit) for table in await self.table_names() if table not in closed}

    async def _count(self, table: str, limit: int) -> int | None:
        # As Datasette's own table_counts: a count that takes longer than ``limit`` ms is unknown.
        try:
            return (await self.execute(f"select count(*) from [{table}]", custom_time_limit=limit)).rows[0][0]
        except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
            return None


def _without_file_names(action: int, table: str | None, column: str | None, _database, _trigger) -> int:
    """SQL typed in the browser may read ``pragma_database_list`` (Datasette allows it), whose
    ``file`` column is where the archive lies on the server's disk: it reads as NULL."""
    if action == sqlite3.SQLITE_READ and table == "pragma_database_list" and column == "file":
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


def closed_tables(database_metadata: dict) -> set[str]:
    """Tables the metadata closes to every reader (``allow: false``)."""
    tables = database_metadata.get("tables") or {}
    return {name for name, table in tables.items() if table.get("allow") is False}


def make_datasette(path: str | Path, *, settings: dict | None = None) -> Datasette:
    """A read-only Datasette over the SQLite archive at ``path``, with the reading room's pages."""
    register_plugin()
    datasette = Datasette(
        metadata=metadata(),
        template_dir=str(TEMPLATES),
        settings=SETTINGS | (settings or {}),
    )
    # Every connection is read-only (ArchiveDatabase.connect); nothing in the reading room asks
    # for a write connection either (no writable canned queries, no write API).
    datasette.add_database(ArchiveDatabase(datasette, path=str(path), is_mutable=True), name=DATABASE)
    datasette.remove_database("_memory")
    return datasette


def sqlite_archive_path(url: str | None) -> Path:
    """The SQLite file of an archive URL; a clear error for anything Datasette cannot open."""
    url = archive_url(url)
    try:
        parsed = make_url(url)
    except Exception:
        raise ArchiveError(f"invalid archive URL {url!r}") from None
    if parsed.get_backend_name() != "sqlite":
        raise ArchiveError(
            f"archive serve needs a SQLite archive, not {parsed.get_backend_name()}: "
            "make one with `archive export --format sqlite --output archive.sqlite3` and serve that"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise ArchiveError(f"archive serve needs an archive file, not {url!r}")
    path = Path(parsed.database)
    if not path.is_file():
        raise ArchiveError(f"archive not found: {path}")
    # Refuses anything that is not an archive, with the archive module's own message, and an
    # archive without this code's schema (its view and search index).
    archive = open_archive(url, create=False)
    try:
        archive.check_writable()
    finally:
        archive.close()
    return path


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host`` (a name, an IPv4 or an IPv6 address) and ``port``.

    The address family is the host's: a plain create_server is IPv4 only, and --host ::1 was
    refused with "Address family for hostname not supported"."""
    try:
        family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        # create_server adds "(while attempting to bind on address …)", which says it again.
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        raise ArchiveError(f"cannot listen on {host}:{port}: {reason}") from None


def serve(url: str | None = None, host: str = "127.0.0.1", port: int = 8001, *, announce=print) -> None:
    """Serve the archive until interrupted. Port 0 picks a free port; the URL is announced."""
    import uvicorn

    path = sqlite_archive_path(url)
    datasette = make_datasette(path)
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        bound_host = f"[{bound_host}]"  # as a URL writes an IPv6 address
    announce(f"Reading room for {path} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
    # h11 whatever else is installed (httptools, which `uvicorn[standard]` brings, has limits of
    # its own): the longest request served is MAX_REQUEST_HEAD on every machine.
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on", http="h11",
                            h11_max_incomplete_event_size=MAX_REQUEST_HEAD)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
