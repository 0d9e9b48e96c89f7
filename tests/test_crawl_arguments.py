"""What `scrapy crawl` and `archive` refuse, cut or take before they start, through the real
commands in a subprocess: refresh='s values, dates before a paper's first issue, and an archive
location that names a folder, a folder not there, or one that may not be written."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sample import ISSUE_DATE, PREFIX
from crawler.sample.server import SiteServer
from tests.conftest import (PROJECT, SAMPLE_SITE, _crawl_command, archive_command, base_url_arg, crawl_runs, run_crawl,
                            without_write_permission)

FAST = {"ARCHIVE_FETCH_PDFS": "False"}
ENTRY = PREFIX + f"html/{ISSUE_DATE[:7]}/{ISSUE_DATE[8:]}/node_1.htm"


def _entry_pages(server: SiteServer) -> list[str]:
    return [request.path for request in server.requests if request.path.endswith("/node_1.htm")]


# --- refresh= --------------------------------------------------------------------------------

def test_refresh_yes_fetches_a_complete_issue_again_and_a_word_not_listed_is_refused(sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        assert run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=sqlite_url, settings=FAST).returncode == 0
        stored = len(server.requests)
        assert run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=sqlite_url, settings=FAST).returncode == 0
        assert _entry_pages(server) == [ENTRY]  # complete: not asked again
        refused = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), "refresh=maybe", archive=sqlite_url, settings=FAST)
        assert (refused.returncode, refused.stderr) == (
            2, "error: bad value for refresh: 'maybe' (expected one of 1, yes, true, on, 0, no, false, off, in any letter case)\n")
        assert _entry_pages(server) == [ENTRY]
        done = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), "refresh=Yes", archive=sqlite_url, settings=FAST)
        assert done.returncode == 0, done.stderr[-2000:]
    assert _entry_pages(server) == [ENTRY, ENTRY]
    assert len(server.requests) > stored


# --- paper= ----------------------------------------------------------------------------------

def test_a_paper_s_code_in_other_capitals_is_taken_and_a_near_miss_is_named(sqlite_url, tmp_path):
    # `-a paper=Gongyishibao` was refused as an unknown paper, and so was a code with a letter
    # missing, the line naming every known code and no likely one.
    log = tmp_path / "crawl.log"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", "paper=GongYiShiBao", base_url_arg(server), archive=sqlite_url,
                         settings=FAST | {"LOG_FILE": str(log), "LOG_LEVEL": "INFO"})
        assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
        assert _entry_pages(server) == [ENTRY]
        taken = [line for line in log.read_text(encoding="utf-8").splitlines() if "taken as" in line]
        assert len(taken) == 1 and " INFO: " in taken[0]
        assert taken[0].endswith("paper=GongYiShiBao taken as gongyishibao (公益时报): "
                                 "a paper's code is written as its profile writes it")
        assert [run.paper_code for run in crawl_runs(sqlite_url)] == ["gongyishibao"]
        for given in ("gongyishibo", "gongyishibao2", "Gongyishibo"):
            refused = run_crawl(f"date={ISSUE_DATE}", f"paper={given}", base_url_arg(server), archive=sqlite_url,
                                settings=FAST)
            assert (refused.returncode, refused.stdout, refused.stderr) == (
                2, "", f"error: unknown paper {given!r} (known: gongyishibao): did you mean gongyishibao?\n")
        # The paper's name in Traditional script: which paper it is, as its Simplified name says.
        refused = run_crawl(f"date={ISSUE_DATE}", "paper=公益時報", base_url_arg(server), archive=sqlite_url, settings=FAST)
        assert (refused.returncode, refused.stdout, refused.stderr) == (
            2, "", "error: unknown paper '公益時報' (known: gongyishibao): 公益時報 is 公益时报 (gongyishibao) "
                   "in Traditional script, give its code\n")
        assert _entry_pages(server) == [ENTRY]


def test_a_paper_s_code_is_said_taken_as_another_only_where_it_differs_in_more_than_blanks(sqlite_url, tmp_path):
    # `-a paper=' gongyishibao '` logged "paper= gongyishibao  taken as gongyishibao", where the
    # archive's --paper says nothing of blanks: a code holds none, and both pass over them.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        for given, said in ((" gongyishibao\t", None), (" GongYiShiBao ", "paper=GongYiShiBao taken as gongyishibao (公益时报)")):
            log = tmp_path / f"{len(given)}.log"
            done = run_crawl(f"date={ISSUE_DATE}", f"paper={given}", base_url_arg(server), archive=sqlite_url,
                             settings=FAST | {"LOG_FILE": str(log), "LOG_LEVEL": "INFO"})
            assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
            taken = [line.split(" INFO: ", 1)[-1] for line in log.read_text(encoding="utf-8").splitlines() if "taken as" in line]
            assert taken == ([f"{said}: a paper's code is written as its profile writes it"] if said else []), given
    assert [run.paper_code for run in crawl_runs(sqlite_url)] == ["gongyishibao", "gongyishibao"]


# --- dates before the first issue ------------------------------------------------------------

def test_a_range_from_before_the_first_issue_is_asked_from_it_in_one_info_line(sqlite_url, tmp_path):
    log = tmp_path / "crawl.log"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl("start=2000-01-01", "end=2001-06-12", base_url_arg(server), archive=sqlite_url,
                         settings=FAST | {"LOG_FILE": str(log), "LOG_LEVEL": "INFO"})
    # The sample site has no issue of 2001: the two Tuesdays asked are dates without an issue.
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
    # Both dates are asked at once: the server may see either first.
    assert sorted(_entry_pages(server)) == [f"{PREFIX}html/2001-06/05/node_1.htm", f"{PREFIX}html/2001-06/12/node_1.htm"]
    said = [line for line in log.read_text(encoding="utf-8").splitlines() if "are not asked" in line]
    assert len(said) == 1 and " INFO: " in said[0]
    assert said[0].endswith("the days from 2000-01-01 to 2001-05-31 are not asked: "
                            "the first issue of 公益时报 came out on 2001-06-01 (first_issue in its profile)")
    assert crawl_runs(sqlite_url)[0].dates_asked == "2000-01-01..2001-06-12"  # as given


@pytest.mark.parametrize("args, message", [
    # A slip in the year: every Tuesday from the year 203 on was asked.
    (["start=0203-01-31"], "start 0203-01-31 is before 1900-01-01: no date so early is asked (a slip in its year?); "
                           "the first issue of gongyishibao is 2001-06-01"),
    (["date=0203-01-31"], "date 0203-01-31 is before the first issue of gongyishibao, 2001-06-01: no issue of it exists"),
    (["start=1999-01-01", "end=2000-12-31"],
     "start 1999-01-01 to end 2000-12-31 are before the first issue of gongyishibao, 2001-06-01: no issue of them exists"),
])
def test_dates_before_the_first_issue_are_refused_in_one_line(sqlite_url, args, message):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(*args, base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {message}\n")
    assert server.requests == []
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()



@pytest.mark.parametrize("given, message", [
    # A span in full-width digits, as an input method set for Chinese types it, was "bad value for
    # backfill … (expected a date YYYY-MM-DD or a span …)", where each other date or number so
    # typed is told it: the one rule it breaks, and the value in ASCII digits.
    ("backfill=３０d", "bad value for backfill: '３０d' is written in full-width digits: spans are written in "
                      "ASCII digits, e.g. 30d"),
    ("backfill=１０Y", "bad value for backfill: '１０Y' is written in full-width digits: spans are written in "
                      "ASCII digits, e.g. 10y"),
    ("backfill=２０２３-０１-０１", "bad date for backfill: '２０２３-０１-０１' is written in full-width digits: "
                               "dates are written YYYY-MM-DD in ASCII digits, e.g. 2023-01-31"),
])
def test_a_backfill_in_full_width_digits_is_refused_as_other_dates_and_numbers_so_written_are(sqlite_url, given, message):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(given, base_url_arg(server), archive=sqlite_url, settings=FAST)
        as_date = run_crawl("date=２０２３-０１-３１", base_url_arg(server), archive=sqlite_url, settings=FAST)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {message}\n")
    # The same words as a date= so typed.
    assert as_date.stderr == ("error: bad date for date: '２０２３-０１-３１' is written in full-width digits: "
                              "dates are written YYYY-MM-DD in ASCII digits, e.g. 2023-01-31\n")
    assert server.requests == []


# --- where the archive is --------------------------------------------------------------------

def _locations(tmp_path: Path) -> dict[str, tuple[str, str, str]]:
    """Locations that cannot be an archive: (URL, what the crawl says, what `archive` says)."""
    folder = tmp_path / "archives"
    folder.mkdir()
    (tmp_path / "a-file").write_text("")
    return {
        "a folder": (f"sqlite:///{folder}", *[f"archive sqlite:///{folder} (given by {{}}) names a folder, not a file: "
                                              f"name a file in it, such as sqlite:///{folder}/archive.sqlite3"] * 2),
        "a folder, with a slash": (f"sqlite:///{folder}/", *[f"archive sqlite:///{folder}/ (given by {{}}) names a folder, "
                                                             f"not a file: name a file in it, such as "
                                                             f"sqlite:///{folder}/archive.sqlite3"] * 2),
        "a folder not there": (f"sqlite:///{tmp_path}/typo/archive.sqlite3",
                               f"cannot make archive sqlite:///{tmp_path}/typo/archive.sqlite3 (given by {{}}): "
                               f"no such folder {tmp_path}/typo",
                               f"archive not found: sqlite:///{tmp_path}/typo/archive.sqlite3 (given by {{}}): "
                               f"no such folder {tmp_path}/typo"),
        "a file for a folder": (f"sqlite:///{tmp_path}/a-file/archive.sqlite3",
                                f"cannot make archive sqlite:///{tmp_path}/a-file/archive.sqlite3 (given by {{}}): "
                                f"{tmp_path}/a-file is a file, not a folder",
                                f"archive not found: sqlite:///{tmp_path}/a-file/archive.sqlite3 (given by {{}}): "
                                f"{tmp_path}/a-file is a file, not a folder"),
        "another database": ("mysql://archivist@db-host/archive",
                             *["unsupported database 'mysql' in archive URL mysql://archivist@db-host/archive "
                               "(given by {}): use sqlite or postgresql"] * 2),
    }


@pytest.mark.parametrize("case", ["a folder", "a folder, with a slash", "a folder not there", "a file for a folder",
                                  "another database"])
def test_an_archive_location_that_cannot_be_one_is_one_line_naming_the_problem_and_its_origin(tmp_path, case):
    url, crawl_says, archive_says = _locations(tmp_path)[case]
    before = sorted(tmp_path.rglob("*"))
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        from_environment = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=url, settings=FAST)
        from_setting = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=f"sqlite:///{tmp_path}/unused.sqlite3",
                                 settings=FAST | {"ARCHIVE_URL": url})
    assert server.requests == []
    assert (from_environment.returncode, from_environment.stderr) == (2, f"error: {crawl_says.format('$ARCHIVE_URL')}\n")
    assert (from_setting.returncode, from_setting.stderr) == (2, f"error: {crawl_says.format('-s ARCHIVE_URL')}\n")
    for command in (["stats"], ["search", "社工"], ["reprocess"], ["upgrade"]):
        given = archive_command(*command, archive=url)
        assert (given.returncode, given.stdout, given.stderr) == (2, "", f"error: {archive_says.format('--archive')}\n"), command
        environment = subprocess.run([sys.executable, "-m", "storage.console", *command], cwd=PROJECT,
                                     env=os.environ | {"ARCHIVE_URL": url}, capture_output=True, text=True, timeout=120)
        assert (environment.returncode, environment.stderr) == (2, f"error: {archive_says.format('$ARCHIVE_URL')}\n"), command
    assert sorted(tmp_path.rglob("*")) == before  # nothing made


def test_a_crawl_into_a_postgresql_url_written_without_a_driver_stores_the_issue(postgres_url, tmp_path):
    # postgres:// as Heroku hands it out ("unsupported database 'postgres'"), and libpq's
    # postgresql:// (taken for psycopg2): both are this project's driver's.
    pasted = f"postgres://{postgres_url.split('://', 1)[1]}"
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=f"sqlite:///{tmp_path}/unused.sqlite3",
                         settings=FAST | {"ARCHIVE_URL": pasted})
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "unused.sqlite3").exists()
    [run] = crawl_runs(postgres_url)
    assert (run.status, run.dates_asked) == ("finished", ISSUE_DATE)
    assert run.articles_new > 0
    stats = archive_command("stats", archive=f"postgresql://{postgres_url.split('://', 1)[1]}")
    assert (stats.returncode, stats.stderr) == (0, "")
    assert ISSUE_DATE[:4] in stats.stdout


def test_an_archive_the_crawl_or_archive_may_not_write_is_refused_before_anything_is_fetched(tmp_path, sqlite_url):
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        assert run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=sqlite_url, settings=FAST).returncode == 0
        asked = len(server.requests)
        path = Path(sqlite_url.removeprefix("sqlite:///"))
        locked = tmp_path / "locked"
        locked.mkdir()

        def crawl(url: str, *args: str) -> subprocess.CompletedProcess:
            command, env = _crawl_command([f"date={ISSUE_DATE}", base_url_arg(server), *args], url, FAST)
            return subprocess.run(without_write_permission(command), cwd=PROJECT, env=env, capture_output=True, text=True,
                                  timeout=240)

        def archive(url: str, *args: str) -> subprocess.CompletedProcess:
            command = [sys.executable, "-m", "storage.console", "--archive", url, *args]
            return subprocess.run(without_write_permission(command), cwd=PROJECT, capture_output=True, text=True, timeout=120)

        try:
            locked.chmod(0o555)
            new = f"sqlite:///{locked}/archive.sqlite3"
            done = crawl(new)
            assert (done.returncode, done.stderr) == (
                2, f"error: cannot make archive {new} (given by $ARCHIVE_URL): the folder {locked} is not writable\n")
            locked.chmod(0o755)
            path.chmod(0o444)  # the archive, its folder writable: SQLite opened it, and every batch failed
            done = crawl(sqlite_url, "refresh=1")
            assert (done.returncode, done.stderr) == (
                2, f"error: cannot write archive {sqlite_url} (given by $ARCHIVE_URL): the file {path} is not writable\n")
            done = archive(sqlite_url, "reprocess")
            assert (done.returncode, done.stderr) == (
                2, f"error: cannot write archive {sqlite_url} (given by --archive): the file {path} is not writable\n")
            assert archive(sqlite_url, "stats").returncode == 0  # reading it needs no more
            path.chmod(0o644)
            path.parent.chmod(0o555)
            done = archive(sqlite_url, "upgrade")
            assert (done.returncode, done.stderr) == (
                2, f"error: cannot write archive {sqlite_url} (given by --archive): the folder {path.parent} is not writable "
                   "(SQLite writes its journal beside the file)\n")
        finally:
            locked.chmod(0o755)
            path.chmod(0o644)
            path.parent.chmod(0o755)
        assert len(server.requests) == asked
        assert not (locked / "archive.sqlite3").exists()


def test_the_default_archive_as_a_folder_is_said_to_be_the_default(tmp_path):
    (tmp_path / "archive.sqlite3").mkdir()  # ./archive.sqlite3, where neither --archive nor $ARCHIVE_URL is given
    env = {key: value for key, value in os.environ.items() if key != "ARCHIVE_URL"} | {"PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "storage.console", "stats"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "error: archive sqlite:///archive.sqlite3 (given by default, as neither --archive nor $ARCHIVE_URL is set) "
               "names a folder, not a file: name a file in it, such as sqlite:///archive.sqlite3/archive.sqlite3\n")


# --- an archive location that names another program's database ------------------------------

def _tables(url: str) -> set[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


ANOTHER_PROGRAMS_TABLES = pytest.mark.parametrize("theirs", [
    ("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)", "CREATE TABLE orders (id INTEGER PRIMARY KEY)"),
    # A table of the archive's name, of another program's making, is no archive of before migrations.
    ("CREATE TABLE articles (id INTEGER PRIMARY KEY, headline TEXT)",),
    # Another program's Alembic revision, unknown here: not an archive of a newer version.
    ("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)", "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
     "CREATE TABLE articles (id INTEGER PRIMARY KEY, headline TEXT)"),
], ids=["other tables", "an articles table of its own", "an alembic revision of its own"])


def _make_tables(url: str, statements) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


@ANOTHER_PROGRAMS_TABLES
def test_a_crawl_into_another_programs_database_is_refused_and_adds_no_table_to_it(archive_url, theirs):
    # An ARCHIVE_URL pasted from another program's settings (its database, or one shared with it)
    # had the archive's tables made beside that program's, or it taken for an archive made before
    # migrations that `archive upgrade` was to alter.
    _make_tables(archive_url, theirs)
    before = _tables(archive_url)
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=archive_url, settings=FAST)
        assert server.requests == []
    names = ", ".join(sorted(before))
    assert (done.returncode, done.stderr) == (
        2, f"error: archive {archive_url} (given by $ARCHIVE_URL) holds no archive but another program's tables ({names}): "
           "name the archive's database, or an empty one to make it in\n")
    assert _tables(archive_url) == before


# --- base_url= that names a page -------------------------------------------------------------

@pytest.mark.parametrize("page", ["paperindex.htm", f"html/{ISSUE_DATE[:7]}/{ISSUE_DATE[8:]}/node_1.htm"])
def test_a_base_url_naming_a_page_is_refused_before_anything_is_fetched(sqlite_url, page):
    # Copied from the browser's address bar, the page was taken for a folder: every date asked
    # under it (…/paperindex.htm/html/…) answered 404 and was counted as a date without an issue.
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        given = f"{server.url}{PREFIX.lstrip('/')}{page}"
        done = run_crawl(f"date={ISSUE_DATE}", f"base_url={given}", archive=sqlite_url, settings=FAST)
        assert server.requests == []
    assert (done.returncode, done.stderr) == (
        2, f"error: bad base_url {given!r} (it names a page, {page.rsplit('/', 1)[-1]}, not a folder: expected the folder "
           "the paper's issues are under, as its root http://www.gongyishibao.com/newdzb/)\n")
    assert crawl_runs(sqlite_url) == []


def test_archive_commands_refuse_another_programs_alembic_revision_as_no_archive(archive_url):
    # Read as an archive of a newer schema ("update the software"), or as one: "no such table: papers".
    _make_tables(archive_url, ("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
                               "INSERT INTO alembic_version VALUES ('ae1027a6acf')"))
    for command in (["stats"], ["search", "社工"], ["upgrade"]):
        done = archive_command(*command, archive=archive_url)
        assert (done.returncode, done.stderr) == (
            2, f"error: archive {archive_url} (given by --archive) holds no archive but another program's tables (alembic_version): "
               "name the archive's database, or an empty one to make it in\n"), command
    assert _tables(archive_url) == {"alembic_version"}


@ANOTHER_PROGRAMS_TABLES
def test_reading_commands_refuse_another_programs_database_naming_its_tables(archive_url, theirs, tmp_path):
    # Without a revision of its own, it was "archive not found: … has no articles table", which
    # sent the user looking for a missing table of a database that was not the archive's.
    _make_tables(archive_url, theirs)
    before = _tables(archive_url)
    names = ", ".join(sorted(before))
    commands = [["stats"], ["search", "社工"], ["export", "-o", str(tmp_path / "out.json")], ["sql", "SELECT 1"], ["upgrade"]]
    if archive_url.startswith("sqlite"):  # the reading room serves SQLite
        commands.append(["serve", "--port", "0"])
    for command in commands:
        done = archive_command(*command, archive=archive_url)
        assert (done.returncode, done.stderr) == (
            2, f"error: archive {archive_url} (given by --archive) holds no archive but another program's tables ({names}): "
               "name the archive's database, or an empty one to make it in\n"), command
    assert _tables(archive_url) == before
    assert not (tmp_path / "out.json").exists()


# --- an archive of this project's that lost tables ------------------------------------------

@pytest.mark.parametrize("dropped", [("articles",), ("articles", "alembic_version")],
                         ids=["its revision kept", "its revision lost too"])
def test_an_archive_that_lost_its_articles_table_is_called_damaged_not_another_programs(archive_url, dropped, tmp_path):
    # It was "holds no archive but another program's tables (absent_issues, …, papers, …)", or
    # with its revision kept "database error: no such table: articles" while the reading room
    # served it: the user was sent looking for the archive elsewhere.
    from storage.db import open_archive

    open_archive(archive_url).close()
    cascade = " CASCADE" if archive_url.startswith("postgresql") else ""  # article_view reads it
    _make_tables(archive_url, [f"DROP TABLE {table}{cascade}" for table in dropped])
    before = _tables(archive_url)
    damaged = ("is a damaged archive of this crawler: its table articles is missing: restore it from a backup, "
               "or name another archive\n")
    commands = [["stats"], ["search", "社工"], ["export", "-o", str(tmp_path / "out.json")], ["sql", "SELECT 1"], ["upgrade"]]
    if archive_url.startswith("sqlite"):  # the reading room serves SQLite
        commands.append(["serve", "--port", "0"])
    for command in commands:
        done = archive_command(*command, archive=archive_url)
        assert (done.returncode, done.stderr) == (2, f"error: archive {archive_url} (given by --archive) {damaged}"), command
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        done = run_crawl(f"date={ISSUE_DATE}", base_url_arg(server), archive=archive_url, settings=FAST)
        assert server.requests == []
    assert (done.returncode, done.stderr) == (2, f"error: archive {archive_url} (given by $ARCHIVE_URL) {damaged}")
    assert _tables(archive_url) == before
    assert not (tmp_path / "out.json").exists()
