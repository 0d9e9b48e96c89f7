"""A crawl whose writes the database refuses: a passing failure (the server restarting, a
deadlock) is tried again and loses nothing; one that lasts is one ERROR line, not a traceback,
and the run ends with status 4 so that the next run fetches what was not stored."""
from __future__ import annotations

import re

from tests.conftest import crawl_runs, crawl_site, execute_sql, postgres_role, sql_rows, stored_article_urls

FAST = {"ARCHIVE_FETCH_PDFS": "False"}
ARTICLES = 20  # in the sample issue


def _prepared_archive(url: str) -> None:
    """The archive's tables, made as a crawl makes them, for a trigger to be put on."""
    from storage.db import open_archive

    open_archive(url).close()


def test_a_batch_whose_connection_the_server_cut_is_written_again(postgres_url):
    # The server ends the writer's connection in the middle of its batch (as a restart does):
    # the batch's transaction is lost, and the pipeline writes it again on a new connection.
    _prepared_archive(postgres_url)
    execute_sql(
        postgres_url,
        "CREATE SEQUENCE cut_once",
        "CREATE FUNCTION cut_the_connection() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF nextval('cut_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NULL; END $$",
        "CREATE TRIGGER cut_the_connection AFTER INSERT ON articles FOR EACH STATEMENT EXECUTE FUNCTION cut_the_connection()",
    )
    result = crawl_site(postgres_url, settings=FAST).done
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert re.search(r"WARNING: archive write failed \(.+\): trying again in 1 s\n", result.stderr), result.stderr[-3000:]
    assert len(stored_article_urls(postgres_url)) == ARTICLES
    (run,) = crawl_runs(postgres_url)
    assert (run.status, run.articles_new, run.articles_failed) == ("finished", ARTICLES, 0)


def test_a_batch_the_database_refuses_is_one_line_and_fails_the_run_until_it_is_stored(postgres_url, tmp_path):
    # An admin's rule (here a trigger; a revoked privilege alike) refuses the articles: the run
    # says so in one line and exits 4, and once the rule is gone the next run stores them all.
    _prepared_archive(postgres_url)
    execute_sql(
        postgres_url,
        "CREATE FUNCTION refuse_articles() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'permission denied for table articles' USING ERRCODE = 'insufficient_privilege'; END $$",
        "CREATE TRIGGER refuse_articles BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse_articles()",
    )
    settings = FAST | {"LOG_FILE": str(tmp_path / "crawl.log")}
    result = crawl_site(postgres_url, settings=settings).done
    assert result.returncode == 4, result.stderr[-3000:]
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
    refused = [line for line in log.splitlines() if "archive write failed" in line]
    assert len(refused) == 1 and "ERROR: archive write failed (permission denied for table articles): " in refused[0]
    assert result.stderr.splitlines()[-1].startswith("error: not fetched: 公益时报 (gongyishibao) 2023-01-31: ")
    assert "not stored in the archive: permission denied for table articles" in result.stderr
    assert stored_article_urls(postgres_url) == set()
    (run,) = crawl_runs(postgres_url)
    assert (run.status, run.articles_new, run.articles_failed) == ("failed", 0, ARTICLES)

    execute_sql(postgres_url, "DROP TRIGGER refuse_articles ON articles")
    again = crawl_site(postgres_url, settings=FAST).done
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(stored_article_urls(postgres_url)) == ARTICLES


def test_a_role_that_may_only_read_is_refused_before_the_crawl_and_reprocess_start(postgres_url, request, capsys):
    # docs/archive.md advises a SELECT-only role for the people who query a shared server; one of
    # them crawling or re-processing with it was told so only after fetching everything (and
    # the crawl exited 0 with nothing stored).
    from storage.cli import main

    crawl_site(postgres_url, settings=FAST)
    reader, as_reader = postgres_role(postgres_url, request, "reader", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    refusal = (f"error: role {reader} may not write to archive {as_reader}: it lacks INSERT on papers and 41 more "
               "(a role that may only read can search, query, count and export it): use the archive's writing role, "
               "or let this one write: the tables' owner (or a superuser) grants all a writer needs at once, "
               f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {reader}; "
               f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {reader} (README.md, "The archive")')

    crawl = crawl_site(as_reader, "refresh=1", settings=FAST)
    assert (crawl.done.returncode, crawl.done.stderr.splitlines(), crawl.requests) == (2, [refusal], [])
    assert main(["--archive", as_reader, "reprocess"]) == 2
    assert capsys.readouterr().err.splitlines() == [refusal]
    # What the role may do, it does.
    assert main(["--archive", as_reader, "search", "社工站"]) == 0
    assert "社工站" in capsys.readouterr().out


def test_a_writing_role_on_tables_another_role_made_is_told_every_grant_it_needs_at_once(postgres_url, request, capsys):
    # The superuser's first crawl made the tables: the writing role was told the read grant
    # alone, and once it was given, refused again, the grants to write not named.
    from storage.cli import main

    assert crawl_site(postgres_url, settings=FAST).done.returncode == 0
    role, as_writer = postgres_role(postgres_url, request, "archivist", "GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    refused = crawl_site(as_writer, "refresh=1", settings=FAST)
    assert (refused.done.returncode, refused.requests) == (2, [])
    (line,) = refused.done.stderr.splitlines()
    assert main(["--archive", as_writer, "reprocess"]) == 2
    assert capsys.readouterr().err.splitlines() == [line]
    grants = re.findall(rf"GRANT [^;]+? TO {role}\b", line)
    assert grants, line
    execute_sql(postgres_url, *grants)
    again = crawl_site(as_writer, "refresh=1", settings=FAST).done
    assert again.returncode == 0, (line, again.stderr[-3000:])
    assert line == (f"error: role {role} may not write to archive {as_writer}: it lacks SELECT on papers and 55 more "
                    "(a role that may only read can search, query, count and export it): use the archive's writing role, "
                    "or let this one write: the tables' owner (or a superuser) grants all a writer needs at once, "
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
                    f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role} (README.md, "The archive")')
    assert main(["--archive", as_writer, "reprocess"]) == 0, capsys.readouterr().err
    ((issue,),) = sql_rows(postgres_url, "SELECT url FROM issues")
    root = re.match(r"http://[^/]+/newdzb/", issue).group()
    moved = main(["--archive", as_writer, "move-root", "gongyishibao", root, "http://x.test/newdzb/"])
    assert moved == 0, capsys.readouterr().err


REFUSE_ABSENT_ISSUES = {
    "sqlite": ("CREATE TRIGGER refuse_absent_issues BEFORE INSERT ON absent_issues "
               "BEGIN SELECT RAISE(ABORT, 'absent_issues refused'); END",),
    "postgresql": (
        "CREATE FUNCTION refuse_absent_issues() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'absent_issues refused' USING ERRCODE = 'insufficient_privilege'; END $$",
        "CREATE TRIGGER refuse_absent_issues BEFORE INSERT ON absent_issues FOR EACH ROW "
        "EXECUTE FUNCTION refuse_absent_issues()",
    ),
}


def test_a_refused_batch_of_dates_without_an_issue_alone_fails_the_run_on_stderr(archive_url, tmp_path):
    # 2023-02-07 has no issue on the sample site (404): its batch holds one absent_issues row
    # and nothing else. Refused, the run logged an ERROR line into LOG_FILE alone and exited 0,
    # so cron mailed nothing of a database that refuses the crawl's writes.
    _prepared_archive(archive_url)
    execute_sql(archive_url, *REFUSE_ABSENT_ISSUES[archive_url.split(":")[0].split("+")[0]])
    settings = FAST | {"LOG_FILE": str(tmp_path / "crawl.log")}
    result = crawl_site(archive_url, date="2023-02-07", settings=settings).done
    assert result.returncode == 4, result.stderr[-3000:]
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
    assert re.search(r"ERROR: archive write failed \(.*absent_issues refused.*\): 0 pages, 0 articles, 0 page PDFs "
                     r"not stored; 1 date without an issue not recorded; run again", log), log[-3000:]
    assert re.fullmatch(
        r"error: not fetched: 公益时报 \(gongyishibao\) 2023-02-07: 1 date \(first: http://127\.0\.0\.1:\d+/newdzb/html/"
        r"2023-02/07/node_1\.htm: not stored in the archive: .*absent_issues refused.*\); run again to fetch them\n",
        result.stderr), result.stderr
    # Not recorded, the date is no date without an issue to the summary: it failed (the summary
    # said "1 without an issue" of it, as of a date stored so).
    (summary,) = [line for line in log.splitlines() if "summary: gongyishibao 2023-02-07" in line]
    assert "issues 0/1 (0 already complete, 1 failed), " in summary, summary
    (run,) = crawl_runs(archive_url)
    assert (run.status, run.dates_without_issue) == ("failed", 0)

    execute_sql(archive_url, "DROP TRIGGER refuse_absent_issues" + (" ON absent_issues" if "postgresql" in archive_url else ""))
    again = crawl_site(archive_url, date="2023-02-07", settings=FAST).done
    assert again.returncode == 0, again.stderr[-3000:]
    (runs,) = sql_rows(archive_url, "SELECT runs FROM absent_issues")
    assert runs == (1,)
