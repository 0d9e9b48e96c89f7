"""scrapy-redis's scheduler, one queue per crawl job, for CRAWL_MODE=distributed (crawler/addons.py).

Processes started with the same arguments (or the same CRAWL_JOB) form one job: they share the
request queue and the duplicate filter, so each page and article is fetched by one of them.
scrapy-redis's RedisSpider and RedisPipeline are not used: the first relies on start_requests,
which Scrapy 2.16+ never calls, the second warns on every item.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from datetime import date

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

# Keys of a job whose worker was killed expire after this long (seconds).
JOB_TTL = 7 * 24 * 3600


def job_name(spider) -> str:
    """The job a process joins: CRAWL_JOB, else what it was asked (a 'latest' run per day)."""
    explicit = spider.settings.get("CRAWL_JOB")
    if explicit:
        return explicit
    plan = spider.plan
    asked = f"latest@{date.today().isoformat()}" if plan.latest else plan.asked
    return f"{plan.paper.code}:{asked}" + (":refresh" if plan.refresh else "")


class JobScheduler(Scheduler):
    """scrapy-redis's Scheduler and RFPDupeFilter under per-job keys, with a roll of workers:
    the last worker to finish clears the job's queue and fingerprints, so running the same
    arguments again later starts afresh (the archive, not Redis, remembers what is done)."""

    def open(self, spider):
        # scrapy-redis's open() with per-job keys, and without Spider.log (deprecated).
        self.spider = spider
        prefix = f"{spider.name}:{job_name(spider)}"
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=f"{prefix}:requests", serializer=self.serializer
        )
        self.df = RFPDupeFilter(self.server, key=f"{prefix}:dupefilter", debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        self.workers_key = f"{prefix}:workers"
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.server.sadd(self.workers_key, self.worker)
        self.server.expire(self.workers_key, JOB_TTL)
        self.job = prefix
        logger.info("distributed crawl: job %s, worker %s, %d requests queued", prefix, self.worker, len(self.queue))

    def job_progress(self) -> str:
        """Where the whole job stands, as one worker can tell: the requests its workers share
        and how many workers are at it (the progress line's second half)."""
        try:
            queued, workers = len(self.queue), self.server.scard(self.workers_key)
            return f"job {self.job}: {queued} requests queued, {workers} worker{'' if workers == 1 else 's'}"
        except RedisError as exc:  # a progress line must not end the crawl
            return f"job {self.job}: Redis unreachable ({exc})"

    # scrapy-redis 0.9.1 passes spider= to the stats, which Scrapy 2.19 deprecates: the same
    # methods without it.
    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def close(self, reason):
        self.server.srem(self.workers_key, self.worker)
        if self.server.scard(self.workers_key) == 0:
            self.flush()
        else:
            for key in (self.queue.key, self.df.key):
                self.server.expire(key, JOB_TTL)
        return super().close(reason)


class SharedQueueIdle:
    """Keeps an idle worker open DISTRIBUTED_IDLE_SECONDS: the shared queue may refill while
    another worker parses a page, and a worker that leaves too early leaves the work to it."""

    def __init__(self, grace: float):
        self.grace = grace
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.settings.getfloat("DISTRIBUTED_IDLE_SECONDS", 10.0))
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        return ext

    def busy(self, **kwargs) -> None:
        self.idle_since = None

    def spider_idle(self, spider) -> None:
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider
