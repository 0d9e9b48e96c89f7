"""A word printed only in a picture's caption (a picture story's place name, a person shown)
found by `archive search` and `archive export --query`: the real `scrapy crawl issues` over
HTTP on 127.0.0.1 into SQLite and PostgreSQL, the caption rewritten on the site and crawled
again (`-a refresh=1`)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import archive_command, database_url, execute_sql, sql_rows
from tests.sites import sample_site
from tests.test_founder_captions_crawl import LOOSE, _alter
from tests.test_site_changes_crawl import crawl, rewrite


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request, tmp_path) -> str:
    return database_url(request, tmp_path)


def found(archive: str, word: str) -> list[str]:
    """The title and snippet lines `archive search` prints for ``word``."""
    done = archive_command("search", word, archive=archive)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def exported_urls(archive: str, word: str) -> list[str]:
    done = archive_command("export", "--format", "jsonl", "--query", word, archive=archive)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["url"] for line in done.stdout.splitlines()]


def test_a_word_only_a_caption_prints_is_found_and_a_rewritten_caption_is_searched_as_rewritten(tmp_path, archive):
    # The article of LOOSE names 乌鲁木齐 only in its picture's caption (图为乌鲁木齐市一处社工站).
    site = sample_site(tmp_path / "site", alter=_alter, pdfs=False)
    crawl(site, archive)
    [(article_id, url, title, body)] = sql_rows(archive, "SELECT id, url, title, body FROM articles WHERE url LIKE :f",
                                                f=f"%/{LOOSE}")
    assert "乌鲁木齐" not in title + body
    hits = found(archive, "乌鲁木齐")
    assert len(hits) == 2 and hits[0].endswith(f"{title}  [#{article_id}]")
    # The snippet of a hit only a caption holds is the caption.
    assert hits[1] == "    图为【乌鲁木齐】市一处社工站"
    assert exported_urls(archive, "乌鲁木齐") == [url]

    # The paper rewrote the caption: found by the new name, no longer by the old.
    rewrite(site, lambda html: html.replace("烏魯木齊市", "克拉瑪依市"))
    crawl(site, archive, "refresh=1")
    assert sql_rows(archive, "SELECT caption FROM images WHERE article_id = :a AND caption <> ''", a=article_id) == [
        ("图为克拉玛依市一处社工站",)]
    assert found(archive, "乌鲁木齐") == [] and exported_urls(archive, "乌鲁木齐") == []
    assert found(archive, "克拉玛依")[1:] == ["    图为【克拉玛依】市一处社工站"]
    assert exported_urls(archive, "克拉玛依") == [url]
    # Nothing left queued: the crawl's writes indexed what they changed.
    assert sql_rows(archive, "SELECT count(*) FROM article_search_pending") == [(0,)]


# Each article the triggers queue for the index, logged: the queue itself is emptied by the
# write that fills it.
QUEUED_LOG = {
    "sqlite": ("CREATE TABLE queued_log (article_id INTEGER)",
               "CREATE TRIGGER queued_log AFTER INSERT ON article_search_pending "
               "BEGIN INSERT INTO queued_log VALUES (new.article_id); END"),
    "postgresql": ("CREATE TABLE queued_log (article_id INTEGER)",
                   "CREATE FUNCTION queued_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "INSERT INTO queued_log VALUES (NEW.article_id); RETURN NULL; END $$",
                   "CREATE TRIGGER queued_log AFTER INSERT ON article_search_pending FOR EACH ROW "
                   "EXECUTE FUNCTION queued_log()"),
}


def test_a_recrawl_of_an_unchanged_issue_indexes_no_article_again_for_its_pictures(tmp_path, archive):
    # The store replaced every picture of each article it wrote, and the triggers on images
    # queued each article with a captioned picture: every re-crawl indexed them again.
    site = sample_site(tmp_path / "site", alter=_alter, pdfs=False)
    crawl(site, archive)
    pictured = sql_rows(archive, "SELECT article_id, id, caption FROM images ORDER BY id")
    assert any(caption for _, _, caption in pictured)
    execute_sql(archive, *QUEUED_LOG[archive.split(":")[0].split("+")[0]])
    crawl(site, archive, "refresh=1")
    assert sql_rows(archive, "SELECT article_id FROM queued_log") == []
    # Left as they were, ids and all.
    assert sql_rows(archive, "SELECT article_id, id, caption FROM images ORDER BY id") == pictured
