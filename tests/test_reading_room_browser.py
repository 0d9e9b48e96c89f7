"""The reading room as a person uses it: headless Chromium against `archive serve`.

The archive comes from a real crawl of the sample e-paper; the server is the real `archive
serve` command; the browser is the distribution's Chromium (never one a tool downloads),
driven by Playwright. Screenshots go to test-artifacts/reading-room/ for a reviewer.
"""
from __future__ import annotations

import os
import shutil
from urllib.parse import urlencode

import pytest

from tests.conftest import PROJECT
from tests.test_reading_room import ISSUE, containing, query, served

# CI sets $CHROMIUM (.ci/services.sh): then a browser that cannot start fails the tests.
REQUIRED = bool(os.environ.get("CHROMIUM"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
# Without the background-networking flags Chromium keeps dialling Google on this machine's
# closed network (docs: /work/.library/env/machines/python.md).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often have a small /dev/shm; Chromium then crashes on big pages.
    "--disable-dev-shm-usage",
]
ARTIFACTS = PROJECT / "test-artifacts" / "reading-room"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A fresh headless Chromium profile; skips where Chromium or Playwright is absent."""
    if not CHROMIUM:
        pytest.skip("Chromium not installed: apt-get install chromium (.ci/services.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRED:
            raise
        pytest.skip("Playwright not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def reading_room(sample_archive):  # noqa: F811
    """`archive serve --port 0` over the crawled archive; yields its base URL."""
    with served(sample_archive) as server:
        yield server.url


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def search(page, reading_room: str, words: str, section: str | None = None) -> None:
    """Type a search into the search page's form and submit it, as a reader does."""
    page.goto(reading_room + "/search")
    page.get_by_role("searchbox").fill(words)
    if section:
        page.get_by_label("Section").select_option(section)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?*")


def test_issue_page_lists_all_sixteen_pages_with_sections(browser, reading_room, sample_archive):  # noqa: F811
    page = browser.new_page()
    page.goto(reading_room + ISSUE)
    headings = page.locator("section.page h2").all_inner_texts()
    expected = query(sample_archive, "select page_number, section from pages order by page_number")
    assert len(expected) == 16
    assert headings == [f"第{number:02d}版 · {section}" for number, section in expected]
    assert page.locator("section.page a.title").count() == 20
    screenshot(page, "issue-2023-01-31")
    page.close()


def test_search_finds_the_article_and_the_hit_opens_it_in_simplified(browser, reading_room, sample_archive):  # noqa: F811
    page = browser.new_page()
    search(page, reading_room, "社工站")
    (title, body), = query(sample_archive, "select title, body from articles where title like '民政部%'")
    hits = page.locator(".hit")
    assert hits.count() >= 1
    hit = hits.filter(has=page.get_by_role("link", name=title, exact=True))
    assert hit.count() == 1
    assert hit.locator("mark").first.inner_text() == "社工站"
    screenshot(page, "search-社工站")

    hit.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url("**/article/*")
    assert page.locator("h1").inner_text() == title
    text = page.locator(".body").inner_text()
    first_paragraph = body.splitlines()[0].strip()
    assert first_paragraph in text and "社工站" in text
    # Simplified on the page: none of the published Traditional forms.
    assert "會議" not in text and "社會工作" not in text
    screenshot(page, "article-民政部")

    page.get_by_role("link", name="原文（繁体）").click()
    page.wait_for_url("**text=original")
    assert "會議" in page.locator(".body").inner_text()
    screenshot(page, "article-民政部-original")
    page.close()


def test_two_character_query_and_filters(browser, reading_room, sample_archive):  # noqa: F811
    page = browser.new_page()
    search(page, reading_room, "社工", section="社会工作")
    titles = page.locator(".hit h2 a").all_inner_texts()
    expected = query(
        sample_archive,
        "select a.title from articles a join pages p on p.id = a.page_id"
        " where p.section = '社会工作' and (a.title || a.subtitle || a.body) like '%社工%'",
    )
    assert expected and sorted(titles) == sorted(t for t, in expected)
    screenshot(page, "search-社工-社会工作")
    page.close()


def test_searching_again_keeps_the_section_a_link_named_as_printed(browser, reading_room, sample_archive):  # noqa: F811
    # A link names the section as the page printed it (社會工作): the hits are that section's,
    # and the form must say so, or searching again from it drops the filter.
    page = browser.new_page()
    page.goto(reading_room + "/search?" + urlencode({"q": "社工", "section": "社會工作"}))
    expected = sorted(title for _, title in containing(sample_archive, "社工", "p.section = '社会工作'"))
    assert expected and sorted(page.locator(".hit h2 a").all_inner_texts()) == expected
    assert page.get_by_label("Section").input_value() == "社会工作"
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert sorted(page.locator(".hit h2 a").all_inner_texts()) == expected
    page.close()


def test_an_article_s_pictures_tell_the_paper_s_site_nothing_of_the_reading_room(browser, reading_room, sample_archive):  # noqa: F811
    # The pictures are the paper's own, fetched from its site as the article is read: each request
    # named the reading room to the site (Referer: its address, a host name on a newsroom's network
    # for one served with --host), as would a click on "Published online" or "page PDF".
    (article_id,), = query(sample_archive, "select article_id from images order by article_id limit 1")
    page = browser.new_page()
    sent = []
    page.on("request", lambda request: sent.append((request.url, request.all_headers().get("referer"))))
    page.goto(f"{reading_room}/article/{article_id}")
    page.wait_for_load_state("networkidle")
    pictures = [(url, referer) for url, referer in sent if url.endswith(".jpg")]
    assert pictures and not any(referer for _, referer in pictures), pictures  # none, or empty
    page.close()
