"""`scrapy crawl` with one-line errors for the mistakes users make.

Spider arguments and the archive are checked before the crawl starts, so a bad date, an unknown
paper or an unreachable database ends the run with a non-zero exit and one line, not a
traceback.
"""
from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.arguments import SpiderArgumentError


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) == 1:
            message = self._preflight(args[0], opts)
            if message:
                print(f"error: {message}", file=sys.stderr)
                self.exitcode = 2
                return
        super().run(args, opts)

    def _preflight(self, spider_name: str, opts) -> str | None:
        try:
            spidercls = self.crawler_process.spider_loader.load(spider_name)
        except KeyError:
            return f"unknown spider {spider_name!r} (known: {', '.join(self.crawler_process.spider_loader.list())})"
        check = getattr(spidercls, "check_arguments", None)
        try:
            if check:
                check(**opts.spargs)
        except SpiderArgumentError as exc:
            return str(exc)
        pipelines = self.settings.getdict("ITEM_PIPELINES")
        if "pipelines.store.StorePipeline" in pipelines and pipelines["pipelines.store.StorePipeline"] is not None:
            from storage.db import ArchiveError, archive_url, open_archive

            try:
                open_archive(archive_url(self.settings.get("ARCHIVE_URL"))).close()
            except ArchiveError as exc:
                return str(exc)
        return None
