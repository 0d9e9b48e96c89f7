"""What a crawl costs beyond Scrapy's own fetching, measured side by side in one run.

    python benchmarks/crawl.py [--issues 50] [--repeat 2] [--postgres URL | --no-postgres] [--keep DIR] [--instructions]

1. Generates a Founder-template archive of ``--issues`` weekly issues × 16 pages × 5 articles
   (crawler/sample/build.py; a third of the articles in Traditional script, a tenth with spam)
   and serves it with nginx on 127.0.0.1 (apt-get install nginx). Reading a page PDF's text
   costs some hundred bare fetches, so the crawls leave PDFs out (ARCHIVE_FETCH_PDFS=False)
   and that cost is timed on its own, unless ``--with-pdfs``.
2. Shows that nginx serves the site's files at least 10× faster than the crawl consumes them.
3. Crawls the whole site, each run a fresh process measured with wait4 (CPU, peak RSS):
   (a) a bare Scrapy spider following the same links (benchmarks/bare.py);
   (b) the project's full crawl into SQLite; (c) the same into PostgreSQL where
   $TEST_POSTGRES_URL or --postgres names a server (a scratch database is made and dropped);
   and (b) again over a tenth of the issues, to show memory does not grow with the site.
4. Profiles (b) over a part of the site (benchmarks/profile_crawl.py) and splits its CPU into
   stages: navigation, extraction, cleaning, conversion, storage.
5. Times `archive reprocess` of the SQLite archive (no network) in articles per second; with
   ``--with-pdfs``, `archive reprocess --pdf-workers 2` (two PDFs read at once) and
   `archive reprocess --without-pdfs` (page PDFs not read again) right after it.
6. With ``--instructions``: counts the instructions of (a) and (b) under callgrind (valgrind)
   over a tenth and a fifth of the issues, two crawls at a time, and prints their ratios, whole
   and per issue beyond the first tenth (start-up left out). CPU seconds move with whatever
   else the machine runs (±20 % seen on a shared machine); instruction counts do not.

Every run's response, item and row counts are checked against the site's manifest: a run that
fetched nothing fails the benchmark instead of looking fast. The last line is the figure to
track: ``full/bare cpu ratio: X.XX``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crawler import settings as project_settings  # noqa: E402
from crawler.sample.build import ARCHIVE_START, build_archive  # noqa: E402
from pipelines.script import BACKEND_ENV, converter  # noqa: E402

PREFIX = "/newdzb/"
PAGES_PER_ISSUE = 16
# The same fetch settings for every run: no politeness toward our own server, everything else
# (robots.txt, retries, middlewares, log level) as a user's crawl has it.
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": "False",
    # The project's extensions (crawl runs, drift alarm, progress) are part of the full crawl's cost.
    "EXTENSIONS": json.dumps(project_settings.EXTENSIONS | {"benchmarks.bare.StatsFile": 0}),
    # Page PDFs' text costs ~100× a page (see pdf_text_cost): without --with-pdfs, neither spider
    # follows PDF links and their cost is measured on its own.
    "ARCHIVE_FETCH_PDFS": "False",
}
FREEZE = "crawler.extensions.FreezeStartupHeap"
TARGET_RATIO = 1.3
TARGET_MEMORY_MB = 250
TARGET_REPROCESS = 300
SERVER_MARGIN = 10


class BenchmarkError(RuntimeError):
    """A run that cannot be trusted: it failed, or fetched or stored less than the site holds."""


@dataclass
class Run:
    name: str
    cpu: float  # user + system seconds of the crawl process and of the children it reaped (PDF workers)
    wall: float
    peak_mb: float  # peak resident set size of the crawl process
    stats: dict = field(default_factory=dict)

    @property
    def children_cpu(self) -> float:
        """CPU of the crawl's child processes (PDF text workers), included in ``cpu``."""
        return float(self.stats.get("cpu_children", 0))

    @property
    def responses(self) -> int:
        return int(self.stats.get("response_received_count", 0))


# --- the site and its server ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx serving ``site`` under PREFIX on 127.0.0.1, from a private prefix directory."""

    def __init__(self, site: Path, workdir: Path):
        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if not binary:
            raise BenchmarkError("nginx not found: apt-get install nginx (the benchmark's static server)")
        self.port = _free_port()
        conf = workdir / "nginx.conf"
        temp = workdir / "nginx-temp"
        temp.mkdir(exist_ok=True)
        conf.write_text(
            f"""worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html htm html; application/pdf pdf; image/jpeg jpg; image/gif gif; text/css css; application/json json; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=100000 inactive=60s;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location {PREFIX} {{ alias {site}/; }}
        location / {{ return 404; }}
    }}
}}
"""
        )
        self.process = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf)], stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                break
            except OSError:
                if self.process.poll() is not None:
                    raise BenchmarkError(f"nginx did not start: {self.process.stderr.read().strip().splitlines()[-1:]}")
                time.sleep(0.05)
        self.base_url = f"http://127.0.0.1:{self.port}{PREFIX}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish and exit
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _fetch_all(args: tuple[str, list[str]]) -> int:
    base, paths = args
    host, port = base.split("//")[1].split("/")[0].split(":")
    connection = HTTPConnection(host, int(port))
    size = 0
    for path in paths:
        connection.request("GET", PREFIX + path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise BenchmarkError(f"nginx answered {response.status} for {path}")
        size += len(body)
    connection.close()
    return size


def serving_rate(base_url: str, site: Path, clients: int = 2) -> tuple[float, int]:
    """Files per second nginx serves to ``clients`` keep-alive clients fetching what a crawl fetches."""
    paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.suffix in (".htm", ".pdf"))
    chunks = [(base_url, paths[k::clients]) for k in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        start = time.perf_counter()
        sizes = pool.map(_fetch_all, chunks)
        seconds = time.perf_counter() - start
    if not sum(sizes):
        raise BenchmarkError("nginx served nothing")
    return len(paths) / seconds, len(paths)


# --- runs ------------------------------------------------------------------------------------


def _measure(name: str, command: list[str], workdir: Path, env: dict | None = None) -> Run:
    """Run ``command`` in the project and measure it; its stats come back through StatsFile."""
    stats_file = workdir / f"{name}.stats.json"
    log_file = workdir / f"{name}.log"
    command = [*command, "-s", f"BENCHMARK_STATS_FILE={stats_file}", "-s", f"LOG_FILE={log_file}"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=os.environ | (env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode(errors="replace").strip()
    if process.returncode or not stats_file.exists():
        raise BenchmarkError(f"{name}: exit status {process.returncode}: {errors.splitlines()[-1:] or 'see ' + str(log_file)}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    return Run(name, usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, stats)


def _spider_args(issues: int, base_url: str) -> list[str]:
    last = ARCHIVE_START + timedelta(weeks=issues - 1)
    return ["-a", f"start={ARCHIVE_START}", "-a", f"end={last}", "-a", f"base_url={base_url}"]


def _settings(extra: dict[str, str] | None = None) -> list[str]:
    return [arg for key, value in (SETTINGS | (extra or {})).items() for arg in ("-s", f"{key}={value}")]


def bare_crawl(issues: int, base_url: str, workdir: Path, frozen: bool = False, under: tuple[str, ...] = (),
               name: str = "") -> Run:
    """The yardstick. ``frozen``: with the project's garbage-collection extension as well
    (gc.freeze() and a wider young generation), which saves the bare crawl some of what it saves
    the full one: shown beside the ratio, not in it. ``under``: a command the crawl runs under."""
    command = [*under, sys.executable, "-m", "scrapy", "runspider", "benchmarks/bare.py", *_spider_args(issues, base_url)]
    # Scrapy's own components only: none of the project's pipelines, middlewares, extensions or add-ons.
    extensions = {"benchmarks.bare.StatsFile": 0} | ({FREEZE: 0} if frozen else {})
    bare = {"ITEM_PIPELINES": "{}", "SPIDER_MIDDLEWARES": "{}", "DOWNLOADER_MIDDLEWARES": "{}", "ADDONS": "{}",
            "EXTENSIONS": json.dumps(extensions)}
    return _measure(name or f"bare-{issues}{'-frozen' if frozen else ''}", command + _settings(bare), workdir)


def full_crawl(name: str, issues: int, base_url: str, archive: str, workdir: Path, env: dict | None = None,
               under: tuple[str, ...] = ()) -> Run:
    command = [*under, sys.executable, "-m", "scrapy", "crawl", "issues", *_spider_args(issues, base_url)]
    return _measure(name, command + _settings(), workdir, {"ARCHIVE_URL": archive} | (env or {}))


def counted_crawl(kind: str, issues: int, base_url: str, workdir: Path, site: dict) -> int:
    """The instructions a crawl's process executes, counted by callgrind (valgrind): unlike CPU
    seconds, other work on the machine does not move them. ~60× slower than the crawl."""
    name = f"counted-{kind}-{issues}"
    under = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir / (name + '.callgrind')}")
    if kind == "bare":
        check_fetched(bare_crawl(issues, base_url, workdir, under=under, name=name), expected(issues, site))
    else:
        archive = f"sqlite:///{workdir / (name + '.sqlite3')}"
        check_stored(full_crawl(name, issues, base_url, archive, workdir, under=under), expected(issues, site), archive)
    for line in (workdir / (name + ".callgrind")).read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise BenchmarkError(f"{name}: callgrind wrote no instruction count")


def instruction_ratio(issues: int, base_url: str, workdir: Path, site: dict) -> dict[tuple[str, int], int]:
    """Bare and full crawls of ``issues`` and twice as many issues under callgrind, two at a time."""
    if shutil.which("valgrind") is None:
        raise BenchmarkError("valgrind not found: apt-get install valgrind (--instructions counts with callgrind)")
    from concurrent.futures import ThreadPoolExecutor

    runs = [(kind, n) for n in (issues, 2 * issues) for kind in ("bare", "full")]
    with ThreadPoolExecutor(2) as pool:
        counts = pool.map(lambda run: counted_crawl(*run, base_url, workdir, site), runs)
        return dict(zip(runs, counts))


def expected(issues: int, site: dict) -> dict[str, int]:
    per_issue = site["articles"] // site["issues"]
    pdfs = issues * PAGES_PER_ISSUE if SETTINGS["ARCHIVE_FETCH_PDFS"] == "True" else 0
    return {"pages": issues * PAGES_PER_ISSUE, "articles": issues * per_issue, "pdfs": pdfs}


def pdf_text_cost(site: Path, count: int = 16) -> tuple[float, int]:
    """CPU seconds per page PDF of PdfTextPipeline's extraction, over the first ``count`` PDFs."""
    from pipelines.pdf import extract_paragraphs

    pdfs = sorted(site.rglob("*.pdf"))[:count]
    start = time.process_time()
    paragraphs = sum(len(extract_paragraphs(pdf.read_bytes())) for pdf in pdfs)
    if not paragraphs:
        raise BenchmarkError("the site's page PDFs hold no text")
    return (time.process_time() - start) / len(pdfs), len(pdfs)


def check_fetched(run: Run, want: dict[str, int]) -> None:
    """Every page, article and PDF answered 200, nothing failed."""
    ok = int(run.stats.get("downloader/response_status_count/200", 0))
    files = want["pages"] + want["articles"] + want["pdfs"]
    if ok != files:
        raise BenchmarkError(f"{run.name}: {ok} responses with status 200, the site has {files} pages, articles and PDFs")
    if run.stats.get("finish_reason") != "finished":
        raise BenchmarkError(f"{run.name}: finished with {run.stats.get('finish_reason')!r}")


def check_stored(run: Run, want: dict[str, int], archive: str) -> None:
    """The full crawl scraped and stored every page, article and PDF: items, stats and rows agree."""
    check_fetched(run, want)
    items = int(run.stats.get("item_scraped_count", 0))
    if items != sum(want.values()):
        raise BenchmarkError(f"{run.name}: {items} items scraped, expected {sum(want.values())}")
    for what in ("pages", "articles", "pdfs"):
        stored = int(run.stats.get(f"archive/{what}_stored", 0))
        if stored != want[what]:
            raise BenchmarkError(f"{run.name}: {stored} {what} stored, expected {want[what]}")
    rows = count_rows(archive)
    if rows["articles"] != want["articles"] or rows["pages"] != want["pages"] or rows["traditional"] == 0:
        raise BenchmarkError(f"{run.name}: the archive holds {rows}, expected {want}")


def count_rows(archive: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.db import open_archive
    from storage.models import Article, Page

    db = open_archive(archive, create=False)
    with db.session() as session:
        rows = {
            "pages": session.scalar(select(func.count()).select_from(Page)),
            "articles": session.scalar(select(func.count()).select_from(Article)),
            "traditional": session.scalar(select(func.count()).where(Article.original_script == "traditional")),
            "empty": session.scalar(select(func.count()).where(Article.body == "")),
        }
    db.close()
    if rows["empty"]:
        raise BenchmarkError(f"{rows['empty']} archived articles have no text")
    return rows


# --- PostgreSQL scratch database -------------------------------------------------------------


class ScratchDatabase:
    def __init__(self, server_url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(server_url)
        self.name = f"bench_{uuid.uuid4().hex[:12]}"
        self.conn = psycopg.connect(
            host=admin.host, port=admin.port, user=admin.username, password=admin.password, dbname=admin.database,
            autocommit=True,
        )
        self.conn.execute(f"CREATE DATABASE \"{self.name}\" TEMPLATE template0 ENCODING 'UTF8'")
        self.url = admin.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        self.conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.conn.close()


# --- profile -----------------------------------------------------------------------------------

STAGES = ("navigation", "extraction", "cleaning", "conversion", "normalisation", "pdf text", "storage")


def _where(key: tuple) -> str:
    return key[0].replace(os.sep, "/")


def _in(key: tuple, *parts: str) -> bool:
    return any(part in _where(key) for part in parts)


def _entries(stats: dict, callee, caller) -> float:
    """CPU of calls into functions matching ``callee`` made by functions matching ``caller``."""
    return sum(
        edge[3]
        for key, (_, _, _, _, callers) in stats.items()
        if callee(key)
        for from_key, edge in callers.items()
        if caller(from_key)
    )


def stage_breakdown(profile: Path) -> tuple[dict[str, float], float]:
    """Seconds per stage of the profiled crawl, and the profile's total CPU (both threads)."""
    reactor = pstats.Stats(str(profile)).stats
    writer = pstats.Stats(str(profile) + ".writer").stats if Path(str(profile) + ".writer").exists() else {}
    # Waiting for the network: the reactor's poll, which a thread clock would not count.
    total = sum(tt for key, (_, _, tt, _, _) in reactor.items() if not key[2].startswith("<method 'poll'"))

    spider = "crawler/spiders/"
    # Page objects' cached properties are entered through functools.cached_property.__get__.
    def template(key):
        return _in(key, "crawler/templates/") or (_in(key, "functools") and key[2] == "__get__")

    def from_spider(key):
        return _in(key, spider)

    extraction = _entries(reactor, template, from_spider)
    callbacks = _entries(reactor, from_spider, lambda key: not from_spider(key))
    seconds = {
        "navigation": callbacks - extraction,
        "extraction": extraction,
        "cleaning": _pipeline(reactor, "pipelines/clean.py"),
        "conversion": _pipeline(reactor, "pipelines/script.py"),
        "normalisation": _pipeline(reactor, "pipelines/normalize.py"),
        "pdf text": _pipeline(reactor, "pipelines/pdf.py"),
        "storage": _entries(reactor, lambda key: _in(key, "pipelines/store.py"), lambda key: not _in(key, "pipelines/store.py"))
        + sum(tt for _, _, tt, _, _ in writer.values()),
    }
    return seconds, total + sum(tt for _, _, tt, _, _ in writer.values())


def _pipeline(stats: dict, module: str) -> float:
    return sum(ct for key, (_, _, _, ct, _) in stats.items() if _in(key, module) and key[2].endswith("process_item"))


def archive_reprocess(archive: str, want: dict[str, int], without_pdfs: bool = False, pdf_workers: int = 1) -> Run:
    """`archive reprocess` (``--without-pdfs``, ``--pdf-workers``) over the whole archive, measured
    like a crawl (its PDF workers' CPU included: it reaps them); checks what it says it did."""
    command = [sys.executable, "-c", "import sys; from storage.cli import main; sys.exit(main(sys.argv[1:]))"]
    options = ["--without-pdfs"] if without_pdfs else []
    options += ["--pdf-workers", str(pdf_workers)] if pdf_workers != 1 else []
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--archive", archive, "reprocess", *options], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    said = process.stderr.read().decode(errors="replace").strip().splitlines()
    # Pages, articles and, with --with-pdfs, page PDFs; --without-pdfs reads the PDFs not.
    documents = want["pages"] + want["articles"] + (0 if without_pdfs else want["pdfs"])
    if os.waitstatus_to_exitcode(status) or not said or not said[-1].startswith(f"{documents} documents reprocessed, 0 failed"):
        raise BenchmarkError(f"archive reprocess{''.join(' ' + o for o in options)}: {said[-1:] or 'no output'} "
                             f"(expected {documents} documents, 0 failed)")
    return Run(" ".join(["archive reprocess", *options]), usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


def profile_crawl(issues: int, base_url: str, archive: str, workdir: Path) -> tuple[Run, dict[str, float], float]:
    out = workdir / "crawl.prof"
    command = [sys.executable, "benchmarks/profile_crawl.py", str(out), "crawl", "issues", *_spider_args(issues, base_url)]
    run = _measure(f"profiled-{issues}", command + _settings(), workdir, {"ARCHIVE_URL": archive})
    seconds, total = stage_breakdown(out)
    return run, seconds, total


def top_functions(profile: Path, count: int = 12) -> list[tuple[str, float]]:
    stats = pstats.Stats(str(profile)).stats
    ranked = sorted(((tt, key) for key, (_, _, tt, _, _) in stats.items()), reverse=True)[:count]
    return [(f"{Path(key[0]).name}:{key[1]}({key[2]})", tt) for tt, key in ranked]


# --- main --------------------------------------------------------------------------------------


def _row(run: Run, bare: Run | None = None) -> str:
    ratio = f"{run.cpu / bare.cpu:5.2f}" if bare else "    -"
    rate = run.responses / run.wall if run.wall else 0
    return (
        f"  {run.name:<22} {run.responses:>7} {int(run.stats.get('item_scraped_count', 0)):>7} "
        f"{run.cpu:8.1f} {run.wall:8.1f} {rate:9.0f} {run.peak_mb:8.0f} {ratio}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=50, help="issues in the site (16 pages × 5 articles each; default 50)")
    parser.add_argument("--profile-issues", type=int, default=10, help="issues crawled under the profiler (default 10)")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"), help="PostgreSQL server URL (default $TEST_POSTGRES_URL)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    parser.add_argument("--with-pdfs", action="store_true", help="crawls fetch page PDFs and extract their text (slow)")
    parser.add_argument("--repeat", type=int, default=2, help="turns of (a) and (b), the least CPU of each counts (default 2)")
    parser.add_argument("--keep", type=Path, help="keep the site, archives, logs and profiles in this directory")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions of (a) and (b) with callgrind over a tenth and a fifth of the "
                             "issues: a ratio other work on the machine does not move (slow: minutes)")
    args = parser.parse_args(argv)
    if args.issues < 10:
        parser.error("--issues must be at least 10 (memory is compared with a tenth of the site)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    SETTINGS["ARCHIVE_FETCH_PDFS"] = str(args.with_pdfs)
    # Killed (SIGTERM, a timeout's), it stops nginx and removes its work directory as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    made = args.keep is None or not args.keep.exists()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="crawl-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if made:  # a directory given that exists keeps its mode (--keep /tmp must not close /tmp)
        os.chmod(workdir, 0o755)  # nginx workers read the site as another user
    for stale in [*workdir.glob("archive*.sqlite3*"), *workdir.glob("counted-*")]:  # every run starts from an empty archive
        stale.unlink()
    server = None
    scratch = None
    try:
        print(f"Generating {args.issues} issues into {workdir / 'site'} ...", flush=True)
        site_dir = workdir / "site"
        site = build_archive(site_dir, args.issues)
        print(
            f"  {site['issues']} issues, {site['pages']} pages, {site['articles']} articles "
            f"({site['traditional_articles']} in Traditional script, {site['spam_articles']} with spam), "
            f"{site['files']} files, {site['bytes'] / 2**20:.0f} MiB"
        )
        server = Nginx(site_dir, workdir)
        base_url = server.base_url
        print(f"Serving with nginx at {base_url}", flush=True)
        served_rate, served = serving_rate(base_url, site_dir)
        pdf_seconds, pdfs_timed = pdf_text_cost(site_dir)

        want, small = expected(args.issues, site), max(1, args.issues // 10)
        sqlite = f"sqlite:///{workdir / 'archive.sqlite3'}"
        runs: list[Run] = []

        print("Crawling (each run a fresh process) ...", flush=True)
        # Other work on the machine inflates CPU times: (a) and (b) take turns, and the least
        # disturbed run of each counts.
        bares, fulls, frozen_bares = [], [], []
        for turn in range(args.repeat):
            bares.append(bare_crawl(args.issues, base_url, workdir))
            check_fetched(bares[-1], want)
            frozen_bares.append(bare_crawl(args.issues, base_url, workdir, frozen=True))
            check_fetched(frozen_bares[-1], want)
            archive = sqlite if turn == 0 else f"sqlite:///{workdir / f'archive-{turn}.sqlite3'}"
            fulls.append(full_crawl(f"full-sqlite-{args.issues}", args.issues, base_url, archive, workdir))
            check_stored(fulls[-1], want, archive)
        bare, full = min(bares, key=lambda run: run.cpu), min(fulls, key=lambda run: run.cpu)
        frozen_bare = min(frozen_bares, key=lambda run: run.cpu)
        runs += [bare, full]
        if args.postgres and not args.no_postgres:
            scratch = ScratchDatabase(args.postgres)
            postgres = full_crawl(f"full-postgresql-{args.issues}", args.issues, base_url, scratch.url, workdir)
            check_stored(postgres, want, scratch.url)
            runs.append(postgres)
        # The same crawl with the pure-Python OpenCC: the numbers that chose the C++ one.
        pure_sqlite = f"sqlite:///{workdir / 'archive-pure-opencc.sqlite3'}"
        pure = full_crawl(f"full-sqlite-{args.issues}-pure", args.issues, base_url, pure_sqlite, workdir, {BACKEND_ENV: "pure"})
        check_stored(pure, want, pure_sqlite)
        runs.append(pure)
        small_sqlite = f"sqlite:///{workdir / 'archive-small.sqlite3'}"
        bare_small = bare_crawl(small, base_url, workdir)
        check_fetched(bare_small, expected(small, site))
        full_small = full_crawl(f"full-sqlite-{small}", small, base_url, small_sqlite, workdir)
        check_stored(full_small, expected(small, site), small_sqlite)
        runs += [bare_small, full_small]

        profile_issues = min(args.profile_issues, args.issues)
        profiled, stages, profiled_total = profile_crawl(
            profile_issues, base_url, f"sqlite:///{workdir / 'archive-profiled.sqlite3'}", workdir
        )
        check_fetched(profiled, expected(profile_issues, site))

        print("Re-processing the SQLite archive from its raw documents (archive reprocess) ...", flush=True)
        reprocess = archive_reprocess(sqlite, want)
        count_rows(sqlite)  # and left every article with its text
        reprocessed = [reprocess]
        if args.with_pdfs:
            reprocessed.append(archive_reprocess(sqlite, want, pdf_workers=2))
            count_rows(sqlite)
            reprocessed.append(archive_reprocess(sqlite, want, without_pdfs=True))
            count_rows(sqlite)
        if args.instructions:
            print(f"Counting instructions (callgrind) over {small} and {2 * small} issues ...", flush=True)
            counted = instruction_ratio(small, base_url, workdir, site)
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if server:
            server.stop()
        if scratch:
            scratch.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    crawl_rate = max(run.responses / run.wall for run in runs)
    print()
    print(f"Static server: nginx served {served} files at {served_rate:,.0f}/s to 2 clients; the fastest crawl "
          f"consumed {crawl_rate:,.0f} responses/s: {served_rate / crawl_rate:.0f}× "
          f"({'OK' if served_rate >= SERVER_MARGIN * crawl_rate else f'BELOW {SERVER_MARGIN}×: the server may be the bottleneck'})")
    print()
    print(f"  {'run':<22} {'resp.':>7} {'items':>7} {'cpu s':>8} {'wall s':>8} {'resp./s':>9} {'peak MB':>8} cpu/bare")
    print(_row(bare))
    for run in runs[1:]:
        if run is not bare_small:
            print(_row(run, bare_small if run is full_small else bare))
    print(_row(bare_small))
    print()
    ratio = full.cpu / bare.cpu
    growth = full.peak_mb / full_small.peak_mb
    per_response = bare.cpu / bare.responses
    print(f"Page PDFs ({'fetched and read in these crawls' if args.with_pdfs else 'not fetched in these crawls; --with-pdfs'}): "
          f"their text costs {1000 * pdf_seconds:.0f} ms CPU per PDF ({pdfs_timed} timed), {pdf_seconds / per_response:.0f}× a "
          f"bare fetch; {site['pages']} PDFs add ~{site['pages'] * pdf_seconds:.0f} s to a full crawl of this site")
    if args.with_pdfs:
        print(f"Of the full crawl's {full.cpu:.1f} s CPU, its PDF text worker processes used {full.children_cpu:.1f} s "
              f"(wait4 counts the crawl with the children it reaped)")
    print(f"CPU of the {args.repeat} turns: bare {', '.join(f'{r.cpu:.1f}' for r in bares)} s; "
          f"full {', '.join(f'{r.cpu:.1f}' for r in fulls)} s")
    print(f"The bare crawl with the full crawl's garbage-collection settings ({FREEZE}) as well: {frozen_bare.cpu:.1f} s "
          f"({', '.join(f'{r.cpu:.1f}' for r in frozen_bares)}); full/that: {full.cpu / frozen_bare.cpu:.2f}")
    print(f"Full crawl CPU per response: {1000 * full.cpu / full.responses:.2f} ms (bare {1000 * bare.cpu / bare.responses:.2f} ms)")
    print(f"OpenCC: the {converter('t2s').backend} converter crawls in {full.cpu:.1f} s CPU, the pure-Python one in "
          f"{pure.cpu:.1f} s ({pure.cpu - full.cpu:+.1f} s)")
    print(f"Peak memory: {full.peak_mb:.0f} MB for {want['articles']} articles, {full_small.peak_mb:.0f} MB for "
          f"{expected(small, site)['articles']}: ×{growth:.2f} for ×{args.issues / small:.0f} the site "
          f"({'OK' if full.peak_mb < TARGET_MEMORY_MB and growth < 1.5 else 'MISSED'}: < {TARGET_MEMORY_MB} MB and flat)")
    for run in reprocessed:
        rate = want["articles"] / run.wall
        included = "pages' and PDFs'" if want["pdfs"] and "--without-pdfs" not in run.name else "pages'"
        print(f"{run.name}: {want['pages']} pages and {want['articles']} articles in {run.wall:.1f} s "
              f"({run.cpu:.1f} s CPU, peak {run.peak_mb:.0f} MB): {rate:.0f} articles/s, {included} time included "
              f"({'OK' if rate >= TARGET_REPROCESS else 'MISSED'}: ≥ {TARGET_REPROCESS})")
    print()
    print(f"Where the full crawl's CPU goes (cProfile of the reactor without its poll and of the writer thread; {profile_issues} issues, "
          f"{profiled_total:.1f} s profiled; seconds scaled to the unprofiled run {full.name}, its own process):")
    scale = (full.cpu - full.children_cpu) / profiled_total  # the profile sees this process only
    named = 0.0
    for stage in STAGES:
        named += stages[stage]
        print(f"  {stage:<28} {100 * stages[stage] / profiled_total:5.1f} %  {stages[stage] * scale:6.1f} s")
    rest = profiled_total - named
    print(f"  {'scrapy, project middlewares':<28} {100 * rest / profiled_total:5.1f} %  {rest * scale:6.1f} s")
    if args.with_pdfs:
        print(f"  and outside the profile, in the PDF text worker processes: {profiled.children_cpu:.1f} s "
              f"of the profiled run's {profiled.cpu:.1f} s CPU")
    if args.instructions:
        print()
        print("Instructions executed (callgrind; the crawl process with its threads, start-up included):")
        for kind in ("bare", "full"):
            print(f"  {kind:<5} {small:>3} issues {counted[kind, small] / 1e9:7.2f} G   {2 * small:>3} issues "
                  f"{counted[kind, 2 * small] / 1e9:7.2f} G")
        extra = {kind: counted[kind, 2 * small] - counted[kind, small] for kind in ("bare", "full")}
        print(f"full/bare instructions: {counted['full', 2 * small] / counted['bare', 2 * small]:.2f} over {2 * small} issues; "
              f"{extra['full'] / extra['bare']:.2f} for each issue beyond the first {small} (start-up left out)")
    print()
    print(f"Full crawl CPU ≤ {TARGET_RATIO} × bare: {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    print(f"full/bare cpu ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
