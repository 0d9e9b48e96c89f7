"""Run a Scrapy command under cProfile for benchmarks/crawl.py, from spider_opened to spider_closed.

    python benchmarks/profile_crawl.py OUT.prof crawl issues -a ... -s ...

Start-up (imports, engine, archive set-up) is left out: the profile shows what each response
costs. The archive writer's thread, where batches are written off the reactor, is profiled
into OUT.prof.writer on its own CPU clock. The reactor's profile uses the default (wall) clock,
whose overhead is far lower: its waiting shows as time in the reactor's poll, which the
benchmark leaves out.
"""
from __future__ import annotations

import cProfile
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy import signals  # noqa: E402

REACTOR = cProfile.Profile()
# The writer shares the GIL with the reactor: a wall clock would bill it for the reactor's turns.
WRITER = cProfile.Profile(time.thread_time)


class ProfileWindow:
    """Profiles the reactor thread while the spider is open (enabled with the EXTENSIONS setting)."""

    @classmethod
    def from_crawler(cls, crawler):
        window = cls()
        crawler.signals.connect(window.opened, signal=signals.spider_opened)
        crawler.signals.connect(window.closed, signal=signals.spider_closed)
        return window

    def opened(self, spider):
        REACTOR.enable()

    def closed(self, spider, reason):
        REACTOR.disable()


def main(out: str, argv: list[str]) -> int:
    from scrapy.cmdline import execute

    from benchmarks import profile_crawl  # the module the extension is loaded from
    from storage.db import Archive

    store_batch = Archive.store_batch

    def profiled_store_batch(self, *args, **kwargs):
        profile_crawl.WRITER.enable()
        try:
            return store_batch(self, *args, **kwargs)
        finally:
            profile_crawl.WRITER.disable()

    Archive.store_batch = profiled_store_batch
    from crawler.settings import EXTENSIONS

    extensions = json.dumps(EXTENSIONS | {"benchmarks.bare.StatsFile": 0, "benchmarks.profile_crawl.ProfileWindow": 0})
    try:
        execute(["scrapy", *argv, "-s", f"EXTENSIONS={extensions}"])
    except SystemExit as done:
        status = done.code or 0
    else:
        status = 0
    profile_crawl.REACTOR.dump_stats(out)
    profile_crawl.WRITER.dump_stats(out + ".writer")
    return status


if __name__ == "__main__":
    # The first argument names the profile written: "--help" there wrote a file of that name.
    if len(sys.argv) < 3 or sys.argv[1].startswith("-"):
        raise SystemExit(__doc__.split("\n\n")[1].strip().join(("usage: ", "")))
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
