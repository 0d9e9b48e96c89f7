"""Datasette configured as the archive's reading room, and the server behind `archive serve`."""
from __future__ import annotations

import asyncio
import socket
import sqlite3
from http import HTTPStatus
from pathlib import Path

import h11
import uvicorn
import yaml
from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted
from datasette.plugins import pm
from sqlalchemy.engine import make_url
from uvicorn.protocols.http.h11_impl import H11Protocol

from storage.db import ArchiveError, archive_origin, archive_url, in_memory, open_archive, reading_the_index, safe_url, sqlite_file, sqlite_uri
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
# search may be. Each connection may hold this much while its request is incomplete, hence:
MAX_REQUEST_HEAD = 512 * 1024
# The connections served at once; one more is answered 503 and closed before anything is read
# from it. With MAX_REQUEST_HEAD each, requests held incomplete take at most 50 MiB; a browser
# opens up to six connections to a site, so this is a reading room for some fifteen readers at once.
MAX_CONNECTIONS = 100
# How long a connection has to send a whole request head, from when it opens or its last response
# was sent: long enough for the longest head over a slow line (512 KiB at 256 kbit/s), short
# enough that clients holding connections without finishing a request (or sending a byte now and
# then) give them up. uvicorn has no such bound: before the first request no timer runs at all.
REQUEST_HEAD_SECONDS = 20
# How long an idle connection is kept open after a response (uvicorn's own default, named).
KEEP_ALIVE_SECONDS = 5
# How long a response may wait on a client that reads none of it: once the server holds more of
# it than the connection takes (uvicorn's 64 KiB past what the system buffers), the response
# waits for the client to read; a client that stops (a CSV of a whole table, a page left
# unread) held its connection, and the query streaming it, for as long as it stayed connected.
# The time counts from when the client last read anything, so a slow reader keeps its place.
WRITE_STALL_SECONDS = 30


def metadata() -> dict:
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data.setdefault("plugins", {})[plugin.PLUGIN] = {"database": DATABASE}
    return data


def register_plugin() -> None:
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN)
        # The plugin's handle_exception answers every error, calling Datasette's for what it
        # does not answer itself (plugin.DATASETTE_ERROR_HANDLER).
        pm.set_blocked(plugin.DATASETTE_ERROR_HANDLER)


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

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        # Datasette writes a failed query to the log whole (its connection's address, its SQL,
        # over many lines); the request it failed for is logged in one line instead
        # (plugin.log_refused; plugin.typed_sql for SQL typed in the browser, whose failure
        # Datasette answers without raising it), a failure of the server's own with its traceback.
        try:
            return await super().execute(sql, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                         page_size=page_size, log_sql_errors=False)
        except sqlite3.DatabaseError as failed:
            plugin.query_failed(failed)
            raise

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


def sqlite_archive_path(url: str | None, origin: str | None = None) -> Path:
    """The SQLite file of an archive URL; a clear error for anything Datasette cannot open.
    ``origin``: where the URL comes from (storage.db.archive_origin), for the messages on it."""
    if origin is None and not url:
        origin = archive_origin(url, "")
    url = archive_url(url)
    given = f" (given by {origin})" if origin else ""
    try:
        parsed = make_url(url)
    except Exception:
        raise ArchiveError(f"invalid archive URL {safe_url(url)!r}{given}") from None
    if parsed.get_backend_name() != "sqlite":
        raise ArchiveError(
            f"archive serve needs a SQLite archive, not {parsed.get_backend_name()}: "
            "make one with `archive export --format sqlite --output archive.sqlite3` and serve that"
        )
    database = sqlite_file(parsed)  # also of a URI (sqlite:///file:PATH?mode=ro&uri=true)
    if database is None:
        raise in_memory(url)
    path = Path(database)
    # Refuses anything that is not an archive (a folder, a file not there), with the archive
    # module's own message, and an archive without this code's schema (its view and search index).
    archive = open_archive(url, create=False, origin=origin)
    if not path.is_file():
        archive.close()
        raise ArchiveError(f"archive not found: {path}")
    try:
        archive.check_writable(reading_the_index("the reading room"))
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
        from storage.cli import cannot_listen

        raise ArchiveError(cannot_listen(host, port, exc)) from None


class LimitedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol (h11) with the reading room's bounds on connections: at most
    MAX_CONNECTIONS at once, each closed (408) when it has not sent a whole request head within
    REQUEST_HEAD_SECONDS, or once answered if it sends a body, and dropped when it reads none of
    its response for WRITE_STALL_SECONDS."""

    max_connections = MAX_CONNECTIONS
    request_head_seconds = REQUEST_HEAD_SECONDS
    write_stall_seconds = WRITE_STALL_SECONDS
    _head_deadline: asyncio.TimerHandle | None = None
    _write_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._answer_and_close(503, "The reading room is serving as many readers as it can; try again in a minute.",
                                   retry_after=60)
        else:
            self._await_request_head()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # a request head has come whole
            self._stop_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.SEND_BODY:
            # A body nobody reads (the reading room reads none: anything but GET and HEAD is
            # answered 405 unread); uvicorn kept the connection for as long as it kept coming.
            self.transport.close()
        elif not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_request_head()

    def connection_lost(self, exc) -> None:
        self._stop_waiting()
        self._stop_watching_writes()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        # The transport holds more than it may: the response waits until the client reads.
        super().pause_writing()
        self._watch_writes(self.transport.get_write_buffer_size())

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_watching_writes()

    def _watch_writes(self, held: int) -> None:
        self._stop_watching_writes()
        self._write_deadline = self.loop.call_later(self.write_stall_seconds, self._check_writes, held)

    def _stop_watching_writes(self) -> None:
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None

    def _check_writes(self, held_before: int) -> None:
        self._write_deadline = None
        if self.transport.is_closing() or not self.flow.write_paused:
            return
        held = self.transport.get_write_buffer_size()
        if held < held_before:  # the client read some: a slow reader, given as long again
            self._watch_writes(held)
        else:
            # Dropped, not closed: close() would wait to send what the client does not read.
            # uvicorn then lets the response's sends return, unsent, to its end.
            self.transport.abort()

    def _await_request_head(self) -> None:
        self._stop_waiting()
        self._head_deadline = self.loop.call_later(self.request_head_seconds, self._request_head_too_slow)

    def _stop_waiting(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _request_head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._answer_and_close(408, f"The request did not arrive whole within {self.request_head_seconds} s.")

    def _answer_and_close(self, status: int, message: str, retry_after: int | None = None) -> None:
        # Written as is: h11 sends a response only to a request it has read.
        body = (message + "\n").encode()
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "content-type: text/plain; charset=utf-8",
                f"content-length: {len(body)}", "connection: close"]
        if retry_after is not None:
            head.append(f"retry-after: {retry_after}")
        self.transport.write("\r\n".join(head).encode() + b"\r\n\r\n" + body)
        self.transport.close()


def server_config(app) -> uvicorn.Config:
    """How `archive serve` runs ``app``: h11 whatever else is installed (httptools, which
    `uvicorn[standard]` brings, has limits of its own), with the bounds above."""
    return uvicorn.Config(
        app, log_level="warning", lifespan="on", http=LimitedH11Protocol,
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD, timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def serve(url: str | None = None, host: str = "127.0.0.1", port: int = 8001, *, announce=print,
          origin: str | None = None) -> None:
    """Serve the archive until interrupted. Port 0 picks a free port; the URL is announced."""
    path = sqlite_archive_path(url, origin)
    datasette = make_datasette(path)
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        bound_host = f"[{bound_host}]"  # as a URL writes an IPv6 address
    announce(f"Reading room for {path} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
    server = uvicorn.Server(server_config(datasette.app()))
    server.run(sockets=[sock])
