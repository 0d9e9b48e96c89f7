"""`archive copy --to URL` of one SQLite archive of N articles (default 20,000), timed, by this
checkout and by others given with --checkout (another worktree, the code before a change), each
into a scratch PostgreSQL database of its own: side by side, what a change to the copy costs.

    python benchmarks/copy_index.py --articles 20000 [--postgres URL] [--checkout before=/path/to/other/worktree]

The archive is made as archive_scale.py makes its articles (the seed texts' lines, about 950
characters each, through Archive.store_batch); each copy runs as a user runs it, the `archive`
command of its checkout in a process of its own, and is timed whole (its tables, its search
index and its commit). PostgreSQL: --postgres or $TEST_POSTGRES_URL, an administrative URL.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.archive_scale import on_scratch_postgres, write  # noqa: E402
from storage.db import open_archive  # noqa: E402


def timed_copy(checkout: Path, source: str, target: str) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "storage.console", "--archive", source, "copy", "--to", target],
                          cwd=checkout, env=os.environ | {"PYTHONPATH": str(checkout)}, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"copy by {checkout} failed: {done.stderr.strip().splitlines()[-1]}")
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"))
    parser.add_argument("--checkout", action="append", default=[], metavar="LABEL=PATH",
                        help="another checkout whose copy is timed beside this one's (repeatable)")
    parser.add_argument("--rounds", type=int, default=1, help="copies by each checkout, alternating (default 1)")
    args = parser.parse_args(argv)
    if not args.postgres:
        parser.error("a PostgreSQL server is needed: --postgres URL or $TEST_POSTGRES_URL")
    checkouts = {"this": ROOT} | {label: Path(path) for label, path in (given.split("=", 1) for given in args.checkout)}
    times: dict[str, list[float]] = {label: [] for label in checkouts}
    with tempfile.TemporaryDirectory(prefix="copy-index-") as tmp:
        source = f"sqlite:///{Path(tmp) / 'archive.sqlite3'}"
        archive = open_archive(source)
        try:
            write(archive, args.articles)
        finally:
            archive.close()
        for _ in range(args.rounds):
            for label, checkout in checkouts.items():
                times[label].append(on_scratch_postgres(args.postgres, lambda url: timed_copy(checkout, source, url)))
    print(f"archive copy of {args.articles:,} articles into PostgreSQL")
    for label, seconds in times.items():
        best = min(seconds)
        print(f"  {label:12} {best:8.1f} s  {args.articles / best:8,.0f} articles/s  (best of {len(seconds)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
