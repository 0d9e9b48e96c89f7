"""The `archive` command on SQLite and PostgreSQL: search, sql, stats, export, reprocess, history."""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import sqlite3
import signal
import stat
import subprocess
import sys
import tempfile
import urllib.request
import zlib
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.papers import PROFILES_ENV, get_paper
from crawler.sample import ISSUE_DATE, PREFIX
from pipelines.normalize import normalize_plain
from storage.cli import COMMANDS, EXPORT_COLUMNS, Statements, counted, csv_record, main, output_file, refused_write
from storage.db import ArchiveError, open_archive
from storage.export import export_rows
from storage.search import as_written_note, search
from tests.conftest import (
    PROJECT, SAMPLE_SITE, archive_command, as_another_user, crawl_sample, crawl_site, crawled_archive,
    host_in_query, insert_crawl_run, postgres_role, postgres_url_naming, refused_connection_words,
    sql_rows, stored_article_urls, wait_for, without_write_permission,
)
from tests.seeded import DATES, fill
from tests.sites import SHEHUIBAO_PROFILES, own_paper
from tests.test_storage import article, page


@pytest.fixture
def seeded(archive_url):
    archive = open_archive(archive_url)
    fill(archive)
    archive.close()
    return archive_url


def archive_cli(url, *args):
    return main(["--archive", url, *args])


def view_rows(url, columns="article_id, title"):
    archive = open_archive(url, create=False)
    with archive.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {columns} FROM article_view ORDER BY article_id")).all()
    archive.close()
    return rows


def test_search_prints_hits_with_date_page_section_title_and_snippet(seeded, capsys):
    assert archive_cli(seeded, "search", "困境儿童", "--section", "社会工作", "--limit", "3") == 0
    lines = capsys.readouterr().out.splitlines()
    archive = open_archive(seeded, create=False)
    hits = search(archive, "困境儿童", section="社会工作", limit=3)
    archive.close()
    assert hits and len(lines) == 2 * len(hits)
    for hit, head, snippet in zip(hits, lines[::2], lines[1::2]):
        assert head == f"{hit.issue_date} gongyishibao 第{hit.page_number:02d}版 社会工作  {hit.title}  [#{hit.article_id}]"
        # The seed texts are PDF text, whose lines break mid-phrase: a break is shown as a space.
        assert snippet == f"    {hit.snippet}" and re.search("【困 ?境 ?儿 ?童】", snippet), snippet


def test_search_takes_several_words_as_arguments_and_quotes_as_search_boxes_do(seeded, capsys):
    def printed(*query: str) -> str:
        assert archive_cli(seeded, "search", *query, "--limit", "50") == 0
        return capsys.readouterr().out

    both = printed("困境 儿童", "社工")
    assert both and printed("困境", "儿童", "社工") == both
    assert printed('"困境儿童"') == printed("“困境儿童”") == printed("《困境儿童》") == printed("困境儿童") != ""
    assert archive_cli(seeded, "search", '""') == 2
    assert capsys.readouterr().err == "error: empty search: \"\" holds no letter, digit or Chinese character: give at least one word\n"


@pytest.mark.parametrize("query", ["。，", "“”", "...", "- —", "「」 《》", "？！", "\u0301"])
def test_a_search_of_punctuation_alone_is_refused_as_empty_as_quotes_alone_are(seeded, query, capsys):
    # 。， ran and found nothing, where “” was refused as an empty search: a search with no
    # letter, digit or Chinese character asks for no word, whatever marks it holds.
    assert archive_cli(seeded, "search", query) == 2
    assert capsys.readouterr() == ("", f"error: empty search: {query} holds no letter, digit or Chinese character: "
                                       "give at least one word\n")
    assert archive_cli(seeded, "export", "--format", "csv", "--query", query) == 2
    assert capsys.readouterr() == ("", f"error: empty search: {query} holds no letter, digit or Chinese character: "
                                       "give at least one word\n")


def test_a_search_of_a_word_beside_punctuation_still_runs(seeded, capsys):
    # The marks are left out there (a word of marks alone beside words): not refused, and the
    # search finds what the word alone finds.
    assert archive_cli(seeded, "search", "社工") == 0
    alone = capsys.readouterr()
    assert archive_cli(seeded, "search", "。，", "社工") == 0
    assert capsys.readouterr() == alone and "社工" in alone.out
    assert archive_cli(seeded, "search", "“社工”") == 0
    assert "社工" in capsys.readouterr().out


def test_a_quotation_left_open_before_other_words_is_said_to_search_them_apart(sqlite_url):
    # '"社会 工作' (the closing mark forgotten) searched for 社会 and 工作 anywhere in an article,
    # the hits of the phrase among others, without a word of it.
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1, title="第1篇", body="推进社会工作专业化"),
                                   article(2, title="第2篇", body="工作与社会无关")])
    archive.close()
    note = ('note: "社会 工作 opens a quotation it does not close: its words were searched for apart '
            '(close it with " to find them as one phrase)\n')
    searched = archive_command("search", '"社会 工作', archive=sqlite_url)
    assert (searched.returncode, searched.stdout.count("[#"), searched.stderr) == (0, 2, note)
    exported = archive_command("export", "--query", '"社会 工作', archive=sqlite_url)
    assert (exported.returncode, len(exported.stdout.splitlines()), exported.stderr) == (0, 2, note)
    # Closed, or around one word (the same search either way), it is no slip to tell of.
    for query in ('"社会 工作"', '"社会', "社会 工作"):
        done = archive_command("search", query, archive=sqlite_url)
        assert done.returncode == 0 and done.stderr == "", query


def test_a_search_that_finds_nothing_says_which_words_other_search_boxes_take_for_operators(seeded, capsys):
    assert archive_cli(seeded, "search", "社工", "OR", "志愿 -广告 社会*") == 0
    assert capsys.readouterr() == ("", "no articles found; OR, -广告, 社会*: searched for as written "
                                       "(there are no operators: a hit holds every word)\n")
    assert archive_cli(seeded, "search", "社工站", "无此词") == 0
    assert capsys.readouterr().err == "no articles found\n"
    # NEAR (FTS5's, and NEAR/3 of other engines) are such words too; a lone *, marks alone, is
    # left out beside words.
    done = archive_command("search", "社工 NEAR 站", "*", "NEAR/3", "NEAR(社工", archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == ("no articles found; NEAR, NEAR/3, NEAR(社工: searched for as written "
                           "(there are no operators: a hit holds every word)\n")
    # Export's --query is the same search: it said only "no articles found".
    done = archive_command("export", "--format", "jsonl", "--query", "社工 OR 志愿", archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == ("no articles found holding every word of 社工 OR 志愿; OR: searched for as written "
                           "(there are no operators: a hit holds every word)\n")


def test_search_finds_a_passage_copied_from_the_page_as_published(archive_url, capsys):
    # The sample site prints Traditional script with half-width commas (會上,番禺區); the archive
    # stores Simplified with full-width ones (会上，番禺区). A passage a reader copies from the
    # page, or types with a half-width comma, finds it as the pipelines would have stored it.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    [(article_id, published)] = sql_rows(
        archive_url, "SELECT id, body_original FROM articles WHERE body_original LIKE '會上,番禺區%'")
    for passage in (published[:30], "会上,番禺区介绍了开展", "2021年9月,番禺区"):
        assert "," in passage
        assert archive_cli(archive_url, "search", passage) == 0
        out = capsys.readouterr().out
        assert f"[#{article_id}]" in out and "【" in out, passage


def test_search_command_finds_quoted_phrases_and_words_ending_in_a_mark_and_marks_longer_lower_cases(archive_url):
    # Stored as the crawl's pipelines store text: 社会 工作 keeps its space (between Chinese
    # characters), ABC,在华 becomes ABC，在华. The command as a user runs it, in a subprocess.
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=normalize_plain(body)) for n, body in {
        1: "推进社会工作专业化", 2: "春风送暖 社会 工作者", 3: "工作与社会无关", 4: "国际组织ABC,在华开展项目",
        5: "İSTANBUL和İZMIR的社工站",
    }.items()])
    archive.close()

    def printed(*query: str) -> list[str]:
        done = archive_command("search", *query, archive=archive_url)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return done.stdout.splitlines()[1::2]

    assert sorted(printed('"社会 工作"')) == ["    推进【社会工作】专业化", "    春风送暖 【社会 工作】者"]
    assert printed('"ABC,"') == ["    国际组织【ABC，】在华开展项目"]  # quoted: unquoted, the pause is left out
    assert printed("i\u0307zmir") == ["    İSTANBUL和【İZMIR】的社工站"]
    assert printed("İ") == ["    【İ】STANBUL和【İ】ZM【I】R的社工站"]  # İ and i find each other


def test_search_command_finds_marks_printed_half_width_when_typed_full_width_and_back(archive_url):
    # The pipelines keep brackets within a sentence, %, . and - as the page prints them: the
    # sample's 乡镇(街道) half width, another page's 社区（村） full width. A Chinese input method
    # types （街道） and ％; a reader copying from a page gets either: each found nothing stored in
    # the other width.
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(n, title=f"第{n}篇", body=normalize_plain(body)) for n, body in {
        1: "推进乡镇(街道)社工站建设", 2: "覆盖率已超过80%，达2.3万家", 3: "社区（村）两委换届",
    }.items()])
    archive.close()
    assert sql_rows(archive_url, "SELECT count(*) FROM articles WHERE body LIKE '%乡镇(街道)%' "
                                 "OR body LIKE '%社区（村）%' OR body LIKE '%80\\%%' ESCAPE '\\'") == [(3,)]

    def printed(*query: str) -> list[str]:
        done = archive_command("search", *query, archive=archive_url)
        assert done.returncode == 0 and done.stderr == "", (query, done.stderr)
        return done.stdout.splitlines()[1::2]

    assert printed("乡镇（街道）社工站") == printed("乡镇(街道)社工站") == ["    推进【乡镇(街道)社工站】建设"]
    assert printed("80％") == printed("80%") == ["    覆盖率已超过【80%】，达2.3万家"]
    assert printed("２．３万家") == ["    覆盖率已超过80%，达【2.3万家】"]
    assert printed("社区(村)") == printed("社区（村）") == ["    【社区（村）】两委换届"]


def test_serve_refuses_a_port_out_of_range_without_a_traceback(seeded, capsys):
    with pytest.raises(SystemExit) as exit_:
        archive_cli(seeded, "serve", "--port", "99999")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    # One line, without argparse's usage above it.
    assert err == "archive serve: error: argument --port: 99999 is out of range: 0 to 65,535; see archive serve --help\n"



@pytest.mark.parametrize("argv, line", [
    (["serch", "社工"], "archive: error: argument COMMAND: invalid choice: 'serch' (choose from 'search', 'sql', "
                      "'stats', 'export', 'reprocess', 'move-root', 'upgrade', 'copy', 'serve'); see archive --help"),
    (["search"], "archive search: error: the following arguments are required: query; see archive search --help"),
    (["export", "--format", "xml"], "archive export: error: argument --format: invalid choice: 'xml' "
                                   "(choose from 'jsonl', 'json', 'csv', 'sqlite'); see archive export --help"),
    (["stats", "--format", "xml"], "archive stats: error: argument --format: invalid choice: 'xml' "
                                  "(choose from 'table', 'json'); see archive stats --help"),
    (["stats", "--since", "2023-13-01"], "archive stats: error: argument --since: '2023-13-01' is no day of the "
                                         "calendar; see archive stats --help"),
    # An option the command does not take was the top parser's: "archive: error: unrecognized
    # arguments: …; see archive --help", which lists no command's options.
    (["sql", "SELECT 1", "-o", "out.csv"], "archive sql: error: unrecognized arguments: -o out.csv (-o is an option of "
                                           "archive export); see archive sql --help"),
    # One before the command's name was said to be the command's: "archive stats: error:
    # unrecognized arguments: --bogus; see archive stats --help", whose options hold no --bogus.
    (["--bogus", "stats"], "archive: error: unrecognized arguments before the command stats: --bogus (archive itself "
                           "takes --archive there; a command's options go after its name); see archive --help"),
    (["--bogus=1", "-x", "sql", "SELECT 1", "-o", "out.csv"],
     "archive: error: unrecognized arguments before the command sql: --bogus=1 -x (archive itself takes --archive "
     "there; a command's options go after its name); see archive --help"),
    # A command's option before its name: its value was taken for the command, "invalid
    # choice: '2023-01-01'".
    (["--since", "2023-01-01", "stats"], "archive: error: --since is an option of the command, not of archive: give it "
                                         "after the command's name (archive stats --since 2023-01-01); see archive --help"),
    (["--since=2023-01-01", "stats", "--runs", "1"],
     "archive: error: --since is an option of the command, not of archive: give it after the command's name "
     "(archive stats --since=2023-01-01); see archive --help"),
    (["--paper", "gongyishibao", "search", "社工"],
     "archive: error: --paper is an option of the command, not of archive: give it after the command's name "
     "(archive search --paper gongyishibao); see archive --help"),
    (["--overwrite", "export", "-o", "out.jsonl"],
     "archive: error: --overwrite is an option of the command, not of archive: give it after the command's name "
     "(archive export --overwrite); see archive --help"),
    # archive's own option after the command's name: "archive stats: error: unrecognized
    # arguments: --archive …", as if there were no such option; move-root's took the URL for its
    # PAPER and named its NEW_ROOT as the option's value.
    (["stats", "--archive", "sqlite:///other.sqlite3"],
     "archive: error: --archive is an option of archive, not of the command: give it before the command's name "
     "(archive --archive sqlite:///other.sqlite3 stats); see archive --help"),
    (["search", "社工", "--archive=sqlite:///other.sqlite3"],
     "archive: error: --archive is an option of archive, not of the command: give it before the command's name "
     "(archive --archive=sqlite:///other.sqlite3 search); see archive --help"),
    (["move-root", "--archive", "sqlite:///other.sqlite3", "gongyishibao", "http://a/", "http://b/"],
     "archive: error: --archive is an option of archive, not of the command: give it before the command's name "
     "(archive --archive sqlite:///other.sqlite3 move-root); see archive --help"),
    # An option of other commands than the one named after it: its value was taken for the
    # command, "invalid choice: '要闻'", though the command was typed right.
    (["--section", "要闻", "stats"], "archive: error: --section is an option of archive search, archive export and "
                                   "archive reprocess, given before the command: write it after one of them; see "
                                   "archive --help"),
    (["--section=要闻"], "archive: error: --section is an option of archive search, archive export and archive "
                        "reprocess, given before the command: write it after one of them; see archive --help"),
    (["--sec", "要闻", "stats"], "archive: error: --sec is short for --section, an option of archive search, archive "
                               "export and archive reprocess, given before the command: write it after one of them; "
                               "see archive --help"),
    (["--sin", "2023-01-01", "search", "社工"],
     "archive: error: --sin is an option of the command, not of archive: give it after the command's name "
     "(archive search --sin 2023-01-01); see archive --help"),
    # Given after a command that does not take it, it is named with those that do.
    (["stats", "--section", "要闻"], "archive stats: error: unrecognized arguments: --section 要闻 (--section is an "
                                   "option of archive search, archive export and archive reprocess); see archive "
                                   "stats --help"),
    (["stats", "--sec=要闻"], "archive stats: error: unrecognized arguments: --sec=要闻 (--sec is short for "
                             "--section, an option of archive search, archive export and archive reprocess); see "
                             "archive stats --help"),
    # An abbreviation of different options of different commands got argparse's words: after the
    # command, no note; before it, its value taken for the command ("invalid choice: 'x'").
    (["sql", "SELECT 1", "--p", "x"], "archive sql: error: unrecognized arguments: --p x (--p is short for --paper, an "
                                      "option of archive search, archive stats and archive export, or for --port, an "
                                      "option of archive serve); see archive sql --help"),
    (["--p", "x", "sql", "SELECT 1"], "archive: error: --p is short for --paper, an option of archive search, archive "
                                      "stats and archive export, or for --port, an option of archive serve, given "
                                      "before the command: write it after one of them; see archive --help"),
    # --archive abbreviated after the command's name was no option ("unrecognized arguments:
    # --arch x"); sql took its URL for the query.
    (["search", "search", "--arch", "sqlite:///other.sqlite3"],
     "archive: error: --arch is short for --archive, an option of archive, not of the command: give it before the "
     "command's name (archive --arch sqlite:///other.sqlite3 search); see archive --help"),
    (["sql", "--a", "sqlite:///other.sqlite3", "SELECT 1"],
     "archive: error: --a is short for --archive, an option of archive, not of the command: give it before the "
     "command's name (archive --a sqlite:///other.sqlite3 sql); see archive --help"),
])
def test_a_mistyped_command_line_is_one_line_without_the_usage(sqlite_url, argv, line):
    # argparse printed its usage above the error: for export, five lines of options over the one
    # that said what was wrong.
    done = archive_command(*argv, archive=sqlite_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")


def test_archive_given_before_the_command_whose_value_is_a_command_s_name_is_not_taken_for_one_after_it(sqlite_url):
    # The command's name was looked for from its first occurrence, here --archive's value: the
    # --archive given next, before the command, was said to be after it.
    done = archive_command(f"--archive={sqlite_url}", "search", "社工", "--bogus", archive="search")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "archive search: error: unrecognized arguments: --bogus; see archive search --help\n")
    done = archive_command("--since", "2023-01-01", "stats", archive="stats")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "archive: error: --since is an option of the command, not of archive: give it after the command's name "
               "(archive stats --since 2023-01-01); see archive --help\n")


NOT_A_DATE = "is not a date: dates are written YYYY-MM-DD, e.g. 2023-01-31"
FULL_WIDTH = "is written in full-width digits: dates are written YYYY-MM-DD in ASCII digits, e.g. 2023-01-31"


@pytest.mark.parametrize("command", [["search", "社工"], ["stats", "--runs", "0"], ["export", "-o", "-"], ["reprocess"]])
def test_every_date_option_names_a_date_that_is_none_in_one_line_and_takes_one_of_no_issue(seeded, command):
    # Each command's --since and --until, on either database: a date that is none is one line
    # naming it (exit 2), never a traceback; a date no issue has is no mistake (exit 0).
    # A date written YYYY-MM-DD that is no day was said to be "expected YYYY-MM-DD"; ISO 8601's
    # other forms (20230131, 2023-W05-2) were taken, which no help text promises.
    name = command[0]
    for option, value, problem in (("--since", "2023-13-45", "is no day of the calendar"),
                                   ("--since", "2023-02-30", "is no day of the calendar"),
                                   ("--until", "31-01-2023", NOT_A_DATE), ("--since", "abc", NOT_A_DATE),
                                   ("--since", "20230131", NOT_A_DATE), ("--until", "2023-W05-2", NOT_A_DATE),
                                   # As an input method set for Chinese types it: it was "not a date:
                                   # dates are written YYYY-MM-DD", which it is, digits aside.
                                   ("--since", "２０２３-０１-３１", FULL_WIDTH), ("--until", "２０２３－０２－２８", FULL_WIDTH),
                                   ("--since", "２０２３-０２-３０", "is no day of the calendar")):
        done = archive_command(*command, option, value, archive=seeded)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", f"archive {name}: error: argument {option}: {value!r} {problem}; see archive {name} --help\n")
    done = archive_command(*command, "--since", "2030-01-01", "--until", "2030-01-31", archive=seeded)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "error" not in done.stderr, done.stderr
    # Spaces around a date are left out, as the crawl's date= leaves them (README): a date pasted
    # with its space, --since "2030-01-01 ", was "not a date".
    done = archive_command(*command, "--since", " 2030-01-01", "--until", "2030-01-31 ", archive=seeded)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "error" not in done.stderr, done.stderr


def test_an_empty_archive_option_is_refused_not_taken_for_archive_url(sqlite_url):
    # `--archive "$URL"` with $URL unset read the archive of $ARCHIVE_URL without a word.
    done = archive_command("stats", archive="", env={"ARCHIVE_URL": sqlite_url})
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "archive: error: argument --archive: empty URL: give the archive's URL, or leave --archive out; "
               "see archive --help\n")


def test_search_says_when_more_articles_match_than_it_ranked(seeded, capsys, monkeypatch):
    import storage.search

    monkeypatch.setattr(storage.search, "POOL", 2)
    assert archive_cli(seeded, "search", "儿童", "--limit", "2") == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 4
    assert captured.err.strip() == (
        "more articles hold these words than are ranked: these are the best of the 2 most recently archived; "
        "narrow the search (--paper, --section, --since, --until) to reach the others"
    )
    assert archive_cli(seeded, "search", "儿童", "--limit", "1000") == 0
    assert capsys.readouterr().err == ""

def test_sql_prints_a_table_csv_and_json(seeded, capsys):
    query = "SELECT article_id, title FROM article_view ORDER BY article_id"
    expected = [tuple(r) for r in view_rows(seeded)]
    assert archive_cli(seeded, "sql", query, "--format", "json") == 0
    assert [(r["article_id"], r["title"]) for r in json.loads(capsys.readouterr().out)] == expected
    assert archive_cli(seeded, "sql", query, "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["article_id", "title"] and [(int(a), t) for a, t in rows[1:]] == expected
    assert archive_cli(seeded, "sql", query) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split(" | ")[0].strip() == "article_id" and table[-1] == f"({len(expected)} rows)"
    assert expected[0][1] in table[2]


@pytest.mark.parametrize("statement", [
    "DELETE FROM articles", "UPDATE articles SET title = 'x'", "DROP TABLE articles",
    "INSERT INTO papers (code, name) VALUES ('x', 'x')",
    # Past a read-only transaction, were the statements run one after the other.
    "COMMIT; DELETE FROM articles", "SELECT 1; COMMIT; UPDATE articles SET title = 'x'", "ROLLBACK; DROP TABLE articles",
])
def test_sql_is_read_only(seeded, statement, capsys):
    before = view_rows(seeded)
    assert archive_cli(seeded, "sql", statement) == 2
    err = capsys.readouterr().err
    if ";" in statement:  # SQLite and PostgreSQL take one statement
        assert err == "error: archive sql runs one statement per call: the query holds more than one (run each on its own)\n"
    else:
        assert err.startswith("error: archive sql is read-only:") and err.count("\n") == 1
    assert view_rows(seeded) == before


@pytest.mark.parametrize(("statement", "write"), [
    ("with x as (delete from articles returning id) select count(*) from x", "a DELETE"),
    ("WITH m AS (SELECT 2), n AS (UPDATE articles SET title = 'x' RETURNING 1) SELECT * FROM n, m", "an UPDATE"),
    ("WITH i AS (INSERT INTO papers (code, name) VALUES ('x', 'x') RETURNING id) SELECT id FROM i", "an INSERT"),
])
def test_sql_on_postgresql_names_the_write_inside_a_query(postgres_url, statement, write):
    # A DELETE in a WITH was refused as "cannot execute SELECT in a read-only transaction",
    # which read as if a SELECT were what archive sql refuses.
    archive = open_archive(postgres_url)
    fill(archive)
    archive.close()
    before = view_rows(postgres_url)
    done = archive_command("sql", statement, archive=postgres_url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive sql is read-only: the statement writes ({write} inside it)\n")
    assert view_rows(postgres_url) == before


def test_sql_on_sqlite_says_a_number_past_its_integers_may_be_the_mismatch(sqlite_url):
    # SQLite reads a whole number past 64 bits as a REAL, which LIMIT refuses with its bare
    # "datatype mismatch"; a mismatch of another cause is said as SQLite says it.
    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    for limit in ("99999999999999999999", "9223372036854775808", "0" * 30 + "1" + "0" * 5000):
        done = archive_command("sql", f"select * from articles limit {limit}", archive=sqlite_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", "error: SQL error: datatype mismatch (a number out of SQLite's 64-bit integer range?)\n"), limit[:40]
    within = archive_command("sql", "select count(*) from articles limit 9223372036854775807", "--format", "csv",
                             archive=sqlite_url)
    assert (within.returncode, within.stderr) == (0, "") and within.stdout.splitlines()[1] != "0"
    done = archive_command("sql", "select * from articles limit 1.5 -- 99999999999999999999", archive=sqlite_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: SQL error: datatype mismatch\n")


def test_sql_runs_a_statement_followed_by_empty_ones_and_refuses_a_second_one(archive_url):
    # sqlite3 took `SELECT 1;;` for two statements and refused it; PostgreSQL ran it.
    archive = open_archive(archive_url)
    archive.close()
    for query in ("SELECT 1 AS n;;", "SELECT 1 AS n; ; -- done", "SELECT 1 AS n;\n/* ; */ ;\n", "SELECT ';;' AS n;;"):
        done = archive_command("sql", query, "--format", "json", archive=archive_url)
        assert (done.returncode, done.stderr) == (0, ""), query
        assert json.loads(done.stdout) == [{"n": ";;" if "';;'" in query else 1}], query
    # sqlite3 said "You can only execute one statement at a time.", PostgreSQL "cannot insert
    # multiple commands into a prepared statement": one line of its own, the same on both.
    for query in ("SELECT 1; SELECT 2", "SELECT 1; SELECT 2;;", "SELECT 1;; SELECT 2", "SELECT ';' AS n; SELECT 2",
                  "SELECT 1; -- done\nSELECT 2", "SELECT 1; /* ; */ SELECT 2 /* ; */"):
        done = archive_command("sql", query, archive=archive_url)
        assert (done.returncode, done.stdout) == (2, ""), query
        assert done.stderr == ("error: archive sql runs one statement per call: "
                               "the query holds more than one (run each on its own)\n"), query
    # A syntax error is the database's to name, whatever follows it.
    done = archive_command("sql", "SELEC 1; SELECT 2", archive=archive_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: SQL error: ") and "SELEC" in done.stderr and done.stderr.count("\n") == 1


ONE_STATEMENT_LINE = "error: archive sql runs one statement per call: the query holds more than one (run each on its own)\n"


@pytest.mark.parametrize("later", ["SELEC 2", "SELECT (", "SELECT 'a", 'SELECT "a', "SELECT $$a", "SELECT 1 /* a",
                                   "DELETE FROM nosuch", "SELECT E'a\\'; SELECC 3"])
def test_sql_refuses_a_second_statement_in_one_line_whatever_it_holds(archive_url, later):
    # PostgreSQL parses the whole query before it refuses a second statement: a mistake in a
    # later one was said instead ("syntax error at or near "SELEC""), where SQLite said this line.
    archive = open_archive(archive_url)
    archive.close()
    for query in (f"SELECT 1; {later}", f"SELECT 'a;b' AS x; {later}", f"SELECT 1 -- ;\n; {later}"):
        done = archive_command("sql", query, archive=archive_url)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", ONE_STATEMENT_LINE), query


def test_sql_names_the_first_statement_s_mistake_before_a_second_on_both_databases(archive_url):
    # SQLite prepares the first statement before it looks past it; PostgreSQL's first is parsed
    # alone now, so a table the first names that the archive lacks is said alike (PostgreSQL
    # said the line of several statements, SQLite "no such table").
    archive = open_archive(archive_url)
    archive.close()
    for query, named in (("SELEC 1; SELEC 2", "SELEC"), ("SELECT 1 FROM nosuch; SELECT 2", "nosuch")):
        done = archive_command("sql", query, archive=archive_url)
        assert (done.returncode, done.stdout) == (2, ""), query
        assert done.stderr.startswith("error: SQL error: ") and named in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr != ONE_STATEMENT_LINE


@pytest.mark.parametrize("query, value, both", [
    ('SELECT 1 AS "a;b"', 1, True), ("SELECT 'a;b' AS \"a;b\"", "a;b", True), ("SELECT 1 AS \"a;b\" -- c; d", 1, True),
    ("SELECT 1 /* c; d */ AS \"a;b\"", 1, True), ("SELECT 'it''s;' AS \"a;b\";;", "it's;", True),
    ("SELECT E'a\\';b' AS \"a;b\"", "a';b", False), ("SELECT $$a;b$$ AS \"a;b\"", "a;b", False),
    ("SELECT $t$a;$$;b$t$ AS \"a;b\"", "a;$$;b", False), ("SELECT 1 /* c /* ; */ ; */ AS \"a;b\"", 1, False),
])
def test_sql_runs_one_statement_whose_semicolons_are_quoted_by_the_database_s_rules(archive_url, query, value, both):
    # E'...', $tag$...$tag$ and comments within comments are PostgreSQL's.
    if not both and archive_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's quoting")
    archive = open_archive(archive_url)
    archive.close()
    done = archive_command("sql", query, "--format", "json", archive=archive_url)
    assert (done.returncode, done.stderr, json.loads(done.stdout or "null")) == (0, "", [{"a;b": value}]), query


def test_sql_splits_strings_by_the_server_s_standard_conforming_strings(archive_url):
    if archive_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL setting")
    archive = open_archive(archive_url)
    archive.close()
    off = {"PGOPTIONS": "-c standard_conforming_strings=off"}
    done = archive_command("sql", "SELECT 'a\\'; b' AS x", "--format", "json", archive=archive_url, env=off)
    assert (done.returncode, done.stderr, json.loads(done.stdout or "null")) == (0, "", [{"x": "a'; b"}])
    done = archive_command("sql", "SELECT 'a\\'; SELEC 2", archive=archive_url)  # on: the string ends at \'
    assert (done.returncode, done.stdout, done.stderr) == (2, "", ONE_STATEMENT_LINE)


@pytest.mark.parametrize("query, second", [
    ("SELECT 1; SELECT 2", True), ("SELECT 1;", False), ("SELECT 1;; -- done\n/* ; */;", False),
    ("SELECT ';' AS a; SELECT 2", True), ("SELECT 'a;b'", False), ('SELECT "a;b" FROM t', False),
    ("CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;", False),
    ("CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END; SELECT 1", True),
])
def test_a_second_statement_is_told_where_sqlite_ends_the_first(query, second):
    assert Statements.of(query, "sqlite").several is second


@pytest.mark.parametrize("query, second", [
    ("SELECT 1; SELECC 2", True), ("SELECT 1;; -- done\n/* ; */;", False), ("SELECT E'a\\';b'", False),
    ("SELECT e'a'';b' AS x; SELECT 2", True), ("SELECT $$a;b$$", False), ("SELECT $t$a;$$;b$t$ AS x", False),
    ("SELECT $t$a;b$u$; SELECT 2", False), ('SELECT 1 AS "a;b"', False), ("SELECT 1 /* a /* ; */ ; */ AS x", False),
    ("SELECT 1 /* a /* ; */ */; SELECT 2", True), ("SELECT a$b$c; SELECT 2", True), ("SELECT $1; SELECT 2", True),
    # Its ';' a part of one statement, where psql takes them so: a rule's actions in parentheses,
    # a function's BEGIN ATOMIC … END body.
    ("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))", False),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END", False),
    ("CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2", True),
    ("CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT E'end;'; END; SELECT 2", True),
    ("BEGIN; SELECT 1", True),
])
def test_a_second_statement_is_told_where_postgresql_ends_the_first(query, second):
    assert Statements.of(query, "postgresql").several is second


def test_a_backslash_quotes_in_postgresql_s_strings_only_without_standard_conforming_strings():
    query = "SELECT 'a\\'; SELECT 2'"
    assert Statements.of(query, "postgresql").several
    assert not Statements.of(query, "postgresql", backslash_quotes=True).several


@pytest.mark.parametrize("query, sqlite_only", [
    ("SELECT query_only FROM papers", False), ("SELECT readonly FROM papers", False),
    ('SELECT 1 FROM "read-only"', False), ("SELECT [not authorized] FROM papers", True),
    ('SELECT 1 FROM "not authorized"', False),
])
def test_sql_says_read_only_only_of_a_write_it_refused_not_of_an_error_naming_those_words(archive_url, query, sqlite_only):
    # The refusal was told by words in the error, which quote the names a query gives: a
    # misspelt column named query_only read "archive sql is read-only: no such column: query_only".
    if sqlite_only and not archive_url.startswith("sqlite"):
        pytest.skip("[name] quotes a name on SQLite only")
    archive = open_archive(archive_url)
    archive.close()
    done = archive_command("sql", query, archive=archive_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: SQL error: ") and done.stderr.count("\n") == 1, done.stderr
    done = archive_command("sql", "UPDATE papers SET name = 'query_only'", archive=archive_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: archive sql is read-only: ") and done.stderr.count("\n") == 1


# C0 and C1 controls and DEL: what a terminal runs rather than shows.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_search_and_a_sql_table_show_control_characters_the_archive_holds_as_u_fffd(sqlite_url):
    # lxml keeps an archived page's control characters, and the pipelines keep them: printed as
    # stored, a title's ESC ]0;…BEL retitled the reader's terminal and a body's ESC [2J cleared
    # it. A column named with a line break broke the table's header in two.
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1, title=normalize_plain("标题\x1b]0;pwned\x07"),
                                           body=normalize_plain("社工站\x1b[2J的消息"))])
    archive.close()
    searched = archive_command("search", "社工站", archive=sqlite_url)
    assert searched.returncode == 0, searched.stderr
    assert searched.stdout.splitlines()[0].endswith("  标题\ufffd]0;pwned\ufffd  [#1]")
    assert searched.stdout.splitlines()[1] == "    【社工站】\ufffd[2J的消息"
    tabled = archive_command("sql", 'SELECT title AS "the\ntitle", body FROM articles', archive=sqlite_url)
    assert tabled.returncode == 0, tabled.stderr
    assert tabled.stdout.splitlines()[0] == "the\\ntitle     | body"
    assert tabled.stdout.splitlines()[2] == "标题\ufffd]0;pwned\ufffd | 社工站\ufffd[2J的消息"
    assert not TERMINAL_CONTROLS.search(searched.stdout + tabled.stdout)
    # CSV and JSON are data: the text as stored.
    done = archive_command("sql", "SELECT title FROM articles", "--format", "csv", archive=sqlite_url)
    assert done.stdout.splitlines()[1] == "标题\x1b]0;pwned\x07"


def test_stats_tables_show_control_characters_the_archive_holds_as_u_fffd_one_row_a_line(archive_url):
    # archive stats printed its tables' cells as stored, where a sql table shows them as U+FFFD:
    # a section read again by `reprocess --section` (crawl_runs.dates_asked) and a dead link's
    # URL ran their ESC ]0;…BEL and ESC [2J on the terminal, and their line breaks cut the
    # table's rows in two.
    section = "社会\x1b]0;x\x07工作\n二"
    archive = open_archive(archive_url)
    archive.store_batch([page(section=section)], [article(1)])
    with archive.engine.begin() as conn:
        issue = conn.execute(text("SELECT id FROM issues")).scalar_one()
        seen = datetime(2023, 2, 1, tzinfo=timezone.utc)
        conn.execute(text("INSERT INTO dead_links (issue_id, kind, url, status, first_seen, last_seen, runs, reason) "
                          "VALUES (:issue, 'article', :url, 404, :seen, :seen, 1, 'status')"),
                     {"issue": issue, "url": "http://x/a\x1b[2J\nb.htm", "seen": seen})
    archive.close()
    reprocessed = archive_command("reprocess", "--section", section, archive=archive_url)
    assert reprocessed.returncode == 0, reprocessed.stderr
    done = archive_command("stats", archive=archive_url)
    assert done.returncode == 0, done.stderr
    assert not TERMINAL_CONTROLS.search(done.stdout)
    dead = done.stdout.split("Dead links")[1].split("\n\n")[0].splitlines()
    assert dead[3].endswith(" | http://x/a\ufffd[2J\\nb.htm") and dead[4] == "(1 row)"
    runs = done.stdout.split("Recent crawl runs\n")[1].splitlines()
    assert " | section=社会\ufffd]0;x\ufffd工作\\n二 | " in runs[2] and runs[3] == "(1 row)"


def test_reprocess_names_a_section_that_selects_no_issue_with_its_control_characters_as_u_fffd(archive_url):
    # Its note that no issue within the dates has a page of --section printed the section as
    # typed (pasted from the archive): ESC ]0;…BEL retitled the terminal, a line break cut the note.
    section = "社会\x1b]0;x\x07工作\n二"
    archive = open_archive(archive_url)
    archive.store_batch([page(section=section)], [article(1)])
    archive.close()
    done = archive_command("reprocess", "--section", section, "--since", "2030-01-01", archive=archive_url)
    assert done.returncode == 0, done.stderr
    assert not TERMINAL_CONTROLS.search(done.stderr)
    assert done.stderr.splitlines()[0].startswith(
        "note: no issue dated within 2030-01-01.. has a page of the section 社会\ufffd]0;x\ufffd工作⏎二 (the archive holds ")


def test_a_sql_table_lines_its_columns_up_by_the_width_a_terminal_gives_each_cell(sqlite_url):
    # Counted a column a code point (two for East Asian wide ones), a combining accent (e + U+0301),
    # a zero-width space and an emoji of several joined (a family: one picture, two columns)
    # pushed the columns after them right, each cell by its own count.
    open_archive(sqlite_url).close()
    cells = ["e\u0301x", "a\u200bb", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "社工", "ab"]
    query = " UNION ALL ".join(f"SELECT '{cell}' AS cell, 'b' AS next" for cell in cells)
    done = archive_command("sql", query, archive=sqlite_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["cell | next", "-----+-----"]
    # Each cell shows 2 columns wide, 社工 4: each padded to 4.
    assert lines[2:-1] == [f"{cell}{' ' * (2 if cell != '社工' else 0)} | b" for cell in cells]


def test_sql_tells_null_from_empty_text_in_a_table_and_in_csv(archive_url):
    # CSV and the table printed NULL and '' alike, where JSON tells them apart: CSV now writes
    # them as PostgreSQL's COPY does (NULL empty, '' quoted), the table NULL as NULL.
    archive = open_archive(archive_url)
    archive.close()
    query = "SELECT NULL AS a, '' AS b, 'x,y' AS c, 'z' AS d"
    done = archive_command("sql", query, "--format", "csv", archive=archive_url, text=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, b'a,b,c,d\r\n,"","x,y",z\r\n', b"")
    assert list(csv.reader(io.StringIO(done.stdout.decode()))) == [["a", "b", "c", "d"], ["", "", "x,y", "z"]]
    done = archive_command("sql", query, archive=archive_url)
    assert done.returncode == 0
    assert [[cell.strip() for cell in line.split("|")] for line in done.stdout.splitlines()[::2]] == [
        ["a", "b", "c", "d"], ["NULL", "", "x,y", "z"]]
    assert json.loads(archive_command("sql", query, "--format", "json", archive=archive_url).stdout) == [
        {"a": None, "b": "", "c": "x,y", "d": "z"}]
    # A row of one NULL: "" (an empty line is no row to pandas or Python's csv).
    done = archive_command("sql", "SELECT NULL AS a UNION ALL SELECT 'x'", "--format", "csv", archive=archive_url)
    assert (done.returncode, done.stdout) == (0, 'a\n""\nx\n')
    assert len(list(csv.reader(io.StringIO(done.stdout)))) == 3


def test_sql_tells_null_from_the_text_null_in_a_table(archive_url):
    # A table showed SQL's NULL and the text 'NULL' alike, NULL, where CSV and JSON tell them
    # apart: the text is escaped as a | is, \NULL, and a text \NULL as \\NULL, so each reads back.
    open_archive(archive_url).close()
    query = "SELECT NULL AS a, 'NULL' AS b, '\\NULL' AS c, 'NULLS' AS d, 'a NULL' AS e"
    done = archive_command("sql", query, archive=archive_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert [[cell.strip() for cell in line.split(" | ")] for line in done.stdout.splitlines()[::2]] == [
        ["a", "b", "c", "d", "e"], ["NULL", "\\NULL", "\\\\NULL", "NULLS", "a NULL"]]
    csv_done = archive_command("sql", query, "--format", "csv", archive=archive_url, text=False)
    assert csv_done.stdout == b'a,b,c,d,e\r\n,NULL,\\NULL,NULLS,a NULL\r\n'
    assert json.loads(archive_command("sql", query, "--format", "json", archive=archive_url).stdout) == [
        {"a": None, "b": "NULL", "c": "\\NULL", "d": "NULLS", "e": "a NULL"}]


@pytest.mark.parametrize("query, kept", [
    ("SELECT 1;;", "SELECT 1;"), ("SELECT 1; ;  -- done", "SELECT 1;"), ("SELECT 1; /* ; */ ;\n", "SELECT 1;"),
    ("SELECT ';;';;", "SELECT ';;';"), ('SELECT "a;"";" FROM t;;', 'SELECT "a;"";" FROM t;'),
    ("SELECT [a;b] FROM t; ;", "SELECT [a;b] FROM t;"), ("SELECT 'it''s;' ; ;", "SELECT 'it''s;' ;"),
    ("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;;", "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"),
    # Left as they are: no empty statement after, or a second statement (refused by sqlite3).
    ("SELECT 1", "SELECT 1"), ("SELECT ';'", "SELECT ';'"), ("SELECT 1 -- a;\n;", "SELECT 1 -- a;\n;"),
    ("SELECT 1; SELECT 2", "SELECT 1; SELECT 2"), ("SELECT 1; -- a\nSELECT 2", "SELECT 1; -- a\nSELECT 2"),
    ("SELECT 1; SELECT 2;;", "SELECT 1; SELECT 2;"), ("SELECT 1 /* ;", "SELECT 1 /* ;"),
])
def test_empty_statements_after_the_last_are_left_out_for_sqlite(query, kept):
    assert Statements.of(query, "sqlite").without_empty_statements == kept


def test_a_refused_write_is_told_by_the_database_s_error_code_not_its_words(tmp_path):
    import psycopg

    from storage.cli import _sqlite_authorizer

    connection = sqlite3.connect(tmp_path / "a.sqlite3", isolation_level=None)
    connection.execute("CREATE TABLE t (x)")
    connection.execute("PRAGMA query_only = ON")
    connection.set_authorizer(_sqlite_authorizer)

    def error(statement: str) -> sqlite3.Error:
        with pytest.raises(sqlite3.Error) as raised:
            connection.execute(statement)
        return raised.value

    for write in ("INSERT INTO t VALUES (1)", "PRAGMA journal_mode = DELETE", "VACUUM", "ATTACH 'b.sqlite3' AS b"):
        assert refused_write(error(write)), write
    for mistake in ("SELECT query_only FROM t", "SELECT [not authorized] FROM t", 'SELECT * FROM "read-only"'):
        assert not refused_write(error(mistake)), mistake
    connection.close()
    assert refused_write(psycopg.errors.ReadOnlySqlTransaction("cannot execute DELETE in a read-only transaction"))
    assert not refused_write(psycopg.errors.UndefinedColumn('column "query_only" does not exist'))


def test_csv_records_quote_empty_text_leave_null_empty_and_else_are_python_s_csv():
    import random

    assert csv_record(["a", None, "", 'say "hi"', "x,y", "two\nlines", "cr\r"]) == \
        'a,,"","say ""hi""","x,y","two\nlines","cr\r"\r\n'
    assert csv_record([None]) == '""\r\n' and csv_record([""]) == '""\r\n' and csv_record([None, None]) == ",\r\n"
    letters = 'ab ,"\r\n\t;\'社 '
    generator = random.Random(7)
    for _ in range(2000):
        cells = ["".join(generator.choice(letters) for _ in range(generator.randint(1, 6))) for _ in range(generator.randint(2, 4))]
        written = io.StringIO()
        csv.writer(written).writerow(cells)
        assert csv_record(cells) == written.getvalue(), cells


@pytest.mark.parametrize("query, noted", [
    ("社工 NEAR 站", ["NEAR"]), ("NEAR/5 社工", ["NEAR/5"]), ("NEAR(社工 站)", ["NEAR(社工"]),
    ("社工 OR 站 -广告 社会* +志愿", ["OR", "-广告", "社会*", "+志愿"]),
    ("near 社工", []), ("NEARBY 社工", []), ("社工 - 站", []),
    # A lone * is marks alone, left out beside words: the search finds the words.
    ("社工 *", []),
])
def test_words_other_search_boxes_take_for_operators_are_noted(query, noted):
    note = as_written_note(query)
    if not noted:
        assert note is None
    else:
        assert note == f"{', '.join(noted)}: searched for as written (there are no operators: a hit holds every word)"


def test_an_output_file_named_by_a_symbolic_link_is_written_through_it(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "sub" / "link.txt"
    link.parent.mkdir()
    link.symlink_to(target)
    with output_file(str(link), overwrite=True) as out:
        out.write("new\n")
        assert (tmp_path / "target.txt.part").exists() and not (tmp_path / "sub" / "link.txt.part").exists()
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub", "target.txt"]


@pytest.mark.parametrize("statement", ["COPY articles TO STDOUT", "COPY (SELECT title FROM article_view) TO STDOUT"])
def test_sql_refuses_a_copy_to_stdout_in_one_line(postgres_url, statement, capsys):
    # PostgreSQL starts streaming COPY's rows, which the query's cursor cannot read, and the
    # connection could not even roll back after: a traceback and 'another command is already
    # in progress' were all one saw.
    archive = open_archive(postgres_url)
    fill(archive)
    archive.close()
    assert archive_cli(postgres_url, "sql", statement) == 2
    assert capsys.readouterr() == ("", "error: archive sql runs queries: COPY sends its rows elsewhere (a stream it "
                                       "does not read, a file or a program of the server); give the SELECT "
                                       "(--format csv writes CSV)\n")
    assert archive_cli(postgres_url, "sql", "SELECT count(*) AS n FROM article_view", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[0] == "n"


@pytest.mark.parametrize("statement", ["COPY (SELECT code FROM papers) TO '{file}'",
                                       "  /* to the server */ copy papers TO PROGRAM 'cat > {file}'"])
def test_sql_refuses_a_copy_to_a_server_file_or_program_before_it_runs(postgres_url, statement, capsys):
    # COPY … TO a file or a program runs in a read-only transaction: a role allowed to (the
    # superuser, pg_write_server_files) wrote the file on the database server, and archive sql
    # then said the statement had returned no rows, as if it had done nothing.
    archive = open_archive(postgres_url)
    fill(archive)
    archive.close()
    with tempfile.TemporaryDirectory() as folder:  # outside pytest's folders, which the server's user cannot enter
        os.chmod(folder, 0o777)  # the server's user may write here
        written = Path(folder) / "papers.txt"
        assert archive_cli(postgres_url, "sql", statement.format(file=written)) == 2
        assert capsys.readouterr() == ("", "error: archive sql runs queries: COPY sends its rows elsewhere (a stream "
                                           "it does not read, a file or a program of the server); give the SELECT "
                                           "(--format csv writes CSV)\n")
        assert not written.exists()


@contextlib.contextmanager
def _large_object_and_a_file_for_it(postgres_url):
    """A large object holding b"kept", and a path the database server could write it to."""
    archive = open_archive(postgres_url)
    with archive.engine.begin() as conn:
        oid = conn.execute(text("SELECT lo_from_bytea(0, 'kept')")).scalar_one()
    archive.close()
    with tempfile.TemporaryDirectory() as folder:  # outside pytest's folders, which the server's user cannot enter
        os.chmod(folder, 0o777)  # the server's user may write here
        yield oid, Path(folder) / "object.bin"


@pytest.mark.parametrize("statement, function", [
    ("SELECT lo_create(0)", "lo_create"),
    ("SELECT lo_from_bytea(0, '\\x00') AS made", "lo_from_bytea"),
    ("SELECT lo_put({oid}, 0, 'x'), lo_unlink({oid})", "lo_put"),
    ("select LO_UNLINK({oid})", "lo_unlink"),
    ("SELECT lo_export({oid}, '{file}')", "lo_export"),
    ("SELECT pg_catalog.\"lo_export\"({oid}, '{file}')", "lo_export"),
    ("SELECT n FROM (SELECT lo_export({oid}, '{file}') AS n) AS written -- a subquery", "lo_export"),
])
def test_sql_on_postgresql_refuses_the_large_object_functions_a_read_only_transaction_lets_run(
        postgres_url, statement, function, request):
    # PostgreSQL's read-only transaction lets the large-object functions run: `SELECT lo_create(0)`
    # printed the number of an object the rollback had taken away, lo_unlink and lo_put said
    # done of what was left as it was, and lo_export wrote a file on the database server.
    with _large_object_and_a_file_for_it(postgres_url) as (oid, written):
        done = archive_command("sql", statement.format(oid=oid, file=written), archive=postgres_url)
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == f"error: archive sql is read-only: {function} {LARGE_OBJECT_REFUSED}\n"
        assert not written.exists()
    assert sql_rows(postgres_url, "SELECT count(*) FROM pg_largeobject_metadata")[0][0] == 1
    assert bytes(sql_rows(postgres_url, f"SELECT lo_get({oid})")[0][0]) == b"kept"
    # Reading one is a query, of a role that may read it; not of a superuser, whose query runs as
    # pg_read_all_data, which may read no large object.
    reading = f"SELECT lo_get({oid}) AS data"
    done = archive_command("sql", reading, "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive sql reads the archive only: permission denied for large object {oid} "
               f"{SUPERUSER_SET_ASIDE}\n")
    _, reader = postgres_role(postgres_url, request, "lo_reader", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                              f"GRANT SELECT ON LARGE OBJECT {oid} TO {{role}}")
    done = archive_command("sql", reading, "--format", "csv", archive=reader)
    assert (done.returncode, done.stdout.splitlines()) == (0, ["data", "\\x6b657074"]), done.stderr


LARGE_OBJECT_REFUSED = ("writes a large object or a file of the database server, which its read-only transaction "
                        "does not stop: use psql for it")
SERVER_REFUSED = ("acts on the database server (its sessions, configuration, logs, statistics, write-ahead log or "
                  "replication), which a read-only transaction does not stop: use psql for it")


@pytest.mark.parametrize("statement, refusal", [
    # Built as text, the call was never seen in the query: the file was written.
    ("SELECT query_to_xml('SELECT lo_' || 'export({oid}, ''{file}'')', true, false, '')",
     "query_to_xml runs SQL given as text, which archive sql cannot check: give that SQL as the query"),
    ("SELECT * FROM ts_stat('SELECT to_tsvector(lo_' || 'export({oid}, ''{file}'')::text)')",
     "ts_stat runs SQL given as text, which archive sql cannot check: give that SQL as the query"),
    ("DO $$BEGIN EXECUTE 'SELECT lo_' || 'export({oid}, ''{file}'')'; END$$",
     "DO runs code archive sql cannot check: use psql for it"),
    ("SELECT pg_terminate_backend({pid})", f"pg_terminate_backend {SERVER_REFUSED}"),
    ("SELECT pg_catalog.pg_cancel_backend({pid})", f"pg_cancel_backend {SERVER_REFUSED}"),
    ("SELECT pg_reload_conf()", f"pg_reload_conf {SERVER_REFUSED}"),
    ("SELECT pg_stat_reset_shared('bgwriter')", f"pg_stat_reset_shared {SERVER_REFUSED}"),
    ("SELECT pg_advisory_lock(7)", "pg_advisory_lock takes or frees a lock other sessions wait for, which a "
                                   "read-only transaction does not stop: use psql for it"),
    # Commands a read-only transaction runs, said after as "returned no rows".
    *((command, f"{command.split()[0].upper()} acts on the database server (its statistics, indexes, files or "
                "libraries), which a read-only transaction does not stop: use psql for it")
      for command in ("analyze articles", "REINDEX TABLE articles", "CHECKPOINT", "LOAD 'auto_explain'")),
])
def test_sql_on_postgresql_refuses_what_a_read_only_transaction_lets_act_however_it_is_written(
        postgres_url, statement, refusal):
    # The large-object functions were looked for in the query's text: one built as a string
    # (query_to_xml runs what it is given) wrote its file, and the functions that end another
    # session, reload the configuration, reset statistics or take a lock ran (for a role allowed
    # to call them), which a read-only transaction does not stop.
    import psycopg

    other = psycopg.connect(postgres_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    try:
        with _large_object_and_a_file_for_it(postgres_url) as (oid, written):
            done = archive_command("sql", statement.format(oid=oid, file=written, pid=other.info.backend_pid),
                                   archive=postgres_url)
            assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: archive sql is read-only: {refusal}\n")
            assert not written.exists()
        assert other.execute("SELECT 1").fetchone() == (1,)  # not ended, not cancelled
    finally:
        other.close()


def test_sql_on_postgresql_reads_strings_as_the_server_does_to_find_the_calls(postgres_url):
    # With standard_conforming_strings off, '\'' is a quote to the server and an open string to
    # a reader that takes it on: the call after it is to be seen, as the server runs it.
    archive = open_archive(postgres_url)
    archive.close()
    off = {"PGOPTIONS": "-c standard_conforming_strings=off"}
    done = archive_command("sql", "SELECT '\\'', pg_reload_conf() AS x --'", archive=postgres_url, env=off)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive sql is read-only: pg_reload_conf {SERVER_REFUSED}\n")
    done = archive_command("sql", "SELECT 'a\\', pg_reload_conf() b' AS x", "--format", "csv",
                           archive=postgres_url, env=off)
    assert (done.returncode, done.stdout, done.stderr) == (0, "x\n\"a', pg_reload_conf() b\"\n", "")


@pytest.mark.parametrize("query", [
    "SELECT count(*) AS n FROM article_view WHERE body LIKE '%lo_export%' OR title = 'lo_create(0)'",
    "SELECT count(*) AS n FROM article_view -- not lo_unlink(1), nor pg_terminate_backend\n",
    "/* lo_truncate(1, 0) */ SELECT count(*) AS n FROM article_view WHERE title ~ 'lowrite|query_to_xml'",
    "SELECT count(*) AS \"lo_put\" FROM article_view",
])
def test_sql_on_postgresql_runs_a_query_that_names_a_refused_function_only_in_text(postgres_url, query):
    # The whole query was searched for the names: a researcher counting the articles that
    # mention lo_export was told the query wrote a large object.
    archive = open_archive(postgres_url)
    fill(archive)
    archive.close()
    done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stderr, len(done.stdout.splitlines())) == (0, "", 2)


SERVER_FILE_REFUSED = ("reads the database server's files, not the archive, which a read-only transaction does not "
                       "stop: use psql for it")


@pytest.mark.parametrize("query, function", [
    ("SELECT pg_read_file('/etc/passwd') AS f", "pg_read_file"),
    ("SELECT length(pg_catalog.pg_read_binary_file('/etc/passwd')) AS f", "pg_read_binary_file"),
    ("SELECT f FROM pg_ls_dir('.') AS f", "pg_ls_dir"),
    ("SELECT (pg_stat_file('postgresql.conf')).size AS f", "pg_stat_file"),
    ("SELECT name FROM pg_ls_waldir()", "pg_ls_waldir"),
])
def test_sql_on_postgresql_refuses_the_server_file_functions(postgres_url, query, function):
    # Connected as a superuser, `archive sql "SELECT pg_read_file('/etc/passwd')"` printed the
    # server's file: a read-only transaction lets a function read what it likes.
    open_archive(postgres_url).close()
    done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: archive sql is read-only: {function} {SERVER_FILE_REFUSED}\n")


def test_sql_on_postgresql_runs_a_superuser_s_query_without_superuser_rights(postgres_url):
    # What a function or a view calls is not seen before the query runs: as a superuser, a view
    # calling pg_ls_dir listed the server's folder, and `SELECT set_config('role', ...)` took the
    # rights back. The query runs as pg_read_all_data, which reads the archive and no more.
    if sql_rows(postgres_url, "SELECT current_setting('server_version_num')::int")[0][0] < 140000:
        pytest.skip("PostgreSQL before 14 has no pg_read_all_data role")
    archive = open_archive(postgres_url)
    fill(archive)
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("CREATE FUNCTION server_passwd() RETURNS text LANGUAGE sql "
                             "AS $$SELECT pg_read_file('/etc/passwd')$$")
        conn.exec_driver_sql("CREATE VIEW server_folder AS SELECT pg_ls_dir('.') AS name")
    archive.close()
    assert sql_rows(postgres_url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]
    for query, function in [("SELECT server_passwd() AS f", "pg_read_file"),
                            ("SELECT name FROM server_folder", "pg_ls_dir")]:
        done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", f"error: archive sql reads the archive only: permission denied for function {function} "
                   f"{SUPERUSER_SET_ASIDE}\n"), query
    done = archive_command("sql", "SELECT set_config('role', 'postgres', true), server_passwd() AS f",
                           archive=postgres_url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "error: archive sql is read-only: set_config of role changes whose rights the query runs with, "
               "which archive sql sets: use psql for it\n")
    # What a superuser reads of the archive, it still reads: its tables, views and functions.
    total = sql_rows(postgres_url, "SELECT count(*) FROM articles")[0][0]
    for query in ["SELECT count(*) AS n FROM article_view", "SELECT count(*) AS n FROM articles",
                  "SELECT count(*) AS n FROM papers p JOIN issues i ON i.paper_id = p.id "
                  "JOIN pages g ON g.issue_id = i.id JOIN articles a ON a.page_id = g.id",
                  "SELECT count(*) AS n FROM article_view WHERE set_config('statement_timeout', '0', true) = '0'"]:
        done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
        assert (done.returncode, done.stderr, done.stdout.splitlines()) == (0, "", ["n", str(total)]), query


def test_sql_on_postgresql_finds_a_superuser_s_archive_in_the_schema_named_after_it(postgres_url):
    # The default search_path, "$user", public, named the reading role's schema once the query
    # ran as it: an archive in the schema of the user's name was no longer found.
    user = sql_rows(postgres_url, "SELECT current_user")[0][0]
    with contextlib.closing(open_archive(postgres_url)) as made:  # the archive's tables in public
        with made.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{user}"')
            conn.exec_driver_sql(f'CREATE TABLE "{user}".papers AS SELECT 7 AS code')
    done = archive_command("sql", "SELECT code FROM papers", "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stderr, done.stdout.splitlines()) == (0, "", ["code", "7"])


SUPERUSER_SET_ASIDE = ("(a superuser's query runs as pg_read_all_data, which reads the archive's tables and views and "
                       "no more: use psql for the rest)")


def test_sql_on_postgresql_still_runs_research_queries(postgres_url):
    archive = open_archive(postgres_url)
    fill(archive)
    archive.close()
    total = sql_rows(postgres_url, "SELECT count(*) FROM article_view")[0][0]
    for query in [
        "SELECT count(*) AS n FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id",
        "WITH y AS (SELECT year, count(*) AS c FROM article_view GROUP BY year) SELECT sum(c) AS n FROM y",
        "SELECT max(r) AS n FROM (SELECT row_number() OVER (ORDER BY issue_date, article_id) AS r "
        "FROM article_view) AS ranked",
        "SELECT count(*) AS n FROM article_view WHERE title ~ '.' OR title IS NULL OR title = ''",
        "SELECT count(*) + 0 * max(length(to_tsvector('simple', body)::text)) AS n FROM article_view",
        "EXPLAIN SELECT count(*) AS n FROM article_view",
    ]:
        done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
        assert (done.returncode, done.stderr) == (0, ""), query
        if not query.startswith("EXPLAIN"):
            assert done.stdout.splitlines() == ["n", str(total)], query


@pytest.mark.parametrize("query", [";", " ; ;", "-- the query to come", "/* nothing */;"])
def test_sql_of_comments_and_semicolons_alone_is_an_empty_query(archive_url, query):
    # It said "the statement returned no rows": there was no statement to return any.
    open_archive(archive_url).close()
    done = archive_command("sql", query, archive=archive_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: empty query: give one SELECT statement\n")


@pytest.mark.parametrize("statement, name", [("PREPARE seen AS SELECT 1", "prepared statement"),
                                             ("DECLARE seen CURSOR FOR SELECT 1", "cursor")])
def test_sql_on_postgresql_runs_a_statement_once_even_when_it_returns_no_rows(postgres_url, statement, name):
    # A statement whose stream gave no row was run a second time to learn its columns: a
    # SELECT finding nothing took twice as long, and a command ran twice, the second time
    # refused for what the first had made (prepared statement "seen" already exists).
    archive = open_archive(postgres_url)
    archive.close()
    done = archive_command("sql", statement, archive=postgres_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("error: archive sql runs queries: the statement returned no rows; "
                           "give one SELECT statement\n"), f"{name} made twice: {done.stderr}"
    # An empty result still tells its columns, as the server describes the statement.
    query = "SELECT code AS 代码, name FROM papers WHERE code = 'none'"
    done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stdout, done.stderr) == (0, "代码,name\n", "")
    done = archive_command("sql", query, archive=postgres_url)
    assert (done.returncode, done.stdout.splitlines()[0].split(), done.stdout.splitlines()[-1]) == (
        0, ["代码", "|", "name"], "(0 rows)")


@pytest.mark.parametrize("statement", [
    "PRAGMA journal_mode = DELETE", "PRAGMA query_only = OFF", "PRAGMA user_version = 7", "PRAGMA wal_checkpoint",
    "ATTACH 'attached.sqlite3' AS other",
])
def test_sql_on_sqlite_sets_no_pragma_and_attaches_nothing(sqlite_url, statement, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    archive = open_archive(sqlite_url)
    archive.close()
    assert archive_cli(sqlite_url, "sql", statement) == 2
    # SQLite's words were "not authorized", which read as a permission the user lacked.
    refused = ("it attaches no other database (ATTACH opens, or creates, its file)" if statement.startswith("ATTACH")
               else "it sets no pragma, nor runs one that writes (PRAGMA journal_mode, without a value, reads one)")
    assert capsys.readouterr().err == f"error: archive sql is read-only: {refused}\n"
    assert not (tmp_path / "attached.sqlite3").exists()
    assert archive_cli(sqlite_url, "sql", "PRAGMA journal_mode", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines() == ["journal_mode", "wal"]
    assert archive_cli(sqlite_url, "sql", "PRAGMA user_version", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines() == ["user_version", "0"]
    # Pragmas that describe the schema, whatever their argument, and their table forms.
    for query in ("PRAGMA table_info(papers)", "SELECT name FROM pragma_table_info('papers')"):
        assert archive_cli(sqlite_url, "sql", query, "--format", "json") == 0
        assert "code" in [column["name"] for column in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize("statement", [
    "VACUUM INTO '{tmp}/copy.sqlite3'", "VACUUM main INTO '{tmp}/copy.sqlite3'", "vacuum into 'copy.sqlite3'", "VACUUM",
])
def test_sql_on_sqlite_refuses_vacuum_before_it_creates_a_file(sqlite_url, statement, tmp_path, monkeypatch, capsys):
    # VACUUM attaches its target (INTO's file, else a temporary copy) before it writes: the
    # authorizer's refusal of that ATTACH stops it before the file is created. PRAGMA
    # query_only alone refused it only once the empty file was there.
    monkeypatch.chdir(tmp_path)
    archive = open_archive(sqlite_url)
    archive.close()
    before = sorted(tmp_path.iterdir())
    assert archive_cli(sqlite_url, "sql", statement.format(tmp=tmp_path)) == 2
    assert capsys.readouterr().err == ("error: archive sql is read-only: VACUUM writes the archive again, or a copy of "
                                       "it (`archive export -o copy.sqlite3` makes a copy)\n")  # "authorization denied"
    assert not (tmp_path / "copy.sqlite3").exists()
    assert sorted(tmp_path.iterdir()) == before


def test_sql_runs_the_query_as_typed_percent_signs_and_all(seeded, capsys):
    expected = sum(1 for _, title in view_rows(seeded) if "儿童" in title)
    assert expected
    assert archive_cli(seeded, "sql", "SELECT count(*) AS n, 10 % 3 AS m FROM articles WHERE title LIKE '%儿童%'",
                       "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == [{"n": expected, "m": 1}]
    for query in ("", "   ", "-- only a comment"):
        assert archive_cli(seeded, "sql", query) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "one SELECT statement" in err and err.count("\n") == 1


def test_sql_writes_values_as_their_format_reads_them(archive_url, capsys):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1)])
    archive.close()
    postgresql = archive_url.startswith("postgresql")
    blob = "CAST('\\x00ff' AS bytea)" if postgresql else "x'00ff'"
    inf = "CAST('Infinity' AS float8)" if postgresql else "1e999"
    query = (f"SELECT a.id, p.id, {blob} AS raw, {inf} AS inf, CAST(2.5 AS numeric) AS half, "
             "CAST(4 AS numeric) AS four, 'a' || char(9) || 'b' || char(13) || char(10) || 'c' AS text "
             "FROM articles a JOIN pages p ON p.id = a.page_id").replace("char(", "chr(" if postgresql else "char(")
    assert archive_cli(archive_url, "sql", query, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"id": 1, "id_2": 1, "raw": "\\x00ff", "inf": None, "half": 2.5, "four": 4, "text": "a\tb\r\nc"},
    ]
    assert archive_cli(archive_url, "sql", query, "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["id", "id", "raw", "inf", "half", "four", "text"] and rows[1][2] == "\\x00ff"
    assert archive_cli(archive_url, "sql", query) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 4 and table[2].split(" | ")[2] == "\\x00ff" and table[2].endswith("a\\tb\\r\\nc")


def test_a_sql_table_escapes_a_bar_a_tab_and_a_line_break_in_a_cell_so_its_columns_stay(archive_url, capsys):
    # A cell's | read as the next column's rule, and a tab shown as a space or a line break as
    # ⏎ looked like a space or a ⏎ the text held: the table did not say what the cell was.
    cells = ["a|b", "c\td", "e\nf\r\ng", "h⏎ i", "back\\slash \\n \\|", "C:\\x\\", "plain"]
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(n, title=cell) for n, cell in enumerate(cells, 1)])
    archive.close()
    assert archive_cli(archive_url, "sql", 'SELECT id, title AS "the|title" FROM articles ORDER BY id') == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split(" | ") == ["id", "the\\|title"]
    shown = [line.split(" | ", 1)[1].rstrip() for line in table[2:-1]]
    assert shown == ["a\\|b", "c\\td", "e\\nf\\r\\ng", "h⏎ i", "back\\slash \\\\n \\\\\\|", "C:\\x\\", "plain"]
    assert table[-1] == "(7 rows)"
    # Read back by its escapes, each cell is the text stored: none is another's.
    unescaped = {"\\\\": "\\", "\\|": "|", "\\n": "\n", "\\r": "\r", "\\t": "\t"}
    assert [re.sub(r"\\[\\|nrt]", lambda m: unescaped[m.group()], cell) for cell in shown] == cells
    # CSV and JSON are data: the text as stored.
    assert archive_cli(archive_url, "sql", "SELECT title FROM articles ORDER BY id", "--format", "json") == 0
    assert [row["title"] for row in json.loads(capsys.readouterr().out)] == cells


def test_sql_on_postgresql_prints_an_interval_as_postgresql_writes_it(postgres_url):
    # psycopg reads an interval as a timedelta, a month as 30 days: the span between two issues
    # 490 days apart, by age(), printed as 489 days (and 2592000.0 seconds in JSON for a month).
    archive = open_archive(postgres_url)
    archive.close()
    query = ("SELECT age(date '2024-06-04', date '2023-01-31') AS span, date '2024-06-04' - date '2023-01-31' AS days, "
             "interval '1 month' AS month, CAST(NULL AS interval) AS nothing")
    done = archive_command("sql", query, "--format", "json", archive=postgres_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"span": "1 year 4 mons 4 days", "days": 490, "month": "1 mon", "nothing": None}]
    done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
    assert done.stdout.splitlines() == ["span,days,month,nothing", "1 year 4 mons 4 days,490,1 mon,"]
    done = archive_command("sql", query, archive=postgres_url)
    assert [cell.strip() for cell in done.stdout.splitlines()[2].split("|")] == ["1 year 4 mons 4 days", "490", "1 mon", "NULL"]


def test_sql_on_postgresql_prints_a_row_value_as_postgresql_writes_it_as_it_prints_a_table_s_row(postgres_url):
    # psycopg reads an anonymous row, (a.id, a.title), as a Python tuple of texts: it printed
    # "('2', '标题')", where a table's row (SELECT p FROM papers p) printed as PostgreSQL writes it.
    archive = open_archive(postgres_url)
    archive.store_batch([page()], [article(1, title='标题 "一"')])
    archive.close()
    query = "SELECT (a.id, a.title, NULL) AS pair, p AS paper FROM articles a, papers p"
    expected = ['(1,"标题 ""一""",)', "(1,gongyishibao,公益时报)"]
    done = archive_command("sql", query, "--format", "json", archive=postgres_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [dict(zip(("pair", "paper"), expected))]
    done = archive_command("sql", query, archive=postgres_url)
    assert [cell.strip() for cell in done.stdout.splitlines()[2].split(" | ")] == expected


def test_sql_on_postgresql_prints_an_array_of_dates_numbers_and_bytes(postgres_url):
    # An array is a list of what its elements load as: array_agg(issue_date), the dates of each
    # paper's issues, ended in a traceback (date is not JSON serializable), as did numeric
    # (Decimal) and bytea elements; a NaN within one was written as NaN, which JSON lacks.
    archive = open_archive(postgres_url)
    archive.store_batch([page()], [article(1)])
    archive.close()
    query = ("SELECT pa.code, array_agg(i.issue_date) AS dates, ARRAY[CAST(2.5 AS numeric), 4, NULL] AS numbers, "
             "ARRAY[CAST('\\x00ff' AS bytea)] AS raw, ARRAY[CAST('NaN' AS float8), 1.5] AS floats "
             "FROM issues i JOIN papers pa ON pa.id = i.paper_id GROUP BY pa.code")
    day = str(page()["issue_date"])
    done = archive_command("sql", query, "--format", "json", archive=postgres_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == [{"code": "gongyishibao", "dates": [day], "numbers": [2.5, 4, None],
                                        "raw": ["\\x00ff"], "floats": [None, 1.5]}]
    done = archive_command("sql", query, "--format", "csv", archive=postgres_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert list(csv.reader(io.StringIO(done.stdout)))[1] == [
        "gongyishibao", f'["{day}"]', "[2.5,4,null]", '["\\\\x00ff"]', "[null,1.5]"]
    done = archive_command("sql", query, archive=postgres_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert f'["{day}"]' in done.stdout


def test_sql_on_postgresql_prints_dates_python_cannot_hold_as_postgresql_writes_them(postgres_url):
    # psycopg refuses to load infinity and dates before year 1 (or after 9999), client-side and
    # without an SQL state: archive sql took that for a statement returning no rows.
    archive = open_archive(postgres_url)
    archive.close()
    query = ("SELECT CAST('infinity' AS date) AS never, CAST('-infinity' AS timestamptz) AS always, "
             "CAST('0044-03-15 BC' AS date) AS ides, CAST('infinity' AS timestamp) AS later, date '2023-01-31' AS day, "
             "time '24:00' AS midnight, CAST('24:00+08' AS timetz) AS beijing")
    done = archive_command("sql", query, "--format", "json", archive=postgres_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == [{"never": "infinity", "always": "-infinity", "ides": "0044-03-15 BC",
                                        "later": "infinity", "day": "2023-01-31", "midnight": "24:00:00",
                                        "beijing": "24:00:00+08"}]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_sql_prints_a_crawl_runs_time_alike_on_either_database(archive_url, fmt):
    # PostgreSQL's came out 2026-12-04T17:35:12.199791+00:00, SQLite's 2026-12-04 17:35:07.131924.
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    archive = open_archive(archive_url)
    with Session(archive.engine) as session, session.begin():
        session.add(CrawlRun(paper_code="gongyishibao", started_at=datetime(2026, 12, 4, 17, 35, 7, 131924, tzinfo=timezone.utc)))
    archive.close()
    done = archive_command("sql", "SELECT started_at FROM crawl_runs", "--format", fmt, archive=archive_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert re.search(r"(?<![\d-])2026-12-04 17:35:07\.131924(\+00:00)?(?![\d:])", done.stdout), done.stdout
    assert "T17:35" not in done.stdout


# The CLI in a process of its own that reports its peak memory (kB) on its last line of stderr.
_MEASURED_CLI = ("import resource, sys; from storage.cli import main; status = main(sys.argv[1:]); "
                 "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(status)")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_sql_streams_a_result_larger_than_its_memory_and_stops_when_the_reader_does(archive_url, fmt):
    # 200,000 rows of 1,000 characters: 200 MB, which a result held whole costs again in memory.
    open_archive(archive_url).close()
    rows = ("SELECT x, repeat('0', 1000) AS filler FROM generate_series(1, {n}) AS x"
            if archive_url.startswith("postgresql") else
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
            "SELECT x, hex(zeroblob(500)) AS filler FROM c")

    def peak_kb(n: int) -> int:
        command = [sys.executable, "-c", _MEASURED_CLI, "--archive", archive_url, "sql", rows.format(n=n), "--format", fmt]
        done = subprocess.run(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return int(done.stderr.split()[-1])

    assert peak_kb(200_000) - peak_kb(1) < 50_000
    # `archive sql ... | head`: the reader goes, the query stops, no traceback.
    command = [sys.executable, "-m", "storage.cli", "--archive", archive_url, "sql", rows.format(n=200_000), "--format", fmt]
    reading = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reading.stdout.readline()
    reading.stdout.close()
    assert reading.wait(timeout=60) == 0 and reading.stderr.read() == b""


def test_sql_stops_at_ctrl_c_in_one_line(sqlite_url):
    import signal
    import subprocess
    import sys

    open_archive(sqlite_url).close()
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    command = [sys.executable, "-m", "storage.cli", "--archive", sqlite_url, "sql", endless]
    running = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Inside SQLite: seconds of CPU past start-up (under a second), however busy the machine.
    wait_for("the query ran 3 s of CPU", lambda: _cpu_seconds(running.pid) >= 3, running, 60,
             said=lambda: running.poll() is not None and running.communicate())
    assert running.poll() is None
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=20)
    assert (running.returncode, out, err) == (130, "", "interrupted\n")


# The interrupt lands while SQLAlchemy is imported, as a Ctrl-C in the first half second does, or
# while the arguments are read (storage.search, imported as the parser is made; the signal
# handlers of storage.cli.main are not yet set): that one printed a KeyboardInterrupt traceback.
# `python -m storage.cli` too (tests run it), which printed that traceback: it is run as runpy
# runs it for -m.
@pytest.mark.parametrize("entry", [
    "from storage.console import main\nsys.exit(main())",
    "import runpy\nrunpy.run_module('storage.cli', run_name='__main__', alter_sys=True)",
], ids=["archive", "python -m storage.cli"])
@pytest.mark.parametrize("module", ["sqlalchemy", "storage.search"])
def test_ctrl_c_while_the_command_loads_is_one_line_too(module, entry):
    import importlib.metadata
    import subprocess
    import sys

    (script,) = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "archive"]
    assert script.value == "storage.console:main"
    interrupted_import = """
import sys
interrupted = sys.argv[1]
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == interrupted:
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
sys.argv = ["archive", "stats"]
""" + entry
    done = subprocess.run([sys.executable, "-c", interrupted_import, module], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")


# The console script, held at its very end (after main() returned, before the interpreter exits)
# until its standard input closes: the last instants of the process, made as long as a test needs.
_HELD_AT_EXIT = """
import sys
from storage.console import main
status = main()
sys.stdin.read()
sys.exit(status)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
@pytest.mark.parametrize("fmt", ["csv", "sqlite"])
def test_a_signal_after_the_export_is_done_changes_nothing(seeded, tmp_path, fmt, signum):
    # A Ctrl-C just after the export said "N articles" (its file complete) ended the process as
    # Python's default does: exit status -2 (killed by SIGINT), or a bare "KeyboardInterrupt:".
    output = tmp_path / f"copy.{fmt}"
    command = [sys.executable, "-c", _HELD_AT_EXIT, "--archive", seeded, "export", "--format", fmt, "-o", str(output)]
    running = subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    said = ""
    while not said.startswith(f"{output}: "):  # a SQLite copy's progress lines first
        said = running.stderr.readline()
        assert said, "the export ended without its line"
    assert " article" in said, said
    running.send_signal(signum)
    out, err = running.communicate(input="", timeout=60)
    assert (running.returncode, out, err) == (0, "", "")
    assert output.exists() and not Path(f"{output}.part").exists()


# The console script, a signal sent to itself as the export's FILE.part is renamed to FILE:
# the instant between the rename and the mark of the work done.
_SIGNALLED_AT_THE_RENAME = """
import os, signal, sys
from storage.console import main
rename, signum = os.replace, int(sys.argv.pop(1))

def renamed_then_signalled(source, target, *args, **kwargs):
    rename(source, target, *args, **kwargs)
    if os.fspath(source).endswith(".part"):
        os.kill(os.getpid(), signum)

os.replace = renamed_then_signalled
sys.exit(main())
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
@pytest.mark.parametrize("fmt", ["csv", "sqlite"])
def test_a_signal_as_the_export_file_is_renamed_changes_nothing(seeded, tmp_path, fmt, signum):
    # The file was complete, in its place, yet the command said "interrupted", exit status 130
    # (143 for SIGTERM), and not its line of articles: a user re-ran a whole export for nothing.
    output = tmp_path / f"copy.{fmt}"
    done = subprocess.run([sys.executable, "-c", _SIGNALLED_AT_THE_RENAME, str(int(signum)), "--archive", seeded,
                           "export", "--format", fmt, "-o", str(output)], cwd=PROJECT, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.splitlines()[-1].startswith(f"{output}: ") and "interrupted" not in done.stderr, done.stderr
    assert output.exists() and not Path(f"{output}.part").exists()


def test_the_console_module_runs_the_command_as_the_script_does(sqlite_url):
    # `python -m storage.console` ran nothing and exited 0: a check that it answered passed.
    open_archive(sqlite_url).close()
    done = subprocess.run([sys.executable, "-m", "storage.console", "--archive", sqlite_url, "sql", "SELECT 7 AS n",
                           "--format", "csv"], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "n\n7\n", "")
    done = subprocess.run([sys.executable, "-m", "storage.console", "--archive", sqlite_url, "search", "社工",
                           "--since", "2024-01-02", "--until", "2024-01-01"], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: --since")


def test_words_and_filters_typed_in_gbk_are_one_line_errors(sqlite_url):
    # A terminal that sends GBK to a UTF-8 locale: Python hands the bytes over as lone surrogates.
    open_archive(sqlite_url).close()
    gbk = "社会工作".encode("gbk")
    environment = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONPATH": str(PROJECT)}
    for arguments, what in (
        (["search", gbk], "search"), (["search", "社工", "--section", gbk], "section"), (["export", "--section", gbk], "section"),
        (["export", "--query", gbk], "--query"), (["stats", "--paper", gbk], "paper"), (["sql", b"SELECT '" + gbk + b"'"], "SQL"),
    ):
        done = subprocess.run([sys.executable, "-m", "storage.console", "--archive", sqlite_url, *arguments],
                              cwd=PROJECT, env=environment, capture_output=True, timeout=60)
        assert (done.returncode, done.stdout, done.stderr.decode()) == (
            2, b"", f"error: {what} holds a byte that is not UTF-8 (0xc9): give it in UTF-8\n"
        )


def test_a_terminal_in_a_locale_without_chinese_shows_what_it_can_rather_than_a_traceback(seeded):
    for command in (["search", "社工"], ["sql", "SELECT title FROM article_view LIMIT 2"]):
        done = archive_command(*command, archive=seeded, env={"PYTHONIOENCODING": "latin-1"}, text=False)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")[-2000:]
        assert done.stdout.count(b"??") >= 2, done.stdout[:500]  # each Chinese character one "?"


def _cpu_seconds(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_search_pages_are_bounded_and_hits_print_on_one_line(seeded, capsys):
    for option, value in (("--limit", "0"), ("--limit", "-1"), ("--offset", "-5"), ("--limit", "99999999999999999999")):
        with pytest.raises(SystemExit) as stopped:
            archive_cli(seeded, "search", "社工", option, value)
        assert stopped.value.code == 2 and "out of range" in capsys.readouterr().err
    archive = open_archive(seeded)
    archive.store_batch([page()], [article(1, title="第一行\r\n第二行\t社工", body="社工站")])
    archive.close()
    assert archive_cli(seeded, "search", "第一行") == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "  第一行⏎第二行 社工  [#" in head


def test_sql_errors_and_missing_archive_are_one_line(seeded, tmp_path, capsys, monkeypatch):
    assert archive_cli(seeded, "sql", "SELECT nosuchcolumn FROM articles") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SQL error:") and err.count("\n") == 1
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    assert archive_cli(missing, "search", "社工") == 2
    assert capsys.readouterr().err == f"error: archive not found: {missing} (given by --archive): no such file\n"
    assert not (tmp_path / "none.sqlite3").exists()
    # Three slashes before an absolute-looking path name a path from this directory: said so.
    monkeypatch.chdir(tmp_path)
    assert archive_cli("sqlite:///srv/none.sqlite3", "stats") == 2
    assert capsys.readouterr().err == (
        f"error: archive not found: sqlite:///srv/none.sqlite3 (given by --archive): no such folder {tmp_path}/srv "
        "(three slashes: a path from this directory; an absolute path takes four)\n")
    archive = open_archive(missing)
    with archive.engine.begin() as conn:  # an archive that lost a table of the four, and its revision
        conn.execute(text("DROP TABLE articles"))
        conn.execute(text("DROP TABLE alembic_version"))
    archive.close()
    assert archive_cli(missing, "search", "社工") == 2
    # The rest of its tables are the archive's: damaged, as the crawl says of it, not another
    # program's, nor "archive not found" (an empty database's: test_reading_commands_leave_…).
    assert capsys.readouterr().err == (f"error: archive {missing} (given by --archive) is a damaged archive of this "
                                       "crawler: its table articles is missing: restore it from a backup, or name another archive\n")
    assert archive_cli("postgresql+psycopg://nobody@127.0.0.1:1/none", "stats") == 2
    assert capsys.readouterr().err.startswith("error: database unreachable:")


@pytest.mark.parametrize("command", [["stats"], ["upgrade"]])
@pytest.mark.parametrize("missing", ["database", "username"])
def test_a_database_server_that_refuses_the_archive_command_says_what_it_refuses_not_unreachable(missing, command):
    # As the crawl says it (test_crawl.py): the server answered, and "database unreachable" sent
    # its operator to look for a network fault.
    url = postgres_url_naming(**{missing: "no_such_archive"})
    done = archive_command(*command, archive=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {refused_connection_words(url, missing)} (given by --archive)\n"


def test_a_missing_database_of_a_server_named_by_the_url_s_query_is_made_by_createdb_on_that_server():
    # The URL names no host in its authority (?host=/var/run/postgresql: a Unix socket): the
    # createdb advised is libpq's host and port, not localhost:5432.
    url = host_in_query(postgres_url_naming(database="no_such_archive"))
    named = make_url(url)
    host, port = named.query["host"], named.query["port"]
    server = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else f"{host}:{port}"
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f'error: database "{named.database}" does not exist on {server}: create it as the server\'s superuser '
               f"(createdb -h {host} -p {port} -E UTF8 -T template0 {named.database}), or correct the archive URL "
               f"{url} (given by --archive)\n")


def test_a_role_the_server_does_not_let_log_in_is_told_the_alter_role_that_lets_it(postgres_url, request):
    # CREATE ROLE without LOGIN: the server answered, and refused the role, not the network.
    role, url = postgres_role(postgres_url, request, "nologin", "ALTER ROLE {role} NOLOGIN")
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout) == (2, "")
    named = make_url(url)
    assert done.stderr == (f'error: role "{role}" may not log in to {named.host}:{named.port}: let it, as the '
                           f"server's superuser (ALTER ROLE {role} LOGIN), or correct the archive URL {url} (given by --archive)\n")


@pytest.mark.parametrize("command", [["search", "社工"], ["stats"], ["export"], ["export", "--format", "csv"], ["reprocess"]])
def test_since_after_until_is_one_line_not_an_empty_answer(seeded, command, capsys):
    # The crawl refuses an end before its start; the archive's filters alike, before reading.
    assert archive_cli(seeded, *command, "--since", "2024-03-05", "--until", "2023-01-03") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: --since 2024-03-05 is after --until 2023-01-03: no date is within them\n"
    assert archive_cli(seeded, *command, "--since", "2023-01-31", "--until", "2023-01-31") in (0, 1)


@pytest.mark.parametrize("command", [["stats"], ["sql", "SELECT 1"], ["upgrade"], ["serve", "--port", "0"]])
def test_an_archive_url_naming_a_file_that_is_no_database_says_so(tmp_path, command):
    # It said "archive error: sqlite:///…/articles.jsonl: file is not a database", naming neither
    # what the file was taken for nor where its name came from.
    exported = tmp_path / "articles.jsonl"
    exported.write_text('{"title": "社工"}\n' * 100, encoding="utf-8")
    url = f"sqlite:///{exported}"
    done = archive_command(*command, archive=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: archive {url} (given by --archive) is not a SQLite database: name the archive's file\n"
    assert exported.read_text(encoding="utf-8") == '{"title": "社工"}\n' * 100


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "postgres"])
def test_a_postgresql_password_holding_an_at_sign_is_told_to_be_percent_encoded_and_never_shown(scheme):
    # "database unreachable: postgresql+psycopg://reader:***@cret@127.0.0.1:1/archive: failed to
    # resolve host 'cret@127.0.0.1'": the password's end shown twice, and no word of the @ that
    # ended it (SQLAlchemy reads the host from it), which the URL writes %40.
    url = f"{scheme}://reader:se@cret@127.0.0.1:1/archive"
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: invalid archive URL '{scheme}://reader:***@127.0.0.1:1/archive' (given by --archive): "
                           "an @ in its password ends it there: write it %40 "
                           "(postgresql://user:p%40ss@host/archive)\n")


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg", "pg8000"])
def test_a_postgresql_url_naming_another_driver_is_told_the_projects_driver(driver):
    # "No module named 'psycopg2' (pip install -e '.[postgres]')": the extra installs psycopg,
    # and the URL, still naming psycopg2, failed again; with the driver installed, the archive's
    # psycopg-only code failed later in a traceback. Refused whether or not it is installed.
    url = f"postgresql+{driver}://reader:secret@127.0.0.1:1/archive"
    done = archive_command("stats", archive=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: archive URL postgresql+{driver}://reader:***@127.0.0.1:1/archive (given by --archive) "
                           f"names the driver {driver}: this project's driver is psycopg: write the URL "
                           "postgresql+psycopg://… (or postgresql://…)\n")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_written_without_a_driver_opens_the_archive(postgres_url, scheme):
    # libpq's postgresql://, and postgres:// as Heroku and others hand it out, as users paste
    # them: the first failed for want of psycopg2 (SQLAlchemy's driver for it before 2.1), the
    # second was an "unsupported database".
    archive = open_archive(postgres_url)
    stored = fill(archive)
    archive.close()
    pasted = f"{scheme}://{postgres_url.split('://', 1)[1]}"
    done = archive_command("stats", archive=pasted)
    assert (done.returncode, done.stderr) == (0, "")
    assert "gongyishibao" in done.stdout
    done = archive_command("sql", "SELECT count(*) AS n FROM articles", "--format", "csv", archive=pasted)
    assert (done.returncode, done.stderr, done.stdout) == (0, "", f"n\n{len(stored)}\n")


IN_MEMORY_COMMANDS = [
    ["search", "社工"], ["sql", "SELECT 1"], ["stats"], ["export"], ["export", "--format", "csv"],
    ["export", "--format", "sqlite", "--output", "copy.sqlite3"], ["reprocess"], ["reprocess", "--paper", "gongyishibao"],
    ["move-root", "gongyishibao", "http://a/", "http://b/"], ["upgrade"], ["serve", "--port", "0"],
    ["copy", "--to", "postgresql+psycopg://archivist@127.0.0.1:1/archive"],
]


@pytest.mark.parametrize("url, commands", [
    ("sqlite://", IN_MEMORY_COMMANDS), ("sqlite:///:memory:", [["stats"], ["upgrade"]]),
    ("sqlite:///file::memory:?uri=true", [["stats"], ["upgrade"]]), ("sqlite:///file:archive?mode=memory", [["stats"]]),
])
def test_every_command_refuses_an_archive_in_memory_in_the_crawls_words(url, commands, tmp_path):
    # Each command read an empty database of its own and said "archive not found: sqlite:// has no
    # articles table" (reprocess, upgrade, move-root, search, sql, stats, export), or "needs an
    # archive file" (serve); the URI forms were taken for a file named ":memory:" or "archive".
    said = f"error: an archive in memory ({url}) starts empty and is gone when the command ends: " \
           "name a file, such as sqlite:///archive.sqlite3\n"
    assert set(COMMANDS) == {arguments[0] for arguments in IN_MEMORY_COMMANDS}
    for arguments in commands:
        done = subprocess.run([sys.executable, "-m", "storage.console", "--archive", url, *arguments], cwd=tmp_path,
                              env=os.environ | {"PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=120)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", said), arguments
    assert list(tmp_path.iterdir()) == []  # no file named :memory:, archive or copy.sqlite3



def test_a_papers_name_in_traditional_script_for_its_code_says_which_paper_it_is(seeded):
    # --paper 公益時報, the name as a Traditional text writes it, was "unknown paper" with no
    # hint, where 公益时报 said which code it is: the name's Simplified form is the paper's.
    for command in (["search", "社工"], ["export"], ["stats"], ["reprocess"],
                    ["move-root", "http://x/", "http://y/", "--dry-run"]):
        paper = ["--paper", "公益時報"] if command[0] != "move-root" else ["公益時報"]
        at = 1 if command[0] == "move-root" else len(command)
        done = archive_command(*command[:at], *paper, *command[at:], archive=seeded)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", "error: unknown paper '公益時報' (this archive holds: gongyishibao): 公益時報 is 公益时报 "
                   "(gongyishibao) in Traditional script, give its code\n"), command


def test_a_paper_the_archive_does_not_hold_is_one_line_naming_those_it_holds(archive_url, tmp_path, monkeypatch):
    # A code mistyped found nothing and exited 0: search said "no articles found", export wrote
    # nothing (or a header), reprocess "0 documents reprocessed", stats empty tables.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    articles = view_rows(archive_url, "article_id, title, body")
    target = tmp_path / "out.csv"
    for command in (["search", "社工"], ["export"], ["export", "--format", "csv", "-o", str(target)], ["reprocess"], ["stats"]):
        done = archive_command(*command, "--paper", "gongyishibo", archive=archive_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", "error: unknown paper 'gongyishibo' (this archive holds: gongyishibao): "
                   "did you mean gongyishibao?\n"), command
    assert not target.exists() and view_rows(archive_url, "article_id, title, body") == articles
    assert sql_rows(archive_url, "SELECT count(*) FROM article_versions") == [(0,)]
    # The paper's name, where its code is asked for: the line says which code it is.
    named = archive_command("search", "社工", "--paper", "公益时报", archive=archive_url)
    assert (named.returncode, named.stderr) == (
        2, "error: unknown paper '公益时报' (this archive holds: gongyishibao): 公益时报 is gongyishibao, give its code\n")
    found = archive_command("search", "社工", "--paper", "gongyishibao", archive=archive_url)
    assert found.returncode == 0 and "[#" in found.stdout and found.stderr == ""
    # stats and reprocess read the profiles: a paper one names, not crawled yet, is known to
    # them (stats lists its schedule, reprocess has nothing of it to read), and named in their error.
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
    stats = archive_command("stats", "--paper", "shehuibao", "--since", "2023-01-30", "--until", "2023-02-03", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    assert "Missing issues of shehuibao (every Mon, Wed, Fri) from 2023-01-30 to 2023-02-03: 3 of 3 scheduled" in stats.stdout
    reprocessed = archive_command("reprocess", "--paper", "shehuibao", archive=archive_url)
    assert (reprocessed.returncode, reprocessed.stderr) == (0, f"0 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}\n")
    for command in (["stats"], ["reprocess"]):
        done = archive_command(*command, "--paper", "shehuibo", archive=archive_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", "error: unknown paper 'shehuibo' (this archive holds: gongyishibao; profiled, not archived: shehuibao): "
                   "did you mean shehuibao?\n")
    done = archive_command("search", "社工", "--paper", "shehuibao", archive=archive_url)
    assert (done.returncode, done.stderr) == (2, "error: unknown paper 'shehuibao' (this archive holds: gongyishibao)\n")


def test_a_paper_s_code_in_other_capitals_is_taken_and_said(archive_url, tmp_path, monkeypatch):
    # `--paper Gongyishibao` was an unknown paper, naming the one it differs from in case alone.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    taken = "paper 'Gongyishibao' taken as gongyishibao (公益时报): a paper's code is written as the archive holds it\n"
    for command in (["search", "社工"], ["export", "--format", "csv"], ["stats"]):
        exact = archive_command(*command, "--paper", "gongyishibao", archive=archive_url)
        assert exact.returncode == 0 and exact.stdout, exact.stderr
        done = archive_command(*command, "--paper", "Gongyishibao", archive=archive_url)
        assert (done.returncode, done.stderr) == (0, taken), command
        if command[0] != "stats":  # stats names the time it ran
            assert done.stdout == exact.stdout, command
    issue = sql_rows(archive_url, "SELECT url FROM issues")[0][0]
    root = issue[:issue.index(PREFIX) + len(PREFIX)]
    moved = archive_command("move-root", "GONGYISHIBAO", root, "http://y/newdzb/", "--dry-run", archive=archive_url)
    assert moved.returncode == 0 and moved.stderr.startswith(
        "paper 'GONGYISHIBAO' taken as gongyishibao (公益时报): a paper's code is written as the archive holds it\n"
        "dry run: "), moved.stderr
    assert " of gongyishibao would move from " in moved.stderr
    # A profile's paper not crawled yet: stats takes its code in other capitals too.
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
    stats = archive_command("stats", "--paper", "SheHuiBao", "--since", "2023-01-30", "--until", "2023-02-03",
                            archive=archive_url)
    assert stats.returncode == 0 and stats.stderr.startswith("paper 'SheHuiBao' taken as shehuibao"), stats.stderr
    assert "Missing issues of shehuibao (every Mon, Wed, Fri)" in stats.stdout


def test_a_paper_s_code_is_read_as_a_section_is_blanks_around_and_full_width_too(seeded):
    # `--paper ' gongyishibao '` and `--paper ｇｏｎｇｙｉｓｈｉｂａｏ` were unknown papers, where
    # `--section ' 社会工作 '` was taken. Blanks are passed over as a section's are; the full-width
    # code is taken and said, as one in other capitals is.
    # The first re-reading changes the seeded texts, those after it none: each then says the same.
    assert archive_command("reprocess", archive=seeded).returncode == 0
    for command in (["search", "社会"], ["export", "--format", "csv"], ["stats"], ["reprocess"]):
        exact = archive_command(*command, "--paper", "gongyishibao", archive=seeded)
        assert exact.returncode == 0, exact.stderr
        blanks = archive_command(*command, "--paper", " gongyishibao\t", archive=seeded)
        assert (blanks.returncode, blanks.stderr) == (0, exact.stderr), command
        wide = archive_command(*command, "--paper", "ｇｏｎｇｙｉｓｈｉｂａｏ", archive=seeded)
        assert (wide.returncode, wide.stderr) == (
            0, "paper 'ｇｏｎｇｙｉｓｈｉｂａｏ' taken as gongyishibao (公益时报): a paper's code is written as "
               "the archive holds it\n" + exact.stderr), command
        if command[0] != "stats":  # stats names the time it ran
            assert blanks.stdout == wide.stdout == exact.stdout, command
    # A typo in full width is named as typed, and the code closest to it offered.
    done = archive_command("search", "社会", "--paper", " ｇｏｎｇｙｉｓｈｉｂｏ ", archive=seeded)
    assert (done.returncode, done.stderr) == (
        2, "error: unknown paper 'ｇｏｎｇｙｉｓｈｉｂｏ' (this archive holds: gongyishibao): did you mean gongyishibao?\n")


CRAWLED_SECTIONS = "新闻, 公益资讯, 头版, 寻找慈善传统, 益言堂, 社会工作"  # the sample issue's, most pages first


def test_a_section_no_page_has_is_one_line_naming_those_the_archive_has(archive_url, tmp_path):
    # Search and export said "no articles found" of a mistyped section, exit status 0 (and
    # export -o wrote an empty file), as if the section had no article in the dates asked;
    # reprocess refused it (exit status 2), but named none the archive has.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    target = tmp_path / "out.csv"
    refused = f"error: no page of this archive has the section '社会工做' (its sections: {CRAWLED_SECTIONS})\n"
    for command in (["search", "社工"], ["export"], ["export", "--format", "csv", "-o", str(target)], ["reprocess"]):
        done = archive_command(*command, "--section", "社会工做", archive=archive_url)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", refused), command
        assert not target.exists() and not Path(f"{target}.part").exists()
    # A section the archive has, none of it in the dates asked: plainly nothing, exit status 0.
    for command in (["search", "社工"], ["export"], ["export", "--format", "csv"]):
        done = archive_command(*command, "--section", "社会工作", "--since", "2030-01-01", archive=archive_url)
        assert (done.returncode, done.stderr) == (0, "no articles found dated within 2030-01-01.. in the section 社会工作 "
                                                     f"(the archive holds issues from {ISSUE_DATE} to {ISSUE_DATE})\n"), command
        found = archive_command(*command, "--section", "社會工作", archive=archive_url)  # as the page prints it
        assert (found.returncode, found.stderr) == (0, "") and "社会工作" in found.stdout, command


def test_a_section_refused_names_the_archive_s_sections_on_one_line_without_their_control_characters(sqlite_url):
    # The sections named were printed as stored: an archived section's ESC ]0;…BEL retitled the
    # terminal and its line break cut the one-line error in two.
    archive = open_archive(sqlite_url)
    archive.store_batch([page(section="社会\x1b]0;x\x07工作\n二")], [article(1)])
    archive.close()
    done = archive_command("search", "社工", "--section", "社工", archive=sqlite_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: no page of this archive has the section '社工' (its sections: 社会\ufffd]0;x\ufffd工作⏎二)\n"


def test_the_sections_a_refusal_names_are_the_most_printed_first_and_at_most_thirty(sqlite_url, capsys):
    from storage.cli import SECTIONS_NAMED

    archive = open_archive(sqlite_url)
    archive.store_batch([page(n, section=f"第{n:02d}版面") for n in range(1, SECTIONS_NAMED + 3)]
                        + [page(50 + n, section="要闻") for n in range(2)], [])
    archive.close()
    assert archive_cli(sqlite_url, "search", "社工", "--section", "要问") == 2
    named = ", ".join(f"第{n:02d}版面" for n in range(1, SECTIONS_NAMED))
    assert capsys.readouterr().err == (f"error: no page of this archive has the section '要问' "
                                       f"(its sections: 要闻, {named}, and 3 more)\n")


def test_a_section_of_another_paper_is_refused_with_the_papers_own_sections(archive_url, capsys):
    # With --paper, a section only another paper's pages have passed the check (the archive has
    # it): search and export said "no articles found" (exit status 0), and reprocess "0 documents
    # reprocessed", as if done; the refusal of a typo named the other papers' sections too.
    other = {"paper_code": "shehuibao", "paper_name": "社会报", "issue_url": "http://y/node_1.htm"}
    archive = open_archive(archive_url)
    archive.store_batch([page(1, section="要闻"), page(1, url="http://y/node_3.htm", section="体育", **other)], [])
    archive.close()
    for command in (["search", "社工"], ["export"], ["reprocess"]):
        assert archive_cli(archive_url, *command, "--paper", "gongyishibao", "--section", "体育") == 2, command
        assert capsys.readouterr().err == "error: no page of paper gongyishibao has the section '体育' (its sections: 要闻)\n"
    assert archive_cli(archive_url, "search", "社工", "--paper", "shehuibao", "--section", "体育") == 0
    assert capsys.readouterr().err == "no articles found of shehuibao in the section 体育\n"


def test_an_export_or_search_that_finds_nothing_names_the_filters_and_the_dates_the_archive_holds(seeded, tmp_path):
    # Export said only "no articles found" of a span typed wrong (an empty FILE written, exit
    # status 0), where reprocess and stats name the span and the dates the archive holds.
    target = tmp_path / "out.csv"
    filters = ("--paper", "gongyishibao", "--since", "2023-01-04", "--until", "2023-01-05")
    done = archive_command("export", *filters, "-o", str(target), archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == (f"{target}: 0 articles\nno articles found of gongyishibao dated within 2023-01-04..2023-01-05 "
                           "(the archive holds issues of gongyishibao from 2023-01-03 to 2024-03-05)\n")
    done = archive_command("export", "--since", "2030-01-01", "--section", "社会工作", "--query", "社工", archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == ("no articles found dated within 2030-01-01.. in the section 社会工作 holding every word of 社工 "
                           "(the archive holds issues from 2023-01-03 to 2024-03-05)\n")
    # Search says it alike; its words are the command's own, not named again.
    done = archive_command("search", "社工", "--until", "2020-12-31", archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "no articles found dated within ..2020-12-31 (the archive holds issues from 2023-01-03 to 2024-03-05)\n"


@pytest.mark.parametrize("command, option, value, ascii", [
    (["stats"], "--runs", "３", "3"), (["search", "社工"], "--limit", "２０", "20"),
    (["search", "社工"], "--offset", " １０ ", "10"), (["reprocess"], "--pdf-workers", "２", "2"),
    (["serve"], "--port", "８００１", "8001"), (["stats"], "--runs", "－１", "-1"),
])
def test_a_number_in_full_width_digits_is_refused_as_a_date_in_them_is(archive_url, command, option, value, ascii):
    # `--runs ３` was taken (int() reads full-width digits), where `--since ２０２３-０１-３１` is
    # refused in its own line: one rule for what a user types, digits written in ASCII.
    done = archive_command(*command, option, value, archive=archive_url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"archive {command[0]}: error: argument {option}: {value.strip()!r} is written in full-width digits: "
               f"numbers are written in ASCII digits, e.g. {ascii}; see archive {command[0]} --help\n")


@pytest.mark.parametrize("value, message", [
    ("abc", "'abc' is not a whole number (expected 0 to 100,000)"),
    ("1e3", "'1e3' is not a whole number (expected 0 to 100,000)"),
    ("", "'' is not a whole number (expected 0 to 100,000)"),
    ("٣", "'٣' is not a whole number (expected 0 to 100,000)"),  # another script's digit: ASCII only, as in a date
    ("-5", "-5 is out of range: 0 to 100,000"),
    ("100001", "100001 is out of range: 0 to 100,000"),
])
def test_a_bad_offset_is_one_line_naming_the_rule(sqlite_url, value, message):
    # "invalid number '1e3'": 1e3 is a number; the line said neither that a whole one is asked nor which.
    done = archive_command("search", "社工", "--offset", value, archive=sqlite_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"archive search: error: argument --offset: {message}; see archive search --help\n"


def test_a_search_page_past_the_last_hit_says_how_many_hits_there_are(seeded):
    # "no articles found past the first 10000 hits" read as if 10,000 articles matched, where a
    # few dozen did; and a search finding nothing at all said so too.
    archive = open_archive(seeded, create=False)
    matches = len(search(archive, "社工", limit=10_000))
    archive.close()
    assert 1 < matches < 10_000
    for offset in (10_000, matches):
        done = archive_command("search", "社工", "--offset", str(offset), archive=seeded)
        assert (done.returncode, done.stdout) == (0, "")
        assert done.stderr == f"no articles found past the first {offset} hits: the search has {matches} hits\n"
    done = archive_command("search", "社工", "--offset", str(matches - 1), archive=seeded)
    assert done.returncode == 0 and done.stdout.count("[#") == 1 and done.stderr == ""
    # Nothing to page through: said as a search without --offset says it, with its note.
    done = archive_command("search", "无此词", "OR", "--offset", "20", archive=seeded)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == ("no articles found; OR: searched for as written "
                           "(there are no operators: a hit holds every word)\n")


def test_search_tells_how_many_match_on_a_page_past_the_last_and_not_when_more_match_than_it_ranked(seeded, monkeypatch):
    import storage.search

    archive = open_archive(seeded, create=False)
    try:
        every = search(archive, "儿童", limit=1000)
        assert every.matches == len(every) > 2
        past = search(archive, "儿童", offset=len(every) + 5)
        assert (past, past.matches) == ([], len(every))
        assert search(archive, "无此词", offset=3).matches == 0
        monkeypatch.setattr(storage.search, "POOL", 2)
        few = search(archive, "儿童", limit=2)
        assert len(few) == 2 and few[0].pool_full and few.matches is None
    finally:
        archive.close()


def test_counts_are_printed_singular_for_one(sqlite_url, tmp_path, capsys):
    assert [counted(n, "article") for n in (0, 1, 2)] == ["0 articles", "1 article", "2 articles"]
    assert counted(1, "copy", "copies") == "1 copy" and counted(3, "copy", "copies") == "3 copies"
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1)])
    archive.close()
    copy = tmp_path / "copy.sqlite3"
    assert archive_cli(sqlite_url, "export", "--format", "sqlite", "-o", str(copy)) == 0
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(f"{copy}: 1 article, ") and last.endswith(" rows in all")  # was "1 articles"


def test_stats_counts_per_year_gaps_against_the_schedule_and_crawl_runs(seeded, capsys):
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        # A run before revision 0008 (and 0011, 0015), which counted no articles changed (nor links
        # gone, nor dates without an issue).
        insert_crawl_run(conn, dates_asked="2023-01-24", started_at="2023-01-25 08:00:00+00:00", pages_new=16, articles_new=20)
        insert_crawl_run(conn, pages_new=16, pages_failed=1, articles_new=20, articles_updated=5, articles_changed=2,
                         articles_failed=2, links_gone=3, dates_without_issue=2)
    archive.close()
    assert archive_cli(seeded, "stats") == 0
    out = capsys.readouterr().out
    runs = out.split("Recent crawl runs\n")[1].splitlines()
    assert [cell.strip() for cell in runs[0].split(" | ")][-5:] == [
        "pages new/upd/failed", "articles new/upd/failed", "articles changed", "links gone", "dates without issue"]
    assert [[cell.strip() for cell in row.split("|")][-5:] for row in runs[2:4]] == [
        ["16/0/1", "20/5/2", "2", "3", "2"], ["16/0/0", "20/0/0", "", "", ""]]
    per_year = {}
    for day, in view_rows(seeded, "issue_date"):
        per_year[str(day)[:4]] = per_year.get(str(day)[:4], 0) + 1
    for year, n in per_year.items():
        assert any(line.split(" | ")[1].strip() == year and line.split(" | ")[-1].strip() == str(n)
                   for line in out.splitlines() if line.startswith("gongyishibao"))
    first, last = date.fromisoformat(DATES[0]), date.fromisoformat(DATES[-1])
    schedule = get_paper("gongyishibao").schedule
    missing = [d for d in schedule.dates(first, last) if d.isoformat() not in DATES]
    assert f"from {first} to {last}: {len(missing)} of {len(missing) + len(DATES)} scheduled" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  20")]
    assert listed == [d.isoformat() for d in missing]
    assert "finished" in out and "16/0/1" in out and "20/5/2" in out
    # A span given: only its scheduled days.
    assert archive_cli(seeded, "stats", "--since", "2023-01-01", "--until", "2023-01-31") == 0
    assert "from 2023-01-01 to 2023-01-31: 3 of 5 scheduled" in capsys.readouterr().out


def test_stats_lists_the_issues_a_crawl_left_incomplete_until_a_crawl_completes_them(archive_url):
    # A page the site failed to send (after the retries): the issue is archived in part, which
    # "Missing issues ... 0 of 1" alone hides.
    page_9 = f"{PREFIX}html/2023-01/31/node_9.htm"
    failed, _ = crawl_site(archive_url, faults={page_9: [503] * 3}, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert failed.returncode == 4, failed.stderr[-2000:]
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    incomplete = stats.stdout.split("Incomplete issues: ")[1].split("\n\n")[0].splitlines()
    assert incomplete[0] == "1 (pages or articles not archived: a crawl of their dates fetches what they lack)"
    assert [cell.strip() for cell in incomplete[3].split("|")] == ["gongyishibao", "2023-01-31", "15 of 16"]
    # Outside the span asked, the issue is not listed.
    assert "Incomplete issues" not in archive_command("stats", "--since", "2023-02-01", archive=archive_url).stdout
    again, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Incomplete issues" not in archive_command("stats", archive=archive_url).stdout


def missing_issues(out: str) -> tuple[list[str], list[str]]:
    """The "Missing issues" headings of archive stats, and the dates listed under them."""
    return ([line for line in out.splitlines() if line.startswith("Missing issues")],
            [line.split()[0] for line in out.splitlines() if line.startswith("  ")])


def test_stats_lists_every_scheduled_issue_of_a_span_without_archived_ones(seeded, capsys, paper_day):
    schedule = get_paper("gongyishibao").schedule
    every = "Missing issues of gongyishibao (every Tue)"
    for filters in ([], ["--paper", "gongyishibao"]):
        assert archive_cli(seeded, "stats", *filters, "--since", "2022-03-01", "--until", "2022-06-30") == 0
        out = capsys.readouterr().out
        assert out.startswith("No issue ") and " is dated within 2022-03-01..2022-06-30 " in out.splitlines()[0]
        expected = [d.isoformat() for d in schedule.dates(date(2022, 3, 1), date(2022, 6, 30))]
        assert missing_issues(out) == ([f"{every} from 2022-03-01 to 2022-06-30: {len(expected)} of {len(expected)} scheduled"],
                                       expected)
    # --since after the last archived issue (2024-03-05): every issue since, to today.
    assert archive_cli(seeded, "stats", "--since", "2024-06-01") == 0
    expected = [d.isoformat() for d in schedule.dates(date(2024, 6, 1), paper_day)]
    assert missing_issues(capsys.readouterr().out) == (
        [f"{every} from 2024-06-01 to {paper_day}: {len(expected)} of {len(expected)} scheduled"], expected)
    # --until before the first archived issue: no start to count from, said so.
    assert archive_cli(seeded, "stats", "--until", "2022-06-30") == 0
    assert missing_issues(capsys.readouterr().out) == (
        ["Missing issues of gongyishibao: not counted, its first date the archive knows of, 2023-01-03, is after "
         "--until 2022-06-30: give --since YYYY-MM-DD to count from that date"], [])
    # A span running past today: an issue yet to be published is not missing.
    today = paper_day
    assert archive_cli(seeded, "stats", "--since", str(today - timedelta(days=30)), "--until", str(today + timedelta(days=60))) == 0
    expected = [d.isoformat() for d in schedule.dates(today - timedelta(days=30), today)]
    assert missing_issues(capsys.readouterr().out) == (
        [f"{every} from {today - timedelta(days=30)} to {today}: {len(expected)} of {len(expected)} scheduled"], expected)


def test_stats_counts_no_issue_missing_before_the_papers_first(seeded, capsys):
    profile = get_paper("gongyishibao")
    assert profile.first_issue == date(2001, 6, 1)
    assert archive_cli(seeded, "stats", "--since", "2000-01-01", "--until", "2001-07-31") == 0
    expected = [d.isoformat() for d in profile.schedule.dates(date(2001, 6, 1), date(2001, 7, 31))]
    assert expected[0] == "2001-06-05"
    assert missing_issues(capsys.readouterr().out) == (
        [f"Missing issues of gongyishibao (every Tue) from 2001-06-01 to 2001-07-31: {len(expected)} of {len(expected)} scheduled"],
        expected)
    # A span wholly before it: nothing is missing, and that is said (nothing of the paper was).
    stats = archive_command("stats", "--since", "1995-01-01", "--until", "2001-05-31", archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    assert missing_issues(stats.stdout) == (
        ["Missing issues of gongyishibao (every Tue) from 1995-01-01 to 2001-05-31: none, its first issue is 2001-06-01 "
         "(its profile's first_issue)"], [])


def test_stats_lists_the_schedule_of_a_profiled_paper_the_archive_does_not_hold_yet(archive_url, capsys):
    open_archive(archive_url).close()
    assert archive_cli(archive_url, "stats", "--paper", "gongyishibao", "--since", "2023-01-01", "--until", "2023-01-31") == 0
    assert missing_issues(capsys.readouterr().out) == (
        ["Missing issues of gongyishibao (every Tue) from 2023-01-01 to 2023-01-31: 5 of 5 scheduled"],
        ["2023-01-03", "2023-01-10", "2023-01-17", "2023-01-24", "2023-01-31"],
    )
    assert archive_cli(archive_url, "stats", "--since", "2023-01-01", "--until", "2023-01-31") == 0  # no paper yet
    assert missing_issues(capsys.readouterr().out) == ([], [])
    # Search and export read the archive alone: a paper it does not hold yet is not theirs to find.
    for command in (["search", "社工"], ["export"]):
        assert archive_cli(archive_url, *command, "--paper", "gongyishibao") == 2
        assert capsys.readouterr().err == "error: unknown paper 'gongyishibao' (this archive holds no paper)\n"


def test_stats_of_an_archive_holding_no_issue_yet_says_so_in_one_line(archive_url):
    # A new archive (or one whose crawls found no issue) printed an empty table of counts under
    # its heading, which read as a broken command.
    open_archive(archive_url).close()
    stats = archive_command("stats", archive=archive_url)
    assert (stats.returncode, stats.stderr) == (0, "")
    sections = stats.stdout.split("\n\n")
    assert sections[0] == "The archive holds no issue yet: scrapy crawl issues -a date=YYYY-MM-DD archives one"
    # Nor a run: said in one line, not its heading over an empty table ending "(0 rows)".
    assert sections[1:] == ["Recent crawl runs: none recorded\n"]


def test_stats_as_json_of_an_archive_holding_no_issue_yet_says_so_and_counts_nothing(archive_url):
    open_archive(archive_url).close()
    done = archive_command("stats", "--format", "json", archive=archive_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {"paper": None, "since": None, "until": None, "holds_issues": False,
                                       "papers": {}, "runs": [], "warnings": []}
    # A profiled paper asked for a span: its schedule's dates, every one missing.
    done = archive_command("stats", "--format", "json", "--paper", "gongyishibao", "--since", "2023-01-01",
                           "--until", "2023-01-31", archive=archive_url)
    assert (done.returncode, done.stderr) == (0, "")
    stats = json.loads(done.stdout)
    scheduled = [str(day) for day in get_paper("gongyishibao").schedule.dates(date(2023, 1, 1), date(2023, 1, 31))]
    paper = stats["papers"]["gongyishibao"]
    assert (stats["holds_issues"], list(stats["papers"])) == (False, ["gongyishibao"])
    assert (paper["issues"], paper["pages"], paper["articles"], paper["years"], paper["first_issue_date"]) == (0, 0, 0, [], None)
    assert (paper["gaps"]["scheduled"], paper["gaps"]["missing"], paper["behind"]) == (len(scheduled), scheduled, None)


def test_stats_while_the_first_crawl_runs_says_it_runs(archive_url):
    # The first crawl of an archive, nothing stored yet: stats told the user to start a crawl,
    # over the table listing that crawl as running.
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        insert_crawl_run(conn, status="running", finished_at=None)
    archive.close()
    stats = archive_command("stats", archive=archive_url)
    assert (stats.returncode, stats.stderr) == (0, "")
    sections = stats.stdout.split("\n\n")
    assert sections[0] == ("The archive holds no issue yet: a crawl is running (run 1, gongyishibao); "
                           "its issues are counted here once stored")
    assert sections[1].startswith("Recent crawl runs") and " running " in sections[1]


def test_stats_of_a_span_holding_no_issue_says_so_in_one_line(seeded):
    # A future --since (or a year typed wrong) printed the counts' heading over an empty table,
    # exit status 0, and not a word of why.
    stats = archive_command("stats", "--since", "2030-01-01", archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    sections = stats.stdout.split("\n\n")
    assert sections[0] == "No issue is dated within 2030-01-01.. (the archive holds issues from 2023-01-03 to 2024-03-05)"
    assert sections[1].startswith("Missing issues of gongyishibao (every Tue) from 2030-01-01 on: none, ")
    assert sections[2:] == ["Recent crawl runs: none recorded\n"]
    # Of a paper, before its first issue: said so, and its missing issues listed as before.
    stats = archive_command("stats", "--paper", "gongyishibao", "--since", "2019-01-01", "--until", "2019-01-08",
                            archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    assert stats.stdout.split("\n\n")[:2] == [
        "No issue of gongyishibao is dated within 2019-01-01..2019-01-08 (the archive holds issues of gongyishibao "
        "from 2023-01-03 to 2024-03-05)",
        "Missing issues of gongyishibao (every Tue) from 2019-01-01 to 2019-01-08: 2 of 2 scheduled\n"
        "  2019-01-01 Tue\n  2019-01-08 Tue"]


def test_stats_of_a_span_wholly_after_today_says_nothing_is_missing_there_yet(seeded, paper_day):
    # A span after today printed no line of the paper's missing issues, where every other
    # span says what it counted: the user could not tell "none missing" from "not checked".
    since, until = paper_day + timedelta(days=30), paper_day + timedelta(days=60)
    after_today = f"none, the span is after today ({paper_day} in China): no issue of it is due yet"
    for span, said in ((["--since", str(since), "--until", str(until)], f"from {since} to {until}"),
                       (["--since", str(since)], f"from {since} on")):
        for paper in ([], ["--paper", "gongyishibao"]):
            stats = archive_command("stats", *paper, *span, "--runs", "0", archive=seeded)
            assert (stats.returncode, stats.stderr) == (0, "")
            assert stats.stdout.split("\n\n")[1:] == [
                f"Missing issues of gongyishibao (every Tue) {said}: {after_today}",
                "Recent crawl runs: not listed (--runs 0)\n"]


def test_stats_of_a_span_without_a_scheduled_date_or_of_no_runs_says_so_in_one_line(seeded):
    # A Wednesday and Thursday of a paper out every Tuesday printed "Missing issues … : 0 of 0
    # scheduled" over nothing, and --runs 0 the runs' heading over an empty table.
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        insert_crawl_run(conn)
    archive.close()
    stats = archive_command("stats", "--since", "2023-01-04", "--until", "2023-01-05", "--runs", "0", archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    assert stats.stdout.split("\n\n") == [
        "No issue is dated within 2023-01-04..2023-01-05 (the archive holds issues from 2023-01-03 to 2024-03-05)",
        "Missing issues of gongyishibao (every Tue) from 2023-01-04 to 2023-01-05: none, no date of its schedule "
        "is within them",
        "Recent crawl runs: not listed (--runs 0)\n"]
    # A span with scheduled dates, all of them archived, and the runs asked: as before.
    stats = archive_command("stats", "--since", "2023-01-03", "--until", "2023-01-03", archive=seeded)
    sections = stats.stdout.split("\n\n")
    assert sections[1] == "Missing issues of gongyishibao (every Tue) from 2023-01-03 to 2023-01-03: 0 of 1 scheduled"
    assert sections[-1].startswith("Recent crawl runs\n") and sections[-1].endswith("(1 row)\n")


def test_stats_of_an_until_before_a_papers_first_date_without_since_says_why_nothing_is_counted(seeded):
    # Nothing starts such a span (its start is the paper's first date the archive knows of):
    # nothing of the paper's missing issues was printed, not a word of why.
    stats = archive_command("stats", "--until", "2020-12-31", "--runs", "0", archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    assert stats.stdout.split("\n\n") == [
        "No issue is dated within ..2020-12-31 (the archive holds issues from 2023-01-03 to 2024-03-05)",
        "Missing issues of gongyishibao: not counted, its first date the archive knows of, 2023-01-03, is after "
        "--until 2020-12-31: give --since YYYY-MM-DD to count from that date",
        "Recent crawl runs: not listed (--runs 0)\n"]


NO_ISSUE_HINT = ": give --since YYYY-MM-DD to list the issues its schedule expects from that date"


def test_stats_of_a_paper_the_archive_holds_no_issue_of_says_so_in_one_line(seeded, monkeypatch):
    # Without --since, stats counts a paper's missing issues from the first date the archive
    # knows of it: of a paper not crawled yet it printed two empty tables, exit status 0, and
    # the user had no answer.
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        insert_crawl_run(conn)  # of gongyishibao: none of shehuibao
    archive.close()
    stats = archive_command("stats", "--paper", "shehuibao", archive=seeded)
    assert (stats.returncode, stats.stderr) == (0, "")
    sections = stats.stdout.split("\n\n")
    assert sections[0] == f"The archive holds no issue of shehuibao{NO_ISSUE_HINT}"
    assert sections[1:] == ["Recent crawl runs: none recorded of shehuibao\n"]
    # A span given: its schedule's dates are listed, all of them missing.
    stats = archive_command("stats", "--paper", "shehuibao", "--since", "2023-01-30", "--until", "2023-02-03",
                            archive=seeded)
    assert stats.returncode == 0, stats.stderr
    assert missing_issues(stats.stdout) == (
        ["Missing issues of shehuibao (every Mon, Wed, Fri) from 2023-01-30 to 2023-02-03: 3 of 3 scheduled"],
        ["2023-01-30", "2023-02-01", "2023-02-03"])
    assert stats.stdout.splitlines()[0] == "The archive holds no issue of shehuibao"
    # A paper the archive holds issues of: its counts, as before.
    held = archive_command("stats", "--paper", "gongyishibao", archive=seeded)
    assert held.returncode == 0 and held.stdout.startswith("Articles per paper and year\n")
    assert "holds no issue" not in held.stdout
    # A paper the archive names without an issue (its crawls found none) and no profile tells
    # the schedule of: said so, and why no missing issue is counted.
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        conn.execute(text("INSERT INTO papers (code, name) VALUES ('laobao', '老报')"))
    archive.close()
    bare = archive_command("stats", "--paper", "laobao", archive=seeded)
    assert bare.returncode == 0, bare.stderr
    lines = bare.stdout.splitlines()
    assert lines[0] == "The archive holds no issue of laobao"
    assert "Missing issues of laobao: not counted, no profile of it tells its schedule (crawler/papers/, $ARCHIVE_PAPERS)" in lines
    # A code neither the archive nor a profile knows: one line naming the papers known, exit 2.
    unknown = archive_command("stats", "--paper", "shehuibo", archive=seeded)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (
        2, "", "error: unknown paper 'shehuibo' (this archive holds: gongyishibao, laobao; profiled, not archived: "
               "shehuibao): did you mean shehuibao?\n")


def test_stats_as_json_says_why_a_paper_has_no_gaps_or_behind(seeded, monkeypatch, tmp_path):
    # The text says why no missing issue is counted of a paper not crawled yet (nothing starts
    # its span: give --since) and of one without a profile; the JSON gave null for its gaps,
    # gaps_not_counted and behind alike, which a script could not tell apart.
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        conn.execute(text("INSERT INTO papers (code, name) VALUES ('laobao', '老报')"))
    archive.close()

    def papers(*args: str) -> dict:
        done = archive_command("stats", "--format", "json", *args, archive=seeded)
        assert (done.returncode, done.stderr) == (0, "")
        return json.loads(done.stdout)["papers"]

    def why(paper: dict) -> tuple:
        return paper["gaps"], paper["gaps_not_counted"], paper["behind"], paper["behind_not_counted"]

    unstarted = {"reason": "no_known_date", "profile": None, "first_date": None}
    assert why(papers("--paper", "shehuibao")["shehuibao"]) == (None, unstarted, None, {"reason": "no_known_date"})
    # --until alone starts no span either; behind is not counted within a span.
    assert why(papers("--paper", "shehuibao", "--until", "2023-02-03")["shehuibao"]) == (
        None, unstarted, None, {"reason": "span"})
    # A span given: its schedule's dates counted, all missing; none behind within a span.
    gaps, not_counted, behind, behind_not_counted = why(
        papers("--paper", "shehuibao", "--since", "2023-01-30", "--until", "2023-02-03")["shehuibao"])
    assert (gaps["missing"], not_counted, behind, behind_not_counted) == (
        ["2023-01-30", "2023-02-01", "2023-02-03"], None, None, {"reason": "span"})
    # A paper without a profile, asked or not (the text leaves out one not asked that it knows no date of).
    no_profile = {"reason": "no_profile", "profile": None, "first_date": None}
    for listed in (papers("--paper", "laobao"), papers(), papers("--since", "2023-01-01")):
        assert why(listed["laobao"]) == (None, no_profile, None, {"reason": "no_profile"})
    # A paper whose figures are counted: no reason given.
    held = papers()["gongyishibao"]
    assert held["gaps"] is not None and held["behind"] is not None
    assert (held["gaps_not_counted"], held["behind_not_counted"]) == (None, None)
    # One whose profile has a mistake, not asked: that file named, as for an archived paper.
    mistaken = tmp_path / "papers"
    shutil.copytree(SHEHUIBAO_PROFILES, mistaken)
    (mistaken / "laobao.toml").write_text('code = "laobao"\n', encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(mistaken))
    done = archive_command("stats", "--format", "json", archive=seeded)
    assert done.returncode == 0, done.stderr
    laobao = json.loads(done.stdout)["papers"]["laobao"]
    assert (laobao["gaps_not_counted"]["reason"], laobao["gaps_not_counted"]["profile"], laobao["behind_not_counted"]) == (
        "profile_mistake", str(mistaken / "laobao.toml"), {"reason": "profile_mistake"})


def _a_day_ahead_of_china() -> str | None:
    """A TZ under which the machine's today is the day after today in China (UTC+8), as it is
    for hours each day on a machine east of China (New Zealand, Samoa); None before 08:00 in
    China, when no clock of a day ahead is one Python takes (UTC+24 at most)."""
    china = datetime.now(timezone(timedelta(hours=8)))
    return None if china.hour < 8 else "XXX-24"


@pytest.mark.parametrize("machine", ["behind", "ahead"])
def test_stats_spans_end_at_today_in_china_whatever_the_machine_s_clock(sqlite_url, tmp_path, machine, paper_day):
    # Spans ended at the machine's today, where the crawl asks up to the paper's (crawler.dates.
    # paper_today): a machine west of China left out today's issue, out in China, which a crawl
    # fetches; one east of China counted tomorrow's, not yet printed, as missing.
    from tests.test_crawl import _a_day_behind_china

    tz = _a_day_behind_china() if machine == "behind" else _a_day_ahead_of_china()
    if tz is None:
        pytest.skip("no clock a day ahead of China's before 08:00 there")
    papers = own_paper(tmp_path / "papers", "meiribao", schedule="{ weekdays = [1, 2, 3, 4, 5, 6, 7] }")
    open_archive(sqlite_url).close()
    env = {PROFILES_ENV: str(papers), "TZ": tz}
    today = paper_day
    since = today - timedelta(days=2)
    heading = f"Missing issues of meiribao (every Mon, Tue, Wed, Thu, Fri, Sat, Sun) from {since} to {today}: 3 of 3 scheduled"
    for until in ([], ["--until", str(today)], ["--until", str(today + timedelta(days=1))]):
        stats = archive_command("stats", "--paper", "meiribao", "--since", str(since), *until, archive=sqlite_url, env=env)
        assert stats.returncode == 0, stats.stderr
        assert missing_issues(stats.stdout) == ([heading], [str(since + timedelta(days=n)) for n in range(3)])


def test_stats_help_says_what_it_counts_and_from_when(capsys):
    with pytest.raises(SystemExit) as done:
        main(["stats", "--help"])
    assert done.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert ("issues, pages and articles per paper and year, issues missing by each paper's schedule, dates without "
            "an issue, incomplete issues, dead links, recent crawl runs") in printed
    assert "--since SINCE first date to count, YYYY-MM-DD (default: each paper's first archived issue" in printed
    # The span runs to the paper's last such date when that is after today (storage.stats), which
    # the help once denied ("never past today").
    assert ("--until UNTIL last date to count, YYYY-MM-DD (default: each paper's last such date, or today if --since "
            "is after it; never past today, China's (UTC+8), or that last date if later)") in printed


def test_export_streams_every_article_as_jsonl_and_csv(seeded, tmp_path, capsys):
    expected = [tuple(r) for r in view_rows(seeded)]
    assert archive_cli(seeded, "export") == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted((r["article_id"], r["title"]) for r in map(json.loads, lines)) == expected
    target = tmp_path / "out.csv"
    assert archive_cli(seeded, "export", "--format", "csv", "--since", "2024-01-01", "-o", str(target)) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows and {r["issue_date"] for r in rows} == {"2024-03-05"}
    assert len(rows) == sum(1 for (day,) in view_rows(seeded, "issue_date") if str(day) == "2024-03-05")
    # A generator over a cursor: rows come before the query is exhausted.
    archive = open_archive(seeded, create=False)
    rows = export_rows(archive, ("article_id",))
    assert next(rows) and next(rows)
    rows.close()
    archive.close()


def test_export_to_a_file_writes_it_whole_or_leaves_it_and_never_the_archive(sqlite_url, tmp_path, capsys, monkeypatch):
    import storage.export

    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    size, expected = database.stat().st_size, view_rows(sqlite_url)
    assert archive_cli(sqlite_url, "export", "-o", str(database)) == 2
    assert capsys.readouterr().err == f"error: --output {database} is the archive itself: choose another file\n"
    assert database.stat().st_size == size and view_rows(sqlite_url) == expected
    out = tmp_path / "out"
    out.mkdir()
    for target, reason in ((out / "no" / "out.jsonl", "No such file or directory"), (out, "Is a directory")):
        assert archive_cli(sqlite_url, "export", "-o", str(target)) == 2
        assert capsys.readouterr().err == f"error: cannot write {target}: {reason}\n"
    assert archive_cli(sqlite_url, "export", "-o", "") == 2
    assert capsys.readouterr().err == "error: --output is empty: give a file name\n"
    # Ctrl-C half-way: the file an earlier export wrote is left as it was, and nothing beside it.
    target = out / "out.jsonl"
    assert archive_cli(sqlite_url, "export", "-o", str(target)) == 0
    complete = target.read_text(encoding="utf-8")
    assert len(complete.splitlines()) == len(expected)
    assert capsys.readouterr().err == f"{target}: {len(expected)} articles\n"
    export_rows = storage.export.export_rows

    def interrupted(*args, **kwargs):
        rows = export_rows(*args, **kwargs)
        yield next(rows)
        rows.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.export, "export_rows", interrupted)
    assert archive_cli(sqlite_url, "export", "--format", "csv", "-o", str(target), "--overwrite") == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert target.read_text(encoding="utf-8") == complete and [p.name for p in out.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_refuses_the_archive_itself_named_read_only_or_in_uri_form(sqlite_url, fmt):
    # The archive asked for read-only (?mode=ro, the URI form, immutable) is opened as a URI
    # (file:PATH), which the check of the archive's own file took for no file: `-o` naming it
    # with --overwrite replaced the archive with the export.
    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    before = database.read_bytes()
    for url in (f"sqlite:///{database}?mode=ro", f"sqlite:///file:{database}?mode=ro&uri=true",
                f"sqlite:///file:{database}?immutable=1&uri=true"):
        done = archive_command("export", "--format", fmt, "-o", str(database), "--overwrite", archive=url)
        assert (done.returncode, done.stderr) == (2, f"error: --output {database} is the archive itself: choose another file\n"), url
        assert database.read_bytes() == before


def test_export_filters_give_the_rows_of_the_view_and_of_archive_search(seeded, capsys):
    def exported(*filters: str) -> list[int]:
        assert archive_cli(seeded, "export", *filters) == 0
        return [json.loads(line)["article_id"] for line in capsys.readouterr().out.splitlines()]

    def searched(words: str, *filters: str) -> set[int]:
        assert archive_cli(seeded, "search", words, *filters, "--limit", "10000") == 0
        return {int(line.rsplit("[#", 1)[1].rstrip("]")) for line in capsys.readouterr().out.splitlines() if "[#" in line}

    in_order = "ORDER BY issue_date, page_number, article_id"
    for filters, where in (
        ([], "1=1"),
        (["--paper", "gongyishibao", "--since", "2023-01-04", "--until", "2024-03-05"],
         "paper_code = 'gongyishibao' AND issue_date BETWEEN '2023-01-04' AND '2024-03-05'"),
        (["--section", "社會工作", "--until", "2023-01-31"], "section = '社会工作' AND issue_date <= '2023-01-31'"),
        (["--section", "社会工作", "--since", "2099-01-01"], "1=0"),
    ):
        expected = [i for (i,) in sql_rows(seeded, f"SELECT article_id FROM article_view WHERE {where} {in_order}")]
        assert exported(*filters) == expected, filters
    # --query: every article search finds (all of them, not a ranked page), oldest first.
    for words, filters in (("社工", []), ("困境 儿童", ["--section", "社会工作"]), ("社會工作", ["--since", "2024-01-01"])):
        ids = exported("--query", words, *filters)
        assert ids and set(ids) == searched(words, *filters) and len(ids) == len(set(ids)), words
        order = {i: n for n, (i,) in enumerate(sql_rows(seeded, f"SELECT article_id FROM article_view {in_order}"))}
        assert ids == sorted(ids, key=order.get)
    assert archive_cli(seeded, "export", "--format", "csv", "--query", "没有这样的词语") == 0
    assert capsys.readouterr() == (",".join(EXPORT_COLUMNS) + "\r\n", "no articles found holding every word of 没有这样的词语\n")
    assert archive_cli(seeded, "export", "--format", "csv", "--excel", "--query", " ") == 2
    assert capsys.readouterr() == ("", "error: empty search: give at least one word\n")


def hostile_archive(url: str) -> None:
    """Articles whose cells a spreadsheet would take for formulas, and text with line breaks,
    quotes, commas and the separators that str.splitlines() breaks lines at."""
    archive = open_archive(url)
    archive.store_batch([page(3)], [
        article(1, 3, title='=HYPERLINK("http://127.0.0.1/?"&A1,"点我")', body='+86 10 1234\n第二段"引号",逗号'),
        article(2, 3, title="@SUM(1,1)", byline="-记者 张三", source="\t制表", body="\r回车\n第二段"),
        article(3, 3, title="普通标题", body="第一行\u2028第二行\u2029第三行\x85第四行", images=[
            {"url": "http://x/b.jpg", "caption": "第一张", "caption_original": "第一張"}, {"url": "http://x/a.jpg", "caption": ""}]),
        article(4, 3, images=[]),
    ])
    archive.close()


def test_export_csv_is_faithful_and_for_excel_has_a_bom_and_no_formulas(archive_url, tmp_path):
    hostile_archive(archive_url)
    stored = {r[0]: r for r in view_rows(archive_url, "article_id, title, byline, source, body")}
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert archive_command("export", "--format", "csv", "-o", str(plain), archive=archive_url).returncode == 0
    done = archive_command("export", "--format", "csv", "--excel", "-o", str(excel), archive=archive_url)
    assert (done.returncode, done.stderr) == (0, f"{excel}: 4 articles\n")
    # Plain CSV: UTF-8 without a byte order mark, every cell as stored (pandas, R, Python's csv).
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(plain.open(encoding="utf-8", newline="")))
    assert [list(r) for r in rows[:1]] == [list(EXPORT_COLUMNS)]
    assert {int(r["article_id"]): (r["title"], r["byline"], r["source"], r["body"]) for r in rows} == \
        {i: tuple(r[1:]) for i, r in stored.items()}
    # --excel: the BOM that makes Excel read UTF-8, and a ' before what would start a formula.
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "公益时报".encode() in raw
    rows = {int(r["article_id"]): r for r in csv.DictReader(excel.open(encoding="utf-8-sig", newline=""))}
    assert rows[1]["title"] == "'" + stored[1][1] and rows[1]["body"] == "'" + stored[1][4]
    assert (rows[2]["title"], rows[2]["byline"], rows[2]["source"]) == ("'@SUM(1,1)", "'-记者 张三", "'\t制表")
    assert rows[2]["body"] == "'\r回车\n第二段" and rows[3]["title"] == "普通标题"
    done = archive_command("export", "--excel", archive=archive_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: --excel is for --format csv\n")


def test_export_help_names_every_start_excel_guards():
    # The help listed = + - @ and left out the tab and carriage return the export guards too.
    done = subprocess.run([sys.executable, "-m", "storage.cli", "export", "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (excel,) = re.findall(r"--excel\s+(.*?)\n  -", done.stdout, re.S)
    said = " ".join(excel.split())
    starts = {"=": "=", "+": "+", "-": "-", "@": "@", "\t": "tab", "\r": "carriage return"}
    from storage.cli import _FORMULA_START

    assert set(_FORMULA_START) == set(starts)
    (listed,) = re.findall(r"would start a formula \((.*)\)$", said)
    assert [start for start, written in starts.items() if written not in listed] == [], said


def test_export_overwrite_without_a_file_is_refused(seeded):
    # --overwrite without -o (or with -o -, standard output) replaced nothing and was passed over in silence.
    for output in ((), ("-o", "-")):
        done = archive_command("export", *output, "--overwrite", archive=seeded)
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", "error: --overwrite is for -o FILE: standard output has no file to replace\n")


def test_export_to_a_file_named_csv_or_sqlite_writes_that_format_unless_told_another(seeded, tmp_path):
    # Without --format, `archive export -o articles.csv` wrote JSON lines into articles.csv (the
    # default format), which a spreadsheet showed as one column of braces, and -o copy.sqlite3
    # JSON lines that `archive serve` could not open: the file's extension names the format.
    articles = len(view_rows(seeded))
    named = tmp_path / "Articles.CSV"
    done = archive_command("export", "-o", str(named), "--excel", archive=seeded)
    assert (done.returncode, done.stderr) == (0, f"{named}: {articles} articles\n")
    rows = list(csv.DictReader(named.open(encoding="utf-8-sig", newline="")))
    assert list(rows[0]) == list(EXPORT_COLUMNS) and len(rows) == articles
    copy = tmp_path / "copy.sqlite3"
    done = archive_command("export", "-o", str(copy), archive=seeded)
    assert done.returncode == 0, done.stderr
    assert query_file(copy, "SELECT count(*) FROM article_view") == [(articles,)]
    # --format says otherwise, and any other name is JSON lines, as before.
    for name, fmt in (("lines.csv", "jsonl"), ("articles.txt", None)):
        target = tmp_path / name
        done = archive_command("export", "-o", str(target), *(("--format", fmt) if fmt else ()), archive=seeded)
        assert done.returncode == 0, done.stderr
        assert len([json.loads(line) for line in target.read_text("utf-8").splitlines()]) == articles
    # A workbook's name got JSON lines, which the spreadsheet would not open (with --excel: "--excel
    # is for --format csv"): refused, pointing at the CSV a spreadsheet opens.
    for name, excel in (("articles.xlsx", ()), ("Articles.XLS", ("--excel",)), ("articles.ods", ())):
        target = tmp_path / name
        done = archive_command("export", "-o", str(target), *excel, archive=seeded)
        suffix = target.suffix.lower()
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", f"error: archive export writes no {suffix} workbook: for a spreadsheet, write CSV with "
                   "-o NAME.csv --excel\n")
        assert not target.exists()


def test_export_to_a_json_name_writes_one_json_array_and_jsonl_or_ndjson_json_lines(seeded, tmp_path):
    # -o articles.json wrote JSON lines, which json.load (and any reader of a .json file) refused
    # past the first line: "Extra data".
    lines = archive_command("export", archive=seeded)  # standard output: JSON lines, as before
    assert lines.returncode == 0, lines.stderr
    expected = [json.loads(line) for line in lines.stdout.splitlines()]
    assert len(expected) == len(view_rows(seeded)) and list(expected[0]) == [*EXPORT_COLUMNS, "images"]
    named = tmp_path / "Articles.JSON"
    done = archive_command("export", "-o", str(named), archive=seeded)
    assert (done.returncode, done.stderr) == (0, f"{named}: {len(expected)} articles\n")
    with named.open(encoding="utf-8") as file:
        assert json.load(file) == expected
    done = archive_command("export", "--format", "json", archive=seeded)
    assert done.returncode == 0 and json.loads(done.stdout) == expected, done.stderr
    for name, fmt in (("articles.jsonl", None), ("articles.ndjson", None), ("lines.json", "jsonl")):
        target = tmp_path / name
        done = archive_command("export", "-o", str(target), *(("--format", fmt) if fmt else ()), archive=seeded)
        assert done.returncode == 0, done.stderr
        assert [json.loads(line) for line in target.read_text("utf-8").splitlines()] == expected, name
    # Nothing matched: still a document json.load reads, an empty array.
    empty = tmp_path / "none.json"
    done = archive_command("export", "-o", str(empty), "--since", "2030-01-01", archive=seeded)
    assert done.returncode == 0 and "no articles found" in done.stderr, done.stderr
    assert json.loads(empty.read_text("utf-8")) == []


def test_export_to_a_tab_separated_name_is_refused_unless_a_format_is_given(seeded, tmp_path):
    # `archive export -o articles.tsv` wrote JSON lines under that name and said "20 articles":
    # a spreadsheet or `cut -f` read a column of braces, as a workbook's name would give.
    for name in ("articles.tsv", "Articles.TSV"):
        target = tmp_path / name
        done = archive_command("export", "-o", str(target), archive=seeded)
        suffix = target.suffix.lower()
        assert (done.returncode, done.stdout, done.stderr) == (
            2, "", f"error: archive export writes no tab-separated {suffix} file: write CSV with -o NAME.csv, "
                   "or JSON lines under this name with --format jsonl\n")
        assert not target.exists()
    done = archive_command("export", "-o", str(target), "--format", "jsonl", archive=seeded)
    assert done.returncode == 0, done.stderr
    assert len([json.loads(line) for line in target.read_text("utf-8").splitlines()]) == len(view_rows(seeded))


def query_file(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_export_json_and_sql_json_escape_the_separators_javascript_and_splitlines_break_at(archive_url, tmp_path):
    # JSON lines escaped U+2028, U+2029 and U+0085; a .json export and `sql --format json` wrote
    # them raw, so a file embedded in a script (or read line by line) broke at them.
    hostile_archive(archive_url)
    expected = [tuple(r) for r in view_rows(archive_url, "article_id, body")]
    out = tmp_path / "x.json"
    assert archive_command("export", "-o", str(out), archive=archive_url).returncode == 0
    sql = archive_command("sql", "SELECT article_id, body FROM article_view ORDER BY article_id", "--format", "json",
                          archive=archive_url)
    assert sql.returncode == 0, sql.stderr
    for written in (out.read_text(encoding="utf-8"), sql.stdout):
        assert not re.search("[\u2028\u2029\x85]", written)
        assert "第一行\\u2028第二行\\u2029第三行\\u0085第四行" in written
        assert sorted((o["article_id"], o["body"]) for o in json.loads(written)) == expected


def test_export_jsonl_is_one_utf8_object_a_line_whatever_splits_lines_or_the_terminal_encodes(archive_url):
    hostile_archive(archive_url)
    expected = [tuple(r) for r in view_rows(archive_url, "article_id, body")]
    # A terminal or a cron job in a locale that is not UTF-8 (GBK, Latin-1): the export is UTF-8 all the same.
    for encoding in ("gbk", "latin-1"):
        done = archive_command("export", archive=archive_url, env={"PYTHONIOENCODING": encoding}, text=False)
        assert (done.returncode, done.stderr) == (0, b"")
        lines = done.stdout.decode("utf-8").splitlines()  # U+2028, U+2029 and U+0085 break lines here
        assert sorted((o["article_id"], o["body"]) for o in map(json.loads, lines)) == expected
        assert "公益时报" in lines[0] and '"issue_date": "2023-01-31"' in lines[0]
        # Each article's pictures, in their order on the page, with their captions.
        pictures = {o["article_id"]: o["images"] for o in map(json.loads, lines)}
        assert pictures == {
            1: [{"url": "http://x/1.jpg", "caption": "说明", "caption_original": ""}], 2: pictures[1],
            3: [{"url": "http://x/b.jpg", "caption": "第一张", "caption_original": "第一張"},
                {"url": "http://x/a.jpg", "caption": "", "caption_original": ""}],
            4: [],
        }
        assert list(json.loads(lines[0])) == [*EXPORT_COLUMNS, "images"]
        for command in (["export", "--format", "csv"], ["sql", "SELECT paper_name FROM article_view", "--format", "json"]):
            done = archive_command(*command, archive=archive_url, env={"PYTHONIOENCODING": encoding}, text=False)
            assert done.returncode == 0 and "公益时报".encode() in done.stdout, done.stderr


def test_export_has_the_title_headings_byline_and_source_as_published(archive_url, tmp_path):
    # A researcher quoting a Traditional page's 副题, byline or source line as published found
    # them only in Simplified in the export.
    published = {"title_original": "社工站覆蓋率達78%", "pretitle_original": "民政部召開會議",
                 "subtitle_original": "全國鄉鎮社工站", "byline_original": "本報記者 張三",
                 "source_original": "據廣東省民政廳"}
    archive = open_archive(archive_url)
    archive.store_batch([page(7)], [article(1, title="社工站覆盖率达78%", pretitle="民政部召开会议", subtitle="全国乡镇社工站",
                                            byline="本报记者 张三", source="据广东省民政厅", original_script="traditional",
                                            **published)])
    archive.close()
    done = archive_command("export", archive=archive_url)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    (line,) = done.stdout.splitlines()
    exported = json.loads(line)
    assert {name: exported[name] for name in published} == published
    assert (exported["subtitle"], exported["byline"], exported["source"]) == ("全国乡镇社工站", "本报记者 张三", "据广东省民政厅")
    # The page's section as printed, all of its label (第07版：社會工作) that conversion changed.
    assert (exported["page_label"], exported["section"], exported["section_original"]) == ("第07版：社会工作", "社会工作", "社會工作")
    target = tmp_path / "articles.csv"
    done = archive_command("export", "--format", "csv", "-o", str(target), archive=archive_url)
    assert done.returncode == 0, done.stderr
    (row,) = csv.DictReader(target.open(encoding="utf-8", newline=""))
    assert {name: row[name] for name in published} == published
    assert row["section_original"] == "社會工作"


def test_export_to_standard_output_with_a_dash_and_into_a_pipe_that_closes(archive_url, tmp_path, monkeypatch, capsys):
    archive = open_archive(archive_url)
    archive.store_batch([page(1)], [article(n, 1, body="长文" * 2000) for n in range(60)])  # ~700 kB of JSON
    archive.close()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert archive_cli(archive_url, "export", "-o", "-") == 0
    assert len(capsys.readouterr().out.splitlines()) == 60 and list(here.iterdir()) == []
    for fmt in ("jsonl", "csv"):
        done = archive_command("export", "--format", fmt, "-o", "-", archive=archive_url, shell_pipe="head -1")
        assert (done.returncode, done.stderr) == (0, "") and done.stdout.count("\n") == 1


@pytest.mark.parametrize("entry", ["storage.console", "storage.cli"])
@pytest.mark.parametrize("command", [["sql", "SELECT '一行' AS a"], ["sql", "SELECT '一行' AS a", "--format", "json"],
                                     ["stats"]])
def test_output_a_closed_pipe_left_buffered_ends_the_command_quietly(sqlite_url, entry, command):
    # The race behind an `archive export | head` that ended with "Exception ignored …
    # BrokenPipeError" and exit status 120 (once in a run of the whole suite): the reader is
    # gone while standard output still buffers part of the output, which Python flushed again
    # at exit. Made certain here: the command's output is buffered (as under a shell, without
    # PYTHONUNBUFFERED), and the pipe closed before. `python -m storage.cli`, which the tests
    # run, failed so where the installed command did not.
    open_archive(sqlite_url).close()
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", entry, "--archive", sqlite_url, *command], stdout=write,
                              stderr=subprocess.PIPE, cwd=PROJECT, timeout=60,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (0, "")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_the_disk_cannot_hold_is_one_line_of_error_and_leaves_no_part_file(archive_url, fmt, tmp_path):
    # A full disk, as a file size limit makes it (EFBIG; Python ignores SIGXFSZ): the write
    # fails part-way, where a traceback ended the command and FILE.part stayed behind. The
    # limit (64 KB) leaves SQLite room for its -shm file (32 KB); the export is ~700 KB.
    archive = open_archive(archive_url)
    archive.store_batch([page(1)], [article(n, 1, body="长文" * 2000) for n in range(60)])
    archive.close()
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"articles.{fmt}"
    command = [sys.executable, "-m", "storage.console", "--archive", archive_url, "export", "--format", fmt, "-o", str(target)]
    done = subprocess.run(["bash", "-c", 'ulimit -f 64 && exec "$@"', "bash", *command], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: cannot write {target}: File too large\n"
    assert list(target.parent.iterdir()) == []


def on_a_small_disk(size: str, folder: Path, *command: str) -> subprocess.CompletedProcess:
    """``command`` run with ``folder`` a disk of ``size`` (a tmpfs, mounted in a mount namespace of
    its own: gone with the command); skipped where mounting is not permitted (not root)."""
    script = 'mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99; shift 2; exec "$@"'
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", size, str(folder), *command], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"cannot mount a small disk: {done.stderr.strip()}")
    return done


@pytest.mark.parametrize("args", [("sql", "SELECT count(*) FROM articles"), ("reprocess",)])
def test_an_archive_on_a_full_disk_is_said_to_be_so(sqlite_url, tmp_path, args):
    # SQLite makes a -shm file beside a WAL archive even to read it: with no room for it, every
    # command said "database unreachable: … disk I/O error".
    archive = open_archive(sqlite_url)
    archive.store_batch([page(1)], [article(1, 1)])
    archive.close()
    source = sqlite_url.removeprefix("sqlite:///")
    disk = tmp_path / "disk"
    disk.mkdir()
    copy = f"sqlite:///{disk / os.path.basename(source)}"
    size = f"{os.path.getsize(source) // 1024 + 8}k"  # the archive, and less than its -shm file's 32 KB
    done = on_a_small_disk(size, disk, "sh", "-c", 'cp "$0" "$1" && shift && exec "$@"', source, str(disk),
                           sys.executable, "-m", "storage.console", "--archive", copy, *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: cannot open archive {copy}: the disk holding it is full (SQLite needs room beside it "
                           "for its -wal and -shm files): disk I/O error\n")


@pytest.mark.parametrize("size", ["64k", "200k"], ids=["full_at_the_start", "full_part_way"])
def test_a_sqlite_copy_the_disk_cannot_hold_is_one_line_naming_the_file(archive_url, size, tmp_path):
    # It said "database unreachable: sqlite:///…/copy.sqlite3.part: database or disk is full" (the
    # archive read being reachable), or part-way "database error: database or disk is full",
    # naming no file: either read as a fault of the archive.
    archive = open_archive(archive_url)
    archive.store_batch([page(1)], [article(n, 1, body="长文" * 2000) for n in range(60)])
    archive.close()
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "copy.sqlite3"
    done = on_a_small_disk(size, tmp_path / "out", "sh", "-c", '"$@"; status=$?; ls -A "$0"; exit $status',
                           str(target.parent), sys.executable, "-m", "storage.console", "--archive", archive_url,
                           "export", "-o", str(target))
    assert (done.returncode, done.stdout) == (2, "")  # and nothing left on the disk (ls)
    said = [line for line in done.stderr.splitlines() if not line.startswith("copied ")]
    assert said == [f"error: cannot write {target}: database or disk is full"]


@pytest.mark.parametrize("args", [("export",), ("export", "--format", "csv"), ("sql", "SELECT 1 AS n", "--format", "csv"),
                                  # Printed, not streamed: these ended with a traceback, or said nothing, exit status 0.
                                  ("search", "社工"), ("stats",), ("sql", "SELECT 1 AS n")])
def test_standard_output_on_a_full_disk_or_closed_is_one_line_of_error(seeded, args):
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", seeded, *args])
    for redirect, reason in ((">/dev/full", "No space left on device"), (">&-", "it is closed")):
        done = subprocess.run(["bash", "-c", f"{command} {redirect}"], cwd=PROJECT, capture_output=True, text=True,
                              timeout=120)
        assert (done.returncode, done.stderr) == (2, f"error: cannot write standard output: {reason}\n"), redirect


def test_move_root_with_standard_output_closed_refuses_before_moving(seeded):
    # Its table of the rows moved was printed nowhere, exit status 0, while the addresses moved.
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", seeded,
                          "move-root", "gongyishibao", "http://x/", "http://y/"])
    before = sql_rows(seeded, "SELECT url FROM pages ORDER BY id")
    done = subprocess.run(["bash", "-c", f"{command} >&-"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: cannot write standard output: it is closed\n")
    assert sql_rows(seeded, "SELECT url FROM pages ORDER BY id") == before


def test_upgrade_with_standard_output_closed_is_one_line_of_error(seeded):
    # What it did to the archive's schema (or that it was current) was printed nowhere, exit 0.
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", seeded, "upgrade"])
    done = subprocess.run(["bash", "-c", f"{command} >&-"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: cannot write standard output: it is closed\n")


def test_a_move_root_whose_report_a_full_disk_cannot_hold_says_the_archive_was_changed(seeded):
    # Standard output on a full disk fails only once written, after the move: it said "error:
    # cannot write standard output: No space left on device", exit status 2, as if nothing had
    # changed, while the addresses had moved.
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", seeded,
                          "move-root", "gongyishibao", "http://x/", "http://y/"])
    done = subprocess.run(["bash", "-c", f"{command} >/dev/full"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (3, (
        "error: the archive was changed (282 addresses of gongyishibao moved from http://x/ to http://y/), but the table "
        "of rows moved could not be written to standard output: No space left on device\n"))
    assert {url[:9] for (url,) in sql_rows(seeded, "SELECT url FROM pages")} == {"http://y/"}
    # A reader that left (its pipe closed) is no failure: the move is said, exit status 0.
    done = archive_command("move-root", "gongyishibao", "http://y/", "http://x/", archive=seeded,
                           shell_pipe="(exec 0<&-; sleep 3)")
    assert (done.returncode, done.stderr) == (0, "282 addresses of gongyishibao moved from http://y/ to http://x/\n")
    # A dry run changed nothing: the plain error.
    done = subprocess.run(["bash", "-c", f"{command} --dry-run >/dev/full"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: cannot write standard output: No space left on device\n")


def test_standard_error_on_a_full_disk_leaves_the_command_to_end_and_its_status_says_so(seeded, tmp_path):
    # The first line said (a count, an error) raised in the command, and it ended half-done with
    # exit status 1 (reprocess's "documents failed") and a traceback no one could see.
    def run(*args: str) -> int:
        command = shlex.join([sys.executable, "-m", "storage.console", "--archive", seeded, *args])
        done = subprocess.run(["bash", "-c", f"{command} 2>/dev/full"], cwd=PROJECT, capture_output=True, text=True,
                              timeout=120)
        assert done.stderr == ""
        return done.returncode

    output = tmp_path / "articles.jsonl"
    assert run("export", "-o", str(output)) == 2  # its "N articles" lost
    assert len(output.read_text(encoding="utf-8").splitlines()) == len(view_rows(seeded))
    assert run("stats", "--paper", "nopaper") == 2  # its error lost: the error's status
    # A change to the archive, told on standard error only: made, and its status says it was.
    assert run("move-root", "gongyishibao", "http://x/", "http://y/", "--dry-run") == 2
    assert run("move-root", "gongyishibao", "http://x/", "http://y/") == 3
    assert {url[:9] for (url,) in sql_rows(seeded, "SELECT url FROM pages")} == {"http://y/"}


@pytest.fixture(params=["sqlite", "postgresql"])
def crawled(request, tmp_path) -> str:
    """The sample issue, crawled over HTTP into a fresh archive on each supported database."""
    return crawled_archive(request, SAMPLE_SITE, tmp_path)


def test_reprocess_and_upgrade_with_standard_error_closed_run_and_their_status_says_so(crawled):
    # `2>&-` (a cron line, a service that closed it): the progress line asked the closed stream
    # whether it was a terminal, and the command ended before it began, exit status 1 (reprocess's
    # "documents failed"), nothing re-read or upgraded and not a word anywhere.
    from alembic import command as alembic
    from storage import migrate
    from storage.db import make_engine

    def closed_stderr(*args: str) -> subprocess.CompletedProcess:
        command = shlex.join([sys.executable, "-m", "storage.console", "--archive", crawled, *args])
        return subprocess.run(["bash", "-c", f"{command} 2>&-"], cwd=PROJECT, capture_output=True, text=True,
                              timeout=120)

    done = closed_stderr("reprocess")
    # Its lines went nowhere: the archive was changed, unreported (as on a full disk).
    assert (done.returncode, done.stdout) == (3, "")
    assert sql_rows(crawled, "SELECT kind, status, pages_updated, articles_updated FROM crawl_runs ORDER BY id")[1:] == [
        ("reprocess", "finished", *sql_rows(crawled, "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM articles)")[0])]
    engine = make_engine(crawled)
    with engine.begin() as conn:
        alembic.downgrade(migrate.config(conn), "0017")
    engine.dispose()
    done = closed_stderr("upgrade")
    assert done.returncode == 3 and done.stdout.startswith(f"archive schema: 0017 -> {migrate.head()}\n"), done
    assert sql_rows(crawled, "SELECT version_num FROM alembic_version") == [(migrate.head(),)]
    # Nothing to say on standard error, nothing lost: its own status.
    done = closed_stderr("stats", "--runs", "0")
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, "Articles per paper and year")


def test_reprocess_of_an_archive_older_than_the_code_asks_for_the_upgrade_whatever_its_filters_name(crawled):
    # A paper mistyped was refused as unknown, a section mistyped as needing the upgrade: the
    # upgrade the archive needs whatever is typed came second, after the typo was put right.
    from alembic import command as alembic
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(crawled)
    with engine.begin() as conn:
        alembic.downgrade(migrate.config(conn), "0017")
    engine.dispose()
    upgrade_first = (f"error: archive {crawled} has schema 0017, older than this code's ({migrate.head()}): "
                     "run `archive upgrade` first\n")
    for filters in ([], ["--paper", "gongyishibo"], ["--paper", "Gongyishibao"], ["--section", "社会工做"]):
        done = archive_command("reprocess", *filters, archive=crawled)
        assert (done.returncode, done.stderr) == (2, upgrade_first), filters
    assert [dates for (dates,) in sql_rows(crawled, "SELECT dates_asked FROM crawl_runs")] == ["2023-01-31"]


def test_an_upgrade_whose_report_a_full_disk_cannot_hold_says_the_archive_was_changed(archive_url):
    # As move-root: "cannot write standard output", exit status 2, and the schema upgraded.
    from alembic import command as alembic
    from storage import migrate
    from storage.db import make_engine

    other = archive_url
    engine = make_engine(other)
    with engine.begin() as conn:
        alembic.upgrade(migrate.config(conn), "0017")
    engine.dispose()
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", other, "upgrade"])
    done = subprocess.run(["bash", "-c", f"{command} >/dev/full"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (3, (
        f"error: the archive was changed (its schema upgraded from 0017 to {migrate.head()}), but the report of the "
        "upgrade could not be written to standard output: No space left on device\n"))
    assert sql_rows(other, "SELECT version_num FROM alembic_version") == [(migrate.head(),)]
    done = subprocess.run(["bash", "-c", f"{command} >/dev/full"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: cannot write standard output: No space left on device\n")


def test_an_upgrade_whose_reader_left_says_the_upgrade_on_stderr(archive_url):
    # `archive upgrade | head -0`, or a reader gone before it read: the schema was upgraded, exit
    # status 0, and not a word of it anywhere, where move-root says its move on stderr.
    from alembic import command as alembic
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(archive_url)
    with engine.begin() as conn:
        alembic.upgrade(migrate.config(conn), "0017")
    engine.dispose()
    done = archive_command("upgrade", archive=archive_url, shell_pipe="(exec 0<&-; sleep 3)")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == f"archive schema: 0017 -> {migrate.head()}"
    assert "until `archive reprocess` reads them again" in done.stderr.splitlines()[1]
    assert sql_rows(archive_url, "SELECT version_num FROM alembic_version") == [(migrate.head(),)]
    # Current: nothing changed, nothing to say.
    done = archive_command("upgrade", archive=archive_url, shell_pipe="(exec 0<&-; sleep 3)")
    assert (done.returncode, done.stderr) == (0, "")


def test_an_archive_of_newer_code_is_read_by_stats_sql_and_export_and_refused_by_upgrade_search_and_serve(archive_url, tmp_path):
    # Alembic's "Can't locate revision identified by 'ffff'" ended an upgrade in a traceback,
    # exit status 1. Search and serve read the search index, whose form a newer revision may
    # change: refused, in one line saying so; the others read tables whose columns they name.
    from storage import migrate

    crawl_sample(archive_url)
    # The revision docs/archive.md quotes the refusal of, and the line it quotes, are the code's.
    (documented, newer), = re.findall(r"^(error: archive (?:\S+) has schema (\d{4}), unknown to this code .*)$",
                                      (PROJECT / "docs" / "archive.md").read_text(encoding="utf-8"), re.M)
    assert not migrate.known(newer)
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :newer"), {"newer": newer})
    archive.close()
    unknown = f"error: archive {archive_url} has schema {newer}, unknown to this code (newer?): update the software"
    done = archive_command("upgrade", archive=archive_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", unknown + "\n")
    index = "the search index, whose form a newer schema may change"
    done = archive_command("search", "社工", archive=archive_url)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"{unknown} (archive search reads {index})\n")
    assert re.sub(r"archive \S+ has", f"archive {archive_url} has", documented, count=1) + "\n" == done.stderr
    if archive_url.startswith("sqlite"):
        done = archive_command("serve", "--port", "0", archive=archive_url)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", f"{unknown} (the reading room reads {index})\n")
    done = archive_command("stats", archive=archive_url)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert "gongyishibao" in done.stdout
    done = archive_command("sql", "SELECT count(*) AS n FROM articles", "--format", "csv", archive=archive_url)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, ["n", "20"], "")
    done = archive_command("export", "--format", "jsonl", archive=archive_url)
    assert (done.returncode, len(done.stdout.splitlines())) == (0, 20), done.stderr
    # A SQLite copy is built by this code's migrations, which cannot hold what a newer one has.
    copy = tmp_path / "copy.sqlite3"
    done = archive_command("export", "--format", "sqlite", "--output", str(copy), archive=archive_url)
    assert (done.returncode, done.stderr) == (
        2, f"{unknown} (archive export --format sqlite builds its copy with this code's schema)\n")
    assert not copy.exists()
    assert sql_rows(archive_url, "SELECT version_num FROM alembic_version") == [(newer,)]


@pytest.mark.parametrize("fmt, name, in_the_way", [
    ("jsonl", "d.jsonl", "d.jsonl.part"), ("csv", "d.csv", "d.csv.part"),
    ("sqlite", "d.sqlite3", "d.sqlite3.part"), ("sqlite", "d.sqlite3", "d.sqlite3.part-wal"),
    ("sqlite", "d.sqlite3", "d.sqlite3.part-journal"),
])
def test_export_refuses_a_folder_or_link_where_it_writes_first_in_one_line_naming_it(sqlite_url, tmp_path, fmt, name,
                                                                                     in_the_way):
    # An export is written to FILE.part (a copy's log to FILE.part-wal) and renamed once whole. A
    # folder of that name was said as "cannot write d.jsonl: Is a directory", naming the file
    # that was not in the way, and a SQLite copy ended in a traceback (exit status 1); a link
    # of that name had the file it named written over.
    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    output, in_the_way = tmp_path / name, tmp_path / in_the_way
    in_the_way.mkdir()
    done = archive_command("export", "--format", fmt, "-o", str(output), archive=sqlite_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: cannot write {output}: {in_the_way} is in the way (a folder; the export is written "
                           "there first, then renamed): move or remove it\n")
    assert sorted(tmp_path.iterdir()) == sorted([in_the_way, Path(sqlite_url.removeprefix("sqlite:///"))])
    assert not any(in_the_way.iterdir())
    in_the_way.rmdir()
    (tmp_path / "mine.txt").write_text("kept")
    in_the_way.symlink_to("mine.txt")
    done = archive_command("export", "--format", fmt, "-o", str(output), archive=sqlite_url)
    assert (done.returncode, done.stderr) == (2, f"error: cannot write {output}: {in_the_way} is in the way (a symbolic "
                                                 "link; the export is written there first, then renamed): move or remove it\n")
    assert (tmp_path / "mine.txt").read_text() == "kept" and not output.exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_writes_over_the_read_only_part_file_an_export_killed_before_left(sqlite_url, tmp_path, fmt):
    # FILE.part takes the permissions of the file it replaces: an export --overwrite of a
    # read-only file (chmod 444) killed by SIGKILL left a read-only FILE.part, and the next
    # export of JSON lines or CSV said "cannot write FILE: Permission denied" (naming a file
    # that was not there), where a SQLite copy removed it and went on.
    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    output = tmp_path / f"out.{fmt}"
    partial = tmp_path / f"out.{fmt}.part"
    partial.write_text("half of an export")
    partial.chmod(0o444)
    done = subprocess.run(without_write_permission([sys.executable, "-m", "storage.console", "--archive", sqlite_url,
                                                    "export", "-o", str(output)]),
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"{output}: {len(view_rows(sqlite_url))} articles")
    assert not partial.exists() and output.stat().st_size > 0


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_a_second_export_to_the_file_an_export_is_writing_is_refused_and_the_first_is_whole(sqlite_url, tmp_path, fmt):
    # Two exports to one FILE shared FILE.part: the second removed the first's and wrote its
    # own, which the first then renamed over FILE (half written, as the second was), or the
    # first failed at its rename, "No such file or directory".
    from storage.reading_room.export import export_sqlite

    archive = open_archive(sqlite_url)
    fill(archive)
    output = tmp_path / f"out.{fmt}"
    second: list[subprocess.CompletedProcess] = []

    def export_meanwhile(*_progress) -> None:
        if not second:
            second.append(archive_command("export", "--format", fmt, "-o", str(output), archive=sqlite_url))

    try:
        if fmt == "sqlite":
            counts = export_sqlite(archive, output, progress=export_meanwhile)
        else:
            with output_file(str(output)) as out:
                out.write("the first export\n")
                export_meanwhile()
    finally:
        archive.close()
    [done] = second
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: cannot write {output}: another export is writing it now ({output}.part): "
                           "wait for it to end, or choose another --output\n")
    if fmt == "sqlite":
        assert sql_rows(f"sqlite:///{output}", "SELECT count(*) FROM articles")[0][0] == counts["articles"] > 0
    else:
        assert output.read_text(encoding="utf-8") == "the first export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.sqlite3", output.name]
    # Once it is done, the next export writes the file (--overwrite) as before.
    done = archive_command("export", "--format", fmt, "-o", str(output), "--overwrite", archive=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.sqlite3", output.name]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_into_a_folder_that_is_not_there_or_is_a_file_is_one_line(sqlite_url, tmp_path, fmt):
    # A SQLite copy ended in a traceback (FileNotFoundError, NotADirectoryError) where JSON lines
    # and CSV said it in one line.
    open_archive(sqlite_url).close()
    (tmp_path / "afile").write_text("")
    for output, reason in ((tmp_path / "nosuch" / "out", "No such file or directory"),
                           (tmp_path / "afile" / "out", "Not a directory")):
        done = archive_command("export", "--format", fmt, "-o", str(output), archive=sqlite_url)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: cannot write {output}: {reason}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "archive.sqlite3"]


def test_export_writes_to_a_device_or_pipe_named_by_output_as_it_is(seeded):
    # `-o /dev/stdout`, `-o /dev/null`, `-o >(gzip > a.gz)` name no file an export could lose: they
    # were refused as existing files, and with --overwrite (as root) the device was replaced by
    # a file renamed over it. SQLite needs a file: refused in one line.
    articles = len(view_rows(seeded))
    done = archive_command("export", "--format", "csv", "-o", "/dev/stdout", archive=seeded, shell_pipe="cat")
    assert (done.returncode, done.stderr) == (0, f"/dev/stdout: {articles} articles\n")
    assert len(list(csv.reader(io.StringIO(done.stdout)))) == articles + 1
    done = archive_command("export", "-o", "/dev/stdout", archive=seeded, shell_pipe="head -1")
    assert (done.returncode, done.stderr) == (0, "") and done.stdout.count("\n") == 1
    for flags in ((), ("--overwrite",)):
        done = archive_command("export", "-o", "/dev/null", *flags, archive=seeded)
        assert (done.returncode, done.stderr) == (0, f"/dev/null: {articles} articles\n")
        assert Path("/dev/null").is_char_device()
    done = archive_command("export", "--format", "sqlite", "-o", "/dev/null", "--overwrite", archive=seeded)
    assert (done.returncode, done.stderr) == (2, "error: cannot write /dev/null: not a file (a SQLite copy is one)\n")
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("output", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
@pytest.mark.parametrize("shell", [">", ">>"])
def test_export_to_its_standard_output_by_name_writes_the_file_the_shell_opened_as_it_opened_it(seeded, tmp_path,
                                                                                                 output, shell):
    # `archive export -o /dev/stdout > articles.jsonl` was refused as an existing file; with
    # --overwrite, the export was renamed over the file the shell had opened: `>>` lost what the
    # file held, and an empty export left it empty.
    articles = len(view_rows(seeded))
    for flags in ((), ("--overwrite",)):
        out = tmp_path / "articles.jsonl"
        out.write_text('{"kept": "an earlier export"}\n', encoding="utf-8")
        command = [sys.executable, "-m", "storage.console", "--archive", seeded, "export", "-o", output, *flags]
        with open(out, "a" if shell == ">>" else "w", encoding="utf-8") as stdout:
            done = subprocess.run(command, cwd=PROJECT, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)
        assert (done.returncode, done.stderr) == (0, f"{output}: {articles} articles\n")
        lines = out.read_text(encoding="utf-8").splitlines()
        assert lines[:1] == (['{"kept": "an earlier export"}'] if shell == ">>" else lines[:1])
        assert len(lines) == articles + (shell == ">>")
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "archive.sqlite3") == ["articles.jsonl"]
    # A SQLite copy is a file of its own: refused, the shell's file left as it was.
    with open(out, "a", encoding="utf-8") as stdout:
        done = subprocess.run([*command[:-1], "--format", "sqlite", "--overwrite"], cwd=PROJECT, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, f"error: cannot write {output}: not a file (a SQLite copy is one)\n")
    assert len(out.read_text(encoding="utf-8").splitlines()) == articles + (shell == ">>")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_refuses_an_existing_file_unless_told_to_overwrite_it(seeded, fmt, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"articles.{fmt}"
    target.write_text("kept\n", encoding="utf-8")
    done = archive_command("export", "--format", fmt, "-o", str(target), archive=seeded)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {target} already exists: choose another --output, or give --overwrite to replace it\n"
    assert target.read_text(encoding="utf-8") == "kept\n"
    done = archive_command("export", "--format", fmt, "-o", str(target), "--overwrite", archive=seeded)
    articles = len(view_rows(seeded))
    assert done.returncode == 0 and done.stderr.splitlines()[-1].startswith(f"{target}: {articles} articles")
    if fmt == "sqlite":
        assert view_rows(f"sqlite:///{target}") == view_rows(seeded)
    else:
        assert target.read_text(encoding="utf-8").count("\n") >= articles
    assert [p.name for p in target.parent.iterdir()] == [target.name]


@contextmanager
def umask(mask: int):
    """The commands a test starts in this while create files under ``mask``."""
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_overwriting_a_file_keeps_its_permissions_and_a_new_file_has_the_umask_s(seeded, fmt, tmp_path):
    # The export was renamed over the file with the umask's default: a private file (0600)
    # became readable by everyone.
    articles = len(view_rows(seeded))
    private, shared, new = (tmp_path / f"{name}.{fmt}" for name in ("private", "shared", "new"))
    for path, mode in ((private, 0o600), (shared, 0o664)):
        path.write_text("kept\n", encoding="utf-8")
        path.chmod(mode)
    with umask(0o027):
        for path in (private, shared, new):
            done = archive_command("export", "--format", fmt, "-o", str(path), "--overwrite", archive=seeded)
            assert done.returncode == 0 and done.stderr.splitlines()[-1].startswith(f"{path}: {articles} articles"), done.stderr
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in (private, shared, new)} == {
        private.name: 0o600, shared.name: 0o664, new.name: 0o640}
    assert private.read_bytes() != b"kept\n" and not list(tmp_path.glob("*.part*"))
    if fmt == "sqlite":
        assert view_rows(f"sqlite:///{private}") == view_rows(seeded)


def test_export_overwriting_a_file_of_another_group_keeps_it_or_gives_that_group_no_more_than_others(sqlite_url, tmp_path):
    # A file of the project's group (0640): the export, of the user's own group, kept 0640
    # would open it to that group instead.
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to give a file another group, and setpriv to take that right away")
    archive = open_archive(sqlite_url)
    fill(archive)
    archive.close()
    group = next(gid for gid in range(1, 100) if gid not in (os.getgid(), *os.getgroups()))
    kept, narrowed = tmp_path / "kept.csv", tmp_path / "narrowed.csv"
    for path in (kept, narrowed):
        path.write_text("kept\n", encoding="utf-8")
        os.chown(path, -1, group)
        path.chmod(0o754)
    command = [sys.executable, "-m", "storage.console", "--archive", sqlite_url, "export", "--format", "csv", "--overwrite", "-o"]
    done = subprocess.run([*command, str(kept)], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (kept.stat().st_gid, stat.S_IMODE(kept.stat().st_mode)) == (group, 0o754)
    # Without the right to give a file a group the user is not in.
    without_chown = ["setpriv", "--bounding-set=-chown", "--inh-caps=-chown"]
    done = subprocess.run([*without_chown, *command, str(narrowed)], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (narrowed.stat().st_gid, stat.S_IMODE(narrowed.stat().st_mode)) == (os.getgid(), 0o744)
    assert narrowed.read_bytes() != b"kept\n"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_export_overwrites_a_symbolic_link_s_target_and_keeps_the_link(seeded, fmt, tmp_path):
    # The export was renamed over the link: the link became a file, its target left as it was.
    (tmp_path / "data").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "data" / f"articles.{fmt}"
    target.write_text("kept\n", encoding="utf-8")
    link = tmp_path / "links" / f"latest.{fmt}"
    link.symlink_to(Path("..") / "data" / target.name)
    done = archive_command("export", "--format", fmt, "-o", str(link), archive=seeded)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {link} already exists: choose another --output, or give --overwrite to replace it\n"
    done = archive_command("export", "--format", fmt, "-o", str(link), "--overwrite", archive=seeded)
    articles = len(view_rows(seeded))
    assert done.returncode == 0 and done.stderr.splitlines()[-1].startswith(f"{link}: {articles} articles"), done.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "data" / target.name)
    assert not target.is_symlink() and target.read_bytes() != b"kept\n"
    if fmt == "sqlite":
        assert view_rows(f"sqlite:///{target}") == view_rows(seeded)
    else:
        assert target.read_text(encoding="utf-8").count("\n") >= articles
    # Built beside the target, whose rename is atomic in its own directory, and gone once done.
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    assert [p.name for p in link.parent.iterdir()] == [link.name]
    # A link to a file to come: written through, as a shell's > writes it, --overwrite or not
    # (without it, the link was refused as a file that exists).
    for overwrite in ((), ("--overwrite",)):
        dangling = tmp_path / "links" / f"next{len(overwrite)}.{fmt}"
        dangling.symlink_to(tmp_path / "data" / dangling.name)
        done = archive_command("export", "--format", fmt, "-o", str(dangling), *overwrite, archive=seeded)
        assert done.returncode == 0, done.stderr
        assert dangling.is_symlink() and (tmp_path / "data" / dangling.name).stat().st_size > 0
        # Its target now there, it is an existing file as any other.
        done = archive_command("export", "--format", fmt, "-o", str(dangling), archive=seeded)
        assert (done.returncode, done.stderr) == (
            2, f"error: {dangling} already exists: choose another --output, or give --overwrite to replace it\n")
    # A link into a folder that is not there: one line, nothing made.
    astray = tmp_path / "links" / f"astray.{fmt}"
    astray.symlink_to(tmp_path / "gone" / f"next.{fmt}")
    done = archive_command("export", "--format", fmt, "-o", str(astray), archive=seeded)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: cannot write {astray}: it is a symbolic link to {tmp_path / 'gone' / f'next.{fmt}'},"
                           f" whose folder {tmp_path / 'gone'} does not exist\n")
    assert not (tmp_path / "gone").exists() and astray.is_symlink()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_each_format_s_writer_refuses_an_output_as_the_command_does(sqlite_url, fmt, tmp_path):
    # The writers themselves (output_file, export_sqlite), not only the command before them: a
    # SQLite copy kept a check of its own, which took a folder or an empty name for an existing
    # file and a link into a missing folder for a write that failed.
    from storage.reading_room.export import export_sqlite

    archive = open_archive(sqlite_url)
    fill(archive)
    (tmp_path / "folder").mkdir()
    (tmp_path / "kept").write_text("kept\n", encoding="utf-8")
    astray = tmp_path / "astray"
    astray.symlink_to(tmp_path / "gone" / "next")
    refusals = {
        "": "--output is empty: give a file name",
        str(tmp_path / "folder"): f"cannot write {tmp_path / 'folder'}: Is a directory",
        str(tmp_path / "kept"): f"{tmp_path / 'kept'} already exists: choose another --output, "
                                "or give --overwrite to replace it",
        str(astray): f"cannot write {astray}: it is a symbolic link to {tmp_path / 'gone' / 'next'}, "
                     f"whose folder {tmp_path / 'gone'} does not exist",
    }
    try:
        for output, refusal in refusals.items():
            with pytest.raises(ArchiveError) as refused:
                if fmt == "sqlite":
                    export_sqlite(archive, output)
                else:
                    with output_file(output):
                        pass
            assert str(refused.value) == refusal
    finally:
        archive.close()
    assert (tmp_path / "kept").read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.sqlite3", "astray", "folder", "kept"]


def test_history_of_a_corrected_article_is_queryable(archive_url):
    archive = open_archive(archive_url)
    archive.store_batch([page()], [article(1, body="第一稿")])
    archive.store_batch([page()], [article(1, body="第一稿")])  # unchanged: no version
    archive.store_batch([], [article(1, body="第二稿")])
    archive.store_batch([], [article(1, body="第三稿")])
    with archive.engine.connect() as conn:
        history = conn.execute(text(
            "SELECT body, is_current, valid_from, valid_until FROM article_history "
            "WHERE article_id = (SELECT id FROM articles) ORDER BY is_current, valid_from"
        )).all()
    archive.close()
    assert [(r.body, r.is_current) for r in history] == [("第一稿", 0), ("第二稿", 0), ("第三稿", 1)]
    # Each text's span starts where the previous one ended.
    assert str(history[1].valid_from) == str(history[0].valid_until)
    assert str(history[2].valid_from) == str(history[1].valid_until) and history[2].valid_until is None


# The end of the summary line of `archive reprocess`.
REPROCESSED = "(the earlier text kept in article_versions)"


def test_reprocess_reruns_the_pipelines_over_raw_pages_without_network(archive_url, capsys):
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    crawled = view_rows(archive_url, "article_id, title, body, section")
    assert len(crawled) == 20
    links = "SELECT page_id, position, url FROM page_articles ORDER BY page_id, position"
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:  # what an older, worse pipeline might have stored
        linked = conn.execute(text(links)).all()
        conn.execute(text("UPDATE articles SET body = '旧的处理结果' WHERE id = :id"), {"id": crawled[0][0]})
        conn.execute(text("UPDATE pages SET section = '旧版名'"))
        conn.execute(text("DELETE FROM page_articles"))  # pages stored before their links were kept
    archive.close()
    assert len(linked) == 20
    assert archive_cli(archive_url, "reprocess") == 0
    err = capsys.readouterr().err
    assert "36 documents reprocessed, 0 failed" in err and "reprocessed 36/36" in err
    assert view_rows(archive_url, "article_id, title, body, section") == crawled
    archive = open_archive(archive_url)
    with archive.engine.connect() as conn:
        assert conn.scalars(text("SELECT body FROM article_versions")).all() == ["旧的处理结果"]
        assert conn.execute(text(links)).all() == linked
    archive.close()


def test_reprocess_leaves_alone_what_a_crawl_stored_since_it_read_the_raw_pages(archive_url, capsys, monkeypatch):
    # A crawl stores a corrected article while `archive reprocess` works from the raw pages it
    # read before: the correction must stay, not come back as a superseded version.
    import storage.reprocess

    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    archive = open_archive(archive_url)
    with archive.engine.connect() as conn:
        url, day, number, page_url, issue_url = conn.execute(text(
            "SELECT a.url, i.issue_date, p.page_number, p.url, i.url FROM articles a "
            "JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id ORDER BY a.id LIMIT 1"
        )).one()
    archive.close()
    correction = article(
        1, number=number, url=url, page_url=page_url, issue_url=issue_url, issue_date=str(day)[:10],
        body="网站更正后的正文", fetched_at=datetime.now(timezone.utc) + timedelta(seconds=1), images=[], removals=[], raw=None,
    )
    read_documents = storage.reprocess._documents

    def read_then_crawl(*args, **kwargs):
        rows = read_documents(*args, **kwargs)
        if any(row.article_url == url for row in rows):
            crawler = open_archive(archive_url)
            crawler.store_batch([], [correction])
            crawler.close()
        return rows

    monkeypatch.setattr(storage.reprocess, "_documents", read_then_crawl)
    assert archive_cli(archive_url, "reprocess") == 0
    assert "36 documents reprocessed, 0 failed" in capsys.readouterr().err
    archive = open_archive(archive_url)
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM articles WHERE url = :u"), {"u": url}).scalar() == "网站更正后的正文"
        # One version, the text the crawl had stored before the correction, which replaced it.
        versions = conn.execute(text("SELECT a.url, v.body FROM article_versions v JOIN articles a ON a.id = v.article_id")).all()
    assert [u for u, _ in versions] == [url] and versions[0][1] not in ("", "网站更正后的正文")
    archive.close()


def test_reprocess_reads_the_raw_documents_a_few_issues_at_a_time(archive_url, tmp_path, monkeypatch):
    # A million articles' raw responses do not fit in memory: reprocess holds one group of
    # issues' documents at a time, and still reaches every document, in order, with the total.
    import storage.reprocess
    from crawler.sample import build

    made = build.build_archive(tmp_path / "site", issues=3, articles_per_page=1)
    crawl, _ = crawl_site(archive_url, f"start={made['first_issue']}", f"end={made['last_issue']}",
                          site=tmp_path / "site", date=None, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    before = sql_rows(archive_url, "SELECT url, title, body FROM articles ORDER BY url")
    read_documents, groups = storage.reprocess._documents, []

    def read(archive, issues, *section):
        rows = read_documents(archive, issues, *section)
        groups.append((len(issues), len(rows), {str(row.issue_date)[:10] for row in rows}))
        return rows

    monkeypatch.setattr(storage.reprocess, "_documents", read)
    progress: list[tuple[int, int]] = []
    archive = open_archive(archive_url)
    try:
        outcome = storage.reprocess.reprocess(archive, issues_at_a_time=2, progress=lambda n, total: progress.append((n, total)))
    finally:
        archive.close()
    per_issue = made["pages"] // 3 + made["articles"] // 3
    assert (outcome.done, outcome.failed) == (3 * per_issue, 0)
    assert [(issues, rows) for issues, rows, _ in groups] == [(2, 2 * per_issue), (1, per_issue)]
    assert sorted(groups[0][2]) < sorted(groups[1][2])  # the earlier issues first
    assert progress[-1] == (3 * per_issue, 3 * per_issue) and len(progress) == 3 * per_issue
    assert sql_rows(archive_url, "SELECT url, title, body FROM articles ORDER BY url") == before


def test_reprocess_finds_each_kind_of_document_through_indexes(sqlite_url):
    # A page's rows once came from a LEFT JOIN of the articles on a false condition, which
    # SQLite answered by scanning every article for every page: a reprocess of the 50-issue
    # benchmark archive spent 3.4 s of its 12 in that query, and it grew with the archive's square.
    import storage.reprocess
    from sqlalchemy import bindparam

    archive = open_archive(sqlite_url)
    try:
        fill(archive)
        issues = [i for i, *_ in storage.reprocess._issues(archive, None, None, None)]
        assert issues
        with archive.engine.connect() as conn:
            for kind in storage.reprocess._KINDS:
                for section in (None, "社会工作"):  # a section's pages: a condition on the page joined
                    pages, params = storage.reprocess._section_pages(section)
                    query = text("EXPLAIN QUERY PLAN " + storage.reprocess._DOCUMENTS.format(**kind, pages=pages))
                    plan = [row[-1] for row in conn.execute(query.bindparams(bindparam("issues", expanding=True)),
                                                            {"issues": issues} | params)]
                    assert plan and not [step for step in plan if step.startswith("SCAN")], plan
    finally:
        archive.close()


def test_reprocess_extracts_page_pdf_text_again_from_the_archived_pdfs(sqlite_url, capsys):
    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    archive = open_archive(sqlite_url)
    with archive.engine.begin() as conn:
        crawled = conn.execute(text("SELECT page_number, pdf_text FROM pages ORDER BY page_number")).all()
        raw_pdfs = conn.execute(text("SELECT url, body_zlib FROM raw_documents WHERE url LIKE '%.pdf' ORDER BY url")).all()
        conn.execute(text("UPDATE pages SET pdf_text = NULL"))
    archive.close()
    assert len(crawled) == 16 and all(pdf_text for _, pdf_text in crawled)
    assert archive_cli(sqlite_url, "reprocess") == 0
    assert "52 documents reprocessed, 0 failed" in capsys.readouterr().err
    archive = open_archive(sqlite_url)
    with archive.engine.connect() as conn:
        assert conn.execute(text("SELECT page_number, pdf_text FROM pages ORDER BY page_number")).all() == crawled
        # The PDFs themselves are kept as they were fetched.
        assert conn.execute(text("SELECT url, body_zlib FROM raw_documents WHERE url LIKE '%.pdf' ORDER BY url")).all() == raw_pdfs
    archive.close()


def test_reprocess_without_pdfs_rereads_the_articles_and_converts_the_pdf_text_stored_not_the_pdfs(archive_url, tmp_path):
    # A changed cleaning rule or T2S_CORRECTIONS wants the articles read again, not every page
    # PDF (most of a reprocess's time): --without-pdfs leaves the PDFs unread, neither done nor
    # failed, and converts the text stored of each as the PDF has it again.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    [(article_id, body)] = sql_rows(archive_url, "SELECT id, body FROM articles WHERE title || body NOT LIKE '%赵显富%' "
                                                 "ORDER BY id LIMIT 1")
    corrected = "SELECT count(*) FROM articles WHERE title || body LIKE '%赵显富%'"
    [(misread,)] = sql_rows(archive_url, corrected)
    assert misread
    pdf_texts = "SELECT page_number, pdf_text, pdf_text_original, pdf_text_status FROM pages ORDER BY page_number"
    crawled = sql_rows(archive_url, pdf_texts)
    assert len(crawled) == 16 and all(status == "text" for *_, status in crawled)
    # Page 1: a Traditional text stored as its PDF has it, read by rules the corrections change
    # now; page 2 stored before revision 0012 kept the text as the PDF has it; page 3's PDF
    # damaged since: read again, it would be an error line.
    traditional = "公益時報記者趙顯富報道：慈善組織應當依法開展募捐活動，接受社會監督，公開財務資訊。"
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET body = '旧的处理结果' WHERE id = :id"), {"id": article_id})
        conn.execute(text("UPDATE pages SET pdf_text = '旧的转换', pdf_text_original = :t WHERE page_number = 1"),
                     {"t": traditional})
        conn.execute(text("UPDATE pages SET pdf_text = '旧版保存的文字', pdf_text_original = NULL, pdf_text_status = NULL "
                          "WHERE page_number = 2"))
        conn.execute(text("UPDATE raw_documents SET body_zlib = :junk WHERE url = (SELECT pdf_url FROM pages "
                          "WHERE page_number = 3)"), {"junk": b"junk"})
    archive.close()
    rules = tmp_path / "rules.tsv"
    rules.write_text("赵显富\t赵显福\n", encoding="utf-8")
    done = archive_command("reprocess", "--without-pdfs", archive=archive_url, env={"T2S_CORRECTIONS": str(rules)})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert [line for line in lines if not line.startswith("reprocessed ")] == [
        f"36 documents reprocessed, 0 failed, {misread + 1} articles changed {REPROCESSED}; 16 page PDFs not read again "
        "(--without-pdfs): the stored text of 15 converted again, 1 left as stored (no text as the PDF has it stored)"]
    assert lines[-2] == "reprocessed 36/36"
    assert sql_rows(archive_url, "SELECT body FROM articles WHERE id = :id", id=article_id) == [(body,)]
    assert sql_rows(archive_url, corrected) == [(0,)]
    now = {number: rest for number, *rest in sql_rows(archive_url, pdf_texts)}
    converted, original, status = now[1]
    assert original == traditional and status == "text"  # not read from the PDF again
    assert "赵显福" in converted and "公益时报" in converted and "時" not in converted
    assert now[2] == ["旧版保存的文字", None, None]
    assert [(n, *rest) for n, rest in sorted(now.items()) if n > 2] == crawled[2:]
    # The run's row says the PDFs were not read, and counts none of them failed or without text.
    [run] = sql_rows(archive_url, REPROCESS_RUN)
    assert tuple(run[1:]) == ("*", "without-pdfs", "finished", "", 0, 16, 0, 0, 20, misread + 1, 0, 0, 0, 0, True)
    # Read again, the damaged PDF is an error, and page 1's text its PDF's own again.
    again = archive_command("reprocess", archive=archive_url, env={"T2S_CORRECTIONS": str(rules)})
    assert again.returncode == 1
    assert again.stderr.splitlines()[-1] == f"51 documents reprocessed, 1 failed, 0 articles changed {REPROCESSED}"
    assert sql_rows(archive_url, pdf_texts)[0] == crawled[0]
    # The option takes no value: one line.
    bad = archive_command("reprocess", "--without-pdfs=yes", archive=archive_url)
    assert (bad.returncode, bad.stderr.splitlines()) == (2, [
        "archive reprocess: error: argument --without-pdfs: ignored explicit argument 'yes'; "
        "see archive reprocess --help"])


def test_reprocess_reports_a_broken_raw_document_in_one_line_and_goes_on(sqlite_url, capsys):
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1), article(2)])
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE raw_documents SET body_zlib = :junk WHERE url LIKE '%content_1.htm'"),
                     {"junk": b"not zlib"})
    archive.close()
    assert archive_cli(sqlite_url, "reprocess") == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("error:")] == [
        "error: http://x/html/2023-01/31/content_1.htm: raw document is not a zlib stream "
        "(Error -3 while decompressing data: incorrect header check): left as stored"
    ]
    assert err[-1] == f"1 document reprocessed, 1 failed, 1 article changed {REPROCESSED}"


def test_reprocess_after_new_corrections_keeps_one_version_of_each_article_it_changes_and_says_how_many(
        archive_url, tmp_path, monkeypatch, capsys):
    # A user's own rules change words of three of the sample's articles: each of them, and no
    # other, keeps its earlier text once; the summary says how many changed, and a second run
    # changes nothing.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    texts = "SELECT id, title || body AS t FROM articles ORDER BY id"
    crawled = dict(sql_rows(archive_url, texts))
    rules = tmp_path / "rules.tsv"
    rules.write_text("赵显富\t赵显福\n蓝马甲\t蓝马褂\n", encoding="utf-8")
    monkeypatch.setenv("T2S_CORRECTIONS", str(rules))
    assert archive_cli(archive_url, "reprocess") == 0
    assert capsys.readouterr().err.splitlines()[-1] == f"36 documents reprocessed, 0 failed, 3 articles changed {REPROCESSED}"
    now = dict(sql_rows(archive_url, texts))
    changed = {i for i in now if now[i] != crawled[i]}
    assert len(changed) == 3 and all("赵显福" in now[i] or "蓝马褂" in now[i] for i in changed)
    versions = "SELECT article_id, title || body FROM article_versions ORDER BY article_id"
    assert sql_rows(archive_url, versions) == [(i, crawled[i]) for i in sorted(changed)]
    assert archive_cli(archive_url, "reprocess") == 0
    assert capsys.readouterr().err.splitlines()[-1] == f"36 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}"
    assert len(sql_rows(archive_url, versions)) == 3


def test_reprocess_leaves_as_stored_what_it_cannot_read_again_one_line_each(archive_url, capsys):
    # Raw documents damaged since (or stored before the crawl refused such files): the crawl
    # would not store what they hold, and reprocess must not either. A garbled page was stored
    # as a page of no section and no articles, a PDF that is not one emptied the page's text.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    [(page, pdf, cut_pdf)] = sql_rows(archive_url, "SELECT p.url, p.pdf_url, q.pdf_url FROM pages p, pages q "
                                                   "WHERE p.page_number = 1 AND q.page_number = 2")
    articles = [url for (url,) in sql_rows(archive_url, "SELECT url FROM articles ORDER BY url")]
    error_page = "<html><head><title>页面不存在</title></head><body>对不起，页面不存在</body></html>".encode()
    damaged = {
        page: zlib.compress(bytes(range(256)) * 8),
        pdf: zlib.compress(b"<html><head><title>Service Unavailable</title></head></html>"),
        cut_pdf: zlib.compress(b"%PDF-1.4\n1 0 obj"),
        articles[0]: zlib.compress(error_page),
        articles[1]: b"not zlib",
    }
    stored = ("SELECT p.page_number, p.section, p.articles_expected, p.pdf_text, a.url, a.title, a.body "
              "FROM pages p LEFT JOIN articles a ON a.page_id = p.id ORDER BY p.page_number, a.url")
    links = "SELECT page_id, position, url FROM page_articles ORDER BY page_id, position"
    before = sql_rows(archive_url, stored), sql_rows(archive_url, links)
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        for url, body in damaged.items():
            conn.execute(text("UPDATE raw_documents SET body_zlib = :b WHERE url = :u"), {"b": body, "u": url})
    archive.close()
    assert archive_cli(archive_url, "reprocess") == 1
    err = capsys.readouterr().err.splitlines()
    assert sorted(line for line in err if line.startswith("error:")) == sorted([
        f"error: {page}: truncated: the file ends before its </body> and </html>: left as stored",
        f"error: {pdf}: not a PDF: Service Unavailable: left as stored",
        f"error: {cut_pdf}: truncated: the PDF ends before its %%EOF: left as stored",
        f"error: {articles[0]}: error page with HTTP 200: '页面不存在': left as stored",
        f"error: {articles[1]}: raw document is not a zlib stream (Error -3 while decompressing data: "
        "incorrect header check): left as stored",
    ])
    assert err[-1] == f"47 documents reprocessed, 5 failed, 0 articles changed {REPROCESSED}"
    assert (sql_rows(archive_url, stored), sql_rows(archive_url, links)) == before


def test_reprocess_keeps_the_pdf_text_read_before_when_the_pdf_reads_as_none_now(archive_url, capsys):
    # A PDF whole to the eye (its %%EOF there) that pdfminer cannot read now (damaged since, or a
    # reader's regression): its page's text, read from it before, stays, as when the site no
    # longer has the PDF. Reprocess emptied it.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    pdf_texts = "SELECT page_number, pdf_text FROM pages ORDER BY page_number"
    before = sql_rows(archive_url, pdf_texts)
    assert all(text for _, text in before)
    [(pdf, stored)] = sql_rows(archive_url, "SELECT r.url, r.body_zlib FROM raw_documents r JOIN pages p ON p.pdf_url = r.url "
                                            "WHERE p.page_number = 1")
    whole = zlib.decompress(stored)
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE raw_documents SET body_zlib = :b WHERE url = :u"),
                     {"b": zlib.compress(whole[:len(whole) // 2] + b"\n%%EOF\n"), "u": pdf})
    archive.close()
    assert archive_cli(archive_url, "reprocess") == 0
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if not line.startswith("reprocessed ")] == [
        f"warning: Unreadable PDF: PSEOF('Unexpected EOF'): {pdf}",
        f"52 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}",
    ]
    assert sql_rows(archive_url, pdf_texts) == before


def test_reprocess_of_a_raw_document_sqlite_holds_as_text_is_one_line(sqlite_url, capsys):
    # SQLite stores what plain SQL gives a column, text in a BLOB column too.
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1), article(2)])
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE raw_documents SET body_zlib = '<html>正文</html>' WHERE url LIKE '%content_1.htm'"))
    archive.close()
    assert archive_cli(sqlite_url, "reprocess") == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("error:")] == [
        "error: http://x/html/2023-01/31/content_1.htm: raw document holds str, not compressed bytes: left as stored"
    ]
    assert err[-1] == f"1 document reprocessed, 1 failed, 1 article changed {REPROCESSED}"


def test_reprocess_says_which_articles_and_pages_it_had_no_raw_document_for(archive_url, capsys):
    # Raw documents deleted to save room (or rows written with plain SQL): the new rules do not
    # reach those articles, and the user is told, not left to believe the whole archive re-read.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        conn.execute(text("DELETE FROM raw_documents WHERE url IN (SELECT url FROM articles WHERE id IN "
                          "(SELECT min(id) FROM articles UNION SELECT max(id) FROM articles))"))
        conn.execute(text("DELETE FROM raw_documents WHERE url = (SELECT url FROM pages WHERE page_number = 3)"))
    archive.close()
    assert archive_cli(archive_url, "reprocess") == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-2:] == [
        "note: 2 articles and 1 page have no raw document (raw_documents) to read again: left as they are",
        f"33 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}",
    ]


def test_reprocess_of_a_section_rereads_only_its_pages_and_their_articles(archive_url):
    # A rule for one section's pages (a column's byline, say) re-reads that section only:
    # given as the pages print it (公益資訊), as search takes it. Pages 10-12 and their 3 articles.
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    pages = "SELECT page_number, page_label FROM pages ORDER BY page_number"
    bodies = "SELECT p.page_number, a.url, a.body FROM articles a JOIN pages p ON p.id = a.page_id ORDER BY a.url"
    crawled_pages, crawled_bodies = sql_rows(archive_url, pages), sql_rows(archive_url, bodies)
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:  # what an older, worse pipeline might have stored
        conn.execute(text("UPDATE articles SET body = '旧的处理结果'"))
        conn.execute(text("UPDATE pages SET page_label = '旧版'"))
        # Another section's article without its raw document: not counted as this run's.
        conn.execute(text("DELETE FROM raw_documents WHERE url = (SELECT min(a.url) FROM articles a "
                          "JOIN pages p ON p.id = a.page_id WHERE p.page_number = 1)"))
    archive.close()
    done = archive_command("reprocess", "--section", "公益資訊", archive=archive_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == f"6 documents reprocessed, 0 failed, 3 articles changed {REPROCESSED}"
    assert "no raw document" not in done.stderr
    section = {10, 11, 12}
    assert sql_rows(archive_url, pages) == [(n, label if n in section else "旧版") for n, label in crawled_pages]
    assert sql_rows(archive_url, bodies) == [(n, url, body if n in section else "旧的处理结果")
                                             for n, url, body in crawled_bodies]
    assert sql_rows(archive_url, "SELECT count(*) FROM article_versions") == [(3,)]
    # The changed articles the run recorded, in stats' table of runs beside those it stored again.
    stats = archive_command("stats", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    head, _rule, *rows, _count = stats.stdout.split("Recent crawl runs\n")[1].splitlines()
    names = [cell.strip() for cell in head.split(" | ")]
    listed = [dict(zip(names, (cell.strip() for cell in row.split(" | ")))) for row in rows]
    assert [(run["kind"], run["articles changed"]) for run in listed] == [("reprocess", "3"), ("crawl", "0")], listed
    # A section no page has (a typo): one line, nothing read nor written.
    before = sql_rows(archive_url, bodies), sql_rows(archive_url, pages)
    refused = archive_command("reprocess", "--section", "公益资", archive=archive_url)
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        2, "", f"error: no page of this archive has the section '公益资' (its sections: {CRAWLED_SECTIONS})\n")
    assert (sql_rows(archive_url, bodies), sql_rows(archive_url, pages)) == before


# A reprocess's crawl_runs row: what it was asked, what it did, how it ended.
REPROCESS_RUN = ("SELECT id, paper_code, dates_asked, status, message, pages_new, pages_updated, pages_failed, "
                 "articles_new, articles_updated, articles_changed, articles_failed, links_gone, pdfs_without_text, "
                 "dates_without_issue, finished_at IS NOT NULL AND seen_at = finished_at FROM crawl_runs "
                 "WHERE kind = 'reprocess' ORDER BY id")


def test_reprocess_is_recorded_in_crawl_runs_with_its_filters_counts_and_end(archive_url, tmp_path):
    # `archive reprocess` wrote no crawl_runs row: the archive did not say when its text was read
    # again, nor what (a paper, dates, a section), and the versions a run of new rules kept
    # (article_versions) were dated by no run. Each run is a row now, of kind 'reprocess', its
    # dates_asked its filters alone (the word 'reprocess' there told it apart before 0017).
    from tests.sites import SAMPLE_DAY, sample_site

    days = [SAMPLE_DAY - timedelta(weeks=n) for n in range(2)]
    site = sample_site(tmp_path / "site", days, pdfs=False)
    crawl, _ = crawl_site(archive_url, f"start={days[-1]}", f"end={days[0]}", site=site, date=None)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    rules = tmp_path / "rules.tsv"
    rules.write_text("赵显富\t赵显福\n", encoding="utf-8")
    newer = sql_rows(archive_url, "SELECT a.url FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i "
                                  "ON i.id = p.issue_id WHERE i.issue_date = :day AND a.body NOT LIKE '%赵显富%' "
                                  "ORDER BY a.url", day=days[0])[0][0]
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:  # one article of the newer issue no longer reads: it fails
        conn.execute(text("UPDATE raw_documents SET body_zlib = :junk WHERE url = :url"), {"junk": b"junk", "url": newer})
    archive.close()

    one_issue = archive_command("reprocess", "--paper", "gongyishibao", "--since", str(days[0]), archive=archive_url,
                                env={"T2S_CORRECTIONS": str(rules)})
    assert one_issue.returncode == 1, one_issue.stderr[-2000:]
    assert one_issue.stderr.splitlines()[-1] == f"35 documents reprocessed, 1 failed, 1 article changed {REPROCESSED}"
    section = archive_command("reprocess", "--section", "公益資訊", "--until", str(days[1]), archive=archive_url)
    assert section.returncode == 0, section.stderr[-2000:]
    # Dates that select no issue (a year typed wrong) are said, with those the archive holds.
    nothing = archive_command("reprocess", "--since", "2030-01-01", archive=archive_url)
    assert (nothing.returncode, nothing.stderr.splitlines()) == (0, [
        f"note: no issue is dated within 2030-01-01.. (the archive holds issues from {days[1]} to {days[0]}): "
        "nothing to read again",
        f"0 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}"])
    elsewhere = archive_command("reprocess", "--section", "公益資訊", "--since", "2030-01-01", archive=archive_url)
    assert (elsewhere.returncode, elsewhere.stderr.splitlines()[0]) == (0, (
        f"note: no issue dated within 2030-01-01.. has a page of the section 公益資訊 (the archive holds issues "
        f"from {days[1]} to {days[0]}): nothing to read again"))
    before = archive_command("reprocess", "--paper", "gongyishibao", "--until", "2000-01-01", archive=archive_url)
    assert (before.returncode, before.stderr.splitlines()[0]) == (0, (
        f"note: no issue of gongyishibao is dated within ..2000-01-01 (the archive holds issues of gongyishibao "
        f"from {days[1]} to {days[0]}): nothing to read again"))

    runs = sql_rows(archive_url, REPROCESS_RUN)
    assert [tuple(run[1:]) for run in runs] == [
        ("gongyishibao", f"{days[0]}..", "failed",
         "1 document not read again: left as stored (the command's error lines name them)",
         0, 16, 0, 0, 19, 1, 1, 0, 0, 0, True),
        ("*", f"..{days[1]} section=公益資訊", "finished", "", 0, 3, 0, 0, 3, 0, 0, 0, 0, 0, True),
        ("*", "2030-01-01..", "finished", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, True),
        ("*", "2030-01-01.. section=公益資訊", "finished", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, True),
        ("gongyishibao", "..2000-01-01", "finished", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, True),
    ]
    # The version the first run kept ended while that run ran.
    assert sql_rows(archive_url, "SELECT r.id FROM article_versions v JOIN crawl_runs r "
                                 "ON v.valid_until BETWEEN r.started_at AND r.finished_at") == [(runs[0][0],)]
    # The crawl's row is a crawl's.
    assert sql_rows(archive_url, "SELECT kind, dates_asked FROM crawl_runs WHERE kind <> 'reprocess'") == [
        ("crawl", f"{days[1]}..{days[0]}")]
    # A paper's history lists the runs of every paper with its own, each of its kind.
    stats = archive_command("stats", "--paper", "gongyishibao", archive=archive_url)
    assert stats.returncode == 0, stats.stderr
    table = stats.stdout.split("Recent crawl runs\n")[1].splitlines()
    assert [field.strip() for field in table[0].split(" | ")][:4] == ["id", "paper", "kind", "dates"]
    listed = [line.split(" | ")[:4] for line in table[2:-1]]
    assert [[field.strip() for field in line] for line in listed] == [
        [str(runs[4][0]), "gongyishibao", "reprocess", "..2000-01-01"],
        [str(runs[3][0]), "*", "reprocess", "2030-01-01.. section=公益資訊"],
        [str(runs[2][0]), "*", "reprocess", "2030-01-01.."],
        [str(runs[1][0]), "*", "reprocess", f"..{days[1]} section=公益資訊"],
        [str(runs[0][0]), "gongyishibao", "reprocess", f"{days[0]}.."],
        ["1", "gongyishibao", "crawl", f"{days[1]}..{days[0]}"],
    ]


def test_a_paper_s_runs_from_python_are_those_archive_stats_lists_reprocesses_of_every_paper_included(seeded):
    # Archive.crawl_runs(paper_code=X) left out the runs over every paper ('*': a reprocess
    # without --paper), which `archive stats --paper X` lists with X's own.
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        insert_crawl_run(conn, kind="crawl")
        insert_crawl_run(conn, kind="crawl", paper_code="shehuibao")
    archive.close()
    for args in ((), ("--paper", "gongyishibao")):
        done = archive_command("reprocess", *args, archive=seeded)
        assert done.returncode == 0, done.stderr
    stats = archive_command("stats", "--paper", "gongyishibao", archive=seeded)
    assert stats.returncode == 0, stats.stderr
    table = stats.stdout.split("Recent crawl runs\n")[1].splitlines()[2:-1]
    listed = [tuple(field.strip() for field in line.split(" | ")[:3]) for line in table]
    archive = open_archive(seeded, create=False)
    try:
        runs = [(str(run.id), run.paper_code, run.kind) for run in archive.crawl_runs(paper_code="gongyishibao")]
        crawls = [(run.paper_code, run.kind) for run in archive.crawl_runs(paper_code="gongyishibao", kind="crawl")]
        every = [run.paper_code for run in archive.crawl_runs()]
    finally:
        archive.close()
    assert runs == listed
    assert [(code, kind) for _, code, kind in runs] == [
        ("gongyishibao", "reprocess"), ("*", "reprocess"), ("gongyishibao", "crawl")]
    assert crawls == [("gongyishibao", "crawl")]
    assert every == ["gongyishibao", "*", "shehuibao", "gongyishibao"]


def test_reprocess_beats_between_its_batches_so_that_a_long_one_is_not_taken_for_killed(archive_url, monkeypatch):
    # A batch is 400 documents, page PDFs read for seconds each: its row's seen_at must move
    # between batches, or a live reprocess reads as killed (five heartbeats, five minutes).
    import crawler.settings
    import storage.reprocess
    from storage.db import Archive

    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:  # an article that no longer reads, counted by the beats
        conn.execute(text("UPDATE raw_documents SET body_zlib = :junk WHERE url = (SELECT max(url) FROM articles)"),
                     {"junk": b"junk"})
    monkeypatch.setattr(crawler.settings, "ARCHIVE_HEARTBEAT_SECONDS", 0)  # a beat after each document
    beats, beat = [], Archive.heartbeat

    def heartbeat(self, run, counts):
        beats.append((run, counts["articles_failed"]))
        beat(self, run, counts)

    monkeypatch.setattr(Archive, "heartbeat", heartbeat)
    try:
        outcome = storage.reprocess.reprocess(archive)
    finally:
        archive.close()
    assert (outcome.done, outcome.failed) == (35, 1)
    # One batch, stored at the end: the run was seen after each of its 36 documents.
    assert len(beats) == 36 and {run for run, _ in beats} == {outcome.run}
    assert beats[-1][1] == 1
    assert sql_rows(archive_url, "SELECT status, articles_failed, articles_updated FROM crawl_runs WHERE id = :id",
                    id=outcome.run) == [("failed", 1, 19)]


def test_reprocess_stopped_as_a_batch_commits_counts_that_batch_in_its_row(sqlite_url, monkeypatch):
    # Ctrl-C after a batch's transaction committed and before the run tallied it: the row's end
    # wrote the tally over what the batch had added to it, a batch stored and not counted.
    import storage.reprocess

    crawl, _ = crawl_site(sqlite_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]

    def interrupted(self, counts):
        raise KeyboardInterrupt(2)

    monkeypatch.setattr(storage.reprocess._Record, "stored", interrupted)
    archive = open_archive(sqlite_url)
    try:
        with pytest.raises(KeyboardInterrupt):
            storage.reprocess.reprocess(archive, batch_size=10)
    finally:
        archive.close()
    assert sql_rows(sqlite_url, "SELECT status, pages_updated + articles_updated FROM crawl_runs "
                                "WHERE kind = 'reprocess' AND dates_asked = ''") == [("shutdown", 10)]


def test_reprocess_stopped_by_sigterm_says_so_and_a_second_run_completes_it(archive_url, tmp_path):
    # kill, systemctl stop or timeout: Python's default ended the command on the spot, without a
    # word (status -15), leaving its PDF workers to find out. It stops as Ctrl-C stops it: one
    # line, status 143, the batches written whole; a run again completes it, a version apiece.
    from tests.sites import SAMPLE_DAY, sample_site

    days = [SAMPLE_DAY - timedelta(weeks=n) for n in range(3)]
    site = sample_site(tmp_path / "site", days)
    crawl, _ = crawl_site(archive_url, f"start={days[-1]}", f"end={days[0]}", site=site, date=None)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    rules = tmp_path / "rules.tsv"
    rules.write_text("赵显富\t赵显福\n蓝马甲\t蓝马褂\n", encoding="utf-8")
    command = [sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess"]
    running = subprocess.Popen(command, cwd=PROJECT, stderr=subprocess.PIPE, text=True,
                               env=os.environ | {"T2S_CORRECTIONS": str(rules)})
    # Stopped among the page PDFs, whose text takes the longest to read: the run is far from done.
    for line in running.stderr:
        if line.startswith("reprocessed 49/"):
            running.terminate()
            break
    assert running.wait(timeout=60) == 143
    assert said_only_interrupted(running.stderr, " by SIGTERM")
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, env=os.environ | {"T2S_CORRECTIONS": str(rules)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.splitlines()[-1] == f"156 documents reprocessed, 0 failed, 9 articles changed {REPROCESSED}"
    versions = sql_rows(archive_url, "SELECT article_id, count(*) FROM article_versions GROUP BY article_id")
    assert len(versions) == 9 and {n for _, n in versions} == {1}
    # Each run has its row: the stopped one says so, and counts no more than it stored.
    stopped, completed = (tuple(run[1:]) for run in sql_rows(archive_url, REPROCESS_RUN))
    assert stopped[:4] == ("*", "", "shutdown",
                           "interrupted by SIGTERM: the run stopped before it was done; run it again")
    assert stopped[-1] and stopped[9] + completed[9] == 9 and stopped[8] <= 60
    assert completed[:4] == ("*", "", "finished", "") and completed[-1]
    assert sql_rows(archive_url, "SELECT count(*) FROM articles WHERE body LIKE '%赵显富%' OR body LIKE '%蓝马甲%'") == [(0,)]


INTERRUPTED_AFTER = re.compile(
    r"interrupted(?: by SIGTERM)?: (\d+) of (\d+) documents reprocessed and stored \((\d+) articles? changed\), (\d+) more read and "
    r"not stored: run it again to complete it; it reads every document again from the first, and what this run "
    r"stored is stored the same again \(no second version\)")


def said_only_interrupted(lines, by: str = "") -> bool:
    """Whether the lines a reprocess wrote, but for its progress, are the one saying it was
    interrupted (``by``: " by SIGTERM") and what it had stored."""
    said = [line.rstrip("\n") for line in lines if not line.startswith("reprocessed ")]
    return len(said) == 1 and said[0].startswith(f"interrupted{by}: ") and INTERRUPTED_AFTER.fullmatch(said[0]) is not None


def test_reprocess_stopped_by_ctrl_c_says_how_much_it_stored_and_that_a_run_again_completes_it(archive_url):
    # Ctrl-C said "interrupted" and no more: whoever stopped a long reprocess could not tell
    # whether any of it was written, nor what running it again would do.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    running = subprocess.Popen([sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess"],
                               cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    for line in running.stderr:
        if line.startswith("reprocessed 20/"):
            running.send_signal(signal.SIGINT)
            break
    assert running.wait(timeout=60) == 130
    [said] = [line for line in running.stderr if not line.startswith("reprocessed ")]
    assert (said_as := INTERRUPTED_AFTER.fullmatch(said.rstrip("\n"))), said
    stored, total, changed, unstored = map(int, said_as.groups())
    # One batch is 400 documents: none of the 52 was written; those read, said so.
    [run] = sql_rows(archive_url, REPROCESS_RUN)
    assert (stored, total, changed) == (run[6] + run[9], 52, 0) == (0, 52, 0) and unstored >= 20
    again = archive_command("reprocess", archive=archive_url)
    assert again.returncode == 0 and again.stderr.splitlines()[-1] == f"52 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}"


def test_reprocess_stopped_after_batches_says_those_it_stored(sqlite_url, monkeypatch, capsys):
    # Batches of 10 (the command writes 400 at a time): stopped as the second is tallied, after
    # its commit, the line counts both, as the run's row does.
    import storage.reprocess

    crawl, _ = crawl_site(sqlite_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    monkeypatch.setitem(storage.reprocess.reprocess.__kwdefaults__, "batch_size", 10)
    tallied = []

    def stored(self, counts):
        tallied.append(counts)
        if len(tallied) == 2:
            raise KeyboardInterrupt(signal.SIGINT)

    monkeypatch.setattr(storage.reprocess._Record, "stored", stored)
    assert archive_cli(sqlite_url, "reprocess") == 130
    said = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("reprocessed ")]
    assert len(said) == 1 and (said_as := INTERRUPTED_AFTER.fullmatch(said[0])), said
    [run] = sql_rows(sqlite_url, REPROCESS_RUN)
    assert int(said_as[1]) == run[6] + run[9] == 20 and int(said_as[4]) == 0


def _pdf_workers(parent: int) -> set[int]:
    """The PDF pool's workers of the process ``parent``: its children spawned by multiprocessing
    (`spawn_main`, which its resource tracker is not)."""
    workers = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent and b"spawn_main" in (entry / "cmdline").read_bytes():
                workers.add(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):  # gone meanwhile
            continue
    return workers


def test_reprocess_with_more_pdf_workers_stores_what_one_stores(archive_url):
    # The page PDFs read at once and kept as each is read (a PDF may come back after the
    # documents that follow it, in a later batch than its page): the same rows and counts.
    from sqlalchemy import create_engine

    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    pdf_texts = "SELECT page_number, pdf_text, pdf_text_original, pdf_text_status FROM pages ORDER BY page_number"
    crawled = sql_rows(archive_url, pdf_texts)
    assert len(crawled) == 16 and all(pdf_text for _, pdf_text, _, _ in crawled)
    stored = {}
    for workers in ("1", "2"):
        engine = create_engine(archive_url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE pages SET pdf_text = NULL, pdf_text_original = NULL, pdf_text_status = NULL"))
        engine.dispose()
        done = archive_command("reprocess", "--pdf-workers", workers, archive=archive_url)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stderr.splitlines()[-1] == f"52 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}"
        stored[workers] = (sql_rows(archive_url, pdf_texts),
                           sql_rows(archive_url, "SELECT url, title, body FROM articles ORDER BY url"),
                           sql_rows(archive_url, REPROCESS_RUN)[-1][2:-1])
    assert stored["1"] == stored["2"] and stored["1"][0] == crawled
    assert stored["2"][2][1:9] == ("finished", "", 0, 16, 0, 0, 20, 0)


def _timed_extract(body: bytes):
    """PdfTextPipeline.extract, in a worker, writing down when it read the PDF: its process and
    the time it started and ended (a clock all processes share) to the file ``$PDF_READ_TIMES``."""
    import time

    from pipelines.pdf import page_pdf_text

    started = time.monotonic()
    meet = os.environ.get("PDF_READ_MEET")
    if meet:
        # A page PDF reads in milliseconds, so two reads submitted together may still not overlap
        # when one worker starts late on a busy machine: each read waits (10 s at most) until a
        # read in another process has started. Reads submitted one at a time never meet.
        with open(meet, "a") as starts:
            starts.write(f"{os.getpid()}\n")
        deadline = started + 10
        while time.monotonic() < deadline:
            with open(meet) as starts:
                if any(pid.strip() != str(os.getpid()) for pid in starts):
                    break
            time.sleep(0.01)
    try:
        return page_pdf_text(body)
    finally:
        with open(os.environ["PDF_READ_TIMES"], "a") as times:
            times.write(f"{os.getpid()} {started} {time.monotonic()}\n")


def test_reprocess_reads_as_many_page_pdfs_at_once_as_it_is_given_workers(sqlite_url, tmp_path, monkeypatch, capsys):
    # The loop awaited each page PDF before the next document, and its PDF pipeline was built
    # from the project settings (ARCHIVE_PDF_WORKERS, 1): a reprocess of an archive with PDFs
    # read one at a time (~30-86 articles/s) whatever the cores. --pdf-workers N reads N at once.
    from pipelines.pdf import PdfTextPipeline

    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    monkeypatch.setattr(PdfTextPipeline, "extract", staticmethod(_timed_extract))
    read = {}
    for workers in ("1", "2"):
        times = tmp_path / f"{workers}.times"
        monkeypatch.setenv("PDF_READ_TIMES", str(times))  # the workers are spawned with the environment
        if workers == "2":
            monkeypatch.setenv("PDF_READ_MEET", str(tmp_path / "2.starts"))
        assert archive_cli(sqlite_url, "reprocess", "--pdf-workers", workers) == 0
        assert "52 documents reprocessed, 0 failed" in capsys.readouterr().err
        spans = [(int(pid), float(start), float(end)) for pid, start, end in map(str.split, times.read_text().splitlines())]
        overlapping = {(a[0], b[0]) for a in spans for b in spans if a[0] != b[0] and a[1] < b[2] and b[1] < a[2]}
        read[workers] = (len(spans), len({pid for pid, _, _ in spans}), bool(overlapping))
    assert read == {"1": (16, 1, False), "2": (16, 2, True)}
    # From Python, ARCHIVE_PDF_WORKERS's 0 (read in the calling process) reads them one at a time too.
    import storage.reprocess

    times = tmp_path / "0.times"
    monkeypatch.setenv("PDF_READ_TIMES", str(times))
    monkeypatch.delenv("PDF_READ_MEET")  # one process: no read could meet another
    archive = open_archive(sqlite_url)
    try:
        outcome = storage.reprocess.reprocess(archive, pdf_workers=0)
    finally:
        archive.close()
    assert (outcome.done, outcome.failed) == (52, 0)
    assert {line.split()[0] for line in times.read_text().splitlines()} == {str(os.getpid())}


def _extract_failing_on_one(body: bytes):
    """PdfTextPipeline.extract, in a worker, raising on the PDF whose SHA-256 is ``$PDF_FAILING``."""
    from pipelines.pdf import page_pdf_text

    if hashlib.sha256(body).hexdigest() == os.environ["PDF_FAILING"]:
        raise ValueError("the worker's reading failed")
    return page_pdf_text(body)


def test_reprocess_with_pdf_workers_leaves_a_pdf_whose_reading_fails_as_stored_in_one_line(archive_url, monkeypatch, capsys):
    # A PDF fails inside its task, in the workers, while others are read: its line, its page's
    # text as stored, the others stored, the counts of one document failed.
    from pipelines.pdf import PdfTextPipeline

    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    [(pdf, body)] = sql_rows(archive_url, "SELECT r.url, r.body_zlib FROM raw_documents r JOIN pages p ON p.pdf_url = r.url "
                                          "WHERE p.page_number = 5")
    pdf_texts = "SELECT page_number, pdf_text FROM pages ORDER BY page_number"
    crawled = sql_rows(archive_url, pdf_texts)
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:
        conn.execute(text("UPDATE pages SET pdf_text = 'as stored'"))
    archive.close()
    monkeypatch.setattr(PdfTextPipeline, "extract", staticmethod(_extract_failing_on_one))
    monkeypatch.setenv("PDF_FAILING", hashlib.sha256(zlib.decompress(body)).hexdigest())
    assert archive_cli(archive_url, "reprocess", "--pdf-workers", "2") == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("error:")] == [
        f"error: {pdf}: ValueError: the worker's reading failed: left as stored"]
    assert err[-1] == f"51 documents reprocessed, 1 failed, 0 articles changed {REPROCESSED}"
    assert sql_rows(archive_url, pdf_texts) == [(n, "as stored" if n == 5 else pdf_text) for n, pdf_text in crawled]
    [run] = sql_rows(archive_url, REPROCESS_RUN)
    assert run[3] == "failed" and run[7] == 1  # pages_failed: a page's PDF is the page's


@pytest.mark.parametrize("value, message", [
    ("0", "0 is out of range: 1 to 64"),
    ("-2", "-2 is out of range: 1 to 64"),
    ("65", "65 is out of range: 1 to 64"),
    ("1.5", "'1.5' is not a whole number (expected 1 to 64)"),
    ("two", "'two' is not a whole number (expected 1 to 64)"),
    ("", "'' is not a whole number (expected 1 to 64)"),
])
def test_reprocess_refuses_a_bad_number_of_pdf_workers_in_one_line(sqlite_url, value, message):
    done = archive_command("reprocess", "--pdf-workers", value, archive=sqlite_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"archive reprocess: error: argument --pdf-workers: {message}; see archive reprocess --help\n"


def test_reprocess_stopped_with_page_pdfs_in_its_workers_ends_them_and_says_only_that_it_was(archive_url):
    # SIGTERM while two workers read PDFs the loop has not awaited yet: the run ends as one
    # reading them in turn ends (one line, status 143, its workers reaped), and a run again completes it.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    command = [sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess", "--pdf-workers", "2"]
    running = subprocess.Popen(command, cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    for line in running.stderr:
        if line.startswith("reprocessed 17/"):  # the pages read, a PDF done, the next ones in the workers
            workers = _pdf_workers(running.pid)
            running.terminate()
            break
    assert running.wait(timeout=60) == 143
    assert said_only_interrupted(running.stderr, " by SIGTERM")
    assert len(workers) == 2 and not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    [run] = sql_rows(archive_url, REPROCESS_RUN)
    assert run[3:5] == ("shutdown", "interrupted by SIGTERM: the run stopped before it was done; run it again")
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.splitlines()[-1] == f"52 documents reprocessed, 0 failed, 0 articles changed {REPROCESSED}"


def test_reprocess_goes_on_to_the_end_when_the_reader_of_its_progress_leaves(archive_url, tmp_path):
    # `archive reprocess 2>&1 | head`: the progress line after head left met a closed pipe, and
    # the command stopped there with exit status 0, as if it were done, nothing re-read.
    crawl, _ = crawl_site(archive_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    rules = tmp_path / "rules.tsv"
    rules.write_text("赵显富\t赵显福\n蓝马甲\t蓝马褂\n", encoding="utf-8")
    env = os.environ | {"T2S_CORRECTIONS": str(rules)}
    command = shlex.join([sys.executable, "-m", "storage.console", "--archive", archive_url, "reprocess"])
    done = subprocess.run(["bash", "-o", "pipefail", "-c", f"{command} 2>&1 | head -1"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout.startswith("reprocessed ")) == (0, True), done.stdout + done.stderr
    changed = sql_rows(archive_url, "SELECT count(*) FROM article_versions")[0][0]
    assert changed and sql_rows(archive_url, "SELECT count(*) FROM articles WHERE body LIKE '%赵显富%' "
                                             "OR body LIKE '%蓝马甲%'") == [(0,)]
    again = archive_command("reprocess", archive=archive_url, env={"T2S_CORRECTIONS": str(rules)})
    assert again.returncode == 0 and again.stderr.splitlines()[-1].endswith(f", 0 articles changed {REPROCESSED}")


def terminal_lines(written: bytes) -> list[str]:
    """The lines a terminal shows for ``written``: each carriage return draws over the line from its start."""
    lines = []
    for line in written.decode().replace("\r\n", "\n").split("\n"):
        shown = ""
        for drawn in line.split("\r"):
            shown = drawn + shown[len(drawn):]
        lines.append(shown)
    return lines


def test_reprocess_stopped_by_ctrl_c_on_a_terminal_says_so_below_its_progress(sqlite_url):
    # On a terminal the progress line is drawn in place ("\r"): the word "interrupted" was
    # drawn over it, its end left showing, and the terminal read "interrupted20/52".
    import pty
    import signal

    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    terminal, stderr = pty.openpty()
    running = subprocess.Popen([sys.executable, "-m", "storage.console", "--archive", sqlite_url, "reprocess"],
                               cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=stderr)
    os.close(stderr)
    written = b""
    while b"reprocessed 20/" not in written:
        written += os.read(terminal, 4096)
    running.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert running.wait(timeout=60) == 130
    while True:
        try:
            more = os.read(terminal, 4096)
        except OSError:  # the other end closed
            break
        if not more:
            break
        written += more
    os.close(terminal)
    shown = [line for line in terminal_lines(written) if line]
    assert said_only_interrupted(shown[-1:]) and shown[-2].startswith("reprocessed "), shown
    [run] = sql_rows(sqlite_url, REPROCESS_RUN)
    assert run[3:5] == ("shutdown", "interrupted by SIGINT: the run stopped before it was done; run it again")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_reprocess_stopped_by_ctrl_c_pressed_again_and_again_says_only_that_it_was(sqlite_url, workers):
    # Ctrl-C, and again as the command winds down (its batch rolled back, its PDF workers shut
    # down, the database closed): the second broke that off with a KeyboardInterrupt's
    # traceback, or SQLAlchemy's "Exception closing connection". The first one stops it; with
    # two workers, while page PDFs are in both and their tasks wait on the loop.
    import signal

    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    running = subprocess.Popen([sys.executable, "-m", "storage.console", "--archive", sqlite_url, "reprocess",
                                "--pdf-workers", workers],
                               cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    for line in running.stderr:
        if line.startswith("reprocessed 20/"):
            break

    def pressed_till_it_ends() -> bool:
        running.send_signal(signal.SIGINT)
        return running.poll() is not None

    wait_for("the reprocess ended under Ctrl-C pressed again and again", pressed_till_it_ends, seconds=30, every=0.002)
    assert running.returncode == 130
    assert said_only_interrupted(running.stderr)


def test_reprocess_interrupted_as_asyncio_makes_a_task_says_only_that_it_was(sqlite_url, capsys, caplog, monkeypatch, recwarn):
    # Ctrl-C or SIGTERM landing inside the first scheduling of a pipeline coroutine's task (the
    # PDF pipeline's process_item is a coroutine for every document): the task is in neither the
    # loop's list nor the caller's hands, and closing the loop printed asyncio's complaints.
    import asyncio
    import gc

    import storage.reprocess

    crawl, _ = crawl_site(sqlite_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]

    class InterruptedLoop(asyncio.SelectorEventLoop):
        steps = 0

        def call_soon(self, callback, *args, context=None):
            handle = super().call_soon(callback, *args, context=context)
            if isinstance(getattr(callback, "__self__", None), asyncio.Task):
                self.steps += 1
                if self.steps == 30:  # the first step of a task being made, a few documents in
                    raise KeyboardInterrupt
            return handle

    monkeypatch.setattr(storage.reprocess.asyncio, "new_event_loop", InterruptedLoop)
    assert archive_cli(sqlite_url, "reprocess") == 130
    gc.collect()
    assert said_only_interrupted(capsys.readouterr().err.splitlines())
    assert "Task was destroyed" not in caplog.text
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_reprocess_interrupted_as_it_hands_asyncio_a_coroutine_says_only_that_it_was(sqlite_url, capsys, monkeypatch, recwarn):
    # Ctrl-C or SIGTERM landing as run_until_complete begins, its coroutine (asyncio.wait's, as the
    # run waits on the page PDFs in the workers) not yet in a task: the traceback's frames kept
    # it, and the interpreter's exit printed "coroutine 'wait' was never awaited" under the
    # command's one line.
    import asyncio
    import gc
    import inspect

    import storage.reprocess

    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    handed = []

    class InterruptedLoop(asyncio.SelectorEventLoop):
        def run_until_complete(self, future):
            if inspect.iscoroutine(future) and future.__qualname__ == "wait":
                handed.append(future.__qualname__)
                raise KeyboardInterrupt
            return super().run_until_complete(future)

    monkeypatch.setattr(storage.reprocess.asyncio, "new_event_loop", InterruptedLoop)
    assert archive_cli(sqlite_url, "reprocess", "--pdf-workers", "2") == 130
    gc.collect()
    assert handed == ["wait"]
    assert said_only_interrupted(capsys.readouterr().err.splitlines())
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_reprocess_interrupted_as_its_loop_is_stopping_says_only_that_it_was(sqlite_url, capsys, monkeypatch, workers):
    # Ctrl-C landing in the loop's step just after the future it ran was done: that
    # run_until_complete's stop stays in the loop's queue, and the winding down's next one
    # stopped on it: "Event loop stopped before Future completed", a traceback, exit status 1.
    import asyncio
    import inspect

    import storage.reprocess

    crawl, _ = crawl_site(sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]

    class InterruptedLoop(asyncio.SelectorEventLoop):
        def run_until_complete(self, future):
            # As the run hands a page PDF to the workers, its task left pending there.
            if inspect.iscoroutine(future) and future.__qualname__ == "sleep":
                super().run_until_complete(future)
                self.call_soon(self.stop)  # the stop of a future done as the signal came
                raise KeyboardInterrupt
            return super().run_until_complete(future)

    monkeypatch.setattr(storage.reprocess.asyncio, "new_event_loop", InterruptedLoop)
    assert archive_cli(sqlite_url, "reprocess", "--pdf-workers", workers) == 130
    assert said_only_interrupted(capsys.readouterr().err.splitlines())
    [run] = sql_rows(sqlite_url, REPROCESS_RUN)
    assert run[3] == "shutdown"


@pytest.mark.parametrize("problem", ["missing", "malformed"])
def test_reprocess_with_a_bad_corrections_file_is_one_line_and_touches_nothing(sqlite_url, tmp_path, monkeypatch, capsys, problem):
    archive = open_archive(sqlite_url)
    archive.store_batch([page()], [article(1), article(2)])
    archive.close()
    rollback_journal_archive(Path(sqlite_url.removeprefix("sqlite:///")))
    files = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    rules = tmp_path / "rules.tsv"
    if problem == "missing":
        message = f"{rules}: no such file"
    else:
        rules.write_text("# mine\n\n沈重\t沉重\n著力\t着力\t着\n", encoding="utf-8")
        message = f"""{rules} line 4: expected "wrong<TAB>right", found 3 columns: '著力\\t着力\\t着'"""
        files["rules.tsv"] = rules.read_bytes()
    monkeypatch.setenv("T2S_CORRECTIONS", str(rules))
    assert archive_cli(sqlite_url, "reprocess") == 2
    assert capsys.readouterr() == ("", f"error: T2S_CORRECTIONS {message}\n")
    # The archive as it was: no rows rewritten, not even switched to WAL.
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == files
    # The installed command too: one line, exit status 2, no traceback.
    done = subprocess.run([sys.executable, "-m", "storage.cli", "--archive", sqlite_url, "reprocess"],
                          cwd=PROJECT, capture_output=True, text=True, env=os.environ | {"T2S_CORRECTIONS": str(rules)})
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: T2S_CORRECTIONS {message}\n")


def test_search_and_a_section_filter_with_a_bad_corrections_file_are_one_line(seeded, tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nosuch.tsv"
    monkeypatch.setenv("T2S_CORRECTIONS", str(missing))
    for command in (["search", "社會工作"], ["export", "--section", "社會工作"]):
        assert archive_cli(seeded, *command) == 2, command
        assert capsys.readouterr() == ("", f"error: T2S_CORRECTIONS {missing}: no such file\n")
    assert archive_cli(seeded, "stats") == 0  # a command that converts nothing does not read the file
    assert "error" not in capsys.readouterr().err


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


def seeded_sqlite_archive(path: Path, journal_mode: str) -> None:
    """A seeded SQLite archive, closed, in ``journal_mode``: "wal" as every crawl leaves one,
    "delete" (the rollback journal) as one copied or made by sqlite3."""
    archive = open_archive(f"sqlite:///{path}")
    fill(archive)
    archive.close()
    conn = sqlite3.connect(path)
    assert conn.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0] == journal_mode
    conn.close()


def rollback_journal_archive(path: Path) -> None:
    seeded_sqlite_archive(path, "delete")


def test_reading_commands_leave_a_sqlite_archive_as_it_is(tmp_path, capsys):
    from storage.reading_room.plugin import open_read_only

    path = tmp_path / "archive.sqlite3"
    rollback_journal_archive(path)
    url = f"sqlite:///{path}"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for reading in (["search", "社工"], ["sql", "SELECT count(*) FROM articles"], ["stats"],
                    ["export", "--format", "csv"], ["export", "--format", "sqlite", "-o", str(tmp_path / "copy.sqlite3")]):
        assert archive_cli(url, *reading) == 0, reading
        assert journal_mode(path) == "delete", reading
    archive = open_read_only(str(path))
    assert search(archive, "社工")
    archive.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.sqlite3", "copy.sqlite3"]
    # An empty file is no archive, and stays an empty file.
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    capsys.readouterr()
    assert archive_cli(f"sqlite:///{empty}", "stats") == 2
    assert capsys.readouterr().err == f"error: archive not found: sqlite:///{empty} has no articles table\n"
    assert empty.stat().st_size == 0
    # The writers still switch it to WAL, which lets readers work while a crawl writes.
    assert archive_cli(url, "reprocess") == 0
    assert journal_mode(path) == "wal"


def test_reading_commands_read_an_archive_in_a_read_only_directory(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    rollback_journal_archive(folder / "archive.sqlite3")
    folder.chmod(0o555)
    try:
        url = f"sqlite:///{folder / 'archive.sqlite3'}"
        for reading in (["sql", "SELECT count(*) FROM articles", "--format", "csv"], ["search", "社工", "--limit", "1"]):
            done = subprocess.run(without_write_permission([sys.executable, "-m", "storage.cli", "--archive", url, *reading]),
                                  cwd=PROJECT, capture_output=True, text=True)
            assert done.returncode == 0 and done.stderr == "", (reading, done.stderr)
            assert done.stdout
        assert os.listdir(folder) == ["archive.sqlite3"]
    finally:
        folder.chmod(0o755)


@pytest.fixture
def shared_folder():
    """A folder other users may enter: a test's tmp_path is its user's alone."""
    base = Path(tempfile.mkdtemp(prefix="archive-shared-"))
    base.chmod(0o755)
    yield base
    for folder, _dirs, _files in os.walk(base):
        os.chmod(folder, 0o755)
    shutil.rmtree(base)


def wal_archive(folder: Path) -> Path:
    """A seeded archive in WAL mode (as every crawl leaves one), closed: no -wal or -shm beside it."""
    folder.mkdir()
    path = folder / "archive.sqlite3"
    seeded_sqlite_archive(path, "wal")
    assert os.listdir(folder) == ["archive.sqlite3"]
    return path


def share_read_only(path: Path, folder_mode: int) -> None:
    """The archive and the files beside it readable and not writable to others; its folder ``folder_mode``."""
    for file in path.parent.iterdir():
        file.chmod(0o444)
    path.parent.chmod(folder_mode)


def as_reader(url: str, *args: str) -> subprocess.CompletedProcess:
    """`archive` run by another user than the archive's owner (tests.conftest.as_another_user)."""
    return subprocess.run(**as_another_user([sys.executable, "-m", "storage.console", "--archive", url, *args]),
                          cwd=PROJECT, capture_output=True, text=True, timeout=60)


ANOTHER_UID = 4242  # no user's: neither root nor nobody

RUN_ROW = {"paper_code": "gongyishibao", "dates_asked": "2023-01-31", "started_at": "2023-02-01 08:00:00", "pages_new": 0,
           "pages_updated": 0, "pages_failed": 0, "articles_new": 0, "articles_updated": 0, "articles_failed": 0,
           "status": "finished", "message": ""}
INSERT_RUN = f"INSERT INTO crawl_runs ({', '.join(RUN_ROW)}) VALUES ({', '.join('?' * len(RUN_ROW))})"
READING = (["stats"], ["search", "社工", "--limit", "1"], ["export", "--format", "csv", "--paper", "gongyishibao"])


@pytest.mark.parametrize("writer", ["running", "stopped"])
def test_reading_commands_read_a_wal_archive_they_may_not_write_beside_its_writers_files(writer, shared_folder):
    """A WAL archive in a folder the reader may not write, with its -wal and -shm there and
    readable only (a crawl has it open, or was killed): SQLite reads them, with its locks, and
    so what the writer committed to the log and not yet to the file."""
    path = wal_archive(shared_folder / "theirs")
    url = f"sqlite:///{path}"
    runs = sql_rows(url, "SELECT count(*) FROM crawl_runs")[0][0]
    held = None
    if writer == "running":
        held = sqlite3.connect(path)
        held.execute(INSERT_RUN, list(RUN_ROW.values()))
        held.commit()
    else:  # killed: its log is left with what it committed
        subprocess.run([sys.executable, "-c", "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                        "c.execute(sys.argv[2], sys.argv[3:]); c.commit(); os._exit(0)",
                        str(path), INSERT_RUN, *map(str, RUN_ROW.values())], check=True)
    try:
        assert os.path.getsize(f"{path}-wal") > 0  # the row is in the log alone
        share_read_only(path, 0o555)
        listed = sorted(os.listdir(path.parent))
        done = as_reader(url, "sql", "SELECT count(*) FROM crawl_runs", "--format", "csv")
        assert (done.returncode, done.stdout, done.stderr) == (0, f"count(*)\n{runs + 1}\n", "")
        done = as_reader(f"sqlite:///file:{path}?mode=ro&uri=true", "sql", "SELECT count(*) FROM crawl_runs", "--format", "csv")
        assert (done.returncode, done.stdout, done.stderr) == (0, f"count(*)\n{runs + 1}\n", "")
        for reading in READING:
            done = as_reader(url, *reading)
            assert done.returncode == 0 and done.stdout and "error" not in done.stderr, (reading, done.stderr)
        # Immutable, SQLite would read the file alone, without the run in the log.
        done = as_reader(f"{url}?immutable=1", "stats")
        assert done.returncode == 2 and done.stderr == (
            f"error: cannot read archive {url}?immutable=1 (given by --archive) as immutable: {path}-wal holds changes "
            "not in the file yet (a writer has it open, or stopped without closing it): leave out immutable=1\n")
        for writing in (["reprocess"], ["upgrade"]):
            done = as_reader(url, *writing)
            assert (done.returncode, done.stderr) == (
                2, f"error: cannot write archive {url} (given by --archive): the file {path} is not writable\n"), writing
        server = subprocess.Popen(**as_another_user([sys.executable, "-m", "storage.console", "--archive", url, "serve",
                                                      "--port", "0"]),
                                  cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            announced = server.stdout.readline()
            assert "http://" in announced, announced + server.stderr.read()
            base = announced[announced.index("http://"):].split()[0].rstrip("/")
            with urllib.request.urlopen(f"{base}/archive.json?sql=select+count(*)+as+n+from+crawl_runs&_shape=array",
                                        timeout=30) as response:
                assert json.load(response) == [{"n": runs + 1}]
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
        assert sorted(os.listdir(path.parent)) == listed
    finally:
        if held is not None:
            held.close()


def test_an_exported_sqlite_copy_reads_in_a_folder_its_readers_may_not_write(seeded, shared_folder):
    """docs/operations.md gives readers `archive export --format sqlite` to share an archive
    read-only for good. The copy was left in WAL mode, as the archive it was made through, and
    every reading command refused it in a folder the reader may not write."""
    folder = shared_folder / "shared"
    folder.mkdir()
    copy = folder / "archive.sqlite3"
    done = archive_command("export", "--format", "sqlite", "--output", str(copy), archive=seeded)
    assert done.returncode == 0, done.stderr
    share_read_only(copy, 0o555)
    for reading in READING:
        done = as_reader(f"sqlite:///{copy}", *reading)
        assert (done.returncode, done.stderr) == (0, ""), (reading, done.stderr)
        assert done.stdout
    assert os.listdir(folder) == ["archive.sqlite3"]


@pytest.mark.parametrize("case", ["folder", "file"])
def test_reading_commands_refuse_a_closed_wal_archive_in_one_line_where_reading_would_write(case, shared_folder):
    """A WAL archive closed (no -wal, no -shm): SQLite reads it only by making them. In a folder
    the reader may not write it cannot (it said "database unreachable: ... attempt to write a
    readonly database"); beside a file the reader may not write it made them and left them,
    the reader's, and the owner's next crawl could write nothing. One line says what to do."""
    path = wal_archive(shared_folder / "theirs")
    folder = path.parent
    articles = sql_rows(f"sqlite:///{path}", "SELECT count(*) FROM articles")[0][0]
    share_read_only(path, 0o555 if case == "folder" else 0o777)
    if case == "file":
        # Another user's: neither the tests' user nor the reader (nobody, or root without its
        # capabilities); a reader's own read-only file leaves files of its own, and is read.
        if os.geteuid() != 0:
            pytest.skip("a file another user owns takes root to make")
        os.chown(path, ANOTHER_UID, -1)
    url = f"sqlite:///{path}"
    if case == "folder":
        reason = (f"it is in WAL mode, and SQLite reads it only by making archive.sqlite3-wal and archive.sqlite3-shm in the "
                  f"folder {folder}, which you may not write: ask its owner for write access to the folder and the file, ")
    else:
        reason = (f"it is in WAL mode and the file {path} is another user's, read-only to you: SQLite would leave "
                  f"archive.sqlite3-wal and archive.sqlite3-shm in {folder}, yours, and its owner's next crawl could not "
                  "write: ask its owner for write access to the file, ")
    for given in (url, f"{url}?mode=ro", f"sqlite:///file:{path}?mode=ro&uri=true"):
        for reading in (*READING, ["sql", "SELECT count(*) FROM articles"], ["serve", "--port", "0"]):
            done = as_reader(given, *reading)
            assert (done.returncode, done.stdout, done.stderr) == (
                2, "", f"error: cannot read archive {given} (given by --archive): {reason}or copy the archive to a folder "
                "of yours\n"), (given, reading)
            assert os.listdir(folder) == ["archive.sqlite3"]
    # Named immutable, it reads the file alone (docs/archive.md: when nothing writes it meanwhile).
    done = as_reader(f"sqlite:///file:{path}?immutable=1&uri=true", "sql", "SELECT count(*) FROM articles", "--format", "csv")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"count(*)\n{articles}\n", "")
    assert os.listdir(folder) == ["archive.sqlite3"]


def test_a_writer_refuses_in_one_line_a_wal_archive_whose_log_another_user_left(shared_folder):
    """-wal and -shm another user's process left beside an archive the writer may write (SQLite
    makes them with the archive file's permissions, its own): SQLite opened them read-only."""
    path = wal_archive(shared_folder / "ours")
    subprocess.run([sys.executable, "-c", "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('SELECT count(*) FROM articles').fetchone(); os._exit(0)", str(path)], check=True)
    share_read_only(path, 0o777)
    path.chmod(0o666)
    url = f"sqlite:///{path}"
    done = as_reader(url, "reprocess")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"error: cannot write archive {url} (given by --archive): the file {path}-wal is not writable "
        "(another user's process made it, or has the archive open)\n")


def _wal_archive_with_its_log(tmp_path) -> Path:
    """A WAL archive with its -wal and -shm beside it, as while a crawl has it open."""
    path = tmp_path / "archive.sqlite3"
    seeded_sqlite_archive(path, "wal")
    for beside in (f"{path}-wal", f"{path}-shm"):
        Path(beside).touch()
    return path


def _read_articles(path: Path, write: bool) -> None:
    """The archive at ``path`` opened (to write, or to read) and its articles read."""
    archive = open_archive(f"sqlite:///{path}", write=write)
    try:
        with archive.session() as session:
            assert session.execute(text("SELECT count(*) FROM articles")).scalar() > 0
    finally:
        archive.close()


def test_a_wal_archive_whose_writer_closes_as_it_is_opened_is_opened(tmp_path, monkeypatch):
    """A crawl's last connection closing removes its -wal and -shm: one gone between the look
    for them and the check of their permissions was taken for another user's, and the archive
    refused as "not writable" (seen in tests/test_sigkill.py, which reads the archive while the
    crawl writes it)."""
    path = _wal_archive_with_its_log(tmp_path)
    real_access = os.access

    def closing_writer(name, mode, *args, **kwargs):
        if str(name).endswith(("-wal", "-shm")) and os.path.exists(name):
            os.remove(name)  # the writer's close, just now
        return real_access(name, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", closing_writer)
    for write in (True, False):
        _read_articles(path, write)


def test_a_wal_archive_whose_log_a_reader_removes_and_makes_again_as_it_is_opened_is_opened(tmp_path, monkeypatch):
    """A reader that opens and closes the archive over and over (tests/test_sigkill.py's, a
    user's watch) removes the -wal and -shm at each close and makes them at each open: gone at
    the permission check and there again at the look after it, they were taken for another
    user's, and the crawl refused at its start (a traceback, exit status 1)."""
    path = _wal_archive_with_its_log(tmp_path)
    real_access = os.access
    checked = []

    def reader_between(name, mode, *args, **kwargs):
        if str(name).endswith(("-wal", "-shm")) and name not in checked:
            checked.append(name)
            os.remove(name)  # the reader's close, just now
            found = real_access(name, mode, *args, **kwargs)
            Path(name).touch()  # and its next open
            return found
        return real_access(name, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", reader_between)
    _read_articles(path, write=True)
    assert len(checked) == 2


def test_postgresql_times_are_read_in_utc_whatever_the_servers_time_zone(postgres_url, tmp_path, capsys):
    """The archive's times are UTC (docs/schema.md). A server or role set to another time zone
    gave them in its own: archive stats printed them shifted, and export --format sqlite wrote
    them shifted into the copy, whose times have no zone to tell."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    archive = open_archive(postgres_url)
    archive.store_batch([page()], [article(1)])
    run = archive.start_run("gongyishibao", "2023-01-31")
    archive.finish_run(run, "finished", {})
    archive.close()
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE \"{make_url(postgres_url).database}\" SET timezone TO 'Asia/Shanghai'")
        conn.exec_driver_sql("SET TIME ZONE 'UTC'")
        started = conn.exec_driver_sql("SELECT started_at FROM crawl_runs").scalar_one()
    admin.dispose()
    assert started.utcoffset() == timedelta(0)

    assert archive_cli(postgres_url, "sql", "SELECT started_at FROM crawl_runs", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[1] == started.isoformat(sep=" ")
    assert archive_cli(postgres_url, "stats") == 0
    assert started.strftime("%Y-%m-%d %H:%M") in capsys.readouterr().out
    copy = tmp_path / "copy.sqlite3"
    assert archive_cli(postgres_url, "export", "--format", "sqlite", "--output", str(copy)) == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT started_at FROM crawl_runs").fetchone()[0] == started.strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.mark.parametrize("encoding", ["SQL_ASCII", "LATIN1"])
def test_a_postgresql_database_not_in_utf8_is_refused_in_one_line(encoding, request, capsys):
    """SQL_ASCII is what initdb makes under the C locale: every command died in the driver with
    a traceback (the crawl too), where one line says what to do."""
    from tests.conftest import postgres_database, run_crawl

    url = postgres_database(request, encoding)
    for command in (["upgrade"], ["sql", "SELECT 1"], ["search", "社工"]):
        assert archive_cli(url, *command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"is in {encoding} encoding" in err and "ENCODING 'UTF8'" in err, err
    done = run_crawl("date=2023-01-31", "base_url=http://127.0.0.1:9/newdzb/", archive=url)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and f"is in {encoding} encoding" in done.stderr, done.stderr


def test_a_reader_role_granted_nothing_on_the_archive_s_tables_is_told_the_grant_it_lacks(postgres_url, request):
    # A researcher's role made after the first crawl: ALTER DEFAULT PRIVILEGES (README's set-up)
    # grants it only the tables made later, and every reading command said "archive error: …:
    # permission denied for table alembic_version", which names no role and no way out.
    crawl_sample(postgres_url)
    role, reader = postgres_role(postgres_url, request, "late_reader", "GRANT USAGE ON SCHEMA public TO {role}")
    grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"
    for command in (["stats"], ["search", "社工"], ["sql", "SELECT count(*) FROM articles"], ["export", "--format", "jsonl"]):
        done = archive_command(*command, archive=reader)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", (
            f"error: role {role} may not read archive {reader}: permission denied for table alembic_version; "
            f"the tables' owner (or a superuser) lets it read them: {grant} (README.md, \"The archive\")\n")), command
    # The grant named is the way out.
    granting = create_engine(postgres_url)
    with granting.begin() as conn:
        conn.exec_driver_sql(grant)
    granting.dispose()
    done = archive_command("sql", "SELECT count(*) FROM articles", "--format", "csv", archive=reader)
    assert (done.returncode, done.stdout.splitlines()[1:]) == (0, [str(len(stored_article_urls(postgres_url)))]), done.stderr


def test_a_reader_role_not_granted_the_tables_a_later_upgrade_made_is_told_the_grant_it_lacks(postgres_url, request):
    # A researcher's role granted the archive's tables as README says, without the default
    # privileges for those later upgrades make: after `archive upgrade`, stats said only
    # "error: database error: permission denied for table absent_issues".
    from alembic import command as alembic_command

    from storage import migrate
    from storage.db import make_engine

    crawl_sample(postgres_url)
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        alembic_command.downgrade(migrate.config(conn), "0012")  # before absent_issues (0013)
    engine.dispose()
    grant = "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"
    role, reader = postgres_role(postgres_url, request, "researcher", "GRANT USAGE ON SCHEMA public TO {role}", grant)
    assert archive_command("upgrade", archive=postgres_url).returncode == 0
    done = archive_command("stats", archive=reader)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", (
        f"error: role {role} may not read archive {reader}: permission denied for table absent_issues; "
        f"the tables' owner (or a superuser) lets it read them: {grant.format(role=role)} (README.md, \"The archive\")\n"))


def test_a_search_path_naming_no_schema_that_exists_is_told_so(postgres_url):
    # README's schema of its own (?options=-csearch_path%3Dpress) before CREATE SCHEMA press, or
    # mistyped: the crawl said "archive error: …: no schema has been selected to create in", and
    # the reading commands "archive not found".
    from tests.conftest import run_crawl

    url = f"{postgres_url}?options=-csearch_path%3Dpres"
    line = (f"error: archive {url} names no schema that exists: its search_path is pres (PostgreSQL keeps the archive's "
            f"tables in the first schema of it that exists): make it, CREATE SCHEMA pres, or correct the search_path\n")
    done = run_crawl("date=2023-01-31", "base_url=http://127.0.0.1:9/newdzb/", archive=url)
    assert (done.returncode, done.stderr) == (2, line)
    for command in (["stats"], ["search", "社工"], ["upgrade"]):
        done = archive_command(*command, archive=url)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", line), command


def test_a_role_that_may_not_use_the_archive_s_schema_is_told_so_not_that_there_is_no_archive(postgres_url, request):
    # An archive in a schema of its own (README: ?options=-csearch_path%3Dpress): PostgreSQL
    # leaves a schema the role has no USAGE on out of its search_path, and a reader granted
    # SELECT on its tables was told "archive not found: … has no articles table".
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA press")
    admin.dispose()
    in_press = f"{postgres_url}?options=-csearch_path%3Dpress"
    crawl_sample(in_press)
    role, reader = postgres_role(postgres_url, request, "press_reader", "GRANT SELECT ON ALL TABLES IN SCHEMA press TO {role}")
    for command in (["stats"], ["search", "社工"]):
        done = archive_command(*command, archive=f"{reader}?options=-csearch_path%3Dpress")
        assert (done.returncode, done.stdout, done.stderr) == (2, "", (
            f"error: role {role} may not use schema press of archive {reader}?options=-csearch_path%3Dpress "
            f"(PostgreSQL leaves it out of the role's search_path): the schema's owner (or a superuser) lets it: "
            f"GRANT USAGE ON SCHEMA press TO {role}\n")), command
