"""Every SQL block of docs/queries.md runs on the database it is written for, with answers."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from storage.db import open_archive
from tests.seeded import fill
from tests.test_storage import article, page

QUERIES = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
BLOCK = re.compile(r"(?:\*(SQLite|PostgreSQL)\*\n)?```sql\n(.*?)```", re.S)


def blocks(dialect: str) -> list[str]:
    found = BLOCK.findall(QUERIES.read_text(encoding="utf-8"))
    return [sql for only, sql in found if not only or only.lower() == dialect]


def test_the_docs_have_queries_for_each_database():
    assert len(blocks("sqlite")) > len(blocks("postgresql")) - 1 > 8


def test_documented_queries_run_and_answer(archive_url):
    archive = open_archive(archive_url)
    stored = fill(archive)
    archive.store_batch([], [stored[0] | {"byline": "本报记者 皮磊", "body": "更正后的正文"}])
    archive.store_batch([], [stored[0] | {"byline": "本报记者 皮磊", "body": "更正后的正文", "images": [{"url": "http://x/2.jpg", "caption": "更正的说明"}]}])
    # Page 9 links five articles, two stored: its own and, as a teaser, page 1's.
    archive.store_batch([page(9, articles_expected=5, article_urls=[article(999)["url"], article(0)["url"], "http://x/gone.htm"]),
                         page(1, issue_date=stored[0]["issue_date"], section="要闻", article_urls=[article(0)["url"]])],
                        [article(999, number=9, byline="本报记者 皮磊")])
    # The site answers 404 for page 9's third link: given up on (dead_links).
    archive.store_batch(dead=[{k: article(999)[k] for k in ("paper_code", "paper_name", "issue_date", "issue_url")}
                              | {"kind": "article", "url": "http://x/gone.htm", "status": 404, "gone": True}])
    empty = []
    with archive.engine.connect() as conn:
        for sql in blocks(archive.dialect):
            rows = conn.execute(text(sql.replace(":", r"\:"))).all()
            if not rows:
                empty.append(sql.splitlines()[0])
    archive.close()
    # The seed data has no incomplete pages nor gaps-free Tuesdays: those two may be empty.
    print(empty)
    assert len(empty) <= 1, empty
