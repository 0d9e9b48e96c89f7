"""scrapy-redis's scheduler, one queue per crawl job, for CRAWL_MODE=distributed (crawler/addons.py).

Processes started with the same arguments (or the same CRAWL_JOB) form one job: they share the
request queue and the duplicate filter, so each page and article is fetched by one of them. The
job crawls from one site root, the first worker's: a worker started with another is refused.
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
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler.extensions import WORKER_STOPPED
from crawler.papers import as_site_root
from storage.db import safe_url

logger = logging.getLogger(__name__)

# Keys of a job whose workers were all killed expire after this long (seconds); a live worker
# renews their lease every WORKER_BEAT seconds, so a job may run longer than this.
JOB_TTL = 7 * 24 * 3600
# A worker renews its heartbeat every WORKER_BEAT seconds; one whose heartbeat is older than
# WORKER_TTL was killed (SIGKILL, a power cut) and will not come back to close the job.
WORKER_BEAT = 15.0
WORKER_TTL = 60
# The close reason of a worker that lost Redis mid-crawl (its crawl_runs status; exit status 2).
REDIS_LOST = "redis_unreachable"
# The close reason of a worker its job refused: started from another site root than the job's
# (its crawl_runs status; exit status 2, as a crawl the archive refuses for its root).
ROOT_REFUSED = "root_refused"


def job_name(spider) -> str:
    """The job a process joins: the paper and CRAWL_JOB, else the paper and what it was asked
    (a 'latest' run per day).

    CRAWL_JOB names a job within its paper: a worker reads every page it takes from the queue
    as a page of its own paper, so papers sharing one queue (one weekly CRAWL_JOB on each
    paper's cron line) would file pages of one under the other.
    """
    plan = spider.plan
    explicit = spider.settings.get("CRAWL_JOB")
    if explicit:
        return f"{plan.paper.code}:{explicit}"
    asked = f"latest@{date.today().isoformat()}" if plan.latest else plan.asked
    return f"{plan.paper.code}:{asked}" + (":refresh" if plan.refresh else "")


def _process_gone(worker: str) -> bool:
    """A worker of this machine (``host:pid``) whose process no longer runs."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # someone else's process: it runs
        return False
    return False


class WorkerRoll:
    """The workers of one job in Redis: the set of their names (``host:pid``), and for each a
    heartbeat key that lapses WORKER_TTL seconds after its last renewal.

    A worker that closes leaves the roll; one that was killed stays on it with a lapsed
    heartbeat (on this machine, a process id that no longer runs tells at once). Without the
    heartbeat the last live worker would wait for a dead one and never clear the job, and the
    job's fingerprints would keep every later run of the same arguments from fetching what the
    killed worker had taken from the queue but not stored.
    """

    def __init__(self, server, prefix: str):
        self.server = server
        self.key = f"{prefix}:workers"
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def _heartbeat_key(self, worker: str) -> str:
        return f"{self.key}:{worker}"

    def join(self) -> None:
        self.server.sadd(self.key, self.name)
        self.beat()

    def beat(self) -> None:
        self.server.set(self._heartbeat_key(self.name), 1, ex=WORKER_TTL)

    def leave(self) -> None:
        self.server.srem(self.key, self.name)
        self.server.delete(self._heartbeat_key(self.name))

    def prune(self) -> tuple[list[str], list[str]]:
        """The workers still at the job, and those found dead (taken off the roll)."""
        alive, dead = [], []
        for member in sorted(m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(self.key)):
            if _process_gone(member) or not self.server.exists(self._heartbeat_key(member)):
                dead.append(member)
            else:
                alive.append(member)
        if dead:
            self.server.srem(self.key, *dead)
            self.server.delete(*(self._heartbeat_key(worker) for worker in dead))
        return alive, dead


class JobScheduler(Scheduler):
    """scrapy-redis's Scheduler and RFPDupeFilter under per-job keys, with a roll of workers:
    the last live worker to finish clears the job's queue and fingerprints, so running the same
    arguments again later starts afresh (the archive, not Redis, remembers what is done). A
    worker that finds only dead workers on the job's roll starts the job afresh too.

    The job records the site root of the worker that opens it (the key ``root``, cleared and
    leased with the queue and fingerprints). The archive's check of a crawl's root
    (crawler/commands/crawl.py) passes two workers of one job started from two roots while the
    archive holds nothing of theirs yet: the requests of both would share the queue, each
    issue be fetched from both roots and its articles stored twice. A worker whose root is
    not the job's is refused: it neither joins the roll (whose last worker out clears the
    job) nor touches the queue, and closes with ROOT_REFUSED before it fetches anything.
    """

    def open(self, spider):
        # scrapy-redis's open() with per-job keys, and without Spider.log (deprecated).
        self.spider = spider
        prefix = f"{spider.name}:{job_name(spider)}"
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=f"{prefix}:requests", serializer=self.serializer
        )
        self.df = RFPDupeFilter(self.server, key=f"{prefix}:dupefilter", debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        self.job = prefix
        self.root_key = f"{prefix}:root"
        self.roll = WorkerRoll(self.server, prefix)
        self.worker = self.roll.name
        self.redis_lost: str | None = None  # why, once Redis stopped answering
        alive, dead = self.roll.prune()
        if dead and not alive and self.server.exists(self.queue.key, self.df.key, self.root_key):
            # What the killed workers had taken from the queue is neither queued nor stored,
            # but its fingerprints would keep this run from asking for it again.
            logger.warning(
                "distributed crawl: job %s was left by killed workers (%s): starting it afresh "
                "(what they stored is kept; the archive tells what is missing)", prefix, ", ".join(dead)
            )
            self.flush()
        elif dead:
            logger.warning(
                "distributed crawl: job %s: workers %s were killed; what they were fetching is missing: "
                "run the job again once it ends", prefix, ", ".join(dead)
            )
        self.refused = self.refusal(spider.plan.root)  # why the job will not have this worker
        self.heartbeat = create_looping_call(self.beat)
        if self.refused is not None:
            # Closed by SharedQueueIdle as the spider opens: Scrapy closes a spider whose
            # scheduler raises in open() without having opened its pipelines, and says so
            # with a traceback.
            self.stats.set_value(WORKER_STOPPED, self.refused)
            logger.error(self.refused)
            return
        self.roll.join()
        self.server.expire(self.roll.key, JOB_TTL)
        self.keys_leased = False  # the queue and fingerprints are leased once they exist
        self.heartbeat.start(WORKER_BEAT, now=False)
        logger.info("distributed crawl: job %s, worker %s, %d requests queued", prefix, self.worker, len(self.queue))

    def refusal(self, root: str) -> str | None:
        """Why this worker, crawling from ``root``, may not join the job: another root recorded
        by the job's first worker (compared as roots: crawler.papers.as_site_root); None when
        it may, ``root`` recorded if the job has none yet."""
        recorded = self.job_root(root)
        if as_site_root(recorded) == as_site_root(root):
            return None
        return (
            f"distributed crawl: job {self.job} crawls from {recorded}, not from this worker's root {root}: "
            f"its issues would be fetched from both and their articles stored twice; start this worker with "
            f"-a base_url={recorded}"
        )

    def job_root(self, root: str) -> str:
        """The job's site root: the one recorded, else ``root``, recorded now (SET NX: of two
        workers opening the job at once, one records its root and the other reads it)."""
        while not self.server.set(self.root_key, root, nx=True, ex=JOB_TTL):
            recorded = self.server.get(self.root_key)
            if recorded is not None:  # else the job's last worker cleared it meanwhile: record anew
                return recorded.decode() if isinstance(recorded, bytes) else recorded
        return root

    def flush(self) -> None:
        """Clears the job's queue, fingerprints and root: the job starts afresh."""
        super().flush()
        self.server.delete(self.root_key)

    def beat(self) -> None:
        """Tells the job's other workers this one is alive, and keeps the job's keys a
        JOB_TTL longer."""
        try:
            self.roll.beat()
            self.lease_keys()
        except RedisError as exc:  # a beat missed is no reason to stop: the next may pass
            logger.warning("distributed crawl: job %s: heartbeat not sent: %s", self.job, exc)

    def lease_keys(self) -> None:
        for key in (self.roll.key, self.queue.key, self.df.key, self.root_key):
            self.server.expire(key, JOB_TTL)
        self.keys_leased = True

    def job_progress(self) -> str:
        """Where the whole job stands, as one worker can tell: the requests its workers share
        and how many workers are at it (the progress line's second half)."""
        try:
            queued, workers = len(self.queue), self.server.scard(self.roll.key)
            return f"job {self.job}: {queued} requests queued, {workers} worker{'' if workers == 1 else 's'}"
        except RedisError as exc:  # a progress line must not end the crawl
            return f"job {self.job}: Redis unreachable ({exc})"

    def lose_redis(self, exc: RedisError) -> None:
        """Redis stopped answering mid-crawl: the worker takes no more requests, finishes (and
        stores) what it is fetching, and closes with REDIS_LOST (SharedQueueIdle). Without this
        every engine tick raised, and the worker neither crawled nor ended."""
        if self.redis_lost is not None:
            return
        self.redis_lost = (
            f"Redis unreachable at {safe_url(self.spider.settings.get('REDIS_URL') or '')} ({exc}): "
            f"the crawl of job {self.job} stopped; run it again once Redis is back"
        )
        self.stats.set_value(WORKER_STOPPED, self.redis_lost)
        logger.error(self.redis_lost)
        if self.heartbeat.running:
            self.heartbeat.stop()

    # scrapy-redis 0.9.1 passes spider= to the stats, which Scrapy 2.19 deprecates: the same
    # methods without it.
    def enqueue_request(self, request):
        if self.redis_lost is not None:
            return False
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
            if self.keys_leased:
                # Redis deletes a queue it empties: the key this push made afresh needs its lease.
                self.server.expire(self.queue.key, JOB_TTL)
            else:
                self.lease_keys()
        except RedisError as exc:
            self.lose_redis(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        if self.redis_lost is not None:
            return None
        try:
            request = self.queue.pop(self.idle_before_close)
        except RedisError as exc:
            self.lose_redis(exc)
            return None
        if request:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.redis_lost is not None:
            return False
        try:
            return len(self.queue) > 0
        except RedisError as exc:
            self.lose_redis(exc)
            return False

    def close(self, reason):
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.refused is not None:
            # Never on the roll: leaving it, this worker would find no live worker but itself
            # gone, and clear the job the others are crawling.
            return None
        if self.redis_lost is not None:
            # Nothing can be cleared now: the roll shows this worker dead once its heartbeat
            # lapses, and the next run of the job starts it afresh.
            return None
        try:
            self.leave_job()
        except RedisError as exc:
            self.lose_redis(exc)
        return None

    def leave_job(self) -> None:
        """Off the roll; the last live worker clears the job's queue and fingerprints."""
        self.roll.leave()
        alive, dead = self.roll.prune()
        if dead:
            logger.warning(
                "distributed crawl: job %s: workers %s were killed; what they were fetching is missing: "
                "run the job again to fetch it", self.job, ", ".join(dead)
            )
        if not alive:
            self.flush()
            self.server.delete(self.roll.key)
        else:
            self.lease_keys()


class SharedQueueIdle:
    """Keeps an idle worker open DISTRIBUTED_IDLE_SECONDS: the shared queue may refill while
    another worker parses a page, and a worker that leaves too early leaves the work to it.
    A worker that lost Redis is idle for good: it closes at once, with REDIS_LOST. A worker
    its job refused (JobScheduler.refusal) closes as it opens, with ROOT_REFUSED: Scrapy
    never asks its spider for the first requests."""

    def __init__(self, crawler, grace: float):
        self.crawler = crawler
        self.grace = grace
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, crawler.settings.getfloat("DISTRIBUTED_IDLE_SECONDS", 10.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        return ext

    def _scheduler(self):
        return getattr(self.crawler.engine, "scheduler", None)

    def spider_opened(self, spider) -> None:
        if getattr(self._scheduler(), "refused", None) is not None:
            raise CloseSpider(ROOT_REFUSED)

    def busy(self, **kwargs) -> None:
        self.idle_since = None

    def spider_idle(self, spider) -> None:
        if getattr(self._scheduler(), "redis_lost", None) is not None:
            raise CloseSpider(REDIS_LOST)
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider
