"""The archive at scale: N articles (default 1,000,000) on SQLite and PostgreSQL side by side.

Articles are made of the seed texts' lines (tests/fixtures/seeds) in random order, about 950
characters each, written through Archive.store_batch (the crawl's write path, search-index
triggers and queue included; only the writes are timed), then searched through
storage.search with queries cut from the same text, 2, 3 and 6 characters long. Prints the
insert rate, the size on disk and search latency p50/p95 per query length, and for 3
characters narrowed to one paper, one year and one section.

    python benchmarks/archive_scale.py --articles 100000 [--postgres URL] [--sqlite-only] [--unindexed N] [--no-pictures]

A tenth of the articles carry one captioned picture, as the sample issue's do (2 of its 20
articles, one picture each, captions of 38 and 40 characters); each caption is a piece of a seed
line as long as the seeds' captions' text, then one of their credits (图片来源). --no-pictures
writes the articles without them, as the benchmark did before revision 0023 searched captions.
The articles' text is the same either way.

The first N articles (default 30,000) are also written into an archive without the search
index: the rates side by side show the index's share of a write, and the rate without it is
the most this machine allows, whatever the index.

PostgreSQL: --postgres or $TEST_POSTGRES_URL, an administrative URL; a scratch database is
created and dropped.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from storage import fulltext  # noqa: E402
from storage.db import open_archive  # noqa: E402
from storage.search import matched_texts, search, word_forms  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
HAN = ("\u4e00", "\u9fff")
ARTICLES_PER_PAGE = 2
PAGES_PER_ISSUE = 8
PAPERS = 5
QUERIES_PER_LENGTH = 30
BATCH = 2000
# The sample issue's share (crawler/sample: 2 articles of 20 carry a picture, one each).
PICTURED_SHARE = 0.1
CREDIT = "(图片来源"


class BenchmarkError(Exception):
    """The archive does not hold what the benchmark wrote: its figures would be of something else."""


def seed_lines() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("0*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 8]
    return lines


def seed_captions(lines: list[str]) -> list[tuple[int, str]]:
    """The seeds' captions as (length of their text, their credit), without the PDF's spaces
    between digits and Han (2022 年), as the sample issue's pages print them."""
    captions = ["".join(line.split()) for line in lines if CREDIT in line]
    return [(caption.index(CREDIT), caption[caption.index(CREDIT):]) for caption in captions]


def picture(article_url: str, lines: list[str], captions: list[tuple[int, str]], rng: random.Random) -> dict:
    length, credit = rng.choice(captions)
    line = rng.choice([line for line in lines if len(line) > length and CREDIT not in line])
    at = rng.randrange(len(line) - length + 1)
    caption = line[at : at + length] + credit
    return {"url": article_url.replace(".htm", "_1.jpg"), "caption": caption, "caption_original": caption}


def articles(n: int, lines: list[str], rng: random.Random, pictures: bool = True):
    """Items as the spider's pipelines hand them to the store, in batches."""
    # Pictures from a generator of their own: the articles' text is the same with or without them.
    pictured, captions = random.Random(11), seed_captions(lines)
    start = date(1990, 1, 1)
    per_issue = ARTICLES_PER_PAGE * PAGES_PER_ISSUE
    pages, batch = {}, []
    for i in range(n):
        paper = i % PAPERS
        issue, slot = divmod(i // PAPERS, per_issue)
        day = (start + timedelta(days=issue)).isoformat()
        number = 1 + slot // ARTICLES_PER_PAGE
        context = {
            "paper_code": f"bench{paper}", "paper_name": f"基准报{paper}", "issue_date": day,
            "issue_url": f"http://bench/{paper}/{day}/node_1.htm", "page_number": number,
        }
        page_url = f"http://bench/{paper}/{day}/node_{number}.htm"
        pages[page_url] = context | {"url": page_url, "section": f"版面{number}", "page_label": f"第{number:02d}版"}
        # Paragraphs of 2-6 of the seeds' (column-wide) lines, 4-12 of them: about 950
        # characters an article, the length of the sample issue's longer articles.
        body = "\n".join("".join(rng.sample(lines, rng.randint(2, 6))) for _ in range(rng.randint(4, 12)))
        url = f"http://bench/{paper}/{day}/content_{i}.htm"
        item = context | {"page_url": page_url, "url": url, "title": rng.choice(lines)[:20], "body": body, "body_original": body}
        if pictures and pictured.random() < PICTURED_SHARE:
            item["images"] = [picture(url, lines, captions, pictured)]
        batch.append(item)
        if len(batch) >= BATCH:
            yield list(pages.values()), batch
            pages, batch = {}, []
    if batch:
        yield list(pages.values()), batch


def queries(lines: list[str], length: int, rng: random.Random) -> list[str]:
    found = []
    while len(found) < QUERIES_PER_LENGTH:
        line = rng.choice(lines)
        if len(line) <= length:
            continue
        at = rng.randrange(len(line) - length)
        piece = line[at : at + length]
        if all(HAN[0] <= c <= HAN[1] for c in piece):
            found.append(piece)
    return found


def server_cpu(url: str):
    """A function giving the CPU seconds of every PostgreSQL process on this machine (the
    server's share of the writes: backends, WAL writer, checkpointer, autovacuum), or None
    where the server is another machine's or there is no /proc."""
    from sqlalchemy.engine import make_url

    if make_url(url).host not in (None, "", "127.0.0.1", "localhost", "::1") or not Path("/proc/self/stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, _, rest = stat.read_text().rpartition(")")
            except OSError:  # gone meanwhile
                continue
            if head.endswith("(postgres"):
                fields = rest.split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    return seconds


def write(archive, n: int, first: int = 0, pictures: bool = True) -> dict:
    """Writes the benchmark's n articles; the rate and CPU per article, the rate over the
    first ``first`` of them, the pictures written and the last article with one."""
    rng = random.Random(7)
    lines = seed_lines()
    # Only the writes are timed, not the making of the articles. Their CPU is told apart: this
    # process's (Python, the driver, SQLite itself) and, on PostgreSQL, the server's.
    elapsed = client = server = 0.0
    written, result = 0, {"pictures": 0, "pictured": None}
    server_seconds = server_cpu(archive.url) if archive.dialect == "postgresql" else None
    for pages, batch in articles(n, lines, rng, pictures):
        for item in batch:
            if item.get("images"):
                result["pictures"] += len(item["images"])
                result["pictured"] = item
        served = server_seconds() if server_seconds else 0.0
        cpu, began = time.process_time(), time.perf_counter()
        archive.store_batch(pages, batch)
        elapsed += time.perf_counter() - began
        client += time.process_time() - cpu
        server += (server_seconds() - served) if server_seconds else 0.0
        written += len(batch)
        if written == first:
            result["first_insert"] = first / elapsed
    result |= {"insert": n / elapsed, "client_us": client / n * 1e6,
               "server_us": server / n * 1e6 if server_seconds else None}
    check_stored(archive, n, result["pictures"])
    return result


def check_stored(archive, n: int, pictures: int) -> None:
    with archive.engine.connect() as conn:
        stored = {table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() for table in ("articles", "images")}
    if stored != {"articles": n, "images": pictures}:
        raise BenchmarkError(f"{archive.dialect}: wrote {n:,} articles and {pictures:,} pictures, "
                             f"the archive holds {stored['articles']:,} and {stored['images']:,}")


def check_caption_found(archive, item: dict) -> None:
    """A piece of the article's caption that its own text does not hold finds it: the captions
    were indexed, and the searches timed read an index that holds them."""
    caption = item["images"][0]["caption"]
    pieces = [caption[at : at + 3] for at in range(len(caption) - 2)]
    pieces = [p for p in pieces if all(HAN[0] <= c <= HAN[1] for c in p)
              # in none of its forms (its other script's among them), as search matches
              and matched_texts(word_forms([p]))([item["title"], item["body"]]) is None]
    if not pieces:
        raise BenchmarkError(f"{archive.dialect}: every piece of the caption of {item['url']} is in its text too: "
                             f"no search tells whether captions are indexed")
    with archive.engine.connect() as conn:
        article_id = conn.execute(text("SELECT id FROM articles WHERE url = :url"), {"url": item["url"]}).scalar()
    day = item["issue_date"]
    hits = search(archive, pieces[0], paper=item["paper_code"], since=day, until=day,
                  section=f"版面{item['page_number']}")
    if article_id not in [hit.article_id for hit in hits]:
        raise BenchmarkError(f"{archive.dialect}: a search for {pieces[0]}, in the caption of {item['url']} "
                             f"only, does not find it")


def measure_unindexed(url: str, n: int, pictures: bool = True) -> dict:
    """The same writes into an archive without the search index, its triggers and its queue:
    what the rest of a write costs on this machine, a ceiling that any index only lowers."""
    archive = open_archive(url)
    with archive.engine.begin() as conn:
        for statement in fulltext.drop_index_statements(archive.dialect):
            conn.exec_driver_sql(statement)
    # store_batch brings the index up to date at the end of each batch: there is none.
    with mock.patch.object(fulltext, "flush", lambda conn, *args, **kwargs: 0):
        result = write(archive, n, pictures=pictures)
    del result["pictured"]  # an archive without the index: no search to find its caption
    archive.close()
    return result


def measure(url: str, n: int, size, first: int = 0, pictures: bool = True) -> dict:
    lines = seed_lines()
    archive = open_archive(url)
    result = write(archive, n, first, pictures)
    pictured = result.pop("pictured")
    if pictured:
        check_caption_found(archive, pictured)
    if archive.dialect == "postgresql":
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    result["size"] = size(archive)
    for length in (2, 3, 6):
        latencies(result, str(length), archive, queries(lines, length, random.Random(length)), {})
    # Narrowed searches (not in the targets): 3 characters in one paper of five, one year of
    # the archive's span, one section of eight.
    middle = date(1990, 1, 1) + timedelta(days=n // PAPERS // (ARTICLES_PER_PAGE * PAGES_PER_ISSUE) // 2)
    narrowed = {
        "paper": {"paper": "bench1"},
        "year": {"since": date(middle.year, 1, 1), "until": date(middle.year, 12, 31)},
        "section": {"section": "版面3"},
    }
    for name, filters in narrowed.items():
        latencies(result, name, archive, queries(lines, 3, random.Random(3)), filters)
    archive.close()
    return result


def latencies(result: dict, key: str, archive, found: list[str], filters: dict) -> None:
    times = []
    for query in found:
        t = time.perf_counter()
        search(archive, query, **filters)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    result[f"p50_{key}"] = statistics.median(times)
    result[f"p95_{key}"] = times[int(0.95 * (len(times) - 1))]


def sqlite_size(path: Path):
    return lambda archive: sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def postgres_size(archive) -> int:
    with archive.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()


def scratch_postgres(admin_url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(host=admin.host, port=admin.port, user=admin.username, password=admin.password,
                           dbname=admin.database, autocommit=True)
    conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")

    def drop():
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()

    return admin.set(database=name).render_as_string(hide_password=False), drop


def on_scratch_postgres(admin_url: str, run):
    """``run(url)`` on a scratch database, dropped afterwards."""
    url, drop = scratch_postgres(admin_url)
    try:
        return run(url)
    finally:
        drop()


def measured(args, first: int) -> tuple[dict, dict]:
    results, unindexed = {}, {}
    with tempfile.TemporaryDirectory(prefix="archive-scale-") as tmp:
        if first:
            unindexed["SQLite"] = measure_unindexed(f"sqlite:///{Path(tmp) / 'unindexed.sqlite3'}", first, args.pictures)
        path = Path(tmp) / "archive.sqlite3"
        results["SQLite"] = measure(f"sqlite:///{path}", args.articles, sqlite_size(path), first, args.pictures)
    # Each database's figures as soon as they are measured: the next one takes a while.
    print(f"SQLite: {results['SQLite']}", file=sys.stderr, flush=True)
    if args.postgres and not args.sqlite_only:
        if first:
            unindexed["PostgreSQL"] = on_scratch_postgres(
                args.postgres, lambda url: measure_unindexed(url, first, args.pictures))
        results["PostgreSQL"] = on_scratch_postgres(
            args.postgres, lambda url: measure(url, args.articles, postgres_size, first, args.pictures))
    return results, unindexed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--no-pictures", dest="pictures", action="store_false",
                        help="write the articles without their pictures, as before captions were searched")
    parser.add_argument("--unindexed", type=int, default=30_000, metavar="N",
                        help="also write the first N articles into an archive without the search "
                             "index, and compare the rates (default 30,000; 0: skip)")
    args = parser.parse_args(argv)
    if args.unindexed % BATCH:
        parser.error(f"--unindexed: a multiple of the batch of {BATCH:,} articles")
    first = min(args.unindexed, args.articles // BATCH * BATCH)
    try:
        results, unindexed = measured(args, first)
    except BenchmarkError as e:
        print(f"archive_scale: {e}", file=sys.stderr)
        return 1
    print(f"{args.articles:,} articles, {results['SQLite']['pictures']:,} pictures")
    names = list(results)
    print(f"{'':28}" + "".join(f"{name:>14}" for name in names))
    rows = [("insert (articles/s)", "insert", "{:,.0f}"),
            ("  writer's CPU (µs/article)", "client_us", "{:,.0f}"),
            ("  server's CPU (µs/article)", "server_us", "{:,.0f}"),
            ("size on disk (MB)", "size", "{:,.0f}")]
    rows.append(("bytes per article", None, None))
    for length in (2, 3, 6):
        rows += [(f"search {length} chars p50 (ms)", f"p50_{length}", "{:,.1f}"),
                 (f"search {length} chars p95 (ms)", f"p95_{length}", "{:,.1f}")]
    for name in ("paper", "year", "section"):
        rows += [(f"3 chars, one {name} p50 (ms)", f"p50_{name}", "{:,.1f}"),
                 (f"3 chars, one {name} p95 (ms)", f"p95_{name}", "{:,.1f}")]
    for label, key, fmt in rows:
        if key is None:
            cells = [f"{results[n]['size'] / args.articles:,.0f}" for n in names]
        else:
            cells = [
                "-" if results[n][key] is None else fmt.format(results[n][key] / (1 << 20) if key == "size" else results[n][key])
                for n in names
            ]
        print(f"{label:28}" + "".join(f"{c:>14}" for c in cells))
    if first:
        # Side by side on the same articles: how much of each write is the search index's.
        print(f"the first {first:,} articles")
        print(f"{'  insert (articles/s)':28}" + "".join(f"{results[n]['first_insert']:>14,.0f}" for n in names))
        print(f"{'  without the search index':28}" + "".join(f"{unindexed[n]['insert']:>14,.0f}" for n in names))
        for label, key in (("    writer's CPU (µs/article)", "client_us"), ("    server's CPU (µs/article)", "server_us")):
            print(f"{label:28}" + "".join(
                f"{'-' if unindexed[n][key] is None else format(unindexed[n][key], ',.0f'):>14}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
