"""The crawl mode add-on: CRAWL_MODE=local (the default) or distributed.

Distributed, several crawler processes on several machines share one request queue and one
duplicate filter in Redis (scrapy-redis's scheduler and RFPDupeFilter, REDIS_URL) and write
to one PostgreSQL archive. The project's own spider and pipelines stay as they are.
"""
from __future__ import annotations

CRAWL_MODES = ("local", "distributed")


def crawl_mode(settings) -> str:
    """CRAWL_MODE as a paper's code is read (crawler.papers.code_as_known): in any capitals or
    widths, without the blanks around it; "local" when not set or blank. A value that is none
    of CRAWL_MODES comes back as given, for the crawl command to refuse."""
    from crawler.papers import code_as_known

    return code_as_known(settings.get("CRAWL_MODE") or "", CRAWL_MODES) or "local"


class CrawlMode:
    def update_settings(self, settings) -> None:
        if crawl_mode(settings) != "distributed":
            return
        settings.set("SCHEDULER", "crawler.distributed.JobScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        # The job's queue outlives any one process; the last one to leave clears it.
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.setdefault_in_component_priority_dict("EXTENSIONS", "crawler.distributed.SharedQueueIdle", 530)
