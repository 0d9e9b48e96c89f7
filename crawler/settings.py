"""Scrapy settings of the archive crawler. Every value can be overridden with -s NAME=VALUE."""
import os

BOT_NAME = "charity_press_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` command validates arguments and the archive before starting (one-line errors).
COMMANDS_MODULE = "crawler.commands"

# The archive: any SQLAlchemy URL (sqlite:///..., postgresql+psycopg://...).
# The environment variable of the same name wins over this default.
ARCHIVE_URL = os.environ.get("ARCHIVE_URL", "sqlite:///archive.sqlite3")
# Items written in one transaction: a batch of 400 costs a quarter less per item than one of
# 100 (fewer commits and index flushes; docs/performance.md). A batch is also written once its
# first item has waited ARCHIVE_BATCH_SECONDS, so that a slow, polite crawl that is killed
# loses at most that much work (the next run fetches it again).
ARCHIVE_BATCH_SIZE = 400
ARCHIVE_BATCH_SECONDS = 60.0
# Fetch each page's PDF and store its reflowed text (pages.pdf_text) and the PDF itself.
ARCHIVE_FETCH_PDFS = True
ARCHIVE_PDF_MAXSIZE = 50 * 1024 * 1024
# Processes that read page PDFs' text (tens of fetches' CPU per PDF) beside the crawl; 0 reads
# them in the crawl's own thread. One keeps up with a polite crawl: it reads 4-13 PDFs a second.
ARCHIVE_PDF_WORKERS = 1

# An honest User-Agent: set ARCHIVE_CONTACT (setting or environment) to a URL or mail address
# site owners can reach; it fills {contact} (or override USER_AGENT whole).
ARCHIVE_CONTACT = os.environ.get("ARCHIVE_CONTACT", "")
USER_AGENT = "charity-press-archive/0.1 (research archive; +{contact})"

# Politeness: these are newspapers' own small servers.
ROBOTSTXT_OBEY = True
# The name robots.txt rules address this crawler by.
ROBOTSTXT_USER_AGENT = "charity-press-archive"
CONCURRENT_REQUESTS = 8
# Scrapy starts this many asyncio tasks for every callback's output, however little it yields
# (one item here): 100, the default, costs ~0.7 ms of CPU per response (docs/performance.md).
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait RETRY_BACKOFF_BASE x 2^(n-1) seconds (at most RETRY_BACKOFF_MAX, at least a
# Retry-After): crawler/middlewares.py BackoffRetryMiddleware replaces Scrapy's RetryMiddleware.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.ContactUserAgentMiddleware": 500,
    # The latest-issue page's refresh is read, not followed (the newest issue may be complete).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.IndexMetaRefreshMiddleware": 580,
    # A page or article redirected to a file fetched before is fetched all the same, to be judged.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.SiteRedirectMiddleware": 600,
    # A robots.txt the site does not answer is one log line, not a download's traceback.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtRulesMiddleware": 100,
}
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024

SPIDER_MIDDLEWARES = {
    # Skips complete issues, complete pages and stored articles (off with -a refresh=1).
    "crawler.middlewares.ArchiveDeltaMiddleware": 950,
}
# False: every run asks everything again, as -a refresh=1 does (dead links still count).
ARCHIVE_DELTA_ENABLED = True

# Order matters when a run ends: the drift alarm and the report of what could not be fetched
# decide before the record and the summary.
EXTENSIONS = {
    "crawler.extensions.TemplateDriftAlarm": 500,
    "crawler.extensions.FetchFailureReport": 505,
    "crawler.extensions.CrawlRunRecorder": 510,
    "crawler.extensions.CrawlProgress": 520,
    # Garbage collection leaves out what start-up made, and runs less often (docs/performance.md).
    "crawler.extensions.FreezeStartupHeap": 530,
}
# Objects allocated (net) between two young-generation collections, from the spider's opening
# on; 0 keeps Python's 700.
GC_YOUNG_THRESHOLD = 20000
# Record each run in crawl_runs ('running' until it ends: a killed run stays visible, with the
# counts of the batches it stored). A run's heartbeat writes crawl_runs.seen_at this often while
# it crawls: a 'running' run not seen for five of these, and for five minutes at least
# (docs/operations.md), was killed.
ARCHIVE_RECORD_RUNS = True
ARCHIVE_HEARTBEAT_SECONDS = 60.0
# Template drift: alarm (exit status 3) when an issue's pages link no article, or when more
# than this share of its articles lacks a title or body or needed the generic fallback.
ARCHIVE_DRIFT_ALARM = True
ARCHIVE_DRIFT_MAX_SHARE = 0.25
# A page or article link the site answers 404 or 410 for fails the run (exit status 4: the site
# may list a file before it writes it) until it has been answered so on this many runs spanning
# this many days (calendar days, UTC, from the first of those runs); then it is gone (dead_links.gone_since), its page complete, and no run asks
# it again but with -a refresh=1. A daily crawl gives up on a dead link after a week. A date whose
# entry page the site answers 404 for (no failure) is taken for one without an issue by the same
# count (absent_issues.confirmed_since): runs of dates ask it no more, stats lists it apart.
ARCHIVE_GONE_AFTER_RUNS = 3
ARCHIVE_GONE_AFTER_DAYS = 7
# Seconds between progress lines (issues, pages, articles done / to do); 0 turns them off.
ARCHIVE_PROGRESS_INTERVAL = 60.0

# CRAWL_MODE=distributed (setting or environment): the request queue and duplicate filter live
# in Redis (REDIS_URL), shared by every process of a job, and the archive must be PostgreSQL.
# CRAWL_JOB names the job processes of one paper share (default: the dates asked).
CRAWL_MODE = os.environ.get("CRAWL_MODE", "local")
CRAWL_JOB = os.environ.get("CRAWL_JOB", "")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DISTRIBUTED_IDLE_SECONDS = 10.0
# Seconds a silent worker's heartbeat lasts before the job's other workers take it for dead (a
# whole number: Redis leases keys by the second); a worker beats every 15 s, or every quarter
# of a shorter one. Shorter tells a killed worker sooner; a worker paused or cut off from Redis
# longer than this is taken for dead too (docs/operations.md, "Several machines").
DISTRIBUTED_WORKER_TTL = 60
ADDONS = {"crawler.addons.CrawlMode": 0}

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    # Before the script pipeline, which converts a PDF's Traditional text as it does an article's.
    "pipelines.pdf.PdfTextPipeline": 150,
    "pipelines.script.ScriptPipeline": 200,
    "pipelines.normalize.NormalizePipeline": 300,
    "pipelines.store.StorePipeline": 900,
}

# A crawl run from cron needs no remote shell into the process: neither the telnet console nor
# Scrapy 2.19's remote control (Python run over a local port, its token written under the
# user's ~/.local/state, which a service user without a home fails to write, with a traceback).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# A development check: Scrapy re-reads a generator callback's source (inspect, ast) to warn of a
# `return value` in it whenever its weak cache lets the callback go, ~80 times per 1,000
# responses at 0.1-0.6 ms each.
WARN_ON_GENERATOR_RETURN_VALUE = False

LOG_LEVEL = "INFO"
# Scrapy's log lines, less the DEBUG line of each scraped item when LOG_LEVEL drops it anyway.
LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
