"""Every SQL block of docs/queries.md (and of README.md and docs/cleaning.md), run with `archive sql`
on the database it is written for, gives the same answer on SQLite and PostgreSQL holding the same articles, and the answer its text
promises; docs/schema.md names every column of the tables it describes one by one, and its delete of an
issue, run in a `sqlite3` shell's session or on PostgreSQL, leaves nothing of the issue behind; the index
queries written inline in docs/schema.md and docs/queries.md find the articles holding their bigrams, and
docs/operations.md's query of the crawl history answers as docs/queries.md's."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from storage.cli import main
from storage.db import open_archive
from storage.models import CrawlRun, utcnow
from tests.seeded import fill
from tests.test_storage import article, page

QUERIES = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
SCHEMA = QUERIES.with_name("schema.md")
BLOCK = re.compile(r"^## ([^\n]+)$|(?:\*(SQLite|PostgreSQL)\*\n)?```sql\n(.*?)```", re.S | re.M)
# Times differ between two archives written moments apart, and each database prints its own form
# of a time (see docs/schema.md): their order is what the queries answer alike.
TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00)?")


# The other pages' SQL, written for both databases.
ELSEWHERE = (QUERIES.parents[1] / "README.md", QUERIES.with_name("cleaning.md"))


def blocks(dialect: str) -> list[str]:
    return [variants[dialect] for _, variants in questions() if dialect in variants]


def questions() -> list[tuple[str, dict[str, str]]]:
    """Each question of the page (its heading) with its SQL for each database: a block for both,
    or a *SQLite* block and the *PostgreSQL* block after it."""
    found: list[tuple[str, dict[str, str]]] = []
    heading = ""
    for title, only, sql in BLOCK.findall(QUERIES.read_text(encoding="utf-8")):
        if title:
            heading = title.strip()
        elif only == "PostgreSQL" and found and set(found[-1][1]) == {"sqlite"}:
            found[-1][1]["postgresql"] = sql
        else:
            found.append((heading, {only.lower(): sql} if only else {"sqlite": sql, "postgresql": sql}))
    return found


def test_the_docs_have_queries_for_each_database():
    pairs = questions()
    assert len(pairs) > 12 and all(set(variants) == {"sqlite", "postgresql"} for _, variants in pairs), pairs


def test_the_schema_page_names_every_column_of_the_tables_it_describes(sqlite_url, postgres_url):
    """Each table of a section of its own, and each of the table of records kept beside the text
    (`article_versions`, `removals`, `raw_documents`, `crawl_runs`), whose row named some of its
    columns in words only (crawl_runs' "start/finish"), and not `article_id`."""
    from sqlalchemy import inspect

    text = SCHEMA.read_text(encoding="utf-8")
    sections = re.findall(r"^### (\w+)\n(.*?)(?=^##)", text, re.S | re.M)
    (records,) = re.findall(r"^## Records kept beside the text\n(.*?)(?=^##)", text, re.S | re.M)
    sections += re.findall(r"^\| `(\w+)` \|(.*)$", records, re.M)
    for url in (sqlite_url, postgres_url):
        archive = open_archive(url)
        try:
            tables = set(inspect(archive.engine).get_table_names())
            described = {name: set(re.findall(r"`(\w+)`", text)) for name, text in sections if name in tables}
            assert {"papers", "issues", "pages", "articles", "page_articles", "images", "dead_links", "absent_issues",
                    "article_versions", "removals", "raw_documents", "crawl_runs"} <= set(described)
            unnamed = {name: sorted({c["name"] for c in inspect(archive.engine).get_columns(name)} - {"id"} - named)
                       for name, named in described.items()}
        finally:
            archive.close()
        assert unnamed == {name: [] for name in described}, url


def store(url: str) -> None:
    archive = open_archive(url)
    stored = fill(archive)
    archive.store_batch([], [stored[0] | {"byline": "本报记者 皮磊", "body": "更正后的正文"}])
    archive.store_batch([], [stored[0] | {"byline": "本报记者 皮磊", "body": "更正后的正文", "images": [{"url": "http://x/2.jpg", "caption": "更正的说明"}]}])
    # Page 9 links five articles, two stored: its own and, as a teaser, page 1's.
    archive.store_batch([page(9, articles_expected=5, article_urls=[article(999)["url"], article(0)["url"], "http://x/gone.htm"]),
                         page(1, issue_date=stored[0]["issue_date"], section="要闻", article_urls=[article(0)["url"]])],
                        [article(999, number=9, byline="本报记者 皮磊")])
    # The site answers 404 for page 9's third link, and for a page of the same issue: given up on
    # (dead_links).
    archive.store_batch(dead=[{k: article(999)[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url")}
                              | {"kind": kind, "url": url, "status": 404, "reason": "not_found", "gone": True}
                              for kind, url in (("article", "http://x/gone.htm"), ("page", "http://x/html/2023-01/31/node_99.htm"))])
    # Two issues of two pages: of 2023-02-28 the site lost page 2 (given up on: counted as
    # archived, as the crawler counts it), of 2023-03-07 page 2 is not archived.
    for day in ("2023-02-28", "2023-03-07"):
        root = f"http://x/html/{day[:7]}/{day[8:]}/"
        archive.store_batch([page(1, issue_date=day, issue_url=root + "node_1.htm", url=root + "node_1.htm", pages_expected=2)], [])
    archive.store_batch(dead=[{"paper_code": "gongyishibao", "paper_name": "公益时报", "issue_date": "2023-02-28",
                               "issue_url": "http://x/html/2023-02/28/node_1.htm", "kind": "page",
                               "url": "http://x/html/2023-02/28/node_2.htm", "status": 404, "reason": "not_found", "gone": True}])
    # Page 9's PDF is a scan, and the site has none for page 1 of the first article's issue.
    context = ("paper_code", "paper_name", "issue_date", "issue_url", "page_number")
    first = page(1, issue_date=stored[0]["issue_date"])
    pdfs = [{k: article(999, number=9)[k] for k in (*context, "page_url")} | {"url": "http://x/9.pdf", "text": "", "text_status": "no_text"},
            {k: first[k] for k in context} | {"page_url": first["url"], "url": "http://x/1.pdf", "text": "", "gone": True}]
    archive.store_batch(pdfs=pdfs)
    # The site has no issue of 2023-01-10: taken for a date without one. Nor of 2023-01-17: said once.
    none = {"paper_code": "gongyishibao", "paper_name": "公益时报", "status": 404, "reason": "not_found"}
    archive.store_batch(absent=[none | {"issue_date": "2023-01-10", "url": "http://x/10.htm", "confirmed": True},
                                none | {"issue_date": "2023-01-17", "url": "http://x/17.htm"}])
    # Six runs: one that ended, one killed an hour ago after it stored an article (a run before
    # revision 0016: its heartbeat not known, the default), one crawling, one crawling with a
    # ten-minute heartbeat, last seen twenty minutes ago: alive, two of them missed; and two with
    # a one-second heartbeat: one last seen thirty seconds ago, its heartbeat held up (alive: the
    # rule waits five minutes at least), one killed ten minutes ago.
    finished, killed, crawling = (archive.start_run("gongyishibao", day) for day in ("2023-01-10", "2023-01-17", "2023-01-24"))
    slow = archive.start_run("gongyishibao", "2023-01-31", heartbeat_seconds=600)
    held, short_killed = (archive.start_run("gongyishibao", day, heartbeat_seconds=1) for day in ("2023-02-07", "2023-02-14"))
    archive.finish_run(finished, "finished", {})
    # And an `archive reprocess` of one section, which changed an article.
    reprocessed = archive.start_run("*", "2023-01-01.. section=社会", kind="reprocess")
    archive.finish_run(reprocessed, "finished", {"articles_failed": 1})
    archive.store_batch([], [article(998, number=9)], run=killed)
    archive.heartbeat(crawling, {})
    with archive.engine.begin() as conn:
        # What its batches stored, as they add it to the row (store_batch).
        conn.execute(update(CrawlRun).where(CrawlRun.id == finished).values(dates_without_issue=1))
        conn.execute(update(CrawlRun).where(CrawlRun.id == reprocessed).values(articles_updated=3, articles_changed=1))
        for run, ago in ((killed, timedelta(hours=1)), (slow, timedelta(minutes=20)), (held, timedelta(seconds=30)),
                         (short_killed, timedelta(minutes=10))):
            conn.execute(update(CrawlRun).where(CrawlRun.id == run).values(seen_at=utcnow() - ago))
    archive.close()


def answer(url: str, sql: str, capsys) -> list[list[str]]:
    assert main(["--archive", url, "sql", sql, "--format", "csv"]) == 0, capsys.readouterr().err
    return [[TIME.sub("<time>", cell) for cell in row] for row in csv.reader(io.StringIO(capsys.readouterr().out))]


def test_documented_queries_answer_alike_on_both_databases(sqlite_url, postgres_url, capsys):
    urls = {"sqlite": sqlite_url, "postgresql": postgres_url}
    for url in urls.values():
        store(url)
    answers = {}
    for n, (heading, variants) in enumerate(questions()):
        got = {dialect: answer(url, variants[dialect], capsys) for dialect, url in urls.items()}
        assert got["sqlite"] == got["postgresql"], f"{heading}:\n{variants['sqlite']}"
        answers.setdefault(heading, []).append(got["sqlite"][1:])
    # What the text of each says it finds, in the stored articles.
    one_section = answers["Articles of one section over a year"][0]
    assert one_section and all(row[0].startswith("2023-") for row in one_section)
    assert [row[0] for row in answers["All pages of one issue, in order"][0]] == ["1", "2", "3", "4", "9"]
    without_text, by_status = answers["Page PDFs without their text, and why"]
    assert [row[1:3] for row in without_text] == [["1", "no_pdf"], ["9", "no_text"]]
    assert by_status == [["no_pdf", "1"], ["no_text", "1"]]
    assert answers["Who wrote what"][0][0][:2] == ["本报记者 皮磊", "2"]
    indexed, like = answers["Text search"]
    assert indexed and len(like) == 20 and [row[0] for row in like] == sorted((row[0] for row in like), reverse=True)
    # The index finds what reading every article finds.
    assert indexed == answer(sqlite_url, "SELECT issue_date, page_number, title FROM article_view WHERE title LIKE '%社会工作%'"
                             " OR subtitle LIKE '%社会工作%' OR body LIKE '%社会工作%' ORDER BY article_id DESC LIMIT 20", capsys)[1:]
    assert [row[0] for row in answers["Issues missing from the archive"][0]][:3] == ["2023-01-17", "2023-01-24", "2023-02-07"]
    assert [(row[1], row[3], row[4], bool(row[6])) for row in answers["Dates without an issue"][0]] == [
        ("2023-01-10", "not_found", "1", True), ("2023-01-17", "not_found", "1", False)]
    issues, pages = answers["Issues and pages not archived completely"]
    # No page list stored, but for 2023-03-07, a page short (2023-02-28's lost page is gone).
    assert [row[1] for row in issues] == ["2023-01-03", "2023-01-31", "2023-03-07", "2024-03-05"]
    assert issues[2][2:] == ["2", "1", "0"]
    assert pages == [["http://x/html/2023-01/31/node_11.htm", "5", "2", "1"]]  # 2 stored and 1 gone of 5
    first_page_gone, gone, page_gone = answers["Dead links: pages and articles the site does not serve"][0]
    assert (gone[2], gone[3], gone[4], gone[5], gone[9]) == ("article", "9", "http://x/gone.htm", "404", "not_found") and gone[8]
    assert [row[1:5] for row in (first_page_gone, page_gone)] == [
        ["2023-01-31", "page", "", "http://x/html/2023-01/31/node_99.htm"], ["2023-02-28", "page", "", "http://x/html/2023-02/28/node_2.htm"]]
    assert answers["Articles that more than one page links"][0] == [[fill_title(), "1,9"]]
    versions, history, pictures, each_picture = answers["Corrections: every text an article has had"]
    assert [row[1] for row in versions] == ["2"] and [row[1] for row in history] == ["0", "0", "1"]
    assert len(pictures) == 1 and "更正的说明" in pictures[0][3]
    assert [row[5] for row in each_picture] == ["说明", "说明", "更正的说明"]
    assert answers["What the cleaner took out"][0][0][0] == "spam:labelled-link-farm"
    assert answers["Articles published in Traditional script"][0] == answer(
        sqlite_url, "SELECT original_script, COUNT(*) FROM articles GROUP BY 1 ORDER BY 1", capsys)[1:]
    runs, reprocesses = answers["The crawl history, killed runs told apart"]
    assert [[row[2], row[3], row[6], row[8], row[10], row[11]] for row in runs] == [
        ["reprocess", "2023-01-01.. section=社会", "finished", "0", "0", ""],
        ["crawl", "2023-02-14", "killed", "0", "0", "1.0"], ["crawl", "2023-02-07", "running", "0", "0", "1.0"],
        ["crawl", "2023-01-31", "running", "0", "0", "600.0"], ["crawl", "2023-01-24", "running", "0", "0", ""],
        ["crawl", "2023-01-17", "killed", "1", "0", ""], ["crawl", "2023-01-10", "finished", "0", "1", ""]]
    assert [[row[1], row[2], row[5], *row[6:]] for row in reprocesses] == [
        ["*", "2023-01-01.. section=社会", "finished", "0", "3", "1", "1"]]
    elsewhere = {}
    for path in ELSEWHERE:
        for sql in re.findall(r"^```sql\n(.*?)```", path.read_text(encoding="utf-8"), re.S | re.M):
            got = {dialect: answer(url, sql, capsys) for dialect, url in urls.items()}
            assert got["sqlite"] == got["postgresql"], f"{path.name}:\n{sql}"
            elsewhere.setdefault(path.name, []).append(got["sqlite"])
    (section,) = elsewhere["README.md"]
    assert section[0] == ["issue_date", "page_number", "section", "title", "byline"]
    assert section[1:] and {row[2] for row in section[1:]} == {"社会工作"}
    link_farm, fallback = elsewhere["cleaning.md"]
    assert link_farm[1:] and {(row[0][:28], row[1]) for row in link_farm[1:]} == {("http://x/html/2023-01/31/con", "spam:labelled-link-farm")}
    assert fallback[0] == ["url", "title"] and len(fallback) > 1


def fill_title() -> str:
    from tests.seeded import seed_items

    return seed_items()[1][0]["title"]


def schema_block(dialect_note: str) -> str:
    """The SQL block of docs/schema.md marked ``*dialect_note*``."""
    found = re.findall(rf"^\*{dialect_note}\*\n```sql\n(.*?)```", SCHEMA.read_text(encoding="utf-8"), re.S | re.M)
    assert len(found) == 1, f"docs/schema.md has {len(found)} *{dialect_note}* SQL blocks"
    return found[0]


LEFT_OF_AN_ISSUE = {
    # What hangs from the sample issue, by table: nothing of it may be left once it is deleted.
    "pages": "SELECT COUNT(*) FROM pages",
    "articles": "SELECT COUNT(*) FROM articles",
    "images": "SELECT COUNT(*) FROM images",
    "page_articles": "SELECT COUNT(*) FROM page_articles",
    "removals": "SELECT COUNT(*) FROM removals",
}


def left(url: str) -> dict[str, int]:
    from tests.conftest import sql_rows

    return {table: sql_rows(url, sql)[0][0] for table, sql in LEFT_OF_AN_ISSUE.items()}


def test_the_schema_pages_delete_of_an_issue_leaves_none_of_it_behind(sqlite_url, postgres_url, tmp_path):
    """docs/schema.md's statement deletes an issue and all that hangs from it, run as a user runs
    it: in a session of its own (the `sqlite3` shell's, where SQLite leaves foreign keys off
    unless told), and on PostgreSQL."""
    import shutil
    import sqlite3

    from tests.conftest import crawl_site

    sqlite_block = schema_block("SQLite")
    for url in (sqlite_url, postgres_url):
        done = crawl_site(url).done
        assert done.returncode == 0, done.stderr
        stored = left(url)
        assert stored["pages"] == 16 and stored["articles"] == 20 and stored["images"] and stored["removals"], stored

    path = sqlite_url.removeprefix("sqlite:///")
    # Without the pragma the block begins with, the shell's DELETE leaves the issue's rows behind.
    bare = tmp_path / "bare.sqlite3"
    shutil.copy(path, bare)
    shell = sqlite3.connect(bare)
    shell.executescript("\n".join(line for line in sqlite_block.splitlines() if not line.startswith("PRAGMA")))
    shell.close()
    assert left(f"sqlite:///{bare}")["articles"] == 20

    shell = sqlite3.connect(path)
    shell.executescript(sqlite_block)
    shell.close()
    assert left(sqlite_url) == dict.fromkeys(LEFT_OF_AN_ISSUE, 0)
    # "On PostgreSQL the DELETE alone does it."
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("\n".join(line for line in sqlite_block.splitlines() if not line.startswith("PRAGMA"))))
    engine.dispose()
    assert left(postgres_url) == dict.fromkeys(LEFT_OF_AN_ISSUE, 0)
    # A crawl of the date fetches the issue anew.
    done = crawl_site(sqlite_url).done
    assert done.returncode == 0, done.stderr
    assert left(sqlite_url) == stored


# The index queries written inline, as fragments of a WHERE: docs/schema.md's and the two-character
# word of docs/queries.md's "Text search".
SQLITE_MATCH = re.compile(r"`(?:article_search )?(MATCH '[^'`]*')`")
POSTGRES_TSQUERY = re.compile(r"`(?:terms @@ )?(CAST\('[^'`]*' AS tsquery\))`")


def bigrams_and_blocks(fragment: str) -> tuple[set[str], set[int] | None]:
    """What a fragment asks: the bigrams every article must hold, and the id blocks (id244) it is
    narrowed to, if any."""
    blocks = {int(n) for n in re.findall(r"\bid(\d+)\b", fragment)}
    return set(re.findall(r"[^\x00-\x7f]{2}", fragment)), blocks or None


def test_the_inline_index_queries_find_the_articles_holding_their_bigrams(sqlite_url, postgres_url, capsys):
    fragments = {
        "sqlite": [m for page in (SCHEMA, QUERIES) for m in SQLITE_MATCH.findall(page.read_text(encoding="utf-8"))],
        "postgresql": [m for page in (SCHEMA, QUERIES) for m in POSTGRES_TSQUERY.findall(page.read_text(encoding="utf-8"))],
    }
    # schema.md's two and queries.md's two-character word, for each database.
    assert len(fragments["sqlite"]) == 2 and len(fragments["postgresql"]) == 3, fragments
    for dialect, url in {"sqlite": sqlite_url, "postgresql": postgres_url}.items():
        store(url)
        texts = answer(url, "SELECT id, title, subtitle, body FROM articles ORDER BY id", capsys)[1:]
        for fragment in fragments[dialect]:
            where = f"article_search {fragment}" if dialect == "sqlite" else f"terms @@ {fragment}"
            key = "rowid" if dialect == "sqlite" else "article_id"
            got = {int(row[0]) for row in answer(url, f"SELECT {key} FROM article_search WHERE {where}", capsys)[1:]}
            wanted, blocks = bigrams_and_blocks(fragment)
            holding = {int(row[0]) for row in texts
                       if all(any(bigram in field.lower() for field in row[1:]) for bigram in wanted)}
            assert holding, f"no stored article holds {wanted}: the check would be empty"
            if blocks is not None:
                holding = {n for n in holding if n >> 12 in blocks}
            assert got == holding, f"{dialect}: {where}"


def test_the_operations_pages_crawl_history_query_is_the_queries_pages(sqlite_url, capsys):
    """docs/operations.md's query of the crawl history (SQLite) answers as docs/queries.md's does."""
    (elsewhere,) = re.findall(r"^```sql\n(.*?)```", QUERIES.with_name("operations.md").read_text(encoding="utf-8"), re.S | re.M)
    (documented,) = [variants["sqlite"] for heading, variants in questions()
                     if heading.startswith("The crawl history") and "killed" in variants["sqlite"]]
    store(sqlite_url)
    got = answer(sqlite_url, elsewhere, capsys)
    assert got == answer(sqlite_url, documented, capsys) and "killed" in {row[6] for row in got}


def test_the_schema_page_names_every_column_of_its_views(sqlite_url, postgres_url):
    from sqlalchemy import inspect

    text = SCHEMA.read_text(encoding="utf-8")
    for url in (sqlite_url, postgres_url):
        archive = open_archive(url)
        try:
            for view in ("article_view", "article_history"):
                (described,) = re.findall(rf"^### {view}\n(.*?)(?=^##)", text, re.S | re.M)
                columns = {c["name"] for c in inspect(archive.engine).get_columns(view)}
                assert columns and columns - set(re.findall(r"`(\w+)`", described)) == set(), view
        finally:
            archive.close()


def client_answer(url: str, sql: str) -> tuple[list[str], int]:
    """The columns and row count ``sql`` answers in a plain SQL client of the archive's database
    (Python's sqlite3, as the `sqlite3` shell runs it; psycopg, as psql), not through `archive sql`."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
    try:
        cursor = conn.execute(sql)
        return [column[0] for column in cursor.description], len(cursor.fetchall())
    finally:
        conn.close()


def test_documented_queries_answer_a_crawled_archive_alike_in_archive_sql_and_sql_clients(sqlite_url, postgres_url, capsys):
    """Each block of docs/queries.md, README.md and docs/cleaning.md on the sample issue as a crawl
    stores it (the demo's archive), on both databases: `archive sql` and a plain client answer the
    same columns and rows, SQLite as PostgreSQL, and the questions README's demo prompts answer
    what the issue holds."""
    from tests.conftest import crawl_site

    urls = {"sqlite": sqlite_url, "postgresql": postgres_url}
    for url in urls.values():
        done = crawl_site(url).done
        assert done.returncode == 0, done.stderr
    asked = [(heading, variants) for heading, variants in questions()]
    for path in ELSEWHERE:
        asked += [(path.name, {"sqlite": sql, "postgresql": sql})
                  for sql in re.findall(r"^```sql\n(.*?)```", path.read_text(encoding="utf-8"), re.S | re.M)]
    # The one-line `archive sql "…"` of README.md's and docs/archive.md's commands at a glance.
    asked += [(path.name + " command", {"sqlite": sql, "postgresql": sql}) for path in (ELSEWHERE[0], QUERIES.with_name("archive.md"))
              for sql in re.findall(r'^archive sql "([^"]+)"', path.read_text(encoding="utf-8"), re.M)]
    answers: dict[str, list[list[list[str]]]] = {}
    for heading, variants in asked:
        got = {}
        for dialect, url in urls.items():
            rows = answer(url, variants[dialect], capsys)
            assert client_answer(url, variants[dialect]) == (rows[0], len(rows) - 1), f"{heading} ({dialect})"
            got[dialect] = rows
        # Article ids, and so "newest archived first", follow each crawl's order of storing.
        assert [len(rows) for rows in got.values()] == [len(got["sqlite"])] * 2, heading
        answers.setdefault(heading, []).append(got["sqlite"])
    one_section = answers["Articles of one section over a year"][0]
    assert [row[:2] for row in one_section[1:]] == [["2023-01-31", "7"]] * 2
    assert [row[0] for row in answers["All pages of one issue, in order"][0][1:]] == [str(n) for n in range(1, 17)]
    missing = [row[0] for row in answers["Issues missing from the archive"][0][1:]]
    assert len(missing) == 51 and "2023-01-31" not in missing
    assert answers["What the cleaner took out"][0][1:] == [["spam:labelled-link-farm", "1", "1"]]
    (section,) = answers["README.md"]
    assert section[0] == ["issue_date", "page_number", "section", "title", "byline"]
    assert [row[:3] for row in section[1:]] == [["2023-01-31", "7", "社会工作"]] * 2
    (per_section,) = answers["README.md command"]
    assert sum(int(count) for _, count in per_section[1:]) == 20 and len(per_section) == 7
    (of_2023,) = answers["archive.md command"]
    assert of_2023[0] == ["issue_date", "title"] and [row[0] for row in of_2023[1:]] == ["2023-01-31"] * 20


def test_times_print_as_the_schema_page_says_on_each_database(sqlite_url, postgres_url, capsys):
    """docs/schema.md's forms of a time, `archive sql`'s of PostgreSQL's and SQLite's text, are
    those `archive sql` prints (it wrote PostgreSQL's with a T, which it prints with a space)."""
    (intro,) = re.findall(r"\A.*?^## ", SCHEMA.read_text(encoding="utf-8"), re.S | re.M)
    (postgres_form,) = re.findall(r"`archive sql` prints `([^`]+)`", intro)
    (sqlite_form,) = re.findall(r"and text `([^`]+)` on SQLite", intro)
    for url, form in ((sqlite_url, sqlite_form), (postgres_url, postgres_form)):
        store(url)
        assert main(["--archive", url, "sql", "SELECT first_seen FROM issues ORDER BY id LIMIT 1", "--format", "csv"]) == 0
        printed = capsys.readouterr().out.splitlines()[1]
        assert re.fullmatch(re.sub(r"\d", r"\\d", re.escape(form)), printed), (form, printed)
