"""Scrapy's log lines, without making the DEBUG line of each scraped item that the log drops."""
from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


def _level(value) -> int:
    """A LOG_LEVEL setting (a name or a number) as a number; DEBUG when unknown."""
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    return logging.getLevelNamesMapping().get(str(value).upper(), logging.DEBUG)


class ArchiveLogFormatter(LogFormatter):
    """Scrapy makes a log record of every scraped item ("Scraped from <200 ...>" and the item) at
    DEBUG, and its log handler drops it unless LOG_LEVEL is DEBUG: a record for nothing at every
    item (~0.5 % of a crawl's CPU). When Scrapy logs above DEBUG it is not made; otherwise, and
    for every other line, the log is Scrapy's own."""

    def __init__(self, scraped_lines: bool = True) -> None:
        super().__init__()
        self.scraped_lines = scraped_lines

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        dropped = settings.getbool("LOG_ENABLED", True) and _level(settings.get("LOG_LEVEL", "DEBUG")) > logging.DEBUG
        return cls(scraped_lines=not dropped)

    def scraped(self, item, response, spider):
        return super().scraped(item, response, spider) if self.scraped_lines else None
