"""Engine and sessions from ARCHIVE_URL, and the batched, dialect-specific upserts.

Everything that writes the archive goes through :meth:`Archive.store_batch`, one transaction
per batch, so an interrupted crawl never leaves half an article behind; but for `archive
move-root` (storage/roots.py), which rewrites a paper's URLs, in one transaction too.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from sqlalchemy import Connection, Engine, bindparam, case, create_engine, delete, event, exists, func, or_, select, text, union, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import fulltext
from storage.models import (
    CRAWL_RUN_KINDS, AbsentIssue, Article, ArticleVersion, CrawlRun, DeadLink, Image, Issue, Page, PageArticle, Paper, RawDocument, Removal, utcnow,
)

if TYPE_CHECKING:
    from storage.roots import IssueClaims

try:  # ISA-L's deflate: the zlib format at a third of zlib's CPU (docs/performance.md)
    from isal.isal_zlib import compress as _isal_compress
except ImportError:  # pragma: no cover - isal is a dependency; a platform without its wheel
    _isal_compress = None

DEFAULT_ARCHIVE_URL = "sqlite:///archive.sqlite3"
# PostgreSQL advisory lock held while the schema is created or upgraded (any constant, the
# same everywhere).
SCHEMA_LOCK = 0x63706172


def hold_schema_lock(conn) -> None:
    """On PostgreSQL, wait for whoever creates or upgrades the schema, and hold it off until
    this connection's transaction ends: the revision read next is then the one that stays."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def begin_sqlite_ddl(conn) -> bool:
    """On SQLite, open a write transaction that holds the schema changes to come, as
    PostgreSQL's does: Python's sqlite3 commits each CREATE or ALTER as it runs, outside any
    transaction, so a crawl killed while it made a new archive left some of the tables, and
    every later run failed on them ("table crawl_runs already exists", or an archive at the
    first revision to `archive upgrade`). True when it began one."""
    if conn.dialect.name != "sqlite" or conn.connection.dbapi_connection.in_transaction:
        return False
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (the 30 s timeout) for another writer
    return True


# PostgreSQL's SQLSTATE for "permission denied" and "must be owner of".
INSUFFICIENT_PRIVILEGE = "42501"


class ArchiveError(RuntimeError):
    """A problem with the archive that the user can fix; its message is one line."""


class ForeignDatabase(ArchiveError):
    """A database holding another program's tables and no archive: ``held`` says so, ``advice``
    what to name instead (a copy, which makes its archive, takes an empty database alone)."""

    def __init__(self, held: str, advice: str, server: tuple[str, str] | None = None):
        super().__init__(f"{held}: {advice}")
        self.held = held
        # PostgreSQL's host and port as libpq connected (a Unix socket's folder for ?host=/run/…),
        # for the createdb that makes an empty database beside it; None for SQLite.
        self.server = server


def archive_url(setting: str | None = None) -> str:
    """The archive to use: explicit setting, else $ARCHIVE_URL, else the SQLite default."""
    return setting or os.environ.get("ARCHIVE_URL") or DEFAULT_ARCHIVE_URL


def archive_origin(setting: str | None, given_by: str) -> str:
    """Where archive_url(``setting``) takes the archive from, as a message names it: ``given_by``
    (the command's option or setting that gave ``setting``), $ARCHIVE_URL, or the default. A
    message that named ARCHIVE_URL for an `archive --archive` URL sent the user to a variable
    they had not set."""
    if setting:
        return given_by
    if os.environ.get("ARCHIVE_URL"):
        return "$ARCHIVE_URL"
    return f"default, as neither {given_by} nor $ARCHIVE_URL is set" if given_by else "default, as $ARCHIVE_URL is not set"


def _given(origin: str | None) -> str:
    return f" (given by {origin})" if origin else ""


# The password of a URL, scheme://user:PASSWORD@, where SQLAlchemy reads it (its own pattern,
# sqlalchemy.engine.url._parse_url), and what SQLAlchemy reads as the host's start after an @ the
# password holds unencoded (user:pa@ss@host: make_engine refuses it); of a URL SQLAlchemy cannot
# read, wherever it is.
_PASSWORD = re.compile(r"^([\w+]+://[^:/]*:)[^@]*@(?:[^/?#@]*@)*")
_ANY_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")
# Of one whose scheme lost a slash or its colon in the pasting (postgresql+psycopg//user:pw@…):
# a user's name and what follows it up to the host's @.
_LOOSE_PASSWORD = re.compile(r"([^:/@\s]+:)[^/@\s]*@")


def database_words(error: BaseException) -> str:
    """The database's own words on one line: a driver's error under SQLAlchemy's (without the
    statement and parameters SQLAlchemy appends), or the error itself."""
    words = str(getattr(error, "orig", None) or error).strip()
    return words.splitlines()[0] if words else type(error).__name__


def safe_url(url: str) -> str:
    """A database's or Redis's URL to show in a message: as the user wrote it, its password
    hidden. Not SQLAlchemy's rendering, which writes the URL anew: a SQLite URI's
    ``file:/path`` became ``file%3A/path``, a query's ``%20`` a ``+``, a user's URL not the one
    they gave."""
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        shown, hidden = _ANY_PASSWORD.subn(r"\1***@", url, count=1)
        return shown if hidden else _LOOSE_PASSWORD.sub(r"\1***@", url, count=1)
    return _PASSWORD.sub(r"\1***@", url, count=1)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_wal(dbapi_conn, _record) -> None:
    # WAL lets readers (the archive CLI, a reading room) work while a crawl writes. Only a
    # writer sets it: the mode is stored in the file, so setting it writes the file, which a
    # reader must not do (nor can, in a directory it may not write).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _postgresql_utf8(dbapi_conn, _record) -> None:
    # A database in another encoding (SQL_ASCII, initdb's under the C locale; LATIN1) cannot hold
    # Chinese text: every command then died in the driver with a traceback.
    encoding = dbapi_conn.info.parameter_status("server_encoding")
    encoding = encoding.decode("ascii", "replace") if isinstance(encoding, bytes) else str(encoding)
    if encoding.upper() not in ("UTF8", "UTF-8"):
        database = dbapi_conn.info.dbname
        raise ArchiveError(f"database {database} is in {encoding} encoding, and the archive holds Chinese text: "
                           f"make it UTF8 (CREATE DATABASE {database} ENCODING 'UTF8' TEMPLATE template0)")


def _postgresql_utc(dbapi_conn, _record) -> None:
    # The archive's times are UTC; a server or role set to another zone would hand them out in
    # its own, which archive stats prints without a zone and SQLite (export --format sqlite)
    # stores without one, shifted. Outside a transaction, so that no rollback undoes it.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_conn.autocommit = autocommit


# Seconds a PostgreSQL server has to answer a new connection (libpq's connect_timeout).
POSTGRESQL_CONNECT_TIMEOUT = 10


# The PostgreSQL driver this project speaks to (`archive sql` streams with its cursor, the
# connection hooks above use its connection's API).
POSTGRESQL_DRIVER = "psycopg"
# The schemes of a PostgreSQL URL: SQLAlchemy's, and the one Heroku and others hand out.
POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def _psycopg(parsed: URL, url: str, origin: str | None) -> URL:
    """``parsed``, a PostgreSQL URL written without a driver (libpq's postgresql://, the
    postgres:// that Heroku and others hand out) made psycopg's; one naming another driver
    refused: SQLAlchemy took postgresql:// for psycopg2 before 2.1, and knows no postgres://."""
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in POSTGRESQL_SCHEMES:
        return parsed
    if driver not in ("", POSTGRESQL_DRIVER):
        # psycopg2, asyncpg, pg8000: if installed, the archive's psycopg-only code failed later.
        raise ArchiveError(f"archive URL {safe_url(url)}{_given(origin)} names the driver {driver}: this project's driver is "
                           f"{POSTGRESQL_DRIVER}: write the URL postgresql+{POSTGRESQL_DRIVER}://… (or postgresql://…)")
    return parsed.set(drivername=f"postgresql+{POSTGRESQL_DRIVER}")


def not_readable(url: str, refusal: ProgrammingError) -> ArchiveError:
    """The line of a PostgreSQL role that may not read the archive's tables, with the grant
    that lets it: a reader's role made after the tables were, or without the default privileges
    for those a later upgrade made (README.md's ALTER DEFAULT PRIVILEGES grants only those made
    later), was told no more than the server's words."""
    engine = make_engine(url, write=False)
    try:
        with engine.connect() as conn:
            role, schema = conn.exec_driver_sql("SELECT current_user, current_schema()").one()
    finally:
        engine.dispose()
    return ArchiveError(
        f"role {role} may not read archive {safe_url(url)}: {database_words(refusal)}; the tables' owner "
        f"(or a superuser) lets it read them: GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role} "
        '(README.md, "The archive")')


@dataclass(frozen=True)
class _Refused:
    """A new connection the server answered and refused: what it asked for, and the words."""
    url: str
    host: str
    port: str
    database: str
    user: str
    server: str  # host:port, or a Unix socket's file
    archive: str  # "the archive URL …", and where it was given
    said: re.Match[str] | None  # None when only its SQLSTATE told it


def createdb_command(host: str, port: str, database: str) -> str:
    """The shell command that makes an empty database for an archive (UTF8, whatever the
    server's default encoding)."""
    return shlex.join(["createdb", "-h", host, "-p", port, "-E", "UTF8", "-T", "template0", database])


def _database_missing(refused: _Refused) -> str:
    createdb = createdb_command(refused.host, refused.port, refused.database)
    return (f'database "{refused.database}" does not exist on {refused.server}: create it as the server\'s superuser '
            f"({createdb}), or correct {refused.archive}")


def _role_missing(refused: _Refused) -> str:
    return (f'role "{refused.user}" does not exist on {refused.server}: create it as the server\'s superuser '
            f'(CREATE ROLE {_sql_name(refused.user)} LOGIN; README.md, "The archive"), or correct {refused.archive}')


def _role_without_login(refused: _Refused) -> str:
    return (f'role "{refused.user}" may not log in to {refused.server}: let it, as the server\'s superuser '
            f"(ALTER ROLE {_sql_name(refused.user)} LOGIN), or correct {refused.archive}")


def _client_not_in_pg_hba(refused: _Refused) -> str:
    # The host is the client's address as the server saw it (a NAT's, a proxy's), which is what
    # the pg_hba.conf line must match.
    return (f'{refused.server} refuses host "{refused.said["client"]}" as user "{refused.user}" to database '
            f'"{refused.database}": no line of its pg_hba.conf lets it: the server\'s superuser adds one there (on the '
            f"server, then SELECT pg_reload_conf()), or correct {refused.archive}")


def _password_missing(refused: _Refused) -> str:
    return (f'{refused.server} asks a password of user "{refused.user}", and none was given: give it in '
            f"{refused.archive}, an @ in it written %40, or in ~/.pgpass or $PGPASSWORD")


def _password_refused(refused: _Refused) -> str:
    said = f'password authentication failed for user "{refused.user}" on {refused.server}'
    if make_url(refused.url).password is None:
        return (f"{said}: correct the password libpq took from $PGPASSWORD or ~/.pgpass, "
                f"or give the role's in {refused.archive}")
    return (f"{said}: correct the password of {refused.archive}, an @ in it written %40, or set the role's "
            f"as the server's superuser (ALTER ROLE {_sql_name(refused.user)} PASSWORD '…')")


def _refused_otherwise(refused: _Refused) -> str:
    # Its words may say anything (a missing database in German, too many clients already): what
    # to do is left to them.
    return (f'{refused.server} answered and refused user "{refused.user}" to database "{refused.database}": '
            f"{refused.said['words']} (the server's words, to {refused.archive})")


@dataclass(frozen=True)
class _Refusal:
    words: re.Pattern[str]
    sqlstate: str | None  # its own, that tells it without its words; None where it shares one
    told: Callable[[_Refused], str]


# The refusals of a new connection by a server that answered, each by its words as libpq hands
# them over: psycopg gives no SQLSTATE of a connection that failed (libpq keeps the server's
# error fields to itself). The server's words are in English unless its lc_messages is another
# language, libpq's own (fe_sendauth) unless the client's locale is: a refusal in other words is
# _OTHER_REFUSAL, said with them. Several share SQLSTATE 28000 (invalid_authorization_specification)
# and are told by their words alone.
_REFUSALS = (
    _Refusal(re.compile(r'\bFATAL:  database ".*" does not exist'), "3D000", _database_missing),
    _Refusal(re.compile(r'\bFATAL:  role ".*" does not exist'), None, _role_missing),
    _Refusal(re.compile(r'\bFATAL:  role ".*" is not permitted to log in'), None, _role_without_login),
    _Refusal(re.compile(r'\bFATAL:  no pg_hba\.conf entry for host "(?P<client>[^"]*)"'), None, _client_not_in_pg_hba),
    _Refusal(re.compile(r"\bfe_sendauth: no password supplied"), None, _password_missing),
    _Refusal(re.compile(r'\bFATAL:  password authentication failed for user ".*"'), "28P01", _password_refused),
)
# Any other refusal, after those above (by their words, then their SQLSTATE): its words in whatever
# language the server's lc_messages is, its severity too (FATAL, 致命错误), as PostgreSQL writes
# them after libpq's "failed: ", the severity, a colon and two blanks. "Unreachable" sent the
# operator to look for a network fault.
_OTHER_REFUSAL = _Refusal(re.compile(r"\bfailed: (?P<words>[^\s:]+:  .+)"), None, _refused_otherwise)


# libpq's words for a connection option of the URL's query (?sslmode=bogus) it does not take, before
# it tries any server: not a server unreachable. Those it does not know at all psycopg refuses
# itself, before libpq (a ProgrammingError).
_INVALID_OPTION = re.compile(r'\binvalid (?P<option>\w+) value: .*|'
                             r'\binvalid integer value ".*" for connection option "(?P<integer>\w+)"')


def _refusal(driver_error: BaseException) -> tuple[_Refusal, re.Match[str] | None] | None:
    """The server's refusal of a new connection, and its words, or None when the server did
    not answer."""
    words = str(driver_error)
    for refusal in _REFUSALS:
        if said := refusal.words.search(words):
            return refusal, said
    given = getattr(driver_error, "sqlstate", None)
    if by_state := next((refusal for refusal in _REFUSALS if given is not None and refusal.sqlstate == given), None):
        return by_state, None
    said = _OTHER_REFUSAL.words.search(words)
    return (_OTHER_REFUSAL, said) if said else None


def _connected_as(url: str, driver_error: BaseException) -> tuple[str, str, str, str]:
    """The host, port, database and user a failed connection asked for: libpq's (its defaults
    filled in: a URL without a database names the user's), else the URL's."""
    pgconn = getattr(driver_error, "pgconn", None)
    if pgconn is not None:
        return tuple(value.decode(errors="replace") for value in (pgconn.host, pgconn.port, pgconn.db, pgconn.user))
    parsed = make_url(url)
    return parsed.host or "localhost", str(parsed.port or 5432), parsed.database or "", parsed.username or ""


def _server_of(conn: Connection) -> tuple[str, str]:
    """The host and port of a PostgreSQL connection as libpq made it: the URL may name neither
    (?host=/var/run/postgresql, or libpq's defaults)."""
    info = conn.connection.dbapi_connection.info
    return info.host, str(info.port)


def _sql_name(name: str) -> str:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect().identifier_preparer.quote(name)


def connection_failure(url: str, error: OperationalError, origin: str | None) -> ArchiveError:
    """The line of a connection to the archive's database that failed: the crawl's and the
    `archive` commands'. A server that answered and refused it (_REFUSALS: no such database or
    role, a role without LOGIN, a client its pg_hba.conf refuses, a password missing or wrong) is
    said to, with what the operator does about it; "database unreachable" sent them to look for
    a network fault or a server down. That is kept for a server that did not answer (refused,
    no such host, its timeout)."""
    driver_error = getattr(error, "orig", None) or error
    if invalid := _INVALID_OPTION.search(str(driver_error)):
        return ArchiveError(f"the archive URL {safe_url(url)}{_given(origin)} has an invalid connection option "
                            f"{invalid['option'] or invalid['integer']}: {invalid[0]}")
    found = _refusal(driver_error)
    if found is None:
        return ArchiveError(f"database unreachable: {safe_url(url)}: {database_words(error)}")
    refusal, said = found
    host, port, database, user = _connected_as(url, driver_error)
    server = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else f"{host}:{port}"  # a Unix socket's folder
    archive = f"the archive URL {safe_url(url)}{_given(origin)}"
    return ArchiveError(refusal.told(_Refused(url, host, port, database, user, server, archive, said)))


def make_engine(url: str, *, write: bool = True, origin: str | None = None) -> Engine:
    """An engine for the archive at ``url``; ``write``: it will write (SQLite: in WAL mode);
    ``origin``: where the URL comes from (archive_origin), for the messages on it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ArchiveError(f"invalid archive URL {safe_url(url)!r}{_given(origin)}: expected a SQLAlchemy URL such as "
                           "sqlite:///archive.sqlite3 (a file in this directory) or sqlite:////srv/press/archive.sqlite3") from None
    except ValueError:  # SQLAlchemy reads the port as a number, and says no more than int() does
        raise ArchiveError(f"invalid archive URL {safe_url(url)!r}{_given(origin)}: its port is not a number") from None
    # JSON (article_versions.images) as SQLite's own JSON functions write it, compact and with
    # Chinese as it is (not \u escapes): plain SQL reads it, and compares it with article_history's
    # current pictures, which SQLite writes.
    kwargs: dict[str, Any] = {"json_serializer": lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))}
    parsed = _psycopg(parsed, url, origin)
    if "@" in (parsed.host or ""):
        # SQLAlchemy ends the password at its first @ and takes the rest for the host: the server
        # was "unreachable", its name the password's end.
        raise ArchiveError(f"invalid archive URL {safe_url(url)!r}{_given(origin)}: an @ in its password ends it "
                           "there: write it %40 (postgresql://user:p%40ss@host/archive)")
    if parsed.get_backend_name() == "sqlite":
        if parsed.host:
            # sqlite://tmp/a.sqlite3 took "tmp" for a host, and SQLAlchemy's "Invalid SQLite URL"
            # did not say that a slash was missing.
            path = url.split("://", 1)[1]
            raise ArchiveError(f"invalid archive URL {safe_url(url)!r}{_given(origin)}: a SQLite URL has no host: a path "
                               f"from this directory takes three slashes (sqlite:///{path}), an absolute path four "
                               f"(sqlite:////{path})")
        kwargs["connect_args"] = {"timeout": 30}
        parsed = _sqlite_as_uri(parsed)
    elif parsed.get_backend_name() != "postgresql":
        raise ArchiveError(f"unsupported database {parsed.get_backend_name()!r} in archive URL {safe_url(url)}{_given(origin)}: "
                           "use sqlite or postgresql")
    elif "connect_timeout" not in parsed.query and "PGCONNECT_TIMEOUT" not in os.environ:
        # A server that accepts the connection and never answers (hung, or a firewall that drops
        # packets after the handshake) held every command for psycopg's 130 s before its one
        # line. The URL's ?connect_timeout= or libpq's $PGCONNECT_TIMEOUT, when given, win.
        kwargs["connect_args"] = {"connect_timeout": POSTGRESQL_CONNECT_TIMEOUT}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = " (pip install -e '.[postgres]')" if parsed.get_backend_name() == "postgresql" else ""
        raise ArchiveError(f"no database driver for {safe_url(url)}: {exc}{hint}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if write:
            event.listen(engine, "connect", _sqlite_wal)
    else:
        # Before SQLAlchemy's own first look at the server, which a SQL_ASCII database breaks.
        event.listen(engine, "connect", _postgresql_utf8, insert=True)
        event.listen(engine, "connect", _postgresql_utc)
    return engine


@dataclass
class BatchCommit:
    """A batch's attempt at its commit, for telling after a failure whether it committed.

    The client is told of a COMMIT that failed, yet the server may have committed it: a
    connection lost after the server wrote the commit and before its answer arrived. Written
    again, the batch's counts went into its run's row (and dead_links.runs, absent_issues.runs,
    the crawl's stats) a second time, its new rows counted as updated ones. So each batch, last
    in its transaction, leaves a mark only that transaction writes (:meth:`Archive.batch_committed`
    reads it), and the counts it computed; ``counts`` None: the transaction failed before its
    COMMIT was sent, and surely did not commit."""

    counts: dict[str, int] | None = None
    mark: int | None = None


@dataclass(frozen=True)
class Unserved:
    """What the archive knows of a link the site did not serve with its file (dead_links), or of
    a date it served no issue for (absent_issues)."""

    runs: int  # the runs that were answered so
    first_seen: datetime  # the first of them (UTC)
    gone: bool  # given up on (a gone link, a date without an issue): not asked again but by -a refresh=1
    url: str = ""  # of a date: the entry page that answered so (another address is another question)
    last_seen: datetime | None = None  # of a date: the latest run answered so (UTC)


@dataclass(frozen=True)
class IssueState:
    """What the archive holds of one issue.

    An issue is complete when its page list was stored (``pages_expected``) and every page of
    it is complete: stored with the number of articles it links, and each of those stored,
    from whichever page it was fetched (and, for a crawl that fetches them, the text of the
    page's PDF). A page or article link that is gone (dead_links.gone_since) counts as stored.
    """

    issue_date: date
    pages_expected: int | None
    complete_pages: frozenset[str]  # URLs of complete pages
    articles: frozenset[str]  # URLs of stored articles (left empty for complete issues but to a refresh)
    pdf_pages: frozenset[str]  # URLs of pages whose PDF text is stored
    # The links of the issue the site answered 404 or 410 for, by URL (gone ones among them).
    dead_links: Mapping[str, Unserved] = field(default_factory=dict)
    url: str = ""  # its entry page as stored (the site root it was fetched from)
    # Of complete_pages, the gone ones counted so for want of a complete copy: none the archive holds.
    lost_pages: frozenset[str] = frozenset()

    @property
    def gone(self) -> frozenset[str]:
        return frozenset(url for url, dead in self.dead_links.items() if dead.gone)

    @property
    def complete(self) -> bool:
        return self.pages_expected is not None and len(self.complete_pages) >= self.pages_expected


@dataclass(frozen=True)
class Refreshed:
    """What a refresh has fetched of a stored issue since a time (Archive.refreshed_since)."""

    pages: frozenset[str]  # URLs of its pages fetched since, with every article they link (and their PDF, if asked)
    articles: frozenset[str]  # URLs of its articles fetched since
    held: frozenset[str]  # URLs of all its stored articles
    whole: bool  # every page of it
    pdfs: frozenset[str] = frozenset()  # URLs of its pages whose PDF was fetched since


# What writing (the crawl, `archive reprocess`: store_batch and the crawl history) does to
# each table, besides reading it; and to the id sequence of each of those that has one.
WRITES = {
    "papers": ("SELECT", "INSERT", "UPDATE"),
    "issues": ("SELECT", "INSERT", "UPDATE"),
    "pages": ("SELECT", "INSERT", "UPDATE"),
    "articles": ("SELECT", "INSERT", "UPDATE"),
    "page_articles": ("SELECT", "INSERT", "DELETE"),
    "images": ("SELECT", "INSERT", "DELETE"),
    "removals": ("SELECT", "INSERT", "DELETE"),
    "article_versions": ("SELECT", "INSERT"),
    "raw_documents": ("SELECT", "INSERT", "UPDATE"),
    "crawl_runs": ("SELECT", "INSERT", "UPDATE"),
    "dead_links": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "absent_issues": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    fulltext.SEARCH_TABLE: ("SELECT", "INSERT", "UPDATE", "DELETE"),
    fulltext.PENDING_TABLE: ("SELECT", "INSERT", "DELETE"),
}
# The revisions from which articles keep when their text was fetched, and pages theirs and
# versions everything (older only in tests of upgrades, which write with check=False).
FETCH_TIMES = "0007"
COMPLETE_VERSIONS = "0008"
PAGE_LINKS = "0010"  # pages keep their article links (page_articles)
DEAD_LINKS = "0011"  # links answered 404 or 410 are counted, and given up on (dead_links)
PDF_TEXT_STATUS = "0012"  # pages say what their PDF text is, and keep it as the PDF has it
ABSENT_ISSUES = "0013"  # dates answered 404 at the entry page are counted, and given up on (absent_issues)
LINK_REASONS = "0014"  # dead links say why the site did not serve them (dead_links.reason)
RUN_HEARTBEATS = "0015"  # runs write their counts as batches commit, and seen_at (crawl_runs)
HEARTBEAT_INTERVALS = "0016"  # runs write their heartbeat's interval (crawl_runs.heartbeat_seconds)
RUN_KINDS = "0017"  # runs say whether they are a crawl or a reprocess (crawl_runs.kind)
HEADING_ORIGINALS = "0018"  # articles and versions keep the 引题, 副题, author and source lines as published
REMOVED_PAGES = "0020"  # a page the site no longer lists is kept apart (pages.removed_at)
# crawl_runs.paper_code of a run over every paper (`archive reprocess` without --paper).
ALL_PAPERS = "*"
RUN_COUNTS = ("pages_new", "pages_updated", "pages_failed", "articles_new", "articles_updated", "articles_changed",
              "articles_failed", "links_gone", "pdfs_without_text", "dates_without_issue")
# The counts of crawl_runs that a batch adds to its run's row, in its own transaction (what
# it stored: store_batch's counts of the same names). A heartbeat writes the others (what the
# crawl counted), never these: its reading of the crawl's stats may predate a batch committed
# before it.
BATCH_RUN_COUNTS = ("pages_new", "pages_updated", "articles_new", "articles_updated", "articles_changed",
                    "dates_without_issue")
# The counts of crawl_runs that a revision added: left out of an archive older than it.
_RUN_COUNT_REVISIONS = {"links_gone": DEAD_LINKS, "pdfs_without_text": PDF_TEXT_STATUS, "dates_without_issue": RUN_HEARTBEATS}


def latest_runs(columns: list, paper_code: str | None = None, limit: int = 50, kind: str | None = None):
    """The query of ``columns`` of the runs (crawl_runs), the most recent first, at most
    ``limit``: of ``paper_code`` and of every paper (ALL_PAPERS), and of ``kind``, when given;
    for Archive.crawl_runs and `archive stats` alike.

    Most recent by id, the order in which the runs' starts committed to the archive: not by
    started_at, the clock of the machine each ran on, which a distributed job's workers do not
    share (one a minute behind listed its run below one that started before it)."""
    runs = CrawlRun.__table__
    query = select(*columns).select_from(runs).order_by(runs.c.id.desc()).limit(limit)
    if paper_code:
        query = query.where(runs.c.paper_code.in_((paper_code, ALL_PAPERS)))
    if kind:
        query = query.where(runs.c.kind == kind)
    return query


# The largest whole number SQLite stores as one (a signed 64-bit integer); a larger one it reads as a REAL.
SQLITE_LARGEST_INTEGER = 2**63 - 1


def sqlite_integer(digits: str) -> int | None:
    """``digits`` (0-9 only) as the whole number SQLite stores them as; None for what is no such
    number: another character, or past its integers. Compared by length first: int() refuses a
    number of more than 4,300 digits."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    largest = str(SQLITE_LARGEST_INTEGER)
    return int(digits) if (len(digits), digits) <= (len(largest), largest) else None


def sqlite_uri(path: str | os.PathLike) -> str:
    """The URI SQLite opens ``path`` by (file:PATH), parameters to follow (?mode=ro).

    The path is percent-encoded: in a URI, SQLite takes ? and # for the start of the parameters
    and of a fragment, and decodes %XX, so that an archive in a folder named "No. 2#" was
    opened as the file "No. 2", created empty (and writable: the ?mode=ro went with the rest)."""
    return "file:" + quote(os.fspath(path))


def sqlite_url(path: str | os.PathLike, **query: str) -> str:
    """The archive URL (sqlite:///PATH) of the SQLite file at ``path``, with ``query``.

    A URL reads % as an escape, ? as the start of its query and # as a fragment's, so those are
    escaped: `archive export --output copy%41.sqlite3` wrote copyA.sqlite3."""
    database = os.fspath(path).translate({ord("%"): "%25", ord("?"): "%3F", ord("#"): "%23"})
    return f"sqlite:///{database}" + (f"?{urlencode(query)}" if query else "")


# SQLite's own URI parameters (https://sqlite.org/uri.html): pysqlite passes them to SQLite only
# in a URI (file:PATH?mode=ro&uri=true); without uri=true SQLAlchemy dropped them with a warning,
# and an archive asked for with ?mode=ro was opened to write.
_SQLITE_URI_PARAMETERS = ("mode", "cache", "immutable", "nolock", "psow", "vfs", "modeof")


def _sqlite_as_uri(url: URL) -> URL:
    """A SQLite URL with SQLite's URI parameters (?mode=ro) in the URI form that passes them
    to SQLite: sqlite:////srv/a.sqlite3?mode=ro is sqlite:///file:/srv/a.sqlite3?mode=ro&uri=true."""
    if url.query.get("uri") == "true" or not any(name in url.query for name in _SQLITE_URI_PARAMETERS):
        return url
    if not url.database or url.database == ":memory:":
        return url
    database = url.database if url.database.startswith("file:") else sqlite_uri(url.database)
    return url.update_query_dict({"uri": "true"}).set(database=database)


def _sqlite_read_only(url: URL) -> str | None:
    """The parameter (mode=ro, immutable=…) by which SQLite opens the file of ``url`` (a URI:
    _sqlite_as_uri) read-only; None if it opens it to write."""
    if _sqlite_parameter(url, "mode") == "ro":
        return "mode=ro"
    if _sqlite_boolean(immutable := _sqlite_parameter(url, "immutable")):
        return f"immutable={immutable}"
    return None


def _sqlite_parameter(url: URL, name: str) -> str | None:
    # A parameter given twice is a tuple in SQLAlchemy's URL; SQLite reads the first.
    value = url.query.get(name)
    return value[0] if isinstance(value, tuple) else value


def _sqlite_boolean(value: str | None) -> bool:
    """A URI parameter's boolean as SQLite reads it (sqlite3_uri_boolean): a number not 0, or
    yes, true or on in any case; immutable=true, which the check of "1" alone let through, and
    the crawl fetched everything and stored nothing."""
    if value is None:
        return False
    if digits := re.match("[0-9]+", value):
        return int(digits.group()) != 0
    return value.lower() in ("yes", "true", "on")


def sqlite_file(url: URL) -> str | None:
    """The file behind a SQLite URL, also in URI form (sqlite:///file:PATH?mode=ro&uri=true),
    read as the archive opens it (_sqlite_as_uri): sqlite:///file:PATH?mode=ro, without
    uri=true, or with uri=1, is the file PATH too (the reading room took it for 'file:PATH')."""
    url = _sqlite_as_uri(url)
    database = url.database
    if not database or database == ":memory:":
        return None
    if url.query.get("uri") == "true" and database.startswith("file:"):
        if database == "file::memory:" or _sqlite_parameter(url, "mode") == "memory":
            return None  # in memory as SQLite reads the URI (sqlite.org/inmemorydb.html), no file
        return unquote(database.removeprefix("file:"))  # as SQLite reads it (sqlite_uri)
    return database


def in_memory(url: str) -> ArchiveError:
    """The error for an archive in memory (sqlite://), which every command refuses. Each
    connection has a memory of its own, and all of it goes with the process: a crawl into
    sqlite:// fetched and stored everything, ended with status 0 (and a traceback of the writer
    thread's connection), and left nothing; a command reading one read an empty database, and
    said "has no articles table", which sent the user looking for a table."""
    return ArchiveError(f"an archive in memory ({url}) starts empty and is gone when the command ends: "
                        "name a file, such as sqlite:///archive.sqlite3")


def _check_sqlite_path(database: str, shown: str, *, create: bool, write: bool, immutable: bool = False) -> None:
    """What stands in the way of opening the SQLite file ``database`` (``shown``: its URL and
    where that came from), in one line. SQLite says only "unable to open database file" (a
    folder, a folder that is not there) or "attempt to write a readonly database", and a file it
    may not write it opens all the same: the crawl fetched everything, then stored nothing."""
    # A relative path is the commonest slip: say where it led.
    relative = "" if os.path.isabs(database) else " (three slashes: a path from this directory; an absolute path takes four)"
    path = os.path.abspath(database)
    folder = os.path.dirname(path)
    if os.path.isdir(database) or database.endswith(("/", os.sep)):
        raise ArchiveError(f"archive {shown} names a folder, not a file: name a file in it, such as "
                           f"{sqlite_url(os.path.join(database, 'archive.sqlite3'))}")
    if not os.path.exists(database):
        if not os.path.isdir(folder):
            not_there = f"{folder} is a file, not a folder" if os.path.exists(folder) else f"no such folder {folder}"
            raise ArchiveError(f"{'cannot make archive' if create else 'archive not found:'} {shown}: {not_there}{relative}")
        if not create:
            # Connecting would leave an empty file behind.
            raise ArchiveError(f"archive not found: {shown}: no such file{'' if os.path.isabs(database) else f' {path}{relative}'}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ArchiveError(f"cannot make archive {shown}: the folder {folder} is not writable")
        return
    if not os.path.isfile(database):
        return
    if not write:
        _check_sqlite_reading(path, shown, immutable=immutable)
        return
    if not os.access(database, os.R_OK | os.W_OK):
        raise ArchiveError(f"cannot write archive {shown}: the file {path} is not writable")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ArchiveError(f"cannot write archive {shown}: the folder {folder} is not writable "
                           "(SQLite writes its journal beside the file)")
    for beside in _wal_files(path):
        if _denied(beside, os.R_OK | os.W_OK):
            # Another user's reader of a WAL archive it may not write leaves these behind (or
            # its writer runs): SQLite then opens them read-only, and the first batch failed.
            raise ArchiveError(f"cannot write archive {shown}: the file {beside} is not writable "
                               "(another user's process made it, or has the archive open)")


def _denied(path: str, mode: int) -> bool:
    """Whether the file ``path`` is there and refuses ``mode``. A writer closing the archive
    removes its -wal and -shm: one gone between a look and the access check refuses nothing
    (a crawl's archive opened as its last connection closed was refused "not writable"). Nor
    does one gone at the check and made again by the next connection before the look: the
    check is asked again of the file that is there (a reader opening and closing the archive
    every few milliseconds, on a busy machine, had the crawl refused so)."""
    return not os.access(path, mode) and os.path.exists(path) and not os.access(path, mode)


def _size(path: str) -> int:
    """The file's size; 0 for one that is not there, or that a closing writer just removed."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _wal_files(path: str) -> tuple[str, str]:
    """The files SQLite keeps beside a WAL archive while it is open: its log and its index."""
    return f"{path}-wal", f"{path}-shm"


def _sqlite_header_wal(path: str) -> bool:
    """Whether the SQLite file at ``path`` is in WAL mode (its header's read and write
    versions are 2): SQLite reads such a file only through the -wal and -shm files beside it."""
    try:
        with open(path, "rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3\x00") and 2 in header[18:20]


def _check_sqlite_reading(path: str, shown: str, *, immutable: bool) -> None:
    """What stands in the way of reading the SQLite archive at ``path`` without writing
    anything, in one line (docs/operations.md, "Sharing an archive read-only").

    SQLite (https://www.sqlite.org/wal.html, read-only databases) reads a WAL archive it may
    not write when its -wal and -shm files are there and readable (a writer has it open, or
    stopped without closing it), and then reads them with its locks, safely while a crawl
    writes. When they are not there (the archive was closed), it must create them: in a folder
    the reader may not write it cannot ("attempt to write a readonly database"), and beside a
    file the reader may not write it creates them, cannot remove them on closing, and leaves
    them, the reader's, in the way of the owner's next crawl, whose writes then all fail.
    ``immutable=1`` reads without them, and without locks: safe only while nothing writes the
    archive, which a reader cannot tell, so it is the user's to ask for, never taken here."""
    folder = os.path.dirname(path)
    copy = "or copy the archive to a folder of yours"
    if not os.access(path, os.R_OK):
        raise ArchiveError(f"cannot read archive {shown}: the file {path} is not readable: ask its owner for read access")
    wal, shm = _wal_files(path)
    if immutable:
        if _size(wal) > 0:
            # Immutable, SQLite reads the file alone: what the log holds is not read.
            raise ArchiveError(f"cannot read archive {shown} as immutable: {wal} holds changes not in the file yet "
                               "(a writer has it open, or stopped without closing it): leave out immutable=1")
        return
    missing = [beside for beside in (wal, shm) if not os.path.exists(beside)]
    unreadable = [beside for beside in (wal, shm) if beside not in missing and _denied(beside, os.R_OK)]
    # The usual case, an archive open elsewhere (or in this process), is told without opening the
    # file: closing any descriptor of it drops every lock this process holds on it, SQLite's
    # included (sqlite.org/howtocorrupt.html, 2.2). The reading room lost its readers' locks so,
    # opening the archive for its first search: a crawl closing took itself for the last
    # connection, removed the log, and the pages showed the archive as it was, for good.
    if not (missing or unreadable):
        return
    # The header (a WAL archive, or a rollback journal's, which reads with no file beside it) is
    # read only where the answer is a refusal: a rollback journal's archive never has the files
    # beside it, and a process holding it open (a write transaction, a search) lost its locks to
    # each check; one may write the folder and file when it holds them, and is not asked.
    if unreadable:
        if _sqlite_header_wal(path):
            raise ArchiveError(f"cannot read archive {shown}: the file {unreadable[0]} is not readable: ask its owner for read access")
        return
    folder_closed = not os.access(folder, os.W_OK | os.X_OK)
    others_read_only = not os.access(path, os.W_OK) and os.stat(path).st_uid != os.geteuid()
    if not (folder_closed or others_read_only) or not _sqlite_header_wal(path):
        return
    names = " and ".join(os.path.basename(beside) for beside in missing)
    if folder_closed:
        raise ArchiveError(f"cannot read archive {shown}: it is in WAL mode, and SQLite reads it only by making {names} "
                           f"in the folder {folder}, which you may not write: ask its owner for write access to the folder"
                           # With the folder alone, the files it makes would stay (below).
                           f"{'' if os.access(path, os.W_OK) else ' and the file'}, {copy}")
    if others_read_only:
        # A file of the reader's own that it keeps read-only leaves files of its own: no harm.
        raise ArchiveError(f"cannot read archive {shown}: it is in WAL mode and the file {path} is another user's, "
                           f"read-only to you: SQLite would leave {names} in {folder}, yours, and its owner's next crawl "
                           f"could not write: ask its owner for write access to the file, {copy}")


# SQLite's codes for a disk too full to open an archive on: its file, or the -shm file it
# makes beside a WAL archive even to read it (SQLITE_IOERR_SHMSIZE), which the command said
# was "database unreachable: … disk I/O error".
_SQLITE_NO_ROOM = (13, 4874)  # SQLITE_FULL, SQLITE_IOERR_SHMSIZE


def _sqlite_no_room(error: BaseException) -> bool:
    return getattr(getattr(error, "orig", None), "sqlite_errorcode", None) in _SQLITE_NO_ROOM


def _missing_words(tables: list[str]) -> str:
    if len(tables) == 1:
        return f"its table {tables[0]} is missing"
    return f"its tables {', '.join(tables)} are missing"


def reading_the_index(reader: str) -> str:
    """Why ``reader`` refuses an archive of a newer schema (Archive.check_writable)."""
    return f"{reader} reads the search index, whose form a newer schema may change"


class Archive:
    """An open archive: an engine, a session factory, and the write path."""

    def __init__(self, url: str | None = None, *, create: bool = True, check: bool = True,
                 write: bool | None = None, origin: str | None = None) -> None:
        """Open the archive at ``url``; ``create`` builds a new one (and means to write to it:
        an archive whose schema is older than the code is refused unless ``check`` is off).
        ``write`` (default: ``create``) opens an archive that exists to write to it too; an
        archive opened only to read is left as it is (a SQLite file keeps its journal mode).
        ``origin``: where ``url`` comes from, for the messages on it (archive_origin); without
        a ``url``, $ARCHIVE_URL or the default."""
        from storage import migrate

        self.url = archive_url(url)
        if origin is None and not url:
            origin = archive_origin(url, "")
        write = create if write is None else write
        self.engine = make_engine(self.url, write=write, origin=origin)
        self.dialect = self.engine.dialect.name
        database = sqlite_file(self.engine.url) if self.dialect == "sqlite" else None
        if self.dialect == "sqlite" and database is None:
            self.engine.dispose()
            raise in_memory(self.url)
        if self.dialect == "sqlite" and write and (read_only := _sqlite_read_only(self.engine.url)):
            # As SQLite opens it: the writer fetched (or read) everything, then stored nothing.
            self.engine.dispose()
            raise ArchiveError(f"archive {safe_url(self.url)} is read-only ({read_only}) and this command writes to it: "
                               f"give its URL without {read_only}")
        if database:
            try:
                _check_sqlite_path(database, safe_url(self.url) + _given(origin), create=create, write=write,
                                   immutable=_sqlite_boolean(_sqlite_parameter(self.engine.url, "immutable")))
            except ArchiveError:
                self.engine.dispose()
                raise
        try:
            with self.engine.connect() as conn:
                if create or write:
                    # Crawlers started together on a new archive: one creates the tables, the
                    # others wait for it (concurrent CREATE TABLEs collide in pg_type); and a
                    # writer started during an `archive upgrade` reads the revision it leaves.
                    hold_schema_lock(conn)
                self.revision = migrate.revision(conn)
                if self.revision is None and create and begin_sqlite_ddl(conn):
                    # Read again under the lock: another crawler may have made the tables meanwhile.
                    self.revision = migrate.revision(conn)
                if missing := migrate.missing_tables(conn, self.revision):
                    raise ArchiveError(
                        f"archive {safe_url(self.url)}{_given(origin)} is a damaged archive of this crawler: "
                        f"{_missing_words(missing)}: restore it from a backup, or name another archive")
                unknown = self.revision is None or (self.revision != migrate.head() and not migrate.known(self.revision))
                # Named before "archive not found", which a reading command said of another
                # program's database too: the user looked for a missing table of the archive's.
                if unknown and (theirs := migrate.foreign_tables(conn)):
                    raise ForeignDatabase(
                        f"archive {safe_url(self.url)}{_given(origin)} holds no archive but another program's tables "
                        f"({', '.join(theirs)})", "name the archive's database, or an empty one to make it in",
                        _server_of(conn) if self.dialect == "postgresql" else None)
                if self.revision is None and self.dialect == "postgresql" and (closed := _schemas_out_of_reach(conn)):
                    role, schema = closed
                    raise ArchiveError(
                        f"role {role} may not use schema {schema} of archive {safe_url(self.url)} (PostgreSQL leaves "
                        f"it out of the role's search_path): the schema's owner (or a superuser) lets it: "
                        f"GRANT USAGE ON SCHEMA {schema} TO {role}")
                if self.revision is None and self.dialect == "postgresql" and (path := _search_path_of_no_schema(conn)):
                    raise ArchiveError(
                        f"archive {safe_url(self.url)} names no schema that exists: its search_path is {', '.join(path)} "
                        f"(PostgreSQL keeps the archive's tables in the first schema of it that exists): make it, "
                        f"CREATE SCHEMA {path[0]}, or correct the search_path")
                if self.revision is None and not create:
                    raise ArchiveError(f"archive not found: {safe_url(self.url)} has no articles table")
                if self.revision is None:
                    migrate.upgrade_connection(conn)
                    conn.commit()
                    self.revision = migrate.head()
        except ArchiveError:
            self.engine.dispose()  # the caller gets no archive to close
            raise
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                self.engine.dispose()
                raise
            if create or write:
                # A writer on tables another role made (the superuser's first crawl) was told the
                # grant to read alone, and once given it, refused again for the ones to write.
                try:
                    self.check_write_privileges()
                except ArchiveError as refusal:
                    self.engine.dispose()
                    raise refusal from None
            raise self._not_readable(exc) from None
        except OperationalError as exc:
            self.engine.dispose()
            if database and not write and os.path.isfile(database):
                # The -wal and -shm seen beside the file before, gone since: their writer closed.
                _check_sqlite_path(database, safe_url(self.url) + _given(origin), create=False, write=False,
                                   immutable=_sqlite_boolean(_sqlite_parameter(self.engine.url, "immutable")))
            if database and _sqlite_no_room(exc):
                raise ArchiveError(f"cannot open archive {safe_url(self.url)}: the disk holding it is full "
                                   f"(SQLite needs room beside it for its -wal and -shm files): {database_words(exc)}") from None
            raise connection_failure(self.url, exc, origin) from None
        if create and check:
            try:
                self.check_writable()
                self.check_write_privileges()
            except ArchiveError:
                self.engine.dispose()  # the caller gets no archive to close
                raise
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._statements: dict[tuple, Any] = {}  # upserts by table, keys and columns updated

    def _not_readable(self, refusal: ProgrammingError) -> ArchiveError:
        self.engine.dispose()  # the caller gets no archive to close
        return not_readable(self.url, refusal)

    def check_writable(self, why: str = "") -> None:
        """Refuse, in one line, to write with code whose schema differs from the archive's.
        ``why``: why a command that only reads needs this code's schema, which the line on a
        newer archive says (reading_the_index)."""
        from storage import migrate

        if self.revision == migrate.head():
            return
        if migrate.known(self.revision):
            raise ArchiveError(
                f"archive {safe_url(self.url)} has schema {self.revision}, older than this code's "
                f"({migrate.head()}): run `archive upgrade` first"
            )
        why = f" ({why})" if why else ""
        raise ArchiveError(
            f"archive {safe_url(self.url)} has schema {self.revision}, unknown to this code (newer?): update the software{why}"
        )

    def check_write_privileges(self, writes: Mapping[str, tuple[str, ...]] = WRITES) -> None:
        """Refuse, in one line, to write with a PostgreSQL role that may not: a reader's role
        (SELECT only, as docs/archive.md advises for people who query) would otherwise crawl
        for hours and have every batch refused. ``writes``: what the writer does to each table
        (the crawl's by default)."""
        if self.dialect != "postgresql":
            return
        with self.engine.connect() as conn:
            user, schema = conn.exec_driver_sql("SELECT current_user, current_schema()").one()
            asked = [(table, privilege) for table, privileges in writes.items() for privilege in privileges]
            lacking = [f"{privilege} on {table}" for table, privilege in conn.execute(text(  # one round trip
                "SELECT t, p FROM unnest(CAST(:tables AS text[]), CAST(:privileges AS text[])) WITH ORDINALITY AS x(t, p, n) "
                "WHERE NOT has_table_privilege(t, p) ORDER BY n"
            ), {"tables": [t for t, _ in asked], "privileges": [p for _, p in asked]})]
            lacking += [f"USAGE on {sequence}" for (sequence,) in conn.execute(text(
                "SELECT s FROM unnest(CAST(:tables AS text[])) AS t, pg_get_serial_sequence(t, 'id') AS s "
                "WHERE s IS NOT NULL AND NOT has_sequence_privilege(s, 'USAGE')"
            ), {"tables": [t for t, privileges in writes.items() if "INSERT" in privileges and t not in fulltext.NAMES]})]
        if lacking:
            more = f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""
            raise ArchiveError(
                f"role {user} may not write to archive {safe_url(self.url)}: it lacks {lacking[0]}{more} "
                "(a role that may only read can search, query, count and export it): use the archive's writing role, "
                "or let this one write: the tables' owner (or a superuser) grants all a writer needs at once, "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_sql_name(schema)} TO {_sql_name(user)}; "
                f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_sql_name(schema)} TO {_sql_name(user)} (README.md, "The archive")'
            )

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()

    # -- completeness ------------------------------------------------------------------

    def issue_states(self, paper_code: str, first: date, last: date, pdfs: bool = False,
                     all_articles: bool = False) -> dict[date, IssueState]:
        """The stored issues of a paper from ``first`` to ``last`` (inclusive), by date.
        ``pdfs``: the crawl fetches page PDFs, and a page whose PDF is not stored yet is not
        complete (a crawl killed before it stored the PDF must fetch it again). ``all_articles``:
        ``articles`` of complete issues too (a refresh, which asks them again)."""
        issues = (
            select(Issue.id)
            .join(Paper, Paper.id == Issue.paper_id)
            .where(Paper.code == paper_code, Issue.issue_date.between(first, last))
        )
        # A page's stored articles: those it links, and those fetched from it (the links of a
        # page stored before revision 0010 are only those stored then); and those it links that
        # are gone, which no run asks again.
        # An archive before revision 0010 (read by archive stats) has no page_articles: its
        # pages' links are the articles stored from them, as 0010 fills page_articles with.
        pages = select(Page.id).where(Page.issue_id.in_(issues))
        links = self.revision >= PAGE_LINKS
        dead = self.revision >= DEAD_LINKS
        linked = union(
            select(Article.page_id, Article.url).where(Article.page_id.in_(pages)),
            *([select(PageArticle.page_id, PageArticle.url)
               .join(Article, Article.url == PageArticle.url)
               .where(PageArticle.page_id.in_(pages))] if links else []),
            *([select(PageArticle.page_id, PageArticle.url)
               .join(DeadLink, DeadLink.url == PageArticle.url)
               .where(PageArticle.page_id.in_(pages), DeadLink.gone_since.is_not(None))] if dead else []),
        ).subquery()
        stored = select(linked.c.page_id, func.count().label("n")).group_by(linked.c.page_id).subquery()
        query = (
            select(
                Issue.id, Issue.issue_date, Issue.pages_expected, Issue.url.label("issue_url"), Page.url, Page.articles_expected,
                func.coalesce(stored.c.n, 0), Page.pdf_text.is_not(None), Page.pdf_url.is_(None),
            )
            # A removed page (numbered below zero) is none of its issue's pages.
            .outerjoin(Page, (Page.issue_id == Issue.id) & (Page.page_number > 0))
            .outerjoin(stored, stored.c.page_id == Page.id)
            .where(Issue.id.in_(issues))
        )
        found: dict[int, dict[str, Any]] = {}
        with self.session() as session:
            for issue_id, day, expected, issue_url, url, linked, n, has_pdf, no_pdf in session.execute(query):
                state = found.setdefault(
                    issue_id, {"issue_date": _as_date(day), "pages_expected": expected, "complete_pages": set(), "pdf_pages": set(),
                               "url": issue_url, "lost_pages": set()}
                )
                if url is not None and linked is not None and n >= linked and (not pdfs or has_pdf or no_pdf):
                    state["complete_pages"].add(url)
                if url is not None and has_pdf:
                    state["pdf_pages"].add(url)
            dead_links: dict[int, dict[str, Unserved]] = {}
            if dead:
                for issue_id, kind, url, runs, first_seen, gone_since in session.execute(
                    select(DeadLink.issue_id, DeadLink.kind, DeadLink.url, DeadLink.runs, DeadLink.first_seen,
                           DeadLink.gone_since).where(DeadLink.issue_id.in_(issues))
                ):
                    dead_links.setdefault(issue_id, {})[url] = Unserved(runs, as_utc(first_seen), gone_since is not None)
                    state = found.get(issue_id)
                    if kind == "page" and gone_since is not None and state is not None and url not in state["complete_pages"]:
                        state["complete_pages"].add(url)  # a page the site lost: none to store
                        state["lost_pages"].add(url)
            asked = [  # the issues whose stored articles a crawl needs: those it may skip, or asks again
                i for i, st in found.items()
                if all_articles or st["pages_expected"] is None or len(st["complete_pages"]) < st["pages_expected"]
            ]
            articles: dict[int, set[str]] = {i: set() for i in asked}
            if asked:
                rows = session.execute(
                    select(Page.issue_id, Article.url).join(Page, Page.id == Article.page_id).where(Page.issue_id.in_(asked))
                )
                for issue_id, url in rows:
                    articles[issue_id].add(url)
        return {
            st["issue_date"]: IssueState(
                issue_date=st["issue_date"],
                pages_expected=st["pages_expected"],
                complete_pages=frozenset(st["complete_pages"]),
                articles=frozenset(articles.get(i, ())),
                pdf_pages=frozenset(st["pdf_pages"]),
                dead_links=dead_links.get(i, {}),
                url=st["url"],
                lost_pages=frozenset(st["lost_pages"]),
            )
            for i, st in found.items()
        }

    def absent_issues(self, paper_code: str, first: date, last: date) -> dict[date, Unserved]:
        """The dates of a paper from ``first`` to ``last`` (inclusive) whose entry page the site
        answered 404 for or its error page (absent_issues), by date; ``gone``: the date has no
        issue, as far as the crawler is concerned."""
        if self.revision < ABSENT_ISSUES:
            return {}
        with self.session() as session:
            return {
                _as_date(day): Unserved(runs, as_utc(first_seen), confirmed is not None, url, as_utc(last_seen))
                for day, runs, first_seen, confirmed, url, last_seen in session.execute(
                    select(AbsentIssue.issue_date, AbsentIssue.runs, AbsentIssue.first_seen, AbsentIssue.confirmed_since,
                           AbsentIssue.url, AbsentIssue.last_seen)
                    .join(Paper, Paper.id == AbsentIssue.paper_id)
                    .where(Paper.code == paper_code, AbsentIssue.issue_date.between(first, last))
                )
            }

    # -- the crawl history -------------------------------------------------------------

    def start_run(self, paper_code: str, dates_asked: str, heartbeat_seconds: float | None = None,
                  kind: str = "crawl") -> int:
        """Record a run as 'running'; a run killed before :meth:`finish_run` stays so, with the
        counts of the batches it stored and its last heartbeat (``seen_at``). ``heartbeat_seconds``:
        how often the run beats (None: the default), for the rule that tells it killed. ``kind``:
        'crawl' or 'reprocess' (storage.models.CRAWL_RUN_KINDS)."""
        if kind not in CRAWL_RUN_KINDS:
            raise ValueError(f"kind {kind!r} of run is none of {', '.join(CRAWL_RUN_KINDS)}")
        now = utcnow()
        # The columns the archive's revision has (an older one only in tests of upgrades).
        seen = {"seen_at": now, "dates_without_issue": 0} if self.revision >= RUN_HEARTBEATS else {}
        if self.revision >= HEARTBEAT_INTERVALS:
            seen["heartbeat_seconds"] = heartbeat_seconds
        if self.revision >= RUN_KINDS:
            seen["kind"] = kind
        elif kind == "reprocess":
            # As the code before 0017 told a reprocess's row, and as its upgrade reads it.
            dates_asked = " ".join(filter(None, ("reprocess", dates_asked)))
        with self.session() as session, session.begin():
            return session.execute(self._insert(CrawlRun.__table__).values(
                paper_code=paper_code, dates_asked=dates_asked, started_at=now, status="running", **seen
            )).inserted_primary_key[0]

    def note_run(self, run_id: int, message: str) -> None:
        """The message of a run still running: what it is at (a crawl of the newest issue: the
        issues it asks, crawler/extensions.py: crawling_message), kept by a run killed before
        its end. Its end writes its own message over it."""
        with self.session() as session, session.begin():
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == "running").values(message=message))

    def latest_run_messages(self, paper_code: str, since: date) -> list[tuple[datetime, str]]:
        """When each crawl of the newest issue of ``paper_code`` (``dates_asked`` 'latest') that
        started on ``since`` or later started (UTC), and its message, which names the issues it
        asked that it failed to fetch, or was fetching when it was killed. Not of a run still
        crawling by the rule that tells a killed run (storage.stats.run_state): it is fetching
        them (a cron line's crawl of the newest beside one by hand)."""
        from storage.stats import run_state

        since_at = datetime(since.year, since.month, since.day, tzinfo=timezone.utc)
        runs = CrawlRun.__table__
        query = select(runs.c.started_at, runs.c.message, runs.c.status, runs.c.seen_at, runs.c.heartbeat_seconds).where(
            runs.c.paper_code == paper_code, runs.c.dates_asked == "latest", runs.c.started_at >= since_at)
        if self.revision >= RUN_KINDS:
            query = query.where(runs.c.kind == "crawl")
        now = utcnow()
        with self.session() as session:
            return [(as_utc(row.started_at), row.message or "") for row in session.execute(query)
                    if as_utc(row.started_at) >= since_at
                    and run_state(row.status, row.seen_at, row.heartbeat_seconds, now) != "running"]

    def runs_from_marked(self, paper_code: str, marker: str) -> list[tuple[int, datetime, str, str, str]]:
        """The crawls of ``paper_code`` from the first whose message holds ``marker`` on, oldest
        first: (id, started_at (UTC), state (storage.stats.run_state: a killed run told so),
        dates_asked, message); none when no message holds it."""
        from storage.stats import run_state

        runs = CrawlRun.__table__
        mine = [runs.c.paper_code == paper_code] + ([runs.c.kind == "crawl"] if self.revision >= RUN_KINDS else [])
        marked = select(func.min(runs.c.id)).where(*mine, runs.c.message.contains(marker, autoescape=True)).scalar_subquery()
        query = (select(runs.c.id, runs.c.started_at, runs.c.status, runs.c.seen_at, runs.c.heartbeat_seconds,
                        runs.c.dates_asked, runs.c.message)
                 .where(*mine, runs.c.id >= marked).order_by(runs.c.id))
        now = utcnow()
        with self.session() as session:
            return [(row.id, as_utc(row.started_at), run_state(row.status, row.seen_at, row.heartbeat_seconds, now),
                     row.dates_asked, row.message or "") for row in session.execute(query)]

    def refreshed_since(self, paper_code: str, since: Mapping[date, datetime], pdfs: bool = False) -> dict[date, Refreshed]:
        """Of the stored issues of ``paper_code`` on the dates of ``since``, what was fetched at
        or after each date's time: its pages (an issue's, not one taken out of it) whose every
        stored article was too, and with ``pdfs`` (a crawl that fetches them) their PDF, whose raw
        document's time tells (a refresh stopped between a page and its PDF left the PDF as it
        was); its articles."""
        found: dict[date, Refreshed] = {}
        by_time: dict[datetime, list[date]] = {}
        for day, at in since.items():
            by_time.setdefault(as_utc(at), []).append(day)
        with self.session() as session:
            for at, days in by_time.items():
                issues = (select(Issue.id).join(Paper, Paper.id == Issue.paper_id)
                          .where(Paper.code == paper_code, Issue.issue_date.in_(days)))
                old = or_(Article.fetched_at.is_(None), Article.fetched_at < at)
                stale = union(
                    select(Article.page_id).where(Article.page_id.in_(select(Page.id).where(Page.issue_id.in_(issues))), old),
                    select(PageArticle.page_id).join(Article, Article.url == PageArticle.url)
                    .where(PageArticle.page_id.in_(select(Page.id).where(Page.issue_id.in_(issues))), old),
                ).subquery()
                pdf_fresh = exists().where(RawDocument.url == Page.pdf_url, RawDocument.fetched_at >= at)
                pages = session.execute(
                    select(Issue.issue_date, Issue.pages_expected, Page.url,
                           (Page.fetched_at >= at) & Page.id.not_in(select(stale.c.page_id)), Page.pdf_url.is_(None), pdf_fresh)
                    .join(Page, (Page.issue_id == Issue.id) & (Page.page_number > 0)).where(Issue.id.in_(issues)))
                states: dict[date, dict[str, Any]] = {}
                for day, expected, url, fresh, no_pdf, has_pdf in pages:
                    state = states.setdefault(_as_date(day), {"expected": expected, "pages": set(), "stale": 0, "articles": set(),
                                                                 "held": set(), "pdfs": set()})
                    if has_pdf:
                        state["pdfs"].add(url)
                    if fresh and (not pdfs or no_pdf or has_pdf):
                        state["pages"].add(url)
                    else:
                        state["stale"] += 1
                for day, url, fresh in session.execute(
                        select(Issue.issue_date, Article.url, Article.fetched_at >= at).join(Page, Page.id == Article.page_id)
                        .join(Issue, Issue.id == Page.issue_id).where(Issue.id.in_(issues))):
                    if (state := states.get(_as_date(day))) is not None:
                        state["held"].add(url)
                        if fresh:
                            state["articles"].add(url)
                for day, state in states.items():
                    whole = not state["stale"] and state["expected"] is not None and len(state["pages"]) >= state["expected"]
                    found[day] = Refreshed(frozenset(state["pages"]), frozenset(state["articles"]), frozenset(state["held"]), whole,
                                           frozenset(state["pdfs"]))
        return found

    def heartbeat(self, run_id: int, counts: Mapping[str, int]) -> None:
        """The run is alive: its ``seen_at`` now, with what it counted so far of the counts no
        batch writes (failures, links gone, page PDFs without text). A run that ended is left
        as it ended."""
        if self.revision < RUN_HEARTBEATS:
            return
        values = {k: int(counts.get(k, 0)) for k in RUN_COUNTS if k not in BATCH_RUN_COUNTS}
        row = update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == "running")
        with self.session() as session, session.begin():
            # The row held first, the clock read after: a heartbeat that read it before waiting
            # behind a batch put the batch's later seen_at back, to before what it stored.
            if session.execute(row.values(**values)).rowcount:
                session.execute(row.values(seen_at=utcnow()))

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, int], message: str = "") -> None:
        """End the run: its status, message and what it counted (``counts``). What its batches
        stored is what their transactions added to the row: the run's own tally of it may be
        short of what committed (a batch whose commit went through unbeknown to the run, its
        acknowledgement lost and the server not answering whether it committed, counted failed),
        and is left out, but in an archive older than RUN_HEARTBEATS, whose batches add nothing."""
        batches_counted = self.revision >= RUN_HEARTBEATS
        values = {k: int(counts.get(k, 0)) for k in RUN_COUNTS if self.revision >= _RUN_COUNT_REVISIONS.get(k, "")
                  and not (batches_counted and k in BATCH_RUN_COUNTS)}
        now = utcnow()
        seen = {"seen_at": now} if self.revision >= RUN_HEARTBEATS else {}
        with self.session() as session, session.begin():
            session.execute(
                update(CrawlRun).where(CrawlRun.id == run_id).values(finished_at=now, status=status, message=message,
                                                                     **values, **seen)
            )

    def crawl_runs(self, paper_code: str | None = None, limit: int = 50, kind: str | None = None) -> list[CrawlRun]:
        """The most recent runs first (latest_runs), at most ``limit``; of ``kind`` ('crawl',
        'reprocess') only, when given. With ``paper_code``: that paper's runs and the runs over
        every paper (``paper_code`` '*', ALL_PAPERS: an `archive reprocess` without --paper,
        which read that paper's documents too), as `archive stats --paper` lists them. The
        paper's own alone are those whose ``paper_code`` is the one given."""
        with self.session() as session:
            return list(session.execute(latest_runs([CrawlRun], paper_code, limit, kind)).scalars())

    # -- writing -----------------------------------------------------------------------

    def _insert(self, table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def _upsert(
        self, session: Session, model, rows: list[dict], keys: tuple[str, ...], *, update: bool = True, ids: bool = True
    ) -> dict[tuple, int]:
        """Insert or update rows in one statement; return {key tuple: id} (empty when not ``ids``).

        Rows repeating a key within the batch are merged (last wins): PostgreSQL refuses to
        update one row twice in a statement.
        """
        if not rows:
            return {}
        unique = {tuple(r[k] for k in keys): r for r in rows}
        rows = list(unique.values())
        session.execute(self._upsert_statement(model.__table__, keys, tuple(rows[0]) if update else None), rows)
        return _ids_by_key(session, model.__table__, keys, set(unique)) if ids else {}

    def _upsert_statement(self, table, keys: tuple[str, ...], columns: tuple[str, ...] | None):
        """The upsert of ``table`` updating ``columns`` (None: leaving a row that is there), made
        once per archive: building ON CONFLICT's ``excluded`` columns costs more than the cached
        compilation that follows."""
        statement = self._statements.get((table.name, keys, columns))
        if statement is None:
            statement = self._insert(table)
            if columns is not None:
                statement = statement.on_conflict_do_update(
                    index_elements=list(keys),
                    set_={c: statement.excluded[c] for c in columns if c not in keys and c != "first_seen"},
                )
            else:
                statement = statement.on_conflict_do_nothing(index_elements=list(keys))
            self._statements[(table.name, keys, columns)] = statement
        return statement

    def store_batch(
        self,
        pages: Iterable[Mapping[str, Any]] = (),
        articles: Iterable[Mapping[str, Any]] = (),
        pdfs: Iterable[Mapping[str, Any]] = (),
        dead: Iterable[Mapping[str, Any]] = (),
        absent: Iterable[Mapping[str, Any]] = (),
        run: int | None = None,
        commit: BatchCommit | None = None,
        claims: IssueClaims | None = None,
    ) -> dict[str, int]:
        """Write pages, articles, page PDFs, dead links and dates without an issue (mappings
        with the item fields) in one transaction; and add what it stored to the counts of the
        crawl run ``run`` (crawl_runs.id), then still running, and see it alive (``seen_at``)
        in the same transaction, so that a run killed at any point keeps the counts of what it
        stored.

        Re-storing the same URLs updates rows in place. When an article's text or pictures
        changed, what was stored is kept in article_versions. A page or article fetched before
        the one stored (``fetched_at``) is left as stored, and so is a page's PDF text. A page
        or article stored is no dead link any more, nor is one of ``dead`` that is ``held`` (one the
        archive holds, a refresh did not get), and a date with a page stored is no date without
        an issue.

        ``commit``: filled with the batch's counts and its mark just before the COMMIT, for a
        caller whose COMMIT failed to ask :meth:`batch_committed` before writing it again.

        ``claims``: a crawl's (storage.roots.IssueClaims): the items of an issue another crawl
        stored from another root are left out, and the issue noted in it.
        """
        pages, articles, pdfs = list(pages), list(articles), list(pdfs)
        dead = list(dead) if self.revision >= DEAD_LINKS else []  # older only in tests of upgrades
        # Links the archive holds, not served by a refresh: no dead links; an older refresh's record of one goes.
        held = [x["url"] for x in dead if x.get("held")]
        if held:
            dead = [x for x in dead if not x.get("held")]
        counts = {"pages": len(pages), "articles": len(articles), "pdfs": len(pdfs), "dead": len(dead), "versions": 0}
        # One item per row, the newest fetch of it.
        pages = _newest(pages, lambda p: (p["paper_code"], _as_date(p["issue_date"]), p["page_number"]))
        articles = _newest(articles, lambda a: a["url"])
        pdfs = _newest(pdfs, lambda x: x["url"])
        dead = _newest(dead, lambda x: x["url"])
        absent = _newest(list(absent) if self.revision >= ABSENT_ISSUES else [],
                         lambda x: (x["paper_code"], _as_date(x["issue_date"])))
        counts["dates_without_issue"] = len(absent)
        everything = pages + articles + pdfs
        with self.session() as session, session.begin():
            papers = self._upsert(
                session, Paper,
                [{"code": x["paper_code"], "name": x["paper_name"]} for x in everything + dead + absent],
                ("code",),
            )
            # The time of this write, read once the paper's row is held (writers of one paper
            # take turns there): a writer that read the clock first and committed last would
            # date a version's end before its start.
            now = utcnow()
            if claims is not None:
                batch = (pages, articles, pdfs, dead)
                pages, articles, pdfs, dead = self._held_elsewhere(session, papers, claims, batch)
                for name, before, kept in zip(("pages", "articles", "pdfs", "dead"), batch, (pages, articles, pdfs, dead)):
                    counts[name] -= len(before) - len(kept)
                everything = pages + articles + pdfs
            issues = self._upsert(
                session, Issue,
                [
                    {
                        "paper_id": papers[(x["paper_code"],)],
                        "issue_date": _as_date(x["issue_date"]),
                        "url": x["issue_url"],
                        "updated_at": now,
                    }
                    for x in everything + dead
                ],
                ("paper_id", "issue_date"),
            )

            def issue_id(x: Mapping[str, Any]) -> int:
                return issues[(papers[(x["paper_code"],)], _as_date(x["issue_date"]))]

            incoming_pages = {(issue_id(p), p["page_number"]): p for p in pages}
            older = self._place_pages(session, incoming_pages, now)
            fetched = [Page.fetched_at] if self.revision >= COMPLETE_VERSIONS else []
            known_pages = _rows_by_key(session, Page.__table__, ("issue_id", "page_number"), set(incoming_pages),
                                       Page.articles_expected, *fetched)
            stale_pages = {key for key, row in known_pages.items() if fetched and _older(incoming_pages[key], row.fetched_at)}
            stale_pages |= older.keys()
            # The row an article stored before its page left (below: another distributed worker's
            # batch, or a run that lost the page item) holds the page's heading, no reading of the
            # page itself (no count of its links, no fetch time): storing the page is storing it
            # new, or the job's pages_new would never add up to its pages. Told by its count of
            # links, not its label: a page stored before revision 0008 has no fetch time either
            # and may have no label (its number read from the file's metadata), yet it has a
            # count (0 or more).
            stubs = {key for key, row in known_pages.items()
                     if row.articles_expected is None and (not fetched or row.fetched_at is None)}
            counts["pages_updated"] = len(known_pages.keys() - stale_pages - stubs)
            counts["pages_new"] = len(incoming_pages.keys() - known_pages.keys() - stale_pages) + len(stubs - stale_pages)
            if stale_pages:
                # Fetched before the page stored: its row, its issue's size and its raw page stay.
                counts["pages_stale"] = len(stale_pages)
                pages = [p for key, p in incoming_pages.items() if key not in stale_pages]
                everything = pages + articles + pdfs
            sizes = [
                {"issue": issue_id(p), "n": p["pages_expected"]}
                for p in pages
                if p.get("pages_expected") is not None
            ]
            if sizes:
                session.execute(
                    update(Issue.__table__).where(Issue.__table__.c.id == bindparam("issue")).values(pages_expected=bindparam("n")),
                    sizes,
                )

            # A stale page's articles and PDF, newer than those stored, go to the row that is it.
            page_ids = {key: older.get(key) or known_pages[key].id for key in stale_pages}
            page_ids |= self._upsert(
                session, Page,
                [
                    {
                        "issue_id": issue_id(p),
                        "page_number": p["page_number"],
                        "page_label": p.get("page_label") or "",
                        "section": p.get("section") or "",
                        "section_original": p.get("section_original") or "",
                        "url": p["url"],
                        "pdf_url": p.get("pdf_url"),
                        "image_url": p.get("image_url"),
                        "articles_expected": p.get("articles_expected"),
                        "updated_at": now,
                    } | ({"fetched_at": as_utc(p.get("fetched_at")) or now} if self.revision >= COMPLETE_VERSIONS else {})
                    for p in pages
                ],
                ("issue_id", "page_number"),
            )
            linked = [(page_ids[key], p["article_urls"]) for key, p in incoming_pages.items()
                      if key not in stale_pages and p.get("article_urls") is not None]
            if linked and self.revision >= PAGE_LINKS:
                # A page's list is replaced whole, as a page's row is: the site may have changed it.
                session.execute(delete(PageArticle).where(PageArticle.page_id.in_([page for page, _ in linked])))
                links = [{"page_id": page, "position": n, "url": url} for page, urls in linked for n, url in enumerate(urls)]
                if links:  # a page without article links (an advertisement page) has none to write
                    session.execute(self._insert(PageArticle.__table__), links)
            page_ids |= self._removed_since(session, [x for x in articles + pdfs
                                                      if (issue_id(x), x["page_number"]) not in page_ids], issue_id)
            # An article may arrive in a later batch than its page, or after an interrupted
            # run lost the page item: make sure a page row exists without overwriting one.
            # Pages of this batch have theirs. The row has the heading of the page the article
            # (or PDF) came from, so that the article is in its section until the page comes,
            # and if it never does.
            page_ids |= self._upsert(
                session, Page,
                [
                    {"issue_id": key[0], "page_number": key[1], "url": a["page_url"],
                     "page_label": a.get("page_label") or "", "section": a.get("section") or "",
                     "section_original": a.get("section_original") or ""}
                    for a in articles + pdfs
                    if (key := (issue_id(a), a["page_number"])) not in page_ids
                ],
                ("issue_id", "page_number"),
                update=False,
            )
            counts["versions"], counts["articles_updated"], stale, same_pictures = self._keep_changed_versions(
                session, articles, now)
            counts["articles_new"] = len(articles) - counts["articles_updated"]
            counts["articles_changed"] = counts["versions"]
            if stale:
                # Fetched before the text stored: the newer stays, with its pictures and raw page.
                counts["articles_updated"] -= len(stale)
                counts["articles_stale"] = len(stale)
                articles = [a for a in articles if a["url"] not in stale]
                everything = pages + articles + pdfs
            article_ids = self._upsert(
                session, Article,
                [
                    {
                        "page_id": page_ids[(issue_id(a), a["page_number"])],
                        "url": a["url"],
                        "article_id": a.get("article_id"),
                        "pretitle": a.get("pretitle") or "",
                        "title": a.get("title") or "",
                        "subtitle": a.get("subtitle") or "",
                        "byline": a.get("byline") or "",
                        "source": a.get("source") or "",
                        "body": a.get("body") or "",
                        "body_original": a.get("body_original") or "",
                        "title_original": a.get("title_original") or "",
                        "original_script": a.get("original_script") or "",
                        "extraction": a.get("extraction") or "template",
                        "updated_at": now,
                    } | ({"fetched_at": as_utc(a.get("fetched_at")) or now} if self.revision >= FETCH_TIMES else {})
                      | ({f: a.get(f) or "" for f in fulltext.ORIGINALS} if self.revision >= HEADING_ORIGINALS else {})
                    for a in articles
                ],
                ("url",),
            )
            ids = [article_ids[(a["url"],)] for a in articles]
            if ids:
                # Children are replaced wholesale: simpler than diffing, and atomic in this
                # transaction. Pictures as stored are left alone: the search index holds their
                # captions, and a picture replaced queues its article to be indexed again.
                repictured = [a for a in articles if a["url"] not in same_pictures]
                session.execute(delete(Image).where(Image.article_id.in_([article_ids[(a["url"],)] for a in repictured])))
                session.execute(delete(Removal).where(Removal.article_id.in_(ids)))
                images = [
                    {
                        "article_id": article_ids[(a["url"],)],
                        "position": n,
                        "url": img["url"],
                        "caption": img.get("caption") or "",
                        "caption_original": img.get("caption_original") or "",
                    }
                    for a in repictured
                    for n, img in enumerate(a.get("images") or [])
                ]
                removals = [
                    {"article_id": article_ids[(a["url"],)], "kind": r["kind"], "text": r["text"]}
                    for a in articles
                    for r in a.get("removals") or []
                ]
                if images:
                    session.execute(self._insert(Image.__table__), images)
                if removals:
                    session.execute(self._insert(Removal.__table__), removals)
            pdfs = self._store_pdf_texts(session, pdfs, lambda x: page_ids[(issue_id(x), x["page_number"])], counts)
            everything = pages + articles + pdfs
            raws = [x["raw"] for x in everything if x.get("raw")]
            self._upsert(
                session, RawDocument,
                [
                    {
                        "url": r["url"],
                        "status": r["status"],
                        "content_type": r.get("content_type") or "",
                        "body_zlib": compress_raw(r["body"]),
                        "fetched_at": as_utc(r.get("fetched_at")) or now,
                    }
                    for r in raws
                ],
                ("url",),
                ids=False,  # nothing refers to a raw document by its id
            )
            if self.revision >= DEAD_LINKS:
                answered = {x["url"]: as_utc(x.get("fetched_at")) or now for x in pages + articles}
                self._store_dead_links(session, dead, issue_id, answered, now)
                if held:
                    session.execute(delete(DeadLink.__table__).where(DeadLink.__table__.c.url.in_(held)))
            if self.revision >= ABSENT_ISSUES:
                served: dict[int, datetime] = {}  # each issue a page of which is stored: its latest fetch
                for p in pages:
                    at = as_utc(p.get("fetched_at")) or now
                    served[issue_id(p)] = max(at, served.get(issue_id(p), at))
                self._store_absent_issues(session, absent, papers, served, now)
            if self.revision >= fulltext.REVISION:  # older only in tests of upgrades (check=False)
                fulltext.flush(session.connection(), gaps=fulltext.gaps_at(self.revision),
                               indexed=fulltext.indexed_at(self.revision))
            if run is not None and self.revision >= RUN_HEARTBEATS:
                # Last: the run's row is held from here to the commit only. Its seen_at is not
                # put back: a heartbeat (which takes no paper's row) may have landed one later
                # than this batch's clock while the batch wrote.
                seen = case((CrawlRun.seen_at > now, CrawlRun.seen_at), else_=now)
                session.execute(
                    update(CrawlRun).where(CrawlRun.id == run, CrawlRun.status == "running")
                    .values(seen_at=seen, **{k: CrawlRun.__table__.c[k] + counts[k] for k in BATCH_RUN_COUNTS})
                )
            if commit is not None:
                commit.mark = self._mark_commit(session)
                commit.counts = counts  # from here on, the COMMIT may have happened whatever is raised
        return counts

    def _held_elsewhere(self, session: Session, papers: Mapping[tuple, int], claims: IssueClaims,
                        batch: tuple[list, ...]) -> tuple[list, ...]:
        """``batch`` (lists of items) less the items of issues the archive holds from another
        crawl's root (IssueClaims.accepts), each such issue noted in ``claims.refused``. Read
        once the paper's row is held: of two crawls of one issue, the second to write finds
        the first's row (an issue is one row per paper and date)."""
        keys = {(papers[(x["paper_code"],)], _as_date(x["issue_date"])) for items in batch for x in items}
        held = _rows_by_key(session, Issue.__table__, ("paper_id", "issue_date"), keys, Issue.url)
        if not held:
            claims.written.update(x["issue_url"] for items in batch for x in items)
            return batch
        verdicts: dict[tuple, bool] = {}
        kept = []
        for items in batch:
            mine = []
            for x in items:
                key = (papers[(x["paper_code"],)], _as_date(x["issue_date"]))
                row = held.get(key)
                if row is not None:
                    verdict = verdicts.get((key, x["issue_url"]))
                    if verdict is None:
                        verdict = verdicts[(key, x["issue_url"])] = claims.accepts(key[1], row.url, x["issue_url"])
                        if not verdict:
                            claims.refused.setdefault((x["paper_code"], key[1]), row.url)
                    if not verdict:
                        continue
                mine.append(x)
            kept.append(mine)
        claims.written.update(x["issue_url"] for items in kept for x in items)
        return tuple(kept)

    def _mark_commit(self, session: Session) -> int | None:
        """What tells this transaction committed. PostgreSQL's own transaction id, whose fate the
        server keeps (any other writer, a distributed worker's batch or a heartbeat, has ids of
        its own). SQLite has no such id: the database header's user_version, set to a number
        drawn for the batch (nothing else of the archive writes it); a COMMIT there is a call
        into the library, not a message that can be lost, and this reads what it did."""
        if self.dialect == "postgresql":
            return session.execute(text("SELECT txid_current()")).scalar_one()
        if not session.connection().connection.dbapi_connection.in_transaction:
            return None  # nothing written (Python's sqlite3 begins at the first write): nothing to mark
        mark = secrets.randbelow(2**31 - 1) + 1
        session.execute(text(f"PRAGMA user_version = {mark}"))
        return mark

    def batch_committed(self, commit: BatchCommit) -> bool | None:
        """Whether the batch whose COMMIT failed (``commit``, filled by :meth:`store_batch`)
        committed all the same; None: not known yet (PostgreSQL has the transaction still in
        progress, a server that did not yet see its client gone). Raises the database's error
        when it cannot be asked (the server still restarting)."""
        if commit.counts is None or commit.mark is None:
            return False
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                status = conn.execute(text("SELECT txid_status(:xid)"), {"xid": commit.mark}).scalar_one()
                return {"committed": True, "aborted": False}.get(status)
            return conn.execute(text("PRAGMA user_version")).scalar_one() == commit.mark

    def _store_dead_links(self, session: Session, dead: list[Mapping[str, Any]], issue_id,
                          answered: Mapping[str, datetime], now: datetime) -> None:
        """Count one more run that the site answered 404 or 410 for each of ``dead`` (``gone``:
        the crawler gives up on it from now on), and forget the links of ``answered`` (pages and
        articles stored, by when each was fetched) that were answered since: a site that answers
        again has the file after all. `archive reprocess` of a page fetched before its 404s
        leaves the record alone."""
        table = DeadLink.__table__
        if answered:
            since = [row.id for row in session.execute(select(table.c.id, table.c.url, table.c.last_seen)
                                                       .where(table.c.url.in_(list(answered))))
                     if as_utc(row.last_seen) <= answered[row.url]]
            if since:
                session.execute(delete(table).where(table.c.id.in_(since)))
        dead = self._served_since(session, dead)
        if not dead:
            return
        reasons = self.revision >= LINK_REASONS
        statement = self._unserved_counter(table, ["url"], ["issue_id", "kind", "status", *(["reason"] if reasons else [])],
                                           "gone_since")
        rows = []
        for x in dead:
            at = as_utc(x.get("fetched_at")) or now
            rows.append({"issue_id": issue_id(x), "kind": x["kind"], "url": x["url"], "status": x["status"],
                         "first_seen": at, "last_seen": at, "runs": 1, "gone_since": at if x.get("gone") else None}
                        | ({"reason": x.get("reason")} if reasons else {}))
        session.execute(statement, rows)

    def _served_since(self, session: Session, dead: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """``dead`` less the pages and articles the archive holds from a fetch after the site's
        answer without them: another crawl of the issue got the file later and stored it while
        this one's answer waited in its batch. Recorded, the older answer stayed beside the file
        stored, as a dead link no run of the complete issue clears, and could give it up."""
        stored: dict[str, datetime] = {}
        for kind, model, revision in (("article", Article, FETCH_TIMES), ("page", Page, COMPLETE_VERSIONS)):
            urls = [x["url"] for x in dead if x["kind"] == kind]
            if urls and self.revision >= revision:
                for url, fetched in session.execute(select(model.url, model.fetched_at).where(model.url.in_(urls))):
                    if fetched is not None and (url not in stored or as_utc(fetched) > stored[url]):
                        stored[url] = as_utc(fetched)
        return [x for x in dead if not _older(x, stored.get(x["url"]))]

    def _unserved_counter(self, table, key: list[str], latest: list[str], given_up: str):
        """The upsert of a dead link's or a date's row (dead_links, absent_issues): a first
        answer without the file is one run; each answer after it counts one more, keeps the
        ``latest`` answer's columns and when it came, and once given up on (``given_up``) the
        row stays so."""
        statement = self._statements.get((table.name,))
        if statement is None:
            statement = self._insert(table)
            statement = self._statements[(table.name,)] = statement.on_conflict_do_update(
                index_elements=key,
                set_={
                    **{column: statement.excluded[column] for column in latest},
                    "last_seen": statement.excluded.last_seen,
                    "runs": table.c.runs + 1,
                    given_up: func.coalesce(table.c[given_up], statement.excluded[given_up]),
                },
            )
        return statement

    def _store_absent_issues(self, session: Session, absent: list[Mapping[str, Any]], papers: Mapping[tuple, int],
                             served: Mapping[int, datetime], now: datetime) -> None:
        """Count one more run that the site answered no issue for each date of ``absent``
        (``confirmed``: the date has no issue from now on), and forget the dates of the issues
        of ``served`` (by issues.id, when a page of each was fetched) answered so before: the
        site has the issue after all. As for dead links (_store_dead_links), a page fetched
        before the last of those answers (`archive reprocess`) leaves the record alone.

        A date answered so at another entry page than its record's (another base_url: a
        mistyped one, all of whose dates answer 404) starts its count anew: the answers of one
        address say nothing of another's, and a range taken for dates without an issue at a
        wrong address was skipped for good once the address was put right."""
        table = AbsentIssue.__table__
        if served:
            issues = Issue.__table__
            since = [row.id for row in session.execute(
                select(table.c.id, table.c.last_seen, issues.c.id.label("issue"))
                .join(issues, (issues.c.paper_id == table.c.paper_id) & (issues.c.issue_date == table.c.issue_date))
                .where(issues.c.id.in_(list(served)))) if as_utc(row.last_seen) <= served[row.issue]]
            if since:
                session.execute(delete(table).where(table.c.id.in_(since)))
        absent = self._answered_since(session, absent, papers)
        if not absent:
            return
        asked = {(papers[(x["paper_code"],)], _as_date(x["issue_date"])): x["url"] for x in absent}
        recorded = _rows_by_key(session, table, ("paper_id", "issue_date"), set(asked), table.c.url)
        if elsewhere := [row.id for key, row in recorded.items() if row.url != asked[key]]:
            session.execute(delete(table).where(table.c.id.in_(elsewhere)))
        statement = self._unserved_counter(table, ["paper_id", "issue_date"], ["url", "status", "reason"], "confirmed_since")
        rows = []
        for x in absent:
            at = as_utc(x.get("fetched_at")) or now
            rows.append({"paper_id": papers[(x["paper_code"],)], "issue_date": _as_date(x["issue_date"]), "url": x["url"],
                         "status": x["status"], "reason": x["reason"], "first_seen": at, "last_seen": at,
                         "runs": 1, "confirmed_since": at if x.get("confirmed") else None})
        session.execute(statement, rows)

    def _answered_since(self, session: Session, absent: list[Mapping[str, Any]],
                        papers: Mapping[tuple, int]) -> list[Mapping[str, Any]]:
        """``absent`` less the dates whose issue the archive holds a page of fetched after the
        answer without it: another crawl asked the date later, once the issue was up, and stored
        it while this one's answer waited in its batch (a range run at dawn and a crawl by
        hand). Recorded, the older answer stayed beside the issue, which no run asks again once
        complete to clear it, and could be the one that took the date for one without an issue."""
        if not absent or self.revision < COMPLETE_VERSIONS:
            return absent
        issues = _ids_by_key(session, Issue.__table__, ("paper_id", "issue_date"),
                             {(papers[(x["paper_code"],)], _as_date(x["issue_date"])) for x in absent})
        if not issues:
            return absent
        fetched = dict(session.execute(select(Page.issue_id, func.max(Page.fetched_at))
                                       .where(Page.issue_id.in_(list(issues.values()))).group_by(Page.issue_id)).all())
        return [x for x in absent
                if not _older(x, fetched.get(issues.get((papers[(x["paper_code"],)], _as_date(x["issue_date"])))))]

    def _store_pdf_texts(self, session: Session, pdfs: list[Mapping[str, Any]], page_id, counts: dict[str, int]) -> list:
        """Store the text of each page PDF and what it is; return the PDFs written (their raw
        documents too).

        A PDF fetched before the one stored (its raw document's ``fetched_at``) is left out. A
        text once read stays: one the site no longer has (404/410, ``gone``) is written only
        where none was stored (an empty text marks the page's PDF as settled), and a PDF that
        gives no text now (damaged, or the site put a scan in its place) only where the text
        stored is empty too."""
        stored = _rows_by_key(session, RawDocument.__table__, ("url",), {(x["url"],) for x in pdfs}, RawDocument.fetched_at)
        written = [x for x in pdfs if not ((raw := stored.get((x["url"],))) and _older(x, raw.fetched_at))]
        if len(written) < len(pdfs):
            counts["pdfs_stale"] = len(pdfs) - len(written)
        table = Page.__table__
        statuses = self.revision >= PDF_TEXT_STATUS
        kept = {
            "text": None,  # written whatever was stored
            "gone": table.c.pdf_text.is_(None),
            "empty": or_(table.c.pdf_text.is_(None), table.c.pdf_text == ""),
        }
        for kind, condition in kept.items():
            rows = [
                {"page": page_id(x), "text": x.get("text") or ""}
                | ({"original": x.get("text_original") or "", "status": _pdf_text_status(x)} if statuses else {})
                for x in written if _pdf_kind(x) == kind
            ]
            if rows:
                statement = update(table).where(table.c.id == bindparam("page"))
                if condition is not None:
                    statement = statement.where(condition)
                values = {"pdf_text": bindparam("text")}
                if statuses:
                    values |= {"pdf_text_original": bindparam("original"), "pdf_text_status": bindparam("status")}
                session.execute(statement.values(**values), rows)
        return written

    def _place_pages(self, session: Session, incoming: dict[tuple[int, int], Mapping[str, Any]],
                     now: datetime) -> dict[tuple[int, int], int]:
        """Give each page of the batch the row that is that page, under the number the site now
        gives it, before pages are written by (issue, number).

        A site renumbers pages (its 第15版 become 第17版), and takes a page out of an issue and
        numbers the later ones one less, at their own addresses or at those of their new numbers.
        A page is known by its article links more than by its address: its row is the one whose
        links share most with the page's, else (it links none the archive holds, or its links were
        not read) the row at its address, else at its number, that nothing stored of it says is
        another page (``same_page``); an advertisement page moved off both, a row without links
        (below; docs/archive.md, "An issue the site changed"). A row holding the number
        of another page, and one at an address the issue's entry page no longer lists
        (``page_urls``), is removed: it keeps its articles and PDF text, apart from the issue's
        pages (``removed_at``, numbered minus its id, so that numbers stay one row each), until a
        page the site serves is found to be it. A page fetched before the rows it would move
        moves none (an older fetch), nor one fetched before the site was seen without the row that
        is it (its ``removed_at``: the fetch time of the entry page or page that showed it gone,
        not of the write, for a crawl's own later batches, all fetched after its entry page, to
        find what its earlier ones removed). Returns those older pages, each with the id of the row
        that is it: they are not written."""
        if not incoming:
            return {}
        table = Page.__table__
        fetched = [table.c.fetched_at] if self.revision >= COMPLETE_VERSIONS else []
        removal = [table.c.removed_at] if self.revision >= REMOVED_PAGES else []
        # The rows and their links in one statement: a batch of pages reads its issues once.
        linked = [PageArticle.url] if self.revision >= PAGE_LINKS else []
        query = select(table.c.id, table.c.issue_id, table.c.page_number, table.c.url, table.c.pdf_url, table.c.page_label,
                       *fetched, *removal, *linked) \
            .where(table.c.issue_id.in_({issue for issue, _ in incoming})).order_by(table.c.id)  # ties go to the oldest row
        if linked:
            query = query.outerjoin(PageArticle.__table__, PageArticle.page_id == table.c.id)
        rows: dict[int, dict] = {}
        links: dict[int, set[str]] = {}
        for row in session.execute(query):
            if row.id not in rows:
                rows[row.id] = {"id": row.id, "issue_id": row.issue_id, "page_number": row.page_number, "url": row.url,
                                "pdf_url": row.pdf_url, "page_label": row.page_label, "fetched_at": row.fetched_at if fetched else None,
                                "removed_at": row.removed_at if removal else None}
                links[row.id] = set()
            if linked and row[-1] is not None:
                links[row.id].add(row[-1])
        at = {(row["issue_id"], row["page_number"]): row for row in rows.values() if row["page_number"] > 0}
        of_issue: dict[int, list[dict]] = {}
        for row in rows.values():
            of_issue.setdefault(row["issue_id"], []).append(row)
        numbers: dict[int, int] = {}  # row id: its number after the batch
        gone: dict[int, datetime] = {}  # row id: the fetch that showed the site without it
        older: dict[tuple[int, int], int] = {}

        def newer(page: Mapping[str, Any], *held) -> bool:
            # removed_at is read as stored: a row this batch removes may be found by a page of the
            # batch fetched before the one that removed it.
            return not any(row is not None and (_older(page, row["fetched_at"]) or _older(page, row["removed_at"]))
                           for row in held)

        links_read = self.revision >= PAGE_LINKS

        def same_page(row: dict, page: Mapping[str, Any]) -> bool:
            """Whether nothing stored of ``row`` says it is another page than ``page``, which
            links none of its articles. A row that lists articles is the page that links one of
            them (moved, it is found by them, in this batch or a later one), else only that page
            emptied or given all new articles: the one at its number and address, with its PDF
            and label. Two PDFs are two printed pages (a row's PDF text is its PDF's)."""
            if links_read and page.get("article_urls") is not None and links[row["id"]]:
                return (row["page_number"], row["url"], row["pdf_url"], row["page_label"]) == \
                    (page["page_number"], page["url"], page.get("pdf_url"), page.get("page_label") or "")
            return not (row["pdf_url"] and page.get("pdf_url") and row["pdf_url"] != page["pdf_url"])

        def remove(row: dict, seen_by: Mapping[str, Any]) -> None:
            del at[(row["issue_id"], row["page_number"])]
            row["page_number"] = numbers[row["id"]] = -row["id"]
            gone[row["id"]] = as_utc(seen_by.get("fetched_at")) or now

        listings: set[tuple[int, tuple[str, ...]]] = set()  # the pages of an issue give one list of its pages
        for (issue, number), page in incoming.items():
            if page.get("page_urls") and newer(page, at.get((issue, number))) \
                    and (listing := (issue, tuple(page["page_urls"]))) not in listings:
                listings.add(listing)
                listed = set(listing[1])
                for row in of_issue.get(issue, ()):
                    if row["page_number"] > 0 and row["url"] not in listed:
                        remove(row, page)
        claimed: set[int] = set()
        held_links: dict[int, set[str]] = {}
        for row in rows.values():
            held_links.setdefault(row["issue_id"], set()).update(links[row["id"]])
        # Pages found by their links first: a page of the batch that links none the archive holds
        # takes no row another page of the batch is.
        for (issue, number), page in sorted(incoming.items(), key=lambda item: held_links.get(item[0][0], set())
                                            .isdisjoint(item[1].get("article_urls") or ())):
            held = at.get((issue, number))
            wanted = set(page.get("article_urls") or ())
            mine = [row for row in of_issue.get(issue, ()) if row["id"] not in claimed]
            own = max(mine, key=lambda row: (len(links[row["id"]] & wanted), row is held, row["url"] == page["url"]), default=None)
            if own is None or not links[own["id"]] & wanted:
                alike = [row for row in (held, *mine) if row is not None and row["id"] not in claimed and same_page(row, page)]
                # Its address before its number: where the site keeps addresses, the row at its
                # number is another page's.
                at_its_place = sorted((row for row in alike if row is held or row["url"] == page["url"]),
                                      key=lambda row: row["url"] != page["url"])
                # A row away from its place with a PDF is no page's that has none: it keeps its PDF text.
                bare = [row for row in alike if not links[row["id"]] and (page.get("pdf_url") or not row["pdf_url"])]
                own = next((row for row in at_its_place if not links[row["id"]]), None)
                if own is None and bare and links_read and page.get("article_urls") is not None and not wanted:
                    # An advertisement page the site moved off its number and address: the row of
                    # its PDF, else (the site gives it none, or one for every page) a row without
                    # links the entry page stopped listing, else one another page moved off.
                    own = next((row for row in bare if page.get("pdf_url") and row["pdf_url"] == page["pdf_url"]), None) \
                        or next((row for row in bare if row["page_number"] < 0), bare[0])
                # Else a row with links: that page, emptied or given all new articles.
                own = own or next(iter(at_its_place), None)
            if not newer(page, own, held):
                if own is not None:
                    older[(issue, number)] = own["id"]
                continue
            if held is not None and held is not own:
                remove(held, page)
            if own is not None:
                claimed.add(own["id"])
                if own["page_number"] != number:
                    at.pop((issue, own["page_number"]), None)
                    own["page_number"] = numbers[own["id"]] = number
                    at[(issue, number)] = own
                own["url"], own["pdf_url"], own["page_label"] = page["url"], page.get("pdf_url"), page.get("page_label") or ""
                links[own["id"]] = wanted
        if not numbers:
            return older
        # Through numbers of their own first: two rows may swap numbers, and a number is one row's.
        removed = {"removed_at": bindparam("removed")} if self.revision >= REMOVED_PAGES else {}
        moving = update(table).where(table.c.id == bindparam("row")).values(page_number=bindparam("number"))
        session.execute(moving.values(**removed), [{"row": row, "number": -row, "removed": gone[row] if number < 0 else None}
                                                   for row, number in numbers.items()])
        if placed := [{"row": row, "number": number} for row, number in numbers.items() if number > 0]:
            session.execute(moving, placed)
        return older

    def _removed_since(self, session: Session, items: list[Mapping[str, Any]],
                       issue_id: Callable[[Mapping[str, Any]], int]) -> dict[tuple[int, int], int]:
        """{(issue, number): row id} of the articles and page PDFs of ``items`` whose page (the row
        at their ``page_url``) the site was seen without after they were fetched: a slower crawl's,
        its page item in an earlier batch, left out there (``_place_pages``). Stored on that row,
        they make no page at the number it had."""
        if not items or self.revision < REMOVED_PAGES:
            return {}
        table = Page.__table__
        removed = {(row.issue_id, row.url): row for row in session.execute(
            select(table.c.id, table.c.issue_id, table.c.url, table.c.removed_at)
            .where(table.c.issue_id.in_({issue_id(x) for x in items}), table.c.page_number < 0).order_by(table.c.id))}
        return {(issue_id(x), x["page_number"]): row.id for x in items
                if (row := removed.get((issue_id(x), x.get("page_url")))) is not None and _older(x, row.removed_at)}

    def _keep_changed_versions(
        self, session: Session, articles: list[Mapping[str, Any]], now: datetime
    ) -> tuple[int, int, set[str], set[str]]:
        """Keep what was stored of each article whose text or pictures changed (the texts of
        :data:`fulltext.VERSIONED` and the pictures' URLs and captions); return (versions kept,
        articles already stored, URLs of those whose stored text was fetched after the one
        given: stale, not to be written, URLs of those whose pictures are stored as given).

        Writers of one paper take turns (each batch first upserts the paper's row, which holds
        the others until it commits), so the stored rows read here are the latest."""
        if not articles:
            return 0, 0, set(), set()
        incoming = {a["url"]: a for a in articles}
        complete = self.revision >= COMPLETE_VERSIONS
        tracked = (fulltext.VERSIONED if self.revision >= HEADING_ORIGINALS
                   else fulltext.VERSIONED_0008 if complete else fulltext.VERSIONED_0002)
        fetched = [Article.fetched_at] if self.revision >= FETCH_TIMES else []
        existing = session.execute(
            select(Article.id, Article.url, Article.first_seen, *(getattr(Article, f) for f in tracked), *fetched)
            .where(Article.url.in_(list(incoming)))
        ).all()
        ids = [a.id for a in existing]
        # A text was served from the previous change (or the first crawl) on: updated_at moves
        # with every re-crawl, changed or not.
        changed_at = dict(session.execute(
            select(ArticleVersion.article_id, func.max(ArticleVersion.valid_until))
            .where(ArticleVersion.article_id.in_(ids))
            .group_by(ArticleVersion.article_id)
        ).all())
        pictures: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
        if complete and ids:
            for row in session.execute(
                select(Image.article_id, Image.url, Image.caption, Image.caption_original)
                .where(Image.article_id.in_(ids)).order_by(Image.article_id, Image.position)
            ):
                pictures[row.article_id].append(_picture(row._mapping))
        versions, stale, same_pictures = [], set(), set()
        for old in existing:
            new = incoming[old.url]
            if _older(new, getattr(old, "fetched_at", None)):
                stale.add(old.url)
                continue
            kept = {f: getattr(old, f) or "" for f in tracked}
            # An article stored before revision 0018 (not read again since) has empty originals
            # beside its headings: not recorded, which is no change, and kept as unknown (NULL).
            kept |= {f: None for f, plain in _ORIGINAL_OF.items() if f in kept and not kept[f] and kept[plain]}
            # Before revision 0008 the pictures are not read: replaced, as if changed.
            repictured = not complete or [_picture(img) for img in new.get("images") or []] != pictures[old.id]
            if not repictured:
                same_pictures.add(old.url)
            if any(kept[f] is not None and kept[f] != (new.get(f) or "") for f in tracked) or complete and repictured:
                valid_from = changed_at.get(old.id) or old.first_seen
                versions.append(
                    {"article_id": old.id, "valid_from": valid_from, "valid_until": now} | kept
                    | ({"images": pictures[old.id]} if complete else {})
                )
        if versions:
            session.execute(self._insert(ArticleVersion.__table__), versions)
        return len(versions), len(existing), stale, same_pictures


# Each published text of fulltext.ORIGINALS and the Simplified column it is the original of.
_ORIGINAL_OF = {original: original.removesuffix("_original") for original in fulltext.ORIGINALS}


def _pdf_kind(pdf: Mapping[str, Any]) -> str:
    return "gone" if pdf.get("gone") else "text" if pdf.get("text") else "empty"


def _pdf_text_status(pdf: Mapping[str, Any]) -> str | None:
    """pages.pdf_text_status of a page PDF item: "no_pdf" when the site has none."""
    if pdf.get("gone"):
        return "no_pdf"
    return pdf.get("text_status") or None


def as_utc(moment: datetime | str | None) -> datetime | None:
    """A timestamp in UTC, with its zone: SQLite gives stored ones back without one (as text, to
    plain SQL), and they are UTC; and it stores one without its zone, so one given in another
    zone is turned into UTC before it is written."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def compress_raw(body: bytes) -> bytes:
    """A raw response as stored in ``raw_documents.body_zlib``: a zlib stream (RFC 1950), which
    ``zlib.decompress`` reads whatever made it.

    Level 1, by ISA-L when installed: 0.02 ms for an article file against zlib level 6's 0.09 ms
    (the largest single cost of writing an article), for a stream ~10 % larger.
    """
    return _isal_compress(body, 1) if _isal_compress else zlib.compress(body, 1)


def _ids_by_key(session: Session, table, keys: tuple[str, ...], wanted: set[tuple]) -> dict[tuple, int]:
    """{key tuple: id} of the rows whose keys are among ``wanted``."""
    return {key: row.id for key, row in _rows_by_key(session, table, keys, wanted).items()}


# What the row an article or a page PDF makes for a page not stored yet leaves empty (the
# rest is the page's number and URL); a page stored has articles_expected at least.
def _rows_by_key(session: Session, table, keys: tuple[str, ...], wanted: set[tuple], *columns) -> dict[tuple, Any]:
    """{key tuple: row of id and ``columns``} of the rows whose keys are among ``wanted``.

    One IN list per key column, the exact tuples picked out here: SQLite answers a row-value
    ``(a, b) IN (VALUES ...)`` by reading the whole table (a batch cost grew with the archive),
    while ``a IN (...) AND b IN (...)`` goes through the unique index on (a, b).
    """
    if not wanted:
        return {}
    key_cols = [table.c[k] for k in keys]
    conditions = [col.in_({key[n] for key in wanted}) for n, col in enumerate(key_cols)]
    found = session.execute(select(table.c.id, *columns, *key_cols).where(*conditions))
    return {key: row for row in found if (key := tuple(row[len(row) - len(keys):])) in wanted}


def _picture(image: Mapping[str, Any]) -> dict[str, str]:
    """A picture as ``article_versions.images`` keeps it (and ``article_history`` shows it)."""
    return {"url": image["url"], "caption": image.get("caption") or "", "caption_original": image.get("caption_original") or ""}


def _newest(items: list[Mapping[str, Any]], key) -> list[Mapping[str, Any]]:
    """One item per ``key``: the latest fetch (of two alike, the later in the batch)."""
    kept: dict[Any, Mapping[str, Any]] = {}
    for item in items:
        k = key(item)
        if k not in kept or not _older(item, kept[k].get("fetched_at")):
            kept[k] = item
    return list(kept.values())


def _older(item: Mapping[str, Any], stored_at: datetime | str | None) -> bool:
    """Whether ``item`` was fetched before the row stored (fetched at ``stored_at``): a slower
    crawl, or a re-processing of a raw page read before a newer one was stored."""
    return stored_at is not None and item.get("fetched_at") is not None and as_utc(item["fetched_at"]) < as_utc(stored_at)


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _search_path(conn) -> tuple[str, list[str]]:
    """The role, and the schemas its search_path names, ``$user`` as the role's name."""
    role, path = conn.exec_driver_sql("SELECT current_user, current_setting('search_path')").one()
    return role, [role if name == "$user" else name for name in (part.strip().strip('"') for part in path.split(","))]


def _search_path_of_no_schema(conn) -> list[str] | None:
    """The schemas the search_path names, where none of them exists (a schema of its own, README.md,
    not made yet, or mistyped), or None: a writer was told "no schema has been selected to create
    in", a reader "archive not found"."""
    if conn.exec_driver_sql("SELECT current_schema()").scalar() is not None:
        return None
    _, named = _search_path(conn)
    existing = conn.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%(named)s)",
                                    {"named": named}).scalars().all()
    return None if existing else named


def _schemas_out_of_reach(conn) -> tuple[str, str] | None:
    """The role and the first schema its search_path names that exists but that it may not use,
    or None. PostgreSQL passes over such a schema without a word, so an archive in it (a schema
    of its own, README.md) looked like none: "archive not found", or to a writer "no schema has
    been selected to create in"."""
    role, named = _search_path(conn)
    closed = conn.exec_driver_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%(named)s) AND NOT has_schema_privilege(oid, 'USAGE')",
        {"named": named}).scalars().all()
    return next(((role, name) for name in named if name in closed), None)


SQLITE_NOTADB = 26  # sqlite3.SQLITE_NOTADB: the file is no SQLite database


def open_archive(url: str | None = None, *, create: bool = True, check: bool = True,
                 write: bool | None = None, origin: str | None = None) -> Archive:
    try:
        return Archive(url, create=create, check=check, write=write, origin=origin)
    except SQLAlchemyError as exc:
        if getattr(getattr(exc, "orig", None), "sqlite_errorcode", None) == SQLITE_NOTADB:
            # "archive error: …: file is not a database" (a JSON lines export, a typo naming another
            # file) said neither what the file was taken for nor where its name came from.
            raise ArchiveError(f"archive {safe_url(archive_url(url))}{_given(origin or archive_origin(url, ''))} "
                               "is not a SQLite database: name the archive's file") from None
        raise ArchiveError(f"archive error: {safe_url(archive_url(url))}: {database_words(exc)}") from None
