"""The yardstick of benchmarks/crawl.py: a Scrapy spider that follows the links the ``issues``
spider follows (entry page, pages, articles, page PDFs) and does nothing else.

    scrapy runspider benchmarks/bare.py -a start=2022-01-04 -a end=2022-12-27 -a base_url=http://...

Links are found with Scrapy's own selectors, and article URLs lose their ``?div=`` query as the
project's page objects canonicalise them, so both spiders fetch the same URLs. Also holds the
extension that writes a crawl's stats to a JSON file, so the benchmark can check its counts.
"""
from __future__ import annotations

import json
import resource
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.arguments import plan_crawl


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start=None, end=None, date=None, base_url=None, **kwargs):
        super().__init__(**kwargs)
        self.plan = plan_crawl(date=date, start=start, end=end, base_url=base_url)

    async def start(self):
        for day in self.plan.dates:
            yield scrapy.Request(self.plan.entry_url(day), callback=self.parse_issue, meta={"handle_httpstatus_list": [404]})

    def parse_issue(self, response):
        if response.status == 404:
            return
        yield from self.parse_page(response)
        for href in response.css("a#pageLink::attr(href)").getall():
            yield response.follow(href, callback=self.parse_page)

    def parse_page(self, response):
        pdf = response.xpath("//a[contains(@href, '.pdf')]/@href").get()
        if pdf and self.settings.getbool("ARCHIVE_FETCH_PDFS"):  # as the issues spider does
            yield response.follow(pdf, callback=self.ignore)
        for href in response.css("ul.ul02_l li a::attr(href), map area::attr(href)").getall():
            url = urlsplit(response.urljoin(href))._replace(query="", fragment="").geturl()
            yield scrapy.Request(url, callback=self.ignore)

    def ignore(self, response):
        return None


class StatsFile:
    """Writes the crawl's stats to the file named by the BENCHMARK_STATS_FILE setting when it closes."""

    def __init__(self, stats, path: str):
        self.stats = stats
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("BENCHMARK_STATS_FILE")
        if not path:
            raise NotConfigured("BENCHMARK_STATS_FILE not set")
        extension = cls(crawler.stats, path)
        crawler.signals.connect(extension.write, signal=signals.spider_closed)
        return extension

    def write(self, spider, reason):
        # The item pipelines have closed: child processes (the PDF text workers) are reaped,
        # and their CPU is in the crawl's own wait4 figure. This says how much of it.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = self.stats.get_stats() | {"finish_reason": reason, "cpu_children": children.ru_utime + children.ru_stime}
        self.path.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
