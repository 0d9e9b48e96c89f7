"""`scrapy crawl` with one-line errors for the mistakes users make, and an exit status that
tells how the run went (docs/operations.md, "Exit status").

Spider arguments, the project's settings and the archive are checked in ``process_options``,
which Scrapy runs before it creates the crawler process (and logs its start-up banner), so a bad
date, an unknown paper, a setting that is no number, an unreachable database or issues the
archive holds from another site root end the run with exit status 2 and one line on stderr,
nothing else.
"""
from __future__ import annotations

import logging
import math
import os
import signal
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import get_spider_loader

from crawler.addons import CRAWL_MODES, crawl_mode
from crawler.arguments import CrawlPlan, SpiderArgumentError, asks_complete_issues, check_root
from crawler.extensions import (ALARM_MESSAGES, ARCHIVE_REFUSED, RECORD_ERRORS, SHUTDOWN_SIGNAL, WORKER_STOPPED,
                                CrawlRunRecorder, failure_message)
from crawler.interruption import EXIT_SIGNAL_BASE, interrupt_on_signals, interrupted_message, stop_at_once_on_signals

logger = logging.getLogger(__name__)

EXIT_BAD_INPUT = 2
# The crawl ran but the site's template seems to have changed (crawler/extensions.py).
EXIT_ALARM = 3
# The crawl ran but some issues, pages, articles or page PDFs could not be fetched.
EXIT_FAILURES = 4

# The project's own settings, checked before a crawl starts: name -> (type, least value).
_NUMBER = {int: "a whole number", float: "a number"}
PROJECT_SETTINGS: dict[str, tuple[type, float | None]] = {
    "ARCHIVE_BATCH_SIZE": (int, 1),
    "ARCHIVE_BATCH_SECONDS": (float, 0),
    "ARCHIVE_FETCH_PDFS": (bool, None),
    "ARCHIVE_PDF_MAXSIZE": (int, 0),
    "ARCHIVE_PDF_WORKERS": (int, 0),
    "ARCHIVE_DELTA_ENABLED": (bool, None),
    "ARCHIVE_RECORD_RUNS": (bool, None),
    "ARCHIVE_HEARTBEAT_SECONDS": (float, 0.1),  # a looping call of 0 s would spin
    "ARCHIVE_DRIFT_ALARM": (bool, None),
    "ARCHIVE_DRIFT_MAX_SHARE": (float, 0),
    "ARCHIVE_GONE_AFTER_RUNS": (int, 1),
    "ARCHIVE_GONE_AFTER_DAYS": (int, 0),
    "ARCHIVE_PROGRESS_INTERVAL": (float, None),  # 0 or less: no progress lines
    "RETRY_BACKOFF_BASE": (float, 0),
    "RETRY_BACKOFF_MAX": (float, 0),
    "GC_YOUNG_THRESHOLD": (int, 0),
    "DISTRIBUTED_IDLE_SECONDS": (float, 0),
    "DISTRIBUTED_WORKER_TTL": (int, 1),
}
# Scrapy's own that docs/operations.md tells to override (politeness, the cron line's log):
# Scrapy reads them after its start-up banner, and a value that is no number ended the run
# with a traceback and exit status 1, as if a component had not loaded.
SCRAPY_SETTINGS: dict[str, tuple[type, float | None]] = {
    "DOWNLOAD_DELAY": (float, 0),
    "DOWNLOAD_TIMEOUT": (float, 0),
    "CONCURRENT_REQUESTS": (int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (int, 1),
    "AUTOTHROTTLE_ENABLED": (bool, None),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (float, 0),
    "AUTOTHROTTLE_START_DELAY": (float, 0),
    "AUTOTHROTTLE_MAX_DELAY": (float, 0),
    "RETRY_ENABLED": (bool, None),
    "RETRY_TIMES": (int, 0),
    "ROBOTSTXT_OBEY": (bool, None),
    "LOG_ENABLED": (bool, None),
    "LOG_FILE_APPEND": (bool, None),
}
# Of those, the ones whose least value is itself wrong: Scrapy leaves AutoThrottle out, with a
# warning, at a target concurrency of 0, and the crawl ran unthrottled with exit status 0.
MORE_THAN_LEAST = frozenset({"AUTOTHROTTLE_TARGET_CONCURRENCY"})
# The settings that have a greatest value too: a share of the articles is 1 at most, and the
# drift alarm of a share above it never went off (ARCHIVE_DRIFT_ALARM=False turns it off). A
# heartbeat of an hour takes five hours to tell a killed run (docs/operations.md): a longer one
# serves nothing, and one of 5e10 s or more made the documented PostgreSQL query on crawl_runs
# fail for the run's row ("timestamp out of range", then "interval out of range"). A distributed
# worker's heartbeat outliving the job's keys (their seven days' lease) serves nothing either, and
# one past Redis's greatest expiry ended the worker with a traceback as it joined the job.
GREATEST: dict[str, float] = {"ARCHIVE_DRIFT_MAX_SHARE": 1, "ARCHIVE_HEARTBEAT_SECONDS": 3600,
                              "DISTRIBUTED_WORKER_TTL": 7 * 24 * 3600}


def check_settings(settings) -> str | None:
    """The first of the project's settings (and Scrapy's the docs name) that their readers
    would fail on, in one line."""
    for name, (kind, least) in (PROJECT_SETTINGS | SCRAPY_SETTINGS).items():
        raw = settings.get(name)
        try:
            value = {int: settings.getint, float: settings.getfloat, bool: settings.getbool}[kind](name)
        except (TypeError, ValueError):
            if kind is bool:
                return f"setting {name}={raw!r} is not a yes or no (True/False, 1/0)"
            return f"setting {name}={raw!r} is not {_NUMBER[kind]}"
        if kind is float and not math.isfinite(value):
            return f"setting {name}={raw!r} is not a finite number"
        if least is not None and value < least:
            return f"setting {name}={raw!r} is less than {least:g}"
        if name in MORE_THAN_LEAST and value == least:
            return f"setting {name}={raw!r} is not more than {least:g}"
        if name in GREATEST and value > GREATEST[name]:
            return f"setting {name}={raw!r} is more than {GREATEST[name]:g}"
    level = settings.get("LOG_LEVEL")
    if isinstance(level, str) and level not in logging.getLevelNamesMapping():  # as logging reads it: in capitals
        return f"setting LOG_LEVEL={level!r} is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL, in capitals)"
    try:
        [int(code) for code in settings.getlist("RETRY_HTTP_CODES")]
    except (TypeError, ValueError):
        return f"setting RETRY_HTTP_CODES={settings.get('RETRY_HTTP_CODES')!r} is not a list of HTTP statuses (500,502,503)"
    return None


PROJECT_PREFIX = "ARCHIVE_"  # the project's own settings' names


def check_setting_names(settings) -> str | None:
    """A setting given by ``-s NAME=VALUE`` that nothing reads, its name a known one's misspelt:
    Scrapy takes any name, and the run went on with the default (a batch of 400 for
    ``ARCHIVE_BATCH_SIZ=10``). A name of the project's own (PROJECT_PREFIX) that it does not know
    is refused too; one near none is left to the components that read it (scrapy-redis's)."""
    import difflib

    from scrapy.settings import SETTINGS_PRIORITIES, default_settings

    from crawler import settings as project_settings
    from crawler.papers import PROFILES_ENV
    from pipelines.script import CORRECTIONS_ENV

    known = {name for module in (default_settings, project_settings) for name in dir(module) if name.isupper()}
    known.add(CORRECTIONS_ENV)  # a setting as well as an environment variable (pipelines/script.py)
    for name in settings.attributes:
        if name in known or (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
            continue
        if name == PROFILES_ENV:
            return f"{name} is an environment variable, not a setting: {name}=FOLDER scrapy crawl issues …"
        ours = name.startswith(PROJECT_PREFIX)
        if ours:  # told apart by what follows the prefix they share
            words = {known_name.removeprefix(PROJECT_PREFIX): known_name for known_name in known
                     if known_name.startswith(PROJECT_PREFIX)}
            near = [words[word] for word in difflib.get_close_matches(name.removeprefix(PROJECT_PREFIX), words, 1, 0.6)]
        else:
            near = difflib.get_close_matches(name, known, 1, 0.85)
        if near:
            return f"unknown setting {name} (given by -s): did you mean {near[0]}?"
        if ours:
            return f"unknown setting {name} (given by -s): the project's settings are those of crawler/settings.py"
    return None


def check_log_file(settings) -> str | None:
    """LOG_FILE, when the log goes there, as one line if it cannot be written: Scrapy opens it
    after this check, and a missing folder (the cron line's /var/log/charity-press/ not made
    yet) or one the crawl's user may not write would end the run with a traceback."""
    path = settings.get("LOG_FILE")
    if not path or not settings.getbool("LOG_ENABLED"):
        return None
    try:
        # Scrapy appends to it (LOG_FILE_APPEND) or truncates it: opening it to append, which
        # creates it as Scrapy would, changes nothing it holds.
        with open(path, "a", encoding=settings.get("LOG_ENCODING") or "utf-8"):
            pass
    except OSError as exc:
        return f"cannot write LOG_FILE {path!r}: {exc.strerror or exc}"
    return None


def check_redis_url(url: str) -> str | None:
    """A REDIS_URL whose database (its path) is no number, as one line: redis-py takes it for
    database 0, and the job would share another's queue without a word."""
    from urllib.parse import urlsplit

    from storage.db import safe_url

    parts = urlsplit(url)
    database = parts.path.strip("/")
    if parts.scheme in ("redis", "rediss") and database and not database.isdigit():
        return f"bad REDIS_URL {safe_url(url)!r}: its database {database!r} is not a number (redis://host:6379/0)"
    return None


# REDIS_PARAMS' numbers of seconds: redis-py takes any value at first, and one that is no number
# (or none above 0) raised from the socket as the crawl first asked Redis, a traceback.
REDIS_SECONDS = ("socket_timeout", "socket_connect_timeout", "health_check_interval")


def check_redis_params(settings) -> str | None:
    """REDIS_PARAMS, the parameters scrapy-redis hands redis-py, as one line if they are no JSON
    object or a number of seconds in them is none (None, redis-py's "no timeout", passes)."""
    raw = settings.get("REDIS_PARAMS")
    bad = f"bad setting REDIS_PARAMS={raw!r}"
    try:
        params = settings.getdict("REDIS_PARAMS")
    except (TypeError, ValueError):
        return f'{bad}: it is not a JSON object of redis-py\'s parameters, e.g. {{"socket_timeout": 30}}'
    for name in REDIS_SECONDS:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"{bad}: its {name} {value!r} is not a number of seconds"
        if value <= 0:
            return f"{bad}: its {name} {value!r} is not more than 0 seconds"
    return None


def archive_url_origin(settings) -> str:
    """Where the crawl's ARCHIVE_URL comes from, as a message names it: `-s ARCHIVE_URL=` on the
    command line, $ARCHIVE_URL (crawler/settings.py reads it), the default, or a setting made
    elsewhere (a settings module of one's own, scrapyd)."""
    from scrapy.settings import SETTINGS_PRIORITIES

    from storage.db import DEFAULT_ARCHIVE_URL

    value = settings.get("ARCHIVE_URL")
    if (settings.getpriority("ARCHIVE_URL") or 0) >= SETTINGS_PRIORITIES["cmdline"]:
        return "-s ARCHIVE_URL"
    if value and value == os.environ.get("ARCHIVE_URL"):
        return "$ARCHIVE_URL"
    if not value or value == DEFAULT_ARCHIVE_URL:
        return "default, as ARCHIVE_URL is not set"
    return "the setting ARCHIVE_URL"


def repeated_argument(spargs: list[str]) -> str | None:
    """A spider argument given twice with two values (or without ``=``), as one line: Scrapy
    keeps the last, so `-a date=2023-01-24 -a date=2023-01-31` (two issues meant) crawled one
    and said nothing."""
    seen: dict[str, str] = {}
    for arg in spargs:
        name, sep, value = arg.partition("=")
        if not sep:
            # Scrapy's usage line and its own error line, two lines for one slip.
            return f"spider argument {arg!r} has no value: write -a NAME=VALUE"
        if name in seen and seen[name] != value:
            more = " (a range: start= and end=)" if name == "date" else ""
            return f"{name}= given twice, {seen[name]!r} and {value!r}: give it once{more}"
        seen[name] = value
    return None


def interrupted_before_the_crawl(interruption: KeyboardInterrupt) -> None:
    """Ctrl-C or SIGTERM before Scrapy takes them over (its handlers, installed as the crawl
    starts, stop it gracefully): the line an interrupted run ends with, not Python's traceback
    from wherever the run was, e.g. waiting on an archive server slow to answer."""
    # Python's own SIGINT handler raises it without arguments; interrupt_on_signals' SIGTERM
    # handler with the signal's number.
    signum = interruption.args[0] if interruption.args and isinstance(interruption.args[0], int) else signal.SIGINT
    print(f"error: {interrupted_message(signum)}", file=sys.stderr)
    sys.exit(EXIT_SIGNAL_BASE + signum)


def crawl_engine(crawler):
    """The crawler's engine, or None before Scrapy made it (reading it then raises)."""
    try:
        return crawler.engine
    except (AttributeError, RuntimeError):
        return None


def spider_closing(crawler) -> bool:
    """Whether the crawler's engine has begun closing the spider. Read from the engine's own
    state: Scrapy has no signal or public attribute for it (spider_closed comes once the
    pipelines have written their last batch; engine.running stays True through a close the
    crawl itself begins), and a close with downloads under way (CLOSESPIDER_TIMEOUT's, a
    CloseSpider) waits for them before any pipeline of the project hears of it."""
    slot = getattr(crawl_engine(crawler), "_slot", None)
    return getattr(slot, "closing", None) is not None


def close_after_forced_stop(crawler) -> None:
    """Close the run's crawl_runs row after a forced stop, once the batch the store pipeline's
    writer thread is writing has committed: that batch adds its counts to the row only while
    the row is open, and the process waits for the thread as it exits all the same."""
    from pipelines.store import StorePipeline

    itemproc = getattr(getattr(crawl_engine(crawler), "scraper", None), "itemproc", None)
    for pipeline in getattr(itemproc, "middlewares", ()):
        if isinstance(pipeline, StorePipeline):
            pipeline.executor.shutdown(wait=True)
    for extension in crawler.extensions.middlewares:
        if isinstance(extension, CrawlRunRecorder):
            extension.close_after_forced_stop()


class Command(ScrapyCrawl):
    def run(self, args, opts):
        interrupt_on_signals()  # until Scrapy takes the signals over as its reactor starts
        try:
            self._run(args, opts)
        except KeyboardInterrupt as interruption:
            interrupted_before_the_crawl(interruption)

    def _run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)
        crawler = self._create_crawler(args[0])
        signals_received = self._record_shutdown_signals(crawler)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            # Scrapy logs why where its log goes; cron mails stderr, which would hold nothing.
            if not crawler.settings.getbool("LOG_ENABLED"):
                print("error: Scrapy could not start the crawl (LOG_ENABLED=False: run it with the log on to see why)",
                      file=sys.stderr)
            elif crawler.settings.get("LOG_FILE"):
                print(f"error: Scrapy could not start the crawl: its traceback is in {crawler.settings.get('LOG_FILE')}",
                      file=sys.stderr)
            return
        # The spider was not closed: a second signal stopped the run at once, or the first came
        # before the engine ran (the spider opening), and Scrapy's graceful stop had no crawl to
        # stop and stopped the reactor; the run exited 0 without a word, its row left 'running'.
        forced = len(signals_received) > 1 or bool(signals_received and crawler.stats.get_value("finish_reason") is None)
        if forced:
            close_after_forced_stop(crawler)
        errors = list(crawler.stats.get_value(ALARM_MESSAGES, []))
        alarmed = bool(errors)
        # The run is not in crawl_runs: no change to the exit status, the crawl itself went on.
        errors += crawler.stats.get_value(RECORD_ERRORS, [])
        if failed := failure_message(crawler):
            errors.append(failed)
        # A distributed worker that lost Redis mid-crawl, or that its job refused for its site
        # root, stopped (crawler/distributed.py); or the archive, opened by the check before the
        # crawl, refused the store pipeline (pipelines/store.py): bad input, as the check says.
        stopped = crawler.stats.get_value(WORKER_STOPPED) or crawler.stats.get_value(ARCHIVE_REFUSED)
        if stopped:
            errors.append(stopped)
        signum = None
        # A signal that came as the run closed, done, let it close (stop_unless_closing): not
        # interrupted. One that went unnoted, yet stopped the run, is taken for Ctrl-C.
        if forced or crawler.stats.get_value("finish_reason") == "shutdown":
            signum = signals_received[0] if signals_received else signal.SIGINT
        if signum is not None:
            self.exitcode = EXIT_SIGNAL_BASE + signum
            errors.append(interrupted_message(signum))
            # Logged as the alarms and failures are: a log read on its own (the journal, a
            # terminal) ends saying the run was cut short, not only Scrapy's "Received SIGTERM".
            logger.error(interrupted_message(signum))
        elif stopped:
            # As when Redis is unreachable at the start, or the archive refuses the crawl's root.
            self.exitcode = EXIT_BAD_INPUT
        elif alarmed:
            self.exitcode = EXIT_ALARM
        elif failed:
            self.exitcode = EXIT_FAILURES
        if crawler.settings.get("LOG_FILE") or not crawler.settings.getbool("LOG_ENABLED"):
            # The log's ERROR lines do not reach stderr, which is what cron mails.
            for message in errors:
                print(f"error: {message}", file=sys.stderr)

    def _record_shutdown_signals(self, crawler) -> list[int]:
        """The shutdown signals (SIGINT, SIGTERM) the crawler process receives, in order.

        Scrapy stops the crawl gracefully on the first one and ends with the close reason
        'shutdown' whichever it was, and on a second stops at once, without closing the spider:
        its handlers are wrapped to note the signal's number (a signal handler only appends to
        a list; Scrapy logs the signal itself).
        """
        received: list[int] = []
        process = self.crawler_process
        # One handler for Twisted's reactor, one for the reactorless asyncio loop (Scrapy 2.13+);
        # the first signal's, then the second's, which forces the stop.
        for name in ("_signal_shutdown", "_signal_shutdown_reactorless", "_signal_kill", "_signal_kill_reactorless"):
            handler = getattr(process, name, None)
            if handler is None:
                continue

            def noting(signum, frame, handler=handler):
                received.append(signum)
                if crawler.stats is not None and crawler.stats.get_value(SHUTDOWN_SIGNAL) is None:
                    crawler.stats.set_value(SHUTDOWN_SIGNAL, int(signum))  # for crawl_runs.message
                handler(signum, frame)

            setattr(process, name, noting)
        # Scrapy's graceful stop asks the crawler to stop and then stops the reactor. Asked as the
        # spider closes (its last batch being written, its crawl_runs row not yet closed), the
        # crawler has nothing to stop: the reactor stopped in the middle of the close, which the
        # run's own end completes. A second signal still forces the stop.
        graceful_stop = getattr(process, "_graceful_stop_reactor", None)
        if graceful_stop is not None:
            def stop_unless_closing():
                if spider_closing(crawler):
                    logger.info("the run was closing when the signal came: it writes its last batch and closes its "
                                "crawl_runs row first (send the signal again to stop at once)")
                    return None
                return graceful_stop()

            process._graceful_stop_reactor = stop_unless_closing
        return received

    def process_options(self, args, opts):
        interrupt_on_signals()
        try:
            self._process_options(args, opts)
        except KeyboardInterrupt as interruption:
            interrupted_before_the_crawl(interruption)
        # The archive closed again: nothing open until run() (Scrapy sets its logging up between).
        stop_at_once_on_signals()

    def _process_options(self, args, opts):
        # Before Scrapy makes a dict of them (the last value of a name wins).
        if isinstance(opts.spargs, list) and (message := repeated_argument(opts.spargs)):
            print(f"error: {message}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
        super().process_options(args, opts)
        if len(args) == 1:
            message = self._preflight(args[0], opts)
            if message:
                print(f"error: {message}", file=sys.stderr)
                sys.exit(EXIT_BAD_INPUT)

    def _preflight(self, spider_name: str, opts) -> str | None:
        loader = get_spider_loader(self.settings)
        try:
            spidercls = loader.load(spider_name)
        except KeyError:
            return f"unknown spider {spider_name!r} (known: {', '.join(loader.list())})"
        check = getattr(spidercls, "check_arguments", None)
        try:
            plan = check(**opts.spargs) if check else None
        except SpiderArgumentError as exc:
            return str(exc)
        from pipelines.script import CorrectionsError, check_corrections

        try:  # the user's t2s rules, read once here and reused by the script pipeline
            check_corrections(self.settings.get("T2S_CORRECTIONS"))
        except CorrectionsError as exc:
            return str(exc)
        if message := check_setting_names(self.settings) or check_settings(self.settings):
            return message
        if message := check_log_file(self.settings):
            return message
        # Before the archive is opened: opening a SQLite archive makes its file, which a
        # distributed crawl refuses, and would leave behind.
        if message := self._check_mode():
            return message
        if self.settings.getdict("ITEM_PIPELINES").get("pipelines.store.StorePipeline") is not None:
            from storage.db import ArchiveError, archive_url, open_archive

            try:
                archive = open_archive(archive_url(self.settings.get("ARCHIVE_URL")), origin=archive_url_origin(self.settings))
            except ArchiveError as exc:
                return str(exc)
            try:
                if isinstance(plan, CrawlPlan):
                    self._check_root(archive, plan)
            except SpiderArgumentError as exc:
                return str(exc)
            finally:
                archive.close()
        if isinstance(plan, CrawlPlan) and crawl_mode(self.settings) == "distributed":
            return self._wait_for_idle_workers(spidercls.name, plan)
        return None

    def _wait_for_idle_workers(self, spider_name: str, plan: CrawlPlan) -> str | None:
        """A worker of a job whose queue is empty and whose workers went idle without leaving
        it (one killed as it waited for the others) waits for them to leave or lapse, said in
        one line on stderr, before Scrapy starts: a Ctrl-C meanwhile ends the run as one before
        the crawl does (crawler.distributed.wait_for_idle_workers)."""
        import redis
        from scrapy_redis.connection import get_redis_from_settings

        from crawler.distributed import job_name, wait_for_idle_workers

        try:
            wait_for_idle_workers(get_redis_from_settings(self.settings), f"{spider_name}:{job_name(plan, self.settings)}",
                                  lambda line: print(f"warning: {line}", file=sys.stderr, flush=True))
        except redis.RedisError as exc:
            return redis_unreachable(self.settings, exc)
        return None

    def _check_root(self, archive, plan: CrawlPlan) -> None:
        """The issues this crawl asks that the archive holds from another site root (a mirror,
        the paper's former domain): refused before anything is fetched, as fetched again their
        articles would be stored twice (storage/roots.py)."""
        check_root(plan, held_from_other_roots(archive, plan, self.settings), self.settings)

    def _check_mode(self) -> str | None:
        mode = crawl_mode(self.settings)
        if mode not in CRAWL_MODES:
            return f"unknown CRAWL_MODE {mode!r} (known: {', '.join(CRAWL_MODES)})"
        if mode == "local":
            return None
        from storage.db import POSTGRESQL_SCHEMES, archive_url

        if archive_url(self.settings.get("ARCHIVE_URL")).partition("://")[0].partition("+")[0] not in POSTGRESQL_SCHEMES:
            return "CRAWL_MODE=distributed needs a PostgreSQL archive (ARCHIVE_URL=postgresql+psycopg://...)"
        try:
            from scrapy_redis.connection import get_redis_from_settings
        except ImportError:
            return "CRAWL_MODE=distributed needs scrapy-redis (pip install -e '.[distributed]')"
        import redis

        from storage.db import safe_url

        url = self.settings.get("REDIS_URL") or ""
        if message := check_redis_url(url) or check_redis_params(self.settings):
            return message
        try:
            get_redis_from_settings(self.settings).ping()
        except redis.RedisError as exc:
            return redis_unreachable(self.settings, exc)
        except ValueError as exc:  # redis-py's parse of a URL without redis://, rediss:// or unix://
            return f"bad REDIS_URL {safe_url(url)!r}: {exc}"
        except TypeError as exc:  # a parameter of REDIS_PARAMS that redis-py has not, or of another type
            return f"bad setting REDIS_PARAMS={self.settings.get('REDIS_PARAMS')!r}: redis-py refuses it: {exc}"
        return None


def redis_unreachable(settings, exc: Exception) -> str:
    """The line of a distributed crawl whose Redis did not answer before the crawl, or answered
    with a refusal, its password hidden. A Redis that asks for a password, refuses the one given
    or has no such database did answer: called unreachable, its operator looked for a network
    fault, and Redis's own words for a missing password speak of its HELLO command."""
    import redis
    from redis.connection import parse_url

    from storage.db import safe_url

    url = settings.get("REDIS_URL") or ""
    shown = safe_url(url)
    if isinstance(exc, redis.AuthenticationError):
        if not parse_url(url).get("password"):
            return (f"Redis at {shown} asks for a password, which REDIS_URL does not give: "
                    f"write it in the URL (redis://:PASSWORD@host:6379/0, an @ in it as %40)")
        return f"Redis at {shown} refused the password REDIS_URL gives: {exc}"
    if isinstance(exc, redis.ResponseError) and "DB index is out of range" in str(exc):
        return (f"Redis at {shown} has no database {parse_url(url).get('db', 0)} ({exc}): "
                f"it has as many as its `databases` setting says, 16 unless set, numbered from 0")
    return f"Redis unreachable at {shown}: {exc}"


def held_from_other_roots(archive, plan: CrawlPlan, settings) -> list:
    """The issues a crawl of ``plan`` asks that the archive holds from another site root (date,
    entry URL), which the crawl command refuses it for (check_root). A complete one is not
    fetched again (crawler.middlewares.ArchiveDeltaMiddleware) but with refresh: it duplicates
    nothing, and refusing it refused every scheduled crawl of a site that redirects to its new
    root, whose issues are stored under the root the redirects lead to."""
    from storage.roots import issues_from_other_roots

    elsewhere = issues_from_other_roots(archive, plan.paper.code, plan.root, None if plan.latest else plan.dates)
    if elsewhere and not asks_complete_issues(plan, settings):
        states = archive.issue_states(plan.paper.code, elsewhere[0][0], elsewhere[-1][0],
                                      pdfs=settings.getbool("ARCHIVE_FETCH_PDFS"))
        elsewhere = [(day, url) for day, url in elsewhere if not (day in states and states[day].complete)]
    return elsewhere
