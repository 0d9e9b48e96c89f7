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
