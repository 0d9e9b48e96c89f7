"""scrapy-redis's scheduler, one queue per crawl job, for CRAWL_MODE=distributed (crawler/addons.py).

Processes started with the same arguments (or the same CRAWL_JOB) form one job: they share the
request queue and the duplicate filter, so each page and article is fetched by one of them. The
job crawls from one site root, the first worker's: a worker started with another is refused.
scrapy-redis's RedisSpider and RedisPipeline are not used: the first relies on start_requests,
which Scrapy 2.16+ never calls, the second warns on every item.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import socket
import time
from pathlib import Path
from typing import NamedTuple

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy.exc import SQLAlchemyError

from crawler.dates import paper_today
from crawler.extensions import CLOSE_REASON, RERUN_REFUSED, ROOT_REFUSED, SHARE_LOST, WORKER_STOPPED, items_unstored
from crawler.papers import as_site_root
from storage.db import safe_url

logger = logging.getLogger(__name__)

# Keys of a job whose workers were all killed expire after this long (seconds); a live worker
# renews their lease every WORKER_BEAT seconds, so a job may run longer than this.
JOB_TTL = 7 * 24 * 3600
# A worker renews its heartbeat every WORKER_BEAT seconds (a quarter of its WORKER_TTL when that
# is shorter than a minute); one whose heartbeat is older than WORKER_TTL (the setting
# DISTRIBUTED_WORKER_TTL) was killed (SIGKILL, a power cut) and will not come back to close the job.
WORKER_BEAT = 15.0
WORKER_TTL = 60
# A heartbeat this many beats late is taken before the worker next uses the queue: it may have
# been paused long enough to be taken off the roll (JobScheduler.check_in_if_due).
OVERDUE_BEATS = 1.5
# The close reason of a worker that lost Redis mid-crawl (its crawl_runs status; exit status 2).
REDIS_LOST = "redis_unreachable"


def job_name(plan, settings) -> str:
    """The job a process crawling ``plan`` with ``settings`` joins: the paper and CRAWL_JOB, else
    the paper and what it was asked (a 'latest' run per day).

    CRAWL_JOB names a job within its paper: a worker reads every page it takes from the queue
    as a page of its own paper, so papers sharing one queue (one weekly CRAWL_JOB on each
    paper's cron line) would file pages of one under the other.

    Read as CRAWL_MODE is (crawler.addons.crawl_mode): blanks around it passed over, blank as
    not set. A cron line's ``CRAWL_JOB=$(…)`` that printed a blank made a job named by it, one
    every crawl of the paper with it shared whatever its dates, and " W07" another job than "W07".
    """
    explicit = str(settings.get("CRAWL_JOB") or "").strip()
    if explicit:
        return f"{plan.paper.code}:{explicit}"
    asked = f"latest@{paper_today().isoformat()}" if plan.latest else plan.asked
    return f"{plan.paper.code}:{asked}" + (":refresh" if plan.refresh else "")


def _process_space() -> str:
    """Where this process's id means this process: its kernel's boot and its pid namespace, as a
    short tag. A host name does not tell it: containers run with the host's network (docker's
    --network host, a pod's hostNetwork) share the host's name, each with its own process ids
    (its crawl often pid 1 in every one), and cloned machines may share a name too."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        space = f"{boot}:{os.readlink('/proc/self/ns/pid')}"
    except OSError:  # no /proc (macOS): no pid namespaces; the host's name is all there is
        space = socket.gethostname()
    return hashlib.sha1(space.encode()).hexdigest()[:8]


PROCESS_SPACE = _process_space()


def worker_name(pid: int) -> str:
    """The roll's name of this machine's process ``pid`` (``host:pid@space``): two workers in two
    containers of one host, both pid 1, have two names; and a process id is looked up only
    where it means the same process (_process_gone)."""
    return f"{socket.gethostname()}:{pid}@{PROCESS_SPACE}"


def _process_gone(worker: str) -> bool:
    """A worker whose process id is one of this process's space (worker_name) and no longer runs."""
    who, _, space = worker.rpartition("@")
    _, _, pid = who.rpartition(":")
    if space != PROCESS_SPACE or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # someone else's process: it runs
        return False
    return False


# Lua shared by the roll's two scripts (KEYS: the roll, the job's root, queue and fingerprints;
# ARGV from ``gone_from`` on: the workers found gone by their process ids). Takes off the roll
# the workers gone or whose heartbeat lapsed (a worker's heartbeat key is the roll's key and
# its name, read by the script though not among its KEYS: REDIS_URL names one server, not a
# cluster); the number still at the job, and the marks of those taken off. Each one taken off
# leaves a mark among the fingerprints (no request's fingerprint, which is hex), gone with the
# job: ``killed:`` and its name if its process id no longer runs, ``lapsed:`` and its name if
# only its heartbeat lapsed (killed on another machine, cut off from Redis, or paused: the
# log lines must not send an operator looking for a kill that may not have been). What it had
# taken from the queue no worker fetches, and every worker that leaves the job, not only the
# one that took it off, says so (_LEAVE). A worker back on the roll takes its own off (_ENTER):
# it was paused, not killed, and fetches what it had taken.
_PRUNE = """
local function prune(gone_from)
  local gone = {}
  for i = gone_from, #ARGV do gone[ARGV[i]] = true end
  local alive, dead = 0, {}
  for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    local heartbeat = KEYS[1] .. ':' .. worker
    if gone[worker] or redis.call('EXISTS', heartbeat) == 0 then
      redis.call('SREM', KEYS[1], worker)
      redis.call('DEL', heartbeat)
      local mark = (gone[worker] and 'killed:' or 'lapsed:') .. worker
      redis.call('SADD', KEYS[4], mark)
      table.insert(dead, mark)
    else
      alive = alive + 1
    end
  end
  return alive, dead
end
"""
# Lua shared by joining and the heartbeat (ARGV: the worker, the root it records if the job has
# none, the recorded root it accepts, WORKER_TTL, JOB_TTL, the workers gone). A job no live
# worker is at is cleared first (started afresh): what killed workers left of it, their root
# too, whether they got on the roll or not; except, for a worker taken off the roll while it
# went on crawling (``keep``), what is of its own root: the queue and fingerprints it shares.
# A worker on the roll leaves a member of its own among the fingerprints (``worker:`` and its
# name: no request's fingerprint, which is hex), gone only when the job is cleared: a worker
# back from a pause finds the roll and root of a job started afresh by another worker of its
# root as it left them, and only that member tells it the queue and fingerprints it shared are
# gone. Returns {joined (1 or 0), the job's root, the workers taken off, cleared (1 or 0), root
# recorded (1 or 0), ended (1 or 0: the job was cleared since this worker was last on it, or
# it never was)}.
_ENTER = _PRUNE + """
local function enter(keep)
  local marker = 'worker:' .. ARGV[1]
  local ended = 1 - redis.call('SISMEMBER', KEYS[4], marker)
  local alive, dead = prune(6)
  local cleared = 0
  if alive == 0 and redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4]) > 0 then
    local root = redis.call('GET', KEYS[2])
    if not keep or (root and root ~= ARGV[3]) then
      redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
      cleared = 1
    end
  end
  local root, recorded = redis.call('GET', KEYS[2]), 0
  if not root then
    root, recorded = ARGV[2], 1
    redis.call('SET', KEYS[2], root, 'EX', ARGV[5])
  elseif root ~= ARGV[3] then
    return {0, root, dead, cleared, 0, ended}
  end
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[4], marker)
  redis.call('SREM', KEYS[4], 'killed:' .. ARGV[1], 'lapsed:' .. ARGV[1])
  redis.call('SET', KEYS[1] .. ':' .. ARGV[1], 1, 'EX', ARGV[4])
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
  return {1, root, dead, cleared, recorded, ended}
end
"""
_JOIN = _ENTER + "return enter(false)"
# The heartbeat: a worker on the roll renews its heartbeat and the job's lease. One no longer
# on it (its heartbeat lapsed while it was paused: SIGSTOP, a machine suspended, a frozen VM,
# and another worker took it for dead) rejoins in the same step, as ``enter`` lets it: a
# rejoin in two steps could find the job cleared and opened from another root in between.
# Returns ``enter``'s answer with joined 2 for a worker that was on the roll.
_BEAT = _ENTER + """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  -- Renewed, not rewritten: it says whether the worker is idle (_IDLE).
  if redis.call('EXPIRE', KEYS[1] .. ':' .. ARGV[1], ARGV[4]) == 0 then
    redis.call('SET', KEYS[1] .. ':' .. ARGV[1], 1, 'EX', ARGV[4])
  end
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
  return {2, '', {}, 0, 0, 0}
end
return enter(true)
"""
# ARGV: the worker, JOB_TTL, the mark it leaves of itself ('' for none: STOPPED for a worker
# stopped mid-crawl, whose share is missing as a killed one's is), the workers gone. Returns
# {the marks of the workers taken off, the marks of the job's workers taken off for dead or
# stopped since it was last cleared (by any worker; a mark may come twice)}; with no live one
# left at it, the job is cleared, else its keys leased. The marks are read by a scan of the
# fingerprints, once per worker at its end.
_LEAVE = _PRUNE + """
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[1] .. ':' .. ARGV[1])
if ARGV[3] ~= '' then redis.call('SADD', KEYS[4], ARGV[3] .. ARGV[1]) end
local alive, dead = prune(4)
local marks = {}
for _, pattern in ipairs({'killed:*', 'lapsed:*', 'stopped:*'}) do
  local cursor = '0'
  repeat
    local page = redis.call('SSCAN', KEYS[4], cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = page[1]
    for _, member in ipairs(page[2]) do table.insert(marks, member) end
  until cursor == '0'
end
if alive == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
else
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
end
return {dead, marks}
"""

# A request taken from the job's queue, or queued, only by a worker on the job's roll, checked in
# the same Redis step (KEYS as the roll's scripts'; ARGV[1] the worker): a worker paused after its
# last check of the roll, and taken off it meanwhile, would otherwise take a request of the job
# another root's worker started afresh (and fetch it from that root as a worker of its own), or
# queue one of its root's into that job. scrapy-redis's PriorityQueue and RFPDupeFilter, fenced.
# Both return 0 for a worker off the roll. _TAKE returns {1} for an empty queue, else {1, the
# request}; _PUT (ARGV: the worker, the request's fingerprint or '' if it is not to be filtered,
# its score, the request) 1 if queued, 2 if seen before.
_TAKE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {0} end
local taken = redis.call('ZRANGE', KEYS[3], 0, 0)
if #taken == 0 then return {1} end
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0)
local heartbeat = KEYS[1] .. ':' .. ARGV[1]
if redis.call('GET', heartbeat) == 'idle' then redis.call('SET', heartbeat, 1, 'KEEPTTL') end  -- at work again
return {1, taken[1]}
"""
_PUT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' and redis.call('SADD', KEYS[4], ARGV[2]) == 0 then return 2 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""
# What _PUT answers.
OFF_ROLL, QUEUED, SEEN = 0, 1, 2
# A worker idle past DISTRIBUTED_IDLE_SECONDS, about to leave (ARGV: the worker, JOB_TTL, the
# workers gone): its heartbeat says so ('idle' for 1, till it takes a request: _TAKE), the dead
# are taken off (as _PRUNE marks them); the number of others at work, and those taken off. An
# idle worker waits for the others at work: a worker killed on another machine is told only
# by its heartbeat, a minute after its last, and the last worker out must find it, or it left
# the job to it, its fingerprints kept, and nobody said its share was missing.
_IDLE = _PRUNE + """
local heartbeat = KEYS[1] .. ':' .. ARGV[1]
if redis.call('EXISTS', heartbeat) == 1 then redis.call('SET', heartbeat, 'idle', 'KEEPTTL') end
local alive, dead = prune(3)
local busy = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if worker ~= ARGV[1] and redis.call('GET', KEYS[1] .. ':' .. worker) ~= 'idle' then busy = busy + 1 end
end
if #dead > 0 then
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
end
return {busy, dead}
"""


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


# The marks of a worker taken off the roll for dead (_PRUNE): its process id no longer runs, or
# only its heartbeat lapsed; and of one that left the job stopped by the archive's check of
# roots (pipelines/store.py), dropping what it had taken from the queue (_LEAVE).
KILLED, LAPSED, STOPPED = "killed:", "lapsed:", "stopped:"


def beat_seconds(ttl: float) -> float:
    """Seconds between a worker's heartbeats, whose key lives ``ttl`` seconds: WORKER_BEAT, or a
    quarter of a shorter ``ttl``, so that three beats may be late before it lapses."""
    return min(WORKER_BEAT, ttl / 4)


def taken_for_dead(marks: list[str], ttl: int = WORKER_TTL) -> str:
    """The workers of ``marks`` (_PRUNE's), each with what is known of it: the process of one
    ended without leaving the job, the heartbeat of another lapsed. Neither tells a kill: a
    worker that lost Redis stops without leaving, and one cut off from it, or paused, stops
    beating; said as a kill, it sent an operator looking for one that never was."""
    ended = [mark.removeprefix(KILLED) for mark in marks if mark.startswith(KILLED)]
    lapsed = [mark.removeprefix(LAPSED) for mark in marks if mark.startswith(LAPSED)]
    stopped = [mark.removeprefix(STOPPED) for mark in marks if mark.startswith(STOPPED)]
    said = []
    if ended:
        said.append(f"{_some(ended)}: process ended without leaving the job (killed, or it lost Redis)")
    if lapsed:
        said.append(f"{_some(lapsed)}: no heartbeat for over {ttl} s (killed, cut off from Redis, its machine "
                    f"down, or paused)")
    if stopped:
        said.append(f"{_some(stopped)}: stopped by the archive's check of roots (an issue it fetched is held from "
                    f"another root)")
    return "; ".join(said)


def _some(names: list[str], shown: int = 3) -> str:
    """``names`` in a line: the first few, and how many more."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def evicting(server) -> str | None:
    """How the Redis of ``server`` may evict the job's keys when it is full, or None. Every key
    of a job has a lease (its queue, fingerprints, root and roll JOB_TTL, each heartbeat
    WORKER_TTL), so that a volatile-* policy may evict them as an allkeys-* one may: a heartbeat
    evicted takes a live worker for dead, a queue or its fingerprints evicted lose requests no
    worker fetches. A Redis without maxmemory evicts nothing; one that refuses CONFIG (a managed
    Redis, an ACL user without it) is not told."""
    try:
        config = server.config_get("maxmemory*")
    except RedisError:
        return None
    policy, limit = _text(config.get("maxmemory-policy") or ""), _text(config.get("maxmemory") or "0")
    if not (policy.startswith("allkeys-") or policy.startswith("volatile-")) or limit in ("", "0"):
        return None
    return f"maxmemory-policy {policy} at maxmemory {limit} bytes"


def idle_workers_left(server, prefix: str) -> tuple[list[str], float]:
    """The workers a job (keys ``prefix``) whose queue is empty was left to that went idle and
    did not leave it, and the seconds till the last of their heartbeats lapses; none when a
    worker of it is at work, or its queue holds requests: the job is crawling. The roll's
    scripts take off for dead a worker whose process ended on this machine or whose heartbeat
    lapsed, so those are none of them."""
    roll = f"{prefix}:workers"
    idle, lapses_in = [], 0.0
    for worker in sorted(map(_text, server.smembers(roll))):
        beat = server.get(f"{roll}:{worker}")
        if beat is None or _process_gone(worker):
            continue
        if _text(beat) != "idle":
            return [], 0.0
        idle.append(worker)
        lapses_in = max(lapses_in, server.pttl(f"{roll}:{worker}") / 1000)
    if server.exists(f"{prefix}:requests"):
        return [], 0.0
    return idle, lapses_in


def wait_for_idle_workers(server, prefix: str, say) -> None:
    """Until the idle workers a job was left to (idle_workers_left) have left it or lapsed, as
    a worker about to join it: ``say`` is told once, in one line, who and for how long at most.

    Killed while it waited for the others (on another machine, where only its heartbeat tells),
    an idle worker kept the job for up to its DISTRIBUTED_WORKER_TTL after the last live one
    left: the job run again meanwhile joined it, the fingerprints of the run before keeping it
    from asking again what that one failed to fetch, or was refused from another root as if
    the job were crawling. An idle worker alive leaves as soon as none is at work, and the
    last out clears the job; one killed is taken off for dead once its heartbeat lapses, and
    the job started afresh by the worker that joins then. Nothing is deleted here: a worker
    that joins the job meanwhile, or requests queued, end the wait, and this one joins them."""
    idle, lapses_in = idle_workers_left(server, prefix)
    if not idle:
        return
    worker = f"worker{'s' if len(idle) > 1 else ''} {_some(idle)}"
    say(f"distributed crawl: job {prefix}: its queue is empty and its {worker} went idle without leaving it "
        f"(killed, or about to leave): this worker waits for {'them' if len(idle) > 1 else 'it'} to leave, or for "
        f"{'their heartbeats' if len(idle) > 1 else 'its heartbeat'} to lapse in {math.ceil(lapses_in)} s at most, "
        f"then starts the job afresh")
    # A beat more than told: Redis expires a key a little after its time.
    deadline = _clock() + lapses_in + beat_seconds(WORKER_TTL)
    while idle and _clock() < deadline:
        time.sleep(0.25)
        idle, _ = idle_workers_left(server, prefix)


class Joined(NamedTuple):
    """What WorkerRoll.join (or beat) found: whether the worker joined, the job's root, the
    workers found dead (taken off the roll), whether it cleared the job (started it afresh),
    whether it recorded its root (none was), whether it was on the roll already, and whether
    the job was cleared since the worker was last on it (its queue and fingerprints gone,
    whoever started it afresh), or it never was."""
    joined: bool
    root: str
    dead: list[str]
    cleared: bool
    recorded: bool = False
    was_on: bool = False
    ended: bool = False


def _joined(answer) -> Joined:
    joined, root, dead, cleared, recorded, ended = answer
    return Joined(bool(joined), _text(root), sorted(map(_text, dead)), bool(cleared), bool(recorded), joined == 2,
                  bool(ended))


def _lapsed(since: float, ttl: int = WORKER_TTL) -> bool:
    """Whether a worker whose last heartbeat went ``since`` seconds ago may have been taken
    off the roll for it (its heartbeat key lives ``ttl`` seconds; a beat's margin for the
    clocks). Else it was off the roll because the job's keys went: said otherwise, as no pause
    is to be looked for."""
    return since >= ttl - beat_seconds(ttl)


def _keys_lost(since: float) -> str:
    return (f"though it sent its heartbeat {since:.0f} s ago (the job's keys were deleted: Redis restarted without "
            f"its data, or they were deleted by hand)")


def _clock() -> float:
    """Seconds from some fixed point, counting the time a suspended machine slept (Linux's
    CLOCK_BOOTTIME; monotonic() leaves it out there, though Redis's clock ran on)."""
    if hasattr(time, "CLOCK_BOOTTIME"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.monotonic()


class WorkerRoll:
    """The workers of one job in Redis: the set of their names (``host:pid@space``: worker_name), and for each a
    heartbeat key that lapses WORKER_TTL seconds after its last renewal; and the job's root,
    queue and fingerprints, which the roll's last worker clears.

    A worker that closes leaves the roll; one that was killed stays on it with a lapsed
    heartbeat (on this machine, a process id that no longer runs tells at once). Without the
    heartbeat the last live worker would wait for a dead one and never clear the job, and the
    job's fingerprints would keep every later run of the same arguments from fetching what the
    killed worker had taken from the queue but not stored.

    Joining (the root checked or recorded, the worker on the roll with its heartbeat) and
    leaving (off the roll, the dead taken off, the job cleared if no one is left) are each one
    Lua script, which Redis runs whole: a worker joining as the last one leaves is either on
    the roll before the leave looks (the job is kept) or joins the job cleared (and starts it
    afresh); never cleared under it, its root gone, so that a worker from another root would
    be let in. The heartbeat is one too: it puts back on the roll, in the step that finds it
    off, a worker the others took for dead while it was paused. Only which workers of this machine no longer run is told in Python.
    """

    def __init__(self, server, prefix: str, root_key: str, queue_key: str, dupefilter_key: str, ttl: int = WORKER_TTL):
        self.server = server
        self.ttl = ttl  # seconds a heartbeat lives
        self.key = f"{prefix}:workers"
        self.name = worker_name(os.getpid())
        self.job_keys = [self.key, root_key, queue_key, dupefilter_key]
        self._join = server.register_script(_JOIN)
        self._beat = server.register_script(_BEAT)
        self._leave = server.register_script(_LEAVE)
        self._take = server.register_script(_TAKE)
        self._put = server.register_script(_PUT)
        self._idle = server.register_script(_IDLE)

    def _heartbeat_key(self, worker: str) -> str:
        return f"{self.key}:{worker}"

    def _gone(self) -> list[str]:
        """The workers on the roll whose process, on this machine, no longer runs."""
        return [worker for worker in map(_text, self.server.smembers(self.key)) if _process_gone(worker)]

    def join(self, root: str, accepted: str) -> Joined:
        """Onto the roll if the job's root is ``accepted``, or the job has none (``root``
        recorded then); not if the job crawls from another."""
        return _joined(self._join(
            keys=self.job_keys, args=[self.name, root, accepted, self.ttl, JOB_TTL, *self._gone()]
        ))

    def beat(self, root: str, accepted: str) -> Joined:
        """Renews this worker's heartbeat and the job's lease; a worker taken off the roll meanwhile
        rejoins, as join() would let it but keeping the queue and fingerprints of a job of its
        root that no live worker is at (``was_on`` false then)."""
        return _joined(self._beat(
            keys=self.job_keys, args=[self.name, root, accepted, self.ttl, JOB_TTL, *self._gone()]
        ))

    def take(self) -> tuple[bool, bytes | None]:
        """The queue's first request (encoded; None if it is empty), if this worker is on the
        roll: (on the roll, request)."""
        answer = self._take(keys=self.job_keys, args=[self.name])
        return bool(answer[0]), answer[1] if len(answer) > 1 else None

    def put(self, fingerprint: str, score: float, data: bytes) -> int:
        """Queues a request unless its ``fingerprint`` was seen ('': never filtered), if this
        worker is on the roll: QUEUED, SEEN or OFF_ROLL."""
        return int(self._put(keys=self.job_keys, args=[self.name, fingerprint, score, data]))

    def idle(self) -> tuple[int, list[str]]:
        """This worker idle: the number of the job's other workers at work, and the workers found
        dead (taken off)."""
        busy, dead = self._idle(keys=self.job_keys, args=[self.name, JOB_TTL, *self._gone()])
        return int(busy), sorted(map(_text, dead))

    def leave(self, mark: str = "") -> tuple[list[str], list[str]]:
        """Off the roll, leaving ``mark`` (STOPPED, or '') and this worker's name among the
        fingerprints: the marks of the workers found dead (taken off), and of all the job's workers
        taken off for dead or stopped while it ran (by this worker or another), but this one's own.
        The last one out clears the job."""
        dead, marks = self._leave(keys=self.job_keys, args=[self.name, JOB_TTL, mark, *self._gone()])
        own = mark + self.name if mark else None
        return sorted(map(_text, dead)), sorted(set(map(_text, marks)) - {own})


class JobScheduler(Scheduler):
    """scrapy-redis's Scheduler and RFPDupeFilter under per-job keys, with a roll of workers:
    the last live worker to finish clears the job's queue and fingerprints, so running the same
    arguments again later starts afresh (the archive, not Redis, remembers what is done). A
    worker that finds no live worker on the job's roll starts the job afresh too.

    The job records the site root of the worker that opens it (the key ``root``, cleared and
    leased with the queue and fingerprints). The archive's check of a crawl's root
    (crawler/commands/crawl.py) passes two workers of one job started from two roots while the
    archive holds nothing of theirs yet: the requests of both would share the queue, each
    issue be fetched from both roots and its articles stored twice. A worker whose root is
    not the job's is refused: it neither joins the roll (whose last worker out clears the
    job) nor touches the queue, and closes with ROOT_REFUSED before it fetches anything.

    A worker paused longer than WORKER_TTL (SIGSTOP, a machine suspended, a frozen VM, a long
    stall) is taken off the roll by the others as if killed, though it goes on crawling once
    it resumes. Off the roll, it would not keep the job from being cleared under it, its root
    with it, so that a worker from another root would be let in. Its next heartbeat, or its
    next use of the queue if a heartbeat is overdue (the engine may take a request before the
    heartbeat's timer fires), puts it back on the roll in the same Redis step that finds it
    off (``_BEAT``); if the job crawls from another root by then, it stops taking requests,
    finishes what it is fetching and closes with ROOT_REFUSED.
    """

    def open(self, spider):
        # scrapy-redis's open() with per-job keys, and without Spider.log (deprecated).
        self.spider = spider
        prefix = f"{spider.name}:{job_name(spider.plan, spider.settings)}"
        # A sorted set, whatever SCHEDULER_QUEUE_CLASS says: the roll's fenced _TAKE and _PUT
        # work on scrapy-redis's PriorityQueue.
        self.queue = PriorityQueue(server=self.server, spider=spider, key=f"{prefix}:requests", serializer=self.serializer)
        self.df = RFPDupeFilter(self.server, key=f"{prefix}:dupefilter", debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        self.job = prefix
        # How long a silent worker's heartbeat lasts before the others take it for dead.
        self.worker_ttl = spider.settings.getint("DISTRIBUTED_WORKER_TTL", WORKER_TTL)
        self.beat_every = beat_seconds(self.worker_ttl)
        self.roll = WorkerRoll(self.server, prefix, f"{prefix}:root", self.queue.key, self.df.key, self.worker_ttl)
        self.worker = self.roll.name
        self.redis_lost: str | None = None  # why, once Redis stopped answering
        self.redis_error = ""  # the error Redis was lost with (for the progress lines)
        self.root_lost: str | None = None  # why, once the job went to another root under this worker
        self.queue_lost: str | None = None  # why, once the job's queue was lost in Redis under this worker
        self.root = spider.plan.root
        self.job_root = self.root  # the job's root as recorded (the script compares it as written)
        if policy := evicting(self.server):
            logger.warning(
                "distributed crawl: Redis at %s evicts keys once it is full (%s): this job's may go, a worker's "
                "heartbeat (a live worker taken for dead) or its queue (requests no worker fetches); set "
                "maxmemory-policy noeviction", safe_url(spider.settings.get("REDIS_URL") or ""), policy)
        self.refused = self.refusal(spider.plan.root)  # why the job will not have this worker
        self.beaten_at = _clock()  # when this worker last told the roll it is alive
        self.heartbeat = create_looping_call(self.beat)
        if self.refused is not None:
            # Closed by SharedQueueIdle as the spider opens: Scrapy closes a spider whose
            # scheduler raises in open() without having opened its pipelines, and says so
            # with a traceback.
            self.stats.set_value(WORKER_STOPPED, self.refused)
            logger.error(self.refused)
            return
        self.keys_leased = False  # the queue and fingerprints are leased once they exist
        self.heartbeat.start(self.beat_every, now=False)
        logger.info("distributed crawl: job %s, worker %s, %d requests queued", prefix, self.worker, len(self.queue))

    def refusal(self, root: str) -> str | None:
        """Joins the job, if it crawls from ``root`` (compared as roots:
        crawler.papers.as_site_root) or has no root yet (``root`` recorded); else why this
        worker may not: the job crawls from another root, recorded by its first worker."""
        joined = self.join_job(root)
        if joined.joined:
            self.job_root = joined.root
            return None
        return (
            f"distributed crawl: job {self.job} crawls from {joined.root}, not from this worker's root {root}: "
            f"its issues would be fetched from both and their articles stored twice; start this worker with "
            f"-a base_url={joined.root}"
        )

    def join_job(self, root: str) -> Joined:
        """Onto the job's roll if its root is ``root`` or none yet (``root`` recorded); says
        which workers were found killed, and whether the job was started afresh."""
        joined = self.roll.join(root, root)
        dead, cleared = list(joined.dead), joined.cleared
        while not joined.joined and as_site_root(joined.root) == as_site_root(root):
            # The job's root written otherwise (the script compares roots as written): offered
            # again as the job wrote it; if the job was cleared meanwhile, ``root`` is recorded.
            joined = self.roll.join(root, joined.root)
            dead, cleared = dead + joined.dead, cleared or joined.cleared
        if cleared:
            # What the killed workers had taken from the queue is neither queued nor stored,
            # but its fingerprints would have kept this run from asking for it again; a root
            # recorded by a worker killed before it got on the roll, workers from any other.
            logger.warning(
                "distributed crawl: job %s was left by workers that did not close it%s: starting it afresh "
                "(what they stored is kept; the archive tells what is missing)",
                self.job, f" ({taken_for_dead(dead, self.worker_ttl)})" if dead else "",
            )
        elif dead:
            self.say_taken_for_dead(dead)
        return joined

    def say_taken_for_dead(self, marks: list[str]) -> None:
        logger.warning(
            "distributed crawl: job %s: workers taken for dead, %s: what they were fetching is missing: "
            "run the job again once it ends", self.job, taken_for_dead(marks, self.worker_ttl)
        )

    def beat(self) -> None:
        """Tells the job's other workers this one is alive, and keeps the job's keys a
        JOB_TTL longer (the heartbeat's timer)."""
        if self.refused is not None or self.redis_lost is not None or self.root_lost is not None:
            return
        try:
            self.check_in()
        except RedisError as exc:  # a beat missed is no reason to stop: the next may pass
            logger.warning("distributed crawl: job %s: heartbeat not sent: %s", self.job, exc)

    def check_in(self) -> None:
        """The heartbeat: back onto the job's roll if another worker took this one for dead
        (rejoined, or stopped if the job crawls from another root by now)."""
        since = _clock() - self.beaten_at
        answer = self.roll.beat(self.root, self.job_root)
        while not answer.joined and as_site_root(answer.root) == as_site_root(self.root):
            answer = self.roll.beat(self.root, answer.root)  # the job's root written otherwise
        self.beaten_at = _clock()
        if answer.was_on:
            return
        if not answer.joined:
            self.lose_root(answer.root, since)
            return
        self.job_root = answer.root
        # The job may have ended meanwhile: its queue and fingerprints, made afresh by the next
        # push, are leased then (the script leased only the keys there were), or a worker
        # killed before its next heartbeat would leave fingerprints that never expire.
        self.keys_leased = False
        if answer.recorded:
            ended = (f"; the job had ended meanwhile (its queue and fingerprints cleared): it records its root "
                     f"{answer.root} again and finishes what it was fetching")
        elif answer.ended:
            # The roll and root of the job another worker started afresh look as this worker
            # left them: only the member it keeps among the fingerprints (_ENTER) tells.
            ended = (f"; the job had ended meanwhile (its queue and fingerprints cleared) and another worker started "
                     f"it afresh from {answer.root}: this worker finishes what it was fetching")
        else:
            ended = ""
        logger.warning(
            "distributed crawl: job %s: this worker was %s and is back on the job's roll%s", self.job,
            "taken for dead (no heartbeat for %.0f s: its process was paused or its machine suspended)" % since
            if _lapsed(since, self.worker_ttl) else f"off the job's roll {_keys_lost(since)}",
            f"{ended}, which may fetch again what other workers stored" if ended else "",
        )
        if ended and not _lapsed(since, self.worker_ttl):
            # Not ended by its workers, who would have waited for this one: the requests queued
            # then went with the keys and no worker fetches them. The worker goes on with what
            # it fetches, but its run must not end as a crawl that did its share (exit 0).
            self.queue_lost = (
                f"distributed crawl: job {self.job}: its queue was lost in Redis while this worker crawled (Redis "
                f"restarted without its data, or the job's keys deleted by hand): what it held was fetched by no "
                f"worker; run the job again"
            )
            self.stats.set_value(WORKER_STOPPED, self.queue_lost)
            # Its exit status 2 needs its line in the log, which is all a run without LOG_FILE
            # says (the crawl command prints the stats' line to stderr only beside a LOG_FILE).
            logger.error(self.queue_lost)
        if answer.dead:
            self.say_taken_for_dead(answer.dead)

    def check_in_if_due(self) -> None:
        """A heartbeat now if one is overdue, before this worker uses the queue: resumed after a
        pause, the engine may take or push a request before the heartbeat's timer fires, and
        must not do it on a job that went to another root meanwhile. May raise RedisError."""
        if self.refused is None and self.root_lost is None and _clock() - self.beaten_at > OVERDUE_BEATS * self.beat_every:
            self.check_in()

    def lose_root(self, root: str, since: float) -> None:
        """The job crawls from another root than this worker's by the time it is back from a
        pause: the worker takes no more requests, finishes (and stores) what it is fetching,
        and closes with ROOT_REFUSED (SharedQueueIdle), as a worker refused at the start."""
        off = (
            f"took this worker for dead (no heartbeat for {since:.0f} s: its process was paused or its machine suspended)"
            if _lapsed(since, self.worker_ttl) else f"had this worker off its roll {_keys_lost(since)}"
        )
        self.root_lost = (
            f"distributed crawl: job {self.job} {off} and crawls from {root} now, not from this worker's root "
            f"{self.root}: this worker stopped taking requests, else its issues would be fetched from both and their "
            f"articles stored twice"
        )
        self._stop_taking(self.root_lost)

    def _stop_taking(self, why: str) -> None:
        """The worker takes no more requests (``why`` set): said once, in the stats (the run's
        crawl_runs message) and the log, and its heartbeat stops."""
        self.stats.set_value(WORKER_STOPPED, why)
        logger.error(why)
        if self.heartbeat.running:
            self.heartbeat.stop()

    def lease_keys(self) -> None:
        for key in self.roll.job_keys:
            self.server.expire(key, JOB_TTL)
        self.keys_leased = True

    def job_progress(self) -> str:
        """Where the whole job stands, as one worker can tell: the requests its workers share
        and how many workers are at it (the progress line's second half)."""
        if self.redis_lost is not None:
            # Not asked again: a Redis that stopped answering (a host gone, a network cut)
            # holds each question up to REDIS_PARAMS' timeout twice, a minute by default, the
            # whole crawl with it: each progress line and the summary delayed the worker's stop.
            return f"job {self.job}: Redis unreachable ({self.redis_error})"
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
        self.redis_error = str(exc)
        self.redis_lost = (
            f"Redis unreachable at {safe_url(self.spider.settings.get('REDIS_URL') or '')} ({exc}): "
            f"the crawl of job {self.job} stopped; run it again once Redis is back"
        )
        self._stop_taking(self.redis_lost)

    # scrapy-redis 0.9.1 passes spider= to the stats, which Scrapy 2.19 deprecates: the same
    # methods without it.
    def enqueue_request(self, request):
        if self.redis_lost is not None or self.root_lost is not None:
            return False
        try:
            self.check_in_if_due()
            if self.root_lost is not None:
                return False
            answer = self.put(request)
            if answer == OFF_ROLL:
                self.check_in()  # taken off the roll after its last check: back on it, or stopped
                answer = OFF_ROLL if self.root_lost is not None else self.put(request)
            if answer == SEEN:
                self.df.log(request, self.spider)
            if answer != QUEUED:
                return False
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

    def put(self, request) -> int:
        """Queues ``request`` in one Redis step with the checks that it is new and that this worker
        is on the job's roll (_PUT): QUEUED, SEEN or OFF_ROLL."""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        return self.roll.put(fingerprint, -request.priority, self.queue._encode_request(request))

    def next_request(self):
        if self.redis_lost is not None or self.root_lost is not None:
            return None
        try:
            self.check_in_if_due()
            if self.root_lost is not None:
                return None
            on_roll, data = self.roll.take()
            if not on_roll:
                self.check_in()  # taken off the roll after its last check: back on it, or stopped
                on_roll, data = (False, None) if self.root_lost is not None else self.roll.take()
            request = self.queue._decode_request(data) if on_roll and data is not None else None
        except RedisError as exc:
            self.lose_redis(exc)
            return None
        if request:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.redis_lost is not None or self.root_lost is not None:
            return False
        try:
            self.check_in_if_due()
            return self.root_lost is None and len(self.queue) > 0
        except RedisError as exc:
            self.lose_redis(exc)
            return False

    def others_at_work(self) -> int:
        """This worker is idle and would leave: the number of the job's other workers still at
        work, whom it waits for (SharedQueueIdle); 0 once Redis is lost."""
        if self.redis_lost is not None or self.root_lost is not None:
            return 0
        try:
            self.check_in_if_due()
            if self.root_lost is not None:
                return 0
            busy, dead = self.roll.idle()
        except RedisError as exc:
            self.lose_redis(exc)
            return 0
        if dead:
            self.say_taken_for_dead(dead)
        return busy

    def close(self, reason):
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.refused is not None:
            # Never on the roll: leaving it, this worker would find no live worker but itself
            # gone, and clear the job the others are crawling.
            return None
        if self.root_lost is not None:
            # Off the roll of a job another root's workers crawl: as a worker refused at the
            # start, it leaves the job to them.
            return None
        if self.redis_lost is not None:
            # Nothing can be cleared now: the roll shows this worker dead once its heartbeat
            # lapses, and the next run of the job starts it afresh.
            return None
        try:
            # Stopped mid-crawl by the archive's check of roots (pipelines/store.py): Scrapy drops
            # what this worker had taken from the queue, which no other worker fetches.
            self.leave_job(stopped=reason == ROOT_REFUSED)
        except RedisError as exc:
            self.lose_redis(exc)
            # Closed 'finished' by Scrapy: its crawl_runs row must say what its line and exit status say.
            if not self.stats.get_value(CLOSE_REASON):
                self.stats.set_value(CLOSE_REASON, REDIS_LOST)
        return None

    def leave_job(self, stopped: bool = False) -> None:
        """Off the roll; the last live worker clears the job's queue, fingerprints and root.

        A worker of the job was killed: what it had taken from the queue (popped, and its
        fingerprint recorded) no worker fetched. Every worker that leaves the job since ends its
        run as one that did not fetch everything (SHARE_LOST: crawl_runs status 'failed', exit
        status 4); the job cleared, running it again fetches what the archive lacks. A worker that
        leaves ``stopped`` by the archive's check of roots (Scrapy dropped what it had taken)
        leaves its mark (STOPPED) to the same end."""
        dead, marks = self.roll.leave(STOPPED if stopped else "")
        if dead:
            self.say_taken_for_dead(dead)
        if marks:
            self.stats.set_value(
                SHARE_LOST, f"what {len(marks)} worker{'' if len(marks) == 1 else 's'} of job {self.job} had taken from "
                            f"its queue ({taken_for_dead(marks, self.worker_ttl)})"
            )
        if any(mark.startswith(STOPPED) for mark in marks) and (refused := self.rerun_refusal()):
            self.stats.set_value(RERUN_REFUSED, refused)

    def rerun_refusal(self) -> str | None:
        """Which run again of those the failure line advises the crawl command would refuse as
        the archive stands, and why (an issue of its dates held from another root, as the one
        the stopped worker fetched: crawler/commands/crawl.py), or None: the runs of the issues
        of other workers' dates this worker failed, then the job again (this worker's dates).
        Checked against this worker's dates alone, a run of those issues was refused unwarned."""
        from crawler.arguments import plan_crawl, root_refusal
        from crawler.commands.crawl import held_from_other_roots
        from crawler.extensions import dates_failed_beyond, rerun_runs, run_arguments
        from storage.db import ArchiveError, archive_url, open_archive

        settings, plan = self.spider.settings, self.spider.plan
        runs = [(f"a run with {run_arguments(run)}", plan_crawl(**run))
                for run in rerun_runs(plan, dates_failed_beyond(plan, self.stats))]
        runs.append((f"a run from {plan.root}", plan))
        try:
            archive = open_archive(archive_url(settings.get("ARCHIVE_URL")))
            try:
                for run, each in runs:
                    if elsewhere := held_from_other_roots(archive, each, settings):
                        return f"{run} is refused: {root_refusal(each, elsewhere, settings)}"
            finally:
                archive.close()
        except (ArchiveError, SQLAlchemyError) as exc:  # the failure line says "run again" all the same
            logger.warning("distributed crawl: job %s: the archive's roots could not be checked for its run again: %s",
                           self.job, exc)
        return None


class SharedQueueIdle:
    """Keeps an idle worker open DISTRIBUTED_IDLE_SECONDS: the shared queue may refill while
    another worker parses a page, and a worker that leaves too early leaves the work to it.
    Then, for as long as another worker of the job is at work (JobScheduler.others_at_work):
    the last worker out ends the job, and must find the one killed where only its heartbeat
    tells. A worker that lost Redis is idle for good: it closes at once, with REDIS_LOST; one whose
    job's queue Redis lost under it (JobScheduler.check_in) closes with it once idle. A worker
    its job refused (JobScheduler.refusal) closes as it opens, with ROOT_REFUSED: Scrapy
    never asks its spider for the first requests; one whose job went to another root while
    it was paused (JobScheduler.lose_root) closes with ROOT_REFUSED once idle."""

    def __init__(self, crawler, grace: float):
        self.crawler = crawler
        self.grace = grace
        self.idle_since: float | None = None
        self.waiting = False  # for other workers at work, said once

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

    def unstored(self) -> int:
        """The items this worker holds not yet in the archive (the store pipeline's answer to
        items_unstored), whose writing it starts."""
        answers = self.crawler.signals.send_catch_log(signal=items_unstored)
        return sum(n for _, n in answers if isinstance(n, int))

    def spider_idle(self, spider) -> None:
        if getattr(self._scheduler(), "redis_lost", None) is not None:
            raise CloseSpider(REDIS_LOST)
        if getattr(self._scheduler(), "root_lost", None) is not None:
            raise CloseSpider(ROOT_REFUSED)
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
            self.waiting = False
        if now - self.idle_since < self.grace:
            raise DontCloseSpider
        if self.unstored():
            # Written before the job is told this worker is idle: it is not waited for then,
            # and killed on another machine its batch would be lost with the job ended as done.
            raise DontCloseSpider
        if others := getattr(self._scheduler(), "others_at_work", lambda: 0)():
            # Their pages may queue more; and one may have been killed where its process id
            # cannot be looked up, which only its heartbeat's lapse tells (JobScheduler.leave_job).
            if not self.waiting:
                logger.info("distributed crawl: the job's queue is empty: waiting for %d other worker%s at work", others,
                            "" if others == 1 else "s")
            self.waiting = True
            raise DontCloseSpider
        if getattr(self._scheduler(), "queue_lost", None) is not None:
            raise CloseSpider(REDIS_LOST)  # its run ends as one that lost Redis: exit status 2
