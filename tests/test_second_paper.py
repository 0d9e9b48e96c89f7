"""A second paper, as a user adds one: a profile of their own ($ARCHIVE_PAPERS), checked when
it is read, crawled with the real `scrapy crawl issues` over HTTP on 127.0.0.1 into a real
SQLite archive, alone and beside 公益时报 in one archive."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.papers import PROFILES_ENV
from storage.db import open_archive
from tests.conftest import PROJECT, run_crawl

PROFILE = 'code = "x"\nname = "X"\ntemplate = "founder"\nroot = "https://x.cn/epaper/"\nentry = "html/{date:%Y-%m}/{date:%d}/node_2.htm"\n'


@pytest.fixture
def archive(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


def archive_command(*args: str, archive: str) -> subprocess.CompletedProcess:
    """The `archive` console command of this checkout."""
    return subprocess.run([sys.executable, "-m", "storage.cli", "--archive", archive, *args],
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)


# --- a profile with a mistake -------------------------------------------------------------------


@pytest.mark.parametrize(
    "toml, message",
    [
        ('code = "x\n', "Illegal character"),
        (PROFILE + "schedul = { weekdays = [1, 3, 5] }\n", "unknown key 'schedul'"),
        (PROFILE + 'schedule = { weekdays = "1,3,5" }\n', "schedule.weekdays must be a list of ISO weekdays 1..7"),
        (PROFILE.replace('"founder"', '"fonder"'), "unknown template 'fonder' (known: founder)"),
        (PROFILE.replace('root = "https://x.cn/epaper/"\n', ""), "missing root"),
        (PROFILE + '[selectors]\ntitle = "h1[["\n', "Founder selector 'title' is invalid"),
        (PROFILE + '[selectors]\ntitel = "h1"\n', "unknown Founder selector 'titel'"),
        (PROFILE.replace('"x"', '"gongyishibao"', 1), "code 'gongyishibao' is taken by"),
    ],
)
def test_a_bad_profile_ends_the_crawl_and_the_stats_with_one_line(tmp_path, monkeypatch, archive, toml, message):
    """Each was a traceback (a selector's only once its paper's crawl began); a misspelt key or a
    code taken twice was no error at all."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    for paper in ("x", "gongyishibao"):  # a broken profile stops every crawl: it is read to find any paper
        done = run_crawl("paper=" + paper, "date=2023-01-30", "base_url=http://127.0.0.1:9/", archive=archive)
        assert done.returncode == 2, done.stderr[-2000:]
        assert done.stderr.splitlines() == [done.stderr.strip()]
        assert done.stderr.startswith(f"error: paper profile {papers / 'x.toml'}: ") and message in done.stderr
    open_archive(archive).close()
    stats = archive_command("stats", archive=archive)
    assert stats.returncode == 2 and stats.stderr.startswith(f"error: paper profile {papers / 'x.toml'}: ")
    assert len(stats.stderr.splitlines()) == 1
