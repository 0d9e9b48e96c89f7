"""The project deploys to scrapyd: the egg scrapyd-deploy builds holds everything and crawls."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from tests.conftest import PROJECT, SAMPLE_SITE, stored_article_urls

SOURCES = ("crawler", "pipelines", "storage", "pyproject.toml", "setup.py", "scrapy.cfg")


@pytest.fixture(scope="module")
def egg(tmp_path_factory) -> str:
    # Built from a copy: the build leaves build/ and *.egg-info behind in the project.
    project = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    egg = project / "charity_press_archive.egg"
    deploy = shutil.which("scrapyd-deploy", path=os.path.dirname(sys.executable)) or "scrapyd-deploy"
    # scrapyd-client leaves the folder it builds in behind with --build-egg: keep it out of /tmp.
    build_tmp = tmp_path_factory.mktemp("build-tmp")
    result = subprocess.run([deploy, "--build-egg", str(egg)], cwd=project, capture_output=True, text=True, timeout=300,
                            env=os.environ | {"TMPDIR": str(build_tmp)})
    assert result.returncode == 0, result.stderr[-2000:]
    return str(egg)


def test_egg_holds_the_spider_profiles_data_and_scrapy_entry_point(egg):
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    for needed in (
        "crawler/spiders/issues.py", "crawler/settings.py", "crawler/papers/gongyishibao.toml",
        "pipelines/store.py", "pipelines/data/t2s_corrections.tsv", "storage/models.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)


def test_the_egg_crawls_the_way_scrapyd_runs_it(egg, tmp_path, sqlite_url):
    # scrapyd puts the egg itself on sys.path and takes the settings module from its entry
    # point; run from an empty folder so nothing comes from the project checkout.
    job_tmp = tmp_path / "tmp"
    job_tmp.mkdir()
    env = os.environ | {"PYTHONPATH": egg, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "ARCHIVE_URL": sqlite_url,
                        "TMPDIR": str(job_tmp)}
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:
        result = subprocess.run(
            # scrapyd passes its job id (and a version, when one is asked for) as spider arguments.
            [sys.executable, "-m", "scrapy", "crawl", "issues", "-a", "date=2023-01-31",
             "-a", "_job=6487ec79947edab326d6db28a2d86511", "-a", "_version=r1",
             "-a", f"base_url={server.url}{PREFIX.lstrip('/')}", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "DOWNLOAD_DELAY=0", "-s", "ARCHIVE_FETCH_PDFS=False", "-s", "TELNETCONSOLE_ENABLED=False"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{egg}/crawler/spiders/issues.py" in _module_file(env, tmp_path)
    assert len(stored_article_urls(sqlite_url)) == 20
    # The migrations, copied out of the egg to build the archive, go when the job ends.
    assert list(job_tmp.iterdir()) == []


def _module_file(env, cwd) -> str:
    return subprocess.run(
        [sys.executable, "-c", "import crawler.spiders.issues as m; print(m.__file__)"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    ).stdout
