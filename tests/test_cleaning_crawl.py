"""Spam set into article files as hacked mirrors set it, through a real crawl of the sample site
into SQLite and PostgreSQL: the stored body is the paper's text, whole, and what went is in
`removals`."""
from __future__ import annotations

import re
from types import SimpleNamespace

import opencc
import pytest

from tests.conftest import crawled_archive, sql_rows
from tests.sites import sample_site
from tests.test_clean import LABEL, SPAM_TITLES

END = "<!--</npm:article-content>-->"  # the end of a Founder article's content region
SPLIT_FARM = "content_306506.htm"  # a label alone, then its titles two to a paragraph
SPLIT_TITLES = [opencc.OpenCC("s2t").convert(title) for title in SPAM_TITLES]
SPLIT_PIECES = ["|".join(SPLIT_TITLES[i : i + 2]) for i in range(0, len(SPLIT_TITLES), 2)]


def _split_farm(name: str, html: str) -> str:
    if name != SPLIT_FARM:
        return html
    label = opencc.OpenCC("s2t").convert(LABEL) + ":"
    return html.replace(END, f"<p>{label}</p>" + "".join(f"<p>{piece}</p>" for piece in SPLIT_PIECES) + END)


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    """The stored body of each article file, crawled from the sample as it is."""
    site = sample_site(tmp_path_factory.mktemp("site") / "site", pdfs=False)
    url = crawled_archive(SimpleNamespace(param="sqlite"), site, tmp_path_factory.mktemp("clean"))
    return {re.sub(r".*/", "", u): body for u, body in sql_rows(url, "SELECT url, body FROM articles")}


@pytest.fixture(params=["sqlite", "postgresql"])
def spammed(request, tmp_path):
    site = sample_site(tmp_path / "site", alter=_split_farm, pdfs=False)
    return crawled_archive(request, site, tmp_path)


def test_a_farm_split_over_paragraphs_after_its_label_is_not_stored(spammed, bodies):
    [(body,)] = sql_rows(spammed, "SELECT body FROM articles WHERE url LIKE :u", u=f"%/{SPLIT_FARM}")
    assert body == bodies[SPLIT_FARM]
    removed = sql_rows(spammed, "SELECT r.kind, r.text FROM removals r JOIN articles a ON a.id = r.article_id "
                                "WHERE a.url LIKE :u ORDER BY r.id", u=f"%/{SPLIT_FARM}")
    assert [text for _, text in removed][-len(SPLIT_PIECES):] == SPLIT_PIECES
    assert {kind for kind, _ in removed} == {"spam:labelled-link-farm"}
