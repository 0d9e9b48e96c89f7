"""The bundled sample e-paper (crawler/sample/site) and the local server that serves it."""
from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from crawler.sample import build
from crawler.sample.server import SiteServer
from tests.chinese_script import to_simplified, to_traditional
from tests.conftest import sql_rows, wait_for
from tests.seeds import seed

SITE = Path(build.__file__).parent / "site"
ENTRY = "html/2023-01/31/node_1.htm"
SPAM_MARK = "主站蜘蛛池模板:"
INDENT = "\u3000\u3000"
ROOT = "http://www.gongyishibao.com/newdzb/"
# Never through a proxy: everything here is on 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _doc(path: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring((SITE / path).read_text(encoding="utf-8"))


def _content(doc: lxml.html.HtmlElement) -> list[str]:
    """Text of each <P> of the article content."""
    return [p.text_content() for p in doc.xpath('//div[@id="ozoom"]/founder-content//p')]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def articles(manifest) -> dict[str, dict]:
    return {a["title"]: a for a in manifest["articles"]}


# --- the generator -----------------------------------------------------------------------


def test_committed_site_is_the_generator_output(tmp_path):
    built = tmp_path / "site"
    build.build(built)
    fresh, committed = _tree(built), _tree(SITE)
    stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
    assert not stale, f"crawler/sample/site is out of date, run `python -m crawler.sample.build`: {stale[:10]}"


def test_generator_is_deterministic():
    assert build.files() == build.files()


def test_site_is_small():
    assert sum(len(content) for content in _tree(SITE).values()) < 2 * 1024 * 1024


def test_build_refuses_to_replace_a_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build.build(tmp_path)
    assert (tmp_path / "notes.txt").exists()


# --- pages -------------------------------------------------------------------------------


def test_sixteen_pages_labelled_as_in_the_web_edition(manifest):
    published = re.findall(r"^\s*(第\d\d版):(.+)$", seed("001"), re.M)[:16]
    assert [(p["number"], p["label"], p["section"]) for p in manifest["pages"]] == [
        (n, f"{head}：{section}", section) for n, (head, section) in enumerate(published, 1)
    ]
    for page in manifest["pages"]:
        label = _doc(page["path"]).xpath('//td[@class="px12"][strong]')[0].text_content()
        assert label == page["label"]


def test_node_ids_are_not_page_numbers(manifest):
    pages = manifest["pages"]
    assert manifest["entry"] == ENTRY == pages[0]["path"]
    assert {p["path"] for p in pages} == {f"html/2023-01/31/node_{n}.htm" for n in range(1, 17)}
    assert any(p["path"] != f"html/2023-01/31/node_{p['number']}.htm" for p in pages)
    assert pages[6]["path"] == "html/2023-01/31/node_9.htm"  # 第07版


def test_every_page_lists_every_page_with_its_pdf(manifest):
    expected = [(p["path"], p["pdf"]) for p in manifest["pages"]]
    for page in manifest["pages"]:
        doc = _doc(page["path"])
        base = "http://x/" + page["path"]

        def site_path(href: str) -> str:
            return urljoin(base, href).removeprefix("http://x/")

        rows = [
            (site_path(a.get("href")), site_path(a.xpath("ancestor::tr[1]//a[contains(@href, '.pdf')]/@href")[0]))
            for a in doc.xpath('//a[@id="pageLink"]')
        ]
        assert rows == expected
        assert doc.xpath('//span[@class="paperdate"]')[0].text_content() == "2023年01月31日 星期二"
        assert doc.xpath('//span[@id="upqi"]/@style') == ["display:none"]


def test_pages_link_their_articles(manifest, articles):
    listed_in_title_list = {a["path"] for a in manifest["articles"] if a["in_title_list"]}
    for page in manifest["pages"]:
        doc = _doc(page["path"])
        listed = [a.get("href") for a in doc.xpath('//ul[@class="ul02_l"]//a')]
        zones = [a.get("href") for a in doc.xpath('//map[@name="PagePicMap"]/area')]
        assert all(re.fullmatch(r"content_\d+\.htm\?div=(-1|0)", href) for href in listed + zones)
        folder = page["path"].rsplit("/", 1)[0] + "/"
        assert sorted({folder + href.split("?")[0] for href in zones}) == sorted(page["articles"])
        in_list = [folder + href.split("?")[0] for href in listed]
        assert in_list == [path for path in page["articles"] if path in listed_in_title_list]
        scripts = doc.xpath('//ul[@class="ul02_l"]//script/text()')
        assert bool(scripts) == page["titles_written_by_script"]
    assert [a["title"] for a in manifest["articles"] if not a["in_title_list"]] == ["本期導讀"]
    assert sum(p["titles_written_by_script"] for p in manifest["pages"]) == 1
    page_07 = _doc(manifest["pages"][6]["path"])
    mca = articles["民政部召開全國志愿服務和社會工作電視電話會議"]
    assert page_07.xpath("//area/@href")[0] == mca["path"].rsplit("/", 1)[1] + "?div=0"


def test_every_local_link_resolves():
    for name in _tree(SITE):
        if not name.endswith(".htm"):
            continue
        doc = _doc(name)
        base = "http://x/" + name
        for link in doc.xpath("//a/@href | //area/@href | //img/@src | //link/@href"):
            url = urljoin(base, link)
            if url.startswith("http://x/"):
                assert (SITE / urlsplit(url).path.lstrip("/")).is_file(), f"{name}: broken link {link}"


def test_paperindex_refreshes_to_the_entry_page():
    refresh = _doc("paperindex.htm").xpath('//meta[@http-equiv="REFRESH"]/@content')
    assert refresh == [f"0; URL={ENTRY}"]


# --- articles ----------------------------------------------------------------------------


def test_articles_match_the_manifest(manifest):
    assert len({a["id"] for a in manifest["articles"]}) == len(manifest["articles"]) == 20
    ids = [int(a["id"]) for a in manifest["articles"]]
    assert ids == sorted(ids) and ids[0] > 300000
    for article in manifest["articles"]:
        doc = _doc(article["path"])
        pretitle, title, subtitle, author = (row.text_content() for row in doc.xpath('//table[@class="wz"]/tr[@valign="top"]'))
        assert (pretitle, title, subtitle) == (article["pretitle"], article["title"], article["subtitle"])
        assert author in ("", article["byline"])
        paragraphs = [p for p in _content(doc) if not p.startswith(SPAM_MARK)]
        assert len(paragraphs) == article["paragraphs"]
        assert all(p.startswith(INDENT) and p[2] != "\u3000" for p in paragraphs)
        if article["source"]:
            assert paragraphs[-1].endswith(f"({article['source']})")
        captions = [td.text_content() for td in doc.xpath('//table[@id="newspic"]//td[@class="font6"]')]
        assert captions == article["captions"]
        comment = re.search(r"<!--enpproperty(.*?)/enpproperty-->", (SITE / article["path"]).read_text(encoding="utf-8"))
        metadata = dict(re.findall(r"<(\w+)>(.*?)</\1>", comment[1]))
        assert (metadata["articleid"], metadata["title"], metadata["introtitle"]) == (article["id"], article["title"], article["pretitle"])


def test_mca_article_is_the_web_edition_text(articles):
    web = seed("001")
    lines = [line.strip() for line in web.split(SPAM_MARK)[0].splitlines()]
    start = lines.index("全國鄉鎮(街道)社工站覆蓋率達78%") + 1
    expected = [line for line in lines[start:] if line]
    assert expected[-1].endswith(",實現社會工作高質量發展。(據民政部官網)")

    article = articles["民政部召開全國志愿服務和社會工作電視電話會議"]
    assert (article["page"], article["subtitle"], article["source"]) == (7, "全國鄉鎮(街道)社工站覆蓋率達78%", "據民政部官網")
    paragraphs = _content(_doc(article["path"]))
    assert paragraphs[:-1] == [INDENT + line for line in expected]
    assert paragraphs[-1] == SPAM_MARK + web.split(SPAM_MARK)[1].rstrip("\n")


def test_guangxi_article_is_the_pdf_text_reflowed_in_traditional(articles):
    article = articles["廣西開展“情暖新春 共護未來”困境兒童關愛服務活動"]
    assert (article["page"], article["subtitle"], article["source"]) == (7, "廣西各地民政部門開展關愛、慰問活動", "據廣西壯族自治區民政廳")
    paragraphs = [p.removeprefix(INDENT) for p in _content(_doc(article["path"]))]
    assert len(paragraphs) == article["paragraphs"] == 7
    assert paragraphs[0].startswith("爲做好寒假春節期間孤兒") and paragraphs[0].endswith("健康平安。")
    assert paragraphs[-1] == "(據廣西壯族自治區民政廳)"
    assert all(to_traditional(p) == p for p in paragraphs)
    # Back in Simplified, the text is the PDF's, less its line breaks and extraction spaces.
    pdf = seed("000")
    start, end = pdf.index("自治区民政厅负责同志带"), pdf.index("（据广西壮族自治区民政厅）")

    def canonical(text: str) -> str:
        return re.sub(r"\s", "", text.translate(str.maketrans("，（）：；", ",():;")))

    assert canonical(to_simplified("".join(paragraphs[1:-1]))) == canonical(pdf[start:end])


def test_spam_is_where_the_manifest_says(manifest):
    spam = SPAM_MARK + seed("001").split(SPAM_MARK)[1].rstrip("\n")
    positions = {}
    for article in manifest["articles"]:
        doc = _doc(article["path"])
        inside = [p for p in _content(doc) if p.startswith(SPAM_MARK)]
        after = [p.text_content() for p in doc.xpath('//div[@id="ozoom"]/following-sibling::p')]
        position = "inside" if inside else "after" if after else None
        assert inside + after in ([], [spam])
        assert position == article["spam_position"] and bool(position) == article["spam_injected"]
        positions[article["title"]] = position
    assert positions["民政部召開全國志愿服務和社會工作電視電話會議"] == "inside"
    assert sorted(filter(None, positions.values())) == ["after", "inside"]


def test_bylines_and_pictures(articles):
    lanmajia = articles["江西開展“藍馬甲行動”鄉鎮(街道)社工站老年人專項服務"]
    assert lanmajia["byline"] == "本報記者 皮磊"
    assert _content(_doc(lanmajia["path"]))[0] == INDENT + "■ 本報記者 皮磊"
    assert lanmajia["captions"] == ["藍馬甲助老防騙公益大篷車來到江西省德安縣豐林鎮開展服務(圖片來源:界面新聞)"]
    assert sum(bool(a["captions"]) for a in articles.values()) == 2


# --- the server --------------------------------------------------------------------------


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server():
    with SiteServer(SITE, prefix="/newdzb/") as running:
        yield running


def test_serves_pages_as_text_html_without_charset(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
    status, headers, body = _get(server.url + "newdzb/" + ENTRY)
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert body == (SITE / ENTRY).read_bytes()
    status, headers, _ = _get(server.url + "newdzb/images/2023-01/31/07/GYSB2023013107.pdf")
    assert (status, headers["Content-Type"]) == (200, "application/pdf")


def test_query_strings_are_ignored_and_not_recorded(server, manifest):
    path = manifest["articles"][0]["path"]
    assert _get(server.url + "newdzb/" + path + "?div=-1")[0] == 200
    assert server.requests == [("/newdzb/" + path, 200)]


@pytest.mark.parametrize(
    "path",
    ["newdzb/html/2023-01/31/node_99.htm", "newdzb/html/2023-01/31/", "newdzb/", ENTRY, "newdzbx/" + ENTRY],
)
def test_unknown_paths_directories_and_paths_outside_the_prefix_are_404(server, path):
    assert _get(server.url + path)[0] == 404


def test_no_escape_from_the_directory(server):
    host, port = urlsplit(server.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/newdzb/../build.py")  # sent as is, not normalised
    assert connection.getresponse().status == 404
    connection.close()


def test_faults_come_first_then_the_file():
    path = "/newdzb/" + ENTRY
    with SiteServer(SITE, prefix="newdzb", faults={path: [500, 503]}) as server:
        statuses = [_get(server.url + path.lstrip("/"))[0] for _ in range(3)]
        assert statuses == [500, 503, 200]
        assert server.requests == [(path, 500), (path, 503), (path, 200)]


def test_requests_are_recorded_from_concurrent_clients(server, manifest):
    urls = [server.url + "newdzb/" + a["path"] for a in manifest["articles"]] * 3
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda url: _get(url)[0], urls)) == {200}
    assert sorted(server.requests) == sorted(("/newdzb/" + a["path"], 200) for a in manifest["articles"] * 3)


def test_stop_closes_the_port():
    server = SiteServer(SITE, prefix="/newdzb/")
    url = server.url + "newdzb/" + ENTRY
    assert _get(url)[0] == 200
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        OPENER.open(url, timeout=5)


# --- the page PDFs -----------------------------------------------------------------------


def test_page_pdfs_are_the_print_text_in_columns():
    """Each page's PDF is a real CJK PDF whose text reflows into its articles as printed."""
    from pipelines.normalize import normalize_text
    from pipelines.pdf import extract_paragraphs

    pages, _ = build.issue()
    for page in pages:
        expected = [normalize_text(text) for text in page.printed()]
        assert extract_paragraphs((SITE / page.pdf).read_bytes()) == expected, page.number


def test_page_07_pdf_is_seed_000():
    from pipelines.normalize import normalize_text
    from pipelines.pdf import extract_paragraphs
    from tests.seeds import print_article

    title, subtitle, printed = print_article()
    got = extract_paragraphs((SITE / "images/2023-01/31/07/GYSB2023013107.pdf").read_bytes())
    assert got[: 2 + len(printed)] == [normalize_text(p) for p in [title, subtitle, *printed]]


# --- archives of many issues (benchmarks) --------------------------------------------------


def test_archive_of_many_issues_holds_what_its_manifest_says(tmp_path):
    from datetime import date, timedelta

    from crawler.templates import FounderArticle, FounderPage

    made = build.build_archive(tmp_path / "site", issues=2, articles_per_page=3)
    root = tmp_path / "site"
    assert json.loads((root / "manifest.json").read_text(encoding="utf-8")) == made
    assert (made["issues"], made["pages"], made["articles"]) == (2, 32, 96)
    assert made["traditional_articles"] == 32 and 0 < made["spam_articles"] < made["articles"]
    days = [build.ARCHIVE_START, build.ARCHIVE_START + timedelta(weeks=1)]
    assert made["last_issue"] == days[-1].isoformat() and days[0].isoweekday() == 2  # Tuesdays, as the paper
    articles = []
    for day in days:
        folder = root / build.issue_dir(day)
        assert len(list(folder.glob("node_*.htm"))) == 16
        html = (folder / "node_1.htm").read_text(encoding="utf-8")
        page = FounderPage(html, f"{ROOT}{build.issue_dir(day)}/node_1.htm")
        assert page.issue_date == day and page.page_number == 1 and len(page.page_links) == 16
        assert len(page.article_links) == 3
        for url in page.article_links:
            path = root / url[len(ROOT):]
            articles.append(FounderArticle(path.read_text(encoding="utf-8"), url))
    assert all(a.title and a.paragraphs for a in articles)
    # The sample's Traditional text, and the same text in Simplified script, both appear.
    traditional = [a for a in articles if to_simplified(a.title) != a.title]
    assert 0 < len(traditional) < len(articles)
    assert date.fromisoformat(made["first_issue"]) == days[0]


def test_archive_build_leaves_the_bundled_sample_alone(tmp_path):
    with pytest.raises(SystemExit):
        build.main(["--issues", "2"])  # no --out: refused, the sample site is not replaced
    assert build.main(["--issues", "1", "--out", str(tmp_path / "site")]) == 0
    assert len(list((tmp_path / "site").rglob("content_*.htm"))) == 80


def test_the_demo_refuses_an_archive_that_is_no_url_in_one_line(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "crawler.sample.demo", "--archive", str(tmp_path / "archive.sqlite3")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"demo.py: error: invalid --archive '{tmp_path / 'archive.sqlite3'}': "
        "expected a SQLAlchemy URL such as sqlite:///archive.sqlite3; see demo.py --help\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("given", ["--archive", "$ARCHIVE_URL"])
def test_the_demo_names_an_archive_it_cannot_use_and_where_it_came_from_in_one_line(tmp_path, given):
    import os
    import subprocess
    import sys

    # A folder for the archive's file: the crawl it ran said so, naming $ARCHIVE_URL, which the
    # demo hands the crawl, for the --archive the user typed.
    url = f"sqlite:///{tmp_path}"
    argv, env = (["--archive", url], {}) if given == "--archive" else ([], {"ARCHIVE_URL": url})
    done = subprocess.run([sys.executable, "-m", "crawler.sample.demo", "--port", "0", *argv],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, env=os.environ | env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"error: archive {url} (given by {given}) names a folder, not a file: "
                           f"name a file in it, such as {url}/archive.sqlite3\n")
    # Two slashes: the line named the URL with the demo's folder pasted after its host
    # (sqlite://tmp//home/me/archive.sqlite3), not the one typed.
    url = "sqlite://tmp/archive.sqlite3"
    argv, env = (["--archive", url], {}) if given == "--archive" else ([], {"ARCHIVE_URL": url})
    done = subprocess.run([sys.executable, "-m", "crawler.sample.demo", "--port", "0", *argv],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, env=os.environ | env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: invalid archive URL {url!r} (given by {given}): a SQLite URL has no host")


def _demo(tmp_path, *args: str):
    """The demo run as README's first command runs it, into an archive of its own; its output and
    the site root it crawled from."""
    import subprocess
    import sys

    archive = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    done = subprocess.run([sys.executable, "-m", "crawler.sample.demo", "--archive", archive, *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "(20 articles)"
    (root,) = re.findall(r"-a base_url=(\S+)", done.stdout)
    return done, archive, root


def test_the_demo_read_through_head_stops_quietly_as_the_archive_commands_do(tmp_path):
    import shlex
    import subprocess
    import sys

    archive = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    demo = shlex.join([sys.executable, "-m", "crawler.sample.demo", "--archive", archive, "--port", "0"])
    # pipefail: the demo's exit status, not head's.
    done = subprocess.run(["bash", "-o", "pipefail", "-c", f"{demo} | head -1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr, done.stderr[-3000:]
    assert done.stdout.startswith("$ scrapy crawl issues -a date=2023-01-31") and done.stdout.count("\n") == 1
    assert sql_rows(archive, "SELECT count(*) FROM articles") == [(20,)]


def test_text_fidelity_counts_the_traditional_bodies_the_demo_stores(tmp_path):
    # docs/text-fidelity.md times the t2s rules over this text: its figures are what a crawl stores.
    _, archive, _ = _demo(tmp_path, "--port", "0")
    bodies = [body for (body,) in sql_rows(archive, "SELECT body FROM articles WHERE original_script = 'traditional'")]
    doc = (SITE.parents[2] / "docs" / "text-fidelity.md").read_text(encoding="utf-8")
    documented = re.search(r"bodies of its (\d+) Traditional articles \(([\d,]+) paragraphs,\s+([\d,]+) characters",
                           doc)
    assert documented, "docs/text-fidelity.md no longer names the sample's Traditional bodies it timed the rules on"
    assert [int(n.replace(",", "")) for n in documented.groups()] == [
        len(bodies), sum(len(body.split("\n")) for body in bodies), sum(len(body) for body in bodies)]


def _crawl_by_hand(server_args: list[str], archive: str, root: str) -> None:
    """Serve the sample with ``python -m crawler.sample.server *server_args``, run the crawl it
    says to run, asking the stored issue again (refresh=1), into ``archive``: that crawl must go
    on from the archive's root, not be refused for another one."""
    import subprocess
    import sys

    from tests.conftest import run_crawl

    server = subprocess.Popen([sys.executable, "-m", "crawler.sample.server", *server_args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        serving = server.stdout.readline()
        if not serving:
            reason = server.communicate(timeout=60)[1]
            if "Address already in use" in reason:
                pytest.skip(f"another process took the sample's port after the demo: {reason.strip()}")
            pytest.fail(f"the sample server did not start: {reason}")
        lines = [server.stdout.readline() for _ in range(2)]
        (crawl_line,) = [line for line in lines if "crawl it:" in line]
        by_hand = re.findall(r"-a (\S+)", crawl_line)
        done = run_crawl(*by_hand, "refresh=1", archive=archive)
    finally:
        server.terminate()
        server.communicate(timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "error:" not in done.stderr
    assert serving.rstrip().endswith(f" at {root}") and f"base_url={root}" in by_hand, (serving, crawl_line)
    urls = [url for (url,) in sql_rows(archive, "SELECT url FROM articles")]
    assert len(urls) == 20 and all(url.startswith(root) for url in urls), urls


def test_the_sample_server_as_readme_gives_it_serves_the_root_the_demo_crawled(tmp_path):
    # The demo served the sample on a random port: its archive held the issue under
    # http://127.0.0.1:<that port>/newdzb/, and the README's `python -m crawler.sample.server`
    # (port 8000) was another root, whose crawl with refresh=1 the archive refused.
    done, archive, root = _demo(tmp_path)
    if root == "http://127.0.0.1:8000/newdzb/":  # the sample server's port as README gives it
        assert "cannot listen" not in done.stderr
        server_args = []
    else:  # the default port was taken: the demo said where it served instead, and how to serve it again
        taken = [line for line in done.stderr.splitlines() if line.startswith("demo: cannot listen")]
        server_args = taken[0].split("python -m crawler.sample.server ", 1)[1].split() if taken else []
    _crawl_by_hand(server_args, archive, root)


def test_the_demo_on_a_taken_port_serves_on_another_and_says_how_to_serve_it_again(tmp_path):
    with SiteServer(SITE) as taken:
        done, archive, root = _demo(tmp_path, "--port", str(taken.port))
    (line,) = [line for line in done.stderr.splitlines() if "cannot listen" in line]
    port = int(urlsplit(root).port)
    assert port != taken.port
    assert line == (f"demo: cannot listen on 127.0.0.1:{taken.port} (Address already in use): serving the sample on "
                    f"127.0.0.1:{port} instead; to crawl it by hand into this archive later, serve it there: "
                    f"python -m crawler.sample.server --port {port}")
    _crawl_by_hand(["--port", str(port)], archive, root)


def test_the_demo_run_again_on_a_taken_port_names_the_port_its_archive_holds_the_issue_from(tmp_path):
    # The archive held the issue from the first run's root, and the second run (its issue complete,
    # nothing fetched) named its own new port: a crawl by hand of that server was refused.
    _, archive, root = _demo(tmp_path, "--port", "0")
    with SiteServer(SITE) as taken:
        done, _, _ = _demo(tmp_path, "--port", str(taken.port))  # into the same archive
    held = urlsplit(root).port
    (line,) = [line for line in done.stderr.splitlines() if "cannot listen" in line]
    assert line.startswith(f"demo: cannot listen on 127.0.0.1:{taken.port} (Address already in use): serving the sample on ")
    assert line.endswith(f" instead; this archive holds its issue from 127.0.0.1:{held}: to crawl it by hand into this "
                         f"archive later, serve it there: python -m crawler.sample.server --port {held}"), line
    _crawl_by_hand(["--port", str(held)], archive, root)


def test_the_sample_server_says_in_one_line_when_its_port_is_taken_or_impossible():
    import subprocess
    import sys

    with SiteServer(SITE) as taken:
        port = taken.url.rsplit(":", 1)[1].rstrip("/")
        busy = subprocess.run([sys.executable, "-m", "crawler.sample.server", "--port", port],
                              capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2
    assert busy.stderr == (f"error: cannot listen on 127.0.0.1:{port}: Address already in use "
                           "(give another --port, or --port 0 for any free one)\n")
    wrong = subprocess.run([sys.executable, "-m", "crawler.sample.server", "--port", "70000"],
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr == "server.py: error: argument --port: 70000 is out of range: 0 to 65,535; see server.py --help\n"


def test_the_crawl_benchmark_killed_leaves_no_work_directory(tmp_path):
    # Stopped while it builds its site, it removes what it made (its site alone is tens of MB).
    import os
    import signal
    import subprocess
    import sys

    project = Path(build.__file__).resolve().parents[2]
    benchmark = subprocess.Popen(
        [sys.executable, str(project / "benchmarks" / "crawl.py"), "--issues", "10", "--no-postgres"],
        env=os.environ | {"TMPDIR": str(tmp_path)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    wait_for("the benchmark started its site", lambda: list(tmp_path.glob("crawl-benchmark-*/site")), benchmark, 60)
    benchmark.send_signal(signal.SIGTERM)
    output = benchmark.communicate(timeout=60)[0]
    assert benchmark.returncode == 128 + signal.SIGTERM, output[-2000:]
    assert list(tmp_path.glob("crawl-benchmark-*")) == []


def _archive_scale():
    import importlib

    return importlib.import_module("benchmarks.archive_scale")


def test_the_archive_benchmark_pictures_its_articles_as_the_sample_issue_does():
    # Captions are searched (revision 0023): the benchmark's writes hold pictures in the sample
    # issue's share and shape, and its articles' text is the same without them.
    import random

    scale = _archive_scale()
    sample = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))["articles"]
    lines = scale.seed_lines()
    seed_captions = ["".join(line.split()) for line in lines if "图片来源" in line]
    assert [len(to_simplified(c)) for a in sample for c in a["captions"]] == [len(c) for c in seed_captions]

    def written(pictures):
        return [item for _, batch in scale.articles(4000, lines, random.Random(7), pictures) for item in batch]

    pictured, bare = written(True), written(False)
    assert [a | {"images": []} for a in pictured] == [a | {"images": []} for a in bare]
    assert not any(a.get("images") for a in bare)
    share = sum(bool(a["captions"]) for a in sample) / len(sample)
    assert abs(sum(bool(a.get("images")) for a in pictured) / len(pictured) - share) < 0.02
    per_article = {len(a["captions"]) for a in sample if a["captions"]}
    assert {len(a["images"]) for a in pictured if a.get("images")} == per_article
    captions = [img["caption"] for a in pictured for img in a.get("images") or []]
    assert {len(c) for c in captions} == {len(c) for c in seed_captions}
    assert {c[c.index("(图片来源"):] for c in captions} == {c[c.index("(图片来源"):] for c in seed_captions}
    assert len(set(captions)) > len(captions) // 2  # not the same two captions over and over


def test_the_archive_benchmark_checks_what_it_wrote(tmp_path, capfd):
    # Both databases (where a PostgreSQL server is given), a tiny archive: the counts it prints are the archive's, a caption's word
    # finds its article, and an archive that lost its pictures is said so, not measured.
    import os
    import subprocess
    import sys
    from unittest import mock

    from storage.db import Archive

    project = Path(build.__file__).resolve().parents[2]
    env = os.environ | {"TMPDIR": str(tmp_path)}
    # Without a PostgreSQL server (README's test command), the benchmark measures SQLite alone.
    databases = ["SQLite", "PostgreSQL"] if os.environ.get("TEST_POSTGRES_URL") else ["SQLite"]

    def run(*args):
        done = subprocess.run([sys.executable, str(project / "benchmarks" / "archive_scale.py"), "--articles", "600",
                               "--unindexed", "0", *args], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.splitlines()

    header, columns = run()[:2]
    counted = re.fullmatch(r"600 articles, (\d+) pictures", header)
    assert counted, header
    pictures = int(counted[1])
    assert 30 <= pictures <= 90 and columns.split() == databases
    assert run("--no-pictures", "--sqlite-only")[0] == "600 articles, 0 pictures"

    scale = _archive_scale()
    store_batch = Archive.store_batch

    def pictures_lost(self, pages, articles):
        return store_batch(self, pages, [{k: v for k, v in a.items() if k != "images"} for a in articles])

    capfd.readouterr()
    with mock.patch.object(Archive, "store_batch", pictures_lost):
        assert scale.main(["--articles", "600", "--unindexed", "0", "--sqlite-only"]) == 1
    err = capfd.readouterr().err
    assert re.fullmatch(r"archive_scale: sqlite: wrote 600 articles and \d+ pictures, the archive holds 600 and 0\n", err)

    def captions_lost(self, pages, articles):
        store_batch(self, pages, articles)
        with self.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE images SET caption = '', caption_original = ''")

    with mock.patch.object(Archive, "store_batch", captions_lost):
        assert scale.main(["--articles", "600", "--unindexed", "0", "--sqlite-only"]) == 1
    err = capfd.readouterr().err
    assert re.fullmatch(r"archive_scale: sqlite: a search for \w+, in the caption of http://bench/\S+ only, "
                        r"does not find it\n", err)
