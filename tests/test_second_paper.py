"""A second paper, as a user adds one: a profile of their own ($ARCHIVE_PAPERS), checked when
it is read, crawled with the real `scrapy crawl issues` over HTTP on 127.0.0.1 into a real
SQLite archive, alone and beside 公益时报 in one archive."""
from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.dates import paper_today
from crawler.papers import PROFILES_ENV
from crawler.sample import PREFIX
from crawler.sample.server import SiteServer
from storage.db import open_archive
from tests.conftest import PROJECT, SAMPLE_SITE, archive_command, crawl_site, run_crawl, sql_rows
from tests.sites import SHEHUIBAO_DAYS, SHEHUIBAO_PROFILES, own_paper, shehuibao_site

NO_PDFS = {"ARCHIVE_FETCH_PDFS": "False"}
# A first issue not out yet, wherever the machine is.
FUTURE = paper_today() + timedelta(days=30)
PROFILE = 'code = "x"\nname = "X"\ntemplate = "founder"\nroot = "https://x.cn/epaper/"\nentry = "html/{date:%Y-%m}/{date:%d}/node_2.htm"\n'


@pytest.fixture
def archive(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


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
        # Joined to the root as written: newdzb//html/…, each date taken for one without an issue.
        (PROFILE.replace('"html/', '"/html/'), "entry '/html/{date:%Y-%m}/{date:%d}/node_2.htm' must be a path under the root"),
        (PROFILE + 'latest = "https://x.cn/epaper/paperindex.htm"\n', "latest 'https://x.cn/epaper/paperindex.htm' must be a path"),
        # Each date asked one address, fetched once: the issue taken for that of the first date
        # asked, the others' dropped as repeats, nothing stored, exit status 0.
        (PROFILE.replace("{date:%d}", "31"), "entry 'html/{date:%Y-%m}/31/node_2.htm' makes one address of 2023-01-31 and 2023-01-30"),
        (PROFILE.replace("{date:%Y-%m}", "{date:%Y}"), "entry 'html/{date:%Y}/{date:%d}/node_2.htm' makes one address of 2023-01-31 and 2023-03-31"),
        # Every crawl refused as asking days before it, the walk back to the newest issue too.
        (PROFILE + f"first_issue = {FUTURE}\n", f"first_issue {FUTURE} is in the future (today in China is TODAY)"),
        # Each Tuesday asked once all the same, but `archive stats` said "every Tue, Tue".
        (PROFILE + "schedule = { weekdays = [2, 5, 2] }\n", "schedule.weekdays names Tue (2) twice"),
        (PROFILE + "[[schedule.earlier]]\nuntil = 2012-12-31\nweekdays = [7, 7]\n", "schedule.earlier[1].weekdays names Sun (7) twice"),
        # The site's own images (site_images): paths and patterns of an image's address on any host.
        (PROFILE + 'site_images = "/tplimg/"\n', "site_images must be a list of paths and patterns"),
        (PROFILE + "site_images = [\"/tplimg/\", 2]\n", "site_images[2] must be a path or a pattern"),
        (PROFILE + 'site_images = ["http://x.cn/tplimg/line.jpg"]\n',
         "site_images[1] 'http://x.cn/tplimg/line.jpg' is a URL: give its path, '/tplimg/line.jpg'"),
        # As the article writes it: never the address made absolute, which the image is matched by.
        (PROFILE + 'site_images = ["../../../images/column_head.jpg"]\n',
         "site_images[1] '../../../images/column_head.jpg' has a '..' segment"),
        (PROFILE + 'site_images = ["/*"]\n', "site_images[1] '/*' names every image"),
        # Copied from an image's address with its query or fragment: matched against the path,
        # the entry named nothing, its "?" read as a one-character wildcard.
        (PROFILE + 'site_images = ["/tplimg/", "/tplimg/logo.png?v=2"]\n',
         "site_images[2] '/tplimg/logo.png?v=2' has a query, '?v=2': entries match the path of the image's "
         "address: drop '?v=2', giving '/tplimg/logo.png'"),
        (PROFILE + 'site_images = ["images/column_?.jpg?v=2&t=1#top"]\n',
         "site_images[1] 'images/column_?.jpg?v=2&t=1#top' has a query, '?v=2&t=1#top': entries match the path "
         "of the image's address: drop '?v=2&t=1#top', giving 'images/column_?.jpg'"),
        (PROFILE + 'site_images = ["/tplimg/line.gif#x"]\n',
         "site_images[1] '/tplimg/line.gif#x' has a fragment, '#x': entries match the path of the "
         "image's address: drop '#x', giving '/tplimg/line.gif'"),
        # Written as it stands by strftime: every day's address html/%Q/31/…, a 404 taken for no issue.
        (PROFILE.replace("%Y-%m", "%Q-%m"), "entry 'html/{date:%Q-%m}/{date:%d}/node_2.htm' has %Q, which is no date directive"),
        (PROFILE.replace("%Y-%m", "%Y-%m%"), "entry 'html/{date:%Y-%m%}/{date:%d}/node_2.htm' ends {date:%Y-%m%} with a '%'"),
    ],
)
def test_a_bad_profile_ends_the_crawl_and_the_stats_of_its_own_paper_with_one_line(tmp_path, monkeypatch, archive, toml, message):
    """Each was a traceback (a selector's only once its paper's crawl began); a misspelt key was
    no error at all."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    # The day is the crawl's own, read on both sides of it: collected an hour before, the run crossed midnight in China.
    before = paper_today()
    done = run_crawl("paper=x", "date=2023-01-30", "base_url=http://127.0.0.1:9/", archive=archive)
    said = {message.replace("TODAY", str(day)) for day in (before, paper_today())}
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"error: paper profile {papers / 'x.toml'}: ") and any(m in done.stderr for m in said)
    open_archive(archive).close()
    stats = archive_command("stats", "--paper", "x", archive=archive)
    assert stats.returncode == 2 and stats.stderr.startswith(f"error: paper profile {papers / 'x.toml'}: ")
    assert len(stats.stderr.splitlines()) == 1


@pytest.mark.parametrize("code", ["she hui bao", "shehuibao:2024", "shehui/bao"])
def test_a_code_that_cannot_name_the_paper_everywhere_is_refused_in_one_line(tmp_path, monkeypatch, archive, code):
    """A space split a cron line's -a paper=; a ':' made a distributed job's Redis keys
    (issues:<code>:<job>) those of another paper's job; a '/' is a folder in a file name."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_text(PROFILE.replace('"x"', f'"{code}"', 1), encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    done = run_crawl(f"paper={code}", "date=2023-01-30", "base_url=http://127.0.0.1:9/", archive=archive)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: paper profile {papers / 'x.toml'}: code {code!r} must be letters, digits, '_', '-' or '.', beginning "
        "with a letter or digit, e.g. shehuibao (it is written in -a paper=, in Redis keys as <code>:<job>, in file names)\n")


def test_a_profile_saved_in_gbk_is_refused_saying_to_save_it_as_utf_8(tmp_path, monkeypatch, archive):
    """The line was the codec's: "'utf-8' codec can't decode byte 0xb1 in position 56"."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_bytes(PROFILE.replace('"X"', '"春节报"').encode("gbk"))
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    open_archive(archive).close()
    stats = archive_command("stats", "--paper", "x", archive=archive)
    assert stats.returncode == 2
    assert stats.stderr == f"error: paper profile {papers / 'x.toml'}: not UTF-8 (byte 0xb4 on line 2): save it as UTF-8\n"


def test_a_profile_saved_with_a_byte_order_mark_is_read_as_any_other(tmp_path, monkeypatch, archive):
    """Windows Notepad saves UTF-8 with a byte order mark: the paper was refused with
    "Invalid statement (at line 1, column 1)", and a mistake in such a file was laid to the
    paper its file name says, its code line unread."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_text("\ufeff" + PROFILE + "schedule = { weekdays = [2] }\n", encoding="utf-8")
    (papers / "y-draft.toml").write_text("\ufeff" + PROFILE.replace('"x"', '"y"', 1) + "schedul = 1\n", encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    open_archive(archive).close()
    stats = archive_command("stats", "--paper", "x", "--since", "2023-01-01", "--until", "2023-01-31", archive=archive)
    assert stats.returncode == 0, stats.stderr
    assert "Missing issues of x (every Tue) from 2023-01-01 to 2023-01-31: 5 of 5 scheduled" in stats.stdout
    assert "paper 'y' is refused" in stats.stderr  # its code line read, not its file name's


# Profiles half written, in a folder of the user's own: each spoilt in its own way.
HALF_WRITTEN = {
    "a.toml": ('code = "a"\nname = "A\n', "Illegal character"),
    "b.toml": (PROFILE.replace('"x"', '"b"', 1) + "schedul = { weekdays = [1, 3, 5] }\n", "unknown key 'schedul'"),
    "c.toml": (PROFILE.replace('"x"', '"c"', 1) + '[selectors]\ntitle = "h1[["\n', "Founder selector 'title' is invalid"),
    # Two files with one code (a copy not yet given its own): which is meant cannot be told.
    "d1.toml": (PROFILE.replace('"x"', '"d"', 1), None),
    "d2.toml": (PROFILE.replace('"x"', '"d"', 1), "code 'd' is taken by"),
}


def test_a_bad_profile_of_another_paper_is_one_warning_and_the_others_are_crawled(tmp_path, monkeypatch, archive):
    """A half-written profile dropped into $ARCHIVE_PAPERS stopped the crawl of every paper
    (exit status 2, nothing fetched), `archive stats` and `archive reprocess` too: all
    profiles are read to find one. The papers whose profiles are sound go on, each bad file
    said in one WARNING line; asking for a paper of a bad file stays an error."""
    papers = tmp_path / "papers"
    papers.mkdir()
    for name, (toml, _) in HALF_WRITTEN.items():
        (papers / name).write_text(toml, encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    expected = {papers / name: message for name, (_, message) in HALF_WRITTEN.items() if message}

    def warned(stderr: str) -> dict:
        lines = [line for line in stderr.splitlines() if "paper profile" in line]
        return {Path(re.search(r"paper profile (\S+):", line)[1]): line for line in lines}

    # With a paper named and without (公益时报, the default): both crawl it whole.
    for args in (("paper=gongyishibao",), ()):
        done, _ = crawl_site(archive, *args, settings=NO_PDFS)
        assert done.returncode == 0, done.stderr[-3000:]
        found = warned(done.stderr)
        assert found.keys() == expected.keys(), done.stderr[-3000:]
        for path, message in expected.items():
            assert " WARNING: " in found[path] and message in found[path], found[path]
            assert "skipped" in found[path] and "ERROR" not in found[path]
        # Counted in Scrapy's log_count/WARNING as every WARNING line is (these and the one on
        # the missing ARCHIVE_CONTACT were logged before the counter was there, and missed it).
        lines = sum(" WARNING: " in line for line in done.stderr.splitlines())
        assert re.findall(r"'log_count/WARNING': (\d+)", done.stderr) == [str(lines)] and lines == len(expected) + 1
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]
    # Asking for a paper of a bad file is the error it was: one line naming the file, exit 2.
    for code, name in (("a", "a.toml"), ("b", "b.toml"), ("c", "c.toml"), ("d", "d2.toml")):
        done = run_crawl(f"paper={code}", "date=2023-01-30", "base_url=http://127.0.0.1:9/", archive=archive)
        assert done.returncode == 2 and done.stderr.splitlines() == [done.stderr.strip()], done.stderr[-2000:]
        assert done.stderr.startswith(f"error: paper profile {papers / name}: ") and expected[papers / name] in done.stderr
    # An unknown code's error names the files that could not be read (one may be the paper's).
    done = run_crawl("paper=e", "date=2023-01-30", archive=archive)
    assert done.returncode == 2 and done.stderr.strip() == (
        "error: unknown paper 'e' (known: gongyishibao; not read: "
        + ", ".join(str(papers / name) for name in ("a.toml", "b.toml", "c.toml", "d2.toml")) + ")"
    )
    # The archive's commands that read profiles go on with the sound ones, warning as the crawl does.
    stats = archive_command("stats", "--since", "2023-01-24", "--until", "2023-02-07", archive=archive)
    assert stats.returncode == 0, stats.stderr
    assert "Missing issues of gongyishibao (every Tue) from 2023-01-24 to 2023-02-07: 2 of 3 scheduled" in stats.stdout
    assert warned(stats.stderr).keys() == expected.keys() and all(
        line.startswith("warning: paper profile ") for line in stats.stderr.splitlines()), stats.stderr
    reprocessed = archive_command("reprocess", archive=archive)
    assert reprocessed.returncode == 0, reprocessed.stderr
    assert warned(reprocessed.stderr).keys() == expected.keys()
    # Search reads no profile: nothing to say.
    found = archive_command("search", "社工站", archive=archive)
    assert found.returncode == 0 and found.stdout and found.stderr == ""
    # Stats of a bad file's paper is an error as its crawl is.
    stats = archive_command("stats", "--paper", "b", archive=archive)
    assert stats.returncode == 2 and stats.stderr.startswith(f"error: paper profile {papers / 'b.toml'}: unknown key 'schedul'")


def test_a_copy_of_a_profile_with_its_code_refuses_that_paper_only(tmp_path, monkeypatch, archive):
    """Copied from gongyishibao.toml, the copy not yet given its own code: a crawl of
    gongyishibao cannot tell which is meant (the copy's root may already be the new paper's,
    whose issues would be stored as 公益时报's), so it stays an error; shehuibao's crawl goes on."""
    papers = tmp_path / "papers"
    shutil.copytree(SHEHUIBAO_PROFILES, papers)
    profile = (PROJECT / "crawler" / "papers" / "gongyishibao.toml").read_text(encoding="utf-8")
    (papers / "newpaper.toml").write_text(profile.replace("http://www.gongyishibao.com/", "http://new.example/"), encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    done = run_crawl("date=2023-01-31", "base_url=http://127.0.0.1:9/", archive=archive)
    assert done.returncode == 2 and done.stderr.splitlines() == [
        f"error: paper profile {papers / 'newpaper.toml'}: code 'gongyishibao' is taken by {PROJECT / 'crawler' / 'papers' / 'gongyishibao.toml'}"
    ], done.stderr[-2000:]
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if "paper profile" in line] == [
        line for line in done.stderr.splitlines() if " WARNING: paper profile " in line and "code 'gongyishibao' is taken by" in line
    ] != []
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


def test_a_copy_of_a_profile_given_its_own_code_but_not_its_own_root_refuses_both_papers(tmp_path, monkeypatch, archive):
    """Copied from gongyishibao.toml and given a code and a name, its root not yet changed: its
    crawl stored 公益时报's issues under the new code, and the next crawl of either paper moved
    every article to its own pages (an article is known by its address), the other paper's
    issues left without one. Which profile is wrong cannot be told: both are refused, the file
    to mend named; a paper at its own address is crawled as usual."""
    papers = tmp_path / "papers"
    shutil.copytree(SHEHUIBAO_PROFILES, papers)
    bundled = PROJECT / "crawler" / "papers" / "gongyishibao.toml"
    copy = bundled.read_text(encoding="utf-8").replace('"gongyishibao"', '"lvyoubao"').replace("公益时报", "中国旅游报")
    # The root written otherwise (https and a default port aside, one site): the same addresses.
    (papers / "lvyoubao.toml").write_text(copy.replace("http://www.gongyishibao.com/newdzb/", "http://WWW.gongyishibao.com:80/newdzb"),
                                          encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    message = (f"error: paper profile {papers / 'lvyoubao.toml'}: its issues are at the addresses of paper 'gongyishibao' ({bundled}):"
               " root 'http://www.gongyishibao.com/newdzb/' and entry 'html/{date:%Y-%m}/{date:%d}/node_1.htm' lead to the same"
               " issue folders; give each paper its own root")
    for code in ("lvyoubao", "gongyishibao"):
        done = run_crawl(f"paper={code}", "date=2023-01-31", "base_url=http://127.0.0.1:9/", archive=archive)
        assert (done.returncode, done.stderr.splitlines()) == (2, [message]), done.stderr[-2000:]
    open_archive(archive).close()
    stats = archive_command("stats", "--paper", "lvyoubao", archive=archive)
    assert (stats.returncode, stats.stderr.splitlines()) == (2, [message])
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(line.split(" WARNING: ")[1] for line in done.stderr.splitlines() if "paper profile" in line) == [
        message.removeprefix("error: ") + f"; skipped: paper {code!r} is refused until this is fixed, the other papers go on"
        for code in ("gongyishibao", "lvyoubao")
    ]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


def test_a_base_url_at_another_paper_s_site_is_refused_naming_both_papers(tmp_path, monkeypatch, archive):
    """`-a base_url=` at the root of another profile's paper (one template, one entry pattern):
    the crawl stored that paper's issues as its own, and the next crawl of the other paper moved
    their articles to its pages. Refused in one line before anything is asked; a site no
    profile names (a copy, a fixture server) is crawled as before."""
    papers = tmp_path / "papers"
    shutil.copytree(SHEHUIBAO_PROFILES, papers)
    sites = tmp_path / "sites"
    shutil.copytree(SAMPLE_SITE, sites / "newdzb")
    shutil.copytree(SAMPLE_SITE, sites / "lvyou")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    with SiteServer(sites) as server:
        lvyou = f"{server.url}lvyou/"
        own_paper(papers, "lvyoubao", name='"中国旅游报"', root=f'"{lvyou}"')
        # Its root as given, or written otherwise (a "//", a "./"): one site.
        for given, shown in ((lvyou, lvyou), (f"{server.url}/lvyou/./", lvyou),
                             ("https://epaper.shehuibao.example.cn", "https://epaper.shehuibao.example.cn/")):
            other = "shehuibao" if "shehuibao" in given else "lvyoubao"
            done = run_crawl("paper=gongyishibao", "date=2023-01-31", f"base_url={given}", archive=archive, settings=NO_PDFS)
            assert (done.returncode, done.stdout) == (2, ""), done.stderr[-3000:]
            assert done.stderr == (f"error: base_url {given!r} is the site of paper {other!r} ({shown}): what a crawl of "
                                   f"'gongyishibao' fetched there would be stored as its issues; leave base_url out, or give "
                                   f"a copy of the site of gongyishibao\n")
        assert server.requests == []
        done = run_crawl("paper=lvyoubao", "date=2023-01-31", archive=archive, settings=NO_PDFS)
        assert done.returncode == 0, done.stderr[-3000:]
        done = run_crawl("paper=gongyishibao", "date=2023-01-31", f"base_url={server.url}newdzb/", archive=archive, settings=NO_PDFS)
        assert done.returncode == 0, done.stderr[-3000:]
    stored = sql_rows(archive, "SELECT pa.code, a.url FROM articles a JOIN pages p ON p.id = a.page_id"
                      " JOIN issues i ON i.id = p.issue_id JOIN papers pa ON pa.id = i.paper_id")
    roots = {"gongyishibao": f"{server.url}newdzb/", "lvyoubao": lvyou}
    assert sorted(code for code, _ in stored) == ["gongyishibao"] * 20 + ["lvyoubao"] * 20
    assert all(url.startswith(roots[code]) for code, url in stored)


# --- 社会报 crawled by its profile --------------------------------------------------------------

BYLINE = "本报记者 王勇"


@pytest.fixture
def shehuibao(monkeypatch):
    """Its profile (tests/fixtures/papers/shehuibao.toml) found as a user's own is."""
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))


def _a_byline(name: str, html: str) -> str:
    """A byline in an article's title block (the sample's 作者 rows are empty)."""
    if name == "content_306504.htm":
        html = html.replace("<div class=zuozhe></div>", f"<div class=zuozhe>{BYLINE}</div>")
    return html


ARTICLE_FIELDS = (
    "SELECT a.article_id, p.page_number, p.section, a.pretitle, a.title, a.subtitle, a.byline, a.source, a.body,"
    " a.extraction, (SELECT group_concat(caption, '|') FROM images im WHERE im.article_id = a.id)"
    " FROM articles a JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id JOIN papers pa ON pa.id = i.paper_id"
    " WHERE pa.code = :paper AND i.issue_date = :day ORDER BY a.article_id"
)


def test_a_second_paper_is_crawled_by_its_profile_beside_gongyishibao_in_one_archive(tmp_path, shehuibao, archive):
    """社会报: Mondays, Wednesdays and Fridays, entered at layout/YYYYMM/DD/node_2.htm, in GBK,
    every field where its template variant keeps it, page labels without a zero, a date line
    in figures, no metadata comment; both sites on one host, the same file names under each
    paper's root. Each stored article reads as the same article of 公益时报's sample issue."""
    sites = tmp_path / "sites"
    shutil.copytree(SAMPLE_SITE, sites / "newdzb")
    shehuibao_site(sites / "shb", alter=_a_byline)
    with SiteServer(sites) as server:
        roots = {"gongyishibao": f"{server.url}newdzb/", "shehuibao": f"{server.url}shb/"}
        gongyi = run_crawl("paper=gongyishibao", f"base_url={roots['gongyishibao']}", "date=2023-01-31", archive=archive, settings=NO_PDFS)
        shehui = run_crawl("paper=shehuibao", f"base_url={roots['shehuibao']}", "start=2023-01-28", "end=2023-02-05",
                           archive=archive, settings=NO_PDFS)
        asked = [r.path for r in server.requests]
    assert (gongyi.returncode, shehui.returncode) == (0, 0), shehui.stderr[-3000:]
    # Only its publishing days are asked, at its own entry pattern.
    assert sorted(path for path in asked if re.fullmatch(r"/shb/layout/\d{6}/\d\d/node_2\.htm", path)) == [
        f"/shb/layout/{day:%Y%m/%d}/node_2.htm" for day in SHEHUIBAO_DAYS
    ]
    rows = sql_rows(archive, "SELECT pa.code, i.issue_date, count(DISTINCT p.id), count(a.id), sum(a.extraction = 'template'), min(a.url), max(a.url)"
                    " FROM papers pa JOIN issues i ON i.paper_id = pa.id JOIN pages p ON p.issue_id = i.id"
                    " JOIN articles a ON a.page_id = p.id GROUP BY pa.code, i.issue_date ORDER BY pa.code, i.issue_date")
    assert [row[:5] for row in rows] == [("gongyishibao", "2023-01-31", 16, 20, 20)] + [
        ("shehuibao", day.isoformat(), 16, 20, 20) for day in SHEHUIBAO_DAYS
    ]
    assert all(url.startswith(roots[code]) for code, *_, first, last in rows for url in (first, last))
    # Every field as 公益时报's: its profile's selectors, each used.
    expected = sql_rows(archive, ARTICLE_FIELDS, paper="gongyishibao", day="2023-01-31")
    for day in SHEHUIBAO_DAYS:
        got = sql_rows(archive, ARTICLE_FIELDS, paper="shehuibao", day=day.isoformat())
        assert [tuple(r) for r in got] == [tuple(BYLINE if r[0] == "306504" and i == 6 else v for i, v in enumerate(r)) for r in expected]
    pages = sql_rows(archive, "SELECT p.page_number, p.page_label, p.pdf_url, p.image_url, p.articles_expected FROM pages p"
                     " JOIN issues i ON i.id = p.issue_id WHERE i.issue_date = '2023-02-01' ORDER BY p.page_number")
    sample = sql_rows(archive, "SELECT p.page_number, p.page_label, p.articles_expected FROM pages p"
                      " JOIN issues i ON i.id = p.issue_id WHERE i.issue_date = '2023-01-31' ORDER BY p.page_number")
    assert [(n, label) for n, label, *_ in pages] == [(n, label.replace("第0", "第")) for n, label, _ in sample]
    # Each page's own PDF and picture (every page had page 1's PDF: the row's link was looked
    # for as the default's ".pdf").
    assert [pdf.removeprefix(roots["shehuibao"]) for _, _, pdf, _, _ in pages] == [
        f"images/2023-02/01/{n:02d}/GYSB20230201{n:02d}?type=pdf" for n in range(1, 17)
    ]
    assert all(image.endswith(f"/GYSB20230201{n:02d}_b.jpg") for n, _, _, image, _ in pages)
    # Page 1's 本期导读 is linked by the page picture's hot zones only.
    assert [expected for *_, expected in pages] == [expected for *_, expected in sample]

    # The archive's commands, per paper.
    stats = archive_command("stats", "--since", "2023-01-23", "--until", "2023-02-10", archive=archive)
    assert stats.returncode == 0, stats.stderr
    assert "Missing issues of gongyishibao (every Tue) from 2023-01-23 to 2023-02-10: 2 of 3 scheduled" in stats.stdout
    assert "Missing issues of shehuibao (every Mon, Wed, Fri) from 2023-01-23 to 2023-02-10: 6 of 9 scheduled" in stats.stdout
    assert re.search(r"^shehuibao +\| 2023 \| 3 +\| 48 +\| 60", stats.stdout, re.M)
    found = archive_command("search", "社工站", "--paper", "shehuibao", "--since", "2023-02-01", "--until", "2023-02-01", archive=archive)
    assert found.returncode == 0 and found.stdout and all(
        " shehuibao " in line for line in found.stdout.splitlines() if re.match(r"\d{4}-", line)
    ) and all(line.startswith("2023-02-01") for line in found.stdout.splitlines() if re.match(r"\d{4}-", line))
    exported = archive_command("export", "--format", "jsonl", "--paper", "shehuibao", "--since", "2023-02-01", "--until", "2023-02-01", archive=archive)
    articles = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(articles) == 20 and {a["paper_code"] for a in articles} == {"shehuibao"}
    assert {a["url"].removeprefix(roots["shehuibao"]).split("content_")[0] for a in articles} == {"layout/202302/01/"}


def test_a_page_list_its_selectors_miss_raises_the_alarm_and_is_asked_again(tmp_path, monkeypatch, archive):
    """A profile whose page_links finds nothing: the entry page was stored as the whole issue,
    complete, exit status 0, and no later run asked for the other fifteen pages."""
    papers = tmp_path / "papers"
    papers.mkdir()
    profile = (SHEHUIBAO_PROFILES / "shehuibao.toml").read_text(encoding="utf-8")
    (papers / "shehuibao.toml").write_text(re.sub(r"(?m)^page_links = .*\n", "", profile), encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    entry = f"{PREFIX}layout/202301/30/node_2.htm"
    with SiteServer(site, prefix=PREFIX) as server:
        runs = []
        for _ in range(2):
            before = len(server.requests)
            done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
            runs.append((done, [r.path for r in server.requests[before:]]))
    (done, _), (_, again) = runs
    assert done.returncode == 3, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if "ERROR: template drift: 社会报 (shehuibao) 2023-01-30: the entry page lists no pages"
            in line and line.endswith(entry)]
    assert sql_rows(archive, "SELECT count(*), max(i.pages_expected) FROM pages p JOIN issues i ON i.id = p.issue_id") == [(1, None)]
    assert entry in again  # the issue is incomplete: asked again


def test_a_file_of_another_issue_is_told_by_a_date_line_in_figures(tmp_path, shehuibao, archive):
    """社会报's date line reads 2023-02-01, and it has no metadata comment: a page that the site
    sent to its newest issue's was stored as this issue's page, the one of the same number."""
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[1:])
    asked = f"{PREFIX}layout/202302/01/node_9.htm"
    with SiteServer(site, prefix=PREFIX) as server:
        server._redirects[asked] = f"{server.url}{PREFIX.lstrip('/')}layout/202302/03/node_2.htm"
        done = run_crawl("paper=shehuibao", "date=2023-02-01", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 4, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines()
            if "WARNING: broken page link (serves the issue of 2023-02-03), skipped (another issue's file on 1 of" in line and line.endswith(asked)]
    assert sql_rows(archive, "SELECT count(*) FROM pages WHERE url LIKE '%/202302/03/%'") == [(0,)]
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(18,)]


def test_a_paper_without_a_latest_page_walks_back_over_its_schedule(tmp_path, shehuibao, archive, paper_day):
    """No date, no latest page: the newest of its publishing days that the site has."""
    today = paper_day
    days = [d for d in (today - timedelta(n) for n in range(1, 10)) if d.isoweekday() in (1, 3, 5)]
    site = shehuibao_site(tmp_path / "site", days[1:2])  # the newest publishing day's issue is not up
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
        entries = [r.path for r in server.requests if r.path.endswith("node_2.htm")]
    assert done.returncode == 0, done.stderr[-3000:]
    scheduled = [d for d in (today - timedelta(n) for n in range(0, 10)) if d.isoweekday() in (1, 3, 5)]
    assert entries[: scheduled.index(days[1]) + 1] == [f"{PREFIX}layout/{d:%Y%m/%d}/node_2.htm" for d in scheduled[: scheduled.index(days[1]) + 1]]
    assert sql_rows(archive, "SELECT i.issue_date, count(a.id) FROM issues i JOIN pages p ON p.issue_id = i.id"
                    " JOIN articles a ON a.page_id = p.id GROUP BY i.issue_date") == [(days[1].isoformat(), 20)]


def test_the_walk_back_to_the_newest_issue_asks_no_day_before_the_first_issue(tmp_path, monkeypatch, archive, paper_day):
    """A paper younger than its lookback window: the walk asked the days before its first issue."""
    today = paper_day
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "x.toml").write_text(PROFILE + f"first_issue = {today - timedelta(days=2)}\n", encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    with SiteServer(SAMPLE_SITE, prefix=PREFIX) as server:  # no issue of these days
        done = run_crawl("paper=x", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
        entries = [r.path for r in server.requests if r.path.endswith("node_2.htm")]
    assert done.returncode == 0, done.stderr[-3000:]
    assert entries == [f"{PREFIX}html/{d:%Y-%m}/{d:%d}/node_2.htm" for d in (today - timedelta(n) for n in range(3))]


def test_stats_say_so_when_an_archived_paper_has_no_profile(tmp_path, monkeypatch, shehuibao, archive):
    """$ARCHIVE_PAPERS set for the crawl and not for `archive stats`: its missing issues were left out without a word."""
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    monkeypatch.delenv(PROFILES_ENV)
    stats = archive_command("stats", "--since", "2023-01-23", archive=archive)
    assert stats.returncode == 0, stats.stderr
    assert ("Missing issues of shehuibao: not counted, no profile of it tells its schedule (crawler/papers/, $ARCHIVE_PAPERS)"
            in stats.stdout.splitlines())
    assert "Missing issues of gongyishibao (every Tue) from 2023-01-23 to" not in stats.stdout  # not archived: not shown


def test_reprocess_without_the_profile_of_an_archived_paper_is_one_line_and_touches_nothing(tmp_path, monkeypatch, shehuibao,
                                                                                           archive):
    """$ARCHIVE_PAPERS set for the crawl and not for `archive reprocess`: every document of the
    paper was an error line of its own (a line per page and article of the archive), exit 1."""
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    monkeypatch.delenv(PROFILES_ENV)
    stored = "SELECT url, updated_at FROM pages UNION ALL SELECT url, updated_at FROM articles ORDER BY 1"
    before = sql_rows(archive, stored)
    for args in ((), ("--paper", "shehuibao")):
        reprocessed = archive_command("reprocess", *args, archive=archive)
        assert (reprocessed.returncode, reprocessed.stderr) == (
            2, "error: unknown paper 'shehuibao' (known: gongyishibao): its documents are re-read with its profile, "
               "not found (crawler/papers/, $ARCHIVE_PAPERS)\n")
    assert sql_rows(archive, stored) == before


def test_reprocess_with_selectors_that_no_longer_read_the_older_pages_leaves_them_as_stored(tmp_path, monkeypatch, archive_url):
    """The site moved to a new template and the paper's profile was changed to read it: the
    older issues' raw pages, read again with those selectors, list no article and hold no body
    where the template looks. Reprocess stored them so ("0 failed", exit 0): every page's
    article links gone, every article's text replaced by generic extraction's, where a crawl
    meeting such files raises its drift alarm. They are left as stored, one line each."""
    monkeypatch.setenv(PROFILES_ENV, str(SHEHUIBAO_PROFILES))
    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1])
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive_url,
                         settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    stored = ("SELECT p.url, p.section, p.articles_expected, a.url, a.title, a.body, a.extraction FROM pages p "
              "LEFT JOIN articles a ON a.page_id = p.id ORDER BY p.url, a.url")
    links = "SELECT page_id, position, url FROM page_articles ORDER BY page_id, position"
    before = sql_rows(archive_url, stored), sql_rows(archive_url, links)
    assert len(before[1]) == 20
    papers = tmp_path / "papers"
    papers.mkdir()
    profile = (SHEHUIBAO_PROFILES / "shehuibao.toml").read_text(encoding="utf-8")
    for old, new in (("ul.title-list", "ul.news-list"), ("map[name=imgmap]", "map[name=hotzones]"), ("#articleContent", "#content")):
        profile = profile.replace(old, new)
    (papers / "shehuibao.toml").write_text(profile, encoding="utf-8")
    monkeypatch.setenv(PROFILES_ENV, str(papers))
    reprocessed = archive_command("reprocess", archive=archive_url)
    assert reprocessed.returncode == 1, reprocessed.stderr[-2000:]
    errors = [line for line in reprocessed.stderr.splitlines() if line.startswith("error:")]
    pages = [url for url, expected in sql_rows(archive_url, "SELECT url, articles_expected FROM pages") if expected]
    articles = [url for (url,) in sql_rows(archive_url, "SELECT url FROM articles")]
    assert sorted(errors) == sorted(
        [f"error: {url}: the paper's template finds no article link in it now (it listed some when stored): left as stored"
         for url in pages]
        + [f"error: {url}: the paper's template finds no text in it now (generic extraction would replace what it "
           "read when stored): left as stored" for url in articles])
    assert reprocessed.stderr.splitlines()[-1] == (
        f"{16 - len(pages)} documents reprocessed, {len(pages) + 20} failed, 0 articles changed "
        "(the earlier text kept in article_versions)")
    assert (sql_rows(archive_url, stored), sql_rows(archive_url, links)) == before
    assert sql_rows(archive_url, "SELECT count(*) FROM article_versions") == [(0,)]


# Python's GB18030 codec (GB 18030-2005) reads these bytes as private-use characters; each is
# written here as that character, which the codec writes back as the same two bytes.
RARE = {"\ue81e": "\u9fb4", "\ue816": "\U00020087", "\ue78d": "\ufe10", "\ue855": "\U000241fe"}


def test_a_gbk_character_gb18030_2005_leaves_in_the_private_use_area_is_stored_as_unicode(tmp_path, shehuibao, archive):
    """Stored as private-use characters, they showed as tofu and no search found them."""
    def rare(name: str, html: str) -> str:
        if name == "content_306501.htm":
            html = html.replace("<!--<npm:article-content>-->", f"<!--<npm:article-content>--><P>罕見字{''.join(RARE)}。</P>", 1)
        return html

    site = shehuibao_site(tmp_path / "site", SHEHUIBAO_DAYS[:1], alter=rare)
    assert b"\xfe\x59\xfe\x51\xa6\xd9\xfe\x91" in next(site.rglob("content_306501.htm")).read_bytes()
    with SiteServer(site, prefix=PREFIX) as server:
        done = run_crawl("paper=shehuibao", "date=2023-01-30", f"base_url={server.url}{PREFIX.lstrip('/')}", archive=archive, settings=NO_PDFS)
    assert done.returncode == 0, done.stderr[-3000:]
    [(body, original)] = sql_rows(archive, "SELECT body, body_original FROM articles WHERE url LIKE '%content_306501.htm'")
    assert body.startswith(f"罕见字{''.join(RARE.values())}。\n") and original.startswith(f"罕見字{''.join(RARE.values())}。\n")
