"""The `archive` command on SQLite and PostgreSQL: search, sql, stats, export, reprocess, history."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.papers import get_paper
from storage.cli import main
from storage.db import open_archive
from storage.export import export_rows
from storage.search import search
from tests.conftest import PROJECT, crawl_site
from tests.seeded import DATES, fill
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
        assert snippet == f"    {hit.snippet}" and "【困境儿童】" in snippet



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
])
def test_sql_is_read_only(seeded, statement, capsys):
    before = view_rows(seeded)
    assert archive_cli(seeded, "sql", statement) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: archive sql is read-only:") and err.count("\n") == 1
    assert view_rows(seeded) == before


def test_sql_errors_and_missing_archive_are_one_line(seeded, tmp_path, capsys):
    assert archive_cli(seeded, "sql", "SELECT nosuchcolumn FROM articles") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SQL error:") and err.count("\n") == 1
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    assert archive_cli(missing, "search", "社工") == 2
    assert capsys.readouterr().err == f"error: archive not found: {missing}: no such file\n"
    assert not (tmp_path / "none.sqlite3").exists()
    archive = open_archive(missing)
    with archive.engine.begin() as conn:  # a database without the archive's tables
        conn.execute(text("DROP TABLE articles"))
        conn.execute(text("DROP TABLE alembic_version"))
    archive.close()
    assert archive_cli(missing, "search", "社工") == 2
    assert capsys.readouterr().err == f"error: archive not found: {missing} has no articles table\n"
    assert archive_cli("postgresql+psycopg://nobody@127.0.0.1:1/none", "stats") == 2
    assert capsys.readouterr().err.startswith("error: database unreachable:")


def test_stats_counts_per_year_gaps_against_the_schedule_and_crawl_runs(seeded, capsys):
    archive = open_archive(seeded)
    with archive.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO crawl_runs (paper_code, dates_asked, started_at, pages_new, pages_updated, pages_failed, "
            "articles_new, articles_updated, articles_failed, status, message) "
            "VALUES ('gongyishibao', '2023-01-31', '2023-02-01 08:00:00+00:00', 16, 0, 1, 20, 0, 2, 'finished', '')"
        ))
    archive.close()
    assert archive_cli(seeded, "stats") == 0
    out = capsys.readouterr().out
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
    assert "finished" in out and "16/0/1" in out and "20/0/2" in out
    # A span given: only its scheduled days.
    assert archive_cli(seeded, "stats", "--since", "2023-01-01", "--until", "2023-01-31") == 0
    assert "from 2023-01-01 to 2023-01-31: 3 of 5 scheduled" in capsys.readouterr().out


def missing_issues(out: str) -> tuple[list[str], list[str]]:
    """The "Missing issues" headings of archive stats, and the dates listed under them."""
    return ([line for line in out.splitlines() if line.startswith("Missing issues")],
            [line.split()[0] for line in out.splitlines() if line.startswith("  ")])


def test_stats_lists_every_scheduled_issue_of_a_span_without_archived_ones(seeded, capsys):
    schedule = get_paper("gongyishibao").schedule
    every = "Missing issues of gongyishibao (every Tue)"
    for filters in ([], ["--paper", "gongyishibao"]):
        assert archive_cli(seeded, "stats", *filters, "--since", "2022-03-01", "--until", "2022-06-30") == 0
        out = capsys.readouterr().out
        assert "(0 rows)" in out.split("Recent crawl runs")[0]  # no issue archived in the span
        expected = [d.isoformat() for d in schedule.dates(date(2022, 3, 1), date(2022, 6, 30))]
        assert missing_issues(out) == ([f"{every} from 2022-03-01 to 2022-06-30: {len(expected)} of {len(expected)} scheduled"],
                                       expected)
    # --since after the last archived issue (2024-03-05): every issue since, to today.
    assert archive_cli(seeded, "stats", "--since", "2024-06-01") == 0
    expected = [d.isoformat() for d in schedule.dates(date(2024, 6, 1), date.today())]
    assert missing_issues(capsys.readouterr().out) == (
        [f"{every} from 2024-06-01 to {date.today()}: {len(expected)} of {len(expected)} scheduled"], expected)
    # --until before the first archived issue: no start to count from.
    assert archive_cli(seeded, "stats", "--until", "2022-06-30") == 0
    assert missing_issues(capsys.readouterr().out) == ([], [])
    # A paper unknown to the archive and to crawler/papers: nothing, as search and export find nothing.
    assert archive_cli(seeded, "stats", "--paper", "nosuchpaper", "--since", "2022-03-01", "--until", "2022-06-30") == 0
    assert missing_issues(capsys.readouterr().out) == ([], [])


def test_stats_lists_the_schedule_of_a_profiled_paper_the_archive_does_not_hold_yet(archive_url, capsys):
    open_archive(archive_url).close()
    assert archive_cli(archive_url, "stats", "--paper", "gongyishibao", "--since", "2023-01-01", "--until", "2023-01-31") == 0
    assert missing_issues(capsys.readouterr().out) == (
        ["Missing issues of gongyishibao (every Tue) from 2023-01-01 to 2023-01-31: 5 of 5 scheduled"],
        ["2023-01-03", "2023-01-10", "2023-01-17", "2023-01-24", "2023-01-31"],
    )
    assert archive_cli(archive_url, "stats", "--since", "2023-01-01", "--until", "2023-01-31") == 0  # no paper yet
    assert missing_issues(capsys.readouterr().out) == ([], [])


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


def test_reprocess_reruns_the_pipelines_over_raw_pages_without_network(archive_url, capsys):
    crawl, _ = crawl_site(archive_url, settings={"ARCHIVE_FETCH_PDFS": "False"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    crawled = view_rows(archive_url, "article_id, title, body, section")
    assert len(crawled) == 20
    archive = open_archive(archive_url)
    with archive.engine.begin() as conn:  # what an older, worse pipeline might have stored
        conn.execute(text("UPDATE articles SET body = '旧的处理结果' WHERE id = :id"), {"id": crawled[0][0]})
        conn.execute(text("UPDATE pages SET section = '旧版名'"))
    archive.close()
    assert archive_cli(archive_url, "reprocess") == 0
    err = capsys.readouterr().err
    assert "36 documents reprocessed, 0 failed" in err and "reprocessed 36/36" in err
    assert view_rows(archive_url, "article_id, title, body, section") == crawled
    archive = open_archive(archive_url)
    with archive.engine.connect() as conn:
        assert conn.scalars(text("SELECT body FROM article_versions")).all() == ["旧的处理结果"]
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
        "error: http://x/html/2023-01/31/content_1.htm: Error -3 while decompressing data: incorrect header check"
    ]
    assert err[-1] == "1 documents reprocessed, 1 failed"


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


def rollback_journal_archive(path: Path) -> None:
    """A seeded SQLite archive in the rollback journal mode (as one copied or made by sqlite3)."""
    archive = open_archive(f"sqlite:///{path}")
    fill(archive)
    archive.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    conn.close()


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


def without_write_permission(command: list[str]) -> list[str]:
    """``command`` run so that file permissions apply: root's capabilities to override them dropped."""
    if os.geteuid() != 0:
        return command
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
    if not shutil.which("setpriv") or subprocess.run([*drop, "true"], capture_output=True).returncode:
        pytest.skip("running as root, and setpriv cannot drop the capabilities that override file permissions")
    return [*drop, *command]


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
