"""The crawl mode add-on: CRAWL_MODE=local (the default) or distributed.

Distributed, several crawler processes on several machines share one request queue and one
duplicate filter in Redis (scrapy-redis's scheduler and RFPDupeFilter, REDIS_URL) and write
to one PostgreSQL archive. The project's own spider and pipelines stay as they are.
"""
from __future__ import annotations

CRAWL_MODES = ("local", "distributed")


class CrawlMode:
    def update_settings(self, settings) -> None:
        if settings.get("CRAWL_MODE") != "distributed":
            return
        settings.set("SCHEDULER", "crawler.distributed.JobScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        # The job's queue outlives any one process; the last one to leave clears it.
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.setdefault_in_component_priority_dict("EXTENSIONS", "crawler.distributed.SharedQueueIdle", 530)
