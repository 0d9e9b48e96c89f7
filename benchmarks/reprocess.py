"""Re-process every archived article from its raw document, without the network.

    python benchmarks/reprocess.py ARCHIVE_URL

Stands in for ``archive reprocess`` (storage/cli.py, not on main yet) in benchmarks/crawl.py:
each article's stored response is rebuilt as a Scrapy response and goes through the ``issues``
spider's own callback and the project's item pipelines (ITEM_PIPELINES, in order), then back
into the archive in batches through Archive.store_batch, as the store pipeline writes. The raw
documents are read, not written again. Prints one JSON line: articles, seconds, CPU seconds.
"""
from __future__ import annotations

import json
import sys
import time
import zlib
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy.http import HtmlResponse  # noqa: E402
from scrapy.utils.misc import load_object  # noqa: E402
from sqlalchemy import select  # noqa: E402

from crawler import settings  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.spiders.issues import IssuesSpider  # noqa: E402
from storage.db import open_archive  # noqa: E402
from storage.models import Article, Issue, Page, Paper, RawDocument  # noqa: E402

STORE = "pipelines.store.StorePipeline"
BATCH = settings.ARCHIVE_BATCH_SIZE


def reprocess(url: str) -> int:
    archive = open_archive(url, create=False)
    pipelines = [load_object(path)() for path, _ in sorted(settings.ITEM_PIPELINES.items(), key=lambda p: p[1]) if path != STORE]
    spiders: dict[str, IssuesSpider] = {}
    query = (
        select(
            Article.url, Article.title_original, Page.page_number, Page.url, Issue.issue_date, Issue.url,
            Paper.code, Paper.name, RawDocument.status, RawDocument.content_type, RawDocument.body_zlib,
        )
        .join(Page, Article.page_id == Page.id)
        .join(Issue, Page.issue_id == Issue.id)
        .join(Paper, Issue.paper_id == Paper.id)
        .join(RawDocument, RawDocument.url == Article.url)
        .execution_options(yield_per=BATCH)
    )
    done, batch = 0, []
    with archive.session() as reader:
        for url, listed, number, page_url, day, issue_url, code, name, status, content_type, body in reader.execute(query):
            spider = spiders.get(code) or spiders.setdefault(code, IssuesSpider(date=day.isoformat(), paper=code))
            response = HtmlResponse(url, status=status, headers={"Content-Type": content_type}, body=zlib.decompress(body))
            context = {"paper_code": code, "paper_name": name, "issue_date": day.isoformat(), "issue_url": issue_url,
                       "page_number": number, "page_url": page_url}
            for item in spider.parse_article(response, context=context, listed_title=listed):
                for pipeline in pipelines:
                    item = pipeline.process_item(item)
                if isinstance(item, ArticleItem):
                    item.raw = None  # archived already
                    batch.append(asdict(item))
            if len(batch) >= BATCH:
                done += archive.store_batch(articles=batch)["articles"]
                batch = []
    if batch:
        done += archive.store_batch(articles=batch)["articles"]
    archive.close()
    return done


def main(url: str) -> int:
    wall, cpu = time.perf_counter(), time.process_time()
    articles = reprocess(url)
    print(json.dumps({"articles": articles, "seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
