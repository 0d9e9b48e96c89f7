"""Faults a test puts into a real `scrapy crawl` through its settings (the crawl runs in a
process of its own): a spider middleware that raises while the spider's output for one
response is read, as a defect in reading a site's file would, a pipeline that raises on
one article, and one that loses a page's item."""
from __future__ import annotations


class RaisingMiddleware:
    """Raises after the first request the response whose URL ends with ``FAULTY_URL_SUFFIX`` led to."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("FAULTY_URL_SUFFIX", ""))

    async def process_spider_output(self, response, result):
        given = 0
        async for output in result:
            if self.suffix and response.url.endswith(self.suffix) and given == 1:
                raise RuntimeError(f"a defect reading {response.url}")
            given += 1
            yield output


class _UrlSuffixPipeline:
    """A fault on the item whose URL ends with the suffix the setting ``SETTING`` names."""

    SETTING = ""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get(cls.SETTING, ""))


class RaisingPipeline(_UrlSuffixPipeline):
    """Raises on the article item whose URL ends with ``FAULTY_URL_SUFFIX``, as a defect in a
    pipeline would on some article's text."""

    SETTING = "FAULTY_URL_SUFFIX"

    def process_item(self, item):
        if self.suffix and getattr(item, "url", "").endswith(self.suffix) and hasattr(item, "body"):
            raise ValueError(f"a defect processing {item.url}")
        return item


class LosingPipeline(_UrlSuffixPipeline):
    """Drops the page item whose URL ends with ``LOST_URL_SUFFIX``, as a distributed worker
    killed before it stored the page loses it while other workers store the page's articles."""

    SETTING = "LOST_URL_SUFFIX"

    def process_item(self, item):
        from scrapy.exceptions import DropItem

        from crawler.items import PageItem

        if self.suffix and isinstance(item, PageItem) and item.url.endswith(self.suffix):
            raise DropItem(f"lost with its worker: {item.url}")
        return item


def lose_commit_acknowledgements(archive, times: int = 1) -> list[int]:
    """Make the next ``times`` commits of ``archive`` (storage.db.Archive) happen in the
    database and then raise, as a connection lost right after the server committed does: the
    client is told the COMMIT failed, yet what it wrote is there. Returns a list that grows
    by one at each commit so lost."""
    dialect = archive.engine.dialect
    commit = dialect.do_commit
    lost: list[int] = []

    def do_commit(dbapi_connection):
        commit(dbapi_connection)
        if len(lost) < times:
            lost.append(1)
            raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    dialect.do_commit = do_commit  # the instance's: other archives' engines are left alone
    return lost


class LosingCommitAcknowledgements:
    """An item pipeline that, as the crawl starts, makes the acknowledgement of the commit of the
    store pipeline's first ``LOST_COMMIT_ACKS`` batch commits lost (lose_commit_acknowledgements):
    the commits happen, and the pipeline is told they failed."""

    def __init__(self, times: int) -> None:
        self.times = times
        if times:
            import storage.db

            store_batch = storage.db.Archive.store_batch

            def losing(archive, *args, **kwargs):
                # Armed by the first batch: the archive's opening, in the same thread, commits
                # when it makes the tables; only batches commit after it.
                if not getattr(archive, "_losing", False):
                    archive._losing = True
                    lose_commit_acknowledgements(archive, self.times)
                return store_batch(archive, *args, **kwargs)

            storage.db.Archive.store_batch = losing

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("LOST_COMMIT_ACKS", 0))

    def process_item(self, item):
        return item
