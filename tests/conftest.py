"""Shared fixtures: archives on every supported database, the sample site, the crawl command."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time as time_module
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest

from crawler.dates import PAPER_TIMEZONE
from crawler.sample import ISSUE_DATE, PREFIX

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_SITE = PROJECT / "crawler" / "sample" / "site"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def pytest_configure(config):
    # A test run started as a shell's background job has SIGINT ignored, and every command a test
    # starts would inherit that: the tests that press Ctrl-C on a crawl or an `archive` command
    # found it deaf. A terminal's Ctrl-C reaches only the foreground job, whose SIGINT is not
    # ignored: the commands start as that job's would (a Python handler is reset at exec).
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def postgres_database(request, encoding: str = "UTF8") -> str:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not available: set TEST_POSTGRES_URL (.ci/services.sh starts one)")
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_URL)
    name = f"test_{uuid.uuid4().hex[:12]}"
    conn = psycopg.connect(
        host=admin.host, port=admin.port, user=admin.username, password=admin.password, dbname=admin.database,
        autocommit=True,
    )
    with conn.cursor() as cur:
        # Another encoding than UTF8 needs a locale of no encoding (C).
        locale = "" if encoding == "UTF8" else " LOCALE 'C'"
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'{encoding}\'{locale}')

    def drop():
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()

    request.addfinalizer(drop)
    return admin.set(database=name).render_as_string(hide_password=False)


def postgres_role(database_url: str, request, prefix: str, *statements: str) -> tuple[str, str]:
    """A login role on the server of ``database_url`` (a database postgres_database made), then
    ``statements`` run as the admin ("{role}" in them names it); dropped, with what it owns, after
    the test. Its name, and the URL of the database as that role."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    role = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        for statement in statements:
            conn.exec_driver_sql(statement.format(role=role))

    def drop():
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()

    request.addfinalizer(drop)
    return role, make_url(database_url).set(username=role).render_as_string(hide_password=False)


def database_url(request, folder: Path) -> str:
    """A fresh archive's URL on the database ``request.param`` names: a file in ``folder`` for
    "sqlite", a new database for "postgresql"."""
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'archive.sqlite3'}"
    return postgres_database(request)


def crawled_archive(request, site: Path, folder: Path) -> str:
    """A fresh archive on the database ``request.param`` names, holding one crawl of ``site``."""
    url = database_url(request, folder)
    done, _ = crawl_site(url, site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, tmp_path) -> str:
    """A fresh, empty archive on each supported database."""
    return database_url(request, tmp_path)


def postgres_url_naming(**names: str) -> str:
    """TEST_POSTGRES_URL naming, for ``names`` (database=, username=), a database or role of a
    name made here, which the server has none of: nothing is created."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not available: set TEST_POSTGRES_URL (.ci/services.sh starts one)")
    from sqlalchemy.engine import make_url

    unknown = {part: f"{name}_{uuid.uuid4().hex[:12]}" for part, name in names.items()}
    return make_url(POSTGRES_URL).set(**unknown).render_as_string(hide_password=False)


def host_in_query(url: str) -> str:
    """``url`` with no host in its authority, the server named by ``?host=&port=`` as libpq takes
    it: its Unix socket's folder when it listens on one, else its address."""
    import psycopg
    from sqlalchemy.engine import make_url

    named, admin = make_url(url), make_url(POSTGRES_URL)  # the server of the tests' PostgreSQL URLs
    with psycopg.connect(host=admin.host, port=admin.port, user=admin.username, password=admin.password,
                         dbname=admin.database) as conn:
        folders = conn.execute("SHOW unix_socket_directories").fetchone()[0]
    host = next((folder.strip() for folder in folders.split(",") if folder.strip().startswith("/")), named.host)
    password = f":{named.password}" if named.password else ""
    return f"postgresql+psycopg://{named.username}{password}@/{named.database}?host={host}&port={named.port}"


def refused_connection_words(url: str, missing: str) -> str:
    """The line of the server's refusal of ``url`` (postgres_url_naming's, its ``missing`` part,
    database or username, of a name the server has not), up to where the URL came from."""
    from sqlalchemy.engine import make_url

    named = make_url(url)
    if missing == "database":
        told = (f'database "{named.database}" does not exist on {named.host}:{named.port}: create it as the '
                f"server's superuser (createdb -h {named.host} -p {named.port} -E UTF8 -T template0 {named.database})")
    else:
        told = (f'role "{named.username}" does not exist on {named.host}:{named.port}: create it as the server\'s '
                f'superuser (CREATE ROLE {named.username} LOGIN; README.md, "The archive")')
    return f"{told}, or correct the archive URL {url}"


@pytest.fixture
def postgres_url(request) -> str:
    """A fresh, empty PostgreSQL database, for what only PostgreSQL has."""
    return postgres_database(request)


# Longer than any one crawl of these tests takes on a busy machine.
WHOLE_DAY_LEFT = timedelta(minutes=3)


def day_with_time_left(now: Callable[[], datetime], sleep: Callable[[float], object], left: timedelta = WHOLE_DAY_LEFT) -> date:
    """Today in China once at least `left` of it remains, waiting past midnight there if less does."""
    at = now()
    midnight = datetime.combine(at.date() + timedelta(days=1), time(), at.tzinfo)
    if midnight - at < left:
        sleep((midnight - at).total_seconds() + 1)
        at = now()
    return at.date()


@pytest.fixture
def paper_day() -> date:
    """Today in China, for a test that works out its dates from it and then has a crawl work out
    its own: begun just before China's midnight, the two would read different days."""
    return day_with_time_left(lambda: datetime.now(PAPER_TIMEZONE), time_module.sleep)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


def _crawl_command(args, archive: str, settings: dict[str, str] | None) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "scrapy", "crawl", "issues"]
    for arg in args:
        command += ["-a", arg]
    fast = {
        "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "RETRY_TIMES": "2", "RETRY_BACKOFF_BASE": "0.05",
        "TELNETCONSOLE_ENABLED": "False",
    }
    for key, value in (fast | (settings or {})).items():
        command += ["-s", f"{key}={value}"]
    return command, os.environ | {"ARCHIVE_URL": archive, "PYTHONWARNINGS": "default"}


def run_crawl(*args: str, archive: str, settings: dict[str, str] | None = None, timeout: int = 240):
    """Run the real `scrapy crawl issues` command in the project, as a user does."""
    command, env = _crawl_command(args, archive, settings)
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)


class SiteCrawl(NamedTuple):
    done: subprocess.CompletedProcess  # the crawl command's exit status and output
    requests: list  # what the site answered, in order (crawler.sample.server.Request)


# The port each archive's site was served on: crawled again, it is served at the same root, as
# a paper's site is (a crawl of issues stored from another root is refused: storage/roots.py).
_SITE_PORTS: dict[tuple, int] = {}


def _site_key(archive: str) -> tuple:
    """One archive, whichever role's URL names it."""
    from sqlalchemy.engine import make_url

    named = make_url(archive)
    return named.drivername, named.host, named.port, named.database


def served_as(copy: str, archive: str) -> None:
    """Crawls into ``copy`` (a copy of ``archive``) are served at the root ``archive``'s were."""
    _SITE_PORTS[_site_key(copy)] = _SITE_PORTS[_site_key(archive)]


def base_url_arg(server) -> str:
    """The spider's base_url argument for the sample site ``server`` serves (under PREFIX)."""
    return f"base_url={server.url}{PREFIX.lstrip('/')}"


def crawl_site(
    archive: str,
    *args: str,
    site: Path = SAMPLE_SITE,
    date: str | None = ISSUE_DATE,
    faults: dict[str, list[int]] | None = None,
    settings: dict[str, str] | None = None,
) -> SiteCrawl:
    """Serve ``site`` on 127.0.0.1 (under the sample's prefix) and crawl it once into ``archive``;
    every crawl into one archive, on the port of the first.

    ``date=None`` leaves the dates to ``args``. The exit status is the caller's to judge.
    """
    from crawler.sample.server import SiteServer

    dates = (f"date={date}",) if date else ()
    served = _site_key(archive)
    with SiteServer(site, prefix=PREFIX, faults=faults, port=_SITE_PORTS.get(served, 0)) as server:
        _SITE_PORTS[served] = server.port
        done = run_crawl(*dates, base_url_arg(server), *args, archive=archive, settings=settings)
        return SiteCrawl(done, server.requests)


def crawl_sample(archive: str) -> None:
    """Crawl the sample e-paper's 2023-01-31 issue over HTTP into ``archive``, as a user does."""
    done, _ = crawl_site(archive)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def sample_archive(tmp_path_factory):
    """The sample e-paper's 2023-01-31 issue, crawled over HTTP into a SQLite archive."""
    path = tmp_path_factory.mktemp("reading-room") / "archive.sqlite3"
    crawl_sample(f"sqlite:///{path}")
    return path


def archive_command(*args: str, archive: str, env: dict[str, str] | None = None, shell_pipe: str | None = None,
                    text: bool = True) -> subprocess.CompletedProcess:
    """The `archive` console command of this checkout, run as a user runs it (``python -m
    storage.console``); ``env`` added to the environment; ``shell_pipe``: a shell command its
    standard output is piped into (``head -1``)."""
    command = [sys.executable, "-m", "storage.console", "--archive", archive, *args]
    if shell_pipe is not None:
        import shlex

        # The shell's pipefail leaves the archive command's exit status, not the reader's.
        command = ["bash", "-o", "pipefail", "-c", f"{shlex.join(command)} | {shell_pipe}"]
    return subprocess.run(command, cwd=PROJECT, env=os.environ | (env or {}), capture_output=True, text=text,
                          timeout=120)


def sql_rows(url: str, sql: str, **params) -> list:
    """Rows of one SQL query on the archive at ``url``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def execute_sql(url: str, *statements: str) -> None:
    """``statements`` run on the archive at ``url`` in one transaction, committed."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def start_crawl(*args: str, archive: str, settings: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:
    """Start the real `scrapy crawl issues` in the background (to kill it, or run several at once).

    Its output goes to ``log`` (or nowhere): a pipe nobody reads would stall it.
    """
    command, env = _crawl_command(args, archive, settings)
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    finally:
        if log:
            out.close()


def wait_for(what: str, ready: Callable[[], object], process: subprocess.Popen | None = None, seconds: float = 120,
             said: Callable[[], object] | None = None, every: float = 0.02):
    """What ``ready()`` returns once it is true, asked every ``every`` seconds while ``process``
    (where given) runs: fails saying ``what`` if the process ends first or ``seconds`` pass (a
    deadline for a busy machine, not a wait: a fixed sleep there was too short at times),
    followed by what ``said()`` returns then (the process's log, say: why it never came)."""
    def failure(message: str) -> str:
        return message if said is None else f"{message}\n{said()}"

    deadline = time_module.monotonic() + seconds
    while not (found := ready()):
        assert process is None or process.poll() is None, failure(f"the process ended before {what}")
        assert time_module.monotonic() < deadline, failure(f"not within {seconds:g} s: {what}")
        time_module.sleep(every)
    return found


# The columns every revision's crawl_runs has, as a finished run that found nothing leaves them.
_CRAWL_RUN = {"paper_code": "gongyishibao", "dates_asked": "2023-01-31", "started_at": "2023-02-01 08:00:00+00:00",
              "pages_new": 0, "pages_updated": 0, "pages_failed": 0, "articles_new": 0, "articles_updated": 0,
              "articles_failed": 0, "status": "finished", "message": ""}


def insert_crawl_run(conn, **columns) -> None:
    """A crawl_runs row written with plain SQL, as a run of the revision the archive is at left
    it: ``columns`` over _CRAWL_RUN (a column a later revision added only where given)."""
    from sqlalchemy import text

    row = _CRAWL_RUN | columns
    conn.execute(text(f"INSERT INTO crawl_runs ({', '.join(row)}) VALUES ({', '.join(':' + name for name in row)})"), row)


def without_write_permission(command: list[str]) -> list[str]:
    """``command`` run so that file permissions apply: root's capabilities to override them dropped."""
    if os.geteuid() != 0:
        return command
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
    if not shutil.which("setpriv") or subprocess.run([*drop, "true"], capture_output=True).returncode:
        pytest.skip("running as root, and setpriv cannot drop the capabilities that override file permissions")
    return [*drop, *command]


NOBODY = 65534  # an unprivileged uid every Linux has


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def as_another_user(command: list[str]) -> dict:
    """The arguments to subprocess.run/Popen that run ``command`` as a user other than the
    files' owner, to whom their permissions apply: as is when the tests run unprivileged; as
    root, as uid nobody where nobody can run this checkout's Python (its interpreter may lie
    under /root, which nobody cannot enter), else as root without the capabilities that
    override file permissions (setpriv). Files it must read need to be readable by others and
    in folders others may enter."""
    if os.geteuid() != 0:
        return {"args": command}
    try:
        if subprocess.run([sys.executable, "-c", "import storage.console"], cwd=PROJECT, preexec_fn=_as_nobody,
                          capture_output=True).returncode == 0:
            return {"args": command, "preexec_fn": _as_nobody}
    except OSError:  # nobody may not run the interpreter, or enter the checkout
        pass
    return {"args": without_write_permission(command)}


def crawl_runs(archive: str) -> list:
    """The archive's crawl_runs rows, the most recent first."""
    from storage.db import open_archive

    opened = open_archive(archive)
    try:
        return opened.crawl_runs()
    finally:
        opened.close()


def comparable(value):
    # PostgreSQL hands back aware UTC datetimes; SQLite stores them naive (all are UTC).
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def stored_article_urls(archive: str) -> set[str]:
    """The URLs of the articles an archive holds."""
    from sqlalchemy import select

    from storage.db import open_archive
    from storage.models import Article

    opened = open_archive(archive)
    try:
        with opened.session() as session:
            return set(session.scalars(select(Article.url)))
    finally:
        opened.close()
